//! Configuration mode against real agents: edit, compare, commit, rollback,
//! load, and what survives `kill -9`: a commit, the history and rollbacks in
//! step, and the shared candidate.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::{agent, agent_with, batch, commands, connected, connected_commands, eventually, free_port};

fn state_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_batch_file_configures_and_commits() {
    let dir = state_dir();
    let file = dir.path().join("change.txt");
    std::fs::write(
        &file,
        "configure\n\
         set system host-name lab1\n\
         set chassis redundancy keepalive-time 1\n\
         set chassis redundancy keepalive-time 30\n\
         show | compare\n\
         commit\n\
         exit\n",
    )
    .unwrap();
    let run = batch(dir.path(), &["--keep-going", "-f", file.to_str().unwrap()]);
    assert!(!run.ok, "the refused value fails the run");
    assert_eq!(
        run.stderr,
        format!(
            "lab@re0# set chassis redundancy keepalive-time 1\n{}^\nValue 1 is not within range (2..10000)\n",
            " ".repeat(9 + 38)
        )
    );
    assert_eq!(
        run.stdout,
        "Entering configuration mode\n\
         [edit]\n\
         +  chassis {\n\
         +      redundancy {\n\
         +          keepalive-time 30;\n\
         +      }\n\
         +  }\n\
         [edit system]\n\
         +  host-name lab1;\n\
         commit complete\n\
         Exiting configuration mode\n"
    );
    let run = batch(dir.path(), &["--echo", "-c", "show configuration chassis", "-c", "show system commit"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "{master}\nlab@lab1> show configuration chassis\nredundancy {\n    keepalive-time 30;\n}\n"
        ),
        "{}",
        run.stdout
    );
    let history: Vec<&str> = run.stdout.lines().filter(|l| l.contains(" UTC by ")).collect();
    assert_eq!(history.len(), 2, "{}", run.stdout);
    assert!(history[0].starts_with("0   ") && history[0].ends_with(" by lab via cli"));
    assert!(history[1].starts_with("1   ") && history[1].ends_with(" by root via other"));
}

#[test]
fn rollback_restores_the_previous_configuration() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system host-name first",
            "commit",
            "set system host-name second",
            "commit",
            "rollback 1",
            "show | compare",
            "commit",
            "exit",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "load complete\n[edit system]\n-  host-name second;\n+  host-name first;\ncommit complete\n"
        ),
        "{}",
        run.stdout
    );
    let run = commands(dir.path(), &["show configuration system host-name"]);
    assert_eq!(run.stdout, "host-name first;\n");
}

#[test]
fn show_and_display_set_load_back_to_the_same_configuration() {
    let dir = state_dir();
    let setup = [
        "configure",
        "set interfaces ge-0/0/0 description \"to core; 100G\"",
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
        "set chassis redundancy routing-engine 0 master",
        "set system processes routing failover other-routing-engine",
        "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 passive",
        "set groups re0 system host-name lab-re0",
        "set groups re1 system host-name lab-re1",
        "set apply-groups [ re0 re1 ]",
        "commit",
        "show | save config.txt",
        "show | display set | save config.set",
        "exit",
    ];
    let run = commands(dir.path(), &setup);
    assert!(run.ok, "{}", run.stderr);
    let before = commands(dir.path(), &["show configuration | display set"]).stdout;
    assert!(before.contains("set chassis redundancy routing-engine 0 master\n"), "{before}");
    for load in ["load override config.txt", "load set config.set"] {
        let run = commands(dir.path(), &["configure", "delete interfaces", load, "show | compare", "exit"]);
        assert!(run.ok, "{load}: {}", run.stderr);
        assert!(run.stdout.contains("load complete\n"), "{load}: {}", run.stdout);
        assert!(
            !run.stdout.contains('+') && !run.stdout.contains("-  "),
            "{load} changed something: {}",
            run.stdout
        );
    }
}

#[test]
fn a_commit_that_failed_checks_changes_nothing() {
    let dir = state_dir();
    let run = commands(dir.path(), &["configure", "delete system root-authentication", "commit"]);
    assert!(!run.ok);
    assert_eq!(
        run.stderr,
        "[edit]\n  'system'\n    Missing mandatory statement: 'root-authentication'\n\
         error: commit failed: (missing mandatory statements)\n"
    );
    let run = commands(dir.path(), &["show configuration system | display set"]);
    assert!(run.stdout.contains("set system root-authentication encrypted-password"), "{}", run.stdout);
}

