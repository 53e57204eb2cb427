//! Mastership between two agents running as separate processes: election,
//! failover on loss of keepalives, the switch commands and the mastership log.

mod common;

use std::time::Duration;

use common::{agent, agent_with, connected_commands as run, eventually, free_port};

/// `Master` or `Backup`, as `show chassis routing-engine N` says of the RE at `spec`.
fn state(spec: &str) -> String {
    let slot = if spec.starts_with("re0") { 0 } else { 1 };
    let command = format!("show chassis routing-engine {slot} | match \"Current state\"");
    let shown = run(spec, &[&command]);
    shown.stdout.lines().next().and_then(|l| l.split_whitespace().last()).unwrap_or("down").to_owned()
}

fn configure_failover(spec: &str) {
    let configured = run(
        spec,
        &[
            "configure",
            "set chassis redundancy failover on-loss-of-keepalives",
            "set chassis redundancy keepalive-time 2",
            "commit and-quit",
        ],
    );
    assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);
}

#[test]
fn the_backup_takes_over_when_the_master_dies_and_keeps_mastership() {
    let dir = tempfile::tempdir().unwrap();
    let re1_port = free_port();
    let (mut re0, re0_address) = agent(0, "127.0.0.1:0", &re1_port, &dir.path().join("re0"));
    let (_re1, re1_address) = agent(1, &re1_port, &re0_address, &dir.path().join("re1"));
    let (spec0, spec1) = (format!("re0={re0_address}"), format!("re1={re1_address}"));
    eventually(Duration::from_secs(10), "re0 is master", || state(&spec0) == "Master");
    assert_eq!(state(&spec1), "Backup");
    configure_failover(&spec0);
    configure_failover(&spec1);

    re0.child.kill().unwrap();
    re0.child.wait().unwrap();
    eventually(Duration::from_secs(10), "re1 takes over", || state(&spec1) == "Master");
    let log = run(&spec1, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_NO_IPC, state = backup, param = 0x0\n"), "{log}");
    assert!(log.contains("no keepalives from a master for 2 sec: claiming mastership\n"), "{log}");
    assert!(log.contains("Currentstate: claim NextState:master\n"), "{log}");

    // The old master comes back as backup: its claim is refused.
    let (_re0, re0_address) = agent(0, "127.0.0.1:0", &re1_address, &dir.path().join("re0"));
    let spec0 = format!("re0={re0_address}");
    eventually(Duration::from_secs(10), "re0 is back", || state(&spec0) == "Backup");
    assert_eq!(state(&spec1), "Master");
    let log = run(&spec0, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_NAK_C, state = claim, param = 0x0\n"), "{log}");

    // `switch` on the backup brings mastership back.
    let switched = run(&spec0, &["request chassis routing-engine master switch"]);
    assert!(
        switched.stdout.ends_with(
            "Toggle mastership between routing engines ? [yes,no] (no) yes\n\n\
             Resolving mastership...\nComplete. The local routing engine becomes the master.\n"
        ),
        "{}{}",
        switched.stdout,
        switched.stderr
    );
    assert_eq!(state(&spec0), "Master");
    eventually(Duration::from_secs(5), "re1 is backup", || state(&spec1) == "Backup");
}

#[test]
fn release_with_the_other_re_unreachable_gives_up_and_stays_master() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, address) = agent(0, "127.0.0.1:0", &free_port(), dir.path());
    let spec = format!("re0={address}");
    eventually(Duration::from_secs(10), "re0 is master", || state(&spec) == "Master");
    let released =
        run(&spec, &["request chassis routing-engine master release no-confirm", "show log mastership"]);
    assert!(
        released.stdout.starts_with(
            "\nResolving mastership...\n\
             Failed. The other routing engine did not answer; the local routing engine remains the master.\n"
        ),
        "{}{}",
        released.stdout,
        released.stderr
    );
    let log = &released.stdout;
    assert!(log.contains("event = E_NO_ORE, state = claim, param = 0x0\n"), "{log}");
    assert_eq!(log.matches("event = E_TMOUT, state = giveup, param = 0x0\n").count(), 4, "{log}");
    assert!(log.contains("event = E_MAXTRY, state = giveup, param = 0x0\n"), "{log}");
    assert!(log.contains("Currentstate: giveup NextState:master\n"), "{log}");
    assert_eq!(state(&spec), "Master");
}

