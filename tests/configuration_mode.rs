//! Configuration-mode commands as Junos reads them: `set` lines that name
//! several statements (in configuration mode and in `load set` alike), the
//! `top` prefix, `| display set relative`, and the rescue configuration.

mod common;

use common::{batch, commands};

/// Lines that each set more than one statement.
const SEVERAL: [&str; 4] = [
    "set system login user ops class read-only authentication encrypted-password \"$6$salt$hash\"",
    "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24 primary",
    "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric 10",
    "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.1 preference 200",
];

/// What `show | display set` prints of them.
const SHOWN: &str = "\
set system login user ops class read-only
set system login user ops authentication encrypted-password \"$6$salt$hash\"
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24 primary
set routing-options static route 0.0.0.0/0 next-hop 10.0.0.1
set routing-options static route 0.0.0.0/0 preference 200
set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive
set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 metric 10
";

const SHOW: &str = "show | display set | match \"user ops|ge-0/0/0|static|ospf\"";

#[test]
fn one_set_line_sets_each_statement_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec!["configure"];
    lines.extend(SEVERAL);
    lines.extend([SHOW, "commit", "exit", "show configuration protocols ospf"]);
    let run = commands(dir.path(), &lines);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("Entering configuration mode\n{SHOWN}commit complete\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "area 0.0.0.0 {\n    interface ge-0/0/0.0 {\n        passive;\n        metric 10;\n    }\n}\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn load_set_reads_several_statements_in_a_line_as_set_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("several.txt");
    let text = format!("configure\nload set terminal\n{}\n^D\n{SHOW}\n", SEVERAL.join("\n"));
    std::fs::write(&file, text).unwrap();
    let run = batch(dir.path(), &["-f", file.to_str().unwrap()]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.ends_with(&format!("^Dload complete\n{SHOWN}")), "{}", run.stdout);
}

#[test]
fn delete_and_deactivate_take_several_statements_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec!["configure"];
    lines.extend(SEVERAL);
    lines.extend([
        "delete protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric",
        "deactivate routing-options static route 0.0.0.0/0 next-hop 10.0.0.1 preference",
        SHOW,
    ]);
    let run = commands(dir.path(), &lines);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "\
set system login user ops class read-only
set system login user ops authentication encrypted-password \"$6$salt$hash\"
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24 primary
set routing-options static route 0.0.0.0/0 next-hop 10.0.0.1
deactivate routing-options static route 0.0.0.0/0 next-hop
set routing-options static route 0.0.0.0/0 preference 200
deactivate routing-options static route 0.0.0.0/0 preference
set protocols ospf area 0.0.0.0 interface ge-0/0/0.0
"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_word_that_is_no_statement_of_the_level_refuses_the_whole_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive bogus",
            "-c",
            "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric",
            "-c",
            "show protocols",
        ],
    );
    assert_eq!(
        run.stderr,
        format!(
            "lab@re0# set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive bogus\n{}^\n\
             syntax error, expecting <command>.\n\
             lab@re0# set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive metric\n{}^\n\
             missing argument.\n",
            " ".repeat(9 + 61),
            " ".repeat(9 + 68)
        )
    );
    assert_eq!(run.stdout, "Entering configuration mode\n");
}

#[test]
fn top_runs_a_command_from_the_top_and_display_set_relative_from_the_level() {
    let dir = tempfile::tempdir().unwrap();
    let run = batch(
        dir.path(),
        &[
            "--echo",
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "edit interfaces ge-0/0/0",
            "-c",
            "set unit 0 description core",
            "-c",
            "top set system host-name r9",
            "-c",
            "top show system host-name",
            "-c",
            "show | display set relative",
            "-c",
            "top show interfaces | display set relative",
            "-c",
            "top set system bogus",
            "-c",
            "top edit protocols ospf",
            "-c",
            "exit",
            "-c",
            "show | display set relative",
        ],
    );
    assert!(run.stdout.contains("\nhost-name r9;\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\nset unit 0 description core\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\nset interfaces ge-0/0/0 unit 0 description core\n"), "{}", run.stdout);
    assert!(run.stdout.contains("[edit protocols ospf]\n"), "{}", run.stdout);
    assert!(
        run.stdout.trim_end().ends_with(
            "[edit interfaces ge-0/0/0]\nlab@re0# show | display set relative\nset unit 0 description core"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains(&format!("{}^\nsyntax error", " ".repeat(9 + 15))), "{}", run.stderr);
}

#[test]
fn commit_confirmed_without_minutes_waits_ten() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(dir.path(), &["configure", "set system host-name r1", "commit confirmed"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "configuration check succeeds\ncommit confirmed will be automatically rolled back in 10 minutes \
             unless confirmed\ncommit complete\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn the_rescue_configuration_is_saved_loaded_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "--yes",
            "-c",
            "configure",
            "-c",
            "rollback rescue",
            "-c",
            "set system host-name saved",
            "-c",
            "commit and-quit",
            "-c",
            "request system configuration rescue save",
            "-c",
            "configure",
            "-c",
            "set system host-name other",
            "-c",
            "commit",
            "-c",
            "rollback rescue",
            "-c",
            "show system host-name",
            "-c",
            "rollback",
            "-c",
            "run request system configuration rescue delete",
            "-c",
            "rollback rescue",
        ],
    );
    let missing = "error: rescue configuration is not set\n";
    assert_eq!(run.stderr, missing.repeat(2), "before it is saved and after it is deleted");
    assert_eq!(
        run.stdout,
        "Entering configuration mode\ncommit complete\nExiting configuration mode\n\
         Entering configuration mode\ncommit complete\nload complete\nhost-name saved;\nload complete\n"
    );
}

