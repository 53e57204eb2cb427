//! The forwarding plane's neighbours and probes: `show arp`,
//! `show ipv6 neighbors`, `show lldp neighbors`, `ping` and `traceroute`.

use std::fmt::Write;

use super::columns::{Column, Columns};
use crate::proto::{LldpNeighbor, Neighbor, ProbeReply};
use crate::shell::view::{Element, View};

/// `show arp [no-resolve] [expiration-time]`. Names are not looked up:
/// with resolution the name column shows the address.
pub struct Arp {
    pub entries: Vec<Neighbor>,
    pub resolve: bool,
    pub expiration: bool,
}

impl View for Arp {
    fn text(&self) -> String {
        let mut columns = vec![Column::left(18), Column::left(16)];
        let mut header = vec!["MAC Address", "Address"];
        if self.resolve {
            columns.push(Column::left(26));
            header.push("Name");
        }
        columns.push(Column::left(25));
        header.push("Interface");
        if self.expiration {
            columns.push(Column::left(6));
            header.push("TTE");
        }
        columns.push(Column::left(0));
        header.push("Flags");
        let mut table = Columns::new(&columns);
        table.row(header);
        for n in &self.entries {
            let mut row = vec![n.mac_address.clone(), n.address.clone()];
            if self.resolve {
                row.push(n.address.clone());
            }
            row.push(n.interface.clone());
            if self.expiration {
                row.push(n.expires.to_string());
            }
            row.push("none".into());
            table.row(row);
        }
        format!("{}Total entries: {}\n", table.render(), self.entries.len())
    }

    fn element(&self) -> Element {
        let mut root =
            Element::reply_root("arp-table-information", "junos-arp").attr("junos:style", "normal");
        for n in &self.entries {
            let mut e = Element::new("arp-table-entry")
                .child(Element::leaf("mac-address", &n.mac_address))
                .child(Element::leaf("ip-address", &n.address))
                .child(Element::leaf("hostname", &n.address))
                .child(Element::leaf("interface-name", &n.interface));
            if self.expiration {
                e.push(Element::leaf("time-to-expire", n.expires));
            }
            e.push(Element::new("arp-table-entry-flags").child(Element::new("none")));
            root.push(e);
        }
        root.push(Element::leaf("arp-entry-count", self.entries.len()));
        root
    }
}

/// `show ipv6 neighbors`.
pub struct Ndp(pub Vec<Neighbor>);

impl View for Ndp {
    fn text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(40),
            Column::left(19),
            Column::left(12),
            Column::left(6),
            Column::left(5),
            Column::left(8),
            Column::left(0),
        ]);
        table.row(["IPv6 Address", "Linklayer Address", "State", "Exp", "Rtr", "Secure", "Interface"]);
        for n in &self.0 {
            let router = if n.router { "yes" } else { "no" };
            table.row([
                &n.address,
                &n.mac_address,
                "reachable",
                &(n.expires % 40).to_string(),
                router,
                "no",
                &n.interface,
            ]);
        }
        format!("{}Total entries: {}\n", table.render(), self.0.len())
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("ipv6-nd-information", "junos-ipv6-nd");
        for n in &self.0 {
            root.push(
                Element::new("ipv6-nd-entry")
                    .child(Element::leaf("ipv6-nd-neighbor-address", &n.address))
                    .child(Element::leaf("ipv6-nd-neighbor-l2-address", &n.mac_address))
                    .child(Element::leaf("ipv6-nd-state", "reachable"))
                    .child(Element::leaf("ipv6-nd-expire", n.expires % 40))
                    .child(Element::leaf("ipv6-nd-isrouter", if n.router { "yes" } else { "no" }))
                    .child(Element::leaf("ipv6-nd-issecure", "no"))
                    .child(Element::leaf("ipv6-nd-interface-name", &n.interface)),
            );
        }
        root.push(Element::leaf("ipv6-nd-total", self.0.len()));
        root
    }
}

