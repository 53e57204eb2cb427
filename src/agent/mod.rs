//! One Routing Engine: its identity and role, its view of the chassis, and the
//! gRPC services through which shells and the other Routing Engine reach it.

mod auth;
mod candidate;
mod commit;
mod configuration;
mod daemons;
mod db;
mod election;
mod environment;
mod error;
mod fabric;
mod faults;
mod files;
mod forwarding;
mod gate;
mod host;
mod lease;
mod logins;
mod mastership;
mod messages;
mod model;
mod power;
mod processes;
mod protocols;
mod retry;
mod service;
mod sessions;
mod snapshot;
mod sshd;
mod storage;
mod synchronize;
mod syslog;
mod transfer;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Server};

use crate::config::schema::Schema;
use crate::proto::authentication_server::AuthenticationServer;
use crate::proto::configuration_server::ConfigurationServer;
use crate::proto::fault_server::FaultServer;
use crate::proto::peer_client::PeerClient;
use crate::proto::peer_server::PeerServer;
use crate::proto::routing_engine_server::RoutingEngineServer;
use crate::proto::sshd_server::SshdServer;
use crate::proto::{MastershipState, RouteEngine};
use crate::slot::Slot;
pub use auth::{CHASSIS_KEY, ChassisCredential, ChassisSecret, LoginError, TOKEN_KEY};
pub use configuration::SESSION_KEY;
pub use fabric::{Attachment, Endpoint, Fabric, FabricError};
use host::CpuHistory;
pub use power::Exit;

/// What an agent needs to know at start.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    pub slot: Slot,
    /// gRPC address of the other Routing Engine's agent.
    pub peer: String,
    /// Where this RE keeps everything it writes.
    pub state_dir: PathBuf,
    /// The mastership lease shared with the other RE on this host, if any.
    pub lease: Option<PathBuf>,
    /// Serve the fault injection service.
    pub fault_injection: bool,
    /// The secret the two REs of the chassis prove themselves to each
    /// other with; made at the first start if missing.
    pub secret: PathBuf,
    /// Serve (and reach the peer) over TLS.
    pub tls: Option<crate::tls::AgentTls>,
    /// Committed with the factory default when the state dir is new.
    pub startup_config: Option<PathBuf>,
    /// How long a gRPC connection may take to log in.
    pub login_grace_time: Duration,
    /// How the agent this one replaces ended, when `reshell chassis`
    /// started this one after the other was killed or crashed.
    pub restarted_after: Option<String>,
    /// The node of a lab this RE belongs to, cabled to the others.
    pub fabric: Option<Attachment>,
    /// The lab node this RE's chassis is: the host-name its first
    /// configuration gets when the startup configuration sets none, and
    /// what its serial numbers derive from.
    pub node: Option<String>,
}

/// Password checks an agent runs at once.
const PASSWORD_CHECKS: usize = 2;

/// How long one call to the peer may take before it counts as unreachable.
const PEER_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the connection that carries synchronized commits is pinged
/// (HTTP/2 PING), and how long an answer may take before the connection is
/// taken for dead: a transfer that progresses is not limited.
const SYNCHRONIZING_PING_EVERY: Duration = Duration::from_secs(1);
const SYNCHRONIZING_PING_TIMEOUT: Duration = Duration::from_secs(3);

/// A login's request: a name, a password and the chassis secret fit with
/// room to spare. Before a login this is what one call may make the agent
/// hold: at most `STARTUPS * STREAMS * LOGIN_MESSAGE_BYTES` (64 MiB) all told.
const LOGIN_MESSAGE_BYTES: usize = 4 << 10;

/// Calls in progress on one connection: far more than a shell (a command
/// and its session's stream) or the other RE (keepalives, a commit
/// synchronize) makes; a client past it waits for one to end.
const STREAMS: u32 = 64;

/// How often a connection with nothing to say is asked to prove it is
/// there, and how long it has to answer before it is closed: a client that
/// went away without a word holds nothing for long.
const HTTP2_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
const HTTP2_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

