//! The promote gate: what would go wrong if promoted bindings were called from the target
//! environment's AWS account and region, found without spending a token.
//!
//! - an ARN of another account than the target's is an error (the usual mistake: a dev
//!   account's application profile promoted to prod);
//! - an ARN of another region than the target's is an error;
//! - with the target's credentials, [`Aws::check`]'s control-plane checks: the profile exists
//!   in the target's region, is active and contains the model, the model is offered, access is
//!   authorized; each failure is an error;
//! - a model that is legacy or past its end of life is a warning.
//!
//! A check that cannot run (no credentials, no region) is listed in `not_run` with the reason,
//! so a clean report never hides that nothing was checked.

use bedrock_binder_shared::api::{CheckKind, CheckStatus, GateFinding, GateReport, GateSeverity};
use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::promote::BindingChange;
use bedrock_binder_shared::{Catalog, Document, ProfileRef};

use super::Aws;

/// Runs the gate on the bindings `changes` promotes, as they read in `target_text` (the
/// target's text after the promote), against the target's `aws`.
pub async fn promote_gate(aws: &Aws, catalog: &Catalog, changes: &[BindingChange], target_text: &str) -> GateReport {
    let promoted: Vec<(&str, &str)> =
        changes.iter().filter_map(|change| change.to.as_deref().map(|value| (change.model.as_str(), value))).collect();
    let mut findings = Vec::new();
    let mut not_run = Vec::new();
    let finding = |model: &str, value: &str, severity, check: &str, message: String| GateFinding {
        model: model.to_owned(),
        value: value.to_owned(),
        severity,
        check: check.to_owned(),
        message,
    };

    for (model, value) in &promoted {
        match catalog.lifecycle_of(model) {
            Some(Lifecycle::Legacy) => findings.push(finding(
                model,
                value,
                GateSeverity::Warning,
                CheckKind::NotLegacy.as_str(),
                format!("{model} is legacy: it still works but AWS has scheduled it to stop"),
            )),
            Some(Lifecycle::Eol) => findings.push(finding(
                model,
                value,
                GateSeverity::Warning,
                "end-of-life",
                format!("{model} is past its end of life: calls to it fail"),
            )),
            _ => {}
        }
    }

    if promoted.is_empty() {
        return GateReport { ok: true, region: None, account: None, findings, not_run };
    }

    let region = match aws.region_or_default(None).await {
        Ok(region) => Some(region),
        Err(failure) => {
            not_run.push(format!(
                "the region checks (an ARN's region; the profile exists in the region): the target has no region ({})",
                failure.explanation
            ));
            None
        }
    };
    let status = aws.status_cached(false).await;
    let account = status.account.clone().filter(|_| status.credentials);

    for (model, value) in &promoted {
        let Ok(ProfileRef::Arn(arn)) = value.parse::<ProfileRef>() else { continue };
        if let Some(account) = &account
            && !arn.account().is_empty()
            && arn.account() != account
        {
            findings.push(finding(
                model,
                value,
                GateSeverity::Error,
                "cross-account",
                format!(
                    "the ARN belongs to account {}, but the target calls Bedrock as account {account}: it would be refused. Bind the target account's own profile instead",
                    arn.account()
                ),
            ));
        }
        if let Some(region) = &region
            && arn.region() != region
        {
            findings.push(finding(
                model,
                value,
                GateSeverity::Error,
                CheckKind::ArnRegion.as_str(),
                format!("the ARN is in {}, but the target calls Bedrock in {region}", arn.region()),
            ));
        }
    }

    match (&account, &region) {
        (None, _) => {
            let why = status.problem.as_ref().map_or_else(
                || "no credentials for the target".to_owned(),
                |problem| format!("no credentials for the target: {}", problem.explanation),
            );
            not_run.push(format!("the account check (an ARN of another account): {why}"));
            not_run.push(format!(
                "the AWS checks (the profile exists in the region, is active and contains the model; access is authorized): {why}"
            ));
        }
        (Some(_), None) => {}
        (Some(_), Some(region)) => {
            let models: Vec<String> = promoted.iter().map(|(model, _)| (*model).to_owned()).collect();
            let report = aws.check(&Document::parse(target_text), region, &models).await;
            for binding in report.bindings {
                for item in binding.checks.iter().filter(|item| item.status == CheckStatus::Fail) {
                    // Region and lifecycle were judged above, with the catalog's dates.
                    if matches!(item.check, CheckKind::ArnRegion | CheckKind::NotLegacy) {
                        continue;
                    }
                    findings.push(finding(
                        &binding.model,
                        &binding.profile,
                        GateSeverity::Error,
                        item.check.as_str(),
                        item.message.clone(),
                    ));
                }
            }
        }
    }

    findings.sort_by_key(|finding| (finding.severity != GateSeverity::Error, finding.model.clone()));
    let ok = findings.iter().all(|finding| finding.severity != GateSeverity::Error);
    GateReport { ok, region: region.map(|region| region.to_string()), account, findings, not_run }
}

/// The reason a promote's history entry records: the author's, and for a forced promote the
/// gate's errors it overrode.
pub fn promote_reason(reason: Option<&str>, forced_past: &GateReport) -> Option<String> {
    let errors: Vec<String> = forced_past
        .findings
        .iter()
        .filter(|finding| finding.severity == GateSeverity::Error)
        .map(|finding| format!("{} {}", finding.model, finding.check))
        .collect();
    let reason = reason.map(str::trim).filter(|reason| !reason.is_empty());
    match (errors.is_empty(), reason) {
        (true, reason) => reason.map(str::to_owned),
        (false, Some(reason)) => Some(format!("{reason} (forced past the promote gate: {})", errors.join(", "))),
        (false, None) => Some(format!("forced past the promote gate: {}", errors.join(", "))),
    }
}
