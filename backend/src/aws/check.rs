//! Checking bindings against AWS without spending tokens: only the control plane's read
//! operations are called (GetInferenceProfile, GetFoundationModel,
//! GetFoundationModelAvailability), never a model.
//!
//! For each binding, in the region being checked:
//! - the key and the value parse;
//! - an ARN names this region (a profile ARN works only from its own region);
//! - a profile exists here, is ACTIVE and routes to the key's model (read from `models[]`);
//! - a model called directly is offered here and supports ON_DEMAND;
//! - the model is not LEGACY;
//! - GetFoundationModelAvailability says this identity is authorized and the Marketplace
//!   agreement is available.
//!
//! A check that cannot be made because an earlier one failed is skipped, and the binding's
//! diagnosis is the first failure's.

use std::sync::Arc;

use aws_sdk_bedrock::types::{AgreementStatus, AuthorizationStatus};
use bedrock_binder_shared::api::{BindingCheck, CheckItem, CheckKind, CheckResponse, CheckStatus};
use bedrock_binder_shared::aws_failure::{AwsErrorInfo, AwsFailure, AwsFailureCode, CallContext, Fix, classify};
use bedrock_binder_shared::profile_suggestion::ProfileSuggestion;
use bedrock_binder_shared::{ArnResource, Document, ModelId, ProfileRef, Region};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::error::CallError;
use super::{Aws, RegionClients};

/// How many bindings are checked at once (each makes two or three calls).
const CONCURRENCY: usize = 8;

/// One binding to check.
#[derive(Debug, Clone)]
struct Binding {
    model: String,
    profile: String,
    line: usize,
}

impl Aws {
    /// Checks the bindings of `document` in `region`: every binding in force, or only those of
    /// `only` (a listed model the file does not bind is checked as called directly).
    pub async fn check(&self, document: &Document, region: &Region, only: &[String]) -> CheckResponse {
        let mut bindings: Vec<Binding> = document
            .resolve()
            .into_iter()
            .filter(|resolved| only.is_empty() || only.iter().any(|model| model == resolved.key))
            .map(|resolved| Binding {
                model: resolved.key.to_owned(),
                profile: resolved.value.to_owned(),
                line: resolved.line,
            })
            .collect();
        for model in only {
            if !bindings.iter().any(|binding| &binding.model == model) {
                bindings.push(Binding { model: model.clone(), profile: String::new(), line: 0 });
            }
        }
        bindings.sort_by(|a, b| a.model.cmp(&b.model));

        let clients = self.clients(region).await;
        let limit = Arc::new(Semaphore::new(CONCURRENCY));
        let mut tasks = JoinSet::new();
        for (index, binding) in bindings.into_iter().enumerate() {
            let (aws, clients, region, limit) = (self.clone(), clients.clone(), region.clone(), Arc::clone(&limit));
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.ok();
                (index, Checker { aws: &aws, clients: &clients, region: &region }.check(binding).await)
            });
        }
        let mut results = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            // A panic in one check is a bug; the other bindings are still reported.
            if let Ok(result) = joined {
                results.push(result);
            }
        }
        results.sort_by_key(|(index, _)| *index);
        let bindings: Vec<BindingCheck> = results.into_iter().map(|(_, check)| check).collect();
        CheckResponse { region: region.to_string(), ok: bindings.iter().all(|b| b.ok), bindings }
    }
}

/// What a binding calls.
enum Target {
    /// A model by id (direct, an alias or a foundation-model ARN).
    Model(String),
    /// A profile by id or ARN.
    Profile(String),
    /// Provisioned throughput: not checked.
    Provisioned,
}

/// The checks of one binding, recorded as they are made.
struct Report {
    checks: Vec<CheckItem>,
    diagnosis: Option<AwsFailure>,
}

impl Report {
    fn pass(&mut self, check: CheckKind, message: impl Into<String>) {
        self.checks.push(CheckItem { check, status: CheckStatus::Pass, message: message.into() });
    }

    fn skip(&mut self, check: CheckKind, message: impl Into<String>) {
        self.checks.push(CheckItem { check, status: CheckStatus::Skip, message: message.into() });
    }

