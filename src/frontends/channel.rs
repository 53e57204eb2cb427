//! The CLI over a byte stream: an SSH channel's session. Keys arrive as bytes
//! and are echoed at once, output leaves with `\r\n` line ends and no escape
//! sequences, and every prompt is preceded by the role line, so that
//! automation reading the stream (netmiko, scrapli) sees what a router sends.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver};

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

use crate::grammar::in_quote;
use crate::shell::pager::{self, Key, Screen};
use crate::shell::{Engine, LineCompleter, TerminalSize, live, take_typed};

/// How much a session may have been sent and not read yet. Past it its
/// connection stops taking more from the client, as a full TCP window would,
/// so a client cannot fill the agent's memory faster than the session reads.
pub const INPUT_WINDOW: usize = 4 << 20;

/// The bytes of the window a chunk takes (one larger than the window takes
/// all of it, so that it still passes).
fn window_cost(chunk: usize) -> u32 {
    chunk.min(INPUT_WINDOW) as u32
}

/// A session's input: what the connection hands it, and what it reads.
pub fn input() -> (Typed, Keys) {
    let (tx, rx) = mpsc::channel();
    let window = Arc::new(Semaphore::new(INPUT_WINDOW));
    let doorbell = Doorbell(Arc::new(Mutex::new(Some(tx.clone()))));
    (
        Typed { tx, window: window.clone(), doorbell: doorbell.clone() },
        Keys { input: rx, buffered: VecDeque::new(), timed_out: false, window, doorbell },
    )
}

/// Wakes a session waiting for a key because the REs said something: an
/// empty chunk among the keys. It holds the input open only while the
/// connection does.
#[derive(Clone)]
struct Doorbell(Arc<Mutex<Option<mpsc::Sender<Vec<u8>>>>>);

impl Doorbell {
    fn ring(&self) {
        if let Some(tx) = &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            let _ = tx.send(Vec::new());
        }
    }
}

/// The connection's end of a session's input.
pub struct Typed {
    tx: mpsc::Sender<Vec<u8>>,
    window: Arc<Semaphore>,
    doorbell: Doorbell,
}

