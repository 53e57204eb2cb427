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
