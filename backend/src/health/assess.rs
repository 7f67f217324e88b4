//! What one check of an environment means: which bindings are broken, which of them broke
//! since the check before (each reported once), the status, and the webhook events it calls
//! for. Pure, so it is tested without AWS.

use std::collections::BTreeSet;

use bedrock_binder_shared::api::{
    BindingCheck, BrokenBinding, CheckResponse, CheckStatus, EnvHealth, HealthStatus, WebhookEvent,
};
use bedrock_binder_shared::aws_failure::{AwsFailure, AwsFailureCode};

/// A binding as the memory of breakage knows it: its key and its value. Rebinding a broken
/// key to another broken value is a new breakage.
type BindingKey = (String, String);

/// What the board keeps of an environment between checks.
#[derive(Debug, Clone)]
pub(super) struct Record {
    /// The last check, as the route answers it.
    pub(super) health: EnvHealth,
    /// The bindings known broken: broken at the last check, or broken before it and not
    /// checkable since (a throttled check does not make a binding new again).
    known_broken: BTreeSet<BindingKey>,
}

/// One check of one environment, as made.
#[derive(Debug)]
pub(super) struct Checked {
    /// The environment.
    pub(super) env: String,
    /// When, in milliseconds since the Unix epoch.
    pub(super) at_ms: u64,
    /// How often checks run, in seconds.
    pub(super) interval_secs: u64,
    /// The report, or why no check could be made at all (no region).
    pub(super) report: Result<CheckResponse, AwsFailure>,
    /// The file's warnings, as one line each.
    pub(super) warnings: Vec<String>,
}

/// The record `checked` makes after `previous`, and the events to post.
pub(super) fn assess(previous: Option<&Record>, checked: Checked) -> (Record, Vec<WebhookEvent>) {
    let was_broken = previous.map(|record| record.known_broken.clone()).unwrap_or_default();
    let mut health = EnvHealth::unchecked(checked.env, checked.interval_secs);
    health.checked_at_ms = Some(checked.at_ms);
    health.counts.warnings = checked.warnings.len();
    health.warnings = checked.warnings;
    let known_broken = match checked.report {
        Err(problem) => {
            // Nothing was learnt about any binding: what was broken is still taken to be.
            health.problem = Some(problem);
            was_broken.clone()
        }
        Ok(report) => {
            health.region = Some(report.region);
            health.counts.bindings = report.bindings.len();
            let mut known = BTreeSet::new();
            for binding in report.bindings.into_iter().filter(|binding| !binding.ok) {
                let key = (binding.model.clone(), binding.profile.clone());
                if says_nothing_about_the_binding(binding.diagnosis.as_ref()) {
                    health.counts.unchecked += 1;
                    health.problem = health.problem.or(binding.diagnosis);
                    if was_broken.contains(&key) {
                        known.insert(key);
                    }
                } else {
                    let broken = broken_binding(binding);
                    if !was_broken.contains(&key) {
                        health.newly_broken.push(broken.clone());
                    }
                    health.broken.push(broken);
                    known.insert(key);
                }
            }
            health.counts.broken = health.broken.len();
            known
        }
    };
    health.status = if !health.broken.is_empty() {
        HealthStatus::Broken
    } else if health.problem.is_some() {
        HealthStatus::Unchecked
    } else if !health.warnings.is_empty() {
        HealthStatus::Warnings
    } else {
        HealthStatus::AllGood
    };
    let events = events(&health, !was_broken.is_empty() && known_broken.is_empty());
    (Record { health, known_broken }, events)
}

/// A failure that is about the caller or the network, not the binding: the binding is neither
/// broken nor fine as far as anyone knows.
fn says_nothing_about_the_binding(diagnosis: Option<&AwsFailure>) -> bool {
    diagnosis.is_some_and(|diagnosis| {
        diagnosis.retryable
            || matches!(
                diagnosis.code,
                AwsFailureCode::NoCredentials
                    | AwsFailureCode::ExpiredCredentials
                    | AwsFailureCode::InvalidCredentials
                    | AwsFailureCode::NoRegion
                    | AwsFailureCode::Unreachable
            )
    })
}

fn broken_binding(binding: BindingCheck) -> BrokenBinding {
    let failed = binding.checks.into_iter().find(|item| item.status == CheckStatus::Fail);
    let (check, message) = match failed {
        Some(item) => (item.check, item.message),
        // `ok` is false only when a check failed; this keeps the type honest without a panic.
        None => (bedrock_binder_shared::api::CheckKind::WellFormed, "a check failed".to_owned()),
    };
    BrokenBinding {
        model: binding.model,
        profile: binding.profile,
        line: binding.line,
        check,
        message,
        diagnosis: binding.diagnosis,
    }
}

/// `broken` when bindings broke since the check before; `healthy` when an environment that
/// had broken bindings (`recovered`) is all good or only warns.
fn events(health: &EnvHealth, recovered: bool) -> Vec<WebhookEvent> {
    let env = health.env.clone();
    let checked_at_ms = health.checked_at_ms.unwrap_or_default();
    let mut events = Vec::new();
    if !health.newly_broken.is_empty() {
        let described: Vec<String> = health.newly_broken.iter().map(describe).collect();
        events.push(WebhookEvent::Broken {
            text: format!("{env}: {} broke since the last check: {}", plural(described.len()), described.join("; ")),
            env: env.clone(),
            checked_at_ms,
            newly_broken: health.newly_broken.clone(),
            broken: health.broken.len(),
        });
    }
    if recovered && matches!(health.status, HealthStatus::AllGood | HealthStatus::Warnings) {
        events.push(WebhookEvent::Healthy {
            text: format!("{env} has no broken binding any more"),
            env,
            checked_at_ms,
            status: health.status,
        });
    }
    events
}

