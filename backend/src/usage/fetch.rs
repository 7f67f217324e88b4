//! Reading CloudWatch: which `ModelId`s the account has called (ListMetrics), then the hourly
//! sums of the six Bedrock metrics for each of them and for every binding's target
//! (GetMetricData), through the environment's [`Aws`] handle and its cache.
//!
//! Why ListMetrics and not a `SEARCH` expression: ListMetrics is free and returns the
//! identifiers themselves, while a search is billed per metric it finds and labels its series
//! in free text. A binding's target is always queried by name as well, because ListMetrics
//! only knows metrics with data in the last two weeks, and "unused" looks back 30 days.
//!
//! The cost, for a report: one GetMetricData request per 500 metrics read (six per
//! identifier), billed per metric; the cache ([`super::cache`]) makes a page of sparklines
//! one report.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, DimensionFilter, MetricDataQuery, MetricStat, ScanBy};
use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::{UsageResponse, UsageSpan};
use bedrock_binder_shared::aws_failure::{AwsFailure, AwsFailureCode, CallContext};

use super::aggregate::{BoundTarget, Fetched, HOUR, Hourly, Metric, report, window};
use crate::aws::error::CallError;
use crate::aws::{Aws, now_epoch_seconds};

/// The namespace of Bedrock's runtime metrics.
pub const NAMESPACE: &str = "AWS/Bedrock";

/// The dimension that names what was called.
pub const MODEL_ID: &str = "ModelId";

/// The most queries one GetMetricData request may carry.
const QUERIES_PER_REQUEST: usize = 500;

/// How long a whole fetch (every page of both operations) may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The usage of `bindings` over `span`, from `region`'s CloudWatch in `aws`'s account: read
/// afresh, or reused from a fetch of the last few minutes that read every binding's target.
pub async fn usage_report(
    aws: &Aws,
    env: &str,
    region: &Region,
    bindings: &[BoundTarget],
    span: UsageSpan,
) -> Result<UsageResponse, AwsFailure> {
    let (start, hours) = window(now_epoch_seconds(), span);
    let wanted: BTreeSet<String> = bindings.iter().map(|binding| binding.target.clone()).collect();
    let fetch = async {
        match tokio::time::timeout(FETCH_TIMEOUT, fetch(aws, region, start, hours, &wanted)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(AwsFailure::unreachable("CloudWatch did not answer in time")),
        }
    };
    let fetched = aws.usage_cache().get_or_fetch(region.as_str(), hours, &wanted, fetch).await?;
    Ok(report(env, region.as_str(), bindings, &fetched, span))
}

/// A CloudWatch client for `region`, on the handle's configuration (and so its connection
/// pool and credentials).
async fn client(aws: &Aws, region: &Region) -> aws_sdk_cloudwatch::Client {
    let config = aws_sdk_cloudwatch::config::Builder::from(aws.config().await)
        .region(aws_config::Region::new(region.as_str().to_owned()))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(config)
}

async fn fetch(
    aws: &Aws,
    region: &Region,
    start: u64,
    hours: usize,
    wanted: &BTreeSet<String>,
) -> Result<Fetched, AwsFailure> {
    let client = client(aws, region).await;
    let listed = listed_model_ids(&client).await.map_err(|error| diagnosed(error, region, "ListMetrics"))?;
    let ids: Vec<String> = wanted.iter().chain(&listed).cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let mut hourly: Vec<Hourly> = ids.iter().map(|_| Hourly::zeros(hours)).collect();
    let queries: Vec<(usize, Metric)> =
        (0..ids.len()).flat_map(|index| Metric::ALL.map(|metric| (index, metric))).collect();
    let end = start + hours as u64 * HOUR;
    for chunk in queries.chunks(QUERIES_PER_REQUEST) {
        let mut token: Option<String> = None;
        loop {
            let mut request = client
                .get_metric_data()
                .start_time(epoch(start))
                .end_time(epoch(end))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.clone());
            for (index, metric) in chunk {
                request = request.metric_data_queries(query(*index, *metric, &ids[*index]));
            }
            let output =
                request.send().await.map_err(|error| diagnosed(CallError::from_sdk(error), region, "GetMetricData"))?;
            for result in output.metric_data_results() {
                let Some((index, metric)) = result.id().and_then(parse_query_id) else { continue };
                let Some(series) = hourly.get_mut(index) else { continue };
                for (at, value) in result.timestamps().iter().zip(result.values()) {
                    let hour = (at.secs() - start as i64).div_euclid(HOUR as i64);
                    if let Ok(hour) = usize::try_from(hour) {
                        // Counts of calls and tokens: whole, and never negative.
                        series.add(metric, hour, value.max(0.0).round() as u64);
                    }
                }
            }
            match output.next_token().filter(|next| !next.is_empty()) {
                // A token repeated would page forever.
                Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
                _ => break,
            }
        }
    }
    Ok(Fetched { start, hours, fetched_at: now_epoch_seconds(), series: ids.into_iter().zip(hourly).collect() })
}

