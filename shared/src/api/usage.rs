//! Usage per binding (`/api/v1/envs/{env}/usage…`): how often each binding was called, with
//! its tokens, throttles and errors, from CloudWatch's `AWS/Bedrock` metrics, whose `ModelId`
//! dimension is the id or ARN an app called.
//!
//! [`UsageSpan`] is how far back a report looks (`24h`, `7d`): parsed once, here, so the CLI's
//! `--since` and the route's `?since=` refuse the same text with the same words.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How far back a usage report looks: whole hours (`36h`) or days (`7d`), from one hour to
/// [`UsageSpan::MAX_DAYS`] days. Written back in days when it is whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UsageSpan {
    hours: u32,
}

impl UsageSpan {
    /// The longest span: CloudWatch keeps hourly datapoints for 455 days, but a report
    /// reads every hour of its span, and three months is as far as a team looks back here.
    pub const MAX_DAYS: u32 = 90;
    /// The last 24 hours.
    pub const DAY: UsageSpan = UsageSpan { hours: 24 };
    /// The last 7 days: the default.
    pub const WEEK: UsageSpan = UsageSpan { hours: 7 * 24 };
    /// The last 30 days: a binding without a call in them is unused.
    pub const UNUSED_AFTER: UsageSpan = UsageSpan { hours: 30 * 24 };

    /// The span in hours.
    pub fn hours(self) -> u32 {
        self.hours
    }

    /// The span in seconds.
    pub fn seconds(self) -> u64 {
        u64::from(self.hours) * 3600
    }
}

impl Default for UsageSpan {
    fn default() -> Self {
        UsageSpan::WEEK
    }
}

/// Why a span was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageSpanError {
    /// The text, trimmed.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for UsageSpanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a span: {}", self.text, self.reason)
    }
}

impl std::error::Error for UsageSpanError {}

impl FromStr for UsageSpan {
    type Err = UsageSpanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let error = |reason| UsageSpanError { text: text.to_owned(), reason };
        let (number, per_unit) = match text.as_bytes().last() {
            Some(b'h') => (&text[..text.len() - 1], 1),
            Some(b'd') => (&text[..text.len() - 1], 24),
            _ => return Err(error("write whole hours or days, such as `24h` or `7d`")),
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error("write whole hours or days, such as `24h` or `7d`"));
        }
        let hours = number.parse::<u32>().ok().and_then(|n| n.checked_mul(per_unit));
        match hours {
            Some(hours) if (1..=UsageSpan::MAX_DAYS * 24).contains(&hours) => Ok(UsageSpan { hours }),
            _ => Err(error("it must be from 1h to 90d")),
        }
    }
}

impl TryFrom<String> for UsageSpan {
    type Error = UsageSpanError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<UsageSpan> for String {
    fn from(span: UsageSpan) -> String {
        span.to_string()
    }
}

impl fmt::Display for UsageSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hours.is_multiple_of(24) { write!(f, "{}d", self.hours / 24) } else { write!(f, "{}h", self.hours) }
    }
}

/// Sums of the Bedrock metrics of one model over a span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct UsageTotals {
    /// `Invocations`: calls, successful or not.
    pub invocations: u64,
    /// `InputTokenCount`.
    pub input_tokens: u64,
    /// `OutputTokenCount`.
    pub output_tokens: u64,
    /// `InvocationThrottles`: calls refused for too many requests or tokens.
    pub throttles: u64,
    /// `InvocationClientErrors`: calls refused as the caller's fault (4xx).
    pub client_errors: u64,
    /// `InvocationServerErrors`: calls that failed on AWS's side (5xx).
    pub server_errors: u64,
}

impl UsageTotals {
    /// Client and server errors together.
    pub fn errors(&self) -> u64 {
        self.client_errors + self.server_errors
    }

    /// Adds `other` to these totals.
    pub fn add(&mut self, other: &UsageTotals) {
        self.invocations += other.invocations;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.throttles += other.throttles;
        self.client_errors += other.client_errors;
        self.server_errors += other.server_errors;
    }
}

/// What was called through one identifier (or several, for one binding): totals over the
/// last day, week and the report's span, and the calls per bucket of the span.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Usage {
    /// The last 24 hours.
    pub last_24h: UsageTotals,
    /// The last 7 days.
    pub last_7d: UsageTotals,
    /// The report's span (`since`).
    pub span: UsageTotals,
    /// Invocations per bucket of the span, oldest first ([`UsageResponse::bucket_seconds`]
    /// each): what a sparkline draws.
    pub series: Vec<u64>,
    /// The start of the latest hour with a call, in seconds since the epoch; `None` when there
    /// was none in the hours the report read (the span, or 30 days if longer).
    pub last_call: Option<u64>,
}

