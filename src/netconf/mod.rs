//! The NETCONF server session (RFC 6241 over RFC 6242 framing) with the
//! Junos XML API on top. It runs over any byte stream: the SSH server's
//! `netconf` subsystem gives it the channel. Each RPC becomes the typed
//! command the CLI's line makes too (`Configure`, `Load`, `Commit`, the
//! grammar's operational command for its name), the shell engine applies it,
//! and the reply serialises the command's view or its problems.
//!
//! ```text
//!  input ─► framing (]]>]]> or chunks) ─► message (hello | rpc) ─► rpc ─► cli ─► Engine
//! output ◄─ framing ◄──────────────────── message::reply ◄──────── error / configuration
//! ```

mod cli;
mod configuration;
mod error;
pub(crate) mod framing;
pub(crate) mod message;
mod rpc;

use std::io::{Read, Write};

use anyhow::Context;

use crate::config::schema::Schema;
use crate::shell::Engine;
use cli::Cli;
use error::RpcError;
use framing::{FrameReader, FrameWriter, FramingError};
use message::{BASE_1_1, Incoming};

/// One NETCONF session: sends our hello, then reads framed messages from
/// `input` and answers each on `output` until the client closes the stream
/// or sends `<close-session/>`.
///
/// `engine` is logged in as the session's user. Its methods block on its
/// runtime, so this runs on a thread of its own, outside any runtime.
pub fn run_session(
    engine: &mut Engine,
    session_id: u32,
    input: &mut dyn Read,
    output: &mut dyn Write,
) -> anyhow::Result<()> {
    let schema = engine.schema().clone();
    let mut writer = FrameWriter::new(output);
    writer.send(&message::hello(session_id)).context("cannot send the hello")?;
    let mut reader = FrameReader::new(input);
    let mut cli = Cli::new(engine);
    let served = serve(&mut cli, &schema, session_id, &mut reader, &mut writer);
    // An exclusive lock or a private database ends with its session.
    let closed = if cli.ended() { Ok(()) } else { cli.close() };
    served?;
    closed.map_err(|errors| {
        let reasons: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        anyhow::anyhow!("cannot leave configuration mode: {}", reasons.join("; "))
    })
}

fn serve(
    cli: &mut Cli<'_>,
    schema: &Schema,
    session_id: u32,
    reader: &mut FrameReader<'_>,
    writer: &mut FrameWriter<'_>,
) -> anyhow::Result<()> {
    // Until a message comes, the client's hello may still switch the framing.
    let mut first = true;
    loop {
        let bytes = match reader.next_message() {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(()),
            Err(e @ FramingError::TooLarge(_)) => {
                writer.send(&message::reply("", &RpcError::too_big(e.to_string()).to_xml()))?;
                continue;
            }
            Err(e @ FramingError::BadChunk) => return Err(e).context("the client's framing broke"),
            Err(FramingError::Io(e)) => return Err(e).context("cannot read from the client"),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            writer.send(&message::reply("", &RpcError::malformed("the message is not UTF-8").to_xml()))?;
            continue;
        };
        // A client may send a bare newline between messages (scrapli does).
        if text.trim().is_empty() {
            continue;
        }
        let was_first = std::mem::replace(&mut first, false);
        let document = match message::parse(text) {
            Ok(document) => document,
            Err(error) => {
                writer.send(&message::reply("", &error.to_xml()))?;
                continue;
            }
        };
        match message::classify(&document) {
            // RFC 6242 §4.1: chunked framing once both hellos say base 1.1.
            // A hello after the first message changes nothing.
            Incoming::Hello { capabilities } => {
                if was_first && capabilities.iter().any(|c| c == BASE_1_1) {
                    reader.use_chunks();
                    writer.use_chunks();
                }
            }
            Incoming::Rpc(rpc) => {
                let answer = rpc::answer(cli, schema, session_id, rpc.operation);
                writer.send(&message::reply(&rpc.attributes, &answer.body))?;
                if answer.end || cli.ended() {
                    return Ok(());
                }
            }
            Incoming::Refused { attributes, error } => {
                writer.send(&message::reply(&attributes, &error.to_xml()))?
            }
        }
    }
}
