//! Groups and inheritance: the effective configuration a Routing Engine acts
//! on, built from the configuration as written. The rules are Junos's:
//!
//! - `apply-groups [ a b ]` at a level inherits what the groups hold at that
//!   same level and below; what a group holds above it is ignored;
//! - explicit configuration wins; among groups applied at one level the first
//!   listed wins; a group applied deeper wins over one applied higher;
//! - leaf-lists merge (inherited values first), and so do lists and containers;
//! - `apply-groups-except [ c ]` stops `c` from being inherited there and below;
//! - a group entry named `<pattern>` (shell globbing: `*`, `?`, `[a-z]`,
//!   `[!0-9]`) matches the names the configuration has, never adds one;
//! - the groups `re0` and `re1` apply only on the Routing Engine in that slot.
//!
//! Inherited statements carry the name of their group, for
//! `| display inheritance` and the `group` attribute of `| display xml`.
//!
//! A commit usually changes a few statements of a large configuration, so
//! expansion can start from the last one: a subtree the edit left alone (the
//! same `Arc`), under the same groups applied the same way, expands to what
//! it expanded to before, which is taken as it is.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::schema::{Kind, Schema, SchemaId};
use super::tree::{APPLYING, Building, Children, Node, Run, Sym, Values};
use crate::slot::Slot;

/// The effective configuration of `root` on the RE in `slot`: its active
/// statements (in the body and in the groups) with what the groups give.
pub fn expand(schema: &Schema, root: &Node, slot: Slot) -> Node {
    expand_from(schema, root, slot, None)
}

/// `expand`, reusing what `previous` (a configuration and its expansion on
/// the same RE) has in common with `root`.
pub fn expand_from(schema: &Schema, root: &Node, slot: Slot, previous: Option<(&Node, &Node)>) -> Node {
    // Counted at the second level (the first has a few statements whatever
    // the size of the configuration), and only where the configuration is
    // not shared with the previous one: a commit's expansion redoes only
    // what changed.
    let before = previous.map(|(before, _)| before).filter(|before| same_groups(root, before));
    let counts = root.children.iter().map(|(&key, child)| match before.and_then(|b| b.children.get(&key)) {
        Some(before) if Arc::ptr_eq(before, child) => (key, 0),
        Some(before) => (key, child.children.unshared_len(&before.children)),
        None => (key, child.children.len()),
    });
    let total = counts.clone().map(|(_, count)| count).sum::<usize>();
    let apart = match counts.max_by_key(|&(_, count)| count) {
        _ if total < APART_SECOND_LEVEL => Apart::Not,
        Some((key, count)) if count >= APART_SECOND_LEVEL => Apart::Within(key),
        _ => Apart::Top,
    };
    expand_in(schema, root, slot, previous, apart)
}

/// A configuration with this many statements to expand at its second
/// level is expanded on two threads.
const APART_SECOND_LEVEL: usize = 1024;

/// Which statements of a configuration are expanded on two threads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Apart {
    /// None: a small configuration, or a small change of a large one.
    Not,
    /// The top level's.
    Top,
    /// The top level's, and those of the top-level statement named, the
    /// largest: one statement can be most of a configuration (the
    /// interfaces of a router with many), and the thread that takes it
    /// would be left to do it alone.
    Within(Sym),
}

/// [`expand_from`], with the statements `apart` says expanded on two threads.
fn expand_in(
    schema: &Schema,
    root: &Node,
    slot: Slot,
    previous: Option<(&Node, &Node)>,
    apart: Apart,
) -> Node {
    let groups = root.child("groups");
    let applying = APPLYING.map(Sym::new);
    let context = Context { schema, groups, slot, applying, apart };
    let previous = previous
        .filter(|(before, _)| same_groups(root, before))
        .map(|(explicit, effective)| Previous { explicit, effective });
    let expanded = context.level(None, Some(root), &[], &[], &mut Vec::new(), previous);
    let mut out = expanded.unwrap_or_else(|| root.clone());
    // Groups are definitions, not configuration: kept as written.
    if let Some(groups) = root.children.get("groups") {
        out.children.insert("groups".into(), Arc::clone(groups));
    }
    out
}

/// Whether `root` has the very groups `before` had: only then is what
/// `before` expanded to of use.
fn same_groups(root: &Node, before: &Node) -> bool {
    match (root.children.get("groups"), before.children.get("groups")) {
        (Some(now), Some(then)) => Arc::ptr_eq(now, then),
        (now, then) => now.is_none() && then.is_none(),
    }
}

struct Context<'a> {
    schema: &'a Schema,
    groups: Option<&'a Node>,
    slot: Slot,
    /// `apply-groups` and `apply-groups-except`, found at every level as
    /// symbols rather than by text.
    applying: [Sym; 2],
    apart: Apart,
}

/// The last expansion at the place being expanded: the node as it was
/// written then, and what it expanded to.
#[derive(Clone, Copy)]
struct Previous<'a> {
    explicit: &'a Node,
    effective: &'a Node,
}

