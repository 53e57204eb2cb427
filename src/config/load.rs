//! Reading configuration text: the Junos curly-brace form (the stored
//! configuration, `load override|merge|replace`) and `set`/`delete` lines
//! (`load set`). A statement that does not read is reported with its line and
//! column and skipped; the rest still loads.

use super::path::{Resolved, Step, Word, resolve, resolve_into};
use super::print::quote;
use super::schema::{Kind, Schema};
use super::tree::{Marks, Node, Replaced, TakeMarks};
use std::borrow::Cow;
use std::ops::ControlFlow;

use crate::grammar::{ParseError, free_of_control, next_words_into, tokenize};

mod ranges;

/// A statement that did not load: `terminal:4:(18) syntax error: metric`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl LoadError {
    fn at(line: usize, word: &Word<'_>, e: &ParseError) -> LoadError {
        let message = match e {
            ParseError::InvalidValue { message, .. } => message.clone(),
            _ => format!("syntax error: {}", word.text),
        };
        LoadError { line, column: word.column + 1, message }
    }
}

/// A word of curly text with its place: a slice of the text unless it is
/// a quoted string with escapes in it.
struct Lexeme<'a> {
    text: Cow<'a, str>,
    line: usize,
    column: usize,
    kind: LexemeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LexemeKind {
    Word,
    /// `{`, `}`, `;` (unquoted).
    Punctuation,
    /// `inactive:` before a statement.
    Inactive,
    /// `protect:` before a statement.
    Protect,
    /// `replace:` or `delete:` before a statement (in a load).
    Replace,
    Delete,
    /// `/* text */` before a statement: its annotation.
    Comment,
}

/// Splits curly text into words, punctuation, `inactive:` markers and
/// `/* */` annotations, dropping `#` comments. Columns count characters.
/// Made as they are read: a large text's words are never all held at once.
fn lex<'a>(text: &'a str) -> impl Iterator<Item = Lexeme<'a>> {
    let bytes = text.as_bytes();
    // The byte where the current line starts, and whether the text is
    // ASCII, so that a column is a subtraction.
    let ascii = text.is_ascii();
    let (mut line, mut line_start) = (1, 0);
    let column_of = move |at: usize, line_start: usize| {
        if ascii { at - line_start } else { text[line_start..at].chars().count() }
    };
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let c = bytes[at];
            let column = column_of(at, line_start);
            let lexeme = |text: Cow<'a, str>, kind| Lexeme { text, line, column, kind };
            match c {
                b'\n' => {
                    at += 1;
                    line += 1;
                    line_start = at;
                }
                // An indentation is passed over at once.
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                    at += bytes[at..]
                        .iter()
                        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c))
                        .count()
                }
                b'#' => at = memchr_or_end(b'\n', bytes, at),
                b'/' if bytes.get(at + 1) == Some(&b'*') => {
                    // The comment runs to the first `*/` after its `/*`.
                    let close = text[at + 2..].find("*/").map_or(text.len(), |i| at + 2 + i + 2);
                    let inner = text[at..close].trim_start_matches("/*").trim_end_matches("*/").trim();
                    let found = lexeme(Cow::Borrowed(inner), LexemeKind::Comment);
                    let (newlines, last) = lines_in(&bytes[at..close]);
                    if newlines > 0 {
                        line += newlines;
                        line_start = at + last + 1;
                    }
                    at = close;
                    return Some(found);
                }
                b'{' | b'}' | b';' => {
                    let found = lexeme(Cow::Borrowed(&text[at..at + 1]), LexemeKind::Punctuation);
                    at += 1;
                    return Some(found);
                }
                b'"' => {
                    let body = at + 1;
                    let mut end = body;
                    let mut escaped = false;
                    while end < bytes.len() && bytes[end] != b'"' {
                        // As in a `set` line, only `\"` and `\\` are escapes.
                        if bytes[end] == b'\\' && matches!(bytes.get(end + 1), Some(b'"' | b'\\')) {
                            escaped = true;
                            end += 1;
                        }
                        end += 1;
                    }
                    let end = end.min(bytes.len());
                    let raw = &text[body..end];
                    let word = if escaped { Cow::Owned(unescape(raw)) } else { Cow::Borrowed(raw) };
                    let found = lexeme(word, LexemeKind::Word);
                    let (newlines, last) = lines_in(&bytes[at..end]);
                    if newlines > 0 {
                        line += newlines;
                        line_start = at + last + 1;
                    }
                    at = (end + 1).min(bytes.len());
                    return Some(found);
                }
                _ if c >= 0x80 && text[at..].starts_with(char::is_whitespace) => {
                    at += text[at..].chars().next().map_or(1, char::len_utf8);
                }
                _ => {
                    let end = word_end(text, at);
                    let word = &text[at..end];
                    let kind = match word {
                        "inactive:" => LexemeKind::Inactive,
                        "protect:" => LexemeKind::Protect,
                        "replace:" => LexemeKind::Replace,
                        "delete:" => LexemeKind::Delete,
                        _ => LexemeKind::Word,
                    };
                    at = end;
                    return Some(lexeme(Cow::Borrowed(word), kind));
                }
            }
        }
        None
    })
}

/// Where the unquoted word of curly text that starts at `from` ends: at
/// whitespace, punctuation or a quote, or the end. Read a byte at a time;
/// a character past ASCII is decoded only to ask whether it is whitespace.
fn word_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(&b) = bytes.get(at) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'{' | b'}' | b';' | b'"' => return at,
            0x80.. => match text[at..].chars().next() {
                Some(c) if c.is_whitespace() => return at,
                Some(c) => at += c.len_utf8(),
                None => return at,
            },
            _ => at += 1,
        }
    }
    at
}

/// Where the next `byte` at or after `from` is, or the end.
fn memchr_or_end(byte: u8, bytes: &[u8], from: usize) -> usize {
    memchr::memchr(byte, &bytes[from..]).map_or(bytes.len(), |i| from + i)
}

/// How many line feeds `bytes` holds, and where the last one is.
fn lines_in(bytes: &[u8]) -> (usize, usize) {
    let count = memchr::memchr_iter(b'\n', bytes).count();
    (count, memchr::memrchr(b'\n', bytes).unwrap_or(0))
}

/// A quoted string's text with `\"` and `\\` resolved.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&escaped @ ('"' | '\\'))) => {
                chars.next();
                out.push(escaped);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A statement a load text tags `replace:` (its old contents go before the
/// load) or `delete:` (it goes, and is not loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    pub steps: Vec<Step>,
    pub delete: bool,
}

/// Reads curly-brace text into a tree (`replace:` and `delete:` tags ignored).
pub fn parse_text(schema: &Schema, text: &str) -> (Node, Vec<LoadError>) {
    let (root, _, errors) = parse_tagged(schema, text);
    (root, errors)
}

/// Reads curly-brace text into a tree, with the statements tagged
/// `replace:` or `delete:`. A large text laid out as Junos prints it is read
/// in ranges, on a thread for each core.
pub fn parse_tagged(schema: &Schema, text: &str) -> (Node, Vec<Tagged>, Vec<LoadError>) {
    let readers = readers(text.len());
    if let Some(read) = (readers > 1).then(|| ranges::read_in_ranges(schema, text, readers)).flatten() {
        return read;
    }
    let mut root = Node::default();
    let (mut tagged, mut errors) = (Vec::new(), Vec::new());
    read_apart(schema, &mut root, text.len(), |apply| {
        read_curly(schema, text, Levels::new(), &mut tagged, &mut errors, apply);
    });
    (root, tagged, errors)
}

/// Where curly text laid out as Junos prints it (four spaces a level) may
/// be cut in two: before a statement inside another, the first after
/// `from`, and the lines that open the statements it is inside
/// (`routing-options {`, `    static {`), from below the levels kept of
/// those open where the search stopped (its floor).
#[derive(Debug)]
struct Cut {
    at: usize,
    header: String,
    kept: usize,
}

