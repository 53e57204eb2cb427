//! Policy expressions: where Junos takes the name of a policy (`import`,
//! `export`, `from policy`), it also takes an expression of names in
//! parentheses, joined by `&&`, `||` and `?` and negated by `!`
//! (`export ( A && ! B );`). An expression is kept as one value, written
//! as Junos prints it: each operator and parenthesis a word of its own.

use super::path::Word;
use crate::grammar::ParseError;

/// Whether `value`, stored where an expression may be, is one.
pub fn is_expression(value: &str) -> bool {
    value.starts_with('(')
}

/// The policy names a value stands for: itself, or each name in its expression.
pub fn names(value: &str) -> Vec<&str> {
    if !is_expression(value) {
        return vec![value];
    }
    value.split_whitespace().filter(|w| !matches!(*w, "(" | ")" | "!" | "&&" | "||" | "?")).collect()
}

/// One piece of an expression, and the word it came from.
struct Piece<'w> {
    text: String,
    column: usize,
    word: &'w str,
}

/// Splits a word into parentheses, operators and names: `(A&&!B)` is
/// seven pieces. A lone `|` is kept, to join its neighbour: a command line
/// splits `||` at each `|`.
fn pieces<'w>(word: &Word<'w>, out: &mut Vec<Piece<'w>>) {
    let mut chars = word.text.chars().peekable();
    let piece = |text: String| Piece { text, column: word.column, word: word.text };
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' | ')' | '!' | '?' => out.push(piece(c.to_string())),
            '&' | '|' => {
                let mut text = c.to_string();
                if chars.peek() == Some(&c) {
                    chars.next();
                    text.push(c);
                }
                match out.last_mut() {
                    Some(last) if text == "|" && last.text == "|" => last.text.push('|'),
                    _ => out.push(piece(text)),
                }
            }
            _ => {
                let mut name = c.to_string();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()!?&|".contains(c) {
                        break;
                    }
                    name.push(c);
                    chars.next();
                }
                out.push(piece(name));
            }
        }
    }
}

/// Reads the expression that `first` opens (its text begins with `(`),
/// taking words from `rest` until its parentheses close, and returns it as
/// stored. `check` checks each name.
pub fn read<'a, 'w: 'a>(
    first: &'a Word<'w>,
    rest: &mut impl Iterator<Item = &'a Word<'w>>,
    check: impl Fn(&Word<'_>) -> Result<(), ParseError>,
) -> Result<String, ParseError> {
    let mut all = Vec::new();
    let mut word = first;
    loop {
        pieces(word, &mut all);
        let depth = all.iter().fold(0i32, |d, p| match p.text.as_str() {
            "(" => d + 1,
            ")" => d - 1,
            _ => d,
        });
        if depth <= 0 {
            break;
        }
        word = match rest.next() {
            Some(next) => next,
            None => return Err(ParseError::MissingArgument { column: word.end }),
        };
    }
    // An operand is a name, `!` an operand, or a parenthesised expression;
    // operands are joined by an operator.
    let mut operand = true;
    let mut depth = 0;
    for (i, p) in all.iter().enumerate() {
        let bad = || Err(ParseError::Syntax { column: p.column });
        match (operand, p.text.as_str()) {
            (true, "(") => depth += 1,
            (true, "!") => {}
            (true, ")" | "&&" | "||" | "?" | "&" | "|") => return bad(),
            (true, name) => {
                check(&Word { text: name, column: p.column, end: p.column + p.word.chars().count() })?;
                operand = false;
            }
            (false, ")") => {
                depth -= 1;
                if depth == 0 && i + 1 != all.len() {
                    return Err(ParseError::Syntax { column: all[i + 1].column });
                }
            }
            (false, "&&" | "||" | "?") => operand = true,
            (false, _) => return bad(),
        }
    }
    Ok(all.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Word<'_>> {
        let mut column = 0;
        line.split(' ')
            .map(|text| {
                let word = Word { text, column, end: column + text.len() };
                column += text.len() + 1;
                word
            })
            .collect()
    }

    fn read_all(line: &str) -> Result<(String, usize), ParseError> {
        let words = words(line);
        let mut rest = words[1..].iter();
        let value = read(&words[0], &mut rest, |_| Ok(()))?;
        Ok((value, rest.count()))
    }

    #[test]
    fn an_expression_is_read_to_its_closing_parenthesis_and_written_as_junos_prints_it() {
        assert_eq!(read_all("( A && B ) next").unwrap(), ("( A && B )".into(), 1));
        assert_eq!(read_all("(A||!B)").unwrap(), ("( A || ! B )".into(), 0));
        assert_eq!(read_all("( A | | ( B ? C ) )").unwrap(), ("( A || ( B ? C ) )".into(), 0));
        assert_eq!(read_all("( ONE )").unwrap(), ("( ONE )".into(), 0));
        assert_eq!(read_all("\"( A && B )\"".trim_matches('"')).unwrap(), ("( A && B )".into(), 0));
    }

    #[test]
    fn a_malformed_expression_is_a_syntax_error_at_its_word() {
        assert_eq!(read_all("( A && )").unwrap_err(), ParseError::Syntax { column: 7 });
        assert_eq!(read_all("( A B )").unwrap_err(), ParseError::Syntax { column: 4 });
        assert_eq!(read_all("(A))").unwrap_err(), ParseError::Syntax { column: 0 });
        assert_eq!(read_all("( A && B").unwrap_err(), ParseError::MissingArgument { column: 8 });
        assert_eq!(read_all("( A & B )").unwrap_err(), ParseError::Syntax { column: 4 });
    }

    #[test]
    fn the_names_of_an_expression_are_its_policies() {
        assert_eq!(names("( A && ! ( B || C ) )"), ["A", "B", "C"]);
        assert_eq!(names("PLAIN"), ["PLAIN"]);
    }
}
