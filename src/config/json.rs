//! Junos's JSON configuration (`| display json`, `load ... json`): a
//! container is an object, a leaf its value (a number unquoted), a leaf-list
//! an array of values, a list an array of objects keyed by `"name"`, and a
//! flag or an empty container `[null]`. Marks go in `"@"` objects: inside
//! the object they describe, or as `"@leaf"` beside a leaf.

use std::borrow::Cow;
use std::fmt::Write;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::lines::Lines;
use super::print::{indent, quoted};
use super::schema::{Kind, Schema, SchemaId};
use super::tree::{Node, Sym, sorted_children};
use crate::grammar::ArgType;

/// `{"configuration" : {...}}` for the statements under `node` (whose
/// statement is `at`), wrapped in `path`: the words of the statements above
/// it, as `(element, entry name)` pairs. `attributes` go in the
/// configuration's own `"@"` (`junos:changed-seconds`, ...). Written into
/// `out` as it goes, so that a large configuration is sent in pieces while
/// the rest is printed, and written once, not joined again at every level.
pub fn write_json<W: Write>(
    out: &mut W,
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    path: &[(String, Option<String>)],
    attributes: &[(String, String)],
) {
    let mut w = Writer { out, schema };
    w.put("{\n    \"configuration\" : {\n");
    let mut members = Members::open("");
    if !attributes.is_empty() {
        members.next(&mut w);
        w.marks_object(attributes.iter().map(|(k, v)| (k.as_str(), Scalar::String(v))), 2, "@");
    }
    w.wrapped(at, node, path, 2, &mut members);
    w.put("\n    }\n}\n");
}

/// The members of the object being written: the first opens it, each next
/// one follows a comma.
struct Members {
    opener: &'static str,
    written: usize,
}

impl Members {
    fn open(opener: &'static str) -> Members {
        Members { opener, written: 0 }
    }

    /// Members after a first one written already (an entry's `"name"`).
    fn after_first() -> Members {
        Members { opener: "", written: 1 }
    }

    fn next<W: Write>(&mut self, w: &mut Writer<'_, W>) {
        w.put(if self.written == 0 { self.opener } else { ",\n" });
        self.written += 1;
    }
}

