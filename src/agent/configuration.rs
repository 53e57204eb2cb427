//! The configuration database of this Routing Engine: the shared candidate,
//! private copies, the exclusive lock, commits (confirmed ones with their
//! deadline), rollbacks and history. The agent reads every edit against the
//! schema itself; the shell's own reading is only for fast feedback.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chrono::DateTime;
use tokio::sync::{Notify, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::auth::{principal_of, user_of};
use super::error::AgentError;
use super::sessions::Login;
use super::{Agent, blocking};
use crate::config::compare::compare;
use crate::config::conceal::{conceal, conceal_text, secrets_differ};
use crate::config::delta::{Delta, chain, diff};
use crate::config::editors::describe;
use crate::config::inherit::{expand, expand_from};
use crate::config::load::{
    LoadError, apply_patch, apply_set_lines, parse_tagged, parse_text, structured_lines,
};
use crate::config::path::{Resolved, Word, resolve, resolve_line};
use crate::config::print::Inheritance;
use crate::config::schema::{Kind, Schema};
use crate::config::show::{Form, Pieces, Shown, Stamp};
use crate::config::store::{CandidateFile, CommitRecord, Scheduled, Store, write_candidate};
use crate::config::tree::Node;

use crate::config::print::to_text;
use crate::config::protect::{self, Protected, check_edit};
use crate::config::validate::{CheckError, check_from};
use crate::config::version::Version;
use crate::config::wire::{keys_to_wire, to_wire};
use crate::grammar::free_of_control;
use crate::permissions::Permission;
use crate::proto::configuration_server::Configuration;
use crate::proto::{
    ClearCommitReply, ClearCommitRequest, CloseReply, CloseRequest, CommitEntry, CommitError,
    CommitInformation, CommitReply, CommitRequest, CompareReply, CompareRequest, ConfigDelta,
    ConfigurationReply, ConfigurationStatus, ConfigurationText, EditReply, EditRequest, EditStretchReply,
    EditStretchRequest, Editor, GetCommitInformationRequest, GetConfigurationRequest, GetStatusRequest,
    LoadReply, LoadRequest, OpenReply, OpenRequest, PendingCommit, RescueReply, RescueRequest, RollbackReply,
    RollbackRequest, RoutingEngineCommit, SetLevelReply, SetLevelRequest, ShowConfigurationRequest,
    SynchronizeRequest, edit_request, load_request, open_request, show_configuration_request,
};
use crate::slot::Slot;

/// Why a commit that changes a secret value is refused to a class without
/// `secret-control`.
const SECRETS_NEED_CONTROL: &str = "permission denied: changing secret statements needs secret-control";

/// The metadata entry that names the calling session.
pub const SESSION_KEY: &str = "reshell-session";

/// A commit ready to be made, or the errors that stop it.
// Made once per commit and consumed at once: its size costs nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Prepared {
    Refused(Vec<CheckError>),
    Ready { tree: Node, effective: Node },
}

/// What this RE made of a `commit synchronize` from the other.
pub(super) enum Synchronized {
    /// Checked (and committed unless only checked) when there are no
    /// errors; the version it has, or for a check, would commit with.
    Checked(Vec<CheckError>, Version),
    /// The change sent was made from another configuration than this RE's.
    WholeNeeded,
}

/// What a `commit synchronize` from the other RE comes to on this RE.
enum Received {
    /// The configuration and version this RE has already.
    Done,
    /// The change sent was made from another configuration than this RE's.
    WholeNeeded,
    Configuration(Node, Version),
}

