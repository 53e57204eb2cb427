//! The difference between two configurations as the statements that
//! changed, and its application: what a commit's journal record holds and
//! what `commit synchronize` sends.
//!
//! Two configurations share what one did not change (`Arc`), so the
//! difference is found by pointer first and costs what changed, not the
//! size of the configuration. A change is made at the smallest statement
//! it touches: a statement that came or went whole, or one whose own values
//! and flags changed (what it holds is compared on its own). Siblings keep
//! their order: an entry comes in after the sibling it follows, and entries
//! that changed places (`insert`) go and come in again.

use std::ops::Range;
use std::sync::Arc;

use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, key_len};
use sha2::{Digest, Sha256};

use super::print::write_text_to;
use super::schema::Schema;
use super::tree::{Marks, Node, Sym};
use super::wire::from_wire;
use crate::proto::{ConfigDelta, DeltaChange, FlatNode, delta_change};

/// One change, at `path` (keys from the top).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: Vec<String>,
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Remove,
    /// Comes in after the sibling `after` (`None`: first).
    Insert {
        after: Option<String>,
        node: Arc<Node>,
    },
    /// Takes `node`'s values and flags, keeping what it holds.
    Fields(Arc<Node>),
}

/// The changes that turn one configuration into another, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub changes: Vec<Change>,
}

/// A change of fewer statements than this goes to the other RE as itself,
/// however small the configuration: either way costs less than the call.
const SENT_AS_CHANGE: usize = 4096;

/// How many statements `node` holds at any depth, counted up to a little
/// past `enough`.
fn statements_in(node: &Node, enough: usize) -> usize {
    let mut count = 0;
    let mut open = vec![node];
    while let Some(node) = open.pop() {
        count += node.children.len();
        if count > enough {
            break;
        }
        open.extend(node.children.values().map(|child| &**child));
    }
    count
}

/// A delta that does not fit the configuration it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the change does not fit the configuration: nothing at {0}")]
pub struct Misfit(String);

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// `base` changed as the delta says; `base` is unchanged when it does not fit.
    pub fn apply(&self, base: &Node) -> Result<Node, Misfit> {
        let mut tree = base.clone();
        for change in &self.changes {
            apply(&mut tree, change)?;
        }
        Ok(tree)
    }

    /// Whether the change is worth sending to the other RE as itself
    /// rather than as the configuration it makes, `made`, in text: a
    /// statement costs about twice as much to send and read back as part
    /// of a change as in text (flattened, encoded and decoded a field at a
    /// time), so a change that carries half of `made` or more goes as
    /// `made`. One of fewer than [`SENT_AS_CHANGE`] statements always goes
    /// as itself. Counted as far as the answer needs: the cost of a small
    /// change, not of the configuration.
    pub fn worth_sending(&self, made: &Node) -> bool {
        let carried = self.changes.iter().map(|change| match &change.op {
            Op::Insert { node, .. } => 1 + statements_in(node, usize::MAX),
            Op::Remove | Op::Fields(_) => 1,
        });
        let carried = carried.fold(0, usize::saturating_add);
        carried < SENT_AS_CHANGE || statements_in(made, carried.saturating_mul(2)) > carried.saturating_mul(2)
    }

    pub fn to_wire(&self) -> ConfigDelta {
        let changes = self
            .changes
            .iter()
            .map(|c| {
                let (kind, nodes, after) = match &c.op {
                    Op::Remove => (delta_change::Kind::Remove, Vec::new(), None),
                    Op::Insert { after, node } => (delta_change::Kind::Insert, flatten(node), after.clone()),
                    Op::Fields(node) => (delta_change::Kind::Fields, flatten(node), None),
                };
                DeltaChange { path: c.path.clone(), kind: kind.into(), node: None, after, nodes }
            })
            .collect();
        ConfigDelta { changes }
    }

    /// Reads deltas of either layout: flat, or nested as the first journals
    /// held them.
    pub fn from_wire(wire: &ConfigDelta) -> Delta {
        let changes = wire
            .changes
            .iter()
            .map(|c| {
                let node = || {
                    Arc::new(match &c.node {
                        Some(nested) if c.nodes.is_empty() => from_wire(nested),
                        _ => unflatten(&c.nodes),
                    })
                };
                let op = match c.kind() {
                    delta_change::Kind::Remove => Op::Remove,
                    delta_change::Kind::Insert => Op::Insert { after: c.after.clone(), node: node() },
                    delta_change::Kind::Fields => Op::Fields(node()),
                };
                Change { path: c.path.clone(), op }
            })
            .collect();
        Delta { changes }
    }

    /// The bytes the delta is sent and kept as: `ConfigDelta` as prost
    /// encodes [`Delta::to_wire`], written from the tree directly, without
    /// a message a node in between.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// [`Delta::encode`] onto the end of `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        for c in &self.changes {
            write_delimited(out, 1, |change| {
                for key in &c.path {
                    bytes_field(change, 1, key.as_bytes());
                }
                let (kind, node, after) = match &c.op {
                    Op::Remove => (delta_change::Kind::Remove, None, None),
                    Op::Insert { after, node } => (delta_change::Kind::Insert, Some(node), after.as_ref()),
                    Op::Fields(node) => (delta_change::Kind::Fields, Some(node), None),
                };
                varint_field(change, 2, kind as u64);
                if let Some(after) = after {
                    // Present though empty: `optional`.
                    encode_key(4, WireType::LengthDelimited, change);
                    encode_varint(after.len() as u64, change);
                    change.extend_from_slice(after.as_bytes());
                }
                if let Some(node) = node {
                    encode_flat(0, "", node, change);
                }
            });
        }
    }
}

