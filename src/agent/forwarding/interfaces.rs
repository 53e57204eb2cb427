//! The interfaces of the modelled router: every port of its line cards,
//! the loopback, each Routing Engine's management port, and the aggregated
//! and IRB interfaces the configuration creates, each with the description,
//! MTU, units and addresses configured for it. A port cabled to another
//! chassis of a lab (`ge-0/0/0` and the like too, though no line card has
//! it) is up while the far end is there and neither end is disabled; the
//! other ports are up unless disabled. Counters grow from when the
//! interface came up.

use crate::config::tree::Node;
use crate::proto::{InterfaceAddress, LogicalInterface, PhysicalInterface, Traffic};

use super::FPC_SLOTS;

/// Each FPC's PICs, and each PIC's ports: an `MPC 3D 16x 10GE`.
pub const PICS: u32 = 4;
pub const PORTS: u32 = 4;

/// The line-card ports, `xe-FPC/PIC/PORT`, in Junos's order.
pub fn ports() -> impl Iterator<Item = String> {
    FPC_SLOTS.into_iter().flat_map(|fpc| {
        (0..PICS).flat_map(move |pic| (0..PORTS).map(move |port| format!("xe-{fpc}/{pic}/{port}")))
    })
}

/// Where an interface lives: on the line cards (the master's), or on the
/// Routing Engine itself (each RE has its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    LineCard,
    RoutingEngine,
}

/// Which RE-local interfaces there are: the loopback and the management port.
pub fn home(name: &str) -> Home {
    let device = name.split('.').next().unwrap_or(name);
    if device == "lo0" || device == "fxp0" { Home::RoutingEngine } else { Home::LineCard }
}

/// The first hardware address of a chassis alone; each chassis of a lab
/// has a block of its own, `MAC_BLOCK_SIZE` apart.
pub const MAC_BLOCK: u32 = 0x4e_3c00;
pub const MAC_BLOCK_SIZE: u32 = 0x400;

/// Where in its chassis's block an address is: the line-card ports from
/// 0, the ports only a lab's links name from `LINKED_PORTS`.
const LINKED_PORTS: u32 = 0x100;
const CHASSIS: u32 = 0x3e0;

fn mac(n: u32) -> String {
    format!("2c:6b:f5:{:02x}:{:02x}:{:02x}", n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff)
}

/// The chassis's own hardware address, which LLDP sends as its chassis ID.
pub fn chassis_mac(block: u32) -> String {
    mac(block + CHASSIS)
}

/// How the chassis's ports are cabled to other chassis of a lab, as seen
/// now. A chassis alone has no cables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cabling {
    /// The start of the chassis's hardware addresses.
    pub mac_block: u32,
    pub cables: Vec<Cable>,
}

impl Default for Cabling {
    fn default() -> Cabling {
        Cabling { mac_block: MAC_BLOCK, cables: Vec::new() }
    }
}

impl Cabling {
    /// The far end of the cable on `port`, if it is there to be seen.
    pub fn far(&self, port: &str) -> Option<&FarEnd> {
        self.cables.iter().find(|c| c.port == port)?.far.as_ref()
    }
}

/// One cabled port of this chassis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cable {
    pub port: String,
    /// The far end: `None` while its chassis has no master RE or the link is cut.
    pub far: Option<FarEnd>,
}

/// The port at the far end of a cable, as its chassis's master configures it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FarEnd {
    pub port: String,
    pub disabled: bool,
    pub mac_address: String,
    /// The addresses of its units that are not disabled (`10.0.0.2/30`).
    pub addresses: Vec<InterfaceAddress>,
    /// Whether it sends LLDP, and what it says: the far chassis's name and ID.
    pub lldp: bool,
    pub system_name: String,
    pub chassis_id: String,
}

/// What a port nobody's line card has is, going by its name.
fn speed_of(name: &str) -> &'static str {
    match name.split('-').next() {
        Some("ge") => "1000mbps",
        Some("et") => "100Gbps",
        _ => "10Gbps",
    }
}

