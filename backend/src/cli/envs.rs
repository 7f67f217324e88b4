//! `env`, `promote`, `history` and `revert`: the commands that work across environments.
//!
//! Each command gets what it prints as the API's type (`EnvListResponse`, `EnvDiffResponse`,
//! `PromoteResponse`, `HistoryResponse`, …), from the store here or from the team server of
//! `--server`, and one function prints it either way.

use std::io::Write;
use std::path::PathBuf;

use bedrock_binder_shared::api::{
    CreateEnvRequest, EnvListResponse, EnvSettings, GateReport, GateSeverity, PromoteRequest, PromoteResponse,
    SkippedModel,
};
use bedrock_binder_shared::diff::{DiffLine, LineChange, line_diff};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::preset_diff;
use bedrock_binder_shared::promote::{BindingChange, binding_diff};
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Document, Region};
use clap::Subcommand;

use super::aws::runtime;
use super::remote::Remote;
use super::{AwsArgs, CliError, Session};
use crate::aws::Aws;
use crate::aws::gate::{promote_gate, promote_reason};
use crate::envs::NewEnv;
use crate::storage::{ChangeKind, StorageError};
use crate::store::FileStore;

/// `env` subcommands.
#[derive(Debug, Subcommand)]
pub enum EnvAction {
    /// List the environments, with their settings, binding count and last change.
    List,
    /// Create an environment: empty, a copy of another (--from), or from a file (--file).
    Create {
        /// Its name: lower-case letters, digits and `-`, 1 to 32 characters.
        name: EnvName,
        /// Copy this environment's text and settings.
        #[arg(long, value_name = "ENV")]
        from: Option<EnvName>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Delete an environment (its history is kept). Nothing is deleted without --yes.
    Delete {
        /// The environment.
        name: EnvName,
        /// Delete it.
        #[arg(long)]
        yes: bool,
    },
    /// What differs between two environments: by binding, then by line.
    Diff {
        /// The first environment.
        a: EnvName,
        /// The second environment.
        b: EnvName,
    },
    /// Change an environment's settings; what is not given stays.
    Set {
        /// The environment.
        name: EnvName,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

/// Settings given on the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SettingsArgs {
    /// What the environment is for.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// The named profile in the AWS config its checks, tests and promote gate use (`""` for
    /// the default chain).
    #[arg(long, value_name = "NAME")]
    aws_profile: Option<String>,
    /// The region its AWS calls default to.
    #[arg(long = "aws-region", value_name = "REGION")]
    aws_region: Option<Region>,
    /// Whether changes to it need approval.
    #[arg(long, value_name = "BOOL")]
    protected: Option<bool>,
}

impl SettingsArgs {
    fn apply(&self, settings: &mut EnvSettings) {
        if let Some(description) = &self.description {
            settings.description.clone_from(description);
        }
        if let Some(profile) = &self.aws_profile {
            settings.aws_profile = Some(profile.clone()).filter(|profile| !profile.is_empty());
        }
        if let Some(region) = &self.aws_region {
            settings.region = Some(region.clone());
        }
        if let Some(protected) = self.protected {
            settings.protected = protected;
        }
    }
}

/// `promote`'s arguments.
pub(super) struct PromoteArgs {
    pub(super) from: EnvName,
    pub(super) to: EnvName,
    pub(super) models: Vec<String>,
    pub(super) reason: Option<String>,
    pub(super) force: bool,
    pub(super) yes: bool,
}

impl Session {
    pub(super) fn env_command(
        &self,
        action: EnvAction,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        match action {
            EnvAction::List => self.env_list(out),
            EnvAction::Create { name, from, settings } => self.env_create(&name, from.as_ref(), &settings, out, err),
            EnvAction::Delete { name, yes } => {
                // The deletion is confirmed against the text whose bindings were counted.
                let (count, version) = match &self.remote {
                    Some(remote) => {
                        let summary = remote.env(&name)?;
                        (summary.bindings, summary.version)
                    }
                    None => {
                        let stored = self.envs.read(&name)?;
                        (Document::parse(&stored.text).resolve().len(), stored.state.text)
                    }
                };
                if !yes {
                    return Err(CliError::ConfirmationRequired(format!(
                        "deleting `{name}` removes its {count} bindings (its history is kept); pass --yes to delete it"
                    )));
                }
                match &self.remote {
                    Some(remote) => remote.delete_env(&name, &version)?,
                    None => self.envs.delete(&name, Some(version), self.meta(None))?,
                }
                if self.json {
                    self.print_json(out, &serde_json::json!({ "deleted": name.as_str() }))?;
                } else {
                    writeln!(out, "✓ Deleted {name} (its history is kept)")?;
                }
                Ok(0)
            }
            EnvAction::Diff { a, b } => {
                let diff = match &self.remote {
                    Some(remote) => remote.diff(&a, &b)?,
                    None => self.envs.diff(&a, &b)?,
                };
                if self.json {
                    self.print_json(out, &diff)?;
                } else {
                    print_changes(out, &diff.changes, &a, &b)?;
                    print_lines(out, &diff.lines)?;
                }
                Ok(0)
            }
            EnvAction::Set { name, settings } => {
                // The new settings are made against the version of the ones they start from.
                let (mut new, version) = match &self.remote {
                    Some(remote) => {
                        let summary = remote.env(&name)?;
                        (summary.settings, summary.settings_version)
                    }
                    None => {
                        let stored = self.envs.read(&name)?;
                        (stored.settings, stored.state.settings)
                    }
                };
                settings.apply(&mut new);
                let summary = match &self.remote {
                    Some(remote) => remote.set_settings(&name, &version, &new)?,
                    None => self.envs.set_settings(&name, Some(version), new, self.meta(None))?,
                };
                if self.json {
                    self.print_json(out, &summary)?;
                } else {
                    writeln!(out, "✓ Settings of {name} saved")?;
                }
                Ok(0)
            }
        }
    }

    fn env_list(&self, out: &mut dyn Write) -> Result<u8, CliError> {
        let list = match &self.remote {
            Some(remote) => remote.envs()?,
            None => EnvListResponse { store: self.envs.kind(), envs: self.envs.summaries()? },
        };
        if self.json {
            self.print_json(out, &list)?;
            return Ok(0);
        }
        for summary in &list.envs {
            let settings = &summary.settings;
            let last = summary.last_change.as_ref().map_or_else(
                || "no recorded change".to_owned(),
                |change| format!("last: #{} {} by {}", change.seq, change.kind.as_str(), change.author),
            );
            writeln!(
                out,
                "{}{}  {} bindings  profile={} region={}  {last}{}",
                summary.name,
                if settings.protected { " (protected)" } else { "" },
                summary.bindings,
                settings.aws_profile.as_deref().unwrap_or("-"),
                settings.region.as_ref().map_or("-", |region| region.as_str()),
                if settings.description.is_empty() { String::new() } else { format!("\n    {}", settings.description) },
            )?;
        }
        writeln!(out, "Total: {} environments", list.envs.len())?;
        Ok(0)
    }

    fn env_create(
        &self,
        name: &EnvName,
        from: Option<&EnvName>,
        settings: &SettingsArgs,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let summary = match &self.remote {
            Some(remote) => {
                // The server copies `from`'s text; the settings are sent as the source's with
                // the ones given applied, as here.
                let (text, mut new) = match (from, &self.file_given) {
                    (Some(from), _) => (None, remote.env(from)?.settings),
                    (None, Some(path)) => (Some(self.read_new_text(path, err)?), EnvSettings::default()),
                    (None, None) => (None, EnvSettings::default()),
                };
                settings.apply(&mut new);
                let request = CreateEnvRequest {
                    name: name.to_string(),
                    from: from.map(ToString::to_string),
                    text,
                    settings: Some(new),
                };
                remote.create_env(&request)?
            }
            None => {
                let mut new = match (from, &self.file_given) {
                    (Some(from), _) => {
                        let source = self.envs.read(from)?;
                        NewEnv { text: source.text, settings: source.settings }
                    }
                    (None, Some(path)) => {
                        NewEnv { text: self.read_new_text(path, err)?, settings: EnvSettings::default() }
                    }
                    (None, None) => NewEnv::default(),
                };
                settings.apply(&mut new.settings);
                self.envs.create(name, new, self.meta(None))?
            }
        };
        if self.json {
            self.print_json(out, &summary)?;
        } else {
            writeln!(out, "✓ Created {name} ({} bindings)", summary.bindings)?;
        }
        Ok(0)
    }

    /// The text of a file a new environment starts from, refused if it has any error.
    fn read_new_text(&self, path: &PathBuf, err: &mut dyn Write) -> Result<String, CliError> {
        let text = FileStore::new(path).load()?.text;
        let document = Document::parse(&text);
        let diagnostics = validate(&document, &self.catalog);
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        for diagnostic in &errors {
            let line = document.line(diagnostic.line).map(|l| l.content).unwrap_or_default();
            write!(err, "{}", diagnostic.render(line))?;
        }
        if !errors.is_empty() {
            return Err(CliError::Rejected {
                snippet: None,
                message: format!("{} has {} error(s); nothing was created", path.display(), errors.len()),
            });
        }
        Ok(text)
    }

    pub(super) fn promote(&self, args: &PromoteArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        if args.from == args.to {
            return Err(CliError::Rejected {
                snippet: None,
                message: "--to must name another environment than --from".to_owned(),
            });
        }
        let reason = args.reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty());
        if args.force && reason.is_none() {
            return Err(CliError::Rejected {
                snippet: None,
                message: "--force needs --reason, for the history".to_owned(),
            });
        }
        let promoted = match &self.remote {
            Some(remote) => promote_on_server(remote, args, reason)?,
            None => self.promote_here(args, reason)?,
        };
        let blocked = !promoted.gate.ok && !args.force;
        if self.json {
            self.print_json(out, &promoted)?;
        } else {
            writeln!(out, "Promote {} → {}", args.from, args.to)?;
            print_changes(out, &promoted.changes, &args.from, &args.to)?;
            for skipped in &promoted.skipped {
                writeln!(out, "  skipped {}: {}", skipped.model, skipped.reason)?;
            }
            print_lines(out, &promoted.lines)?;
            print_gate(out, &promoted.gate)?;
        }
        if promoted.changes.is_empty() {
            writeln!(err, "nothing to promote: {} already has these bindings", args.to)?;
            return Ok(0);
        }
        if blocked {
            return Err(CliError::GateFailed(
                "the promote gate found errors; nothing was written (fix them, or pass --force with --reason)"
                    .to_owned(),
            ));
        }
        if promoted.applied {
            if !self.json {
                writeln!(out, "✓ Promoted {} bindings into {}", promoted.changes.len(), args.to)?;
            }
        } else {
            writeln!(err, "preview only: nothing was written; pass --yes to promote")?;
        }
        Ok(0)
    }

    /// The preview and the gate against the target's AWS account, here; with --yes (and the
    /// gate passed or forced) the write.
    fn promote_here(&self, args: &PromoteArgs, reason: Option<&str>) -> Result<PromoteResponse, CliError> {
        let preview = self.envs.promote_plan(&args.from, &args.to, &args.models)?;
        let (plan, target, presets) = (preview.plan, preview.target, preview.presets);
        let target_settings = self.envs.read(&args.to)?.settings;
        let aws =
            Aws::from_chain(self.aws_settings(
                &AwsArgs { profile: target_settings.aws_profile.clone() },
                target_settings.region.clone(),
            ));
        let gate = runtime()?.block_on(promote_gate(&aws, &self.catalog, &plan.changes, &plan.text));
        let blocked = !gate.ok && !args.force;
        let apply = args.yes && !blocked && (!plan.changes.is_empty() || presets.before != presets.after);
        let mut promoted = PromoteResponse {
            from: args.from.to_string(),
            to: args.to.to_string(),
            lines: line_diff(&target.text, &plan.text),
            skipped: plan.skipped.into_iter().map(|(model, reason)| SkippedModel { model, reason }).collect(),
            changes: plan.changes,
            presets: preset_diff(&presets.before, &presets.after),
            gate,
            version: target.version.clone(),
            applied: false,
            change: None,
        };
        if apply {
            let meta = self.meta(promote_reason(reason, &promoted.gate));
            promoted.version =
                self.envs.save(&args.to, &target.version, &plan.text, ChangeKind::Promote, meta.clone())?;
            self.envs.save_promoted_presets(&args.to, &presets, meta)?;
            promoted.applied = true;
            promoted.change = self.envs.summary(&args.to)?.last_change;
        }
        Ok(promoted)
    }

    pub(super) fn copy_store(&self, to: &std::path::Path, out: &mut dyn Write) -> Result<u8, CliError> {
        if self.envs.kind() == bedrock_binder_shared::api::StoreKind::File {
            return Err(CliError::Rejected {
                snippet: None,
                message: "name the store to copy from with --store DIR (or s3://BUCKET/PREFIX)".to_owned(),
            });
        }
        let target = crate::envs::Environments::open(to, std::time::Duration::ZERO)?;
        target.storage().check_access()?;
        let copied = crate::storage::copy_store(self.envs.storage(), target.storage())?;
        if self.json {
            self.print_json(out, &copied)?;
        } else {
            for env in &copied {
                writeln!(out, "✓ {} ({} history entries)", env.env, env.entries)?;
            }
            writeln!(out, "Copied {} environments to {}", copied.len(), to.display())?;
        }
        Ok(0)
    }

    pub(super) fn history(&self, out: &mut dyn Write) -> Result<u8, CliError> {
        let history = match &self.remote {
            Some(remote) => remote.history(&self.env)?,
            None => self.envs.history(&self.env)?,
        };
        if self.json {
            self.print_json(out, &history)?;
            return Ok(0);
        }
        for item in &history.entries {
            let change = &item.summary;
            writeln!(
                out,
                "#{} {} {} by {}{}",
                change.seq,
                crate::aws::format_time(change.time_ms / 1000),
                change.kind.as_str(),
                change.author,
                change.reason.as_ref().map(|reason| format!(": {reason}")).unwrap_or_default()
            )?;
            for binding in &item.changes {
                writeln!(out, "    {}", describe_change(binding))?;
            }
        }
        writeln!(out, "Total: {} changes", history.entries.len())?;
        Ok(0)
    }

    pub(super) fn revert(
        &self,
        seq: u64,
        undo: bool,
        reason: Option<String>,
        yes: bool,
        out: &mut dyn Write,
    ) -> Result<u8, CliError> {
        if !yes {
            let entries = self.envs.storage().committed_history(&self.env)?;
            let Some(entry) = entries.iter().find(|entry| entry.seq.get() == seq) else {
                return Err(StorageError::NoSuchChange { env: self.env.clone(), seq }.into());
            };
            let target = crate::envs::restored_text(entry, undo)
                .ok_or(StorageError::NotRevertible { env: self.env.clone(), seq })?;
            let current = self.envs.load(&self.env)?;
            writeln!(out, "Reverting {} to the version of change #{seq} would change:", self.env)?;
            print_changes(
                out,
                &binding_diff(&Document::parse(&current.text), &Document::parse(&target)),
                &self.env,
                &self.env,
            )?;
            print_lines(out, &line_diff(&current.text, &target))?;
            return Err(CliError::ConfirmationRequired(
                "preview only: nothing was written; pass --yes to revert".to_owned(),
            ));
        }
        let version = self.envs.revert(&self.env, seq, undo, None, self.meta(reason))?;
        if self.json {
            self.print_json(
                out,
                &serde_json::json!({ "env": self.env.as_str(), "reverted_to": seq, "version": version }),
            )?;
        } else {
            writeln!(out, "✓ {} is back to the version of change #{seq}", self.env)?;
        }
        Ok(0)
    }
}

/// The preview from the server; with --yes (and the gate passed or forced) the write, pinned
/// to the target's version the preview showed, so the server applies exactly what was shown
/// (412 if the target moved in between).
fn promote_on_server(remote: &Remote, args: &PromoteArgs, reason: Option<&str>) -> Result<PromoteResponse, CliError> {
    let request = PromoteRequest {
        from: args.from.to_string(),
        to: args.to.to_string(),
        models: args.models.clone(),
        reason: reason.map(str::to_owned),
        force: args.force,
        apply: false,
    };
    let preview = remote.promote(&request, None)?;
    let blocked = !preview.gate.ok && !args.force;
    if !args.yes || blocked || preview.changes.is_empty() {
        return Ok(preview);
    }
    remote.promote(&PromoteRequest { apply: true, ..request }, Some(&preview.version))
}

fn describe_change(change: &BindingChange) -> String {
    let value = |value: &str| if value.is_empty() { "(direct)".to_owned() } else { value.to_owned() };
    match (&change.from, &change.to) {
        (None, Some(to)) => format!("+ {} = {}", change.model, value(to)),
        (Some(from), None) => format!("- {} = {}", change.model, value(from)),
        (Some(from), Some(to)) => format!("~ {}: {} → {}", change.model, value(from), value(to)),
        (None, None) => change.model.clone(),
    }
}

fn print_changes(out: &mut dyn Write, changes: &[BindingChange], a: &EnvName, b: &EnvName) -> Result<(), CliError> {
    if changes.is_empty() {
        writeln!(out, "No binding differs between {a} and {b}")?;
    }
    for change in changes {
        writeln!(out, "  {}", describe_change(change))?;
    }
    Ok(())
}

fn print_lines(out: &mut dyn Write, lines: &[DiffLine]) -> Result<(), CliError> {
    for line in lines.iter().filter(|line| line.change != LineChange::Same) {
        let sign = if line.change == LineChange::Added { '+' } else { '-' };
        writeln!(out, "{sign}{}", line.text.trim_end_matches(['\r', '\n']))?;
    }
    Ok(())
}

fn print_gate(out: &mut dyn Write, gate: &GateReport) -> Result<(), CliError> {
    writeln!(
        out,
        "Promote gate ({}{}):",
        gate.region.as_deref().unwrap_or("no region"),
        gate.account.as_ref().map(|account| format!(", account {account}")).unwrap_or_default()
    )?;
    for finding in &gate.findings {
        let label = if finding.severity == GateSeverity::Error { "error" } else { "warning" };
        writeln!(out, "  {label}[{}] {}: {}", finding.check, finding.model, finding.message)?;
    }
    for not_run in &gate.not_run {
        writeln!(out, "  not run: {not_run}")?;
    }
    if gate.findings.is_empty() {
        writeln!(out, "  no findings")?;
    }
    Ok(())
}
