//! The routing protocols, LLDP and NTP as the committed configuration sets
//! them up. LLDP hears the far ends of a lab's links. No other router
//! answers otherwise, so no routing protocol comes up: a BGP
//! neighbour tries to connect (`Connect` when it is on a subnet of an
//! interface that is up, `Active` when there is no route to it), OSPF
//! interfaces are up or down with their links and have no neighbours, and
//! IS-IS, LDP and RSVP have no adjacencies, neighbours or sessions.

use std::net::IpAddr;

use crate::config::tree::Node;
use crate::proto::{
    BgpGroup, BgpPeer, LldpNeighbor, NtpServer, OspfInterface, PhysicalInterface, ProtocolInformation,
    RsvpInterface,
};

use super::forwarding;
use super::forwarding::interfaces::Cabling;

/// BGP's hold time when none is configured.
const DEFAULT_HOLDTIME: u32 = 90;

fn value<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a str> {
    node.descend(keys.iter().copied()).and_then(|n| n.values.first()).map(|v| v.as_str())
}

fn values(node: &Node, keys: &[&str]) -> Vec<String> {
    node.descend(keys.iter().copied())
        .map(|n| n.values.iter().map(|v| v.to_string()).collect())
        .unwrap_or_default()
}

/// The entries of the list at `keys`, by name.
fn entries<'a>(node: &'a Node, keys: &[&str]) -> impl Iterator<Item = (&'a str, &'a Node)> {
    node.descend(keys.iter().copied())
        .into_iter()
        .flat_map(|n| n.children.iter().map(|(k, v)| (k.as_str(), &**v)))
}

