//! NETCONF sessions against real agents, over in-memory pipes: the hello,
//! the RPCs PyEZ reads its facts with, configuration and `commit
//! synchronize` on both REs, locks between sessions, errors, chunked
//! framing, and configuration XML read back as configuration.

mod common;

use std::io::{BufRead, BufReader, PipeWriter, Read, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use common::two_agents;
use reshell::chassis::Addresses;
use reshell::shell::{Credentials, Engine};

const BASE: &str = "urn:ietf:params:xml:ns:netconf:base:1.0";

/// How long a reply may take: a commit on both REs of a loaded machine included.
const REPLY_WITHIN: Duration = Duration::from_secs(60);

fn client_hello(capabilities: &[&str]) -> String {
    let listed: String = capabilities.iter().map(|c| format!("<capability>{c}</capability>")).collect();
    format!(
        "\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<hello xmlns=\"{BASE}\"><capabilities>{listed}</capabilities></hello>"
    )
}

/// A message from the server, and whether it came in chunks.
struct Received {
    text: String,
    chunked: bool,
}

/// The client end of a session whose server runs `run_session` on a thread.
struct Client {
    to_server: Option<PipeWriter>,
    replies: mpsc::Receiver<Received>,
    chunked: bool,
    next_id: u32,
    server: Option<JoinHandle<Result<(), String>>>,
}

impl Client {
    /// Opens a session on the REs `spec` names (re0 first), as user `lab`.
    fn open(spec: &str, session_id: u32) -> Client {
        let credentials = Credentials {
            user: "lab".into(),
            password: Some(common::PASSWORD.into()),
            ..Credentials::default()
        };
        Client::open_as(spec, session_id, credentials)
    }

    fn open_as(spec: &str, session_id: u32, credentials: Credentials) -> Client {
        let (mut server_in, to_server) = std::io::pipe().unwrap();
        let (from_server, mut server_out) = std::io::pipe().unwrap();
        let addresses: Addresses = spec.parse().unwrap();
        let server = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            let mut engine = Engine::connect(rt.handle().clone(), &credentials, addresses, None)
                .map_err(|e| format!("{e:#}"))?;
            reshell::netconf::run_session(&mut engine, session_id, &mut server_in, &mut server_out)
                .map_err(|e| format!("{e:#}"))
        });
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_server);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client { to_server: Some(to_server), replies, chunked: false, next_id: 100, server: Some(server) }
    }

    fn send(&mut self, message: &str) {
        let framed = if self.chunked {
            format!("\n#{}\n{message}\n##\n", message.len())
        } else {
            format!("{message}]]>]]>\n")
        };
        self.send_raw(framed.as_bytes());
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let pipe = self.to_server.as_mut().expect("the stream is open");
        pipe.write_all(bytes).unwrap();
        pipe.flush().unwrap();
    }

    fn receive(&self) -> Received {
        self.replies.recv_timeout(REPLY_WITHIN).expect("a message from the server in time")
    }

    /// Sends `operation` in an `<rpc>` and returns the reply, checking it
    /// came back with the request's message-id.
    fn rpc(&mut self, operation: &str) -> String {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&format!("<rpc xmlns=\"{BASE}\" message-id=\"{id}\">{operation}</rpc>"));
        let reply = self.receive();
        assert_eq!(reply.chunked, self.chunked, "{}", reply.text);
        let document =
            roxmltree::Document::parse(&reply.text).unwrap_or_else(|e| panic!("{e}: {}", reply.text));
        let root = document.root_element();
        assert_eq!((root.tag_name().name(), root.tag_name().namespace()), ("rpc-reply", Some(BASE)));
        assert_eq!(root.attribute("message-id"), Some(id.to_string().as_str()), "{}", reply.text);
        reply.text
    }

    /// The server ends the stream, and its session ends well (or as `ended` says).
    fn expect_end(mut self) -> Result<(), String> {
        match self.replies.recv_timeout(REPLY_WITHIN) {
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
            Ok(message) => panic!("more after the end: {}", message.text),
            Err(e) => panic!("the stream did not end: {e}"),
        }
        self.to_server = None;
        self.server.take().expect("a server").join().expect("the session thread does not panic")
    }
}

