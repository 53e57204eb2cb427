//! The CLI and NETCONF over SSH, driven by an SSH client: served only
//! while configured, logged in against `system login`, with the terminal
//! behaviour automation relies on; and the chassis's management address,
//! which follows the master.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::ssh::{Program, Refused, Reply, Ssh};
use common::{
    PASSWORD, Process, Serving, agent_serving, agent_serving_with_open_files, connected_commands, eventually,
    free_port, reshell, startup_config, still_open,
};

/// Two agents with user `lab` (a super-user with PASSWORD); SSH and NETCONF
/// are configured only when `services` is set.
fn chassis(dir: &Path, services: bool) -> (Process, Process, Serving, Serving, String) {
    let re1_port = free_port();
    let (re0, s0) = agent_serving(0, "127.0.0.1:0", &re1_port, &dir.join("re0"), &[]);
    let (re1, s1) = agent_serving(1, &re1_port, &s0.grpc, &dir.join("re1"), &[]);
    let spec = format!("re0={},re1={}", s0.grpc, s1.grpc);
    configure(&spec, services, None);
    (re0, re1, s0, s1, spec)
}

fn configure(spec: &str, services: bool, password: Option<&str>) {
    let hash = sha_crypt::sha512_simple(PASSWORD, &sha_crypt::Sha512Params::new(5000).unwrap()).unwrap();
    let user = format!("set system login user lab authentication encrypted-password \"{hash}\"");
    let mut commands = vec!["configure", "set system login user lab class super-user", &user];
    if services {
        commands.extend(["set system services ssh", "set system services netconf ssh"]);
    }
    commands.push("commit synchronize and-quit");
    let mut command = reshell();
    command.args(["--connect", spec]);
    if let Some(password) = password {
        command.env("RESHELL_PASSWORD", password);
    }
    for c in commands {
        command.args(["-c", c]);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("commit complete"), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
}

/// Failover on loss of keepalives after 2 s, on both REs.
fn fail_over_in_two_seconds(spec: &str) {
    let run = reshell()
        .args(["--connect", spec])
        .env("RESHELL_PASSWORD", PASSWORD)
        .args(["-c", "configure", "-c", "set chassis redundancy failover on-loss-of-keepalives"])
        .args(["-c", "set chassis redundancy keepalive-time 2", "-c", "commit synchronize and-quit"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn the_cli_over_ssh_behaves_as_a_router_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, s1, _) = chassis(dir.path(), true);
    let ssh = Ssh::new(dir.path());
    // Typed ahead of the first prompt, as automation does.
    let typed = "show chassis routing-engine | match state\n\
                 \n\
                 show ver?\x15show chassis rou\t| match Current\n\
                 configure\n\
                 set system location building b1\n\
                 exit configuration-mode\n\
                 yes\n\
                 request routing-engine login other-routing-engine\n\
                 exit\n\
                 exit\n";
    let Reply { output: out, exit_status } = ssh.run(&s0.ssh, Program::Shell, typed).unwrap();
    assert_eq!(exit_status, Some(0), "{out}");
    let expected = [
        "{master}\r\nlab@re0> ",
        "show chassis routing-engine | match state\r\n    Current state                  Master\r\n    Current state                  Backup\r\n\r\n{master}\r\nlab@re0> \r\n\r\n{master}\r\nlab@re0> ",
        "show ver?\r\nPossible completions:\r\n  version ",
        "{master}\r\nlab@re0> show ver\x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08",
        "show chassis routing-engine | match Current\r\n    Current state",
        "configure\r\nEntering configuration mode\r\n\r\n{master}[edit]\r\nlab@re0# ",
        "exit configuration-mode\r\nThe configuration has been changed but not committed\r\nExit with uncommitted changes? [yes,no] (yes) yes\r\nExiting configuration mode\r\n",
        "{backup}\r\nlab@re1> exit\r\n",
    ];
    let mut from = 0;
    for part in expected {
        let at = out[from..].find(part).unwrap_or_else(|| panic!("{part:?} not after {from} in:\n{out}"));
        from += at + part.len();
    }
    assert!(!out.contains('\x1b'), "escape sequences in:\n{out}");

    // One command, as `ssh router "show version"` runs it, on either RE.
    let Reply { output: out, exit_status } = ssh.exec(&s1.ssh, "show version").unwrap();
    assert_eq!(exit_status, Some(0), "{out}");
    assert!(out.contains("Hostname: re1\n"), "{out}");
    // The session is listed with its own terminal and the client's address.
    let Reply { output: out, exit_status } = ssh.exec(&s0.ssh, "show system users").unwrap();
    assert_eq!(exit_status, Some(0), "{out}");
    let listed = out.lines().find(|l| l.starts_with("lab ")).unwrap_or_else(|| panic!("{out}"));
    assert!(listed.contains(" pts/") && listed.contains(" 127.0.0.1 "), "{out}");
    let Reply { output: out, exit_status } = ssh.exec(&s0.ssh, "show chassis nonsense").unwrap();
    assert_eq!(exit_status, Some(1), "{out}");
    assert!(out.contains("syntax error"), "{out}");

    let wrong = Ssh::new(dir.path()).login("lab", "wrong-password");
    assert_eq!(wrong.exec(&s0.ssh, "show version"), Err(Refused::Login));
}

#[test]
fn ssh_and_netconf_are_served_only_while_configured() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, _s1, spec) = chassis(dir.path(), false);
    let ssh = Ssh::new(dir.path());
    for address in [&s0.ssh, &s0.netconf] {
        let refused = ssh.exec(address, "show version");
        assert!(matches!(refused, Err(Refused::Connection(_))), "{refused:?}");
    }
    configure(&spec, true, Some(PASSWORD));
    let hello = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities>\
                 <capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>\
                 <rpc message-id=\"7\"><close-session/></rpc>]]>]]>";
    for address in [&s0.ssh, &s0.netconf] {
        let Reply { output: out, exit_status } = ssh.run(address, Program::Netconf, hello).unwrap();
        assert_eq!(exit_status, Some(0), "{out}");
        assert!(out.contains("<capability>urn:ietf:params:netconf:base:1.0</capability>"), "{out}");
        assert!(
            out.contains("<rpc-reply") && out.contains("message-id=\"7\"") && out.contains("<ok/>"),
            "{out}"
        );
    }
    // The NETCONF port has no CLI.
    assert_eq!(ssh.run(&s0.netconf, Program::Shell, "show version\nexit\n"), Err(Refused::Program));
}

