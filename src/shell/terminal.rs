//! The local terminal, for the pager: its size, and single key presses read
//! without waiting for Enter.

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
    let _keys = Keys::take()?;
    byte()
}

/// One byte from standard input, read past its buffer: keys typed ahead stay
/// with the terminal, where a wait for the next key (`poll`) sees them.
fn byte() -> std::io::Result<u8> {
    let mut key = [0u8];
    loop {
        match rustix::io::read(rustix::stdio::stdin(), &mut key) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => return Ok(key[0]),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// The terminal with keys read one at a time and Ctrl-C a key, not a
/// signal, for as long as this is held: a live view reads `q` or Ctrl-C
/// between its refreshes, and a Ctrl-C typed while it fetches the next one
/// still ends it.
pub struct Keys {
    saved: termios::Termios,
}

impl Keys {
    pub fn take() -> std::io::Result<Keys> {
        let stdin = rustix::stdio::stdin();
        let saved = termios::tcgetattr(stdin)?;
        let mut raw = saved.clone();
        raw.local_modes.remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG);
        raw.special_codes[SpecialCodeIndex::VMIN] = 1;
        raw.special_codes[SpecialCodeIndex::VTIME] = 0;
        termios::tcsetattr(stdin, OptionalActions::Now, &raw)?;
        Ok(Keys { saved })
    }

    /// The next key pressed within `wait` (without one, however long it
    /// takes); `None` when none was.
    pub fn within(&self, wait: Option<std::time::Duration>) -> std::io::Result<Option<u8>> {
        let stdin = rustix::stdio::stdin();
        let timeout = wait.map(|wait| rustix::event::Timespec {
            tv_sec: wait.as_secs().try_into().unwrap_or(i64::MAX),
            tv_nsec: wait.subsec_nanos().into(),
        });
        let mut fds = [rustix::event::PollFd::new(&stdin, rustix::event::PollFlags::IN)];
        match rustix::event::poll(&mut fds, timeout.as_ref()) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            // A window resized: no key yet.
            Err(rustix::io::Errno::INTR) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        byte().map(Some)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &self.saved);
    }
}

/// Reads a line typed at the pager's `/`, echoed as typed; `None` on Ctrl-C
/// (or when there is nothing to read).
pub fn read_echoed_line() -> Option<String> {
    use std::io::Write;
    let keys = Keys::take().ok()?;
    let mut line = String::new();
    let mut bytes = Vec::new();
    let echo = |text: &str| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    };
    loop {
        match keys.within(None).ok()?? {
            b'\r' | b'\n' => {
                echo("\n");
                return Some(line);
            }
            0x03 => return None,
            0x7f | 0x08 => {
                if line.pop().is_some() {
                    echo("\x08 \x08");
                }
            }
            b if b < 0x20 => {}
            b => {
                bytes.push(b);
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    echo(text);
                    line.push_str(text);
                    bytes.clear();
                } else if bytes.len() >= 4 {
                    bytes.clear();
                }
            }
        }
    }
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
