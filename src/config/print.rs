//! Configuration printed as Junos prints it: the curly-brace text of `show`
//! and the `set` commands of `| display set`. The counterpart of the readers
//! in `load`.
//!
//! The printers write into any `fmt::Write`, so that the RE can send what
//! they print in pieces while they go on; each writes with `write_str`, its
//! indentation sliced from one static run of spaces, and a value is copied
//! only where it needs quotes.

use std::borrow::Cow;
use std::fmt::Write;

use super::path::Step;
use super::schema::{Kind, Schema, SchemaId, SchemaNode};
use super::tree::{Node, Sym, sorted_children};
use crate::grammar::ArgType;

/// Quotes a value the way Junos prints it: bare when it is one plain word.
/// A backslash stays as typed (`"line one\nline two"`, `"\.conf$"`) but
/// where the reader would take it for an escape: before `"`, `\` or the end.
pub fn quote(value: &str) -> String {
    quoted(value).into_owned()
}

pub(super) fn quoted(value: &str) -> Cow<'_, str> {
    let plain = !value.is_empty()
        && value.chars().all(|c| {
            !c.is_whitespace()
                && !matches!(c, '"' | ';' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '\\' | '$' | '|')
        });
    if plain { Cow::Borrowed(value) } else { Cow::Owned(in_quotes(value)) }
}

/// `value` in quotes, escaped as the readers expect.
fn in_quotes(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' if matches!(chars.peek(), None | Some('"' | '\\')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The name of an entry of a list without a keyword, as printed: in
/// quotes, plain or not, where Junos always quotes them (archive sites).
fn entry_name<'v>(list: &SchemaNode, name: &'v str) -> Cow<'v, str> {
    if list.quoted { Cow::Owned(in_quotes(name)) } else { quoted(name) }
}

/// A leaf's value as printed: a concealed secret as Junos prints it, bare,
/// and a policy expression too (`export ( A && B );`).
fn shown_value<'v>(s: &SchemaNode, value: &'v str) -> Cow<'v, str> {
    let bare = (s.secret && value == super::conceal::SECRET_DATA)
        || (s.expressions && super::expression::is_expression(value));
    if bare { Cow::Borrowed(value) } else { quoted(value) }
}

/// Four spaces a level, sliced from one run of them.
pub(super) fn indent(depth: usize) -> Cow<'static, str> {
    const SPACES: &str = "                                                                                                                                ";
    match SPACES.get(..depth * 4) {
        Some(spaces) => Cow::Borrowed(spaces),
        None => Cow::Owned(" ".repeat(depth * 4)),
    }
}

/// How `| display inheritance` marks the statements a group gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inheritance {
    /// No marks (also `| display inheritance no-comments`).
    #[default]
    Unmarked,
    /// `##`, `## 'X' was inherited from group 'G'`, `##` above each.
    Comments,
    /// The middle line alone (`brief`, `terse`).
    Brief,
}

/// The configuration under `node` in Junos curly-brace form, four spaces a level.
pub fn to_text(schema: &Schema, at: Option<SchemaId>, node: &Node) -> String {
    let mut out = String::new();
    write_text(&mut out, schema, at, node, Inheritance::Unmarked, false);
    out
}

/// The same text written to `out` as it is printed, never held whole: a
/// checkpoint of a large configuration, or its hash, costs no second copy
/// of it in memory. Returns the bytes written.
pub fn write_text_to(schema: &Schema, node: &Node, out: impl std::io::Write) -> std::io::Result<usize> {
    let mut sink = ByteSink { out: std::io::BufWriter::with_capacity(1 << 16, out), written: 0, error: None };
    write_text(&mut sink, schema, None, node, Inheritance::Unmarked, false);
    match sink.error {
        Some(error) => Err(error),
        None => std::io::Write::flush(&mut sink.out).map(|()| sink.written),
    }
}

/// Text printed on to a byte writer; `fmt::Error` carries nothing, so the
/// first I/O error is kept here, and printing after it writes nothing.
struct ByteSink<W: std::io::Write> {
    out: std::io::BufWriter<W>,
    written: usize,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> Write for ByteSink<W> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        match std::io::Write::write_all(&mut self.out, text.as_bytes()) {
            Ok(()) => {
                self.written += text.len();
                Ok(())
            }
            Err(error) => {
                self.error = Some(error);
                Err(std::fmt::Error)
            }
        }
    }
}

