//! The configuration store of one Routing Engine: the configurations
//! committed (rollback 0 is the one in effect, 1..49 the ones before it),
//! their history, and the shared candidate between commits.
//!
//! A commit appends one record to the journal: who, when, why, the version,
//! and the change, both ways (from the configuration before to the one
//! after, and back), and returns once the record is on disk. The whole
//! configuration is written only at a checkpoint, `commit.SEQUENCE` (its
//! text as `show configuration` prints it), when the journal since the last
//! one has grown to a share of the configuration: then the journal is
//! written again with only what the kept rollbacks need, and the records
//! of any commits made while the checkpoint was written. Opening reads the
//! newest checkpoint the journal knows and replays the records after it;
//! a record cut short (a crash while it was written, so never acknowledged)
//! is dropped. Rollback N is the committed configuration with the last N
//! changes undone: each change held in memory while small, a larger one
//! read back from its record. The shared candidate, while it holds
//! changes, is kept as the change from the configuration committed when it
//! was saved: its size, not the configuration's. Everything is readable by
//! its owner only.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use prost::Message;

use super::delta::{Delta, chain, content_hash, diff, tree_hash, write_delimited};
use super::load::parse_text;
use super::print::write_text_to;
use super::schema::Schema;
use super::tree::Node;
use super::version::Version;
use crate::durable::{AtomicFile, CrashPoint, crash_point, is_temporary, write_atomically};
use crate::proto::{ConfigDelta, JournalRecord, SavedCandidate};

/// Configurations kept: rollback 0 (the committed one) through 49.
pub const KEPT: usize = 50;

/// The file each commit is appended to; everything else is replaced by rename.
pub const JOURNAL: &str = "journal";
/// The history of the layout before the journal (see `previous`).
const HISTORY: &str = "history";
const CANDIDATE: &str = "candidate.change";
/// The shared candidate as earlier layouts kept it: its whole text.
const CANDIDATE_TEXT: &str = "candidate";
/// The configuration `rollback rescue` loads, kept apart from the rollbacks.
const RESCUE: &str = "rescue";
const CHECKPOINT: &str = "commit.";
/// A `commit at` waiting for its time.
const SCHEDULED: &str = "scheduled";
/// Where the version was kept, apart from the history, before it was in it.
const OLD_VERSION: &str = "version";
/// A record's frame: its length and the first 8 bytes of its SHA-256.
const FRAME: usize = 12;
/// A checkpoint is written once the journal since the last one holds this
/// share of what the checkpoint writes: the configuration, and the kept
/// records written again (so 49 small changes cost far less than one
/// configuration more, and large ones do not each write all the large
/// ones kept again); or this many commits, which an opening replays.
const CHECKPOINT_SHARE: usize = 4;
const CHECKPOINT_COMMITS: usize = 2 * KEPT;

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

/// A commit kept: the change that undoes it, and the hash of the
/// configuration it made.
#[derive(Debug, Clone)]
struct Entry {
    sequence: u64,
    record: CommitRecord,
    hash: u64,
    /// The change that undoes it, held while small; a larger one (a load
    /// that changed much) is read from its record when a rollback needs it.
    inverse: Option<Delta>,
    /// Where its record begins in the journal.
    at: u64,
}

/// The largest change that undoes a commit held in memory, encoded: fifty
/// at most cost a few megabytes, where a load that changes a fifth of a
/// million lines encodes to some 10 MB and is held at eight times that.
const HELD_INVERSE_BYTES: usize = 64 << 10;

pub struct Store {
    dir: PathBuf,
    schema: Arc<Schema>,
    /// Newest first.
    entries: Vec<Entry>,
    /// Rollback 0; `None` before the first commit.
    committed: Option<Node>,
    /// The newest checkpoint's sequence and size.
    checkpoint: Option<(u64, usize)>,
    /// The journal's size, and how much of it came since the checkpoint,
    /// in bytes and in commits.
    journal_bytes: u64,
    since_checkpoint: usize,
    commits_since: usize,
    /// A record is written and waits to be published or withdrawn.
    written: bool,
}

/// A commit's record on disk whose configuration is not yet the one
/// committed (see [`Store::write`]).
#[must_use = "a written record is published or withdrawn"]
pub struct Written {
    entry: Entry,
    tree: Node,
    size: usize,
}

impl Store {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the store in `state_dir`, taking over one in a layout before
    /// this one, and repairs what a crash left.
    pub fn open(state_dir: &Path, schema: Arc<Schema>) -> io::Result<Store> {
        let dir = state_dir.join("config");
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        if !dir.join(JOURNAL).exists() {
            if !dir.join(HISTORY).exists() {
                old_layout::migrate(&dir)?;
            }
            previous::migrate(&dir, &schema)?;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(dir.join(JOURNAL))?.read_to_end(&mut bytes)?;
        let (records, whole) = read_records(&bytes);
        if whole < bytes.len() {
            // Cut short by a crash, so never acknowledged: dropped, as a
            // temporary file is.
            let file = std::fs::OpenOptions::new().write(true).open(dir.join(JOURNAL))?;
            file.set_len(whole as u64)?;
            file.sync_all()?;
        }
        let mut store = Store {
            dir,
            schema,
            entries: Vec::new(),
            committed: None,
            checkpoint: None,
            journal_bytes: whole as u64,
            since_checkpoint: 0,
            commits_since: 0,
            written: false,
        };
        store.replay(records)?;
        store.remove_unnamed()?;
        Ok(store)
    }

    /// The newest checkpoint a commit record names, and the records after
    /// it applied to it.
    fn replay(&mut self, records: Vec<(JournalRecord, usize)>) -> io::Result<()> {
        let commits: HashSet<u64> =
            records.iter().filter(|(r, _)| !r.confirm).map(|(r, _)| r.sequence).collect();
        let mut checkpoints: Vec<u64> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok()?.file_name().to_str()?.strip_prefix(CHECKPOINT)?.parse().ok())
            .filter(|sequence| commits.contains(sequence))
            .collect();
        checkpoints.sort_unstable();
        if let Some(&sequence) = checkpoints.last() {
            let text = std::fs::read_to_string(self.checkpoint_path(sequence))?;
            self.committed = Some(parse_text(&self.schema, &text).0);
            self.checkpoint = Some((sequence, text.len()));
        }
        let base = self.checkpoint.map_or(0, |(sequence, _)| sequence);
        let empty = Node::default();
        let mut at = 0;
        for (record, size) in records {
            at += size as u64;
            if record.confirm {
                self.entries.iter_mut().for_each(|e| e.record.pending = false);
                continue;
            }
            if record.sequence > base {
                let forward = record.forward.as_ref().map(Delta::from_wire).unwrap_or_default();
                // Before the first checkpoint, the first record holds the whole.
                match forward.apply(self.committed.as_ref().unwrap_or(&empty)) {
                    Ok(tree) => self.committed = Some(tree),
                    Err(_) => {
                        eprintln!(
                            "{}: commit {} does not follow from the one before; it and any after are left out",
                            self.dir.display(),
                            record.sequence
                        );
                        break;
                    }
                }
                self.since_checkpoint += size;
                self.commits_since += 1;
            }
            self.entries.insert(0, entry(&record, at - size as u64));
        }
        self.entries.truncate(KEPT);
        Ok(())
    }

