//! Checks a whole configuration at commit: what a single `set` cannot see.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::expression;
use super::path::Step;
use super::schema::{Kind, Reference, Schema, SchemaId};
use super::tree::{APPLYING, Node, Sym, child_step, sorted_children};

use super::print::quote;

/// One problem, printed in Junos's block form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// `[edit system]`
    pub path: String,
    /// `'root-authentication'`
    pub statement: String,
    pub message: String,
    /// Missing mandatory statements end the check with their own summary.
    pub missing_mandatory: bool,
}

impl CheckError {
    /// The block, then the summary line for a list of errors.
    pub fn report(errors: &[CheckError], commit: bool) -> String {
        let mut out = String::new();
        for e in errors {
            out.push_str(&format!("[edit{}]\n  '{}'\n    {}\n", e.path, e.statement, e.message));
        }
        let verb = if commit { "commit failed" } else { "configuration check-out failed" };
        if errors.iter().all(|e| e.missing_mandatory) {
            out.push_str(&format!("error: {verb}: (missing mandatory statements)\n"));
        } else {
            out.push_str("error: configuration check-out failed\n");
        }
        out
    }
}

pub fn check(schema: &Schema, root: &Node) -> Vec<CheckError> {
    check_from(schema, root, None)
}

/// `check`, taking as checked the subtrees `root` shares with `passed` (a
/// configuration that passed: the one committed).
pub fn check_from(schema: &Schema, root: &Node, passed: Option<&Node>) -> Vec<CheckError> {
    let mut errors = Vec::new();
    // A top-level container that is absent still owes its mandatory
    // statements: a configuration without `system` lacks root-authentication.
    for &top in schema.roots() {
        let node = schema.node(top);
        if node.kind == Kind::Container && !root.children.contains_key(node.name.as_str()) {
            for &c in &node.children {
                if schema.node(c).mandatory {
                    errors.push(CheckError {
                        path: String::new(),
                        statement: node.name.clone(),
                        message: format!("Missing mandatory statement: '{}'", schema.node(c).name),
                        missing_mandatory: true,
                    });
                }
            }
        }
    }
    mandatory(schema, None, root, passed, "", &mut errors);
    redundancy(root, &mut errors);
    processes(root, &mut errors);
    passwords(root, &mut errors);
    login_classes(root, &mut errors);
    let kept = passed.filter(|p| keeps_definitions(schema, root, p));
    // The two walks of the whole tree, most of a whole check, read it
    // apart: the one for references is made on another thread (and splits
    // again when large), and their errors are put in their order. The
    // groups walk skips what is known plain, but a tree not read from text
    // may be known to be none of it. A commit's check, which walks only
    // what changed, is not worth a thread.
    let referencing = || {
        let mut found = Vec::new();
        references(schema, root, kept, &mut found);
        found
    };
    let grouping = || {
        let mut found = Vec::new();
        groups(root, passed, &mut found);
        found
    };
    let (referenced, grouped) = match kept {
        Some(_) => (referencing(), grouping()),
        None => std::thread::scope(|scope| {
            let referenced = scope.spawn(referencing);
            let grouped = grouping();
            match referenced.join() {
                Ok(referenced) => (referenced, grouped),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }),
    };
    errors.extend(referenced);
    errors.extend(grouped);
    errors
}

/// Every value that names something defined elsewhere (the schema's `ref`
/// types) names something defined, or one of Junos's own names. Removing a
/// definition breaks statements left unchanged, so a subtree shared with the
/// configuration that passed is skipped only while its scope keeps every
/// name it defined.
///
/// Statements are looked at in the order they are stored, which needs no
/// sorting; errors, rare, are then found again in the order Junos prints
/// statements, the order they are reported in.
fn references(schema: &Schema, root: &Node, passed: Option<&Node>, errors: &mut Vec<CheckError>) {
    let mut found = Vec::new();
    let any = match passed {
        None if statements_below(root) >= APART_STATEMENTS => any_reference_unmet_apart(schema, root),
        _ => {
            let mut walk = References { schema, ordered: false, errors: &mut found };
            walk.level(None, root, passed, root, &mut Vec::new());
            !found.is_empty()
        }
    };
    if any {
        found.clear();
        let mut walk = References { schema, ordered: true, errors: &mut found };
        walk.level(None, root, passed, root, &mut Vec::new());
    }
    errors.append(&mut found);
}

/// A whole configuration with this many statements at its second level
/// has its references looked at on two threads.
const APART_STATEMENTS: usize = 1024;

fn statements_below(root: &Node) -> usize {
    root.children.values().map(|child| child.children.len()).sum()
}

/// Whether any reference of a whole configuration names nothing defined:
/// the first look, in any order, taken on two threads. Each takes the next
/// top-level statement not yet taken, or the next statement within a large
/// top-level container (all of which share the top level's scope), so that
/// one large statement (`policy-options`) and many small ones even out.
fn any_reference_unmet_apart(schema: &Schema, root: &Node) -> bool {
    let mut units: Vec<(Option<SchemaId>, Step, &Node)> = Vec::new();
    for (&key, child) in &root.children {
        let Some(step) = child_step(schema, None, key) else { continue };
        let container = schema.node(step.schema).kind == Kind::Container;
        if container && key != "groups" && child.children.len() >= APART_STATEMENTS / 8 {
            if schema.holds_reference(step.schema) {
                let inner = child.children.iter().filter_map(|(&key, grandchild)| {
                    Some((Some(step.schema), child_step(schema, Some(step.schema), key)?, &**grandchild))
                });
                units.extend(inner);
            }
        } else {
            units.push((None, step, &**child));
        }
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut found = Vec::new();
        let mut walk = References { schema, ordered: false, errors: &mut found };
        while walk.errors.is_empty() {
            let Some((at, step, node)) = units.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
            walk.statement(*at, step.clone(), node, None, root, &mut Vec::new());
        }
        !found.is_empty()
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(work);
        let mine = work();
        match other.join() {
            Ok(other) => mine || other,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

struct References<'s, 'e> {
    schema: &'s Schema,
    /// Whether statements are looked at in schema order.
    ordered: bool,
    errors: &'e mut Vec<CheckError>,
}

impl<'s> References<'s, '_> {
    fn level<'a>(
        &mut self,
        at: Option<SchemaId>,
        node: &'a Node,
        passed: Option<&Node>,
        scope: &Node,
        trail: &mut Vec<Sym>,
    ) where
        's: 'a,
    {
        if self.ordered {
            // In schema order: a list's entries keep their places.
            for (place, (step, child)) in sorted_children(self.schema, at, node).into_iter().enumerate() {
                let passed = passed.and_then(|p| p.child_near(step.key, place));
                self.statement(at, step, child, passed, scope, trail);
            }
        } else {
            // A chunk of children shared with what passed is checked already.
            for (place, &key, child) in node.children.unshared(passed.map(|p| &p.children)) {
                if let Some(step) = child_step(self.schema, at, key) {
                    let passed = passed.and_then(|p| p.child_near(key, place));
                    self.statement(at, step, child, passed, scope, trail);
                }
            }
        }
    }

    /// `step`'s references checked in `child`; `passed`, the same
    /// statement in the configuration that passed, if it had it.
    fn statement<'a>(
        &mut self,
        at: Option<SchemaId>,
        step: Step,
        child: &'a Node,
        passed: Option<&Node>,
        scope: &Node,
        trail: &mut Vec<Sym>,
    ) where
        's: 'a,
    {
        let schema = self.schema;
        if at.is_none() && step.key == "groups" || !schema.holds_reference(step.schema) {
            return;
        }
        if passed.is_some_and(|p| std::ptr::eq(p, child)) {
            return;
        }
        let s = schema.node(step.schema);
        match &s.kind {
            Kind::Leaf(_) | Kind::LeafList(_) => {
                let Some(reference) = schema.reference(step.schema) else { return };
                for value in &child.values {
                    // Each policy of an expression is checked as if named alone.
                    let names = if s.expressions { expression::names(value) } else { vec![value.as_str()] };
                    for name in names.into_iter().filter(|n| !defines(schema, reference, scope, n)) {
                        let statement = if matches!(s.kind, Kind::Leaf(_)) {
                            format!("{} {}", s.name, quote(value))
                        } else {
                            s.name.clone()
                        };
                        self.errors.push(CheckError {
                            path: render(trail),
                            statement,
                            message: reference.error(name),
                            missing_mandatory: false,
                        });
                    }
                }
            }
            Kind::Container => {
                trail.push(s.key);
                self.level(Some(step.schema), child, passed, scope, trail);
                trail.pop();
            }
            Kind::List { keyword: false, .. } => {
                undefined_entries(schema, step.schema, [step.key.as_str()], scope, trail, None, self.errors);
                trail.push(step.key);
                if s.scope {
                    let passed = passed.filter(|p| keeps_definitions(schema, child, p));
                    self.level(Some(step.schema), child, passed, child, trail);
                } else {
                    self.level(Some(step.schema), child, passed, scope, trail);
                }
                trail.pop();
            }
            Kind::List { keyword: true, .. } => {
                let names = child.children.keys().map(Sym::as_str);
                undefined_entries(schema, step.schema, names, scope, trail, Some(&s.name), self.errors);
                for (place, name, entry) in child.children.unshared(passed.map(|p| &p.children)) {
                    let passed = passed.and_then(|p| p.child_near(*name, place));
                    if passed.is_some_and(|p| std::ptr::eq(p, &**entry)) {
                        continue;
                    }
                    trail.extend([s.key, *name]);
                    self.level(Some(step.schema), entry, passed, scope, trail);
                    trail.truncate(trail.len() - 2);
                }
            }
            Kind::Flag | Kind::Value(_) => {}
        }
    }
}

/// The path to a statement as Junos prints it (`[edit` ... `]`), made only
/// for an error.
fn render(trail: &[impl AsRef<str>]) -> String {
    trail.iter().map(|word| format!(" {}", quote(word.as_ref()))).collect()
}

/// The entries of list `id` named by something undefined, when its entries
/// are references (`from prefix-list NAME`, `then community add NAME`),
/// each named after its `keyword` if the list has one.
fn undefined_entries<'n>(
    schema: &Schema,
    id: SchemaId,
    names: impl IntoIterator<Item = &'n str>,
    scope: &Node,
    trail: &[Sym],
    keyword: Option<&str>,
    errors: &mut Vec<CheckError>,
) {
    let Some(reference) = schema.reference(id) else { return };
    for name in names.into_iter().filter(|n| !defines(schema, reference, scope, n)) {
        errors.push(CheckError {
            path: render(trail),
            statement: match keyword {
                Some(keyword) => format!("{keyword} {}", quote(name)),
                None => quote(name),
            },
            message: reference.error(name),
            missing_mandatory: false,
        });
    }
}

