//! The links between the chassis of one process (a lab): which port of
//! which node is cabled to which, and what each node's REs say of their
//! cabled ports. Each agent publishes its side when its committed
//! configuration or its mastership changes, and withdraws it when it stops;
//! it reads the far sides when asked. Nothing polls, so a hundred idle
//! nodes cost nothing here.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::Agent;
use super::forwarding::interfaces::{self, Cable, Cabling, FarEnd, MAC_BLOCK, MAC_BLOCK_SIZE};
use super::protocols;
use crate::proto::{InterfaceAddress, MastershipState};
use crate::slot::Slot;

/// One end of a link: a node and one of its interfaces (`r1:ge-0/0/0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub node: String,
    pub interface: String,
}

impl FromStr for Endpoint {
    type Err = FabricError;

    fn from_str(text: &str) -> Result<Endpoint, FabricError> {
        match text.split_once(':') {
            Some((node, interface))
                if !node.is_empty() && !interface.is_empty() && !interface.contains('.') =>
            {
                Ok(Endpoint { node: node.into(), interface: interface.into() })
            }
            _ => Err(FabricError::Endpoint(text.into())),
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.node, self.interface)
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FabricError {
    #[error("link endpoint '{0}' is not NODE:INTERFACE")]
    Endpoint(String),
    #[error("link endpoint {0} names no node of the topology")]
    UnknownNode(Endpoint),
    #[error("{0} is on more than one link")]
    Reused(Endpoint),
}

/// What one RE says of its node's cabled ports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Side {
    /// Whether it is master: the master's side is the node's.
    pub master: bool,
    /// The node's LLDP chassis ID and system name.
    pub chassis_id: String,
    pub system_name: String,
    pub ports: BTreeMap<String, Port>,
}

/// A cabled port as its configuration sets it up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Port {
    pub disabled: bool,
    pub mac_address: String,
    /// The addresses of its units that are not disabled.
    pub addresses: Vec<InterfaceAddress>,
    pub lldp: bool,
}

pub struct Fabric {
    /// The nodes in name order: a node's place gives its hardware addresses.
    nodes: Vec<String>,
    links: Vec<[Endpoint; 2]>,
    state: Mutex<State>,
    /// Moves on with every change, so that what was derived from the links
    /// is built again when next asked for.
    version: AtomicU64,
}

#[derive(Default)]
struct State {
    sides: HashMap<(String, Slot), Side>,
    /// Links cut by fault injection, by their place in `links`.
    cut: Vec<bool>,
}

impl Fabric {
    pub fn new(
        nodes: impl IntoIterator<Item = String>,
        links: Vec<[Endpoint; 2]>,
    ) -> Result<Arc<Fabric>, FabricError> {
        let mut nodes: Vec<String> = nodes.into_iter().collect();
        nodes.sort_unstable();
        nodes.dedup();
        let mut used = std::collections::HashSet::new();
        for end in links.iter().flatten() {
            if nodes.binary_search(&end.node).is_err() {
                return Err(FabricError::UnknownNode(end.clone()));
            }
            if !used.insert(end) {
                return Err(FabricError::Reused(end.clone()));
            }
        }
        let state = State { sides: HashMap::new(), cut: vec![false; links.len()] };
        Ok(Arc::new(Fabric { nodes, links, state: Mutex::new(state), version: AtomicU64::new(1) }))
    }

    /// `node`'s place on the fabric, if it is one of its nodes.
    pub fn attach(self: &Arc<Fabric>, node: &str) -> Option<Attachment> {
        let index = self.nodes.binary_search_by(|n| n.as_str().cmp(node)).ok()? as u32;
        Some(Attachment { fabric: self.clone(), node: node.into(), index })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A node's place on a fabric, which both its REs share.
#[derive(Clone)]
pub struct Attachment {
    fabric: Arc<Fabric>,
    node: String,
    index: u32,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment").field("node", &self.node).finish_non_exhaustive()
    }
}

/// Why a port's link cannot be cut or restored.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not on a link")]
pub struct NotLinked(pub String);

impl Attachment {
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Changes whenever anything on the fabric does.
    pub fn version(&self) -> u64 {
        self.fabric.version.load(Ordering::Acquire)
    }

