//! Faults an agent can be told to suffer (`--fault-injection`): a cut or
//! lossy link to the other RE, frozen mastership work, a crash, a cut link
//! to another chassis of a lab. Tests use them to prove mastership safe;
//! operators to rehearse failures.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use tonic::{Request, Response, Status};

use super::Agent;
use super::processes::Daemon;
use crate::proto::fault_request::Fault as Kind;
use crate::proto::fault_server::Fault;
use crate::proto::{FaultReply, FaultRequest};

/// The link faults in force. Empty unless fault injection put them there.
#[derive(Default)]
pub struct Faults {
    link: Mutex<Link>,
}

#[derive(Default)]
struct Link {
    /// Cut until then; `Some(None)` until healed.
    cut: Option<Option<Instant>>,
    drop_percent: u32,
    delay: Duration,
    delay_percent: u32,
    random: Random,
}

impl Link {
    fn is_cut(&self) -> bool {
        self.cut.is_some_and(|until| until.is_none_or(|t| Instant::now() < t))
    }
}

impl Faults {
    fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applied before each message to the other RE: fails it if the link is
    /// cut or the message is to be lost, or holds it back for a while.
    pub async fn outgoing(&self) -> Result<(), Status> {
        let delay = {
            let mut link = self.link();
            link.refuse()?;
            let share = link.delay_percent;
            if link.random.percent() < share { link.delay } else { Duration::ZERO }
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }

    /// Applied to each message from the other RE.
    pub fn incoming(&self) -> Result<(), Status> {
        self.link().refuse()
    }
}

impl Link {
    fn refuse(&mut self) -> Result<(), Status> {
        if self.is_cut() {
            return Err(Status::unavailable("link to the other Routing Engine cut (fault injection)"));
        }
        if self.random.percent() < self.drop_percent {
            return Err(Status::unavailable("message lost (fault injection)"));
        }
        Ok(())
    }
}

/// A small generator (xorshift) for which messages a fault hits; nothing
/// here needs more than an even spread.
struct Random(u64);

impl Default for Random {
    fn default() -> Random {
        let seed =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        Random(seed | 1)
    }
}

impl Random {
    /// 0..100.
    fn percent(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 100) as u32
    }
}

fn seconds(n: u32) -> String {
    if n == 1 { "1 second".into() } else { format!("{n} seconds") }
}

impl Agent {
    /// Cuts or restores the link on `port` to another chassis of the lab.
    fn cut_link(&self, port: &str, cut: bool) -> Result<String, Status> {
        let fabric = self.fabric.as_ref().ok_or_else(|| {
            Status::failed_precondition("this chassis is not in a lab: it has no links to other chassis")
        })?;
        let far = fabric.set_cut(port, cut).map_err(|e| Status::invalid_argument(e.to_string()))?;
        let (node, done) = (fabric.node(), if cut { "cut" } else { "restored" });
        self.log_message("mib2d", &format!("link {node}:{port} to {far} {done} (fault injection)"));
        Ok(format!("link {node}:{port} to {far} {done}"))
    }
}

#[tonic::async_trait]
impl Fault for Agent {
    async fn inject(&self, request: Request<FaultRequest>) -> Result<Response<FaultReply>, Status> {
        let Some(fault) = request.into_inner().fault else {
            return Err(Status::invalid_argument("no fault given"));
        };
        let text = match fault {
            Kind::CutLink(cut) => {
                let until =
                    (cut.seconds > 0).then(|| Instant::now() + Duration::from_secs(cut.seconds.into()));
                self.faults.link().cut = Some(until);
                let how_long = if cut.seconds > 0 {
                    format!("for {}", seconds(cut.seconds))
                } else {
                    "until healed".into()
                };
                self.mastership.note(&format!("link to the other RE cut {how_long} (fault injection)"));
                format!("link to {} cut {how_long}", self.slot.other())
            }
            Kind::Heal(_) => {
                let mut link = self.faults.link();
                *link = Link { random: std::mem::take(&mut link.random), ..Link::default() };
                drop(link);
                self.mastership.thaw();
                self.mastership.note("faults healed (fault injection)");
                "all faults healed".into()
            }
            Kind::Drop(drop) => {
                if drop.percent > 100 {
                    return Err(Status::invalid_argument("a share is 0 to 100 percent"));
                }
                self.faults.link().drop_percent = drop.percent;
                format!("{}% of messages to and from {} lost", drop.percent, self.slot.other())
            }
            Kind::Delay(delay) => {
                if delay.percent > 100 {
                    return Err(Status::invalid_argument("a share is 0 to 100 percent"));
                }
                let mut link = self.faults.link();
                link.delay = Duration::from_millis(delay.milliseconds.into());
                link.delay_percent = delay.percent;
                format!(
                    "{}% of messages to {} delayed {} ms",
                    delay.percent,
                    self.slot.other(),
                    delay.milliseconds
                )
            }
            Kind::Freeze(freeze) => {
                if freeze.seconds == 0 {
                    return Err(Status::invalid_argument("a freeze lasts at least 1 second"));
                }
                self.mastership.freeze(Duration::from_secs(freeze.seconds.into()));
                format!("mastership work frozen for {}", seconds(freeze.seconds))
            }
            Kind::CrashProcess(crash) => {
                let daemon = Daemon::parse(&crash.name)
                    .ok_or_else(|| Status::invalid_argument(format!("no process '{}'", crash.name)))?;
                let pid = self.processes.crash(daemon).ok_or_else(|| {
                    Status::failed_precondition(format!("{} is not running", daemon.name()))
                })?;
                format!("{} (PID {pid}) killed", daemon.name())
            }
            Kind::LinkDown(link) => self.cut_link(&link.interface, true)?,
            Kind::LinkUp(link) => self.cut_link(&link.interface, false)?,
            Kind::Crash(_) => {
                eprintln!("{}: crashing (fault injection)", self.slot);
                // As abrupt as `kill -9`: nothing is flushed or closed.
                let _ =
                    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
                std::process::abort();
            }
        };
        Ok(Response::new(FaultReply { text }))
    }
}
