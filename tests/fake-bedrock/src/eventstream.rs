//! The `application/vnd.amazon.eventstream` framing that ConverseStream answers with.
//!
//! A message is
//!
//! ```text
//! total length (u32 BE) | headers length (u32 BE) | prelude CRC (u32 BE, over the 8 bytes before)
//! headers: name length (u8) | name | value type (u8, 7 = string) | value length (u16 BE) | value
//! payload
//! message CRC (u32 BE, over everything before it)
//! ```
//!
//! with CRC-32 (IEEE 802.3, the one gzip uses). Only string headers are written: Bedrock's
//! events carry `:event-type`, `:content-type` and `:message-type` (and `:exception-type` for
//! an exception), all strings.

/// The CRC-32 lookup table for the reflected polynomial 0xEDB88320, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { 0xEDB8_8320 ^ (crc >> 1) } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE), as used by gzip, zlib and the AWS event stream.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc = CRC_TABLE[((crc ^ u32::from(byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// The header value type of a string (`7`).
const STRING_TYPE: u8 = 7;

/// Encodes one message with string headers, in the order given.
///
/// # Panics
/// If a header name is longer than 255 bytes or a value longer than 32767 bytes (the format's
/// limits); the fake only writes short, fixed headers.
pub fn encode_message(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let headers_length: usize = headers.iter().map(|(name, value)| 1 + name.len() + 1 + 2 + value.len()).sum();
    let total_length = 12 + headers_length + payload.len() + 4;
    let mut out = Vec::with_capacity(total_length);
    out.extend_from_slice(&u32::try_from(total_length).expect("message under 4 GiB").to_be_bytes());
    out.extend_from_slice(&u32::try_from(headers_length).expect("headers under 4 GiB").to_be_bytes());
    let prelude_crc = crc32(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    for (name, value) in headers {
        out.push(u8::try_from(name.len()).expect("header name of at most 255 bytes"));
        out.extend_from_slice(name.as_bytes());
        out.push(STRING_TYPE);
        let value_length = u16::try_from(value.len()).ok().filter(|&n| n <= 32767).expect("header value under 32 KiB");
        out.extend_from_slice(&value_length.to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out.extend_from_slice(payload);
    let message_crc = crc32(&out);
    out.extend_from_slice(&message_crc.to_be_bytes());
    out
}

/// An event message (`:message-type: event`) with a JSON payload.
pub fn event(event_type: &str, payload: &serde_json::Value) -> Vec<u8> {
    encode_message(
        &[(":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")],
        payload.to_string().as_bytes(),
    )
}

/// An exception message sent inside a stream, e.g. `throttlingException` (the member name of
/// the `ConverseStreamOutput` union, lower camel case), with `{"message": …}` as payload.
pub fn exception(exception_type: &str, message: &str) -> Vec<u8> {
    encode_message(
        &[(":exception-type", exception_type), (":content-type", "application/json"), (":message-type", "exception")],
        serde_json::json!({ "message": message }).to_string().as_bytes(),
    )
}

/// A decoded message, for tests: its headers and payload.
#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) payload: Vec<u8>,
}

/// Decodes every message in `bytes`, checking both CRCs and every length.
#[cfg(test)]
pub(crate) fn decode_all(mut bytes: &[u8]) -> Result<Vec<Decoded>, String> {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let mut messages = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 16 {
            return Err(format!("{} trailing bytes", bytes.len()));
        }
        let total = be32(&bytes[0..4]);
        let headers_length = be32(&bytes[4..8]);
        if crc32(&bytes[0..8]) as usize != be32(&bytes[8..12]) {
            return Err("prelude CRC mismatch".to_owned());
        }
        if total > bytes.len() || total < 16 + headers_length {
            return Err(format!("bad total length {total}"));
        }
        let message = &bytes[..total];
        if crc32(&message[..total - 4]) as usize != be32(&message[total - 4..]) {
            return Err("message CRC mismatch".to_owned());
        }
        let mut header_bytes = &message[12..12 + headers_length];
        let mut headers = Vec::new();
        while !header_bytes.is_empty() {
            let name_length = usize::from(header_bytes[0]);
            let name = String::from_utf8_lossy(&header_bytes[1..1 + name_length]).into_owned();
            let rest = &header_bytes[1 + name_length..];
            if rest[0] != STRING_TYPE {
                return Err(format!("header {name} is not a string"));
            }
            let value_length = usize::from(u16::from_be_bytes([rest[1], rest[2]]));
            headers.push((name, String::from_utf8_lossy(&rest[3..3 + value_length]).into_owned()));
            header_bytes = &rest[3 + value_length..];
        }
        messages.push(Decoded { headers, payload: message[12 + headers_length..total - 4].to_vec() });
        bytes = &bytes[total..];
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The CRC-32/ISO-HDLC check value (the CRC of "123456789").
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    // The three vectors below are the AWS event stream test suite's `empty_message`,
    // `payload_no_headers` and `payload_one_str_header` (as shipped in aws-sdk-js-v3
    // packages/eventstream-marshaller/src/TestVectors.fixture.ts and the other SDKs).

    #[test]
    fn the_empty_message_vector_encodes_byte_for_byte() {
        assert_eq!(hex(&encode_message(&[], b"")), "000000100000000005c248eb7d98c8ff");
    }

    #[test]
    fn the_payload_without_headers_vector_encodes_byte_for_byte() {
        assert_eq!(
            hex(&encode_message(&[], b"{'foo':'bar'}")),
            "0000001d00000000fd528c5a7b27666f6f273a27626172277dc3653936"
        );
    }

    #[test]
    fn the_one_string_header_vector_encodes_byte_for_byte() {
        assert_eq!(
            hex(&encode_message(&[("content-type", "application/json")], b"{'foo':'bar'}")),
            "0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e\
             7b27666f6f273a27626172277d8d9c08b1"
        );
    }

    #[test]
    fn an_event_carries_the_three_headers_bedrock_sends() {
        let bytes = event("messageStart", &serde_json::json!({"role": "assistant"}));
        let decoded = decode_all(&bytes).unwrap();
        assert_eq!(
            decoded,
            [Decoded {
                headers: vec![
                    (":event-type".to_owned(), "messageStart".to_owned()),
                    (":content-type".to_owned(), "application/json".to_owned()),
                    (":message-type".to_owned(), "event".to_owned()),
                ],
                payload: br#"{"role":"assistant"}"#.to_vec(),
            }]
        );
    }

    #[test]
    fn a_corrupted_message_fails_its_crc() {
        let mut bytes = exception("throttlingException", "Too many requests, please wait before trying again.");
        assert_eq!(decode_all(&bytes).unwrap()[0].headers[0].1, "throttlingException");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        assert_eq!(decode_all(&bytes), Err("message CRC mismatch".to_owned()));
    }
}
