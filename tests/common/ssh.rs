//! An SSH client for the tests, on russh: logs in with a password and runs
//! the CLI on a pseudo-terminal, one command, or the `netconf` subsystem,
//! as `ssh -tt`, `ssh HOST COMMAND` and `ssh -s HOST netconf` do. Like
//! OpenSSH with `StrictHostKeyChecking=accept-new`, it takes a host's key
//! the first time it sees it and refuses a changed one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use russh::client::{AuthResult, Handle, Msg};
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelMsg, ChannelWriteHalf};

use super::{PASSWORD, READY_WITHIN, TERMINAL_SIZE};

/// What a client asks the server to run on a session channel.
#[derive(Debug, Clone, Copy)]
pub enum Program<'a> {
    /// The CLI, on a pseudo-terminal of `TERMINAL_SIZE`.
    Shell,
    /// One command.
    Exec(&'a str),
    /// The `netconf` subsystem.
    Netconf,
    /// The `sftp` subsystem.
    Sftp,
}

/// Why no session was had, as OpenSSH would have exited 255.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No SSH connection: nobody listening, closed at once, or a broken handshake.
    Connection(String),
    /// The host's key is not the one seen there before.
    HostKeyChanged,
    /// The password was refused (`Permission denied`).
    Login,
    /// The server would not open a session channel (`administratively prohibited`).
    Channel,
    /// The server refused to run the program (`shell request failed`).
    Program,
}

/// What a session printed (its output and error output, in the order they
/// came) and the exit status it ended with, if it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub output: String,
    pub exit_status: Option<u32>,
}

/// A user's SSH client, with its own known hosts file.
pub struct Ssh {
    rt: Arc<tokio::runtime::Runtime>,
    known_hosts: PathBuf,
    user: String,
    password: String,
}

impl Ssh {
    /// `lab` with `PASSWORD`, remembering host keys in `dir/known_hosts`.
    pub fn new(dir: &Path) -> Ssh {
        // A worker of its own: a held session goes on reading while the test
        // does other things, as an ssh process would.
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        Ssh {
            rt: Arc::new(rt),
            known_hosts: dir.join("known_hosts"),
            user: "lab".into(),
            password: PASSWORD.into(),
        }
    }

    /// The same client, logging in as `user` with `password`.
    pub fn login(mut self, user: &str, password: &str) -> Ssh {
        self.user = user.into();
        self.password = password.into();
        self
    }

    /// Runs `program` on `address` with `input` typed at it, then the end
    /// of input; waits for the session to end.
    pub fn run(&self, address: &str, program: Program, input: &str) -> Result<Reply, Refused> {
        let mut session = self.open(address, program)?;
        session.send(input.as_bytes());
        session.eof();
        Ok(session.wait_end())
    }

    /// `ssh HOST COMMAND`.
    pub fn exec(&self, address: &str, command: &str) -> Result<Reply, Refused> {
        self.run(address, Program::Exec(command), "")
    }

    /// Opens a session running `program`, held until dropped.
    pub fn open(&self, address: &str, program: Program) -> Result<Session, Refused> {
        let known = KnownHost { file: self.known_hosts.clone(), address: address.to_owned() };
        let (user, password) = (self.user.clone(), self.password.clone());
        let address = address.to_owned();
        let opened = self.rt.block_on(async move {
            let config = Arc::new(russh::client::Config::default());
            let connecting = russh::client::connect(config, address, known);
            let mut handle = match tokio::time::timeout(READY_WITHIN, connecting).await {
                Err(_) => return Err(Refused::Connection("no answer in time".into())),
                Ok(Err(russh::Error::UnknownKey)) => return Err(Refused::HostKeyChanged),
                Ok(Err(e)) => return Err(Refused::Connection(e.to_string())),
                Ok(Ok(handle)) => handle,
            };
            match handle.authenticate_password(user, password).await {
                Ok(AuthResult::Success) => {}
                Ok(AuthResult::Failure { .. }) => return Err(Refused::Login),
                Err(e) => return Err(Refused::Connection(e.to_string())),
            }
            let channel = handle.channel_open_session().await.map_err(|_| Refused::Channel)?;
            let (mut read, write) = channel.split();
            let asked = match program {
                Program::Shell => {
                    let (rows, cols) = TERMINAL_SIZE;
                    write.request_pty(false, "xterm", cols.into(), rows.into(), 0, 0, &[]).await.ok();
                    write.request_shell(true).await
                }
                Program::Exec(command) => write.exec(true, command).await,
                Program::Netconf => write.request_subsystem(true, "netconf").await,
                Program::Sftp => write.request_subsystem(true, "sftp").await,
            };
            asked.map_err(|e| Refused::Connection(e.to_string()))?;
            // The answer to the last request tells whether the program runs;
            // what the server sends before it (the pty's answer) is of no interest.
            loop {
                match read.wait().await {
                    Some(ChannelMsg::Success) => break,
                    Some(ChannelMsg::Failure) | None => return Err(Refused::Program),
                    Some(_) => {}
                }
            }
            let (tx, events) = mpsc::channel();
            tokio::spawn(async move {
                while let Some(message) = read.wait().await {
                    let event = match message {
                        ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } => {
                            Event::Output(data.to_vec())
                        }
                        ChannelMsg::ExitStatus { exit_status } => Event::Exit(exit_status),
                        ChannelMsg::Close => break,
                        _ => continue,
                    };
                    if tx.send(event).is_err() {
                        break;
                    }
                }
            });
            Ok((handle, write, events))
        })?;
        let (handle, write, events) = opened;
        Ok(Session {
            rt: self.rt.clone(),
            _handle: handle,
            write,
            events,
            output: String::new(),
            bytes: Vec::new(),
            exit_status: None,
        })
    }
}

