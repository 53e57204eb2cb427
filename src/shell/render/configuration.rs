//! Configuration as `show` prints it (curly braces, or `set` commands with
//! `| display set`), and the commit history.

use std::fmt::Write;

use super::junos_time;
use crate::config::schema::{Kind, Schema, SchemaId};
use crate::config::show::{Form, wrapping};
use crate::config::tree::{Node, Sym, sorted_children};

pub use crate::config::show::{Shown as ConfigView, Stamp};
use crate::proto::CommitInformation;
use crate::shell::view::{Element, View};

/// The configuration printed in this process: for XML, for NETCONF, and for
/// what the RE does not print (a rollback shown whole).
impl View for ConfigView {
    fn text(&self) -> String {
        self.printed(Form::Text)
    }

    fn set_form(&self) -> Option<String> {
        Some(self.printed(Form::Set))
    }

    /// Junos's configuration XML: list entries are elements named for their
    /// list with a `<name>` child, flags empty elements, leaf-lists one
    /// element per value; the path shown is wrapped in its ancestors.
    fn element(&self) -> Element {
        let (node, at, path) = self.printable(true);
        let mut inner = statements(&self.schema, at, &node);
        for (name, key) in wrapping(&self.schema, path).into_iter().rev() {
            let element = match key {
                Some(key) => Element::new(&name).child(Element::leaf("name", key)),
                None => Element::new(&name),
            };
            inner = vec![inner.into_iter().fold(element, Element::child)];
        }
        let configuration = self
            .attributes()
            .into_iter()
            .fold(Element::new("configuration"), |e, (name, value)| e.attr(&name, value));
        inner.into_iter().fold(configuration, Element::child)
    }

    /// Junos's configuration JSON, the path shown wrapped in its ancestors.
    fn json(&self) -> Option<String> {
        Some(self.printed(Form::Json))
    }
}

/// The elements for the statements under `node`: an annotation is a
/// `<junos:comment>` before its statement, an inactive statement says so,
/// and an inherited one names its group.
fn statements(schema: &Schema, at: Option<SchemaId>, node: &Node) -> Vec<Element> {
    let mut out = Vec::new();
    let push = |e: Element, node: &Node, out: &mut Vec<Element>| {
        if !node.annotation().is_empty() {
            out.push(Element::leaf("junos:comment", format!("/* {} */", node.annotation())));
        }
        let e = if node.inactive() { e.attr("inactive", "inactive") } else { e };
        let e = if node.protected() { e.attr("protect", "protect") } else { e };
        out.push(if node.group().is_empty() { e } else { e.attr("junos:group", node.group()) });
    };
    for (step, child) in sorted_children(schema, at, node) {
        let s = schema.node(step.schema);
        match &s.kind {
            Kind::Flag => push(Element::new(&s.name), child, &mut out),
            Kind::Leaf(_) | Kind::LeafList(_) => {
                for v in &child.values {
                    push(Element::leaf(&s.name, v), child, &mut out);
                }
            }
            Kind::Value(_) => {
                for v in &child.values {
                    let e = s.value_word(v).map_or_else(|| Element::leaf(&s.name, v), Element::new);
                    push(e, child, &mut out);
                }
            }
            Kind::Container if s.unwrapped => {
                let entry = schema.unnamed(Some(step.schema)).map(|list| schema.list_element(list));
                for mut e in statements(schema, Some(step.schema), child) {
                    if entry == Some(e.name.as_str()) {
                        e.name.clone_from(&s.name);
                    }
                    out.push(e);
                }
            }
            Kind::Container => {
                let e = statements(schema, Some(step.schema), child)
                    .into_iter()
                    .fold(Element::new(&schema.element_name(step.schema)), Element::child);
                push(e, child, &mut out);
            }
            Kind::List { keyword, .. } => {
                let entries: Vec<(&Sym, &Node)> = if *keyword {
                    child.children.iter().map(|(k, c)| (k, &**c)).collect()
                } else {
                    vec![(&step.key, child)]
                };
                for (name, entry) in entries {
                    let e = Element::new(schema.list_element(step.schema)).child(Element::leaf("name", name));
                    let e = statements(schema, Some(step.schema), entry).into_iter().fold(e, Element::child);
                    push(e, entry, &mut out);
                }
            }
        }
    }
    out
}

