//! The configuration tree and its two text forms: Junos curly braces and
//! `set` commands. Children are kept in an insertion-ordered map, so a lookup
//! is one hash per level and an edit costs the depth of its path, not the size
//! of the configuration; printing sorts siblings into schema order.
//!
//! Children are shared (`Arc`) and copied on write: a copy of a whole
//! configuration (the committed one for a candidate, a candidate for a
//! commit) costs its top level, an edit copies only the nodes on its path,
//! and two configurations that share a subtree compare it by pointer.

use std::fmt::Write;
use std::sync::Arc;

use indexmap::IndexMap;

use super::path::{Resolved, Step};
use super::schema::{Kind, Schema, SchemaId};

/// One statement: a container, a list's entries, or a leaf with its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Keyed by keyword, or by entry name under a list.
    pub children: IndexMap<String, Arc<Node>>,
    /// A leaf's value, or a leaf-list's values.
    pub values: Vec<String>,
    /// `deactivate`d: kept and shown, but no part of the effective configuration.
    pub inactive: bool,
    /// `annotate`: printed above the statement as `/* text */`.
    pub annotation: String,
    /// In an effective configuration: the group the statement was inherited
    /// from (empty when it was configured where it is).
    pub group: String,
}

/// Why an edit of the tree's structure could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("statement not found")]
    NotFound,
    #[error("statement not found: {0}")]
    NoSuchEntry(String),
    #[error("statement already exists: {0}")]
    Exists(String),
    #[error("only an entry of a list can be renamed, copied or moved")]
    NotAnEntry,
}

/// Whether `steps` ends at an entry of a list (`interfaces ge-0/0/0`,
/// `unit 0`) rather than at a keyword or statement.
pub fn ends_at_entry(schema: &Schema, steps: &[Step]) -> bool {
    let Some(last) = steps.last() else { return false };
    match schema.node(last.schema).kind {
        Kind::List { keyword: false, .. } => true,
        // A keyword list's keyword and its entry are two steps of the same statement.
        Kind::List { keyword: true, .. } => steps.len() >= 2 && steps[steps.len() - 2].schema == last.schema,
        _ => false,
    }
}

