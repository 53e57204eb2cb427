//! TLS for the agents' gRPC, for agents that serve more than loopback: the
//! agent's certificate and key, and the CA its clients (shells and the other
//! RE) check it against. Who the caller is stays the login's business.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig};

/// The files an agent serves TLS with.
#[derive(Debug, Clone)]
pub struct AgentTls {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The CA that signed both REs' certificates, for the link to the peer.
    pub ca: PathBuf,
}

fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the TLS {what} {}", path.display()))
}

impl AgentTls {
    pub fn server(&self) -> anyhow::Result<ServerTlsConfig> {
        let identity = Identity::from_pem(read(&self.cert, "certificate")?, read(&self.key, "key")?);
        Ok(ServerTlsConfig::new().identity(identity))
    }

    pub fn client(&self) -> anyhow::Result<ClientTlsConfig> {
        client(&self.ca)
    }
}

/// What a client checks an agent's certificate against.
pub fn client(ca: &Path) -> anyhow::Result<ClientTlsConfig> {
    Ok(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca, "CA certificate")?)))
}

/// An agent's address as an endpoint: https when `tls` is given.
pub fn endpoint(address: &str, tls: Option<&ClientTlsConfig>) -> Result<Endpoint, tonic::transport::Error> {
    match tls {
        None => Endpoint::from_shared(format!("http://{address}")),
        Some(tls) => Endpoint::from_shared(format!("https://{address}"))?.tls_config(tls.clone()),
    }
}
