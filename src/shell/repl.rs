//! The interactive front end: rustyline with Junos keys. `?` lists completions
//! at once and redraws the line, TAB completes from the grammar and the configuration, Space
//! completes a keyword (unless `set cli complete-on-space off`), and long
//! output stops at the pager.

use std::io::Write;
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
    Helper, KeyEvent, RepeatCount,
};

use super::LineCompleter;
use super::pager::{self, Key, Screen};
use super::{Engine, live, terminal};
use crate::grammar::in_quote;

/// Where `?` was pressed, so the REPL can answer it once rustyline returns.
type HelpAt = Arc<Mutex<Option<usize>>>;

/// `?` outside a quoted string ends the read (without running anything) and
/// records the cursor; inside quotes it is just a character.
struct HelpKey(HelpAt);

impl ConditionalEventHandler for HelpKey {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
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
}

impl ConditionalEventHandler for SpaceKey {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
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

pub fn run(engine: &mut Engine) -> anyhow::Result<()> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .history_ignore_dups(true)?
        // The prompt always starts on a fresh line; asking the terminal where
        // the cursor is would swallow keys typed ahead of the prompt.
        .check_cursor_position(false)
        .build();
    let mut editor: Editor<ShellHelper, DefaultHistory> = Editor::with_config(config)?;
    let language: Current = Arc::new(RwLock::new(engine.completer()));
    editor.set_helper(Some(ShellHelper { language: language.clone() }));
    let help_at = HelpAt::default();
    editor.bind_sequence(KeyEvent::from('?'), EventHandler::Conditional(Box::new(HelpKey(help_at.clone()))));
    let complete_on_space = Arc::new(AtomicBool::new(engine.settings().complete_on_space));
    editor.bind_sequence(
        KeyEvent::from(' '),
        EventHandler::Conditional(Box::new(SpaceKey {
            language: language.clone(),
            enabled: complete_on_space.clone(),
        })),
    );
    let history = history_path();
    if let Some(path) = &history {
        // A first run has no history yet.
        let _ = editor.load_history(path);
    }
    let idle = IdleWatch::start();
    engine.set_asker(Box::new(|before, question, default| {
        print!("{before}{question} ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() {
            return default;
        }
        match answer.trim() {
            "" => default,
            a => "yes".starts_with(a),
        }
    }));

    engine.set_secret_reader(Box::new(|prompt| {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        super::terminal::read_hidden_line().ok().flatten()
    }));

    engine.set_reader(Box::new(|banner| {
        print!("{banner}");
        let _ = std::io::stdout().flush();
        // The terminal is in line mode between prompts: Ctrl-D at the start
        // of a line reads as the end of input.
        let mut text = String::new();
        let stdin = std::io::stdin();
        loop {
            let mut line = String::new();
            match stdin.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => super::take_typed(&mut text, &line),
            }
        }
        text
    }));

    engine.set_terminal(terminal::size());
    if let Ok(banner) = engine.banner() {
        println!("{banner}");
    }
    let mut pending = (String::new(), String::new());
    loop {
        let prompt = engine.prompt();
        print!("{}", engine.broadcasts());
        if let Some(notice) = &prompt.notice {
            print!("\n{notice}");
        }
        println!("\n{}", prompt.role);
        idle.arm(engine.settings().idle_timeout);
        let read = editor.readline_with_initial(&prompt.text, (&pending.0, &pending.1));
        idle.arm(None);
        pending = (String::new(), String::new());
        let line = match read {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        engine.set_terminal(terminal::size());
        if let Some(pos) = help_at.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let pos = pos.min(line.len());
            let reply = engine.help(&line[..pos]);
            pager::show(&mut Stdout, &reply, engine.page_length(), &prompt.text, &line[..pos]);
            pending = (line[..pos].to_owned(), line[pos..].to_owned());
            continue;
        }
        if !line.trim().is_empty() {
            let _ = editor.history_mut().add(&line);
        }
        let reply = engine.execute(&line);
        pager::show(&mut Stdout, &reply, engine.page_length(), &prompt.text, &line);
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
    fn start() -> IdleWatch {
        let deadline = Arc::new((Mutex::new(None::<Instant>), Condvar::new()));
        let watched = deadline.clone();
        // The terminal as it was before the line editor put it in raw mode.
        let saved = rustix::termios::tcgetattr(rustix::stdio::stdin()).ok();
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
            if let Some(saved) = &saved {
                let _ = rustix::termios::tcsetattr(
                    rustix::stdio::stdin(),
                    rustix::termios::OptionalActions::Now,
                    saved,
                );
            }
            println!("\r\nIdle timeout exceeded: closing session");
            std::process::exit(0);
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
