//! Commits: checked and made, scheduled (`commit at`), and rolled back
//! when a `commit confirmed` is not confirmed in time.

use chrono::DateTime;

use super::{ConfigDb, Mode, Private, Session, locked, now};
use crate::agent::error::AgentError;
use crate::config::store::{CommitRecord, Scheduled, Written};
use crate::config::tree::Node;
use crate::config::validate::{CheckError, check_from};
use crate::config::version::Version;

/// A change whose journal record is this large or larger frees enough for
/// the memory to be given back after it.
const GIVE_BACK_PAST: usize = 1 << 20;

/// A commit as it was asked for.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    /// Check only: nothing is committed.
    pub check: bool,
    pub user: String,
    /// `cli`, `netconf` or `other`; empty for `cli`.
    pub client: String,
    pub comment: String,
    /// `commit confirmed [minutes]`: rolled back unless confirmed in time.
    pub confirmed_minutes: Option<u32>,
    /// `commit synchronize`, or a plain commit where `system commit
    /// synchronize` is configured: on both REs.
    pub synchronize: bool,
    /// `commit synchronize force`: even over the other RE's lock or changes.
    pub force: bool,
    /// `commit at`: checked now, committed at this time (Unix seconds).
    pub at: Option<i64>,
}

/// A commit whose record is on disk, waiting to be published or withdrawn
/// (see [`ConfigDb::record`]).
#[must_use = "a recorded commit is published or withdrawn"]
pub(in crate::agent) struct Recorded {
    session: u64,
    written: Written,
    installing: Installing,
}

/// A configuration on its way to being the committed one.
struct Installing {
    tree: Node,
    effective: Node,
    version: Version,
    deadline: Option<i64>,
    time: i64,
}

/// A commit ready to be made, or the errors that stop it.
// Made once per commit and consumed at once: its size costs nothing.
#[allow(clippy::large_enum_variant)]
pub(in crate::agent) enum Prepared {
    Refused(Vec<CheckError>),
    Ready { tree: Node, effective: Node },
}

