//! NETCONF messages as XML: what a client sent (a `<hello>` or an `<rpc>`),
//! and the replies written back.

use roxmltree::{Document, Node};

use super::error::RpcError;
use crate::JUNOS_VERSION;

/// The NETCONF base namespace of `<hello>`, `<rpc>` and `<rpc-reply>`.
pub const BASE_NAMESPACE: &str = "urn:ietf:params:xml:ns:netconf:base:1.0";

/// The capability that lets both sides use chunked framing.
pub const BASE_1_1: &str = "urn:ietf:params:netconf:base:1.1";

/// What Junos advertises (automation clients check for candidate and
/// confirmed-commit before they send a commit), and base 1.1 for chunking.
const CAPABILITIES: [&str; 13] = [
    "urn:ietf:params:netconf:base:1.0",
    BASE_1_1,
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:netconf:capability:validate:1.0",
    "urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
    "urn:ietf:params:xml:ns:netconf:base:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:candidate:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:validate:1.0",
    "urn:ietf:params:xml:ns:netconf:capability:url:1.0?protocol=http,ftp,file",
    "http://xml.juniper.net/netconf/junos/1.0",
    "http://xml.juniper.net/dmi/system/1.0",
];

/// The server's `<hello>`.
pub fn hello(session_id: u32) -> String {
    let mut out = format!("<hello xmlns=\"{BASE_NAMESPACE}\">\n  <capabilities>\n");
    for capability in CAPABILITIES {
        out.push_str(&format!("    <capability>{}</capability>\n", escape(capability)));
    }
    out.push_str(&format!("  </capabilities>\n  <session-id>{session_id}</session-id>\n</hello>\n"));
    out
}

/// What a client sent, read from its XML.
pub enum Incoming<'a, 'input> {
    Hello {
        capabilities: Vec<String>,
    },
    Rpc(Rpc<'a, 'input>),
    /// Not a NETCONF message: the error to answer with, and the attributes
    /// of the `<rpc>` if the message was one.
    Refused {
        attributes: String,
        error: RpcError,
    },
}

/// An `<rpc>`: its operation element, and its attributes to echo.
pub struct Rpc<'a, 'input> {
    pub operation: Node<'a, 'input>,
    /// ` message-id="101"`..., written as they go on the `<rpc-reply>`.
    pub attributes: String,
}

/// Parses a message. A byte order mark, whitespace and an `<?xml ...?>`
/// declaration may come first.
pub fn parse(text: &str) -> Result<Document<'_>, RpcError> {
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    Document::parse(trimmed).map_err(|e| RpcError::malformed(format!("malformed XML: {e}")))
}

/// Which message `document` is. `<hello>` and `<rpc>` are taken in the
/// base namespace, with any prefix, or in none.
pub fn classify<'a, 'input>(document: &'a Document<'input>) -> Incoming<'a, 'input> {
    let root = document.root_element();
    let in_base = matches!(root.tag_name().namespace(), None | Some(BASE_NAMESPACE));
    match (root.tag_name().name(), in_base) {
        ("hello", true) => Incoming::Hello {
            capabilities: root
                .descendants()
                .filter(|n| n.is_element() && n.tag_name().name() == "capability")
                .filter_map(|n| n.text())
                .map(|t| t.trim().to_owned())
                .collect(),
        },
        ("rpc", true) => {
            let attributes = echoed_attributes(root);
            match root.children().find(Node::is_element) {
                Some(operation) => Incoming::Rpc(Rpc { operation, attributes }),
                None => Incoming::Refused {
                    attributes,
                    error: RpcError::failed("missing operation in <rpc>")
                        .tagged("missing-element")
                        .element("rpc"),
                },
            }
        }
        (name, _) => Incoming::Refused {
            attributes: String::new(),
            error: RpcError::malformed(format!("expected <hello> or <rpc>, not <{name}>")).element(name),
        },
    }
}

/// The `<rpc>`'s attributes (RFC 6241 §4.2: all of them go back on the
/// reply), with the namespace declarations a prefixed one needs.
fn echoed_attributes(rpc: Node<'_, '_>) -> String {
    let mut out = String::new();
    let mut declared = Vec::new();
    for attribute in rpc.attributes() {
        let value = escape(attribute.value());
        match attribute.namespace().and_then(|ns| Some((ns, rpc.lookup_prefix(ns)?))) {
            Some((_, "xml")) => out.push_str(&format!(" xml:{}=\"{value}\"", attribute.name())),
            Some((namespace, prefix)) if prefix != "junos" => {
                // Declared once, however many attributes share it.
                if !declared.contains(&prefix) {
                    declared.push(prefix);
                    out.push_str(&format!(" xmlns:{prefix}=\"{}\"", escape(namespace)));
                }
                out.push_str(&format!(" {prefix}:{}=\"{value}\"", attribute.name()));
            }
            // `junos:` is declared on every reply already.
            Some((_, prefix)) => out.push_str(&format!(" {prefix}:{}=\"{value}\"", attribute.name())),
            None => out.push_str(&format!(" {}=\"{value}\"", attribute.name())),
        }
    }
    out
}

