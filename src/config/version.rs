//! The version of a committed configuration: the mastership term it was
//! committed in and a sequence that counts commits across both REs. A
//! newer master's commits are newer than anything committed before its
//! term, so after a failover the old master's configuration never
//! replaces what the new one committed. Synchronizing moves the other RE
//! only forward: to a version newer than the one it has. The version is
//! kept in the commit's history record, so that it is on disk exactly when
//! the configuration it versions is.

use std::fmt;

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
}