/// How far past the middle a place to cut curly text is looked for.
const CUT_WITHIN: usize = 1 << 20;

/// The search goes back no further than `floor`, a line start where
/// `open` levels are open: those it has not passed the opening of by then
/// are kept.
fn curly_cut(text: &str, from: usize, floor: usize, open: usize) -> Option<Cut> {
    let bytes = text.as_bytes();
    let indent = |start: usize| bytes[start..].iter().take_while(|&&b| b == b' ').count();
    let line_before = |at: usize| {
        let end = at.checked_sub(1)?;
        let start = memchr::memrchr(b'\n', &bytes[..end]).map_or(0, |i| i + 1);
        Some((start, &text[start..end]))
    };
    // A statement inside another, not after its own annotation.
    let inside = |at: usize| {
        let depth = indent(at);
        let comment = line_before(at).is_some_and(|(_, line)| {
            let line = line.trim();
            line.starts_with("/*") || line.ends_with("*/")
        });
        depth >= 4
            && depth % 4 == 0
            && bytes.get(at + depth).is_some_and(u8::is_ascii_alphanumeric)
            && !comment
    };
    let mut at = memchr_or_end(b'\n', bytes, from) + 1;
    while !inside(at) {
        if at >= bytes.len() || at > from + CUT_WITHIN {
            return None;
        }
        at = memchr_or_end(b'\n', bytes, at) + 1;
    }
    // Back to each line that opens a level above: a sibling's block, closed
    // by a `}` at the same depth, is passed over.
    let mut opening = Vec::new();
    let (mut want, mut closed, mut before) = (indent(at), false, at);
    while want > 0 {
        let (start, line) = line_before(before)?;
        if start < floor {
            if closed || want / 4 > open {
                return None;
            }
            break;
        }
        before = start;
        // Most lines passed are inside a sibling's block, deeper than any
        // looked for: their indentation is all that is read of them.
        let depth = indent(start).min(line.len());
        if depth > want - 4 {
            continue;
        }
        let words = line.trim();
        if words.is_empty() {
            continue;
        }
        if depth < want - 4 {
            return None;
        }
        match words {
            "}" => closed = true,
            _ if !words.ends_with(" {") => {}
            _ if closed => closed = false,
            _ => {
                let plain = !words.contains(": ") && !words.contains(['"', '#']) && !words.contains("/*");
                if !plain {
                    return None;
                }
                opening.push(line);
                want -= 4;
            }
        }
    }
    opening.reverse();
    Some(Cut { at, header: opening.join("\n"), kept: want / 4 })
}

/// Reads curly text statement by statement: each edit to `apply`, in
/// order, each tagged statement into `tagged`, each error into `errors`.
fn read_curly(
    schema: &Schema,
    text: &str,
    mut levels: Levels,
    tagged: &mut Vec<Tagged>,
    errors: &mut Vec<LoadError>,
    apply: &mut dyn FnMut(LineEdit) -> Option<Resolved>,
) -> Open {
    let mut tag = None;
    // The words of the statement being read, and of the one read last.
    let (mut words, mut statement): (Vec<Lexeme<'_>>, Vec<Lexeme<'_>>) = Default::default();
    let mut room = Room::default();
    // The markers of the statement being read.
    let mut inactive = false;
    let mut protected = false;
    let mut annotation = String::new();
    for lexeme in lex(text) {
        match lexeme.kind {
            LexemeKind::Word => {
                words.push(lexeme);
                continue;
            }
            LexemeKind::Inactive => {
                inactive = true;
                continue;
            }
            LexemeKind::Protect => {
                protected = true;
                continue;
            }
            LexemeKind::Replace | LexemeKind::Delete => {
                tag = Some(lexeme.kind == LexemeKind::Delete);
                continue;
            }
            LexemeKind::Comment => {
                // An annotation is printed in every listing of the statement.
                match free_of_control(&lexeme.text) {
                    Ok(()) => annotation = lexeme.text.into_owned(),
                    Err(message) => {
                        errors.push(LoadError { line: lexeme.line, column: lexeme.column + 1, message })
                    }
                }
                continue;
            }
            LexemeKind::Punctuation => {}
        }
        statement.clear();
        std::mem::swap(&mut statement, &mut words);
        let (inactive, annotation) = (std::mem::take(&mut inactive), std::mem::take(&mut annotation));
        let protected = std::mem::take(&mut protected);
        let tagged_as = tag.take();
        match &*lexeme.text {
            "}" => {
                if levels.pop().is_none() {
                    errors.push(LoadError {
                        line: lexeme.line,
                        column: lexeme.column + 1,
                        message: "syntax error: }".into(),
                    });
                }
            }
            punctuation => {
                let opens = punctuation == "{";
                let level = match levels.last() {
                    Some(None) => {
                        if opens {
                            levels.push(None);
                        }
                        continue;
                    }
                    Some(Some(level)) => level.as_slice(),
                    None => &[],
                };
                let read = read_statement(schema, level, &statement, &mut room);
                let paths = &mut room.paths;
                let depth = level.len();
                if let (Some(true), Ok(())) = (tagged_as, &read) {
                    // Deleted, not loaded: a leaf needs no value here.
                    let head = &paths[0].steps;
                    tagged.push(Tagged { steps: head[..own(schema, depth, head)].to_vec(), delete: true });
                    if opens {
                        levels.push(None);
                    }
                    continue;
                }
                if let (Some(false), Ok(())) = (tagged_as, &read) {
                    let head = &paths[0].steps;
                    tagged.push(Tagged { steps: head[..own(schema, depth, head)].to_vec(), delete: false });
                }
                match read {
                    Ok(()) if paths.iter().all(|p| p.wanting.is_none()) => {
                        let head = &paths[0].steps;
                        // The marks belong to the statement opened at this level,
                        // not to the words of a one-liner after it, nor to the
                        // inline container before it (`inactive: family inet`).
                        let marked = (inactive || protected || !annotation.is_empty())
                            .then(|| head[..own(schema, depth, head)].to_vec());
                        let opened = opens.then(|| head.clone());
                        for path in paths.drain(..) {
                            // An empty container means nothing until something is
                            // set in it; a list entry or presence container does.
                            if !opens || path.steps.last().is_some_and(|s| meaningful_when_empty(schema, s)) {
                                room.spent.extend(apply(LineEdit::Set(path)));
                            } else {
                                room.spent.push(path);
                            }
                        }
                        if let Some(steps) = marked {
                            let annotation = annotation.into();
                            apply(LineEdit::Mark(
                                steps,
                                Marks { inactive, protected, annotation, ..Marks::default() },
                            ));
                        }
                        if opened.is_some() {
                            levels.push(opened);
                        }
                    }
                    Ok(_) => {
                        let last =
                            statement.last().map_or((lexeme.line, lexeme.column), |w| (w.line, w.column));
                        errors.push(LoadError {
                            line: last.0,
                            column: last.1 + 1,
                            message: "missing argument".into(),
                        });
                        if opens {
                            levels.push(None);
                        }
                    }
                    Err(e) => {
                        errors.push(e);
                        if opens {
                            levels.push(None);
                        }
                    }
                }
            }
        }
    }
    if let Some(w) = words.first() {
        errors.push(LoadError {
            line: w.line,
            column: w.column + 1,
            message: format!("syntax error: {}", w.text),
        });
    }
    let unfinished = !words.is_empty() || inactive || protected || !annotation.is_empty() || tag.is_some();
    Open { levels, unfinished }
}

/// The levels of curly text entered with `{` and not yet left, outermost
/// first; `None` for a block being skipped after an error.
type Levels = Vec<Option<Vec<Step>>>;

