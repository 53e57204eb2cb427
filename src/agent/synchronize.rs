//! `commit synchronize`: one commit on both Routing Engines. A change
//! from the configuration both REs have (the usual one) goes to the other
//! RE once this RE's check passed, as a commit, while this RE writes its
//! own record: one call and one wait for a disk. Anything larger has the
//! other RE check while this RE checks too (the costly part, done once);
//! then the other commits what it checked (a cheap go) while this RE
//! writes its record. Either way this RE commits once the other has, so
//! `commit complete` is said for each RE only once both have the
//! configuration on disk, and a commit the other RE refuses takes this
//! RE's record back. The other RE makes a commit only while this RE still
//! waits: the go is sent only then, and a commit sent at once is refused
//! there once its time ([`COMMIT_WITHIN`]) has passed, well before this RE
//! gives up; so an RE that took too long never commits what this RE gave
//! up on, nor what this RE's own check refused. The other RE gets the
//! change from the configuration it has: this RE's, or one this RE's
//! journal reaches back to; only past that, the whole configuration. An
//! RE that is not there is caught up when it is heard from again, unless
//! it went on to a newer configuration meanwhile; an RE that is there but
//! stops answering fails the commit everywhere.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::task::JoinHandle;
use tonic::Status;

use super::commit::wire_errors;
use super::db::{Asked, Commit, ConfigDb, Offer, Recorded, Sent, Synchronize, Synchronized};
use super::mastership::KEEPALIVE_INTERVAL;
use super::{Agent, blocking};
use crate::config::delta::Delta;
use crate::config::tree::Node;
use crate::config::version::Version;
use crate::proto::{CommitReply, ConfigDelta, RoutingEngineCommit, SynchronizeReply, SynchronizeRequest};

/// How long the other RE may go without a keepalive answered before a
/// call that waits on it is given up: it answers one every second, each
/// allowed the peer timeout (2 s).
const PEER_SILENCE: Duration = Duration::from_secs(3);

/// How long the other RE has to make a commit sent without a check
/// before it: well within [`PEER_SILENCE`], the least this RE waits for
/// its answer before giving up.
const COMMIT_WITHIN: Duration = Duration::from_secs(1);

impl Agent {
    /// The other RE's part in committing `tree`, the candidate `request`
    /// commits. A change from the configuration both REs have goes once
    /// this RE's check passed, as a commit: one call to the other RE. Any
    /// other (the whole, a check, an RE known to be behind) has the other
    /// RE check while this RE checks too, sent at once; a go follows.
    pub(super) fn offer_to_peer(self: &Arc<Self>, db: &ConfigDb, request: &Commit, tree: Node) -> Offered {
        let (delta, hash) = db.delta_to(&tree);
        // A change as large as the configuration goes whole, at once.
        let delta = delta.worth_sending(&tree).then(|| delta.to_wire());
        let at_once = delta.is_some() && !request.check && !db.peer_behind();
        let (base, base_hash) = (db.version(), db.hash());
        let offered = base.next(self.mastership.term(), None);
        let ask = SynchronizeRequest {
            from_slot: self.slot.number(),
            delta,
            base: Some(base.into()),
            base_hash,
            hash,
            configuration: String::new(),
            check: true,
            force: request.force,
            user: request.user.clone(),
            comment: request.comment.clone(),
            confirmed_minutes: request.confirmed_minutes,
            client: request.client.clone(),
            version: Some(offered.into()),
            newest: true,
            checked: false,
            commit_by: 0,
        };
        let checking = (!at_once).then(|| self.check_on_peer(ask.clone(), tree));
        Offered { ask, hash, offered, checking }
    }

    /// Has the other RE check `asked`, of `tree`, with `offered` or a
    /// version newer than both REs' that it names, and keep what it checked
    /// for the go.
    fn check_on_peer(
        self: &Arc<Self>,
        asked: SynchronizeRequest,
        tree: Node,
    ) -> JoinHandle<Result<SynchronizeReply, Status>> {
        let agent = Arc::clone(self);
        tokio::spawn(async move { agent.synchronize_peer(asked, &tree).await })
    }