enum Event {
    Output(Vec<u8>),
    Exit(u32),
}

/// An open session channel; closed when dropped.
pub struct Session {
    rt: Arc<tokio::runtime::Runtime>,
    _handle: Handle<KnownHost>,
    write: ChannelWriteHalf<Msg>,
    events: mpsc::Receiver<Event>,
    /// Everything the server sent so far.
    pub output: String,
    /// The same, as the bytes that came.
    pub bytes: Vec<u8>,
    exit_status: Option<u32>,
}

impl Session {
    /// Types `bytes` at the session, as fast as the server takes them.
    pub fn send(&mut self, bytes: &[u8]) {
        // A server that ended the session reads no more; what it said is in the output.
        let _ = self.rt.block_on(self.write.data(bytes));
    }

    /// The end of input (Ctrl-D on an ssh client's own terminal).
    pub fn eof(&mut self) {
        let _ = self.rt.block_on(self.write.eof());
    }

    /// Waits until the output, after what was already there at `from`,
    /// shows `text`; returns the position just past it.
    pub fn expect_after(&mut self, from: usize, text: &str) -> usize {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(at) = self.output.get(from..).and_then(|s| s.find(text)) {
                return from + at + text.len();
            }
            if !self.take_event(deadline) {
                panic!("{text:?} never came; the session printed:\n{}", self.output);
            }
        }
    }

    /// Waits until the server has sent more than `length` bytes in all;
    /// false if the session ended first.
    pub fn bytes_past(&mut self, length: usize) -> bool {
        let deadline = Instant::now() + READY_WITHIN;
        while self.bytes.len() <= length {
            if !self.take_event(deadline) {
                return false;
            }
        }
        true
    }

    /// Waits until the server ends the session: what it printed, and its
    /// exit status.
    pub fn wait_end(mut self) -> Reply {
        assert!(self.ends(), "the session did not end; it printed:\n{}", self.output);
        Reply { output: std::mem::take(&mut self.output), exit_status: self.exit_status }
    }

    /// Whether the server ends the session within `READY_WITHIN`.
    pub fn ends(&mut self) -> bool {
        let deadline = Instant::now() + READY_WITHIN;
        while self.take_event(deadline) {}
        matches!(self.events.try_recv(), Err(mpsc::TryRecvError::Disconnected))
    }

    /// Takes the next thing the server sent; false once the channel closed
    /// or when nothing came before `deadline`.
    fn take_event(&mut self, deadline: Instant) -> bool {
        match self.events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Event::Output(bytes)) => {
                self.output.push_str(&String::from_utf8_lossy(&bytes));
                self.bytes.extend(bytes);
            }
            Ok(Event::Exit(status)) => self.exit_status = Some(status),
            Err(_) => return false,
        }
        true
    }
}

/// Checks a server's key against the one remembered for its address.
struct KnownHost {
    file: PathBuf,
    address: String,
}

impl russh::client::Handler for KnownHost {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else { return Ok(false) };
        let key = key.to_openssh().map_err(|e| russh::Error::Keys(e.into()))?;
        let known = std::fs::read_to_string(&self.file).unwrap_or_default();
        let seen = known.lines().find_map(|line| line.strip_prefix(&format!("{} ", self.address)));
        match seen {
            Some(seen) => Ok(seen == key),
            None => {
                let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.file)?;
                std::io::Write::write_all(&mut file, format!("{} {key}\n", self.address).as_bytes())?;
                Ok(true)
            }
        }
    }
}

/// The client end of classic SCP (`scp -O`), as paramiko's `scp` speaks it.
impl Ssh {
    /// `scp FILE HOST:PATH` for a file called `name` holding `content`;
    /// the server's error line (`scp: …`) if it refused.
    pub fn scp_put(&self, address: &str, path: &str, name: &str, content: &[u8]) -> Result<(), String> {
        self.scp_offer(address, path, name, content.len() as u64, content)
    }

