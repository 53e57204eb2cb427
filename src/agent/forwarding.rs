//! The forwarding plane a master runs, modelled: its FPCs, the interfaces and
//! addresses the configuration gives them, the routes installed from
//! those addresses and from static routes, the neighbours those routes
//! lead to and those at the far end of a lab's links, and what answers a
//! probe. A new master starts it afresh:
//! the FPCs come online from zero and the routes are installed a moment
//! later, as Junos warns a switchover without graceful switchover does.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub mod interfaces;

use crate::config::tree::Node;
use crate::proto::{
    Fpc, GetRouteInformationRequest, Neighbor, Neighbors, PhysicalInterface, ProbeReply, ProbeRequest, Route,
    RouteTable, RoutingInstance,
};
use interfaces::Cabling;

/// How long after a takeover the new master's routes are installed.
pub const ROUTE_DELAY_SECONDS: i64 = 2;

/// The FPC slots of the modelled chassis, as `show chassis hardware` lists them.
pub const FPC_SLOTS: [u32; 2] = [0, 1];

pub fn fpcs(since: i64) -> Vec<Fpc> {
    FPC_SLOTS
        .iter()
        .map(|&slot| Fpc {
            slot,
            state: "Online".into(),
            temperature_celsius: 36 + slot as i32,
            cpu_total: 4,
            cpu_interrupt: 0,
            memory_dram_mb: 3584,
            memory_heap_utilization: 24,
            memory_buffer_utilization: 11,
            start_time: since,
        })
        .collect()
}

/// An address with its prefix length: the network it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Prefix {
    address: IpAddr,
    length: u8,
}

impl Prefix {
    fn parse(text: &str) -> Option<Prefix> {
        let (address, length) = text.split_once('/').unwrap_or((text, ""));
        let address: IpAddr = address.parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let length = if length.is_empty() { max } else { length.parse().ok().filter(|l| *l <= max)? };
        Some(Prefix { address, length })
    }

    fn network(self) -> Prefix {
        let address = match self.address {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.length)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.length)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        Prefix { address, ..self }
    }

    fn host(self) -> Prefix {
        Prefix { length: if self.address.is_ipv4() { 32 } else { 128 }, ..self }
    }

    fn contains(self, address: IpAddr) -> bool {
        address.is_ipv4() == self.address.is_ipv4()
            && Prefix { address, length: self.length }.network() == self.network()
    }

    fn table(self) -> &'static str {
        if self.address.is_ipv4() { "inet.0" } else { "inet6.0" }
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

/// A network the router is on: its address there, in a routing instance
/// (`""` for the default one, else `NAME.`), through a unit that is up.
struct Connected {
    instance: String,
    address: Prefix,
    unit: String,
}

/// What the configuration puts in the routing instances: the networks of
/// the units that are up, and the static routes, resolved.
struct Plan {
    connected: Vec<Connected>,
    /// The instance, the destination and the route.
    statics: Vec<(String, Prefix, Route)>,
}

/// The routing instance a unit belongs to: `NAME.`, or `""` for the default.
fn instance_of(effective: &Node, unit: &str) -> String {
    let instances = effective.descend(["routing-instances"]);
    instances
        .and_then(|ri| {
            ri.children
                .iter()
                .find(|(_, n)| n.child("interface").is_some_and(|i| i.children.contains_key(unit)))
                .map(|(name, _)| format!("{name}."))
        })
        .unwrap_or_default()
}

