//! The forwarding-plane commands as an operator and an automation client
//! see them: interfaces, routes, neighbours and probes, on the master and
//! on the backup.

mod common;

use std::time::Duration;

use common::{connected_commands as run, eventually, two_agents, until_master};

#[test]
fn the_master_answers_for_its_plane_and_the_backup_for_its_own_ports() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let (re0, re1) = spec.split_once(',').unwrap();
    until_master(re0);
    let configured = run(
        re0,
        &[
            "configure",
            "set interfaces xe-0/0/0 description uplink",
            "set interfaces xe-0/0/0 unit 0 family inet address 10.0.0.1/24",
            "set interfaces xe-0/0/1 disable",
            "set interfaces xe-0/0/2 gigether-options 802.3ad ae0",
            "set interfaces ae0 aggregated-ether-options lacp active",
            "set interfaces lo0 unit 0 family inet address 192.0.2.1/32",
            "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.254",
            "commit synchronize and-quit",
        ],
    );
    assert!(configured.ok, "{}", configured.stderr);

    // Every port of both line cards, then ae0, fxp0 and lo0.
    let terse = run(re0, &["show interfaces terse | match \"^[a-z]\" | except \"\\.\""]).stdout;
    let names: Vec<&str> = terse.lines().skip(1).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(names.len(), 32 + 3, "{terse}");
    assert_eq!(&names[30..], ["xe-1/3/2", "xe-1/3/3", "ae0", "fxp0", "lo0"]);
    let optics = run(re0, &["show chassis hardware | match Xcvr | count"]).stdout;
    assert_eq!(optics, "Count: 32 lines\n", "one optic per port");

    let port = run(re0, &["show interfaces xe-0/0/0"]).stdout;
    assert!(port.starts_with("Physical interface: xe-0/0/0, Enabled, Physical link is Up\n"), "{port}");
    assert!(port.contains("\n  Description: uplink\n"), "{port}");
    assert!(port.contains("Destination: 10.0.0.0/24, Local: 10.0.0.1, Broadcast: 10.0.0.255\n"), "{port}");
    let down = run(re0, &["show interfaces xe-0/0/1 brief"]).stdout;
    assert!(down.starts_with("Physical interface: xe-0/0/1, Administratively down, Physical link is Down\n"));
    let described = run(re0, &["show interfaces descriptions"]).stdout;
    assert_eq!(described, "Interface       Admin Link Description\nxe-0/0/0        up    up   uplink\n");
    let missing = run(re0, &["show interfaces xe-7/0/0"]);
    assert_eq!(missing.stderr, "error: device xe-7/0/0 not found\n");

    // Counters move, and only forward.
    let bytes = || {
        let xml = run(re0, &["show interfaces xe-0/0/0 extensive | display xml | match input-bytes"]).stdout;
        let first = xml.lines().next().unwrap_or_default().to_owned();
        first.split(['>', '<']).nth(2).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)
    };
    let before = bytes();
    eventually(Duration::from_secs(5), "the counters grow", || bytes() > before);

    let xml = run(re0, &["show interfaces terse lo0 | display xml"]).stdout;
    assert!(xml.contains("<interface-information xmlns=\"http://xml.juniper.net/junos/"), "{xml}");
    assert!(xml.contains("junos:style=\"terse\""), "{xml}");
    assert!(xml.contains("<ifa-local junos:emit=\"emit\">192.0.2.1/32</ifa-local>"), "{xml}");
    let json = run(re0, &["show interfaces xe-0/0/0 media | display json"]).stdout;
    assert!(json.contains("\"ethernet-mac-statistics\" : ["), "{json}");
    let pattern = run(re0, &["show interfaces \"[efgx][et]-*\" terse | count"]).stdout;
    assert_eq!(pattern, "Count: 34 lines\n", "a header, 32 ports and the one unit");

    let lacp = run(re0, &["show lacp interfaces"]).stdout;
    assert!(lacp.starts_with("Aggregated interface: ae0\n    LACP state:"), "{lacp}");
    assert!(lacp.contains("xe-0/0/2") && lacp.contains("Defaulted"), "{lacp}");

    // Routes.
    let routes = run(re0, &["show route 10.0.0.9"]).stdout;
    assert!(routes.contains("\n10.0.0.0/24        *[Direct/0]"), "{routes}");
    assert!(!routes.contains("0.0.0.0/0"), "the longest match only: {routes}");
    let statics = run(re0, &["show route protocol static terse | match \"^\\*\""]).stdout;
    assert!(statics.starts_with("* ? 0.0.0.0/0          S   5"), "{statics}");
    let extensive = run(re0, &["show route 0.0.0.0/0 exact extensive | display xml"]).stdout;
    assert!(extensive.contains("<rt-prefix-length>0</rt-prefix-length>"), "{extensive}");
    assert!(extensive.contains("<to>10.0.0.254</to>"), "{extensive}");
    let summary = run(re0, &["show route summary"]).stdout;
    assert!(summary.starts_with("Router ID: 192.0.2.1\n\ninet.0: 4 destinations"), "{summary}");
    assert!(summary.contains("\n              Static:      1 routes,      1 active\n"), "{summary}");
    let fib = run(re0, &["show route forwarding-table"]).stdout;
    assert!(fib.contains("\ndefault            user     0 10.0.0.254         ucst"), "{fib}");

    // Neighbours and probes.
    let arp = run(re0, &["show arp no-resolve"]).stdout;
    assert!(arp.contains("10.0.0.254      xe-0/0/0.0               none\nTotal entries: 1\n"), "{arp}");
    let lldp = run(re0, &["show lldp neighbors"]).stdout;
    assert_eq!(
        lldp,
        "Local Interface    Parent Interface    Chassis Id          Port info          System Name\n"
    );
    let ping = run(re0, &["ping 10.0.0.254 rapid count 3"]).stdout;
    assert!(ping.contains("\n!!!\n--- 10.0.0.254 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\n"), "{ping}");
    let silent = run(re0, &["ping 10.0.0.9 count 2"]).stdout;
    assert!(silent.contains("Request timeout for icmp_seq 1\n"), "{silent}");
    let own = run(re0, &["ping 192.0.2.1 count 1 source 10.0.0.1 | display xml"]).stdout;
    assert!(own.contains("<ping-success/>"), "{own}");
    let trace = run(re0, &["traceroute 198.51.100.1"]).stdout;
    assert!(trace.contains("\n 1  10.0.0.254 (10.0.0.254)  "), "{trace}");
    assert!(trace.ends_with("\n30  * * *\n"), "{trace}");

    // The backup has its own management port and loopback, and no line cards.
    let backup = run(re1, &["show interfaces terse"]).stdout;
    let names: Vec<&str> = backup.lines().skip(1).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(names, ["fxp0", "lo0", "lo0.0"], "{backup}");
    let mac = |address: &str| run(address, &["show interfaces fxp0 | match Current"]).stdout;
    assert_ne!(mac(re0), mac(re1), "each RE its own management port");
    assert_eq!(run(re1, &["show interfaces xe-0/0/0"]).stderr, "error: device xe-0/0/0 not found\n");
    let refused = "error: Aborted! This command can only be used on the master routing engine.\n";
    for command in ["show route summary", "show arp", "show lldp neighbors", "ping 10.0.0.254 count 1"] {
        assert_eq!(run(re1, &[command]).stderr, refused, "{command}");
    }
}
