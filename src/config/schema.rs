//! The configuration schema: which statements exist, what they hold, and how
//! they print. Loaded from every `grammar/schema/*.schema` file (embedded at
//! build time; one file per top-level hierarchy), the top-level statements
//! sorted as `grammar/schema/ORDER` lists them, which is the order Junos
//! prints them in. A statement is added in its file and nowhere else:
//!
//! ```text
//! system "System parameters" {                            # container
//!     host-name string "Hostname for this router";        # leaf with a typed value
//!     root-authentication "Root password" mandatory { ... }
//!     processes "Process control" {
//!         <process> string "Process name" oneliner {      # list entries named by value
//!             disable "Disable process";                  # flag
//!         }
//!     }
//! }
//! interfaces "Interface configuration" {
//!     <interface> string "Interface name" {
//!         unit <unit> int(0..16385) "Logical unit" { ... }  # list behind a keyword
//!     }
//! }
//! apply-groups [ string ] "Groups to inherit from";       # leaf-list
//! routing-engine <slot> int(0..1) "Slot" oneliner {
//!     <role> enum(master|backup|disabled) "Role";         # value written without keyword
//! }
//! ```
//!
//! Attributes after the help: `mandatory`, `presence` (a container that means
//! something when empty), `oneliner` (an entry whose one statement is printed
//! on its line: `route 0.0.0.0/0 next-hop 10.0.0.1;`), `flat` (a one-liner
//! whose statements are all printed on its line, however many: `hold-time
//! up 100 down 200;`, `local-as 65001 private loops 2;`, a secret among them
//! marked at the end), `inline` (a container whose name is printed on the
//! line of each statement in it: `family inet {`; on a list, the same for
//! each entry's name, as Junos prints a list with several keys:
//! `route-filter 10.0.0.0/8 exact;`, `community add A;`),
//! `quoted` (a list whose entries' names print in quotes even when plain, as
//! archive sites do), `ordered` (entries keep the order the user gives),
//! `secret` (on a list, the names of its entries are: `ssh-rsa "ssh-rsa
//! AAAA...";`), `default
//! VALUE`, `top-level` (the entries of `groups` hold any top-level
//! statement), and `unwrapped` (a container of one keyword-less list whose
//! entries XML and JSON name after the container, with no element of its
//! own: each group is a `<groups>` element, `"groups"` an array), and
//! `scope` (a list whose entries are configurations of their own, as a
//! logical system is: a reference inside one names what it defines).
//!
//! Value types: `string`, `filename`, `int(A..B)`, `enum(a|b)`, `ipv4`,
//! `ipv6`, `ip` (either), `ipv4-prefix`, `ipv6-prefix`, `prefix` (either),
//! `ip-or-prefix`, `interface-name`, `bandwidth(A..B)` (`10g`, decimal) and
//! `size(A..B)` (`1m`, binary); see `grammar::types` for their checks. Any
//! file may declare, for every file to use (each must be used somewhere):
//!
//! ```text
//! type severity = enum(any|emergency|alert);            # a named type
//! type policy-name = ref(policy-options policy-statement  # names an entry of that list
//!     "Policy error: Policy {} referenced but not defined");
//! type login-class = ref(system login class + super-user|operator "...");  # or a built-in name
//! grouping authentication {                             # a block of statements...
//!     encrypted-password string "Encrypted password" secret;
//! }
//! root-authentication "Root password" { uses authentication; }  # ...shared where used
//! route <destination> prefix "Static route" {
//!     choice { discard "Discard"; next-hop [ ip ] "Next hop"; }  # setting one removes the others
//! }
//! ```
//!
//! A `ref` ending in `expressions` also takes a policy expression of names,
//! in parentheses (`export ( A && ! B );`), stored as one value.
//!
//! A `ref` value completes with the names defined at its path, and commit
//! refuses one not defined there (nor built in) with the error given, `{}`
//! standing for the name. Loading resolves every type, grouping and
//! reference, so a schema that loads has none dangling.
//!
//! When the top level defines `apply-groups`, every container and list may
//! hold `apply-groups` and `apply-groups-except` too, first among its
//! statements, as Junos allows them at any level.

mod read;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use nom::multi::many0;

use super::sym::Sym;
use crate::grammar::ArgType;
use crate::grammar::GrammarError;
use crate::grammar::syntax::{locate, parse_all};
use read::{Decl, Item, Raw, Shape, TypeRef};

/// Every file under `grammar/schema`, as (path, text), embedded by build.rs.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/schema_files.rs"));

/// The order of the top-level statements.
const ORDER: &str = include_str!("../../grammar/schema/ORDER");

/// Places an error at `at`, in whichever of `files` holds it.
fn locate_in(files: &[(&str, &str)], at: &str, message: String) -> GrammarError {
    let within = |text: &str| {
        let start = text.as_ptr() as usize;
        (start..=start + text.len()).contains(&(at.as_ptr() as usize))
    };
    let (file, text) = files.iter().copied().find(|(_, text)| within(text)).unwrap_or(("", at));
    locate(file, text, at, message)
}

/// One statement of a level as read: at the top, or in a body or grouping.
enum Member<'r, 'a> {
    Statement(&'r Raw<'a>),
    Item(&'r Item<'a>),
}

/// A reference as read, its path not yet looked up.
struct PendingReference<'a> {
    at: &'a str,
    paths: Vec<Vec<&'a str>>,
    builtin: Vec<&'a str>,
    message: String,
    expressions: bool,
}

