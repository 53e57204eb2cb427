//! Logging in: with a password, on the other RE's word, and out again; and
//! the list of who is logged in.

use std::sync::Arc;
use std::time::SystemTime;

use tonic::{Request, Response, Status};

use super::auth::{self, LoginError, Principal};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::retry::RetryOptions;
use super::{Agent, host, unix_seconds};
use crate::grammar::free_of_control;
use crate::permissions::Permissions;
use crate::proto::authentication_server::Authentication;
use crate::proto::{AdmitRequest, Lockout, LockoutList, LoginReply, LoginRequest, UserList, UserSession};

/// Longest user name and password a login takes.
const MAX_CREDENTIAL_BYTES: usize = 1024;

#[tonic::async_trait]
impl Authentication for Agent {
    async fn login(&self, request: Request<LoginRequest>) -> Result<Response<LoginReply>, Status> {
        let from = auth::from_text(request.remote_addr());
        let r = request.into_inner();
        if r.user.is_empty() || r.user.len() > MAX_CREDENTIAL_BYTES {
            return Err(Status::invalid_argument("a login needs a user name"));
        }
        if r.password.as_ref().is_some_and(|p| p.len() > MAX_CREDENTIAL_BYTES) {
            return Err(Status::unauthenticated(LoginError::Incorrect.to_string()));
        }
        let console = match &r.console {
            Some(secret) if self.authority.is_chassis_secret(secret) => true,
            Some(_) => return Err(Status::unauthenticated("the chassis secret does not match")),
            None => false,
        };
        let (class, permissions) = self
            .authenticate(&r.user, r.password, console, &from, "login")
            .await
            .map_err(|refused| Status::unauthenticated(refused.error.to_string()))?;
        self.log_message("login", &format!("{} logged in from {from} (class {class})", escaped(&r.user)));
        let mut reply =
            Response::new(self.issue(Principal { user: r.user, class, permissions, from, token: None })?);
        reply.extensions_mut().insert(auth::LoginGranted);
        Ok(reply)
    }
}

/// A name as a log line shows it: whatever a client sent, on one line.
fn escaped(user: &str) -> String {
    user.escape_debug().to_string()
}

/// Password checks waiting for their turn; past it a login is refused at
/// once, so a flood queues no further.
const MAX_WAITING_CHECKS: usize = 64;

/// Longest login name: Junos's own limit.
const MAX_NAME_BYTES: usize = 64;

/// Why a login was refused, and the options it was refused under.
#[derive(Debug)]
pub(super) struct Refused {
    pub error: LoginError,
    pub options: RetryOptions,
}

/// Counts a login waiting for a password check while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Option<Waiting<'a>> {
        let waiting = Waiting(count);
        (count.fetch_add(1, Ordering::AcqRel) < MAX_WAITING_CHECKS).then_some(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Agent {
    /// Checks a login as every way in does: against the committed
    /// `system login`, with `retry-options` (a failure past the backoff
    /// threshold is answered late, and the name is not checked again before
    /// then; enough failures lock the account), and each failure in
    /// `messages` under `process`. The console checks no password: it waits
    /// for no one, and is neither delayed nor locked out, being how the
    /// chassis's owner gets back in.
    pub(super) async fn authenticate(
        &self,
        user: &str,
        password: Option<String>,
        console: bool,
        from: &str,
        process: &str,
    ) -> Result<(String, Permissions), Refused> {
        let (account, options) = {
            let config = self.config();
            (auth::account(config.effective(), user, console), RetryOptions::of(config.effective()))
        };
        let refuse = |error| Refused { error, options };
        let account = account.map_err(refuse)?;
        if console {
            return account.check(password.as_deref()).map_err(refuse);
        }
        // A name no account can have is not counted (nor shown, nor logged).
        if user.len() > MAX_NAME_BYTES || free_of_control(user).is_err() {
            return Err(refuse(LoginError::Incorrect));
        }
        let checked = {
            let Some(_waiting) = Waiting::enter(&self.checks_waiting) else {
                return Err(refuse(LoginError::Incorrect));
            };
            // Closed never: the agent holds it as long as it lives.
            let _permit = self.password_checks.acquire().await;
            if self.attempts.too_early(user) {
                return Err(refuse(LoginError::Incorrect));
            }
            tokio::task::spawn_blocking(move || account.check(password.as_deref()))
                .await
                .unwrap_or(Err(LoginError::Incorrect))
        };
        // Decided after the check: a lock set while it ran holds for it too.
        let locked = self.attempts.is_locked(user);
        let name = escaped(user);
        match checked {
            Ok(granted) if !locked => {
                self.attempts.succeeded(user);
                Ok(granted)
            }
            Err(LoginError::PasswordRequired) => Err(refuse(LoginError::PasswordRequired)),
            _ => {
                let failed = self.attempts.failed(user, &options);
                let tag = if process == "sshd" { "SSHD_LOGIN_FAILED" } else { "LOGIN_FAILED" };
                self.log_message(
                    process,
                    &format!("{tag}: Login failed for user '{name}' from host '{from}'"),
                );
                if failed.locked {
                    self.log_message(
                        process,
                        &format!("LIBJNX_LOGIN_ACCOUNT_LOCKED: Account for user '{name}' has been locked out from logins"),
                    );
                }
                tokio::time::sleep(failed.backoff).await;
                Err(refuse(LoginError::Incorrect))
            }
        }
    }

    pub(super) fn issue(&self, principal: Principal) -> Result<LoginReply, Status> {
        let reply = LoginReply {
            token: String::new(),
            user: principal.user.clone(),
            class: principal.class.clone(),
            permissions: principal.permissions.names(),
        };
        // A login's idle-timeout is its class's when it logs in.
        let idle_timeout = auth::idle_timeout(self.config().effective(), &principal.class);
        let token = self.authority.issue(principal, idle_timeout)?;
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

    /// `show system login lockout`.
    pub(super) fn lockouts(&self) -> LockoutList {
        let lockouts = self
            .attempts
            .locked()
            .into_iter()
            .map(|l| Lockout { user: l.user, start: unix_seconds(l.start), end: unix_seconds(l.end) })
            .collect();
        LockoutList { lockouts }
    }

    /// `clear system login lockout user NAME` (or `all`, with no name).
    pub(super) fn clear_lockout(&self, user: Option<&str>) -> Result<Vec<String>, Status> {
        let unlocked = match user {
            Some(user) if self.attempts.unlock(user) => vec![user.to_owned()],
            Some(user) => return Err(Status::not_found(format!("user {} is not locked out", escaped(user)))),
            None => self.attempts.unlock_all(),
        };
        for user in &unlocked {
            self.log_message(
                "mgd",
                &format!(
                    "LIBJNX_LOGIN_ACCOUNT_UNLOCKED: Account for user '{}' has been unlocked",
                    escaped(user)
                ),
            );
        }
        Ok(unlocked)
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