#[test]
fn the_management_address_leads_to_the_master_and_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut chassis = Process::spawn(
        reshell()
            .arg("chassis")
            .arg("--state-dir")
            .arg(dir.path())
            .arg("--startup-config")
            .arg(startup_config())
            .args(["--ssh-listen", "127.0.0.1:0"]),
    );
    let (mut management, mut grpc) = (String::new(), [String::new(), String::new()]);
    while management.is_empty() || grpc.iter().any(String::is_empty) {
        let line = chassis.next_line();
        if let Some(address) = line.strip_prefix("ssh listening on ") {
            management = address.to_owned();
        }
        for (slot, found) in grpc.iter_mut().enumerate() {
            if let Some(address) = line.strip_prefix(&format!("re{slot}: listening on ")) {
                *found = address.to_owned();
            }
        }
    }
    let spec = format!("re0={},re1={}", grpc[0], grpc[1]);
    configure(&spec, true, None);
    fail_over_in_two_seconds(&spec);

    let ssh = Ssh::new(dir.path());
    let hostname = || ssh.exec(&management, "show version | match Hostname");
    assert_eq!(hostname(), Ok(Reply { output: "Hostname: re0\n".into(), exit_status: Some(0) }));

    // A session on the master when it goes down ends; the next reaches re1.
    // Halted, not killed: the chassis would start a killed agent again, and
    // it would claim back mastership before re1 missed it.
    let mut held = ssh.open(&management, Program::Shell).unwrap();
    held.expect_after(0, "{master}");
    let halted = connected_commands(&format!("re0={}", grpc[0]), &["request system halt"]);
    assert!(halted.ok, "{}", halted.stderr);
    assert!(held.ends(), "the session on the halted master did not end");
    // The same host key: the REs of a chassis share one, and a changed key
    // would be refused.
    eventually(Duration::from_secs(20), "the management address reaches re1", || match hostname() {
        Err(Refused::HostKeyChanged) => panic!("re1 showed another host key"),
        reached => reached.is_ok_and(|reply| reply.output == "Hostname: re1\n"),
    });
    let key = std::fs::metadata(dir.path().join("ssh_host_ed25519_key")).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    let _ = chassis.child.kill();
}

