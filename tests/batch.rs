//! The shell in batch mode on its embedded two-RE chassis: what a script sees.

mod common;

use common::{batch, commands, embedded, shape};
use std::io::Write;
use std::process::Stdio;

fn state_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The field labels of `show chassis routing-engine`, in the order shown:
/// labels fit in the first 26 columns, values start after them.
fn labels(text: &str) -> Vec<&str> {
    text.lines().map(|l| l.get(..26).unwrap_or(l).trim()).filter(|l| !l.is_empty()).collect()
}

#[test]
fn routing_engine_status_shows_master_and_backup_in_reference_order() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show chassis routing-engine"]);
    assert!(run.ok, "{}", run.stderr);
    let out = &run.stdout;
    let slot0 = out.find("  Slot 0:").expect("Slot 0");
    let slot1 = out.find("  Slot 1:").expect("Slot 1");
    assert!(slot0 < slot1);
    let (re0, re1) = out.split_at(slot1);
    assert!(re0.contains("    Current state                  Master\n"), "{re0}");
    assert!(re0.contains("    Election priority              Master (default)\n"));
    assert!(re1.contains("    Current state                  Backup\n"), "{re1}");
    assert!(re1.contains("    Election priority              Backup (default)\n"));

    let order = [
        "Current state",
        "Election priority",
        "Temperature",
        "CPU temperature",
        "DRAM",
        "Memory utilization",
        "5 sec CPU utilization:",
        "User",
        "Background",
        "Kernel",
        "Interrupt",
        "Idle",
        "Model",
        "Serial ID",
        "Start time",
        "Uptime",
        "Last reboot reason",
        "Load averages:",
    ];
    let mut at = 0;
    for label in order {
        let found =
            re1[at..].find(&format!("    {label}")).unwrap_or_else(|| panic!("{label} after {at}:\n{re1}"));
        at += found + label.len();
    }
    // The master also averages over 1, 5 and 15 minutes.
    for block in ["1 min CPU utilization:", "5 min CPU utilization:", "15 min CPU utilization:"] {
        assert!(re0.contains(block), "{block}");
    }
    let start = re0.lines().find(|l| l.starts_with("    Start time")).unwrap()[35..].to_owned();
    assert!(chrono::NaiveDateTime::parse_from_str(&start, "%Y-%m-%d %H:%M:%S UTC").is_ok(), "{start}");
    assert!(re0.contains("    Temperature                 39 degrees C / 102 degrees F\n"));
    assert!(re0.contains("    Load averages:                 1 minute   5 minute  15 minute\n"));
}

#[test]
fn abbreviated_commands_run_the_same_command() {
    let dir = state_dir();
    let full = commands(dir.path(), &["show chassis routing-engine"]);
    let short = commands(dir.path(), &["sh chas rout"]);
    assert!(short.ok, "{}", short.stderr);
    assert_eq!(shape(&full.stdout), shape(&short.stdout));
    assert_eq!(labels(&full.stdout), labels(&short.stdout));
    let one = commands(dir.path(), &["show chassis routing-engine 1"]);
    assert!(one.stdout.contains("  Slot 1:") && !one.stdout.contains("  Slot 0:"), "{}", one.stdout);
}

#[test]
fn hardware_is_listed_on_the_master_and_refused_on_the_backup() {
    let dir = state_dir();
    let master = commands(dir.path(), &["show chassis hardware"]);
    assert!(master.ok);
    assert!(master.stdout.starts_with(
        "Hardware inventory:\nItem             Version  Part number  Serial number     Description\n"
    ));
    assert!(master.stdout.contains("\nRouting Engine 0 REV 10   740-031116   "));
    assert!(master.stdout.contains("\nRouting Engine 1 REV 10   740-031116   "));

    let backup =
        commands(dir.path(), &["request routing-engine login other-routing-engine", "show chassis hardware"]);
    assert!(!backup.ok);
    assert_eq!(
        backup.stderr,
        "error: Aborted! This command can only be used on the master routing engine.\n"
    );
}