/// What placing the statements needs besides them: the declarations of
/// every file, and what has been made of them so far.
struct Loader<'r, 'a> {
    located: &'r dyn Fn(&str, String) -> GrammarError,
    types: HashMap<&'a str, (&'a str, &'r TypeRef<'a>)>,
    groupings: HashMap<&'a str, &'r [Item<'a>]>,
    /// Grouping declarations, to find those never used.
    grouping_at: Vec<(&'a str, &'a str)>,
    used_types: HashSet<&'a str>,
    placed: HashMap<&'a str, Vec<SchemaId>>,
    /// The groupings being placed, innermost last.
    using: Vec<&'a str>,
    references: Vec<PendingReference<'a>>,
    top_level: Vec<SchemaId>,
}

impl<'r, 'a> Loader<'r, 'a> {
    fn new(
        decls: &'r [Decl<'a>],
        located: &'r dyn Fn(&str, String) -> GrammarError,
    ) -> Result<Self, GrammarError> {
        let mut loader = Loader {
            located,
            types: HashMap::new(),
            groupings: HashMap::new(),
            grouping_at: Vec::new(),
            used_types: HashSet::new(),
            placed: HashMap::new(),
            using: Vec::new(),
            references: Vec::new(),
            top_level: Vec::new(),
        };
        for decl in decls {
            match decl {
                Decl::Type { at, name, ty } => {
                    if loader.types.insert(name, (at, ty)).is_some() {
                        return Err(located(at, format!("type '{name}' is defined twice")));
                    }
                }
                Decl::Grouping { at, name, items } => {
                    if loader.groupings.insert(name, items).is_some() {
                        return Err(located(at, format!("grouping '{name}' is defined twice")));
                    }
                    loader.grouping_at.push((at, name));
                }
                Decl::Statement(_) => {}
            }
        }
        Ok(loader)
    }

    /// The built-in type `t` stands for, and what it references.
    fn resolve(
        &mut self,
        at: &'a str,
        t: &'r TypeRef<'a>,
        depth: usize,
    ) -> Result<(ArgType, Option<PendingReference<'a>>), GrammarError> {
        match t {
            TypeRef::Builtin(t) => Ok((t.clone(), None)),
            TypeRef::Ref { paths, builtin, message, expressions } => Ok((
                ArgType::String,
                Some(PendingReference {
                    at,
                    paths: paths.clone(),
                    builtin: builtin.clone(),
                    message: message.clone(),
                    expressions: *expressions,
                }),
            )),
            TypeRef::Named(name) => {
                let Some(&(declared, t)) = self.types.get(name) else {
                    return Err((self.located)(at, format!("no type '{name}'")));
                };
                if depth > self.types.len() {
                    return Err((self.located)(declared, format!("type '{name}' is defined by itself")));
                }
                self.used_types.insert(name);
                self.resolve(declared, t, depth + 1)
            }
        }
    }

    /// Looks up every reference's list, and refuses a declaration that
    /// nothing uses (it would go unchecked).
    fn finish(&self, schema: &mut Schema) -> Result<(), GrammarError> {
        for r in &self.references {
            let mut lists = Vec::new();
            for path in &r.paths {
                let mut at = None;
                for word in path {
                    at = schema
                        .children(at)
                        .iter()
                        .copied()
                        .find(|&c| schema.node(c).has_keyword() && schema.node(c).name == *word);
                    if at.is_none() {
                        break;
                    }
                }
                let target = at.filter(|&t| match schema.node(t).kind {
                    Kind::List { keyword: true, .. } => true,
                    Kind::Container => schema.unnamed(Some(t)).is_some(),
                    _ => false,
                });
                let Some(target) = target else {
                    return Err((self.located)(r.at, format!("'{}' names no list", path.join(" "))));
                };
                lists.push(ReferencedList { path: path.iter().map(|w| (*w).to_owned()).collect(), target });
            }
            schema.references.push(Reference {
                lists,
                builtin: r.builtin.iter().map(|w| (*w).to_owned()).collect(),
                message: r.message.clone(),
            });
        }
        if let Some((name, (at, _))) = self.types.iter().find(|(name, _)| !self.used_types.contains(*name)) {
            return Err((self.located)(at, format!("type '{name}' is never used")));
        }
        if let Some((at, name)) = self.grouping_at.iter().find(|(_, name)| !self.placed.contains_key(name)) {
            return Err((self.located)(at, format!("grouping '{name}' is never used")));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemaId(usize);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `name { ... }`
    Container,
    /// `name;`
    Flag,
    /// `name VALUE;`
    Leaf(ArgType),
    /// `name [ V1 V2 ];`
    LeafList(ArgType),
    /// `[name] KEY { ... }`: entries named by a value, behind a keyword or not.
    List { keyword: bool, key: ArgType },
    /// `VALUE;`: a value written without a keyword, inside a one-liner.
    Value(ArgType),
}

#[derive(Debug, Clone)]
pub struct SchemaNode {
    /// The keyword; for lists without one and for values, the placeholder name.
    pub name: String,
    /// `name` as a symbol: the key a statement is stored under, ready.
    pub key: Sym,
    /// How `?` names the value: `unit <logical-unit-number>`, `<interface-name>`.
    pub placeholder: String,
    pub kind: Kind,
    pub help: String,
    pub children: Vec<SchemaId>,
    pub mandatory: bool,
    pub presence: bool,
    pub oneliner: bool,
    /// A one-liner that holds all its statements on its line, not just one.
    pub flat: bool,
    /// A list whose entries' names print in quotes, plain or not.
    pub quoted: bool,
    /// A list whose entries are configurations of their own: a reference
    /// inside one names what that entry defines.
    pub scope: bool,
    pub inline: bool,
    pub ordered: bool,
    pub secret: bool,
    /// A container of one keyword-less list whose entries XML and JSON name
    /// after the container, with no element of its own (`<groups>`).
    pub unwrapped: bool,
    pub default: Option<String>,
    /// Whether a value may also be a policy expression of the names it
    /// references (`( A && ! B )`), as import and export policies may.
    pub expressions: bool,
    /// What the value names, when it names something defined elsewhere.
    reference: Option<usize>,
    /// The `choice` this statement belongs to.
    choice: Option<usize>,
}

/// A value that names an entry defined elsewhere in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The lists whose entries it names (a filter of `family inet` may be
    /// defined there or family-less).
    pub lists: Vec<ReferencedList>,
    /// Names Junos defines itself, valid without an entry.
    pub builtin: Vec<String>,
    /// The commit error, `{}` standing for the name.
    message: String,
}

