//! The sessions in configuration mode as Junos lists them: in `status`, on
//! entering configuration mode, and in a lock refusal.

use chrono::DateTime;

use super::print::quote;
use crate::proto::Editor;

/// `  root terminal pts/1 (pid 4242) on since 2026-11-22 10:00:00 UTC`
/// `      exclusive [edit interfaces]`, one pair per session.
pub fn describe(editors: &[Editor]) -> String {
    let mut out = String::new();
    for e in editors {
        let since = DateTime::from_timestamp(e.since, 0)
            .map_or_else(|| e.since.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        out.push_str(&format!("  {} terminal {} (pid {}) on since {since}\n", e.user, e.terminal, e.pid));
        let level: Vec<String> = e.level.iter().map(|w| quote(w)).collect();
        let banner =
            if level.is_empty() { "[edit]".to_owned() } else { format!("[edit {}]", level.join(" ")) };
        let mode = if e.exclusive {
            "exclusive "
        } else if e.private {
            "private "
        } else {
            ""
        };
        out.push_str(&format!("      {mode}{banner}\n"));
    }
    out
}

/// The block `configure` and `status` print.
pub fn users_block(editors: &[Editor]) -> String {
    if editors.is_empty() {
        return String::new();
    }
    format!("Users currently editing the configuration:\n{}", describe(editors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_listed_with_their_level_and_lock() {
        let editor = Editor {
            user: "lab".into(),
            terminal: "pts/3".into(),
            pid: 4242,
            since: 1_700_000_000,
            level: vec!["interfaces".into(), "ge-0/0/0".into()],
            exclusive: true,
            private: false,
        };
        assert_eq!(
            users_block(&[editor]),
            "Users currently editing the configuration:\n  lab terminal pts/3 (pid 4242) on since \
             2023-11-14 22:13:20 UTC\n      exclusive [edit interfaces ge-0/0/0]\n"
        );
    }
}
