//! Junos's JSON configuration (`| display json`, `load ... json`): a
//! container is an object, a leaf its value (a number unquoted), a leaf-list
//! an array of values, a list an array of objects keyed by `"name"`, and a
//! flag or an empty container `[null]`. Marks go in `"@"` objects: inside
//! the object they describe, or as `"@leaf"` beside a leaf.

use serde_json::Value;

use super::print::quote;
use super::schema::{Kind, Schema, SchemaId};
use super::tree::{Node, Sym, sorted_children};
use crate::grammar::ArgType;

/// `{"configuration" : {...}}` for the statements under `node` (whose
/// statement is `at`), wrapped in `path`: the words of the statements above
/// it, as `(element, entry name)` pairs. `attributes` go in the
/// configuration's own `"@"` (`junos:changed-seconds`, ...).
pub fn to_json(
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    path: &[(String, Option<String>)],
    attributes: &[(String, String)],
) -> String {
    let mut out = String::from("{\n    \"configuration\" : {\n");
    let mut members = Vec::new();
    if !attributes.is_empty() {
        members.push(marks_object(attributes.iter().map(|(k, v)| (k.as_str(), string(v))), 2, "@"));
    }
    let mut inner = statements(schema, at, node, 2 + path.len());
    // The path shown is wrapped in its ancestors, a list entry by its name.
    for (depth, (element, name)) in path.iter().enumerate().rev() {
        let indent = "    ".repeat(2 + depth);
        let body = match name {
            Some(name) => {
                let mut entry = vec![format!("{indent}    \"name\" : {}", string(name))];
                entry.extend(inner);
                format!(
                    "{indent}{} : [\n{indent}{{\n{}\n{indent}}}\n{indent}]",
                    string(element),
                    entry.join(",\n")
                )
            }
            None => format!("{indent}{} : {{\n{}\n{indent}}}", string(element), inner.join(",\n")),
        };
        inner = vec![body];
    }
    members.extend(inner);
    out.push_str(&members.join(",\n"));
    out.push_str("\n    }\n}\n");
    out
}

/// `"@" : { "inactive" : true }` and the like, at `depth`.
fn marks_object<'a>(marks: impl Iterator<Item = (&'a str, String)>, depth: usize, key: &str) -> String {
    let indent = "    ".repeat(depth);
    let lines: Vec<String> = marks.map(|(k, v)| format!("{indent}    {} : {v}", string(k))).collect();
    format!("{indent}{} : {{\n{}\n{indent}}}", string(key), lines.join(",\n"))
}

/// A statement's marks, if it has any.
fn marks(node: &Node, depth: usize, key: &str) -> Option<String> {
    let mut marks = Vec::new();
    if !node.annotation().is_empty() {
        marks.push(("comment", string(&format!("/* {} */", node.annotation()))));
    }
    if node.inactive() {
        marks.push(("inactive", "true".to_owned()));
    }
    if node.protected() {
        marks.push(("protect", "true".to_owned()));
    }
    if !node.group().is_empty() {
        marks.push(("junos:group", string(&node.group())));
    }
    (!marks.is_empty()).then(|| marks_object(marks.into_iter(), depth, key))
}