/// The same, with inherited statements marked as `inheritance` asks and,
/// with `detail` (`| display detail`), each statement under its schema help.
pub fn to_text_marked(
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    inheritance: Inheritance,
    detail: bool,
) -> String {
    let mut out = String::new();
    write_text(&mut out, schema, at, node, inheritance, detail);
    out
}

/// [`to_text_marked`] into `out`.
pub fn write_text<W: Write>(
    out: &mut W,
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    inheritance: Inheritance,
    detail: bool,
) {
    let mut printer = Printer { schema, inheritance, detail, out };
    printer.statements(at, node, 0);
}

struct Printer<'a, W> {
    schema: &'a Schema,
    inheritance: Inheritance,
    detail: bool,
    out: &'a mut W,
}

impl<W: Write> Printer<'_, W> {
    /// Writes each of `parts` (a write into a `String` cannot fail, and one
    /// into a stream whose reader left is not worth reporting).
    fn put(&mut self, parts: &[&str]) {
        for part in parts {
            let _ = self.out.write_str(part);
        }
    }

    fn statements(&mut self, at: Option<SchemaId>, node: &Node, depth: usize) {
        for (Step { schema: id, key }, child) in sorted_children(self.schema, at, node) {
            self.statement(id, &key, child, depth, "");
        }
    }

    /// One statement at `depth`; `lead` holds the names of the `inline`
    /// containers it is printed in (`family `).
    fn statement(&mut self, id: SchemaId, key: &str, node: &Node, depth: usize, lead: &str) {
        let s = self.schema.node(id);
        if let Kind::List { keyword: true, .. } = s.kind {
            // The keyword's node holds the entries: `unit 0 { ... }`, `unit 1 { ... }`.
            for (name, entry) in &node.children {
                let head = format!("{lead}{} {}", s.name, shown_value(s, name));
                if !(node.inactive() || self.inline_entry(id, &head, entry, depth)) {
                    self.block(id, &head, name, entry, node.inactive(), depth);
                }
            }
            return;
        }
        // A marked inline container keeps its own line, so that the mark has one.
        if s.kind == Kind::Container
            && s.inline
            && !node.inactive()
            && !node.protected()
            && node.annotation().is_empty()
        {
            let inner = format!("{lead}{} ", s.name);
            for (Step { schema: child_id, key: child_key }, child) in
                sorted_children(self.schema, Some(id), node)
            {
                self.statement(child_id, &child_key, child, depth, &inner);
            }
            if node.children.is_empty() {
                self.put(&[&indent(depth), lead, &s.name, ";\n"]);
            }
            return;
        }
        if let Kind::List { .. } | Kind::Container = s.kind {
            let (head, token) = if s.kind == Kind::Container {
                (Cow::Borrowed(s.name.as_str()), s.name.as_str())
            } else {
                (entry_name(s, key), key)
            };
            let head = format!("{lead}{head}");
            if s.kind == Kind::Container || !self.inline_entry(id, &head, node, depth) {
                self.block(id, &head, token, node, false, depth);
            }
            return;
        }
        let indent = indent(depth);
        let tokens: Vec<&str> = match s.kind {
            Kind::Flag => vec![s.name.as_str()],
            _ => node.values.iter().map(Sym::as_str).collect(),
        };
        let inactive = self.marks(id, &indent, node, &tokens, false);
        let value = node.values.first().map(|v| shown_value(s, v)).unwrap_or_default();
        match &s.kind {
            Kind::Flag => self.put(&[&indent, inactive, lead, &s.name, ";\n"]),
            Kind::Leaf(_) => {
                let secret = if s.secret { "; ## SECRET-DATA\n" } else { ";\n" };
                self.put(&[&indent, inactive, lead, &s.name, " ", &value, secret]);
            }
            Kind::Value(_) => self.put(&[&indent, inactive, lead, &value, ";\n"]),
            _ => {
                let values = leaf_list(s, &node.values);
                self.put(&[&indent, inactive, lead, &s.name, " ", &values, ";\n"]);
            }
        }
    }

    /// An entry of an `inline` list with its statements, each on a line of
    /// its own after the entry's name, as the several keys of a Junos list:
    /// `route-filter 10.0.0.0/8 exact;`, `route-filter 10.0.0.0/8 upto /24;`,
    /// `community add A;`. `false` (nothing written) for an entry that is not
    /// so printed: empty, or marked, so that the mark has a line of its own.
    fn inline_entry(&mut self, id: SchemaId, head: &str, entry: &Node, depth: usize) -> bool {
        let plain = entry.annotation().is_empty()
            && (entry.group().is_empty() || self.inheritance == Inheritance::Unmarked);
        if !self.schema.node(id).inline
            || entry.inactive()
            || entry.protected()
            || !plain
            || entry.children.is_empty()
        {
            return false;
        }
        let lead = format!("{head} ");
        for (Step { schema: child_id, key }, child) in sorted_children(self.schema, Some(id), entry) {
            self.statement(child_id, &key, child, depth, &lead);
        }
        true
    }

    /// Writes a statement's schema comments (with `detail`), inheritance
    /// comments (one per token: the name of a block or flag, each value of a
    /// leaf) and annotation, and returns its `inactive: ` marker.
    fn marks(
        &mut self,
        id: SchemaId,
        indent: &str,
        node: &Node,
        tokens: &[&str],
        inactive_above: bool,
    ) -> &'static str {
        if self.detail {
            let comments = detail(self.schema.node(id), indent);
            self.put(&[&comments]);
        }
        if !node.group().is_empty() && self.inheritance != Inheritance::Unmarked {
            for token in tokens {
                let line = format!("{indent}## '{token}' was inherited from group '{}'\n", node.group());
                if self.inheritance == Inheritance::Comments {
                    self.put(&[indent, "##\n", &line, indent, "##\n"]);
                } else {
                    self.put(&[&line]);
                }
            }
        }
        if !node.annotation().is_empty() {
            self.put(&[indent, "/* ", node.annotation(), " */\n"]);
        }
        match (node.protected(), node.inactive() || inactive_above) {
            (true, true) => "protect: inactive: ",
            (true, false) => "protect: ",
            (false, true) => "inactive: ",
            (false, false) => "",
        }
    }

    /// `head { ... }`, `head;` when empty, or `head words;` for a one-liner.
    /// `inactive_above`: the entry's list keyword was deactivated as a whole.
    fn block(
        &mut self,
        id: SchemaId,
        head: &str,
        token: &str,
        node: &Node,
        inactive_above: bool,
        depth: usize,
    ) {
        let indent = indent(depth);
        let marker = self.marks(id, &indent, node, &[token], inactive_above);
        let s = self.schema.node(id);
        if node.children.is_empty() {
            let secret = if s.secret && matches!(s.kind, Kind::List { .. }) { " ## SECRET-DATA" } else { "" };
            self.put(&[&indent, marker, head, ";", secret, "\n"]);
            return;
        }
        if s.oneliner
            && let Some((words, secret)) = one_line(self.schema, id, node)
        {
            let secret = if secret { " ## SECRET-DATA" } else { "" };
            self.put(&[&indent, marker, head, " ", &words, ";", secret, "\n"]);
            return;
        }
        self.put(&[&indent, marker, head, " {\n"]);
        self.statements(Some(id), node, depth + 1);
        self.put(&[&indent, "}\n"]);
    }
}