#[test]
fn a_flood_of_idle_connections_is_bounded_and_the_master_stays_master() {
    // Each RE may hold 256 descriptors, fewer than the flood would take;
    // the lease is renewed by opening its file four times a second.
    const OPEN_FILES: u32 = 256;
    const FLOOD: usize = 300;
    const CONNECTION_LIMIT: usize = 75;
    let dir = tempfile::tempdir().unwrap();
    let lease = dir.path().join("lease");
    let more = ["--lease", lease.to_str().unwrap(), "--login-grace-time", "3"];
    let re1_port = free_port();
    let (_re0, s0) = agent_serving_with_open_files(
        0,
        "127.0.0.1:0",
        &re1_port,
        &dir.path().join("re0"),
        &more,
        OPEN_FILES,
    );
    let (_re1, s1) =
        agent_serving_with_open_files(1, &re1_port, &s0.grpc, &dir.path().join("re1"), &more, OPEN_FILES);
    let spec = format!("re0={},re1={}", s0.grpc, s1.grpc);
    configure(&spec, true, None);
    fail_over_in_two_seconds(&spec);
    let mastership = || {
        let shown = reshell()
            .args(["--connect", &spec, "-c", "show chassis routing-engine | match state", "-c"])
            .arg("show log mastership")
            .env("RESHELL_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        String::from_utf8_lossy(&shown.stdout).into_owned()
    };
    let before = mastership();
    assert!(before.contains("Current state                  Master"), "{before}");

    let flood: Vec<std::net::TcpStream> = (0..FLOOD)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&s0.ssh.parse().unwrap(), Duration::from_secs(5)).ok()
        })
        .collect();
    // Past `connection-limit`, and past MaxStartups's early drop, a
    // connection is closed as soon as it is accepted.
    eventually(Duration::from_secs(20), "at most connection-limit idle connections held", || {
        flood.iter().filter(|c| still_open(c)).count() <= CONNECTION_LIMIT
    });
    // Those held are closed once the login grace time has passed.
    eventually(Duration::from_secs(20), "the idle connections closed after the grace time", || {
        flood.iter().all(|c| !still_open(c))
    });
    // Through all of it the master kept its lease and the backup heard its
    // keepalives: nobody changed role.
    assert_eq!(mastership(), before);
    drop(flood);
    let reply = Ssh::new(dir.path()).exec(&s0.ssh, "show version | match Hostname");
    assert_eq!(reply, Ok(Reply { output: "Hostname: re0\n".into(), exit_status: Some(0) }));
}

const HELLO: &str = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities>\
                     <capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>";

#[test]
fn a_user_holds_at_most_eight_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, _s1, spec) = chassis(dir.path(), true);
    let ssh = Ssh::new(dir.path());
    let open = || {
        let mut session = ssh.open(&s0.netconf, Program::Netconf).unwrap();
        session.expect_after(0, "  <session-id>");
        session
    };
    let mut sessions: Vec<_> = (0..8).map(|_| open()).collect();
    let close = format!("{HELLO}<rpc message-id=\"1\"><close-session/></rpc>]]>]]>");
    assert_eq!(ssh.run(&s0.ssh, Program::Netconf, &close), Err(Refused::Channel));
    let logged = reshell()
        .args(["--connect", &spec, "-c", "show log messages | match refused"])
        .env("RESHELL_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let logged = String::from_utf8_lossy(&logged.stdout);
    assert!(logged.contains(" sshd: session refused for lab: 8 sessions already open\n"), "{logged}");
    // A session that ends gives its place back.
    sessions.pop();
    eventually(Duration::from_secs(20), "a ninth session once one ended", || {
        ssh.run(&s0.ssh, Program::Netconf, &close).is_ok_and(|reply| reply.exit_status == Some(0))
    });
}

