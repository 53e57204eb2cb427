//! SCP on the SSH listener: the `scp -t` (sink) and `scp -f` (source) ends
//! of the classic protocol that PyEZ, NAPALM and Ansible speak, and
//! OpenSSH's `scp -O`. Files go to and from the RE's file area through its
//! agent, as the logged-in user, so the agent checks the class: reading
//! needs `view`, writing `maintenance`, as `file copy` does.

use std::io::{Read, Write};

use tonic::{Code, Status};

use crate::shell::client::Files;

/// The deepest directory tree `scp -r` walks or makes.
const MAX_DEPTH: usize = 32;

/// How much of a file is read from the channel at a time.
const CHUNK: usize = 64 * 1024;

/// The longest record line (`C0644 SIZE NAME`) taken.
const MAX_RECORD: usize = 4096;

/// What the client asked of `scp`.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    direction: Direction,
    recursive: bool,
    preserve: bool,
    /// `-d`: the target must be a directory.
    into_directory: bool,
    paths: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
enum Direction {
    /// `-t`: the client sends files here.
    Sink,
    /// `-f`: the client fetches them.
    Source,
}

/// Reads an exec request as `scp`, if it is one: `scp [-rpdvq] -t|-f PATH...`.
pub fn parse(command: &str) -> Option<Request> {
    let words = split_words(command)?;
    let (program, rest) = words.split_first()?;
    if program != "scp" {
        return None;
    }
    let mut request = Request {
        direction: Direction::Sink,
        recursive: false,
        preserve: false,
        into_directory: false,
        paths: vec![],
    };
    let mut direction = None;
    let mut options = true;
    for word in rest {
        if options && word == "--" {
            options = false;
        } else if options && word.starts_with('-') && word.len() > 1 {
            for flag in word[1..].chars() {
                match flag {
                    't' => direction = Some(Direction::Sink),
                    'f' => direction = Some(Direction::Source),
                    'r' => request.recursive = true,
                    'p' => request.preserve = true,
                    'd' => request.into_directory = true,
                    'v' | 'q' => {}
                    _ => return None,
                }
            }
        } else {
            request.paths.push(word.clone());
        }
    }
    request.direction = direction?;
    let paths_fit = match request.direction {
        Direction::Sink => request.paths.len() == 1,
        Direction::Source => !request.paths.is_empty(),
    };
    paths_fit.then_some(request)
}

/// Splits a command line as a POSIX shell does for plain words: quotes
/// ('…', "…") and backslashes; `None` for an unclosed quote.
fn split_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => w.push(chars.next()?),
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// Runs one `scp` end over the channel; its exit status (0: every file
/// went, 1: some did not).
pub fn run(files: &Files<'_>, request: &Request, input: &mut impl Read, out: &mut impl Write) -> u32 {
    let mut session = Session { files, input, out, errors: false };
    let ended = match request.direction {
        Direction::Sink => session.sink(request),
        Direction::Source => session.source(request),
    };
    u32::from(ended.is_err() || session.errors)
}

/// The protocol ended: the client went away, or broke it.
struct Ended;

struct Session<'a, 'f, R, W> {
    files: &'a Files<'f>,
    input: &'a mut R,
    out: &'a mut W,
    /// A file failed along the way.
    errors: bool,
}

/// A failure in OpenSSH's words (`strerror`).
fn reason(status: &Status) -> String {
    match status.code() {
        Code::NotFound | Code::InvalidArgument => "No such file or directory".into(),
        Code::PermissionDenied => "Permission denied".into(),
        Code::ResourceExhausted => "File too large".into(),
        _ => {
            // The agent's own words follow the path it names.
            let message = status.message();
            message.split_once(": ").map_or(message, |(_, why)| why).to_owned()
        }
    }
}

