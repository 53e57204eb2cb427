//! Writes that survive a crash: a reader, or the process after `kill -9`, sees
//! the old file or the new one, never a part of either. Files are readable by
//! their owner only: they hold configurations and secrets.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent writers in one process.
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path`: a temporary file beside it, fsync, rename over
/// the target, fsync the directory so the rename itself is on disk.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// A file written in pieces that appears at its path whole, or not at all:
/// dropped before [`AtomicFile::commit`], it leaves nothing behind.
pub struct AtomicFile {
    path: PathBuf,
    temporary: PathBuf,
    file: Option<std::fs::File>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let dir = path.parent().ok_or_else(|| std::io::Error::other("path has no directory"))?;
        let name = path.file_name().ok_or_else(|| std::io::Error::other("path has no file name"))?;
        let n = NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed);
        let temporary = dir.join(format!(".{}.{}.{n}.tmp", name.to_string_lossy(), std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        Ok(AtomicFile { path: path.to_owned(), temporary, file: Some(file) })
    }

    /// fsync what was written, so that the [`AtomicFile::commit`] after
    /// costs only the rename: the slow part, done where no lock is held.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.file.as_ref().ok_or_else(|| std::io::Error::other("already committed"))?.sync_data()
    }

    /// fsync, rename over the target, fsync the directory.
    pub fn commit(mut self) -> std::io::Result<()> {
        let file = self.file.take().ok_or_else(|| std::io::Error::other("already committed"))?;
        let renamed = file.sync_all().and_then(|()| std::fs::rename(&self.temporary, &self.path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        renamed?;
        let dir = self.path.parent().ok_or_else(|| std::io::Error::other("path has no directory"))?;
        std::fs::File::open(dir)?.sync_all()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().ok_or_else(|| std::io::Error::other("already committed"))?.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), std::fs::File::flush)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Makes a file readable by its owner only, holding `bytes`, unless `path`
/// already exists. Two processes starting together agree: the file appears
/// whole or not at all, and whoever links it first made it.
pub fn create_private_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let staging = path.with_extension(format!("new-{}", std::process::id()));
    {
        let mut file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&staging)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    // A hard link never replaces an existing file.
    let linked = std::fs::hard_link(&staging, path);
    let _ = std::fs::remove_file(&staging);
    match linked {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Whether a directory entry is one of [`AtomicFile`]'s temporaries:
/// `.NAME.PID.N.tmp`.
pub fn is_temporary(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else { return false };
    let mut parts = inner.rsplitn(3, '.');
    let digits =
        |part: Option<&str>| part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_some_and(|name| !name.is_empty())
}

/// Removes the temporaries a crash left anywhere under `dir`, which nobody
/// may be writing: at start, before anything is opened. Symbolic links are
/// not followed. Returns how many went.
pub fn remove_temporaries(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            removed += remove_temporaries(&entry.path())?;
        } else if kind.is_file() && is_temporary(&entry.file_name().to_string_lossy()) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Steps of a write where the process can be made to die as by `kill -9`
/// (`reshell agent --fault-injection --crash-at STEP`), so that a test
/// stops a commit or a transfer at an exact point instead of racing a kill
/// against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CrashPoint {
    /// Half of a commit's journal record is written.
    Checkpoint,
    /// A commit's journal record is written but for its last byte.
    History,
    /// A commit's journal record is on disk, not yet acknowledged; no
    /// checkpoint is written yet.
    Pruning,
    /// The first piece of a transferred file is written.
    Transfer,
}

static CRASH_AT: OnceLock<CrashPoint> = OnceLock::new();

/// Whether a crash point is set: a write then goes in pieces, so that it
/// can be cut short between them.
pub fn crash_injected() -> bool {
    CRASH_AT.get().is_some()
}

/// Makes the process die when it reaches `point`.
pub fn crash_at(point: CrashPoint) {
    let _ = CRASH_AT.set(point);
}

/// Dies here if told to (see [`crash_at`]).
pub fn crash_point(point: CrashPoint) {
    if CRASH_AT.get() == Some(&point) {
        eprintln!("crashing at {point:?} (fault injection)");
        // As abrupt as `kill -9`: nothing is flushed, closed or cleaned up.
        let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["f"]);
        assert!(write_atomically(&dir.path().join("missing/f"), b"x").is_err());
    }

    #[test]
    fn files_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomically(&path, b"secret").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn temporaries_left_by_a_crash_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let mut left = AtomicFile::create(&deep.join("f")).unwrap();
        left.write_all(b"half").unwrap();
        // As a crash leaves it: never committed, never dropped.
        std::mem::forget(left);
        for kept in [".vimrc.tmp", "x.1.2.tmp", "..1.2.tmp", ".f.1.tmp", "g"] {
            std::fs::write(deep.join(kept), b"").unwrap();
        }
        assert!(is_temporary(".f.123.0.tmp") && is_temporary(".juniper.conf.9.12.tmp"));
        assert_eq!(remove_temporaries(dir.path()).unwrap(), 1);
        let mut names: Vec<_> = std::fs::read_dir(&deep)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["..1.2.tmp", ".f.1.tmp", ".vimrc.tmp", "g", "x.1.2.tmp"]);
    }
}
