//! The daemons an RE runs and the watchdog over them. Each daemon is a task
//! that owns its part of the RE's work; the watchdog starts it, restarts it
//! when it dies, keeps it down when the configuration disables it, and hands
//! mastership to the other RE when a critical one keeps failing.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};
use tokio::task::{AbortHandle, JoinError};
use tonic::Status;

use prost::Message;

use super::db::now;
use super::{Agent, forwarding, host, model, unix_seconds};
use crate::proto::restart_process_request::Mode;
use crate::proto::{
    ChassisInventory, FpcInformation, MastershipState, Process, ProcessInformation,
    change_mastership_request::Action, process,
};

/// Failures within [`FAILURE_WINDOW`] that trigger a configured failover.
const FAILOVER_FAILURES: usize = 4;
const FAILURE_WINDOW: Duration = Duration::from_secs(30);
/// How long `restart` waits for the watchdog to start the daemon again.
const RESTART_WAIT: Duration = Duration::from_secs(5);
/// The first id a daemon gets after a boot: below are the RE's own processes.
const FIRST_PID: u32 = 1001;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    Management,
    ChassisControl,
    InterfaceControl,
    Routing,
    Pfe,
}

impl Daemon {
    pub const ALL: [Daemon; 5] =
        [Daemon::Management, Daemon::ChassisControl, Daemon::InterfaceControl, Daemon::Routing, Daemon::Pfe];

