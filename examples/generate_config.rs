//! Writes a generated configuration to standard output:
//! `cargo run --release --example generate_config -- LINES [set|curly]`.

use anyhow::{Context, bail};
use reshell::config::generate;
use reshell::config::schema::Schema;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let lines: usize = args.next().context("usage: generate_config LINES [set|curly]")?.parse()?;
    let text = match args.next().as_deref() {
        None | Some("set") => generate::set_lines(lines),
        Some("curly") => generate::curly(&*Schema::shipped()?, lines),
        Some(other) => bail!("unknown form {other}: set or curly"),
    };
    print!("{text}");
    Ok(())
}
