//! Symbols for the configuration tree's keys and values: a [`Sym`] is two
//! words, copied freely. Text of up to sixteen bytes (most of a
//! configuration's names, addresses, prefixes and numbers) is held in the
//! symbol itself; longer text is interned, held once per process, and the
//! symbol holds its address. Either way a million-line configuration has no
//! allocation per key or value, and two symbols compare as two words.
//!
//! The table only grows: a string once configured stays for the life of the
//! process. A router's configurations (the committed one, candidates,
//! rollbacks) share most of their words, so the table stays near the size of
//! one configuration's distinct long words.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::sync::{LazyLock, Mutex};

/// A string held in place or interned: copied freely, compared as its two
/// words, hashed and ordered as its text (so a map keyed by `Sym` is looked
/// up by `&str`).
#[derive(Clone, Copy)]
pub struct Sym(Repr);

/// The two words of a symbol. The last byte tells them apart: for text of
/// up to fifteen bytes held in place, [`HELD`] and the length; for sixteen
/// bytes held in place, the last of them, an ASCII character other than NUL;
/// for interned text, the top byte of its length, which is zero (no text is
/// 2^56 bytes long).
#[derive(Clone, Copy)]
#[repr(C)]
union Repr {
    interned: &'static str,
    held: [u8; 16],
}

// The last byte is the top byte of an interned text's length only where a
// `&str` is two little-endian words.
const _: () = assert!(std::mem::size_of::<&str>() == 16 && cfg!(target_endian = "little"));

/// Text this long or shorter is held in the symbol with its length, never
/// in the table.
const INLINE: usize = 15;
const HELD: u8 = 0x80;

/// Whether `text` is held in the symbol: fifteen bytes or fewer, or sixteen
/// whose last byte cannot be mistaken for a tag (see [`Repr`]).
const fn held_in_place(text: &[u8]) -> bool {
    text.len() <= INLINE || (text.len() == 16 && matches!(text[15], 0x01..=0x7f))
}

/// Strings are copied into chunks this big, so that a word costs its bytes
/// and not an allocation of its own.
const CHUNK: usize = 64 * 1024;

struct Table {
    /// Each word once, found by its hash: one probe finds it or its place.
    words: hashbrown::HashTable<&'static str>,
    /// What is left of the shard's current chunk.
    free: &'static mut [u8],
}

/// The table is split by hash into shards, each locked on its own, so that
/// threads reading parts of one text apart rarely wait for each other.
const SHARDS: usize = 16;

static TABLES: LazyLock<[Mutex<Table>; SHARDS]> = LazyLock::new(|| {
    std::array::from_fn(|_| Mutex::new(Table { words: hashbrown::HashTable::new(), free: &mut [] }))
});

static HASHER: LazyLock<foldhash::fast::RandomState> = LazyLock::new(Default::default);

impl Sym {
    pub const EMPTY: Sym = Sym::held(b"");

    /// The symbol for `text`: held in place if short, else added to the
    /// table if new.
    pub fn new(text: &str) -> Sym {
        if held_in_place(text.as_bytes()) {
            return Sym::held_now(text.as_bytes());
        }
        let hasher = &*HASHER;
        let hash = hasher.hash_one(text);
        let mut table = shard(hash);
        let Table { words, free } = &mut *table;
        let word = match words.entry(hash, |word| *word == text, |word| hasher.hash_one(word)) {
            hashbrown::hash_table::Entry::Occupied(found) => *found.get(),
            hashbrown::hash_table::Entry::Vacant(place) => *place.insert(store(free, text)).get(),
        };
        Sym(Repr { interned: word })
    }

    /// The symbol for `text` if it is held in place: made without the table.
    pub fn in_place(text: &str) -> Option<Sym> {
        held_in_place(text.as_bytes()).then(|| Sym::held_now(text.as_bytes()))
    }

    /// The symbol for `text` if there is one: held in place if short, else
    /// only if the table has it. A text never interned is no key of any tree.
    pub fn existing(text: &str) -> Option<Sym> {
        if held_in_place(text.as_bytes()) {
            return Some(Sym::held_now(text.as_bytes()));
        }
        let hash = HASHER.hash_one(text);
        shard(hash).words.find(hash, |word| *word == text).map(|&word| Sym(Repr { interned: word }))
    }

    /// [`Sym::held`] at run time: the bytes read as words, at most two,
    /// overlapping where they are fewer than the words hold. Copied onto
    /// the stack a length unknown and read back as words, they would wait
    /// on the copy's bytes (most of a keyword's lookup, measured).
    fn held_now(bytes: &[u8]) -> Sym {
        let word = |at: usize| bytes[at..].first_chunk().map_or(0, |&b| u64::from_le_bytes(b));
        let half = |at: usize| bytes[at..].first_chunk().map_or(0, |&b| u64::from(u32::from_le_bytes(b)));
        let len = bytes.len();
        let (low, high) = match len {
            8.. => (word(0), word(len - 8).checked_shr(((16 - len) * 8) as u32).unwrap_or(0)),
            4.. => (half(0) | half(len - 4) << ((len - 4) * 8), 0),
            _ => (bytes.iter().rev().fold(0, |low, &b| low << 8 | u64::from(b)), 0),
        };
        let tag = if len <= INLINE { u64::from(HELD | len as u8) << 56 } else { 0 };
        let bits = u128::from(high | tag) << 64 | u128::from(low);
        Sym(Repr { held: bits.to_le_bytes() })
    }

