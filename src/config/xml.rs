//! Junos configuration XML read back into statements: the inverse of what
//! `| display xml` writes. A list's entries are elements named for the list
//! with a `<name>` key child, a flag is an empty element, a leaf-list has one
//! element per value, and a value written without a keyword is an element
//! named by the value. The statements come out as `set`/`delete` lines,
//! walked against the schema so that they read as the CLI expects them.

use std::fmt::Write;

use roxmltree::Node as Element;

use super::lines::Lines;
use super::print::{indent, quote};
use super::schema::{Kind, Schema, SchemaId};
use super::tree::{Node, Sym, sorted_children};

/// Why an element cannot be read as configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// No statement of that name at that level.
    #[error("syntax error: unknown element <{element}> at [edit{path}]")]
    UnknownElement { element: String, path: String },
    /// A list entry without its `<name>`.
    #[error("missing <name> in <{0}>")]
    MissingName(String),
    /// A value the `set` line cannot carry.
    #[error("invalid value in <{element}>: {message}")]
    BadValue { element: String, message: String },
    /// An `operation` (or Junos `delete`/`replace`) attribute that means nothing.
    #[error("unknown operation '{operation}' on <{element}>")]
    BadOperation { element: String, operation: String },
}

impl XmlError {
    /// The element the error is about, for `<bad-element>`.
    pub fn element(&self) -> &str {
        match self {
            XmlError::UnknownElement { element, .. }
            | XmlError::BadValue { element, .. }
            | XmlError::BadOperation { element, .. } => element,
            XmlError::MissingName(element) => element,
        }
    }
}

/// What is done with an element and what is under it (NETCONF's
/// `operation`, or the Junos `delete="delete"`/`replace="replace"` marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Set what the element holds.
    Merge,
    /// Delete the statement, then set what the element holds.
    Replace,
    /// Delete the statement.
    Delete,
    /// Set nothing: only elements with an operation of their own act
    /// (`<default-operation>none</default-operation>`).
    None,
}

/// What one element stands for.
struct Statement<'a> {
    id: SchemaId,
    /// The element's words in a `set` line, unquoted: `unit 0`,
    /// `ge-0/0/0`, `master`.
    words: Vec<&'a str>,
}

/// The `set`, `delete`, `deactivate` and `activate` lines for the
/// statements under `configuration` (the `<configuration>` element), each
/// applied as its marks say or else as `default` says; each line ends with
/// a newline.
pub fn to_statements(
    schema: &Schema,
    configuration: Element<'_, '_>,
    default: Operation,
) -> Result<String, XmlError> {
    let size = configuration.range().len();
    let mut lines = Lines::for_document(size);
    walk(schema, None, configuration, default, &mut lines)?;
    Ok(lines.into_text())
}

fn walk(
    schema: &Schema,
    at: Option<SchemaId>,
    parent: Element<'_, '_>,
    inherited: Operation,
    lines: &mut Lines,
) -> Result<(), XmlError> {
    for element in statements_in(schema, at, parent) {
        let level = lines.depth();
        let statement = statement(schema, at, element, &|| lines.edit_path())?;
        let operation = operation(element)?.unwrap_or(inherited);
        for word in statement.words {
            lines.word(word);
        }
        match operation {
            Operation::Delete => {
                lines.line("delete", "");
                lines.cut(level);
                continue;
            }
            // A leaf's value replaces the old one by itself.
            Operation::Replace if !is_leaf(schema, statement.id) => lines.line("delete", ""),
            _ => {}
        }
        let setting = operation != Operation::None;
        let holds = matches!(schema.node(statement.id).kind, Kind::Container | Kind::List { .. });
        if holds && statements_in(schema, Some(statement.id), element).next().is_some() {
            let inner = if setting { Operation::Merge } else { Operation::None };
            walk(schema, Some(statement.id), element, inner, lines)?;
        } else if setting {
            // A leaf, or an empty container or entry: a statement of its own.
            lines.line("set", "");
        }
        match (element.attribute("inactive"), element.attribute("active")) {
            (Some(_), _) => lines.line("deactivate", ""),
            (None, Some(_)) => lines.line("activate", ""),
            (None, None) => {}
        }
        for verb in ["protect", "unprotect"] {
            if element.attribute(verb).is_some() {
                lines.line(verb, "");
            }
        }
        if let Some(comment) = element.prev_sibling_element().filter(|e| is_comment(e)) {
            let text = comment.text().unwrap_or_default();
            lines.line("annotate", &quote(text.trim()));
        }
        lines.cut(level);
    }
    Ok(())
}

