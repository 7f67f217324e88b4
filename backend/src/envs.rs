//! [`Environments`]: what the command line and the server do with environments, over any
//! [`Storage`]: read one as a file, record an edit as a change, create, delete, change
//! settings, diff two, list the history and revert. Every call blocks; the server runs them
//! on the blocking pool.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use bedrock_binder_shared::api::{
    ChangeSummary, EnvDiffResponse, EnvSettings, EnvSummary, HistoryItem, HistoryResponse, PresetsResponse,
    SettingsChange, StoreKind,
};
use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::{Preset, preset_diff};
use bedrock_binder_shared::promote::{PromotePlan, binding_diff, promote};
use bedrock_binder_shared::{Document, Version};

use crate::storage::{
    Change, ChangeKind, ChangeMeta, HistoryEntry, LocalDirStore, S3Location, S3Store, Seq, SingleFileStore, Storage,
    StorageError, StoredEnv,
};
use crate::store::Snapshot;

/// The environments of one store, and how to name them in messages.
#[derive(Clone)]
pub struct Environments {
    storage: Arc<dyn Storage>,
    kind: StoreKind,
    /// The binding file, when the store is one file.
    file: Option<PathBuf>,
}

impl std::fmt::Debug for Environments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environments").field("kind", &self.kind).field("file", &self.file).finish_non_exhaustive()
    }
}

/// How a new environment starts.
#[derive(Debug, Clone, Default)]
pub struct NewEnv {
    /// Its text (already checked by the caller).
    pub text: String,
    /// Its settings.
    pub settings: EnvSettings,
}

impl Environments {
    /// The one binding file at `path` as the environment `default`.
    pub fn single_file(path: impl Into<PathBuf>) -> Environments {
        let path = path.into();
        Environments { storage: Arc::new(SingleFileStore::new(path.clone())), kind: StoreKind::File, file: Some(path) }
    }

    /// The one binding file at `path` as `default`, with its history and settings in `state`
    /// instead of the user's state directory (tests).
    pub fn single_file_with_state(path: impl Into<PathBuf>, state: impl Into<PathBuf>) -> Environments {
        let path = path.into();
        Environments {
            storage: Arc::new(SingleFileStore::with_state_dir(path.clone(), Some(state.into()))),
            kind: StoreKind::File,
            file: Some(path),
        }
    }

    /// The environments in the store directory `dir`.
    pub fn directory(dir: impl Into<PathBuf>) -> Environments {
        Environments { storage: Arc::new(LocalDirStore::new(dir)), kind: StoreKind::Directory, file: None }
    }

    /// The environments at `store`: an S3 location (`s3://BUCKET/PREFIX`, with the default
    /// credential chain, `AWS_ENDPOINT_URL_S3` and reads reused for `read_ttl`), else a
    /// directory.
    pub fn open(store: &std::path::Path, read_ttl: std::time::Duration) -> Result<Environments, StorageError> {
        let Some(url) = store.to_str().filter(|text| text.starts_with("s3://")) else {
            return Ok(Environments::directory(store));
        };
        let location: S3Location = url
            .parse()
            .map_err(|error: crate::storage::S3LocationError| StorageError::Unsupported(error.to_string()))?;
        let s3 = S3Store::connect(location, None, None)?.with_read_ttl(read_ttl);
        Ok(Environments::over(Arc::new(s3), StoreKind::S3))
    }

    /// Environments over any storage (tests).
    pub fn over(storage: Arc<dyn Storage>, kind: StoreKind) -> Environments {
        Environments { storage, kind, file: None }
    }

    /// The same environments over `wrap(storage)`: the server wraps its store to be told of
    /// every commit ([`crate::health::committed::Observed`]).
    #[must_use]
    pub fn with_storage_wrapped(mut self, wrap: impl FnOnce(Arc<dyn Storage>) -> Arc<dyn Storage>) -> Environments {
        self.storage = wrap(self.storage);
        self
    }

