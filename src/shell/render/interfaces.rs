//! `show interfaces` in each of its styles, and `show lacp interfaces`.

use std::fmt::Write;

use super::columns::{Column, Columns};
use super::junos_time;
use crate::proto::{InterfaceAddress, InterfaceInformation, LogicalInterface, PhysicalInterface, Traffic};
use crate::shell::view::{Element, View};

/// How much `show interfaces` says: the option given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Terse,
    Brief,
    Normal,
    Detail,
    Extensive,
    Descriptions,
    Statistics,
    Media,
}

impl Style {
    /// The option among `has` names, or the normal style.
    pub fn from_options(has: impl Fn(&str) -> bool) -> Style {
        [
            ("terse", Style::Terse),
            ("brief", Style::Brief),
            ("detail", Style::Detail),
            ("extensive", Style::Extensive),
            ("descriptions", Style::Descriptions),
            ("statistics", Style::Statistics),
            ("media", Style::Media),
        ]
        .into_iter()
        .find(|(name, _)| has(name))
        .map_or(Style::Normal, |(_, style)| style)
    }

    /// The `junos:style` of the reply.
    fn name(self) -> &'static str {
        match self {
            Style::Terse => "terse",
            Style::Brief => "brief",
            Style::Detail => "detail",
            Style::Extensive => "extensive",
            Style::Descriptions => "descriptions",
            Style::Normal | Style::Statistics | Style::Media => "normal",
        }
    }

    fn counters(self) -> bool {
        matches!(self, Style::Detail | Style::Extensive | Style::Statistics)
    }
}

/// `show interfaces [NAME] [STYLE]`; `logical` when NAME names a unit, which
/// is shown alone.
pub struct Interfaces {
    pub info: InterfaceInformation,
    pub style: Style,
    pub logical: bool,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn status(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

fn mtu(physical: &PhysicalInterface) -> String {
    if physical.mtu == 0 { "Unlimited".into() } else { physical.mtu.to_string() }
}

/// The MTU a family has on a unit: the interface's, less the Ethernet header.
fn family_mtu(physical: &PhysicalInterface) -> String {
    if physical.mtu == 0 { "Unlimited".into() } else { (physical.mtu - 14).to_string() }
}

/// `10.0.0.1/24` as the network, local address and broadcast Junos lists.
fn address_parts(address: &InterfaceAddress) -> (String, String, Option<String>) {
    let (local, length) = address.local.split_once('/').unwrap_or((&address.local, ""));
    match (local.parse::<std::net::Ipv4Addr>(), length.parse::<u32>()) {
        (Ok(ip), Ok(length)) if length < 32 => {
            let mask = u32::MAX.checked_shl(32 - length).unwrap_or(0);
            let network = std::net::Ipv4Addr::from(u32::from(ip) & mask);
            let broadcast = std::net::Ipv4Addr::from(u32::from(ip) | !mask);
            (format!("{network}/{length}"), local.into(), Some(broadcast.to_string()))
        }
        _ if address.family == "inet6" => {
            let network = address.local.clone();
            (network, local.into(), None)
        }
        _ => (String::new(), local.into(), None),
    }
}

/// `2024-05-01 10:00:07 UTC (00:10:00 ago)`.
fn flapped(since: i64) -> String {
    let s = (now() - since).max(0);
    let ago = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    let ago = if s >= 86_400 {
        format!("{}w{}d {:02}:{:02}", s / 604_800, s / 86_400 % 7, s / 3600 % 24, s / 60 % 60)
    } else {
        ago
    };
    format!("{} ({ago} ago)", junos_time(since))
}

fn traffic(t: &Option<Traffic>) -> Traffic {
    t.unwrap_or_default()
}

impl Interfaces {
    fn terse(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(24),
            Column::left(6),
            Column::left(5),
            Column::left(9),
            Column::left(22),
            Column::left(0),
        ]);
        table.row(["Interface", "Admin", "Link", "Proto", "Local", "Remote"]);
        for physical in &self.info.interfaces {
            if !self.logical {
                table.row([physical.name.as_str(), status(physical.admin_up), status(physical.link_up)]);
            }
            for unit in &physical.units {
                let mut row = [unit.name.as_str(), status(unit.admin_up), status(unit.link_up)];
                if unit.addresses.is_empty() {
                    table.row(row);
                }
                let mut family = "";
                for address in &unit.addresses {
                    let proto = if address.family == family { "" } else { address.family.as_str() };
                    family = &address.family;
                    table.row(row.into_iter().chain([proto, address.local.as_str()]));
                    row = ["", "", ""];
                }
            }
        }
        table.render()
    }

