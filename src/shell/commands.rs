//! The handlers behind the grammar's actions, one per command family.

use super::{Engine, Failure, Reply, Session, render};
use crate::grammar::{Completion, Completions, Parsed};
use crate::slot::Slot;

/// Every action the grammar may name. A grammar action without a variant here
/// is refused at start, and a test checks the shipped grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    Exit,
    Help,
    Login,
    ShowChassisHardware,
    ShowChassisRoutingEngine,
    ShowVersion,
}

impl Command {
    pub(super) fn from_action(action: &str) -> Option<Command> {
        Some(match action {
            "exit" => Command::Exit,
            "help" => Command::Help,
            "login" => Command::Login,
            "show-chassis-hardware" => Command::ShowChassisHardware,
            "show-chassis-routing-engine" => Command::ShowChassisRoutingEngine,
            "show-version" => Command::ShowVersion,
            _ => return None,
        })
    }

    pub(super) fn run(self, engine: &mut Engine, parsed: &Parsed<'_>) -> Reply {
        let result = match self {
            Command::Exit => return exit(engine),
            Command::Help => Ok(help(engine, parsed)),
            Command::Login => login(engine, parsed),
            Command::ShowChassisHardware => engine
                .session()
                .client
                .chassis_inventory()
                .map(|inventory| render::hardware(&inventory))
                .map_err(Failure::from),
            Command::ShowChassisRoutingEngine => {
                let slot = parsed.arg("slot").and_then(|s| s.parse().ok());
                engine
                    .session()
                    .client
                    .route_engine_information(slot)
                    .map(|info| render::route_engines(&info))
                    .map_err(Failure::from)
            }
            Command::ShowVersion => engine
                .session()
                .client
                .software_information()
                .map(|info| render::version(&info))
                .map_err(Failure::from),
        };
        match result {
            Ok(output) => Reply::output(output),
            Err(failure) => Reply::failed(failure),
        }
    }
}

/// `exit`/`quit`: back to the RE logged in from, or out of the shell.
fn exit(engine: &mut Engine) -> Reply {
    if engine.sessions.len() > 1 {
        engine.sessions.pop();
        return Reply::output("rlogin: connection closed\n".into());
    }
    Reply { exit: true, ..Reply::default() }
}

/// `request routing-engine login (other-routing-engine | re0 | re1)`.
fn login(engine: &mut Engine, parsed: &Parsed<'_>) -> Result<String, Failure> {
    let current =
        engine.current_slot().ok_or_else(|| Failure::Error("unknown Routing Engine slot".into()))?;
    let target = if parsed.has("re0") {
        Slot::RE0
    } else if parsed.has("re1") {
        Slot::RE1
    } else {
        current.other()
    };
    if target == current {
        return Err(Failure::Error(format!("already logged in to {target}")));
    }
    // The shell may have been told only one address; the RE knows its peer's.
    let address = match engine.addresses.get(target) {
        Some(address) => address.to_owned(),
        None => engine.session().identity.peer_address.clone(),
    };
    let session: Session = Engine::open(&engine.rt, &address)
        .map_err(|e| Failure::Error(format!("could not connect to {target} : {}", unreachable_reason(&e))))?;
    engine.sessions.push(session);
    Ok(format!("\n{}\n", engine.banner()?))
}

fn unreachable_reason(e: &super::ClientError) -> String {
    match e {
        super::ClientError::Unreachable { reason, .. } => reason.clone(),
        super::ClientError::Refused(message) => message.clone(),
    }
}

/// `help`: the top-level commands; `help apropos STRING`: every command whose
/// words or help mention STRING.
fn help(engine: &Engine, parsed: &Parsed<'_>) -> String {
    let grammar = engine.grammar();
    let items: Vec<Completion> = match parsed.arg("string") {
        Some(wanted) => {
            let wanted = wanted.to_lowercase();
            grammar
                .commands()
                .into_iter()
                .filter(|(path, help)| {
                    path.to_lowercase().contains(&wanted) || help.to_lowercase().contains(&wanted)
                })
                .map(|(path, help)| Completion { name: path, help: help.to_owned() })
                .collect()
        }
        None => grammar
            .roots()
            .iter()
            .map(|&id| grammar.node(id))
            .map(|n| Completion { name: n.name.clone(), help: n.help.clone() })
            .collect(),
    };
    if items.is_empty() {
        return "No matching commands\n".into();
    }
    render::completions(&Completions { can_execute: false, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::Grammar;

    #[test]
    fn every_action_of_the_shipped_grammar_has_a_handler() {
        let grammar = Grammar::operational().unwrap();
        for action in grammar.actions() {
            assert!(Command::from_action(action).is_some(), "no handler for {action}");
        }
    }
}
