//! [`FileStore`]: the binding file on disk, read whole and replaced atomically.
//!
//! A read returns the text and its [`Version`] (a SHA-256 of the bytes). A write names the
//! version it was made against and is refused if the file has changed since, so an edit
//! is never applied on top of content its author did not see. Every write goes to a temp
//! file in the same directory, is fsynced and renamed over the target, then the directory
//! is fsynced: a crash leaves the old file or the new one, never half of either.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bedrock_binder_shared::Version;
use sha2::{Digest, Sha256};

/// Mode of a file the store creates: the binding file sits beside AWS credentials, so only
/// its owner may read it.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o600;

/// Mode of a directory the store creates (normally `~/.aws`), for the same reason.
#[cfg(unix)]
const NEW_DIR_MODE: u32 = 0o700;

/// How many symlinks [`resolve`] follows before giving up, as the kernel does (`ELOOP`).
const MAX_SYMLINKS: usize = 40;

/// How many taken temp names [`TempFile::create`] skips before reporting the clash.
const TEMP_ATTEMPTS: usize = 100;

/// Makes temp names unique among the threads of one process; the pid covers other processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The binding file at one path. Holds no handle to the file: each call opens it afresh.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// The version of the content last read, with the file's stamp at the time; see
    /// [`FileStore::unchanged_version`].
    known: Mutex<Option<(Stamp, Version)>>,
    /// For a file in a store of environments: its directory, kept open, so that a `stat` looks
    /// up one name rather than walking the whole path (the read API's 304 path stats on every
    /// request). `None` for a file that may sit behind a symlinked directory.
    dir: Option<DirHandle>,
}

/// A directory opened once and reopened after it fails (removed, or replaced).
#[derive(Debug)]
struct DirHandle {
    path: PathBuf,
    file_name: OsString,
    handle: Mutex<Option<std::sync::Arc<std::os::fd::OwnedFd>>>,
}

impl DirHandle {
    /// The stamp of the file, looked up in the directory handle; `None` if it cannot be read.
    fn stamp(&self) -> Option<Stamp> {
        let handle = {
            let mut handle = self.handle.lock().unwrap_or_else(PoisonError::into_inner);
            if handle.is_none() {
                let flags = rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
                *handle = rustix::fs::open(&self.path, flags, rustix::fs::Mode::empty()).ok().map(std::sync::Arc::new);
            }
            handle.clone()?
        };
        match rustix::fs::statat(&*handle, self.file_name.as_os_str(), rustix::fs::AtFlags::empty()) {
            Ok(stat) => Some(Stamp::of_stat(&stat)),
            Err(_) => {
                // Gone, or the directory was replaced: open it again next time.
                *self.handle.lock().unwrap_or_else(PoisonError::into_inner) = None;
                None
            }
        }
    }
}

impl Clone for FileStore {
    fn clone(&self) -> Self {
        let dir = self.dir.as_ref().map(|dir| DirHandle {
            path: dir.path.clone(),
            file_name: dir.file_name.clone(),
            handle: Mutex::new(None),
        });
        FileStore { path: self.path.clone(), known: Mutex::new(self.remembered()), dir }
    }
}

/// What the filesystem says about the file's bytes without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: SystemTime,
}

impl Stamp {
    fn of(metadata: &fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (metadata.dev(), metadata.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        Some(Stamp { device, inode, len: metadata.len(), modified: metadata.modified().ok()? })
    }

    /// The same stamp from a `stat` (what [`DirHandle::stamp`] reads).
    fn of_stat(stat: &rustix::fs::Stat) -> Stamp {
        let seconds = u64::try_from(stat.st_mtime).unwrap_or_default();
        let nanos = u32::try_from(stat.st_mtime_nsec).unwrap_or_default();
        Stamp {
            device: stat.st_dev,
            inode: stat.st_ino,
            len: u64::try_from(stat.st_size).unwrap_or_default(),
            modified: SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos),
        }
    }

