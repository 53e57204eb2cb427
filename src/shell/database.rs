//! Opening, loading, rolling back and leaving the configuration database as
//! typed commands. Each is built from a command line (`configure private`,
//! `load merge terminal`, `rollback 1`) or from a NETCONF RPC
//! (`open-configuration`, `load-configuration`, `discard-changes`), and the
//! engine applies it here, so both front ends get the same checks and answers.

use super::configure::{ConfigMode, Database, not_configuring};
use super::view::{Element, View};
use super::{Engine, Failure, Problem};
use crate::config::editors::users_block;
use crate::grammar::Parsed;
use crate::proto::{LoadReply, load_request, open_request};

/// `configure [exclusive|private]`; `lock-configuration`, `open-configuration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Configure {
    pub database: Database,
}

impl Configure {
    pub(super) fn from_parsed(parsed: &Parsed<'_>) -> Result<Configure, Failure> {
        let database = match (parsed.has("exclusive"), parsed.has("private")) {
            (true, true) => {
                return Err(Failure::Error("'exclusive' and 'private' cannot be combined".into()));
            }
            (true, false) => Database::Exclusive,
            (false, true) => Database::Private,
            (false, false) => Database::Shared,
        };
        Ok(Configure { database })
    }
}

/// `rollback [N]`, `rollback rescue`; `load-configuration rollback="N"`,
/// `discard-changes`, `copy-config` from running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollback {
    /// Rollback N; 0 is the committed configuration.
    Number(u32),
    Rescue,
}

impl Rollback {
    pub(super) fn from_parsed(parsed: &Parsed<'_>) -> Result<Rollback, Failure> {
        let number = parsed.arg("number").and_then(|n| n.parse().ok());
        match (parsed.has("rescue"), number) {
            (true, Some(_)) => {
                Err(Failure::Error("'rescue' and a rollback number cannot be combined".into()))
            }
            (true, None) => Ok(Rollback::Rescue),
            (false, number) => Ok(Rollback::Number(number.unwrap_or(0))),
        }
    }
}

/// How loaded statements meet the candidate (`load ACTION`, `action="..."`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LoadAction {
    #[default]
    Merge,
    Replace,
    Override,
    /// As override, changing only what differs.
    Update,
}

/// What the loaded text is. Curly text may also be JSON or XML: the RE
/// tells them apart by the first character, as PyEZ does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LoadFormat {
    #[default]
    Text,
    /// Configuration-mode commands (`load set`, `<configuration-set>`).
    Set,
    Xml,
    Json,
    /// `show | compare` output (`load patch`, `<configuration-patch>`).
    Patch,
}

/// Where the loaded text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadSource {
    /// Given whole (an RPC's body).
    Text(String),
    /// A file of the RE's file area.
    File(String),
    /// Typed at the front end until `^D`.
    Terminal,
}

/// `load ACTION (terminal|FILE)`; `load-configuration`, `edit-config`,
/// `copy-config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub action: LoadAction,
    pub source: LoadSource,
    pub format: LoadFormat,
}

impl Load {
    pub(super) fn from_parsed(parsed: &Parsed<'_>) -> Load {
        let (action, format) = if parsed.has("override") {
            (LoadAction::Override, LoadFormat::Text)
        } else if parsed.has("replace") {
            (LoadAction::Replace, LoadFormat::Text)
        } else if parsed.has("update") {
            (LoadAction::Update, LoadFormat::Text)
        } else if parsed.has("set") {
            (LoadAction::Merge, LoadFormat::Set)
        } else if parsed.has("patch") {
            (LoadAction::Merge, LoadFormat::Patch)
        } else {
            (LoadAction::Merge, LoadFormat::Text)
        };
        let source = match parsed.arg("filename") {
            Some(file) if !parsed.has("terminal") => LoadSource::File(file.to_owned()),
            _ => LoadSource::Terminal,
        };
        Load { action, source, format }
    }

    /// The RE's load: set and patch text say what to do themselves.
    fn request_action(&self) -> load_request::Action {
        match (self.format, self.action) {
            (LoadFormat::Set, _) => load_request::Action::Set,
            (LoadFormat::Patch, _) => load_request::Action::Patch,
            (_, LoadAction::Merge) => load_request::Action::Merge,
            (_, LoadAction::Replace) => load_request::Action::Replace,
            (_, LoadAction::Override) => load_request::Action::Override,
            (_, LoadAction::Update) => load_request::Action::Update,
        }
    }
}

