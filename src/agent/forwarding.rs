//! The forwarding plane a master runs, modelled: its FPCs, the interfaces and
//! addresses the configuration gives them, and the routes installed from
//! those addresses and from static routes. A new master starts it afresh:
//! the FPCs come online from zero and the routes are installed a moment
//! later, as Junos warns a switchover without graceful switchover does.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::tree::Node;
use crate::proto::{Fpc, InterfaceAddress, LogicalInterface, PhysicalInterface, Route, RouteTable};

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

/// The configured interfaces, with their units and addresses. A disabled
/// interface or unit is down.
pub fn interfaces(effective: &Node) -> Vec<PhysicalInterface> {
    let Some(configured) = effective.descend(["interfaces"]) else { return Vec::new() };
    configured
        .children
        .iter()
        .filter(|(name, _)| !name.starts_with("apply-groups"))
        .map(|(name, node)| {
            let up = !node.children.contains_key("disable");
            let units = node.descend(["unit"]).map(|u| &u.children).into_iter().flatten();
            PhysicalInterface {
                name: name.clone(),
                admin_up: up,
                link_up: up,
                units: units
                    .map(|(number, unit)| {
                        let unit_up = up && !unit.children.contains_key("disable");
                        let mut addresses = Vec::new();
                        for family in ["inet", "inet6"] {
                            let Some(list) = unit.descend(["family", family, "address"]) else { continue };
                            addresses.extend(
                                list.children
                                    .keys()
                                    .map(|a| InterfaceAddress { family: family.into(), local: a.clone() }),
                            );
                        }
                        LogicalInterface {
                            name: format!("{name}.{number}"),
                            admin_up: unit_up,
                            link_up: unit_up,
                            addresses,
                        }
                    })
                    .collect(),
            }
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

/// The routes `effective` gives: direct and local routes for the addresses
/// of interfaces that are up, and the static routes whose next hop is on one
/// of them (or that discard or reject).
pub fn routes(effective: &Node) -> Vec<RouteTable> {
    let mut tables: BTreeMap<&str, BTreeMap<Prefix, Route>> = BTreeMap::new();
    let mut connected = Vec::new();
    for unit in interfaces(effective).iter().flat_map(|i| &i.units).filter(|u| u.link_up) {
        for address in &unit.addresses {
            let Some(prefix) = Prefix::parse(&address.local) else { continue };
            connected.push((prefix, unit.name.clone()));
            let route = |protocol: &str| Route {
                protocol: protocol.into(),
                via: unit.name.clone(),
                ..Route::default()
            };
            let table = tables.entry(prefix.table()).or_default();
            table.insert(prefix.network(), route("Direct"));
            table.insert(prefix.host(), Route { preference: 0, ..route("Local") });
        }
    }
    if let Some(statics) = effective.descend(["routing-options", "static", "route"]) {
        for (destination, node) in &statics.children {
            let Some(prefix) = Prefix::parse(destination) else { continue };
            let action = ["discard", "reject"].into_iter().find(|a| node.children.contains_key(*a));
            let hop = node.descend(["next-hop"]).and_then(|n| {
                n.values.iter().find_map(|hop| {
                    let address: IpAddr = hop.parse().ok()?;
                    let (_, via) = connected.iter().find(|(p, _)| p.contains(address))?;
                    Some((hop.clone(), via.clone()))
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
            tables.entry(prefix.table()).or_default().entry(prefix.network()).or_insert(route);
        }
    }
    tables
        .into_iter()
        .map(|(name, routes)| RouteTable {
            name: name.into(),
            routes: routes.into_iter().map(|(p, r)| Route { destination: p.to_string(), ..r }).collect(),
        })
        .collect()
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
        let tables = routes(&config);
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
        let down = interfaces(&config).into_iter().find(|i| i.name == "xe-0/0/1").unwrap();
        assert!(!down.admin_up && !down.units[0].link_up);
    }
}
