//! The interactive front end: rustyline with Junos keys. `?` lists completions
//! at once and redraws the line, TAB completes from the grammar and the configuration, Space
//! completes a keyword (unless `set cli complete-on-space off`), and long
//! output stops at the pager.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::Validator;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Context, Editor, Event, EventContext, EventHandler,
    ExternalPrinter, Helper, KeyCode, KeyEvent, Modifiers, RepeatCount,
};

use super::LineCompleter;
use super::bulletin::Bulletin;
use super::client::Interrupt;
use super::pager::{self, Key, Screen};
use super::{Engine, live, terminal};
use crate::grammar::in_quote;

/// Where `?` was pressed, so the REPL can answer it once rustyline returns.
type HelpAt = Arc<Mutex<Option<usize>>>;

/// What the line editor, its keys and the announcer thread share about the
/// read in progress.
#[derive(Default)]
struct ReadState {
    /// The editor is reading a command line: news is shown above it at once.
    active: bool,
    /// Sessions the engine held when the read began.
    held: usize,
    /// The role line's mode part (`[edit]` in configuration mode).
    mode: String,
    /// What to say if the first session's RE goes away during the read.
    farewell: String,
    /// The shell is at the console: when the first session's RE goes away
    /// it logs in to the other rather than ending ([`Engine::move_console`]).
    console: bool,
    /// The farewell was shown during a read; the console moves at the next key.
    farewell_shown: bool,
    /// The session's RE went away during the read: the next key ends it.
    returned: bool,
    /// What was typed when the read ended that way, to type on at the next prompt.
    carried: Option<String>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<ReadState>,
    changed: Condvar,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, ReadState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Once the session's RE has gone, a key ends the read, keeping what
    /// was typed and the key itself; the prompt comes back on the RE the
    /// operator came from. (A read in progress cannot change its prompt.)
    fn carry(&self, event: &Event, ctx: &EventContext<'_>) -> Option<Cmd> {
        let mut state = self.state();
        if !std::mem::take(&mut state.returned) {
            return None;
        }
        let mut line = ctx.line().to_owned();
        if let Some(KeyEvent(KeyCode::Char(c), Modifiers::NONE | Modifiers::SHIFT)) = event.get(0) {
            line.push(*c);
        }
        state.carried = Some(line);
        Some(Cmd::Interrupt)
    }
}

/// Any key not bound otherwise: only looks whether the session's RE has gone.
struct AnyKey(Arc<Shared>);

impl ConditionalEventHandler for AnyKey {
    fn handle(&self, event: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        self.0.carry(event, ctx)
    }
}

/// `?` outside a quoted string ends the read (without running anything) and
/// records the cursor; inside quotes it is just a character.
struct HelpKey(HelpAt, Arc<Shared>);

impl ConditionalEventHandler for HelpKey {
    fn handle(&self, event: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        if let Some(cmd) = self.1.carry(event, ctx) {
            return Some(cmd);
        }
        let before = &ctx.line()[..ctx.pos()];
        if in_quote(before) {
            return None;
        }
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(ctx.pos());
        Some(Cmd::AcceptLine)
    }
}

/// What the keys complete from, refreshed after every command.
type Current = Arc<RwLock<LineCompleter>>;