/// One framed message: chunks if it starts with `#` after whitespace, else
/// up to `]]>]]>`. `None` at the end of the stream.
fn read_message(reader: &mut BufReader<std::io::PipeReader>) -> Option<Received> {
    let mut byte = [0u8; 1];
    loop {
        reader.read_exact(&mut byte).ok()?;
        if !byte[0].is_ascii_whitespace() {
            break;
        }
    }
    if byte[0] != b'#' {
        let mut text = vec![byte[0]];
        while !text.ends_with(b"]]>]]>") {
            reader.read_exact(&mut byte).ok()?;
            text.push(byte[0]);
        }
        text.truncate(text.len() - 6);
        return Some(Received { text: String::from_utf8(text).ok()?, chunked: false });
    }
    let mut text = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header == "#\n" {
            return Some(Received { text: String::from_utf8(text).ok()?, chunked: true });
        }
        let size: usize = header.trim_end().parse().ok()?;
        let mut chunk = vec![0u8; size];
        reader.read_exact(&mut chunk).ok()?;
        text.extend_from_slice(&chunk);
        let mut next = [0u8; 2];
        reader.read_exact(&mut next).ok()?;
        assert_eq!(&next, b"\n#", "a chunk header follows a chunk");
    }
}

fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"))
}

/// The texts of every element `name` in `xml`, in order.
fn texts(xml: &str, name: &str) -> Vec<String> {
    parse(xml)
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

/// The names of the result elements of `<commit-results>`, per RE.
fn commit_results(xml: &str) -> Vec<(String, String)> {
    parse(xml)
        .descendants()
        .filter(|n| n.tag_name().name() == "routing-engine")
        .map(|re| {
            let mut children = re.children().filter(|n| n.is_element());
            let name = children.next().and_then(|n| n.text()).unwrap_or_default().to_owned();
            let result = children.next().map(|n| n.tag_name().name().to_owned()).unwrap_or_default();
            (name, result)
        })
        .collect()
}

fn has(xml: &str, name: &str) -> bool {
    !texts(xml, name).is_empty()
}

#[test]
fn the_hello_the_facts_pyez_reads_and_the_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut client = Client::open(&spec, 7);
    let hello = client.receive().text;
    let document = parse(&hello);
    assert_eq!(document.root_element().tag_name().namespace(), Some(BASE));
    let capabilities = texts(&hello, "capability");
    for wanted in [
        "urn:ietf:params:netconf:base:1.0",
        "urn:ietf:params:netconf:base:1.1",
        "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
        "http://xml.juniper.net/netconf/junos/1.0",
    ] {
        assert!(capabilities.iter().any(|c| c == wanted), "{wanted} in {hello}");
    }
    assert_eq!(texts(&hello, "session-id"), ["7"]);
    client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));

    let engines = client.rpc("<get-route-engine-information/>");
    assert_eq!(texts(&engines, "slot"), ["0", "1"]);
    assert_eq!(texts(&engines, "mastership-state"), ["master", "backup"]);

    let private = client.rpc(
        "<get-interface-information><routing-instance>__juniper_private1__</routing-instance><terse/></get-interface-information>",
    );
    assert_eq!(texts(&private, "ifa-local"), ["128.0.0.1/2", "128.0.0.4/2"], "{private}");
    let hosts = client.rpc("<file-show><filename>/etc/hosts.junos</filename></file-show>");
    let content = texts(&hosts, "file-content").join("");
    for line in ["128.0.0.1\tmaster", "128.0.0.4\tre0", "128.0.0.5\tre1", "128.0.0.6\tbackup"] {
        assert!(content.lines().any(|l| l == line), "{line} in {hosts}");
    }
    let evo = client.rpc("<file-show><filename>/usr/share/cevo/cevo_version</filename></file-show>");
    assert!(has(&evo, "rpc-error") && !has(&evo, "file-content"), "{evo}");

    let versions = client.rpc("<command>show version invoke-on all-routing-engines</command>");
    assert_eq!(texts(&versions, "re-name"), ["re0", "re1"], "{versions}");
    assert_eq!(texts(&versions, "junos-version"), [reshell::JUNOS_VERSION; 2]);
    assert_eq!(texts(&versions, "host-name").len(), 2);
    let software = client.rpc("<get-software-information/>");
    assert_eq!(texts(&software, "junos-version"), [reshell::JUNOS_VERSION]);
    let inventory = client.rpc("<get-chassis-inventory/>");
    assert!(!texts(&inventory, "serial-number").is_empty(), "{inventory}");
    let text = client.rpc("<command format=\"text\">show chassis routing-engine</command>");
    let output = texts(&text, "output").join("");
    assert!(output.contains("  Slot 1:\n    Current state                  Backup\n"), "{text}");

    let unknown = client.rpc("<get-virtual-chassis-information/>");
    let error = parse(&unknown);
    let error = error.descendants().find(|n| n.tag_name().name() == "rpc-error").expect("an rpc-error");
    let fields: Vec<(String, String)> = error
        .descendants()
        .filter(|n| n.is_element() && n.children().all(|c| !c.is_element()))
        .map(|n| (n.tag_name().name().to_owned(), n.text().unwrap_or_default().to_owned()))
        .collect();
    let expected = [
        ("error-type", "protocol"),
        ("error-tag", "operation-failed"),
        ("error-severity", "error"),
        ("error-message", "syntax error"),
        ("bad-element", "get-virtual-chassis-information"),
    ];
    assert_eq!(fields, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    let bad_argument =
        client.rpc("<get-route-engine-information><slot>7</slot></get-route-engine-information>");
    assert!(has(&bad_argument, "rpc-error"), "{bad_argument}");

    client.send("<rpc message-id=\"9\"><get-software-information></rpc>");
    let malformed = client.receive().text;
    assert_eq!(texts(&malformed, "error-tag"), ["malformed-message"], "{malformed}");
    assert_eq!(texts(&malformed, "error-type"), ["rpc"]);
    // The session goes on after it.
    assert!(has(&client.rpc("<get-software-information/>"), "software-information"));

    let closed = client.rpc("<close-session/>");
    assert!(has(&closed, "ok"), "{closed}");
    assert_eq!(client.expect_end(), Ok(()));
}