/// The comment block `| display detail` writes above a statement, as Junos
/// does: the statement's help, the range of a numeric value and the value
/// it has when not set, between bare `##` lines. Nothing for a statement
/// without help.
fn detail(s: &SchemaNode, indent: &str) -> String {
    if s.help.is_empty() {
        return String::new();
    }
    let mut out = format!("{indent}##\n{indent}## {}\n", s.help);
    let value = match &s.kind {
        Kind::Leaf(t) | Kind::LeafList(t) | Kind::Value(t) | Kind::List { key: t, .. } => Some(t),
        _ => None,
    };
    if let Some(ArgType::Int { min, max }) = value {
        let _ = writeln!(out, "{indent}## range: {min} .. {max}");
    }
    if let Some(default) = &s.default {
        let _ = writeln!(out, "{indent}## default: {default}");
    }
    let _ = writeln!(out, "{indent}##");
    out
}

/// A leaf-list's values: one bare, several in brackets.
fn leaf_list<'v>(s: &SchemaNode, values: &'v [Sym]) -> Cow<'v, str> {
    match values {
        [one] => shown_value(s, one),
        _ => Cow::Owned(format!(
            "[ {} ]",
            values.iter().map(|v| shown_value(s, v)).collect::<Vec<_>>().join(" ")
        )),
    }
}