/// `<junos:comment>`: the annotation of the element after it.
fn is_comment(element: &Element<'_, '_>) -> bool {
    element.tag_name().name() == "comment"
        && element.tag_name().namespace().is_some_and(|ns| ns.starts_with("http://xml.juniper.net/"))
}

fn is_leaf(schema: &Schema, id: SchemaId) -> bool {
    matches!(schema.node(id).kind, Kind::Leaf(_) | Kind::LeafList(_) | Kind::Value(_) | Kind::Flag)
}

/// The element children of `parent` that are statements: all, less a list
/// entry's `<name>` key.
fn statements_in<'a, 'input>(
    schema: &Schema,
    at: Option<SchemaId>,
    parent: Element<'a, 'input>,
) -> impl Iterator<Item = Element<'a, 'input>> {
    let entry = at.is_some_and(|id| matches!(schema.node(id).kind, Kind::List { .. }));
    // The first `<name>` of an entry is its key.
    let mut key = entry;
    parent.children().filter(|c| c.is_element() && !is_comment(c)).filter(move |c| {
        let is_key = key && c.tag_name().name() == "name";
        key &= !is_key;
        !is_key
    })
}

/// The statement of `at` that `element` stands for, and its words.
fn statement<'a>(
    schema: &'a Schema,
    at: Option<SchemaId>,
    element: Element<'a, 'a>,
    edit_path: &dyn Fn() -> String,
) -> Result<Statement<'a>, XmlError> {
    let name = element.tag_name().name();
    let id = schema
        .by_element(at, name)
        .ok_or_else(|| XmlError::UnknownElement { element: name.to_owned(), path: edit_path() })?;
    // An element named after a `unwrapped` container is one of its entries.
    if schema.node(id).unwrapped
        && let Some(list) = schema.unnamed(Some(id))
        && let Ok(key) = key(element)
    {
        return Ok(Statement { id: list, words: vec![name, key] });
    }
    let words = match &schema.node(id).kind {
        Kind::Container | Kind::Flag => vec![schema.node(id).name.as_str()],
        Kind::Value(_) if schema.node(id).value_word(name).is_some() => vec![name],
        Kind::Value(_) => vec![value(element)?],
        // A leaf without a value names the leaf (to delete it, or in a filter).
        Kind::Leaf(_) | Kind::LeafList(_) if element.text().is_none() => vec![name],
        Kind::Leaf(_) | Kind::LeafList(_) => vec![name, value(element)?],
        Kind::List { keyword: true, .. } => vec![name, key(element)?],
        Kind::List { keyword: false, .. } => vec![key(element)?],
    };
    Ok(Statement { id, words })
}

/// ` interfaces ge-0/0/0`: the level as `[edit ...]` names it.
fn edit_path(prefix: &[String]) -> String {
    prefix.iter().map(|w| format!(" {w}")).collect()
}

/// The text of a leaf, which one `set` line must hold.
fn value<'a>(element: Element<'a, 'a>) -> Result<&'a str, XmlError> {
    let text = element.text().unwrap_or_default();
    if text.contains(['\n', '\r']) {
        return Err(XmlError::BadValue {
            element: element.tag_name().name().to_owned(),
            message: "a value cannot span lines".into(),
        });
    }
    Ok(text)
}

/// A list entry's `<name>`.
fn key<'a>(element: Element<'a, 'a>) -> Result<&'a str, XmlError> {
    let name = element
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "name")
        .ok_or_else(|| XmlError::MissingName(element.tag_name().name().to_owned()))?;
    value(name)
}

