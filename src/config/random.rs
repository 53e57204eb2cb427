//! Random configurations drawn from the schema, for the property tests of
//! the readers, writers and comparison.

use super::path::{Step, Word, resolve};
use super::schema::{Kind, Schema, SchemaId};
use super::tree::Node;
use crate::grammar::ArgType;

/// A small deterministic generator (xorshift64*): the same seed gives the
/// same configuration, so a failure can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { Some(&items[self.below(items.len())]) }
    }
}

/// Strings that test the quoting of both text forms.
const STRINGS: &[&str] =
    &["plain", "two words", "semi;colon", "q\"uote", "br{ace}", "back\\slash", "#hash", "x"];

fn value(rng: &mut Rng, t: &ArgType) -> String {
    match t {
        ArgType::Int { min, max } => {
            let span = (max - min) as u64 + 1;
            (min + (rng.next_u64() % span.min(1000)) as i64).to_string()
        }
        ArgType::Ipv4 | ArgType::Ip => format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256)),
        ArgType::Ipv6 => format!("2001:db8::{:x}", rng.below(65536)),
        ArgType::Ipv4Prefix | ArgType::Prefix | ArgType::IpOrPrefix => {
            format!("10.{}.{}.0/24", rng.below(256), rng.below(256))
        }
        ArgType::Ipv6Prefix => format!("2001:db8:{:x}::/48", rng.below(65536)),
        ArgType::InterfaceName => format!("ge-0/0/{}", rng.below(48)),
        ArgType::Scaled { min, max, .. } => {
            (min + rng.next_u64() % (max - min).saturating_add(1).min(1000)).to_string()
        }
        ArgType::Enum(values) => rng.pick(values).cloned().unwrap_or_default(),
        ArgType::String | ArgType::Filename | ArgType::Path => {
            let word = rng.pick(STRINGS).copied().unwrap_or("x");
            if rng.below(2) == 0 { word.to_owned() } else { format!("{word}{}", rng.below(8)) }
        }
    }
}

/// One `set` path from the top: words a user could type.
fn statement(schema: &Schema, rng: &mut Rng) -> Vec<String> {
    let mut words = Vec::new();
    let mut at: Option<SchemaId> = None;
    for depth in 0.. {
        let children = schema.children(at);
        let Some(&id) = rng.pick(children) else { break };
        let node = schema.node(id);
        match &node.kind {
            Kind::Flag => {
                words.push(node.name.clone());
                break;
            }
            Kind::Leaf(t) | Kind::LeafList(t) => {
                words.push(node.name.clone());
                words.push(value(rng, t));
                break;
            }
            Kind::Value(t) => {
                words.push(value(rng, t));
                break;
            }
            Kind::Container => words.push(node.name.clone()),
            Kind::List { keyword, key } => {
                if *keyword {
                    words.push(node.name.clone());
                }
                words.push(value(rng, key));
            }
        }
        at = Some(id);
        // Deep enough: an entry or container ends the statement now and then.
        if depth > 8 || (matches!(node.kind, Kind::List { .. }) && rng.below(4) == 0) {
            break;
        }
    }
    words
}

/// A configuration of about `statements` random statements, some of them
/// deactivated or annotated.
pub fn configuration(schema: &Schema, rng: &mut Rng, statements: usize) -> Node {
    let mut root = Node::default();
    let mut placed: Vec<Vec<Step>> = Vec::new();
    for _ in 0..statements {
        let words = statement(schema, rng);
        let typed: Vec<Word<'_>> = words.iter().map(|w| Word { text: w, column: 0, end: 0 }).collect();
        if let Ok(path) = resolve(schema, &[], &typed)
            && path.wanting.is_none()
        {
            root.set(schema, &path);
            placed.push(path.steps);
        }
    }
    for steps in &placed {
        // A prefix of the path that prints as a statement of its own.
        let cut = rng.below(steps.len()) + 1;
        let prefix = &steps[..cut];
        let Some(last) = prefix.last() else { continue };
        let printable = match schema.node(last.schema).kind {
            Kind::List { keyword: true, .. } => super::tree::ends_at_entry(schema, prefix),
            Kind::Value(_) => false,
            _ => true,
        };
        match (printable, rng.below(8)) {
            (true, 0) => {
                root.set_inactive(prefix, true);
            }
            (true, 1) => {
                root.annotate(prefix, "note");
            }
            (true, 2) => {
                root.set_protected(prefix, true);
            }
            _ => {}
        }
    }
    root
}