/// `show lldp neighbors`: what LLDP hears on the ports cabled to other
/// chassis of a lab; a chassis alone hears nobody and Junos then prints
/// the header alone.
pub struct Lldp(pub Vec<LldpNeighbor>);

impl View for Lldp {
    fn text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(19),
            Column::left(20),
            Column::left(20),
            Column::left(19),
            Column::left(0),
        ]);
        table.row(["Local Interface", "Parent Interface", "Chassis Id", "Port info", "System Name"]);
        for n in &self.0 {
            table.row([&n.local_interface, "-", &n.chassis_id, &n.port_id, &n.system_name]);
        }
        table.render()
    }

    fn element(&self) -> Element {
        let mut root =
            Element::reply_root("lldp-neighbors-information", "junos-lldp").attr("junos:style", "brief");
        for n in &self.0 {
            root.push(
                Element::new("lldp-neighbor-information")
                    .child(Element::leaf("lldp-local-port-id", &n.local_interface))
                    .child(Element::leaf("lldp-local-parent-interface-name", "-"))
                    .child(Element::leaf("lldp-remote-chassis-id-subtype", "Mac address"))
                    .child(Element::leaf("lldp-remote-chassis-id", &n.chassis_id))
                    .child(Element::leaf("lldp-remote-port-id-subtype", "Interface name"))
                    .child(Element::leaf("lldp-remote-port-id", &n.port_id))
                    .child(Element::leaf("lldp-remote-system-name", &n.system_name)),
            );
        }
        root
    }
}

/// The round trip of probe `seq`, in microseconds: steady, a little apart.
fn rtt(seq: u32) -> u64 {
    412 + u64::from(seq * 37 % 200)
}

fn ms(microseconds: u64) -> String {
    format!("{}.{:03}", microseconds / 1000, microseconds % 1000)
}

/// `ping HOST [count N] [rapid] [source S] [routing-instance R]`.
pub struct Ping {
    pub host: String,
    pub count: u32,
    pub rapid: bool,
    pub reply: ProbeReply,
}

impl Ping {
    fn times(&self) -> Vec<u64> {
        if self.reply.reachable { (0..self.count).map(rtt).collect() } else { Vec::new() }
    }
}

impl View for Ping {
    fn text(&self) -> String {
        let mut out = format!("PING {0} ({0}): 56 data bytes\n", self.host);
        let times = self.times();
        for seq in 0..self.count {
            match (self.rapid, self.reply.reachable, self.reply.no_route) {
                (_, _, true) => out.push_str("ping: sendto: No route to host\n"),
                (true, true, _) => out.push('!'),
                (true, false, _) => out.push('.'),
                (false, true, _) => {
                    let _ = writeln!(
                        out,
                        "64 bytes from {}: icmp_seq={seq} ttl=64 time={} ms",
                        self.host,
                        ms(rtt(seq))
                    );
                }
                (false, false, _) => {
                    let _ = writeln!(out, "Request timeout for icmp_seq {seq}");
                }
            }
        }
        // After the rapid marks, the end of their line; else a blank line.
        out.push('\n');
        let received = times.len() as u32;
        let loss = (self.count - received) * 100 / self.count.max(1);
        let _ = writeln!(out, "--- {} ping statistics ---", self.host);
        let _ = writeln!(
            out,
            "{} packets transmitted, {received} packets received, {loss}% packet loss",
            self.count
        );
        if let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) {
            let avg = times.iter().sum::<u64>() / times.len() as u64;
            let variance = times.iter().map(|t| (t.abs_diff(avg)).pow(2)).sum::<u64>() / times.len() as u64;
            let stddev = (variance as f64).sqrt() as u64;
            let _ = writeln!(
                out,
                "round-trip min/avg/stddev/max = {}/{}/{}/{} ms",
                ms(*min),
                ms(avg),
                ms(stddev),
                ms(*max)
            );
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::new("ping-results")
            .attr("xmlns", format!("http://xml.juniper.net/junos/{}/junos-probe-tests", crate::JUNOS_VERSION))
            .child(Element::leaf("target-host", &self.host))
            .child(Element::leaf("target-ip", &self.host))
            .child(Element::leaf("packet-size", 56));
        let times = self.times();
        for (seq, time) in times.iter().enumerate() {
            root.push(
                Element::new("probe-result")
                    .attr("date-determined", chrono::Utc::now().timestamp())
                    .child(Element::leaf("probe-index", seq + 1))
                    .child(Element::new("probe-success"))
                    .child(Element::leaf("sequence-number", seq))
                    .child(Element::leaf("ip-address", &self.host))
                    .child(Element::leaf("time-to-live", 64))
                    .child(Element::leaf("response-size", 64))
                    .child(Element::leaf("rtt", time)),
            );
        }
        let mut summary = Element::new("probe-results-summary")
            .child(Element::leaf("probes-sent", self.count))
            .child(Element::leaf("responses-received", times.len()))
            .child(Element::leaf(
                "packet-loss",
                (self.count as usize - times.len()) * 100 / self.count.max(1) as usize,
            ));
        if let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) {
            summary.push(Element::leaf("rtt-minimum", min));
            summary.push(Element::leaf("rtt-maximum", max));
            summary.push(Element::leaf("rtt-average", times.iter().sum::<u64>() / times.len() as u64));
        }
        root.push(summary);
        root.push(Element::new(if times.is_empty() { "ping-failure" } else { "ping-success" }));
        root
    }
}