/// The element's own operation, if it carries one.
fn operation(element: Element<'_, '_>) -> Result<Option<Operation>, XmlError> {
    let bad = |operation: &str| XmlError::BadOperation {
        element: element.tag_name().name().to_owned(),
        operation: operation.to_owned(),
    };
    // Junos marks: `delete="delete"`, `replace="replace"`.
    if element.attribute("delete").is_some() {
        return Ok(Some(Operation::Delete));
    }
    if element.attribute("replace").is_some() {
        return Ok(Some(Operation::Replace));
    }
    // RFC 6241 `operation`, in the base namespace or written bare.
    let Some(attribute) = element.attributes().find(|a| a.name() == "operation") else {
        return Ok(None);
    };
    match attribute.value() {
        "merge" | "create" => Ok(Some(Operation::Merge)),
        "replace" => Ok(Some(Operation::Replace)),
        "delete" | "remove" => Ok(Some(Operation::Delete)),
        other => Err(bad(other)),
    }
}

/// The words of the statement a subtree filter selects, for `show`: the
/// filter is followed down while each level holds one element; where it
/// holds several, or a list without a `<name>`, the level is shown whole.
pub fn filter_path(schema: &Schema, configuration: Element<'_, '_>) -> Result<Vec<String>, XmlError> {
    let mut words: Vec<String> = Vec::new();
    let mut at = None;
    let mut parent = configuration;
    loop {
        let mut elements = statements_in(schema, at, parent);
        let (Some(element), None) = (elements.next(), elements.next()) else { return Ok(words) };
        let name = element.tag_name().name();
        let named = element.children().any(|c| c.is_element() && c.tag_name().name() == "name");
        // A list without an entry named selects the whole list.
        if !named && let Some(id) = schema.by_element(at, name) {
            match schema.node(id).kind {
                Kind::List { keyword: true, .. } => {
                    words.push(name.to_owned());
                    return Ok(words);
                }
                Kind::List { keyword: false, .. } => return Ok(words),
                _ => {}
            }
        }
        let statement = statement(schema, at, element, &|| edit_path(&words))?;
        match schema.node(statement.id).kind {
            Kind::Container | Kind::List { .. } => words.extend(statement.words.into_iter().map(quote)),
            // A leaf selects itself, whatever value the filter gives it.
            Kind::Leaf(_) | Kind::LeafList(_) => {
                words.push(name.to_owned());
                return Ok(words);
            }
            Kind::Flag | Kind::Value(_) => {
                words.extend(statement.words.into_iter().map(quote));
                return Ok(words);
            }
        }
        at = Some(statement.id);
        parent = element;
    }
}

/// The `<configuration>` element for the statements under `node` (whose
/// statement is `at`), wrapped in the elements of `path` (`(element, entry
/// name)`, outermost first), with `attributes`, at `depth`; written into
/// `out` as it goes, so that a large configuration is sent in pieces. List
/// entries are elements named for their list with a `<name>` child, flags
/// empty elements, leaf-lists one element per value; an annotation is a
/// `<junos:comment>` before its statement, an inactive statement says so,
/// and an inherited one names its group.
pub fn write_configuration<W: Write>(
    out: &mut W,
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    path: &[(String, Option<String>)],
    attributes: &[(String, String)],
    depth: usize,
) {
    let mut w = Writer { out, schema, open: false };
    w.start(depth, "configuration", attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for (level, (name, key)) in path.iter().enumerate() {
        let depth = depth + 1 + level;
        w.start(depth, name, std::iter::empty());
        if let Some(key) = key {
            w.leaf(depth + 1, "name", key, std::iter::empty());
        }
    }
    let inner = depth + 1 + path.len();
    w.statements(at, node, inner, None);
    for (level, (name, _)) in path.iter().enumerate().rev() {
        w.end(depth + 1 + level, name);
    }
    w.end(depth, "configuration");
}

/// The XML writer. An element's start tag is left open (`open`) until its
/// first child, so that one without any closes as `<name/>`.
struct Writer<'w, W> {
    out: &'w mut W,
    schema: &'w Schema,
    open: bool,
}

