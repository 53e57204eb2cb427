//! A Routing Engine's SSH server: the CLI for operators and scripts, and the
//! `netconf` subsystem for automation. Each listener is bound for the RE's
//! life but serves only while its service is in the RE's committed
//! configuration (`system services ssh`, `system services netconf ssh`), as
//! a router's sshd runs only while configured. The server is a client of its
//! RE's agent like any shell: it learns the listeners' settings and checks
//! passwords over gRPC (the `Sshd` service, with the chassis secret), and
//! each session logs in there, so the agent authorizes it as it does every
//! caller.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, ssh_key::LineEnding};
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, ChannelOpenFailure, MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::ClientTlsConfig;

use super::channel::{self, Keys, SharedSize, Terminal, Typed};
use super::{scp, sftp};
use crate::admission::{ACCEPT_BACKOFF, Admission, Graced, Limits, Ticket};
use crate::agent::{ChassisCredential, ChassisSecret};
use crate::proto::ssh_authenticate_reply::Outcome;
use crate::proto::sshd_client::SshdClient;
use crate::proto::{
    AdmitRequest, LogRequest, SshAuthenticateRequest, SshListener, SshListeners, WatchListenersRequest,
};
use crate::shell::client::{AgentClient, ClientError};
use crate::shell::{Addresses, Credentials, Engine, TerminalSize};
use crate::slot::Slot;

/// Which of the two SSH ports a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// The CLI port (22 on a router); it also carries the netconf subsystem.
    Ssh,
    /// The NETCONF port (830): the netconf subsystem, and file transfers
    /// (SCP, SFTP), which automation makes on the port it already uses.
    Netconf,
}

impl Port {
    /// The listener's settings, if its service is configured.
    fn serving(self, listeners: &SshListeners) -> Option<&SshListener> {
        let listener = match self {
            Port::Ssh => listeners.ssh.as_ref(),
            Port::Netconf => listeners.netconf.as_ref(),
        };
        listener.filter(|listener| listener.serving)
    }
}

/// The host key's file name, in a standalone RE's state dir or beside a
/// chassis's REs (one key for both, so that a client of the management
/// address sees the same host whichever RE is master).
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";

/// How long a connection may stay silent before it is dropped as dead. A
/// session left at its prompt ends sooner by `set cli idle-timeout`; NETCONF
/// clients may hold a session open, idle, for hours.
const INACTIVITY: Duration = Duration::from_secs(24 * 60 * 60);

/// How many sessions (CLI, command or NETCONF channels) one user may have
/// open on this RE at once, over all their connections. Junos has no
/// statement for it; each session may hold its input window and a NETCONF
/// message of the largest size, so this bounds what one login can make the
/// agent hold, well above what an operator or a tool opens.
pub const SESSIONS_PER_USER: usize = 8;

/// How long the server waits for its agent's first answer before giving up
/// at start, and between attempts to reach it again later.
const AGENT_WAIT: Duration = Duration::from_secs(10);
const AGENT_RETRY: Duration = Duration::from_millis(200);

/// Where and how an RE serves SSH.
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// Where to serve the CLI (and the netconf subsystem), and NETCONF.
    pub ssh: Option<SocketAddr>,
    pub netconf: Option<SocketAddr>,
    /// The host key, made at the first start if missing.
    pub host_key: PathBuf,
    /// How long a connection may take to log in, at most.
    pub login_grace_time: Duration,
}

/// The agent an SSH server serves for, and how to reach it.
#[derive(Clone)]
pub struct AgentLink {
    pub slot: Slot,
    /// Its gRPC address.
    pub grpc: SocketAddr,
    pub secret: ChassisSecret,
    pub tls: Option<ClientTlsConfig>,
}

/// An RE's SSH server, serving until stopped or dropped.
pub struct SshServer {
    /// Where its listeners were bound.
    pub ssh: Option<SocketAddr>,
    pub netconf: Option<SocketAddr>,
    /// The listeners and, under them, their connections.
    tasks: JoinSet<()>,
}

