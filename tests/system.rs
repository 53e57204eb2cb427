//! What an operator reads of the system's state: `show system uptime` with
//! its last commit, `show system processes brief` as top's header, and
//! `show chassis routing-engine` with an RE that does not answer.

mod common;

use common::{commands, shape};

#[test]
fn show_system_uptime_says_when_and_by_whom_the_configuration_was_last_committed() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &[
            "configure",
            "set system location building b1",
            "commit",
            "exit",
            "show system uptime",
            "show system uptime | display xml",
            "show system uptime | display json",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    let text =
        &run.stdout[run.stdout.find("Current time: ").unwrap()..run.stdout.find("<rpc-reply").unwrap()];
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[3].starts_with("Protocols started: "), "{text}");
    // Just committed by lab, as the line Junos prints says.
    assert_eq!(shape(lines[4]), "Last configured: #-#-# #:#:# UTC (#:#:# ago) by lab", "{text}");
    assert!(lines[4].contains(" UTC (00:00:"), "{text}");
    assert!(lines[5].contains(" up "), "{text}");

    let xml = &run.stdout[run.stdout.find("<rpc-reply").unwrap()..];
    let at = xml.find("<last-configured-time>").unwrap_or_else(|| panic!("{xml}"));
    let last = &xml[at..xml.find("</last-configured-time>").unwrap()];
    let when = lines[4].strip_prefix("Last configured: ").unwrap().split(" (").next().unwrap();
    assert!(last.contains(&format!("\">{when}</date-time>")), "{last}");
    assert!(last.contains("<time-length junos:seconds=\"") && last.contains("<user>lab</user>"), "{last}");
    assert!(xml[..at].contains("</protocols-started-time>"), "{xml}");

    let json = &run.stdout[run.stdout.find("\n{").unwrap()..];
    let json: serde_json::Value = serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"));
    let last = &json["system-uptime-information"][0]["last-configured-time"][0];
    assert_eq!(last["user"][0]["data"], "lab", "{json}");
    assert_eq!(last["date-time"][0]["data"], when, "{json}");
}

#[test]
fn show_system_processes_brief_is_tops_header_without_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(dir.path(), &["show system processes brief"]);
    assert!(run.ok, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", run.stdout);
    assert_eq!(
        shape(lines[0]),
        "last pid: #; load averages: #.#, #.#, #.# up #+#:#:# #:#:#",
        "{}",
        run.stdout
    );
    assert_eq!(shape(lines[1]), "# processes: # running, # sleeping, # zombie, # waiting", "{}", run.stdout);
    assert_eq!(lines[2], "", "{}", run.stdout);
    let cpu = shape(lines[3]);
    assert!(
        cpu.starts_with("CPU: #") && cpu.contains("% user, #") && cpu.contains("% nice, #"),
        "{}",
        run.stdout
    );
    assert!(
        cpu.contains("% system, #") && cpu.contains("% interrupt, #") && cpu.ends_with("% idle"),
        "{cpu}"
    );
    let mem = shape(lines[4]);
    assert!(mem.starts_with("Mem: #") && mem.contains(" Active, #") && mem.contains(" Inact, #"), "{mem}");
    assert!(mem.contains(" Wired, #") && mem.contains(" Buf, #"), "{mem}");
    assert!(mem.ends_with(" Free"), "{mem}");
    assert!(shape(lines[5]).starts_with("Swap: #") && lines[5].ends_with(" Free"), "{}", run.stdout);
}