    /// `bytes`, of a str and [`held_in_place`], held in place; the bytes
    /// after them zero, so that equal text is equal words.
    const fn held(bytes: &[u8]) -> Sym {
        let mut held = [0; 16];
        held.split_at_mut(bytes.len()).0.copy_from_slice(bytes);
        if bytes.len() <= INLINE {
            held[15] = HELD | bytes.len() as u8;
        }
        Sym(Repr { held })
    }

    fn words(&self) -> [u8; 16] {
        // SAFETY: both views are sixteen initialised bytes: a `&str` has no
        // padding, and its bytes are read as bytes, not as a pointer.
        unsafe { self.0.held }
    }

    /// The symbol's two words as one number: equal for equal text, so a
    /// map of symbols keyed by it finds one without hashing its text.
    pub fn bits(&self) -> u128 {
        u128::from_le_bytes(self.words())
    }

    pub fn as_str(&self) -> &str {
        let words = self.words();
        let tag = words[15];
        if tag == 0 {
            // SAFETY: a symbol whose last byte is clear was made of an
            // interned `&'static str`.
            unsafe { self.0.interned }
        } else {
            let len = if tag & HELD != 0 { usize::from(tag & !HELD) } else { 16 };
            // SAFETY: `held` copied `len` bytes of a str here, and `self`
            // holds them for as long as the borrow.
            unsafe { std::str::from_utf8_unchecked(&self.0.held[..len]) }
        }
    }
}

/// The shard of the table that holds text of `hash`, locked: picked by
/// bits its own table does not place by (it uses the low bits for the
/// bucket and the top seven to tell words apart). A panic elsewhere while
/// it was held leaves it whole: a word is added in one step.
fn shard(hash: u64) -> std::sync::MutexGuard<'static, Table> {
    TABLES[(hash >> 32) as usize % SHARDS].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Copies `text` into what is left of the current chunk, `free`, or into a
/// new one.
fn store(free: &mut &'static mut [u8], text: &str) -> &'static str {
    let bytes: &'static mut [u8] = if text.len() > CHUNK / 8 {
        Box::leak(text.as_bytes().to_vec().into_boxed_slice())
    } else {
        if free.len() < text.len() {
            *free = Box::leak(vec![0; CHUNK].into_boxed_slice());
        }
        let (word, rest) = std::mem::take(free).split_at_mut(text.len());
        *free = rest;
        word.copy_from_slice(text.as_bytes());
        word
    };
    std::str::from_utf8(bytes).unwrap_or_else(|_| unreachable!("copied from a str"))
}

impl Default for Sym {
    fn default() -> Sym {
        Sym::EMPTY
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        // Short text is held in place, the rest once in the table: the
        // same text makes the same words.
        self.words() == other.words()
    }
}

impl Eq for Sym {}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sym {
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Sym {
    fn from(text: &str) -> Sym {
        Sym::new(text)
    }
}

impl From<&String> for Sym {
    fn from(text: &String) -> Sym {
        Sym::new(text)
    }
}

impl From<String> for Sym {
    fn from(text: String) -> Sym {
        Sym::new(&text)
    }
}

impl From<Sym> for String {
    fn from(sym: Sym) -> String {
        sym.as_str().to_owned()
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Sym> for str {
    fn eq(&self, other: &Sym) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self == other.as_str()
    }
}

/// A statement's values: held inline when there is one (a leaf), the
/// common case, so a leaf costs no allocation for its value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Values {
    One(Sym),
    Many(Vec<Sym>),
}

impl Values {
    pub const fn new() -> Values {
        Values::Many(Vec::new())
    }

    pub fn push(&mut self, value: Sym) {
        match self {
            Values::Many(many) if many.is_empty() => *self = Values::One(value),
            Values::Many(many) => many.push(value),
            Values::One(one) => *self = Values::Many(vec![*one, value]),
        }
    }

    pub fn clear(&mut self) {
        *self = Values::new();
    }

    pub fn retain(&mut self, keep: impl FnMut(&Sym) -> bool) {
        let mut all = std::mem::take(self).into_vec();
        all.retain(keep);
        *self = all.into();
    }

    pub fn into_vec(self) -> Vec<Sym> {
        match self {
            Values::One(one) => vec![one],
            Values::Many(many) => many,
        }
    }

