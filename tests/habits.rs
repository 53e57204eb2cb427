//! Terminal habits: `| refresh`, the pager's keys, `set cli prompt`, `show
//! cli history`, `monitor`, `request message`, as an operator sees them.

mod common;

use common::{Process, Terminal, commands, connected_commands, shell, two_agents};

/// The last line of `show cli history 1`, which ends what is sent below.
const MARK: &str = " -- show cli history 1";

/// Sends `commands` to a batch shell and returns the lines printed before
/// the first line holding `last`.
fn run_until(shell: &mut Process, commands: &str, last: &str) -> Vec<String> {
    shell.send(commands);
    let mut before = Vec::new();
    loop {
        let line = shell.next_line();
        if line.contains(last) {
            return before;
        }
        before.push(line);
    }
}

#[test]
fn refresh_repeats_the_command_each_second_until_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let mut term = Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("show system uptime | refresh 1\r");
    let first = term.expect_after(at, "---(refreshed at ");
    let at = term.expect_after(first, "Current time:");
    let second = term.expect_after(at, "---(refreshed at ");
    term.expect_after(second, "Current time:");
    term.type_keys("\x03");
    let at = term.expect_after(second, "lab@re0> ");
    term.type_keys("show cli history\r");
    let at = term.expect_after(at, " -- show system uptime | refresh 1\r\n");
    term.expect_after(at, " -- show cli history\r\n");
    assert_eq!(term.screen.matches(" -- show system uptime").count(), 1, "the refreshes are not history");
}

#[test]
fn the_pager_searches_with_slash_and_lists_its_keys_with_h() {
    let dir = tempfile::tempdir().unwrap();
    let mut term = Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("set cli screen-length 10\rshow chassis hardware\r");
    let at = term.expect_after(at, "---(more ");
    term.type_keys("/fpc\r");
    let at = term.expect_after(at, "/fpc");
    let page = term.expect_after(at, "---(more");
    let shown = term.screen[at..page].to_owned();
    assert!(
        shown.trim_start_matches(['\r', '\n', ' ']).starts_with("FPC 0 "),
        "the page starts at the match: {shown:?}"
    );
    term.type_keys("n");
    let at = term.expect_after(page, "\rFPC 1 ");
    let page = term.expect_after(at, "---(more");
    assert!(!term.screen[at..page].contains("FPC 0"));
    term.type_keys("N");
    let at = term.expect_after(page, "\rFPC 0 ");
    let page = term.expect_after(at, "---(more");
    term.type_keys("h");
    let at = term.expect_after(page, "SUMMARY OF MORE COMMANDS");
    let at = term.expect_after(at, "Search forward for the string.");
    term.type_keys("g");
    let at = term.expect_after(at, "Hardware inventory:");
    term.type_keys("q");
    term.expect_after(at, "lab@re0> ");
}

#[test]
fn set_cli_prompt_replaces_the_prompt_and_history_lists_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &["set cli prompt \"lab-router> \"", "show version", "show cli history 2", "show cli history"],
    );
    assert!(run.ok, "{}", run.stderr);
    let history: Vec<&str> = run.stdout.lines().filter(|l| l.contains(" -- ")).collect();
    assert_eq!(history.len(), 2 + 4, "{}", run.stdout);
    assert!(history[0].ends_with(" -- show version") && history[1].ends_with(" -- show cli history 2"));
    assert!(history[2].ends_with(" -- set cli prompt \"lab-router> \""));
    let stamp = &history[0][..8];
    assert!(stamp.chars().all(|c| c.is_ascii_digit() || c == ':') && stamp.len() == 8, "{stamp}");

    let echoed = common::embedded(dir.path())
        .args(["--echo", "-c", "set cli prompt \"lab-router> \"", "-c", "show cli history 1"])
        .output()
        .unwrap();
    let echoed = String::from_utf8_lossy(&echoed.stdout);
    assert!(echoed.contains("\nlab-router> show cli history 1\n"), "{echoed}");
}

#[test]
fn a_message_reaches_the_other_session_before_its_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut receiver = shell(&spec);
    run_until(&mut receiver, "show cli history 1", MARK);
    let sent = connected_commands(&spec, &["request message all message \"maintenance at noon\""]);
    assert!(sent.ok, "{}", sent.stderr);
    let shown = run_until(&mut receiver, "show cli history 1", "EOF").join("\n");
    assert!(shown.contains("Message from lab@re0 on no tty at "), "{shown}");
    assert!(shown.ends_with("maintenance at noon"), "{shown}");

    let nobody = connected_commands(&spec, &["request message user nobody message \"hello\""]);
    assert_eq!(nobody.stderr, "error: user nobody is not logged in\n");
}

#[test]
fn monitor_start_shows_new_log_lines_until_monitor_stop() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut watcher = shell(&spec);
    let listed = run_until(&mut watcher, "monitor start messages\nmonitor list\nshow cli history 1", MARK);
    assert!(listed.iter().any(|l| l.starts_with("monitor start \"messages\" (Last changed ")), "{listed:?}");
    let restarted = connected_commands(&spec, &["restart routing gracefully"]);
    assert!(restarted.ok, "{}", restarted.stderr);
    let mut seen = Vec::new();
    common::eventually(std::time::Duration::from_secs(10), "the new log line is shown", || {
        seen.extend(run_until(&mut watcher, "show cli history 1", MARK));
        seen.iter().any(|l| l.contains(" init: routing (PID "))
    });
    let banner = seen.iter().position(|l| l == "*** messages ***").expect("the file's name above its lines");
    assert!(seen[banner + 1..].iter().any(|l| l.contains(" init: routing (PID ")), "{seen:?}");

    let listed = run_until(&mut watcher, "monitor stop\nmonitor list\nshow cli history 1", MARK);
    assert!(listed.is_empty(), "{listed:?}");
}
