//! Helpers for tests that drive the real `reshell` binary and real agents.

#![allow(dead_code)] // each test crate uses its own share of these

pub mod ssh;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

/// How long a process may take to say it is ready; generous for a loaded CI machine.
pub const READY_WITHIN: Duration = Duration::from_secs(30);

/// The password of `lab` and of root on every chassis a test starts.
pub const PASSWORD: &str = "lab-Secret-1";

/// `reshell`, run by the OS user `lab`, who logs in with `PASSWORD` where
/// a password is needed (the embedded chassis's shell is at the console).
pub fn reshell() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reshell"));
    command.env("USER", "lab").env("RESHELL_PASSWORD", PASSWORD).stdin(Stdio::null());
    command
}

/// What every chassis a test starts commits first: a root password and
/// the super-user `lab`, as an operator sets them up before anything else.
/// The hash is made here, per run: no credential is kept in the tree.
pub fn startup_config() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let params = sha_crypt::Sha512Params::new(sha_crypt::ROUNDS_MIN).expect("rounds");
        let hash = sha_crypt::sha512_simple(PASSWORD, &params).expect("hash");
        let text = format!(
            "system {{\n    root-authentication {{\n        encrypted-password \"{hash}\";\n    }}\n    \
             login {{\n        user lab {{\n            uid 2000;\n            class super-user;\n            \
             authentication {{\n                encrypted-password \"{hash}\";\n            }}\n        }}\n    }}\n}}\n"
        );
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("startup-{}.conf", std::process::id()));
        std::fs::write(&path, text).expect("write the startup configuration");
        path
    })
}

/// `startup_config` with `more` (Junos text) after it, in a file of its own.
pub fn startup_config_with(more: &str) -> PathBuf {
    static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let text = std::fs::read_to_string(startup_config()).expect("the startup configuration") + more;
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("startup-{}-{n}.conf", std::process::id()));
    std::fs::write(&path, text).expect("write the startup configuration");
    path
}

/// What one batch run printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub ok: bool,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            ok: o.status.success(),
        }
    }
}

/// Runs `reshell --state-dir DIR ARGS...` on its embedded chassis.
pub fn batch(state_dir: &Path, args: &[&str]) -> Run {
    embedded(state_dir).args(args).output().expect("run reshell").into()
}

/// `reshell --state-dir DIR` on its embedded chassis, set up as tests set
/// every chassis up.
pub fn embedded(state_dir: &Path) -> Command {
    let mut command = reshell();
    command.arg("--state-dir").arg(state_dir).arg("--startup-config").arg(startup_config());
    command
}

/// Runs `reshell --connect SPEC ARGS...` against running agents.
pub fn connected(spec: &str, args: &[&str]) -> Run {
    reshell().args(["--connect", spec]).args(args).output().expect("run reshell").into()
}

/// Waits until the RE at `spec` (`re0=ADDR`) says it is master.
pub fn until_master(spec: &str) {
    let re = spec.split_once('=').map_or(spec, |(re, _)| re);
    let command = format!("show chassis routing-engine {} | match \"Current state\"", &re[2..]);
    eventually(Duration::from_secs(10), &format!("{re} is master"), || {
        connected_commands(spec, &[&command]).stdout.ends_with("Master\n")
    });
}

/// Runs each command in turn with `-c` against running agents, going on
/// after a failure and answering `yes` to questions.
pub fn connected_commands(spec: &str, commands: &[&str]) -> Run {
    let mut args = vec!["--keep-going", "--yes"];
    for c in commands {
        args.extend(["-c", c]);
    }
    connected(spec, &args)
}

/// Runs each command in turn with `-c`.
pub fn commands(state_dir: &Path, commands: &[&str]) -> Run {
    let mut args = Vec::new();
    for c in commands {
        args.extend(["-c", c]);
    }
    batch(state_dir, &args)
}

/// A child process whose output lines (stdout and stderr, each in order)
/// arrive on a channel, killed on drop.
pub struct Process {
    pub child: Child,
    lines: mpsc::Receiver<String>,
}

impl Process {
    pub fn spawn(command: &mut Command) -> Process {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let (tx, lines) = mpsc::channel();
        forward(child.stdout.take().expect("stdout"), tx.clone());
        forward(child.stderr.take().expect("stderr"), tx);
        Process { child, lines }
    }

    /// The next line of output, waiting at most `READY_WITHIN`.
    pub fn next_line(&self) -> String {
        self.lines.recv_timeout(READY_WITHIN).expect("a line of output in time")
    }

