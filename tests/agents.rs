//! Routing Engine agents as their own processes, and the shell attached to them.

mod common;

use common::{Chassis, Process, agent, connected, eventually, free_port, reshell, shape, two_agents};
use std::time::{Duration, Instant};

#[test]
fn an_agent_says_where_it_listens_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, address) = agent(0, "127.0.0.1:0", &free_port(), dir.path());
    let port: u16 = address.strip_prefix("127.0.0.1:").unwrap().parse().unwrap();
    assert_ne!(port, 0);
    assert!(std::net::TcpStream::connect(&address).is_ok());
}

#[test]
fn the_shell_attaches_to_running_agents() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, connect) = two_agents(dir.path());
    let run = connected(&connect, &["-c", "show chassis routing-engine", "-c", "show chassis hardware"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.contains("  Slot 0:\n    Current state                  Master\n"));
    assert!(run.stdout.contains("  Slot 1:\n    Current state                  Backup\n"));
    assert!(run.stdout.contains("Routing Engine 1 REV 10"));
}

#[test]
fn login_finds_the_other_routing_engine_through_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, connect) = two_agents(dir.path());
    let re0_only = connect.split(',').next().unwrap();
    let run = connected(
        re0_only,
        &["--echo", "-c", "request routing-engine login other-routing-engine", "-c", "show chassis hardware"],
    );
    assert!(run.stdout.contains("{backup}\nlab@re1> show chassis hardware\n"), "{}", run.stdout);
    assert_eq!(run.stderr, "error: Aborted! This command can only be used on the master routing engine.\n");
}

#[test]
fn a_routing_engine_whose_peer_is_down_reports_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, address) = agent(0, "127.0.0.1:0", &free_port(), dir.path());
    let run = connected(&format!("re0={address}"), &["-c", "show chassis routing-engine"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.contains("  Slot 0:")
            && run.stdout.ends_with("\n  Slot 1:\n    Current state                  Present\n"),
        "{}",
        run.stdout
    );
    let run = connected(&format!("re0={address}"), &["-c", "request routing-engine login re1"]);
    assert!(!run.ok);
    assert!(run.stderr.starts_with("error: could not connect to re1 : "), "{}", run.stderr);
}

/// The other RE's entry is what its keepalives last said, so a stopped RE
/// holds up nobody's `show chassis routing-engine`: it is shown as it was
/// until its keepalives are overdue, then as `Present`.
#[test]
fn the_other_re_is_shown_from_its_keepalives_until_they_stop() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, re1, connect) = two_agents(dir.path());
    let re0_only = connect.split(',').next().unwrap();
    let slot1 = || connected(re0_only, &["-c", "show chassis routing-engine 1"]).stdout;
    let backup = "  Slot 1:\n    Current state                  Backup\n";
    eventually(Duration::from_secs(10), "re0 shows re1 backup", || slot1().contains(backup));
    let re1_pid = rustix::process::Pid::from_raw(re1.child.id() as i32).unwrap();
    rustix::process::kill_process(re1_pid, rustix::process::Signal::STOP).unwrap();
    let shown = slot1();
    assert!(shown.contains(backup) && shown.contains("\n    Uptime "), "{shown}");
    eventually(Duration::from_secs(10), "re0 shows re1 present only", || {
        slot1().ends_with("  Slot 1:\n    Current state                  Present\n")
    });
    rustix::process::kill_process(re1_pid, rustix::process::Signal::CONT).unwrap();
    eventually(Duration::from_secs(10), "re0 shows re1 again", || slot1().contains(backup));
}

#[test]
fn attaching_to_nothing_fails_with_a_reason() {
    let run = connected(&format!("re0={}", free_port()), &["-c", "show version"]);
    assert!(!run.ok);
    assert!(
        run.stderr.starts_with("reshell: cannot attach to the Routing Engine: could not connect to"),
        "{}",
        run.stderr
    );
    let run = connected("re7=x", &["-c", "show version"]);
    assert!(!run.ok);
    assert!(run.stderr.contains("invalid address list 're7=x'"), "{}", run.stderr);
}

#[test]
fn chassis_runs_both_agents_as_processes_until_terminated() {
    let dir = tempfile::tempdir().unwrap();
    let Chassis { process: mut chassis, grpc: addresses, .. } = Chassis::start(dir.path(), &[]);
    let connect = format!("re0={},re1={}", addresses[0], addresses[1]);
    let run = connected(&connect, &["-c", "show chassis routing-engine"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(shape(&run.stdout).contains("Slot #:\n Current state Backup"));

    let pid = i32::try_from(chassis.child.id()).ok().and_then(rustix::process::Pid::from_raw).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = chassis.wait_exit().expect("chassis exits on SIGTERM");
    assert!(status.success(), "{status}");
    // Both agents go with it.
    let deadline = Instant::now() + Duration::from_secs(10);
    for address in &addresses {
        while std::net::TcpStream::connect(address).is_ok() {
            assert!(Instant::now() < deadline, "{address} still accepts connections");
            std::thread::yield_now();
        }
    }
}

#[test]
fn an_agent_serves_beyond_loopback_only_when_told_it_is_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["agent", "--slot", "0", "--listen", "0.0.0.0:0", "--peer", "127.0.0.1:1", "--state-dir"];
    let refused = reshell().args(args).arg(dir.path()).output().expect("run reshell agent");
    assert!(!refused.status.success());
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "reshell: refusing to serve 0.0.0.0:0 without TLS: only loopback addresses are served in the clear \
         (give --tls-cert, --tls-key and --tls-ca, or --insecure to serve it anyway)\n"
    );
    let insecure = Process::spawn(reshell().args(args).arg(dir.path()).arg("--insecure"));
    assert_eq!(
        insecure.next_line(),
        "warning: serving 0.0.0.0:0 without TLS: logins and everything else cross the network in the clear"
    );
    assert!(insecure.wait_for("listening on ").starts_with("0.0.0.0:"));
}
