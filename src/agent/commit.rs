//! A commit as a client asks it: checked, refused over secrets or a
//! handover the other RE cannot take part in, scheduled, synchronized with
//! the other RE, or made here alone.

use std::sync::Arc;

use tonic::Status;

use super::db::{Commit, Prepared};
use super::synchronize::Offered;
use super::{Agent, blocking};
use crate::config::conceal::secrets_differ;
use crate::config::store::Scheduled;
use crate::config::validate::CheckError;
use crate::proto::{CommitError, CommitReply, RoutingEngineCommit};

/// Why a commit that changes a secret value is refused to a class without
/// `secret-control`.
const SECRETS_NEED_CONTROL: &str = "permission denied: changing secret statements needs secret-control";

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
    /// A commit as `session` asked it (0: of the shared candidate), with
    /// or without the right to change secrets; a `commit at` is checked
    /// and kept for its time.
    pub(super) async fn commit(
        self: &Arc<Self>,
        session: u64,
        request: Commit,
        secret_control: bool,
    ) -> Result<CommitReply, Status> {
        let _committing = self.committing.lock().await;
        let mut early = None;
        let reply = self.commit_checking(session, request, secret_control, &mut early).await;
        // Not taken up: this RE's check failed, or the commit is not
        // synchronized after all.
        if let Some(unused) = early {
            unused.call_off();
        }
        reply
    }

    /// [`Agent::commit`]; `early` is the other RE's check if it was sent
    /// before this RE's own, and taken from there if used.
    async fn commit_checking(
        self: &Arc<Self>,
        session: u64,
        request: Commit,
        secret_control: bool,
        early: &mut Option<Offered>,
    ) -> Result<CommitReply, Status> {
        let (prepared, synchronize, before) = blocking(|| {
            let mut db = self.config();
            // A commit that will likely be synchronized has the other RE
            // check while this RE checks: the two cost one wait, not two.
            // Sent under the same lock as this RE's check, it is of the very
            // candidate checked.
            if request.at.is_none() && (request.synchronize || db.synchronizes(db.effective())) {
                let tree = db.candidate_to_commit(session);
                *early = Some(self.offer_to_peer(&db, &request, tree));
            }
            let prepared = db.prepare(session, &request)?;
            if let Prepared::Ready { tree, .. } = &prepared
                && !secret_control
                && secrets_differ(&db.schema(), db.committed(), tree)
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
                self.commit_synchronized(session, &request, tree, effective, early.take()).await?
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
    pub(super) async fn commit_scheduled(self: &Arc<Self>, scheduled: Scheduled) {
        let request = Commit {
            user: scheduled.user,
            client: scheduled.client,
            comment: scheduled.comment,
            ..Commit::default()
        };
        // Whether its secrets may change was settled when it was scheduled.
        match self.commit(0, request, true).await {
            Ok(reply) if committed(&reply) => {}
            Ok(reply) => eprintln!("{}: commit at failed: {:?}", self.slot, reply),
            Err(e) => eprintln!("{}: commit at failed: {}", self.slot, e.message()),
        }
    }
}
