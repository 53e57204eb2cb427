//! What `|` does to a command's output: the view it is rendered in, then text
//! filters in the order given. Each filter is a function of text, so each is
//! tested on strings alone.

use regex::{Regex, RegexBuilder};

use super::Failure;
use super::view::{View, to_json, to_xml};
use crate::config::print::Inheritance;
use crate::grammar::Parsed;

/// The rendering a `display` pipe asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Xml,
    Json,
    /// Configuration as `set` commands; `relative`: from the edit level.
    Set {
        relative: bool,
    },
}

#[derive(Debug, Clone)]
pub enum Filter {
    Match(Regex),
    Except(Regex),
    Find(Regex),
    Count,
    /// The last N lines; without N, the last screenful.
    Last(Option<usize>),
    Trim(usize),
}

/// A command line's pipes, checked before the command runs.
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    pub format: Format,
    pub filters: Vec<Filter>,
    pub no_more: bool,
    /// `| save FILE`: the output goes to this file instead of the screen.
    pub save: Option<String>,
    /// `| compare [rollback N]`: the configuration's changes instead of itself.
    pub compare: Option<u32>,
    /// `| display inheritance`: the effective configuration, marked so.
    pub inheritance: Option<Inheritance>,
    /// `| display detail`: each statement under its schema help.
    pub detail: bool,
    /// `| refresh [SECONDS]`: the command again every so many seconds.
    pub refresh: Option<u64>,
    /// The output is wanted as text (a typed line, pipes or not), not as a
    /// view a front end renders itself: the RE may print it.
    pub as_text: bool,
}

/// Junos patterns are regular expressions that ignore case.
fn pattern(parsed: &Parsed<'_>) -> Result<Regex, Failure> {
    let text = parsed.arg("pattern").unwrap_or_default();
    RegexBuilder::new(text)
        .case_insensitive(true)
        .build()
        .map_err(|_| Failure::Error(format!("invalid regular expression '{text}'")))
}

/// The pipe actions [`Pipeline::new`] understands.
const ACTIONS: [&str; 15] = [
    "compare",
    "display-detail",
    "display-inheritance",
    "display-json",
    "display-set",
    "display-xml",
    "no-more",
    "refresh",
    "save",
    "match",
    "except",
    "find",
    "count",
    "last",
    "trim",
];

impl Pipeline {
    /// Whether a pipe grammar action has a handler here.
    pub fn handles(action: &str) -> bool {
        ACTIONS.contains(&action)
    }

    pub fn new(pipes: &[Parsed<'_>]) -> Result<Pipeline, Failure> {
        let mut pipeline = Pipeline { as_text: true, ..Pipeline::default() };
        for pipe in pipes {
            let number = |name: &str| pipe.arg(name).and_then(|n| n.parse().ok());
            match pipe.action {
                "display-xml" => pipeline.format = Format::Xml,
                "display-json" => pipeline.format = Format::Json,
                "display-set" => pipeline.format = Format::Set { relative: pipe.has("relative") },
                "display-detail" => pipeline.detail = true,
                "display-inheritance" => {
                    pipeline.inheritance = Some(if pipe.has("no-comments") {
                        Inheritance::Unmarked
                    } else if pipe.has("brief") || pipe.has("terse") {
                        Inheritance::Brief
                    } else {
                        Inheritance::Comments
                    })
                }
                "compare" => pipeline.compare = Some(number("number").unwrap_or(0) as u32),
                "no-more" => pipeline.no_more = true,
                // Junos refreshes every second unless told otherwise.
                "refresh" => pipeline.refresh = Some(number("interval").unwrap_or(1) as u64),
                "save" => pipeline.save = pipe.arg("filename").map(str::to_owned),
                "match" => pipeline.filters.push(Filter::Match(pattern(pipe)?)),
                "except" => pipeline.filters.push(Filter::Except(pattern(pipe)?)),
                "find" => pipeline.filters.push(Filter::Find(pattern(pipe)?)),
                "count" => pipeline.filters.push(Filter::Count),
                "last" => pipeline.filters.push(Filter::Last(number("lines"))),
                "trim" => pipeline.filters.push(Filter::Trim(number("columns").unwrap_or(0))),
                other => return Err(Failure::Error(format!("no handler for pipe '{other}'"))),
            }
        }
        Ok(pipeline)
    }

    /// Renders `view` in the asked form, then runs the filters over it.
    /// `banner` is the role line XML carries; `screen_length` is what `last`
    /// alone shows.
    pub fn apply(&self, view: &dyn View, banner: &str, screen_length: usize) -> String {
        let text = match self.format {
            Format::Text => view.text(),
            Format::Xml => to_xml(&view.element(), banner),
            Format::Json => view.json().unwrap_or_else(|| to_json(&view.element())),
            Format::Set { .. } => view.set_form().unwrap_or_else(|| view.text()),
        };
        let mut piped = self.filtering(screen_length);
        piped.feed(&text);
        piped.finish()
    }

    /// The filters, for text that comes in pieces.
    pub fn filtering(&self, screen_length: usize) -> Piped<'_> {
        Piped::new(&self.filters, screen_length)
    }
}

