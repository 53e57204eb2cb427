//! The agent trusts no client: every call is authenticated and checked
//! against the caller's login class, whether it comes from the shell or from
//! a raw gRPC client; and the shell shows each user only what their class
//! allows.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{Run, connected_commands, eventually, reshell, two_agents};
use reshell::proto::authentication_client::AuthenticationClient;
use reshell::proto::change_mastership_request::Action;
use reshell::proto::configuration_client::ConfigurationClient;
use reshell::proto::routing_engine_client::RoutingEngineClient;
use reshell::proto::shutdown_request::Kind;
use reshell::proto::{
    AttachRequest, ChangeMastershipRequest, CommitRequest, GetRouteEngineInformationRequest, LoginRequest,
    ShutdownRequest,
};
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

const PASSWORD: &str = "Secret-42x";

/// Users of each kind: `bob` read-only, `olga` operator, `mia` a class with
/// maintenance, `alice` super-user; all with the same password.
fn add_users(spec: &str) {
    let hash = sha_crypt::sha512_simple(PASSWORD, &sha_crypt::Sha512Params::new(5000).unwrap()).unwrap();
    let mut commands = vec![
        "configure".to_owned(),
        "set system login class switcher permissions [ view maintenance ]".to_owned(),
    ];
    for (user, class) in
        [("alice", "super-user"), ("bob", "read-only"), ("olga", "operator"), ("mia", "switcher")]
    {
        commands.push(format!("set system login user {user} class {class}"));
        commands.push(format!("set system login user {user} authentication encrypted-password \"{hash}\""));
    }
    commands.push("commit synchronize and-quit".into());
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let run = connected_commands(spec, &commands);
    assert!(run.stdout.contains("commit complete"), "{}{}", run.stdout, run.stderr);
}

/// `reshell --connect SPEC --user USER` with `RESHELL_PASSWORD` and the commands.
fn as_user(spec: &str, user: &str, password: Option<&str>, commands: &[&str]) -> Run {
    let mut command = reshell();
    command.args(["--connect", spec, "--user", user, "--keep-going", "--yes"]);
    match password {
        Some(password) => command.env("RESHELL_PASSWORD", password),
        None => command.env_remove("RESHELL_PASSWORD"),
    };
    for c in commands {
        command.args(["-c", c]);
    }
    command.output().expect("run reshell").into()
}

/// Commits `system login retry-options` with `options` on re0.
fn retry_options(spec: &str, options: &[&str]) {
    let lines: Vec<String> = options.iter().map(|o| format!("set system login retry-options {o}")).collect();
    let mut commands = vec!["configure"];
    commands.extend(lines.iter().map(String::as_str));
    commands.push("commit and-quit");
    let run = connected_commands(spec, &commands);
    assert!(run.stdout.contains("commit complete"), "{}{}", run.stdout, run.stderr);
}

fn address_of(spec: &str, slot: usize) -> String {
    spec.split(',').nth(slot).and_then(|p| p.split_once('=')).map(|(_, a)| a.to_owned()).unwrap()
}

struct Raw {
    rt: tokio::runtime::Runtime,
    channel: Channel,
}

impl Raw {
    fn new(address: &str) -> Raw {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let channel =
            rt.block_on(Endpoint::from_shared(format!("http://{address}")).unwrap().connect()).unwrap();
        Raw { rt, channel }
    }

    fn login(&self, user: &str, password: &str) -> Result<String, Code> {
        let request = LoginRequest { user: user.into(), password: Some(password.into()), console: None };
        self.rt
            .block_on(AuthenticationClient::new(self.channel.clone()).login(request))
            .map(|r| r.into_inner().token)
            .map_err(|s| s.code())
    }

    fn with<T>(&self, token: Option<&str>, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(token) = token {
            request.metadata_mut().insert(reshell::agent::TOKEN_KEY, token.parse().unwrap());
        }
        request
    }