    /// Commits `tree` (checked here already) on both REs, or on this one
    /// alone with a warning when the other is not there; `early`, the
    /// other RE's part if it was made ready already. The caller holds the
    /// database lock.
    pub(super) async fn commit_synchronized(
        self: &Arc<Self>,
        session: u64,
        request: &Commit,
        tree: Node,
        effective: Node,
        early: Option<Offered>,
    ) -> Result<CommitReply, Status> {
        let (local, other) = (self.slot.to_string(), self.slot.other().to_string());
        let mut steps = vec![step(&local, true)];
        let Offered { ask, hash, offered, checking } = match early {
            Some(offer) => offer,
            None => blocking(|| self.offer_to_peer(&self.config(), request, tree.clone())),
        };
        let (checking, tree, effective) = match checking {
            Some(checking) => (checking, tree, effective),
            None => {
                match self.commit_at_once(session, request, &ask, (tree, effective), steps.clone()).await? {
                    AtOnce::Made(reply) => return Ok(reply),
                    AtOnce::NotMade(tree, effective) => {
                        (self.check_on_peer(ask.clone(), tree.clone()), tree, effective)
                    }
                }
            }
        };
        let checked = answered(checking).await;
        let version = match peer_answer(checked, step(&other, true), offered) {
            PeerAnswer::Agreed(version) => version,
            PeerAnswer::Refused(refused) => {
                steps.push(refused);
                return Ok(CommitReply { routing_engines: steps, ..CommitReply::default() });
            }
            PeerAnswer::Away(status) => {
                return self.commit_alone(session, request, tree, effective, offered, &status);
            }
        };
        if request.check {
            steps.push(step(&other, true));
            blocking(|| self.config().finish(session, tree, effective, request, version, Some(hash)))?;
            return Ok(CommitReply { routing_engines: steps, ..CommitReply::default() });
        }
        let go = SynchronizeRequest { check: false, checked: true, delta: None, ..ask };
        let (recorded, answer) =
            self.recorded_while_sent(go, session, request, (tree, effective), version, hash).await?;
        self.settle(session, request, recorded, answer, step(&other, false), version, steps)
    }

    /// Sends `ask` to the other RE as a commit of `configuration` (the
    /// tree and its effective form), to be made there only before
    /// [`COMMIT_WITHIN`] has passed, while this RE writes its own record:
    /// the two commits cost one wait for a disk. Nothing is done there
    /// when it has another configuration than the change was made from, or
    /// the commit reached it too late: this RE's record is then taken
    /// back, for the check to go first. `steps`, this RE's so far.
    async fn commit_at_once(
        self: &Arc<Self>,
        session: u64,
        request: &Commit,
        ask: &SynchronizeRequest,
        (tree, effective): (Node, Node),
        steps: Vec<RoutingEngineCommit>,
    ) -> Result<AtOnce, Status> {
        let (hash, offered) = (ask.hash, ask.version.map(Version::from).unwrap_or_default());
        let commit_by = unix_millis(SystemTime::now() + COMMIT_WITHIN);
        let sent = SynchronizeRequest { check: false, commit_by, ..ask.clone() };
        let (recorded, answer) =
            self.recorded_while_sent(sent, session, request, (tree, effective), offered, hash).await?;
        if matches!(&answer, Ok(reply) if reply.whole_needed || reply.late) {
            let (tree, effective) = blocking(|| self.config().withdraw(recorded))?;
            return Ok(AtOnce::NotMade(tree, effective));
        }
        let asked = step(&self.slot.other().to_string(), true);
        self.settle(session, request, recorded, answer, asked, offered, steps).map(AtOnce::Made)
    }

    /// Sends `sent`, a commit, to the other RE while this RE writes its
    /// own record of `configuration` with `version`: the two commits cost
    /// one wait for a disk, not one after the other. The record, and the
    /// other RE's answer.
    async fn recorded_while_sent(
        self: &Arc<Self>,
        sent: SynchronizeRequest,
        session: u64,
        request: &Commit,
        (tree, effective): (Node, Node),
        version: Version,
        hash: u64,
    ) -> Result<(Recorded, Result<SynchronizeReply, Status>), Status> {
        let agent = Arc::clone(self);
        let sending = tokio::spawn(async move {
            agent.while_peer_answers(agent.peer_synchronizing.clone().synchronize(sent)).await
        });
        let recorded =
            blocking(|| self.config().record(session, tree, effective, request, version, Some(hash)))?;
        let waiting = Unanswered { agent: self, recorded: Some(recorded) };
        let answer = answered(sending).await;
        Ok((waiting.answered(), answer))
    }