impl View for CommitInformation {
    /// `0   2016-12-07 00:25:10 UTC by root via netconf`, the comment below;
    /// a confirmed commit says so, and whether its rollback is still pending.
    fn text(&self) -> String {
        let mut out = String::new();
        if let Some(p) = &self.pending {
            let _ = writeln!(out, "commit requested by {} via {} at {}", p.user, p.client, junos_time(p.at));
        }
        for e in &self.entries {
            let _ = write!(out, "{:<4}{} by {} via {}", e.sequence, junos_time(e.time), e.user, e.client);
            if let Some(minutes) = e.confirmed_minutes {
                let _ = write!(out, " commit confirmed, rollback in {minutes}mins");
            }
            out.push('\n');
            if e.rollback_pending {
                out.push_str("    rollback pending\n");
            }
            if !e.comment.is_empty() {
                let _ = writeln!(out, "    {}", e.comment);
            }
        }
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("commit-information", "junos");
        for e in &self.entries {
            let mut history = Element::new("commit-history")
                .child(Element::leaf("sequence-number", e.sequence))
                .child(Element::leaf("user", &e.user))
                .child(Element::leaf("client", &e.client))
                .child(Element::leaf("date-time", junos_time(e.time)).attr("junos:seconds", e.time));
            if !e.comment.is_empty() {
                history.push(Element::leaf("log", &e.comment));
            }
            if let Some(minutes) = e.confirmed_minutes {
                history.push(Element::leaf("confirm-timeout", minutes));
            }
            root.push(history);
        }
        root
    }
}