/// Where a reading of curly text stands at its end: the levels still open,
/// and whether a statement was begun (a word, a mark, a tag) and not ended.
#[derive(Debug)]
struct Open {
    levels: Levels,
    unfinished: bool,
}

/// How many steps of `head`, a statement read at a level `level` deep,
/// name the statement opened there: not the words of a one-liner after it,
/// nor the inline container before it (`inactive: family inet`).
fn own(schema: &Schema, level: usize, head: &[Step]) -> usize {
    let mut start = level;
    while start + 1 < head.len() && schema.node(head[start].schema).inline {
        start += 1;
    }
    let first = head.get(start).map(|s| &schema.node(s.schema).kind);
    let keyword_list = matches!(first, Some(Kind::List { keyword: true, .. }));
    (start + if keyword_list { 2 } else { 1 }).min(head.len())
}

fn meaningful_when_empty(schema: &Schema, step: &Step) -> bool {
    let node = schema.node(step.schema);
    node.presence || matches!(node.kind, Kind::List { .. })
}

/// One statement of curly text: usually one path, but a one-liner may hold
/// several (`chassis-control disable failover alternate-media;`), each read
/// from the one-liner's own level.
fn read_statement(
    schema: &Schema,
    level: &[Step],
    statement: &[Lexeme<'_>],
    room: &mut Room,
) -> Result<(), LoadError> {
    // A statement may span lines, so its words are placed as if on one line
    // (each column unique), and an error is reported at its lexeme's place.
    let mut column = 0;
    let mut words = emptied(std::mem::take(&mut room.words));
    words.extend(statement.iter().map(|l| {
        let length = if l.text.is_ascii() { l.text.len() } else { l.text.chars().count() };
        let word = Word { text: &l.text, column, end: column + length };
        column = word.end + 1;
        word
    }));
    let paths = &mut room.paths;
    paths.clear();
    let mut start = Cow::Borrowed(level);
    let mut rest = &words[..];
    let read = loop {
        let e = match resolve_into(schema, &start, rest, false, room.spent.pop().unwrap_or_default()) {
            Ok(path) => {
                paths.push(path);
                break Ok(());
            }
            Err(e) => e,
        };
        let at = e.column().and_then(|c| rest.iter().position(|w| w.column == c));
        if let (ParseError::Syntax { .. }, Some(i @ 1..)) = (&e, at)
            && let Ok(path) = resolve(schema, &start, &rest[..i])
        {
            let one_liner = path.steps.iter().rposition(|s| schema.node(s.schema).oneliner);
            if let (None, Some(cut)) = (&path.wanting, one_liner.filter(|&cut| cut + 1 >= start.len())) {
                start = Cow::Owned(path.steps[..=cut].to_vec());
                paths.push(path);
                rest = &rest[i..];
                continue;
            }
        }
        let bad = e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
        break Err(match statement.get(bad) {
            Some(l) => LoadError { column: l.column + 1, ..LoadError::at(l.line, &words[bad], &e) },
            None => LoadError { line: 0, column: 0, message: e.to_string() },
        });
    };
    room.words = emptied(words);
    read
}

/// Room kept from statement to statement of curly text, made once.
#[derive(Default)]
struct Room {
    /// The words of a statement placed as on one line.
    words: Vec<Word<'static>>,
    /// The paths a statement read to.
    paths: Vec<Resolved>,
    /// Paths applied and done with, read into again.
    spent: Vec<Resolved>,
}

/// A configuration in JSON (`{"configuration" : ...}`) or XML (`<configuration>`,
/// alone or in the `<rpc-reply>` that `| display xml` writes), told apart
/// from text by its first character as PyEZ tells them, as the lines
/// [`apply_set_lines`] applies. `None` for text.
pub fn structured_lines(schema: &Schema, text: &str) -> Option<Result<String, LoadError>> {
    let error = |line: usize, column: usize, message: String| LoadError { line, column, message };
    let lines = match text.trim_start().chars().next()? {
        '{' => super::json::to_statements(schema, text).map_err(|e| match e {
            super::json::JsonError::Syntax { line, column, message } => error(line, column, message),
            e => error(0, 0, e.to_string()),
        }),
        '<' => match roxmltree::Document::parse(text) {
            Ok(document) => {
                let configuration =
                    document.descendants().find(|e| e.is_element() && e.tag_name().name() == "configuration");
                match configuration {
                    Some(c) => super::xml::to_statements(schema, c, super::xml::Operation::Merge)
                        .map_err(|e| error(0, 0, e.to_string())),
                    None => Err(error(1, 1, "syntax error: expecting <configuration>".into())),
                }
            }
            Err(e) => Err(error(e.pos().row as usize, e.pos().col as usize, e.to_string())),
        },
        _ => return None,
    };
    Some(lines)
}

/// `load patch`: applies what `show | compare` prints. Under each `[edit
/// ...]` header, the statements on `-` lines are deleted and those on `+`
/// lines merged (a changed leaf is both), and `!  inactive:`/`!  active:`
/// lines deactivate or activate. Errors name lines of `text`.
pub fn apply_patch(schema: &Schema, root: &mut Node, text: &str) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at].trim_end();
        at += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(header) = line.strip_prefix("[edit").and_then(|h| h.strip_suffix(']')) else {
            errors.push(LoadError { line: at, column: 1, message: format!("syntax error: {line}") });
            continue;
        };
        let tokens = tokenize(header);
        let words: Vec<Word<'_>> =
            tokens.iter().map(|t| Word { text: &t.text, column: t.start + 5, end: t.end + 5 }).collect();
        let level = match resolve(schema, &[], &words) {
            Ok(path) if path.wanting.is_none() || words.is_empty() => Some(path.steps),
            Ok(_) => {
                errors.push(LoadError { line: at, column: line.len(), message: "missing argument".into() });
                None
            }
            Err(e) => {
                let i = e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                errors.extend(words.get(i).map(|w| LoadError::at(at, w, &e)));
                None
            }
        };
        let Some(level) = level else {
            // The lines under a header that does not read are not read either.
            while at < lines.len() && !lines[at].starts_with('[') {
                at += 1;
            }
            continue;
        };
        let prefix: String = words.iter().map(|w| format!("{} ", quote(w.text))).collect();
        // This header's lines, kept on their own line numbers.
        let (mut removed, mut added) = (vec![String::new(); at], vec![String::new(); at]);
        let mut marks = Vec::new();
        while at < lines.len() && !lines[at].starts_with('[') {
            let line = lines[at];
            let (minus, plus) = match line.get(..3) {
                Some("-  ") => (line[3..].to_owned(), String::new()),
                Some("+  ") => (String::new(), line[3..].to_owned()),
                Some("!  ") => {
                    let mark = line[3..].trim_end().trim_end_matches("{ ... }").trim_end();
                    match mark.split_once(": ") {
                        Some(("inactive", head)) => marks.push(format!("deactivate {prefix}{head}")),
                        Some(("active", head)) => marks.push(format!("activate {prefix}{head}")),
                        _ => errors.push(LoadError {
                            line: at + 1,
                            column: 1,
                            message: format!("syntax error: {line}"),
                        }),
                    }
                    (String::new(), String::new())
                }
                _ if line.trim().is_empty() => (String::new(), String::new()),
                _ => {
                    errors.push(LoadError {
                        line: at + 1,
                        column: 1,
                        message: format!("syntax error: {line}"),
                    });
                    (String::new(), String::new())
                }
            };
            removed.push(minus);
            added.push(plus);
            at += 1;
        }
        let (gone, mut read) = parse_text(schema, &wrapped(schema, &level, &removed));
        let (new, more) = parse_text(schema, &wrapped(schema, &level, &added));
        read.extend(more);
        if !read.is_empty() {
            errors.extend(read);
            continue;
        }
        let id = level.last().map(|s| s.schema);
        let deletions = gone.get(&level).map(|gone| deletions(schema, id, gone, &prefix)).unwrap_or_default();
        errors.extend(apply_set_lines(schema, root, &deletions));
        root.merge(schema, None, new);
        errors.extend(apply_set_lines(schema, root, &marks.join("\n")));
    }
    errors
}

