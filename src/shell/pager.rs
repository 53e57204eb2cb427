//! `---(more)---`: output longer than a screen stops until the reader asks for
//! more. The pager is a state machine over lines so that any front end (the
//! local terminal, an SSH channel) can drive it with its own keys.

use super::Reply;

/// A front end's screen, as [`show`] uses it: where text goes, the key the
/// reader presses at the `---(more)---` prompt, and the text typed after `/`.
pub trait Screen {
    fn put(&mut self, text: &str);
    fn key(&mut self) -> Key;
    /// A line typed and echoed after what is on the screen; `None` when the
    /// reader gave up (Ctrl-C) or went away.
    fn line(&mut self) -> Option<String>;
}

/// Shows a command's reply: its output, through the pager when longer than
/// `length` rows (and the reply may be paged), then its failure, with the
/// caret under `line` typed after `prompt`.
pub fn show(screen: &mut dyn Screen, reply: &Reply, length: usize, prompt: &str, line: &str) {
    match reply.paginate.then(|| Pager::new(&reply.output, length)).flatten() {
        None => screen.put(&reply.output),
        Some(mut pager) => {
            screen.put(&pager.start());
            while !pager.done() {
                screen.put(&pager.prompt());
                let key = screen.key();
                let shown = match key {
                    Key::Search => {
                        screen.put("/");
                        screen.line().map(|pattern| pager.search(&pattern))
                    }
                    key => pager.press(key),
                };
                screen.put(ERASE);
                match shown {
                    Some(text) => screen.put(&text),
                    None if key == Key::Search => {}
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
    /// Enter (or `j`): one more line.
    Line,
    /// `q` or Ctrl-C: the rest is not shown.
    Quit,
    /// `/`: a pattern follows, to search forward for.
    Search,
    /// `n`: the pattern's next occurrence.
    Next,
    /// `N`: its previous occurrence.
    Previous,
    /// `G`: the last page.
    End,
    /// `g`: the first page again.
    Start,
    /// `h`: the keys and what they do.
    Help,
    /// Anything else is ignored.
    Other,
}

impl Key {
    pub fn from_byte(b: u8) -> Key {
        match b {
            b' ' => Key::Page,
            b'\r' | b'\n' | b'j' => Key::Line,
            b'q' | b'Q' | 0x03 => Key::Quit,
            b'/' => Key::Search,
            b'n' => Key::Next,
            b'N' => Key::Previous,
            b'G' => Key::End,
            b'g' => Key::Start,
            b'h' => Key::Help,
            _ => Key::Other,
        }
    }
}

/// The prompt's erasure: Junos overwrites it with spaces, and automation
/// strips exactly this sequence.
const ERASE: &str = "\r                                        \r";

/// `h` at the prompt, laid out as Junos's pager lists its keys.
const HELP: &str = "
                    SUMMARY OF MORE COMMANDS

    -- Get Help --
    h                 *  Display this help.

    -- Scroll Down --
    Enter  Return  j  *  Scroll down one line.
    Space             *  Scroll down one whole screen.
    G                 *  Scroll down to the bottom of the output.

    -- Scroll Up --
    g                 *  Scroll up to the top of the output.

    -- Search --
    / <string>        *  Search forward for the string.
    n                 *  Search forward for the next occurrence of the string.
    N                 *  Search backward for the previous occurrence of the string.

    -- Misc --
    q  Q  ^C          *  Quit.

";

pub struct Pager<'a> {
    lines: Vec<&'a str>,
    shown: usize,
    /// Lines on a page, leaving the last row for the prompt.
    page: usize,
    /// What `/` last looked for, lowercased: `n` and `N` look for it again.
    pattern: Option<String>,
}

impl<'a> Pager<'a> {
    /// `None` when the text fits on one screen of `length` rows (or paging is off).
    pub fn new(text: &'a str, length: usize) -> Option<Pager<'a>> {
        let lines: Vec<&str> = text.lines().collect();
        if length < 2 || lines.len() < length {
            return None;
        }
        Some(Pager { lines, shown: 0, page: length - 1, pattern: None })
    }

    /// The first page.
    pub fn start(&mut self) -> String {
        self.take(self.page)
    }

    fn take(&mut self, n: usize) -> String {
        let end = (self.shown + n).min(self.lines.len());
        let mut taken = String::new();
        for line in &self.lines[self.shown..end] {
            taken.push_str(line);
            taken.push('\n');
        }
        self.shown = end;
        taken
    }

    /// A page from line `top` on: a pager on a line printer cannot scroll
    /// back, so going back shows the page again below.
    fn page_from(&mut self, top: usize) -> String {
        self.shown = top.min(self.lines.len());
        self.take(self.page)
    }

    /// The first line of the page on the screen.
    fn top(&self) -> usize {
        self.shown.saturating_sub(self.page)
    }

    pub fn done(&self) -> bool {
        self.shown >= self.lines.len()
    }

    /// `---(more N%)---`, N being how much has been shown.
    pub fn prompt(&self) -> String {
        format!("---(more {}%)---", self.shown * 100 / self.lines.len())
    }

    /// `/PATTERN`: the page from the next line (after the screen's top) that
    /// holds it, ignoring case. Empty, it repeats the last search.
    pub fn search(&mut self, pattern: &str) -> String {
        if !pattern.is_empty() {
            self.pattern = Some(pattern.to_lowercase());
        }
        self.find(true)
    }

    fn find(&mut self, forward: bool) -> String {
        let Some(pattern) = &self.pattern else { return "No previous search pattern\n".into() };
        let holds = |i: &usize| self.lines[*i].to_lowercase().contains(pattern.as_str());
        let top = self.top();
        let found =
            if forward { (top + 1..self.lines.len()).find(holds) } else { (0..top).rev().find(holds) };
        match found {
            Some(line) => self.page_from(line),
            None => "Pattern not found\n".into(),
        }
    }

    /// The text a key press shows; `None` once the reader has quit.
    pub fn press(&mut self, key: Key) -> Option<String> {
        match key {
            Key::Page => Some(self.take(self.page)),
            Key::Line => Some(self.take(1)),
            Key::Quit => {
                self.shown = self.lines.len();
                None
            }
            Key::Search => Some(self.find(true)),
            Key::Next => Some(self.find(true)),
            Key::Previous => Some(self.find(false)),
            Key::End => Some(self.page_from(self.lines.len().saturating_sub(self.page))),
            Key::Start => Some(self.page_from(0)),
            Key::Help => Some(HELP.to_owned()),
            Key::Other => Some(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    fn numbered(n: usize) -> String {
        (1..=n).map(|n| format!("line {n}\n")).collect()
    }

    #[test]
    fn pages_by_screen_and_line_and_stops_on_quit() {
        let text: String = (1..=10).map(|n| format!("{n}\n")).collect();
        assert!(Pager::new(&text, 0).is_none());
        assert!(Pager::new(&text, 11).is_none());
        let mut pager = Pager::new(&text, 4).unwrap();
        assert_eq!(pager.start(), "1\n2\n3\n");
        assert_eq!(pager.prompt(), "---(more 30%)---");
        assert_eq!(pager.press(Key::Line).as_deref(), Some("4\n"));
        assert_eq!(pager.press(Key::Other).as_deref(), Some(""));
        assert_eq!(pager.press(Key::Page).as_deref(), Some("5\n6\n7\n"));
        assert!(!pager.done());
        assert_eq!(pager.press(Key::Quit), None);
        assert!(pager.done());
        assert_eq!(Key::from_byte(b' '), Key::Page);
        assert_eq!(Key::from_byte(b'\r'), Key::Line);
        assert_eq!(Key::from_byte(3), Key::Quit);
    }

    #[test]
    fn end_and_start_show_the_last_and_first_pages() {
        let text = numbered(20);
        let mut pager = Pager::new(&text, 5).unwrap();
        pager.start();
        assert_eq!(pager.press(Key::Start).as_deref(), Some("line 1\nline 2\nline 3\nline 4\n"));
        assert_eq!(pager.press(Key::End).as_deref(), Some("line 17\nline 18\nline 19\nline 20\n"));
        assert!(pager.done(), "the end of the output ends the pager");
    }

    #[test]
    fn a_search_shows_the_page_from_the_match_and_n_and_capital_n_move_between_matches() {
        let text: String = (1..=30)
            .map(|n| format!("{}\n", if n % 10 == 0 { format!("Fan {n}") } else { format!("line {n}") }))
            .collect();
        let mut pager = Pager::new(&text, 4).unwrap();
        pager.start();
        assert_eq!(pager.search("fan"), "Fan 10\nline 11\nline 12\n");
        assert_eq!(pager.press(Key::Next).as_deref(), Some("Fan 20\nline 21\nline 22\n"));
        assert_eq!(pager.press(Key::Previous).as_deref(), Some("Fan 10\nline 11\nline 12\n"));
        assert_eq!(pager.press(Key::Previous).as_deref(), Some("Pattern not found\n"));
        assert_eq!(pager.search(""), "Fan 20\nline 21\nline 22\n", "an empty pattern repeats the last");
        assert_eq!(pager.search("nowhere"), "Pattern not found\n");
        let mut fresh = Pager::new(&text, 4).unwrap();
        assert_eq!(fresh.press(Key::Next).as_deref(), Some("No previous search pattern\n"));
    }

    /// A reader at a screen, pressing the keys of a script.
    struct Scripted {
        keys: VecDeque<Key>,
        lines: VecDeque<&'static str>,
        seen: String,
    }

    impl Screen for Scripted {
        fn put(&mut self, text: &str) {
            self.seen.push_str(text);
        }
        fn key(&mut self) -> Key {
            self.keys.pop_front().unwrap_or(Key::Quit)
        }
        fn line(&mut self) -> Option<String> {
            let line = self.lines.pop_front()?;
            self.seen.push_str(line);
            self.seen.push('\n');
            Some(line.to_owned())
        }
    }

    fn read(text: &str, keys: &[Key], lines: &[&'static str]) -> String {
        let mut screen = Scripted {
            keys: keys.iter().copied().collect(),
            lines: lines.iter().copied().collect(),
            seen: String::new(),
        };
        let reply = Reply { output: text.to_owned(), paginate: true, ..Reply::default() };
        show(&mut screen, &reply, 5, "lab@re0> ", "show");
        screen.seen
    }

    #[test]
    fn the_reader_sees_the_search_typed_after_a_slash_and_the_page_it_finds() {
        let seen = read(&numbered(40), &[Key::Search, Key::Next, Key::Quit], &["line 3"]);
        let after_slash = seen.split("---(more 10%)---/").nth(1).expect("the slash is shown at the prompt");
        let found = format!("line 3\n{ERASE}line 3\nline 4\nline 5\nline 6\n---(more 15%)---");
        assert!(after_slash.starts_with(&found), "{seen}");
        let after_next = seen.split("---(more 15%)---").nth(1).unwrap();
        assert!(
            after_next.starts_with(&format!("{ERASE}line 30\nline 31\n")),
            "n finds 'line 30' next: {seen}"
        );
    }

    #[test]
    fn h_lists_the_keys_and_the_prompt_comes_back() {
        let seen = read(&numbered(40), &[Key::Help, Key::Quit], &[]);
        let help = seen.split("SUMMARY OF MORE COMMANDS").nth(1).expect("the help screen");
        for key in ["/ <string>", "\n    n  ", "\n    N  ", "\n    G  ", "\n    g  ", "q  Q  ^C"] {
            assert!(help.contains(key), "the help lists {key:?}: {help}");
        }
        assert!(help.contains("---(more 10%)---"), "the prompt is back after the help");
    }

    #[test]
    fn ctrl_c_at_the_search_leaves_the_pager_at_its_prompt() {
        let seen = read(&numbered(40), &[Key::Search, Key::Quit], &[]);
        assert_eq!(seen.matches("---(more 10%)---").count(), 2, "{seen}");
        assert!(!seen.contains("line 5\n"));
    }
}
