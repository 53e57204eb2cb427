//! `commit synchronize`: one commit on both Routing Engines, each applying
//! its own group; refused as a whole when the other RE refuses; alone, with
//! warnings, when the other RE is away, which then catches up.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Process, agent, batch, commands, connected_commands as run, eventually, free_port, shell};

const HOST_NAMES: [&str; 3] = [
    "set groups re0 system host-name foo-re0",
    "set groups re1 system host-name foo-re1",
    "set apply-groups [ re0 re1 ]",
];

#[test]
fn commit_synchronize_commits_on_both_each_with_its_own_group() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--echo", "-c", "configure"];
    for statement in HOST_NAMES {
        args.extend(["-c", statement]);
    }
    args.extend([
        "-c",
        "commit synchronize and-quit",
        "-c",
        "request routing-engine login other-routing-engine",
    ]);
    args.extend(["-c", "show version | count"]);
    let done = batch(dir.path(), &args);
    assert!(done.ok, "{}", done.stderr);
    assert!(
        done.stdout.contains(
            "lab@re0# commit synchronize and-quit\n\
             re0:\nconfiguration check succeeds\nre1:\ncommit complete\nre0:\ncommit complete\n\
             Exiting configuration mode\n\n{master}\nlab@foo-re0> request routing-engine login other-routing-engine\n"
        ),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("{backup}\nlab@foo-re1> show version | count\n"), "{}", done.stdout);
    let shown = |re: &str| {
        let mut commands = vec!["show configuration"];
        if re == "re1" {
            commands.insert(0, "request routing-engine login other-routing-engine");
        }
        let run = common::commands(dir.path(), &commands);
        assert!(run.ok, "{}", run.stderr);
        run.stdout[run.stdout.find("## Last commit").unwrap_or(0)..]
            .lines()
            .filter(|l| !l.starts_with("## Last commit"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(shown("re0"), shown("re1"));
}

#[test]
fn a_configuration_the_other_re_rejects_is_committed_on_neither() {
    let dir = tempfile::tempdir().unwrap();
    let refused = commands(
        dir.path(),
        &[
            "configure",
            "set groups re1 system login user bob uid 2000",
            "set apply-groups re1",
            "commit synchronize",
        ],
    );
    assert!(!refused.ok);
    assert_eq!(
        refused.stdout.lines().filter(|l| l.starts_with("re")).count(),
        0,
        "nothing on stdout but the session: {}",
        refused.stdout
    );
    assert_eq!(
        refused.stderr,
        "re0:\nconfiguration check succeeds\nre1:\n[edit system login]\n  'user bob'\n    \
         Missing mandatory statement: 'class'\n\
         error: configuration check-out failed: (missing mandatory statements)\n\
         error: remote commit-configuration failed on re1\n"
    );
    for commands in
        [vec!["show system commit"], vec!["request routing-engine login re1", "show system commit"]]
    {
        let history = common::commands(dir.path(), &commands).stdout;
        assert_eq!(history.matches(" by ").count(), 1, "only the factory commit: {history}");
    }
}

/// The other RE checks while this one does; when this RE's check fails,
/// what the other checked is never committed, and the commit made right
/// after the fix goes through on both.
#[test]
fn a_configuration_this_re_rejects_is_committed_on_neither_and_the_fix_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let refused = commands(
        dir.path(),
        &[
            "configure",
            "set groups re0 system login user bob uid 2000",
            "set apply-groups re0",
            "commit synchronize",
        ],
    );
    assert!(!refused.ok);
    assert_eq!(
        refused.stderr,
        "re0:\n[edit system login]\n  'user bob'\n    Missing mandatory statement: 'class'\n\
             error: configuration check-out failed: (missing mandatory statements)\n"
    );
    let done = commands(
        dir.path(),
        &["configure", "set groups re0 system login user bob class super-user", "commit synchronize"],
    );
    assert!(
        done.stdout
            .contains("re0:\nconfiguration check succeeds\nre1:\ncommit complete\nre0:\ncommit complete\n"),
        "{}\n{}",
        done.stdout,
        done.stderr
    );
    for commands in
        [vec!["show system commit"], vec!["request routing-engine login re1", "show system commit"]]
    {
        let history = common::commands(dir.path(), &commands).stdout;
        assert_eq!(history.matches(" by ").count(), 2, "the factory commit and the fix: {history}");
    }
}

#[test]
fn commit_synchronize_without_the_other_re_warns_and_it_catches_up_on_return() {
    let dir = tempfile::tempdir().unwrap();
    let re1_port = free_port();
    let (_re0, re0_address) = agent(0, "127.0.0.1:0", &re1_port, &dir.path().join("re0"));
    let spec0 = format!("re0={re0_address}");
    let mut commands = vec!["configure"];
    commands.extend(HOST_NAMES);
    commands.push("commit synchronize");
    let alone = run(&spec0, &commands);
    assert!(alone.ok, "{}", alone.stderr);
    let warned = alone.stdout.split("Entering configuration mode\n").nth(1).unwrap_or(&alone.stdout);
    assert!(warned.starts_with("warning: Could not connect to re1 : "), "{}", alone.stdout);
    assert!(
        warned.contains("\nwarning: Cannot connect to other RE, ignoring it\ncommit complete\n"),
        "{}",
        alone.stdout
    );

    let (_re1, re1_address) = agent(1, &re1_port, &re0_address, &dir.path().join("re1"));
    let spec1 = format!("re1={re1_address}");
    eventually(Duration::from_secs(15), "re1 caught up", || {
        run(&spec1, &["show configuration apply-groups"]).stdout.contains("apply-groups [ re0 re1 ];")
    });
    let prompt = common::connected(&spec1, &["--echo", "-c", "show version | count"]).stdout;
    assert!(prompt.contains("lab@foo-re1> "), "{prompt}");
}

#[test]
fn the_other_re_being_edited_refuses_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = common::two_agents(dir.path());
    let re1_only = spec.split(',').nth(1).unwrap().to_owned();
    let mut editing = shell(&re1_only);
    editing.send("configure");
    editing.send("set system host-name elsewhere");
    editing.send("show | compare | count");
    editing.wait_for("Count: ");

    let refused = run(&spec, &["configure", "set system domain-name example.net", "commit synchronize"]);
    assert!(!refused.ok);
    assert!(
        refused.stderr.ends_with(
            "re1:\nerror: configuration database modified\nerror: remote commit-configuration failed on re1\n"
        ),
        "{}",
        refused.stderr
    );
    let forced = run(&spec, &["configure", "set system domain-name example.net", "commit synchronize force"]);
    assert!(forced.ok, "{}", forced.stderr);
    assert!(forced.stdout.contains("re1:\ncommit complete\nre0:\ncommit complete\n"), "{}", forced.stdout);
    let on_re1 = run(&re1_only, &["show configuration system domain-name"]).stdout;
    assert_eq!(on_re1, "domain-name example.net;\n");
}

