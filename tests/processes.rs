//! The daemons each RE runs under its watchdog: crashes and restarts,
//! disabling, failover on a failing critical process, and vmhost snapshots.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{connected_commands as run, eventually, fault, shape, two_agents_with};

fn address(spec: &str, slot: usize) -> &str {
    spec.split(',').nth(slot).and_then(|s| s.split_once('=')).map_or("", |(_, a)| a)
}

fn master(spec: &str, slot: usize) -> bool {
    let re = spec.split(',').nth(slot).unwrap_or_default();
    run(re, &[&format!("show chassis routing-engine {slot} | match \"Current state\"")])
        .stdout
        .ends_with("Master\n")
}

/// The id `rpd` runs with now, from the `ps` view.
fn rpd_pid(re: &str) -> Option<u32> {
    let shown = run(re, &["show system processes"]).stdout;
    let line = shown.lines().find(|l| l.ends_with("/usr/sbin/rpd -N"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// The watchdog's row for `name` in the extensive view, in words.
fn watchdog_row(re: &str, name: &str) -> Vec<String> {
    let shown = run(re, &["show system processes extensive"]).stdout;
    let row = shown.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_default();
    row.split_whitespace().map(str::to_owned).collect()
}

fn commit(re: &str, statements: &[&str]) -> common::Run {
    let mut commands = vec!["configure"];
    commands.extend_from_slice(statements);
    commands.push("commit and-quit");
    run(re, &commands)
}

#[test]
fn a_crashed_daemon_comes_back_with_a_new_id_and_its_state_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &["--fault-injection"]);
    let re0 = spec.split(',').next().unwrap();
    eventually(Duration::from_secs(10), "re0 is master", || master(&spec, 0));
    let configured = commit(
        re0,
        &[
            "set interfaces xe-0/0/0 unit 0 family inet address 10.0.0.1/24",
            "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.254",
        ],
    );
    assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);

    let listed = run(re0, &["show system processes"]).stdout;
    for daemon in ["mgd", "chassisd", "dcd", "rpd", "pfed"] {
        assert!(listed.contains(&format!("/usr/sbin/{daemon} -N\n")), "{daemon} missing:\n{listed}");
    }
    let routes = run(re0, &["show route"]).stdout;
    assert!(routes.contains("0.0.0.0/0") && routes.contains("10.0.0.1/32"), "{routes}");
    let pid = rpd_pid(re0).expect("rpd runs");
    // name, state, pid, start (three words), restarts, failures, failover
    assert_eq!(watchdog_row(re0, "routing")[6], "0", "no restarts yet");

    let (said, ok) = fault(address(&spec, 0), &["crash-process", "rpd"]);
    assert!(ok, "{said}");
    assert_eq!(said.trim(), format!("routing (PID {pid}) killed"));
    eventually(Duration::from_secs(5), "rpd runs again", || rpd_pid(re0).is_some_and(|p| p > pid));
    let row = watchdog_row(re0, "routing");
    assert_eq!((row[1].as_str(), row[6].as_str(), row[7].as_str()), ("running", "1", "1"), "{row:?}");
    assert_eq!(shape(&run(re0, &["show route"]).stdout), shape(&routes), "the route table is whole again");
    let log = run(re0, &["show log messages"]).stdout;
    assert!(log.contains(&format!(" init: routing (PID {pid}) terminated by signal number 9!\n")), "{log}");

    // A restart asked for is no failure, and says so the Junos way.
    let restarted = run(re0, &["restart routing gracefully"]);
    assert!(restarted.stdout.starts_with("Routing protocol daemon started, pid "), "{}", restarted.stderr);
    assert_eq!(watchdog_row(re0, "routing")[6], "2");
}

#[test]
fn a_critical_process_failing_four_times_in_30_seconds_hands_over_mastership() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &["--fault-injection"]);
    let re0 = spec.split(',').next().unwrap();
    eventually(Duration::from_secs(10), "re0 is master", || master(&spec, 0));
    let configured = commit(re0, &["set system processes routing failover other-routing-engine"]);
    assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);

    for n in 1..=4 {
        let pid = rpd_pid(re0).expect("rpd runs");
        let (said, ok) = fault(address(&spec, 0), &["crash-process", "routing"]);
        assert!(ok, "crash {n}: {said}");
        eventually(Duration::from_secs(5), "rpd runs again", || rpd_pid(re0).is_some_and(|p| p > pid));
    }
    eventually(Duration::from_secs(15), "re1 is master", || master(&spec, 1));
    assert!(!master(&spec, 0));
    let log = run(re0, &["show log mastership"]).stdout;
    assert!(
        log.contains(
            "routing failed 4 times within 30 seconds: releasing mastership (failover other-routing-engine)"
        ),
        "{log}"
    );
    assert!(log.contains("E_ACK_G"), "{log}");
}