/// Whether `name` is one a reference may name in `scope`: one of Junos's own,
/// or an entry of a list it names.
fn defines(schema: &Schema, reference: &Reference, scope: &Node, name: &str) -> bool {
    reference.builtin.iter().any(|b| b == name)
        || reference.lists.iter().any(|list| {
            let keyword_list = matches!(schema.node(list.target).kind, Kind::List { keyword: true, .. });
            scope.descend(list.path.iter().map(String::as_str)).is_some_and(|entries| {
                entries.children.contains_key(name)
                    && (keyword_list || schema.keyword(Some(list.target), name).is_none())
            })
        })
}

/// Whether `scope` still defines every entry any reference could name in
/// `passed`, the same scope in the configuration that passed.
fn keeps_definitions(schema: &Schema, scope: &Node, passed: &Node) -> bool {
    schema.referenced_lists().all(|path| {
        let keys = || path.iter().map(String::as_str);
        let Some(before) = passed.descend(keys()) else { return true };
        let now = scope.descend(keys());
        now.is_some_and(|now| std::ptr::eq(now, before))
            || before.children.keys().all(|k| now.is_some_and(|now| now.children.contains_key(k.as_str())))
    })
}

/// A class named like a predefined one would shadow it.
fn login_classes(root: &Node, errors: &mut Vec<CheckError>) {
    let Some(classes) = root.descend(["system", "login", "class"]) else { return };
    for name in classes.children.keys().filter(|n| crate::permissions::predefined(n).is_some()) {
        errors.push(CheckError {
            path: " system login class".into(),
            statement: quote(name),
            message: format!("'{name}' is a predefined class name"),
            missing_mandatory: false,
        });
    }
}

