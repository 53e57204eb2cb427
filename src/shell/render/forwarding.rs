//! The master's forwarding plane: `show chassis fpc [detail]`,
//! `show interfaces terse` and `show route`.

use std::fmt::Write;

use super::columns::{Column, Columns};
use super::{junos_time, uptime};
use crate::proto::{FpcInformation, InterfaceInformation, RouteInformation};
use crate::shell::view::{Element, View};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `00:01:02`, or `1d 02:03:04` past a day.
fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    let clock = format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60);
    if s >= 86_400 { format!("{}d {clock}", s / 86_400) } else { clock }
}

impl View for FpcInformation {
    fn text(&self) -> String {
        let mut out = String::from(
            "                     Temp  CPU Utilization (%)   CPU Utilization (%)  Memory    Utilization (%)\n\
             Slot State            (C)  Total  Interrupt      1min   5min   15min  DRAM (MB) Heap     Buffer\n",
        );
        // Each figure ends where its heading does.
        let mut table = Columns::new(&[
            Column::right(3),
            Column::left(16).after(2),
            Column::right(4),
            Column::right(7),
            Column::right(11),
            Column::right(10),
            Column::right(7),
            Column::right(8),
            Column::right(8),
            Column::right(8),
            Column::right(11),
        ]);
        for f in &self.fpcs {
            table.row([
                f.slot.to_string(),
                f.state.clone(),
                f.temperature_celsius.to_string(),
                f.cpu_total.to_string(),
                f.cpu_interrupt.to_string(),
                f.cpu_total.to_string(),
                f.cpu_total.to_string(),
                f.cpu_total.to_string(),
                f.memory_dram_mb.to_string(),
                f.memory_heap_utilization.to_string(),
                f.memory_buffer_utilization.to_string(),
            ]);
        }
        out.push_str(&table.render());
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("fpc-information", "junos-chassis");
        for f in &self.fpcs {
            root.push(
                Element::new("fpc")
                    .child(Element::leaf("slot", f.slot))
                    .child(Element::leaf("state", &f.state))
                    .child(
                        Element::leaf("temperature", f.temperature_celsius)
                            .attr("junos:celsius", f.temperature_celsius.to_string()),
                    )
                    .child(Element::leaf("cpu-total", f.cpu_total))
                    .child(Element::leaf("cpu-interrupt", f.cpu_interrupt))
                    .child(Element::leaf("memory-dram-size", f.memory_dram_mb))
                    .child(Element::leaf("memory-heap-utilization", f.memory_heap_utilization))
                    .child(Element::leaf("memory-buffer-utilization", f.memory_buffer_utilization))
                    .child(
                        Element::leaf("start-time", junos_time(f.start_time))
                            .attr("junos:seconds", f.start_time.to_string()),
                    )
                    .child(Element::leaf("up-time", uptime((now() - f.start_time).max(0) as u64))),
            );
        }
        root
    }
}

/// `show chassis fpc detail`: when each FPC came online and for how long.
pub struct FpcDetail(pub FpcInformation);

impl View for FpcDetail {
    fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.0.fpcs {
            let _ = writeln!(out, "Slot {} information:", f.slot);
            let _ = writeln!(out, "  {:<36}{}", "State", f.state);
            let _ = writeln!(
                out,
                "  {:<30}{:>4} degrees C / {} degrees F",
                "Temperature",
                f.temperature_celsius,
                f.temperature_celsius * 9 / 5 + 32
            );
            let _ = writeln!(out, "  {:<30}{:>4} MB", "Total CPU DRAM", f.memory_dram_mb);
            let _ = writeln!(out, "  {:<36}{}", "Start time", junos_time(f.start_time));
            let _ = writeln!(out, "  {:<36}{}", "Uptime", uptime((now() - f.start_time).max(0) as u64));
        }
        out
    }

    fn element(&self) -> Element {
        self.0.element()
    }
}