impl<W: Write> Writer<'_, W> {
    fn put(&mut self, text: &str) {
        let _ = self.out.write_str(text);
    }

    /// `<name attributes`, at `depth`, left open.
    fn start<'a>(&mut self, depth: usize, name: &str, attributes: impl Iterator<Item = (&'a str, &'a str)>) {
        if self.open {
            self.put(">\n");
        }
        self.put(&indent(depth));
        self.put("<");
        self.put(name);
        for (attribute, value) in attributes {
            self.put(" ");
            self.put(attribute);
            self.put("=\"");
            write_escaped(self.out, value, true);
            self.put("\"");
        }
        self.open = true;
    }

    fn end(&mut self, depth: usize, name: &str) {
        if std::mem::take(&mut self.open) {
            self.put("/>\n");
        } else {
            self.put(&indent(depth));
            self.put("</");
            self.put(name);
            self.put(">\n");
        }
    }

    /// `<name attributes>text</name>`.
    fn leaf<'a>(
        &mut self,
        depth: usize,
        name: &str,
        text: &str,
        attributes: impl Iterator<Item = (&'a str, &'a str)>,
    ) {
        self.start(depth, name, attributes);
        self.put(">");
        write_escaped(self.out, text, false);
        self.put("</");
        self.put(name);
        self.put(">\n");
        self.open = false;
    }

    /// The start of a statement's element: its annotation before it, its
    /// marks as attributes.
    fn start_statement(&mut self, depth: usize, name: &str, node: &Node) {
        self.comment(depth, node);
        let group = node.group();
        self.start(depth, name, marks(node, &group));
    }

    fn comment(&mut self, depth: usize, node: &Node) {
        if !node.annotation().is_empty() {
            let comment = format!("/* {} */", node.annotation());
            self.leaf(depth, "junos:comment", &comment, std::iter::empty());
        }
    }

    /// A statement's empty element (a flag, a value written as a word).
    fn empty_statement(&mut self, depth: usize, name: &str, node: &Node) {
        self.start_statement(depth, name, node);
        self.end(depth, name);
    }

    /// A statement's element holding `text`.
    fn text_statement(&mut self, depth: usize, name: &str, text: &str, node: &Node) {
        self.comment(depth, node);
        let group = node.group();
        self.leaf(depth, name, text, marks(node, &group));
    }

    /// The elements for the statements under `node`, at `depth`; those
    /// named `rename.0` are named `rename.1` (the entries of an unwrapped
    /// container carry its name).
    fn statements(&mut self, at: Option<SchemaId>, node: &Node, depth: usize, rename: Option<(&str, &str)>) {
        let schema = self.schema;
        let named = |name| renamed(name, rename);
        for (step, child) in sorted_children(schema, at, node) {
            let s = schema.node(step.schema);
            match &s.kind {
                Kind::Flag => self.empty_statement(depth, named(&s.name), child),
                Kind::Leaf(_) | Kind::LeafList(_) => {
                    for v in &child.values {
                        self.text_statement(depth, named(&s.name), v, child);
                    }
                }
                Kind::Value(_) => {
                    for v in &child.values {
                        match s.value_word(v) {
                            Some(word) => self.empty_statement(depth, named(word), child),
                            None => self.text_statement(depth, named(&s.name), v, child),
                        }
                    }
                }
                Kind::Container if s.unwrapped => {
                    let entry = schema.unnamed(Some(step.schema)).map(|list| schema.list_element(list));
                    let rename = entry.map(|entry| (entry, s.name.as_str()));
                    self.statements(Some(step.schema), child, depth, rename);
                }
                Kind::Container => {
                    let element = schema.element_name(step.schema);
                    let name = renamed(&element, rename);
                    self.start_statement(depth, name, child);
                    self.statements(Some(step.schema), child, depth + 1, None);
                    self.end(depth, name);
                }
                Kind::List { keyword, .. } => {
                    let entries: Vec<(&Sym, &Node)> = if *keyword {
                        child.children.iter().map(|(k, c)| (k, &**c)).collect()
                    } else {
                        vec![(&step.key, child)]
                    };
                    let name = named(schema.list_element(step.schema));
                    for (key, entry) in entries {
                        self.start_statement(depth, name, entry);
                        self.leaf(depth + 1, "name", key.as_str(), std::iter::empty());
                        self.statements(Some(step.schema), entry, depth + 1, None);
                        self.end(depth, name);
                    }
                }
            }
        }
    }
}

