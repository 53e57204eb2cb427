//! `show system processes [brief|extensive]` and `show vmhost snapshot`.

use std::fmt::Write;

use chrono::DateTime;

use super::columns::{Column, Columns};
use super::junos_time;
use crate::proto::{Process, ProcessInformation, SnapshotInformation, process};
use crate::shell::view::{Element, View};

/// How much of the process table to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// `ps` style.
    Standard,
    /// `top`'s summary.
    Brief,
    /// `top` with every process, and the watchdog's counts.
    Extensive,
}

pub struct Processes(pub ProcessInformation, pub Detail);

/// The processes that run, in the order they were started.
fn running(info: &ProcessInformation) -> Vec<&Process> {
    let mut running: Vec<&Process> = info.processes.iter().filter(|p| p.pid != 0).collect();
    running.sort_by_key(|p| p.pid);
    running
}

/// `0:00.12`: minutes, seconds and hundredths.
fn cpu_time(micros: u64) -> String {
    let hundredths = micros / 10_000;
    format!("{}:{:02}.{:02}", hundredths / 6000, hundredths / 100 % 60, hundredths % 100)
}

/// The share of its life a process spent on a CPU.
fn cpu_share(p: &Process, now: i64) -> f64 {
    let lived = (now - p.started).max(1) as f64 * 1e6;
    (p.cpu_micros as f64 / lived * 100.0).min(100.0)
}

/// `1234K`.
fn kilobytes(bytes: u64) -> String {
    format!("{}K", bytes.div_ceil(1024))
}

/// A size as top prints it: `512K`, `3607M`, `12G`.
fn top_size(kilobytes: u64) -> String {
    let (mut amount, mut unit) = (kilobytes, 'K');
    for bigger in ['M', 'G'] {
        if amount < 10_000 {
            break;
        }
        (amount, unit) = ((amount + 512) / 1024, bigger);
    }
    format!("{amount}{unit}")
}

/// A CPU share as top prints it: ` 3.0%`, ` 100%`.
fn top_share(percent: u32) -> String {
    if percent >= 100 { format!("{percent:>4}%") } else { format!("{:>4.1}%", f64::from(percent)) }
}

/// top's header as Junos's FreeBSD prints it: `last pid: ...`, the
/// processes by state (every state named, as the parsers people use expect),
/// CPU, memory and swap.
fn summary(info: &ProcessInformation) -> String {
    let mut out = String::new();
    let loads = info.load_averages.unwrap_or_default();
    let up = (info.now - info.booted).max(0);
    let clock =
        DateTime::from_timestamp(info.now, 0).map_or_else(String::new, |t| t.format("%H:%M:%S").to_string());
    let _ = writeln!(
        out,
        "last pid: {:>5};  load averages: {:>5.2}, {:>5.2}, {:>5.2}  up {}+{:02}:{:02}:{:02}    {clock}",
        info.last_pid,
        loads.one,
        loads.five,
        loads.fifteen,
        up / 86_400,
        up / 3600 % 24,
        up / 60 % 60,
        up % 60
    );
    let count = running(info).len();
    // top itself is the one running.
    let _ = writeln!(
        out,
        "{count} processes: 1 running, {} sleeping, 0 zombie, 0 waiting\n",
        count.saturating_sub(1)
    );
    if let Some(cpu) = &info.cpu {
        let _ = writeln!(
            out,
            "CPU: {} user, {} nice, {} system, {} interrupt, {} idle",
            top_share(cpu.user),
            top_share(cpu.background),
            top_share(cpu.kernel),
            top_share(cpu.interrupt),
            top_share(cpu.idle)
        );
    }
    if let Some(m) = &info.memory {
        let _ = writeln!(
            out,
            "Mem: {} Active, {} Inact, {} Wired, {} Buf, {} Free",
            top_size(m.active_kb),
            top_size(m.inactive_kb),
            top_size(m.wired_kb),
            top_size(m.buffer_kb),
            top_size(m.free_kb)
        );
        let used = m.swap_total_kb.saturating_sub(m.swap_free_kb);
        let used = if used > 0 { format!("{} Used, ", top_size(used)) } else { String::new() };
        let _ = writeln!(
            out,
            "Swap: {} Total, {used}{} Free",
            top_size(m.swap_total_kb),
            top_size(m.swap_free_kb)
        );
    }
    out
}

