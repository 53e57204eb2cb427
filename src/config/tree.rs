//! The configuration tree: statements and the edits made to them (printing
//! is in `print`, reading in `load`). Children are kept in insertion order
//! ([`Children`]), so a lookup is a short scan or one hash per level and an
//! edit costs the depth of its path, not the size of the configuration;
//! printing sorts siblings into schema order.
//!
//! Children are shared (`Arc`) and copied on write: a copy of a whole
//! configuration (the committed one for a candidate, a candidate for a
//! commit) costs its top level, an edit copies only the nodes on its path,
//! and two configurations that share a subtree compare it by pointer.

use std::sync::Arc;

use super::path::{Resolved, Step};
use super::schema::{Kind, Schema, SchemaId};
pub use super::sym::{Sym, Values};
pub use children::{Building, Children, Run};

mod children;

/// One statement: a container, a list's entries, or a leaf with its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Keyed by keyword, or by entry name under a list.
    pub children: Children,
    /// A leaf's value, or a leaf-list's values.
    pub values: Values,
    /// Few statements carry any mark, so a node holds them apart.
    pub marked: Marked,
}

/// A node's marks, boxed, and none when all are unset (never a box of unset
/// marks, so that equal nodes are equal as values): only [`Node::mark`]
/// changes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marked(Option<Box<Marks>>);

/// What a statement may carry besides what it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// `deactivate`d: kept and shown, but no part of the effective configuration.
    pub inactive: bool,
    /// `annotate`: printed above the statement as `/* text */`.
    pub annotation: Box<str>,
    /// `protect`: neither it nor anything under it changes until `unprotect`.
    pub protected: bool,
    /// In an effective configuration: the group the statement was inherited
    /// from (empty when it was configured where it is).
    pub group: Sym,
}

/// Why an edit of the tree's structure could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("statement not found")]
    NotFound,
    #[error("statement not found: {0}")]
    NoSuchEntry(String),
    #[error("statement already exists: {0}")]
    Exists(String),
    #[error("only an entry of a list can be renamed, copied or moved")]
    NotAnEntry,
}

/// How a statement on both sides of a merge takes the marks of the one
/// merged into it.
#[derive(Debug, Clone, Copy)]
pub enum TakeMarks {
    /// The marks merged, if it has any, replace its own (`load merge`, and
    /// the second half of a text, whose statements it marks as written).
    Replace,
    /// Lines of `set` read apart, whose only mark is `deactivate`: that is
    /// added to its own marks.
    Deactivation,
}

/// The statements that apply groups where they are.
pub const APPLYING: [&str; 2] = ["apply-groups", "apply-groups-except"];

/// The empty statement: many of a configuration's statements are one,
/// each held as this thread's one node rather than an allocation of its
/// own (an edit of one copies it, as it would any shared node). One for
/// each thread, so that threads reading apart do not share its count.
fn empty_node() -> Arc<Node> {
    thread_local! {
        static EMPTY: Arc<Node> = Arc::default();
    }
    EMPTY.with(Arc::clone)
}

/// [`Arc::make_mut`], without its atomic read-modify-write when `shared`
/// is its holder's alone, as most of a tree being read or edited is. On
/// x86 that instruction waits for every store before it to reach the
/// cache, so each node made its holder's own waited for the stores into
/// the node allocated just before it, which miss: 2-4% of reading a large
/// configuration.
fn own<T: Clone>(shared: &mut Arc<T>) -> &mut T {
    if alone(shared) {
        // SAFETY: as `alone` says, no other reference to the value exists.
        unsafe { &mut *Arc::as_ptr(shared).cast_mut() }
    } else {
        Arc::make_mut(shared)
    }
}

/// [`Arc::get_mut`], without its atomic read-modify-write ([`own`]).
fn own_if_alone<T>(shared: &mut Arc<T>) -> Option<&mut T> {
    // SAFETY: as `alone` says, no other reference to the value exists.
    alone(shared).then(|| unsafe { &mut *Arc::as_ptr(shared).cast_mut() })
}

/// Whether `shared`, borrowed uniquely, is the only `Arc` of its value
/// and no `Weak` of it exists. Then no other reference to the value
/// exists, and none can be made while the borrow lasts: another `Arc`
/// would have to come of this one, borrowed, or of a `Weak`, and none is
/// made of what this module holds (nodes, chunks of children, their
/// indexes). `Arc::get_mut` checks the same with a lock, so that it holds
/// even where a `Weak` may be upgraded at the same time.
fn alone<T>(shared: &mut Arc<T>) -> bool {
    let alone = Arc::strong_count(shared) == 1 && Arc::weak_count(shared) == 0;
    // Pairs with the release of the `Arc` last dropped by another holder,
    // whose reads of the value come before this holder's writes.
    std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
    alone
}

