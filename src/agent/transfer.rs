//! `file copy` between the Routing Engines: the file goes in chunks over the
//! agents' peer link with its SHA-256, and appears at its destination whole
//! (written aside, checked, then renamed) or not at all.

use std::io::{Read, Write};
use std::pin::Pin;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::Status;

use super::Agent;
use super::files::{CHUNK, FileError, MAX_FILE_BYTES};
use crate::config::conceal::conceal_text;
use crate::durable::{AtomicFile, CrashPoint, crash_point};
use crate::proto::{DirectoryEntry, FileChunk, FilePathRequest, FileReply};
use crate::slot::Slot;

/// A file's bytes on their way, ending with its digest.
pub type Chunks = Pin<Box<dyn Stream<Item = Result<FileChunk, Status>> + Send>>;

/// `re1:/var/tmp/x` names a file on re1; a path alone one on this RE.
fn locate(spec: &str, here: Slot) -> (Slot, &str) {
    match spec.split_once(':') {
        Some((slot, path)) => match slot.parse() {
            Ok(slot) => (slot, path),
            Err(_) => (here, spec),
        },
        None => (here, spec),
    }
}

pub fn file_status(e: FileError) -> Status {
    match e {
        FileError::InvalidPath(_) => Status::invalid_argument(e.to_string()),
        FileError::NotFound(_) => Status::not_found(e.to_string()),
        FileError::Io { .. } => Status::internal(e.to_string()),
        FileError::TooLarge { .. } => Status::resource_exhausted(e.to_string()),
        FileError::Denied(_) => Status::permission_denied(e.to_string()),
    }
}

impl Agent {
    /// `file copy SOURCE DESTINATION`, either of which may be on the other RE.
    /// The destination is checked here, where the user is known: both REs
    /// lay out their file areas alike.
    pub(super) async fn copy_file(
        &self,
        user: &str,
        source: &str,
        destination: &str,
        everywhere: bool,
    ) -> Result<String, Status> {
        let (from, source) = locate(source, self.slot);
        let (to, destination) = locate(destination, self.slot);
        let name = std::path::Path::new(source).file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        // Both REs lay out their file areas alike: the directory here is
        // the one there.
        let target = self.files.copy_target(user, destination, &name);
        self.files.check_write(user, &target, everywhere).map_err(file_status)?;
        let chunks = if from == self.slot {
            self.read_chunks(user, source)?
        } else {
            let request = FilePathRequest { user: user.to_owned(), path: source.to_owned() };
            self.faults.outgoing().await.map_err(|s| peer_failed(from, s))?;
            let mut peer = self.peer.clone();
            let stream = peer.get_file(request).await.map_err(|s| peer_failed(from, s))?;
            Box::pin(stream.into_inner())
        };
        if to == self.slot {
            return self.write_chunks(user, &target, chunks).await;
        }
        // Forwarded through a channel: the first message names the file,
        // and the other RE finds where it goes by its own directories.
        let (tx, rx) = mpsc::channel(4);
        let first =
            FileChunk { user: user.to_owned(), path: destination.to_owned(), name, ..FileChunk::default() };
        tokio::spawn(async move {
            let mut chunks = chunks;
            if tx.send(first).await.is_err() {
                return;
            }
            while let Some(Ok(chunk)) = chunks.next().await {
                if tx.send(chunk).await.is_err() {
                    return;
                }
            }
        });
        let outgoing = ReceiverStream::new(rx);
        self.faults.outgoing().await.map_err(|s| peer_failed(to, s))?;
        let mut peer = self.peer.clone();
        let reply = peer.put_file(outgoing).await.map_err(|s| peer_failed(to, s))?;
        Ok(format!("{to}:{}", reply.into_inner().path))
    }

