//! Agents serving TLS: the shell and the other RE reach them only through it,
//! and TLS is what lets an agent serve beyond loopback without `--insecure`.

mod common;

use std::path::{Path, PathBuf};

use common::{Process, connected, free_port, reshell, two_agents_with};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

/// A CA, and a certificate it signed for 127.0.0.1: the CA's file, the
/// certificate's and its key's.
fn certificates(dir: &Path) -> [PathBuf; 3] {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert =
        CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&key, &issuer).unwrap();
    let paths = ["ca.pem", "cert.pem", "key.pem"].map(|name| dir.join(name));
    for (path, pem) in paths.iter().zip([ca.pem(), cert.pem(), key.serialize_pem()]) {
        std::fs::write(path, pem).unwrap();
    }
    paths
}

fn tls_args(paths: &[PathBuf; 3]) -> Vec<String> {
    let [ca, cert, key] = paths.each_ref().map(|p| p.to_string_lossy().into_owned());
    vec!["--tls-cert".into(), cert, "--tls-key".into(), key, "--tls-ca".into(), ca]
}

#[test]
fn agents_serve_tls_to_the_shell_and_to_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let paths = certificates(dir.path());
    let args = tls_args(&paths);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &args);
    let ca = paths[0].to_str().unwrap();
    // Both slots answer: re0 asked re1 for its half over TLS.
    let shown =
        connected(&spec, &["--tls-ca", ca, "-c", "show chassis routing-engine | match \"Slot|state\""]);
    assert_eq!(
        common::shape(&shown.stdout),
        " Slot #:\n Current state Master\n Slot #:\n Current state Backup\n",
        "{}",
        shown.stderr
    );
    let plain = connected(&spec, &["-c", "show version"]);
    assert!(!plain.ok, "a shell without TLS is not served: {}", plain.stdout);
}

#[test]
fn with_tls_an_agent_serves_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let paths = certificates(dir.path());
    let mut command = reshell();
    command.args(["agent", "--slot", "0", "--listen", "0.0.0.0:0", "--peer", &free_port(), "--state-dir"]);
    command.arg(dir.path().join("re0")).args(tls_args(&paths));
    let agent = Process::spawn(&mut command);
    assert!(agent.wait_for("listening on ").starts_with("0.0.0.0:"));
}
