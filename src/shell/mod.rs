//! The shell engine: modes, prompts, commands and their rendering. It knows no
//! terminal; the REPL and the batch runner are front ends that feed it lines
//! and print what it returns, so a command behaves the same in each.

mod addresses;
mod batch;
mod bulletin;
pub mod client;
mod commands;
mod complete;
mod configure;
mod database;
mod history;
pub mod live;
mod maintenance;
pub mod pager;
mod pipe;
mod power;
mod render;
mod repl;
mod settings;
mod spinner;
mod state;
mod terminal;
mod view;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::runtime::Handle;
use tonic::transport::ClientTlsConfig;

use crate::agent::ChassisSecret;
use crate::config::schema::Schema;
use crate::grammar::{Grammar, Language, ParseError, Parsed};
use crate::permissions::Permissions;
use crate::proto::{EditRequest, Identity, LoginReply, MastershipState};
use crate::slot::Slot;
pub use addresses::{Addresses, InvalidAddresses};
pub use batch::BatchOptions;
use bulletin::Bulletin;
use client::{AgentClient, ClientError, Interrupt};
use commands::{Command, Outcome};
pub use complete::LineCompleter;
use configure::ConfigMode;
pub use configure::{CONFIRM_MINUTES, Commit, CommitResult, Database, ShowConfiguration, XNM_NAMESPACE};
pub use database::{Configure, Load, LoadAction, LoadFormat, LoadSource, Loaded, Rollback};
use pipe::Pipeline;
pub use render::commit_revision;
pub use settings::{CliSettings, TerminalSize};
pub use view::{Element, View, element_xml, escape_xml, to_json};

/// How the shell was asked to run.
#[derive(Debug, Clone)]
pub struct ShellOptions {
    /// The agents to attach to.
    pub addresses: Addresses,
    pub credentials: Credentials,
    /// Reach the agents over TLS, checking them with this.
    pub tls: Option<ClientTlsConfig>,
    /// Commands given with `-c`, run in order.
    pub commands: Vec<String>,
    /// A file of commands given with `-f`.
    pub file: Option<PathBuf>,
    pub batch: BatchOptions,
}

/// Who the shell logs in as. The password is never printed.
#[derive(Clone, Default)]
pub struct Credentials {
    pub user: String,
    pub password: Option<String>,
    /// A login the RE already made for the user (its SSH server checked the
    /// password), taken instead of logging in again.
    pub login: Option<LoginReply>,
    /// The terminal the sessions are listed under in `show system users`
    /// [default: the shell's own].
    pub terminal: Option<String>,
    /// The chassis secret, for a login at the console: the embedded
    /// chassis's own, or one its owner gave with --secret.
    pub console: Option<ChassisSecret>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).finish_non_exhaustive()
    }
}

/// Attaches to the agents and runs the REPL or the batch runner.
pub fn run(rt: &Handle, options: ShellOptions) -> anyhow::Result<ExitCode> {
    let mut credentials = options.credentials.clone();
    let stdin_is_terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let mut engine = loop {
        match Engine::connect(rt.clone(), &credentials, options.addresses.clone(), options.tls.clone()) {
            Ok(engine) => break engine,
            // Asked once, on a terminal, as a router's login asks.
            Err(e) if stdin_is_terminal && credentials.password.is_none() && needs_password(&e) => {
                eprint!("Password:");
                credentials.password = Some(terminal::read_hidden_line()?.unwrap_or_default());
            }
            Err(e) if needs_password(&e) => {
                bail!(
                    "cannot log in as {}: password required (give it in RESHELL_PASSWORD)",
                    credentials.user
                )
            }
            Err(e) if is_refused_login(&e) => {
                return Err(e.context(format!("cannot log in as {}", credentials.user)));
            }
            Err(e) => return Err(e),
        }
    };
    // Progress goes where a person watches and a script's output does not.
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let mut spinner = spinner::Spinner::on_stderr();
        engine.set_busy(Box::new(move |what| spinner.busy(what)));
    }
    if !options.commands.is_empty() || options.file.is_some() || !stdin_is_terminal {
        let ok = batch::run(&mut engine, &options)?;
        return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    repl::run(&mut engine)?;
    Ok(ExitCode::SUCCESS)
}

/// Adds a line typed for `load ... terminal`, until there is more than a
/// load may hold: the rest is read but not kept, and the load is refused.
pub fn take_typed(text: &mut String, line: &str) {
    if text.len() <= crate::MAX_CONFIGURATION_BYTES {
        text.push_str(line);
    }
}