/// The members for the statements under `node`, each at `depth`.
fn statements(schema: &Schema, at: Option<SchemaId>, node: &Node, depth: usize) -> Vec<String> {
    let indent = "    ".repeat(depth);
    let mut members = Vec::new();
    let push = |name: &str, value: String, child: &Node, members: &mut Vec<String>| {
        members.push(format!("{indent}{} : {value}", string(name)));
        members.extend(marks(child, depth, &format!("@{name}")));
    };
    let children = sorted_children(schema, at, node);
    // The entries of a keyword-less list are siblings in the tree, together in schema order.
    for group in children.chunk_by(|a, b| a.0.schema == b.0.schema) {
        let (step, child) = (&group[0].0, group[0].1);
        let s = schema.node(step.schema);
        match &s.kind {
            Kind::Flag => push(&s.name, "[null]".into(), child, &mut members),
            Kind::Value(t) => {
                for v in &child.values {
                    match s.value_word(v) {
                        Some(word) => push(word, "[null]".into(), child, &mut members),
                        None => push(&s.name, scalar(t, v), child, &mut members),
                    }
                }
            }
            Kind::Leaf(t) => {
                let value = child.values.first().map(|v| scalar(t, v)).unwrap_or_else(|| "[null]".into());
                push(&s.name, value, child, &mut members);
            }
            Kind::LeafList(t) => {
                let values: Vec<String> = child.values.iter().map(|v| scalar(t, v)).collect();
                push(&s.name, format!("[{}]", values.join(", ")), child, &mut members);
            }
            // Its entries, as an array named after it.
            Kind::Container if s.unwrapped => {
                let objects: Vec<String> = sorted_children(schema, Some(step.schema), child)
                    .into_iter()
                    .map(|(entry, node)| {
                        let key = match &schema.node(entry.schema).kind {
                            Kind::List { key, .. } => scalar(key, &entry.key),
                            _ => string(&entry.key),
                        };
                        let name = format!("{indent}    \"name\" : {key}");
                        format!("{indent}{}", object(schema, entry.schema, node, depth, vec![name]))
                    })
                    .collect();
                members.push(format!("{indent}{} : [\n{}\n{indent}]", string(&s.name), objects.join(",\n")));
            }
            Kind::Container => {
                let body = object(schema, step.schema, child, depth, Vec::new());
                members.push(format!("{indent}{} : {body}", string(&schema.element_name(step.schema))));
            }
            Kind::List { keyword, key } => {
                let entries: Vec<(&Sym, &Node)> = if *keyword {
                    child.children.iter().map(|(k, c)| (k, &**c)).collect()
                } else {
                    group.iter().map(|(step, entry)| (&step.key, *entry)).collect()
                };
                let objects: Vec<String> = entries
                    .into_iter()
                    .map(|(name, entry)| {
                        let name = format!("{indent}    \"name\" : {}", scalar(key, name));
                        format!("{indent}{}", object(schema, step.schema, entry, depth, vec![name]))
                    })
                    .collect();
                let element = string(schema.list_element(step.schema));
                members.push(format!("{indent}{element} : [\n{}\n{indent}]", objects.join(",\n")));
            }
        }
    }
    members
}

/// `{ ... }` for a container or entry at `depth`, `first` (its name) before its statements.
fn object(schema: &Schema, id: SchemaId, node: &Node, depth: usize, first: Vec<String>) -> String {
    let indent = "    ".repeat(depth);
    // The marks first, as the attributes of an XML element come before its children.
    let mut members: Vec<String> = marks(node, depth + 1, "@").into_iter().collect();
    members.extend(first);
    members.extend(statements(schema, Some(id), node, depth + 1));
    if members.is_empty() {
        return "[null]".into();
    }
    format!("{{\n{}\n{indent}}}", members.join(",\n"))
}

/// A value: a number bare where the statement holds numbers, else a string.
fn scalar(t: &ArgType, value: &str) -> String {
    match t {
        ArgType::Int { .. } if value.parse::<i64>().is_ok() => value.to_owned(),
        _ => string(value),
    }
}

fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// Why a JSON document cannot be read as configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("{message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error("syntax error: {name} at [edit{path}]")]
    Unknown { name: String, path: String },
    #[error("missing \"name\" in an entry of {0}")]
    MissingName(String),
    #[error("invalid value for {0}")]
    BadValue(String),
}

/// The `set`, `deactivate` and `annotate` lines for a JSON configuration
/// (`{"configuration" : {...}}`, or the object inside it).
pub fn to_statements(schema: &Schema, text: &str) -> Result<Vec<String>, JsonError> {
    let document: Value = serde_json::from_str(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: format!("syntax error: {e}"),
    })?;
    let configuration = document.get("configuration").unwrap_or(&document);
    let mut lines = Vec::new();
    walk(schema, None, configuration, &[], &mut lines)?;
    Ok(lines)
}

