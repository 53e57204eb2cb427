//! A lab's topology file, in containerlab's shape: the lab's `name`, its
//! `topology: nodes:` (each with an optional `startup-config` file) and
//! `links:` between their interfaces. Keys containerlab knows and a lab has
//! no use for (`kind`, `image`, `kinds`, `mgmt`, ...) are left alone, so the
//! same file serves both.

use std::path::{Path, PathBuf};

use anyhow::Context;
use indexmap::IndexMap;
use serde::Deserialize;

use crate::agent::{Endpoint, FabricError};

/// A topology as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    pub name: String,
    /// In the file's order.
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    /// Relative to the topology file in the file, absolute here.
    pub startup_config: Option<PathBuf>,
}

/// A link between two nodes' interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub ends: [Endpoint; 2],
}

#[derive(Deserialize)]
struct File {
    name: String,
    topology: Body,
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    nodes: IndexMap<String, Option<NodeEntry>>,
    #[serde(default)]
    links: Vec<LinkEntry>,
}

#[derive(Deserialize, Default)]
struct NodeEntry {
    #[serde(rename = "startup-config")]
    startup_config: Option<PathBuf>,
}

#[derive(Deserialize)]
struct LinkEntry {
    endpoints: Vec<String>,
}

impl Topology {
    /// Reads and checks a topology file; errors name the file, and the
    /// line where the YAML is at fault.
    pub fn read(file: &Path) -> anyhow::Result<Topology> {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let dir = file.parent().unwrap_or(Path::new("."));
        Topology::parse(&text, dir).with_context(|| format!("{}", file.display()))
    }

    /// A topology from its text; relative startup-config paths are taken
    /// from `dir`.
    pub fn parse(text: &str, dir: &Path) -> anyhow::Result<Topology> {
        let file: File = serde_norway::from_str(text)?;
        check_name("lab", &file.name)?;
        let mut nodes = Vec::new();
        for (name, entry) in file.topology.nodes {
            check_name("node", &name)?;
            let entry = entry.unwrap_or_default();
            nodes.push(Node { name, startup_config: entry.startup_config.map(|path| dir.join(path)) });
        }
        if nodes.is_empty() {
            anyhow::bail!("topology: nodes: the lab has no nodes");
        }
        let mut links = Vec::new();
        for (n, link) in file.topology.links.into_iter().enumerate() {
            let at = || format!("links: link {}", n + 1);
            let [a, b] = <[String; 2]>::try_from(link.endpoints)
                .map_err(|_| anyhow::anyhow!("{}: a link has two endpoints", at()))?;
            match [endpoint(&a, &nodes), endpoint(&b, &nodes)] {
                [Ok(a), Ok(b)] => links.push(Link { ends: [a, b] }),
                [Err(e), _] | [_, Err(e)] => anyhow::bail!("{}: {e}", at()),
            }
        }
        Ok(Topology { name: file.name, nodes, links })
    }
}

/// `NODE:INTERFACE`, naming a node of the topology.
fn endpoint(text: &str, nodes: &[Node]) -> Result<Endpoint, String> {
    let end: Endpoint = text.parse().map_err(|e: FabricError| e.to_string())?;
    if !nodes.iter().any(|n| n.name == end.node) {
        return Err(format!("endpoint '{text}' names no node of the topology: '{}'", end.node));
    }
    Ok(end)
}

/// Lab and node names name directories, and a node's name is its
/// host-name: letters, digits, `-`, `_` and `.`, as a host-name may hold.
fn check_name(what: &str, name: &str) -> anyhow::Result<()> {
    let fits = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if name.is_empty() || name.starts_with('.') || !name.chars().all(fits) {
        anyhow::bail!("invalid {what} name '{name}': use letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAB: &str = "\
name: triangle
mgmt: {network: clab}
topology:
  kinds:
    linux: {image: reshell}
  nodes:
    r1: {kind: linux, startup-config: configs/r1.conf}
    r2:
      kind: linux
      image: reshell
    r3:
  links:
    - endpoints: [\"r1:ge-0/0/0\", \"r2:ge-0/0/1\"]
";

    #[test]
    fn reads_containerlabs_shape_leaving_its_other_keys_alone() {
        let topology = Topology::parse(LAB, Path::new("/labs")).unwrap();
        assert_eq!(topology.name, "triangle");
        let names: Vec<&str> = topology.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["r1", "r2", "r3"], "in the file's order");
        assert_eq!(topology.nodes[0].startup_config.as_deref(), Some(Path::new("/labs/configs/r1.conf")));
        assert_eq!(topology.nodes[1].startup_config, None);
        let end = |node: &str, interface: &str| Endpoint { node: node.into(), interface: interface.into() };
        assert_eq!(topology.links, [Link { ends: [end("r1", "ge-0/0/0"), end("r2", "ge-0/0/1")] }]);
    }

    #[test]
    fn a_link_to_an_unknown_node_is_refused() {
        let text = LAB.replace("r2:ge-0/0/1", "r9:ge-0/0/1");
        let e = Topology::parse(&text, Path::new(".")).unwrap_err().to_string();
        assert_eq!(e, "links: link 1: endpoint 'r9:ge-0/0/1' names no node of the topology: 'r9'");
    }

    #[test]
    fn yaml_errors_say_the_line() {
        let e =
            Topology::parse("name: x\ntopology:\n  nodes: [oops\n", Path::new(".")).unwrap_err().to_string();
        assert!(e.contains("line"), "{e}");
    }

    #[test]
    fn names_that_are_no_directory_are_refused() {
        let text = LAB.replace("name: triangle", "name: ../up");
        let e = Topology::parse(&text, Path::new(".")).unwrap_err().to_string();
        assert!(e.starts_with("invalid lab name '../up'"), "{e}");
    }
}