impl Drop for Typed {
    fn drop(&mut self) {
        // The connection is gone: the session's input ends.
        self.doorbell.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

impl Typed {
    /// Hands bytes to the session, once the window has room for them;
    /// dropped if the session has ended.
    pub async fn send(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Ok(room) = self.window.acquire_many(window_cost(bytes.len())).await {
            room.forget();
            let _ = self.tx.send(bytes.to_vec());
        }
    }
}

/// What the client typed, as it arrives; ends when the channel does.
pub struct Keys {
    input: Receiver<Vec<u8>>,
    buffered: VecDeque<u8>,
    /// The last wait for a key ran out (rather than the client closing).
    timed_out: bool,
    /// Given back as chunks are taken from `input`.
    window: Arc<Semaphore>,
    doorbell: Doorbell,
}

/// What waiting for a key brought.
enum Input {
    Byte(u8),
    /// The REs said something (the doorbell rang).
    News,
}

impl Drop for Keys {
    fn drop(&mut self) {
        // Nobody reads any more: the connection must not wait for room.
        self.window.close();
    }
}

impl Keys {
    /// A chunk taken off the input, its room given back.
    fn take(&mut self, chunk: Vec<u8>) {
        self.window.add_permits(window_cost(chunk.len()) as usize);
        self.buffered.extend(chunk);
    }

    /// The next byte or word of news, waiting for it (at most `idle`, if
    /// given); `None` once the client has closed or the wait ran out.
    fn next(&mut self, idle: Option<Duration>) -> Option<Input> {
        while self.buffered.is_empty() {
            let chunk = match idle {
                None => self.input.recv().ok()?,
                Some(idle) => match self.input.recv_timeout(idle) {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        self.timed_out = e == mpsc::RecvTimeoutError::Timeout;
                        return None;
                    }
                },
            };
            if chunk.is_empty() {
                return Some(Input::News);
            }
            self.take(chunk);
        }
        self.buffered.pop_front().map(Input::Byte)
    }
}

impl Read for Keys {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // An empty chunk is the doorbell, not the end.
        while self.buffered.is_empty() {
            match self.input.recv() {
                Ok(bytes) => self.take(bytes),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.buffered.len());
        for (slot, byte) in buf.iter_mut().zip(self.buffered.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

/// The size the client's terminal has now: set by its pty request and
/// changed by its window-change requests.
pub type SharedSize = Arc<Mutex<Option<TerminalSize>>>;

/// `\n` as the terminal wants it.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(c);
        previous = c;
    }
    out
}

/// How a line being edited ended.
#[derive(Debug, PartialEq, Eq)]
enum Edited {
    Line(String),
    /// `?` was typed (outside quotes) after this text.
    Help(String),
    /// Ctrl-C: the line is abandoned.
    Interrupted,
    /// The client closed the channel, or typed Ctrl-D on an empty line.
    End,
    /// The REs said something while this was typed: shown, the line goes on.
    News(String),
}

/// What a line being edited is, and so which keys do more than type.
#[derive(Clone, Copy)]
enum LineKind<'a> {
    /// An answer, a password (not echoed), or a line of text to load.
    Plain { echo: bool },
    /// A command line: `?`, TAB and Space complete from `completer`.
    Command { completer: &'a LineCompleter, complete_on_space: bool },
}

/// Both directions of the channel, with the line editor between them.
pub struct Terminal {
    keys: Keys,
    out: Box<dyn Write>,
    /// A `\r` ended the last line: a `\n` or NUL right after it belongs to it.
    after_cr: bool,
    /// How long the prompt waits for a key (`set cli idle-timeout`).
    idle: Option<Duration>,
}

const BACKSPACE: &str = "\x08 \x08";

impl Terminal {
    pub fn new(keys: Keys, out: Box<dyn Write>) -> Terminal {
        Terminal { keys, out, after_cr: false, idle: None }
    }

    /// Writes text, `\n` made `\r\n`. A client that has gone away is noticed
    /// at the next read.
    pub fn write(&mut self, text: &str) {
        let _ = self.out.write_all(crlf(text).as_bytes());
        let _ = self.out.flush();
    }

    /// The next key, with the line feed of a `\r\n` (or `\r\0`) left out.
    fn key(&mut self) -> Option<u8> {
        loop {
            if let Input::Byte(byte) = self.input()? {
                return Some(byte);
            }
        }
    }

    /// The next key or word of news, as `key` waits for it.
    fn input(&mut self) -> Option<Input> {
        loop {
            let Input::Byte(byte) = self.keys.next(self.idle)? else { return Some(Input::News) };
            let follows_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            if follows_cr && (byte == b'\n' || byte == 0) {
                continue;
            }
            return Some(Input::Byte(byte));
        }
    }

    /// Skips the rest of an escape sequence (arrow keys and the like): the
    /// line is edited at its end only.
    fn skip_escape(&mut self) {
        match self.key() {
            Some(b'[') => {
                while let Some(b) = self.key() {
                    if (0x40..=0x7e).contains(&b) {
                        break;
                    }
                }
            }
            Some(b'O') => {
                self.key();
            }
            _ => {}
        }
    }

    /// Removes the last character of `line`, and from the screen if shown.
    fn rub_out(&mut self, line: &mut String, echo: bool) -> bool {
        let Some(c) = line.pop() else { return false };
        if echo && !c.is_control() {
            self.write(BACKSPACE);
        }
        true
    }

    /// Ctrl-W: the word before the cursor, and the spaces after it.
    fn rub_out_word(&mut self, line: &mut String, echo: bool) {
        while line.ends_with(' ') && self.rub_out(line, echo) {}
        while !line.is_empty() && !line.ends_with(' ') && self.rub_out(line, echo) {}
    }

