//! The fault soak: commits, synchronized commits and switchovers on the
//! master, each with a fault at a random moment around it (kill -9 of an
//! agent and its restart on the same state, SIGSTOP and SIGCONT, a cut
//! link), and after each, once the chassis has settled: no acknowledged
//! commit is lost on either RE, no term has two masters, and the commit
//! history and the rollbacks agree. The short run is CI's; the long one
//! is `cargo test --release --test soak -- --ignored`. RELIABILITY.md
//! says more and holds the figures.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Process, Roles, agent_with, free_port};
use reshell::proto::MastershipState;
use rustix::process::{Pid, Signal, kill_process};

/// Long enough for a failover (keepalive time, then the lease's life), a
/// restart and a catch-up on a loaded machine; longer is a stuck chassis.
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// A client that has not finished by then is stuck, not slow.
const CLIENT_WITHIN: Duration = Duration::from_secs(60);

#[test]
fn faults_during_commits_and_switchovers_lose_nothing_acknowledged() {
    soak(iterations(18), Duration::from_millis(2500));
}

#[test]
#[ignore = "the long soak: thousands of faults, about 50 minutes in a release build"]
fn soak_thousands_of_faults() {
    soak(iterations(2000), Duration::from_millis(3000));
}

fn iterations(default: usize) -> usize {
    std::env::var("RESHELL_SOAK_ITERATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operation {
    Commit,
    Synchronize,
    Switchover,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Kill,
    Stop,
    CutLink,
}

/// A small generator for the schedule; the seed is printed so that a
/// failing run can be replayed with `RESHELL_SOAK_SEED`.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.below(to - from + 1))
    }
}

/// Two agents at fixed addresses sharing the mastership lease, as on one
/// host, so that either can be killed and started again where the other
/// expects it.
struct Chassis {
    // Dropped first: the agents go before their state dirs.
    agents: Mutex<[Option<Process>; 2]>,
    dir: tempfile::TempDir,
    addresses: [String; 2],
}

impl Chassis {
    fn new() -> Chassis {
        let chassis = Chassis {
            agents: Mutex::new([None, None]),
            dir: tempfile::tempdir().unwrap(),
            addresses: [free_port(), free_port()],
        };
        for slot in 0..2 {
            chassis.start(slot);
        }
        chassis
    }

    fn state_dir(&self, slot: usize) -> PathBuf {
        self.dir.path().join(format!("re{slot}"))
    }

    fn spec(&self, slot: usize) -> String {
        format!("re{slot}={}", self.addresses[slot])
    }

    fn start(&self, slot: usize) {
        let lease = self.dir.path().join("mastership-lease");
        let more = ["--fault-injection", "--lease", lease.to_str().unwrap()];
        let (process, _) = agent_with(
            slot as u32,
            &self.addresses[slot],
            &self.addresses[1 - slot],
            &self.state_dir(slot),
            &more,
        );
        self.agents.lock().unwrap()[slot] = Some(process);
    }

    fn kill(&self, slot: usize) {
        if let Some(mut process) = self.agents.lock().unwrap()[slot].take() {
            process.child.kill().unwrap();
            process.child.wait().unwrap();
        }
    }

    fn signal(&self, slot: usize, signal: Signal) {
        let agents = self.agents.lock().unwrap();
        let process = agents[slot].as_ref().expect("a running agent");
        kill_process(Pid::from_raw(process.child.id() as i32).unwrap(), signal).unwrap();
    }

    /// Suffers `fault` at `slot` for `hold`, then recovers from it.
    fn suffer(&self, fault: Fault, slot: usize, hold: Duration) {
        // The hold is the fault's length in the schedule, not a wait for anything.
        match fault {
            Fault::Kill => {
                self.kill(slot);
                std::thread::sleep(hold);
                self.start(slot);
            }
            Fault::Stop => {
                self.signal(slot, Signal::STOP);
                std::thread::sleep(hold);
                self.signal(slot, Signal::CONT);
            }
            Fault::CutLink => {
                let (text, ok) = common::fault(&self.addresses[slot], &["cut-link"]);
                assert!(ok, "cut-link at re{slot}: {text}");
                std::thread::sleep(hold);
                let (text, ok) = common::fault(&self.addresses[slot], &["heal"]);
                assert!(ok, "heal at re{slot}: {text}");
            }
        }
    }

    /// The term each RE last became master in, from its mastership log.
    fn last_term(&self, slot: usize) -> Option<u64> {
        let log = std::fs::read_to_string(self.state_dir(slot).join("mastership/log")).unwrap_or_default();
        terms(&log).last().copied()
    }

