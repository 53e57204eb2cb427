//! The shell engine as a NETCONF session drives it. RPCs run as the CLI
//! commands they stand for, so a reply says what the CLI would, and every
//! check and refusal is the one the CLI has; operational replies come from
//! `| display xml`, the same elements the CLI shows.

use std::cell::RefCell;
use std::rc::Rc;

use super::error::{RpcError, from_failure};
use crate::shell::{Engine, Failure};
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
    /// What the next `load ... terminal` reads.
    pending_load: Rc<RefCell<String>>,
    /// The RE ended the session (the user was logged out, or the RE restarted).
    ended: bool,
}

impl<'e> Cli<'e> {
    /// Takes over the engine's questions (answered `yes`, as a script that
    /// asked for the operation means it), its terminal input, and its
    /// progress lines (a reply carries a command's output whole).
    pub fn new(engine: &'e mut Engine) -> Cli<'e> {
        let pending_load = Rc::new(RefCell::new(String::new()));
        let reader = pending_load.clone();
        engine.set_asker(Box::new(|_, _, _| true));
        engine.set_reader(Box::new(move |_| Some(std::mem::take(&mut *reader.borrow_mut()))));
        engine.set_teller(Box::new(|_| {}));
        engine.set_client("netconf");
        Cli { engine, database: Database::Shared, pending_load, ended: false }
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

    /// `load ACTION terminal` with `text` as what is typed: the load's
    /// output (its errors, then `load complete`).
    pub fn load(&mut self, action: &str, text: String) -> Result<String, Vec<RpcError>> {
        *self.pending_load.borrow_mut() = text;
        let loaded = self.configuration(&format!("load {action} terminal"));
        self.pending_load.borrow_mut().clear();
        loaded
    }

    /// An operational command's reply elements (`| display xml` without
    /// its `<rpc-reply>` and `<cli>`).
    pub fn elements(&mut self, line: &str) -> Result<String, Vec<RpcError>> {
        let xml = self.operational(&format!("{line} | display xml"))?;
        reply_elements(&xml)
    }

    /// The RE the session is on.
    pub fn slot(&self) -> Option<Slot> {
        self.engine.current_slot()
    }

    /// `master` or `backup`, as the role line says; `None` otherwise.
    pub fn mastership(&self) -> Option<&'static str> {
        let role = self.engine.prompt().role;
        ["master", "backup"].into_iter().find(|r| role.starts_with(&format!("{{{r}}}")))
    }

    /// Runs `line` on the other RE through `request routing-engine login`,
    /// and comes back.
    pub fn on_other(&mut self, line: &str) -> Result<String, Vec<RpcError>> {
        self.operational("request routing-engine login other-routing-engine")?;
        let output = self.operational(line);
        let back = self.operational("exit");
        let output = output?;
        back?;
        Ok(output)
    }
}

/// The elements inside the `<rpc-reply>` that `| display xml` writes, as
/// written, less the `<cli>` banner.
pub fn reply_elements(xml: &str) -> Result<String, Vec<RpcError>> {
    let document = roxmltree::Document::parse(xml)
        .map_err(|e| vec![RpcError::failed(format!("the command's XML does not read: {e}"))])?;
    let mut out = String::new();
    for element in
        document.root_element().children().filter(|n| n.is_element() && n.tag_name().name() != "cli")
    {
        out.push_str(&xml[element.range()]);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_xml_loses_its_wrapper_and_banner_only() {
        let xml = "<rpc-reply xmlns:junos=\"http://xml.juniper.net/junos/1/junos\">\n    \
                   <software-information>\n        <host-name>r&amp;1</host-name>\n    \
                   </software-information>\n    <cli>\n        <banner>{master}</banner>\n    </cli>\n</rpc-reply>\n";
        assert_eq!(
            reply_elements(xml).unwrap(),
            "<software-information>\n        <host-name>r&amp;1</host-name>\n    </software-information>\n"
        );
        assert!(reply_elements("not xml").is_err());
    }
}
