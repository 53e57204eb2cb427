//! Reads a command line against a [`Grammar`].
//!
//! One walk over the tree serves three callers: execution ([`Language::parse`]),
//! `?` ([`Language::completions`]) and TAB ([`Language::complete_word`]), so
//! they can never disagree about what a line means. A line is a command and
//! then, after each unquoted `|`, a pipe, each read in its own tree.

use std::borrow::Cow;

use super::{ArgType, Grammar, NodeId, NodeKind};

/// One word of a command line, with its byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word with quotes removed and escapes resolved.
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// A quoted string that runs to the end of the line without its closing quote.
    pub open_quote: bool,
    /// An unquoted `|`: what follows is a pipe command.
    pub pipe: bool,
}

/// Splits a line into words at whitespace and unquoted `|`; `"..."` makes one
/// word of text with spaces (or a `|`) in it.
pub fn tokenize(line: &str) -> Vec<Token> {
    words(line)
        .into_iter()
        .map(|w| Token {
            text: w.text.into_owned(),
            start: w.start,
            end: w.end,
            open_quote: w.open_quote,
            pipe: w.pipe,
        })
        .collect()
}

/// A word of a line as [`tokenize`] reads it, a slice of the line unless it
/// holds a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: Cow<'a, str>,
    pub start: usize,
    pub end: usize,
    pub open_quote: bool,
    pub pipe: bool,
}

/// The words of a line (quotes removed, `\"` and `\\` unescaped inside them,
/// an unquoted `|` a word of its own), each borrowed from the line unless it
/// holds a quote: a configuration loaded from `set` lines makes one
/// allocation a line instead of one a word.
pub fn words(line: &str) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    words_into(line, &mut words);
    words
}

/// [`words`] into `words`, which a caller reading many lines keeps from one
/// to the next.
pub fn words_into<'a>(line: &'a str, words: &mut Vec<Word<'a>>) {
    words.clear();
    words_from(line, 0, words);
}

/// [`words_into`] of `line`, where `words` holds the words of `previous`,
/// a line of the same text: the words that lie within the bytes the two
/// lines begin with, up to a separator, are the same, and are kept. Lines
/// of a configuration share most of their start (`set interfaces ge-0/0/0
/// unit 0 ...`), so only the rest of each is read. How many words were kept.
pub fn next_words_into<'a>(previous: &str, line: &'a str, words: &mut Vec<Word<'a>>) -> usize {
    let shared = shared_start(previous.as_bytes(), line.as_bytes());
    // A word ended where `previous` has a separator (or a line's end); the
    // whole of it within the shared bytes, `line` has the same one there.
    let separated = |end: usize| previous[end..].chars().next().is_some_and(|c| end + c.len_utf8() <= shared);
    let kept = words.iter().take_while(|w| separated(w.end)).count();
    words.truncate(kept);
    words_from(line, words.last().map_or(0, |w| w.end), words);
    kept
}

/// How many bytes `a` and `b` begin with alike.
fn shared_start(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 16;
    let whole = a.chunks_exact(CHUNK).zip(b.chunks_exact(CHUNK)).take_while(|(x, y)| x == y).count() * CHUNK;
    whole + a[whole..].iter().zip(&b[whole..]).take_while(|(x, y)| x == y).count()
}

/// The words of `line` from byte `at` (outside any word), added to `words`.
fn words_from<'a>(line: &'a str, mut at: usize, words: &mut Vec<Word<'a>>) {
    let bytes = line.as_bytes();
    while let Some(c) = char_at(line, at) {
        let start = at;
        at += c.len_utf8();
        if c.is_whitespace() {
            continue;
        }
        if c == '|' {
            words.push(Word { text: Cow::Borrowed("|"), start, end: at, open_quote: false, pipe: true });
            continue;
        }
        // Made only when a quote is met: the text so far, then each character.
        let mut owned: Option<String> = None;
        let mut in_quote = c == '"';
        if in_quote {
            owned = Some(String::new());
        }
        let mut end = line.len();
        loop {
            if owned.is_none() {
                // Most words are plain ASCII: skipped over a byte at a time.
                at += bytes[at..]
                    .iter()
                    .take_while(|&&b| b.is_ascii_graphic() && b != b'|' && b != b'"')
                    .count();
            }
            let Some(c) = char_at(line, at) else { break };
            if !in_quote && (c.is_whitespace() || c == '|') {
                end = at;
                break;
            }
            let here = at;
            at += c.len_utf8();
            let text = match (&mut owned, c) {
                (Some(text), _) => text,
                (None, '"') => owned.insert(line[start..here].to_owned()),
                (None, _) => continue,
            };
            match c {
                '"' => in_quote = !in_quote,
                // Only `\"` and `\\` are escapes; any other backslash is text
                // (`"line one\nline two"`), as Junos keeps it.
                '\\' if in_quote => match char_at(line, at) {
                    Some(escaped @ ('"' | '\\')) => {
                        at += 1;
                        text.push(escaped);
                    }
                    _ => text.push(c),
                },
                _ => text.push(c),
            }
        }
        let text = owned.map_or(Cow::Borrowed(&line[start..end]), Cow::Owned);
        words.push(Word { text, start, end, open_quote: in_quote, pipe: false });
    }
}

