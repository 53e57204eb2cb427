//! `show route` in its styles, `show route summary` and
//! `show route forwarding-table`.

use std::fmt::Write;

use super::columns::{Column, Columns};
use crate::proto::{Route, RouteInformation, RouteTable, RoutingInstance};
use crate::shell::view::{Element, View};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `00:01:02`, or `1d 02:03:04` past a day.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    let clock = format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60);
    if s >= 86_400 { format!("{}d {clock}", s / 86_400) } else { clock }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Brief,
    Terse,
    Detail,
    Extensive,
}

impl Style {
    pub fn from_options(has: impl Fn(&str) -> bool) -> Style {
        if has("extensive") {
            Style::Extensive
        } else if has("detail") {
            Style::Detail
        } else if has("terse") {
            Style::Terse
        } else {
            Style::Brief
        }
    }

    fn name(self) -> &'static str {
        match self {
            Style::Brief => "brief",
            Style::Terse => "terse",
            Style::Detail => "detail",
            Style::Extensive => "extensive",
        }
    }
}

pub struct Routes {
    pub info: RouteInformation,
    pub style: Style,
}

fn header(out: &mut String, table: &RouteTable) {
    let n = table.destination_count;
    let _ =
        writeln!(out, "\n{}: {n} destinations, {n} routes ({n} active, 0 holddown, 0 hidden)", table.name);
}

/// What a route's next hop line says: `to A via I`, `via I`, `Local via I`,
/// `Discard`.
fn next_hop(route: &Route) -> String {
    match (route.protocol.as_str(), route.to.is_empty(), route.action.is_empty()) {
        ("Local", ..) => format!("Local via {}", route.via),
        (_, _, false) => route.action.clone(),
        (_, true, _) => format!("via {}", route.via),
        _ => format!("to {} via {}", route.to, route.via),
    }
}

impl Routes {
    fn brief(&self, out: &mut String, table: &RouteTable) {
        out.push_str("+ = Active Route, - = Last Active, * = Both\n\n");
        for route in &table.routes {
            let since = age(now() - route.since);
            let _ =
                writeln!(out, "{:<18} *[{}/{}] {since}", route.destination, route.protocol, route.preference);
            let hop = next_hop(route);
            let marker = if route.protocol == "Local" || !route.action.is_empty() { "   " } else { ">  " };
            let _ = writeln!(out, "{:20}{marker}{hop}", "");
        }
    }

    fn terse(&self, out: &mut String, table: &RouteTable) {
        out.push_str("+ = Active Route, - = Last Active, * = Both\n\n");
        let mut rows = Columns::new(&[
            Column::left(2),
            Column::left(2),
            Column::left(19),
            Column::left(2),
            Column::right(3),
            Column::right(11),
            Column::right(11),
            Column::left(16).after(2),
            Column::left(0),
        ]);
        rows.row(["A", "V", "Destination", "P", "Prf", "Metric 1", "Metric 2", "Next hop", "AS path"]);
        for route in &table.routes {
            let hop = match (route.protocol.as_str(), route.action.as_str()) {
                ("Local", _) => " Local".to_owned(),
                (_, "") if route.to.is_empty() => format!(">{}", route.via),
                (_, "") => format!(">{}", route.to),
                (_, action) => format!(" {action}"),
            };
            let p = &route.protocol[..1];
            rows.row(["*", "?", &route.destination, p, &route.preference.to_string(), "", "", &hop]);
        }
        out.push_str(&rows.render());
    }

    fn detail(&self, out: &mut String, table: &RouteTable) {
        for route in &table.routes {
            let _ = writeln!(out, "{} (1 entry, 1 announced)", route.destination);
            let _ = writeln!(out, "        *{} Preference: {}", route.protocol, route.preference);
            let kind = match (route.protocol.as_str(), route.action.as_str()) {
                ("Local", _) => "Local",
                (_, "") if route.to.is_empty() => "Interface",
                (_, "") => "Router",
                (_, action) => action,
            };
            let _ = writeln!(out, "                Next hop type: {kind}");
            if route.protocol != "Local" && route.action.is_empty() {
                let to = if route.to.is_empty() { String::new() } else { format!("{} ", route.to) };
                let _ = writeln!(out, "                Next hop: {to}via {}, selected", route.via);
            } else if route.protocol == "Local" {
                let _ = writeln!(out, "                Interface: {}", route.via);
            }
            let _ = writeln!(out, "                State: <Active Int>");
            let _ = writeln!(out, "                Age: {}", age(now() - route.since));
            let _ = writeln!(out, "                Task: RT");
            let _ = writeln!(out, "                AS path: I");
            if self.style == Style::Extensive {
                let _ = writeln!(out, "                Announcement bits (1): 0-KRT");
            }
            out.push('\n');
        }
    }

