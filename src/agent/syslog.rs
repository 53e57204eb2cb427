//! `/var/log/messages`: what the RE's processes report, one syslog line
//! each, in the file area where `show log messages` and `file show` find it.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Messages {
    path: PathBuf,
}

impl Messages {
    /// The log of the file area rooted at `files`.
    pub fn new(files: &Path) -> Messages {
        Messages { path: files.join("var/log/messages") }
    }

    /// Appends `Nov 22 10:15:02  HOST PROCESS: TEXT`, as Junos's syslog writes.
    pub fn line(&self, host: &str, process: &str, text: &str) {
        append_stamped(&self.path, &format!(" {host} {process}: {text}"));
    }
}

/// Appends `Nov 22 10:15:02 TEXT` to the log at `path`.
pub fn append_stamped(path: &Path, text: &str) {
    let stamp = chrono::Utc::now().format("%b %e %H:%M:%S");
    // A log explains; a full disk must not stop what it explains.
    if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(file, "{stamp} {text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_in_syslog_form() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/log")).unwrap();
        let log = Messages::new(dir.path());
        log.line("re0", "init", "routing (PID 1001) started");
        log.line("re0", "init", "routing (PID 1001) terminated by signal number 9!");
        let text = std::fs::read_to_string(dir.path().join("var/log/messages")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with("  re0 init: routing (PID 1001) started"), "{}", lines[0]);
    }
}