/// One binding's usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingUsage {
    /// The model id: the binding's key.
    pub model: String,
    /// What the binding calls: its value, or the model itself when direct.
    pub target: String,
    /// The `ModelId` values counted for it: the target, and the same profile or model
    /// named the other way (by ARN for an id, by id for an ARN), when CloudWatch has those.
    #[serde(default)]
    pub called_as: Vec<String>,
    /// No call in the last 30 days ([`UsageResponse::unused_after_days`]).
    pub unused: bool,
    /// The numbers.
    pub usage: Usage,
}

/// Calls to a `ModelId` that no binding calls: they went around the team's bindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnboundUsage {
    /// The `ModelId` dimension: the id or ARN the app called.
    pub model_id: String,
    /// The binding whose key this is, when the app called a bound model by its own id instead
    /// of through its binding.
    #[serde(default)]
    pub bound_model: Option<String>,
    /// The numbers.
    pub usage: Usage,
}

/// `GET /api/v1/envs/{env}/usage?since=7d`: every binding's usage, and the calls that went
/// around the bindings, in the environment's AWS account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageResponse {
    /// The environment.
    pub env: String,
    /// The region whose CloudWatch was read (metrics are regional: calls made from another
    /// region are not in them).
    pub region: String,
    /// The span of `usage.span` and `usage.series`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "7d"))]
    pub since: UsageSpan,
    /// The length of one bucket of `usage.series`, in seconds.
    pub bucket_seconds: u64,
    /// Where the span starts and ends (exclusive), in seconds since the epoch, on whole hours.
    pub start: u64,
    /// See `start`.
    pub end: u64,
    /// A binding without a call in this many days is `unused`.
    pub unused_after_days: u32,
    /// When CloudWatch was read (answers are reused for a few minutes).
    pub fetched_at: u64,
    /// One entry per binding in force, by model id.
    pub bindings: Vec<BindingUsage>,
    /// Identifiers called in the account that no binding calls, most called first. CloudWatch
    /// lists only metrics with data in the last two weeks, so older ones are not found.
    pub unbound: Vec<UnboundUsage>,
}

/// The query of `GET /api/v1/envs/{env}/usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UsageQuery {
    /// How far back: whole hours or days, `1h` to `90d` [default: `7d`].
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, example = "7d"),
        param(value_type = Option<String>, example = "7d")
    )]
    pub since: Option<UsageSpan>,
}

/// The query of `GET /api/v1/envs/{env}/usage/sparkline.svg`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct SparklineQuery {
    /// The binding's model id.
    pub model: String,
    /// How far back: whole hours or days, `1h` to `90d` [default: `7d`].
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, example = "7d"),
        param(value_type = Option<String>, example = "7d")
    )]
    pub since: Option<UsageSpan>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_whole_hours_or_days_and_print_as_days_when_they_can() {
        assert_eq!("24h".parse::<UsageSpan>().map(UsageSpan::hours), Ok(24));
        assert_eq!(" 7d ".parse::<UsageSpan>().map(UsageSpan::hours), Ok(168));
        assert_eq!("90d".parse::<UsageSpan>().map(UsageSpan::hours), Ok(2160));
        assert_eq!("24h".parse::<UsageSpan>().map(|s| s.to_string()), Ok("1d".to_owned()));
        assert_eq!("36h".parse::<UsageSpan>().map(|s| s.to_string()), Ok("36h".to_owned()));
        assert_eq!(UsageSpan::default().to_string(), "7d");
    }

    #[test]
    fn a_span_without_a_unit_or_out_of_range_is_refused_with_the_rule() {
        for text in ["7", "d", "7w", "-1d", "1.5d", "", "7 d"] {
            let error = text.parse::<UsageSpan>().unwrap_err();
            assert!(error.to_string().contains("such as `24h` or `7d`"), "{text}: {error}");
        }
        for text in ["0h", "91d", "2161h", "99999999999d"] {
            let error = text.parse::<UsageSpan>().unwrap_err();
            assert!(error.to_string().contains("from 1h to 90d"), "{text}: {error}");
        }
    }

    #[test]
    fn a_span_travels_as_its_text() {
        let query: UsageQuery = serde_json::from_str(r#"{"since": "30d"}"#).unwrap();
        assert_eq!(query.since, Some(UsageSpan::UNUSED_AFTER));
        assert_eq!(serde_json::to_string(&UsageSpan::DAY).unwrap(), r#""1d""#);
        let error = serde_json::from_str::<UsageQuery>(r#"{"since": "1y"}"#).unwrap_err();
        assert!(error.to_string().contains("`1y` is not a span"), "{error}");
    }

    #[test]
    fn errors_are_client_and_server_errors_together() {
        let mut totals = UsageTotals { client_errors: 2, server_errors: 1, ..UsageTotals::default() };
        totals.add(&UsageTotals { invocations: 5, server_errors: 1, ..UsageTotals::default() });
        assert_eq!((totals.invocations, totals.errors()), (5, 4));
    }
}