/// The character at byte `at` of `line` (a character's start), if any.
fn char_at(line: &str, at: usize) -> Option<char> {
    match line.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        _ => line.get(at..)?.chars().next(),
    }
}

/// Whether the line's last `"` is still open, so that a `?` typed now is text.
pub fn in_quote(line: &str) -> bool {
    tokenize(line).last().is_some_and(|t| t.open_quote)
}

/// A complete command: the action to run and the words that selected it.
#[derive(Debug, Clone)]
pub struct Parsed<'g> {
    pub action: &'g str,
    words: Vec<(&'g str, &'g NodeKind, String)>,
    /// The words of a `path` argument, for its handler to read.
    pub path: Vec<Token>,
}

impl Parsed<'_> {
    /// The value given for argument `<name>`.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.words
            .iter()
            .find(|(n, kind, _)| *n == name && matches!(kind, NodeKind::Argument(_)))
            .map(|(_, _, value)| value.as_str())
    }

    /// Whether keyword `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.words.iter().any(|(n, kind, _)| *n == name && **kind == NodeKind::Keyword)
    }
}

/// One line of a `Possible completions:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// `> ` for a container, `+ ` for a list of values, blank otherwise.
    pub marker: &'static str,
    pub name: String,
    pub help: String,
}

impl Completion {
    pub fn new(name: impl Into<String>, help: impl Into<String>) -> Completion {
        Completion { marker: "  ", name: name.into(), help: help.into() }
    }
}

/// What `?` shows at a point of a line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completions {
    /// The line as typed so far is a command that can run.
    pub can_execute: bool,
    pub items: Vec<Completion>,
    /// The cursor is in a `path` argument: its finished words, and the word
    /// being typed. Its handler adds what may come next.
    pub path: Option<(Vec<Token>, Option<Token>)>,
    /// The action of the command the path belongs to (`set`, `show`).
    pub path_action: String,
}

/// Why a line is not a command. `column` counts characters from the start of the
/// line; the caret goes there, shifted by the prompt's width.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command.")]
    UnknownCommand { column: usize },
    #[error("syntax error, expecting <command>.")]
    Syntax { column: usize },
    #[error("missing argument.")]
    MissingArgument { column: usize },
    #[error("'{token}' is ambiguous.")]
    Ambiguous { column: usize, token: String, completions: Vec<Completion> },
    #[error("{message}")]
    InvalidValue { column: usize, message: String },
    #[error("syntax error, unterminated quoted string.")]
    UnterminatedQuote { column: usize },
    #[error("No valid completions")]
    NoCompletions,
}

impl ParseError {
    /// The same error in a line that has `by` more characters before it.
    pub fn shifted(self, by: usize) -> ParseError {
        match self {
            ParseError::UnknownCommand { column } => ParseError::UnknownCommand { column: column + by },
            ParseError::Syntax { column } => ParseError::Syntax { column: column + by },
            ParseError::MissingArgument { column } => ParseError::MissingArgument { column: column + by },
            ParseError::Ambiguous { column, token, completions } => {
                ParseError::Ambiguous { column: column + by, token, completions }
            }
            ParseError::InvalidValue { column, message } => {
                ParseError::InvalidValue { column: column + by, message }
            }
            ParseError::UnterminatedQuote { column } => ParseError::UnterminatedQuote { column: column + by },
            ParseError::NoCompletions => ParseError::NoCompletions,
        }
    }

    /// Where the caret goes, if this error has one.
    pub fn column(&self) -> Option<usize> {
        match self {
            ParseError::UnknownCommand { column }
            | ParseError::Syntax { column }
            | ParseError::MissingArgument { column }
            | ParseError::Ambiguous { column, .. }
            | ParseError::InvalidValue { column, .. }
            | ParseError::UnterminatedQuote { column } => Some(*column),
            ParseError::NoCompletions => None,
        }
    }
}

/// Where a walk down the tree stands after some words.
struct Walk<'g> {
    grammar: &'g Grammar,
    /// The last node matched; `None` before the first word.
    at: Option<NodeId>,
    /// The innermost complete command passed; its children are its options.
    scope: Option<NodeId>,
    /// Options of `scope` already given: each may appear once.
    used: Vec<NodeId>,
    words: Vec<(&'g str, &'g NodeKind, String)>,
    tree: Tree,
    /// The words a `path` argument took.
    path: Option<Vec<Token>>,
}

enum Mismatch {
    Ambiguous(Vec<Completion>),
    None { value_error: Option<String>, keywords_expected: bool },
}

