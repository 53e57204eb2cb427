//! `load`: text read into a candidate, each action its own way.

use std::sync::Arc;

use crate::config::load::{
    LoadError, apply_patch, apply_set_lines, parse_tagged, parse_text, structured_lines,
};
use crate::config::path::Resolved;
use crate::config::schema::Schema;
use crate::config::tree::Node;

/// How a `load` puts its text into the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadAction {
    Merge,
    Override,
    Replace,
    /// `set` and `delete` lines.
    Set,
    /// As override, changing only what differs.
    Update,
    /// `show | compare` output: `[edit ...]` headers, `+`/`-` lines.
    Patch,
}

pub(super) fn load_into(
    schema: &Schema,
    candidate: &mut Node,
    action: LoadAction,
    text: &str,
) -> Vec<LoadError> {
    let structured = match action {
        LoadAction::Set => return apply_set_lines(schema, candidate, text),
        LoadAction::Patch => return apply_patch(schema, candidate, text),
        LoadAction::Update => {
            let mut loaded = Node::default();
            let errors = load_into(schema, &mut loaded, LoadAction::Override, text);
            update(candidate, loaded);
            return errors;
        }
        LoadAction::Merge | LoadAction::Override | LoadAction::Replace => structured_lines(schema, text),
    };
    match (action, structured) {
        (_, Some(Err(error))) => vec![error],
        (LoadAction::Override, Some(Ok(lines))) => {
            let mut tree = Node::default();
            let errors = apply_set_lines(schema, &mut tree, &lines);
            *candidate = tree;
            errors
        }
        (_, Some(Ok(lines))) => apply_set_lines(schema, candidate, &lines),
        (LoadAction::Override, None) => {
            let (tree, errors) = parse_text(schema, text);
            *candidate = tree;
            errors
        }
        // `delete:` statements go; under `load replace`, so do the old
        // contents of `replace:` ones; then the rest merges.
        (action, None) => {
            let (tree, tagged, errors) = parse_tagged(schema, text);
            for tag in tagged.into_iter().filter(|t| t.delete || action == LoadAction::Replace) {
                let path =
                    Resolved { steps: tag.steps, values: Vec::new(), wanting: None, earlier: Vec::new() };
                candidate.delete(schema, &path);
            }
            candidate.merge(schema, None, tree);
            errors
        }
    }
}

/// `load update`: `candidate` becomes `loaded`, keeping its own nodes where
/// they are equal, so that only what differs is new.
fn update(candidate: &mut Node, loaded: Node) {
    let mut children = crate::config::tree::Children::with_capacity(loaded.children.len());
    for (key, child) in loaded.children {
        let child = match candidate.children.get(&key) {
            Some(old) if *old == child => old.clone(),
            Some(old) => {
                let mut old = (**old).clone();
                update(&mut old, Arc::unwrap_or_clone(child));
                Arc::new(old)
            }
            None => child,
        };
        children.insert(key, child);
    }
    *candidate = Node { children, ..loaded };
}