impl View for Processes {
    fn text(&self) -> String {
        let info = &self.0;
        match self.1 {
            Detail::Standard => {
                let mut table = Columns::new(&[
                    Column::right(5),
                    Column::left(2).after(2),
                    Column::left(4).after(2),
                    Column::right(9).after(1),
                    Column::left(0).after(1),
                ]);
                table.row(["PID", "TT", "STAT", "TIME", "COMMAND"]);
                for p in running(info) {
                    let command = format!("/usr/sbin/{} -N", p.command);
                    table.row([p.pid.to_string(), "??".into(), "S".into(), cpu_time(p.cpu_micros), command]);
                }
                table.render()
            }
            Detail::Brief => summary(info),
            Detail::Extensive => {
                let mut out = summary(info);
                let mut top = Columns::new(&[
                    Column::right(5),
                    Column::left(8).after(1),
                    Column::right(3).after(2),
                    Column::right(4).after(1),
                    Column::right(6).after(1),
                    Column::right(6).after(1),
                    Column::left(5).after(1),
                    Column::right(7).after(1),
                    Column::right(6).after(1),
                    Column::right(6).after(1),
                    Column::left(0).after(1),
                ]);
                top.row([
                    "PID", "USERNAME", "PRI", "NICE", "SIZE", "RES", "STATE", "TIME", "WCPU", "CPU",
                    "COMMAND",
                ]);
                for p in running(info) {
                    let share = format!("{:.2}%", cpu_share(p, info.now));
                    let seconds = p.cpu_micros / 1_000_000;
                    let size = kilobytes(p.resident_bytes);
                    top.row([
                        p.pid.to_string(),
                        "root".into(),
                        "8".into(),
                        "0".into(),
                        size.clone(),
                        size,
                        "select".into(),
                        format!("{}:{:02}", seconds / 60, seconds % 60),
                        share.clone(),
                        share,
                        p.command.clone(),
                    ]);
                }
                out.push('\n');
                out.push_str(&top.render());
                let mut daemons = Columns::new(&[
                    Column::left(20),
                    Column::left(10).after(1),
                    Column::right(6).after(1),
                    Column::left(24).after(2),
                    Column::right(9).after(1),
                    Column::right(9).after(1),
                    Column::left(0).after(2),
                ]);
                daemons.row(["Process", "State", "PID", "Started", "Restarts", "Failures", "Failover"]);
                for p in &info.processes {
                    let state = match p.state() {
                        process::State::Running => "running",
                        process::State::Down => "restarting",
                        process::State::Disabled => "disabled",
                    };
                    let pid = if p.pid == 0 { "-".to_owned() } else { p.pid.to_string() };
                    let failover = if p.failover.is_empty() { "-" } else { &p.failover };
                    daemons.row([
                        p.name.clone(),
                        state.into(),
                        pid,
                        if p.started == 0 { "-".into() } else { junos_time(p.started) },
                        p.restarts.to_string(),
                        p.recent_failures.to_string(),
                        failover.into(),
                    ]);
                }
                out.push('\n');
                out.push_str(&daemons.render());
                out.push_str("(Failures: unexpected exits in the last 30 seconds.)\n");
                out
            }
        }
    }

    /// Junos gives the text itself, in `<output>`.
    fn element(&self) -> Element {
        Element::reply_root("system-process-information", "junos")
            .child(Element::leaf("output", self.text().trim_end_matches('\n')))
    }
}