    fn descriptions(&self) -> String {
        let mut table = Columns::new(&[Column::left(16), Column::left(6), Column::left(5), Column::left(0)]);
        table.row(["Interface", "Admin", "Link", "Description"]);
        for physical in &self.info.interfaces {
            if !physical.description.is_empty() {
                let row = [
                    &physical.name,
                    status(physical.admin_up),
                    status(physical.link_up),
                    &physical.description,
                ];
                table.row(row);
            }
            for unit in physical.units.iter().filter(|u| !u.description.is_empty()) {
                table.row([&unit.name, status(unit.admin_up), status(unit.link_up), &unit.description]);
            }
        }
        table.render()
    }

    fn physical_text(&self, out: &mut String, p: &PhysicalInterface) {
        let admin = if p.admin_up { "Enabled" } else { "Administratively down" };
        let link = if p.link_up { "Up" } else { "Down" };
        let _ = writeln!(out, "Physical interface: {}, {admin}, Physical link is {link}", p.name);
        if self.style != Style::Brief {
            let _ = writeln!(out, "  Interface index: {}, SNMP ifIndex: {}", p.local_index, p.snmp_index);
        }
        if !p.description.is_empty() {
            let _ = writeln!(out, "  Description: {}", p.description);
        }
        let ethernet = p.link_level_type != "Unspecified";
        let speed = if ethernet { format!(", Speed: {}", p.speed) } else { String::new() };
        let _ = writeln!(
            out,
            "  Link-level type: {}, MTU: {}{speed}, Loopback: Disabled, Source filtering: Disabled",
            p.link_level_type,
            mtu(p)
        );
        let device = if p.link_up { "Present Running" } else { "Present Running Down" };
        let _ = writeln!(out, "  Device flags   : {device}");
        let _ =
            writeln!(out, "  Interface flags: {}", if p.admin_up { "SNMP-Traps" } else { "Down SNMP-Traps" });
        if self.style == Style::Brief {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  Link flags     : None");
            if p.media {
                let _ = writeln!(out, "  CoS queues     : 8 supported, 8 maximum usable queues");
            }
            if !p.mac_address.is_empty() {
                let _ = writeln!(out, "  Current address: {0}, Hardware address: {0}", p.mac_address);
            }
            let _ = writeln!(out, "  Last flapped   : {}", flapped(p.flapped));
            if self.style.counters() {
                let _ = writeln!(out, "  Statistics last cleared: Never");
            }
            let t = traffic(&p.traffic);
            if self.style.counters() {
                traffic_text(out, &t, "  ");
                let _ = writeln!(out, "  Input errors:");
                let _ = writeln!(
                    out,
                    "    Errors: 0, Drops: 0, Framing errors: 0, Runts: 0, Policed discards: 0, L3 incompletes: 0, \
                     L2 channel errors: 0, L2 mismatch timeouts: 0, FIFO errors: 0, Resource errors: 0"
                );
                let _ = writeln!(out, "  Output errors:");
                let _ = writeln!(
                    out,
                    "    Carrier transitions: 1, Errors: 0, Drops: 0, Collisions: 0, Aged packets: 0, FIFO errors: 0, \
                     HS link CRC errors: 0, MTU errors: 0, Resource errors: 0"
                );
            } else {
                let _ = writeln!(out, "  Input rate     : {} bps ({} pps)", t.input_bps, t.input_pps);
                let _ = writeln!(out, "  Output rate    : {} bps ({} pps)", t.output_bps, t.output_pps);
            }
            if p.media && matches!(self.style, Style::Extensive | Style::Media) {
                mac_statistics_text(out, &t);
            }
            if p.media {
                let _ = writeln!(out, "  Active alarms  : {}", if p.link_up { "None" } else { "LINK" });
                let _ = writeln!(out, "  Active defects : {}", if p.link_up { "None" } else { "LINK" });
            }
            out.push('\n');
        }
        for unit in &p.units {
            self.logical_text(out, p, unit);
        }
    }

