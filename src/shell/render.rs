//! Junos text for agents' structured replies. Layouts follow the device column
//! for column, because people and scripts read them by position.

use std::fmt::Write;

use chrono::DateTime;

use crate::grammar::{Completion, Completions};
use crate::proto::{
    ChassisInventory, CpuUtilization, MastershipState, RouteEngine, RouteEngineInformation,
    SoftwareInformation,
};

/// `Master`, `Backup`, `Disabled`.
pub fn mastership_word(state: i32) -> &'static str {
    match MastershipState::try_from(state) {
        Ok(MastershipState::Master) => "Master",
        Ok(MastershipState::Backup) => "Backup",
        Ok(MastershipState::Disabled) => "Disabled",
        _ => "Unknown",
    }
}

/// `show chassis routing-engine`: one `Routing Engine status:` block per RE.
pub fn route_engines(info: &RouteEngineInformation) -> String {
    let mut out = String::new();
    for (i, re) in info.route_engines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        route_engine(&mut out, re);
    }
    out
}

fn route_engine(out: &mut String, re: &RouteEngine) {
    // Labels start in column 4, text values in column 35, and numbers end in
    // column 34 (DRAM in 35) so that units line up.
    let text = |out: &mut String, label: &str, value: &str| {
        let _ = writeln!(out, "    {label:<31}{value}");
    };
    let _ = writeln!(out, "Routing Engine status:");
    let _ = writeln!(out, "  Slot {}:", re.slot);
    text(out, "Current state", mastership_word(re.mastership_state));
    let priority = mastership_word(re.mastership_priority);
    if re.mastership_priority_configured {
        text(out, "Election priority", priority);
    } else {
        text(out, "Election priority", &format!("{priority} (default)"));
    }
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
    if let Some(start) = DateTime::from_timestamp(re.start_time, 0) {
        text(out, "Start time", &start.format("%Y-%m-%d %H:%M:%S UTC").to_string());
    }
    text(out, "Uptime", &uptime(re.up_time_seconds));
    text(out, "Last reboot reason", &re.last_reboot_reason);
    if let Some(load) = &re.load_averages {
        text(out, "Load averages:", "1 minute   5 minute  15 minute");
        let _ = writeln!(out, "{:>43.2}{:>11.2}{:>11.2}", load.one, load.five, load.fifteen);
    }
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

/// Junos truncates: 51 degrees C shows as 123 degrees F.
fn fahrenheit(celsius: i32) -> i32 {
    celsius * 9 / 5 + 32
}

/// `3 days, 17 hours, 27 seconds`: units that are zero are left out.
pub fn uptime(seconds: u64) -> String {
    let units = [
        ("day", seconds / 86_400),
        ("hour", seconds / 3600 % 24),
        ("minute", seconds / 60 % 60),
        ("second", seconds % 60),
    ];
    let parts: Vec<String> = units
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(unit, n)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if parts.is_empty() { "0 seconds".into() } else { parts.join(", ") }
}

/// `show chassis hardware`: columns at 0, 17, 26, 39 and 57; sub-modules
/// indented two spaces a level.
pub fn hardware(inventory: &ChassisInventory) -> String {
    let mut out = String::from("Hardware inventory:\n");
    let mut row = |item: &str, version: &str, part: &str, serial: &str, description: &str| {
        let line = format!("{item:<17}{version:<9}{part:<13}{serial:<18}{description}");
        out.push_str(line.trim_end());
        out.push('\n');
    };
    row("Item", "Version", "Part number", "Serial number", "Description");
    for m in &inventory.modules {
        let item = format!("{}{}", "  ".repeat(m.depth as usize), m.name);
        row(&item, &m.version, &m.part_number, &m.serial_number, &m.description);
    }
    out
}

/// `show version`.
pub fn version(info: &SoftwareInformation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Hostname: {}", info.host_name);
    let _ = writeln!(out, "Model: {}", info.product_model);
    for package in &info.packages {
        let _ = writeln!(out, "{}", package.comment);
    }
    out
}

/// The banner a session prints when it logs in to a Routing Engine.
pub fn login_banner(info: &SoftwareInformation) -> String {
    format!("--- JUNOS {} Kernel 64-bit", info.junos_version)
}

/// A `Possible completions:` list: a two-column marker, the name padded so help
/// text starts in column 23 (or two spaces after a long name).
pub fn completions(c: &Completions) -> String {
    let mut out = String::from("Possible completions:\n");
    if c.can_execute {
        completion_line(&mut out, "<[Enter]>", "Execute this command");
    }
    for Completion { name, help } in &c.items {
        completion_line(&mut out, name, help);
    }
    out
}

pub fn completion_line(out: &mut String, name: &str, help: &str) {
    let line = if name.len() <= 20 { format!("  {name:<21}{help}") } else { format!("  {name}  {help}") };
    out.push_str(line.trim_end());
    out.push('\n');
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
        }
    }

    #[test]
    fn routing_engine_matches_the_device_columns() {
        let text = route_engines(&RouteEngineInformation { route_engines: vec![sample()] });
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
    fn uptime_leaves_out_zero_units() {
        assert_eq!(uptime(0), "0 seconds");
        assert_eq!(uptime(61), "1 minute, 1 second");
        assert_eq!(uptime(9 * 86_400 + 22 * 3600 + 27 * 60 + 12), "9 days, 22 hours, 27 minutes, 12 seconds");
    }

    #[test]
    fn completion_help_starts_in_column_23() {
        let mut out = String::new();
        completion_line(&mut out, "chassis", "Show chassis information");
        completion_line(&mut out, "multicast-snooping-options", "Multicast snooping option configuration");
        assert_eq!(
            out,
            "  chassis              Show chassis information\n  multicast-snooping-options  Multicast snooping option configuration\n"
        );
    }
}
