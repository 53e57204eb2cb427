//! The `sftp` subsystem: SFTP version 3 (draft-ietf-secsh-filexfer-02),
//! the version OpenSSH and paramiko speak, over the RE's file area through
//! its agent, as the logged-in user, so the agent checks the class as it
//! does for `file` commands. Files are streamed whole: reads and writes go
//! forward (as clients send them), a read further back starts the file
//! again, and a file written appears only when closed, whole. Modes and
//! times a client sets (OpenSSH's `scp` always does) are taken and not
//! kept: the file area keeps its own, as `file copy` does.

use std::collections::HashMap;
use std::io::{Read, Write};

use tonic::{Code, Status};

use crate::proto::DirectoryEntry;
use crate::shell::client::{Download, Files, Upload};

const VERSION: u32 = 3;

// Packet types.
const INIT: u8 = 1;
const OPEN: u8 = 3;
const CLOSE: u8 = 4;
const READ: u8 = 5;
const WRITE: u8 = 6;
const LSTAT: u8 = 7;
const FSTAT: u8 = 8;
const SETSTAT: u8 = 9;
const FSETSTAT: u8 = 10;
const OPENDIR: u8 = 11;
const READDIR: u8 = 12;
const REMOVE: u8 = 13;
const MKDIR: u8 = 14;
const RMDIR: u8 = 15;
const REALPATH: u8 = 16;
const STAT: u8 = 17;
const RENAME: u8 = 18;
const STATUS: u8 = 101;
const HANDLE: u8 = 102;
const DATA: u8 = 103;
const NAME: u8 = 104;
const ATTRS: u8 = 105;

// Status codes.
const OK: u32 = 0;
const EOF: u32 = 1;
const NO_SUCH_FILE: u32 = 2;
const PERMISSION_DENIED: u32 = 3;
const FAILURE: u32 = 4;
const BAD_MESSAGE: u32 = 5;
const OP_UNSUPPORTED: u32 = 8;

// Open flags.
const OPEN_READ: u32 = 0x01;
const OPEN_WRITE: u32 = 0x02;
const OPEN_APPEND: u32 = 0x04;

// Attribute flags.
const ATTR_SIZE: u32 = 0x01;
const ATTR_PERMISSIONS: u32 = 0x04;
const ATTR_TIMES: u32 = 0x08;

/// The largest packet taken: a 256 KiB write and its header, as OpenSSH's
/// server allows.
const MAX_PACKET: usize = 256 * 1024 + 1024;

/// The most bytes one read returns (clients ask for 32 KiB).
const MAX_READ: u32 = 64 * 1024;

/// Handles open at once in one session.
const MAX_HANDLES: usize = 32;

/// Entries a directory read returns at a time.
const NAMES_AT_ONCE: usize = 100;

/// Why the session ended early: the client broke the protocol or its
/// connection went.
#[derive(Debug)]
pub struct Ended;

/// Serves SFTP until the client closes the channel.
pub fn run(files: &Files<'_>, user: &str, mut input: impl Read, mut out: impl Write) -> Result<(), Ended> {
    let mut server = Server { files, home: format!("/var/home/{user}"), handles: HashMap::new(), next: 0 };
    loop {
        let mut length = [0; 4];
        match input.read_exact(&mut length) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(_) => return Err(Ended),
        }
        let length = u32::from_be_bytes(length) as usize;
        if length == 0 || length > MAX_PACKET {
            return Err(Ended);
        }
        let mut packet = vec![0; length];
        input.read_exact(&mut packet).map_err(|_| Ended)?;
        let reply = server.answer(&packet);
        let mut framed = (reply.len() as u32).to_be_bytes().to_vec();
        framed.extend(reply);
        out.write_all(&framed).and_then(|()| out.flush()).map_err(|_| Ended)?;
    }
}

