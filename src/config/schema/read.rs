//! Reads the text of a schema file into declarations, before they are
//! placed: statements, `type`, `grouping`, `uses` and `choice`.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, multispace1};
use nom::combinator::{cut, map, opt, value};
use nom::multi::{many0, many1, separated_list1};
use nom::sequence::{delimited, preceded, terminated};

use crate::grammar::ArgType;
use crate::grammar::syntax::{Res, arg_type, blank, expect, quoted, word};

/// A value type as written.
#[derive(Debug, Clone)]
pub(super) enum TypeRef<'a> {
    Builtin(ArgType),
    /// A `type` declared in some schema file.
    Named(&'a str),
    /// `ref(PATH [, PATH] [+ NAME|NAME] "message" [expressions])`: the name
    /// of an entry of the list at a PATH, or one of the names Junos defines
    /// itself; with `expressions`, also a policy expression of such names.
    Ref {
        paths: Vec<Vec<&'a str>>,
        builtin: Vec<&'a str>,
        message: String,
        expressions: bool,
    },
}

/// What follows a statement's keyword, before its help.
#[derive(Debug, Clone)]
pub(super) enum Shape<'a> {
    Bare,
    Typed(TypeRef<'a>),
    Keyed(String, TypeRef<'a>),
    Listed(TypeRef<'a>),
}

/// A statement as read.
pub(super) struct Raw<'a> {
    pub at: &'a str,
    pub name: &'a str,
    /// `<name>`: no keyword.
    pub unnamed: bool,
    pub shape: Shape<'a>,
    pub help: String,
    pub attributes: Vec<(&'a str, Option<String>)>,
    pub body: Option<Vec<Item<'a>>>,
}

/// What a statement's body (or a grouping) holds.
pub(super) enum Item<'a> {
    Statement(Raw<'a>),
    /// `uses NAME;`: the statements of a grouping, in its place.
    Uses {
        at: &'a str,
        name: &'a str,
    },
    /// `choice { ... }`: statements of which one at most is set.
    Choice {
        at: &'a str,
        items: Vec<Item<'a>>,
    },
}

/// What a schema file holds at its top.
pub(super) enum Decl<'a> {
    Statement(Raw<'a>),
    /// `type NAME = TYPE;`
    Type {
        at: &'a str,
        name: &'a str,
        ty: TypeRef<'a>,
    },
    /// `grouping NAME { ... }`
    Grouping {
        at: &'a str,
        name: &'a str,
        items: Vec<Item<'a>>,
    },
}

pub(super) fn decl(input: &str) -> Res<'_, Decl<'_>> {
    let (input, ()) = blank(input)?;
    let at = input;
    alt((
        map(
            (
                (tag("type"), multispace1),
                word,
                (blank, char('=')),
                cut((blank, expect("value type", type_ref), blank, expect("';'", char(';')))),
            ),
            move |(_, name, _, (_, ty, _, _))| Decl::Type { at, name, ty },
        ),
        map(
            (
                (tag("grouping"), multispace1),
                word,
                (blank, char('{')),
                cut(terminated(many0(item), (blank, expect("'}' or a statement", char('}'))))),
            ),
            move |(_, name, _, items)| Decl::Grouping { at, name, items },
        ),
        map(statement, Decl::Statement),
    ))
    .parse(input)
}

fn item(input: &str) -> Res<'_, Item<'_>> {
    let (input, ()) = blank(input)?;
    let at = input;
    alt((
        map(
            preceded((tag("uses"), multispace1), cut(terminated(word, (blank, expect("';'", char(';')))))),
            move |name| Item::Uses { at, name },
        ),
        map(
            preceded(
                (tag("choice"), blank, char('{')),
                cut(terminated(many0(item), (blank, expect("'}' or a statement", char('}'))))),
            ),
            move |items| Item::Choice { at, items },
        ),
        map(statement, Item::Statement),
    ))
    .parse(input)
}

fn type_ref(input: &str) -> Res<'_, TypeRef<'_>> {
    alt((
        map(
            preceded(
                tag("ref("),
                cut((
                    separated_list1((blank, char(',')), many1(preceded(blank, word))),
                    opt(preceded((blank, char('+'), blank), separated_list1(char('|'), word))),
                    preceded(blank, expect("quoted error message", quoted)),
                    opt(preceded(blank, tag("expressions"))),
                    preceded(blank, expect("')'", char(')'))),
                )),
            ),
            |(paths, builtin, message, expressions, _)| TypeRef::Ref {
                paths,
                builtin: builtin.unwrap_or_default(),
                message,
                expressions: expressions.is_some(),
            },
        ),
        map(arg_type, TypeRef::Builtin),
        map(word, TypeRef::Named),
    ))
    .parse(input)
}

fn attribute(input: &str) -> Res<'_, (&str, Option<String>)> {
    alt((
        map(preceded((tag("default"), blank), cut(alt((quoted, map(word, str::to_owned))))), |v| {
            ("default", Some(v))
        }),
        map(
            alt((
                tag("mandatory"),
                tag("presence"),
                tag("oneliner"),
                tag("flat"),
                tag("quoted"),
                tag("inline"),
                tag("ordered"),
                tag("secret"),
                tag("top-level"),
                tag("unwrapped"),
                tag("scope"),
            )),
            |a| (a, None),
        ),
    ))
    .parse(input)
}

fn statement(input: &str) -> Res<'_, Raw<'_>> {
    let (input, ()) = blank(input)?;
    let at = input;
    let (input, (name, unnamed)) =
        alt((map(delimited(char('<'), cut(word), cut(char('>'))), |n| (n, true)), map(word, |n| (n, false))))
            .parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, shape) = if unnamed {
        map(cut(expect("value type", type_ref)), Shape::Typed).parse(input)?
    } else {
        alt((
            map(
                (delimited(char('<'), word, char('>')), blank, cut(expect("key type", type_ref))),
                |(k, (), t)| Shape::Keyed(k.to_owned(), t),
            ),
            map(delimited((char('['), blank), cut(type_ref), (blank, cut(char(']')))), Shape::Listed),
            map(type_ref, Shape::Typed),
            value(Shape::Bare, tag("")),
        ))
        .parse(input)?
    };
    let (input, ()) = blank(input)?;
    let (input, help) = cut(expect("quoted help text", quoted)).parse(input)?;
    let (input, attributes) = many0(preceded(blank, attribute)).parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, body) = cut(expect(
        "';' or '{'",
        alt((
            map(char(';'), |_| None),
            map(
                delimited(char('{'), many0(item), preceded(blank, expect("'}' or a statement", char('}')))),
                Some,
            ),
        )),
    ))
    .parse(input)?;
    Ok((input, Raw { at, name, unnamed, shape, help, attributes, body }))
}
