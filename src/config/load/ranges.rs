//! Curly text read on several threads at once, in ranges that each end
//! where the next begins. The text is first cut near its middle; then a
//! reader that has finished its range takes the second half of what
//! another has still to read, cut where that one stands (the levels open
//! there are known, so the cut looks back no further), so that the readers
//! end about together however the cost of a byte differs from one
//! hierarchy to another. Each range is read into a tree of its own, and the
//! trees are joined in order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::{Levels, LoadError, Runs, Tagged, curly_cut, lines_in, memchr_or_end, read_curly};
use crate::config::schema::Schema;
use crate::config::tree::{Node, Replaced, TakeMarks};

/// How much of its range a reader reads before it looks whether another
/// waits for work.
const PIECE: usize = 512 * 1024;

/// `text` read on `readers` threads; `None`, for it to be read whole,
/// unless it can be cut, and each range read ended cleanly where the next
/// began, at the levels the next one's header opened.
pub(super) fn read_in_ranges(schema: &Schema, text: &str, readers: usize) -> Option<Read> {
    read_cut(schema, text, readers, PIECE, text.len() / 2).map(|(read, _)| read)
}

/// A text read: its tree, its tagged statements, its errors.
type Read = (Node, Vec<Tagged>, Vec<LoadError>);

/// [`read_in_ranges`], a reader looking for work each `piece` bytes, the
/// text cut first after `from`; with how many ranges it was read in.
fn read_cut(schema: &Schema, text: &str, readers: usize, piece: usize, from: usize) -> Option<(Read, usize)> {
    let work = Work::new(readers, piece, halves(text, from)?);
    let pieces = std::thread::scope(|scope| {
        let others: Vec<_> = (1..readers).map(|_| scope.spawn(|| work.run(schema, text))).collect();
        let mut pieces = work.run(schema, text);
        for other in others {
            pieces.extend(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        pieces
    });
    joined(schema, pieces)
}

/// The text cut in two, first after `from`.
fn halves(text: &str, from: usize) -> Option<[Range; 2]> {
    let cut = curly_cut(text, from, 0, 0)?;
    Some([
        Range { start: 0, end: cut.at, header: String::new(), kept: Levels::new() },
        Range { start: cut.at, end: text.len(), header: cut.header, kept: Levels::new() },
    ])
}

/// Part of the text for one reader to read: from `start`, a line start,
/// to `end`, with the levels `kept` open and then those `header` opens.
struct Range {
    start: usize,
    end: usize,
    header: String,
    kept: Levels,
}

/// A range read into a tree of its own.
struct Piece {
    start: usize,
    tree: Node,
    replaced: Replaced,
    /// The levels open where it began, and where it ended.
    began: Levels,
    ended: Levels,
    tagged: Vec<Tagged>,
    /// Numbered as lines of the whole text.
    errors: Vec<LoadError>,
}

/// The ranges not yet taken, and the readers waiting for one.
struct Work {
    readers: usize,
    piece: usize,
    state: Mutex<Waiting>,
    /// How many readers wait, read without the lock at each piece.
    idle: AtomicUsize,
    wake: Condvar,
}

struct Waiting {
    ranges: Vec<Range>,
    idle: usize,
    done: bool,
}

impl Work {
    fn new(readers: usize, piece: usize, ranges: [Range; 2]) -> Work {
        let ranges = ranges.into();
        Work {
            readers,
            piece,
            state: Mutex::new(Waiting { ranges, idle: 0, done: false }),
            idle: AtomicUsize::new(0),
            wake: Condvar::new(),
        }
    }

    /// Reads ranges until there are none and every reader waits; `None`
    /// for a range that did not read cleanly.
    fn run(&self, schema: &Schema, text: &str) -> Vec<Option<Piece>> {
        let mut pieces = Vec::new();
        while let Some(range) = self.next() {
            pieces.push(self.read(schema, text, range));
        }
        pieces
    }

    fn next(&self) -> Option<Range> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if let Some(range) = state.ranges.pop() {
                return Some(range);
            }
            if state.done {
                return None;
            }
            state.idle += 1;
            if state.idle == self.readers {
                state.done = true;
                self.wake.notify_all();
                return None;
            }
            self.idle.store(state.idle, Ordering::Relaxed);
            state = self.wake.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle -= 1;
            self.idle.store(state.idle, Ordering::Relaxed);
        }
    }

    /// Hands `range` to a reader waiting for one: whether one took it.
    fn give(&self, range: Range) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.done || state.idle <= state.ranges.len() {
            return false;
        }
        state.ranges.push(range);
        self.wake.notify_one();
        true
    }

    /// Reads `range` a piece at a time; after each, gives the second half
    /// of what is left to a reader that waits, if one does.
    fn read(&self, schema: &Schema, text: &str, range: Range) -> Option<Piece> {
        let Range { start, mut end, header, kept } = range;
        let (mut tree, mut replaced) = (Node::default(), Replaced::new());
        let (mut tagged, mut errors) = (Vec::new(), Vec::new());
        // The first range's tree is the whole one: nothing is joined to it.
        let mut runs = Runs::new(schema, &mut tree, (start > 0).then_some(&mut replaced));
        let mut apply = |edit| runs.push(edit);
        let mut levels = kept;
        if !header.is_empty() {
            let opened = read_curly(schema, &header, levels, &mut tagged, &mut errors, &mut apply);
            if !errors.is_empty() || !tagged.is_empty() || opened.unfinished {
                return None;
            }
            levels = opened.levels;
        }
        let began = levels.clone();
        // Lines before a place: counted only once a piece has an error, and
        // from there on only past where they were counted to.
        let mut counted = (0, 0);
        let mut at = start;
        while at < end {
            let stop = piece_end(text, at + self.piece, end);
            let before = errors.len();
            let open = read_curly(schema, &text[at..stop], levels, &mut tagged, &mut errors, &mut apply);
            if errors.len() > before {
                let (from, lines) = counted;
                let lines = lines + lines_in(&text.as_bytes()[from..at]).0;
                counted = (at, lines);
                for error in errors[before..].iter_mut().filter(|e| e.line > 0) {
                    error.line += lines;
                }
            }
            // Only the text's own end may leave a statement unfinished.
            if open.unfinished && stop < text.len() {
                return None;
            }
            levels = open.levels;
            at = stop;
            if at < end && self.idle.load(Ordering::Relaxed) > 0 && end - at >= 2 * self.piece {
                let cut = curly_cut(text, at + (end - at) / 2, at, levels.len()).filter(|cut| cut.at < end);
                if let Some(cut) = cut {
                    let rest =
                        Range { start: cut.at, end, header: cut.header, kept: levels[..cut.kept].to_vec() };
                    if self.give(rest) {
                        end = cut.at;
                    }
                }
            }
        }
        drop(runs);
        Some(Piece { start, tree, replaced, began, ended: levels, tagged, errors })
    }
}

