//! Reads the grammar text format with nom.
//!
//! ```text
//! show "Show system information" {
//!     chassis "Show chassis information" {
//!         routing-engine "Show Routing Engine information" => show-chassis-routing-engine rpc(get-route-engine-information) {
//!             <slot> int(0..1) "Routing Engine slot number";
//!         }
//!     }
//! }
//! ```

use std::collections::HashSet;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::char;
use nom::combinator::{cut, map, opt};
use nom::multi::{many0, separated_list1};
use nom::sequence::{delimited, preceded};

use super::syntax::{Res, arg_type, blank, expect, locate, parse_all, quoted, word};
use super::{ArgType, Grammar, GrammarError, Node, NodeId, NodeKind};
use crate::permissions::Permission;

/// A node as read, before it is placed in the arena.
struct RawNode<'a> {
    at: &'a str,
    name: &'a str,
    kind: NodeKind,
    help: String,
    needs: Option<(&'a str, Vec<&'a str>)>,
    action: Option<&'a str>,
    rpc: Option<(&'a str, &'a str)>,
    children: Vec<RawNode<'a>>,
}

fn node(input: &str) -> Res<'_, RawNode<'_>> {
    let (input, ()) = blank(input)?;
    let at = input;
    let (input, (name, is_argument)) = alt((
        map(delimited(char('<'), cut(expect("argument name", word)), cut(char('>'))), |n| (n, true)),
        map(word, |n| (n, false)),
    ))
    .parse(input)?;
    let (input, kind) = if is_argument {
        let (input, ()) = blank(input)?;
        let (input, t) = cut(expect("argument type", arg_type)).parse(input)?;
        (input, NodeKind::Argument(t))
    } else {
        (input, NodeKind::Keyword)
    };
    let (input, ()) = blank(input)?;
    let (input, help) = cut(expect("quoted help text", quoted)).parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, needs) = opt(|i| {
        let (rest, _) = tag("needs(").parse(i)?;
        let (rest, flags) = cut(expect("permission flags", separated_list1(char('|'), word))).parse(rest)?;
        let (rest, _) = cut(expect("')'", char(')'))).parse(rest)?;
        Ok((rest, (i, flags)))
    })
    .parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, action) = opt(preceded((tag("=>"), blank), cut(expect("action name", word)))).parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, rpc) = opt(|i| {
        let (rest, _) = tag("rpc(").parse(i)?;
        let (rest, name) = cut(expect("RPC name", word)).parse(rest)?;
        let (rest, _) = cut(expect("')'", char(')'))).parse(rest)?;
        Ok((rest, (i, name)))
    })
    .parse(input)?;
    let (input, ()) = blank(input)?;
    let (input, children) = cut(expect(
        "';' or '{'",
        alt((
            map(char(';'), |_| Vec::new()),
            delimited(char('{'), many0(node), preceded(blank, expect("'}' or a statement", char('}')))),
        )),
    ))
    .parse(input)?;
    Ok((input, RawNode { at, name, kind, help, needs, action, rpc, children }))
}

pub(super) fn load(file: &str, text: &str) -> Result<Grammar, GrammarError> {
    let raw = parse_all(file, text, many0(node))?;
    let located = |at: &str, message: String| locate(file, text, at, message);
    let mut grammar = Grammar::default();
    let mut rpcs = HashSet::new();
    grammar.roots = place(&mut grammar, raw, false, &mut rpcs, &located)?;
    Ok(grammar)
}

