//! The pure half of a usage report: hourly sums per `ModelId`, as read from CloudWatch
//! ([`Fetched`]), turned into each binding's totals and sparkline series and the list of
//! calls that went around the bindings ([`report`]). No I/O, so every rule is unit-tested.
//!
//! How an identifier is matched to a binding: CloudWatch's `ModelId` is exactly what an app
//! sent, and a system profile or a foundation model can be sent by id or by ARN. Both forms
//! reduce to the id ([`canonical`]), so a binding to `us.amazon.nova-pro-v1:0` counts the calls
//! made with its ARN too. An application profile has only its ARN, which stays whole.

use std::collections::{BTreeMap, BTreeSet};

use bedrock_binder_shared::Document;
use bedrock_binder_shared::api::{BindingUsage, UnboundUsage, Usage, UsageResponse, UsageSpan, UsageTotals};
use bedrock_binder_shared::arn::{Arn, ArnResource};

/// Seconds in an hour: CloudWatch is read in hourly sums.
pub const HOUR: u64 = 3600;

/// The most buckets a sparkline has: a span of more hours groups them.
pub const MAX_BUCKETS: u32 = 48;

/// The Bedrock runtime metrics a report reads, in [`UsageTotals`]' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// `Invocations`.
    Invocations,
    /// `InputTokenCount`.
    InputTokens,
    /// `OutputTokenCount`.
    OutputTokens,
    /// `InvocationThrottles`.
    Throttles,
    /// `InvocationClientErrors`.
    ClientErrors,
    /// `InvocationServerErrors`.
    ServerErrors,
}

impl Metric {
    /// Every metric read.
    pub const ALL: [Metric; 6] = [
        Metric::Invocations,
        Metric::InputTokens,
        Metric::OutputTokens,
        Metric::Throttles,
        Metric::ClientErrors,
        Metric::ServerErrors,
    ];

    /// CloudWatch's name of it, in the `AWS/Bedrock` namespace.
    pub fn cloudwatch_name(self) -> &'static str {
        match self {
            Metric::Invocations => "Invocations",
            Metric::InputTokens => "InputTokenCount",
            Metric::OutputTokens => "OutputTokenCount",
            Metric::Throttles => "InvocationThrottles",
            Metric::ClientErrors => "InvocationClientErrors",
            Metric::ServerErrors => "InvocationServerErrors",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One `ModelId`'s hourly sums over the fetched hours, per metric, oldest hour first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hourly {
    values: [Vec<u64>; 6],
}

impl Hourly {
    /// Zeros for `hours` hours.
    pub fn zeros(hours: usize) -> Hourly {
        Hourly { values: std::array::from_fn(|_| vec![0; hours]) }
    }

    /// Adds `value` to `metric` in hour `index` (ignored outside the hours).
    pub fn add(&mut self, metric: Metric, index: usize, value: u64) {
        if let Some(slot) = self.values[metric.index()].get_mut(index) {
            *slot = slot.saturating_add(value);
        }
    }

    /// The sums of `metric`, one per hour.
    pub fn of(&self, metric: Metric) -> &[u64] {
        &self.values[metric.index()]
    }

    /// The totals over the hours `range` (indices into the fetched hours).
    fn totals(&self, range: std::ops::Range<usize>) -> UsageTotals {
        let sum = |metric: Metric| self.of(metric).get(range.clone()).unwrap_or_default().iter().sum();
        UsageTotals {
            invocations: sum(Metric::Invocations),
            input_tokens: sum(Metric::InputTokens),
            output_tokens: sum(Metric::OutputTokens),
            throttles: sum(Metric::Throttles),
            client_errors: sum(Metric::ClientErrors),
            server_errors: sum(Metric::ServerErrors),
        }
    }

    fn add_all(&mut self, other: &Hourly) {
        for (mine, theirs) in self.values.iter_mut().zip(&other.values) {
            for (slot, value) in mine.iter_mut().zip(theirs) {
                *slot = slot.saturating_add(*value);
            }
        }
    }
}

/// What was read from CloudWatch: hourly sums per `ModelId` for the hours
/// `[start, start + hours·3600)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The first hour, in seconds since the epoch (a whole hour).
    pub start: u64,
    /// How many hours.
    pub hours: usize,
    /// When it was read.
    pub fetched_at: u64,
    /// Per `ModelId` queried: the bindings' targets and every `ModelId` ListMetrics found.
    pub series: BTreeMap<String, Hourly>,
}

