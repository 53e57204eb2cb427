//! The configuration files of one Routing Engine: the committed
//! configuration (rollback 0) in Junos text form, rollbacks 1..49, and the
//! commit history. Every file is replaced atomically, so a crash leaves the
//! old configuration or the new one.

use std::io;
use std::path::{Path, PathBuf};

use crate::durable::write_atomically;

/// Configurations kept: rollback 0 (the committed one) through 49.
pub const KEPT: usize = 50;

/// Who committed, when, how, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRecord {
    /// Seconds since the Unix epoch.
    pub time: i64,
    pub user: String,
    /// `cli`, `netconf` or `other`.
    pub client: String,
    pub comment: String,
    /// `commit confirmed N`: the minutes given.
    pub confirmed: Option<u32>,
    /// A confirmed commit not yet confirmed: it is rolled back at its deadline.
    pub pending: bool,
}

impl CommitRecord {
    /// When a pending `commit confirmed` is rolled back, in Unix seconds.
    pub fn deadline(&self) -> Option<i64> {
        let minutes = self.confirmed.filter(|_| self.pending)?;
        Some(self.time + i64::from(minutes) * 60)
    }
}

pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn open(state_dir: &Path) -> io::Result<Store> {
        let dir = state_dir.join("config");
        std::fs::create_dir_all(&dir)?;
        Ok(Store { dir })
    }

    fn file(&self, n: usize) -> PathBuf {
        if n == 0 { self.dir.join("juniper.conf") } else { self.dir.join(format!("juniper.conf.{n}")) }
    }

    /// Rollback `n`'s text, if there is one. A commit interrupted between
    /// moving rollback 0 aside and writing the new one leaves rollback 1 as the
    /// last committed configuration, and it is read as such.
    pub fn rollback(&self, n: usize) -> io::Result<Option<String>> {
        if n >= KEPT {
            return Ok(None);
        }
        let read = |path: PathBuf| match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        };
        match read(self.file(n))? {
            None if n == 0 => read(self.file(1)),
            found => Ok(found),
        }
    }

    pub fn history(&self) -> io::Result<Vec<CommitRecord>> {
        let text = match std::fs::read_to_string(self.dir.join("commits")) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(text
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(6, '\t');
                Some(CommitRecord {
                    time: fields.next()?.parse().ok()?,
                    user: fields.next()?.to_owned(),
                    client: fields.next()?.to_owned(),
                    confirmed: fields.next()?.parse().ok(),
                    pending: fields.next()? == "pending",
                    comment: unescape(fields.next().unwrap_or("")),
                })
            })
            .collect())
    }

    fn write_history(&self, history: &[CommitRecord]) -> io::Result<()> {
        let lines: String = history
            .iter()
            .map(|r| {
                let confirmed = r.confirmed.map(|m| m.to_string()).unwrap_or_default();
                let pending = if r.pending { "pending" } else { "" };
                format!(
                    "{}\t{}\t{}\t{confirmed}\t{pending}\t{}\n",
                    r.time,
                    r.user,
                    r.client,
                    escape(&r.comment)
                )
            })
            .collect();
        write_atomically(&self.dir.join("commits"), lines.as_bytes())
    }

    /// Confirms a pending `commit confirmed`: it will not be rolled back.
    pub fn confirm(&self) -> io::Result<()> {
        let mut history = self.history()?;
        if history.iter().any(|r| r.pending) {
            history.iter_mut().for_each(|r| r.pending = false);
            self.write_history(&history)?;
        }
        Ok(())
    }

    /// The size of rollback 0 on disk.
    pub fn committed_bytes(&self) -> usize {
        std::fs::metadata(self.file(0)).map_or(0, |m| m.len() as usize)
    }

    /// Makes `text` rollback 0: the older ones move up one and the 50th goes.
    /// A new commit confirms any earlier one. Returns once everything is on disk.
    pub fn commit(&self, text: &str, record: CommitRecord) -> io::Result<()> {
        let mut history = self.history()?;
        history.iter_mut().for_each(|r| r.pending = false);
        if self.file(0).exists() {
            let _ = std::fs::remove_file(self.file(KEPT - 1));
            for n in (0..KEPT - 1).rev() {
                if self.file(n).exists() {
                    std::fs::rename(self.file(n), self.file(n + 1))?;
                }
            }
        }
        write_atomically(&self.file(0), text.as_bytes())?;
        history.insert(0, record);
        history.truncate(KEPT);
        self.write_history(&history)
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', "\\t")
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: i64) -> CommitRecord {
        CommitRecord {
            time: n,
            user: "lab".into(),
            client: "cli".into(),
            comment: format!("change\t{n}\n"),
            confirmed: None,
            pending: false,
        }
    }

    #[test]
    fn a_confirmed_commit_is_pending_until_confirmed_or_followed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let confirmed = CommitRecord { confirmed: Some(5), pending: true, ..record(100) };
        store.commit("a\n", confirmed.clone()).unwrap();
        assert_eq!(store.history().unwrap()[0].deadline(), Some(400));
        store.confirm().unwrap();
        assert_eq!(store.history().unwrap()[0], CommitRecord { pending: false, ..confirmed.clone() });
        store.commit("b\n", confirmed).unwrap();
        store.commit("c\n", record(200)).unwrap();
        assert!(store.history().unwrap().iter().all(|r| r.deadline().is_none()));
    }

    #[test]
    fn commits_rotate_and_only_fifty_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.rollback(0).unwrap(), None);
        for n in 0..55 {
            store.commit(&format!("config {n}\n"), record(n)).unwrap();
        }
        assert_eq!(store.rollback(0).unwrap().as_deref(), Some("config 54\n"));
        assert_eq!(store.rollback(1).unwrap().as_deref(), Some("config 53\n"));
        assert_eq!(store.rollback(49).unwrap().as_deref(), Some("config 5\n"));
        assert_eq!(store.rollback(50).unwrap(), None);
        let history = store.history().unwrap();
        assert_eq!(history.len(), 50);
        assert_eq!(history[0], record(54));
    }

    #[test]
    fn an_interrupted_commit_leaves_the_previous_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.commit("old\n", record(1)).unwrap();
        // As if the process died after moving rollback 0 aside.
        std::fs::rename(store.file(0), store.file(1)).unwrap();
        assert_eq!(store.rollback(0).unwrap().as_deref(), Some("old\n"));
    }
}
