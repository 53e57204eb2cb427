//! Reads the words of `set`, `delete`, `edit` and `show` against the schema:
//! which statements they name, under which keys in the tree, and the value.

use super::inherit::is_pattern;
use super::schema::{Kind, Schema, SchemaId};
use crate::grammar::{ArgType, Completion, ParseError};

/// One level of a configuration path: a statement and its key in the tree
/// (the keyword, or an entry's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub schema: SchemaId,
    pub key: String,
}

/// A path read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub steps: Vec<Step>,
    /// The value given for a leaf or keyword-less value; a leaf-list may be
    /// given several in `[ ]`.
    pub values: Vec<String>,
    /// What the next word would have to be; `None` when the path is complete.
    pub wanting: Option<Wanting>,
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

/// Reads `words` from the level `start` (the `edit` level).
pub fn resolve(schema: &Schema, start: &[Step], words: &[Word<'_>]) -> Result<Resolved, ParseError> {
    let mut steps = start.to_vec();
    let mut at = At::Statements(start.last().map(|s| s.schema));
    let mut values = Vec::new();
    for word in words {
        // Inside a group an entry may be named by a wildcard: `<ge-*>`.
        let wildcard = steps.first().is_some_and(|s| s.key == "groups") && is_pattern(word.text);
        at = match at {
            At::Statements(parent) => {
                let matched = match_statement(schema, parent, word, wildcard)?;
                let node = schema.node(matched.schema);
                steps.push(matched.clone());
                match &node.kind {
                    Kind::Container => At::Statements(Some(matched.schema)),
                    Kind::Flag => At::Done,
                    Kind::Leaf(_) | Kind::LeafList(_) => At::Value(matched.schema),
                    Kind::List { keyword: true, .. } => At::Key(matched.schema),
                    Kind::List { keyword: false, .. } => At::Statements(Some(matched.schema)),
                    Kind::Value(_) => {
                        values.push(word.text.to_owned());
                        At::Done
                    }
                }
            }
            At::Key(list) => {
                if !wildcard {
                    check(schema, list, word)?;
                }
                steps.push(Step { schema: list, key: word.text.to_owned() });
                At::Statements(Some(list))
            }
            At::Value(leaf) if word.text == "[" && matches!(schema.node(leaf).kind, Kind::LeafList(_)) => {
                At::Values(leaf)
            }
            At::Value(leaf) => {
                check(schema, leaf, word)?;
                values.push(word.text.to_owned());
                At::Done
            }
            At::Values(_) if word.text == "]" && !values.is_empty() => At::Done,
            At::Values(leaf) => {
                check(schema, leaf, word)?;
                values.push(word.text.to_owned());
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
    Ok(Resolved { steps, values, wanting })
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
/// no keyword is the name of an entry of the level's keyword-less list, or
/// its keyword-less value.
fn match_statement(
    schema: &Schema,
    parent: Option<SchemaId>,
    word: &Word<'_>,
    wildcard: bool,
) -> Result<Step, ParseError> {
    let keywords: Vec<SchemaId> = schema
        .children(parent)
        .iter()
        .copied()
        .filter(|&c| schema.node(c).has_keyword() && schema.node(c).name.starts_with(word.text))
        .collect();
    if let Some(&exact) = keywords.iter().find(|&&c| schema.node(c).name == word.text) {
        return Ok(Step { schema: exact, key: word.text.to_owned() });
    }
    if let (true, Some(unnamed)) = (keywords.is_empty(), schema.unnamed(parent)) {
        if !(wildcard && matches!(schema.node(unnamed).kind, Kind::List { .. })) {
            check(schema, unnamed, word)?;
        }
        let key = match schema.node(unnamed).kind {
            // A value is stored under its placeholder; an entry under its name.
            Kind::Value(_) => schema.node(unnamed).name.clone(),
            _ => word.text.to_owned(),
        };
        return Ok(Step { schema: unnamed, key });
    }
    keyword_step(schema, &keywords, word)
}

fn keyword_step(schema: &Schema, keywords: &[SchemaId], word: &Word<'_>) -> Result<Step, ParseError> {
    match keywords {
        [only] => Ok(Step { schema: *only, key: schema.node(*only).name.clone() }),
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
/// or those that complete `partial`.
pub fn completions(
    schema: &Schema,
    start: &[Step],
    words: &[Word<'_>],
    partial: &str,
) -> Result<Vec<Completion>, ParseError> {
    let resolved = resolve(schema, start, words)?;
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
            let parent = match resolved.steps.last() {
                None => None,
                Some(last) if matches!(schema.node(last.schema).kind, Kind::Flag | Kind::Value(_)) => {
                    return Ok(items);
                }
                Some(last) => Some(last.schema),
            };
            if !resolved.values.is_empty() {
                return Ok(items);
            }
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