impl ConfigDb {
    /// Everything a commit does before it changes anything: the lock, the
    /// candidate brought up to date, and the checks.
    pub(in crate::agent) fn prepare(
        &mut self,
        session: u64,
        request: &Commit,
    ) -> Result<Prepared, AgentError> {
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
    pub(in crate::agent) fn finish(
        &mut self,
        session: u64,
        tree: Node,
        effective: Node,
        request: &Commit,
        version: Version,
        hash: Option<u64>,
    ) -> Result<(), AgentError> {
        if request.check {
            self.store.confirm()?;
            self.set_deadline(None);
            return Ok(());
        }
        let recorded = self.record(session, tree, effective, request, version, hash)?;
        self.publish(recorded);
        Ok(())
    }

    /// The first half of a commit (not a check): its record on disk, and
    /// nothing else changed, while the other RE commits it too. Then it is
    /// [`ConfigDb::publish`]ed, or [`ConfigDb::withdraw`]n if the other RE
    /// did not commit; no other commit comes between.
    pub(in crate::agent) fn record(
        &mut self,
        session: u64,
        tree: Node,
        effective: Node,
        request: &Commit,
        version: Version,
        hash: Option<u64>,
    ) -> Result<Recorded, AgentError> {
        let client = if request.client.is_empty() { "cli" } else { &request.client };
        let mut record = record(&request.user, client, &request.comment, version);
        record.confirmed = request.confirmed_minutes;
        record.pending = request.confirmed_minutes.is_some();
        let (written, installing) = self.write(tree, effective, record, hash)?;
        Ok(Recorded { session, written, installing })
    }

    /// Makes the configuration `record` wrote the committed one.
    pub(in crate::agent) fn publish(&mut self, recorded: Recorded) {
        let Recorded { session, written, installing } = recorded;
        let private = matches!(self.editors.get(&session).map(|s| &s.mode), Some(Mode::Private(_)));
        // The shared candidate follows a private commit if it held no changes.
        let follow = private && self.shared == self.committed;
        self.install_written(Some(written), installing);
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
    }

    /// Takes back what `record` wrote: as if the commit had not been
    /// asked. Returns the configuration it would have committed, and what
    /// it means here. Should the journal not be cut back, the commit is made
    /// after all, as the journal has it, and the error returned.
    pub(in crate::agent) fn withdraw(&mut self, recorded: Recorded) -> Result<(Node, Node), AgentError> {
        let Recorded { written, installing, .. } = recorded;
        match self.store.withdraw(written) {
            Ok(()) => Ok((installing.tree, installing.effective)),
            Err(source) => {
                self.install_written(None, installing);
                Err(AgentError::Write { what: "take back the commit's record", source })
            }
        }
    }

    /// `at` as `request`'s user's. Kept on disk, with the candidate, so that
    /// a restart still commits it.
    pub(in crate::agent) fn schedule(&mut self, request: &Commit, at: i64) -> Result<(), AgentError> {
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
        self.shared_change()
            .map(|saved| saved.write(&path))
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

    /// Makes `tree` the committed configuration, on disk first (with its
    /// version, in `record`), and `effective` (what it means on this RE) the
    /// one in effect.
    pub(super) fn install(
        &mut self,
        tree: Node,
        effective: Node,
        record: CommitRecord,
        hash: Option<u64>,
    ) -> Result<(), AgentError> {
        let (written, installing) = self.write(tree, effective, record, hash)?;
        self.install_written(Some(written), installing);
        Ok(())
    }

    /// `tree`'s record on disk, with its version; nothing else changed yet.
    fn write(
        &mut self,
        tree: Node,
        effective: Node,
        record: CommitRecord,
        hash: Option<u64>,
    ) -> Result<(Written, Installing), AgentError> {
        let (version, deadline, time) = (record.version.unwrap_or_default(), record.deadline(), record.time);
        let written = self
            .store
            .write(&tree, record, hash)
            .map_err(|source| AgentError::Write { what: "write the configuration", source })?;
        Ok((written, Installing { tree, effective, version, deadline, time }))
    }

    /// Makes the configuration written the committed one and the one in
    /// effect: the store's `written` record too, unless the store made it
    /// so already.
    fn install_written(&mut self, written: Option<Written>, installing: Installing) {
        let Installing { tree, effective, version, deadline, time } = installing;
        // What the other RE had checked was checked on the configuration
        // this one replaces: its go is refused from here on.
        self.checked = None;
        self.changed = time;
        let change = written.map_or(0, |written| self.store.publish(written));
        self.version = version;
        if tree == self.shared {
            // Committed, the shared candidate holds no changes; one saved
            // before would come back after a crash as changes undoing this
            // commit.
            let _ = self.save_shared(None);
        }
        let replaced =
            (std::mem::replace(&mut self.effective, effective), std::mem::replace(&mut self.committed, tree));
        self.generation += 1;
        self.installed.send_replace(self.generation);
        self.set_deadline(deadline);
        // What only the configuration before held is freed off the commit's
        // way: a node of a large list it replaced holds as many children,
        // each a miss of the cache to let go. Giving memory back walks the
        // whole heap (0.1-0.4 ms at a million lines): a small change is not
        // worth it.
        let give_back = change >= GIVE_BACK_PAST;
        free_later(move || {
            drop(replaced);
            if give_back {
                crate::heap::give_back();
            }
        });
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
}

/// Why the configuration cannot change, or be committed, while a `commit at` waits.
pub(super) fn pending(scheduled: &Scheduled) -> AgentError {
    AgentError::Refused(format!(
        "commit at {} is pending; 'clear system commit' cancels it",
        DateTime::from_timestamp(scheduled.at, 0)
            .map_or_else(|| scheduled.at.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
    ))
}

pub(super) fn record(user: &str, client: &str, comment: &str, version: Version) -> CommitRecord {
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

/// Runs `free` on one of the runtime's blocking threads, or here outside a
/// runtime.
fn free_later(free: impl FnOnce() + Send + 'static) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn_blocking(free)),
        Err(_) => free(),
    }
}