/// A value as written: a number bare, anything else a string.
#[derive(Clone, Copy)]
enum Scalar<'v> {
    Bare(&'v str),
    String(&'v str),
}

impl<'v> Scalar<'v> {
    /// A number bare where the statement holds numbers, else a string.
    fn of(t: &ArgType, value: &'v str) -> Scalar<'v> {
        match t {
            ArgType::Int { .. } if value.parse::<i64>().is_ok() => Scalar::Bare(value),
            _ => Scalar::String(value),
        }
    }
}

/// The JSON writer: where it writes, and the schema it writes by.
struct Writer<'w, W> {
    out: &'w mut W,
    schema: &'w Schema,
}

impl<W: Write> Writer<'_, W> {
    fn put(&mut self, text: &str) {
        let _ = self.out.write_str(text);
    }

    fn indent(&mut self, depth: usize) {
        let _ = self.out.write_str(&indent(depth));
    }

    /// `text` as a JSON string, escaped as serde_json escapes it.
    fn string(&mut self, text: &str) {
        self.put("\"");
        let mut plain = 0;
        for (i, b) in text.bytes().enumerate() {
            let escaped = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..0x20 => "",
                _ => continue,
            };
            self.put(&text[plain..i]);
            if escaped.is_empty() {
                let _ = write!(self.out, "\\u{b:04x}");
            } else {
                self.put(escaped);
            }
            plain = i + 1;
        }
        self.put(&text[plain..]);
        self.put("\"");
    }

    fn scalar(&mut self, value: Scalar<'_>) {
        match value {
            Scalar::Bare(text) => self.put(text),
            Scalar::String(text) => self.string(text),
        }
    }

    /// The statements under `node` at `depth`, inside the elements of `path`.
    fn wrapped(
        &mut self,
        at: Option<SchemaId>,
        node: &Node,
        path: &[(String, Option<String>)],
        depth: usize,
        members: &mut Members,
    ) {
        let Some(((element, name), inner)) = path.split_first() else {
            return self.statements(at, node, depth, members);
        };
        members.next(self);
        self.indent(depth);
        self.string(element);
        match name {
            // A list entry, by its name.
            Some(name) => {
                self.put(" : [\n");
                self.indent(depth);
                self.put("{\n");
                self.indent(depth + 1);
                self.put("\"name\" : ");
                self.string(name);
                self.wrapped(at, node, inner, depth + 1, &mut Members::after_first());
                self.put("\n");
                self.indent(depth);
                self.put("}\n");
                self.indent(depth);
                self.put("]");
            }
            None => {
                self.put(" : {\n");
                self.wrapped(at, node, inner, depth + 1, &mut Members::open(""));
                self.put("\n");
                self.indent(depth);
                self.put("}");
            }
        }
    }

    /// `"@" : { "inactive" : true }` and the like, at `depth`.
    fn marks_object<'m>(
        &mut self,
        marks: impl Iterator<Item = (&'m str, Scalar<'m>)>,
        depth: usize,
        key: &str,
    ) {
        self.indent(depth);
        self.string(key);
        self.put(" : {\n");
        for (i, (k, v)) in marks.enumerate() {
            if i > 0 {
                self.put(",\n");
            }
            self.indent(depth + 1);
            self.string(k);
            self.put(" : ");
            self.scalar(v);
        }
        self.put("\n");
        self.indent(depth);
        self.put("}");
    }

    /// A statement's marks as a member, if it has any.
    fn marks(&mut self, node: &Node, depth: usize, key: &str, members: &mut Members) {
        let comment = (!node.annotation().is_empty()).then(|| format!("/* {} */", node.annotation()));
        let group = node.group();
        let marks = [
            comment.as_deref().map(|c| ("comment", Scalar::String(c))),
            node.inactive().then_some(("inactive", Scalar::Bare("true"))),
            node.protected().then_some(("protect", Scalar::Bare("true"))),
            (!group.is_empty()).then_some(("junos:group", Scalar::String(&group))),
        ];
        if marks.iter().any(Option::is_some) {
            members.next(self);
            self.marks_object(marks.into_iter().flatten(), depth, key);
        }
    }

    /// A leaf-like member: `"name" : value`, then its marks as `"@name"`.
    fn leaf(
        &mut self,
        name: &str,
        value: impl FnOnce(&mut Self),
        child: &Node,
        depth: usize,
        members: &mut Members,
    ) {
        members.next(self);
        self.indent(depth);
        self.string(name);
        self.put(" : ");
        value(self);
        if node_marked(child) {
            self.marks(child, depth, &format!("@{name}"), members);
        }
    }

    /// The members for the statements under `node`, each at `depth`.
    fn statements(&mut self, at: Option<SchemaId>, node: &Node, depth: usize, members: &mut Members) {
        let schema = self.schema;
        let children = sorted_children(schema, at, node);
        // The entries of a keyword-less list are siblings in the tree, together in schema order.
        for group in children.chunk_by(|a, b| a.0.schema == b.0.schema) {
            let (step, child) = (&group[0].0, group[0].1);
            let s = schema.node(step.schema);
            let null = |w: &mut Self| w.put("[null]");
            match &s.kind {
                Kind::Flag => self.leaf(&s.name, null, child, depth, members),
                Kind::Value(t) => {
                    for v in &child.values {
                        match s.value_word(v) {
                            Some(word) => self.leaf(word, null, child, depth, members),
                            None => self.leaf(&s.name, |w| w.scalar(Scalar::of(t, v)), child, depth, members),
                        }
                    }
                }
                Kind::Leaf(t) => {
                    let value = |w: &mut Self| match child.values.first() {
                        Some(v) => w.scalar(Scalar::of(t, v)),
                        None => w.put("[null]"),
                    };
                    self.leaf(&s.name, value, child, depth, members);
                }
                Kind::LeafList(t) => {
                    let values = |w: &mut Self| {
                        w.put("[");
                        for (i, v) in child.values.iter().enumerate() {
                            if i > 0 {
                                w.put(", ");
                            }
                            w.scalar(Scalar::of(t, v));
                        }
                        w.put("]");
                    };
                    self.leaf(&s.name, values, child, depth, members);
                }
                // Its entries, as an array named after it.
                Kind::Container if s.unwrapped => {
                    let entries = sorted_children(schema, Some(step.schema), child);
                    self.array(
                        &s.name,
                        depth,
                        members,
                        entries.iter().map(|(entry, node)| {
                            let key = match &schema.node(entry.schema).kind {
                                Kind::List { key, .. } => Scalar::of(key, entry.key.as_str()),
                                _ => Scalar::String(entry.key.as_str()),
                            };
                            (entry.schema, key, *node)
                        }),
                    );
                }
                Kind::Container => {
                    members.next(self);
                    self.indent(depth);
                    self.string(&schema.element_name(step.schema));
                    self.put(" : ");
                    self.object(step.schema, child, depth, None);
                }
                Kind::List { keyword, key } => {
                    let entries: Vec<(&Sym, &Node)> = if *keyword {
                        child.children.iter().map(|(k, c)| (k, &**c)).collect()
                    } else {
                        group.iter().map(|(step, entry)| (&step.key, *entry)).collect()
                    };
                    let element = schema.list_element(step.schema);
                    let entries = entries
                        .into_iter()
                        .map(|(name, entry)| (step.schema, Scalar::of(key, name.as_str()), entry));
                    self.array(element, depth, members, entries);
                }
            }
        }
    }

    /// `"element" : [ {...}, ... ]` of list entries (their statement, name and contents).
    fn array<'n>(
        &mut self,
        element: &str,
        depth: usize,
        members: &mut Members,
        entries: impl Iterator<Item = (SchemaId, Scalar<'n>, &'n Node)>,
    ) {
        members.next(self);
        self.indent(depth);
        self.string(element);
        self.put(" : [\n");
        for (i, (id, name, entry)) in entries.enumerate() {
            if i > 0 {
                self.put(",\n");
            }
            self.indent(depth);
            self.object(id, entry, depth, Some(name));
        }
        self.put("\n");
        self.indent(depth);
        self.put("]");
    }

    /// `{ ... }` for a container or entry at `depth`, its name first, or
    /// `[null]` when it holds nothing.
    fn object(&mut self, id: SchemaId, node: &Node, depth: usize, name: Option<Scalar<'_>>) {
        let mut members = Members::open("{\n");
        // The marks first, as the attributes of an XML element come before its children.
        self.marks(node, depth + 1, "@", &mut members);
        if let Some(name) = name {
            members.next(self);
            self.indent(depth + 1);
            self.put("\"name\" : ");
            self.scalar(name);
        }
        self.statements(Some(id), node, depth + 1, &mut members);
        if members.written == 0 {
            self.put("[null]");
        } else {
            self.put("\n");
            self.indent(depth);
            self.put("}");
        }
    }
}

