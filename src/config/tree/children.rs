//! A node's children, keyed by symbol in insertion order: a plain
//! vector for the few children most statements have, found by a scan, with
//! a hash index added only once a node has many (a list of a thousand
//! interfaces). The methods are the part of `IndexMap`'s the tree uses,
//! with its meaning: an insert of a new key goes last, a replaced value
//! keeps its place, and two sets of children are equal when they hold the
//! same keys and values, in any order.
//!
//! Past [`CHUNK`] children the entries are held in shared chunks of about
//! that many, so that a node of sixty thousand interfaces is copied, changed
//! and released a chunk at a time, not an interface at a time: the copy of
//! it an edit makes shares all but the chunk it changes, and a walk of two
//! such nodes side by side (a commit's expansion, check and change) passes
//! over a chunk both share ([`Children::runs`], [`Children::has_run`])
//! without reading what it holds.

use std::collections::hash_map;
use std::fmt;
use std::ops::{Index, IndexMut, Range};
use std::sync::Arc;

use super::{Node, own, own_if_alone};
use crate::config::sym::Sym;

/// Up to this many children are found by a scan; past it, by the index.
const SCANNED: usize = 8;

/// Up to this many children are held in one vector; past it, in chunks of
/// about this many: fewer where entries were taken out, up to twice as many
/// where they were put in. A chunk copied (for an edit of one entry) or
/// walked through (an entry changed) costs this many entries' work.
const CHUNK: usize = 128;

#[derive(Clone, Default)]
pub struct Children {
    entries: Entries,
    /// With more than `SCANNED` entries: each key's place among them,
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

/// The entries in order: in one vector up to `CHUNK` of them, in chunks past it.
#[derive(Clone)]
enum Entries {
    Flat(Vec<Entry>),
    Chunked(Box<Chunks>),
}

#[derive(Clone, Default)]
struct Chunks {
    /// Each chunk's first place.
    starts: Vec<usize>,
    /// Never an empty one.
    list: Vec<Arc<Chunk>>,
    len: usize,
    /// For children an expansion made ([`Building`]): the chunk of written
    /// children each chunk was made from, if one was. Empty otherwise, and
    /// emptied by any change.
    from: Vec<Option<Arc<Chunk>>>,
}

type Chunk = Vec<Entry>;

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

/// Entries that lie together, at places `start` on: a node's one vector,
/// or one of its chunks, which another node's copy of it may share.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub start: usize,
    pub entries: &'a [Entry],
    chunk: Option<&'a Arc<Chunk>>,
    /// The chunk of written children this one was made from.
    from: Option<&'a Arc<Chunk>>,
}

impl Run<'_> {
    /// Whether `other` is this very chunk.
    pub fn is(&self, other: &Run<'_>) -> bool {
        self.chunk.zip(other.chunk).is_some_and(|(a, b)| Arc::ptr_eq(a, b))
    }
}

impl Default for Entries {
    fn default() -> Entries {
        Entries::Flat(Vec::new())
    }
}

impl Entries {
    /// `entries`, chunked if there are more than `CHUNK`.
    fn from_vec(entries: Vec<Entry>) -> Entries {
        if entries.len() <= CHUNK {
            return Entries::Flat(entries);
        }
        let mut list = Vec::with_capacity(entries.len().div_ceil(CHUNK));
        let mut all = entries.into_iter();
        while all.len() > 0 {
            list.push(Arc::new(all.by_ref().take(CHUNK).collect()));
        }
        Entries::Chunked(Box::new(Chunks::from_list(list)))
    }

    fn len(&self) -> usize {
        match self {
            Entries::Flat(entries) => entries.len(),
            Entries::Chunked(chunks) => chunks.len,
        }
    }

    fn get(&self, i: usize) -> Option<&Entry> {
        match self {
            Entries::Flat(entries) => entries.get(i),
            Entries::Chunked(chunks) => (i < chunks.len).then(|| {
                let (c, at) = chunks.locate(i);
                &chunks.list[c][at]
            }),
        }
    }

    /// The entry at `i`, its chunk made this node's own.
    fn get_mut(&mut self, i: usize) -> Option<&mut Entry> {
        match self {
            Entries::Flat(entries) => entries.get_mut(i),
            Entries::Chunked(chunks) => (i < chunks.len).then(|| {
                chunks.from.clear();
                let (c, at) = chunks.locate(i);
                &mut own(&mut chunks.list[c])[at]
            }),
        }
    }

