//! The configuration store of one Routing Engine: the configurations
//! committed (rollback 0 is the one in effect, 1..49 the ones before it),
//! their history, and the shared candidate between commits.
//!
//! Each commit's configuration is a file of its own, `commit.SEQUENCE`,
//! written once and never changed; the history names the fifty kept, newest
//! first. Replacing the history (by rename) is the one step that makes a
//! commit and rotates the rollbacks, so a crash at any instant leaves a
//! commit wholly there or wholly absent, never the history and the rollbacks
//! out of step. Files no history names are what a crash cut short, removed
//! when the store is opened, which also checks that every commit the history
//! names is there. The history record of a commit carries its version, so
//! the version and the configuration are made in that same step. Everything
//! is readable by its owner only.

use std::collections::HashSet;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::version::Version;
use crate::durable::{AtomicFile, CrashPoint, crash_point, is_temporary, write_atomically};

/// Configurations kept: rollback 0 (the committed one) through 49.
pub const KEPT: usize = 50;

const HISTORY: &str = "history";
const CANDIDATE: &str = "candidate";
/// The configuration `rollback rescue` loads, kept apart from the rollbacks.
const RESCUE: &str = "rescue";
const CHECKPOINT: &str = "commit.";
/// A `commit at` waiting for its time.
const SCHEDULED: &str = "scheduled";
/// Where the version was kept, apart from the history, before it was in it.
const OLD_VERSION: &str = "version";

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
    /// `None` in a record written before versions were kept in the history.
    pub version: Option<Version>,
}

impl CommitRecord {
    /// When a pending `commit confirmed` is rolled back, in Unix seconds.
    pub fn deadline(&self) -> Option<i64> {
        let minutes = self.confirmed.filter(|_| self.pending)?;
        Some(self.time + i64::from(minutes) * 60)
    }
}

/// `commit at`: the shared candidate is committed at `at` (Unix seconds) as
/// `user`'s, via `client`, with `comment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    pub at: i64,
    pub user: String,
    pub client: String,
    pub comment: String,
}

/// A commit kept: its configuration is in `commit.SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    sequence: u64,
    record: CommitRecord,
}

pub struct Store {
    dir: PathBuf,
    /// As in the history file, newest first.
    entries: Vec<Entry>,
}

impl Store {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the store in `state_dir`, taking over one in the layout before
    /// this one, and repairs what a crash left.
    pub fn open(state_dir: &Path) -> io::Result<Store> {
        let dir = state_dir.join("config");
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        if !dir.join(HISTORY).exists() {
            old_layout::migrate(&dir)?;
        }
        let text = read_if_there(&dir.join(HISTORY))?.unwrap_or_default();
        let entries = text.lines().filter_map(|line| parse_entry(line, &dir)).collect();
        let mut store = Store { dir, entries };
        store.check()?;
        Ok(store)
    }

    fn checkpoint(&self, sequence: u64) -> PathBuf {
        checkpoint(&self.dir, sequence)
    }

