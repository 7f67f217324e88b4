//! [`SingleFileStore`]: one binding file (`--file`, by default `~/.aws/inference.txt`) as the
//! store's one environment, `default`, for the single user who has no store.
//!
//! The file stays byte for byte what TPipe reads: its history and settings live in the user's
//! state directory, never beside it:
//!
//! ```text
//! STATE/files/HASH/settings.json                          the settings of `default`
//! STATE/files/HASH/envs/default/history/NNNNNNNNNNNN.json its history
//! ```
//!
//! `STATE` is `BEDROCK_BINDER_STATE_DIR`, else `$XDG_STATE_HOME/bedrock-binder`, else
//! `~/.local/state/bedrock-binder`; `HASH` names the file's absolute path, so two files keep
//! two histories. A missing file reads as the empty environment, as TPipe reads it, and the
//! first write creates it (mode 0600).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bedrock_binder_shared::Version;
use bedrock_binder_shared::env_name::EnvName;

use super::{
    EnvSettings, EnvState, HistoryEntry, LocalDirStore, RecordKind, Seq, Storage, StorageError, StoredEnv,
    settings_bytes,
};
use crate::store::{FileStore, lock_dir, replace_file, version_of};

/// The settings file in the file's state directory.
const SETTINGS_FILE: &str = "settings.json";

/// One binding file as the environment `default`.
#[derive(Debug)]
pub struct SingleFileStore {
    file: FileStore,
    /// The file's state directory, if the user has one (no home directory: no history).
    state: Option<PathBuf>,
    /// The history, kept as a directory store's is, under `state`.
    history: Option<LocalDirStore>,
}

impl SingleFileStore {
    /// The file at `path`, with its history in the user's state directory.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let state = user_state_dir().map(|root| root.join("files").join(path_key(&path)));
        SingleFileStore::with_state_dir(path, state)
    }

    /// The file at `path`, with its history and settings in `state` (`None`: no history).
    pub fn with_state_dir(path: impl Into<PathBuf>, state: Option<PathBuf>) -> Self {
        let history = state.clone().map(LocalDirStore::new);
        SingleFileStore { file: FileStore::new(path), state, history }
    }

    /// The binding file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    fn is_default(env: &EnvName) -> bool {
        *env == EnvName::default()
    }

    fn needs_a_store(what: &str) -> StorageError {
        StorageError::Unsupported(format!(
            "{what} needs a store of environments: pass --store DIR (or set BEDROCK_BINDER_STORE); a single file (--file) is the one environment `default`"
        ))
    }

    fn settings_path(&self) -> Option<PathBuf> {
        self.state.as_ref().map(|dir| dir.join(SETTINGS_FILE))
    }

    fn read_settings(&self) -> Result<(EnvSettings, Version), StorageError> {
        let Some(path) = self.settings_path() else { return Ok((EnvSettings::default(), version_of(b""))) };
        let raw = match fs::read(&path) {
            Ok(raw) => raw,
            Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(backend(&path, source)),
        };
        let settings = if raw.is_empty() {
            EnvSettings::default()
        } else {
            serde_json::from_slice(&raw).map_err(|error| StorageError::Corrupt {
                location: path.display().to_string(),
                detail: error.to_string(),
            })?
        };
        Ok((settings, version_of(&raw)))
    }
}

fn backend(path: &Path, source: io::Error) -> StorageError {
    StorageError::Backend { location: path.display().to_string(), source: Box::new(source) }
}

/// `BEDROCK_BINDER_STATE_DIR`, else `$XDG_STATE_HOME/bedrock-binder`, else
/// `$HOME/.local/state/bedrock-binder`.
pub(crate) fn user_state_dir() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    set("BEDROCK_BINDER_STATE_DIR")
        .or_else(|| set("XDG_STATE_HOME").map(|dir| dir.join("bedrock-binder")))
        .or_else(|| std::env::home_dir().map(|home| home.join(".local/state/bedrock-binder")))
}

/// A directory name for the file at `path`: the first 16 hex digits of the hash of its
/// absolute path (a relative `--file` means the same file from anywhere).
fn path_key(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut key = version_of(absolute.as_os_str().as_encoded_bytes()).as_str().to_owned();
    key.truncate(16);
    key
}

impl Storage for SingleFileStore {
    fn list(&self) -> Result<Vec<EnvName>, StorageError> {
        Ok(vec![EnvName::default()])
    }

    fn read(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        if !SingleFileStore::is_default(env) {
            return Ok(None);
        }
        let snapshot = self.file.load()?;
        let (settings, settings_version) = self.read_settings()?;
        Ok(Some(StoredEnv {
            text: snapshot.text,
            settings,
            state: EnvState { text: snapshot.version, settings: settings_version },
            existed: snapshot.existed,
        }))
    }

