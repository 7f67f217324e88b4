//! CloudWatch GetMetricData and ListMetrics over the scripted [`MetricSeries`], in both wire
//! protocols clients use today:
//!
//! - Smithy RPC v2 CBOR, which the Rust SDK (`aws-sdk-cloudwatch` 1.140) sends:
//!   `POST /service/GraniteServiceVersion20100801/operation/{Operation}`, CBOR in and out,
//!   `smithy-protocol: rpc-v2-cbor` both ways;
//! - awsJson 1.0, which boto3 picks (botocore ranks `json` above `smithy-rpc-v2-cbor`):
//!   `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.{Operation}` and
//!   `application/x-amz-json-1.0` bodies, timestamps as epoch seconds.
//!
//! Both carry the same members (botocore's `cloudwatch` 2010-08-01 model), so each operation
//! is written once over a [`Value`] tree. CloudWatch is "awsQuery compatible": an error names
//! its awsQuery code in `x-amzn-query-error: CODE;Sender`, which both SDKs prefer to `__type`.
//!
//! What the fake does as CloudWatch does: a MetricStat query sums (or averages, …) the raw
//! points of the metric whose dimensions are exactly those asked for, in periods counted from
//! the start time (rounded down to the minute, or 5 minutes or the hour for older starts),
//! returning only periods that have data, newest first unless `ScanBy` says otherwise;
//! answers page by `MaxDatapoints`; ListMetrics lists the metrics with a point in the last two
//! weeks (three hours with `RecentlyActive: PT3H`), 500 a page. A scripted page size makes
//! both page sooner. Metric math and Metrics Insights expressions are refused.

use std::collections::HashSet;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::cbor::{self, Value};
use crate::error::FakeError;
use crate::metrics::MetricSeries;
use crate::script::Operation;
use crate::wire::Auth;

/// The service's Smithy name, in both protocols' operation names.
pub(crate) const SERVICE: &str = "GraniteServiceVersion20100801";

/// The most datapoints one GetMetricData answer holds when the request names no
/// `MaxDatapoints` (CloudWatch's default).
const DEFAULT_MAX_DATAPOINTS: usize = 100_800;

/// The most metrics one ListMetrics answer holds.
const LIST_PAGE: usize = 500;

/// The most queries one GetMetricData request may hold.
const MAX_QUERIES: usize = 500;

/// How far back ListMetrics looks: metrics without a point in two weeks are not listed.
const LIST_HORIZON_SECONDS: u64 = 14 * 86_400;

/// How a CloudWatch request came, and so how it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// Smithy RPC v2 CBOR.
    Cbor,
    /// awsJson 1.0.
    Json,
}

/// The operation an awsJson request names in `X-Amz-Target`, if it is a CloudWatch request.
pub(crate) fn json_target(headers: &HeaderMap) -> Option<String> {
    let target = headers.get("x-amz-target")?.to_str().ok()?;
    target.strip_prefix(SERVICE)?.strip_prefix('.').map(str::to_owned)
}

/// The operation a name stands for, if the fake serves it.
pub(crate) fn operation(name: &str) -> Option<Operation> {
    match name {
        "GetMetricData" => Some(Operation::GetMetricData),
        "ListMetrics" => Some(Operation::ListMetrics),
        _ => None,
    }
}

/// A CloudWatch error: its status, awsQuery code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CloudWatchError {
    status: StatusCode,
    code: String,
    message: String,
}

