//! `show system uptime`, and the views of the RE's files (`file list`,
//! `file show`).

use std::fmt::Write;

use chrono::DateTime;

use super::columns::{Column, Columns};
use super::junos_time;
use crate::proto::{
    DirectoryList, FileContents, LoadAverages, LockoutList, SwitchoverStatus, SystemUptimeInformation,
    UserList,
};
use crate::shell::view::{Element, View};

/// `00:29:13` under a day, `3d 04:05` under a week, `22w0d 19:16` beyond.
pub fn time_since(seconds: u64) -> String {
    let (weeks, days) = (seconds / 604_800, seconds / 86_400 % 7);
    let (hours, minutes) = (seconds / 3600 % 24, seconds / 60 % 60);
    if seconds < 86_400 {
        format!("{hours:02}:{minutes:02}:{:02}", seconds % 60)
    } else if weeks == 0 {
        format!("{days}d {hours:02}:{minutes:02}")
    } else {
        format!("{weeks}w{days}d {hours:02}:{minutes:02}")
    }
}

/// The `up ...` of BSD uptime: `154 days, 19:16`, `1:02`, `29 mins`, `45 secs`.
pub fn up_time(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    let rest = if hours > 0 {
        format!("{hours}:{minutes:02}")
    } else if minutes > 0 || days > 0 {
        plural(minutes, "min")
    } else {
        plural(seconds, "sec")
    };
    if days > 0 { format!("{}, {rest}", plural(days, "day")) } else { rest }
}

/// ` 8:48AM`, the clock as BSD uptime shows it.
fn clock(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0).map_or_else(String::new, |t| t.format("%l:%M%p").to_string())
}

/// BSD uptime's line: ` 8:48AM  up 154 days, 19:16, 2 users, load averages: ...`.
fn uptime_line(now: i64, booted: i64, users: u32, load: Option<&LoadAverages>) -> String {
    let up = now.saturating_sub(booted).max(0) as u64;
    let mut out =
        format!("{}  up {}, {users} user{}", clock(now), up_time(up), if users == 1 { "" } else { "s" });
    if let Some(load) = load {
        let _ = write!(out, ", load averages: {:.2}, {:.2}, {:.2}", load.one, load.five, load.fifteen);
    }
    out.push('\n');
    out
}

impl View for SystemUptimeInformation {
    fn text(&self) -> String {
        let since = |t: i64| time_since(self.current_time.saturating_sub(t).max(0) as u64);
        let mut out = String::new();
        let _ = writeln!(out, "Current time: {}", junos_time(self.current_time));
        let _ = writeln!(out, "Time Source:  {}", self.time_source);
        let _ = writeln!(
            out,
            "System booted: {} ({} ago)",
            junos_time(self.system_booted_time),
            since(self.system_booted_time)
        );
        let _ = writeln!(
            out,
            "Protocols started: {} ({} ago)",
            junos_time(self.protocols_started_time),
            since(self.protocols_started_time)
        );
        if let Some(last) = &self.last_configured {
            let _ = writeln!(
                out,
                "Last configured: {} ({} ago) by {}",
                junos_time(last.time),
                since(last.time),
                last.user
            );
        }
        out.push_str(&uptime_line(
            self.current_time,
            self.system_booted_time,
            self.active_user_count,
            self.load_averages.as_ref(),
        ));
        out
    }

