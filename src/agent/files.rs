//! The Routing Engine's file area: a tree under the state dir that the CLI
//! shows as the RE's own file system (`/var/tmp`, `/var/log`, `/config`,
//! each user's home in `/var/home`). No path leaves it: `..` above the root
//! and symbolic links are refused, never followed.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use md5::Digest;

use crate::durable::{AtomicFile, is_temporary, write_atomically};
use crate::proto::{DirectoryEntry, DirectoryList};

/// The directories every RE has.
const LAYOUT: [&str; 4] = ["var/tmp", "var/log", "var/home", "config"];

/// Where a user who is not a super-user may write, as on Junos, where the
/// rest (the logs, `/config`) belongs to the system: `/var/tmp`, and the
/// user's own home.
fn writable_by(user: &str, shown: &str) -> bool {
    let home = format!("{}/", home(user).display());
    shown.strip_prefix("/var/tmp/").or_else(|| shown.strip_prefix(&home)).is_some_and(|rest| !rest.is_empty())
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("invalid path '{0}'")]
    InvalidPath(String),
    #[error("could not resolve file: {0}")]
    NotFound(String),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: file too large ({size} bytes; at most {limit} are read whole)")]
    TooLarge { path: String, size: u64, limit: usize },
    #[error("{0}: Permission denied")]
    Denied(String),
}

#[derive(Clone)]
pub struct FileArea {
    root: PathBuf,
}

/// A path on the RE and where it lives on the host.
struct Resolved {
    shown: String,
    host: PathBuf,
}

impl FileArea {
    pub fn new(state_dir: &Path) -> std::io::Result<FileArea> {
        let root = state_dir.join("files");
        for dir in LAYOUT {
            std::fs::create_dir_all(root.join(dir))?;
        }
        Ok(FileArea { root })
    }