#[test]
fn configuration_is_loaded_compared_and_committed_on_both_routing_engines() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut first = Client::open(&spec, 1);
    let mut second = Client::open(&spec, 2);
    for client in [&mut first, &mut second] {
        client.receive();
        client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));
    }

    assert!(has(&first.rpc("<lock-configuration/>"), "ok"));
    let denied = second.rpc("<lock-configuration/>");
    assert_eq!(texts(&denied, "error-tag"), ["lock-denied"], "{denied}");
    assert!(texts(&denied, "error-message")[0].contains("locked by"), "{denied}");

    // Operational commands still run, on either RE, from configuration mode.
    let other = first.rpc("<command>show version invoke-on other-routing-engine</command>");
    assert_eq!(texts(&other, "re-name"), ["re1"], "{other}");
    assert_eq!(texts(&other, "host-name"), ["re1"], "{other}");

    let loaded = first.rpc(
        "<load-configuration action=\"set\" format=\"text\"><configuration-set>\
         set system location building netconf-lab\nset system location floor 3\n</configuration-set></load-configuration>",
    );
    assert!(has(&loaded, "ok"), "{loaded}");
    let refused = first.rpc(
        "<load-configuration action=\"set\" format=\"text\"><configuration-set>set system bogus 1</configuration-set></load-configuration>",
    );
    assert_eq!(texts(&refused, "load-error-count"), ["1"], "{refused}");
    assert_eq!(texts(&refused, "bad-element"), ["bogus"], "{refused}");

    let diff = first.rpc("<get-configuration compare=\"rollback\" rollback=\"0\" format=\"text\"/>");
    let diff = texts(&diff, "configuration-output").join("");
    assert!(diff.contains("[edit system]\n+  location {\n+      building netconf-lab;"), "{diff}");

    let committed =
        first.rpc("<commit-configuration><synchronize/><log>from netconf</log></commit-configuration>");
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    assert_eq!(
        commit_results(&committed),
        pairs(&[("re0", "commit-check-success"), ("re1", "commit-success"), ("re0", "commit-success")]),
        "{committed}"
    );
    let history = first.rpc("<command format=\"text\">show system commit</command>");
    let history = texts(&history, "output").join("");
    assert!(history.lines().next().is_some_and(|l| l.ends_with(" by lab via netconf")), "{history}");
    assert!(history.contains("    from netconf\n"), "{history}");

    assert!(has(&first.rpc("<unlock-configuration/>"), "ok"));
    assert!(has(&second.rpc("<lock><target><candidate/></target></lock>"), "ok"));
    assert!(has(&second.rpc("<unlock><target><candidate/></target></unlock>"), "ok"));

    let filtered = first.rpc(
        "<get-configuration database=\"committed\"><configuration><system><location/></system></configuration></get-configuration>",
    );
    assert_eq!(texts(&filtered, "floor"), ["3"], "{filtered}");

    // The backup has the statement too, and says it is the backup.
    let re1 = spec.split(',').find(|part| part.starts_with("re1=")).unwrap();
    let mut backup = Client::open(re1, 3);
    backup.receive();
    let running = backup.rpc("<get-config><source><running/></source></get-config>");
    assert_eq!(texts(&running, "building"), ["netconf-lab"], "{running}");
    let history = backup.rpc("<command format=\"text\">show system commit</command>");
    let history = texts(&history, "output").join("");
    assert!(history.lines().next().is_some_and(|l| l.ends_with(" by lab via netconf")), "{history}");
    let private = backup.rpc(
        "<get-interface-information><routing-instance>__juniper_private1__</routing-instance></get-interface-information>",
    );
    assert_eq!(texts(&private, "ifa-local"), ["128.0.0.5/2", "128.0.0.6/2"], "{private}");

    for mut client in [first, second, backup] {
        assert!(has(&client.rpc("<close-session/>"), "ok"));
        assert_eq!(client.expect_end(), Ok(()));
    }
}