    /// Drops from the history commits whose configuration is gone, and
    /// removes files no history names.
    fn check(&mut self) -> io::Result<()> {
        let before = self.entries.len();
        let mut named = HashSet::new();
        let dir = self.dir.clone();
        self.entries.retain(|e| {
            let there = checkpoint(&dir, e.sequence).is_file() && named.insert(e.sequence);
            if !there {
                eprintln!(
                    "{}: commit {} has no configuration; left out of the history",
                    dir.display(),
                    e.sequence
                );
            }
            there
        });
        if self.entries.len() != before {
            self.write_history(&self.entries)?;
        }
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let unnamed = match name.strip_prefix(CHECKPOINT).map(str::parse::<u64>) {
                Some(Ok(sequence)) => !named.contains(&sequence),
                _ => old_layout::is_old(&name) || is_temporary(&name),
            };
            if unnamed {
                std::fs::remove_file(entry.path())?;
            } else if entry.file_type()?.is_file() {
                // Files written before the store was private.
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
            }
        }
        Ok(())
    }

    /// Rollback `n`'s text, if there is one.
    pub fn rollback(&self, n: usize) -> io::Result<Option<String>> {
        match self.entries.get(n) {
            Some(entry) => std::fs::read_to_string(self.checkpoint(entry.sequence)).map(Some),
            None => Ok(None),
        }
    }

    /// The committed configuration's version: its record's, or for one
    /// committed before records held it, the file it was kept in then. None
    /// (a configuration never synchronized) is the oldest.
    pub fn version(&self) -> Version {
        match self.entries.first().and_then(|e| e.record.version) {
            Some(version) => version,
            None => old_version(&self.dir),
        }
    }

    /// The commits kept, newest first.
    pub fn history(&self) -> Vec<CommitRecord> {
        self.entries.iter().map(|e| e.record.clone()).collect()
    }

    /// Replaces the history file: the step that makes a change to it.
    fn write_history(&self, entries: &[Entry]) -> io::Result<()> {
        let lines: String = entries
            .iter()
            .map(|Entry { sequence, record: r }| {
                let confirmed = r.confirmed.map(|m| m.to_string()).unwrap_or_default();
                let pending = if r.pending { "pending" } else { "" };
                // After the comment, so that a record without it reads as before.
                let version = r.version.map(|v| format!("\t{}\t{}", v.term, v.sequence)).unwrap_or_default();
                format!(
                    "{sequence}\t{}\t{}\t{}\t{confirmed}\t{pending}\t{}{version}\n",
                    r.time,
                    escape(&r.user),
                    escape(&r.client),
                    escape(&r.comment)
                )
            })
            .collect();
        write_atomically(&self.dir.join(HISTORY), lines.as_bytes())
    }

    /// Confirms a pending `commit confirmed`: it will not be rolled back.
    pub fn confirm(&mut self) -> io::Result<()> {
        if self.entries.iter().any(|e| e.record.pending) {
            let mut entries = self.entries.clone();
            entries.iter_mut().for_each(|e| e.record.pending = false);
            self.write_history(&entries)?;
            self.entries = entries;
        }
        Ok(())
    }

    /// The size of rollback 0 on disk.
    pub fn committed_bytes(&self) -> usize {
        let Some(entry) = self.entries.first() else { return 0 };
        std::fs::metadata(self.checkpoint(entry.sequence)).map_or(0, |m| m.len() as usize)
    }

    /// Makes `text` rollback 0: the older ones move up one and the 50th goes.
    /// A new commit confirms any earlier one. Returns once everything is on
    /// disk; until the history is replaced, nothing has changed.
    pub fn commit(&mut self, text: &str, record: CommitRecord) -> io::Result<()> {
        let sequence = self.entries.first().map_or(1, |e| e.sequence + 1);
        let mut file = AtomicFile::create(&self.checkpoint(sequence))?;
        file.write_all(text.as_bytes())?;
        crash_point(CrashPoint::Checkpoint);
        file.commit()?;
        crash_point(CrashPoint::History);
        let mut entries = self.entries.clone();
        entries.iter_mut().for_each(|e| e.record.pending = false);
        entries.insert(0, Entry { sequence, record });
        let dropped = entries.split_off(KEPT.min(entries.len()));
        if let Err(e) = self.write_history(&entries) {
            let _ = std::fs::remove_file(self.checkpoint(sequence));
            return Err(e);
        }
        self.entries = entries;
        crash_point(CrashPoint::Pruning);
        for entry in dropped {
            // One left behind goes when the store is next opened.
            let _ = std::fs::remove_file(self.checkpoint(entry.sequence));
        }
        if self.entries[0].record.version.is_some() {
            // Read no more: the record has the version now.
            let _ = std::fs::remove_file(self.dir.join(OLD_VERSION));
        }
        Ok(())
    }

    /// The shared candidate as last saved, if it held changes.
    pub fn candidate(&self) -> io::Result<Option<String>> {
        read_if_there(&self.dir.join(CANDIDATE))
    }

    /// Saves the shared candidate, or forgets it when it holds no changes.
    pub fn save_candidate(&self, text: Option<&str>) -> io::Result<()> {
        write_or_remove(&self.dir.join(CANDIDATE), text)
    }

    /// The `commit at` waiting, if one is (an unreadable one is none).
    pub fn scheduled(&self) -> io::Result<Option<Scheduled>> {
        let Some(text) = read_if_there(&self.dir.join(SCHEDULED))? else { return Ok(None) };
        let mut fields = text.trim_end_matches('\n').split('\t');
        let scheduled = (|| {
            Some(Scheduled {
                at: fields.next()?.parse().ok()?,
                user: unescape(fields.next()?),
                client: unescape(fields.next()?),
                comment: unescape(fields.next()?),
            })
        })();
        if scheduled.is_none() {
            eprintln!("{}: unreadable pending commit left out: {text:?}", self.dir.display());
        }
        Ok(scheduled)
    }

    /// Keeps the `commit at` waiting, or forgets it.
    pub fn save_scheduled(&self, scheduled: Option<&Scheduled>) -> io::Result<()> {
        let text = scheduled.map(|s| {
            format!("{}\t{}\t{}\t{}\n", s.at, escape(&s.user), escape(&s.client), escape(&s.comment))
        });
        write_or_remove(&self.dir.join(SCHEDULED), text.as_deref())
    }

    /// The rescue configuration, if one was saved.
    pub fn rescue(&self) -> io::Result<Option<String>> {
        read_if_there(&self.dir.join(RESCUE))
    }

    /// Keeps `text` as the rescue configuration, or removes the one kept.
    pub fn save_rescue(&self, text: Option<&str>) -> io::Result<()> {
        write_or_remove(&self.dir.join(RESCUE), text)
    }
}

