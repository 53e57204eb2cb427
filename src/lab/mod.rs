//! A lab: many two-RE chassis from one topology file, in this process, and
//! the inventories automation tools reach them by.

pub mod inventory;
pub mod topology;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::agent::{Attachment, Fabric};
use crate::chassis::{self, Embedded, Management};
use topology::{Node, Topology};

/// Where a running node is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub ssh: SocketAddr,
    pub netconf: SocketAddr,
    /// By slot.
    pub grpc: [SocketAddr; 2],
}

/// The lab's runtime file, in its state dir: what `lab inventory` reads,
/// and the addresses a restart serves again so that inventories stay valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Runtime {
    pub lab: String,
    /// The process serving the lab, while it does.
    pub pid: Option<u32>,
    pub nodes: IndexMap<String, Reach>,
}

const RUNTIME_FILE: &str = "lab.json";

impl Runtime {
    fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(RUNTIME_FILE)
    }

    fn read(state_dir: &Path) -> anyhow::Result<Option<Runtime>> {
        let path = Runtime::path(state_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(Some(serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))?))
    }

    /// The lab's runtime while the lab runs.
    pub fn running(state_dir: &Path, lab: &str) -> anyhow::Result<Runtime> {
        let runtime = Runtime::read(state_dir)?;
        let pid = runtime.as_ref().and_then(|r| r.pid);
        let alive = pid
            .and_then(|pid| rustix::process::Pid::from_raw(pid as i32))
            .is_some_and(|pid| rustix::process::test_kill_process(pid).is_ok());
        match runtime {
            Some(runtime) if alive => Ok(runtime),
            _ => anyhow::bail!(
                "lab {lab} is not running (no lab serves {}): start it with `reshell lab run`",
                state_dir.display()
            ),
        }
    }

    /// Written whole or not at all, readable by its owner only.
    fn write(&self, state_dir: &Path) -> anyhow::Result<()> {
        let path = Runtime::path(state_dir);
        let partial = path.with_extension("json.partial");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        file.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The startup configuration of every node, checked as its agents will at
/// their first start: all errors of all nodes, or none.
pub fn check_startup_configs(topology: &Topology) -> anyhow::Result<()> {
    let mut errors = Vec::new();
    for node in &topology.nodes {
        let Some(file) = &node.startup_config else { continue };
        let checked = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))
            .and_then(|text| crate::agent::check_startup_config(&text, Some(&node.name)));
        if let Err(e) = checked {
            errors.push(format!("{}: {}: {e:#}", node.name, file.display()));
        }
    }
    if !errors.is_empty() {
        anyhow::bail!(
            "{}\nlab {} not started: {} of its nodes have startup configuration errors",
            errors.join("\n"),
            topology.name,
            errors.len()
        );
    }
    Ok(())
}

/// `reshell lab run`: checks every node's startup configuration, starts all
/// nodes at once, says where each is reached and that the lab is ready, and
/// serves it until Ctrl-C or SIGTERM.
pub async fn run(topology: &Topology, state_dir: &Path, fresh: bool) -> anyhow::Result<()> {
    check_startup_configs(topology)?;
    std::fs::create_dir_all(state_dir).with_context(|| format!("cannot create {}", state_dir.display()))?;
    std::fs::set_permissions(state_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .with_context(|| format!("cannot make {} private", state_dir.display()))?;
    // Two processes on one state dir would each take the other's state for theirs.
    if let Ok(running) = Runtime::running(state_dir, &topology.name) {
        anyhow::bail!(
            "lab {} already runs in process {} on {}",
            topology.name,
            running.pid.unwrap_or_default(),
            state_dir.display()
        );
    }
    let last = Runtime::read(state_dir)?.map(|r| r.nodes).unwrap_or_default();
    open_files_for(topology.nodes.len());
    if fresh {
        for node in &topology.nodes {
            let dir = state_dir.join(&node.name);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
            }
        }
    }
    // As many nodes start at once as there are cores: more would only make
    // each wait longer for its REs to answer.
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let room = std::sync::Arc::new(tokio::sync::Semaphore::new(cores));
    let links = topology.links.iter().map(|link| link.ends.clone()).collect();
    let fabric = Fabric::new(topology.nodes.iter().map(|n| n.name.clone()), links)?;
    let mut starting = tokio::task::JoinSet::new();
    for node in &topology.nodes {
        let (node, dir) = (node.clone(), state_dir.join(&node.name));
        // Held from now: the nodes that start first must not take them.
        let reserved = Reserved::again(last.get(&node.name).copied());
        let (room, attachment) = (room.clone(), fabric.attach(&node.name));
        starting.spawn(async move {
            let _place = room.acquire_owned().await;
            let reach = start_node(&node, &dir, reserved, attachment)
                .await
                .with_context(|| format!("node {}", node.name));
            (node.name, reach)
        });
    }
    let mut nodes = IndexMap::new();
    let mut serving = Vec::new();
    while let Some(started) = starting.join_next().await {
        let (name, started) = started?;
        let (reach, node) = started?;
        nodes.insert(name, reach);
        serving.push(node);
    }
    nodes.sort_by_cached_key(|name, _| topology.nodes.iter().position(|n| &n.name == name));
    let width = nodes.keys().map(String::len).max().unwrap_or(0);
    for (name, reach) in &nodes {
        println!(
            "{name:width$}  ssh {}  netconf {}  re0 {}  re1 {}",
            reach.ssh, reach.netconf, reach.grpc[0], reach.grpc[1]
        );
    }
    let mut runtime = Runtime { lab: topology.name.clone(), pid: Some(std::process::id()), nodes };
    runtime.write(state_dir)?;
    println!("lab {} ready: {} nodes", topology.name, runtime.nodes.len());
    crate::shutdown::requested().await;
    let mut stopping: tokio::task::JoinSet<()> = serving.into_iter().map(chassis::Serving::stop).collect();
    while stopping.join_next().await.is_some() {}
    // Kept for the addresses a restart serves again.
    runtime.pid = None;
    runtime.write(state_dir)
}

