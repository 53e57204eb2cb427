//! The batch front end: commands from `-c`, a file, or standard input, run in
//! order with their output on stdout and failures on stderr.

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;

use anyhow::Context;

use super::{Engine, ShellOptions};

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
    // `load ... terminal` takes the lines after it, up to one that is `^D`.
    let lines = Rc::new(RefCell::new(lines));
    let input = lines.clone();
    engine.set_reader(Box::new(move |banner| {
        print!("{banner}");
        let mut text = String::new();
        while let Some(Ok(line)) = input.borrow_mut().next() {
            if line.trim() == "^D" {
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
    let mut all_ok = true;
    let stdout = std::io::stdout();
    loop {
        let next = lines.borrow_mut().next();
        let Some(line) = next else { break };
        let line = line.context("cannot read commands")?;
        let command = line.trim();
        if command.is_empty() || command.starts_with('#') {
            continue;
        }
        let prompt = engine.prompt();
        let mut out = stdout.lock();
        out.write_all(engine.broadcasts().as_bytes())?;
        if options.batch.echo {
            if let Some(notice) = &prompt.notice {
                writeln!(out, "{notice}")?;
            }
            writeln!(out, "{}\n{}{command}", prompt.role, prompt.text)?;
        }
        let reply = engine.execute(command);
        out.write_all(reply.output.as_bytes())?;
        if options.batch.echo {
            writeln!(out)?;
        }
        out.flush()?;
        drop(out);
        if let Some(failure) = &reply.failure {
            eprint!("{}", failure.render(&prompt.text, command, true));
            all_ok = false;
            if !options.batch.keep_going {
                break;
            }
        }
        if reply.exit {
            break;
        }
    }
    Ok(all_ok)
}
