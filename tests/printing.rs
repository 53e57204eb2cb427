//! A configuration printed by reshell, in each format, loads back unchanged
//! through the real shell and agents.

mod common;

use common::commands;

#[test]
fn each_format_saved_from_show_loads_back_with_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = vec![
        "configure",
        "set interfaces ge-0/0/0 description \"to core; 100G\"",
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30",
        "set interfaces ge-0/0/0 unit 0 family inet6 address 2001:db8::1/64",
        "deactivate interfaces ge-0/0/0 unit 0 family inet6",
        "annotate interfaces \"uplinks\"",
        "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.2",
        "set protocols bgp group ibgp family inet-vpn unicast",
        "set groups re0 system host-name r1-re0",
        "set groups jumbo interfaces <ge-*> mtu 9192",
        "set apply-groups [ re0 jumbo ]",
        "commit",
        "show groups | display xml",
        "show groups re0 | display json",
        "show | save /var/tmp/c.conf",
        "show | display json | save /var/tmp/c.json",
        "show | display xml | save /var/tmp/c.xml",
    ];
    let loads: Vec<String> =
        ["c.json", "c.xml", "c.conf"].iter().map(|f| format!("load override /var/tmp/{f}")).collect();
    for load in &loads {
        script.extend([
            load.as_str(),
            "show | compare | count",
            "show | match \"uplinks|inactive\"",
            "show interfaces",
        ]);
    }
    let run = commands(dir.path(), &script);
    assert!(run.ok, "{}", run.stderr);
    // Each group is a `<groups>` element, and `"groups"` an array, as on Junos.
    assert!(run.stdout.contains("\">\n        <groups>\n            <name>re0</name>\n"), "{}", run.stdout);
    assert!(run.stdout.contains("        </groups>\n        <groups>\n            <name>jumbo</name>\n"));
    assert!(
        run.stdout.contains("\"groups\" : [\n        {\n            \"name\" : \"re0\",\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("load complete\n").count(), 3, "{}", run.stdout);
    assert_eq!(run.stdout.matches("Count: 0 lines\n").count(), 3, "{}", run.stdout);
    let marks = "/* uplinks */\n            inactive: family inet6 {\n";
    assert_eq!(run.stdout.matches(marks).count(), 3, "{}", run.stdout);
    let interfaces = "\
ge-0/0/0 {
    description \"to core; 100G\";
    unit 0 {
        family inet {
            address 10.0.0.1/30;
        }
        inactive: family inet6 {
            address 2001:db8::1/64;
        }
    }
}
";
    assert_eq!(run.stdout.matches(interfaces).count(), 3, "{}", run.stdout);
}

#[test]
fn protected_statements_are_marked_in_every_format_and_load_back_protected() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = vec![
        "configure",
        "set system host-name r1",
        "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0",
        "protect protocols ospf",
        "protect system host-name",
        "commit",
        "show | display set | match protect",
        "show | display json | match protect",
        "show | display xml | match protect",
        "show | save /var/tmp/c.conf",
        "show | display json | save /var/tmp/c.json",
        "show | display xml | save /var/tmp/c.xml",
        "show | display set | save /var/tmp/c.set",
    ];
    let loads: Vec<String> =
        ["override /var/tmp/c.json", "override /var/tmp/c.xml", "override /var/tmp/c.conf"]
            .iter()
            .map(|f| format!("load {f}"))
            .chain(["delete protocols".to_owned(), "load set /var/tmp/c.set".to_owned()])
            .collect();
    for load in &loads {
        script.extend([load.as_str(), "show | match protect:"]);
    }
    script.push("show | compare | count");
    let run = commands(dir.path(), &script);
    assert!(run.ok, "{}", run.stderr);
    let stdout: String = run.stdout.lines().map(|l| format!("{}\n", l.trim_start())).collect();
    assert!(
        stdout.contains(
            "commit complete\nprotect system host-name\nprotect protocols ospf\n\
             \"protect\" : true\n\"protect\" : true\n<host-name protect=\"protect\">r1</host-name>\n\
             <ospf protect=\"protect\">\n"
        ),
        "{stdout}"
    );
    let marked = "protect: host-name r1;\nprotect: ospf {\n";
    assert_eq!(stdout.matches(&format!("load complete\n{marked}")).count(), 4, "{stdout}");
    assert!(stdout.ends_with("Count: 0 lines\n"), "{stdout}");
}