impl SshServer {
    /// Binds the listeners `options` asks for and serves them for `agent`,
    /// once it has said how (within [`AGENT_WAIT`]).
    pub async fn start(options: &SshOptions, agent: AgentLink) -> anyhow::Result<SshServer> {
        let mut server = SshServer { ssh: None, netconf: None, tasks: JoinSet::new() };
        if options.ssh.is_none() && options.netconf.is_none() {
            return Ok(server);
        }
        let key = host_key(&options.host_key)?;
        let service = SshService::new(agent, key, options.login_grace_time)?;
        let (found, mut listeners) = watch::channel(None);
        server.tasks.spawn(follow(service.client.clone(), found));
        let answered = tokio::time::timeout(AGENT_WAIT, listeners.wait_for(Option::is_some))
            .await
            .is_ok_and(|r| r.is_ok());
        if !answered {
            anyhow::bail!("the agent at {} does not answer its SSH server", service.grpc);
        }
        let service = Arc::new(SshService { listeners, ..service });
        for (address, kind) in [(options.ssh, Port::Ssh), (options.netconf, Port::Netconf)] {
            let Some(address) = address else { continue };
            let listener = bind(address)?;
            let bound = Some(listener.local_addr()?);
            match kind {
                Port::Ssh => server.ssh = bound,
                Port::Netconf => server.netconf = bound,
            }
            server.tasks.spawn(service.clone().serve(listener, kind));
        }
        Ok(server)
    }

    /// Stops serving: the listeners are closed and their connections end
    /// once this returns, so a restarted RE may bind the same ports.
    pub async fn stop(mut self) {
        self.tasks.shutdown().await;
    }
}

/// Keeps `found` up to date with the listeners' settings as the agent
/// commits them; `None` while the agent does not answer, which serves
/// nothing.
async fn follow(mut client: Client, found: watch::Sender<Option<SshListeners>>) {
    loop {
        if let Ok(reply) = client.watch_listeners(WatchListenersRequest {}).await {
            let mut settings = reply.into_inner();
            while let Ok(Some(now)) = settings.message().await {
                found.send_replace(Some(now));
            }
        }
        found.send_replace(None);
        tokio::time::sleep(AGENT_RETRY).await;
    }
}

type Client = SshdClient<InterceptedService<tonic::transport::Channel, ChassisCredential>>;