/// `lines` (one per line of the patch, empty where not this header's) as
/// curly text from the top: the header's statements opened on the first line.
fn wrapped(schema: &Schema, level: &[Step], lines: &[String]) -> String {
    let mut open = String::new();
    let mut braces = 0;
    for (n, step) in level.iter().enumerate() {
        open.push_str(&quote(&step.key));
        // A keyword list's keyword and its entry are one statement: `unit 0 {`.
        let keyword = level.get(n + 1).is_some_and(|next| next.schema == step.schema)
            && matches!(schema.node(step.schema).kind, Kind::List { keyword: true, .. });
        if keyword {
            open.push(' ');
        } else {
            open.push_str(" { ");
            braces += 1;
        }
    }
    let mut text = lines.join("\n");
    text.insert_str(0, &open);
    text.push_str(&" }".repeat(braces));
    text
}

/// `delete` lines for each statement directly under `gone` (the statement
/// `at`), whose path is `prefix`.
fn deletions(schema: &Schema, at: Option<super::schema::SchemaId>, gone: &Node, prefix: &str) -> String {
    let mut out = String::new();
    for (step, child) in super::tree::sorted_children(schema, at, gone) {
        let s = schema.node(step.schema);
        match &s.kind {
            Kind::Leaf(_) | Kind::LeafList(_) => {
                for v in &child.values {
                    out.push_str(&format!("delete {prefix}{} {}\n", s.name, quote(v)));
                }
            }
            Kind::Value(_) => {
                for v in &child.values {
                    out.push_str(&format!("delete {prefix}{}\n", quote(v)));
                }
            }
            Kind::List { keyword: true, .. } => {
                for name in child.children.keys() {
                    out.push_str(&format!("delete {prefix}{} {}\n", s.name, quote(name)));
                }
            }
            _ => out.push_str(&format!("delete {prefix}{}\n", quote(&step.key))),
        }
    }
    out
}

/// What the last line of a load read its leading words to: consecutive
/// lines share most of their path (`set interfaces ge-0/0/0 unit 0 family
/// inet ...`), which is then read through the schema once, not a line at a
/// time. The walk is the same either way, so a line reads as it would alone.
#[derive(Default)]
struct Prefix {
    /// The steps its first statement read to, one a word up to its leaf.
    steps: Vec<Step>,
    /// After how many words the walk stood among statements, where a line
    /// may be read on from: after a container or a list's entry.
    stops: Vec<usize>,
}

impl Prefix {
    /// Reads `words`, of which the first `shared` are those the last line
    /// this read began with.
    fn resolve(
        &mut self,
        schema: &Schema,
        shared: usize,
        words: &[Word<'_>],
        spent: Resolved,
    ) -> Result<Resolved, ParseError> {
        let from = self.stops.iter().rev().find(|&&stop| stop <= shared).copied().unwrap_or(0);
        let read = resolve_into(schema, &self.steps[..from], &words[from..], true, spent);
        self.forget();
        if let Ok(path) = &read
            && let Some((steps, _)) = path.statements().next()
        {
            self.steps.extend_from_slice(steps);
            let mut at = 0;
            while let Some(step) = steps.get(at) {
                at += match schema.node(step.schema).kind {
                    Kind::Container | Kind::List { keyword: false, .. } => 1,
                    // A keyword and the entry's name: two words.
                    Kind::List { keyword: true, .. }
                        if steps.get(at + 1).is_some_and(|s| s.schema == step.schema) =>
                    {
                        2
                    }
                    _ => break,
                };
                self.stops.push(at);
            }
        }
        read
    }

    /// Nothing to read on from: the next line is read whole.
    fn forget(&mut self) {
        self.steps.clear();
        self.stops.clear();
    }
}

/// Applies `set`, `delete`, `deactivate`, `activate`, `protect`, `unprotect`
/// and `annotate` lines to `root`; `#`
/// lines and blank lines are skipped. Other commands are errors.
///
/// A large text is cut into parts, one for each core: the first is read
/// into `root` on this thread while the others are each read into a tree of
/// their own, joined to `root` in order. Lines of `set` commute (but for
/// the statements of a `choice`, which [`Node::join`] sees to), so a part
/// is read apart only up to its first other edit; the rest of it is read
/// here, in turn, once what comes before is in `root`.
pub fn apply_set_lines(schema: &Schema, root: &mut Node, text: &str) -> Vec<LoadError> {
    apply_in_parts(schema, root, &parts(text))
}

/// [`apply_set_lines`] of the text that is `parts` one after another.
fn apply_in_parts(schema: &Schema, root: &mut Node, parts: &[&str]) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let in_turn = |root: &mut Node, text: &str, before: usize, errors: &mut Vec<LoadError>| {
        let mut runs = Runs::new(schema, root, None);
        read_set_lines(schema, text, before, errors, &mut |edit| ControlFlow::Continue(runs.push(edit))).lines
    };
    let Some((first, others)) = parts.split_first() else { return errors };
    std::thread::scope(|scope| {
        let apart: Vec<_> = others.iter().map(|part| scope.spawn(|| Apart::read(schema, part))).collect();
        let mut lines = in_turn(root, first, 0, &mut errors);
        for (part, apart) in others.iter().zip(apart) {
            let apart = apart.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            root.join(schema, apart.tree, &apart.replaced, TakeMarks::Deactivation);
            errors.extend(apart.errors.into_iter().map(|e| LoadError { line: lines + e.line, ..e }));
            lines += apart.read.lines;
            if let Some(stopped) = apart.read.stopped {
                lines += in_turn(root, &part[stopped..], lines, &mut errors);
            }
        }
    });
    errors
}

/// How many threads read a text `len` bytes long at once: one for each
/// core, each with at least [`READ_APART_BYTES`] to read.
fn readers(len: usize) -> usize {
    match len / READ_APART_BYTES {
        0 | 1 => 1,
        most => std::thread::available_parallelism().map_or(1, usize::from).min(most),
    }
}

/// `text` cut after line ends into parts of about one size, one for each
/// of its [`readers`].
fn parts(text: &str) -> Vec<&str> {
    let count = readers(text.len());
    let mut parts = Vec::with_capacity(count);
    let mut rest = text;
    for left in (1..count).rev() {
        let end = memchr_or_end(b'\n', rest.as_bytes(), rest.len() / (left + 1));
        let (part, after) = rest.split_at((end + 1).min(rest.len()));
        parts.push(part);
        rest = after;
    }
    parts.push(rest);
    parts.retain(|part| !part.is_empty());
    parts
}

/// A part of a text read into a tree of its own, up to its first edit
/// other than `set` or a `deactivate` of a statement the part made; its
/// errors numbered from its first line.
struct Apart {
    tree: Node,
    replaced: Replaced,
    errors: Vec<LoadError>,
    read: Read,
}

impl Apart {
    fn read(schema: &Schema, text: &str) -> Apart {
        let (mut tree, mut replaced, mut errors) = (Node::default(), Replaced::new(), Vec::new());
        let mut runs = Runs::new(schema, &mut tree, Some(&mut replaced));
        let read = read_set_lines(schema, text, 0, &mut errors, &mut |edit| match edit {
            LineEdit::Set(_) => ControlFlow::Continue(runs.push(edit)),
            // `display set` writes one after the lines of an inactive
            // statement: read apart when its statement is made in this part.
            LineEdit::Activate(path, true) if runs.deactivate_present(&path) => ControlFlow::Continue(None),
            _ => ControlFlow::Break(()),
        });
        drop(runs);
        Apart { tree, replaced, errors, read }
    }
}