fn is_refused_login(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<ClientError>(), Some(ClientError::Unauthenticated(_)))
}

fn needs_password(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<ClientError>(),
        Some(ClientError::Unauthenticated(m)) if *m == crate::agent::LoginError::PasswordRequired.to_string())
}

/// How long `--connect ...,master` waits for an election to make a master.
const MASTER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A failed command, as the operator is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The line is not a command: a caret under the bad spot, then the message.
    Parse(ParseError),
    /// The command ran and was refused: `error: ...`.
    Error(String),
    /// A refusal that is already in Junos form, such as a commit's error blocks.
    Text(String),
    /// A refusal with its details as data: what the CLI prints above it
    /// (the users editing, `^D`), then each problem.
    Problems { before: String, problems: Vec<Problem> },
    /// The Routing Engine did not answer.
    Unreachable { address: String, reason: String },
    /// The RE no longer knows the session (its user was logged out, or the
    /// RE restarted): the shell ends.
    LoggedOut(String),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        match e {
            ClientError::Unreachable { address, reason } => Failure::Unreachable { address, reason },
            ClientError::Refused(message) => Failure::Error(message),
            ClientError::Unauthenticated(message) => Failure::LoggedOut(message),
            // The terminal echoed `^C`; Junos says no more.
            ClientError::Interrupted => Failure::Text(String::new()),
        }
    }
}

impl Failure {
    /// What went wrong as data, for front ends that report it so (NETCONF).
    /// A text already in Junos form is one problem with that text.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            Failure::Parse(e) => vec![Problem::error(e.to_string())],
            Failure::Error(message) | Failure::LoggedOut(message) => vec![Problem::error(message)],
            Failure::Text(text) => vec![Problem::error(text.trim_end())],
            Failure::Unreachable { address, reason } => {
                vec![Problem::error(format!("could not connect to {address} : {reason}"))]
            }
            Failure::Problems { problems, .. } => problems.clone(),
        }
    }

    /// The failure's text. `echo` is the prompt and line to print above the
    /// caret when the terminal does not already show them (batch logs).
    pub fn render(&self, prompt: &str, line: &str, echo: bool) -> String {
        match self {
            Failure::Error(message) | Failure::LoggedOut(message) => format!("error: {message}\n"),
            Failure::Text(text) => text.clone(),
            Failure::Problems { before, problems } => {
                let mut out = before.clone();
                problems.iter().for_each(|p| out.push_str(&p.text()));
                out
            }
            Failure::Unreachable { address, reason } => {
                format!("error: could not connect to {address} : {reason}\n")
            }
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
                        render::completion_line(&mut out, c);
                    }
                }
                out
            }
        }
    }
}

/// One thing wrong, as Junos reports it: the message, and where a
/// configuration statement is concerned, its hierarchy and the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// `[edit system]`.
    pub path: Option<String>,
    /// The statement or word that is wrong.
    pub element: Option<String>,
    pub warning: bool,
}

impl Problem {
    pub fn error(message: impl Into<String>) -> Problem {
        Problem { message: message.into(), path: None, element: None, warning: false }
    }

    pub fn warning(message: impl Into<String>) -> Problem {
        Problem { warning: true, ..Problem::error(message) }
    }

    /// As the CLI prints it: `error: ...`, `warning: ...`, or a statement's
    /// block under its hierarchy.
    fn text(&self) -> String {
        match (&self.path, &self.element) {
            (Some(path), Some(element)) => format!(
                "{path}
  '{element}'
    {}
",
                self.message
            ),
            _ => format!(
                "{}: {}
",
                if self.warning { "warning" } else { "error" },
                self.message
            ),
        }
    }

    /// Junos's `<rpc-error>` for it, as replies that carry their errors
    /// inside (`<load-configuration-results>`) hold it.
    pub fn element(&self) -> Element {
        let mut error = Element::new("rpc-error")
            .child(Element::leaf("error-type", "protocol"))
            .child(Element::leaf("error-tag", "operation-failed"))
            .child(Element::leaf("error-severity", if self.warning { "warning" } else { "error" }));
        if let Some(path) = &self.path {
            error.push(Element::leaf("error-path", path));
        }
        error.push(Element::leaf("error-message", &self.message));
        if let Some(element) = &self.element {
            error.push(Element::new("error-info").child(Element::leaf("bad-element", element)));
        }
        error
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
    /// The output may stop at the pager (a terminal front end decides).
    pub paginate: bool,
    /// The display goes on: a terminal front end shows it again every so
    /// often until the reader stops it ([`live::follow`]); batch shows it once.
    pub live: Option<live::Live>,
}

impl Reply {
    fn failed(failure: impl Into<Failure>) -> Reply {
        Reply { failure: Some(failure.into()), ..Reply::default() }
    }
}

/// The lines printed before each command: a reminder while a `commit
/// confirmed` waits, the role line and the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// `# commit confirmed will be rolled back in N minutes`.
    pub notice: Option<String>,
    /// `{master}` or `{backup}`.
    pub role: String,
    /// `user@host> `.
    pub text: String,
}

