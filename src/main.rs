//! `reshell`: argument parsing and wiring; the work is in the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use reshell::admission::LOGIN_GRACE_TIME;
use reshell::agent::{self, AgentOptions, ChassisSecret};
use reshell::chassis::{self, Management};
use reshell::fault;
use reshell::frontends::ssh::{self, SshOptions};
use reshell::lab;
use reshell::shell::{self, Addresses, BatchOptions, Credentials, ShellOptions};
use reshell::slot::Slot;
use reshell::tls::{self, AgentTls};

/// A Junos-style CLI for a router with two Routing Engines.
///
/// With no subcommand and no --connect, both Routing Engines run inside this
/// process (the embedded chassis) and the shell attaches to RE0.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Run>,
    /// Where the embedded chassis keeps its state [default: the user's data dir]/reshell
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Attach to running agents instead: re0=ADDR,re1=ADDR
    #[arg(long, value_name = "SPEC")]
    connect: Option<Addresses>,
    /// Log in as this user [default: the OS user]. The embedded chassis's
    /// shell is at the console and needs no password; with --connect it is
    /// asked for, or taken from RESHELL_PASSWORD
    #[arg(long)]
    user: Option<String>,
    /// With --connect, log in at the console with the chassis secret in FILE
    /// (STATE_DIR/chassis-secret of `reshell chassis`): no password needed
    #[arg(long, value_name = "FILE", requires = "connect")]
    secret: Option<PathBuf>,
    /// Commit this configuration (Junos text or set lines) on top of the
    /// factory default when the state dir is new
    #[arg(long, value_name = "FILE", conflicts_with = "connect")]
    startup_config: Option<PathBuf>,
    /// Run this command (repeatable, in order) and exit
    #[arg(short = 'c', long = "command", value_name = "CMD")]
    commands: Vec<String>,
    /// Run the commands in FILE and exit
    #[arg(short = 'f', long = "file", value_name = "FILE", conflicts_with = "commands")]
    file: Option<PathBuf>,
    /// In batch mode, print the prompt and command before each command's output
    #[arg(long)]
    echo: bool,
    /// In batch mode, go on after a command fails (the exit status still says so)
    #[arg(long)]
    keep_going: bool,
    /// In batch mode, answer yes to every [yes,no] question (otherwise its default)
    #[arg(long)]
    yes: bool,
    /// Reach the agents of --connect over TLS, checking them against this CA (PEM)
    #[arg(long, value_name = "FILE", requires = "connect")]
    tls_ca: Option<PathBuf>,
    /// Serve the embedded chassis's CLI over SSH here, always on the master
    #[arg(long, value_name = "ADDR", conflicts_with = "connect")]
    ssh_listen: Option<SocketAddr>,
    /// Serve the embedded chassis's NETCONF over SSH here, always on the master
    #[arg(long, value_name = "ADDR", conflicts_with = "connect")]
    netconf_listen: Option<SocketAddr>,
}

#[derive(Subcommand)]
enum Run {
    /// Serve one Routing Engine
    Agent(Box<AgentArgs>),
    /// Run both Routing Engines as child processes
    Chassis {
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        /// Let `reshell fault` inject faults into both agents
        #[arg(long)]
        fault_injection: bool,
        /// Serve SSH here, always leading to the master Routing Engine
        #[arg(long, value_name = "ADDR")]
        ssh_listen: Option<SocketAddr>,
        /// Serve NETCONF over SSH here, always leading to the master Routing Engine
        #[arg(long, value_name = "ADDR")]
        netconf_listen: Option<SocketAddr>,
        /// Commit this configuration (Junos text or set lines) on top of the
        /// factory default when the state dir is new
        #[arg(long, value_name = "FILE")]
        startup_config: Option<PathBuf>,
    },
    /// Run many chassis from a topology file, and list them for automation tools
    #[command(subcommand)]
    Lab(LabCommand),
    /// Make an agent started with --fault-injection suffer a fault
    Fault {
        /// The agent's gRPC address
        #[arg(long, value_name = "ADDR")]
        connect: String,
        /// Log in as this super-user [default: the OS user; password from RESHELL_PASSWORD]
        #[arg(long)]
        user: Option<String>,
        /// Log in at the console with the chassis secret in FILE instead
        #[arg(long, value_name = "FILE")]
        secret: Option<PathBuf>,
        #[command(subcommand)]
        fault: fault::FaultCommand,
    },
}