fn plan(effective: &Node, cabling: &Cabling) -> Plan {
    let mut connected = Vec::new();
    for unit in
        interfaces::interfaces(effective, "", cabling).iter().flat_map(|i| &i.units).filter(|u| u.link_up)
    {
        let instance = instance_of(effective, &unit.name);
        for address in unit.addresses.iter().filter_map(|a| Prefix::parse(&a.local)) {
            connected.push(Connected { instance: instance.clone(), address, unit: unit.name.clone() });
        }
    }
    let mut statics = Vec::new();
    let instances = effective.descend(["routing-instances"]).map(|ri| &ri.children).into_iter().flatten();
    let options = std::iter::once((String::new(), effective.child("routing-options")))
        .chain(instances.map(|(name, node)| (format!("{name}."), node.child("routing-options"))));
    for (instance, options) in options {
        let Some(list) = options.and_then(|o| o.descend(["static", "route"])) else { continue };
        for (destination, node) in &list.children {
            let Some(prefix) = Prefix::parse(destination) else { continue };
            let action = ["discard", "reject"].into_iter().find(|a| node.children.contains_key(*a));
            let hop = node.descend(["next-hop"]).and_then(|n| {
                n.values.iter().find_map(|hop| {
                    let address: IpAddr = hop.parse().ok()?;
                    let on =
                        connected.iter().find(|c| c.instance == instance && c.address.contains(address))?;
                    Some((hop.to_string(), on.unit.clone()))
                })
            });
            let route = Route { protocol: "Static".into(), preference: 5, ..Route::default() };
            let route = match (action, hop) {
                (Some(action), _) => {
                    let mut action = action.to_owned();
                    action[..1].make_ascii_uppercase();
                    Route { action, ..route }
                }
                (None, Some((to, via))) => Route { to, via, ..route },
                // A next hop on no interface of ours: not installed.
                (None, None) => continue,
            };
            statics.push((instance.clone(), prefix.network(), route));
        }
    }
    Plan { connected, statics }
}

/// The routes `effective` gives: direct and local routes for the addresses
/// of interfaces that are up, and the static routes whose next hop is on one
/// of them (or that discard or reject), each in its routing instance's
/// tables: `inet.0` and `inet6.0`, then each instance's.
pub fn routes(effective: &Node, cabling: &Cabling) -> Vec<RouteTable> {
    let plan = plan(effective, cabling);
    let mut tables: BTreeMap<(String, &str), BTreeMap<Prefix, Route>> = BTreeMap::new();
    for c in &plan.connected {
        let route =
            |protocol: &str| Route { protocol: protocol.into(), via: c.unit.clone(), ..Route::default() };
        let table = tables.entry((c.instance.clone(), c.address.table())).or_default();
        table.insert(c.address.network(), route("Direct"));
        // A host address (lo0's /32) is its own network: one Direct route.
        if c.address.host() != c.address.network() {
            table.insert(c.address.host(), Route { preference: 0, ..route("Local") });
        }
    }
    for (instance, prefix, route) in plan.statics {
        tables.entry((instance, prefix.table())).or_default().entry(prefix).or_insert(route);
    }
    tables
        .into_iter()
        .map(|((instance, table), routes)| RouteTable {
            name: format!("{instance}{table}"),
            destination_count: routes.len() as u32,
            routes: routes.into_iter().map(|(p, r)| Route { destination: p.to_string(), ..r }).collect(),
        })
        .collect()
}

/// The routing instances: the default one (`master`), then each configured,
/// with its type (`forwarding` where none is given, as Junos takes it).
pub fn instances(effective: &Node) -> Vec<RoutingInstance> {
    let configured = effective.descend(["routing-instances"]).map(|ri| &ri.children).into_iter().flatten();
    let typed = configured.map(|(name, node)| RoutingInstance {
        name: name.to_string(),
        instance_type: node
            .child("instance-type")
            .and_then(|t| t.values.first().map(|v| v.to_string()))
            .unwrap_or_else(|| "forwarding".into()),
    });
    std::iter::once(RoutingInstance { name: "master".into(), instance_type: "forwarding".into() })
        .chain(typed)
        .collect()
}

/// The routes of `tables` a request asks for: by table, by protocol, and by
/// destination (the most specific routes holding it; `exact`: that prefix;
/// `longer`: the prefixes within it). Tables left with no routes are left
/// out; each keeps its count of destinations.
pub fn select(tables: &[RouteTable], request: &GetRouteInformationRequest) -> Vec<RouteTable> {
    let destination = Prefix::parse(&request.destination);
    let wanted_table = |name: &str| {
        request.table.is_empty() || name == request.table || name.starts_with(&format!("{}.", request.table))
    };
    let mut out = Vec::new();
    for table in tables.iter().filter(|t| wanted_table(&t.name)) {
        let mut routes: Vec<&Route> = table
            .routes
            .iter()
            .filter(|r| request.protocol.is_empty() || r.protocol.eq_ignore_ascii_case(&request.protocol))
            .collect();
        if let Some(d) = destination {
            let prefix = |r: &Route| Prefix::parse(&r.destination);
            if request.exact {
                routes.retain(|r| prefix(r) == Some(d.network()));
            } else if request.longer {
                routes.retain(|r| prefix(r).is_some_and(|p| p.length >= d.length && d.contains(p.address)));
            } else {
                let holding = |p: Prefix| p.length <= d.length && p.contains(d.address);
                let best =
                    routes.iter().filter_map(|r| prefix(r)).filter(|p| holding(*p)).map(|p| p.length).max();
                routes.retain(|r| prefix(r).is_some_and(|p| holding(p) && Some(p.length) == best));
            }
        }
        if !routes.is_empty() {
            out.push(RouteTable { routes: routes.into_iter().cloned().collect(), ..table.clone() });
        }
    }
    out
}

