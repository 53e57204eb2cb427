//! Configuration mode: the session's place in the hierarchy, and the handlers
//! of the configuration commands. Every edit goes to the agent, which reads it
//! again against the schema; reading it here first gives the caret errors at
//! once.

use super::commands::Outcome;
use super::complete::entry_names;
use super::pipe::{Format, Pipeline};
use super::render::{ConfigView, Stamp};
use super::view::{Element, View, xml_reply_end, xml_reply_start};
use super::{Engine, Failure};
use crate::config::editors::users_block;
use crate::config::path::{Resolved, Step, Word, resolve, resolve_line};
use crate::config::schema::Kind;
use crate::config::show::Form;
use crate::config::tree::ends_at_entry;

use crate::config::print::{Inheritance, quote};
use crate::config::validate::CheckError;
use crate::grammar::{ParseError, Parsed, Token};
use crate::proto::{
    CommitError, CommitReply, CommitRequest, CompareRequest, EditRequest, GetConfigurationRequest,
    RoutingEngineCommit, ShowConfigurationRequest, edit_request, show_configuration_request,
};

/// Where a configuration session is in the hierarchy.
#[derive(Debug, Clone, Default)]
pub struct ConfigMode {
    pub level: Vec<Step>,
    /// The levels `edit` left, for `exit` to return to (`top` and `up` move
    /// without leaving a way back).
    pub previous: Vec<Vec<Step>>,
    /// `configure exclusive` or `configure private`: uncommitted changes
    /// are discarded on the way out.
    pub database: Database,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Database {
    #[default]
    Shared,
    Exclusive,
    Private,
}

impl ConfigMode {
    /// `[edit]`, `[edit interfaces ge-0/0/0 unit 0]`.
    pub fn banner(&self) -> String {
        let words: Vec<String> = self.level.iter().map(|s| quote(&s.key)).collect();
        if words.is_empty() { "[edit]".into() } else { format!("[edit {}]", words.join(" ")) }
    }

    fn level_words(&self) -> Vec<String> {
        self.level.iter().map(|s| s.key.to_string()).collect()
    }
}

pub(super) fn not_configuring() -> Failure {
    Failure::Error("not in configuration mode".into())
}

fn show<V: super::view::View + 'static>(view: V) -> Result<Outcome, Failure> {
    Ok(Outcome::View(Box::new(view)))
}

/// The typed words of a path argument, with their columns in the line.
pub(super) fn words<'t>(line: &str, tokens: &'t [Token]) -> Vec<Word<'t>> {
    let column = |byte: usize| line.get(..byte).map_or(byte, |s| s.chars().count());
    tokens.iter().map(|t| Word { text: &t.text, column: column(t.start), end: column(t.end) }).collect()
}

/// The statement `set` asks a password for instead of taking it.
const PLAIN_TEXT_PASSWORD: &str = "plain-text-password";
/// Junos's default for `system login password minimum-length`.
const MIN_PASSWORD_LENGTH: usize = 6;

impl Engine {
    fn config_mode(&self) -> Result<&ConfigMode, Failure> {
        self.config.as_ref().ok_or_else(not_configuring)
    }

    fn config_mode_mut(&mut self) -> Result<&mut ConfigMode, Failure> {
        self.config.as_mut().ok_or_else(not_configuring)
    }

    /// Reads a path from the current level.
    fn read_path(&self, line: &str, parsed: &Parsed<'_>) -> Result<Resolved, Failure> {
        self.read_tokens(line, &parsed.path)
    }

    fn read_tokens(&self, line: &str, tokens: &[Token]) -> Result<Resolved, Failure> {
        let mode = self.config_mode()?;
        resolve(&self.schema, &mode.level, &words(line, tokens)).map_err(Failure::Parse)
    }

    /// Reads the statements of `set`, `delete`, `activate` or `deactivate`.
    fn read_statements(&self, line: &str, parsed: &Parsed<'_>) -> Result<Resolved, Failure> {
        let mode = self.config_mode()?;
        resolve_line(&self.schema, &mode.level, &words(line, &parsed.path)).map_err(Failure::Parse)
    }

    /// The words the agent is sent for a path: the level, then the path's own.
    fn path_words(&self, tokens: &[Token]) -> Result<Vec<String>, Failure> {
        let mut words = self.config_mode()?.level_words();
        words.extend(tokens.iter().map(|t| t.text.clone()));
        Ok(words)
    }

