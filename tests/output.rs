//! The output pipeline: pipes, structured views, CLI settings and the pager.

mod common;

use common::{Terminal, commands};

fn state_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn match_count_and_except_agree() {
    let dir = state_dir();
    let count = |command: &str| -> usize {
        let run = commands(dir.path(), &[&format!("{command} | count")]);
        let n = run.stdout.strip_prefix("Count: ").and_then(|r| r.strip_suffix(" lines\n"));
        n.unwrap_or_else(|| panic!("{}", run.stdout)).parse().unwrap()
    };
    let run = commands(dir.path(), &["show chassis routing-engine | match \"Current state\""]);
    assert_eq!(
        run.stdout,
        "    Current state                  Master\n    Current state                  Backup\n"
    );
    let total = count("show chassis routing-engine");
    let all = commands(dir.path(), &["show chassis routing-engine"]);
    assert_eq!(total, all.stdout.lines().count());
    assert_eq!(count("show chassis routing-engine | match Slot"), 2);
    assert_eq!(count("show chassis routing-engine | except Slot"), total - 2);
}

#[test]
fn last_find_trim_and_alternation() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show version | last 3"]);
    assert_eq!(run.stdout.lines().count(), 3);
    assert!(run.stdout.starts_with("JUNOS Redistributions ["), "{}", run.stdout);
    let run = commands(dir.path(), &["show chassis routing-engine | find \"Slot 1\" | match state"]);
    assert_eq!(run.stdout, "    Current state                  Backup\n");
    let run = commands(dir.path(), &["show version | match \"^Hostname|^Model\" | trim 4"]);
    assert_eq!(run.stdout, "name: re0\nl: mx480\n");
}

#[test]
fn display_xml_is_a_junos_rpc_reply() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show chassis routing-engine | display xml"]);
    assert!(run.ok, "{}", run.stderr);
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "rpc-reply");
    let info = root.children().find(|n| n.has_tag_name("route-engine-information")).unwrap();
    let engines: Vec<(String, String)> = info
        .children()
        .filter(|n| n.has_tag_name("route-engine"))
        .map(|re| {
            let text =
                |name: &str| re.children().find(|n| n.has_tag_name(name)).unwrap().text().unwrap().to_owned();
            let names: Vec<&str> =
                re.children().filter(|n| n.is_element()).map(|n| n.tag_name().name()).collect();
            assert_eq!(names[..3], ["slot", "mastership-state", "mastership-priority"]);
            (text("slot"), text("mastership-state"))
        })
        .collect();
    assert_eq!(engines, [("0".into(), "master".into()), ("1".into(), "backup".into())]);
    let temperature = doc.descendants().find(|n| n.has_tag_name("temperature")).unwrap();
    assert_eq!(
        temperature.attribute(("http://xml.juniper.net/junos/23.4R2.13/junos", "celsius")),
        Some("39")
    );
    let banner = doc.descendants().find(|n| n.has_tag_name("banner")).unwrap();
    assert_eq!(banner.text(), Some("{master}"));
}

#[test]
fn display_json_carries_the_same_data() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show chassis routing-engine | display json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let engines = json["route-engine-information"][0]["route-engine"].as_array().unwrap();
    let data = |re: &serde_json::Value, name: &str| re[name][0]["data"].as_str().unwrap().to_owned();
    assert_eq!(engines.len(), 2);
    assert_eq!(
        (data(&engines[0], "slot"), data(&engines[0], "mastership-state")),
        ("0".into(), "master".into())
    );
    assert_eq!(
        (data(&engines[1], "slot"), data(&engines[1], "mastership-state")),
        ("1".into(), "backup".into())
    );
    assert_eq!(engines[0]["temperature"][0]["attributes"]["junos:celsius"], "39");
}

#[test]
fn every_command_has_structured_views() {
    let dir = state_dir();
    for command in ["show version", "show chassis hardware", "show system uptime", "show cli", "file list"] {
        let run = commands(dir.path(), &[&format!("{command} | display xml")]);
        assert!(roxmltree::Document::parse(&run.stdout).is_ok(), "{command}: {}", run.stdout);
        let run = commands(dir.path(), &[&format!("{command} | display json")]);
        assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_ok(), "{command}: {}", run.stdout);
    }
}

#[test]
fn cli_settings_answer_and_show_in_show_cli() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &[
            "set cli screen-length 0",
            "set cli screen-width 511",
            "set cli complete-on-space off",
            "set cli idle-timeout 30",
            "show cli",
            "set cli complete-on-space on",
            "set cli idle-timeout 0",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Screen length set to 0\nScreen width set to 511\nDisabling complete-on-space\n\
         Idle timeout set to 30 minutes\n\
         CLI complete-on-space set to off\nCLI idle-timeout set to 30 minutes\nCLI screen-length set to 0\n\
         CLI screen-width set to 511\nCLI timestamp disabled\n\
         Enabling complete-on-space\nIdle timeout disabled\n"
    );
}

