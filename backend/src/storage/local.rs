//! [`LocalDirStore`]: the environments in a directory (`--store DIR`).
//!
//! ```text
//! DIR/envs/NAME/inference.txt                 the environment's file, byte for byte
//! DIR/envs/NAME/settings.json                 its settings
//! DIR/envs/NAME/history/000000000001.json     its history, one immutable file per entry
//! DIR/envs/NAME/requests/000000000001.json    its change requests, immutable too
//! DIR/envs/NAME/decisions/000000000001.json   the decision on a request, at most one
//! ```
//!
//! Every replace is atomic (temp file, fsync, rename, directory fsync, through
//! [`crate::store::replace_file`]), and a conditional one compares the version under an
//! exclusive `flock` on the environment's directory, as the file store does: the lock makes
//! the compare and the rename one step, like S3's conditional `PutObject`. A history entry is
//! written whole to a temp file and published with `hard_link`, which fails if the name is
//! taken: create-if-absent (`If-None-Match: *`) without ever showing a half-written entry.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bedrock_binder_shared::Version;
use bedrock_binder_shared::env_name::EnvName;

use super::{EnvSettings, EnvState, HistoryEntry, RecordKind, Seq, Storage, StorageError, StoredEnv, settings_bytes};
use crate::store::{FileStore, StoreError, lock_dir, replace_file, version_of};

/// The environment's file, as TPipe reads it.
const TEXT_FILE: &str = "inference.txt";
/// The environment's settings.
const SETTINGS_FILE: &str = "settings.json";
/// The directory of history entries.
const HISTORY_DIR: &str = "history";
/// Digits in a history file name: enough for a change a millisecond for thirty years, and a
/// fixed width so that a listing sorted by name reads in order for a person too.
const SEQ_DIGITS: usize = 12;

/// Makes temp names of history entries unique among this process's threads.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The environments under one directory. Holds no handles: every call opens what it needs,
/// so the CLI and the server can share a directory.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    root: PathBuf,
    /// Each environment's text as a [`FileStore`], which remembers the version it last read
    /// with the file's stamp ([`Storage::unchanged_text_version`]).
    texts: Arc<Mutex<HashMap<EnvName, Arc<FileStore>>>>,
    /// Per environment, a number at or below the next free history number: numbers are
    /// taken one after another (each writer takes one past the highest, or the next when that
    /// is taken), so every number below a free one is taken, and `next_seq` can look up from
    /// here instead of listing the whole history on every write.
    next_seqs: Arc<Mutex<HashMap<EnvName, Seq>>>,
}

impl LocalDirStore {
    /// A store in `root`, created on the first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalDirStore { root: root.into(), texts: Arc::default(), next_seqs: Arc::default() }
    }

    /// The environment's text file, with what was last read of it.
    fn text_file(&self, env: &EnvName) -> Arc<FileStore> {
        let mut texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        // Looked up before `entry`, which takes an owned key: the 304 path of the read API
        // comes here on every request, and should not allocate a name to find one.
        if let Some(file) = texts.get(env) {
            return Arc::clone(file);
        }
        Arc::clone(
            texts
                .entry(env.clone())
                .or_insert_with(|| Arc::new(FileStore::in_store_dir(self.env_dir(env).join(TEXT_FILE)))),
        )
    }

    /// The directory the store was given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn envs_dir(&self) -> PathBuf {
        self.root.join("envs")
    }

    /// The environment's directory. An [`EnvName`] cannot hold `/`, `\` or `..`, so this is
    /// always a direct child of `envs/`.
    fn env_dir(&self, env: &EnvName) -> PathBuf {
        self.envs_dir().join(env.as_str())
    }

    fn history_path(&self, env: &EnvName, seq: Seq) -> PathBuf {
        self.env_dir(env).join(HISTORY_DIR).join(format!("{:0width$}.json", seq.get(), width = SEQ_DIGITS))
    }

    /// Locks the environment's directory, for a compare and a replace as one step among
    /// every process using the store. Only a create makes the directory; for anything else a
    /// missing one is a missing environment.
    fn lock(&self, env: &EnvName, create: bool) -> Result<Option<File>, StorageError> {
        let dir = self.env_dir(env);
        if create {
            fs::create_dir_all(&dir).map_err(|source| backend(&dir, source))?;
        }
        match lock_dir(&dir) {
            Ok(handle) => Ok(handle),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Err(StorageError::NotFound { env: env.clone() }),
            Err(source) => Err(backend(&dir, source)),
        }
    }
}