/// `{master}`, `{backup}`: the RE's role as the line above the prompt shows it.
fn role_line(identity: &Identity) -> String {
    format!("{{{}}}", render::mastership_word(identity.mastership_state).to_lowercase())
}

/// One Routing Engine this session is logged in to.
struct Session {
    client: AgentClient,
    /// The role and host name, which can change under us: the RE tells its
    /// sessions, and a command that changes them asks again.
    known: bulletin::Known,
    /// Keeps the session logged in on the RE while it is held, posting the
    /// RE's broadcasts to the engine's bulletin.
    _reading: bulletin::Reading,
}

/// Answers a `[yes,no]` question: given the text before it, the question and
/// its default answer. Ctrl-C answers no.
pub type Asker = Box<dyn FnMut(&str, &str, bool) -> bool>;

/// Shows a line of a command's progress as it happens.
pub type Teller = Box<dyn FnMut(&str)>;

/// Told when long work begins (what it is) and ends (`None`), for a front
/// end to show that it goes on.
pub type Busy = Box<dyn FnMut(Option<&str>)>;

/// Reads a password: prints the prompt it is given, then takes one line
/// without echo; `None` when there is none to read.
pub type SecretReader = Box<dyn FnMut(&str) -> Option<String>>;

/// Reads text typed for `load ... terminal`: prints the banner it is given,
/// then takes lines until `^D`; `None` when Ctrl-C abandons the load.
pub type Reader = Box<dyn FnMut(&str) -> Option<String>>;

pub struct Engine {
    /// The commands of each mode; shared with the line editor's completer.
    operational: Arc<Language>,
    configuration: Arc<Language>,
    schema: Arc<Schema>,
    /// Set while the session is in configuration mode.
    config: Option<ConfigMode>,
    asker: Asker,
    reader: Reader,
    teller: Teller,
    busy: Busy,
    secret: SecretReader,
    rt: Handle,
    /// The name the RE knows the user by, for the prompt.
    user: String,
    /// To log in to the other RE when the current one cannot vouch for the
    /// user any more.
    credentials: Credentials,
    tls: Option<ClientTlsConfig>,
    /// Where the shell was told the agents are.
    addresses: Addresses,
    /// Logins nest: `exit` returns to the RE before. The current one is last.
    sessions: Vec<Session>,
    settings: CliSettings,
    /// The terminal the front end runs on; `None` in batch mode.
    terminal: Option<TerminalSize>,
    /// How the commit history records this session's commits: `cli`, `netconf`.
    client: &'static str,
    /// What the session ran, for `show cli history`.
    history: history::History,
    /// Log files `monitor start` follows.
    monitors: Vec<Monitor>,
    /// What the REs say unasked, and which sessions are still there.
    bulletin: Arc<Bulletin>,
    /// Ctrl-C while a command waits on an RE.
    interrupt: Interrupt,
    /// Edits gathered instead of sent, while a batch makes a stretch of them.
    stretch: Option<Vec<EditRequest>>,
}

/// A log file followed by `monitor start`: its new lines are posted to the
/// bulletin as they come, until the monitor is dropped.
struct Monitor {
    /// As the operator named it.
    file: String,
    /// When the file last changed, in seconds since the Unix epoch.
    modified: Arc<std::sync::atomic::AtomicI64>,
    _reading: bulletin::Reading,
}