/// Whether a statement has marks to write.
fn node_marked(node: &Node) -> bool {
    !node.annotation().is_empty() || node.inactive() || node.protected() || !node.group().is_empty()
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
/// (`{"configuration" : {...}}`, or the object inside it), each ended by a
/// newline.
pub fn to_statements(schema: &Schema, text: &str) -> Result<String, JsonError> {
    let document: Json<'_> = serde_json::from_str(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: format!("syntax error: {e}"),
    })?;
    let configuration = document.get("configuration").unwrap_or(&document);
    let mut reader = Reader { lines: Lines::for_document(text.len()) };
    reader.walk(schema, None, configuration)?;
    Ok(reader.lines.into_text())
}

/// A JSON value read in place: a key or string without escapes is a slice
/// of the document, and an object keeps its members in the document's
/// order. A configuration's document is mostly keys and short strings, so
/// reading it into owned maps spent most of a load allocating.
#[derive(Debug)]
enum Json<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The values of an array; none of anything else.
    fn array(&self) -> &[Json<'a>] {
        match self {
            Json::Array(values) => values,
            _ => &[],
        }
    }

    /// A string or number as the text of a value.
    fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Json::String(s) => Some(Cow::Borrowed(s)),
            Json::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    /// `true`, or the word itself (`"inactive" : "inactive"`), as a mark is set.
    fn marks(&self, word: &str) -> bool {
        match self {
            Json::Bool(set) => *set,
            Json::String(s) => s == word,
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Json<'de>, E> {
        serde_json::Number::from_f64(v).map(Json::Number).ok_or_else(|| E::custom("not a finite number"))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(value) = seq.next_element()? {
            values.push(value);
        }
        Ok(Json::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(Key(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Json::Object(members))
    }
}

/// An object's key, borrowed where it has no escapes (serde's own `Cow`
/// always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        match deserializer.deserialize_str(JsonVisitor)? {
            Json::String(key) => Ok(Key(key)),
            _ => Err(serde::de::Error::custom("a key is a string")),
        }
    }
}

