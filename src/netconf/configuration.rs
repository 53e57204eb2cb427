//! The configuration RPCs, Junos's (`lock-configuration`, `load-configuration`,
//! `commit-configuration`, `get-configuration`, ...) and RFC 6241's (`lock`,
//! `edit-config`, `get-config`, `commit`, ...), as the configuration-mode
//! commands they stand for.

use std::sync::LazyLock;

use regex::Regex;
use roxmltree::Node;

use super::cli::{Cli, Database, reply_elements};
use super::error::{RpcError, errors_xml};
use super::message::{child, child_text, escape, has_child, leaf};
use super::rpc::XNM_NAMESPACE;
use crate::config::load::apply_set_lines;
use crate::config::print::quote;
use crate::config::schema::Schema;
use crate::config::tree::Node as Tree;

use crate::config::print::to_text;
use crate::config::xml::{Operation, XmlError, filter_path, to_statements};
use crate::slot::Slot;

type Reply = Result<String, Vec<RpcError>>;

const OK: &str = "<ok/>\n";

/// `<target><candidate/></target>` and the like: the datastore named.
fn datastore<'a>(operation: Node<'a, '_>, holder: &str) -> Option<&'a str> {
    child(operation, holder)?.children().find(Node::is_element).map(|n| n.tag_name().name())
}

/// Junos has one writable datastore: the candidate.
fn candidate_target(operation: Node<'_, '_>, holder: &str) -> Result<(), Vec<RpcError>> {
    match datastore(operation, holder) {
        None | Some("candidate") => Ok(()),
        Some(other) => Err(vec![
            RpcError::failed(format!("the {other} datastore cannot be used here; use the candidate"))
                .tagged("operation-not-supported")
                .element(other),
        ]),
    }
}

/// `<lock-configuration/>`, `<lock>`: `configure exclusive`.
pub fn lock(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    candidate_target(operation, "target")?;
    if cli.database() == Some(Database::Exclusive) {
        return Err(vec![
            RpcError::failed("configuration database already locked by this session").tagged("lock-denied"),
        ]);
    }
    cli.open(Database::Exclusive)?;
    Ok(OK.into())
}

/// `<unlock-configuration/>`, `<unlock>`: leaves `configure exclusive`, and
/// with it the changes not committed.
pub fn unlock(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    candidate_target(operation, "target")?;
    if cli.database() != Some(Database::Exclusive) {
        return Err(vec![RpcError::failed("configuration database is not locked by this session")]);
    }
    cli.close()?;
    Ok(OK.into())
}

/// `<open-configuration><private/></open-configuration>`: `configure private`.
pub fn open(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    match operation.children().find(Node::is_element).map(|n| n.tag_name().name()) {
        Some("private") => {
            cli.open(Database::Private)?;
            Ok(OK.into())
        }
        Some(other) => Err(vec![RpcError::syntax(other)]),
        None => Err(vec![RpcError::failed("missing database").tagged("missing-element").element("private")]),
    }
}

/// `<close-configuration/>`: leaves the database opened.
pub fn close(cli: &mut Cli<'_>) -> Reply {
    cli.close()?;
    Ok(OK.into())
}

