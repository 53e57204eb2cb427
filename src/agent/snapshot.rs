//! `request vmhost snapshot`: the RE's persistent state (committed
//! configuration, rollbacks and commit history, logs, the file area) copied
//! to its backup disk, a directory beside the state; and the recovery that
//! puts it back, at the next start, before anything is opened.
//!
//! The configuration store replaces its files by rename, except its journal,
//! which it appends to: hard links taken while commits are held off (and a
//! copy of the journal, small by the store's checkpoints) are a consistent
//! copy that costs little time; everything else is copied on a blocking
//! thread, so keepalives go on meanwhile.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::durable::{is_temporary, write_atomically};
use crate::proto::shutdown_request::{Kind, Target};
use crate::proto::{ShutdownRequest, Snapshot, SnapshotProgress};

/// The backup disk's copy, the one being made, and the request to recover.
const SLOT: &str = "snapshot";
const STAGING: &str = "snapshot.new";
const RETIRED: &str = "snapshot.old";
const RECOVERY_ASKED: &str = "recovery-asked";
/// What a snapshot holds of the state dir. The mastership term is not
/// among them: terms only ever grow.
const CONFIG: &str = "config";
const FILES: &str = "files";
const MASTERSHIP_LOG: &str = "mastership/log";
/// The store's mark that the other RE missed a commit, and the shared
/// candidate (as a change, or whole as earlier layouts kept it), describe
/// now, not then.
const NOT_KEPT: [&str; 3] = ["peer-behind", "candidate.change", "candidate"];

pub struct Snapshots {
    state_dir: PathBuf,
    taking: Arc<AtomicBool>,
}

/// One snapshot under way; the next may start once it is dropped.
pub struct Taking(Arc<AtomicBool>);

