//! Density: a lab of 100 two-RE nodes from one topology, idle and with a
//! 10k-line startup configuration each. Prints the time until `ready` and
//! the lab process's RSS per node (VmRSS / nodes).
//!
//! `cargo bench --bench lab [-- NODES]`

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let nodes: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("10k.conf");
    let text = reshell::config::generate::set_lines(10_000);
    std::fs::write(&config, format!("set system root-authentication encrypted-password \"*\"\n{text}"))
        .unwrap();
    for (name, startup) in [("idle", None), ("10k_lines", Some(config.as_path()))] {
        let topology = write_topology(dir.path(), name, nodes, startup);
        measure(name, nodes, &topology, &dir.path().join(format!("{name}-state")));
    }
}

fn write_topology(dir: &Path, name: &str, nodes: usize, startup: Option<&Path>) -> std::path::PathBuf {
    let mut text = format!("name: {name}\ntopology:\n  nodes:\n");
    for n in 1..=nodes {
        match startup {
            Some(file) => text += &format!("    r{n}: {{startup-config: {}}}\n", file.display()),
            None => text += &format!("    r{n}:\n"),
        }
    }
    let path = dir.join(format!("{name}.yml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn measure(name: &str, nodes: usize, topology: &Path, state: &Path) {
    let started = Instant::now();
    let mut lab = Command::new(env!("CARGO_BIN_EXE_reshell"))
        .args(["lab", "run"])
        .arg(topology)
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the lab");
    let mut lines = BufReader::new(lab.stdout.take().unwrap()).lines();
    let ready = format!("lab {name} ready: {nodes} nodes");
    loop {
        match lines.next() {
            Some(Ok(line)) if line == ready => break,
            Some(Ok(_)) => {}
            _ => panic!("the lab ended before it was ready"),
        }
    }
    let ready_after = started.elapsed();
    // Idle: past the start's settling (elections, first daemon rounds).
    std::thread::sleep(Duration::from_secs(5));
    let status = std::fs::read_to_string(format!("/proc/{}/status", lab.id())).unwrap();
    let field = |key: &str| -> f64 {
        let line = status.lines().find(|l| l.starts_with(key)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let (rss_kb, threads) = (field("VmRSS:"), field("Threads:"));
    println!("lab_{name}_{nodes}_nodes_ready {:.2} s", ready_after.as_secs_f64());
    println!("lab_{name}_rss_per_node {:.1} MB", rss_kb / 1024.0 / nodes as f64);
    println!("lab_{name}_threads {threads}");
    let _ = lab.kill();
    let _ = lab.wait();
}