impl Engine {
    /// Attaches to the first Routing Engine in `addresses` that answers (re0
    /// first), or to the master if `addresses` asks for it.
    pub fn connect(
        rt: Handle,
        credentials: &Credentials,
        addresses: Addresses,
        tls: Option<ClientTlsConfig>,
    ) -> anyhow::Result<Engine> {
        let operational = Language { commands: Grammar::operational()?, pipes: Grammar::pipes()? };
        let configuration = Language { commands: Grammar::configuration()?, pipes: Grammar::pipes()? };
        for language in [&operational, &configuration] {
            if let Some(action) = language.commands.actions().find(|a| Command::from_action(a).is_none()) {
                bail!("grammar names action '{action}', which has no handler");
            }
            if let Some(action) = language.pipes.actions().find(|a| !Pipeline::handles(a)) {
                bail!("grammar names pipe '{action}', which has no handler");
            }
        }
        let bulletin = Arc::new(Bulletin::default());
        let interrupt = Interrupt::default();
        let (session, granted) =
            Engine::first_session(&rt, credentials, &addresses, tls.as_ref(), (&bulletin, &interrupt))?;
        // What the class does not allow does not exist for this user.
        let permissions = Permissions::parse(granted.permissions.iter().map(String::as_str));
        let permitted = |language: Language| Language {
            commands: language.commands.permitted(&permissions),
            pipes: language.pipes.permitted(&permissions),
        };
        Ok(Engine {
            operational: Arc::new(permitted(operational)),
            configuration: Arc::new(permitted(configuration)),
            schema: Schema::shipped()?,
            config: None,
            asker: Box::new(|_, _, default| default),
            teller: Box::new(|line| println!("{line}")),
            busy: Box::new(|_| {}),
            secret: Box::new(|_| None),
            reader: Box::new(|_| Some(String::new())),
            rt,
            user: granted.user,
            credentials: credentials.clone(),
            tls,
            addresses,
            sessions: vec![session],
            settings: CliSettings::default(),
            terminal: None,
            client: "cli",
            history: history::History::default(),
            monitors: Vec::new(),
            bulletin,
            interrupt,
            stretch: None,
        })
    }

