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
            Ok(Event::Output(bytes)) => self.output.push_str(&String::from_utf8_lossy(&bytes)),
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
