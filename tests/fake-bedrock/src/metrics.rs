//! Scripted CloudWatch metrics: the series the fake's GetMetricData and ListMetrics serve.
//!
//! A series is one metric of one region (`AWS/Bedrock` `Invocations` for the `ModelId`
//! `us.amazon.nova-pro-v1:0`, say) with its raw datapoints. A point is placed at a time since
//! the epoch, or some seconds before the script is applied, so a test scripts "5 calls two
//! hours ago" without knowing the clock. Each type is also the JSON of the control endpoint
//! (`"metrics"` in `POST /__fake/script`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The namespace Bedrock publishes its runtime metrics in.
pub const BEDROCK_NAMESPACE: &str = "AWS/Bedrock";

/// The dimension Bedrock's per-model metrics carry: the model id, profile id or ARN called.
pub const MODEL_ID_DIMENSION: &str = "ModelId";

/// The Bedrock runtime metrics the usage report reads, as CloudWatch names them.
pub const BEDROCK_METRICS: [&str; 6] = [
    "Invocations",
    "InputTokenCount",
    "OutputTokenCount",
    "InvocationThrottles",
    "InvocationClientErrors",
    "InvocationServerErrors",
];

/// A dimension: part of a metric's identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dimension {
    /// `ModelId`.
    pub name: String,
    /// `us.amazon.nova-pro-v1:0`.
    pub value: String,
}

/// One raw datapoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// When, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Or: this many seconds before the point was scripted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ago_seconds: Option<u64>,
    /// The value (a count of calls or tokens for Bedrock's metrics).
    pub value: f64,
}

impl MetricPoint {
    /// The point's time, with `ago_seconds` counted back from `now`.
    pub fn epoch_seconds(&self, now: u64) -> u64 {
        self.at.unwrap_or_else(|| now.saturating_sub(self.ago_seconds.unwrap_or_default()))
    }
}

fn bedrock_namespace() -> String {
    BEDROCK_NAMESPACE.to_owned()
}

/// One metric of one region and its datapoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    /// The region whose CloudWatch holds it.
    pub region: String,
    /// The namespace [default: `AWS/Bedrock`].
    #[serde(default = "bedrock_namespace")]
    pub namespace: String,
    /// The metric's name, such as `Invocations`.
    pub metric: String,
    /// Its dimensions, in any order.
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// Its datapoints, in any order.
    #[serde(default)]
    pub points: Vec<MetricPoint>,
}

impl MetricSeries {
    /// An `AWS/Bedrock` metric of `region` for the `ModelId` `model_id`, with no datapoints.
    pub fn bedrock(region: &str, metric: &str, model_id: &str) -> MetricSeries {
        MetricSeries {
            region: region.to_owned(),
            namespace: bedrock_namespace(),
            metric: metric.to_owned(),
            dimensions: vec![Dimension { name: MODEL_ID_DIMENSION.to_owned(), value: model_id.to_owned() }],
            points: Vec::new(),
        }
    }

    /// Adds a datapoint at `epoch_seconds`.
    #[must_use]
    pub fn at(mut self, epoch_seconds: u64, value: f64) -> MetricSeries {
        self.points.push(MetricPoint { at: Some(epoch_seconds), ago_seconds: None, value });
        self
    }

    /// Adds a datapoint `ago` before the series is given to the fake.
    #[must_use]
    pub fn ago(mut self, ago: Duration, value: f64) -> MetricSeries {
        self.points.push(MetricPoint { at: None, ago_seconds: Some(ago.as_secs()), value });
        self
    }

    /// The same series with every point placed in time, `ago_seconds` counted back from `now`.
    pub(crate) fn placed(mut self, now: u64) -> MetricSeries {
        for point in &mut self.points {
            point.at = Some(point.epoch_seconds(now));
            point.ago_seconds = None;
        }
        self
    }

    /// Whether `other` is the same metric (region, namespace, name and dimensions in any
    /// order): CloudWatch's identity of a metric.
    pub(crate) fn same_metric(&self, other: &MetricSeries) -> bool {
        self.region == other.region
            && self.namespace == other.namespace
            && self.metric == other.metric
            && self.sorted_dimensions() == other.sorted_dimensions()
    }

    /// The dimensions, sorted by name and value.
    pub(crate) fn sorted_dimensions(&self) -> Vec<&Dimension> {
        let mut dimensions: Vec<&Dimension> = self.dimensions.iter().collect();
        dimensions.sort();
        dimensions
    }
}

/// Adds `series` to `all`, placed in time from `now`: points of a metric `all` already has
/// join its points, so one metric is always one series.
pub(crate) fn add_series(all: &mut Vec<MetricSeries>, series: MetricSeries, now: u64) {
    let series = series.placed(now);
    match all.iter_mut().find(|existing| existing.same_metric(&series)) {
        Some(existing) => existing.points.extend(series.points),
        None => all.push(series),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_scripted_relative_to_now_are_placed_when_added() {
        let mut all = Vec::new();
        let series = MetricSeries::bedrock("us-east-1", "Invocations", "m").ago(Duration::from_secs(3600), 2.0);
        add_series(&mut all, series, 10_000);
        assert_eq!(all[0].points, [MetricPoint { at: Some(6_400), ago_seconds: None, value: 2.0 }]);
    }

    #[test]
    fn the_same_metric_added_twice_is_one_series() {
        let mut all = Vec::new();
        let mut twice = MetricSeries::bedrock("us-east-1", "Invocations", "m").at(100, 1.0);
        add_series(&mut all, twice.clone(), 0);
        twice.dimensions.reverse();
        add_series(&mut all, twice.at(200, 2.0), 0);
        add_series(&mut all, MetricSeries::bedrock("us-west-2", "Invocations", "m").at(100, 1.0), 0);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].points.len(), 3);
    }

    #[test]
    fn a_series_reads_from_control_json_with_the_bedrock_namespace_by_default() {
        let series: MetricSeries = serde_json::from_str(
            r#"{"region": "us-east-1", "metric": "Invocations",
                "dimensions": [{"name": "ModelId", "value": "m"}],
                "points": [{"ago_seconds": 60, "value": 3}, {"at": 1700000000, "value": 1.5}]}"#,
        )
        .unwrap();
        assert_eq!(series.namespace, BEDROCK_NAMESPACE);
        assert_eq!(series.points[0].epoch_seconds(1000), 940);
        assert_eq!(series.points[1].epoch_seconds(1000), 1_700_000_000);
    }
}