    fn create(&self, env: &EnvName, _text: &str, _settings: &EnvSettings) -> Result<EnvState, StorageError> {
        if SingleFileStore::is_default(env) {
            return Err(StorageError::AlreadyExists { env: env.clone() });
        }
        Err(SingleFileStore::needs_a_store("creating an environment"))
    }

    fn write_text(&self, env: &EnvName, expected: &Version, text: &str) -> Result<Version, StorageError> {
        if !SingleFileStore::is_default(env) {
            return Err(StorageError::NotFound { env: env.clone() });
        }
        Ok(self.file.save(expected, text)?)
    }

    fn write_settings(
        &self,
        env: &EnvName,
        expected: &Version,
        settings: &EnvSettings,
    ) -> Result<Version, StorageError> {
        if !SingleFileStore::is_default(env) {
            return Err(StorageError::NotFound { env: env.clone() });
        }
        let (Some(dir), Some(path)) = (self.state.as_ref(), self.settings_path()) else {
            return Err(StorageError::Unsupported(
                "there is no home directory to keep the settings of the file in; set BEDROCK_BINDER_STATE_DIR"
                    .to_owned(),
            ));
        };
        fs::create_dir_all(dir).map_err(|source| backend(dir, source))?;
        let _lock = lock_dir(dir).map_err(|source| backend(dir, source))?;
        let (_, current) = self.read_settings()?;
        if current != *expected {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(current) });
        }
        let bytes = settings_bytes(settings);
        replace_file(&path, &bytes).map_err(|source| backend(&path, source))?;
        Ok(version_of(&bytes))
    }

    fn delete(&self, _env: &EnvName, _expected: &Version) -> Result<(), StorageError> {
        Err(SingleFileStore::needs_a_store("deleting an environment"))
    }

    fn unchanged_text_version(&self, env: &EnvName) -> Option<Version> {
        if SingleFileStore::is_default(env) { self.file.unchanged_version() } else { None }
    }

    fn append_history(&self, env: &EnvName, entry: &HistoryEntry) -> Result<(), StorageError> {
        match &self.history {
            Some(history) => history.append_history(env, entry),
            // Without a state directory the edit still happens; only its record cannot be kept.
            None => Ok(()),
        }
    }

    fn next_seq(&self, env: &EnvName) -> Result<super::Seq, StorageError> {
        match &self.history {
            Some(history) => history.next_seq(env),
            None => Ok(super::Seq::FIRST),
        }
    }

    fn create_record(&self, env: &EnvName, kind: RecordKind, number: Seq, bytes: &[u8]) -> Result<bool, StorageError> {
        match &self.history {
            Some(history) => history.create_record(env, kind, number, bytes),
            None => Err(StorageError::Unsupported(
                "change requests need a state directory for the file, and this user has none".to_owned(),
            )),
        }
    }

    fn records(&self, env: &EnvName, kind: RecordKind) -> Result<Vec<(Seq, Vec<u8>)>, StorageError> {
        match &self.history {
            Some(history) => history.records(env, kind),
            None => Ok(Vec::new()),
        }
    }

    fn history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        match &self.history {
            Some(history) => history.history(env),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Change, ChangeKind, ChangeMeta};

    fn default_env() -> EnvName {
        EnvName::default()
    }

    #[test]
    fn edits_keep_the_file_byte_for_byte_and_the_history_out_of_its_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("aws/inference.txt");
        let state = dir.path().join("state");
        let store = SingleFileStore::with_state_dir(&file, Some(state.clone()));
        let empty = store.read(&default_env()).expect("read").expect("default always exists");
        assert!(!empty.existed, "a missing file reads as the empty environment");
        let text = "# mine\r\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\r\n";
        let meta = ChangeMeta { author: "me".to_owned(), reason: None, approval: None };
        let change = Change::Text { kind: ChangeKind::Edit, expected: empty.state.text, text: text.to_owned() };
        store.commit(&default_env(), change, meta).expect("commit");
        assert_eq!(fs::read(&file).expect("file"), text.as_bytes());
        let beside: Vec<_> = fs::read_dir(file.parent().expect("dir")).expect("list").collect();
        assert_eq!(beside.len(), 1, "nothing but the file beside it");
        let history = store.committed_history(&default_env()).expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].author, "me");
    }

    #[test]
    fn other_environments_and_create_or_delete_say_a_store_is_needed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SingleFileStore::with_state_dir(dir.path().join("inference.txt"), None);
        let staging: EnvName = "staging".parse().expect("valid");
        assert!(store.read(&staging).expect("read").is_none());
        let refused = store.create(&staging, "", &EnvSettings::default()).expect_err("refused");
        assert!(refused.to_string().contains("--store DIR"), "{refused}");
        assert_eq!(store.list().expect("list"), vec![default_env()]);
    }
}
