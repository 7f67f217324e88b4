//! The commands that call AWS: `aws-status`, `catalog`, `test`, `check` and `bind-required`.
//!
//! Each builds an [`Aws`] from the default credential chain (with `--profile` and the region
//! flags) and runs on its own tokio runtime. Progress goes to stderr, one line per region as
//! it finishes, so stdout stays the result (and stays parseable with `--json`).

use std::io::Write;

use bedrock_binder_shared::api::{
    AwsCatalogResponse, CheckKind, CheckStatus, RegionCatalog, RegionProgress, RegionState, TestResponse,
};
use bedrock_binder_shared::aws_failure::{AwsFailure, Fix};
use bedrock_binder_shared::diagnostic::Code;
use bedrock_binder_shared::fact_source::{FactSource, describe_embedded, describe_live};
use bedrock_binder_shared::profile_suggestion::ProfileSuggestionKind;
use bedrock_binder_shared::{ModelId, Region};

use super::edit::rejected;
use super::{AwsArgs, CliError, Session};
use crate::aws::bind_required::plan;
use crate::aws::invoke::{DEFAULT_PROMPT, Invocation};
use crate::aws::merge::region_catalog;
use crate::aws::saved_discoveries::SavedDiscoveries;
use crate::aws::{Aws, AwsSettings, format_time, now_epoch_seconds};

/// What `test` was asked to do.
pub(super) struct TestCall {
    pub(super) model: String,
    pub(super) prompt: Option<String>,
    pub(super) max_tokens: Option<u32>,
    pub(super) stream: bool,
}

/// The AWS settings of a command. Discoveries are saved in the user's cache directory, so
/// what one command fetched, the next one (and `serve`) shows with its age.
impl Session {
    /// The AWS settings of a command: `--profile` and `--region` (or their variables), else
    /// the environment's own profile and region from its settings.
    pub(super) fn aws_settings(&self, args: &AwsArgs, region: Option<Region>) -> AwsSettings {
        let env = if args.profile.is_none() || region.is_none() {
            self.envs.read(&self.env).map(|stored| stored.settings).unwrap_or_default()
        } else {
            Default::default()
        };
        let profile = args.profile.clone().or(env.aws_profile);
        AwsSettings {
            saved_discoveries: SavedDiscoveries::in_user_cache(profile.as_deref()),
            profile,
            region: region.or(env.region),
            ..AwsSettings::default()
        }
    }
}

/// A runtime for one command.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)
}

/// One line of refresh progress: `✓ us-east-1: 152 models, 74 profiles in 0.31 s`.
pub(super) fn progress_line(progress: &RegionProgress) -> String {
    let seconds = progress.elapsed_ms.unwrap_or_default() as f64 / 1000.0;
    match progress.state {
        RegionState::Failed => {
            let why = progress.error.as_ref().map(|d| d.explanation.as_str()).unwrap_or("failed");
            format!("✗ {}: {why} ({seconds:.2} s)", progress.region)
        }
        _ => format!(
            "✓ {}: {} models, {} profiles {}",
            progress.region,
            progress.models,
            progress.profiles,
            if progress.cached { "(cached)".to_owned() } else { format!("in {seconds:.2} s") }
        ),
    }
}

impl Session {
    pub(super) fn aws_status(&self, settings: AwsSettings, out: &mut dyn Write) -> Result<u8, CliError> {
        let status = runtime()?.block_on(Aws::from_chain(settings).status());
        if self.json {
            self.print_json(out, &status)?;
            return Ok(u8::from(!status.ok));
        }
        let or_none = |value: &Option<String>| value.clone().unwrap_or_else(|| "(none)".to_owned());
        writeln!(out, "profile: {}", status.profile.clone().unwrap_or_else(|| "(default chain)".to_owned()))?;
        writeln!(out, "region: {}", or_none(&status.region))?;
        writeln!(out, "credentials: {}", if status.credentials { "found" } else { "not found" })?;
        if let Some(source) = &status.credentials_source {
            writeln!(out, "credentials from: {source}")?;
        }
        if let Some(account) = &status.account {
            writeln!(out, "account: {account}")?;
        }
        if let Some(arn) = &status.caller_arn {
            writeln!(out, "caller: {arn}")?;
        }
        if !status.endpoint_overrides.is_empty() {
            writeln!(out, "endpoint overrides: {}", status.endpoint_overrides.join(", "))?;
        }
        if let Some(problem) = &status.problem {
            writeln!(out, "problem: {}", problem.explanation)?;
            if let Some(detail) = &problem.detail {
                writeln!(out, "detail: {detail}")?;
            }
            writeln!(out, "help: {}", problem.remedy)?;
        }
        Ok(u8::from(!status.ok))
    }

