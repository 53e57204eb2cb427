//! `show chassis routing-engine` and `show chassis hardware`: Junos text
//! column for column (people and scripts read them by position), and the
//! `junos-chassis` elements.

use std::fmt::Write;

use super::columns::{Column, Columns};
use super::{junos_time, uptime};
use crate::proto::{ChassisInventory, CpuUtilization, MastershipState, RouteEngine, RouteEngineInformation};
use crate::shell::view::{Element, View};

/// `Master`, `Backup`, `Disabled`.
pub fn mastership_word(state: i32) -> &'static str {
    match MastershipState::try_from(state) {
        Ok(MastershipState::Master) => "Master",
        Ok(MastershipState::Backup) => "Backup",
        Ok(MastershipState::Disabled) => "Disabled",
        _ => "Unknown",
    }
}

impl View for RouteEngineInformation {
    /// One `Routing Engine status:` block per RE.
    fn text(&self) -> String {
        let mut out = String::new();
        for (i, re) in self.route_engines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            route_engine(&mut out, re);
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("route-engine-information", "junos-chassis");
        for re in &self.route_engines {
            root.push(route_engine_element(re));
        }
        root
    }
}

fn route_engine(out: &mut String, re: &RouteEngine) {
    // Labels start in column 4, text values in column 35, and numbers end in
    // column 34 (DRAM in 35) so that units line up.
    let text = |out: &mut String, label: &str, value: &str| {
        let _ = writeln!(out, "    {label:<31}{value}");
    };
    let _ = writeln!(out, "Routing Engine status:");
    let _ = writeln!(out, "  Slot {}:", re.slot);
    if re.unresponsive {
        // All the rest would come from the RE itself.
        text(out, "Current state", "Present");
        return;
    }
    text(out, "Current state", mastership_word(re.mastership_state));
    text(out, "Election priority", &election_priority(re));
    for (label, celsius) in
        [("Temperature", re.temperature_celsius), ("CPU temperature", re.cpu_temperature_celsius)]
    {
        let _ = writeln!(out, "    {label:<26}{celsius:>4} degrees C / {} degrees F", fahrenheit(celsius));
    }
    if let (Some(dram), Some(installed)) = (re.memory_dram_size_mb, re.memory_installed_size_mb) {
        let _ = writeln!(out, "    {:<26}{dram:>5} MB ({installed} MB installed)", "DRAM");
    }
    if let Some(utilization) = re.memory_buffer_utilization {
        let _ = writeln!(out, "    {:<26}{utilization:>4} percent", "Memory utilization");
    }
    for cpu in &re.cpu_utilization {
        cpu_block(out, cpu);
    }
    text(out, "Model", &re.model);
    text(out, "Serial ID", &re.serial_number);
    text(out, "Start time", &junos_time(re.start_time));
    text(out, "Uptime", &uptime(re.up_time_seconds));
    text(out, "Last reboot reason", &re.last_reboot_reason);
    if let Some(load) = &re.load_averages {
        text(out, "Load averages:", "1 minute   5 minute  15 minute");
        let _ = writeln!(out, "{:>43.2}{:>11.2}{:>11.2}", load.one, load.five, load.fifteen);
    }
}

/// `Master (default)` until the configuration names the role.
fn election_priority(re: &RouteEngine) -> String {
    let priority = mastership_word(re.mastership_priority);
    if re.mastership_priority_configured { priority.to_owned() } else { format!("{priority} (default)") }
}

fn cpu_block(out: &mut String, cpu: &CpuUtilization) {
    let interval = match cpu.interval_seconds {
        s if s < 60 => format!("{s} sec"),
        s => format!("{} min", s / 60),
    };
    let _ = writeln!(out, "    {interval} CPU utilization:");
    for (label, value) in [
        ("User", cpu.user),
        ("Background", cpu.background),
        ("Kernel", cpu.kernel),
        ("Interrupt", cpu.interrupt),
        ("Idle", cpu.idle),
    ] {
        let _ = writeln!(out, "      {label:<24}{value:>4} percent");
    }
}