impl<'a> Previous<'a> {
    fn child(self, key: &str) -> Option<Previous<'a>> {
        Some(Previous { explicit: self.explicit.child(key)?, effective: self.effective.child(key)? })
    }

    /// What `key`, now `written` at `place` among its siblings, expanded
    /// to, if it is still the very subtree it was. Each is looked for first
    /// at that place: unless statements came or went before it, it is
    /// there, and a commit among many siblings probes no index for them.
    ///
    /// `written` itself is not read: a statement inactive then (and so
    /// now) made nothing, unless a group gave the same statement, which
    /// the group's name on it tells.
    fn unchanged(self, written: &Arc<Node>, key: Sym, place: usize) -> Option<&'a Arc<Node>> {
        let then = self.explicit.children.index_of_near(key, place)?;
        if !Arc::ptr_eq(written, &self.explicit.children[then]) {
            return None;
        }
        let made = &self.effective.children[self.effective.children.index_of_near(key, place)?];
        made.marks().is_none_or(|m| m.group == Sym::EMPTY).then_some(made)
    }
}

/// A group's statements at the level being expanded.
#[derive(Clone, Copy)]
struct Source<'a> {
    group: Sym,
    node: &'a Node,
}

impl<'a> Context<'a> {
    /// Whether group `name` takes part on this RE.
    fn applies(&self, name: &str) -> bool {
        match name {
            "re0" => self.slot == Slot::RE0,
            "re1" => self.slot == Slot::RE1,
            _ => true,
        }
    }