    /// The name `system processes` and `restart` use.
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Management => "management",
            Daemon::ChassisControl => "chassis-control",
            Daemon::InterfaceControl => "interface-control",
            Daemon::Routing => "routing",
            Daemon::Pfe => "pfe",
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            Daemon::Management => "mgd",
            Daemon::ChassisControl => "chassisd",
            Daemon::InterfaceControl => "dcd",
            Daemon::Routing => "rpd",
            Daemon::Pfe => "pfed",
        }
    }

    /// How `restart` names it: `Routing protocol daemon started, pid 1042`.
    fn title(self) -> &'static str {
        match self {
            Daemon::Management => "Management process",
            Daemon::ChassisControl => "Chassis control process",
            Daemon::InterfaceControl => "Interface control process",
            Daemon::Routing => "Routing protocol daemon",
            Daemon::Pfe => "Packet Forwarding Engine process",
        }
    }

    /// A `system processes` name or a daemon's.
    pub fn parse(name: &str) -> Option<Daemon> {
        Daemon::ALL.into_iter().find(|d| d.name() == name || d.command() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What a request that needs `daemon` gets while it is down.
pub fn not_running(daemon: Daemon) -> Status {
    Status::failed_precondition(format!("the {} subsystem is not running", daemon.name()))
}

/// Why a running daemon is being stopped; none when it died by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Restart(Mode),
    Disable,
}

#[derive(Default)]
struct Entry {
    /// 0 while not running.
    pid: u32,
    state: process::State,
    started: i64,
    restarts: u32,
    failures: VecDeque<Instant>,
    cpu: Arc<AtomicU64>,
    task: Option<AbortHandle>,
    stopping: Option<Stop>,
}

pub struct Processes {
    entries: Mutex<[Entry; 5]>,
    last_pid: AtomicU32,
    /// Bumped at every start, for `restart` to wait on.
    starts: watch::Sender<u64>,
    /// A soft restart: the daemon reads the configuration again.
    reload: [Notify; 5],
}

impl Processes {
    pub fn new() -> Processes {
        Processes {
            entries: Mutex::new(Default::default()),
            last_pid: AtomicU32::new(FIRST_PID - 1),
            starts: watch::channel(0).0,
            reload: Default::default(),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, [Entry; 5]> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn running(&self, daemon: Daemon) -> bool {
        self.entries()[daemon.index()].pid != 0
    }

    /// The error a request that needs `daemon` gets while it is down.
    pub fn require(&self, daemon: Daemon) -> Result<(), Status> {
        if self.running(daemon) { Ok(()) } else { Err(not_running(daemon)) }
    }

    /// When `daemon` started, in Unix seconds; the error of [`require`]
    /// while it is down.
    pub fn started_at(&self, daemon: Daemon) -> Result<i64, Status> {
        let entry = &self.entries()[daemon.index()];
        if entry.pid != 0 { Ok(entry.started) } else { Err(not_running(daemon)) }
    }

    /// Wakes when `restart DAEMON soft` asks it to read its configuration again.
    pub fn reloaded(&self, daemon: Daemon) -> &Notify {
        &self.reload[daemon.index()]
    }

    pub fn last_pid(&self) -> u32 {
        self.last_pid.load(Ordering::Relaxed)
    }

    /// Records a daemon's start; returns its id and the counter of its time on CPU.
    fn started(&self, daemon: Daemon, task: AbortHandle, cpu: Arc<AtomicU64>) -> u32 {
        let pid = self.last_pid.fetch_add(1, Ordering::Relaxed) + 1;
        let mut entries = self.entries();
        let entry = &mut entries[daemon.index()];
        if entry.started != 0 {
            entry.restarts += 1;
        }
        *entry = Entry {
            pid,
            state: process::State::Running,
            started: now(),
            cpu,
            task: Some(task),
            stopping: None,
            failures: std::mem::take(&mut entry.failures),
            restarts: entry.restarts,
        };
        drop(entries);
        self.starts.send_modify(|n| *n += 1);
        pid
    }

    /// Records that a daemon's task ended; returns the id it had and why it
    /// was stopped, if it was.
    fn ended(&self, daemon: Daemon) -> (u32, Option<Stop>) {
        let mut entries = self.entries();
        let entry = &mut entries[daemon.index()];
        let pid = std::mem::take(&mut entry.pid);
        entry.task = None;
        entry.state = if entry.stopping == Some(Stop::Disable) {
            process::State::Disabled
        } else {
            process::State::Down
        };
        (pid, entry.stopping.take())
    }

    /// Counts an unexpected death; true when it makes [`FAILOVER_FAILURES`]
    /// within the window (and starts a new count).
    fn failed(&self, daemon: Daemon) -> bool {
        let mut entries = self.entries();
        let failures = &mut entries[daemon.index()].failures;
        let now = Instant::now();
        failures.push_back(now);
        while failures.front().is_some_and(|t| now.duration_since(*t) > FAILURE_WINDOW) {
            failures.pop_front();
        }
        if failures.len() >= FAILOVER_FAILURES {
            failures.clear();
            return true;
        }
        false
    }

    fn disabled(&self, daemon: Daemon) {
        self.entries()[daemon.index()].state = process::State::Disabled;
    }

    /// Ends a daemon's task; `why` is what the watchdog is told.
    fn stop(&self, daemon: Daemon, why: Option<Stop>) -> Option<u32> {
        let mut entries = self.entries();
        let entry = &mut entries[daemon.index()];
        let task = entry.task.as_ref()?;
        task.abort();
        entry.stopping = why;
        Some(entry.pid)
    }

    /// The RE stops: every daemon with it.
    pub fn stop_all(&self) {
        self.entries().iter().filter_map(|e| e.task.as_ref()).for_each(AbortHandle::abort);
    }

    /// `reshell fault crash-process NAME`: the daemon dies as with SIGKILL.
    pub fn crash(&self, daemon: Daemon) -> Option<u32> {
        self.stop(daemon, None)
    }

    /// What `show system processes` lists of each daemon, but for the state
    /// each holds and its failover, which are the agent's to tell.
    fn list(&self) -> Vec<Process> {
        let entries = self.entries();
        let window = Instant::now().checked_sub(FAILURE_WINDOW);
        Daemon::ALL
            .into_iter()
            .map(|daemon| {
                let entry = &entries[daemon.index()];
                Process {
                    name: daemon.name().into(),
                    command: daemon.command().into(),
                    pid: entry.pid,
                    state: entry.state as i32,
                    started: entry.started,
                    restarts: entry.restarts,
                    recent_failures: entry.failures.iter().filter(|t| window.is_none_or(|w| **t > w)).count()
                        as u32,
                    cpu_micros: if entry.pid != 0 { entry.cpu.load(Ordering::Relaxed) } else { 0 },
                    ..Process::default()
                }
            })
            .collect()
    }
}

/// A daemon's future, timed: each poll's duration is its time on a CPU.
struct Timed {
    inner: Pin<Box<dyn Future<Output = ()> + Send>>,
    cpu: Arc<AtomicU64>,
}

impl Future for Timed {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let start = Instant::now();
        let polled = self.inner.as_mut().poll(cx);
        self.cpu.fetch_add(start.elapsed().as_micros() as u64, Ordering::Relaxed);
        polled
    }
}

/// How a daemon's end reads in the log.
fn ending(ended: &Result<(), JoinError>, stop: Option<Stop>) -> &'static str {
    match (ended, stop) {
        (_, Some(Stop::Restart(Mode::Immediately))) => "terminated by signal number 9!",
        (_, Some(_)) => "exited with status=0 Normal Exit",
        (Err(e), None) if e.is_panic() => "terminated by signal number 6!",
        (Err(_), None) => "terminated by signal number 9!",
        (Ok(()), None) => "exited with status=1",
    }
}

impl Agent {
    /// What the committed configuration says of a daemon: disabled, and
    /// its failover action.
    fn process_settings(&self, daemon: Daemon) -> (bool, Option<String>) {
        let db = self.config();
        let Some(node) = db.effective().descend(["system", "processes", daemon.name()]) else {
            return (false, None);
        };
        let failover = node.descend(["failover"]).and_then(|n| n.values.first().map(|v| v.to_string()));
        (node.children.contains_key("disable"), failover)
    }

    /// The watchdog over one daemon, for the agent's life.
    pub(super) async fn supervise(self: Arc<Self>, daemon: Daemon) {
        let mut installed = self.config().installed();
        loop {
            if self.process_settings(daemon).0 {
                self.processes.disabled(daemon);
                if installed.changed().await.is_err() {
                    return;
                }
                continue;
            }
            let cpu = Arc::new(AtomicU64::new(0));
            let body = Timed { inner: self.clone().daemon_body(daemon), cpu: cpu.clone() };
            let mut task = tokio::spawn(body);
            let pid = self.processes.started(daemon, task.abort_handle(), cpu);
            self.log_message("init", &format!("{} (PID {pid}) started", daemon.name()));
            let ended = loop {
                tokio::select! {
                    ended = &mut task => break ended,
                    changed = installed.changed() => {
                        if changed.is_ok() && self.process_settings(daemon).0 {
                            self.processes.stop(daemon, Some(Stop::Disable));
                        }
                    }
                }
            };
            let (pid, stop) = self.processes.ended(daemon);
            self.log_message("init", &format!("{} (PID {pid}) {}", daemon.name(), ending(&ended, stop)));
            if stop.is_none() && self.processes.failed(daemon) {
                tokio::spawn(self.clone().failed_too_often(daemon));
            }
        }
    }

    /// `system processes NAME failover ...`: the daemon failed four times
    /// within 30 seconds.
    async fn failed_too_often(self: Arc<Self>, daemon: Daemon) {
        let why = format!(
            "{} failed {FAILOVER_FAILURES} times within {} seconds",
            daemon.name(),
            FAILURE_WINDOW.as_secs()
        );
        match self.process_settings(daemon).1.as_deref() {
            Some("other-routing-engine") if self.mastership.role() == MastershipState::Master => {
                self.log_message("init", &format!("{why}: failing over to the other Routing Engine"));
                self.mastership.note(&format!("{why}: releasing mastership (failover other-routing-engine)"));
                if let Err(e) = self.change_mastership(Action::Release, false).await {
                    self.mastership.note(&format!("failover on {} failed: {}", daemon.name(), e.message()));
                }
            }
            Some("alternate-media") => {
                self.log_message(
                    "init",
                    &format!("{why}: the Routing Engine would reboot from alternate media (failover alternate-media)"),
                );
            }
            _ => {}
        }
    }

    /// `restart PROCESS [gracefully|immediately|soft]`: returns what Junos
    /// prints, once the daemon runs again.
    pub(super) async fn restart_process(&self, name: &str, mode: Mode) -> Result<String, Status> {
        let daemon = Daemon::parse(name)
            .ok_or_else(|| Status::invalid_argument(format!("invalid process name '{name}'")))?;
        if self.process_settings(daemon).0 {
            return Err(Status::failed_precondition(format!("{} is disabled", daemon.title())));
        }
        let mut starts = self.processes.starts.subscribe();
        if mode == Mode::Soft {
            let pid = self.processes.entries()[daemon.index()].pid;
            if pid == 0 {
                return Err(Status::failed_precondition(format!("{} is not running", daemon.title())));
            }
            self.processes.reloaded(daemon).notify_one();
            self.log_message("init", &format!("{} (PID {pid}) reconfigured", daemon.name()));
            return Ok(format!("{} signalled, pid {pid}", daemon.title()));
        }
        let old = self.processes.stop(daemon, Some(Stop::Restart(mode)));
        let started = tokio::time::timeout(RESTART_WAIT, async {
            loop {
                let pid = self.processes.entries()[daemon.index()].pid;
                if pid != 0 && Some(pid) != old {
                    return Some(pid);
                }
                starts.changed().await.ok()?;
            }
        })
        .await;
        match started {
            Ok(Some(pid)) => Ok(format!("{} started, pid {pid}", daemon.title())),
            _ => Err(Status::unavailable(format!("{} did not start again", daemon.title()))),
        }
    }

    /// `show system processes`.
    pub(super) fn process_information(&self) -> ProcessInformation {
        let mut processes = self.processes.list();
        for (process, daemon) in processes.iter_mut().zip(Daemon::ALL) {
            if process.pid != 0 {
                process.resident_bytes = self.holds(daemon);
            }
            process.failover = self.process_settings(daemon).1.unwrap_or_default();
        }
        ProcessInformation {
            processes,
            last_pid: self.processes.last_pid(),
            booted: unix_seconds(self.started_at),
            now: now(),
            load_averages: host::load_averages(),
            cpu: self.cpu.utilization(&[5]).pop(),
            memory: host::memory_use(),
        }
    }

    /// The bytes of state a running daemon holds, measured as encoded.
    fn holds(&self, daemon: Daemon) -> u64 {
        let bytes = match daemon {
            Daemon::Management => self.config().committed_bytes(),
            Daemon::ChassisControl => {
                ChassisInventory { modules: model::chassis_inventory(&self.serial) }.encoded_len()
            }
            Daemon::InterfaceControl => {
                self.plane.interfaces.built().map_or(0, |i| i.iter().map(Message::encoded_len).sum())
            }
            Daemon::Routing => {
                self.plane.routes.built().map_or(0, |r| r.iter().map(Message::encoded_len).sum())
            }
            Daemon::Pfe => FpcInformation { fpcs: forwarding::fpcs(0) }.encoded_len(),
        };
        bytes as u64
    }

    /// A line in `/var/log/messages`.
    pub(super) fn log_message(&self, process: &str, text: &str) {
        self.messages.line(&self.host_name(), process, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemons_are_found_by_either_name() {
        assert_eq!(Daemon::parse("routing"), Some(Daemon::Routing));
        assert_eq!(Daemon::parse("rpd"), Some(Daemon::Routing));
        assert_eq!(Daemon::parse("chassisd"), Some(Daemon::ChassisControl));
        assert_eq!(Daemon::parse("bgp"), None);
    }

    #[tokio::test]
    async fn the_fourth_failure_within_the_window_triggers_failover_once() {
        let processes = Processes::new();
        let task = tokio::spawn(std::future::pending::<()>());
        processes.started(Daemon::Routing, task.abort_handle(), Arc::default());
        assert!(!processes.failed(Daemon::Routing));
        assert!(!processes.failed(Daemon::Routing));
        assert!(!processes.failed(Daemon::Routing));
        assert!(processes.failed(Daemon::Routing));
        assert!(!processes.failed(Daemon::Routing), "a new count starts");
        task.abort();
    }

    #[tokio::test]
    async fn each_start_gets_a_new_id_and_counts_as_a_restart_after_the_first() {
        let processes = Processes::new();
        let task = tokio::spawn(std::future::pending::<()>());
        let first = processes.started(Daemon::Routing, task.abort_handle(), Arc::default());
        assert_eq!(processes.crash(Daemon::Routing), Some(first));
        assert_eq!(processes.ended(Daemon::Routing), (first, None));
        assert!(!processes.running(Daemon::Routing));
        let task = tokio::spawn(std::future::pending::<()>());
        let second = processes.started(Daemon::Routing, task.abort_handle(), Arc::default());
        assert!(second > first);
        let listed = processes.list();
        assert_eq!(listed[Daemon::Routing.index()].restarts, 1);
        assert_eq!(listed[Daemon::Management.index()].restarts, 0);
        task.abort();
    }
}