impl Fetched {
    /// Where the hours end (exclusive).
    pub fn end(&self) -> u64 {
        self.start + self.hours as u64 * HOUR
    }
}

/// The hours a report reads for a span ending at `now`: whole hours, the current one
/// included, at least [`UsageSpan::UNUSED_AFTER`] so that "unused" is always known.
pub fn window(now: u64, span: UsageSpan) -> (u64, usize) {
    let end = (now / HOUR + 1) * HOUR;
    let hours = span.hours().max(UsageSpan::UNUSED_AFTER.hours());
    (end - u64::from(hours) * HOUR, hours as usize)
}

/// How many hours one sparkline bucket holds for `span`: enough that there are at most
/// [`MAX_BUCKETS`].
pub fn bucket_hours(span: UsageSpan) -> u32 {
    span.hours().div_ceil(MAX_BUCKETS)
}

/// The id a `ModelId` or a binding's target stands for: a system profile's or foundation
/// model's id when given by ARN, anything else as it is.
pub fn canonical(identifier: &str) -> &str {
    let identifier = identifier.trim();
    match identifier.parse::<Arn>() {
        Ok(arn) => match arn.resource() {
            ArnResource::InferenceProfile(_) | ArnResource::FoundationModel(_) => {
                // The id is the ARN's tail after `TYPE/`, which parsing has just checked.
                identifier.split_once('/').map_or(identifier, |(_, id)| id)
            }
            _ => identifier,
        },
        Err(_) => identifier,
    }
}

/// A binding in force: its model id and what it calls (its value, or the model when direct).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundTarget {
    /// The key.
    pub model: String,
    /// What is called.
    pub target: String,
}

impl BoundTarget {
    /// From a key and its value as written (empty: direct).
    pub fn new(model: &str, value: &str) -> BoundTarget {
        let target = if value.trim().is_empty() { model } else { value };
        BoundTarget { model: model.trim().to_owned(), target: target.trim().to_owned() }
    }
}

/// Every binding in force in `document`, with what it calls.
pub fn bound_targets(document: &Document) -> Vec<BoundTarget> {
    document.resolve().iter().map(|resolved| BoundTarget::new(resolved.key, resolved.value)).collect()
}

/// The report for `bindings` over `span`, from what was read.
pub fn report(env: &str, region: &str, bindings: &[BoundTarget], fetched: &Fetched, span: UsageSpan) -> UsageResponse {
    let bucket = bucket_hours(span);
    let end = fetched.end();
    let bound: BTreeSet<&str> = bindings.iter().map(|b| canonical(&b.target)).collect();
    let by_key: BTreeMap<&str, &BoundTarget> = bindings.iter().map(|b| (canonical(&b.model), b)).collect();

    let binding_usage = bindings
        .iter()
        .map(|binding| {
            let wanted = canonical(&binding.target);
            let mut summed = Hourly::zeros(fetched.hours);
            let mut called_as = Vec::new();
            for (model_id, hourly) in &fetched.series {
                if canonical(model_id) == wanted {
                    summed.add_all(hourly);
                    called_as.push(model_id.clone());
                }
            }
            let usage = usage_of(&summed, fetched, span, bucket);
            let unused = summed.totals(recent(fetched, UsageSpan::UNUSED_AFTER)).invocations == 0;
            BindingUsage { model: binding.model.clone(), target: binding.target.clone(), called_as, unused, usage }
        })
        .collect();

    let mut unbound: Vec<UnboundUsage> = fetched
        .series
        .iter()
        .filter(|(model_id, _)| !bound.contains(canonical(model_id)))
        // Only what has data in the hours read: ListMetrics may name a metric whose points are
        // all older.
        .filter(|(_, hourly)| hourly.totals(0..fetched.hours) != UsageTotals::default())
        .map(|(model_id, hourly)| UnboundUsage {
            model_id: model_id.clone(),
            bound_model: by_key.get(canonical(model_id)).map(|b| b.model.clone()),
            usage: usage_of(hourly, fetched, span, bucket),
        })
        .collect();
    unbound.sort_by(|a, b| b.usage.span.invocations.cmp(&a.usage.span.invocations).then(a.model_id.cmp(&b.model_id)));

    UsageResponse {
        env: env.to_owned(),
        region: region.to_owned(),
        since: span,
        bucket_seconds: u64::from(bucket) * HOUR,
        start: end - span.seconds(),
        end,
        unused_after_days: UsageSpan::UNUSED_AFTER.hours() / 24,
        fetched_at: fetched.fetched_at,
        bindings: binding_usage,
        unbound,
    }
}

