//! Groups and inheritance on a two-RE chassis: the re0/re1 groups give each
//! Routing Engine its own host name, explicit statements win, wildcard groups
//! reach the names they match.

mod common;

use common::batch;

/// The seed's example, committed on each RE in turn.
const CONFIGURE_BOTH: &str = "\
configure
set groups re0 system host-name foo-re0
set groups re0 interfaces fxp0 unit 0 family inet address 192.0.2.10/24
set groups re1 system host-name foo-re1
set groups re1 interfaces fxp0 unit 0 family inet address 192.0.2.11/24
set apply-groups [ re0 re1 ]
show apply-groups
commit and-quit
request routing-engine login other-routing-engine
configure
set groups re0 system host-name foo-re0
set groups re1 system host-name foo-re1
set apply-groups [ re0 re1 ]
commit and-quit
exit
";

#[test]
fn each_routing_engine_takes_its_own_group() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("groups.txt");
    std::fs::write(&file, CONFIGURE_BOTH).unwrap();
    let run = batch(dir.path(), &["--echo", "-f", file.to_str().unwrap()]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.contains("lab@re0# show apply-groups\napply-groups [ re0 re1 ];\n"), "{}", run.stdout);
    assert!(run.stdout.contains("{master}\nlab@foo-re0> request routing-engine login other-routing-engine"));
    assert!(
        run.stdout.contains("{backup}\nlab@foo-re1> exit\nrlogin: connection closed\n"),
        "{}",
        run.stdout
    );

    // Inherited statements show only with `| display inheritance`.
    let shown = batch(
        dir.path(),
        &[
            "-c",
            "show configuration system host-name | display inheritance",
            "-c",
            "show configuration interfaces",
        ],
    );
    assert_eq!(
        shown.stdout, "##\n## 'foo-re0' was inherited from group 're0'\n##\nhost-name foo-re0;\n",
        "{}",
        shown.stderr
    );

    // Explicit configuration wins; without it the group's value is back.
    let run = batch(
        dir.path(),
        &[
            "--echo",
            "-c",
            "configure",
            "-c",
            "set system host-name mine",
            "-c",
            "commit",
            "-c",
            "delete system host-name",
            "-c",
            "commit and-quit",
        ],
    );
    assert!(run.stdout.contains("lab@mine# delete system host-name\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("commit complete\nExiting configuration mode\n\n"), "{}", run.stdout);
    let prompt = batch(dir.path(), &["--echo", "-c", "show configuration interfaces fxp0 | display set"]);
    assert_eq!(prompt.stdout, "{master}\nlab@foo-re0> show configuration interfaces fxp0 | display set\n\n");
}

#[test]
fn a_wildcard_group_reaches_only_the_names_it_matches() {
    let dir = tempfile::tempdir().unwrap();
    let run = batch(
        dir.path(),
        &[
            "-c",
            "configure",
            "-c",
            "set groups jumbo interfaces <ge-*> mtu 9000",
            "-c",
            "set interfaces ge-0/0/0 description uplink",
            "-c",
            "set interfaces ge-0/0/1 description spare",
            "-c",
            "set interfaces xe-0/0/0 description core",
            "-c",
            "set apply-groups jumbo",
            "-c",
            "show interfaces | display inheritance no-comments | display set",
            "-c",
            "set groups junos-mine system host-name x",
            "-c",
            "commit",
        ],
    );
    assert_eq!(
        run.stdout,
        "Entering configuration mode\n\
         set interfaces ge-0/0/0 description uplink\nset interfaces ge-0/0/0 mtu 9000\n\
         set interfaces ge-0/0/1 description spare\nset interfaces ge-0/0/1 mtu 9000\n\
         set interfaces xe-0/0/0 description core\n"
    );
    assert_eq!(
        run.stderr,
        "[edit groups]\n  'junos-mine'\n    Group names beginning with 'junos-' are reserved\n\
         error: configuration check-out failed\n"
    );
}