    /// Reads a line: echoed or not, with Backspace and Ctrl-U. `None` when
    /// the channel ends or Ctrl-D is typed on an empty line.
    pub fn read_line(&mut self, echo: bool) -> Option<String> {
        match self.edit("", LineKind::Plain { echo }) {
            Edited::Line(line) | Edited::Help(line) | Edited::News(line) => Some(line),
            Edited::Interrupted => Some(String::new()),
            Edited::End => None,
        }
    }

    /// Gathers the bytes of one character; the character once whole.
    /// Control bytes that edit nothing are dropped.
    fn take_utf8(&self, pending: &mut Vec<u8>, byte: u8) -> Option<char> {
        if byte < 0x20 && pending.is_empty() {
            return (byte == b'\t').then_some(' ');
        }
        pending.push(byte);
        match std::str::from_utf8(pending) {
            Ok(text) => {
                let c = text.chars().next();
                pending.clear();
                c
            }
            Err(e) if e.error_len().is_some() || pending.len() >= 4 => {
                pending.clear();
                None
            }
            Err(_) => None,
        }
    }

    /// Edits a line after a prompt already shown, starting from `initial`
    /// (shown here). A command line also takes `?` (help), TAB and Space
    /// (completion, Space only when `complete_on_space`).
    fn edit(&mut self, initial: &str, keys: LineKind<'_>) -> Edited {
        let mut line = initial.to_owned();
        self.write(&line);
        let echo = !matches!(keys, LineKind::Plain { echo: false });
        let mut pending = Vec::new();
        let mut full = false;
        loop {
            let key = match self.input() {
                None => return Edited::End,
                Some(Input::Byte(key)) => key,
                // A command line makes way for news; other reads take it after.
                Some(Input::News) if matches!(keys, LineKind::Command { .. }) => return Edited::News(line),
                Some(Input::News) => continue,
            };
            let command = match keys {
                LineKind::Command { completer, complete_on_space } if !in_quote(&line) => {
                    Some((completer, complete_on_space))
                }
                _ => None,
            };
            match (key, command) {
                (b'\r' | b'\n', _) => {
                    self.write("\n");
                    return Edited::Line(line);
                }
                (b'?', Some(_)) => {
                    self.write("?\n");
                    return Edited::Help(line);
                }
                (b'\t', Some((completer, _))) => self.complete(&mut line, completer, false),
                (b' ', Some((completer, true))) if !line.ends_with(char::is_whitespace) => {
                    self.complete(&mut line, completer, true);
                    if !line.ends_with(' ') {
                        line.push(' ');
                        self.write(" ");
                    }
                }
                (0x03, _) => {
                    self.write("^C\n");
                    return Edited::Interrupted;
                }
                (0x04, _) if line.is_empty() => return Edited::End,
                (0x7f | 0x08, _) => {
                    self.rub_out(&mut line, echo);
                }
                (0x15, _) => while self.rub_out(&mut line, echo) {},
                (0x17, _) => self.rub_out_word(&mut line, echo),
                (0x1b, _) => self.skip_escape(),
                (b, _) => {
                    let Some(typed) = self.take_utf8(&mut pending, b) else { continue };
                    // A full line takes no more, as a terminal's line
                    // discipline drops what passes MAX_CANON: it rings once.
                    if line.len() + typed.len_utf8() > crate::MAX_LINE_BYTES {
                        if !std::mem::replace(&mut full, true) {
                            self.write("\x07");
                        }
                        continue;
                    }
                    if echo {
                        self.write(typed.encode_utf8(&mut [0; 4]));
                    }
                    line.push(typed);
                }
            }
        }
    }