impl Node {
    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.values.is_empty()
    }

    pub fn get_mut(&mut self, steps: &[Step]) -> Option<&mut Node> {
        steps.iter().try_fold(self, |node, step| node.child_mut(&step.key))
    }

    pub fn child(&self, key: &str) -> Option<&Node> {
        self.children.get(key).map(|child| &**child)
    }

    /// The child under `key`, made this tree's own to change.
    pub fn child_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.children.get_mut(key).map(Arc::make_mut)
    }

    /// The child under `key`, created if missing, made this tree's own.
    pub fn child_entry(&mut self, key: &str) -> &mut Node {
        // Looked up before inserting, so that a key present costs no allocation.
        let index = match self.children.get_index_of(key) {
            Some(index) => index,
            None => self.children.insert_full(key.to_owned(), Arc::default()).0,
        };
        Arc::make_mut(&mut self.children[index])
    }

    /// The node at `steps`, created with the path to it if missing.
    pub fn entry(&mut self, steps: &[Step]) -> &mut Node {
        steps.iter().fold(self, |node, step| node.child_entry(&step.key))
    }

    /// `deactivate`/`activate`. `false` when the statement is not there.
    pub fn set_inactive(&mut self, steps: &[Step], inactive: bool) -> bool {
        self.get_mut(steps).map(|node| node.inactive = inactive).is_some()
    }

    /// `annotate`; an empty text removes the comment.
    pub fn annotate(&mut self, steps: &[Step], text: &str) -> bool {
        self.get_mut(steps).map(|node| node.annotation = text.to_owned()).is_some()
    }

    /// The list holding the entry `steps` ends at, and the entry's name.
    fn entry_parent(&mut self, schema: &Schema, steps: &[Step]) -> Result<(&mut Node, String), EditError> {
        let Some((last, parent)) = steps.split_last() else { return Err(EditError::NotAnEntry) };
        if !ends_at_entry(schema, steps) {
            return Err(EditError::NotAnEntry);
        }
        let list = self.get_mut(parent).filter(|p| p.children.contains_key(&last.key));
        Ok((list.ok_or(EditError::NotFound)?, last.key.clone()))
    }

    /// `rename PATH to NAME`: the entry keeps its place in the list.
    pub fn rename(&mut self, schema: &Schema, steps: &[Step], to: &str) -> Result<(), EditError> {
        let (list, name) = self.entry_parent(schema, steps)?;
        if list.children.contains_key(to) {
            return Err(EditError::Exists(to.to_owned()));
        }
        if let Some((index, _, entry)) = list.children.shift_remove_full(&name) {
            list.children.shift_insert(index, to.to_owned(), entry);
        }
        Ok(())
    }

    /// `copy PATH to NAME`: a new entry, last in its list, with the same contents.
    pub fn copy(&mut self, schema: &Schema, steps: &[Step], to: &str) -> Result<(), EditError> {
        let (list, name) = self.entry_parent(schema, steps)?;
        if list.children.contains_key(to) {
            return Err(EditError::Exists(to.to_owned()));
        }
        let copy = list.children[&name].clone();
        list.children.insert(to.to_owned(), copy);
        Ok(())
    }

    /// `insert PATH (before|after) NAME`: moves an entry of an ordered list
    /// (policy terms, filter terms) next to another.
    pub fn insert(
        &mut self,
        schema: &Schema,
        steps: &[Step],
        before: bool,
        other: &str,
    ) -> Result<(), EditError> {
        let (list, name) = self.entry_parent(schema, steps)?;
        if !list.children.contains_key(other) {
            return Err(EditError::NoSuchEntry(other.to_owned()));
        }
        if name == other {
            return Ok(());
        }
        let Some(entry) = list.children.shift_remove(&name) else { return Err(EditError::NotFound) };
        let at = list.children.get_index_of(other).unwrap_or(list.children.len());
        list.children.shift_insert(if before { at } else { at + 1 }, name, entry);
        Ok(())
    }

    /// The node at `steps`, if the tree has it.
    pub fn get(&self, steps: &[Step]) -> Option<&Node> {
        self.descend(steps.iter().map(|s| s.key.as_str()))
    }

    /// The node under these keys (keywords and entry names), if the tree has it.
    pub fn descend<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Option<&Node> {
        keys.into_iter().try_fold(self, |node, key| node.child(key))
    }

    /// `set`: creates the path and sets its value (a leaf-list gains one).
    pub fn set(&mut self, schema: &Schema, path: &Resolved) {
        let mut node = self;
        for step in &path.steps {
            // A statement of a `choice` replaces the one set before it.
            if step.key == schema.node(step.schema).name {
                for rival in schema.rivals(step.schema) {
                    node.children.shift_remove(&schema.node(rival).name);
                }
            }
            node = node.child_entry(&step.key);
        }
        if let Some(last) = path.steps.last() {
            match schema.node(last.schema).kind {
                Kind::LeafList(_) => {
                    for value in &path.values {
                        if !node.values.contains(value) {
                            node.values.push(value.clone());
                        }
                    }
                }
                _ if !path.values.is_empty() => node.values = path.values.clone(),
                _ => {}
            }
        }
    }

    /// `load merge`: `other`'s statements join this tree, where both are
    /// statements of `at`. A leaf takes the loaded value; a leaf-list gains the
    /// loaded values; containers and entries merge inside.
    pub fn merge(&mut self, schema: &Schema, at: Option<SchemaId>, other: Node) {
        for (key, child) in other.children {
            let Some(step) = child_step(schema, at, &key) else { continue };
            let target = self.child_entry(&key);
            let child = Arc::unwrap_or_clone(child);
            match &schema.node(step.schema).kind {
                Kind::LeafList(_) => {
                    for value in child.values {
                        if !target.values.contains(&value) {
                            target.values.push(value);
                        }
                    }
                }
                Kind::Leaf(_) | Kind::Value(_) => target.values = child.values,
                Kind::Flag => {}
                Kind::List { keyword: true, .. } => {
                    for (name, entry) in child.children {
                        target.child_entry(&name).merge(
                            schema,
                            Some(step.schema),
                            Arc::unwrap_or_clone(entry),
                        );
                    }
                }
                Kind::Container | Kind::List { keyword: false, .. } => {
                    target.merge(schema, Some(step.schema), child)
                }
            }
        }
    }

    /// `delete`: removes the path (or one value of a leaf-list) and any
    /// containers it leaves empty. `false` when there was nothing to delete.
    pub fn delete(&mut self, schema: &Schema, path: &Resolved) -> bool {
        fn remove(node: &mut Node, schema: &Schema, steps: &[Step], values: &[String]) -> bool {
            let Some((first, rest)) = steps.split_first() else {
                return false;
            };
            let Some(child) = node.child_mut(&first.key) else {
                return false;
            };
            let removed = if rest.is_empty() {
                match (values, &schema.node(first.schema).kind) {
                    ([_, ..], Kind::LeafList(_)) => {
                        let before = child.values.len();
                        child.values.retain(|x| !values.contains(x));
                        child.values.len() != before
                    }
                    ([v, ..], Kind::Leaf(_) | Kind::Value(_)) if !child.values.contains(v) => return false,
                    _ => {
                        node.children.shift_remove(&first.key);
                        return true;
                    }
                }
            } else {
                remove(child, schema, rest, values)
            };
            // A list's keyword and a container that holds nothing go with their last child.
            let keeps_meaning = schema.node(first.schema).presence
                || matches!(schema.node(first.schema).kind, Kind::List { keyword: false, .. });
            if removed && child.is_empty() && !keeps_meaning {
                node.children.shift_remove(&first.key);
            }
            removed
        }
        remove(self, schema, &path.steps, &path.values)
    }
}