    /// `catalog [--live] [--region R]... [--requires-profile]`.
    pub(super) fn catalog(
        &self,
        settings: AwsSettings,
        regions: &[Region],
        live: bool,
        requires_profile: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let aws = Aws::from_chain(settings);
        let runtime = runtime()?;
        let regions = match regions {
            [] => vec![runtime.block_on(aws.region_or_default(None)).map_err(|d| CliError::Aws(Box::new(d)))?],
            given => given.to_vec(),
        };
        let mut failed = false;
        if live {
            let mut write_error = None;
            // `block_on` polls the refresh on this thread, so the callback may write to `err`
            // as each region finishes.
            let progress = runtime.block_on(aws.refresh(&regions, false, |progress| {
                if write_error.is_none()
                    && let Err(error) = writeln!(err, "{}", progress_line(progress)).and_then(|()| err.flush())
                {
                    write_error = Some(error);
                }
            }));
            if let Some(error) = write_error {
                return Err(error.into());
            }
            failed = progress.regions.iter().any(|region| region.state == RegionState::Failed);
        }
        let catalogs: Vec<RegionCatalog> = regions
            .iter()
            .map(|region| {
                let snapshot = aws.discovery().cached(region);
                let mut catalog =
                    region_catalog(region, &self.catalog, snapshot.as_deref(), aws.discovery().failure(region));
                if requires_profile {
                    catalog.models.retain(|model| model.requires_profile == Some(true));
                }
                catalog
            })
            .collect();
        if self.json {
            let ttl_seconds = aws.settings().cache_ttl.as_secs();
            let compiled_on = self.catalog.compiled_on();
            self.print_json(out, &AwsCatalogResponse { regions: catalogs, ttl_seconds, compiled_on })?;
        } else {
            let embedded = describe_embedded(self.catalog.compiled_on());
            for catalog in &catalogs {
                print_region(catalog, &embedded, out)?;
            }
        }
        Ok(u8::from(failed))
    }
}

impl Session {
    /// `test MODEL [--prompt P] [--max-tokens N] [--region R] [--stream]`.
    pub(super) fn test(
        &self,
        settings: AwsSettings,
        call: TestCall,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let model = parse_model(&call.model)?;
        if call.max_tokens == Some(0) {
            return Err(CliError::Rejected { message: "--max-tokens must be at least 1".to_owned(), snippet: None });
        }
        // The binding's preset in this environment, if it has one (a missing file has none).
        let preset = self
            .envs
            .storage()
            .read(&self.env)?
            .and_then(|stored| stored.settings.presets.get(model.as_str()).cloned())
            .unwrap_or_default();
        let max_tokens =
            call.max_tokens.or(preset.max_tokens.map(|max| max.get())).unwrap_or(crate::aws::DEFAULT_MAX_TOKENS);
        let (_, document) = self.load(err)?;
        let aws = Aws::from_chain(settings);
        let runtime = runtime()?;
        let region = runtime.block_on(aws.region_or_default(None)).map_err(|d| CliError::Aws(Box::new(d)))?;
        let prompt = call.prompt.filter(|p| !p.trim().is_empty()).unwrap_or_else(|| DEFAULT_PROMPT.to_owned());
        let invocation = Invocation::resolve(&document, model, region, prompt, max_tokens).with_preset(preset);
        if !self.json {
            writeln!(out, "→ {} in {} (modelId sent: {})", invocation.model, invocation.region, invocation.sent)?;
        }
        let response = if call.stream {
            let mut write_error = None;
            let json = self.json;
            let response = runtime.block_on(aws.converse_stream(&invocation, |text| {
                if !json
                    && write_error.is_none()
                    && let Err(error) = write!(out, "{text}").and_then(|()| out.flush())
                {
                    write_error = Some(error);
                }
            }));
            if let Some(error) = write_error {
                return Err(error.into());
            }
            if !self.json && !response.reply.is_empty() {
                writeln!(out)?;
            }
            response
        } else {
            let response = runtime.block_on(aws.converse(&invocation));
            if !self.json && response.ok {
                writeln!(out, "{}", response.reply)?;
            }
            response
        };
        if self.json {
            self.print_json(out, &response)?;
        } else {
            print_outcome(&response, out)?;
        }
        Ok(u8::from(!response.ok))
    }
}