pub(crate) struct Agent {
    slot: Slot,
    peer_address: String,
    /// Connected on first use, so the peer may start after us.
    peer: PeerClient<InterceptedService<Channel, auth::ChassisCredential>>,
    /// The same peer, for synchronized commits.
    peer_synchronizing: PeerClient<InterceptedService<Channel, auth::ChassisCredential>>,
    authority: Arc<auth::Authority>,
    started_at: SystemTime,
    started: Instant,
    cpu: CpuHistory,
    sessions: sessions::Sessions,
    files: files::FileArea,
    config: Arc<Mutex<db::ConfigDb>>,
    /// The database lock: one commit at a time, held from a commit's checks
    /// to its last `commit complete`, across both REs' phases.
    committing: tokio::sync::Mutex<()>,
    mastership: mastership::Mastership,
    faults: faults::Faults,
    power: power::Power,
    processes: processes::Processes,
    plane: daemons::Plane,
    messages: syslog::Messages,
    /// The election at start is over: a restarted chassis-control goes on
    /// in the role it left.
    elected: AtomicBool,
    snapshots: snapshot::Snapshots,
    /// Failed passwords by login name.
    attempts: retry::Attempts,
    /// Password checks run at once: each is milliseconds of CPU, and a
    /// flood of logins must not take the cores keepalives need.
    password_checks: tokio::sync::Semaphore,
    /// Logins waiting for a password check.
    checks_waiting: std::sync::atomic::AtomicUsize,
    /// The lab this RE's chassis is cabled into, if any.
    fabric: Option<Attachment>,
    /// The chassis serial number.
    serial: String,
}

impl Agent {
    fn new(options: &AgentOptions, schema: Arc<Schema>, power: power::Power) -> anyhow::Result<Agent> {
        let startup = match &options.startup_config {
            Some(path) => Some(
                std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
            ),
            None => None,
        };
        let first = db::First { startup: startup.as_deref(), host_name: options.node.as_deref() };
        let config = db::ConfigDb::open(schema, options.slot, &options.state_dir, first)?;
        if auth::holds_shipped_password(config.effective()) {
            eprintln!(
                "{}: warning: system root-authentication holds the password hash earlier versions shipped; \
                 it opens nothing: set a password of your own",
                options.slot
            );
        }
        let config = Arc::new(Mutex::new(config));
        let secret = auth::ChassisSecret::open_or_create(&options.secret)
            .with_context(|| format!("cannot set up the chassis secret {}", options.secret.display()))?;
        let authority = Arc::new(auth::Authority::new(secret.clone()));
        // A session that ends leaves configuration mode: its exclusive
        // changes and private copy go with it, and so does its login.
        let sessions = {
            let config = config.clone();
            let authority = authority.clone();
            sessions::Sessions::new(move |id, login| {
                config.lock().unwrap_or_else(|e| e.into_inner()).close_session(id, true);
                authority.revoke(&login.token);
            })
        };
        let peer_tls = options.tls.as_ref().map(crate::tls::AgentTls::client).transpose()?;
        let endpoint = crate::tls::endpoint(&options.peer, peer_tls.as_ref())
            .with_context(|| format!("invalid peer address '{}'", options.peer))?
            .connect_timeout(PEER_TIMEOUT)
            .tcp_nodelay(true);
        let files = files::FileArea::new(&options.state_dir).context("cannot create the file area")?;
        Ok(Agent {
            messages: syslog::Messages::new(files.root()),
            files,
            processes: processes::Processes::new(),
            plane: daemons::Plane::default(),
            elected: AtomicBool::new(false),
            snapshots: snapshot::Snapshots::new(&options.state_dir),
            attempts: retry::Attempts::default(),
            password_checks: tokio::sync::Semaphore::new(PASSWORD_CHECKS),
            checks_waiting: std::sync::atomic::AtomicUsize::new(0),
            serial: model::chassis_serial(options.node.as_deref()),
            slot: options.slot,
            peer_address: options.peer.clone(),
            peer: PeerClient::with_interceptor(
                endpoint.clone().timeout(PEER_TIMEOUT).connect_lazy(),
                secret.credential(),
            ),
            // A synchronized commit carries the whole configuration, and
            // takes as long as the other RE needs while it answers keepalives.
            // Its own connection is pinged too: one that went dead (half
            // open) fails the call instead of leaving it waiting.
            peer_synchronizing: PeerClient::with_interceptor(
                endpoint
                    .http2_keep_alive_interval(SYNCHRONIZING_PING_EVERY)
                    .keep_alive_timeout(SYNCHRONIZING_PING_TIMEOUT)
                    .keep_alive_while_idle(true)
                    .connect_lazy(),
                secret.credential(),
            )
            .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            authority,
            started_at: SystemTime::now(),
            started: Instant::now(),
            cpu: CpuHistory::start(),
            sessions,
            config,
            committing: tokio::sync::Mutex::new(()),
            mastership: mastership::Mastership::open(
                options.slot,
                &options.state_dir,
                options.lease.as_deref(),
            )
            .context("cannot open the mastership state")?,
            faults: faults::Faults::default(),
            power,
            fabric: options.fabric.clone(),
        })
    }

