//! Configuration mode: the session's place in the hierarchy, and the handlers
//! of the configuration commands. Every edit goes to the agent, which reads it
//! again against the schema; reading it here first gives the caret errors at
//! once.

use super::commands::Outcome;
use super::pipe::Pipeline;
use super::render::ConfigView;
use super::{Engine, Failure};
use crate::config::path::{Resolved, Step, Word, resolve};
use crate::config::schema::Kind;
use crate::config::tree::quote;
use crate::config::validate::CheckError;
use crate::grammar::{ParseError, Parsed, Token};
use crate::proto::{CommitRequest, load_request};

/// Where a configuration session is in the hierarchy.
#[derive(Debug, Clone, Default)]
pub struct ConfigMode {
    pub level: Vec<Step>,
    /// The levels `edit` left, for `exit` to return to (`top` and `up` move
    /// without leaving a way back).
    pub previous: Vec<Vec<Step>>,
}

impl ConfigMode {
    /// `[edit]`, `[edit interfaces ge-0/0/0 unit 0]`.
    pub fn banner(&self) -> String {
        let words: Vec<String> = self.level.iter().map(|s| quote(&s.key)).collect();
        if words.is_empty() { "[edit]".into() } else { format!("[edit {}]", words.join(" ")) }
    }

    fn level_words(&self) -> Vec<String> {
        self.level.iter().map(|s| s.key.clone()).collect()
    }
}

fn not_configuring() -> Failure {
    Failure::Error("not in configuration mode".into())
}

fn show<V: super::view::View + 'static>(view: V) -> Result<Outcome, Failure> {
    Ok(Outcome::View(Box::new(view)))
}

/// The typed words of a path argument, with their columns in the line.
fn words<'t>(line: &str, tokens: &'t [Token]) -> Vec<Word<'t>> {
    let column = |byte: usize| line.get(..byte).map_or(byte, |s| s.chars().count());
    tokens.iter().map(|t| Word { text: &t.text, column: column(t.start), end: column(t.end) }).collect()
}

impl Engine {
    fn config_mode(&self) -> Result<&ConfigMode, Failure> {
        self.config.as_ref().ok_or_else(not_configuring)
    }

    fn config_mode_mut(&mut self) -> Result<&mut ConfigMode, Failure> {
        self.config.as_mut().ok_or_else(not_configuring)
    }

    /// Reads a path from the current level.
    fn read_path(&self, line: &str, parsed: &Parsed<'_>) -> Result<Resolved, Failure> {
        let mode = self.config_mode()?;
        resolve(&self.schema, &mode.level, &words(line, &parsed.path)).map_err(Failure::Parse)
    }

    /// `configure`.
    pub(super) fn enter_configuration(&mut self) -> Result<Outcome, Failure> {
        let changed = self.session().client.configuration_changed()?;
        self.config = Some(ConfigMode::default());
        let mut out = String::from("Entering configuration mode\n");
        if changed {
            out.push_str("The configuration has been changed but not committed\n");
        }
        show(out)
    }

    /// `exit`/`quit`: back to the level `edit` came from, or out of
    /// configuration mode (asking first if changes are not committed).
    pub(super) fn exit_configuration(&mut self, whole: bool) -> Result<Outcome, Failure> {
        let mode = self.config_mode_mut()?;
        if !whole && !mode.level.is_empty() {
            mode.level = mode.previous.pop().unwrap_or_default();
            return show(String::new());
        }
        let mut out = String::new();
        if self.session().client.configuration_changed()? {
            out.push_str("The configuration has been changed but not committed\n");
            if !self.ask(&out, "Exit with uncommitted changes? [yes,no] (yes)", true) {
                return show(String::new());
            }
            out.clear();
        }
        self.config = None;
        out.push_str("Exiting configuration mode\n");
        show(out)
    }

    pub(super) fn edit_statement(
        &mut self,
        line: &str,
        parsed: &Parsed<'_>,
        set: bool,
    ) -> Result<Outcome, Failure> {
        let path = self.read_path(line, parsed)?;
        if set && path.wanting.is_some() {
            let end = parsed.path.last().map_or(line.chars().count(), |t| line[..t.end].chars().count());
            return Err(Failure::Parse(ParseError::MissingArgument { column: end + 1 }));
        }
        let mut words = self.config_mode()?.level_words();
        words.extend(parsed.path.iter().map(|t| t.text.clone()));
        let warning = self.session().client.edit(set, words)?;
        show(if warning.is_empty() { String::new() } else { format!("warning: {warning}\n") })
    }

    /// `edit PATH`: a container or list entry becomes the current level.
    pub(super) fn edit_level(&mut self, line: &str, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let path = self.read_path(line, parsed)?;
        let enterable = path.wanting.is_none()
            && path.steps.last().is_some_and(|last| match self.schema.node(last.schema).kind {
                Kind::Container | Kind::List { keyword: false, .. } => true,
                Kind::List { keyword: true, .. } => last.key != self.schema.node(last.schema).name,
                _ => false,
            });
        if !enterable {
            let end = parsed.path.last().map_or(0, |t| line[..t.end].chars().count());
            return Err(Failure::Parse(ParseError::Syntax { column: end + 1 }));
        }
        let mode = self.config_mode_mut()?;
        mode.previous.push(std::mem::replace(&mut mode.level, path.steps));
        show(String::new())
    }