#[test]
fn a_disabled_routing_engine_refuses_to_switch_and_never_becomes_master() {
    let dir = tempfile::tempdir().unwrap();
    // The role is read at start, as on a router's boot.
    let (_re0, address) =
        agent_with(0, "127.0.0.1:0", &free_port(), dir.path(), &configured("routing-engine 0 disabled;"));
    let spec = format!("re0={address}");
    let refused = run(&spec, &["request chassis routing-engine master switch no-confirm"]);
    assert_eq!(refused.stderr, "error: Routing Engine is disabled; mastership cannot change\n");
    assert_eq!(state(&spec), "Disabled");
}

#[test]
fn of_two_configured_masters_the_first_up_stays_master() {
    let dir = tempfile::tempdir().unwrap();
    let (re0_port, re1_port) = (free_port(), free_port());
    // RE1's own configuration asks for mastership too.
    {
        let (_re1, address) = agent(1, &re1_port, &free_port(), &dir.path().join("re1"));
        let spec = format!("re1={address}");
        let configured =
            run(&spec, &["configure", "set chassis redundancy routing-engine 1 master", "commit and-quit"]);
        assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);
    }
    let (_re0, re0_address) = agent(0, &re0_port, &re1_port, &dir.path().join("re0"));
    let spec0 = format!("re0={re0_address}");
    eventually(Duration::from_secs(10), "re0 is master", || state(&spec0) == "Master");
    let (_re1, re1_address) = agent(1, &re1_port, &re0_address, &dir.path().join("re1"));
    let spec1 = format!("re1={re1_address}");
    eventually(Duration::from_secs(10), "re1 is backup", || state(&spec1) == "Backup");
    let log = run(&spec1, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_NAK_C, state = claim, param = 0x0\n"), "{log}");
    assert_eq!(state(&spec0), "Master");
}

#[test]
fn without_failover_the_backup_stays_backup_and_logs_the_silence() {
    let dir = tempfile::tempdir().unwrap();
    let re1_port = free_port();
    let (mut re0, re0_address) = agent(0, "127.0.0.1:0", &re1_port, &dir.path().join("re0"));
    let (_re1, re1_address) = agent(1, &re1_port, &re0_address, &dir.path().join("re1"));
    let spec1 = format!("re1={re1_address}");
    eventually(Duration::from_secs(10), "re0 is master", || state(&format!("re0={re0_address}")) == "Master");
    re0.child.kill().unwrap();
    re0.child.wait().unwrap();
    let logged = "failed to receive keepalives from other RE for the last 20 sec\n";
    eventually(Duration::from_secs(40), "the silence is logged", || {
        run(&spec1, &["show log mastership"]).stdout.contains(logged)
    });
    assert_eq!(state(&spec1), "Backup");
    let log = run(&spec1, &["show log mastership"]).stdout;
    assert!(!log.contains("claiming mastership"), "{log}");
}

#[test]
fn of_two_configured_backups_none_is_master_until_one_with_failover_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let (re0_port, re1_port) = (free_port(), free_port());
    // Each RE's own configuration: both backup, only RE1 with failover.
    let re0_startup = configured("routing-engine 0 backup;");
    let re1_startup = configured(
        "routing-engine 1 backup;\n        failover on-loss-of-keepalives;\n        keepalive-time 3;",
    );
    let (_re0, re0_address) = agent_with(0, &re0_port, &re1_port, &dir.path().join("re0"), &re0_startup);
    let (_re1, re1_address) = agent_with(1, &re1_port, &re0_address, &dir.path().join("re1"), &re1_startup);
    let (spec0, spec1) = (format!("re0={re0_address}"), format!("re1={re1_address}"));
    assert_eq!((state(&spec0), state(&spec1)), ("Backup".to_owned(), "Backup".to_owned()));
    eventually(Duration::from_secs(15), "re1 claims after its keepalive time", || state(&spec1) == "Master");
    assert_eq!(state(&spec0), "Backup");
    let log = run(&spec1, &["show log mastership"]).stdout;
    assert!(log.contains("no keepalives from a master for 3 sec: claiming mastership\n"), "{log}");
    assert!(log.contains("event = E_ACK_C, state = claim, param = 0x0\n"), "{log}");
}

