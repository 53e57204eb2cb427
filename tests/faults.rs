//! Mastership under injected faults: a cut keepalive link with and without
//! the shared lease, and a randomized run of kills, restarts, pauses, cut
//! links and freezes after which there is never more than one master.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Process, Roles, agent, agent_with, connected_commands as run, eventually, fault, free_port};
use reshell::proto::MastershipState;
use rustix::process::{Pid, Signal, kill_process};

/// How long a role is waited for: a stopped agent does not answer.
const ROLE_WITHIN: Duration = Duration::from_millis(300);

fn configure_failover(address: &str, slot: usize) {
    let configured = run(
        &format!("re{slot}={address}"),
        &[
            "configure",
            "set chassis redundancy failover on-loss-of-keepalives",
            "set chassis redundancy keepalive-time 2",
            "commit and-quit",
        ],
    );
    assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);
}

fn log(state_dir: &Path) -> String {
    std::fs::read_to_string(state_dir.join("mastership/log")).unwrap_or_default()
}

#[test]
fn fault_injection_is_refused_unless_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, address) = agent(0, "127.0.0.1:0", &free_port(), dir.path());
    let (text, ok) = fault(&address, &["cut-link", "5"]);
    assert!(!ok);
    assert!(text.contains("fault injection is not enabled on"), "{text}");
}

/// Two agents with fixed addresses, so either can be restarted where the
/// other expects it; optionally sharing a lease as on one host.
struct Pair {
    dir: tempfile::TempDir,
    addresses: [String; 2],
    lease: Option<PathBuf>,
    agents: [Option<Process>; 2],
}

impl Pair {
    fn new(lease: bool) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let lease = lease.then(|| dir.path().join("mastership-lease"));
        let mut pair = Pair { dir, addresses: [free_port(), free_port()], lease, agents: [None, None] };
        for slot in 0..2 {
            pair.start(slot);
        }
        pair
    }

    fn state_dir(&self, slot: usize) -> PathBuf {
        self.dir.path().join(format!("re{slot}"))
    }

    fn start(&mut self, slot: usize) {
        let lease = self.lease.as_ref().map(|p| p.to_str().unwrap().to_owned());
        let mut more = vec!["--fault-injection"];
        if let Some(lease) = &lease {
            more.extend(["--lease", lease]);
        }
        let (process, _) = agent_with(
            slot as u32,
            &self.addresses[slot],
            &self.addresses[1 - slot],
            &self.state_dir(slot),
            &more,
        );
        self.agents[slot] = Some(process);
    }

    fn kill(&mut self, slot: usize) {
        if let Some(mut process) = self.agents[slot].take() {
            process.child.kill().unwrap();
            process.child.wait().unwrap();
        }
    }

    fn signal(&self, slot: usize, signal: Signal) {
        let process = self.agents[slot].as_ref().expect("a running agent");
        let pid = Pid::from_raw(process.child.id() as i32).expect("a pid");
        kill_process(pid, signal).unwrap();
    }

    fn masters(&self, roles: &Roles) -> Vec<usize> {
        (0..2)
            .filter(|&s| roles.of(&self.addresses[s], ROLE_WITHIN) == Some(MastershipState::Master))
            .collect()
    }

    /// Fails if both REs act as master at once: one says master before and
    /// after the other says so.
    fn assert_one_master(&self, roles: &Roles, context: &str) {
        for first in 0..2 {
            let [a, b] = [&self.addresses[first], &self.addresses[1 - first]];
            let master = Some(MastershipState::Master);
            if roles.of(a, ROLE_WITHIN) == master
                && roles.of(b, ROLE_WITHIN) == master
                && roles.of(a, ROLE_WITHIN) == master
            {
                panic!(
                    "two masters at once {context}\nre0:\n{}\nre1:\n{}",
                    log(&self.state_dir(0)),
                    log(&self.state_dir(1))
                );
            }
        }
    }

    /// Checks safety repeatedly for `period`.
    fn watch(&self, roles: &Roles, period: Duration, context: &str) {
        let end = Instant::now() + period;
        while Instant::now() < end {
            self.assert_one_master(roles, context);
        }
    }
}

