//! The batch front end: commands from `-c`, a file, or standard input, run in
//! order with their output on stdout and failures on stderr.

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;

use anyhow::Context;

use super::pipe::Pipeline;
use super::{Engine, Prompt, Reply, ShellOptions, after_top};

#[derive(Debug, Clone, Copy, Default)]
pub struct BatchOptions {
    /// Print the role line, prompt and command before each, as a transcript.
    pub echo: bool,
    /// Run every command even after one fails.
    pub keep_going: bool,
    /// Answer `yes` to every `[yes,no]` question (otherwise its default).
    pub yes: bool,
}

/// Runs the commands; `Ok(true)` when every one succeeded.
pub fn run(engine: &mut Engine, options: &ShellOptions) -> anyhow::Result<bool> {
    let lines: Box<dyn Iterator<Item = std::io::Result<String>>> = if !options.commands.is_empty() {
        Box::new(options.commands.clone().into_iter().map(Ok))
    } else if let Some(path) = &options.file {
        let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        Box::new(std::io::BufReader::new(file).lines())
    } else {
        Box::new(std::io::stdin().lock().lines())
    };
    // Nobody is there to answer: take --yes or the default, and say so.
    let yes = options.batch.yes;
    engine.set_asker(Box::new(move |before, question, default| {
        let answer = yes || default;
        println!("{before}{question} {}", if answer { "yes" } else { "no" });
        answer
    }));
    // `load ... terminal` takes the lines after it, up to one that is `^D`,
    // written out or the control character itself (as a script that plays
    // a terminal sends it).
    let lines = Rc::new(RefCell::new(lines));
    let input = lines.clone();
    engine.set_reader(Box::new(move |banner| {
        print!("{banner}");
        let mut text = String::new();
        while let Some(Ok(line)) = input.borrow_mut().next() {
            if matches!(line.trim(), "^D" | "\u{4}") {
                break;
            }
            super::take_typed(&mut text, &line);
            super::take_typed(&mut text, "\n");
        }
        Some(text)
    }));
    // Passwords come from standard input: the next line of it, when the
    // commands come from there too.
    let from_stdin = options.commands.is_empty() && options.file.is_none();
    let passwords = lines.clone();
    engine.set_secret_reader(Box::new(move |prompt| {
        println!("{prompt}");
        if from_stdin {
            return passwords.borrow_mut().next().and_then(Result::ok);
        }
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(n) if n > 0 => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
            _ => None,
        }
    }));
    let mut run = Run { options: options.batch, all_ok: true, gathered: Vec::new() };
    loop {
        let next = lines.borrow_mut().next();
        let Some(line) = next else { break };
        let line = line.context("cannot read commands")?;
        let command = line.trim();
        if command.is_empty() || command.starts_with('#') {
            continue;
        }
        let gather = engine.gathers(command);
        if !gather && !run.send_gathered(engine)? {
            return Ok(run.all_ok);
        }
        let prompt = engine.prompt();
        let news = engine.broadcasts();
        if gather {
            let stretch = engine.stretch.get_or_insert_with(Vec::new);
            let before = stretch.len();
            let reply = engine.execute(command);
            let gathered = engine.stretch.as_ref().is_some_and(|s| s.len() > before);
            if gathered && reply.failure.is_none() {
                run.gathered.push(Gathered { news, prompt, command: command.to_owned() });
                if run.gathered.len() >= STRETCH_MAX && !run.send_gathered(engine)? {
                    return Ok(run.all_ok);
                }
                continue;
            }
            // Refused before it was sent (a syntax error): the edits
            // before it go first.
            if !run.send_gathered(engine)? || !run.print(&news, &prompt, command, &reply)? {
                return Ok(run.all_ok);
            }
            continue;
        }
        // The transcript goes first: a command may ask a question while it runs.
        run.transcript(&news, &prompt, command)?;
        let reply = engine.execute(command);
        if !run.outcome(&prompt, command, &reply)? {
            return Ok(run.all_ok);
        }
    }
    run.send_gathered(engine)?;
    Ok(run.all_ok)
}

