//! The command language as data: a tree of keywords and typed arguments loaded
//! from the files in `grammar/`, and the parser that reads a command line
//! against it for execution, `?` help and completion.

mod loader;
mod parser;
pub(crate) mod syntax;
mod types;

pub use parser::{
    ArgumentError, CommandLine, Completion, Completions, Language, ParseError, Parsed, Token, Word, in_quote,
    next_words_into, tokenize, words, words_into,
};
pub use syntax::GrammarError;

use crate::permissions::{Permission, Permissions};
pub use types::{ArgType, free_of_control};

/// Index of a node in its [`Grammar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeId(usize);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Keyword,
    Argument(ArgType),
}

#[derive(Debug, Clone)]
pub struct Node {
    /// The keyword itself, or the argument's placeholder name (without `<>`).
    pub name: String,
    pub kind: NodeKind,
    pub help: String,
    /// A user needs one of these flags for the node to exist for them.
    pub needs: Vec<Permission>,
    /// Set on a node where a command is complete: the handler it runs.
    pub action: Option<String>,
    /// The Junos RPC that runs this command over NETCONF; its argument
    /// elements are named as the command's arguments and keywords.
    pub rpc: Option<String>,
    pub children: Vec<NodeId>,
}

/// A loaded command tree. Nodes live in one arena and refer to each other by index.
#[derive(Debug, Clone, Default)]
pub struct Grammar {
    nodes: Vec<Node>,
    roots: Vec<NodeId>,
}

impl Grammar {
    /// The operational-mode commands shipped in the binary.
    pub fn operational() -> Result<Grammar, GrammarError> {
        Grammar::load("grammar/operational.grammar", include_str!("../../grammar/operational.grammar"))
    }

    /// The configuration-mode commands shipped in the binary.
    pub fn configuration() -> Result<Grammar, GrammarError> {
        Grammar::load("grammar/configuration.grammar", include_str!("../../grammar/configuration.grammar"))
    }

    /// The pipe commands that may follow an operational command.
    pub fn pipes() -> Result<Grammar, GrammarError> {
        Grammar::load("grammar/pipes.grammar", include_str!("../../grammar/pipes.grammar"))
    }

    /// Reads a grammar file; `file` names it in error messages.
    pub fn load(file: &str, text: &str) -> Result<Grammar, GrammarError> {
        loader::load(file, text)
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    pub fn roots(&self) -> &[NodeId] {
        &self.roots
    }

    /// Every action named anywhere in the tree, so a front end can check that it
    /// has a handler for each before it accepts commands.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().filter_map(|n| n.action.as_deref())
    }

    /// The command an RPC runs: the nodes from a root down to it.
    pub fn rpc(&self, name: &str) -> Option<Vec<NodeId>> {
        fn find(grammar: &Grammar, ids: &[NodeId], name: &str, path: &mut Vec<NodeId>) -> bool {
            for &id in ids {
                path.push(id);
                let node = grammar.node(id);
                if node.rpc.as_deref() == Some(name) || find(grammar, &node.children, name, path) {
                    return true;
                }
                path.pop();
            }
            false
        }
        let mut path = Vec::new();
        find(self, &self.roots, name, &mut path).then_some(path)
    }

    /// Every RPC the tree names.
    pub fn rpcs(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().filter_map(|n| n.rpc.as_deref())
    }

    /// Every complete command as its keyword path and help, in tree order; for
    /// `help apropos`.
    pub fn commands(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        let mut stack: Vec<(NodeId, String)> =
            self.roots.iter().rev().map(|&id| (id, String::new())).collect();
        while let Some((id, prefix)) = stack.pop() {
            let node = self.node(id);
            let word = match node.kind {
                NodeKind::Keyword => node.name.clone(),
                NodeKind::Argument(_) => format!("<{}>", node.name),
            };
            let path = if prefix.is_empty() { word } else { format!("{prefix} {word}") };
            if node.action.is_some() {
                out.push((path.clone(), node.help.as_str()));
            }
            for &child in node.children.iter().rev() {
                stack.push((child, path.clone()));
            }
        }
        out
    }

    /// The tree as a user with `permissions` sees it: a command their class
    /// does not allow is not there at all, as on Junos, so it is neither
    /// completed nor shown by `?`, and typing it is a syntax error.
    pub fn permitted(&self, permissions: &Permissions) -> Grammar {
        let mut out = Grammar::default();
        out.roots = self.copy_permitted(&self.roots, permissions, &mut out);
        out
    }

    fn copy_permitted(&self, ids: &[NodeId], permissions: &Permissions, out: &mut Grammar) -> Vec<NodeId> {
        let mut kept = Vec::new();
        for &id in ids {
            let node = self.node(id);
            if !permissions.allows_any(&node.needs) {
                continue;
            }
            let children = self.copy_permitted(&node.children, permissions, out);
            // A word that led only to commands the user may not run leads nowhere.
            if node.action.is_none() && !node.children.is_empty() && children.is_empty() {
                continue;
            }
            kept.push(out.push(Node { children, ..node.clone() }));
        }
        kept
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        NodeId(self.nodes.len() - 1)
    }
}