#[test]
fn question_mark_after_a_complete_statement_lists_its_siblings_for_set_only() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive me?",
            "show protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive ?",
            "top set system host-n?",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Entering configuration mode\n\
         Possible completions:\n  <[Enter]>            Execute this command\n  metric               Interface metric\n\
         \x20 |                    Pipe through a command\n\
         Possible completions:\n  <[Enter]>            Execute this command\n  |                    Pipe through a command\n\
         Possible completions:\n  <[Enter]>            Execute this command\n  host-name            Hostname for this router\n\
         \x20 |                    Pipe through a command\n"
    );
}

#[test]
fn a_protected_statement_refuses_every_change_until_unprotected_and_reaches_the_other_re() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("protect.txt");
    let script = "\
configure
set protocols ospf area 0.0.0.0 interface ge-0/0/0.0
set system host-name r1
protect protocols ospf
set protocols ospf area 0.0.0.0 interface ge-0/0/1.0
delete protocols ospf area 0.0.0.0
deactivate protocols ospf
annotate protocols ospf \"core\"
rename protocols ospf area 0.0.0.0 to area 0.0.0.1
load merge terminal
protocols { ospf { area 0.0.0.2; } }
^D
show | compare
commit synchronize and-quit
show configuration protocols
request routing-engine login other-routing-engine
show configuration protocols | display set
exit
configure
unprotect protocols ospf
set protocols ospf area 0.0.0.0 interface ge-0/0/1.0
show protocols
";
    std::fs::write(&file, script).unwrap();
    let run = batch(dir.path(), &["--keep-going", "-f", file.to_str().unwrap()]);
    let refused = |what: &str, verb: &str| {
        format!("warning: [edit protocols ospf] is protected, '{what}' cannot be {verb}\n")
    };
    let expected = [
        refused("protocols ospf area 0.0.0.0 interface ge-0/0/1.0", "modified"),
        refused("protocols ospf area 0.0.0.0", "deleted"),
        refused("protocols ospf", "deactivated"),
        refused("protocols ospf", "annotated"),
        refused("protocols ospf area 0.0.0.0", "renamed"),
    ]
    .concat();
    assert!(run.stdout.starts_with(&format!("Entering configuration mode\n{expected}")), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "^D{}error: configuration not loaded\n",
            refused("protocols ospf", "modified")
        )),
        "{}",
        run.stderr
    );
    // Nothing the refused changes asked for is in the candidate.
    assert!(
        run.stdout.contains(
            "[edit]\n+  protocols {\n+      protect: ospf {\n+          area 0.0.0.0 {\n\
             +              interface ge-0/0/0.0;\n+          }\n+      }\n+  }\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("protect: ospf {\n    area 0.0.0.0 {\n        interface ge-0/0/0.0;\n    }\n}\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("set protocols ospf area 0.0.0.0 interface ge-0/0/0.0\nprotect protocols ospf\n"),
        "the other RE has the mark: {}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "ospf {\n    area 0.0.0.0 {\n        interface ge-0/0/0.0;\n        interface ge-0/0/1.0;\n    }\n}\n"
        ),
        "{}",
        run.stdout
    );
}

/// `HH:MM:SS` (UTC) `seconds` from now.
fn time_in(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::TimeDelta::seconds(seconds)).format("%H:%M:%S").to_string()
}

