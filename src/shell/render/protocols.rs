//! The routing protocols' views: `show bgp summary|neighbor`,
//! `show ospf neighbor|interface`, `show isis adjacency`,
//! `show ldp neighbor`, `show rsvp session|interface` and
//! `show task replication`. Each is one reading of the agent's
//! [`ProtocolInformation`]; a protocol that is not configured says it is
//! not running and has an empty reply element.

use std::fmt::Write;

use super::columns::{Column, Columns};
use crate::proto::{BgpPeer, MastershipState, ProtocolInformation};
use crate::shell::view::{Element, View};

/// Which reading of the protocols a command shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolView {
    BgpSummary,
    /// One neighbour, or all.
    BgpNeighbor(Option<String>),
    OspfNeighbor,
    OspfInterface,
    IsisAdjacency,
    LdpNeighbor,
    RsvpSession,
    RsvpInterface,
    TaskReplication,
}

pub struct Protocols(pub ProtocolInformation, pub ProtocolView);

const BGP_HEADING: &str = "Peer                     AS      InPkt     OutPkt    OutQ   Flaps Last Up/Dwn State|#Active/Received/Accepted/Damped...";

/// BGP's `Last Up/Dwn`: `44:02`, `1:02:03`, `3d 4:05:06`, `9w2d 5:23:37`.
pub fn bgp_elapsed(seconds: u64) -> String {
    let (weeks, days) = (seconds / 604_800, seconds / 86_400 % 7);
    let (hours, minutes, secs) = (seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    match (weeks, days, hours) {
        (0, 0, 0) => format!("{minutes}:{secs:02}"),
        (0, 0, _) => format!("{hours}:{minutes:02}:{secs:02}"),
        (0, _, _) => format!("{days}d {hours}:{minutes:02}:{secs:02}"),
        _ => format!("{weeks}w{days}d {hours}:{minutes:02}:{secs:02}"),
    }
}

impl Protocols {
    /// Seconds the peers have been down: since the routing daemon started.
    fn down_for(&self) -> u64 {
        (chrono::Utc::now().timestamp() - self.0.since).max(0) as u64
    }

    /// What the command reads, or the line saying its protocol is not running.
    fn not_running(&self) -> Option<&'static str> {
        let info = &self.0;
        match self.1 {
            ProtocolView::BgpSummary | ProtocolView::BgpNeighbor(_) if !info.bgp => {
                Some("BGP is not running")
            }
            ProtocolView::OspfNeighbor | ProtocolView::OspfInterface if !info.ospf => {
                Some("OSPF instance is not running")
            }
            ProtocolView::IsisAdjacency if !info.isis => Some("IS-IS instance is not running"),
            ProtocolView::LdpNeighbor if !info.ldp => Some("LDP instance is not running"),
            ProtocolView::RsvpSession | ProtocolView::RsvpInterface if !info.rsvp => {
                Some("RSVP is not running")
            }
            _ => None,
        }
    }

    fn peers(&self) -> impl Iterator<Item = &BgpPeer> {
        let wanted = match &self.1 {
            ProtocolView::BgpNeighbor(address) => address.as_deref(),
            _ => None,
        };
        self.0.bgp_peers.iter().filter(move |p| wanted.is_none_or(|a| a == p.address))
    }

    fn bgp_summary_text(&self) -> String {
        let info = &self.0;
        let mut out = String::from("Threading mode: BGP I/O\n");
        let peers = info.bgp_peers.len();
        let _ = writeln!(out, "Groups: {} Peers: {peers} Down peers: {peers}", info.bgp_groups.len());
        let mut table = Columns::new(&[
            Column::left(16),
            Column::right(11),
            Column::right(11),
            Column::right(11),
            Column::right(8),
            Column::right(8),
            Column::right(11).after(1),
            Column::left(0).after(1),
        ]);
        let elapsed = bgp_elapsed(self.down_for());
        for p in &info.bgp_peers {
            table.row([p.address.as_str(), &p.peer_as.to_string(), "0", "0", "0", "0", &elapsed, &p.state]);
        }
        out.push_str(BGP_HEADING);
        out.push('\n');
        out.push_str(&table.render());
        out
    }

    fn bgp_summary_element(&self) -> Element {
        let info = &self.0;
        let peers = info.bgp_peers.len();
        let mut root = Element::reply_root("bgp-information", "junos-routing")
            .child(Element::leaf("group-count", info.bgp_groups.len()))
            .child(Element::leaf("peer-count", peers))
            .child(Element::leaf("down-peer-count", peers));
        let down_for = self.down_for();
        for (i, p) in info.bgp_peers.iter().enumerate() {
            let mut peer = Element::new("bgp-peer").attr("junos:style", "terse");
            if i == 0 {
                peer = peer.attr("heading", BGP_HEADING);
            }
            root.push(
                peer.child(Element::leaf("peer-address", &p.address))
                    .child(Element::leaf("peer-as", p.peer_as))
                    .child(Element::leaf("input-messages", 0))
                    .child(Element::leaf("output-messages", 0))
                    .child(Element::leaf("route-queue-count", 0))
                    .child(Element::leaf("flap-count", 0))
                    .child(
                        Element::leaf("elapsed-time", bgp_elapsed(down_for)).attr("junos:seconds", down_for),
                    )
                    .child(Element::leaf("peer-state", &p.state)),
            );
        }
        root
    }

    fn bgp_neighbor_text(&self) -> String {
        let info = &self.0;
        let mut out = String::new();
        for p in self.peers() {
            let local = if p.local_address.is_empty() { "unspecified" } else { &p.local_address };
            let last = if p.state == "Active" { "Connect" } else { "Active" };
            let _ = writeln!(out, "Peer: {} AS {} Local: {local} AS {}", p.address, p.peer_as, info.local_as);
            if !p.description.is_empty() {
                let _ = writeln!(out, "  Description: {}", p.description);
            }
            let _ = writeln!(out, "  Group: {:<24}Routing-Instance: master", p.group);
            let _ = writeln!(out, "  Forwarding routing-instance: master");
            let _ = writeln!(out, "  Type: {:<11}State: {:<14}Flags: <>", p.peer_type, p.state);
            let _ = writeln!(out, "  Last State: {last:<11}Last Event: ConnectRetry");
            let _ = writeln!(out, "  Last Error: None");
            let policies = |kind: &str, names: &[String]| {
                if names.is_empty() { String::new() } else { format!("{kind}: [ {} ] ", names.join(" ")) }
            };
            let both = policies("Export", &p.export_policies) + &policies("Import", &p.import_policies);
            if !both.is_empty() {
                let _ = writeln!(out, "  {}", both.trim_end());
            }
            let _ = writeln!(out, "  Options: <{}>", self.bgp_options(p).join(" "));
            let _ = writeln!(out, "  Holdtime: {} Preference: 170", p.holdtime);
            let _ = writeln!(out, "  Number of flaps: 0\n");
        }
        out
    }

    fn bgp_options(&self, p: &BgpPeer) -> Vec<&'static str> {
        let mut options = vec!["Preference"];
        if !p.local_address.is_empty() {
            options.push("LocalAddress");
        }
        if p.passive {
            options.push("Passive");
        }
        if p.peer_type == "External" {
            options.push("PeerAS");
        }
        options.push("Refresh");
        options
    }

    fn bgp_neighbor_element(&self) -> Element {
        let info = &self.0;
        let mut root = Element::reply_root("bgp-information", "junos-routing");
        for p in self.peers() {
            let local = if p.local_address.is_empty() { "unspecified" } else { &p.local_address };
            let last = if p.state == "Active" { "Connect" } else { "Active" };
            let mut peer = Element::new("bgp-peer")
                .attr("junos:style", "detail")
                .child(Element::leaf("peer-address", &p.address))
                .child(Element::leaf("peer-as", p.peer_as))
                .child(Element::leaf("local-address", local))
                .child(Element::leaf("local-as", info.local_as))
                .child(Element::leaf("peer-group", &p.group))
                .child(Element::leaf("peer-cfg-rti", "master"))
                .child(Element::leaf("peer-fwd-rti", "master"))
                .child(Element::leaf("peer-type", &p.peer_type))
                .child(Element::leaf("peer-state", &p.state))
                .child(Element::leaf("peer-flags", ""))
                .child(Element::leaf("last-state", last))
                .child(Element::leaf("last-event", "ConnectRetry"))
                .child(Element::leaf("last-error", "None"));
            if !p.description.is_empty() {
                peer.push(Element::leaf("description", &p.description));
            }
            let mut options = Element::new("bgp-option-information");
            if !p.export_policies.is_empty() {
                options.push(Element::leaf("export-policy", p.export_policies.join(" ")));
            }
            if !p.import_policies.is_empty() {
                options.push(Element::leaf("import-policy", p.import_policies.join(" ")));
            }
            options.push(Element::leaf("bgp-options", self.bgp_options(p).join(" ")));
            options.push(Element::leaf("bgp-options2", ""));
            options.push(Element::leaf("bgp-options-extended", ""));
            options.push(Element::leaf("holdtime", p.holdtime));
            options.push(Element::leaf("preference", 170));
            peer.push(options);
            peer.push(Element::leaf("flap-count", 0));
            peer.push(Element::leaf("local-id", self.0.router_id.as_str()));
            root.push(peer);
        }
        root
    }

    fn ospf_interface_text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(20),
            Column::left(8),
            Column::left(16),
            Column::left(16),
            Column::left(16),
            Column::right(4),
        ]);
        table.row(["Interface", "State", "Area", "DR ID", "BDR ID", "Nbrs"]);
        for i in &self.0.ospf_interfaces {
            table.row([i.name.as_str(), &i.state, &i.area, self.dr_id(&i.state), "0.0.0.0", "0"]);
        }
        table.render()
    }

    /// The designated router: this one where it elected itself.
    fn dr_id(&self, state: &str) -> &str {
        if state == "DR" { self.0.router_id.as_str() } else { "0.0.0.0" }
    }

    fn ospf_interface_element(&self) -> Element {
        let mut root = Element::reply_root("ospf-interface-information", "junos-routing");
        for i in &self.0.ospf_interfaces {
            root.push(
                Element::new("ospf-interface")
                    .child(Element::leaf("interface-name", &i.name))
                    .child(Element::leaf("ospf-interface-state", &i.state))
                    .child(Element::leaf("ospf-area", &i.area))
                    .child(Element::leaf("dr-id", self.dr_id(&i.state)))
                    .child(Element::leaf("bdr-id", "0.0.0.0"))
                    .child(Element::leaf("neighbor-count", 0)),
            );
        }
        root
    }

    fn rsvp_interface_text(&self) -> String {
        let interfaces = &self.0.rsvp_interfaces;
        let active = interfaces.iter().filter(|i| i.up).count();
        let mut out = format!("RSVP interface: {active} active\n");
        let mut table = Columns::new(&[
            Column::left(19),
            Column::left(6),
            Column::right(6),
            Column::right(8),
            Column::left(12).after(2),
            Column::left(12),
            Column::left(12),
            Column::left(0),
        ]);
        table.row(["", "", "Active", "Subscr-", "Static", "Available", "Reserved", "Highwater"]);
        table.row(["Interface", "State", "resv", "iption", "BW", "BW", "BW", "mark"]);
        for i in interfaces {
            let bw = bandwidth(i.bandwidth, &i.name);
            let state = if i.up { "Up" } else { "Down" };
            table.row([i.name.as_str(), state, "0", "100%", &bw, &bw, "0bps", "0bps"]);
        }
        out.push_str(&table.render());
        out
    }

    fn rsvp_interface_element(&self) -> Element {
        let interfaces = &self.0.rsvp_interfaces;
        let mut root = Element::reply_root("rsvp-interface-information", "junos-routing")
            .child(Element::leaf("active-count", interfaces.iter().filter(|i| i.up).count()));
        for i in interfaces {
            let bw = bandwidth(i.bandwidth, &i.name);
            root.push(
                Element::new("rsvp-interface")
                    .child(Element::leaf("interface-name", &i.name))
                    .child(Element::leaf("rsvp-status", if i.up { "Up" } else { "Down" }))
                    .child(Element::leaf("rsvp-resv-count", 0))
                    .child(Element::leaf("rsvp-subscription", 100))
                    .child(Element::leaf("rsvp-static-bandwidth", &bw))
                    .child(Element::leaf("rsvp-available-bandwidth", &bw))
                    .child(Element::leaf("rsvp-reserved-bandwidth", "0bps"))
                    .child(Element::leaf("rsvp-highwater-mark", "0bps")),
            );
        }
        root
    }

    fn replication_enabled(&self) -> bool {
        self.0.nonstop_routing && self.0.graceful_switchover
    }

    /// The protocols whose state is replicated, named as Junos lists them.
    fn replicated(&self) -> Vec<&'static str> {
        let info = &self.0;
        [(info.bgp, "BGP"), (info.isis, "IS-IS"), (info.ldp, "LDP"), (info.ospf, "OSPF"), (info.rsvp, "RSVP")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect()
    }

    fn re_mode(&self) -> &'static str {
        if self.0.state == MastershipState::Master as i32 { "Master" } else { "Backup" }
    }

    fn task_replication_text(&self) -> String {
        let enabled = self.replication_enabled();
        let mut out = format!(
            "        Stateful Replication: {}\n        RE mode: {}\n",
            if enabled { "Enabled" } else { "Disabled" },
            self.re_mode()
        );
        let protocols = self.replicated();
        if enabled && !protocols.is_empty() {
            out.push_str("\n    Protocol                Synchronization Status\n");
            for name in protocols {
                let _ = writeln!(out, "    {name:<24}Complete");
            }
        }
        out
    }

    fn task_replication_element(&self) -> Element {
        let enabled = self.replication_enabled();
        let mut root = Element::reply_root("task-replication-state", "junos-routing")
            .child(Element::leaf("task-gres-state", if enabled { "Enabled" } else { "Disabled" }))
            .child(Element::leaf("task-re-mode", self.re_mode()));
        if enabled {
            for name in self.replicated() {
                root.push(Element::leaf("task-protocol-replication-name", name));
                root.push(Element::leaf("task-protocol-replication-state", "Complete"));
            }
        }
        root
    }
}