    fn logical_text(&self, out: &mut String, p: &PhysicalInterface, u: &LogicalInterface) {
        if self.style == Style::Brief {
            let _ = writeln!(out, "  Logical interface {}", u.name);
        } else {
            let _ = writeln!(
                out,
                "  Logical interface {} (Index {}) (SNMP ifIndex {})",
                u.name, u.local_index, u.snmp_index
            );
        }
        if !u.description.is_empty() {
            let _ = writeln!(out, "    Description: {}", u.description);
        }
        let flags = if u.link_up { "Up" } else { "Down" };
        let encapsulation = if p.link_level_type == "Unspecified" { "Unspecified" } else { "ENET2" };
        let _ = writeln!(out, "    Flags: {flags} SNMP-Traps 0x4004000 Encapsulation: {encapsulation}");
        let t = traffic(&u.traffic);
        if self.style == Style::Brief {
            for a in &u.addresses {
                let _ = writeln!(out, "    {:<6}{}", a.family, a.local);
            }
            out.push('\n');
            return;
        }
        if self.style.counters() {
            traffic_text(out, &t, "    ");
        } else {
            let _ = writeln!(out, "    Input packets : {}", t.input_packets);
            let _ = writeln!(out, "    Output packets: {}", t.output_packets);
        }
        let mut families: Vec<&str> = u.addresses.iter().map(|a| a.family.as_str()).collect();
        families.dedup();
        for family in families {
            let _ = writeln!(out, "    Protocol {family}, MTU: {}", family_mtu(p));
            let _ = writeln!(out, "      Flags: Sendbcast-pkt-to-re");
            for a in u.addresses.iter().filter(|a| a.family == family) {
                let (destination, local, broadcast) = address_parts(a);
                let _ = writeln!(out, "      Addresses, Flags: Is-Preferred Is-Primary");
                let mut line = String::new();
                if !destination.is_empty() {
                    let _ = write!(line, "Destination: {destination}, ");
                }
                let _ = write!(line, "Local: {local}");
                if let Some(b) = broadcast {
                    let _ = write!(line, ", Broadcast: {b}");
                }
                let _ = writeln!(out, "        {line}");
            }
        }
        out.push('\n');
    }

    fn physical_element(&self, p: &PhysicalInterface) -> Element {
        let mut e = Element::new("physical-interface")
            .child(Element::leaf("name", &p.name))
            .child(
                Element::leaf("admin-status", status(p.admin_up))
                    .attr("junos:format", if p.admin_up { "Enabled" } else { "Disabled" }),
            )
            .child(Element::leaf("oper-status", status(p.link_up)));
        if self.style == Style::Terse {
            for unit in &p.units {
                e.push(self.logical_element(p, unit));
            }
            return e;
        }
        if !p.description.is_empty() {
            e.push(Element::leaf("description", &p.description));
        }
        if self.style == Style::Descriptions {
            return e;
        }
        e.push(Element::leaf("local-index", p.local_index));
        e.push(Element::leaf("snmp-index", p.snmp_index));
        e.push(Element::leaf("link-level-type", &p.link_level_type));
        e.push(Element::leaf("mtu", mtu(p)));
        if p.link_level_type != "Unspecified" {
            e.push(Element::leaf("speed", &p.speed));
        }
        if p.media {
            e.push(Element::leaf("duplex", "full-duplex"));
            e.push(Element::leaf("link-mode", "Full-duplex"));
            e.push(Element::leaf("if-media-type", "Fiber"));
        }
        e.push(Element::leaf("loopback", "disabled"));
        e.push(Element::leaf("if-flow-control", "enabled"));
        let mut device = Element::new("if-device-flags")
            .child(Element::new("ifdf-present"))
            .child(Element::new("ifdf-running"));
        if !p.link_up {
            device.push(Element::new("ifdf-down"));
        }
        e.push(device);
        let mut config = Element::new("if-config-flags").child(Element::new("iff-snmp-traps"));
        if !p.admin_up {
            config.push(Element::new("iff-down"));
        }
        e.push(config);
        if !p.mac_address.is_empty() {
            e.push(Element::leaf("current-physical-address", &p.mac_address));
            e.push(Element::leaf("hardware-physical-address", &p.mac_address));
        }
        e.push(
            Element::leaf("interface-flapped", flapped(p.flapped))
                .attr("junos:seconds", (now() - p.flapped).max(0)),
        );
        let t = traffic(&p.traffic);
        e.push(traffic_element("traffic-statistics", &t, self.style != Style::Normal));
        if self.style.counters() || self.style == Style::Media {
            e.push(Element::leaf("statistics-cleared", "Never"));
            e.push(error_lists().0);
            e.push(error_lists().1);
        }
        if p.media && matches!(self.style, Style::Extensive | Style::Media) {
            e.push(mac_statistics_element(&t));
        }
        for unit in &p.units {
            e.push(self.logical_element(p, unit));
        }
        e
    }