/// Whether `steps` ends at an entry of a list (`interfaces ge-0/0/0`,
/// `unit 0`) rather than at a keyword or statement.
pub fn ends_at_entry(schema: &Schema, steps: &[Step]) -> bool {
    let Some(last) = steps.last() else { return false };
    match schema.node(last.schema).kind {
        Kind::List { keyword: false, .. } => true,
        // A keyword list's keyword and its entry are two steps of the same statement.
        Kind::List { keyword: true, .. } => steps.len() >= 2 && steps[steps.len() - 2].schema == last.schema,
        _ => false,
    }
}

impl Node {
    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.values.is_empty()
    }

    /// Its marks, none when all are unset.
    pub fn marks(&self) -> Option<&Marks> {
        self.marked.0.as_deref()
    }

    pub fn inactive(&self) -> bool {
        self.marks().is_some_and(|m| m.inactive)
    }

    pub fn protected(&self) -> bool {
        self.marks().is_some_and(|m| m.protected)
    }

    pub fn annotation(&self) -> &str {
        self.marks().map_or("", |m| &m.annotation)
    }

    pub fn group(&self) -> Sym {
        self.marks().map_or(Sym::EMPTY, |m| m.group)
    }

    /// Changes its marks as `change` does.
    pub fn mark(&mut self, change: impl FnOnce(&mut Marks)) {
        let marks = self.marked.0.get_or_insert_default();
        change(marks);
        if **marks == Marks::default() {
            self.marked.0 = None;
        }
    }

    /// This node with `marks` in place of its own.
    pub fn with_marks(mut self, marks: Marks) -> Node {
        self.mark(|m| *m = marks);
        self
    }

    pub fn get_mut(&mut self, steps: &[Step]) -> Option<&mut Node> {
        steps.iter().try_fold(self, |node, step| node.child_mut(&step.key))
    }

    pub fn child(&self, key: &str) -> Option<&Node> {
        self.children.get(key).map(|child| &**child)
    }

    /// The child under `key`, looked for first at `place` among the
    /// children ([`Children::index_of_near`]): for a walk of another node's
    /// children in the same order.
    pub fn child_near(&self, key: Sym, place: usize) -> Option<&Node> {
        self.children.index_of_near(key, place).map(|i| &*self.children[i])
    }

    /// The child under `key`, made this tree's own to change.
    pub fn child_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.children.get_mut(key).map(own)
    }

    /// The child under `key`, created if missing, made this tree's own.
    pub fn child_entry(&mut self, key: &str) -> &mut Node {
        // Looked up before inserting, so that a key present costs no allocation.
        let index = match self.children.get_index_of(key) {
            Some(index) => index,
            None => self.children.insert_full(Sym::new(key), Arc::default()).0,
        };
        own(&mut self.children[index])
    }

    /// [`Node::child_entry`] for a key already a symbol.
    pub fn child_entry_sym(&mut self, key: Sym) -> &mut Node {
        let (Ok(index) | Err(index)) = self.children.find_or_push(key, Arc::default);
        own(&mut self.children[index])
    }

    /// The node at `steps`, created with the path to it if missing.
    pub fn entry(&mut self, steps: &[Step]) -> &mut Node {
        steps.iter().fold(self, |node, step| node.child_entry_sym(step.key))
    }

    /// `deactivate`/`activate`. `false` when the statement is not there.
    pub fn set_inactive(&mut self, steps: &[Step], inactive: bool) -> bool {
        self.get_mut(steps).map(|node| node.mark(|m| m.inactive = inactive)).is_some()
    }

    /// `protect`/`unprotect`. `false` when the statement is not there.
    pub fn set_protected(&mut self, steps: &[Step], protected: bool) -> bool {
        self.get_mut(steps).map(|node| node.mark(|m| m.protected = protected)).is_some()
    }

    /// How many of `steps` lead to the first protected statement on the
    /// way to what they name (the statement itself included), if one is.
    pub fn protected_within(&self, steps: &[Step]) -> Option<usize> {
        let mut node = self;
        for (n, step) in steps.iter().enumerate() {
            node = node.child(&step.key)?;
            if node.protected() {
                return Some(n + 1);
            }
        }
        None
    }

    /// Whether a statement under this one (or this one) is protected.
    pub fn holds_protected(&self) -> bool {
        self.protected() || self.children.values().any(|c| c.holds_protected())
    }

    /// `annotate`; an empty text removes the comment.
    pub fn annotate(&mut self, steps: &[Step], text: &str) -> bool {
        self.get_mut(steps).map(|node| node.mark(|m| m.annotation = text.into())).is_some()
    }

    /// The list holding the entry `steps` ends at, and the entry's name.
    fn entry_parent(&mut self, schema: &Schema, steps: &[Step]) -> Result<(&mut Node, Sym), EditError> {
        let Some((last, parent)) = steps.split_last() else { return Err(EditError::NotAnEntry) };
        if !ends_at_entry(schema, steps) {
            return Err(EditError::NotAnEntry);
        }
        let list = self.get_mut(parent).filter(|p| p.children.contains_key(&last.key));
        Ok((list.ok_or(EditError::NotFound)?, last.key))
    }

    /// `rename PATH to NAME`: the entry keeps its place in the list.
    pub fn rename(&mut self, schema: &Schema, steps: &[Step], to: &str) -> Result<(), EditError> {
        let (list, name) = self.entry_parent(schema, steps)?;
        if list.children.contains_key(to) {
            return Err(EditError::Exists(to.to_owned()));
        }
        if let Some((index, _, entry)) = list.children.shift_remove_full(&name) {
            list.children.shift_insert(index, Sym::new(to), entry);
        }
        Ok(())
    }

    /// `copy PATH to NAME`: a new entry, last in its list, with the same contents.
    pub fn copy(&mut self, schema: &Schema, steps: &[Step], to: &str) -> Result<(), EditError> {
        let (list, name) = self.entry_parent(schema, steps)?;
        if list.children.contains_key(to) {
            return Err(EditError::Exists(to.to_owned()));
        }
        let copy = list.children[&name].clone();
        list.children.insert(Sym::new(to), copy);
        Ok(())
    }

    /// `insert PATH (before|after) NAME`: moves an entry of an ordered list
    /// (policy terms, filter terms) next to another.
    pub fn insert(
        &mut self,
        schema: &Schema,
        steps: &[Step],
        before: bool,
        other: &str,
    ) -> Result<(), EditError> {
        let (list, name) = self.entry_parent(schema, steps)?;
        if !list.children.contains_key(other) {
            return Err(EditError::NoSuchEntry(other.to_owned()));
        }
        if name == other {
            return Ok(());
        }
        let Some(entry) = list.children.shift_remove(&name) else { return Err(EditError::NotFound) };
        let at = list.children.get_index_of(other).unwrap_or(list.children.len());
        list.children.shift_insert(if before { at } else { at + 1 }, name, entry);
        Ok(())
    }

    /// The node at `steps`, if the tree has it.
    pub fn get(&self, steps: &[Step]) -> Option<&Node> {
        self.descend(steps.iter().map(|s| s.key.as_str()))
    }

    /// The node under these keys (keywords and entry names), if the tree has it.
    pub fn descend<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Option<&Node> {
        keys.into_iter().try_fold(self, |node, key| node.child(key))
    }

    /// `set`: creates each path of the line and sets its value (a leaf-list
    /// gains the values it lacks).
    pub fn set(&mut self, schema: &Schema, path: &Resolved) {
        self.set_all(schema, std::slice::from_ref(path), &mut |_, _| {});
    }

    /// [`Node::set`] of lines in turn, in a tree of its own, for
    /// [`Node::join`]: where a statement of a `choice` replaces another, it is
    /// noted.
    pub fn set_apart<'p>(
        &mut self,
        schema: &Schema,
        paths: impl IntoIterator<Item = &'p Resolved>,
        replaced: &mut Replaced,
    ) {
        self.set_all(schema, paths, &mut |above, member| {
            replaced.push((above.iter().map(|s| s.key).collect(), member))
        });
    }

    /// [`Node::set`] of lines in turn. `replacing`: told of each statement of
    /// a `choice` that replaced another, and the steps above it.
    pub fn set_all<'p>(
        &mut self,
        schema: &Schema,
        paths: impl IntoIterator<Item = &'p Resolved>,
        replacing: &mut dyn FnMut(&[Step], SchemaId),
    ) {
        let mut statements: Vec<_> = paths.into_iter().flat_map(Resolved::statements).collect();
        Grouping::default().group(schema, &mut statements, 0);
        self.set_run(schema, 0, &statements, replacing);
    }

    /// Sets `statements` in turn under this node, where the first `depth`
    /// steps of each lead. Statements in a row that go on by the same step
    /// (lines share most of their path) go down it once, together: the
    /// tree is the same as if each went down from the top.
    fn set_run(
        &mut self,
        schema: &Schema,
        depth: usize,
        statements: &[Statement<'_>],
        replacing: &mut dyn FnMut(&[Step], SchemaId),
    ) {
        // What is set here is known: plain children stay plain unless it
        // applies groups (lines of `set` carry no marks).
        let mut plain = self.children.plain();
        if self.children.is_empty() {
            // A node made here takes its children at once (statements that
            // go on by one step are together): room is made for them all,
            // not a child at a time.
            let steps = statements.iter().filter_map(|(steps, _)| steps.get(depth));
            let (keys, _) = steps.fold((0, None), |(keys, last), step| match last {
                Some(key) if key == step.key => (keys, last),
                _ => (keys + 1, Some(step.key)),
            });
            self.children.reserve(keys);
        }
        let mut rest = statements;
        while let Some(&(steps, values)) = rest.first() {
            let Some(step) = steps.get(depth) else {
                if let Some(last) = steps.last() {
                    self.set_values(schema, last.schema, values);
                }
                rest = &rest[1..];
                continue;
            };
            let run =
                rest.iter().take_while(|(s, _)| s.get(depth).is_some_and(|s| s.key == step.key)).count();
            // A statement of a `choice` replaces the one set before it; the
            // others of the run are under it, and replace nothing more here.
            if step.key == schema.node(step.schema).key && take_rivals(schema, self, step.schema) {
                replacing(&steps[..depth], step.schema);
            }
            // A statement that ends here and holds nothing (a flag, most of
            // a list's entries) is added as the one empty node, shared.
            let empty = rest[..run].iter().all(|(s, values)| s.len() == depth + 1 && values.is_empty());
            plain &= !APPLYING.contains(&step.key.as_str());
            if empty {
                let _ = self.children.find_or_push(step.key, empty_node);
            } else {
                let child = self.child_entry_sym(step.key);
                child.set_run(schema, depth + 1, &rest[..run], replacing);
                plain &= child.marks().is_none() && child.children.plain();
            }
            rest = &rest[run..];
        }
        self.children.set_plain(plain);
    }

    /// Gives this node, a statement `statement` of the schema, `values`: a
    /// leaf-list gains those it lacks, a leaf takes them.
    fn set_values(&mut self, schema: &Schema, statement: SchemaId, values: &[Sym]) {
        match schema.node(statement).kind {
            Kind::LeafList(_) => {
                for value in values {
                    if !self.values.contains(value) {
                        self.values.push(*value);
                    }
                }
            }
            _ if !values.is_empty() => self.values = values.into(),
            _ => {}
        }
    }

    /// Joins to this tree one made by [`Node::set_apart`] of the lines that
    /// follow those this tree was made of: the same tree as if they had
    /// been set here in turn. Lines of `set` commute but for a `choice`:
    /// where a statement of one replaced another there, what this tree
    /// has of that `choice` goes too; the merge sees to the rest, a
    /// statement on both sides taking the other's marks as `take` says.
    pub fn join(&mut self, schema: &Schema, other: Node, replaced: &Replaced, take: TakeMarks) {
        for (keys, member) in replaced {
            if keys.iter().try_fold(&*self, |node, key| node.child(key)).is_none() {
                continue;
            }
            if let Some(node) = keys.iter().try_fold(&mut *self, |node, key| node.child_mut(key)) {
                take_rivals(schema, node, *member);
                node.children.shift_remove(schema.node(*member).name.as_str());
            }
        }
        self.merge_taking(schema, None, other, take);
    }

    /// `load merge`: `other`'s statements join this tree, where both are
    /// statements of `at`. A statement this tree lacks comes as loaded,
    /// marks and all; one it has takes the loaded marks, if any; one of a
    /// `choice` replaces its rivals; a leaf takes the loaded value; a
    /// leaf-list gains the loaded values; containers and entries merge
    /// inside.
    pub fn merge(&mut self, schema: &Schema, at: Option<SchemaId>, other: Node) {
        self.merge_taking(schema, at, other, TakeMarks::Replace);
    }

    /// [`Node::merge`], a statement on both sides taking the loaded one's
    /// marks as `take` says.
    fn merge_taking(&mut self, schema: &Schema, at: Option<SchemaId>, other: Node, take: TakeMarks) {
        // What two plain sides make is plain: no mark comes from either,
        // and a statement removed for a `choice` takes none with it.
        let plain = self.children.plain() && other.children.plain();
        for (key, child) in other.children {
            let Some(step) = child_step(schema, at, key) else { continue };
            if key == schema.node(step.schema).key {
                take_rivals(schema, self, step.schema);
            }
            let Some((target, child)) = joining(&mut self.children, key, child, take) else { continue };
            match &schema.node(step.schema).kind {
                Kind::LeafList(_) => {
                    for value in child.values {
                        if !target.values.contains(&value) {
                            target.values.push(value);
                        }
                    }
                }
                Kind::Leaf(_) | Kind::Value(_) => target.values = child.values,
                Kind::Flag => {}
                Kind::List { keyword: true, .. } => {
                    let plain = target.children.plain() && child.children.plain();
                    for (name, entry) in child.children {
                        if let Some((target, entry)) = joining(&mut target.children, name, entry, take) {
                            target.merge_taking(schema, Some(step.schema), entry, take);
                        }
                    }
                    target.children.set_plain(plain);
                }
                Kind::Container | Kind::List { keyword: false, .. } => {
                    target.merge_taking(schema, Some(step.schema), child, take)
                }
            }
        }
        self.children.set_plain(plain);
    }

    /// `delete`: removes each path of the line (or one value of a
    /// leaf-list) and any containers it leaves empty. `false` when there was
    /// nothing to delete.
    pub fn delete(&mut self, schema: &Schema, path: &Resolved) -> bool {
        path.statements().fold(false, |found, (steps, values)| self.delete_one(schema, steps, values) | found)
    }

    /// `deactivate`/`activate` of each path of the line. `false` when one is
    /// not there.
    pub fn set_inactive_all(&mut self, path: &Resolved, inactive: bool) -> bool {
        path.statements().fold(true, |found, (steps, _)| self.set_inactive(steps, inactive) & found)
    }

    fn delete_one(&mut self, schema: &Schema, steps: &[Step], values: &[Sym]) -> bool {
        /// `above`: the statement of the step before, whose keyword a
        /// list's entry follows.
        fn remove(
            node: &mut Node,
            schema: &Schema,
            above: Option<SchemaId>,
            steps: &[Step],
            values: &[Sym],
        ) -> bool {
            let Some((first, rest)) = steps.split_first() else {
                return false;
            };
            let entry = above == Some(first.schema)
                && matches!(schema.node(first.schema).kind, Kind::List { keyword: true, .. });
            let Some(child) = node.child_mut(&first.key) else {
                return false;
            };
            let removed = if rest.is_empty() {
                match (values, &schema.node(first.schema).kind) {
                    ([_, ..], Kind::LeafList(_)) => {
                        let before = child.values.len();
                        child.values.retain(|x| !values.contains(x));
                        child.values.len() != before
                    }
                    ([v, ..], Kind::Leaf(_) | Kind::Value(_)) if !child.values.contains(v) => return false,
                    // What is protected under it stays (Junos deletes only the rest).
                    _ if child.holds_protected() => {
                        keep_protected(child);
                        true
                    }
                    _ => {
                        node.children.shift_remove(&first.key);
                        return true;
                    }
                }
            } else {
                remove(child, schema, Some(first.schema), rest, values)
            };
            // A list's keyword and a container that holds nothing go with
            // their last child; an entry stays (`unit 0;`).
            let keeps_meaning = schema.node(first.schema).presence
                || matches!(schema.node(first.schema).kind, Kind::List { keyword: false, .. })
                || entry;
            if removed && child.is_empty() && !keeps_meaning {
                node.children.shift_remove(&first.key);
            }
            removed
        }
        remove(self, schema, None, steps, values)
    }
}