    /// Group `name`'s statements at `path` (keys from the top), with its
    /// wildcard entries matching where they may.
    fn group_at(&self, name: Sym, path: &[Sym]) -> Vec<Source<'a>> {
        let group = self.groups.and_then(|g| g.children.get(&name)).filter(|g| !g.inactive());
        let Some(group) = group else { return Vec::new() };
        let mut found = vec![Source { group: name, node: group }];
        for key in path {
            found = found.iter().flat_map(|s| matching(s, key)).collect();
        }
        found
    }

    /// The effective node at `path` (whose statement is `at`): `explicit` with
    /// what `inherited` (in precedence order) gives it; `None` when that is
    /// `explicit` as it is.
    fn level(
        &self,
        at: Option<SchemaId>,
        explicit: Option<&'a Node>,
        inherited: &[Source<'a>],
        excluded: &[Sym],
        path: &mut Vec<Sym>,
        previous: Option<Previous<'a>>,
    ) -> Option<Node> {
        let [apply, except] = self.applying;
        let applied = |node: &'a Node, key: Sym| {
            node.children.index_of_sym(key).map(|i| node.children[i].values.as_slice())
        };
        let values_of = |key: Sym| explicit.and_then(|e| applied(e, key));
        // What was expanded before holds only if the same groups apply here.
        let applied_alike = |p: &Previous<'a>| {
            explicit.is_some_and(|e| self.applying.iter().all(|&k| applied(e, k) == applied(p.explicit, k)))
        };
        let previous = previous.filter(applied_alike);
        let mut excluded = excluded.to_vec();
        excluded.extend(values_of(except).unwrap_or_default());
        // Groups applied here come before those applied above.
        let mut sources: Vec<Source<'a>> = Vec::new();
        for &name in values_of(apply).unwrap_or_default() {
            if self.applies(&name) && !excluded.contains(&name) {
                sources.extend(self.group_at(name, path));
            }
        }
        sources.extend(inherited.iter().filter(|s| !excluded.contains(&s.group)));
        self.merge(at, explicit, &sources, &excluded, path, false, previous)
    }

    /// The children of one node: the explicit ones, then new ones from the
    /// sources. `entries`: the node is a keyword list, whose children are
    /// its entries. `None` when the effective node is `explicit` itself:
    /// nothing is built for what is effective as written, most of a large
    /// configuration.
    // The walk's state at one level, passed down as it is; a struct for it
    // would be rebuilt at every level for nothing.
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &self,
        at: Option<SchemaId>,
        explicit: Option<&'a Node>,
        sources: &[Source<'a>],
        excluded: &[Sym],
        path: &mut Vec<Sym>,
        entries: bool,
        previous: Option<Previous<'a>>,
    ) -> Option<Node> {
        let active = |node: &'a Node| node.children.iter().filter(|(_, c)| !c.inactive()).map(|(k, _)| *k);
        // What the groups have here that is not written here: each of
        // their statements looked up among the written ones, which may be
        // many more (the interfaces of a router, the groups a few).
        let written_active = |key: Sym| {
            explicit.is_some_and(|e| e.children.index_of_sym(key).is_some_and(|i| !e.children[i].inactive()))
        };
        let mut inherited: Vec<Sym> = Vec::new();
        let mut seen: foldhash::HashSet<Sym> = foldhash::HashSet::default();
        for s in sources {
            for key in active(s.node) {
                // Groups do not nest: what a group applies is not inherited.
                let applies = self.applying.contains(&key);
                if !is_pattern(&key) && !applies && !written_active(key) && seen.insert(key) {
                    inherited.push(key);
                }
            }
        }
        let written = explicit.map(|e| &e.children);
        let written_len = written.map_or(0, Children::len);
        let plain = written.is_some_and(Children::plain);
        let runs = || written.into_iter().flat_map(Children::runs);
        // A chunk of children written as it was at the last expansion comes
        // to what it came to then (the last expansion's chunk made from it,
        // or it itself): taken whole, its entries unread.
        let made: Vec<Option<Run<'a>>> = match previous {
            Some(p) => {
                let mut next = 0;
                runs().map(|run| p.effective.children.made_from(&run, &mut next)).collect()
            }
            None => Vec::new(),
        };
        let made = |k: usize| made.get(k).copied().flatten();
        // What this node expanded to before has, most often, the same keys.
        let like = previous.map(|p| &p.effective.children);
        let node = |children| Node {
            values: explicit.map(|e| e.values.clone()).unwrap_or_default(),
            children,
            ..Node::default()
        };
        let apart = match self.apart {
            Apart::Not => false,
            Apart::Top => at.is_none(),
            Apart::Within(key) => at.is_none() || path[..] == [key],
        };
        let mut ready = apart.then(|| {
            let mine = runs().enumerate().filter(|&(k, _)| made(k).is_none()).flat_map(|(_, run)| {
                run.entries.iter().enumerate().map(move |(i, (k, c))| (run.start + i, *k, Some(c)))
            });
            let theirs_only = inherited.iter().map(|&k| (written_len, k, None));
            let all: Vec<_> = mine.chain(theirs_only).collect();
            self.apart(&all, at, sources, excluded, path, entries, previous, plain).into_iter()
        });
        // The effective node's children, begun at the first child that is
        // not the written one, with the written ones before it.
        let mut out = Effective { written, capacity: written_len + inherited.len(), out: None };
        for (k, run) in runs().enumerate() {
            if let Some(made) = made(k) {
                out.reuse(run, made);
                continue;
            }
            out.begin();
            for (i, (sym, w)) in run.entries.iter().enumerate() {
                let n = run.start + i;
                let child = match &mut ready {
                    // As many as there are children.
                    Some(ready) => ready.next().unwrap_or(Child::Left),
                    None => {
                        self.child(at, Some(w), *sym, n, sources, excluded, path, entries, previous, plain)
                    }
                };
                out.place(n, *sym, Some(w), child);
            }
            out.end(run);
        }
        for &sym in &inherited {
            let child = match &mut ready {
                Some(ready) => ready.next().unwrap_or(Child::Left),
                None => {
                    self.child(at, None, sym, written_len, sources, excluded, path, entries, previous, plain)
                }
            };
            out.place(written_len, sym, None, child);
        }
        match (out.out, explicit) {
            (None, Some(e)) if is_effective_leaf(e) => None,
            (None, _) => Some(node(written.cloned().unwrap_or_default())),
            (Some(out), _) => Some(node(out.finish(like))),
        }
    }

    /// What each of `children` (of the node being merged, by place, key
    /// and as written) comes to, in order, worked out on two threads. Each
    /// takes the next not yet taken, so that one large statement (`interfaces`)
    /// and many small ones even out.
    #[allow(clippy::too_many_arguments)]
    fn apart(
        &self,
        children: &[(usize, Sym, Option<&'a Arc<Node>>)],
        at: Option<SchemaId>,
        sources: &[Source<'a>],
        excluded: &[Sym],
        path: &[Sym],
        entries: bool,
        previous: Option<Previous<'a>>,
        plain: bool,
    ) -> Vec<Child> {
        let next = AtomicUsize::new(0);
        let work = || {
            let (mut done, mut path) = (Vec::new(), path.to_vec());
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(place, sym, written)) = children.get(n) else { return done };
                let child = self
                    .child(at, written, sym, place, sources, excluded, &mut path, entries, previous, plain);
                done.push((n, child));
            }
        };
        let (mut done, other) = std::thread::scope(|scope| {
            let other = scope.spawn(work);
            (work(), other.join())
        });
        match other {
            Ok(other) => done.extend(other),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        // Each thread's are in order: a stable sort finds the two runs and
        // merges them, where an unstable one sorts them all over again.
        done.sort_by_key(|&(n, _)| n);
        done.into_iter().map(|(_, child)| child).collect()
    }

    /// The effective statement `sym` of the node being merged: `written`
    /// (its statement there, if any, at `place` among its siblings) with
    /// what `sources` give it.
    #[allow(clippy::too_many_arguments)]
    fn child(
        &self,
        at: Option<SchemaId>,
        written: Option<&'a Arc<Node>>,
        sym: Sym,
        place: usize,
        sources: &[Source<'a>],
        excluded: &[Sym],
        path: &mut Vec<Sym>,
        entries: bool,
        previous: Option<Previous<'a>>,
        plain: bool,
    ) -> Child {
        let key = sym.as_str();
        if at.is_none() && key == "groups" {
            return Child::Left;
        }
        // Most of a large node is as it was: decided before the statement
        // is read, each of many a miss of the cache.
        if let Some(made) = previous.zip(written).and_then(|(p, w)| p.unchanged(w, sym, place)) {
            return match written {
                Some(written) if Arc::ptr_eq(written, made) => Child::AsWritten,
                _ => Child::Made(Arc::clone(made)),
            };
        }
        let (schema_id, child_entries) = if entries {
            (at, false)
        } else {
            let Some(step) = super::tree::child_step(self.schema, at, sym) else { return Child::Left };
            let keyword_list = matches!(self.schema.node(step.schema).kind, Kind::List { keyword: true, .. });
            (Some(step.schema), keyword_list)
        };
        let Some(id) = schema_id else { return Child::Left };
        let theirs: Vec<Source<'a>> = sources.iter().flat_map(|s| matching(s, key)).collect();
        let kind = &self.schema.node(id).kind;
        // Written among plain siblings (so neither marked nor applying
        // groups, nor anything below it), and given nothing by a group:
        // effective as written, told without reading it, a miss of the
        // cache each among the many entries of a list a group gives to.
        if plain && written.is_some() && theirs.is_empty() && !matches!(kind, Kind::LeafList(_)) {
            return Child::AsWritten;
        }
        let mine = written.map(|w| &**w).filter(|w| !w.inactive());
        if written.is_some() && mine.is_none() {
            return Child::Left;
        }
        let previous = previous.and_then(|p| p.child(key));
        let leaf = matches!(kind, Kind::Leaf(_) | Kind::Value(_) | Kind::Flag);
        let holder = matches!(kind, Kind::Container | Kind::List { .. });
        if mine.is_some_and(|m| {
            (leaf || holder && m.children.plain()) && theirs.is_empty() && is_effective_leaf(m)
        }) {
            // The common case, decided before anything is built: a leaf, or
            // a statement known to hold nothing marked nor applying groups,
            // that no group gives anything.
            return Child::AsWritten;
        }
        path.push(sym);
        let child = match kind {
            _ if child_entries => self.merge(Some(id), mine, &theirs, excluded, path, true, previous),
            Kind::Container | Kind::List { .. } => {
                self.level(Some(id), mine, &theirs, excluded, path, previous)
            }
            Kind::LeafList(_) => {
                let mut node = Node::default();
                for s in theirs.iter().rev() {
                    merge_values(&mut node.values, &s.node.values);
                }
                merge_values(&mut node.values, mine.map_or(&[][..], |m| &m.values));
                Some(node)
            }
            Kind::Leaf(_) | Kind::Value(_) | Kind::Flag => match (mine, theirs.first()) {
                (Some(m), _) => Some(Node { values: m.values.clone(), ..Node::default() }),
                (None, Some(s)) => Some(Node { values: s.node.values.clone(), ..Node::default() }),
                (None, None) => return Child::Left,
            },
        };
        path.pop();
        let Some(child) = child else { return Child::AsWritten };
        if mine.is_some_and(|m| theirs.is_empty() && is_effective_as_written(m, &child)) {
            // Nothing inherited or left out: the effective statement is
            // the written one, shared rather than held twice.
            return Child::AsWritten;
        }
        let group = match (mine, theirs.first()) {
            (None, Some(s)) => s.group,
            _ => Sym::EMPTY,
        };
        let mut child = child;
        child.mark(|m| m.group = group);
        Child::Made(Arc::new(child))
    }
}

/// The children of an effective node as they are worked out: none made
/// while each is the written one.
struct Effective<'w> {
    written: Option<&'w Children>,
    capacity: usize,
    out: Option<Building>,
}

impl Effective<'_> {
    /// What the child at `n` (`sym`, written as `written`) came to.
    fn place(&mut self, n: usize, sym: Sym, written: Option<&Arc<Node>>, child: Child) {
        let differs = match child {
            Child::AsWritten => false,
            Child::Left => written.is_some(),
            Child::Made(_) => true,
        };
        if differs && self.out.is_none() {
            self.out = Some(self.begun(n));
        }
        match (child, &mut self.out, written) {
            (Child::AsWritten, Some(out), Some(written)) => out.push(sym, Arc::clone(written)),
            (Child::Made(made), Some(out), _) => out.push(sym, made),
            _ => {}
        }
    }

    /// The children made, begun at the `n`th written child: those before
    /// it are as written.
    fn begun(&self, n: usize) -> Building {
        match self.written {
            Some(all) => Building::prefix(all, n, self.capacity),
            None => Building::with_capacity(self.capacity),
        }
    }

    /// `run`, a chunk of written children, came to `made` before, and
    /// does again.
    fn reuse(&mut self, run: Run<'_>, made: Run<'_>) {
        if self.out.is_none() && !made.is(&run) {
            self.out = Some(self.begun(run.start));
        }
        if let Some(out) = &mut self.out {
            out.push_run(made);
        }
    }

    /// What `run`'s children come to, placed from here to [`Effective::end`].
    fn begin(&mut self) {
        if let Some(out) = &mut self.out {
            out.begin_run();
        }
    }

    fn end(&mut self, run: Run<'_>) {
        if let Some(out) = &mut self.out {
            out.end_run(run);
        }
    }
}

