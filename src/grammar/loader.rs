//! Reads the grammar text format with nom.
//!
//! ```text
//! show "Show system information" {
//!     chassis "Show chassis information" {
//!         routing-engine "Show Routing Engine information" => show-chassis-routing-engine {
//!             <slot> int(0..1) "Routing Engine slot number";
//!         }
//!     }
//! }
//! ```

use std::collections::HashSet;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::{char, i64 as integer, multispace1, not_line_ending};
use nom::combinator::{cut, map, opt, value};
use nom::error::{ContextError, ErrorKind, ParseError};
use nom::multi::{many0, separated_list1};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::{ArgType, Grammar, Node, NodeId, NodeKind};

/// A grammar file that cannot be used, located by file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct GrammarError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A nom error that remembers what was expected where.
#[derive(Debug)]
struct Expected<'a> {
    input: &'a str,
    what: Option<&'static str>,
}

impl<'a> ParseError<&'a str> for Expected<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        Expected { input, what: None }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a> ContextError<&'a str> for Expected<'a> {
    fn add_context(_input: &'a str, what: &'static str, mut other: Self) -> Self {
        other.what.get_or_insert(what);
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, Expected<'a>>;

/// A node as read, before it is placed in the arena.
struct RawNode<'a> {
    at: &'a str,
    name: &'a str,
    kind: NodeKind,
    help: String,
    action: Option<&'a str>,
    children: Vec<RawNode<'a>>,
}

fn expect<'a, O>(
    what: &'static str,
    mut parser: impl Parser<&'a str, Output = O, Error = Expected<'a>>,
) -> impl FnMut(&'a str) -> Res<'a, O> {
    move |input| nom::error::context(what, |i| parser.parse(i)).parse(input)
}

/// Whitespace and `#` comments.
fn blank(input: &str) -> Res<'_, ()> {
    value((), many0(alt((value((), multispace1), value((), (char('#'), not_line_ending)))))).parse(input)
}

fn word(input: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':')).parse(input)
}

fn quoted(input: &str) -> Res<'_, String> {
    map(delimited(char('"'), take_till(|c| c == '"' || c == '\n'), char('"')), str::to_owned).parse(input)
}

fn arg_type(input: &str) -> Res<'_, ArgType> {
    alt((
        map(preceded(tag("int("), cut((integer, tag(".."), integer, char(')')))), |(min, _, max, _)| {
            ArgType::Int { min, max }
        }),
        map(preceded(tag("enum("), cut((separated_list1(char('|'), word), char(')')))), |(values, _)| {
            ArgType::Enum(values.into_iter().map(str::to_owned).collect())
        }),
        value(ArgType::Ipv4Prefix, tag("ipv4-prefix")),
        value(ArgType::Ipv6Prefix, tag("ipv6-prefix")),
        value(ArgType::Ipv4, tag("ipv4")),
        value(ArgType::Ipv6, tag("ipv6")),
        value(ArgType::Prefix, tag("prefix")),
        value(ArgType::Ip, tag("ip")),
        value(ArgType::String, tag("string")),
        value(ArgType::Filename, tag("filename")),
    ))
    .parse(input)
}

fn node(input: &str) -> Res<'_, RawNode<'_>> {
    let (input, ()) = blank(input)?;
    let at = input;
    let (input, (name, is_argument)) = alt((
        map(delimited(char('<'), cut(expect("argument name", word)), cut(char('>'))), |n| (n, true)),
        map(word, |n| (n, false)),
    ))
    .parse(input)?;
    let (input, kind) = if is_argument {
        let (input, ()) = blank(input)?;
        let (input, t) = cut(expect("argument type", arg_type)).parse(input)?;
        (input, NodeKind::Argument(t))
    } else {
        (input, NodeKind::Keyword)
    };
    let (input, ()) = blank(input)?;
    let (input, help) = cut(expect("quoted help text", quoted)).parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, action) = opt(preceded((tag("=>"), blank), cut(expect("action name", word)))).parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, children) = cut(expect(
        "';' or '{'",
        alt((
            map(char(';'), |_| Vec::new()),
            delimited(char('{'), many0(node), preceded(blank, expect("'}' or a statement", char('}')))),
        )),
    ))
    .parse(input)?;
    Ok((input, RawNode { at, name, kind, help, action, children }))
}