/// Applies to `root`, in order, the edits `read` makes of a text `len`
/// bytes long. Reading a statement (its words, its path through the schema)
/// needs nothing of the tree, so a large text is read on this thread while
/// another puts what was read into the tree: the two halves of the work
/// take about as long as each other.
fn read_apart(
    schema: &Schema,
    root: &mut Node,
    len: usize,
    read: impl FnOnce(&mut dyn FnMut(LineEdit) -> Option<Resolved>),
) {
    if len < READ_APART_BYTES {
        let mut runs = Runs::new(schema, root, None);
        read(&mut |edit| runs.push(edit));
        return;
    }
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<Vec<LineEdit>>(BATCHES_AHEAD);
        // Applied batches come back to be emptied here: what a line read
        // holds was allocated on this thread, and freeing it on the other
        // would take this thread's allocator lock from under it.
        let (applied, emptied) = std::sync::mpsc::channel::<Vec<LineEdit>>();
        let applier = scope.spawn(move || {
            for batch in received {
                apply_in_runs(schema, root, &batch, None);
                let _ = applied.send(batch);
            }
        });
        let mut batch = Vec::with_capacity(BATCH_LINES);
        let mut spent = Vec::new();
        read(&mut |edit| {
            batch.push(edit);
            if batch.len() == BATCH_LINES {
                let next = match emptied.try_recv() {
                    Ok(mut done) => {
                        spent.extend(done.drain(..).filter_map(LineEdit::into_set));
                        done
                    }
                    Err(_) => Vec::with_capacity(BATCH_LINES),
                };
                // Only a panic of the applier closes the channel; it is
                // raised from the join below.
                let _ = batches.send(std::mem::replace(&mut batch, next));
            }
            spent.pop()
        });
        let _ = batches.send(batch);
        drop(batches);
        if let Err(panic) = applier.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

/// Text this long or longer is read on one thread and applied on another;
/// a text read in parts has at least this much in each.
const READ_APART_BYTES: usize = 1 << 20;
/// Lines handed from the reader to the applier at a time, and how many such
/// batches may wait.
const BATCH_LINES: usize = 1024;
const BATCHES_AHEAD: usize = 8;

/// Edits read in turn, held back and put into a tree a run at a time (when
/// dropped, what is still held): `set`s in a row share most of their path,
/// which is then walked once for them all ([`Node::set_all`]).
struct Runs<'t> {
    schema: &'t Schema,
    tree: &'t mut Node,
    /// Where a statement of a `choice` replaced another, noted for a tree
    /// read apart ([`Node::set_apart`]).
    replaced: Option<&'t mut Replaced>,
    held: Vec<LineEdit>,
    /// The paths of edits put, whose room the next reads take.
    spent: Vec<Resolved>,
}

/// How many edits [`Runs`] holds back at most.
const RUN_LINES: usize = 256;

impl<'t> Runs<'t> {
    fn new(schema: &'t Schema, tree: &'t mut Node, replaced: Option<&'t mut Replaced>) -> Runs<'t> {
        Runs { schema, tree, replaced, held: Vec::with_capacity(RUN_LINES), spent: Vec::new() }
    }

    /// Holds `edit`; gives back a path put before, done with, if one is.
    fn push(&mut self, edit: LineEdit) -> Option<Resolved> {
        self.held.push(edit);
        if self.held.len() == RUN_LINES {
            self.put();
        }
        self.spent.pop()
    }

    fn put(&mut self) {
        apply_in_runs(self.schema, self.tree, &self.held, self.replaced.as_deref_mut());
        self.spent.extend(self.held.drain(..).filter_map(LineEdit::into_set));
    }

    /// `deactivate` of `path`, after the edits held; whether every
    /// statement it names was in the tree. One that was not leaves the line
    /// to be read again in turn, on the whole tree: a deactivation made
    /// twice is made once.
    fn deactivate_present(&mut self, path: &Resolved) -> bool {
        self.put();
        self.tree.set_inactive_all(path, true)
    }
}

impl Drop for Runs<'_> {
    fn drop(&mut self) {
        self.put();
    }
}

/// Applies `edits` to `tree` in turn, each run of `set`s together.
fn apply_in_runs(schema: &Schema, tree: &mut Node, edits: &[LineEdit], replaced: Option<&mut Replaced>) {
    fn sets(run: &[LineEdit]) -> impl Iterator<Item = &Resolved> {
        run.iter().filter_map(|edit| match edit {
            LineEdit::Set(path) => Some(path),
            _ => None,
        })
    }
    let mut replaced = replaced;
    for run in edits.chunk_by(|a, b| matches!((a, b), (LineEdit::Set(_), LineEdit::Set(_)))) {
        match (run, replaced.as_deref_mut()) {
            ([LineEdit::Set(_), ..], Some(replaced)) => tree.set_apart(schema, sets(run), replaced),
            ([LineEdit::Set(_), ..], None) => tree.set_all(schema, sets(run), &mut |_, _| {}),
            _ => run.iter().for_each(|edit| edit.apply(schema, tree)),
        }
    }
}

/// One line or statement read: what it does to the tree.
enum LineEdit {
    Set(Resolved),
    /// A curly statement's marks, which replace those it had; the
    /// statement is made if it is not there.
    Mark(Vec<Step>, Marks),
    Delete(Resolved),
    Activate(Resolved, bool),
    Protect(Vec<Step>, bool),
    Annotate(Vec<Step>, String),
}

impl LineEdit {
    /// The path of a `set`, done with: its room is read into again.
    fn into_set(self) -> Option<Resolved> {
        match self {
            LineEdit::Set(path) => Some(path),
            _ => None,
        }
    }

    fn apply(&self, schema: &Schema, root: &mut Node) {
        match self {
            LineEdit::Set(path) => root.set(schema, path),
            LineEdit::Mark(steps, marks) => {
                root.entry(steps).mark(|m| {
                    m.inactive = marks.inactive;
                    m.protected = marks.protected;
                    m.annotation = marks.annotation.clone();
                });
            }
            LineEdit::Delete(path) => {
                root.delete(schema, path);
            }
            LineEdit::Activate(path, inactive) => {
                root.set_inactive_all(path, *inactive);
            }
            LineEdit::Protect(steps, protected) => {
                root.set_protected(steps, *protected);
            }
            LineEdit::Annotate(steps, text) => {
                root.annotate(steps, text);
            }
        }
    }
}

/// How far [`read_set_lines`] read: how many lines, and where the line
/// whose edit was refused starts, if one was.
struct Read {
    lines: usize,
    stopped: Option<usize>,
}