    /// Whether the stamp can stand for the content. A write in the same clock tick as the
    /// one we read, of the same length, would leave the stamp unchanged (git's "racy clean"
    /// problem), so a stamp is trusted only once its time is safely in the past.
    fn is_settled(&self) -> bool {
        SystemTime::now().duration_since(self.modified).is_ok_and(|age| age > SETTLE_TIME)
    }
}

/// How old a modification time must be before a stamp stands for the content.
const SETTLE_TIME: Duration = Duration::from_secs(2);

/// The file's content as read, with the version to hand back to [`FileStore::save`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The whole file as text (empty if the file does not exist).
    pub text: String,
    /// The version of exactly these bytes.
    pub version: Version,
    /// Whether the file existed; a missing file reads as empty and the caller may say so.
    pub existed: bool,
}

/// Why the store could not read or write the file. Each message is one sentence naming
/// the path.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file changed since it was read.
    #[error("{path} changed on disk since it was read; nothing was written. Re-read it and apply the change again")]
    Conflict {
        /// The file.
        path: PathBuf,
        /// The version now on disk.
        current: Version,
    },
    /// The file is not UTF-8 text.
    #[error("{path} is not valid UTF-8 (first bad byte at offset {offset}); nothing was written")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first byte that is not part of valid UTF-8.
        offset: usize,
    },
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing the file (or its directory) failed; the file on disk is unchanged unless the
    /// failure came after the rename (the directory fsync).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// The version of some file content: the lowercase hex SHA-256 of its bytes. A missing
/// file has the version of empty bytes.
pub fn version_of(bytes: &[u8]) -> Version {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    Version::from_token(hex)
}