/// Group names beginning `junos-` are Junos's own; every applied group must
/// exist. A subtree shared with the configuration that passed is skipped
/// while every group it had is still there.
fn groups(root: &Node, passed: Option<&Node>, errors: &mut Vec<CheckError>) {
    let defined = root.child("groups");
    for name in defined.map(|g| g.children.keys()).into_iter().flatten() {
        if name.starts_with("junos-") {
            errors.push(CheckError {
                path: " groups".into(),
                statement: quote(name),
                message: "Group names beginning with 'junos-' are reserved".into(),
                missing_mandatory: false,
            });
        }
    }
    let defines = |name: &str| defined.is_some_and(|d| d.children.contains_key(name));
    let passed = passed
        .filter(|p| p.child("groups").is_none_or(|before| before.children.keys().all(|name| defines(name))));
    fn walk<'a>(
        node: &'a Node,
        passed: Option<&Node>,
        trail: &mut Vec<&'a str>,
        defines: &dyn Fn(&str) -> bool,
        errors: &mut Vec<CheckError>,
    ) {
        for (place, key, child) in node.children.unshared(passed.map(|p| &p.children)) {
            let passed = passed.and_then(|p| p.child_near(*key, place));
            if passed.is_some_and(|p| std::ptr::eq(p, &**child)) {
                continue;
            }
            if APPLYING.contains(&key.as_str()) {
                for name in child.values.iter().filter(|n| !defines(n)) {
                    errors.push(CheckError {
                        path: render(trail),
                        statement: key.to_string(),
                        message: format!("undefined group: {name}"),
                        missing_mandatory: false,
                    });
                }
            } else if !(child.children.plain() || trail.is_empty() && key == "groups") {
                trail.push(key.as_str());
                walk(child, passed, trail, defines, errors);
                trail.pop();
            }
        }
    }
    walk(root, passed, &mut Vec::new(), &defines, errors);
}

