//! Junos renderings of the agents' replies, one module per command family,
//! and the pieces they share.

mod chassis;
pub mod columns;
mod configuration;
pub mod environment;
mod forwarding;
pub mod interfaces;
mod multi;
pub mod neighbors;
mod processes;
mod protocols;
pub mod routes;
mod software;
mod storage;
mod system;

use crate::grammar::{Completion, Completions};
pub use chassis::mastership_word;
pub use configuration::{ConfigView, Stamp, commit_revision};
pub use forwarding::FpcDetail;
pub use multi::MultiRoutingEngine;
pub use processes::{Detail, Processes};
pub use protocols::{ProtocolView, Protocols};
pub use software::login_banner;
pub use storage::{NtpAssociations, NtpStatus, SystemMemory};
pub use system::{Checksum, Detailed, Shutdown, Switchover};

pub use crate::config::show::junos_time;

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

/// A `Possible completions:` list: a two-column marker, the name padded so help
/// text starts in column 23 (or two spaces after a long name).
pub fn completions(c: &Completions) -> String {
    let mut out = String::from("Possible completions:\n");
    if c.can_execute {
        completion_line(&mut out, &Completion::new("<[Enter]>", "Execute this command"));
    }
    for item in &c.items {
        completion_line(&mut out, item);
    }
    out
}

pub fn completion_line(out: &mut String, c: &Completion) {
    let (marker, name, help) = (c.marker, &c.name, &c.help);
    let line = if name.len() <= 20 {
        format!("{marker}{name:<21}{help}")
    } else {
        format!("{marker}{name}  {help}")
    };
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_leaves_out_zero_units() {
        assert_eq!(uptime(0), "0 seconds");
        assert_eq!(uptime(61), "1 minute, 1 second");
        assert_eq!(uptime(9 * 86_400 + 22 * 3600 + 27 * 60 + 12), "9 days, 22 hours, 27 minutes, 12 seconds");
    }

    #[test]
    fn completion_help_starts_in_column_23() {
        let mut out = String::new();
        completion_line(&mut out, &Completion::new("chassis", "Show chassis information"));
        let long = Completion {
            marker: "> ",
            ..Completion::new("multicast-snooping-options", "Multicast snooping option configuration")
        };
        completion_line(&mut out, &long);
        assert_eq!(
            out,
            "  chassis              Show chassis information\n> multicast-snooping-options  Multicast snooping option configuration\n"
        );
    }
}