#[test]
fn a_commit_survives_kill_9_of_the_agent() {
    let dir = state_dir();
    let peer = free_port();
    let (mut re0, address) = agent(0, "127.0.0.1:0", &peer, dir.path());
    let connect = format!("re0={address}");
    let run = connected(&connect, &["-c", "configure", "-c", "set system host-name durable", "-c", "commit"]);
    assert!(run.stdout.contains("commit complete"), "{}", run.stderr);
    re0.child.kill().unwrap();
    re0.child.wait().unwrap();
    let (_re0, address) = agent(0, "127.0.0.1:0", &peer, dir.path());
    let run = connected(&format!("re0={address}"), &["-c", "show configuration system host-name"]);
    assert_eq!(run.stdout, "host-name durable;\n");
}

#[test]
fn question_mark_in_a_path_lists_the_schema() {
    let dir = state_dir();
    let run = commands(dir.path(), &["configure", "set chassis redundancy ?"]);
    assert!(
        run.stdout.contains("> failover             Failover to other Routing Engine\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("  keepalive-time       Time before Routing Engine failover (seconds)\n"));
    assert!(run.stdout.ends_with("  |                    Pipe through a command\n"));
    let run = commands(dir.path(), &["configure", "set chassis redundancy keepalive-time ?"]);
    assert!(
        run.stdout
            .contains("  <keepalive-time>     Time before Routing Engine failover (seconds) (2..10000)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn configuration_xml_is_well_formed_and_junos_shaped() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set interfaces ge-0/0/0 unit 0 family inet address 10.1.1.1/24",
            "set chassis redundancy routing-engine 0 master",
            "commit",
            "exit",
            "show configuration interfaces ge-0/0/0 | display xml",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    let xml = &run.stdout[run.stdout.find("<rpc-reply").expect("an rpc-reply")..];
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let path: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_element() && n.has_tag_name("name"))
        .map(|n| n.text().unwrap_or(""))
        .collect();
    assert_eq!(path, ["ge-0/0/0", "0", "10.1.1.1/24"]);
    let interface = doc.descendants().find(|n| n.has_tag_name("interface")).unwrap();
    assert_eq!(interface.parent_element().unwrap().tag_name().name(), "interfaces");
    assert_eq!(
        interface.parent_element().unwrap().parent_element().unwrap().tag_name().name(),
        "configuration"
    );
}

#[test]
fn load_merge_takes_the_loaded_values() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system host-name one",
            "commit",
            "show | save one.conf",
            "set system host-name two",
            "set snmp location lab",
            "commit",
            "load merge one.conf",
            "show | compare",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.ends_with("load complete\n[edit system]\n-  host-name two;\n+  host-name one;\n"),
        "{}",
        run.stdout
    );
}

/// Loaded statements join those the candidate has as Junos joins them: a
/// statement of a `choice` replaces the other, and the marks loaded with a
/// statement (`inactive:`, an annotation) are kept, on a new one as on an
/// old one.
#[test]
fn load_merge_replaces_a_choice_and_keeps_the_loaded_marks() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set firewall family inet filter f term t then accept",
            "set interfaces ge-0/0/1 description one",
            "commit",
            "load merge terminal",
            "firewall { family inet { filter f { term t { then discard; } } } }",
            "interfaces {",
            "    inactive: ge-0/0/1 { mtu 9000; }",
            "    /* new one */",
            "    inactive: ge-0/0/2 { description two; }",
            "}",
            "^D",
            "show firewall | display set",
            "show interfaces",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "load complete\n\
             set firewall family inet filter f term t then discard\n\
             inactive: ge-0/0/1 {\n    description one;\n    mtu 9000;\n}\n\
             /* new one */\ninactive: ge-0/0/2 {\n    description two;\n}\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn operational_compare_reads_the_committed_configuration() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system host-name one",
            "commit",
            "set system host-name uncommitted",
            "run show configuration | compare rollback 1",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.ends_with("commit complete\n[edit system]\n+  host-name one;\n"), "{}", run.stdout);
}