/// RSVP's bandwidth: as configured, else the port's speed by its name.
fn bandwidth(configured: u64, interface: &str) -> String {
    let bps = if configured > 0 {
        configured
    } else {
        match interface.get(..2) {
            Some("et") => 100_000_000_000,
            Some("xe") => 10_000_000_000,
            _ => 1_000_000_000,
        }
    };
    for (scale, unit) in [(1_000_000_000, "Gbps"), (1_000_000, "Mbps"), (1_000, "Kbps")] {
        if bps >= scale && bps % scale == 0 {
            return format!("{}{unit}", bps / scale);
        }
    }
    format!("{bps}bps")
}

/// The column headings of a table that has no rows here.
const OSPF_NEIGHBOR_HEADING: &str =
    "Address          Interface              State     ID               Pri  Dead\n";
const ISIS_ADJACENCY_HEADING: &str = "Interface             System         L State        Hold (secs) SNPA\n";
const LDP_NEIGHBOR_HEADING: &str = "Address            Interface          Label space ID         Hold time\n";

fn rsvp_sessions_text() -> String {
    ["Ingress", "Egress", "Transit"]
        .iter()
        .map(|kind| format!("{kind} RSVP: 0 sessions\nTotal 0 displayed, Up 0, Down 0\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rsvp_sessions_element() -> Element {
    let mut root = Element::reply_root("rsvp-session-information", "junos-routing");
    for kind in ["Ingress", "Egress", "Transit"] {
        root.push(
            Element::new("rsvp-session-data")
                .child(Element::leaf("session-type", kind))
                .child(Element::leaf("count", 0))
                .child(Element::leaf("display-count", 0))
                .child(Element::leaf("up-count", 0))
                .child(Element::leaf("down-count", 0)),
        );
    }
    root
}

impl View for Protocols {
    fn text(&self) -> String {
        if let Some(line) = self.not_running() {
            return format!("{line}\n");
        }
        match &self.1 {
            ProtocolView::BgpSummary => self.bgp_summary_text(),
            ProtocolView::BgpNeighbor(_) => self.bgp_neighbor_text(),
            ProtocolView::OspfNeighbor => OSPF_NEIGHBOR_HEADING.into(),
            ProtocolView::OspfInterface => self.ospf_interface_text(),
            ProtocolView::IsisAdjacency => ISIS_ADJACENCY_HEADING.into(),
            ProtocolView::LdpNeighbor => LDP_NEIGHBOR_HEADING.into(),
            ProtocolView::RsvpSession => rsvp_sessions_text(),
            ProtocolView::RsvpInterface => self.rsvp_interface_text(),
            ProtocolView::TaskReplication => self.task_replication_text(),
        }
    }

    fn element(&self) -> Element {
        let running = self.not_running().is_none();
        let empty = |name: &str| Element::reply_root(name, "junos-routing");
        match &self.1 {
            ProtocolView::BgpSummary if running => self.bgp_summary_element(),
            ProtocolView::BgpNeighbor(_) if running => self.bgp_neighbor_element(),
            ProtocolView::BgpSummary | ProtocolView::BgpNeighbor(_) => empty("bgp-information"),
            ProtocolView::OspfNeighbor => empty("ospf-neighbor-information"),
            ProtocolView::OspfInterface if running => self.ospf_interface_element(),
            ProtocolView::OspfInterface => empty("ospf-interface-information"),
            ProtocolView::IsisAdjacency => empty("isis-adjacency-information"),
            ProtocolView::LdpNeighbor => empty("ldp-neighbor-information"),
            ProtocolView::RsvpSession if running => rsvp_sessions_element(),
            ProtocolView::RsvpSession => empty("rsvp-session-information"),
            ProtocolView::RsvpInterface if running => self.rsvp_interface_element(),
            ProtocolView::RsvpInterface => empty("rsvp-interface-information"),
            ProtocolView::TaskReplication => self.task_replication_element(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{BgpGroup, OspfInterface, RsvpInterface};

    fn lab() -> ProtocolInformation {
        ProtocolInformation {
            local_as: 64500,
            router_id: "192.0.2.1".into(),
            since: chrono::Utc::now().timestamp() - 3723,
            bgp: true,
            ospf: true,
            rsvp: true,
            bgp_groups: vec![BgpGroup { name: "ext".into(), r#type: "external".into() }],
            bgp_peers: vec![BgpPeer {
                address: "10.0.0.2".into(),
                peer_as: 64501,
                group: "ext".into(),
                peer_type: "External".into(),
                state: "Connect".into(),
                import_policies: vec!["in".into()],
                holdtime: 90,
                ..BgpPeer::default()
            }],
            ospf_interfaces: vec![OspfInterface {
                name: "xe-0/0/0.0".into(),
                area: "0.0.0.0".into(),
                state: "DR".into(),
                passive: false,
            }],
            rsvp_interfaces: vec![RsvpInterface { name: "xe-0/0/0.0".into(), up: true, bandwidth: 0 }],
            nonstop_routing: true,
            graceful_switchover: true,
            state: MastershipState::Master as i32,
            ..ProtocolInformation::default()
        }
    }

    fn child_names(e: &Element) -> Vec<&str> {
        e.children.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn bgp_summary_has_the_layout_ntc_templates_parse() {
        let text = Protocols(lab(), ProtocolView::BgpSummary).text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Threading mode: BGP I/O");
        assert_eq!(lines[1], "Groups: 1 Peers: 1 Down peers: 1");
        assert_eq!(lines[2], BGP_HEADING);
        // The columns line up under the heading.
        assert!(
            lines[3].starts_with("10.0.0.2              64501          0          0       0       0"),
            "{text}"
        );
        assert!(lines[3].ends_with(" Connect"), "{text}");
        // Down since the routing daemon started, an hour and two minutes ago.
        assert!(lines[3].contains("       0     1:02:0"), "{text}");
        let e = Protocols(lab(), ProtocolView::BgpSummary).element();
        assert_eq!(e.name, "bgp-information");
        assert_eq!(child_names(&e), ["group-count", "peer-count", "down-peer-count", "bgp-peer"]);
        assert_eq!(
            child_names(&e.children[3]),
            [
                "peer-address",
                "peer-as",
                "input-messages",
                "output-messages",
                "route-queue-count",
                "flap-count",
                "elapsed-time",
                "peer-state"
            ]
        );
    }

    #[test]
    fn bgp_elapsed_reads_as_junos_prints_it() {
        assert_eq!(bgp_elapsed(44 * 60 + 2), "44:02");
        assert_eq!(bgp_elapsed(3723), "1:02:03");
        assert_eq!(bgp_elapsed(3 * 86_400 + 4 * 3600 + 5 * 60 + 6), "3d 4:05:06");
        assert_eq!(bgp_elapsed(65 * 86_400 + 5 * 3600 + 23 * 60 + 37), "9w2d 5:23:37");
    }

    #[test]
    fn bgp_neighbor_carries_what_napalm_reads() {
        let view = Protocols(lab(), ProtocolView::BgpNeighbor(Some("10.0.0.2".into())));
        let text = view.text();
        assert!(text.starts_with("Peer: 10.0.0.2 AS 64501 Local: unspecified AS 64500\n"), "{text}");
        assert!(text.contains("  Type: External   State: Connect       Flags: <>\n"), "{text}");
        assert!(text.contains("  Import: [ in ]\n"), "{text}");
        let peer = &view.element().children[0];
        for name in
            ["peer-address", "peer-as", "local-as", "peer-state", "bgp-option-information", "local-id"]
        {
            assert!(child_names(peer).contains(&name), "{name}");
        }
        let none = Protocols(lab(), ProtocolView::BgpNeighbor(Some("10.9.9.9".into())));
        assert_eq!(none.text(), "");
        assert!(none.element().children.is_empty());
    }

    #[test]
    fn ospf_interfaces_and_empty_tables() {
        assert_eq!(
            Protocols(lab(), ProtocolView::OspfInterface).text(),
            "Interface           State   Area            DR ID           BDR ID          Nbrs\n\
             xe-0/0/0.0          DR      0.0.0.0         192.0.2.1       0.0.0.0            0\n"
        );
        let e = Protocols(lab(), ProtocolView::OspfInterface).element();
        assert_eq!(
            child_names(&e.children[0]),
            ["interface-name", "ospf-interface-state", "ospf-area", "dr-id", "bdr-id", "neighbor-count"]
        );
        assert_eq!(Protocols(lab(), ProtocolView::OspfNeighbor).text(), OSPF_NEIGHBOR_HEADING);
        assert_eq!(Protocols(lab(), ProtocolView::IsisAdjacency).text(), "IS-IS instance is not running\n");
        assert_eq!(
            Protocols(lab(), ProtocolView::IsisAdjacency).element().name,
            "isis-adjacency-information"
        );
        assert!(Protocols(lab(), ProtocolView::RsvpSession).text().starts_with("Ingress RSVP: 0 sessions\n"));
    }

    #[test]
    fn rsvp_interface_shows_the_ports_bandwidth() {
        let text = Protocols(lab(), ProtocolView::RsvpInterface).text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "RSVP interface: 1 active");
        assert_eq!(
            lines[1],
            "                         Active Subscr-  Static      Available   Reserved    Highwater"
        );
        assert_eq!(
            lines[2],
            "Interface          State   resv  iption  BW          BW          BW          mark"
        );
        assert_eq!(
            lines[3],
            "xe-0/0/0.0         Up         0    100%  10Gbps      10Gbps      0bps        0bps"
        );
    }

    #[test]
    fn task_replication_follows_nonstop_routing() {
        assert_eq!(
            Protocols(lab(), ProtocolView::TaskReplication).text(),
            "        Stateful Replication: Enabled\n        RE mode: Master\n\n\
             \x20   Protocol                Synchronization Status\n\
             \x20   BGP                     Complete\n    OSPF                    Complete\n    RSVP                    Complete\n"
        );
        let off =
            ProtocolInformation { nonstop_routing: false, state: MastershipState::Backup as i32, ..lab() };
        let view = Protocols(off, ProtocolView::TaskReplication);
        assert_eq!(view.text(), "        Stateful Replication: Disabled\n        RE mode: Backup\n");
        assert_eq!(child_names(&view.element()), ["task-gres-state", "task-re-mode"]);
    }
}