impl View for SnapshotInformation {
    fn text(&self) -> String {
        let Some(s) = &self.snapshot else {
            return "Backup Disk: no snapshot\n".into();
        };
        let taken = DateTime::from_timestamp(s.taken, 0)
            .map_or_else(|| s.taken.to_string(), |t| t.format("%a %b %e %H:%M:%S %Y").to_string());
        let mut out = String::new();
        let _ = writeln!(out, "Backup Disk, Snapshot Time: {taken}");
        let _ = writeln!(out, "Version: set b");
        let _ = writeln!(out, "Junos Disk: junos-install-x86-64-{}.tgz", s.junos_version);
        let _ = writeln!(out, "Host name: {}", s.host_name);
        let _ = writeln!(out, "Contents: {} files, {} bytes", s.files, s.bytes);
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("vmhost-snapshot-information", "junos");
        if let Some(s) = &self.snapshot {
            root.push(
                Element::new("snapshot")
                    .child(Element::leaf("disk", "backup"))
                    .child(Element::leaf("snapshot-time", junos_time(s.taken)).attr("junos:seconds", s.taken))
                    .child(Element::leaf("junos-version", &s.junos_version))
                    .child(Element::leaf("host-name", &s.host_name))
                    .child(Element::leaf("files", s.files))
                    .child(Element::leaf("bytes", s.bytes)),
            );
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ProcessInformation {
        let process = |name: &str, command: &str, pid: u32| Process {
            name: name.into(),
            command: command.into(),
            pid,
            started: 1_700_000_000,
            cpu_micros: 1_230_000,
            resident_bytes: 5000,
            ..Process::default()
        };
        ProcessInformation {
            processes: vec![
                process("management", "mgd", 1001),
                Process {
                    state: process::State::Disabled as i32,
                    started: 0,
                    ..process("routing", "rpd", 0)
                },
            ],
            last_pid: 1004,
            booted: 1_700_000_000,
            now: 1_700_000_100,
            ..ProcessInformation::default()
        }
    }

    #[test]
    fn the_ps_view_lists_what_runs() {
        assert_eq!(
            Processes(info(), Detail::Standard).text(),
            "  PID  TT  STAT      TIME COMMAND\n 1001  ??  S      0:01.23 /usr/sbin/mgd -N\n"
        );
    }

    #[test]
    fn the_brief_view_is_tops_header_alone() {
        let info = ProcessInformation {
            load_averages: Some(crate::proto::LoadAverages { one: 1.72, five: 1.7, fifteen: 0.05 }),
            cpu: Some(crate::proto::CpuUtilization {
                interval_seconds: 5,
                user: 3,
                background: 0,
                kernel: 1,
                interrupt: 0,
                idle: 96,
            }),
            memory: Some(crate::proto::MemoryUse {
                active_kb: 3_693_536,
                inactive_kb: 9_055_200,
                wired_kb: 14_160,
                cache_kb: 12_304_020,
                buffer_kb: 18_408,
                free_kb: 9_000,
                swap_total_kb: 2_097_152,
                swap_free_kb: 2_097_152 - 12_288,
            }),
            ..info()
        };
        assert_eq!(
            Processes(info, Detail::Brief).text(),
            "last pid:  1004;  load averages:  1.72,  1.70,  0.05  up 0+00:01:40    22:15:00\n\
             1 processes: 1 running, 0 sleeping, 0 zombie, 0 waiting\n\n\
             CPU:  3.0% user,  0.0% nice,  1.0% system,  0.0% interrupt, 96.0% idle\n\
             Mem: 3607M Active, 8843M Inact, 14M Wired, 18M Buf, 9000K Free\n\
             Swap: 2048M Total, 12M Used, 2036M Free\n"
        );
        assert_eq!(top_share(100), " 100%");
    }

    #[test]
    fn the_top_view_has_its_summary_and_the_watchdog_counts() {
        let text = Processes(info(), Detail::Extensive).text();
        assert!(
            text.starts_with("last pid:  1004;  load averages:  0.00,  0.00,  0.00  up 0+00:01:40"),
            "{text}"
        );
        assert!(text.contains("\n1 processes: 1 running, 0 sleeping, 0 zombie, 0 waiting\n"), "{text}");
        assert!(
            text.contains(" 1001 root        8    0     5K     5K select    0:01  1.23%  1.23% mgd\n"),
            "{text}"
        );
        assert!(text.contains("\nrouting              disabled        -  -"), "{text}");
    }
}