impl CloudWatchError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> CloudWatchError {
        CloudWatchError { status, code: code.to_owned(), message: message.into() }
    }

    fn invalid(message: impl Into<String>) -> CloudWatchError {
        CloudWatchError::new(StatusCode::BAD_REQUEST, "InvalidParameterValue", message)
    }

    fn missing(parameter: &str) -> CloudWatchError {
        CloudWatchError::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!("The parameter {parameter} is required."),
        )
    }

    /// A scripted [`FakeError`] as CloudWatch words it: the awsQuery codes STS also uses;
    /// throttling is a 400 there, and access is denied for a CloudWatch action.
    pub(crate) fn scripted(error: &FakeError, operation: Operation, account: &str) -> CloudWatchError {
        let (code, message) = error.sts_code_and_message();
        let status = match error {
            FakeError::Throttling | FakeError::TooManyTokens => StatusCode::BAD_REQUEST,
            other => StatusCode::from_u16(other.status()).unwrap_or(StatusCode::BAD_REQUEST),
        };
        let message = match error {
            FakeError::AccessDenied | FakeError::MarketplaceAccessDenied => format!(
                "User: arn:aws:iam::{account}:user/fake-bedrock is not authorized to perform: cloudwatch:{operation} \
                 because no identity-based policy allows the cloudwatch:{operation} action"
            ),
            _ => message,
        };
        CloudWatchError::new(status, &code, message)
    }

    /// The 403 (no credentials) or 400 (no usable credential scope) of an unsigned request.
    pub(crate) fn unauthenticated(auth: &Auth) -> CloudWatchError {
        match auth {
            Auth::Missing => CloudWatchError::new(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            _ => CloudWatchError::new(
                StatusCode::BAD_REQUEST,
                "IncompleteSignature",
                "Authorization header requires 'Credential' parameter.",
            ),
        }
    }

    /// An operation the fake does not serve.
    pub(crate) fn unknown_operation(name: &str) -> CloudWatchError {
        CloudWatchError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("the fake CloudWatch serves GetMetricData and ListMetrics, not `{name}`"),
        )
    }

    /// The awsQuery code, for the request log.
    pub(crate) fn code(&self) -> &str {
        &self.code
    }

    /// The error in `protocol`: `{"__type", "message"}` and `x-amzn-query-error`.
    pub(crate) fn into_response(self, protocol: Protocol) -> Response {
        let fault = if self.status.is_server_error() { "Receiver" } else { "Sender" };
        let shape = match self.code.as_str() {
            "InvalidParameterValue" => "InvalidParameterValueException",
            "MissingParameter" => "MissingRequiredParameterException",
            code => code,
        };
        let body = Value::map([
            ("__type", Value::text(format!("com.amazonaws.cloudwatch#{shape}"))),
            ("message", Value::text(self.message)),
        ]);
        let mut response = answer(protocol, self.status, &body);
        if let Ok(value) = HeaderValue::from_str(&format!("{};{fault}", self.code)) {
            response.headers_mut().insert("x-amzn-query-error", value);
        }
        response
    }
}

/// A body in `protocol`, with its content type (and `smithy-protocol` for CBOR).
fn answer(protocol: Protocol, status: StatusCode, body: &Value) -> Response {
    match protocol {
        Protocol::Cbor => (
            status,
            [
                (header::CONTENT_TYPE, "application/cbor"),
                (header::HeaderName::from_static("smithy-protocol"), "rpc-v2-cbor"),
            ],
            cbor::encode(body),
        )
            .into_response(),
        Protocol::Json => {
            (status, [(header::CONTENT_TYPE, "application/x-amz-json-1.0")], cbor::to_json(body).to_string())
                .into_response()
        }
    }
}

/// What an operation reads: the region's series, the clock, and the scripted page size.
pub(crate) struct Metrics<'a> {
    /// Every scripted series (of every region).
    pub(crate) series: &'a [MetricSeries],
    /// The region of the request.
    pub(crate) region: &'a str,
    /// Seconds since the epoch.
    pub(crate) now: u64,
    /// Fewer items per page than CloudWatch's own limits, to make paging testable.
    pub(crate) page_limit: Option<usize>,
}

/// Serves one CloudWatch operation: its answer, or the error to answer with.
pub(crate) fn serve(
    protocol: Protocol,
    operation: Operation,
    metrics: &Metrics<'_>,
    body: &[u8],
) -> Result<Response, CloudWatchError> {
    let input = decode(protocol, body)?;
    let output = match operation {
        Operation::GetMetricData => get_metric_data(metrics, &input)?,
        Operation::ListMetrics => list_metrics(metrics, &input)?,
        other => return Err(CloudWatchError::unknown_operation(other.name())),
    };
    Ok(answer(protocol, StatusCode::OK, &output))
}

/// The request body as a tree; an empty body is an empty input.
fn decode(protocol: Protocol, body: &[u8]) -> Result<Value, CloudWatchError> {
    if body.is_empty() {
        return Ok(Value::Map(Vec::new()));
    }
    let malformed = |why: String| {
        CloudWatchError::new(StatusCode::BAD_REQUEST, "SerializationException", format!("malformed body: {why}"))
    };
    let value = match protocol {
        Protocol::Cbor => cbor::decode(body).map_err(|error| malformed(error.0))?,
        Protocol::Json => cbor::from_json(
            &serde_json::from_slice::<serde_json::Value>(body).map_err(|error| malformed(error.to_string()))?,
        ),
    };
    match value {
        Value::Map(_) => Ok(value),
        _ => Err(malformed("the input is not a structure".to_owned())),
    }
}