    /// Reads lines until one starts with `prefix`; returns the rest of it.
    pub fn wait_for(&self, prefix: &str) -> String {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no '{prefix}' line in time"));
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
    }

    /// Types a line at the process (spawned with a piped stdin).
    pub fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("spawned with a piped stdin");
        std::io::Write::write_all(stdin, format!("{line}\n").as_bytes()).expect("write to the process");
    }

    /// Waits for the process to exit by itself; `None` if it did not in time.
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            // Polling a child's exit has no blocking form with a deadline.
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

fn forward(output: impl std::io::Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A shell in batch mode on running agents, reading commands as they are sent.
pub fn shell(spec: &str) -> Process {
    Process::spawn(reshell().args(["--connect", spec, "--keep-going", "--yes"]).stdin(Stdio::piped()))
}

/// Waits until `check` holds, trying again until the deadline.
pub fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        // What is awaited happens in another process, which has no way to tell us.
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A free loopback port, for an agent that must be told its peer's address
/// before the peer starts. Taken below the kernel's range for port 0, so
/// that no listener bound to port 0 (by this test or one running beside
/// it) takes it before the peer binds it; counted on, so that no two tests
/// of this binary are given one port.
pub fn free_port() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let first_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768);
    let span = 8000.min(first_ephemeral.saturating_sub(1024));
    if span == 0 {
        return std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    }
    // Binaries that run one after another start apart, clear of ports an
    // earlier one left in TIME_WAIT.
    let start = std::process::id() * 97 % span;
    for _ in 0..span {
        let port =
            first_ephemeral - span + (start + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) % span;
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port as u16)) {
            return listener.local_addr().unwrap().to_string();
        }
    }
    panic!("no free port below {first_ephemeral}");
}

/// Starts `reshell agent` for `slot` and returns it with its real address.
pub fn agent(slot: u32, listen: &str, peer: &str, state_dir: &Path) -> (Process, String) {
    agent_with(slot, listen, peer, state_dir, &[])
}

/// `agent` with more arguments (`--lease FILE`, `--fault-injection`). The
/// agents of one test share the chassis secret beside their state dirs.
pub fn agent_with(slot: u32, listen: &str, peer: &str, state_dir: &Path, more: &[&str]) -> (Process, String) {
    let (p, serving) = agent_serving(slot, listen, peer, state_dir, more);
    (p, serving.grpc)
}

/// Where an agent serves.
#[derive(Debug, Clone)]
pub struct Serving {
    pub grpc: String,
    pub ssh: String,
    pub netconf: String,
}

/// `agent_with`, with every address the agent said it listens on.
pub fn agent_serving(
    slot: u32,
    listen: &str,
    peer: &str,
    state_dir: &Path,
    more: &[&str],
) -> (Process, Serving) {
    served(Process::spawn(reshell().arg("agent").args(agent_args(slot, listen, peer, state_dir, more))))
}

/// What `reshell agent` is given after `agent`: its slot and addresses, the
/// chassis secret beside its state dir, and the tests' startup configuration.
fn agent_args(
    slot: u32,
    listen: &str,
    peer: &str,
    state_dir: &Path,
    more: &[&str],
) -> Vec<std::ffi::OsString> {
    let secret = state_dir.parent().unwrap_or(state_dir).join("chassis-secret");
    let mut args: Vec<std::ffi::OsString> =
        ["--slot", &slot.to_string(), "--listen", listen, "--peer", peer].map(Into::into).into();
    args.extend(["--state-dir".into(), state_dir.into(), "--secret".into(), secret.into()]);
    if !more.contains(&"--startup-config") {
        args.extend(["--startup-config".into(), startup_config().into()]);
    }
    args.extend(more.iter().map(Into::into));
    args
}

/// Reads where a starting agent says it serves.
fn served(p: Process) -> (Process, Serving) {
    try_served(p).unwrap_or_else(|line| panic!("unexpected line {line:?}"))
}

/// `served`, or the first line that is not an address (a failure to start).
fn try_served(p: Process) -> Result<(Process, Serving), String> {
    let mut serving = Serving { grpc: String::new(), ssh: String::new(), netconf: String::new() };
    while serving.grpc.is_empty() {
        let line = p.next_line();
        let Some((what, address)) = line.split_once("listening on ") else { return Err(line) };
        let field = match what {
            "ssh " => &mut serving.ssh,
            "netconf " => &mut serving.netconf,
            "" => &mut serving.grpc,
            _ => return Err(line),
        };
        *field = address.to_owned();
    }
    Ok((p, serving))
}