/// The statements under `node` (whose statement is `at`) as steps, in the
/// order Junos prints them: schema order, then insertion order within a list.
pub fn sorted_children<'a>(schema: &Schema, at: Option<SchemaId>, node: &'a Node) -> Vec<(Step, &'a Node)> {
    let mut children: Vec<(Step, &Node)> = node
        .children
        .iter()
        .filter_map(|(key, child)| Some((child_step(schema, at, key)?, &**child)))
        .collect();
    children.sort_by_key(|(step, _)| schema.position(at, step.schema));
    children
}

/// The schema statement a child key of `at` stands for: a keyword, or else
/// an entry (or value) of the level's keyword-less statement. The entries of
/// a keyword list are printed by the list itself and never looked up here.
pub fn child_step(schema: &Schema, at: Option<SchemaId>, key: &str) -> Option<Step> {
    let id = schema.keyword(at, key).or_else(|| schema.unnamed(at))?;
    Some(Step { schema: id, key: key.to_owned() })
}

/// Quotes a value the way Junos prints it: bare when it is one plain word.
pub fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value.chars().all(|c| {
            !c.is_whitespace() && !matches!(c, '"' | ';' | '{' | '}' | '[' | ']' | '#' | '\\' | '$' | '|')
        });
    if plain { value.to_owned() } else { format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")) }
}

/// A leaf's value as printed: a concealed secret as Junos prints it, bare.
fn shown_value(secret: bool, value: &str) -> String {
    if secret && value == super::conceal::SECRET_DATA { value.to_owned() } else { quote(value) }
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
    to_text_marked(schema, at, node, Inheritance::Unmarked)
}

/// The same, with inherited statements marked as `inheritance` asks.
pub fn to_text_marked(
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    inheritance: Inheritance,
) -> String {
    let mut printer = Printer { schema, inheritance, out: String::new() };
    printer.statements(at, node, 0);
    printer.out
}

struct Printer<'a> {
    schema: &'a Schema,
    inheritance: Inheritance,
    out: String,
}

