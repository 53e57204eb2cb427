//! The configuration database of this Routing Engine: the candidate that its
//! configuration sessions share, commits, rollbacks and history. The agent
//! reads every edit against the schema itself; the shell's own reading is
//! only for fast feedback.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tonic::{Request, Response, Status};

use crate::config::compare::compare;
use crate::config::load::{LoadError, apply_set_lines, parse_text};
use crate::config::path::{Resolved, Word, resolve};
use crate::config::schema::Schema;
use crate::config::store::{CommitRecord, Store};
use crate::config::tree::{Node, to_text};
use crate::config::validate::{CheckError, check};
use crate::config::wire::to_wire;
use crate::proto::configuration_server::Configuration;
use crate::proto::{
    CommitEntry, CommitError, CommitInformation, CommitReply, CommitRequest, CompareReply, CompareRequest,
    ConfigurationReply, EditReply, EditRequest, GetCommitInformationRequest, GetConfigurationRequest,
    LoadReply, LoadRequest, RollbackReply, RollbackRequest, edit_request, load_request,
};
use crate::proto::{ConfigurationStatus, GetStatusRequest};

pub struct ConfigDb {
    schema: Arc<Schema>,
    store: Store,
    committed: Node,
    candidate: Node,
}

impl ConfigDb {
    /// Opens the RE's configuration, committing the factory default on first start.
    pub fn open(schema: Arc<Schema>, state_dir: &Path) -> anyhow::Result<ConfigDb> {
        let store = Store::open(state_dir).context("cannot open the configuration store")?;
        let committed = match store.rollback(0)? {
            Some(text) => parse_text(&schema, &text).0,
            None => {
                let (factory, _) = parse_text(&schema, include_str!("factory.conf"));
                let record = CommitRecord {
                    time: now(),
                    user: "root".into(),
                    client: "other".into(),
                    comment: String::new(),
                };
                store.commit(&to_text(&schema, None, &factory), record)?;
                factory
            }
        };
        Ok(ConfigDb { schema, store, candidate: committed.clone(), committed })
    }

    pub fn committed(&self) -> &Node {
        &self.committed
    }

    fn read(&self, words: &[String]) -> Result<Resolved, Status> {
        let words: Vec<Word<'_>> = words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
        resolve(&self.schema, &[], &words).map_err(|e| Status::invalid_argument(e.to_string()))
    }

    fn edit(&mut self, operation: edit_request::Operation, words: &[String]) -> Result<String, Status> {
        let path = self.read(words)?;
        match operation {
            edit_request::Operation::Set => {
                if path.wanting.is_some() {
                    return Err(Status::invalid_argument("missing argument."));
                }
                self.candidate.set(&self.schema, &path);
                Ok(String::new())
            }
            edit_request::Operation::Delete => {
                if self.candidate.delete(&self.schema, &path) {
                    Ok(String::new())
                } else {
                    Ok("statement not found".into())
                }
            }
        }
    }

    fn commit(&mut self, request: &CommitRequest) -> Result<Vec<CheckError>, Status> {
        let errors = check(&self.schema, &self.candidate);
        if !errors.is_empty() || request.check {
            return Ok(errors);
        }
        let record = CommitRecord {
            time: now(),
            user: request.user.clone(),
            client: if request.client.is_empty() { "cli".into() } else { request.client.clone() },
            comment: request.comment.clone(),
        };
        let text = to_text(&self.schema, None, &self.candidate);
        self.store
            .commit(&text, record)
            .map_err(|e| Status::internal(format!("could not write the configuration: {e}")))?;
        self.committed = self.candidate.clone();
        Ok(Vec::new())
    }

    fn rollback_tree(&self, n: u32) -> Result<Node, Status> {
        let text = self
            .store
            .rollback(n as usize)
            .map_err(|e| Status::internal(e.to_string()))?
            .ok_or_else(|| Status::not_found(format!("rollback {n} does not exist")))?;
        Ok(parse_text(&self.schema, &text).0)
    }