impl FileStore {
    /// A store for the file at `path`. Nothing is touched until [`load`](Self::load) or
    /// [`save`](Self::save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into(), known: Mutex::new(None), dir: None }
    }

    /// A store for the file at `path` in a store of environments, whose directory is kept open
    /// for the stats of [`unchanged_version`](Self::unchanged_version). For a directory that
    /// is never a symlink someone retargets (a symlinked directory would keep naming the old
    /// target).
    pub fn in_store_dir(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let dir = match (path.parent(), path.file_name()) {
            (Some(dir), Some(file_name)) if !dir.as_os_str().is_empty() => {
                Some(DirHandle { path: dir.to_path_buf(), file_name: file_name.to_owned(), handle: Mutex::new(None) })
            }
            _ => None,
        };
        FileStore { path, known: Mutex::new(None), dir }
    }

    /// The file's stamp now, if it can be read.
    fn stamp(&self) -> Option<Stamp> {
        match &self.dir {
            Some(dir) => dir.stamp(),
            None => fs::metadata(&self.path).ok().as_ref().and_then(Stamp::of),
        }
    }

    /// The path as given (before any symlink is followed); errors name this path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the whole file. A missing file reads as empty text with `existed: false` and
    /// the version of empty bytes.
    pub fn load(&self) -> Result<Snapshot, StoreError> {
        let before = self.stamp();
        let (bytes, existed) = match fs::read(&self.path) {
            Ok(bytes) => (bytes, true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => (Vec::new(), false),
            Err(source) => return Err(self.read_error(source)),
        };
        let version = version_of(&bytes);
        let after = self.stamp();
        // Remember the version only if nothing moved while we read and the stamp is settled.
        if let (Some(before), Some(after)) = (before, after)
            && before == after
            && before.is_settled()
        {
            *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some((before, version.clone()));
        }
        let text = String::from_utf8(bytes).map_err(|error| StoreError::InvalidUtf8 {
            path: self.path.clone(),
            offset: error.utf8_error().valid_up_to(),
        })?;
        Ok(Snapshot { text, version, existed })
    }

    /// The file's version if it is provably the one [`load`](Self::load) last saw, from one
    /// `stat` and no read: `None` means "read it to know". This answers the UI's frequent
    /// `If-None-Match` polls cheaply and still never hides an external edit: any write that
    /// changes the length, the inode (an atomic rename) or the modification time is seen, and
    /// a stamp is only remembered once its time is safely in the past.
    pub fn unchanged_version(&self) -> Option<Version> {
        let (known, version) = self.remembered()?;
        let now = self.stamp()?;
        (now == known).then_some(version)
    }

    fn remembered(&self) -> Option<(Stamp, Version)> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces the file with `text`, provided it still has the version `expected` (what
    /// [`load`](Self::load) returned). Returns the new version.
    ///
    /// Refuses with [`StoreError::Conflict`] if the file changed since, leaving it
    /// untouched. Creates the file (mode 0600) and its parent directories if needed, keeps
    /// an existing file's permissions, and writes through a symlink to its target.
    pub fn save(&self, expected: &Version, text: &str) -> Result<Version, StoreError> {
        // Replace the link's target, not the link: a dotfile manager's symlink must stay.
        let target = resolve(&self.path).map_err(|source| self.write_error(source))?;
        let Some(file_name) = target.file_name() else {
            return Err(self.write_error(io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")));
        };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_dirs(&dir).map_err(|source| self.write_error(source))?;

        // Write and fsync the new content before taking the lock, so the lock is held only
        // for the compare and the rename.
        let temp = TempFile::create(&dir, file_name).map_err(|source| self.write_error(source))?;
        let mut temp_file = &temp.file;
        temp_file.write_all(text.as_bytes()).map_err(|source| self.write_error(source))?;
        temp_file.sync_all().map_err(|source| self.write_error(source))?;

        // Re-reading, comparing and renaming must be one step, or two savers that read the
        // same version could both pass the compare and the second rename would silently
        // drop the first edit. An exclusive flock on the directory makes it one step among
        // our own processes (CLI and server alike). The directory, unlike the file, is not
        // replaced by the rename, and locking it leaves no lock file behind.
        let dir_handle = lock_dir(&dir).map_err(|source| self.write_error(source))?;

        let current = read_current(&target).map_err(|source| self.read_error(source))?;
        let current_version = version_of(current.as_ref().map_or(&[][..], |(bytes, _)| bytes));
        if current_version != *expected {
            return Err(StoreError::Conflict { path: self.path.clone(), current: current_version });
        }
        if let Some((_, permissions)) = current {
            temp.file.set_permissions(permissions).map_err(|source| self.write_error(source))?;
        }
        fs::rename(&temp.path, &target).map_err(|source| self.write_error(source))?;
        temp.disarm();
        // The rename is durable only once the directory entry is on disk.
        if let Some(handle) = &dir_handle {
            handle.sync_all().map_err(|source| self.write_error(source))?;
        }
        // Dropping the handle releases the lock.
        drop(dir_handle);
        Ok(version_of(text.as_bytes()))
    }

    fn read_error(&self, source: io::Error) -> StoreError {
        StoreError::Read { path: self.path.clone(), source }
    }

    fn write_error(&self, source: io::Error) -> StoreError {
        StoreError::Write { path: self.path.clone(), source }
    }
}

/// Replaces the file at `path` with `bytes` atomically (temp file, fsync, rename, directory
/// fsync), creating its directories (0700) and the file (0600) as needed. For files that are
/// rebuilt whole and need no version check, such as caches; the binding file goes through
/// [`FileStore::save`].
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (Some(dir), Some(file_name)) = (path.parent(), path.file_name()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file in a directory"));
    };
    // A bare file name (`auth.json`) has the empty path as its parent: the working directory.
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    create_dirs(dir)?;
    let temp = TempFile::create(dir, file_name)?;
    let mut temp_file = &temp.file;
    temp_file.write_all(bytes)?;
    temp_file.sync_all()?;
    fs::rename(&temp.path, path)?;
    temp.disarm();
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Follows `path` through any symlinks to the file a write should replace. A link whose
/// target does not exist yet resolves to that target, so the first write creates it there.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                if let Ok(real) = fs::canonicalize(&current) {
                    return Ok(real);
                }
                // A dangling link: canonicalize cannot help, so follow it by hand. A
                // relative target is relative to the link's directory.
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            // Not a link, missing, or unreadable: the write itself reports any error.
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Creates `dir` and its missing ancestors (mode 0700 on Unix).
fn create_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, NEW_DIR_MODE);
    builder.create(dir)
}

