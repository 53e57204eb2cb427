//! The system and protocol commands an operator and automation read: each
//! as text, `| display xml` and `| display json`, on the master and on the
//! backup, on an embedded chassis started with a lab configuration.

mod common;

use std::path::Path;

use common::{Run, reshell, shape, startup_config_with};

const MASTER_ONLY: &str = "error: Aborted! This command can only be used on the master routing engine.\n";

/// Interfaces and protocols as a lab router has them before its links
/// are cabled.
const LAB: &str = "
system { ntp { server 192.0.2.123 { prefer; } server 198.51.100.7; } }
interfaces {
    xe-0/0/0 { unit 0 { family inet { address 10.0.0.1/30; } } }
    lo0 { unit 0 { family inet { address 192.0.2.1/32; } } }
}
routing-options { autonomous-system 64500; }
protocols {
    bgp { group ext { type external; peer-as 64501; neighbor 10.0.0.2; neighbor 203.0.113.9; } }
    ospf { area 0.0.0.0 { interface xe-0/0/0.0; interface lo0.0 { passive; } } }
    rsvp { interface xe-0/0/0.0; }
}
";

const NONSTOP: &str = "
chassis { redundancy { graceful-switchover; } }
routing-options { nonstop-routing; }
system { commit { synchronize; } }
";

#[derive(Clone, Copy)]
enum Re {
    Master,
    Backup,
}

/// One command on the embedded chassis's master or backup: its output
/// (after the login banner, on the backup) and errors.
fn run(dir: &Path, startup: &Path, re: Re, command: &str) -> Run {
    let mut commands = Vec::new();
    if let Re::Backup = re {
        commands.extend(["-c", "request routing-engine login other-routing-engine"]);
    }
    commands.extend(["-c", command]);
    let mut command = reshell();
    command.arg("--state-dir").arg(dir).arg("--startup-config").arg(startup).args(commands);
    let mut run: Run = command.output().expect("run reshell").into();
    if let Re::Backup = re {
        let (_, after) = run.stdout.split_once("Kernel 64-bit\n").unwrap_or_else(|| panic!("{}", run.stdout));
        run.stdout = after.to_owned();
    }
    run
}

/// The command's text, XML and JSON, each checked to have worked.
fn forms(dir: &Path, startup: &Path, re: Re, command: &str) -> (String, String, serde_json::Value) {
    let mut outputs = ["", " | display xml", " | display json"].map(|pipe| {
        let out = run(dir, startup, re, &format!("{command}{pipe}"));
        assert!(out.ok && out.stderr.is_empty(), "{command}{pipe}: {}", out.stderr);
        out.stdout
    });
    let json = serde_json::from_str(outputs[2].trim()).unwrap_or_else(|e| panic!("{e}: {}", outputs[2]));
    assert!(outputs[1].starts_with("<rpc-reply"), "{}", outputs[1]);
    (std::mem::take(&mut outputs[0]), std::mem::take(&mut outputs[1]), json)
}

fn refused(dir: &Path, startup: &Path, command: &str) -> String {
    let out = run(dir, startup, Re::Backup, command);
    assert!(!out.ok, "{command}: {}", out.stdout);
    out.stderr
}