/// A length-delimited field `tag` whose content `write` appends to `out`
/// where it stays: room for the longest length is left after the key and
/// closed up once the length is known, so that a large field (a change of
/// a million statements) is never built apart and copied. Returns where
/// the content is in `out`.
pub fn write_delimited(out: &mut Vec<u8>, tag: u32, write: impl FnOnce(&mut Vec<u8>)) -> Range<usize> {
    const LONGEST: usize = 10;
    encode_key(tag, WireType::LengthDelimited, out);
    let room = out.len();
    out.resize(room + LONGEST, 0);
    write(out);
    let len = out.len() - room - LONGEST;
    let mut length = Vec::with_capacity(LONGEST);
    encode_varint(len as u64, &mut length);
    out[room..room + length.len()].copy_from_slice(&length);
    out.copy_within(room + LONGEST.., room + length.len());
    let start = room + length.len();
    out.truncate(start + len);
    start..start + len
}

/// A `FlatNode` (field 5 of `DeltaChange`) for `node` and each below it,
/// in pre-order, as prost writes them.
fn encode_flat(depth: u32, name: &str, node: &Node, out: &mut Vec<u8>) {
    let string = |tag: u32, text: &str| match text.len() {
        0 => 0,
        n => key_len(tag) + encoded_len_varint(n as u64) + n,
    };
    let flag = |on: bool| if on { 2 } else { 0 };
    let values: usize =
        node.values.iter().map(|v| key_len(3) + encoded_len_varint(v.len() as u64) + v.len()).sum();
    let depth_len = if depth == 0 { 0 } else { key_len(1) + encoded_len_varint(depth.into()) };
    let len = depth_len
        + string(2, name)
        + values
        + flag(node.inactive())
        + string(5, node.annotation())
        + string(6, &node.group())
        + flag(node.protected());
    encode_key(5, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
    varint_field(out, 1, depth.into());
    bytes_field(out, 2, name.as_bytes());
    for value in node.values.iter() {
        encode_key(3, WireType::LengthDelimited, out);
        encode_varint(value.len() as u64, out);
        out.extend_from_slice(value.as_bytes());
    }
    varint_field(out, 4, node.inactive().into());
    bytes_field(out, 5, node.annotation().as_bytes());
    bytes_field(out, 6, node.group().as_bytes());
    varint_field(out, 7, node.protected().into());
    for (key, child) in &node.children {
        encode_flat(depth + 1, key, child, out);
    }
}

/// A proto3 length-delimited field, left out when empty as prost leaves it.
fn bytes_field(out: &mut Vec<u8>, tag: u32, bytes: &[u8]) {
    if !bytes.is_empty() {
        encode_key(tag, WireType::LengthDelimited, out);
        encode_varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }
}

/// A proto3 varint field, left out when zero.
fn varint_field(out: &mut Vec<u8>, tag: u32, value: u64) {
    if value != 0 {
        encode_key(tag, WireType::Varint, out);
        encode_varint(value, out);
    }
}

/// `node` and what it holds in pre-order, each with its depth: a list one
/// level deep, which prost measures once, where a nested message is
/// measured again at every level above it.
fn flatten(node: &Node) -> Vec<FlatNode> {
    fn walk(depth: u32, name: &str, node: &Node, out: &mut Vec<FlatNode>) {
        out.push(FlatNode {
            depth,
            name: name.to_owned(),
            values: node.values.iter().map(|v| v.to_string()).collect(),
            inactive: node.inactive(),
            annotation: node.annotation().to_owned(),
            group: node.group().to_string(),
            protected: node.protected(),
        });
        for (key, child) in &node.children {
            walk(depth + 1, key, child, out);
        }
    }
    let mut out = Vec::new();
    walk(0, "", node, &mut out);
    out
}

/// The node [`flatten`] made. A depth that skips levels is read as the
/// level below the deepest statement open, so that any list reads.
fn unflatten(nodes: &[FlatNode]) -> Node {
    fn node(flat: &FlatNode) -> Node {
        let node = Node { values: flat.values.iter().collect(), ..Node::default() };
        node.with_marks(Marks {
            inactive: flat.inactive,
            annotation: flat.annotation.as_str().into(),
            group: Sym::new(&flat.group),
            protected: flat.protected,
        })
    }
    // The statements open, from the top: each one's name and node.
    let mut open: Vec<(Sym, Node)> = Vec::new();
    let close = |open: &mut Vec<(Sym, Node)>| {
        if open.len() > 1
            && let Some((name, done)) = open.pop()
            && let Some((_, parent)) = open.last_mut()
        {
            parent.children.insert(name, Arc::new(done));
        }
    };
    let Some((top, rest)) = nodes.split_first() else { return Node::default() };
    open.push((Sym::EMPTY, node(top)));
    for flat in rest {
        let depth = (flat.depth as usize).max(1);
        while open.len() > depth {
            close(&mut open);
        }
        open.push((Sym::new(&flat.name), node(flat)));
    }
    while open.len() > 1 {
        close(&mut open);
    }
    open.pop().map(|(_, top)| top).unwrap_or_default()
}

/// The deltas from `old` to `new` and back.
pub fn diff(old: &Node, new: &Node) -> (Delta, Delta) {
    let mut forward = Delta::default();
    let mut inverse = Delta::default();
    let mut path = Vec::new();
    diff_level(old, new, &mut path, &mut forward, &mut inverse);
    (forward, inverse)
}

/// A hash naming a committed configuration: the one before it and the
/// change made (so it costs the change), or for the first, its text.
pub fn chain(before: u64, change: &[u8]) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(before.to_le_bytes());
    hasher.update(change);
    first_word(&hasher.finalize())
}

