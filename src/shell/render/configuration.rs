//! Configuration as `show` prints it (curly braces, or `set` commands with
//! `| display set`), and the commit history.

use std::fmt::Write;
use std::sync::Arc;

use super::junos_time;
use crate::config::path::Step;
use crate::config::schema::{Kind, Schema, SchemaId};
use crate::config::tree::{Inheritance, Node, sorted_children, to_set, to_text_marked};
use crate::proto::CommitInformation;
use crate::shell::view::{Element, View};

/// The statement a path names, with its contents.
pub struct ConfigView {
    pub schema: Arc<Schema>,
    pub steps: Vec<Step>,
    pub node: Node,
    /// `## Last commit: ...` above the whole configuration.
    pub header: Option<String>,
    /// How inherited statements are marked (`| display inheritance`).
    pub inheritance: Inheritance,
    /// How many steps of the path the `set` form leaves out: the edit
    /// level's, for `| display set relative`.
    pub relative_to: usize,
}

impl ConfigView {
    /// A container or entry shows its contents; a leaf shows itself, as its
    /// parent would print it.
    fn shows_contents(&self) -> bool {
        match self.steps.last() {
            None => true,
            Some(last) => match self.schema.node(last.schema).kind {
                Kind::Container | Kind::List { keyword: false, .. } => true,
                Kind::List { keyword: true, .. } => last.key != self.schema.node(last.schema).name,
                _ => false,
            },
        }
    }

    /// The tree to print, the statement it hangs under, and the path before it.
    fn printable(&self) -> (Node, Option<SchemaId>, &[Step]) {
        if self.shows_contents() {
            (self.node.clone(), self.steps.last().map(|s| s.schema), &self.steps)
        } else {
            let parent = &self.steps[..self.steps.len() - 1];
            let mut holder = Node::default();
            if let Some(last) = self.steps.last() {
                holder.children.insert(last.key.clone(), Arc::new(self.node.clone()));
            }
            (holder, parent.last().map(|s| s.schema), parent)
        }
    }
}

impl View for ConfigView {
    fn text(&self) -> String {
        if !self.shows_contents() && self.node.is_empty() {
            return String::new();
        }
        let (node, at, _) = self.printable();
        let mut out = self.header.clone().map(|h| format!("{h}\n")).unwrap_or_default();
        out.push_str(&to_text_marked(&self.schema, at, &node, self.inheritance));
        out
    }

    fn set_form(&self) -> Option<String> {
        let (node, at, path) = self.printable();
        let prefix: Vec<&str> = path.iter().skip(self.relative_to).map(|s| s.key.as_str()).collect();
        Some(to_set(&self.schema, at, &node, &prefix.join(" ")))
    }

    /// Junos's configuration XML: list entries are elements named for their
    /// list with a `<name>` child, flags empty elements, leaf-lists one
    /// element per value; the path shown is wrapped in its ancestors.
    fn element(&self) -> Element {
        let (node, at, path) = self.printable();
        let mut inner = statements(&self.schema, at, &node);
        for step in path.iter().rev() {
            let s = self.schema.node(step.schema);
            let element = match s.kind {
                // A keyword list's keyword step adds nothing: its entry does.
                Kind::List { keyword: true, .. } if step.key == s.name => continue,
                Kind::List { .. } => Element::new(&list_element(&self.schema, step.schema))
                    .child(Element::leaf("name", &step.key)),
                _ => Element::new(&s.name),
            };
            inner = vec![inner.into_iter().fold(element, Element::child)];
        }
        inner.into_iter().fold(Element::new("configuration"), Element::child)
    }
}

/// The element name of a list's entries: its keyword, or for a list without
/// one its placeholder less `-name` (`<interface-name>` entries are `interface`).
fn list_element(schema: &Schema, id: SchemaId) -> String {
    let node = schema.node(id);
    if node.has_keyword() {
        return node.name.clone();
    }
    let bare = node.placeholder.trim_start_matches('<').trim_end_matches('>');
    bare.strip_suffix("-name").unwrap_or(bare).to_owned()
}

fn statements(schema: &Schema, at: Option<SchemaId>, node: &Node) -> Vec<Element> {
    let mut out = Vec::new();
    for (step, child) in sorted_children(schema, at, node) {
        let s = schema.node(step.schema);
        let inherited = |e: Element, node: &Node| {
            if node.group.is_empty() { e } else { e.attr("group", &node.group) }
        };
        match &s.kind {
            Kind::Flag => out.push(inherited(Element::new(&s.name), child)),
            Kind::Leaf(_) | Kind::LeafList(_) => {
                out.extend(child.values.iter().map(|v| inherited(Element::leaf(&s.name, v), child)));
            }
            Kind::Value(_) => out.extend(child.values.iter().map(|v| inherited(Element::new(v), child))),
            Kind::Container => out.push(
                statements(schema, Some(step.schema), child)
                    .into_iter()
                    .fold(inherited(Element::new(&s.name), child), Element::child),
            ),
            Kind::List { keyword, .. } => {
                let entries: Vec<(&String, &Node)> = if *keyword {
                    child.children.iter().map(|(k, c)| (k, &**c)).collect()
                } else {
                    vec![(&step.key, child)]
                };
                for (name, entry) in entries {
                    let e = inherited(Element::new(&list_element(schema, step.schema)), entry)
                        .child(inherited(Element::leaf("name", name), entry));
                    out.push(
                        statements(schema, Some(step.schema), entry).into_iter().fold(e, Element::child),
                    );
                }
            }
        }
    }
    out
}

impl View for CommitInformation {
    /// `0   2016-12-07 00:25:10 UTC by root via netconf`, the comment below;
    /// a confirmed commit says so, and whether its rollback is still pending.
    fn text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = write!(out, "{:<4}{} by {} via {}", e.sequence, junos_time(e.time), e.user, e.client);
            if let Some(minutes) = e.confirmed_minutes {
                let _ = write!(out, " commit confirmed, rollback in {minutes}mins");
            }
            out.push('\n');
            if e.rollback_pending {
                out.push_str("    rollback pending\n");
            }
            if !e.comment.is_empty() {
                let _ = writeln!(out, "    {}", e.comment);
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("commit-information", "junos");
        for e in &self.entries {
            let mut history = Element::new("commit-history")
                .child(Element::leaf("sequence-number", e.sequence))
                .child(Element::leaf("user", &e.user))
                .child(Element::leaf("client", &e.client))
                .child(Element::leaf("date-time", junos_time(e.time)).attr("junos:seconds", e.time));
            if !e.comment.is_empty() {
                history.push(Element::leaf("log", &e.comment));
            }
            if let Some(minutes) = e.confirmed_minutes {
                history.push(Element::leaf("confirm-timeout", minutes));
            }
            root.push(history);
        }
        root
    }
}
