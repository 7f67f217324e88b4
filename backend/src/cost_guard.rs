//! [`CostGuard`]: what test invocations through the server may spend. Three limits, each
//! optional: test calls per user per minute, and tokens per UTC day for the whole server and
//! for each environment. A call over a limit is refused before it reaches Bedrock.
//!
//! The day's token counts are kept in a file (replaced atomically after every call), so a
//! restart does not hand out a fresh budget. Before a call, its `maxTokens` must still fit in
//! what is left; after it, the tokens it really used (input and output) are counted.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bedrock_binder_shared::date::CalendarDate;
use bedrock_binder_shared::env_name::EnvName;
use serde::{Deserialize, Serialize};

use crate::store::replace_file;

/// The window of the per-user rate limit.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// The limits; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CostLimits {
    /// Test invocations per user per minute.
    pub calls_per_user_per_minute: Option<u32>,
    /// Tokens per UTC day, over the whole server.
    pub server_daily_tokens: Option<u64>,
    /// Tokens per UTC day, for each environment.
    pub env_daily_tokens: Option<u64>,
}

/// Why a call was refused: which limit, and when it resets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A sentence naming the limit, what is used and when it resets.
    pub message: String,
    /// Seconds until the limit lets a call through again.
    pub retry_after_secs: u64,
}

/// The day's counts as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Usage {
    /// The UTC day, `2026-12-02`.
    day: String,
    /// Tokens used by the whole server that day.
    server_tokens: u64,
    /// Tokens used per environment that day.
    env_tokens: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
struct GuardState {
    usage: Usage,
    /// Each user's recent calls, oldest first.
    recent: HashMap<String, VecDeque<Instant>>,
}

/// The limits and what has been used against them.
#[derive(Debug)]
pub struct CostGuard {
    limits: CostLimits,
    /// Where the day's counts are kept (`None`: in memory only, for tests of other things).
    file: Option<PathBuf>,
    state: Mutex<GuardState>,
}

impl Default for CostGuard {
    fn default() -> Self {
        CostGuard::new(CostLimits::default(), None)
    }
}

/// The UTC day now, and the seconds until it ends.
fn today_and_rest() -> (String, u64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    (CalendarDate::from_unix_seconds(now).to_string(), 86_400 - now % 86_400)
}

impl CostGuard {
    /// A guard with `limits`, its day's counts read from `file` if it has today's.
    pub fn new(limits: CostLimits, file: Option<PathBuf>) -> CostGuard {
        let usage = file
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice::<Usage>(&bytes).ok())
            .unwrap_or_default();
        CostGuard { limits, file, state: Mutex::new(GuardState { usage, recent: HashMap::new() }) }
    }

    /// The limits.
    pub fn limits(&self) -> CostLimits {
        self.limits
    }

    /// Lets a call by `user` in `env` asking for up to `max_tokens` through, counting it against
    /// the rate limit, or says which limit refuses it.
    pub fn admit(&self, user: &str, env: &EnvName, max_tokens: u32) -> Result<(), Refusal> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (today, rest_of_day) = today_and_rest();
        if state.usage.day != today {
            state.usage = Usage { day: today, ..Usage::default() };
        }
        let wanted = u64::from(max_tokens);
        if let Some(budget) = self.limits.server_daily_tokens
            && state.usage.server_tokens + wanted > budget
        {
            return Err(Refusal {
                message: format!(
                    "the server's daily token budget is spent: {} of {budget} tokens used today, and this call may use {wanted}; it resets at 00:00 UTC, in {}",
                    state.usage.server_tokens,
                    duration_text(rest_of_day)
                ),
                retry_after_secs: rest_of_day,
            });
        }
        let env_used = state.usage.env_tokens.get(env.as_str()).copied().unwrap_or(0);
        if let Some(budget) = self.limits.env_daily_tokens
            && env_used + wanted > budget
        {
            return Err(Refusal {
                message: format!(
                    "the daily token budget of `{env}` is spent: {env_used} of {budget} tokens used today, and this call may use {wanted}; it resets at 00:00 UTC, in {}",
                    duration_text(rest_of_day)
                ),
                retry_after_secs: rest_of_day,
            });
        }
        if let Some(limit) = self.limits.calls_per_user_per_minute {
            let now = Instant::now();
            let recent = state.recent.entry(user.to_owned()).or_default();
            while recent.front().is_some_and(|at| now.duration_since(*at) >= RATE_WINDOW) {
                recent.pop_front();
            }
            if recent.len() >= limit as usize {
                let wait = recent.front().map_or(RATE_WINDOW, |oldest| RATE_WINDOW - now.duration_since(*oldest));
                let retry_after_secs = wait.as_secs().max(1);
                return Err(Refusal {
                    message: format!(
                        "`{user}` has made {limit} test calls in the last minute, the most allowed; the next is allowed in {}",
                        duration_text(retry_after_secs)
                    ),
                    retry_after_secs,
                });
            }
            recent.push_back(now);
        }
        Ok(())
    }

    /// Counts `tokens` used by a call in `env`, and stores the day's counts.
    pub fn record(&self, env: &EnvName, tokens: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (today, _) = today_and_rest();
        if state.usage.day != today {
            state.usage = Usage { day: today, ..Usage::default() };
        }
        state.usage.server_tokens += tokens;
        *state.usage.env_tokens.entry(env.to_string()).or_default() += tokens;
        if let Some(path) = &self.file {
            let mut bytes = serde_json::to_vec_pretty(&state.usage).unwrap_or_default();
            bytes.push(b'\n');
            if let Err(error) = replace_file(path, &bytes) {
                tracing::error!(path = %path.display(), "cannot store the token counts: {error}");
            }
        }
    }
}

/// `3 h 12 min`, `45 s`.
fn duration_text(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{} h {} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> EnvName {
        name.parse().expect("name")
    }

    #[test]
    fn each_limit_refuses_with_its_own_sentence() {
        let limits = CostLimits {
            calls_per_user_per_minute: Some(2),
            server_daily_tokens: Some(1_000),
            env_daily_tokens: Some(300),
        };
        let guard = CostGuard::new(limits, None);
        guard.admit("ana", &env("dev"), 100).expect("first");
        guard.admit("ana", &env("dev"), 100).expect("second");
        let rate = guard.admit("ana", &env("dev"), 100).expect_err("third in a minute");
        assert!(rate.message.contains("test calls in the last minute"), "{}", rate.message);
        guard.record(&env("dev"), 250);
        let env_budget = guard.admit("bo", &env("dev"), 100).expect_err("dev's budget");
        assert!(env_budget.message.contains("budget of `dev`") && env_budget.message.contains("250 of 300"));
        guard.record(&env("prod"), 700);
        let server = guard.admit("bo", &env("prod"), 100).expect_err("the server's budget");
        assert!(server.message.contains("server's daily token budget") && server.retry_after_secs > 0);
    }

    #[test]
    fn the_days_counts_survive_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("usage.json");
        let limits = CostLimits { server_daily_tokens: Some(100), ..CostLimits::default() };
        CostGuard::new(limits, Some(file.clone())).record(&env("dev"), 90);
        let restarted = CostGuard::new(limits, Some(file));
        assert!(restarted.admit("ana", &env("dev"), 20).is_err(), "90 used before the restart still count");
        assert!(restarted.admit("ana", &env("dev"), 10).is_ok());
    }
}
