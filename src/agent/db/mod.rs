//! The configuration database of this Routing Engine: the shared candidate,
//! private copies, the exclusive lock, commits (confirmed ones with their
//! deadline), rollbacks and history. The agent reads every edit against the
//! schema itself; the shell's own reading is only for fast feedback.

mod commit;
mod edit;
mod first;
mod load;
mod rollback;
mod synchronize;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::{Notify, watch};

use super::error::AgentError;
use super::sessions::Login;
use crate::config::delta::{Delta, diff};
use crate::config::editors::describe;
use crate::config::inherit::{expand, expand_from};
use crate::config::load::LoadError;
use crate::config::path::Resolved;
use crate::config::print::to_text;
use crate::config::protect::{self, Protected};
use crate::config::schema::Schema;
use crate::config::store::{
    CandidateFile, CommitRecord, DueCheckpoint, Scheduled, Store, WrittenCheckpoint, write_candidate,
};
use crate::config::tree::Node;
use crate::config::version::Version;
// The lock's message and `status` describe sessions as the shell does.
use crate::proto::Editor;
use crate::slot::Slot;
pub use commit::Commit;
pub(super) use commit::{Prepared, Recorded};
use commit::{pending, record};
pub use edit::{Edit, Operation};
use edit::{apply_edit, read, read_edit};
pub use first::First;
pub(super) use first::first_configuration;
pub use load::LoadAction;
use load::load_into;
use synchronize::Checked;
pub(super) use synchronize::Synchronized;
pub use synchronize::{Asked, Offer, Sent, Synchronize};

/// How a session opens the database: `configure`, `configure exclusive`,
/// `configure private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    Shared,
    Exclusive,
    Private,
}

/// What opening the database came to.
pub struct Opened {
    /// Why it cannot be opened in that mode (Junos text); the session
    /// stays in operational mode.
    pub refused: Option<String>,
    /// The other sessions in configuration mode.
    pub editors: Vec<Editor>,
    /// The shared candidate has uncommitted changes.
    pub changed: bool,
}

/// A session in configuration mode.
struct Session {
    login: Login,
    level: Vec<String>,
    mode: Mode,
}

enum Mode {
    Shared,
    Exclusive,
    Private(Private),
}

/// `configure private`: a copy of the committed configuration and the
/// changes made to it, replayed onto whatever is committed when it commits.
struct Private {
    generation: u64,
    candidate: Node,
    changes: Vec<Change>,
}

#[derive(Clone)]
enum Change {
    Edit(Edit),
    Load(LoadAction, String),
}

pub struct ConfigDb {
    schema: Arc<Schema>,
    /// The groups `re0` or `re1` apply by it.
    slot: Slot,
    store: Store,
    /// The committed configuration as written, inactive statements included.
    committed: Node,
    /// What the RE acts on: the committed configuration's active statements,
    /// with what its groups give it.
    effective: Node,
    /// Counts commits, so a private copy can tell that it is out of date.
    generation: u64,
    shared: Node,
    editors: BTreeMap<u64, Session>,
    /// When a `commit confirmed` is rolled back, if one is pending.
    deadline: Option<i64>,
    /// Wakes the rollback timer when the deadline changes.
    pub deadline_changed: Arc<Notify>,
    /// A `commit at` waiting for its time; the configuration is read-only
    /// meanwhile, as on Junos.
    scheduled: Option<Scheduled>,
    /// Wakes the `commit at` timer when one is scheduled or cleared.
    pub schedule_changed: Arc<Notify>,
    /// The generation in effect, for the daemons that act on each commit.
    installed: watch::Sender<u64>,
    /// The other RE missed a synchronized commit.
    peer_behind: bool,
    /// What the other RE's `commit synchronize` checked last, on the
    /// configuration committed now.
    checked: Option<Checked>,
    /// The committed configuration's, as its history record holds it.
    version: Version,
    /// Counts what may have changed the shared candidate, so that it is
    /// saved only when it changed.
    shared_changes: u64,
    /// The shared candidate as last saved.
    saved: Edition,
    /// When a candidate was last changed, or else committed: the time
    /// `## Last changed` shows.
    changed: i64,
}

/// Which shared candidate: after how many commits, and how many changes;
/// a later one compares greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Edition {
    generation: u64,
    shared_changes: u64,
}

fn locked(holder: &Session) -> AgentError {
    let editor = editor(holder);
    AgentError::Refused(format!("configuration database locked by:\n{}", describe(&[editor])))
}