    /// The codes of: show chassis routing-engine, commit, switch, halt.
    fn attempts(&self, token: Option<&str>) -> [Code; 4] {
        let re = RoutingEngineClient::new(self.channel.clone());
        let show = self.rt.block_on(
            re.clone()
                .get_route_engine_information(self.with(token, GetRouteEngineInformationRequest::default())),
        );
        let commit = self.rt.block_on(
            ConfigurationClient::new(self.channel.clone()).commit(self.with(token, CommitRequest::default())),
        );
        let switch = self.rt.block_on(re.clone().change_mastership(
            self.with(token, ChangeMastershipRequest { action: Action::Switch as i32, force: false }),
        ));
        let halt =
            self.rt.block_on(re.clone().shutdown(
                self.with(token, ShutdownRequest { kind: Kind::Halt as i32, ..Default::default() }),
            ));
        [code(show), code(commit), code(switch), code(halt)]
    }
}

fn code<T>(reply: Result<T, tonic::Status>) -> Code {
    match reply {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[test]
fn a_raw_grpc_client_needs_a_login_and_the_class_for_each_call() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    let raw = Raw::new(&address_of(&spec, 0));
    assert_eq!(raw.attempts(None), [Code::Unauthenticated; 4]);
    assert_eq!(raw.attempts(Some("forged")), [Code::Unauthenticated; 4]);
    assert_eq!(raw.login("bob", "wrong"), Err(Code::Unauthenticated));
    assert_eq!(raw.login("nobody", PASSWORD), Err(Code::Unauthenticated));
    let bob = raw.login("bob", PASSWORD).unwrap();
    assert_eq!(
        raw.attempts(Some(&bob)),
        [Code::Ok, Code::PermissionDenied, Code::PermissionDenied, Code::PermissionDenied]
    );
    // The peer service is the other RE's alone, whoever asks.
    let alice = raw.login("alice", PASSWORD).unwrap();
    let peer = reshell::proto::peer_client::PeerClient::new(raw.channel.clone());
    let admit =
        raw.with(Some(&alice), reshell::proto::AdmitRequest { user: "eve".into(), ..Default::default() });
    assert_eq!(raw.rt.block_on(peer.clone().admit(admit)).unwrap_err().code(), Code::PermissionDenied);
}

#[test]
fn the_shell_shows_each_class_only_its_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);

    let without = as_user(&spec, "bob", None, &["show version"]);
    assert!(!without.ok);
    assert_eq!(
        without.stderr,
        "reshell: cannot log in as bob: password required (give it in RESHELL_PASSWORD)\n"
    );
    let wrong = as_user(&spec, "bob", Some("nope-nope"), &["show version"]);
    assert!(wrong.stderr.contains("login incorrect"), "{}", wrong.stderr);

    let bob =
        as_user(&spec, "bob", Some(PASSWORD), &["configure", "show chassis routing-engine | match Current"]);
    assert!(bob.stderr.starts_with("bob@re0> configure\n         ^\nunknown command.\n"), "{}", bob.stderr);
    assert!(bob.stdout.contains("Current state"), "{}", bob.stdout);
    let help = as_user(&spec, "bob", Some(PASSWORD), &["request ?"]);
    assert!(help.stdout.contains("routing-engine") && !help.stdout.contains("chassis"), "{}", help.stdout);

    let switch = "request chassis routing-engine master switch no-confirm";
    let olga = as_user(&spec, "olga", Some(PASSWORD), &["show system uptime | match load", switch]);
    assert!(olga.stdout.contains("load averages"), "{}", olga.stdout);
    assert!(olga.stderr.contains("syntax error, expecting <command>.\n"), "{}", olga.stderr);
    let mia = as_user(&spec, "mia", Some(PASSWORD), &[switch]);
    assert!(
        mia.stdout.contains("Complete. The other routing engine becomes the master."),
        "{}{}",
        mia.stdout,
        mia.stderr
    );
}

#[test]
fn the_other_re_takes_the_users_login_without_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    let run = as_user(
        &spec,
        "bob",
        Some(PASSWORD),
        &["request routing-engine login other-routing-engine", "show system users", "configure"],
    );
    assert!(run.stdout.contains("\nUSER     TTY      FROM"), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\nbob      "), "{}", run.stdout);
    assert!(run.stderr.contains("bob@re1> configure\n         ^\nunknown command.\n"), "{}", run.stderr);
    let secret = dir.path().join("chassis-secret");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
}

