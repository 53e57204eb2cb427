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
        let mut pipeline = Pipeline::default();
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
        let mut text = match self.format {
            Format::Text => view.text(),
            Format::Xml => to_xml(&view.element(), banner),
            Format::Json => view.json().unwrap_or_else(|| to_json(&view.element())),
            Format::Set { .. } => view.set_form().unwrap_or_else(|| view.text()),
        };
        for filter in &self.filters {
            text = filter.apply(&text, screen_length);
        }
        text
    }
}

impl Filter {
    pub fn apply(&self, text: &str, screen_length: usize) -> String {
        let lines = text.lines();
        let keep = |lines: &mut dyn Iterator<Item = &str>| {
            let mut out = String::new();
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
            out
        };
        match self {
            Filter::Match(re) => keep(&mut lines.filter(|l| re.is_match(l))),
            Filter::Except(re) => keep(&mut lines.filter(|l| !re.is_match(l))),
            Filter::Find(re) => keep(&mut lines.skip_while(|l| !re.is_match(l))),
            Filter::Count => format!("Count: {} lines\n", text.lines().count()),
            Filter::Last(n) => {
                let n = n.unwrap_or(screen_length.saturating_sub(1).max(1));
                let total = text.lines().count();
                keep(&mut lines.skip(total.saturating_sub(n)))
            }
            Filter::Trim(columns) => {
                keep(&mut lines.map(|l| l.char_indices().nth(*columns).map_or("", |(i, _)| &l[i..])))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