#[test]
fn chunked_framing_and_configuration_xml_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut client = Client::open(&spec, 4);
    client.receive();
    client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1"]));
    client.chunked = true;
    // One request in several chunks.
    let request = format!("<rpc xmlns=\"{BASE}\" message-id=\"1\"><get-software-information/></rpc>");
    let (head, rest) = request.split_at(10);
    let (middle, tail) = rest.split_at(30);
    let chunks: String =
        [head, middle, tail].iter().map(|part| format!("\n#{}\n{part}", part.len())).collect();
    client.send_raw(format!("{chunks}\n##\n").as_bytes());
    let reply = client.receive();
    assert!(reply.chunked && reply.text.contains("<software-information>"), "{}", reply.text);

    let generated = reshell::config::generate::set_lines(300).replace('&', "&amp;").replace('<', "&lt;");
    let loaded = client.rpc(&format!(
        "<load-configuration action=\"set\" format=\"text\"><configuration-set>{generated}</configuration-set></load-configuration>"
    ));
    assert!(has(&loaded, "ok"), "{loaded}");
    let as_set = |client: &mut Client| {
        let reply = client.rpc("<get-configuration format=\"set\"/>");
        texts(&reply, "configuration-set").join("")
    };
    let before = as_set(&mut client);
    assert!(before.lines().count() >= 290, "{before}");
    let xml = client.rpc("<get-configuration/>");
    let document = parse(&xml);
    let configuration =
        document.descendants().find(|n| n.tag_name().name() == "configuration").expect("configuration");
    // Taken out of the reply, the element keeps the `junos:` namespace its
    // attributes use, as an XML library would serialise it.
    let namespace = format!("xmlns:junos=\"http://xml.juniper.net/junos/{}/junos\"", reshell::JUNOS_VERSION);
    let configuration =
        &xml[configuration.range()].replacen("<configuration", &format!("<configuration {namespace}"), 1);

    // What `| display xml` wrote reads back as the same configuration,
    // over the candidate emptied first (override) and as RFC 6241's replace.
    assert!(has(
        &client.rpc("<load-configuration action=\"override\"><configuration/></load-configuration>"),
        "ok"
    ));
    assert_eq!(as_set(&mut client), "");
    let overridden =
        client.rpc(&format!("<load-configuration action=\"override\">{configuration}</load-configuration>"));
    assert!(has(&overridden, "ok"), "{overridden}");
    assert_eq!(as_set(&mut client), before);
    let replaced = client.rpc(&format!(
        "<edit-config><target><candidate/></target><default-operation>replace</default-operation><config>{configuration}</config></edit-config>"
    ));
    assert!(has(&replaced, "ok"), "{replaced}");
    assert_eq!(as_set(&mut client), before);

    let merged = client.rpc(
        "<edit-config><target><candidate/></target><config><configuration><system>\
         <host-name operation=\"delete\"/><location><building>b2</building></location></system></configuration></config></edit-config>",
    );
    assert!(has(&merged, "ok"), "{merged}");
    let after = as_set(&mut client);
    assert!(after.contains("set system location building b2\n"), "{after}");
    let unknown = client.rpc(
        "<edit-config><target><candidate/></target><config><configuration><system><bogus/></system></configuration></config></edit-config>",
    );
    assert_eq!(texts(&unknown, "bad-element"), ["bogus"], "{unknown}");
    assert!(has(&client.rpc("<validate><source><candidate/></source></validate>"), "ok"));
    assert!(has(&client.rpc("<discard-changes/>"), "ok"));
    let committed = client.rpc("<get-config><source><candidate/></source></get-config>");
    assert!(texts(&committed, "building").is_empty(), "{committed}");

    // A broken chunk header ends the session.
    client.send_raw(b"\n#x\n");
    assert!(client.expect_end().is_err());
}

