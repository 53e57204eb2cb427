//! The pieces of nom syntax that the grammar files and the configuration
//! schema share: blanks and comments, words, quoted help, argument types, and
//! errors that say what was expected where.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::{char, i64 as integer, multispace1, not_line_ending};
use nom::combinator::{cut, map, value};
use nom::error::{ContextError, ErrorKind, ParseError};
use nom::multi::{many0, separated_list1};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::ArgType;

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
pub(crate) struct Expected<'a> {
    pub(crate) input: &'a str,
    pub(crate) what: Option<&'static str>,
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

pub(crate) type Res<'a, T> = IResult<&'a str, T, Expected<'a>>;

pub(crate) fn expect<'a, O>(
    what: &'static str,
    mut parser: impl Parser<&'a str, Output = O, Error = Expected<'a>>,
) -> impl FnMut(&'a str) -> Res<'a, O> {
    move |input| nom::error::context(what, |i| parser.parse(i)).parse(input)
}

/// Whitespace and `#` comments.
pub(crate) fn blank(input: &str) -> Res<'_, ()> {
    value((), many0(alt((value((), multispace1), value((), (char('#'), not_line_ending)))))).parse(input)
}

/// A keyword or enumerated value; `@` appears in some (`aes256-gcm@openssh.com`).
pub(crate) fn word(input: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'))
        .parse(input)
}

pub(crate) fn quoted(input: &str) -> Res<'_, String> {
    map(delimited(char('"'), take_till(|c| c == '"' || c == '\n'), char('"')), str::to_owned).parse(input)
}

/// A built-in argument type; a word that merely begins like one (`ipv4-x`)
/// is not one.
pub(crate) fn arg_type(input: &str) -> Res<'_, ArgType> {
    let scaled = |name, binary| {
        map(preceded(tag(name), cut((integer, tag(".."), integer, char(')')))), move |(min, _, max, _)| {
            ArgType::Scaled { min: min.max(0) as u64, max: max.max(0) as u64, binary }
        })
    };
    let (rest, parsed) = alt((
        scaled("bandwidth(", false),
        scaled("size(", true),
        map(preceded(tag("int("), cut((integer, tag(".."), integer, char(')')))), |(min, _, max, _)| {
            ArgType::Int { min, max }
        }),
        map(preceded(tag("enum("), cut((separated_list1(char('|'), word), char(')')))), |(values, _)| {
            ArgType::Enum(values.into_iter().map(str::to_owned).collect())
        }),
        value(ArgType::IpOrPrefix, tag("ip-or-prefix")),
        value(ArgType::InterfaceName, tag("interface-name")),
        value(ArgType::Ipv4Prefix, tag("ipv4-prefix")),
        value(ArgType::Ipv6Prefix, tag("ipv6-prefix")),
        value(ArgType::Ipv4, tag("ipv4")),
        value(ArgType::Ipv6, tag("ipv6")),
        value(ArgType::Prefix, tag("prefix")),
        value(ArgType::Ip, tag("ip")),
        value(ArgType::String, tag("string")),
        value(ArgType::Filename, tag("filename")),
        value(ArgType::Path, tag("path")),
    ))
    .parse(input)?;
    match word(rest) {
        Ok(_) => Err(nom::Err::Error(Expected { input, what: None })),
        Err(_) => Ok((rest, parsed)),
    }
}

/// Places an error at the point of `text` where `at` begins.
pub(crate) fn locate(file: &str, text: &str, at: &str, message: String) -> GrammarError {
    let offset = text.len() - at.len();
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    GrammarError { file: file.to_owned(), line, column, message }
}

/// Runs `parser` over all of `text`, turning nom's failure into a located error.
pub(crate) fn parse_all<'a, O>(
    file: &str,
    text: &'a str,
    parser: impl Parser<&'a str, Output = O, Error = Expected<'a>>,
) -> Result<O, GrammarError> {
    let (rest, parsed) = match (parser, blank).parse(text) {
        Ok((rest, (parsed, ()))) => (rest, parsed),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            return Err(locate(file, text, e.input, format!("expected {}", e.what.unwrap_or("a statement"))));
        }
        Err(nom::Err::Incomplete(_)) => return Err(locate(file, text, "", "unexpected end of file".into())),
    };
    if !rest.is_empty() {
        return Err(locate(file, text, rest, "expected a statement".into()));
    }
    Ok(parsed)
}