    /// Tells the agent where the session now is, for other users' `status`.
    fn moved(&self) -> Result<Outcome, Failure> {
        let level = self.config_mode()?.level_words();
        self.session().client.set_level(level)?;
        show(String::new())
    }

    /// `exit`/`quit`: back to the level `edit` came from, or out of
    /// configuration mode (asking first if changes are not committed).
    pub(super) fn exit_level(&mut self, whole: bool) -> Result<Outcome, Failure> {
        let mode = self.config_mode_mut()?;
        if !whole && !mode.level.is_empty() {
            mode.level = mode.previous.pop().unwrap_or_default();
            return self.moved();
        }
        show(self.exit_configuration()?)
    }

    /// `status`: who is in configuration mode, and where.
    pub(super) fn status(&self) -> Result<Outcome, Failure> {
        let status = self.session().client.configuration_status()?;
        show(users_block(&status.editors))
    }

    pub(super) fn edit_statement(
        &mut self,
        line: &str,
        parsed: &Parsed<'_>,
        set: bool,
    ) -> Result<Outcome, Failure> {
        let path = self.read_statements(line, parsed)?;
        if set && path.wanting.is_some() {
            let end = parsed.path.last().map_or(line.chars().count(), |t| line[..t.end].chars().count());
            return Err(Failure::Parse(ParseError::MissingArgument { column: end + 1 }));
        }
        let operation = if set { edit_request::Operation::Set } else { edit_request::Operation::Delete };
        let mut words = self.path_words(&parsed.path)?;
        // Only the hash leaves the shell: the password is asked for here.
        if set && words.last().is_some_and(|w| w == PLAIN_TEXT_PASSWORD) {
            let hash = self.new_password()?;
            words.pop();
            words.extend(["encrypted-password".to_owned(), hash]);
        }
        self.send_edit(operation, words, String::new())
    }

    /// `New password:`, `Retype new password:`: the password's SHA-512 crypt hash.
    fn new_password(&mut self) -> Result<String, Failure> {
        let mut ask =
            |prompt: &str| (self.secret)(prompt).ok_or_else(|| Failure::Error("no password given".into()));
        let password = ask("New password:")?;
        if ask("Retype new password:")? != password {
            return Err(Failure::Error("passwords do not match".into()));
        }
        if password.chars().count() < MIN_PASSWORD_LENGTH {
            return Err(Failure::Error(format!("minimum password length is {MIN_PASSWORD_LENGTH}")));
        }
        let params = sha_crypt::Sha512Params::new(sha_crypt::ROUNDS_DEFAULT)
            .map_err(|e| Failure::Error(format!("cannot hash the password: {e:?}")))?;
        sha_crypt::sha512_simple(&password, &params)
            .map_err(|e| Failure::Error(format!("cannot hash the password: {e:?}")))
    }

    fn send_edit(
        &mut self,
        operation: edit_request::Operation,
        words: Vec<String>,
        target: String,
    ) -> Result<Outcome, Failure> {
        if let Some(stretch) = &mut self.stretch {
            // A batch sends the stretch of edits it gathers in one request.
            stretch.push(EditRequest { operation: operation as i32, words, target });
            return show(String::new());
        }
        let warning = self.session().client.edit(operation, words, target)?;
        show(if warning.is_empty() { String::new() } else { format!("warning: {warning}\n") })
    }

    /// `activate PATH` and `deactivate PATH`.
    pub(super) fn set_active(
        &mut self,
        line: &str,
        parsed: &Parsed<'_>,
        active: bool,
    ) -> Result<Outcome, Failure> {
        self.read_statements(line, parsed)?;
        let operation =
            if active { edit_request::Operation::Activate } else { edit_request::Operation::Deactivate };
        self.send_edit(operation, self.path_words(&parsed.path)?, String::new())
    }

    /// `protect PATH` and `unprotect PATH`.
    pub(super) fn protect(
        &mut self,
        line: &str,
        parsed: &Parsed<'_>,
        protect: bool,
    ) -> Result<Outcome, Failure> {
        self.read_path(line, parsed)?;
        let operation =
            if protect { edit_request::Operation::Protect } else { edit_request::Operation::Unprotect };
        self.send_edit(operation, self.path_words(&parsed.path)?, String::new())
    }