impl Session {
    /// `check [MODEL]... [--region R]`.
    pub(super) fn check(
        &self,
        settings: AwsSettings,
        models: &[String],
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let models: Vec<String> = models.iter().map(|model| model.trim().to_owned()).collect();
        let (_, document) = self.load(err)?;
        let aws = Aws::from_chain(settings);
        let runtime = runtime()?;
        let region = runtime.block_on(aws.region_or_default(None)).map_err(|d| CliError::Aws(Box::new(d)))?;
        let report = runtime.block_on(aws.check(&document, &region, &models));
        if self.json {
            self.print_json(out, &report)?;
            return Ok(u8::from(!report.ok));
        }
        for binding in &report.bindings {
            let value = if binding.profile.is_empty() { "direct" } else { binding.profile.as_str() };
            let line =
                if binding.line > 0 { format!(" (line {})", binding.line) } else { " (not in the file)".to_owned() };
            writeln!(out, "{} {} -> {value}{line}", if binding.ok { "✓" } else { "✗" }, binding.model)?;
            for item in binding.checks.iter().filter(|item| item.status == CheckStatus::Fail) {
                writeln!(out, "    ✗ {}: {}", check_label(item.check), item.message)?;
            }
            if let Some(diagnosis) = binding.diagnosis.as_ref().filter(|_| !binding.ok) {
                let mut text = Vec::new();
                print_diagnosis(diagnosis, &mut text)?;
                for line in String::from_utf8_lossy(&text).lines() {
                    writeln!(out, "    {line}")?;
                }
            }
        }
        let failed = report.bindings.iter().filter(|b| !b.ok).count();
        writeln!(
            out,
            "Checked {} bindings in {}: {} passed, {failed} failed",
            report.bindings.len(),
            report.region,
            report.bindings.len() - failed
        )?;
        Ok(u8::from(!report.ok))
    }
}

impl Session {
    /// `bind-required [--region R] [--yes]`.
    pub(super) fn bind_required(
        &self,
        settings: AwsSettings,
        yes: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let aws = Aws::from_chain(settings);
        let runtime = runtime()?;
        let region = runtime.block_on(aws.region_or_default(None)).map_err(|d| CliError::Aws(Box::new(d)))?;
        let live = runtime.block_on(aws.snapshot(&region)).map_err(|d| CliError::Aws(Box::new(d)))?;
        let catalog = region_catalog(&region, &self.catalog, Some(&live), None);
        let (snapshot, document) = self.load(err)?;
        let plan = plan(&document, &catalog);
        let write = yes && !plan.changes.is_empty();
        if write {
            self.save(&snapshot.version, &plan.text)?;
        }
        if self.json {
            #[derive(serde::Serialize)]
            struct Planned<'a> {
                region: &'a str,
                written: bool,
                changes: &'a [bedrock_binder_shared::api::PlannedBinding],
                skipped: &'a [bedrock_binder_shared::api::SkippedModel],
            }
            let planned =
                Planned { region: region.as_str(), written: write, changes: &plan.changes, skipped: &plan.skipped };
            self.print_json(out, &planned)?;
            return Ok(0);
        }
        for change in &plan.changes {
            writeln!(out, "+ {}={}  ({})", change.model, change.profile, change.reason)?;
        }
        for skipped in &plan.skipped {
            writeln!(out, "  skipped {}: {}", skipped.model, skipped.reason)?;
        }
        let count = plan.changes.len();
        if write {
            writeln!(out, "✓ Bound {count} models in {}", self.envs.label(&self.env))?;
        } else if count == 0 {
            writeln!(out, "Nothing to bind in {region}")?;
        } else {
            writeln!(out, "{count} bindings to add or change; pass --yes to write them")?;
        }
        Ok(0)
    }
}

/// The short name of a check.
fn check_label(check: CheckKind) -> &'static str {
    match check {
        CheckKind::WellFormed => "well-formed",
        CheckKind::ArnRegion => "ARN region",
        CheckKind::ProfileExists => "profile exists",
        CheckKind::ProfileActive => "profile active",
        CheckKind::ProfileContainsModel => "profile contains the model",
        CheckKind::ModelOffered => "model offered",
        CheckKind::OnDemand => "on demand",
        CheckKind::NotLegacy => "not legacy",
        CheckKind::Authorized => "authorized",
        CheckKind::Agreement => "agreement",
    }
}

/// A model id argument, refused with a snippet like `bind` does.
pub(super) fn parse_model(text: &str) -> Result<ModelId, CliError> {
    let text = text.trim();
    text.parse().map_err(|error: bedrock_binder_shared::model_id::ModelIdError| {
        rejected(Code::MalformedModelId, text, error.span, error.message, None)
    })
}

