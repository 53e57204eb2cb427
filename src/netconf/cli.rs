//! The shell engine as a NETCONF session drives it. Each RPC is the typed
//! command it stands for (`Configure`, `Load`, `Commit`, ...) or the
//! grammar's operational command for its name, applied by the engine as the
//! CLI's are, so a reply says what the CLI would and every check and refusal
//! is the one the CLI has.

use super::error::{RpcError, from_failure};
use crate::grammar::ArgumentError;
use crate::proto::MastershipState;
use crate::shell::{Configure, Database, Engine, Failure, Refused, View};
use crate::slot::Slot;

pub struct Cli<'e> {
    engine: &'e mut Engine,
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
        Cli { engine, ended: false }
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Runs `work` on the engine; a refusal becomes its rpc-errors.
    pub fn with<T>(
        &mut self,
        work: impl FnOnce(&mut Engine) -> Result<T, Failure>,
    ) -> Result<T, Vec<RpcError>> {
        work(self.engine).map_err(|failure| self.failed("", failure))
    }

    /// The database open now, if any.
    pub fn database(&self) -> Option<Database> {
        self.engine.database()
    }

    /// Opens the shared database unless one is open.
    pub fn ensure_open(&mut self) -> Result<(), Vec<RpcError>> {
        if self.database().is_some() { Ok(()) } else { self.open(Database::Shared) }
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
        match self.with(|engine| engine.configure(&Configure { database })) {
            Ok(_) => Ok(()),
            // Refused over another session's lock or changes.
            Err(errors) if database == Database::Exclusive => {
                Err(errors.into_iter().map(|e| e.tagged("lock-denied")).collect())
            }
            Err(errors) => Err(errors),
        }
    }

    /// Leaves the database; an exclusive or private database's uncommitted
    /// changes go, as they do at the CLI.
    pub fn close(&mut self) -> Result<(), Vec<RpcError>> {
        if self.database().is_some() {
            self.with(Engine::exit_configuration)?;
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

    /// The RE the session is on.
    pub fn slot(&self) -> Option<Slot> {
        self.engine.current_slot()
    }

    /// The role of the RE the session is on.
    pub fn mastership(&self) -> MastershipState {
        self.engine.mastership()
    }
}