/// The interfaces `effective` gives this RE (`fxp0_mac` is its management
/// port's address), cabled as `cabling` says: the ports, then the others
/// in name order.
pub fn interfaces(effective: &Node, fxp0_mac: &str, cabling: &Cabling) -> Vec<PhysicalInterface> {
    let configured = effective.descend(["interfaces"]);
    let config = |name: &str| configured.and_then(|c| c.child(name));
    let block = cabling.mac_block;
    let mut out: Vec<PhysicalInterface> = Vec::new();
    for (i, name) in ports().enumerate() {
        let i = i as u32;
        let hardware = PhysicalInterface {
            local_index: 148 + i,
            snmp_index: 510 + i,
            link_level_type: "Ethernet".into(),
            mtu: 1514,
            speed: "10Gbps".into(),
            mac_address: mac(block + i),
            media: true,
            ..PhysicalInterface::default()
        };
        out.push(configure(&name, hardware, config(&name)));
    }
    let mut linked: Vec<&str> = cabling.cables.iter().map(|c| c.port.as_str()).collect();
    linked.retain(|name| !out.iter().any(|i| i.name == *name));
    linked.sort_unstable();
    for (k, name) in (0..).zip(linked) {
        let hardware = PhysicalInterface {
            local_index: 200 + k,
            snmp_index: 560 + k,
            link_level_type: "Ethernet".into(),
            mtu: 1514,
            speed: speed_of(name).into(),
            mac_address: mac(block + LINKED_PORTS + k),
            media: true,
            ..PhysicalInterface::default()
        };
        out.push(configure(name, hardware, config(name)));
    }
    let mut others: Vec<&str> = vec!["fxp0", "lo0"];
    if let Some(configured) = configured {
        others.extend(
            configured.children.keys().map(|k| k.as_str()).filter(|n| n.starts_with("ae") || *n == "irb"),
        );
    }
    others.sort_unstable();
    others.dedup();
    for name in others {
        let base = PhysicalInterface::default();
        let hardware = match name {
            "fxp0" => PhysicalInterface {
                local_index: 1,
                snmp_index: 1,
                link_level_type: "Ethernet".into(),
                mtu: 1514,
                speed: "1000mbps".into(),
                mac_address: fxp0_mac.into(),
                ..base
            },
            "lo0" => PhysicalInterface {
                local_index: 6,
                snmp_index: 16,
                link_level_type: "Unspecified".into(),
                mtu: 0,
                speed: "Unspecified".into(),
                ..base
            },
            "irb" => PhysicalInterface {
                local_index: 135,
                snmp_index: 502,
                link_level_type: "Ethernet".into(),
                mtu: 1514,
                speed: "1000mbps".into(),
                mac_address: mac(block + 0x3f0),
                ..base
            },
            ae => {
                let number: u32 = ae[2..].parse().unwrap_or(0);
                PhysicalInterface {
                    local_index: 128 + number,
                    snmp_index: 600 + number,
                    link_level_type: "Flexible-Ethernet".into(),
                    mtu: 1514,
                    speed: "Unspecified".into(),
                    mac_address: mac(block + 0x3c0 + number),
                    ..base
                }
            }
        };
        out.push(configure(name, hardware, config(name)));
    }
    out.retain(|i| !i.name.starts_with("ae") || i.name[2..].parse::<u32>().is_ok());
    for cable in &cabling.cables {
        let Some(port) = out.iter_mut().find(|i| i.name == cable.port) else { continue };
        port.link_up = port.admin_up && cable.far.as_ref().is_some_and(|far| !far.disabled);
        let link = port.link_up;
        port.units.iter_mut().for_each(|u| u.link_up = u.admin_up && link);
    }
    bundle(&mut out, configured);
    for (index, unit) in (330..).zip(out.iter_mut().flat_map(|i| &mut i.units)) {
        unit.local_index = index;
        unit.snmp_index = index + 200;
    }
    out
}