/// What one statement of a node comes to in the effective configuration.
enum Child {
    /// The statement as written, shared.
    AsWritten,
    /// Another statement: inherited, or with something inherited or left out.
    Made(Arc<Node>),
    /// None: inactive, a group definition, or unknown to the schema.
    Left,
}

/// Whether `expanded`, made from `written` with nothing inherited, is the
/// very statement written: its children are the written ones, shared, and
/// nothing an effective configuration leaves out (comments, protection) is
/// on it.
fn is_effective_as_written(written: &Node, expanded: &Node) -> bool {
    is_effective_leaf(written)
        && written.values == expanded.values
        && written.children.same_entries(&expanded.children)
}

/// Whether a statement with nothing inherited is effective as written, but
/// for what its children hold.
fn is_effective_leaf(written: &Node) -> bool {
    written.annotation().is_empty() && !written.protected()
}

/// Leaf-list values of a lower-precedence source go first, as Junos lists
/// inherited values before explicit ones; each value once.
fn merge_values(into: &mut Values, values: &[Sym]) {
    for v in values {
        if !into.contains(v) {
            into.push(*v);
        }
    }
}

/// `key`'s statements in a source: the exact one, then wildcard entries that match it.
fn matching<'a>(source: &Source<'a>, key: &str) -> Vec<Source<'a>> {
    let exact = source.node.children.get(key).map(|node| Source { group: source.group, node });
    let wild = source
        .node
        .children
        .iter()
        .filter(|(k, _)| is_pattern(k) && glob(&k[1..k.len() - 1], key))
        .map(|(_, node)| Source { group: source.group, node });
    exact.into_iter().chain(wild).filter(|s| !s.node.inactive()).collect()
}

