//! A node's children, keyed by symbol in insertion order: a plain
//! vector for the few children most statements have, found by a scan, with
//! a hash index added only once a node has many (a list of a thousand
//! interfaces). The methods are the part of `IndexMap`'s the tree uses,
//! with its meaning: an insert of a new key goes last, a replaced value
//! keeps its place, and two sets of children are equal when they hold the
//! same keys and values, in any order.

use std::fmt;
use std::ops::{Index, IndexMut, Range};
use std::sync::Arc;

use super::Node;
use crate::config::sym::Sym;

/// Up to this many children are found by a scan; past it, by the index.
const SCANNED: usize = 8;

#[derive(Clone, Default)]
pub struct Children {
    entries: Vec<(Sym, Arc<Node>)>,
    /// With more than `SCANNED` entries: each key's place in `entries`,
    /// found by the key's words ([`Sym::bits`]) rather than by its text.
    /// Behind a pointer, so that the many nodes without one pay a word for
    /// it, not a map; shared, so that a copy of a large node (the first
    /// edit of it after a commit) and its expansion, whose keys are the
    /// same in the same places, do not copy or make it again.
    index: Option<Arc<Places>>,
    /// Known to hold nothing that expansion or the groups check must look
    /// inside for ([`Children::plain`]). Any change through `&mut` forgets
    /// it; only [`Children::set_plain`], by a caller that knows what it
    /// added, sets it.
    plain: bool,
}

/// A key's [`Sym::bits`] as two words, so that an index entry takes three
/// words and not four.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Bits(u64, u64);

impl Bits {
    fn of(key: Sym) -> Bits {
        let bits = key.bits();
        Bits(bits as u64, (bits >> 64) as u64)
    }
}

type Entry = (Sym, Arc<Node>);
type Places = foldhash::HashMap<Bits, usize>;

impl Children {
    pub fn with_capacity(capacity: usize) -> Children {
        Children { entries: Vec::with_capacity(capacity), index: None, plain: false }
    }

    /// Children of `entries` in their order, the index (if it needs one)
    /// made once at its size rather than grown an insert at a time, or
    /// shared with `like` when it has the same keys in the same places.
    /// Keys given twice are taken as [`Children::insert`] takes them.
    pub fn from_entries(entries: Vec<Entry>, like: Option<&Children>) -> Children {
        if entries.len() <= SCANNED {
            return entries.into_iter().collect();
        }
        if let Some(like) = like.filter(|like| like.keys().eq(entries.iter().map(|(key, _)| key))) {
            return Children { entries, index: like.index.clone(), plain: false };
        }
        let mut children = Children { entries, index: None, plain: false };
        children.placed(0..children.entries.len());
        if children.index.as_ref().is_some_and(|index| index.len() != children.entries.len()) {
            return children.entries.into_iter().collect();
        }
        children
    }

    /// Whether no statement here or below carries a mark (inactive,
    /// annotation, protection) or applies groups: what these children hold
    /// is effective as written wherever no group gives them anything, and
    /// holds no `apply-groups` to check. None is always plain; otherwise
    /// only when known, and `false` when not.
    pub fn plain(&self) -> bool {
        self.plain || self.entries.is_empty()
    }

    /// Says that [`Children::plain`] holds, or may not: for a caller that
    /// knows each child it added or changed.
    pub fn set_plain(&mut self, plain: bool) {
        self.plain = plain;
    }

    /// The entries in order, as a slice.
    pub fn entries(&self) -> &[(Sym, Arc<Node>)] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get_index_of<K: AsRef<str> + ?Sized>(&self, key: &K) -> Option<usize> {
        let key = key.as_ref();
        match &self.index {
            Some(index) => index.get(&Bits::of(Sym::existing(key)?)).copied(),
            None => self.entries.iter().position(|(k, _)| k.as_str() == key),
        }
    }