impl<'g> Walk<'g> {
    fn new(grammar: &'g Grammar, tree: Tree) -> Self {
        Walk { grammar, at: None, scope: None, used: Vec::new(), words: Vec::new(), tree, path: None }
    }

    fn candidates(&self) -> Vec<NodeId> {
        let Some(at) = self.at else {
            return self.grammar.roots().to_vec();
        };
        let node = self.grammar.node(at);
        if node.action.is_none() && !node.children.is_empty() {
            return node.children.clone();
        }
        let mut candidates = match self.scope {
            Some(scope) => {
                self.grammar.node(scope).children.iter().filter(|c| !self.used.contains(c)).copied().collect()
            }
            None => Vec::new(),
        };
        // An option with an optional argument: the argument may come next too.
        if self.scope != Some(at) {
            candidates.splice(0..0, node.children.iter().copied());
        }
        candidates
    }

    /// Whether `id` is an option of the command in scope that completes it
    /// with or without its argument (`commit confirmed [minutes]`).
    fn optional_argument(&self, id: NodeId) -> bool {
        let node = self.grammar.node(id);
        self.scope.is_some_and(|scope| {
            let command = self.grammar.node(scope);
            command.children.contains(&id) && node.action.is_some() && node.action == command.action
        })
    }

    fn action(&self) -> Option<&'g str> {
        let at = self.grammar.node(self.at?);
        if let Some(action) = &at.action {
            return Some(action);
        }
        if at.children.is_empty() {
            return self.scope.and_then(|s| self.grammar.node(s).action.as_deref());
        }
        None
    }

    fn step(&mut self, id: NodeId, value: String) {
        let grammar = self.grammar;
        if let Some(scope) = self.scope
            && grammar.node(scope).children.contains(&id)
        {
            self.used.push(id);
        }
        let node = grammar.node(id);
        if node.action.is_some() && !self.optional_argument(id) {
            self.scope = Some(id);
            self.used.clear();
        }
        self.at = Some(id);
        self.words.push((&node.name, &node.kind, value));
    }

    /// Words that `token` could abbreviate: keywords and enumerated values.
    fn words_starting(&self, candidates: &[NodeId], prefix: &str) -> Vec<(NodeId, &'g str, &'g str)> {
        let mut out = Vec::new();
        for &id in candidates {
            let node = self.grammar.node(id);
            match &node.kind {
                NodeKind::Keyword if node.name.starts_with(prefix) => {
                    out.push((id, node.name.as_str(), node.help.as_str()));
                }
                NodeKind::Argument(ArgType::Enum(values)) => {
                    for v in values.iter().filter(|v| v.starts_with(prefix)) {
                        out.push((id, v.as_str(), node.help.as_str()));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn match_token(&self, candidates: &[NodeId], token: &str) -> Result<(NodeId, String), Mismatch> {
        let words = self.words_starting(candidates, token);
        if let Some(&(id, word, _)) = words.iter().find(|(_, w, _)| *w == token) {
            return Ok((id, word.to_owned()));
        }
        match words.as_slice() {
            [(id, word, _)] => return Ok((*id, (*word).to_owned())),
            [] => {}
            _ => {
                let mut completions: Vec<Completion> =
                    words.iter().map(|(_, w, h)| Completion::new(*w, *h)).collect();
                completions.sort_by(|a, b| a.name.cmp(&b.name));
                return Err(Mismatch::Ambiguous(completions));
            }
        }
        let mut value_error = None;
        for &id in candidates {
            if let NodeKind::Argument(t) = &self.grammar.node(id).kind {
                if matches!(t, ArgType::Enum(_)) {
                    continue;
                }
                match t.check(token) {
                    Ok(()) => return Ok((id, token.to_owned())),
                    Err(message) => {
                        value_error.get_or_insert(message);
                    }
                }
            }
        }
        let keywords_expected = candidates.iter().any(|&id| {
            matches!(self.grammar.node(id).kind, NodeKind::Keyword | NodeKind::Argument(ArgType::Enum(_)))
        });
        Err(Mismatch::None { value_error, keywords_expected })
    }

    /// The `path` argument among `candidates`, if there is one.
    fn path_candidate(&self, candidates: &[NodeId]) -> Option<NodeId> {
        candidates
            .iter()
            .copied()
            .find(|&id| matches!(self.grammar.node(id).kind, NodeKind::Argument(ArgType::Path)))
    }

    /// Matches each token in turn; stops at the first that does not fit. A
    /// `path` argument takes every word left.
    fn walk(&mut self, line: &str, tokens: &[Token]) -> Result<(), ParseError> {
        for (i, token) in tokens.iter().enumerate() {
            if token.open_quote {
                return Err(ParseError::UnterminatedQuote { column: column(line, token.start) });
            }
            let candidates = self.candidates();
            if let Some(path) = self.path_candidate(&candidates)
                && self.words_starting(&candidates, &token.text).is_empty()
            {
                let text = tokens[i..].iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
                self.step(path, text);
                self.path = Some(tokens[i..].to_vec());
                return Ok(());
            }
            match self.match_token(&candidates, &token.text) {
                Ok((id, value)) => self.step(id, value),
                Err(Mismatch::Ambiguous(completions)) => {
                    return Err(ParseError::Ambiguous {
                        column: column(line, token.end),
                        token: token.text.clone(),
                        completions,
                    });
                }
                Err(Mismatch::None { value_error, keywords_expected }) => {
                    let column = column(line, token.start);
                    return Err(match value_error {
                        _ if self.at.is_none() && self.tree == Tree::Commands => {
                            ParseError::UnknownCommand { column }
                        }
                        Some(message) if !keywords_expected => ParseError::InvalidValue { column, message },
                        _ => ParseError::Syntax { column },
                    });
                }
            }
        }
        Ok(())
    }
}

/// The character column of byte offset `at` in `line`.
fn column(line: &str, at: usize) -> usize {
    line[..at].chars().count()
}

/// What an unknown first word of a segment is called: a command line's first
/// word is a command, a pipe's is an option of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tree {
    Commands,
    Pipes,
}

impl Grammar {
    /// Reads one segment of a line (the command, or one pipe) as a complete
    /// command. `after` is where the segment starts, for one with no words.
    fn parse_tokens<'g>(
        &'g self,
        line: &str,
        tokens: &[Token],
        after: usize,
        tree: Tree,
    ) -> Result<Parsed<'g>, ParseError> {
        let mut walk = Walk::new(self, tree);
        walk.walk(line, tokens)?;
        if let Some(action) = walk.action() {
            return Ok(Parsed { action, words: walk.words, path: walk.path.unwrap_or_default() });
        }
        let end = column(line, tokens.last().map_or(after, |t| t.end)) + 1;
        let candidates = walk.candidates();
        let only_arguments = !candidates.is_empty()
            && candidates.iter().all(
                |&id| matches!(&self.node(id).kind, NodeKind::Argument(t) if !matches!(t, ArgType::Enum(_))),
            );
        Err(if only_arguments {
            ParseError::MissingArgument { column: end }
        } else {
            ParseError::Syntax { column: end }
        })
    }

    /// `?` within one segment: the words that may follow `done`, or that
    /// complete `partial`.
    fn completions_after(
        &self,
        line: &str,
        done: &[Token],
        partial: Option<&Token>,
        tree: Tree,
    ) -> Result<Completions, ParseError> {
        let mut walk = Walk::new(self, tree);
        walk.walk(line, done)?;
        if let Some(path) = walk.path.take() {
            let path_action = walk.action().unwrap_or_default().to_owned();
            let path = Some((path, partial.cloned()));
            return Ok(Completions {
                can_execute: !path_action.is_empty(),
                items: Vec::new(),
                path,
                path_action,
            });
        }
        let partial_text = partial.map_or("", |t| t.text.as_str());
        let candidates = walk.candidates();
        // A `path` argument may start at the cursor.
        let path = walk.path_candidate(&candidates).map(|_| (Vec::new(), partial.cloned()));
        let mut items: Vec<Completion> = walk
            .words_starting(&candidates, partial_text)
            .into_iter()
            .map(|(_, w, h)| Completion::new(w, h))
            .collect();
        for &id in &candidates {
            let node = self.node(id);
            if let NodeKind::Argument(t) = &node.kind {
                let takes_partial = partial_text.is_empty() || t.check(partial_text).is_ok();
                if matches!(t, ArgType::Enum(_) | ArgType::Path) || !takes_partial {
                    continue;
                }
                let help = match t.help_suffix() {
                    Some(suffix) => format!("{} {suffix}", node.help),
                    None => node.help.clone(),
                };
                items.push(Completion::new(format!("<{}>", node.name), help));
            }
        }
        items.sort_by(|a, b| a.name.cmp(&b.name));
        items.dedup_by(|a, b| a.name == b.name);
        let can_execute = partial.is_none() && walk.action().is_some();
        Ok(Completions { can_execute, items, path, path_action: String::new() })
    }

    /// TAB within one segment.
    fn words_after(
        &self,
        line: &str,
        done: &[Token],
        partial: Option<&Token>,
        tree: Tree,
    ) -> (usize, Vec<String>) {
        let mut walk = Walk::new(self, tree);
        if walk.walk(line, done).is_err() {
            return (line.len(), Vec::new());
        }
        let (start, prefix) = partial.map_or((line.len(), ""), |t| (t.start, t.text.as_str()));
        let candidates = walk.candidates();
        let mut words: Vec<String> =
            walk.words_starting(&candidates, prefix).into_iter().map(|(_, w, _)| w.to_owned()).collect();
        words.sort();
        words.dedup();
        (start, words)
    }
}

/// Why an RPC element does not make a command: Junos answers `syntax error`
/// naming an element it does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentError {
    #[error("syntax error")]
    Unknown { element: String },
    #[error("{message}")]
    InvalidValue { element: String, message: String },
    #[error("missing argument")]
    Missing { element: String },
}