/// The hash of a configuration known only by its text.
pub fn content_hash(text: &str) -> u64 {
    first_word(&Sha256::digest(text.as_bytes()))
}

/// [`content_hash`] of `tree`'s text, printed into the hash rather than
/// held: the first commit of a large configuration hashes all of it.
pub fn tree_hash(schema: &Schema, tree: &Node) -> u64 {
    let mut hasher = Sha256::new();
    // Writing into a hasher cannot fail.
    let _ = write_text_to(schema, tree, &mut hasher);
    first_word(&hasher.finalize())
}

fn first_word(digest: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(word)
}

fn same_fields(a: &Node, b: &Node) -> bool {
    a.values == b.values && a.marks() == b.marks()
}

/// A node's values and flags, without what it holds.
fn fields(node: &Node) -> Arc<Node> {
    let values = Node { values: node.values.clone(), ..Node::default() };
    Arc::new(values.with_marks(node.marks().cloned().unwrap_or_default()))
}

fn diff_level(old: &Node, new: &Node, path: &mut Vec<String>, forward: &mut Delta, inverse: &mut Delta) {
    if !same_fields(old, new) {
        forward.changes.push(Change { path: path.clone(), op: Op::Fields(fields(new)) });
        inverse.changes.push(Change { path: path.clone(), op: Op::Fields(fields(old)) });
    }
    // Chunks of children both share at the start and at the end stay as
    // they are, unread: a change among many siblings walks only its chunk.
    let (lead, trail) = old.children.shared_ends(&new.children);
    let Staying { olds, news } = staying(old, new, lead, trail);
    let at = |key: &str| {
        let mut p = path.clone();
        p.push(key.to_owned());
        p
    };
    // What goes (or moves) first, then what comes in order, so that the
    // sibling an entry follows is there when it comes.
    for ((key, _), _) in old.children.iter_from(lead).zip(&olds).filter(|(_, stays)| !**stays) {
        forward.changes.push(Change { path: at(key), op: Op::Remove });
    }
    for ((key, _), _) in new.children.iter_from(lead).zip(&news).filter(|(_, place)| place.is_none()) {
        inverse.changes.push(Change { path: at(key), op: Op::Remove });
    }
    insertions(new, lead, news.iter().map(Option::is_some), &at, forward);
    insertions(old, lead, olds.iter().copied(), &at, inverse);
    // Those that stay are in the same order in both.
    for ((key, after), place) in new.children.iter_from(lead).zip(&news) {
        let Some(place) = *place else { continue };
        let before = &old.children[place];
        if !Arc::ptr_eq(before, after) {
            path.push(key.to_string());
            diff_level(before, after, path, forward, inverse);
            path.pop();
        }
    }
}