/// Element names and order as Junos's `get-route-engine-information` reply.
fn route_engine_element(re: &RouteEngine) -> Element {
    let temperature = |name: &str, celsius: i32| {
        Element::leaf(name, format!("{celsius} degrees C / {} degrees F", fahrenheit(celsius)))
            .attr("junos:celsius", celsius)
    };
    let slot = Element::new("route-engine").child(Element::leaf("slot", re.slot));
    if re.unresponsive {
        return slot.child(Element::leaf("mastership-state", "present"));
    }
    let mut e = slot
        .child(Element::leaf("mastership-state", mastership_word(re.mastership_state).to_lowercase()))
        .child(Element::leaf("mastership-priority", election_priority(re).to_lowercase()))
        .child(Element::leaf("status", &re.status))
        .child(temperature("temperature", re.temperature_celsius))
        .child(temperature("cpu-temperature", re.cpu_temperature_celsius));
    if let (Some(dram), Some(installed)) = (re.memory_dram_size_mb, re.memory_installed_size_mb) {
        e.push(Element::leaf("memory-dram-size", format!("{dram} MB")));
        e.push(Element::leaf("memory-installed-size", format!("({installed} MB installed)")));
    }
    if let Some(utilization) = re.memory_buffer_utilization {
        e.push(Element::leaf("memory-buffer-utilization", utilization));
    }
    // The first interval's elements have no suffix; the others are numbered.
    for (i, cpu) in re.cpu_utilization.iter().enumerate() {
        let suffix = if i == 0 { String::new() } else { i.to_string() };
        for (name, value) in [
            ("cpu-user", cpu.user),
            ("cpu-background", cpu.background),
            ("cpu-system", cpu.kernel),
            ("cpu-interrupt", cpu.interrupt),
            ("cpu-idle", cpu.idle),
        ] {
            e.push(Element::leaf(&format!("{name}{suffix}"), value));
        }
    }
    e = e
        .child(Element::leaf("model", &re.model))
        .child(Element::leaf("serial-number", &re.serial_number))
        .child(Element::leaf("start-time", junos_time(re.start_time)).attr("junos:seconds", re.start_time))
        .child(Element::leaf("up-time", uptime(re.up_time_seconds)).attr("junos:seconds", re.up_time_seconds))
        .child(Element::leaf("last-reboot-reason", &re.last_reboot_reason));
    if let Some(load) = &re.load_averages {
        e = e
            .child(Element::leaf("load-average-one", format!("{:.2}", load.one)))
            .child(Element::leaf("load-average-five", format!("{:.2}", load.five)))
            .child(Element::leaf("load-average-fifteen", format!("{:.2}", load.fifteen)));
    }
    e
}

/// Junos truncates: 51 degrees C shows as 123 degrees F.
fn fahrenheit(celsius: i32) -> i32 {
    celsius * 9 / 5 + 32
}

impl View for ChassisInventory {
    /// Columns at 0, 17, 26, 39 and 57; sub-modules indented two spaces a level.
    fn text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(17),
            Column::left(9),
            Column::left(13),
            Column::left(18),
            Column::left(0),
        ]);
        table.row(["Item", "Version", "Part number", "Serial number", "Description"]);
        for m in &self.modules {
            let item = format!("{}{}", "  ".repeat(m.depth as usize), m.name);
            table.row([&item, &m.version, &m.part_number, &m.serial_number, &m.description]);
        }
        format!("Hardware inventory:\n{}", table.render())
    }

    /// The chassis line is the `chassis` element itself; modules nest below it
    /// as `chassis-module`, `chassis-sub-module` and `chassis-sub-sub-module`.
    fn element(&self) -> Element {
        let mut chassis = Element::new("chassis").attr("junos:style", "inventory");
        let mut open: Vec<Element> = Vec::new();
        let tags = ["chassis-module", "chassis-sub-module", "chassis-sub-sub-module"];
        for m in &self.modules {
            let fields = [
                ("version", &m.version),
                ("part-number", &m.part_number),
                ("serial-number", &m.serial_number),
                ("description", &m.description),
            ];
            if m.name == "Chassis" && open.is_empty() {
                chassis.push(Element::leaf("name", &m.name));
                for (name, value) in fields.into_iter().filter(|(_, v)| !v.is_empty()) {
                    chassis.push(Element::leaf(name, value));
                }
                continue;
            }
            let depth = (m.depth as usize).min(tags.len() - 1);
            while open.len() > depth {
                close(&mut open, &mut chassis);
            }
            let mut e = Element::new(tags[open.len()]).child(Element::leaf("name", &m.name));
            for (name, value) in fields.into_iter().filter(|(_, v)| !v.is_empty()) {
                e.push(Element::leaf(name, value));
            }
            open.push(e);
        }
        while !open.is_empty() {
            close(&mut open, &mut chassis);
        }
        Element::reply_root("chassis-inventory", "junos-chassis").child(chassis)
    }
}