/// What a load did: the RE's reply, its errors as data.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub reply: LoadReply,
    /// The source as errors name it: `terminal` or the file.
    name: String,
    /// The terminal echoed `^D`; the reply goes on that line.
    typed: bool,
}

impl Loaded {
    /// Whether the load was refused (protected statements) or could not
    /// read the text: nothing of it was loaded.
    pub fn failed(&self) -> bool {
        !self.reply.warnings.is_empty() || !self.reply.errors.is_empty()
    }

    /// The refusal over protected statements, as the CLI reports it.
    fn protected(&self) -> Option<Failure> {
        if self.reply.warnings.is_empty() {
            return None;
        }
        let mut problems: Vec<Problem> = self.reply.warnings.iter().map(Problem::warning).collect();
        problems.push(Problem::error("configuration not loaded"));
        Some(Failure::Problems { before: self.echo().into(), problems })
    }

    fn echo(&self) -> &'static str {
        if self.typed { "^D" } else { "" }
    }

    /// Each thing the load could not read or was refused, as data: Junos
    /// names the word of a syntax error as the bad element.
    pub fn problems(&self) -> Vec<Problem> {
        if let Some(Failure::Problems { problems, .. }) = self.protected() {
            return problems;
        }
        self.reply
            .errors
            .iter()
            .map(|e| match e.message.strip_prefix("syntax error: ") {
                Some(word) => Problem { element: Some(word.to_owned()), ..Problem::error("syntax error") },
                None => Problem::error(&e.message),
            })
            .collect()
    }
}

impl View for Loaded {
    fn text(&self) -> String {
        let mut out = self.echo().to_owned();
        for e in &self.reply.errors {
            out.push_str(&format!("{}:{}:({}) {}\n", self.name, e.line, e.column, e.message));
        }
        // Text with errors loads nothing.
        out.push_str(if self.failed() { "error: configuration not loaded\n" } else { "load complete\n" });
        out
    }

    /// `<load-configuration-results>`: `<ok/>`, or each error and their count.
    fn element(&self) -> Element {
        let mut results = Element::new("load-configuration-results");
        if !self.failed() {
            return results.child(Element::new("ok"));
        }
        let problems = self.problems();
        let count = problems.len();
        for problem in problems {
            results.push(problem.element());
        }
        results.child(Element::leaf("load-error-count", count))
    }
}

impl Engine {
    /// Opens the database `configure` names. Another user's exclusive lock
    /// (or, for `exclusive`, their changes) refuses it, naming them.
    pub fn configure(&mut self, configure: &Configure) -> Result<String, Failure> {
        let database = configure.database;
        let mode = match database {
            Database::Shared => open_request::Mode::Shared,
            Database::Exclusive => open_request::Mode::Exclusive,
            Database::Private => open_request::Mode::Private,
        };
        let reply = self.session().client.open(mode)?;
        if !reply.refused.is_empty() {
            return Err(Failure::Problems {
                before: users_block(&reply.editors),
                problems: vec![Problem::error(&reply.refused)],
            });
        }
        self.config = Some(ConfigMode { database, ..ConfigMode::default() });
        let mut out = String::new();
        if database != Database::Shared {
            out.push_str("warning: uncommitted changes will be discarded on exit\n");
        }
        out.push_str("Entering configuration mode\n");
        out.push_str(&users_block(&reply.editors));
        if reply.changed && database == Database::Shared {
            out.push_str("The configuration has been changed but not committed\n");
        }
        Ok(out)
    }

    /// The database the session has open, if any.
    pub fn database(&self) -> Option<Database> {
        self.config.as_ref().map(|mode| mode.database)
    }

