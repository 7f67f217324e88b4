//! [`Storage`]: where the environments, their settings and their history live, behind one
//! interface for a local directory ([`LocalDirStore`]), S3 ([`S3Store`]) and the single file
//! ([`SingleFileStore`]).
//!
//! # What a store holds
//! Per environment: its `inference.txt` (byte-for-byte what TPipe reads), its
//! [`EnvSettings`], and an append-only history of immutable [`HistoryEntry`]s numbered by
//! [`Seq`]. The text and the settings each have a [`Version`] (a hash of the stored bytes); a
//! write names the version it was made against and is refused with
//! [`StorageError::Conflict`] if that is no longer the current one.
//!
//! # Only what S3 has
//! Every operation touches one key at a time and is one of: read, conditional replace
//! (`If-Match`), create-if-absent (`If-None-Match: *`), or delete. Nothing relies on a rename
//! from one key to another, on a lock held across keys, or on the order of a listing (lists
//! are sorted explicitly). A local store may lock one directory while it checks and replaces
//! one file, which is what S3 does inside a conditional `PutObject`.
//!
//! # The order of writes, and what counts as committed
//! A change is two writes to two keys, so a crash can come between them. [`Storage::commit`]
//! does them in this order:
//! 1. it reads the environment (the versions of its text and settings);
//! 2. it **appends the history entry first**, create-if-absent at the next sequence number
//!    (one past the highest present, committed or not), naming for what it changes (the text,
//!    the settings, or both for create and delete) the version it was made against
//!    (`previous`) and the version it will produce (`new`). A number already taken means
//!    another writer got there first: the writer moves on to the next one;
//! 3. it **then writes the environment conditionally** on the version read in step 1. That
//!    write is the commit point; if it is refused (or the writer dies first), the entry stays
//!    behind as an orphan, and the next writer skips its number (entries are immutable, so a
//!    number is never reused).
//!
//! A reader applies one rule ([`committed`]), per target, walking back from the current
//! version: the committed entry that produced the text's current version is the
//! highest-numbered text entry whose `new` is that version (`None` for a deleted or
//! never-created environment); the one before it is the highest-numbered text entry below it
//! whose `new` is its `previous`; and so on. Creates and deletes are text entries (the text is
//! what makes an environment exist), so the text chain runs through every life of the
//! environment. Within each life, settings entries are walked the same way, from the current
//! settings (or those a delete recorded) back to the create. Everything off these chains is
//! not committed: its environment write never happened.
//!
//! Why a crash never leaves something that reads as committed: an orphan was made against
//! the version current when it was written and changes it (a change that changes nothing is
//! refused, not recorded), so its `new` version is not current. For the walk to pick it, the
//! version would have to become current later, and the change that makes it so has a higher
//! number, so the walk meets that change first and steps past the orphan.
//!
//! The rule is exact for crashes and for writers that race different changes (the
//! conditional write lets exactly one through per version). It cannot tell apart two entries
//! that make the *same* change from the same version: if two writers race an identical edit,
//! the diff shown is right but the author may be the loser's. Likewise a writer stalled
//! between its two writes while others change the text and change it back (A → B → A) still
//! passes its conditional write; the text is right, but its entry then heads the chain and the
//! round trip reads as not committed. With content hashes as versions
//! the stored bytes do not say which writer wrote them; a store whose versions name a write
//! (S3's object metadata can carry the sequence number) can close this by overriding
//! [`Storage::committed_history`].

mod copy;
mod local;
mod s3;
mod single_file;

#[cfg(test)]
pub(crate) mod contract;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use bedrock_binder_shared::Version;
use bedrock_binder_shared::env_name::EnvName;

use crate::store::{StoreError, version_of};

pub use bedrock_binder_shared::api::{ChangeKind, EnvSettings};
pub use copy::{CopiedEnv, copy_store};
pub use local::LocalDirStore;
pub use s3::{DEFAULT_READ_TTL, S3Location, S3LocationError, S3Store};
pub use single_file::SingleFileStore;
pub(crate) use single_file::user_state_dir;

/// How many sequence numbers taken by other writers [`Storage::commit`] moves past before
/// reporting a conflict. A taken number usually means the environment is about to change
/// under us, and then the conditional write refuses anyway; the limit only bounds the work.
const SEQ_ATTEMPTS: usize = 8;