/// Moves read nodes into the arena, checking what the syntax alone cannot.
/// `in_command` says whether an ancestor is a complete command, which a leaf
/// without an action of its own then runs.
fn place(
    grammar: &mut Grammar,
    raw: Vec<RawNode<'_>>,
    in_command: bool,
    rpcs: &mut HashSet<String>,
    located: &dyn Fn(&str, String) -> GrammarError,
) -> Result<Vec<NodeId>, GrammarError> {
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(raw.len());
    for r in raw {
        if !seen.insert(r.name) {
            return Err(located(r.at, format!("'{}' is defined twice at this level", r.name)));
        }
        match &r.kind {
            NodeKind::Argument(ArgType::Int { min, max }) if min > max => {
                return Err(located(r.at, format!("empty range ({min}..{max})")));
            }
            _ => {}
        }
        if r.children.is_empty() && r.action.is_none() && !in_command {
            return Err(located(r.at, format!("'{}' leads to no command: give it '=> action'", r.name)));
        }
        let mut needs = Vec::new();
        if let Some((at, flags)) = &r.needs {
            for flag in flags {
                needs.push(flag.parse::<Permission>().map_err(|e| located(at, e.to_string()))?);
            }
        }
        if let Some((at, rpc)) = r.rpc {
            if r.action.is_none() {
                return Err(located(at, format!("rpc({rpc}) needs a command: give it '=> action' first")));
            }
            // An RPC runs one command, so a NETCONF request has one meaning.
            if !rpcs.insert(rpc.to_owned()) {
                return Err(located(at, format!("rpc({rpc}) names a second command")));
            }
        }
        let children = place(grammar, r.children, in_command || r.action.is_some(), rpcs, located)?;
        ids.push(grammar.push(Node {
            name: r.name.to_owned(),
            kind: r.kind,
            help: r.help,
            needs,
            action: r.action.map(str::to_owned),
            rpc: r.rpc.map(|(_, name)| name.to_owned()),
            children,
        }));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        load("test.grammar", text).unwrap_err().to_string()
    }

    #[test]
    fn reads_keywords_arguments_actions_and_comments() {
        let g = load(
            "t",
            "# top\nshow \"Show\" {\n  chassis \"Chassis\" => show-chassis {\n    <slot> int(0..1) \"Slot\";\n    <mode> enum(a|b) \"Mode\";\n  }\n}\n",
        )
        .unwrap();
        let show = g.node(g.roots()[0]);
        assert_eq!((show.name.as_str(), show.help.as_str(), show.action.as_deref()), ("show", "Show", None));
        let chassis = g.node(show.children[0]);
        assert_eq!(chassis.action.as_deref(), Some("show-chassis"));
        let slot = g.node(chassis.children[0]);
        assert_eq!(slot.kind, NodeKind::Argument(ArgType::Int { min: 0, max: 1 }));
        let mode = g.node(chassis.children[1]);
        assert_eq!(mode.kind, NodeKind::Argument(ArgType::Enum(vec!["a".into(), "b".into()])));
        assert_eq!(g.actions().collect::<Vec<_>>(), vec!["show-chassis"]);
    }

    #[test]
    fn an_rpc_names_one_command() {
        let g =
            load("t", "show \"Show\" {\n  version \"V\" => show-version rpc(get-software-information);\n}\n")
                .unwrap();
        let path = g.rpc("get-software-information").unwrap();
        let names: Vec<_> = path.iter().map(|&id| g.node(id).name.as_str()).collect();
        assert_eq!(names, ["show", "version"]);
        assert_eq!(g.rpc("get-nothing"), None);
        assert_eq!(g.rpcs().collect::<Vec<_>>(), ["get-software-information"]);
        assert_eq!(
            error("a \"A\" => a rpc(get-a);\nb \"B\" => b rpc(get-a);\n"),
            "test.grammar:2:12: rpc(get-a) names a second command"
        );
        assert_eq!(
            error("a \"A\" rpc(get-a) {\n  b \"B\" => b;\n}\n"),
            "test.grammar:1:7: rpc(get-a) needs a command: give it '=> action' first"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        assert_eq!(error("show \"Show\" {\n  chassis \"C\"\n}\n"), "test.grammar:3:1: expected ';' or '{'");
        assert_eq!(error("show {\n}"), "test.grammar:1:6: expected quoted help text");
        assert_eq!(
            error("a \"x\" => a;\n  <n> int(3..x) \"n\";"),
            "test.grammar:2:14: expected argument type"
        );
        assert_eq!(error("<n> number \"n\";"), "test.grammar:1:5: expected argument type");
        assert_eq!(error("a \"x\" {\n b \"y\";"), "test.grammar:2:8: expected '}' or a statement");
        assert_eq!(
            error("a \"x\" => a;\na \"y\" => a;"),
            "test.grammar:2:1: 'a' is defined twice at this level"
        );
        assert_eq!(
            error("a \"x\" {\n  b \"y\";\n}"),
            "test.grammar:2:3: 'b' leads to no command: give it '=> action'"
        );
        assert_eq!(error("<n> int(5..1) \"n\" => n;"), "test.grammar:1:1: empty range (5..1)");
    }

    #[test]
    fn needs_hides_what_a_class_may_not_run() {
        use crate::permissions::Permissions;
        let text = "show \"Show\" needs(view) => show;\n\
                    request \"Request\" {\n  halt \"Halt\" needs(maintenance|reboot) => halt {\n    now \"Now\";\n  }\n}\n\
                    exit \"Exit\" => exit;\n";
        let g = load("t", text).unwrap();
        let names = |g: &Grammar| g.roots().iter().map(|&id| g.node(id).name.clone()).collect::<Vec<_>>();
        let viewer = g.permitted(&Permissions::of([Permission::View]));
        assert_eq!(names(&viewer), ["show", "exit"], "request led only to halt");
        let rebooter = g.permitted(&Permissions::of([Permission::Reboot]));
        assert_eq!(names(&rebooter), ["request", "exit"]);
        let halt = rebooter.node(rebooter.node(rebooter.roots()[0]).children[0]);
        assert_eq!(rebooter.node(halt.children[0]).name, "now", "options of a permitted command stay");
        assert_eq!(
            error("a \"x\" needs(wizard) => a;"),
            "t:1:7: unknown permission 'wizard'".replace("t:", "test.grammar:")
        );
    }

    #[test]
    fn shipped_operational_grammar_loads() {
        let g = Grammar::operational().unwrap();
        assert!(g.roots().iter().any(|&id| g.node(id).name == "show"));
    }
}