    /// A local file as chunks, read on a blocking thread, the last with
    /// the digest of all.
    pub(super) fn read_chunks(&self, user: &str, path: &str) -> Result<Chunks, Status> {
        let (_, mut file) = self.files.open(user, path).map_err(file_status)?;
        let (tx, rx) = mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut digest = Sha256::new();
            let mut buffer = vec![0; CHUNK];
            loop {
                match file.read(&mut buffer) {
                    Ok(0) => {
                        let last = FileChunk { sha256: digest.finalize().to_vec(), ..FileChunk::default() };
                        let _ = tx.blocking_send(Ok(last));
                        return;
                    }
                    Ok(n) => {
                        digest.update(&buffer[..n]);
                        let chunk = FileChunk { data: buffer[..n].to_vec(), ..FileChunk::default() };
                        if tx.blocking_send(Ok(chunk)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(Status::internal(e.to_string())));
                        return;
                    }
                }
            }
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    /// Writes chunks to a local file, which appears only if they were all
    /// there and their digest matches.
    pub(super) async fn write_chunks(
        &self,
        user: &str,
        path: &str,
        chunks: Chunks,
    ) -> Result<String, Status> {
        let (shown, file) = self.files.create(user, path).map_err(file_status)?;
        fill(shown, file, chunks).await
    }

    /// A file's bytes for SCP or SFTP: its entry first, then its data, then
    /// its digest. Without `secrets`, configuration text in it is masked
    /// as `file show` masks it, and the entry gives the masked size.
    pub(super) fn download(&self, user: &str, path: &str, secrets: bool) -> Result<Chunks, Status> {
        let (shown, mut entry, file) = self.files.open_bounded(user, path).map_err(file_status)?;
        let schema = (!secrets).then(|| self.config().schema());
        let (tx, rx) = mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let sent = match schema {
                None => send(&tx, shown, entry, file),
                Some(schema) => {
                    let mut bytes = Vec::new();
                    let read = file.take(entry.size).read_to_end(&mut bytes);
                    match read {
                        Ok(_) => {
                            if let Ok(text) = std::str::from_utf8(&bytes) {
                                bytes = conceal_text(&schema, text).into_bytes();
                            }
                            entry.size = bytes.len() as u64;
                            send(&tx, shown, entry, std::io::Cursor::new(bytes))
                        }
                        Err(e) => Err(Status::internal(format!("{shown}: {e}"))),
                    }
                }
            };
            if let Err(status) = sent {
                let _ = tx.blocking_send(Err(status));
            }
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    /// SCP's and SFTP's upload: once the first chunk names a file the user
    /// may write, the first reply says where it goes; the second comes when
    /// it is there whole.
    pub(super) async fn upload(
        &self,
        user: &str,
        everywhere: bool,
        mut chunks: tonic::Streaming<FileChunk>,
    ) -> Result<ReceiverStream<Result<FileReply, Status>>, Status> {
        let first = chunks.message().await?.ok_or_else(|| Status::invalid_argument("no file named"))?;
        let target = self.files.copy_target(user, &first.path, &first.name);
        self.files.check_write(user, &target, everywhere).map_err(file_status)?;
        // A size announced (SCP's) is refused before any byte comes.
        if let Some(size) = first.entry.map(|entry| entry.size).filter(|&size| size > MAX_FILE_BYTES) {
            let limit = MAX_FILE_BYTES as usize;
            return Err(file_status(FileError::TooLarge { path: target, size, limit }));
        }
        let (shown, file) = self.files.create(user, &target).map_err(file_status)?;
        let (tx, rx) = mpsc::channel(2);
        let _ = tx.send(Ok(FileReply { path: shown.clone() })).await;
        tokio::spawn(async move {
            let done = fill(shown, file, Box::pin(chunks)).await.map(|path| FileReply { path });
            let _ = tx.send(done).await;
        });
        Ok(ReceiverStream::new(rx))
    }
}

/// Writes `chunks` to `file`, which appears at `shown` only if they were
/// all there, no more than [`MAX_FILE_BYTES`], and their digest matches.
async fn fill(shown: String, mut file: AtomicFile, mut chunks: Chunks) -> Result<String, Status> {
    let mut digest = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        if !chunk.sha256.is_empty() {
            if chunk.sha256 != digest.finalize().as_slice() {
                return Err(Status::data_loss(format!("{shown}: checksum mismatch; file not copied")));
            }
            file.commit().map_err(|e| Status::internal(format!("{shown}: {e}")))?;
            return Ok(shown);
        }
        size += chunk.data.len() as u64;
        if size > MAX_FILE_BYTES {
            let limit = MAX_FILE_BYTES as usize;
            return Err(file_status(FileError::TooLarge { path: shown, size, limit }));
        }
        digest.update(&chunk.data);
        file.write_all(&chunk.data).map_err(|e| Status::internal(format!("{shown}: {e}")))?;
        crash_point(CrashPoint::Transfer);
    }
    Err(Status::aborted(format!("{shown}: transfer cut short; file not copied")))
}

/// Sends a download: the entry, exactly `entry.size` bytes of `file` in
/// chunks, then their digest. A file that shrinks meanwhile fails it; one
/// that grows is cut at the size announced.
fn send(
    tx: &mpsc::Sender<Result<FileChunk, Status>>,
    shown: String,
    entry: DirectoryEntry,
    file: impl Read,
) -> Result<(), Status> {
    let size = entry.size;
    let first = FileChunk { path: shown.clone(), entry: Some(entry), ..FileChunk::default() };
    if tx.blocking_send(Ok(first)).is_err() {
        return Ok(());
    }
    let mut file = file.take(size);
    let mut digest = Sha256::new();
    let mut buffer = vec![0; CHUNK];
    let mut sent = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| Status::internal(format!("{shown}: {e}")))?;
        if n == 0 {
            break;
        }
        sent += n as u64;
        digest.update(&buffer[..n]);
        let chunk = FileChunk { data: buffer[..n].to_vec(), ..FileChunk::default() };
        if tx.blocking_send(Ok(chunk)).is_err() {
            return Ok(());
        }
    }
    if sent < size {
        return Err(Status::aborted(format!("{shown}: file truncated while read")));
    }
    let last = FileChunk { sha256: digest.finalize().to_vec(), ..FileChunk::default() };
    let _ = tx.blocking_send(Ok(last));
    Ok(())
}

/// A failure on the other RE, said as Junos says it. Not `unavailable`:
/// that would tell the shell its own RE is gone.
pub fn peer_failed(slot: Slot, status: Status) -> Status {
    if crate::is_unreachable(&status) {
        Status::failed_precondition(format!(
            "could not connect to {slot} : {}",
            crate::status_reason(&status)
        ))
    } else {
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_prefix_names_the_re() {
        assert_eq!(locate("re1:/var/tmp/x", Slot::RE0), (Slot::RE1, "/var/tmp/x"));
        assert_eq!(locate("/var/tmp/x", Slot::RE0), (Slot::RE0, "/var/tmp/x"));
        assert_eq!(locate("a:b", Slot::RE1), (Slot::RE1, "a:b"));
    }
}
