//! The tree as it crosses gRPC.

use std::sync::Arc;

use super::tree::Node;
use crate::proto::ConfigNode;

pub fn to_wire(name: &str, node: &Node) -> ConfigNode {
    ConfigNode {
        name: name.to_owned(),
        values: node.values.clone(),
        children: node.children.iter().map(|(key, child)| to_wire(key, child)).collect(),
        inactive: node.inactive,
        annotation: node.annotation.clone(),
        group: node.group.clone(),
        protected: node.protected,
    }
}

/// A statement with the names of what it holds, and nothing deeper.
pub fn keys_to_wire(name: &str, node: &Node) -> ConfigNode {
    ConfigNode {
        name: name.to_owned(),
        children: node
            .children
            .keys()
            .map(|key| ConfigNode { name: key.clone(), ..ConfigNode::default() })
            .collect(),
        ..ConfigNode::default()
    }
}

pub fn from_wire(wire: &ConfigNode) -> Node {
    Node {
        values: wire.values.clone(),
        children: wire.children.iter().map(|c| (c.name.clone(), Arc::new(from_wire(c)))).collect(),
        inactive: wire.inactive,
        annotation: wire.annotation.clone(),
        group: wire.group.clone(),
        protected: wire.protected,
    }
}