    /// The entries from place `i` on.
    fn iter_from(&self, i: usize) -> Iter<'_> {
        let none: &[Entry] = &[];
        match self {
            Entries::Flat(entries) => Iter {
                front: entries.get(i..).unwrap_or_default().iter(),
                chunks: [].iter(),
                back: none.iter(),
                left: entries.len().saturating_sub(i),
            },
            Entries::Chunked(chunks) if i < chunks.len => {
                let (c, at) = chunks.locate(i);
                Iter {
                    front: chunks.list[c][at..].iter(),
                    chunks: chunks.list[c + 1..].iter(),
                    back: none.iter(),
                    left: chunks.len - i,
                }
            }
            Entries::Chunked(_) => Iter { front: none.iter(), chunks: [].iter(), back: none.iter(), left: 0 },
        }
    }

    fn push(&mut self, entry: Entry) {
        match self {
            Entries::Flat(entries) if entries.len() < CHUNK => {
                make_room(entries);
                entries.push(entry);
            }
            Entries::Flat(_) => {
                self.chunk();
                self.push(entry);
            }
            Entries::Chunked(chunks) => chunks.push(entry),
        }
    }

    fn insert(&mut self, at: usize, entry: Entry) {
        match self {
            Entries::Flat(entries) if entries.len() < CHUNK => {
                make_room(entries);
                entries.insert(at, entry);
            }
            Entries::Flat(_) => {
                self.chunk();
                self.insert(at, entry);
            }
            Entries::Chunked(chunks) => chunks.insert(at, entry),
        }
    }

    fn remove(&mut self, i: usize) -> Entry {
        match self {
            Entries::Flat(entries) => entries.remove(i),
            Entries::Chunked(chunks) => {
                let entry = chunks.remove(i);
                if chunks.len <= CHUNK {
                    self.flatten();
                }
                entry
            }
        }
    }

    /// Keeps the entries `keep` says to; a chunk all of whose entries are
    /// kept stays shared.
    fn retain(&mut self, mut keep: impl FnMut(&Sym, &Arc<Node>) -> bool) {
        match self {
            Entries::Flat(entries) => entries.retain(|(k, v)| keep(k, v)),
            Entries::Chunked(chunks) => {
                let list = std::mem::take(&mut chunks.list).into_iter().filter_map(|chunk| {
                    let kept: Vec<bool> = chunk.iter().map(|(k, v)| keep(k, v)).collect();
                    if kept.iter().all(|&k| k) {
                        return Some(chunk);
                    }
                    let mut kept = kept.into_iter();
                    let left: Chunk = chunk.iter().filter(|_| kept.next() == Some(true)).cloned().collect();
                    (!left.is_empty()).then(|| Arc::new(left))
                });
                **chunks = Chunks::from_list(list.collect());
                if chunks.len <= CHUNK {
                    self.flatten();
                }
            }
        }
    }

    /// A node's one vector, become its first chunk.
    fn chunk(&mut self) {
        if let Entries::Flat(entries) = self {
            let mut first = std::mem::take(entries);
            first.shrink_to(CHUNK);
            *self = Entries::Chunked(Box::new(Chunks::from_list(vec![Arc::new(first)])));
        }
    }

    /// A node's chunks, become one vector.
    fn flatten(&mut self) {
        if let Entries::Chunked(chunks) = self {
            let mut entries = Vec::with_capacity(chunks.len);
            for chunk in std::mem::take(&mut chunks.list) {
                entries.extend(Arc::unwrap_or_clone(chunk));
            }
            *self = Entries::Flat(entries);
        }
    }
}

/// Most statements have one child or a few: no room kept for more.
fn make_room(entries: &mut Vec<Entry>) {
    if entries.len() == entries.capacity() && entries.len() < SCANNED {
        entries.reserve_exact(1);
    }
}

impl Chunks {
    fn from_list(list: Vec<Arc<Chunk>>) -> Chunks {
        let mut starts = Vec::with_capacity(list.len());
        let mut len = 0;
        for chunk in &list {
            starts.push(len);
            len += chunk.len();
        }
        Chunks { starts, list, len, from: Vec::new() }
    }