    /// Where the file area is on the host.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves `path` as the RE sees it: absolute, or relative to the user's
    /// home. A path that climbs above the root, or passes through a
    /// symbolic link, is refused.
    fn resolve(&self, user: &str, path: &str) -> Result<Resolved, FileError> {
        let invalid = || FileError::InvalidPath(path.to_owned());
        if user.is_empty() || user.contains('/') || user.starts_with('.') {
            return Err(invalid());
        }
        let full = if path.starts_with('/') { PathBuf::from(path) } else { home(user).join(path) };
        let mut parts: Vec<String> = Vec::new();
        for component in full.components() {
            match component {
                Component::RootDir | Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop().ok_or_else(invalid)?;
                }
                Component::Normal(part) => parts.push(part.to_str().ok_or_else(invalid)?.to_owned()),
                Component::Prefix(_) => return Err(invalid()),
            }
        }
        let mut host = self.root.clone();
        for part in &parts {
            host.push(part);
            if std::fs::symlink_metadata(&host).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(invalid());
            }
        }
        Ok(Resolved { shown: format!("/{}", parts.join("/")), host })
    }

    /// `resolve` for a file to write, which needs a name: not empty, not
    /// ending in `/`.
    fn resolve_file(&self, user: &str, path: &str) -> Result<Resolved, FileError> {
        if path.is_empty() || path.ends_with('/') {
            return Err(FileError::InvalidPath(path.to_owned()));
        }
        self.resolve(user, path)
    }

    /// Refuses a write at `path` that is not the user's to make: a name that
    /// is no file's (empty, or ending in `/`), or, unless `everywhere` (a
    /// super-user), a place outside `/var/tmp` and the user's home.
    pub fn check_write(&self, user: &str, path: &str, everywhere: bool) -> Result<(), FileError> {
        let target = self.resolve_file(user, path)?;
        if !everywhere && !writable_by(user, &target.shown) {
            return Err(FileError::Denied(target.shown));
        }
        Ok(())
    }

    /// A file to read, for `file show`, `file copy` and checksums.
    pub fn open(&self, user: &str, path: &str) -> Result<(String, std::fs::File), FileError> {
        let target = self.resolve(user, path)?;
        match std::fs::File::open(&target.host) {
            Ok(file) if file.metadata().is_ok_and(|m| m.is_dir()) => {
                Err(FileError::Io { path: target.shown, source: std::io::Error::other("Is a directory") })
            }
            Ok(file) => Ok((target.shown, file)),
            Err(e) => Err(not_found_or(target.shown, e)),
        }
    }

    /// A file to hand out whole, with its entry: no larger than
    /// [`MAX_FILE_BYTES`].
    pub fn open_bounded(
        &self,
        user: &str,
        path: &str,
    ) -> Result<(String, DirectoryEntry, std::fs::File), FileError> {
        let (shown, file) = self.open(user, path)?;
        let meta = file.metadata().map_err(|source| FileError::Io { path: shown.clone(), source })?;
        if meta.len() > MAX_FILE_BYTES {
            let limit = MAX_FILE_BYTES as usize;
            return Err(FileError::TooLarge { path: shown, size: meta.len(), limit });
        }
        let name = shown.rsplit('/').next().unwrap_or_default().to_owned();
        Ok((shown, entry(name, &meta), file))
    }

    /// Where a copy of a file called `name` goes when sent to `path`: into
    /// it when it names a directory (empty: the user's home; ending in `/`;
    /// or a directory that is there), as `cp` does.
    pub fn copy_target(&self, user: &str, path: &str, name: &str) -> String {
        if name.is_empty() {
            return path.to_owned();
        }
        if path.is_empty() {
            return format!("{}/{name}", home(user).display());
        }
        if path.ends_with('/') {
            return format!("{path}{name}");
        }
        match self.resolve(user, path) {
            Ok(target) if target.host.is_dir() => format!("{path}/{name}"),
            _ => path.to_owned(),
        }
    }

    /// A file to write whole: it appears at its path only once committed.
    /// The user's home is made for it if it is not there yet.
    pub fn create(&self, user: &str, path: &str) -> Result<(String, AtomicFile), FileError> {
        let target = self.resolve(user, path)?;
        let io = |source| FileError::Io { path: target.shown.clone(), source };
        if target.host.is_dir() {
            return Err(io(std::io::Error::other("Is a directory")));
        }
        let dir = target.host.parent().ok_or_else(|| FileError::InvalidPath(path.to_owned()))?;
        if !dir.is_dir() {
            if Path::new(&parent_shown(&target.shown)) != home(user) {
                return Err(FileError::NotFound(parent_shown(&target.shown)));
            }
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = AtomicFile::create(&target.host).map_err(io)?;
        Ok((target.shown, file))
    }

    pub fn delete(&self, user: &str, path: &str) -> Result<String, FileError> {
        let target = self.resolve(user, path)?;
        let removed = if target.host.is_dir() {
            std::fs::remove_dir(&target.host)
        } else {
            std::fs::remove_file(&target.host)
        };
        removed.map_err(|e| not_found_or(target.shown.clone(), e))?;
        Ok(target.shown)
    }

    pub fn rename(&self, user: &str, from: &str, to: &str) -> Result<String, FileError> {
        let source = self.resolve(user, from)?;
        let mut target = self.resolve(user, to)?;
        if target.host.is_dir() {
            let name = source.host.file_name().ok_or_else(|| FileError::InvalidPath(from.to_owned()))?;
            target.host.push(name);
            target.shown = format!("{}/{}", target.shown.trim_end_matches('/'), name.to_string_lossy());
        }
        std::fs::rename(&source.host, &target.host).map_err(|e| not_found_or(source.shown, e))?;
        Ok(target.shown)
    }

    /// `file checksum md5|sha-256`: the digest in hex.
    pub fn checksum(&self, user: &str, path: &str, algorithm: &str) -> Result<(String, String), FileError> {
        let (shown, mut file) = self.open(user, path)?;
        let io = |source| FileError::Io { path: shown.clone(), source };
        let mut buffer = vec![0; CHUNK];
        let digest = match algorithm {
            "md5" => hex(&digest_of::<md5::Md5>(&mut file, &mut buffer).map_err(io)?),
            "sha-256" => hex(&digest_of::<sha2::Sha256>(&mut file, &mut buffer).map_err(io)?),
            other => return Err(FileError::InvalidPath(format!("{other}: unknown checksum"))),
        };
        Ok((shown, digest))
    }

    /// Writes a whole file at once: a reader sees the old file or the new one.
    pub fn save(&self, user: &str, path: &str, content: &str) -> Result<String, FileError> {
        let target = self.resolve_file(user, path)?;
        let io = |source| FileError::Io { path: target.shown.clone(), source };
        if target.host.is_dir() {
            return Err(io(std::io::Error::other("Is a directory")));
        }
        let dir = target.host.parent().ok_or_else(|| FileError::InvalidPath(path.to_owned()))?;
        std::fs::create_dir_all(dir).map_err(io)?;
        write_atomically(&target.host, content.as_bytes()).map_err(io)?;
        Ok(target.shown)
    }

    /// A file's or a directory's entry, named by its last component.
    pub fn stat(&self, user: &str, path: &str) -> Result<(String, DirectoryEntry), FileError> {
        let target = self.resolve(user, if path.is_empty() { "." } else { path })?;
        let meta = std::fs::metadata(&target.host).map_err(|e| not_found_or(target.shown.clone(), e))?;
        let name = target.shown.rsplit('/').next().unwrap_or_default().to_owned();
        Ok((target.shown, entry(name, &meta)))
    }

    /// Makes one directory; its parent must be there.
    pub fn make_directory(&self, user: &str, path: &str) -> Result<String, FileError> {
        let target = self.resolve_file(user, path.trim_end_matches('/'))?;
        std::fs::create_dir(&target.host).map_err(|e| not_found_or(target.shown.clone(), e))?;
        Ok(target.shown)
    }

    /// `file list [path]`: the user's home when `path` is empty.
    pub fn list(&self, user: &str, path: &str) -> Result<DirectoryList, FileError> {
        let target = self.resolve(user, if path.is_empty() { "." } else { path })?;
        let io = |source| FileError::Io { path: target.shown.clone(), source };
        if path.is_empty() {
            std::fs::create_dir_all(&target.host).map_err(io)?;
        }
        let read = std::fs::read_dir(&target.host).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FileError::NotFound(target.shown.clone()),
            _ => io(e),
        })?;
        let mut entries = Vec::new();
        for entry in read {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_temporary(&name) {
                continue;
            }
            let meta = entry.metadata().map_err(io)?;
            entries.push(self::entry(name, &meta));
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let shown =
            if target.shown.ends_with('/') { target.shown.clone() } else { format!("{}/", target.shown) };
        Ok(DirectoryList { path: shown, entries })
    }

    pub fn read(&self, user: &str, path: &str) -> Result<(String, String), FileError> {
        let (shown, file) = self.open(user, path)?;
        let limit = crate::MAX_CONFIGURATION_BYTES;
        let size = file.metadata().map_err(|source| FileError::Io { path: shown.clone(), source })?.len();
        if size > limit as u64 {
            return Err(FileError::TooLarge { path: shown, size, limit });
        }
        let mut bytes = Vec::new();
        // A file that grows while it is read stops at the limit all the same.
        let read = file.take(limit as u64 + 1).read_to_end(&mut bytes);
        read.map_err(|source| FileError::Io { path: shown.clone(), source })?;
        if bytes.len() > limit {
            return Err(FileError::TooLarge { path: shown, size: bytes.len() as u64, limit });
        }
        // Valid UTF-8, as nearly every file is, is kept without a copy.
        let text =
            String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok((shown, text))
    }
}