impl ArgumentError {
    /// The element the error is about.
    pub fn element(&self) -> &str {
        match self {
            ArgumentError::Unknown { element }
            | ArgumentError::InvalidValue { element, .. }
            | ArgumentError::Missing { element } => element,
        }
    }
}

impl Grammar {
    /// The command RPC `rpc` runs, with its argument elements (name, and text
    /// if any) as the command's options: an empty element is a keyword
    /// (`<terse/>`), an element with text an argument (`<slot>1</slot>`) or a
    /// keyword and its argument (`<count>5</count>`). Values are checked by
    /// their argument types, as on the command line.
    pub fn invocation(
        &self,
        rpc: &str,
        arguments: &[(&str, Option<&str>)],
    ) -> Result<Parsed<'_>, ArgumentError> {
        let unknown = |element: &str| ArgumentError::Unknown { element: element.to_owned() };
        let path = self.rpc(rpc).ok_or_else(|| unknown(rpc))?;
        let command = *path.last().ok_or_else(|| unknown(rpc))?;
        let action = self.node(command).action.as_deref().ok_or_else(|| unknown(rpc))?;
        let checked = |id: NodeId, element: &str, value: Option<&str>| -> Result<String, ArgumentError> {
            let NodeKind::Argument(kind) = &self.node(id).kind else { return Ok(self.node(id).name.clone()) };
            let value = value.ok_or_else(|| ArgumentError::Missing { element: element.to_owned() })?;
            kind.check(value)
                .map_err(|message| ArgumentError::InvalidValue { element: element.to_owned(), message })?;
            Ok(value.to_owned())
        };
        let value_of = |name: &str| arguments.iter().find(|(n, _)| *n == name).and_then(|(_, v)| *v);
        let mut words = Vec::new();
        for &id in &path {
            let node = self.node(id);
            words.push((node.name.as_str(), &node.kind, checked(id, &node.name, value_of(&node.name))?));
        }
        let mut given: Vec<NodeId> = Vec::new();
        for &(name, value) in arguments {
            if path.iter().any(|&id| self.node(id).name == name) {
                continue;
            }
            let option = self
                .node(command)
                .children
                .iter()
                .copied()
                .find(|&id| self.node(id).name == name && !given.contains(&id))
                .ok_or_else(|| unknown(name))?;
            given.push(option);
            let node = self.node(option);
            let inner =
                node.children.iter().copied().find(|&c| matches!(self.node(c).kind, NodeKind::Argument(_)));
            match (&node.kind, value, inner) {
                (NodeKind::Keyword, None, _) => {
                    words.push((node.name.as_str(), &node.kind, node.name.clone()))
                }
                (NodeKind::Keyword, Some(value), Some(inner)) => {
                    words.push((node.name.as_str(), &node.kind, node.name.clone()));
                    let argument = self.node(inner);
                    words.push((argument.name.as_str(), &argument.kind, checked(inner, name, Some(value))?));
                }
                (NodeKind::Keyword, Some(value), None) => {
                    return Err(ArgumentError::InvalidValue {
                        element: name.to_owned(),
                        message: format!("'{name}' takes no value, not '{value}'"),
                    });
                }
                (NodeKind::Argument(_), _, _) => {
                    words.push((node.name.as_str(), &node.kind, checked(option, name, value)?))
                }
            }
        }
        Ok(Parsed { action, words, path: Vec::new() })
    }
}