/// The bytes and permissions of the file now at `target`, or `None` if there is none.
fn read_current(target: &Path) -> io::Result<Option<(Vec<u8>, fs::Permissions)>> {
    let mut file = match File::open(target) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let permissions = file.metadata()?.permissions();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some((bytes, permissions)))
}

/// Opens `dir` and takes an exclusive lock on it, blocking until it is free. The lock
/// lasts until the returned handle is dropped; the handle also serves to fsync the
/// directory.
#[cfg(unix)]
pub(crate) fn lock_dir(dir: &Path) -> io::Result<Option<File>> {
    let handle = File::open(dir)?;
    handle.lock()?;
    Ok(Some(handle))
}

/// Elsewhere a directory cannot be opened as a plain `File`, so there is no lock (and no
/// directory fsync); the compare still catches edits made before the re-read.
#[cfg(not(unix))]
pub(crate) fn lock_dir(_dir: &Path) -> io::Result<Option<File>> {
    Ok(None)
}

/// A temp file beside the target, removed on drop unless [`disarm`](Self::disarm)ed after
/// the rename, so no failure leaves one behind.
struct TempFile {
    path: PathBuf,
    file: File,
    armed: bool,
}

impl TempFile {
    /// Creates `.{file_name}.{pid}.{counter}.tmp` in `dir`, mode 0600 on Unix. Never opens
    /// an existing file; a leftover from a crashed process with the same pid is skipped.
    fn create(dir: &Path, file_name: &OsStr) -> io::Result<TempFile> {
        let pid = std::process::id();
        let mut attempts = 0;
        loop {
            let counter = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut name = OsString::from(".");
            name.push(file_name);
            name.push(format!(".{pid}.{counter}.tmp"));
            let path = dir.join(name);
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, NEW_FILE_MODE);
            match options.open(&path) {
                Ok(file) => {
                    return Ok(TempFile { path, file, armed: true });
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempts < TEMP_ATTEMPTS => {
                    attempts += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The temp file has been renamed into place; there is nothing to remove.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: the error being reported matters more than a leftover temp file.
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};
    use std::thread;

    use super::*;

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn the_version_is_the_lowercase_hex_sha256_of_the_bytes() {
        assert_eq!(version_of(b"").as_str(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(version_of(b"abc").as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_missing_file_loads_as_empty_and_says_it_did_not_exist() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("inference.txt"));
        let snapshot = store.load().unwrap();
        assert_eq!(snapshot, Snapshot { text: String::new(), version: version_of(b""), existed: false });
        assert!(entries(dir.path()).is_empty(), "loading must not create the file");
    }

    #[test]
    fn an_existing_file_loads_with_its_text_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        fs::write(&path, "a = b\n").unwrap();
        let snapshot = FileStore::new(&path).load().unwrap();
        assert_eq!(snapshot, Snapshot { text: "a = b\n".into(), version: version_of(b"a = b\n"), existed: true });
    }

    #[cfg(unix)]
    #[test]
    fn the_first_save_creates_nested_directories_and_the_file_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home").join(".aws").join("inference.txt");
        let store = FileStore::new(&path);
        let snapshot = store.load().unwrap();
        let version = store.save(&snapshot.version, "x = y\n").unwrap();
        assert_eq!(version, version_of(b"x = y\n"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "x = y\n");
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(store.load().unwrap().version, version);
    }

    #[cfg(unix)]
    #[test]
    fn a_save_keeps_an_existing_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let store = FileStore::new(&path);
        let snapshot = store.load().unwrap();
        store.save(&snapshot.version, "new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(mode_of(&path), 0o640);
    }

    #[test]
    fn a_stale_version_is_refused_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        fs::write(&path, "first\n").unwrap();
        let store = FileStore::new(&path);
        let stale = store.load().unwrap();
        fs::write(&path, "someone else\n").unwrap();

        let error = store.save(&stale.version, "mine\n").unwrap_err();
        match &error {
            StoreError::Conflict { path: named, current } => {
                assert_eq!(named, &path);
                assert_eq!(current, &version_of(b"someone else\n"));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(error.to_string().contains("changed on disk since it was read; nothing was written"));
        assert_eq!(fs::read(&path).unwrap(), b"someone else\n");
        assert_eq!(entries(dir.path()), ["inference.txt"]);
    }

    #[test]
    fn a_file_created_after_a_missing_read_is_a_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        let store = FileStore::new(&path);
        let missing = store.load().unwrap();
        fs::write(&path, "arrived meanwhile\n").unwrap();
        assert!(matches!(store.save(&missing.version, "mine\n"), Err(StoreError::Conflict { .. })));
        assert_eq!(fs::read(&path).unwrap(), b"arrived meanwhile\n");
    }

    #[test]
    fn invalid_utf8_names_the_offset_of_the_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        fs::write(&path, b"ok = 1\n\xff\xfe").unwrap();
        let error = FileStore::new(&path).load().unwrap_err();
        assert!(matches!(&error, StoreError::InvalidUtf8 { offset: 7, .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!("{} is not valid UTF-8 (first bad byte at offset 7); nothing was written", path.display())
        );
        assert_eq!(fs::read(&path).unwrap(), b"ok = 1\n\xff\xfe");
    }

    #[test]
    fn a_save_leaves_no_temp_files_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        let store = FileStore::new(&path);
        let mut version = store.load().unwrap().version;
        for round in 0..3 {
            version = store.save(&version, &format!("round {round}\n")).unwrap();
        }
        let _ = store.save(&version_of(b"stale"), "refused\n").unwrap_err();
        assert_eq!(entries(dir.path()), ["inference.txt"]);
    }

    #[test]
    fn a_directory_in_place_of_the_file_is_a_read_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        fs::create_dir(&path).unwrap();
        let error = FileStore::new(&path).load().unwrap_err();
        assert!(matches!(error, StoreError::Read { .. }), "{error:?}");
        assert!(error.to_string().starts_with(&format!("cannot read {}: ", path.display())));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles").join("inference.txt");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("inference.txt");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let store = FileStore::new(&link);
        let snapshot = store.load().unwrap();
        assert_eq!(snapshot.text, "old\n");
        store.save(&snapshot.version, "new\n").unwrap();

        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
        assert_eq!(entries(real.parent().unwrap()), ["inference.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_is_written_through_to_create_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("inference.txt");
        std::os::unix::fs::symlink("dotfiles/inference.txt", &link).unwrap();

        let store = FileStore::new(&link);
        let snapshot = store.load().unwrap();
        assert!(!snapshot.existed);
        store.save(&snapshot.version, "created\n").unwrap();

        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(dir.path().join("dotfiles").join("inference.txt")).unwrap(), "created\n");
    }

    #[test]
    fn of_concurrent_savers_with_the_same_version_exactly_one_wins() {
        const SAVERS: usize = 16;
        // One race can come out right by luck even without the lock; several rounds make
        // a missing lock show up every time.
        const ROUNDS: usize = 10;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inference.txt");
        for round in 0..ROUNDS {
            fs::write(&path, format!("start {round}\n")).unwrap();
            let expected = FileStore::new(&path).load().unwrap().version;
            let barrier = Arc::new(Barrier::new(SAVERS));

            let handles: Vec<_> = (0..SAVERS)
                .map(|n| {
                    let (path, expected, barrier) = (path.clone(), expected.clone(), Arc::clone(&barrier));
                    thread::spawn(move || {
                        let store = FileStore::new(path);
                        barrier.wait();
                        store.save(&expected, &format!("round {round} saver {n}\n"))
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|handle| handle.join().unwrap()).collect();

            let winners: Vec<&Version> = results.iter().filter_map(|result| result.as_ref().ok()).collect();
            assert_eq!(winners.len(), 1, "round {round}: {results:?}");
            let on_disk = fs::read(&path).unwrap();
            assert_eq!(winners[0], &version_of(&on_disk));
            for result in &results {
                match result {
                    Ok(_) => {}
                    Err(StoreError::Conflict { current, .. }) => assert_eq!(current, winners[0]),
                    Err(other) => panic!("expected a conflict, got {other:?}"),
                }
            }
            assert_eq!(entries(dir.path()), ["inference.txt"]);
        }
    }

    /// Both ways of stamping a file: by its path, and by name in its directory kept open.
    fn both_stores(path: &Path) -> [(&'static str, FileStore); 2] {
        [("by path", FileStore::new(path)), ("in its open directory", FileStore::in_store_dir(path))]
    }

    #[test]
    fn an_unchanged_settled_file_is_known_without_reading_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inference.txt");
        fs::write(&path, "a.b=\n").expect("write");
        settle(&path);
        for (how, store) in both_stores(&path) {
            assert_eq!(store.unchanged_version(), None, "{how}: nothing is known before a load");
            let snapshot = store.load().expect("load");
            assert_eq!(store.unchanged_version(), Some(snapshot.version), "{how}");
        }
    }

    #[test]
    fn any_external_edit_makes_the_remembered_version_unknown() {
        for how in ["by path", "in its open directory"] {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("inference.txt");
            fs::write(&path, "a.b=\n").expect("write");
            settle(&path);
            let store = if how == "by path" { FileStore::new(&path) } else { FileStore::in_store_dir(&path) };
            store.load().expect("load");
            // Same length, new content: the modification time (now, not settled) gives it away.
            fs::write(&path, "c.d=\n").expect("edit");
            assert_eq!(store.unchanged_version(), None, "{how}");
            assert_eq!(store.load().expect("reload").text, "c.d=\n");
            assert_eq!(store.unchanged_version(), None, "{how}: a fresh modification time is not trusted yet");
        }
    }

    #[test]
    fn a_freshly_written_file_is_never_vouched_for() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inference.txt");
        fs::write(&path, "a.b=\n").expect("write");
        for (how, store) in both_stores(&path) {
            store.load().expect("load");
            assert_eq!(store.unchanged_version(), None, "{how}");
        }
    }

    #[test]
    fn a_directory_removed_and_made_again_is_opened_again() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("envs").join("prod");
        let path = dir.join("inference.txt");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(&path, "a.b=\n").expect("write");
        settle(&path);
        let store = FileStore::in_store_dir(&path);
        store.load().expect("load");
        assert!(store.unchanged_version().is_some());
        // The same bytes and a settled time in a new directory: a new inode all the same.
        fs::remove_dir_all(&dir).expect("rm");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(&path, "a.b=\n").expect("write");
        settle(&path);
        assert_eq!(store.unchanged_version(), None, "the old directory's handle finds nothing");
        let snapshot = store.load().expect("load");
        assert_eq!(store.unchanged_version(), Some(snapshot.version), "the new directory is opened");
    }

    /// Backdates the file's modification time past the settle time, as if written long ago.
    fn settle(path: &Path) {
        let file = File::options().write(true).open(path).expect("open");
        file.set_modified(SystemTime::now() - SETTLE_TIME * 2).expect("set mtime");
    }
}
