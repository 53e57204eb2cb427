//! The gRPC face of the configuration database: requests read into the
//! database's own terms, its answers and errors made replies.

use std::sync::Arc;

use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::auth::{principal_of, user_of};
use super::db::{Commit, ConfigDb, Edit, LoadAction, OpenMode, Operation};
use super::error::AgentError;
use super::transfer::file_status;
use super::{Agent, blocking};
use crate::config::compare::compare;
use crate::config::conceal::{conceal, conceal_text};
use crate::config::print::Inheritance;
use crate::config::show::{Form, Pieces, Shown, Stamp};
use crate::config::store::CommitRecord;
use crate::config::wire::{keys_to_wire, to_wire};
use crate::grammar::free_of_control;
use crate::permissions::Permission;
use crate::proto::configuration_server::Configuration;
use crate::proto::{
    ClearCommitReply, ClearCommitRequest, CloseReply, CloseRequest, CommitEntry, CommitInformation,
    CommitReply, CommitRequest, CompareReply, CompareRequest, ConfigurationReply, ConfigurationStatus,
    ConfigurationText, EditReply, EditRequest, EditStretchReply, EditStretchRequest,
    GetCommitInformationRequest, GetConfigurationRequest, GetStatusRequest, LoadReply, LoadRequest,
    OpenReply, OpenRequest, PendingCommit, RescueReply, RescueRequest, RollbackReply, RollbackRequest,
    SetLevelReply, SetLevelRequest, ShowConfigurationRequest, edit_request, load_request, open_request,
    show_configuration_request,
};

/// The metadata entry that names the calling session.
pub const SESSION_KEY: &str = "reshell-session";