#[derive(Subcommand)]
enum LabCommand {
    /// Run every node of TOPOLOGY (containerlab's YAML) in this process
    /// until Ctrl-C or SIGTERM
    Run {
        topology: PathBuf,
        /// Where the lab keeps its state [default: the user's data dir]/reshell/labs/NAME
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        /// Start again from the startup configurations, forgetting what changed since
        #[arg(long)]
        fresh: bool,
    },
    /// Print the running lab's inventory
    Inventory {
        topology: PathBuf,
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: lab::inventory::Format,
    },
    /// Exit 0 when the SSH or NETCONF service at each ADDR greets, as a
    /// container's health check asks
    Health {
        #[arg(required = true, value_name = "ADDR")]
        addresses: Vec<SocketAddr>,
    },
}

/// `reshell agent`: one Routing Engine.
#[derive(clap::Args)]
struct AgentArgs {
    #[arg(long)]
    slot: Slot,
    /// gRPC listen address; port 0 picks a free port
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// gRPC address of the other Routing Engine
    #[arg(long, value_name = "ADDR")]
    peer: String,
    #[arg(long, value_name = "DIR")]
    state_dir: PathBuf,
    /// Mastership lease file shared with the other Routing Engine on this host
    #[arg(long, value_name = "FILE")]
    lease: Option<PathBuf>,
    /// Serve the fault injection service (`reshell fault`)
    #[arg(long)]
    fault_injection: bool,
    /// Serve an address other than loopback without TLS
    #[arg(long)]
    insecure: bool,
    /// The chassis secret both Routing Engines share, made if missing
    /// [default: STATE_DIR/chassis-secret]
    #[arg(long, value_name = "FILE")]
    secret: Option<PathBuf>,
    /// Serve TLS with this certificate (PEM), and reach the peer over TLS
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "tls_ca"])]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The CA that signed both Routing Engines' certificates (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_ca: Option<PathBuf>,
    /// SSH listen address for the CLI (and the netconf subsystem)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    ssh_listen: SocketAddr,
    /// SSH listen address for NETCONF
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    netconf_listen: SocketAddr,
    /// Stop when the process that started this one ends (`reshell chassis`
    /// passes it, so that its REs never outlive it)
    #[arg(long, hide = true)]
    exit_with_parent: bool,
    /// The SSH host key, made if missing [default: STATE_DIR/ssh_host_ed25519_key]
    #[arg(long, value_name = "FILE")]
    ssh_host_key: Option<PathBuf>,
    /// Commit this configuration (Junos text or set lines) on top of the
    /// factory default when the state dir is new
    #[arg(long, value_name = "FILE")]
    startup_config: Option<PathBuf>,
    /// How long an SSH or gRPC connection may take to log in (tests shorten it)
    #[arg(long, hide = true, value_name = "SECONDS")]
    login_grace_time: Option<u64>,
    /// How the agent this one replaces ended (`reshell chassis` restarts
    /// an agent that was killed), for /var/log/messages
    #[arg(long, hide = true, value_name = "TEXT")]
    restarted_after: Option<String>,
    /// Die as by `kill -9` at this step of the first commit or file
    /// transfer that reaches it (fault injection, for tests)
    #[arg(long, value_name = "STEP", hide = true, requires = "fault_injection")]
    crash_at: Option<reshell::durable::CrashPoint>,
}

fn default_state_dir() -> anyhow::Result<PathBuf> {
    Ok(dirs::data_dir().context("no data directory for this user; give --state-dir")?.join("reshell"))
}

/// A lab's state dir: the one given, or one per lab under the data dir.
fn lab_state_dir(given: Option<PathBuf>, topology: &lab::topology::Topology) -> anyhow::Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => Ok(default_state_dir()?.join("labs").join(&topology.name)),
    }
}

fn os_user() -> String {
    ["USER", "LOGNAME"].iter().find_map(|v| std::env::var(v).ok()).unwrap_or_else(|| "root".into())
}

/// The password for batch use, where none can be asked for.
fn password() -> Option<String> {
    std::env::var("RESHELL_PASSWORD").ok()
}