    fn element(&self) -> Element {
        let date_time = |t: i64| Element::leaf("date-time", junos_time(t)).attr("junos:seconds", t);
        let since = |name: &str, t: i64| {
            let length = self.current_time.saturating_sub(t).max(0);
            Element::new(name)
                .child(date_time(t))
                .child(Element::leaf("time-length", time_since(length as u64)).attr("junos:seconds", length))
        };
        let up = self.current_time.saturating_sub(self.system_booted_time).max(0);
        let users = self.active_user_count;
        let mut uptime = Element::new("uptime-information")
            .child(
                Element::leaf("date-time", clock(self.current_time).trim())
                    .attr("junos:seconds", self.current_time),
            )
            .child(Element::leaf("up-time", up_time(up as u64)).attr("junos:seconds", up))
            .child(Element::leaf("active-user-count", users).attr("junos:format", format!("{users} users")));
        if let Some(load) = &self.load_averages {
            uptime.push(Element::leaf("load-average-1", format!("{:.2}", load.one)));
            uptime.push(Element::leaf("load-average-5", format!("{:.2}", load.five)));
            uptime.push(Element::leaf("load-average-15", format!("{:.2}", load.fifteen)));
        }
        let mut root = Element::reply_root("system-uptime-information", "junos")
            .child(Element::new("current-time").child(date_time(self.current_time)))
            .child(Element::leaf("time-source", format!(" {} ", self.time_source)))
            .child(since("system-booted-time", self.system_booted_time))
            .child(since("protocols-started-time", self.protocols_started_time));
        if let Some(last) = &self.last_configured {
            root.push(since("last-configured-time", last.time).child(Element::leaf("user", &last.user)));
        }
        root.child(uptime)
    }
}

/// `show system users`: the uptime line, then one row a session.
impl View for UserList {
    fn text(&self) -> String {
        let mut out =
            uptime_line(self.now, self.booted, self.sessions.len() as u32, self.load_averages.as_ref());
        let mut table = Columns::new(&[
            Column::left(9),
            Column::left(9),
            Column::left(34),
            Column::right(6),
            Column::right(6),
            Column::left(0).after(1),
        ]);
        table.row(["USER", "TTY", "FROM", "LOGIN@", "IDLE", "WHAT"]);
        for s in &self.sessions {
            let (login, idle) = (clock(s.login_time), idle(s.idle_seconds));
            table.row([s.user.as_str(), &s.terminal, &s.from, login.trim(), &idle, &s.what]);
        }
        out.push_str(&table.render());
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("system-users-information", "junos");
        let mut table = Element::new("user-table");
        for s in &self.sessions {
            table.push(
                Element::new("user-entry")
                    .child(Element::leaf("user", &s.user))
                    .child(Element::leaf("tty", &s.terminal))
                    .child(Element::leaf("from", &s.from))
                    .child(
                        Element::leaf("login-time", clock(s.login_time).trim())
                            .attr("junos:seconds", s.login_time),
                    )
                    .child(
                        Element::leaf("idle-time", idle(s.idle_seconds))
                            .attr("junos:seconds", s.idle_seconds),
                    )
                    .child(Element::leaf("command", &s.what)),
            );
        }
        root.push(Element::new("uptime-information").child(table));
        root
    }
}

/// `show system login lockout`: one row a locked user.
impl View for LockoutList {
    fn text(&self) -> String {
        let mut table = Columns::new(&[Column::left(21), Column::left(30), Column::left(0)]);
        table.row(["User", "Lockout start", "Lockout end"]);
        for l in &self.lockouts {
            table.row([l.user.clone(), junos_time(l.start), junos_time(l.end)]);
        }
        table.render()
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("login-lockout-information", "junos");
        for l in &self.lockouts {
            root.push(
                Element::new("login-lockout-user-information")
                    .child(Element::leaf("user-name", &l.user))
                    .child(Element::leaf("lockout-start", junos_time(l.start)).attr("junos:seconds", l.start))
                    .child(Element::leaf("lockout-end", junos_time(l.end)).attr("junos:seconds", l.end)),
            );
        }
        root
    }
}

/// Idle time as BSD `w` gives it: `-` under a minute, minutes, then `h:mm`.
fn idle(seconds: u64) -> String {
    match seconds / 60 {
        0 => "-".into(),
        m if m < 60 => m.to_string(),
        m => format!("{}:{:02}", m / 60, m % 60),
    }
}

impl View for DirectoryList {
    /// The directory, then one name a line, directories with a trailing `/`.
    fn text(&self) -> String {
        let mut out = format!("{}:\n", self.path);
        for entry in &self.entries {
            let _ = writeln!(out, "{}{}", entry.name, if entry.directory { "/" } else { "" });
        }
        out
    }