#[test]
fn a_disabled_process_stays_down_and_essential_ones_cannot_be_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &["--fault-injection"]);
    let re0 = spec.split(',').next().unwrap();
    eventually(Duration::from_secs(10), "re0 is master", || master(&spec, 0));

    let configured = commit(re0, &["set system processes routing disable"]);
    assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);
    eventually(Duration::from_secs(5), "rpd is down", || rpd_pid(re0).is_none());
    assert_eq!(run(re0, &["show route"]).stderr, "error: the routing subsystem is not running\n");
    let (said, ok) = fault(address(&spec, 0), &["crash-process", "rpd"]);
    assert!(!ok && said.contains("routing is not running"), "{said}");
    assert_eq!(run(re0, &["restart routing"]).stderr, "error: Routing protocol daemon is disabled\n");
    assert_eq!(watchdog_row(re0, "routing")[1], "disabled");

    let enabled = commit(re0, &["delete system processes routing disable"]);
    assert!(enabled.stdout.contains("commit complete"), "{}", enabled.stderr);
    eventually(Duration::from_secs(5), "rpd runs again", || rpd_pid(re0).is_some());
    assert!(run(re0, &["show route"]).ok);

    let refused = commit(re0, &["set system processes management disable"]);
    assert!(
        refused.stderr.contains(
            "[edit system processes]\n  'management'\n    \
             Process cannot be disabled: the Routing Engine needs it to be managed\n"
        ),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_recovery_brings_the_routing_engine_back_as_of_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (re0_agent, _re1, spec) = two_agents_with(dir.path(), &[]);
    let re0 = spec.split(',').next().unwrap();
    assert!(commit(re0, &["set system domain-name before.example"]).stdout.contains("commit complete"));
    assert_eq!(run(re0, &["show vmhost snapshot"]).stdout, "Backup Disk: no snapshot\n");

    let taken = run(re0, &["request vmhost snapshot"]);
    assert!(
        taken.stdout.starts_with("warning: Existing data on the target may be lost\n"),
        "{}",
        taken.stdout
    );
    assert!(taken.stdout.ends_with("Software snapshot done\n"), "{}{}", taken.stdout, taken.stderr);
    let shown = run(re0, &["show vmhost snapshot"]).stdout;
    assert!(shown.starts_with("Backup Disk, Snapshot Time: "), "{shown}");
    assert!(shown.contains(&format!("Junos Disk: junos-install-x86-64-{}.tgz\n", reshell::JUNOS_VERSION)));

    assert!(commit(re0, &["set system domain-name after.example"]).stdout.contains("commit complete"));
    let recovered = run(re0, &["request vmhost snapshot recovery"]);
    assert!(
        recovered.stdout.contains("Recovering from the snapshot: the Routing Engine is rebooting\n"),
        "{}{}",
        recovered.stdout,
        recovered.stderr
    );
    re0_agent.wait_for("rebooting");
    re0_agent.wait_for("listening on ");
    let domain = run(re0, &["show configuration system domain-name"]);
    assert_eq!(domain.stdout, "domain-name before.example;\n", "{}", domain.stderr);
    let log = run(re0, &["show log messages"]).stdout;
    assert!(log.contains(" vmhost: recovered from the snapshot taken "), "{log}");
}

/// Writes a file of `megabytes` into an RE's /var/tmp, behind its back.
fn large_file(state_dir: &Path, name: &str, megabytes: usize) {
    let block = vec![0x5a_u8; 1 << 20];
    let mut file = std::fs::File::create(state_dir.join("files/var/tmp").join(name)).unwrap();
    for _ in 0..megabytes {
        std::io::Write::write_all(&mut file, &block).unwrap();
    }
}

#[test]
fn a_snapshot_of_a_large_state_does_not_stall_keepalives() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &[]);
    let re0 = spec.split(',').next().unwrap();
    eventually(Duration::from_secs(10), "re0 is master", || master(&spec, 0));
    let set: String = (0..20_000)
        .map(|n| {
            format!("set interfaces ge-{}/{}/{} description \"port {n}\"\n", n / 400, n / 40 % 10, n % 40)
        })
        .collect();
    std::fs::write(dir.path().join("re0/files/var/tmp/large.set"), set).unwrap();
    large_file(&dir.path().join("re0"), "image-a.tgz", 256);
    large_file(&dir.path().join("re0"), "image-b.tgz", 256);
    let configured = run(
        re0,
        &[
            "configure",
            "load set /var/tmp/large.set",
            "set chassis redundancy failover on-loss-of-keepalives",
            "set chassis redundancy keepalive-time 2",
            "commit synchronize and-quit",
        ],
    );
    assert!(configured.stdout.contains("commit complete"), "{}{}", configured.stdout, configured.stderr);

    let taken = run(re0, &["request vmhost snapshot"]);
    assert!(taken.stdout.ends_with("Software snapshot done\n"), "{}{}", taken.stdout, taken.stderr);
    assert!(taken.stdout.contains("MB\n") || taken.stdout.contains("GB\n"), "{}", taken.stdout);
    assert!(master(&spec, 0), "re0 is still master");
    let re1 = spec.split(',').nth(1).unwrap();
    let log = run(re1, &["show log mastership"]).stdout;
    assert!(
        !log.contains("claiming mastership") && !log.contains("E_TMOUT"),
        "re1 tried to take over:\n{log}"
    );
}
