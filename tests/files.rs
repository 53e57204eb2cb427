//! The Routing Engines' file areas: listing, showing, copying between the
//! REs (checksummed, whole or not at all), renaming, deleting, and paths that
//! try to leave the area.

mod common;

use common::{agent, agent_with, commands, connected_commands, free_port};

#[test]
fn a_file_copied_to_the_other_re_arrives_whole() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &[
            "show version | save /var/tmp/x",
            "file copy /var/tmp/x re1:/var/tmp/x",
            "file list re1:/var/tmp",
            "file checksum md5 /var/tmp/x",
            "file checksum md5 re1:/var/tmp/x",
            "file checksum sha-256 re1:/var/tmp/x",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[1..3], ["/var/tmp/:", "x"], "{}", run.stdout);
    let sums: Vec<&str> = lines.iter().filter(|l| l.starts_with("MD5 (/var/tmp/x) = ")).copied().collect();
    assert_eq!(sums.len(), 2, "{}", run.stdout);
    assert_eq!(sums[0], sums[1]);
    assert!(lines.last().unwrap().starts_with("SHA256 (/var/tmp/x) = "), "{}", run.stdout);

    // Back the other way, logged in on re1.
    let run = commands(
        dir.path(),
        &[
            "request routing-engine login re1",
            "file copy /var/tmp/x re0:/var/log/back",
            "file rename re0:/var/log/back /var/tmp/moved",
            "exit",
            "file list detail /var/log",
            "file delete /var/tmp/x",
            "file list /var/tmp",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    // Only the RE's own log is left there.
    assert!(run.stdout.contains(" messages\ntotal files: 1\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("/var/tmp/:\nmoved\n"), "{}", run.stdout);
}

#[test]
fn a_copy_to_a_directory_goes_into_it_on_either_re() {
    let dir = tempfile::tempdir().unwrap();
    let run = commands(
        dir.path(),
        &[
            "show version | save /var/tmp/jinstall.tgz",
            "file copy /var/tmp/jinstall.tgz re1:/var/tmp/",
            "file copy /var/tmp/jinstall.tgz re1:",
            "file copy /var/tmp/jinstall.tgz re1:/var/log",
            "file copy re1:/var/log/jinstall.tgz /var/log/",
            "file list re1:/var/tmp/",
            "file list re1:",
            "file list /var/log",
        ],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "/var/tmp/:\njinstall.tgz\n/var/home/lab/:\njinstall.tgz\n/var/log/:\njinstall.tgz\nmessages\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn paths_outside_the_file_area_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for path in ["../../../../etc/passwd", "/../etc/passwd", "re1:/../../etc/passwd"] {
        let run = commands(dir.path(), &[&format!("file show {path}")]);
        assert!(!run.ok);
        let shown = path.trim_start_matches("re1:");
        assert_eq!(run.stderr, format!("error: invalid path '{shown}'\n"));
    }
    // The destination is checked before anything is read.
    let run = commands(dir.path(), &["file copy /var/tmp/x /../x"]);
    assert_eq!(run.stderr, "error: invalid path '/../x'\n");
    let run = commands(dir.path(), &["show version | save /var/tmp/x", "file copy /var/tmp/x re1:/../x"]);
    assert_eq!(run.stderr, "error: invalid path '/../x'\n");
}

#[test]
fn a_copy_to_an_re_that_is_away_fails_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, address) = agent(0, "127.0.0.1:0", &free_port(), dir.path());
    let run = connected_commands(
        &format!("re0={address}"),
        &["show version | save /var/tmp/x", "file copy /var/tmp/x re1:/var/tmp/x"],
    );
    assert!(!run.ok);
    assert!(run.stderr.starts_with("error: could not connect to re1 : "), "{}", run.stderr);
}

/// Names under the file area's /var/tmp on the host, hidden ones included.
fn on_disk(state_dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(state_dir.join("files/var/tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_copy_cut_short_by_a_crash_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("re0");
    let peer = free_port();
    let more = ["--fault-injection", "--crash-at", "transfer"];
    let (mut re0, address) = agent_with(0, "127.0.0.1:0", &peer, &state, &more);
    let run = connected_commands(
        &format!("re0={address}"),
        &["show version | save /var/tmp/x", "file copy /var/tmp/x /var/tmp/y"],
    );
    assert!(!run.ok);
    assert!(re0.wait_exit().is_some(), "the agent did not crash");
    assert_eq!(on_disk(&state).len(), 2, "the copy's temporary file is left: {:?}", on_disk(&state));

    let (_re0, address) = agent(0, "127.0.0.1:0", &peer, &state);
    assert_eq!(on_disk(&state), ["x"]);
    let run = connected_commands(&format!("re0={address}"), &["file list /var/tmp"]);
    assert_eq!(run.stdout, "/var/tmp/:\nx\n");
}