/// A process's memory figure (`VmRSS`, `VmHWM`) in KiB.
fn memory_kib(pid: u32, figure: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(figure)).unwrap_or_else(|| panic!("{status}"));
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).unwrap()
}

#[test]
fn an_oversized_netconf_message_is_refused_without_growing_the_agent() {
    const SENT: usize = 64 << 20;
    let dir = tempfile::tempdir().unwrap();
    let (re0, _re1, s0, _s1, _) = chassis(dir.path(), true);
    let pid = re0.child.id();
    let before = memory_kib(pid, "VmRSS");
    let mut session = Ssh::new(dir.path()).open(&s0.netconf, Program::Netconf).unwrap();
    session.send(HELLO.as_bytes());
    session.send(b"<rpc message-id=\"1\"><get-software-information/>");
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..SENT >> 20 {
        session.send(&spaces);
    }
    session.send(b"</rpc>]]>]]>");
    session.send(b"<rpc message-id=\"2\"><get-software-information/></rpc>]]>]]>");
    session.send(b"<rpc message-id=\"3\"><close-session/></rpc>]]>]]>");
    let Reply { output: text, exit_status } = session.wait_end();
    // The oversized message is answered with an error; the session goes on.
    let replies: Vec<&str> = text.split("]]>]]>").collect();
    assert!(replies[1].contains("<error-tag>too-big</error-tag>"), "{text}");
    assert!(
        replies[2].contains("message-id=\"2\"") && replies[2].contains("<host-name>re0</host-name>"),
        "{text}"
    );
    assert!(replies[3].contains("message-id=\"3\"") && replies[3].contains("<ok/>"), "{text}");
    assert_eq!(exit_status, Some(0), "{text}");
    // It cost the agent its input window and one message's worth, not its size.
    let grown = memory_kib(pid, "VmHWM").saturating_sub(before) << 10;
    assert!(grown < SENT as u64 / 2, "the agent grew by {} MiB", grown >> 20);
}

#[test]
fn root_logs_in_over_ssh_only_where_root_login_allows() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, _, spec) = chassis(dir.path(), true);
    let root = Ssh::new(dir.path()).login("root", PASSWORD);
    let as_root = || root.exec(&s0.ssh, "show version | match Hostname");
    assert_eq!(as_root(), Ok(Reply { output: "Hostname: re0\n".into(), exit_status: Some(0) }));
    let deny = common::connected_commands(
        &spec,
        &["configure", "set system services ssh root-login deny", "commit synchronize and-quit"],
    );
    assert!(deny.stdout.contains("commit complete"), "{}{}", deny.stdout, deny.stderr);
    assert_eq!(as_root(), Err(Refused::Login), "refused, with root's right password");
    let log = common::connected_commands(&spec, &["show log messages | match ROOT"]);
    assert!(log.stdout.contains("sshd: ROOT LOGIN REFUSED FROM 127.0.0.1"), "{}", log.stdout);
}

#[test]
fn the_embedded_chassis_serves_ssh_from_the_master() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::startup_config_with("system {\n    services {\n        ssh;\n    }\n}\n");
    // A batch shell that waits on its input keeps the chassis running.
    let mut shell = Process::spawn(
        reshell()
            .arg("--state-dir")
            .arg(dir.path())
            .arg("--startup-config")
            .arg(&config)
            .args(["--ssh-listen", "127.0.0.1:0"])
            .stdin(std::process::Stdio::piped()),
    );
    let management = shell.wait_for("ssh listening on ");
    let reply = Ssh::new(dir.path()).exec(&management, "show version | match Hostname");
    assert_eq!(reply, Ok(Reply { output: "Hostname: re0\n".into(), exit_status: Some(0) }));
    shell.send("show version | match Hostname");
    drop(shell.child.stdin.take());
    assert!(shell.wait_exit().is_some_and(|status| status.success()));
}

