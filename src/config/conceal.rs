//! What a user whose class lacks the `secret` permission sees of secret
//! statements (password hashes, keys): the statement, with its value
//! replaced by `/* SECRET-DATA */`, as Junos prints it for such a user.
//! The agent conceals before a configuration leaves it, so every way of
//! showing one (text, set, XML, JSON, compare, files) hides the same values.

use std::sync::Arc;

use regex::Regex;

use super::path::Step;
use super::schema::{Kind, Schema, SchemaId};
use super::tree::{Node, child_step, ends_at_entry};

/// The value shown in place of a secret.
pub const SECRET_DATA: &str = "/* SECRET-DATA */";

/// The configuration `node` found at `steps`, its secret values replaced.
/// Only the nodes on the way to a secret are copied.
pub fn conceal(schema: &Schema, steps: &[Step], node: Node) -> Node {
    let concealed = match steps.last() {
        None => statements(schema, None, &node),
        Some(last) if ends_at_entry(schema, steps) => statements(schema, Some(last.schema), &node),
        Some(last) => statement(schema, last.schema, &node),
    };
    concealed.unwrap_or(node)
}

/// The statements under `at`, if any of them changed.
fn statements(schema: &Schema, at: Option<SchemaId>, node: &Node) -> Option<Node> {
    let mut changed: Option<Node> = None;
    for (key, child) in &node.children {
        let Some(step) = child_step(schema, at, *key) else { continue };
        if let Some(new) = statement(schema, step.schema, child) {
            changed.get_or_insert_with(|| node.clone()).children.insert(*key, Arc::new(new));
        }
    }
    changed
}

fn statement(schema: &Schema, id: SchemaId, node: &Node) -> Option<Node> {
    let s = schema.node(id);
    if s.secret && matches!(s.kind, Kind::List { keyword: true, .. }) {
        // The names of the entries are the secret (`ssh-rsa "ssh-rsa AAAA..."`):
        // one concealed entry stands for them all.
        return node.children.keys().any(|k| k != SECRET_DATA).then(|| Node {
            children: [(SECRET_DATA.into(), Arc::new(Node::default()))].into_iter().collect(),
            ..node.clone()
        });
    }
    if s.secret {
        return node
            .values
            .iter()
            .any(|v| v != SECRET_DATA)
            .then(|| Node { values: vec![SECRET_DATA.into(); node.values.len()].into(), ..node.clone() });
    }
    match s.kind {
        // The keyword's node holds the entries.
        Kind::List { keyword: true, .. } => {
            let mut changed: Option<Node> = None;
            for (name, entry) in &node.children {
                if let Some(new) = statements(schema, Some(id), entry) {
                    changed.get_or_insert_with(|| node.clone()).children.insert(*name, Arc::new(new));
                }
            }
            changed
        }
        Kind::Container | Kind::List { keyword: false, .. } => statements(schema, Some(id), node),
        _ => None,
    }
}

/// Whether a secret value differs between two whole configurations (one
/// added or removed counts). What the two share (a subtree the same `Arc`)
/// is not looked into, so a small change to a big configuration costs
/// little.
pub fn secrets_differ(schema: &Schema, a: &Node, b: &Node) -> bool {
    statements_differ(schema, None, a, b)
}

fn statements_differ(schema: &Schema, at: Option<SchemaId>, a: &Node, b: &Node) -> bool {
    let empty = Node::default();
    let keys = a.children.keys().chain(b.children.keys().filter(|k| !a.children.contains_key(*k)));
    keys.into_iter().any(|key| {
        let (x, y) = (a.children.get(key), b.children.get(key));
        if let (Some(x), Some(y)) = (x, y)
            && Arc::ptr_eq(x, y)
        {
            return false;
        }
        child_step(schema, at, *key).is_some_and(|step| {
            statement_differs(schema, step.schema, x.map_or(&empty, |x| x), y.map_or(&empty, |y| y))
        })
    })
}

fn statement_differs(schema: &Schema, id: SchemaId, a: &Node, b: &Node) -> bool {
    let s = schema.node(id);
    if s.secret {
        return a.values != b.values || !a.children.keys().eq(b.children.keys());
    }
    match s.kind {
        Kind::List { keyword: true, .. } => {
            let empty = Node::default();
            let names = a.children.keys().chain(b.children.keys().filter(|k| !a.children.contains_key(*k)));
            names.into_iter().any(|name| match (a.children.get(name), b.children.get(name)) {
                (Some(x), Some(y)) if Arc::ptr_eq(x, y) => false,
                (x, y) => {
                    statements_differ(schema, Some(id), x.map_or(&empty, |x| x), y.map_or(&empty, |y| y))
                }
            })
        }
        Kind::Container | Kind::List { keyword: false, .. } => statements_differ(schema, Some(id), a, b),
        _ => false,
    }
}