/// A configuration the other RE had this RE check for `commit
/// synchronize`, kept for the go that commits it until anything else is
/// asked or committed here.
struct Checked {
    /// The hash it has once committed, which the go names.
    hash: u64,
    tree: Node,
    effective: Node,
    version: Version,
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
    Edit(EditRequest),
    Load(load_request::Action, String),
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

/// How often the shared candidate is saved while it changes (an edit
/// acknowledged this long before `kill -9` may be lost) and a due checkpoint
/// written. Saving costs the candidate's text and a write, so it is not done
/// at every edit.
const SAVED_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

fn locked(holder: &Session) -> AgentError {
    let editor = editor(holder);
    AgentError::Refused(format!("configuration database locked by:\n{}", describe(&[editor])))
}

/// What an edit must be before it is read against the schema.
fn checked(edit: &EditRequest) -> Result<(), AgentError> {
    let size = edit.words.iter().map(String::len).sum::<usize>() + edit.target.len();
    if size > crate::MAX_LINE_BYTES {
        return Err(AgentError::Invalid(format!(
            "statement too long ({size} bytes; at most {})",
            crate::MAX_LINE_BYTES
        )));
    }
    // Values are checked against their types; an annotation is free text,
    // but no more able to carry a control character into a listing.
    free_of_control(&edit.target).map_err(AgentError::Invalid)
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
        let shared = match store.candidate()? {
            Some(text) => {
                let (tree, errors) = parse_text(&schema, &text);
                for e in errors {
                    eprintln!("{slot}: saved candidate, line {}: {} (left out)", e.line, e.message);
                }
                tree
            }
            None => committed.clone(),
        };
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
    fn effective_of(&self, tree: &Node) -> Node {
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

    fn changed(&self, session: u64) -> bool {
        *self.candidate(session) != self.committed
    }

    fn open_session(&mut self, session: u64, login: Login, mode: open_request::Mode) -> OpenReply {
        let others: Vec<Editor> =
            self.editors.iter().filter(|(id, _)| **id != session).map(|(_, s)| editor(s)).collect();
        let changed = self.shared != self.committed;
        let refused = match mode {
            _ if self.lock_holder(session).is_some() && mode != open_request::Mode::Shared => {
                self.lock_holder(session).map(|h| locked(h).to_string()).unwrap_or_default()
            }
            open_request::Mode::Exclusive if changed => "configuration database modified".to_owned(),
            open_request::Mode::Private if changed => "shared configuration database modified".to_owned(),
            _ => String::new(),
        };
        if refused.is_empty() {
            let mode = match mode {
                open_request::Mode::Shared => Mode::Shared,
                open_request::Mode::Exclusive => Mode::Exclusive,
                open_request::Mode::Private => Mode::Private(Private {
                    generation: self.generation,
                    candidate: self.committed.clone(),
                    changes: Vec::new(),
                }),
            };
            self.editors.insert(session, Session { login, level: Vec::new(), mode });
        }
        OpenReply { refused, editors: others, changed }
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

    fn read(&self, words: &[String]) -> Result<Resolved, AgentError> {
        read(&self.schema, words)
    }

    fn edit(&mut self, session: u64, request: &EditRequest) -> Result<String, AgentError> {
        let path = read_edit(&self.schema, request)?;
        let schema = self.schema.clone();
        let outcome = apply_edit(&schema, self.candidate_mut(session)?, request, &path)?;
        self.remember(session, || Change::Edit(request.clone()));
        Ok(outcome)
    }

    fn load(
        &mut self,
        session: u64,
        action: load_request::Action,
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
        let refused = protect::changed(candidate, &loaded, action == load_request::Action::Set);
        if !refused.is_empty() {
            return Ok((Vec::new(), refused));
        }
        *candidate = loaded;
        self.remember(session, || Change::Load(action, text.to_owned()));
        Ok((errors, Vec::new()))
    }

    /// Everything a commit does before it changes anything: the lock, the
    /// candidate brought up to date, and the checks.
    pub(super) fn prepare(&mut self, session: u64, request: &CommitRequest) -> Result<Prepared, AgentError> {
        if let Some(holder) = self.lock_holder(session) {
            return Err(locked(holder));
        }
        let private = matches!(self.editors.get(&session).map(|s| &s.mode), Some(Mode::Private(_)));
        if private && request.confirmed_minutes.is_some() {
            return Err(AgentError::Refused("'commit confirmed' is not allowed in private mode".into()));
        }
        if private && request.at.is_some() {
            return Err(AgentError::Refused("'commit at' is not allowed in private mode".into()));
        }
        if let Some(scheduled) = self.scheduled.as_ref().filter(|_| !request.check) {
            return Err(pending(scheduled));
        }
        self.rebase(session);
        let effective = self.effective_of(self.candidate(session));
        let errors = check_from(&self.schema, &effective, Some(&self.effective));
        if !errors.is_empty() {
            return Ok(Prepared::Refused(errors));
        }
        Ok(Prepared::Ready { tree: self.candidate(session).clone(), effective })
    }

    /// Commits what `prepare` made ready as `version` (or, for a check,
    /// confirms a pending `commit confirmed`, as a check does).
    pub(super) fn finish(
        &mut self,
        session: u64,
        tree: Node,
        effective: Node,
        request: &CommitRequest,
        version: Version,
        hash: Option<u64>,
    ) -> Result<(), AgentError> {
        if request.check {
            self.store.confirm()?;
            self.set_deadline(None);
            return Ok(());
        }
        let private = matches!(self.editors.get(&session).map(|s| &s.mode), Some(Mode::Private(_)));
        let client = if request.client.is_empty() { "cli" } else { &request.client };
        let mut record = record(&request.user, client, &request.comment, version);
        record.confirmed = request.confirmed_minutes;
        record.pending = request.confirmed_minutes.is_some();
        // The shared candidate follows a private commit if it held no changes.
        let follow = private && self.shared == self.committed;
        self.install(tree, effective, record, hash)?;
        if follow {
            self.shared = self.committed.clone();
        }
        if let Some(Session { mode: Mode::Private(p), .. }) = self.editors.get_mut(&session) {
            *p = Private {
                generation: self.generation,
                candidate: self.committed.clone(),
                changes: Vec::new(),
            };
        }
        Ok(())
    }

    /// A configuration the other RE sends with `commit synchronize`:
    /// checked against this RE's own groups, and committed unless only
    /// checked. A check that passes is kept, so that the go (`checked`)
    /// commits it without checking again; the go is refused once anything
    /// else was asked or committed here. Refused over a lock or uncommitted changes unless forced;
    /// forced, it ends other sessions' exclusive locks and private copies.
    /// A commit only ever moves an RE forward: a new one (`newest`) is
    /// committed with a version newer than this RE's, a catch-up is refused
    /// unless its version is newer, or done already when it is the very
    /// configuration this RE has.
    ///
    /// A change (`delta`) is applied to this RE's committed configuration
    /// when that is the one it was made from (same version and hash); else
    /// nothing is done and the change from this RE's own, or the whole
    /// configuration, is asked for.
    pub(super) fn synchronized(&mut self, request: &SynchronizeRequest) -> Result<Synchronized, AgentError> {
        if !request.force {
            if let Some(holder) = self.editors.values().find(|s| matches!(s.mode, Mode::Exclusive)) {
                return Err(locked(holder));
            }
            if self.shared != self.committed {
                return Err(AgentError::Refused("configuration database modified".into()));
            }
        }
        let (tree, effective, version) = match self.checked.take() {
            Some(c) if request.checked && c.hash == request.hash => (c.tree, c.effective, c.version),
            _ if request.checked => {
                return Err(AgentError::Refused(
                    "configuration not checked here, or the committed configuration changed since its check"
                        .into(),
                ));
            }
            _ => {
                let (tree, version) = match self.received(request)? {
                    Received::Done => return Ok(Synchronized::Checked(Vec::new(), self.version)),
                    Received::WholeNeeded => return Ok(Synchronized::WholeNeeded),
                    Received::Configuration(tree, version) => (tree, version),
                };
                let effective = self.effective_of(&tree);
                let errors = check_from(&self.schema, &effective, Some(&self.effective));
                if !errors.is_empty() {
                    return Ok(Synchronized::Checked(errors, self.version));
                }
                (tree, effective, version)
            }
        };
        if request.check {
            let checked =
                Checked { hash: request.hash, tree: tree.clone(), effective: effective.clone(), version };
            self.checked = Some(checked);
        }
        let hash = request.hash;
        let request = CommitRequest {
            check: request.check,
            comment: request.comment.clone(),
            user: request.user.clone(),
            client: request.client.clone(),
            confirmed_minutes: request.confirmed_minutes,
            synchronize: true,
            force: request.force,
            at: None,
        };
        if request.force {
            for session in self.editors.values_mut() {
                session.mode = Mode::Shared;
            }
        }
        // The shared candidate follows before the commit, so that the commit
        // forgets the one saved: it would bring discarded changes back after
        // a crash.
        if (self.shared == self.committed || request.force) && !request.check {
            self.shared = tree.clone();
            self.shared_changes += 1;
        }
        self.finish(0, tree, effective, &request, version, Some(hash))?;
        Ok(Synchronized::Checked(Vec::new(), version))
    }

    /// What a `commit synchronize` from the other RE gives this RE: the
    /// configuration and the version it is committed with, read from the
    /// change or the whole text; or nothing to do.
    fn received(&self, request: &SynchronizeRequest) -> Result<Received, AgentError> {
        let offered = request.version.map(Version::from).unwrap_or_default();
        if !request.check && offered == self.version && request.hash == self.store.hash() {
            return Ok(Received::Done);
        }
        let base = request.base.map(Version::from).unwrap_or_default();
        if request.delta.is_some() && (base != self.version || request.base_hash != self.store.hash()) {
            return Ok(Received::WholeNeeded);
        }
        let version = match offered > self.version {
            true => offered,
            false if request.newest => self.version.next(offered.term, Some(offered)),
            false if request.check => offered,
            false => {
                return Err(AgentError::Refused(format!(
                    "configuration not newer than the one committed ({offered}; committed: {})",
                    self.version
                )));
            }
        };
        let tree = match &request.delta {
            Some(delta) => match Delta::from_wire(delta).apply(&self.committed) {
                Ok(tree) => tree,
                Err(_) => return Ok(Received::WholeNeeded),
            },
            None => {
                let (tree, errors) = parse_text(&self.schema, &request.configuration);
                if let Some(e) = errors.first() {
                    return Err(AgentError::Invalid(format!("line {}: {}", e.line, e.message)));
                }
                tree
            }
        };
        Ok(Received::Configuration(tree, version))
    }

    /// The committed configuration's hash: what a change sent to the other
    /// RE is made from.
    pub(super) fn hash(&self) -> u64 {
        self.store.hash()
    }

    /// The change from the committed configuration to `tree`, and the hash
    /// `tree` has once committed.
    pub(super) fn delta_to(&self, tree: &Node) -> (ConfigDelta, u64) {
        let delta = diff(&self.committed, tree).0.to_wire();
        let hash = chain(self.store.hash(), &prost::Message::encode_to_vec(&delta));
        (delta, hash)
    }

    /// The change to `tree` from the configuration this RE committed as
    /// `version` with `hash` (the other RE's), if the journal still holds
    /// it: the commits since, as one change.
    pub(super) fn delta_from(&self, version: Version, hash: u64, tree: &Node) -> Option<ConfigDelta> {
        let n = self.store.rollback_named(version, hash)?;
        let base = self.store.rollback(n).ok()??;
        Some(diff(&base, tree).0.to_wire())
    }

    /// `commit at`: the shared candidate, checked already, is committed at
    /// `at` as `request`'s user's. Kept on disk, with the candidate, so that
    /// a restart still commits it.
    fn schedule(&mut self, request: &CommitRequest, at: i64) -> Result<(), AgentError> {
        if at <= now() {
            return Err(AgentError::Invalid("commit at: the time has passed".into()));
        }
        let client = if request.client.is_empty() { "cli" } else { &request.client };
        let scheduled = Scheduled {
            at,
            user: request.user.clone(),
            client: client.to_owned(),
            comment: request.comment.clone(),
        };
        let path = self.store.candidate_path();
        (self.shared != self.committed)
            .then(|| write_candidate(&self.schema, &path, &self.shared))
            .transpose()
            .and_then(|written| self.store.save_candidate(written))
            .and_then(|()| self.store.save_scheduled(Some(&scheduled)))
            .map_err(|source| AgentError::Write { what: "keep the pending commit", source })?;
        self.scheduled = Some(scheduled);
        self.schedule_changed.notify_one();
        Ok(())
    }

    /// The `commit at` waiting, if one is.
    pub fn scheduled(&self) -> Option<&Scheduled> {
        self.scheduled.as_ref()
    }

    /// Forgets the `commit at` waiting (`clear system commit`, or its time
    /// came); `None` when none was.
    pub fn unschedule(&mut self) -> Result<Option<Scheduled>, AgentError> {
        if self.scheduled.is_none() {
            return Ok(None);
        }
        self.store.save_scheduled(None)?;
        self.schedule_changed.notify_one();
        Ok(self.scheduled.take())
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

    /// Makes `tree` the committed configuration, on disk first (with its
    /// version, in `record`), and `effective` (what it means on this RE) the
    /// one in effect.
    fn install(
        &mut self,
        tree: Node,
        effective: Node,
        record: CommitRecord,
        hash: Option<u64>,
    ) -> Result<(), AgentError> {
        // What the other RE had checked was checked on the configuration
        // this one replaces: its go is refused from here on.
        self.checked = None;
        let deadline = record.deadline();
        self.changed = record.time;
        let version = record.version.unwrap_or_default();
        self.store
            .commit(&tree, record, hash)
            .map_err(|source| AgentError::Write { what: "write the configuration", source })?;
        self.version = version;
        if tree == self.shared {
            // Committed, the shared candidate holds no changes; one saved
            // before would come back after a crash as changes undoing this
            // commit.
            let _ = self.save_shared(None);
        }
        self.effective = effective;
        self.committed = tree;
        self.generation += 1;
        self.installed.send_replace(self.generation);
        self.set_deadline(deadline);
        // What the configuration before and the change cost is free now.
        super::heap::give_back();
        Ok(())
    }

    fn edition(&self) -> Edition {
        Edition { generation: self.generation, shared_changes: self.shared_changes }
    }

    /// The shared candidate if it changed since it was saved: `None` inside
    /// when it holds no changes, or only an exclusive session's, which go
    /// with the session. The copy costs little: it shares its structure.
    pub(super) fn unsaved_candidate(&self) -> Option<(Edition, Option<Node>)> {
        let edition = self.edition();
        if edition == self.saved {
            return None;
        }
        let exclusive = self.editors.values().any(|s| matches!(s.mode, Mode::Exclusive));
        let changed = !exclusive && self.shared != self.committed;
        Some((edition, changed.then(|| self.shared.clone())))
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

    fn set_deadline(&mut self, deadline: Option<i64>) {
        if self.deadline != deadline {
            self.deadline = deadline;
            self.deadline_changed.notify_one();
        }
    }

    /// The deadline of a `commit confirmed` passed: the configuration before
    /// it is committed again, by `root` via `other`, in mastership `term`.
    /// `true` if it was rolled back.
    pub fn roll_back_unconfirmed(&mut self, now: i64, term: u64) -> anyhow::Result<bool> {
        if self.deadline.is_none_or(|d| d > now) {
            return Ok(false);
        }
        let previous = self.store.rollback(1)?.unwrap_or_else(|| self.committed.clone());
        let effective = self.effective_of(&previous);
        let version = self.version.next(term, None);
        // Uncommitted changes made on top of the unconfirmed commit go with
        // it, the saved candidate too (see `synchronized`).
        self.shared = previous.clone();
        self.shared_changes += 1;
        self.install(previous, effective, record("root", "other", "", version), None)?;
        Ok(true)
    }

    /// The configuration a `show` names: rollback `n`, else the session's
    /// candidate or the committed one.
    fn shown(
        &self,
        session: u64,
        rollback: Option<u32>,
        candidate: bool,
    ) -> Result<Cow<'_, Node>, AgentError> {
        Ok(match rollback {
            Some(n) => Cow::Owned(self.rollback_tree(n)?),
            None if candidate => Cow::Borrowed(self.candidate(session)),
            None => Cow::Borrowed(&self.committed),
        })
    }

    fn rollback_tree(&self, n: u32) -> Result<Node, AgentError> {
        self.store
            .rollback(n as usize)
            .map_err(AgentError::from)?
            .ok_or_else(|| AgentError::NotFound(format!("rollback {n} does not exist")))
    }

    /// `rollback N` (`None`: `rollback rescue`) into the session's candidate.
    fn rollback(&mut self, session: u64, n: Option<u32>) -> Result<(), AgentError> {
        let tree = match n {
            Some(0) => self.committed.clone(),
            Some(n) => self.rollback_tree(n)?,
            None => {
                let text = self.store.rescue()?;
                let text =
                    text.ok_or_else(|| AgentError::NotFound("rescue configuration is not set".into()))?;
                parse_text(&self.schema, &text).0
            }
        };
        *self.candidate_mut(session)? = tree;
        if let Some(Session { mode: Mode::Private(p), .. }) = self.editors.get_mut(&session) {
            // Replayed onto a newer commit, the copy is rollback N again.
            p.changes.clear();
            if n != Some(0) {
                let text = to_text(&self.schema, None, &p.candidate);
                p.changes.push(Change::Load(load_request::Action::Override, text));
            }
        }
        Ok(())
    }

    /// `request system configuration rescue save|delete`.
    fn rescue(&self, delete: bool) -> Result<(), AgentError> {
        let text = if delete { None } else { Some(to_text(&self.schema, None, &self.committed)) };
        Ok(self.store.save_rescue(text.as_deref())?)
    }
}

/// Why the configuration cannot change, or be committed, while a `commit at` waits.
fn pending(scheduled: &Scheduled) -> AgentError {
    AgentError::Refused(format!(
        "commit at {} is pending; 'clear system commit' cancels it",
        DateTime::from_timestamp(scheduled.at, 0)
            .map_or_else(|| scheduled.at.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
    ))
}

/// A path sent as words, read from the top.
fn read(schema: &Schema, words: &[String]) -> Result<Resolved, AgentError> {
    let words: Vec<Word<'_>> = words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
    resolve(schema, &[], &words).map_err(|e| AgentError::Invalid(e.to_string()))
}

/// The path of an edit; `set`, `delete`, `activate` and `deactivate` may
/// name several statements in one line.
fn read_edit(schema: &Schema, edit: &EditRequest) -> Result<Resolved, AgentError> {
    use edit_request::Operation;
    let words: Vec<Word<'_>> = edit.words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
    let several = matches!(
        edit.operation(),
        Operation::Set | Operation::Delete | Operation::Activate | Operation::Deactivate
    );
    let read = if several { resolve_line } else { resolve };
    read(schema, &[], &words).map_err(|e| AgentError::Invalid(e.to_string()))
}

/// What an RE commits at its first start, on top of the factory default.
#[derive(Debug, Clone, Copy, Default)]
pub struct First<'a> {
    /// The startup configuration, Junos text or `set` lines.
    pub startup: Option<&'a str>,
    /// The host-name when the startup configuration sets none (a lab node's name).
    pub host_name: Option<&'a str>,
}

/// The factory default, and the startup configuration on top of it, which
/// must pass the commit check as any commit would.
pub(super) fn first_configuration(schema: &Schema, slot: Slot, given: First<'_>) -> anyhow::Result<Node> {
    let (mut first, _) = parse_text(schema, include_str!("factory.conf"));
    // The configuration says which software wrote it, as Junos's does.
    first.child_entry("version").values = [crate::JUNOS_VERSION].into_iter().collect();
    if let Some(text) = given.startup {
        apply_startup(schema, slot, &mut first, text)?;
    }
    if let Some(name) = given.host_name
        && first.descend(["system", "host-name"]).is_none()
    {
        first.child_entry("system").child_entry("host-name").values = [name].into_iter().collect();
    }
    Ok(first)
}

fn apply_startup(schema: &Schema, slot: Slot, first: &mut Node, text: &str) -> anyhow::Result<()> {
    let is_set = text.lines().map(str::trim_start).any(|l| l.starts_with("set ") || l.starts_with("delete "));
    let errors = if is_set {
        apply_set_lines(schema, first, text)
    } else {
        let (loaded, errors) = parse_text(schema, text);
        first.merge(schema, None, loaded);
        errors
    };
    if let Some(e) = errors.first() {
        anyhow::bail!("startup configuration: line {}, column {}: {}", e.line, e.column, e.message);
    }
    let errors = check_from(schema, &expand(schema, first, slot), None);
    if !errors.is_empty() {
        anyhow::bail!("startup configuration:\n{}", CheckError::report(&errors, true).trim_end());
    }
    Ok(())
}

fn record(user: &str, client: &str, comment: &str, version: Version) -> CommitRecord {
    CommitRecord {
        time: now(),
        user: user.to_owned(),
        client: client.to_owned(),
        comment: comment.to_owned(),
        confirmed: None,
        pending: false,
        version: Some(version),
    }
}

fn load_into(
    schema: &Schema,
    candidate: &mut Node,
    action: load_request::Action,
    text: &str,
) -> Vec<LoadError> {
    match (action, structured_lines(schema, text)) {
        (load_request::Action::Set, _) => apply_set_lines(schema, candidate, text),
        (load_request::Action::Patch, _) => apply_patch(schema, candidate, text),
        (load_request::Action::Update, _) => {
            let mut loaded = Node::default();
            let errors = load_into(schema, &mut loaded, load_request::Action::Override, text);
            update(candidate, loaded);
            errors
        }
        (_, Some(Err(error))) => vec![error],
        (load_request::Action::Override, Some(Ok(lines))) => {
            let mut tree = Node::default();
            let errors = apply_set_lines(schema, &mut tree, &lines);
            *candidate = tree;
            errors
        }
        (_, Some(Ok(lines))) => apply_set_lines(schema, candidate, &lines),
        (load_request::Action::Override, None) => {
            let (tree, errors) = parse_text(schema, text);
            *candidate = tree;
            errors
        }
        // `delete:` statements go; under `load replace`, so do the old
        // contents of `replace:` ones; then the rest merges.
        (action, None) => {
            let (tree, tagged, errors) = parse_tagged(schema, text);
            for tag in tagged.into_iter().filter(|t| t.delete || action == load_request::Action::Replace) {
                let path =
                    Resolved { steps: tag.steps, values: Vec::new(), wanting: None, earlier: Vec::new() };
                candidate.delete(schema, &path);
            }
            candidate.merge(schema, None, tree);
            errors
        }
    }
}

/// `load update`: `candidate` becomes `loaded`, keeping its own nodes where
/// they are equal, so that only what differs is new.
fn update(candidate: &mut Node, loaded: Node) {
    let mut children = crate::config::tree::Children::with_capacity(loaded.children.len());
    for (key, child) in loaded.children {
        let child = match candidate.children.get(&key) {
            Some(old) if *old == child => old.clone(),
            Some(old) => {
                let mut old = (**old).clone();
                update(&mut old, Arc::unwrap_or_clone(child));
                Arc::new(old)
            }
            None => child,
        };
        children.insert(key, child);
    }
    *candidate = Node { children, ..loaded };
}

/// One edit of a candidate: the warning when it changed nothing, or why it
/// was refused. Edits as they are made and private edits replayed at commit
/// both come here.
fn apply_edit(
    schema: &Schema,
    candidate: &mut Node,
    edit: &EditRequest,
    path: &Resolved,
) -> Result<String, AgentError> {
    let (steps, target) = (&path.steps, edit.target.as_str());
    if let Err(refused) = check_protection(candidate, edit.operation(), path) {
        return Ok(refused.to_string());
    }
    let found = match edit.operation() {
        edit_request::Operation::Set => {
            if path.wanting.is_some() {
                return Err(AgentError::Invalid("missing argument.".into()));
            }
            candidate.set(schema, path);
            true
        }
        edit_request::Operation::Delete => candidate.delete(schema, path),
        edit_request::Operation::Deactivate => candidate.set_inactive_all(path, true),
        edit_request::Operation::Activate => candidate.set_inactive_all(path, false),
        edit_request::Operation::Annotate => candidate.annotate(steps, target),
        edit_request::Operation::Protect => candidate.set_protected(steps, true),
        edit_request::Operation::Unprotect => candidate.set_protected(steps, false),
        operation => {
            if let Some(Kind::List { key, .. }) = steps.last().map(|last| &schema.node(last.schema).kind) {
                key.check(target).map_err(AgentError::Invalid)?;
            }
            match operation {
                edit_request::Operation::Rename => candidate.rename(schema, steps, target),
                edit_request::Operation::Copy => candidate.copy(schema, steps, target),
                edit_request::Operation::InsertBefore => candidate.insert(schema, steps, true, target),
                _ => candidate.insert(schema, steps, false, target),
            }
            .map_err(|e| AgentError::Refused(e.to_string()))?;
            true
        }
    };
    Ok(if found { String::new() } else { "statement not found".into() })
}

/// Refuses an edit of a protected statement or of one under it. The copy
/// of an entry changes its list, not the entry; `unprotect` is refused only
/// under a statement protected above it.
fn check_protection(
    candidate: &Node,
    operation: edit_request::Operation,
    path: &Resolved,
) -> Result<(), Protected> {
    use edit_request::Operation;
    let above = &path.steps[..path.steps.len().saturating_sub(1)];
    let verb = match operation {
        Operation::Protect => return Ok(()),
        Operation::Unprotect => return check_edit(candidate, above, "unprotected"),
        Operation::Copy => return check_edit(candidate, above, "modified"),
        Operation::Set => "modified",
        Operation::Delete => "deleted",
        Operation::Deactivate => "deactivated",
        Operation::Activate => "activated",
        Operation::Annotate => "annotated",
        Operation::Rename => "renamed",
        Operation::InsertBefore | Operation::InsertAfter => "moved",
    };
    match operation {
        Operation::Set | Operation::Delete | Operation::Deactivate | Operation::Activate => {
            path.statements().try_for_each(|(steps, _)| check_edit(candidate, steps, verb))
        }
        _ => check_edit(candidate, &path.steps, verb),
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The gRPC face of the database; a synchronized commit goes through the
/// agent, which talks to the other RE.
pub struct ConfigurationService {
    pub agent: Arc<Agent>,
}

/// Whether a commit's reply says it was committed here.
fn committed(reply: &CommitReply) -> bool {
    reply.errors.is_empty()
        && reply.routing_engines.iter().all(|re| re.errors.is_empty() && re.refusal.is_empty())
}

pub(super) fn wire_errors(errors: Vec<CheckError>) -> Vec<CommitError> {
    errors
        .into_iter()
        .map(|e| CommitError {
            path: e.path,
            statement: e.statement,
            message: e.message,
            missing_mandatory: e.missing_mandatory,
        })
        .collect()
}

impl Agent {
    /// Every [`SAVED_EVERY`], off the path of edits and commits: saves the
    /// shared candidate while it changes, and writes the checkpoint the
    /// journal has grown enough for.
    pub(super) async fn save_regularly(self: Arc<Self>) {
        let mut tick = tokio::time::interval(SAVED_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let agent = self.clone();
            let _ = tokio::task::spawn_blocking(move || {
                agent.save_candidate();
                agent.write_checkpoint();
            })
            .await;
        }
    }

    /// Writes the checkpoint due, if one is, with the database unlocked but
    /// to put it in place.
    fn write_checkpoint(&self) {
        let Some(due) = self.config().store.due_checkpoint() else { return };
        if let Err(e) = due.write().and_then(|written| self.config().store.put_checkpoint(written)) {
            // The commits are durable without it; it is tried again.
            eprintln!("{}: cannot write a checkpoint: {e}", self.slot);
        }
    }

    /// Saves the shared candidate if it changed. Its file, the costly part,
    /// is written without the database locked; it is put in place with it,
    /// so that no commit comes between.
    pub(super) fn save_candidate(&self) {
        let (schema, path, unsaved) = {
            let db = self.config();
            (db.schema.clone(), db.store.candidate_path(), db.unsaved_candidate())
        };
        let Some((edition, tree)) = unsaved else { return };
        match tree.map(|tree| write_candidate(&schema, &path, &tree)).transpose() {
            Ok(written) => self.config().save_candidate(edition, written),
            Err(e) => eprintln!("{}: cannot save the candidate configuration: {e}", self.slot),
        }
    }
}

impl Agent {
    /// A commit as `session` asked it (0: of the shared candidate), with
    /// or without the right to change secrets; a `commit at` is checked
    /// and kept for its time.
    pub(super) async fn commit(
        &self,
        session: u64,
        request: CommitRequest,
        secret_control: bool,
    ) -> Result<CommitReply, Status> {
        let _committing = self.committing.lock().await;
        let (prepared, synchronize, before) = blocking(|| {
            let mut db = self.config();
            let prepared = db.prepare(session, &request)?;
            if let Prepared::Ready { tree, .. } = &prepared
                && !secret_control
                && secrets_differ(&db.schema, &db.committed, tree)
            {
                return Err(Status::permission_denied(SECRETS_NEED_CONTROL));
            }
            let synchronize = request.synchronize
                || match &prepared {
                    Prepared::Ready { effective, .. } => db.synchronizes(effective),
                    Prepared::Refused(_) => db.synchronizes(db.effective()),
                };
            Ok::<_, Status>((prepared, synchronize, self.settings_of(db.effective())))
        })?;
        if let Some(at) = request.at {
            return match prepared {
                Prepared::Refused(errors) => {
                    Ok(CommitReply { errors: wire_errors(errors), ..CommitReply::default() })
                }
                Prepared::Ready { .. } => {
                    blocking(|| self.config().schedule(&request, at))?;
                    Ok(CommitReply::default())
                }
            };
        }
        // What the commit asks of mastership, checked with the rest: a
        // handover the other RE cannot take part in refuses the commit.
        let (prepared, after) = match prepared {
            Prepared::Ready { tree, effective } if !request.check => {
                let after = self.settings_of(&effective);
                match self.handover(&before, &after) {
                    Ok(handover) => (Prepared::Ready { tree, effective }, Some((after, handover))),
                    Err(refusal) => (Prepared::Refused(vec![refusal.check_error()]), None),
                }
            }
            prepared => (prepared, None),
        };
        let reply = match prepared {
            Prepared::Refused(errors) if synchronize => CommitReply {
                routing_engines: vec![RoutingEngineCommit {
                    name: self.slot.to_string(),
                    check: true,
                    errors: wire_errors(errors),
                    refusal: String::new(),
                }],
                ..CommitReply::default()
            },
            Prepared::Refused(errors) => {
                CommitReply { errors: wire_errors(errors), ..CommitReply::default() }
            }
            Prepared::Ready { tree, effective } if synchronize => {
                self.commit_synchronized(session, &request, tree, effective).await?
            }
            Prepared::Ready { tree, effective } => blocking(|| {
                let mut db = self.config();
                let version = db.version().next(self.mastership.term(), None);
                db.finish(session, tree, effective, &request, version, None)?;
                Ok::<_, Status>(CommitReply::default())
            })?,
        };
        if let Some((after, handover)) = after
            && committed(&reply)
        {
            self.reconfigured(&before, &after, handover).await;
        }
        Ok(reply)
    }

    /// Commits the pending `commit at` once its time has come: the shared
    /// candidate, as its user's, as a commit of theirs would be made then.
    pub(super) async fn commit_scheduled(&self, scheduled: Scheduled) {
        let request = CommitRequest {
            user: scheduled.user,
            client: scheduled.client,
            comment: scheduled.comment,
            ..CommitRequest::default()
        };
        // Whether its secrets may change was settled when it was scheduled.
        match self.commit(0, request, true).await {
            Ok(reply) if committed(&reply) => {}
            Ok(reply) => eprintln!("{}: commit at failed: {:?}", self.slot, reply),
            Err(e) => eprintln!("{}: commit at failed: {}", self.slot, e.message()),
        }
    }
}

impl ConfigurationService {
    /// The calling session's id; 0 for a caller that did not attach, or that
    /// names a session not its own.
    fn session_of<T>(&self, request: &Request<T>) -> u64 {
        let id = request
            .metadata()
            .get(SESSION_KEY)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let caller = principal_of(request).and_then(|p| p.token.clone());
        match self.agent.sessions.login(id) {
            Some(login) if caller.is_some_and(|token| token == login.token) => id,
            _ => 0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ConfigDb> {
        self.agent.config()
    }

    /// The configuration asked for; a big one takes a while to gather.
    fn configuration_reply(
        &self,
        session: u64,
        r: &GetConfigurationRequest,
        secrets: bool,
    ) -> Result<ConfigurationReply, Status> {
        let db = self.lock();
        let path = db.read(&r.words)?;
        let tree = db.shown(session, r.rollback, r.candidate)?;
        let expanded;
        let tree = if r.inheritance {
            expanded = db.effective_of(&tree);
            &expanded
        } else {
            &*tree
        };
        let mut node = tree.get(&path.steps).cloned().unwrap_or_default();
        if !secrets && !r.keys_only {
            node = conceal(&db.schema, &path.steps, node);
        }
        let root = if r.keys_only { keys_to_wire("", &node) } else { to_wire("", &node) };
        let last_commit = db.store.history().into_iter().next().map(|c| entry(0, c));
        Ok(ConfigurationReply { root: Some(root), last_commit, changed: Some(db.changed) })
    }

    /// What `show configuration` asked for, ready to print without the
    /// database: the statement (shared, not copied) and its stamp.
    fn shown(&self, session: u64, r: &ShowConfigurationRequest) -> Result<Shown, Status> {
        let db = self.lock();
        let path = db.read(&r.words)?;
        let tree = db.shown(session, r.rollback, r.candidate)?;
        let inheritance = match r.inheritance() {
            show_configuration_request::Inheritance::None => None,
            show_configuration_request::Inheritance::Unmarked => Some(Inheritance::Unmarked),
            show_configuration_request::Inheritance::Comments => Some(Inheritance::Comments),
            show_configuration_request::Inheritance::Brief => Some(Inheritance::Brief),
        };
        let node = match inheritance {
            Some(_) => db.effective_of(&tree).get(&path.steps).cloned(),
            None => tree.get(&path.steps).cloned(),
        };
        let stamp = match (r.rollback, r.candidate) {
            (Some(_), _) => None,
            (None, true) => Some(Stamp::Changed { time: db.changed }),
            (None, false) => {
                db.store.history().into_iter().next().map(|c| Stamp::Committed { time: c.time, user: c.user })
            }
        };
        Ok(Shown {
            schema: db.schema.clone(),
            steps: path.steps,
            node: node.unwrap_or_default(),
            stamp,
            inheritance: inheritance.unwrap_or_default(),
            relative_to: r.relative_to as usize,
            detail: r.detail,
        })
    }

    /// `show | compare`; a big difference takes a while to find.
    fn comparison(
        &self,
        session: u64,
        request: &CompareRequest,
        secrets: bool,
    ) -> Result<CompareReply, Status> {
        let (schema, text) = {
            let db = self.lock();
            let shown = db.shown(session, request.shown_rollback, request.candidate)?;
            let text = match request.rollback {
                None | Some(0) => compare(&db.schema, &db.committed, &shown),
                Some(n) => compare(&db.schema, &db.rollback_tree(n)?, &shown),
            };
            (db.schema.clone(), text)
        };
        // A changed secret still shows as changed, its values hidden; masked
        // with the database unlocked.
        let text = if secrets { text } else { conceal_text(&schema, &text) };
        Ok(CompareReply { text })
    }
}

#[tonic::async_trait]
impl Configuration for ConfigurationService {
    async fn open(&self, request: Request<OpenRequest>) -> Result<Response<OpenReply>, Status> {
        let session = self.session_of(&request);
        let login = self
            .agent
            .sessions
            .login(session)
            .ok_or_else(|| Status::failed_precondition("configuration mode needs a logged-in session"))?;
        let mode = request.into_inner().mode();
        Ok(Response::new(self.lock().open_session(session, login, mode)))
    }

    async fn close(&self, request: Request<CloseRequest>) -> Result<Response<CloseReply>, Status> {
        let session = self.session_of(&request);
        self.lock().close_session(session, request.into_inner().discard);
        Ok(Response::new(CloseReply {}))
    }

    async fn set_level(&self, request: Request<SetLevelRequest>) -> Result<Response<SetLevelReply>, Status> {
        let session = self.session_of(&request);
        if let Some(s) = self.lock().editors.get_mut(&session) {
            s.level = request.into_inner().level;
        }
        Ok(Response::new(SetLevelReply {}))
    }

    async fn edit(&self, request: Request<EditRequest>) -> Result<Response<EditReply>, Status> {
        let session = self.session_of(&request);
        let edit = request.into_inner();
        checked(&edit)?;
        let warning = self.lock().edit(session, &edit)?;
        Ok(Response::new(EditReply { warning }))
    }

    async fn edit_stretch(
        &self,
        request: Request<EditStretchRequest>,
    ) -> Result<Response<EditStretchReply>, Status> {
        let session = self.session_of(&request);
        let edits = request.into_inner().edits;
        let mut reply = EditStretchReply::default();
        let mut db = self.lock();
        for (index, edit) in edits.iter().enumerate() {
            match checked(edit).and_then(|()| db.edit(session, edit)) {
                Ok(warning) => reply.warnings.push(warning),
                Err(error) => {
                    let status = Status::from(error);
                    reply.failed = Some(index as u32);
                    reply.code = status.code() as i32;
                    reply.message = status.message().to_owned();
                    break;
                }
            }
        }
        Ok(Response::new(reply))
    }

    async fn get_configuration(
        &self,
        request: Request<GetConfigurationRequest>,
    ) -> Result<Response<ConfigurationReply>, Status> {
        let session = self.session_of(&request);
        let secrets = sees_secrets(&request);
        let r = request.into_inner();
        blocking(|| self.configuration_reply(session, &r, secrets)).map(Response::new)
    }

    type ShowConfigurationStream = ReceiverStream<Result<ConfigurationText, Status>>;

    /// Printed on a thread of its own, without the database, into a short
    /// queue: the first piece leaves as soon as it is printed, and a slow
    /// reader holds the printer back rather than the text piling up.
    async fn show_configuration(
        &self,
        request: Request<ShowConfigurationRequest>,
    ) -> Result<Response<Self::ShowConfigurationStream>, Status> {
        let session = self.session_of(&request);
        let secrets = sees_secrets(&request);
        let r = request.into_inner();
        let form = match r.format() {
            show_configuration_request::Format::Text => Form::Text,
            show_configuration_request::Format::Set => Form::Set,
            show_configuration_request::Format::Json => Form::Json,
        };
        let mut shown = blocking(|| self.shown(session, &r))?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            if !secrets {
                shown.node = conceal(&shown.schema, &shown.steps, std::mem::take(&mut shown.node));
            }
            let mut pieces = Pieces::new(|text| tx.blocking_send(Ok(ConfigurationText { text })).is_ok());
            shown.write(form, &mut pieces);
            pieces.finish();
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn get_status(
        &self,
        request: Request<GetStatusRequest>,
    ) -> Result<Response<ConfigurationStatus>, Status> {
        let session = self.session_of(&request);
        let db = self.lock();
        let editors = db.editors.values().map(editor).collect();
        Ok(Response::new(ConfigurationStatus { changed: db.changed(session), editors }))
    }

    async fn compare(&self, request: Request<CompareRequest>) -> Result<Response<CompareReply>, Status> {
        let session = self.session_of(&request);
        let secrets = sees_secrets(&request);
        let request = request.into_inner();
        blocking(|| self.comparison(session, &request, secrets)).map(Response::new)
    }

    async fn commit(&self, request: Request<CommitRequest>) -> Result<Response<CommitReply>, Status> {
        let session = self.session_of(&request);
        // The commit is recorded as the caller's, whatever name it sends.
        let user = user_of(&request, &request.get_ref().user);
        // Checked here, where every change comes to be committed (edit, load,
        // rollback, NETCONF): `secret` shows secrets, only `secret-control`
        // changes them.
        let secret_control =
            principal_of(&request).is_some_and(|p| p.permissions.allows(Permission::SecretControl));
        let request = CommitRequest { user, ..request.into_inner() };
        // Both are printed by `show system commit`.
        free_of_control(&request.comment).map_err(Status::invalid_argument)?;
        free_of_control(&request.client).map_err(Status::invalid_argument)?;
        self.agent.commit(session, request, secret_control).await.map(Response::new)
    }

    async fn rollback(&self, request: Request<RollbackRequest>) -> Result<Response<RollbackReply>, Status> {
        let session = self.session_of(&request);
        let r = request.into_inner();
        self.lock().rollback(session, (!r.rescue).then_some(r.number))?;
        Ok(Response::new(RollbackReply {}))
    }

    async fn rescue(&self, request: Request<RescueRequest>) -> Result<Response<RescueReply>, Status> {
        let delete = request.into_inner().delete;
        blocking(|| self.lock().rescue(delete))?;
        Ok(Response::new(RescueReply {}))
    }

    async fn load(&self, request: Request<LoadRequest>) -> Result<Response<LoadReply>, Status> {
        let session = self.session_of(&request);
        let r = request.into_inner();
        if r.text.len() > crate::MAX_CONFIGURATION_BYTES {
            return Err(Status::resource_exhausted(format!(
                "configuration too large ({} bytes; at most {})",
                r.text.len(),
                crate::MAX_CONFIGURATION_BYTES
            )));
        }
        let (errors, refused) = blocking(|| self.lock().load(session, r.action(), &r.text))?;
        let warnings = refused.iter().map(ToString::to_string).collect();
        let errors = errors
            .into_iter()
            .map(|e| crate::proto::LoadError {
                line: e.line as u32,
                column: e.column as u32,
                message: e.message,
            })
            .collect();
        Ok(Response::new(LoadReply { errors, warnings }))
    }

    async fn get_commit_information(
        &self,
        _: Request<GetCommitInformationRequest>,
    ) -> Result<Response<CommitInformation>, Status> {
        let (history, scheduled) = {
            let db = self.lock();
            (db.store.history(), db.scheduled.clone())
        };
        let entries = history.into_iter().enumerate().map(|(n, c)| entry(n as u32, c)).collect();
        let pending = scheduled.map(|s| PendingCommit { at: s.at, user: s.user, client: s.client });
        Ok(Response::new(CommitInformation { entries, pending }))
    }

    async fn clear_commit(
        &self,
        _: Request<ClearCommitRequest>,
    ) -> Result<Response<ClearCommitReply>, Status> {
        let cleared = blocking(|| self.lock().unschedule())?.is_some();
        Ok(Response::new(ClearCommitReply { cleared }))
    }
}

/// Whether the caller's class may see secret values (the other RE may).
pub(super) fn sees_secrets<T>(request: &Request<T>) -> bool {
    principal_of(request).is_some_and(|p| p.permissions.sees_secrets())
}

fn entry(sequence: u32, c: CommitRecord) -> CommitEntry {
    CommitEntry {
        sequence,
        time: c.time,
        user: c.user,
        client: c.client,
        comment: c.comment,
        confirmed_minutes: c.confirmed,
        rollback_pending: c.pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::delta::tests::{identical, random_edit};
    use crate::config::random::Rng;
    use crate::config::store::KEPT;

    fn open(dir: &Path, slot: Slot) -> ConfigDb {
        ConfigDb::open(Schema::shipped().unwrap(), slot, dir, First::default()).unwrap()
    }

    /// Commits `tree` unchecked (a random configuration need not pass the
    /// check, which is not what is tested here).
    fn commit(db: &mut ConfigDb, tree: Node, version: Version, hash: Option<u64>) {
        let effective = db.effective_of(&tree);
        db.install(tree, effective, record("lab", "cli", "", version), hash).unwrap();
    }

    /// A commit of this RE's own: the committed configuration changed at
    /// random, as the schema reads it back.
    fn commit_alone(db: &mut ConfigDb, rng: &mut Rng) {
        let tree = edited(db, rng);
        let version = db.version().next(2, None);
        commit(db, tree, version, None);
    }

    fn edited(db: &ConfigDb, rng: &mut Rng) -> Node {
        let mut tree = db.committed.clone();
        for _ in 0..1 + rng.below(3) {
            random_edit(&db.schema, rng, &mut tree);
        }
        parse_text(&db.schema, &db.text_of(&tree)).0
    }

    /// `tree` as `commit synchronize` first offers it: the change from the
    /// master's committed configuration.
    fn offer(master: &ConfigDb, tree: &Node) -> SynchronizeRequest {
        let (delta, hash) = master.delta_to(tree);
        SynchronizeRequest {
            delta: Some(delta),
            base: Some(master.version().into()),
            base_hash: master.hash(),
            hash,
            version: Some(master.version().next(2, None).into()),
            newest: true,
            ..SynchronizeRequest::default()
        }
    }

    fn configuration(received: Received) -> (Node, Version) {
        match received {
            Received::Configuration(tree, version) => (tree, version),
            Received::Done => panic!("nothing to do"),
            Received::WholeNeeded => panic!("the whole asked for"),
        }
    }

    /// What the peer makes of `tree` sent whole, and of it sent as the
    /// change from what it has (offered, then bridged from the master's
    /// journal), where the journal reaches back to it.
    fn both_ways(
        master: &ConfigDb,
        peer: &ConfigDb,
        tree: &Node,
    ) -> ((Node, Version), Option<(Node, Version)>) {
        let offered = offer(master, tree);
        let whole =
            SynchronizeRequest { delta: None, configuration: master.text_of(tree), ..offered.clone() };
        let whole = configuration(peer.received(&whole).unwrap());
        let delta = match peer.received(&offered).unwrap() {
            Received::WholeNeeded => master.delta_from(peer.version(), peer.hash(), tree).map(|delta| {
                let bridged = SynchronizeRequest {
                    delta: Some(delta),
                    base: Some(peer.version().into()),
                    base_hash: peer.hash(),
                    ..offered.clone()
                };
                configuration(peer.received(&bridged).unwrap())
            }),
            received => Some(configuration(received)),
        };
        (whole, delta)
    }

    /// Random commits on the master, some synchronized, most not (the
    /// peer falls behind by several): each synchronized one reaches the
    /// peer as a change, which leaves it with exactly the configuration,
    /// version and hash the whole would, and the master's.
    #[test]
    fn a_change_from_the_journal_leaves_the_peer_as_the_whole_would() {
        for seed in 0..16 {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let (mut master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
            let mut rng = Rng::new(seed);
            for round in 0..6 {
                for _ in 0..rng.below(4) {
                    commit_alone(&mut master, &mut rng);
                }
                let tree = edited(&master, &mut rng);
                let ((whole, whole_version), delta) = both_ways(&master, &peer, &tree);
                let (delta, version) =
                    delta.unwrap_or_else(|| panic!("seed {seed} round {round}: no change"));
                assert!(identical(&delta, &whole), "seed {seed} round {round}");
                assert!(identical(&delta, &tree), "seed {seed} round {round}");
                assert_eq!(version, whole_version);
                let hash = offer(&master, &tree).hash;
                commit(&mut peer, delta, version, Some(hash));
                commit(&mut master, tree, version, Some(hash));
                assert_eq!((peer.version(), peer.hash()), (master.version(), master.hash()));
            }
            assert_eq!(peer.text_of(&peer.committed), master.text_of(&master.committed), "seed {seed}");
        }
    }

    /// A peer that committed on its own, or is older than the master's
    /// journal reaches, is sent the whole, and ends equal.
    #[test]
    fn a_peer_the_journal_cannot_reach_gets_the_whole_and_ends_equal() {
        for seed in 0..8 {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let (mut master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
            let mut rng = Rng::new(seed);
            commit_alone(&mut master, &mut rng);
            match seed % 2 {
                0 => commit_alone(&mut peer, &mut rng),
                _ => (0..KEPT).for_each(|_| commit_alone(&mut master, &mut rng)),
            }
            let tree = edited(&master, &mut rng);
            let ((whole, version), delta) = both_ways(&master, &peer, &tree);
            assert!(delta.is_none(), "seed {seed}: the journal does not reach the peer's");
            assert!(identical(&whole, &tree), "seed {seed}");
            let hash = offer(&master, &tree).hash;
            commit(&mut peer, whole, version, Some(hash));
            commit(&mut master, tree, version, Some(hash));
            assert_eq!(peer.text_of(&peer.committed), master.text_of(&master.committed), "seed {seed}");
            assert_eq!((peer.version(), peer.hash()), (master.version(), master.hash()));
        }
    }

    /// `db`'s committed configuration with `system location floor`, and
    /// what a configuration must have to pass the check.
    fn on_floor(db: &ConfigDb, floor: u32) -> Node {
        let mut tree = db.committed.clone();
        let text = format!(
            "system {{ root-authentication {{ encrypted-password \"$6$salt$hash\"; }} location {{ floor {floor}; }} }}"
        );
        tree.merge(&db.schema, None, parse_text(&db.schema, &text).0);
        tree
    }

    fn passed(synchronized: Result<Synchronized, AgentError>) -> Version {
        match synchronized {
            Ok(Synchronized::Checked(errors, version)) if errors.is_empty() => version,
            Ok(Synchronized::Checked(errors, _)) => panic!("{errors:?}"),
            Ok(Synchronized::WholeNeeded) => panic!("the whole asked for"),
            Err(status) => panic!("{status}"),
        }
    }

    /// The go of a `commit synchronize`: what commits what the check kept.
    fn go(checked: &SynchronizeRequest) -> SynchronizeRequest {
        SynchronizeRequest { check: false, checked: true, delta: None, ..checked.clone() }
    }

    /// The other RE's check commits nothing and keeps what passed; the go
    /// commits it. A go for another configuration, or after anything else
    /// was asked or committed here, is refused and leaves the RE as it was.
    #[test]
    fn the_go_commits_only_what_was_just_checked_on_the_configuration_committed() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
        let unchanged = |peer: &ConfigDb, before: (Version, u64)| {
            assert_eq!((peer.version(), peer.hash()), before);
        };
        let before = (peer.version(), peer.hash());
        let one = SynchronizeRequest { check: true, ..offer(&master, &on_floor(&master, 1)) };
        assert!(peer.synchronized(&go(&one)).is_err(), "nothing checked");
        let version = passed(peer.synchronized(&one));
        unchanged(&peer, before);
        assert_eq!(passed(peer.synchronized(&go(&one))), version);
        assert_eq!((peer.version(), peer.hash()), (version, one.hash));
        assert!(identical(&peer.committed, &on_floor(&master, 1)));
        assert!(peer.synchronized(&go(&one)).is_err(), "committed already");

        let before = (peer.version(), peer.hash());
        let two = SynchronizeRequest { check: true, ..offer(&peer, &on_floor(&peer, 2)) };
        let three = SynchronizeRequest { check: true, ..offer(&peer, &on_floor(&peer, 3)) };
        passed(peer.synchronized(&two));
        assert!(peer.synchronized(&go(&three)).is_err(), "another configuration");
        assert!(peer.synchronized(&go(&two)).is_err(), "asked something else since");
        passed(peer.synchronized(&two));
        passed(peer.synchronized(&three));
        assert!(peer.synchronized(&go(&two)).is_err(), "checked another since");
        unchanged(&peer, before);

        passed(peer.synchronized(&two));
        let version = peer.version().next(2, None);
        let four = on_floor(&peer, 4);
        commit(&mut peer, four, version, None);
        let before = (peer.version(), peer.hash());
        assert!(peer.synchronized(&go(&two)).is_err(), "committed here since");
        unchanged(&peer, before);
    }

    /// A catch-up of what the peer has already is done; one older than
    /// the peer's is refused; a new commit not newer than the peer's takes
    /// the next version after both.
    #[test]
    fn a_commit_only_moves_the_peer_forward() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
        let mut rng = Rng::new(1);
        for _ in 0..3 {
            commit_alone(&mut peer, &mut rng);
        }
        let same = SynchronizeRequest {
            version: Some(peer.version().into()),
            hash: peer.hash(),
            ..SynchronizeRequest::default()
        };
        assert!(matches!(peer.received(&same), Ok(Received::Done)));
        let tree = master.committed.clone();
        let catch_up = SynchronizeRequest {
            newest: false,
            delta: None,
            configuration: master.text_of(&tree),
            ..offer(&master, &tree)
        };
        assert!(peer.received(&catch_up).is_err(), "older than the peer's");
        let (_, version) =
            configuration(peer.received(&SynchronizeRequest { newest: true, ..catch_up }).unwrap());
        assert!(version > peer.version() && version > master.version().next(2, None), "{version}");
    }
}
