//! Environments: their list and settings, the diff and promote between two of them, and
//! each one's history (`/api/v1/envs…`, `/api/v1/diff`, `/api/v1/promote`).
//!
//! Every route of the bindings half also exists per environment: `/api/v1/envs/{env}/bindings`
//! is `/api/v1/bindings` on `{env}`, and the routes without an environment act on `default`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SkippedModel;
use crate::diff::DiffLine;
use crate::preset::{Preset, PresetChange};
use crate::promote::BindingChange;
use crate::{Region, Version};

/// An environment's settings, stored beside its `inference.txt` and never inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EnvSettings {
    /// What the environment is for, shown in lists.
    pub description: String,
    /// The named profile in the server's AWS config that checks, tests and the promote gate
    /// use for this environment (it may assume a role in another account); `None` for the
    /// server's own credentials.
    pub aws_profile: Option<String>,
    /// The region AWS calls default to for this environment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub region: Option<Region>,
    /// Whether changes need approval: on a server with auth, a change becomes a change request
    /// that another admin approves.
    pub protected: bool,
    /// Each binding's inference parameters, by the model id the binding maps (its key in
    /// `inference.txt`). Kept here, beside the file, so TPipe reads the file as before.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, crate::preset::PresetFields>))]
    pub presets: BTreeMap<String, Preset>,
}

/// Where the server keeps its environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// One file (`--file`): the one environment `default`; environments cannot be created.
    File,
    /// A store (`--store DIR`) of any number of environments.
    Directory,
    /// A store on S3 (`--store s3://BUCKET/PREFIX`), which several servers may share.
    S3,
}

/// The kind of a recorded change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An edit of bindings (bind, unbind, a saved text).
    Edit,
    /// A whole file imported.
    Import,
    /// Bindings promoted from another environment.
    Promote,
    /// An earlier version restored.
    Revert,
    /// The environment created.
    Create,
    /// The environment deleted (its history is kept).
    Delete,
    /// The settings changed.
    Settings,
    /// A binding's preset set or cleared (stored with the settings).
    Preset,
}

impl ChangeKind {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Edit => "edit",
            ChangeKind::Import => "import",
            ChangeKind::Promote => "promote",
            ChangeKind::Revert => "revert",
            ChangeKind::Create => "create",
            ChangeKind::Delete => "delete",
            ChangeKind::Settings => "settings",
            ChangeKind::Preset => "preset",
        }
    }

    /// Whether the change moves the settings rather than the text (the two are versioned,
    /// and their histories walked, apart).
    pub fn is_settings_change(self) -> bool {
        matches!(self, ChangeKind::Settings | ChangeKind::Preset)
    }
}

/// A change in a list: who, when, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeSummary {
    /// Its sequence number in the environment's history.
    pub seq: u64,
    /// When, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Who made it.
    pub author: String,
    /// What kind of change.
    pub kind: ChangeKind,
    /// Why, if the author said.
    #[serde(default)]
    pub reason: Option<String>,
    /// Who approved it, when it applied a change request on a protected environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The change request it applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<u64>,
    /// The presets it changed (a `preset` change, or a promote that carried presets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presets: Vec<PresetChange>,
}

/// `GET /api/v1/envs/{env}/presets`, and the answer to `PUT` or `DELETE
/// /api/v1/envs/{env}/presets/{model}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresetsResponse {
    /// The environment.
    pub env: String,
    /// The version of the settings the presets are stored in: `If-Match` for a preset's write.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// Each bound model's preset, by model id.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, crate::preset::PresetFields>))]
    pub presets: BTreeMap<String, Preset>,
}

/// One environment in `GET /api/v1/envs`, and `GET /api/v1/envs/{env}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvSummary {
    /// Its name.
    pub name: String,
    /// Its settings.
    pub settings: EnvSettings,
    /// The version of its settings, for `If-Match` on `PUT /api/v1/envs/{env}/settings`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub settings_version: Version,
    /// The version of its text, for `If-Match` on a delete.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// How many bindings are in force.
    pub bindings: usize,
    /// The last committed change, if any.
    #[serde(default)]
    pub last_change: Option<ChangeSummary>,
}

/// `GET /api/v1/envs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvListResponse {
    /// Where the environments are kept; with `file`, only `default` exists.
    pub store: StoreKind,
    /// Every environment, by name.
    pub envs: Vec<EnvSummary>,
}

/// `POST /api/v1/envs`: create an environment, empty, as a copy of another's text (`from`), or
/// with the given `text`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CreateEnvRequest {
    /// The new environment's name.
    #[cfg_attr(feature = "openapi", schema(example = "qa"))]
    pub name: String,
    /// Copy this environment's text.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub from: Option<String>,
    /// Start with this text (an `inference.txt`); it must have no errors.
    pub text: Option<String>,
    /// Its settings; with `from` and none given, the source's are copied.
    pub settings: Option<EnvSettings>,
}