fn current(completer: &Current) -> LineCompleter {
    completer.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Space after a unique prefix of a keyword types the rest of it.
struct SpaceKey {
    language: Current,
    enabled: Arc<AtomicBool>,
    shared: Arc<Shared>,
}

impl ConditionalEventHandler for SpaceKey {
    fn handle(&self, event: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        if let Some(cmd) = self.shared.carry(event, ctx) {
            return Some(cmd);
        }
        let before = &ctx.line()[..ctx.pos()];
        if !self.enabled.load(Ordering::Relaxed) || before.ends_with(char::is_whitespace) || in_quote(before)
        {
            return None;
        }
        let (start, words) = current(&self.language).complete_word(before);
        let typed = &before[start..];
        match words.as_slice() {
            [word] if word.len() > typed.len() && word.starts_with(typed) => {
                Some(Cmd::Insert(1, format!("{} ", &word[typed.len()..])))
            }
            _ => None,
        }
    }
}

struct ShellHelper {
    language: Current,
}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        let (start, words) = current(&self.language).complete_word(&line[..pos]);
        // A single choice completes with the space that ends the word.
        let words = match words.as_slice() {
            [only] => vec![format!("{only} ")],
            _ => words,
        };
        Ok((start, words))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

fn history_path() -> Option<std::path::PathBuf> {
    Some(dirs::data_dir()?.join("reshell").join("history"))
}

fn config() -> anyhow::Result<Config> {
    Ok(Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .history_ignore_dups(true)?
        // The prompt always starts on a fresh line; asking the terminal where
        // the cursor is would swallow keys typed ahead of the prompt.
        .check_cursor_position(false)
        .build())
}

/// Terminal signals reach only the shell's foreground work, as at a
/// router's CLI, which is the login shell and is never stopped or quit by a
/// key: Ctrl-C stops the command running (keys read by the editor, the
/// questions and the pager see it as a key), Ctrl-\ and Ctrl-Z do nothing.
/// The embedded chassis runs in this process and must outlive them all.
fn guard_signals(rt: &tokio::runtime::Handle, interrupt: Interrupt) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let _entered = rt.enter();
    let mut interrupts = signal(SignalKind::interrupt())?;
    let mut quits = signal(SignalKind::quit())?;
    let mut stops = signal(SignalKind::from_raw(rustix::process::Signal::TSTP.as_raw()))?;
    rt.spawn(async move {
        loop {
            tokio::select! {
                Some(()) = interrupts.recv() => interrupt.press(),
                Some(()) = quits.recv() => {}
                Some(()) = stops.recv() => {}
                else => break,
            }
        }
    });
    Ok(())
}

/// Ends the shell from a thread other than the line editor's: the terminal
/// put back as it was before raw mode, then a last line.
fn leave(saved: Option<&rustix::termios::Termios>, last: &str) -> ! {
    if let Some(saved) = saved {
        let _ =
            rustix::termios::tcsetattr(rustix::stdio::stdin(), rustix::termios::OptionalActions::Now, saved);
    }
    print!("{}", last.replace('\n', "\r\n"));
    let _ = std::io::stdout().flush();
    std::process::exit(0);
}

/// Shows what the REs say while the operator types, above the line, then
/// the role line of the RE typed at now; a nested login whose RE went
/// away is closed there and then. (Between reads the main loop shows news
/// before the next prompt, as the batch runner does.)
fn announce(
    bulletin: Arc<Bulletin>,
    shared: Arc<Shared>,
    mut printer: impl ExternalPrinter,
    saved: Option<rustix::termios::Termios>,
) {
    loop {
        {
            let mut state = shared.state();
            while !state.active {
                state = shared.changed.wait(state).unwrap_or_else(|e| e.into_inner());
            }
        }
        if !bulletin.wait(Instant::now() + Duration::from_secs(3600)) {
            continue;
        }
        let (news, mode) = {
            let mut state = shared.state();
            if !state.active {
                continue;
            }
            let news = bulletin.take();
            if news.closed {
                let farewell = format!("{}\n{}", news.text, state.farewell);
                if !state.console {
                    leave(saved.as_ref(), &farewell);
                }
                state.returned = true;
                state.farewell_shown = true;
                drop(state);
                let _ = printer.print(farewell);
                continue;
            }
            if news.held < state.held {
                state.held = news.held;
                state.returned = true;
                state.mode.clear();
            }
            (news, state.mode.clone())
        };
        if news.text.is_empty() {
            continue;
        }
        let role = bulletin.innermost().and_then(|c| c.identity().ok()).map(|i| super::role_line(&i));
        let _ = printer.print(match role {
            Some(role) => format!("{}\n{role}{mode}", news.text),
            None => news.text,
        });
    }
}

