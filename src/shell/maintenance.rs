//! The RE's processes and its snapshot: `show system processes`, `restart`,
//! `show log`, `request vmhost snapshot [recovery]`, `show vmhost snapshot`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use super::commands::Outcome;
use super::render::{Detail, Processes};
use super::{Engine, Failure};
use crate::grammar::Parsed;
use crate::proto::restart_process_request::Mode;

/// The process names `restart` takes, as the grammar gives them.
const PROCESSES: [&str; 5] = ["chassis-control", "interface-control", "management", "pfe", "routing"];

impl Engine {
    pub(super) fn show_processes(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        // `summary` is top's: its header and the busiest processes, which
        // on this RE are all of them.
        let detail = if parsed.has("extensive") || parsed.has("summary") {
            Detail::Extensive
        } else if parsed.has("brief") {
            Detail::Brief
        } else {
            Detail::Standard
        };
        let info = self.session().client.processes()?;
        Ok(Outcome::View(Box::new(Processes(info, detail))))
    }

    pub(super) fn restart(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let name = PROCESSES.into_iter().find(|p| parsed.has(p)).unwrap_or_default();
        let mode = if parsed.has("immediately") {
            Mode::Immediately
        } else if parsed.has("soft") {
            Mode::Soft
        } else {
            Mode::Gracefully
        };
        let text = self.session().client.restart_process(name, mode)?;
        Ok(Outcome::View(Box::new(format!("{text}\n"))))
    }

    /// `show log FILE`: a file of the RE's /var/log.
    pub(super) fn show_log(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let name = parsed.arg("filename").unwrap_or_default();
        if name.contains('/') {
            return Err(Failure::Error(format!("could not resolve file: {name}")));
        }
        let contents = self.session().client.read_file(&self.user, &format!("/var/log/{name}"))?;
        Ok(Outcome::View(Box::new(contents)))
    }

    pub(super) fn vmhost_snapshot(&mut self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let recovery = parsed.has("recovery");
        let before = if recovery {
            "warning: The Routing Engine will reboot and come back with the state of its snapshot\n"
        } else {
            "warning: Existing data on the target may be lost\n"
        };
        if !self.ask(before, "Proceed ? [yes,no] (no)", false) {
            return Ok(Outcome::Presented(String::new()));
        }
        let client = self.session().client.clone();
        if recovery {
            client.recover_snapshot(&self.user)?;
            return Ok(Outcome::Presented(
                "Recovering from the snapshot: the Routing Engine is rebooting\n".into(),
            ));
        }
        let (teller, busy) = (&mut self.teller, &mut self.busy);
        const TAKING: &str = "Taking the snapshot";
        busy(Some(TAKING));
        // Each progress line is printed with the spinner off its line.
        let taken = client.take_snapshot(&mut |line| {
            busy(None);
            teller(line);
            busy(Some(TAKING));
        });
        busy(None);
        taken?;
        Ok(Outcome::Presented(String::new()))
    }

    /// `monitor start FILE`: the file's new lines are shown as they come
    /// (through the bulletin, as broadcasts are) until `monitor stop`. A
    /// bare name is a log in /var/log.
    pub(super) fn monitor_start(&mut self, file: &str) -> Result<Outcome, Failure> {
        let path = if file.contains('/') { file.to_owned() } else { format!("/var/log/{file}") };
        let (lines, first) = self.session().client.monitor_file(&self.user, &path)?;
        self.monitors.retain(|m| m.file != file);
        let modified = Arc::new(AtomicI64::new(first.modified));
        let reading = self.bulletin.follow(&self.session().client, file.to_owned(), lines, modified.clone());
        self.monitors.push(super::Monitor { file: file.to_owned(), modified, _reading: reading });
        Ok(Outcome::View(Box::new(String::new())))
    }

    /// `monitor list`: each monitored file, and when it last changed.
    pub(super) fn monitor_list(&self) -> String {
        let mut out = String::new();
        for monitor in &self.monitors {
            let changed = chrono::DateTime::from_timestamp(monitor.modified.load(Ordering::Relaxed), 0)
                .unwrap_or_default();
            out.push_str(&format!(
                "monitor start \"{}\" (Last changed {})\n",
                monitor.file,
                changed.format("%b %d %H:%M:%S")
            ));
        }
        out
    }
}