#[test]
fn the_ssh_servers_service_is_for_the_chassis_alone() {
    use reshell::proto::authentication_client::AuthenticationClient;
    use reshell::proto::sshd_client::SshdClient;
    use reshell::proto::{AdmitRequest, LogRequest, LoginRequest, SshAuthenticateRequest};
    use tonic::Code;
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, _s1, _) = chassis(dir.path(), true);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let channel = rt
        .block_on(tonic::transport::Endpoint::from_shared(format!("http://{}", s0.grpc)).unwrap().connect())
        .unwrap();
    let login = LoginRequest { user: "lab".into(), password: Some(PASSWORD.into()), console: None };
    let token =
        rt.block_on(AuthenticationClient::new(channel.clone()).login(login)).unwrap().into_inner().token;
    // Not even a super-user may mint logins, check passwords or write the
    // log as the SSH server does.
    fn with<T>(token: Option<&str>, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(token) = token {
            request.metadata_mut().insert(reshell::agent::TOKEN_KEY, token.parse().unwrap());
        }
        request
    }
    for token in [None, Some(token.as_str())] {
        let expected = if token.is_some() { Code::PermissionDenied } else { Code::Unauthenticated };
        let sshd = SshdClient::new(channel.clone());
        let admit = AdmitRequest { user: "eve".into(), class: "super-user".into(), ..Default::default() };
        let opened = rt.block_on(sshd.clone().open_session(with(token, admit)));
        assert_eq!(opened.unwrap_err().code(), expected);
        let check =
            SshAuthenticateRequest { user: "lab".into(), password: "x".into(), from: "192.0.2.1:22".into() };
        assert_eq!(rt.block_on(sshd.clone().authenticate(with(token, check))).unwrap_err().code(), expected);
        let line = LogRequest { process: "sshd".into(), text: "forged".into() };
        assert_eq!(rt.block_on(sshd.clone().log(with(token, line))).unwrap_err().code(), expected);
    }
}

/// Adds user `viewer`, of class read-only, with PASSWORD.
fn add_read_only_user(spec: &str) {
    let hash = sha_crypt::sha512_simple(PASSWORD, &sha_crypt::Sha512Params::new(5000).unwrap()).unwrap();
    let password = format!("set system login user viewer authentication encrypted-password \"{hash}\"");
    let set = ["configure", "set system login user viewer class read-only", &password, "commit and-quit"];
    let run = connected_commands(spec, &set);
    assert!(run.stdout.contains("commit complete"), "{}{}", run.stdout, run.stderr);
}