#[test]
fn system_commit_synchronize_makes_every_commit_synchronize() {
    let dir = tempfile::tempdir().unwrap();
    let configured = commands(
        dir.path(),
        &[
            "configure",
            "set system commit synchronize",
            "commit",
            "set system domain-name example.net",
            "commit",
        ],
    );
    assert!(configured.ok, "{}", configured.stderr);
    assert!(
        configured
            .stdout
            .ends_with("re0:\nconfiguration check succeeds\nre1:\ncommit complete\nre0:\ncommit complete\n"),
        "{}",
        configured.stdout
    );
    let on_re1 =
        commands(dir.path(), &["request routing-engine login re1", "show configuration system domain-name"]);
    assert!(on_re1.stdout.ends_with("domain-name example.net;\n"), "{}", on_re1.stdout);
}

#[test]
fn concurrent_commit_synchronize_loses_no_acknowledged_commit() {
    const SESSIONS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = common::two_agents(dir.path());
    let committed: Vec<String> = std::thread::scope(|scope| {
        let sessions: Vec<_> = (0..SESSIONS)
            .map(|n| {
                let spec = &spec;
                scope.spawn(move || {
                    // Each adds its own interface (a user would need the lab's password from then on).
                    let interface = format!("ge-0/0/{n}");
                    let set = format!("set interfaces {interface} description session-{n}");
                    let done = run(spec, &["configure private", &set, "commit synchronize"]);
                    assert!(done.ok, "{interface}: {}", done.stderr);
                    assert!(
                        done.stdout.contains("re1:\ncommit complete\nre0:\ncommit complete\n"),
                        "{}",
                        done.stdout
                    );
                    interface
                })
            })
            .collect();
        sessions.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let re1_only = spec.split(',').nth(1).unwrap();
    let re0_only = spec.split(',').next().unwrap();
    for re in [re0_only, re1_only] {
        let shown = run(re, &["show configuration interfaces | display set"]);
        assert!(shown.ok, "{}", shown.stderr);
        for interface in &committed {
            let set = format!("set interfaces {interface} description");
            assert!(shown.stdout.contains(&set), "{interface} missing on {re}:\n{}", shown.stdout);
        }
    }
}

#[test]
fn a_frozen_other_re_fails_commit_synchronize_and_nothing_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, re1, spec) = common::two_agents(dir.path());
    let re0_only = spec.split(',').next().unwrap();
    let pid = rustix::process::Pid::from_raw(re1.child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::STOP).unwrap();
    let refused = run(re0_only, &["configure", "set system domain-name example.net", "commit synchronize"]);
    rustix::process::kill_process(pid, rustix::process::Signal::CONT).unwrap();
    assert!(!refused.ok, "{}", refused.stdout);
    assert!(
        refused.stderr.ends_with(
            "re0:\nconfiguration check succeeds\nre1:\n\
             error: re1 is not answering (no keepalives for 3 seconds)\n\
             error: remote commit-configuration failed on re1\n"
        ),
        "{}",
        refused.stderr
    );
    for re in [re0_only, spec.split(',').nth(1).unwrap()] {
        let history = run(re, &["show system commit"]).stdout;
        assert_eq!(history.matches(" by ").count(), 1, "only the factory commit on {re}: {history}");
    }
}

