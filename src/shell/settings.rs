//! A session's CLI settings (`set cli ...`): how its output is paged, wrapped
//! and stamped. They belong to the session, not to the configuration.

use std::fmt::Write;

/// The terminal a session runs on, as its front end reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    pub rows: u16,
    pub columns: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliSettings {
    /// Lines per page; `None` follows the terminal, 0 turns the pager off.
    pub screen_length: Option<u32>,
    /// Characters per line; `None` follows the terminal, 0 turns wrapping off.
    pub screen_width: Option<u32>,
    pub complete_on_space: bool,
    pub timestamp: bool,
    /// Minutes of silence before the session ends; `None` never.
    pub idle_timeout: Option<u32>,
    /// `set cli prompt`: shown instead of `user@host> `.
    pub prompt: Option<String>,
}

impl Default for CliSettings {
    fn default() -> CliSettings {
        CliSettings {
            screen_length: None,
            screen_width: None,
            complete_on_space: true,
            timestamp: false,
            idle_timeout: None,
            prompt: None,
        }
    }
}

impl CliSettings {
    /// The page length in force: set, or the terminal's, or none (0).
    pub fn effective_length(&self, terminal: Option<TerminalSize>) -> u32 {
        self.screen_length.unwrap_or_else(|| terminal.map_or(0, |t| u32::from(t.rows)))
    }

    /// The line width in force: set, or the terminal's, or none (0).
    pub fn effective_width(&self, terminal: Option<TerminalSize>) -> u32 {
        self.screen_width.unwrap_or_else(|| terminal.map_or(0, |t| u32::from(t.columns)))
    }

    /// `show cli`.
    pub fn show(&self, terminal: Option<TerminalSize>) -> String {
        let on_off = |b: bool| if b { "on" } else { "off" };
        let mut out = String::new();
        let _ = writeln!(out, "CLI complete-on-space set to {}", on_off(self.complete_on_space));
        match self.idle_timeout {
            Some(minutes) => {
                let _ = writeln!(out, "CLI idle-timeout set to {minutes} minutes");
            }
            None => out.push_str("CLI idle-timeout disabled\n"),
        }
        let _ = writeln!(out, "CLI screen-length set to {}", self.effective_length(terminal));
        let _ = writeln!(out, "CLI screen-width set to {}", self.effective_width(terminal));
        if self.timestamp {
            out.push_str("CLI timestamp set to: %b %d %T\n");
        } else {
            out.push_str("CLI timestamp disabled\n");
        }
        out
    }
}

/// Breaks lines longer than `width` characters, as a terminal of that width
/// would show them; 0 leaves them whole.
pub fn wrap(text: &str, width: usize) -> String {
    if width == 0 || text.lines().all(|l| l.chars().count() <= width) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + text.len() / width);
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            out.push('\n');
        }
        for chunk in chars.chunks(width) {
            out.extend(chunk);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_cli_reflects_each_setting() {
        let terminal = Some(TerminalSize { rows: 40, columns: 100 });
        let mut s = CliSettings::default();
        assert_eq!(
            s.show(terminal),
            "CLI complete-on-space set to on\nCLI idle-timeout disabled\nCLI screen-length set to 40\n\
             CLI screen-width set to 100\nCLI timestamp disabled\n"
        );
        s.screen_length = Some(0);
        s.screen_width = Some(511);
        s.complete_on_space = false;
        s.timestamp = true;
        s.idle_timeout = Some(10);
        assert_eq!(
            s.show(None),
            "CLI complete-on-space set to off\nCLI idle-timeout set to 10 minutes\nCLI screen-length set to 0\n\
             CLI screen-width set to 511\nCLI timestamp set to: %b %d %T\n"
        );
    }

    #[test]
    fn long_lines_wrap_at_the_width() {
        assert_eq!(wrap("abcdef\n\nxy\n", 4), "abcd\nef\n\nxy\n");
        assert_eq!(wrap("abcdef\n", 0), "abcdef\n");
    }
}