/// Writes `path` whole, or removes it (if there) for `None`.
fn write_or_remove(path: &Path, text: Option<&str>) -> io::Result<()> {
    match text {
        Some(text) => write_atomically(path, text.as_bytes()),
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

fn checkpoint(dir: &Path, sequence: u64) -> PathBuf {
    dir.join(format!("{CHECKPOINT}{sequence}"))
}

fn read_if_there(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A history line: the sequence, then the record.
fn parse_entry(line: &str, dir: &Path) -> Option<Entry> {
    let entry = line.split_once('\t').and_then(|(sequence, rest)| {
        Some(Entry { sequence: sequence.parse().ok()?, record: parse_record(rest)? })
    });
    if entry.is_none() {
        eprintln!("{}: unreadable history line left out: {line:?}", dir.display());
    }
    entry
}

/// Time, user, client, confirmed minutes, `pending`, comment, and the
/// version's term and sequence where there is one; tab-separated (a tab in
/// a field is escaped).
fn parse_record(line: &str) -> Option<CommitRecord> {
    let mut fields = line.split('\t');
    let record = CommitRecord {
        time: fields.next()?.parse().ok()?,
        user: unescape(fields.next()?),
        client: unescape(fields.next()?),
        confirmed: fields.next()?.parse().ok(),
        pending: fields.next()? == "pending",
        comment: unescape(fields.next().unwrap_or("")),
        version: None,
    };
    let version = match (fields.next(), fields.next()) {
        (None, _) => None,
        (Some(term), Some(sequence)) => {
            Some(Version { term: term.parse().ok()?, sequence: sequence.parse().ok()? })
        }
        (Some(_), None) => return None,
    };
    Some(CommitRecord { version, ..record })
}

/// `TERM SEQUENCE` in the file the version was kept in before the history
/// held it; none, or one unreadable, is the oldest.
fn old_version(dir: &Path) -> Version {
    let text = std::fs::read_to_string(dir.join(OLD_VERSION)).unwrap_or_default();
    let mut words = text.split_whitespace().map(str::parse);
    match (words.next(), words.next()) {
        (Some(Ok(term)), Some(Ok(sequence))) => Version { term, sequence },
        _ => Version::default(),
    }
}

/// The layout before this one: rollback N in `juniper.conf` (0) or
/// `juniper.conf.N`, each renamed one up at every commit, and the history
/// in `commits`, newest first, written after the rotation.
mod old_layout {
    use super::*;

    const HISTORY: &str = "commits";

    fn file(dir: &Path, n: usize) -> PathBuf {
        if n == 0 { dir.join("juniper.conf") } else { dir.join(format!("juniper.conf.{n}")) }
    }

    /// A file of the old layout, left over once the store is taken over.
    pub fn is_old(name: &str) -> bool {
        name == HISTORY
            || name == "juniper.conf"
            || name.strip_prefix("juniper.conf.").is_some_and(|n| n.parse::<usize>().is_ok())
    }

    /// Takes over a store in the old layout: each configuration linked to
    /// its new name, then the new history written, which completes the
    /// move; the old files go after. Interrupted, it starts again.
    ///
    /// A crash in the old rotation left holes (N missing while N+1 is
    /// there); the configurations still run newest to oldest and close up.
    /// A crash after the new rollback 0 was written, before the history
    /// was, left a configuration more than the history names: a commit that
    /// never completed, which goes. (Once fifty were kept that case cannot
    /// be told from a complete commit, and the newest history line names
    /// the configuration after it.)
    pub fn migrate(dir: &Path) -> io::Result<()> {
        let mut files: Vec<PathBuf> = (0..KEPT).map(|n| file(dir, n)).filter(|p| p.is_file()).collect();
        if files.is_empty() {
            return Ok(());
        }
        let text = read_if_there(&dir.join(HISTORY))?.unwrap_or_default();
        let mut records: Vec<CommitRecord> = text.lines().filter_map(parse_record).collect();
        files.drain(..files.len().saturating_sub(records.len()));
        records.truncate(files.len());
        let count = files.len() as u64;
        let mut entries = Vec::new();
        for (n, (file, record)) in files.iter().zip(records).enumerate() {
            let sequence = count - n as u64;
            let target = checkpoint(dir, sequence);
            match std::fs::hard_link(file, &target) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    std::fs::remove_file(&target)?;
                    std::fs::hard_link(file, &target)?;
                }
                linked => linked?,
            }
            entries.push(Entry { sequence, record });
        }
        std::fs::File::open(dir)?.sync_all()?;
        let store = Store { dir: dir.to_owned(), entries };
        store.write_history(&store.entries)
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
            version: Some(Version { term: 2, sequence: n as u64 }),
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    fn rollbacks(store: &Store) -> Vec<String> {
        (0..KEPT).map_while(|n| store.rollback(n).unwrap()).collect()
    }

    #[test]
    fn a_confirmed_commit_is_pending_until_confirmed_or_followed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let confirmed = CommitRecord { confirmed: Some(5), pending: true, ..record(100) };
        store.commit("a\n", confirmed.clone()).unwrap();
        assert_eq!(store.history()[0].deadline(), Some(400));
        store.confirm().unwrap();
        assert_eq!(
            Store::open(dir.path()).unwrap().history()[0],
            CommitRecord { pending: false, ..confirmed.clone() }
        );
        store.commit("b\n", confirmed).unwrap();
        store.commit("c\n", record(200)).unwrap();
        assert!(Store::open(dir.path()).unwrap().history().iter().all(|r| r.deadline().is_none()));
    }

    #[test]
    fn a_scheduled_commit_outlives_reopening_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.scheduled().unwrap(), None);
        let scheduled = Scheduled {
            at: 1_796_000_000,
            user: "lab".into(),
            client: "cli".into(),
            comment: "at\tnight\n".into(),
        };
        store.save_scheduled(Some(&scheduled)).unwrap();
        assert_eq!(Store::open(dir.path()).unwrap().scheduled().unwrap(), Some(scheduled));
        store.save_scheduled(None).unwrap();
        assert_eq!(Store::open(dir.path()).unwrap().scheduled().unwrap(), None);
    }

    #[test]
    fn the_rescue_configuration_outlives_commits_and_reopening_until_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.rescue().unwrap(), None);
        store.save_rescue(Some("rescue\n")).unwrap();
        for n in 0..=KEPT as i64 {
            store.commit("c\n", record(n)).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.rescue().unwrap().as_deref(), Some("rescue\n"));
        let rescue = std::fs::metadata(dir.path().join("config").join(RESCUE)).unwrap();
        assert_eq!(rescue.permissions().mode() & 0o777, 0o600);
        store.save_rescue(None).unwrap();
        store.save_rescue(None).unwrap();
        assert_eq!(Store::open(dir.path()).unwrap().rescue().unwrap(), None);
    }

    #[test]
    fn commits_rotate_and_only_fifty_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.rollback(0).unwrap(), None);
        for n in 0..55 {
            store.commit(&format!("config {n}\n"), record(n)).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.rollback(0).unwrap().as_deref(), Some("config 54\n"));
        assert_eq!(store.rollback(1).unwrap().as_deref(), Some("config 53\n"));
        assert_eq!(store.rollback(49).unwrap().as_deref(), Some("config 5\n"));
        assert_eq!(store.rollback(50).unwrap(), None);
        let history = store.history();
        assert_eq!(history.len(), 50);
        assert_eq!(history[0], record(54));
        assert_eq!(names(store.dir()).len(), 51, "fifty configurations and the history");
    }

    /// What a crash at each step of a commit leaves, as the store finds it
    /// when next opened.
    #[test]
    fn a_commit_cut_short_at_any_step_is_wholly_there_or_wholly_absent() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for n in 1..=50 {
            store.commit(&format!("config {n}\n"), record(n)).unwrap();
        }
        let before = (store.history(), rollbacks(&store), names(store.dir()));
        let config = store.dir().to_owned();

        // Cut short writing the configuration, and after it but before the history.
        std::mem::forget({
            let mut half = AtomicFile::create(&checkpoint(&config, 51)).unwrap();
            half.write_all(b"config 5").unwrap();
            half
        });
        std::fs::write(checkpoint(&config, 52), "config 51\n").unwrap();
        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!((reopened.history(), rollbacks(&reopened), names(&config)), before);

        // Cut short after the history, before the configuration it pushed out went.
        let mut store = reopened;
        store.commit("config 51\n", record(51)).unwrap();
        std::fs::write(checkpoint(&config, 1), "config 1\n").unwrap();
        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(reopened.history()[0], record(51));
        assert_eq!(reopened.rollback(49).unwrap().as_deref(), Some("config 2\n"));
        assert!(!checkpoint(&config, 1).exists());
        assert_eq!(names(&config).len(), 51);
    }

    #[test]
    fn a_commit_whose_configuration_is_gone_leaves_no_hole() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for n in 1..=5 {
            store.commit(&format!("config {n}\n"), record(n)).unwrap();
        }
        std::fs::remove_file(checkpoint(store.dir(), 3)).unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(rollbacks(&store), ["config 5\n", "config 4\n", "config 2\n", "config 1\n"]);
        let times: Vec<i64> = store.history().iter().map(|r| r.time).collect();
        assert_eq!(times, [5, 4, 2, 1]);
        assert_eq!(Store::open(dir.path()).unwrap().history().len(), 4, "the repair is written");
    }

    fn old_layout(dir: &Path, files: &[(usize, &str)], history: &[i64]) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let config = dir.join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (n, text) in files {
            let name = if *n == 0 { "juniper.conf".to_owned() } else { format!("juniper.conf.{n}") };
            std::fs::write(config.join(name), text).unwrap();
        }
        let lines: String = history.iter().map(|t| format!("{t}\tlab\tcli\t\t\tchange {t}\n")).collect();
        std::fs::write(config.join("commits"), lines).unwrap();
        config
    }

    #[test]
    fn a_store_in_the_old_layout_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let config = old_layout(dir.path(), &[(0, "c\n"), (1, "b\n"), (2, "a\n")], &[3, 2, 1]);
        // Left by a take-over cut short.
        std::fs::write(config.join("commit.1"), "junk").unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(rollbacks(&store), ["c\n", "b\n", "a\n"]);
        assert_eq!(
            store.history()[0],
            CommitRecord { comment: "change 3".into(), version: None, ..record(3) }
        );
        assert_eq!(names(&config), ["commit.1", "commit.2", "commit.3", "history"]);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&config), 0o700);
        assert!(names(&config).iter().all(|name| mode(&config.join(name)) == 0o600));
        store.commit("d\n", record(4)).unwrap();
        assert_eq!(rollbacks(&Store::open(dir.path()).unwrap()), ["d\n", "c\n", "b\n", "a\n"]);
    }

    #[test]
    fn an_old_store_a_crash_left_mid_rotation_is_taken_over_without_holes() {
        // Rollback 2 was renamed to 3 and 3 to 4 when the crash came.
        let dir = tempfile::tempdir().unwrap();
        old_layout(dir.path(), &[(0, "d\n"), (1, "c\n"), (3, "b\n"), (4, "a\n")], &[4, 3, 2, 1]);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(rollbacks(&store), ["d\n", "c\n", "b\n", "a\n"]);
        assert_eq!(store.history().iter().map(|r| r.time).collect::<Vec<_>>(), [4, 3, 2, 1]);

        // The new rollback 0 was written, the history was not.
        let dir = tempfile::tempdir().unwrap();
        old_layout(dir.path(), &[(0, "e\n"), (1, "d\n"), (2, "c\n"), (3, "b\n"), (5, "a\n")], &[4, 3, 2, 1]);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(rollbacks(&store), ["d\n", "c\n", "b\n", "a\n"]);
        assert_eq!(store.history()[0].time, 4);
    }

    /// A crash before the history names a commit leaves the version
    /// with the configuration it versions: neither moved on.
    #[test]
    fn the_version_is_the_committed_configurations_even_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version(), Version::default());
        store.commit("a\n", record(1)).unwrap();
        std::fs::write(checkpoint(store.dir(), 2), "b\n").unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            (store.rollback(0).unwrap().as_deref(), store.version()),
            (Some("a\n"), record(1).version.unwrap())
        );
    }

    #[test]
    fn a_store_whose_version_was_kept_apart_reads_it_until_the_next_commit() {
        let dir = tempfile::tempdir().unwrap();
        let config = old_layout(dir.path(), &[(0, "a\n")], &[1]);
        std::fs::write(config.join(OLD_VERSION), "4 7\n").unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version(), Version { term: 4, sequence: 7 });
        store.commit("b\n", record(8)).unwrap();
        assert_eq!(Store::open(dir.path()).unwrap().version(), Version { term: 2, sequence: 8 });
        assert!(!config.join(OLD_VERSION).exists());
    }

    #[test]
    fn the_shared_candidate_is_kept_until_it_holds_no_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.candidate().unwrap(), None);
        store.save_candidate(Some("x\n")).unwrap();
        assert_eq!(Store::open(dir.path()).unwrap().candidate().unwrap().as_deref(), Some("x\n"));
        store.save_candidate(None).unwrap();
        store.save_candidate(None).unwrap();
        assert_eq!(store.candidate().unwrap(), None);
    }
}