/// A list a reference names the entries of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferencedList {
    /// The keywords from the top to the list.
    pub path: Vec<String>,
    /// That list (or the container of a list without a keyword).
    pub target: SchemaId,
}

impl Reference {
    /// The commit error for `name`, undefined.
    pub fn error(&self, name: &str) -> String {
        self.message.replace("{}", name)
    }
}

impl SchemaNode {
    /// Whether this statement is named by a keyword typed before its value.
    pub fn has_keyword(&self) -> bool {
        !matches!(self.kind, Kind::List { keyword: false, .. } | Kind::Value(_))
    }

    /// The word a keyword-less value is in XML and JSON: an enumerated one
    /// (`routing-engine 0 master`) is an empty element of its own name;
    /// any other (`route-distinguisher 192.0.2.1:1`, a number, an address)
    /// is the text of an element named as its placeholder, as Junos names
    /// the leaf (`<rd-type>192.0.2.1:1</rd-type>`). `None` for the latter.
    pub fn value_word<'v>(&self, value: &'v str) -> Option<&'v str> {
        matches!(self.kind, Kind::Value(ArgType::Enum(_))).then_some(value)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    nodes: Vec<SchemaNode>,
    roots: Vec<SchemaId>,
    references: Vec<Reference>,
    /// The members of each `choice`.
    choices: Vec<Vec<SchemaId>>,
    /// What each node (the top level last) holds, for lookups by name and
    /// place: a tree looks a level up once per statement it holds.
    levels: Vec<Level>,
    /// What each node's subtree holds that a commit check looks for.
    holds: Vec<Holds>,
    /// What finds secret values in text, made from this schema's secret
    /// statements the first time it is needed.
    pub(super) secret_patterns: std::sync::OnceLock<Vec<(regex::Regex, String)>>,
}

/// One node's statements, looked up: the keywords by name, the one without
/// a keyword, and each one's place in schema order.
#[derive(Debug, Clone, Default)]
struct Level {
    keywords: foldhash::HashMap<String, SchemaId>,
    /// The first bytes of the keywords, as bits: most words read at a
    /// level of entries (`ge-0/0/0`, `10.0.0.1`) abbreviate none, told
    /// without a look at each keyword.
    initials: [u64; 4],
    /// The same keywords by their symbols' [`Sym::bits`].
    keyword_bits: foldhash::HashMap<u128, SchemaId>,
    unnamed: Option<SchemaId>,
    places: foldhash::HashMap<SchemaId, u32>,
}

impl Level {
    fn of(schema: &Schema, parent: Option<SchemaId>) -> Level {
        let children = schema.children(parent);
        let keyword = |c: SchemaId| schema.node(c).has_keyword();
        Level {
            keywords: children
                .iter()
                .filter(|&&c| keyword(c))
                .map(|&c| (schema.node(c).name.clone(), c))
                .collect(),
            initials: children.iter().filter(|&&c| keyword(c)).fold([0; 4], |mut bits, &c| {
                if let Some(&b) = schema.node(c).name.as_bytes().first() {
                    bits[usize::from(b / 64)] |= 1 << (b % 64);
                }
                bits
            }),
            keyword_bits: children
                .iter()
                .filter(|&&c| keyword(c))
                .map(|&c| (schema.node(c).key.bits(), c))
                .collect(),
            unnamed: children.iter().copied().find(|&c| !keyword(c)),
            // A statement placed twice at one level sorts at its first place.
            places: children.iter().enumerate().rev().map(|(i, &c)| (c, i as u32)).collect(),
        }
    }
}

/// Whether a statement or one below it is mandatory, or names something
/// defined elsewhere: the commit check walks only where these are.
#[derive(Debug, Clone, Copy, Default)]
struct Holds {
    mandatory: bool,
    reference: bool,
}

impl Holds {
    fn of_every(schema: &Schema) -> Vec<Holds> {
        let mut holds = vec![None; schema.nodes.len()];
        for n in 0..schema.nodes.len() {
            Holds::fill(schema, SchemaId(n), &mut holds);
        }
        holds.into_iter().map(Option::unwrap_or_default).collect()
    }