/// The Ed25519 host key at `path`, made at the first start (readable by its
/// owner only) so that clients see the same key across restarts.
pub fn host_key(path: &Path) -> anyhow::Result<PrivateKey> {
    if !path.exists() {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a host key: {e}"))?;
        let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let text = key.to_openssh(LineEnding::LF).context("cannot encode the host key")?;
        crate::durable::create_private_once(path, text.as_bytes())
            .with_context(|| format!("cannot create {}", path.display()))?;
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    PrivateKey::from_openssh(&text).with_context(|| format!("{} holds no host key", path.display()))
}

/// What every connection of one server shares.
struct SshService {
    slot: Slot,
    /// The agent's `Sshd` service.
    client: Client,
    /// The listeners' settings as the agent last said.
    listeners: watch::Receiver<Option<SshListeners>>,
    /// The SSH server's settings and host key.
    config: Arc<russh::server::Config>,
    /// Where the agent's gRPC server listens: sessions log in there.
    grpc: SocketAddr,
    /// How sessions reach it when it serves TLS.
    tls: Option<ClientTlsConfig>,
    /// The agent's runtime, which session threads block on.
    rt: Handle,
    /// The last session id given out (NETCONF's `<session-id>`).
    last_session_id: std::sync::atomic::AtomicU32,
    /// The connections of each listener, by `Port`.
    admission: [Admission; 2],
    /// How long a connection may take to log in.
    grace: Duration,
    /// Sessions open, by user.
    sessions: Arc<Mutex<HashMap<String, usize>>>,
}

impl SshService {
    fn new(agent: AgentLink, key: PrivateKey, grace: Duration) -> anyhow::Result<SshService> {
        let config = russh::server::Config {
            server_id: russh::SshId::Standard(concat!("SSH-2.0-reshell_", env!("CARGO_PKG_VERSION")).into()),
            methods: MethodSet::from(&[MethodKind::Password, MethodKind::KeyboardInteractive][..]),
            // OpenSSH probes with `none` first; that answer need not wait.
            auth_rejection_time: Duration::from_secs(1),
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![key],
            inactivity_timeout: Some(INACTIVITY),
            nodelay: true,
            ..Default::default()
        };
        // Bound to every address, the agent is reached on this host's own.
        let grpc = match agent.grpc.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => {
                SocketAddr::from(([127, 0, 0, 1], agent.grpc.port()))
            }
            ip if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, agent.grpc.port())),
            _ => agent.grpc,
        };
        let endpoint = crate::tls::endpoint(&grpc.to_string(), agent.tls.as_ref())
            .with_context(|| format!("invalid agent address {grpc}"))?;
        let client = SshdClient::with_interceptor(endpoint.connect_lazy(), agent.secret.credential());
        Ok(SshService {
            slot: agent.slot,
            client,
            listeners: watch::channel(None).1,
            config: Arc::new(config),
            grpc,
            tls: agent.tls,
            rt: Handle::current(),
            last_session_id: std::sync::atomic::AtomicU32::new(0),
            admission: Default::default(),
            grace,
            sessions: Arc::default(),
        })
    }

    /// A line in the RE's /var/log/messages; lost if the agent does not answer.
    async fn log(&self, process: &str, text: String) {
        let request = LogRequest { process: process.to_owned(), text };
        let _ = self.client.clone().log(request).await;
    }

    /// Whether `port`'s service is configured.
    fn serves(&self, port: Port) -> bool {
        self.listeners.borrow().as_ref().and_then(|listeners| port.serving(listeners)).is_some()
    }

    /// A place for one more session of `user`, if they have fewer than
    /// `SESSIONS_PER_USER`.
    fn session_place(&self, user: &str) -> Option<Arc<SessionPlace>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let open = sessions.entry(user.to_owned()).or_default();
        if *open >= SESSIONS_PER_USER {
            return None;
        }
        *open += 1;
        Some(Arc::new(SessionPlace { sessions: self.sessions.clone(), user: user.to_owned() }))
    }

    /// Accepts connections until the task is dropped; one that arrives
    /// while the service is not configured, or past its limits, is closed
    /// at once.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, kind: Port) {
        // Dropped with this task: a halted RE's connections end with it.
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let Ok((stream, from)) = listener.accept().await else {
                // Out of descriptors, say: wait for some to be given back.
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            };
            while connections.try_join_next().is_some() {}
            let (limits, login_time) = {
                let listeners = self.listeners.borrow();
                let Some(listeners) = listeners.as_ref() else { continue };
                let Some(listener) = kind.serving(listeners) else { continue };
                let limits = Limits {
                    connections: listener.connection_limit as usize,
                    per_minute: listener.rate_limit as usize,
                };
                (limits, Duration::from_secs(listeners.login_seconds.into()))
            };
            let draw = getrandom::u32().unwrap_or(0);
            let Some(ticket) = self.admission[kind as usize].admit(limits, Instant::now(), draw) else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            // `retry-options maximum-time`, within the server's own bound.
            let grace = self.grace.min(login_time);
            let stream = Graced::new(stream, ticket.clone(), grace);
            let connection = Connection {
                service: self.clone(),
                kind,
                from,
                ticket,
                login: None,
                failures: 0,
                opened: Instant::now(),
                channels: HashMap::new(),
            };
            let config = self.config.clone();
            connections.spawn(async move {
                if let Ok(session) = russh::server::run_stream(config, stream, connection).await {
                    let _ = session.await;
                }
            });
        }
    }
}