/// Removes what `node` holds that is not protected and holds nothing protected.
fn keep_protected(node: &mut Node) {
    if node.protected() {
        return;
    }
    node.values.clear();
    node.children.retain(|_, child| child.holds_protected());
    for child in node.children.values_mut() {
        keep_protected(Arc::make_mut(child));
    }
}

/// Where, in a tree made by [`Node::set_apart`], a statement of a `choice`
/// replaced another: the keys above it, and the statement.
pub type Replaced = Vec<(Vec<Sym>, SchemaId)>;

/// A statement to set: its steps from the top and its values.
type Statement<'p> = (&'p [Step], &'p [Sym]);

/// Puts together the statements that go on by the same step: each group
/// where its first statement was, its statements in their order. The tree
/// they make is the same, each list's entries in the order first named,
/// and it is made a subtree at a time: lines of `set` that go from one
/// hierarchy to another and back (an interface, its OSPF interface, its
/// BGP neighbour, the next interface) walk each subtree once, and its
/// nodes are allocated together, so that later walks of the tree (its
/// expansion and check) read memory in order rather than all over.
#[derive(Default)]
struct Grouping<'p> {
    /// Each step's group at one level, numbered from 1 as first met.
    groups: foldhash::HashMap<u128, u32>,
    /// Each statement's group at that level: 0 for one that ends above it.
    of: Vec<u32>,
    /// Where each group starts among the statements sorted.
    starts: Vec<u32>,
    /// Statements in their groups' order, copied back.
    sorted: Vec<Statement<'p>>,
}

