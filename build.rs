//! Compiles the gRPC contract with a pure-Rust protobuf compiler, so building
//! needs nothing but cargo, and embeds every configuration schema file.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/reshell/v1/routing_engine.proto",
        "proto/reshell/v1/peer.proto",
        "proto/reshell/v1/configuration.proto",
        "proto/reshell/v1/fault.proto",
        "proto/reshell/v1/authentication.proto",
        "proto/reshell/v1/sshd.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    embed_schema(Path::new("grammar/schema"))?;
    Ok(())
}

/// Writes `schema_files.rs`: a slice of (path, text) of every `*.schema` file
/// under `dir`, sorted by path, so that adding a file needs no code.
fn embed_schema(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>()?;
    files.retain(|f| f.extension().is_some_and(|e| e == "schema"));
    files.sort();
    let root = std::env::var("CARGO_MANIFEST_DIR")?;
    let mut out = String::from("&[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let shown = file.to_string_lossy().replace('\\', "/");
        out.push_str(&format!("    ({shown:?}, include_str!({:?})),\n", Path::new(&root).join(file)));
    }
    out.push(']');
    std::fs::write(PathBuf::from(std::env::var("OUT_DIR")?).join("schema_files.rs"), out)?;
    Ok(())
}