/// The router ID: configured, or the first address of lo0, or of any unit.
pub fn router_id(effective: &Node, cabling: &Cabling) -> String {
    if let Some(id) = effective.descend(["routing-options", "router-id"]).and_then(|n| n.values.first()) {
        return id.to_string();
    }
    let all = interfaces::interfaces(effective, "", cabling);
    let v4 = |i: &PhysicalInterface| {
        i.units.iter().flat_map(|u| &u.addresses).find(|a| a.family == "inet").map(|a| a.local.clone())
    };
    let first = all.iter().filter(|i| i.name == "lo0").find_map(v4).or_else(|| all.iter().find_map(v4));
    // With no IPv4 address at all, Junos reports the unspecified one.
    first.map_or_else(|| "0.0.0.0".to_owned(), |a| a.split('/').next().unwrap_or_default().to_owned())
}

/// The neighbours the forwarding plane has resolved: the far ends of the
/// links that are up, on the networks of our units there (ARP and ND are
/// answered at once on a link), and the next hops of the static routes,
/// each on the unit its network is on, with a hardware address of its own.
pub fn neighbors(effective: &Node, cabling: &Cabling) -> Neighbors {
    let plan = plan(effective, cabling);
    let mut out = Neighbors::default();
    let mut seen = Vec::new();
    let mut add = |out: &mut Neighbors, address: IpAddr, mac_address: String, interface: &str| {
        if seen.contains(&address) {
            return;
        }
        seen.push(address);
        let neighbor = Neighbor {
            address: address.to_string(),
            mac_address,
            interface: interface.to_owned(),
            expires: 1200 - u32::from(tail(address)[2]) * 3,
            router: true,
        };
        if address.is_ipv4() { out.arp.push(neighbor) } else { out.nd.push(neighbor) }
    };
    for c in &plan.connected {
        let port = c.unit.split('.').next().unwrap_or_default();
        let Some(far) = cabling.far(port) else { continue };
        for address in far.addresses.iter().filter_map(|a| Prefix::parse(&a.local)) {
            if c.address.contains(address.address) && address.address != c.address.address {
                add(&mut out, address.address, far.mac_address.clone(), &c.unit);
            }
        }
    }
    for (_, _, route) in &plan.statics {
        let Ok(address) = route.to.parse::<IpAddr>() else { continue };
        let [a, b, c] = tail(address);
        add(&mut out, address, format!("00:05:86:{a:02x}:{b:02x}:{c:02x}"), &route.via);
    }
    out
}

/// The last three bytes of an address, which make a made-up neighbour's own.
fn tail(address: IpAddr) -> [u8; 3] {
    let octets = match address {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    [octets[octets.len() - 3], octets[octets.len() - 2], octets[octets.len() - 1]]
}

/// Whether the far end of the link under `unit` has `address`.
fn far_end_has(cabling: &Cabling, unit: &str, address: IpAddr) -> bool {
    let port = unit.split('.').next().unwrap_or_default();
    let far = cabling.far(port).map(|f| f.addresses.as_slice()).unwrap_or_default();
    far.iter().filter_map(|a| Prefix::parse(&a.local)).any(|a| a.address == address)
}

/// Why a probe cannot be sent, in the words `ping` and `traceroute` use.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot resolve {0}: Host name lookup failure")]
    Unresolved(String),
    #[error("bind: Can't assign requested address")]
    Source,
    #[error("routing instance {0} not found")]
    Instance(String),
}

