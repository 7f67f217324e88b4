//! A small CBOR (RFC 8949) codec for CloudWatch's Smithy RPC v2 CBOR protocol: whatever a
//! client sends decodes into a [`Value`] tree, and answers are encoded from one.
//!
//! Hand-written, like the rest of the fake's wire code, so the fake checks the SDKs with its
//! own reading of the format rather than with the codec the Rust SDK itself uses. The same
//! tree carries the awsJson 1.0 form of a request or answer ([`from_json`], [`to_json`]), so
//! each operation is written once for both protocols.

use serde_json::Number;

/// The CBOR tag of an epoch-based date/time (RFC 8949 §3.4.2): Smithy's timestamps.
pub(crate) const TAG_EPOCH: u64 = 1;

/// How deeply items may nest before a request is refused (no request of the fake's
/// operations comes near it; a hostile one must not exhaust the stack).
const MAX_DEPTH: usize = 64;

/// One CBOR data item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Major types 0 and 1: an integer (`-2^64..2^64`).
    Int(i128),
    /// Major type 2.
    Bytes(Vec<u8>),
    /// Major type 3.
    Text(String),
    /// Major type 4.
    Array(Vec<Value>),
    /// Major type 5, in the order received.
    Map(Vec<(Value, Value)>),
    /// Major type 6: a tag and its item.
    Tag(u64, Box<Value>),
    /// Simple values 20 and 21.
    Bool(bool),
    /// Simple values 22 (null) and 23 (undefined), which Smithy reads alike.
    Null,
    /// Half, single and double precision floats, widened.
    Float(f64),
}

impl Value {
    /// A text-keyed map from pairs.
    pub(crate) fn map<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(key, value)| (Value::Text(key.to_owned()), value)).collect())
    }

    /// Text.
    pub(crate) fn text(text: impl Into<String>) -> Value {
        Value::Text(text.into())
    }

    /// A timestamp: tag 1 over whole seconds since the Unix epoch.
    pub(crate) fn timestamp(epoch_seconds: u64) -> Value {
        Value::Tag(TAG_EPOCH, Box::new(Value::Int(i128::from(epoch_seconds))))
    }

    /// The member `key` of a text-keyed map; `None` for a missing member, a null one (Smithy
    /// reads both as absent) or a value that is not a map.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| matches!(k, Value::Text(text) if text == key))
                .map(|(_, value)| value)
                .filter(|value| **value != Value::Null),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A number, integer or float.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            // Exact for every value a request carries (periods, counts, seconds).
            Value::Int(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// A non-negative integer that fits `u64`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// A timestamp in seconds since the epoch: tag 1 over a number (CBOR), or the bare number
    /// (awsJson's `unixTimestamp` format).
    pub(crate) fn as_timestamp(&self) -> Option<f64> {
        match self {
            Value::Tag(TAG_EPOCH, inner) => inner.as_f64(),
            Value::Int(_) | Value::Float(_) => self.as_f64(),
            _ => None,
        }
    }
}

/// Why a body is not CBOR the fake can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub(crate) String);

