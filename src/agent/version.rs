//! The version of a committed configuration: the mastership term it was
//! committed in and a sequence that counts commits across both REs. A
//! newer master's commits are newer than anything committed before its
//! term, so after a failover the old master's configuration never
//! replaces what the new one committed. Synchronizing moves the other RE
//! only forward: to a version newer than the one it has.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::durable::write_atomically;
use crate::proto::ConfigurationVersion;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub term: u64,
    pub sequence: u64,
}

impl Version {
    /// The version of a commit made now, in `term`: newer than this one
    /// and than `other` (the other RE's, when it is to commit it too).
    pub fn next(self, term: u64, other: Option<Version>) -> Version {
        let other = other.unwrap_or_default();
        Version { term: term.max(self.term).max(other.term), sequence: self.sequence.max(other.sequence) + 1 }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "term {}, commit {}", self.term, self.sequence)
    }
}

impl From<ConfigurationVersion> for Version {
    fn from(v: ConfigurationVersion) -> Version {
        Version { term: v.term, sequence: v.sequence }
    }
}

impl From<Version> for ConfigurationVersion {
    fn from(v: Version) -> ConfigurationVersion {
        ConfigurationVersion { term: v.term, sequence: v.sequence }
    }
}

/// The version of the committed configuration, kept beside it.
pub struct VersionFile {
    path: PathBuf,
}

impl VersionFile {
    pub fn new(config_dir: &Path) -> VersionFile {
        VersionFile { path: config_dir.join("version") }
    }

    /// `TERM SEQUENCE`; none yet (a configuration never synchronized) is the oldest.
    pub fn read(&self) -> Version {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let mut words = text.split_whitespace().map(str::parse);
        match (words.next(), words.next()) {
            (Some(Ok(term)), Some(Ok(sequence))) => Version { term, sequence },
            _ => Version::default(),
        }
    }

    /// Written before the configuration it versions: a crash between the
    /// two leaves a version newer than the configuration, which refuses
    /// more than it must but never lets an older one in.
    pub fn write(&self, version: Version) -> std::io::Result<()> {
        write_atomically(&self.path, format!("{} {}\n", version.term, version.sequence).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_term_beats_any_number_of_commits_in_an_older_one() {
        let old_master = Version { term: 2, sequence: 9 };
        let new_master = Version { term: 3, sequence: 4 };
        assert!(new_master > old_master);
        assert_eq!(old_master.next(2, Some(new_master)), Version { term: 3, sequence: 10 });
        assert_eq!(Version::default().next(2, None), Version { term: 2, sequence: 1 });
    }

    #[test]
    fn the_version_outlives_the_agent_and_a_missing_one_is_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let file = VersionFile::new(dir.path());
        assert_eq!(file.read(), Version::default());
        file.write(Version { term: 4, sequence: 7 }).unwrap();
        assert_eq!(file.read(), Version { term: 4, sequence: 7 });
    }
}