/// The chassis secret an owner of the chassis's state logs in with.
fn console_secret(file: &std::path::Path) -> anyhow::Result<ChassisSecret> {
    ChassisSecret::read(file)?.with_context(|| format!("{} holds no chassis secret", file.display()))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    match cli.command {
        Some(Run::Agent(args)) => {
            let AgentArgs {
                slot,
                listen,
                peer,
                state_dir,
                lease,
                fault_injection,
                insecure,
                secret,
                tls_cert,
                tls_key,
                tls_ca,
                ssh_listen,
                netconf_listen,
                ssh_host_key,
                exit_with_parent,
                startup_config,
                login_grace_time,
                restarted_after,
                crash_at,
            } = *args;
            if let Some(point) = crash_at {
                reshell::durable::crash_at(point);
            }
            if exit_with_parent {
                agent::exit_with_parent()?;
            }
            let tls = match (tls_cert, tls_key, tls_ca) {
                (Some(cert), Some(key), Some(ca)) => Some(AgentTls { cert, key, ca }),
                _ => None,
            };
            agent::check_exposure(listen, tls.is_some(), insecure)?;
            let secret = secret.unwrap_or_else(|| chassis::secret_file(&state_dir));
            let login_grace_time = login_grace_time.map_or(LOGIN_GRACE_TIME, std::time::Duration::from_secs);
            let ssh = SshOptions {
                ssh: Some(ssh_listen),
                netconf: Some(netconf_listen),
                host_key: ssh_host_key.unwrap_or_else(|| state_dir.join(ssh::HOST_KEY_FILE)),
                login_grace_time,
            };
            let options = AgentOptions {
                slot,
                peer,
                state_dir,
                lease,
                fault_injection,
                secret,
                tls,
                startup_config,
                login_grace_time,
                restarted_after,
                fabric: None,
                node: None,
            };
            let ended = rt.block_on(chassis::run_agent(listen, options, ssh))?;
            // The agent has stopped; its tasks end with the process, as
            // at a crash, which its store is made for. Torn down one by
            // one, a task caught in a blocking section would run on into a
            // runtime already shut down, and panic.
            std::mem::forget(rt);
            Ok(ExitCode::from(ended.exit_status()))
        }
        Some(Run::Chassis { state_dir, fault_injection, ssh_listen, netconf_listen, startup_config }) => {
            let state_dir = match state_dir {
                Some(dir) => dir,
                None => default_state_dir()?,
            };
            let management = Management { ssh: ssh_listen, netconf: netconf_listen };
            rt.block_on(chassis::run_children(
                &state_dir,
                fault_injection,
                management,
                startup_config.as_deref(),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Run::Lab(LabCommand::Run { topology, state_dir, fresh })) => {
            let topology = lab::topology::Topology::read(&topology)?;
            let state_dir = lab_state_dir(state_dir, &topology)?;
            rt.block_on(lab::run(&topology, &state_dir, fresh))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Run::Lab(LabCommand::Inventory { topology, state_dir, format })) => {
            let topology = lab::topology::Topology::read(&topology)?;
            let runtime = lab::Runtime::running(&lab_state_dir(state_dir, &topology)?, &topology.name)?;
            print!("{}", lab::inventory::render(&runtime, format)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Run::Lab(LabCommand::Health { addresses })) => {
            addresses.into_iter().try_for_each(lab::health)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Run::Fault { connect, user, secret, fault }) => {
            let user = user.unwrap_or_else(os_user);
            let console = secret.as_deref().map(console_secret).transpose()?;
            println!("{}", rt.block_on(fault::inject(&connect, &user, password(), console, fault))?);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let mut credentials = Credentials {
                user: cli.user.unwrap_or_else(os_user),
                password: password(),
                console: cli.secret.as_deref().map(console_secret).transpose()?,
                ..Credentials::default()
            };
            let mut serving = None;
            let addresses = match cli.connect {
                Some(addresses) => addresses,
                None => {
                    let state_dir = match cli.state_dir {
                        Some(dir) => dir,
                        None => default_state_dir()?,
                    };
                    let chassis = chassis::Embedded {
                        management: Management { ssh: cli.ssh_listen, netconf: cli.netconf_listen },
                        startup_config: cli.startup_config,
                        ..chassis::Embedded::new(&state_dir)
                    };
                    let started = rt.block_on(chassis::start_embedded(chassis))?;
                    for line in started.management.lines() {
                        eprintln!("{line}");
                    }
                    // The chassis runs in this process: its shell is at the console.
                    credentials.console = Some(started.secret);
                    serving = Some(started.serving);
                    started.addresses
                }
            };
            let options = ShellOptions {
                addresses,
                credentials,
                tls: cli.tls_ca.as_deref().map(tls::client).transpose()?,
                commands: cli.commands,
                file: cli.file,
                batch: BatchOptions { echo: cli.echo, keep_going: cli.keep_going, yes: cli.yes },
            };
            let ended = shell::run(rt.handle(), options);
            if let Some(chassis) = serving {
                rt.block_on(chassis.stop());
            }
            ended
        }
    }
}

fn main() -> ExitCode {
    reshell::heap::tune();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("reshell: {e:#}");
            ExitCode::FAILURE
        }
    }
}