#[test]
fn control_characters_in_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut client = Client::open(&spec, 5);
    client.receive();
    client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));
    for load in [
        "<load-configuration action=\"merge\" format=\"text\"><configuration-text>system { host-name \"r1\nevil\"; }</configuration-text></load-configuration>",
        "<load-configuration action=\"set\" format=\"text\"><configuration-set>set system host-name \"r1\tevil\"</configuration-set></load-configuration>",
        "<load-configuration><configuration><system><host-name>r1&#9;evil</host-name></system></configuration></load-configuration>",
        "<edit-config><target><candidate/></target><config><configuration><system><location><building>b&#9;1</building></location></system></configuration></config></edit-config>",
    ] {
        let refused = client.rpc(load);
        let messages = texts(&refused, "error-message");
        assert!(
            messages.iter().any(|m| m.ends_with("control characters are not allowed")),
            "{load}: {refused}"
        );
    }
    let candidate = client.rpc("<get-configuration format=\"set\"/>");
    assert!(!candidate.contains("evil") && !candidate.contains("building"), "{candidate}");
}

#[test]
fn a_read_only_user_gets_no_password_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let password = "Secret-42x";
    let hash = sha_crypt::sha512_simple(password, &sha_crypt::Sha512Params::new(5000).unwrap()).unwrap();
    let run = common::connected_commands(
        &spec,
        &[
            "configure",
            "set system login user bob class read-only",
            &format!("set system login user bob authentication encrypted-password \"{hash}\""),
            "commit synchronize and-quit",
        ],
    );
    assert!(run.stdout.contains("commit complete"), "{}{}", run.stdout, run.stderr);
    let bob = Credentials { user: "bob".into(), password: Some(password.into()), ..Credentials::default() };
    let mut client = Client::open_as(&spec, 3, bob);
    client.receive();
    client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));
    for get in [
        "<get-configuration database=\"committed\"/>",
        "<get-configuration database=\"committed\" format=\"text\"/>",
        "<get-config><source><running/></source></get-config>",
    ] {
        let reply = client.rpc(get);
        assert!(!reply.contains("$6$") && reply.contains("/* SECRET-DATA */"), "{get}: {reply}");
    }
}

#[test]
fn operational_rpcs_answer_each_format_and_commits_answer_typed_results() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut client = Client::open(&spec, 8);
    client.receive();
    client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));

    let text = client.rpc("<get-software-information format=\"text\"/>");
    assert!(texts(&text, "output").join("").contains("Junos: "), "{text}");
    let json = client.rpc("<get-route-engine-information format=\"json\"/>");
    let body = parse(&json).root_element().text().unwrap_or_default().to_owned();
    assert!(body.contains("\"route-engine-information\" : ["), "{json}");
    let one = client.rpc("<get-route-engine-information><slot>1</slot></get-route-engine-information>");
    assert_eq!(texts(&one, "slot"), ["1"], "{one}");
    let bad = client.rpc("<get-software-information><bogus/></get-software-information>");
    assert_eq!(
        (texts(&bad, "error-message"), texts(&bad, "bad-element")),
        (vec!["syntax error".to_owned()], vec!["bogus".to_owned()])
    );

    let shown = client.rpc("<command format=\"text\">show configuration system</command>");
    assert!(texts(&shown, "configuration-output").join("").contains("root-authentication"), "{shown}");
    let nothing = client.rpc(
        "<get-configuration database=\"committed\"><configuration><snmp/></configuration></get-configuration>",
    );
    let configuration = parse(&nothing)
        .descendants()
        .find(|n| n.has_tag_name("configuration"))
        .map(|n| n.children().filter(|c| c.is_element()).count());
    assert_eq!(configuration, Some(0), "{nothing}");

    let checked = client.rpc("<commit-configuration><check/></commit-configuration>");
    assert_eq!(
        commit_results(&checked),
        [("re0".to_owned(), "commit-check-success".to_owned())],
        "{checked}"
    );
    client.rpc("<load-configuration action=\"set\" format=\"text\"><configuration-set>set system location building b1</configuration-set></load-configuration>");
    let committed = client.rpc("<commit-configuration><confirmed/><confirm-timeout>5</confirm-timeout><log>try</log></commit-configuration>");
    assert!(has(&committed, "commit-success"), "{committed}");
    let revision = client.rpc("<get-commit-revision-information><detail/></get-commit-revision-information>");
    let comment = texts(&revision, "comment").join("");
    assert!(comment.contains("commit confirmed") && comment.contains("rollback in 5mins"), "{revision}");
    assert!(texts(&revision, "revision").join("").starts_with("re0-"), "{revision}");
}