#[test]
fn timestamp_and_screen_width_shape_the_output() {
    let dir = state_dir();
    let run = commands(dir.path(), &["set cli timestamp", "show version | match Hostname"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    // The stamp goes before each command's output from then on, the setting's own included.
    let stamp = |line: &str| chrono::NaiveTime::parse_from_str(&line[7..], "%H:%M:%S").is_ok();
    assert!(stamp(lines[0]), "{}", lines[0]);
    assert_eq!(lines[1], "CLI timestamp set to: %b %d %T");
    assert!(stamp(lines[2]), "{}", lines[2]);
    assert_eq!(lines[3], "Hostname: re0");
    let run = commands(dir.path(), &["set cli screen-width 40", "show version | match Kernel"]);
    assert_eq!(
        run.stdout,
        "Screen width set to 40\nJUNOS OS Kernel 64-bit  [20240612.5f6d4b\n1_builder_stable_13]\n"
    );
}

#[test]
fn save_writes_into_the_routing_engines_file_area() {
    let dir = state_dir();
    let run = commands(
        dir.path(),
        &["show chassis routing-engine | match state | save states.txt", "file list", "file show states.txt"],
    );
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Wrote 2 lines of output to 'states.txt'\n/var/home/lab/:\nstates.txt\n\
         \x20   Current state                  Master\n    Current state                  Backup\n"
    );
    let saved = std::fs::read_to_string(dir.path().join("re0/files/var/home/lab/states.txt")).unwrap();
    assert_eq!(saved.lines().count(), 2);
    let run = commands(dir.path(), &["file show ../../../../etc/passwd"]);
    assert!(!run.ok);
    assert_eq!(run.stderr, "error: invalid path '../../../../etc/passwd'\n");
}

#[test]
fn bad_pipes_get_caret_errors_and_change_nothing() {
    let dir = state_dir();
    // The prompt `lab@re0> ` is 9 columns wide; carets count from its start.
    let caret = |column: usize| format!("{}^\n", " ".repeat(column));
    let run = commands(dir.path(), &["show version | bogus"]);
    assert_eq!(
        run.stderr,
        format!("lab@re0> show version | bogus\n{}syntax error, expecting <command>.\n", caret(24))
    );
    let run = commands(dir.path(), &["show version | match"]);
    assert_eq!(run.stderr, format!("lab@re0> show version | match\n{}missing argument.\n", caret(30)));
    let run = commands(dir.path(), &["show version | last x"]);
    assert_eq!(
        run.stderr,
        format!("lab@re0> show version | last x\n{}invalid numeric value: 'x'\n", caret(29))
    );
    let run = commands(dir.path(), &["show version | save x.txt | bogus", "file list"]);
    assert!(!run.ok);
    assert_eq!(run.stdout, "");
    let run = commands(dir.path(), &["file list"]);
    assert_eq!(run.stdout, "/var/home/lab/:\n", "a failed line saved nothing");
}

#[test]
fn question_mark_after_a_pipe_lists_the_pipe_commands() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show version | ?"]);
    assert!(run.stdout.starts_with("Possible completions:\n"));
    assert!(run.stdout.contains("\n  count                Count occurrences\n"));
    assert!(run.stdout.contains("  match                Show only text that matches a pattern\n"));
    let run = commands(dir.path(), &["show version ?"]);
    assert_eq!(
        run.stdout,
        "Possible completions:\n  <[Enter]>            Execute this command\n  \
         invoke-on            Invoke command on other Routing Engines\n  |                    Pipe through a command\n"
    );
}

#[test]
fn uptime_counts_the_sessions_logged_in() {
    let dir = state_dir();
    let (_re0, _re1, connect) = common::two_agents(dir.path());
    // A shell reading commands from a pipe stays logged in until the pipe closes.
    let mut held = common::Process::spawn(
        common::reshell().args(["--connect", &connect]).stdin(std::process::Stdio::piped()),
    );
    let mut input = held.child.stdin.take().unwrap();
    std::io::Write::write_all(&mut input, b"show version | match Hostname\n").unwrap();
    assert_eq!(held.next_line(), "Hostname: re0");
    let uptime = |connect: &str| -> String {
        let run = common::connected(connect, &["-c", "show system uptime"]);
        assert!(run.ok, "{}", run.stderr);
        run.stdout
    };
    let text = uptime(&connect);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Current time: "));
    assert_eq!(lines[1], "Time Source:  LOCAL CLOCK");
    assert!(lines[2].starts_with("System booted: ") && lines[2].ends_with(" ago)"));
    assert!(lines[3].starts_with("Protocols started: "));
    assert!(lines[4].starts_with("Last configured: "));
    assert!(lines[5].contains("  up ") && lines[5].contains(", 2 users, load averages: "), "{}", lines[5]);
    drop(input);
    assert!(held.wait_exit().is_some());
    assert!(uptime(&connect).contains(", 1 user, "));
}

#[test]
fn long_output_stops_at_the_pager_and_q_returns_to_the_prompt() {
    let dir = state_dir();
    let mut term = Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("set cli screen-length 10\r");
    let at = term.expect_after(at, "Screen length set to 10");
    term.type_keys("show chassis hardware\r");
    let at = term.expect_after(at, "---(more 14%)---");
    term.type_keys(" ");
    let at = term.expect_after(at, "\r                                        \rPEM 2");
    let at = term.expect_after(at, "---(more 29%)---");
    term.type_keys("\r");
    let at = term.expect_after(at, "---(more 30%)---");
    term.type_keys("q");
    let at = term.expect_after(at, "lab@re0> ");
    assert!(!term.screen[at..].contains("Fan Tray"));
    term.type_keys("show chassis hardware | no-more\r");
    let at = term.expect_after(at, "Fan Tray 0");
    assert!(!term.screen[at - 2000..at].contains("---(more"));
    term.type_keys("set cli screen-length 0\rshow chassis hardware\r");
    let at = term.expect_after(at, "Screen length set to 0");
    let end = term.expect_after(at, "Fan Tray 0");
    assert!(!term.screen[at..end].contains("---(more"));
}