/// Reads `text`, which comes after `before` lines, line by line: each edit
/// to `apply`, in order, until it refuses one; each error into `errors`.
/// `apply` may give back a path it is done with, read into again.
fn read_set_lines(
    schema: &Schema,
    text: &str,
    before: usize,
    errors: &mut Vec<LoadError>,
    apply: &mut dyn FnMut(LineEdit) -> ControlFlow<(), Option<Resolved>>,
) -> Read {
    let mut previous = Prefix::default();
    // A path applied and done with, given back to be read into again.
    let mut spent = None;
    // Kept from line to line: the room is made once, and the words a line
    // begins with as the last one did are not read again.
    let mut tokens = Vec::new();
    let mut last_line = "";
    let mut spare = Vec::new();
    let mut lines = 0;
    for (n, line) in text.lines().enumerate() {
        lines = n + 1;
        let number = before + lines;
        // The words after the verb that this line shares with the last one
        // `previous` read.
        let shared = next_words_into(last_line, line, &mut tokens).saturating_sub(1);
        last_line = line;
        let Some((verb, rest)) = tokens.split_first() else {
            previous.forget();
            continue;
        };
        if verb.text.starts_with('#') {
            previous.forget();
            continue;
        }
        let ascii = line.is_ascii();
        let column = |byte: usize| if ascii { byte } else { line[..byte].chars().count() };
        let mut words = emptied(std::mem::take(&mut spare));
        words.extend(rest.iter().map(|t| Word {
            text: &t.text,
            column: column(t.start),
            end: column(t.end),
        }));
        let room = spent.take().unwrap_or_default();
        let mut refused = false;
        let mut apply = |edit| match apply(edit) {
            ControlFlow::Continue(path) => spent = path,
            ControlFlow::Break(()) => refused = true,
        };
        let bad_verb = || LoadError {
            line: number,
            column: column(verb.start) + 1,
            message: format!("syntax error: {}", verb.text),
        };
        if !matches!(&*verb.text, "set" | "delete" | "deactivate" | "activate") {
            previous.forget();
        }
        match &*verb.text {
            // `annotate PATH "comment"`, the path from the top.
            "annotate" if words.len() >= 2 => {
                let Some((comment, path)) = words.split_last() else { continue };
                let text = comment.text.trim_start_matches("/*").trim_end_matches("*/").trim();
                match resolve(schema, &[], path) {
                    Ok(path) => match free_of_control(text) {
                        Ok(()) => apply(LineEdit::Annotate(path.steps, text.to_owned())),
                        Err(message) => {
                            errors.push(LoadError { line: number, column: comment.column + 1, message })
                        }
                    },
                    Err(e) => {
                        let i =
                            e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                        errors.push(LoadError::at(number, &words[i], &e));
                    }
                }
            }
            "protect" | "unprotect" => match resolve(schema, &[], &words) {
                Ok(path) => apply(LineEdit::Protect(path.steps, verb.text == "protect")),
                Err(e) => {
                    let i = e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                    match words.get(i) {
                        Some(w) => errors.push(LoadError::at(number, w, &e)),
                        None => errors.push(bad_verb()),
                    }
                }
            },
            "set" | "delete" | "deactivate" | "activate" => match previous
                .resolve(schema, shared, &words, room)
            {
                Ok(path) if path.wanting.is_none() || verb.text != "set" => apply(match &*verb.text {
                    "set" => LineEdit::Set(path),
                    "delete" => LineEdit::Delete(path),
                    other => LineEdit::Activate(path, other == "deactivate"),
                }),
                Ok(_) => errors.push(LoadError {
                    line: number,
                    column: column(line.trim_end().len()) + 1,
                    message: "missing argument".into(),
                }),
                Err(e) => {
                    let i = e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                    match words.get(i) {
                        Some(w) => errors.push(LoadError::at(number, w, &e)),
                        None => errors.push(bad_verb()),
                    }
                }
            },
            _ => errors.push(bad_verb()),
        }
        if refused {
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            return Read { lines: n, stopped: Some(start) };
        }
        spare = emptied(words);
    }
    Read { lines, stopped: None }
}

