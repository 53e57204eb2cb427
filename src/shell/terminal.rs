//! The local terminal, for the pager: its size, and single key presses read
//! without waiting for Enter.

use std::io::Read;

use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex};

use super::settings::TerminalSize;

/// The size of the terminal on standard output, if it is one.
pub fn size() -> Option<TerminalSize> {
    let size = termios::tcgetwinsize(rustix::stdio::stdout()).ok()?;
    (size.ws_row > 0 && size.ws_col > 0).then_some(TerminalSize { rows: size.ws_row, columns: size.ws_col })
}

/// Reads a line from standard input without echoing it (a password); the
/// line end is echoed, so what follows starts on a line of its own.
pub fn read_hidden_line() -> std::io::Result<Option<String>> {
    let stdin = rustix::stdio::stdin();
    let saved = termios::tcgetattr(stdin).ok();
    if let Some(saved) = &saved {
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        termios::tcsetattr(stdin, OptionalActions::Now, &quiet)?;
    }
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if let Some(saved) = &saved {
        termios::tcsetattr(stdin, OptionalActions::Now, saved)?;
        println!();
    }
    Ok((read? > 0).then(|| line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Reads one key press from standard input, with echo and line editing off
/// for just that read.
pub fn read_key() -> std::io::Result<u8> {
    let stdin = rustix::stdio::stdin();
    let saved = termios::tcgetattr(stdin)?;
    let mut raw = saved.clone();
    raw.local_modes.remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG);
    raw.special_codes[SpecialCodeIndex::VMIN] = 1;
    raw.special_codes[SpecialCodeIndex::VTIME] = 0;
    termios::tcsetattr(stdin, OptionalActions::Now, &raw)?;
    let mut key = [0u8];
    let read = std::io::stdin().lock().read_exact(&mut key);
    termios::tcsetattr(stdin, OptionalActions::Now, &saved)?;
    read.map(|()| key[0])
}

/// Runs `f` with the terminal's signal keys off, so that Ctrl-C typed at
/// what `f` shows (a question, the pager, a load) arrives as a key rather
/// than as a signal, however soon after it appears.
pub fn without_signals<T>(f: impl FnOnce() -> T) -> T {
    let stdin = rustix::stdio::stdin();
    let saved = termios::tcgetattr(stdin).ok();
    if let Some(saved) = &saved {
        let mut keys = saved.clone();
        keys.local_modes.remove(LocalModes::ISIG);
        let _ = termios::tcsetattr(stdin, OptionalActions::Now, &keys);
    }
    let done = f();
    if let Some(saved) = &saved {
        let _ = termios::tcsetattr(stdin, OptionalActions::Now, saved);
    }
    done
}