fn epoch(seconds: u64) -> DateTime {
    DateTime::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// Every `ModelId` value of the namespace's metrics: the identifiers called in the last two
/// weeks. Metrics with more dimensions than `ModelId` alone are other breakdowns.
async fn listed_model_ids(client: &aws_sdk_cloudwatch::Client) -> Result<BTreeSet<String>, CallError> {
    let mut ids = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let output = client
            .list_metrics()
            .namespace(NAMESPACE)
            .dimensions(DimensionFilter::builder().name(MODEL_ID).build())
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(CallError::from_sdk)?;
        for metric in output.metrics() {
            if let [dimension] = metric.dimensions()
                && dimension.name() == Some(MODEL_ID)
                && let Some(value) = dimension.value()
            {
                ids.insert(value.to_owned());
            }
        }
        match output.next_token().filter(|next| !next.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(ids)
}

/// The hourly `Sum` of `metric` for the `ModelId` `model_id`, as query `q{n}` (ids must start
/// with a lowercase letter and be unique in a request).
fn query(index: usize, metric: Metric, model_id: &str) -> MetricDataQuery {
    let metric_of = aws_sdk_cloudwatch::types::Metric::builder()
        .namespace(NAMESPACE)
        .metric_name(metric.cloudwatch_name())
        .dimensions(Dimension::builder().name(MODEL_ID).value(model_id).build())
        .build();
    let stat = MetricStat::builder().metric(metric_of).period(HOUR as i32).stat("Sum").build();
    MetricDataQuery::builder().id(query_id(index, metric)).metric_stat(stat).return_data(true).build()
}

fn query_id(index: usize, metric: Metric) -> String {
    let position = Metric::ALL.iter().position(|m| *m == metric).unwrap_or_default();
    format!("q{}", index * Metric::ALL.len() + position)
}

fn parse_query_id(id: &str) -> Option<(usize, Metric)> {
    let n: usize = id.strip_prefix('q')?.parse().ok()?;
    Some((n / Metric::ALL.len(), Metric::ALL[n % Metric::ALL.len()]))
}

/// A failed CloudWatch call explained in CloudWatch's terms: the generic classifier speaks of
/// Bedrock models, which would send a user to the wrong IAM actions.
fn diagnosed(error: CallError, region: &Region, action: &str) -> AwsFailure {
    let info = match &error {
        CallError::Service(info) => info.clone(),
        CallError::Local(_) => return error.diagnose(&CallContext::default()),
    };
    let kind = info.error_type.to_ascii_lowercase();
    let mut failure = if kind.starts_with("accessdenied") {
        AwsFailure::new(
            AwsFailureCode::AccessDenied,
            format!("AWS refused to let this identity read CloudWatch metrics in {region} (cloudwatch:{action})."),
            "IAM must allow cloudwatch:ListMetrics and cloudwatch:GetMetricData (they take `\"Resource\": \"*\"`) \
             for the identity the server uses in this environment.",
        )
    } else if kind.starts_with("throttling") {
        let mut failure = AwsFailure::new(
            AwsFailureCode::Throttled,
            format!("CloudWatch in {region} is throttling this account's metric reads."),
            "Ask again in a minute; a report, once read, is reused for five minutes.",
        );
        failure.retryable = true;
        failure
    } else {
        return error.diagnose(&CallContext { region: Some(region.as_str()), ..CallContext::default() });
    };
    failure.aws = Some(info);
    failure
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::aws_failure::AwsErrorInfo;

    use super::*;

    #[test]
    fn query_ids_name_the_identifier_and_the_metric_and_read_back() {
        for index in [0, 1, 82, 1000] {
            for metric in Metric::ALL {
                let id = query_id(index, metric);
                assert!(id.starts_with('q') && id[1..].bytes().all(|b| b.is_ascii_digit()), "{id}");
                assert_eq!(parse_query_id(&id), Some((index, metric)));
            }
        }
        assert_eq!(parse_query_id("x1"), None);
    }

    #[test]
    fn access_denied_names_the_cloudwatch_actions_not_bedrocks() {
        let region: Region = "us-east-1".parse().expect("region");
        let info = AwsErrorInfo {
            error_type: "AccessDenied".to_owned(),
            message: "not authorized to perform: cloudwatch:GetMetricData".to_owned(),
            status: Some(403),
        };
        let failure = diagnosed(CallError::Service(info), &region, "GetMetricData");
        assert_eq!(failure.code, AwsFailureCode::AccessDenied);
        assert!(failure.remedy.contains("cloudwatch:GetMetricData"), "{}", failure.remedy);
        assert!(!failure.remedy.contains("bedrock:"), "{}", failure.remedy);
        let throttled = AwsErrorInfo {
            error_type: "Throttling".to_owned(),
            message: "Rate exceeded".to_owned(),
            status: Some(400),
        };
        let failure = diagnosed(CallError::Service(throttled), &region, "GetMetricData");
        assert_eq!((failure.code, failure.retryable), (AwsFailureCode::Throttled, true));
    }
}