fn backend(path: &Path, source: io::Error) -> StorageError {
    StorageError::Backend { location: path.display().to_string(), source: Box::new(source) }
}

fn corrupt(path: &Path, detail: impl ToString) -> StorageError {
    StorageError::Corrupt { location: path.display().to_string(), detail: detail.to_string() }
}

/// The file's bytes, or `None` if there is no such file.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StorageError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(backend(path, source)),
    }
}

/// The version of the file's bytes; a missing file has the version of empty bytes.
fn version_at(path: &Path) -> Result<Version, StorageError> {
    Ok(version_of(&read_optional(path)?.unwrap_or_default()))
}

/// Removes `path` if it exists, then makes the removal durable.
fn remove_durably(path: &Path, dir_handle: Option<&File>) -> Result<(), StorageError> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(backend(path, source)),
    }
    if let Some(handle) = dir_handle {
        handle.sync_all().map_err(|source| backend(path, source))?;
    }
    Ok(())
}

impl Storage for LocalDirStore {
    fn unchanged_text_version(&self, env: &EnvName) -> Option<Version> {
        self.text_file(env).unchanged_version()
    }

    fn list(&self) -> Result<Vec<EnvName>, StorageError> {
        let dir = self.envs_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(backend(&dir, source)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| backend(&dir, source))?;
            // Anything that is not an environment's name (a stray file, an editor's backup)
            // is not an environment; neither is a directory without its text (deleted).
            let Some(name) = entry.file_name().to_str().and_then(|name| name.parse::<EnvName>().ok()) else {
                continue;
            };
            if entry.path().join(TEXT_FILE).is_file() {
                names.push(name);
            }
        }
        // A directory listing has no defined order (nor does S3's, for our purposes).
        names.sort();
        Ok(names)
    }

    fn read(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        let dir = self.env_dir(env);
        let text_path = dir.join(TEXT_FILE);
        let snapshot = match self.text_file(env).load() {
            Ok(snapshot) => snapshot,
            Err(StoreError::InvalidUtf8 { offset, .. }) => {
                return Err(corrupt(&text_path, format!("not UTF-8 (first bad byte at offset {offset})")));
            }
            Err(StoreError::Read { source, .. }) => return Err(backend(&text_path, source)),
            Err(other) => return Err(corrupt(&text_path, other)),
        };
        if !snapshot.existed {
            return Ok(None);
        }
        let (text, text_version) = (snapshot.text, snapshot.version);
        let settings_path = dir.join(SETTINGS_FILE);
        let settings_raw = read_optional(&settings_path)?.unwrap_or_default();
        let settings = if settings_raw.is_empty() {
            EnvSettings::default()
        } else {
            serde_json::from_slice(&settings_raw).map_err(|error| corrupt(&settings_path, error))?
        };
        let state = EnvState { text: text_version, settings: version_of(&settings_raw) };
        Ok(Some(StoredEnv { text, settings, state, existed: true }))
    }

    fn create(&self, env: &EnvName, text: &str, settings: &EnvSettings) -> Result<EnvState, StorageError> {
        let dir = self.env_dir(env);
        let _lock = self.lock(env, true)?;
        let text_path = dir.join(TEXT_FILE);
        if text_path.exists() {
            return Err(StorageError::AlreadyExists { env: env.clone() });
        }
        // Settings first: until the text exists they belong to no environment, so a crash
        // here leaves nothing that reads as created.
        let settings_raw = settings_bytes(settings);
        let settings_path = dir.join(SETTINGS_FILE);
        replace_file(&settings_path, &settings_raw).map_err(|source| backend(&settings_path, source))?;
        replace_file(&text_path, text.as_bytes()).map_err(|source| backend(&text_path, source))?;
        Ok(EnvState { text: version_of(text.as_bytes()), settings: version_of(&settings_raw) })
    }

    fn write_text(&self, env: &EnvName, expected: &Version, text: &str) -> Result<Version, StorageError> {
        let path = self.env_dir(env).join(TEXT_FILE);
        let _lock = self.lock(env, false)?;
        let Some(current) = read_optional(&path)? else {
            return Err(StorageError::NotFound { env: env.clone() });
        };
        let current = version_of(&current);
        if current != *expected {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(current) });
        }
        replace_file(&path, text.as_bytes()).map_err(|source| backend(&path, source))?;
        Ok(version_of(text.as_bytes()))
    }

    fn write_settings(
        &self,
        env: &EnvName,
        expected: &Version,
        settings: &EnvSettings,
    ) -> Result<Version, StorageError> {
        let dir = self.env_dir(env);
        let path = dir.join(SETTINGS_FILE);
        let _lock = self.lock(env, false)?;
        if !dir.join(TEXT_FILE).exists() {
            return Err(StorageError::NotFound { env: env.clone() });
        }
        let current = version_at(&path)?;
        if current != *expected {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(current) });
        }
        let bytes = settings_bytes(settings);
        replace_file(&path, &bytes).map_err(|source| backend(&path, source))?;
        Ok(version_of(&bytes))
    }

    fn delete(&self, env: &EnvName, expected: &Version) -> Result<(), StorageError> {
        let dir = self.env_dir(env);
        let text_path = dir.join(TEXT_FILE);
        let lock = self.lock(env, false)?;
        let Some(current) = read_optional(&text_path)? else {
            return Err(StorageError::NotFound { env: env.clone() });
        };
        let current = version_of(&current);
        if current != *expected {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(current) });
        }
        // The text is what makes the environment exist: removing it is the commit point.
        // The settings go after it; if a crash keeps them, the next create replaces them.
        remove_durably(&text_path, lock.as_ref())?;
        remove_durably(&dir.join(SETTINGS_FILE), lock.as_ref())
    }

    fn append_history(&self, env: &EnvName, entry: &HistoryEntry) -> Result<(), StorageError> {
        let path = self.history_path(env, entry.seq);
        let bytes = serde_json::to_vec_pretty(entry).map_err(|error| corrupt(&path, error))?;
        if create_numbered(&self.env_dir(env).join(HISTORY_DIR), entry.seq, &bytes)? {
            Ok(())
        } else {
            Err(StorageError::SeqTaken { env: env.clone(), seq: entry.seq })
        }
    }

    fn create_record(&self, env: &EnvName, kind: RecordKind, number: Seq, bytes: &[u8]) -> Result<bool, StorageError> {
        create_numbered(&self.env_dir(env).join(kind.dir()), number, bytes)
    }

    fn records(&self, env: &EnvName, kind: RecordKind) -> Result<Vec<(Seq, Vec<u8>)>, StorageError> {
        numbered_files(&self.env_dir(env).join(kind.dir()))?
            .into_iter()
            .map(|(number, path)| Ok((number, fs::read(&path).map_err(|source| backend(&path, source))?)))
            .collect()
    }

    fn next_seq(&self, env: &EnvName) -> Result<Seq, StorageError> {
        let known = self.next_seqs.lock().unwrap_or_else(PoisonError::into_inner).get(env).copied();
        let mut seq = match known {
            Some(seq) => seq,
            None => {
                numbered_files(&self.env_dir(env).join(HISTORY_DIR))?.last().map_or(Seq::FIRST, |(seq, _)| seq.next())
            }
        };
        // Other writers (another process, the CLI) may have taken numbers since: one check per
        // number they took.
        loop {
            let path = self.history_path(env, seq);
            if !path.try_exists().map_err(|source| backend(&path, source))? {
                break;
            }
            seq = seq.next();
        }
        self.next_seqs.lock().unwrap_or_else(PoisonError::into_inner).insert(env.clone(), seq);
        Ok(seq)
    }

    fn history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        numbered_files(&self.env_dir(env).join(HISTORY_DIR))?
            .into_iter()
            .map(|(seq, path)| {
                let bytes = fs::read(&path).map_err(|source| backend(&path, source))?;
                let entry: HistoryEntry = serde_json::from_slice(&bytes).map_err(|error| corrupt(&path, error))?;
                if entry.seq != seq {
                    return Err(corrupt(&path, format!("it holds entry {} under the name of entry {seq}", entry.seq)));
                }
                Ok(entry)
            })
            .collect()
    }
}