    fn load(&mut self, action: load_request::Action, text: &str) -> Vec<LoadError> {
        match action {
            load_request::Action::Set => apply_set_lines(&self.schema, &mut self.candidate, text),
            load_request::Action::Override => {
                let (tree, errors) = parse_text(&self.schema, text);
                self.candidate = tree;
                errors
            }
            // `replace:` tags are not read yet, so `load replace` merges.
            load_request::Action::Merge | load_request::Action::Replace => {
                let (tree, errors) = parse_text(&self.schema, text);
                self.candidate.merge(&self.schema, None, tree);
                errors
            }
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The gRPC face of the database.
pub struct ConfigurationService {
    pub db: Arc<Mutex<ConfigDb>>,
}

impl ConfigurationService {
    fn lock(&self) -> std::sync::MutexGuard<'_, ConfigDb> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[tonic::async_trait]
impl Configuration for ConfigurationService {
    async fn edit(&self, request: Request<EditRequest>) -> Result<Response<EditReply>, Status> {
        let r = request.into_inner();
        let warning = self.lock().edit(r.operation(), &r.words)?;
        Ok(Response::new(EditReply { warning }))
    }

    async fn get_configuration(
        &self,
        request: Request<GetConfigurationRequest>,
    ) -> Result<Response<ConfigurationReply>, Status> {
        let r = request.into_inner();
        let db = self.lock();
        let path = db.read(&r.words)?;
        let tree = if r.candidate { &db.candidate } else { &db.committed };
        let node = tree.get(&path.steps).cloned().unwrap_or_default();
        let last_commit = db.store.history().ok().and_then(|h| h.into_iter().next()).map(|c| entry(0, c));
        Ok(Response::new(ConfigurationReply { root: Some(to_wire("", &node)), last_commit }))
    }

    async fn get_status(
        &self,
        _: Request<GetStatusRequest>,
    ) -> Result<Response<ConfigurationStatus>, Status> {
        let db = self.lock();
        Ok(Response::new(ConfigurationStatus { changed: db.candidate != db.committed }))
    }

    async fn compare(&self, request: Request<CompareRequest>) -> Result<Response<CompareReply>, Status> {
        let request = request.into_inner();
        let db = self.lock();
        let shown = if request.candidate { &db.candidate } else { &db.committed };
        let text = match request.rollback {
            None | Some(0) => compare(&db.schema, &db.committed, shown),
            Some(n) => compare(&db.schema, &db.rollback_tree(n)?, shown),
        };
        Ok(Response::new(CompareReply { text }))
    }

    async fn commit(&self, request: Request<CommitRequest>) -> Result<Response<CommitReply>, Status> {
        let errors = self.lock().commit(&request.into_inner())?;
        let errors = errors
            .into_iter()
            .map(|e| CommitError {
                path: e.path,
                statement: e.statement,
                message: e.message,
                missing_mandatory: e.missing_mandatory,
            })
            .collect();
        Ok(Response::new(CommitReply { errors }))
    }

    async fn rollback(&self, request: Request<RollbackRequest>) -> Result<Response<RollbackReply>, Status> {
        let mut db = self.lock();
        db.candidate = db.rollback_tree(request.into_inner().number)?;
        Ok(Response::new(RollbackReply {}))
    }

    async fn load(&self, request: Request<LoadRequest>) -> Result<Response<LoadReply>, Status> {
        let r = request.into_inner();
        let errors = self.lock().load(r.action(), &r.text);
        let errors = errors
            .into_iter()
            .map(|e| crate::proto::LoadError {
                line: e.line as u32,
                column: e.column as u32,
                message: e.message,
            })
            .collect();
        Ok(Response::new(LoadReply { errors }))
    }

    async fn get_commit_information(
        &self,
        _: Request<GetCommitInformationRequest>,
    ) -> Result<Response<CommitInformation>, Status> {
        let history = self.lock().store.history().map_err(|e| Status::internal(e.to_string()))?;
        let entries = history.into_iter().enumerate().map(|(n, c)| entry(n as u32, c)).collect();
        Ok(Response::new(CommitInformation { entries }))
    }
}

fn entry(sequence: u32, c: CommitRecord) -> CommitEntry {
    CommitEntry { sequence, time: c.time, user: c.user, client: c.client, comment: c.comment }
}