    /// `exit configuration-mode`: leaves the database; an exclusive or
    /// private one's uncommitted changes go, after the front end's yes.
    pub fn exit_configuration(&mut self) -> Result<String, Failure> {
        let database = self.config.as_ref().map(|mode| mode.database).ok_or_else(not_configuring)?;
        let mut out = String::new();
        let changed = self.session().client.configuration_status()?.changed;
        let discard = changed && database != Database::Shared;
        if changed {
            out.push_str("The configuration has been changed but not committed\n");
            let question = match database {
                Database::Shared => "Exit with uncommitted changes? [yes,no] (yes)",
                Database::Exclusive => {
                    out.push_str("warning: Auto rollback on exiting 'configure exclusive'\n");
                    "Discard uncommitted changes? [yes,no] (yes)"
                }
                Database::Private => "Discard uncommitted changes? [yes,no] (yes)",
            };
            if !self.ask(&out, question, true) {
                return Ok(String::new());
            }
            out.clear();
            if discard {
                out.push_str("warning: discarding uncommitted changes\nload complete\n");
            }
        }
        self.session().client.close(discard)?;
        self.config = None;
        out.push_str("Exiting configuration mode\n");
        Ok(out)
    }

    /// Rollback N (0: the committed configuration) or the rescue
    /// configuration becomes the candidate.
    pub fn rollback(&mut self, rollback: Rollback) -> Result<String, Failure> {
        if self.config.is_none() {
            return Err(not_configuring());
        }
        self.session().client.rollback(match rollback {
            Rollback::Number(n) => Some(n),
            Rollback::Rescue => None,
        })?;
        Ok("load complete\n".to_owned())
    }

    /// Loads into the candidate. `None` when Ctrl-C abandoned typing it;
    /// otherwise the RE's answer, its errors as data (nothing is loaded
    /// when there are any).
    pub fn load(&mut self, load: &Load) -> Result<Option<Loaded>, Failure> {
        if self.config.is_none() {
            return Err(not_configuring());
        }
        let client = self.session().client.clone();
        let action = load.request_action();
        let (name, text, typed) = match &load.source {
            LoadSource::Text(text) => ("terminal".to_owned(), text.clone(), false),
            // The RE reads its own file: a large one is not carried here and back.
            LoadSource::File(file) => {
                let user = self.user.clone();
                let reply = self.busy_with("Loading", || client.load_file(action, &user, file))?;
                return Ok(Some(Loaded { reply, name: file.clone(), typed: false }));
            }
            LoadSource::Terminal => match self.read_terminal("[Type ^D at a new line to end input]\n") {
                Some(text) => ("terminal".to_owned(), text, true),
                None => return Ok(None),
            },
        };
        if text.len() > crate::MAX_CONFIGURATION_BYTES {
            return Err(Failure::Error(format!(
                "configuration too large (more than {} bytes)",
                crate::MAX_CONFIGURATION_BYTES
            )));
        }
        let reply = self.busy_with("Loading", || client.load(action, text))?;
        Ok(Some(Loaded { reply, name, typed }))
    }

    /// `load ...` as typed: a refusal over protected statements fails the
    /// command; errors of the text are its output.
    pub(super) fn load_command(&mut self, load: &Load) -> Result<Box<dyn View>, Failure> {
        match self.load(load)? {
            None => Ok(Box::new(String::new())),
            Some(loaded) => match loaded.protected() {
                Some(failure) => Err(failure),
                None => Ok(Box::new(loaded)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::LoadError;

    fn loaded(errors: Vec<LoadError>, warnings: Vec<String>) -> Loaded {
        Loaded { reply: LoadReply { errors, warnings }, name: "terminal".into(), typed: false }
    }

    #[test]
    fn a_load_answers_junos_load_configuration_results() {
        let ok = loaded(Vec::new(), Vec::new()).element();
        assert_eq!((ok.name.as_str(), ok.children[0].name.as_str()), ("load-configuration-results", "ok"));
        let bad = loaded(
            vec![LoadError { line: 2, column: 1, message: "syntax error: system1".into() }],
            Vec::new(),
        );
        let element = bad.element();
        let names: Vec<&str> = element.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["rpc-error", "load-error-count"]);
        assert_eq!(bad.problems()[0].element.as_deref(), Some("system1"));
        assert_eq!(bad.text(), "terminal:2:(1) syntax error: system1\nerror: configuration not loaded\n");
    }

    #[test]
    fn protected_statements_refuse_the_load_with_warnings_then_an_error() {
        let refused = loaded(Vec::new(), vec!["[edit system] is protected".into()]);
        let problems = refused.problems();
        assert_eq!(problems.iter().map(|p| p.warning).collect::<Vec<_>>(), [true, false]);
        assert_eq!(problems[1].message, "configuration not loaded");
    }
}