    /// `annotate PATH "comment"`.
    pub(super) fn annotate(&mut self, line: &str, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let Some((comment, path)) = parsed.path.split_last().filter(|(_, path)| !path.is_empty()) else {
            return Err(Failure::Parse(ParseError::MissingArgument { column: line.chars().count() + 1 }));
        };
        self.read_tokens(line, path)?;
        self.send_edit(edit_request::Operation::Annotate, self.path_words(path)?, comment.text.clone())
    }

    /// `rename PATH to NAME`, `copy PATH to NAME` and `insert PATH (before|after)
    /// NAME`: the path names a list entry, and NAME another of that list (the
    /// list's keyword may be repeated before it: `rename unit 0 to unit 1`).
    pub(super) fn move_entry(
        &mut self,
        line: &str,
        parsed: &Parsed<'_>,
        verb: edit_request::Operation,
    ) -> Result<Outcome, Failure> {
        let separators: &[&str] = match verb {
            edit_request::Operation::Rename | edit_request::Operation::Copy => &["to"],
            _ => &["before", "after"],
        };
        let end = line.chars().count() + 1;
        let Some(split) = parsed.path.iter().position(|t| separators.contains(&t.text.as_str())) else {
            return Err(Failure::Parse(ParseError::MissingArgument { column: end }));
        };
        let (path, rest) = (&parsed.path[..split], &parsed.path[split + 1..]);
        let resolved = self.read_tokens(line, path)?;
        let column = |t: &Token| line[..t.start].chars().count();
        if !ends_at_entry(&self.schema, &resolved.steps) {
            let at = path.last().map_or(end, |t| line[..t.end].chars().count() + 1);
            return Err(Failure::Parse(ParseError::Syntax { column: at }));
        }
        let list = self.schema.node(resolved.steps[resolved.steps.len() - 1].schema);
        let name = match rest {
            [name] => name,
            [keyword, name] if keyword.text == list.name => name,
            [] => return Err(Failure::Parse(ParseError::MissingArgument { column: end })),
            [.., extra] => return Err(Failure::Parse(ParseError::Syntax { column: column(extra) })),
        };
        if let Kind::List { key, .. } = &list.kind {
            key.check(&name.text).map_err(|message| {
                Failure::Parse(ParseError::InvalidValue { column: column(name), message })
            })?;
        }
        let verb = match (verb, rest.first().map(|_| parsed.path[split].text.as_str())) {
            (edit_request::Operation::InsertBefore, Some("after")) => edit_request::Operation::InsertAfter,
            (verb, _) => verb,
        };
        self.send_edit(verb, self.path_words(path)?, name.text.clone())
    }

    /// `wildcard delete LIST PATTERN`: every entry of the list whose name the
    /// regular expression matches whole, after a question.
    pub(super) fn wildcard_delete(&mut self, line: &str, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let Some((pattern, path)) = parsed.path.split_last() else {
            return Err(Failure::Parse(ParseError::MissingArgument { column: line.chars().count() + 1 }));
        };
        let resolved = self.read_tokens(line, path)?;
        let regex = regex::Regex::new(&format!("^(?:{})$", pattern.text))
            .map_err(|_| Failure::Error(format!("invalid regular expression: {}", pattern.text)))?;
        let Some(names) = entry_names(&self.schema, &self.session().client, true, &resolved)? else {
            let column = line[..pattern.start].chars().count();
            return Err(Failure::Parse(ParseError::Syntax { column }));
        };
        let words = self.path_words(path)?;
        let matched: Vec<String> = names.into_iter().filter(|name| regex.is_match(name)).collect();
        if matched.is_empty() {
            return show("warning: statement not found\n".to_owned());
        }
        let mut listing: String = matched.iter().map(|name| format!("  matched: {name}\n")).collect();
        let question = format!("Delete {} objects? [yes,no] (no)", matched.len());
        if !self.ask(&listing, &question, false) {
            return show(String::new());
        }
        listing.clear();
        for name in matched {
            let mut words = words.clone();
            words.push(name);
            self.session().client.edit(edit_request::Operation::Delete, words, String::new())?;
        }
        show(listing)
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
        self.moved()
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
        self.moved()
    }

    /// `show [PATH]` in configuration mode: the candidate.
    pub(super) fn show_candidate(
        &self,
        line: &str,
        parsed: &Parsed<'_>,
        pipeline: &Pipeline,
    ) -> Result<Outcome, Failure> {
        let path = self.read_path(line, parsed)?;
        let relative = matches!(pipeline.format, Format::Set { relative: true });
        let relative_to = if relative { self.config_mode()?.level.len() } else { 0 };
        self.show_configuration(true, path.steps, pipeline, relative_to)
    }