    /// Removes checkpoints but the newest, and what a crash or a layout
    /// before this one left; makes what stays private.
    fn remove_unnamed(&self) -> io::Result<()> {
        let current = self.checkpoint.map(|(sequence, _)| sequence);
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let unnamed = match name.strip_prefix(CHECKPOINT).map(str::parse::<u64>) {
                Some(Ok(sequence)) => Some(sequence) != current,
                _ => name == HISTORY || old_layout::is_old(&name) || is_temporary(&name),
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

    fn checkpoint_path(&self, sequence: u64) -> PathBuf {
        checkpoint(&self.dir, sequence)
    }

    /// The committed configuration (rollback 0), if one was ever committed.
    pub fn committed(&self) -> Option<&Node> {
        self.committed.as_ref()
    }

    /// Rollback `n`, if there is one: the committed configuration with the
    /// last `n` commits undone.
    pub fn rollback(&self, n: usize) -> io::Result<Option<Node>> {
        let Some(committed) = &self.committed else { return Ok(None) };
        if n >= self.entries.len() {
            return Ok(None);
        }
        let mut tree = committed.clone();
        for entry in &self.entries[..n] {
            let inverse = match &entry.inverse {
                Some(held) => Cow::Borrowed(held),
                None => Cow::Owned(self.inverse_read(entry.at)?),
            };
            tree = inverse.apply(&tree).map_err(invalid)?;
        }
        Ok(Some(tree))
    }

    /// The change that undoes the commit whose record is `at` in the journal.
    fn inverse_read(&self, at: u64) -> io::Result<Delta> {
        let payload = self.record_read(at)?;
        let wire = match field(&payload, INVERSE)? {
            Some(field) => ConfigDelta::decode(&payload[field.value]).map_err(invalid)?,
            None => ConfigDelta::default(),
        };
        Ok(Delta::from_wire(&wire))
    }

    /// `record` framed with the change that undoes it as the record `at`
    /// in the journal has it encoded, copied, not read.
    fn framed_again(&self, record: &JournalRecord, at: u64) -> io::Result<Vec<u8>> {
        let payload = self.record_read(at)?;
        let mut bytes = vec![0; FRAME];
        record.encode_raw(&mut bytes);
        if let Some(field) = field(&payload, INVERSE)? {
            bytes.extend_from_slice(&payload[field.whole]);
        }
        Ok(seal(bytes))
    }

    /// The record `at` in the journal, checked, without its frame.
    fn record_read(&self, at: u64) -> io::Result<Vec<u8>> {
        let file = std::fs::File::open(self.dir.join(JOURNAL))?;
        let mut bytes = vec![0; FRAME];
        file.read_exact_at(&mut bytes, at)?;
        let length = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        if at + (FRAME + length) as u64 > file.metadata()?.len() {
            return Err(invalid(format!("the journal's record at {at} runs past it")));
        }
        bytes.resize(FRAME + length, 0);
        file.read_exact_at(&mut bytes[FRAME..], at + FRAME as u64)?;
        match framed(&bytes) {
            Some(payload) => Ok(payload.to_vec()),
            None => Err(invalid(format!("the journal's record at {at} does not read"))),
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

    /// Names the committed configuration: the same on both REs when one
    /// can be sent to the other as a change.
    pub fn hash(&self) -> u64 {
        self.entries.first().map_or(0, |e| e.hash)
    }

    /// Which rollback is the configuration committed as `version` with
    /// `hash`, if the journal still reaches back to it: the other RE's,
    /// when it is one this RE had, from which the commits since can be sent
    /// as one change.
    pub fn rollback_named(&self, version: Version, hash: u64) -> Option<usize> {
        self.entries.iter().position(|e| e.hash == hash && e.record.version.unwrap_or_default() == version)
    }

    /// The commits kept, newest first.
    pub fn history(&self) -> Vec<CommitRecord> {
        self.entries.iter().map(|e| e.record.clone()).collect()
    }

    /// Confirms a pending `commit confirmed`: it will not be rolled back.
    pub fn confirm(&mut self) -> io::Result<()> {
        if self.entries.iter().any(|e| e.record.pending) {
            let record = JournalRecord { confirm: true, ..JournalRecord::default() };
            self.append(&frame(&record, &Delta::default()), |_| Ok(0))?;
            self.entries.iter_mut().for_each(|e| e.record.pending = false);
        }
        Ok(())
    }

    /// The size of rollback 0 on disk: its last checkpoint's.
    pub fn committed_bytes(&self) -> usize {
        self.checkpoint.map_or(0, |(_, size)| size)
    }

    /// Makes `tree` rollback 0: the older ones move up one and the 50th goes.
    /// A new commit confirms any earlier one. `hash` names the result when
    /// the other RE committed it first. Returns once the record is on disk;
    /// until then, nothing has changed. Returns the size of the record: what
    /// the change came to.
    pub fn commit(&mut self, tree: &Node, record: CommitRecord, hash: Option<u64>) -> io::Result<usize> {
        let written = self.write(tree, record, hash)?;
        Ok(self.publish(written))
    }

    /// The first half of [`Store::commit`]: the record on disk, and nothing
    /// else changed, so that the other RE can write its own meanwhile. It
    /// is [`Store::publish`]ed once the other RE has committed, or
    /// [`Store::withdraw`]n when it has not; nothing else is written between.
    pub fn write(&mut self, tree: &Node, record: CommitRecord, hash: Option<u64>) -> io::Result<Written> {
        if self.written {
            return Err(io::Error::other("a commit's record waits to be published or withdrawn"));
        }
        let sequence = self.entries.first().map_or(1, |e| e.sequence + 1);
        let empty = Node::default();
        let (forward, inverse) = diff(self.committed.as_ref().unwrap_or(&empty), tree);
        // The change is encoded once, into the record itself, and named
        // from there: at a large load it is the largest thing in memory.
        let mut bytes = vec![0; FRAME];
        let forward_at = put_delta(&mut bytes, FORWARD, &forward);
        let hash = hash.unwrap_or_else(|| match &self.committed {
            None => tree_hash(&self.schema, tree),
            Some(_) => chain(self.hash(), &bytes[forward_at]),
        });
        drop(forward);
        let inverse_at = put_delta(&mut bytes, INVERSE, &inverse);
        let inverse = (inverse_at.len() <= HELD_INVERSE_BYTES).then_some(inverse);
        journal_record(sequence, &record, hash).encode_raw(&mut bytes);
        let bytes = seal(bytes);
        self.append(&bytes, |file| {
            // Cut short here, a crash leaves a record the next opening drops.
            let (half, most) = (bytes.len() / 2, bytes.len() - 1);
            file.write_all(&bytes[..half])?;
            crash_point(CrashPoint::Checkpoint);
            file.write_all(&bytes[half..most])?;
            crash_point(CrashPoint::History);
            Ok(most)
        })?;
        self.written = true;
        let entry = Entry { sequence, record, hash, inverse, at: self.journal_bytes - bytes.len() as u64 };
        Ok(Written { entry, tree: tree.clone(), size: bytes.len() })
    }

    /// Makes the configuration of a record [`Store::write`] wrote rollback 0.
    /// Returns the size of the record.
    pub fn publish(&mut self, written: Written) -> usize {
        let Written { entry, tree, size } = written;
        crash_point(CrashPoint::Pruning);
        self.written = false;
        self.since_checkpoint += size;
        self.commits_since += 1;
        self.entries.iter_mut().for_each(|e| e.record.pending = false);
        self.entries.insert(0, entry);
        self.entries.truncate(KEPT);
        self.committed = Some(tree);
        if self.entries[0].record.version.is_some() {
            // Read no more: the record has the version now.
            let _ = std::fs::remove_file(self.dir.join(OLD_VERSION));
        }
        size
    }

    /// Takes back the record [`Store::write`] wrote, the last in the
    /// journal: the store is as before it. Should that fail, the record
    /// stays on disk and is published: a commit made, though not here
    /// reported, is better than a journal that disagrees with memory.
    pub fn withdraw(&mut self, written: Written) -> io::Result<()> {
        let before = self.journal_bytes - written.size as u64;
        let cut = std::fs::OpenOptions::new()
            .write(true)
            .open(self.dir.join(JOURNAL))
            .and_then(|file| file.set_len(before).and_then(|()| file.sync_data()));
        if let Err(e) = cut {
            self.publish(written);
            return Err(e);
        }
        self.written = false;
        self.journal_bytes = before;
        Ok(())
    }

    /// Whether the journal since the last checkpoint has grown enough for
    /// the next one.
    fn checkpoint_due(&self) -> bool {
        let size = self.checkpoint.map_or(0, |(_, size)| size);
        let kept = (self.journal_bytes as usize).saturating_sub(self.since_checkpoint);
        self.checkpoint.is_none()
            || self.since_checkpoint * CHECKPOINT_SHARE > size + kept
            || self.commits_since > CHECKPOINT_COMMITS
    }

    /// The checkpoint the journal has grown enough for, if it has (after a
    /// commit, or a restart that replayed as much): written by
    /// [`DueCheckpoint::write`] off the path of commits, then put in place
    /// by [`Store::put_checkpoint`]. A commit is durable without one.
    pub fn due_checkpoint(&self) -> Option<DueCheckpoint> {
        let (Some(tree), Some(newest)) = (&self.committed, self.entries.first()) else { return None };
        (self.checkpoint_due() && !self.written).then(|| DueCheckpoint {
            sequence: newest.sequence,
            tree: tree.clone(),
            path: self.checkpoint_path(newest.sequence),
            schema: self.schema.clone(),
        })
    }

    /// Appends `bytes` to the journal and syncs it; `injected` writes a
    /// part first (returning how much) where a test may crash the process.
    /// A failed append leaves the journal as it was.
    fn append(
        &mut self,
        bytes: &[u8],
        injected: impl FnOnce(&mut std::fs::File) -> io::Result<usize>,
    ) -> io::Result<()> {
        let path = self.dir.join(JOURNAL);
        let mut file = std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(&path)?;
        let written = match crate::durable::crash_injected() {
            true => injected(&mut file),
            false => Ok(0),
        };
        let written = written.and_then(|from| file.write_all(&bytes[from..])).and_then(|()| file.sync_data());
        if let Err(e) = written {
            let _ = file.set_len(self.journal_bytes);
            return Err(e);
        }
        self.journal_bytes += bytes.len() as u64;
        Ok(())
    }

    /// Writes the committed configuration whole, then the journal again
    /// with only what the kept rollbacks need, then removes the checkpoint
    /// before. A crash between leaves the old journal, which names the new
    /// checkpoint too. A checkpoint that commits overtook while it was
    /// written is put in place all the same, the records of those commits
    /// (their changes forward) kept as they are after it: under commits in
    /// a row, each faster than a checkpoint, the journal would otherwise
    /// only grow.
    pub fn put_checkpoint(&mut self, written: WrittenCheckpoint) -> io::Result<()> {
        let WrittenCheckpoint { sequence, size, file } = written;
        // The journal written again would leave out a record waiting to be
        // published; a checkpoint of a configuration no longer kept names
        // nothing the journal has.
        let Some(newer) = self.entries.iter().position(|e| e.sequence == sequence) else { return Ok(()) };
        if self.written {
            return Ok(());
        }
        let path = self.dir.join(JOURNAL);
        // Everything from the oldest record after the checkpoint's on.
        let after = self.entries[..newer].last().map_or(self.journal_bytes, |e| e.at);
        file.commit()?;
        // Written as it is made: the records of large changes add up.
        let mut journal = AtomicFile::create(&path)?;
        let mut bytes = 0;
        let mut at = Vec::with_capacity(self.entries.len());
        for e in self.entries[newer..].iter().rev() {
            at.push(bytes);
            let record = journal_record(e.sequence, &e.record, e.hash);
            let framed = match &e.inverse {
                Some(inverse) => frame(&record, inverse),
                None => self.framed_again(&record, e.at)?,
            };
            journal.write_all(&framed)?;
            bytes += framed.len() as u64;
        }
        // Mostly none: the checkpoint is of the newest configuration.
        let kept = match self.journal_bytes - after {
            0 => 0,
            tail => {
                let mut old = std::fs::File::open(&path)?;
                std::io::Seek::seek(&mut old, io::SeekFrom::Start(after))?;
                io::copy(&mut old.take(tail), &mut journal)?
            }
        };
        journal.commit()?;
        for (e, at) in self.entries[newer..].iter_mut().rev().zip(at) {
            e.at = at;
        }
        for e in &mut self.entries[..newer] {
            e.at = e.at - after + bytes;
        }
        let before = self.checkpoint.replace((sequence, size));
        self.journal_bytes = bytes + kept;
        self.since_checkpoint = kept as usize;
        // The commits that overtook it.
        self.commits_since = newer;
        if let Some((old, _)) = before.filter(|(old, _)| *old != sequence) {
            // One left behind goes when the store is next opened.
            let _ = std::fs::remove_file(self.checkpoint_path(old));
        }
        Ok(())
    }

    /// The shared candidate as last saved, if it held changes: its change
    /// applied to the configuration it was made from, the committed one or
    /// one kept before it. One that no longer reads is left out, and said
    /// so.
    pub fn candidate(&self) -> io::Result<Option<Node>> {
        let left_out = |why: &str| {
            eprintln!("{}: the saved candidate configuration is left out: {why}", self.dir.display());
            Ok(None)
        };
        let Some(bytes) = read_bytes_if_there(&self.candidate_path())? else {
            let Some(text) = read_if_there(&self.dir.join(CANDIDATE_TEXT))? else { return Ok(None) };
            let (tree, errors) = parse_text(&self.schema, &text);
            for e in errors {
                eprintln!(
                    "{}: saved candidate, line {}: {} (left out)",
                    self.dir.display(),
                    e.line,
                    e.message
                );
            }
            return Ok(Some(tree));
        };
        let Ok(saved) = SavedCandidate::decode(bytes.as_slice()) else { return left_out("unreadable") };
        let base = saved.base.map(Version::from).unwrap_or_default();
        let from = match (base, saved.base_hash) == (self.version(), self.hash()) {
            true => Some(0),
            false => self.rollback_named(base, saved.base_hash),
        };
        let Some(tree) = from.map(|n| self.rollback(n)).transpose()?.flatten() else {
            return left_out(&format!("the configuration it changes ({base}) is no longer kept"));
        };
        match Delta::from_wire(&saved.change.unwrap_or_default()).apply(&tree) {
            Ok(candidate) => Ok(Some(candidate)),
            Err(e) => left_out(&e.to_string()),
        }
    }

    /// Where the shared candidate is kept; [`write_candidate`] writes it
    /// beside.
    pub fn candidate_path(&self) -> PathBuf {
        self.dir.join(CANDIDATE)
    }

    /// Puts the shared candidate written in its place, or forgets the one
    /// kept when it holds no changes (`None`); one kept as earlier layouts
    /// kept it goes either way.
    pub fn save_candidate(&self, written: Option<CandidateFile>) -> io::Result<()> {
        match written {
            Some(CandidateFile(file)) => file.commit()?,
            None => write_or_remove(&self.candidate_path(), None)?,
        }
        write_or_remove(&self.dir.join(CANDIDATE_TEXT), None)
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

fn journal_record(sequence: u64, r: &CommitRecord, hash: u64) -> JournalRecord {
    JournalRecord {
        sequence,
        time: r.time,
        user: r.user.clone(),
        client: r.client.clone(),
        comment: r.comment.clone(),
        confirmed_minutes: r.confirmed,
        pending: r.pending,
        version: r.version.map(Into::into),
        hash,
        ..JournalRecord::default()
    }
}

fn entry(r: &JournalRecord, at: u64) -> Entry {
    Entry {
        at,
        sequence: r.sequence,
        record: CommitRecord {
            time: r.time,
            user: r.user.clone(),
            client: r.client.clone(),
            comment: r.comment.clone(),
            confirmed: r.confirmed_minutes,
            pending: r.pending,
            version: r.version.map(Version::from),
        },
        hash: r.hash,
        inverse: match &r.inverse {
            Some(inverse) if inverse.encoded_len() > HELD_INVERSE_BYTES => None,
            inverse => Some(inverse.as_ref().map(Delta::from_wire).unwrap_or_default()),
        },
    }
}

/// A record as the journal holds it: length, checksum, the record, its
/// `inverse` delta (field 11) encoded in place after the other fields.
fn frame(record: &JournalRecord, inverse: &Delta) -> Vec<u8> {
    let mut bytes = vec![0; FRAME];
    record.encode_raw(&mut bytes);
    put_delta(&mut bytes, INVERSE, inverse);
    seal(bytes)
}

/// `JournalRecord`'s fields that hold its changes.
const FORWARD: u32 = 10;
const INVERSE: u32 = 11;

/// Where a field of a record is: all of it, and its value.
struct Field {
    whole: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// Field `tag`, length-delimited, of the record `payload`, found by
/// stepping over the fields before it, none of them read.
fn field(payload: &[u8], tag: u32) -> io::Result<Option<Field>> {
    use prost::encoding::{WireType, decode_key, decode_varint};
    let mut rest = payload;
    while !rest.is_empty() {
        let start = payload.len() - rest.len();
        let (found, wire) = decode_key(&mut rest).map_err(invalid)?;
        let length = match wire {
            WireType::Varint => {
                decode_varint(&mut rest).map_err(invalid)?;
                0
            }
            WireType::SixtyFourBit => 8,
            WireType::ThirtyTwoBit => 4,
            WireType::LengthDelimited => decode_varint(&mut rest).map_err(invalid)? as usize,
            WireType::StartGroup | WireType::EndGroup => return Err(invalid("a group in a journal record")),
        };
        let value = payload.len() - rest.len();
        let end = value.checked_add(length).filter(|&end| end <= payload.len());
        let end = end.ok_or_else(|| invalid("a journal record's field runs past it"))?;
        if found == tag && wire == WireType::LengthDelimited {
            return Ok(Some(Field { whole: start..end, value: value..end }));
        }
        rest = &payload[end..];
    }
    Ok(None)
}

fn invalid(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// `delta` as field `tag` of the record being written into `bytes`
/// (`JournalRecord`'s `forward`, 10, or `inverse`, 11), unless it changes
/// nothing; returns where its encoding is (empty: nowhere). A field may
/// come anywhere in a message, so the largest part is written where it
/// stays, not copied into a message first.
fn put_delta(bytes: &mut Vec<u8>, tag: u32, delta: &Delta) -> std::ops::Range<usize> {
    if delta.is_empty() {
        return bytes.len()..bytes.len();
    }
    write_delimited(bytes, tag, |out| delta.encode_into(out))
}

/// Fills in the length and checksum in front of the record in `bytes`.
fn seal(mut bytes: Vec<u8>) -> Vec<u8> {
    let payload = &bytes[FRAME..];
    let head = [(payload.len() as u32).to_le_bytes().as_slice(), &checksum(payload).to_le_bytes()].concat();
    bytes[..FRAME].copy_from_slice(&head);
    bytes
}

fn checksum(payload: &[u8]) -> u64 {
    chain(0, payload)
}

/// The whole records at the start of `bytes`, each with its size on disk,
/// and where they end: after them is a record cut short, or nothing.
fn read_records(bytes: &[u8]) -> (Vec<(JournalRecord, usize)>, usize) {
    let mut records = Vec::new();
    let mut at = 0;
    while let Some(payload) = framed(&bytes[at..]) {
        let Ok(record) = JournalRecord::decode(payload) else { break };
        records.push((record, FRAME + payload.len()));
        at += FRAME + payload.len();
    }
    (records, at)
}

/// The record framed at the start of `bytes`, if it is whole and its
/// checksum agrees.
fn framed(bytes: &[u8]) -> Option<&[u8]> {
    let head = bytes.get(..FRAME)?;
    let length = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let mut sum = [0; 8];
    sum.copy_from_slice(&head[4..]);
    let payload = bytes.get(FRAME..FRAME.checked_add(length)?)?;
    (checksum(payload) == u64::from_le_bytes(sum)).then_some(payload)
}

/// A checkpoint to write: the configuration committed as `sequence`.
pub struct DueCheckpoint {
    sequence: u64,
    tree: Node,
    path: PathBuf,
    schema: Arc<Schema>,
}

/// A checkpoint's text, written and synced beside its place but not in it yet.
pub struct WrittenCheckpoint {
    sequence: u64,
    size: usize,
    file: AtomicFile,
}

impl DueCheckpoint {
    /// The costly part of a checkpoint: printed straight into its file and
    /// synced, needing neither the store nor the text in memory.
    pub fn write(self) -> io::Result<WrittenCheckpoint> {
        let mut file = AtomicFile::create(&self.path)?;
        let size = write_text_to(&self.schema, &self.tree, &mut file)?;
        file.sync()?;
        Ok(WrittenCheckpoint { sequence: self.sequence, size, file })
    }
}

/// The shared candidate, written and synced beside its place but not in it
/// yet.
pub struct CandidateFile(AtomicFile);

/// Writes the shared candidate, `change` from the configuration committed
/// as `base` with `base_hash`, to be kept at `path` ([`Store::candidate_path`]):
/// the costly part of saving it, done without the database's lock.
pub fn write_candidate(
    path: &Path,
    base: Version,
    base_hash: u64,
    change: &Delta,
) -> io::Result<CandidateFile> {
    let saved = SavedCandidate { base: Some(base.into()), base_hash, change: Some(change.to_wire()) };
    let mut file = AtomicFile::create(path)?;
    file.write_all(&saved.encode_to_vec())?;
    file.sync()?;
    Ok(CandidateFile(file))
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

fn read_bytes_if_there(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn read_if_there(path: &Path) -> io::Result<Option<String>> {
    let text = read_bytes_if_there(path)?.map(String::from_utf8).transpose();
    text.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
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
            entries.push((sequence, record));
        }
        std::fs::File::open(dir)?.sync_all()?;
        previous::write_history(dir, &entries)
    }
}

/// The layout before the journal: each commit's configuration whole in
/// `commit.SEQUENCE`, and their records in `history`, newest first.
mod previous {
    use super::*;

    /// Takes over a store in this layout: the records and the changes
    /// between the configurations go into a journal, whose appearing
    /// completes the move; rollback 0's file is its checkpoint, and the
    /// other files go once the journal is opened. A commit the history
    /// names whose configuration is gone is left out.
    pub fn migrate(dir: &Path, schema: &Schema) -> io::Result<()> {
        let text = read_if_there(&dir.join(HISTORY))?.unwrap_or_default();
        let mut named = HashSet::new();
        let mut kept: Vec<(u64, CommitRecord)> = text
            .lines()
            .filter_map(|line| parse_line(line, dir))
            .filter(|(sequence, _)| {
                let there = checkpoint(dir, *sequence).is_file() && named.insert(*sequence);
                if !there {
                    eprintln!(
                        "{}: commit {sequence} has no configuration; left out of the history",
                        dir.display()
                    );
                }
                there
            })
            .collect();
        kept.truncate(KEPT);
        let mut journal = Vec::new();
        let mut before = Node::default();
        for (sequence, record) in kept.into_iter().rev() {
            let text = std::fs::read_to_string(checkpoint(dir, sequence))?;
            let tree = parse_text(schema, &text).0;
            let (_, inverse) = diff(&before, &tree);
            let wire = journal_record(sequence, &record, content_hash(&text));
            journal.extend(frame(&wire, &inverse));
            before = tree;
        }
        write_atomically(&dir.join(JOURNAL), &journal)
    }

    /// A history line: the sequence, then the record.
    fn parse_line(line: &str, dir: &Path) -> Option<(u64, CommitRecord)> {
        let entry = line
            .split_once('\t')
            .and_then(|(sequence, rest)| Some((sequence.parse().ok()?, parse_record(rest)?)));
        if entry.is_none() {
            eprintln!("{}: unreadable history line left out: {line:?}", dir.display());
        }
        entry
    }

    /// The history file, as the layout before the journal wrote it.
    pub fn write_history(dir: &Path, entries: &[(u64, CommitRecord)]) -> io::Result<()> {
        let lines: String = entries
            .iter()
            .map(|(sequence, r)| {
                let confirmed = r.confirmed.map(|m| m.to_string()).unwrap_or_default();
                let pending = if r.pending { "pending" } else { "" };
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
        write_atomically(&dir.join(HISTORY), lines.as_bytes())
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
    use crate::config::delta::tests::{identical, random_edit};
    use crate::config::print::to_text;
    use crate::config::random::{Rng, configuration};
    use crate::config::tree::tests::build;

    fn schema() -> Arc<Schema> {
        Schema::shipped().unwrap()
    }

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

    fn host(n: impl std::fmt::Display) -> Node {
        build(&Schema::shipped().unwrap(), &[&format!("system host-name h{n}")])
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    fn rollbacks(store: &Store) -> Vec<Node> {
        (0..KEPT).map_while(|n| store.rollback(n).unwrap()).collect()
    }

    fn texts(store: &Store) -> Vec<String> {
        rollbacks(store).iter().map(|t| to_text(&store.schema, None, t)).collect()
    }

    fn open(dir: &Path) -> Store {
        Store::open(dir, schema()).unwrap()
    }

    /// A commit as the agent makes it: the checkpoint it makes due written
    /// after it.
    fn commit(store: &mut Store, tree: &Node, record: CommitRecord) {
        store.commit(tree, record, None).unwrap();
        if let Some(due) = store.due_checkpoint() {
            store.put_checkpoint(due.write().unwrap()).unwrap();
        }
    }

    #[test]
    fn a_confirmed_commit_is_pending_until_confirmed_or_followed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let confirmed = CommitRecord { confirmed: Some(5), pending: true, ..record(100) };
        commit(&mut store, &host("a"), confirmed.clone());
        assert_eq!(store.history()[0].deadline(), Some(400));
        store.confirm().unwrap();
        assert_eq!(open(dir.path()).history()[0], CommitRecord { pending: false, ..confirmed.clone() });
        commit(&mut store, &host("b"), confirmed);
        commit(&mut store, &host("c"), record(200));
        assert!(open(dir.path()).history().iter().all(|r| r.deadline().is_none()));
    }

    #[test]
    fn a_scheduled_commit_outlives_reopening_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        assert_eq!(store.scheduled().unwrap(), None);
        let scheduled = Scheduled {
            at: 1_796_000_000,
            user: "lab".into(),
            client: "cli".into(),
            comment: "at\tnight\n".into(),
        };
        store.save_scheduled(Some(&scheduled)).unwrap();
        assert_eq!(open(dir.path()).scheduled().unwrap(), Some(scheduled));
        store.save_scheduled(None).unwrap();
        assert_eq!(open(dir.path()).scheduled().unwrap(), None);
    }

    #[test]
    fn the_rescue_configuration_outlives_commits_and_reopening_until_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        assert_eq!(store.rescue().unwrap(), None);
        store.save_rescue(Some("rescue\n")).unwrap();
        for n in 0..=KEPT as i64 {
            commit(&mut store, &host(n), record(n));
        }
        let store = open(dir.path());
        assert_eq!(store.rescue().unwrap().as_deref(), Some("rescue\n"));
        let rescue = std::fs::metadata(dir.path().join("config").join(RESCUE)).unwrap();
        assert_eq!(rescue.permissions().mode() & 0o777, 0o600);
        store.save_rescue(None).unwrap();
        store.save_rescue(None).unwrap();
        assert_eq!(open(dir.path()).rescue().unwrap(), None);
    }

    /// A checkpoint written while commits came is put in place, the records
    /// of those commits kept after it: the store reopens with them, and the
    /// next checkpoint takes them in.
    #[test]
    fn a_checkpoint_overtaken_by_commits_is_put_in_place_with_them_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        store.commit(&host(1), record(1), None).unwrap();
        let overtaken = store.due_checkpoint().expect("a first commit makes one due").write().unwrap();
        store.commit(&host(2), record(2), None).unwrap();
        store.confirm().unwrap();
        store.commit(&host(3), record(3), None).unwrap();
        store.put_checkpoint(overtaken).unwrap();
        assert_eq!(names(store.dir()), ["commit.1", "journal"]);
        assert_eq!(rollbacks(&open(dir.path())), [host(3), host(2), host(1)]);
        // A record withdrawn after it cuts the journal where it began.
        let written = store.write(&host(4), record(4), None).unwrap();
        store.withdraw(written).unwrap();
        store.commit(&host(5), record(5), None).unwrap();
        assert_eq!(rollbacks(&open(dir.path())), [host(5), host(3), host(2), host(1)]);
        store.put_checkpoint(store.due_checkpoint().expect("still due").write().unwrap()).unwrap();
        // The withdrawn record's sequence went to the next commit.
        assert_eq!(names(store.dir()), ["commit.4", "journal"]);
        assert_eq!(store.due_checkpoint().map(|_| ()), None);
        assert_eq!(rollbacks(&open(dir.path())), [host(5), host(3), host(2), host(1)]);
    }

    /// A crash once an overtaken checkpoint is in place, before the journal
    /// is written again: the old journal names it, and has the changes after it.
    #[test]
    fn a_crash_between_an_overtaken_checkpoint_and_its_journal_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        store.commit(&host(1), record(1), None).unwrap();
        store.commit(&host(2), record(2), None).unwrap();
        let overtaken = store.due_checkpoint().expect("due").write().unwrap();
        store.commit(&host(3), record(3), None).unwrap();
        overtaken.file.commit().unwrap();
        assert_eq!(names(store.dir()), ["commit.2", "journal"]);
        let reopened = open(dir.path());
        assert_eq!(rollbacks(&reopened), [host(3), host(2), host(1)]);
        assert_eq!(reopened.checkpoint.map(|(sequence, _)| sequence), Some(2));
    }

    /// Commits that each come while the checkpoint before them is written
    /// leave a journal no larger than commits that wait for each
    /// checkpoint: what the kept rollbacks need, and the commits since the
    /// last checkpoint put in place.
    #[test]
    fn checkpoints_overtaken_each_time_still_bound_the_journal() {
        let largest = |overtaken: bool| {
            let dir = tempfile::tempdir().unwrap();
            let mut store = open(dir.path());
            let mut most = 0;
            for n in 0..400 {
                let due = store.due_checkpoint().map(|due| due.write().unwrap());
                if !overtaken && let Some(written) = due {
                    store.put_checkpoint(written).unwrap();
                    commit(&mut store, &host(n), record(n));
                } else {
                    store.commit(&host(n), record(n), None).unwrap();
                    if let Some(written) = due {
                        store.put_checkpoint(written).unwrap();
                    }
                }
                most = most.max(store.journal_bytes);
            }
            let reopened = open(dir.path());
            assert_eq!(rollbacks(&reopened).first(), Some(&host(399)));
            assert_eq!(rollbacks(&reopened).len(), KEPT);
            most
        };
        let (waiting, overtaken) = (largest(false), largest(true));
        assert!(overtaken < 2 * waiting, "journal up to {overtaken} bytes, {waiting} when commits wait");
    }

    /// A record written while the other RE commits: withdrawn, the store
    /// and its journal are as before, in memory and reopened; published,
    /// as after a commit. A checkpoint meanwhile is not put in place, nor is
    /// another record written.
    #[test]
    fn a_written_record_withdrawn_leaves_no_trace_and_published_is_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        commit(&mut store, &host(1), record(1));
        store.commit(&host(2), record(2), None).unwrap();
        let journal = std::fs::read(dir.path().join("config").join(JOURNAL)).unwrap();
        let due = store.due_checkpoint().expect("a change as large as the configuration").write().unwrap();
        let written = store.write(&host(3), record(3), None).unwrap();
        assert!(store.due_checkpoint().is_none());
        assert!(store.write(&host(4), record(4), None).is_err());
        assert_eq!(rollbacks(&store), [host(2), host(1)]);
        assert_eq!(rollbacks(&open(dir.path())), [host(3), host(2), host(1)], "on disk already");
        store.withdraw(written).unwrap();
        assert_eq!(std::fs::read(dir.path().join("config").join(JOURNAL)).unwrap(), journal);
        assert_eq!(rollbacks(&store), [host(2), host(1)]);
        assert_eq!(rollbacks(&open(dir.path())), [host(2), host(1)]);

        let written = store.write(&host(3), record(3), None).unwrap();
        store.put_checkpoint(due).unwrap();
        assert_eq!(names(store.dir()), ["commit.1", "journal"]);
        assert_eq!(store.publish(written), store.journal_bytes as usize - journal.len());
        assert_eq!(store.history()[0], record(3));
        assert_eq!(rollbacks(&store), [host(3), host(2), host(1)]);
        assert_eq!(rollbacks(&open(dir.path())), [host(3), host(2), host(1)]);
        commit(&mut store, &host(4), record(4));
        assert_eq!(rollbacks(&open(dir.path())), [host(4), host(3), host(2), host(1)]);
    }

    /// Small commits of a large configuration make a checkpoint due every
    /// `CHECKPOINT_COMMITS` and one, counted from the last checkpoint (not
    /// with the kept rollbacks' records it wrote again), and counted alike
    /// across a restart.
    #[test]
    fn small_commits_make_a_checkpoint_due_after_as_many_since_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let lines: Vec<String> =
            (0..3000).map(|n| format!("interfaces ge-0/0/{n} description d{n}")).collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let base = build(&store.schema, &lines);
        let changed = |n: i64| {
            let mut tree = base.clone();
            let list = tree.child_mut("interfaces").unwrap();
            list.child_mut("ge-0/0/1").unwrap().child_entry("description").values =
                [format!("c{n}").as_str()].into_iter().collect();
            tree
        };
        commit(&mut store, &base, record(1));
        let mut gaps = Vec::new();
        let mut since = 0;
        for n in 2..=360 {
            store.commit(&changed(n), record(n), None).unwrap();
            since += 1;
            if let Some(due) = store.due_checkpoint() {
                store.put_checkpoint(due.write().unwrap()).unwrap();
                gaps.push(std::mem::take(&mut since));
            }
        }
        assert_eq!(gaps, [CHECKPOINT_COMMITS + 1; 3]);
        let mut reopened = open(dir.path());
        assert!(reopened.due_checkpoint().is_none(), "{since} commits since the last");
        for n in 361.. {
            reopened.commit(&changed(n), record(n), None).unwrap();
            since += 1;
            if reopened.due_checkpoint().is_some() {
                break;
            }
        }
        assert_eq!(since, CHECKPOINT_COMMITS + 1);
    }

    #[test]
    fn a_store_reopened_with_the_checkpoint_unwritten_has_it_due() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        store.commit(&host(1), record(1), None).unwrap();
        drop(store);
        let mut reopened = open(dir.path());
        let due = reopened.due_checkpoint().expect("due after a restart");
        reopened.put_checkpoint(due.write().unwrap()).unwrap();
        assert_eq!(names(reopened.dir()), ["commit.1", "journal"]);
        assert!(open(dir.path()).due_checkpoint().is_none());
    }

    #[test]
    fn commits_rotate_and_only_fifty_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        assert_eq!(store.rollback(0).unwrap(), None);
        for n in 0..255 {
            commit(&mut store, &host(n), record(n));
        }
        let store = open(dir.path());
        assert_eq!(store.rollback(0).unwrap(), Some(host(254)));
        assert_eq!(store.rollback(1).unwrap(), Some(host(253)));
        assert_eq!(store.rollback(49).unwrap(), Some(host(205)));
        assert_eq!(store.rollback(50).unwrap(), None);
        let history = store.history();
        assert_eq!(history.len(), 50);
        assert_eq!(history[0], record(254));
        assert_eq!(names(store.dir()).len(), 2, "a checkpoint and the journal: {:?}", names(store.dir()));
    }

    /// Random changes committed one after another: the store opened again
    /// has the same configuration and rollbacks, across checkpoints.
    #[test]
    fn reopening_gives_the_same_configuration_and_rollbacks() {
        let schema = schema();
        for seed in 0..12 {
            let dir = tempfile::tempdir().unwrap();
            let mut store = open(dir.path());
            let mut rng = Rng::new(seed);
            let mut tree = configuration(&schema, &mut rng, 40);
            for n in 0..60 {
                for _ in 0..1 + rng.below(3) {
                    random_edit(&schema, &mut rng, &mut tree);
                }
                // What can be committed: what the schema reads back.
                tree = parse_text(&schema, &to_text(&schema, None, &tree)).0;
                commit(&mut store, &tree, record(n));
                if rng.below(10) == 0 {
                    let reopened = open(dir.path());
                    assert_eq!(texts(&reopened), texts(&store), "seed {seed} commit {n}");
                    assert_eq!(reopened.history(), store.history());
                    assert_eq!(reopened.hash(), store.hash());
                    store = reopened;
                }
            }
            assert!(identical(store.committed().unwrap(), &tree), "seed {seed}");
        }
    }

    /// 3000 interfaces, each with a description that names `label`, and
    /// the host name `h{host}`, as the schema reads it back.
    fn labelled(schema: &Schema, label: usize, host: usize) -> Node {
        let mut lines: Vec<String> = (0..3000)
            .map(|i| format!("set interfaces ge-0/0/{i} description \"label {label} of {i}\""))
            .collect();
        lines.push(format!("set system host-name h{host}"));
        let mut tree = Node::default();
        assert!(crate::config::load::apply_set_lines(schema, &mut tree, &lines.join("\n")).is_empty());
        parse_text(schema, &to_text(schema, None, &tree)).0
    }

    /// Commits that each change most of the configuration make a
    /// checkpoint due less often as their kept records grow: each would
    /// otherwise write every large record kept again.
    #[test]
    fn large_commits_make_checkpoints_due_less_often_as_their_records_are_kept() {
        let schema = schema();
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let mut checkpoints = Vec::new();
        for n in 0..100 {
            commit(&mut store, &labelled(&schema, n, 0), record(n as i64));
            if store.checkpoint.is_some_and(|(sequence, _)| sequence == n as u64 + 1) {
                checkpoints.push(n);
            }
        }
        let (early, late) = checkpoints.split_at(checkpoints.partition_point(|&n| n < 50));
        assert!(late.len() * 2 < early.len(), "checkpoints after commits {checkpoints:?}");
        assert!(late.len() >= 3, "checkpoints after commits {checkpoints:?}");
        let reopened = open(dir.path());
        assert_eq!(texts(&reopened), texts(&store));
    }

    /// A commit that changed much keeps the change that undoes it only in
    /// its record, a small one in memory too: each rollback is the
    /// configuration it was, after checkpoints wrote the journal again
    /// (copying the large records) and after reopening.
    #[test]
    fn a_large_change_is_undone_from_its_record_and_a_small_one_from_memory() {
        let schema = schema();
        // Every other commit relabels the interfaces; the others rename the host.
        let tree = |n: usize| labelled(&schema, n / 2, n);
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let mut made = Vec::new();
        for n in 0..70 {
            made.insert(0, to_text(&schema, None, &tree(n)));
            made.truncate(KEPT);
            commit(&mut store, &tree(n), record(n as i64));
            if n == 40 {
                store = open(dir.path());
            }
        }
        let held = |store: &Store| store.entries.iter().filter(|e| e.inverse.is_some()).count();
        assert_eq!(held(&store), KEPT / 2, "the small changes, and only they");
        assert_eq!(texts(&store), made);
        let reopened = open(dir.path());
        assert_eq!(held(&reopened), KEPT / 2);
        assert_eq!(texts(&reopened), made);
        assert_eq!(reopened.history(), store.history());
    }

    /// A crash at any byte of a commit's record, or before the checkpoint
    /// it brought is renamed into place, opens as the commit before or the
    /// commit, never anything else.
    #[test]
    fn a_commit_cut_short_anywhere_is_wholly_there_or_wholly_absent() {
        let schema = schema();
        let mut rng = Rng::new(7);
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let mut tree = configuration(&schema, &mut rng, 30);
        for n in 0..5 {
            random_edit(&schema, &mut rng, &mut tree);
            commit(&mut store, &tree, record(n));
        }
        let before = (texts(&store), store.history());
        let journal = dir.path().join("config").join(JOURNAL);
        let old = std::fs::read(&journal).unwrap();
        random_edit(&schema, &mut rng, &mut tree);
        commit(&mut store, &tree, record(5));
        let after = (texts(&store), store.history());
        let new = std::fs::read(&journal).unwrap();
        assert!(new.starts_with(&old), "no checkpoint came between");
        for cut in old.len()..=new.len() {
            let crashed = tempfile::tempdir().unwrap();
            let config = crashed.path().join("config");
            std::fs::create_dir(&config).unwrap();
            for name in names(store.dir()) {
                std::fs::copy(store.dir().join(&name), config.join(&name)).unwrap();
            }
            std::fs::write(config.join(JOURNAL), &new[..cut]).unwrap();
            let reopened = open(crashed.path());
            let found = (texts(&reopened), reopened.history());
            let expected = if cut == new.len() { &after } else { &before };
            assert_eq!(&found, expected, "cut at {cut} of {}", new.len());
            // Cut short, it is gone from the journal too: the next commit follows the one before.
            let mut reopened = reopened;
            reopened.commit(&host("next"), record(9), None).unwrap();
            assert_eq!(open(crashed.path()).rollback(0).unwrap(), Some(host("next")));
        }

        // The checkpoint written aside, not renamed: the journal still has it all.
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        commit(&mut store, &host(1), record(1));
        std::fs::write(store.dir().join(".commit.2.1.0.tmp"), "half").unwrap();
        commit(&mut store, &host(2), record(2));
        let reopened = open(dir.path());
        assert_eq!(rollbacks(&reopened), [host(2), host(1)]);
        assert!(!names(reopened.dir()).iter().any(|n| n.starts_with('.')));
    }

    /// A journal whose records hold their nodes nested, as the first
    /// journals did, opens to the same configuration and rollbacks.
    #[test]
    fn a_journal_of_nested_records_is_read() {
        let schema = schema();
        let mut rng = Rng::new(3);
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let mut tree = configuration(&schema, &mut rng, 30);
        for n in 0..6 {
            random_edit(&schema, &mut rng, &mut tree);
            tree = parse_text(&schema, &to_text(&schema, None, &tree)).0;
            commit(&mut store, &tree, record(n));
        }
        let journal = dir.path().join("config").join(JOURNAL);
        let (records, _) = read_records(&std::fs::read(&journal).unwrap());
        let nested = |delta: &mut Option<crate::proto::ConfigDelta>| {
            for change in delta.iter_mut().flat_map(|d| &mut d.changes) {
                if let Some(node) =
                    Delta::from_wire(&crate::proto::ConfigDelta { changes: vec![change.clone()] })
                        .changes
                        .into_iter()
                        .find_map(|c| match c.op {
                            crate::config::delta::Op::Insert { node, .. }
                            | crate::config::delta::Op::Fields(node) => Some(node),
                            crate::config::delta::Op::Remove => None,
                        })
                {
                    change.nodes.clear();
                    change.node = Some(crate::config::wire::to_wire("", &node));
                }
            }
        };
        let old: Vec<u8> = records
            .into_iter()
            .flat_map(|(mut record, _)| {
                nested(&mut record.forward);
                nested(&mut record.inverse);
                frame(&record, &Delta::default())
            })
            .collect();
        std::fs::write(&journal, old).unwrap();
        let reopened = open(dir.path());
        assert_eq!(texts(&reopened), texts(&store));
        assert_eq!(reopened.history(), store.history());
        assert!(identical(reopened.committed().unwrap(), &tree));
    }

    /// 49 rollbacks of one-statement changes to a large configuration
    /// cost less on disk than a second configuration.
    #[test]
    fn small_changes_cost_their_size_not_the_configurations() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let schema = schema();
        let lines: Vec<String> =
            (0..3000).map(|n| format!("interfaces ge-0/0/{n} description d{n}")).collect();
        let mut tree = build(&schema, &lines.iter().map(String::as_str).collect::<Vec<_>>());
        commit(&mut store, &tree, record(0));
        let one = store.committed_bytes();
        for n in 1..KEPT as i64 {
            tree.child_entry("system").child_entry("domain-name").values =
                [format!("d{n}.example.net")].iter().map(String::as_str).collect();
            commit(&mut store, &tree, record(n));
        }
        let disk: u64 =
            names(store.dir()).iter().map(|n| std::fs::metadata(store.dir().join(n)).unwrap().len()).sum();
        assert!(disk <= 2 * one as u64, "{disk} on disk for a configuration of {one}");
        assert_eq!(open(dir.path()).rollback(49).unwrap().unwrap().child("system"), None);
    }

    fn old_layout(dir: &Path, files: &[(usize, &str)], history: &[i64]) -> PathBuf {
        let config = dir.join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (n, text) in files {
            let name = if *n == 0 { "juniper.conf".to_owned() } else { format!("juniper.conf.{n}") };
            std::fs::write(config.join(name), format!("system {{ host-name {text}; }}\n")).unwrap();
        }
        let lines: String = history.iter().map(|t| format!("{t}\tlab\tcli\t\t\tchange {t}\n")).collect();
        std::fs::write(config.join("commits"), lines).unwrap();
        config
    }

    #[test]
    fn a_store_in_the_oldest_layout_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let config = old_layout(dir.path(), &[(0, "hc"), (1, "hb"), (2, "ha")], &[3, 2, 1]);
        // Left by a take-over cut short.
        std::fs::write(config.join("commit.1"), "junk").unwrap();
        let mut store = open(dir.path());
        assert_eq!(rollbacks(&store), [host("c"), host("b"), host("a")]);
        assert_eq!(
            store.history()[0],
            CommitRecord { comment: "change 3".into(), version: None, ..record(3) }
        );
        assert_eq!(names(&config), ["commit.3", "journal"]);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&config), 0o700);
        assert!(names(&config).iter().all(|name| mode(&config.join(name)) == 0o600));
        commit(&mut store, &host("d"), record(4));
        assert_eq!(rollbacks(&open(dir.path())), [host("d"), host("c"), host("b"), host("a")]);
    }

    #[test]
    fn an_old_store_a_crash_left_mid_rotation_is_taken_over_without_holes() {
        // Rollback 2 was renamed to 3 and 3 to 4 when the crash came.
        let dir = tempfile::tempdir().unwrap();
        old_layout(dir.path(), &[(0, "hd"), (1, "hc"), (3, "hb"), (4, "ha")], &[4, 3, 2, 1]);
        let store = open(dir.path());
        assert_eq!(rollbacks(&store), [host("d"), host("c"), host("b"), host("a")]);
        assert_eq!(store.history().iter().map(|r| r.time).collect::<Vec<_>>(), [4, 3, 2, 1]);

        // The new rollback 0 was written, the history was not.
        let dir = tempfile::tempdir().unwrap();
        old_layout(dir.path(), &[(0, "he"), (1, "hd"), (2, "hc"), (3, "hb"), (5, "ha")], &[4, 3, 2, 1]);
        let store = open(dir.path());
        assert_eq!(rollbacks(&store), [host("d"), host("c"), host("b"), host("a")]);
        assert_eq!(store.history()[0].time, 4);
    }

    /// The layout before the journal: a file per commit and a history; a
    /// commit whose file is gone leaves no hole, and files no history
    /// names (a commit cut short) go.
    #[test]
    fn a_store_of_whole_files_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        let schema = schema();
        let mut entries = Vec::new();
        for n in 1..=5u64 {
            if n != 3 {
                std::fs::write(checkpoint(&config, n), to_text(&schema, None, &host(n))).unwrap();
            }
            entries.insert(0, (n, record(n as i64)));
        }
        std::fs::write(checkpoint(&config, 6), "cut short").unwrap();
        previous::write_history(&config, &entries).unwrap();
        let mut store = open(dir.path());
        assert_eq!(rollbacks(&store), [host(5), host(4), host(2), host(1)]);
        assert_eq!(store.history().iter().map(|r| r.time).collect::<Vec<_>>(), [5, 4, 2, 1]);
        assert_eq!(store.version(), record(5).version.unwrap());
        assert_eq!(names(&config), ["commit.5", "journal"]);
        commit(&mut store, &host(6), record(6));
        assert_eq!(rollbacks(&open(dir.path()))[..2], [host(6), host(5)]);
    }

    #[test]
    fn a_store_whose_version_was_kept_apart_reads_it_until_the_next_commit() {
        let dir = tempfile::tempdir().unwrap();
        let config = old_layout(dir.path(), &[(0, "ha")], &[1]);
        std::fs::write(config.join(OLD_VERSION), "4 7\n").unwrap();
        let mut store = open(dir.path());
        assert_eq!(store.version(), Version { term: 4, sequence: 7 });
        commit(&mut store, &host("b"), record(8));
        assert_eq!(open(dir.path()).version(), Version { term: 2, sequence: 8 });
        assert!(!config.join(OLD_VERSION).exists());
    }

    /// The hash follows the change, so two stores that made the same
    /// changes from the same configuration agree, and one given a hash keeps it.
    #[test]
    fn the_hash_names_the_configuration_reached() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut one, mut other) = (open(a.path()), open(b.path()));
        for store in [&mut one, &mut other] {
            commit(store, &host(1), record(1));
            commit(store, &host(2), record(2));
        }
        assert_eq!(one.hash(), other.hash());
        other.commit(&host(3), record(3), Some(42)).unwrap();
        assert_eq!(open(b.path()).hash(), 42);
        one.commit(&host(4), record(3), None).unwrap();
        assert_ne!(one.hash(), 42);
    }

    #[test]
    fn a_configuration_committed_before_is_found_by_its_version_and_hash_while_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let mut named = Vec::new();
        for n in 0..=KEPT as i64 {
            commit(&mut store, &host(n), record(n));
            named.push((store.version(), store.hash()));
        }
        let store = open(dir.path());
        let (version, hash) = named[KEPT];
        assert_eq!(store.rollback_named(version, hash), Some(0));
        let (version, hash) = named[KEPT - 3];
        assert_eq!(store.rollback_named(version, hash), Some(3));
        assert_eq!(store.rollback(3).unwrap(), Some(host(KEPT - 3)));
        assert_eq!(store.rollback_named(Version { term: 9, ..version }, hash), None, "another version");
        assert_eq!(store.rollback_named(version, hash ^ 1), None, "another configuration");
        let (version, hash) = named[0];
        assert_eq!(store.rollback_named(version, hash), None, "older than the rollbacks kept");
    }

    /// The shared candidate is saved as the change from the configuration
    /// committed (its file the change's size), and read back as that
    /// configuration changed, until it holds no changes.
    #[test]
    fn the_shared_candidate_is_kept_until_it_holds_no_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        assert_eq!(store.candidate().unwrap(), None);
        let schema = schema();
        let lines: Vec<String> =
            (0..2000).map(|n| format!("interfaces ge-1/0/{n} description d{n}")).collect();
        let committed = build(&schema, &lines.iter().map(String::as_str).collect::<Vec<_>>());
        commit(&mut store, &committed, record(1));
        let mut tree = committed.clone();
        tree.merge(&schema, None, host("x"));
        let change = diff(&committed, &tree).0;
        let written =
            write_candidate(&store.candidate_path(), store.version(), store.hash(), &change).unwrap();
        assert_eq!(store.candidate().unwrap(), None, "written is not saved until put in place");
        store.save_candidate(Some(written)).unwrap();
        assert!(std::fs::metadata(store.candidate_path()).unwrap().len() < 200);
        assert!(identical(&open(dir.path()).candidate().unwrap().unwrap(), &tree));
        store.save_candidate(None).unwrap();
        store.save_candidate(None).unwrap();
        assert_eq!(store.candidate().unwrap(), None);
    }

    /// A candidate saved before a commit it did not go into (a private
    /// session's) is the change from a configuration kept before the one
    /// committed: it reads as that one changed. One from a configuration no
    /// longer kept, or unreadable, is left out; one kept as text, as
    /// earlier layouts kept it, reads, and goes once saved again.
    #[test]
    fn a_saved_candidate_reads_from_the_configuration_it_was_made_from() {
        let schema = schema();
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        commit(&mut store, &host(1), record(1));
        let mut tree = host(1);
        tree.merge(&schema, None, build(&schema, &["system domain-name kept.example.net"]));
        let change = diff(&host(1), &tree).0;
        let written =
            write_candidate(&store.candidate_path(), store.version(), store.hash(), &change).unwrap();
        store.save_candidate(Some(written)).unwrap();
        commit(&mut store, &host(2), record(2));
        assert!(identical(&open(dir.path()).candidate().unwrap().unwrap(), &tree));
        for n in 3..=KEPT as i64 + 1 {
            commit(&mut store, &host(n), record(n));
        }
        assert_eq!(open(dir.path()).candidate().unwrap(), None, "its configuration is no longer kept");
        std::fs::write(store.candidate_path(), b"\xff\xff not a change").unwrap();
        assert_eq!(open(dir.path()).candidate().unwrap(), None, "unreadable");

        std::fs::remove_file(store.candidate_path()).unwrap();
        std::fs::write(dir.path().join("config").join(CANDIDATE_TEXT), to_text(&schema, None, &tree))
            .unwrap();
        assert_eq!(open(dir.path()).candidate().unwrap(), Some(tree.clone()));
        let change = diff(&host(KEPT + 1), &tree).0;
        let written =
            write_candidate(&store.candidate_path(), store.version(), store.hash(), &change).unwrap();
        store.save_candidate(Some(written)).unwrap();
        assert!(!dir.path().join("config").join(CANDIDATE_TEXT).exists());
        assert!(identical(&open(dir.path()).candidate().unwrap().unwrap(), &tree));
    }
}
