//! Compiles the gRPC contract with a pure-Rust protobuf compiler, so building
//! needs nothing but cargo.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/reshell/v1/routing_engine.proto",
        "proto/reshell/v1/peer.proto",
        "proto/reshell/v1/configuration.proto",
        "proto/reshell/v1/fault.proto",
        "proto/reshell/v1/authentication.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
