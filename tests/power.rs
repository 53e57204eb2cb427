//! `request system halt|reboot`: a halted RE stops serving, a rebooted one
//! comes back with its state, a master going down hands over, and a
//! scheduled request can be listed and cleared.

mod common;

use std::time::Duration;

use common::{batch, connected_commands as run, eventually, two_agents};

/// `Current state` of the RE in `slot`, as seen from the first RE of `spec`.
fn state(spec: &str, slot: u32) -> String {
    let shown = run(spec, &[&format!("show chassis routing-engine {slot} | match \"Current state\"")]).stdout;
    shown.split_whitespace().last().unwrap_or_default().to_owned()
}

#[test]
fn a_halted_backup_stops_serving_and_the_master_shows_it_present_only() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, mut re1, spec) = two_agents(dir.path());
    let re1_only = spec.split(',').nth(1).unwrap().to_owned();
    eventually(Duration::from_secs(10), "re1 answers as backup", || state(&spec, 1) == "Backup");
    let halted = run(&re1_only, &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    assert!(
        halted.stdout.starts_with(
            "warning: This command will not halt the other routing-engine.\n\
             If planning to switch off power, use the both-routing-engines option.\n\
             Halt the system ? [yes,no] (no) yes\n\nShutdown NOW!\n[pid "
        ),
        "{}",
        halted.stdout
    );
    re1.wait_for("halted");
    assert!(re1.wait_exit().is_some_and(|s| s.success()));
    // The RE is still in its slot, but says nothing of itself: Junos's
    // `Present`, and no error.
    let shown = run(&spec, &["show chassis routing-engine", "show chassis routing-engine 1 | display xml"]);
    assert!(shown.ok, "{}", shown.stderr);
    let text = &shown.stdout[..shown.stdout.find("<rpc-reply").unwrap()];
    assert!(
        text.starts_with("Routing Engine status:\n  Slot 0:\n    Current state                  Master\n")
    );
    assert!(
        text.ends_with("\nRouting Engine status:\n  Slot 1:\n    Current state                  Present\n"),
        "{text}"
    );
    let xml: String = shown.stdout[text.len()..].split_whitespace().collect();
    assert!(
        xml.contains(
            "<route-engine><slot>1</slot><mastership-state>present</mastership-state></route-engine>"
        ),
        "{xml}"
    );
}

#[test]
fn reboot_both_brings_both_back_with_their_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let (re0, re1, spec) = two_agents(dir.path());
    for (slot, address) in spec.split(',').enumerate() {
        let named =
            run(address, &["configure", &format!("set system host-name box-re{slot}"), "commit and-quit"]);
        assert!(named.ok, "{}", named.stderr);
    }
    let rebooted = run(&spec, &["request system reboot both-routing-engines"]);
    assert!(rebooted.ok, "{}", rebooted.stderr);
    assert!(rebooted.stdout.contains("Rebooting re1\n\nShutdown NOW!\n"), "{}", rebooted.stdout);
    for process in [&re0, &re1] {
        process.wait_for("rebooting");
        process.wait_for("listening on ");
    }
    for (slot, address) in spec.split(',').enumerate() {
        let hostname = run(address, &["show version | match Hostname"]).stdout;
        assert_eq!(hostname, format!("Hostname: box-re{slot}\n"));
    }
    eventually(Duration::from_secs(10), "a master again", || {
        run(&spec, &["show chassis routing-engine | match \"Current state\""]).stdout.contains("Master")
    });
}

#[test]
fn a_master_halted_with_failover_hands_mastership_over() {
    let dir = tempfile::tempdir().unwrap();
    let (mut re0, _re1, spec) = two_agents(dir.path());
    let (re0_only, re1_only) = spec.split_once(',').unwrap();
    for address in [re0_only, re1_only] {
        let configured = run(
            address,
            &["configure", "set chassis redundancy failover on-loss-of-keepalives", "commit and-quit"],
        );
        assert!(configured.ok, "{}", configured.stderr);
    }
    let halted = run(re0_only, &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    assert!(re0.wait_exit().is_some());
    // Keepalive time is the default 300 s: only the handover makes re1 master this soon.
    let state = run(re1_only, &["show chassis routing-engine 1 | match \"Current state\""]).stdout;
    assert!(state.ends_with("Master\n"), "{state}");
    let log = run(re1_only, &["show log mastership"]).stdout;
    assert!(log.contains("event = E_REQ_G, state = backup, param = 0x0\n"), "{log}");
}

#[test]
fn a_scheduled_reboot_is_listed_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--yes"];
    for command in [
        "show system reboot",
        "request system reboot in 30 message \"maintenance\"",
        "show system reboot",
        "clear system reboot",
        "show system reboot",
    ] {
        args.extend(["-c", command]);
    }
    let run = batch(dir.path(), &args);
    assert!(run.ok, "{}", run.stderr);
    let shown: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(shown[0], "No shutdown/reboot scheduled.");
    assert_eq!(shown[1], "Reboot the system ? [yes,no] (no) yes");
    assert!(shown[2].starts_with("Shutdown at "), "{}", run.stdout);
    let requested = shown[2].trim_start_matches("Shutdown at ");
    assert_eq!(shown[4], format!("reboot requested by lab at {requested}"));
    assert_eq!(shown[6..9], [shown[4], shown[5], "Terminating..."]);
    assert_eq!(shown[9], "No shutdown/reboot scheduled.");
}

#[test]
fn an_re_going_down_takes_no_new_request() {
    let dir = tempfile::tempdir().unwrap();
    let run = batch(
        dir.path(),
        &[
            "--yes",
            "--keep-going",
            "-c",
            "request system power-off other-routing-engine",
            "-c",
            "request system reboot both-routing-engines in 10",
        ],
    );
    assert!(run.stdout.contains("Powering off re1\n"), "{}", run.stdout);
    // Refused by re1 (or re1 already gone): its power-off is not turned into a reboot.
    assert!(!run.stdout.contains("re1: Shutdown at"), "{}", run.stdout);
    assert!(run.stdout.contains("\nShutdown at "), "re0's own reboot is scheduled: {}", run.stdout);
}