    fn fill(schema: &Schema, id: SchemaId, holds: &mut [Option<Holds>]) -> Holds {
        if let Some(known) = holds[id.0] {
            return known;
        }
        // Statements are shared, and `groups` entries hold the top level:
        // a statement met again on its own way down adds nothing new.
        holds[id.0] = Some(Holds::default());
        let node = schema.node(id);
        let mut all = Holds { mandatory: node.mandatory, reference: node.reference.is_some() };
        for &c in &node.children {
            let below = Holds::fill(schema, c, holds);
            all.mandatory |= below.mandatory;
            all.reference |= below.reference;
        }
        holds[id.0] = Some(all);
        all
    }
}

impl Schema {
    /// The schema shipped in the binary, read once per process and shared.
    pub fn shipped() -> Result<Arc<Schema>, GrammarError> {
        static SHIPPED: OnceLock<Result<Arc<Schema>, GrammarError>> = OnceLock::new();
        SHIPPED.get_or_init(|| Schema::read_shipped().map(Arc::new)).clone()
    }

    /// Reads the shipped schema files afresh: what `shipped` does once.
    pub fn read_shipped() -> Result<Schema, GrammarError> {
        let order: Vec<&str> =
            ORDER.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        Schema::load_files(FILES, Some(&order))
    }

    /// A schema of one file, its top-level statements in the file's order.
    pub fn load(file: &str, text: &str) -> Result<Schema, GrammarError> {
        Schema::load_files(&[(file, text)], None)
    }

    /// A schema made of `files` (path, text). With `order`, the top-level
    /// statements sort as it lists them, whichever file defines them, and
    /// one it does not list is an error.
    pub fn load_files(files: &[(&str, &str)], order: Option<&[&str]>) -> Result<Schema, GrammarError> {
        let located = |at: &str, message: String| locate_in(files, at, message);
        let mut decls = Vec::new();
        for (file, text) in files {
            decls.extend(parse_all(file, text, many0(read::decl))?);
        }
        let mut loader = Loader::new(&decls, &located)?;
        let mut raws: Vec<&Raw<'_>> =
            decls.iter().filter_map(|d| if let Decl::Statement(r) = d { Some(r) } else { None }).collect();
        if let Some(order) = order {
            if let Some(r) = raws.iter().find(|r| !order.contains(&r.name)) {
                return Err(located(r.at, format!("'{}' is not listed in grammar/schema/ORDER", r.name)));
            }
            raws.sort_by_key(|r| order.iter().position(|&o| o == r.name));
        }
        let mut schema = Schema::default();
        schema.roots = schema.place(raws.into_iter().map(Member::Statement), &mut loader)?;
        loader.finish(&mut schema)?;
        schema.add_inheritance_points(&loader.top_level);
        schema.levels = (0..=schema.nodes.len())
            .map(|n| Level::of(&schema, (n < schema.nodes.len()).then_some(SchemaId(n))))
            .collect();
        schema.holds = Holds::of_every(&schema);
        Ok(schema)
    }

    /// `apply-groups` and `apply-groups-except` in every container and list,
    /// and the top-level statements (but `groups` and `apply-groups`) in the
    /// entries marked `top-level`. Statements are shared, not copied.
    fn add_inheritance_points(&mut self, top_level: &[SchemaId]) {
        let Some(apply) = self.keyword(None, "apply-groups") else { return };
        let except = SchemaNode {
            name: "apply-groups-except".into(),
            key: Sym::new("apply-groups-except"),
            placeholder: "<apply-groups-except>".into(),
            help: "Don't inherit configuration data from these groups".into(),
            ..self.node(apply).clone()
        };
        self.nodes.push(except);
        let except = SchemaId(self.nodes.len() - 1);
        let groups = self.keyword(None, "groups");
        for n in 0..self.nodes.len() {
            let id = SchemaId(n);
            if Some(id) == groups || id == except || top_level.contains(&id) {
                continue;
            }
            if matches!(self.nodes[n].kind, Kind::Container | Kind::List { .. }) {
                self.nodes[n].children.splice(0..0, [apply, except]);
            }
        }
        let contents: Vec<SchemaId> =
            self.roots.iter().copied().filter(|&r| Some(r) != groups && r != apply).collect();
        for &id in top_level {
            self.nodes[id.0].children = contents.clone();
        }
    }

    pub fn node(&self, id: SchemaId) -> &SchemaNode {
        &self.nodes[id.0]
    }

