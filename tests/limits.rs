//! Oversized input is refused with a clear error, changes nothing, and the
//! Routing Engine goes on serving.

mod common;

use common::{batch, commands};

#[test]
fn a_ten_megabyte_command_line_is_refused_and_the_next_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("commands");
    let huge = format!("set system host-name {}\n", "a".repeat(10 << 20));
    std::fs::write(&file, format!("configure\n{huge}show system host-name\nexit\nshow version\n")).unwrap();
    let run = batch(&dir.path().join("chassis"), &["--keep-going", "-f", file.to_str().unwrap()]);
    assert_eq!(
        run.stderr,
        format!("error: command line too long ({} bytes; at most 65536)\n", huge.len() - 1)
    );
    assert!(run.stdout.contains("Hostname: re0"), "{}", run.stdout);
}

#[test]
fn a_two_gigabyte_load_is_refused_and_the_re_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let first = commands(dir.path(), &["show version"]);
    assert!(first.ok, "{}", first.stderr);
    // Sparse: two gigabytes to the agent, nothing on the disk.
    let big = std::fs::File::create(dir.path().join("re0/files/var/tmp/big.conf")).unwrap();
    big.set_len(2 << 30).unwrap();
    let run = batch(
        dir.path(),
        &[
            "--keep-going",
            "-c",
            "configure",
            "-c",
            "load merge /var/tmp/big.conf",
            "-c",
            "show | count",
            "-c",
            "exit",
            "-c",
            "show version",
        ],
    );
    assert!(
        run.stderr.contains(
            "error: /var/tmp/big.conf: file too large (2147483648 bytes; at most 268435456 are read whole)\n"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("Hostname: re0"), "{}", run.stdout);
    let shown = commands(dir.path(), &["file show /var/tmp/big.conf"]);
    assert!(shown.stderr.contains("file too large"), "{}", shown.stderr);
}