#[test]
fn with_the_lease_a_cut_link_leaves_one_master() {
    let pair = Pair::new(true);
    let roles = Roles::new();
    eventually(Duration::from_secs(10), "re0 is master", || pair.masters(&roles) == [0]);
    configure_failover(&pair.addresses[0], 0);
    configure_failover(&pair.addresses[1], 1);
    let (text, ok) = fault(&pair.addresses[0], &["cut-link"]);
    assert!(ok, "{text}");
    assert_eq!(text, "link to re1 cut until healed\n");
    // Three times the keepalive time: re1 would have claimed long since.
    pair.watch(&roles, Duration::from_secs(6), "with the link cut");
    assert_eq!(pair.masters(&roles), [0]);
    let log1 = log(&pair.state_dir(1));
    assert!(
        log1.contains("no keepalives from a master, but re0 holds the mastership lease in term 2\n"),
        "{log1}"
    );
    assert_eq!(fault(&pair.addresses[0], &["heal"]), ("all faults healed\n".to_owned(), true));
    // Heard again, the master has its mastership confirmed.
    eventually(Duration::from_secs(10), "re0 confirmed", || {
        log(&pair.state_dir(0)).contains("event = E_ACK_Y, state = master, param = 0x0\n")
    });
    assert!(log(&pair.state_dir(0)).contains("event = E_REQ_Y, state = master, param = 0x0\n"));
    assert_eq!(pair.masters(&roles), [0]);
}

#[test]
fn without_the_lease_a_cut_link_makes_two_masters_until_it_heals() {
    let pair = Pair::new(false);
    let roles = Roles::new();
    eventually(Duration::from_secs(10), "re0 is master", || pair.masters(&roles) == [0]);
    configure_failover(&pair.addresses[0], 0);
    configure_failover(&pair.addresses[1], 1);
    assert!(fault(&pair.addresses[1], &["cut-link"]).1);
    eventually(Duration::from_secs(10), "re1 claims too", || pair.masters(&roles) == [0, 1]);
    assert!(fault(&pair.addresses[1], &["heal"]).1);
    // The newer term wins: re1's, since it became master after re0.
    eventually(Duration::from_secs(10), "re0 steps down", || pair.masters(&roles) == [1]);
    let log0 = log(&pair.state_dir(0));
    assert!(log0.contains("event = E_REQ_Y, state = master, param = 0x0\n"), "{log0}");
    assert!(log0.contains("event = E_NAK_Y, state = master, param = 0x0\n"), "{log0}");
    assert!(log0.contains("Currentstate: master NextState:backup\n"), "{log0}");
}

/// A small generator for the fault schedule; the seed is printed so a
/// failing schedule can be replayed with `RESHELL_FAULT_SEED`.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Every `mastership term = N` line of a log.
fn terms(log: &str) -> Vec<u64> {
    log.lines()
        .filter_map(|l| l.split("mastership term = ").nth(1))
        .map(|t| t.trim().parse().unwrap())
        .collect()
}

