//! The entry points `cargo fuzz` drives (see `fuzz/`): each reads untrusted
//! text with one of the parsers and must return, never panic. The unit test
//! below runs them over the seed corpus and mutations of it on every
//! `cargo test`, a bounded fuzz run that needs no nightly toolchain.

use std::sync::OnceLock;

use crate::config::load::{apply_set_lines, parse_text};
use crate::config::schema::Schema;
use crate::config::tree::{Node, to_set, to_text};
use crate::grammar::{Grammar, Language};

fn languages() -> &'static [Language; 2] {
    static LANGUAGES: OnceLock<[Language; 2]> = OnceLock::new();
    LANGUAGES.get_or_init(|| {
        let language = |commands: Grammar| Language {
            commands,
            pipes: Grammar::pipes().expect("the shipped pipe grammar loads"),
        };
        [
            language(Grammar::operational().expect("the shipped grammar loads")),
            language(Grammar::configuration().expect("the shipped grammar loads")),
        ]
    })
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::shipped().expect("the shipped schema loads"))
}

/// A command line, as typed in either mode: run, `?` and TAB.
pub fn command_line(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    for language in languages() {
        let _ = language.parse(&line);
        let _ = language.completions(&line);
        let _ = language.complete_word(&line);
    }
}

/// A grammar file.
pub fn grammar(data: &[u8]) {
    let _ = Grammar::load("fuzz.grammar", &String::from_utf8_lossy(data));
}

/// A configuration in curly-brace form: what reads without error prints
/// back to text that reads to the same tree.
pub fn configuration_text(data: &[u8]) {
    let schema = schema();
    let (tree, errors) = parse_text(schema, &String::from_utf8_lossy(data));
    if errors.is_empty() {
        let printed = to_text(schema, None, &tree);
        let (again, errors) = parse_text(schema, &printed);
        assert!(errors.is_empty(), "the printed form reads back: {errors:?}\n{printed}");
        assert_eq!(to_text(schema, None, &again), printed, "printing is stable");
    }
}

/// A configuration as `set` lines.
pub fn configuration_set(data: &[u8]) {
    let schema = schema();
    let mut tree = Node::default();
    let _ = apply_set_lines(schema, &mut tree, &String::from_utf8_lossy(data));
    let _ = to_set(schema, None, &tree, "set ");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::random::Rng;

    /// The seeds of a target, from `fuzz/corpus/TARGET`.
    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
        let mut seeds: Vec<Vec<u8>> =
            std::fs::read_dir(&dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
        assert!(!seeds.is_empty(), "{} has seeds", dir.display());
        seeds.sort();
        seeds
    }

    /// One of the edits a fuzzer makes: flip, insert, delete, duplicate, splice.
    fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
        const INTERESTING: &[u8] = b"{};\"\\# \n\t|?*<>[]/-0123456789";
        let mut out = input.to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(out.len() + 1);
            match rng.below(5) {
                0 if at < out.len() => out[at] = rng.next_u64() as u8,
                1 => out.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
                2 if at < out.len() => {
                    let end = (at + rng.below(16)).min(out.len());
                    out.drain(at..end);
                }
                3 if at < out.len() => {
                    let end = (at + rng.below(64)).min(out.len());
                    let copy = out[at..end].to_vec();
                    out.splice(at..at, copy);
                }
                _ if !other.is_empty() => {
                    let from = rng.below(other.len());
                    let end = (from + rng.below(64)).min(other.len());
                    out.splice(at..at, other[from..end].iter().copied());
                }
                _ => {}
            }
        }
        out
    }

    fn run(target: &str, entry: fn(&[u8]), rounds: usize) {
        let seeds = seeds(target);
        let mut rng = Rng::new(0x5eed);
        for seed in &seeds {
            entry(seed);
        }
        for _ in 0..rounds {
            let input = &seeds[rng.below(seeds.len())];
            let other = &seeds[rng.below(seeds.len())];
            let mutated = mutate(&mut rng, input, other);
            entry(&mutated);
        }
    }

    #[test]
    fn command_lines_never_panic() {
        run("command_line", command_line, 20_000);
    }

    #[test]
    fn grammar_files_never_panic() {
        run("grammar", grammar, 2_000);
    }

    #[test]
    fn configuration_text_never_panics_and_reads_back() {
        run("configuration_text", configuration_text, 5_000);
    }

    #[test]
    fn configuration_set_lines_never_panic() {
        run("configuration_set", configuration_set, 5_000);
    }
}