/// `model=value (line N): why. Fix: bind model to P`.
fn describe(broken: &BrokenBinding) -> String {
    let mut text = format!("{}={} (line {}): {}", broken.model, broken.profile, broken.line, broken.message);
    if let Some(bedrock_binder_shared::aws_failure::Fix::Bind { model, profile }) =
        broken.diagnosis.as_ref().and_then(|diagnosis| diagnosis.fix.as_ref())
    {
        text.push_str(&format!(". Fix: bind {model} to {profile}"));
    }
    text
}

fn plural(count: usize) -> String {
    if count == 1 { "1 binding".to_owned() } else { format!("{count} bindings") }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::{CheckItem, CheckKind};
    use bedrock_binder_shared::aws_failure::Fix;

    use super::*;

    const NOVA: &str = "amazon.nova-pro-v1:0";
    const NOVA_US: &str = "us.amazon.nova-pro-v1:0";

    fn binding(model: &str, profile: &str, failure: Option<AwsFailure>) -> BindingCheck {
        let status = if failure.is_some() { CheckStatus::Fail } else { CheckStatus::Pass };
        BindingCheck {
            model: model.to_owned(),
            profile: profile.to_owned(),
            line: 1,
            ok: failure.is_none(),
            checks: vec![CheckItem { check: CheckKind::ProfileExists, status, message: "m".to_owned() }],
            diagnosis: failure,
        }
    }

    fn gone() -> AwsFailure {
        AwsFailure::new(AwsFailureCode::InvalidModelIdentifier, "gone", "rebind")
            .with_fix(Some(Fix::Bind { model: NOVA.to_owned(), profile: "global.amazon.nova-pro-v1:0".to_owned() }))
    }

    fn checked(bindings: Vec<BindingCheck>) -> Checked {
        Checked {
            env: "prod".to_owned(),
            at_ms: 1_000,
            interval_secs: 60,
            report: Ok(CheckResponse { region: "us-east-1".to_owned(), ok: false, bindings }),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_binding_that_breaks_is_newly_broken_once_and_then_only_broken() {
        let (first, events) = assess(None, checked(vec![binding(NOVA, NOVA_US, None)]));
        assert_eq!(first.health.status, HealthStatus::AllGood);
        assert!(events.is_empty());

        let (second, events) = assess(Some(&first), checked(vec![binding(NOVA, NOVA_US, Some(gone()))]));
        assert_eq!(second.health.status, HealthStatus::Broken);
        assert_eq!(second.health.newly_broken.len(), 1);
        assert!(matches!(&events[..], [WebhookEvent::Broken { broken: 1, text, .. }]
            if text.contains("Fix: bind amazon.nova-pro-v1:0 to global.amazon.nova-pro-v1:0")));

        let (third, events) = assess(Some(&second), checked(vec![binding(NOVA, NOVA_US, Some(gone()))]));
        assert_eq!((third.health.status, third.health.counts.broken), (HealthStatus::Broken, 1));
        assert!(third.health.newly_broken.is_empty(), "reported once");
        assert!(events.is_empty());

        let (fourth, events) = assess(Some(&third), checked(vec![binding(NOVA, "global.amazon.nova-pro-v1:0", None)]));
        assert_eq!(fourth.health.status, HealthStatus::AllGood);
        assert!(matches!(&events[..], [WebhookEvent::Healthy { status: HealthStatus::AllGood, .. }]));
    }

    #[test]
    fn a_throttled_check_leaves_a_binding_unchecked_and_does_not_make_its_breakage_new_again() {
        let (broken, _) = assess(None, checked(vec![binding(NOVA, NOVA_US, Some(gone()))]));
        let throttled = AwsFailure::new(AwsFailureCode::Throttled, "slow down", "wait").with_fix(None);
        let throttled = AwsFailure { retryable: true, ..throttled };
        let (blip, events) = assess(Some(&broken), checked(vec![binding(NOVA, NOVA_US, Some(throttled))]));
        assert_eq!((blip.health.status, blip.health.counts.unchecked), (HealthStatus::Unchecked, 1));
        assert!(events.is_empty(), "neither broken anew nor healthy: {events:?}");
        let (again, events) = assess(Some(&blip), checked(vec![binding(NOVA, NOVA_US, Some(gone()))]));
        assert!(again.health.newly_broken.is_empty() && events.is_empty());
    }

    #[test]
    fn a_check_that_could_not_run_keeps_what_was_known_and_says_why() {
        let (broken, _) = assess(None, checked(vec![binding(NOVA, NOVA_US, Some(gone()))]));
        let no_region = Checked { report: Err(AwsFailure::no_region()), ..checked(Vec::new()) };
        let (unknown, events) = assess(Some(&broken), no_region);
        assert_eq!(unknown.health.status, HealthStatus::Unchecked);
        assert_eq!(unknown.health.problem.map(|p| p.code), Some(AwsFailureCode::NoRegion));
        assert!(events.is_empty(), "not healthy again: nothing was learnt");
    }

    #[test]
    fn warnings_alone_make_the_warnings_status() {
        let with_warning =
            Checked { warnings: vec!["1:1: warning[legacy-model]: …".to_owned()], ..checked(Vec::new()) };
        let (record, _) = assess(None, with_warning);
        assert_eq!((record.health.status, record.health.counts.warnings), (HealthStatus::Warnings, 1));
    }
}