/// Finishes the innermost open module, placing it in its parent.
fn close(open: &mut Vec<Element>, chassis: &mut Element) {
    if let Some(done) = open.pop() {
        match open.last_mut() {
            Some(parent) => parent.push(done),
            None => chassis.push(done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::LoadAverages;

    fn sample() -> RouteEngine {
        RouteEngine {
            slot: 0,
            mastership_state: MastershipState::Master as i32,
            mastership_priority: MastershipState::Master as i32,
            mastership_priority_configured: false,
            status: "OK".into(),
            temperature_celsius: 53,
            cpu_temperature_celsius: 51,
            memory_dram_size_mb: Some(98248),
            memory_installed_size_mb: Some(98304),
            memory_buffer_utilization: Some(4),
            cpu_utilization: vec![CpuUtilization {
                interval_seconds: 5,
                user: 14,
                background: 0,
                kernel: 8,
                interrupt: 1,
                idle: 77,
            }],
            model: "RE 2700 8C 128G".into(),
            serial_number: "BCDC1234".into(),
            start_time: 1_679_303_540,
            up_time_seconds: 3 * 86_400 + 17 * 3600 + 27,
            last_reboot_reason: "0x4000:VJUNOS reboot".into(),
            load_averages: Some(LoadAverages { one: 2.89, five: 3.04, fifteen: 3.08 }),
            unresponsive: false,
        }
    }

    #[test]
    fn a_routing_engine_that_does_not_answer_is_present_and_no_more() {
        let silent = RouteEngine { slot: 1, unresponsive: true, ..RouteEngine::default() };
        let info = RouteEngineInformation { route_engines: vec![sample(), silent] };
        assert!(
            info.text().ends_with(
                "\n\nRouting Engine status:\n  Slot 1:\n    Current state                  Present\n"
            ),
            "{}",
            info.text()
        );
        let e = &info.element().children[1];
        let children: Vec<_> = e.children.iter().map(|c| (c.name.as_str(), c.text.as_deref())).collect();
        assert_eq!(children, [("slot", Some("1")), ("mastership-state", Some("present"))]);
    }

    #[test]
    fn routing_engine_matches_the_device_columns() {
        let text = RouteEngineInformation { route_engines: vec![sample()] }.text();
        let expected = "\
Routing Engine status:
  Slot 0:
    Current state                  Master
    Election priority              Master (default)
    Temperature                 53 degrees C / 127 degrees F
    CPU temperature             51 degrees C / 123 degrees F
    DRAM                      98248 MB (98304 MB installed)
    Memory utilization           4 percent
    5 sec CPU utilization:
      User                      14 percent
      Background                 0 percent
      Kernel                     8 percent
      Interrupt                  1 percent
      Idle                      77 percent
    Model                          RE 2700 8C 128G
    Serial ID                      BCDC1234
    Start time                     2023-03-20 09:12:20 UTC
    Uptime                         3 days, 17 hours, 27 seconds
    Last reboot reason             0x4000:VJUNOS reboot
    Load averages:                 1 minute   5 minute  15 minute
                                       2.89       3.04       3.08
";
        assert_eq!(text, expected);
    }

    #[test]
    fn routing_engine_elements_follow_the_junos_order() {
        let e = route_engine_element(&sample());
        let names: Vec<&str> = e.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names[..8],
            [
                "slot",
                "mastership-state",
                "mastership-priority",
                "status",
                "temperature",
                "cpu-temperature",
                "memory-dram-size",
                "memory-installed-size"
            ]
        );
        assert_eq!(e.children[1].text.as_deref(), Some("master"));
        assert_eq!(e.children[2].text.as_deref(), Some("master (default)"));
        assert_eq!(e.children[4].attributes, [("junos:celsius".to_string(), "53".to_string())]);
        assert!(names.ends_with(&["load-average-one", "load-average-five", "load-average-fifteen"]));
    }

    #[test]
    fn inventory_nests_sub_modules() {
        let m = |depth, name: &str| crate::proto::ChassisModule {
            name: name.into(),
            depth,
            ..Default::default()
        };
        let inventory = ChassisInventory {
            modules: vec![m(0, "Chassis"), m(0, "FPC 0"), m(1, "PIC 0"), m(2, "Xcvr 0"), m(0, "Fan Tray 0")],
        };
        let chassis = &inventory.element().children[0];
        let fpc = &chassis.children[1];
        assert_eq!((fpc.name.as_str(), fpc.children[0].text.as_deref()), ("chassis-module", Some("FPC 0")));
        assert_eq!(fpc.children[1].name, "chassis-sub-module");
        assert_eq!(fpc.children[1].children[1].name, "chassis-sub-sub-module");
        assert_eq!(chassis.children[2].children[0].text.as_deref(), Some("Fan Tray 0"));
    }
}