/// Walks a document into its lines.
struct Reader {
    lines: Lines,
}

impl Reader {
    fn walk(&mut self, schema: &Schema, at: Option<SchemaId>, object: &Json<'_>) -> Result<(), JsonError> {
        let Json::Object(members) = object else {
            // `[null]` or `{}`: a statement of its own.
            return Ok(());
        };
        for (name, value) in members {
            let name: &str = name;
            if name.starts_with('@') || (name == "name" && at.is_some_and(|id| is_list(schema, id))) {
                continue;
            }
            let unknown = || JsonError::Unknown { name: name.to_owned(), path: self.lines.edit_path() };
            let id = schema.by_element(at, name).ok_or_else(unknown)?;
            let s = schema.node(id);
            let bad = || JsonError::BadValue(name.to_owned());
            let marks = members.iter().find(|(k, _)| k.strip_prefix('@') == Some(name)).map(|(_, v)| v);
            let depth = self.lines.depth();
            match &s.kind {
                Kind::Flag | Kind::Value(_) => {
                    match s.kind {
                        Kind::Value(_) if s.value_word(name).is_none() => {
                            self.lines.word(&value.text().ok_or_else(bad)?);
                        }
                        _ => self.lines.word(name),
                    }
                    self.set("");
                    self.marked(marks);
                }
                Kind::Leaf(_) | Kind::LeafList(_) => {
                    self.lines.word(name);
                    let values = match value {
                        Json::Array(values) => values.as_slice(),
                        value => std::slice::from_ref(value),
                    };
                    for value in values {
                        self.set(&quoted(&value.text().ok_or_else(bad)?));
                    }
                    self.marked(marks);
                }
                Kind::Container if s.unwrapped && matches!(value, Json::Array(_)) => {
                    let list = schema.unnamed(Some(id)).ok_or_else(unknown)?;
                    self.lines.word(name);
                    let named = self.lines.depth();
                    for entry in value.array() {
                        let key = entry.get("name").and_then(Json::text);
                        self.lines.word(&key.ok_or_else(|| JsonError::MissingName(name.to_owned()))?);
                        self.entry(schema, list, entry)?;
                        self.lines.cut(named);
                    }
                }
                Kind::Container => {
                    self.lines.word(&s.name);
                    self.entry(schema, id, value)?;
                }
                Kind::List { keyword, .. } => {
                    let Json::Array(entries) = value else { return Err(bad()) };
                    if *keyword {
                        self.lines.word(name);
                    }
                    let named = self.lines.depth();
                    for entry in entries {
                        let key = entry.get("name").and_then(Json::text);
                        self.lines.word(&key.ok_or_else(|| JsonError::MissingName(name.to_owned()))?);
                        self.entry(schema, id, entry)?;
                        self.lines.cut(named);
                    }
                }
            }
            self.lines.cut(depth);
        }
        Ok(())
    }

    /// A container or list entry (its words in the prefix): its contents,
    /// or itself when it holds none; then its marks.
    fn entry(&mut self, schema: &Schema, id: SchemaId, value: &Json<'_>) -> Result<(), JsonError> {
        let before = self.lines.written();
        self.walk(schema, Some(id), value)?;
        if self.lines.written() == before {
            self.set("");
        }
        self.marked(value.get("@"));
        Ok(())
    }

    fn set(&mut self, tail: &str) {
        self.lines.line("set", tail);
    }

