//! Which RPC does what: the session RPCs, the Junos operational RPCs (each a
//! CLI command), and the configuration RPCs of `configuration.rs`.

use roxmltree::Node;

use super::cli::{Cli, reply_elements};
use super::configuration;
use super::error::{RpcError, errors_xml};
use super::message::{child_text, escape, leaf};
use crate::config::print::quote;
use crate::config::schema::Schema;
use crate::slot::Slot;

/// What an RPC answers: the body of its `<rpc-reply>`, and whether the
/// session ends once it is sent.
pub struct Answer {
    pub body: String,
    pub end: bool,
}

/// Junos operational RPCs that are one CLI command. Their argument
/// elements become the command's words (`<slot>1</slot>` is `slot 1`), so
/// the CLI's grammar checks them.
const COMMANDS: [(&str, &str); 9] = [
    ("get-route-engine-information", "show chassis routing-engine"),
    ("get-software-information", "show version"),
    ("get-chassis-inventory", "show chassis hardware"),
    ("get-system-uptime-information", "show system uptime"),
    ("get-system-users-information", "show system users"),
    ("get-commit-information", "show system commit"),
    ("get-fpc-information", "show chassis fpc"),
    ("get-route-information", "show route"),
    ("get-switchover-information", "show system switchover"),
];

/// The internal (IRI) addresses of a two-RE chassis, as `/etc/hosts.junos`
/// names them: each RE's own, and the ones that follow the roles.
const IRI_HOSTS: [(&str, &str); 4] =
    [("128.0.0.1", "master"), ("128.0.0.4", "re0"), ("128.0.0.5", "re1"), ("128.0.0.6", "backup")];

/// The file that maps them; PyEZ reads it to tell which RE it reached.
const HOSTS_FILE: &str = "/etc/hosts.junos";

/// The routing instance of the internal network between the REs.
const PRIVATE_INSTANCE: &str = "__juniper_private1__";

/// The XML namespace of Junos's `<xnm:error>` and `<xnm:warning>`.
pub const XNM_NAMESPACE: &str = "http://xml.juniper.net/xnm/1.1/xnm";

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
        "get-config" => configuration::get_config(cli, schema, operation, true),
        "get" => configuration::get_config(cli, schema, operation, false),
        "edit-config" => configuration::edit_config(cli, schema, operation),
        "commit" => configuration::commit(cli, operation),
        "discard-changes" => configuration::discard_changes(cli),
        "validate" => configuration::validate(cli, operation),
        _ => match COMMANDS.iter().find(|(rpc, _)| *rpc == name) {
            Some((_, command)) => cli.elements(&with_arguments(command, operation)),
            None => Err(vec![RpcError::syntax(name)]),
        },
    };
    Answer { body: result.unwrap_or_else(|errors| errors_xml(&errors)), end: false }
}

/// `command` followed by the RPC's arguments as words: `<slot>1</slot>`
/// is `slot 1`, `<detail/>` is `detail`.
fn with_arguments(command: &str, operation: Node<'_, '_>) -> String {
    let mut line = command.to_owned();
    for argument in operation.children().filter(Node::is_element) {
        line.push(' ');
        line.push_str(argument.tag_name().name());
        if let Some(value) = argument.text().map(str::trim).filter(|v| !v.is_empty()) {
            line.push(' ');
            line.push_str(&quote(value));
        }
    }
    line
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

/// How `<command>` wants its reply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Xml,
    Json,
}

/// `<command [format="text|xml|json"]>LINE</command>`: the CLI command. With
/// `invoke-on all-routing-engines` (or `other-routing-engine`) it runs on
/// each RE named, and the replies come one an RE.
fn command(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    let text = operation.text().unwrap_or_default().trim();
    let invoked = [("invoke-on all-routing-engines", true), ("invoke-on other-routing-engine", false)]
        .into_iter()
        .find_map(|(suffix, here_too)| Some((text.strip_suffix(suffix)?.trim_end(), here_too)));
    let format = match operation.attribute("format").unwrap_or("xml") {
        "text" | "ascii" => Format::Text,
        "xml" => Format::Xml,
        "json" if invoked.is_none() => Format::Json,
        other => {
            return Err(vec![
                RpcError::failed(format!("format '{other}' is not supported here")).tagged("invalid-value"),
            ]);
        }
    };
    if let Some((line, here_too)) = invoked {
        return on_each(cli, line, here_too, format);
    }
    match format {
        Format::Text => Ok(output_element(&cli.operational(text)?)),
        Format::Xml => cli.elements(text),
        // Junos sends JSON as the reply's text.
        Format::Json => Ok(escape(&cli.operational(&format!("{text} | display json"))?)),
    }
}