/// The children of `to` from place `lead` on that do not stay (`stays`,
/// in their order) come in, each after the sibling before it in `to`.
fn insertions(
    to: &Node,
    lead: usize,
    stays: impl Iterator<Item = bool>,
    at: &impl Fn(&str) -> Vec<String>,
    delta: &mut Delta,
) {
    let mut previous: Option<Sym> =
        lead.checked_sub(1).and_then(|i| to.children.get_index(i)).map(|(key, _)| *key);
    for ((key, node), stays) in to.children.iter_from(lead).zip(stays) {
        if !stays {
            let op = Op::Insert { after: previous.map(String::from), node: node.clone() };
            delta.changes.push(Change { path: at(key), op });
        }
        previous = Some(*key);
    }
}

/// Which children of a node stay in place from `old` to `new`, by place,
/// of those between the ones both share at the start and at the end.
struct Staying {
    /// For each of those children of `old`, whether it stays.
    olds: Vec<bool>,
    /// For each of those children of `new`, its place in `old` if it stays.
    news: Vec<Option<usize>>,
}

/// Which children of `old` stay in place in `new`: those in both, in the
/// same order, as many as can (a longest increasing run of their places in
/// `old`, in `new`'s order); the others go, and come in again where `new`
/// has them. A child is looked for first where the one before it was
/// found: a change of one statement among a hundred thousand siblings
/// walks them in order, and looks none up.
///
/// The first `lead` and the last `trail` children of both are the same:
/// the keys of the rest of `new` are those of the rest of `old` or new.
fn staying(old: &Node, new: &Node, lead: usize, trail: usize) -> Staying {
    let mut news = Vec::with_capacity(new.children.len() - lead - trail);
    let mut next = lead;
    for (key, _) in new.children.iter_from(lead).take(new.children.len() - lead - trail) {
        let place = old.children.index_of_near(*key, next);
        if let Some(place) = place {
            next = place + 1;
        }
        news.push(place);
    }
    let places: Vec<usize> = news.iter().flatten().copied().collect();
    if !places.windows(2).all(|w| w[0] < w[1]) {
        let kept = longest_run(&places);
        for place in &mut news {
            *place = place.filter(|p| kept.contains(p));
        }
    }
    let mut olds = vec![false; old.children.len() - lead - trail];
    for &place in news.iter().flatten() {
        olds[place - lead] = true;
    }
    Staying { olds, news }
}