/// Every present container or entry must hold its mandatory statements.
fn mandatory(
    schema: &Schema,
    at: Option<SchemaId>,
    node: &Node,
    passed: Option<&Node>,
    path: &str,
    errors: &mut Vec<CheckError>,
) {
    for (place, (step, child)) in sorted_children(schema, at, node).into_iter().enumerate() {
        // A group is a fragment, complete only where it is applied.
        if at.is_none() && step.key == "groups" || !schema.holds_mandatory(step.schema) {
            continue;
        }
        let passed = passed.and_then(|p| p.child_near(step.key, place));
        if passed.is_some_and(|p| std::ptr::eq(p, child)) {
            continue;
        }
        let s = schema.node(step.schema);
        let (statement, inner, entries): (String, String, Vec<(Sym, &Node)>) = match s.kind {
            Kind::Container => (s.name.clone(), format!("{path} {}", s.name), vec![(Sym::EMPTY, child)]),
            Kind::List { keyword: true, .. } => (
                String::new(),
                path.to_owned(),
                child.children.iter().map(|(name, entry)| (*name, &**entry)).collect(),
            ),
            Kind::List { keyword: false, .. } => {
                (quote(&step.key), format!("{path} {}", quote(&step.key)), vec![(Sym::EMPTY, child)])
            }
            _ => continue,
        };
        for (place, (key, entry)) in entries.into_iter().enumerate() {
            let name = key.as_str();
            let passed = if name.is_empty() { passed } else { passed.and_then(|p| p.child_near(key, place)) };
            if !name.is_empty() && passed.is_some_and(|p| std::ptr::eq(p, entry)) {
                continue;
            }
            let (statement, inner) = if name.is_empty() {
                (statement.clone(), inner.clone())
            } else {
                (format!("{} {}", s.name, quote(name)), format!("{inner} {} {}", s.name, quote(name)))
            };
            for &c in schema.children(Some(step.schema)) {
                let required = schema.node(c);
                if required.mandatory
                    && required.has_keyword()
                    && !entry.children.contains_key(required.name.as_str())
                {
                    errors.push(CheckError {
                        path: path.to_owned(),
                        statement: statement.clone(),
                        message: format!("Missing mandatory statement: '{}'", required.name),
                        missing_mandatory: true,
                    });
                }
            }
            mandatory(schema, Some(step.schema), entry, passed, &inner, errors);
        }
    }
}

