//! Reads the words of `set`, `delete`, `edit` and `show` against the schema:
//! which statements they name, under which keys in the tree, and the value.

use super::expression;
use super::inherit::is_pattern;
use super::schema::{Kind, Schema, SchemaId};
use super::sym::Sym;
use crate::grammar::{ArgType, Completion, ParseError};

/// One level of a configuration path: a statement and its key in the tree
/// (the keyword, or an entry's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub schema: SchemaId,
    pub key: Sym,
}

/// A path read to its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub steps: Vec<Step>,
    /// The value given for a leaf or keyword-less value; a leaf-list may be
    /// given several in `[ ]`.
    pub values: Vec<Sym>,
    /// What the next word would have to be; `None` when the path is complete.
    pub wanting: Option<Wanting>,
    /// The complete statements the line named before its last one
    /// (`class read-only` in `user ops class read-only authentication ...`).
    pub earlier: Vec<Statement>,
}

/// One statement of a line that names several: its path and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub steps: Vec<Step>,
    pub values: Vec<Sym>,
}

impl Resolved {
    /// Every statement the line named, in order, the last one included.
    pub fn statements(&self) -> impl Iterator<Item = (&[Step], &[Sym])> {
        self.earlier
            .iter()
            .map(|s| (s.steps.as_slice(), s.values.as_slice()))
            .chain(std::iter::once((self.steps.as_slice(), self.values.as_slice())))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanting {
    /// A key of the list the path ends at.
    Key(SchemaId),
    /// A value of the leaf the path ends at.
    Value(SchemaId),
}

/// A word with its position in the line, for caret columns.
#[derive(Debug, Clone, Copy)]
pub struct Word<'a> {
    pub text: &'a str,
    pub column: usize,
    pub end: usize,
}

/// Where a walk stands: under which statement new words are read.
enum At {
    Statements(Option<SchemaId>),
    Key(SchemaId),
    Value(SchemaId),
    /// Inside a leaf-list's `[ ]`.
    Values(SchemaId),
    Done,
}

/// Reads `words` from the level `start` (the `edit` level) as one path, as
/// `edit` and `show` take it.
pub fn resolve(schema: &Schema, start: &[Step], words: &[Word<'_>]) -> Result<Resolved, ParseError> {
    resolve_into(schema, start, words, false, Resolved::default())
}

/// Reads the words of `set`, `delete`, `activate` and `deactivate`, which
/// may name several statements: as Junos does, a keyword after a complete
/// statement (a leaf and its value, a flag) is a sibling of it, and the line
/// applies to each (`area 0.0.0.0 interface ge-0/0/0.0 passive metric 10`).
pub fn resolve_line(schema: &Schema, start: &[Step], words: &[Word<'_>]) -> Result<Resolved, ParseError> {
    resolve_into(schema, start, words, true, Resolved::default())
}

/// [`resolve`], or [`resolve_line`] when `several`, into the vectors of
/// `room`, a path read before and done with: for a reader of many
/// statements, which then allocates for few.
pub fn resolve_into(
    schema: &Schema,
    start: &[Step],
    words: &[Word<'_>],
    several: bool,
    room: Resolved,
) -> Result<Resolved, ParseError> {
    let Resolved { mut steps, mut values, mut earlier, .. } = room;
    steps.clear();
    values.clear();
    earlier.clear();
    steps.reserve_exact(start.len() + words.len());
    steps.extend_from_slice(start);
    let mut at = At::Statements(start.last().map(|s| s.schema));
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if let (At::Done, true) = (&at, several) {
            // A statement adds at least one step to its level, so its
            // parent is never above `start`.
            earlier.push(Statement { steps: steps.clone(), values: std::mem::take(&mut values) });
            steps.pop();
            let parent = steps.last().map(|s| s.schema);
            let step = match exact_keyword(schema, parent, word) {
                Some(step) => step,
                None => keyword_step(schema, &keywords_matching(schema, parent, word), word)?,
            };
            at = enter(schema, &mut steps, &mut values, step, word);
            continue;
        }
        // Inside a group an entry may be named by a wildcard: `<ge-*>`.
        let wildcard = steps.first().is_some_and(|s| s.key == "groups") && is_pattern(word.text);
        at = match at {
            At::Statements(parent) => {
                let matched = match_statement(schema, parent, word, wildcard)?;
                enter(schema, &mut steps, &mut values, matched, word)
            }
            At::Key(list) => {
                if !wildcard {
                    check(schema, list, word)?;
                }
                steps.push(Step { schema: list, key: Sym::new(word.text) });
                At::Statements(Some(list))
            }
            At::Value(leaf) if word.text == "[" && matches!(schema.node(leaf).kind, Kind::LeafList(_)) => {
                At::Values(leaf)
            }
            At::Value(leaf) => {
                values.push(value(schema, leaf, word, &mut words)?);
                At::Done
            }
            At::Values(_) if word.text == "]" && !values.is_empty() => At::Done,
            At::Values(leaf) => {
                values.push(value(schema, leaf, word, &mut words)?);
                At::Values(leaf)
            }
            At::Done => return Err(ParseError::Syntax { column: word.column }),
        };
    }
    let wanting = match at {
        At::Key(list) => Some(Wanting::Key(list)),
        At::Value(leaf) | At::Values(leaf) => Some(Wanting::Value(leaf)),
        At::Statements(_) | At::Done => None,
    };
    Ok(Resolved { steps, values, wanting, earlier })
}

/// Steps into the statement `word` matched: where the walk then stands.
fn enter(schema: &Schema, steps: &mut Vec<Step>, values: &mut Vec<Sym>, step: Step, word: &Word<'_>) -> At {
    let id = step.schema;
    steps.push(step);
    match &schema.node(id).kind {
        Kind::Container | Kind::List { keyword: false, .. } => At::Statements(Some(id)),
        Kind::Flag => At::Done,
        Kind::Leaf(_) | Kind::LeafList(_) => At::Value(id),
        Kind::List { keyword: true, .. } => At::Key(id),
        Kind::Value(_) => {
            values.push(Sym::new(word.text));
            At::Done
        }
    }
}

/// The value of `leaf` that `word` gives (checked), or the policy
/// expression it opens, read on from `rest` where the leaf takes one.
fn value<'a, 'w: 'a>(
    schema: &Schema,
    leaf: SchemaId,
    word: &'a Word<'w>,
    rest: &mut impl Iterator<Item = &'a Word<'w>>,
) -> Result<Sym, ParseError> {
    if schema.node(leaf).expressions && expression::is_expression(word.text) {
        return expression::read(word, rest, |name| check(schema, leaf, name)).map(Sym::from);
    }
    check(schema, leaf, word)?;
    Ok(Sym::new(word.text))
}

fn value_type(schema: &Schema, id: SchemaId) -> Option<&ArgType> {
    match &schema.node(id).kind {
        Kind::Leaf(t) | Kind::LeafList(t) | Kind::Value(t) | Kind::List { key: t, .. } => Some(t),
        Kind::Container | Kind::Flag => None,
    }
}

fn check(schema: &Schema, id: SchemaId, word: &Word<'_>) -> Result<(), ParseError> {
    match value_type(schema, id) {
        Some(t) => {
            t.check(word.text).map_err(|message| ParseError::InvalidValue { column: word.column, message })
        }
        None => Ok(()),
    }
}

/// A keyword by unique prefix (an exact word wins); a word that abbreviates
/// no keyword, or names an enumerated entry, is the name of an entry of the
/// level's keyword-less list, or its keyword-less value.
fn match_statement(
    schema: &Schema,
    parent: Option<SchemaId>,
    word: &Word<'_>,
    wildcard: bool,
) -> Result<Step, ParseError> {
    // An exact keyword wins over an abbreviation and over an entry's name.
    if let Some(step) = exact_keyword(schema, parent, word) {
        return Ok(step);
    }
    let keywords = keywords_matching(schema, parent, word);
    let unnamed = schema.unnamed(parent);
    // A word that is one of the enumerated names of the keyword-less list
    // names its entry, though it abbreviates a keyword too (`ipv6-unicast
    // metric 10` beside `ipv6-unicast-metric`); an exact keyword still wins.
    let enumerated = unnamed.is_some_and(|u| {
        matches!(value_type(schema, u), Some(ArgType::Enum(names)) if names.iter().any(|n| n == word.text))
            && !keywords.iter().any(|&k| schema.node(k).name == word.text)
    });
    if let (true, Some(unnamed)) = (keywords.is_empty() || enumerated, unnamed) {
        if !(wildcard && matches!(schema.node(unnamed).kind, Kind::List { .. })) {
            check(schema, unnamed, word)?;
        }
        let key = match schema.node(unnamed).kind {
            // A value is stored under its placeholder; an entry under its name.
            Kind::Value(_) => schema.node(unnamed).key,
            _ => Sym::new(word.text),
        };
        return Ok(Step { schema: unnamed, key });
    }
    keyword_step(schema, &keywords, word)
}

/// The keyword under `parent` that `word` spells out, found by hash: most
/// words of a stored configuration are whole keywords.
fn exact_keyword(schema: &Schema, parent: Option<SchemaId>, word: &Word<'_>) -> Option<Step> {
    let id = schema.keyword(parent, word.text).filter(|&id| schema.node(id).has_keyword())?;
    Some(Step { schema: id, key: schema.node(id).key })
}

/// The keywords under `parent` that `word` abbreviates.
fn keywords_matching(schema: &Schema, parent: Option<SchemaId>, word: &Word<'_>) -> Vec<SchemaId> {
    if !schema.may_abbreviate(parent, word.text) {
        return Vec::new();
    }
    schema
        .children(parent)
        .iter()
        .copied()
        .filter(|&c| schema.node(c).has_keyword() && schema.node(c).name.starts_with(word.text))
        .collect()
}

/// The keyword `word` names exactly, or else the only one it abbreviates.
fn keyword_step(schema: &Schema, keywords: &[SchemaId], word: &Word<'_>) -> Result<Step, ParseError> {
    if let Some(&exact) = keywords.iter().find(|&&c| schema.node(c).name == word.text) {
        return Ok(Step { schema: exact, key: schema.node(exact).key });
    }
    match keywords {
        [only] => Ok(Step { schema: *only, key: schema.node(*only).key }),
        [] => Err(ParseError::Syntax { column: word.column }),
        _ => Err(ParseError::Ambiguous {
            column: word.end,
            token: word.text.to_owned(),
            completions: keywords.iter().map(|&c| completion(schema, c)).collect(),
        }),
    }
}

/// A schema statement as `?` lists it: `> ` containers, `+ ` leaf-lists,
/// `<name>` for values.
pub fn completion(schema: &Schema, id: SchemaId) -> Completion {
    let node = schema.node(id);
    let marker = match node.kind {
        Kind::Container | Kind::List { .. } => "> ",
        Kind::LeafList(_) => "+ ",
        _ => "  ",
    };
    let name = if node.has_keyword() { node.name.clone() } else { node.placeholder.clone() };
    Completion { marker, name, help: node.help.clone() }
}

/// What `?` lists after `words`: the statements and values that may follow,
/// or those that complete `partial`. `several`: the words are a line that
/// may name several statements ([`resolve_line`]), so after a complete
/// statement its siblings may follow.
pub fn completions(
    schema: &Schema,
    start: &[Step],
    words: &[Word<'_>],
    partial: &str,
    several: bool,
) -> Result<Vec<Completion>, ParseError> {
    let resolved = resolve_into(schema, start, words, several, Resolved::default())?;
    let mut items = Vec::new();
    match resolved.wanting {
        Some(Wanting::Key(id) | Wanting::Value(id)) => {
            let node = schema.node(id);
            match value_type(schema, id) {
                Some(ArgType::Enum(values)) => {
                    for v in values.iter().filter(|v| v.starts_with(partial)) {
                        items.push(Completion::new(v.clone(), node.help.clone()));
                    }
                }
                Some(t) => {
                    let placeholder = node.placeholder.clone();
                    let help = match t.help_suffix() {
                        Some(suffix) => format!("{} {suffix}", node.help),
                        None => node.help.clone(),
                    };
                    items.push(Completion::new(placeholder, help));
                }
                None => {}
            }
        }
        None => {
            let complete = resolved.steps.last().is_some_and(|last| {
                matches!(schema.node(last.schema).kind, Kind::Flag | Kind::Value(_))
                    || !resolved.values.is_empty()
            });
            let parent = match resolved.steps.last() {
                Some(_) if complete && several => {
                    let steps = &resolved.steps[..resolved.steps.len() - 1];
                    for &c in schema.children(steps.last().map(|s| s.schema)) {
                        if schema.node(c).has_keyword() && schema.node(c).name.starts_with(partial) {
                            items.push(completion(schema, c));
                        }
                    }
                    items.sort_by(|a, b| a.name.cmp(&b.name));
                    return Ok(items);
                }
                Some(_) if complete => return Ok(items),
                None => None,
                Some(last) => Some(last.schema),
            };
            for &c in schema.children(parent) {
                let node = schema.node(c);
                if node.has_keyword() {
                    if node.name.starts_with(partial) {
                        items.push(completion(schema, c));
                    }
                } else if let Some(ArgType::Enum(values)) = value_type(schema, c) {
                    for v in values.iter().filter(|v| v.starts_with(partial)) {
                        items.push(Completion::new(v.clone(), node.help.clone()));
                    }
                } else if partial.is_empty() {
                    items.push(completion(schema, c));
                }
            }
        }
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::tokenize;

    fn line(schema: &Schema, text: &str) -> Result<Resolved, ParseError> {
        let tokens = tokenize(text);
        let words: Vec<Word<'_>> =
            tokens.iter().map(|t| Word { text: &t.text, column: t.start, end: t.end }).collect();
        resolve_line(schema, &[], &words)
    }

    /// Each statement of a line as its keys and values, `keys = values`.
    fn statements(schema: &Schema, text: &str) -> Vec<String> {
        let resolved = line(schema, text).unwrap();
        resolved
            .statements()
            .map(|(steps, values)| {
                let keys: Vec<&str> = steps.iter().map(|s| s.key.as_str()).collect();
                format!("{} = {}", keys.join(" "), values.join(","))
            })
            .collect()
    }

    #[test]
    fn a_keyword_after_a_complete_statement_is_its_sibling() {
        let schema = Schema::shipped().unwrap();
        assert_eq!(
            statements(
                &schema,
                "system login user ops class read-only authentication encrypted-password \"$6$a b\""
            ),
            [
                "system login user ops class = read-only",
                "system login user ops authentication encrypted-password = $6$a b"
            ]
        );
        assert_eq!(
            statements(&schema, "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric 10"),
            [
                "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive = ",
                "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 metric = 10"
            ]
        );
        assert_eq!(
            statements(
                &schema,
                "routing-options static route 0.0.0.0/0 next-hop [ 10.0.0.1 10.0.0.2 ] pref 200"
            ),
            [
                "routing-options static route 0.0.0.0/0 next-hop = 10.0.0.1,10.0.0.2",
                "routing-options static route 0.0.0.0/0 preference metric-value = 200"
            ]
        );
        // A flag under a list entry is the entry's own statement, not a sibling.
        assert_eq!(
            statements(&schema, "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24 primary"),
            ["interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24 primary = "]
        );
        // A sibling may open a list and go on inside it.
        assert_eq!(
            statements(&schema, "interfaces ge-0/0/0 description up unit 0 family inet"),
            ["interfaces ge-0/0/0 description = up", "interfaces ge-0/0/0 unit 0 family inet = "]
        );
    }

    #[test]
    fn after_a_complete_statement_only_a_keyword_of_its_level_may_follow() {
        let schema = Schema::shipped().unwrap();
        // `bogus` is no keyword of the interface's level.
        assert_eq!(
            line(&schema, "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive bogus"),
            Err(ParseError::Syntax { column: 57 })
        );
        // A keyword-less value is not taken twice: `routing-engine 0 master backup`.
        assert_eq!(
            line(&schema, "chassis redundancy routing-engine 0 master backup"),
            Err(ParseError::Syntax { column: 43 })
        );
        // Nor is a statement of an outer level.
        assert_eq!(
            line(&schema, "system login user ops class read-only host-name r1"),
            Err(ParseError::Syntax { column: 38 })
        );
        assert!(matches!(
            line(&schema, "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric 0"),
            Err(ParseError::InvalidValue { column: 64, .. })
        ));
        // The last statement may still want its value.
        let wanting =
            line(&schema, "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric").unwrap();
        assert!(matches!(wanting.wanting, Some(Wanting::Value(_))));
        assert_eq!(wanting.earlier.len(), 1);
        // `edit` and `show` read one path only.
        let words = [
            Word { text: "system", column: 0, end: 6 },
            Word { text: "host-name", column: 7, end: 16 },
            Word { text: "r1", column: 17, end: 19 },
            Word { text: "domain-name", column: 20, end: 31 },
        ];
        assert_eq!(resolve(&schema, &[], &words), Err(ParseError::Syntax { column: 20 }));
    }

    #[test]
    fn entries_in_groups_may_be_named_by_wildcards() {
        let schema = Schema::shipped().unwrap();
        assert_eq!(
            statements(&schema, "groups G interfaces <ge-*> unit 0 family inet"),
            ["groups G interfaces <ge-*> unit 0 family inet = "]
        );
    }
}
