//! Oversized input is refused with a clear error, changes nothing, and the
//! Routing Engine goes on serving.

mod common;

use std::time::Duration;

use common::{
    batch, commands, connected, connected_commands, eventually, still_open, two_agents, two_agents_with,
};
use reshell::proto::authentication_client::AuthenticationClient;
use reshell::proto::configuration_client::ConfigurationClient;
use reshell::proto::{LoadRequest, LoginRequest};

#[test]
fn a_ten_megabyte_command_line_is_refused_and_the_next_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("commands");
    let huge = format!("set system host-name {}\n", "a".repeat(10 << 20));
    std::fs::write(&file, format!("configure\n{huge}show system host-name\nexit\nshow version\n")).unwrap();
    let run = batch(&dir.path().join("chassis"), &["--keep-going", "-f", file.to_str().unwrap()]);
    assert_eq!(
        run.stderr,
        format!("error: command line too long ({} bytes; at most 65536)\n", huge.len() - 1)
    );
    assert!(run.stdout.contains("Hostname: re0"), "{}", run.stdout);
}

#[test]
fn a_two_gigabyte_load_is_refused_and_the_re_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let first = commands(dir.path(), &["show version"]);
    assert!(first.ok, "{}", first.stderr);
    // Sparse: two gigabytes to the agent, nothing on the disk.
    let big = std::fs::File::create(dir.path().join("re0/files/var/tmp/big.conf")).unwrap();
    big.set_len(2 << 30).unwrap();
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "load merge /var/tmp/big.conf",
            "-c",
            "show | count",
            "-c",
            "exit",
            "-c",
            "show version",
        ],
    );
    assert!(
        run.stderr.contains(
            "error: /var/tmp/big.conf: file too large (2147483648 bytes; at most 268435456 are read whole)\n"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("Hostname: re0"), "{}", run.stdout);
    let shown = commands(dir.path(), &["file show /var/tmp/big.conf"]);
    assert!(shown.stderr.contains("file too large"), "{}", shown.stderr);
}

/// The agent's gRPC address for `slot` in a `re0=..,re1=..` spec.
fn address_of(spec: &str, slot: usize) -> String {
    spec.split(',').nth(slot).and_then(|p| p.split_once('=')).unwrap().1.to_owned()
}

#[test]
fn a_flood_of_grpc_connections_not_logged_in_is_bounded_and_the_master_stays_master() {
    // The agent holds 256 connections not logged in; the flood stays well
    // below this process's descriptors.
    const STARTUPS: usize = 256;
    const FLOOD: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &["--login-grace-time", "15"]);
    let failover = connected_commands(
        &spec,
        &[
            "configure",
            "set chassis redundancy failover on-loss-of-keepalives",
            "set chassis redundancy keepalive-time 2",
            "commit synchronize and-quit",
        ],
    );
    assert!(failover.stdout.contains("commit complete"), "{}{}", failover.stdout, failover.stderr);
    let mastership = || {
        let shown = connected(
            &spec,
            &["-c", "show chassis routing-engine | match state", "-c", "show log mastership"],
        );
        assert!(shown.ok, "{}", shown.stderr);
        shown.stdout
    };
    let before = mastership();
    assert!(before.contains("Current state                  Master"), "{before}");

    let re0: std::net::SocketAddr = address_of(&spec, 0).parse().unwrap();
    let flood: Vec<std::net::TcpStream> = (0..FLOOD)
        .filter_map(|_| std::net::TcpStream::connect_timeout(&re0, Duration::from_secs(5)).ok())
        .collect();
    assert_eq!(flood.len(), FLOOD);
    let held = || flood.iter().filter(|c| still_open(c)).count();
    // Past the cap the oldest are closed, as soon as the newest are accepted.
    eventually(Duration::from_secs(20), "at most 256 connections not logged in held", || held() <= STARTUPS);
    // A shell still gets in, taking the place of the oldest of the flood.
    let run = connected(&spec, &["-c", "show version | match Hostname"]);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("Hostname: re0\n", ""));
    assert!(held() > STARTUPS - 16, "the flood was over before the shell ran: {} held", held());
    // Those held are closed once the login grace time has passed.
    eventually(Duration::from_secs(40), "the idle connections closed after the grace time", || held() == 0);
    // Through all of it the backup heard the master's keepalives: nobody
    // changed role.
    assert_eq!(mastership(), before);
}

#[test]
fn a_grpc_call_not_logged_in_is_refused_before_its_body_is_kept() {
    const EACH: usize = 3 << 20;
    const CALLS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let (re0, _re1, spec) = two_agents(dir.path());
    let pid = re0.child.id();
    let address = format!("http://{}", address_of(&spec, 0));
    let before = memory_kib(pid, "VmRSS");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let codes = rt.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(address)
            .unwrap()
            .timeout(Duration::from_secs(30))
            .connect()
            .await
            .unwrap();
        let mut calls = tokio::task::JoinSet::new();
        for call in 0..CALLS {
            let channel = channel.clone();
            calls.spawn(async move {
                let status = if call % 2 == 0 {
                    // A password of megabytes: a login decodes a few KiB at most.
                    let request =
                        LoginRequest { user: "lab".into(), password: Some("x".repeat(EACH)), console: None };
                    AuthenticationClient::new(channel).login(request).await.unwrap_err()
                } else {
                    // Without a login, a call's body is not read at all.
                    let request = LoadRequest { text: "x".repeat(EACH), ..Default::default() };
                    ConfigurationClient::new(channel)
                        .max_encoding_message_size(usize::MAX)
                        .load(request)
                        .await
                        .unwrap_err()
                };
                (call % 2, status.code(), status.message().to_owned())
            });
        }
        calls.join_all().await
    });
    for (kind, code, message) in codes {
        match kind {
            0 => assert!(
                code == tonic::Code::OutOfRange && message.ends_with("the limit is: 4096 bytes"),
                "{code:?} {message}"
            ),
            _ => assert_eq!((code, message.as_str()), (tonic::Code::Unauthenticated, "login required")),
        }
    }
    // It cost the agent its input windows, not what was sent.
    let grown = memory_kib(pid, "VmHWM").saturating_sub(before) << 10;
    assert!(grown < (EACH * CALLS) as u64 / 2, "the agent grew by {} MiB", grown >> 20);
}

/// A process's memory figure (`VmRSS`, `VmHWM`) in KiB.
fn memory_kib(pid: u32, figure: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(figure)).unwrap_or_else(|| panic!("{status}"));
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).unwrap()
}
