//! The two forms of a command's reply: Junos text for people, and an element
//! tree that `| display xml` and `| display json` write in the Junos shapes.
//! A command that returns a [`View`] gets all three renderings.

use std::fmt::Write;

use crate::JUNOS_VERSION;

/// A command's reply, renderable as text or as elements.
pub trait View {
    fn text(&self) -> String;
    /// The reply's XML element (the child of `rpc-reply`).
    fn element(&self) -> Element;
    /// The reply as `set` commands, for a configuration.
    fn set_form(&self) -> Option<String> {
        None
    }
    /// The reply's own JSON, where it is not the operational shape of its
    /// element (a configuration).
    fn json(&self) -> Option<String> {
        None
    }
}

/// Text with no structure behind it, such as a settings message.
impl View for String {
    fn text(&self) -> String {
        self.clone()
    }

    fn element(&self) -> Element {
        Element::leaf("output", self.trim_end_matches('\n'))
    }
}

/// An XML element: a leaf with text, or a container of elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: Option<String>,
    pub children: Vec<Element>,
}

impl Element {
    pub fn new(name: &str) -> Element {
        Element { name: name.into(), attributes: Vec::new(), text: None, children: Vec::new() }
    }

    pub fn leaf(name: &str, text: impl ToString) -> Element {
        Element { text: Some(text.to_string()), ..Element::new(name) }
    }

    /// The root element of an operational reply, in Junos's namespace for `area`
    /// (`junos-chassis`, `junos`, ...).
    pub fn reply_root(name: &str, area: &str) -> Element {
        Element::new(name).attr("xmlns", format!("http://xml.juniper.net/junos/{JUNOS_VERSION}/{area}"))
    }

    pub fn attr(mut self, name: &str, value: impl ToString) -> Element {
        self.attributes.push((name.into(), value.to_string()));
        self
    }

    pub fn child(mut self, child: Element) -> Element {
        self.children.push(child);
        self
    }

    pub fn push(&mut self, child: Element) {
        self.children.push(child);
    }
}

/// `| display xml`: the element inside an `rpc-reply`, with the role banner.
pub fn to_xml(element: &Element, banner: &str) -> String {
    let mut out = xml_reply_start();
    write_xml(&mut out, element, 1);
    out.push_str(&xml_reply_end(banner));
    out
}

/// What `| display xml` writes before the reply's element.
pub fn xml_reply_start() -> String {
    format!("<rpc-reply xmlns:junos=\"http://xml.juniper.net/junos/{JUNOS_VERSION}/junos\">\n")
}

/// What `| display xml` writes after the reply's element: the role banner.
pub fn xml_reply_end(banner: &str) -> String {
    let mut out = String::new();
    write_xml(&mut out, &Element::new("cli").child(Element::leaf("banner", banner)), 1);
    out.push_str("</rpc-reply>\n");
    out
}

/// One element as XML, without the CLI's `rpc-reply` wrapper: a NETCONF
/// reply's payload.
pub fn element_xml(element: &Element) -> String {
    let mut out = String::new();
    write_xml(&mut out, element, 0);
    out
}

fn write_xml(out: &mut String, e: &Element, depth: usize) {
    let indent = "    ".repeat(depth);
    let _ = write!(out, "{indent}<{}", e.name);
    for (name, value) in &e.attributes {
        let _ = write!(out, " {name}=\"{}\"", escape_xml(value, true));
    }
    match (&e.text, e.children.is_empty()) {
        (Some(text), true) => {
            let _ = writeln!(out, ">{}</{}>", escape_xml(text, false), e.name);
        }
        (None, true) => out.push_str("/>\n"),
        (_, false) => {
            out.push_str(">\n");
            for child in &e.children {
                write_xml(out, child, depth + 1);
            }
            let _ = writeln!(out, "{indent}</{}>", e.name);
        }
    }
}

/// Text as XML character data (or, `attribute`, a double-quoted attribute
/// value): the markup characters escaped, and characters XML 1.0 cannot
/// carry replaced, so that whatever a command printed stays well-formed.
pub fn escape_xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    crate::config::xml::write_escaped(&mut out, text, attribute);
    out
}