/// The root element of a reply's payload, or `rpc-error`.
fn payload_root(xml: &str) -> String {
    let document = parse(xml);
    let root = document.root_element().children().find(|n| n.is_element());
    root.map(|n| n.tag_name().name().to_owned()).unwrap_or_default()
}

/// Each operational RPC of the grammar, an argument it needs, and the root
/// element Junos answers it with (`<output>` where Junos has no XML for it).
const JUNOS_REPLIES: &[(&str, &str, &str)] = &[
    ("file-show", "<filename>/var/tmp/note.txt</filename>", "file-content"),
    ("file-list", "<detail/><path>/var/tmp</path>", "directory-list"),
    ("get-checksum-information", "<path>/var/tmp/note.txt</path>", "checksum-information"),
    ("get-sha256-checksum-information", "<path>/var/tmp/note.txt</path>", "checksum-information"),
    // What succeeds in silence answers an empty reply.
    ("file-copy", "<source>/var/tmp/note.txt</source><destination>/var/tmp/copy.txt</destination>", ""),
    ("file-rename", "<source>/var/tmp/copy.txt</source><destination>/var/tmp/moved.txt</destination>", ""),
    ("file-delete", "<path>/var/tmp/moved.txt</path>", ""),
    ("get-power-usage-information", "", "power-usage-information"),
    // Scheduled, not made: the REs stay up for the RPCs after them.
    ("request-reboot", "<in>600</in>", "request-reboot-results"),
    ("request-halt", "<in>600</in><both-routing-engines/>", "request-reboot-results"),
    ("request-power-off", "<in>600</in><other-routing-engine/>", "request-reboot-results"),
    ("request-chassis-routing-engine-master-switch", "<check/>", "output"),
    ("get-power-usage-information-detail", "", "power-usage-information"),
    ("ping", "<host>127.0.0.1</host><count>1</count>", "ping-results"),
    ("traceroute", "<host>127.0.0.1</host>", "traceroute-results"),
    ("get-arp-table-information", "", "arp-table-information"),
    ("get-ipv6-nd-information", "", "ipv6-nd-information"),
    ("get-bgp-neighbor-information", "", "bgp-information"),
    ("get-bgp-summary-information", "", "bgp-information"),
    ("get-alarm-information", "", "alarm-information"),
    ("get-environment-information", "", "environment-information"),
    ("get-firmware-information", "", "firmware-information"),
    ("get-fpc-information", "", "fpc-information"),
    ("get-chassis-inventory", "", "chassis-inventory"),
    ("get-route-engine-information", "", "route-engine-information"),
    ("get-temperature-threshold-information", "", "temperature-threshold-information"),
    ("get-interface-information", "", "interface-information"),
    ("get-isis-adjacency-information", "", "isis-adjacency-information"),
    ("get-lacp-interface-information", "", "lacp-interface-information-list"),
    ("get-ldp-neighbor-information", "", "ldp-neighbor-information"),
    ("get-lldp-neighbors-information", "", "lldp-neighbors-information"),
    ("get-ntp-associations-information", "", "output"),
    ("get-ntp-status", "", "output"),
    ("get-ospf-interface-information", "", "ospf-interface-information"),
    ("get-ospf-neighbor-information", "", "ospf-neighbor-information"),
    ("get-route-information", "", "route-information"),
    ("get-forwarding-table-information", "", "forwarding-table-information"),
    ("get-route-summary-information", "", "route-summary-information"),
    ("get-instance-information", "", "instance-information"),
    ("get-bridge-mac-table", "", "l2ald-rtb-macdb"),
    ("get-rsvp-interface-information", "", "rsvp-interface-information"),
    ("get-rsvp-session-information", "", "rsvp-session-information"),
    ("get-system-alarm-information", "", "alarm-information"),
    ("get-commit-information", "", "commit-information"),
    ("get-configuration-database-usage-information", "", "database-usage-information"),
    ("get-system-memory-information", "", "system-memory-information"),
    ("get-system-process-information", "", "system-process-information"),
    ("get-rollback-information", "<rollback>0</rollback>", "rollback-information"),
    ("get-system-storage", "", "system-storage-information"),
    ("get-switchover-information", "", "switchover-information"),
    ("get-system-uptime-information", "", "system-uptime-information"),
    ("get-system-users-information", "", "system-users-information"),
    ("get-routing-task-replication-state", "", "task-replication-state"),
    ("get-software-information", "", "software-information"),
];