    fn mac_block(&self) -> u32 {
        MAC_BLOCK + self.index * MAC_BLOCK_SIZE
    }

    /// The links with an end here: this end, then the far one, with its place.
    fn ends(&self) -> impl Iterator<Item = (usize, &Endpoint, &Endpoint)> {
        self.fabric.links.iter().enumerate().filter_map(|(i, [a, b])| {
            if a.node == self.node {
                Some((i, a, b))
            } else if b.node == self.node {
                Some((i, b, a))
            } else {
                None
            }
        })
    }

    /// The node's ports as cabled now: each far end as its node's master
    /// says, absent while that node has none or the link is cut.
    pub fn cabling(&self) -> Cabling {
        let state = self.fabric.lock();
        let cables = self
            .ends()
            .map(|(i, here, there)| {
                let master = || {
                    Slot::ALL.into_iter().find_map(|slot| {
                        state.sides.get(&(there.node.clone(), slot)).filter(|side| side.master)
                    })
                };
                let far = (!state.cut[i]).then(master).flatten().and_then(|side| {
                    let port = side.ports.get(&there.interface)?;
                    Some(FarEnd {
                        port: there.interface.clone(),
                        disabled: port.disabled,
                        mac_address: port.mac_address.clone(),
                        addresses: port.addresses.clone(),
                        lldp: port.lldp,
                        system_name: side.system_name.clone(),
                        chassis_id: side.chassis_id.clone(),
                    })
                });
                Cable { port: here.interface.clone(), far }
            })
            .collect();
        Cabling { mac_block: self.mac_block(), cables }
    }

    /// Sets (or, with `None`, withdraws) what `slot` says of the node.
    fn publish(&self, slot: Slot, side: Option<Side>) {
        let mut state = self.fabric.lock();
        let key = (self.node.clone(), slot);
        let changed = match side {
            Some(side) => state.sides.insert(key, side.clone()).is_none_or(|old| old != side),
            None => state.sides.remove(&key).is_some(),
        };
        if changed {
            self.fabric.version.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Cuts (or restores) the link on `port`; the far end, for the record.
    pub fn set_cut(&self, port: &str, cut: bool) -> Result<Endpoint, NotLinked> {
        let (i, there) = self
            .ends()
            .find(|(_, here, _)| here.interface == port)
            .map(|(i, _, there)| (i, there.clone()))
            .ok_or_else(|| NotLinked(port.into()))?;
        self.fabric.lock().cut[i] = cut;
        self.fabric.version.fetch_add(1, Ordering::AcqRel);
        Ok(there)
    }
}

/// Withdraws an RE's side when it stops, however it stops.
struct Withdraw<'a>(&'a Attachment, Slot);

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.0.publish(self.1, None);
    }
}

impl Agent {
    /// The ports as cabled now; none for a chassis alone.
    pub(super) fn cabling(&self) -> Cabling {
        self.fabric.as_ref().map_or_else(Cabling::default, Attachment::cabling)
    }

    /// What derived state built from the cabling must be built again after.
    pub(super) fn cabling_version(&self) -> u64 {
        self.fabric.as_ref().map_or(0, Attachment::version)
    }

    /// Publishes this RE's side of the node's links at start and after each
    /// commit it installs and each change of its role, until it stops.
    pub(super) async fn publish_links(self: Arc<Self>) {
        let Some(attachment) = self.fabric.clone() else { return };
        let _withdraw = Withdraw(&attachment, self.slot);
        let mut installed = self.config().installed();
        let mut roles = self.mastership.roles();
        loop {
            let side = self.side(&attachment);
            attachment.publish(self.slot, Some(side));
            let changed = tokio::select! {
                changed = installed.changed() => changed,
                changed = roles.changed() => changed,
            };
            if changed.is_err() {
                // Nothing will change any more; the side stays until the RE stops.
                std::future::pending::<()>().await;
            }
        }
    }