#[test]
fn commit_at_checks_now_leaves_configuration_mode_and_commits_at_its_time_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let at = time_in(5);
    let commit = format!("commit at {at}");
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "set system host-name later",
            "-c",
            &commit,
            "-c",
            "show system commit | match requested",
            "-c",
            "configure",
            "-c",
            "set system domain-name example.net",
            "-c",
            "commit",
        ],
    );
    let scheduled = format!("{} {at} UTC", chrono::Utc::now().format("%Y-%m-%d"));
    assert!(
        run.stdout.starts_with(&format!(
            "Entering configuration mode\nconfiguration check succeeds\n\
             commit at will be executed at {scheduled}\nExiting configuration mode\n\
             commit requested by lab via cli at {scheduled}\n"
        )),
        "{}",
        run.stdout
    );
    let refused = format!("error: commit at {scheduled} is pending; 'clear system commit' cancels it\n");
    assert_eq!(run.stderr, refused.repeat(2), "no change and no other commit meanwhile");
    // The agents of that run are gone: the commit is kept on disk, and made
    // by the agents started next once its time has come.
    common::eventually(std::time::Duration::from_secs(60), "the commit at its time", || {
        let run = commands(dir.path(), &["show configuration system host-name", "show system commit"]);
        run.stdout.starts_with("host-name later;\n0   ") && !run.stdout.contains("requested")
    });
    let run = commands(dir.path(), &["show system commit"]);
    assert!(run.stdout.lines().next().is_some_and(|l| l.ends_with(" by lab via cli")), "{}", run.stdout);
}

#[test]
fn clear_system_commit_cancels_a_pending_commit_at() {
    let dir = tempfile::tempdir().unwrap();
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "set system host-name later",
            "-c",
            "commit at \"2099-01-01 00:00\"",
            "-c",
            "clear system commit",
            "-c",
            "show system commit | match requested | count",
            "-c",
            "clear system commit",
            "-c",
            "configure",
            "-c",
            "commit",
            "-c",
            "commit at 12:61",
        ],
    );
    assert_eq!(
        run.stdout,
        "Entering configuration mode\nconfiguration check succeeds\n\
         commit at will be executed at 2099-01-01 00:00:00 UTC\nExiting configuration mode\n\
         Pending commit cleared\nCount: 0 lines\nEntering configuration mode\n\
         The configuration has been changed but not committed\ncommit complete\n"
    );
    assert_eq!(
        run.stderr,
        "error: no commit is pending\nerror: invalid time: '12:61' (\"yyyy-mm-dd hh:mm[:ss]\" or hh:mm[:ss])\n"
    );
}

#[test]
fn a_running_re_makes_the_commit_at_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let chassis = common::Chassis::start(dir.path(), &[]);
    let spec = chassis.spec();
    let commit = format!("commit at {}", time_in(3));
    let run = common::connected_commands(&spec, &["configure", "set system host-name later", &commit]);
    assert!(run.stdout.contains("commit at will be executed at "), "{}{}", run.stdout, run.stderr);
    common::eventually(std::time::Duration::from_secs(30), "the commit at its time", || {
        common::connected_commands(&spec, &["show configuration system host-name"]).stdout
            == "host-name later;\n"
    });
}

#[test]
fn load_patch_applies_what_compare_printed_and_load_update_ends_as_override_does() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system host-name r1",
            "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
            "set interfaces ge-0/0/0 unit 1 description old",
            "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0",
            "commit",
            "set system host-name r2",
            "delete interfaces ge-0/0/0 unit 1",
            "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.2/24",
            "set interfaces ge-0/0/1 disable",
            "deactivate protocols ospf",
            "show | compare",
            "show | compare | save /var/tmp/p.patch",
            "show | save /var/tmp/new.conf",
            "rollback",
            "load patch /var/tmp/p.patch",
            "show | compare",
            "rollback",
            "load update /var/tmp/new.conf",
            "show | compare",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    let compare = &run.stdout[run.stdout.find("[edit system]").unwrap()..run.stdout.find("Wrote").unwrap()];
    assert!(compare.contains("-  host-name r1;\n+  host-name r2;\n"), "{compare}");
    assert!(compare.contains("-  unit 1 {\n-      description old;\n-  }\n"), "{compare}");
    assert!(compare.contains("!  inactive: ospf { ... }\n"), "{compare}");
    assert!(
        run.stdout.ends_with(&format!(
            "load complete\nload complete\n{compare}load complete\nload complete\n{compare}"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn load_replace_honours_replace_and_delete_tags_and_load_merge_delete_tags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tags.txt");
    let script = "\
configure
set system host-name r1
set system domain-name d.example
set interfaces ge-0/0/0 unit 0 description a
set interfaces ge-0/0/1 disable
load replace terminal
system {
    delete: domain-name;
}
interfaces {
    replace: ge-0/0/0 {
        unit 2 {
            description c;
        }
    }
}
^D
show | display set | match \"domain|interfaces\"
load merge terminal
interfaces {
    delete: ge-0/0/1;
}
^D
show interfaces
";
    std::fs::write(&file, script).unwrap();
    let run = batch(dir.path(), &["-f", file.to_str().unwrap()]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "^Dload complete\nset interfaces ge-0/0/1 disable\nset interfaces ge-0/0/0 unit 2 description c\n\
             [Type ^D at a new line to end input]\n^Dload complete\n\
             ge-0/0/0 {\n    unit 2 {\n        description c;\n    }\n}\n"
        ),
        "{}",
        run.stdout
    );
}