impl Printer<'_> {
    fn statements(&mut self, at: Option<SchemaId>, node: &Node, depth: usize) {
        for (step, child) in sorted_children(self.schema, at, node) {
            self.statement(&step, child, depth);
        }
    }

    fn statement(&mut self, step: &Step, node: &Node, depth: usize) {
        let s = self.schema.node(step.schema);
        if let Kind::List { keyword: true, .. } = s.kind {
            // The keyword's node holds the entries: `unit 0 { ... }`, `unit 1 { ... }`.
            for (name, entry) in &node.children {
                let head = format!("{} {}", s.name, quote(name));
                self.block(step.schema, &head, name, entry, node.inactive, depth);
            }
            return;
        }
        if let Kind::List { .. } | Kind::Container = s.kind {
            let head = if s.kind == Kind::Container { s.name.clone() } else { quote(&step.key) };
            let token = if s.kind == Kind::Container { &s.name } else { &step.key };
            self.block(step.schema, &head, token, node, false, depth);
            return;
        }
        let indent = "    ".repeat(depth);
        let tokens: Vec<&str> = match s.kind {
            Kind::Flag => vec![s.name.as_str()],
            _ => node.values.iter().map(String::as_str).collect(),
        };
        let inactive = self.marks(&indent, node, &tokens, false);
        let secret = if s.secret { " ## SECRET-DATA" } else { "" };
        let value = || node.values.first().map(|v| shown_value(s.secret, v)).unwrap_or_default();
        let out = &mut self.out;
        let _ = match &s.kind {
            Kind::Flag => writeln!(out, "{indent}{inactive}{};", s.name),
            Kind::Leaf(_) => writeln!(out, "{indent}{inactive}{} {};{secret}", s.name, value()),
            Kind::Value(_) => writeln!(out, "{indent}{inactive}{};", value()),
            _ => {
                let values: Vec<String> = node.values.iter().map(|v| quote(v)).collect();
                if values.len() == 1 {
                    writeln!(out, "{indent}{inactive}{} {};", s.name, values[0])
                } else {
                    writeln!(out, "{indent}{inactive}{} [ {} ];", s.name, values.join(" "))
                }
            }
        };
    }

    /// Writes a statement's inheritance comments (one per token: the name of
    /// a block or flag, each value of a leaf) and annotation, and returns its
    /// `inactive: ` marker.
    fn marks(&mut self, indent: &str, node: &Node, tokens: &[&str], inactive_above: bool) -> &'static str {
        if !node.group.is_empty() && self.inheritance != Inheritance::Unmarked {
            for token in tokens {
                let line = format!("{indent}## '{token}' was inherited from group '{}'\n", node.group);
                if self.inheritance == Inheritance::Comments {
                    let _ = write!(self.out, "{indent}##\n{line}{indent}##\n");
                } else {
                    self.out.push_str(&line);
                }
            }
        }
        if !node.annotation.is_empty() {
            let _ = writeln!(self.out, "{indent}/* {} */", node.annotation);
        }
        if node.inactive || inactive_above { "inactive: " } else { "" }
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
        let indent = "    ".repeat(depth);
        let head = format!("{}{head}", self.marks(&indent, node, &[token], inactive_above));
        if node.children.is_empty() {
            let _ = writeln!(self.out, "{indent}{head};");
            return;
        }
        if self.schema.node(id).oneliner
            && let Some(words) = one_line(self.schema, id, node)
        {
            let _ = writeln!(self.out, "{indent}{head} {words};");
            return;
        }
        let _ = writeln!(self.out, "{indent}{head} {{");
        self.statements(Some(id), node, depth + 1);
        let _ = writeln!(self.out, "{indent}}}");
    }
}

/// The words of a one-liner's contents (`failover other-routing-engine`), or
/// `None` when something in it needs braces.
fn one_line(schema: &Schema, id: SchemaId, node: &Node) -> Option<String> {
    let mut words = Vec::new();
    for (step, child) in sorted_children(schema, Some(id), node) {
        let s = schema.node(step.schema);
        if child.inactive || !child.annotation.is_empty() || child.group != node.group {
            return None;
        }
        match &s.kind {
            Kind::Flag => words.push(s.name.clone()),
            Kind::Leaf(_) => words.push(format!("{} {}", s.name, quote(child.values.first()?))),
            Kind::Value(_) => words.push(quote(child.values.first()?)),
            Kind::Container if s.oneliner => {
                words.push(format!("{} {}", s.name, one_line(schema, step.schema, child)?))
            }
            _ => return None,
        }
    }
    Some(words.join(" "))
}