    fn peer_behind(&self, slot: usize) -> bool {
        self.state_dir(slot).join("config/peer-behind").exists()
    }
}

impl Roles {
    /// The master, when one RE says master and the other backup.
    fn settled_master(&self, chassis: &Chassis) -> Option<usize> {
        let within = Duration::from_secs(2);
        match [0, 1].map(|s| self.of(&chassis.addresses[s], within)) {
            [Some(MastershipState::Master), Some(MastershipState::Backup)] => Some(0),
            [Some(MastershipState::Backup), Some(MastershipState::Master)] => Some(1),
            _ => None,
        }
    }
}

/// Runs commands with `-c` against one RE, echoing each, within `CLIENT_WITHIN`.
fn client(spec: &str, commands: &[&str]) -> (String, String) {
    let mut command = common::reshell();
    command.args(["--connect", spec, "--keep-going", "--yes", "--echo"]);
    for c in commands {
        command.args(["-c", c]);
    }
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run reshell");
    let pid = Pid::from_raw(child.id() as i32).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(CLIENT_WITHIN) {
        Ok(output) => {
            let output = output.expect("reshell ran");
            (String::from_utf8_lossy(&output.stdout).into(), String::from_utf8_lossy(&output.stderr).into())
        }
        Err(_) => {
            let _ = kill_process(pid, Signal::KILL);
            panic!("reshell {commands:?} on {spec} did not finish within {CLIENT_WITHIN:?}");
        }
    }
}

/// What each of `commands` printed, from a `client` run that echoed them.
fn sections(stdout: &str, commands: &[&str]) -> Vec<String> {
    let mut starts = Vec::new();
    let mut from = 0;
    for c in commands {
        let echo = format!("> {c}\n");
        let at = stdout[from..].find(&echo).map(|at| from + at + echo.len());
        let at = at.unwrap_or_else(|| panic!("{c:?} not run:\n{stdout}"));
        starts.push(at);
        from = at;
    }
    let ends = starts.iter().skip(1).map(|&s| stdout[..s].rfind("\n{").unwrap_or(s)).chain([stdout.len()]);
    starts.iter().zip(ends).map(|(&s, e)| stdout[s..e.max(s)].to_owned()).collect()
}

/// The soak's markers in a configuration: each commit adds one prefix-list.
fn markers(text: &str) -> BTreeSet<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).filter(|w| w[0] == "prefix-list" && is_marker(w[1])).map(|w| w[1].to_owned()).collect()
}