    /// This RE's `recorded` commit, once the other RE answered its own
    /// (`asked`, the step that names it): published when the other RE
    /// committed, taken back when it refused, made here alone when it is
    /// away; `steps`, this RE's so far.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        session: u64,
        request: &Commit,
        recorded: Recorded,
        answer: Result<SynchronizeReply, Status>,
        asked: RoutingEngineCommit,
        version: Version,
        mut steps: Vec<RoutingEngineCommit>,
    ) -> Result<CommitReply, Status> {
        let (local, other) = (self.slot.to_string(), self.slot.other().to_string());
        match peer_answer(answer, asked, version) {
            PeerAnswer::Agreed(_) => {
                blocking(|| {
                    let mut db = self.config();
                    db.publish(recorded);
                    db.set_peer_behind(false);
                });
                steps.extend([step(&other, false), step(&local, false)]);
                Ok(CommitReply { routing_engines: steps, ..CommitReply::default() })
            }
            PeerAnswer::Refused(refused) => {
                blocking(|| self.config().withdraw(recorded))?;
                steps.push(refused);
                Ok(CommitReply { routing_engines: steps, ..CommitReply::default() })
            }
            PeerAnswer::Away(status) => {
                let (tree, effective) = blocking(|| self.config().withdraw(recorded))?;
                self.commit_alone(session, request, tree, effective, version, &status)
            }
        }
    }

    /// The other RE is away: the commit goes ahead here, and the other RE
    /// gets the configuration when it is back. Its version is newer than the
    /// one `offered` to the other RE by this commit's check, which was newer
    /// than the other RE's own: a version only this RE's may fall below
    /// the other RE's, which would then never be caught up.
    fn commit_alone(
        &self,
        session: u64,
        request: &Commit,
        tree: Node,
        effective: Node,
        offered: Version,
        status: &Status,
    ) -> Result<CommitReply, Status> {
        blocking(|| {
            let mut db = self.config();
            let version = db.version().next(self.mastership.term(), Some(offered));
            db.finish(session, tree, effective, request, version, None)?;
            if !request.check {
                db.set_peer_behind(true);
            }
            Ok::<_, Status>(())
        })?;
        Ok(CommitReply {
            warnings: vec![
                format!("Could not connect to {} : {}", self.slot.other(), crate::status_reason(status)),
                "Cannot connect to other RE, ignoring it".into(),
            ],
            ..CommitReply::default()
        })
    }

    /// Sends `asked` to the other RE as a change; when the other RE has
    /// another configuration than the one the change was made from, sends
    /// the change from the one it has if this RE's journal reaches back to
    /// it, else `tree` whole, in pieces. An offer without a change (one
    /// not worth sending, [`Delta::worth_sending`]) goes whole at once. A
    /// catch-up (not `newest`) goes no further when the other RE has a
    /// configuration as new as the one sent: the reply asking for the whole
    /// says so.
    async fn synchronize_peer(
        &self,
        asked: SynchronizeRequest,
        tree: &Node,
    ) -> Result<SynchronizeReply, Status> {
        if asked.delta.is_none() {
            return self.synchronize_whole(asked, tree).await;
        }
        let reply =
            self.while_peer_answers(self.peer_synchronizing.clone().synchronize(asked.clone())).await?;
        if !reply.whole_needed {
            return Ok(reply);
        }
        let theirs = reply.version.map(Version::from).unwrap_or_default();
        let sent = asked.version.map(Version::from).unwrap_or_default();
        if !asked.newest && theirs >= sent {
            return Ok(reply);
        }
        let bridge = blocking(|| {
            let delta = self.config().delta_from(theirs, reply.hash, tree)?;
            delta.worth_sending(tree).then(|| delta.to_wire())
        });
        if let Some(delta) = bridge {
            let bridged = SynchronizeRequest {
                delta: Some(delta),
                base: Some(theirs.into()),
                base_hash: reply.hash,
                ..asked.clone()
            };
            let reply = self.while_peer_answers(self.peer_synchronizing.clone().synchronize(bridged)).await?;
            // Moved on meanwhile (it committed on its own): the whole goes.
            if !reply.whole_needed {
                return Ok(reply);
            }
        }
        self.synchronize_whole(asked, tree).await
    }

    /// `asked` with the whole configuration `tree` in its place, in text,
    /// sent in pieces.
    async fn synchronize_whole(
        &self,
        asked: SynchronizeRequest,
        tree: &Node,
    ) -> Result<SynchronizeReply, Status> {
        let text = blocking(|| self.config().text_of(tree));
        let mut pieces: Vec<SynchronizeRequest> = pieces(&text)
            .map(|piece| SynchronizeRequest {
                configuration: piece.to_owned(),
                ..SynchronizeRequest::default()
            })
            .collect();
        let first = if pieces.is_empty() { String::new() } else { pieces.remove(0).configuration };
        let whole =
            SynchronizeRequest { configuration: first, delta: None, base: None, base_hash: 0, ..asked };
        pieces.insert(0, whole);
        let stream = tokio_stream::iter(pieces);
        self.while_peer_answers(self.peer_synchronizing.clone().synchronize_whole(stream)).await
    }

    /// `commit synchronize` from the other RE. Refused while this RE
    /// commits, rather than waited for: its commit may itself be waiting
    /// on the other RE.
    pub(super) fn synchronized(&self, request: SynchronizeRequest) -> Result<SynchronizeReply, Status> {
        let Ok(_committing) = self.committing.try_lock() else {
            return Err(Status::failed_precondition("configuration database locked by a commit in progress"));
        };
        let (reply, before, after) = blocking(|| {
            // Read before the database is locked: a change is rebuilt from its wire form.
            let request = Synchronize::from(request);
            let mut db = self.config();
            let before = self.settings_of(db.effective());
            let reply = match db.synchronized(&request)? {
                Synchronized::Checked(errors, version) => SynchronizeReply {
                    errors: wire_errors(errors),
                    version: Some(version.into()),
                    hash: db.hash(),
                    ..SynchronizeReply::default()
                },
                Synchronized::WholeNeeded => SynchronizeReply {
                    whole_needed: true,
                    version: Some(db.version().into()),
                    hash: db.hash(),
                    ..SynchronizeReply::default()
                },
                Synchronized::Late => SynchronizeReply {
                    late: true,
                    version: Some(db.version().into()),
                    hash: db.hash(),
                    ..SynchronizeReply::default()
                },
            };
            Ok::<_, Status>((reply, before, self.settings_of(db.effective())))
        })?;
        // The RE that commits hands mastership over if the commit asks it
        // to; here the new role is only logged (and `disabled` taken).
        if after.role(self.slot) != before.role(self.slot) {
            self.mastership.configured(&after);
        }
        Ok(reply)
    }

    /// A call to the other RE that takes as long as it needs while the
    /// other RE answers keepalives, and fails once it has gone silent: a
    /// large transfer goes on, a frozen peer stalls nothing for long.
    async fn while_peer_answers<T>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, Status>>,
    ) -> Result<T, Status> {
        let asked = Instant::now();
        let silent = async {
            loop {
                let heard = self.mastership.last_heard().max(asked);
                match PEER_SILENCE.checked_sub(heard.elapsed()) {
                    Some(left) if !left.is_zero() => tokio::time::sleep(left).await,
                    _ => return,
                }
            }
        };
        tokio::select! {
            answer = self.to_peer(call) => answer,
            () = silent => Err(Status::aborted(format!(
                "{} is not answering (no keepalives for {} seconds)",
                self.slot.other(),
                PEER_SILENCE.as_secs()
            ))),
        }
    }

    /// Sends the committed configuration to the other RE while it is behind
    /// (it missed a synchronized commit), each second that it is heard.
    pub(super) async fn keep_peer_caught_up(&self) {
        let mut ticks = tokio::time::interval(KEEPALIVE_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Looked at before the commit lock is taken: held each second
            // for nothing, it would refuse the other RE's synchronized
            // commits that came meanwhile. (`catch_up_peer` looks again
            // under the lock.)
            if self.mastership.last_heard().elapsed() < PEER_SILENCE
                && blocking(|| self.config().peer_behind())
                && let Ok(_committing) = self.committing.try_lock()
            {
                self.catch_up_peer().await;
            }
        }
    }

    /// Called with the database lock held, so no commit comes between the
    /// configuration sent and the mark cleared. Sent as one commit, the
    /// change from what the other RE has where this RE's journal reaches
    /// back to it: one that went on without this RE (it took over and
    /// committed) is not behind, and is left as it is.
    async fn catch_up_peer(&self) {
        let Some((tree, mine, hash)) = blocking(|| {
            let db = self.config();
            db.peer_behind().then(|| (db.committed().clone(), db.version(), db.hash()))
        }) else {
            return;
        };
        let ask = SynchronizeRequest {
            from_slot: self.slot.number(),
            delta: Some(ConfigDelta::default()),
            base: Some(mine.into()),
            base_hash: hash,
            hash,
            user: "root".into(),
            comment: format!("synchronized from {}", self.slot),
            version: Some(mine.into()),
            ..SynchronizeRequest::default()
        };
        // Refused (its candidate is being edited, or it is committing): tried again in a second.
        let Ok(reply) = self.synchronize_peer(ask, &tree).await else { return };
        if reply.whole_needed {
            let theirs = reply.version.map(Version::from).unwrap_or_default();
            self.log_message(
                "mgd",
                &format!(
                    "{} has a configuration newer ({theirs}) than this RE's ({mine}): it is not caught up",
                    self.slot.other()
                ),
            );
        }
        if reply.errors.is_empty() {
            self.config().set_peer_behind(false);
        }
    }
}