/// The configuration under `node` as `set` commands, one per value, in the
/// order `to_text` prints them. `prefix` is the path of `node` itself.
pub fn to_set(schema: &Schema, at: Option<SchemaId>, node: &Node, prefix: &str) -> String {
    let mut out = String::new();
    write_sets(&mut out, schema, at, node, prefix);
    out
}

fn write_sets(out: &mut String, schema: &Schema, at: Option<SchemaId>, node: &Node, prefix: &str) {
    let join = |a: &str, b: &str| if a.is_empty() { b.to_owned() } else { format!("{a} {b}") };
    for (step, child) in sorted_children(schema, at, node) {
        let s = schema.node(step.schema);
        let path = match &s.kind {
            Kind::Flag => {
                let _ = writeln!(out, "set {}", join(prefix, &s.name));
                join(prefix, &s.name)
            }
            Kind::Leaf(_) | Kind::LeafList(_) => {
                for v in &child.values {
                    let _ = writeln!(out, "set {} {}", join(prefix, &s.name), shown_value(s.secret, v));
                }
                join(prefix, &s.name)
            }
            Kind::Value(_) => {
                for v in &child.values {
                    let _ = writeln!(out, "set {}", join(prefix, &quote(v)));
                }
                join(prefix, &child.values.first().map(|v| quote(v)).unwrap_or_default())
            }
            Kind::List { keyword: true, .. } => {
                for (name, entry) in &child.children {
                    let path = join(prefix, &format!("{} {}", s.name, quote(name)));
                    write_container_sets(out, schema, step.schema, entry, &path);
                    if entry.inactive {
                        let _ = writeln!(out, "deactivate {path}");
                    }
                }
                join(prefix, &s.name)
            }
            Kind::List { keyword: false, .. } => {
                let path = join(prefix, &quote(&step.key));
                write_container_sets(out, schema, step.schema, child, &path);
                path
            }
            Kind::Container => {
                let path = join(prefix, &s.name);
                write_container_sets(out, schema, step.schema, child, &path);
                path
            }
        };
        if child.inactive {
            let _ = writeln!(out, "deactivate {path}");
        }
    }
}