/// Edits a batch sends in one request at most: a bound on the request's
/// size, and on how long the RE holds the configuration for it.
const STRETCH_MAX: usize = 1000;

/// The configuration commands whose one effect is an edit sent to the RE.
const EDITS: &[&str] = &[
    "set",
    "delete",
    "activate",
    "deactivate",
    "annotate",
    "rename",
    "copy",
    "insert",
    "protect",
    "unprotect",
];

/// A line whose edit was gathered, and what to print with it once sent.
struct Gathered {
    news: String,
    prompt: Prompt,
    command: String,
}

struct Run {
    options: BatchOptions,
    all_ok: bool,
    /// Lines whose edits wait in the engine's stretch.
    gathered: Vec<Gathered>,
}

impl Run {
    /// Prints what a command said (after its transcript, with `--echo`),
    /// and its failure; whether the batch goes on.
    fn print(&mut self, news: &str, prompt: &Prompt, command: &str, reply: &Reply) -> anyhow::Result<bool> {
        self.transcript(news, prompt, command)?;
        self.outcome(prompt, command, reply)
    }

    /// The news before a command and, with `--echo`, its prompt and line.
    fn transcript(&self, news: &str, prompt: &Prompt, command: &str) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        out.write_all(news.as_bytes())?;
        if self.options.echo {
            if let Some(notice) = &prompt.notice {
                writeln!(out, "{notice}")?;
            }
            writeln!(out, "{}\n{}{command}", prompt.role, prompt.text)?;
        }
        Ok(out.flush()?)
    }

    /// What a command said, and its failure; whether the batch goes on.
    fn outcome(&mut self, prompt: &Prompt, command: &str, reply: &Reply) -> anyhow::Result<bool> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        out.write_all(reply.output.as_bytes())?;
        if self.options.echo {
            writeln!(out)?;
        }
        out.flush()?;
        drop(out);
        if let Some(failure) = &reply.failure {
            eprint!("{}", failure.render(&prompt.text, command, true));
            self.all_ok = false;
            if !self.options.keep_going {
                return Ok(false);
            }
        }
        Ok(!reply.exit)
    }

    /// Sends the gathered edits and prints each line's result, as if each
    /// had been sent alone; whether the batch goes on.
    fn send_gathered(&mut self, engine: &mut Engine) -> anyhow::Result<bool> {
        if self.gathered.is_empty() {
            return Ok(true);
        }
        let replies = engine.send_stretch(self.options.keep_going);
        for (line, reply) in std::mem::take(&mut self.gathered).iter().zip(&replies) {
            if !self.print(&line.news, &line.prompt, &line.command, reply)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl Engine {
    /// Whether `line` is an edit a batch may send with its neighbours.
    fn gathers(&self, line: &str) -> bool {
        if self.config.is_none() || line.trim_end().ends_with('?') || after_top(line).is_some() {
            return false;
        }
        self.language().parse(line).is_ok_and(|p| p.pipes.is_empty() && EDITS.contains(&p.command.action))
    }

    /// Sends the stretch of gathered edits, in requests of at most
    /// [`STRETCH_MAX`]: a reply for each edit sent, the last the failure
    /// that ended the stretch if one did. With `keep_going`, the edits
    /// after a failure are sent on.
    fn send_stretch(&mut self, keep_going: bool) -> Vec<Reply> {
        let edits = self.stretch.take().unwrap_or_default();
        let mut replies = Vec::with_capacity(edits.len());
        while replies.len() < edits.len() {
            let start = replies.len();
            let chunk = edits[start..edits.len().min(start + STRETCH_MAX)].to_vec();
            // A request that fails whole fails at its first edit.
            let results = self.session().client.edit_stretch(chunk).unwrap_or_else(|e| vec![Err(e)]);
            let Some(last) = results.last() else { break };
            let failed = last.is_err();
            for result in results {
                replies.push(match result {
                    Ok(warning) if warning.is_empty() => Reply::default(),
                    Ok(warning) => self.present(&format!("warning: {warning}\n"), &Pipeline::default()),
                    Err(e) => self.refusal(e.into()),
                });
            }
            if failed && !keep_going {
                break;
            }
        }
        replies
    }
}