    /// Operational `show configuration [PATH]`: the committed configuration.
    pub(super) fn show_committed(
        &self,
        line: &str,
        parsed: &Parsed<'_>,
        pipeline: &Pipeline,
    ) -> Result<Outcome, Failure> {
        let path = resolve(&self.schema, &[], &words(line, &parsed.path)).map_err(Failure::Parse)?;
        self.show_configuration(false, path.steps, pipeline, 0)
    }

    /// `get-configuration`: the configuration as a view, printed here.
    pub fn configuration_view(&self, asked: &ShowConfiguration) -> Result<Box<dyn View>, Failure> {
        let words: Vec<Word<'_>> = asked.words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
        let path = resolve(&self.schema, &[], &words).map_err(Failure::Parse)?;
        if let Some(rollback) = asked.compare {
            return Ok(Box::new(self.compared(asked.candidate, rollback)?));
        }
        let inheritance = asked.inherit.then_some(Inheritance::Unmarked);
        Ok(Box::new(self.configuration(asked.candidate, path.steps, inheritance, false, 0)?))
    }

    /// `show | compare [rollback N]`: the changes instead of the configuration.
    fn compared(&self, candidate: bool, rollback: u32) -> Result<String, Failure> {
        let request =
            CompareRequest { rollback: (rollback > 0).then_some(rollback), candidate, shown_rollback: None };
        Ok(self.session().client.compare(request)?)
    }

    /// The configuration at `steps`, or with `| compare` the candidate's
    /// changes. For a typed line the RE prints text, `set`, JSON and XML,
    /// and the pieces go through the filters as they come; a view for a
    /// front end to render is made here from the tree.
    fn show_configuration(
        &self,
        candidate: bool,
        steps: Vec<Step>,
        pipeline: &Pipeline,
        relative_to: usize,
    ) -> Result<Outcome, Failure> {
        if let Some(rollback) = pipeline.compare {
            return show(self.compared(candidate, rollback)?);
        }
        let form = match pipeline.format {
            Format::Text if pipeline.as_text => Form::Text,
            Format::Set { .. } if pipeline.as_text => Form::Set,
            Format::Json if pipeline.as_text => Form::Json,
            Format::Xml if pipeline.as_text => Form::Xml { depth: 1 },
            _ => {
                return show(self.configuration(
                    candidate,
                    steps,
                    pipeline.inheritance,
                    pipeline.detail,
                    relative_to,
                )?);
            }
        };
        let words = steps.into_iter().map(|s| s.key.to_string()).collect();
        let request = ShowConfigurationRequest {
            detail: pipeline.detail,
            relative_to: relative_to as u32,
            ..printing(candidate, words, form, pipeline.inheritance)
        };
        let mut piped = pipeline.filtering(self.page_length());
        let xml = matches!(form, Form::Xml { .. });
        if xml {
            piped.feed(&xml_reply_start());
        }
        for piece in self.session().client.show_configuration(request)? {
            piped.feed(&piece?);
        }
        if xml {
            piped.feed(&xml_reply_end(&self.prompt().role));
        }
        Ok(Outcome::Piped(piped.finish()))
    }

    /// The whole configuration as the RE prints it in `form`, for a front
    /// end that sends it whole (NETCONF): a large one is not made a tree here.
    pub fn printed_configuration(
        &self,
        candidate: bool,
        inherit: bool,
        form: Form,
    ) -> Result<String, Failure> {
        let inheritance = inherit.then_some(Inheritance::Unmarked);
        let request = printing(candidate, Vec::new(), form, inheritance);
        let mut out = String::new();
        for piece in self.session().client.show_configuration(request)? {
            out.push_str(&piece?);
        }
        Ok(out)
    }

