//! The configuration tree and its two text forms: Junos curly braces and
//! `set` commands. Children are kept in an insertion-ordered map, so a lookup
//! is one hash per level and an edit costs the depth of its path, not the size
//! of the configuration; printing sorts siblings into schema order.

use std::fmt::Write;

use indexmap::IndexMap;

use super::path::{Resolved, Step};
use super::schema::{Kind, Schema, SchemaId};

/// One statement: a container, a list's entries, or a leaf with its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Keyed by keyword, or by entry name under a list.
    pub children: IndexMap<String, Node>,
    /// A leaf's value, or a leaf-list's values.
    pub values: Vec<String>,
}

impl Node {
    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.values.is_empty()
    }

    /// The node at `steps`, if the tree has it.
    pub fn get(&self, steps: &[Step]) -> Option<&Node> {
        self.descend(steps.iter().map(|s| s.key.as_str()))
    }

    /// The node under these keys (keywords and entry names), if the tree has it.
    pub fn descend<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Option<&Node> {
        keys.into_iter().try_fold(self, |node, key| node.children.get(key))
    }

    /// `set`: creates the path and sets its value (a leaf-list gains one).
    pub fn set(&mut self, schema: &Schema, path: &Resolved) {
        let mut node = self;
        for step in &path.steps {
            node = node.children.entry(step.key.clone()).or_default();
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
            let target = self.children.entry(key).or_default();
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
                        target.children.entry(name).or_default().merge(schema, Some(step.schema), entry);
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
            let Some(child) = node.children.get_mut(&first.key) else {
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
    let mut children: Vec<(Step, &Node)> =
        node.children.iter().filter_map(|(key, child)| Some((child_step(schema, at, key)?, child))).collect();
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
            !c.is_whitespace() && !matches!(c, '"' | ';' | '{' | '}' | '[' | ']' | '#' | '\\' | '$')
        });
    if plain { value.to_owned() } else { format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")) }
}

/// The configuration under `node` in Junos curly-brace form, four spaces a level.
pub fn to_text(schema: &Schema, at: Option<SchemaId>, node: &Node) -> String {
    let mut out = String::new();
    write_statements(&mut out, schema, at, node, 0);
    out
}

fn write_statements(out: &mut String, schema: &Schema, at: Option<SchemaId>, node: &Node, depth: usize) {
    for (step, child) in sorted_children(schema, at, node) {
        write_statement(out, schema, &step, child, depth);
    }
}

fn write_statement(out: &mut String, schema: &Schema, step: &Step, node: &Node, depth: usize) {
    let indent = "    ".repeat(depth);
    let s = schema.node(step.schema);
    let secret = if s.secret { " ## SECRET-DATA" } else { "" };
    match &s.kind {
        Kind::Flag => {
            let _ = writeln!(out, "{indent}{};", s.name);
        }
        Kind::Leaf(_) => {
            let value = node.values.first().map(|v| quote(v)).unwrap_or_default();
            let _ = writeln!(out, "{indent}{} {value};{secret}", s.name);
        }
        Kind::Value(_) => {
            let value = node.values.first().map(|v| quote(v)).unwrap_or_default();
            let _ = writeln!(out, "{indent}{value};");
        }
        Kind::LeafList(_) => {
            let values: Vec<String> = node.values.iter().map(|v| quote(v)).collect();
            if values.len() == 1 {
                let _ = writeln!(out, "{indent}{} {};", s.name, values[0]);
            } else {
                let _ = writeln!(out, "{indent}{} [ {} ];", s.name, values.join(" "));
            }
        }
        Kind::List { keyword: true, .. } => {
            // The keyword's node holds the entries: `unit 0 { ... }`, `unit 1 { ... }`.
            for (name, entry) in &node.children {
                write_block(out, schema, step.schema, &format!("{} {}", s.name, quote(name)), entry, depth);
            }
        }
        Kind::List { keyword: false, .. } => {
            write_block(out, schema, step.schema, &quote(&step.key), node, depth)
        }
        Kind::Container => write_block(out, schema, step.schema, &s.name, node, depth),
    }
}

/// `head { ... }`, `head;` when empty, or `head words;` for a one-liner.
fn write_block(out: &mut String, schema: &Schema, id: SchemaId, head: &str, node: &Node, depth: usize) {
    let indent = "    ".repeat(depth);
    if node.children.is_empty() {
        let _ = writeln!(out, "{indent}{head};");
        return;
    }
    if schema.node(id).oneliner {
        if let Some(words) = one_line(schema, id, node) {
            let _ = writeln!(out, "{indent}{head} {words};");
            return;
        }
    }
    let _ = writeln!(out, "{indent}{head} {{");
    write_statements(out, schema, Some(id), node, depth + 1);
    let _ = writeln!(out, "{indent}}}");
}

/// The words of a one-liner's contents (`failover other-routing-engine`), or
/// `None` when something in it needs braces.
fn one_line(schema: &Schema, id: SchemaId, node: &Node) -> Option<String> {
    let mut words = Vec::new();
    for (step, child) in sorted_children(schema, Some(id), node) {
        let s = schema.node(step.schema);
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
        match &s.kind {
            Kind::Flag => {
                let _ = writeln!(out, "set {}", join(prefix, &s.name));
            }
            Kind::Leaf(_) | Kind::LeafList(_) => {
                for v in &child.values {
                    let _ = writeln!(out, "set {} {}", join(prefix, &s.name), quote(v));
                }
            }
            Kind::Value(_) => {
                for v in &child.values {
                    let _ = writeln!(out, "set {}", join(prefix, &quote(v)));
                }
            }
            Kind::List { keyword: true, .. } => {
                for (name, entry) in &child.children {
                    let path = join(prefix, &format!("{} {}", s.name, quote(name)));
                    write_container_sets(out, schema, step.schema, entry, &path);
                }
            }
            Kind::List { keyword: false, .. } => {
                write_container_sets(out, schema, step.schema, child, &join(prefix, &quote(&step.key)))
            }
            Kind::Container => write_container_sets(out, schema, step.schema, child, &join(prefix, &s.name)),
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
system {
    host-name lab1;
    processes {
        routing failover other-routing-engine;
    }
    root-authentication {
        encrypted-password \"$6$abc\"; ## SECRET-DATA
    }
}
"
        );
        assert_eq!(
            to_set(&schema, None, &root, ""),
            "\
set apply-groups re0
set apply-groups re1
set chassis redundancy failover on-loss-of-keepalives
set chassis redundancy keepalive-time 30
set chassis redundancy routing-engine 0 master
set chassis redundancy routing-engine 1 backup
set interfaces ge-0/0/0 description \"uplink to core\"
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24
set system host-name lab1
set system processes routing failover other-routing-engine
set system root-authentication encrypted-password \"$6$abc\"
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
            "set apply-groups a\nset apply-groups b\nset interfaces ge-0/0/0 unit 0 description x\n\
             set interfaces ge-0/0/0 unit 1 disable\nset system host-name one\n"
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
}