/// `<pattern>`: a wildcard entry name.
pub fn is_pattern(key: &str) -> bool {
    key.len() >= 2 && key.starts_with('<') && key.ends_with('>')
}

/// Shell-style matching: `*` any run, `?` one character, `[a-z0-9]` a class,
/// `[!...]` its complement.
pub fn glob(pattern: &str, name: &str) -> bool {
    // Interface names are ASCII: matched as bytes, without a copy.
    if pattern.is_ascii() && name.is_ascii() {
        return glob_in(pattern.as_bytes(), name.as_bytes());
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob_in(&p, &n)
}

/// A character of a pattern or a name: a byte of ASCII text or a `char`.
trait Letter: Copy + Ord {
    fn is(self, c: u8) -> bool;
}

impl Letter for u8 {
    fn is(self, c: u8) -> bool {
        self == c
    }
}

impl Letter for char {
    fn is(self, c: u8) -> bool {
        self == char::from(c)
    }
}

fn glob_in<L: Letter>(p: &[L], n: &[L]) -> bool {
    // Classic two-pointer matching with backtracking to the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some(c) if c.is(b'*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some(c) if c.is(b'?') => Some(pi + 1),
            Some(c) if c.is(b'[') => class(p, pi, n[ni]),
            Some(&c) if c == n[ni] => Some(pi + 1),
            _ => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ni += 1;
            }
            (None, Some((star_p, star_n))) => {
                pi = star_p + 1;
                ni = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| c.is(b'*'))
}