    fn logical_element(&self, p: &PhysicalInterface, u: &LogicalInterface) -> Element {
        let mut e = Element::new("logical-interface").child(Element::leaf("name", &u.name));
        if self.style == Style::Terse {
            e.push(Element::leaf("admin-status", status(u.admin_up)));
            e.push(Element::leaf("oper-status", status(u.link_up)));
            e.push(Element::new("filter-information"));
        } else {
            if !u.description.is_empty() {
                e.push(Element::leaf("description", &u.description));
            }
            if self.style == Style::Descriptions {
                e.push(Element::leaf("admin-status", status(u.admin_up)));
                e.push(Element::leaf("oper-status", status(u.link_up)));
                return e;
            }
            e.push(Element::leaf("local-index", u.local_index));
            e.push(Element::leaf("snmp-index", u.snmp_index));
            let mut flags = Element::new("if-config-flags").child(Element::new(if u.link_up {
                "iff-up"
            } else {
                "iff-down"
            }));
            flags.push(Element::new("iff-snmp-traps"));
            e.push(flags);
            e.push(Element::leaf(
                "encapsulation",
                if p.link_level_type == "Unspecified" { "Unspecified" } else { "ENET2" },
            ));
            e.push(traffic_element("traffic-statistics", &traffic(&u.traffic), self.style != Style::Normal));
            e.push(Element::new("filter-information"));
        }
        let mut families: Vec<&str> = u.addresses.iter().map(|a| a.family.as_str()).collect();
        families.dedup();
        for family in families {
            let mut f = Element::new("address-family").child(Element::leaf("address-family-name", family));
            if self.style != Style::Terse {
                f.push(Element::leaf("mtu", family_mtu(p)));
            }
            for a in u.addresses.iter().filter(|a| a.family == family) {
                let mut address = Element::new("interface-address");
                if self.style == Style::Terse {
                    address.push(Element::leaf("ifa-local", &a.local).attr("junos:emit", "emit"));
                } else {
                    let (destination, local, broadcast) = address_parts(a);
                    address.push(
                        Element::new("ifa-flags")
                            .child(Element::new("ifaf-is-preferred"))
                            .child(Element::new("ifaf-is-primary")),
                    );
                    if !destination.is_empty() {
                        address.push(Element::leaf("ifa-destination", destination));
                    }
                    address.push(Element::leaf("ifa-local", local));
                    if let Some(b) = broadcast {
                        address.push(Element::leaf("ifa-broadcast", b));
                    }
                }
                f.push(address);
            }
            e.push(f);
        }
        e
    }
}

fn traffic_text(out: &mut String, t: &Traffic, indent: &str) {
    let _ = writeln!(out, "{indent}Traffic statistics:");
    let _ = writeln!(out, "{indent} Input  bytes  : {:>20} {:>20} bps", t.input_bytes, t.input_bps);
    let _ = writeln!(out, "{indent} Output bytes  : {:>20} {:>20} bps", t.output_bytes, t.output_bps);
    let _ = writeln!(out, "{indent} Input  packets: {:>20} {:>20} pps", t.input_packets, t.input_pps);
    let _ = writeln!(out, "{indent} Output packets: {:>20} {:>20} pps", t.output_packets, t.output_pps);
}

/// Of the packets, a tenth multicast (protocol hellos), the rest unicast.
fn casts(packets: u64) -> (u64, u64) {
    (packets - packets / 10, packets / 10)
}

fn mac_statistics_text(out: &mut String, t: &Traffic) {
    let (in_uni, in_multi) = casts(t.input_packets);
    let (out_uni, out_multi) = casts(t.output_packets);
    let _ = writeln!(out, "  MAC statistics:                      Receive         Transmit");
    for (label, rx, tx) in [
        ("Total octets", t.input_bytes, t.output_bytes),
        ("Total packets", t.input_packets, t.output_packets),
        ("Unicast packets", in_uni, out_uni),
        ("Broadcast packets", 0, 0),
        ("Multicast packets", in_multi, out_multi),
        ("CRC/Align errors", 0, 0),
        ("FIFO errors", 0, 0),
        ("MAC control frames", 0, 0),
        ("MAC pause frames", 0, 0),
    ] {
        let _ = writeln!(out, "    {label:<20}{rx:>20}{tx:>17}");
    }
}