impl View for InterfaceInformation {
    /// Columns at 0, 24, 30, 35 and 44; one line an address, the protocol
    /// named on the first line of each family.
    fn text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(24),
            Column::left(6),
            Column::left(5),
            Column::left(9),
            Column::left(22),
            Column::left(0),
        ]);
        table.row(["Interface", "Admin", "Link", "Proto", "Local", "Remote"]);
        let word = |up: bool| if up { "up" } else { "down" };
        for physical in &self.interfaces {
            table.row([physical.name.as_str(), word(physical.admin_up), word(physical.link_up)]);
            for unit in &physical.units {
                let mut row = [unit.name.as_str(), word(unit.admin_up), word(unit.link_up)];
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

    fn element(&self) -> Element {
        let status = |up: bool| if up { "up" } else { "down" };
        let mut root =
            Element::reply_root("interface-information", "junos-interface").attr("junos:style", "terse");
        for physical in &self.interfaces {
            let mut element = Element::new("physical-interface")
                .child(Element::leaf("name", &physical.name))
                .child(Element::leaf("admin-status", status(physical.admin_up)))
                .child(Element::leaf("oper-status", status(physical.link_up)));
            for unit in &physical.units {
                let mut logical = Element::new("logical-interface")
                    .child(Element::leaf("name", &unit.name))
                    .child(Element::leaf("admin-status", status(unit.admin_up)))
                    .child(Element::leaf("oper-status", status(unit.link_up)));
                for address in &unit.addresses {
                    logical.push(
                        Element::new("address-family")
                            .child(Element::leaf("address-family-name", &address.family))
                            .child(
                                Element::new("interface-address")
                                    .child(Element::leaf("ifa-local", &address.local)),
                            ),
                    );
                }
                element.push(logical);
            }
            root.push(element);
        }
        root
    }
}

impl View for RouteInformation {
    fn text(&self) -> String {
        let mut out = String::new();
        let now = now();
        for table in &self.tables {
            let n = table.routes.len();
            let _ = writeln!(
                out,
                "\n{}: {n} destinations, {n} routes ({n} active, 0 holddown, 0 hidden)",
                table.name
            );
            out.push_str("+ = Active Route, - = Last Active, * = Both\n\n");
            for route in &table.routes {
                let since = age(now - route.since);
                let _ = writeln!(
                    out,
                    "{:<18} *[{}/{}] {since}",
                    route.destination, route.protocol, route.preference
                );
                let hop = match (route.protocol.as_str(), route.to.is_empty(), route.action.is_empty()) {
                    ("Local", ..) => format!("                       Local via {}", route.via),
                    (_, _, false) => format!("                       {}", route.action),
                    (_, true, _) => format!("                    >  via {}", route.via),
                    _ => format!("                    >  to {} via {}", route.to, route.via),
                };
                let _ = writeln!(out, "{hop}");
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("route-information", "junos-routing");
        for table in &self.tables {
            let n = table.routes.len();
            let mut element = Element::new("route-table")
                .child(Element::leaf("table-name", &table.name))
                .child(Element::leaf("destination-count", n))
                .child(Element::leaf("total-route-count", n))
                .child(Element::leaf("active-route-count", n))
                .child(Element::leaf("holddown-route-count", 0))
                .child(Element::leaf("hidden-route-count", 0));
            for route in &table.routes {
                let mut entry = Element::new("rt-entry")
                    .child(Element::leaf("active-tag", "*"))
                    .child(Element::leaf("protocol-name", &route.protocol))
                    .child(Element::leaf("preference", route.preference))
                    .child(
                        Element::leaf("age", age(now() - route.since))
                            .attr("junos:seconds", (now() - route.since).to_string()),
                    );
                if !route.action.is_empty() {
                    entry.push(Element::leaf("nh-type", &route.action));
                } else {
                    let mut nh = Element::new("nh");
                    if !route.to.is_empty() {
                        nh.push(Element::leaf("to", &route.to));
                    }
                    nh.push(Element::leaf("via", &route.via));
                    entry.push(nh);
                }
                element.push(
                    Element::new("rt")
                        .child(Element::leaf("rt-destination", &route.destination))
                        .child(entry),
                );
            }
            root.push(element);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{InterfaceAddress, LogicalInterface, PhysicalInterface};

    #[test]
    fn terse_lines_put_each_address_in_the_local_column() {
        let info = InterfaceInformation {
            interfaces: vec![PhysicalInterface {
                name: "xe-0/0/0".into(),
                admin_up: true,
                link_up: true,
                units: vec![LogicalInterface {
                    name: "xe-0/0/0.0".into(),
                    admin_up: true,
                    link_up: true,
                    addresses: vec![
                        InterfaceAddress { family: "inet".into(), local: "10.0.0.1/24".into() },
                        InterfaceAddress { family: "inet".into(), local: "10.0.1.1/24".into() },
                    ],
                }],
            }],
        };
        assert_eq!(
            info.text(),
            "Interface               Admin Link Proto    Local                 Remote\n\
             xe-0/0/0                up    up\n\
             xe-0/0/0.0              up    up   inet     10.0.0.1/24\n\
             \x20                                           10.0.1.1/24\n"
        );
        assert_eq!(age(3723), "01:02:03");
        assert_eq!(age(90_061), "1d 01:01:01");
    }
}
