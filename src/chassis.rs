//! Both Routing Engines together: in this process (the embedded chassis that a
//! plain `reshell` starts) or as two child processes (`reshell chassis`).

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::agent::{self, AgentOptions, ChassisSecret, Exit};
use crate::management;
use crate::slot::Slot;
use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::watch;

/// Where each Routing Engine's agent listens, as far as the shell knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    by_slot: [Option<String>; 2],
    /// Attach to whichever RE is master, as a management address that
    /// follows the master would.
    pub master: bool,
}

impl Addresses {
    pub fn get(&self, slot: Slot) -> Option<&str> {
        self.by_slot[slot.number() as usize].as_deref()
    }

    pub fn set(&mut self, slot: Slot, address: String) {
        self.by_slot[slot.number() as usize] = Some(address);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address list '{0}': expected re0=ADDR,re1=ADDR[,master]")]
pub struct InvalidAddresses(String);

/// `re0=ADDR,re1=ADDR`; either may be left out; `master` anywhere in the
/// list asks for the master.
impl FromStr for Addresses {
    type Err = InvalidAddresses;

    fn from_str(spec: &str) -> Result<Addresses, InvalidAddresses> {
        let invalid = || InvalidAddresses(spec.to_owned());
        let mut addresses = Addresses::default();
        for part in spec.split(',') {
            if part.trim() == "master" && !addresses.master {
                addresses.master = true;
                continue;
            }
            let (slot, address) = part.split_once('=').ok_or_else(invalid)?;
            let slot: Slot = slot.trim().parse().map_err(|_| invalid())?;
            if address.trim().is_empty() || addresses.get(slot).is_some() {
                return Err(invalid());
            }
            addresses.set(slot, address.trim().to_owned());
        }
        if Slot::ALL.iter().all(|&slot| addresses.get(slot).is_none()) {
            return Err(invalid());
        }
        Ok(addresses)
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
    chassis_dir.join(agent::HOST_KEY_FILE)
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
    /// Binds each address asked for and relays it to the master of the REs
    /// whose gRPC and SSH (or NETCONF) addresses are given, by slot; says
    /// where on `say`.
    async fn serve(
        self,
        grpc: [String; 2],
        ssh: [Option<SocketAddr>; 2],
        netconf: [Option<SocketAddr>; 2],
        secret: ChassisSecret,
        say: fn(&str),
    ) -> anyhow::Result<()> {
        for (name, address, services) in [("ssh", self.ssh, ssh), ("netconf", self.netconf, netconf)] {
            let Some(address) = address else { continue };
            let [Some(re0), Some(re1)] = services else {
                anyhow::bail!("the Routing Engines serve no {name} to relay {address} to")
            };
            let listener =
                TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
            say(&format!("{name} listening on {}", listener.local_addr()?));
            let engines = [
                management::Engine { grpc: grpc[0].clone(), service: re0 },
                management::Engine { grpc: grpc[1].clone(), service: re1 },
            ];
            tokio::spawn(management::serve(listener, engines, secret.clone()));
        }
        Ok(())
    }

    fn any(&self) -> bool {
        self.ssh.is_some() || self.netconf.is_some()
    }
}

/// Starts both agents on this runtime, each with its own gRPC server on a
/// loopback port, and the management addresses asked for; they run until
/// the runtime stops.
pub async fn start_embedded(
    state_dir: &Path,
    management: Management,
    startup_config: Option<&Path>,
) -> anyhow::Result<(Addresses, ChassisSecret)> {
    let listeners = [TcpListener::bind("127.0.0.1:0").await?, TcpListener::bind("127.0.0.1:0").await?];
    let bound = [listeners[0].local_addr()?, listeners[1].local_addr()?];
    let mut addresses = Addresses::default();
    let lease = lease_file(state_dir)?;
    let secret = ChassisSecret::open_or_create(&secret_file(state_dir))?;
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let (mut ssh, mut netconf) = ([None; 2], [None; 2]);
    for (slot, listener) in Slot::ALL.into_iter().zip(listeners) {
        let mut options = AgentOptions {
            slot,
            peer: bound[slot.other().number() as usize].to_string(),
            state_dir: re_state_dir(state_dir, slot),
            lease: Some(lease.clone()),
            fault_injection: false,
            secret: secret_file(state_dir),
            tls: None,
            ssh: management.ssh.map(|_| loopback),
            netconf: management.netconf.map(|_| loopback),
            ssh_host_key: host_key_file(state_dir),
            startup_config: startup_config.map(Path::to_path_buf),
            login_grace_time: agent::LOGIN_GRACE_TIME,
            restarted_after: None,
        };
        let address = bound[slot.number() as usize];
        let started = agent::spawn(listener, options.clone(), std::future::pending())?;
        let n = slot.number() as usize;
        (ssh[n], netconf[n]) = (started.ssh, started.netconf);
        // A reboot serves SSH again where the management address relays.
        (options.ssh, options.netconf) = (started.ssh, started.netconf);
        tokio::spawn(serve_until_halted(started.task, address, options));
        addresses.set(slot, address.to_string());
    }
    let grpc = bound.map(|a| a.to_string());
    management.serve(grpc, ssh, netconf, secret.clone(), |line| eprintln!("{line}")).await?;
    settle(&bound, &secret).await;
    Ok((addresses, secret))
}

/// An embedded RE that reboots comes back on its address with its state
/// on disk; one that halts stays down.
async fn serve_until_halted(
    mut server: tokio::task::JoinHandle<anyhow::Result<Exit>>,
    address: SocketAddr,
    options: AgentOptions,
) {
    while let Ok(Ok(Exit::Rebooted)) = server.await {
        let restarted = match TcpListener::bind(address).await {
            Ok(listener) => agent::spawn(listener, options.clone(), std::future::pending()).map(|s| s.task),
            Err(e) => Err(e.into()),
        };
        server = match restarted {
            Ok(server) => server,
            Err(e) => {
                eprintln!("{}: cannot restart after reboot: {e:#}", options.slot);
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

/// A free loopback port, found by binding to port 0. The agents need each
/// other's address before either starts, so the port is chosen here and
/// released for the child to bind; on loopback the window is a few milliseconds.
fn free_loopback_port() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
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
    let agent = Arc::new(AgentCommand {
        exe: std::env::current_exe().context("cannot find the reshell binary")?,
        state_dir: state_dir.to_path_buf(),
        lease: lease_file(state_dir)?,
        grpc: [free_loopback_port()?, free_loopback_port()?],
        ssh: [free_loopback_port()?, free_loopback_port()?],
        netconf: [free_loopback_port()?, free_loopback_port()?],
        fault_injection,
        startup_config: startup_config.map(Path::to_path_buf),
    });
    let (stop_tx, stop) = watch::channel(false);
    let mut running = tokio::task::JoinSet::new();
    for slot in Slot::ALL {
        running.spawn(keep_running(agent.clone(), slot, stop.clone()));
    }
    if management.any() {
        let secret = ChassisSecret::open_or_create(&secret_file(state_dir))?;
        let grpc = agent.grpc.map(|a| a.to_string());
        let (ssh, netconf) = (agent.ssh.map(Some), agent.netconf.map(Some));
        management.serve(grpc, ssh, netconf, secret, |line| println!("{line}")).await?;
    }
    let stop_requested = crate::shutdown::requested();
    tokio::pin!(stop_requested);
    loop {
        tokio::select! {
            _ = &mut stop_requested => break,
            done = running.join_next() => if done.is_none() { break },
        }
    }
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

    #[test]
    fn an_address_list_names_slots_and_may_ask_for_the_master() {
        let both: Addresses = "re0=a:1,re1=b:2".parse().unwrap();
        assert_eq!(
            (both.get(Slot::RE0), both.get(Slot::RE1), both.master),
            (Some("a:1"), Some("b:2"), false)
        );
        let master: Addresses = "master,re1=b:2".parse().unwrap();
        assert_eq!((master.get(Slot::RE0), master.get(Slot::RE1), master.master), (None, Some("b:2"), true));
        for bad in ["master", "re0=a,re0=b", "re2=a", "re0=", "a:1", "re0=a,master,master"] {
            assert!(bad.parse::<Addresses>().is_err(), "{bad}");
        }
    }
}
