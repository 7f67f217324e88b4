//! The promote form's rules: which models a promote can copy, the request it sends, and
//! when Apply may be pressed (a preview exists, it changes something, and the gate found no
//! error unless the user forces it with a reason).

use bedrock_binder_shared::api::{GateReport, GateSeverity, PromoteRequest, PromoteResponse};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::promote::BindingChange;

/// The models of a diff from the source to the target that a promote can copy: those the
/// source binds (a promote copies; it never removes a binding the source lacks).
pub fn promotable(changes: &[BindingChange]) -> Vec<String> {
    changes.iter().filter(|change| change.from.is_some()).map(|change| change.model.clone()).collect()
}

/// The reason as sent: trimmed, and none when blank.
pub fn reason(text: &str) -> Option<String> {
    Some(text.trim()).filter(|text| !text.is_empty()).map(str::to_owned)
}

/// The request for promoting `models` from `from` to `to`. The models are always named:
/// an empty list would mean every binding of the source, which is not what a user who
/// unticked every box asked for.
pub fn request(
    from: &EnvName,
    to: &EnvName,
    models: Vec<String>,
    why: &str,
    force: bool,
    apply: bool,
) -> PromoteRequest {
    PromoteRequest { from: from.to_string(), to: to.to_string(), models, reason: reason(why), force, apply }
}

/// How many errors and warnings the gate found.
pub fn gate_counts(gate: &GateReport) -> (usize, usize) {
    let errors = gate.findings.iter().filter(|finding| finding.severity == GateSeverity::Error).count();
    (errors, gate.findings.len() - errors)
}

/// Why Apply is disabled for `preview`, or `None` when it may be pressed. `force` and `why`
/// are the form's force box and reason.
pub fn apply_blocker(preview: &PromoteResponse, force: bool, why: &str) -> Option<&'static str> {
    let (errors, _) = gate_counts(&preview.gate);
    if preview.changes.is_empty() {
        Some("Nothing to promote: the target already has these bindings.")
    } else if errors > 0 && !force {
        Some("The gate found errors: fix them, or tick “Promote anyway” and give a reason.")
    } else if errors > 0 && reason(why).is_none() {
        Some("Promoting despite the gate's errors needs a reason.")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::Version;
    use bedrock_binder_shared::api::GateFinding;

    use super::*;

    fn change(model: &str, from: Option<&str>, to: Option<&str>) -> BindingChange {
        BindingChange { model: model.to_owned(), from: from.map(str::to_owned), to: to.map(str::to_owned) }
    }

    fn preview(changes: Vec<BindingChange>, severities: &[GateSeverity]) -> PromoteResponse {
        let findings: Vec<GateFinding> = severities
            .iter()
            .map(|&severity| GateFinding {
                model: "a.b".to_owned(),
                value: String::new(),
                severity,
                check: "end-of-life".to_owned(),
                message: "m".to_owned(),
            })
            .collect();
        PromoteResponse {
            from: "staging".to_owned(),
            to: "prod".to_owned(),
            changes,
            lines: Vec::new(),
            presets: Vec::new(),
            skipped: Vec::new(),
            gate: GateReport {
                ok: !severities.contains(&GateSeverity::Error),
                region: None,
                account: None,
                findings,
                not_run: Vec::new(),
            },
            version: Version::from_token("v1"),
            applied: false,
            change: None,
        }
    }

    #[test]
    fn only_bindings_the_source_has_can_be_promoted() {
        let changes =
            [change("a.b", Some(""), None), change("c.d", None, Some("")), change("e.f", Some("us.e.f"), Some(""))];
        assert_eq!(promotable(&changes), ["a.b", "e.f"]);
    }

    #[test]
    fn the_request_names_its_models_and_sends_a_blank_reason_as_none() {
        let (staging, prod) = ("staging".parse().expect("name"), "prod".parse().expect("name"));
        let request = request(&staging, &prod, vec!["a.b".to_owned()], "  ", false, false);
        assert_eq!((request.from.as_str(), request.to.as_str(), request.reason), ("staging", "prod", None));
        assert_eq!(request.models, ["a.b"]);
        assert_eq!(reason(" rollout "), Some("rollout".to_owned()));
    }

    #[test]
    fn a_clean_preview_can_be_applied_and_warnings_do_not_stop_it() {
        let changes = vec![change("a.b", None, Some(""))];
        assert_eq!(apply_blocker(&preview(changes.clone(), &[]), false, ""), None);
        assert_eq!(apply_blocker(&preview(changes, &[GateSeverity::Warning]), false, ""), None);
    }

    #[test]
    fn gate_errors_stop_apply_until_forced_with_a_reason() {
        let errors = preview(vec![change("a.b", None, Some(""))], &[GateSeverity::Error, GateSeverity::Warning]);
        assert_eq!(gate_counts(&errors.gate), (1, 1));
        assert!(apply_blocker(&errors, false, "because").is_some_and(|why| why.contains("errors")));
        assert!(apply_blocker(&errors, true, " ").is_some_and(|why| why.contains("reason")));
        assert_eq!(apply_blocker(&errors, true, "approved by the platform team"), None);
    }

    #[test]
    fn a_preview_that_changes_nothing_cannot_be_applied() {
        assert!(apply_blocker(&preview(Vec::new(), &[]), false, "").is_some_and(|why| why.contains("Nothing")));
    }
}