    /// TAB: the word being typed completed as far as it is unambiguous, the
    /// choices listed when it is not. Space (`quiet`) only completes.
    fn complete(&mut self, line: &mut String, completer: &LineCompleter, quiet: bool) {
        let (start, words) = completer.complete_word(line);
        let typed = line[start.min(line.len())..].to_owned();
        let common = common_prefix(&words);
        let addition = match words.as_slice() {
            [only] => format!("{} ", only.strip_prefix(typed.as_str()).unwrap_or(only)),
            _ => common.strip_prefix(typed.as_str()).unwrap_or("").to_owned(),
        };
        if !addition.is_empty() && (words.len() == 1 || common.starts_with(typed.as_str())) {
            if !words[0].starts_with(typed.as_str()) {
                // Typed in another case: the word replaces what was typed.
                for _ in typed.chars() {
                    self.rub_out(line, true);
                }
            }
            line.push_str(&addition);
            self.write(&addition);
            return;
        }
        if !quiet && words.len() > 1 {
            self.write(&format!("\n{}\n", words.join(" ")));
            self.write(line);
        }
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some((first, rest)) = words.split_first() else { return String::new() };
    let mut prefix = first.as_str();
    for w in rest {
        let same = prefix
            .char_indices()
            .zip(w.chars())
            .find(|((_, a), b)| a != b)
            .map_or(prefix.len().min(w.len()), |((i, _), _)| i);
        prefix = &prefix[..same];
    }
    prefix.to_owned()
}

/// Runs the CLI session until `exit`, the end of the channel, or a logout.
pub fn run(engine: &mut Engine, terminal: Terminal, size: SharedSize) {
    let terminal = Rc::new(RefCell::new(terminal));
    let asking = terminal.clone();
    engine.set_asker(Box::new(move |before, question, default| {
        let mut t = asking.borrow_mut();
        t.write(&format!("{before}{question} "));
        match t.edit("", LineKind::Plain { echo: true }) {
            Edited::Interrupted => false,
            Edited::Line(answer) | Edited::Help(answer) | Edited::News(answer)
                if !answer.trim().is_empty() =>
            {
                "yes".starts_with(answer.trim())
            }
            _ => default,
        }
    }));
    let secrets = terminal.clone();
    engine.set_secret_reader(Box::new(move |prompt| {
        let mut t = secrets.borrow_mut();
        t.write(prompt);
        t.read_line(false)
    }));
    let loads = terminal.clone();
    engine.set_reader(Box::new(move |banner| {
        let mut t = loads.borrow_mut();
        t.write(banner);
        let mut text = String::new();
        loop {
            match t.edit("", LineKind::Plain { echo: true }) {
                Edited::Line(line) | Edited::Help(line) | Edited::News(line) => {
                    take_typed(&mut text, &line);
                    take_typed(&mut text, "\n");
                }
                Edited::Interrupted => return None,
                Edited::End => return Some(text),
            }
        }
    }));
    let telling = terminal.clone();
    engine.set_teller(Box::new(move |line| telling.borrow_mut().write(&format!("{line}\n"))));

    let size_now = || *size.lock().unwrap_or_else(|e| e.into_inner());
    engine.set_terminal(size_now());
    if let Ok(banner) = engine.banner() {
        terminal.borrow_mut().write(&format!("{banner}\n"));
    }
    let doorbell = terminal.borrow().keys.doorbell.clone();
    engine.bulletin().on_post(Box::new(move || doorbell.ring()));
    let mut pending = String::new();
    loop {
        let mut before = engine.broadcasts();
        if engine.closed() {
            terminal.borrow_mut().write(&format!("{before}\n{}", engine.farewell()));
            break;
        }
        let prompt = engine.prompt();
        if let Some(notice) = &prompt.notice {
            before.push_str(&format!("\n{notice}"));
        }
        terminal.borrow_mut().write(&format!("{before}\n{}\n{}", prompt.role, prompt.text));
        let completer = engine.completer();
        let on_space = engine.settings().complete_on_space;
        let idle = engine.settings().idle_timeout.map(|minutes| Duration::from_secs(u64::from(minutes) * 60));
        let edited = {
            let mut t = terminal.borrow_mut();
            t.idle = idle;
            let edited = t.edit(
                &std::mem::take(&mut pending),
                LineKind::Command { completer: &completer, complete_on_space: on_space },
            );
            t.idle = None;
            edited
        };
        engine.set_terminal(size_now());
        let (reply, line) = match edited {
            Edited::End if terminal.borrow().keys.timed_out => {
                terminal.borrow_mut().write("\nIdle timeout exceeded: closing session\n");
                break;
            }
            Edited::End => break,
            Edited::Interrupted => continue,
            Edited::News(line) => {
                // The role may have changed with what was said (a switchover).
                engine.refresh_identity();
                terminal.borrow_mut().write("\n");
                pending = line;
                continue;
            }
            Edited::Help(before) => {
                let reply = engine.help(&before);
                pending = before.clone();
                (reply, before)
            }
            Edited::Line(line) => (engine.execute(&line), line),
        };
        pager::show(&mut *terminal.borrow_mut(), &reply, engine.page_length(), &prompt.text, &line);
        if let Some(live) = &reply.live {
            live::follow(engine, &mut *terminal.borrow_mut(), live);
        }
        if reply.exit {
            break;
        }
    }
}

impl Screen for Terminal {
    fn put(&mut self, text: &str) {
        self.write(text);
    }

