//! Displays that go on until the reader stops them: `| refresh`, and
//! `monitor interface traffic`. The engine makes each display; the front end
//! shows it, waits, and asks for the next, ending on `q` or Ctrl-C.

use std::time::{Duration, Instant};

use super::Engine;
use super::pager::Key;
use super::render::columns::{Column, Columns};
use crate::proto::InterfaceInformation;

/// A display to be made again every `every`.
#[derive(Debug)]
pub struct Live {
    pub every: Duration,
    pub(super) what: Watched,
}

#[derive(Debug)]
pub(super) enum Watched {
    /// `COMMAND | refresh`: the line, run again.
    Command(String),
    /// `monitor interface traffic`, watched since then.
    Traffic(Instant),
}

/// A front end while a live display runs.
pub trait Watch {
    fn put(&mut self, text: &str);
    /// The key pressed within `wait`; `None` when none was. A reader who
    /// has gone away has pressed [`Key::Quit`].
    fn key_within(&mut self, wait: Duration) -> Option<Key>;
}

/// Shows `live` again and again until the reader presses `q` or Ctrl-C, or
/// the display fails (its failure shown).
pub fn follow(engine: &mut Engine, screen: &mut dyn Watch, live: &Live) {
    loop {
        let next = Instant::now() + live.every;
        loop {
            let left = next.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if screen.key_within(left) == Some(Key::Quit) {
                return;
            }
        }
        let reply = engine.display(live);
        screen.put(&reply.output);
        if let Some(failure) = &reply.failure {
            screen.put(&failure.render("", "", false));
            return;
        }
    }
}

/// The line `| refresh` puts above each display.
pub fn refreshed_at(now: chrono::DateTime<chrono::Utc>) -> String {
    format!("---(refreshed at {})---\n", now.format("%Y-%m-%d %H:%M:%S UTC"))
}

/// `monitor interface traffic`, as Junos lays it out. The modelled
/// forwarding plane carries no traffic, so the counters stay at zero.
pub fn traffic(
    host: &str,
    since: Instant,
    now: chrono::DateTime<chrono::Utc>,
    info: &InterfaceInformation,
) -> String {
    let mut out =
        format!("{host:<34}Seconds: {:<19}Time: {}\n\n", since.elapsed().as_secs(), now.format("%H:%M:%S"));
    let mut table = Columns::new(&[
        Column::left(13),
        Column::right(4),
        Column::right(15),
        Column::right(13),
        Column::right(19),
        Column::right(13),
    ]);
    table.row(["Interface", "Link", "Input packets", "(pps)", "Output packets", "(pps)"]);
    for physical in &info.interfaces {
        let link = if physical.link_up { "Up" } else { "Down" };
        table.row([format!(" {}", physical.name).as_str(), link, "0", "(0)", "0", "(0)"]);
    }
    out.push_str(&table.render());
    out.push_str("\nQuit=q or ^C\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::PhysicalInterface;

    #[test]
    fn the_refresh_line_names_the_time_in_utc() {
        let at = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:07Z").unwrap().to_utc();
        assert_eq!(refreshed_at(at), "---(refreshed at 2024-05-01 10:00:07 UTC)---\n");
    }

    #[test]
    fn the_traffic_table_lists_each_port_and_its_link() {
        let at = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:07Z").unwrap().to_utc();
        let port = |name: &str, link_up| PhysicalInterface {
            name: name.into(),
            admin_up: true,
            link_up,
            ..PhysicalInterface::default()
        };
        let info = InterfaceInformation { interfaces: vec![port("ge-0/0/0", true), port("ge-0/0/1", false)] };
        let text = traffic("re0", Instant::now(), at, &info);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("re0 ")
                && lines[0].contains("Seconds: 0")
                && lines[0].ends_with("Time: 10:00:07")
        );
        assert_eq!(lines[2], "Interface    Link  Input packets        (pps)     Output packets        (pps)");
        assert_eq!(lines[3], " ge-0/0/0      Up              0          (0)                  0          (0)");
        assert!(lines[4].starts_with(" ge-0/0/1    Down"));
        assert_eq!(lines.last(), Some(&"Quit=q or ^C"));
    }
}