/// `| display json`: Junos's operational JSON, where every element is an
/// array of objects, leaves carry `data`, and XML attributes go under
/// `attributes`. Siblings of one name share one array, in order.
pub fn to_json(element: &Element) -> String {
    let mut out = String::from("{\n");
    write_json_members(&mut out, std::slice::from_ref(element), 1);
    out.push_str("\n}\n");
    out
}

fn write_json_members(out: &mut String, elements: &[Element], depth: usize) {
    let indent = "    ".repeat(depth);
    let mut names: Vec<&str> = Vec::new();
    for e in elements {
        if !names.contains(&e.name.as_str()) {
            names.push(&e.name);
        }
    }
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let _ = writeln!(out, "{indent}{} : [", json_string(name));
        let group: Vec<&Element> = elements.iter().filter(|e| e.name == *name).collect();
        for (j, e) in group.iter().enumerate() {
            if j > 0 {
                out.push_str(",\n");
            }
            write_json_object(out, e, depth);
        }
        let _ = write!(out, "\n{indent}]");
    }
}

fn write_json_object(out: &mut String, e: &Element, depth: usize) {
    let indent = "    ".repeat(depth);
    let inner = "    ".repeat(depth + 1);
    let _ = writeln!(out, "{indent}{{");
    let mut members = Vec::new();
    if let Some(text) = &e.text {
        members.push(format!("{inner}\"data\" : {}", json_string(text)));
    }
    if !e.attributes.is_empty() {
        let attributes: Vec<String> =
            e.attributes.iter().map(|(k, v)| format!("{} : {}", json_string(k), json_string(v))).collect();
        members.push(format!("{inner}\"attributes\" : {{{}}}", attributes.join(", ")));
    }
    out.push_str(&members.join(",\n"));
    if !e.children.is_empty() {
        if !members.is_empty() {
            out.push_str(",\n");
        }
        write_json_members(out, &e.children, depth + 1);
    }
    let _ = write!(out, "\n{indent}}}");
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Element {
        Element::reply_root("route-engine-information", "junos-chassis")
            .child(
                Element::new("route-engine")
                    .child(Element::leaf("slot", 0))
                    .child(Element::leaf("temperature", "39 degrees C").attr("junos:celsius", 39)),
            )
            .child(Element::new("route-engine").child(Element::leaf("slot", 1)))
    }

    #[test]
    fn xml_is_wrapped_in_rpc_reply_with_the_banner() {
        let xml = to_xml(&sample(), "{master}");
        let expected = format!(
            "<rpc-reply xmlns:junos=\"http://xml.juniper.net/junos/{v}/junos\">
    <route-engine-information xmlns=\"http://xml.juniper.net/junos/{v}/junos-chassis\">
        <route-engine>
            <slot>0</slot>
            <temperature junos:celsius=\"39\">39 degrees C</temperature>
        </route-engine>
        <route-engine>
            <slot>1</slot>
        </route-engine>
    </route-engine-information>
    <cli>
        <banner>{{master}}</banner>
    </cli>
</rpc-reply>
",
            v = JUNOS_VERSION
        );
        assert_eq!(xml, expected);
    }

    #[test]
    fn xml_text_is_escaped() {
        let xml = to_xml(&Element::leaf("output", "a < b & \"c\"").attr("x", "\"q\""), "{backup}");
        assert!(xml.contains("<output x=\"&quot;q&quot;\">a &lt; b &amp; \"c\"</output>"), "{xml}");
    }

    #[test]
    fn json_groups_siblings_and_keeps_data_and_attributes() {
        let json = to_json(&sample());
        let expected = format!(
            r#"{{
    "route-engine-information" : [
    {{
        "attributes" : {{"xmlns" : "http://xml.juniper.net/junos/{v}/junos-chassis"}},
        "route-engine" : [
        {{
            "slot" : [
            {{
                "data" : "0"
            }}
            ],
            "temperature" : [
            {{
                "data" : "39 degrees C",
                "attributes" : {{"junos:celsius" : "39"}}
            }}
            ]
        }},
        {{
            "slot" : [
            {{
                "data" : "1"
            }}
            ]
        }}
        ]
    }}
    ]
}}
"#,
            v = JUNOS_VERSION
        );
        assert_eq!(json, expected);
        assert_eq!(json_string("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\u0001""#);
    }
}
