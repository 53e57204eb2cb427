//! What `show configuration` prints: the statement a path names, with its
//! contents, in curly text, `set` commands or JSON, under the line saying
//! when it was committed or changed. The RE prints it where the
//! configuration is and sends the text; the shell keeps the same view for
//! XML and NETCONF.

use std::borrow::Cow;
use std::fmt::Write;
use std::sync::Arc;

use chrono::DateTime;

use super::json::write_json;
use super::path::Step;
use super::print::{Inheritance, write_set, write_text};
use super::schema::{Kind, Schema, SchemaId};
use super::tree::Node;
use super::xml::write_configuration;

/// `2004-04-15 18:45:12 UTC`, from seconds since the epoch.
pub fn junos_time(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map_or_else(|| seconds.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// The forms the RE prints a configuration in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Text,
    Set,
    Json,
    /// The `<configuration>` element, indented `depth` levels: 1 inside the
    /// CLI's `<rpc-reply>`, 0 in a NETCONF reply.
    Xml {
        depth: usize,
    },
}

/// The statement a path names, with its contents.
pub struct Shown {
    pub schema: Arc<Schema>,
    pub steps: Vec<Step>,
    pub node: Node,
    /// When it was committed or changed: the line above the whole
    /// configuration and the attributes of `<configuration>`.
    pub stamp: Option<Stamp>,
    /// How inherited statements are marked (`| display inheritance`).
    pub inheritance: Inheritance,
    /// How many steps of the path the `set` form leaves out: the edit
    /// level's, for `| display set relative`.
    pub relative_to: usize,
    /// `| display detail`: each statement under its schema help.
    pub detail: bool,
}

/// When the configuration shown was committed, or last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// The committed configuration: `## Last commit: TIME by USER`.
    Committed { time: i64, user: String },
    /// A candidate: `## Last changed: TIME`.
    Changed { time: i64 },
}

impl Stamp {
    fn header(&self) -> String {
        match self {
            Stamp::Committed { time, user } => format!("## Last commit: {} by {user}\n", junos_time(*time)),
            Stamp::Changed { time } => format!("## Last changed: {}\n", junos_time(*time)),
        }
    }

    /// The `junos:` attributes of `<configuration>` (and of JSON's `"@"`).
    pub fn attributes(&self) -> Vec<(String, String)> {
        let (kind, time) = match self {
            Stamp::Committed { time, .. } => ("commit", *time),
            Stamp::Changed { time } => ("changed", *time),
        };
        let mut attributes = vec![
            (format!("junos:{kind}-seconds"), time.to_string()),
            (format!("junos:{kind}-localtime"), junos_time(time)),
        ];
        if let Stamp::Committed { user, .. } = self {
            attributes.push(("junos:commit-user".into(), user.clone()));
        }
        attributes
    }
}

impl Shown {
    /// The attributes of the configuration shown.
    pub fn attributes(&self) -> Vec<(String, String)> {
        self.stamp.as_ref().map(Stamp::attributes).unwrap_or_default()
    }

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

    /// The tree to print, the statement it hangs under, and the path before
    /// it. In XML and JSON (`structured`) an `unwrapped` container has no element
    /// of its own, so it shows itself, as its parent would print it.
    pub fn printable(&self, structured: bool) -> (Cow<'_, Node>, Option<SchemaId>, &[Step]) {
        let unwrapped =
            structured && self.steps.last().is_some_and(|last| self.schema.node(last.schema).unwrapped);
        if self.shows_contents() && !unwrapped {
            (Cow::Borrowed(&self.node), self.steps.last().map(|s| s.schema), &self.steps)
        } else {
            let parent = &self.steps[..self.steps.len() - 1];
            let mut holder = Node::default();
            if let Some(last) = self.steps.last() {
                holder.children.insert(last.key, Arc::new(self.node.clone()));
            }
            (Cow::Owned(holder), parent.last().map(|s| s.schema), parent)
        }
    }

