//! `reshell lab`: many chassis from one topology file, and their inventory.

mod common;

use std::path::{Path, PathBuf};

use common::{Process, connected_commands, reshell, startup_config, startup_config_with};

/// A topology of three nodes in a line, each with the test users, in `dir`;
/// `r2` gets `r2_config` instead when given.
fn topology(dir: &Path, r2_config: Option<&Path>) -> PathBuf {
    let r2 = r2_config.unwrap_or(startup_config());
    let text = format!(
        "name: line\ntopology:\n  nodes:\n    r1: {{kind: linux, startup-config: {0}}}\n    \
         r2: {{kind: linux, startup-config: {1}}}\n    r3: {{kind: linux, startup-config: {0}}}\n  \
         links:\n    - endpoints: [\"r1:ge-0/0/0\", \"r2:ge-0/0/0\"]\n    \
         - endpoints: [\"r2:ge-0/0/1\", \"r3:ge-0/0/0\"]\n",
        startup_config().display(),
        r2.display()
    );
    let path = dir.join("line.clab.yml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `reshell lab run`, once it says the lab is ready; the node lines it printed.
fn run(topology: &Path, state_dir: &Path, more: &[&str]) -> (Process, Vec<String>) {
    let lab = Process::spawn(
        reshell().args(["lab", "run"]).arg(topology).arg("--state-dir").arg(state_dir).args(more),
    );
    let mut lines = Vec::new();
    loop {
        let line = lab.next_line();
        if line == "lab line ready: 3 nodes" {
            return (lab, lines);
        }
        lines.push(line);
    }
}

fn inventory(topology: &Path, state_dir: &Path, format: &str) -> common::Run {
    let mut command = reshell();
    command.args(["lab", "inventory"]).arg(topology).arg("--state-dir").arg(state_dir);
    command.args(["--format", format]).output().unwrap().into()
}

/// The gRPC addresses of `node` in a json inventory, as `--connect` takes them.
fn spec(json: &serde_json::Value, node: &str) -> String {
    let grpc = &json["nodes"][node]["grpc"];
    format!("re0={},re1={},master", grpc["re0"].as_str().unwrap(), grpc["re1"].as_str().unwrap())
}

fn host_name(json: &serde_json::Value, node: &str) -> String {
    let shown = connected_commands(&spec(json, node), &["show version | match Hostname"]);
    shown.stdout.trim().trim_start_matches("Hostname: ").to_owned()
}

fn stop(mut lab: Process) {
    let pid = rustix::process::Pid::from_child(&lab.child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(lab.wait_exit().is_some_and(|status| status.success()), "the lab stops on SIGTERM");
}

#[test]
fn three_nodes_start_say_where_they_are_and_are_listed_for_automation() {
    let dir = tempfile::tempdir().unwrap();
    let (state, topology) = (dir.path().join("state"), topology(dir.path(), None));
    let (lab, lines) = run(&topology, &state, &[]);
    let names: Vec<&str> = lines.iter().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(names, ["r1", "r2", "r3"], "{lines:?}");
    let shape = regex::Regex::new(r"^r\d  ssh 127\.0\.0\.1:\d+  netconf 127\.0\.0\.1:\d+  re0 \S+  re1 \S+$")
        .unwrap();
    assert!(lines.iter().all(|l| shape.is_match(l)), "{lines:?}");

    let listed = inventory(&topology, &state, "json");
    assert!(listed.ok, "{}", listed.stderr);
    let json: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(json["lab"], "line");
    for node in ["r1", "r2", "r3"] {
        let entry = &json["nodes"][node];
        assert_eq!((entry["host"].as_str(), entry["platform"].as_str()), (Some("127.0.0.1"), Some("junos")));
        for service in ["ssh", "netconf"] {
            let port = entry[service].as_u64().unwrap();
            std::net::TcpStream::connect(("127.0.0.1", port as u16)).expect("the port listed answers");
            assert!(lines.iter().any(|l| l.starts_with(node) && l.contains(&format!(":{port} "))));
        }
        assert_eq!(host_name(&json, node), node, "the node's name is its host-name");
    }
    let serial =
        |node| connected_commands(&spec(&json, node), &["show chassis hardware | match \"^Chassis\""]).stdout;
    assert_ne!(serial("r1"), serial("r2"), "each node has serial numbers of its own");

    let ansible = inventory(&topology, &state, "ansible").stdout;
    assert!(ansible.contains("ansible_network_os: junipernetworks.junos.junos"), "{ansible}");
    let netconf = json["nodes"]["r3"]["netconf"].as_u64().unwrap();
    assert!(ansible.contains(&format!("ansible_port: {netconf}")), "{ansible}");
    let again: common::Run =
        reshell().args(["lab", "run"]).arg(&topology).arg("--state-dir").arg(&state).output().unwrap().into();
    assert!(!again.ok && again.stderr.contains("lab line already runs in process"), "{}", again.stderr);
    let nornir = inventory(&topology, &state, "nornir").stdout;
    assert!(nornir.contains("r2:\n  hostname: 127.0.0.1\n"), "{nornir}");
    assert!(nornir.contains("platform: junos"), "{nornir}");

    stop(lab);
    let stopped = inventory(&topology, &state, "json");
    assert!(!stopped.ok);
    assert!(stopped.stderr.contains("lab line is not running"), "{}", stopped.stderr);
}

#[test]
fn a_node_with_a_bad_startup_config_is_reported_and_nothing_starts() {
    let dir = tempfile::tempdir().unwrap();
    let bad = startup_config_with("interfaces {\n    xe-0/0/0 {\n        mtu lots;\n    }\n}\n");
    let (state, topology) = (dir.path().join("state"), topology(dir.path(), Some(&bad)));
    let refused: common::Run =
        reshell().args(["lab", "run"]).arg(&topology).arg("--state-dir").arg(&state).output().unwrap().into();
    assert!(!refused.ok);
    let first = refused.stderr.lines().next().unwrap_or_default().to_owned();
    assert!(
        first.starts_with(&format!("reshell: r2: {}: startup configuration: line ", bad.display())),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("lab line not started: 1 of its nodes"), "{}", refused.stderr);
    assert!(!refused.stdout.contains("ready"));
    assert!(!state.join("r1").exists() && !state.join("lab.json").exists(), "nothing started");
}

#[test]
fn a_restart_keeps_each_nodes_state_and_ports_and_fresh_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let (state, topology) = (dir.path().join("state"), topology(dir.path(), None));
    let (lab, first_lines) = run(&topology, &state, &[]);
    let json: serde_json::Value = serde_json::from_str(&inventory(&topology, &state, "json").stdout).unwrap();
    let changed = connected_commands(
        &spec(&json, "r2"),
        &["configure", "set system host-name edge", "commit and-quit"],
    );
    assert!(changed.ok, "{}", changed.stderr);
    stop(lab);

    let (lab, lines) = run(&topology, &state, &[]);
    assert_eq!(lines, first_lines, "the same addresses again, so inventories stay valid");
    assert_eq!(host_name(&json, "r2"), "edge", "the commit survived the restart");
    stop(lab);

    let (_lab, _) = run(&topology, &state, &["--fresh"]);
    let json: serde_json::Value = serde_json::from_str(&inventory(&topology, &state, "json").stdout).unwrap();
    assert_eq!(host_name(&json, "r2"), "r2", "--fresh starts from the startup configuration");
}