/// A configuration offered to the other RE, whose check is under way.
pub(super) struct Offered {
    ask: SynchronizeRequest,
    /// What the committed configuration's hash will be.
    hash: u64,
    /// The version asked for.
    offered: Version,
    /// The other RE's check, under way; none for a change sent as a
    /// commit once this RE's check passed.
    checking: Option<JoinHandle<Result<SynchronizeReply, Status>>>,
}

impl Offered {
    /// Gives up an offer not taken up: a transfer still under way stops,
    /// and what the other RE checked is never committed (no go follows).
    pub(super) fn call_off(self) {
        if let Some(checking) = self.checking {
            checking.abort();
        }
    }
}

/// A commit sent to the other RE at once.
enum AtOnce {
    /// Made or refused there, and settled here.
    Made(CommitReply),
    /// Not made there (another configuration, or too late); this RE's
    /// record taken back.
    NotMade(Node, Node),
}

/// One RE's step in the reply: its check, or its commit.
fn step(name: &str, check: bool) -> RoutingEngineCommit {
    RoutingEngineCommit { name: name.to_owned(), check, ..Default::default() }
}

fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The answer of a call to the other RE made in a task of its own.
async fn answered(call: JoinHandle<Result<SynchronizeReply, Status>>) -> Result<SynchronizeReply, Status> {
    call.await.unwrap_or_else(|e| Err(Status::internal(format!("commit synchronize: {e}"))))
}

