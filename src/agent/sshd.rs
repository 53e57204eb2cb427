//! What the agent tells its SSH server (`frontends::ssh`): whether and how
//! each listener serves, as committed, and whether a password opens the
//! door. The SSH server holds no configuration and no account of its own; it
//! asks here, with the chassis secret, as the other RE does.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::retry::RetryOptions;
use super::{Agent, auth};
use crate::admission::Limits;
use crate::config::tree::Node;
use crate::proto::ssh_authenticate_reply::Outcome;
use crate::proto::sshd_server::Sshd;
use crate::proto::{
    AdmitRequest, LogReply, LogRequest, LoginReply, SshAuthenticateReply, SshAuthenticateRequest, SshGranted,
    SshListener, SshListeners, SshRefused, WatchListenersRequest,
};

/// The service statement that turns each listener on.
const SSH: [&str; 3] = ["system", "services", "ssh"];
const NETCONF: [&str; 4] = ["system", "services", "netconf", "ssh"];

/// A listener's settings in `config`: not serving while its service is not
/// configured, Junos's default limits where none are set.
fn listener(config: &Node, service: &[&str]) -> SshListener {
    let Some(service) = config.descend(service.iter().copied()) else { return SshListener::default() };
    let limit =
        |name: &str| service.child(name).and_then(|n| n.values.first()).and_then(|v| v.parse::<u32>().ok());
    let defaults = Limits::default();
    SshListener {
        serving: true,
        connection_limit: limit("connection-limit").unwrap_or(defaults.connections as u32),
        rate_limit: limit("rate-limit").unwrap_or(defaults.per_minute as u32),
    }
}

fn listeners(config: &Node) -> SshListeners {
    SshListeners {
        ssh: Some(listener(config, &SSH)),
        netconf: Some(listener(config, &NETCONF)),
        login_seconds: RetryOptions::of(config).maximum_time.as_secs() as u32,
    }
}

/// The `Sshd` service of one agent.
pub struct SshdService {
    pub agent: Arc<Agent>,
    /// Set once the agent is stopping: its streams end then.
    pub stopping: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl Sshd for SshdService {
    type WatchListenersStream = ReceiverStream<Result<SshListeners, Status>>;

    async fn watch_listeners(
        &self,
        _: Request<WatchListenersRequest>,
    ) -> Result<Response<Self::WatchListenersStream>, Status> {
        let (tx, rx) = mpsc::channel(1);
        let agent = self.agent.clone();
        let mut stopping = self.stopping.clone();
        tokio::spawn(async move {
            let mut installed = agent.config().installed();
            let mut sent = None;
            loop {
                let now = listeners(agent.config().effective());
                if sent.as_ref() != Some(&now) {
                    if tx.send(Ok(now)).await.is_err() {
                        return;
                    }
                    sent = Some(now);
                }
                tokio::select! {
                    changed = installed.changed() => if changed.is_err() { return },
                    () = tx.closed() => return,
                    _ = stopping.wait_for(|stopping| *stopping) => return,
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn authenticate(
        &self,
        request: Request<SshAuthenticateRequest>,
    ) -> Result<Response<SshAuthenticateReply>, Status> {
        let SshAuthenticateRequest { user, password, from } = request.into_inner();
        let from: SocketAddr = from.parse().map_err(|_| Status::invalid_argument("no client address"))?;
        let agent = &self.agent;
        let name = user.escape_debug();
        let root_refused = user == "root"
            && agent
                .committed(&["system", "services", "ssh", "root-login"])
                .is_some_and(|how| how == "deny" || how == "deny-password");
        let checked = if root_refused {
            agent.log_message("sshd", &format!("ROOT LOGIN REFUSED FROM {}", from.ip()));
            Err(RetryOptions::of(agent.config().effective()))
        } else {
            let shown = auth::from_text(Some(from));
            agent.authenticate(&user, Some(password), false, &shown, "sshd").await.map_err(|r| r.options)
        };
        let outcome = match checked {
            Ok((class, permissions)) => {
                agent.log_message("sshd", &format!("Accepted password for {name} from {from}"));
                Outcome::Granted(SshGranted { class, permissions: permissions.names() })
            }
            Err(options) => {
                agent.log_message("sshd", &format!("Failed password for {name} from {from}"));
                Outcome::Refused(SshRefused {
                    tries_before_disconnect: options.tries_before_disconnect,
                    minimum_seconds: options.minimum_time.as_secs() as u32,
                })
            }
        };
        Ok(Response::new(SshAuthenticateReply { outcome: Some(outcome) }))
    }

    async fn open_session(&self, request: Request<AdmitRequest>) -> Result<Response<LoginReply>, Status> {
        Ok(Response::new(self.agent.admit(request.into_inner())?))
    }

    async fn log(&self, request: Request<LogRequest>) -> Result<Response<LogReply>, Status> {
        let LogRequest { process, text } = request.into_inner();
        self.agent.log_message(&process, &text);
        Ok(Response::new(LogReply {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Node {
        let (node, errors) =
            crate::config::load::parse_text(&crate::config::schema::Schema::shipped().unwrap(), text);
        assert!(errors.is_empty(), "{errors:?}");
        node
    }

    #[test]
    fn a_listener_serves_only_while_configured_with_its_limits_or_junos_defaults() {
        let bare = listeners(&config("system { host-name r1; }"));
        assert!(!bare.ssh.unwrap().serving && !bare.netconf.unwrap().serving);
        assert_eq!(bare.login_seconds, 120);
        let set = listeners(&config(
            "system { services { ssh { connection-limit 5; rate-limit 7; } netconf { ssh; } } \
             login { retry-options { maximum-time 30; } } }",
        ));
        let (ssh, netconf) = (set.ssh.unwrap(), set.netconf.unwrap());
        assert_eq!((ssh.serving, ssh.connection_limit, ssh.rate_limit), (true, 5, 7));
        assert_eq!((netconf.serving, netconf.connection_limit, netconf.rate_limit), (true, 75, 150));
        assert_eq!(set.login_seconds, 30);
    }
}
