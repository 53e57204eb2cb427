//! The tree as it crosses gRPC.

use super::tree::Node;
use crate::proto::ConfigNode;

pub fn to_wire(name: &str, node: &Node) -> ConfigNode {
    ConfigNode {
        name: name.to_owned(),
        values: node.values.clone(),
        children: node.children.iter().map(|(key, child)| to_wire(key, child)).collect(),
    }
}

pub fn from_wire(wire: &ConfigNode) -> Node {
    Node {
        values: wire.values.clone(),
        children: wire.children.iter().map(|c| (c.name.clone(), from_wire(c))).collect(),
    }
}