/// What the other RE made of a check or a go.
enum PeerAnswer {
    /// Done, with the version it has (or would commit with).
    Agreed(Version),
    /// Errors or a refusal, in the step of the reply that names it.
    Refused(RoutingEngineCommit),
    /// Not there: the commit goes ahead here alone.
    Away(Status),
}

/// `answer` to the step `asked` (a check or a commit of the other RE);
/// `offered` is the version it was asked to commit with.
fn peer_answer(
    answer: Result<SynchronizeReply, Status>,
    asked: RoutingEngineCommit,
    offered: Version,
) -> PeerAnswer {
    match answer {
        Ok(SynchronizeReply { errors, version, .. }) if errors.is_empty() => {
            PeerAnswer::Agreed(version.map(Version::from).unwrap_or(offered))
        }
        Ok(SynchronizeReply { errors, .. }) => PeerAnswer::Refused(RoutingEngineCommit { errors, ..asked }),
        Err(status) if crate::is_unreachable(&status) => PeerAnswer::Away(status),
        Err(status) => {
            PeerAnswer::Refused(RoutingEngineCommit { refusal: status.message().to_owned(), ..asked })
        }
    }
}

/// A commit recorded here while the other RE's answer to its commit is
/// awaited. Should the wait be given up (the client went away), the
/// record is taken back: the store is never left with one unpublished.
struct Unanswered<'a> {
    agent: &'a Agent,
    recorded: Option<Recorded>,
}

impl Unanswered<'_> {
    fn answered(mut self) -> Recorded {
        self.recorded.take().unwrap_or_else(|| unreachable!("taken only here"))
    }
}

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        if let Some(recorded) = self.recorded.take()
            && let Err(e) = blocking(|| self.agent.config().withdraw(recorded))
        {
            eprintln!("{}: {e}", self.agent.slot);
        }
    }
}

impl From<SynchronizeRequest> for Synchronize {
    fn from(r: SynchronizeRequest) -> Synchronize {
        let asked = if r.checked {
            Asked::Go
        } else {
            let sent = match &r.delta {
                Some(delta) => Sent::Change {
                    delta: Delta::from_wire(delta),
                    base: r.base.map(Version::from).unwrap_or_default(),
                    base_hash: r.base_hash,
                },
                None => Sent::Whole(r.configuration),
            };
            let version = r.version.map(Version::from).unwrap_or_default();
            Asked::Offer(Offer { version, newest: r.newest, sent })
        };
        let commit = Commit {
            check: r.check,
            user: r.user,
            client: r.client,
            comment: r.comment,
            confirmed_minutes: r.confirmed_minutes,
            synchronize: true,
            force: r.force,
            at: None,
        };
        let commit_by =
            (r.commit_by != 0).then(|| SystemTime::UNIX_EPOCH + Duration::from_millis(r.commit_by));
        Synchronize { commit, hash: r.hash, asked, commit_by }
    }
}

/// How much of a whole configuration goes in one message.
const PIECE_BYTES: usize = 1 << 20;

/// `text` in pieces of about `PIECE_BYTES`, each cut at a character's edge.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut cut = PIECE_BYTES.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, after) = rest.split_at(cut);
        rest = after;
        Some(piece)
    })
}
