//! The scheduled health check: every environment's bindings checked against AWS on a
//! schedule (`serve --health-interval`, every 6 hours by default, off with `0`), and the
//! webhook (`serve --webhook URL`) told when one breaks, is healthy again, or changes.
//!
//! | module | what |
//! |---|---|
//! | [`assess`] | what a check means: broken, newly broken (reported once), status, events |
//! | [`committed`] | a store that tells a hook of every committed change |
//! | [`webhook`] | the events posted off the request path, through a bounded queue |
//!
//! The check is `check`'s ([`Aws::check`]): control-plane reads only, never a model, so no
//! token is spent. Each environment is checked in its own account and region
//! ([`Aws::scoped`] with its settings' profile and region), one environment at a time.
//!
//! What the checks found lives in this server's memory ([`HealthBoard`]): after a restart
//! the first check reports what is broken as newly broken. Several servers sharing one S3
//! store each check on their own and each posts its own events; the checks only read, so
//! that costs AWS calls and duplicate events, never a wrong answer.

mod assess;
pub mod committed;
pub mod webhook;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_binder_shared::api::{EnvHealth, WebhookEvent};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Document, Severity};
use tokio::time::MissedTickBehavior;

use self::assess::{Checked, Record, assess};
use self::webhook::Webhook;
use crate::aws::Aws;
use crate::dated_catalog::DatedCatalog;
use crate::envs::Environments;
use crate::storage::{StorageError, StoredEnv};

/// How often the scheduled check runs: `90s`, `15m`, `6h` or `1d`; `0` turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthInterval(Duration);

impl HealthInterval {
    /// Off: no scheduled check.
    pub const OFF: HealthInterval = HealthInterval(Duration::ZERO);

    /// Every `period` (zero: off).
    pub fn every(period: Duration) -> HealthInterval {
        HealthInterval(period)
    }

    /// The period, unless the check is off.
    pub fn period(self) -> Option<Duration> {
        (!self.0.is_zero()).then_some(self.0)
    }
}

impl Default for HealthInterval {
    /// Every 6 hours.
    fn default() -> Self {
        HealthInterval(Duration::from_secs(6 * 3600))
    }
}

impl FromStr for HealthInterval {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text == "0" {
            return Ok(HealthInterval::OFF);
        }
        let unit_at = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(unit_at);
        let seconds_per = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => {
                return Err(format!(
                    "`{text}` is not an interval; give a number and a unit, such as 90s, 15m, 6h or 1d, or 0 for off"
                ));
            }
        };
        let number: u64 = number.parse().map_err(|_| format!("`{text}` does not start with a whole number"))?;
        Ok(HealthInterval(Duration::from_secs(number.saturating_mul(seconds_per))))
    }
}

/// As it is written on the command line: `6h`, `90s`, `0`.
impl fmt::Display for HealthInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs();
        match [(86_400, "d"), (3600, "h"), (60, "m")]
            .into_iter()
            .find(|(per, _)| seconds > 0 && seconds.is_multiple_of(*per))
        {
            Some((per, unit)) => write!(f, "{}{unit}", seconds / per),
            None if seconds == 0 => f.write_str("0"),
            None => write!(f, "{seconds}s"),
        }
    }
}

/// What the last check of each environment found. The `GET /api/v1/envs/{env}/health` route
/// reads it; the scheduler writes it.
#[derive(Debug)]
pub struct HealthBoard {
    interval: HealthInterval,
    records: Mutex<HashMap<EnvName, Record>>,
}

impl Default for HealthBoard {
    /// A board no scheduler writes: checks off.
    fn default() -> Self {
        HealthBoard::new(HealthInterval::OFF)
    }
}

impl HealthBoard {
    /// An empty board for checks every `interval`.
    pub fn new(interval: HealthInterval) -> HealthBoard {
        HealthBoard { interval, records: Mutex::default() }
    }

    /// How often the checks run.
    pub fn interval(&self) -> HealthInterval {
        self.interval
    }

    /// The last check of `env` (unchecked before the first).
    pub fn health(&self, env: &EnvName) -> EnvHealth {
        match self.records().get(env) {
            Some(record) => record.health.clone(),
            None => EnvHealth::unchecked(env.to_string(), self.interval.0.as_secs()),
        }
    }

    /// Keeps `checked` as `env`'s last check; the events it calls for.
    fn record(&self, env: &EnvName, checked: Checked) -> Vec<WebhookEvent> {
        let mut records = self.records();
        let (record, events) = assess(records.get(env), checked);
        records.insert(env.clone(), record);
        events
    }

