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
//! something when empty), `oneliner` (printed on one line), `ordered` (entries
//! keep the order the user gives), `secret`, `default VALUE`, and `top-level`
//! (the entries of `groups` hold any top-level statement).
//!
//! When the top level defines `apply-groups`, every container and list may
//! hold `apply-groups` and `apply-groups-except` too, first among its
//! statements, as Junos allows them at any level.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::char;
use nom::combinator::{cut, map, value};
use nom::multi::many0;
use nom::sequence::{delimited, preceded};

use crate::grammar::ArgType;
use crate::grammar::GrammarError;
use crate::grammar::syntax::{Res, arg_type, blank, expect, locate, parse_all, quoted, word};

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
    /// How `?` names the value: `unit <logical-unit-number>`, `<interface-name>`.
    pub placeholder: String,
    pub kind: Kind,
    pub help: String,
    pub children: Vec<SchemaId>,
    pub mandatory: bool,
    pub presence: bool,
    pub oneliner: bool,
    pub ordered: bool,
    pub secret: bool,
    pub default: Option<String>,
}

impl SchemaNode {
    /// Whether this statement is named by a keyword typed before its value.
    pub fn has_keyword(&self) -> bool {
        !matches!(self.kind, Kind::List { keyword: false, .. } | Kind::Value(_))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    nodes: Vec<SchemaNode>,
    roots: Vec<SchemaId>,
    /// What finds secret values in text, made from this schema's secret
    /// statements the first time it is needed.
    pub(super) secret_patterns: std::sync::OnceLock<Vec<(regex::Regex, String)>>,
}

impl Schema {
    /// The schema shipped in the binary, read once per process and shared.
    pub fn shipped() -> Result<Arc<Schema>, GrammarError> {
        static SHIPPED: OnceLock<Result<Arc<Schema>, GrammarError>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                let order: Vec<&str> =
                    ORDER.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
                Schema::load_files(FILES, Some(&order)).map(Arc::new)
            })
            .clone()
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
        let mut raw = Vec::new();
        for (file, text) in files {
            raw.extend(parse_all(file, text, many0(statement))?);
        }
        if let Some(order) = order {
            if let Some(r) = raw.iter().find(|r| !order.contains(&r.name)) {
                return Err(located(r.at, format!("'{}' is not listed in grammar/schema/ORDER", r.name)));
            }
            raw.sort_by_key(|r| order.iter().position(|&o| o == r.name));
        }
        let mut schema = Schema::default();
        let mut top_level = Vec::new();
        schema.roots = schema.place(raw, &mut top_level, &located)?;
        schema.add_inheritance_points(&top_level);
        Ok(schema)
    }

    /// `apply-groups` and `apply-groups-except` in every container and list,
    /// and the top-level statements (but `groups` and `apply-groups`) in the
    /// entries marked `top-level`. Statements are shared, not copied.
    fn add_inheritance_points(&mut self, top_level: &[SchemaId]) {
        let Some(apply) = self.keyword(None, "apply-groups") else { return };
        let except = SchemaNode {
            name: "apply-groups-except".into(),
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
        self.children(parent)
            .iter()
            .copied()
            .find(|&c| self.node(c).has_keyword() && self.node(c).name == name)
    }

    /// The list without a keyword (or the value) directly under `parent`.
    pub fn unnamed(&self, parent: Option<SchemaId>) -> Option<SchemaId> {
        self.children(parent).iter().copied().find(|&c| !self.node(c).has_keyword())
    }

    /// Where a statement sorts among its siblings: Junos prints in schema order.
    pub fn position(&self, parent: Option<SchemaId>, id: SchemaId) -> usize {
        self.children(parent).iter().position(|&c| c == id).unwrap_or(usize::MAX)
    }

    fn place(
        &mut self,
        raw: Vec<Raw<'_>>,
        top_level: &mut Vec<SchemaId>,
        located: &dyn Fn(&str, String) -> GrammarError,
    ) -> Result<Vec<SchemaId>, GrammarError> {
        let mut seen = HashSet::new();
        let mut unnamed = 0;
        let mut ids = Vec::new();
        for r in raw {
            let kind = r.kind(located)?;
            let node_has_keyword = !matches!(kind, Kind::List { keyword: false, .. } | Kind::Value(_));
            if node_has_keyword && !seen.insert(r.name) {
                return Err(located(r.at, format!("'{}' is defined twice at this level", r.name)));
            }
            if !node_has_keyword {
                unnamed += 1;
                if unnamed > 1 {
                    return Err(located(r.at, "only one statement without a keyword per level".into()));
                }
            }
            let children = self.place(r.body.unwrap_or_default(), top_level, located)?;
            let attribute = |a: &str| r.attributes.iter().any(|(name, _)| *name == a);
            let placeholder = match &r.shape {
                Shape::Keyed(key, _) => format!("<{key}>"),
                _ => format!("<{}>", r.name),
            };
            self.nodes.push(SchemaNode {
                name: r.name.to_owned(),
                placeholder,
                kind,
                help: r.help,
                children,
                mandatory: attribute("mandatory"),
                presence: attribute("presence"),
                oneliner: attribute("oneliner"),
                ordered: attribute("ordered"),
                secret: attribute("secret"),
                default: r
                    .attributes
                    .iter()
                    .find(|(name, _)| *name == "default")
                    .and_then(|(_, v)| v.clone()),
            });
            ids.push(SchemaId(self.nodes.len() - 1));
            if attribute("top-level") {
                top_level.push(SchemaId(self.nodes.len() - 1));
            }
        }
        Ok(ids)
    }
}

