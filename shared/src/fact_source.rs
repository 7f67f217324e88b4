//! [`FactSource`]: where a fact about a model or profile comes from, live or offline.

use serde::{Deserialize, Serialize};

use crate::date::CalendarDate;

/// After this many days the embedded catalog is called old when nothing live is cached.
pub const EMBEDDED_CATALOG_STALE_AFTER_DAYS: i64 = 90;

/// Where a catalog entry's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactSource {
    /// Fetched from Bedrock in this region (see `fetched_at`).
    Live,
    /// The offline catalog compiled into the binary (AWS's documentation).
    Offline,
}

/// A live fact's source for people: `live, us-east-1, 5 minutes ago`. `now` and `fetched_at`
/// are seconds since the Unix epoch.
pub fn describe_live(region: &str, fetched_at: u64, now: u64) -> String {
    format!("live, {region}, {}", age(now.saturating_sub(fetched_at)))
}

/// The embedded catalog as a source: `embedded catalog of 2026-12-01`.
pub fn describe_embedded(compiled: Option<CalendarDate>) -> String {
    match compiled {
        Some(date) => format!("embedded catalog of {date}"),
        None => "embedded catalog".to_owned(),
    }
}

/// `just now`, `1 minute ago`, `5 hours ago`, `3 days ago`.
pub fn age(seconds: u64) -> String {
    let (count, unit) = match seconds {
        0..60 => return "just now".to_owned(),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

/// What to tell a user once when the embedded catalog is more than
/// [`EMBEDDED_CATALOG_STALE_AFTER_DAYS`] old and nothing live is cached; `None` otherwise.
/// `live_cached` is asked only for an old catalog, so a caller may look on disk for it.
pub fn stale_embedded_notice(
    compiled: CalendarDate,
    today: CalendarDate,
    live_cached: impl FnOnce() -> bool,
) -> Option<String> {
    let days = today.days_after(compiled);
    (days > EMBEDDED_CATALOG_STALE_AFTER_DAYS && !live_cached()).then(|| {
        format!(
            "the embedded catalog is from {compiled} ({days} days ago) and nothing live is cached; \
             new models and profiles may be missing. Refresh from AWS: `bedrock-binder catalog --live`, \
             or Refresh on the AWS page"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> CalendarDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_live_fact_names_its_region_and_age() {
        assert_eq!(describe_live("us-east-1", 1_000, 1_000 + 5 * 60 + 7), "live, us-east-1, 5 minutes ago");
        assert_eq!(describe_live("eu-west-1", 1_000, 1_030), "live, eu-west-1, just now");
        assert_eq!(age(3_600), "1 hour ago");
        assert_eq!(age(3 * 86_400 + 5), "3 days ago");
    }

    #[test]
    fn the_embedded_catalog_names_its_date() {
        assert_eq!(describe_embedded(Some(date("2026-12-01"))), "embedded catalog of 2026-12-01");
    }

    #[test]
    fn an_embedded_catalog_over_ninety_days_old_is_called_out_only_without_live_data() {
        let compiled = date("2026-12-01");
        assert_eq!(stale_embedded_notice(compiled, date("2027-03-01"), || false), None, "90 days is not over 90");
        let notice = stale_embedded_notice(compiled, date("2027-03-02"), || false).expect("91 days");
        assert!(notice.contains("2026-12-01 (91 days ago)") && notice.contains("catalog --live"), "{notice}");
        assert_eq!(stale_embedded_notice(compiled, date("2027-06-01"), || true), None, "live data answers instead");
    }
}