#[test]
fn chassis_environment_firmware_and_alarms_are_the_masters() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(LAB);
    let (text, xml, json) = forms(dir.path(), &startup, Re::Master, "show chassis environment");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Class Item                           Status     Measurement", "{text}");
    assert_eq!(shape(lines[1]), "Temp PEM # OK # degrees C / # degrees F", "{text}");
    assert!(lines[2].starts_with("      PEM 1 "), "{text}");
    assert!(
        text.contains("\nFans  Top Rear Fan                   OK         Spinning at normal speed\n"),
        "{text}"
    );
    assert!(xml.contains("<environment-information xmlns=\"http://xml.juniper.net/junos/"), "{xml}");
    assert!(
        xml.contains("<name>PEM 0</name>\n            <class>Temp</class>\n            <status>OK</status>"),
        "{xml}"
    );
    let item = &json["environment-information"][0]["environment-item"][0];
    assert_eq!(item["name"][0]["data"], "PEM 0");
    assert!(
        item["temperature"][0]["attributes"]["junos:celsius"]
            .as_str()
            .is_some_and(|c| c.parse::<i32>().is_ok())
    );

    let (text, xml, json) = forms(dir.path(), &startup, Re::Master, "show chassis firmware");
    assert!(
        text.starts_with("Part                     Type       Version\nFPC 0                    ROM        "),
        "{text}"
    );
    assert!(xml.contains("<chassis-module>\n                <name>FPC 0</name>\n                <firmware>\n                    <type>ROM</type>"), "{xml}");
    let module = &json["firmware-information"][0]["chassis"][0]["chassis-module"][0];
    assert_eq!(module["firmware"][1]["type"][0]["data"], "O/S");

    let (text, xml, json) = forms(dir.path(), &startup, Re::Master, "show chassis alarms");
    assert_eq!(text, "No alarms currently active\n");
    assert!(
        xml.contains("<alarm-summary>\n            <no-active-alarms/>\n        </alarm-summary>"),
        "{xml}"
    );
    assert!(json["alarm-information"][0]["alarm-summary"][0]["no-active-alarms"].is_array(), "{json}");

    // NAPALM's get_environment compares each sensor with these.
    let (text, _, json) = forms(dir.path(), &startup, Re::Master, "show chassis temperature-thresholds");
    assert!(
        text.contains(
            "\nChassis default              48    54       65       55       75       65        100\n"
        ),
        "{text}"
    );
    let row = &json["temperature-threshold-information"][0]["temperature-threshold"][1];
    assert_eq!(row["name"][0]["data"], "Routing Engine 0");
    assert_eq!(row["yellow-alarm"][0]["data"], "95");

    for command in [
        "show chassis environment",
        "show chassis firmware",
        "show chassis alarms",
        "show chassis temperature-thresholds",
    ] {
        assert_eq!(refused(dir.path(), &startup, command), MASTER_ONLY, "{command}");
    }
}

#[test]
fn system_alarms_storage_memory_and_database_usage_answer_on_both_res() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(LAB);
    for re in [Re::Master, Re::Backup] {
        let (text, xml, json) = forms(dir.path(), &startup, re, "show system alarms");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..2], ["1 alarms currently active", "Alarm time               Class  Description"]);
        assert_eq!(shape(lines[2]), "#-#-# #:#:# UTC Minor Rescue configuration is not set", "{text}");
        assert!(xml.contains("<alarm-short-description>no-rescue</alarm-short-description>"), "{xml}");
        assert_eq!(json["alarm-information"][0]["alarm-summary"][0]["active-alarm-count"][0]["data"], "1");

        let (text, xml, json) = forms(dir.path(), &startup, re, "show system storage");
        assert!(
            text.starts_with("Filesystem              Size       Used      Avail  Capacity  Mounted on\n"),
            "{text}"
        );
        assert!(text.contains("\n/dev/gpt/var "), "{text}");
        assert!(xml.contains("<system-storage-information xmlns="), "{xml}");
        let fs = &json["system-storage-information"][0]["filesystem"][0];
        assert_eq!(fs["filesystem-name"][0]["data"], "/dev/gpt/junos");
        assert!(
            fs["total-blocks"][0]["attributes"]["junos:format"].as_str().is_some_and(|f| f.ends_with('G'))
        );

        let (text, xml, json) = forms(dir.path(), &startup, re, "show system memory");
        assert!(text.starts_with("System memory usage distribution:\n"), "{text}");
        assert_eq!(shape(text.lines().nth(1).unwrap().trim()), "Total memory: # Kbytes (#%)", "{text}");
        assert!(xml.contains("<system-memory-summary-information>"), "{xml}");
        let summary = &json["system-memory-information"][0]["system-memory-summary-information"][0];
        let total: u64 = summary["system-memory-total"][0]["data"].as_str().unwrap().parse().unwrap();
        let free: u64 = summary["system-memory-free"][0]["data"].as_str().unwrap().parse().unwrap();
        assert!(total > free && free > 0, "{json}");

        let (text, xml, json) = forms(dir.path(), &startup, re, "show system configuration database usage");
        assert_eq!(
            shape(text.lines().next().unwrap().trim()),
            "Maximum size of the database: #.# MB",
            "{text}"
        );
        assert!(text.contains("\n Actual database usage: "), "{text}");
        assert!(xml.contains("<database-usage-information"), "{xml}");
        assert!(json["database-usage-information"][0]["database-usage-item"][0]["maximum-size"].is_array());
    }
    // A rescue configuration clears the alarm.
    let saved = run(dir.path(), &startup, Re::Master, "request system configuration rescue save");
    assert!(saved.ok, "{}", saved.stderr);
    assert_eq!(
        run(dir.path(), &startup, Re::Master, "show system alarms").stdout,
        "No alarms currently active\n"
    );
}

