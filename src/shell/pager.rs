//! `---(more)---`: output longer than a screen stops until the reader asks for
//! more. The pager is a state machine over lines so that any front end (the
//! local terminal, an SSH channel) can drive it with its own keys.

use super::Reply;

/// A front end's screen, as [`show`] uses it: where text goes, and the key
/// the reader presses at the `---(more)---` prompt.
pub trait Screen {
    fn put(&mut self, text: &str);
    fn key(&mut self) -> Key;
}

/// Shows a command's reply: its output, through the pager when longer than
/// `length` rows (and the reply may be paged), then its failure, with the
/// caret under `line` typed after `prompt`.
pub fn show(screen: &mut dyn Screen, reply: &Reply, length: usize, prompt: &str, line: &str) {
    let lines = |lines: Vec<&str>| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    match reply.paginate.then(|| Pager::new(&reply.output, length)).flatten() {
        None => screen.put(&reply.output),
        Some(mut pager) => {
            screen.put(&lines(pager.start()));
            while !pager.done() {
                screen.put(&pager.prompt());
                let key = screen.key();
                screen.put(ERASE);
                match pager.press(key) {
                    Some(shown) => screen.put(&lines(shown)),
                    None => break,
                }
            }
        }
    }
    if let Some(failure) = &reply.failure {
        screen.put(&failure.render(prompt, line, false));
    }
}

/// What the reader pressed at the `---(more)---` prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Space: the next page.
    Page,
    /// Enter: one more line.
    Line,
    /// `q` or Ctrl-C: the rest is not shown.
    Quit,
    /// Anything else is ignored.
    Other,
}

impl Key {
    pub fn from_byte(b: u8) -> Key {
        match b {
            b' ' => Key::Page,
            b'\r' | b'\n' => Key::Line,
            b'q' | b'Q' | 0x03 => Key::Quit,
            _ => Key::Other,
        }
    }
}

/// The prompt's erasure: Junos overwrites it with spaces, and automation
/// strips exactly this sequence.
const ERASE: &str = "\r                                        \r";

pub struct Pager<'a> {
    lines: Vec<&'a str>,
    shown: usize,
    /// Lines on a page, leaving the last row for the prompt.
    page: usize,
}

impl<'a> Pager<'a> {
    /// `None` when the text fits on one screen of `length` rows (or paging is off).
    pub fn new(text: &'a str, length: usize) -> Option<Pager<'a>> {
        let lines: Vec<&str> = text.lines().collect();
        if length < 2 || lines.len() < length {
            return None;
        }
        Some(Pager { lines, shown: 0, page: length - 1 })
    }

    /// The first page.
    pub fn start(&mut self) -> Vec<&'a str> {
        self.take(self.page)
    }

    fn take(&mut self, n: usize) -> Vec<&'a str> {
        let end = (self.shown + n).min(self.lines.len());
        let taken = self.lines[self.shown..end].to_vec();
        self.shown = end;
        taken
    }

    pub fn done(&self) -> bool {
        self.shown >= self.lines.len()
    }

    /// `---(more N%)---`, N being how much has been shown.
    pub fn prompt(&self) -> String {
        format!("---(more {}%)---", self.shown * 100 / self.lines.len())
    }

    /// The lines a key press shows; `None` once the reader has quit.
    pub fn press(&mut self, key: Key) -> Option<Vec<&'a str>> {
        match key {
            Key::Page => Some(self.take(self.page)),
            Key::Line => Some(self.take(1)),
            Key::Quit => {
                self.shown = self.lines.len();
                None
            }
            Key::Other => Some(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_by_screen_and_line_and_stops_on_quit() {
        let text: String = (1..=10).map(|n| format!("{n}\n")).collect();
        assert!(Pager::new(&text, 0).is_none());
        assert!(Pager::new(&text, 11).is_none());
        let mut pager = Pager::new(&text, 4).unwrap();
        assert_eq!(pager.start(), ["1", "2", "3"]);
        assert_eq!(pager.prompt(), "---(more 30%)---");
        assert_eq!(pager.press(Key::Line), Some(vec!["4"]));
        assert_eq!(pager.press(Key::Other), Some(vec![]));
        assert_eq!(pager.press(Key::Page), Some(vec!["5", "6", "7"]));
        assert!(!pager.done());
        assert_eq!(pager.press(Key::Quit), None);
        assert!(pager.done());
        assert_eq!(Key::from_byte(b' '), Key::Page);
        assert_eq!(Key::from_byte(b'\r'), Key::Line);
        assert_eq!(Key::from_byte(3), Key::Quit);
    }
}