/// `traceroute HOST`: the hops that answer, then silence to 30 hops.
pub struct Traceroute {
    pub host: String,
    pub reply: ProbeReply,
}

const MAX_HOPS: usize = 30;

impl Traceroute {
    fn hops(&self) -> Vec<Option<&str>> {
        let mut hops: Vec<Option<&str>> = self.reply.hops.iter().map(|h| Some(h.as_str())).collect();
        if !self.reply.reachable {
            hops.resize(MAX_HOPS, None);
        }
        hops
    }
}

impl View for Traceroute {
    fn text(&self) -> String {
        if self.reply.no_route {
            return format!(
                "traceroute to {0} ({0}), 30 hops max, 52 byte packets\ntraceroute: sendto: No route to host\n",
                self.host
            );
        }
        let mut out = format!("traceroute to {0} ({0}), 30 hops max, 52 byte packets\n", self.host);
        for (i, hop) in self.hops().into_iter().enumerate() {
            match hop {
                Some(address) => {
                    let times: Vec<String> =
                        (0..3).map(|p| format!("{} ms", ms(rtt(i as u32 * 3 + p)))).collect();
                    let _ = writeln!(out, "{:>2}  {address} ({address})  {}", i + 1, times.join("  "));
                }
                None => {
                    let _ = writeln!(out, "{:>2}  * * *", i + 1);
                }
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::new("traceroute-results")
            .attr("xmlns", format!("http://xml.juniper.net/junos/{}/junos-probe-tests", crate::JUNOS_VERSION))
            .child(Element::leaf("target-host", &self.host))
            .child(Element::leaf("target-ip", &self.host))
            .child(Element::leaf("max-hops", MAX_HOPS))
            .child(Element::leaf("packet-size", 52));
        for (i, hop) in self.hops().into_iter().enumerate() {
            let mut e = Element::new("hop").child(Element::leaf("ttl-value", i + 1));
            for p in 0..3 {
                let mut probe = Element::new("probe-result").child(Element::leaf("probe-index", p + 1));
                match hop {
                    Some(address) => {
                        probe.push(Element::new("probe-success"));
                        probe.push(Element::leaf("ip-address", address));
                        probe.push(Element::leaf("rtt", rtt(i as u32 * 3 + p)));
                    }
                    None => probe.push(Element::new("probe-failure")),
                }
                e.push(probe);
            }
            root.push(e);
        }
        root
    }
}

/// `show bridge mac-table [count]`: the MACs the master's bridge domains
/// learned. The modelled ports have no hosts behind them, so none; the
/// reply's root is what PyEZ reads to tell an MX's bridging style.
pub struct BridgeMacTable {
    pub count: bool,
}

impl View for BridgeMacTable {
    fn text(&self) -> String {
        String::new()
    }

    fn element(&self) -> Element {
        Element::reply_root(if self.count { "l2ald-rtb-mac-count" } else { "l2ald-rtb-macdb" }, "junos-l2al")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridge_mac_table_has_nothing_learned_under_its_junos_root() {
        assert_eq!(BridgeMacTable { count: false }.text(), "");
        assert_eq!(BridgeMacTable { count: true }.element().name, "l2ald-rtb-mac-count");
        assert_eq!(BridgeMacTable { count: false }.element().name, "l2ald-rtb-macdb");
    }

    fn neighbor() -> Neighbor {
        Neighbor {
            address: "10.0.0.254".into(),
            mac_address: "00:05:86:00:00:fe".into(),
            interface: "xe-0/0/0.0".into(),
            expires: 438,
            router: true,
        }
    }

    #[test]
    fn arp_rows_sit_where_the_template_reads_them() {
        let text = Arp { entries: vec![neighbor()], resolve: false, expiration: false }.text();
        assert_eq!(
            text,
            "MAC Address       Address         Interface                Flags\n\
             00:05:86:00:00:fe 10.0.0.254      xe-0/0/0.0               none\n\
             Total entries: 1\n"
        );
        let root = Arp { entries: vec![neighbor()], resolve: false, expiration: true }.element();
        let names: Vec<&str> = root.children[0].children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "mac-address",
                "ip-address",
                "hostname",
                "interface-name",
                "time-to-expire",
                "arp-table-entry-flags"
            ]
        );
    }

    #[test]
    fn lldp_neighbours_line_up_under_the_junos_header() {
        assert_eq!(
            Lldp(Vec::new()).text(),
            "Local Interface    Parent Interface    Chassis Id          Port info          System Name\n"
        );
        let heard = LldpNeighbor {
            local_interface: "ge-0/0/0".into(),
            chassis_id: "2c:6b:f5:4e:43:e0".into(),
            port_id: "ge-0/0/1".into(),
            system_name: "r2".into(),
        };
        assert_eq!(
            Lldp(vec![heard]).text(),
            "Local Interface    Parent Interface    Chassis Id          Port info          System Name\n\
             ge-0/0/0           -                   2c:6b:f5:4e:43:e0   ge-0/0/1           r2\n"
        );
    }

    #[test]
    fn ping_prints_each_reply_then_the_statistics() {
        let reply = ProbeReply { reachable: true, hops: vec!["10.0.0.254".into()], ..ProbeReply::default() };
        let ping = Ping { host: "10.0.0.254".into(), count: 2, rapid: false, reply };
        assert_eq!(
            ping.text(),
            "PING 10.0.0.254 (10.0.0.254): 56 data bytes\n\
             64 bytes from 10.0.0.254: icmp_seq=0 ttl=64 time=0.412 ms\n\
             64 bytes from 10.0.0.254: icmp_seq=1 ttl=64 time=0.449 ms\n\n\
             --- 10.0.0.254 ping statistics ---\n\
             2 packets transmitted, 2 packets received, 0% packet loss\n\
             round-trip min/avg/stddev/max = 0.412/0.430/0.018/0.449 ms\n"
        );
        let silent = Ping { host: "10.9.9.9".into(), count: 3, rapid: true, reply: ProbeReply::default() };
        assert!(silent.text().contains("\n...\n--- 10.9.9.9 ping statistics ---\n3 packets transmitted, 0 packets received, 100% packet loss\n"));
    }
}
