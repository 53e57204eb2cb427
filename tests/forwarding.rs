//! The forwarding plane the master runs: FPCs, interfaces and routes from
//! the configuration, started afresh by a new master.

mod common;

use std::time::Duration;

use common::{connected_commands as run, eventually, two_agents, until_master};

/// The age of the first route shown: all were installed together.
fn route_age(shown: &str) -> &str {
    shown.find("] ").map_or("", |at| &shown[at + 2..at + 10])
}

#[test]
fn the_master_shows_its_plane_and_a_new_master_starts_it_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let (re0, re1) = spec.split_once(',').unwrap();
    until_master(re0);
    let configured = run(
        re0,
        &[
            "configure",
            "set interfaces xe-0/0/0 unit 0 family inet address 10.0.0.1/24",
            "set interfaces xe-1/0/0 disable",
            "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.254",
            "commit synchronize and-quit",
        ],
    );
    assert!(configured.ok, "{}", configured.stderr);
    let shown = run(
        re0,
        &[
            "show interfaces terse xe-0/0/0",
            "show interfaces terse xe-1/0/0",
            "show route | match \"^[0-9]\"",
        ],
    );
    assert_eq!(
        shown.stdout,
        "Interface               Admin Link Proto    Local                 Remote\n\
         xe-0/0/0                up    up\n\
         xe-0/0/0.0              up    up   inet     10.0.0.1/24\n\
         Interface               Admin Link Proto    Local                 Remote\n\
         xe-1/0/0                down  down\n\
         0.0.0.0/0          *[Static/5] 00:00:00\n\
         10.0.0.0/24        *[Direct/0] 00:00:00\n\
         10.0.0.1/32        *[Local/0] 00:00:00\n"
            .replace("00:00:00", route_age(&shown.stdout))
    );
    let backup = run(re1, &["show route"]);
    assert_eq!(
        backup.stderr,
        "error: Aborted! This command can only be used on the master routing engine.\n"
    );

    let started = |address: &str| {
        let detail = run(address, &["show chassis fpc detail | match \"Start time\""]).stdout;
        detail.lines().next().unwrap_or_default().to_owned()
    };
    let before = started(re0);
    std::thread::sleep(Duration::from_millis(1100)); // so a restart shows a later second
    let switched = run(re1, &["request chassis routing-engine master acquire no-confirm", "show route"]);
    assert!(
        switched.stdout.contains("Complete. The local routing engine becomes the master.\n"),
        "{}",
        switched.stdout
    );
    assert!(!switched.stdout.contains("inet.0"), "routes come back a moment later: {}", switched.stdout);
    assert!(started(re1) > before, "{} after {before}", started(re1));
    eventually(Duration::from_secs(10), "routes reinstalled", || {
        run(re1, &["show route | match \"^[0-9]\""]).stdout.lines().count() == 3
    });
}

#[test]
fn with_graceful_switchover_the_new_master_takes_the_plane_over_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let (re0, re1) = spec.split_once(',').unwrap();
    until_master(re0);
    let off = run(re0, &["request chassis routing-engine master switch check"]);
    assert_eq!(off.stdout, "Switchover Not Ready: graceful switchover is not configured\n");
    let configured = run(
        re0,
        &[
            "configure",
            "set chassis redundancy graceful-switchover",
            "set interfaces xe-0/0/0 unit 0 family inet address 10.0.0.1/24",
            "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.254",
            "commit synchronize and-quit",
        ],
    );
    assert!(configured.ok, "{}", configured.stderr);
    eventually(Duration::from_secs(10), "the backup holds the master's state", || {
        run(re1, &["show system switchover"]).stdout
            == "Graceful switchover: On\nConfiguration database: Ready\nKernel database: Ready\nPeer state: Steady State\n"
    });
    assert_eq!(
        run(re0, &["request chassis routing-engine master switch check"]).stdout,
        "Switchover Ready\n"
    );
    let refused = run(re0, &["show system switchover"]);
    assert_eq!(
        refused.stderr,
        "error: Aborted! This command can only be used on the backup routing engine.\n"
    );

    let started = |address: &str| run(address, &["show chassis fpc detail | match \"Start time\""]).stdout;
    let before = started(re0);
    let switched = run(re0, &["request chassis routing-engine master switch"]);
    assert!(
        switched.stdout.starts_with("Toggle mastership between routing engines ? [yes,no] (no) yes\n"),
        "no PFE warning with graceful switchover: {}",
        switched.stdout
    );
    assert_eq!(started(re1), before);
    let routes = run(re1, &["show route | match \"^[0-9]\""]).stdout;
    assert_eq!(routes.lines().count(), 3, "the routes stay: {routes}");
    let again = run(re1, &["request chassis routing-engine master switch check"]).stdout;
    assert!(
        again.starts_with("Switchover Not Ready: Not ready for mastership switch, try after "),
        "{again}"
    );
}