/// Both agents as separate processes; returns them and `re0=..,re1=..`.
pub fn two_agents(state_dir: &Path) -> (Process, Process, String) {
    two_agents_with(state_dir, &[])
}

/// `two_agents`, each with more arguments.
/// re1's port is chosen before re0 starts (re0 is told its peer), so another
/// listener may take it meanwhile: then both start again on a new one.
pub fn two_agents_with(state_dir: &Path, more: &[&str]) -> (Process, Process, String) {
    for _ in 0..3 {
        let re1_port = free_port();
        let (re0, re0_address) = agent_with(0, "127.0.0.1:0", &re1_port, &state_dir.join("re0"), more);
        let args = agent_args(1, &re1_port, &re0_address, &state_dir.join("re1"), more);
        match try_served(Process::spawn(reshell().arg("agent").args(args))) {
            Ok((re1, serving)) => return (re0, re1, format!("re0={re0_address},re1={}", serving.grpc)),
            Err(line) if line.contains("Address already in use") => continue,
            Err(line) => panic!("unexpected line {line:?}"),
        }
    }
    panic!("re1's port was taken three times over")
}

/// `reshell chassis` on `state_dir` with the tests' startup configuration,
/// and what it said of each RE as it started them.
pub struct Chassis {
    pub process: Process,
    pub grpc: [String; 2],
    pub pids: [u32; 2],
}

impl Chassis {
    pub fn start(state_dir: &Path, more: &[&str]) -> Chassis {
        let mut command = reshell();
        command
            .arg("chassis")
            .arg("--state-dir")
            .arg(state_dir)
            .arg("--startup-config")
            .arg(startup_config());
        let process = Process::spawn(command.args(more));
        let (mut grpc, mut pids) = ([String::new(), String::new()], [0, 0]);
        while grpc.iter().any(String::is_empty) || pids.contains(&0) {
            let line = process.next_line();
            for slot in 0..2 {
                let Some(said) = line.strip_prefix(&format!("re{slot}: ")) else { continue };
                if let Some(address) = said.strip_prefix("listening on ") {
                    grpc[slot] = address.to_owned();
                } else if let Some(pid) = said.strip_prefix("agent started (PID ") {
                    pids[slot] = pid.trim_end_matches(')').parse().expect("a pid");
                }
            }
        }
        Chassis { process, grpc, pids }
    }

    /// `re0=..,re1=..`
    pub fn spec(&self) -> String {
        format!("re0={},re1={}", self.grpc[0], self.grpc[1])
    }
}

/// `reshell fault --connect ADDR ARGS...`: what it printed, and whether it succeeded.
pub fn fault(address: &str, args: &[&str]) -> (String, bool) {
    let out = reshell().args(["fault", "--connect", address]).args(args).output().expect("run reshell fault");
    let text = String::from_utf8_lossy(if out.status.success() { &out.stdout } else { &out.stderr });
    (text.into_owned(), out.status.success())
}

/// The text's shape without its figures: digits become `#` and runs of spaces
/// one space, so two readings of changing values compare equal.
pub fn shape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_digit() { '#' } else { c };
        let last = out.chars().last();
        if (c == '#' && last == Some('#')) || (c == ' ' && last == Some(' ')) {
            continue;
        }
        out.push(c);
    }
    out
}

/// The window every `Terminal` starts with, so that the pager and line
/// editing behave the same on every machine.
pub const TERMINAL_SIZE: (u16, u16) = (24, 80);

/// The shell on a pseudo-terminal of its own (its controlling terminal, so
/// that Ctrl-C and window changes reach it as signals), typed at like a person.
pub struct Terminal {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    input: Box<dyn std::io::Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    /// Everything printed so far.
    pub screen: String,
}

impl Terminal {
    /// `reshell --state-dir DIR/state` on its embedded chassis, as the OS
    /// user `lab` whose home is `DIR`.
    pub fn start(state_dir: &Path) -> Terminal {
        let mut command = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_reshell"));
        command.arg("--state-dir");
        command.arg(state_dir.join("state"));
        command.env("USER", "lab");
        command.env("HOME", state_dir);
        command.env_remove("RESHELL_PASSWORD");
        Terminal::spawn(command)
    }

    /// The shell with these arguments (`--connect re0=..,re1=..`), logging in
    /// as `lab` with `PASSWORD`, its home in `home`.
    pub fn start_with(home: &Path, args: &[&str]) -> Terminal {
        let mut command = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_reshell"));
        command.args(args);
        command.env("USER", "lab");
        command.env("HOME", home);
        command.env("RESHELL_PASSWORD", PASSWORD);
        Terminal::spawn(command)
    }

