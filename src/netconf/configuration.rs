//! The configuration RPCs, Junos's (`lock-configuration`, `load-configuration`,
//! `commit-configuration`, `get-configuration`, ...) and RFC 6241's (`lock`,
//! `edit-config`, `get-config`, `commit`, ...), as the configuration-mode
//! commands they stand for.

use roxmltree::Node;

use super::cli::Cli;
use super::error::{RpcError, errors_xml};
use super::message::{child, child_text, escape, has_child, leaf};
use crate::config::load::apply_set_lines;
use crate::config::print::to_text;
use crate::config::schema::Schema;
use crate::config::show::Form;
use crate::config::tree::Node as Tree;
use crate::config::xml::{Operation, XmlError, filter_path, to_statements};
use crate::proto::CommitError;
use crate::shell::{
    CONFIRM_MINUTES, Commit, CommitResult, Database, Failure, Load, LoadAction, LoadFormat, LoadSource,
    Loaded, Rollback, ShowConfiguration, View, element_xml,
};

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

/// `<get-configuration [database=committed|candidate] [format=xml|text|set|json]
/// [inherit=inherit] [compare=rollback rollback=N]>` with an optional
/// `<configuration>` subtree filter.
pub fn get_configuration(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> Reply {
    let compare = match operation.attribute("compare") {
        None => None,
        Some("rollback") => Some(number(operation.attribute("rollback").unwrap_or("0"), "rollback")?),
        Some(other) => return Err(vec![bad_attribute("compare", other)]),
    };
    let candidate = match operation.attribute("database").unwrap_or("candidate") {
        "candidate" => true,
        "committed" => false,
        other => return Err(vec![bad_attribute("database", other)]),
    };
    let words = match child(operation, "configuration") {
        Some(filter) => filter_path(schema, filter).map_err(|e| vec![xml_error(&e)])?,
        None => Vec::new(),
    };
    let show = ShowConfiguration {
        candidate: candidate || compare.is_some(),
        words,
        inherit: operation.attribute("inherit").is_some(),
        compare,
    };
    let format = operation.attribute("format").unwrap_or("xml");
    if !["xml", "text", "set", "json"].contains(&format) {
        return Err(vec![bad_attribute("format", format)]);
    }
    if compare.is_some() {
        // PyEZ reads a lone newline as "no differences".
        let diff = configuration(cli, &show)?.map_or(String::new(), |v| v.text());
        return Ok(format!(
            "<configuration-information>\n<configuration-output>\n{}</configuration-output>\n</configuration-information>\n",
            escape(&diff)
        ));
    }
    let form = match format {
        "text" => Form::Text,
        "set" => Form::Set,
        "json" => Form::Json,
        _ => Form::Xml { depth: 0 },
    };
    Ok(configuration_reply(printed(cli, &show, form)?, form))
}

/// The configuration `show` names in `form`, or `None` where a filter
/// matches nothing. The whole of it the RE prints: a large configuration
/// is never made a tree here.
fn printed(cli: &mut Cli<'_>, show: &ShowConfiguration, form: Form) -> Result<Option<String>, Vec<RpcError>> {
    if !show.words.is_empty() {
        let view = configuration(cli, show)?;
        return Ok(view.map(|v| match form {
            Form::Text => v.text(),
            Form::Set => v.set_form().unwrap_or_default(),
            Form::Json => v.json().unwrap_or_default(),
            Form::Xml { .. } => element_xml(&v.element()),
        }));
    }
    if show.candidate {
        cli.ensure_open()?;
    }
    cli.with(|engine| engine.printed_configuration(show.candidate, show.inherit, form)).map(Some)
}

/// The configuration `show` names, or `None` where a filter matches nothing.
fn configuration(
    cli: &mut Cli<'_>,
    show: &ShowConfiguration,
) -> Result<Option<Box<dyn View>>, Vec<RpcError>> {
    if show.candidate {
        cli.ensure_open()?;
    }
    let filtered = !show.words.is_empty();
    let view = cli.with(|engine| match engine.configuration_view(show) {
        // A filter of statements the schema has but nobody configured.
        Err(Failure::Parse(_)) if filtered => Ok(None),
        other => other.map(Some),
    })?;
    // A filter that matches nothing shows nothing, as Junos answers it.
    Ok(view.filter(|view| !filtered || show.compare.is_some() || !view.text().trim().is_empty()))
}

/// A configuration in `format`; nothing matched is an empty one.
fn configuration_reply(printed: Option<String>, form: Form) -> String {
    match form {
        Form::Text => {
            format!("<configuration-text>\n{}</configuration-text>\n", escape(&printed.unwrap_or_default()))
        }
        Form::Set => {
            format!("<configuration-set>\n{}</configuration-set>\n", escape(&printed.unwrap_or_default()))
        }
        Form::Json => escape(&printed.unwrap_or_else(|| "{\n    \"configuration\" : {\n    }\n}\n".into())),
        Form::Xml { .. } => printed.unwrap_or_else(|| "<configuration/>\n".into()),
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
    let show = ShowConfiguration { candidate: !committed, words: path, inherit: false, compare: None };
    let form = Form::Xml { depth: 0 };
    Ok(format!("<data>\n{}</data>\n", configuration_reply(printed(cli, &show, form)?, form)))
}

/// `<load-configuration [action=merge|replace|override|update|set|patch]
/// [format=xml|text|json] [url=FILE] [rollback=N|rescue=rescue]>` with
/// `<configuration>`, `<configuration-text>`, `<configuration-set>`,
/// `<configuration-json>` or `<configuration-patch>`. Errors go inside the
/// results, with their count.
pub fn load_configuration(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> String {
    match load(cli, schema, operation) {
        Ok(loaded) => element_xml(&loaded.element()),
        Err(errors) => format!(
            "<load-configuration-results>\n{}{}</load-configuration-results>\n",
            errors_xml(&errors),
            leaf("load-error-count", &errors.len().to_string())
        ),
    }
}

/// What a load answers: `<load-configuration-results>` with `<ok/>` or
/// the load's errors.
type Results = Result<Loaded, Vec<RpcError>>;

fn load(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> Results {
    let rollback = match (operation.attribute("rollback"), operation.attribute("rescue")) {
        (Some(n), _) => Some(Rollback::Number(number(n, "rollback")?)),
        (None, Some(_)) => Some(Rollback::Rescue),
        (None, None) => None,
    };
    if let Some(rollback) = rollback {
        cli.ensure_open()?;
        cli.with(|engine| engine.rollback(rollback))?;
        return Ok(Loaded::default());
    }
    let (action, format) = match operation.attribute("action").unwrap_or("merge") {
        "merge" => (LoadAction::Merge, None),
        "replace" => (LoadAction::Replace, None),
        "override" => (LoadAction::Override, None),
        "update" => (LoadAction::Update, None),
        "set" => (LoadAction::Merge, Some(LoadFormat::Set)),
        "patch" => (LoadAction::Merge, Some(LoadFormat::Patch)),
        other => return Err(vec![bad_attribute("action", other)]),
    };
    let format = match (format, operation.attribute("format").unwrap_or("xml")) {
        (Some(format), _) => format,
        (None, "xml") => LoadFormat::Xml,
        (None, "text") => LoadFormat::Text,
        (None, "json") => LoadFormat::Json,
        (None, other) => return Err(vec![bad_attribute("format", other)]),
    };
    if let Some(url) = operation.attribute("url") {
        return run_load(cli, Load { action, format, source: LoadSource::File(url.to_owned()) });
    }
    let body = |name: &str| child_text(operation, name).map(|text| LoadSource::Text(text.to_owned()));
    let given = [
        ("configuration-text", LoadFormat::Text),
        ("configuration-set", LoadFormat::Set),
        ("configuration-json", LoadFormat::Json),
        ("configuration-patch", LoadFormat::Patch),
    ]
    .into_iter()
    .find_map(|(name, format)| Some((body(name)?, format)));
    if let Some((source, format)) = given {
        return run_load(cli, Load { action, format, source });
    }
    if let Some(configuration) = child(operation, "configuration") {
        let operation = if matches!(action, LoadAction::Override | LoadAction::Update) {
            Operation::Replace
        } else {
            Operation::Merge
        };
        return load_xml(cli, schema, configuration, operation);
    }
    match operation.children().find(Node::is_element) {
        Some(other) => Err(vec![RpcError::syntax(other.tag_name().name())]),
        None => Err(vec![
            RpcError::failed("no configuration to load").tagged("missing-element").element("configuration"),
        ]),
    }
}

/// Loads configuration XML: its statements (with their `delete`,
/// `inactive`, ... marks), or, to replace the whole configuration, the text
/// those statements make of an empty one.
fn load_xml(
    cli: &mut Cli<'_>,
    schema: &Schema,
    configuration: Node<'_, '_>,
    operation: Operation,
) -> Results {
    let (replace, marks) = match operation {
        Operation::Replace => (true, Operation::Merge),
        other => (false, other),
    };
    let lines = to_statements(schema, configuration, marks).map_err(|e| vec![xml_error(&e)])?;
    if !replace {
        return run_load(
            cli,
            Load { action: LoadAction::Merge, format: LoadFormat::Set, source: LoadSource::Text(lines) },
        );
    }
    let mut tree = Tree::default();
    let errors: Vec<RpcError> =
        apply_set_lines(schema, &mut tree, &lines).into_iter().map(|e| RpcError::failed(e.message)).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = to_text(schema, None, &tree);
    run_load(
        cli,
        Load { action: LoadAction::Override, format: LoadFormat::Text, source: LoadSource::Text(text) },
    )
}

/// Applies `load` in the database open (or the shared one).
fn run_load(cli: &mut Cli<'_>, load: Load) -> Results {
    cli.ensure_open()?;
    let loaded = cli.with(|engine| engine.load(&load))?;
    // Only the terminal can be abandoned, and a session has none.
    Ok(loaded.unwrap_or_default())
}

/// A load's answer as `<ok/>` or its errors, for the RFC 6241 operations.
fn ok_or_errors(loaded: &Loaded) -> Reply {
    let errors: Vec<RpcError> = loaded.problems().iter().map(RpcError::from).collect();
    if errors.is_empty() { Ok(OK.into()) } else { Err(errors) }
}

/// `<commit-configuration>` with `<check/>`, `<synchronize/>`,
/// `<force-synchronize/>`, `<confirmed/>`, `<confirm-timeout>` (minutes),
/// `<at-time>`, `<log>` and `<full/>`: the commit the CLI makes, answered
/// with `<commit-results>`, or its errors.
pub fn commit_configuration(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    let commit = commit_of(operation)?;
    let result = run_commit(cli, &commit)?;
    Ok(element_xml(&result.element()))
}

/// The commit an RPC's elements ask for.
fn commit_of(operation: Node<'_, '_>) -> Result<Commit, Vec<RpcError>> {
    const KNOWN: [&str; 8] = [
        "check",
        "synchronize",
        "force-synchronize",
        "confirmed",
        "confirm-timeout",
        "log",
        "full",
        "at-time",
    ];
    if let Some(other) =
        operation.children().find(|n| n.is_element() && !KNOWN.contains(&n.tag_name().name()))
    {
        return Err(vec![RpcError::syntax(other.tag_name().name())]);
    }
    let force = has_child(operation, "force-synchronize");
    let confirmed = match (has_child(operation, "confirmed"), child_text(operation, "confirm-timeout")) {
        (false, _) => None,
        (true, None) => Some(CONFIRM_MINUTES),
        (true, Some(minutes)) => Some(number(minutes.trim(), "confirm-timeout")?),
    };
    Ok(Commit {
        check: has_child(operation, "check"),
        synchronize: force || has_child(operation, "synchronize"),
        force,
        confirmed,
        at: child_text(operation, "at-time").map(|t| t.trim().to_owned()),
        comment: child_text(operation, "log").map(str::to_owned),
        and_quit: false,
    })
}

/// Runs `commit` in the database open (or the shared one); a commit that
/// failed answers its errors, each with its path and statement.
fn run_commit(cli: &mut Cli<'_>, commit: &Commit) -> Result<CommitResult, Vec<RpcError>> {
    cli.ensure_open()?;
    let result = cli.with(|engine| engine.commit(commit))?;
    if !result.failed() {
        return Ok(result);
    }
    let mut errors: Vec<RpcError> =
        result.reply.warnings.iter().map(|w| RpcError::failed(w).warned()).collect();
    errors.extend(result.reply.errors.iter().map(commit_error));
    for re in &result.reply.routing_engines {
        if !re.refusal.is_empty() {
            errors.push(RpcError::failed(format!("{}: {}", re.name, re.refusal)));
        }
        errors.extend(re.errors.iter().map(commit_error));
    }
    errors.push(RpcError::failed(if commit.check {
        "configuration check-out failed"
    } else {
        "commit failed"
    }));
    Err(errors)
}

/// One error the RE found in the configuration: where, which statement, why.
fn commit_error(e: &CommitError) -> RpcError {
    let mut error = RpcError::failed(&e.message);
    if !e.statement.is_empty() {
        error = error.element(&e.statement);
    }
    if !e.path.is_empty() {
        error.path = Some(e.path.clone());
    }
    error
}

/// `<get-commit-revision-information>`: the latest commit's time, revision
/// and comment as direct children, where NAPALM's `commit_confirm` reads them.
pub fn commit_revision(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    if let Some(other) = operation.children().find(|n| n.is_element() && n.tag_name().name() != "detail") {
        return Err(vec![RpcError::syntax(other.tag_name().name())]);
    }
    let information = cli.with(|engine| engine.commit_information())?;
    let slot = cli.slot().map(|s| s.to_string()).unwrap_or_default();
    Ok(element_xml(&crate::shell::commit_revision(&information, &slot)))
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
    let action = if default == Operation::Replace { LoadAction::Override } else { LoadAction::Merge };
    let config = child(operation, "config");
    let loaded = if let Some(configuration) = config.and_then(|config| child(config, "configuration")) {
        load_xml(cli, schema, configuration, default)?
    } else if let Some(text) =
        child(operation, "config-text").and_then(|config| child_text(config, "configuration-text"))
    {
        run_load(cli, Load { action, format: LoadFormat::Text, source: LoadSource::Text(text.to_owned()) })?
    } else if let Some(url) = child_text(operation, "url") {
        run_load(
            cli,
            Load { action, format: LoadFormat::Text, source: LoadSource::File(url.trim().to_owned()) },
        )?
    } else {
        return Err(vec![
            RpcError::failed("missing <config>, <config-text> or <url>")
                .tagged("missing-element")
                .element("config"),
        ]);
    };
    ok_or_errors(&loaded)
}

/// RFC 6241 `<commit>`, with `<confirmed/>` and `<confirm-timeout>` in
/// seconds (the CLI counts minutes).
pub fn commit(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    let confirmed = match (has_child(operation, "confirmed"), child_text(operation, "confirm-timeout")) {
        (false, _) => None,
        (true, None) => Some(CONFIRM_MINUTES),
        (true, Some(seconds)) => Some(number(seconds.trim(), "confirm-timeout")?.div_ceil(60).max(1)),
    };
    run_commit(cli, &Commit { confirmed, ..Commit::default() })?;
    Ok(OK.into())
}

/// RFC 6241 `<copy-config>`: the running configuration (or a file of the
/// RE, `<url>`) becomes the candidate; the candidate is the one target.
pub fn copy_config(cli: &mut Cli<'_>, schema: &Schema, operation: Node<'_, '_>) -> Reply {
    candidate_target(operation, "target")?;
    let source = child(operation, "source").and_then(|s| s.children().find(Node::is_element));
    let loaded = match source.map(|s| (s.tag_name().name(), s)) {
        Some(("running", _)) => {
            cli.ensure_open()?;
            cli.with(|engine| engine.rollback(Rollback::Number(0)))?;
            Loaded::default()
        }
        Some(("url", url)) => {
            let file = url.text().unwrap_or_default().trim().to_owned();
            run_load(
                cli,
                Load {
                    action: LoadAction::Override,
                    format: LoadFormat::Text,
                    source: LoadSource::File(file),
                },
            )?
        }
        Some(("config", config)) => match child(config, "configuration") {
            Some(configuration) => load_xml(cli, schema, configuration, Operation::Replace)?,
            None => return Err(vec![RpcError::failed("missing <configuration>").tagged("missing-element")]),
        },
        Some((other, _)) => {
            return Err(vec![
                RpcError::failed(format!("the {other} datastore cannot be copied"))
                    .tagged("operation-not-supported")
                    .element(other),
            ]);
        }
        None => {
            return Err(vec![RpcError::failed("missing source").tagged("missing-element").element("source")]);
        }
    };
    ok_or_errors(&loaded)
}

/// `<discard-changes/>`: rollback 0 into the database open.
pub fn discard_changes(cli: &mut Cli<'_>) -> Reply {
    cli.ensure_open()?;
    cli.with(|engine| engine.rollback(Rollback::Number(0)))?;
    Ok(OK.into())
}

/// `<validate>` of the candidate: `commit check`.
pub fn validate(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Reply {
    candidate_target(operation, "source")?;
    run_commit(cli, &Commit { check: true, ..Commit::default() })?;
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
