//! The configuration an RE commits at its first start.

use crate::config::inherit::expand;
use crate::config::load::{apply_set_lines, parse_text};
use crate::config::schema::Schema;
use crate::config::tree::Node;
use crate::config::validate::{CheckError, check_from};
use crate::slot::Slot;

/// What an RE commits at its first start, on top of the factory default.
#[derive(Debug, Clone, Copy, Default)]
pub struct First<'a> {
    /// The startup configuration, Junos text or `set` lines.
    pub startup: Option<&'a str>,
    /// The host-name when the startup configuration sets none (a lab node's name).
    pub host_name: Option<&'a str>,
}

/// The factory default, and the startup configuration on top of it, which
/// must pass the commit check as any commit would.
pub(in crate::agent) fn first_configuration(
    schema: &Schema,
    slot: Slot,
    given: First<'_>,
) -> anyhow::Result<Node> {
    let (mut first, _) = parse_text(schema, include_str!("../factory.conf"));
    // The configuration says which software wrote it, as Junos's does.
    first.child_entry("version").values = [crate::JUNOS_VERSION].into_iter().collect();
    if let Some(text) = given.startup {
        apply_startup(schema, slot, &mut first, text)?;
    }
    if let Some(name) = given.host_name
        && first.descend(["system", "host-name"]).is_none()
    {
        first.child_entry("system").child_entry("host-name").values = [name].into_iter().collect();
    }
    Ok(first)
}

fn apply_startup(schema: &Schema, slot: Slot, first: &mut Node, text: &str) -> anyhow::Result<()> {
    let is_set = text.lines().map(str::trim_start).any(|l| l.starts_with("set ") || l.starts_with("delete "));
    let errors = if is_set {
        apply_set_lines(schema, first, text)
    } else {
        let (loaded, errors) = parse_text(schema, text);
        first.merge(schema, None, loaded);
        errors
    };
    if let Some(e) = errors.first() {
        anyhow::bail!("startup configuration: line {}, column {}: {}", e.line, e.column, e.message);
    }
    let errors = check_from(schema, &expand(schema, first, slot), None);
    if !errors.is_empty() {
        anyhow::bail!("startup configuration:\n{}", CheckError::report(&errors, true).trim_end());
    }
    Ok(())
}
