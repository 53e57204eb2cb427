//! Reading configuration text: the Junos curly-brace form (the stored
//! configuration, `load override|merge|replace`) and `set`/`delete` lines
//! (`load set`). A statement that does not read is reported with its line and
//! column and skipped; the rest still loads.

use super::path::{Resolved, Step, Word, resolve, resolve_line};
use super::schema::{Kind, Schema};
use super::tree::Node;
use crate::grammar::{ParseError, free_of_control, tokenize};

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

/// A word of curly text with its place.
struct Lexeme {
    text: String,
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
    /// `/* text */` before a statement: its annotation.
    Comment,
}

/// Splits curly text into words, punctuation, `inactive:` markers and
/// `/* */` annotations, dropping `#` comments.
fn lex(text: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut column) = (1, 0);
    let advance = |c: char, line: &mut usize, column: &mut usize| {
        if c == '\n' {
            *line += 1;
            *column = 0;
        } else {
            *column += 1;
        }
    };
    while let Some(&c) = chars.peek() {
        let (at_line, at_column) = (line, column);
        match c {
            c if c.is_whitespace() => {
                chars.next();
                advance(c, &mut line, &mut column);
            }
            '#' => {
                while let Some(&c) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    chars.next();
                    advance(c, &mut line, &mut column);
                }
            }
            '/' if {
                let mut ahead = chars.clone();
                ahead.next();
                ahead.peek() == Some(&'*')
            } =>
            {
                let mut comment = String::new();
                for c in chars.by_ref() {
                    advance(c, &mut line, &mut column);
                    comment.push(c);
                    if comment.len() > 3 && comment.ends_with("*/") {
                        break;
                    }
                }
                let inner = comment.trim_start_matches("/*").trim_end_matches("*/").trim();
                out.push(Lexeme {
                    text: inner.to_owned(),
                    line: at_line,
                    column: at_column,
                    kind: LexemeKind::Comment,
                });
            }
            '{' | '}' | ';' => {
                chars.next();
                advance(c, &mut line, &mut column);
                let kind = LexemeKind::Punctuation;
                out.push(Lexeme { text: c.to_string(), line: at_line, column: at_column, kind });
            }
            '"' => {
                chars.next();
                advance(c, &mut line, &mut column);
                let mut word = String::new();
                while let Some(c) = chars.next() {
                    advance(c, &mut line, &mut column);
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                advance(escaped, &mut line, &mut column);
                                word.push(escaped);
                            }
                        }
                        c => word.push(c),
                    }
                }
                out.push(Lexeme { text: word, line: at_line, column: at_column, kind: LexemeKind::Word });
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '{' | '}' | ';' | '"') {
                        break;
                    }
                    chars.next();
                    advance(c, &mut line, &mut column);
                    word.push(c);
                }
                let kind = match word.as_str() {
                    "inactive:" => LexemeKind::Inactive,
                    "protect:" => LexemeKind::Protect,
                    _ => LexemeKind::Word,
                };
                out.push(Lexeme { text: word, line: at_line, column: at_column, kind });
            }
        }
    }
    out
}