/// The values of a longest strictly increasing subsequence.
fn longest_run(values: &[usize]) -> std::collections::HashSet<usize> {
    // tails[k]: index into `values` of the smallest end of a run of k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = vec![None; values.len()];
    for (i, &v) in values.iter().enumerate() {
        let k = tails.partition_point(|&t| values[t] < v);
        before[i] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut run = std::collections::HashSet::new();
    let mut at = tails.last().copied();
    while let Some(i) = at {
        run.insert(values[i]);
        at = before[i];
    }
    run
}

fn apply(tree: &mut Node, change: &Change) -> Result<(), Misfit> {
    let misfit = || Misfit(change.path.join(" "));
    let Some((last, parents)) = change.path.split_last() else {
        return match &change.op {
            Op::Fields(fields) => {
                set_fields(tree, fields);
                Ok(())
            }
            _ => Err(misfit()),
        };
    };
    let parent = parents.iter().try_fold(tree, |node, key| node.child_mut(key)).ok_or_else(misfit)?;
    match &change.op {
        Op::Remove => {
            parent.children.shift_remove(last.as_str()).ok_or_else(misfit)?;
        }
        Op::Insert { after, node } => {
            if parent.children.contains_key(last.as_str()) {
                return Err(misfit());
            }
            let at = match after {
                None => 0,
                Some(after) => parent.children.get_index_of(after.as_str()).ok_or_else(misfit)? + 1,
            };
            parent.children.shift_insert(at, Sym::from(last), node.clone());
        }
        Op::Fields(fields) => set_fields(parent.child_mut(last).ok_or_else(misfit)?, fields),
    }
    Ok(())
}

fn set_fields(node: &mut Node, fields: &Node) {
    node.values = fields.values.clone();
    let marks = fields.marks().cloned().unwrap_or_default();
    node.mark(|m| *m = marks);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::random::{Rng, configuration};
    use crate::config::schema::Schema;

    /// A change goes as itself while it carries fewer statements than
    /// half of the configuration it makes, or fewer than
    /// `SENT_AS_CHANGE`; each statement it brings counts, and each it
    /// removes or changes in place.
    #[test]
    fn a_change_is_worth_sending_while_it_carries_less_than_half_the_configuration() {
        let schema = Schema::shipped().unwrap();
        // Each interface a statement and its description another.
        let interfaces = |range: std::ops::Range<usize>| {
            let mut tree = Node::default();
            let lines: String =
                range.map(|n| format!("set interfaces ge-1/0/{n} description d{n}\n")).collect();
            assert!(crate::config::load::apply_set_lines(&schema, &mut tree, &lines).is_empty());
            tree
        };
        let worth = |old: &Node, new: &Node| diff(old, new).0.worth_sending(new);
        let half = SENT_AS_CHANGE / 2;
        // A small change of a small configuration.
        assert!(worth(&interfaces(0..10), &interfaces(0..20)));
        assert!(worth(&Node::default(), &interfaces(0..half - 1)));
        // The whole configuration, once it is not small.
        assert!(!worth(&Node::default(), &interfaces(0..half)));
        // Less than half of it, or half or more.
        assert!(worth(&interfaces(0..3 * half), &interfaces(0..5 * half)));
        assert!(!worth(&interfaces(0..half), &interfaces(0..5 * half)));
        // Removals count one a statement removed.
        assert!(worth(&interfaces(0..12 * half), &interfaces(3 * half..12 * half)));
        assert!(!worth(&interfaces(0..3 * half), &interfaces(2 * half..3 * half)));
    }

    /// Equal, and in the same order throughout (which `==` does not look at).
    pub(crate) fn identical(a: &Node, b: &Node) -> bool {
        same_fields(a, b)
            && a.children.len() == b.children.len()
            && a.children.iter().zip(&b.children).all(|((ka, a), (kb, b))| ka == kb && identical(a, b))
    }

    /// The keys of a statement somewhere in `tree`, picked at random.
    fn somewhere(rng: &mut Rng, tree: &Node) -> Vec<Sym> {
        let mut path = Vec::new();
        let mut node = tree;
        while !node.children.is_empty() && (path.is_empty() || rng.below(3) != 0) {
            let (key, child) = node.children.get_index(rng.below(node.children.len())).unwrap();
            path.push(*key);
            node = child;
        }
        path
    }

    /// One random change of `tree`, of any kind a configuration sees.
    pub(crate) fn random_edit(schema: &Schema, rng: &mut Rng, tree: &mut Node) {
        let path = somewhere(rng, tree);
        let Some((last, parents)) = path.split_last() else {
            let size = 1 + rng.below(4);
            tree.merge(schema, None, configuration(schema, rng, size));
            return;
        };
        let parent = parents.iter().try_fold(&mut *tree, |n, k| n.child_mut(k)).unwrap();
        match rng.below(6) {
            0 => {
                parent.children.shift_remove(last);
            }
            1 => {
                let child = parent.child_mut(last).unwrap();
                child.mark(|m| m.inactive = !m.inactive);
            }
            2 => parent
                .child_mut(last)
                .unwrap()
                .mark(|m| m.annotation = format!("note {}", rng.below(9)).into()),
            3 => {
                // Moved first, as `insert ... before` does.
                let child = parent.children.shift_remove(last).unwrap();
                parent.children.shift_insert(0, *last, child);
            }
            4 => {
                let child = parent.children.shift_remove(last).unwrap();
                let at = rng.below(parent.children.len() + 1);
                parent.children.shift_insert(at, Sym::from(format!("{last}-renamed")), child);
            }
            _ => {
                let size = 1 + rng.below(4);
                tree.merge(schema, None, configuration(schema, rng, size));
            }
        }
    }

    /// A random configuration with a list of hundreds of interfaces (some
    /// inactive, some given statements by a group, on some seeds), so that
    /// its children are held in chunks.
    pub(crate) fn large_configuration(schema: &Schema, rng: &mut Rng) -> Node {
        let size = 1 + rng.below(30);
        let mut tree = configuration(schema, rng, size);
        let count = 300 + rng.below(500);
        let mut lines: Vec<String> =
            (0..count).map(|n| format!("interfaces ge-0/0/{n} description d{n}")).collect();
        if rng.below(2) == 0 {
            lines.extend([
                "groups g interfaces <ge-0/0/1*> mtu 1500".to_owned(),
                "groups g interfaces ge-0/0/3 unit 0 family inet".to_owned(),
                "apply-groups g".to_owned(),
            ]);
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        tree.merge(schema, None, crate::config::tree::tests::build(schema, &lines));
        if let Some(list) = tree.child_mut("interfaces") {
            for _ in 0..rng.below(4) {
                let n = rng.below(list.children.len());
                Arc::make_mut(&mut list.children[n]).mark(|m| m.inactive = true);
            }
        }
        tree
    }

    /// One random change of the list of `large_configuration`: a statement
    /// of an entry changed, an entry (de)activated, taken out, added last
    /// or put among the others.
    pub(crate) fn random_list_edit(rng: &mut Rng, tree: &mut Node) {
        let Some(list) = tree.child_mut("interfaces") else { return };
        let n = rng.below(list.children.len().max(1));
        let fresh = Sym::from(format!("xe-9/9/{}", rng.below(1_000_000)));
        let mut entry = Node::default();
        entry.child_entry("description").values =
            [Sym::from(format!("x{}", rng.below(9)))].into_iter().collect();
        match (rng.below(5), list.children.is_empty()) {
            (0, false) => {
                Arc::make_mut(&mut list.children[n]).child_entry("description").values =
                    [Sym::from(format!("e{}", rng.below(99)))].into_iter().collect()
            }
            (1, false) => Arc::make_mut(&mut list.children[n]).mark(|m| m.inactive = !m.inactive),
            (2, false) => drop(list.children.shift_remove_index(n)),
            (3, _) => drop(list.children.insert(fresh, Arc::new(entry))),
            _ => drop(list.children.shift_insert(n.min(list.children.len()), fresh, Arc::new(entry))),
        }
    }

    /// One to four random changes of a `large_configuration`, most of them
    /// in its list.
    pub(crate) fn random_large_edits(schema: &Schema, rng: &mut Rng, tree: &mut Node) {
        for _ in 0..1 + rng.below(4) {
            if rng.below(3) == 0 {
                random_edit(schema, rng, tree);
            } else {
                random_list_edit(rng, tree);
            }
        }
    }

    #[test]
    fn a_delta_of_a_large_list_turns_the_old_into_the_new_and_its_inverse_back() {
        let schema = Schema::shipped().unwrap();
        for seed in 0..60 {
            let mut rng = Rng::new(seed);
            let old = large_configuration(&schema, &mut rng);
            let mut new = old.clone();
            random_large_edits(&schema, &mut rng, &mut new);
            turns_both_ways(&old, &new, seed);
        }
    }

    /// The change from `old` to `new`, sent over the wire, turns `old`
    /// into `new`; its inverse turns `new` back; it is empty only when
    /// they are the same.
    fn turns_both_ways(old: &Node, new: &Node, seed: u64) {
        let (forward, inverse) = diff(old, new);
        let sent = Delta::from_wire(&forward.to_wire());
        assert!(identical(&sent.apply(old).unwrap(), new), "seed {seed}: {forward:?}");
        assert!(identical(&inverse.apply(new).unwrap(), old), "seed {seed}: {inverse:?}");
        assert_eq!(forward.is_empty(), identical(old, new), "seed {seed}");
    }

    #[test]
    fn a_tree_hashed_as_it_is_printed_hashes_as_its_text_does() {
        let schema = Schema::shipped().unwrap();
        let mut rng = Rng::new(7);
        for size in [0, 1, 40, 400] {
            let tree = configuration(&schema, &mut rng, size);
            let text = crate::config::print::to_text(&schema, None, &tree);
            assert_eq!(tree_hash(&schema, &tree), content_hash(&text));
            let mut written = Vec::new();
            assert_eq!(write_text_to(&schema, &tree, &mut written).unwrap(), text.len());
            assert_eq!(written, text.as_bytes());
        }
    }

    #[test]
    fn a_delta_turns_the_old_configuration_into_the_new_and_its_inverse_back() {
        let schema = Schema::shipped().unwrap();
        for seed in 0..400 {
            let mut rng = Rng::new(seed);
            let size = rng.below(60);
            let old = configuration(&schema, &mut rng, size);
            let mut new = old.clone();
            for _ in 0..1 + rng.below(4) {
                random_edit(&schema, &mut rng, &mut new);
            }
            turns_both_ways(&old, &new, seed);
        }
    }

    #[test]
    fn a_small_change_of_a_large_configuration_is_a_small_delta() {
        let schema = Schema::shipped().unwrap();
        let old = crate::config::tree::tests::build(
            &schema,
            &(0..2000)
                .map(|n| format!("interfaces ge-0/0/{n} description d{n}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let mut new = old.clone();
        new.child_mut("interfaces").unwrap().child_mut("ge-0/0/7").unwrap().child_entry("mtu").values =
            ["9000"].into_iter().collect();
        let (forward, inverse) = diff(&old, &new);
        assert_eq!(forward.changes.len(), 1);
        assert_eq!(forward.changes[0].path, ["interfaces", "ge-0/0/7", "mtu"]);
        assert!(forward.encode().len() < 100 && inverse.encode().len() < 100);
        // An entry moved is one entry out and in, not the list again.
        let mut moved = old.clone();
        let list = moved.child_mut("interfaces").unwrap();
        let entry = list.children.shift_remove("ge-0/0/1500").unwrap();
        list.children.shift_insert(3, "ge-0/0/1500".into(), entry);
        let (forward, _) = diff(&old, &moved);
        assert_eq!(forward.changes.len(), 2, "{forward:?}");
        assert!(Delta::default().apply(&old).unwrap() == old);
    }

    #[test]
    fn a_delta_of_the_nested_layout_reads_as_the_flat_one() {
        let schema = Schema::shipped().unwrap();
        let mut rng = Rng::new(7);
        let new = configuration(&schema, &mut rng, 40);
        let (forward, _) = diff(&Node::default(), &new);
        let mut nested = forward.to_wire();
        for change in &mut nested.changes {
            let node = unflatten(&std::mem::take(&mut change.nodes));
            change.node = Some(crate::config::wire::to_wire("", &node));
        }
        assert!(identical(&Delta::from_wire(&nested).apply(&Node::default()).unwrap(), &new));
    }

    #[test]
    fn a_delta_is_encoded_as_prost_encodes_its_message() {
        let schema = Schema::shipped().unwrap();
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let size = rng.below(40);
            let old = configuration(&schema, &mut rng, size);
            let mut new = old.clone();
            for _ in 0..1 + rng.below(4) {
                random_edit(&schema, &mut rng, &mut new);
            }
            if let Some(node) = new.children.values_mut().next() {
                Arc::make_mut(node).mark(|m| m.group = Sym::new("g"));
            }
            for delta in [diff(&old, &new).0, diff(&new, &old).0, diff(&Node::default(), &new).0] {
                assert_eq!(delta.encode(), prost::Message::encode_to_vec(&delta.to_wire()), "seed {seed}");
            }
        }
    }

    #[test]
    fn flat_nodes_of_any_depth_read_without_failing() {
        let flat = |depth, name: &str| FlatNode { depth, name: name.into(), ..FlatNode::default() };
        // A depth that skips levels is read under the deepest statement open.
        let node = unflatten(&[flat(0, ""), flat(1, "a"), flat(7, "b"), flat(1, "c"), flat(0, "d")]);
        let keys = |n: &Node| n.children.keys().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(keys(&node), ["a", "c", "d"]);
        assert_eq!(keys(&node.children["a"]), ["b"]);
        assert_eq!(unflatten(&[]), Node::default());
    }

    #[test]
    fn a_delta_that_does_not_fit_changes_nothing() {
        let schema = Schema::shipped().unwrap();
        let old = crate::config::tree::tests::build(&schema, &["system host-name a"]);
        let new = crate::config::tree::tests::build(&schema, &["system host-name b"]);
        let (forward, _) = diff(&old, &new);
        assert!(forward.apply(&Node::default()).is_err());
    }
}