    /// The configuration at `steps` as a tree, to print here.
    fn configuration(
        &self,
        candidate: bool,
        steps: Vec<Step>,
        inheritance: Option<Inheritance>,
        detail: bool,
        relative_to: usize,
    ) -> Result<ConfigView, Failure> {
        let words: Vec<String> = steps.iter().map(|s| s.key.to_string()).collect();
        let request = GetConfigurationRequest {
            candidate,
            words,
            rollback: None,
            keys_only: false,
            inheritance: inheritance.is_some(),
        };
        let reply = self.session().client.configuration(request)?;
        let node = reply.root.as_ref().map(crate::config::wire::from_wire).unwrap_or_default();
        let stamp = match (&reply.last_commit, reply.changed) {
            (_, Some(time)) if candidate => Some(Stamp::Changed { time }),
            (Some(c), _) if !candidate => Some(Stamp::Committed { time: c.time, user: c.user.clone() }),
            _ => None,
        };
        Ok(ConfigView {
            schema: self.schema.clone(),
            steps,
            node,
            stamp,
            inheritance: inheritance.unwrap_or_default(),
            relative_to,
            detail,
        })
    }

    /// `show system rollback N [compare M]`.
    pub(super) fn show_rollback(&self, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
        let number = |name: &str| parsed.arg(name).and_then(|n| n.parse::<u32>().ok());
        let shown = number("rollback").unwrap_or(0);
        if let Some(other) = number("compare") {
            let request =
                CompareRequest { rollback: Some(other), candidate: false, shown_rollback: Some(shown) };
            return show(RollbackView(Box::new(self.session().client.compare(request)?)));
        }
        let request = GetConfigurationRequest {
            candidate: false,
            words: Vec::new(),
            rollback: Some(shown),
            keys_only: false,
            inheritance: false,
        };
        let reply = self.session().client.configuration(request)?;
        let node = reply.root.as_ref().map(crate::config::wire::from_wire).unwrap_or_default();
        show(RollbackView(Box::new(ConfigView {
            schema: self.schema.clone(),
            steps: Vec::new(),
            node,
            stamp: None,
            inheritance: Inheritance::Unmarked,
            relative_to: 0,
            detail: false,
        })))
    }

    /// `commit ...` as typed or as `commit-configuration` asked. The result
    /// carries the REs' errors as data; the caller decides how to show them.
    pub fn commit(&mut self, commit: &Commit) -> Result<CommitResult, Failure> {
        if commit.force && !commit.synchronize {
            return Err(Failure::Error("'force' is allowed only with 'synchronize'".into()));
        }
        if commit.force && (commit.check || commit.confirmed.is_some()) {
            return Err(Failure::Error("'force' cannot be combined with 'check' or 'confirmed'".into()));
        }
        let at = match &commit.at {
            Some(time) => {
                if commit.check || commit.confirmed.is_some() || commit.synchronize || commit.and_quit {
                    return Err(Failure::Error("'at' cannot be combined with other commit options".into()));
                }
                Some(commit_time(time, chrono::Utc::now()).ok_or_else(|| {
                    Failure::Error(format!(
                        "invalid time: '{time}' (\"yyyy-mm-dd hh:mm[:ss]\" or hh:mm[:ss])"
                    ))
                })?)
            }
            None => None,
        };
        let request = CommitRequest {
            check: commit.check,
            comment: commit.comment.clone().unwrap_or_default(),
            user: self.user.clone(),
            client: self.client.into(),
            confirmed_minutes: commit.confirmed.filter(|_| !commit.check),
            synchronize: commit.synchronize,
            force: commit.force,
            at,
        };
        let reply = self.session().client.commit(request)?;
        let local = self.current_slot().map(|s| s.to_string()).unwrap_or_default();
        let result = CommitResult { reply, commit: commit.clone(), at, local };
        if !result.failed() && (at.is_some() || commit.and_quit) {
            self.session().client.close(false)?;
            self.config = None;
        }
        Ok(result)
    }
}

/// `show system rollback N [compare M]`: the rollback, or the changes
/// between two, in Junos's `<rollback-information>`.
struct RollbackView(Box<dyn View>);

impl View for RollbackView {
    fn text(&self) -> String {
        self.0.text()
    }

    fn element(&self) -> Element {
        Element::new("rollback-information").child(self.0.element())
    }

    fn set_form(&self) -> Option<String> {
        self.0.set_form()
    }
}

/// `show configuration`, `show` in configuration mode and `get-configuration`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowConfiguration {
    /// The session's candidate, else the committed configuration.
    pub candidate: bool,
    /// The statement path shown.
    pub words: Vec<String>,
    /// With the groups applied (`| display inheritance`, `inherit="inherit"`).
    pub inherit: bool,
    /// The changes against rollback N instead (`| compare rollback N`).
    pub compare: Option<u32>,
}