#[test]
fn syntax_errors_echo_the_line_and_put_the_caret_under_the_bad_word() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show chassis foo", "show version"]);
    assert!(!run.ok);
    assert_eq!(run.stdout, "", "the run stops at the first failure");
    assert_eq!(
        run.stderr,
        "lab@re0> show chassis foo\n                      ^\nsyntax error, expecting <command>.\n"
    );

    let run = commands(dir.path(), &["dis"]);
    assert_eq!(run.stderr, "lab@re0> dis\n         ^\nunknown command.\n");
    let run = commands(dir.path(), &["show chassis routing-engine 7"]);
    assert_eq!(
        run.stderr,
        "lab@re0> show chassis routing-engine 7\n                                     ^\nValue 7 is not within range (0..1)\n"
    );
}

#[test]
fn an_ambiguous_word_lists_what_it_could_be() {
    let dir = state_dir();
    let run = commands(dir.path(), &["request routing-engine login re"]);
    assert!(!run.ok);
    assert_eq!(
        run.stderr,
        "lab@re0> request routing-engine login re\n\
        \x20                                       ^\n\
         're' is ambiguous.\n\
         Possible completions:\n\
        \x20 re0                  Log in to Routing Engine 0\n\
        \x20 re1                  Log in to Routing Engine 1\n"
    );
}

#[test]
fn question_mark_lists_possible_completions() {
    let dir = state_dir();
    let run = commands(dir.path(), &["show log ?"]);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Possible completions:\n\
        \x20 <filename>           Name of log file in /var/log\n\
        \x20 mastership           Routing Engine mastership log\n"
    );
    let run = commands(dir.path(), &["show chassis routing-engine ?"]);
    assert_eq!(
        run.stdout,
        "Possible completions:\n\
        \x20 <[Enter]>            Execute this command\n\
        \x20 <slot>               Routing Engine slot number (0..1)\n\
        \x20 |                    Pipe through a command\n"
    );
    let run = commands(dir.path(), &["sh ch?"]);
    assert!(run.stdout.contains("  chassis "), "{}", run.stdout);
}

#[test]
fn help_lists_commands_and_finds_them_by_topic() {
    let dir = state_dir();
    let run = commands(dir.path(), &["help"]);
    assert!(run.stdout.starts_with("Possible completions:\n"));
    assert!(run.stdout.contains("  show                 Show system information\n"));
    let run = commands(dir.path(), &["help apropos hardware"]);
    assert_eq!(
        run.stdout,
        "Possible completions:\n  show chassis hardware  Show installed hardware components\n"
    );
}

