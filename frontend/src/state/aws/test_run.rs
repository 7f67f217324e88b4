//! A test invocation as its events stream in, and the facts of its outcome.

use bedrock_binder_shared::api::{TestResponse, TestStreamEvent};

/// A test invocation as the UI follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestRun {
    /// Sent; the reply so far.
    Streaming {
        /// The `modelId` sent and the region, once the server said so.
        sent: Option<(String, String)>,
        /// The text received so far.
        text: String,
    },
    /// Finished, well or not: the whole outcome.
    Done(Box<TestResponse>),
    /// The server refused the request, or the stream broke.
    Failed(String),
}

impl TestRun {
    /// A run that has just been sent.
    pub fn started() -> TestRun {
        TestRun::Streaming { sent: None, text: String::new() }
    }

    /// Takes the next event of the stream.
    pub fn apply(&mut self, event: TestStreamEvent) {
        match event {
            TestStreamEvent::Start { model_id_sent, region, .. } => {
                if let TestRun::Streaming { sent, .. } = self {
                    *sent = Some((model_id_sent, region));
                }
            }
            TestStreamEvent::Delta { text: more } => {
                if let TestRun::Streaming { text, .. } = self {
                    text.push_str(&more);
                }
            }
            TestStreamEvent::Done(response) => *self = TestRun::Done(response),
        }
    }

    /// Whether the outcome is still to come.
    pub fn is_running(&self) -> bool {
        matches!(self, TestRun::Streaming { .. })
    }

    /// The stream ended: without a `done` event, the run failed.
    pub fn finish(&mut self) {
        if self.is_running() {
            *self = TestRun::Failed("the stream ended before the outcome arrived".to_owned());
        }
    }
}

/// The facts of a finished test, as label and value.
pub fn outcome_facts(response: &TestResponse) -> Vec<(&'static str, String)> {
    let mut facts = vec![("Sent", format!("{} in {}", response.model_id_sent, response.region))];
    if let Some(reason) = &response.stop_reason {
        facts.push(("Stop reason", reason.clone()));
    }
    if response.input_tokens.is_some() || response.output_tokens.is_some() {
        let count = |n: Option<u32>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        facts.push(("Tokens", format!("{} in, {} out", count(response.input_tokens), count(response.output_tokens))));
    }
    let mut latency = format!("{} ms at the server", response.latency_ms);
    if let Some(service) = response.service_latency_ms {
        latency.push_str(&format!(", {service} ms at Bedrock"));
    }
    facts.push(("Latency", latency));
    facts.push(("Max tokens", response.max_tokens.to_string()));
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_run_collects_deltas_then_takes_the_outcome() {
        let mut run = TestRun::started();
        run.apply(TestStreamEvent::Start {
            model: "m".to_owned(),
            model_id_sent: "us.m".to_owned(),
            region: "us-east-1".to_owned(),
        });
        run.apply(TestStreamEvent::Delta { text: "Hel".to_owned() });
        run.apply(TestStreamEvent::Delta { text: "lo".to_owned() });
        assert_eq!(
            run,
            TestRun::Streaming { sent: Some(("us.m".to_owned(), "us-east-1".to_owned())), text: "Hello".to_owned() }
        );
        let response = TestResponse { ok: true, reply: "Hello".to_owned(), ..TestResponse::default() };
        run.apply(TestStreamEvent::Done(Box::new(response.clone())));
        run.finish();
        assert_eq!(run, TestRun::Done(Box::new(response)), "a finished run stays finished");

        let mut cut = TestRun::started();
        cut.finish();
        assert!(matches!(cut, TestRun::Failed(_)));
    }

    #[test]
    fn outcome_facts_show_what_was_sent_tokens_and_both_latencies() {
        let response = TestResponse {
            model_id_sent: "us.amazon.nova-pro-v1:0".to_owned(),
            region: "us-east-1".to_owned(),
            ok: true,
            stop_reason: Some("end_turn".to_owned()),
            input_tokens: Some(12),
            output_tokens: Some(5),
            latency_ms: 41,
            service_latency_ms: Some(30),
            max_tokens: 64,
            ..TestResponse::default()
        };
        let facts = outcome_facts(&response);
        let get = |label: &str| facts.iter().find(|(l, _)| *l == label).map(|(_, v)| v.as_str());
        assert_eq!(get("Sent"), Some("us.amazon.nova-pro-v1:0 in us-east-1"));
        assert_eq!(get("Tokens"), Some("12 in, 5 out"));
        assert_eq!(get("Latency"), Some("41 ms at the server, 30 ms at Bedrock"));
        assert_eq!(get("Stop reason"), Some("end_turn"));
    }
}