/// Matches `c` against the class starting at `p[at] == '['`: the position
/// after the class when it matches.
fn class<L: Letter>(p: &[L], at: usize, c: L) -> Option<usize> {
    let mut i = at + 1;
    let negated = p.get(i).is_some_and(|x| x.is(b'!') || x.is(b'^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while let Some(&x) = p.get(i) {
        if x.is(b']') && !first {
            return (matched != negated).then_some(i + 1);
        }
        first = false;
        if p.get(i + 1).is_some_and(|d| d.is(b'-')) && p.get(i + 2).is_some_and(|y| !y.is(b']')) {
            matched |= (x..=p[i + 2]).contains(&c);
            i += 3;
        } else {
            matched |= x == c;
            i += 1;
        }
    }
    // No closing bracket: the `[` is a plain character.
    c.is(b'[').then_some(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random configuration, and it with a few statements more.
    fn before_and_after(schema: &Schema, seed: u64) -> (Node, Node) {
        use crate::config::random::{Rng, configuration};
        let mut rng = Rng::new(seed);
        let size = 1 + rng.below(60);
        let before = configuration(schema, &mut rng, size);
        let mut after = before.clone();
        let size = 1 + rng.below(5);
        after.merge(schema, None, configuration(schema, &mut rng, size));
        (before, after)
    }

    #[test]
    fn expanding_from_a_previous_expansion_gives_the_same_as_from_scratch() {
        let schema = Schema::shipped().unwrap();
        for seed in 0..300 {
            let (before, after) = before_and_after(&schema, seed);
            for slot in [Slot::RE0, Slot::RE1] {
                let expanded = expand(&schema, &before, slot);
                assert_eq!(
                    expand_from(&schema, &after, slot, Some((&before, &expanded))),
                    expand(&schema, &after, slot),
                    "seed {seed}"
                );
            }
        }
    }

    /// A tree known to be plain where it is (read from lines, merged)
    /// expands as the same tree not known to be: what a group gives goes
    /// where it goes, and what it does not is shared unread.
    #[test]
    fn a_tree_known_plain_expands_as_the_same_tree_not_known_plain() {
        use crate::config::delta::tests::{identical, large_configuration};
        use crate::config::random::Rng;
        fn forget_plain(node: &mut Node) {
            for i in 0..node.children.len() {
                forget_plain(Arc::make_mut(&mut node.children[i]));
            }
            node.children.set_plain(false);
        }
        let schema = Schema::shipped().unwrap();
        let mut known = 0;
        for seed in 0..40 {
            let tree = large_configuration(&schema, &mut Rng::new(seed));
            known += usize::from(tree.children.get("interfaces").is_some_and(|i| i.children.plain()));
            let mut unknown = tree.clone();
            forget_plain(&mut unknown);
            for slot in [Slot::RE0, Slot::RE1] {
                assert!(
                    identical(&expand(&schema, &tree, slot), &expand(&schema, &unknown, slot)),
                    "seed {seed}"
                );
            }
        }
        assert!(known > 0, "no list of interfaces was known plain");
    }

    /// Commits one after another of configurations with a list in chunks,
    /// each expanded from the last: the same, in the same order, as each
    /// expanded from scratch, on one thread or two.
    #[test]
    fn expanding_large_lists_commit_after_commit_gives_the_same_as_from_scratch() {
        use crate::config::delta::tests::{identical, large_configuration, random_large_edits};
        use crate::config::random::Rng;
        let schema = Schema::shipped().unwrap();
        for seed in 0..20 {
            let mut rng = Rng::new(seed);
            let mut tree = large_configuration(&schema, &mut rng);
            let slot = if seed % 2 == 0 { Slot::RE0 } else { Slot::RE1 };
            let mut expanded = expand(&schema, &tree, slot);
            for commit in 0..12 {
                let mut after = tree.clone();
                random_large_edits(&schema, &mut rng, &mut after);
                let previous = Some((&tree, &expanded));
                let whole = expand(&schema, &after, slot);
                let from_before = expand_from(&schema, &after, slot, previous);
                assert!(identical(&from_before, &whole), "seed {seed} commit {commit}");
                let within = expand_in(&schema, &after, slot, previous, Apart::Within("interfaces".into()));
                assert!(identical(&within, &whole), "seed {seed} commit {commit}");
                (tree, expanded) = (after, from_before);
            }
        }
    }

    /// One entry changed among thousands that a group gives a statement
    /// each: the expansion shares all the last one's chunks but that
    /// entry's, so a commit costs that chunk, not the list.
    #[test]
    fn one_entry_changed_among_thousands_expands_one_chunk_again() {
        let schema = Schema::shipped().unwrap();
        let mut lines =
            vec!["groups jumbo interfaces <ge-*> mtu 9192".to_owned(), "apply-groups jumbo".to_owned()];
        lines.extend((0..3000).map(|n| format!("interfaces ge-0/0/{n} description d{n}")));
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let before = build(&schema, &lines);
        let expanded = expand(&schema, &before, Slot::RE0);
        let mut after = before.clone();
        let list = after.child_mut("interfaces").unwrap();
        list.child_mut("ge-0/0/1500").unwrap().child_entry("description").values =
            ["changed"].into_iter().collect();
        let again = expand_from(&schema, &after, Slot::RE0, Some((&before, &expanded)));
        let (then, now) = (&expanded.children["interfaces"].children, &again.children["interfaces"].children);
        assert_eq!(now.len(), 3000);
        assert!(now.unshared_len(then) < 256, "{} of 3000 made again", now.unshared_len(then));
        assert!(now["ge-0/0/1500"].child("mtu").is_some());
        assert_eq!(again, expand(&schema, &after, Slot::RE0));
    }

    /// A statement written inactive that a group also has: the group's is
    /// inherited in its place among what groups give, from a previous
    /// expansion as from scratch, however many its siblings.
    #[test]
    fn an_inactive_statement_a_group_also_has_expands_alike_from_before() {
        use crate::config::delta::tests::identical;
        let schema = Schema::shipped().unwrap();
        for count in [3, 20] {
            let mut lines =
                vec!["groups g interfaces ge-0/0/1 mtu 1500".to_owned(), "apply-groups g".to_owned()];
            lines.extend((0..count).map(|n| format!("interfaces ge-0/0/{n} description d{n}")));
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let mut before = crate::config::tree::tests::build(&schema, &lines);
            let interfaces = before.child_mut("interfaces").unwrap();
            interfaces.child_mut("ge-0/0/1").unwrap().mark(|m| m.inactive = true);
            let expanded = expand(&schema, &before, Slot::RE0);
            let mut after = before.clone();
            let interfaces = after.child_mut("interfaces").unwrap();
            interfaces.child_mut("ge-0/0/2").unwrap().child_entry("mtu").values =
                ["9000"].into_iter().collect();
            let from_before = expand_from(&schema, &after, Slot::RE0, Some((&before, &expanded)));
            assert!(identical(&from_before, &expand(&schema, &after, Slot::RE0)), "{count}: {from_before:?}");
        }
    }

    /// The top level, or the statements of any top-level statement,
    /// expanded on two threads gives what it does on one, from scratch and
    /// from a previous expansion.
    #[test]
    fn expanding_apart_gives_the_same_as_in_turn() {
        use crate::config::delta::tests::identical;
        let schema = Schema::shipped().unwrap();
        let ways = |tree: &Node| {
            std::iter::once(Apart::Top)
                .chain(tree.children.keys().map(|&key| Apart::Within(key)))
                .collect::<Vec<_>>()
        };
        for seed in 0..300 {
            let (before, after) = before_and_after(&schema, seed);
            for slot in [Slot::RE0, Slot::RE1] {
                let expanded = expand_in(&schema, &before, slot, None, Apart::Not);
                for apart in ways(&before) {
                    let apart = expand_in(&schema, &before, slot, None, apart);
                    assert!(identical(&apart, &expanded), "seed {seed}");
                }
                let previous = Some((&before, &expanded));
                let in_turn = expand_in(&schema, &after, slot, previous, Apart::Not);
                for apart in ways(&after) {
                    let apart = expand_in(&schema, &after, slot, previous, apart);
                    assert!(identical(&apart, &in_turn), "seed {seed}");
                }
            }
        }
    }

    /// `node` as it is, but with nothing known of it: each node's children
    /// made again, so that none is known to be plain.
    fn forgotten(node: &Node) -> Node {
        Node {
            children: node.children.iter().map(|(&key, child)| (key, Arc::new(forgotten(child)))).collect(),
            values: node.values.clone(),
            marked: node.marked.clone(),
        }
    }

    /// What is known to be plain spares expansion and the groups check the
    /// walk of it, and changes neither: random configurations (marks,
    /// `apply-groups` among them) and one with groups applied by wildcard,
    /// per slot and deeper down, some of it deactivated or annotated.
    #[test]
    fn statements_known_plain_expand_and_check_as_from_nothing_known() {
        use crate::config::delta::tests::identical;
        use crate::config::validate::check;
        let schema = Schema::shipped().unwrap();
        let mut trees: Vec<Node> = (0..300).map(|seed| before_and_after(&schema, seed).1).collect();
        let lines = crate::config::generate::set_lines(3000);
        let mut generated = Node::default();
        assert!(crate::config::load::apply_set_lines(&schema, &mut generated, &lines).is_empty());
        trees.push(generated.clone());
        let marked = [
            "deactivate interfaces ge-0/0/3",
            "annotate interfaces ge-0/0/4 \"uplink\"",
            "deactivate interfaces ge-0/0/5 unit 0 family inet",
            "set interfaces ge-0/0/6 apply-groups jumbo",
            "set interfaces ge-0/0/7 unit 0 apply-groups-except jumbo",
            "set interfaces ge-0/0/8 apply-groups missing",
        ];
        let mut edited = generated;
        assert!(crate::config::load::apply_set_lines(&schema, &mut edited, &marked.join("\n")).is_empty());
        trees.push(edited);
        for (n, tree) in trees.iter().enumerate() {
            let unknown = forgotten(tree);
            for slot in [Slot::RE0, Slot::RE1] {
                let (known, from_nothing) = (expand(&schema, tree, slot), expand(&schema, &unknown, slot));
                assert!(identical(&known, &from_nothing), "tree {n}");
                let errors =
                    |tree: &Node| check(&schema, tree).into_iter().map(|e| e.message).collect::<Vec<_>>();
                assert_eq!(errors(&known), errors(&from_nothing), "tree {n}");
            }
        }
    }

    use crate::config::print::to_set;
    use crate::config::tree::tests::build;

    fn effective(lines: &[&str], slot: Slot) -> String {
        let schema = Schema::shipped().unwrap();
        let mut tree = expand(&schema, &build(&schema, lines), slot);
        tree.children.shift_remove("groups");
        to_set(&schema, None, &tree, "")
    }

    #[test]
    fn globbing_follows_the_shell() {
        assert!(glob("ge-*", "ge-0/0/1"));
        assert!(!glob("ge-*", "xe-0/0/1"));
        assert!(glob("*", ""));
        assert!(glob("ge-0/0/[0-9]", "ge-0/0/7"));
        assert!(!glob("ge-0/0/[0-9]", "ge-0/0/10"));
        assert!(glob("ge-0/0/[!0-4]", "ge-0/0/7"));
        assert!(!glob("ge-0/0/[!0-4]", "ge-0/0/3"));
        assert!(glob("?e-*/1", "xe-1/0/1"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
    }

    #[test]
    fn re_groups_apply_per_slot_and_explicit_values_win() {
        let lines = [
            "groups re0 system host-name foo-re0",
            "groups re1 system host-name foo-re1",
            "groups re0 interfaces fxp0 unit 0 family inet address 10.0.0.1/24",
            "apply-groups [ re0 re1 ]",
        ];
        assert_eq!(
            effective(&lines, Slot::RE0),
            "set apply-groups re0\nset apply-groups re1\nset system host-name foo-re0\n\
             set interfaces fxp0 unit 0 family inet address 10.0.0.1/24\n"
        );
        assert_eq!(
            effective(&lines, Slot::RE1),
            "set apply-groups re0\nset apply-groups re1\nset system host-name foo-re1\n"
        );
        let mut explicit = lines.to_vec();
        explicit.push("system host-name mine");
        assert!(effective(&explicit, Slot::RE1).contains("set system host-name mine\n"));
    }

    #[test]
    fn first_group_wins_and_deeper_groups_win_over_higher_ones() {
        let lines = [
            "groups a interfaces ge-0/0/0 description from-a",
            "groups a interfaces ge-0/0/0 mtu 1500",
            "groups b interfaces ge-0/0/0 description from-b",
            "groups b interfaces ge-0/0/0 mtu 9000",
            "groups c interfaces ge-0/0/0 mtu 4000",
            "groups c system host-name ignored",
            "apply-groups [ a b ]",
            "interfaces ge-0/0/0 apply-groups c",
        ];
        assert_eq!(
            effective(&lines, Slot::RE0),
            "set apply-groups a\nset apply-groups b\nset interfaces ge-0/0/0 apply-groups c\n\
             set interfaces ge-0/0/0 description from-a\nset interfaces ge-0/0/0 mtu 4000\n"
        );
    }

    #[test]
    fn leaf_lists_merge_and_except_stops_a_group_below() {
        let lines = [
            "groups g protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive",
            "groups g protocols ospf area 0.0.0.0 interface ge-0/0/1.0 passive",
            "groups g policy-options prefix-list p 10.0.0.0/8",
            "policy-options prefix-list p 192.168.0.0/16",
            "apply-groups g",
            "protocols ospf area 0.0.0.0 apply-groups-except g",
        ];
        assert_eq!(
            effective(&lines, Slot::RE0),
            "set apply-groups g\nset protocols ospf area 0.0.0.0 apply-groups-except g\n\
             set policy-options prefix-list p 192.168.0.0/16\nset policy-options prefix-list p 10.0.0.0/8\n"
        );
    }

    #[test]
    fn wildcard_entries_match_names_the_configuration_has() {
        let lines = [
            "groups jumbo interfaces <ge-*> mtu 9000",
            "groups jumbo interfaces \"<xe-0/0/[0-1]>\" mtu 1500",
            "interfaces ge-0/0/0 description a",
            "interfaces ge-1/0/0 description b",
            "interfaces xe-0/0/1 description c",
            "interfaces xe-0/0/2 description d",
            "apply-groups jumbo",
        ];
        assert_eq!(
            effective(&lines, Slot::RE0),
            "set apply-groups jumbo\nset interfaces ge-0/0/0 description a\nset interfaces ge-0/0/0 mtu 9000\n\
             set interfaces ge-1/0/0 description b\nset interfaces ge-1/0/0 mtu 9000\n\
             set interfaces xe-0/0/1 description c\nset interfaces xe-0/0/1 mtu 1500\n\
             set interfaces xe-0/0/2 description d\n"
        );
    }

    #[test]
    fn inactive_statements_take_no_effect_in_the_body_or_in_groups() {
        let schema = Schema::shipped().unwrap();
        let mut tree = build(
            &schema,
            &[
                "groups g system host-name from-g",
                "groups g system domain-name example.net",
                "system host-name mine",
                "apply-groups g",
            ],
        );
        let steps = |line: &str| crate::config::tree::tests::read(&schema, line).unwrap().steps;
        tree.set_inactive(&steps("system host-name"), true);
        tree.set_inactive(&steps("groups g system domain-name"), true);
        let mut effective = expand(&schema, &tree, Slot::RE0);
        effective.children.shift_remove("groups");
        assert_eq!(
            to_set(&schema, None, &effective, ""),
            "set apply-groups g\nset system host-name from-g\n"
        );
    }
}