    fn first_session(
        rt: &Handle,
        credentials: &Credentials,
        addresses: &Addresses,
        tls: Option<&ClientTlsConfig>,
        held: (&Arc<Bulletin>, &Interrupt),
    ) -> anyhow::Result<(Session, LoginReply)> {
        let login = |client: &AgentClient| match &credentials.login {
            Some(made) => client.use_login(made.clone()),
            None => client.login(credentials),
        };
        let terminal = credentials.terminal.as_deref();
        let mut last_error = None;
        if !addresses.master {
            for address in Slot::ALL.into_iter().filter_map(|s| addresses.get(s)) {
                let client = AgentClient::new(rt.clone(), address, tls)?;
                match login(&client).and_then(|granted| Ok((Engine::open(client, terminal, held)?, granted)))
                {
                    Ok(opened) => return Ok(opened),
                    // A wrong password is wrong on the other RE too.
                    Err(e @ ClientError::Unauthenticated(_)) => return Err(e.into()),
                    Err(e) => last_error = Some(e),
                }
            }
        } else {
            // An election or a failover may be under way: wait for it a while.
            let deadline = std::time::Instant::now() + MASTER_WAIT;
            // Made once: each holds its connection across the polls.
            let mut clients: [Option<AgentClient>; 2] = [None, None];
            for slot in Slot::ALL {
                if let Some(address) = addresses.get(slot) {
                    clients[slot.number() as usize] = Some(AgentClient::new(rt.clone(), address, tls)?);
                }
            }
            while std::time::Instant::now() < deadline {
                for slot in Slot::ALL {
                    let Some(client) = clients[slot.number() as usize].clone() else { continue };
                    let granted = match login(&client) {
                        Ok(granted) => granted,
                        Err(e @ ClientError::Unauthenticated(_)) => return Err(e.into()),
                        Err(e) => {
                            last_error = Some(e);
                            continue;
                        }
                    };
                    match client.identity() {
                        Ok(identity) if identity.mastership_state == MastershipState::Master as i32 => {
                            let session = Engine::open(client, terminal, held)
                                .context("cannot attach to the master Routing Engine")?;
                            return Ok((session, granted));
                        }
                        Ok(identity) if clients[slot.other().number() as usize].is_none() => {
                            // The shell was told one address; the RE knows the other.
                            let other = AgentClient::new(rt.clone(), &identity.peer_address, tls)?;
                            clients[slot.other().number() as usize] = Some(other);
                        }
                        Ok(_) => {}
                        Err(e) => last_error = Some(e),
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            match last_error {
                Some(e) => bail!("no Routing Engine is master ({e})"),
                None => bail!("no Routing Engine is master"),
            }
        }
        let e =
            last_error.map_or_else(|| anyhow::anyhow!("no Routing Engine address to connect to"), Into::into);
        Err(e.context("cannot attach to the Routing Engine"))
    }

    /// A session on the RE `client` is logged in to, held as the innermost.
    fn open(
        mut client: AgentClient,
        terminal: Option<&str>,
        (bulletin, interrupt): (&Arc<Bulletin>, &Interrupt),
    ) -> Result<Session, ClientError> {
        client.set_interrupt(interrupt);
        let attached = client.attach(terminal)?;
        let known = bulletin::Known::new(attached.identity);
        let reading = bulletin.hold(&client, attached.events, known.clone());
        Ok(Session { client, known, _reading: reading })
    }

    /// Messages the Routing Engines broadcast since the last look, and the
    /// lines added to monitored files, each file's under its name, and the
    /// `rlogin` line of each nested login whose RE went away (the session is
    /// back on the RE it came from). After the first session's RE went away
    /// [`Engine::closed`] says so.
    pub fn broadcasts(&mut self) -> String {
        let news = self.bulletin.take();
        self.follow(&news);
        news.text
    }

    /// Drops the sessions whose REs went away, as `news` (already shown) says.
    fn follow(&mut self, news: &bulletin::News) {
        let returned = news.held.max(1) < self.sessions.len();
        self.sessions.truncate(news.held.max(1));
        if returned {
            self.config = None;
            self.refresh_identity();
        }
    }

    /// Whether the RE of the session's first login went away: there is no
    /// RE to go back to, and the shell ends.
    pub fn closed(&self) -> bool {
        self.bulletin.closed()
    }

    /// What stops the command running when the operator presses Ctrl-C.
    pub fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }

    /// What front ends that show messages as they come read them from.
    pub fn bulletin(&self) -> Arc<Bulletin> {
        self.bulletin.clone()
    }

    /// The commands of the mode the session is in.
    pub fn language(&self) -> &Arc<Language> {
        if self.config.is_some() { &self.configuration } else { &self.operational }
    }

    /// How the front end answers `[yes,no]` questions.
    pub fn set_asker(&mut self, asker: Asker) {
        self.asker = asker;
    }

    fn ask(&mut self, before: &str, question: &str, default: bool) -> bool {
        (self.asker)(before, question, default)
    }

    /// How the front end reads a password for `plain-text-password`.
    pub fn set_secret_reader(&mut self, secret: SecretReader) {
        self.secret = secret;
    }

    /// What the commit history says the session's commits came by (`via netconf`).
    pub fn set_client(&mut self, client: &'static str) {
        self.client = client;
    }

    /// How the front end takes `load ... terminal` input.
    pub fn set_reader(&mut self, reader: Reader) {
        self.reader = reader;
    }

    /// How the front end shows a command's progress lines.
    pub fn set_teller(&mut self, teller: Teller) {
        self.teller = teller;
    }

    /// How the front end shows that long work goes on.
    pub fn set_busy(&mut self, busy: Busy) {
        self.busy = busy;
    }

    /// Runs `work`, the front end told it is under way meanwhile.
    fn busy_with<T>(&mut self, what: &str, work: impl FnOnce() -> T) -> T {
        (self.busy)(Some(what));
        let done = work();
        (self.busy)(None);
        done
    }

    fn read_terminal(&mut self, banner: &str) -> Option<String> {
        (self.reader)(banner)
    }

    pub fn settings(&self) -> &CliSettings {
        &self.settings
    }

    /// The front end's terminal, for the pager, wrapping and `show cli`.
    pub fn set_terminal(&mut self, terminal: Option<TerminalSize>) {
        self.terminal = terminal;
    }

    /// Lines per page in force; 0 when output is not paged.
    pub fn page_length(&self) -> usize {
        self.settings.effective_length(self.terminal) as usize
    }

    fn session(&self) -> &Session {
        // Never empty: the last session is left only by ending the engine's use.
        &self.sessions[self.sessions.len() - 1]
    }

    /// Whether the session is in configuration mode.
    pub fn in_configuration(&self) -> bool {
        self.config.is_some()
    }

    /// The configuration schema the session reads statements against.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The slot of the RE the session is on.
    pub fn current_slot(&self) -> Option<Slot> {
        Slot::new(self.identity().slot)
    }

    /// How many logins deep the session is (1 before any `request routing-engine login`).
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// What the shell says as it ends because the RE of its first login went away.
    pub fn farewell(&self) -> String {
        format!("Connection to {} closed by the Routing Engine.\n", self.sessions[0].known.get().host_name)
    }

    /// Whether the shell logged in at the console, with the chassis secret.
    pub fn at_console(&self) -> bool {
        self.credentials.console.is_some()
    }

    /// After the RE of the first login went away, a shell at the console
    /// (the embedded chassis's own, or one given its secret) logs in to the
    /// RE that is still up, as an operator moves to the other RE's console:
    /// ending would take the embedded chassis, and so the other RE, with it.
    /// The banner of the new login, or `None` where the shell ends instead.
    pub fn move_console(&mut self) -> Option<String> {
        if !self.at_console() {
            return None;
        }
        // Not the RE that went away: while it goes down it may still answer
        // a login, and the session would go down with it.
        let gone = Slot::new(self.sessions[0].known.get().slot);
        let addresses = gone.map_or_else(|| self.addresses.clone(), |slot| self.addresses.without(slot));
        self.bulletin.start_over();
        let (session, _) = Engine::first_session(
            &self.rt,
            &self.credentials,
            &addresses,
            self.tls.as_ref(),
            (&self.bulletin, &self.interrupt),
        )
        .ok()?;
        self.sessions = vec![session];
        self.config = None;
        self.banner().ok()
    }

    pub fn prompt(&self) -> Prompt {
        let identity = &self.identity();
        let role = role_line(identity);
        let notice = identity.rollback_pending_seconds.map(|seconds| {
            format!("# commit confirmed will be rolled back in {} minutes", seconds.div_ceil(60))
        });
        let text = |mark: char| match &self.settings.prompt {
            Some(prompt) => prompt.clone(),
            None => format!("{}@{}{mark} ", self.user, identity.host_name),
        };
        match &self.config {
            None => Prompt { notice, role, text: text('>') },
            Some(_) => Prompt { notice, role: format!("{role}{}", self.mode_banner()), text: text('#') },
        }
    }

    /// What follows the role on the line above the prompt: `[edit ...]` in
    /// configuration mode, nothing in operational mode.
    pub fn mode_banner(&self) -> String {
        self.config.as_ref().map(ConfigMode::banner).unwrap_or_default()
    }

    /// The banner a session on the current RE starts with.
    pub fn banner(&self) -> Result<String, Failure> {
        let software = self.session().client.software_information()?;
        Ok(render::login_banner(&software))
    }

    /// Runs one line: a command, or a `?` request at its end. A command is
    /// kept in the session's history.
    pub fn execute(&mut self, line: &str) -> Reply {
        if !line.trim().is_empty() && !line.trim_end().ends_with('?') && line.len() <= crate::MAX_LINE_BYTES {
            self.history.add(chrono::Utc::now(), line);
        }
        self.run_line(line)
    }

    /// The next display of a live one.
    pub fn display(&mut self, live: &live::Live) -> Reply {
        match &live.what {
            live::Watched::Command(line) => Reply { live: None, ..self.run_line(line) },
            live::Watched::Traffic(since) => match self.session().client.interface_information("") {
                Ok(info) => Reply {
                    output: live::traffic(&self.identity().host_name, *since, chrono::Utc::now(), &info),
                    ..Reply::default()
                },
                Err(e) => Reply::failed(e),
            },
        }
    }

    fn run_line(&mut self, line: &str) -> Reply {
        if line.len() > crate::MAX_LINE_BYTES {
            return Reply::failed(Failure::Error(format!(
                "command line too long ({} bytes; at most {})",
                line.len(),
                crate::MAX_LINE_BYTES
            )));
        }
        let trimmed = line.trim_end();
        if let Some(before) = trimmed.strip_suffix('?')
            && !crate::grammar::in_quote(before)
        {
            return self.help(before);
        }
        if trimmed.trim_start().is_empty() {
            return Reply::default();
        }
        if let Some(rest) = self.config.as_ref().and_then(|_| after_top(line)) {
            return self.at_top(line, rest);
        }
        let language = Arc::clone(self.language());
        let parsed = match language.parse(line) {
            Ok(parsed) => parsed,
            Err(e) => return Reply::failed(Failure::Parse(e)),
        };
        let pipeline = match Pipeline::new(&parsed.pipes) {
            Ok(pipeline) => pipeline,
            Err(failure) => return Reply::failed(failure),
        };
        let changes_identity = changes_identity(parsed.command.action);
        let mut reply = match self.apply(line, &parsed.command, &pipeline) {
            Ok(Outcome::Exit) => Reply { exit: true, ..Reply::default() },
            Ok(Outcome::View(view)) => self.present(view.as_ref(), &pipeline),
            Ok(Outcome::Presented(output)) => Reply { output, paginate: true, ..Reply::default() },
            Ok(Outcome::Piped(text)) => self.present_text(text, &pipeline),
            Ok(Outcome::Live(live)) => {
                let first = self.display(&live);
                Reply { live: Some(live), ..first }
            }
            Err(failure) => self.refusal(failure),
        };
        if let Some(seconds) = pipeline.refresh
            && reply.failure.is_none()
            && !reply.exit
        {
            reply.output = live::refreshed_at(chrono::Utc::now()) + &reply.output;
            reply.paginate = false;
            let every = std::time::Duration::from_secs(seconds);
            reply.live = Some(live::Live { every, what: live::Watched::Command(line.to_owned()) });
        }
        if changes_identity {
            self.refresh_identity();
        }
        reply
    }

    /// A command's failure as the operator is told it: an RE that does not
    /// answer is named, and a session the RE forgot ends the shell.
    fn refusal(&self, failure: Failure) -> Reply {
        match failure {
            Failure::Unreachable { address, reason } => Reply::failed(self.lost(&address, &reason)),
            failure @ Failure::LoggedOut(_) => Reply { exit: true, ..Reply::failed(failure) },
            failure => Reply::failed(failure),
        }
    }

    /// The one place a command is applied, whether a line or an RPC made it.
    fn apply(&mut self, line: &str, parsed: &Parsed<'_>, pipeline: &Pipeline) -> Result<Outcome, Failure> {
        let Some(command) = Command::from_action(parsed.action) else {
            return Err(Failure::Error(format!("no handler for '{}'", parsed.action)));
        };
        command.run(self, line, parsed, pipeline)
    }

    /// Runs the operational command that RPC `rpc` names in the grammar, its
    /// argument elements (name, text) as the command's options, and answers
    /// the command's view. From configuration mode it runs as `run` would.
    pub fn invoke(
        &mut self,
        rpc: &str,
        arguments: &[(&str, Option<&str>)],
    ) -> Result<Box<dyn View>, Refused> {
        let language = Arc::clone(&self.operational);
        let parsed = language.commands.invocation(rpc, arguments).map_err(Refused::Arguments)?;
        let mode = self.config.take();
        let outcome = self.apply("", &parsed, &Pipeline::default());
        self.config = mode;
        if changes_identity(parsed.action) {
            self.refresh_identity();
        }
        Ok(viewed(outcome?))
    }

    /// An operational command line's view, for a front end that renders it
    /// itself (NETCONF's `<command>`). A line with pipes answers its text, as
    /// the pipes made it.
    pub fn command_view(&mut self, line: &str) -> Result<Box<dyn View>, Failure> {
        let language = Arc::clone(&self.operational);
        let parsed = language.parse(line).map_err(Failure::Parse)?;
        let mode = self.config.take();
        let outcome = if parsed.pipes.is_empty() {
            let outcome = self.apply(line, &parsed.command, &Pipeline::default()).map(viewed);
            if changes_identity(parsed.command.action) {
                self.refresh_identity();
            }
            outcome
        } else {
            let reply = self.run_line(line);
            match reply.failure {
                Some(failure) => Err(failure),
                None => Ok(Box::new(reply.output) as Box<dyn View>),
            }
        };
        self.config = mode;
        outcome
    }

    /// A file of the RE's file area, as the user may read it.
    pub fn read_file(&self, path: &str) -> Result<String, Failure> {
        let (client, path) = self.file_client(path)?;
        Ok(client.read_file(&self.user, path)?.content)
    }

    /// The commit history and any pending `commit at`.
    pub fn commit_information(&self) -> Result<crate::proto::CommitInformation, Failure> {
        Ok(self.session().client.commit_information()?)
    }

    /// The role of the RE the session is on, as the RE last said.
    pub fn mastership(&self) -> MastershipState {
        MastershipState::try_from(self.identity().mastership_state).unwrap_or_default()
    }

    /// `top COMMAND` in configuration mode: the command as typed at
    /// `[edit]`. Only `top edit` moves the session, and `exit` then returns
    /// to where `top` was typed.
    fn at_top(&mut self, line: &str, rest: usize) -> Reply {
        let Some(mode) = self.config.as_mut() else { return self.run_line(&line[rest..]) };
        let level = std::mem::take(&mut mode.level);
        let edits = mode.previous.len();
        let mut reply = self.run_line(&line[rest..]);
        if let Some(mode) = self.config.as_mut() {
            match mode.previous.get_mut(edits) {
                Some(previous) => *previous = level,
                None => mode.level = level,
            }
        }
        if let Some(Failure::Parse(e)) = reply.failure.take() {
            reply.failure = Some(Failure::Parse(e.shifted(line[..rest].chars().count())));
        }
        reply
    }

    /// A command's reply through its pipes, then as the session's settings
    /// want it: wrapped at the screen width, stamped with the time.
    fn present(&self, view: &dyn View, pipeline: &Pipeline) -> Reply {
        self.present_text(pipeline.apply(view, &self.prompt().role, self.page_length()), pipeline)
    }

    /// Output already through the pipeline's filters, saved or shown.
    fn present_text(&self, mut text: String, pipeline: &Pipeline) -> Reply {
        if let Some(file) = &pipeline.save {
            let lines = text.lines().count();
            if let Err(e) = self.session().client.save_file(&self.user, file, text) {
                return Reply::failed(e);
            }
            text = format!("Wrote {lines} lines of output to '{file}'\n");
        }
        text = settings::wrap(&text, self.settings.effective_width(self.terminal) as usize);
        if self.settings.timestamp {
            text = format!("{}\n{text}", chrono::Utc::now().format("%b %d %H:%M:%S"));
        }
        Reply { output: text, paginate: !pipeline.no_more, ..Reply::default() }
    }

    /// `?` after `before`: what may come next. Inside a configuration path the
    /// schema and the configuration answer.
    pub fn help(&self, before: &str) -> Reply {
        match self.completer().completions(before) {
            Ok(completions) => Reply { output: render::completions(&completions), ..Reply::default() },
            Err(e) => Reply::failed(Failure::Parse(e)),
        }
    }

    /// What the line editor's keys complete from, as the session stands now.
    pub fn completer(&self) -> LineCompleter {
        LineCompleter {
            language: self.language().clone(),
            schema: self.schema.clone(),
            level: self.config.as_ref().map(|m| m.level.clone()).unwrap_or_default(),
            client: self.session().client.clone(),
            candidate: self.config.is_some(),
        }
    }

    /// The session's RE stopped answering: says which, and how to reach the
    /// other. (The other RE not answering is said plainly.)
    fn lost(&self, address: &str, reason: &str) -> Failure {
        let Some(slot) = self.current_slot() else {
            return Failure::Unreachable { address: address.to_owned(), reason: reason.to_owned() };
        };
        if address != self.session().client.address() {
            return Failure::Error(format!("could not connect to {} : {reason}", slot.other()));
        }
        Failure::Text(format!(
            "error: {slot} is not answering: could not connect to {address} : {reason}\n\
             To reach {}: request routing-engine login other-routing-engine\n",
            slot.other()
        ))
    }

    /// Who the RE of the current session is, as it last said.
    fn identity(&self) -> Identity {
        self.session().known.get()
    }

    /// Asks the RE of the current session who it is again: its role may
    /// have changed with news it sent (a switchover), or a command it ran.
    pub fn refresh_identity(&mut self) {
        let session = self.session();
        if let Ok(identity) = session.client.identity() {
            session.known.set(identity);
        }
    }
}

/// Whether a command can change what the prompt shows of the RE (its role,
/// host name, a pending rollback), so that the RE is asked again at once
/// rather than when it tells its sessions a moment later.
fn changes_identity(action: &str) -> bool {
    matches!(
        Command::from_action(action),
        Some(
            Command::Commit
                | Command::ClearSystemCommit
                | Command::MasterAcquire
                | Command::MasterRelease
                | Command::MasterSwitch
                | Command::Restart
                | Command::Run
        )
    )
}

/// What a command answers when a front end wants its view: output a
/// command already rendered is text; a session's end or a live display has
/// nothing to show.
fn viewed(outcome: Outcome) -> Box<dyn View> {
    match outcome {
        Outcome::View(view) => view,
        Outcome::Presented(text) | Outcome::Piped(text) => Box::new(text),
        Outcome::Exit | Outcome::Live(_) => Box::new(String::new()),
    }
}

/// Why an RPC did not run: its elements do not make a command, or the
/// command was refused.
#[derive(Debug)]
pub enum Refused {
    Arguments(crate::grammar::ArgumentError),
    Command(Failure),
}

impl From<Failure> for Refused {
    fn from(failure: Failure) -> Refused {
        Refused::Command(failure)
    }
}

/// Where the command after a leading `top` starts, when the line has one.
pub(crate) fn after_top(line: &str) -> Option<usize> {
    match crate::grammar::tokenize(line).as_slice() {
        [top, next, ..] if top.text == "top" && !next.pipe => Some(next.start),
        _ => None,
    }
}