    /// [`Children::get_index_of`] for a key already a symbol: a scan
    /// compares two words, not text.
    pub fn index_of_sym(&self, key: Sym) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&Bits::of(key)).copied(),
            None => self.entries.iter().position(|(k, _)| *k == key),
        }
    }

    /// [`Children::index_of_sym`], looking first at `near`: where a walk
    /// of other children in the same order expects `key`. A walk of two
    /// large nodes side by side then compares keys in place rather than
    /// probing the index, whose entries are far apart in memory.
    pub fn index_of_near(&self, key: Sym, near: usize) -> Option<usize> {
        match self.entries.get(near) {
            Some((k, _)) if *k == key => Some(near),
            _ => self.index_of_sym(key),
        }
    }

    pub fn contains_key<K: AsRef<str> + ?Sized>(&self, key: &K) -> bool {
        self.get_index_of(key).is_some()
    }

    pub fn get<K: AsRef<str> + ?Sized>(&self, key: &K) -> Option<&Arc<Node>> {
        self.get_index_of(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut<K: AsRef<str> + ?Sized>(&mut self, key: &K) -> Option<&mut Arc<Node>> {
        self.plain = false;
        self.get_index_of(key).map(|i| &mut self.entries[i].1)
    }

    pub fn get_index(&self, index: usize) -> Option<(&Sym, &Arc<Node>)> {
        self.entries.get(index).map(|(k, v)| (k, v))
    }

    /// Adds `key` last, or gives it `value` in its place; the old value.
    pub fn insert(&mut self, key: Sym, value: Arc<Node>) -> Option<Arc<Node>> {
        self.insert_full(key, value).1
    }

    /// [`Children::insert`], with the key's place.
    pub fn insert_full(&mut self, key: Sym, value: Arc<Node>) -> (usize, Option<Arc<Node>>) {
        self.plain = false;
        if let Some(i) = self.index_of_sym(key) {
            return (i, Some(std::mem::replace(&mut self.entries[i].1, value)));
        }
        let at = self.entries.len();
        self.make_room();
        self.entries.push((key, value));
        self.placed(at..at + 1);
        (at, None)
    }

    /// Puts `key` at `at` (moving it there if it is present, with `value`);
    /// the old value.
    pub fn shift_insert(&mut self, at: usize, key: Sym, value: Arc<Node>) -> Option<Arc<Node>> {
        self.plain = false;
        // Only the entries between the old place and the new one move.
        let (moved, old) = match self.get_index_of(&key) {
            Some(i) => (i.min(at)..i.max(at) + 1, Some(self.entries.remove(i).1)),
            None => {
                self.make_room();
                (at..self.entries.len() + 1, None)
            }
        };
        self.entries.insert(at, (key, value));
        self.placed(moved);
        old
    }

    /// Removes `key`, the entries after it moving up one.
    pub fn shift_remove<K: AsRef<str> + ?Sized>(&mut self, key: &K) -> Option<Arc<Node>> {
        self.shift_remove_full(key).map(|(_, _, value)| value)
    }

    /// [`Children::shift_remove`], with the key's place and the key.
    pub fn shift_remove_full<K: AsRef<str> + ?Sized>(&mut self, key: &K) -> Option<(usize, Sym, Arc<Node>)> {
        let i = self.get_index_of(key)?;
        self.shift_remove_index(i).map(|(key, value)| (i, key, value))
    }

    /// Removes the entry at `i`, the entries after it moving up one.
    pub fn shift_remove_index(&mut self, i: usize) -> Option<(Sym, Arc<Node>)> {
        if i >= self.entries.len() {
            return None;
        }
        let (key, value) = self.entries.remove(i);
        if let Some(index) = &mut self.index {
            Arc::make_mut(index).remove(&Bits::of(key));
        }
        self.placed(i..self.entries.len());
        Some((key, value))
    }

    /// Keeps the entries `keep` says to, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Sym, &mut Arc<Node>) -> bool) {
        self.plain = false;
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before && self.index.is_some() {
            self.index = None;
            self.placed(0..self.entries.len());
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Sym, &Arc<Node>)> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Sym> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Arc<Node>> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Arc<Node>> + ExactSizeIterator {
        self.plain = false;
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Most statements have one child or a few: no room kept for more.
    fn make_room(&mut self) {
        if self.entries.len() == self.entries.capacity() && self.entries.len() < SCANNED {
            self.entries.reserve_exact(1);
        }
    }

    /// Brings the index up to date after the entries in `moved` (and only
    /// they) took new places: a node past `SCANNED` entries has one, made
    /// whole when it first gets there; a node below has none.
    fn placed(&mut self, moved: Range<usize>) {
        if self.entries.len() <= SCANNED {
            self.index = None;
            return;
        }
        let entries = &self.entries;
        let index = Arc::make_mut(self.index.get_or_insert_with(|| {
            Arc::new(Places::with_capacity_and_hasher(entries.len(), Default::default()))
        }));
        let moved = if index.is_empty() { 0..entries.len() } else { moved };
        for (i, (key, _)) in entries[moved.clone()].iter().enumerate() {
            index.insert(Bits::of(*key), moved.start + i);
        }
    }
}

impl Index<usize> for Children {
    type Output = Arc<Node>;
    fn index(&self, index: usize) -> &Arc<Node> {
        &self.entries[index].1
    }
}

impl IndexMut<usize> for Children {
    fn index_mut(&mut self, index: usize) -> &mut Arc<Node> {
        self.plain = false;
        &mut self.entries[index].1
    }
}

impl Index<&Sym> for Children {
    type Output = Arc<Node>;
    fn index(&self, key: &Sym) -> &Arc<Node> {
        self.get(key).unwrap_or_else(|| panic!("no child {key}"))
    }
}

impl Index<&str> for Children {
    type Output = Arc<Node>;
    fn index(&self, key: &str) -> &Arc<Node> {
        self.get(key).unwrap_or_else(|| panic!("no child {key}"))
    }
}

/// Equal when both hold the same keys with equal values, in any order.
impl PartialEq for Children {
    fn eq(&self, other: &Children) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Children {}

impl fmt::Debug for Children {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Extend<Entry> for Children {
    fn extend<I: IntoIterator<Item = Entry>>(&mut self, entries: I) {
        for (key, value) in entries {
            self.insert(key, value);
        }
    }
}

impl FromIterator<Entry> for Children {
    fn from_iter<I: IntoIterator<Item = Entry>>(entries: I) -> Children {
        let entries = entries.into_iter();
        let mut children = Children::with_capacity(entries.size_hint().0);
        children.extend(entries);
        children
    }
}

impl IntoIterator for Children {
    type Item = Entry;
    type IntoIter = std::vec::IntoIter<Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Children {
    type Item = (&'a Sym, &'a Arc<Node>);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Entry>, fn(&'a Entry) -> (&'a Sym, &'a Arc<Node>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::random::Rng;
    use indexmap::IndexMap;

    fn leaf(value: &str) -> Arc<Node> {
        let mut node = Node::default();
        node.values.push(Sym::new(value));
        Arc::new(node)
    }

    /// Half the keys are held in their symbols, half interned.
    fn name(n: usize) -> String {
        if n.is_multiple_of(2) { format!("k{n}") } else { format!("a key too long to hold in place {n}") }
    }

    /// Random inserts, moves and removals, small and past the index, keep
    /// the same keys, values and order as `IndexMap` given the same, and an
    /// index of every key exactly when there are more than `SCANNED`.
    #[test]
    fn edits_keep_the_order_and_lookups_of_an_index_map() {
        let mut rng = Rng::new(24);
        for round in 0..200 {
            let (mut ours, mut theirs) = (Children::default(), IndexMap::<Sym, Arc<Node>>::new());
            let keys = 1 + round % 30;
            for step in 0..100 {
                let key = Sym::new(&name(rng.below(keys)));
                let value = leaf(&format!("v{step}"));
                match rng.below(6) {
                    0 | 1 => assert_eq!(ours.insert(key, value.clone()), theirs.insert(key, value)),
                    2 if !theirs.is_empty() => {
                        let at = rng.below(theirs.len());
                        let at = if theirs.contains_key(&key) { at } else { at.min(theirs.len()) };
                        ours.shift_insert(at, key, value.clone());
                        theirs.shift_insert(at, key, value);
                    }
                    3 => assert_eq!(ours.shift_remove(&key), theirs.shift_remove(&key)),
                    4 if !theirs.is_empty() => {
                        let at = rng.below(theirs.len());
                        assert_eq!(ours.shift_remove_index(at), theirs.shift_remove_index(at));
                    }
                    _ => {
                        let drop = rng.below(keys);
                        ours.retain(|k, _| k.as_str() != name(drop));
                        theirs.retain(|k, _| k.as_str() != name(drop));
                    }
                }
                assert!(ours.iter().eq(theirs.iter()), "round {round} step {step}");
                let indexed = ours.index.as_ref().map(|index| index.len());
                assert_eq!(
                    indexed,
                    (ours.len() > SCANNED).then_some(ours.len()),
                    "round {round} step {step}"
                );
                for n in 0..keys {
                    let key = name(n);
                    assert_eq!(ours.get_index_of(&key), theirs.get_index_of(key.as_str()));
                    let near = rng.below(ours.len() + 1);
                    assert_eq!(ours.index_of_near(Sym::new(&key), near), theirs.get_index_of(key.as_str()));
                }
                let rebuilt = Children::from_entries(ours.entries.clone(), None);
                assert!(rebuilt.iter().eq(ours.iter()), "round {round} step {step}");
                assert_eq!(rebuilt.index.as_ref().map(|index| index.len()), indexed);
                // Text no symbol was ever made of is found nowhere.
                assert_eq!(ours.get_index_of("a key this test never makes a symbol of"), None);
            }
        }
    }

    /// A key given twice keeps its first place and takes its last value,
    /// as inserts would, with or without an index.
    #[test]
    fn children_made_at_once_take_a_key_given_twice_as_inserts_do() {
        for count in [3, SCANNED + 3] {
            let mut entries: Vec<Entry> = (0..count).map(|n| (Sym::new(&name(n)), leaf("first"))).collect();
            entries.push((Sym::new(&name(1)), leaf("last")));
            let inserted: Children = entries.clone().into_iter().collect();
            let made = Children::from_entries(entries, None);
            assert!(made.iter().eq(inserted.iter()));
            assert_eq!(made.len(), count);
            assert_eq!(made.get(&name(1)), Some(&leaf("last")));
            assert_eq!(made.index.as_ref().map(|index| index.len()), (count > SCANNED).then_some(count));
        }
    }

    #[test]
    fn equal_children_may_be_in_another_order() {
        let a: Children = [(Sym::new("a"), leaf("1")), (Sym::new("b"), leaf("2"))].into_iter().collect();
        let b: Children = [(Sym::new("b"), leaf("2")), (Sym::new("a"), leaf("1"))].into_iter().collect();
        assert_eq!(a, b);
        assert!(a.keys().eq(["a", "b"].iter()));
        let c: Children = [(Sym::new("b"), leaf("2")), (Sym::new("a"), leaf("3"))].into_iter().collect();
        assert_ne!(a, c);
    }

    /// Plain is known only as told, and forgotten by any change that could
    /// add or alter a child; none are always plain, and a removal keeps it.
    #[test]
    fn plain_is_forgotten_by_what_could_change_a_child() {
        let mut children = Children::default();
        assert!(children.plain());
        children.insert(Sym::new("a"), leaf("1"));
        assert!(!children.plain());
        let changes: [fn(&mut Children); 5] = [
            |c| drop(c.insert(Sym::new("b"), leaf("2"))),
            |c| _ = c.get_mut("a"),
            |c| _ = &mut c[0],
            |c| _ = c.values_mut(),
            |c| c.retain(|_, _| true),
        ];
        for change in changes {
            children.set_plain(true);
            change(&mut children);
            assert!(!children.plain());
        }
        children.set_plain(true);
        children.shift_remove("a");
        assert!(children.plain());
    }

    #[test]
    fn a_node_holds_its_children_in_five_words() {
        assert_eq!(std::mem::size_of::<Children>(), 40);
        let one: Children = [(Sym::new("a"), leaf("1"))].into_iter().collect();
        assert_eq!(one.entries.capacity(), 1, "no room kept for a second child");
    }
}