#[test]
fn display_detail_writes_the_schema_help_above_each_statement() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system host-name r1",
            "set system login user ops uid 2001 class read-only",
            "commit",
            "show system | display detail",
            "exit",
            "show configuration system host-name | display detail",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    // The start-up configuration's password hashes have a random salt.
    let stdout: String = run
        .stdout
        .lines()
        .map(|l| if l.contains("encrypted-password") { "HASH\n".to_owned() } else { format!("{l}\n") })
        .collect();
    let user = "    ##
    ## Username
    ##
    user USER {
        ##
        ## User identifier (uid)
        ## range: 100 .. 64000
        ##
        uid UID;
        ##
        ## Login class
        ##
        class CLASS;
";
    let lab = user.replace("USER", "lab").replace("UID", "2000").replace("CLASS", "super-user");
    let ops = user.replace("USER", "ops").replace("UID", "2001").replace("CLASS", "read-only");
    let expected = format!(
        "\
Entering configuration mode
commit complete
##
## Hostname for this router
##
host-name r1;
##
## Authentication information for the root password
##
root-authentication {{
    ##
    ## Encrypted password string
    ##
HASH
}}
##
## Names, login classes, and passwords for users
##
login {{
{lab}        ##
        ## Authentication method
        ##
        authentication {{
            ##
            ## Encrypted password string
            ##
HASH
        }}
    }}
{ops}    }}
}}
##
## System logging facility
##
syslog {{
    ##
    ## File in which to log data
    ##
    file messages {{
        ##
        ## Facility type
        ##
        any notice;
    }}
}}
Exiting configuration mode
##
## Hostname for this router
##
host-name r1;
"
    );
    assert_eq!(stdout, expected);
}

/// What `reshell` run on the chassis in `dir` (started with `startup`)
/// printed for `commands`.
fn printed(dir: &std::path::Path, startup: &std::path::Path, commands: &[&str]) -> String {
    let mut shell = common::reshell();
    shell.arg("--state-dir").arg(dir).arg("--startup-config").arg(startup);
    for c in commands {
        shell.args(["-c", c]);
    }
    let run: common::Run = shell.output().expect("run reshell").into();
    assert!(run.ok, "{commands:?}: {}", run.stderr);
    run.stdout
}

/// A large configuration, printed by the RE and sent in pieces, reads
/// byte for byte as the same tree printed whole in this process, in each
/// form the RE prints; and the pipes after it see whole lines.
#[test]
fn a_large_configuration_sent_in_pieces_prints_as_the_tree_does() {
    use reshell::config::load::parse_text;
    use reshell::config::print::Inheritance;
    use reshell::config::show::{Form, Shown, Stamp};
    use reshell::config::{generate, schema::Schema};

    let schema = Schema::shipped().unwrap();
    let startup = common::startup_config_with(&generate::curly(&schema, 50_000));
    // The tree the RE starts from: its factory default, then the startup file.
    let factory =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/agent/factory.conf")).unwrap();
    let (mut tree, errors) = parse_text(&schema, &factory);
    assert_eq!(errors, []);
    tree.child_entry("version").values = [reshell::JUNOS_VERSION].into_iter().collect();
    let (loaded, errors) = parse_text(&schema, &std::fs::read_to_string(&startup).unwrap());
    assert_eq!(errors, []);
    tree.merge(&schema, None, loaded);

    let dir = tempfile::tempdir().unwrap();
    let text = printed(dir.path(), &startup, &["show configuration | no-more"]);
    assert!(text.len() > 4 * reshell::config::show::PIECE, "several pieces: {} bytes", text.len());
    // The stamp is the RE's own: its commit's time and user.
    let header = text.lines().next().unwrap();
    let (time, user) = header.strip_prefix("## Last commit: ").unwrap().split_once(" by ").unwrap();
    let time = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S UTC").unwrap();
    let shown = Shown {
        schema: schema.clone(),
        steps: Vec::new(),
        node: tree,
        stamp: Some(Stamp::Committed { time: time.and_utc().timestamp(), user: user.to_owned() }),
        inheritance: Inheritance::Unmarked,
        relative_to: 0,
        detail: false,
    };
    assert!(text == shown.printed(Form::Text), "the text differs");
    let set = shown.printed(Form::Set);
    assert!(printed(dir.path(), &startup, &["show configuration | display set | no-more"]) == set);
    let json = printed(dir.path(), &startup, &["show configuration | display json | no-more"]);
    assert!(json == shown.printed(Form::Json), "the JSON differs");

    let piped = printed(
        dir.path(),
        &startup,
        &[
            "show configuration | display set | count",
            "show configuration | display set | match \"family inet address\" | count",
            "show configuration | display set | except interfaces | last 3",
            "show configuration | display set | save /var/tmp/all.set",
        ],
    );
    let lines: Vec<&str> = set.lines().collect();
    let addresses = lines.iter().filter(|l| l.contains("family inet address")).count();
    assert!(addresses > 1000);
    let others: Vec<&str> = lines.iter().copied().filter(|l| !l.contains("interfaces")).collect();
    let expected = format!(
        "Count: {} lines\nCount: {addresses} lines\n{}\nWrote {} lines of output to '/var/tmp/all.set'\n",
        lines.len(),
        others[others.len() - 3..].join("\n"),
        lines.len()
    );
    assert_eq!(piped, expected);
}