    /// Where the environments are kept.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// The storage underneath.
    pub fn storage(&self) -> &dyn Storage {
        self.storage.as_ref()
    }

    /// The binding file, when the store is one file.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// How messages name `env`: the file's path for a single file, else the environment.
    pub fn label(&self, env: &EnvName) -> String {
        match &self.file {
            Some(path) => path.display().to_string(),
            None => format!("environment `{env}`"),
        }
    }

    /// The environment's text as a [`Snapshot`], as recently read (a store may answer from a
    /// cache of about a second; a write made against it is still checked);
    /// [`StorageError::NotFound`] if it does not exist.
    pub fn load(&self, env: &EnvName) -> Result<Snapshot, StorageError> {
        let stored = self.storage.read_recent(env)?.ok_or_else(|| StorageError::NotFound { env: env.clone() })?;
        Ok(Snapshot { text: stored.text, version: stored.state.text, existed: stored.existed })
    }

    /// The environment as stored; [`StorageError::NotFound`] if it does not exist.
    pub fn read(&self, env: &EnvName) -> Result<StoredEnv, StorageError> {
        self.storage.read(env)?.ok_or_else(|| StorageError::NotFound { env: env.clone() })
    }

    /// Records and writes a new text made against `expected`; returns its version. A text
    /// equal to the current one writes and records nothing.
    pub fn save(
        &self,
        env: &EnvName,
        expected: &Version,
        text: &str,
        kind: ChangeKind,
        meta: ChangeMeta,
    ) -> Result<Version, StorageError> {
        let change = Change::Text { kind, expected: expected.clone(), text: text.to_owned() };
        match self.storage.commit(env, change, meta) {
            Ok(_) | Err(StorageError::Unchanged { .. }) => Ok(crate::store::version_of(text.as_bytes())),
            Err(error) => Err(error),
        }
    }