#[test]
fn ntp_lists_the_configured_servers_not_yet_synchronised() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(LAB);
    for re in [Re::Master, Re::Backup] {
        let (text, xml, json) = forms(dir.path(), &startup, re, "show ntp associations");
        assert_eq!(
            text,
            "\n     remote           refid      st t when poll reach   delay   offset  jitter\n\
             ==============================================================================\n \
             192.0.2.123     .INIT.          16 u    -   64    0    0.000    0.000 4000.00\n \
             198.51.100.7    .INIT.          16 u    -   64    0    0.000    0.000 4000.00\n"
        );
        assert!(xml.contains("<output>\n     remote "), "{xml}");
        assert!(json["output"][0]["data"].as_str().is_some_and(|t| t.contains("192.0.2.123")), "{json}");
        let (text, _, _) = forms(dir.path(), &startup, re, "show ntp status");
        assert!(text.starts_with("status=c011 leap_alarm, sync_unspec, 1 event, freq_mode,\n"), "{text}");
        assert!(text.contains("stratum=16"), "{text}");
    }
}

#[test]
fn protocols_follow_the_configuration_and_a_backup_without_nonstop_routing_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(LAB);
    let (text, xml, json) = forms(dir.path(), &startup, Re::Master, "show bgp summary");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..2], ["Threading mode: BGP I/O", "Groups: 1 Peers: 2 Down peers: 2"], "{text}");
    assert!(
        lines[2].starts_with(
            "Peer                     AS      InPkt     OutPkt    OutQ   Flaps Last Up/Dwn State"
        )
    );
    // On the subnet of an interface that is up it tries to connect; with no route, it waits.
    assert_eq!(shape(lines[3]), "#.#.#.# # # # # # #:# Connect", "{text}");
    assert_eq!(shape(lines[4]), "#.#.#.# # # # # # #:# Active", "{text}");
    assert!(
        xml.contains("<peer-address>10.0.0.2</peer-address>\n            <peer-as>64501</peer-as>"),
        "{xml}"
    );
    let peers = &json["bgp-information"][0]["bgp-peer"];
    assert_eq!(peers[1]["peer-state"][0]["data"], "Active");
    assert_eq!(json["bgp-information"][0]["down-peer-count"][0]["data"], "2");

    let (text, xml, json) = forms(dir.path(), &startup, Re::Master, "show bgp neighbor 203.0.113.9");
    assert!(
        text.starts_with("Peer: 203.0.113.9 AS 64501 Local: unspecified AS 64500\n  Group: ext "),
        "{text}"
    );
    assert!(text.contains("  Type: External   State: Active        Flags: <>\n"), "{text}");
    assert!(!text.contains("10.0.0.2"), "{text}");
    assert!(xml.contains("<peer-state>Active</peer-state>"), "{xml}");
    assert_eq!(json["bgp-information"][0]["bgp-peer"][0]["local-as"][0]["data"], "64500");

    let (text, xml, _) = forms(dir.path(), &startup, Re::Master, "show ospf neighbor");
    assert_eq!(text, "Address          Interface              State     ID               Pri  Dead\n");
    assert!(xml.contains("<ospf-neighbor-information xmlns="), "{xml}");
    let (text, _, json) = forms(dir.path(), &startup, Re::Master, "show ospf interface");
    assert_eq!(
        text,
        "Interface           State   Area            DR ID           BDR ID          Nbrs\n\
         xe-0/0/0.0          DR      0.0.0.0         192.0.2.1       0.0.0.0            0\n\
         lo0.0               DR      0.0.0.0         192.0.2.1       0.0.0.0            0\n"
    );
    let interface = &json["ospf-interface-information"][0]["ospf-interface"][0];
    assert_eq!(interface["ospf-interface-state"][0]["data"], "DR");
    let (text, _, _) = forms(dir.path(), &startup, Re::Master, "show ospf interface lo0.0");
    assert_eq!(
        text.lines().skip(1).collect::<Vec<_>>(),
        ["lo0.0               DR      0.0.0.0         192.0.2.1       0.0.0.0            0"]
    );

    let (text, xml, _) = forms(dir.path(), &startup, Re::Master, "show isis adjacency");
    assert_eq!(text, "IS-IS instance is not running\n");
    assert!(xml.contains("<isis-adjacency-information xmlns="), "{xml}");
    let (text, _, _) = forms(dir.path(), &startup, Re::Master, "show ldp neighbor");
    assert_eq!(text, "LDP instance is not running\n");
    let (text, _, json) = forms(dir.path(), &startup, Re::Master, "show rsvp session");
    assert!(text.starts_with(
        "Ingress RSVP: 0 sessions\nTotal 0 displayed, Up 0, Down 0\n\nEgress RSVP: 0 sessions\n"
    ));
    assert_eq!(
        json["rsvp-session-information"][0]["rsvp-session-data"][2]["session-type"][0]["data"],
        "Transit"
    );
    let (text, _, json) = forms(dir.path(), &startup, Re::Master, "show rsvp interface");
    assert!(text.starts_with("RSVP interface: 1 active\n"), "{text}");
    assert!(text.contains("\nxe-0/0/0.0         Up         0    100%  10Gbps "), "{text}");
    assert_eq!(json["rsvp-interface-information"][0]["rsvp-interface"][0]["rsvp-status"][0]["data"], "Up");

    let (text, _, json) = forms(dir.path(), &startup, Re::Master, "show task replication");
    assert_eq!(text, "        Stateful Replication: Disabled\n        RE mode: Master\n");
    assert_eq!(json["task-replication-state"][0]["task-gres-state"][0]["data"], "Disabled");

    // The backup's routing daemon holds nothing without nonstop routing.
    for command in ["show bgp summary", "show bgp neighbor", "show ospf interface", "show rsvp session"] {
        assert_eq!(refused(dir.path(), &startup, command), "error: the routing subsystem is not running\n");
    }
    let (text, _, _) = forms(dir.path(), &startup, Re::Backup, "show task replication");
    assert_eq!(text, "        Stateful Replication: Disabled\n        RE mode: Backup\n");
}

