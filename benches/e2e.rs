//! End-to-end benchmarks: real agents and real shells, each scenario of
//! BENCHMARKS.md measured with the floor it is held against (a byte scan, a
//! write and fsync, a raw TCP echo) in the same run.
//!
//! `cargo bench --bench e2e` runs the full sizes; `-- --quick` runs every
//! scenario small, in under a minute; other words pick scenarios by name.
//! Each figure is one line: `name value unit`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reshell::agent::ChassisSecret;
use reshell::config::generate;
use reshell::config::inherit::expand;
use reshell::config::load::{apply_set_lines, parse_text};
use reshell::config::schema::Schema;
use reshell::config::tree::Node;
use reshell::config::validate::check;
use reshell::proto::change_mastership_request::Action;
use reshell::proto::{
    CommitRequest, CompareRequest, MastershipState, edit_request, load_request, open_request,
};
use reshell::shell::Credentials;
use reshell::shell::client::AgentClient;
use reshell::slot::Slot;

const BINARY: &str = env!("CARGO_BIN_EXE_reshell");

/// How long anything awaited may take before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(600);
/// One-statement commits timed for each figure, of which the median is
/// taken: each takes about a millisecond, and the machine's noise is of that
/// order. (Far fewer than the records after which the whole configuration is
/// checkpointed, which would be timed with them.)
const ONE_STATEMENT_COMMITS: usize = 41;

struct Sizes {
    /// Lines of the smaller and the larger configuration.
    small: usize,
    large: usize,
    /// Round trips timed for the percentiles.
    round_trips: usize,
    /// Lines of the batch file.
    batch_lines: usize,
    /// Shell starts timed.
    starts: usize,
    failovers: usize,
    switches: usize,
    /// Commits made to fill the rollbacks.
    rollbacks: usize,
    /// Lines of the configurations a one-statement commit is timed on.
    growth: &'static [usize],
}

const FULL: Sizes = Sizes {
    small: 100_000,
    large: 1_000_000,
    round_trips: 2000,
    batch_lines: 10_000,
    starts: 20,
    failovers: 20,
    switches: 3,
    rollbacks: 49,
    growth: &[10_000, 100_000, 1_000_000],
};

const QUICK: Sizes = Sizes {
    small: 2_000,
    large: 20_000,
    round_trips: 300,
    batch_lines: 1000,
    starts: 5,
    failovers: 2,
    switches: 1,
    rollbacks: 5,
    growth: &[2_000, 20_000],
};

type Scenario = fn(&Sizes);

fn main() {
    // The agents' allocator, for the scenarios read in process.
    reshell::heap::tune();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes = if args.iter().any(|a| a == "--quick") { &QUICK } else { &FULL };
    let picked: Vec<&str> = args.iter().filter(|a| !a.starts_with('-')).map(String::as_str).collect();
    let wanted = |name: &str| picked.is_empty() || picked.iter().any(|p| name.contains(p));
    let scenarios: [(&str, Scenario); 11] = [
        ("parse", parse),
        ("tree_memory", tree_memory),
        ("print", print),
        ("commit", commits),
        ("growth", growth),
        ("round_trip", round_trip),
        ("batch", batch),
        ("shell_start", shell_start),
        ("failover", failover),
        ("switch", switch),
        ("memory", memory),
    ];
    for (name, run) in scenarios {
        if wanted(name) {
            run(sizes);
        }
    }
}

fn report(name: &str, value: f64, unit: &str) {
    let digits = if value >= 100.0 {
        0
    } else if value >= 1.0 {
        2
    } else {
        4
    };
    println!("{name} {value:.digits$} {unit}");
}

