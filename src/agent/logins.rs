//! Logging in: with a password, on the other RE's word, and out again; and
//! the list of who is logged in.

use std::sync::Arc;
use std::time::SystemTime;

use tonic::{Request, Response, Status};

use super::auth::{self, LoginError, Principal};
use super::{Agent, host, unix_seconds};
use crate::permissions::Permissions;
use crate::proto::authentication_server::Authentication;
use crate::proto::{AdmitRequest, LoginReply, LoginRequest, UserList, UserSession};

/// Longest user name and password a login takes.
const MAX_CREDENTIAL_BYTES: usize = 1024;

#[tonic::async_trait]
impl Authentication for Agent {
    async fn login(&self, request: Request<LoginRequest>) -> Result<Response<LoginReply>, Status> {
        let remote = request.remote_addr();
        let local = remote.is_some_and(|a| a.ip().is_loopback());
        let from = auth::from_text(remote);
        let r = request.into_inner();
        if r.user.is_empty() || r.user.len() > MAX_CREDENTIAL_BYTES {
            return Err(Status::invalid_argument("a login needs a user name"));
        }
        if r.password.as_ref().is_some_and(|p| p.len() > MAX_CREDENTIAL_BYTES) {
            return Err(Status::unauthenticated(LoginError::Incorrect.to_string()));
        }
        let account = auth::account(self.config().effective(), &r.user, local);
        let password = r.password;
        let checked = tokio::task::spawn_blocking(move || account?.check(password.as_deref()))
            .await
            .map_err(|e| Status::internal(format!("password check failed: {e}")))?;
        let (class, permissions) = checked.map_err(|e| Status::unauthenticated(e.to_string()))?;
        self.log_message("login", &format!("{} logged in from {from} (class {class})", r.user));
        Ok(Response::new(self.issue(Principal { user: r.user, class, permissions, from, token: None })?))
    }
}

impl Agent {
    pub(super) fn issue(&self, principal: Principal) -> Result<LoginReply, Status> {
        let reply = LoginReply {
            token: String::new(),
            user: principal.user.clone(),
            class: principal.class.clone(),
            permissions: principal.permissions.names(),
        };
        let token = self.authority.issue(principal)?;
        Ok(LoginReply { token: token.to_string(), ..reply })
    }

    /// `request routing-engine login other-routing-engine`: the caller,
    /// logged in on the other RE by this one.
    pub(super) async fn login_other(&self, caller: Option<Arc<Principal>>) -> Result<LoginReply, Status> {
        let Some(principal) = caller.filter(|p| !p.is_chassis()) else {
            return Err(Status::unauthenticated("login required"));
        };
        let admit = AdmitRequest {
            user: principal.user.clone(),
            class: principal.class.clone(),
            permissions: principal.permissions.names(),
            from: principal.from.clone(),
        };
        // Unreachable says why in the peer's own words: the caller tells it
        // apart from this RE not answering by the address it asked.
        self.to_peer(self.peer.clone().admit(admit)).await.map_err(|status| {
            if crate::is_unreachable(&status) {
                Status::unavailable(crate::status_reason(&status))
            } else {
                status
            }
        })
    }

    /// The other RE vouches for the user.
    pub(super) fn admit(&self, request: AdmitRequest) -> Result<LoginReply, Status> {
        let permissions = Permissions::parse(request.permissions.iter().map(String::as_str));
        self.issue(Principal {
            user: request.user,
            class: request.class,
            permissions,
            from: request.from,
            token: None,
        })
    }

    /// `show system users`.
    pub(super) fn users(&self) -> UserList {
        let sessions = self
            .sessions
            .logins()
            .into_iter()
            .map(|login| UserSession {
                idle_seconds: self.authority.idle_seconds(&login.token),
                user: login.user,
                terminal: login.terminal,
                from: login.from,
                login_time: login.since,
                what: "-cli (cli)".into(),
            })
            .collect();
        UserList {
            sessions,
            now: unix_seconds(SystemTime::now()),
            booted: unix_seconds(self.started_at),
            load_averages: host::load_averages(),
        }
    }

    /// `request system logout USER`.
    pub(super) fn logout(&self, user: &str) -> Result<u32, Status> {
        match self.sessions.end_user(user) {
            0 => Err(Status::not_found(format!("user {user} is not logged in"))),
            n => {
                self.log_message("login", &format!("{user} logged out by request"));
                Ok(n as u32)
            }
        }
    }
}