fn is_marker(word: &str) -> bool {
    word.len() == 7 && word.starts_with('s') && word[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Every `mastership term = N` line of a mastership log.
fn terms(log: &str) -> Vec<u64> {
    log.lines()
        .filter_map(|l| l.split("mastership term = ").nth(1))
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

/// `show system commit`: each entry's number and comment.
fn history(text: &str) -> Vec<(usize, String)> {
    let mut entries: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("    ") {
            if let Some(last) = entries.last_mut() {
                last.1 = comment.trim().to_owned();
            }
        } else if let Some(number) = line.split_whitespace().next().and_then(|n| n.parse().ok()) {
            entries.push((number, String::new()));
        }
    }
    entries
}

/// What one RE shows after an iteration.
struct Observed {
    markers: BTreeSet<String>,
    terms: Vec<u64>,
    history: Vec<(usize, String)>,
    rollbacks: Vec<BTreeSet<String>>,
}

/// Reads the RE's configuration, mastership log, commit history and its
/// first `rollbacks` rollbacks.
fn observe(chassis: &Chassis, slot: usize, rollbacks: usize) -> Observed {
    let numbered: Vec<String> = (0..rollbacks).map(|k| format!("show system rollback {k}")).collect();
    let mut commands = vec!["show configuration policy-options", "show log mastership", "show system commit"];
    commands.extend(numbered.iter().map(String::as_str));
    let (stdout, stderr) = client(&chassis.spec(slot), &commands);
    let shown = sections(&stdout, &commands);
    let history = history(&shown[2]);
    Observed {
        markers: markers(&shown[0]),
        terms: terms(&shown[1]),
        rollbacks: shown[3..]
            .iter()
            .take(history.len())
            .map(|text| {
                assert!(!text.contains("error:"), "re{slot}: {text}{stderr}");
                markers(text)
            })
            .collect(),
        history,
    }
}

/// Where the commit history and the rollbacks disagree: commit k's
/// comment names the marker it added, which rollback k holds and rollback
/// k+1 (before it) does not; rollback 0 is the configuration.
fn history_mismatches(slot: usize, observed: &Observed, compared: &mut usize) -> Vec<String> {
    let mut found = Vec::new();
    if observed.rollbacks.first().is_some_and(|r0| *r0 != observed.markers) {
        found.push(format!("re{slot}: rollback 0 is not the committed configuration"));
    }
    for (k, (number, comment)) in observed.history.iter().enumerate().take(observed.rollbacks.len()) {
        if *number != k {
            found.push(format!("re{slot}: commit entry {k} is numbered {number}"));
        }
        if !is_marker(comment) {
            continue;
        }
        *compared += 1;
        if !observed.rollbacks[k].contains(comment) {
            found.push(format!("re{slot}: commit {k} says {comment}, which rollback {k} lacks"));
        }
        if observed.rollbacks.get(k + 1).is_some_and(|before| before.contains(comment)) {
            found
                .push(format!("re{slot}: commit {k} says it added {comment}, which rollback {} held", k + 1));
        }
    }
    found
}

/// Markers of `need` (any one of the alternatives) that `have` lacks, the
/// fewest over the alternatives.
fn missing(have: &BTreeSet<String>, need: &[BTreeSet<String>]) -> Vec<String> {
    need.iter()
        .map(|n| n.difference(have).cloned().collect::<Vec<_>>())
        .min_by_key(Vec::len)
        .unwrap_or_default()
}

#[derive(Default)]
struct Figures {
    operations: BTreeMap<&'static str, usize>,
    faults: BTreeMap<&'static str, usize>,
    acknowledged: BTreeMap<&'static str, usize>,
    switchovers: usize,
    master_changes: usize,
    losses: Vec<String>,
    double_masters: Vec<String>,
    overlaps: usize,
    mismatches: Vec<String>,
    /// Faults that came before the client had its answer.
    during: usize,
    /// Commits whose rollback was compared with their history entry.
    compared: usize,
}

impl Figures {
    fn report(&self, seed: u64, took: Duration) -> String {
        format!(
            "soak: seed {seed}, {} iterations in {took:.0?}\n\
             soak: operations {:?}\n\
             soak: faults {:?}, {} of them before the operation was answered\n\
             soak: acknowledged {:?}, {} commits in all; mastership changes {}\n\
             soak: losses {}, double-master terms {}, history/rollback mismatches {} (of {} compared), \
             moments both said master (different terms) {}",
            self.operations.values().sum::<usize>(),
            self.operations,
            self.faults,
            self.during,
            self.acknowledged,
            self.acknowledged.iter().filter(|(k, _)| k.starts_with("commit")).map(|(_, n)| n).sum::<usize>(),
            self.master_changes,
            self.losses.len(),
            self.double_masters.len(),
            self.mismatches.len(),
            self.compared,
            self.overlaps,
        )
    }
}

fn soak(iterations: usize, longest_fault: Duration) {
    let seed = std::env::var("RESHELL_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    eprintln!("soak: RESHELL_SOAK_SEED={seed} RESHELL_SOAK_ITERATIONS={iterations}");
    let started = Instant::now();
    let mut random = Random(seed);
    let chassis = Chassis::new();
    let roles = Roles::new();
    let mut master = settle(&chassis, &roles, "start");
    for slot in 0..2 {
        let (stdout, stderr) = client(
            &chassis.spec(slot),
            &[
                "configure",
                "set chassis redundancy failover on-loss-of-keepalives",
                "set chassis redundancy keepalive-time 2",
                "commit",
            ],
        );
        assert!(stdout.contains("commit complete"), "{stdout}{stderr}");
    }
    let mut state = [0, 1].map(|slot| observe(&chassis, slot, 0).markers);
    let mut figures = Figures::default();
    let mut operation_time = [Duration::from_millis(100); 3];
    let combinations: Vec<(Operation, Fault)> =
        [Operation::Commit, Operation::Synchronize, Operation::Switchover]
            .into_iter()
            .flat_map(|o| [Fault::Kill, Fault::Stop, Fault::CutLink].map(|f| (o, f)))
            .collect();
    let mut order = Vec::new();

    // A long run may be given a time instead: it starts no iteration after it.
    let budget = std::env::var("RESHELL_SOAK_MINUTES").ok().and_then(|m| m.parse().ok());
    let end = budget.map(|minutes: u64| started + Duration::from_secs(minutes * 60));
    for iteration in 1..=iterations {
        if end.is_some_and(|end| Instant::now() >= end) {
            break;
        }
        // Every combination once in each round of nine, in a random order.
        if order.is_empty() {
            order = combinations.clone();
            for i in (1..order.len()).rev() {
                order.swap(i, random.below(i as u64 + 1) as usize);
            }
        }
        let (operation, fault) = order.pop().unwrap();
        let other = 1 - master;
        let target = random.below(2) as usize;
        // Mostly late in the operation, when the client has logged in and the
        // commit or switch is under way, and sometimes just after it.
        let usual = operation_time[operation as usize].as_millis() as u64;
        let delay = random.millis(usual / 4, (usual * 23 / 20).max(20));
        let hold = match fault {
            Fault::Kill => random.millis(0, longest_fault.as_millis() as u64 / 2),
            Fault::Stop | Fault::CutLink => random.millis(100, longest_fault.as_millis() as u64),
        };
        let marker = format!("s{iteration:06}");
        let context = format!(
            "iteration {iteration} (seed {seed}): {operation:?} on re{master}, {fault:?} re{target} after {delay:?} for {hold:?}"
        );
        *figures.operations.entry(name(operation)).or_default() += 1;
        *figures.faults.entry(fault_name(fault)).or_default() += 1;

        let set = format!("set policy-options prefix-list {marker} 10.0.0.0/8");
        let commit = match operation {
            Operation::Commit => format!("commit comment {marker}"),
            _ => format!("commit synchronize comment {marker}"),
        };
        let commands: Vec<&str> = match operation {
            Operation::Switchover => vec!["request chassis routing-engine master switch no-confirm"],
            _ => vec!["configure", &set, &commit],
        };
        let watching = AtomicBool::new(true);
        let (stdout, took) = std::thread::scope(|scope| {
            let injector = scope.spawn(|| {
                // When in the operation the fault comes is the point of the schedule.
                std::thread::sleep(delay);
                let injected = Instant::now();
                chassis.suffer(fault, target, hold);
                injected
            });
            let watcher = scope.spawn(|| watch_masters(&chassis, &watching));
            let begun = Instant::now();
            let (stdout, _) = client(&chassis.spec(master), &commands);
            let took = begun.elapsed();
            watching.store(false, Ordering::Relaxed);
            if injector.join().unwrap() < begun + took {
                figures.during += 1;
            }
            if let Some(found) = watcher.join().unwrap() {
                if found.0 == found.1 {
                    figures.double_masters.push(format!("{context}: both masters in term {}", found.0));
                } else {
                    eprintln!(
                        "soak: OVERLAP {context}: both said master, re0 in term {}, re1 in {}",
                        found.0, found.1
                    );
                    figures.overlaps += 1;
                }
            }
            (stdout, took)
        });
        let usual = &mut operation_time[operation as usize];
        *usual = (*usual * 3 + took) / 4;

        let synchronized_alone =
            stdout.contains("Cannot connect to other RE, ignoring it\ncommit complete\n");
        let acknowledged = match operation {
            Operation::Commit => stdout.contains("commit complete\n"),
            Operation::Synchronize => {
                stdout.contains(&format!("re{master}:\ncommit complete\n")) || synchronized_alone
            }
            Operation::Switchover => {
                stdout.contains("Complete. The other routing engine becomes the master.")
            }
        };
        eprintln!("soak: {context}: {}", if acknowledged { "acknowledged" } else { "not acknowledged" });
        if acknowledged {
            let kind = match operation {
                Operation::Synchronize if synchronized_alone => "commit synchronize (alone)",
                Operation::Synchronize => "commit synchronize (both)",
                Operation::Commit => "commit",
                Operation::Switchover => "switchover",
            };
            *figures.acknowledged.entry(kind).or_default() += 1;
        }

        // What each RE must hold now: one of these sets of markers.
        let with_marker = |slot: usize| {
            let mut set = state[slot].clone();
            set.insert(marker.clone());
            set
        };
        let mut need: [Vec<BTreeSet<String>>; 2] = [vec![state[0].clone()], vec![state[1].clone()]];
        match operation {
            Operation::Commit if acknowledged => need[master] = vec![with_marker(master)],
            Operation::Synchronize if acknowledged => {
                need[master] = vec![with_marker(master)];
                need[other] = vec![with_marker(master)];
            }
            // The other RE may have committed it before the commit failed here.
            Operation::Synchronize => need[other].push(with_marker(master)),
            _ => {}
        }

        let settled = settle(&chassis, &roles, &context);
        if settled != master {
            figures.master_changes += 1;
        }
        if operation == Operation::Switchover && acknowledged {
            figures.switchovers += 1;
        }
        master = settled;
        let observed = [0, 1].map(|slot| observe(&chassis, slot, 3));
        for slot in 0..2 {
            let lost = missing(&observed[slot].markers, &need[slot]);
            if !lost.is_empty() {
                let line = format!("{context}: re{slot} lost {lost:?}; output:\n{stdout}");
                eprintln!("soak: LOSS {line}");
                figures.losses.push(line);
            }
            for mismatch in history_mismatches(slot, &observed[slot], &mut figures.compared) {
                eprintln!("soak: MISMATCH {context}: {mismatch}");
                figures.mismatches.push(format!("{context}: {mismatch}"));
            }
        }
        for term in observed[0].terms.iter().filter(|t| observed[1].terms.contains(t)) {
            let line = format!("{context}: term {term} is in both REs' mastership logs");
            if !figures.double_masters.contains(&line) {
                figures.double_masters.push(line);
            }
        }
        state = observed.map(|o| o.markers);
        if iteration % 50 == 0 {
            eprintln!("{}", figures.report(seed, started.elapsed()));
        }
    }

    // The whole history kept: every rollback against its commit.
    for slot in 0..2 {
        for mismatch in history_mismatches(slot, &observe(&chassis, slot, 50), &mut figures.compared) {
            figures.mismatches.push(format!("at the end (seed {seed}): {mismatch}"));
        }
    }
    eprintln!("{}", figures.report(seed, started.elapsed()));
    assert!(figures.losses.is_empty(), "acknowledged commits lost:\n{}", figures.losses.join("\n"));
    assert!(
        figures.double_masters.is_empty(),
        "two masters in a term:\n{}",
        figures.double_masters.join("\n")
    );
    assert!(
        figures.mismatches.is_empty(),
        "history and rollbacks disagree:\n{}",
        figures.mismatches.join("\n")
    );
    for kind in ["commit", "commit synchronize (both)", "switchover"] {
        assert!(
            figures.acknowledged.contains_key(kind),
            "no {kind} acknowledged: {:?}",
            figures.acknowledged
        );
    }
}

fn name(operation: Operation) -> &'static str {
    match operation {
        Operation::Commit => "commit",
        Operation::Synchronize => "commit synchronize",
        Operation::Switchover => "switchover",
    }
}

fn fault_name(fault: Fault) -> &'static str {
    match fault {
        Fault::Kill => "kill -9",
        Fault::Stop => "SIGSTOP",
        Fault::CutLink => "cut link",
    }
}

/// Polls both REs' roles while `watching`; the terms of the first moment
/// both said master (one said so before and after the other did).
fn watch_masters(chassis: &Chassis, watching: &AtomicBool) -> Option<(u64, u64)> {
    let roles = Roles::new();
    let within = Duration::from_millis(300);
    let master = Some(MastershipState::Master);
    while watching.load(Ordering::Relaxed) {
        for first in 0..2 {
            let [a, b] = [&chassis.addresses[first], &chassis.addresses[1 - first]];
            if roles.of(a, within) == master && roles.of(b, within) == master && roles.of(a, within) == master
            {
                let terms = (chassis.last_term(0)?, chassis.last_term(1)?);
                return Some(terms);
            }
        }
    }
    None
}

/// Waits for one master and one backup, both agents answering, no shared
/// candidate left half-edited by a session a fault ended, and no RE still
/// owing the other a synchronized commit; returns the master.
fn settle(chassis: &Chassis, roles: &Roles, context: &str) -> usize {
    let deadline = Instant::now() + SETTLE_WITHIN;
    let wait = |what: &str, check: &mut dyn FnMut() -> bool| {
        while !check() {
            assert!(
                Instant::now() < deadline,
                "{context}: {what} not within {SETTLE_WITHIN:?}{}",
                logs(chassis)
            );
            // What is awaited happens in the agents, which have no way to tell us.
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let mut master = None;
    wait("one master and one backup", &mut || {
        master = roles.settled_master(chassis);
        master.is_some()
    });
    for slot in 0..2 {
        // An operator's discard of what a session left behind: a catch-up waits for it.
        let (stdout, stderr) = client(&chassis.spec(slot), &["configure", "rollback 0", "exit"]);
        assert!(stdout.contains("load complete"), "{context}: rollback 0 on re{slot}: {stdout}{stderr}");
    }
    wait("the other RE caught up", &mut || !chassis.peer_behind(0) && !chassis.peer_behind(1));
    wait("one master and one backup", &mut || roles.settled_master(chassis) == master);
    master.unwrap()
}

fn logs(chassis: &Chassis) -> String {
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    (0..2)
        .map(|slot| {
            let dir = chassis.state_dir(slot);
            let mastership = read(&dir.join("mastership/log"));
            let messages = read(&dir.join("files/var/log/messages"));
            let tail = |text: &str| {
                text.lines()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            format!(
                "\nre{slot} mastership log:\n{}\nre{slot} messages:\n{}",
                tail(&mastership),
                tail(&messages)
            )
        })
        .collect()
}
