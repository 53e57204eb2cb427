//! Links between the chassis of a lab: three two-RE chassis in this
//! process, r1 - r2 - r3, driven as a user would with the real binary.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{connected_commands, eventually, fault, startup_config_with, until_master};
use reshell::agent::{Endpoint, Fabric};
use reshell::chassis::{Embedded, Serving, start_embedded};
use reshell::slot::Slot;

const WITHIN: Duration = Duration::from_secs(20);

/// A running node: its REs' gRPC addresses; served while it is held.
struct Node {
    re0: String,
    re1: String,
    _serving: Serving,
}

impl Node {
    fn spec(&self) -> String {
        format!("re0={},re1={}", self.re0, self.re1)
    }

    /// What `command` prints on the node's master.
    fn run(&self, command: &str) -> String {
        connected_commands(&self.spec(), &[command]).stdout
    }
}

/// Starts each node (name, Junos text after the test users) as an embedded
/// chassis on one fabric with `links`, and waits until RE0 of each is master.
fn start(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    nodes: &[(&str, &str)],
    links: &[[&str; 2]],
) -> Vec<Node> {
    let links = links.iter().map(|pair| pair.map(|e| e.parse::<Endpoint>().unwrap())).collect();
    let fabric = Fabric::new(nodes.iter().map(|(name, _)| name.to_string()), links).unwrap();
    let mut started = Vec::new();
    for (name, config) in nodes {
        let startup = startup_config_with(config);
        let chassis = Embedded {
            startup_config: Some(startup),
            fabric: fabric.attach(name),
            ..Embedded::new(&dir.join(name))
        };
        let chassis = runtime.block_on(start_embedded(chassis)).unwrap();
        let grpc = |slot| chassis.addresses.get(slot).unwrap().to_owned();
        started.push(Node { re0: grpc(Slot::RE0), re1: grpc(Slot::RE1), _serving: chassis.serving });
    }
    for node in &started {
        until_master(&format!("re0={}", node.re0));
    }
    started
}

/// The admin and link states `show interfaces terse` gives `interface`.
fn states(node: &Node, interface: &str) -> (String, String) {
    let text = node.run(&format!("show interfaces terse {interface}"));
    let line = text.lines().find(|l| l.split_whitespace().next() == Some(interface));
    let words: Vec<&str> = line.map(|l| l.split_whitespace().collect()).unwrap_or_default();
    match words[..] {
        [_, admin, link, ..] => (admin.to_owned(), link.to_owned()),
        _ => panic!("no {interface} in {text}"),
    }
}

fn up(node: &Node, interface: &str) -> bool {
    states(node, interface) == ("up".into(), "up".into())
}

fn down(node: &Node, interface: &str) -> bool {
    states(node, interface) == ("up".into(), "down".into())
}

/// Whether `show lldp neighbors` has a line for the far end `system` on `local`, port `port`.
fn hears(node: &Node, local: &str, port: &str, system: &str) -> bool {
    node.run("show lldp neighbors").lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.len() == 5 && words[0] == local && words[3] == port && words[4] == system
    })
}

/// Whether `show arp no-resolve` lists `address` on `interface`.
fn resolved(node: &Node, address: &str, interface: &str) -> bool {
    node.run("show arp no-resolve").lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.len() == 4 && words[1] == address && words[2] == interface
    })
}

const R1: &str = "system { host-name r1; }
chassis { redundancy { failover { on-loss-of-keepalives; } } }
interfaces { ge-0/0/0 { unit 0 { family inet { address 10.0.12.1/30; } } } }
protocols { lldp { interface all; } }
";
const R2: &str = "system { host-name r2; }
interfaces {
    ge-0/0/1 { unit 0 { family inet { address 10.0.12.2/30; } } }
    xe-0/0/0 { unit 0 { family inet { address 10.0.23.1/30; } } }
}
protocols { lldp { interface all; } }
";
const R3: &str = "system { host-name r3; }
interfaces { et-0/0/0 { unit 0 { family inet { address 10.0.23.2/30; } } } }
protocols { lldp { interface et-0/0/0; } }
";

