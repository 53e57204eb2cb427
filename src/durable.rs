//! Writes that survive a crash: a reader, or the process after `kill -9`, sees
//! the old file or the new one, never a part of either.

use std::io::Write;
use std::path::{Path, PathBuf};
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
        let file = std::fs::File::create(&temporary)?;
        Ok(AtomicFile { path: path.to_owned(), temporary, file: Some(file) })
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
    use std::os::unix::fs::OpenOptionsExt;
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

/// Whether a directory entry is one of [`write_atomically`]'s temporaries.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
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
}
