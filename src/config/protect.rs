//! `protect`: a protected statement, and everything under it, is left as it
//! is by every change (edits, loads) until `unprotect` clears the mark.

use super::path::Step;
use super::print::quote;
use super::tree::Node;

/// A change refused because it touches a protected statement, in Junos's words:
/// `[edit protocols ospf] is protected, 'protocols ospf area 0.0.0.0' cannot be modified`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[edit {protected}] is protected, '{changed}' cannot be {verb}")]
pub struct Protected {
    /// The protected statement.
    pub protected: String,
    /// The statement the change names.
    pub changed: String,
    /// `modified`, `deleted`, `deactivated`, ...
    pub verb: &'static str,
}

fn words<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    keys.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Refuses a change of the statement at `steps` when it, or a statement
/// above it, is protected.
pub fn check_edit(root: &Node, steps: &[Step], verb: &'static str) -> Result<(), Protected> {
    match root.protected_within(steps) {
        Some(n) => Err(Protected {
            protected: words(steps[..n].iter().map(|s| s.key.as_str())),
            changed: words(steps.iter().map(|s| s.key.as_str())),
            verb,
        }),
        None => Ok(()),
    }
}

/// The protected statements of `old` that `new` changes. Where `unprotect`
/// may be part of the change (`load set`), a statement `new` holds
/// unprotected was unprotected first, and may change.
pub fn changed(old: &Node, new: &Node, unprotect_allowed: bool) -> Vec<Protected> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(old, Some(new), unprotect_allowed, &mut path, &mut out);
    out
}

fn walk<'a>(
    old: &'a Node,
    new: Option<&Node>,
    unprotect_allowed: bool,
    path: &mut Vec<&'a str>,
    out: &mut Vec<Protected>,
) {
    if old.protected() {
        let unprotected = unprotect_allowed && new.is_some_and(|n| !n.protected());
        if new != Some(old) && !unprotected {
            let at = words(path.iter().copied());
            out.push(Protected { protected: at.clone(), changed: at, verb: "modified" });
        }
        if !unprotected {
            return;
        }
    }
    for (key, child) in &old.children {
        if !child.holds_protected() {
            continue;
        }
        path.push(key);
        walk(child, new.and_then(|n| n.child(key)), unprotect_allowed, path, out);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::apply_set_lines;
    use crate::config::schema::Schema;
    use crate::config::tree::tests::{build, read};

    #[test]
    fn a_change_at_or_under_a_protected_statement_is_refused_in_junos_words() {
        let schema = Schema::shipped().unwrap();
        let mut root =
            build(&schema, &["protocols ospf area 0.0.0.0 interface ge-0/0/0.0", "system host-name r1"]);
        assert!(root.set_protected(&read(&schema, "protocols ospf").unwrap().steps, true));
        let steps = |line: &str| read(&schema, line).unwrap().steps;
        assert_eq!(
            check_edit(&root, &steps("protocols ospf area 0.0.0.0 interface ge-0/0/1.0"), "modified")
                .unwrap_err()
                .to_string(),
            "[edit protocols ospf] is protected, 'protocols ospf area 0.0.0.0 interface ge-0/0/1.0' cannot be modified"
        );
        assert!(check_edit(&root, &steps("protocols ospf"), "deleted").is_err());
        assert!(check_edit(&root, &steps("protocols"), "deleted").is_ok());
        assert!(check_edit(&root, &steps("system host-name r2"), "modified").is_ok());
    }

    #[test]
    fn deleting_above_a_protected_statement_keeps_it() {
        let schema = Schema::shipped().unwrap();
        let mut root =
            build(&schema, &["protocols ospf area 0.0.0.0 interface ge-0/0/0.0", "protocols lldp"]);
        root.set_protected(&read(&schema, "protocols ospf").unwrap().steps, true);
        let before = root.child("protocols").unwrap().child("ospf").cloned();
        assert!(root.delete(&schema, &read(&schema, "protocols").unwrap()));
        let protocols = root.child("protocols").unwrap();
        assert_eq!(protocols.children.len(), 1);
        assert_eq!(protocols.child("ospf").cloned(), before);
    }

    #[test]
    fn a_load_may_not_change_a_protected_statement_unless_it_unprotects_it() {
        let schema = Schema::shipped().unwrap();
        let mut old = build(&schema, &["system host-name r1", "system domain-name d"]);
        old.set_protected(&read(&schema, "system host-name").unwrap().steps, true);
        let mut new = old.clone();
        apply_set_lines(&schema, &mut new, "set system domain-name e");
        assert_eq!(changed(&old, &new, false), []);
        apply_set_lines(&schema, &mut new, "set system host-name r2");
        assert_eq!(
            changed(&old, &new, false).iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["[edit system host-name] is protected, 'system host-name' cannot be modified"]
        );
        let mut unprotected = old.clone();
        apply_set_lines(&schema, &mut unprotected, "unprotect system host-name\nset system host-name r2");
        assert_eq!(changed(&old, &unprotected, true), []);
        assert_eq!(changed(&old, &unprotected, false).len(), 1);
    }
}