/// An environment as read: its text and settings, each with the version to hand back to a
/// conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEnv {
    /// The whole `inference.txt`.
    pub text: String,
    /// The settings.
    pub settings: EnvSettings,
    /// The versions of the text and the settings as stored.
    pub state: EnvState,
    /// Whether the text is stored. Always for a store of environments; a single file that
    /// does not exist yet reads as the empty environment `default`, as TPipe reads it.
    pub existed: bool,
}

/// The versions of an environment's stored text and settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvState {
    /// The version of the `inference.txt` bytes.
    pub text: Version,
    /// The version of the stored settings bytes.
    pub settings: Version,
}

/// A history entry's sequence number: 1, 2, 3, … per environment, with gaps where a change
/// did not commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Seq(u64);

impl Seq {
    /// The first sequence number.
    pub const FIRST: Seq = Seq(1);

    /// A sequence number from its value; 0 is not one.
    pub fn new(value: u64) -> Option<Seq> {
        (value > 0).then_some(Seq(value))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The number after this one.
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How one change moves one target (the text or the settings) from a version to another.
/// `None` stands for "no environment": before a create, after a delete.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    /// The version the change was made against.
    pub previous: Option<Version>,
    /// The version the change produces.
    pub new: Option<Version>,
}

/// One recorded change. Immutable once appended: a store never rewrites or removes one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    /// Its place in the environment's history.
    pub seq: Seq,
    /// When the change was made, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Who made it (`local` until the access issue adds users; the OS user for the CLI).
    pub author: String,
    /// What kind of change it is.
    pub kind: ChangeKind,
    /// Why, when the author said (always for a forced promote).
    #[serde(default)]
    pub reason: Option<String>,
    /// What it does to the text; `None` if it leaves the text alone (a settings change).
    #[serde(default)]
    pub text: Option<Transition>,
    /// What it does to the settings; `None` if it leaves them alone.
    #[serde(default)]
    pub settings: Option<Transition>,
    /// The text before, when the change touches the text (for the line diff).
    #[serde(default)]
    pub previous_text: Option<String>,
    /// The text after, when the change touches the text (for the diff, and for a revert).
    #[serde(default)]
    pub new_text: Option<String>,
    /// The settings before, when the change touches them.
    #[serde(default)]
    pub previous_settings: Option<EnvSettings>,
    /// The settings after, when the change touches them.
    #[serde(default)]
    pub new_settings: Option<EnvSettings>,
    /// Who approved it, when it was a change request on a protected environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
}

/// The approval a change of a protected environment went through.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Approval {
    /// The change request it applied.
    pub request: u64,
    /// The admin who approved it (never its author).
    pub by: String,
    /// What they said, if anything.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Immutable records an environment keeps besides its history, each numbered like history
/// entries and created once (create-if-absent): what [`crate::requests`] is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A change request on a protected environment.
    Request,
    /// The decision that closes a change request (rejected, or replaced by a rebase); at most
    /// one per request, under the request's number.
    Decision,
}

impl RecordKind {
    /// The directory (or key prefix) of the records beside the environment's text.
    pub fn dir(self) -> &'static str {
        match self {
            RecordKind::Request => "requests",
            RecordKind::Decision => "decisions",
        }
    }
}

/// Who made a change and why; [`Storage::commit`] adds the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeMeta {
    /// Who made it.
    pub author: String,
    /// Why, if said.
    pub reason: Option<String>,
    /// The approval, when the change applies an approved change request.
    pub approval: Option<Approval>,
}

/// A change for [`Storage::commit`] to record and apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create the environment, which must not exist.
    Create {
        /// Its first text.
        text: String,
        /// Its settings.
        settings: EnvSettings,
    },
    /// Replace the text, made against the text version `expected`.
    Text {
        /// `Edit`, `Import`, `Promote` or `Revert`.
        kind: ChangeKind,
        /// The text version the change was made against.
        expected: Version,
        /// The new text.
        text: String,
    },
    /// Replace the settings, made against the settings version `expected`.
    Settings {
        /// `Settings`, or `Preset` for a binding's preset.
        kind: ChangeKind,
        /// The settings version the change was made against.
        expected: Version,
        /// The new settings.
        settings: EnvSettings,
    },
    /// Delete the environment, made against the text version `expected`.
    Delete {
        /// The text version the deletion was confirmed against.
        expected: Version,
    },
}