/// Text that may hold configuration (a saved `show configuration`, a
/// comparison) with the value of every secret statement replaced, in each
/// form it may be printed in: curly braces or `set` commands
/// (`encrypted-password "$6$...";`), XML and JSON. Over-eager at worst: a
/// description that quotes a secret statement's name loses the word after it.
pub fn conceal_text(schema: &Schema, text: &str) -> String {
    let mut text = text.to_owned();
    for (re, replacement) in schema.secret_patterns.get_or_init(|| secret_patterns(schema)) {
        text = re.replace_all(&text, replacement.as_str()).into_owned();
    }
    text
}

/// The patterns of `conceal_text`, each with its replacement; compiled once
/// per schema, as they depend on its secret statements.
fn secret_patterns(schema: &Schema) -> Vec<(Regex, String)> {
    let names = schema.secret_names();
    if names.is_empty() {
        return Vec::new();
    }
    let names = names.iter().map(|n| regex::escape(n)).collect::<Vec<_>>().join("|");
    let quoted = r#""(?:[^"\\\n]|\\.)*""#;
    // Text concealed once stays as it is.
    let shown = regex::escape(SECRET_DATA);
    let forms = [
        (format!(r#"(\b(?:{names})[ \t]+)(?:{shown}|{quoted}|[^\s;"]+)"#), format!("${{1}}{SECRET_DATA}")),
        (format!(r"(<(?:{names})>)[^<]*(</(?:{names})>)"), format!("${{1}}{SECRET_DATA}${{2}}")),
        (
            format!(r#"("(?:{names})"\s*:\s*(?:\[\s*\{{\s*"data"\s*:\s*)?){quoted}"#),
            format!("${{1}}\"{SECRET_DATA}\""),
        ),
        // A list whose names are secret: `<ssh-rsa><name>...`, `"ssh-rsa" : [{"name" : ...}, ...]`.
        (format!(r"(<(?:{names})>\s*<name>)[^<]*(</name>)"), format!("${{1}}{SECRET_DATA}${{2}}")),
        (
            format!(r#"("(?:{names})"\s*:\s*\[\s*)\{{\s*"name"[^\]]*(\])"#),
            format!("${{1}}{{ \"name\" : \"{SECRET_DATA}\" }}${{2}}"),
        ),
    ];
    // Built from names the schema checked: the patterns are valid.
    forms
        .into_iter()
        .filter_map(|(pattern, replacement)| Some((Regex::new(&pattern).ok()?, replacement)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::print::{to_set, to_text};
    use crate::config::tree::tests::{build, read};

    const HASH: &str = "$6$abc$def";

    fn sample(schema: &Schema) -> Node {
        build(
            schema,
            &[
                "system host-name r1",
                "chassis redundancy keepalive-time 30",
                "system root-authentication encrypted-password \"$6$abc$def\"",
                "system login user bob class read-only",
                "system login user bob authentication encrypted-password \"$6$abc$def\"",
                "groups g1 system root-authentication encrypted-password \"$6$abc$def\"",
            ],
        )
    }

    #[test]
    fn secret_values_are_replaced_wherever_they_are() {
        let schema = Schema::shipped().unwrap();
        let root = sample(&schema);
        let shown = conceal(&schema, &[], root.clone());
        let text = to_text(&schema, None, &shown);
        assert!(!text.contains(HASH), "{text}");
        assert!(text.contains("encrypted-password /* SECRET-DATA */; ## SECRET-DATA\n"), "{text}");
        assert_eq!(text.matches("SECRET-DATA */").count(), 3, "{text}");
        assert!(text.contains("host-name r1;"));
        let set = to_set(&schema, None, &shown, "");
        assert!(
            set.contains("set system root-authentication encrypted-password /* SECRET-DATA */\n"),
            "{set}"
        );
        // What holds no secret is shared, not copied.
        assert!(Arc::ptr_eq(&root.children["chassis"], &shown.children["chassis"]));
        assert_eq!(conceal(&schema, &[], shown.clone()), shown, "concealing twice changes nothing");
    }

    #[test]
    fn a_subtree_is_concealed_from_where_it_hangs() {
        let schema = Schema::shipped().unwrap();
        let root = sample(&schema);
        for path in [
            "system login user",
            "system login user bob",
            "system login user bob authentication",
            "system login user bob authentication encrypted-password",
            "system root-authentication encrypted-password",
        ] {
            let steps = read(&schema, path).unwrap().steps;
            let node = root.get(&steps).cloned().unwrap();
            let shown = conceal(&schema, &steps, node);
            assert!(!format!("{shown:?}").contains(HASH), "{path}: {shown:?}");
        }
    }

    #[test]
    fn a_secret_changed_added_or_removed_differs_and_nothing_else_does() {
        let schema = Schema::shipped().unwrap();
        let root = sample(&schema);
        let change = |line: &str| {
            let mut tree = root.clone();
            tree.set(&schema, &read(&schema, line).unwrap());
            tree
        };
        assert!(!secrets_differ(&schema, &root, &change("system host-name r2")));
        assert!(!secrets_differ(&schema, &root, &change("system login user ann class read-only")));
        for line in [
            "system root-authentication encrypted-password \"$6$new\"",
            "system login user bob authentication encrypted-password \"$6$new\"",
            "system login user ann authentication encrypted-password \"$6$new\"",
            "groups g2 system root-authentication encrypted-password \"$6$new\"",
        ] {
            let changed = change(line);
            assert!(secrets_differ(&schema, &root, &changed), "{line}");
            assert!(secrets_differ(&schema, &changed, &root), "{line}, undone");
        }
        let mut gone = root.clone();
        gone.delete(&schema, &read(&schema, "system login user bob").unwrap());
        assert!(secrets_differ(&schema, &root, &gone));
    }

    #[test]
    fn the_names_of_a_secret_list_are_concealed() {
        let schema = Schema::shipped().unwrap();
        let key = "system login user bob authentication ssh-rsa";
        let root = build(
            &schema,
            &[&format!("{key} \"ssh-rsa AAAA1 bob@a\""), &format!("{key} \"ssh-rsa AAAA2 bob@b\"")],
        );
        let shown = to_text(&schema, None, &conceal(&schema, &[], root.clone()));
        assert!(!shown.contains("AAAA"), "{shown}");
        assert!(shown.contains("ssh-rsa /* SECRET-DATA */; ## SECRET-DATA"), "{shown}");
        let mut other = root.clone();
        other.delete(&schema, &read(&schema, &format!("{key} \"ssh-rsa AAAA2 bob@b\"")).unwrap());
        assert!(secrets_differ(&schema, &root, &other), "a key removed is a secret changed");
        let text = to_text(&schema, None, &root)
            + "<ssh-rsa>\n    <name>ssh-rsa AAAA3</name>\n</ssh-rsa>\n\
                    \"ssh-rsa\" : [\n    {\n        \"name\" : \"ssh-rsa AAAA4\"\n    }\n]\n";
        let shown = conceal_text(&schema, &text);
        assert!(!shown.contains("AAAA"), "{shown}");
    }

    #[test]
    fn secrets_in_text_are_replaced_in_every_form() {
        let schema = Schema::shipped().unwrap();
        let root = sample(&schema);
        let text = to_text(&schema, None, &root) + &to_set(&schema, None, &root, "");
        let text = format!(
            "{text}<encrypted-password>{HASH}</encrypted-password>\n\"encrypted-password\" : \"{HASH}\"\n\
             \"encrypted-password\" : [\n    {{\n        \"data\" : \"{HASH}\"\n\
             +   encrypted-password \"{HASH}\"; ## SECRET-DATA\n"
        );
        let shown = conceal_text(&schema, &text);
        assert!(!shown.contains("$6$"), "{shown}");
        assert!(shown.contains("<encrypted-password>/* SECRET-DATA */</encrypted-password>"), "{shown}");
        assert!(shown.contains("\"encrypted-password\" : \"/* SECRET-DATA */\""), "{shown}");
        assert!(shown.contains("host-name r1;"));
        assert_eq!(conceal_text(&schema, &shown), shown, "concealing twice changes nothing");
        let compiled = schema.secret_patterns.get().map(Vec::as_ptr);
        assert!(compiled.is_some(), "the patterns are kept");
        conceal_text(&schema, &text);
        assert_eq!(schema.secret_patterns.get().map(Vec::as_ptr), compiled, "and not made again");
    }
}