#[test]
fn run_passes_its_pipes_to_the_operational_command_once() {
    let dir = state_dir();
    let run = commands(dir.path(), &["configure", "run show version | count"]);
    assert_eq!(run.stdout, "Entering configuration mode\nCount: 12 lines\n");
    let run = commands(dir.path(), &["configure", "run show chassis bogus"]);
    // The caret lines up under the word in the whole line, prompt included.
    assert_eq!(
        run.stderr,
        format!(
            "lab@re0# run show chassis bogus\n{}^\nsyntax error, expecting <command>.\n",
            " ".repeat(9 + 17)
        )
    );
}

#[test]
fn leaving_with_uncommitted_changes_asks_first() {
    let dir = state_dir();
    let run = commands(dir.path(), &["configure", "set snmp location lab", "exit", "configure", "exit"]);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Entering configuration mode\n\
         The configuration has been changed but not committed\n\
         Exit with uncommitted changes? [yes,no] (yes) yes\n\
         Exiting configuration mode\n\
         Entering configuration mode\n\
         The configuration has been changed but not committed\n\
         The configuration has been changed but not committed\n\
         Exit with uncommitted changes? [yes,no] (yes) yes\n\
         Exiting configuration mode\n"
    );
}

#[test]
fn entries_are_renamed_copied_moved_deactivated_and_deleted_by_pattern() {
    let dir = state_dir();
    let file = dir.path().join("edits.txt");
    std::fs::write(
        &file,
        "configure\n\
         load set terminal\n\
         set policy-options policy-statement P term a then accept\n\
         set policy-options policy-statement P term b then reject\n\
         set interfaces ge-0/0/0 unit 0 description core\n\
         ^D\n\
         insert policy-options policy-statement P term b before term a\n\
         rename interfaces ge-0/0/0 unit 0 to unit 10\n\
         copy interfaces ge-0/0/0 to ge-0/0/1\n\
         copy interfaces ge-0/0/0 to xe-0/0/0\n\
         deactivate interfaces ge-0/0/1\n\
         annotate interfaces \"access ports\"\n\
         rename interfaces ge-0/0/0 unit 10 to unit 99999\n\
         show\n\
         wildcard delete interfaces ge-.*\n\
         show interfaces | display set\n",
    )
    .unwrap();
    let run = batch(dir.path(), &["--keep-going", "--yes", "-f", file.to_str().unwrap()]);
    assert!(run.stderr.ends_with("^\nValue 99999 is not within range (0..16385)\n"), "{}", run.stderr);
    let loaded = "Entering configuration mode\n[Type ^D at a new line to end input]\n^Dload complete\n";
    assert!(run.stdout.starts_with(loaded), "{}", run.stdout);
    let expected = "\
/* access ports */
interfaces {
    ge-0/0/0 {
        unit 10 {
            description core;
        }
    }
    inactive: ge-0/0/1 {
        unit 10 {
            description core;
        }
    }
    xe-0/0/0 {
        unit 10 {
            description core;
        }
    }
}
policy-options {
    policy-statement P {
        term b {
            then reject;
        }
        term a {
            then accept;
        }
    }
}
";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    assert!(
        run.stdout.ends_with(
            "  matched: ge-0/0/0\n  matched: ge-0/0/1\nDelete 2 objects? [yes,no] (no) yes\n\
             set interfaces xe-0/0/0 unit 10 description core\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn show_system_rollback_shows_and_compares_old_configurations() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system host-name one",
            "commit",
            "set system host-name two",
            "commit",
            "exit",
            "show system rollback 1 compare 0",
            "show system rollback 1",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!(
                "[edit system]\n-  host-name two;\n+  host-name one;\nversion {};\nsystem {{\n    host-name one;\n",
                reshell::JUNOS_VERSION
            )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_value_that_names_a_definition_completes_with_the_defined_names_and_commit_refuses_another() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system login class noc permissions view",
            "set system login user ann class ?",
            "set policy-options policy-statement out term t then accept",
            "set protocols bgp group peers export ?",
            "set protocols bgp group peers export elsewhere",
            "commit",
        ],
    );
    assert!(run.stdout.contains(
        "  <class>              Login class\n  noc\n  super-user\n  superuser\n  operator\n  read-only\n  unauthorized\n"
    ), "{}", run.stdout);
    assert!(run.stdout.contains("  <export>             Export policy\n  out\n"), "{}", run.stdout);
    assert_eq!(
        run.stderr,
        "[edit protocols bgp group peers]\n  'export'\n    \
         Policy error: Policy elsewhere referenced but not defined\n\
         error: configuration check-out failed\n"
    );
}