/// Only one Routing Engine may be configured master.
fn redundancy(root: &Node, errors: &mut Vec<CheckError>) {
    let Some(roles) = root.descend(["chassis", "redundancy", "routing-engine"]) else { return };
    let masters = roles
        .children
        .values()
        .filter(|entry| entry.children.values().any(|role| role.values.iter().any(|v| v == "master")))
        .count();
    if masters > 1 {
        errors.push(CheckError {
            path: " chassis redundancy".into(),
            statement: "routing-engine".into(),
            message: "Both Routing Engines cannot be configured as master".into(),
            missing_mandatory: false,
        });
    }
}

/// `plain-text-password` is a request to the CLI to ask for one; only its
/// hash is ever stored, so one that arrives some other way (a loaded file)
/// is refused rather than kept.
fn passwords(root: &Node, errors: &mut Vec<CheckError>) {
    let mut places =
        vec![(" system root-authentication".to_owned(), root.descend(["system", "root-authentication"]))];
    if let Some(users) = root.descend(["system", "login", "user"]) {
        for (name, user) in &users.children {
            places.push((
                format!(" system login user {} authentication", quote(name)),
                user.descend(["authentication"]),
            ));
        }
    }
    for (path, node) in places {
        if node.is_some_and(|n| n.children.contains_key("plain-text-password")) {
            errors.push(CheckError {
                path,
                statement: "plain-text-password".into(),
                message: "A password is entered at the CLI prompt and stored only as encrypted-password"
                    .into(),
                missing_mandatory: false,
            });
        }
    }
}

/// The processes an RE cannot be managed or keep its role without.
const ESSENTIAL_PROCESSES: [&str; 2] = ["chassis-control", "management"];