/// One client connection.
struct Connection {
    service: Arc<SshService>,
    kind: Port,
    from: SocketAddr,
    /// Its place among its listener's connections.
    ticket: Arc<Ticket>,
    /// Who authenticated.
    login: Option<Login>,
    /// Passwords refused on this connection.
    failures: u32,
    /// When the connection was accepted.
    opened: Instant,
    channels: HashMap<ChannelId, ChannelState>,
}

/// A session channel: what its requests have set up so far.
struct ChannelState {
    size: SharedSize,
    /// Feeds what the client sends to the session's thread, once started.
    input: Option<Typed>,
    /// Its user's place, held by the channel and its session's thread.
    place: Arc<SessionPlace>,
}

/// One of a user's `SESSIONS_PER_USER`, given back when dropped.
struct SessionPlace {
    sessions: Arc<Mutex<HashMap<String, usize>>>,
    user: String,
}

impl Drop for SessionPlace {
    fn drop(&mut self) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = sessions.get_mut(&self.user) {
            *open -= 1;
            if *open == 0 {
                sessions.remove(&self.user);
            }
        }
    }
}

/// Who authenticated on a connection: each session channel logs in as them.
#[derive(Clone)]
struct Login {
    user: String,
    /// Kept for the shell to log in to the other RE itself should this one
    /// stop answering, as it does with the password it was started with.
    password: String,
    class: String,
    /// The class's permission flags by their Junos names.
    permissions: Vec<String>,
}

/// What a session channel runs.
enum Program {
    /// Over the shell engine.
    Shell(Shell),
    /// `scp -t|-f`: files to or from the RE's file area.
    Scp(scp::Request),
    Sftp,
}

enum Shell {
    Cli,
    Command(String),
    Netconf,
}

impl Connection {
    /// Has the agent check the password as every login is checked (root
    /// only where `system services ssh root-login` allows it); after
    /// `retry-options tries-before-disconnect` refusals the connection is
    /// closed, no sooner than `minimum-time` after it opened, as Junos's
    /// sshd does. An agent that does not answer lets nobody in.
    async fn authenticate(&mut self, user: &str, password: &str) -> Result<Auth, russh::Error> {
        let request = SshAuthenticateRequest {
            user: user.to_owned(),
            password: password.to_owned(),
            from: self.from.to_string(),
        };
        let answer = self.service.client.clone().authenticate(request).await;
        match answer.ok().and_then(|reply| reply.into_inner().outcome) {
            Some(Outcome::Granted(granted)) => {
                self.login = Some(Login {
                    user: user.to_owned(),
                    password: password.to_owned(),
                    class: granted.class,
                    permissions: granted.permissions,
                });
                Ok(Auth::Accept)
            }
            Some(Outcome::Refused(options)) => {
                self.failures += 1;
                if self.failures < options.tries_before_disconnect {
                    return Ok(Auth::reject());
                }
                let minimum = Duration::from_secs(options.minimum_seconds.into());
                tokio::time::sleep_until((self.opened + minimum).into()).await;
                Err(russh::Error::Disconnect)
            }
            None => Err(russh::Error::Disconnect),
        }
    }