fn traffic_element(name: &str, t: &Traffic, counters: bool) -> Element {
    let mut e = Element::new(name).attr("junos:style", if counters { "verbose" } else { "brief" });
    if counters {
        e.push(Element::leaf("input-bytes", t.input_bytes));
    }
    e.push(Element::leaf("input-bps", t.input_bps));
    if counters {
        e.push(Element::leaf("output-bytes", t.output_bytes));
    }
    e.push(Element::leaf("output-bps", t.output_bps));
    e.push(Element::leaf("input-packets", t.input_packets));
    e.push(Element::leaf("input-pps", t.input_pps));
    e.push(Element::leaf("output-packets", t.output_packets));
    e.push(Element::leaf("output-pps", t.output_pps));
    e
}

fn error_lists() -> (Element, Element) {
    let zeros = |name: &str, leaves: &[&str]| {
        leaves.iter().fold(Element::new(name), |e, leaf| {
            e.child(Element::leaf(leaf, if *leaf == "carrier-transitions" { 1 } else { 0 }))
        })
    };
    (
        zeros(
            "input-error-list",
            &[
                "input-errors",
                "input-drops",
                "framing-errors",
                "input-runts",
                "input-discards",
                "input-l3-incompletes",
                "input-l2-channel-errors",
                "input-l2-mismatch-timeouts",
                "input-fifo-errors",
                "input-resource-errors",
            ],
        ),
        zeros(
            "output-error-list",
            &[
                "carrier-transitions",
                "output-errors",
                "output-collisions",
                "output-drops",
                "aged-packets",
                "mtu-errors",
                "hs-link-crc-errors",
                "output-fifo-errors",
                "output-resource-errors",
            ],
        ),
    )
}

fn mac_statistics_element(t: &Traffic) -> Element {
    let (in_uni, in_multi) = casts(t.input_packets);
    let (out_uni, out_multi) = casts(t.output_packets);
    [
        ("input-bytes", t.input_bytes),
        ("output-bytes", t.output_bytes),
        ("input-packets", t.input_packets),
        ("output-packets", t.output_packets),
        ("input-unicasts", in_uni),
        ("output-unicasts", out_uni),
        ("input-broadcasts", 0),
        ("output-broadcasts", 0),
        ("input-multicasts", in_multi),
        ("output-multicasts", out_multi),
        ("input-crc-errors", 0),
        ("output-crc-errors", 0),
        ("input-fifo-errors", 0),
        ("output-fifo-errors", 0),
        ("input-mac-control-frames", 0),
        ("output-mac-control-frames", 0),
        ("input-mac-pause-frames", 0),
        ("output-mac-pause-frames", 0),
        ("input-oversized-frames", 0),
        ("input-jabber-frames", 0),
        ("input-fragment-frames", 0),
        ("input-code-violations", 0),
    ]
    .into_iter()
    .fold(Element::new("ethernet-mac-statistics").attr("junos:style", "verbose"), |e, (name, n)| {
        e.child(Element::leaf(name, n))
    })
}

