//! Routing Engines wired to their front ends: one RE with its SSH server
//! (`reshell agent`), and both together, in this process (the embedded
//! chassis that a plain `reshell` starts) or as two child processes
//! (`reshell chassis`).

use std::ffi::OsStr;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::agent::{self, AgentOptions, ChassisSecret, Exit};
use crate::frontends::ssh::{self, AgentLink, SshOptions, SshServer};
use crate::management;
pub use crate::shell::Addresses;
use crate::slot::Slot;
use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// One Routing Engine: its agent, and its SSH server while the agent serves.
struct Re {
    agent: AgentOptions,
    ssh: SshOptions,
}

/// A Routing Engine being served.
struct Running {
    agent: JoinHandle<anyhow::Result<Exit>>,
    ssh: SshServer,
}

impl Re {
    /// Starts the agent on `listener`, then its SSH server, which asks the
    /// agent how to serve; both run until `shutdown` resolves or the RE is
    /// halted or rebooted.
    async fn start(
        &mut self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<Running> {
        let grpc = listener.local_addr()?;
        // Opening the state (a big startup configuration, say) is heavy:
        // the other chassis of a lab starting beside it go on being served.
        let agent = agent::blocking(|| agent::spawn(listener, self.agent.clone(), shutdown))?;
        let link = AgentLink {
            slot: self.agent.slot,
            grpc,
            secret: ChassisSecret::open_or_create(&self.agent.secret)?,
            tls: self.agent.tls.as_ref().map(crate::tls::AgentTls::client).transpose()?,
        };
        let ssh = SshServer::start(&self.ssh, link).await?;
        // A restart serves SSH again where clients last found it.
        (self.ssh.ssh, self.ssh.netconf) = (ssh.ssh, ssh.netconf);
        Ok(Running { agent, ssh })
    }
}

impl Running {
    /// How the agent ended; its SSH server and the server's connections
    /// end with it.
    async fn ended(self) -> anyhow::Result<Exit> {
        let exit = self.agent.await;
        self.ssh.stop().await;
        exit?
    }
}

/// How `reshell agent` ended. Its exit status tells them apart, so that
/// `reshell chassis` starts again an agent that was stopped or killed, and
/// leaves a halted one down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Halted,
    Stopped(crate::shutdown::Signal),
}

impl Ended {
    pub fn exit_status(self) -> u8 {
        match self {
            Ended::Halted => 0,
            Ended::Stopped(signal) => signal.exit_status(),
        }
    }
}

/// `reshell agent`: binds, says where, and serves until Ctrl-C, SIGTERM or
/// a halt; a reboot serves again on the same addresses with the state on disk.
pub async fn run_agent(listen: SocketAddr, agent: AgentOptions, ssh: SshOptions) -> anyhow::Result<Ended> {
    let mut listen = listen;
    let mut re = Re { agent, ssh };
    loop {
        let listener =
            TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        listen = listener.local_addr()?;
        let (signalled, signal) = tokio::sync::oneshot::channel();
        let shutdown = async move {
            let _ = signalled.send(crate::shutdown::requested().await);
        };
        let running = re.start(listener, shutdown).await?;
        // A reboot is no restart by the chassis.
        re.agent.restarted_after = None;
        // Printed once the sockets accept connections: whoever started us waits for them.
        if let Some(ssh) = running.ssh.ssh {
            println!("ssh listening on {ssh}");
        }
        if let Some(netconf) = running.ssh.netconf {
            println!("netconf listening on {netconf}");
        }
        println!("listening on {listen}");
        match running.ended().await? {
            Exit::Rebooted => println!("rebooting"),
            Exit::Halted => {
                println!("halted");
                return Ok(Ended::Halted);
            }
            Exit::Stopped => {
                let signal = signal.await.unwrap_or(crate::shutdown::Signal::Terminate);
                return Ok(Ended::Stopped(signal));
            }
        }
    }
}

/// Each RE keeps its state in a directory of its own under the chassis's.
pub fn re_state_dir(chassis_dir: &Path, slot: Slot) -> PathBuf {
    chassis_dir.join(slot.to_string())
}

/// The secret both REs of one chassis prove themselves to each other with.
pub fn secret_file(chassis_dir: &Path) -> PathBuf {
    chassis_dir.join("chassis-secret")
}