/// `words` emptied, its room kept to hold words of another line.
fn emptied<'b>(mut words: Vec<Word<'_>>) -> Vec<Word<'b>> {
    words.clear();
    // Collected in place: the vector's own allocation, with nothing in it.
    words.into_iter().map(|_| unreachable!("emptied")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::print::{to_set, to_text};
    use crate::config::tree::tests::{build, plain_where_said};

    fn sample(schema: &Schema) -> Node {
        build(
            schema,
            &[
                "system host-name lab1",
                "system root-authentication encrypted-password \"$6$x y\"",
                "system processes routing failover other-routing-engine",
                "chassis redundancy routing-engine 0 master",
                "chassis redundancy failover on-loss-of-keepalives",
                "interfaces ge-0/0/0 description \"to core; 100G\"",
                "interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
                "interfaces ge-0/0/0 unit 1 family inet6 address 2001:db8::1/64",
                "apply-groups [ re0 re1 ]",
                "protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive",
            ],
        )
    }

    /// A large text, read in parts at once, gives the tree and the errors
    /// reading and applying each line in turn gives.
    #[test]
    fn a_large_text_loads_as_it_would_a_line_at_a_time() {
        let schema = Schema::shipped().unwrap();
        let mut text = crate::config::generate::full_schema(24_000);
        text.push_str(&crate::config::generate::set_lines(16_000));
        text.push_str(
            "delete interfaces ge-0/0/1 unit 0\n\
             deactivate system syslog\n\
             protect system services\n\
             annotate system \"kept\"\n\
             set interfaces ge-0/0/2 mtu lots\n\
             set bogus\n\
             activate system syslog\n",
        );
        assert!(text.len() >= 2 * READ_APART_BYTES, "{} bytes", text.len());
        let mut apart = Node::default();
        let errors = apply_set_lines(&schema, &mut apart, &text);
        let mut in_turn = Node::default();
        let mut expected = Vec::new();
        read_set_lines(&schema, &text, 0, &mut expected, &mut |edit| {
            edit.apply(&schema, &mut in_turn);
            ControlFlow::Continue(None)
        });
        assert_eq!(errors, expected);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(apart == in_turn, "the trees differ");
        assert_eq!(to_text(&schema, None, &apart), to_text(&schema, None, &in_turn));
    }

    /// A text cut into parts anywhere gives the tree and the errors it gives
    /// read whole, a line at a time: `set` lines read apart, statements of a
    /// `choice` replacing each other across parts, `deactivate` of statements
    /// made in the same part or another, other edits after them.
    #[test]
    fn a_text_read_in_parts_reads_as_in_turn() {
        use crate::config::random::{Rng, configuration};
        let schema = Schema::shipped().unwrap();
        let mut rng = Rng::new(24);
        let term =
            |rng: &mut Rng| format!("firewall family inet filter f{} term t{}", rng.below(2), rng.below(3));
        let actions = [
            "then accept",
            "then discard",
            "then discard accounting a1",
            "then next term",
            "then count c1",
            "then policer p1",
            "then three-color-policer single-rate s1",
            "then three-color-policer two-rate s2",
            "from destination-class d1",
            "from destination-class-except d2",
        ];
        for seed in 0..300 {
            let random = configuration(&schema, &mut rng, 12);
            let mut lines: Vec<String> =
                to_set(&schema, None, &random, "").lines().map(String::from).collect();
            for _ in 0..30 {
                let action = actions[rng.below(actions.len())];
                let line = match rng.below(8) {
                    // Of statements made in this part or another, or not made.
                    0 => format!("deactivate {}", term(&mut rng)),
                    1 => format!("deactivate {} then", term(&mut rng)),
                    2 => format!("activate {}", term(&mut rng)),
                    // Marks that a deactivation in a later part adds to.
                    3 => format!("protect {}", term(&mut rng)),
                    _ => format!("set {} {action}", term(&mut rng)),
                };
                lines.push(line);
            }
            lines.extend(["set bogus 1".to_owned(), "delete firewall family inet filter f1".to_owned()]);
            // Half the texts in the order printed, where lines in a row share
            // their path.
            for i in (1..lines.len()).rev().filter(|_| seed % 2 == 0) {
                lines.swap(i, rng.below(i + 1));
            }
            let text = lines.join("\n") + "\n";
            let mut cuts: Vec<usize> = (0..1 + rng.below(3)).map(|_| rng.below(lines.len())).collect();
            cuts.sort();
            let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
            let mut parts = Vec::new();
            let mut from = 0;
            for cut in cuts {
                parts.push(&text[from..ends[cut].max(from)]);
                from = ends[cut].max(from);
            }
            parts.push(&text[from..]);

            let mut apart = Node::default();
            let errors = apply_in_parts(&schema, &mut apart, &parts);
            let mut in_turn = Node::default();
            let expected = apply_in_parts(&schema, &mut in_turn, &[&text]);
            assert_eq!(errors, expected, "seed {seed}");
            assert!(
                crate::config::delta::tests::identical(&apart, &in_turn),
                "seed {seed}: {parts:#?}\n{}\n{}",
                to_set(&schema, None, &apart, ""),
                to_set(&schema, None, &in_turn, "")
            );
            assert!(plain_where_said(&apart) && plain_where_said(&in_turn), "seed {seed}");
            // Each line put into the tree on its own, from the top.
            let mut one_by_one = Node::default();
            for line in &lines {
                apply_in_parts(&schema, &mut one_by_one, &[line]);
            }
            assert!(crate::config::delta::tests::identical(&one_by_one, &in_turn), "seed {seed}");
        }
    }

    /// Statements in both parts of a text are joined as plain as they are
    /// read in turn: expansion and the groups check pass over them whole.
    #[test]
    fn statements_read_in_parts_are_as_plain_as_read_in_turn() {
        fn plain(node: &Node) -> Vec<bool> {
            let below = node.children.values().flat_map(|c| plain(c));
            std::iter::once(node.children.plain()).chain(below).collect()
        }
        let schema = Schema::shipped().unwrap();
        let first = "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n\
                     set protocols ospf area 0.0.0.0 interface ge-0/0/0.0\n";
        let second = "set interfaces ge-0/0/0 description uplink\n\
                      set interfaces ge-0/0/1 unit 0 family inet address 10.0.1.1/24\n\
                      set protocols ospf area 0.0.0.0 interface ge-0/0/1.0 passive\n";
        let mut apart = Node::default();
        assert!(apply_in_parts(&schema, &mut apart, &[first, second]).is_empty());
        let mut in_turn = Node::default();
        assert!(apply_in_parts(&schema, &mut in_turn, &[&format!("{first}{second}")]).is_empty());
        assert!(crate::config::delta::tests::identical(&apart, &in_turn));
        assert_eq!(plain(&apart), plain(&in_turn));
        assert!(plain(&apart).iter().all(|&p| p), "{:?}", plain(&apart));
    }

    /// A large curly text, read on one thread and applied on another, gives
    /// the tree, the tagged statements and the errors reading and applying
    /// each statement in turn gives.
    #[test]
    fn a_large_curly_text_loads_as_it_would_a_statement_at_a_time() {
        let schema = Schema::shipped().unwrap();
        let mut tree = Node::default();
        let full = crate::config::generate::full_schema(20_000);
        assert_eq!(apply_set_lines(&schema, &mut tree, &full), []);
        let mut text = to_text(&schema, None, &tree);
        text.push_str(
            "system {\n    /* kept */\n    inactive: protect: syslog;\n    bogus 1;\n}\n\
             interfaces {\n    replace: ge-0/0/2 {\n        mtu lots;\n        unit 3;\n    }\n    \
             delete: ge-0/0/1;\n}\n}\n",
        );
        assert!(text.len() >= READ_APART_BYTES, "{} bytes", text.len());
        let (apart, tagged, errors) = parse_tagged(&schema, &text);
        let mut in_turn = Node::default();
        let (mut expected_tagged, mut expected) = (Vec::new(), Vec::new());
        read_curly(&schema, &text, Levels::new(), &mut expected_tagged, &mut expected, &mut |edit| {
            edit.apply(&schema, &mut in_turn);
            None
        });
        assert_eq!(errors, expected);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(tagged, expected_tagged);
        assert_eq!(tagged.len(), 2, "{tagged:?}");
        assert!(crate::config::delta::tests::identical(&apart, &in_turn), "the trees differ");
        assert_eq!(to_text(&schema, None, &apart), to_text(&schema, None, &in_turn));
        assert_eq!(apart.children["system"].children["syslog"].annotation(), "kept");
    }

    #[test]
    fn curly_words_keep_their_lines_and_columns() {
        let text = "a {\n  /* two\n lines */ b \"x\n y\" c;\n\u{e9}\u{e9} \"q\\\"\\\\\" # rest\n}";
        let read: Vec<(String, usize, usize)> =
            lex(text).map(|l| (l.text.into_owned(), l.line, l.column)).collect();
        let expected = [
            ("a", 1, 0),
            ("{", 1, 2),
            ("two\n lines", 2, 2),
            ("b", 3, 10),
            ("x\n y", 3, 12),
            ("c", 4, 4),
            (";", 4, 5),
            ("\u{e9}\u{e9}", 5, 0),
            ("q\"\\", 5, 3),
            ("}", 6, 0),
        ];
        let expected: Vec<(String, usize, usize)> =
            expected.iter().map(|&(t, l, c)| (t.to_owned(), l, c)).collect();
        assert_eq!(read, expected);
    }

    /// A word runs through letters past ASCII and ends at any whitespace,
    /// punctuation or quote; indentation of any blanks is passed over.
    #[test]
    fn curly_words_end_at_whitespace_of_any_kind() {
        let text = "\t \x0b\x0cd\u{e9}j\u{e0}\u{a0}vu\u{3000}x;y{z}w\"q\"\r\n";
        let read: Vec<(String, usize)> = lex(text).map(|l| (l.text.into_owned(), l.column)).collect();
        let expected = [("d\u{e9}j\u{e0}", 4), ("vu", 9), ("x", 12), (";", 13), ("y", 14), ("{", 15)];
        let rest = [("z", 16), ("}", 17), ("w", 18), ("q", 19)];
        let expected: Vec<(String, usize)> =
            expected.iter().chain(&rest).map(|&(t, c)| (t.to_owned(), c)).collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn text_and_set_forms_read_back_to_the_same_tree() {
        let schema = Schema::shipped().unwrap();
        let mut tree = sample(&schema);
        let steps = |line: &str| crate::config::tree::tests::read(&schema, line).unwrap().steps;
        tree.set_inactive(&steps("interfaces ge-0/0/0 unit 1"), true);
        tree.set_inactive(&steps("system processes"), true);
        tree.set_protected(&steps("system processes"), true);
        tree.set_protected(&steps("interfaces ge-0/0/0 unit 0"), true);
        tree.set_protected(&steps("system host-name"), true);
        let text = to_text(&schema, None, &tree);
        assert!(text.contains("    protect: inactive: processes {\n"), "{text}");
        assert!(text.contains("        protect: unit 0 {\n"), "{text}");
        let (read, errors) = parse_text(&schema, &text);
        assert_eq!(errors, []);
        assert_eq!(read, tree);
        let mut from_set = Node::default();
        assert_eq!(apply_set_lines(&schema, &mut from_set, &to_set(&schema, None, &tree, "")), []);
        assert_eq!(from_set, tree);
        // The set form has no annotations; the text form keeps them.
        tree.annotate(&steps("chassis redundancy"), "two REs");
        assert_eq!(parse_text(&schema, &to_text(&schema, None, &tree)).0, tree);
    }

    #[test]
    fn a_patch_deletes_its_minus_lines_and_merges_its_plus_lines_under_each_header() {
        let schema = Schema::shipped().unwrap();
        let old = sample(&schema);
        let mut new = old.clone();
        let steps = |line: &str| crate::config::tree::tests::read(&schema, line).unwrap().steps;
        for line in [
            "set system host-name lab2",
            "delete interfaces ge-0/0/0 unit 1",
            "set interfaces ge-0/0/0 unit 0 description \"a b\"",
            "delete protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive",
            "set routing-options static route 0.0.0.0/0 discard",
        ] {
            assert_eq!(apply_set_lines(&schema, &mut new, line), []);
        }
        new.set_inactive(&steps("chassis redundancy"), true);
        let patch = crate::config::compare::compare(&schema, &old, &new);
        let mut patched = old.clone();
        assert_eq!(apply_patch(&schema, &mut patched, &patch), [], "{patch}");
        assert_eq!(to_text(&schema, None, &patched), to_text(&schema, None, &new), "{patch}");
        let bad = "[edit system]\n+  bogus 1;\n[edit nowhere]\n+  x;\n[edit]\nstray\n";
        let errors: Vec<usize> = apply_patch(&schema, &mut patched, bad).iter().map(|e| e.line).collect();
        assert_eq!(errors, [2, 3, 6]);
    }

    #[test]
    fn replace_and_delete_tags_name_their_statements_and_a_deleted_one_is_not_read() {
        let schema = Schema::shipped().unwrap();
        let text = "system {\n    delete: domain-name;\n    host-name r1;\n}\ninterfaces {\n    \
                    replace: ge-0/0/0 {\n        unit 2;\n    }\n    delete: ge-0/0/1 {\n        disable;\n    }\n}\n";
        let (tree, tagged, errors) = parse_tagged(&schema, text);
        assert_eq!(errors, []);
        let keys = |t: &Tagged| t.steps.iter().map(|s| s.key.as_str()).collect::<Vec<_>>().join(" ");
        let tags: Vec<(String, bool)> = tagged.iter().map(|t| (keys(t), t.delete)).collect();
        assert_eq!(
            tags,
            [
                ("system domain-name".to_owned(), true),
                ("interfaces ge-0/0/0".to_owned(), false),
                ("interfaces ge-0/0/1".to_owned(), true)
            ]
        );
        assert_eq!(
            to_set(&schema, None, &tree, ""),
            "set system host-name r1\nset interfaces ge-0/0/0 unit 2\n"
        );
    }

    #[test]
    fn bad_statements_are_reported_and_skipped() {
        let schema = Schema::shipped().unwrap();
        let text = "system {\n    host-name lab1;\n    bogus 1;\n    services {\n        ssh;\n    }\n}\nchassis {\n    redundancy {\n        keepalive-time 1;\n    }\n}\n";
        let (tree, errors) = parse_text(&schema, text);
        assert_eq!(
            errors,
            [
                LoadError { line: 3, column: 5, message: "syntax error: bogus".into() },
                LoadError { line: 10, column: 24, message: "Value 1 is not within range (2..10000)".into() },
            ]
        );
        assert_eq!(to_set(&schema, None, &tree, ""), "set system host-name lab1\nset system services ssh\n");
        let mut root = Node::default();
        let errors = apply_set_lines(
            &schema,
            &mut root,
            "set system host-name a\nset protocols ospf area 0.0.0.0 interface ge-0/0/0.0 metric x\nshow\n# note\n",
        );
        assert_eq!(
            errors,
            [
                LoadError { line: 2, column: 61, message: "invalid numeric value: 'x'".into() },
                LoadError { line: 3, column: 1, message: "syntax error: show".into() },
            ]
        );
    }

    /// Lines read on from the path the line before read to give what each
    /// line read alone gives: the same tree, the same errors at the same places.
    #[test]
    fn a_line_reads_the_same_after_any_other() {
        use crate::config::random::{Rng, configuration};
        let schema = Schema::shipped().unwrap();
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let size = 1 + rng.below(40);
            let set = to_set(&schema, None, &configuration(&schema, &mut rng, size), "");
            let mut lines: Vec<String> = Vec::new();
            for line in set.lines() {
                let mut words: Vec<&str> = line.split(' ').collect();
                let at = rng.below(words.len());
                match rng.below(8) {
                    0 => words[at] = "bogus",
                    1 => words.truncate(1 + at),
                    2 => words[0] = ["delete", "deactivate", "activate"][rng.below(3)],
                    3 if words.len() > 2 => words[2] = words[2].get(..1).unwrap_or(words[2]),
                    _ => {}
                }
                lines.push(words.join(" "));
            }
            let mut whole = Node::default();
            let errors = apply_set_lines(&schema, &mut whole, &lines.join("\n"));
            let mut alone = Node::default();
            let mut expected = Vec::new();
            for (n, line) in lines.iter().enumerate() {
                for e in apply_set_lines(&schema, &mut alone, line) {
                    expected.push(LoadError { line: n + 1, ..e });
                }
            }
            assert_eq!(errors, expected, "seed {seed}:\n{}", lines.join("\n"));
            assert!(crate::config::delta::tests::identical(&whole, &alone), "seed {seed}");
        }
    }

    /// Lines of two configurations shuffled together, so that they go from
    /// one hierarchy to another and back and name rival statements of a
    /// `choice` in turn, make the tree, its entries in the same order, that
    /// they make a line at a time.
    #[test]
    fn lines_in_any_order_read_together_as_a_line_at_a_time() {
        use crate::config::random::{Rng, configuration};
        let schema = Schema::shipped().unwrap();
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let mut lines: Vec<String> = Vec::new();
            for _ in 0..2 {
                let size = 1 + rng.below(60);
                let set = to_set(&schema, None, &configuration(&schema, &mut rng, size), "");
                lines.extend(set.lines().map(str::to_owned));
            }
            for _ in 0..6 {
                let flag = ["retain", "no-retain", "install", "no-install"][rng.below(4)];
                lines.push(format!("set routing-options static route 10.9.9.0/24 {flag}"));
            }
            for i in (1..lines.len()).rev() {
                lines.swap(i, rng.below(i + 1));
            }
            let mut whole = Node::default();
            assert!(apply_set_lines(&schema, &mut whole, &lines.join("\n")).is_empty());
            let mut alone = Node::default();
            for line in &lines {
                assert!(apply_set_lines(&schema, &mut alone, line).is_empty());
            }
            assert!(
                crate::config::delta::tests::identical(&whole, &alone),
                "seed {seed}:\n{}",
                lines.join("\n")
            );
        }
    }

    /// The annotations of a tree, which the set form does not carry, removed.
    fn without_annotations(node: &Node) -> Node {
        let mut bare = Node {
            children: node
                .children
                .iter()
                .map(|(k, c)| (*k, std::sync::Arc::new(without_annotations(c))))
                .collect(),
            ..node.clone()
        };
        bare.mark(|m| m.annotation = Box::default());
        bare
    }

    #[test]
    fn an_annotation_with_a_control_character_is_an_error_and_left_out() {
        let schema = Schema::shipped().unwrap();
        let text =
            "system {\n    /* fine \u{1b}[2J */\n    host-name r1;\n    /* kept */\n    domain-name d;\n}\n";
        let (tree, errors) = parse_text(&schema, text);
        assert_eq!(
            errors,
            [LoadError {
                line: 2,
                column: 5,
                message: "invalid value: 'fine \\u{1b}[2J': control characters are not allowed".into()
            }]
        );
        let system = &tree.children["system"];
        assert_eq!(
            (system.children["host-name"].annotation(), system.children["domain-name"].annotation()),
            ("", "kept")
        );
    }

    #[test]
    fn random_configurations_read_back_from_both_forms() {
        use crate::config::compare::compare;
        use crate::config::random::{Rng, configuration};
        let schema = Schema::shipped().unwrap();
        for seed in 0..300 {
            let mut rng = Rng::new(seed);
            let size = 1 + rng.below(60);
            let tree = configuration(&schema, &mut rng, size);
            let text = to_text(&schema, None, &tree);
            let (read, errors) = parse_text(&schema, &text);
            assert_eq!(errors, [], "seed {seed}:\n{text}");
            assert_eq!(to_text(&schema, None, &read), text, "seed {seed}");
            assert_eq!(read, tree, "seed {seed}:\n{text}");

            let set = to_set(&schema, None, &tree, "");
            let mut from_set = Node::default();
            assert_eq!(apply_set_lines(&schema, &mut from_set, &set), [], "seed {seed}:\n{set}");
            assert_eq!(from_set, without_annotations(&tree), "seed {seed}:\n{set}");

            assert_eq!(compare(&schema, &tree, &read), "", "seed {seed}");
            let other = configuration(&schema, &mut rng, 5);
            let mut merged = tree.clone();
            merged.merge(&schema, None, other.clone());
            assert_eq!(compare(&schema, &tree, &merged).is_empty(), merged == tree, "seed {seed}");
        }
    }
}
