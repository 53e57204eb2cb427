//! `show system storage`, `show system memory`,
//! `show system configuration database usage`, and `show ntp status` /
//! `show ntp associations`.

use std::fmt::Write;

use chrono::DateTime;

use super::columns::{Column, Columns};
use crate::proto::{DatabaseUsage, MemoryUse, NtpInformation, SystemStorage};
use crate::shell::view::{Element, View};

/// A size as `df -h` prints it: `484K`, `1.5G`, `19G`.
pub fn human(kilobytes: u64) -> String {
    let (mut amount, mut unit) = (kilobytes as f64, 'K');
    for bigger in ['M', 'G', 'T'] {
        if amount < 1024.0 {
            break;
        }
        (amount, unit) = (amount / 1024.0, bigger);
    }
    if amount < 10.0 && unit != 'K' {
        format!("{amount:.1}{unit}")
    } else {
        format!("{}{unit}", amount.round())
    }
}

/// The share of the usable space in use, rounded up as `df` does.
fn capacity(used: u64, available: u64) -> u64 {
    (used * 100).div_ceil((used + available).max(1))
}

impl View for SystemStorage {
    fn text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(20),
            Column::right(8),
            Column::right(11),
            Column::right(11),
            Column::right(10),
            Column::left(0).after(2),
        ]);
        table.row(["Filesystem", "Size", "Used", "Avail", "Capacity", "Mounted on"]);
        for f in &self.filesystems {
            table.row([
                f.name.clone(),
                human(f.total_blocks),
                human(f.used_blocks),
                human(f.available_blocks),
                format!("{}%", capacity(f.used_blocks, f.available_blocks)),
                f.mounted_on.clone(),
            ]);
        }
        table.render()
    }

    /// Blocks of 512 bytes, as FreeBSD's `df` counts them, each with its
    /// human form in `junos:format`.
    fn element(&self) -> Element {
        let blocks = |name: &str, kb: u64| Element::leaf(name, kb * 2).attr("junos:format", human(kb));
        let mut root =
            Element::reply_root("system-storage-information", "junos").attr("junos:style", "brief");
        for f in &self.filesystems {
            root.push(
                Element::new("filesystem")
                    .child(Element::leaf("filesystem-name", &f.name))
                    .child(blocks("total-blocks", f.total_blocks))
                    .child(blocks("used-blocks", f.used_blocks))
                    .child(blocks("available-blocks", f.available_blocks))
                    .child(Element::leaf(
                        "used-percent",
                        format!("{:>2}", capacity(f.used_blocks, f.available_blocks)),
                    ))
                    .child(Element::leaf("mounted-on", &f.mounted_on)),
            );
        }
        root
    }
}

/// `show system memory`: the RE's memory by use, in KiB.
pub struct SystemMemory(pub MemoryUse);

impl SystemMemory {
    /// Each kind of memory and its KiB, the total first.
    fn kinds(&self) -> [(&'static str, &'static str, u64); 6] {
        let m = &self.0;
        let total = m.active_kb + m.inactive_kb + m.wired_kb + m.cache_kb + m.buffer_kb + m.free_kb;
        [
            ("Total", "total", total),
            ("Wired", "wired", m.wired_kb),
            ("Active", "active", m.active_kb),
            ("Inactive", "inactive", m.inactive_kb),
            ("Cache", "cache", m.cache_kb + m.buffer_kb),
            ("Free", "free", m.free_kb),
        ]
    }
}

impl View for SystemMemory {
    fn text(&self) -> String {
        let kinds = self.kinds();
        let total = kinds[0].2.max(1);
        let mut out = String::from("System memory usage distribution:\n");
        for (label, _, kb) in kinds {
            let _ =
                writeln!(out, "{:>20}: {kb:>9} Kbytes ({:>3}%)", format!("{label} memory"), kb * 100 / total);
        }
        out
    }

    /// Bare numbers, as Ansible's facts read them with `int()`.
    fn element(&self) -> Element {
        let kinds = self.kinds();
        let total = kinds[0].2.max(1);
        let mut summary = Element::new("system-memory-summary-information");
        for (_, name, kb) in kinds {
            summary.push(Element::leaf(&format!("system-memory-{name}"), kb));
            summary.push(Element::leaf(&format!("system-memory-{name}-percent"), kb * 100 / total));
        }
        Element::reply_root("system-memory-information", "junos").child(summary)
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / (1024.0 * 1024.0))
}

impl DatabaseUsage {
    fn lines(&self) -> [(&'static str, &'static str, u64); 4] {
        [
            ("Maximum size of the database", "maximum-size", self.maximum_bytes),
            ("Current database size on disk", "current-size", self.size_bytes),
            ("Actual database usage", "actual-usage", self.used_bytes),
            (
                "Available database space",
                "available-space",
                self.maximum_bytes.saturating_sub(self.size_bytes),
            ),
        ]
    }
}

impl View for DatabaseUsage {
    fn text(&self) -> String {
        self.lines().iter().map(|(label, _, bytes)| format!(" {label}: {}\n", megabytes(*bytes))).collect()
    }

    fn element(&self) -> Element {
        let mut item = Element::new("database-usage-item");
        for (_, name, bytes) in self.lines() {
            item.push(Element::leaf(name, megabytes(bytes)).attr("junos:bytes", bytes));
        }
        Element::reply_root("database-usage-information", "junos").child(item)
    }
}

/// `show ntp associations`: ntpq's peer table. No server has answered,
/// so each is still being tried (`.INIT.`, stratum 16, nothing reached).
pub struct NtpAssociations(pub NtpInformation);

