//! `reshell fault`: tells an agent started with `--fault-injection` to
//! suffer a fault, for tests and for rehearsing failures.

use anyhow::{Context, bail};
use clap::Subcommand;

use tonic::transport::Endpoint;

use crate::agent::ChassisSecret;
use crate::proto::LoginRequest;
use crate::proto::authentication_client::AuthenticationClient;
use crate::proto::fault_client::FaultClient;
use crate::proto::fault_request::Fault;
use crate::proto::{
    Crash, CrashProcess, CutLink, DelayMessages, DropMessages, FaultRequest, Freeze, Heal, LinkDown, LinkUp,
};

#[derive(Debug, Clone, Subcommand)]
pub enum FaultCommand {
    /// Cut the link to the other Routing Engine (keepalives and all)
    CutLink {
        /// For this long; until `heal` if left out
        seconds: Option<u32>,
    },
    /// End every injected fault
    Heal,
    /// Lose this share of messages to and from the other Routing Engine
    Drop {
        #[arg(value_parser = clap::value_parser!(u32).range(0..=100))]
        percent: u32,
    },
    /// Hold back messages to the other Routing Engine
    Delay {
        milliseconds: u32,
        /// The share of messages held back
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=100))]
        percent: u32,
    },
    /// Stop mastership work (keepalives, lease, answers to the other RE)
    Freeze {
        #[arg(value_parser = clap::value_parser!(u32).range(1..))]
        seconds: u32,
    },
    /// Kill the agent at once, as `kill -9` would
    Crash,
    /// Kill one of the agent's processes (routing or rpd, chassis-control, ...);
    /// its watchdog restarts it
    CrashProcess { name: String },
    /// Cut the link on this port to another chassis of the lab (both ends go down)
    LinkDown { interface: String },
    /// Restore the link on this port
    LinkUp { interface: String },
}

impl FaultCommand {
    fn request(self) -> FaultRequest {
        let fault = match self {
            FaultCommand::CutLink { seconds } => Fault::CutLink(CutLink { seconds: seconds.unwrap_or(0) }),
            FaultCommand::Heal => Fault::Heal(Heal {}),
            FaultCommand::Drop { percent } => Fault::Drop(DropMessages { percent }),
            FaultCommand::Delay { milliseconds, percent } => {
                Fault::Delay(DelayMessages { milliseconds, percent })
            }
            FaultCommand::Freeze { seconds } => Fault::Freeze(Freeze { seconds }),
            FaultCommand::Crash => Fault::Crash(Crash {}),
            FaultCommand::CrashProcess { name } => Fault::CrashProcess(CrashProcess { name }),
            FaultCommand::LinkDown { interface } => Fault::LinkDown(LinkDown { interface }),
            FaultCommand::LinkUp { interface } => Fault::LinkUp(LinkUp { interface }),
        };
        FaultRequest { fault: Some(fault) }
    }
}

/// Sends the fault, logged in as `user` (a super-user's work); what the
/// agent now suffers, in its words.
pub async fn inject(
    address: &str,
    user: &str,
    password: Option<String>,
    console: Option<ChassisSecret>,
    command: FaultCommand,
) -> anyhow::Result<String> {
    let crash = matches!(command, FaultCommand::Crash);
    let channel = Endpoint::from_shared(format!("http://{address}"))?
        .connect()
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    let console = console.map(|secret| secret.expose().to_owned());
    let login = LoginRequest { user: user.to_owned(), password, console };
    let granted = AuthenticationClient::new(channel.clone())
        .login(login)
        .await
        .map_err(|status| anyhow::anyhow!("cannot log in to {address} as {user}: {}", status.message()))?;
    let mut client = FaultClient::new(channel);
    let mut request = tonic::Request::new(command.request());
    request.metadata_mut().insert(crate::agent::TOKEN_KEY, granted.into_inner().token.parse()?);
    match client.inject(request).await {
        Ok(reply) => Ok(reply.into_inner().text),
        // The agent died before it could answer, as asked.
        Err(_) if crash => Ok(format!("agent at {address} crashed")),
        Err(status) if status.code() == tonic::Code::Unimplemented => {
            bail!("fault injection is not enabled on {address}: start the agent with --fault-injection")
        }
        Err(status) => bail!("{}", status.message()),
    }
}
