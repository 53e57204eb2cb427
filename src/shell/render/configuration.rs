//! Configuration as `show` prints it (curly braces, or `set` commands with
//! `| display set`), and the commit history.

use std::fmt::Write;
use std::sync::Arc;

use super::junos_time;
use crate::config::path::Step;
use crate::config::schema::{Kind, Schema};
use crate::config::tree::{Node, to_set, to_text};
use crate::proto::CommitInformation;
use crate::shell::view::{Element, View};

/// The statement a path names, with its contents.
pub struct ConfigView {
    pub schema: Arc<Schema>,
    pub steps: Vec<Step>,
    pub node: Node,
    /// `## Last commit: ...` above the whole configuration.
    pub header: Option<String>,
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
    fn printable(&self) -> (Node, Option<crate::config::schema::SchemaId>, &[Step]) {
        if self.shows_contents() {
            (self.node.clone(), self.steps.last().map(|s| s.schema), &self.steps)
        } else {
            let parent = &self.steps[..self.steps.len() - 1];
            let mut holder = Node::default();
            if let Some(last) = self.steps.last() {
                holder.children.insert(last.key.clone(), self.node.clone());
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
        out.push_str(&to_text(&self.schema, at, &node));
        out
    }

    fn set_form(&self) -> Option<String> {
        let (node, at, path) = self.printable();
        let prefix: Vec<&str> = path.iter().map(|s| s.key.as_str()).collect();
        Some(to_set(&self.schema, at, &node, &prefix.join(" ")))
    }

    fn element(&self) -> Element {
        fn element(name: &str, node: &Node) -> Element {
            let mut e = Element::new(name);
            match node.values.as_slice() {
                [] => {}
                [one] if node.children.is_empty() => e.text = Some(one.clone()),
                values => {
                    for v in values {
                        e.push(Element::leaf("value", v));
                    }
                }
            }
            for (key, child) in &node.children {
                e.push(element(key, child));
            }
            e
        }
        let (node, _, _) = self.printable();
        element("configuration", &node)
    }
}

impl View for CommitInformation {
    /// `0   2016-12-07 00:25:10 UTC by root via netconf`, the comment below.
    fn text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = writeln!(out, "{:<4}{} by {} via {}", e.sequence, junos_time(e.time), e.user, e.client);
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
            root.push(history);
        }
        root
    }
}