    fn run(&self, c: usize) -> Run<'_> {
        Run {
            start: self.starts[c],
            entries: &self.list[c],
            chunk: Some(&self.list[c]),
            from: self.from.get(c).and_then(Option::as_ref),
        }
    }

    /// The chunk that holds place `i`, and `i`'s place in it; for `i` one
    /// past the end, the last chunk and its end.
    fn locate(&self, i: usize) -> (usize, usize) {
        let c = self.starts.partition_point(|&start| start <= i).saturating_sub(1);
        (c, i - self.starts[c])
    }

    fn push(&mut self, entry: Entry) {
        self.from.clear();
        match self.list.last_mut() {
            Some(last) if last.len() < CHUNK => own(last).push(entry),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(entry);
                self.starts.push(self.len);
                self.list.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    /// Puts `entry` at place `at` in the chunk that holds it, split in two
    /// once it holds twice `CHUNK`.
    fn insert(&mut self, at: usize, entry: Entry) {
        self.from.clear();
        let (c, place) = self.locate(at);
        let chunk = Arc::make_mut(&mut self.list[c]);
        chunk.insert(place, entry);
        let mut after = c + 1;
        if chunk.len() >= 2 * CHUNK {
            let rest = chunk.split_off(CHUNK);
            self.list.insert(after, Arc::new(rest));
            self.starts.insert(after, self.starts[c] + CHUNK);
            after += 1;
        }
        for start in &mut self.starts[after..] {
            *start += 1;
        }
        self.len += 1;
    }

    fn remove(&mut self, i: usize) -> Entry {
        self.from.clear();
        let (c, place) = self.locate(i);
        let chunk = Arc::make_mut(&mut self.list[c]);
        let entry = chunk.remove(place);
        let after = if chunk.is_empty() {
            self.list.remove(c);
            self.starts.remove(c);
            c
        } else {
            c + 1
        };
        for start in &mut self.starts[after..] {
            *start -= 1;
        }
        self.len -= 1;
        entry
    }
}

impl Children {
    pub fn with_capacity(capacity: usize) -> Children {
        Children {
            entries: Entries::Flat(Vec::with_capacity(capacity.min(CHUNK))),
            index: None,
            plain: false,
        }
    }

    /// Children of `entries` in their order, the index (if it needs one)
    /// made once at its size rather than grown an insert at a time, or
    /// shared with `like` ([`Children::indexed`]). Keys given twice are
    /// taken as [`Children::insert`] takes them.
    fn from_entries(entries: Vec<Entry>, like: Option<&Children>) -> Children {
        if entries.len() <= SCANNED {
            return entries.into_iter().collect();
        }
        Children { entries: Entries::from_vec(entries), index: None, plain: false }.indexed(like)
    }

    /// These children with their index: `like`'s, when its keys are the
    /// first of these in the same places (with the rest added), else made
    /// whole; or, for keys given twice, as inserts would have them.
    fn indexed(mut self, like: Option<&Children>) -> Children {
        self.index = like.and_then(|like| self.index_like(like));
        if self.index.is_none() {
            self.placed(0..self.len());
        }
        if self.index.as_ref().is_some_and(|index| index.len() != self.len()) {
            return self.into_iter().collect();
        }
        self
    }

    fn index_like(&self, like: &Children) -> Option<Arc<Places>> {
        let index = like.index.as_ref()?;
        let known = like.len();
        if known > self.len() {
            return None;
        }
        for run in self.runs().take_while(|run| run.start < known) {
            let upto = run.entries.len().min(known - run.start);
            let same = like.has_run(&run)
                || run.entries[..upto].iter().map(|(key, _)| key).eq(like
                    .entries
                    .iter_from(run.start)
                    .take(upto)
                    .map(|(key, _)| key));
            if !same {
                return None;
            }
        }
        let mut index = Arc::clone(index);
        if self.len() > known {
            let places = Arc::make_mut(&mut index);
            for (i, (key, _)) in self.entries.iter_from(known).enumerate() {
                places.insert(Bits::of(*key), known + i);
            }
        }
        Some(index)
    }

    /// Whether no statement here or below carries a mark (inactive,
    /// annotation, protection) or applies groups: what these children hold
    /// is effective as written wherever no group gives them anything, and
    /// holds no `apply-groups` to check. None is always plain; otherwise
    /// only when known, and `false` when not.
    pub fn plain(&self) -> bool {
        self.plain || self.is_empty()
    }

    /// Says that [`Children::plain`] holds, or may not: for a caller that
    /// knows each child it added or changed.
    pub fn set_plain(&mut self, plain: bool) {
        self.plain = plain;
    }

    /// The entries as they lie: the one vector, or each chunk.
    pub fn runs(&self) -> impl Iterator<Item = Run<'_>> + Clone {
        let (flat, chunks) = match &self.entries {
            Entries::Flat(entries) => (&entries[..], None),
            Entries::Chunked(chunks) => (&[][..], Some(&**chunks)),
        };
        let flat = (!flat.is_empty()).then_some(Run { start: 0, entries: flat, chunk: None, from: None });
        let chunks = chunks.into_iter().flat_map(|chunks| (0..chunks.list.len()).map(|c| chunks.run(c)));
        flat.into_iter().chain(chunks)
    }

    /// These children (an expansion's) made from `run`, a chunk of written
    /// children, if one of them is it or was made from it, looked for
    /// among the few from chunk `next` on: the chunks of an expansion are
    /// made in the order of the written ones. `next` moves past the one
    /// found.
    pub fn made_from(&self, run: &Run<'_>, next: &mut usize) -> Option<Run<'_>> {
        let (Entries::Chunked(chunks), Some(written)) = (&self.entries, run.chunk) else { return None };
        let made = |c: usize| {
            Arc::ptr_eq(&chunks.list[c], written)
                || chunks.from.get(c).and_then(Option::as_ref).is_some_and(|from| Arc::ptr_eq(from, written))
        };
        let c = (*next..chunks.list.len().min(*next + LOOKED_AHEAD)).find(|&c| made(c))?;
        *next = c + 1;
        Some(chunks.run(c))
    }

    /// Whether `run`, of other children, is one of these children's chunks,
    /// at the same places: the same keys there with the very same nodes.
    fn has_run(&self, run: &Run<'_>) -> bool {
        let (Entries::Chunked(chunks), Some(chunk)) = (&self.entries, run.chunk) else { return false };
        chunks.starts.binary_search(&run.start).is_ok_and(|c| Arc::ptr_eq(&chunks.list[c], chunk))
    }

    /// The entries, with their places, but for the chunks `passed` shares.
    pub fn unshared<'a>(
        &'a self,
        passed: Option<&Children>,
    ) -> impl Iterator<Item = (usize, &'a Sym, &'a Arc<Node>)> {
        self.runs().filter(move |run| !passed.is_some_and(|passed| passed.has_run(run))).flat_map(|run| {
            run.entries.iter().enumerate().map(move |(i, (key, child))| (run.start + i, key, child))
        })
    }

    /// How many entries are not in a chunk `passed` shares.
    pub fn unshared_len(&self, passed: &Children) -> usize {
        self.runs().filter(|run| !passed.has_run(run)).map(|run| run.entries.len()).sum()
    }

    /// How many entries at the start, and at the end, these children and
    /// `other` share as chunks: the same keys with the very same nodes,
    /// where all that lies between may differ.
    pub fn shared_ends(&self, other: &Children) -> (usize, usize) {
        let (Entries::Chunked(a), Entries::Chunked(b)) = (&self.entries, &other.entries) else {
            return (0, 0);
        };
        let same = |(x, y): &(&Arc<Chunk>, &Arc<Chunk>)| Arc::ptr_eq(x, y);
        let lead = a.list.iter().zip(&b.list).take_while(same).count();
        let most = a.list.len().min(b.list.len()) - lead;
        let trail = a.list.iter().rev().zip(b.list.iter().rev()).take(most).take_while(same).count();
        let lead_len = a.starts.get(lead).copied().unwrap_or(a.len);
        let trail_len = if trail == 0 { 0 } else { a.len - a.starts[a.list.len() - trail] };
        (lead_len, trail_len)
    }

    /// Whether `other` holds the same keys in the same places, each with
    /// the very same node.
    pub fn same_entries(&self, other: &Children) -> bool {
        self.len() == other.len()
            && self.runs().all(|run| {
                other.has_run(&run)
                    || run
                        .entries
                        .iter()
                        .zip(other.entries.iter_from(run.start))
                        .all(|((k, a), (l, b))| k == l && Arc::ptr_eq(a, b))
            })
    }

    /// The entries from place `i` on.
    pub fn iter_from(&self, i: usize) -> Iter<'_> {
        self.entries.iter_from(i)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get_index_of<K: AsRef<str> + ?Sized>(&self, key: &K) -> Option<usize> {
        let key = key.as_ref();
        match &self.index {
            Some(index) => index.get(&Bits::of(Sym::existing(key)?)).copied(),
            None => self.iter().position(|(k, _)| k.as_str() == key),
        }
    }

    /// [`Children::get_index_of`] for a key already a symbol: a scan
    /// compares two words, not text.
    pub fn index_of_sym(&self, key: Sym) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&Bits::of(key)).copied(),
            None => self.iter().position(|(k, _)| *k == key),
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
        self.get_index_of(key).map(|i| &self[i])
    }

    pub fn get_mut<K: AsRef<str> + ?Sized>(&mut self, key: &K) -> Option<&mut Arc<Node>> {
        self.plain = false;
        self.get_index_of(key).map(|i| &mut self[i])
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
        // `make` is called only where the key is not, so the value is
        // taken once at most, and is still there where it is.
        let mut value = Some(value);
        match self.find_or_push(key, || value.take().unwrap_or_default()) {
            Ok(i) => (i, value.map(|value| std::mem::replace(&mut self[i], value))),
            Err(i) => (i, None),
        }
    }

    /// Room for `more` entries, as many as fit in one vector.
    pub fn reserve(&mut self, more: usize) {
        if let Entries::Flat(entries) = &mut self.entries {
            entries.reserve_exact(more.min(CHUNK.saturating_sub(entries.len())));
        }
    }

    /// Where `key` is (`Ok`), or where what `make` makes was put last
    /// under it (`Err`). The index is probed once for both: most keys a
    /// large text names are new, and each probe of a large index is a miss
    /// of the cache.
    pub fn find_or_push(&mut self, key: Sym, make: impl FnOnce() -> Arc<Node>) -> Result<usize, usize> {
        let at = self.len();
        let indexed = match self.index.as_mut().and_then(own_if_alone) {
            Some(places) => match places.entry(Bits::of(key)) {
                hash_map::Entry::Occupied(place) => return Ok(*place.get()),
                hash_map::Entry::Vacant(place) => {
                    place.insert(at);
                    true
                }
            },
            None => match self.index_of_sym(key) {
                Some(i) => return Ok(i),
                None => false,
            },
        };
        self.entries.push((key, make()));
        self.plain = false;
        if !indexed {
            self.placed(at..at + 1);
        }
        Err(at)
    }

    /// Puts `key` at `at` (moving it there if it is present, with `value`);
    /// the old value.
    pub fn shift_insert(&mut self, at: usize, key: Sym, value: Arc<Node>) -> Option<Arc<Node>> {
        self.plain = false;
        // Only the entries between the old place and the new one move.
        let (moved, old) = match self.index_of_sym(key) {
            Some(i) => (i.min(at)..i.max(at) + 1, Some(self.entries.remove(i).1)),
            None => (at..self.len() + 1, None),
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
        if i >= self.len() {
            return None;
        }
        let (key, value) = self.entries.remove(i);
        if let Some(index) = &mut self.index {
            Arc::make_mut(index).remove(&Bits::of(key));
        }
        self.placed(i..self.len());
        Some((key, value))
    }

    /// Keeps the entries `keep` says to, in their order.
    pub fn retain(&mut self, keep: impl FnMut(&Sym, &Arc<Node>) -> bool) {
        self.plain = false;
        let before = self.len();
        self.entries.retain(keep);
        if self.len() != before && self.index.is_some() {
            self.index = None;
            self.placed(0..self.len());
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter_from(0)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Sym> + ExactSizeIterator + Clone {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Arc<Node>> + ExactSizeIterator + Clone {
        self.iter().map(|(_, v)| v)
    }

    /// Each child, made this node's own to change: every chunk is copied
    /// that is shared.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Arc<Node>> {
        self.plain = false;
        let (flat, list): (&mut [Entry], &mut [Arc<Chunk>]) = match &mut self.entries {
            Entries::Flat(entries) => (entries, &mut []),
            Entries::Chunked(chunks) => {
                chunks.from.clear();
                (&mut [], &mut chunks.list)
            }
        };
        flat.iter_mut()
            .chain(list.iter_mut().flat_map(|chunk| Arc::make_mut(chunk).iter_mut()))
            .map(|(_, v)| v)
    }

    /// Brings the index up to date after the entries in `moved` (and only
    /// they) took new places: a node past `SCANNED` entries has one, made
    /// whole when it first gets there; a node below has none.
    fn placed(&mut self, moved: Range<usize>) {
        let len = self.len();
        if len <= SCANNED {
            self.index = None;
            return;
        }
        let index = own(self
            .index
            .get_or_insert_with(|| Arc::new(Places::with_capacity_and_hasher(len, Default::default()))));
        let moved = if index.is_empty() { 0..len } else { moved };
        for (i, (key, _)) in self.entries.iter_from(moved.start).take(moved.len()).enumerate() {
            index.insert(Bits::of(*key), moved.start + i);
        }
    }
}

/// How many chunks on an expansion's are looked at for the one made from
/// a written chunk: they are in step but for chunks made of nothing.
const LOOKED_AHEAD: usize = 4;

/// Children made in order, from entries one at a time and from runs of
/// other children, whose chunks are shared rather than copied. What is
/// made of one written chunk ([`Building::begin_run`] to
/// [`Building::end_run`]) is a chunk of its own, that records it.
pub struct Building {
    chunks: Chunks,
    pending: Vec<Entry>,
}

impl Building {
    /// Room for about `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Building {
        Building { chunks: Chunks::default(), pending: Vec::with_capacity(capacity.min(CHUNK)) }
    }

    /// The first `upto` entries of `children`, to go on from.
    pub fn prefix(children: &Children, upto: usize, capacity: usize) -> Building {
        let mut out = Building::with_capacity(capacity);
        for run in children.runs().take_while(|run| run.start < upto) {
            if run.start + run.entries.len() <= upto {
                out.push_run(run);
            } else {
                for (key, child) in &run.entries[..upto - run.start] {
                    out.push(*key, Arc::clone(child));
                }
            }
        }
        out
    }

    /// One entry more. Entries not made of a written chunk go in chunks
    /// of `CHUNK`; those of one, in as many as it had.
    pub fn push(&mut self, key: Sym, value: Arc<Node>) {
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(CHUNK);
        }
        self.pending.push((key, value));
        if self.pending.len() == 2 * CHUNK - 1 {
            self.flush(None);
        }
    }

    /// The entries of `run`, its chunk shared if it is one.
    pub fn push_run(&mut self, run: Run<'_>) {
        match run.chunk {
            Some(chunk) => {
                self.flush(None);
                self.add(Arc::clone(chunk), run.from.cloned());
            }
            None => {
                for (key, child) in run.entries {
                    self.push(*key, Arc::clone(child));
                }
            }
        }
    }

    /// What is pushed from here to [`Building::end_run`] is made of one run.
    pub fn begin_run(&mut self) {
        self.flush(None);
    }

    /// What was pushed since [`Building::begin_run`] was made of `run`.
    pub fn end_run(&mut self, run: Run<'_>) {
        self.flush(run.chunk.cloned());
    }

    fn flush(&mut self, from: Option<Arc<Chunk>>) {
        if !self.pending.is_empty() {
            let chunk = std::mem::take(&mut self.pending);
            self.add(Arc::new(chunk), from);
        }
    }

    fn add(&mut self, chunk: Arc<Chunk>, from: Option<Arc<Chunk>>) {
        let chunks = &mut self.chunks;
        if from.is_some() && chunks.from.is_empty() {
            chunks.from.resize(chunks.list.len(), None);
        }
        if from.is_some() || !chunks.from.is_empty() {
            chunks.from.push(from);
        }
        chunks.starts.push(chunks.len);
        chunks.len += chunk.len();
        chunks.list.push(chunk);
    }

    /// The children made, their index shared with `like` where it has the
    /// same keys in the same places.
    pub fn finish(mut self, like: Option<&Children>) -> Children {
        if self.chunks.len + self.pending.len() <= CHUNK {
            let mut entries = Vec::with_capacity(self.chunks.len + self.pending.len());
            for chunk in self.chunks.list {
                entries.extend(chunk.iter().cloned());
            }
            entries.append(&mut self.pending);
            return Children::from_entries(entries, like);
        }
        self.flush(None);
        let entries = Entries::Chunked(Box::new(self.chunks));
        Children { entries, index: None, plain: false }.indexed(like)
    }
}

