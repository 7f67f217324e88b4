//! [`UsageCache`]: what CloudWatch answered, reused for a few minutes.
//!
//! The bindings page asks for one sparkline per row, each its own request; without a cache a
//! page of fifty bindings would read CloudWatch fifty times (GetMetricData is billed per
//! metric read). One fetch reads every binding of the environment, so the rows share it, and
//! a burst of requests waits for the one fetch under way instead of starting its own. A
//! failure is kept for a shorter while, so a page without credentials does not ask AWS once
//! per row either.
//!
//! Each [`crate::aws::Aws`] handle (one per account and region setting) owns one cache, so
//! environments of the same account share what was read, and never another account's.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bedrock_binder_shared::aws_failure::AwsFailure;

use super::aggregate::Fetched;

/// How long a fetch is reused: CloudWatch's Bedrock metrics arrive a minute or more late
/// anyway, and a report is read in hourly sums.
pub const FRESH_FOR: Duration = Duration::from_secs(5 * 60);

/// How long a failed fetch is answered from memory before AWS is asked again.
pub const FAILURE_FRESH_FOR: Duration = Duration::from_secs(30);

/// What one fetch covered and brought back.
#[derive(Debug, Clone)]
struct Entry {
    region: String,
    hours: usize,
    /// The identifiers the fetch was asked for: a later request that wants one more (a
    /// binding added since) cannot be answered from it.
    asked: BTreeSet<String>,
    at: Instant,
    outcome: Result<Arc<Fetched>, AwsFailure>,
}

impl Entry {
    fn answers(&self, region: &str, hours: usize, wanted: &BTreeSet<String>, now: Instant) -> bool {
        let fresh_for = if self.outcome.is_ok() { FRESH_FOR } else { FAILURE_FRESH_FOR };
        self.region == region
            && self.hours == hours
            && wanted.is_subset(&self.asked)
            && now.saturating_duration_since(self.at) < fresh_for
    }
}

/// Recent fetches, by region and number of hours.
#[derive(Debug, Default)]
pub struct UsageCache {
    /// An async mutex held while CloudWatch is read, so concurrent requests make one fetch.
    entries: tokio::sync::Mutex<Vec<Entry>>,
}

impl UsageCache {
    /// A recent fetch of `hours` hours in `region` that asked for every identifier in
    /// `wanted`, or else the outcome of `fetch`, kept for the next requests.
    pub async fn get_or_fetch<F>(
        &self,
        region: &str,
        hours: usize,
        wanted: &BTreeSet<String>,
        fetch: F,
    ) -> Result<Arc<Fetched>, AwsFailure>
    where
        F: Future<Output = Result<Fetched, AwsFailure>>,
    {
        let mut entries = self.entries.lock().await;
        let now = Instant::now();
        if let Some(entry) = entries.iter().find(|entry| entry.answers(region, hours, wanted, now)) {
            return entry.outcome.clone();
        }
        let outcome = fetch.await.map(Arc::new);
        entries.retain(|entry| !(entry.region == region && entry.hours == hours));
        entries.push(Entry {
            region: region.to_owned(),
            hours,
            asked: wanted.clone(),
            at: Instant::now(),
            outcome: outcome.clone(),
        });
        outcome
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn fetched() -> Fetched {
        Fetched { start: 0, hours: 720, fetched_at: 0, series: BTreeMap::new() }
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[tokio::test]
    async fn a_second_request_for_the_same_or_fewer_identifiers_reuses_the_fetch() {
        let cache = UsageCache::default();
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(fetched())
        };
        cache.get_or_fetch("us-east-1", 720, &set(&["a", "b"]), fetch()).await.unwrap();
        cache.get_or_fetch("us-east-1", 720, &set(&["a"]), fetch()).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A new binding's target, another region or another span: fetched anew.
        cache.get_or_fetch("us-east-1", 720, &set(&["a", "c"]), fetch()).await.unwrap();
        cache.get_or_fetch("us-west-2", 720, &set(&["a"]), fetch()).await.unwrap();
        cache.get_or_fetch("us-east-1", 2160, &set(&["a"]), fetch()).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_failure_is_answered_again_without_asking_aws() {
        let cache = UsageCache::default();
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AwsFailure::no_credentials(None))
        };
        let first = cache.get_or_fetch("us-east-1", 720, &set(&[]), fetch()).await;
        let second = cache.get_or_fetch("us-east-1", 720, &set(&[]), fetch()).await;
        assert!(first.is_err() && second.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn concurrent_requests_wait_for_the_one_fetch_under_way() {
        let cache = Arc::new(UsageCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let requests = (0..8).map(|_| {
            let (cache, calls) = (cache.clone(), calls.clone());
            tokio::spawn(async move {
                let fetch = async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok(fetched())
                };
                cache.get_or_fetch("us-east-1", 720, &set(&["a"]), fetch).await.map(|_| ())
            })
        });
        for request in requests.collect::<Vec<_>>() {
            request.await.unwrap().unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