    /// Forgets the environments not in `envs` (deleted).
    fn retain(&self, envs: &[EnvName]) {
        self.records().retain(|env, _| envs.contains(env));
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<EnvName, Record>> {
        // A panic while the lock was held leaves at worst one environment's last check stale.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The scheduled check: what it reads, where it writes, whom it tells.
pub struct Scheduler {
    /// The environments.
    pub envs: Environments,
    /// The server's AWS, scoped per environment.
    pub aws: Aws,
    /// The catalog the files' warnings come from.
    pub catalog: DatedCatalog,
    /// Where the results go.
    pub board: Arc<HealthBoard>,
    /// Told of breakage and recovery.
    pub webhook: Option<Webhook>,
}

impl Scheduler {
    /// Checks every environment now, then once per interval, on the current tokio runtime
    /// until it stops; nothing if the checks are off.
    pub fn spawn(self) {
        let Some(period) = self.board.interval().period() else { return };
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            // A round longer than the period starts the next one a period after it ends, not
            // at once.
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                self.check_all().await;
            }
        });
    }

    /// One round: every environment, one after the other.
    pub async fn check_all(&self) {
        let envs = self.envs.clone();
        let names = match blocking(move || envs.storage().list()).await {
            Ok(names) => names,
            Err(error) => {
                tracing::warn!(%error, "health check: cannot list the environments");
                return;
            }
        };
        self.board.retain(&names);
        for env in names {
            let checked = match self.check(&env).await {
                Ok(checked) => checked,
                // Deleted since the list: the next round no longer lists it.
                Err(StorageError::NotFound { .. }) => continue,
                Err(error) => {
                    tracing::warn!(%env, %error, "health check: cannot read the environment");
                    continue;
                }
            };
            for event in self.board.record(&env, checked) {
                tracing::info!(%env, event = webhook::name(&event), "health check: environment changed health");
                if let Some(webhook) = &self.webhook {
                    webhook.send(event);
                }
            }
        }
    }

    /// One environment, in its own account and region.
    async fn check(&self, env: &EnvName) -> Result<Checked, StorageError> {
        let (envs, name) = (self.envs.clone(), env.clone());
        let stored: StoredEnv = blocking(move || envs.read(&name)).await?;
        let document = Document::parse(&stored.text);
        let catalog = self.catalog.current();
        let warnings = validate(&document, &catalog)
            .into_iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Warning)
            .map(|diagnostic| diagnostic.header())
            .collect();
        let aws = self.aws.scoped(stored.settings.aws_profile.clone(), stored.settings.region.clone());
        let report = match aws.region_or_default(None).await {
            Ok(region) => Ok(aws.check(&document, &region, &[]).await),
            Err(problem) => Err(problem),
        };
        Ok(Checked {
            env: env.to_string(),
            at_ms: now_ms(),
            interval_secs: self.board.interval().0.as_secs(),
            report,
            warnings,
        })
    }
}

/// Runs a blocking store call on the blocking pool; a panic in it reads as the store failing.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| Err(StorageError::Unsupported(format!("the store call stopped: {error}"))))
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_a_number_and_a_unit_or_zero_for_off() {
        assert_eq!("6h".parse::<HealthInterval>(), Ok(HealthInterval::default()));
        assert_eq!("90s".parse::<HealthInterval>().map(HealthInterval::period), Ok(Some(Duration::from_secs(90))));
        assert_eq!("15m".parse::<HealthInterval>().map(HealthInterval::period), Ok(Some(Duration::from_secs(900))));
        assert_eq!("1d".parse::<HealthInterval>().map(HealthInterval::period), Ok(Some(Duration::from_secs(86_400))));
        assert_eq!("0".parse::<HealthInterval>().map(HealthInterval::period), Ok(None));
        assert!("6".parse::<HealthInterval>().expect_err("no unit").contains("90s, 15m, 6h"));
        assert!("h".parse::<HealthInterval>().is_err());
        assert!("6 hours".parse::<HealthInterval>().is_err());
        for written in ["6h", "90s", "15m", "1d", "0"] {
            assert_eq!(written.parse::<HealthInterval>().map(|interval| interval.to_string()).as_deref(), Ok(written));
        }
    }

    #[test]
    fn an_environment_never_checked_reads_as_unchecked_with_the_interval() {
        let board = HealthBoard::new(HealthInterval::every(Duration::from_secs(60)));
        let health = board.health(&EnvName::default());
        assert_eq!(health.status, bedrock_binder_shared::api::HealthStatus::Unchecked);
        assert_eq!((health.checked_at_ms, health.interval_secs), (None, 60));
    }
}