/// The facts of a test call after its reply, or its diagnosis.
fn print_outcome(response: &TestResponse, out: &mut dyn Write) -> Result<(), CliError> {
    if response.ok {
        let tokens = |n: Option<u32>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        let service = response.service_latency_ms.map(|ms| format!(" (Bedrock: {ms} ms)")).unwrap_or_default();
        writeln!(
            out,
            "stop reason: {} · tokens: {} in, {} out · latency: {} ms{service}",
            response.stop_reason.as_deref().unwrap_or("?"),
            tokens(response.input_tokens),
            tokens(response.output_tokens),
            response.latency_ms,
        )?;
        return Ok(());
    }
    writeln!(out, "✗ the call failed after {} ms", response.latency_ms)?;
    if let Some(diagnosis) = &response.diagnosis {
        print_diagnosis(diagnosis, out)?;
    }
    Ok(())
}

/// A diagnosis for people: AWS's words, the explanation, the remedy and the fix as a command.
pub(super) fn print_diagnosis(diagnosis: &AwsFailure, out: &mut dyn Write) -> Result<(), CliError> {
    if let Some(aws) = &diagnosis.aws {
        writeln!(out, "error: {}: {}", aws.error_type, aws.message)?;
    }
    writeln!(out, "why: {}", diagnosis.explanation)?;
    if let Some(detail) = &diagnosis.detail {
        writeln!(out, "detail: {detail}")?;
    }
    writeln!(out, "help: {}", diagnosis.remedy)?;
    if let Some(Fix::Bind { model, profile }) = &diagnosis.fix {
        writeln!(out, "fix: bedrock-binder bind {model} {profile}")?;
    }
    Ok(())
}

/// One region's models: `N. MODEL`, with the requires-profile flag and the suggestions.
fn print_region(catalog: &RegionCatalog, embedded: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let source = match (catalog.source, catalog.fetched_at) {
        (FactSource::Live, Some(at)) => {
            format!("{}, fetched {}", describe_live(&catalog.region, at, now_epoch_seconds()), format_time(at))
        }
        _ => embedded.to_owned(),
    };
    writeln!(out, "== {} ({source}) ==", catalog.region)?;
    for (index, model) in catalog.models.iter().enumerate() {
        let mut line = format!("{}. {}", index + 1, model.id);
        match model.requires_profile {
            Some(true) if model.suggestions.is_empty() => line.push_str("  requires a profile; none known here"),
            Some(true) => {
                let suggestions: Vec<String> =
                    model.suggestions.iter().map(|s| format!("{} ({})", s.profile, kind_label(s.kind))).collect();
                line.push_str(&format!("  requires a profile: {}", suggestions.join(", ")));
            }
            Some(false) => line.push_str("  on demand"),
            None => line.push_str("  (not known whether it needs a profile here)"),
        }
        if model.lifecycle.is_legacy_or_eol() {
            line.push_str(&format!("  [{}]", model.lifecycle));
        }
        if catalog.source == FactSource::Live && model.source == FactSource::Offline {
            line.push_str(&format!("  [{embedded} only]"));
        }
        writeln!(out, "{line}")?;
    }
    let requiring = catalog.models.iter().filter(|m| m.requires_profile == Some(true)).count();
    writeln!(out, "Total: {} models in {} ({requiring} require a profile)", catalog.models.len(), catalog.region)?;
    Ok(())
}

/// The short name of a suggestion's kind.
pub(super) fn kind_label(kind: ProfileSuggestionKind) -> &'static str {
    match kind {
        ProfileSuggestionKind::Geo => "geo",
        ProfileSuggestionKind::Global => "global",
        ProfileSuggestionKind::Application => "application",
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        // Clap checks argument ids only when a subcommand is parsed; check them all now.
        super::super::Cli::command().debug_assert();
    }

    #[test]
    fn a_progress_line_says_what_each_region_gave_or_why_not() {
        let mut progress = RegionProgress {
            region: "us-east-1".to_owned(),
            state: RegionState::Done,
            models: 3,
            profiles: 2,
            elapsed_ms: Some(1500),
            cached: false,
            error: None,
        };
        assert_eq!(progress_line(&progress), "✓ us-east-1: 3 models, 2 profiles in 1.50 s");
        progress.state = RegionState::Failed;
        progress.error = Some(AwsFailure::no_region());
        assert!(progress_line(&progress).starts_with("✗ us-east-1: No AWS region is configured"));
    }
}