/// Filters run over text as it comes, a piece at a time: each filter sees
/// whole lines, whatever the pieces' ends; `count` and `last` hold only
/// their count and their lines, and pass them on at the end.
pub struct Piped<'f> {
    filters: &'f [Filter],
    screen_length: usize,
    /// The line the last piece ended in the middle of.
    partial: String,
    /// Per filter: whether `find` has found its line, `count`'s count,
    /// `last`'s lines.
    found: Vec<bool>,
    counted: Vec<usize>,
    kept: Vec<std::collections::VecDeque<String>>,
    out: String,
}

impl<'f> Piped<'f> {
    fn new(filters: &'f [Filter], screen_length: usize) -> Piped<'f> {
        Piped {
            filters,
            screen_length,
            partial: String::new(),
            found: vec![false; filters.len()],
            counted: vec![0; filters.len()],
            kept: vec![std::collections::VecDeque::new(); filters.len()],
            out: String::new(),
        }
    }

    /// Runs the whole lines of `piece` (with the end of a line the last
    /// piece began) through the filters.
    pub fn feed(&mut self, piece: &str) {
        // Without filters the text goes on as it came, its last line
        // without a newline if it had none.
        if self.filters.is_empty() {
            self.out.push_str(piece);
            return;
        }
        let mut rest = piece;
        if !self.partial.is_empty() {
            match rest.find('\n') {
                Some(end) => {
                    let mut line = std::mem::take(&mut self.partial);
                    line.push_str(&rest[..end]);
                    self.line(0, &line);
                    rest = &rest[end + 1..];
                }
                None => {
                    self.partial.push_str(rest);
                    return;
                }
            }
        }
        while let Some(end) = rest.find('\n') {
            self.line(0, &rest[..end]);
            rest = &rest[end + 1..];
        }
        self.partial.push_str(rest);
    }

    /// What the filters let through, once the text has all come.
    pub fn finish(mut self) -> String {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(0, &line);
        }
        for (at, filter) in self.filters.iter().enumerate() {
            match filter {
                Filter::Count => {
                    let count = format!("Count: {} lines", self.counted[at]);
                    self.line(at + 1, &count);
                }
                Filter::Last(_) => {
                    for line in std::mem::take(&mut self.kept[at]) {
                        self.line(at + 1, &line);
                    }
                }
                _ => {}
            }
        }
        self.out
    }