/// The SSH host key both REs of one chassis present, so that the management
/// address shows one host whichever RE is master.
fn host_key_file(chassis_dir: &Path) -> PathBuf {
    chassis_dir.join(ssh::HOST_KEY_FILE)
}

/// The mastership lease both REs of one chassis share.
fn lease_file(chassis_dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(chassis_dir)
        .with_context(|| format!("cannot create state dir {}", chassis_dir.display()))?;
    Ok(chassis_dir.join("mastership-lease"))
}

/// The management addresses a chassis may serve: SSH and NETCONF, each
/// leading to whichever Routing Engine is master.
#[derive(Debug, Clone, Copy, Default)]
pub struct Management {
    pub ssh: Option<SocketAddr>,
    pub netconf: Option<SocketAddr>,
}

impl Management {
    /// Binds each address asked for.
    async fn bind(self) -> anyhow::Result<ManagementListeners> {
        let mut bound = ManagementListeners { ssh: None, netconf: None };
        for (address, listener) in [(self.ssh, &mut bound.ssh), (self.netconf, &mut bound.netconf)] {
            if let Some(address) = address {
                *listener = Some(bind(address).await?);
            }
        }
        Ok(bound)
    }

    /// One line for each address served, as `reshell chassis` and the
    /// embedded chassis say where they listen.
    pub fn lines(&self) -> impl Iterator<Item = String> {
        [("ssh", self.ssh), ("netconf", self.netconf)]
            .into_iter()
            .filter_map(|(name, address)| Some(format!("{name} listening on {}", address?)))
    }

    fn any(&self) -> bool {
        self.ssh.is_some() || self.netconf.is_some()
    }
}

/// The management addresses, bound and not yet relayed.
struct ManagementListeners {
    ssh: Option<TcpListener>,
    netconf: Option<TcpListener>,
}

impl ManagementListeners {
    /// Relays each address to the master of the REs whose gRPC and SSH (or
    /// NETCONF) addresses are given, by slot, in tasks of `relays`; says
    /// where they were bound.
    fn relay(
        self,
        grpc: [String; 2],
        ssh: [Option<SocketAddr>; 2],
        netconf: [Option<SocketAddr>; 2],
        secret: ChassisSecret,
        relays: &mut JoinSet<()>,
    ) -> anyhow::Result<Management> {
        let mut bound = Management::default();
        for (name, listener, services, bound) in
            [("ssh", self.ssh, ssh, &mut bound.ssh), ("netconf", self.netconf, netconf, &mut bound.netconf)]
        {
            let Some(listener) = listener else { continue };
            let address = listener.local_addr()?;
            *bound = Some(address);
            let [Some(re0), Some(re1)] = services else {
                anyhow::bail!("the Routing Engines serve no {name} to relay {address} to")
            };
            let engines = [
                management::Engine { grpc: grpc[0].clone(), service: re0 },
                management::Engine { grpc: grpc[1].clone(), service: re1 },
            ];
            relays.spawn(management::serve(listener, engines, secret.clone()));
        }
        Ok(bound)
    }
}

/// How to start an embedded chassis.
#[derive(Debug, Clone)]
pub struct Embedded {
    pub state_dir: PathBuf,
    pub management: Management,
    /// Committed with the factory default when the state dir is new.
    pub startup_config: Option<PathBuf>,
    /// Where each RE serves gRPC, by slot; port 0 picks a free one.
    pub grpc: [SocketAddr; 2],
    /// The lab node the chassis is (see [`AgentOptions::node`]).
    pub node: Option<String>,
    /// The lab this chassis is cabled into; its agents then serve fault
    /// injection, so that its links and REs can be taken down.
    pub fabric: Option<crate::agent::Attachment>,
}

impl Embedded {
    /// A chassis with its state in `state_dir`, on free loopback ports.
    pub fn new(state_dir: &Path) -> Embedded {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        Embedded {
            state_dir: state_dir.to_path_buf(),
            management: Management::default(),
            startup_config: None,
            grpc: [loopback; 2],
            node: None,
            fabric: None,
        }
    }
}

/// An embedded chassis being served.
pub struct Started {
    /// The REs' gRPC addresses.
    pub addresses: Addresses,
    pub grpc: [SocketAddr; 2],
    pub secret: ChassisSecret,
    /// The management addresses, as bound.
    pub management: Management,
    pub serving: Serving,
}