/// A commit, as `commit` takes it on the command line and
/// `commit-configuration` in its elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    pub check: bool,
    pub synchronize: bool,
    /// Over the other RE's lock or changes (`synchronize force`).
    pub force: bool,
    /// Minutes until the automatic rollback.
    pub confirmed: Option<u32>,
    /// When the RE commits (`commit at`), as typed.
    pub at: Option<String>,
    pub comment: Option<String>,
    pub and_quit: bool,
}

/// Junos's wait for a confirmation when none is given.
pub const CONFIRM_MINUTES: u32 = 10;

impl Commit {
    pub(super) fn from_parsed(parsed: &Parsed<'_>) -> Commit {
        let minutes = parsed.arg("minutes").and_then(|m| m.parse().ok()).unwrap_or(CONFIRM_MINUTES);
        Commit {
            check: parsed.has("check"),
            synchronize: parsed.has("synchronize"),
            force: parsed.has("force"),
            confirmed: parsed.has("confirmed").then_some(minutes),
            at: parsed.arg("time").map(str::to_owned),
            comment: parsed.arg("comment").map(str::to_owned),
            and_quit: parsed.has("and-quit"),
        }
    }
}

/// What a commit did: the RE's reply as it came, and what was asked.
#[derive(Debug, Clone)]
pub struct CommitResult {
    pub reply: CommitReply,
    pub commit: Commit,
    /// `commit at`: when the RE will commit, in Unix seconds.
    pub at: Option<i64>,
    /// The RE the session is on.
    pub local: String,
}

impl CommitResult {
    /// Whether any RE refused or found errors: nothing was committed.
    pub fn failed(&self) -> bool {
        !self.reply.errors.is_empty()
            || self.reply.routing_engines.iter().any(|re| !re.errors.is_empty() || !re.refusal.is_empty())
    }

    /// Each RE's part, in the order shown; a commit on one RE is the local one's.
    pub fn routing_engines(&self) -> Vec<RoutingEngineCommit> {
        if !self.reply.routing_engines.is_empty() {
            return self.reply.routing_engines.clone();
        }
        vec![RoutingEngineCommit {
            name: self.local.clone(),
            check: self.commit.check,
            errors: self.reply.errors.clone(),
            refusal: String::new(),
        }]
    }
}

impl View for CommitResult {
    fn text(&self) -> String {
        let reply = &self.reply;
        let check = self.commit.check;
        let confirmed = self.commit.confirmed.filter(|_| !check);
        let mut out: String = reply.warnings.iter().map(|w| format!("warning: {w}\n")).collect();
        if !reply.errors.is_empty() {
            return out + &commit_errors(reply.errors.clone(), !check);
        }
        if let Some(at) = self.at {
            return format!(
                "configuration check succeeds\ncommit at will be executed at {}\nExiting configuration mode\n",
                super::render::junos_time(at)
            );
        }
        let local = reply.routing_engines.first().map(|re| re.name.clone()).unwrap_or_default();
        for re in &reply.routing_engines {
            out.push_str(&format!("{}:\n", re.name));
            let remote_failure = format!("error: remote commit-configuration failed on {}\n", re.name);
            if !re.refusal.is_empty() {
                out.push_str(&format!("error: {}\n{remote_failure}", re.refusal));
            } else if !re.errors.is_empty() {
                out.push_str(&commit_errors(re.errors.clone(), !re.check));
                if re.name != local {
                    out.push_str(&remote_failure);
                }
            } else if re.check {
                out.push_str("configuration check succeeds\n");
                if let Some(minutes) = confirmed {
                    out.push_str(&format!(
                        "commit confirmed will be automatically rolled back in {minutes} minutes unless confirmed\n"
                    ));
                }
            } else {
                out.push_str("commit complete\n");
            }
        }
        if self.failed() {
            return out;
        }
        if check {
            if out.is_empty() {
                out.push_str("configuration check succeeds\n");
            }
            return out;
        }
        let synchronized = reply.routing_engines.iter().any(|re| !re.check);
        if let Some(minutes) = confirmed.filter(|_| !synchronized) {
            out.push_str(&format!(
                "configuration check succeeds\ncommit confirmed will be automatically rolled back in \
                 {minutes} minutes unless confirmed\n"
            ));
        }
        if !synchronized {
            out.push_str("commit complete\n");
        }
        if self.commit.and_quit {
            out.push_str("Exiting configuration mode\n");
        }
        out
    }

