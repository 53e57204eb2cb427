//! The agent's side of mastership that talks to the other Routing Engine:
//! the election at start, keepalives, failover, and the switch commands.

use std::sync::Arc;
use std::time::Duration;

use tonic::Status;

use super::Agent;
use super::mastership::{KEEPALIVE_INTERVAL, MAX_TRIES, RETRY_INTERVAL, Settings};
use crate::proto::{ClaimRequest, MastershipState, PeerStatus, change_mastership_request::Action};
use crate::slot::Slot;

/// What a claim or give-up sent to the other RE came to.
enum Answer {
    Ack(u64),
    Nak(u64),
    Unreachable,
}

impl Agent {
    /// What the committed configuration says about redundancy.
    pub(super) fn redundancy(&self) -> Settings {
        let seconds = self
            .committed(&["chassis", "redundancy", "keepalive-time"])
            .and_then(|s| s.parse().ok())
            .unwrap_or(300);
        let configured = self.configured_role();
        let config = self.config();
        let redundancy = config.effective().descend(["chassis", "redundancy"]);
        let has = |keys: &[&str]| redundancy.and_then(|r| r.descend(keys.iter().copied())).is_some();
        Settings {
            configured,
            failover: has(&["failover", "on-loss-of-keepalives"]),
            keepalive_time: Duration::from_secs(seconds),
            graceful_switchover: has(&["graceful-switchover"]),
        }
    }

    fn status(&self) -> PeerStatus {
        PeerStatus {
            from_slot: self.slot.number(),
            term: self.mastership.term(),
            state: self.mastership.role() as i32,
        }
    }

    async fn claim(&self, term: u64, command: bool) -> Answer {
        let request = ClaimRequest { from_slot: self.slot.number(), term, command };
        match self.peer.clone().claim(request).await {
            Ok(reply) if reply.get_ref().ack => Answer::Ack(reply.get_ref().term),
            Ok(reply) => Answer::Nak(reply.get_ref().term),
            Err(_) => Answer::Unreachable,
        }
    }

    async fn give_up(&self) -> Answer {
        match self.peer.clone().give_up(self.status()).await {
            Ok(reply) if reply.get_ref().ack => Answer::Ack(reply.get_ref().term),
            Ok(reply) => Answer::Nak(reply.get_ref().term),
            Err(_) => Answer::Unreachable,
        }
    }

    /// A claim made by the election (at start, or when the master went
    /// silent): refused by a master, and taken when nobody answers.
    async fn claim_mastership(&self, event: &str) {
        let term = self.mastership.start_claim(event);
        match self.claim(term, false).await {
            Answer::Ack(peer) => self.mastership.resolve("E_ACK_C", MastershipState::Master, peer),
            Answer::Nak(peer) => self.mastership.resolve("E_NAK_C", MastershipState::Backup, peer),
            Answer::Unreachable => self.mastership.resolve("E_NO_ORE", MastershipState::Master, 0),
        }
    }

    /// Runs for the agent's life: the election, then a keepalive a second
    /// and the failover check.
    pub(super) async fn run_mastership(self: Arc<Self>) {
        let settings = self.redundancy();
        if self.mastership.configured(&settings) == MastershipState::Master {
            self.claim_mastership("E_REQ_C").await;
        }
        let mut ticks = tokio::time::interval(KEEPALIVE_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.peer.clone().keepalive(self.status()).await {
                Ok(reply) => {
                    let reply = reply.into_inner();
                    self.mastership.heard(self.slot.other(), reply.term, reply.state());
                }
                Err(_) => self.mastership.unheard(),
            }
            let settings = self.redundancy();
            if self.mastership.master_lost(&settings) {
                self.mastership.note(&format!(
                    "no keepalives from a master for {} sec: claiming mastership",
                    settings.detection().as_secs()
                ));
                self.claim_mastership("E_TMOUT").await;
            }
        }
    }

    /// `request chassis routing-engine master acquire|release|switch`.
    /// Returns whether this RE is master afterwards.
    pub(super) async fn change_mastership(&self, action: Action) -> Result<bool, Status> {
        let settings = self.redundancy();
        let role = self.mastership.role();
        if role == MastershipState::Disabled {
            return Err(Status::failed_precondition("Routing Engine is disabled; mastership cannot change"));
        }
        if let Some(wait) = self.mastership.switch_wait(&settings) {
            return Err(Status::failed_precondition(format!(
                "Not ready for mastership switch, try after {wait} secs."
            )));
        }
        let master = role == MastershipState::Master;
        let (event, acquire) = match action {
            Action::Acquire if master => {
                return Err(Status::failed_precondition("the local routing engine is already the master"));
            }
            Action::Release if !master => {
                return Err(Status::failed_precondition("the local routing engine is not the master"));
            }
            Action::Acquire => ("E_CMD_A", true),
            Action::Release => ("E_CMD_R", false),
            Action::Switch => ("E_CMD_S", !master),
        };
        let mut tries = 0;
        let term =
            if acquire { self.mastership.start_claim(event) } else { self.mastership.start_giveup(event) };
        loop {
            let answer = if acquire { self.claim(term, true).await } else { self.give_up().await };
            let (won, lost) = if acquire {
                (MastershipState::Master, MastershipState::Backup)
            } else {
                (MastershipState::Backup, MastershipState::Master)
            };
            match answer {
                Answer::Ack(peer) => {
                    self.mastership.resolve(if acquire { "E_ACK_C" } else { "E_ACK_G" }, won, peer);
                    return Ok(acquire);
                }
                Answer::Nak(peer) => {
                    self.mastership.resolve(if acquire { "E_NAK_C" } else { "E_NAK_Y" }, lost, peer);
                    return Ok(!acquire);
                }
                Answer::Unreachable if tries + 1 >= MAX_TRIES => {
                    self.mastership.resolve("E_MAXTRY", lost, 0);
                    return Ok(!acquire);
                }
                Answer::Unreachable => {
                    tries += 1;
                    tokio::time::sleep(RETRY_INTERVAL).await;
                    self.mastership.retry(if acquire { "claim mastership" } else { "you are the master" });
                }
            }
        }
    }

    pub(super) fn check_peer(&self, from: u32) -> Result<Slot, Status> {
        match Slot::new(from) {
            Some(slot) if slot == self.slot.other() => Ok(slot),
            _ => Err(Status::invalid_argument(format!("{} is not the peer of re{from}", self.slot))),
        }
    }
}