    /// Records a failure; the first failure's diagnosis is the binding's.
    fn fail(&mut self, check: CheckKind, message: impl Into<String>, diagnosis: AwsFailure) {
        self.checks.push(CheckItem { check, status: CheckStatus::Fail, message: message.into() });
        self.diagnosis.get_or_insert(diagnosis);
    }
}

struct Checker<'a> {
    aws: &'a Aws,
    clients: &'a RegionClients,
    region: &'a Region,
}

impl Checker<'_> {
    async fn check(&self, binding: Binding) -> BindingCheck {
        let mut report = Report { checks: Vec::new(), diagnosis: None };
        self.run(&binding, &mut report).await;
        BindingCheck {
            ok: report.checks.iter().all(|c| c.status != CheckStatus::Fail),
            model: binding.model,
            profile: binding.profile,
            line: binding.line,
            checks: report.checks,
            diagnosis: report.diagnosis,
        }
    }

    async fn run(&self, binding: &Binding, report: &mut Report) {
        let region = self.region;
        let Ok(key) = binding.model.parse::<ModelId>() else {
            let message = format!("`{}` is not a model id; `bedrock-binder validate` shows why", binding.model);
            let diagnosis = AwsFailure::new(AwsFailureCode::Validation, message.clone(), "Fix or remove the line.");
            return report.fail(CheckKind::WellFormed, message, diagnosis);
        };
        // An empty value calls the key itself, which may be a profile id (TPipe's own file
        // uses `us.…` keys).
        let called = if binding.profile.is_empty() { binding.model.as_str() } else { binding.profile.as_str() };
        let target = match called.parse::<ProfileRef>() {
            Ok(ProfileRef::Direct) => Target::Model(key.to_string()),
            Ok(ProfileRef::ModelAlias(id)) => Target::Model(id.to_string()),
            Ok(ProfileRef::SystemProfile(id)) => Target::Profile(id.to_string()),
            Ok(ProfileRef::Arn(arn)) => {
                if arn.region() == region {
                    report.pass(CheckKind::ArnRegion, format!("the ARN is in {region}, the region called"));
                } else {
                    let explanation = format!(
                        "The ARN is in {}, but calls go to {region}: a profile ARN works only from its own region.",
                        arn.region()
                    );
                    let remedy = format!("Call it from {}, or bind a profile discovered in {region}.", arn.region());
                    let fix = self.fix(&key, called).await;
                    let diagnosis =
                        AwsFailure::new(AwsFailureCode::InvalidModelIdentifier, explanation.clone(), remedy)
                            .with_fix(fix);
                    report.fail(CheckKind::ArnRegion, explanation, diagnosis);
                    return;
                }
                match arn.resource() {
                    ArnResource::FoundationModel(id) => Target::Model(id.to_string()),
                    ArnResource::ProvisionedModel(_) => Target::Provisioned,
                    _ => Target::Profile(called.to_owned()),
                }
            }
            Err(error) => {
                let diagnosis = AwsFailure::new(AwsFailureCode::Validation, error.message.clone(), "Fix the value.");
                return report.fail(CheckKind::WellFormed, error.message, diagnosis);
            }
        };
        report.pass(CheckKind::WellFormed, "the key and the value parse");
        let model = key.base().to_owned();
        match target {
            Target::Profile(profile) => {
                if !self.profile(&key, &model, &profile, report).await {
                    return;
                }
            }
            Target::Model(direct) => {
                if !self.direct(&key, &direct, report).await {
                    return;
                }
            }
            Target::Provisioned => {
                report.skip(CheckKind::ProfileExists, "provisioned throughput is not checked");
            }
        }
        self.lifecycle(&model, report).await;
        self.availability(&model, report).await;
    }

    /// The profile exists here, is ACTIVE and routes to `model`. Whether to go on.
    async fn profile(&self, key: &ModelId, model: &str, profile: &str, report: &mut Report) -> bool {
        let result = self.clients.bedrock.get_inference_profile().inference_profile_identifier(profile).send().await;
        let output = match result {
            Ok(output) => output,
            Err(error) => {
                let error = CallError::from_sdk(error);
                let not_found = matches!(error.error_type(), Some("ResourceNotFoundException" | "ValidationException"));
                let message = if not_found {
                    format!("{} has no profile `{profile}`", self.region)
                } else {
                    format!("GetInferenceProfile failed for `{profile}`")
                };
                let mut diagnosis = error.diagnose(&self.context(key, profile, &[]));
                if not_found {
                    diagnosis = AwsFailure::new(
                        AwsFailureCode::InvalidModelIdentifier,
                        format!("{} has no inference profile `{profile}`, so calls to it fail.", self.region),
                        format!(
                            "Bind a profile discovered in {}: a geo profile works only from its own geography.",
                            self.region
                        ),
                    )
                    .with_fix(self.fix(key, profile).await);
                }
                report.fail(CheckKind::ProfileExists, message, diagnosis);
                return false;
            }
        };
        report.pass(CheckKind::ProfileExists, format!("`{}` exists in {}", output.inference_profile_id(), self.region));
        let status = output.status().as_str();
        if status == "ACTIVE" {
            report.pass(CheckKind::ProfileActive, "the profile is ACTIVE");
        } else {
            let message = format!("the profile is {status}, not ACTIVE");
            let diagnosis = AwsFailure::new(
                AwsFailureCode::ProfileNotActive,
                format!("The profile `{profile}` is {status}; only ACTIVE profiles can be called."),
                "Wait for it to become ACTIVE, or bind another profile.",
            )
            .with_fix(self.fix(key, profile).await);
            report.fail(CheckKind::ProfileActive, message, diagnosis);
        }
        let routes: Vec<&str> = output
            .models()
            .iter()
            .filter_map(|m| m.model_arn())
            .filter_map(|arn| arn.rsplit_once("foundation-model/").map(|(_, id)| id))
            .collect();
        if routes.contains(&model) {
            report.pass(CheckKind::ProfileContainsModel, format!("the profile routes to `{model}`"));
        } else {
            let routed = routes.first().copied().unwrap_or("no model");
            let message = format!("the profile routes to `{routed}`, not `{model}`");
            let diagnosis = AwsFailure::new(
                AwsFailureCode::Validation,
                format!("`{profile}` calls `{routed}`, so the binding for `{key}` calls the wrong model."),
                format!("Bind `{key}` to a profile that contains `{model}`."),
            )
            .with_fix(self.fix(key, profile).await);
            report.fail(CheckKind::ProfileContainsModel, message, diagnosis);
        }
        true
    }

    /// A model called directly is offered here and supports ON_DEMAND. Whether to go on.
    async fn direct(&self, key: &ModelId, model: &str, report: &mut Report) -> bool {
        let result = self.clients.bedrock.get_foundation_model().model_identifier(model).send().await;
        let details = match result {
            Ok(output) => output.model_details().cloned(),
            Err(error) => {
                let diagnosis = CallError::from_sdk(error).diagnose(&self.context(key, model, &[]));
                report.fail(CheckKind::ModelOffered, format!("{} does not offer `{model}`", self.region), diagnosis);
                return false;
            }
        };
        report.pass(CheckKind::ModelOffered, format!("{} offers `{model}`", self.region));
        let on_demand =
            details.as_ref().is_some_and(|d| d.inference_types_supported().iter().any(|t| t.as_str() == "ON_DEMAND"));
        if on_demand {
            report.pass(CheckKind::OnDemand, "it can be called on demand by its id");
        } else {
            let suggestions = self.aws.suggestions(key.base(), self.region).await;
            let info = AwsErrorInfo {
                error_type: "ValidationException".to_owned(),
                message: "The provided model doesn't support on-demand throughput.".to_owned(),
                status: None,
            };
            // The words and the fix are the ones a failed call would get; no call was made.
            let mut diagnosis = classify(&info, &self.context(key, model, &suggestions));
            diagnosis.aws = None;
            report.fail(
                CheckKind::OnDemand,
                format!("{} offers `{model}` only through a profile", self.region),
                diagnosis,
            );
        }
        true
    }

    /// The model is not LEGACY here.
    async fn lifecycle(&self, model: &str, report: &mut Report) {
        match self.clients.bedrock.get_foundation_model().model_identifier(model).send().await {
            Ok(output) => {
                let status = output.model_details().and_then(|d| d.model_lifecycle()).map(|l| l.status().as_str());
                if status == Some("LEGACY") {
                    let diagnosis = AwsFailure::new(
                        AwsFailureCode::LegacyNotActive,
                        format!(
                            "`{model}` is LEGACY in {}: AWS refuses it to accounts that have not used it in 30 days, \
                             and every call fails after its end of life.",
                            self.region
                        ),
                        "Rebind the key to an active model.",
                    );
                    report.fail(CheckKind::NotLegacy, format!("`{model}` is LEGACY"), diagnosis);
                } else {
                    report.pass(CheckKind::NotLegacy, format!("`{model}` is {}", status.unwrap_or("not LEGACY")));
                }
            }
            Err(_) => report.skip(CheckKind::NotLegacy, format!("{} does not list `{model}` itself", self.region)),
        }
    }

    /// GetFoundationModelAvailability: authorized, and the agreement is available.
    async fn availability(&self, model: &str, report: &mut Report) {
        let result = self.clients.bedrock.get_foundation_model_availability().model_id(model).send().await;
        let output = match result {
            Ok(output) => output,
            Err(error) => {
                let diagnosis = CallError::from_sdk(error).diagnose(&CallContext {
                    model: Some(model),
                    region: Some(self.region.as_str()),
                    ..CallContext::default()
                });
                report.fail(CheckKind::Authorized, "GetFoundationModelAvailability failed", diagnosis);
                report.skip(CheckKind::Agreement, "not checked");
                return;
            }
        };
        if *output.authorization_status() == AuthorizationStatus::Authorized {
            report.pass(CheckKind::Authorized, "this identity is authorized to use the model");
        } else {
            let info = AwsErrorInfo {
                error_type: "AccessDeniedException".to_owned(),
                message: "You don't have access to the model with the specified model ID.".to_owned(),
                status: None,
            };
            let mut diagnosis = classify(
                &info,
                &CallContext { model: Some(model), region: Some(self.region.as_str()), ..CallContext::default() },
            );
            diagnosis.aws = None;
            report.fail(CheckKind::Authorized, "this identity is NOT_AUTHORIZED for the model", diagnosis);
        }
        let agreement = output.agreement_availability();
        match agreement.map(|a| a.status()) {
            Some(AgreementStatus::Available) | None => {
                report.pass(CheckKind::Agreement, "the Marketplace agreement is available");
            }
            Some(status) => {
                let status = status.as_str();
                let detail = agreement.and_then(|a| a.error_message()).map(|m| format!(": {m}")).unwrap_or_default();
                let diagnosis = AwsFailure::new(
                    AwsFailureCode::MarketplaceAccessDenied,
                    format!("The model's AWS Marketplace agreement is {status}{detail}."),
                    "Accept the model's offer in the Bedrock console (Model access), or allow this identity \
                     aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions; a new subscription takes up to \
                     15 minutes.",
                );
                report.fail(CheckKind::Agreement, format!("the Marketplace agreement is {status}"), diagnosis);
            }
        }
    }

    fn context<'s>(&'s self, key: &'s ModelId, sent: &'s str, suggestions: &'s [ProfileSuggestion]) -> CallContext<'s> {
        CallContext { model: Some(key.as_str()), sent: Some(sent), region: Some(self.region.as_str()), suggestions }
    }

    /// Binding `key` to the top profile discovered here, unless that is what it has already.
    async fn fix(&self, key: &ModelId, current: &str) -> Option<Fix> {
        let suggestions = self.aws.suggestions(key.base(), self.region).await;
        suggestions
            .into_iter()
            .find(|s| s.profile != current)
            .map(|s| Fix::Bind { model: key.to_string(), profile: s.profile })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_is_the_diagnosis_and_later_ones_are_kept() {
        let mut report = Report { checks: Vec::new(), diagnosis: None };
        report.pass(CheckKind::WellFormed, "ok");
        report.fail(CheckKind::OnDemand, "first", AwsFailure::new(AwsFailureCode::OnDemandNotSupported, "a", "b"));
        report.fail(CheckKind::NotLegacy, "second", AwsFailure::new(AwsFailureCode::LegacyNotActive, "c", "d"));
        assert_eq!(report.checks.len(), 3);
        assert_eq!(report.diagnosis.map(|d| d.code), Some(AwsFailureCode::OnDemandNotSupported));
    }
}