/// An `<rpc-reply>` holding `body`.
pub fn reply(attributes: &str, body: &str) -> String {
    format!(
        "<rpc-reply xmlns=\"{BASE_NAMESPACE}\" \
         xmlns:junos=\"http://xml.juniper.net/junos/{JUNOS_VERSION}/junos\"{attributes}>\n{body}</rpc-reply>\n"
    )
}

/// Text as XML character data or a double-quoted attribute value.
pub fn escape(text: &str) -> String {
    crate::shell::escape_xml(text, true)
}

/// A leaf element with escaped text.
pub fn leaf(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>\n", escape(text))
}

/// The text of `parent`'s child element `name`, if it has one.
pub fn child_text<'a>(parent: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(parent, name).map(|n| n.text().unwrap_or(""))
}

/// `parent`'s child element `name` (request elements are matched by local name).
pub fn child<'a, 'input>(parent: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    parent.children().find(|n| n.is_element() && n.tag_name().name() == name)
}

/// Whether `parent` has the child element `name` (a flag such as `<check/>`).
pub fn has_child(parent: Node<'_, '_>, name: &str) -> bool {
    child(parent, name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc_attributes(xml: &str) -> String {
        let document = parse(xml).unwrap();
        match classify(&document) {
            Incoming::Rpc(rpc) => rpc.attributes,
            _ => panic!("not an rpc: {xml}"),
        }
    }

    #[test]
    fn rpc_is_read_with_or_without_a_prefix_and_its_attributes_echoed() {
        let scrapli = "\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rpc \
                       xmlns='urn:ietf:params:xml:ns:netconf:base:1.0' message-id='101'><get-config/></rpc>";
        assert_eq!(rpc_attributes(scrapli), " message-id=\"101\"");
        let prefixed = "<nc:rpc xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" \
                        message-id=\"urn:uuid:1&amp;2\" xmlns:x=\"urn:x\" x:tag=\"a\"><x:get/></nc:rpc>";
        assert_eq!(
            rpc_attributes(prefixed),
            " message-id=\"urn:uuid:1&amp;2\" xmlns:x=\"urn:x\" x:tag=\"a\""
        );
        assert_eq!(rpc_attributes("<rpc><command>show version</command></rpc>"), "");
        let two = "<rpc xmlns:x=\"urn:x\" x:a=\"1\" x:b=\"2\"><get/></rpc>";
        assert_eq!(rpc_attributes(two), " xmlns:x=\"urn:x\" x:a=\"1\" x:b=\"2\"");
        assert!(parse(&reply(&rpc_attributes(two), "<ok/>")).is_ok());
    }

    #[test]
    fn the_operation_is_the_first_element_child() {
        let document =
            parse("<rpc message-id=\"1\"><!-- c -->\n  <get-software-information/></rpc>").unwrap();
        let Incoming::Rpc(rpc) = classify(&document) else { panic!("not an rpc") };
        assert_eq!(rpc.operation.tag_name().name(), "get-software-information");
    }

    #[test]
    fn other_messages_are_refused_or_taken_as_hello() {
        let document = parse("<rpc message-id=\"7\"/>").unwrap();
        let Incoming::Refused { attributes, error } = classify(&document) else { panic!("taken") };
        assert_eq!((attributes.as_str(), error.tag), (" message-id=\"7\"", "missing-element"));
        let document = parse("<rpc xmlns=\"urn:other\"><x/></rpc>").unwrap();
        assert!(matches!(classify(&document), Incoming::Refused { .. }));
        let ours = hello(5);
        let document = parse(&ours).unwrap();
        let Incoming::Hello { capabilities } = classify(&document) else { panic!("not a hello") };
        assert!(capabilities.iter().any(|c| c == BASE_1_1));
        assert!(capabilities.iter().any(|c| c == "urn:ietf:params:netconf:capability:candidate:1.0"));
        assert_eq!(parse("<rpc><unclosed></rpc>").err().map(|e| e.tag), Some("malformed-message"));
    }

    #[test]
    fn escaping_keeps_replies_well_formed() {
        assert_eq!(escape("a<b>&\"c\"'\u{1}]]>]]>"), "a&lt;b&gt;&amp;&quot;c&quot;'\u{fffd}]]&gt;]]&gt;");
        let reply = reply(" message-id=\"1\"", &leaf("output", "x < y\u{0}"));
        assert!(Document::parse(&reply).is_ok(), "{reply}");
    }
}