/// An embedded chassis's REs and management relays, served while this is
/// held. Its end stops them as the end of `reshell agent` does: each RE
/// saves its shared candidate, tells the other it is leaving and ends its
/// sessions. Left to the runtime's end instead, they would be cut off in
/// the middle of whatever they were doing.
pub struct Serving {
    stop: watch::Sender<bool>,
    engines: Vec<JoinHandle<()>>,
    relays: JoinSet<()>,
}

impl Serving {
    /// Stops the chassis and waits until its REs have stopped.
    pub async fn stop(self) {
        let Serving { stop, engines, mut relays } = self;
        relays.shutdown().await;
        stop.send_replace(true);
        for engine in engines {
            let _ = engine.await;
        }
    }
}

/// Resolves when the chassis is to stop: its `Serving` asked to, or dropped.
async fn until_stopped(mut asked: watch::Receiver<bool>) {
    let _ = asked.wait_for(|stop| *stop).await;
}

/// Starts both agents on this runtime, each with its own gRPC server, and
/// the management addresses asked for; they run while the `Serving` of
/// what is returned is held.
pub async fn start_embedded(chassis: Embedded) -> anyhow::Result<Started> {
    let Embedded { state_dir, management, startup_config, grpc, node, fabric } = chassis;
    // Every address asked for is bound before the REs start: their
    // connections take free ports as their own, perhaps one asked for.
    let listeners = [bind(grpc[0]).await?, bind(grpc[1]).await?];
    let management_listeners = management.bind().await?;
    let bound = [listeners[0].local_addr()?, listeners[1].local_addr()?];
    let mut addresses = Addresses::default();
    let lease = lease_file(&state_dir)?;
    let secret = ChassisSecret::open_or_create(&secret_file(&state_dir))?;
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let (mut ssh, mut netconf) = ([None; 2], [None; 2]);
    let mut serving = Serving { stop: watch::channel(false).0, engines: Vec::new(), relays: JoinSet::new() };
    for (slot, listener) in Slot::ALL.into_iter().zip(listeners) {
        let agent = AgentOptions {
            slot,
            peer: bound[slot.other().number() as usize].to_string(),
            state_dir: re_state_dir(&state_dir, slot),
            lease: Some(lease.clone()),
            fault_injection: fabric.is_some(),
            secret: secret_file(&state_dir),
            tls: None,
            startup_config: startup_config.clone(),
            login_grace_time: crate::admission::LOGIN_GRACE_TIME,
            restarted_after: None,
            fabric: fabric.clone(),
            node: node.clone(),
        };
        let ssh_options = SshOptions {
            ssh: management_listeners.ssh.as_ref().map(|_| loopback),
            netconf: management_listeners.netconf.as_ref().map(|_| loopback),
            host_key: host_key_file(&state_dir),
            login_grace_time: crate::admission::LOGIN_GRACE_TIME,
        };
        let mut re = Re { agent, ssh: ssh_options };
        let address = bound[slot.number() as usize];
        let running = re.start(listener, until_stopped(serving.stop.subscribe())).await?;
        let n = slot.number() as usize;
        // A reboot serves SSH again there, where the management address relays.
        (ssh[n], netconf[n]) = (running.ssh.ssh, running.ssh.netconf);
        let asked = serving.stop.subscribe();
        serving.engines.push(tokio::spawn(serve_until_halted(running, address, re, asked)));
        addresses.set(slot, address.to_string());
    }
    let grpc = bound.map(|a| a.to_string());
    let management = management_listeners.relay(grpc, ssh, netconf, secret.clone(), &mut serving.relays)?;
    settle(&bound, &secret).await;
    Ok(Started { addresses, grpc: bound, secret, management, serving })
}

async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))
}

/// An embedded RE that reboots comes back on its address with its state
/// on disk; one that halts stays down, and so does one stopped (`asked`).
async fn serve_until_halted(
    mut running: Running,
    address: SocketAddr,
    mut re: Re,
    asked: watch::Receiver<bool>,
) {
    while let Ok(Exit::Rebooted) = running.ended().await {
        let restarted = match TcpListener::bind(address).await {
            Ok(listener) => re.start(listener, until_stopped(asked.clone())).await,
            Err(e) => Err(e.into()),
        };
        running = match restarted {
            Ok(running) => running,
            Err(e) => {
                eprintln!("{}: cannot restart after reboot: {e:#}", re.agent.slot);
                return;
            }
        };
    }
}

