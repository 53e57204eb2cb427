//! Realistic configurations of a given size, for the benchmarks: a service
//! provider edge with many interfaces, prefix-lists, static routes, firewall
//! filters and BGP neighbors, per-RE groups and a wildcard group. The same
//! size always gives the same configuration.

use std::fmt::Write;

use super::load::apply_set_lines;
use super::schema::Schema;
use super::tree::Node;

use super::print::to_text;

/// The statements every generated configuration starts with: what a router
/// with two REs has (host names and management addresses per RE, a group
/// applied to every `ge-` interface by wildcard).
const HEADER: &[&str] = &[
    "set groups re0 system host-name edge1-re0",
    "set groups re0 interfaces fxp0 unit 0 family inet address 192.168.1.1/24",
    "set groups re1 system host-name edge1-re1",
    "set groups re1 interfaces fxp0 unit 0 family inet address 192.168.1.2/24",
    "set groups jumbo interfaces <ge-*> mtu 9192",
    "set apply-groups [ re0 re1 jumbo ]",
    "set system domain-name example.net",
    "set system root-authentication encrypted-password \"$6$ab$Xy0.Zq/1\"",
    "set system services ssh root-login deny",
    "set system services netconf ssh",
    "set system syslog file messages any notice",
    "set routing-options autonomous-system 64500",
    "set routing-options router-id 10.255.255.1",
    "set policy-options policy-statement accept-customers term t1 then accept",
    "set policy-options policy-statement reject-bogons term t1 then reject",
    "set firewall family inet filter edge-in term t1 then accept",
];

/// Writes the lines of the `n`th item of a section.
type Section = fn(&mut String, usize);

/// `lines` lines of `set` commands (at least the header's).
pub fn set_lines(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 64);
    for line in HEADER {
        out.push_str(line);
        out.push('\n');
    }
    let body = lines.saturating_sub(HEADER.len());
    // Shares of the body, in the order the sections are written.
    let sections: [(Section, usize); 5] = [
        (interface, 30),
        (prefix_list_entry, 20),
        (static_route, 20),
        (firewall_term, 15),
        (bgp_neighbor, 15),
    ];
    let mut percent = 0;
    for (write, share) in sections {
        // Cumulative, so the shares add up to the body exactly.
        let count = body * (percent + share) / 100 - body * percent / 100;
        percent += share;
        let mut written = 0;
        let mut n = 0;
        let mut block = String::new();
        while written < count {
            block.clear();
            write(&mut block, n);
            for line in block.lines().take(count - written) {
                out.push_str(line);
                out.push('\n');
                written += 1;
            }
            n += 1;
        }
    }
    out
}

/// `lines` lines of `set` commands over the hierarchies a core router
/// configures (at least the header's): per site an interface with IPv4,
/// IPv6, ISO and MPLS families, the site in OSPF, IS-IS, MPLS, LDP and BGP,
/// a VRF holding a second unit, a policy term, a filter term and the
/// interface's class of service.
pub fn full_schema(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 72);
    for line in HEADER {
        out.push_str(line);
        out.push('\n');
    }
    let mut written = HEADER.len();
    let mut block = String::new();
    let mut n = 0;
    while written < lines {
        block.clear();
        site(&mut block, n);
        for line in block.lines().take(lines - written) {
            out.push_str(line);
            out.push('\n');
            written += 1;
        }
        n += 1;
    }
    out
}

/// The lines of the `n`th site of [`full_schema`].
fn site(out: &mut String, n: usize) {
    let port = format!("ge-{}/{}/{}", n / 480, n / 48 % 10, n % 48);
    let unit = format!("set interfaces {port} unit 0");
    let _ = writeln!(out, "set interfaces {port} description \"site {n} core\"");
    let _ = writeln!(out, "set interfaces {port} mtu 9192");
    let _ = writeln!(out, "{unit} family inet address {}/30", p2p(n));
    let _ = writeln!(out, "{unit} family inet6 address 2001:db8:{:x}:{:x}::1/64", n >> 16, n & 0xffff);
    let _ = writeln!(out, "{unit} family iso");
    let _ = writeln!(out, "{unit} family mpls");
    let _ = writeln!(out, "set interfaces {port} unit 1 family inet address {}/30", p2p(n + (1 << 20)));
    let _ =
        writeln!(out, "set protocols ospf area 0.0.0.{} interface {port}.0 metric {}", n % 200, 10 + n % 90);
    let _ = writeln!(out, "set protocols isis interface {port}.0 point-to-point");
    let _ = writeln!(out, "set protocols mpls interface {port}.0");
    let _ = writeln!(out, "set protocols ldp interface {port}.0");
    let group = format!("set protocols bgp group site-{}", n / 50);
    let neighbor = format!("{group} neighbor 10.{}.{}.{}", 200 + (n >> 16 & 15), n >> 8 & 255, n & 255);
    let _ = writeln!(out, "{neighbor} description \"site {n}\"");
    let _ = writeln!(out, "{neighbor} peer-as {}", 65000 + n % 500);
    let vrf = format!("set routing-instances vrf-{n}");
    let _ = writeln!(out, "{vrf} instance-type vrf");
    let _ = writeln!(out, "{vrf} interface {port}.1");
    let _ = writeln!(out, "{vrf} route-distinguisher 64500:{n}");
    let _ = writeln!(out, "{vrf} vrf-target target:64500:{n}");
    let term = format!("set policy-options policy-statement site-{} term t{}", n / 20, n % 20);
    let _ = writeln!(out, "{term} from protocol bgp");
    let _ = writeln!(out, "{term} then accept");
    let filter = format!("set firewall family inet filter site-{} term t{}", n / 20, n % 20);
    let _ = writeln!(out, "{filter} from source-address {}/30", p2p(n));
    let _ = writeln!(out, "{filter} then accept");
    let _ = writeln!(out, "set class-of-service interfaces {port} unit 0 forwarding-class best-effort");
}