    fn element(&self) -> Element {
        let mut directory = Element::new("directory").attr("name", &self.path);
        for entry in &self.entries {
            let mut file = Element::new("file-information").child(Element::leaf("file-name", &entry.name));
            if entry.directory {
                file.push(Element::new("file-directory").attr("junos:format", "/"));
            }
            directory.push(file);
        }
        directory.push(Element::leaf("total-files", self.entries.iter().filter(|e| !e.directory).count()));
        Element::new("directory-list").attr("root-path", &self.path).child(directory)
    }
}

/// `file list detail`: `ls -l` lines between a block count and a file count.
pub struct Detailed(pub DirectoryList);

impl View for Detailed {
    fn text(&self) -> String {
        let list = &self.0;
        let blocks: u64 = list.entries.iter().map(|e| e.size.div_ceil(512)).sum();
        let mut out = format!("{}:\ntotal blocks: {blocks}\n", list.path);
        for entry in &list.entries {
            let kind = if entry.directory { 'd' } else { '-' };
            let modified = chrono::DateTime::from_timestamp(entry.modified, 0)
                .map(|t| t.format("%b %e %H:%M").to_string())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{kind}{}  1 root  wheel  {:>10} {modified} {}{}",
                permissions(entry.mode),
                entry.size,
                entry.name,
                if entry.directory { "/" } else { "" }
            );
        }
        let _ = writeln!(out, "total files: {}", list.entries.iter().filter(|e| !e.directory).count());
        out
    }

    /// What PyEZ's `FS` reads: each file's permissions, owner, size and
    /// date, as numbers with their text in `junos:format`.
    fn element(&self) -> Element {
        let list = &self.0;
        let mut directory = Element::new("directory").attr("name", &list.path);
        for entry in &list.entries {
            let date = chrono::DateTime::from_timestamp(entry.modified, 0)
                .map(|t| t.format("%b %e %H:%M").to_string())
                .unwrap_or_default();
            let kind = if entry.directory { 'd' } else { '-' };
            let mut file = Element::new("file-information")
                .child(Element::leaf("file-name", &entry.name))
                .child(
                    Element::leaf("file-permissions", format!("{:o}", entry.mode & 0o777))
                        .attr("junos:format", format!("{kind}{}", permissions(entry.mode))),
                )
                .child(Element::leaf("file-links", 1))
                .child(Element::leaf("file-owner", "root"))
                .child(Element::leaf("file-group", "wheel"))
                .child(Element::leaf("file-size", entry.size))
                .child(Element::leaf("file-date", entry.modified).attr("junos:format", date));
            if entry.directory {
                file.push(Element::new("file-directory").attr("junos:format", "/"));
            }
            directory.push(file);
        }
        directory.push(Element::leaf("total-files", list.entries.iter().filter(|e| !e.directory).count()));
        Element::new("directory-list").attr("root-path", &list.path).child(directory)
    }
}

/// What `request system reboot|halt|power-off` answers: its lines, each a
/// `<request-reboot-status>` in XML, where PyEZ's `SW` reads them.
pub struct Shutdown(pub String);

impl View for Shutdown {
    fn text(&self) -> String {
        self.0.clone()
    }

    fn element(&self) -> Element {
        let mut root = Element::new("request-reboot-results");
        for line in self.0.lines().filter(|l| !l.is_empty()) {
            root.push(Element::leaf("request-reboot-status", line));
        }
        root
    }
}

/// `file checksum md5|sha-256 PATH`.
pub struct Checksum {
    pub algorithm: &'static str,
    pub path: String,
    pub digest: String,
}

impl View for Checksum {
    fn text(&self) -> String {
        let label = if self.algorithm == "md5" { "MD5" } else { "SHA256" };
        format!("{label} ({}) = {}\n", self.path, self.digest)
    }

    fn element(&self) -> Element {
        Element::reply_root("checksum-information", "junos").child(
            Element::new("file-checksum")
                .child(Element::leaf("computation-method", self.algorithm.to_uppercase().replace('-', "")))
                .child(Element::leaf("input-file", &self.path))
                .child(Element::leaf("checksum", &self.digest)),
        )
    }
}

/// `rwxr-xr-x` from permission bits.
fn permissions(mode: u32) -> String {
    (0..9).map(|i| if mode & (0o400 >> i) != 0 { ['r', 'w', 'x'][i % 3] } else { '-' }).collect()
}