/// The words of a one-liner's contents, and whether they hold a secret, or
/// `None` when they need braces. Junos puts one statement on the entry's
/// line (`route 0.0.0.0/0 next-hop 10.0.0.1;`, `routing failover
/// other-routing-engine;`), besides the values written without a keyword
/// (`routing-engine 0 master;`); two statements (`next-hop` and
/// `preference`) make a block, unless the one-liner is `flat` (`local-as
/// 65001 private loops 2;`, `md5 1 key "$9$..."; ## SECRET-DATA`).
///
/// In a container that is not `flat` (`then accept;`) only leaves and flags go on the line, and
/// empty one-liners, which print as flags (`then discard;`): Junos writes
/// `then { next-hop self; }` and `from { route-filter 10.0.0.0/8 exact; }`.
fn one_line(schema: &Schema, id: SchemaId, node: &Node) -> Option<(String, bool)> {
    let flat = schema.node(id).flat;
    let entry = matches!(schema.node(id).kind, Kind::List { .. });
    let mut words = String::new();
    let mut statements = 0;
    let mut secret = false;
    for (Step { schema: child_id, .. }, child) in sorted_children(schema, Some(id), node) {
        let s = schema.node(child_id);
        if child.inactive()
            || child.protected()
            || !child.annotation().is_empty()
            || child.group() != node.group()
            || (s.secret && !flat)
        {
            return None;
        }
        secret |= s.secret;
        if !matches!(s.kind, Kind::Value(_)) {
            statements += 1;
        }
        if !words.is_empty() {
            words.push(' ');
        }
        match &s.kind {
            Kind::Flag => words.push_str(&s.name),
            Kind::Leaf(_) => {
                words.push_str(&s.name);
                words.push(' ');
                words.push_str(&shown_value(s, child.values.first()?));
            }
            Kind::LeafList(_) => {
                words.push_str(&s.name);
                words.push(' ');
                words.push_str(&leaf_list(s, &child.values));
            }
            Kind::Value(_) => words.push_str(&quoted(child.values.first()?)),
            Kind::Container if s.oneliner && child.children.is_empty() => words.push_str(&s.name),
            Kind::Container if s.oneliner && (entry || flat) => {
                let (inner, inner_secret) = one_line(schema, child_id, child)?;
                secret |= inner_secret;
                words.push_str(&s.name);
                words.push(' ');
                words.push_str(&inner);
            }
            _ => return None,
        }
    }
    (statements <= 1 || flat).then_some((words, secret))
}

/// The configuration under `node` as `set` commands, one per value, in the
/// order `to_text` prints them. `prefix` is the path of `node` itself.
pub fn to_set(schema: &Schema, at: Option<SchemaId>, node: &Node, prefix: &str) -> String {
    let mut out = String::new();
    write_set(&mut out, schema, at, node, prefix);
    out
}

/// [`to_set`] into `out`.
pub fn write_set<W: Write>(out: &mut W, schema: &Schema, at: Option<SchemaId>, node: &Node, prefix: &str) {
    let mut sets = Sets { schema, out, path: String::from(prefix) };
    sets.statements(at, node);
}

/// The `set` printer: one buffer holds the path of the statement being
/// printed, grown by a word on the way down and cut back on the way up.
struct Sets<'a, W> {
    schema: &'a Schema,
    out: &'a mut W,
    path: String,
}