/// An empty container or entry is a `set` of its own; otherwise its contents are.
fn write_container_sets(out: &mut String, schema: &Schema, id: SchemaId, node: &Node, path: &str) {
    if node.children.is_empty() {
        let _ = writeln!(out, "set {path}");
    } else {
        write_sets(out, schema, Some(id), node, path);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::path::{Word, resolve};
    use crate::grammar::{ParseError, tokenize};

    pub(crate) fn read(schema: &Schema, line: &str) -> Result<Resolved, ParseError> {
        let tokens = tokenize(line);
        let words: Vec<Word<'_>> =
            tokens.iter().map(|t| Word { text: &t.text, column: t.start, end: t.end }).collect();
        resolve(schema, &[], &words)
    }

    pub(crate) fn build(schema: &Schema, lines: &[&str]) -> Node {
        let mut root = Node::default();
        for line in lines {
            root.set(schema, &read(schema, line).unwrap());
        }
        root
    }

    #[test]
    fn values_that_a_command_line_would_split_are_quoted() {
        assert_eq!(quote("ge-0/0/0"), "ge-0/0/0");
        assert_eq!(quote("a|b"), "\"a|b\"");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quote(""), "\"\"");
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
    processes {
        routing failover other-routing-engine;
    }
    root-authentication {
        encrypted-password \"$6$abc\"; ## SECRET-DATA
    }
}
chassis {
    redundancy {
        failover {
            on-loss-of-keepalives;
        }
        keepalive-time 30;
        routing-engine 0 master;
        routing-engine 1 backup;
    }
}
interfaces {
    ge-0/0/0 {
        description \"uplink to core\";
        unit 0 {
            family {
                inet {
                    address 10.0.0.1/24;
                }
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
set system processes routing failover other-routing-engine
set system root-authentication encrypted-password \"$6$abc\"
set chassis redundancy failover on-loss-of-keepalives
set chassis redundancy keepalive-time 30
set chassis redundancy routing-engine 0 master
set chassis redundancy routing-engine 1 backup
set interfaces ge-0/0/0 description \"uplink to core\"
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24
"
        );
    }

    #[test]
    fn wrong_values_are_refused_with_the_junos_message() {
        let schema = Schema::shipped().unwrap();
        assert_eq!(
            read(&schema, "chassis redundancy keepalive-time 1"),
            Err(ParseError::InvalidValue {
                column: 34,
                message: "Value 1 is not within range (2..10000)".into()
            })
        );
        assert!(matches!(
            read(&schema, "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.256/24"),
            Err(ParseError::InvalidValue { .. })
        ));
        assert_eq!(read(&schema, "system bogus"), Err(ParseError::Syntax { column: 7 }));
        assert_eq!(read(&schema, "system host-name a b"), Err(ParseError::Syntax { column: 19 }));
        let partial = read(&schema, "sys host").unwrap();
        assert_eq!(partial.steps.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["system", "host-name"]);
        assert!(partial.wanting.is_some());
        assert!(matches!(read(&schema, "system s"), Err(ParseError::Ambiguous { .. })));
    }

    #[test]
    fn merge_replaces_leaves_and_joins_lists_and_entries() {
        let schema = Schema::shipped().unwrap();
        let mut root = build(
            &schema,
            &["system host-name two", "apply-groups a", "interfaces ge-0/0/0 unit 0 description x"],
        );
        let loaded =
            build(&schema, &["system host-name one", "apply-groups b", "interfaces ge-0/0/0 unit 1 disable"]);
        root.merge(&schema, None, loaded);
        assert_eq!(
            to_set(&schema, None, &root, ""),
            "set apply-groups a\nset apply-groups b\nset system host-name one\n\
             set interfaces ge-0/0/0 unit 0 description x\nset interfaces ge-0/0/0 unit 1 disable\n"
        );
    }

    #[test]
    fn delete_removes_the_statement_and_the_containers_it_empties() {
        let schema = Schema::shipped().unwrap();
        let mut root = build(
            &schema,
            &["system host-name lab1", "chassis redundancy keepalive-time 30", "apply-groups [ a ]"],
        );
        root.set(&schema, &read(&schema, "apply-groups b").unwrap());
        assert!(root.delete(&schema, &read(&schema, "chassis redundancy keepalive-time").unwrap()));
        assert!(root.children.get("chassis").is_none());
        assert!(!root.delete(&schema, &read(&schema, "chassis redundancy").unwrap()));
        assert!(root.delete(&schema, &read(&schema, "apply-groups b").unwrap()));
        assert!(!root.delete(&schema, &read(&schema, "system host-name other").unwrap()));
        assert_eq!(to_set(&schema, None, &root, ""), "set apply-groups a\nset system host-name lab1\n");
    }

    #[test]
    fn entries_are_renamed_copied_and_moved_in_place() {
        let schema = Schema::shipped().unwrap();
        let mut root = build(
            &schema,
            &[
                "policy-options policy-statement P term a then accept",
                "policy-options policy-statement P term b then reject",
                "policy-options policy-statement P term c then accept",
            ],
        );
        let term = |name: &str| {
            read(&schema, &format!("policy-options policy-statement P term {name}")).unwrap().steps
        };
        root.insert(&schema, &term("c"), true, "a").unwrap();
        root.rename(&schema, &term("b"), "d").unwrap();
        root.copy(&schema, &term("a"), "e").unwrap();
        root.insert(&schema, &term("e"), false, "c").unwrap();
        let names: Vec<&str> = root
            .descend(["policy-options", "policy-statement", "P", "term"])
            .unwrap()
            .children
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, ["c", "e", "a", "d"]);
        assert_eq!(root.rename(&schema, &term("a"), "d"), Err(EditError::Exists("d".into())));
        assert_eq!(root.insert(&schema, &term("a"), true, "z"), Err(EditError::NoSuchEntry("z".into())));
        assert_eq!(root.rename(&schema, &term("z"), "y"), Err(EditError::NotFound));
        let keyword = read(&schema, "policy-options policy-statement P term").unwrap().steps;
        assert_eq!(root.copy(&schema, &keyword, "x"), Err(EditError::NotAnEntry));
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