impl Drop for Taking {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Files and bytes a step copied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Count {
    files: u64,
    bytes: u64,
}

impl std::ops::AddAssign for Count {
    fn add_assign(&mut self, other: Count) {
        self.files += other.files;
        self.bytes += other.bytes;
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.files == 1 { "" } else { "s" };
        write!(f, "{} file{s}, {}", self.files, human_bytes(self.bytes))
    }
}

pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

impl Snapshots {
    pub fn new(state_dir: &Path) -> Snapshots {
        Snapshots { state_dir: state_dir.to_owned(), taking: Arc::default() }
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// None while another snapshot is being taken.
    pub fn begin(&self) -> Option<Taking> {
        (!self.taking.swap(true, Ordering::AcqRel)).then(|| Taking(self.taking.clone()))
    }

    /// The snapshot on the backup disk, if one was taken.
    pub fn current(&self) -> io::Result<Option<Snapshot>> {
        match std::fs::read_to_string(self.state_dir.join(SLOT).join("info")) {
            Ok(text) => Ok(Some(parse_info(&text))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Marks the RE for recovery at its next start; false without a snapshot.
    pub fn ask_recovery(&self) -> io::Result<bool> {
        if self.current()?.is_none() {
            return Ok(false);
        }
        write_atomically(&self.state_dir.join(RECOVERY_ASKED), b"")?;
        Ok(true)
    }
}

fn parse_info(text: &str) -> Snapshot {
    let mut snapshot = Snapshot::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(' ') else { continue };
        match key {
            "taken" => snapshot.taken = value.parse().unwrap_or(0),
            "version" => snapshot.junos_version = value.to_owned(),
            "host" => snapshot.host_name = value.to_owned(),
            "files" => snapshot.files = value.parse().unwrap_or(0),
            "bytes" => snapshot.bytes = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    snapshot
}

fn info_text(s: &Snapshot) -> String {
    format!(
        "taken {}\nversion {}\nhost {}\nfiles {}\nbytes {}\n",
        s.taken, s.junos_version, s.host_name, s.files, s.bytes
    )
}

/// Takes a snapshot of the RE whose state is in `state_dir`, telling
/// `progress` each step. `quiesce` runs `link` while no commit can happen.
/// Blocks: run it on a blocking thread.
fn take(
    state_dir: &Path,
    host_name: &str,
    quiesce: impl FnOnce(&mut dyn FnMut() -> io::Result<Count>) -> io::Result<Count>,
    progress: &mut dyn FnMut(String),
) -> io::Result<Snapshot> {
    let staging = state_dir.join(STAGING);
    remove_dir_if_present(&staging)?;
    std::fs::create_dir_all(&staging)?;
    progress("Creating snapshot on the backup disk from the current boot disk".into());

    let mut total = Count::default();
    let count = quiesce(&mut || link_tree(&state_dir.join(CONFIG), &staging.join(CONFIG)))?;
    progress(format!("Configuration, rollbacks and commit history: {count}"));
    total += count;

    let mut count = Count::default();
    let log = state_dir.join(MASTERSHIP_LOG);
    if log.exists() {
        std::fs::create_dir_all(staging.join(MASTERSHIP_LOG).parent().unwrap_or(&staging))?;
        count.bytes = copy_file(&log, &staging.join(MASTERSHIP_LOG))?;
        count.files = 1;
    }
    progress(format!("Mastership log: {count}"));
    total += count;

    let count = copy_tree(&state_dir.join(FILES), &staging.join(FILES))?;
    progress(format!("File area (/var/tmp, /var/log, /var/home, /config): {count}"));
    total += count;

    let snapshot = Snapshot {
        taken: super::db::now(),
        junos_version: crate::JUNOS_VERSION.into(),
        host_name: host_name.into(),
        files: total.files,
        bytes: total.bytes,
    };
    write_atomically(&staging.join("info"), info_text(&snapshot).as_bytes())?;
    replace_dir(&staging, &state_dir.join(SLOT), &state_dir.join(RETIRED))?;
    progress(format!("Snapshot created on the backup disk: {total}"));
    progress("Software snapshot done".into());
    Ok(snapshot)
}

/// At start: if recovery was asked, puts the snapshot's state in place of
/// the RE's. Returns when the snapshot it recovered was taken. Safe to run
/// again after an interruption: the request stays until it is done.
pub fn recover_if_asked(state_dir: &Path) -> io::Result<Option<i64>> {
    let asked = state_dir.join(RECOVERY_ASKED);
    if !asked.exists() {
        return Ok(None);
    }
    let slot = state_dir.join(SLOT);
    let taken = std::fs::read_to_string(slot.join("info")).map(|t| parse_info(&t).taken)?;
    for part in [CONFIG, FILES] {
        let restoring = state_dir.join(format!("{part}.restoring"));
        remove_dir_if_present(&restoring)?;
        copy_tree(&slot.join(part), &restoring)?;
        replace_dir(&restoring, &state_dir.join(part), &state_dir.join(format!("{part}.old")))?;
    }
    let log = slot.join(MASTERSHIP_LOG);
    if log.exists() {
        std::fs::create_dir_all(state_dir.join("mastership"))?;
        copy_file(&log, &state_dir.join(MASTERSHIP_LOG))?;
    }
    std::fs::remove_file(&asked)?;
    File::open(state_dir)?.sync_all()?;
    Ok(Some(taken))
}

/// `Sun Nov 22 10:15:02 2026 UTC`.
pub fn describe_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map_or_else(|| "at an unknown time".into(), |t| t.format("%a %b %e %H:%M:%S %Y UTC").to_string())
}

fn kept(name: &str) -> bool {
    !is_temporary(name) && !NOT_KEPT.contains(&name)
}

/// Hard links of every regular file in `from`, in `to`.
fn link_tree(from: &Path, to: &Path) -> io::Result<Count> {
    transfer_tree(from, to, &|source, target| {
        if source.file_name().is_some_and(|name| name == crate::config::store::JOURNAL) {
            return copy_file(source, target);
        }
        std::fs::hard_link(source, target)?;
        Ok(std::fs::metadata(target)?.len())
    })
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<Count> {
    transfer_tree(from, to, &copy_file)
}

/// `to` made like `from`, file by file with `transfer`; symbolic links and
/// temporary files are left out, and a file that goes meanwhile is skipped.
fn transfer_tree(
    from: &Path,
    to: &Path,
    transfer: &dyn Fn(&Path, &Path) -> io::Result<u64>,
) -> io::Result<Count> {
    std::fs::create_dir_all(to)?;
    let mut count = Count::default();
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if !kept(&name.to_string_lossy()) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            count += transfer_tree(&entry.path(), &to.join(&name), transfer)?;
        } else if kind.is_file() {
            match transfer(&entry.path(), &to.join(&name)) {
                Ok(bytes) => count += Count { files: 1, bytes },
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    File::open(to)?.sync_all()?;
    Ok(count)
}

fn copy_file(from: &Path, to: &Path) -> io::Result<u64> {
    let bytes = std::fs::copy(from, to)?;
    File::open(to)?.sync_all()?;
    Ok(bytes)
}

fn remove_dir_if_present(dir: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `new` takes the place of `current` (which may be missing); `retired`
/// holds the old one until the swap is on disk.
fn replace_dir(new: &Path, current: &Path, retired: &Path) -> io::Result<()> {
    remove_dir_if_present(retired)?;
    if current.exists() {
        std::fs::rename(current, retired)?;
    }
    std::fs::rename(new, current)?;
    if let Some(parent) = current.parent() {
        File::open(parent)?.sync_all()?;
    }
    remove_dir_if_present(retired)
}

impl super::Agent {
    /// `request vmhost snapshot`: its progress, line by line, as it goes.
    pub(super) fn take_snapshot(
        &self,
    ) -> Result<tokio_stream::wrappers::ReceiverStream<Result<SnapshotProgress, tonic::Status>>, tonic::Status>
    {
        let taking = self
            .snapshots
            .begin()
            .ok_or_else(|| tonic::Status::failed_precondition("a snapshot is already being taken"))?;
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let state_dir = self.snapshots.state_dir().to_owned();
        let host_name = self.host_name();
        let config = self.config.clone();
        tokio::task::spawn_blocking(move || {
            let _taking = taking;
            // Commits wait while the configuration is linked, a matter of
            // one link per file; nothing else waits on the snapshot.
            let quiesce = |link: &mut dyn FnMut() -> io::Result<Count>| {
                let _db = config.lock().unwrap_or_else(|e| e.into_inner());
                link()
            };
            let mut progress = |line: String| {
                let _ = tx.blocking_send(Ok(SnapshotProgress { line }));
            };
            if let Err(e) = take(&state_dir, &host_name, quiesce, &mut progress) {
                let _ = tx.blocking_send(Err(tonic::Status::internal(format!("snapshot failed: {e}"))));
            }
        });
        Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
    }

    /// `request vmhost snapshot recovery`: the RE reboots and comes back
    /// with the snapshot's state.
    pub(super) async fn recover_snapshot(&self, user: String) -> Result<(), tonic::Status> {
        let asked = self.snapshots.ask_recovery().map_err(|e| tonic::Status::internal(e.to_string()))?;
        if !asked {
            return Err(tonic::Status::failed_precondition("no snapshot on the backup disk"));
        }
        self.log_message("vmhost", &format!("recovery from the snapshot requested by {user}"));
        let reboot = ShutdownRequest {
            kind: Kind::Reboot as i32,
            target: Target::Local as i32,
            at: 0,
            message: "Recovering from the vmhost snapshot".into(),
            user,
        };
        self.shut_down(reboot).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn a_recovery_puts_back_the_state_as_of_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path();
        write(&state.join("config/juniper.conf"), "old");
        write(&state.join("config/peer-behind"), "");
        write(&state.join("config/candidate"), "uncommitted");
        write(&state.join("config/candidate.change"), "uncommitted");
        write(&state.join("files/var/tmp/a"), "a");
        write(&state.join("mastership/log"), "log before\n");
        write(&state.join("mastership/term"), "4");
        let mut lines = Vec::new();
        let quiesce = |link: &mut dyn FnMut() -> io::Result<Count>| link();
        let taken = take(state, "re0", quiesce, &mut |l| lines.push(l)).unwrap();
        assert_eq!((taken.files, taken.bytes), (3, 15));
        assert_eq!(lines.last().map(String::as_str), Some("Software snapshot done"));

        // A commit replaces the file, as the store does: the snapshot keeps the old.
        write_atomically(&state.join("config/juniper.conf"), b"new").unwrap();
        write(&state.join("files/var/tmp/b"), "b");
        write(&state.join("mastership/term"), "6");
        let snapshots = Snapshots::new(state);
        assert_eq!(snapshots.current().unwrap().unwrap().host_name, "re0");
        assert_eq!(recover_if_asked(state).unwrap(), None, "nothing asked");
        assert!(snapshots.ask_recovery().unwrap());
        assert_eq!(recover_if_asked(state).unwrap(), Some(taken.taken));
        assert_eq!(read(&state.join("config/juniper.conf")), "old");
        assert!(!state.join("config/peer-behind").exists());
        assert!(!state.join("config/candidate").exists());
        assert!(!state.join("config/candidate.change").exists());
        assert!(state.join("files/var/tmp/a").exists() && !state.join("files/var/tmp/b").exists());
        assert_eq!(read(&state.join("mastership/term")), "6", "terms only grow");
        assert_eq!(recover_if_asked(state).unwrap(), None, "done once");
    }

    #[test]
    fn only_one_snapshot_at_a_time() {
        let snapshots = Snapshots::new(Path::new("/nonexistent"));
        let first = snapshots.begin();
        assert!(first.is_some() && snapshots.begin().is_none());
        drop(first);
        assert!(snapshots.begin().is_some());
        assert!(!snapshots.ask_recovery().unwrap(), "no snapshot to recover");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(52_400_000), "52.4 MB");
        assert_eq!(Count { files: 1, bytes: 1500 }.to_string(), "1 file, 1.5 kB");
    }
}