/// What answers probes to `request.destination`: the router's own addresses
/// in the routing instance, the far ends of its links that are up, and the
/// neighbours its static routes use; a probe routed past a neighbour gets
/// no further.
pub fn probe(effective: &Node, cabling: &Cabling, request: &ProbeRequest) -> Result<ProbeReply, ProbeError> {
    let instance = match request.routing_instance.as_str() {
        "" => String::new(),
        name if effective.descend(["routing-instances", name]).is_some() => format!("{name}."),
        name => return Err(ProbeError::Instance(name.into())),
    };
    let destination: IpAddr =
        request.destination.parse().map_err(|_| ProbeError::Unresolved(request.destination.clone()))?;
    let plan = plan(effective, cabling);
    let ours: Vec<&Connected> = plan.connected.iter().filter(|c| c.instance == instance).collect();
    let source = match request.source.as_str() {
        "" => None,
        given => {
            let given: IpAddr = given.parse().map_err(|_| ProbeError::Source)?;
            ours.iter().find(|c| c.address.address == given).ok_or(ProbeError::Source)?;
            Some(given)
        }
    };
    let reply = |from: IpAddr, hops: Vec<IpAddr>, reachable: bool| ProbeReply {
        source: source.unwrap_or(from).to_string(),
        hops: hops.iter().map(IpAddr::to_string).collect(),
        reachable,
        no_route: false,
    };
    // The router's own addresses answer, the loopback ones (lo0.16384's
    // 127.0.0.1, ::1) in every instance.
    if destination.is_loopback() || ours.iter().any(|c| c.address.address == destination) {
        return Ok(reply(destination, vec![destination], true));
    }
    let on_network =
        |hop: IpAddr| ours.iter().filter(|c| c.address.contains(hop)).max_by_key(|c| c.address.length);
    let route = plan
        .statics
        .iter()
        .filter(|(i, p, _)| *i == instance && p.contains(destination))
        .map(|(_, p, r)| (p.length, Some(r)))
        .chain(on_network(destination).map(|c| (c.address.length, None)))
        .max_by_key(|(length, _)| *length);
    let neighbours: Vec<IpAddr> = plan
        .statics
        .iter()
        .filter(|(i, _, _)| *i == instance)
        .filter_map(|(_, _, r)| r.to.parse().ok())
        .collect();
    match route {
        Some((_, None)) => {
            let network = on_network(destination);
            let from = network.map_or(destination, |c| c.address.address);
            let answers = neighbours.contains(&destination)
                || network.is_some_and(|c| far_end_has(cabling, &c.unit, destination));
            Ok(reply(from, if answers { vec![destination] } else { Vec::new() }, answers))
        }
        Some((_, Some(r))) if r.action.is_empty() => {
            let hop: IpAddr = r.to.parse().map_err(|_| ProbeError::Unresolved(r.to.clone()))?;
            let from = on_network(hop).map_or(hop, |c| c.address.address);
            Ok(reply(from, vec![hop], hop == destination))
        }
        // Discarded: nothing comes back.
        Some((_, Some(r))) if r.action == "Discard" => {
            let from = ours.first().map_or(destination, |c| c.address.address);
            Ok(reply(from, Vec::new(), false))
        }
        _ => Ok(ProbeReply {
            source: source.map(|s| s.to_string()).unwrap_or_default(),
            no_route: true,
            ..ProbeReply::default()
        }),
    }
}