    /// Starts the channel's program on a thread of its own: the shell engine
    /// blocks on its calls to the agent, which the runtime must not.
    async fn start(&mut self, channel: ChannelId, program: Program, session: &mut Session) -> bool {
        let (Some(state), Some(login)) = (self.channels.get_mut(&channel), self.login.clone()) else {
            return false;
        };
        if state.input.is_some() {
            return false;
        }
        let service = self.service.clone();
        let id = service.last_session_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        // Logged in here, where the client's address is known; a session a
        // channel of its own, ended with it.
        let admit = AdmitRequest {
            user: login.user.clone(),
            class: login.class,
            permissions: login.permissions,
            from: self.from.ip().to_string(),
        };
        let Ok(made) = service.client.clone().open_session(admit).await else { return false };
        let credentials = Credentials {
            user: login.user,
            password: Some(login.password),
            login: Some(made.into_inner()),
            terminal: Some(format!("pts/{id}")),
            console: None,
        };
        let (typed, keys) = channel::input();
        state.input = Some(typed);
        let size = state.size.clone();
        let place = state.place.clone();
        let handle = session.handle();
        let spawned = std::thread::Builder::new().name(format!("ssh-{channel}")).spawn(move || {
            let _place = place;
            let out = ChannelWriter { rt: service.rt.clone(), handle: handle.clone(), channel };
            let status = match program {
                Program::Scp(request) => service.scp(&credentials, &request, keys, out),
                Program::Sftp => service.sftp(&credentials, keys, out),
                Program::Shell(program) => service.shell(&credentials, program, keys, out, size, id),
            };
            service.rt.block_on(async {
                let _ = handle.exit_status_request(channel, status).await;
                let _ = handle.eof(channel).await;
                let _ = handle.close(channel).await;
            });
        });
        spawned.is_ok()
    }

    fn answer(session: &mut Session, channel: ChannelId, ok: bool) -> Result<(), russh::Error> {
        if ok { session.channel_success(channel) } else { session.channel_failure(channel) }
    }
}

impl SshService {
    fn shell(
        &self,
        credentials: &Credentials,
        program: Shell,
        mut keys: Keys,
        mut out: ChannelWriter,
        size: SharedSize,
        id: u32,
    ) -> u32 {
        let mut engine = match self.engine(credentials) {
            Ok(engine) => engine,
            Err(e) => {
                let _ = out.write_all(format!("error: {e:#}\r\n").as_bytes());
                return 1;
            }
        };
        match program {
            Shell::Cli => {
                channel::run(&mut engine, Terminal::new(keys, Box::new(out)), size);
                0
            }
            Shell::Command(command) => u32::from(!channel::run_command(&mut engine, Box::new(out), &command)),
            Shell::Netconf => match crate::netconf::run_session(&mut engine, id, &mut keys, &mut out) {
                Ok(()) => 0,
                Err(e) => {
                    self.rt.block_on(self.log("netconf", format!("session {id} ended: {e:#}")));
                    1
                }
            },
        }
    }

    /// `scp -t|-f` as the SSH user; a failure to reach the agent in SCP's words.
    fn scp(
        &self,
        credentials: &Credentials,
        request: &scp::Request,
        mut keys: Keys,
        mut out: ChannelWriter,
    ) -> u32 {
        match self.files_client(credentials) {
            Ok(client) => scp::run(&client.files(), request, &mut keys, &mut out),
            Err(e) => {
                let _ = out.write_all(format!("\x01scp: {e}\n").as_bytes());
                1
            }
        }
    }

    fn sftp(&self, credentials: &Credentials, keys: Keys, out: ChannelWriter) -> u32 {
        match self.files_client(credentials) {
            Ok(client) => u32::from(sftp::run(&client.files(), &credentials.user, keys, out).is_err()),
            Err(_) => 1,
        }
    }

    /// A client of this RE's file area, logged in as the SSH user.
    fn files_client(&self, credentials: &Credentials) -> Result<AgentClient, ClientError> {
        let client = AgentClient::new(self.rt.clone(), &self.grpc.to_string(), self.tls.as_ref())?;
        let login = credentials.login.clone().ok_or_else(|| ClientError::Refused("no login".into()))?;
        client.use_login(login)?;
        Ok(client)
    }