    /// Prints the configuration in `form` into `out`.
    pub fn write<W: Write>(&self, form: Form, out: &mut W) {
        match form {
            Form::Text => {
                if !self.shows_contents() && self.node.is_empty() {
                    return;
                }
                let (node, at, _) = self.printable(false);
                // The whole configuration says when it was committed or changed.
                if let Some(stamp) = self.stamp.as_ref().filter(|_| self.steps.is_empty()) {
                    let _ = out.write_str(&stamp.header());
                }
                write_text(out, &self.schema, at, &node, self.inheritance, self.detail);
            }
            Form::Set => {
                let (node, at, path) = self.printable(false);
                let prefix: Vec<&str> = path.iter().skip(self.relative_to).map(|s| s.key.as_str()).collect();
                write_set(out, &self.schema, at, &node, &prefix.join(" "));
            }
            Form::Json => {
                let (node, at, path) = self.printable(true);
                let path = wrapping(&self.schema, path);
                write_json(out, &self.schema, at, &node, &path, &self.attributes());
            }
            Form::Xml { depth } => {
                let (node, at, path) = self.printable(true);
                let path = wrapping(&self.schema, path);
                write_configuration(out, &self.schema, at, &node, &path, &self.attributes(), depth);
            }
        }
    }

    /// The configuration in `form`, whole.
    pub fn printed(&self, form: Form) -> String {
        let mut out = String::new();
        self.write(form, &mut out);
        out
    }
}

/// The elements around the statements at `path`, outermost first, as
/// `(element, entry name)`: a keyword list's keyword adds none (its entry
/// does), nor does an `unwrapped` container (its entry carries its name).
pub fn wrapping(schema: &Schema, path: &[Step]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut unwrapped = None;
    for step in path {
        let s = schema.node(step.schema);
        match s.kind {
            Kind::List { keyword: true, .. } if step.key == s.name => {}
            Kind::List { .. } => {
                let element = unwrapped.take().unwrap_or_else(|| schema.list_element(step.schema).to_owned());
                out.push((element, Some(step.key.to_string())));
            }
            _ if s.unwrapped => unwrapped = Some(s.name.clone()),
            _ => out.push((s.name.clone(), None)),
        }
    }
    out
}

/// How much text a piece of a printed configuration holds, at least: the
/// last may hold less, and a piece may end mid-line.
pub const PIECE: usize = 64 * 1024;

/// A writer that hands what is printed to `send` a piece at a time, so that
/// only a piece is held however large the configuration. Once `send`
/// answers `false` (the reader went away) the rest is dropped.
pub struct Pieces<F: FnMut(String) -> bool> {
    piece: String,
    send: F,
    open: bool,
}

impl<F: FnMut(String) -> bool> Pieces<F> {
    pub fn new(send: F) -> Pieces<F> {
        Pieces { piece: String::with_capacity(PIECE * 2), send, open: true }
    }

    /// Sends what is left; `false` when the reader went away first.
    pub fn finish(mut self) -> bool {
        if self.open && !self.piece.is_empty() {
            self.open = (self.send)(std::mem::take(&mut self.piece));
        }
        self.open
    }
}

impl<F: FnMut(String) -> bool> Write for Pieces<F> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if !self.open {
            return Err(std::fmt::Error);
        }
        self.piece.push_str(s);
        if self.piece.len() >= PIECE {
            let full = std::mem::replace(&mut self.piece, String::with_capacity(PIECE * 2));
            self.open = (self.send)(full);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_hold_at_least_a_piece_and_join_back_to_the_whole() {
        let line = "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n";
        let mut sent = Vec::new();
        let mut pieces = Pieces::new(|piece| {
            sent.push(piece);
            true
        });
        // A line is written in parts, as the printers write it.
        for _ in 0..5000 {
            pieces.write_str(&line[..20]).unwrap();
            pieces.write_str(&line[20..]).unwrap();
        }
        assert!(pieces.finish());
        let whole = line.repeat(5000);
        assert!(sent.len() > 2);
        assert!(sent[..sent.len() - 1].iter().all(|p| p.len() >= PIECE && p.len() < PIECE + line.len()));
        assert!(sent.iter().any(|p| !p.ends_with('\n')), "pieces end mid-line");
        assert_eq!(sent.concat(), whole);
    }

    #[test]
    fn a_reader_that_went_away_stops_the_pieces() {
        let mut calls = 0;
        let mut pieces = Pieces::new(|_| {
            calls += 1;
            false
        });
        assert!(pieces.write_str(&"x".repeat(PIECE)).is_ok());
        assert!(pieces.write_str("more").is_err());
        assert!(!pieces.finish());
        assert_eq!(calls, 1);
    }
}
