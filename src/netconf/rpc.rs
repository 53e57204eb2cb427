//! Which RPC does what: the session RPCs, the configuration RPCs of
//! `configuration.rs`, and the Junos operational RPCs, each the command the
//! grammar names it beside (`rpc(get-software-information)`).

use roxmltree::Node;

use super::cli::Cli;
use super::configuration;
use super::error::{RpcError, errors_xml};
use super::message::{child_text, escape};
use crate::config::schema::Schema;
use crate::proto::MastershipState;
use crate::shell::{Element, View, element_xml, to_json};

/// What an RPC answers: the body of its `<rpc-reply>`, and whether the
/// session ends once it is sent.
pub struct Answer {
    pub body: String,
    pub end: bool,
}

/// The internal (IRI) addresses of a two-RE chassis, as `/etc/hosts.junos`
/// names them: each RE's own, and the ones that follow the roles.
const IRI_HOSTS: [(&str, &str); 4] =
    [("128.0.0.1", "master"), ("128.0.0.4", "re0"), ("128.0.0.5", "re1"), ("128.0.0.6", "backup")];

/// The file that maps them; PyEZ reads it to tell which RE it reached.
const HOSTS_FILE: &str = "/etc/hosts.junos";

/// The routing instance of the internal network between the REs.
const PRIVATE_INSTANCE: &str = "__juniper_private1__";

pub fn answer(cli: &mut Cli<'_>, schema: &Schema, session_id: u32, operation: Node<'_, '_>) -> Answer {
    let name = operation.tag_name().name();
    let result = match name {
        "close-session" => return Answer { body: "<ok/>\n".into(), end: true },
        "request-end-session" => return Answer { body: "<end-session/>\n".into(), end: true },
        "kill-session" => kill_session(session_id, operation),
        "command" => command(cli, operation),
        "file-show" => file_show(cli, operation),
        "get-interface-information" => interface_information(cli, operation),
        "lock-configuration" | "lock" => configuration::lock(cli, operation),
        "unlock-configuration" | "unlock" => configuration::unlock(cli, operation),
        "open-configuration" => configuration::open(cli, operation),
        "close-configuration" => configuration::close(cli),
        "get-configuration" => configuration::get_configuration(cli, schema, operation),
        "load-configuration" => Ok(configuration::load_configuration(cli, schema, operation)),
        "commit-configuration" => configuration::commit_configuration(cli, operation),
        "get-commit-revision-information" => configuration::commit_revision(cli, operation),
        "get-config" => configuration::get_config(cli, schema, operation, true),
        "get" => configuration::get_config(cli, schema, operation, false),
        "edit-config" => configuration::edit_config(cli, schema, operation),
        "copy-config" => configuration::copy_config(cli, schema, operation),
        "commit" => configuration::commit(cli, operation),
        "discard-changes" => configuration::discard_changes(cli),
        "validate" => configuration::validate(cli, operation),
        _ => operational(cli, name, operation),
    };
    Answer { body: result.unwrap_or_else(|errors| errors_xml(&errors)), end: false }
}

/// `<kill-session>`: sessions are ended by user (`request system logout`),
/// so one NETCONF session cannot name another to end.
fn kill_session(session_id: u32, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    let target = child_text(operation, "session-id").map(str::trim);
    if target == Some(session_id.to_string().as_str()) {
        return Err(vec![RpcError::failed("a session cannot kill itself").tagged("invalid-value")]);
    }
    Err(vec![
        RpcError::failed("kill-session is not supported; end a user's sessions with 'request system logout'")
            .tagged("operation-not-supported"),
    ])
}

/// How an RPC wants its reply (A.0.1).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Xml,
    Json,
}

fn format(operation: Node<'_, '_>) -> Result<Format, Vec<RpcError>> {
    match operation.attribute("format").unwrap_or("xml") {
        "text" | "ascii" => Ok(Format::Text),
        "xml" => Ok(Format::Xml),
        "json" => Ok(Format::Json),
        other => Err(vec![
            RpcError::failed(format!("format '{other}' is not supported here")).tagged("invalid-value"),
        ]),
    }
}