    /// One line (as `str::lines` gives it: without its `\r\n`) into filter `at`.
    fn line(&mut self, at: usize, line: &str) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(filter) = self.filters.get(at) else {
            self.out.push_str(line);
            self.out.push('\n');
            return;
        };
        match filter {
            Filter::Match(re) => {
                if re.is_match(line) {
                    self.line(at + 1, line);
                }
            }
            Filter::Except(re) => {
                if !re.is_match(line) {
                    self.line(at + 1, line);
                }
            }
            Filter::Find(re) => {
                if self.found[at] || re.is_match(line) {
                    self.found[at] = true;
                    self.line(at + 1, line);
                }
            }
            Filter::Count => self.counted[at] += 1,
            Filter::Last(n) => {
                let n = n.unwrap_or(self.screen_length.saturating_sub(1).max(1));
                let kept = &mut self.kept[at];
                kept.push_back(line.to_owned());
                if kept.len() > n {
                    kept.pop_front();
                }
            }
            Filter::Trim(columns) => {
                let trimmed = line.char_indices().nth(*columns).map_or("", |(i, _)| &line[i..]);
                self.line(at + 1, trimmed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Filter {
        /// The filter alone over the whole of `text`.
        fn apply(&self, text: &str, screen_length: usize) -> String {
            let mut piped = Piped::new(std::slice::from_ref(self), screen_length);
            piped.feed(text);
            piped.finish()
        }
    }

    const TEXT: &str = "Routing Engine status:\n  Slot 0:\n    Current state   Master\n  Slot 1:\n    Current state   Backup\n";

    fn re(p: &str) -> Regex {
        RegexBuilder::new(p).case_insensitive(true).build().unwrap()
    }

    #[test]
    fn every_pipe_of_the_shipped_grammar_has_a_handler() {
        let pipes = crate::grammar::Grammar::pipes().unwrap();
        for action in pipes.actions() {
            assert!(Pipeline::handles(action), "no handler for pipe {action}");
        }
    }

    fn pipeline(line: &str) -> Pipeline {
        let language = crate::grammar::Language {
            commands: crate::grammar::Grammar::operational().unwrap(),
            pipes: crate::grammar::Grammar::pipes().unwrap(),
        };
        let parsed = language.parse(line).unwrap();
        Pipeline::new(&parsed.pipes).unwrap()
    }

    #[test]
    fn refresh_takes_seconds_and_defaults_to_one() {
        assert_eq!(pipeline("show system uptime | refresh").refresh, Some(1));
        assert_eq!(pipeline("show system uptime | refresh 5").refresh, Some(5));
        let filtered = pipeline("show chassis routing-engine | match state | refresh 2");
        assert_eq!((filtered.refresh, filtered.filters.len()), (Some(2), 1));
        assert_eq!(pipeline("show system uptime").refresh, None);
        let language = crate::grammar::Language {
            commands: crate::grammar::Grammar::operational().unwrap(),
            pipes: crate::grammar::Grammar::pipes().unwrap(),
        };
        assert!(language.parse("show system uptime | refresh 0").is_err(), "at least a second");
    }

    #[test]
    fn match_and_except_split_the_lines_between_them() {
        let matched = Filter::Match(re("current state")).apply(TEXT, 24);
        assert_eq!(matched, "    Current state   Master\n    Current state   Backup\n");
        let rest = Filter::Except(re("Current state")).apply(TEXT, 24);
        assert_eq!(rest.lines().count() + matched.lines().count(), TEXT.lines().count());
        assert_eq!(Filter::Match(re("master|backup")).apply(TEXT, 24).lines().count(), 2);
    }

    #[test]
    fn count_last_find_and_trim() {
        assert_eq!(Filter::Count.apply(TEXT, 24), "Count: 5 lines\n");
        assert_eq!(Filter::Count.apply("", 24), "Count: 0 lines\n");
        assert_eq!(Filter::Last(Some(2)).apply(TEXT, 24), "  Slot 1:\n    Current state   Backup\n");
        assert_eq!(Filter::Last(Some(50)).apply(TEXT, 24), TEXT);
        assert_eq!(Filter::Last(None).apply(TEXT, 3), "  Slot 1:\n    Current state   Backup\n");
        assert_eq!(Filter::Find(re("Slot 1")).apply(TEXT, 24), "  Slot 1:\n    Current state   Backup\n");
        assert_eq!(Filter::Find(re("nowhere")).apply(TEXT, 24), "");
        assert_eq!(Filter::Trim(4).apply("abcdef\nab\n", 24), "ef\n\n");
    }

    /// However the text is cut into pieces, even inside a line or right
    /// after a newline, the filters see the same lines as over the whole.
    #[test]
    fn pieces_cut_anywhere_filter_as_the_whole_text_does() {
        let text = TEXT.repeat(3) + "no newline at the end";
        let pipelines = [
            vec![Filter::Match(re("state"))],
            vec![Filter::Except(re("slot")), Filter::Count],
            vec![Filter::Find(re("Slot 1")), Filter::Last(Some(4)), Filter::Match(re("current"))],
            vec![Filter::Count, Filter::Match(re("Count"))],
            vec![Filter::Last(None), Filter::Trim(2)],
            vec![],
        ];
        for filters in &pipelines {
            let whole = {
                let mut piped = Piped::new(filters, 5);
                piped.feed(&text);
                piped.finish()
            };
            let by_filter = filters.iter().fold(text.clone(), |t, f| f.apply(&t, 5));
            assert_eq!(whole, by_filter, "{filters:?}");
            for size in [1, 2, 7, 26, 27, 28, 1000] {
                let mut piped = Piped::new(filters, 5);
                let chars: Vec<char> = text.chars().collect();
                for piece in chars.chunks(size) {
                    piped.feed(&piece.iter().collect::<String>());
                }
                assert_eq!(piped.finish(), whole, "{filters:?} in pieces of {size}");
            }
        }
    }
}