fn entry(name: String, meta: &std::fs::Metadata) -> DirectoryEntry {
    DirectoryEntry {
        name,
        directory: meta.is_dir(),
        size: meta.len(),
        modified: meta.mtime(),
        mode: meta.permissions().mode() & 0o7777,
    }
}

/// The largest file the RE takes in or hands out whole (SCP, SFTP, a copy
/// between the REs): what a configuration may weigh.
pub const MAX_FILE_BYTES: u64 = crate::MAX_CONFIGURATION_BYTES as u64;

/// How much of a file is read or sent at a time.
pub const CHUNK: usize = 64 * 1024;

fn digest_of<D: Digest>(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<Vec<u8>> {
    let mut digest = D::new();
    loop {
        let n = file.read(buffer)?;
        if n == 0 {
            return Ok(digest.finalize().to_vec());
        }
        digest.update(&buffer[..n]);
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn not_found_or(shown: String, e: std::io::Error) -> FileError {
    match e.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound(shown),
        _ => FileError::Io { path: shown, source: e },
    }
}

fn parent_shown(shown: &str) -> String {
    match shown.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((parent, _)) => parent.into(),
    }
}

fn home(user: &str) -> PathBuf {
    Path::new("/var/home").join(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_in_the_home_and_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let area = FileArea::new(dir.path()).unwrap();
        assert_eq!(area.resolve("lab", "out.txt").unwrap().shown, "/var/home/lab/out.txt");
        assert_eq!(area.resolve("lab", "/var/tmp/../log/x").unwrap().shown, "/var/log/x");
        assert_eq!(area.resolve("lab", "../../../etc").unwrap().shown, "/etc");
        assert!(area.resolve("lab", "../../../../etc/passwd").is_err());
        assert!(area.resolve("lab", "/../etc/passwd").is_err());
        assert!(area.resolve("../x", "a").is_err());
        let resolved = area.resolve("lab", "../../../x").unwrap();
        assert_eq!(resolved.shown, "/x");
        assert!(resolved.host.starts_with(dir.path()));
        // A link planted in the area is not followed.
        std::os::unix::fs::symlink("/etc", dir.path().join("files/var/tmp/etc")).unwrap();
        assert!(area.resolve("lab", "/var/tmp/etc/passwd").is_err());
    }

    #[test]
    fn a_write_names_a_file_the_user_may_write() {
        let dir = tempfile::tempdir().unwrap();
        let area = FileArea::new(dir.path()).unwrap();
        area.save("lab", "/var/log/messages", "kept\n").unwrap();
        for (path, everywhere) in [("", true), ("/var/tmp/", true), ("x/", true)] {
            assert!(
                matches!(area.check_write("lab", path, everywhere), Err(FileError::InvalidPath(_))),
                "{path:?}"
            );
            assert!(matches!(area.save("lab", path, "x"), Err(FileError::InvalidPath(_))), "{path:?}");
        }
        assert!(area.save("lab", "/var/log", "x").is_err(), "a directory is not replaced");
        assert!(area.list("lab", "/var/log").is_ok());
        for denied in ["/var/log/messages", "/config/juniper.conf", "/var/home/ops/x", "/var/tmp", "../ops/x"]
        {
            assert!(matches!(area.check_write("lab", denied, false), Err(FileError::Denied(_))), "{denied}");
            assert!(area.check_write("lab", denied, true).is_ok(), "{denied}");
        }
        for allowed in ["out.txt", "/var/home/lab/a/b", "/var/tmp/x"] {
            assert!(area.check_write("lab", allowed, false).is_ok(), "{allowed}");
        }
        assert!(matches!(area.check_write("lab", "../../../../x", true), Err(FileError::InvalidPath(_))));
        assert_eq!(area.read("lab", "/var/log/messages").unwrap().1, "kept\n");
    }

    #[test]
    fn files_are_copied_renamed_checksummed_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let area = FileArea::new(dir.path()).unwrap();
        area.save("lab", "/var/tmp/x", "hello\n").unwrap();
        let (_, sum) = area.checksum("lab", "/var/tmp/x", "md5").unwrap();
        assert_eq!(sum, "b1946ac92492d2347c6235b4d2611184");
        let (_, sum) = area.checksum("lab", "/var/tmp/x", "sha-256").unwrap();
        assert_eq!(sum, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
        assert_eq!(area.rename("lab", "/var/tmp/x", "/var/log").unwrap(), "/var/log/x");
        assert!(matches!(area.open("lab", "/var/tmp/x"), Err(FileError::NotFound(_))));
        let (_, mut file) = area.create("lab", "/var/tmp/y").unwrap();
        std::io::Write::write_all(&mut file, b"partial").unwrap();
        drop(file);
        assert!(area.open("lab", "/var/tmp/y").is_err(), "an uncommitted file does not appear");
        assert!(matches!(area.create("lab", "/nowhere/y"), Err(FileError::NotFound(p)) if p == "/nowhere"));
        assert_eq!(area.delete("lab", "/var/log/x").unwrap(), "/var/log/x");
        assert!(matches!(area.delete("lab", "/var/log/x"), Err(FileError::NotFound(_))));
    }

    #[test]
    fn a_copy_to_a_directory_goes_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let area = FileArea::new(dir.path()).unwrap();
        for (path, target) in [
            ("/var/tmp/", "/var/tmp/x.tgz"),
            ("/var/tmp", "/var/tmp/x.tgz"),
            ("", "/var/home/lab/x.tgz"),
            ("/var/tmp/y", "/var/tmp/y"),
            ("out/", "out/x.tgz"),
        ] {
            assert_eq!(area.copy_target("lab", path, "x.tgz"), target, "{path:?}");
        }
        let (shown, file) = area.create("lab", &area.copy_target("lab", "", "x.tgz")).unwrap();
        file.commit().unwrap();
        assert_eq!(shown, "/var/home/lab/x.tgz", "the home is made for it");
        assert!(matches!(area.create("lab", "/var/home/lab/no/x"), Err(FileError::NotFound(_))));
    }

    #[test]
    fn saved_files_are_listed_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let area = FileArea::new(dir.path()).unwrap();
        assert_eq!(area.list("lab", "").unwrap().entries, []);
        assert_eq!(area.save("lab", "status.txt", "one\ntwo\n").unwrap(), "/var/home/lab/status.txt");
        area.save("lab", "/var/tmp/x", "x").unwrap();
        let list = area.list("lab", "").unwrap();
        assert_eq!(list.path, "/var/home/lab/");
        let names: Vec<(&str, bool, u64)> =
            list.entries.iter().map(|e| (e.name.as_str(), e.directory, e.size)).collect();
        assert_eq!(names, [("status.txt", false, 8)]);
        let var = area.list("lab", "/var").unwrap();
        let names: Vec<&str> = var.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["home", "log", "tmp"]);
        assert_eq!(area.read("lab", "status.txt").unwrap().1, "one\ntwo\n");
        assert!(
            matches!(area.read("lab", "nothing"), Err(FileError::NotFound(p)) if p == "/var/home/lab/nothing")
        );
    }
}