    fn entry(&self, route: &Route) -> Element {
        let seconds = now() - route.since;
        let mut entry = Element::new("rt-entry")
            .child(Element::leaf("active-tag", "*"))
            .child(Element::new("current-active"))
            .child(Element::new("last-active"))
            .child(Element::leaf("protocol-name", &route.protocol))
            .child(Element::leaf("preference", route.preference))
            .child(Element::leaf("age", age(seconds)).attr("junos:seconds", seconds));
        if !route.action.is_empty() {
            entry.push(Element::leaf("nh-type", &route.action));
        } else {
            let mut nh = Element::new("nh").child(Element::new("selected-next-hop"));
            if !route.to.is_empty() {
                nh.push(Element::leaf("to", &route.to));
            }
            let via = if route.protocol == "Local" { "nh-local-interface" } else { "via" };
            nh.push(Element::leaf(via, &route.via));
            entry.push(nh);
        }
        if matches!(self.style, Style::Detail | Style::Extensive) {
            entry.push(Element::leaf("rt-entry-state", "Active Int"));
            entry.push(Element::leaf("task-name", "RT"));
            entry.push(Element::leaf("as-path", "AS path: I\n"));
        }
        entry
    }
}

impl View for Routes {
    fn text(&self) -> String {
        let mut out = String::new();
        for table in &self.info.tables {
            header(&mut out, table);
            match self.style {
                Style::Brief => self.brief(&mut out, table),
                Style::Terse => self.terse(&mut out, table),
                Style::Detail | Style::Extensive => self.detail(&mut out, table),
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("route-information", "junos-routing");
        for table in &self.info.tables {
            let n = table.destination_count;
            let mut element = Element::new("route-table")
                .child(Element::leaf("table-name", &table.name))
                .child(Element::leaf("destination-count", n))
                .child(Element::leaf("total-route-count", n))
                .child(Element::leaf("active-route-count", n))
                .child(Element::leaf("holddown-route-count", 0))
                .child(Element::leaf("hidden-route-count", 0));
            for route in &table.routes {
                let mut rt = Element::new("rt").attr("junos:style", self.style.name());
                match (self.style, route.destination.split_once('/')) {
                    (Style::Detail | Style::Extensive, Some((address, length))) => {
                        rt.push(Element::leaf("rt-destination", address));
                        rt.push(Element::leaf("rt-prefix-length", length));
                        rt.push(Element::leaf("rt-entry-count", 1).attr("junos:format", "1 entry"));
                    }
                    _ => rt.push(Element::leaf("rt-destination", &route.destination)),
                }
                rt.push(self.entry(route));
                element.push(rt);
            }
            root.push(element);
        }
        root
    }
}

/// `show route summary`.
pub struct Summary(pub RouteInformation);

/// The protocols of a table and how many routes each has.
fn protocols(table: &RouteTable) -> Vec<(&str, usize)> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    for route in &table.routes {
        match out.iter_mut().find(|(p, _)| *p == route.protocol) {
            Some((_, n)) => *n += 1,
            None => out.push((&route.protocol, 1)),
        }
    }
    out.sort_unstable();
    out
}

impl View for Summary {
    fn text(&self) -> String {
        let mut out = String::new();
        if !self.0.autonomous_system.is_empty() {
            let _ = writeln!(out, "Autonomous system number: {}", self.0.autonomous_system);
        }
        let _ = writeln!(out, "Router ID: {}", self.0.router_id);
        for table in &self.0.tables {
            header(&mut out, table);
            for (protocol, n) in protocols(table) {
                let _ = writeln!(out, "{protocol:>20}: {n:>6} routes, {n:>6} active");
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("route-summary-information", "junos-routing");
        if !self.0.autonomous_system.is_empty() {
            root.push(Element::leaf("as-number", &self.0.autonomous_system));
        }
        root.push(Element::leaf("router-id", &self.0.router_id));
        for table in &self.0.tables {
            let n = table.destination_count;
            let mut element = Element::new("route-table")
                .child(Element::leaf("table-name", &table.name))
                .child(Element::leaf("destination-count", n))
                .child(Element::leaf("total-route-count", n))
                .child(Element::leaf("active-route-count", n))
                .child(Element::leaf("holddown-route-count", 0))
                .child(Element::leaf("hidden-route-count", 0));
            for (protocol, n) in protocols(table) {
                element.push(
                    Element::new("protocols")
                        .child(Element::leaf("protocol-name", protocol))
                        .child(Element::leaf("protocol-route-count", n))
                        .child(Element::leaf("active-route-count", n)),
                );
            }
            root.push(element);
        }
        root
    }
}

/// `show route forwarding-table`: what the routes program into the PFE,
/// with the entries every table has.
pub struct ForwardingTable(pub RouteInformation);

/// Each entry: destination, route type, next hop, next-hop type, index,
/// interface.
fn entries(table: &RouteTable) -> Vec<[String; 6]> {
    let v4 = !table.name.contains("inet6");
    let mut out = Vec::new();
    let permanent = |d: &str, kind: &str, index: u32| {
        [d.to_owned(), "perm".into(), String::new(), kind.into(), index.to_string(), String::new()]
    };
    let mut index = 579;
    let mut next = || {
        index += 1;
        index
    };
    for route in &table.routes {
        let destination = if route.destination == "0.0.0.0/0" || route.destination == "::/0" {
            "default".to_owned()
        } else {
            route.destination.clone()
        };
        let address = route.destination.split('/').next().unwrap_or_default().to_owned();
        out.push(match (route.protocol.as_str(), route.action.as_str()) {
            ("Local", _) => {
                [destination, "intf".into(), address, "locl".into(), next().to_string(), String::new()]
            }
            ("Direct", _) => [
                destination,
                "intf".into(),
                String::new(),
                "rslv".into(),
                next().to_string(),
                route.via.clone(),
            ],
            (_, "Discard") => {
                [destination, "user".into(), String::new(), "dscd".into(), "34".into(), String::new()]
            }
            (_, "Reject") => {
                [destination, "user".into(), String::new(), "rjct".into(), "36".into(), String::new()]
            }
            _ => [
                destination,
                "user".into(),
                route.to.clone(),
                "ucst".into(),
                next().to_string(),
                route.via.clone(),
            ],
        });
    }
    if v4 {
        out.push(permanent("default", "rjct", 36));
        out.push(permanent("0.0.0.0/32", "dscd", 34));
        out.push(permanent("224.0.0.0/4", "mdsc", 35));
        out.push(permanent("255.255.255.255/32", "bcst", 32));
    } else {
        out.push(permanent("default", "rjct", 44));
        out.push(permanent("ff00::/8", "mdsc", 43));
    }
    out
}

impl View for ForwardingTable {
    fn text(&self) -> String {
        let mut out = String::new();
        for table in &self.0.tables {
            let (instance, family) = match table.name.rsplit_once(".inet") {
                Some((instance, rest)) => (
                    instance,
                    if rest.starts_with('6') { ("inet6", "Internet6") } else { ("inet", "Internet") },
                ),
                None => (
                    "",
                    if table.name.starts_with("inet6") {
                        ("inet6", "Internet6")
                    } else {
                        ("inet", "Internet")
                    },
                ),
            };
            let instance = if instance.is_empty() { "default" } else { instance };
            let _ = writeln!(out, "Routing table: {instance}.{}\n{}:", family.0, family.1);
            let mut rows = Columns::new(&[
                Column::left(19),
                Column::left(4),
                Column::right(6),
                Column::left(18).after(1),
                Column::left(4).after(1),
                Column::right(9),
                Column::right(6),
                Column::left(0).after(1),
            ]);
            // The index heading sits left of its right-aligned figures.
            out.push_str("Destination        Type RtRef Next hop           Type Index    NhRef Netif\n");
            for [d, t, hop, kind, index, netif] in entries(table) {
                rows.row([d.as_str(), &t, "0", &hop, &kind, &index, "1", &netif]);
            }
            out.push_str(&rows.render());
            out.push('\n');
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("forwarding-table-information", "junos-routing");
        for table in &self.0.tables {
            let mut element = Element::new("route-table")
                .child(Element::leaf("table-name", &table.name))
                .child(Element::leaf(
                    "address-family",
                    if table.name.contains("inet6") { "Internet6" } else { "Internet" },
                ));
            for [d, t, hop, kind, index, netif] in entries(table) {
                let mut nh = Element::new("nh");
                if !hop.is_empty() {
                    nh.push(Element::leaf("to", hop));
                }
                nh.push(Element::leaf("nh-type", kind));
                nh.push(Element::leaf("nh-index", index));
                nh.push(Element::leaf("nh-reference-count", 1));
                if !netif.is_empty() {
                    nh.push(Element::leaf("via", netif));
                }
                element.push(
                    Element::new("rt-entry")
                        .child(Element::leaf("rt-destination", d))
                        .child(Element::leaf("destination-type", t))
                        .child(Element::leaf("route-reference-count", 0))
                        .child(nh),
                );
            }
            root.push(element);
        }
        root
    }
}

/// `show route instance [NAME] [detail]`: each routing instance, its type
/// and its tables with their counts.
pub struct Instances {
    pub info: RouteInformation,
    pub name: Option<String>,
    pub detail: bool,
}

impl Instances {
    /// The instances asked for, each with its tables (`inet.0` for the
    /// default instance, `NAME.inet.0` for the others).
    fn selected(&self) -> Vec<(&RoutingInstance, Vec<&RouteTable>)> {
        let others: Vec<&str> = self.info.instances.iter().map(|i| i.name.as_str()).collect();
        let owns = |instance: &str, table: &str| match table.split_once('.') {
            Some((prefix, _)) if others.contains(&prefix) => prefix == instance,
            _ => instance == "master",
        };
        self.info
            .instances
            .iter()
            .filter(|i| self.name.as_deref().is_none_or(|n| n == i.name))
            .map(|i| (i, self.info.tables.iter().filter(|t| owns(&i.name, &t.name)).collect()))
            .collect()
    }
}

impl View for Instances {
    fn text(&self) -> String {
        let mut out = String::new();
        if self.detail {
            for (instance, tables) in self.selected() {
                let _ = writeln!(out, "{}:", instance.name);
                let _ = writeln!(out, "  Router ID: {}", self.info.router_id);
                let _ = writeln!(out, "  Type: {:<16}State: Active", instance.instance_type);
                let _ = writeln!(out, "  Tables:");
                for table in tables {
                    let n = table.destination_count;
                    let _ = writeln!(
                        out,
                        "    {:<23}: {n} routes ({n} active, 0 holddown, 0 hidden)",
                        table.name
                    );
                }
            }
            return out;
        }
        // Two interleaved layouts (an instance's line, its tables' lines
        // under it), not one table of columns.
        let mut out =
            format!("{:<21}Type\n         {:<48}Active/holddown/hidden\n", "Instance", "Primary RIB");
        for (i, (instance, tables)) in self.selected().into_iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "{:<20} {}", instance.name, instance.instance_type);
            for table in tables {
                let _ = writeln!(out, "         {:<48}{}/0/0", table.name, table.destination_count);
            }
        }
        out
    }

    fn element(&self) -> Element {
        let style = if self.detail { "detail" } else { "terse" };
        let mut root =
            Element::reply_root("instance-information", "junos-routing").attr("junos:style", style);
        for (instance, tables) in self.selected() {
            let mut core = Element::new("instance-core")
                .child(Element::leaf("instance-name", &instance.name))
                .child(Element::leaf("instance-type", &instance.instance_type));
            if self.detail {
                core.push(Element::leaf("instance-state", "Active"));
                core.push(Element::leaf("router-id", &self.info.router_id));
            }
            for table in tables {
                let n = table.destination_count;
                let mut rib = Element::new("instance-rib").child(Element::leaf("irib-name", &table.name));
                if self.detail {
                    rib.push(Element::leaf("irib-route-count", n));
                }
                rib.push(Element::leaf("irib-active-count", n));
                rib.push(Element::leaf("irib-holddown-count", 0));
                rib.push(Element::leaf("irib-hidden-count", 0));
                core.push(rib);
            }
            root.push(core);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RouteInformation {
        let route = |d: &str, p: &str, pref, to: &str, via: &str| Route {
            destination: d.into(),
            protocol: p.into(),
            preference: pref,
            since: now(),
            to: to.into(),
            via: via.into(),
            ..Route::default()
        };
        RouteInformation {
            tables: vec![RouteTable {
                name: "inet.0".into(),
                destination_count: 3,
                routes: vec![
                    route("0.0.0.0/0", "Static", 5, "10.0.0.254", "xe-0/0/0.0"),
                    route("10.0.0.0/24", "Direct", 0, "", "xe-0/0/0.0"),
                    route("10.0.0.1/32", "Local", 0, "", "xe-0/0/0.0"),
                ],
            }],
            router_id: "10.0.0.1".into(),
            autonomous_system: "65000".into(),
            instances: Vec::new(),
        }
    }

    #[test]
    fn instances_list_their_type_and_tables() {
        let mut info = info();
        info.tables.push(RouteTable {
            name: "red.inet.0".into(),
            destination_count: 2,
            ..RouteTable::default()
        });
        let instance =
            |name: &str, kind: &str| RoutingInstance { name: name.into(), instance_type: kind.into() };
        info.instances = vec![instance("master", "forwarding"), instance("red", "vrf")];
        let all = Instances { info: info.clone(), name: None, detail: false };
        assert_eq!(
            all.text(),
            "Instance             Type\n         Primary RIB                                     Active/holddown/hidden\n\
             master               forwarding\n         inet.0                                          3/0/0\n\n\
             red                  vrf\n         red.inet.0                                      2/0/0\n"
        );
        let xml = crate::shell::view::to_xml(&all.element(), "{master}");
        assert!(xml.contains("<instance-information xmlns=\"http://xml.juniper.net/junos/"), "{xml}");
        assert!(xml.contains("<instance-core>\n            <instance-name>red</instance-name>\n            <instance-type>vrf</instance-type>\n            <instance-rib>\n                <irib-name>red.inet.0</irib-name>\n                <irib-active-count>2</irib-active-count>"), "{xml}");
        let red = Instances { info, name: Some("red".into()), detail: true };
        assert_eq!(
            red.text(),
            "red:\n  Router ID: 10.0.0.1\n  Type: vrf             State: Active\n  Tables:\n    red.inet.0             : 2 routes (2 active, 0 holddown, 0 hidden)\n"
        );
    }

    #[test]
    fn brief_lines_put_next_hops_under_the_route() {
        let text = Routes { info: info(), style: Style::Brief }.text();
        assert_eq!(
            text,
            "\ninet.0: 3 destinations, 3 routes (3 active, 0 holddown, 0 hidden)\n\
             + = Active Route, - = Last Active, * = Both\n\n\
             0.0.0.0/0          *[Static/5] 00:00:00\n\
             \x20                   >  to 10.0.0.254 via xe-0/0/0.0\n\
             10.0.0.0/24        *[Direct/0] 00:00:00\n\
             \x20                   >  via xe-0/0/0.0\n\
             10.0.0.1/32        *[Local/0] 00:00:00\n\
             \x20                      Local via xe-0/0/0.0\n"
        );
        assert_eq!(age(3723), "01:02:03");
        assert_eq!(age(90_061), "1d 01:01:01");
    }

    #[test]
    fn extensive_elements_split_the_prefix_as_napalm_reads_it() {
        let root = Routes { info: info(), style: Style::Extensive }.element();
        let rt = &root.children[0].children[6];
        let names: Vec<&str> = rt.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["rt-destination", "rt-prefix-length", "rt-entry-count", "rt-entry"]);
        assert_eq!(rt.children[1].text.as_deref(), Some("0"));
        let entry: Vec<&str> = rt.children[3].children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            &entry[..7],
            ["active-tag", "current-active", "last-active", "protocol-name", "preference", "age", "nh"]
        );
    }

    #[test]
    fn the_summary_puts_each_colon_in_column_21() {
        let text = Summary(info()).text();
        assert_eq!(
            text,
            "Autonomous system number: 65000\nRouter ID: 10.0.0.1\n\n\
             inet.0: 3 destinations, 3 routes (3 active, 0 holddown, 0 hidden)\n\
             \x20             Direct:      1 routes,      1 active\n\
             \x20              Local:      1 routes,      1 active\n\
             \x20             Static:      1 routes,      1 active\n"
        );
    }

    #[test]
    fn the_forwarding_table_lists_routes_and_permanent_entries() {
        let text = ForwardingTable(info()).text();
        assert!(text.starts_with("Routing table: default.inet\nInternet:\nDestination        Type RtRef Next hop           Type Index    NhRef Netif\n"), "{text}");
        assert!(
            text.contains(
                "\ndefault            user     0 10.0.0.254         ucst      580     1 xe-0/0/0.0\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\n255.255.255.255/32 perm     0                    bcst       32     1\n"),
            "{text}"
        );
    }
}