/// Two agents of which RE0 is left running, owing RE1 a synchronized commit
/// of `domain` made while RE1 was away.
struct Owing {
    re0: Process,
    re0_port: String,
    re1_port: String,
    re0_dir: PathBuf,
    re1_dir: PathBuf,
    spec0: String,
    spec1: String,
}

fn re0_owes_re1(dir: &Path, domain: &str) -> Owing {
    let (re0_port, re1_port) = (free_port(), free_port());
    let (re0_dir, re1_dir) = (dir.join("re0"), dir.join("re1"));
    let (spec0, spec1) = (format!("re0={re0_port}"), format!("re1={re1_port}"));
    let (re0, _) = agent(0, &re0_port, &re1_port, &re0_dir);
    let (re1, _) = agent(1, &re1_port, &re0_port, &re1_dir);
    eventually(Duration::from_secs(10), "re1 hears re0 as master", || {
        run(&spec1, &["show log mastership"]).stdout.contains("event = E_ORE_M")
    });
    drop(re1);
    let change = format!("set system domain-name {domain}");
    let alone = run(&spec0, &["configure", &change, "commit synchronize"]);
    assert!(
        alone.stdout.contains("warning: Cannot connect to other RE, ignoring it\ncommit complete\n"),
        "{}",
        alone.stdout
    );
    Owing { re0, re0_port, re1_port, re0_dir, re1_dir, spec0, spec1 }
}

#[test]
fn the_old_masters_catch_up_does_not_overwrite_what_the_new_master_committed() {
    let dir = tempfile::tempdir().unwrap();
    let Owing { re0, re0_port, re1_port, re0_dir, re1_dir, spec0, spec1 } =
        re0_owes_re1(dir.path(), "old.example.net");
    // Then RE0 fails, RE1 takes over and commits a newer configuration.
    drop(re0);
    let (_re1, _) = agent(1, &re1_port, &re0_port, &re1_dir);
    let newer = run(
        &spec1,
        &[
            "request chassis routing-engine master acquire force no-confirm",
            "configure",
            "set system domain-name new.example.net",
            "commit",
        ],
    );
    assert!(newer.stdout.contains("commit complete"), "{}{}", newer.stdout, newer.stderr);

    // RE0 is back: what it owed RE1 is older than what RE1 has.
    let (_re0, _) = agent(0, &re0_port, &re1_port, &re0_dir);
    eventually(Duration::from_secs(15), "re0 finds re1 newer", || {
        run(&spec0, &["show log messages"])
            .stdout
            .contains("re1 has a configuration newer (term 3, commit 1)")
    });
    let kept = run(&spec1, &["show configuration system domain-name"]).stdout;
    assert_eq!(kept, "domain-name new.example.net;\n");
}