/// A session held open by a shell on standard input.
fn held_session(spec: &str, user: &str) -> common::Process {
    let mut command = reshell();
    command.args(["--connect", spec, "--user", user]).env("RESHELL_PASSWORD", PASSWORD).stdin(Stdio::piped());
    let mut shell = common::Process::spawn(&mut command);
    shell.send("show version | match Hostname");
    assert_eq!(shell.wait_for("Hostname: "), "re0");
    shell
}

#[test]
fn a_user_can_be_logged_out() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    let re0 = spec.split(',').next().unwrap();
    let mut olga = held_session(re0, "olga");
    let users = |who: &str| as_user(re0, who, Some(PASSWORD), &["show system users"]).stdout;
    eventually(Duration::from_secs(10), "olga is listed", || users("alice").contains("\nolga     "));
    let denied = as_user(re0, "olga", Some(PASSWORD), &["request system logout olga"]);
    assert!(denied.stderr.contains("syntax error"), "{}", denied.stderr);
    let done = as_user(re0, "alice", Some(PASSWORD), &["request system logout olga"]);
    assert!(done.ok, "{}", done.stderr);
    assert!(!users("alice").contains("\nolga     "));
    olga.send("show version");
    assert!(olga.wait_exit().is_some(), "the logged-out shell ends");
}

/// `reshell chassis` on a state dir of its own, without the tests' startup
/// configuration: as a new user starts one. Its gRPC spec.
fn fresh_chassis(dir: &Path) -> (common::Process, String) {
    let chassis = common::Process::spawn(reshell().arg("chassis").arg("--state-dir").arg(dir));
    let mut grpc = [String::new(), String::new()];
    while grpc.iter().any(String::is_empty) {
        let line = chassis.next_line();
        for (slot, found) in grpc.iter_mut().enumerate() {
            if let Some(address) = line.strip_prefix(&format!("re{slot}: listening on ")) {
                *found = address.to_owned();
            }
        }
    }
    let spec = format!("re0={},re1={}", grpc[0], grpc[1]);
    (chassis, spec)
}

#[test]
fn a_fresh_chassis_lets_in_only_its_console_until_a_password_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let (_chassis, spec) = fresh_chassis(dir.path());
    let refused = "reshell: cannot log in as lab: login refused: no password is configured yet; at the \
                   chassis's console, set system root-authentication or a system login user with authentication\n";
    for user in ["lab", "root"] {
        let run = as_user(&spec, user, Some(PASSWORD), &["show version"]);
        assert_eq!(run.stderr, refused.replace("as lab", &format!("as {user}")), "{user}");
    }
    assert_eq!(Raw::new(&address_of(&spec, 0)).login("root", PASSWORD), Err(Code::Unauthenticated));

    // At the console (the owner of the chassis's state, with its secret) the
    // OS user is in as a super-user, and sets the first password.
    let secret = dir.path().join("chassis-secret");
    let console = |commands: &[&str]| -> Run {
        let mut command = reshell();
        command
            .args(["--connect", &spec, "--keep-going"])
            .arg("--secret")
            .arg(&secret)
            .env_remove("RESHELL_PASSWORD");
        for c in commands {
            command.args(["-c", c]);
        }
        command.output().expect("run reshell").into()
    };
    let users = console(&["show system users"]);
    assert!(users.stdout.contains("\nlab      "), "{}{}", users.stdout, users.stderr);
    let commit = console(&["configure", "set system host-name r1", "commit"]);
    let said = format!("{}{}", commit.stdout, commit.stderr);
    assert!(said.contains("Missing mandatory statement: 'root-authentication'"), "{said}");
    let hash = sha_crypt::sha512_simple(PASSWORD, &sha_crypt::Sha512Params::new(5000).unwrap()).unwrap();
    let set = format!("set system root-authentication encrypted-password \"{hash}\"");
    let commit = console(&["configure", &set, "commit synchronize"]);
    assert!(commit.ok, "{}{}", commit.stdout, commit.stderr);

    let root = as_user(&spec, "root", Some(PASSWORD), &["show system users"]);
    assert!(root.ok && root.stdout.contains("\nroot     "), "{}{}", root.stdout, root.stderr);
    let lab = as_user(&spec, "lab", Some(PASSWORD), &["show version"]);
    assert!(lab.stderr.contains("login incorrect"), "only root has a password: {}", lab.stderr);
    let wrong_secret = dir.path().join("not-the-secret");
    std::fs::write(&wrong_secret, "0".repeat(64)).unwrap();
    let forged = reshell()
        .args(["--connect", &spec, "-c", "show version", "--secret"])
        .arg(&wrong_secret)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forged.stderr).contains("the chassis secret does not match"));
}

