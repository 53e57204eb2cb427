//! The ways into a Routing Engine over the network, above the shell engine:
//! each is a client of its RE's agent over gRPC, as the shell is, and
//! nothing below imports them. `chassis` starts them beside their agents.

pub mod channel;
pub mod scp;
pub mod sftp;
pub mod ssh;
