//! The shell engine: modes, prompts, commands and their rendering. It knows no
//! terminal; the REPL and the batch runner are front ends that feed it lines
//! and print what it returns, so a command behaves the same in each.

mod batch;
mod client;
mod commands;
mod render;
mod repl;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::runtime::Handle;

use crate::chassis::Addresses;
use crate::grammar::{Grammar, ParseError};
use crate::proto::Identity;
use crate::slot::Slot;
pub use batch::BatchOptions;
use client::{AgentClient, ClientError};
use commands::Command;

/// How the shell was asked to run.
#[derive(Debug, Clone)]
pub struct ShellOptions {
    /// Where the embedded chassis keeps its state (ignored with `connect`).
    pub state_dir: PathBuf,
    /// Running agents to attach to instead of starting an embedded chassis.
    pub connect: Option<Addresses>,
    pub user: String,
    /// Commands given with `-c`, run in order.
    pub commands: Vec<String>,
    /// A file of commands given with `-f`.
    pub file: Option<PathBuf>,
    pub batch: BatchOptions,
}

/// Starts (or attaches to) the chassis and runs the REPL or the batch runner.
pub fn run(rt: &Handle, options: ShellOptions) -> anyhow::Result<ExitCode> {
    let addresses = match &options.connect {
        Some(addresses) => addresses.clone(),
        None => rt.block_on(crate::chassis::start_embedded(&options.state_dir))?,
    };
    let mut engine = Engine::connect(rt.clone(), &options.user, addresses)?;
    let stdin_is_terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    if !options.commands.is_empty() || options.file.is_some() || !stdin_is_terminal {
        let ok = batch::run(&mut engine, &options)?;
        return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    repl::run(&mut engine)?;
    Ok(ExitCode::SUCCESS)
}

/// A failed command, as the operator is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The line is not a command: a caret under the bad spot, then the message.
    Parse(ParseError),
    /// The command ran and was refused: `error: ...`.
    Error(String),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        Failure::Error(e.to_string())
    }
}

impl Failure {
    /// The failure's text. `echo` is the prompt and line to print above the
    /// caret when the terminal does not already show them (batch logs).
    pub fn render(&self, prompt: &str, line: &str, echo: bool) -> String {
        match self {
            Failure::Error(message) => format!("error: {message}\n"),
            Failure::Parse(e) => {
                let mut out = String::new();
                if let Some(column) = e.column() {
                    if echo {
                        out.push_str(&format!("{prompt}{line}\n"));
                    }
                    out.push_str(&format!("{}^\n", " ".repeat(prompt.chars().count() + column)));
                }
                out.push_str(&format!("{e}\n"));
                if let ParseError::Ambiguous { completions, .. } = e {
                    out.push_str("Possible completions:\n");
                    for c in completions {
                        render::completion_line(&mut out, &c.name, &c.help);
                    }
                }
                out
            }
        }
    }
}

/// What a line did.
#[derive(Debug, Default)]
pub struct Reply {
    /// Text for standard output, ending in a newline when not empty.
    pub output: String,
    pub failure: Option<Failure>,
    /// The session is over.
    pub exit: bool,
}

impl Reply {
    fn output(output: String) -> Reply {
        Reply { output, ..Reply::default() }
    }

    fn failed(failure: impl Into<Failure>) -> Reply {
        Reply { failure: Some(failure.into()), ..Reply::default() }
    }
}

/// The two lines printed before each command: the role line and the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// `{master}` or `{backup}`.
    pub role: String,
    /// `user@host> `.
    pub text: String,
}

/// One Routing Engine this session is logged in to.
struct Session {
    client: AgentClient,
    /// Refreshed after every command: the role and host name can change under us.
    identity: Identity,
}

pub struct Engine {
    /// Shared with the line editor's completer.
    grammar: Arc<Grammar>,
    rt: Handle,
    user: String,
    /// Where the shell was told the agents are.
    addresses: Addresses,
    /// Logins nest: `exit` returns to the RE before. The current one is last.
    sessions: Vec<Session>,
}

impl Engine {
    /// Attaches to the first Routing Engine in `addresses` (re0 if given).
    pub fn connect(rt: Handle, user: &str, addresses: Addresses) -> anyhow::Result<Engine> {
        let grammar = Arc::new(Grammar::operational()?);
        if let Some(action) = grammar.actions().find(|a| Command::from_action(a).is_none()) {
            bail!("grammar names action '{action}', which has no handler");
        }
        let Some(first) = Slot::ALL.into_iter().find_map(|s| addresses.get(s)) else {
            bail!("no Routing Engine address to connect to");
        };
        let session = Engine::open(&rt, first).context("cannot attach to the Routing Engine")?;
        Ok(Engine { grammar, rt, user: user.to_owned(), addresses, sessions: vec![session] })
    }

    fn open(rt: &Handle, address: &str) -> Result<Session, ClientError> {
        let client = AgentClient::new(rt.clone(), address)?;
        let identity = client.identity()?;
        Ok(Session { client, identity })
    }

    pub fn grammar(&self) -> &Arc<Grammar> {
        &self.grammar
    }

    fn session(&self) -> &Session {
        // Never empty: the last session is left only by ending the engine's use.
        &self.sessions[self.sessions.len() - 1]
    }

    fn current_slot(&self) -> Option<Slot> {
        Slot::new(self.session().identity.slot)
    }

    pub fn prompt(&self) -> Prompt {
        let identity = &self.session().identity;
        Prompt {
            role: format!("{{{}}}", render::mastership_word(identity.mastership_state).to_lowercase()),
            text: format!("{}@{}> ", self.user, identity.host_name),
        }
    }

    /// The banner a session on the current RE starts with.
    pub fn banner(&self) -> Result<String, Failure> {
        let software = self.session().client.software_information()?;
        Ok(render::login_banner(&software))
    }

    /// Runs one line: a command, or a `?` request at its end.
    pub fn execute(&mut self, line: &str) -> Reply {
        let trimmed = line.trim_end();
        if let Some(before) = trimmed.strip_suffix('?') {
            if !crate::grammar::in_quote(before) {
                return self.help(before);
            }
        }
        if trimmed.trim_start().is_empty() {
            return Reply::default();
        }
        let grammar = Arc::clone(&self.grammar);
        let reply = match grammar.parse(line) {
            Ok(parsed) => match Command::from_action(parsed.action) {
                Some(command) => command.run(self, &parsed),
                None => Reply::failed(Failure::Error(format!("no handler for '{}'", parsed.action))),
            },
            Err(e) => Reply::failed(Failure::Parse(e)),
        };
        self.refresh_identity();
        reply
    }

    /// `?` after `before`: what may come next.
    pub fn help(&self, before: &str) -> Reply {
        match self.grammar.completions(before) {
            Ok(c) => Reply::output(render::completions(&c)),
            Err(e) => Reply::failed(Failure::Parse(e)),
        }
    }

    fn refresh_identity(&mut self) {
        let last = self.sessions.len() - 1;
        if let Ok(identity) = self.sessions[last].client.identity() {
            self.sessions[last].identity = identity;
        }
    }
}