#[test]
fn failed_passwords_lock_the_account_until_the_period_ends_or_it_is_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    retry_options(&spec, &["tries-before-disconnect 2", "backoff-threshold 3", "lockout-period 1"]);
    let raw = Raw::new(&address_of(&spec, 0));
    for _ in 0..2 {
        assert_eq!(raw.login("bob", "not-his-password"), Err(Code::Unauthenticated));
    }
    assert_eq!(raw.login("bob", PASSWORD), Err(Code::Unauthenticated), "locked: even his password fails");
    assert!(raw.login("alice", PASSWORD).is_ok(), "one account's lock is its own");

    let shown = connected_commands(&spec, &["show system login lockout", "show log messages | match bob"]);
    let lockout = shown.stdout.lines().skip_while(|l| !l.starts_with("User ")).nth(1).unwrap_or_default();
    assert!(lockout.starts_with("bob "), "{}", shown.stdout);
    assert!(shown.stdout.contains("LOGIN_FAILED: Login failed for user 'bob' from host '127.0.0.1'"));
    assert!(shown.stdout.contains("LIBJNX_LOGIN_ACCOUNT_LOCKED: Account for user 'bob' has been locked out"));

    let olga = as_user(&spec, "olga", Some(PASSWORD), &["clear system login lockout user bob"]);
    assert!(olga.ok, "an operator may clear: {}", olga.stderr);
    assert!(raw.login("bob", PASSWORD).is_ok());
    let again = as_user(&spec, "olga", Some(PASSWORD), &["clear system login lockout user bob"]);
    assert!(again.stderr.contains("user bob is not locked out"), "{}", again.stderr);
}

#[test]
fn a_wrong_password_past_the_threshold_is_answered_late() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    retry_options(&spec, &["backoff-threshold 1", "backoff-factor 5"]);
    let raw = Raw::new(&address_of(&spec, 0));
    // An unknown name waits as long as a known one: nothing tells them apart.
    for user in ["bob", "nobody"] {
        let started = std::time::Instant::now();
        assert_eq!(raw.login(user, "guess-1"), Err(Code::Unauthenticated));
        assert!(
            started.elapsed() >= Duration::from_secs(5),
            "{user}: answered after {:?}",
            started.elapsed()
        );
    }
    assert!(raw.login("bob", PASSWORD).is_ok(), "the right password is not held back");
}

#[test]
fn only_a_class_with_secret_sees_password_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    let saved = as_user(&spec, "alice", Some(PASSWORD), &["show configuration system | save /var/tmp/conf"]);
    assert!(saved.ok, "{}", saved.stderr);
    let shows = [
        "show configuration system login user alice",
        "show configuration | display set | match encrypted",
        "show configuration system root-authentication | display xml",
        "show configuration system login | display json",
        "show configuration | compare rollback 1",
        "show system rollback 1 | match encrypted",
        "file show /var/tmp/conf",
    ];
    let bob = as_user(&spec, "bob", Some(PASSWORD), &shows);
    assert!(bob.ok, "{}", bob.stderr);
    assert!(!bob.stdout.contains("$6$"), "{}", bob.stdout);
    for shown in [
        "    encrypted-password /* SECRET-DATA */; ## SECRET-DATA\n",
        "set system login user alice authentication encrypted-password /* SECRET-DATA */\n",
        "<encrypted-password>/* SECRET-DATA */</encrypted-password>",
        "\"encrypted-password\" : \"/* SECRET-DATA */\"",
        "+          encrypted-password /* SECRET-DATA */; ## SECRET-DATA\n",
    ] {
        assert!(bob.stdout.contains(shown), "{shown} in {}", bob.stdout);
    }
    // A class with `secret` sees them, as the super-user does.
    let alice = as_user(&spec, "alice", Some(PASSWORD), &shows);
    assert!(alice.ok, "{}", alice.stderr);
    assert!(!alice.stdout.contains("SECRET-DATA */"), "{}", alice.stdout);
    assert_eq!(
        alice.stdout.matches("$6$").count(),
        bob.stdout.matches("SECRET-DATA */").count(),
        "{}",
        alice.stdout
    );
}