    pub fn as_slice(&self) -> &[Sym] {
        self
    }
}

impl Default for Values {
    fn default() -> Values {
        Values::new()
    }
}

impl Deref for Values {
    type Target = [Sym];
    fn deref(&self) -> &[Sym] {
        match self {
            Values::One(one) => std::slice::from_ref(one),
            Values::Many(many) => many,
        }
    }
}

impl DerefMut for Values {
    fn deref_mut(&mut self) -> &mut [Sym] {
        match self {
            Values::One(one) => std::slice::from_mut(one),
            Values::Many(many) => many,
        }
    }
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<Sym>> for Values {
    fn from(mut all: Vec<Sym>) -> Values {
        match all.len() {
            1 => Values::One(all[0]),
            _ => {
                all.shrink_to_fit();
                Values::Many(all)
            }
        }
    }
}

impl From<&[Sym]> for Values {
    fn from(all: &[Sym]) -> Values {
        match all {
            [one] => Values::One(*one),
            _ => Values::Many(all.to_vec()),
        }
    }
}

impl<S: Into<Sym>> FromIterator<S> for Values {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Values {
        iter.into_iter().map(Into::into).collect::<Vec<Sym>>().into()
    }
}

impl IntoIterator for Values {
    type Item = Sym;
    type IntoIter = std::vec::IntoIter<Sym>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a Values {
    type Item = &'a Sym;
    type IntoIter = std::slice::Iter<'a, Sym>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: AsRef<str>> PartialEq<[T]> for Values {
    fn eq(&self, other: &[T]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.as_str() == b.as_ref())
    }
}

impl<T: AsRef<str>, const N: usize> PartialEq<[T; N]> for Values {
    fn eq(&self, other: &[T; N]) -> bool {
        *self == other[..]
    }
}

impl<T: AsRef<str>> PartialEq<Vec<T>> for Values {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self == other[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_read_as_words_is_held_as_text_copied() {
        let text = "abcdefghijklmnop";
        for end in 0..=16 {
            for start in 0..=end {
                let bytes = &text.as_bytes()[start..end];
                assert_eq!(Sym::held_now(bytes).bits(), Sym::held(bytes).bits(), "{:?}", &text[start..end]);
                assert_eq!(Sym::held_now(bytes).as_str(), &text[start..end]);
            }
        }
    }

    #[test]
    fn one_text_is_one_symbol_looked_up_by_its_text() {
        for text in ["ge-0/0/0", "fifteen bytes !", "sixteen bytes !!", "ge-0/0/0.32767 long name"] {
            let (a, b) = (Sym::new(text), Sym::new(&String::from(text)));
            assert_eq!(a, b);
            assert_eq!(a.as_str(), text);
            assert_ne!(a, Sym::new(&format!("{text}1")));
            assert_ne!(a, Sym::new(&text[1..]));
            let mut map = indexmap::IndexMap::new();
            map.insert(a, 1);
            assert_eq!(map.get(text), Some(&1));
            assert_eq!(Sym::existing(text).map(|s| s.bits()), Some(a.bits()));
        }
        assert_eq!(Sym::existing("text of no symbol, too long to hold"), None);
        assert_eq!(Sym::existing("short").map(String::from).as_deref(), Some("short"));
        // Long text is held once; short text in the symbol itself.
        let long = "ge-0/0/0.32767 long name";
        assert_eq!(Sym::new(long).as_ptr(), Sym::new(&String::from(long)).as_ptr());
        let short = Sym::new("ge-0/0/0");
        assert!(std::ptr::eq(short.as_ptr(), std::ptr::from_ref(&short).cast()));
        // Sixteen bytes are held in place when the last is plain ASCII, and
        // interned when it could be taken for a tag.
        for text in ["192.168.100.0/24", "fifteen bytes !\u{7f}"] {
            let held = Sym::new(text);
            assert_eq!((held.as_str(), held), (text, Sym::new(&String::from(text))));
            assert!(std::ptr::eq(held.as_ptr(), std::ptr::from_ref(&held).cast()));
        }
        for text in ["thirteen byte é", "fifteen bytes !\0"] {
            assert_eq!(text.len(), 16);
            let sym = Sym::new(text);
            assert_eq!(sym.as_str(), text);
            assert_eq!(sym.as_ptr(), Sym::new(&String::from(text)).as_ptr());
            assert!(!std::ptr::eq(sym.as_ptr(), std::ptr::from_ref(&sym).cast()));
        }
        assert_eq!(Sym::new(""), Sym::default());
        assert_eq!(Sym::default().as_str(), "");
        let huge = "x".repeat(CHUNK);
        assert_eq!(Sym::new(&huge).as_str(), huge);
        let mut sorted = [Sym::new("b"), Sym::new(long), Sym::new("a"), Sym::new("ge-0/0/0")];
        sorted.sort();
        assert_eq!(sorted.map(String::from), ["a", "b", "ge-0/0/0", long]);
        assert_eq!(std::mem::size_of::<Sym>(), 16);
    }

    #[test]
    fn one_value_is_held_inline_and_more_in_a_vec() {
        let mut values = Values::new();
        assert!(values.is_empty());
        values.push(Sym::new("a"));
        assert!(matches!(values, Values::One(_)));
        values.push(Sym::new("b"));
        assert_eq!(values, ["a", "b"]);
        values.retain(|v| v != "a");
        assert!(matches!(values, Values::One(_)));
        assert_eq!(values.join(" "), "b");
        assert_eq!(std::mem::size_of::<Values>(), 24);
    }
}
