//! [`copy_store`]: every environment of one store, with its history, into another (moving from
//! `--store DIR` to S3), refusing to overwrite anything.

use bedrock_binder_shared::env_name::EnvName;

use super::{Storage, StorageError};

/// What was copied of one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopiedEnv {
    /// The environment.
    pub env: EnvName,
    /// How many history entries came with it.
    pub entries: usize,
}

/// Copies every environment of `from` into `to`: its history entries first, byte for byte
/// equal (create-if-absent), then the environment itself (create-if-absent), so that an
/// interrupted copy leaves at most entries without their environment, which read as not
/// committed and make a rerun refuse rather than mix two histories.
///
/// Refuses ([`StorageError::AlreadyExists`]) before writing anything of an environment that
/// `to` has, or whose history `to` has begun. Environments deleted in `from` are not listed
/// there, so their histories stay behind.
pub fn copy_store(from: &dyn Storage, to: &dyn Storage) -> Result<Vec<CopiedEnv>, StorageError> {
    let names = from.list()?;
    for env in &names {
        if to.read(env)?.is_some() || !to.history(env)?.is_empty() {
            return Err(StorageError::AlreadyExists { env: env.clone() });
        }
    }
    let mut copied = Vec::with_capacity(names.len());
    for env in names {
        let Some(stored) = from.read(&env)? else { continue };
        let entries = from.history(&env)?;
        for entry in &entries {
            to.append_history(&env, entry)?;
        }
        to.create(&env, &stored.text, &stored.settings)?;
        copied.push(CopiedEnv { env, entries: entries.len() });
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Change, ChangeKind, ChangeMeta, EnvSettings, LocalDirStore};

    #[test]
    fn a_copy_keeps_texts_settings_and_the_committed_history_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (from, to) = (LocalDirStore::new(dir.path().join("from")), LocalDirStore::new(dir.path().join("to")));
        let prod: EnvName = "prod".parse().expect("name");
        let meta = || ChangeMeta { author: "me".to_owned(), reason: None, approval: None };
        let settings = EnvSettings { description: "production".to_owned(), protected: true, ..EnvSettings::default() };
        let change = Change::Create { text: "# prod\r\n".to_owned(), settings };
        from.commit(&prod, change, meta()).expect("create");
        let expected = from.read(&prod).expect("read").expect("exists").state.text;
        let edit = Change::Text { kind: ChangeKind::Edit, expected, text: "# prod\r\nm.a=us.m.a\r\n".to_owned() };
        from.commit(&prod, edit, meta()).expect("edit");

        let copied = copy_store(&from, &to).expect("copied");
        assert_eq!(copied, vec![CopiedEnv { env: prod.clone(), entries: 2 }]);
        assert_eq!(to.read(&prod).expect("read"), from.read(&prod).expect("read"));
        assert_eq!(to.committed_history(&prod).expect("history"), from.committed_history(&prod).expect("history"));
        assert_eq!(to.committed_history(&prod).expect("history").len(), 2, "the copy reads as committed");

        let again = copy_store(&from, &to).expect_err("refused");
        assert!(matches!(again, StorageError::AlreadyExists { .. }), "{again}");
    }
}