/// `GET /api/v1/diff?from=A&to=B`: what differs from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvDiffResponse {
    /// The first environment.
    pub from: String,
    /// The second environment.
    pub to: String,
    /// The bindings that differ, by model, with both values.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub changes: Vec<BindingChange>,
    /// The line diff that turns `from`'s text into `to`'s.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lines: Vec<DiffLine>,
    /// The presets that differ, by model (`before`: in `from`, `after`: in `to`).
    #[serde(default)]
    pub presets: Vec<PresetChange>,
}

/// `POST /api/v1/promote`: copy bindings from one environment into another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PromoteRequest {
    /// The environment to copy from.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub from: String,
    /// The environment to write.
    #[cfg_attr(feature = "openapi", schema(example = "staging"))]
    pub to: String,
    /// The models whose bindings to copy; empty copies every binding of `from`.
    pub models: Vec<String>,
    /// Why; recorded in the history, and required with `force`.
    pub reason: Option<String>,
    /// Write although the gate found errors (needs a reason).
    pub force: bool,
    /// Write; without it the answer is only the preview.
    pub apply: bool,
}

/// How much a gate finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum GateSeverity {
    /// Stops the promote unless forced.
    Error,
    /// Shown; does not stop it.
    Warning,
}

/// One thing the promote gate found about a promoted binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateFinding {
    /// The binding's model.
    pub model: String,
    /// The value being promoted.
    pub value: String,
    /// Error or warning.
    pub severity: GateSeverity,
    /// Which check: `cross-account`, `arn-region`, `profile-exists`, `profile-contains-model`,
    /// `not-legacy`, `end-of-life`, …
    pub check: String,
    /// A plain sentence.
    pub message: String,
}

/// What the promote gate found, against the target's AWS account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateReport {
    /// Whether no finding is an error.
    pub ok: bool,
    /// The target's region the checks ran for, if known.
    #[serde(default)]
    pub region: Option<String>,
    /// The target's AWS account, if its credentials could be read.
    #[serde(default)]
    pub account: Option<String>,
    /// The findings, errors first.
    pub findings: Vec<GateFinding>,
    /// The checks that could not run, each with why (no credentials for the target, …).
    pub not_run: Vec<String>,
}

/// The answer to `POST /api/v1/promote`: the preview, and with `apply` what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromoteResponse {
    /// The source.
    pub from: String,
    /// The target.
    pub to: String,
    /// The bindings the promote changes in the target (`from`: the target's value before,
    /// `to`: the value promoted).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub changes: Vec<BindingChange>,
    /// The target's line diff.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lines: Vec<DiffLine>,
    /// The presets the promote changes in the target, which travel with their bindings
    /// (`before`: the target's, `after`: the source's).
    #[serde(default)]
    pub presets: Vec<PresetChange>,
    /// Chosen models not promoted, each with why.
    pub skipped: Vec<SkippedModel>,
    /// The gate's findings.
    pub gate: GateReport,
    /// The target's version the preview was made against (send it as `If-Match` to apply
    /// exactly this preview), or after `apply` the version written.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// Whether the target was written.
    pub applied: bool,
    /// The history entry of the write, when applied.
    #[serde(default)]
    pub change: Option<ChangeSummary>,
}

/// One committed change in `GET /api/v1/envs/{env}/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryItem {
    /// Who, when, what, why.
    #[serde(flatten)]
    pub summary: ChangeSummary,
    /// The bindings it changed (`from`: before, `to`: after).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub changes: Vec<BindingChange>,
    /// Its line diff.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lines: Vec<DiffLine>,
    /// The settings before and after, for a settings change (and a create or delete).
    #[serde(default)]
    pub settings: Option<SettingsChange>,
    /// Whether the text it produced can be restored by a revert (not for a delete, and not
    /// for the current version).
    pub revertible: bool,
    /// Whether the text it replaced can be restored (`undo`): a change of the text other than
    /// a create, whose earlier text is not the current one.
    #[serde(default)]
    pub undoable: bool,
}

/// The settings before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingsChange {
    /// Before (`None` before a create).
    pub before: Option<EnvSettings>,
    /// After (`None` after a delete).
    pub after: Option<EnvSettings>,
}

/// `GET /api/v1/envs/{env}/history`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryResponse {
    /// The environment.
    pub env: String,
    /// Its committed changes, newest first.
    pub entries: Vec<HistoryItem>,
}

/// `POST /api/v1/envs/{env}/revert`: restore the text change `seq` produced, or with `undo`
/// the text it replaced, as a new change (send the current version as `If-Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RevertRequest {
    /// The change whose text to restore.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub seq: u64,
    /// Why.
    pub reason: Option<String>,
    /// Restore the text as it was before the change (undo it), not the text it produced.
    pub undo: bool,
}