/// Where a piece of curly text read up to about `from` may end: at the
/// first line start after `from` that follows a statement's or a block's
/// end, or at `end`.
fn piece_end(text: &str, from: usize, end: usize) -> usize {
    let bytes = &text.as_bytes()[..end];
    let mut at = from.min(end);
    loop {
        let newline = memchr_or_end(b'\n', bytes, at);
        if newline == end {
            return end;
        }
        let last = bytes[..newline].iter().rposition(|b| !b.is_ascii_whitespace());
        if last.is_some_and(|i| matches!(bytes[i], b';' | b'{' | b'}')) {
            return newline + 1;
        }
        at = newline + 1;
    }
}

/// The pieces joined in order into the first; `None` unless each began
/// where the one before it ended.
fn joined(schema: &Schema, pieces: Vec<Option<Piece>>) -> Option<(Read, usize)> {
    let mut pieces = pieces.into_iter().collect::<Option<Vec<_>>>()?;
    let count = pieces.len();
    pieces.sort_by_key(|piece| piece.start);
    let mut pieces = pieces.into_iter();
    let first = pieces.next().filter(|piece| piece.start == 0)?;
    let (mut root, mut tagged, mut errors, mut ended) = (first.tree, first.tagged, first.errors, first.ended);
    for piece in pieces {
        if ended != piece.began {
            return None;
        }
        root.join(schema, piece.tree, &piece.replaced, TakeMarks::Replace);
        tagged.extend(piece.tagged);
        errors.extend(piece.errors);
        ended = piece.ended;
    }
    Some(((root, tagged, errors), count))
}