/// Decodes one data item that fills `bytes` exactly.
pub(crate) fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.item(0)?;
    if reader.at != bytes.len() {
        return Err(DecodeError(format!("{} bytes after the data item", bytes.len() - reader.at)));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// The "break" stop code that ends an indefinite-length item.
const BREAK: u8 = 0xff;

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| DecodeError(format!("the body ends inside an item at byte {}", self.at)))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// The argument of a head whose additional information is `info` (`None`: indefinite).
    fn argument(&mut self, info: u8) -> Result<Option<u64>, DecodeError> {
        let mut be = |n: usize| -> Result<u64, DecodeError> {
            Ok(self.take(n)?.iter().fold(0u64, |acc, byte| acc << 8 | u64::from(*byte)))
        };
        match info {
            0..=23 => Ok(Some(u64::from(info))),
            24 => be(1).map(Some),
            25 => be(2).map(Some),
            26 => be(4).map(Some),
            27 => be(8).map(Some),
            31 => Ok(None),
            _ => Err(DecodeError(format!("reserved additional information {info} at byte {}", self.at - 1))),
        }
    }

    /// A length that fits what is left of the body (each element takes at least one byte).
    fn length(&self, length: u64) -> Result<usize, DecodeError> {
        usize::try_from(length)
            .ok()
            .filter(|n| *n <= self.bytes.len() - self.at)
            .ok_or_else(|| DecodeError(format!("a length of {length} runs past the body at byte {}", self.at)))
    }

    fn item(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError(format!("items nest deeper than {MAX_DEPTH}")));
        }
        let head = self.byte()?;
        let (major, info) = (head >> 5, head & 0x1f);
        if major == 7 {
            return self.simple_or_float(info);
        }
        let argument = self.argument(info)?;
        match (major, argument) {
            (0, Some(n)) => Ok(Value::Int(i128::from(n))),
            (1, Some(n)) => Ok(Value::Int(-1 - i128::from(n))),
            (2, _) => Ok(Value::Bytes(self.string(major, argument)?)),
            (3, _) => {
                let bytes = self.string(major, argument)?;
                String::from_utf8(bytes).map(Value::Text).map_err(|_| DecodeError("text that is not UTF-8".into()))
            }
            (4, Some(n)) => {
                let n = self.length(n)?;
                (0..n).map(|_| self.item(depth + 1)).collect::<Result<_, _>>().map(Value::Array)
            }
            (4, None) => {
                let mut items = Vec::new();
                while !self.at_break()? {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            (5, Some(n)) => {
                let n = self.length(n)?;
                let mut pairs = Vec::with_capacity(n);
                for _ in 0..n {
                    pairs.push((self.item(depth + 1)?, self.item(depth + 1)?));
                }
                Ok(Value::Map(pairs))
            }
            (5, None) => {
                let mut pairs = Vec::new();
                while !self.at_break()? {
                    pairs.push((self.item(depth + 1)?, self.item(depth + 1)?));
                }
                Ok(Value::Map(pairs))
            }
            (6, Some(tag)) => Ok(Value::Tag(tag, Box::new(self.item(depth + 1)?))),
            _ => Err(DecodeError(format!("an indefinite length on major type {major}"))),
        }
    }

    /// Consumes the break code if it is next.
    fn at_break(&mut self) -> Result<bool, DecodeError> {
        match self.peek() {
            Some(BREAK) => {
                self.at += 1;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(DecodeError("the body ends inside an indefinite-length item".into())),
        }
    }

    /// A byte or text string's bytes; an indefinite one is the concatenation of its definite
    /// chunks of the same major type.
    fn string(&mut self, major: u8, argument: Option<u64>) -> Result<Vec<u8>, DecodeError> {
        if let Some(n) = argument {
            let n = self.length(n)?;
            return Ok(self.take(n)?.to_vec());
        }
        let mut out = Vec::new();
        while !self.at_break()? {
            let head = self.byte()?;
            if head >> 5 != major || head & 0x1f == 31 {
                return Err(DecodeError(format!("a chunk of another type inside a string at byte {}", self.at - 1)));
            }
            let n = self.argument(head & 0x1f)?.unwrap_or_default();
            let n = self.length(n)?;
            out.extend_from_slice(self.take(n)?);
        }
        Ok(out)
    }

    fn simple_or_float(&mut self, info: u8) -> Result<Value, DecodeError> {
        match info {
            20 => Ok(Value::Bool(false)),
            21 => Ok(Value::Bool(true)),
            22 | 23 => Ok(Value::Null),
            25 => {
                let bits = self.take(2)?;
                Ok(Value::Float(half_to_f64(u16::from_be_bytes([bits[0], bits[1]]))))
            }
            26 => {
                let bits = self.take(4)?;
                Ok(Value::Float(f64::from(f32::from_be_bytes([bits[0], bits[1], bits[2], bits[3]]))))
            }
            27 => {
                let bits = self.take(8)?;
                let mut array = [0u8; 8];
                array.copy_from_slice(bits);
                Ok(Value::Float(f64::from_be_bytes(array)))
            }
            _ => Err(DecodeError(format!("simple value {info} is not one Smithy uses"))),
        }
    }
}

/// An IEEE 754 half-precision float, widened (RFC 8949 Appendix D).
fn half_to_f64(half: u16) -> f64 {
    let exponent = i32::from((half >> 10) & 0x1f);
    let mantissa = f64::from(half & 0x3ff);
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mantissa + 1024.0) * 2f64.powi(exponent - 25),
    };
    if half & 0x8000 == 0 { magnitude } else { -magnitude }
}