pub fn run(engine: &mut Engine) -> anyhow::Result<()> {
    let mut editor: Editor<ShellHelper, DefaultHistory> = Editor::with_config(config()?)?;
    let language: Current = Arc::new(RwLock::new(engine.completer()));
    editor.set_helper(Some(ShellHelper { language: language.clone() }));
    let shared = Arc::new(Shared::default());
    let help_at = HelpAt::default();
    editor.bind_sequence(
        KeyEvent::from('?'),
        EventHandler::Conditional(Box::new(HelpKey(help_at.clone(), shared.clone()))),
    );
    let complete_on_space = Arc::new(AtomicBool::new(engine.settings().complete_on_space));
    editor.bind_sequence(
        KeyEvent::from(' '),
        EventHandler::Conditional(Box::new(SpaceKey {
            language: language.clone(),
            enabled: complete_on_space.clone(),
            shared: shared.clone(),
        })),
    );
    editor.bind_sequence(Event::Any, EventHandler::Conditional(Box::new(AnyKey(shared.clone()))));
    editor.bind_sequence(KeyEvent::ctrl('Z'), Cmd::Noop);
    let history = history_path();
    if let Some(path) = &history {
        // A first run has no history yet.
        let _ = editor.load_history(path);
    }
    // The terminal as it was before the line editor put it in raw mode.
    let saved = rustix::termios::tcgetattr(rustix::stdio::stdin()).ok();
    let idle = IdleWatch::start(saved.clone());
    let interrupt = engine.interrupt();
    guard_signals(&engine.rt, interrupt.clone())?;
    let printer = editor.create_external_printer()?;
    let (bulletin, announced) = (engine.bulletin(), shared.clone());
    std::thread::spawn(move || announce(bulletin, announced, printer, saved));

    // Questions and `load ... terminal` lines are read a line at a time by
    // an editor of their own, so Ctrl-C is a key there too.
    let plain: Rc<RefCell<Editor<(), DefaultHistory>>> =
        Rc::new(RefCell::new(Editor::with_config(config()?)?));
    let asking = plain.clone();
    engine.set_asker(Box::new(move |before, question, default| {
        terminal::without_signals(|| {
            print!("{before}");
            let _ = std::io::stdout().flush();
            match asking.borrow_mut().readline(&format!("{question} ")) {
                Err(ReadlineError::Interrupted) => false,
                Ok(answer) if !answer.trim().is_empty() => "yes".starts_with(answer.trim()),
                _ => default,
            }
        })
    }));

    engine.set_secret_reader(Box::new(|prompt| {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        super::terminal::read_hidden_line().ok().flatten()
    }));

    engine.set_reader(Box::new(move |banner| {
        terminal::without_signals(|| {
            print!("{banner}");
            let _ = std::io::stdout().flush();
            let mut text = String::new();
            loop {
                match plain.borrow_mut().readline("") {
                    Ok(line) => {
                        super::take_typed(&mut text, &line);
                        super::take_typed(&mut text, "\n");
                    }
                    Err(ReadlineError::Interrupted) => return None,
                    // Ctrl-D at the start of a line ends the input.
                    Err(_) => return Some(text),
                }
            }
        })
    }));

    engine.set_terminal(terminal::size());
    if let Ok(banner) = engine.banner() {
        println!("{banner}");
    }
    let mut pending = (String::new(), String::new());
    // The announcer has shown the role line of the RE the prompt is on.
    let mut role_shown = false;
    loop {
        let news = {
            let mut state = shared.state();
            let news = engine.broadcasts();
            let news = if engine.closed() {
                if !std::mem::take(&mut state.farewell_shown) {
                    print!("{news}\n{}", engine.farewell());
                }
                let Some(banner) = engine.move_console() else { break };
                role_shown = false;
                format!("\n{banner}\n")
            } else {
                news
            };
            state.active = true;
            state.console = engine.at_console();
            state.held = engine.session_count();
            state.mode = engine.mode_banner();
            state.farewell = engine.farewell();
            news
        };
        shared.changed.notify_all();
        let prompt = engine.prompt();
        print!("{news}");
        if !std::mem::take(&mut role_shown) {
            if let Some(notice) = &prompt.notice {
                print!("\n{notice}");
            }
            println!("\n{}", prompt.role);
        }
        idle.arm(engine.settings().idle_timeout);
        // Cleared before the read, not after: a Ctrl-C pressed the moment
        // the line is entered is the command's.
        interrupt.clear();
        let read = editor.readline_with_initial(&prompt.text, (&pending.0, &pending.1));
        idle.arm(None);
        let carried = {
            let mut state = shared.state();
            state.active = false;
            state.returned = false;
            state.carried.take()
        };
        pending = (String::new(), String::new());
        let line = match read {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                if let Some(carried) = carried {
                    // The dead RE's prompt gives way to the one of the RE
                    // the operator is back on, on the same row.
                    print!("\x1b[1A\r\x1b[2K");
                    pending = (carried, String::new());
                    role_shown = true;
                }
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        engine.set_terminal(terminal::size());
        if let Some(pos) = help_at.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let pos = pos.min(line.len());
            let reply = engine.help(&line[..pos]);
            show(&reply, engine.page_length(), &prompt.text, &line[..pos]);
            pending = (line[..pos].to_owned(), line[pos..].to_owned());
            continue;
        }
        if !line.trim().is_empty() {
            let _ = editor.history_mut().add(&line);
        }
        let reply = engine.execute(&line);
        show(&reply, engine.page_length(), &prompt.text, &line);
        if let (Some(live), Ok(keys)) = (&reply.live, terminal::Keys::take()) {
            live::follow(engine, &mut Watching(keys), live);
        }
        complete_on_space.store(engine.settings().complete_on_space, Ordering::Relaxed);
        *language.write().unwrap_or_else(|e| e.into_inner()) = engine.completer();
        if reply.exit {
            break;
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        editor.save_history(path)?;
    }
    Ok(())
}

/// A reply on the local terminal, through the pager.
fn show(reply: &super::Reply, length: usize, prompt: &str, line: &str) {
    // Keys typed while the output shows are the pager's (or the next
    // line's): neither echoed by the terminal nor a signal.
    let _keys = terminal::Keys::take();
    pager::show(&mut Stdout, reply, length, prompt, line);
}

/// The local terminal as the pager's screen.
struct Stdout;

impl Screen for Stdout {
    fn put(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Without a readable terminal there is no one to page for.
    fn key(&mut self) -> Key {
        terminal::read_key().map_or(Key::Page, Key::from_byte)
    }

    fn line(&mut self) -> Option<String> {
        terminal::read_echoed_line()
    }
}

/// The local terminal while a live display runs, its keys held.
struct Watching(terminal::Keys);

impl live::Watch for Watching {
    fn put(&mut self, text: &str) {
        Stdout.put(text);
    }

    fn key_within(&mut self, wait: Duration) -> Option<Key> {
        match self.0.within(Some(wait)) {
            Ok(key) => key.map(Key::from_byte),
            Err(_) => Some(Key::Quit),
        }
    }
}

/// Ends the session when the operator has typed nothing for the idle timeout,
/// as Junos does. The read blocks in rustyline, so a watcher thread does it.
struct IdleWatch {
    deadline: Arc<(Mutex<Option<Instant>>, Condvar)>,
}

impl IdleWatch {
    fn start(saved: Option<rustix::termios::Termios>) -> IdleWatch {
        let deadline = Arc::new((Mutex::new(None::<Instant>), Condvar::new()));
        let watched = deadline.clone();
        std::thread::spawn(move || {
            let (lock, changed) = &*watched;
            let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                guard = match *guard {
                    None => changed.wait(guard).unwrap_or_else(|e| e.into_inner()),
                    Some(at) if Instant::now() >= at => break,
                    Some(at) => {
                        let left = at.saturating_duration_since(Instant::now());
                        changed.wait_timeout(guard, left).unwrap_or_else(|e| e.into_inner()).0
                    }
                };
            }
            leave(saved.as_ref(), "\nIdle timeout exceeded: closing session\n");
        });
        IdleWatch { deadline }
    }

    /// Starts counting `minutes` of silence, or stops counting.
    fn arm(&self, minutes: Option<u32>) {
        let (lock, changed) = &*self.deadline;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) =
            minutes.map(|m| Instant::now() + Duration::from_secs(u64::from(m) * 60));
        changed.notify_one();
    }
}
