//! The commands a session ran, for `show cli history`. The engine keeps it,
//! so every front end (the terminal, an SSH channel) has it.

use std::collections::VecDeque;
use std::fmt::Write;

use chrono::{DateTime, Utc};

/// How many commands a session remembers; older ones are forgotten.
const KEPT: usize = 1024;

#[derive(Debug, Default)]
pub struct History {
    lines: VecDeque<(DateTime<Utc>, String)>,
}

impl History {
    pub fn add(&mut self, at: DateTime<Utc>, line: &str) {
        if self.lines.len() == KEPT {
            self.lines.pop_front();
        }
        self.lines.push_back((at, line.trim().to_owned()));
    }

    /// `HH:MM:SS -- command` for the last `count` commands (all without
    /// one), oldest first.
    pub fn show(&self, count: Option<usize>) -> String {
        let skip = count.map_or(0, |n| self.lines.len().saturating_sub(n));
        let mut out = String::new();
        for (at, line) in self.lines.iter().skip(skip) {
            let _ = writeln!(out, "{} -- {line}", at.format("%H:%M:%S"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn lists_the_last_commands_with_their_times() {
        let mut history = History::default();
        history.add(at(36_000), "show version");
        history.add(at(36_061), "show chassis routing-engine ");
        history.add(at(36_122), "show cli history 2");
        assert_eq!(
            history.show(None),
            "10:00:00 -- show version\n10:01:01 -- show chassis routing-engine\n10:02:02 -- show cli history 2\n"
        );
        assert_eq!(
            history.show(Some(2)),
            "10:01:01 -- show chassis routing-engine\n10:02:02 -- show cli history 2\n"
        );
        assert_eq!(history.show(Some(50)).lines().count(), 3);
    }

    #[test]
    fn forgets_the_oldest_past_what_it_keeps() {
        let mut history = History::default();
        for n in 0..KEPT + 5 {
            history.add(at(0), &format!("show version {n}"));
        }
        let shown = history.show(None);
        assert_eq!(shown.lines().count(), KEPT);
        assert!(shown.starts_with("00:00:00 -- show version 5\n"));
    }
}