#[test]
fn files_are_written_only_where_the_class_allows() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    let messages = dir.path().join("re0/files/var/log/messages");
    let log = std::fs::read_to_string(&messages).unwrap();
    assert!(log.contains("logged in"), "{log}");

    // A read-only class has no `| save`, and the agent refuses it too.
    let bob = as_user(&spec, "bob", Some(PASSWORD), &["show version | save /var/log/messages"]);
    assert!(bob.stderr.contains("syntax error"), "{}", bob.stderr);
    let raw = Raw::new(&address_of(&spec, 0));
    let token = raw.login("bob", PASSWORD).unwrap();
    let save = |token: &str, path: &str| {
        let request =
            reshell::proto::SaveFileRequest { user: String::new(), path: path.into(), content: "x\n".into() };
        code(raw.rt.block_on(
            RoutingEngineClient::new(raw.channel.clone()).save_file(raw.with(Some(token), request)),
        ))
    };
    assert_eq!(save(&token, "/var/log/messages"), Code::PermissionDenied);

    // A class that may save does so in its home and /var/tmp, not over the system's files.
    let mia = as_user(
        &spec,
        "mia",
        Some(PASSWORD),
        &[
            "show version | save /var/log/messages",
            "show version | save out",
            "file copy out /var/tmp/out",
            "file copy out re1:/config/out",
            "file rename out /var/log/out",
            "file delete /var/log/messages",
            "file list",
        ],
    );
    assert_eq!(
        mia.stderr.lines().filter(|l| l.starts_with("error: ")).collect::<Vec<_>>(),
        [
            "error: /var/log/messages: Permission denied",
            "error: /config/out: Permission denied",
            "error: /var/log/out: Permission denied",
            "error: /var/log/messages: Permission denied",
        ],
        "{}",
        mia.stderr
    );
    assert!(
        mia.stdout.contains("lines of output to 'out'") && mia.stdout.contains("/var/home/mia/:\nout\n"),
        "{}",
        mia.stdout
    );
    assert!(std::fs::read_to_string(&messages).unwrap().starts_with(&log));

    // Nobody writes over a directory, or to a name that is no file's.
    let alice = raw.login("alice", PASSWORD).unwrap();
    assert_eq!(save(&alice, ""), Code::InvalidArgument);
    assert_eq!(save(&alice, "/var/tmp/"), Code::InvalidArgument);
    assert_ne!(save(&alice, "/var/log"), Code::Ok);
    assert_eq!(save(&alice, "/var/log/mine"), Code::Ok, "a super-user writes anywhere in the area");
    assert!(dir.path().join("re0/files/var/log").is_dir());
}

/// A commit's comment and client, and a session's terminal, are printed by
/// `show system commit` and `show system users`: a gRPC caller, which skips
/// the shell's parser, cannot put a control character there either.
#[test]
fn the_agent_refuses_a_control_character_in_what_listings_print() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    let raw = Raw::new(&address_of(&spec, 0));
    let lab = raw.login("lab", common::PASSWORD).unwrap();
    let configuration = ConfigurationClient::new(raw.channel.clone());
    for commit in [
        CommitRequest { comment: "fine\u{1b}[2J".into(), ..Default::default() },
        CommitRequest { client: "fine\u{1b}[2J".into(), ..Default::default() },
    ] {
        let reply = raw.rt.block_on(configuration.clone().commit(raw.with(Some(&lab), commit)));
        let status = reply.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "invalid value: 'fine\\u{1b}[2J': control characters are not allowed");
    }
    let attach = AttachRequest { terminal: "pts/1\r\u{1b}[2J".into(), pid: 1 };
    let reply =
        raw.rt.block_on(RoutingEngineClient::new(raw.channel.clone()).attach(raw.with(Some(&lab), attach)));
    assert_eq!(reply.err().map(|s| s.code()), Some(Code::InvalidArgument));
}