/// A statistic of the raw values in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    Sum,
    Average,
    Minimum,
    Maximum,
    SampleCount,
}

impl Stat {
    fn parse(name: &str) -> Result<Stat, CloudWatchError> {
        Ok(match name {
            "Sum" => Stat::Sum,
            "Average" => Stat::Average,
            "Minimum" => Stat::Minimum,
            "Maximum" => Stat::Maximum,
            "SampleCount" => Stat::SampleCount,
            other => {
                return Err(CloudWatchError::invalid(format!(
                    "the fake serves the statistics Sum, Average, Minimum, Maximum and SampleCount, not `{other}`"
                )));
            }
        })
    }

    fn of(self, values: &[f64]) -> f64 {
        let sum: f64 = values.iter().sum();
        // A count of raw points: far below 2^52.
        let count = values.len() as f64;
        match self {
            Stat::Sum => sum,
            Stat::Average => sum / count,
            Stat::Minimum => values.iter().copied().fold(f64::INFINITY, f64::min),
            Stat::Maximum => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Stat::SampleCount => count,
        }
    }
}

/// One MetricStat query, read.
struct Query<'a> {
    id: &'a str,
    label: String,
    namespace: &'a str,
    metric: &'a str,
    dimensions: Vec<(&'a str, &'a str)>,
    period: u64,
    stat: Stat,
}

fn text<'a>(value: &'a Value, member: &str, path: &str) -> Result<&'a str, CloudWatchError> {
    match value.get(member) {
        Some(Value::Text(text)) => Ok(text),
        Some(_) => Err(CloudWatchError::invalid(format!("{path}.{member} must be a string"))),
        None => Err(CloudWatchError::missing(&format!("{path}.{member}"))),
    }
}

fn read_query<'a>(value: &'a Value, index: usize) -> Result<Query<'a>, CloudWatchError> {
    let path = format!("MetricDataQueries.member.{}", index + 1);
    let id = text(value, "Id", &path)?;
    let mut chars = id.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= 255;
    if !well_formed {
        return Err(CloudWatchError::invalid(format!(
            "The value {id} for parameter {path}.Id is not valid: it must start with a lowercase letter and hold \
             only letters, digits and underscores."
        )));
    }
    if value.get("Expression").is_some() {
        return Err(CloudWatchError::invalid(format!(
            "{path}: the fake serves MetricStat queries only, not metric math or Metrics Insights expressions"
        )));
    }
    let stat = value.get("MetricStat").ok_or_else(|| CloudWatchError::missing(&format!("{path}.MetricStat")))?;
    let stat_path = format!("{path}.MetricStat");
    let metric = stat.get("Metric").ok_or_else(|| CloudWatchError::missing(&format!("{stat_path}.Metric")))?;
    let metric_path = format!("{stat_path}.Metric");
    let namespace = text(metric, "Namespace", &metric_path)?;
    let name = text(metric, "MetricName", &metric_path)?;
    let dimensions = dimensions(metric.get("Dimensions"), &format!("{metric_path}.Dimensions"), true)?
        .into_iter()
        .map(|(name, value)| (name, value.unwrap_or_default()))
        .collect();
    let period = stat
        .get("Period")
        .ok_or_else(|| CloudWatchError::missing(&format!("{stat_path}.Period")))?
        .as_u64()
        .filter(|p| matches!(p, 1 | 5 | 10 | 20 | 30) || (*p > 0 && p % 60 == 0))
        .ok_or_else(|| {
            CloudWatchError::invalid(format!("{stat_path}.Period must be 1, 5, 10, 20, 30 or a multiple of 60 seconds"))
        })?;
    let stat_name = text(stat, "Stat", &stat_path)?;
    let label = value.get("Label").and_then(Value::as_str).unwrap_or(name).to_owned();
    Ok(Query { id, label, namespace, metric: name, dimensions, period, stat: Stat::parse(stat_name)? })
}

