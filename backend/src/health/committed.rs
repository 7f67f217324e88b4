//! [`Observed`]: a [`Storage`] that tells a hook of every change it commits, whichever
//! handler made it (an edit, an import, a promote, a revert, an approved change request, a
//! settings change, a create or a delete): every one passes [`Storage::commit`], and the
//! server wraps its store in this ([`crate::envs::Environments::with_storage_wrapped`]).
//!
//! Every other method is handed to the wrapped store as it is, defaults included, so its own
//! shortcuts (S3's read cache, the local store's one-`stat` version check) keep working.

use std::sync::Arc;

use bedrock_binder_shared::Version;
use bedrock_binder_shared::env_name::EnvName;

use crate::storage::{
    Change, ChangeMeta, EnvSettings, EnvState, HistoryEntry, RecordKind, Seq, Storage, StorageError, StoredEnv,
};

/// What is told of a committed change: the environment and its history entry. Called on the
/// thread that committed, after the commit, so it must return at once.
pub type CommitHook = Arc<dyn Fn(&EnvName, &HistoryEntry) + Send + Sync>;

/// `inner`, with `hook` told of each change committed through it.
pub struct Observed {
    inner: Arc<dyn Storage>,
    hook: CommitHook,
}

impl Observed {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Storage>, hook: CommitHook) -> Observed {
        Observed { inner, hook }
    }
}

impl Storage for Observed {
    fn commit(&self, env: &EnvName, change: Change, meta: ChangeMeta) -> Result<HistoryEntry, StorageError> {
        let entry = self.inner.commit(env, change, meta)?;
        (self.hook)(env, &entry);
        Ok(entry)
    }

    fn list(&self) -> Result<Vec<EnvName>, StorageError> {
        self.inner.list()
    }

    fn read(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        self.inner.read(env)
    }

    fn create(&self, env: &EnvName, text: &str, settings: &EnvSettings) -> Result<EnvState, StorageError> {
        self.inner.create(env, text, settings)
    }

    fn write_text(&self, env: &EnvName, expected: &Version, text: &str) -> Result<Version, StorageError> {
        self.inner.write_text(env, expected, text)
    }

    fn write_settings(
        &self,
        env: &EnvName,
        expected: &Version,
        settings: &EnvSettings,
    ) -> Result<Version, StorageError> {
        self.inner.write_settings(env, expected, settings)
    }

    fn delete(&self, env: &EnvName, expected: &Version) -> Result<(), StorageError> {
        self.inner.delete(env, expected)
    }

    fn append_history(&self, env: &EnvName, entry: &HistoryEntry) -> Result<(), StorageError> {
        self.inner.append_history(env, entry)
    }

    fn create_record(&self, env: &EnvName, kind: RecordKind, number: Seq, bytes: &[u8]) -> Result<bool, StorageError> {
        self.inner.create_record(env, kind, number, bytes)
    }

    fn records(&self, env: &EnvName, kind: RecordKind) -> Result<Vec<(Seq, Vec<u8>)>, StorageError> {
        self.inner.records(env, kind)
    }

    fn check_access(&self) -> Result<(), StorageError> {
        self.inner.check_access()
    }

    fn read_recent(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        self.inner.read_recent(env)
    }

    fn unchanged_text_version(&self, env: &EnvName) -> Option<Version> {
        self.inner.unchanged_text_version(env)
    }

    fn next_seq(&self, env: &EnvName) -> Result<Seq, StorageError> {
        self.inner.next_seq(env)
    }

    fn history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        self.inner.history(env)
    }

    fn committed_history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        self.inner.committed_history(env)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::storage::{ChangeKind, LocalDirStore};

    #[test]
    fn each_committed_change_is_told_once_and_a_refused_one_never() {
        let dir = tempfile::tempdir().expect("temp dir");
        let told = Arc::new(Mutex::new(Vec::new()));
        let hook: CommitHook = {
            let told = Arc::clone(&told);
            Arc::new(move |env: &EnvName, entry: &HistoryEntry| {
                told.lock().expect("lock").push((env.to_string(), entry.kind));
            })
        };
        let store = Observed::new(Arc::new(LocalDirStore::new(dir.path())), hook);
        let env: EnvName = "qa".parse().expect("a name");
        let meta = || ChangeMeta { author: "ada".to_owned(), reason: None, approval: None };
        let create = Change::Create { text: "a.b-v1:0=\n".to_owned(), settings: EnvSettings::default() };
        store.commit(&env, create, meta()).expect("created");
        let stale =
            Change::Text { kind: ChangeKind::Edit, expected: crate::store::version_of(b"not it"), text: String::new() };
        assert!(store.commit(&env, stale, meta()).is_err(), "made against another version");
        assert_eq!(*told.lock().expect("lock"), vec![("qa".to_owned(), ChangeKind::Create)]);
        assert!(store.read(&env).expect("read").is_some(), "reads reach the wrapped store");
    }
}