#[test]
fn connect_master_finds_the_master_and_a_lost_session_can_log_in_to_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let (mut re0, re1, spec) = common::two_agents(dir.path());
    let _re1 = re1;
    let master = |spec: &str| {
        let shown = common::connected(spec, &["--echo", "-c", "show chassis routing-engine | count"]);
        assert!(shown.ok, "{}", shown.stderr);
        shown.stdout.lines().nth(1).unwrap_or_default().to_owned()
    };
    eventually(Duration::from_secs(10), "re0 is master", || state(&spec) == "Master");
    assert_eq!(master(&format!("{spec},master")), "lab@re0> show chassis routing-engine | count");
    let released = run(&spec, &["request chassis routing-engine master release no-confirm"]);
    assert!(released.stdout.contains("Complete."), "{}{}", released.stdout, released.stderr);
    // Told only one address, the shell learns the other from it.
    let re0_only = spec.split(',').next().unwrap();
    assert_eq!(master(&format!("master,{re0_only}")), "lab@re1> show chassis routing-engine | count");

    let mut shell = common::shell(re0_only);
    shell.send("show version | match Hostname");
    assert_eq!(shell.wait_for("Hostname: "), "re0");
    re0.child.kill().unwrap();
    re0.child.wait().unwrap();
    shell.send("show version | match Hostname");
    let lost = shell.wait_for("error: re0 is not answering: ");
    assert!(lost.starts_with("could not connect to "), "{lost}");
    assert_eq!(shell.next_line(), "To reach re1: request routing-engine login other-routing-engine");
    shell.send("request routing-engine login other-routing-engine");
    shell.send("show version | match Hostname");
    assert_eq!(shell.wait_for("Hostname: "), "re1");
}

#[test]
fn acquire_force_takes_mastership_when_the_master_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (_re1, address) = agent(1, "127.0.0.1:0", &free_port(), dir.path());
    let spec = format!("re1={address}");
    assert_eq!(state(&spec), "Backup");
    let acquired = run(
        &spec,
        &["request chassis routing-engine master acquire force no-confirm", "show log mastership"],
    );
    assert!(
        acquired.stdout.starts_with(
            "\nResolving mastership...\nComplete. The local routing engine becomes the master.\n"
        ),
        "{}{}",
        acquired.stdout,
        acquired.stderr
    );
    assert!(
        acquired.stdout.contains("event = E_CMD_F, state = backup, param = 0x0\n"),
        "{}",
        acquired.stdout
    );
    assert!(acquired.stdout.contains("mastership term = 1\n"), "{}", acquired.stdout);
    assert_eq!(state(&spec), "Master");
}

/// `--startup-config` with `statements` under `chassis redundancy`: an RE's
/// own configuration from its first start.
fn configured(statements: &str) -> [&'static str; 2] {
    let text = format!("chassis {{\n    redundancy {{\n        {statements}\n    }}\n}}\n");
    let path = common::startup_config_with(&text);
    ["--startup-config", Box::leak(path.into_os_string().into_string().unwrap().into_boxed_str())]
}