#[test]
fn names_in_the_configuration_complete_like_keywords() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set interfaces ge-0/0/0 unit 0 description a",
            "set interfaces xe-1/0/0 unit 5 description b",
            "show interfaces x?",
            "delete interfaces xe-1/0/0 unit ?",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Possible completions:\n  <[Enter]>            Execute this command\n  xe-1/0/0\n")
    );
    assert!(run.stdout.ends_with("  <logical-unit-number>  Logical interface (0..16385)\n  5\n  |                    Pipe through a command\n"), "{}", run.stdout);

    let mut term = common::Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("configure\rset interfaces xe-1/0/0 disable\redit interfaces x\t");
    let at = term.expect_after(at, "lab@re0# edit interfaces xe-1/0/0 ");
    term.type_keys("\r");
    term.expect_after(at, "[edit interfaces xe-1/0/0]");
}

#[test]
fn kill_9_during_commits_leaves_the_old_or_the_new_configuration() {
    let dir = state_dir();
    let peer = free_port();
    let (mut re0, address) = agent(0, "127.0.0.1:0", &peer, dir.path());
    // A configuration big enough that a commit takes a while to write.
    let mut script = String::from("configure\nload set terminal\n");
    for n in 0..4000 {
        script.push_str(&format!(
            "set interfaces ge-{}/0/{} unit 0 description \"port {n}\"\n",
            n / 48,
            n % 48
        ));
    }
    script.push_str("^D\ncommit\n");
    let file = dir.path().join("big.txt");
    std::fs::write(&file, script).unwrap();
    let loaded = connected(&format!("re0={address}"), &["-f", file.to_str().unwrap()]);
    assert!(loaded.stdout.ends_with("commit complete\n"), "{}", loaded.stderr);

    let commit_host = |address: &str, name: &str| {
        let change = format!("set system host-name {name}");
        common::reshell()
            .args(["--connect", &format!("re0={address}")])
            .args(["-c", "configure", "-c", &change, "-c", "commit"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // How long a whole commit takes from the shell's start, to aim the kills.
    let started = std::time::Instant::now();
    let output = commit_host(&address, "timed").wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("commit complete"));
    let whole = started.elapsed();

    let mut address = address;
    let mut committed = String::from("timed");
    for round in 0..10u32 {
        let name = format!("round{round}");
        let commit = commit_host(&address, &name);
        // Kill at a different moment of the commit each round, from well
        // before the end to just after it.
        std::thread::sleep(whole * (50 + round * 7) / 100);
        re0.child.kill().unwrap();
        re0.child.wait().unwrap();
        let output = commit.wait_with_output().unwrap();
        let completed = String::from_utf8_lossy(&output.stdout).contains("commit complete");

        let (restarted, new_address) = agent(0, "127.0.0.1:0", &peer, dir.path());
        (re0, address) = (restarted, new_address);
        let shown =
            connected(&format!("re0={address}"), &["--echo", "-c", "show configuration interfaces | count"]);
        assert!(shown.ok, "{}", shown.stderr);
        let host = shown
            .stdout
            .lines()
            .nth(1)
            .and_then(|l| l.split(['@', '>']).nth(1))
            .unwrap_or_default()
            .to_owned();
        assert!(host == committed || host == name, "round {round}: host {host}, before {committed}");
        assert!(
            !completed || host == name,
            "round {round}: commit complete was printed but {host} is committed"
        );
        assert!(shown.stdout.contains("Count: 20000 lines"), "round {round}: {}", shown.stdout);
        committed = host;
    }
}

#[test]
fn control_characters_are_refused_in_values() {
    let dir = state_dir();
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "set system host-name \"r1\x1b[2J\"",
            "-c",
            "set system location building b\x07",
            "-c",
            "annotate system \"\x1b[31mred\"",
            "-c",
            "commit and-quit",
            "-c",
            "show version | match Hostname",
            "-c",
            // Each with a space, which no password hash holds (`match` ignores case).
            "show configuration system | match \"host-name |building |red \"",
        ],
    );
    let refusals: Vec<&str> =
        run.stderr.lines().filter_map(|l| l.split_once("invalid value")).map(|(_, m)| m).collect();
    assert_eq!(
        refusals,
        [
            ": 'r1\\u{1b}[2J': control characters are not allowed",
            ": 'b\\u{7}': control characters are not allowed",
            ": '\\u{1b}[31mred': control characters are not allowed",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.ends_with("commit complete\nExiting configuration mode\nHostname: re0\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'));
}

/// What `show system commit` and `show system rollback N` say on `connect`:
/// each commit's comment, newest first, and the host name in each rollback.
fn history_and_rollbacks(connect: &str) -> (Vec<String>, Vec<String>) {
    let history = connected_commands(connect, &["show system commit"]);
    assert!(history.ok, "{}", history.stderr);
    let comments = history.stdout.lines().filter_map(|l| l.strip_prefix("    ")).map(str::to_owned).collect();
    let shows: Vec<String> = (0..50).map(|n| format!("show system rollback {n} | match host-name")).collect();
    let shows: Vec<&str> = shows.iter().map(String::as_str).collect();
    let rollbacks = connected_commands(connect, &shows);
    assert!(rollbacks.ok, "{}", rollbacks.stderr);
    (comments, rollbacks.stdout.lines().map(|l| l.trim().to_owned()).collect())
}

#[test]
fn a_commit_cut_short_at_any_step_keeps_history_and_rollbacks_in_step() {
    let dir = state_dir();
    let peer = free_port();
    let state = dir.path().join("re0");
    let (mut re0, address) = agent(0, "127.0.0.1:0", &peer, &state);
    // Fifty commits, so that each further one pushes the oldest out.
    let mut script = vec!["configure".to_owned()];
    for n in 1..=50 {
        script.extend([format!("set system host-name h{n}"), format!("commit comment c{n}")]);
    }
    let script: Vec<&str> = script.iter().map(String::as_str).collect();
    let run = connected_commands(&format!("re0={address}"), &script);
    assert_eq!(run.stdout.matches("commit complete").count(), 50, "{}", run.stderr);
    re0.child.kill().unwrap();
    re0.child.wait().unwrap();

    // The commits there are, oldest first.
    let mut there: Vec<usize> = (1..=50).collect();
    for (n, (step, kept)) in
        [("checkpoint", false), ("history", false), ("pruning", true)].into_iter().enumerate()
    {
        let n = 51 + n;
        let more = ["--fault-injection", "--crash-at", step];
        let (mut crashing, address) = agent_with(0, "127.0.0.1:0", &peer, &state, &more);
        let change = format!("set system host-name h{n}");
        let comment = format!("commit comment c{n}");
        let run = connected_commands(&format!("re0={address}"), &["configure", &change, &comment]);
        assert!(!run.stdout.contains("commit complete"), "{step}: {}", run.stdout);
        assert!(crashing.wait_exit().is_some(), "{step}: the agent did not crash");
        if kept {
            there.push(n);
        }

        let (mut re0, address) = agent(0, "127.0.0.1:0", &peer, &state);
        let (comments, rollbacks) = history_and_rollbacks(&format!("re0={address}"));
        let kept = there.iter().rev().take(50);
        let expected: Vec<String> = kept.clone().map(|k| format!("c{k}")).collect();
        assert_eq!(comments, expected, "{step}");
        let expected: Vec<String> = kept.map(|k| format!("host-name h{k};")).collect();
        assert_eq!(rollbacks, expected, "{step}");
        let left: Vec<_> = std::fs::read_dir(state.join("config"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with('.'))
            .collect();
        assert_eq!(left, Vec::<String>::new(), "{step}: a crash's temporary is left");
        re0.child.kill().unwrap();
        re0.child.wait().unwrap();
    }
}

#[test]
fn the_shared_candidate_survives_kill_9_and_goes_once_committed() {
    let dir = state_dir();
    let peer = free_port();
    let (mut re0, address) = agent(0, "127.0.0.1:0", &peer, dir.path());
    let run =
        connected_commands(&format!("re0={address}"), &["configure", "set system host-name uncommitted"]);
    assert!(run.ok, "{}", run.stderr);
    // Saved within a second, off the path of edits.
    eventually(Duration::from_secs(10), "the candidate saved", || {
        dir.path().join("config/candidate.change").exists()
    });
    re0.child.kill().unwrap();
    re0.child.wait().unwrap();

    let (mut re0, address) = agent(0, "127.0.0.1:0", &peer, dir.path());
    let connect = format!("re0={address}");
    let run = connected_commands(&connect, &["configure", "show | compare"]);
    assert!(run.stdout.contains("The configuration has been changed but not committed\n"), "{}", run.stdout);
    assert!(run.stdout.contains("[edit system]\n+  host-name uncommitted;\n"), "{}", run.stdout);
    // Committed at once after a change not yet saved: after a crash the
    // saved candidate does not come back as changes undoing it.
    let run = connected_commands(&connect, &["configure", "set system domain-name example.net", "commit"]);
    assert!(run.stdout.contains("commit complete"), "{}", run.stderr);
    re0.child.kill().unwrap();
    re0.child.wait().unwrap();

    let (_re0, address) = agent(0, "127.0.0.1:0", &peer, dir.path());
    let run = connected_commands(&format!("re0={address}"), &["configure", "show | compare"]);
    assert_eq!(run.stdout, "Entering configuration mode\n", "{}", run.stderr);
    let run = connected_commands(&format!("re0={address}"), &["show configuration system"]);
    assert!(run.stdout.contains("host-name uncommitted;"), "{}", run.stdout);
    assert!(run.stdout.contains("domain-name example.net;"), "{}", run.stdout);
}

/// The shell's end stops its embedded chassis as `reshell agent` stops at
/// SIGTERM: each RE saves the shared candidate, and nothing is cut off in
/// the middle to say so on standard error.
#[test]
fn the_shared_candidate_outlives_the_embedded_chassis() {
    let dir = state_dir();
    let run = commands(dir.path(), &["configure", "set system host-name uncommitted"]);
    assert_eq!((run.ok, run.stderr.as_str()), (true, ""));
    let run = commands(dir.path(), &["configure", "show | compare"]);
    assert_eq!(
        run.stdout,
        "Entering configuration mode\nThe configuration has been changed but not committed\n\
         [edit system]\n+  host-name uncommitted;\n",
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr, "");
}

/// Every file under `dir`, with its mode.
fn modes(dir: &Path, found: &mut Vec<(String, u32)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        found.push((entry.path().display().to_string(), mode));
        if entry.file_type().unwrap().is_dir() {
            modes(&entry.path(), found);
        }
    }
}

#[test]
fn a_state_dir_of_the_layout_before_opens_and_becomes_private() {
    let dir = state_dir();
    let state = dir.path().join("re0");
    let config = state.join("config");
    std::fs::create_dir_all(&config).unwrap();
    // As the layout before left it, readable by all, with the tests' user.
    let lab = std::fs::read_to_string(common::startup_config()).unwrap();
    let lab = lab.strip_prefix("system {\n").unwrap();
    let old = |name: &str| format!("system {{\n    host-name {name};\n{lab}");
    std::fs::write(config.join("juniper.conf"), old("two")).unwrap();
    std::fs::write(config.join("juniper.conf.1"), old("one")).unwrap();
    std::fs::write(
        config.join("commits"),
        "1700000100\tlab\tcli\t\t\tsecond\n1700000000\troot\tother\t\t\t\n",
    )
    .unwrap();
    for path in [&state, &config] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    let peer = free_port();
    let (_re0, address) = agent(0, "127.0.0.1:0", &peer, &state);
    let connect = format!("re0={address}");
    let run = connected_commands(
        &connect,
        &[
            "show system commit",
            "show system rollback 1 | match host-name",
            "configure",
            "set system domain-name example.net",
            "commit",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.contains(" by lab via cli\n    second\n1 "), "{}", run.stdout);
    assert!(run.stdout.contains("    host-name one;\n"), "{}", run.stdout);
    let run = connected_commands(&connect, &["show configuration system host-name"]);
    assert_eq!(run.stdout, "host-name two;\n");

    let mut found = Vec::new();
    modes(&state, &mut found);
    assert!(found.len() > 5, "{found:?}");
    let readable: Vec<_> = found.iter().filter(|(_, mode)| mode & 0o077 != 0).collect();
    assert!(readable.is_empty(), "readable by others: {readable:?}");
    assert_eq!(std::fs::metadata(&state).unwrap().permissions().mode() & 0o777, 0o700);
}