/// `<get-commit-revision-information>`: the latest commit's time, revision
/// (`re0-SECONDS-SEQUENCE`) and system comment as direct children, which is
/// where NAPALM's `commit_confirm` looks for them.
pub fn commit_revision(information: &CommitInformation, slot: &str) -> Element {
    let mut root = Element::reply_root("commit-revision-information", "junos");
    if let Some(e) = information.entries.first() {
        root.push(Element::leaf("date-time", junos_time(e.time)).attr("junos:seconds", e.time));
        root.push(Element::leaf("revision", format!("{slot}-{}-{}", e.time, e.sequence)));
        let comment = match e.confirmed_minutes.filter(|_| e.rollback_pending) {
            Some(minutes) => format!("commit confirmed, rollback in {minutes}mins"),
            None => e.comment.clone(),
        };
        // A commit without a comment has no element for it (NAPALM reads
        // a present one as text).
        if !comment.is_empty() {
            root.push(Element::leaf("comment", comment));
        }
    }
    root
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::load::{apply_set_lines, parse_text, structured_lines};
    use crate::config::print::Inheritance;
    use crate::shell::view::{element_xml, to_xml, xml_reply_end, xml_reply_start};

    /// A configuration with each printing rule in it, made from the
    /// `set`, `deactivate` and `annotate` lines of `shapes.load`.
    fn shapes(schema: &Schema) -> Node {
        let mut root = Node::default();
        let errors = apply_set_lines(schema, &mut root, include_str!("../../../tests/printing/shapes.load"));
        assert_eq!(errors, []);
        root
    }

    fn view(schema: &Arc<Schema>, node: Node) -> ConfigView {
        ConfigView {
            schema: schema.clone(),
            steps: Vec::new(),
            node,
            stamp: Some(Stamp::Changed { time: 1796379072 }),
            inheritance: Inheritance::Unmarked,
            relative_to: 0,
            detail: false,
        }
    }

    /// The XML of `view`, as NETCONF's element and as the RE streams it
    /// for a typed line (wrapped as the shell wraps it), which agree.
    fn xml(view: &ConfigView) -> String {
        let element = to_xml(&view.element(), "{master:0}");
        let streamed =
            xml_reply_start() + &view.printed(Form::Xml { depth: 1 }) + &xml_reply_end("{master:0}");
        assert_eq!(streamed, element);
        // As a NETCONF reply holds it.
        assert_eq!(view.printed(Form::Xml { depth: 0 }), element_xml(&view.element()));
        element
    }

    #[test]
    fn each_format_prints_as_junos_does() {
        let schema = Arc::new(Schema::shipped().unwrap());
        let shown = view(&schema, shapes(&schema));
        assert_eq!(shown.text(), include_str!("../../../tests/printing/shapes.conf"));
        assert_eq!(shown.set_form().unwrap(), include_str!("../../../tests/printing/shapes.set"));
        assert_eq!(shown.json().unwrap(), include_str!("../../../tests/printing/shapes.json"));
        let expected =
            include_str!("../../../tests/printing/shapes.xml").replace("VERSION", crate::JUNOS_VERSION);
        assert_eq!(xml(&shown), expected);
    }

    /// Junos names `802.3ad` `ieee-802.3ad` in XML and JSON, and writes a
    /// value without a keyword as an element named after it, unless it is a
    /// word of a fixed set (`routing-engine 0 master` is `<master/>`).
    #[test]
    fn xml_and_json_name_what_text_writes_without_a_name() {
        let schema = Arc::new(Schema::shipped().unwrap());
        let mut root = Node::default();
        let lines = "set interfaces ge-0/0/1 gigether-options 802.3ad ae0\n\
                     set chassis redundancy routing-engine 0 master\n";
        assert_eq!(apply_set_lines(&schema, &mut root, lines), []);
        let shown = view(&schema, root);
        let xml = xml(&shown);
        assert!(xml.contains("<ieee-802.3ad>\n") && xml.contains("<bundle>ae0</bundle>"), "{xml}");
        assert!(xml.contains("<master/>"), "{xml}");
        let json = shown.json().unwrap();
        assert!(json.contains("\"ieee-802.3ad\" : {") && json.contains("\"bundle\" : \"ae0\""), "{json}");
        assert!(json.contains("\"master\" : [null]"), "{json}");
    }

    /// Each facility line of a syslog destination is an entry of Junos's
    /// `contents` list (the console's entries are `console` elements), its
    /// level an empty element; both forms load back.
    #[test]
    fn syslog_facilities_are_contents_entries_in_xml_and_json() {
        let schema = Arc::new(Schema::shipped().unwrap());
        let mut tree = Node::default();
        let lines = "set system syslog user * any emergency\n\
                     set system syslog host 192.0.2.9 any notice\n\
                     set system syslog file messages any notice\n\
                     set system syslog file messages authorization info\n\
                     set system syslog console kernel info\n";
        assert_eq!(apply_set_lines(&schema, &mut tree, lines), []);
        let shown = view(&schema, tree.clone());
        let json = shown.json().unwrap();
        let compact: String = json.split_whitespace().collect();
        assert!(
            compact.contains(
                r#""file":[{"name":"messages","contents":[{"name":"any","notice":[null]},{"name":"authorization","info":[null]}]}]"#
            ),
            "{json}"
        );
        assert!(compact.contains(r#""console":[{"name":"kernel","info":[null]}]"#), "{json}");
        let xml = xml(&shown);
        let compact: String = xml.split_whitespace().collect();
        assert!(
            compact.contains(
                "<host><name>192.0.2.9</name><contents><name>any</name><notice/></contents></host>"
            ),
            "{xml}"
        );
        assert!(compact.contains("<console><name>kernel</name><info/></console>"), "{xml}");
        for printed in [json, xml] {
            let lines = structured_lines(&schema, &printed).unwrap().unwrap();
            let mut read = Node::default();
            assert_eq!(apply_set_lines(&schema, &mut read, &lines), [], "{lines}");
            assert_eq!(read, tree, "{lines}");
        }
    }

    #[test]
    fn what_each_format_prints_loads_back_unchanged() {
        let schema = Arc::new(Schema::shipped().unwrap());
        let tree = shapes(&schema);
        let shown = view(&schema, tree.clone());

        let (from_text, errors) = parse_text(&schema, &shown.text());
        assert_eq!(errors, []);
        assert_eq!(from_text, tree);

        let mut from_set = Node::default();
        assert_eq!(apply_set_lines(&schema, &mut from_set, &shown.set_form().unwrap()), []);
        // The set form carries no annotations; the others do.
        assert_eq!(view(&schema, from_set).set_form(), shown.set_form());

        for printed in [shown.json().unwrap(), xml(&shown)] {
            let lines = structured_lines(&schema, &printed).unwrap().unwrap();
            let mut read = Node::default();
            assert_eq!(apply_set_lines(&schema, &mut read, &lines), [], "{lines}");
            assert_eq!(read, tree, "{lines}");
            assert_eq!(view(&schema, read).text(), shown.text());
        }
    }

    /// The samples in `tests/schema/`: per hierarchy, `NAME.set` holds lines a
    /// router accepts, in the order `| display set` prints them, and
    /// `NAME.conf` the same configuration as `show` prints it. Each sample
    /// loads without an error, passes the commit check (its references
    /// resolve), prints as both files, and loads back unchanged from what
    /// it prints in every format.
    #[test]
    fn each_hierarchy_sample_prints_as_junos_does_and_loads_back() {
        let schema = Arc::new(Schema::shipped().unwrap());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema");
        let mut samples: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "set"))
            .collect();
        samples.sort();
        assert!(!samples.is_empty());
        for set in samples {
            let name = set.display();
            let lines = std::fs::read_to_string(&set).unwrap();
            let conf = std::fs::read_to_string(set.with_extension("conf")).unwrap();
            let mut tree = Node::default();
            assert_eq!(apply_set_lines(&schema, &mut tree, &lines), [], "{name}");
            let errors = crate::config::validate::check(&schema, &tree);
            let errors: Vec<_> = errors.into_iter().filter(|e| !e.missing_mandatory).collect();
            assert_eq!(errors, [], "{name}");
            let mut shown = view(&schema, tree.clone());
            shown.stamp = None;
            assert_eq!(shown.text(), conf, "{name}");
            assert_eq!(shown.set_form().unwrap(), lines, "{name}");
            let (from_text, errors) = parse_text(&schema, &conf);
            assert_eq!(errors, [], "{name}");
            assert_eq!(from_text, tree, "{name}");
            for printed in [shown.json().unwrap(), xml(&shown)] {
                let lines = structured_lines(&schema, &printed).unwrap().unwrap();
                let mut read = Node::default();
                assert_eq!(apply_set_lines(&schema, &mut read, &lines), [], "{name}: {lines}");
                assert_eq!(read, tree, "{name}: {lines}");
            }
        }
    }

    /// A value of type `t` that its check accepts, for the generated cases.
    fn sample(t: &crate::grammar::ArgType) -> String {
        use crate::grammar::ArgType as T;
        match t {
            T::String | T::Filename | T::Path => "s1".into(),
            T::Int { min, .. } => min.to_string(),
            T::Ipv4 | T::Ip | T::IpOrPrefix => "192.0.2.1".into(),
            T::Ipv6 => "2001:db8::1".into(),
            T::Ipv4Prefix | T::Prefix => "192.0.2.0/24".into(),
            T::Ipv6Prefix => "2001:db8::/32".into(),
            T::InterfaceName => "ge-0/0/0".into(),
            T::Scaled { min, .. } => min.max(&1).to_string(),
            T::Enum(words) => words[0].clone(),
        }
    }

    /// One `set` line for every statement of the schema under `at`: each
    /// leaf with a value its type accepts, each flag, and each container or
    /// list that holds nothing. `groups` repeats the top level, and
    /// `apply-groups` is at every level, so each is generated once.
    fn generated(schema: &Schema, at: Option<SchemaId>, words: &mut Vec<String>, out: &mut Vec<String>) {
        for &id in schema.children(at) {
            let s = schema.node(id);
            if at.is_some() && s.name.starts_with("apply-groups") || at.is_none() && s.name == "groups" {
                continue;
            }
            let before = words.len();
            match &s.kind {
                Kind::Flag => words.push(s.name.clone()),
                Kind::Leaf(t) | Kind::LeafList(t) => words.extend([s.name.clone(), sample(t)]),
                Kind::Value(t) => words.push(sample(t)),
                Kind::Container => words.push(s.name.clone()),
                Kind::List { keyword, key } => {
                    if *keyword {
                        words.push(s.name.clone());
                    }
                    // A `quoted` list prints its names in quotes.
                    words.push(if s.quoted { format!("\"{}\"", sample(key)) } else { sample(key) });
                }
            }
            if s.children.is_empty() || s.presence {
                out.push(format!("set {}", words.join(" ")));
            }
            generated(schema, Some(id), words, out);
            words.truncate(before);
        }
    }

    /// Every statement in the schema is reachable by `set`, prints as the
    /// same `set` line, and loads back unchanged from the text, JSON and
    /// XML it prints.
    #[test]
    fn every_statement_of_the_schema_is_set_printed_and_loaded_back() {
        let schema = Arc::new(Schema::shipped().unwrap());
        let mut lines = Vec::new();
        generated(&schema, None, &mut Vec::new(), &mut lines);
        assert!(!lines.is_empty());
        let mut failures = Vec::new();
        for line in &lines {
            let mut tree = Node::default();
            let errors = apply_set_lines(&schema, &mut tree, line);
            if !errors.is_empty() {
                failures.push(format!("{line}: {errors:?}"));
                continue;
            }
            let mut shown = view(&schema, tree.clone());
            shown.stamp = None;
            if shown.set_form().unwrap() != format!("{line}\n") {
                failures.push(format!("{line}: prints as {:?}", shown.set_form().unwrap()));
            }
            let (from_text, errors) = parse_text(&schema, &shown.text());
            if !errors.is_empty() || from_text != tree {
                failures.push(format!("{line}: the text does not load back: {errors:?}\n{}", shown.text()));
            }
            for printed in [shown.json().unwrap(), xml(&shown)] {
                let mut read = Node::default();
                let back = structured_lines(&schema, &printed).unwrap().unwrap();
                if !apply_set_lines(&schema, &mut read, &back).is_empty() || read != tree {
                    failures.push(format!("{line}: does not load back from\n{printed}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} statements:\n{}",
            failures.len(),
            lines.len(),
            failures.join("\n")
        );
    }
}
