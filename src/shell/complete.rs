//! What `?`, TAB and Space complete from: the mode's commands, and inside a
//! configuration path the schema, the session's level and the names already
//! in its configuration (which the agent is asked for).

use std::sync::Arc;

use super::client::{AgentClient, ClientError};
use crate::config::path::{self, Resolved, Step, Wanting, Word, resolve, resolve_line};
use crate::config::schema::{Kind, Schema, SchemaId};
use crate::grammar::{Completion, Completions, Language, ParseError};
use crate::proto::GetConfigurationRequest;

/// A snapshot of a session's state, cheap to clone, for the line editor's
/// keys to consult while the engine waits for a line.
#[derive(Clone)]
pub struct LineCompleter {
    pub(super) language: Arc<Language>,
    pub(super) schema: Arc<Schema>,
    pub(super) level: Vec<Step>,
    pub(super) client: AgentClient,
    /// In configuration mode names come from the candidate, otherwise from
    /// the committed configuration.
    pub(super) candidate: bool,
}

impl LineCompleter {
    /// After a leading `top` in configuration mode: the rest of the line, to
    /// complete from `[edit]`, and where it starts.
    fn at_top<'l>(&self, line: &'l str) -> Option<(LineCompleter, &'l str, usize)> {
        let rest = super::after_top(line).or_else(|| {
            let rest = line.strip_prefix("top")?;
            rest.starts_with(char::is_whitespace).then_some(line.len())
        });
        let rest = rest.filter(|_| self.candidate)?;
        Some((LineCompleter { level: Vec::new(), ..self.clone() }, &line[rest..], rest))
    }

    /// `?`: everything that may come next after `before`.
    pub fn completions(&self, before: &str) -> Result<Completions, ParseError> {
        if let Some((top, rest, at)) = self.at_top(before) {
            return top.completions(rest).map_err(|e| e.shifted(before[..at].chars().count()));
        }
        let mut completions = self.language.completions(before)?;
        let Some((done, partial)) = completions.path.take() else {
            return Ok(completions);
        };
        let words = super::configure::words(before, &done);
        let partial = partial.as_ref().map_or("", |t| t.text.as_str());
        let several =
            matches!(completions.path_action.as_str(), "set" | "delete" | "activate" | "deactivate");
        completions.items.extend(path::completions(&self.schema, &self.level, &words, partial, several)?);
        completions.items.extend(self.names(&words, partial, several));
        if completions.items.is_empty() && !completions.can_execute {
            return Err(ParseError::NoCompletions);
        }
        if completions.can_execute {
            completions.items.push(Completion::new("|", "Pipe through a command"));
        }
        Ok(completions)
    }

    /// TAB and Space: the byte offset where the word being typed starts, and
    /// the words it could become.
    pub fn complete_word(&self, line: &str) -> (usize, Vec<String>) {
        if let Some((top, rest, at)) = self.at_top(line) {
            let (start, words) = top.complete_word(rest);
            return (at + start, words);
        }
        let in_path = self.language.completions(line).ok().and_then(|c| c.path);
        let Some((_, partial)) = in_path else {
            return self.language.complete_word(line);
        };
        let start = partial.as_ref().map_or(line.len(), |t| t.start);
        let Ok(completions) = self.completions(line) else {
            return (start, Vec::new());
        };
        let typed = partial.as_ref().map_or("", |t| t.text.as_str());
        let words = completions
            .items
            .into_iter()
            .map(|c| c.name)
            .filter(|name| !name.starts_with('<') && name != "|" && name.starts_with(typed))
            .collect();
        (start, words)
    }

    /// The names of the entries that may come next, from the configuration.
    fn names(&self, words: &[Word<'_>], partial: &str, several: bool) -> Vec<Completion> {
        let read = if several { resolve_line } else { resolve };
        let Ok(resolved) = read(&self.schema, &self.level, words) else {
            return Vec::new();
        };
        let names = match resolved.wanting {
            Some(Wanting::Value(leaf)) => referenced_names(&self.schema, &self.client, self.candidate, leaf),
            _ => entry_names(&self.schema, &self.client, self.candidate, &resolved),
        };
        names
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .filter(|name| name.starts_with(partial))
            .map(|name| Completion::new(name, ""))
            .collect()
    }
}

/// The names a value of `leaf` may take when it names something defined
/// elsewhere (its schema type is a `ref`): those defined in the candidate
/// (or the committed configuration), then Junos's own.
fn referenced_names(
    schema: &Schema,
    client: &AgentClient,
    candidate: bool,
    leaf: SchemaId,
) -> Result<Option<Vec<String>>, ClientError> {
    let Some(reference) = schema.reference(leaf) else { return Ok(None) };
    let mut names: Vec<String> = Vec::new();
    for list in &reference.lists {
        let request = GetConfigurationRequest {
            candidate,
            words: list.path.clone(),
            rollback: None,
            keys_only: true,
            inheritance: false,
        };
        let reply = client.configuration(request)?;
        let defined = reply.root.map(|root| root.children).unwrap_or_default().into_iter().map(|c| c.name);
        let keyword_list = matches!(schema.node(list.target).kind, Kind::List { keyword: true, .. });
        names
            .extend(defined.filter(|name| keyword_list || schema.keyword(Some(list.target), name).is_none()));
    }
    names.extend(reference.builtin.iter().filter(|b| !names.contains(b)).cloned().collect::<Vec<_>>());
    Ok(Some(names))
}

/// The names of the list entries that may follow `resolved` in the candidate
/// (or the committed configuration): `None` when what follows is no entry.
pub(super) fn entry_names(
    schema: &Schema,
    client: &AgentClient,
    candidate: bool,
    resolved: &Resolved,
) -> Result<Option<Vec<String>>, ClientError> {
    let at = resolved.steps.last().map(|s| s.schema);
    let keyword_list = matches!(resolved.wanting, Some(Wanting::Key(_)));
    let entries_here = resolved.wanting.is_none()
        && resolved.values.is_empty()
        && schema.unnamed(at).is_some_and(|u| matches!(schema.node(u).kind, Kind::List { .. }));
    if !keyword_list && !entries_here {
        return Ok(None);
    }
    let request = GetConfigurationRequest {
        candidate,
        words: resolved.steps.iter().map(|s| s.key.to_string()).collect(),
        rollback: None,
        keys_only: true,
        inheritance: false,
    };
    let reply = client.configuration(request)?;
    let children = reply.root.map(|root| root.children).unwrap_or_default();
    // Under a container the keywords beside the entries are no names.
    Ok(Some(
        children
            .into_iter()
            .map(|c| c.name)
            .filter(|name| keyword_list || schema.keyword(at, name).is_none())
            .collect(),
    ))
}