/// Descriptors one node holds idle: listeners, the connections between
/// its REs and from its management relays, state files (24 measured).
const FILES_PER_NODE: u64 = 32;

/// Raises this process's limit on open files as far as the node count
/// needs and the hard limit allows: the usual soft limit (1024) holds
/// about 40 nodes.
fn open_files_for(nodes: usize) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let wanted = 256 + FILES_PER_NODE * nodes as u64;
    let Some(current) = limit.current.filter(|&c| c < wanted) else { return };
    let raised = limit.maximum.map_or(wanted, |most| wanted.min(most));
    let new = rustix::process::Rlimit { current: Some(raised.max(current)), maximum: limit.maximum };
    if let Err(e) = setrlimit(Resource::Nofile, new) {
        eprintln!("warning: cannot raise the open files limit ({current}) for {nodes} nodes: {e}");
    }
}

/// The addresses a node had last time, each held bound until the node
/// starts, or any free port where one cannot be bound again. Nodes start
/// side by side, and the connections of one take free ports as their own:
/// an address let go early may be another's local port when its node binds it.
pub struct Reserved {
    reach: Reach,
    held: Vec<std::net::TcpListener>,
}

impl Reserved {
    pub fn again(last: Option<Reach>) -> Reserved {
        let mut held = Vec::new();
        let mut hold = |address: Option<SocketAddr>| {
            let listener = address.and_then(|address| std::net::TcpListener::bind(address).ok());
            let bound = listener.as_ref().and_then(|l| l.local_addr().ok());
            held.extend(listener);
            bound.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)))
        };
        let reach = Reach {
            ssh: hold(last.map(|l| l.ssh)),
            netconf: hold(last.map(|l| l.netconf)),
            grpc: [0, 1].map(|n| hold(last.map(|l| l.grpc[n]))),
        };
        Reserved { reach, held }
    }
}

/// Starts one node: a two-RE chassis with its state in `dir`, on the
/// addresses `reserved` for it; served while what is returned with its
/// addresses is held.
pub async fn start_node(
    node: &Node,
    dir: &Path,
    reserved: Reserved,
    fabric: Option<Attachment>,
) -> anyhow::Result<(Reach, chassis::Serving)> {
    // Private from the start: its REs' state and the chassis secret go in it.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let Reserved { reach, held } = reserved;
    let chassis = Embedded {
        management: Management { ssh: Some(reach.ssh), netconf: Some(reach.netconf) },
        startup_config: node.startup_config.clone(),
        grpc: reach.grpc,
        node: Some(node.name.clone()),
        fabric,
        ..Embedded::new(dir)
    };
    // Let go where the chassis binds them at once.
    drop(held);
    let started = chassis::start_embedded(chassis).await?;
    let (Some(ssh), Some(netconf)) = (started.management.ssh, started.management.netconf) else {
        anyhow::bail!("serves no SSH or NETCONF");
    };
    Ok((Reach { ssh, netconf, grpc: started.grpc }, started.serving))
}

/// How long `lab health` waits for an answer.
const HEALTH_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// `reshell lab health ADDR`: whether the SSH (or NETCONF) service at
/// `address` greets as an SSH server does. A management address relays to
/// the master RE's own server, so a greeting says that a master serves.
pub fn health(address: SocketAddr) -> anyhow::Result<()> {
    use std::io::BufRead;
    let stream = std::net::TcpStream::connect_timeout(&address, HEALTH_WITHIN)
        .with_context(|| format!("nothing serves {address}"))?;
    stream.set_read_timeout(Some(HEALTH_WITHIN))?;
    let mut greeting = String::new();
    std::io::BufReader::new(stream.take(256))
        .read_line(&mut greeting)
        .with_context(|| format!("{address} did not greet"))?;
    if !greeting.starts_with("SSH-2.0-") {
        anyhow::bail!("{address} greets as no SSH server: {:?}", greeting.trim_end());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_files_limit_is_raised_for_the_nodes_within_the_hard_limit() {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let hard = getrlimit(Resource::Nofile).maximum;
        // As on a laptop: the usual soft limit.
        setrlimit(Resource::Nofile, Rlimit { current: Some(1024), maximum: hard }).unwrap();
        open_files_for(100);
        let wanted = 256 + FILES_PER_NODE * 100;
        let got = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        assert!(got >= hard.map_or(wanted, |most| wanted.min(most)), "{got}");
    }
}
