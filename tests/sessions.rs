//! Several sessions on one Routing Engine: the shared candidate, the
//! exclusive lock and private copies, and `commit confirmed`, whose deadline
//! outlives the agent.

mod common;

use std::time::Duration;

use common::{agent, connected, connected_commands as run, eventually, free_port, shell};

/// One agent with no peer, and the `--connect` spec for it.
fn lone_agent(dir: &std::path::Path) -> (common::Process, String) {
    let (process, address) = agent(0, "127.0.0.1:0", &free_port(), dir);
    (process, format!("re0={address}"))
}

#[test]
fn sessions_share_the_candidate_and_an_exclusive_lock_keeps_others_out() {
    let dir = tempfile::tempdir().unwrap();
    let (_agent, spec) = lone_agent(dir.path());

    let mut first = shell(&spec);
    first.send("configure");
    first.wait_for("Entering configuration mode");
    first.send("set system host-name shared1");
    first.send("show system host-name");
    first.wait_for("host-name shared1;");

    let second = run(&spec, &["configure", "show system host-name", "status", "exit", "configure exclusive"]);
    let pid = first.child.id();
    let listed = format!("  lab terminal none (pid {pid}) on since ");
    assert!(
        second
            .stdout
            .starts_with("Entering configuration mode\nUsers currently editing the configuration:\n")
    );
    assert!(second.stdout.contains(&listed), "{}", second.stdout);
    assert!(second.stdout.contains("      [edit]\nThe configuration has been changed but not committed\n"));
    assert!(second.stdout.contains("host-name shared1;\n"), "the candidate is shared: {}", second.stdout);
    assert!(second.stderr.ends_with("error: configuration database modified\n"), "{}", second.stderr);

    first.send("rollback 0");
    first.wait_for("load complete");
    first.send("exit");
    first.wait_for("Exiting configuration mode");
    first.send("configure exclusive");
    first.wait_for("Entering configuration mode");
    first.send("set system host-name mine");
    first.send("show system host-name");
    first.wait_for("host-name mine;");

    let second = run(&spec, &["configure", "set system host-name theirs", "exit", "configure private"]);
    assert!(second.stdout.contains("      exclusive [edit]\n"), "{}", second.stdout);
    let refusal = format!("error: configuration database locked by:\n{listed}");
    assert_eq!(second.stderr.matches(&refusal).count(), 2, "{}", second.stderr);

    // The lock and the changes made under it go with the session.
    drop(first);
    eventually(Duration::from_secs(10), "the lock is released", || {
        run(&spec, &["configure exclusive"]).stderr.is_empty()
    });
    let after = run(&spec, &["show configuration system host-name", "configure", "show | compare"]);
    assert_eq!(after.stdout, "Entering configuration mode\n", "{}", after.stderr);
}

#[test]
fn a_private_copy_is_seen_by_nobody_else_until_it_commits() {
    let dir = tempfile::tempdir().unwrap();
    let (_agent, spec) = lone_agent(dir.path());
    let mut private = shell(&spec);
    private.send("configure private");
    private.wait_for("Entering configuration mode");
    private.send("set system host-name mine");

    // A commit made meanwhile by someone else is kept under the private change.
    let other = run(&spec, &["configure", "set system domain-name example.net", "commit", "show | compare"]);
    assert!(
        other.stdout.ends_with("      private [edit]\ncommit complete\n"),
        "{}{}",
        other.stdout,
        other.stderr
    );
    private.send("commit and-quit");
    private.wait_for("Exiting configuration mode");

    let shown = run(&spec, &["show configuration system"]);
    assert!(
        shown.stdout.contains("host-name mine;\n") && shown.stdout.contains("domain-name example.net;\n")
    );
}

#[test]
fn an_unconfirmed_commit_is_rolled_back_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (agent_process, spec) = lone_agent(dir.path());
    let committed = run(&spec, &["configure", "set system host-name risky", "commit confirmed 1", "exit"]);
    assert_eq!(
        committed.stdout,
        "Entering configuration mode\nconfiguration check succeeds\n\
         commit confirmed will be automatically rolled back in 1 minutes unless confirmed\n\
         commit complete\nExiting configuration mode\n",
        "{}",
        committed.stderr
    );
    let pending = connected(&spec, &["--echo", "-c", "show system commit"]);
    assert!(
        pending
            .stdout
            .starts_with("# commit confirmed will be rolled back in 1 minutes\n{master}\nlab@risky> ")
    );
    assert!(
        pending
            .stdout
            .contains(" by lab via cli commit confirmed, rollback in 1mins\n    rollback pending\n")
    );

    // Down and up again on the same state, on another port.
    drop(agent_process);
    let (_agent, spec) = lone_agent(dir.path());
    eventually(Duration::from_secs(90), "the commit is rolled back", || {
        let history = run(&spec, &["show system commit"]).stdout;
        history.lines().next().is_some_and(|latest| latest.ends_with(" by root via other"))
    });
    let after = connected(&spec, &["--echo", "-c", "show configuration system host-name"]);
    assert_eq!(after.stdout, "{master}\nlab@re0> show configuration system host-name\n\n");
}

#[test]
fn commit_check_confirms_a_confirmed_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (_agent, spec) = lone_agent(dir.path());
    let run =
        run(&spec, &["configure", "set system host-name kept", "commit confirmed 1", "commit check", "exit"]);
    assert!(run.stdout.contains("configuration check succeeds\nExiting"), "{}", run.stderr);
    let history = connected(&spec, &["--echo", "-c", "show system commit"]);
    assert!(history.stdout.starts_with("{master}\nlab@kept> "), "{}", history.stdout);
    assert!(!history.stdout.contains("rollback pending"));
}
