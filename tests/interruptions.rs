//! The operator's terminal when something interrupts: Ctrl-C at a question,
//! in a load, in the pager and during a command; messages from other
//! sessions; the RE the session is on going away. Driven through a
//! pseudo-terminal, asserting what the operator sees.

mod common;

use common::{Terminal, connected_commands, fault, two_agents, two_agents_with};

fn state_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The address of `slot` in `re0=..,re1=..`.
fn address(spec: &str, slot: &str) -> String {
    spec.split(',').find_map(|part| part.strip_prefix(&format!("{slot}="))).unwrap().to_owned()
}

#[test]
fn ctrl_c_abandons_the_question_the_load_and_the_page_and_the_embedded_chassis_lives_on() {
    let dir = state_dir();
    let mut term = Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");

    term.type_keys("request system halt\r");
    let at = term.expect_after(at, "Halt the system ? [yes,no] (no) ");
    term.type_keys("\x03");
    let at = term.expect_after(at, "\n{master}");
    let at = term.expect_after(at, "lab@re0> ");
    assert!(!term.screen[at..].contains("Shutdown NOW"));

    term.type_keys("configure\rload merge terminal\r");
    let at = term.expect_after(at, "[Type ^D at a new line to end input]");
    term.type_keys("system { host-name aborted; }\r");
    let at = term.expect_after(at, "host-name aborted; }");
    term.type_keys("\x03");
    let at = term.expect_after(at, "lab@re0# ");
    term.type_keys("show | compare\r");
    let from = term.expect_after(at, "show | compare");
    let at = term.expect_after(from, "lab@re0# ");
    assert!(!term.screen[from..at].contains("aborted"), "{}", &term.screen[from..]);
    term.type_keys("exit\r");
    let at = term.expect_after(at, "lab@re0> ");

    term.type_keys("set cli screen-length 5\rshow chassis hardware\r");
    let at = term.expect_after(at, "---(more");
    term.type_keys("\x03");
    let at = term.expect_after(at, "lab@re0> ");
    term.type_keys("set cli screen-length 0\rshow chassis routing-engine\r");
    let at = term.expect_after(at, "Slot 0:");
    term.expect_after(at, "Slot 1:");
}

#[test]
fn ctrl_c_stops_a_command_that_waits_and_quit_and_suspend_keys_do_nothing() {
    let dir = state_dir();
    let (_re0, _re1, spec) = two_agents_with(dir.path(), &["--fault-injection"]);
    let mut term = Terminal::start_with(dir.path(), &["--connect", &spec]);
    let at = term.expect_after(0, "lab@re0> ");
    // RE0's messages to RE1 are held back a minute: a release waits on them.
    assert!(fault(&address(&spec, "re0"), &["delay", "60000"]).1);
    term.type_keys("request chassis routing-engine master release no-confirm\r");
    // The line editor leaves bracketed-paste mode as its read ends: the
    // command runs from then on.
    let at = term.expect_after(at, "no-confirm\x1b[?2004l");
    // Ctrl-\ and Ctrl-Z while the command runs neither quit nor stop the shell.
    term.type_keys("\x1c\x1a\x03");
    let at = term.expect_after(at, "^C");
    let at = term.expect_after(at, "lab@re0> ");
    term.type_keys("show version\r");
    let at = term.expect_after(at, "Hostname: re0");
    term.expect_after(at, "lab@re0> ");
}