impl<R: Read, W: Write> Session<'_, '_, R, W> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), Ended> {
        self.out.write_all(bytes).and_then(|()| self.out.flush()).map_err(|_| Ended)
    }

    /// Tells the client of a failure it reports and carries on from.
    fn error(&mut self, text: &str) -> Result<(), Ended> {
        self.errors = true;
        self.send(format!("\x01scp: {text}\n").as_bytes())
    }

    fn byte(&mut self) -> Result<Option<u8>, Ended> {
        let mut byte = [0];
        match self.input.read(&mut byte) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(byte[0])),
            Err(_) => Err(Ended),
        }
    }

    fn line(&mut self) -> Result<String, Ended> {
        let mut line = Vec::new();
        loop {
            match self.byte()? {
                Some(b'\n') => return Ok(String::from_utf8_lossy(&line).into_owned()),
                Some(byte) if line.len() < MAX_RECORD => line.push(byte),
                _ => return Err(Ended),
            }
        }
    }

    /// The client's answer to what was sent: `Ok(true)` for go on,
    /// `Ok(false)` for a failure it reported (the file is skipped).
    fn answer(&mut self) -> Result<bool, Ended> {
        match self.byte()? {
            Some(0) => Ok(true),
            Some(1) => self.line().map(|_| false),
            _ => Err(Ended),
        }
    }

    fn sink(&mut self, request: &Request) -> Result<(), Ended> {
        let target = request.paths[0].as_str();
        let target_is_directory = self.files.stat(target).is_ok_and(|s| s.entry.is_some_and(|e| e.directory));
        if request.into_directory && !target_is_directory {
            self.error(&format!("{target}: Not a directory"))?;
            return Err(Ended);
        }
        // Where the next file goes: the directories `D` records opened.
        let mut directories: Vec<String> = Vec::new();
        self.send(b"\0")?;
        loop {
            let Some(kind) = self.byte()? else { return Ok(()) };
            let record = self.line()?;
            match kind {
                1 => self.errors = true,
                2 => return Err(Ended),
                b'T' => self.send(b"\0")?,
                b'E' => {
                    directories.pop().ok_or(Ended)?;
                    self.send(b"\0")?;
                }
                b'C' | b'D' => {
                    let Some((size, name)) = parse_record(&record) else {
                        self.error("protocol error: bad record")?;
                        return Err(Ended);
                    };
                    let place = match directories.last() {
                        Some(dir) => format!("{dir}/{name}"),
                        None if target_is_directory => format!("{}/{name}", target.trim_end_matches('/')),
                        None => target.to_owned(),
                    };
                    if kind == b'C' {
                        self.receive(&place, size)?;
                    } else if !request.recursive || directories.len() >= MAX_DEPTH {
                        self.error(&format!("{place}: Is a directory"))?;
                        return Err(Ended);
                    } else {
                        let there =
                            self.files.stat(&place).is_ok_and(|s| s.entry.is_some_and(|e| e.directory));
                        match if there { Ok(place.clone()) } else { self.files.make_directory(&place) } {
                            Ok(_) => {
                                directories.push(place);
                                self.send(b"\0")?;
                            }
                            Err(status) => {
                                self.error(&format!("{place}: {}", reason(&status)))?;
                                return Err(Ended);
                            }
                        }
                    }
                }
                _ => {
                    self.error("protocol error: unexpected record")?;
                    return Err(Ended);
                }
            }
        }
    }

    /// One file's bytes, after its `C` record, to `place`.
    fn receive(&mut self, place: &str, size: u64) -> Result<(), Ended> {
        let mut upload = match self.files.upload(place, "", Some(size)) {
            Ok(upload) => upload,
            // The client sends nothing for a file refused here.
            Err(status) => return self.error(&format!("{place}: {}", reason(&status))),
        };
        self.send(b"\0")?;
        let mut failed = None;
        let mut left = size;
        let mut buffer = vec![0; CHUNK];
        while left > 0 {
            let want = buffer.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = self.input.read(&mut buffer[..want]).map_err(|_| Ended)?;
            if n == 0 {
                return Err(Ended);
            }
            left -= n as u64;
            // What the RE refuses is still read, to stay in step.
            if failed.is_none() {
                failed = upload.write(&buffer[..n]).err();
            }
        }
        if !self.answer()? {
            return Ok(());
        }
        match failed.map_or_else(|| upload.finish(), Err) {
            Ok(_) => self.send(b"\0"),
            Err(status) => self.error(&format!("{place}: {}", reason(&status))),
        }
    }

    fn source(&mut self, request: &Request) -> Result<(), Ended> {
        if !self.answer()? {
            return Err(Ended);
        }
        for path in &request.paths {
            self.send_path(path, request, 0)?;
        }
        Ok(())
    }

    fn send_path(&mut self, path: &str, request: &Request, depth: usize) -> Result<(), Ended> {
        let stat = match self.files.stat(path) {
            Ok(stat) => stat,
            Err(status) => return self.error(&format!("{path}: {}", reason(&status))),
        };
        let entry = stat.entry.unwrap_or_default();
        if !entry.directory {
            return self.send_file(path, request.preserve);
        }
        if !request.recursive {
            return self.error(&format!("{path}: not a regular file"));
        }
        if depth >= MAX_DEPTH {
            return self.error(&format!("{path}: Too many levels of directories"));
        }
        let list = match self.files.list(path) {
            Ok(list) => list,
            Err(status) => return self.error(&format!("{path}: {}", reason(&status))),
        };
        if request.preserve {
            self.send(format!("T{0} 0 {0} 0\n", entry.modified).as_bytes())?;
            if !self.answer()? {
                return Ok(());
            }
        }
        self.send(format!("D{:04o} 0 {}\n", entry.mode & 0o7777, entry.name).as_bytes())?;
        if !self.answer()? {
            return Ok(());
        }
        let directory = list.path.trim_end_matches('/').to_owned();
        for child in &list.entries {
            self.send_path(&format!("{directory}/{}", child.name), request, depth + 1)?;
        }
        self.send(b"E\n")?;
        self.answer().map(|_| ())
    }

    fn send_file(&mut self, path: &str, preserve: bool) -> Result<(), Ended> {
        let mut download = match self.files.download(path) {
            Ok(download) => download,
            Err(status) => return self.error(&format!("{path}: {}", reason(&status))),
        };
        let entry = download.entry.clone();
        if preserve {
            self.send(format!("T{0} 0 {0} 0\n", entry.modified).as_bytes())?;
            if !self.answer()? {
                return Ok(());
            }
        }
        self.send(format!("C{:04o} {} {}\n", entry.mode & 0o7777, entry.size, entry.name).as_bytes())?;
        if !self.answer()? {
            return Ok(());
        }
        loop {
            match download.piece() {
                Ok(Some(data)) => self.send(&data)?,
                Ok(None) => break,
                // The size was promised: the client cannot be kept in step.
                Err(status) => {
                    self.error(&format!("{path}: {}", reason(&status)))?;
                    return Err(Ended);
                }
            }
        }
        self.send(b"\0")?;
        self.answer().map(|_| ())
    }
}