    /// The names of the statements marked `secret`, each once.
    pub fn secret_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.nodes.iter().filter(|n| n.secret).map(|n| n.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn roots(&self) -> &[SchemaId] {
        &self.roots
    }

    /// The statements that may appear under `parent` (the top level for `None`).
    pub fn children(&self, parent: Option<SchemaId>) -> &[SchemaId] {
        match parent {
            None => &self.roots,
            Some(id) => &self.nodes[id.0].children,
        }
    }

    /// The keyword statement `name` directly under `parent`.
    pub fn keyword(&self, parent: Option<SchemaId>, name: &str) -> Option<SchemaId> {
        match self.level(parent) {
            // A short word is a symbol made in place, found by its words.
            Some(level) => match Sym::in_place(name) {
                Some(sym) => level.keyword_bits.get(&sym.bits()).copied(),
                None => level.keywords.get(name).copied(),
            },
            // While loading, before the index is made.
            None => self
                .children(parent)
                .iter()
                .copied()
                .find(|&c| self.node(c).has_keyword() && self.node(c).name == name),
        }
    }

    /// Whether `word` may abbreviate a keyword under `parent`: `false` when
    /// no keyword there begins with its first byte.
    pub fn may_abbreviate(&self, parent: Option<SchemaId>, word: &str) -> bool {
        match (self.level(parent), word.as_bytes().first()) {
            (Some(level), Some(&b)) => level.initials[usize::from(b / 64)] & (1 << (b % 64)) != 0,
            _ => true,
        }
    }

    /// [`Schema::keyword`] of a name that is a symbol already (a key of the
    /// tree): found by the symbol's words, not by hashing its text.
    pub fn keyword_sym(&self, parent: Option<SchemaId>, name: Sym) -> Option<SchemaId> {
        match self.level(parent) {
            Some(level) => level.keyword_bits.get(&name.bits()).copied(),
            None => self.keyword(parent, &name),
        }
    }

    /// The name of `id` in XML and JSON: its keyword, but `802.3ad` is
    /// `ieee-802.3ad` there, as no element name begins with a digit.
    pub fn element_name(&self, id: SchemaId) -> std::borrow::Cow<'_, str> {
        let name = &self.node(id).name;
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            format!("ieee-{name}").into()
        } else {
            name.into()
        }
    }

    /// The keyword statement of `parent` named `name` in XML or JSON.
    pub fn keyword_by_element(&self, parent: Option<SchemaId>, name: &str) -> Option<SchemaId> {
        self.keyword(parent, name).or_else(|| {
            let keyword = self.keyword(parent, name.strip_prefix("ieee-")?)?;
            (self.element_name(keyword) == name).then_some(keyword)
        })
    }

    /// The element name of a list's entries in XML and JSON: its keyword,
    /// or the placeholder less `-name` (`<interface-name>` entries are
    /// `<interface>`).
    pub fn list_element(&self, id: SchemaId) -> &str {
        let node = self.node(id);
        if node.has_keyword() {
            return &node.name;
        }
        let bare = node.placeholder.trim_start_matches('<').trim_end_matches('>');
        bare.strip_suffix("-name").unwrap_or(bare)
    }

    /// The statement of `at` that an XML element or JSON member named `name`
    /// stands for: a keyword, an entry of the level's keyword-less list, or
    /// its keyword-less value.
    pub fn by_element(&self, at: Option<SchemaId>, name: &str) -> Option<SchemaId> {
        if let Some(id) = self.keyword_by_element(at, name) {
            return Some(id);
        }
        let id = self.unnamed(at)?;
        let node = self.node(id);
        match node.kind {
            Kind::Value(_) if node.value_word(name).is_some() || node.name == name => Some(id),
            Kind::List { keyword: false, .. } if self.list_element(id) == name => Some(id),
            _ => None,
        }
    }

    /// What the value of `id` names, when it names something defined elsewhere.
    pub fn reference(&self, id: SchemaId) -> Option<&Reference> {
        self.node(id).reference.map(|r| &self.references[r])
    }

    /// The paths of every list whose entries some value may name.
    pub fn referenced_lists(&self) -> impl Iterator<Item = &[String]> {
        self.references.iter().flat_map(|r| r.lists.iter().map(|l| l.path.as_slice()))
    }

    /// The statements that setting `id` removes: the others of its `choice`.
    pub fn rivals(&self, id: SchemaId) -> impl Iterator<Item = SchemaId> + '_ {
        self.node(id)
            .choice
            .into_iter()
            .flat_map(move |c| self.choices[c].iter().copied().filter(move |&m| m != id))
    }

    /// The list without a keyword (or the value) directly under `parent`.
    pub fn unnamed(&self, parent: Option<SchemaId>) -> Option<SchemaId> {
        match self.level(parent) {
            Some(level) => level.unnamed,
            None => self.children(parent).iter().copied().find(|&c| !self.node(c).has_keyword()),
        }
    }

    /// Where a statement sorts among its siblings: Junos prints in schema order.
    pub fn position(&self, parent: Option<SchemaId>, id: SchemaId) -> usize {
        match self.level(parent) {
            Some(level) => level.places.get(&id).map_or(usize::MAX, |&p| p as usize),
            None => self.children(parent).iter().position(|&c| c == id).unwrap_or(usize::MAX),
        }
    }

    /// Whether `id` or a statement below it is mandatory.
    pub fn holds_mandatory(&self, id: SchemaId) -> bool {
        self.holds.get(id.0).is_none_or(|h| h.mandatory)
    }

    /// Whether `id` or a statement below it names something defined elsewhere.
    pub fn holds_reference(&self, id: SchemaId) -> bool {
        self.holds.get(id.0).is_none_or(|h| h.reference)
    }

    /// The lookups of `parent`'s level; none while loading, before they are made.
    fn level(&self, parent: Option<SchemaId>) -> Option<&Level> {
        self.levels.get(parent.map_or(self.nodes.len(), |p| p.0))
    }

    /// Places the statements of one level, and checks their names.
    fn place<'r, 'a: 'r>(
        &mut self,
        members: impl IntoIterator<Item = Member<'r, 'a>>,
        loader: &mut Loader<'r, 'a>,
    ) -> Result<Vec<SchemaId>, GrammarError> {
        let mut placed: Vec<(&'a str, SchemaId)> = Vec::new();
        for member in members {
            match member {
                Member::Statement(raw) | Member::Item(Item::Statement(raw)) => {
                    placed.push((raw.at, self.place_statement(raw, loader)?));
                }
                Member::Item(Item::Uses { at, name }) => {
                    placed.extend(self.grouping(at, name, loader)?.into_iter().map(|id| (*at, id)));
                }
                Member::Item(Item::Choice { at, items }) => {
                    let ids = self.place(items.iter().map(Member::Item), loader)?;
                    for &id in &ids {
                        self.nodes[id.0].choice = Some(self.choices.len());
                    }
                    self.choices.push(ids.clone());
                    placed.extend(ids.into_iter().map(|id| (*at, id)));
                }
            }
        }
        let mut seen = HashSet::new();
        let mut unnamed = 0;
        for &(at, id) in &placed {
            let node = &self.nodes[id.0];
            if node.has_keyword() && !seen.insert(node.name.as_str()) {
                return Err((loader.located)(at, format!("'{}' is defined twice at this level", node.name)));
            }
            if !node.has_keyword() {
                unnamed += 1;
                if unnamed > 1 {
                    return Err((loader.located)(
                        at,
                        "only one statement without a keyword per level".into(),
                    ));
                }
            }
        }
        Ok(placed.into_iter().map(|(_, id)| id).collect())
    }

    fn place_statement<'r, 'a: 'r>(
        &mut self,
        r: &'r Raw<'a>,
        loader: &mut Loader<'r, 'a>,
    ) -> Result<SchemaId, GrammarError> {
        let located = loader.located;
        let body = r.body.is_some();
        let mut reference = None;
        let mut resolve =
            |t: &'r TypeRef<'a>, loader: &mut Loader<'r, 'a>| -> Result<ArgType, GrammarError> {
                let (t, r) = loader.resolve(r.at, t, 0)?;
                reference = r;
                Ok(t)
            };
        let kind = match (&r.shape, r.unnamed) {
            (Shape::Typed(t), true) if body => Kind::List { keyword: false, key: resolve(t, loader)? },
            (Shape::Typed(t), true) => Kind::Value(resolve(t, loader)?),
            (Shape::Bare, false) if body => Kind::Container,
            (Shape::Bare, false) => Kind::Flag,
            (Shape::Typed(t), false) if !body => Kind::Leaf(resolve(t, loader)?),
            (Shape::Keyed(_, t), false) => Kind::List { keyword: true, key: resolve(t, loader)? },
            (Shape::Listed(t), false) if !body => Kind::LeafList(resolve(t, loader)?),
            _ => return Err(located(r.at, format!("'{}' cannot have this form", r.name))),
        };
        let expressions = reference.as_ref().is_some_and(|r| r.expressions);
        let reference = match reference {
            Some(pending) => {
                loader.references.push(pending);
                Some(loader.references.len() - 1)
            }
            None => None,
        };
        let children = match &r.body {
            Some(items) => self.place(items.iter().map(Member::Item), loader)?,
            None => Vec::new(),
        };
        let attribute = |a: &str| r.attributes.iter().any(|(name, _)| *name == a);
        let placeholder = match &r.shape {
            Shape::Keyed(key, _) => format!("<{key}>"),
            _ => format!("<{}>", r.name),
        };
        self.nodes.push(SchemaNode {
            name: r.name.to_owned(),
            key: Sym::new(r.name),
            placeholder,
            kind,
            help: r.help.clone(),
            children,
            mandatory: attribute("mandatory"),
            presence: attribute("presence"),
            oneliner: attribute("oneliner") || attribute("flat"),
            flat: attribute("flat"),
            quoted: attribute("quoted"),
            scope: attribute("scope"),
            inline: attribute("inline"),
            ordered: attribute("ordered"),
            secret: attribute("secret"),
            unwrapped: attribute("unwrapped"),
            default: r.attributes.iter().find(|(name, _)| *name == "default").and_then(|(_, v)| v.clone()),
            expressions,
            reference,
            choice: None,
        });
        let id = SchemaId(self.nodes.len() - 1);
        if attribute("top-level") {
            loader.top_level.push(id);
        }
        Ok(id)
    }

    /// The statements of grouping `name`, placed the first time it is used
    /// and shared by every use.
    fn grouping<'r, 'a: 'r>(
        &mut self,
        at: &'a str,
        name: &'a str,
        loader: &mut Loader<'r, 'a>,
    ) -> Result<Vec<SchemaId>, GrammarError> {
        if let Some(ids) = loader.placed.get(name) {
            return Ok(ids.clone());
        }
        let Some(&items) = loader.groupings.get(name) else {
            return Err((loader.located)(at, format!("no grouping '{name}'")));
        };
        if loader.using.contains(&name) {
            return Err((loader.located)(at, format!("grouping '{name}' uses itself")));
        }
        loader.using.push(name);
        let ids = self.place(items.iter().map(Member::Item), loader)?;
        loader.using.pop();
        loader.placed.insert(name, ids.clone());
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
        system "System parameters" {
            host-name string "Hostname" ;
            root-authentication "Root password" mandatory {
                encrypted-password string "Encrypted password" secret;
            }
            services "Services" { ssh "Allow ssh" presence { port int(1..65535) "Port" default 22; } }
        }
        interfaces "Interfaces" {
            <interface> string "Interface name" {
                disable "Disable";
                unit <unit> int(0..16385) "Logical unit" { description string "Description"; }
            }
        }
        apply-groups [ string ] "Groups";
        routing-engine <slot> int(0..1) "Slot" oneliner { <role> enum(master|backup) "Role"; }
        family "Family" inline { inet "IPv4" presence; }
        server <address> string "Server" flat { key int(1..9) "Key" secret; prefer "Prefer"; }
        ssh-rsa <key> string "Key" secret;
        sites "Sites" { <url> string "URL" quoted; }
    "#;

    #[test]
    fn reads_every_kind_of_statement() {
        let s = Schema::load("t", TEXT).unwrap();
        let system = s.keyword(None, "system").unwrap();
        assert_eq!(s.node(system).kind, Kind::Container);
        let host = s.keyword(Some(system), "host-name").unwrap();
        assert_eq!(s.node(host).kind, Kind::Leaf(ArgType::String));
        let root = s.keyword(Some(system), "root-authentication").unwrap();
        assert!(s.node(root).mandatory);
        let services = s.keyword(Some(system), "services").unwrap();
        let ssh = s.keyword(Some(services), "ssh").unwrap();
        assert!(s.node(ssh).presence);
        let port = s.keyword(Some(ssh), "port").unwrap();
        assert_eq!(s.node(port).default.as_deref(), Some("22"));
        let interfaces = s.keyword(None, "interfaces").unwrap();
        let entry = s.unnamed(Some(interfaces)).unwrap();
        assert_eq!(s.node(entry).kind, Kind::List { keyword: false, key: ArgType::String });
        let unit = s.keyword(Some(entry), "unit").unwrap();
        assert_eq!(s.node(unit).kind, Kind::List { keyword: true, key: ArgType::Int { min: 0, max: 16385 } });
        assert_eq!(s.node(s.keyword(Some(entry), "disable").unwrap()).kind, Kind::Flag);
        assert_eq!(s.node(s.keyword(None, "apply-groups").unwrap()).kind, Kind::LeafList(ArgType::String));
        let re = s.keyword(None, "routing-engine").unwrap();
        assert!(s.node(re).oneliner);
        assert!(matches!(s.node(s.unnamed(Some(re)).unwrap()).kind, Kind::Value(_)));
        assert!(s.node(s.keyword(None, "family").unwrap()).inline);
        let server = s.node(s.keyword(None, "server").unwrap());
        assert!(server.flat && server.oneliner, "a flat entry is a one-liner too");
        let keys = s.node(s.keyword(None, "ssh-rsa").unwrap());
        assert!(keys.secret && matches!(keys.kind, Kind::List { keyword: true, .. }));
        assert!(s.node(s.unnamed(s.keyword(None, "sites")).unwrap()).quoted);
    }

    #[test]
    fn errors_are_located() {
        let e = |t: &str| Schema::load("s", t).unwrap_err().to_string();
        assert_eq!(e("a string \"x\" { b \"y\"; }"), "s:1:1: 'a' cannot have this form");
        assert_eq!(e("a \"x\";\na \"y\";"), "s:2:1: 'a' is defined twice at this level");
        assert_eq!(
            e("a \"x\" { <b> string \"y\" {} <c> string \"z\" {} }"),
            "s:1:27: only one statement without a keyword per level"
        );
        assert_eq!(e("a \"x\""), "s:1:6: expected ';' or '{'");
    }

    #[test]
    fn shipped_schema_loads_once_in_junos_order() {
        let s = Schema::shipped().unwrap();
        assert!(Arc::ptr_eq(&s, &Schema::shipped().unwrap()));
        let names: Vec<&str> = s.roots().iter().map(|&r| s.node(r).name.as_str()).collect();
        let order: Vec<&str> = ORDER.lines().filter(|l| names.contains(l)).collect();
        assert_eq!(names, order);
        assert_eq!(names[..5], ["version", "groups", "apply-groups", "system", "logical-systems"]);
    }

    /// A keyword found by its symbol is the keyword found by its text, at
    /// every level of the shipped schema; an entry's name is none.
    #[test]
    fn keywords_are_found_alike_by_symbol_and_by_text() {
        let s = Schema::shipped().unwrap();
        let parents = std::iter::once(None).chain((0..s.nodes.len()).map(|n| Some(SchemaId(n))));
        for parent in parents {
            for &child in s.children(parent) {
                let node = s.node(child);
                let by_text = s.keyword(parent, &node.name);
                assert_eq!(s.keyword_sym(parent, Sym::new(&node.name)), by_text, "{}", node.name);
                assert_eq!(by_text.is_some(), node.has_keyword(), "{}", node.name);
            }
            assert_eq!(s.keyword_sym(parent, Sym::new("ge-0/0/0.32767 long name")), None);
        }
    }

    #[test]
    fn files_sort_by_the_order_list_and_errors_name_their_file() {
        let files = [("b.schema", "b \"B\";\n"), ("a.schema", "a \"A\";\nc \"C\";\n")];
        let s = Schema::load_files(&files, Some(&["c", "b", "a"])).unwrap();
        let names: Vec<&str> = s.roots().iter().map(|&r| s.node(r).name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
        assert_eq!(
            Schema::load_files(&files, Some(&["b", "a"])).unwrap_err().to_string(),
            "a.schema:2:1: 'c' is not listed in grammar/schema/ORDER"
        );
        let twice = [("x.schema", "a \"A\";"), ("y.schema", "\na \"A\";")];
        assert_eq!(
            Schema::load_files(&twice, None).unwrap_err().to_string(),
            "y.schema:2:1: 'a' is defined twice at this level"
        );
    }

    const SHARED: &str = r#"
        type name = string;
        type policy = ref(policies policy + default "Policy {} is not defined");
        grouping auth {
            password string "Password" secret;
            key name "Key";
        }
        policies "Policies" { policy <name> name "A policy" { uses auth; } }
        root "Root" {
            uses auth;
            export [ policy ] "Export";
            route <to> prefix "Route" {
                choice { discard "Discard"; next-hop ip "Next hop"; reject "Reject"; }
            }
        }
    "#;

    #[test]
    fn types_groupings_references_and_choices() {
        let s = Schema::load("t", SHARED).unwrap();
        let root = s.keyword(None, "root").unwrap();
        let policies = s.keyword(None, "policies").unwrap();
        let policy = s.keyword(Some(policies), "policy").unwrap();
        // A grouping's statements are shared by every use.
        assert_eq!(s.keyword(Some(root), "password"), s.keyword(Some(policy), "password"));
        assert_eq!(s.node(s.keyword(Some(root), "key").unwrap()).kind, Kind::Leaf(ArgType::String));
        let export = s.keyword(Some(root), "export").unwrap();
        let reference = s.reference(export).unwrap();
        let [list] = &reference.lists[..] else { panic!("{reference:?}") };
        assert_eq!((list.path.join(" "), list.target), ("policies policy".into(), policy));
        assert_eq!(reference.builtin, ["default"]);
        assert_eq!(reference.error("p1"), "Policy p1 is not defined");
        let route = s.keyword(Some(root), "route").unwrap();
        let discard = s.keyword(Some(route), "discard").unwrap();
        let rivals: Vec<&str> = s.rivals(discard).map(|r| s.node(r).name.as_str()).collect();
        assert_eq!(rivals, ["next-hop", "reject"]);
    }

    #[test]
    fn setting_one_statement_of_a_choice_removes_the_others() {
        use crate::config::path::{Word, resolve};
        use crate::config::tree::Node;
        let s = Schema::load("t", SHARED).unwrap();
        let mut tree = Node::default();
        for line in ["root route 10.0.0.0/8 discard", "root route 10.0.0.0/8 next-hop 10.1.1.1"] {
            let words: Vec<Word<'_>> = line.split(' ').map(|text| Word { text, column: 0, end: 0 }).collect();
            tree.set(&s, &resolve(&s, &[], &words).unwrap());
        }
        let route = tree.descend(["root", "route", "10.0.0.0/8"]).unwrap();
        assert_eq!(route.children.keys().collect::<Vec<_>>(), ["next-hop"]);
    }

    #[test]
    fn declarations_that_do_not_resolve_are_located_errors() {
        let e = |t: &str| Schema::load("s", t).unwrap_err().to_string();
        assert_eq!(e("a nothing \"A\";"), "s:1:1: no type 'nothing'");
        assert_eq!(e("a \"A\" { uses g; }"), "s:1:9: no grouping 'g'");
        assert_eq!(
            e("grouping g { a \"A\" { uses g; } }\nb \"B\" { uses g; }"),
            "s:1:22: grouping 'g' uses itself"
        );
        assert_eq!(e("type t = u;\ntype u = t;\na t \"A\";"), "s:2:1: type 'u' is defined by itself");
        assert_eq!(e("type t = string;\na \"A\";"), "s:1:1: type 't' is never used");
        assert_eq!(e("grouping g { a \"A\"; }"), "s:1:1: grouping 'g' is never used");
        assert_eq!(e("a ref(b c \"x\") \"A\";\nb \"B\";"), "s:1:1: 'b c' names no list");
        assert_eq!(
            e("grouping g { a \"A\"; }\nb \"B\" { a \"A\"; uses g; }"),
            "s:2:16: 'a' is defined twice at this level"
        );
    }

    /// Loading the shipped files resolves every type, grouping and
    /// reference (or fails); this checks what they resolved to.
    #[test]
    fn every_shipped_reference_names_a_list() {
        let s = Schema::shipped().unwrap();
        assert!(s.references.len() >= 5);
        for list in s.references.iter().flat_map(|r| &r.lists) {
            assert!(list.path.iter().all(|w| !w.is_empty()));
            assert!(matches!(s.node(list.target).kind, Kind::List { .. } | Kind::Container), "{list:?}");
        }
        let class = s.keyword(None, "system").and_then(|x| s.keyword(Some(x), "login"));
        let user = class.and_then(|l| s.keyword(Some(l), "user")).unwrap();
        let class = s.reference(s.keyword(Some(user), "class").unwrap()).unwrap();
        for builtin in &class.builtin {
            assert!(crate::permissions::predefined(builtin).is_some(), "{builtin}");
        }
    }

    #[test]
    fn groups_hold_the_top_level_and_every_level_may_apply_groups() {
        let s = Schema::shipped().unwrap();
        let groups = s.keyword(None, "groups").unwrap();
        let group = s.unnamed(Some(groups)).unwrap();
        assert_eq!(s.keyword(Some(group), "system"), s.keyword(None, "system"));
        assert_eq!(s.keyword(Some(group), "groups"), None);
        assert_eq!(s.keyword(Some(group), "apply-groups"), None);
        let interfaces = s.keyword(None, "interfaces").unwrap();
        let entry = s.unnamed(Some(interfaces)).unwrap();
        assert_eq!(s.keyword(Some(entry), "apply-groups"), s.keyword(None, "apply-groups"));
        assert!(s.keyword(Some(entry), "apply-groups-except").is_some());
        assert_eq!(s.keyword(None, "apply-groups-except"), None);
        assert_eq!(s.keyword(Some(groups), "apply-groups"), None);
    }
}