/// `name`, or the name `rename` gives it.
fn renamed<'n>(name: &'n str, rename: Option<(&str, &'n str)>) -> &'n str {
    match rename {
        Some((from, to)) if from == name => to,
        _ => name,
    }
}

/// A statement's marks as attributes, in the order Junos writes them.
fn marks<'a>(node: &Node, group: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
    [
        node.inactive().then_some(("inactive", "inactive")),
        node.protected().then_some(("protect", "protect")),
        (!group.is_empty()).then_some(("junos:group", group)),
    ]
    .into_iter()
    .flatten()
}

/// Text as XML character data (or, `attribute`, a double-quoted attribute
/// value): the markup characters escaped, and characters XML 1.0 cannot
/// carry replaced, so that whatever a command printed stays well-formed.
pub fn write_escaped<W: Write + ?Sized>(out: &mut W, text: &str, attribute: bool) {
    let mut plain = 0;
    for (i, c) in text.char_indices() {
        let escaped = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' if attribute => "&quot;",
            '\t' | '\n' | '\r' => continue,
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => "\u{fffd}",
            _ => continue,
        };
        let _ = out.write_str(&text[plain..i]);
        let _ = out.write_str(escaped);
        plain = i + c.len_utf8();
    }
    let _ = out.write_str(&text[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::apply_set_lines;
    use crate::config::tree::Node;

    use crate::config::print::to_set;

    fn lines(xml: &str, default: Operation) -> Result<Vec<String>, XmlError> {
        let schema = Schema::shipped().unwrap();
        let document = roxmltree::Document::parse(xml).unwrap();
        to_statements(&schema, document.root_element(), default)
            .map(|text| text.lines().map(str::to_owned).collect())
    }

    /// The XML `| display xml` writes for a configuration with each shape
    /// of statement: keyword and keyword-less lists, flags, a leaf-list, a
    /// value without a keyword, groups with a wildcard entry, and quoting.
    const SHAPES: &str = r#"<configuration>
    <groups>
        <name>re0</name>
        <system>
            <host-name>r1-re0</host-name>
        </system>
    </groups>
    <groups>
        <name>jumbo</name>
        <interfaces>
            <interface>
                <name>&lt;ge-*&gt;</name>
                <mtu>9192</mtu>
            </interface>
        </interfaces>
    </groups>
    <apply-groups>re0</apply-groups>
    <apply-groups>jumbo</apply-groups>
    <system>
        <commit>
            <synchronize/>
        </commit>
        <location>
            <building>two "words" here</building>
        </location>
        <services>
            <ssh/>
        </services>
    </system>
    <chassis>
        <redundancy>
            <routing-engine>
                <name>0</name>
                <master/>
            </routing-engine>
            <routing-engine>
                <name>1</name>
                <backup/>
            </routing-engine>
        </redundancy>
    </chassis>
    <interfaces>
        <interface>
            <name>ge-0/0/0</name>
            <description>uplink; main</description>
            <unit>
                <name>0</name>
                <family>
                    <inet>
                        <address>
                            <name>10.0.0.1/30</name>
                        </address>
                    </inet>
                </family>
            </unit>
        </interface>
    </interfaces>
    <policy-options>
        <prefix-list>
            <name>customers</name>
            <prefix>
                <name>100.0.0.0/24</name>
            </prefix>
        </prefix-list>
    </policy-options>
</configuration>"#;

    #[test]
    fn every_shape_reads_back_to_the_set_lines_that_made_it() {
        let schema = Schema::shipped().unwrap();
        let read = lines(SHAPES, Operation::Merge).unwrap();
        let mut tree = Node::default();
        assert_eq!(apply_set_lines(&schema, &mut tree, &read.join("\n")), [], "{read:#?}");
        let expected = [
            "set groups re0 system host-name r1-re0",
            "set groups jumbo interfaces <ge-*> mtu 9192",
            "set apply-groups re0",
            "set apply-groups jumbo",
            "set system commit synchronize",
            "set system location building \"two \\\"words\\\" here\"",
            "set system services ssh",
            "set chassis redundancy routing-engine 0 master",
            "set chassis redundancy routing-engine 1 backup",
            "set interfaces ge-0/0/0 description \"uplink; main\"",
            "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30",
            "set policy-options prefix-list customers 100.0.0.0/24",
        ];
        let mut wanted = Node::default();
        assert_eq!(apply_set_lines(&schema, &mut wanted, &expected.join("\n")), []);
        assert_eq!(to_set(&schema, None, &tree, ""), to_set(&schema, None, &wanted, ""));
    }

    #[test]
    fn operations_delete_replace_and_mark() {
        let xml = r#"<configuration xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">
            <system>
                <location nc:operation="replace"><building>b</building></location>
                <host-name delete="delete"/>
                <services inactive="inactive"><ssh/></services>
                <domain-name nc:operation="delete">example.net</domain-name>
            </system>
            <interfaces><interface replace="replace"><name>ge-0/0/1</name></interface></interfaces>
        </configuration>"#;
        assert_eq!(
            lines(xml, Operation::Merge).unwrap(),
            [
                "delete system location",
                "set system location building b",
                "delete system host-name",
                "set system services ssh",
                "deactivate system services",
                "delete system domain-name example.net",
                "delete interfaces ge-0/0/1",
                "set interfaces ge-0/0/1",
            ]
        );
    }

    #[test]
    fn with_no_default_operation_only_marked_elements_act() {
        let xml = r#"<configuration><system>
            <host-name>ignored</host-name>
            <location operation="merge"><floor>3</floor></location>
            <domain-name operation="remove"/>
        </system></configuration>"#;
        assert_eq!(
            lines(xml, Operation::None).unwrap(),
            ["set system location floor 3", "delete system domain-name"]
        );
    }

    #[test]
    fn unknown_elements_and_bad_marks_are_named() {
        let unknown =
            lines("<configuration><system><bogus>1</bogus></system></configuration>", Operation::Merge);
        let error = unknown.unwrap_err();
        assert_eq!(error.element(), "bogus");
        assert_eq!(error.to_string(), "syntax error: unknown element <bogus> at [edit system]");
        let nameless =
            lines("<configuration><interfaces><interface/></interfaces></configuration>", Operation::Merge);
        assert_eq!(nameless.unwrap_err(), XmlError::MissingName("interface".into()));
        let bad = lines("<configuration><system operation=\"frob\"/></configuration>", Operation::Merge);
        assert_eq!(bad.unwrap_err().element(), "system");
        let multiline = lines(
            "<configuration><system><host-name>a\nb</host-name></system></configuration>",
            Operation::Merge,
        );
        assert!(matches!(multiline.unwrap_err(), XmlError::BadValue { .. }));
    }

    #[test]
    fn a_subtree_filter_names_the_level_it_selects() {
        let schema = Schema::shipped().unwrap();
        let path = |xml: &str| {
            let document = roxmltree::Document::parse(xml).unwrap();
            filter_path(&schema, document.root_element()).unwrap()
        };
        assert_eq!(
            path("<configuration><system><domain-name/></system></configuration>"),
            ["system", "domain-name"]
        );
        assert_eq!(
            path(
                "<configuration><interfaces><interface><name>ge-0/0/0</name><unit><name>0</name></unit></interface></interfaces></configuration>"
            ),
            ["interfaces", "ge-0/0/0", "unit", "0"]
        );
        assert_eq!(
            path("<configuration><interfaces><interface/></interfaces></configuration>"),
            ["interfaces"]
        );
        assert_eq!(path("<configuration><system/><chassis/></configuration>"), Vec::<String>::new());
        assert_eq!(
            path("<configuration><system><login><user/></login></system></configuration>"),
            ["system", "login", "user"]
        );
    }
}