/// Everything but the state the caller knows: mastership, graceful
/// switchover and when the routing daemon started.
pub fn protocols(effective: &Node, cabling: &Cabling) -> ProtocolInformation {
    let interfaces = forwarding::interfaces::interfaces(effective, "", cabling);
    let local_as = effective
        .descend(["routing-options", "autonomous-system"])
        .and_then(|n| n.values.first().or_else(|| n.descend(["as-number"]).and_then(|a| a.values.first())))
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let router_id = forwarding::router_id(effective, cabling);
    let protocols = effective.descend(["protocols"]);
    let configured = |name: &str| protocols.is_some_and(|p| p.child(name).is_some());
    let mut info = ProtocolInformation {
        local_as,
        router_id: router_id.clone(),
        bgp: configured("bgp"),
        ospf: configured("ospf"),
        isis: configured("isis"),
        ldp: configured("ldp"),
        rsvp: configured("rsvp"),
        nonstop_routing: effective.descend(["routing-options", "nonstop-routing"]).is_some(),
        ..ProtocolInformation::default()
    };
    let Some(protocols) = protocols else { return info };
    for (name, group) in entries(protocols, &["bgp", "group"]) {
        let group_type = value(group, &["type"]).unwrap_or("external");
        info.bgp_groups.push(BgpGroup { name: name.to_owned(), r#type: group_type.into() });
        for (address, neighbor) in entries(group, &["neighbor"]) {
            // A neighbour's own statement overrides its group's.
            let own = |keys: &[&str]| value(neighbor, keys).or_else(|| value(group, keys));
            let own_list = |key: &str| {
                let mine = values(neighbor, &[key]);
                if mine.is_empty() { values(group, &[key]) } else { mine }
            };
            let peer_as = if group_type == "internal" {
                local_as
            } else {
                own(&["peer-as"]).and_then(|a| a.parse().ok()).unwrap_or(0)
            };
            let reachable = address.parse().is_ok_and(|a| directly_connected(&interfaces, a));
            info.bgp_peers.push(BgpPeer {
                address: address.to_owned(),
                peer_as,
                group: name.to_owned(),
                peer_type: if group_type == "internal" { "Internal" } else { "External" }.into(),
                local_address: own(&["local-address"]).unwrap_or_default().into(),
                description: own(&["description"]).unwrap_or_default().into(),
                state: if reachable { "Connect" } else { "Active" }.into(),
                import_policies: own_list("import"),
                export_policies: own_list("export"),
                holdtime: own(&["hold-time"]).and_then(|h| h.parse().ok()).unwrap_or(DEFAULT_HOLDTIME),
                passive: neighbor.child("passive").is_some() || group.child("passive").is_some(),
            });
        }
    }
    for (area, body) in entries(protocols, &["ospf", "area"]) {
        for (name, interface) in entries(body, &["interface"]) {
            let up = link_up(&interfaces, name);
            let point_to_point = value(interface, &["interface-type"]) == Some("p2p");
            let state = match (up, point_to_point) {
                (false, _) => "Down",
                (true, true) => "PtToPt",
                // Alone on its segment, the router elects itself.
                (true, false) => "DR",
            };
            info.ospf_interfaces.push(OspfInterface {
                name: name.to_owned(),
                area: dotted_area(area),
                state: state.into(),
                passive: interface.child("passive").is_some(),
            });
        }
    }
    for (name, interface) in entries(protocols, &["rsvp", "interface"]) {
        info.rsvp_interfaces.push(RsvpInterface {
            name: name.to_owned(),
            up: link_up(&interfaces, name),
            bandwidth: value(interface, &["bandwidth"]).and_then(parse_bandwidth).unwrap_or(0),
        });
    }
    info
}

/// Whether LLDP runs on `port`: Junos needs `protocols lldp interface`
/// naming it or `all`, and neither LLDP, the port's entry nor `all`
/// disabled.
pub fn lldp_on(effective: &Node, port: &str) -> bool {
    let Some(lldp) = effective.descend(["protocols", "lldp"]) else { return false };
    let listed = |name: &str| lldp.descend(["interface", name]);
    let enabled = match listed(port) {
        Some(entry) => entry.child("disable").is_none(),
        None => listed("all").is_some_and(|all| all.child("disable").is_none()),
    };
    enabled && lldp.child("disable").is_none()
}

/// The name LLDP sends: `protocols lldp system-name`, or the host name.
pub fn lldp_system_name(effective: &Node, host_name: &str) -> String {
    value(effective, &["protocols", "lldp", "system-name"]).unwrap_or(host_name).to_owned()
}

/// What LLDP hears: on each cabled port that is up and runs LLDP, the far
/// end, when it runs LLDP too.
pub fn lldp_neighbors(effective: &Node, cabling: &Cabling) -> Vec<LldpNeighbor> {
    let interfaces = forwarding::interfaces::interfaces(effective, "", cabling);
    let up = |port: &str| interfaces.iter().any(|i| i.name == port && i.link_up);
    cabling
        .cables
        .iter()
        .filter(|c| up(&c.port) && lldp_on(effective, &c.port))
        .filter_map(|c| {
            let far = c.far.as_ref().filter(|f| f.lldp)?;
            Some(LldpNeighbor {
                local_interface: c.port.clone(),
                chassis_id: far.chassis_id.clone(),
                port_id: far.port.clone(),
                system_name: far.system_name.clone(),
            })
        })
        .collect()
}

/// The configured NTP servers and peers, in the order configured.
pub fn ntp_servers(effective: &Node) -> Vec<NtpServer> {
    let mut servers = Vec::new();
    for kind in ["server", "peer"] {
        for (address, body) in entries(effective, &["system", "ntp", kind]) {
            servers.push(NtpServer {
                address: address.to_owned(),
                prefer: body.child("prefer").is_some(),
                kind: kind.into(),
            });
        }
    }
    servers
}

/// Whether a logical interface (`ge-0/0/0.0`, or a port meaning its unit
/// 0) is up. The loopback is always up.
fn link_up(interfaces: &[PhysicalInterface], name: &str) -> bool {
    if name.starts_with("lo0") {
        return true;
    }
    let unit = if name.contains('.') { name.to_owned() } else { format!("{name}.0") };
    interfaces.iter().flat_map(|i| &i.units).any(|u| u.name == unit && u.link_up)
}

/// Whether `address` is on the subnet of an interface that is up.
fn directly_connected(interfaces: &[PhysicalInterface], address: IpAddr) -> bool {
    interfaces
        .iter()
        .flat_map(|i| &i.units)
        .filter(|u| u.link_up)
        .flat_map(|u| &u.addresses)
        .any(|a| on_subnet(&a.local, address))
}

fn on_subnet(cidr: &str, address: IpAddr) -> bool {
    let Some((local, length)) = cidr.split_once('/') else { return false };
    let (Ok(local), Ok(length)) = (local.parse::<IpAddr>(), length.parse::<u32>()) else { return false };
    match (local, address) {
        (IpAddr::V4(l), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32u32.saturating_sub(length)).unwrap_or(0);
            u32::from(l) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(l), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128u32.saturating_sub(length)).unwrap_or(0);
            u128::from(l) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// `0` and `0.0.0.0` are the same area; Junos shows the dotted form.
fn dotted_area(area: &str) -> String {
    match area.parse::<u32>() {
        Ok(n) => std::net::Ipv4Addr::from(n).to_string(),
        Err(_) => area.to_owned(),
    }
}

/// `10g`, `500m`, `64k` or plain bits a second.
fn parse_bandwidth(text: &str) -> Option<u64> {
    let (digits, scale) = match text.char_indices().last()? {
        (at, 'k') => (&text[..at], 1_000),
        (at, 'm') => (&text[..at], 1_000_000),
        (at, 'g') => (&text[..at], 1_000_000_000),
        _ => (text, 1),
    };
    digits.parse::<u64>().ok().map(|n| n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::parse_text;
    use crate::config::schema::Schema;

    fn config(text: &str) -> Node {
        let (node, errors) = parse_text(&Schema::shipped().unwrap(), text);
        assert!(errors.is_empty(), "{errors:?}");
        node
    }

    const LAB: &str = "
interfaces {
    xe-0/0/0 { unit 0 { family inet { address 10.0.0.1/30; } } }
    xe-0/0/1 { disable; unit 0 { family inet { address 10.0.1.1/30; } } }
    lo0 { unit 0 { family inet { address 192.0.2.1/32; } } }
}
routing-options { autonomous-system 64500; nonstop-routing; }
protocols {
    bgp {
        group ext { type external; peer-as 64501; import in; neighbor 10.0.0.2; neighbor 203.0.113.9 { peer-as 64502; } }
        group int { type internal; local-address 192.0.2.1; neighbor 192.0.2.2; }
    }
    ospf { area 0.0.0.0 { interface xe-0/0/0.0; interface xe-0/0/1.0 { interface-type p2p; } interface lo0.0 { passive; } } }
    rsvp { interface xe-0/0/0.0 { bandwidth 10g; } }
}
system { ntp { server 192.0.2.123 { prefer; } server 198.51.100.7; } }
";

    #[test]
    fn bgp_neighbours_try_to_connect_as_configured() {
        let info = protocols(&config(LAB), &Cabling::default());
        assert_eq!((info.local_as, info.router_id.as_str()), (64500, "192.0.2.1"));
        assert!(info.bgp && info.ospf && info.rsvp && !info.isis && !info.ldp && info.nonstop_routing);
        let peers: Vec<(&str, u32, &str, &str)> = info
            .bgp_peers
            .iter()
            .map(|p| (p.address.as_str(), p.peer_as, p.peer_type.as_str(), p.state.as_str()))
            .collect();
        assert_eq!(
            peers,
            [
                ("10.0.0.2", 64501, "External", "Connect"),
                ("203.0.113.9", 64502, "External", "Active"),
                ("192.0.2.2", 64500, "Internal", "Active"),
            ]
        );
        assert_eq!(info.bgp_peers[0].import_policies, ["in"]);
        assert_eq!(info.bgp_peers[2].local_address, "192.0.2.1");
    }

    #[test]
    fn ospf_interfaces_follow_their_links() {
        let info = protocols(&config(LAB), &Cabling::default());
        let states: Vec<(&str, &str, &str)> = info
            .ospf_interfaces
            .iter()
            .map(|i| (i.name.as_str(), i.area.as_str(), i.state.as_str()))
            .collect();
        assert_eq!(
            states,
            [("xe-0/0/0.0", "0.0.0.0", "DR"), ("xe-0/0/1.0", "0.0.0.0", "Down"), ("lo0.0", "0.0.0.0", "DR")]
        );
        assert_eq!(info.rsvp_interfaces[0].bandwidth, 10_000_000_000);
    }

    #[test]
    fn lldp_runs_where_configured_and_not_disabled() {
        let all = config("protocols { lldp { interface all; interface xe-0/0/1 { disable; } } }");
        assert!(lldp_on(&all, "ge-0/0/0") && !lldp_on(&all, "xe-0/0/1"));
        let one = config("protocols { lldp { interface ge-0/0/0; system-name spine; } }");
        assert!(lldp_on(&one, "ge-0/0/0") && !lldp_on(&one, "ge-0/0/1"));
        assert_eq!(lldp_system_name(&one, "r1"), "spine");
        let off = config("protocols { lldp { disable; interface all; } }");
        assert!(!lldp_on(&off, "ge-0/0/0") && !lldp_on(&config(LAB), "xe-0/0/0"));
        assert_eq!(lldp_system_name(&off, "r1"), "r1");
    }

    #[test]
    fn ntp_servers_are_the_configured_ones() {
        let servers = ntp_servers(&config(LAB));
        let listed: Vec<(&str, bool)> = servers.iter().map(|s| (s.address.as_str(), s.prefer)).collect();
        assert_eq!(listed, [("192.0.2.123", true), ("198.51.100.7", false)]);
    }
}