#[test]
fn with_nonstop_routing_the_backup_holds_the_protocols_replica() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(&format!("{LAB}{NONSTOP}"));
    let (text, xml, _) = forms(dir.path(), &startup, Re::Master, "show task replication");
    assert_eq!(
        text,
        "        Stateful Replication: Enabled\n        RE mode: Master\n\n\
         \x20   Protocol                Synchronization Status\n\
         \x20   BGP                     Complete\n    OSPF                    Complete\n    RSVP                    Complete\n"
    );
    assert!(
        xml.contains(
            "<task-gres-state>Enabled</task-gres-state>\n        <task-re-mode>Master</task-re-mode>"
        )
    );
    let (text, _, _) = forms(dir.path(), &startup, Re::Backup, "show task replication");
    assert!(text.starts_with("        Stateful Replication: Enabled\n        RE mode: Backup\n"), "{text}");
    let (text, _, _) = forms(dir.path(), &startup, Re::Backup, "show bgp summary");
    assert!(text.contains("\n10.0.0.2 ") && text.contains("Groups: 1 Peers: 2 Down peers: 2"), "{text}");
}

#[test]
fn invoke_on_runs_a_command_on_each_routing_engine() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(LAB);
    let rule = "-".repeat(74);
    let (text, xml, json) =
        forms(dir.path(), &startup, Re::Master, "show version invoke-on all-routing-engines");
    assert!(text.starts_with(&format!("re0:\n{rule}\nHostname: ")), "{text}");
    assert!(text.contains(&format!("\n\nre1:\n{rule}\nHostname: ")), "{text}");
    assert!(xml.contains("<multi-routing-engine-results>\n        <multi-routing-engine-item>\n            <re-name>re0</re-name>\n            <software-information>"), "{xml}");
    let items = &json["multi-routing-engine-results"][0]["multi-routing-engine-item"];
    assert_eq!(items[1]["re-name"][0]["data"], "re1");
    assert_eq!(
        items[1]["software-information"][0]["junos-version"][0]["data"],
        items[0]["software-information"][0]["junos-version"][0]["data"]
    );

    let (text, _, _) =
        forms(dir.path(), &startup, Re::Master, "show system storage invoke-on other-routing-engine");
    assert!(text.starts_with(&format!("re1:\n{rule}\nFilesystem ")), "{text}");
    assert!(!text.contains("re0:"), "{text}");
    let (text, _, _) =
        forms(dir.path(), &startup, Re::Backup, "show system uptime invoke-on other-routing-engine");
    assert!(text.starts_with(&format!("re0:\n{rule}\nCurrent time: ")), "{text}");
}

#[test]
fn show_system_processes_summary_is_tops_header_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let startup = startup_config_with(LAB);
    let (text, _, _) = forms(dir.path(), &startup, Re::Master, "show system processes summary");
    assert!(text.starts_with("last pid: "), "{text}");
    assert!(text.contains("  PID USERNAME ") && text.contains(" rpd\n"), "{text}");
}