pub(super) fn load(file: &str, text: &str) -> Result<Grammar, GrammarError> {
    let located = |at: &str, message: String| {
        let offset = text.len() - at.len();
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        GrammarError { file: file.to_owned(), line, column, message }
    };
    let (rest, raw) = match many0(node).parse(text) {
        Ok(parsed) => parsed,
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            return Err(located(e.input, format!("expected {}", e.what.unwrap_or("a statement"))));
        }
        Err(nom::Err::Incomplete(_)) => return Err(located("", "unexpected end of file".into())),
    };
    let rest = match blank(rest) {
        Ok((rest, ())) => rest,
        Err(_) => rest,
    };
    if !rest.is_empty() {
        return Err(located(rest, "expected a statement".into()));
    }
    let mut grammar = Grammar::default();
    grammar.roots = place(&mut grammar, raw, false, &located)?;
    Ok(grammar)
}

/// Moves read nodes into the arena, checking what the syntax alone cannot.
/// `in_command` says whether an ancestor is a complete command, which a leaf
/// without an action of its own then runs.
fn place(
    grammar: &mut Grammar,
    raw: Vec<RawNode<'_>>,
    in_command: bool,
    located: &dyn Fn(&str, String) -> GrammarError,
) -> Result<Vec<NodeId>, GrammarError> {
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(raw.len());
    for r in raw {
        if !seen.insert(r.name) {
            return Err(located(r.at, format!("'{}' is defined twice at this level", r.name)));
        }
        match &r.kind {
            NodeKind::Argument(ArgType::Int { min, max }) if min > max => {
                return Err(located(r.at, format!("empty range ({min}..{max})")));
            }
            _ => {}
        }
        if r.children.is_empty() && r.action.is_none() && !in_command {
            return Err(located(r.at, format!("'{}' leads to no command: give it '=> action'", r.name)));
        }
        let children = place(grammar, r.children, in_command || r.action.is_some(), located)?;
        ids.push(grammar.push(Node {
            name: r.name.to_owned(),
            kind: r.kind,
            help: r.help,
            action: r.action.map(str::to_owned),
            children,
        }));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        load("test.grammar", text).unwrap_err().to_string()
    }

    #[test]
    fn reads_keywords_arguments_actions_and_comments() {
        let g = load(
            "t",
            "# top\nshow \"Show\" {\n  chassis \"Chassis\" => show-chassis {\n    <slot> int(0..1) \"Slot\";\n    <mode> enum(a|b) \"Mode\";\n  }\n}\n",
        )
        .unwrap();
        let show = g.node(g.roots()[0]);
        assert_eq!((show.name.as_str(), show.help.as_str(), show.action.as_deref()), ("show", "Show", None));
        let chassis = g.node(show.children[0]);
        assert_eq!(chassis.action.as_deref(), Some("show-chassis"));
        let slot = g.node(chassis.children[0]);
        assert_eq!(slot.kind, NodeKind::Argument(ArgType::Int { min: 0, max: 1 }));
        let mode = g.node(chassis.children[1]);
        assert_eq!(mode.kind, NodeKind::Argument(ArgType::Enum(vec!["a".into(), "b".into()])));
        assert_eq!(g.actions().collect::<Vec<_>>(), vec!["show-chassis"]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        assert_eq!(error("show \"Show\" {\n  chassis \"C\"\n}\n"), "test.grammar:3:1: expected ';' or '{'");
        assert_eq!(error("show {\n}"), "test.grammar:1:6: expected quoted help text");
        assert_eq!(
            error("a \"x\" => a;\n  <n> int(3..x) \"n\";"),
            "test.grammar:2:14: expected argument type"
        );
        assert_eq!(error("<n> number \"n\";"), "test.grammar:1:5: expected argument type");
        assert_eq!(error("a \"x\" {\n b \"y\";"), "test.grammar:2:8: expected '}' or a statement");
        assert_eq!(
            error("a \"x\" => a;\na \"y\" => a;"),
            "test.grammar:2:1: 'a' is defined twice at this level"
        );
        assert_eq!(
            error("a \"x\" {\n  b \"y\";\n}"),
            "test.grammar:2:3: 'b' leads to no command: give it '=> action'"
        );
        assert_eq!(error("<n> int(5..1) \"n\" => n;"), "test.grammar:1:1: empty range (5..1)");
    }

    #[test]
    fn shipped_operational_grammar_loads() {
        let g = Grammar::operational().unwrap();
        assert!(g.roots().iter().any(|&id| g.node(id).name == "show"));
    }
}