fn editor(session: &Session) -> Editor {
    Editor {
        user: session.login.user.clone(),
        terminal: session.login.terminal.clone(),
        pid: session.login.pid,
        since: session.login.since,
        level: session.level.clone(),
        exclusive: matches!(session.mode, Mode::Exclusive),
        private: matches!(session.mode, Mode::Private(_)),
    }
}

impl ConfigDb {
    /// Opens the RE's configuration, with the shared candidate as it was
    /// last saved. On first start it commits the factory default, with the
    /// startup configuration (text or `set` lines) on top where one is given.
    pub fn open(
        schema: Arc<Schema>,
        slot: Slot,
        state_dir: &Path,
        first: First<'_>,
    ) -> anyhow::Result<ConfigDb> {
        let mut store =
            Store::open(state_dir, schema.clone()).context("cannot open the configuration store")?;
        let committed = match store.committed() {
            Some(tree) => tree.clone(),
            None => {
                let first = first_configuration(&schema, slot, first)?;
                let record = record("root", "other", "", Version::default());
                store.commit(&first, record, None)?;
                first
            }
        };
        let deadline = store.history().first().and_then(CommitRecord::deadline);
        let scheduled = store.scheduled()?;
        let peer_behind = store.dir().join("peer-behind").exists();
        let shared = store.candidate()?.unwrap_or_else(|| committed.clone());
        Ok(ConfigDb {
            changed: store.history().first().map_or(0, |c| c.time),
            peer_behind,
            checked: None,
            version: store.version(),
            effective: expand(&schema, &committed, slot),
            schema,
            slot,
            store,
            shared,
            committed,
            shared_changes: 0,
            saved: Edition { generation: 0, shared_changes: 0 },
            generation: 0,
            editors: BTreeMap::new(),
            deadline,
            deadline_changed: Arc::new(Notify::new()),
            scheduled,
            schedule_changed: Arc::new(Notify::new()),
            installed: watch::channel(0).0,
        })
    }

    pub fn effective(&self) -> &Node {
        &self.effective
    }

    /// The newest commit's record: `Last configured:` of `show system uptime`.
    pub fn last_commit(&self) -> Option<CommitRecord> {
        self.store.history().into_iter().next()
    }

    /// The commits kept, newest first.
    pub(super) fn history(&self) -> Vec<CommitRecord> {
        self.store.history()
    }

    /// When a candidate was last changed, or else committed.
    pub(super) fn last_changed(&self) -> i64 {
        self.changed
    }

