//! Halt, reboot and power-off: now or at a set time, on this RE, the other
//! or both. A halted RE stops serving; a rebooted one comes back with its
//! state, as a new agent on the same address.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tonic::Status;

use super::Agent;
use super::db::now;
use super::transfer::peer_failed;
use crate::proto::shutdown_request::{Kind, Target};
use crate::proto::{
    ClearShutdownReply, ClearShutdownRequest, MastershipState, PendingShutdown, ShutdownReply,
    ShutdownRequest, change_mastership_request::Action,
};

/// Why an agent stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Its process is stopping (Ctrl-C, SIGTERM, the end of the shell).
    Stopped,
    /// `request system halt` or `power-off`.
    Halted,
    /// `request system reboot`: to be started again.
    Rebooted,
}

/// Lets the reply to the request go out before the RE goes down.
const GRACE: Duration = Duration::from_millis(200);

pub struct Power {
    pending: Mutex<Option<PendingShutdown>>,
    changed: Notify,
    exit: watch::Sender<Option<Exit>>,
}

impl Power {
    pub fn new() -> (Power, watch::Receiver<Option<Exit>>) {
        let (exit, exits) = watch::channel(None);
        (Power { pending: Mutex::new(None), changed: Notify::new(), exit }, exits)
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<PendingShutdown>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn word(kind: Kind) -> &'static str {
    match kind {
        Kind::Reboot => "reboot",
        Kind::Halt => "halt",
        Kind::PowerOff => "power-off",
    }
}

impl Agent {
    /// `request system halt|reboot|power-off [other-routing-engine |
    /// both-routing-engines]`: the other RE is asked first.
    pub(super) async fn shut_down(&self, request: ShutdownRequest) -> Result<ShutdownReply, Status> {
        let target = request.target();
        // Once going down, an RE takes no new request: a later one must not
        // turn a halt under way into a reboot in ten minutes.
        if target != Target::Other && self.going_down() {
            return Err(Status::failed_precondition("the system is already going down"));
        }
        let mut other_reached = false;
        if target != Target::Local {
            let asked = ShutdownRequest { target: Target::Local as i32, ..request.clone() };
            match self.to_peer(self.peer.clone().shutdown(asked)).await {
                Ok(_) => other_reached = true,
                Err(status) if target == Target::Other => return Err(peer_failed(self.slot.other(), status)),
                Err(_) => {}
            }
        }
        if target != Target::Other {
            self.schedule(&request);
        }
        Ok(ShutdownReply { pid: std::process::id(), other_reached })
    }

    fn going_down(&self) -> bool {
        self.power.pending().as_ref().is_some_and(|p| p.at <= now())
    }

    fn schedule(&self, request: &ShutdownRequest) {
        *self.power.pending() = Some(PendingShutdown {
            kind: request.kind,
            at: request.at.max(now()),
            user: request.user.clone(),
            pid: std::process::id(),
            requested: now(),
        });
        if request.at <= now() {
            let text = format!(
                "\n*** FINAL System shutdown message from {}@{} ***\n\nSystem going down IMMEDIATELY\n\n{}\n",
                request.user,
                self.host_name(),
                request.message
            );
            self.sessions.broadcast(&text);
        }
        self.power.changed.notify_one();
    }

    /// `show system reboot`.
    pub(super) fn pending_shutdown(&self) -> Option<PendingShutdown> {
        self.power.pending().clone()
    }

    /// `clear system reboot [both-routing-engines]`.
    pub(super) async fn clear_shutdown(&self, request: ClearShutdownRequest) -> ClearShutdownReply {
        let mut cleared = self.power.pending().take().is_some();
        self.power.changed.notify_one();
        if request.both {
            let asked = ClearShutdownRequest { both: false };
            if let Ok(reply) = self.to_peer(self.peer.clone().clear_shutdown(asked)).await {
                cleared |= reply.cleared;
            }
        }
        ClearShutdownReply { cleared }
    }

    /// Carries out a pending shutdown at its time. A master going down with
    /// failover configured hands mastership to the backup first.
    pub(super) async fn watch_shutdowns(self: Arc<Self>) {
        loop {
            let Some(pending) = self.pending_shutdown() else {
                self.power.changed.notified().await;
                continue;
            };
            let wait = (pending.at - now()).max(0) as u64;
            if wait > 0 {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(wait)) => {}
                    () = self.power.changed.notified() => {}
                }
                continue;
            }
            tokio::time::sleep(GRACE).await;
            if self.power.pending().take().is_none() {
                continue;
            }
            let kind = Kind::try_from(pending.kind).unwrap_or(Kind::Halt);
            self.mastership.note(&format!("{} requested by {}", word(kind), pending.user));
            if self.mastership.role() == MastershipState::Master && self.redundancy().failover {
                let _ = self.change_mastership(Action::Release, false).await;
            }
            let exit = if kind == Kind::Reboot { Exit::Rebooted } else { Exit::Halted };
            // Open session streams would keep the server from stopping.
            self.sessions.end_all();
            let _ = self.power.exit.send(Some(exit));
            return;
        }
    }
}
