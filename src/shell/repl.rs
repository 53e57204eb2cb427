//! The interactive front end: rustyline with Junos keys. `?` lists completions
//! at once and redraws the line; TAB completes from the grammar.

use std::sync::{Arc, Mutex};

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

use super::Engine;
use crate::grammar::{Grammar, in_quote};

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

struct ShellHelper {
    grammar: Arc<Grammar>,
}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        let (start, words) = self.grammar.complete_word(&line[..pos]);
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
        .build();
    let mut editor: Editor<ShellHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(ShellHelper { grammar: engine.grammar().clone() }));
    let help_at = HelpAt::default();
    editor.bind_sequence(KeyEvent::from('?'), EventHandler::Conditional(Box::new(HelpKey(help_at.clone()))));
    let history = history_path();
    if let Some(path) = &history {
        // A first run has no history yet.
        let _ = editor.load_history(path);
    }

    if let Ok(banner) = engine.banner() {
        println!("{banner}");
    }
    let mut pending = (String::new(), String::new());
    loop {
        let prompt = engine.prompt();
        println!("\n{}", prompt.role);
        let read = editor.readline_with_initial(&prompt.text, (&pending.0, &pending.1));
        pending = (String::new(), String::new());
        let line = match read {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        if let Some(pos) = help_at.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let pos = pos.min(line.len());
            let reply = engine.help(&line[..pos]);
            print!("{}", reply.output);
            if let Some(failure) = &reply.failure {
                print!("{}", failure.render(&prompt.text, &line[..pos], false));
            }
            pending = (line[..pos].to_owned(), line[pos..].to_owned());
            continue;
        }
        if !line.trim().is_empty() {
            let _ = editor.history_mut().add(&line);
        }
        let reply = engine.execute(&line);
        print!("{}", reply.output);
        if let Some(failure) = &reply.failure {
            print!("{}", failure.render(&prompt.text, &line, false));
        }
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