/// Encodes `value` with definite lengths, the shortest integer heads and every float as a
/// double.
pub(crate) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, value);
    out
}

fn head(out: &mut Vec<u8>, major: u8, argument: u64) {
    let major = major << 5;
    match argument {
        // Each arm's range makes its narrowing exact.
        0..=23 => out.push(major | argument as u8),
        24..=0xff => out.extend_from_slice(&[major | 24, argument as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(argument as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(argument as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&argument.to_be_bytes());
        }
    }
}

fn write(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Int(n) if *n >= 0 => head(out, 0, u64::try_from(*n).unwrap_or(u64::MAX)),
        Value::Int(n) => head(out, 1, u64::try_from(-1 - *n).unwrap_or(u64::MAX)),
        Value::Bytes(bytes) => {
            head(out, 2, bytes.len() as u64);
            out.extend_from_slice(bytes);
        }
        Value::Text(text) => {
            head(out, 3, text.len() as u64);
            out.extend_from_slice(text.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            items.iter().for_each(|item| write(out, item));
        }
        Value::Map(pairs) => {
            head(out, 5, pairs.len() as u64);
            for (key, item) in pairs {
                write(out, key);
                write(out, item);
            }
        }
        Value::Tag(tag, item) => {
            head(out, 6, *tag);
            write(out, item);
        }
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Null => out.push(0xf6),
        Value::Float(x) => {
            out.push(0xfb);
            out.extend_from_slice(&x.to_be_bytes());
        }
    }
}

/// An awsJson 1.0 body as a tree: whole numbers become integers, timestamps stay the bare
/// numbers awsJson sends (read with [`Value::as_timestamp`]).
pub(crate) fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i128::from(i)),
            (None, Some(u)) => Value::Int(i128::from(u)),
            (None, None) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(text) => Value::Text(text.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(members) => {
            Value::Map(members.iter().map(|(key, value)| (Value::Text(key.clone()), from_json(value))).collect())
        }
    }
}