fn processes(root: &Node, errors: &mut Vec<CheckError>) {
    let Some(processes) = root.descend(["system", "processes"]) else { return };
    for name in ESSENTIAL_PROCESSES {
        if processes.descend([name, "disable"]).is_some() {
            errors.push(CheckError {
                path: " system processes".into(),
                statement: name.into(),
                message: "Process cannot be disabled: the Routing Engine needs it to be managed".into(),
                missing_mandatory: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::tests::{build, read};

    #[test]
    fn checking_from_a_configuration_that_passed_finds_what_a_whole_check_finds() {
        use crate::config::inherit::expand;
        use crate::config::random::{Rng, configuration};
        use crate::slot::Slot;
        let schema = Schema::shipped().unwrap();
        let mut compared = 0;
        for seed in 0..3000 {
            let mut rng = Rng::new(seed);
            let size = 1 + rng.below(8);
            let mut before = build(&schema, &["system root-authentication encrypted-password \"$6$x\""]);
            before.merge(&schema, None, configuration(&schema, &mut rng, size));
            let before = expand(&schema, &before, Slot::RE0);
            if !check(&schema, &before).is_empty() {
                continue;
            }
            let mut after = before.clone();
            let size = 1 + rng.below(5);
            after.merge(&schema, None, configuration(&schema, &mut rng, size));
            assert_eq!(check_from(&schema, &after, Some(&before)), check(&schema, &after), "seed {seed}");
            compared += 1;
        }
        assert!(compared > 30, "only {compared} random configurations passed a check");
    }

    /// A check from a configuration that passed, of one with a list held in
    /// chunks (entries naming filters and groups among them) edited: what
    /// a whole check finds, whatever the edits share with what passed.
    #[test]
    fn checking_a_large_list_from_a_configuration_that_passed_finds_what_a_whole_check_finds() {
        use crate::config::delta::tests::random_list_edit;
        use crate::config::inherit::expand;
        use crate::config::random::Rng;
        use crate::slot::Slot;
        let schema = Schema::shipped().unwrap();
        let mut failed = 0;
        for seed in 0..60 {
            let mut rng = Rng::new(seed);
            let mut lines = vec![
                "system root-authentication encrypted-password x".to_owned(),
                "firewall family inet filter f0 term t then accept".to_owned(),
                "groups g0 system host-name h0".to_owned(),
            ];
            for n in 0..300 + rng.below(300) {
                lines.push(format!("interfaces ge-0/0/{n} description d{n}"));
                if rng.below(20) == 0 {
                    lines.push(format!("interfaces ge-0/0/{n} unit 0 family inet filter input f0"));
                }
                if rng.below(20) == 0 {
                    lines.push(format!("interfaces ge-0/0/{n} apply-groups g0"));
                }
            }
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let before = expand(&schema, &build(&schema, &lines), Slot::RE0);
            assert!(check(&schema, &before).is_empty(), "seed {seed}");
            let mut after = before.clone();
            for _ in 0..1 + rng.below(4) {
                match rng.below(4) {
                    0 => after.merge(&schema, None, build(&schema, &[&naming_statement(&mut rng)])),
                    1 => remove_one(&mut after, &mut rng),
                    _ => random_list_edit(&mut rng, &mut after),
                }
            }
            let whole = check(&schema, &after);
            failed += usize::from(!whole.is_empty());
            assert_eq!(check_from(&schema, &after, Some(&before)), whole, "seed {seed}");
        }
        assert!(failed > 3, "only {failed} edited configurations failed a check");
    }

    /// Statements that define names and statements that name them, over a
    /// few names, so that random removals break references.
    fn naming_statement(rng: &mut crate::config::random::Rng) -> String {
        let (i, j) = (rng.below(3), rng.below(3));
        let scope = ["", "logical-systems ls0 ", "logical-systems ls1 "][rng.below(3)];
        match rng.below(10) {
            0 => format!("{scope}policy-options policy-statement p{i} then accept"),
            1 => format!("{scope}policy-options prefix-list l{i} 192.0.2.0/24"),
            2 => format!("{scope}policy-options community c{i} members 64500:{i}"),
            3 => format!("{scope}firewall family inet filter f{i} term t then accept"),
            4 => format!("{scope}protocols bgp group g{i} export p{j}"),
            5 => format!("{scope}policy-options policy-statement p{i} term t from prefix-list l{j}"),
            6 => format!("{scope}policy-options policy-statement p{i} term t then community add c{j}"),
            7 => format!("{scope}interfaces ge-0/0/{i} unit 0 family inet filter input f{j}"),
            8 => format!("groups g{i} system host-name h{i}"),
            _ => format!("{scope}interfaces ge-0/0/{i} apply-groups g{j}"),
        }
    }

    /// Removes one statement at random, the way `delete` would.
    fn remove_one(node: &mut Node, rng: &mut crate::config::random::Rng) {
        if node.children.is_empty() {
            return;
        }
        let index = rng.below(node.children.len());
        let child = std::sync::Arc::make_mut(&mut node.children[index]);
        if child.children.is_empty() || rng.below(3) == 0 {
            node.children.shift_remove_index(index);
        } else {
            remove_one(child, rng);
        }
    }

    #[test]
    fn checking_from_a_configuration_that_passed_finds_what_a_whole_check_finds_as_definitions_go() {
        use crate::config::random::Rng;
        let schema = Schema::shipped().unwrap();
        let mut compared = 0;
        for seed in 0..2000 {
            let mut rng = Rng::new(seed);
            let mut before = build(&schema, &["system root-authentication encrypted-password x"]);
            // Most names defined, so that most configurations pass.
            for _ in 0..30 {
                let line = naming_statement(&mut rng);
                if !line.contains(" from ")
                    && !line.contains(" add ")
                    && !line.contains(" input ")
                    && !line.contains(" export ")
                    && !line.contains(" apply-groups ")
                {
                    before.set(&schema, &read(&schema, &line).unwrap());
                }
            }
            for _ in 0..1 + rng.below(10) {
                before.set(&schema, &read(&schema, &naming_statement(&mut rng)).unwrap());
            }
            if !check(&schema, &before).is_empty() {
                continue;
            }
            let mut after = before.clone();
            for _ in 0..1 + rng.below(3) {
                if rng.below(2) == 0 {
                    remove_one(&mut after, &mut rng);
                } else {
                    after.set(&schema, &read(&schema, &naming_statement(&mut rng)).unwrap());
                }
            }
            assert_eq!(check_from(&schema, &after, Some(&before)), check(&schema, &after), "seed {seed}");
            compared += 1;
        }
        assert!(compared > 300, "only {compared} random configurations passed a check");
    }

    /// The first look for unmet references, taken on two threads over the
    /// top level and the statements of its large containers, finds one
    /// exactly when the look on one thread does.
    #[test]
    fn looking_for_unmet_references_apart_finds_what_one_look_finds() {
        use crate::config::random::Rng;
        let schema = Schema::shipped().unwrap();
        let mut found = [0, 0];
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let mut root = Node::default();
            // Every name defined, then named: only what goes after is unmet.
            for scope in ["", "logical-systems ls0 ", "logical-systems ls1 "] {
                for i in 0..3 {
                    for line in [
                        format!("{scope}policy-options policy-statement p{i} then accept"),
                        format!("{scope}policy-options prefix-list l{i} 192.0.2.0/24"),
                        format!("{scope}policy-options community c{i} members 64500:{i}"),
                        format!("{scope}firewall family inet filter f{i} term t then accept"),
                        format!("groups g{i} system host-name h{i}"),
                    ] {
                        root.set(&schema, &read(&schema, &line).unwrap());
                    }
                }
            }
            for _ in 0..40 {
                root.set(&schema, &read(&schema, &naming_statement(&mut rng)).unwrap());
            }
            // Containers large enough to be shared out statement by statement.
            for n in 0..APART_STATEMENTS / 4 {
                let filter = if rng.below(500) == 0 { "nowhere".to_owned() } else { format!("f{}", n % 3) };
                let line = format!("interfaces ge-1/0/{n} unit 0 family inet filter input {filter}");
                root.set(&schema, &read(&schema, &line).unwrap());
            }
            for _ in 0..rng.below(3) {
                remove_one(&mut root, &mut rng);
            }
            let mut one = Vec::new();
            References { schema: &schema, ordered: false, errors: &mut one }.level(
                None,
                &root,
                None,
                &root,
                &mut Vec::new(),
            );
            let apart = any_reference_unmet_apart(&schema, &root);
            assert_eq!(apart, !one.is_empty(), "seed {seed}");
            found[usize::from(apart)] += 1;
        }
        assert!(found.iter().all(|&n| n > 20), "{found:?}");
    }

    /// Statements are first looked at in the order they were set; the
    /// errors come in the order Junos prints the statements all the same.
    #[test]
    fn undefined_references_are_reported_in_schema_order_whatever_order_they_were_set_in() {
        let schema = Schema::shipped().unwrap();
        let root = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "policy-options policy-statement out term t from prefix-list gone",
                "protocols bgp group peers export missing",
                "interfaces ge-0/0/1 unit 0 family inet filter input later",
                "interfaces ge-0/0/0 unit 0 family inet filter input nowhere",
            ],
        );
        let paths: Vec<String> = check(&schema, &root).into_iter().map(|e| e.path).collect();
        assert_eq!(
            paths,
            [
                " interfaces ge-0/0/1 unit 0 family inet filter",
                " interfaces ge-0/0/0 unit 0 family inet filter",
                " protocols bgp group peers",
                " policy-options policy-statement out term t from",
            ]
        );
    }

    #[test]
    fn a_reference_inside_a_logical_system_names_what_that_logical_system_defines() {
        let schema = Schema::shipped().unwrap();
        let own = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "logical-systems ls1 protocols bgp group g export out",
                "logical-systems ls1 policy-options policy-statement out then accept",
            ],
        );
        assert_eq!(check(&schema, &own), []);
        let elsewhere = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "logical-systems ls1 protocols bgp group g export out",
                "policy-options policy-statement out then accept",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &elsewhere), true),
            "[edit logical-systems ls1 protocols bgp group g]\n  'export'\n    Policy error: Policy out referenced but not defined\n\
             error: configuration check-out failed\n"
        );
    }

    #[test]
    fn missing_mandatory_statements_and_two_masters_are_refused() {
        let schema = Schema::shipped().unwrap();
        let root = build(&schema, &["system host-name lab1", "system login user lab full-name Lab"]);
        let errors = check(&schema, &root);
        assert_eq!(
            CheckError::report(&errors, false),
            "[edit]\n  'system'\n    Missing mandatory statement: 'root-authentication'\n\
             [edit system login]\n  'user lab'\n    Missing mandatory statement: 'class'\n\
             error: configuration check-out failed: (missing mandatory statements)\n"
        );
        let root = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "chassis redundancy routing-engine 0 master",
                "chassis redundancy routing-engine 1 master",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &root), true),
            "[edit chassis redundancy]\n  'routing-engine'\n    Both Routing Engines cannot be configured as master\n\
             error: configuration check-out failed\n"
        );
        let fine = build(&schema, &["system root-authentication encrypted-password x"]);
        assert_eq!(check(&schema, &fine), []);
        let groups = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "groups junos-mine system host-name a",
                "groups re0 system host-name b",
                "interfaces ge-0/0/0 apply-groups [ re0 nowhere ]",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &groups), true),
            "[edit groups]\n  'junos-mine'\n    Group names beginning with 'junos-' are reserved\n\
             [edit interfaces ge-0/0/0]\n  'apply-groups'\n    undefined group: nowhere\n\
             error: configuration check-out failed\n"
        );
        let disabled = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "system processes routing disable",
                "system processes management disable",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &disabled), true),
            "[edit system processes]\n  'management'\n    \
             Process cannot be disabled: the Routing Engine needs it to be managed\n\
             error: configuration check-out failed\n"
        );
        let loaded = build(&schema, &["system root-authentication plain-text-password"]);
        assert_eq!(
            CheckError::report(&check(&schema, &loaded), true),
            "[edit system root-authentication]\n  'plain-text-password'\n    \
             A password is entered at the CLI prompt and stored only as encrypted-password\n\
             error: configuration check-out failed\n"
        );
        let classes = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "system login class operator permissions view",
                "system login user ann class noc",
                "system login user bob class read-only",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &classes), true),
            "[edit system login class]\n  'operator'\n    'operator' is a predefined class name\n\
             [edit system login user ann]\n  'class noc'\n    Undefined login class: 'noc'\n\
             error: configuration check-out failed\n"
        );
        let references = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "interfaces ge-0/0/0 unit 0 family inet filter input nowhere",
                "interfaces ge-0/0/0 unit 0 family inet filter output edge",
                "interfaces ge-0/0/1 unit 0 family inet filter input legacy",
                "firewall family inet filter edge term t then accept",
                "firewall filter legacy term t then accept",
                "protocols bgp group peers export [ out missing ]",
                "policy-options policy-statement out term t from prefix-list gone",
                "policy-options policy-statement out term t then community add absent",
                "policy-options policy-statement out term t then community add kept",
                "policy-options community kept members 64500:1",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &references), true),
            "[edit interfaces ge-0/0/0 unit 0 family inet filter]\n  'input nowhere'\n    \
             Referenced filter 'nowhere' is not defined\n\
             [edit protocols bgp group peers]\n  'export'\n    \
             Policy error: Policy missing referenced but not defined\n\
             [edit policy-options policy-statement out term t from]\n  'prefix-list gone'\n    \
             Policy error: Prefix-list gone referenced but not defined\n\
             [edit policy-options policy-statement out term t then community add]\n  'absent'\n    \
             Policy error: Community absent referenced but not defined\n\
             error: configuration check-out failed\n"
        );
        let expressions = build(
            &schema,
            &[
                "system root-authentication encrypted-password x",
                "protocols bgp group peers import ( out && ! ( gone || out ) )",
                "policy-options policy-statement out then accept",
            ],
        );
        assert_eq!(
            CheckError::report(&check(&schema, &expressions), true),
            "[edit protocols bgp group peers]\n  'import'\n    \
             Policy error: Policy gone referenced but not defined\n\
             error: configuration check-out failed\n"
        );
        let empty = check(&schema, &Node::default());
        assert_eq!(empty.len(), 1);
        assert_eq!((empty[0].statement.as_str(), empty[0].path.as_str()), ("system", ""));
    }
}