    /// `scp_put` announcing `size` bytes, whatever `content` holds.
    pub fn scp_offer(
        &self,
        address: &str,
        path: &str,
        name: &str,
        size: u64,
        content: &[u8],
    ) -> Result<(), String> {
        let mut session =
            self.open(address, Program::Exec(&format!("scp -t {path}"))).map_err(|e| format!("{e:?}"))?;
        let mut seen = 0;
        let sent = (|| {
            answer(&mut session, &mut seen)?;
            session.send(format!("C0644 {size} {name}\n").as_bytes());
            answer(&mut session, &mut seen)?;
            session.send(content);
            session.send(b"\0");
            answer(&mut session, &mut seen)
        })();
        session.eof();
        let end = session.wait_end();
        sent?;
        assert_eq!(end.exit_status, Some(0), "{}", end.output);
        Ok(())
    }

    /// `scp HOST:PATH FILE`: the file's bytes, or the server's error line.
    pub fn scp_get(&self, address: &str, path: &str) -> Result<Vec<u8>, String> {
        let mut session =
            self.open(address, Program::Exec(&format!("scp -f {path}"))).map_err(|e| format!("{e:?}"))?;
        session.send(b"\0");
        let mut seen = 0;
        let record = line(&mut session, &mut seen)?;
        let size: usize = record.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(record.clone())?;
        session.send(b"\0");
        assert!(session.bytes_past(seen + size), "the file was cut short: {record}");
        let content = session.bytes[seen..seen + size].to_vec();
        seen += size;
        answer(&mut session, &mut seen)?;
        session.send(b"\0");
        session.eof();
        let end = session.wait_end();
        assert_eq!(end.exit_status, Some(0), "{}", end.output);
        Ok(content)
    }
}

/// The server's answer at `seen`: a zero byte, or an error line.
fn answer(session: &mut Session, seen: &mut usize) -> Result<(), String> {
    if !session.bytes_past(*seen) {
        return Err(format!("the session ended: {}", session.output));
    }
    if session.bytes[*seen] == 0 {
        *seen += 1;
        return Ok(());
    }
    Err(line(session, seen)?)
}

/// A record line at `seen` (`C0644 5 x`, or an error's `scp: …`), without
/// its leading byte and its newline; an error line is `Err`.
fn line(session: &mut Session, seen: &mut usize) -> Result<String, String> {
    let start = *seen;
    loop {
        if let Some(end) = session.bytes[start..].iter().position(|&b| b == b'\n') {
            let text = String::from_utf8_lossy(&session.bytes[start + 1..start + end]).into_owned();
            *seen = start + end + 1;
            return if matches!(session.bytes[start], 1 | 2) { Err(text) } else { Ok(text) };
        }
        if !session.bytes_past(session.bytes.len()) {
            return Err(format!("the session ended: {}", session.output));
        }
    }
}

/// An SFTP (version 3) client session, as OpenSSH's `sftp` and paramiko
/// make one. A refusal is `Err("CODE message")`.
pub struct Sftp {
    session: Session,
    seen: usize,
    id: u32,
}

fn string(bytes: &[u8]) -> Vec<u8> {
    let mut out = (bytes.len() as u32).to_be_bytes().to_vec();
    out.extend(bytes);
    out
}

fn take_u32(bytes: &mut &[u8]) -> u32 {
    let (head, rest) = bytes.split_at(4);
    *bytes = rest;
    u32::from_be_bytes(head.try_into().unwrap())
}

fn take_string(bytes: &mut &[u8]) -> Vec<u8> {
    let length = take_u32(bytes) as usize;
    let (head, rest) = bytes.split_at(length);
    *bytes = rest;
    head.to_vec()
}

impl Ssh {
    pub fn sftp(&self, address: &str) -> Sftp {
        let session = self.open(address, Program::Sftp).expect("the sftp subsystem");
        let mut sftp = Sftp { session, seen: 0, id: 0 };
        let (kind, body) = sftp.exchange(&[1, 0, 0, 0, 3]);
        assert_eq!((kind, body), (2, 3u32.to_be_bytes().to_vec()), "VERSION 3");
        sftp
    }
}

impl Sftp {
    /// Sends a packet; the type and body of the reply.
    fn exchange(&mut self, packet: &[u8]) -> (u8, Vec<u8>) {
        self.session.send(&string(packet));
        assert!(self.session.bytes_past(self.seen + 4), "no reply: {}", self.session.output);
        let length =
            u32::from_be_bytes(self.session.bytes[self.seen..self.seen + 4].try_into().unwrap()) as usize;
        assert!(self.session.bytes_past(self.seen + 4 + length - 1), "a reply cut short");
        let reply = self.session.bytes[self.seen + 4..self.seen + 4 + length].to_vec();
        self.seen += 4 + length;
        (reply[0], reply[1..].to_vec())
    }