/// `hardware` as configured: its state, description, MTU and units.
fn configure(name: &str, hardware: PhysicalInterface, node: Option<&Node>) -> PhysicalInterface {
    let leaf = |node: &Node, key: &str| node.child(key).and_then(|n| n.values.first().map(|v| v.to_string()));
    let up = node.is_none_or(|n| !n.children.contains_key("disable"));
    let units = node.and_then(|n| n.child("unit")).map(|u| &u.children).into_iter().flatten();
    let units = units
        .map(|(number, unit)| {
            let unit_up = up && !unit.children.contains_key("disable");
            let mut addresses = Vec::new();
            for family in ["inet", "inet6"] {
                let Some(list) = unit.descend(["family", family, "address"]) else { continue };
                addresses.extend(
                    list.children
                        .keys()
                        .map(|a| InterfaceAddress { family: family.into(), local: a.to_string() }),
                );
            }
            LogicalInterface {
                name: format!("{name}.{number}"),
                admin_up: unit_up,
                link_up: unit_up,
                addresses,
                description: leaf(unit, "description").unwrap_or_default(),
                ..LogicalInterface::default()
            }
        })
        .collect();
    PhysicalInterface {
        name: name.into(),
        admin_up: up,
        link_up: up,
        units,
        description: node.and_then(|n| leaf(n, "description")).unwrap_or_default(),
        mtu: node.and_then(|n| leaf(n, "mtu")).and_then(|m| m.parse().ok()).unwrap_or(hardware.mtu),
        ..hardware
    }
}

/// Joins ports to their aggregated interfaces: an `ae` is as fast as its
/// members together, and up while one is; with LACP it waits for a partner,
/// which an unlinked chassis never has.
fn bundle(interfaces: &mut [PhysicalInterface], configured: Option<&Node>) {
    let Some(configured) = configured else { return };
    for port in interfaces.iter_mut().filter(|i| i.media) {
        let Some(node) = configured.child(&port.name) else { continue };
        port.bundle = ["gigether-options", "ether-options"]
            .into_iter()
            .find_map(|options| node.descend([options, "802.3ad", "bundle"]))
            .and_then(|b| b.values.first().map(|v| v.to_string()))
            .unwrap_or_default();
    }
    let members: Vec<(String, bool)> =
        interfaces.iter().filter(|i| !i.bundle.is_empty()).map(|i| (i.bundle.clone(), i.link_up)).collect();
    for ae in interfaces.iter_mut().filter(|i| i.name.starts_with("ae")) {
        let lacp = configured.child(&ae.name).and_then(|n| n.descend(["aggregated-ether-options", "lacp"]));
        ae.lacp = lacp
            .map(|l| if l.children.contains_key("passive") { "passive" } else { "active" })
            .unwrap_or_default()
            .into();
        let up: Vec<bool> = members.iter().filter(|(b, _)| *b == ae.name).map(|(_, up)| *up).collect();
        let count = up.iter().filter(|u| **u).count();
        if count > 0 {
            ae.speed = format!("{}Gbps", 10 * count);
        }
        ae.link_up = ae.admin_up && count > 0 && ae.lacp.is_empty();
        let link = ae.link_up;
        ae.units.iter_mut().for_each(|u| u.link_up = u.admin_up && link);
    }
}