/// Stores `bytes` as `dir/NNNNNNNNNNNN.json` for `number`, only if that name is free
/// (`Ok(false)` if it is taken): a history entry, or a record.
fn create_numbered(dir: &Path, number: Seq, bytes: &[u8]) -> Result<bool, StorageError> {
    fs::create_dir_all(dir).map_err(|source| backend(dir, source))?;
    let target = dir.join(format!("{:0width$}.json", number.get(), width = SEQ_DIGITS));
    // Written whole and fsynced under a temp name first: a crash mid-write must not leave
    // a torn file under a real number.
    let temp = dir.join(format!(
        ".{}.{}.{}.tmp",
        number.get(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        // Publishing by link, not rename: a link fails if the name is taken, which is
        // the create-if-absent; a rename would silently replace the other writer's file.
        fs::hard_link(&temp, &target)
    })();
    // Best effort: the outcome matters more than a leftover temp file.
    let _ = fs::remove_file(&temp);
    match result {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(source) => return Err(backend(&target, source)),
    }
    #[cfg(unix)]
    File::open(dir).and_then(|handle| handle.sync_all()).map_err(|source| backend(dir, source))?;
    Ok(true)
}

/// The numbered files of `dir` by number, from one listing: none is read.
fn numbered_files(dir: &Path) -> Result<Vec<(Seq, PathBuf)>, StorageError> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(backend(dir, source)),
    };
    let mut numbered = Vec::new();
    for item in listing {
        let item = item.map_err(|source| backend(dir, source))?;
        let name = item.file_name();
        // Temp files start with `.`; only `NNNNNNNNNNNN.json` names count.
        let Some(seq) = name
            .to_str()
            .and_then(|name| name.strip_suffix(".json"))
            .filter(|digits| digits.len() == SEQ_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse().ok())
            .and_then(Seq::new)
        else {
            continue;
        };
        numbered.push((seq, item.path()));
    }
    numbered.sort();
    Ok(numbered)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a contract test against fresh stores in subdirectories of one temp directory,
    /// which lives until the test ends.
    fn run(test: impl FnOnce(&dyn Fn() -> LocalDirStore)) {
        let root = tempfile::tempdir().expect("temp dir");
        let counter = AtomicU64::new(0);
        let make = || LocalDirStore::new(root.path().join(counter.fetch_add(1, Ordering::Relaxed).to_string()));
        test(&make);
    }

    crate::storage::contract::contract_tests!(run);

    #[test]
    fn a_writer_that_remembers_its_next_number_still_steps_past_numbers_another_process_took() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ours, theirs) = (LocalDirStore::new(dir.path()), LocalDirStore::new(dir.path()));
        let env: EnvName = "prod".parse().expect("valid");
        let meta = || super::super::ChangeMeta { author: "t".to_owned(), reason: None, approval: None };
        let edit = |store: &LocalDirStore, text: &str| {
            let expected = store.read(&env).expect("read").expect("exists").state.text;
            let change =
                super::super::Change::Text { kind: super::super::ChangeKind::Edit, expected, text: text.to_owned() };
            store.commit(&env, change, meta()).expect("committed").seq.get()
        };
        ours.commit(
            &env,
            super::super::Change::Create { text: String::new(), settings: EnvSettings::default() },
            meta(),
        )
        .expect("create");
        assert_eq!(edit(&ours, "a.b=\n"), 2);
        assert_eq!((edit(&theirs, "a.b=x\n"), edit(&theirs, "a.b=y\n")), (3, 4), "another process");
        assert_eq!(edit(&ours, "a.b=z\n"), 5, "past the numbers taken meanwhile, none reused");
        let seqs: Vec<u64> = ours.committed_history(&env).expect("history").iter().map(|e| e.seq.get()).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_text_is_stored_byte_for_byte_where_tpipe_can_read_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = LocalDirStore::new(dir.path());
        let env: EnvName = "prod".parse().expect("valid");
        let text = "# comment\r\namazon.nova-pro-v1:0 = us.amazon.nova-pro-v1:0\n\n";
        store.create(&env, text, &EnvSettings::default()).expect("create");
        assert_eq!(fs::read(dir.path().join("envs/prod/inference.txt")).expect("read"), text.as_bytes());
    }

    #[test]
    fn stray_files_and_half_written_entries_are_not_read_as_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = LocalDirStore::new(dir.path());
        let env: EnvName = "dev".parse().expect("valid");
        fs::create_dir_all(dir.path().join("envs/dev/history")).expect("mkdir");
        fs::write(dir.path().join("envs/dev/history/.000000000001.json.1.0.tmp"), "{ torn").expect("write");
        fs::write(dir.path().join("envs/dev/history/notes.txt"), "hello").expect("write");
        fs::create_dir_all(dir.path().join("envs/Not-An-Env")).expect("mkdir");
        assert!(store.history(&env).expect("history").is_empty());
        assert!(store.list().expect("list").is_empty(), "a directory without inference.txt is no environment");
    }
}