#[test]
fn other_sessions_messages_show_at_once_and_a_lost_re_returns_the_session_to_the_one_before() {
    let dir = state_dir();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let mut term = Terminal::start_with(dir.path(), &["--connect", &spec]);
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("request routing-engine login other-routing-engine\r");
    let at = term.expect_after(at, "{backup}");
    let at = term.expect_after(at, "lab@re1> ");
    term.type_keys("sho");
    let at = term.expect_after(at, "sho");

    // Another session halts RE1: its message, and the way back, appear
    // without a key pressed.
    let halted = connected_commands(&format!("re1={}", address(&spec, "re1")), &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    let at = term.expect_after(at, "*** FINAL System shutdown message from lab@re1 ***");
    let at = term.expect_after(at, "rlogin: connection closed");
    let at = term.expect_after(at, "{master}");
    // The next key goes on with what was typed, at RE0's prompt.
    term.type_keys("w");
    let at = term.expect_after(at, "lab@re0> show");
    term.type_keys(" version\r");
    let at = term.expect_after(at, "Hostname: re0");
    let at = term.expect_after(at, "lab@re0> ");

    // RE0 halted from elsewhere: there is no RE to go back to.
    let halted = connected_commands(&format!("re0={}", address(&spec, "re0")), &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    let at = term.expect_after(at, "*** FINAL System shutdown message from lab@re0 ***");
    term.expect_after(at, "Connection to re0 closed by the Routing Engine.");
    assert!(term.wait_exit().is_some(), "the shell ended");
}

#[test]
fn halting_the_re_logged_in_to_returns_to_the_one_logged_in_from() {
    let dir = state_dir();
    let mut term = Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("request routing-engine login other-routing-engine\r");
    let at = term.expect_after(at, "lab@re1> ");
    term.type_keys("request system halt\r");
    let at = term.expect_after(at, "Halt the system ? [yes,no] (no) ");
    term.type_keys("yes\r");
    let at = term.expect_after(at, "Shutdown NOW!");
    let at = term.expect_after(at, "*** FINAL System shutdown message from lab@re1 ***");
    let at = term.expect_after(at, "rlogin: connection closed");
    let at = term.expect_after(at, "{master}");
    let at = term.expect_after(at, "lab@re0> ");
    assert!(!term.screen[at..].contains("re1>"));
    term.type_keys("show chassis routing-engine | no-more\r");
    let at = term.expect_after(at, "Slot 0:");
    term.expect_after(at, "lab@re0> ");
}

#[test]
fn the_cli_over_ssh_shows_messages_while_a_line_is_typed() {
    let dir = state_dir();
    let re1_port = common::free_port();
    let (_re0, s0) = common::agent_serving(0, "127.0.0.1:0", &re1_port, &dir.path().join("re0"), &[]);
    let (_re1, s1) = common::agent_serving(1, &re1_port, &s0.grpc, &dir.path().join("re1"), &[]);
    let configured = connected_commands(
        &format!("re0={},re1={}", s0.grpc, s1.grpc),
        &["configure", "set system services ssh", "commit synchronize and-quit"],
    );
    assert!(configured.stdout.contains("commit complete"), "{}", configured.stderr);
    let ssh = common::ssh::Ssh::new(dir.path());
    let mut term = ssh.open(&s0.ssh, common::ssh::Program::Shell).unwrap();
    let at = term.expect_after(0, "lab@re0> ");
    term.send(b"request routing-engine login other-routing-engine\r");
    let at = term.expect_after(at, "lab@re1> ");
    term.send(b"sho");
    let at = term.expect_after(at, "sho");
    let halted = connected_commands(&format!("re1={}", s1.grpc), &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    let at = term.expect_after(at, "*** FINAL System shutdown message from lab@re1 ***");
    let at = term.expect_after(at, "rlogin: connection closed");
    let at = term.expect_after(at, "{master}");
    let at = term.expect_after(at, "lab@re0> sho");
    term.send(b"w version\r");
    term.expect_after(at, "Hostname: re0");
}

#[test]
fn at_the_console_of_the_embedded_chassis_halting_its_re_moves_the_session_to_the_other() {
    let dir = state_dir();
    let mut term = Terminal::start(dir.path());
    let at = term.expect_after(0, "lab@re0> ");
    term.type_keys("request system halt\r");
    let at = term.expect_after(at, "Halt the system ? [yes,no] (no) ");
    term.type_keys("yes\r");
    let at = term.expect_after(at, "*** FINAL System shutdown message from lab@re0 ***");
    let at = term.expect_after(at, "Connection to re0 closed by the Routing Engine.");
    let at = term.expect_after(at, "--- JUNOS ");
    let at = term.expect_after(at, "lab@re1> ");
    // RE1 lives on in the same process and answers; RE0 is down.
    term.type_keys("show chassis routing-engine | no-more\r");
    let at = term.expect_after(at, "Slot 0:");
    let at = term.expect_after(at, "Current state                  Present");
    term.expect_after(at, "lab@re1> ");
}
