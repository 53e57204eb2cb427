//! `show | compare`: what changed between two configurations, in Junos's
//! form: a `[edit PATH]` header for each level with changes, then its
//! statements marked `-` (gone) and `+` (new).

use std::fmt::Write;
use std::sync::Arc;

use super::path::Step;
use super::schema::{Kind, Schema, SchemaId};
use super::tree::{Node, child_step, sorted_children};

use super::print::{quote, to_text};

/// The changes from `old` to `new`; empty when they are the same.
pub fn compare(schema: &Schema, old: &Node, new: &Node) -> String {
    let mut out = String::new();
    compare_level(&mut out, schema, None, old, new, "");
    out
}

fn compare_level(
    out: &mut String,
    schema: &Schema,
    at: Option<SchemaId>,
    old: &Node,
    new: &Node,
    path: &str,
) {
    // Statements in schema order, those only in `old` included.
    let mut steps: Vec<(Step, Option<&Node>, Option<&Node>)> = Vec::new();
    for (step, n) in sorted_children(schema, at, new) {
        steps.push((step.clone(), old.child(&step.key), Some(n)));
    }
    for (key, o) in &old.children {
        if !new.children.contains_key(key)
            && let Some(step) = child_step(schema, at, *key)
        {
            steps.push((step, Some(o), None));
        }
    }
    steps.sort_by_key(|(step, _, _)| schema.position(at, step.schema));

    let mut lines = String::new();
    let mut deeper: Vec<(Step, &Node, &Node)> = Vec::new();
    for (step, o, n) in steps {
        match (o, n) {
            (None, Some(n)) => mark(&mut lines, '+', &statement(schema, at, &step, n)),
            (Some(o), None) => mark(&mut lines, '-', &statement(schema, at, &step, o)),
            (Some(o), Some(n)) if o != n => match schema.node(step.schema).kind {
                Kind::Container | Kind::List { keyword: false, .. } => {
                    let s = schema.node(step.schema);
                    let head = if s.kind == Kind::Container { s.name.clone() } else { quote(&step.key) };
                    activation(&mut lines, &head, o, n);
                    deeper.push((step, o, n))
                }
                Kind::List { .. } => deeper.push((step, o, n)),
                _ => {
                    mark(&mut lines, '-', &statement(schema, at, &step, o));
                    mark(&mut lines, '+', &statement(schema, at, &step, n));
                }
            },
            _ => {}
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "[edit{path}]");
        out.push_str(&lines);
    }
    for (step, o, n) in deeper {
        let s = schema.node(step.schema);
        match s.kind {
            Kind::List { keyword: true, .. } => {
                // Entries come and go whole; entries in both are compared inside.
                let mut entries = String::new();
                for (name, entry) in &n.children {
                    match o.children.get(name) {
                        None => mark(&mut entries, '+', &entry_text(schema, at, &s.name, name, entry)),
                        Some(before) if before != entry => {
                            activation(&mut entries, &format!("{} {}", s.name, quote(name)), before, entry);
                            let inner = format!("{path} {} {}", s.name, quote(name));
                            compare_level(out, schema, Some(step.schema), before, entry, &inner);
                        }
                        Some(_) => {}
                    }
                }
                for (name, entry) in &o.children {
                    if !n.children.contains_key(name) {
                        mark(&mut entries, '-', &entry_text(schema, at, &s.name, name, entry));
                    }
                }
                if !entries.is_empty() {
                    let _ = writeln!(out, "[edit{path}]");
                    out.push_str(&entries);
                }
            }
            _ => {
                let inner = match s.kind {
                    Kind::List { keyword: false, .. } => format!("{path} {}", quote(&step.key)),
                    _ => format!("{path} {}", s.name),
                };
                compare_level(out, schema, Some(step.schema), o, n, &inner);
            }
        }
    }
}

/// One statement of `at` as `show` prints it.
fn statement(schema: &Schema, at: Option<SchemaId>, step: &Step, node: &Node) -> String {
    let mut holder = Node::default();
    holder.children.insert(step.key, Arc::new(node.clone()));
    to_text(schema, at, &holder)
}

/// One entry of a keyword list under `at`: `unit 1 { ... }`.
fn entry_text(schema: &Schema, at: Option<SchemaId>, keyword: &str, name: &str, entry: &Node) -> String {
    let mut inner = Node::default();
    inner.children.insert(name.into(), Arc::new(entry.clone()));
    let mut holder = Node::default();
    holder.children.insert(keyword.into(), Arc::new(inner));
    to_text(schema, at, &holder)
}

/// `!  inactive: HEAD { ... }` when a block was deactivated (or `active:`
/// when activated); its contents are compared on their own.
fn activation(out: &mut String, head: &str, old: &Node, new: &Node) {
    if old.inactive() != new.inactive() {
        let state = if new.inactive() { "inactive" } else { "active" };
        let _ = writeln!(out, "!  {state}: {head} {{ ... }}");
    }
}

/// Each line of `text` behind the marker and two spaces.
fn mark(out: &mut String, marker: char, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{marker}  {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::tests::build;

    #[test]
    fn changes_are_grouped_under_edit_headers() {
        let schema = Schema::shipped().unwrap();
        let old = build(
            &schema,
            &["system host-name old", "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24"],
        );
        let new = build(
            &schema,
            &[
                "system host-name lab1",
                "chassis redundancy keepalive-time 30",
                "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
                "interfaces ge-0/0/0 unit 1 description second",
                "interfaces ge-0/0/1 disable",
            ],
        );
        assert_eq!(
            compare(&schema, &old, &new),
            "\
[edit]
+  chassis {
+      redundancy {
+          keepalive-time 30;
+      }
+  }
[edit system]
-  host-name old;
+  host-name lab1;
[edit interfaces]
+  ge-0/0/1 {
+      disable;
+  }
[edit interfaces ge-0/0/0]
+  unit 1 {
+      description second;
+  }
"
        );
        assert_eq!(compare(&schema, &new, &new), "");
    }
}