/// `secret-control` is what changes a secret (a password hash, a key),
/// however the change is made; `secret` only shows them.
#[test]
fn only_a_class_with_secret_control_commits_a_changed_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, address) = common::agent(0, "127.0.0.1:0", &common::free_port(), dir.path());
    let spec = format!("re0={address}");
    let hash = sha_crypt::sha512_simple(PASSWORD, &sha_crypt::Sha512Params::new(5000).unwrap()).unwrap();
    let mut commands = vec!["configure".to_owned()];
    for (user, permissions) in
        [("ed", "configure view"), ("sam", "configure view secret"), ("kim", "configure view secret-control")]
    {
        commands.push(format!("set system login class {user}-class permissions [ {permissions} ]"));
        commands.push(format!("set system login user {user} class {user}-class"));
        commands.push(format!("set system login user {user} authentication encrypted-password \"{hash}\""));
    }
    commands.push("commit and-quit".into());
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let run = connected_commands(&spec, &commands);
    assert!(run.stdout.contains("commit complete"), "{}{}", run.stdout, run.stderr);

    let change = |user: &str, hash: &str| {
        let set = format!("set system root-authentication encrypted-password \"{hash}\"");
        as_user(
            &spec,
            user,
            Some(PASSWORD),
            &["configure", "set system location building b1", &set, "commit"],
        )
    };
    let refused_message = "error: permission denied: changing secret statements needs secret-control\n";
    for user in ["ed", "sam"] {
        let refused = change(user, "$6$abc$refused");
        assert!(!refused.ok, "{user}: {}", refused.stdout);
        assert!(refused.stderr.contains(refused_message), "{user}: {}{}", refused.stdout, refused.stderr);
    }
    let committed = connected_commands(&spec, &["show configuration system"]).stdout;
    assert!(!committed.contains("$6$abc$refused") && !committed.contains("building b1"), "{committed}");

    // What changes no secret commits for any of them, once the refused change is undone.
    let plain = ["configure", "rollback", "set system domain-name example.net", "commit"];
    let plain = as_user(&spec, "ed", Some(PASSWORD), &plain);
    assert!(plain.stdout.contains("commit complete"), "{}{}", plain.stdout, plain.stderr);
    let allowed = change("kim", "$6$abc$allowed");
    assert!(allowed.stdout.contains("commit complete"), "{}{}", allowed.stdout, allowed.stderr);
    let committed = connected_commands(&spec, &["show configuration system root-authentication"]).stdout;
    assert!(committed.contains("$6$abc$allowed"), "{committed}");
}

#[test]
fn tries_sent_side_by_side_are_no_faster_than_one_after_another() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, spec) = two_agents(dir.path());
    add_users(&spec);
    retry_options(&spec, &["backoff-threshold 1", "backoff-factor 5"]);
    let address = address_of(&spec, 0);
    let guesses: Vec<Result<String, Code>> = std::thread::scope(|scope| {
        let tries: Vec<_> = (0..20)
            .map(|n| {
                let address = &address;
                scope.spawn(move || Raw::new(address).login("bob", &format!("guess-{n}")))
            })
            .chain(std::iter::once(scope.spawn(|| Raw::new(&address).login("evil\u{1b}[2J", "x"))))
            .collect();
        tries.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(guesses.iter().all(|g| *g == Err(Code::Unauthenticated)), "{guesses:?}");
    // Two checks run at once; once one failed, the rest wait their turn.
    let log = connected_commands(&spec, &["show log messages | match LOGIN_FAILED"]);
    let checked = log.stdout.matches("Login failed for user 'bob'").count();
    assert!((1..=2).contains(&checked), "{checked} of 20 checked:\n{}", log.stdout);
    assert!(!log.stdout.contains("evil"), "a name with an escape is neither counted nor logged");
}
