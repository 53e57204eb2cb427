//! The mastership lease: what the midplane's hardware arbitration is to two
//! Routing Engines in one chassis. Both agents on one host share a file
//! holding the term, the holder and the expiry. The master renews it; the
//! other RE may take it only once it has expired or been released; a master
//! that finds it in other hands steps down before it acts again. So two REs
//! on one host cannot both act as master, even with their keepalive link cut.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::slot::Slot;

/// How long a renewal holds. Shorter than the quickest failover detection
/// (2 s), so a master that died has always lost its lease by the time the
/// backup notices.
pub const LEASE_TIME: Duration = Duration::from_secs(2);
/// How often the master renews.
pub const RENEW_EVERY: Duration = Duration::from_millis(250);
/// A master stops trusting its lease this long before the other RE may take
/// it, so the two never act as master at the same moment.
const MARGIN: Duration = Duration::from_millis(250);

/// The lease as the file has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub slot: Slot,
    pub term: u64,
    /// Milliseconds since the Unix epoch; 0 once released.
    expires_ms: u64,
}

impl Holder {
    pub fn expired(&self) -> bool {
        self.expires_ms <= now_ms()
    }

    /// Time left on the lease.
    pub fn remaining(&self) -> Duration {
        Duration::from_millis(self.expires_ms.saturating_sub(now_ms()))
    }
}

/// Why the lease could not be taken.
#[derive(Debug)]
pub enum Refusal {
    /// The other RE holds it and it has not expired.
    Held(Holder),
    /// The file could not be read, locked or written.
    Io(std::io::Error),
}

pub struct Lease {
    path: PathBuf,
    slot: Slot,
}

impl Lease {
    pub fn new(path: &Path, slot: Slot) -> Lease {
        Lease { path: path.to_owned(), slot }
    }

    /// The lease as it stands, for a look without taking it.
    /// Read under the lock, shared: the writer empties the file before it
    /// writes the line, and a read between would take the lease for free.
    pub fn read(&self) -> Option<Holder> {
        let mut file = File::open(&self.path).ok()?;
        lock(&file, File::try_lock_shared).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        parse(&text)
    }

    /// Takes the lease for `term`, or renews it: allowed when it is free,
    /// expired, or already ours. Returns when this RE must stop trusting it.
    pub fn take(&self, term: u64) -> Result<Instant, Refusal> {
        // Measured before the write, so the trust ends before the expiry written.
        let trusted_until = Instant::now() + LEASE_TIME - MARGIN;
        self.update(|held| match held {
            Some(h) if h.slot != self.slot && !h.expired() => Err(Refusal::Held(h)),
            _ => Ok(Some(Holder {
                slot: self.slot,
                term,
                expires_ms: now_ms() + LEASE_TIME.as_millis() as u64,
            })),
        })?;
        Ok(trusted_until)
    }

    /// Gives the lease up, if this RE holds it, so the other may take it at once.
    pub fn release(&self) -> Result<(), Refusal> {
        self.update(|held| match held {
            Some(h) if h.slot == self.slot => Ok(Some(Holder { expires_ms: 0, ..h })),
            _ => Ok(None),
        })
    }

    /// Reads, decides and writes under an exclusive lock, so the two REs'
    /// decisions are taken one after the other. `decide` returns the lease
    /// to write, or `None` to leave it.
    fn update(
        &self,
        decide: impl FnOnce(Option<Holder>) -> Result<Option<Holder>, Refusal>,
    ) -> Result<(), Refusal> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(Refusal::Io)?;
        lock(&file, File::try_lock)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(Refusal::Io)?;
        if let Some(holder) = decide(parse(&text))? {
            // Written in place: the lock belongs to this inode, so it is
            // never replaced. One short write; a torn one parses as free.
            let line = format!("{} {} {}\n", holder.term, holder.slot, holder.expires_ms);
            file.set_len(0).map_err(Refusal::Io)?;
            file.rewind().map_err(Refusal::Io)?;
            file.write_all(line.as_bytes()).map_err(Refusal::Io)?;
        }
        Ok(())
    }
}

/// Takes the file's lock without blocking for long: the other agent holds it
/// only for a read and a write, unless it was stopped in between, and a
/// stopped agent must not stop this one.
fn lock(file: &File, try_lock: fn(&File) -> Result<(), TryLockError>) -> Result<(), Refusal> {
    for _ in 0..20 {
        match try_lock(file) {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => std::thread::sleep(Duration::from_micros(500)),
            Err(TryLockError::Error(e)) => return Err(Refusal::Io(e)),
        }
    }
    Err(Refusal::Io(std::io::Error::new(std::io::ErrorKind::WouldBlock, "lease file locked")))
}

/// `TERM SLOT EXPIRY_MS`.
fn parse(text: &str) -> Option<Holder> {
    let mut words = text.split_whitespace();
    let term = words.next()?.parse().ok()?;
    let slot = words.next()?.parse().ok()?;
    let expires_ms = words.next()?.parse().ok()?;
    Some(Holder { slot, term, expires_ms })
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_other_re_takes_the_lease_only_once_released_or_expired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lease");
        let (re0, re1) = (Lease::new(&path, Slot::RE0), Lease::new(&path, Slot::RE1));
        assert!(re0.take(2).is_ok());
        assert!(re0.take(2).is_ok(), "the holder renews");
        match re1.take(3) {
            Err(Refusal::Held(h)) => assert_eq!((h.slot, h.term), (Slot::RE0, 2)),
            other => panic!("{other:?}"),
        }
        re1.release().unwrap();
        assert_eq!(re0.read().map(|h| h.slot), Some(Slot::RE0), "only the holder releases");
        re0.release().unwrap();
        assert!(re0.read().unwrap().expired());
        assert!(re1.take(3).is_ok());
        assert_eq!(re0.read().map(|h| (h.slot, h.term)), Some((Slot::RE1, 3)));

        // An expiry in the past frees it, as a master that stopped renewing would.
        std::fs::write(&path, "5 re1 1000\n").unwrap();
        assert!(re0.take(6).is_ok());
    }

    #[test]
    fn a_torn_or_missing_file_is_a_free_lease() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lease");
        let re1 = Lease::new(&path, Slot::RE1);
        assert_eq!(re1.read(), None);
        std::fs::write(&path, "7 re").unwrap();
        assert_eq!(re1.read(), None);
        assert!(re1.take(7).is_ok());
    }
}