/// The indices of the fetched hours that fall in the last `span`.
fn recent(fetched: &Fetched, span: UsageSpan) -> std::ops::Range<usize> {
    fetched.hours.saturating_sub(span.hours() as usize)..fetched.hours
}

fn usage_of(hourly: &Hourly, fetched: &Fetched, span: UsageSpan, bucket: u32) -> Usage {
    let in_span = recent(fetched, span);
    let calls = hourly.of(Metric::Invocations);
    // Buckets are counted back from the newest hour, so the newest is always whole and only
    // the oldest may be short.
    let bucket = bucket as usize;
    let span_calls = calls.get(in_span).unwrap_or_default();
    let mut series: Vec<u64> = span_calls.rchunks(bucket).map(|chunk| chunk.iter().sum()).collect();
    series.reverse();
    let last_call = calls.iter().rposition(|n| *n > 0).map(|index| fetched.start + index as u64 * HOUR);
    Usage {
        last_24h: hourly.totals(recent(fetched, UsageSpan::DAY)),
        last_7d: hourly.totals(recent(fetched, UsageSpan::WEEK)),
        span: hourly.totals(recent(fetched, span)),
        series,
        last_call,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOURS: usize = 30 * 24;
    const START: u64 = 1_700_000_000 / HOUR * HOUR;
    const NOVA_US: &str = "us.amazon.nova-pro-v1:0";
    const NOVA_US_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
    const APP_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl";

    fn span(text: &str) -> UsageSpan {
        text.parse().expect("a span")
    }

    /// `hours_ago` counts back from the newest hour (0 is the current hour).
    fn fetched(points: &[(&str, Metric, usize, u64)]) -> Fetched {
        let mut series: BTreeMap<String, Hourly> = BTreeMap::new();
        for (model_id, metric, hours_ago, value) in points {
            let hourly = series.entry((*model_id).to_owned()).or_insert_with(|| Hourly::zeros(HOURS));
            hourly.add(*metric, HOURS - 1 - hours_ago, *value);
        }
        Fetched { start: START, hours: HOURS, fetched_at: START, series }
    }

    fn bindings(pairs: &[(&str, &str)]) -> Vec<BoundTarget> {
        pairs.iter().map(|(model, value)| BoundTarget::new(model, value)).collect()
    }

    #[test]
    fn totals_cover_the_last_day_the_last_week_and_the_span() {
        let data = fetched(&[
            (NOVA_US, Metric::Invocations, 0, 3),
            (NOVA_US, Metric::Invocations, 23, 2),
            (NOVA_US, Metric::Invocations, 24, 10),
            (NOVA_US, Metric::Invocations, 24 * 7, 100),
            (NOVA_US, Metric::InputTokens, 0, 40),
            (NOVA_US, Metric::OutputTokens, 0, 9),
            (NOVA_US, Metric::Throttles, 1, 4),
            (NOVA_US, Metric::ClientErrors, 2, 1),
            (NOVA_US, Metric::ServerErrors, 30, 1),
        ]);
        let report =
            report("default", "us-east-1", &bindings(&[("amazon.nova-pro-v1:0", NOVA_US)]), &data, span("30d"));
        let usage = &report.bindings[0].usage;
        assert_eq!(usage.last_24h.invocations, 5);
        assert_eq!((usage.last_24h.input_tokens, usage.last_24h.output_tokens), (40, 9));
        assert_eq!((usage.last_24h.throttles, usage.last_24h.errors()), (4, 1));
        assert_eq!(usage.last_7d.invocations, 15);
        assert_eq!(usage.last_7d.server_errors, 1);
        assert_eq!(usage.span.invocations, 115);
        assert_eq!(usage.last_call, Some(START + (HOURS as u64 - 1) * HOUR));
        assert!(!report.bindings[0].unused);
        assert_eq!((report.start, report.end), (START, START + HOURS as u64 * HOUR));
    }

    #[test]
    fn a_binding_without_a_call_in_30_days_is_unused_even_in_a_short_report() {
        let data = fetched(&[(NOVA_US, Metric::Invocations, 24 * 29, 1)]);
        let both = bindings(&[("amazon.nova-pro-v1:0", NOVA_US), ("amazon.nova-lite-v1:0", "")]);
        let report = report("default", "us-east-1", &both, &data, span("24h"));
        assert_eq!(report.bindings[0].usage.span.invocations, 0);
        assert!(!report.bindings[0].unused, "a call 29 days ago still counts");
        assert!(report.bindings[1].unused);
        assert_eq!(report.bindings[1].target, "amazon.nova-lite-v1:0", "direct: the model itself");
        assert_eq!(report.unused_after_days, 30);
    }

    #[test]
    fn calls_by_the_profiles_arn_count_for_a_binding_to_its_id_and_the_other_way_round() {
        let data = fetched(&[(NOVA_US, Metric::Invocations, 0, 1), (NOVA_US_ARN, Metric::Invocations, 0, 2)]);
        for target in [NOVA_US, NOVA_US_ARN] {
            let report =
                report("default", "us-east-1", &bindings(&[("amazon.nova-pro-v1:0", target)]), &data, span("7d"));
            assert_eq!(report.bindings[0].usage.span.invocations, 3, "{target}");
            assert_eq!(report.bindings[0].called_as, [NOVA_US_ARN, NOVA_US]);
            assert!(report.unbound.is_empty());
        }
    }

    #[test]
    fn calls_no_binding_makes_are_listed_most_called_first_with_the_binding_they_went_around() {
        let data = fetched(&[
            (NOVA_US, Metric::Invocations, 0, 1),
            ("amazon.nova-pro-v1:0", Metric::Invocations, 0, 2),
            (APP_ARN, Metric::Invocations, 3, 5),
            ("amazon.titan-text-express-v1", Metric::InputTokens, 0, 0),
        ]);
        let report = report("default", "us-east-1", &bindings(&[("amazon.nova-pro-v1:0", NOVA_US)]), &data, span("7d"));
        let listed: Vec<(&str, Option<&str>, u64)> = report
            .unbound
            .iter()
            .map(|u| (u.model_id.as_str(), u.bound_model.as_deref(), u.usage.span.invocations))
            .collect();
        assert_eq!(
            listed,
            [(APP_ARN, None, 5), ("amazon.nova-pro-v1:0", Some("amazon.nova-pro-v1:0"), 2)],
            "the model called by its own id went around its binding; a ModelId without data is left out"
        );
    }

    #[test]
    fn an_application_profile_arn_is_matched_whole() {
        assert_eq!(canonical(APP_ARN), APP_ARN);
        assert_eq!(canonical(NOVA_US_ARN), NOVA_US);
        assert_eq!(
            canonical("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"),
            "amazon.nova-pro-v1:0"
        );
        assert_eq!(canonical(" amazon.nova-pro-v1:0 "), "amazon.nova-pro-v1:0");
        assert_eq!(canonical("arn:not-bedrock"), "arn:not-bedrock");
    }

    #[test]
    fn the_series_has_at_most_48_buckets_counted_back_from_the_newest_hour() {
        assert_eq!(bucket_hours(span("24h")), 1);
        assert_eq!(bucket_hours(span("7d")), 4);
        assert_eq!(bucket_hours(span("30d")), 15);
        assert_eq!(bucket_hours(span("90d")), 45);
        let data = fetched(&[
            (NOVA_US, Metric::Invocations, 0, 1),
            (NOVA_US, Metric::Invocations, 4, 2),
            (NOVA_US, Metric::Invocations, 48, 7),
        ]);
        let week = report("default", "r", &bindings(&[("m", NOVA_US)]), &data, span("7d"));
        assert_eq!(week.bucket_seconds, 4 * HOUR);
        let series = &week.bindings[0].usage.series;
        assert_eq!(series.len(), 42);
        assert_eq!((series[29], &series[40..]), (7, &[2, 1][..]));
        // 50 hours in buckets of 2: 25 buckets, the oldest short.
        let odd = report("default", "r", &bindings(&[("m", NOVA_US)]), &data, span("49h"));
        assert_eq!(odd.bindings[0].usage.series.len(), 25);
        assert_eq!(odd.bindings[0].usage.series[0], 7);
        assert_eq!(odd.bindings[0].usage.series.iter().sum::<u64>(), 10);
    }

    #[test]
    fn the_window_ends_after_the_current_hour_and_covers_30_days_at_least() {
        let now = START + 1800;
        assert_eq!(window(now, span("24h")), (START + HOUR - 30 * 24 * HOUR, 720));
        assert_eq!(window(now, span("90d")), (START + HOUR - 90 * 24 * HOUR, 2160));
    }
}