#[test]
fn scp_copies_files_to_and_from_the_file_area_with_the_class_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, _, spec) = chassis(dir.path(), true);
    let lab = Ssh::new(dir.path());
    let notes = b"from the automation host\n\xff binary too\n";
    // Into a directory, under the file's own name; on either port.
    assert_eq!(lab.scp_put(&s0.ssh, "/var/tmp/", "notes.txt", notes), Ok(()));
    assert_eq!(lab.scp_put(&s0.netconf, "'/var/tmp/with space.txt'", "x", b"x"), Ok(()));
    let shown = lab.exec(&s0.ssh, "file list /var/tmp").unwrap();
    assert!(
        shown.output.contains("notes.txt") && shown.output.contains("with space.txt"),
        "{}",
        shown.output
    );
    assert_eq!(lab.scp_get(&s0.ssh, "/var/tmp/notes.txt"), Ok(notes.to_vec()));
    // A relative path is in the user's home.
    assert_eq!(lab.scp_put(&s0.ssh, "mine.txt", "x", b"at home\n"), Ok(()));
    assert_eq!(lab.scp_get(&s0.ssh, "/var/home/lab/mine.txt"), Ok(b"at home\n".to_vec()));
    // As OpenSSH's scp says it.
    assert_eq!(lab.scp_get(&s0.ssh, "/nope"), Err("scp: /nope: No such file or directory".into()));
    assert_eq!(
        lab.scp_put(&s0.ssh, "/nope/x", "x", b"x"),
        Err("scp: /nope/x: No such file or directory".into())
    );
    // Too large is refused before the bytes come.
    assert_eq!(
        lab.scp_offer(&s0.ssh, "/var/tmp/", "huge.bin", 300 << 20, b""),
        Err("scp: /var/tmp/huge.bin: File too large".into())
    );
    // Nothing outside the file area, by `..` or otherwise.
    for outside in ["/../../etc/passwd", "../../../../etc/passwd"] {
        assert_eq!(lab.scp_get(&s0.ssh, outside), Err(format!("scp: {outside}: No such file or directory")));
        assert!(lab.scp_put(&s0.ssh, outside, "x", b"x").is_err(), "{outside}");
    }
    let viewer = Ssh::new(dir.path()).login("viewer", PASSWORD);
    add_read_only_user(&spec);
    assert_eq!(viewer.scp_get(&s0.ssh, "/var/tmp/notes.txt"), Ok(notes.to_vec()));
    assert_eq!(
        viewer.scp_put(&s0.ssh, "/var/tmp/", "notes.txt", b"overwritten"),
        Err("scp: /var/tmp/notes.txt: Permission denied".into())
    );
    assert_eq!(lab.scp_get(&s0.ssh, "/var/tmp/notes.txt"), Ok(notes.to_vec()), "unchanged");
    // Secrets only to a class that may see them, as `file show` shows them.
    let saved = lab.exec(&s0.ssh, "show configuration system login | save /var/tmp/login.conf").unwrap();
    assert_eq!(saved.exit_status, Some(0), "{}", saved.output);
    let full = String::from_utf8(lab.scp_get(&s0.ssh, "/var/tmp/login.conf").unwrap()).unwrap();
    let masked = String::from_utf8(viewer.scp_get(&s0.ssh, "/var/tmp/login.conf").unwrap()).unwrap();
    assert!(full.contains("encrypted-password \"$6$"), "{full}");
    assert!(!masked.contains("$6$") && masked.contains("encrypted-password"), "{masked}");
}

#[test]
fn sftp_reads_writes_and_lists_the_file_area_with_the_class_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let (_re0, _re1, s0, _, spec) = chassis(dir.path(), true);
    let mut lab = Ssh::new(dir.path()).sftp(&s0.ssh);
    assert_eq!(lab.real_path("."), "/var/home/lab");
    assert_eq!(lab.real_path("/var/tmp/../log"), "/var/log");
    // Bigger than one write and one read.
    let image: Vec<u8> = (0..100_000u32).map(|n| (n % 251) as u8).collect();
    assert_eq!(lab.put("/var/tmp/image.bin", &image), Ok(()));
    assert_eq!(lab.size("/var/tmp/image.bin"), Ok(image.len() as u64));
    assert_eq!(lab.get("/var/tmp/image.bin"), Ok(image));
    assert_eq!(lab.make_directory("/var/tmp/images"), Ok(()));
    assert_eq!(lab.rename("/var/tmp/image.bin", "/var/tmp/images/image.bin"), Ok(()));
    assert_eq!(lab.list("/var/tmp/images"), Ok(vec!["image.bin".to_owned()]));
    assert!(lab.get("/nope").unwrap_err().starts_with("2 "), "SSH_FX_NO_SUCH_FILE");
    assert!(lab.get("/../../etc/passwd").unwrap_err().starts_with("2 "), "nothing outside the file area");
    add_read_only_user(&spec);
    let mut viewer = Ssh::new(dir.path()).login("viewer", PASSWORD).sftp(&s0.ssh);
    assert_eq!(viewer.list("/var/tmp"), Ok(vec!["images".to_owned()]));
    assert!(viewer.put("/var/tmp/x", b"x").unwrap_err().starts_with("3 "), "SSH_FX_PERMISSION_DENIED");
    assert!(viewer.remove("/var/tmp/images/image.bin").unwrap_err().starts_with("3 "));
    assert_eq!(lab.remove("/var/tmp/images/image.bin"), Ok(()));
    assert_eq!(lab.list("/var/tmp/images"), Ok(vec![]));
}