    fn marked(&mut self, marks: Option<&Json<'_>>) {
        let Some(marks) = marks else { return };
        for verb in ["inactive", "protect", "unprotect"] {
            if marks.get(verb).is_some_and(|mark| mark.marks(verb)) {
                self.lines.line(if verb == "inactive" { "deactivate" } else { verb }, "");
            }
        }
        if let Some(Json::String(comment)) = marks.get("comment") {
            self.lines.line("annotate", &quoted(comment));
        }
    }
}

fn is_list(schema: &Schema, id: SchemaId) -> bool {
    matches!(schema.node(id).kind, Kind::List { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::{apply_set_lines, parse_text, structured_lines};

    fn shown(schema: &Schema, node: &Node) -> String {
        let mut out = String::new();
        write_json(&mut out, schema, None, node, &[], &[]);
        out
    }

    fn loaded(schema: &Schema, json: &str) -> Node {
        let lines = structured_lines(schema, json).expect("JSON").expect("read");
        let mut node = Node::default();
        let errors = apply_set_lines(schema, &mut node, &lines);
        assert!(errors.is_empty(), "{errors:?}\n{lines}");
        node
    }

    #[test]
    fn marks_and_escapes_load_back_to_the_configuration_shown() {
        let schema = Schema::shipped().unwrap();
        let text = "/* top \"note\" \\ here */\nsystem {\n    inactive: host-name r1;\n    \
                    protect: domain-name \"a b\\\"c\";\n    ntp {\n        inactive: server 10.0.0.1;\n    }\n}\n\
                    interfaces {\n    ge-0/0/0 {\n        description \"tab\\there\";\n        \
                    unit 0 {\n            family inet {\n                address 10.0.0.1/24;\n            }\n        }\n    }\n}\n";
        let (node, errors) = parse_text(&schema, text);
        assert!(errors.is_empty(), "{errors:?}");
        let json = shown(&schema, &node);
        assert!(
            json.contains("\"@host-name\" : {\n                \"inactive\" : true\n            }"),
            "{json}"
        );
        assert!(json.contains("\"comment\" : \"/* top \\\"note\\\" \\\\ here */\""), "{json}");
        assert!(json.contains("\"name\" : 0,"), "a unit is a number: {json}");
        assert_eq!(loaded(&schema, &json), node);
    }

    #[test]
    fn members_are_read_in_any_order_and_keys_with_escapes() {
        let schema = Schema::shipped().unwrap();
        let json = r#"{"configuration": {"interfaces": {"interface": [
            {"unit": [{"family": {"inet": {"address": [{"name": "10.0.0.1/24"}]}}, "name": 0}],
             "descr\u0069ption": "x\"y", "name": "ge-0/0/0", "@": {"inactive": "inactive"}}]}}}"#;
        let (node, errors) = parse_text(
            &schema,
            "interfaces {\n    inactive: ge-0/0/0 {\n        description \"x\\\"y\";\n        \
             unit 0 {\n            family inet {\n                address 10.0.0.1/24;\n            }\n        }\n    }\n}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(loaded(&schema, json), node);
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let schema = Schema::shipped().unwrap();
        let mut w = Writer { out: &mut String::new(), schema: &schema };
        let text: String = (0u8..0x80).map(char::from).chain("é\u{2028}".chars()).collect();
        w.string(&text);
        assert_eq!(*w.out, serde_json::to_string(&text).unwrap());
    }

    #[test]
    fn what_is_not_configuration_is_named() {
        let schema = Schema::shipped().unwrap();
        let error = |json: &str| to_statements(&schema, json).unwrap_err().to_string();
        assert_eq!(error(r#"{"system": {"host-nam": "r1"}}"#), "syntax error: host-nam at [edit system]");
        assert_eq!(
            error(r#"{"interfaces": {"interface": [{"mtu": 1500}]}}"#),
            "missing \"name\" in an entry of interface"
        );
        assert_eq!(error(r#"{"system": {"host-name": {"a": 1}}}"#), "invalid value for host-name");
        assert!(error("{\"system\": ").starts_with("syntax error: EOF while parsing"));
    }
}
