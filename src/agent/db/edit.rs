//! One edit of a candidate: what it must be, the statements it names, and
//! what it does to them.

use crate::agent::error::AgentError;
use crate::config::path::{Resolved, Word, resolve, resolve_line};
use crate::config::protect::{Protected, check_edit};
use crate::config::schema::{Kind, Schema};
use crate::config::tree::Node;

/// One edit of a candidate, as the commands of configuration mode name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub operation: Operation,
    /// The statement's path, with its values.
    pub words: Vec<String>,
    /// The annotation, the new name, or the entry to insert next to.
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Set,
    Delete,
    Deactivate,
    Activate,
    /// An empty text removes the comment.
    Annotate,
    Rename,
    Copy,
    /// Moves an entry within its list.
    InsertBefore,
    InsertAfter,
    Protect,
    Unprotect,
}

/// A path sent as words, read from the top.
pub(super) fn read(schema: &Schema, words: &[String]) -> Result<Resolved, AgentError> {
    let words: Vec<Word<'_>> = words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
    resolve(schema, &[], &words).map_err(|e| AgentError::Invalid(e.to_string()))
}

/// The path of an edit; `set`, `delete`, `activate` and `deactivate` may
/// name several statements in one line.
pub(super) fn read_edit(schema: &Schema, edit: &Edit) -> Result<Resolved, AgentError> {
    let words: Vec<Word<'_>> = edit.words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
    let several = matches!(
        edit.operation,
        Operation::Set | Operation::Delete | Operation::Activate | Operation::Deactivate
    );
    let read = if several { resolve_line } else { resolve };
    read(schema, &[], &words).map_err(|e| AgentError::Invalid(e.to_string()))
}

/// One edit of a candidate: the warning when it changed nothing, or why it
/// was refused. Edits as they are made and private edits replayed at commit
/// both come here.
pub(super) fn apply_edit(
    schema: &Schema,
    candidate: &mut Node,
    edit: &Edit,
    path: &Resolved,
) -> Result<String, AgentError> {
    let (steps, target) = (&path.steps, edit.target.as_str());
    if let Err(refused) = check_protection(candidate, edit.operation, path) {
        return Ok(refused.to_string());
    }
    let found = match edit.operation {
        Operation::Set => {
            if path.wanting.is_some() {
                return Err(AgentError::Invalid("missing argument.".into()));
            }
            candidate.set(schema, path);
            true
        }
        Operation::Delete => candidate.delete(schema, path),
        Operation::Deactivate => candidate.set_inactive_all(path, true),
        Operation::Activate => candidate.set_inactive_all(path, false),
        Operation::Annotate => candidate.annotate(steps, target),
        Operation::Protect => candidate.set_protected(steps, true),
        Operation::Unprotect => candidate.set_protected(steps, false),
        operation => {
            if let Some(Kind::List { key, .. }) = steps.last().map(|last| &schema.node(last.schema).kind) {
                key.check(target).map_err(AgentError::Invalid)?;
            }
            match operation {
                Operation::Rename => candidate.rename(schema, steps, target),
                Operation::Copy => candidate.copy(schema, steps, target),
                Operation::InsertBefore => candidate.insert(schema, steps, true, target),
                _ => candidate.insert(schema, steps, false, target),
            }
            .map_err(|e| AgentError::Refused(e.to_string()))?;
            true
        }
    };
    Ok(if found { String::new() } else { "statement not found".into() })
}

/// Refuses an edit of a protected statement or of one under it. The copy
/// of an entry changes its list, not the entry; `unprotect` is refused only
/// under a statement protected above it.
fn check_protection(candidate: &Node, operation: Operation, path: &Resolved) -> Result<(), Protected> {
    let above = &path.steps[..path.steps.len().saturating_sub(1)];
    let verb = match operation {
        Operation::Protect => return Ok(()),
        Operation::Unprotect => return check_edit(candidate, above, "unprotected"),
        Operation::Copy => return check_edit(candidate, above, "modified"),
        Operation::Set => "modified",
        Operation::Delete => "deleted",
        Operation::Deactivate => "deactivated",
        Operation::Activate => "activated",
        Operation::Annotate => "annotated",
        Operation::Rename => "renamed",
        Operation::InsertBefore | Operation::InsertAfter => "moved",
    };
    match operation {
        Operation::Set | Operation::Delete | Operation::Deactivate | Operation::Activate => {
            path.statements().try_for_each(|(steps, _)| check_edit(candidate, steps, verb))
        }
        _ => check_edit(candidate, &path.steps, verb),
    }
}