impl View for NtpAssociations {
    /// Starts with an empty line, as Junos's does; NAPALM skips three lines.
    fn text(&self) -> String {
        let mut out = String::from(
            "\n     remote           refid      st t when poll reach   delay   offset  jitter\n\
             ==============================================================================\n",
        );
        for server in &self.0.servers {
            let _ = writeln!(
                out,
                " {:<15} {:<15} 16 u    -   64    0    0.000    0.000 4000.00",
                truncated(&server.address, 15),
                ".INIT."
            );
        }
        out
    }

    /// Junos has no XML for it: the text, in `<output>`.
    fn element(&self) -> Element {
        Element::leaf("output", self.text().trim_end_matches('\n'))
    }
}

/// ntpq cuts a long address to the column.
fn truncated(text: &str, width: usize) -> &str {
    text.char_indices().nth(width).map_or(text, |(at, _)| &text[..at])
}

/// `show ntp status`: ntpq's system variables, unsynchronised.
pub struct NtpStatus(pub NtpInformation);

impl View for NtpStatus {
    fn text(&self) -> String {
        let clock = DateTime::from_timestamp(self.0.now, 0)
            .map_or_else(String::new, |t| t.format("%a, %b %e %Y %H:%M:%S.000").to_string());
        format!(
            "status=c011 leap_alarm, sync_unspec, 1 event, freq_mode,\n\
             version=\"ntpd 4.2.8p15-a (1)\",\n\
             processor=\"amd64\", system=\"FreeBSD/12.1\", leap=11, stratum=16,\n\
             precision=-23, rootdelay=0.000, rootdispersion=0.990, peer=0,\n\
             refid=INIT,\n\
             reftime=00000000.00000000  Thu, Feb  7 2036  6:28:16.000, poll=6,\n\
             clock={:08x}.00000000  {clock}, state=1,\n\
             offset=0.000, frequency=0.000, jitter=0.000, stability=0.000\n",
            (self.0.now + 2_208_988_800) as u64 & 0xffff_ffff
        )
    }

    fn element(&self) -> Element {
        Element::leaf("output", self.text().trim_end_matches('\n'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Filesystem, NtpServer};

    #[test]
    fn storage_reads_as_df_with_junos_columns() {
        let storage = SystemStorage {
            filesystems: vec![Filesystem {
                name: "/dev/gpt/junos".into(),
                total_blocks: 20_307_196,
                used_blocks: 1_593_444,
                available_blocks: 18_713_752,
                mounted_on: "/.mount".into(),
            }],
        };
        assert_eq!(
            storage.text(),
            "Filesystem              Size       Used      Avail  Capacity  Mounted on\n\
             /dev/gpt/junos           19G       1.5G        18G        8%  /.mount\n"
        );
        let fs = &storage.element().children[0];
        let names: Vec<&str> = fs.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "filesystem-name",
                "total-blocks",
                "used-blocks",
                "available-blocks",
                "used-percent",
                "mounted-on"
            ]
        );
        assert_eq!(fs.children[1].text.as_deref(), Some("40614392"));
        assert_eq!(fs.children[1].attributes, [("junos:format".to_owned(), "19G".to_owned())]);
        assert_eq!(fs.children[4].text.as_deref(), Some(" 8"));
        assert_eq!(human(484), "484K");
    }

    #[test]
    fn memory_totals_its_kinds_and_gives_bare_numbers() {
        let memory = SystemMemory(MemoryUse {
            active_kb: 1000,
            inactive_kb: 1000,
            wired_kb: 500,
            cache_kb: 400,
            buffer_kb: 100,
            free_kb: 7000,
            ..MemoryUse::default()
        });
        let text = memory.text();
        assert!(
            text.starts_with(
                "System memory usage distribution:\n        Total memory:     10000 Kbytes (100%)\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("         Free memory:      7000 Kbytes ( 70%)\n"), "{text}");
        let summary = &memory.element().children[0];
        assert_eq!(summary.children[0].name, "system-memory-total");
        assert_eq!(summary.children[0].text.as_deref(), Some("10000"));
        assert!(
            summary
                .children
                .iter()
                .any(|c| c.name == "system-memory-free" && c.text.as_deref() == Some("7000"))
        );
    }

    #[test]
    fn database_usage_lines() {
        let usage = DatabaseUsage { maximum_bytes: 1632 * 1048576, size_bytes: 8192, used_bytes: 5000 };
        assert_eq!(
            usage.text(),
            " Maximum size of the database: 1632.00 MB\n Current database size on disk: 0.01 MB\n\
             \x20Actual database usage: 0.00 MB\n Available database space: 1631.99 MB\n"
        );
    }

    #[test]
    fn ntp_associations_match_what_napalm_parses() {
        let info = NtpInformation {
            servers: vec![NtpServer { address: "192.0.2.123".into(), prefer: true, kind: "server".into() }],
            now: 1_700_000_000,
        };
        let text = NtpAssociations(info.clone()).text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(
            lines[1],
            "     remote           refid      st t when poll reach   delay   offset  jitter"
        );
        let row = regex::Regex::new(
            r"^\s?(\+|\*|x|-)?([\w.:]+)\s+([\w.]+)\s+(\d+)\s+(-|u)\s+(-|\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.-]+)\s+([\d.]+)\s?$",
        )
        .unwrap();
        assert!(row.is_match(lines[3]), "{}", lines[3]);
        assert_eq!(NtpAssociations(info.clone()).element().name, "output");
        assert!(NtpStatus(info).text().starts_with("status=c011 leap_alarm, sync_unspec"));
    }
}