    /// The sessions in configuration mode.
    pub(super) fn editors(&self) -> impl Iterator<Item = Editor> + '_ {
        self.editors.values().map(editor)
    }

    /// Where `session` is in the hierarchy (`edit`), which `status` shows.
    pub(super) fn set_level(&mut self, session: u64, level: Vec<String>) {
        if let Some(s) = self.editors.get_mut(&session) {
            s.level = level;
        }
    }

    /// Where the shared candidate is saved.
    pub(super) fn candidate_path(&self) -> std::path::PathBuf {
        self.store.candidate_path()
    }

    /// The checkpoint the journal has grown enough for, if it has: written
    /// with the database unlocked, then put in place with it.
    pub(super) fn due_checkpoint(&self) -> Option<DueCheckpoint> {
        self.store.due_checkpoint()
    }

    pub(super) fn put_checkpoint(&mut self, written: WrittenCheckpoint) -> std::io::Result<()> {
        self.store.put_checkpoint(written)
    }

    pub fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    /// The size of the committed configuration as written.
    pub fn committed_bytes(&self) -> usize {
        self.store.committed_bytes()
    }

    /// Whether a rescue configuration is kept: without one, `show system
    /// alarms` says so.
    pub fn rescue_saved(&self) -> bool {
        matches!(self.store.rescue(), Ok(Some(_)))
    }

    /// The committed configuration's version.
    pub(super) fn version(&self) -> Version {
        self.version
    }

    /// Counts commits.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Changes at every commit.
    pub fn installed(&self) -> watch::Receiver<u64> {
        self.installed.subscribe()
    }

    pub fn deadline(&self) -> Option<i64> {
        self.deadline
    }

    /// What `tree` means on this RE: its active statements and what its
    /// groups give. What it shares with the committed configuration is taken
    /// from the committed expansion.
    pub(super) fn effective_of(&self, tree: &Node) -> Node {
        expand_from(&self.schema, tree, self.slot, Some((&self.committed, &self.effective)))
    }

    /// Another session's exclusive lock, which keeps `session` from changing
    /// the shared candidate or committing.
    fn lock_holder(&self, session: u64) -> Option<&Session> {
        self.editors
            .iter()
            .find(|(id, s)| **id != session && matches!(s.mode, Mode::Exclusive))
            .map(|(_, s)| s)
    }

    /// The candidate `session` commits, brought up to date with the
    /// commits made since it was copied (as a commit does first).
    pub(super) fn candidate_to_commit(&mut self, session: u64) -> Node {
        self.rebase(session);
        self.candidate(session).clone()
    }

    fn candidate(&self, session: u64) -> &Node {
        match self.editors.get(&session).map(|s| &s.mode) {
            Some(Mode::Private(p)) => &p.candidate,
            _ => &self.shared,
        }
    }

    /// The candidate `session` changes, after checking that it may.
    fn candidate_mut(&mut self, session: u64) -> Result<&mut Node, AgentError> {
        let private = matches!(self.editors.get(&session).map(|s| &s.mode), Some(Mode::Private(_)));
        if !private && let Some(holder) = self.lock_holder(session) {
            return Err(locked(holder));
        }
        if let Some(scheduled) = &self.scheduled {
            return Err(pending(scheduled));
        }
        self.changed = now();
        let ConfigDb { editors, shared, shared_changes, .. } = self;
        match editors.get_mut(&session) {
            Some(Session { mode: Mode::Private(p), .. }) => Ok(&mut p.candidate),
            _ => {
                *shared_changes += 1;
                Ok(shared)
            }
        }
    }

    /// A private session remembers its changes to replay them at commit;
    /// for any other, the change (a load's whole text) is not even copied.
    fn remember(&mut self, session: u64, change: impl FnOnce() -> Change) {
        if let Some(Session { mode: Mode::Private(p), .. }) = self.editors.get_mut(&session) {
            p.changes.push(change());
        }
    }

    pub(super) fn changed(&self, session: u64) -> bool {
        *self.candidate(session) != self.committed
    }

    pub(super) fn open_session(&mut self, session: u64, login: Login, mode: OpenMode) -> Opened {
        let others: Vec<Editor> =
            self.editors.iter().filter(|(id, _)| **id != session).map(|(_, s)| editor(s)).collect();
        let changed = self.shared != self.committed;
        let refused = match (mode, self.lock_holder(session)) {
            (OpenMode::Shared, _) => None,
            (_, Some(holder)) => Some(locked(holder).to_string()),
            (OpenMode::Exclusive, None) if changed => Some("configuration database modified".to_owned()),
            (OpenMode::Private, None) if changed => Some("shared configuration database modified".to_owned()),
            _ => None,
        };
        if refused.is_none() {
            let mode = match mode {
                OpenMode::Shared => Mode::Shared,
                OpenMode::Exclusive => Mode::Exclusive,
                OpenMode::Private => Mode::Private(Private {
                    generation: self.generation,
                    candidate: self.committed.clone(),
                    changes: Vec::new(),
                }),
            };
            self.editors.insert(session, Session { login, level: Vec::new(), mode });
        }
        Opened { refused, editors: others, changed }
    }

    /// A session leaves configuration mode (or ends): an exclusive session's
    /// uncommitted changes go with it when it says so or is gone.
    pub fn close_session(&mut self, session: u64, discard: bool) {
        // An exclusive session's changes are saved once it is gone.
        self.shared_changes += 1;
        if let Some(Session { mode: Mode::Exclusive, .. }) = self.editors.remove(&session)
            && discard
        {
            self.shared = self.committed.clone();
        }
    }

    pub(super) fn read(&self, words: &[String]) -> Result<Resolved, AgentError> {
        read(&self.schema, words)
    }

    pub(super) fn edit(&mut self, session: u64, edit: &Edit) -> Result<String, AgentError> {
        let path = read_edit(&self.schema, edit)?;
        let schema = self.schema.clone();
        let outcome = apply_edit(&schema, self.candidate_mut(session)?, edit, &path)?;
        self.remember(session, || Change::Edit(edit.clone()));
        Ok(outcome)
    }

    pub(super) fn load(
        &mut self,
        session: u64,
        action: LoadAction,
        text: &str,
    ) -> Result<(Vec<LoadError>, Vec<Protected>), AgentError> {
        let schema = self.schema.clone();
        let candidate = self.candidate_mut(session)?;
        let mut loaded = candidate.clone();
        let errors = load_into(&schema, &mut loaded, action, text);
        // Text with errors loads nothing: what was read would be a guess at
        // what was meant.
        if !errors.is_empty() {
            return Ok((errors, Vec::new()));
        }
        // A load that would change a protected statement loads nothing.
        let refused = protect::changed(candidate, &loaded, action == LoadAction::Set);
        if !refused.is_empty() {
            return Ok((Vec::new(), refused));
        }
        *candidate = loaded;
        self.remember(session, || Change::Load(action, text.to_owned()));
        Ok((errors, Vec::new()))
    }

    /// Whether commits here synchronize by default (`system commit synchronize`).
    pub(super) fn synchronizes(&self, effective: &Node) -> bool {
        effective.descend(["system", "commit", "synchronize"]).is_some()
    }

    /// The committed configuration as written, for the other RE.
    pub(super) fn committed(&self) -> &Node {
        &self.committed
    }

    pub(super) fn text_of(&self, tree: &Node) -> String {
        to_text(&self.schema, None, tree)
    }

    /// Whether the other RE missed a synchronized commit and must be caught up.
    pub(super) fn peer_behind(&self) -> bool {
        self.peer_behind
    }

    pub(super) fn set_peer_behind(&mut self, behind: bool) {
        if self.peer_behind == behind {
            return;
        }
        self.peer_behind = behind;
        // Kept on disk so a restart of this RE still catches the other up.
        let marker = self.store.dir().join("peer-behind");
        let written = if behind { std::fs::write(&marker, b"") } else { std::fs::remove_file(&marker) };
        if let Err(e) = written {
            eprintln!("{}: cannot record that the other RE is behind: {e}", self.slot);
        }
    }

    /// Brings a private copy made before the last commit up to date: its
    /// changes again, on top of what is committed now.
    fn rebase(&mut self, session: u64) {
        let ConfigDb { schema, committed, generation, editors, .. } = self;
        if let Some(Session { mode: Mode::Private(p), .. }) = editors.get_mut(&session) {
            if p.generation == *generation {
                return;
            }
            let mut candidate = committed.clone();
            for change in &p.changes {
                match change {
                    Change::Edit(edit) => {
                        // An edit that no longer applies is left out, as Junos's update does.
                        if let Ok(path) = read_edit(schema, edit) {
                            let _ = apply_edit(schema, &mut candidate, edit, &path);
                        }
                    }
                    Change::Load(action, text) => {
                        load_into(schema, &mut candidate, *action, text);
                    }
                }
            }
            p.candidate = candidate;
            p.generation = *generation;
        }
    }

    fn edition(&self) -> Edition {
        Edition { generation: self.generation, shared_changes: self.shared_changes }
    }

    /// The shared candidate if it changed since it was saved, as the
    /// change from the committed configuration (with its version and
    /// hash): `None` inside when it holds no changes, or only an exclusive
    /// session's, which go with the session. The change costs what it
    /// holds: the two share the rest.
    pub(super) fn unsaved_candidate(&self) -> Option<(Edition, Option<CandidateChange>)> {
        let edition = self.edition();
        if edition == self.saved {
            return None;
        }
        let exclusive = self.editors.values().any(|s| matches!(s.mode, Mode::Exclusive));
        Some((edition, (!exclusive).then(|| self.shared_change()).flatten()))
    }

    /// The shared candidate as the change from the committed configuration,
    /// with that configuration's version and hash; `None` when it holds no
    /// changes.
    fn shared_change(&self) -> Option<CandidateChange> {
        let change = diff(&self.committed, &self.shared).0;
        let (base, base_hash) = (self.store.version(), self.store.hash());
        (!change.is_empty()).then_some(CandidateChange { base, base_hash, change })
    }

    /// Saves `text`, the shared candidate as of `edition`, unless a newer
    /// one was saved or a commit came since (which may have forgotten it).
    pub(super) fn save_candidate(&mut self, edition: Edition, written: Option<CandidateFile>) {
        if edition.generation == self.generation && edition > self.saved && self.save_shared(written) {
            self.saved = edition;
        }
    }

    fn save_shared(&self, written: Option<CandidateFile>) -> bool {
        let saved = self.store.save_candidate(written);
        if let Err(e) = &saved {
            eprintln!("{}: cannot save the candidate configuration: {e}", self.slot);
        }
        saved.is_ok()
    }
}

/// The shared candidate as it is saved: the change from the configuration
/// committed as `base` with `base_hash`.
pub(super) struct CandidateChange {
    pub base: Version,
    pub base_hash: u64,
    pub change: Delta,
}

impl CandidateChange {
    /// Writes it beside `path`, to be put in place.
    pub fn write(&self, path: &Path) -> std::io::Result<CandidateFile> {
        write_candidate(path, self.base, self.base_hash, &self.change)
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