    /// Every environment, by name, each with its summary.
    pub fn summaries(&self) -> Result<Vec<EnvSummary>, StorageError> {
        let names = self.storage.list()?;
        let mut summaries = Vec::with_capacity(names.len());
        for name in names {
            // One deleted between the list and the read is simply no longer listed.
            match self.summary(&name) {
                Ok(summary) => summaries.push(summary),
                Err(StorageError::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(summaries)
    }

    /// The environment's summary: settings, versions, binding count and last change.
    pub fn summary(&self, env: &EnvName) -> Result<EnvSummary, StorageError> {
        let stored = self.read(env)?;
        let history = self.storage.history(env)?;
        let committed = crate::storage::committed(&history, Some(&stored.state));
        Ok(EnvSummary {
            name: env.to_string(),
            bindings: Document::parse(&stored.text).resolve().len(),
            settings: stored.settings,
            settings_version: stored.state.settings,
            version: stored.state.text,
            last_change: committed.last().map(change_summary),
        })
    }

    /// Creates `name` with `new`'s text and settings.
    pub fn create(&self, name: &EnvName, new: NewEnv, meta: ChangeMeta) -> Result<EnvSummary, StorageError> {
        self.storage.commit(name, Change::Create { text: new.text, settings: new.settings }, meta)?;
        self.summary(name)
    }

    /// Deletes `env`, made against its text version `expected` (the current one if `None`).
    /// Its history is kept.
    pub fn delete(&self, env: &EnvName, expected: Option<Version>, meta: ChangeMeta) -> Result<(), StorageError> {
        let expected = match expected {
            Some(expected) => expected,
            None => self.read(env)?.state.text,
        };
        self.storage.commit(env, Change::Delete { expected }, meta)?;
        Ok(())
    }

    /// Replaces the settings of `env`, made against the settings version `expected` (the
    /// current one if `None`).
    pub fn set_settings(
        &self,
        env: &EnvName,
        expected: Option<Version>,
        settings: EnvSettings,
        meta: ChangeMeta,
    ) -> Result<EnvSummary, StorageError> {
        // Presets change through their own route (`set_preset`), never by a settings edit,
        // which would otherwise drop them whenever its sender does not know about them.
        let stored = self.read(env)?;
        let expected = expected.unwrap_or(stored.state.settings);
        let settings = EnvSettings { presets: stored.settings.presets, ..settings };
        let change = Change::Settings { kind: ChangeKind::Settings, expected, settings };
        match self.storage.commit(env, change, meta) {
            Ok(_) | Err(StorageError::Unchanged { .. }) => self.summary(env),
            Err(error) => Err(error),
        }
    }

    /// What differs from `from` to `to`: by binding, and by line.
    pub fn diff(&self, from: &EnvName, to: &EnvName) -> Result<EnvDiffResponse, StorageError> {
        let (old, new) = (self.read(from)?, self.read(to)?);
        Ok(EnvDiffResponse {
            from: from.to_string(),
            to: to.to_string(),
            changes: binding_diff(&Document::parse(&old.text), &Document::parse(&new.text)),
            lines: line_diff(&old.text, &new.text),
            presets: preset_diff(&old.settings.presets, &new.settings.presets),
        })
    }

    /// What promoting `models` (every binding of `from` if empty) into `to` would write, with
    /// the target as read (its versions are what the write is made against). Presets travel
    /// with their bindings, and like bindings are copied, never removed: each promoted model
    /// with a preset in `from` gets that preset in `to`.
    pub fn promote_plan(
        &self,
        from: &EnvName,
        to: &EnvName,
        models: &[String],
    ) -> Result<PromotePreview, StorageError> {
        let source = self.read(from)?;
        let source_document = Document::parse(&source.text);
        let target = self.read(to)?;
        let chosen: Vec<&str> = models.iter().map(String::as_str).collect();
        let plan =
            promote(&source_document, &Document::parse(&target.text), (!chosen.is_empty()).then_some(&chosen[..]));
        let bound: Vec<&str> = source_document.resolve().iter().map(|resolved| resolved.key).collect();
        let promoted: Vec<&str> =
            if chosen.is_empty() { bound } else { chosen.into_iter().filter(|model| bound.contains(model)).collect() };
        let mut after = target.settings.presets.clone();
        for model in promoted {
            if let Some(preset) = source.settings.presets.get(model) {
                after.insert(model.to_owned(), preset.clone());
            }
        }
        let presets =
            PresetProposal { base: target.state.settings.clone(), before: target.settings.presets.clone(), after };
        let snapshot = Snapshot { text: target.text, version: target.state.text, existed: target.existed };
        Ok(PromotePreview { plan, target: snapshot, presets })
    }

    /// Writes a promote's presets into `to` (after its text), made against the settings version
    /// the preview read; nothing if they do not change.
    pub fn save_promoted_presets(
        &self,
        to: &EnvName,
        presets: &PresetProposal,
        meta: ChangeMeta,
    ) -> Result<(), StorageError> {
        if presets.before == presets.after {
            return Ok(());
        }
        let mut settings = self.read(to)?.settings;
        settings.presets = presets.after.clone();
        let change = Change::Settings { kind: ChangeKind::Preset, expected: presets.base.clone(), settings };
        match self.storage.commit(to, change, meta) {
            Ok(_) | Err(StorageError::Unchanged { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// The presets of `env`, with the version of the settings they are stored in.
    pub fn presets(&self, env: &EnvName) -> Result<PresetsResponse, StorageError> {
        let stored = self.read(env)?;
        Ok(PresetsResponse { env: env.to_string(), version: stored.state.settings, presets: stored.settings.presets })
    }

    /// Sets (or with `None` clears) the preset of `model` in `env`, made against the settings
    /// version `expected` (the current one if `None`). Only a bound model can have a preset.
    pub fn set_preset(
        &self,
        env: &EnvName,
        model: &str,
        preset: Option<Preset>,
        expected: Option<Version>,
        meta: ChangeMeta,
    ) -> Result<PresetsResponse, PresetWriteError> {
        let (proposal, stored) = self.preset_change(env, model, preset, expected)?;
        let settings = EnvSettings { presets: proposal.after, ..stored.settings };
        let change = Change::Settings { kind: ChangeKind::Preset, expected: proposal.base, settings };
        match self.storage.commit(env, change, meta) {
            Ok(_) | Err(StorageError::Unchanged { .. }) => Ok(self.presets(env)?),
            Err(error) => Err(error.into()),
        }
    }

    /// What setting (or clearing) the preset of `model` would change, against the settings
    /// version `expected` (the current one if `None`): what a write or a change request uses.
    pub fn preset_proposal(
        &self,
        env: &EnvName,
        model: &str,
        preset: Option<Preset>,
        expected: Option<Version>,
    ) -> Result<PresetProposal, PresetWriteError> {
        Ok(self.preset_change(env, model, preset, expected)?.0)
    }

    /// [`preset_proposal`](Self::preset_proposal), with the environment it was read from.
    pub fn preset_change(
        &self,
        env: &EnvName,
        model: &str,
        preset: Option<Preset>,
        expected: Option<Version>,
    ) -> Result<(PresetProposal, StoredEnv), PresetWriteError> {
        let stored = self.read(env)?;
        if let Some(expected) = expected
            && expected != stored.state.settings
        {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(stored.state.settings) }.into());
        }
        let mut after = stored.settings.presets.clone();
        match preset.filter(|preset| !preset.is_empty()) {
            Some(preset) => {
                if !Document::parse(&stored.text).resolve().iter().any(|resolved| resolved.key == model) {
                    return Err(PresetWriteError::NotBound { env: env.clone(), model: model.to_owned() });
                }
                after.insert(model.to_owned(), preset);
            }
            None => {
                after.remove(model);
            }
        }
        let proposal =
            PresetProposal { base: stored.state.settings.clone(), before: stored.settings.presets.clone(), after };
        Ok((proposal, stored))
    }

    /// The committed history of `env`, newest first. A deleted environment's history is
    /// still there (its last entry is the delete).
    pub fn history(&self, env: &EnvName) -> Result<HistoryResponse, StorageError> {
        let current = self.storage.read(env)?;
        let entries = self.storage.history(env)?;
        let committed = crate::storage::committed(&entries, current.as_ref().map(|stored| &stored.state));
        let current_text = current.map(|stored| stored.state.text);
        let mut items: Vec<HistoryItem> =
            committed.iter().map(|entry| history_item(entry, current_text.as_ref())).collect();
        items.reverse();
        Ok(HistoryResponse { env: env.to_string(), entries: items })
    }

    /// Restores the text change `seq` produced (with `undo`, the text it replaced), as a new
    /// change made against `expected` (the current text version if `None`). Returns the new
    /// version.
    pub fn revert(
        &self,
        env: &EnvName,
        seq: u64,
        undo: bool,
        expected: Option<Version>,
        mut meta: ChangeMeta,
    ) -> Result<Version, StorageError> {
        let (text, stored) = self.revert_text(env, seq, undo)?;
        let expected = expected.unwrap_or(stored.state.text);
        meta.reason = revert_reason(seq, undo, meta.reason.take());
        let change = Change::Text { kind: ChangeKind::Revert, expected, text: text.clone() };
        self.storage.commit(env, change, meta)?;
        Ok(crate::store::version_of(text.as_bytes()))
    }

    /// The text a revert of change `seq` (with `undo`, an undo of it) would write, and the
    /// environment as read.
    pub fn revert_text(&self, env: &EnvName, seq: u64, undo: bool) -> Result<(String, StoredEnv), StorageError> {
        let stored = self.read(env)?;
        let entries = self.storage.history(env)?;
        let committed = crate::storage::committed(&entries, Some(&stored.state));
        let target = Seq::new(seq)
            .and_then(|seq| committed.iter().find(|entry| entry.seq == seq))
            .ok_or(StorageError::NoSuchChange { env: env.clone(), seq })?;
        let text = restored_text(target, undo).ok_or(StorageError::NotRevertible { env: env.clone(), seq })?;
        Ok((text, stored))
    }
}

/// The presets a change (a write, a promote or a change request) replaces and proposes, with the settings version they were
/// read at (presets live in the settings).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PresetProposal {
    /// The version of the environment's settings the change was made against.
    pub base: Version,
    /// The presets then.
    pub before: BTreeMap<String, Preset>,
    /// The presets the change would write.
    pub after: BTreeMap<String, Preset>,
}

/// A promote's preview: the plan, the target as read, and the presets it carries.
#[derive(Debug, Clone)]
pub struct PromotePreview {
    /// The bindings it writes.
    pub plan: PromotePlan,
    /// The target's text as read.
    pub target: Snapshot,
    /// The target's presets before and after.
    pub presets: PresetProposal,
}

/// Why a preset was not written.
#[derive(Debug, thiserror::Error)]
pub enum PresetWriteError {
    /// The store refused or failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The model has no binding in the environment, so a preset would apply to nothing.
    #[error("`{model}` has no binding in the environment `{env}`; bind it first, then give it a preset")]
    NotBound {
        /// The environment.
        env: EnvName,
        /// The model.
        model: String,
    },
}

/// The reason a revert is recorded with: what it restores, then the author's reason.
pub fn revert_reason(seq: u64, undo: bool, reason: Option<String>) -> Option<String> {
    let what = if undo { format!("undoes change {seq}") } else { format!("back to the version of change {seq}") };
    Some(match reason {
        Some(reason) => format!("{what}: {reason}"),
        None => what,
    })
}

/// The text a revert to `entry` restores: the one it produced, or with `undo` the one it
/// replaced (a create replaced none, a delete produced none).
pub fn restored_text(entry: &HistoryEntry, undo: bool) -> Option<String> {
    match (undo, entry.kind) {
        (true, ChangeKind::Create) => None,
        (true, _) => entry.previous_text.clone(),
        (false, _) => entry.new_text.clone(),
    }
}

fn change_summary(entry: &HistoryEntry) -> ChangeSummary {
    ChangeSummary {
        seq: entry.seq.get(),
        time_ms: entry.time_ms,
        author: entry.author.clone(),
        kind: entry.kind,
        reason: entry.reason.clone(),
        approver: entry.approval.as_ref().map(|approval| approval.by.clone()),
        request: entry.approval.as_ref().map(|approval| approval.request),
        presets: match (&entry.previous_settings, &entry.new_settings) {
            (Some(before), Some(after)) if entry.kind.is_settings_change() => {
                preset_diff(&before.presets, &after.presets)
            }
            _ => Vec::new(),
        },
    }
}

/// One committed entry as the history shows it.
fn history_item(entry: &HistoryEntry, current_text: Option<&Version>) -> HistoryItem {
    let touches_text = entry.text.is_some();
    let (old, new) = (entry.previous_text.as_deref().unwrap_or(""), entry.new_text.as_deref().unwrap_or(""));
    let produced = entry.text.as_ref().and_then(|transition| transition.new.as_ref());
    HistoryItem {
        summary: change_summary(entry),
        changes: if touches_text { binding_diff(&Document::parse(old), &Document::parse(new)) } else { Vec::new() },
        lines: if touches_text { line_diff(old, new) } else { Vec::new() },
        settings: entry
            .settings
            .as_ref()
            .map(|_| SettingsChange { before: entry.previous_settings.clone(), after: entry.new_settings.clone() }),
        revertible: entry.new_text.is_some() && produced.is_some() && produced != current_text,
        undoable: entry.kind != ChangeKind::Create
            && entry.previous_text.is_some()
            && entry.text.as_ref().and_then(|transition| transition.previous.as_ref()) != current_text,
    }
}

/// The name a CLI change is recorded under: the OS user.
pub fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "cli".to_owned())
}

/// The name a server change is recorded under until users exist.
pub const SERVER_AUTHOR: &str = "local";