/// A list of dimensions (`required_value`: each must have a value, as in a metric; otherwise
/// a value is optional, as in a ListMetrics filter).
fn dimensions<'a>(
    value: Option<&'a Value>,
    path: &str,
    required_value: bool,
) -> Result<Vec<(&'a str, Option<&'a str>)>, CloudWatchError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let items = value.as_array().ok_or_else(|| CloudWatchError::invalid(format!("{path} must be a list")))?;
    if items.len() > 30 {
        return Err(CloudWatchError::invalid(format!("{path} has {} dimensions; at most 30", items.len())));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let path = format!("{path}.member.{}", index + 1);
            let name = text(item, "Name", &path)?;
            let value = if required_value {
                Some(text(item, "Value", &path)?)
            } else {
                item.get("Value").and_then(Value::as_str)
            };
            Ok((name, value))
        })
        .collect()
}

/// A timestamp member, in whole seconds.
fn time(input: &Value, member: &str) -> Result<u64, CloudWatchError> {
    let value = input.get(member).ok_or_else(|| CloudWatchError::missing(member))?;
    let seconds = value
        .as_timestamp()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| CloudWatchError::invalid(format!("{member} must be a timestamp")))?;
    // Whole seconds since the epoch fit u64; the fraction is dropped, as CloudWatch rounds.
    Ok(seconds as u64)
}

/// Where a page starts: `fake-next-N` from an earlier answer, else 0.
fn page_start(input: &Value) -> Result<usize, CloudWatchError> {
    match input.get("NextToken") {
        None => Ok(0),
        Some(token) => token
            .as_str()
            .and_then(|token| token.strip_prefix("fake-next-"))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                CloudWatchError::new(StatusCode::BAD_REQUEST, "InvalidNextToken", "The service cannot read the token.")
            }),
    }
}

/// CloudWatch's rounding of a start time: to the minute within 15 days, to 5 minutes within
/// 63 days, to the hour before that.
fn rounded_start(start: u64, now: u64) -> u64 {
    let age = now.saturating_sub(start);
    let step = if age < 15 * 86_400 {
        60
    } else if age < 63 * 86_400 {
        300
    } else {
        3600
    };
    start - start % step
}

fn get_metric_data(metrics: &Metrics<'_>, input: &Value) -> Result<Value, CloudWatchError> {
    let queries = input
        .get("MetricDataQueries")
        .ok_or_else(|| CloudWatchError::missing("MetricDataQueries"))?
        .as_array()
        .ok_or_else(|| CloudWatchError::invalid("MetricDataQueries must be a list"))?;
    if queries.is_empty() || queries.len() > MAX_QUERIES {
        return Err(CloudWatchError::invalid(format!(
            "MetricDataQueries holds {} queries; it must hold 1 to {MAX_QUERIES}",
            queries.len()
        )));
    }
    let queries = queries.iter().enumerate().map(|(i, q)| read_query(q, i)).collect::<Result<Vec<_>, _>>()?;
    let mut ids = HashSet::new();
    if let Some(duplicate) = queries.iter().find(|query| !ids.insert(query.id)) {
        return Err(CloudWatchError::invalid(format!("The Id {} is used by more than one query.", duplicate.id)));
    }
    let start = rounded_start(time(input, "StartTime")?, metrics.now);
    let end = time(input, "EndTime")?;
    if start >= end {
        return Err(CloudWatchError::invalid("The parameter StartTime must be less than the parameter EndTime."));
    }
    let ascending = match input.get("ScanBy").and_then(Value::as_str) {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => return Err(CloudWatchError::invalid(format!("ScanBy `{other}` is not a valid value"))),
    };
    let max_datapoints = match input.get("MaxDatapoints") {
        None => DEFAULT_MAX_DATAPOINTS,
        Some(value) => value
            .as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| CloudWatchError::invalid("MaxDatapoints must be a positive integer"))?,
    };
    let page = metrics.page_limit.map_or(max_datapoints, |limit| limit.min(max_datapoints));
    let offset = page_start(input)?;

    let series: Vec<Vec<(u64, f64)>> =
        queries.iter().map(|query| datapoints(metrics, query, start, end, ascending)).collect();
    let total: usize = series.iter().map(Vec::len).sum();
    let page_end = offset.saturating_add(page).min(total);
    let mut seen = 0;
    let mut results = Vec::with_capacity(queries.len());
    for (query, points) in queries.iter().zip(&series) {
        let first = offset.saturating_sub(seen).min(points.len());
        let last = page_end.saturating_sub(seen).min(points.len());
        seen += points.len();
        let shown = points.get(first..last).unwrap_or_default();
        let status = if last < points.len() { "PartialData" } else { "Complete" };
        results.push(Value::map([
            ("Id", Value::text(query.id)),
            ("Label", Value::text(query.label.clone())),
            ("Timestamps", Value::Array(shown.iter().map(|(at, _)| Value::timestamp(*at)).collect())),
            ("Values", Value::Array(shown.iter().map(|(_, value)| Value::Float(*value)).collect())),
            ("StatusCode", Value::text(status)),
        ]));
    }
    let mut output = vec![("MetricDataResults", Value::Array(results)), ("Messages", Value::Array(Vec::new()))];
    if page_end < total {
        output.push(("NextToken", Value::text(format!("fake-next-{page_end}"))));
    }
    Ok(Value::map(output))
}