/// Whether `name` matches `pattern`, a shell-style pattern: `*`, `?` and
/// `[...]` classes with ranges.
pub fn matches(pattern: &str, name: &str) -> bool {
    fn class(pattern: &[char], c: char) -> Option<(bool, usize)> {
        let end = pattern.iter().position(|&p| p == ']')?;
        let set = &pattern[1..end];
        let mut hit = false;
        let mut i = 0;
        while i < set.len() {
            if i + 2 < set.len() && set[i + 1] == '-' {
                hit |= set[i] <= c && c <= set[i + 2];
                i += 3;
            } else {
                hit |= set[i] == c;
                i += 1;
            }
        }
        Some((hit, end + 1))
    }
    fn walk(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|skip| walk(&p[1..], &n[skip..])),
            Some('?') => !n.is_empty() && walk(&p[1..], &n[1..]),
            Some('[') if !n.is_empty() => match class(p, n[0]) {
                Some((hit, used)) => hit && walk(&p[used..], &n[1..]),
                None => n[0] == '[' && walk(&p[1..], &n[1..]),
            },
            Some(&c) => n.first() == Some(&c) && walk(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    walk(&p, &n)
}

/// The interfaces `pattern` names: physical ones whose names match it, or
/// the one logical interface it names exactly.
pub fn select(interfaces: &[PhysicalInterface], pattern: &str) -> Vec<PhysicalInterface> {
    if pattern.is_empty() {
        return interfaces.to_vec();
    }
    if let Some(physical) = interfaces.iter().find(|i| i.units.iter().any(|u| u.name == pattern)) {
        let units = physical.units.iter().filter(|u| u.name == pattern).cloned().collect();
        return vec![PhysicalInterface { units, ..physical.clone() }];
    }
    interfaces.iter().filter(|i| matches(pattern, &i.name)).cloned().collect()
}

/// The traffic an interface up for `seconds` has carried: a steady trickle
/// (routing-protocol and management chatter), a little more on some ports
/// than others, so that counters move and differ.
pub fn traffic(index: u32, seconds: i64) -> Traffic {
    let seconds = seconds.max(0) as u64;
    let (in_pps, out_pps) = (3 + u64::from(index % 5), 2 + u64::from(index % 3));
    let (in_size, out_size) = (92, 110);
    Traffic {
        input_packets: in_pps * seconds,
        input_bytes: in_pps * seconds * in_size,
        output_packets: out_pps * seconds,
        output_bytes: out_pps * seconds * out_size,
        input_pps: in_pps,
        input_bps: in_pps * in_size * 8,
        output_pps: out_pps,
        output_bps: out_pps * out_size * 8,
    }
}

/// Sets the counters of `interface`, up since `since`, as at `now`: a link
/// that is down carries nothing, and its units share what it carries.
pub fn count(interface: &mut PhysicalInterface, since: i64, now: i64) {
    interface.flapped = since;
    if !interface.link_up {
        return;
    }
    let total = traffic(interface.snmp_index, now - since);
    let units = interface.units.iter().filter(|u| u.link_up).count().max(1) as u64;
    for unit in interface.units.iter_mut().filter(|u| u.link_up) {
        unit.traffic = Some(Traffic {
            input_packets: total.input_packets / units,
            input_bytes: total.input_bytes / units,
            output_packets: total.output_packets / units,
            output_bytes: total.output_bytes / units,
            input_pps: total.input_pps / units,
            input_bps: total.input_bps / units,
            output_pps: total.output_pps / units,
            output_bps: total.output_bps / units,
        });
    }
    interface.traffic = Some(total);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::parse_text;
    use crate::config::schema::Schema;

    fn config(text: &str) -> Node {
        let schema = Schema::shipped().unwrap();
        let (config, errors) = parse_text(&schema, text);
        assert!(errors.is_empty(), "{errors:?}");
        config
    }

    #[test]
    fn every_port_of_the_line_cards_is_there_with_the_configured_ones() {
        let config = config(
            "interfaces { xe-0/0/1 { description uplink; mtu 9192; disable; gigether-options { 802.3ad ae0; } }\n\
             xe-1/3/3 { gigether-options { 802.3ad ae0; } }\n\
             ae0 { aggregated-ether-options { lacp { active; } } unit 0 { family inet { address 10.1.0.1/30; } } }\n\
             ae1 { unit 0; } ge-9/0/0 { unit 0; } lo0 { unit 0 { family inet { address 192.0.2.1/32; } } } }\n",
        );
        let all = interfaces(&config, "00:a0:a5:00:00:00", &Cabling::default());
        let names: Vec<&str> = all.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names.len(), 32 + 4);
        assert_eq!(&names[..2], ["xe-0/0/0", "xe-0/0/1"]);
        assert_eq!(&names[32..], ["ae0", "ae1", "fxp0", "lo0"], "no ge-9/0/0: no such hardware");
        let port = &all[1];
        assert_eq!((port.admin_up, port.link_up, port.mtu), (false, false, 9192));
        assert_eq!((port.description.as_str(), port.bundle.as_str()), ("uplink", "ae0"));
        let ae0 = &all[32];
        assert_eq!((ae0.lacp.as_str(), ae0.speed.as_str(), ae0.link_up), ("active", "10Gbps", false));
        assert!(!all[33].link_up, "an ae without members is down");
        assert_eq!(all[35].units[0].addresses[0].local, "192.0.2.1/32");
    }

    #[test]
    fn a_cabled_port_is_there_and_up_while_the_far_end_is_and_neither_is_disabled() {
        let config = config("interfaces { ge-0/0/0 { unit 0; } xe-0/0/1 { disable; } }\n");
        let far = |disabled| Some(FarEnd { disabled, ..FarEnd::default() });
        let cabling = |a, b, c| Cabling {
            mac_block: MAC_BLOCK + MAC_BLOCK_SIZE,
            cables: vec![
                Cable { port: "ge-0/0/0".into(), far: a },
                Cable { port: "xe-0/0/0".into(), far: b },
                Cable { port: "xe-0/0/1".into(), far: c },
            ],
        };
        let links = |cabling: &Cabling| {
            let all = interfaces(&config, "", cabling);
            let link = |name: &str| all.iter().find(|i| i.name == name).map(|i| (i.link_up, i.speed.clone()));
            (link("ge-0/0/0"), link("xe-0/0/0"), link("xe-0/0/1"), all[0].mac_address.clone())
        };
        let (ge, xe0, xe1, mac) = links(&cabling(far(false), far(false), far(false)));
        assert_eq!(ge, Some((true, "1000mbps".into())));
        assert_eq!((xe0.unwrap().0, xe1.unwrap().0), (true, false), "xe-0/0/1 is disabled here");
        assert_eq!(mac, "2c:6b:f5:4e:40:00", "a second node's addresses");
        let (ge, xe0, _, _) = links(&cabling(None, far(true), None));
        assert_eq!((ge.unwrap().0, xe0.unwrap().0), (false, false), "far end gone, or disabled there");
        assert_eq!(links(&Cabling::default()).0, None, "no such hardware without a link");
        let ge =
            interfaces(&config, "", &cabling(None, None, None)).into_iter().find(|i| i.name == "ge-0/0/0");
        assert!(!ge.unwrap().units[0].link_up, "its units go down with it");
    }

    #[test]
    fn patterns_match_as_junos_globs_do() {
        assert!(matches("[efgx][et]-*", "xe-0/0/0"));
        assert!(matches("[vmfgxe][mlet]*", "em0") && !matches("[vmfgxe][mlet]*", "fxp0"));
        assert!(!matches("[efgx][et]-*", "lo0"));
        assert!(matches("xe-?/0/0", "xe-1/0/0"));
        assert!(matches("xe-0/0/[0-2]", "xe-0/0/2") && !matches("xe-0/0/[0-2]", "xe-0/0/3"));
    }

    #[test]
    fn counters_only_grow() {
        let before = traffic(510, 100);
        let after = traffic(510, 101);
        assert!(after.input_bytes > before.input_bytes && after.output_packets > before.output_packets);
        assert_eq!(traffic(510, 0).input_bytes, 0);
    }
}