/// The same configuration in curly-brace form, as the agent stores it.
pub fn curly(schema: &Schema, lines: usize) -> String {
    to_text(schema, None, &tree(schema, lines))
}

/// The same configuration as a tree.
pub fn tree(schema: &Schema, lines: usize) -> Node {
    let mut root = Node::default();
    let errors = apply_set_lines(schema, &mut root, &set_lines(lines));
    debug_assert!(errors.is_empty(), "{errors:?}");
    root
}

/// An address in 10/8 unique to `n` (up to 2^22), as the first host of a /30.
fn p2p(n: usize) -> String {
    let n = n * 4 + 1;
    format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255)
}

/// Five lines an interface: a description, an IPv4 and an IPv6 address, the
/// input filter (one the header defines) and the unit's description.
fn interface(out: &mut String, n: usize) {
    let name = format!("ge-{}/{}/{}", n / 480, n / 48 % 10, n % 48);
    let unit = format!("set interfaces {name} unit 0");
    let _ = writeln!(out, "set interfaces {name} description \"customer {n} access\"");
    let _ = writeln!(out, "{unit} description \"cust-{n}\"");
    let _ = writeln!(out, "{unit} family inet address {}/30", p2p(n));
    let _ = writeln!(out, "{unit} family inet filter input edge-in");
    let _ = writeln!(out, "{unit} family inet6 address 2001:db8:{:x}:{:x}::1/64", n >> 16, n & 0xffff);
}

/// One entry of a prefix-list; a list holds 200.
fn prefix_list_entry(out: &mut String, n: usize) {
    let _ = writeln!(
        out,
        "set policy-options prefix-list customers-{} 100.{}.{}.0/24",
        n / 200,
        n >> 8 & 255,
        n & 255
    );
}

fn static_route(out: &mut String, n: usize) {
    let _ = writeln!(
        out,
        "set routing-options static route 172.{}.{}.{}/32 next-hop {}",
        16 + (n >> 16 & 15),
        n >> 8 & 255,
        n & 255,
        p2p(n % 4096)
    );
}

/// Five lines a term; a filter holds 20 terms.
fn firewall_term(out: &mut String, n: usize) {
    let term = format!("set firewall family inet filter protect-{} term t{}", n / 20, n % 20);
    let _ = writeln!(out, "{term} from source-address {}/30", p2p(n));
    let _ = writeln!(out, "{term} from protocol tcp");
    let _ = writeln!(out, "{term} from destination-port {}", [22, 179, 443, 830][n % 4]);
    let _ = writeln!(out, "{term} then count hits-{}", n % 20);
    let _ = writeln!(out, "{term} then {}", if n % 5 == 4 { "discard" } else { "accept" });
}

/// Two lines a neighbor; a group of 50 neighbors starts with its type and AS.
fn bgp_neighbor(out: &mut String, n: usize) {
    let group = format!("set protocols bgp group peers-{}", n / 50);
    if n.is_multiple_of(50) {
        let _ = writeln!(out, "{group} type external");
        let _ = writeln!(out, "{group} import [ accept-customers reject-bogons ]");
    }
    let neighbor = format!("{group} neighbor 10.{}.{}.{}", 200 + (n >> 16 & 15), n >> 8 & 255, n & 255);
    let _ = writeln!(out, "{neighbor} description \"peer {n}\"");
    let _ = writeln!(out, "{neighbor} peer-as {}", 65000 + n % 500);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::inherit::expand;
    use crate::config::load::parse_text;
    use crate::config::validate::check;
    use crate::slot::Slot;

    #[test]
    fn a_generated_configuration_has_the_size_asked_and_commits() {
        let schema = Schema::shipped().unwrap();
        for lines in [10, 1000, 12_345] {
            let text = set_lines(lines);
            assert_eq!(text.lines().count(), lines.max(HEADER.len()));
            let mut root = Node::default();
            assert_eq!(apply_set_lines(&schema, &mut root, &text), []);
            let effective = expand(&schema, &root, Slot::RE1);
            assert_eq!(check(&schema, &effective), []);
            let (read, errors) = parse_text(&schema, &curly(&schema, lines));
            assert_eq!((errors, read), (Vec::new(), root));
        }
    }

    #[test]
    fn a_full_schema_configuration_has_the_size_asked_and_commits() {
        let schema = Schema::shipped().unwrap();
        let text = full_schema(2000);
        assert_eq!(text.lines().count(), 2000);
        let mut root = Node::default();
        assert_eq!(apply_set_lines(&schema, &mut root, &text), []);
        assert_eq!(check(&schema, &expand(&schema, &root, Slot::RE0)), []);
        let (read, errors) = parse_text(&schema, &to_text(&schema, None, &root));
        assert_eq!((errors, read), (Vec::new(), root));
    }

    #[test]
    fn the_groups_apply_per_slot_and_by_wildcard() {
        let schema = Schema::shipped().unwrap();
        let effective = expand(&schema, &tree(&schema, 100), Slot::RE1);
        assert_eq!(effective.descend(["system", "host-name"]).unwrap().values, ["edge1-re1"]);
        let port = effective.descend(["interfaces", "ge-0/0/0", "mtu"]).unwrap();
        assert_eq!((port.values.join(" "), port.group().as_str()), ("9192".to_owned(), "jumbo"));
    }
}