/// A command line: the command and the pipes its output goes through.
#[derive(Debug, Clone)]
pub struct CommandLine<'g> {
    pub command: Parsed<'g>,
    pub pipes: Vec<Parsed<'g>>,
}

/// A mode's language: its command tree and the pipe tree that may follow a
/// complete command.
#[derive(Debug, Clone, Default)]
pub struct Language {
    pub commands: Grammar,
    pub pipes: Grammar,
}

impl Language {
    /// Reads a whole line as a command and its pipes.
    pub fn parse(&self, line: &str) -> Result<CommandLine<'_>, ParseError> {
        self.parse_tokens(line, &tokenize(line))
    }

    fn parse_tokens(&self, line: &str, tokens: &[Token]) -> Result<CommandLine<'_>, ParseError> {
        let mut segments = tokens.split(|t| t.pipe);
        let first = segments.next().unwrap_or_default();
        let command = self.commands.parse_tokens(line, first, 0, Tree::Commands)?;
        let pipe_ends = tokens.iter().filter(|t| t.pipe).map(|t| t.end);
        let pipes = segments
            .zip(pipe_ends)
            .map(|(segment, after)| self.pipes.parse_tokens(line, segment, after, Tree::Pipes))
            .collect::<Result<_, _>>()?;
        Ok(CommandLine { command, pipes })
    }

    /// What `?` lists after `line`: the words that may come next, or that
    /// complete the word being typed, and `|` where a pipe may start.
    pub fn completions(&self, line: &str) -> Result<Completions, ParseError> {
        let tokens = tokenize(line);
        let (done, partial) = split_partial(line, &tokens);
        let mut completions = match done.iter().rposition(|t| t.pipe) {
            None => self.commands.completions_after(line, done, partial, Tree::Commands)?,
            Some(last_pipe) => {
                self.parse_tokens(line, &done[..last_pipe])?;
                self.pipes.completions_after(line, &done[last_pipe + 1..], partial, Tree::Pipes)?
            }
        };
        // Inside a path the handler adds its items first; `|` comes last.
        if completions.can_execute && completions.path.is_none() {
            completions.items.push(Completion::new("|", "Pipe through a command"));
        }
        if completions.items.is_empty() && !completions.can_execute && completions.path.is_none() {
            return Err(ParseError::NoCompletions);
        }
        Ok(completions)
    }

    /// TAB: the byte offset where the word being typed starts, and the words
    /// it could become.
    pub fn complete_word(&self, line: &str) -> (usize, Vec<String>) {
        let tokens = tokenize(line);
        let (done, partial) = split_partial(line, &tokens);
        match done.iter().rposition(|t| t.pipe) {
            None => self.commands.words_after(line, done, partial, Tree::Commands),
            Some(last_pipe) => {
                if self.parse_tokens(line, &done[..last_pipe]).is_err() {
                    return (line.len(), Vec::new());
                }
                self.pipes.words_after(line, &done[last_pipe + 1..], partial, Tree::Pipes)
            }
        }
    }
}