/// `<get-configuration [database=committed|candidate] [format=xml|text|set]
/// [inherit=inherit] [compare=rollback rollback=N]>` with an optional
/// `<configuration>` subtree filter.
pub fn get_configuration(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> Reply {
    if let Some(compare) = operation.attribute("compare") {
        if compare != "rollback" {
            return Err(vec![bad_attribute("compare", compare)]);
        }
        let rollback = number(operation.attribute("rollback").unwrap_or("0"), "rollback")?;
        let diff = cli.configuration(&format!("show | compare rollback {rollback}"))?;
        // PyEZ reads a lone newline as "no differences".
        return Ok(format!(
            "<configuration-information>\n<configuration-output>\n{}</configuration-output>\n</configuration-information>\n",
            escape(&diff)
        ));
    }
    let committed = match operation.attribute("database").unwrap_or("candidate") {
        "candidate" => false,
        "committed" => true,
        other => return Err(vec![bad_attribute("database", other)]),
    };
    let path = match child(operation, "configuration") {
        Some(filter) => filter_path(schema, filter).map_err(|e| vec![xml_error(&e)])?,
        None => Vec::new(),
    };
    let inherit = operation.attribute("inherit").is_some();
    let format = operation.attribute("format").unwrap_or("xml");
    show(cli, committed, &path, inherit, format)
}

/// The configuration (committed or candidate) at `path`, in `format`.
fn show(cli: &mut Cli<'_>, committed: bool, path: &[String], inherit: bool, format: &str) -> Reply {
    let mut line = if committed { "show configuration".to_owned() } else { "show".to_owned() };
    for word in path {
        line.push(' ');
        line.push_str(word);
    }
    if inherit {
        line.push_str(" | display inheritance no-comments");
    }
    let mut run = |line: &str| if committed { cli.operational(line) } else { cli.configuration(line) };
    match format {
        "xml" => reply_elements(&run(&format!("{line} | display xml"))?),
        "text" => Ok(format!("<configuration-text>\n{}</configuration-text>\n", escape(&run(&line)?))),
        "set" => Ok(format!(
            "<configuration-set>\n{}</configuration-set>\n",
            escape(&run(&format!("{line} | display set"))?)
        )),
        other => Err(vec![bad_attribute("format", other)]),
    }
}

/// RFC 6241 `<get-config>` (`<source>` running or candidate) and `<get>`
/// (running): the configuration in `<data>`.
pub fn get_config(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>, has_source: bool) -> Reply {
    let committed = match (has_source, datastore(operation, "source")) {
        (false, _) | (true, Some("running")) => true,
        (true, Some("candidate")) => false,
        (true, other) => {
            let element = other.unwrap_or("source");
            return Err(vec![
                RpcError::failed("the source must be running or candidate")
                    .tagged("invalid-value")
                    .element(element),
            ]);
        }
    };
    let mut path = Vec::new();
    if let Some(filter) = child(operation, "filter") {
        if filter.attribute("type").is_some_and(|t| t != "subtree") {
            return Err(vec![bad_attribute("type", filter.attribute("type").unwrap_or_default())]);
        }
        if let Some(configuration) = child(filter, "configuration") {
            path = filter_path(schema, configuration).map_err(|e| vec![xml_error(&e)])?;
        }
    }
    Ok(format!("<data>\n{}</data>\n", show(cli, committed, &path, false, "xml")?))
}

/// `<load-configuration [action=merge|replace|override|set|update]
/// [rollback=N] [url=FILE]>` with `<configuration>`, `<configuration-text>`
/// or `<configuration-set>`. Errors go inside the results, with their count.
pub fn load_configuration(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> String {
    let errors = load(cli, schema, operation).unwrap_or_else(|errors| errors);
    if errors.is_empty() {
        return "<load-configuration-results>\n<ok/>\n</load-configuration-results>\n".into();
    }
    format!(
        "<load-configuration-results>\n{}{}</load-configuration-results>\n",
        errors_xml(&errors),
        leaf("load-error-count", &errors.len().to_string())
    )
}

/// The load, and the statements it could not read.
fn load(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> Result<Vec<RpcError>, Vec<RpcError>> {
    if let Some(rollback) = operation.attribute("rollback") {
        let rollback = number(rollback, "rollback")?;
        cli.configuration(&format!("rollback {rollback}"))?;
        return Ok(Vec::new());
    }
    let action = match operation.attribute("action").unwrap_or("merge") {
        action @ ("merge" | "replace" | "override" | "set" | "update") => action,
        other => return Err(vec![bad_attribute("action", other)]),
    };
    if let Some(url) = operation.attribute("url") {
        return Ok(load_errors(&cli.configuration(&format!("load {action} {}", quote(url)))?));
    }
    if let Some(text) = child_text(operation, "configuration-text") {
        return Ok(load_errors(&cli.load(action, text.to_owned())?));
    }
    if let Some(text) = child_text(operation, "configuration-set") {
        return Ok(load_errors(&cli.load("set", text.to_owned())?));
    }
    if let Some(configuration) = child(operation, "configuration") {
        let operation =
            if matches!(action, "override" | "update") { Operation::Replace } else { Operation::Merge };
        return load_xml(cli, schema, configuration, operation);
    }
    match operation.children().find(Node::is_element) {
        Some(other) => Err(vec![RpcError::syntax(other.tag_name().name())]),
        None => Err(vec![
            RpcError::failed("no configuration to load").tagged("missing-element").element("configuration"),
        ]),
    }
}

/// Loads configuration XML: as `set`/`delete` lines, or, to override, as the
/// whole text those lines make of an empty configuration.
fn load_xml(
    cli: &mut Cli<'_>,
    schema: &Schema,
    configuration: Node<'_, '_>,
    operation: Operation,
) -> Result<Vec<RpcError>, Vec<RpcError>> {
    // Replacing the whole configuration is an override of what the XML says;
    // anything else is its statements as set (or delete) lines.
    let (replace, marks) = match operation {
        Operation::Replace => (true, Operation::Merge),
        other => (false, other),
    };
    let lines = to_statements(schema, configuration, marks).map_err(|e| vec![xml_error(&e)])?;
    if !replace {
        return Ok(load_errors(&cli.load("set", lines.join("\n"))?));
    }
    let mut tree = Tree::default();
    let errors: Vec<RpcError> = apply_set_lines(schema, &mut tree, &lines.join("\n"))
        .into_iter()
        .map(|e| load_error(&e.message))
        .collect();
    if !errors.is_empty() {
        return Ok(errors);
    }
    Ok(load_errors(&cli.load("override", to_text(schema, None, &tree))?))
}

/// `terminal:3:(18) syntax error: bogus`, as `load` reports a statement it
/// could not read (the output starts with the `^D` that ended the input).
static LOAD_ERROR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\^D)?.*?:\d+:\(\d+\) (.*)$").expect("a valid pattern"));

/// The statements a load's output says it could not read.
fn load_errors(output: &str) -> Vec<RpcError> {
    output.lines().filter_map(|line| LOAD_ERROR.captures(line)).map(|c| load_error(&c[1])).collect()
}

/// One unread statement: Junos says `syntax error` and names the word.
fn load_error(message: &str) -> RpcError {
    match message.strip_prefix("syntax error: ") {
        Some(word) => RpcError::syntax(word),
        None => RpcError::failed(message),
    }
}

/// `<commit-configuration>` with `<check/>`, `<synchronize/>`,
/// `<force-synchronize/>`, `<confirmed/>`, `<confirm-timeout>` (minutes),
/// `<log>` and `<full/>`: a `commit` line; the reply has one
/// `<routing-engine>` for each RE's result the CLI printed.
pub fn commit_configuration(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    const KNOWN: [&str; 7] =
        ["check", "synchronize", "force-synchronize", "confirmed", "confirm-timeout", "log", "full"];
    if let Some(other) =
        operation.children().find(|n| n.is_element() && !KNOWN.contains(&n.tag_name().name()))
    {
        return Err(vec![RpcError::syntax(other.tag_name().name())]);
    }
    let check = has_child(operation, "check");
    let mut line = String::from("commit");
    if check {
        line.push_str(" check");
    }
    let force = has_child(operation, "force-synchronize");
    if force || has_child(operation, "synchronize") {
        line.push_str(" synchronize");
    }
    if force {
        line.push_str(" force");
    }
    if has_child(operation, "confirmed") {
        line.push_str(" confirmed");
        if let Some(minutes) = child_text(operation, "confirm-timeout") {
            line.push_str(&format!(" {}", number(minutes.trim(), "confirm-timeout")?));
        }
    }
    if let Some(log) = child_text(operation, "log") {
        line.push_str(&format!(" comment {}", quote(log)));
    }
    let output = cli.configuration(&line)?;
    Ok(commit_results(&output, cli.slot(), check))
}

/// The CLI's commit output as `<commit-results>`: an `re0:`/`re1:` line
/// starts an RE's part; a commit on one RE names none, and is `local`'s.
fn commit_results(output: &str, local: Option<Slot>, check: bool) -> String {
    let mut engines = String::new();
    let mut warnings = String::new();
    let mut section: Option<&str> = None;
    for line in output.lines() {
        if let Some(name) = line.strip_suffix(':').filter(|name| name.parse::<Slot>().is_ok()) {
            section = Some(name);
            continue;
        }
        if let Some(warning) = line.strip_prefix("warning: ") {
            warnings.push_str(&format!(
                "<xnm:warning xmlns:xnm=\"{XNM_NAMESPACE}\">\n{}</xnm:warning>\n",
                leaf("message", warning)
            ));
            continue;
        }
        let result = match line {
            "commit complete" => "commit-success",
            "configuration check succeeds" => "commit-check-success",
            _ => continue,
        };
        if let Some(name) = section {
            engines.push_str(&routing_engine(name, result));
        }
    }
    if let (true, Some(local)) = (engines.is_empty(), local) {
        engines =
            routing_engine(&local.to_string(), if check { "commit-check-success" } else { "commit-success" });
    }
    format!("<commit-results>\n{warnings}{engines}</commit-results>\n")
}

fn routing_engine(name: &str, result: &str) -> String {
    format!("<routing-engine junos:style=\"normal\">\n<name>{name}</name>\n<{result}/>\n</routing-engine>\n")
}

/// RFC 6241 `<edit-config>`: the candidate, `<config>` holding
/// `<configuration>`; `<default-operation>` merge, replace (the whole
/// configuration) or none (only elements that carry an operation).
pub fn edit_config(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> Reply {
    candidate_target(operation, "target")?;
    let default = match child_text(operation, "default-operation").map(str::trim).unwrap_or("merge") {
        "merge" => Operation::Merge,
        "replace" => Operation::Replace,
        "none" => Operation::None,
        other => {
            return Err(vec![
                RpcError::failed(format!("unknown default-operation '{other}'"))
                    .tagged("invalid-value")
                    .element("default-operation"),
            ]);
        }
    };
    let Some(configuration) = child(operation, "config").and_then(|config| child(config, "configuration"))
    else {
        return Err(vec![
            RpcError::failed("missing <config><configuration>").tagged("missing-element").element("config"),
        ]);
    };
    let errors = load_xml(cli, schema, configuration, default)?;
    if errors.is_empty() { Ok(OK.into()) } else { Err(errors) }
}

/// RFC 6241 `<commit>`, with `<confirmed/>` and `<confirm-timeout>` in
/// seconds (the CLI counts minutes).
pub fn commit(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    let mut line = String::from("commit");
    if has_child(operation, "confirmed") {
        line.push_str(" confirmed");
        if let Some(seconds) = child_text(operation, "confirm-timeout") {
            let seconds = number(seconds.trim(), "confirm-timeout")?;
            line.push_str(&format!(" {}", seconds.div_ceil(60).max(1)));
        }
    }
    cli.configuration(&line)?;
    Ok(OK.into())
}

/// `<discard-changes/>`: `rollback 0`.
pub fn discard_changes(cli: &mut Cli<'_>) -> Reply {
    cli.configuration("rollback 0")?;
    Ok(OK.into())
}

/// `<validate>` of the candidate: `commit check`.
pub fn validate(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    candidate_target(operation, "source")?;
    cli.configuration("commit check")?;
    Ok(OK.into())
}

fn number(text: &str, attribute: &str) -> Result<u32, Vec<RpcError>> {
    text.parse().map_err(|_| vec![bad_attribute(attribute, text)])
}

fn bad_attribute(attribute: &str, value: &str) -> RpcError {
    RpcError::failed(format!("invalid {attribute} '{value}'")).tagged("invalid-value").element(attribute)
}

fn xml_error(e: &XmlError) -> RpcError {
    let error = RpcError::failed(e.to_string()).element(e.element());
    match e {
        XmlError::UnknownElement { .. } => error.tagged("unknown-element"),
        _ => error.tagged("invalid-value"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(xml: &str) -> Vec<(String, String)> {
        let document = roxmltree::Document::parse(xml).unwrap();
        document
            .descendants()
            .filter(|n| n.tag_name().name() == "routing-engine")
            .map(|re| {
                let name = child_text(re, "name").unwrap_or_default().to_owned();
                let result =
                    re.children().filter(Node::is_element).nth(1).map(|n| n.tag_name().name().to_owned());
                (name, result.unwrap_or_default())
            })
            .collect()
    }

    fn results(output: &str, local: Slot, check: bool) -> String {
        format!("<r xmlns:junos=\"j\">{}</r>", commit_results(output, Some(local), check))
    }

    #[test]
    fn synchronized_commits_list_each_re_as_the_cli_printed_it() {
        let output = "re0:\nconfiguration check succeeds\nre1:\ncommit complete\nre0:\ncommit complete\n";
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
        };
        assert_eq!(
            names(&results(output, Slot::RE0, false)),
            pairs(&[("re0", "commit-check-success"), ("re1", "commit-success"), ("re0", "commit-success")])
        );
        assert_eq!(
            names(&results("commit complete\n", Slot::RE1, false)),
            pairs(&[("re1", "commit-success")])
        );
        assert_eq!(
            names(&results("configuration check succeeds\n", Slot::RE0, true)),
            pairs(&[("re0", "commit-check-success")])
        );
        let warned = results("warning: careful\ncommit complete\n", Slot::RE0, false);
        assert!(warned.contains("<message>careful</message>"), "{warned}");
    }

    #[test]
    fn load_output_becomes_one_error_a_statement() {
        let output = "^Dterminal:1:(5) syntax error: bogus\nterminal:2:(30) Value 1 is not within range (256..9192)\n\
                      error: configuration not loaded\n";
        let errors = load_errors(output);
        assert_eq!(errors.len(), 2);
        assert_eq!(
            (errors[0].message.as_str(), errors[0].bad_element.as_deref()),
            ("syntax error", Some("bogus"))
        );
        assert_eq!(errors[1].message, "Value 1 is not within range (256..9192)");
        assert!(load_errors("^Dload complete\n").is_empty());
    }
}