    /// A shell engine logged in to this RE as the SSH user.
    fn engine(&self, credentials: &Credentials) -> anyhow::Result<Engine> {
        let mut addresses = Addresses::default();
        addresses.set(self.slot, self.grpc.to_string());
        Engine::connect(self.rt.clone(), credentials, addresses, self.tls.clone())
    }
}

/// Output of a session's thread, sent on its channel.
struct ChannelWriter {
    rt: Handle,
    handle: russh::server::Handle,
    channel: ChannelId,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let data = bytes.to_vec();
        self.rt
            .block_on(self.handle.data(self.channel, data))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The request that ends an exec of `xml-mode netconf need-trailer`: how
/// some clients ask for NETCONF when the subsystem is refused.
const NETCONF_EXEC: &str = "xml-mode netconf need-trailer";

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        self.ticket.authenticated();
        Ok(())
    }

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::reject())
    }

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        _key: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        self.authenticate(user, password).await
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let Some(mut response) = response else {
            return Ok(Auth::Partial {
                name: "".into(),
                instructions: "".into(),
                prompts: vec![("Password:".into(), false)].into(),
            });
        };
        let password = response.next().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        self.authenticate(user, &password).await
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let user = self.login.as_ref().map(|login| login.user.clone()).unwrap_or_default();
        let Some(place) = self.service.session_place(&user) else {
            let refused = format!(
                "session refused for {}: {SESSIONS_PER_USER} sessions already open",
                user.escape_debug()
            );
            self.service.log("sshd", refused).await;
            reply.reject(ChannelOpenFailure::AdministrativelyProhibited).await;
            return Ok(());
        };
        self.channels.insert(channel.id(), ChannelState { size: SharedSize::default(), input: None, place });
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        columns: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let known = self.channels.get(&channel).map(|state| set_size(&state.size, columns, rows));
        Connection::answer(session, channel, known.is_some())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        columns: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let known = self.channels.get(&channel).map(|state| set_size(&state.size, columns, rows));
        Connection::answer(session, channel, known.is_some())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The CLI takes nothing from the client's environment.
        Connection::answer(session, channel, true)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let ok = self.kind == Port::Ssh && self.start(channel, Program::Shell(Shell::Cli), session).await;
        Connection::answer(session, channel, ok)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let command = String::from_utf8_lossy(data).trim().to_owned();
        let program = if command == NETCONF_EXEC {
            self.service.serves(Port::Netconf).then_some(Program::Shell(Shell::Netconf))
        } else if let Some(request) = scp::parse(&command) {
            // On either port, as PyEZ copies over the one its device uses.
            Some(Program::Scp(request))
        } else {
            (self.kind == Port::Ssh).then_some(Program::Shell(Shell::Command(command)))
        };
        let ok = match program {
            Some(program) => self.start(channel, program, session).await,
            None => false,
        };
        Connection::answer(session, channel, ok)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let program = match name {
            "netconf" if self.service.serves(Port::Netconf) => Some(Program::Shell(Shell::Netconf)),
            "sftp" => Some(Program::Sftp),
            _ => None,
        };
        let ok = match program {
            Some(program) => self.start(channel, program, session).await,
            None => false,
        };
        Connection::answer(session, channel, ok)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = self.channels.get(&channel).and_then(|state| state.input.as_ref()) {
            input.send(data).await;
        }
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        // The session reads to the end of what came, then ends.
        if let Some(state) = self.channels.get_mut(&channel) {
            state.input = None;
        }
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }
}

fn set_size(size: &SharedSize, columns: u32, rows: u32) {
    let fit = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
    *size.lock().unwrap_or_else(|e| e.into_inner()) =
        (columns > 0 && rows > 0).then(|| TerminalSize { rows: fit(rows), columns: fit(columns) });
}

/// Binds a listener on `address` (port 0 picks one).
fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    let listener =
        std::net::TcpListener::bind(address).with_context(|| format!("cannot listen on {address}"))?;
    listener.set_nonblocking(true)?;
    Ok(TcpListener::from_std(listener)?)
}