    /// A request with its id; the reply's type and body after the id.
    fn request(&mut self, kind: u8, fields: &[&[u8]]) -> (u8, Vec<u8>) {
        self.id += 1;
        let mut packet = vec![kind];
        packet.extend(self.id.to_be_bytes());
        for field in fields {
            packet.extend(*field);
        }
        let (kind, body) = self.exchange(&packet);
        assert_eq!(body[..4], self.id.to_be_bytes(), "the reply to request {}", self.id);
        (kind, body[4..].to_vec())
    }

    /// A STATUS reply: Ok for SSH_FX_OK, else the code and message.
    fn status(reply: (u8, Vec<u8>)) -> Result<(), String> {
        assert_eq!(reply.0, 101, "a STATUS reply");
        let mut body = reply.1.as_slice();
        match take_u32(&mut body) {
            0 => Ok(()),
            code => Err(format!("{code} {}", String::from_utf8_lossy(&take_string(&mut body)))),
        }
    }

    fn handle(reply: (u8, Vec<u8>)) -> Result<Vec<u8>, String> {
        if reply.0 != 102 {
            return Err(Sftp::status(reply).unwrap_err());
        }
        Ok(string(&take_string(&mut reply.1.as_slice())))
    }

    pub fn put(&mut self, path: &str, content: &[u8]) -> Result<(), String> {
        // WRITE | CREAT | TRUNC, no attributes.
        let flags = 0x1au32.to_be_bytes();
        let handle = Sftp::handle(self.request(3, &[&string(path.as_bytes()), &flags, &[0; 4]]))?;
        for (n, piece) in content.chunks(32 * 1024).enumerate() {
            let offset = (n as u64 * 32 * 1024).to_be_bytes();
            Sftp::status(self.request(6, &[&handle, &offset, &string(piece)]))?;
        }
        Sftp::status(self.request(4, &[&handle]))
    }

    pub fn get(&mut self, path: &str) -> Result<Vec<u8>, String> {
        let handle =
            Sftp::handle(self.request(3, &[&string(path.as_bytes()), &1u32.to_be_bytes(), &[0; 4]]))?;
        let mut content = Vec::new();
        loop {
            let offset = (content.len() as u64).to_be_bytes();
            let reply = self.request(5, &[&handle, &offset, &32768u32.to_be_bytes()]);
            if reply.0 != 103 {
                assert_eq!(Sftp::status(reply), Err("1 End of file".into()));
                break;
            }
            content.extend(take_string(&mut reply.1.as_slice()));
        }
        Sftp::status(self.request(4, &[&handle]))?;
        Ok(content)
    }

    /// The names in a directory, as READDIR gives them.
    pub fn list(&mut self, path: &str) -> Result<Vec<String>, String> {
        let handle = Sftp::handle(self.request(11, &[&string(path.as_bytes())]))?;
        let mut names = Vec::new();
        loop {
            let reply = self.request(12, &[&handle]);
            if reply.0 != 104 {
                assert_eq!(Sftp::status(reply), Err("1 End of file".into()));
                break;
            }
            let mut body = reply.1.as_slice();
            for _ in 0..take_u32(&mut body) {
                names.push(String::from_utf8_lossy(&take_string(&mut body)).into_owned());
                take_string(&mut body);
                // Size, permissions, times.
                assert_eq!(take_u32(&mut body), 0x0d);
                body = &body[20..];
            }
        }
        Sftp::status(self.request(4, &[&handle]))?;
        Ok(names)
    }

    /// The size STAT gives.
    pub fn size(&mut self, path: &str) -> Result<u64, String> {
        let reply = self.request(17, &[&string(path.as_bytes())]);
        if reply.0 != 105 {
            return Err(Sftp::status(reply).unwrap_err());
        }
        Ok(u64::from_be_bytes(reply.1[4..12].try_into().unwrap()))
    }

    pub fn real_path(&mut self, path: &str) -> String {
        let reply = self.request(16, &[&string(path.as_bytes())]);
        assert_eq!(reply.0, 104, "a NAME reply");
        let mut body = &reply.1[4..];
        String::from_utf8_lossy(&take_string(&mut body)).into_owned()
    }

    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), String> {
        Sftp::status(self.request(18, &[&string(from.as_bytes()), &string(to.as_bytes())]))
    }

    pub fn remove(&mut self, path: &str) -> Result<(), String> {
        Sftp::status(self.request(13, &[&string(path.as_bytes())]))
    }

    pub fn make_directory(&mut self, path: &str) -> Result<(), String> {
        Sftp::status(self.request(14, &[&string(path.as_bytes()), &[0; 4]]))
    }
}