/// Why a storage operation failed. Messages name the environment, never internals.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The environment does not exist.
    #[error("there is no environment `{env}`")]
    NotFound {
        /// The environment.
        env: EnvName,
    },
    /// The environment already exists (on create).
    #[error("the environment `{env}` already exists")]
    AlreadyExists {
        /// The environment.
        env: EnvName,
    },
    /// The text or settings changed since they were read; nothing was written.
    #[error(
        "the environment `{env}` changed since it was read; nothing was written. Re-read it and apply the change again"
    )]
    Conflict {
        /// The environment.
        env: EnvName,
        /// The version now stored, of the text or the settings (whichever the write named);
        /// `None` if the environment has meanwhile been deleted.
        current: Option<Version>,
    },
    /// A history entry with this sequence number exists already; nothing was written.
    #[error("history entry {seq} of the environment `{env}` exists already")]
    SeqTaken {
        /// The environment.
        env: EnvName,
        /// The number asked for.
        seq: Seq,
    },
    /// The change would leave the environment as it is, so there is nothing to record.
    #[error("the change leaves the environment `{env}` as it is; nothing was written")]
    Unchanged {
        /// The environment.
        env: EnvName,
    },
    /// Something stored cannot be read back as what it should be.
    #[error("{location} is damaged: {detail}")]
    Corrupt {
        /// The file or key.
        location: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The single binding file (`--file`) could not be read or written; its own message names
    /// the file.
    #[error(transparent)]
    File(#[from] StoreError),
    /// The history has no committed change with this number.
    #[error("the environment `{env}` has no change {seq} in its history")]
    NoSuchChange {
        /// The environment.
        env: EnvName,
        /// The number asked for.
        seq: u64,
    },
    /// The change left no text to go back to (it deleted the environment).
    #[error("change {seq} of the environment `{env}` left no text to go back to")]
    NotRevertible {
        /// The environment.
        env: EnvName,
        /// The number asked for.
        seq: u64,
    },
    /// Environments other than `default`, and creating or deleting one, need a store.
    #[error("{0}")]
    Unsupported(String),
    /// The storage itself failed (disk, network, permissions).
    #[error("cannot access {location}: {source}")]
    Backend {
        /// The file or key.
        location: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StorageError {
    /// Whether the write was refused because what it was made against has changed.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StorageError::Conflict { .. } | StorageError::File(StoreError::Conflict { .. }))
    }
}

/// The storage of environments. Every method is one blocking call; the server runs them on
/// the blocking pool. Implementations: [`LocalDirStore`], [`S3Store`], [`SingleFileStore`].
///
/// The primitives each touch one key (create touches two, settings before text, see
/// [`create`](Self::create)) and are conditional where they write; [`commit`](Self::commit)
/// puts them together in the order the module documentation gives.
pub trait Storage: Send + Sync {
    /// The environments that exist, sorted by name.
    fn list(&self) -> Result<Vec<EnvName>, StorageError>;

    /// The environment, or `None` if it does not exist (never created, or deleted).
    fn read(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError>;

    /// Creates the environment with `text` and `settings`, only if it does not exist
    /// ([`StorageError::AlreadyExists`] otherwise). Returns the state written.
    ///
    /// The text is what makes an environment exist, so it is written last, create-if-absent:
    /// settings left by a create that died before its text, or by a delete, belong to no
    /// environment and are replaced.
    fn create(&self, env: &EnvName, text: &str, settings: &EnvSettings) -> Result<EnvState, StorageError>;

    /// Replaces the text, only if its version is still `expected` ([`StorageError::Conflict`]
    /// with the current version otherwise, leaving it untouched). Returns the new version.
    fn write_text(&self, env: &EnvName, expected: &Version, text: &str) -> Result<Version, StorageError>;

    /// Replaces the settings, only if their version is still `expected`, like
    /// [`write_text`](Self::write_text).
    fn write_settings(
        &self,
        env: &EnvName,
        expected: &Version,
        settings: &EnvSettings,
    ) -> Result<Version, StorageError>;

    /// Deletes the environment, only if its text version is still `expected`. Its history is
    /// kept, and a later create continues it.
    fn delete(&self, env: &EnvName, expected: &Version) -> Result<(), StorageError>;

    /// Stores `entry` under its sequence number, only if that number is unused
    /// ([`StorageError::SeqTaken`] otherwise). The entry is never changed afterwards.
    fn append_history(&self, env: &EnvName, entry: &HistoryEntry) -> Result<(), StorageError>;

    /// Stores `bytes` as record `number` of `kind`, only if that number is unused (`Ok(false)`
    /// if it is taken). Like history entries, records are never changed afterwards and
    /// outlive their environment.
    fn create_record(&self, env: &EnvName, kind: RecordKind, number: Seq, bytes: &[u8]) -> Result<bool, StorageError>;

    /// Every record of `kind`, by number.
    fn records(&self, env: &EnvName, kind: RecordKind) -> Result<Vec<(Seq, Vec<u8>)>, StorageError>;

    /// Checks, changing nothing, that the store can be read and written, so that a server
    /// refuses to start rather than failing its first request. Local stores are checked by
    /// their first write.
    fn check_access(&self) -> Result<(), StorageError> {
        Ok(())
    }

    /// The environment as [`read`](Self::read) gives it, or as it was read a moment ago, for
    /// what only shows it: a store that keeps a short read cache (S3) answers from it. Writes
    /// and the history's walk use [`read`](Self::read), which always asks.
    fn read_recent(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        self.read(env)
    }

    /// The text's version, if the store can tell without reading the text that it is the one
    /// last read (one `stat` for a local file); `None` means "read it to know". Answers the
    /// apps' and the UI's `If-None-Match` polls cheaply.
    fn unchanged_text_version(&self, _env: &EnvName) -> Option<Version> {
        None
    }

    /// The number a new entry tries first: one past the highest stored, committed or not. A
    /// store that can list the numbers without reading the entries says so here.
    fn next_seq(&self, env: &EnvName) -> Result<Seq, StorageError> {
        Ok(self.history(env)?.last().map_or(Seq::FIRST, |last| last.seq.next()))
    }

    /// Every stored entry, committed or not, in sequence order.
    fn history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError>;

    /// The committed history in sequence order: [`history`](Self::history) filtered by the
    /// rule in the module documentation ([`committed`]).
    fn committed_history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        // The environment first: a change that commits between the two reads then has its
        // entry read but not its write, and reads as not committed yet. The other order
        // would read the newer environment and miss the entry that produced it, which would
        // hide the whole history behind it.
        let current = self.read(env)?.map(|stored| stored.state);
        let entries = self.history(env)?;
        Ok(committed(&entries, current.as_ref()))
    }

    /// Records and applies `change`: the history entry first (create-if-absent), then the
    /// environment conditionally. Returns the entry, which is then committed. On an error the
    /// environment is as it was, and any entry written is an orphan that never reads as
    /// committed.
    fn commit(&self, env: &EnvName, change: Change, meta: ChangeMeta) -> Result<HistoryEntry, StorageError> {
        let stored = self.read(env)?;
        let mut entry = plan(env, stored.as_ref(), &change, meta)?;
        entry.seq = self.next_seq(env)?;
        let mut attempts = 0;
        loop {
            match self.append_history(env, &entry) {
                Ok(()) => break,
                Err(StorageError::SeqTaken { .. }) if attempts < SEQ_ATTEMPTS => {
                    attempts += 1;
                    entry.seq = entry.seq.next();
                }
                Err(StorageError::SeqTaken { .. }) => {
                    let current = self.read(env)?.map(|stored| stored.state.text);
                    return Err(StorageError::Conflict { env: env.clone(), current });
                }
                Err(other) => return Err(other),
            }
        }
        match change {
            Change::Create { text, settings } => {
                self.create(env, &text, &settings)?;
            }
            Change::Text { expected, text, .. } => {
                self.write_text(env, &expected, &text)?;
            }
            Change::Settings { expected, settings, .. } => {
                self.write_settings(env, &expected, &settings)?;
            }
            Change::Delete { expected } => self.delete(env, &expected)?,
        }
        Ok(entry)
    }
}

/// The entry for `change` against `stored` (its `seq` still to be chosen). Refuses early what
/// the conditional write would refuse anyway, so an obviously stale change leaves no orphan,
/// and refuses a change that changes nothing, which the commit rule relies on.
fn plan(
    env: &EnvName,
    stored: Option<&StoredEnv>,
    change: &Change,
    meta: ChangeMeta,
) -> Result<HistoryEntry, StorageError> {
    let conflict = |current: &Version| StorageError::Conflict { env: env.clone(), current: Some(current.clone()) };
    let unchanged = || StorageError::Unchanged { env: env.clone() };
    let mut entry = HistoryEntry {
        seq: Seq::FIRST,
        time_ms: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
        author: meta.author,
        kind: ChangeKind::Edit,
        reason: meta.reason,
        text: None,
        settings: None,
        previous_text: None,
        new_text: None,
        previous_settings: None,
        new_settings: None,
        approval: meta.approval,
    };
    match (change, stored) {
        (Change::Create { text, settings }, None) => {
            entry.kind = ChangeKind::Create;
            entry.text = Some(Transition { previous: None, new: Some(version_of(text.as_bytes())) });
            entry.settings = Some(Transition { previous: None, new: Some(settings_version(settings)) });
            entry.new_text = Some(text.clone());
            entry.new_settings = Some(settings.clone());
        }
        (Change::Create { .. }, Some(_)) => return Err(StorageError::AlreadyExists { env: env.clone() }),
        (_, None) => return Err(StorageError::NotFound { env: env.clone() }),
        (Change::Text { kind, expected, text }, Some(stored)) => {
            if *expected != stored.state.text {
                return Err(conflict(&stored.state.text));
            }
            let new = version_of(text.as_bytes());
            if new == stored.state.text {
                return Err(unchanged());
            }
            entry.kind = *kind;
            entry.text = Some(Transition { previous: Some(stored.state.text.clone()), new: Some(new) });
            entry.previous_text = Some(stored.text.clone());
            entry.new_text = Some(text.clone());
        }
        (Change::Settings { kind, expected, settings }, Some(stored)) => {
            if *expected != stored.state.settings {
                return Err(conflict(&stored.state.settings));
            }
            let new = settings_version(settings);
            if new == stored.state.settings {
                return Err(unchanged());
            }
            entry.kind = *kind;
            entry.settings = Some(Transition { previous: Some(stored.state.settings.clone()), new: Some(new) });
            entry.previous_settings = Some(stored.settings.clone());
            entry.new_settings = Some(settings.clone());
        }
        (Change::Delete { expected }, Some(stored)) => {
            if *expected != stored.state.text {
                return Err(conflict(&stored.state.text));
            }
            entry.kind = ChangeKind::Delete;
            entry.text = Some(Transition { previous: Some(stored.state.text.clone()), new: None });
            entry.settings = Some(Transition { previous: Some(stored.state.settings.clone()), new: None });
            entry.previous_text = Some(stored.text.clone());
            entry.previous_settings = Some(stored.settings.clone());
        }
    }
    Ok(entry)
}

/// The bytes every store keeps for `settings`. One encoding for all stores, so a settings
/// version worked out before a write is the one read back after it.
pub fn settings_bytes(settings: &EnvSettings) -> Vec<u8> {
    // Serialising plain data (strings, bools, a region) to a Vec cannot fail.
    let mut bytes = serde_json::to_vec_pretty(settings).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The version of `settings` as a store keeps them.
pub fn settings_version(settings: &EnvSettings) -> Version {
    version_of(&settings_bytes(settings))
}

/// Which target of an entry a walk follows.
#[derive(Clone, Copy)]
enum Target {
    Text,
    Settings,
}

impl Target {
    fn of(self, entry: &HistoryEntry) -> Option<&Transition> {
        match self {
            Target::Text => entry.text.as_ref(),
            // Creates and deletes are on the text chain; only settings changes are walked here.
            Target::Settings => entry.settings.as_ref().filter(|_| entry.kind.is_settings_change()),
        }
    }
}

/// Walks back from `current` through the entries numbered below `below` (all if `None`) and
/// above `above`: each step takes the highest-numbered entry whose `new` is the version
/// reached, and moves to its `previous`. Returns the indices of the entries met, newest first.
fn walk(
    entries: &[HistoryEntry],
    target: Target,
    mut current: Option<Version>,
    mut below: Option<Seq>,
    above: Option<Seq>,
) -> Vec<usize> {
    let mut met = Vec::new();
    loop {
        let found = entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| {
                below.is_none_or(|below| entry.seq < below) && above.is_none_or(|above| entry.seq > above)
            })
            .filter_map(|(index, entry)| target.of(entry).map(|transition| (index, entry.seq, transition)))
            .filter(|(_, _, transition)| transition.new == current)
            .max_by_key(|(_, seq, _)| *seq);
        let Some((index, seq, transition)) = found else { return met };
        met.push(index);
        current = transition.previous.clone();
        below = Some(seq);
    }
}

/// The committed entries of `entries` (in any order) for an environment whose current state
/// is `current` (`None` if it does not exist), in sequence order, by the rule in the module
/// documentation. An environment changed outside the store has no entry for its current
/// text, and then nothing reads as committed until the next change through the store.
pub fn committed(entries: &[HistoryEntry], current: Option<&EnvState>) -> Vec<HistoryEntry> {
    let text_chain = walk(entries, Target::Text, current.map(|state| state.text.clone()), None, None);
    let mut chosen = text_chain.clone();
    // Each life of the environment runs from a create to the delete after it (or to now).
    // Its settings changes are walked back from the settings it ended with.
    let mut end: Option<(Option<Version>, Option<Seq>)> = current.map(|state| (Some(state.settings.clone()), None));
    for &index in &text_chain {
        let entry = &entries[index];
        match entry.kind {
            ChangeKind::Delete => {
                end = Some((entry.settings.as_ref().and_then(|t| t.previous.clone()), Some(entry.seq)));
            }
            ChangeKind::Create => {
                if let Some((settings, below)) = end.take() {
                    chosen.extend(walk(entries, Target::Settings, settings, below, Some(entry.seq)));
                }
            }
            _ => {}
        }
    }
    chosen.sort_unstable_by_key(|&index| entries[index].seq);
    chosen.dedup();
    chosen.into_iter().map(|index| entries[index].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Option<Version> {
        Some(version_of(text.as_bytes()))
    }

    fn entry(seq: u64, kind: ChangeKind, author: &str, text: Option<(Option<&str>, Option<&str>)>) -> HistoryEntry {
        HistoryEntry {
            seq: Seq::new(seq).expect("non-zero"),
            time_ms: 0,
            author: author.to_owned(),
            kind,
            reason: None,
            text: text.map(|(previous, new)| Transition { previous: previous.and_then(v), new: new.and_then(v) }),
            settings: None,
            previous_text: None,
            new_text: None,
            previous_settings: None,
            new_settings: None,
            approval: None,
        }
    }

    fn state(text: &str) -> EnvState {
        EnvState { text: version_of(text.as_bytes()), settings: version_of(b"") }
    }

    fn authors(entries: &[HistoryEntry]) -> Vec<&str> {
        entries.iter().map(|entry| entry.author.as_str()).collect()
    }

    #[test]
    fn a_name_that_walks_out_of_the_store_cannot_even_be_expressed() {
        for text in ["../x", "..", "a/b", "a\\b", "/etc"] {
            assert!(text.parse::<EnvName>().is_err(), "{text}");
        }
    }

    #[test]
    fn a_retry_of_a_dead_writers_change_is_the_committed_one() {
        use ChangeKind::{Create, Edit};
        let entries = [
            entry(1, Create, "creator", Some((None, Some("a")))),
            entry(2, Edit, "died", Some((Some("a"), Some("b")))),
            entry(3, Edit, "retried", Some((Some("a"), Some("b")))),
        ];
        assert_eq!(authors(&committed(&entries, Some(&state("b")))), ["creator", "retried"]);
        assert_eq!(authors(&committed(&entries, Some(&state("a")))), ["creator"]);
    }

    #[test]
    fn an_orphan_whose_version_became_current_later_stays_uncommitted() {
        use ChangeKind::{Create, Edit, Revert};
        // 2 died (a → b); 3 went a → c; 4 reverted to a; 5 made 2's change for real.
        let entries = [
            entry(1, Create, "creator", Some((None, Some("a")))),
            entry(2, Edit, "died", Some((Some("a"), Some("b")))),
            entry(3, Edit, "third", Some((Some("a"), Some("c")))),
            entry(4, Revert, "fourth", Some((Some("c"), Some("a")))),
            entry(5, Edit, "fifth", Some((Some("a"), Some("b")))),
        ];
        assert_eq!(authors(&committed(&entries, Some(&state("b")))), ["creator", "third", "fourth", "fifth"]);
    }

    #[test]
    fn an_environment_changed_outside_the_store_shows_no_committed_history() {
        let entries = [entry(1, ChangeKind::Create, "creator", Some((None, Some("a"))))];
        assert!(committed(&entries, Some(&state("edited by hand"))).is_empty());
    }

    #[test]
    fn a_create_that_never_wrote_its_text_leaves_a_never_created_environment() {
        let entries = [entry(1, ChangeKind::Create, "died", Some((None, Some("a"))))];
        assert!(committed(&entries, None).is_empty());
    }
}
