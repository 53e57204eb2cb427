//! reshell: a Junos-style CLI for a router with two Routing Engines, and the
//! per-RE agents it talks to over gRPC.

pub mod admission;
pub mod agent;
pub mod chassis;
pub mod config;
pub mod durable;
pub mod fault;
pub mod frontends;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod grammar;
pub mod heap;
pub mod lab;
pub mod management;
pub mod netconf;
pub mod permissions;
pub mod shell;
pub mod shutdown;
pub mod slot;
pub mod tls;

/// The Junos release the modelled Routing Engines run: `show version`
/// reports it and the XML namespaces of `| display xml` carry it.
pub const JUNOS_VERSION: &str = "23.4R2.13";

/// The largest configuration text an agent takes in one `load`, and the
/// largest file it reads whole (`file show`, `load FILE`): a million-line
/// configuration is about 50 MB, so this leaves five times that.
pub const MAX_CONFIGURATION_BYTES: usize = 256 << 20;

/// The largest gRPC message either side takes: a configuration of the
/// largest size, with room for the message around it.
pub const MAX_MESSAGE_BYTES: usize = MAX_CONFIGURATION_BYTES + (1 << 20);

/// The longest command line the shell reads; a `set` of any real value fits
/// many times over.
pub const MAX_LINE_BYTES: usize = 64 << 10;

/// Why a gRPC call failed, in the words of the deepest cause (a refused
/// connection says `Connection refused`, not `transport error`).
pub fn status_reason(status: &tonic::Status) -> String {
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(status);
    let mut last = None;
    while let Some(e) = cause {
        last = Some(e.to_string());
        cause = e.source();
    }
    last.unwrap_or_else(|| status.message().to_owned())
}

/// Whether a failed call never reached an agent that could answer (no
/// connection, no answer in time), as opposed to one that refused.
pub fn is_unreachable(status: &tonic::Status) -> bool {
    use tonic::Code;
    matches!(status.code(), Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown)
}

/// The gRPC contract in `proto/`, package `reshell.v1`.
pub mod proto {
    tonic::include_proto!("reshell.v1");
}