/// Waits (a few milliseconds, normally) until the election has made one RE
/// master, so the first prompt shows the role the chassis will keep. With
/// both REs configured backup there is none to wait for: the deadline ends it.
async fn settle(agents: &[SocketAddr; 2], secret: &ChassisSecret) {
    let grpc = agents.map(|a| a.to_string());
    let settled = std::time::Duration::from_secs(3);
    management::find_master(&grpc, secret, settled, std::time::Duration::from_millis(10)).await;
}

/// A free loopback port, held by binding to port 0. The agents need each
/// other's address before either starts, so the port is chosen here and
/// released for the child to bind. Held until then, it cannot be given to
/// this process's own listeners; on loopback the window is a few milliseconds.
fn reserve_loopback_port() -> anyhow::Result<std::net::TcpListener> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?)
}

/// How `reshell chassis` starts one RE's agent: the same ports each time, so
/// the other RE and the management addresses find a restarted one.
struct AgentCommand {
    exe: PathBuf,
    state_dir: PathBuf,
    lease: PathBuf,
    grpc: [SocketAddr; 2],
    ssh: [SocketAddr; 2],
    netconf: [SocketAddr; 2],
    fault_injection: bool,
    startup_config: Option<PathBuf>,
}

impl AgentCommand {
    /// `restarted_after`: how the agent this one replaces ended, for its log.
    fn spawn(&self, slot: Slot, restarted_after: Option<&str>) -> anyhow::Result<tokio::process::Child> {
        let n = slot.number() as usize;
        Command::new(&self.exe)
            .arg("agent")
            .args(["--slot", &slot.number().to_string()])
            .args(["--listen", &self.grpc[n].to_string()])
            .args(["--peer", &self.grpc[slot.other().number() as usize].to_string()])
            .args(["--ssh-listen", &self.ssh[n].to_string()])
            .args(["--netconf-listen", &self.netconf[n].to_string()])
            .arg("--ssh-host-key")
            .arg(host_key_file(&self.state_dir))
            .arg("--exit-with-parent")
            .arg("--state-dir")
            .arg(re_state_dir(&self.state_dir, slot))
            .arg("--lease")
            .arg(&self.lease)
            .arg("--secret")
            .arg(secret_file(&self.state_dir))
            .args(self.fault_injection.then_some("--fault-injection"))
            .args(
                self.startup_config
                    .as_ref()
                    .map(|file| [OsStr::new("--startup-config"), file.as_os_str()])
                    .into_iter()
                    .flatten(),
            )
            .args(restarted_after.map(|ended| ["--restarted-after", ended]).into_iter().flatten())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // Ctrl-C at the chassis's terminal is the chassis's to handle:
            // it stops the agents itself, and a signal that reached them
            // first would read as a crash.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start the {slot} agent"))
    }
}

/// The first wait before a crashed agent is started again...
const RESTART_FIRST: Duration = Duration::from_secs(1);
/// ...doubled at each crash up to this...
const RESTART_MOST: Duration = Duration::from_secs(30);
/// ...and back to the first after an agent ran this long.
const RESTART_STEADY: Duration = Duration::from_secs(60);

/// The waits before an agent that keeps crashing is started again, as
/// init spaces the restarts of a daemon that keeps failing.
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff { next: RESTART_FIRST }
    }

    /// The wait after an agent that ran for `ran`.
    fn after(&mut self, ran: Duration) -> Duration {
        if ran >= RESTART_STEADY {
            self.next = RESTART_FIRST;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(RESTART_MOST);
        wait
    }
}

/// How an agent process ended, as init logs a daemon's end.
fn ending(pid: u32, status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.signal(), status.code()) {
        (Some(signal), _) => format!("agent (PID {pid}) terminated by signal number {signal}!"),
        (None, Some(code)) => format!("agent (PID {pid}) exited with status={code}"),
        (None, None) => format!("agent (PID {pid}) ended"),
    }
}