#[test]
fn linked_chassis_see_each_other_until_a_link_is_cut_or_a_node_halts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let nodes = [("r1", R1), ("r2", R2), ("r3", R3)];
    let links = [["r1:ge-0/0/0", "r2:ge-0/0/1"], ["r2:xe-0/0/0", "r3:et-0/0/0"]];
    let lab = start(&runtime, dir.path(), &nodes, &links);
    let [r1, r2, r3] = &lab[..] else { unreachable!() };

    // Up, heard over LLDP and resolved on both ends of each link.
    eventually(WITHIN, "r1 hears r2", || hears(r1, "ge-0/0/0", "ge-0/0/1", "r2"));
    assert!(up(r1, "ge-0/0/0") && up(r2, "ge-0/0/1") && up(r2, "xe-0/0/0") && up(r3, "et-0/0/0"));
    assert!(hears(r2, "ge-0/0/1", "ge-0/0/0", "r1") && hears(r2, "xe-0/0/0", "et-0/0/0", "r3"));
    assert!(hears(r3, "et-0/0/0", "xe-0/0/0", "r2"));
    assert!(resolved(r1, "10.0.12.2", "ge-0/0/0.0") && resolved(r2, "10.0.12.1", "ge-0/0/1.0"));
    assert!(resolved(r2, "10.0.23.2", "xe-0/0/0.0") && resolved(r3, "10.0.23.1", "et-0/0/0.0"));
    let ping = r1.run("ping 10.0.12.2 count 2");
    assert!(ping.contains("2 packets transmitted, 2 packets received, 0% packet loss"), "{ping}");
    let stranger = r1.run("ping 10.0.12.3 count 1 rapid");
    assert!(stranger.contains("1 packets transmitted, 0 packets received"), "{stranger}");

    // A cut takes both ends down, and the neighbour and its address go.
    let (said, ok) = fault(&r1.re0, &["link-down", "ge-0/0/0"]);
    assert!(ok, "{said}");
    assert_eq!(said.trim(), "link r1:ge-0/0/0 to r2:ge-0/0/1 cut");
    eventually(WITHIN, "both ends down", || down(r1, "ge-0/0/0") && down(r2, "ge-0/0/1"));
    assert!(!hears(r1, "ge-0/0/0", "ge-0/0/1", "r2") && !hears(r2, "ge-0/0/1", "ge-0/0/0", "r1"));
    assert!(!resolved(r2, "10.0.12.1", "ge-0/0/1.0"));
    let cut = r1.run("ping 10.0.12.2 count 1");
    assert!(cut.contains("ping: sendto: No route to host"), "{cut}");
    assert!(up(r2, "xe-0/0/0"), "the other link holds");

    // Restored from the far end, all comes back.
    let (said, ok) = fault(&r2.re1, &["link-up", "ge-0/0/1"]);
    assert!(ok, "{said}");
    eventually(WITHIN, "both ends up", || up(r1, "ge-0/0/0") && up(r2, "ge-0/0/1"));
    assert!(hears(r1, "ge-0/0/0", "ge-0/0/1", "r2") && resolved(r1, "10.0.12.2", "ge-0/0/0.0"));

    // r1's master halts: RE1 takes over and the link stays up.
    let halted = connected_commands(&format!("re0={}", r1.re0), &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    let re1 = format!("re1={}", r1.re1);
    until_master(&re1);
    eventually(WITHIN, "r2 hears r1 again", || hears(r2, "ge-0/0/1", "ge-0/0/0", "r1"));
    assert!(up(r2, "ge-0/0/1"));
    let over = connected_commands(&re1, &["ping 10.0.12.2 count 1"]).stdout;
    assert!(over.contains("1 packets received"), "{over}");

    // A node with both REs halted: its neighbour's end goes down.
    let halted = r3.run("request system halt both-routing-engines");
    assert!(!halted.contains("error"), "{halted}");
    eventually(WITHIN, "r2's end down", || down(r2, "xe-0/0/0"));
    assert!(!hears(r2, "xe-0/0/0", "et-0/0/0", "r3") && !resolved(r2, "10.0.23.2", "xe-0/0/0.0"));
    assert!(up(r2, "ge-0/0/1"));
}

#[test]
fn a_port_no_link_names_is_not_there_and_a_disabled_end_takes_the_link_down() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let nodes = [
        ("a", "system { host-name a; }\n"),
        ("b", "system { host-name b; }\ninterfaces { ge-0/0/3 { disable; } }\n"),
    ];
    let lab = start(&runtime, dir.path(), &nodes, &[["a:ge-0/0/2", "b:ge-0/0/3"]]);
    let [a, b] = &lab[..] else { unreachable!() };
    eventually(WITHIN, "a sees the link down", || down(a, "ge-0/0/2"));
    assert_eq!(states(b, "ge-0/0/3"), ("down".into(), "down".into()));
    assert!(a.run("show lldp neighbors").lines().count() == 1, "no LLDP configured: nobody heard");
    let missing = connected_commands(&a.spec(), &["show interfaces terse ge-0/0/9"]);
    assert!(missing.stderr.contains("device ge-0/0/9 not found"), "{}", missing.stderr);
    let committed =
        connected_commands(&b.spec(), &["configure", "delete interfaces ge-0/0/3 disable", "commit"]);
    assert!(committed.ok, "{}", committed.stderr);
    eventually(WITHIN, "the link up once enabled", || up(a, "ge-0/0/2") && up(b, "ge-0/0/3"));
}
