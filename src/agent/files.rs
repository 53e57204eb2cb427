//! The Routing Engine's file area: a tree under the state dir that the CLI
//! shows as the RE's own file system, with each user's home in /var/home.

use std::path::{Component, Path, PathBuf};

use crate::durable::{is_temporary, write_atomically};
use crate::proto::{DirectoryEntry, DirectoryList};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("invalid path '{0}'")]
    InvalidPath(String),
    #[error("could not resolve file: {0}")]
    NotFound(String),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

pub struct FileArea {
    root: PathBuf,
}

/// A path on the RE and where it lives on the host.
struct Resolved {
    shown: String,
    host: PathBuf,
}

impl FileArea {
    pub fn new(state_dir: &Path) -> FileArea {
        FileArea { root: state_dir.join("files") }
    }

    /// Resolves `path` as the RE sees it: absolute, or relative to the user's
    /// home. As on any Unix, `..` at the root is the root, so no path leaves
    /// the file area.
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
                    parts.pop();
                }
                Component::Normal(part) => parts.push(part.to_str().ok_or_else(invalid)?.to_owned()),
                Component::Prefix(_) => return Err(invalid()),
            }
        }
        let host = parts.iter().fold(self.root.clone(), |p, part| p.join(part));
        Ok(Resolved { shown: format!("/{}", parts.join("/")), host })
    }

    /// Writes a whole file at once: a reader sees the old file or the new one.
    pub fn save(&self, user: &str, path: &str, content: &str) -> Result<String, FileError> {
        let target = self.resolve(user, path)?;
        let io = |source| FileError::Io { path: target.shown.clone(), source };
        let dir = target.host.parent().ok_or_else(|| FileError::InvalidPath(path.to_owned()))?;
        std::fs::create_dir_all(dir).map_err(io)?;
        write_atomically(&target.host, content.as_bytes()).map_err(io)?;
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
            let directory = entry.file_type().map_err(io)?.is_dir();
            entries.push(DirectoryEntry { name, directory });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let shown =
            if target.shown.ends_with('/') { target.shown.clone() } else { format!("{}/", target.shown) };
        Ok(DirectoryList { path: shown, entries })
    }

    pub fn read(&self, user: &str, path: &str) -> Result<(String, String), FileError> {
        let target = self.resolve(user, path)?;
        match std::fs::read(&target.host) {
            Ok(bytes) => Ok((target.shown, String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound(target.shown)),
            Err(source) => Err(FileError::Io { path: target.shown, source }),
        }
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
        let area = FileArea::new(dir.path());
        assert_eq!(area.resolve("lab", "out.txt").unwrap().shown, "/var/home/lab/out.txt");
        assert_eq!(area.resolve("lab", "/var/tmp/../log/x").unwrap().shown, "/var/log/x");
        assert_eq!(area.resolve("lab", "../../../../etc").unwrap().shown, "/etc");
        assert!(area.resolve("../x", "a").is_err());
        let resolved = area.resolve("lab", "../../../x").unwrap();
        assert_eq!(resolved.shown, "/x");
        assert!(resolved.host.starts_with(dir.path()));
    }

    #[test]
    fn saved_files_are_listed_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let area = FileArea::new(dir.path());
        assert_eq!(area.list("lab", "").unwrap().entries, []);
        assert_eq!(area.save("lab", "status.txt", "one\ntwo\n").unwrap(), "/var/home/lab/status.txt");
        area.save("lab", "/var/tmp/x", "x").unwrap();
        let list = area.list("lab", "").unwrap();
        assert_eq!(list.path, "/var/home/lab/");
        assert_eq!(list.entries, [DirectoryEntry { name: "status.txt".into(), directory: false }]);
        let var = area.list("lab", "/var").unwrap();
        let names: Vec<&str> = var.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["home", "tmp"]);
        assert_eq!(area.read("lab", "status.txt").unwrap().1, "one\ntwo\n");
        assert!(
            matches!(area.read("lab", "nothing"), Err(FileError::NotFound(p)) if p == "/var/home/lab/nothing")
        );
    }
}