/// The entries in order, each a key and its child.
#[derive(Clone)]
pub struct Iter<'a> {
    front: std::slice::Iter<'a, Entry>,
    chunks: std::slice::Iter<'a, Arc<Chunk>>,
    back: std::slice::Iter<'a, Entry>,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Sym, &'a Arc<Node>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((k, v)) = self.front.next() {
                self.left -= 1;
                return Some((k, v));
            }
            match self.chunks.next() {
                Some(chunk) => self.front = chunk.iter(),
                None => {
                    let (k, v) = self.back.next()?;
                    self.left -= 1;
                    return Some((k, v));
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((k, v)) = self.back.next_back() {
                self.left -= 1;
                return Some((k, v));
            }
            match self.chunks.next_back() {
                Some(chunk) => self.back = chunk.iter(),
                None => {
                    let (k, v) = self.front.next_back()?;
                    self.left -= 1;
                    return Some((k, v));
                }
            }
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl Index<usize> for Children {
    type Output = Arc<Node>;
    fn index(&self, index: usize) -> &Arc<Node> {
        match self.entries.get(index) {
            Some((_, child)) => child,
            None => panic!("no child at {index} of {}", self.len()),
        }
    }
}

impl IndexMut<usize> for Children {
    fn index_mut(&mut self, index: usize) -> &mut Arc<Node> {
        self.plain = false;
        let len = self.len();
        match self.entries.get_mut(index) {
            Some((_, child)) => child,
            None => panic!("no child at {index} of {len}"),
        }
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
        self.len() == other.len()
            && self
                .runs()
                .all(|run| other.has_run(&run) || run.entries.iter().all(|(k, v)| other.get(k) == Some(v)))
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
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Chunk>>;
    fn into_iter(self) -> Self::IntoIter {
        let chunks = match self.entries {
            Entries::Flat(entries) => vec![entries],
            Entries::Chunked(chunks) => chunks.list.into_iter().map(Arc::unwrap_or_clone).collect(),
        };
        chunks.into_iter().flatten()
    }
}

impl<'a> IntoIterator for &'a Children {
    type Item = (&'a Sym, &'a Arc<Node>);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
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

    fn many(count: usize) -> Children {
        (0..count).map(|n| (Sym::new(&name(n)), leaf(&format!("v{n}")))).collect()
    }

    /// What the representation promises: one vector exactly up to `CHUNK`
    /// entries, chunks past it, none empty, each starting where the one
    /// before it ends; an index of every key exactly past `SCANNED`.
    fn well_formed(children: &Children) {
        match &children.entries {
            Entries::Flat(entries) => assert!(entries.len() <= CHUNK),
            Entries::Chunked(chunks) => {
                assert!(chunks.len > CHUNK);
                let mut start = 0;
                for (chunk, &at) in chunks.list.iter().zip(&chunks.starts) {
                    assert!(!chunk.is_empty() && chunk.len() < 2 * CHUNK);
                    assert_eq!(at, start);
                    start += chunk.len();
                }
                assert_eq!(chunks.starts.len(), chunks.list.len());
                assert_eq!(start, chunks.len);
            }
        }
        let indexed = children.index.as_ref().map(|index| index.len());
        assert_eq!(indexed, (children.len() > SCANNED).then_some(children.len()));
    }

    /// Random inserts, moves and removals, small, past the index and past a
    /// chunk, keep the same keys, values and order as `IndexMap` given the
    /// same, on children copied as they go (so that chunks and the index are
    /// shared, and a change copies what it changes).
    #[test]
    fn edits_keep_the_order_and_lookups_of_an_index_map() {
        let mut rng = Rng::new(24);
        for round in 0..240 {
            let (mut ours, mut theirs) = (Children::default(), IndexMap::<Sym, Arc<Node>>::new());
            let keys = if round < 200 { 1 + round % 30 } else { 2 * CHUNK + round % 7 * CHUNK };
            let mut copies = Vec::new();
            for step in 0..if round < 200 { 100 } else { 1500 } {
                let key = Sym::new(&name(rng.below(keys)));
                let value = leaf(&format!("v{step}"));
                match rng.below(9) {
                    0..=3 => assert_eq!(ours.insert(key, value.clone()), theirs.insert(key, value)),
                    7 => match (ours.find_or_push(key, || value.clone()), theirs.get_index_of(&key)) {
                        (Ok(at), Some(place)) => assert_eq!(at, place),
                        (Err(at), None) => assert_eq!(theirs.insert_full(key, value), (at, None)),
                        (found, place) => panic!("{found:?}, in the map at {place:?}"),
                    },
                    4 if !theirs.is_empty() => {
                        let at = rng.below(theirs.len());
                        let at = if theirs.contains_key(&key) { at } else { at.min(theirs.len()) };
                        ours.shift_insert(at, key, value.clone());
                        theirs.shift_insert(at, key, value);
                    }
                    5 => assert_eq!(ours.shift_remove(&key), theirs.shift_remove(&key)),
                    6 if !theirs.is_empty() => {
                        let at = rng.below(theirs.len());
                        assert_eq!(ours.shift_remove_index(at), theirs.shift_remove_index(at));
                    }
                    _ => {
                        let drop = rng.below(keys);
                        ours.retain(|k, _| k.as_str() != name(drop));
                        theirs.retain(|k, _| k.as_str() != name(drop));
                    }
                }
                if step % 10 == 0 {
                    copies.push((ours.clone(), theirs.clone()));
                }
                if round >= 200 && step % 50 != 0 {
                    continue;
                }
                assert!(ours.iter().eq(theirs.iter()), "round {round} step {step}");
                assert!(ours.iter().rev().eq(theirs.iter().rev()), "round {round} step {step}");
                well_formed(&ours);
                for n in 0..keys {
                    let key = name(n);
                    assert_eq!(ours.get_index_of(&key), theirs.get_index_of(key.as_str()));
                    let near = rng.below(ours.len() + 1);
                    assert_eq!(ours.index_of_near(Sym::new(&key), near), theirs.get_index_of(key.as_str()));
                }
                let from = rng.below(ours.len() + 1);
                assert!(ours.iter_from(from).eq(theirs.iter().skip(from)));
                let rebuilt = Children::from_entries(ours.clone().into_iter().collect(), None);
                assert!(rebuilt.iter().eq(ours.iter()), "round {round} step {step}");
                well_formed(&rebuilt);
                // Text no symbol was ever made of is found nowhere.
                assert_eq!(ours.get_index_of("a key this test never makes a symbol of"), None);
            }
            // An edit of the children is never seen in a copy made before.
            for (copy, then) in &copies {
                assert!(copy.iter().eq(then.iter()), "round {round}");
                well_formed(copy);
            }
        }
    }

    /// A key given twice keeps its first place and takes its last value,
    /// as inserts would, with or without an index or chunks.
    #[test]
    fn children_made_at_once_take_a_key_given_twice_as_inserts_do() {
        for count in [3, SCANNED + 3, CHUNK + 3, 3 * CHUNK] {
            let mut entries: Vec<Entry> = (0..count).map(|n| (Sym::new(&name(n)), leaf("first"))).collect();
            entries.push((Sym::new(&name(1)), leaf("last")));
            let inserted: Children = entries.clone().into_iter().collect();
            let made = Children::from_entries(entries.clone(), None);
            assert!(made.iter().eq(inserted.iter()));
            assert_eq!(made.len(), count);
            assert_eq!(made.get(&name(1)), Some(&leaf("last")));
            well_formed(&made);
            let mut building = Building::with_capacity(0);
            for (key, value) in entries {
                building.push(key, value);
            }
            let built = building.finish(None);
            assert!(built.iter().eq(inserted.iter()));
            well_formed(&built);
        }
    }

    /// A copy of a large node with one entry changed shares every chunk
    /// but that entry's: the walks of the two side by side read that one.
    #[test]
    fn a_copy_with_one_entry_changed_shares_all_chunks_but_one() {
        let before = many(10 * CHUNK);
        let mut after = before.clone();
        let changed = Sym::new(&name(5 * CHUNK + 3));
        after.insert(changed, leaf("changed"));
        let unshared: Vec<_> = after.unshared(Some(&before)).map(|(place, key, _)| (place, *key)).collect();
        assert_eq!(unshared.len(), CHUNK);
        assert!(unshared.contains(&(5 * CHUNK + 3, changed)));
        assert_eq!(after.unshared_len(&before), CHUNK);
        assert_eq!(after.shared_ends(&before), (5 * CHUNK, 4 * CHUNK));
        assert!(!after.same_entries(&before) && before.same_entries(&before.clone()));
        assert_ne!(after, before);
        assert!(Arc::ptr_eq(before.index.as_ref().unwrap(), after.index.as_ref().unwrap()));

        // One taken out: the chunks after it are still shared, a place on.
        let mut fewer = before.clone();
        fewer.shift_remove(&name(3));
        assert_eq!(fewer.shared_ends(&before), (0, 9 * CHUNK));
        assert!(fewer.iter().eq(before.iter().filter(|(key, _)| key.as_str() != name(3))));
        // Nothing changed: all shared, none read.
        assert_eq!(before.clone().unshared(Some(&before)).count(), 0);
        assert_eq!(before.shared_ends(&before.clone()), (10 * CHUNK, 0));
        // Small children have no chunks to share.
        let small = many(CHUNK);
        assert_eq!(small.unshared(Some(&small.clone())).count(), CHUNK);
        assert_eq!(small.shared_ends(&small.clone()), (0, 0));
        assert!(small.same_entries(&small.clone()));
    }

    /// Children built from another's runs share its chunks, and the index
    /// of the children they are like where the keys are in the same places.
    #[test]
    fn building_from_runs_shares_chunks_and_the_index() {
        let written = many(4 * CHUNK + 5);
        let mut building = Building::prefix(&written, 2 * CHUNK + 1, written.len());
        for (place, key, child) in written.unshared(None).skip(2 * CHUNK + 1) {
            if place == 2 * CHUNK + 1 {
                building.push(*key, leaf("made"));
            } else {
                building.push(*key, Arc::clone(child));
            }
        }
        let built = building.finish(Some(&written));
        assert!(built.keys().eq(written.keys()));
        assert_eq!(built[2 * CHUNK + 1], leaf("made"));
        assert_eq!(built.unshared_len(&written), 2 * CHUNK + 5);
        assert!(Arc::ptr_eq(built.index.as_ref().unwrap(), written.index.as_ref().unwrap()));
        well_formed(&built);

        // One more at the end: the index is the one it was like, with it added.
        let mut building = Building::with_capacity(0);
        written.runs().for_each(|run| building.push_run(run));
        building.push(Sym::new("one more"), leaf("x"));
        let longer = building.finish(Some(&written));
        assert_eq!(longer.get_index_of("one more"), Some(written.len()));
        assert_eq!(longer.unshared_len(&written), 1);
        well_formed(&longer);

        // Built small again: one vector.
        let small = Building::prefix(&written, CHUNK - 1, 0).finish(Some(&written));
        assert!(small.keys().eq(written.keys().take(CHUNK - 1)));
        well_formed(&small);
    }

    #[test]
    fn equal_children_may_be_in_another_order() {
        let a: Children = [(Sym::new("a"), leaf("1")), (Sym::new("b"), leaf("2"))].into_iter().collect();
        let b: Children = [(Sym::new("b"), leaf("2")), (Sym::new("a"), leaf("1"))].into_iter().collect();
        assert_eq!(a, b);
        assert!(a.keys().eq(["a", "b"].iter()));
        let c: Children = [(Sym::new("b"), leaf("2")), (Sym::new("a"), leaf("3"))].into_iter().collect();
        assert_ne!(a, c);
        let large = many(3 * CHUNK);
        let reversed: Children = large.iter().rev().map(|(k, v)| (*k, v.clone())).collect();
        assert_eq!(large, reversed);
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

    /// Room made for children about to be put is what they take, and
    /// never more than one vector holds.
    #[test]
    fn room_is_made_for_the_children_to_come_within_a_vector() {
        let mut children = Children::default();
        children.reserve(3);
        for n in 0..3 {
            children.insert(Sym::new(&name(n)), leaf("1"));
        }
        let Entries::Flat(entries) = &children.entries else { panic!("three children, chunked") };
        assert_eq!(entries.capacity(), 3);
        children.reserve(10 * CHUNK);
        let Entries::Flat(entries) = &children.entries else { panic!("three children, chunked") };
        assert_eq!(entries.capacity(), CHUNK);
        let mut large = many(2 * CHUNK);
        large.reserve(CHUNK);
        assert!(large.keys().eq(many(2 * CHUNK).keys()));
        well_formed(&large);
    }

    #[test]
    fn a_node_holds_its_children_in_five_words() {
        assert_eq!(std::mem::size_of::<Children>(), 40);
        let one: Children = [(Sym::new("a"), leaf("1"))].into_iter().collect();
        let Entries::Flat(entries) = &one.entries else { panic!("one child, chunked") };
        assert_eq!(entries.capacity(), 1, "no room kept for a second child");
    }
}