/// The gRPC face of the database; a synchronized commit goes through the
/// agent, which talks to the other RE.
pub struct ConfigurationService {
    pub agent: Arc<Agent>,
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
            node = conceal(&db.schema(), &path.steps, node);
        }
        let root = if r.keys_only { keys_to_wire("", &node) } else { to_wire("", &node) };
        let last_commit = db.last_commit().map(|c| entry(0, c));
        Ok(ConfigurationReply { root: Some(root), last_commit, changed: Some(db.last_changed()) })
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
            (None, true) => Some(Stamp::Changed { time: db.last_changed() }),
            (None, false) => db.last_commit().map(|c| Stamp::Committed { time: c.time, user: c.user }),
        };
        Ok(Shown {
            schema: db.schema(),
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
            let schema = db.schema();
            let text = match request.rollback {
                None | Some(0) => compare(&schema, db.committed(), &shown),
                Some(n) => compare(&schema, &db.rollback_tree(n)?, &shown),
            };
            (schema, text)
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
        let mode = OpenMode::from(request.into_inner().mode());
        let opened = self.lock().open_session(session, login, mode);
        let refused = opened.refused.unwrap_or_default();
        Ok(Response::new(OpenReply { refused, editors: opened.editors, changed: opened.changed }))
    }

    async fn close(&self, request: Request<CloseRequest>) -> Result<Response<CloseReply>, Status> {
        let session = self.session_of(&request);
        self.lock().close_session(session, request.into_inner().discard);
        Ok(Response::new(CloseReply {}))
    }

    async fn set_level(&self, request: Request<SetLevelRequest>) -> Result<Response<SetLevelReply>, Status> {
        let session = self.session_of(&request);
        self.lock().set_level(session, request.into_inner().level);
        Ok(Response::new(SetLevelReply {}))
    }

    async fn edit(&self, request: Request<EditRequest>) -> Result<Response<EditReply>, Status> {
        let session = self.session_of(&request);
        let edit = Edit::try_from(request.into_inner())?;
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
        for (index, edit) in edits.into_iter().enumerate() {
            match Edit::try_from(edit).and_then(|edit| db.edit(session, &edit)) {
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
            show_configuration_request::Format::Xml => Form::Xml { depth: usize::from(!r.xml_at_margin) },
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
        let editors = db.editors().collect();
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
        let commit = Commit { user, ..Commit::try_from(request.into_inner())? };
        self.agent.commit(session, commit, secret_control).await.map(Response::new)
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
        let user = user_of(&request, &request.get_ref().user);
        let r = request.into_inner();
        if r.text.len() > crate::MAX_CONFIGURATION_BYTES {
            return Err(Status::resource_exhausted(format!(
                "configuration too large ({} bytes; at most {})",
                r.text.len(),
                crate::MAX_CONFIGURATION_BYTES
            )));
        }
        let action = r.action().into();
        let text = match r.file.as_str() {
            "" => r.text,
            // Read before the database is locked: a big file takes a while.
            file => blocking(|| self.agent.files.read(&user, file)).map_err(file_status)?.1,
        };
        let (errors, refused) = blocking(|| self.lock().load(session, action, &text))?;
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
            (db.history(), db.scheduled().cloned())
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

impl TryFrom<EditRequest> for Edit {
    type Error = AgentError;

    /// What an edit must be before it is read against the schema.
    fn try_from(edit: EditRequest) -> Result<Edit, AgentError> {
        let size = edit.words.iter().map(String::len).sum::<usize>() + edit.target.len();
        if size > crate::MAX_LINE_BYTES {
            return Err(AgentError::Invalid(format!(
                "statement too long ({size} bytes; at most {})",
                crate::MAX_LINE_BYTES
            )));
        }
        // Values are checked against their types; an annotation is free text,
        // but no more able to carry a control character into a listing.
        free_of_control(&edit.target).map_err(AgentError::Invalid)?;
        Ok(Edit { operation: edit.operation().into(), words: edit.words, target: edit.target })
    }
}

impl From<edit_request::Operation> for Operation {
    fn from(operation: edit_request::Operation) -> Operation {
        use edit_request::Operation as Wire;
        match operation {
            Wire::Set => Operation::Set,
            Wire::Delete => Operation::Delete,
            Wire::Deactivate => Operation::Deactivate,
            Wire::Activate => Operation::Activate,
            Wire::Annotate => Operation::Annotate,
            Wire::Rename => Operation::Rename,
            Wire::Copy => Operation::Copy,
            Wire::InsertBefore => Operation::InsertBefore,
            Wire::InsertAfter => Operation::InsertAfter,
            Wire::Protect => Operation::Protect,
            Wire::Unprotect => Operation::Unprotect,
        }
    }
}

impl From<open_request::Mode> for OpenMode {
    fn from(mode: open_request::Mode) -> OpenMode {
        match mode {
            open_request::Mode::Shared => OpenMode::Shared,
            open_request::Mode::Exclusive => OpenMode::Exclusive,
            open_request::Mode::Private => OpenMode::Private,
        }
    }
}

impl From<load_request::Action> for LoadAction {
    fn from(action: load_request::Action) -> LoadAction {
        use load_request::Action as Wire;
        match action {
            Wire::Merge => LoadAction::Merge,
            Wire::Override => LoadAction::Override,
            Wire::Replace => LoadAction::Replace,
            Wire::Set => LoadAction::Set,
            Wire::Update => LoadAction::Update,
            Wire::Patch => LoadAction::Patch,
        }
    }
}

impl TryFrom<CommitRequest> for Commit {
    type Error = AgentError;

    fn try_from(r: CommitRequest) -> Result<Commit, AgentError> {
        // Both are printed by `show system commit`.
        free_of_control(&r.comment).map_err(AgentError::Invalid)?;
        free_of_control(&r.client).map_err(AgentError::Invalid)?;
        Ok(Commit {
            check: r.check,
            user: r.user,
            client: r.client,
            comment: r.comment,
            confirmed_minutes: r.confirmed_minutes,
            synchronize: r.synchronize,
            force: r.force,
            at: r.at,
        })
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