#[test]
fn a_disabled_routing_engine_takes_no_part_and_the_other_wins_the_election_alone() {
    // RE1 disabled, and up first: RE0's claim is not its to refuse.
    let dir = tempfile::tempdir().unwrap();
    let startup = configured("routing-engine 1 disabled;");
    let (re0_port, re1_port) = (free_port(), free_port());
    let (_re1, re1_address) = agent_with(1, &re1_port, &re0_port, &dir.path().join("re1"), &startup);
    let spec1 = format!("re1={re1_address}");
    assert_eq!(state(&spec1), "Disabled");
    let (_re0, re0_address) = agent_with(0, &re0_port, &re1_port, &dir.path().join("re0"), &startup);
    let spec0 = format!("re0={re0_address}");
    eventually(Duration::from_secs(10), "re0 is master", || state(&spec0) == "Master");
    assert_eq!(state(&spec1), "Disabled");
    let log = run(&spec0, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_ACK_C, state = claim, param = 0x0\n"), "{log}");

    // RE0 disabled: RE1, backup by default, is the only one left to be master.
    let dir = tempfile::tempdir().unwrap();
    let startup = configured("routing-engine 0 disabled;");
    let (re0_port, re1_port) = (free_port(), free_port());
    let (_re0, re0_address) = agent_with(0, &re0_port, &re1_port, &dir.path().join("re0"), &startup);
    let (_re1, re1_address) = agent_with(1, &re1_port, &re0_address, &dir.path().join("re1"), &startup);
    let (spec0, spec1) = (format!("re0={re0_address}"), format!("re1={re1_address}"));
    eventually(Duration::from_secs(10), "re1 is master", || state(&spec1) == "Master");
    assert_eq!(state(&spec0), "Disabled");
}

/// Seed 001: "To switch between the master and the backup Routing Engines,
/// you must modify the configuration and then activate it by issuing the
/// commit command."
#[test]
fn the_commit_that_configures_the_other_re_master_moves_mastership_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = common::two_agents(dir.path());
    let (spec0, spec1) = spec.split_once(',').unwrap();
    eventually(Duration::from_secs(10), "re0 is master", || state(spec0) == "Master");
    eventually(Duration::from_secs(10), "re1 hears re0", || state(spec1) == "Backup");
    let moved = run(
        spec0,
        &[
            "configure",
            "set chassis redundancy routing-engine 1 master",
            "set chassis redundancy routing-engine 0 backup",
            "commit synchronize and-quit",
        ],
    );
    assert!(
        moved.stdout.ends_with("re0:\ncommit complete\nExiting configuration mode\n"),
        "{}",
        moved.stdout
    );
    assert_eq!((state(spec0), state(spec1)), ("Backup".into(), "Master".into()));
    let shown = run(&spec, &["show chassis routing-engine | match \"state|priority\""]).stdout;
    assert_eq!(
        common::shape(&shown),
        " Current state Backup\n Election priority Backup\n Current state Master\n Election priority Master\n"
    );
    let log = run(spec0, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_CFG_B, state = master, param = 0x0\n"), "{log}");
    assert!(log.contains("event = E_ACK_G, state = giveup, param = 0x0\n"), "{log}");
    let log = run(spec1, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_CFG_M, state = backup, param = 0x0\n"), "{log}");
    assert!(log.contains("event = E_REQ_G, state = backup, param = 0x0\n"), "{log}");

    // From the backup, the commit that makes it master again claims it.
    let back =
        run(spec0, &["configure", "delete chassis redundancy routing-engine", "commit synchronize and-quit"]);
    assert!(back.stdout.ends_with("re0:\ncommit complete\nExiting configuration mode\n"), "{}", back.stdout);
    assert_eq!((state(spec0), state(spec1)), ("Master".into(), "Backup".into()));
    let log = run(spec0, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_CFG_M, state = backup, param = 0x0\n"), "{log}");
    assert!(log.contains("event = E_ACK_C, state = claim, param = 0x0\n"), "{log}");
}

#[test]
fn mastership_cannot_move_by_commit_to_an_re_that_is_disabled_or_away() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, mut re1, spec) = common::two_agents(dir.path());
    let (spec0, spec1) = spec.split_once(',').unwrap();
    eventually(Duration::from_secs(10), "re1 hears re0", || state(spec1) == "Backup");
    let disabled =
        run(spec1, &["configure", "set chassis redundancy routing-engine 1 disabled", "commit and-quit"]);
    assert!(disabled.ok, "{}", disabled.stderr);
    assert_eq!(state(spec1), "Disabled");
    let heard = |event: &str| run(spec0, &["show log mastership"]).stdout.contains(event);
    eventually(Duration::from_secs(10), "re0 hears re1 disabled", || heard("event = E_ORE_D"));
    let to_re1 = ["configure", "set chassis redundancy routing-engine 1 master", "commit"];
    let refused = run(spec0, &to_re1);
    assert_eq!(
        refused.stderr,
        "[edit chassis redundancy]\n  'routing-engine 1'\n    \
         Mastership cannot move to re1: Other routing-engine is disabled\n\
         error: configuration check-out failed\n"
    );
    assert_eq!(state(spec0), "Master");

    re1.child.kill().unwrap();
    re1.child.wait().unwrap();
    // Refused either way meanwhile: as disabled until re0 misses re1.
    eventually(Duration::from_secs(10), "re0 misses re1", || {
        run(spec0, &to_re1)
            .stderr
            .contains("    Mastership cannot move to re1: Other routing-engine not present\n")
    });
    assert_eq!(state(spec0), "Master");
    let log = run(spec0, &["show log mastership"]).stdout;
    assert!(!log.contains("E_CFG_B"), "a refused commit changes nothing: {log}");
}
