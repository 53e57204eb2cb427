//! The shell engine as a NETCONF session drives it. RPCs run as the CLI
//! commands they stand for, so a reply says what the CLI would, and every
//! check and refusal is the one the CLI has. Operational RPCs run the
//! grammar's command for them and answer its view, the same elements
//! `| display xml` shows.

use super::error::{RpcError, from_failure};
use crate::grammar::ArgumentError;
use crate::proto::MastershipState;
use crate::shell::{Engine, Failure, Refused, View};
use crate::slot::Slot;

/// Which configuration database the session has open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// `configure`: the shared candidate, opened by the first RPC that needs it.
    Shared,
    /// `configure exclusive`: `lock-configuration`, `<lock>`.
    Exclusive,
    /// `configure private`: `open-configuration`.
    Private,
}

pub struct Cli<'e> {
    engine: &'e mut Engine,
    /// The database opened, as this session asked for it; the engine's
    /// prompt says whether configuration mode is still on.
    database: Database,
    /// The RE ended the session (the user was logged out, or the RE restarted).
    ended: bool,
}

impl<'e> Cli<'e> {
    /// Takes over the engine's questions (answered `yes`, as a script that
    /// asked for the operation means it) and its
    /// progress lines (a reply carries a command's output whole).
    pub fn new(engine: &'e mut Engine) -> Cli<'e> {
        engine.set_asker(Box::new(|_, _, _| true));
        engine.set_teller(Box::new(|_| {}));
        engine.set_client("netconf");
        Cli { engine, database: Database::Shared, ended: false }
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Runs a line as typed in the mode the engine is in.
    fn execute(&mut self, line: &str) -> Result<String, Vec<RpcError>> {
        self.execute_raw(line).map_err(|failure| from_failure(line, &failure))
    }

    /// The same, keeping the shell's failure for callers that read it.
    fn execute_raw(&mut self, line: &str) -> Result<String, Failure> {
        let reply = self.engine.execute(line);
        self.ended |= reply.exit;
        match reply.failure {
            Some(failure) => Err(failure),
            None => Ok(reply.output),
        }
    }

    pub fn in_configuration(&self) -> bool {
        self.engine.in_configuration()
    }

    /// The database open now, if any.
    pub fn database(&self) -> Option<Database> {
        self.in_configuration().then_some(self.database)
    }

    /// An operational command, from either mode.
    pub fn operational(&mut self, line: &str) -> Result<String, Vec<RpcError>> {
        if self.in_configuration() { self.execute(&format!("run {line}")) } else { self.execute(line) }
    }

    /// A configuration command, in the database open or else the shared one.
    pub fn configuration(&mut self, line: &str) -> Result<String, Vec<RpcError>> {
        if !self.in_configuration() {
            self.open(Database::Shared)?;
        }
        self.execute(line)
    }

    /// Opens the shared database unless one is open.
    pub fn ensure_open(&mut self) -> Result<(), Vec<RpcError>> {
        if self.in_configuration() { Ok(()) } else { self.open(Database::Shared) }
    }

    /// Opens `database`. The shared one is left for another (its changes
    /// stay in it); an exclusive or private one must be closed first.
    pub fn open(&mut self, database: Database) -> Result<(), Vec<RpcError>> {
        match self.database() {
            Some(open) if open == database => return Ok(()),
            Some(Database::Shared) => self.close()?,
            Some(open) => {
                return Err(vec![RpcError::failed(format!(
                    "the {} configuration database is open; close it first",
                    if open == Database::Exclusive { "exclusive" } else { "private" }
                ))]);
            }
            None => {}
        }
        let line = match database {
            Database::Shared => "configure",
            Database::Exclusive => "configure exclusive",
            Database::Private => "configure private",
        };
        match self.execute_raw(line) {
            Ok(_) => {
                self.database = database;
                Ok(())
            }
            // Refused over another session's lock or changes.
            Err(failure) if database == Database::Exclusive => {
                Err(from_failure(line, &failure).into_iter().map(|e| e.tagged("lock-denied")).collect())
            }
            Err(failure) => Err(from_failure(line, &failure)),
        }
    }

    /// Leaves configuration mode; an exclusive or private database's
    /// uncommitted changes go, as they do at the CLI.
    pub fn close(&mut self) -> Result<(), Vec<RpcError>> {
        if self.in_configuration() {
            self.execute("exit configuration-mode")?;
        }
        Ok(())
    }

    /// The operational command RPC `rpc` names, with its argument elements.
    pub fn invoke(
        &mut self,
        rpc: &str,
        arguments: &[(&str, Option<&str>)],
    ) -> Result<Box<dyn View>, Vec<RpcError>> {
        match self.engine.invoke(rpc, arguments) {
            Ok(view) => Ok(view),
            Err(Refused::Arguments(ArgumentError::Unknown { element })) => {
                Err(vec![RpcError::syntax(&element)])
            }
            Err(Refused::Arguments(e)) => {
                Err(vec![RpcError::failed(e.to_string()).tagged("invalid-value").element(e.element())])
            }
            Err(Refused::Command(failure)) => Err(self.failed("", failure)),
        }
    }

    /// The view of an operational command line (`<command>`).
    pub fn command_view(&mut self, line: &str) -> Result<Box<dyn View>, Vec<RpcError>> {
        self.engine.command_view(line).map_err(|failure| self.failed(line, failure))
    }

    fn failed(&mut self, line: &str, failure: Failure) -> Vec<RpcError> {
        self.ended |= matches!(failure, Failure::LoggedOut(_));
        from_failure(line, &failure)
    }

    /// The engine, for the typed configuration operations.
    pub fn engine(&mut self) -> &mut Engine {
        self.engine
    }

    /// The RE the session is on.
    pub fn slot(&self) -> Option<Slot> {
        self.engine.current_slot()
    }

    /// The role of the RE the session is on.
    pub fn mastership(&self) -> MastershipState {
        self.engine.mastership()
    }

    /// Runs `line` on the other RE through `request routing-engine login`,
    /// and comes back.
    pub fn on_other(&mut self, line: &str) -> Result<Box<dyn View>, Vec<RpcError>> {
        self.operational("request routing-engine login other-routing-engine")?;
        let output = self.command_view(line);
        let back = self.operational("exit");
        let output = output?;
        back?;
        Ok(output)
    }
}
