//! A spinner on the terminal while a long command works (a snapshot, a big
//! load, a file copy), so the operator sees it has not hung. It turns only
//! when the work outlasts a moment, and leaves nothing behind on the line.

use std::io::Write;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long work goes unremarked: most commands end before it.
const QUIET_FOR: Duration = Duration::from_millis(500);
const TURN_EVERY: Duration = Duration::from_millis(120);

pub struct Spinner {
    out: fn() -> Box<dyn Write + Send>,
    quiet_for: Duration,
    turning: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Spinner {
    /// A spinner on standard error, for a front end whose stderr is a terminal.
    pub fn on_stderr() -> Spinner {
        Spinner { out: || Box::new(std::io::stderr()), quiet_for: QUIET_FOR, turning: None }
    }

    /// `Some(what)`: work has begun; `None`: it has ended.
    pub fn busy(&mut self, what: Option<&str>) {
        if let Some((stop, turning)) = self.turning.take() {
            drop(stop);
            let _ = turning.join();
        }
        let Some(what) = what else { return };
        let (stop, stopped) = mpsc::channel::<()>();
        let (mut out, what, quiet_for) = ((self.out)(), what.to_owned(), self.quiet_for);
        let turning = std::thread::spawn(move || {
            if stopped.recv_timeout(quiet_for) != Err(mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            for mark in ['|', '/', '-', '\\'].into_iter().cycle() {
                let _ = write!(out, "\r{what} {mark}");
                let _ = out.flush();
                if stopped.recv_timeout(TURN_EVERY) != Err(mpsc::RecvTimeoutError::Timeout) {
                    break;
                }
            }
            let _ = write!(out, "\r{}\r", " ".repeat(what.chars().count() + 2));
            let _ = out.flush();
        });
        self.turning = Some((stop, turning));
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.busy(None);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    static SEEN: Mutex<Vec<u8>> = Mutex::new(Vec::new());

    struct Seen;
    impl Write for Seen {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            SEEN.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn turns_while_busy_past_a_moment_and_clears_its_line() {
        let mut spinner = Spinner { out: || Box::new(Seen), quiet_for: Duration::ZERO, turning: None };
        spinner.busy(Some("Copying"));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !String::from_utf8_lossy(&SEEN.lock().unwrap()).contains("\rCopying |") {
            assert!(std::time::Instant::now() < deadline, "the spinner never turned");
            std::thread::yield_now();
        }
        spinner.busy(None);
        let seen = String::from_utf8_lossy(&SEEN.lock().unwrap()).into_owned();
        assert!(seen.ends_with("\r         \r"), "{seen:?}");

        let mut quick = Spinner::on_stderr();
        quick.busy(Some("Loading"));
        quick.busy(None);
        assert!(quick.turning.is_none());
    }
}