/// RE0 owes RE1 a commit, and RE1, alone and still backup, commits one of
/// its own: RE0, master on its return, catches RE1 up with what it owed,
/// and RE1 keeps its own commit as a rollback.
#[test]
fn what_the_backup_committed_alone_gives_way_to_what_the_master_owed_it() {
    let dir = tempfile::tempdir().unwrap();
    let Owing { re0, re0_port, re1_port, re0_dir, re1_dir, spec0: _, spec1 } =
        re0_owes_re1(dir.path(), "master.example.net");
    drop(re0);
    let (_re1, _) = agent(1, &re1_port, &re0_port, &re1_dir);
    let alone = run(&spec1, &["configure", "set system location building b1", "commit"]);
    assert!(alone.stdout.contains("commit complete"), "{}{}", alone.stdout, alone.stderr);

    let (_re0, _) = agent(0, &re0_port, &re1_port, &re0_dir);
    eventually(Duration::from_secs(15), "re1 caught up", || {
        run(&spec1, &["show configuration system domain-name"]).stdout == "domain-name master.example.net;\n"
    });
    assert_eq!(run(&spec1, &["show configuration system location"]).stdout, "");
    let commits = run(&spec1, &["show system commit"]).stdout;
    assert!(commits.starts_with("0   "), "{commits}");
    assert!(commits.contains("    synchronized from re0\n1   "), "{commits}");
    let kept = run(&spec1, &["show system rollback 1 | match \"building b1\""]).stdout;
    assert_eq!(kept.trim(), "building b1;");
}

/// A commit cut short by a crash leaves the RE on its old configuration
/// with its old version: the other RE, which owes it a newer one, still
/// catches it up.
#[test]
fn a_commit_cut_short_by_a_crash_does_not_keep_the_re_from_being_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let Owing { re0, re0_port, re1_port, re0_dir, re1_dir, spec0: _, spec1 } =
        re0_owes_re1(dir.path(), "owed.example.net");
    drop(re0);

    // RE1, alone, dies in a commit before the commit is made.
    let more = ["--fault-injection", "--crash-at", "history"];
    let (mut crashing, _) = common::agent_with(1, &re1_port, &re0_port, &re1_dir, &more);
    let cut = run(&spec1, &["configure", "set system location building b1", "commit"]);
    assert!(!cut.stdout.contains("commit complete"), "{}", cut.stdout);
    assert!(crashing.wait_exit().is_some(), "re1 did not crash");

    let (_re1, _) = agent(1, &re1_port, &re0_port, &re1_dir);
    let (_re0, _) = agent(0, &re0_port, &re1_port, &re0_dir);
    eventually(Duration::from_secs(15), "re1 caught up", || {
        run(&spec1, &["show configuration system domain-name"]).stdout == "domain-name owed.example.net;\n"
    });
    let location = run(&spec1, &["show configuration system location"]).stdout;
    assert_eq!(location, "", "the commit cut short is not there");
}

/// A forced synchronize discards the other RE's uncommitted changes, the
/// copy it saved against a crash too: `kill -9` right after brings none back.
#[test]
fn changes_a_forced_synchronize_discarded_do_not_come_back_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let re1_port = free_port();
    let re1_dir = dir.path().join("re1");
    let (_re0, re0_address) = agent(0, "127.0.0.1:0", &re1_port, &dir.path().join("re0"));
    let (mut re1, _) = agent(1, &re1_port, &re0_address, &re1_dir);
    let spec1 = format!("re1={re1_port}");
    let edited = run(&spec1, &["configure", "set system host-name discarded"]);
    assert!(edited.ok, "{}", edited.stderr);
    eventually(Duration::from_secs(10), "re1's candidate saved", || {
        re1_dir.join("config/candidate.change").exists()
    });

    let spec = format!("re0={re0_address},{spec1}");
    let forced = run(&spec, &["configure", "set system domain-name example.net", "commit synchronize force"]);
    assert!(forced.stdout.contains("re1:\ncommit complete\n"), "{}{}", forced.stdout, forced.stderr);
    re1.child.kill().unwrap();
    re1.child.wait().unwrap();

    let (_re1, _) = agent(1, &re1_port, &re0_address, &re1_dir);
    let compare = run(&spec1, &["configure", "show | compare"]);
    assert_eq!(compare.stdout, "Entering configuration mode\n", "{}", compare.stderr);
}