fn walk(
    schema: &Schema,
    at: Option<SchemaId>,
    object: &Value,
    prefix: &[String],
    lines: &mut Vec<String>,
) -> Result<(), JsonError> {
    let Some(object) = object.as_object() else {
        // `[null]` or `{}`: a statement of its own.
        return Ok(());
    };
    for (name, value) in object {
        if name.starts_with('@') || (name == "name" && at.is_some_and(|id| is_list(schema, id))) {
            continue;
        }
        let unknown = || JsonError::Unknown { name: name.clone(), path: edit_path(prefix) };
        let id = schema.by_element(at, name).ok_or_else(unknown)?;
        let s = schema.node(id);
        match &s.kind {
            Kind::Flag | Kind::Value(_) => {
                let word = match s.kind {
                    Kind::Value(_) if s.value_word(name).is_none() => {
                        quote(&text_of(value).ok_or_else(|| JsonError::BadValue(name.clone()))?)
                    }
                    _ => quote(name),
                };
                let words = with(prefix, &[&word]);
                lines.push(format!("set {}", words.join(" ")));
                marked(&words, object.get(&format!("@{name}")), lines);
            }
            Kind::Leaf(_) | Kind::LeafList(_) => {
                let values = match value {
                    Value::Array(values) => values.iter().map(text_of).collect::<Option<Vec<_>>>(),
                    value => text_of(value).map(|v| vec![v]),
                }
                .ok_or_else(|| JsonError::BadValue(name.clone()))?;
                for v in &values {
                    lines.push(format!("set {} {}", with(prefix, &[name.as_str()]).join(" "), quote(v)));
                }
                marked(&with(prefix, &[name.as_str()]), object.get(&format!("@{name}")), lines);
            }
            Kind::Container if s.unwrapped && value.is_array() => {
                let list = schema.unnamed(Some(id)).ok_or_else(unknown)?;
                for e in value.as_array().into_iter().flatten() {
                    let key = e
                        .get("name")
                        .and_then(text_of)
                        .ok_or_else(|| JsonError::MissingName(name.clone()))?;
                    entry(schema, list, e, &with(prefix, &[name.as_str(), &quote(&key)]), lines)?;
                }
            }
            Kind::Container => {
                let words = with(prefix, &[s.name.as_str()]);
                entry(schema, id, value, &words, lines)?;
            }
            Kind::List { keyword, .. } => {
                let entries = value.as_array().ok_or_else(|| JsonError::BadValue(name.clone()))?;
                for e in entries {
                    let key = e
                        .get("name")
                        .and_then(text_of)
                        .ok_or_else(|| JsonError::MissingName(name.clone()))?;
                    let words = if *keyword {
                        with(prefix, &[name.as_str(), &quote(&key)])
                    } else {
                        with(prefix, &[&quote(&key)])
                    };
                    entry(schema, id, e, &words, lines)?;
                }
            }
        }
    }
    Ok(())
}

/// A container or list entry: its contents, or itself when it holds none;
/// then its marks.
fn entry(
    schema: &Schema,
    id: SchemaId,
    value: &Value,
    words: &[String],
    lines: &mut Vec<String>,
) -> Result<(), JsonError> {
    let before = lines.len();
    walk(schema, Some(id), value, words, lines)?;
    if lines.len() == before {
        lines.push(format!("set {}", words.join(" ")));
    }
    marked(words, value.get("@"), lines);
    Ok(())
}

fn marked(words: &[String], marks: Option<&Value>, lines: &mut Vec<String>) {
    let Some(marks) = marks else { return };
    if marks.get("inactive").is_some_and(|v| v == &Value::Bool(true) || v == "inactive") {
        lines.push(format!("deactivate {}", words.join(" ")));
    }
    for verb in ["protect", "unprotect"] {
        if marks.get(verb).is_some_and(|v| v == &Value::Bool(true) || v == verb) {
            lines.push(format!("{verb} {}", words.join(" ")));
        }
    }
    if let Some(comment) = marks.get("comment").and_then(Value::as_str) {
        lines.push(format!("annotate {} {}", words.join(" "), quote(comment)));
    }
}

fn is_list(schema: &Schema, id: SchemaId) -> bool {
    matches!(schema.node(id).kind, Kind::List { .. })
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn with(prefix: &[String], words: &[&str]) -> Vec<String> {
    prefix.iter().cloned().chain(words.iter().map(|w| (*w).to_owned())).collect()
}

fn edit_path(prefix: &[String]) -> String {
    prefix.iter().map(|w| format!(" {w}")).collect()
}