    /// The configuration database. Waiting for it while a commit holds it
    /// is waiting behind heavy work, so it is done off the runtime's workers.
    fn config(&self) -> std::sync::MutexGuard<'_, db::ConfigDb> {
        match self.config.try_lock() {
            Ok(db) => db,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                blocking(|| self.config.lock().unwrap_or_else(|e| e.into_inner()))
            }
        }
    }

    /// Who this RE is, as a shell's prompt shows it.
    fn identity(&self) -> sessions::Told {
        let rollback_at = self.config().deadline();
        sessions::Told {
            identity: crate::proto::Identity {
                slot: self.slot.number(),
                mastership_state: self.mastership() as i32,
                host_name: self.host_name(),
                peer_address: self.peer_address.clone(),
                rollback_pending_seconds: rollback_at.map(|at| (at - db::now()).max(0) as u64),
                graceful_switchover: self.redundancy().graceful_switchover,
            },
            rollback_at,
        }
    }

    /// Tells the sessions when the RE's identity changes (a failover, a
    /// commit from anywhere, a rollback), so that no shell asks after each
    /// command. It wakes on a commit or a change of role only: an idle RE
    /// (a lab holds hundreds) does no work. The confirming of a `commit
    /// confirmed` installs nothing; the shell that confirms asks after it.
    async fn announce_identity(self: Arc<Self>) {
        let mut installed = self.config().installed();
        let mut roles = self.mastership.roles();
        loop {
            if self.sessions.count() > 0 {
                self.sessions.announce(&self.identity());
            }
            let changed = tokio::select! {
                changed = installed.changed() => changed.is_ok(),
                changed = roles.changed() => changed.is_ok(),
            };
            if !changed {
                return;
            }
        }
    }

    /// Rolls back a `commit confirmed` nobody confirmed, at its deadline,
    /// also when the deadline passed while the agent was down.
    async fn watch_confirmed_commits(self: Arc<Self>) {
        let changed = self.config().deadline_changed.clone();
        loop {
            let deadline = self.config().deadline();
            let Some(deadline) = deadline else {
                changed.notified().await;
                continue;
            };
            let wait = (deadline - db::now()).max(0) as u64;
            if wait > 0 {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(wait)) => {}
                    () = changed.notified() => {}
                }
                continue;
            }
            let committing = self.committing.lock().await;
            let term = self.mastership.term();
            let rolled_back = blocking(|| self.config().roll_back_unconfirmed(db::now(), term));
            drop(committing);
            match rolled_back {
                Ok(true) => {
                    let at = chrono::Utc::now().format("%H:%M UTC");
                    self.sessions.broadcast(&format!(
                        "\nBroadcast Message from root@{} (no tty) at {at}...\n\n\
                         Commit was not confirmed; automatic rollback complete.\n",
                        self.host_name()
                    ));
                }
                Ok(false) => {}
                Err(e) => {
                    eprintln!("{}: automatic rollback failed: {e:#}", self.slot);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Commits a `commit at` at its time, also when the time passed while
    /// the agent was down.
    async fn watch_scheduled_commits(self: Arc<Self>) {
        let changed = self.config().schedule_changed.clone();
        loop {
            let at = self.config().scheduled().map(|s| s.at);
            let Some(at) = at else {
                changed.notified().await;
                continue;
            };
            let wait = (at - db::now()).max(0) as u64;
            if wait > 0 {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(wait)) => {}
                    () = changed.notified() => {}
                }
                continue;
            }
            match blocking(|| self.config().unschedule()) {
                Ok(Some(scheduled)) => self.commit_scheduled(scheduled).await,
                Ok(None) => {}
                Err(e) => {
                    eprintln!("{}: cannot take the pending commit: {e}", self.slot);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// The state as clients see it: a claim in progress is still backup,
    /// a give-up in progress still master.
    fn mastership(&self) -> MastershipState {
        match self.mastership.role() {
            MastershipState::Claim => MastershipState::Backup,
            MastershipState::Giveup => MastershipState::Master,
            role => role,
        }
    }

    /// A value of the effective configuration, by its keys.
    fn committed(&self, keys: &[&str]) -> Option<String> {
        self.config().effective().descend(keys.iter().copied())?.values.first().map(|v| v.to_string())
    }

    fn host_name(&self) -> String {
        self.committed(&["system", "host-name"]).unwrap_or_else(|| model::default_host_name(self.slot))
    }

    /// This Routing Engine's status, from the host where it can tell, with
    /// the role its configuration asks for (`configured`).
    fn local_route_engine(&self, configured: Option<MastershipState>) -> RouteEngine {
        let role = self.mastership();
        let (temperature, cpu_temperature) = model::temperatures_celsius(self.slot);
        let memory = host::Memory::read();
        // A backup reports only its most recent CPU interval, as Junos does.
        let intervals: &[u32] =
            if role == MastershipState::Master { &host::CPU_INTERVALS } else { &host::CPU_INTERVALS[..1] };
        RouteEngine {
            slot: self.slot.number(),
            mastership_state: role as i32,
            mastership_priority: configured.unwrap_or(role) as i32,
            mastership_priority_configured: configured.is_some(),
            status: "OK".into(),
            temperature_celsius: temperature,
            cpu_temperature_celsius: cpu_temperature,
            memory_dram_size_mb: memory.map(|m| m.dram_mb),
            memory_installed_size_mb: memory.map(|m| m.installed_mb),
            memory_buffer_utilization: memory.map(|m| m.utilization_percent),
            cpu_utilization: self.cpu.utilization(intervals),
            model: model::RE_MODEL.into(),
            serial_number: model::re_serial(&self.serial, self.slot),
            start_time: unix_seconds(self.started_at),
            up_time_seconds: self.started.elapsed().as_secs(),
            last_reboot_reason: model::LAST_REBOOT_REASON.into(),
            load_averages: host::load_averages(),
            unresponsive: false,
        }
    }
}

/// Runs `work`, which may take long (a big parse, a commit, a wait for the
/// configuration database), without holding up the runtime's other tasks:
/// the worker thread first hands them to another, so mastership timing
/// never waits behind it. Inline where there is no other worker.
pub(crate) fn blocking<R>(work: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

fn unix_seconds(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Checks a startup configuration (Junos text or `set` lines) as an agent
/// would at its first start, on both Routing Engines (groups `re0` and `re1`
/// differ), without starting one: the error says the line and Junos's message.
pub fn check_startup_config(text: &str, node: Option<&str>) -> anyhow::Result<()> {
    let schema = Schema::shipped()?;
    let first = db::First { startup: Some(text), host_name: node };
    for slot in Slot::ALL {
        db::first_configuration(&schema, slot, first)?;
    }
    Ok(())
}

/// Starts serving one Routing Engine on `listener` until `shutdown` resolves
/// or the RE is halted or rebooted; the task ends saying which.
/// Everything that can fail at start fails here, before the task is spawned.
pub fn spawn(
    listener: TcpListener,
    options: AgentOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<JoinHandle<anyhow::Result<Exit>>> {
    // The RE's state (configurations, secrets, logs) is its own.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    std::fs::create_dir_all(&options.state_dir)
        .with_context(|| format!("cannot create state dir {}", options.state_dir.display()))?;
    std::fs::set_permissions(&options.state_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .with_context(|| format!("cannot make state dir {} private", options.state_dir.display()))?;
    let recovered = snapshot::recover_if_asked(&options.state_dir)
        .with_context(|| format!("cannot recover {} from its snapshot", options.slot))?;
    // What a crash cut short, in commits and file transfers: nothing writes yet.
    crate::durable::remove_temporaries(&options.state_dir)
        .with_context(|| format!("cannot clean up state dir {}", options.state_dir.display()))?;
    let schema = Schema::shipped()?;
    let (power, exits) = power::Power::new();
    let agent = Arc::new(Agent::new(&options, schema, power)?);
    if let Some(ended) = &options.restarted_after {
        agent.log_message("init", ended);
        agent.log_message("init", &format!("agent (PID {}) restarted", std::process::id()));
    }
    if let Some(taken) = recovered {
        agent.log_message(
            "vmhost",
            &format!("recovered from the snapshot taken {}", snapshot::describe_time(taken)),
        );
    }
    let configuration = {
        let agent = agent.clone();
        let server = ConfigurationServer::new(configuration::ConfigurationService { agent: agent.clone() })
            .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(crate::MAX_MESSAGE_BYTES);
        // The configuration is the management process's to serve.
        InterceptedService::new(server, move |request| {
            agent.processes.require(processes::Daemon::Management).map(|()| request)
        })
    };
    let fault_injection = options.fault_injection;
    let mut tasks: Vec<JoinHandle<()>> = processes::Daemon::ALL
        .into_iter()
        .map(|daemon| tokio::spawn(agent.clone().supervise(daemon)))
        .collect();
    tasks.push(tokio::spawn(agent.clone().watch_shutdowns()));
    tasks.push(tokio::spawn(agent.clone().save_regularly()));
    tasks.push(tokio::spawn(agent.clone().publish_links()));
    tasks.push(tokio::spawn(agent.clone().announce_identity()));
    let mut asked = exits.clone();
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let leaving = agent.clone();
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            _ = asked.wait_for(Option::is_some) => {}
        }
        leaving.say_leaving().await;
        // Streams that never end by themselves would keep the server from stopping.
        stopping.send_replace(true);
    };
    // Without TCP_NODELAY every small reply waits out the peer's delayed ACK
    // (about 40 ms a command).
    let gate = gate::Gate::default();
    let grace = options.login_grace_time;
    let incoming = TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .map(move |accepted| accepted.map(|stream| gate.admit(stream, grace)));
    let owner = agent.clone();
    let guard = auth::Guard(agent.authority.clone());
    let mut server = Server::builder()
        .max_concurrent_streams(STREAMS)
        .http2_keepalive_interval(Some(HTTP2_KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(HTTP2_KEEPALIVE_TIMEOUT));
    if let Some(tls) = &options.tls {
        server = server.tls_config(tls.server()?).context("cannot set up TLS")?;
    }
    let task = tokio::spawn(async move {
        let served = server
            .layer(guard)
            .add_service(
                AuthenticationServer::from_arc(agent.clone()).max_decoding_message_size(LOGIN_MESSAGE_BYTES),
            )
            .add_service(
                RoutingEngineServer::from_arc(agent.clone())
                    .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            )
            .add_service(
                PeerServer::from_arc(agent.clone())
                    .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            )
            .add_service(configuration)
            .add_service(
                SshdServer::new(sshd::SshdService { agent: agent.clone(), stopping: stopped })
                    .max_decoding_message_size(LOGIN_MESSAGE_BYTES),
            )
            .add_optional_service(fault_injection.then(|| FaultServer::from_arc(agent)))
            .serve_with_incoming_shutdown(incoming, stop)
            .await
            .context("gRPC server failed");
        tasks.iter().for_each(JoinHandle::abort);
        for task in tasks {
            let _ = task.await;
        }
        // The shared candidate as it is now, not as of the last round.
        owner.save_candidate();
        // The watchdogs first, so that nothing starts the daemons again.
        owner.processes.stop_all();
        served?;
        let exit = *exits.borrow();
        Ok(exit.unwrap_or(Exit::Stopped))
    });
    Ok(task)
}

/// Asks for SIGTERM (a graceful stop) when the process that started this
/// one ends, even by SIGKILL; and stops at once if it already has.
pub fn exit_with_parent() -> anyhow::Result<()> {
    let parent = rustix::process::getppid();
    rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))
        .context("cannot ask to stop with the parent process")?;
    // The parent may have gone before the request was made.
    if rustix::process::getppid() != parent {
        anyhow::bail!("the process that started this agent has ended");
    }
    Ok(())
}

/// Logins and their tokens travel in every call, so without TLS only this
/// host may reach an agent: an address other than loopback needs TLS, or
/// `--insecure` and a warning.
pub fn check_exposure(listen: SocketAddr, tls: bool, insecure: bool) -> anyhow::Result<()> {
    if listen.ip().is_loopback() || tls {
        return Ok(());
    }
    if !insecure {
        anyhow::bail!(
            "refusing to serve {listen} without TLS: only loopback addresses are served in the clear \
             (give --tls-cert, --tls-key and --tls-ca, or --insecure to serve it anyway)"
        );
    }
    eprintln!(
        "warning: serving {listen} without TLS: logins and everything else cross the network in the clear"
    );
    Ok(())
}
