//! `reshell chassis` heals as init does: an agent that was killed is started
//! again, and says so in its log; a rebooted one comes back by itself; a
//! halted one stays down.

mod common;

use std::time::Duration;

use common::{Chassis, Roles, connected_commands as run, eventually};

/// Whether the agent at `address` answers over gRPC. A runtime of its own
/// each time: a connection left open would hold up the agent's reboot,
/// which waits for its clients to hang up.
fn answers(address: &str) -> bool {
    Roles::new().of(address, Duration::from_secs(2)).is_some()
}

#[test]
fn a_killed_agent_is_started_again_and_a_halted_one_stays_down() {
    let dir = tempfile::tempdir().unwrap();
    let chassis = Chassis::start(dir.path(), &[]);
    let re1 = format!("re1={}", chassis.grpc[1]);
    let killed = chassis.pids[1];
    let kill = std::process::Command::new("kill").args(["-KILL", &killed.to_string()]).status().unwrap();
    assert!(kill.success());

    let said = chassis.process.wait_for("re1: agent (PID ");
    assert_eq!(said, format!("{killed}) terminated by signal number 9!; restarting in 1 s"));
    let restarted: u32 =
        chassis.process.wait_for("re1: agent started (PID ").trim_end_matches(')').parse().unwrap();
    assert_eq!(chassis.process.wait_for("re1: listening on "), chassis.grpc[1], "the same address again");
    eventually(Duration::from_secs(10), "re1 answers again", || answers(&chassis.grpc[1]));
    let log = run(&re1, &["show log messages | match init:"]).stdout;
    assert!(
        log.contains(&format!(" re1 init: agent (PID {killed}) terminated by signal number 9!\n")),
        "{log}"
    );
    assert!(log.contains(&format!(" re1 init: agent (PID {restarted}) restarted\n")), "{log}");

    // A reboot is the agent's own: it comes back at once, in the same process.
    let rebooted = run(&re1, &["request system reboot"]);
    assert!(rebooted.ok, "{}", rebooted.stderr);

    chassis.process.wait_for("re1: rebooting");
    chassis.process.wait_for("re1: listening on ");
    eventually(Duration::from_secs(10), "re1 answers after its reboot", || answers(&chassis.grpc[1]));

    let halted = run(&re1, &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    assert_eq!(chassis.process.wait_for("re1: agent (PID "), format!("{restarted}) halted; it stays down"));
    assert!(std::net::TcpStream::connect(&chassis.grpc[1]).is_err(), "nothing serves re1's address");
    // The other RE goes on.
    assert!(answers(&chassis.grpc[0]));
}