    /// A client that has gone has nothing more to read.
    fn key(&mut self) -> Key {
        Terminal::key(self).map_or(Key::Quit, Key::from_byte)
    }

    fn line(&mut self) -> Option<String> {
        match self.edit("", LineKind::Plain { echo: true }) {
            Edited::Line(line) | Edited::Help(line) | Edited::News(line) => Some(line),
            Edited::Interrupted | Edited::End => None,
        }
    }
}

impl live::Watch for Terminal {
    fn put(&mut self, text: &str) {
        self.write(text);
    }

    /// A client that has gone has pressed `q`.
    fn key_within(&mut self, wait: Duration) -> Option<Key> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            match self.keys.next(Some(deadline.saturating_duration_since(std::time::Instant::now()))) {
                Some(Input::Byte(byte)) => return Some(Key::from_byte(byte)),
                // What the REs said waits for the prompt, after the display.
                Some(Input::News) => {}
                None if self.keys.timed_out => return None,
                None => return Some(Key::Quit),
            }
        }
    }
}

/// `ssh router "show version"`: the command's output, then the session
/// ends; `false` if it failed.
pub fn run_command(engine: &mut Engine, out: Box<dyn Write>, command: &str) -> bool {
    let out = Rc::new(RefCell::new(out));
    let telling = out.clone();
    engine.set_teller(Box::new(move |line| {
        let _ = writeln!(telling.borrow_mut(), "{line}");
    }));
    let reply = engine.execute(command);
    let mut text = reply.output.clone();
    if let Some(failure) = &reply.failure {
        text.push_str(&failure.render(&engine.prompt().text, command, true));
    }
    let mut out = out.borrow_mut();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    reply.failure.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terminal(input: &[&[u8]]) -> (Terminal, Arc<Mutex<Vec<u8>>>) {
        let (typed, keys) = super::input();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for chunk in input {
            rt.block_on(typed.send(chunk));
        }
        let written = Arc::new(Mutex::new(Vec::new()));
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        (Terminal::new(keys, Box::new(Sink(written.clone()))), written)
    }

    #[test]
    fn the_doorbell_wakes_a_wait_for_keys_and_does_not_hold_the_input_open() {
        let (typed, mut keys) = super::input();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(typed.send(b"s"));
        keys.doorbell.ring();
        assert!(matches!(keys.next(None), Some(Input::Byte(b's'))));
        assert!(matches!(keys.next(None), Some(Input::News)));
        let doorbell = keys.doorbell.clone();
        drop(typed);
        doorbell.ring();
        assert!(keys.next(None).is_none(), "the input ended with the connection");
    }

    #[test]
    fn a_plain_line_goes_on_through_news() {
        let (typed, keys) = super::input();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(typed.send(b"ye"));
        keys.doorbell.ring();
        rt.block_on(typed.send(b"s\r"));
        let mut t = Terminal::new(keys, Box::new(std::io::sink()));
        assert_eq!(t.read_line(true).as_deref(), Some("yes"));
    }

    #[test]
    fn lines_end_in_crlf_once() {
        assert_eq!(crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
    }

    #[test]
    fn a_line_is_echoed_as_typed_and_a_crlf_ends_it_once() {
        let (mut t, written) = terminal(&[b"shw", b"\x7fow\r", b"\nnext\n"]);
        assert_eq!(t.read_line(true).as_deref(), Some("show"));
        assert_eq!(t.read_line(true).as_deref(), Some("next"));
        assert_eq!(t.read_line(true), None);
        assert_eq!(String::from_utf8_lossy(&written.lock().unwrap()), "shw\x08 \x08ow\r\nnext\r\n");
    }

    #[test]
    fn a_hidden_line_echoes_only_its_end() {
        let (mut t, written) = terminal(&[b"secret\r"]);
        assert_eq!(t.read_line(false).as_deref(), Some("secret"));
        assert_eq!(String::from_utf8_lossy(&written.lock().unwrap()), "\r\n");
    }

    #[test]
    fn arrows_and_controls_change_nothing_and_ctrl_u_clears() {
        let (mut t, _) = terminal(&[b"ab\x1b[Dc\x01\x15xyz\x17q\r", "é\r".as_bytes()]);
        assert_eq!(t.read_line(true).as_deref(), Some("q"));
        assert_eq!(t.read_line(true).as_deref(), Some("é"));
    }

    #[test]
    fn a_silent_client_times_out_and_a_closed_one_does_not() {
        let (typed, mut keys) = super::input();
        assert!(keys.next(Some(Duration::from_millis(1))).is_none());
        assert!(keys.timed_out);
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(typed.send(b"x"));
        drop(typed);
        assert!(matches!(keys.next(Some(Duration::from_millis(1))), Some(Input::Byte(b'x'))));
        assert!(keys.next(Some(Duration::from_secs(60))).is_none());
        assert!(!keys.timed_out);
    }

    #[test]
    fn a_sender_waits_for_room_until_the_session_reads_or_ends() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let (typed, mut keys) = super::input();
        let full = vec![b'x'; INPUT_WINDOW];
        rt.block_on(typed.send(&full));
        let waits =
            rt.block_on(async { tokio::time::timeout(Duration::from_millis(20), typed.send(b"y")).await });
        assert!(waits.is_err(), "a full window took more");
        assert!(matches!(keys.next(None), Some(Input::Byte(b'x'))));
        rt.block_on(typed.send(b"y"));
        drop(keys);
        rt.block_on(typed.send(&full));
    }

    #[test]
    fn a_line_stops_growing_at_the_longest_command_line() {
        let mut typed = vec![b'a'; 2 * crate::MAX_LINE_BYTES];
        typed.extend_from_slice(b"\rshow\r");
        let (mut t, written) = terminal(&[&typed]);
        assert_eq!(t.read_line(true).map(|l| l.len()), Some(crate::MAX_LINE_BYTES));
        assert_eq!(t.read_line(true).as_deref(), Some("show"));
        let echoed = written.lock().unwrap();
        assert_eq!(echoed.iter().filter(|&&b| b == 0x07).count(), 1, "the bell rings once");
        assert_eq!(echoed.len(), crate::MAX_LINE_BYTES + 1 + 2 + 6);
    }

    #[test]
    fn common_prefixes() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&words(&["chassis", "cli"])), "c");
        assert_eq!(common_prefix(&words(&["routing-engine", "routing-options"])), "routing-");
        assert_eq!(common_prefix(&words(&["only"])), "only");
        assert_eq!(common_prefix(&[]), "");
    }
}