#[test]
fn every_operational_rpc_answers_with_the_root_junos_answers_it_with() {
    let grammar = reshell::grammar::Grammar::operational().unwrap();
    let unlisted: Vec<&str> =
        grammar.rpcs().filter(|rpc| !JUNOS_REPLIES.iter().any(|(name, _, _)| name == rpc)).collect();
    assert!(unlisted.is_empty(), "add Junos's reply root for {unlisted:?} to JUNOS_REPLIES");

    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    std::fs::write(dir.path().join("re0/files/var/tmp/note.txt"), "a note\n").unwrap();
    let re1_only = spec.split(',').find(|s| s.starts_with("re1=")).unwrap().to_owned();
    let mut master = Client::open(&spec, 11);
    // `show system switchover` answers on the backup only.
    let mut backup = Client::open(&re1_only, 12);
    for client in [&mut master, &mut backup] {
        client.receive();
        client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));
    }
    let mut wrong = Vec::new();
    for (rpc, arguments, root) in JUNOS_REPLIES {
        let client = if *rpc == "get-switchover-information" { &mut backup } else { &mut master };
        let reply = client.rpc(&format!("<{rpc}>{arguments}</{rpc}>"));
        if payload_root(&reply) != *root {
            wrong.push(format!("{rpc}: expected <{root}>, got {reply}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The element names under the payload root, in order.
fn child_names(xml: &str) -> Vec<String> {
    let document = parse(xml);
    let payload = document.root_element().children().find(|n| n.is_element());
    payload
        .map(|p| p.children().filter(|n| n.is_element()).map(|n| n.tag_name().name().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn each_configuration_rpc_answers_with_junos_elements() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let files = dir.path().join("re0/files/var/tmp");
    std::fs::write(files.join("a.conf"), "system { location { building text-file; } }\n").unwrap();
    std::fs::write(files.join("a.set"), "set system location floor 4\n").unwrap();
    std::fs::write(
        files.join("a.xml"),
        "<configuration><system><location><rack>7</rack></location></system></configuration>\n",
    )
    .unwrap();
    std::fs::write(
        files.join("a.json"),
        r#"{"configuration" : {"system" : {"location" : {"country-code" : "NL"}}}}"#,
    )
    .unwrap();
    let mut client = Client::open(&spec, 21);
    client.receive();
    client.send(&client_hello(&["urn:ietf:params:netconf:base:1.0"]));
    let ok = |reply: &str| assert_eq!(payload_root(reply), "ok", "{reply}");
    let loaded = |reply: &str| {
        assert_eq!(payload_root(reply), "load-configuration-results", "{reply}");
        assert_eq!(child_names(reply), ["ok"], "{reply}");
    };

    ok(&client.rpc("<open-configuration><private/></open-configuration>"));
    ok(&client.rpc("<close-configuration/>"));
    ok(&client.rpc("<lock><target><candidate/></target></lock>"));
    ok(&client.rpc("<unlock><target><candidate/></target></unlock>"));
    ok(&client.rpc("<lock-configuration/>"));

    // Each body and each format of a file.
    loaded(&client.rpc(
        "<load-configuration format=\"text\"><configuration-text>system { location { building b1; } }</configuration-text></load-configuration>",
    ));
    loaded(&client.rpc("<load-configuration action=\"set\" format=\"text\"><configuration-set>set system location floor 2</configuration-set></load-configuration>"));
    loaded(&client.rpc(
        r#"<load-configuration format="json"><configuration-json>{"configuration" : {"system" : {"location" : {"lata" : "5"}}}}</configuration-json></load-configuration>"#,
    ));
    loaded(&client.rpc(
        "<load-configuration><configuration><system><location><postal-code>1017</postal-code></location></system></configuration></load-configuration>",
    ));
    loaded(&client.rpc("<load-configuration action=\"patch\" format=\"text\"><configuration-patch>[edit system location]\n+  npa-nxx 20;\n</configuration-patch></load-configuration>"));
    loaded(&client.rpc("<load-configuration format=\"text\" url=\"/var/tmp/a.conf\"/>"));
    loaded(&client.rpc("<load-configuration action=\"set\" format=\"text\" url=\"/var/tmp/a.set\"/>"));
    loaded(&client.rpc("<load-configuration format=\"xml\" url=\"/var/tmp/a.xml\"/>"));
    loaded(&client.rpc("<load-configuration format=\"json\" url=\"/var/tmp/a.json\"/>"));
    let set = client.rpc("<get-configuration format=\"set\"><configuration><system><location/></system></configuration></get-configuration>");
    let set = texts(&set, "configuration-set").join("");
    for statement in [
        "building text-file",
        "floor 4",
        "lata 5",
        "postal-code 1017",
        "npa-nxx 20",
        "rack 7",
        "country-code NL",
    ] {
        assert!(set.contains(statement), "{statement} in {set}");
    }

    let bad = client
        .rpc("<load-configuration format=\"text\"><configuration-text>system { bogus 1; }</configuration-text></load-configuration>");
    assert_eq!(child_names(&bad), ["rpc-error", "load-error-count"], "{bad}");
    assert_eq!(texts(&bad, "bad-element"), ["bogus"], "{bad}");
    assert_eq!(texts(&bad, "error-message"), ["syntax error"], "{bad}");

    // Each format of get-configuration, and the comparison.
    assert_eq!(payload_root(&client.rpc("<get-configuration/>")), "configuration");
    assert_eq!(payload_root(&client.rpc("<get-configuration format=\"text\"/>")), "configuration-text");
    assert_eq!(payload_root(&client.rpc("<get-configuration format=\"set\"/>")), "configuration-set");
    let json = client.rpc("<get-configuration format=\"json\"/>");
    let body = parse(&json).root_element().text().unwrap_or_default().trim().to_owned();
    assert!(body.starts_with('{') && body.contains("\"configuration\""), "{json}");
    let compared = client.rpc("<get-configuration compare=\"rollback\" rollback=\"0\" format=\"text\"/>");
    assert_eq!(
        (payload_root(&compared), child_names(&compared)),
        ("configuration-information".to_owned(), vec!["configuration-output".to_owned()])
    );
    assert!(texts(&compared, "configuration-output")[0].contains("+      rack 7;"), "{compared}");

    // The commits, their results and their history.
    let routing_engines = |reply: &str| -> Vec<(String, String)> { commit_results(reply) };
    let checked = client.rpc("<commit-configuration><check/></commit-configuration>");
    assert_eq!(payload_root(&checked), "commit-results");
    assert_eq!(routing_engines(&checked), [("re0".to_owned(), "commit-check-success".to_owned())]);
    // As Junos reports it: this RE checks, the other commits, then this one.
    let synchronized = client.rpc("<commit-configuration><synchronize/></commit-configuration>");
    assert_eq!(
        routing_engines(&synchronized),
        [
            ("re0".to_owned(), "commit-check-success".to_owned()),
            ("re1".to_owned(), "commit-success".to_owned()),
            ("re0".to_owned(), "commit-success".to_owned()),
        ],
        "{synchronized}"
    );
    loaded(&client.rpc("<load-configuration action=\"set\" format=\"text\"><configuration-set>set system location floor 5</configuration-set></load-configuration>"));
    let confirmed = client
        .rpc("<commit-configuration><confirmed/><confirm-timeout>3</confirm-timeout></commit-configuration>");
    assert_eq!(routing_engines(&confirmed), [("re0".to_owned(), "commit-success".to_owned())], "{confirmed}");
    let history = client.rpc("<get-commit-information/>");
    assert_eq!(payload_root(&history), "commit-information");
    assert!(child_names(&history).iter().all(|n| n == "commit-history"), "{history}");
    let revision = client.rpc("<get-commit-revision-information><detail/></get-commit-revision-information>");
    assert_eq!(child_names(&revision), ["date-time", "revision", "comment"], "{revision}");
    ok(&client.rpc("<unlock-configuration/>"));

    // RFC 6241's operations answer <ok/>.
    ok(&client.rpc("<edit-config><target><candidate/></target><config><configuration><system><location><floor>6</floor></location></system></configuration></config></edit-config>"));
    ok(&client.rpc("<validate><source><candidate/></source></validate>"));
    ok(&client.rpc("<discard-changes/>"));
    ok(&client.rpc("<copy-config><target><candidate/></target><source><running/></source></copy-config>"));
    ok(&client.rpc("<commit/>"));
}