/// What follows a statement's keyword, before its help.
#[derive(Debug, Clone)]
enum Shape {
    Bare,
    Typed(ArgType),
    Keyed(String, ArgType),
    Listed(ArgType),
}

/// A statement as read, before it is placed.
struct Raw<'a> {
    at: &'a str,
    name: &'a str,
    /// `<name>`: no keyword.
    unnamed: bool,
    shape: Shape,
    help: String,
    attributes: Vec<(&'a str, Option<String>)>,
    body: Option<Vec<Raw<'a>>>,
}

impl Raw<'_> {
    fn kind(&self, located: &dyn Fn(&str, String) -> GrammarError) -> Result<Kind, GrammarError> {
        let body = self.body.is_some();
        Ok(match (&self.shape, self.unnamed) {
            (Shape::Typed(t), true) if body => Kind::List { keyword: false, key: t.clone() },
            (Shape::Typed(t), true) => Kind::Value(t.clone()),
            (Shape::Bare, false) if body => Kind::Container,
            (Shape::Bare, false) => Kind::Flag,
            (Shape::Typed(t), false) if !body => Kind::Leaf(t.clone()),
            (Shape::Keyed(_, t), false) => Kind::List { keyword: true, key: t.clone() },
            (Shape::Listed(t), false) if !body => Kind::LeafList(t.clone()),
            _ => return Err(located(self.at, format!("'{}' cannot have this form", self.name))),
        })
    }
}

fn attribute(input: &str) -> Res<'_, (&str, Option<String>)> {
    alt((
        map(preceded((tag("default"), blank), cut(alt((quoted, map(word, str::to_owned))))), |v| {
            ("default", Some(v))
        }),
        map(
            alt((
                tag("mandatory"),
                tag("presence"),
                tag("oneliner"),
                tag("ordered"),
                tag("secret"),
                tag("top-level"),
            )),
            |a| (a, None),
        ),
    ))
    .parse(input)
}

fn statement(input: &str) -> Res<'_, Raw<'_>> {
    let (input, ()) = blank(input)?;
    let at = input;
    let (input, (name, unnamed)) =
        alt((map(delimited(char('<'), cut(word), cut(char('>'))), |n| (n, true)), map(word, |n| (n, false))))
            .parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, shape) = if unnamed {
        map(cut(expect("value type", arg_type)), Shape::Typed).parse(input)?
    } else {
        alt((
            map(
                (delimited(char('<'), word, char('>')), blank, cut(expect("key type", arg_type))),
                |(k, (), t)| Shape::Keyed(k.to_owned(), t),
            ),
            map(delimited((char('['), blank), cut(arg_type), (blank, cut(char(']')))), Shape::Listed),
            map(arg_type, Shape::Typed),
            value(Shape::Bare, tag("")),
        ))
        .parse(input)?
    };
    let (input, ()) = blank(input)?;
    let (input, help) = cut(expect("quoted help text", quoted)).parse(input)?;
    let (input, attributes) = many0(preceded(blank, attribute)).parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, body) = cut(expect(
        "';' or '{'",
        alt((
            map(char(';'), |_| None),
            map(
                delimited(
                    char('{'),
                    many0(statement),
                    preceded(blank, expect("'}' or a statement", char('}'))),
                ),
                Some,
            ),
        )),
    ))
    .parse(input)?;
    Ok((input, Raw { at, name, unnamed, shape, help, attributes, body }))
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
        assert_eq!(names[..4], ["groups", "apply-groups", "system", "chassis"]);
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