/// A query's datapoints: one per period from `start` that has raw points before `end`.
fn datapoints(metrics: &Metrics<'_>, query: &Query<'_>, start: u64, end: u64, ascending: bool) -> Vec<(u64, f64)> {
    let mut wanted: Vec<(&str, &str)> = query.dimensions.clone();
    wanted.sort_unstable();
    let series = metrics.series.iter().find(|series| {
        series.region == metrics.region
            && series.namespace == query.namespace
            && series.metric == query.metric
            && series.sorted_dimensions().iter().map(|d| (d.name.as_str(), d.value.as_str())).eq(wanted.iter().copied())
    });
    let mut periods: std::collections::BTreeMap<u64, Vec<f64>> = std::collections::BTreeMap::new();
    for point in series.map(|series| series.points.as_slice()).unwrap_or_default() {
        let at = point.epoch_seconds(metrics.now);
        if (start..end).contains(&at) {
            let period_start = start + (at - start) / query.period * query.period;
            periods.entry(period_start).or_default().push(point.value);
        }
    }
    let mut points: Vec<(u64, f64)> = periods.into_iter().map(|(at, values)| (at, query.stat.of(&values))).collect();
    if !ascending {
        points.reverse();
    }
    points
}

fn list_metrics(metrics: &Metrics<'_>, input: &Value) -> Result<Value, CloudWatchError> {
    let namespace = input.get("Namespace").and_then(Value::as_str);
    let name = input.get("MetricName").and_then(Value::as_str);
    let filters = dimensions(input.get("Dimensions"), "Dimensions", false)?;
    let horizon = match input.get("RecentlyActive").and_then(Value::as_str) {
        None => LIST_HORIZON_SECONDS,
        Some("PT3H") => 3 * 3600,
        Some(other) => {
            return Err(CloudWatchError::invalid(format!("RecentlyActive `{other}` is not valid; PT3H is")));
        }
    };
    let since = metrics.now.saturating_sub(horizon);
    let mut listed: Vec<&MetricSeries> = metrics
        .series
        .iter()
        .filter(|series| series.region == metrics.region)
        .filter(|series| namespace.is_none_or(|n| n == series.namespace))
        .filter(|series| name.is_none_or(|n| n == series.metric))
        .filter(|series| {
            filters.iter().all(|(name, value)| {
                series.dimensions.iter().any(|d| d.name == *name && value.is_none_or(|v| v == d.value))
            })
        })
        .filter(|series| series.points.iter().any(|point| point.epoch_seconds(metrics.now) >= since))
        .collect();
    listed.sort_by(|a, b| {
        (&a.namespace, &a.metric, a.sorted_dimensions()).cmp(&(&b.namespace, &b.metric, b.sorted_dimensions()))
    });
    let offset = page_start(input)?;
    let page = metrics.page_limit.map_or(LIST_PAGE, |limit| limit.min(LIST_PAGE));
    let page_end = offset.saturating_add(page).min(listed.len());
    let shown = listed.get(offset.min(page_end)..page_end).unwrap_or_default();
    let metrics_out = shown
        .iter()
        .map(|series| {
            let dimensions = series
                .sorted_dimensions()
                .into_iter()
                .map(|d| Value::map([("Name", Value::text(d.name.clone())), ("Value", Value::text(d.value.clone()))]))
                .collect();
            Value::map([
                ("Namespace", Value::text(series.namespace.clone())),
                ("MetricName", Value::text(series.metric.clone())),
                ("Dimensions", Value::Array(dimensions)),
            ])
        })
        .collect();
    let mut output = vec![("Metrics", Value::Array(metrics_out))];
    if page_end < listed.len() {
        output.push(("NextToken", Value::text(format!("fake-next-{page_end}"))));
    }
    Ok(Value::map(output))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::add_series;

    const NOW: u64 = 1_700_006_400; // a whole hour

    fn scripted() -> Vec<MetricSeries> {
        let mut all = Vec::new();
        let series = MetricSeries::bedrock("us-east-1", "Invocations", "us.amazon.nova-pro-v1:0")
            .at(NOW - 3600 + 5, 2.0)
            .at(NOW - 3600 + 50, 3.0)
            .at(NOW - 2 * 3600, 4.0)
            .at(NOW - 20 * 86_400, 9.0);
        add_series(&mut all, series, NOW);
        add_series(&mut all, MetricSeries::bedrock("us-east-1", "Invocations", "old").at(NOW - 20 * 86_400, 1.0), NOW);
        add_series(&mut all, MetricSeries::bedrock("us-west-2", "Invocations", "elsewhere").at(NOW - 60, 1.0), NOW);
        all
    }

    fn metrics(series: &[MetricSeries], page_limit: Option<usize>) -> Metrics<'_> {
        Metrics { series, region: "us-east-1", now: NOW, page_limit }
    }

    fn query(id: &str, model: &str, period: u64) -> Value {
        let dimension = Value::map([("Name", Value::text("ModelId")), ("Value", Value::text(model))]);
        Value::map([
            ("Id", Value::text(id)),
            (
                "MetricStat",
                Value::map([
                    (
                        "Metric",
                        Value::map([
                            ("Namespace", Value::text("AWS/Bedrock")),
                            ("MetricName", Value::text("Invocations")),
                            ("Dimensions", Value::Array(vec![dimension])),
                        ]),
                    ),
                    ("Period", Value::Int(i128::from(period))),
                    ("Stat", Value::text("Sum")),
                ]),
            ),
        ])
    }

    fn request(queries: Vec<Value>, start: u64, extra: Vec<(&str, Value)>) -> Value {
        let mut pairs = vec![
            ("MetricDataQueries", Value::Array(queries)),
            ("StartTime", Value::timestamp(start)),
            ("EndTime", Value::timestamp(NOW)),
        ];
        pairs.extend(extra);
        Value::map(pairs)
    }

    fn numbers(result: &Value, member: &str) -> Vec<f64> {
        result
            .get(member)
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_timestamp)
            .collect()
    }

    #[test]
    fn periods_sum_their_points_newest_first_and_empty_periods_are_left_out() {
        let series = scripted();
        let input = request(vec![query("a", "us.amazon.nova-pro-v1:0", 3600)], NOW - 86_400, vec![]);
        let output = get_metric_data(&metrics(&series, None), &input).unwrap();
        let result = &output.get("MetricDataResults").and_then(Value::as_array).unwrap()[0];
        assert_eq!(result.get("Id").and_then(Value::as_str), Some("a"));
        #[allow(clippy::cast_precision_loss)]
        let hours = |h: u64| (NOW - h * 3600) as f64;
        assert_eq!(numbers(result, "Timestamps"), [hours(1), hours(2)]);
        assert_eq!(numbers(result, "Values"), [5.0, 4.0]);
        assert_eq!(result.get("StatusCode").and_then(Value::as_str), Some("Complete"));
        assert!(output.get("NextToken").is_none());
    }

    #[test]
    fn a_metric_of_another_region_or_other_dimensions_has_no_data() {
        let series = scripted();
        let input = request(vec![query("a", "elsewhere", 60), query("b", "nobody", 60)], NOW - 3600, vec![]);
        let output = get_metric_data(&metrics(&series, None), &input).unwrap();
        for result in output.get("MetricDataResults").and_then(Value::as_array).unwrap() {
            assert_eq!(numbers(result, "Values"), Vec::<f64>::new());
        }
    }

    #[test]
    fn answers_page_by_max_datapoints_and_the_token_resumes() {
        let series = scripted();
        let queries = vec![query("a", "us.amazon.nova-pro-v1:0", 60), query("b", "old", 60)];
        let start = NOW - 30 * 86_400;
        let first = get_metric_data(
            &metrics(&series, None),
            &request(queries.clone(), start, vec![("MaxDatapoints", Value::Int(2))]),
        )
        .unwrap();
        let results = first.get("MetricDataResults").and_then(Value::as_array).unwrap();
        assert_eq!(numbers(&results[0], "Values"), [5.0, 4.0]);
        assert_eq!(results[0].get("StatusCode").and_then(Value::as_str), Some("PartialData"));
        let token = first.get("NextToken").and_then(Value::as_str).unwrap().to_owned();
        let second = get_metric_data(
            &metrics(&series, Some(10)),
            &request(queries, start, vec![("NextToken", Value::text(token))]),
        )
        .unwrap();
        let results = second.get("MetricDataResults").and_then(Value::as_array).unwrap();
        assert_eq!(numbers(&results[0], "Values"), [9.0]);
        assert_eq!(numbers(&results[1], "Values"), [1.0]);
        assert!(second.get("NextToken").is_none());
    }

    #[test]
    fn bad_queries_are_refused_with_the_parameter_named() {
        let series = scripted();
        let check = |input: Value, code: &str, words: &str| {
            let error = get_metric_data(&metrics(&series, None), &input).unwrap_err();
            assert_eq!(error.code, code);
            assert!(error.message.contains(words), "{}", error.message);
        };
        check(request(vec![query("A", "m", 60)], NOW - 60, vec![]), "InvalidParameterValue", "member.1.Id");
        check(request(vec![query("a", "m", 61)], NOW - 60, vec![]), "InvalidParameterValue", "Period");
        check(
            request(vec![query("a", "m", 60), query("a", "n", 60)], NOW - 60, vec![]),
            "InvalidParameterValue",
            "Id a",
        );
        check(request(vec![query("a", "m", 60)], NOW, vec![]), "InvalidParameterValue", "StartTime");
        check(
            Value::map([("MetricDataQueries", Value::Array(vec![query("a", "m", 60)]))]),
            "MissingParameter",
            "StartTime",
        );
        let expression = Value::map([("Id", Value::text("e")), ("Expression", Value::text("SUM(METRICS())"))]);
        check(request(vec![expression], NOW - 60, vec![]), "InvalidParameterValue", "MetricStat queries only");
        check(
            request(vec![query("a", "m", 60)], NOW - 60, vec![("NextToken", Value::text("x"))]),
            "InvalidNextToken",
            "",
        );
    }

    #[test]
    fn list_metrics_lists_what_had_data_in_two_weeks_filtered_and_paged() {
        let series = scripted();
        let input = Value::map([
            ("Namespace", Value::text("AWS/Bedrock")),
            ("Dimensions", Value::Array(vec![Value::map([("Name", Value::text("ModelId"))])])),
        ]);
        let output = list_metrics(&metrics(&series, None), &input).unwrap();
        let listed = output.get("Metrics").and_then(Value::as_array).unwrap();
        assert_eq!(listed.len(), 1, "`old` has no point in two weeks and `elsewhere` is another region");
        let dimension = &listed[0].get("Dimensions").and_then(Value::as_array).unwrap()[0];
        assert_eq!(dimension.get("Value").and_then(Value::as_str), Some("us.amazon.nova-pro-v1:0"));

        let mut many = Vec::new();
        for n in 0..3 {
            add_series(
                &mut many,
                MetricSeries::bedrock("us-east-1", "Invocations", &format!("m{n}")).at(NOW, 1.0),
                NOW,
            );
        }
        let first = list_metrics(&metrics(&many, Some(2)), &Value::Map(Vec::new())).unwrap();
        assert_eq!(first.get("Metrics").and_then(Value::as_array).map(<[Value]>::len), Some(2));
        let token = first.get("NextToken").cloned().unwrap();
        let second = list_metrics(&metrics(&many, Some(2)), &Value::map([("NextToken", token)])).unwrap();
        assert_eq!(second.get("Metrics").and_then(Value::as_array).map(<[Value]>::len), Some(1));
        assert!(second.get("NextToken").is_none());
    }

    #[test]
    fn start_times_round_down_as_cloudwatch_rounds_them() {
        assert_eq!(rounded_start(NOW - 3600 - 59, NOW), NOW - 3600 - 60);
        assert_eq!(rounded_start(NOW - 20 * 86_400 - 299, NOW) % 300, 0);
        assert_eq!(rounded_start(NOW - 70 * 86_400 - 1, NOW) % 3600, 0);
    }

    /// Through the whole router: routing by path (CBOR) or `X-Amz-Target` (JSON), the SigV4
    /// region, the log, and the errors of an unsigned request or an unknown operation.
    #[tokio::test]
    async fn both_protocols_are_routed_and_answered_in_their_own_format() {
        use axum::body::Body;
        use axum::http::Request;
        use http_body_util::BodyExt;
        use tower::ServiceExt;

        let fake = crate::FakeBedrock::builder().metric(
            MetricSeries::bedrock("eu-west-1", "Invocations", "m").ago(std::time::Duration::from_secs(60), 4.0),
        );
        let (app, handle) = fake.into_router();
        let signed = "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/monitoring/aws4_request, \
                      SignedHeaders=host, Signature=abc";
        let send = |request: Request<Body>| {
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await.unwrap();
                let (parts, body) = response.into_parts();
                (parts, body.collect().await.unwrap().to_bytes())
            }
        };
        let list = Value::map([("Namespace", Value::text("AWS/Bedrock"))]);

        let cbor = Request::post(format!("/service/{SERVICE}/operation/ListMetrics"))
            .header(header::AUTHORIZATION, signed)
            .header(header::CONTENT_TYPE, "application/cbor")
            .header("smithy-protocol", "rpc-v2-cbor")
            .body(Body::from(cbor::encode(&list)))
            .unwrap();
        let (parts, body) = send(cbor).await;
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(parts.headers["smithy-protocol"], "rpc-v2-cbor");
        let listed = cbor::decode(&body).unwrap();
        assert_eq!(listed.get("Metrics").and_then(Value::as_array).map(<[Value]>::len), Some(1));

        let json = Request::post("/")
            .header(header::AUTHORIZATION, signed)
            .header("x-amz-target", format!("{SERVICE}.ListMetrics"))
            .header(header::CONTENT_TYPE, "application/x-amz-json-1.0")
            .body(Body::from(cbor::to_json(&list).to_string()))
            .unwrap();
        let (parts, body) = send(json).await;
        assert_eq!(parts.headers[header::CONTENT_TYPE], "application/x-amz-json-1.0");
        let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(listed["Metrics"][0]["Dimensions"][0]["Value"], "m");

        let unsigned = Request::post(format!("/service/{SERVICE}/operation/ListMetrics")).body(Body::empty()).unwrap();
        let (parts, body) = send(unsigned).await;
        assert_eq!(parts.status, StatusCode::FORBIDDEN);
        assert_eq!(parts.headers["x-amzn-query-error"], "MissingAuthenticationToken;Sender");
        let error = cbor::decode(&body).unwrap();
        assert_eq!(error.get("message").and_then(Value::as_str), Some("Request is missing Authentication Token"));

        let unknown = Request::post("/")
            .header(header::AUTHORIZATION, signed)
            .header("x-amz-target", format!("{SERVICE}.PutMetricData"))
            .body(Body::from("{}"))
            .unwrap();
        let (parts, _) = send(unknown).await;
        assert_eq!(parts.status, StatusCode::BAD_REQUEST);
        assert_eq!(parts.headers["x-amzn-query-error"], "UnknownOperationException;Sender");

        let log = handle.requests();
        let logged: Vec<(Option<Operation>, Option<&str>, u16)> =
            log.iter().map(|r| (r.operation, r.region.as_deref(), r.status)).collect();
        assert_eq!(
            logged,
            [
                (Some(Operation::ListMetrics), Some("eu-west-1"), 200),
                (Some(Operation::ListMetrics), Some("eu-west-1"), 200),
                (Some(Operation::ListMetrics), None, 403),
                (None, Some("eu-west-1"), 400),
            ]
        );
        assert_eq!(log[2].error_type.as_deref(), Some("MissingAuthenticationToken"));
    }

    #[test]
    fn errors_name_their_awsquery_code_in_both_protocols() {
        let error = CloudWatchError::scripted(&FakeError::Throttling, Operation::GetMetricData, "123456789012");
        assert_eq!((error.status, error.code.as_str()), (StatusCode::BAD_REQUEST, "Throttling"));
        let response = error.into_response(Protocol::Json);
        assert_eq!(response.headers()["x-amzn-query-error"], "Throttling;Sender");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/x-amz-json-1.0");
        let denied = CloudWatchError::scripted(&FakeError::AccessDenied, Operation::ListMetrics, "123456789012");
        assert!(denied.message.contains("cloudwatch:ListMetrics"), "{}", denied.message);
        let response = denied.into_response(Protocol::Cbor);
        assert_eq!(response.headers()["smithy-protocol"], "rpc-v2-cbor");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}
