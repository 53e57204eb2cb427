//! reshell: a Junos-style CLI for a router with two Routing Engines, and the
//! per-RE agents it talks to over gRPC.

pub mod agent;
pub mod chassis;
pub mod config;
pub mod durable;
pub mod grammar;
pub mod shell;
pub mod shutdown;
pub mod slot;

/// The gRPC contract in `proto/`, package `reshell.v1`.
pub mod proto {
    tonic::include_proto!("reshell.v1");
}