/// re0 commits alone twice, so re1 is on an older configuration: a
/// synchronized commit brings it the changes since (from re0's journal).
/// Then re1 commits alone, so its configuration is one re0 never had: the
/// next synchronized commit brings it the whole. Each time both REs end
/// with the same configuration.
#[test]
fn an_re_on_another_configuration_ends_with_the_same_after_commit_synchronize() {
    let dir = tempfile::tempdir().unwrap();
    let on = |re: &str, commands: &[&str]| {
        let mut all = vec!["request routing-engine login re1"];
        all.retain(|_| re == "re1");
        all.extend(commands);
        let run = common::commands(dir.path(), &all);
        assert!(run.ok, "{re}: {}", run.stderr);
        run.stdout
    };
    let system = |re: &str| {
        let shown = on(re, &["show configuration system | display set"]);
        shown.lines().filter(|l| l.starts_with("set ")).collect::<Vec<_>>().join("\n")
    };
    on("re0", &["configure", "set system domain-name one.example.net", "commit"]);
    on("re0", &["configure", "set system location building b1", "commit"]);
    assert!(!system("re1").contains("one.example.net"));
    let synchronized = on("re0", &["configure", "set system location floor 3", "commit synchronize"]);
    assert!(
        synchronized
            .contains("re0:\nconfiguration check succeeds\nre1:\ncommit complete\nre0:\ncommit complete\n"),
        "{synchronized}"
    );
    assert!(system("re1").contains("set system domain-name one.example.net"), "{}", system("re1"));
    assert_eq!(system("re1"), system("re0"));

    on("re1", &["configure", "set system domain-name re1.example.net", "commit"]);
    assert_ne!(system("re1"), system("re0"));
    let synchronized = on("re0", &["configure", "set system location floor 4", "commit synchronize"]);
    assert!(synchronized.contains("re1:\ncommit complete\nre0:\ncommit complete\n"), "{synchronized}");
    assert!(system("re1").contains("set system domain-name one.example.net"), "{}", system("re1"));
    assert_eq!(system("re1"), system("re0"));
}

/// A change as large as the configuration (a first load of thousands of
/// statements) reaches the other RE as the whole configuration; the small
/// change after it, as a change from it. Both end with the same each time.
#[test]
fn a_large_change_and_a_small_one_after_it_reach_the_other_re_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::from("configure\nload set terminal\n");
    for n in 0..3000 {
        script.push_str(&format!("set interfaces ge-{}/0/{} description \"port {n}\"\n", n / 48, n % 48));
    }
    script.push_str(
        "^D\ncommit synchronize\nset interfaces ge-0/0/1 description changed\ncommit synchronize\n",
    );
    let file = dir.path().join("large.txt");
    std::fs::write(&file, script).unwrap();
    let loaded = batch(dir.path(), &["-f", file.to_str().unwrap()]);
    assert!(loaded.ok, "{}", loaded.stderr);
    let both = "re0:\nconfiguration check succeeds\nre1:\ncommit complete\nre0:\ncommit complete\n";
    assert_eq!(loaded.stdout.matches(both).count(), 2, "{}", loaded.stdout);
    let interfaces = |login: &[&str]| {
        let mut all = login.to_vec();
        all.push("show configuration interfaces | display set");
        let run = common::commands(dir.path(), &all);
        assert!(run.ok, "{}", run.stderr);
        run.stdout
            .lines()
            .filter(|l| l.starts_with("set interfaces ge-"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let re0 = interfaces(&[]);
    assert_eq!(re0.len(), 3000);
    assert!(re0.contains(&"set interfaces ge-0/0/1 description changed".to_owned()), "{re0:?}");
    assert_eq!(interfaces(&["request routing-engine login other-routing-engine"]), re0);
}