/// Reads curly-brace text into a tree.
pub fn parse_text(schema: &Schema, text: &str) -> (Node, Vec<LoadError>) {
    let mut root = Node::default();
    let mut errors = Vec::new();
    // The levels entered with `{`; `None` for a block being skipped after an error.
    let mut levels: Vec<Option<Vec<Step>>> = Vec::new();
    let mut words: Vec<Lexeme> = Vec::new();
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
            LexemeKind::Comment => {
                // An annotation is printed in every listing of the statement.
                match free_of_control(&lexeme.text) {
                    Ok(()) => annotation = lexeme.text,
                    Err(message) => {
                        errors.push(LoadError { line: lexeme.line, column: lexeme.column + 1, message })
                    }
                }
                continue;
            }
            LexemeKind::Punctuation => {}
        }
        let statement = std::mem::take(&mut words);
        let (inactive, annotation) = (std::mem::take(&mut inactive), std::mem::take(&mut annotation));
        let protected = std::mem::take(&mut protected);
        match lexeme.text.as_str() {
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
                    Some(Some(level)) => level.clone(),
                    None => Vec::new(),
                };
                let read = read_statement(schema, &level, &statement);
                match read {
                    Ok(paths) if paths.iter().all(|p| p.wanting.is_none()) => {
                        for path in &paths {
                            // An empty container means nothing until something is
                            // set in it; a list entry or presence container does.
                            if !opens || path.steps.last().is_some_and(|s| meaningful_when_empty(schema, s)) {
                                root.set(schema, path);
                            }
                        }
                        let head = &paths[0].steps;
                        if inactive || protected || !annotation.is_empty() {
                            // The marks belong to the statement opened at this level,
                            // not to the words of a one-liner after it, nor to the
                            // inline container before it (`inactive: family inet`).
                            let mut start = level.len();
                            while start + 1 < head.len() && schema.node(head[start].schema).inline {
                                start += 1;
                            }
                            let first = head.get(start).map(|s| &schema.node(s.schema).kind);
                            let keyword_list = matches!(first, Some(Kind::List { keyword: true, .. }));
                            let own = (start + if keyword_list { 2 } else { 1 }).min(head.len());
                            let node = root.entry(&head[..own]);
                            node.inactive = inactive;
                            node.protected = protected;
                            node.annotation = annotation;
                        }
                        if opens {
                            levels.push(Some(head.clone()));
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
    (root, errors)
}

fn meaningful_when_empty(schema: &Schema, step: &Step) -> bool {
    let node = schema.node(step.schema);
    node.presence || matches!(node.kind, Kind::List { .. })
}

/// One statement of curly text: usually one path, but a one-liner may hold
/// several (`chassis-control disable failover alternate-media;`), each read
/// from the one-liner's own level.
fn read_statement(schema: &Schema, level: &[Step], statement: &[Lexeme]) -> Result<Vec<Resolved>, LoadError> {
    let words: Vec<Word<'_>> = statement
        .iter()
        .map(|l| Word { text: &l.text, column: l.column, end: l.column + l.text.chars().count() })
        .collect();
    let mut paths = Vec::new();
    let mut start = level.to_vec();
    let mut rest = &words[..];
    loop {
        let e = match resolve(schema, &start, rest) {
            Ok(path) => {
                paths.push(path);
                return Ok(paths);
            }
            Err(e) => e,
        };
        let at = e.column().and_then(|c| rest.iter().position(|w| w.column == c));
        if let (ParseError::Syntax { .. }, Some(i @ 1..)) = (&e, at)
            && let Ok(path) = resolve(schema, &start, &rest[..i])
        {
            let one_liner = path.steps.iter().rposition(|s| schema.node(s.schema).oneliner);
            if let (None, Some(cut)) = (&path.wanting, one_liner.filter(|&cut| cut + 1 >= start.len())) {
                start = path.steps[..=cut].to_vec();
                paths.push(path);
                rest = &rest[i..];
                continue;
            }
        }
        let bad = e.column().and_then(|c| statement.iter().position(|l| l.column == c)).unwrap_or(0);
        return Err(match statement.get(bad) {
            Some(l) => LoadError::at(l.line, &words[bad], &e),
            None => LoadError { line: 0, column: 0, message: e.to_string() },
        });
    }
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
    Some(lines.map(|lines| lines.join("\n")))
}

/// Applies `set`, `delete`, `deactivate`, `activate`, `protect`, `unprotect`
/// and `annotate` lines to `root`; `#`
/// lines and blank lines are skipped. Other commands are errors.
pub fn apply_set_lines(schema: &Schema, root: &mut Node, text: &str) -> Vec<LoadError> {
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let tokens = tokenize(line);
        let Some((verb, rest)) = tokens.split_first() else {
            continue;
        };
        if verb.text.starts_with('#') {
            continue;
        }
        let column = |byte: usize| line[..byte].chars().count();
        let words: Vec<Word<'_>> = rest
            .iter()
            .map(|t| Word { text: &t.text, column: column(t.start), end: column(t.end) })
            .collect();
        let bad_verb = || LoadError {
            line: n + 1,
            column: column(verb.start) + 1,
            message: format!("syntax error: {}", verb.text),
        };
        match verb.text.as_str() {
            // `annotate PATH "comment"`, the path from the top.
            "annotate" if words.len() >= 2 => {
                let Some((comment, path)) = words.split_last() else { continue };
                let text = comment.text.trim_start_matches("/*").trim_end_matches("*/").trim();
                match resolve(schema, &[], path) {
                    Ok(path) => match free_of_control(text) {
                        Ok(()) => {
                            root.annotate(&path.steps, text);
                        }
                        Err(message) => {
                            errors.push(LoadError { line: n + 1, column: comment.column + 1, message })
                        }
                    },
                    Err(e) => {
                        let i =
                            e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                        errors.push(LoadError::at(n + 1, &words[i], &e));
                    }
                }
            }
            "protect" | "unprotect" => match resolve(schema, &[], &words) {
                Ok(path) => {
                    root.set_protected(&path.steps, verb.text == "protect");
                }
                Err(e) => {
                    let i = e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                    match words.get(i) {
                        Some(w) => errors.push(LoadError::at(n + 1, w, &e)),
                        None => errors.push(bad_verb()),
                    }
                }
            },
            "set" | "delete" | "deactivate" | "activate" => match resolve_line(schema, &[], &words) {
                Ok(path) if path.wanting.is_none() || verb.text != "set" => match verb.text.as_str() {
                    "set" => root.set(schema, &path),
                    "delete" => {
                        root.delete(schema, &path);
                    }
                    other => {
                        root.set_inactive_all(&path, other == "deactivate");
                    }
                },
                Ok(_) => errors.push(LoadError {
                    line: n + 1,
                    column: column(line.trim_end().len()) + 1,
                    message: "missing argument".into(),
                }),
                Err(e) => {
                    let i = e.column().and_then(|c| words.iter().position(|w| w.column == c)).unwrap_or(0);
                    match words.get(i) {
                        Some(w) => errors.push(LoadError::at(n + 1, w, &e)),
                        None => errors.push(bad_verb()),
                    }
                }
            },
            _ => errors.push(bad_verb()),
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::print::{to_set, to_text};
    use crate::config::tree::tests::build;

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

    /// The annotations of a tree, which the set form does not carry, removed.
    fn without_annotations(node: &Node) -> Node {
        Node {
            children: node
                .children
                .iter()
                .map(|(k, c)| (k.clone(), std::sync::Arc::new(without_annotations(c))))
                .collect(),
            annotation: String::new(),
            ..node.clone()
        }
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
            (
                system.children["host-name"].annotation.as_str(),
                system.children["domain-name"].annotation.as_str()
            ),
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
