//! The tree as it crosses gRPC.

use std::sync::Arc;

use super::tree::{Marks, Node, Sym};
use crate::proto::ConfigNode;

pub fn to_wire(name: &str, node: &Node) -> ConfigNode {
    ConfigNode {
        name: name.to_owned(),
        values: node.values.iter().map(|v| v.to_string()).collect(),
        children: node.children.iter().map(|(key, child)| to_wire(key, child)).collect(),
        inactive: node.inactive(),
        annotation: node.annotation().to_owned(),
        group: node.group().to_string(),
        protected: node.protected(),
    }
}

/// A statement with the names of what it holds, and nothing deeper.
pub fn keys_to_wire(name: &str, node: &Node) -> ConfigNode {
    ConfigNode {
        name: name.to_owned(),
        children: node
            .children
            .keys()
            .map(|key| ConfigNode { name: key.to_string(), ..ConfigNode::default() })
            .collect(),
        ..ConfigNode::default()
    }
}

pub fn from_wire(wire: &ConfigNode) -> Node {
    let node = Node {
        values: wire.values.iter().collect(),
        children: wire.children.iter().map(|c| (Sym::new(&c.name), Arc::new(from_wire(c)))).collect(),
        ..Node::default()
    };
    node.with_marks(Marks {
        inactive: wire.inactive,
        annotation: wire.annotation.as_str().into(),
        group: Sym::new(&wire.group),
        protected: wire.protected,
    })
}