    /// `<commit-results>`: the warnings, then a `<routing-engine>` for each
    /// RE's step with `<commit-check-success/>` or `<commit-success/>`.
    fn element(&self) -> Element {
        let mut results = Element::new("commit-results");
        for warning in &self.reply.warnings {
            results.push(xnm("xnm:warning", warning));
        }
        for re in self.routing_engines() {
            let mut engine = Element::new("routing-engine")
                .attr("junos:style", "normal")
                .child(Element::leaf("name", &re.name));
            if !re.refusal.is_empty() {
                engine.push(xnm("xnm:error", &re.refusal));
            }
            for e in &re.errors {
                engine.push(xnm("xnm:error", &e.message));
            }
            if re.refusal.is_empty() && re.errors.is_empty() {
                engine.push(Element::new(if re.check { "commit-check-success" } else { "commit-success" }));
            }
            results.push(engine);
        }
        results
    }
}

/// An `<xnm:error>` or `<xnm:warning>` with its message.
fn xnm(name: &str, message: &str) -> Element {
    Element::new(name).attr("xmlns:xnm", XNM_NAMESPACE).child(Element::leaf("message", message))
}

/// The XML namespace of Junos's `<xnm:error>` and `<xnm:warning>`.
pub const XNM_NAMESPACE: &str = "http://xml.juniper.net/xnm/1.1/xnm";

/// The Unix time `commit at` names: `yyyy-mm-dd hh:mm[:ss]`, or `hh:mm[:ss]`
/// today, or tomorrow when that time of today has passed (UTC, the RE's
/// time zone). `None` for a time that does not read or has passed.
fn commit_time(text: &str, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    use chrono::{NaiveDateTime, NaiveTime, TimeDelta};
    let text = text.trim();
    let full = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    let at = match full {
        Some(at) => at,
        None => {
            let time = ["%H:%M:%S", "%H:%M"].iter().find_map(|f| NaiveTime::parse_from_str(text, f).ok())?;
            let today = now.date_naive().and_time(time);
            if today > now.naive_utc() { today } else { today + TimeDelta::days(1) }
        }
    };
    let at = at.and_utc().timestamp();
    (at > now.timestamp()).then_some(at)
}

/// A commit's errors in Junos's layout.
fn commit_errors(errors: Vec<CommitError>, commit: bool) -> String {
    let errors: Vec<CheckError> = errors
        .into_iter()
        .map(|e| CheckError {
            path: e.path,
            statement: e.statement,
            message: e.message,
            missing_mandatory: e.missing_mandatory,
        })
        .collect();
    CheckError::report(&errors, commit)
}

/// The request for the RE to print the configuration at `words` in `form`.
fn printing(
    candidate: bool,
    words: Vec<String>,
    form: Form,
    inheritance: Option<Inheritance>,
) -> ShowConfigurationRequest {
    use show_configuration_request::{Format as Printed, Inheritance as Marks};
    let format = match form {
        Form::Text => Printed::Text,
        Form::Set => Printed::Set,
        Form::Json => Printed::Json,
        Form::Xml { .. } => Printed::Xml,
    };
    let inheritance = match inheritance {
        None => Marks::None,
        Some(Inheritance::Unmarked) => Marks::Unmarked,
        Some(Inheritance::Comments) => Marks::Comments,
        Some(Inheritance::Brief) => Marks::Brief,
    };
    ShowConfigurationRequest {
        candidate,
        words,
        format: format as i32,
        inheritance: inheritance as i32,
        xml_at_margin: form == Form::Xml { depth: 0 },
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_at_reads_a_date_and_time_or_the_next_time_of_day() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04 19:30:00Z").unwrap().to_utc();
        let at = |text: &str| commit_time(text, now).map(super::super::render::junos_time);
        assert_eq!(at("2026-12-05 01:00").as_deref(), Some("2026-12-05 01:00:00 UTC"));
        assert_eq!(at("2026-12-04 19:30:05").as_deref(), Some("2026-12-04 19:30:05 UTC"));
        assert_eq!(at("21:15").as_deref(), Some("2026-12-04 21:15:00 UTC"));
        assert_eq!(at("19:30").as_deref(), Some("2026-12-05 19:30:00 UTC"), "now has passed");
        assert_eq!(at("01:00:30").as_deref(), Some("2026-12-05 01:00:30 UTC"));
        assert_eq!(at("2026-12-04 19:00"), None, "in the past");
        for bad in ["25:00", "tomorrow", "2026-13-01 01:00", ""] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
