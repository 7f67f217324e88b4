//! The Environments page's health column in words: the badge of an environment's last
//! scheduled check, when it ran, and each broken binding with its fix.

use bedrock_binder_shared::api::{BrokenBinding, EnvHealth, HealthStatus};
use bedrock_binder_shared::aws_failure::Fix;

use super::envs::time_text;

/// The badge's words, and its class (`ok`, `warn`, `bad`, or none for "not known").
pub fn health_badge(health: &EnvHealth) -> (String, &'static str) {
    let counted = |count: usize, what: &str| format!("{count} {what}{}", if count == 1 { "" } else { "s" });
    match health.status {
        HealthStatus::AllGood => ("all good".to_owned(), "ok"),
        HealthStatus::Warnings => (counted(health.counts.warnings, "warning"), "warn"),
        HealthStatus::Broken => (format!("{} broken", health.counts.broken), "bad"),
        HealthStatus::Unchecked if health.checked_at_ms.is_some() => ("could not check".to_owned(), "warn"),
        HealthStatus::Unchecked if health.interval_secs == 0 => ("checks off".to_owned(), ""),
        HealthStatus::Unchecked => ("not checked yet".to_owned(), ""),
    }
}

/// What the badge's tooltip says: why it could not check, or the warnings.
pub fn health_details(health: &EnvHealth) -> String {
    match &health.problem {
        Some(problem) => format!("{} {}", problem.explanation, problem.remedy),
        None => health.warnings.join("\n"),
    }
}

/// `checked 2026-11-23 14:05 UTC`, once checked.
pub fn checked_text(health: &EnvHealth) -> Option<String> {
    health.checked_at_ms.map(|ms| format!("checked {}", time_text(ms)))
}

/// A broken binding in one line, with what to do: `amazon.nova-pro-v1:0 (line 2): us-east-1
/// has no profile `…`. Fix: bind it to `global.…`.`
pub fn broken_text(broken: &BrokenBinding) -> String {
    let mut text = format!("{} (line {}): {}.", broken.model, broken.line, broken.message);
    if let Some(diagnosis) = &broken.diagnosis {
        match &diagnosis.fix {
            Some(Fix::Bind { profile, .. }) => text.push_str(&format!(" Fix: bind it to {profile}.")),
            None => text.push_str(&format!(" {}", diagnosis.remedy)),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::{CheckKind, HealthCounts};
    use bedrock_binder_shared::aws_failure::{AwsFailure, AwsFailureCode};

    use super::*;

    fn health(status: HealthStatus, checked: bool) -> EnvHealth {
        EnvHealth {
            status,
            checked_at_ms: checked.then_some(1_795_442_700_000),
            counts: HealthCounts { bindings: 3, broken: 2, unchecked: 0, warnings: 1 },
            ..EnvHealth::unchecked("prod", 3600)
        }
    }

    #[test]
    fn the_badge_says_all_good_the_warnings_or_the_broken_count() {
        assert_eq!(health_badge(&health(HealthStatus::AllGood, true)), ("all good".to_owned(), "ok"));
        assert_eq!(health_badge(&health(HealthStatus::Warnings, true)), ("1 warning".to_owned(), "warn"));
        assert_eq!(health_badge(&health(HealthStatus::Broken, true)), ("2 broken".to_owned(), "bad"));
        assert_eq!(health_badge(&health(HealthStatus::Unchecked, false)).0, "not checked yet");
        assert_eq!(health_badge(&health(HealthStatus::Unchecked, true)).0, "could not check");
        let off = EnvHealth::unchecked("prod", 0);
        assert_eq!(health_badge(&off).0, "checks off");
        assert_eq!(checked_text(&health(HealthStatus::AllGood, true)).as_deref(), Some("checked 2026-11-23 14:05 UTC"));
    }

    #[test]
    fn a_broken_binding_reads_with_its_fix_or_else_its_remedy() {
        let diagnosis = AwsFailure::new(AwsFailureCode::InvalidModelIdentifier, "gone", "Bind another profile.");
        let mut broken = BrokenBinding {
            model: "amazon.nova-pro-v1:0".to_owned(),
            profile: "us.amazon.nova-pro-v1:0".to_owned(),
            line: 2,
            check: CheckKind::ProfileExists,
            message: "us-east-1 has no profile `us.amazon.nova-pro-v1:0`".to_owned(),
            diagnosis: Some(diagnosis.clone()),
        };
        assert_eq!(
            broken_text(&broken),
            "amazon.nova-pro-v1:0 (line 2): us-east-1 has no profile `us.amazon.nova-pro-v1:0`. Bind another profile."
        );
        let fix = Fix::Bind { model: broken.model.clone(), profile: "global.amazon.nova-pro-v1:0".to_owned() };
        broken.diagnosis = Some(diagnosis.with_fix(Some(fix)));
        assert!(broken_text(&broken).ends_with(" Fix: bind it to global.amazon.nova-pro-v1:0."));
    }
}