impl View for Interfaces {
    fn text(&self) -> String {
        match self.style {
            Style::Terse => return self.terse(),
            Style::Descriptions => return self.descriptions(),
            _ => {}
        }
        let mut out = String::new();
        for p in &self.info.interfaces {
            if self.logical {
                for u in &p.units {
                    self.logical_text(&mut out, p, u);
                }
            } else {
                self.physical_text(&mut out, p);
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("interface-information", "junos-interface")
            .attr("junos:style", self.style.name());
        for p in &self.info.interfaces {
            if self.logical {
                for u in &p.units {
                    root.push(self.logical_element(p, u));
                }
            } else if self.style != Style::Descriptions
                || !p.description.is_empty()
                || p.units.iter().any(|u| !u.description.is_empty())
            {
                let mut e = self.physical_element(p);
                if self.style == Style::Descriptions {
                    e.children.retain(|c| c.name != "logical-interface");
                    for u in p.units.iter().filter(|u| !u.description.is_empty()) {
                        e.push(self.logical_element(p, u));
                    }
                }
                root.push(e);
            }
        }
        root
    }
}

/// `show lacp interfaces`: each aggregated interface with LACP, its members
/// as actor and partner. No partner ever answers on an unlinked chassis.
pub struct Lacp(pub InterfaceInformation);

impl View for Lacp {
    fn text(&self) -> String {
        let mut out = String::new();
        for ae in self.0.interfaces.iter().filter(|i| !i.lacp.is_empty()) {
            let members: Vec<&PhysicalInterface> =
                self.0.interfaces.iter().filter(|i| i.bundle == ae.name).collect();
            let _ = writeln!(out, "Aggregated interface: {}", ae.name);
            let mut state = Columns::new(&[
                Column::left(12).after(6),
                Column::right(7),
                Column::right(6),
                Column::right(6),
                Column::right(6),
                Column::right(5),
                Column::right(5),
                Column::right(6),
                Column::right(9),
                Column::right(10),
            ]);
            state.row([
                "LACP state:",
                "Role",
                "Exp",
                "Def",
                "Dist",
                "Col",
                "Syn",
                "Aggr",
                "Timeout",
                "Activity",
            ]);
            let activity = if ae.lacp == "passive" { "Passive" } else { "Active" };
            for m in &members {
                let name = format!("  {}", m.name);
                state.row([name.as_str(), "Actor", "No", "Yes", "No", "No", "No", "Yes", "Fast", activity]);
                state.row([
                    name.as_str(),
                    "Partner",
                    "No",
                    "Yes",
                    "No",
                    "No",
                    "No",
                    "Yes",
                    "Fast",
                    "Passive",
                ]);
            }
            out.push_str(&state.render().replace("      LACP state:", "    LACP state:"));
            let mut protocol = Columns::new(&[
                Column::left(22).after(4),
                Column::right(13),
                Column::right(16),
                Column::right(19),
            ]);
            protocol.row(["LACP protocol:", "Receive State", "Transmit State", "Mux State"]);
            for m in &members {
                let name = format!("  {}", m.name);
                protocol.row([name.as_str(), "Defaulted", "Fast periodic", "Detached"]);
            }
            out.push_str(&protocol.render());
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("lacp-interface-information-list", "junos-lacpd");
        for ae in self.0.interfaces.iter().filter(|i| !i.lacp.is_empty()) {
            let mut info = Element::new("lacp-interface-information")
                .child(Element::new("lag-lacp-header").child(Element::leaf("aggregate-name", &ae.name)));
            let activity = if ae.lacp == "passive" { "Passive" } else { "Active" };
            for m in self.0.interfaces.iter().filter(|i| i.bundle == ae.name) {
                for (role, act) in [("Actor", activity), ("Partner", "Passive")] {
                    info.push(
                        Element::new("lag-lacp-state")
                            .child(Element::leaf("name", &m.name))
                            .child(Element::leaf("lacp-role", role))
                            .child(Element::leaf("lacp-expired", "No"))
                            .child(Element::leaf("lacp-defaulted", "Yes"))
                            .child(Element::leaf("lacp-distributing", "No"))
                            .child(Element::leaf("lacp-collecting", "No"))
                            .child(Element::leaf("lacp-synchronization", "No"))
                            .child(Element::leaf("lacp-aggregation", "Yes"))
                            .child(Element::leaf("lacp-timeout", "Fast"))
                            .child(Element::leaf("lacp-activity", act)),
                    );
                }
            }
            for m in self.0.interfaces.iter().filter(|i| i.bundle == ae.name) {
                info.push(
                    Element::new("lag-lacp-protocol")
                        .child(Element::leaf("name", &m.name))
                        .child(Element::leaf("lacp-receive-state", "Defaulted"))
                        .child(Element::leaf("lacp-transmit-state", "Fast periodic"))
                        .child(Element::leaf("lacp-mux-state", "Detached")),
                );
            }
            root.push(info);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, up: bool, description: &str) -> PhysicalInterface {
        PhysicalInterface {
            name: name.into(),
            admin_up: up,
            link_up: up,
            description: description.into(),
            local_index: 148,
            snmp_index: 510,
            link_level_type: "Ethernet".into(),
            mtu: 1514,
            speed: "10Gbps".into(),
            mac_address: "2c:6b:f5:4e:3c:00".into(),
            media: true,
            flapped: now() - 60,
            traffic: Some(Traffic {
                input_packets: 30,
                input_bytes: 2760,
                input_pps: 3,
                input_bps: 2208,
                ..Traffic::default()
            }),
            units: vec![LogicalInterface {
                name: format!("{name}.0"),
                admin_up: up,
                link_up: up,
                local_index: 330,
                snmp_index: 530,
                addresses: vec![InterfaceAddress { family: "inet".into(), local: "10.0.0.1/24".into() }],
                ..LogicalInterface::default()
            }],
            ..PhysicalInterface::default()
        }
    }

    fn view(style: Style) -> Interfaces {
        let info = InterfaceInformation {
            interfaces: vec![port("xe-0/0/0", true, "uplink"), port("xe-0/0/1", false, "")],
        };
        Interfaces { info, style, logical: false }
    }

    #[test]
    fn terse_lines_put_each_address_in_the_local_column() {
        assert_eq!(
            view(Style::Terse).text(),
            "Interface               Admin Link Proto    Local                 Remote\n\
             xe-0/0/0                up    up\n\
             xe-0/0/0.0              up    up   inet     10.0.0.1/24\n\
             xe-0/0/1                down  down\n\
             xe-0/0/1.0              down  down inet     10.0.0.1/24\n"
        );
    }

    #[test]
    fn the_normal_style_is_what_the_show_interfaces_template_reads() {
        let text = view(Style::Normal).text();
        assert!(text.starts_with(
            "Physical interface: xe-0/0/0, Enabled, Physical link is Up\n  Interface index: 148, SNMP ifIndex: 510\n  Description: uplink\n  Link-level type: Ethernet, MTU: 1514, Speed: 10Gbps,"
        ), "{text}");
        assert!(text.contains("\n  Logical interface xe-0/0/0.0 (Index 330) (SNMP ifIndex 530)\n    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2\n    Input packets : 0\n"), "{text}");
        assert!(text.contains("        Destination: 10.0.0.0/24, Local: 10.0.0.1, Broadcast: 10.0.0.255\n"));
        assert!(
            text.contains("Physical interface: xe-0/0/1, Administratively down, Physical link is Down\n")
        );
        // Every line the template does not capture starts with a word it knows.
        let known = [
            "Physical interface",
            "Interface index",
            "Description",
            "Link-level type",
            "Device flags",
            "Interface flags",
            "Link flags",
            "CoS queues",
            "Current address",
            "Last flapped",
            "Input rate",
            "Output rate",
            "Active alarms",
            "Active defects",
            "Logical interface",
            "Flags",
            "Input packets",
            "Output packets",
            "Protocol",
            "Address",
            "Destination",
        ];
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            assert!(known.iter().any(|k| line.trim_start().starts_with(k)), "{line}");
        }
    }

    #[test]
    fn elements_carry_the_names_clients_read() {
        let names = |e: &Element| e.children.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let extensive = view(Style::Extensive).element();
        assert_eq!(extensive.attributes[1], ("junos:style".into(), "extensive".into()));
        let physical = names(&extensive.children[0]);
        for name in [
            "name",
            "admin-status",
            "oper-status",
            "description",
            "local-index",
            "snmp-index",
            "link-level-type",
            "mtu",
            "speed",
            "link-mode",
            "if-device-flags",
            "current-physical-address",
            "interface-flapped",
            "traffic-statistics",
            "input-error-list",
            "output-error-list",
            "ethernet-mac-statistics",
            "logical-interface",
        ] {
            assert!(physical.contains(&name.to_string()), "{name} in {physical:?}");
        }
        let terse = view(Style::Terse).element();
        let logical = &terse.children[0].children[3];
        assert_eq!(
            names(logical),
            ["name", "admin-status", "oper-status", "filter-information", "address-family"]
        );
        let ifa = &logical.children[4].children[1].children[0];
        assert_eq!((ifa.name.as_str(), ifa.text.as_deref()), ("ifa-local", Some("10.0.0.1/24")));
        let down = view(Style::Normal).element();
        let unit = down.children[1].children.iter().find(|c| c.name == "logical-interface").unwrap();
        let flags = unit.children.iter().find(|c| c.name == "if-config-flags").unwrap();
        assert_eq!(flags.children[0].name, "iff-down", "NAPALM reads a disabled unit from iff-down");
    }

    #[test]
    fn descriptions_list_only_what_has_one() {
        assert_eq!(
            view(Style::Descriptions).text(),
            "Interface       Admin Link Description\nxe-0/0/0        up    up   uplink\n"
        );
    }
}