/// A tree as awsJson 1.0: a timestamp (tag 1) is its number of seconds. Byte strings (none of
/// the fake's answers carries one) become arrays of numbers, and map keys that are not text are
/// dropped: JSON has neither.
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Int(n) => i64::try_from(*n)
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| Number::from_f64(*n as f64).map_or(serde_json::Value::Null, serde_json::Value::Number)),
        Value::Bytes(bytes) => bytes.iter().map(|b| serde_json::Value::from(*b)).collect(),
        Value::Text(text) => serde_json::Value::String(text.clone()),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Map(pairs) => serde_json::Value::Object(
            pairs.iter().filter_map(|(key, item)| Some((key.as_str()?.to_owned(), to_json(item)))).collect(),
        ),
        Value::Tag(_, item) => to_json(item),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Null => serde_json::Value::Null,
        Value::Float(x) => Number::from_f64(*x).map_or(serde_json::Value::Null, serde_json::Value::Number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn round_trip(value: Value) {
        assert_eq!(decode(&encode(&value)), Ok(value));
    }

    #[test]
    fn items_survive_an_encode_and_a_decode() {
        round_trip(Value::Int(0));
        round_trip(Value::Int(23));
        round_trip(Value::Int(24));
        round_trip(Value::Int(65_536));
        round_trip(Value::Int(i128::from(u64::MAX)));
        round_trip(Value::Int(-1));
        round_trip(Value::Int(-1 - i128::from(u64::MAX)));
        round_trip(Value::Float(1.5));
        round_trip(Value::text("Invocations"));
        round_trip(Value::Bytes(vec![0, 1, 2]));
        round_trip(Value::timestamp(1_700_000_000));
        round_trip(Value::map([
            ("Ids", Value::Array(vec![Value::text("a"), Value::Null, Value::Bool(true)])),
            ("Nested", Value::map([("x", Value::Float(-0.25))])),
        ]));
    }

    #[test]
    fn the_rfc_examples_decode() {
        // RFC 8949 Appendix A.
        assert_eq!(decode(&[0x19, 0x03, 0xe8]), Ok(Value::Int(1000)));
        assert_eq!(decode(&[0x38, 0x63]), Ok(Value::Int(-100)));
        assert_eq!(decode(&[0xf9, 0x3c, 0x00]), Ok(Value::Float(1.0)));
        assert_eq!(decode(&[0xf9, 0x7b, 0xff]), Ok(Value::Float(65504.0)));
        assert_eq!(decode(&[0xf9, 0x00, 0x01]), Ok(Value::Float(5.960_464_477_539_063e-8)));
        assert_eq!(decode(&[0xfa, 0x47, 0xc3, 0x50, 0x00]), Ok(Value::Float(100_000.0)));
        assert_eq!(
            decode(&[0xc1, 0xfb, 0x41, 0xd4, 0x52, 0xd9, 0xec, 0x20, 0x00, 0x00]),
            Ok(Value::Tag(1, Box::new(Value::Float(1_363_896_240.5))))
        );
        // Indefinite lengths: a chunked text, an array and a map.
        assert_eq!(
            decode(&[0x7f, 0x65, b's', b't', b'r', b'e', b'a', 0x64, b'm', b'i', b'n', b'g', 0xff]),
            Ok(Value::text("streaming"))
        );
        assert_eq!(decode(&[0x9f, 0x01, 0x02, 0xff]), Ok(Value::Array(vec![Value::Int(1), Value::Int(2)])));
        assert_eq!(decode(&[0xbf, 0x61, b'a', 0x01, 0xff]), Ok(Value::Map(vec![(Value::text("a"), Value::Int(1))])));
    }

    #[test]
    fn a_truncated_or_padded_body_is_refused_with_where() {
        assert!(decode(&[0x65, b'a']).is_err_and(|e| e.0.contains("runs past")));
        assert!(decode(&[0x01, 0x02]).is_err_and(|e| e.0.contains("after the data item")));
        assert!(decode(&[0x9f, 0x01]).is_err_and(|e| e.0.contains("indefinite")));
        assert!(decode(&[0x1c]).is_err_and(|e| e.0.contains("reserved")));
        // A claimed length beyond the body is refused before anything is allocated for it.
        assert!(decode(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode(&[0x81; 100]).is_err_and(|e| e.0.contains("nest")));
    }

    #[test]
    fn members_are_read_by_name_and_a_null_one_is_absent() {
        let value = Value::map([("A", Value::Int(1)), ("B", Value::Null)]);
        assert_eq!(value.get("A").and_then(Value::as_u64), Some(1));
        assert_eq!(value.get("B"), None);
        assert_eq!(value.get("C"), None);
        assert_eq!(Value::timestamp(60).as_timestamp(), Some(60.0));
        assert_eq!(Value::Float(60.5).as_timestamp(), Some(60.5));
    }

    #[test]
    fn json_and_the_tree_agree_and_timestamps_become_numbers() {
        let json = serde_json::json!({"Id": "a", "Period": 3600, "Value": 2.5, "Flags": [true, null]});
        assert_eq!(to_json(&from_json(&json)), json);
        assert_eq!(to_json(&Value::timestamp(1_700_000_000)), serde_json::json!(1_700_000_000));
    }
}