/// A packet's fields, read in order.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_at_checked(4)?;
        self.0 = rest;
        Some(u32::from_be_bytes(head.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_at_checked(8)?;
        self.0 = rest;
        Some(u64::from_be_bytes(head.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.u32()? as usize;
        let (head, rest) = self.0.split_at_checked(length)?;
        self.0 = rest;
        Some(head)
    }

    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}

/// A reply being built.
struct Reply(Vec<u8>);

impl Reply {
    fn new(kind: u8, id: u32) -> Reply {
        let mut reply = Reply(vec![kind]);
        reply.u32(id);
        reply
    }

    fn u32(&mut self, n: u32) -> &mut Reply {
        self.0.extend(n.to_be_bytes());
        self
    }

    fn u64(&mut self, n: u64) -> &mut Reply {
        self.0.extend(n.to_be_bytes());
        self
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Reply {
        self.u32(bytes.len() as u32);
        self.0.extend(bytes);
        self
    }

    fn attributes(&mut self, entry: &DirectoryEntry) -> &mut Reply {
        let kind = if entry.directory { 0o040000 } else { 0o100000 };
        let modified = u32::try_from(entry.modified).unwrap_or(0);
        self.u32(ATTR_SIZE | ATTR_PERMISSIONS | ATTR_TIMES)
            .u64(entry.size)
            .u32(kind | entry.mode)
            .u32(modified)
            .u32(modified)
    }
}

fn status(id: u32, code: u32, message: &str) -> Vec<u8> {
    let mut reply = Reply::new(STATUS, id);
    reply.u32(code).bytes(message.as_bytes()).bytes(b"en");
    reply.0
}

/// The RE's refusal as an SFTP status.
fn refused(id: u32, refusal: &Status) -> Vec<u8> {
    let code = match refusal.code() {
        Code::NotFound | Code::InvalidArgument => NO_SUCH_FILE,
        Code::PermissionDenied => PERMISSION_DENIED,
        _ => FAILURE,
    };
    status(id, code, refusal.message())
}

/// What a handle is open on.
enum Handle {
    Reading(Reading),
    Writing { upload: Upload, written: u64, failed: Option<Status> },
    Directory { path: String, entries: Option<Vec<DirectoryEntry>> },
}

/// A file being read: its bytes from `position` on, as they came.
struct Reading {
    path: String,
    entry: DirectoryEntry,
    download: Download,
    position: u64,
    buffered: Vec<u8>,
    finished: bool,
}

impl Reading {
    fn start(files: &Files<'_>, path: &str) -> Result<Reading, Status> {
        let download = files.download(path)?;
        let entry = download.entry.clone();
        Ok(Reading { path: path.to_owned(), entry, download, position: 0, buffered: vec![], finished: false })
    }

    /// Up to `length` bytes at `offset`; `None` at the end of the file.
    fn read(&mut self, files: &Files<'_>, offset: u64, length: u32) -> Result<Option<Vec<u8>>, Status> {
        if offset < self.position {
            *self = Reading::start(files, &self.path)?;
        }
        loop {
            let end = self.position + self.buffered.len() as u64;
            if offset < end {
                let start = (offset - self.position) as usize;
                self.buffered.drain(..start);
                self.position = offset;
                let n = self.buffered.len().min(length.min(MAX_READ) as usize);
                return Ok(Some(self.buffered[..n].to_vec()));
            }
            if self.finished {
                return Ok(None);
            }
            match self.download.piece()? {
                Some(data) => {
                    self.position = end;
                    self.buffered = data;
                }
                None => self.finished = true,
            }
        }
    }
}

struct Server<'a, 'f> {
    files: &'a Files<'f>,
    home: String,
    handles: HashMap<String, Handle>,
    next: u64,
}

impl Server<'_, '_> {
    fn answer(&mut self, packet: &[u8]) -> Vec<u8> {
        let mut fields = Fields(packet);
        let Some(kind) = fields.u8() else { return status(0, BAD_MESSAGE, "empty packet") };
        if kind == INIT {
            let mut reply = Reply(vec![2]);
            reply.u32(VERSION);
            return reply.0;
        }
        let Some(id) = fields.u32() else { return status(0, BAD_MESSAGE, "no request id") };
        self.request(kind, id, &mut fields).unwrap_or_else(|| status(id, BAD_MESSAGE, "malformed request"))
    }

    /// The reply to one request; `None` for one that does not parse.
    fn request(&mut self, kind: u8, id: u32, fields: &mut Fields<'_>) -> Option<Vec<u8>> {
        let files = self.files;
        Some(match kind {
            OPEN => {
                let path = fields.text()?;
                let flags = fields.u32()?;
                self.open(id, &path, flags)
            }
            CLOSE => {
                let handle = fields.text()?;
                match self.handles.remove(&handle) {
                    Some(Handle::Writing { upload, failed, .. }) => {
                        match failed.map_or_else(|| upload.finish(), Err) {
                            Ok(_) => status(id, OK, "Success"),
                            Err(refusal) => refused(id, &refusal),
                        }
                    }
                    Some(_) => status(id, OK, "Success"),
                    None => status(id, FAILURE, "no such handle"),
                }
            }
            READ => {
                let handle = fields.text()?;
                let (offset, length) = (fields.u64()?, fields.u32()?);
                match self.handles.get_mut(&handle) {
                    Some(Handle::Reading(reading)) => match reading.read(files, offset, length) {
                        Ok(Some(data)) => {
                            let mut reply = Reply::new(DATA, id);
                            reply.bytes(&data);
                            reply.0
                        }
                        Ok(None) => status(id, EOF, "End of file"),
                        Err(refusal) => refused(id, &refusal),
                    },
                    _ => status(id, FAILURE, "no such handle"),
                }
            }
            WRITE => {
                let handle = fields.text()?;
                let offset = fields.u64()?;
                let data = fields.bytes()?;
                match self.handles.get_mut(&handle) {
                    Some(Handle::Writing { failed: Some(refusal), .. }) => refused(id, refusal),
                    Some(Handle::Writing { written, .. }) if offset != *written => {
                        status(id, OP_UNSUPPORTED, "files are written from start to end")
                    }
                    Some(Handle::Writing { upload, written, failed }) => match upload.write(data) {
                        Ok(()) => {
                            *written += data.len() as u64;
                            status(id, OK, "Success")
                        }
                        Err(refusal) => {
                            let reply = refused(id, &refusal);
                            *failed = Some(refusal);
                            reply
                        }
                    },
                    _ => status(id, FAILURE, "no such handle"),
                }
            }
            STAT | LSTAT => {
                let path = fields.text()?;
                match files.stat(&path) {
                    Ok(stat) => {
                        let mut reply = Reply::new(ATTRS, id);
                        reply.attributes(&stat.entry.unwrap_or_default());
                        reply.0
                    }
                    Err(refusal) => refused(id, &refusal),
                }
            }
            FSTAT => {
                let handle = fields.text()?;
                match self.handles.get(&handle) {
                    Some(Handle::Reading(reading)) => {
                        let mut reply = Reply::new(ATTRS, id);
                        reply.attributes(&reading.entry);
                        reply.0
                    }
                    Some(Handle::Writing { written, .. }) => {
                        let entry =
                            DirectoryEntry { size: *written, mode: 0o644, ..DirectoryEntry::default() };
                        let mut reply = Reply::new(ATTRS, id);
                        reply.attributes(&entry);
                        reply.0
                    }
                    Some(Handle::Directory { path, .. }) => match files.stat(path) {
                        Ok(stat) => {
                            let mut reply = Reply::new(ATTRS, id);
                            reply.attributes(&stat.entry.unwrap_or_default());
                            reply.0
                        }
                        Err(refusal) => refused(id, &refusal),
                    },
                    None => status(id, FAILURE, "no such handle"),
                }
            }
            SETSTAT => match files.stat(&fields.text()?) {
                Ok(_) => status(id, OK, "Success"),
                Err(refusal) => refused(id, &refusal),
            },
            FSETSTAT => match self.handles.contains_key(&fields.text()?) {
                true => status(id, OK, "Success"),
                false => status(id, FAILURE, "no such handle"),
            },
            OPENDIR => {
                let path = fields.text()?;
                match files.list(&path) {
                    Ok(list) => {
                        self.handle(id, Handle::Directory { path: list.path, entries: Some(list.entries) })
                    }
                    Err(refusal) => refused(id, &refusal),
                }
            }
            READDIR => {
                let handle = fields.text()?;
                match self.handles.get_mut(&handle) {
                    Some(Handle::Directory { entries, .. }) => match entries.take() {
                        Some(mut all) => {
                            let rest = all.split_off(all.len().min(NAMES_AT_ONCE));
                            if !rest.is_empty() {
                                *entries = Some(rest);
                            }
                            names(id, &all)
                        }
                        None => status(id, EOF, "End of file"),
                    },
                    _ => status(id, FAILURE, "no such handle"),
                }
            }
            REMOVE | RMDIR => match files.remove(&fields.text()?) {
                Ok(_) => status(id, OK, "Success"),
                Err(refusal) => refused(id, &refusal),
            },
            MKDIR => match files.make_directory(&fields.text()?) {
                Ok(_) => status(id, OK, "Success"),
                Err(refusal) => refused(id, &refusal),
            },
            RENAME => {
                let from = fields.text()?;
                let to = fields.text()?;
                match files.rename(&from, &to) {
                    Ok(_) => status(id, OK, "Success"),
                    Err(refusal) => refused(id, &refusal),
                }
            }
            REALPATH => {
                let path = self.real_path(&fields.text()?);
                let entry =
                    DirectoryEntry { name: path, directory: true, mode: 0o755, ..DirectoryEntry::default() };
                names(id, std::slice::from_ref(&entry))
            }
            _ => status(id, OP_UNSUPPORTED, "Operation unsupported"),
        })
    }

    fn open(&mut self, id: u32, path: &str, flags: u32) -> Vec<u8> {
        if self.handles.len() >= MAX_HANDLES {
            return status(id, FAILURE, "too many open files");
        }
        let handle = match flags & (OPEN_READ | OPEN_WRITE | OPEN_APPEND) {
            OPEN_READ => match Reading::start(self.files, path) {
                Ok(reading) => Handle::Reading(reading),
                Err(refusal) => return refused(id, &refusal),
            },
            // Written whole: whatever was there is replaced at close.
            OPEN_WRITE => match self.files.upload(path, "", None) {
                Ok(upload) => Handle::Writing { upload, written: 0, failed: None },
                Err(refusal) => return refused(id, &refusal),
            },
            _ => return status(id, OP_UNSUPPORTED, "a file opens for reading or for writing"),
        };
        self.handle(id, handle)
    }

    fn handle(&mut self, id: u32, handle: Handle) -> Vec<u8> {
        self.next += 1;
        let name = self.next.to_string();
        self.handles.insert(name.clone(), handle);
        let mut reply = Reply::new(HANDLE, id);
        reply.bytes(name.as_bytes());
        reply.0
    }

    /// `path` made absolute (relative ones are in the user's home) without
    /// `.` and `..`, as the file area resolves it.
    fn real_path(&self, path: &str) -> String {
        let full = if path.starts_with('/') { path.to_owned() } else { format!("{}/{path}", self.home) };
        let mut parts: Vec<&str> = Vec::new();
        for part in full.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                part => parts.push(part),
            }
        }
        format!("/{}", parts.join("/"))
    }
}

/// A NAME reply: each entry with `ls -l`'s line, as clients print it.
fn names(id: u32, entries: &[DirectoryEntry]) -> Vec<u8> {
    let mut reply = Reply::new(NAME, id);
    reply.u32(entries.len() as u32);
    for entry in entries {
        reply.bytes(entry.name.as_bytes()).bytes(long_name(entry).as_bytes()).attributes(entry);
    }
    reply.0
}

fn long_name(entry: &DirectoryEntry) -> String {
    let mut mode = String::from(if entry.directory { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = entry.mode >> shift;
        mode.push(if bits & 4 != 0 { 'r' } else { '-' });
        mode.push(if bits & 2 != 0 { 'w' } else { '-' });
        mode.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    let time = chrono::DateTime::from_timestamp(entry.modified, 0).unwrap_or_default();
    format!("{mode}    1 root     wheel    {:>8} {} {}", entry.size, time.format("%b %e %H:%M"), entry.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_listed_as_ls_lists_them() {
        let entry =
            DirectoryEntry { name: "x.conf".into(), size: 12, mode: 0o644, modified: 0, directory: false };
        assert_eq!(long_name(&entry), "-rw-r--r--    1 root     wheel          12 Jan  1 00:00 x.conf");
        let mut reply = names(7, &[entry]);
        assert_eq!(reply.remove(0), NAME);
        let mut fields = Fields(&reply);
        assert_eq!(
            (fields.u32(), fields.u32(), fields.text().as_deref()),
            (Some(7), Some(1), Some("x.conf"))
        );
    }

    #[test]
    fn a_packet_that_is_cut_short_does_not_parse() {
        let mut fields = Fields(&[0, 0, 0, 9, b'a']);
        assert_eq!(fields.text(), None);
        assert_eq!(Fields(&[0, 0, 1]).u32(), None);
    }
}