/// A view as the format asks: the element tree; the text in `<output>`;
/// or Junos's JSON as the reply's own text.
fn render(view: &dyn View, format: Format) -> String {
    let element = view.element();
    match format {
        // A command that says nothing (a file deleted) answers an empty
        // reply, which PyEZ reads as success.
        Format::Xml if element.name == "output" && element.text.as_deref().is_none_or(str::is_empty) => {
            String::new()
        }
        Format::Xml => element_xml(&element),
        Format::Text => output_element(&view.text()),
        Format::Json => escape(&view.json().unwrap_or_else(|| to_json(&view.element()))),
    }
}

/// An operational RPC: the command the grammar names it beside, its argument
/// elements the command's options.
fn operational(cli: &mut Cli<'_>, name: &str, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    let format = format(operation)?;
    let arguments: Vec<(&str, Option<&str>)> = operation
        .children()
        .filter(Node::is_element)
        .map(|n| (n.tag_name().name(), n.text().map(str::trim).filter(|t| !t.is_empty())))
        .collect();
    Ok(render(cli.invoke(name, &arguments)?.as_ref(), format))
}

/// `<command [format="text|xml|json"]>LINE</command>`: the CLI command
/// (`invoke-on` included, where the grammar has it).
fn command(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    let format = format(operation)?;
    let view = cli.command_view(operation.text().unwrap_or_default().trim())?;
    Ok(command_reply(view.as_ref(), format))
}

/// A `<command>`'s view in `format`. `show configuration` as text is Junos's
/// `<configuration-information><configuration-output>`, which PyEZ's `cli()`
/// reads; as XML, the `<configuration>` itself.
fn command_reply(view: &dyn View, format: Format) -> String {
    if format == Format::Text && view.element().name == "configuration" {
        let output = Element::new("configuration-information")
            .child(Element::leaf("configuration-output", view.text()));
        return element_xml(&output);
    }
    render(view, format)
}

/// A command's text reply, as Junos sends it: a newline, then the text.
fn output_element(text: &str) -> String {
    format!("<output>\n{}</output>\n", escape(text))
}

/// `<file-show><filename>F</filename></file-show>`: the file's contents;
/// `/etc/hosts.junos` is the chassis's own.
fn file_show(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    if child_text(operation, "filename").map(str::trim) == Some(HOSTS_FILE) {
        let mut hosts =
            String::from("#\n# The internal addresses of the Routing Engines\n#\n127.0.0.1\tlocalhost\n");
        for (address, name) in IRI_HOSTS {
            hosts.push_str(&format!("{address}\t{name}\n"));
        }
        return Ok(format!("<file-content filename=\"{HOSTS_FILE}\">\n{}</file-content>\n", escape(&hosts)));
    }
    operational(cli, "file-show", operation)
}

/// `<get-interface-information>`: the grammar's command for it; for the
/// internal routing instance, the RE's `em0` with its own internal address
/// and the address of its role, from which PyEZ learns which RE it is on.
fn interface_information(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    if child_text(operation, "routing-instance").map(str::trim) != Some(PRIVATE_INSTANCE) {
        return operational(cli, "get-interface-information", operation);
    }
    let slot = cli.slot().ok_or_else(|| vec![RpcError::failed("unknown Routing Engine slot")])?;
    let slot_name = slot.to_string();
    let role = match cli.mastership() {
        MastershipState::Master => Some("master"),
        MastershipState::Backup => Some("backup"),
        _ => None,
    };
    let mut addresses = String::new();
    for (address, _) in IRI_HOSTS.iter().filter(|(_, host)| *host == slot_name || Some(*host) == role) {
        addresses.push_str(&format!(
            "<interface-address>\n<ifa-local junos:emit=\"emit\">{address}/2</ifa-local>\n</interface-address>\n"
        ));
    }
    let version = crate::JUNOS_VERSION;
    Ok(format!(
        "<interface-information xmlns=\"http://xml.juniper.net/junos/{version}/junos-interface\" junos:style=\"terse\">\n\
         <physical-interface>\n<name>em0</name>\n<admin-status>up</admin-status>\n<oper-status>up</oper-status>\n\
         <logical-interface>\n<name>em0.0</name>\n<admin-status>up</admin-status>\n<oper-status>up</oper-status>\n\
         <filter-information/>\n<address-family>\n<address-family-name>inet</address-family-name>\n\
         {addresses}</address-family>\n</logical-interface>\n</physical-interface>\n</interface-information>\n"
    ))
}