/// Runs one RE's agent until the chassis stops: an agent that was killed or
/// crashed is started again after a backoff; one that was halted (it exits
/// with status 0) stays down.
async fn keep_running(agent: Arc<AgentCommand>, slot: Slot, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::new();
    let mut restarted_after: Option<String> = None;
    loop {
        let started = Instant::now();
        let ended = match agent.spawn(slot, restarted_after.as_deref()) {
            Ok(mut child) => {
                let pid = child.id().unwrap_or(0);
                println!("{slot}: agent started (PID {pid})");
                if let Some(stdout) = child.stdout.take() {
                    tokio::spawn(async move {
                        let mut lines = BufReader::new(stdout).lines();
                        while let Ok(Some(line)) = lines.next_line().await {
                            println!("{slot}: {line}");
                        }
                    });
                }
                tokio::select! {
                    status = child.wait() => match status {
                        Ok(status) if status.success() => {
                            println!("{slot}: agent (PID {pid}) halted; it stays down");
                            return;
                        }
                        Ok(status) => ending(pid, status),
                        Err(e) => format!("agent (PID {pid}) lost ({e})"),
                    },
                    _ = stop.changed() => {
                        let _ = child.kill().await;
                        return;
                    }
                }
            }
            Err(e) => format!("agent could not start ({e:#})"),
        };
        let wait = backoff.after(started.elapsed());
        println!("{slot}: {ended}; restarting in {} s", wait.as_secs());
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        restarted_after = Some(ended);
    }
}

/// `reshell chassis`: both agents as child processes, their output prefixed
/// with the RE's name, until Ctrl-C or SIGTERM (which stop both) or until
/// both are halted. An agent that dies otherwise is started again.
pub async fn run_children(
    state_dir: &Path,
    fault_injection: bool,
    management: Management,
    startup_config: Option<&Path>,
) -> anyhow::Result<()> {
    let reserved: Vec<std::net::TcpListener> =
        (0..6).map(|_| reserve_loopback_port()).collect::<Result<_, _>>()?;
    let ports: Vec<SocketAddr> = reserved.iter().map(|r| r.local_addr()).collect::<Result<_, _>>()?;
    // The management addresses are bound while the REs' ports are held,
    // so that port 0 there cannot pick one an agent is about to bind.
    let listeners = management.bind().await?;
    drop(reserved);
    let agent = Arc::new(AgentCommand {
        exe: std::env::current_exe().context("cannot find the reshell binary")?,
        state_dir: state_dir.to_path_buf(),
        lease: lease_file(state_dir)?,
        grpc: [ports[0], ports[1]],
        ssh: [ports[2], ports[3]],
        netconf: [ports[4], ports[5]],
        fault_injection,
        startup_config: startup_config.map(Path::to_path_buf),
    });
    let (stop_tx, stop) = watch::channel(false);
    let mut running = JoinSet::new();
    let mut relays = JoinSet::new();
    for slot in Slot::ALL {
        running.spawn(keep_running(agent.clone(), slot, stop.clone()));
    }
    if management.any() {
        let secret = ChassisSecret::open_or_create(&secret_file(state_dir))?;
        let grpc = agent.grpc.map(|a| a.to_string());
        let (ssh, netconf) = (agent.ssh.map(Some), agent.netconf.map(Some));
        for line in listeners.relay(grpc, ssh, netconf, secret, &mut relays)?.lines() {
            println!("{line}");
        }
    }
    let stop_requested = crate::shutdown::requested();
    tokio::pin!(stop_requested);
    loop {
        tokio::select! {
            _ = &mut stop_requested => break,
            done = running.join_next() => if done.is_none() { break },
        }
    }
    relays.shutdown().await;
    let _ = stop_tx.send(true);
    while running.join_next().await.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_while_an_agent_keeps_crashing_and_start_over_once_it_ran() {
        let mut backoff = Backoff::new();
        let quick = Duration::from_millis(10);
        let waits: Vec<u64> = (0..7).map(|_| backoff.after(quick).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff.after(RESTART_STEADY), RESTART_FIRST);
        assert_eq!(backoff.after(quick).as_secs(), 2);
    }

    #[test]
    fn an_agents_end_reads_as_inits() {
        use std::os::unix::process::ExitStatusExt;
        let killed = std::process::ExitStatus::from_raw(9);
        assert_eq!(ending(42, killed), "agent (PID 42) terminated by signal number 9!");
        let failed = std::process::ExitStatus::from_raw(1 << 8);
        assert_eq!(ending(42, failed), "agent (PID 42) exited with status=1");
    }
}
