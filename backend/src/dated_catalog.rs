//! [`DatedCatalog`]: the model catalog evaluated on today's date, so lifecycle (legacy, end of
//! life) follows the calendar rather than the day the catalog was compiled.
//!
//! `shared` has no clock (it runs in the browser too); the server and the CLI give it one here.
//! A server runs for weeks, so the evaluation is redone when the date changes, once, not per
//! request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::date::CalendarDate;

/// Today's date in UTC, from the system clock.
pub fn today() -> CalendarDate {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    CalendarDate::from_unix_seconds(seconds)
}

/// The day a catalog was evaluated on, and the result.
type Evaluated = Option<(CalendarDate, Arc<Catalog>)>;

/// A catalog and the clock it is evaluated against. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct DatedCatalog {
    base: &'static Catalog,
    clock: fn() -> CalendarDate,
    current: Arc<Mutex<Evaluated>>,
}

impl std::fmt::Debug for DatedCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatedCatalog").field("models", &self.base.models().len()).finish_non_exhaustive()
    }
}

impl DatedCatalog {
    /// `base` evaluated on the system clock's date.
    pub fn new(base: &'static Catalog) -> DatedCatalog {
        DatedCatalog::with_clock(base, today)
    }

    /// `base` evaluated on the dates `clock` gives (tests fix the date).
    pub fn with_clock(base: &'static Catalog, clock: fn() -> CalendarDate) -> DatedCatalog {
        DatedCatalog { base, clock, current: Arc::new(Mutex::new(None)) }
    }

    /// The catalog as of today.
    pub fn current(&self) -> Arc<Catalog> {
        let today = (self.clock)();
        // A panic while the lock was held leaves at worst a stale entry, which is replaced below.
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        match current.as_ref() {
            Some((date, catalog)) if *date == today => Arc::clone(catalog),
            _ => {
                let catalog = Arc::new(self.base.clone().on(today));
                *current = Some((today, Arc::clone(&catalog)));
                catalog
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::catalog::Lifecycle;

    use super::*;

    const OPUS_4_1: &str = "anthropic.claude-opus-4-1-20250805-v1:0";

    #[test]
    fn a_model_reads_as_end_of_life_once_the_clock_passes_its_date() {
        let before = DatedCatalog::with_clock(Catalog::embedded(), || "2027-01-07".parse().expect("date"));
        let after = DatedCatalog::with_clock(Catalog::embedded(), || "2027-01-08".parse().expect("date"));
        assert_eq!(before.current().lifecycle_of(OPUS_4_1), Some(Lifecycle::Legacy));
        assert_eq!(after.current().lifecycle_of(OPUS_4_1), Some(Lifecycle::Eol));
    }

    #[test]
    fn the_same_day_reuses_one_evaluation() {
        let catalog = DatedCatalog::new(Catalog::embedded());
        assert!(Arc::ptr_eq(&catalog.current(), &catalog.current()));
    }

    #[test]
    fn the_system_clock_gives_a_date_after_the_catalog_was_compiled() {
        let compiled = Catalog::embedded().today().expect("the embedded catalog has a compile date");
        assert!(today() >= compiled, "{today:?} < {compiled:?}", today = today());
    }
}
