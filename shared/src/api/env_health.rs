//! An environment's health: what the server's scheduled check of its bindings last found
//! (`GET /api/v1/envs/{env}/health`), and the events `serve --webhook` posts.
//!
//! The scheduled check is `check`'s (no token is spent), run per environment in its own AWS
//! account and region. A binding is broken when a check failed for a reason that stays (the
//! profile is gone, the model reached its end of life, access was removed); a failure that
//! says nothing about the binding (no credentials, AWS unreachable or throttling) leaves it
//! unchecked instead, so a network blip is not reported as breakage.

use serde::{Deserialize, Serialize};

use super::{ChangeKind, CheckKind};
use crate::aws_failure::AwsFailure;
use crate::promote::BindingChange;

/// How an environment is, as its last check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum HealthStatus {
    /// Every binding passed, and the file has no warning.
    AllGood,
    /// Every binding passed, but the file has warnings (a legacy model, an unknown one, …).
    Warnings,
    /// At least one binding failed a check: calls through it fail.
    Broken,
    /// Not known: not checked yet, checks are off, or AWS could not be asked (no region, no
    /// credentials, unreachable), for some binding or all.
    Unchecked,
}

impl HealthStatus {
    /// The name on the wire (`serde`'s), for attributes and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::AllGood => "all-good",
            HealthStatus::Warnings => "warnings",
            HealthStatus::Broken => "broken",
            HealthStatus::Unchecked => "unchecked",
        }
    }
}

/// A binding a check found broken: what failed, why, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrokenBinding {
    /// The key.
    pub model: String,
    /// The value as written; empty means direct.
    pub profile: String,
    /// Its 1-based line.
    pub line: usize,
    /// The first check that failed.
    pub check: CheckKind,
    /// That check's sentence.
    pub message: String,
    /// Why, what to do, and the fix (`Fix::Bind`) where one is known.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub diagnosis: Option<AwsFailure>,
}

/// How many bindings came out which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct HealthCounts {
    /// The bindings in force.
    pub bindings: usize,
    /// Those that failed a check.
    pub broken: usize,
    /// Those AWS could not be asked about.
    pub unchecked: usize,
    /// The file's warnings.
    pub warnings: usize,
}

/// `GET /api/v1/envs/{env}/health`: the last scheduled check of the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvHealth {
    /// The environment.
    pub env: String,
    /// All good, warnings, broken, or unchecked.
    pub status: HealthStatus,
    /// When it was checked, in milliseconds since the Unix epoch; `None`: not yet.
    #[serde(default)]
    pub checked_at_ms: Option<u64>,
    /// How often the server checks, in seconds; 0: scheduled checks are off.
    #[serde(default)]
    pub interval_secs: u64,
    /// The region checked.
    #[serde(default)]
    pub region: Option<String>,
    /// The counts.
    #[serde(default)]
    pub counts: HealthCounts,
    /// Every broken binding, in key order.
    #[serde(default)]
    pub broken: Vec<BrokenBinding>,
    /// The broken bindings that were not broken at the check before: each is reported here
    /// once, at the check that found it broken.
    #[serde(default)]
    pub newly_broken: Vec<BrokenBinding>,
    /// The file's warnings, each as `LINE:COL: warning[code]: message`.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Why some bindings, or all, could not be checked.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub problem: Option<AwsFailure>,
}

impl EnvHealth {
    /// `env` before any check.
    pub fn unchecked(env: impl Into<String>, interval_secs: u64) -> EnvHealth {
        EnvHealth {
            env: env.into(),
            status: HealthStatus::Unchecked,
            checked_at_ms: None,
            interval_secs,
            region: None,
            counts: HealthCounts::default(),
            broken: Vec::new(),
            newly_broken: Vec::new(),
            warnings: Vec::new(),
            problem: None,
        }
    }
}

/// The bindings a committed change added, changed and removed, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiffSummary {
    /// Bound only after.
    pub added: usize,
    /// Bound before and after, to another value.
    pub changed: usize,
    /// Bound only before.
    pub removed: usize,
}

impl DiffSummary {
    /// The counts of `changes`.
    pub fn of(changes: &[BindingChange]) -> DiffSummary {
        changes.iter().fold(DiffSummary::default(), |mut summary, change| {
            if change.is_added() {
                summary.added += 1;
            } else if change.is_removed() {
                summary.removed += 1;
            } else {
                summary.changed += 1;
            }
            summary
        })
    }
}

/// What `serve --webhook URL` posts, as JSON, tagged by `event`. Every event has a `text`: one
/// sentence for people (chat tools that take incoming webhooks show it as it is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum WebhookEvent {
    /// A check found bindings broken that were not before: the environment became broken,
    /// or more of it broke.
    Broken {
        /// The environment.
        env: String,
        /// One sentence for people.
        text: String,
        /// When it was checked, in milliseconds since the Unix epoch.
        checked_at_ms: u64,
        /// The bindings that broke since the check before, each with its fix.
        newly_broken: Vec<BrokenBinding>,
        /// How many bindings are broken now.
        broken: usize,
    },
    /// An environment that had broken bindings has none any more.
    Healthy {
        /// The environment.
        env: String,
        /// One sentence for people.
        text: String,
        /// When it was checked, in milliseconds since the Unix epoch.
        checked_at_ms: u64,
        /// All good, or warnings.
        status: HealthStatus,
    },
    /// A change was committed.
    Change {
        /// The environment.
        env: String,
        /// One sentence for people.
        text: String,
        /// Its number in the environment's history.
        seq: u64,
        /// When, in milliseconds since the Unix epoch.
        time_ms: u64,
        /// Who made it.
        author: String,
        /// What kind of change.
        kind: ChangeKind,
        /// Why, if the author said.
        #[serde(default)]
        reason: Option<String>,
        /// Who approved it, for a change request on a protected environment.
        #[serde(default)]
        approver: Option<String>,
        /// The bindings it added, changed and removed, counted.
        summary: DiffSummary,
        /// Those bindings, with their values before and after.
        changes: Vec<BindingChange>,
        /// Whether it changed the environment's settings.
        #[serde(default)]
        settings_changed: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_summary_counts_added_changed_and_removed_bindings() {
        let change = |from: Option<&str>, to: Option<&str>| BindingChange {
            model: "a.b".to_owned(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        let changes = [change(None, Some("")), change(Some(""), Some("us.a.b")), change(None, Some("x"))];
        assert_eq!(DiffSummary::of(&changes), DiffSummary { added: 2, changed: 1, removed: 0 });
        assert_eq!(DiffSummary::of(&[change(Some(""), None)]).removed, 1);
    }

    #[test]
    fn a_webhook_event_names_itself_in_its_event_field() {
        let event = WebhookEvent::Healthy {
            env: "prod".to_owned(),
            text: "prod is healthy again".to_owned(),
            checked_at_ms: 1,
            status: HealthStatus::AllGood,
        };
        let json = serde_json::to_value(&event).expect("JSON");
        assert_eq!(json["event"], "healthy");
        assert_eq!(json["status"], "all-good");
        assert_eq!(serde_json::from_value::<WebhookEvent>(json).expect("read back"), event);
    }
}
