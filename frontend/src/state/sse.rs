//! [`SseParser`]: server-sent events read from a streamed response body, chunk by chunk.
//!
//! The browser's `EventSource` only sends GET, and a test invocation is a POST, so the app
//! reads the `text/event-stream` body itself. Chunks split anywhere (inside an event, inside a
//! UTF-8 character), so bytes are kept until a blank line ends an event; an event is only
//! decoded once it is whole.
//!
//! [`test_event`] reads one event of `POST /api/v1/aws/test/stream` by its name.

use bedrock_binder_shared::api::{TestResponse, TestStreamEvent};
use serde::Deserialize;

/// One event: its `event:` name (empty when the event has none) and its `data:` lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field.
    pub name: String,
    /// The `data:` fields, joined by `\n`.
    pub data: String,
}

/// Turns the chunks of an event stream into whole events.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Takes the next chunk and returns the events it completes, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some((end, separator)) = event_end(&self.pending) {
            let block: Vec<u8> = self.pending.drain(..end + separator).take(end).collect();
            if let Some(event) = parse_block(&String::from_utf8_lossy(&block)) {
                events.push(event);
            }
        }
        events
    }
}

/// A test stream's event, read by its SSE name rather than by the `type` tag inside its data:
/// the same result, without the serde code for an internally tagged enum (about 13 KB of wasm).
pub fn test_event(event: &SseEvent) -> Result<TestStreamEvent, String> {
    #[derive(Deserialize)]
    struct Start {
        model: String,
        model_id_sent: String,
        region: String,
    }
    #[derive(Deserialize)]
    struct Delta {
        text: String,
    }
    let parsed = match event.name.as_str() {
        "start" => serde_json::from_str::<Start>(&event.data).map(|s| TestStreamEvent::Start {
            model: s.model,
            model_id_sent: s.model_id_sent,
            region: s.region,
        }),
        "delta" => serde_json::from_str::<Delta>(&event.data).map(|d| TestStreamEvent::Delta { text: d.text }),
        "done" => serde_json::from_str::<TestResponse>(&event.data).map(|r| TestStreamEvent::Done(Box::new(r))),
        other => return Err(format!("an unknown event `{other}`")),
    };
    parsed.map_err(|error| format!("the `{}` event could not be read: {error}", event.name))
}

/// Where the first complete event ends, and the length of the blank line that ends it. The
/// spec allows `\n`, `\r\n` and `\r` line endings.
fn event_end(bytes: &[u8]) -> Option<(usize, usize)> {
    const SEPARATORS: [&[u8]; 3] = [b"\r\n\r\n", b"\n\n", b"\r\r"];
    SEPARATORS
        .iter()
        .filter_map(|separator| {
            bytes.windows(separator.len()).position(|window| window == *separator).map(|at| (at, separator.len()))
        })
        .min_by_key(|(at, _)| *at)
}

/// One event block; `None` for a block of comments only (a keep-alive).
fn parse_block(block: &str) -> Option<SseEvent> {
    let mut name = String::new();
    let mut data: Vec<&str> = Vec::new();
    for line in block.split(['\n', '\r']) {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => value.clone_into(&mut name),
            "data" => data.push(value),
            _ => {}
        }
    }
    (!name.is_empty() || !data.is_empty()).then(|| SseEvent { name, data: data.join("\n") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, data: &str) -> SseEvent {
        SseEvent { name: name.to_owned(), data: data.to_owned() }
    }

    #[test]
    fn whole_events_in_one_chunk_come_out_in_order() {
        let mut parser = SseParser::new();
        let events = parser.push(b"event: start\ndata: {\"a\":1}\n\nevent: delta\ndata: {\"b\":2}\n\n");
        assert_eq!(events, [event("start", "{\"a\":1}"), event("delta", "{\"b\":2}")]);
    }

    #[test]
    fn an_event_split_across_chunks_waits_for_its_blank_line() {
        let mut parser = SseParser::new();
        assert!(parser.push(b"event: del").is_empty());
        assert!(parser.push(b"ta\ndata: hi\n").is_empty());
        assert_eq!(parser.push(b"\nevent: done"), [event("delta", "hi")]);
        assert_eq!(parser.push(b"\ndata: x\n\n"), [event("done", "x")]);
    }

    #[test]
    fn a_character_split_between_chunks_is_decoded_whole() {
        let text = "data: caf\u{e9} \u{2019}\n\n".as_bytes();
        let mut parser = SseParser::new();
        let split = text.iter().position(|&b| b == 0xc3).expect("the é") + 1;
        assert!(parser.push(&text[..split]).is_empty());
        assert_eq!(parser.push(&text[split..]), [event("", "caf\u{e9} \u{2019}")]);
    }

    #[test]
    fn test_events_read_by_name_equal_the_tagged_enum() {
        let events = [
            TestStreamEvent::Start { model: "m".to_owned(), model_id_sent: "us.m".to_owned(), region: "r".to_owned() },
            TestStreamEvent::Delta { text: "caf\u{e9}".to_owned() },
            TestStreamEvent::Done(Box::new(TestResponse {
                ok: true,
                reply: "hi".to_owned(),
                ..TestResponse::default()
            })),
        ];
        for (name, expected) in ["start", "delta", "done"].into_iter().zip(events) {
            let data = serde_json::to_string(&expected).expect("serialize");
            assert_eq!(test_event(&event(name, &data)), Ok(expected));
        }
        assert!(test_event(&event("ping", "{}")).is_err());
        assert!(test_event(&event("delta", "{}")).expect_err("no text").contains("`delta`"));
    }

    #[test]
    fn crlf_endings_multi_line_data_and_comments_are_understood() {
        let mut parser = SseParser::new();
        let events = parser.push(b": keep-alive\r\n\r\nevent:delta\r\ndata: one\r\ndata:two\r\n\r\n");
        assert_eq!(events, [event("delta", "one\ntwo")]);
    }
}