#[test]
fn randomized_faults_never_make_two_masters_and_always_leave_one() {
    const STEPS: usize = 8;
    let seed = std::env::var("RESHELL_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    eprintln!("RESHELL_FAULT_SEED={seed}");
    let mut random = Random(seed);
    let mut pair = Pair::new(true);
    let roles = Roles::new();
    eventually(Duration::from_secs(10), "a master at start", || pair.masters(&roles).len() == 1);
    configure_failover(&pair.addresses[0], 0);
    configure_failover(&pair.addresses[1], 1);

    for step in 0..STEPS {
        let slot = random.below(2) as usize;
        let seconds = 1 + random.below(4);
        let period = Duration::from_secs(seconds);
        let down = (0..2).find(|&s| pair.agents[s].is_none());
        let action = match (random.below(5), down) {
            (_, Some(dead)) => {
                pair.start(dead);
                format!("restart re{dead}")
            }
            (0, None) => {
                pair.kill(slot);
                format!("kill -9 re{slot}")
            }
            (1, None) => {
                pair.signal(slot, Signal::STOP);
                pair.watch(&roles, period, &format!("step {step}: re{slot} stopped"));
                pair.signal(slot, Signal::CONT);
                format!("stop re{slot} for {seconds} s")
            }
            (2, None) => {
                assert!(fault(&pair.addresses[slot], &["cut-link", &seconds.to_string()]).1);
                pair.watch(&roles, period, &format!("step {step}: link cut at re{slot}"));
                format!("cut the link at re{slot} for {seconds} s")
            }
            (3, None) => {
                assert!(fault(&pair.addresses[slot], &["drop", "50"]).1);
                pair.watch(&roles, period, &format!("step {step}: re{slot} losing messages"));
                assert!(fault(&pair.addresses[slot], &["heal"]).1);
                format!("lose half of re{slot}'s messages for {seconds} s")
            }
            (_, None) => {
                assert!(fault(&pair.addresses[slot], &["freeze", &seconds.to_string()]).1);
                pair.watch(&roles, period, &format!("step {step}: re{slot} frozen"));
                format!("freeze re{slot} for {seconds} s")
            }
        };
        eprintln!("step {step}: {action}");
        // Keepalive time, a claim's timeout and a lease's life, with room for a loaded machine.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            pair.assert_one_master(&roles, &format!("after step {step} ({action})"));
            if pair.masters(&roles).len() == 1 {
                break;
            }
            assert!(Instant::now() < deadline, "no master after step {step} ({action})");
        }
    }

    for slot in 0..2 {
        let terms = terms(&log(&pair.state_dir(slot)));
        assert!(!terms.is_empty() || slot == 1, "re0 was master at start");
        assert!(
            terms.iter().all(|t| t % 2 == slot as u64),
            "re{slot} master in a term not its own: {terms:?}"
        );
        assert!(terms.windows(2).all(|w| w[0] < w[1]), "re{slot} terms not increasing: {terms:?}");
    }
}

/// A big load and commit synchronize, with operators waiting on the
/// database meanwhile, holds up no keepalive and no lease renewal.
#[test]
fn a_big_commit_leaves_mastership_where_it_was() {
    // Big enough to hold the database for seconds in a debug build.
    let lines = 60_000;
    let pair = Pair::new(true);
    let roles = Roles::new();
    eventually(Duration::from_secs(10), "re0 is master", || pair.masters(&roles) == [0]);
    configure_failover(&pair.addresses[0], 0);
    configure_failover(&pair.addresses[1], 1);
    let text = reshell::config::generate::set_lines(lines);
    std::fs::write(pair.state_dir(0).join("files/var/tmp/big.set"), text).unwrap();
    let spec0 = format!("re0={}", pair.addresses[0]);
    let done = std::sync::atomic::AtomicBool::new(false);
    let committed = std::thread::scope(|scope| {
        // Operators look at the configuration meanwhile, waiting for the database.
        for _ in 0..2 {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    run(&spec0, &["show configuration system domain-name"]);
                }
            });
        }
        let committed = run(&spec0, &["configure", "load set /var/tmp/big.set", "commit synchronize"]);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        committed
    });
    assert!(
        committed.stdout.contains("re1:\ncommit complete\nre0:\ncommit complete\n"),
        "{}{}",
        committed.stdout,
        committed.stderr
    );
    assert_eq!(pair.masters(&roles), [0]);
    let log1 = log(&pair.state_dir(1));
    assert!(!log1.contains("claiming mastership"), "{log1}");
    let log0 = log(&pair.state_dir(0));
    assert!(!log0.contains("new state = backup"), "{log0}");
}
