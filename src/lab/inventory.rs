//! A running lab's nodes as automation tools take them in.

use indexmap::IndexMap;
use serde::Serialize;

use super::Runtime;

/// The formats `reshell lab inventory` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// `{"lab": NAME, "nodes": {NODE: {"host", "ssh", "netconf", "grpc", "platform"}}}`
    #[default]
    Json,
    /// An Ansible YAML inventory for the junipernetworks.junos collection over NETCONF
    Ansible,
    /// A Nornir hosts file for napalm's junos driver (which speaks NETCONF)
    Nornir,
}

const HOST: &str = "127.0.0.1";

#[derive(Serialize)]
struct Json<'a> {
    lab: &'a str,
    nodes: IndexMap<&'a str, JsonNode>,
}

#[derive(Serialize)]
struct JsonNode {
    host: &'static str,
    ssh: u16,
    netconf: u16,
    grpc: IndexMap<&'static str, String>,
    platform: &'static str,
}

#[derive(Serialize)]
struct Ansible<'a> {
    all: AnsibleGroup<'a>,
}

#[derive(Serialize)]
struct AnsibleGroup<'a> {
    vars: IndexMap<&'static str, &'static str>,
    hosts: IndexMap<&'a str, AnsibleHost>,
}

#[derive(Serialize)]
struct AnsibleHost {
    ansible_host: &'static str,
    ansible_port: u16,
}

#[derive(Serialize)]
struct NornirHost {
    hostname: &'static str,
    port: u16,
    platform: &'static str,
}

/// The inventory of a running lab in `format`.
pub fn render(runtime: &Runtime, format: Format) -> anyhow::Result<String> {
    let nodes = runtime.nodes.iter().map(|(name, reach)| (name.as_str(), reach));
    Ok(match format {
        Format::Json => {
            let nodes = nodes
                .map(|(name, reach)| {
                    let grpc = IndexMap::from([
                        ("re0", reach.grpc[0].to_string()),
                        ("re1", reach.grpc[1].to_string()),
                    ]);
                    let node = JsonNode {
                        host: HOST,
                        ssh: reach.ssh.port(),
                        netconf: reach.netconf.port(),
                        grpc,
                        platform: "junos",
                    };
                    (name, node)
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&Json { lab: &runtime.lab, nodes })?;
            text.push('\n');
            text
        }
        Format::Ansible => {
            let vars = IndexMap::from([
                ("ansible_connection", "ansible.netcommon.netconf"),
                ("ansible_network_os", "junipernetworks.junos.junos"),
            ]);
            let hosts = nodes.map(|(name, reach)| {
                (name, AnsibleHost { ansible_host: HOST, ansible_port: reach.netconf.port() })
            });
            serde_norway::to_string(&Ansible { all: AnsibleGroup { vars, hosts: hosts.collect() } })?
        }
        Format::Nornir => {
            let hosts: IndexMap<&str, NornirHost> = nodes
                .map(|(name, reach)| {
                    (name, NornirHost { hostname: HOST, port: reach.netconf.port(), platform: "junos" })
                })
                .collect();
            serde_norway::to_string(&hosts)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Reach;

    fn runtime() -> Runtime {
        let a = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let reach = Reach { ssh: a(2201), netconf: a(8301), grpc: [a(5001), a(5002)] };
        Runtime { lab: "pair".into(), pid: Some(1), nodes: IndexMap::from([("r1".to_owned(), reach)]) }
    }

    #[test]
    fn json_lists_each_node_with_its_ports() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&runtime(), Format::Json).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"lab": "pair", "nodes": {"r1": {"host": "127.0.0.1", "ssh": 2201, "netconf": 8301,
                "grpc": {"re0": "127.0.0.1:5001", "re1": "127.0.0.1:5002"}, "platform": "junos"}}})
        );
    }

    #[test]
    fn ansible_reaches_each_node_over_netconf() {
        assert_eq!(
            render(&runtime(), Format::Ansible).unwrap(),
            "all:\n  vars:\n    ansible_connection: ansible.netcommon.netconf\n    \
             ansible_network_os: junipernetworks.junos.junos\n  hosts:\n    r1:\n      \
             ansible_host: 127.0.0.1\n      ansible_port: 8301\n"
        );
    }

    #[test]
    fn nornir_gives_napalm_the_junos_platform_and_netconf_port() {
        assert_eq!(
            render(&runtime(), Format::Nornir).unwrap(),
            "r1:\n  hostname: 127.0.0.1\n  port: 8301\n  platform: junos\n"
        );
    }
}