/// `C0644 SIZE NAME` or `D0755 0 NAME` (without its letter): the size and
/// a name that is one file's, never a path.
fn parse_record(record: &str) -> Option<(u64, &str)> {
    let mut parts = record.splitn(3, ' ');
    let mode = parts.next()?;
    let size = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    let plain = !name.is_empty() && name != "." && name != ".." && !name.contains('/');
    (mode.len() == 4 && mode.chars().all(|c| c.is_digit(8)) && plain).then_some((size, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scp_requests_are_read_as_paramiko_and_openssh_send_them() {
        let request = parse("scp -t /var/tmp/").unwrap();
        assert_eq!((request.direction, request.paths), (Direction::Sink, vec!["/var/tmp/".to_owned()]));
        let request = parse("scp -r -p -f 'a b' \"c\\\"d\" e\\ f").unwrap();
        assert!(request.recursive && request.preserve && request.direction == Direction::Source);
        assert_eq!(request.paths, ["a b", "c\"d", "e f"]);
        let request = parse("scp -v -d -t -- -x").unwrap();
        assert!(request.into_directory);
        assert_eq!(request.paths, ["-x"]);
        for not_scp in
            ["show version", "scp", "scp -t", "scp -t a b", "scp -z -t a", "scp -t 'open", "scpx -t a"]
        {
            assert_eq!(parse(not_scp), None, "{not_scp}");
        }
    }

    #[test]
    fn a_record_names_one_file() {
        assert_eq!(parse_record("0644 12 x.conf"), Some((12, "x.conf")));
        assert_eq!(parse_record("0644 12 with space"), Some((12, "with space")));
        for bad in ["0644 12 ../x", "0644 12 a/b", "0644 x y", "644 1 y", "0648 1 y", "0644 1 ..", "0644 1 "]
        {
            assert_eq!(parse_record(bad), None, "{bad}");
        }
    }
}