#[cfg(test)]
mod tests {
    use super::super::read_curly;
    use super::*;
    use crate::config::print::to_text;

    /// [`read_cut`] on this thread alone, as if another reader waited
    /// whenever it looks: every range is cut where a piece of 64 bytes
    /// ends while two more are left.
    fn eagerly(schema: &Schema, text: &str, from: usize) -> Option<(Read, usize)> {
        let work = Work::new(2, 64, halves(text, from)?);
        work.state.lock().unwrap().idle = 1;
        work.idle.store(1, Ordering::Relaxed);
        joined(schema, work.run(schema, text))
    }

    /// Curly text cut before a statement four spaces in, then wherever a
    /// reader stands when the other waits, gives the tree, the tagged
    /// statements and the errors it gives read whole; text not laid out as
    /// it looks is read whole.
    #[test]
    fn curly_text_read_in_ranges_reads_as_in_turn() {
        use crate::config::random::{Rng, configuration};
        let schema = Schema::shipped().unwrap();
        let in_turn = |text: &str| {
            let mut tree = Node::default();
            let (mut tagged, mut errors) = (Vec::new(), Vec::new());
            read_curly(&schema, text, Levels::new(), &mut tagged, &mut errors, &mut |edit| {
                edit.apply(&schema, &mut tree);
                None
            });
            (tree, tagged, errors)
        };
        let mut rng = Rng::new(9);
        let (mut read, mut ranges) = (0, 0);
        for seed in 0..300 {
            // Wrong statements all through, in many pieces of one range.
            let mut text = to_text(&schema, None, &configuration(&schema, &mut rng, 30));
            text.push_str("system {\n    bogus 2;\n}\n");
            // Statements again, marked, tagged, wrong, replacing their rivals.
            text.push_str(&to_text(&schema, None, &configuration(&schema, &mut rng, 10)));
            text.push_str(
                "system {\n    replace: host-name h;\n    bogus 1;\n}\n\
                 firewall {\n    family inet {\n        filter f {\n            term t {\n                \
                 then {\n                    next term;\n                }\n            }\n        }\n    }\n}\n",
            );
            let from = rng.below(text.len());
            if curly_cut(&text, from, 0, 0).is_none() {
                continue;
            }
            let (expected_tree, expected_tagged, expected) = in_turn(&text);
            for (how, read_by) in [
                ("eagerly", eagerly(&schema, &text, from)),
                ("on two threads", read_cut(&schema, &text, 2, 64, from)),
            ] {
                let Some(((tree, tagged, errors), count)) = read_by else {
                    panic!("seed {seed}: not read in ranges {how} from {from}:\n{text}");
                };
                if how == "eagerly" {
                    (read, ranges) = (read + 1, ranges + count);
                }
                assert_eq!(errors, expected, "seed {seed}, {how}");
                assert_eq!(tagged, expected_tagged, "seed {seed}, {how}");
                assert!(
                    crate::config::delta::tests::identical(&tree, &expected_tree),
                    "seed {seed}, {how}, cut from {from}:\n{text}"
                );
            }
        }
        assert!(read > 200, "{read} read in ranges");
        assert!(ranges > 3 * read, "{ranges} ranges for {read} texts");

        let text = "system {\n    login {\n        message \"first\n    looks-like-a-statement {\nlast\";\n    }\n}\n";
        let from = text.find("first").unwrap();
        assert_eq!(curly_cut(text, from, 0, 0).unwrap().header, "system {");
        assert!(read_cut(&schema, text, 2, 64, from).is_none());
        assert!(eagerly(&schema, text, from).is_none());
    }
}