#[test]
fn login_moves_the_session_and_exit_returns() {
    let dir = state_dir();
    let run = batch(
        dir.path(),
        &[
            "--echo",
            "-c",
            "show version",
            "-c",
            "request routing-engine login other-routing-engine",
            "-c",
            "show version",
            "-c",
            "exit",
            "-c",
            "show version",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    let out = run.stdout;
    assert!(
        out.starts_with("{master}\nlab@re0> show version\nHostname: re0\nModel: mx480\nJunos: "),
        "{out}"
    );
    assert!(out.contains(
        "{master}\nlab@re0> request routing-engine login other-routing-engine\n\n--- JUNOS 23.4R2.13 Kernel 64-bit\n"
    ));
    assert!(out.contains("{backup}\nlab@re1> show version\nHostname: re1\n"), "{out}");
    assert!(
        out.contains(
            "{backup}\nlab@re1> exit\nrlogin: connection closed\n\n{master}\nlab@re0> show version\n"
        )
    );
}

#[test]
fn login_to_the_same_routing_engine_is_refused() {
    let dir = state_dir();
    let run = commands(dir.path(), &["request routing-engine login re0"]);
    assert!(!run.ok);
    assert_eq!(run.stderr, "error: already logged in to re0\n");
    let run = commands(dir.path(), &["request routing-engine login re1", "show version"]);
    assert!(run.stdout.contains("Hostname: re1\n"), "{}", run.stdout);
}

#[test]
fn keep_going_runs_every_command_and_still_fails() {
    let dir = state_dir();
    let run = batch(dir.path(), &["--keep-going", "-c", "show foo", "-c", "show version"]);
    assert!(!run.ok);
    assert!(run.stdout.starts_with("Hostname: re0\n"));
    assert!(run.stderr.contains("syntax error, expecting <command>."));
}

#[test]
fn a_file_of_commands_skips_blank_lines_and_comments() {
    let dir = state_dir();
    let file = dir.path().join("commands.txt");
    std::fs::write(
        &file,
        "# inventory check\n\nshow version\n   \n  # indented comment\nshow chassis hardware\n",
    )
    .unwrap();
    let run = batch(dir.path(), &["-f", file.to_str().unwrap()]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.starts_with("Hostname: re0\n"));
    assert!(run.stdout.contains("Hardware inventory:\n"));

    let missing = batch(dir.path(), &["-f", "/nonexistent/commands"]);
    assert!(!missing.ok);
    assert!(missing.stderr.contains("cannot read /nonexistent/commands"), "{}", missing.stderr);
}

/// Runs the embedded chassis with `script` on standard input.
fn on_stdin(dir: &std::path::Path, script: &str) -> std::process::Output {
    let mut child =
        embedded(dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn commands_on_standard_input_run_in_order() {
    let dir = state_dir();
    let out = on_stdin(dir.path(), "show version\nshow chassis routing-engine 0\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let version = stdout.find("Hostname: re0").unwrap();
    let status = stdout.find("Routing Engine status:").unwrap();
    assert!(version < status);
}

/// Terminal input on standard input ends at a line of `^D` or of the
/// control character itself, as a script playing a terminal writes it; the
/// commands after it run.
#[test]
fn terminal_input_ends_at_the_control_character_too() {
    let dir = state_dir();
    let script = "configure\nload set terminal\nset system host-name typed\n\u{4}\nshow system host-name\n";
    let out = on_stdin(dir.path(), script);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = "Entering configuration mode\n[Type ^D at a new line to end input]\n^Dload complete\n\
                    host-name typed;\n";
    assert!(stdout.starts_with(expected), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_user_flag_names_the_prompt_user() {
    let dir = state_dir();
    let run = batch(dir.path(), &["--user", "ops", "-c", "show bogus"]);
    assert!(run.stderr.starts_with("ops@re0> show bogus\n"), "{}", run.stderr);
}

#[test]
fn a_stretch_of_edits_stops_at_the_first_refused_one_and_names_its_line() {
    let dir = state_dir();
    let file = dir.path().join("edits.txt");
    std::fs::write(
        &file,
        "configure\nset system location building b1\ndelete system location floor\n\
         rename interfaces ge-0/0/9 to ge-0/0/8\nset system location floor 3\nshow system location\n",
    )
    .unwrap();
    let run = batch(dir.path(), &["-f", file.to_str().unwrap()]);
    assert!(!run.ok);
    // The delete's warning, then the rename's refusal; nothing after it runs.
    assert_eq!(run.stdout, "Entering configuration mode\nwarning: statement not found\n", "{}", run.stderr);
    assert_eq!(run.stderr, "error: statement not found\n");

    let run = batch(dir.path(), &["--keep-going", "--echo", "-f", file.to_str().unwrap()]);
    assert!(!run.ok);
    // Each edit's transcript and warning in its place, the later ones applied.
    let warning = run.stdout.find("warning: statement not found\n").expect(&run.stdout);
    let rename = run.stdout.find("# rename interfaces").expect(&run.stdout);
    let shown = run.stdout.find("building b1;\nfloor 3;\n").expect(&run.stdout);
    assert!(run.stdout.find("# delete system location floor\n").unwrap() < warning, "{}", run.stdout);
    assert!(warning < rename && rename < shown, "{}", run.stdout);
}