/// `tables` as installed at `since`: nothing before then.
pub fn installed(tables: &[RouteTable], since: i64, now: i64) -> Vec<RouteTable> {
    if now < since {
        return Vec::new();
    }
    let mut tables = tables.to_vec();
    tables.iter_mut().flat_map(|t| &mut t.routes).for_each(|r| r.since = since);
    tables
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::parse_text;
    use crate::config::schema::Schema;

    #[test]
    fn addresses_and_static_routes_become_routes_once_installed() {
        let schema = Schema::shipped().unwrap();
        let (config, errors) = parse_text(
            &schema,
            "interfaces { xe-0/0/0 { unit 0 { family inet { address 10.0.0.1/24; } } }\n\
             xe-0/0/1 { disable; unit 0 { family inet { address 10.9.0.1/24; } } } }\n\
             routing-options { static { route 0.0.0.0/0 next-hop 10.0.0.254; route 192.0.2.0/24 discard;\n\
             route 198.51.100.0/24 next-hop 10.9.0.9; } }\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let tables = routes(&config, &Cabling::default());
        let inet: Vec<(&str, &str, &str, &str)> = tables[0]
            .routes
            .iter()
            .map(|r| (r.destination.as_str(), r.protocol.as_str(), r.to.as_str(), r.via.as_str()))
            .collect();
        assert_eq!(
            inet,
            [
                ("0.0.0.0/0", "Static", "10.0.0.254", "xe-0/0/0.0"),
                ("10.0.0.0/24", "Direct", "", "xe-0/0/0.0"),
                ("10.0.0.1/32", "Local", "", "xe-0/0/0.0"),
                ("192.0.2.0/24", "Static", "", ""),
            ]
        );
        assert_eq!(tables[0].routes[3].action, "Discard");
        let down = interfaces::interfaces(&config, "", &Cabling::default())
            .into_iter()
            .find(|i| i.name == "xe-0/0/1")
            .unwrap();
        assert!(!down.admin_up && !down.units[0].link_up);
    }

    fn lab() -> Node {
        let schema = Schema::shipped().unwrap();
        let (config, errors) = parse_text(
            &schema,
            "interfaces { xe-0/0/0 { unit 0 { family inet { address 10.0.0.1/24; } } }\n\
             xe-0/0/1 { unit 0 { family inet { address 10.8.0.1/24; } } }\n\
             lo0 { unit 0 { family inet { address 192.0.2.1/32; } } } }\n\
             routing-options { static { route 0.0.0.0/0 next-hop 10.0.0.254; route 203.0.113.0/24 discard; } }\n\
             routing-instances { red { instance-type vrf; interface xe-0/0/1.0;\n\
             routing-options { static { route 172.16.0.0/12 next-hop 10.8.0.2; } } } }\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        config
    }

    #[test]
    fn the_default_instance_comes_first_and_each_configured_one_has_its_type() {
        let (config, errors) =
            parse_text(&Schema::shipped().unwrap(), "routing-instances { red { instance-type vrf; } blue; }");
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<_> =
            instances(&config).into_iter().map(|i| format!("{} {}", i.name, i.instance_type)).collect();
        assert_eq!(names, ["master forwarding", "red vrf", "blue forwarding"]);
    }

    #[test]
    fn each_routing_instance_has_its_own_tables_and_a_request_selects_routes() {
        let config = lab();
        let tables = routes(&config, &Cabling::default());
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["inet.0", "red.inet.0"]);
        let ask = |destination: &str, exact, longer, protocol: &str| {
            let request = GetRouteInformationRequest {
                destination: destination.into(),
                exact,
                longer,
                protocol: protocol.into(),
                ..GetRouteInformationRequest::default()
            };
            let selected = select(&tables, &request);
            selected
                .iter()
                .flat_map(|t| t.routes.iter().map(|r| format!("{} {}", t.name, r.destination)))
                .collect::<Vec<_>>()
        };
        assert_eq!(ask("10.0.0.7", false, false, ""), ["inet.0 10.0.0.0/24"]);
        assert_eq!(ask("8.8.8.8", false, false, ""), ["inet.0 0.0.0.0/0"]);
        assert_eq!(
            ask("10.0.0.0/8", false, true, ""),
            ["inet.0 10.0.0.0/24", "inet.0 10.0.0.1/32", "red.inet.0 10.8.0.0/24", "red.inet.0 10.8.0.1/32"]
        );
        assert!(ask("10.0.0.0/16", true, false, "").is_empty());
        assert_eq!(
            ask("", false, false, "static"),
            ["inet.0 0.0.0.0/0", "inet.0 203.0.113.0/24", "red.inet.0 172.16.0.0/12"]
        );
        assert_eq!(tables[0].destination_count, 5);
        assert_eq!(router_id(&config, &Cabling::default()), "192.0.2.1");
    }

    #[test]
    fn the_far_end_of_a_link_answers_and_is_resolved_while_the_link_is_up() {
        use crate::proto::InterfaceAddress;
        let schema = Schema::shipped().unwrap();
        let (config, errors) = parse_text(
            &schema,
            "interfaces { ge-0/0/0 { unit 0 { family inet { address 10.0.12.1/30; } } } }\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let far = interfaces::FarEnd {
            port: "ge-0/0/1".into(),
            mac_address: "2c:6b:f5:4e:41:00".into(),
            addresses: vec![
                InterfaceAddress { family: "inet".into(), local: "10.0.12.2/30".into() },
                InterfaceAddress { family: "inet".into(), local: "10.9.9.9/32".into() },
            ],
            ..interfaces::FarEnd::default()
        };
        let cabling = |far: Option<interfaces::FarEnd>| Cabling {
            cables: vec![interfaces::Cable { port: "ge-0/0/0".into(), far }],
            ..Cabling::default()
        };
        let (linked, cut) = (cabling(Some(far)), cabling(None));
        let ping = |cabling: &Cabling, destination: &str| {
            let request = ProbeRequest { destination: destination.into(), ..ProbeRequest::default() };
            probe(&config, cabling, &request).unwrap()
        };
        assert!(ping(&linked, "10.0.12.2").reachable);
        assert!(!ping(&linked, "10.0.12.3").reachable, "nobody else on the link");
        assert!(ping(&cut, "10.0.12.2").no_route, "a link down takes its network with it");
        let arp = neighbors(&config, &linked).arp;
        let arp: Vec<(&str, &str, &str)> =
            arp.iter().map(|n| (n.address.as_str(), n.mac_address.as_str(), n.interface.as_str())).collect();
        assert_eq!(
            arp,
            [("10.0.12.2", "2c:6b:f5:4e:41:00", "ge-0/0/0.0")],
            "not the far end's other network"
        );
        assert!(neighbors(&config, &cut).arp.is_empty());
    }

    #[test]
    fn the_loopback_answers_with_nothing_configured() {
        let probe =
            |destination: &str| ProbeRequest { destination: destination.into(), ..ProbeRequest::default() };
        let config = Node::default();
        for destination in ["127.0.0.1", "::1"] {
            let reply = super::probe(&config, &Cabling::default(), &probe(destination)).unwrap();
            assert!(reply.reachable && !reply.no_route, "{destination}: {reply:?}");
        }
        assert!(!super::probe(&config, &Cabling::default(), &probe("192.0.2.9")).unwrap().reachable);
    }

    #[test]
    fn own_addresses_and_neighbours_answer_and_the_rest_is_silent() {
        let config = lab();
        let probe = |destination: &str, source: &str, instance: &str| {
            let request = ProbeRequest {
                destination: destination.into(),
                source: source.into(),
                routing_instance: instance.into(),
            };
            probe(&config, &Cabling::default(), &request)
        };
        let own = probe("192.0.2.1", "", "").unwrap();
        assert!(own.reachable && own.hops == ["192.0.2.1"]);
        let gateway = probe("10.0.0.254", "", "").unwrap();
        assert!(gateway.reachable && gateway.source == "10.0.0.1");
        let beyond = probe("8.8.8.8", "", "").unwrap();
        assert!(!beyond.reachable && beyond.hops == ["10.0.0.254"]);
        let stranger = probe("10.0.0.9", "", "").unwrap();
        assert!(!stranger.reachable && stranger.hops.is_empty());
        let elsewhere = probe("10.8.0.1", "", "").unwrap();
        assert!(
            !elsewhere.reachable && elsewhere.hops == ["10.0.0.254"],
            "red's address is not the default instance's"
        );
        assert!(probe("10.8.0.1", "", "red").unwrap().reachable);
        assert!(probe("10.8.0.2", "", "red").unwrap().reachable);
        assert_eq!(probe("10.0.0.254", "10.9.9.9", ""), Err(ProbeError::Source));
        assert_eq!(probe("10.0.0.254", "", "blue"), Err(ProbeError::Instance("blue".into())));
        let arp = neighbors(&config, &Cabling::default()).arp;
        let arp: Vec<(&str, &str)> = arp.iter().map(|n| (n.address.as_str(), n.interface.as_str())).collect();
        assert_eq!(arp, [("10.0.0.254", "xe-0/0/0.0"), ("10.8.0.2", "xe-0/0/1.0")]);
    }
}