    /// `up [N]` and `top`. A keyword list's entry and its keyword are one level.
    pub(super) fn move_up(&mut self, levels: Option<usize>) -> Result<Outcome, Failure> {
        let schema = self.schema.clone();
        let mode = self.config_mode_mut()?;
        match levels {
            None => mode.level.clear(),
            Some(n) => {
                for _ in 0..n {
                    let Some(last) = mode.level.pop() else { break };
                    let node = schema.node(last.schema);
                    if matches!(node.kind, Kind::List { keyword: true, .. }) && last.key != node.name {
                        mode.level.pop();
                    }
                }
            }
        }
        show(String::new())
    }

    /// `show [PATH]` in configuration mode: the candidate.
    pub(super) fn show_candidate(
        &self,
        line: &str,
        parsed: &Parsed<'_>,
        pipeline: &Pipeline,
    ) -> Result<Outcome, Failure> {
        let path = self.read_path(line, parsed)?;
        self.show_configuration(true, path.steps, pipeline)
    }

    /// Operational `show configuration [PATH]`: the committed configuration.
    pub(super) fn show_committed(
        &self,
        line: &str,
        parsed: &Parsed<'_>,
        pipeline: &Pipeline,
    ) -> Result<Outcome, Failure> {
        let path = resolve(&self.schema, &[], &words(line, &parsed.path)).map_err(Failure::Parse)?;
        self.show_configuration(false, path.steps, pipeline)
    }

    /// The configuration at `steps`, or with `| compare` the candidate's changes.
    fn show_configuration(
        &self,
        candidate: bool,
        steps: Vec<Step>,
        pipeline: &Pipeline,
    ) -> Result<Outcome, Failure> {
        if let Some(rollback) = pipeline.compare {
            return show(self.session().client.compare(candidate, (rollback > 0).then_some(rollback))?);
        }
        let words: Vec<String> = steps.iter().map(|s| s.key.clone()).collect();
        let reply = self.session().client.configuration(candidate, words)?;
        let node = reply.root.as_ref().map(crate::config::wire::from_wire).unwrap_or_default();
        // The committed configuration, shown whole, says when it was committed.
        let header = match (&reply.last_commit, candidate || !steps.is_empty()) {
            (Some(c), false) => {
                Some(format!("## Last commit: {} by {}", super::render::junos_time(c.time), c.user))
            }
            _ => None,
        };
        show(ConfigView { schema: self.schema.clone(), steps, node, header })
    }

    /// `commit [check] [comment TEXT] [and-quit]`.
    pub(super) fn commit(&mut self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let check = parsed.has("check");
        let request = CommitRequest {
            check,
            comment: parsed.arg("comment").unwrap_or_default().to_owned(),
            user: self.user.clone(),
            client: "cli".into(),
        };
        let errors = self.session().client.commit(request)?;
        if !errors.is_empty() {
            let errors: Vec<CheckError> = errors
                .into_iter()
                .map(|e| CheckError {
                    path: e.path,
                    statement: e.statement,
                    message: e.message,
                    missing_mandatory: e.missing_mandatory,
                })
                .collect();
            return Err(Failure::Text(CheckError::report(&errors, !check)));
        }
        if check {
            return show("configuration check succeeds\n".to_owned());
        }
        let mut out = String::from("commit complete\n");
        if parsed.has("and-quit") {
            self.config = None;
            out.push_str("Exiting configuration mode\n");
        }
        show(out)
    }

    /// `rollback [N]`: rollback N (0: the committed configuration) becomes the candidate.
    pub(super) fn rollback(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let number = parsed.arg("number").and_then(|n| n.parse().ok()).unwrap_or(0);
        self.session().client.rollback(number)?;
        show("load complete\n".to_owned())
    }

    /// `load (merge|override|replace|set) FILE`, FILE in the RE's file area.
    pub(super) fn load(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let action = if parsed.has("override") {
            load_request::Action::Override
        } else if parsed.has("replace") {
            load_request::Action::Replace
        } else if parsed.has("set") {
            load_request::Action::Set
        } else {
            load_request::Action::Merge
        };
        let file = parsed.arg("filename").unwrap_or_default();
        let contents = self.session().client.read_file(&self.user, file)?;
        let errors = self.session().client.load(action, contents.content)?;
        let mut out = String::new();
        for e in &errors {
            out.push_str(&format!("{file}:{}:({}) {}\n", e.line, e.column, e.message));
        }
        if errors.is_empty() {
            out.push_str("load complete\n");
        } else {
            out.push_str(&format!("load complete ({} errors)\n", errors.len()));
        }
        show(out)
    }
}
