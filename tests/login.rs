//! Users and their passwords: asked for at the CLI, stored only as hashes.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use common::{Run, embedded};

/// Runs the shell on its embedded chassis with `input` as standard input.
fn typed(state_dir: &Path, input: &str) -> Run {
    let mut child = embedded(state_dir)
        .arg("--keep-going")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reshell");
    child.stdin.take().expect("piped stdin").write_all(input.as_bytes()).expect("type");
    child.wait_with_output().expect("reshell ends").into()
}

/// Every file under `dir`, read as bytes.
fn contains_anywhere(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            contains_anywhere(&path, needle)
        } else {
            std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        }
    })
}

#[test]
fn a_plain_text_password_is_asked_twice_and_stored_only_as_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let run = typed(
        dir.path(),
        "configure\n\
         set system login user alice class super-user\n\
         set system login user alice authentication plain-text-password\n\
         Secret-42x\nSecret-42x\n\
         set system login user bob class read-only\n\
         set system login user bob authentication plain-text-password\n\
         Secret-42x\nSecret-43x\n\
         set system login user bob authentication plain-text-password\n\
         abc\nabc\n\
         commit and-quit\n\
         show configuration system login\n",
    );
    assert_eq!(run.stdout.matches("New password:\nRetype new password:\n").count(), 3, "{}", run.stdout);
    assert_eq!(run.stderr, "error: passwords do not match\nerror: minimum password length is 6\n");
    assert!(run.stdout.contains("commit complete\n"), "{}", run.stdout);
    let shown = &run.stdout[run.stdout.find("user alice {").expect("alice is configured")..];
    let hash = shown.split('"').nth(1).expect("a quoted hash");
    assert!(hash.starts_with("$6$"), "{shown}");
    assert!(shown.contains(&format!("encrypted-password \"{hash}\"; ## SECRET-DATA\n")), "{shown}");
    assert!(sha_crypt::sha512_check("Secret-42x", hash).is_ok(), "the hash is of the password typed");
    assert!(!shown.contains("user bob {\n    class read-only;\n    authentication"), "{shown}");
    assert!(!contains_anywhere(dir.path(), b"Secret-42x"), "the password is written nowhere");
}

#[test]
fn a_loaded_plain_text_password_is_refused_at_commit() {
    let dir = tempfile::tempdir().unwrap();
    let run = typed(
        dir.path(),
        "configure\n\
         load merge terminal\n\
         system { login { user carol { class operator; authentication { plain-text-password; } } } }\n\
         ^D\n\
         commit\n",
    );
    assert!(
        run.stderr.contains(
            "[edit system login user carol authentication]\n  'plain-text-password'\n    \
             A password is entered at the CLI prompt and stored only as encrypted-password\n"
        ),
        "{}{}",
        run.stdout,
        run.stderr
    );
}