impl<'p> Grouping<'p> {
    /// Groups `statements`, whose first `depth` steps are the same, by the
    /// step where they part, and the statements of each group that was
    /// apart by the step where they part, and so on down: below a level
    /// laid out in groups, each in one piece, the text is taken to be laid
    /// out so too. A level where a step is a statement of a `choice` is
    /// left in order: which of its statements is set last is the one that
    /// stays.
    fn group(&mut self, schema: &Schema, statements: &mut [Statement<'p>], depth: usize) {
        let Some(&(first, _)) = statements.iter().find(|(steps, _)| steps.len() > depth) else { return };
        // Where they part: the first step not all take, among those that
        // go on past it (one that ends above sets a value, anywhere).
        let parted = statements.iter().fold(first.len(), |parted, &(steps, _)| {
            let same = first.iter().zip(steps).take(parted).skip(depth).take_while(|(a, b)| a.key == b.key);
            let same = depth + same.count();
            if same >= steps.len() { parted } else { same }
        });
        match self.number(schema, statements, parted) {
            Level::Ends | Level::Together => {}
            Level::One => self.group(schema, statements, parted + 1),
            Level::Apart => {
                self.sort(statements);
                let key = |statement: &Statement<'_>| statement.0.get(parted).map(|step| step.key);
                for run in statements.chunk_by_mut(|a, b| key(a) == key(b)) {
                    if run.len() > 1 {
                        self.group(schema, run, parted + 1);
                    }
                }
            }
        }
    }

    /// Numbers the groups of `statements` by their steps at `depth`.
    fn number(&mut self, schema: &Schema, statements: &[Statement<'_>], depth: usize) -> Level {
        self.groups.clear();
        self.of.clear();
        let mut together = true;
        let mut last = None;
        for &(steps, _) in statements {
            let Some(step) = steps.get(depth) else {
                self.of.push(0);
                continue;
            };
            if let Some((key, group)) = last
                && key == step.key
            {
                self.of.push(group);
                continue;
            }
            let next = self.groups.len() as u32 + 1;
            let group = match self.groups.entry(step.key.bits()) {
                std::collections::hash_map::Entry::Occupied(group) => {
                    together = false;
                    *group.get()
                }
                std::collections::hash_map::Entry::Vacant(group) => {
                    if step.key == schema.node(step.schema).key && schema.rivals(step.schema).next().is_some()
                    {
                        return Level::Together;
                    }
                    *group.insert(next)
                }
            };
            last = Some((step.key, group));
            self.of.push(group);
        }
        match self.groups.len() {
            0 => Level::Ends,
            1 => Level::One,
            _ if together => Level::Together,
            _ => Level::Apart,
        }
    }

    /// Sorts `statements` into the groups [`Grouping::number`] numbered.
    fn sort(&mut self, statements: &mut [Statement<'p>]) {
        self.starts.clear();
        self.starts.resize(self.groups.len() + 2, 0);
        for &group in &self.of {
            self.starts[group as usize + 1] += 1;
        }
        for i in 1..self.starts.len() {
            self.starts[i] += self.starts[i - 1];
        }
        self.sorted.clear();
        self.sorted.resize(statements.len(), (&[], &[]));
        for (statement, &group) in statements.iter().zip(&self.of) {
            let at = &mut self.starts[group as usize];
            self.sorted[*at as usize] = *statement;
            *at += 1;
        }
        statements.copy_from_slice(&self.sorted);
    }
}

/// What a level of statements to group holds.
enum Level {
    /// No step: every statement ends above it.
    Ends,
    /// One step, for all that go on.
    One,
    /// Steps each in one piece, or a `choice`'s: left as they are.
    Together,
    /// Steps met again after others.
    Apart,
}

/// Takes out of `node` the rivals of its statement `member`: whether there
/// was one.
fn take_rivals(schema: &Schema, node: &mut Node, member: SchemaId) -> bool {
    let mut taken = false;
    for rival in schema.rivals(member) {
        taken |= node.children.shift_remove(schema.node(rival).name.as_str()).is_some();
    }
    taken
}

/// `child` put under `key` in `children` if it is not there (taken whole);
/// else the node there, made this tree's own and given `child`'s marks if
/// it has any, and `child`, to merge into it.
fn joining(
    children: &mut Children,
    key: Sym,
    child: Arc<Node>,
    take: TakeMarks,
) -> Option<(&mut Node, Node)> {
    // Taken only where the key is not: then it is put whole.
    let mut child = Some(child);
    let i = children.find_or_push(key, || child.take().unwrap_or_default()).ok()?;
    let target = own(&mut children[i]);
    let child = Arc::unwrap_or_clone(child?);
    match take {
        TakeMarks::Replace if child.marks().is_some() => target.marked = child.marked.clone(),
        TakeMarks::Deactivation if child.inactive() => target.mark(|m| m.inactive = true),
        TakeMarks::Replace | TakeMarks::Deactivation => {}
    }
    Some((target, child))
}

/// The statements under `node` (whose statement is `at`) as steps, in the
/// order Junos prints them: schema order, then insertion order within a list.
/// The entries of one list, all of one statement, look its place up once.
pub fn sorted_children<'a>(schema: &Schema, at: Option<SchemaId>, node: &'a Node) -> Vec<(Step, &'a Node)> {
    let mut unnamed = None;
    let mut last: Option<(SchemaId, usize)> = None;
    let mut children = Vec::with_capacity(node.children.len());
    for (&key, child) in &node.children {
        let id = match schema.keyword_sym(at, key) {
            Some(id) => id,
            None => match *unnamed.get_or_insert_with(|| schema.unnamed(at)) {
                Some(id) => id,
                None => continue,
            },
        };
        let position = match last {
            Some((seen, position)) if seen == id => position,
            _ => {
                let position = schema.position(at, id);
                last = Some((id, position));
                position
            }
        };
        children.push((position, Step { schema: id, key }, &**child));
    }
    // Stable, and linear on what is already in order (a list's entries).
    children.sort_by_key(|child| child.0);
    children.into_iter().map(|(_, step, child)| (step, child)).collect()
}

/// The schema statement a child key of `at` stands for: a keyword, or else
/// an entry (or value) of the level's keyword-less statement. The entries of
/// a keyword list are printed by the list itself and never looked up here.
pub fn child_step(schema: &Schema, at: Option<SchemaId>, key: Sym) -> Option<Step> {
    Some(Step { schema: child_schema(schema, at, key)?, key })
}

fn child_schema(schema: &Schema, at: Option<SchemaId>, key: Sym) -> Option<SchemaId> {
    schema.keyword_sym(at, key).or_else(|| schema.unnamed(at))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::path::{Word, resolve};
    use crate::config::print::to_set;
    use crate::grammar::{ParseError, tokenize};

    /// Whether every node said to hold plain children does: none of its
    /// statements, nor any below, carries a mark or applies groups.
    pub(crate) fn plain_where_said(node: &Node) -> bool {
        fn holds_none(node: &Node) -> bool {
            node.children.iter().all(|(key, child)| {
                child.marks().is_none() && !APPLYING.contains(&key.as_str()) && holds_none(child)
            })
        }
        (!node.children.plain() || holds_none(node)) && node.children.values().all(|c| plain_where_said(c))
    }

    /// A node's marks are held apart only while one is set: a statement
    /// marked and unmarked again is equal to one never marked, and the
    /// common node stays small.
    #[test]
    fn marks_set_and_unset_leave_a_plain_node() {
        let mut node = Node::default();
        node.mark(|m| m.annotation = "uplink".into());
        node.mark(|m| m.inactive = true);
        assert_eq!((node.annotation(), node.inactive(), node.protected()), ("uplink", true, false));
        assert_ne!(node, Node::default());
        node.mark(|m| m.annotation = Box::default());
        node.mark(|m| m.inactive = false);
        assert_eq!(node, Node::default());
        assert!(node.marks().is_none());
        assert_eq!(std::mem::size_of::<Node>(), 72);
    }

    pub(crate) fn read(schema: &Schema, line: &str) -> Result<Resolved, ParseError> {
        let tokens = tokenize(line);
        let words: Vec<Word<'_>> =
            tokens.iter().map(|t| Word { text: &t.text, column: t.start, end: t.end }).collect();
        resolve(schema, &[], &words)
    }

    pub(crate) fn build(schema: &Schema, lines: &[&str]) -> Node {
        let mut root = Node::default();
        for line in lines {
            root.set(schema, &read(schema, line).unwrap());
        }
        root
    }

    #[test]
    fn wrong_values_are_refused_with_the_junos_message() {
        let schema = Schema::shipped().unwrap();
        assert_eq!(
            read(&schema, "chassis redundancy keepalive-time 1"),
            Err(ParseError::InvalidValue {
                column: 34,
                message: "Value 1 is not within range (2..10000)".into()
            })
        );
        assert!(matches!(
            read(&schema, "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.256/24"),
            Err(ParseError::InvalidValue { .. })
        ));
        assert_eq!(read(&schema, "system bogus"), Err(ParseError::Syntax { column: 7 }));
        assert_eq!(read(&schema, "system host-name a b"), Err(ParseError::Syntax { column: 19 }));
        let partial = read(&schema, "sys host").unwrap();
        assert_eq!(partial.steps.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["system", "host-name"]);
        assert!(partial.wanting.is_some());
        assert!(matches!(read(&schema, "system s"), Err(ParseError::Ambiguous { .. })));
    }

    /// Empty statements are one shared node; an edit of one is made to a
    /// copy and leaves the others as they were.
    #[test]
    fn empty_statements_share_a_node_that_edits_copy() {
        let schema = Schema::shipped().unwrap();
        let inet = "interfaces ge-0/0/0 unit 0 family inet address";
        let mut root = build(&schema, &[&format!("{inet} 10.0.0.1/24"), &format!("{inet} 10.0.1.1/24")]);
        let steps = |line: &str| read(&schema, line).unwrap().steps;
        let addresses = root.get(&steps(&format!("{inet} 10.0.0.1/24"))[..7]).unwrap();
        let (first, second) = (&addresses.children[0], &addresses.children[1]);
        assert!(Arc::ptr_eq(first, second));
        assert!(root.set_inactive(&steps(&format!("{inet} 10.0.1.1/24")), true));
        root.set(&schema, &read(&schema, &format!("{inet} 10.0.2.1/24 primary")).unwrap());
        assert_eq!(
            to_set(&schema, None, &root, ""),
            format!(
                "set {inet} 10.0.0.1/24\nset {inet} 10.0.1.1/24\ndeactivate {inet} 10.0.1.1/24\n\
                 set {inet} 10.0.2.1/24 primary\n"
            )
        );
    }

    #[test]
    fn merge_replaces_leaves_and_rivals_and_joins_lists_and_entries() {
        let schema = Schema::shipped().unwrap();
        let term = "firewall family inet filter f term t then";
        let mut root = build(
            &schema,
            &[
                "system host-name two",
                "apply-groups a",
                "interfaces ge-0/0/0 unit 0 description x",
                &format!("{term} accept"),
            ],
        );
        let mut loaded = build(
            &schema,
            &[
                "system host-name one",
                "apply-groups b",
                "interfaces ge-0/0/0 unit 1 disable",
                &format!("{term} discard"),
            ],
        );
        loaded.set_inactive(&read(&schema, "interfaces ge-0/0/0 unit 1").unwrap().steps, true);
        root.merge(&schema, None, loaded);
        assert_eq!(
            to_set(&schema, None, &root, ""),
            "set apply-groups a\nset apply-groups b\nset system host-name one\n\
             set interfaces ge-0/0/0 unit 0 description x\nset interfaces ge-0/0/0 unit 1 disable\n\
             deactivate interfaces ge-0/0/0 unit 1\n\
             set firewall family inet filter f term t then discard\n"
        );
    }

    #[test]
    fn delete_removes_the_statement_and_the_containers_it_empties() {
        let schema = Schema::shipped().unwrap();
        let mut root = build(
            &schema,
            &["system host-name lab1", "chassis redundancy keepalive-time 30", "apply-groups [ a ]"],
        );
        root.set(&schema, &read(&schema, "apply-groups b").unwrap());
        assert!(root.delete(&schema, &read(&schema, "chassis redundancy keepalive-time").unwrap()));
        assert!(root.children.get("chassis").is_none());
        assert!(!root.delete(&schema, &read(&schema, "chassis redundancy").unwrap()));
        assert!(root.delete(&schema, &read(&schema, "apply-groups b").unwrap()));
        assert!(!root.delete(&schema, &read(&schema, "system host-name other").unwrap()));
        assert_eq!(to_set(&schema, None, &root, ""), "set apply-groups a\nset system host-name lab1\n");
        // An entry whose last statement goes stays, as `unit 0;`.
        let mut root = build(&schema, &["interfaces ge-0/0/0 unit 0 description a"]);
        assert!(root.delete(&schema, &read(&schema, "interfaces ge-0/0/0 unit 0 description").unwrap()));
        assert_eq!(to_set(&schema, None, &root, ""), "set interfaces ge-0/0/0 unit 0\n");
    }

    /// Lines set together, going from one hierarchy to another and back,
    /// some ending where others go on, make the tree they make one at a
    /// time, its entries in the order first named.
    #[test]
    fn lines_set_together_make_the_tree_of_lines_set_in_turn() {
        let schema = Schema::shipped().unwrap();
        let lines = [
            "interfaces ge-0/0/1",
            "interfaces ge-0/0/1 unit 0 family inet address 10.0.1.1/30",
            "protocols ospf area 0.0.0.0 interface ge-0/0/1.0",
            "interfaces ge-0/0/0 unit 0 family inet",
            "protocols isis interface ge-0/0/1.0",
            "interfaces ge-0/0/1 description first",
            "protocols ospf area 0.0.0.0 interface ge-0/0/0.0",
            "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30",
            "routing-options static route 10.9.0.0/16 retain",
            "interfaces ge-0/0/1 unit 0",
            "routing-options static route 10.9.0.0/16 install",
            "routing-options static route 10.9.0.0/16 no-retain",
            "interfaces ge-0/0/1 unit 0 family inet address 10.0.1.5/30",
            "routing-options static route 10.9.0.0/16 retain",
            "interfaces ge-0/0/2 unit 1",
            "interfaces ge-0/0/2 unit 1 description second",
        ];
        let paths: Vec<Resolved> = lines.iter().map(|line| read(&schema, line).unwrap()).collect();
        for start in 0..lines.len() {
            let mut together = build(&schema, &lines[..start]);
            together.set_all(&schema, &paths[start..], &mut |_, _| {});
            let in_turn = build(&schema, &lines);
            assert!(crate::config::delta::tests::identical(&together, &in_turn), "from line {start}");
        }
    }

    #[test]
    fn entries_are_renamed_copied_and_moved_in_place() {
        let schema = Schema::shipped().unwrap();
        let mut root = build(
            &schema,
            &[
                "policy-options policy-statement P term a then accept",
                "policy-options policy-statement P term b then reject",
                "policy-options policy-statement P term c then accept",
            ],
        );
        let term = |name: &str| {
            read(&schema, &format!("policy-options policy-statement P term {name}")).unwrap().steps
        };
        root.insert(&schema, &term("c"), true, "a").unwrap();
        root.rename(&schema, &term("b"), "d").unwrap();
        root.copy(&schema, &term("a"), "e").unwrap();
        root.insert(&schema, &term("e"), false, "c").unwrap();
        let names: Vec<&str> = root
            .descend(["policy-options", "policy-statement", "P", "term"])
            .unwrap()
            .children
            .keys()
            .map(Sym::as_str)
            .collect();
        assert_eq!(names, ["c", "e", "a", "d"]);
        assert_eq!(root.rename(&schema, &term("a"), "d"), Err(EditError::Exists("d".into())));
        assert_eq!(root.insert(&schema, &term("a"), true, "z"), Err(EditError::NoSuchEntry("z".into())));
        assert_eq!(root.rename(&schema, &term("z"), "y"), Err(EditError::NotFound));
        let keyword = read(&schema, "policy-options policy-statement P term").unwrap().steps;
        assert_eq!(root.copy(&schema, &keyword, "x"), Err(EditError::NotAnEntry));
    }
}