impl<W: Write> Sets<'_, W> {
    /// Adds `word` to the path; the length to cut it back to.
    fn enter(&mut self, word: &str) -> usize {
        let before = self.path.len();
        if before > 0 {
            self.path.push(' ');
        }
        self.path.push_str(word);
        before
    }

    /// `VERB PATH[ VALUE]`.
    fn line(&mut self, verb: &str, value: Option<&str>) {
        let _ = self.out.write_str(verb);
        let _ = self.out.write_str(" ");
        let _ = self.out.write_str(&self.path);
        if let Some(value) = value {
            let _ = self.out.write_str(" ");
            let _ = self.out.write_str(value);
        }
        let _ = self.out.write_str("\n");
    }

    fn statements(&mut self, at: Option<SchemaId>, node: &Node) {
        for (Step { schema: id, key }, child) in sorted_children(self.schema, at, node) {
            let s = self.schema.node(id);
            let before = match &s.kind {
                Kind::Flag => {
                    let before = self.enter(&s.name);
                    self.line("set", None);
                    before
                }
                Kind::Leaf(_) | Kind::LeafList(_) => {
                    let before = self.enter(&s.name);
                    for v in &child.values {
                        self.line("set", Some(&shown_value(s, v)));
                    }
                    before
                }
                Kind::Value(_) => {
                    for v in &child.values {
                        let before = self.enter(&quoted(v));
                        self.line("set", None);
                        self.path.truncate(before);
                    }
                    self.enter(&child.values.first().map(|v| quoted(v)).unwrap_or_default())
                }
                Kind::List { keyword: true, .. } => {
                    for (name, entry) in &child.children {
                        let before = self.enter(&s.name);
                        self.enter(&shown_value(s, name));
                        self.contents(id, entry);
                        self.marks(entry);
                        self.path.truncate(before);
                    }
                    self.enter(&s.name)
                }
                Kind::List { keyword: false, .. } => {
                    let before = self.enter(&entry_name(s, &key));
                    self.contents(id, child);
                    before
                }
                Kind::Container => {
                    let before = self.enter(&s.name);
                    self.contents(id, child);
                    before
                }
            };
            self.marks(child);
            self.path.truncate(before);
        }
    }

    /// `deactivate PATH` and `protect PATH` after a statement's `set` lines.
    fn marks(&mut self, node: &Node) {
        if node.inactive() {
            self.line("deactivate", None);
        }
        if node.protected() {
            self.line("protect", None);
        }
    }

    /// An empty container or entry is a `set` of its own; otherwise its contents are.
    fn contents(&mut self, id: SchemaId, node: &Node) {
        if node.children.is_empty() {
            self.line("set", None);
        } else {
            self.statements(Some(id), node);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::tests::{build, read};

    #[test]
    fn values_that_a_command_line_would_split_are_quoted() {
        assert_eq!(quote("ge-0/0/0"), "ge-0/0/0");
        assert_eq!(quote("a|b"), "\"a|b\"");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn a_backslash_prints_as_typed_but_where_it_would_escape() {
        assert_eq!(quote(r"Authorized only\nLogged"), r#""Authorized only\nLogged""#);
        assert_eq!(quote(r"\.conf$"), r#""\.conf$""#);
        assert_eq!(quote(r"a\"), r#""a\\""#);
        assert_eq!(quote(r#"a\"b"#), r#""a\\\"b""#);
        for value in [r"a\nb", r"a\", r#"a\"b"#, r"a\\b", "x\"y"] {
            let words = crate::grammar::tokenize(&quote(value));
            assert_eq!(words.len(), 1);
            assert_eq!(words[0].text, value, "{value} reads back");
        }
    }

    #[test]
    fn detail_writes_each_statements_help_range_and_default_above_it() {
        let schema = Schema::shipped().unwrap();
        let root = build(
            &schema,
            &[
                "system host-name lab1",
                "system login user ops uid 2001",
                "system syslog log-rotate-frequency 30",
            ],
        );
        let system = schema.keyword(None, "system");
        let detailed = to_text_marked(&schema, system, &root.children["system"], Inheritance::Unmarked, true);
        assert_eq!(
            detailed,
            "\
##
## Hostname for this router
##
host-name lab1;
##
## Names, login classes, and passwords for users
##
login {
    ##
    ## Username
    ##
    user ops {
        ##
        ## User identifier (uid)
        ## range: 100 .. 64000
        ##
        uid 2001;
    }
}
##
## System logging facility
##
syslog {
    ##
    ## Rotate log frequency (minutes)
    ## range: 1 .. 59
    ## default: 15
    ##
    log-rotate-frequency 30;
}
"
        );
    }

    #[test]
    fn set_prints_in_schema_order_with_one_liners_and_quotes() {
        let schema = Schema::shipped().unwrap();
        let root = build(
            &schema,
            &[
                "system host-name lab1",
                "chassis redundancy routing-engine 0 master",
                "chassis redundancy routing-engine 1 backup",
                "chassis redundancy keepalive-time 30",
                "chassis redundancy failover on-loss-of-keepalives",
                "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
                "interfaces ge-0/0/0 description \"uplink to core\"",
                "system processes routing failover other-routing-engine",
                "apply-groups re0",
                "apply-groups re1",
                "system root-authentication encrypted-password \"$6$abc\"",
            ],
        );
        assert_eq!(
            to_text(&schema, None, &root),
            "\
apply-groups [ re0 re1 ];
system {
    host-name lab1;
    root-authentication {
        encrypted-password \"$6$abc\"; ## SECRET-DATA
    }
    processes {
        routing failover other-routing-engine;
    }
}
chassis {
    redundancy {
        routing-engine 0 master;
        routing-engine 1 backup;
        failover {
            on-loss-of-keepalives;
        }
        keepalive-time 30;
    }
}
interfaces {
    ge-0/0/0 {
        description \"uplink to core\";
        unit 0 {
            family inet {
                address 10.0.0.1/24;
            }
        }
    }
}
"
        );
        assert_eq!(
            to_set(&schema, None, &root, ""),
            "\
set apply-groups re0
set apply-groups re1
set system host-name lab1
set system root-authentication encrypted-password \"$6$abc\"
set system processes routing failover other-routing-engine
set chassis redundancy routing-engine 0 master
set chassis redundancy routing-engine 1 backup
set chassis redundancy failover on-loss-of-keepalives
set chassis redundancy keepalive-time 30
set interfaces ge-0/0/0 description \"uplink to core\"
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24
"
        );
    }

    #[test]
    fn a_flat_one_liner_keeps_every_statement_and_a_secret_on_its_line() {
        let schema = Schema::load(
            "test.schema",
            r#"
            peer "Peer" {
                local-as "Local AS" flat {
                    <as-number> int(1..65535) "AS";
                    loops int(1..10) "Loops";
                    private "Private";
                }
                md5 <key-id> int(0..255) "MD5 key" flat {
                    key string "Key" secret;
                }
                route <to> prefix "Route" oneliner {
                    next-hop ip "Next hop";
                    preference int(0..255) "Preference";
                }
            }
            "#,
        )
        .unwrap();
        let root = build(
            &schema,
            &[
                "peer local-as 65001",
                "peer local-as loops 2",
                "peer local-as private",
                "peer md5 1 key \"$9$abc\"",
                "peer route 10.0.0.0/8 next-hop 192.0.2.1",
                "peer route 10.0.0.0/8 preference 5",
            ],
        );
        assert_eq!(
            to_text(&schema, None, &root),
            "\
peer {
    local-as 65001 loops 2 private;
    md5 1 key \"$9$abc\"; ## SECRET-DATA
    route 10.0.0.0/8 {
        next-hop 192.0.2.1;
        preference 5;
    }
}
"
        );
    }

    #[test]
    fn inactive_statements_and_annotations_are_shown_and_left_out_of_effect() {
        let schema = Schema::shipped().unwrap();
        let mut root = build(
            &schema,
            &[
                "system host-name lab1",
                "interfaces ge-0/0/0 unit 0 description a",
                "interfaces ge-0/0/1 disable",
            ],
        );
        let steps = |line: &str| read(&schema, line).unwrap().steps;
        assert!(root.set_inactive(&steps("interfaces ge-0/0/0 unit 0"), true));
        assert!(root.set_inactive(&steps("system host-name"), true));
        assert!(root.annotate(&steps("interfaces ge-0/0/1"), "spare port"));
        assert!(!root.set_inactive(&steps("interfaces ge-0/0/9"), true));
        assert_eq!(
            to_text(&schema, None, &root),
            "system {\n    inactive: host-name lab1;\n}\ninterfaces {\n    ge-0/0/0 {\n        inactive: unit 0 {\n            \
             description a;\n        }\n    }\n    /* spare port */\n    ge-0/0/1 {\n        disable;\n    }\n}\n"
        );
        assert_eq!(
            to_set(&schema, None, &root, ""),
            "set system host-name lab1\ndeactivate system host-name\nset interfaces ge-0/0/0 unit 0 description a\n\
             deactivate interfaces ge-0/0/0 unit 0\nset interfaces ge-0/0/1 disable\n"
        );
        assert_eq!(
            to_set(
                &schema,
                None,
                &crate::config::inherit::expand(&schema, &root, crate::slot::Slot::RE0),
                ""
            ),
            "set system\nset interfaces ge-0/0/1 disable\n"
        );
    }
}