impl View for FileContents {
    fn text(&self) -> String {
        let mut text = self.content.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    fn element(&self) -> Element {
        Element::leaf("file-content", &self.content).attr("filename", &self.path)
    }
}

/// `show system switchover` on the backup: what it holds of the master's
/// state, as `<switchover-information>` (PyEZ reads `switchover-state`).
pub struct Switchover(pub SwitchoverStatus);

impl Switchover {
    fn states(&self) -> [(&'static str, &'static str, &'static str); 4] {
        let status = &self.0;
        let ready = |ready: bool| if ready { "Ready" } else { "Not Ready" };
        [
            (
                "Graceful switchover",
                "graceful-switchover",
                if status.graceful_switchover { "On" } else { "Off" },
            ),
            ("Configuration database", "configuration-database", "Ready"),
            ("Kernel database", "kernel-database", ready(status.graceful_switchover && status.kernel_ready)),
            ("Peer state", "peer-state", if status.peer_steady { "Steady State" } else { "Not Ready" }),
        ]
    }
}

impl View for Switchover {
    fn text(&self) -> String {
        self.states().iter().map(|(label, _, value)| format!("{label}: {value}\n")).collect()
    }

    fn element(&self) -> Element {
        let status = &self.0;
        let mut root = Element::reply_root("switchover-information", "junos-chassis");
        for (_, name, value) in self.states() {
            root.push(Element::leaf(name, value));
        }
        let ready = status.graceful_switchover && status.kernel_ready && status.peer_steady;
        root.child(Element::leaf("switchover-state", if ready { "Ready" } else { "Not Ready" }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{LastConfigured, LoadAverages};

    #[test]
    fn durations_read_as_junos_prints_them() {
        assert_eq!(time_since(29 * 60 + 13), "00:29:13");
        assert_eq!(time_since(3 * 86_400 + 4 * 3600 + 5 * 60), "3d 04:05");
        assert_eq!(time_since(154 * 86_400 + 19 * 3600 + 16 * 60), "22w0d 19:16");
        assert_eq!(up_time(45), "45 secs");
        assert_eq!(up_time(60), "1 min");
        assert_eq!(up_time(3720), "1:02");
        assert_eq!(up_time(154 * 86_400 + 19 * 3600 + 16 * 60), "154 days, 19:16");
        assert_eq!(up_time(86_400 + 120), "1 day, 2 mins");
    }

    #[test]
    fn uptime_text_has_the_junos_lines() {
        let booted = 1_700_000_000;
        let info = SystemUptimeInformation {
            current_time: booted + 29 * 60 + 13,
            time_source: "LOCAL CLOCK".into(),
            system_booted_time: booted,
            protocols_started_time: booted,
            active_user_count: 1,
            load_averages: Some(LoadAverages { one: 0.04, five: 0.04, fifteen: 0.01 }),
            last_configured: Some(LastConfigured { time: booted + 24 * 60 + 12, user: "lab".into() }),
        };
        assert_eq!(
            info.text(),
            "Current time: 2023-11-14 22:42:33 UTC\nTime Source:  LOCAL CLOCK\n\
             System booted: 2023-11-14 22:13:20 UTC (00:29:13 ago)\n\
             Protocols started: 2023-11-14 22:13:20 UTC (00:29:13 ago)\n\
             Last configured: 2023-11-14 22:37:32 UTC (00:05:01 ago) by lab\n\
             10:42PM  up 29 mins, 1 user, load averages: 0.04, 0.04, 0.01\n"
        );
        let xml = crate::shell::view::to_xml(&info.element(), "{master}");
        let last = "<last-configured-time>\n\
                    <date-time junos:seconds=\"1700001452\">2023-11-14 22:37:32 UTC</date-time>\n\
                    <time-length junos:seconds=\"301\">00:05:01</time-length>\n\
                    <user>lab</user>\n</last-configured-time>\n<uptime-information>";
        let flat: String = xml.lines().map(str::trim).map(|l| format!("{l}\n")).collect();
        assert!(flat.contains(last), "{xml}");
    }
}