/// `1M`, `100k`, `2k`: a size as the figure's name carries it.
fn label(lines: usize) -> String {
    match lines {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1000 && n % 1000 == 0 => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

fn megabytes_per_second(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / 1e6 / took.as_secs_f64()
}

fn seconds(took: Duration) -> f64 {
    took.as_secs_f64()
}

fn millis(took: Duration) -> f64 {
    took.as_secs_f64() * 1e3
}

fn micros(took: Duration) -> f64 {
    took.as_secs_f64() * 1e6
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// The floor of reading: one pass over the bytes looking at each.
fn byte_scan(text: &str) -> Duration {
    let (lines, took) =
        timed(|| std::hint::black_box(text.as_bytes()).iter().filter(|&&b| b == b'\n').count());
    std::hint::black_box(lines);
    took
}

/// The floor of a durable commit: the bytes written and fsynced.
fn write_fsync(dir: &Path, text: &str) -> Duration {
    let path = dir.join("floor");
    let took = timed(|| {
        let mut file = std::fs::File::create(&path).expect("create");
        file.write_all(text.as_bytes()).expect("write");
        file.sync_all().expect("fsync");
    })
    .1;
    let _ = std::fs::remove_file(path);
    took
}

/// Parsing and validating both forms, in process, against a scan of the
/// same bytes: the generator's configuration, and one over the hierarchies
/// of the full schema (`_full`).
fn parse(sizes: &Sizes) {
    let schema = Schema::shipped().expect("schema");
    let lines = sizes.large;
    let set = generate::set_lines(lines);
    let curly = generate::curly(&schema, lines);
    let full_set = generate::full_schema(lines);
    let mut full_tree = Node::default();
    assert!(apply_set_lines(&schema, &mut full_tree, &full_set).is_empty());
    let full_curly = reshell::config::print::to_text(&schema, None, &full_tree);
    drop(full_tree);
    for (form, text) in
        [("set", &set), ("curly", &curly), ("set_full", &full_set), ("curly_full", &full_curly)]
    {
        let ratio = |&(scan, took): &(Duration, Duration)| scan.div_duration_f64(took);
        let mut reads: Vec<_> = (0..READS).map(|_| (byte_scan(text), read(&schema, form, text))).collect();
        reads.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
        let (scan, took) = reads[READS / 2];
        let name = format!("parse_validate_{form}_{}", label(lines));
        report(&format!("byte_scan_{form}_{}", label(lines)), megabytes_per_second(text.len(), scan), "MB/s");
        report(&name, megabytes_per_second(text.len(), took), "MB/s");
        report(&format!("{name}_vs_scan"), ratio(&(scan, took)), "x");
        report(&format!("{name}_vs_scan_lowest"), ratio(&reads[0]), "x");
    }
}

/// Reads of each form timed, each against its own byte scan, of which the
/// median is the figure: one read takes a third of a second, and moves by
/// a tenth from one to the next on the project's machine.
const READS: usize = 5;

/// How long `text` in `form` takes to parse and validate as the agent
/// does. The trees are kept, as the agent keeps them, and freed after the
/// timing: freeing is the cost of dropping a configuration, not of reading
/// one.
fn read(schema: &Schema, form: &str, text: &str) -> Duration {
    let ((errors, trees), took) = timed(|| {
        let (tree, mut errors) = match form {
            "set" | "set_full" => {
                let mut root = Node::default();
                let errors = apply_set_lines(schema, &mut root, text);
                (root, errors)
            }
            _ => parse_text(schema, text),
        };
        let effective = expand(schema, &tree, Slot::RE0);
        errors.extend(check(schema, &effective).into_iter().map(|e| reshell::config::load::LoadError {
            line: 0,
            column: 0,
            message: e.message,
        }));
        (errors, (tree, effective))
    });
    drop(trees);
    assert!(errors.is_empty(), "{errors:?}");
    took
}

/// Printing the larger configuration in process (`set` and text, against a
/// byte scan of what they print), then `show configuration` through the
/// shell against warm agents (a shell that shows one statement is the floor).
fn print(sizes: &Sizes) {
    let schema = Schema::shipped().expect("schema");
    let lines = sizes.large;
    let tree = generate::tree(&schema, lines);
    let (set, took) = timed(|| reshell::config::print::to_set(&schema, None, &tree, ""));
    report(&format!("print_set_{}", label(lines)), seconds(took), "s");
    report(&format!("print_set_{}_scan", label(lines)), seconds(byte_scan(&set)), "s");
    let (text, took) = timed(|| reshell::config::print::to_text(&schema, None, &tree));
    report(&format!("print_text_{}", label(lines)), seconds(took), "s");
    report(&format!("print_text_{}_bytes", label(lines)), text.len() as f64 / 1e6, "MB");
    let pair = Pair::start();
    let session = pair.session(0);
    session.open();
    session.load_set(generate::set_lines(lines));
    session.commit(false);
    let shows = [
        ("show_one_statement", "show configuration system host-name"),
        ("show_display_set_count", "show configuration | display set | count"),
        ("show_display_set", "show configuration | display set | no-more"),
        ("show_text", "show configuration | no-more"),
        ("show_match_count", "show configuration | display set | match \"family inet address\" | count"),
    ];
    for (name, command) in shows {
        let took = pair.shell(&[command]);
        report(&format!("{name}_{}", label(lines)), seconds(took), "s");
    }
}

/// The resident memory a configuration held as a tree costs per line, in
/// process: the growth of this process's RSS while the larger configuration
/// is read from `set` lines (the text itself made before), the generator's
/// and the full schema's (`_full`). Each measured in a fresh process of
/// this benchmark: after other scenarios, the tree would take pages they
/// freed and grow the RSS by nothing.
fn tree_memory(sizes: &Sizes) {
    const FRESH: &str = "RESHELL_BENCH_FRESH_PROCESS";
    let Some(form) = std::env::var_os(FRESH) else {
        for form in ["generator", "full"] {
            let quick = std::ptr::eq(sizes, &QUICK);
            let exe = std::env::current_exe().expect("this benchmark's path");
            let mut fresh = Command::new(exe);
            fresh.arg("tree_memory").env(FRESH, form);
            if quick {
                fresh.arg("--quick");
            }
            let status = fresh.status().expect("run tree_memory in a fresh process");
            assert!(status.success(), "tree_memory: {status}");
        }
        return;
    };
    let full = form == "full";
    let schema = Schema::shipped().expect("schema");
    let lines = sizes.large;
    let set = if full { generate::full_schema(lines) } else { generate::set_lines(lines) };
    let before = resident_bytes();
    let mut root = Node::default();
    let errors = apply_set_lines(&schema, &mut root, &set);
    assert!(errors.is_empty(), "{errors:?}");
    let grown = resident_bytes().saturating_sub(before);
    std::hint::black_box(&root);
    let suffix = if full { "_full" } else { "" };
    if !full {
        report("tree_node_size", std::mem::size_of::<Node>() as f64, "bytes");
    }
    report(&format!("tree_memory_per_line_{}{suffix}", label(lines)), grown as f64 / lines as f64, "bytes");
}

/// This process's resident set, from `/proc/self/statm` (in pages of 4 KiB).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: usize = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("resident pages");
    pages * 4096
}

/// A root password, as the first commit needs one: made for this run, its
/// hash written beside the agents' state dirs.
fn startup_config(dir: &Path) -> PathBuf {
    let path = dir.join("startup.conf");
    if !path.exists() {
        let password = format!("{:x}", std::process::id() as u64 * 0x9e37_79b9_7f4a_7c15);
        let params = sha_crypt::Sha512Params::new(sha_crypt::ROUNDS_MIN).expect("rounds");
        let hash = sha_crypt::sha512_simple(&password, &params).expect("hash");
        let text = format!("set system root-authentication encrypted-password \"{hash}\"\n");
        std::fs::write(&path, text).expect("write the startup configuration");
    }
    path
}

/// The bench owns the agents' state: it logs in at the console, with the
/// chassis secret.
fn console(dir: &Path) -> Credentials {
    let secret =
        ChassisSecret::read(&dir.join("chassis-secret")).expect("read the secret").expect("a secret");
    Credentials { user: "lab".into(), console: Some(secret), ..Credentials::default() }
}

/// An agent process, killed when dropped.
struct Agent {
    child: Child,
    address: String,
}

impl Agent {
    fn start(slot: u32, listen: &str, peer: &str, dir: &Path) -> Agent {
        let mut child = Command::new(BINARY)
            .args(["agent", "--slot", &slot.to_string(), "--listen", listen, "--peer", peer])
            .arg("--state-dir")
            .arg(dir.join(format!("re{slot}")))
            .arg("--secret")
            .arg(dir.join("chassis-secret"))
            .arg("--startup-config")
            .arg(startup_config(dir))
            .env("USER", "lab")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start an agent");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        // The SSH listeners are announced first.
        while !line.starts_with("listening on ") {
            line.clear();
            assert!(out.read_line(&mut line).expect("the agent's output") > 0, "no 'listening on' line");
        }
        let address = line.trim().strip_prefix("listening on ").expect("listening on ADDR").to_owned();
        // Drained, so that an agent that writes more never blocks on the pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Agent { child, address }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").to_string()
}

/// Two agents on fixed loopback ports (so either can be restarted where it
/// was), in a state dir of their own, with re0 master.
struct Pair {
    dir: tempfile::TempDir,
    agents: [Agent; 2],
    ports: [String; 2],
    rt: tokio::runtime::Runtime,
}

impl Pair {
    fn start() -> Pair {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = [free_port(), free_port()];
        let agents = [
            Agent::start(0, &ports[0], &ports[1], dir.path()),
            Agent::start(1, &ports[1], &ports[0], dir.path()),
        ];
        let rt =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        let pair = Pair { dir, agents, ports, rt };
        pair.wait_master(0, Instant::now() + PATIENCE);
        pair
    }

    fn spec(&self) -> String {
        format!("re0={},re1={}", self.agents[0].address, self.agents[1].address)
    }

    fn secret(&self) -> PathBuf {
        self.dir.path().join("chassis-secret")
    }

    /// The sequences of RE `slot`'s checkpoints.
    fn sequences(&self, slot: usize) -> Vec<u64> {
        let dir = self.dir.path().join(format!("re{slot}")).join("config");
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().to_str()?.strip_prefix("commit.")?.parse().ok())
            .collect()
    }

    /// The sequence of RE `slot`'s newest checkpoint (0: none yet).
    fn checkpoint(&self, slot: usize) -> u64 {
        self.sequences(slot).into_iter().max().unwrap_or(0)
    }

    fn checkpoints(&self, slot: usize) -> usize {
        self.sequences(slot).len()
    }

    /// Waits until RE `slot` has a checkpoint newer than `before`: written
    /// off the path of a large commit, it would otherwise share the machine
    /// and the disk with what is measured next.
    fn checkpointed_after(&self, slot: usize, before: u64) {
        let deadline = Instant::now() + PATIENCE;
        // Put in place last, the one before goes.
        while self.checkpoint(slot) <= before || self.checkpoints(slot) > 1 {
            assert!(Instant::now() < deadline, "re{slot} wrote no checkpoint");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A logged-in client of `slot` with a session, as a shell has.
    fn session(&self, slot: usize) -> Session {
        let mut client = self.client(slot);
        let events = client.attach(None).expect("attach").events;
        Session { client, _events: events }
    }

    fn client(&self, slot: usize) -> AgentClient {
        let client =
            AgentClient::new(self.rt.handle().clone(), &self.agents[slot].address, None).expect("client");
        client.login(&console(self.dir.path())).expect("login");
        client
    }

    fn restart(&mut self, slot: usize) {
        self.agents[slot].kill();
        self.agents[slot] =
            Agent::start(slot as u32, &self.ports[slot], &self.ports[1 - slot], self.dir.path());
    }

    /// Waits until `slot` says it is master; returns when it first did.
    fn wait_master(&self, slot: usize, deadline: Instant) -> Instant {
        let client =
            AgentClient::new(self.rt.handle().clone(), &self.agents[slot].address, None).expect("client");
        loop {
            if client.login(&console(self.dir.path())).is_ok()
                && client.identity().is_ok_and(|i| i.mastership_state() == MastershipState::Master)
            {
                return Instant::now();
            }
            assert!(Instant::now() < deadline, "re{slot} did not become master");
            // Another process's state: polled, finely, as the figure needs.
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Runs the shell on this pair with `-c` commands; the time it took.
    fn shell(&self, commands: &[&str]) -> Duration {
        let mut shell = Command::new(BINARY);
        shell
            .args(["--connect", &self.spec(), "--yes"])
            .arg("--secret")
            .arg(self.secret())
            .env("USER", "lab");
        for c in commands {
            shell.args(["-c", c]);
        }
        let (out, took) =
            timed(|| shell.stdin(Stdio::null()).stderr(Stdio::inherit()).output().expect("shell"));
        assert!(out.status.success(), "{commands:?} failed");
        took
    }
}

struct Session {
    client: AgentClient,
    _events: tonic::Streaming<reshell::proto::SessionEvent>,
}

impl Session {
    /// The median of commits of one changed statement each (a domain name
    /// starting `prefix`), synchronized or not.
    fn one_statement_commits(&self, prefix: &str, synchronize: bool) -> Duration {
        self.commits_of(|n| format!("system domain-name {prefix}{n}.example.net"), synchronize)
    }

    /// The median of commits of one statement each, the `n`th `statement(n)`.
    fn commits_of(&self, statement: impl Fn(usize) -> String, synchronize: bool) -> Duration {
        let mut took: Vec<Duration> = (0..ONE_STATEMENT_COMMITS)
            .map(|n| {
                timed(|| {
                    self.set(&statement(n));
                    self.commit(synchronize);
                })
                .1
            })
            .collect();
        took.sort();
        took[ONE_STATEMENT_COMMITS / 2]
    }

    fn open(&self) {
        let reply = self.client.open(open_request::Mode::Shared).expect("configure");
        assert!(reply.refused.is_empty(), "{}", reply.refused);
    }

    fn load_set(&self, text: String) {
        let reply = self.client.load(load_request::Action::Set, text).expect("load");
        assert!(reply.errors.is_empty() && reply.warnings.is_empty(), "{reply:?}");
    }

    fn set(&self, line: &str) {
        let words = line.split(' ').map(str::to_owned).collect();
        self.client.edit(edit_request::Operation::Set, words, String::new()).expect("set");
    }

    fn commit(&self, synchronize: bool) {
        let reply = self
            .client
            .commit(CommitRequest { synchronize, user: "lab".into(), ..CommitRequest::default() })
            .expect("commit");
        assert!(reply.errors.is_empty(), "{:?}", reply.errors);
        for re in &reply.routing_engines {
            assert!(
                re.errors.is_empty() && re.refusal.is_empty(),
                "{}: {:?} {}",
                re.name,
                re.errors,
                re.refusal
            );
        }
    }
}

/// Loads and commits of both sizes; a one-statement commit, a synchronized
/// one, `show | compare` and `show | display set` on the larger.
fn commits(sizes: &Sizes) {
    for lines in [sizes.small, sizes.large] {
        let pair = Pair::start();
        let session = pair.session(0);
        session.open();
        let text = generate::set_lines(lines);
        let bytes = text.len();
        let before = pair.checkpoint(0);
        let (_, took) = timed(|| {
            session.load_set(text);
            session.commit(false);
        });
        report(&format!("load_set_commit_{}", label(lines)), seconds(took), "s");
        pair.checkpointed_after(0, before);
        if lines != sizes.large {
            continue;
        }
        let floor = write_fsync(pair.dir.path(), &generate::set_lines(lines));
        report(&format!("write_fsync_{}", label(lines)), seconds(floor), "s");
        let local = session.one_statement_commits("d", false);
        report(&format!("commit_one_statement_{}", label(lines)), millis(local), "ms");
        let other = pair.checkpoint(1);
        let (_, synchronized) = timed(|| {
            session.set("system domain-name synchronized.example.net");
            session.commit(true);
        });
        pair.checkpointed_after(1, other);
        report(&format!("commit_synchronize_{}", label(lines)), seconds(synchronized), "s");
        // The other RE was on an older base (the configuration before the
        // load): it is sent the whole, as the load and commit made it.
        report(
            &format!("commit_synchronize_{}_vs_load_commit", label(lines)),
            seconds(synchronized) / seconds(took),
            "x",
        );
        // The other RE now has the same base: the next one sends the change.
        let delta = session.one_statement_commits("delta", true);
        report(&format!("commit_synchronize_delta_{}", label(lines)), seconds(delta), "s");
        report(
            &format!("commit_synchronize_delta_{}_vs_local", label(lines)),
            seconds(delta) / seconds(local),
            "x",
        );

        session.set("system domain-name pending.example.net");
        let compared =
            session.client.compare(CompareRequest { candidate: true, ..CompareRequest::default() });
        assert!(compared.expect("compare").contains("pending.example.net"));
        let took = pair.shell(&["configure", "show | compare"]);
        report(&format!("show_compare_{}", label(lines)), seconds(took), "s");
        let took = pair.shell(&["show configuration | display set | count"]);
        report(&format!("show_display_set_{}", label(lines)), seconds(took), "s");
        report(&format!("configuration_bytes_{}", label(lines)), bytes as f64 / 1e6, "MB");
    }
}

/// The cost of one commit as the configuration grows: a one-statement
/// change committed on each size (the median of several), of a statement
/// with few siblings (`system`) and of one among all the interfaces, the
/// largest list, as most changes are.
fn growth(sizes: &Sizes) {
    for &lines in sizes.growth {
        let pair = Pair::start();
        let session = pair.session(0);
        session.open();
        let before = pair.checkpoint(0);
        session.load_set(generate::set_lines(lines));
        session.commit(false);
        pair.checkpointed_after(0, before);
        let took = session.one_statement_commits("g", false);
        report(&format!("commit_growth_one_statement_{}", label(lines)), millis(took), "ms");
        // ge-0/0/0 to ge-0/0/47 are generated at every size.
        let took =
            session.commits_of(|n| format!("interfaces ge-0/0/{} description changed-{n}", n % 48), false);
        report(&format!("commit_growth_one_interface_{}", label(lines)), millis(took), "ms");
    }
}

/// `show chassis routing-engine`'s gRPC call, against a raw TCP echo of a
/// similar size measured beside it.
fn round_trip(sizes: &Sizes) {
    let pair = Pair::start();
    let client = pair.client(0);
    let mut calls: Vec<Duration> = (0..sizes.round_trips)
        .map(|_| timed(|| client.route_engine_information(None).expect("show chassis routing-engine")).1)
        .collect();
    calls.sort();
    // The simplest call, for the cost of one hop without the peer's.
    let mut simplest: Vec<Duration> =
        (0..sizes.round_trips).map(|_| timed(|| client.identity().expect("identity")).1).collect();
    simplest.sort();
    report("grpc_identity_p50", micros(percentile(&simplest, 0.5)), "us");
    let echo = tcp_echo(sizes.round_trips);
    report("grpc_show_chassis_routing_engine_p50", micros(percentile(&calls, 0.5)), "us");
    report("grpc_show_chassis_routing_engine_p99", micros(percentile(&calls, 0.99)), "us");
    report("tcp_echo_p50", micros(percentile(&echo, 0.5)), "us");
    report(
        "grpc_show_chassis_routing_engine_p50_vs_tcp_echo",
        percentile(&calls, 0.5).as_secs_f64() / percentile(&echo, 0.5).as_secs_f64(),
        "x",
    );
}

/// Round trips of 512 bytes through an echo thread on loopback.
fn tcp_echo(count: usize) -> Vec<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        let mut buffer = [0u8; 512];
        while stream.read_exact(&mut buffer).is_ok() {
            if stream.write_all(&buffer).is_err() {
                break;
            }
        }
    });
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buffer = [7u8; 512];
    let mut times: Vec<Duration> = (0..count)
        .map(|_| {
            timed(|| {
                stream.write_all(&buffer).expect("write");
                stream.read_exact(&mut buffer).expect("read");
            })
            .1
        })
        .collect();
    drop(stream);
    let _ = server.join();
    times.sort();
    times
}

/// A batch file of `set` lines, each its own edit, as a script would send them.
fn batch(sizes: &Sizes) {
    let pair = Pair::start();
    let file = pair.dir.path().join("batch.txt");
    let mut text = String::from("configure\n");
    for n in 0..sizes.batch_lines {
        text.push_str(&format!(
            "set interfaces ge-{}/{}/{} description \"batch {n}\"\n",
            n / 480,
            n / 48 % 10,
            n % 48
        ));
    }
    std::fs::write(&file, text).expect("write the batch file");
    let mut shell = Command::new(BINARY);
    shell.args(["--connect", &pair.spec(), "--yes", "-f"]).arg(&file).arg("--secret").arg(pair.secret());
    shell.env("USER", "lab");
    let (out, took) = timed(|| shell.stdin(Stdio::null()).output().expect("shell"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    report(
        &format!("batch_set_lines_{}", label(sizes.batch_lines)),
        sizes.batch_lines as f64 / seconds(took),
        "lines/s",
    );
}

/// From starting the shell to its first output: on running agents, and on
/// the embedded chassis it starts itself.
fn shell_start(sizes: &Sizes) {
    let pair = Pair::start();
    let secret = pair.secret();
    let secret = secret.to_str().expect("a UTF-8 temp dir");
    let mut connected: Vec<Duration> =
        (0..sizes.starts).map(|_| first_output(&["--connect", &pair.spec(), "--secret", secret])).collect();
    connected.sort();
    report("shell_start_connect_p50", millis(percentile(&connected, 0.5)), "ms");
    let state = pair.dir.path().join("embedded");
    let state = state.to_str().expect("a UTF-8 temp dir");
    let mut embedded: Vec<Duration> =
        (0..=sizes.starts).map(|_| first_output(&["--state-dir", state])).skip(1).collect();
    embedded.sort();
    report("shell_start_embedded_p50", millis(percentile(&embedded, 0.5)), "ms");
}

/// Time until the first byte of `show version` output.
fn first_output(args: &[&str]) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(BINARY)
        .args(args)
        .args(["-c", "show version"])
        .env("USER", "lab")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("shell");
    let mut first = [0u8; 1];
    child.stdout.as_mut().expect("stdout").read_exact(&mut first).expect("output");
    let took = start.elapsed();
    let _ = child.wait();
    took
}

/// The master killed: how long past keepalive-time until the backup is master.
fn failover(sizes: &Sizes) {
    const KEEPALIVE: Duration = Duration::from_secs(2);
    let mut pair = Pair::start();
    let session = pair.session(0);
    session.open();
    session.set("chassis redundancy failover on-loss-of-keepalives");
    session.set("chassis redundancy keepalive-time 2");
    session.commit(true);
    drop(session);
    let mut overshoot = Vec::new();
    let mut master = 0;
    for _ in 0..sizes.failovers {
        let backup = 1 - master;
        wait_backup_ready(&pair, backup);
        let killed = Instant::now();
        pair.agents[master].kill();
        let took = pair.wait_master(backup, killed + PATIENCE) - killed;
        overshoot.push(took.saturating_sub(KEEPALIVE));
        pair.restart(master);
        master = backup;
    }
    overshoot.sort();
    report("failover_overshoot_p50", millis(percentile(&overshoot, 0.5)), "ms");
    report("failover_overshoot_max", millis(*overshoot.last().expect("one failover")), "ms");
}

/// Waits until `slot` is a backup that hears its master.
fn wait_backup_ready(pair: &Pair, slot: usize) {
    let deadline = Instant::now() + PATIENCE;
    let client =
        AgentClient::new(pair.rt.handle().clone(), &pair.agents[slot].address, None).expect("client");
    loop {
        let ready = client.login(&console(pair.dir.path())).is_ok()
            && client.switchover().is_ok_and(|s| s.state() == MastershipState::Backup && s.peer_steady);
        if ready {
            return;
        }
        assert!(Instant::now() < deadline, "re{slot} never became a steady backup");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `request chassis routing-engine master switch` with graceful switchover:
/// from the request until the new master answers as master.
fn switch(sizes: &Sizes) {
    let mut times = Vec::new();
    for _ in 0..sizes.switches {
        let pair = Pair::start();
        let session = pair.session(0);
        session.open();
        session.set("chassis redundancy graceful-switchover");
        session.commit(true);
        let deadline = Instant::now() + PATIENCE;
        let backup = pair.client(1);
        while !backup.switchover().is_ok_and(|s| s.kernel_ready && s.peer_steady) {
            assert!(Instant::now() < deadline, "the backup never became ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        let master = pair.client(0);
        let start = Instant::now();
        master.change_mastership(Action::Switch, false).expect("switch");
        times.push(pair.wait_master(1, start + PATIENCE) - start);
    }
    times.sort();
    report("switch_graceful_p50", millis(percentile(&times, 0.5)), "ms");
}

/// An agent holding the larger configuration and its rollbacks: its peak
/// resident memory, and the rollbacks' size on disk against one configuration.
fn memory(sizes: &Sizes) {
    let pair = Pair::start();
    let session = pair.session(0);
    session.open();
    let before = pair.checkpoint(0);
    session.load_set(generate::set_lines(sizes.large));
    session.commit(false);
    pair.checkpointed_after(0, before);
    for n in 0..sizes.rollbacks {
        session.set(&format!("system domain-name r{n}.example.net"));
        session.commit(false);
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", pair.agents[0].pid())).expect("status");
    let kilobytes = |field: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .expect("a memory field of /proc/PID/status")
    };
    let (peak_kb, resident_kb) = (kilobytes("VmHWM:"), kilobytes("VmRSS:"));
    // Whatever the layout: the largest file is one whole configuration,
    // everything else in the store is what the rollbacks cost.
    let sizes_on_disk: Vec<u64> = std::fs::read_dir(pair.dir.path().join("re0/config"))
        .expect("config dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .collect();
    let current = sizes_on_disk.iter().copied().max().unwrap_or(0);
    let rollbacks = sizes_on_disk.iter().sum::<u64>() - current;
    report(&format!("agent_peak_rss_{}", label(sizes.large)), peak_kb / 1024.0, "MB");
    report(&format!("agent_rss_after_{}", label(sizes.large)), resident_kb / 1024.0, "MB");
    report(
        &format!("rollbacks_{}_on_disk_vs_config", sizes.rollbacks),
        rollbacks as f64 / current.max(1) as f64,
        "x",
    );
}