    /// Runs `command` on a new pseudo-terminal of `TERMINAL_SIZE`.
    pub fn spawn(command: portable_pty::CommandBuilder) -> Terminal {
        let (rows, cols) = TERMINAL_SIZE;
        let pair = portable_pty::native_pty_system()
            .openpty(portable_pty::PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let child = pair.slave.spawn_command(command).expect("the shell starts on the pseudo-terminal");
        // Only the child holds the terminal's side now: its exit ends the reads.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("the terminal's output");
        let input = pair.master.take_writer().expect("the terminal's input");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal { child, master: pair.master, input, output, screen: String::new() }
    }

    pub fn type_keys(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).expect("type at the terminal");
        self.input.flush().expect("type at the terminal");
    }

    /// Presses Ctrl-C.
    pub fn interrupt(&mut self) {
        self.type_keys("\x03");
    }

    /// Changes the window's size, as a person resizing their terminal does.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let size = portable_pty::PtySize { rows, cols, pixel_width: 0, pixel_height: 0 };
        self.master.resize(size).expect("resize the terminal");
    }

    /// Waits until the screen, after what was already there at `from`,
    /// shows `text`; returns the position just past it.
    pub fn expect_after(&mut self, from: usize, text: &str) -> usize {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(at) = self.screen.get(from..).and_then(|s| s.find(text)) {
                return from + at + text.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.screen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("{text:?} never appeared; the screen shows:\n{}", self.screen),
            }
        }
    }

    /// Waits for the shell to exit by itself, reading what it printed on
    /// the way (until its side of the terminal closed); how it exited, or
    /// `None` if it went on past the deadline.
    pub fn wait_exit(&mut self) -> Option<portable_pty::ExitStatus> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.screen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => return None,
            }
        }
        Some(self.child.wait().expect("wait for the shell"))
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let pid = self.child.process_id().and_then(|pid| i32::try_from(pid).ok());
            if let Some(pid) = pid.and_then(rustix::process::Pid::from_raw) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
        let _ = self.child.wait();
    }
}

/// `agent_serving`, in a process that may hold at most `open_files` file
/// descriptors (its `ulimit -n`), as a small Routing Engine would.
pub fn agent_serving_with_open_files(
    slot: u32,
    listen: &str,
    peer: &str,
    state_dir: &Path,
    more: &[&str],
    open_files: u32,
) -> (Process, Serving) {
    let p = Process::spawn(reshell().arg("agent").args(agent_args(slot, listen, peer, state_dir, more)));
    // Lowered as it starts; the test's flood comes only once it serves.
    let pid = i32::try_from(p.child.id()).ok().and_then(rustix::process::Pid::from_raw);
    let limit =
        rustix::process::Rlimit { current: Some(open_files.into()), maximum: Some(open_files.into()) };
    rustix::process::prlimit(pid, rustix::process::Resource::Nofile, limit).expect("limit the agent's files");
    served(p)
}

/// Asks agents for their role directly over gRPC, logged in as `lab`, with
/// a deadline: a stopped agent does not answer.
pub struct Roles {
    rt: tokio::runtime::Runtime,
}

impl Roles {
    pub fn new() -> Roles {
        Roles { rt: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap() }
    }

    pub fn of(&self, address: &str, within: Duration) -> Option<reshell::proto::MastershipState> {
        use reshell::proto::authentication_client::AuthenticationClient;
        use reshell::proto::routing_engine_client::RoutingEngineClient;
        use reshell::proto::{GetIdentityRequest, LoginRequest};
        self.rt.block_on(async {
            let ask = async {
                let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
                    .ok()?
                    .connect()
                    .await
                    .ok()?;
                let login =
                    LoginRequest { user: "lab".into(), password: Some(PASSWORD.into()), console: None };
                let token =
                    AuthenticationClient::new(channel.clone()).login(login).await.ok()?.into_inner().token;
                let mut request = tonic::Request::new(GetIdentityRequest {});
                request.metadata_mut().insert(reshell::agent::TOKEN_KEY, token.parse().ok()?);
                let identity =
                    RoutingEngineClient::new(channel).get_identity(request).await.ok()?.into_inner();
                Some(identity.mastership_state())
            };
            tokio::time::timeout(within, ask).await.ok().flatten()
        })
    }
}

/// Whether the server still holds a raw connection open.
pub fn still_open(mut stream: &std::net::TcpStream) -> bool {
    use std::io::Read;
    stream.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
    }
}