/// The finished words of a line, and the word still being typed if the line
/// does not end in a space. A `|` is always finished.
fn split_partial<'t>(line: &str, tokens: &'t [Token]) -> (&'t [Token], Option<&'t Token>) {
    match tokens.split_last() {
        Some((last, done)) if !last.pipe && !line.ends_with(char::is_whitespace) => (done, Some(last)),
        _ => (tokens, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAMMAR: &str = r#"
        show "Show information" {
            chassis "Show chassis information" {
                hardware "Show hardware" => hardware;
                routing-engine "Show Routing Engines" => routing-engine {
                    <slot> int(0..1) "Routing Engine slot number";
                }
            }
            cli "Show CLI settings" => cli;
        }
        request "Make requests" {
            system "System requests" {
                reboot "Reboot" => reboot {
                    in "Delay" { <minutes> int(0..60) "Minutes"; }
                    message "Message" { <text> string "Text"; }
                    both-routing-engines "Both";
                    later "Later" => reboot { <hours> int(1..9) "Hours"; }
                }
            }
            ping "Ping" { <host> ip "Host" => ping; }
            route "Route" { <prefix> prefix "Prefix" => route; }
            mode "Mode" { <mode> enum(master|backup) "Role" => mode; }
        }
    "#;

    const PIPES: &str = r#"
        count "Count occurrences" => count;
        match "Show only matching text" { <pattern> string "Pattern to match" => match; }
        last "Display end of output only" => last { <lines> int(1..100) "Number of lines"; }
    "#;

    fn grammar() -> Language {
        Language {
            commands: Grammar::load("test", GRAMMAR).unwrap(),
            pipes: Grammar::load("pipes", PIPES).unwrap(),
        }
    }

    fn describe(p: &Parsed<'_>) -> String {
        let words: Vec<String> = p
            .words
            .iter()
            .map(|(n, k, v)| match k {
                NodeKind::Keyword => n.to_string(),
                NodeKind::Argument(_) => format!("{n}={v}"),
            })
            .collect();
        format!("{}: {}", p.action, words.join(" "))
    }

    /// Parses `line` and renders the outcome compactly: the action and its
    /// words, or the error with a caret marker `^` in the line.
    fn check(line: &str, expected: &str) {
        let g = grammar();
        let got = match g.parse(line) {
            Ok(line) => {
                let mut parts = vec![describe(&line.command)];
                parts.extend(line.pipes.iter().map(describe));
                parts.join(" | ")
            }
            Err(e) => match e.column() {
                Some(c) => format!("{}^ {e}", " ".repeat(c)),
                None => e.to_string(),
            },
        };
        assert_eq!(got, expected, "line: {line:?}");
    }

    #[test]
    fn abbreviations_and_arguments() {
        check("show chassis hardware", "hardware: show chassis hardware");
        check("sh chas hard", "hardware: show chassis hardware");
        check("sh ch r 1", "routing-engine: show chassis routing-engine slot=1");
        check("request system reboot", "reboot: request system reboot");
    }

    #[test]
    fn options_come_in_any_order_once_each() {
        check(
            r#"request system reboot message "going down now" in 5 both"#,
            "reboot: request system reboot message text=going down now in minutes=5 both-routing-engines",
        );
        check(
            "request system reboot in 5 in 6",
            "                           ^ syntax error, expecting <command>.",
        );
        check("request system reboot in", "                         ^ missing argument.");
    }

    #[test]
    fn an_option_that_runs_its_command_takes_its_argument_or_not() {
        check("request system reboot later", "reboot: request system reboot later");
        check(
            "request system reboot later 3 both",
            "reboot: request system reboot later hours=3 both-routing-engines",
        );
        check("request system reboot later both", "reboot: request system reboot later both-routing-engines");
        check(
            "request system reboot later both 3",
            "                                 ^ syntax error, expecting <command>.",
        );
    }

    #[test]
    fn typed_values() {
        check("request ping 10.0.0.1", "ping: request ping host=10.0.0.1");
        check("request ping 2001:db8::1", "ping: request ping host=2001:db8::1");
        check("request ping 10.0.0.256", "             ^ invalid value '256' in ip address: '10.0.0.256'");
        check(
            "request route 10.0.0.0/33",
            "              ^ prefix length '33' is larger than 32 in address '10.0.0.0/33'",
        );
        check(
            "show chassis routing-engine 2",
            "                            ^ Value 2 is not within range (0..1)",
        );
        check("request mode b", "mode: request mode mode=backup");
        check("request mode primary", "             ^ syntax error, expecting <command>.");
    }

    #[test]
    fn errors_put_the_caret_where_junos_does() {
        check("foo", "^ unknown command.");
        check("show foo", "     ^ syntax error, expecting <command>.");
        // An ambiguous word is marked at its end.
        check("show c", "      ^ 'c' is ambiguous.");
        // Something missing is marked one past the end.
        check("show chassis", "             ^ syntax error, expecting <command>.");
        check("request ping", "             ^ missing argument.");
        check("show chassis hardware extra", "                      ^ syntax error, expecting <command>.");
        check(
            r#"request system reboot message "open"#,
            "                              ^ syntax error, unterminated quoted string.",
        );
    }

    #[test]
    fn ambiguity_lists_the_choices() {
        let Err(ParseError::Ambiguous { completions, .. }) = grammar().parse("show c").map(|_| ()) else {
            panic!("expected ambiguity");
        };
        let names: Vec<&str> = completions.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["chassis", "cli"]);
        // An exact word wins over longer words it abbreviates.
        check("show cli", "cli: show cli");
    }

    #[test]
    fn question_mark_lists_what_may_follow() {
        let g = grammar();
        let c = g.completions("show chassis routing-engine ").unwrap();
        assert!(c.can_execute);
        let names: Vec<&str> = c.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["<slot>", "|"]);
        assert_eq!(c.items[0].help, "Routing Engine slot number (0..1)");
        let c = g.completions("show ch").unwrap();
        assert!(!c.can_execute);
        assert_eq!(c.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["chassis"]);
        let c = g.completions("request mode ").unwrap();
        assert_eq!(c.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["backup", "master"]);
        assert_eq!(g.completions("show x"), Err(ParseError::NoCompletions));
        assert_eq!(g.completions("show x "), Err(ParseError::Syntax { column: 5 }));
        // Options already given are not offered again.
        let c = g.completions("request system reboot both ").unwrap();
        assert_eq!(
            c.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["in", "later", "message", "|"]
        );
        // After an option with an optional argument: the argument, or the other options.
        let c = g.completions("request system reboot later ").unwrap();
        let names: Vec<&str> = c.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["<hours>", "both-routing-engines", "in", "message", "|"]);
    }

    #[test]
    fn pipes_follow_a_complete_command() {
        check("show cli | count", "cli: show cli | count: count");
        check(
            r#"show cli|match "a|b" | last 3 | count"#,
            "cli: show cli | match: match pattern=a|b | last: last lines=3 | count: count",
        );
        check("show cli | last", "cli: show cli | last: last");
        check("show cli | bogus", "           ^ syntax error, expecting <command>.");
        check("show cli | match", "                 ^ missing argument.");
        check("show cli | last x", "                ^ invalid numeric value: 'x'");
        check("show cli |", "           ^ syntax error, expecting <command>.");
        check("show | count", "     ^ syntax error, expecting <command>.");
        let g = grammar();
        let c = g.completions("show cli | ").unwrap();
        assert_eq!(c.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["count", "last", "match"]);
        let c = g.completions("show cli | last ").unwrap();
        assert_eq!(c.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["<lines>", "|"]);
        assert_eq!(g.completions("show | "), Err(ParseError::Syntax { column: 5 }));
        assert_eq!(g.complete_word("show cli | co"), (11, vec!["count".to_string()]));
    }

    #[test]
    fn tab_completes_the_word_being_typed() {
        let g = grammar();
        assert_eq!(g.complete_word("sh"), (0, vec!["show".to_string()]));
        assert_eq!(g.complete_word("show c"), (5, vec!["chassis".to_string(), "cli".to_string()]));
        assert_eq!(g.complete_word("show "), (5, vec!["chassis".into(), "cli".into()]));
        assert_eq!(g.complete_word("show x "), (7, vec![]));
    }

    #[test]
    fn tokens_keep_quoted_text_together() {
        let t = tokenize(r#"a "b c" "d\"e"  f"#);
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["a", "b c", "d\"e", "f"]);
        assert_eq!((t[1].start, t[1].end), (2, 7));
        let t = tokenize(r#""one\ntwo" "\.conf" "a\\b""#);
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, [r"one\ntwo", r"\.conf", r"a\b"], "only \\\" and \\\\ are escapes");
        assert!(in_quote(r#"show "abc"#));
        assert!(!in_quote(r#"show "abc" "#));
        let t = tokenize(r#"a|b "c|d" |"#);
        let shape: Vec<(&str, bool)> = t.iter().map(|t| (t.text.as_str(), t.pipe)).collect();
        assert_eq!(shape, [("a", false), ("|", true), ("b", false), ("c|d", false), ("|", true)]);
    }

    #[test]
    fn no_input_panics() {
        let g = grammar();
        for line in ["", " ", "\"", "\\", "show \"\\", "é ü", "show chassis routing-engine -0", "\u{0}"] {
            let _ = g.parse(line);
            let _ = g.completions(line);
            let _ = g.complete_word(line);
        }
    }

    #[test]
    fn an_rpc_element_makes_the_parsed_command_its_line_would() {
        let grammar = Grammar::load(
            "t",
            r#"show "Show" { chassis "Chassis" {
                routing-engine "REs" => routing-engine rpc(get-route-engine-information) {
                    <slot> int(0..1) "Slot";
                    detail "Detail";
                    last "Last" => routing-engine { <count> int(1..9) "Count"; }
                }
            } }"#,
        )
        .unwrap();
        let rpc = "get-route-engine-information";
        let parsed = grammar.invocation(rpc, &[("slot", Some("1")), ("detail", None)]).unwrap();
        let line = Language { commands: grammar.clone(), pipes: Grammar::default() };
        let typed = line.parse("show chassis routing-engine 1 detail").unwrap().command;
        assert_eq!(
            (parsed.action, parsed.arg("slot"), parsed.has("detail")),
            (typed.action, Some("1"), true)
        );
        assert_eq!(grammar.invocation(rpc, &[("last", Some("3"))]).unwrap().arg("count"), Some("3"));
        let error = |arguments: &[(&str, Option<&str>)]| grammar.invocation(rpc, arguments).unwrap_err();
        assert_eq!(error(&[("bogus", None)]), ArgumentError::Unknown { element: "bogus".into() });
        assert_eq!(error(&[("slot", None)]), ArgumentError::Missing { element: "slot".into() });
        assert!(
            matches!(error(&[("slot", Some("7"))]), ArgumentError::InvalidValue { element, .. } if element == "slot")
        );
        assert!(matches!(error(&[("detail", Some("x"))]), ArgumentError::InvalidValue { .. }));
        assert_eq!(
            grammar.invocation("get-foo", &[]).unwrap_err(),
            ArgumentError::Unknown { element: "get-foo".into() }
        );
    }

    #[test]
    fn a_word_borrows_the_line_unless_it_holds_a_quote() {
        let line = "set a\"b c\"d \"x\\\"y\" plain | g";
        let read: Vec<(bool, String)> = words(line)
            .into_iter()
            .map(|w| (matches!(w.text, Cow::Borrowed(_)), w.text.into_owned()))
            .collect();
        let expected =
            [(true, "set"), (false, "ab cd"), (false, "x\"y"), (true, "plain"), (true, "|"), (true, "g")];
        assert_eq!(read, expected.map(|(b, t)| (b, t.to_owned())));
    }

    #[test]
    fn a_line_read_after_another_reads_as_it_does_alone() {
        // Lines of a few words and of every character that changes how a
        // line splits, each read after the one before it.
        let pieces = [
            "set", "a", "ab", "\"", "\\", " ", "  ", "|", "é", "\t", "x y", "\"q r\"", "\u{2003}", "\u{2022}",
        ];
        let mut rng = crate::config::random::Rng::new(7);
        // Each line the start of the one before and pieces of its own.
        let mut line: Vec<&str> = Vec::new();
        let lines: Vec<String> = (0..20000)
            .map(|_| {
                line.truncate(rng.below(line.len() + 1));
                line.extend((0..rng.below(4)).map(|_| pieces[rng.below(pieces.len())]));
                line.concat()
            })
            .collect();
        let mut read = Vec::new();
        let mut last = "";
        for line in &lines {
            let kept = next_words_into(last, line, &mut read);
            assert_eq!(read, words(line), "{line:?} after {last:?}");
            assert!(kept <= read.len());
            last = line;
        }
    }
}