    fn side(&self, attachment: &Attachment) -> Side {
        let cabling = attachment.cabling();
        let host_name = self.host_name();
        let config = self.config();
        let effective = config.effective();
        let all = interfaces::interfaces(effective, "", &cabling);
        let ports = cabling
            .cables
            .iter()
            .filter_map(|cable| {
                let port = all.iter().find(|i| i.name == cable.port)?;
                let addresses = port
                    .units
                    .iter()
                    .filter(|u| u.admin_up)
                    .flat_map(|u| u.addresses.iter().cloned())
                    .collect();
                let side = Port {
                    disabled: !port.admin_up,
                    mac_address: port.mac_address.clone(),
                    addresses,
                    lldp: protocols::lldp_on(effective, &port.name),
                };
                Some((port.name.clone(), side))
            })
            .collect();
        Side {
            master: self.mastership() == MastershipState::Master,
            chassis_id: interfaces::chassis_mac(cabling.mac_block),
            system_name: protocols::lldp_system_name(effective, &host_name),
            ports,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(text: &str) -> Endpoint {
        text.parse().unwrap()
    }

    fn lab() -> Arc<Fabric> {
        let links = vec![[end("r1:ge-0/0/0"), end("r2:ge-0/0/1")], [end("r2:xe-0/0/0"), end("r3:et-0/0/0")]];
        Fabric::new(["r1", "r2", "r3"].map(String::from), links).unwrap()
    }

    fn side(master: bool, port: &str) -> Side {
        let ports = [(port.to_owned(), Port { mac_address: format!("mac of {port}"), ..Port::default() })];
        Side { master, system_name: "far".into(), ports: ports.into(), ..Side::default() }
    }

    #[test]
    fn a_topology_names_its_nodes_once_per_port() {
        assert_eq!("r1".parse::<Endpoint>(), Err(FabricError::Endpoint("r1".into())));
        assert_eq!("r1:ge-0/0/0.0".parse::<Endpoint>(), Err(FabricError::Endpoint("r1:ge-0/0/0.0".into())));
        let nodes = || ["r1", "r2"].map(String::from);
        let stranger = Fabric::new(nodes(), vec![[end("r1:ge-0/0/0"), end("r9:ge-0/0/0")]]);
        assert_eq!(stranger.err(), Some(FabricError::UnknownNode(end("r9:ge-0/0/0"))));
        let twice = vec![[end("r1:ge-0/0/0"), end("r2:ge-0/0/0")], [end("r1:ge-0/0/0"), end("r2:ge-0/0/1")]];
        assert_eq!(Fabric::new(nodes(), twice).err(), Some(FabricError::Reused(end("r1:ge-0/0/0"))));
    }

    #[test]
    fn the_far_end_is_what_its_master_says_while_the_link_holds() {
        let fabric = lab();
        let (r1, r2) = (fabric.attach("r1").unwrap(), fabric.attach("r2").unwrap());
        assert!(fabric.attach("r9").is_none());
        assert_eq!(r1.cabling().cables, [Cable { port: "ge-0/0/0".into(), far: None }], "r2 not up");
        r2.publish(Slot::RE1, Some(side(false, "ge-0/0/1")));
        assert!(r1.cabling().far("ge-0/0/0").is_none(), "a backup is no forwarding plane");
        let before = r1.version();
        r2.publish(Slot::RE0, Some(side(true, "ge-0/0/1")));
        assert!(r1.version() > before, "a change moves the version on");
        let far = r1.cabling().far("ge-0/0/0").cloned().unwrap();
        assert_eq!((far.port.as_str(), far.mac_address.as_str()), ("ge-0/0/1", "mac of ge-0/0/1"));
        let unchanged = r1.version();
        r2.publish(Slot::RE0, Some(side(true, "ge-0/0/1")));
        assert_eq!(r1.version(), unchanged, "the same side again changes nothing");
        assert_eq!(r2.set_cut("ge-0/0/1", true), Ok(end("r1:ge-0/0/0")));
        assert!(r1.cabling().far("ge-0/0/0").is_none(), "cut");
        r1.set_cut("ge-0/0/0", false).unwrap();
        assert!(r1.cabling().far("ge-0/0/0").is_some(), "restored from either end");
        drop(Withdraw(&r2, Slot::RE0));
        assert!(r1.cabling().far("ge-0/0/0").is_none(), "r2's master stopped");
        assert_eq!(r1.set_cut("xe-0/0/0", true), Err(NotLinked("xe-0/0/0".into())));
        assert_ne!(r1.cabling().mac_block, r2.cabling().mac_block, "each node its own addresses");
    }
}