/// `LINE invoke-on ...`: the command on this RE (if `here_too`), then on the
/// other; as text, each RE's output under its name, and as XML, each RE's
/// elements in a `<multi-routing-engine-item>`. An RE that cannot answer
/// says why in its place, as Junos does.
fn on_each(cli: &mut Cli<'_>, line: &str, here_too: bool, format: Format) -> Result<String, Vec<RpcError>> {
    let here = cli.slot().ok_or_else(|| vec![RpcError::failed("unknown Routing Engine slot")])?;
    let line = if format == Format::Xml { format!("{line} | display xml") } else { line.to_owned() };
    let mut runs: Vec<(Slot, Result<String, Vec<RpcError>>)> = Vec::new();
    if here_too {
        runs.push((here, cli.operational(&line)));
    }
    runs.push((here.other(), cli.on_other(&line)));
    if format == Format::Text {
        let mut text = String::new();
        for (slot, run) in runs {
            text.push_str(&format!("{slot}:\n{}\n", "-".repeat(74)));
            match run {
                Ok(output) => text.push_str(&output),
                Err(errors) => errors.iter().for_each(|e| text.push_str(&format!("error: {}\n", e.message))),
            }
            text.push('\n');
        }
        return Ok(output_element(&text));
    }
    let mut out = String::from("<multi-routing-engine-results>\n");
    for (slot, run) in runs {
        out.push_str(&format!("<multi-routing-engine-item>\n<re-name>{slot}</re-name>\n"));
        match run.and_then(|xml| reply_elements(&xml)) {
            Ok(elements) => out.push_str(&elements),
            Err(errors) => {
                for e in errors {
                    let message = leaf("message", &e.message);
                    out.push_str(&format!(
                        "<xnm:error xmlns:xnm=\"{XNM_NAMESPACE}\">\n{message}</xnm:error>\n"
                    ));
                }
            }
        }
        out.push_str("</multi-routing-engine-item>\n");
    }
    out.push_str("</multi-routing-engine-results>\n");
    Ok(out)
}

/// A command's text reply, as Junos sends it: a newline, then the text.
fn output_element(text: &str) -> String {
    format!("<output>\n{}</output>\n", escape(text))
}

/// `<file-show><filename>F</filename></file-show>`: the file's contents;
/// `/etc/hosts.junos` is the chassis's own.
fn file_show(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    let Some(filename) = child_text(operation, "filename").map(str::trim) else {
        return Err(vec![RpcError::failed("missing filename").tagged("missing-element").element("filename")]);
    };
    if filename == HOSTS_FILE {
        let mut hosts =
            String::from("#\n# The internal addresses of the Routing Engines\n#\n127.0.0.1\tlocalhost\n");
        for (address, name) in IRI_HOSTS {
            hosts.push_str(&format!("{address}\t{name}\n"));
        }
        return Ok(format!("<file-content filename=\"{HOSTS_FILE}\">\n{}</file-content>\n", escape(&hosts)));
    }
    cli.elements(&format!("file show {}", quote(filename)))
}

/// `<get-interface-information>`: `show interfaces terse`; for the internal
/// routing instance, the RE's `em0` with its own internal address and the
/// address of its role, from which PyEZ learns which RE it is on.
fn interface_information(cli: &mut Cli<'_>, operation: Node<'_, '_>) -> Result<String, Vec<RpcError>> {
    if child_text(operation, "routing-instance").map(str::trim) != Some(PRIVATE_INSTANCE) {
        // `terse` is the one form there is.
        let arguments = operation.children().filter(|n| n.is_element() && n.tag_name().name() != "terse");
        let mut line = String::from("show interfaces terse");
        for argument in arguments {
            line.push(' ');
            line.push_str(argument.tag_name().name());
        }
        return cli.elements(&line);
    }
    let slot = cli.slot().ok_or_else(|| vec![RpcError::failed("unknown Routing Engine slot")])?;
    let slot_name = slot.to_string();
    let role = cli.mastership();
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
