//! The agent's side of mastership that talks to the other Routing Engine:
//! the election at start, keepalives, failover, and the switch commands.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tonic::{Response, Status};

use super::Agent;
use super::db::ConfigDb;
use super::lease::{LEASE_TIME, RENEW_EVERY};
use super::mastership::{KEEPALIVE_INTERVAL, MAX_TRIES, OtherRe, RETRY_INTERVAL, Settings};
use crate::config::tree::Node;
use crate::config::validate::CheckError;
use crate::proto::{
    ClaimRequest, GetLocalRouteEngineRequest, MastershipState, PeerStatus, RouteEngine,
    change_mastership_request::Action,
};
use crate::slot::Slot;

/// How long the claim made once the master is lost waits for an answer.
/// The master was already declared lost, so a frozen one (its connection
/// open, nothing answered) costs no more than a dead one, whose connection
/// is refused at once; a live RE answers within milliseconds.
const CLAIM_AFTER_LOSS: Duration = Duration::from_millis(50);

/// How long an RE going down waits to tell the other so: it goes anyway.
const LEAVING_WAIT: Duration = Duration::from_millis(200);

/// How a commit moves mastership, from this RE's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Handover {
    /// To this RE, from the other.
    Claim,
    /// From this RE, to the other.
    GiveUp,
}

/// Why a commit cannot move mastership to the RE in `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub to: Slot,
    pub reason: String,
}

impl Refusal {
    /// As a commit check reports it.
    pub fn check_error(&self) -> CheckError {
        CheckError {
            path: " chassis redundancy".into(),
            statement: format!("routing-engine {}", self.to.number()),
            message: format!("Mastership cannot move to {}: {}", self.to, self.reason),
            missing_mandatory: false,
        }
    }
}

/// Which RE the configuration makes master: the one configured `master`,
/// else the one the other's `backup` or `disabled` leaves, else RE0 when
/// neither is configured; none when both are configured alike.
fn configured_master(roles: [Option<MastershipState>; 2]) -> Option<Slot> {
    let masters: Vec<Slot> = Slot::ALL
        .into_iter()
        .filter(|s| roles[s.number() as usize] == Some(MastershipState::Master))
        .collect();
    match (masters.as_slice(), roles) {
        ([only], _) => Some(*only),
        ([_, _], _) => None,
        (_, [None, None] | [None, Some(_)]) => Some(Slot::RE0),
        (_, [Some(_), None]) => Some(Slot::RE1),
        _ => None,
    }
}

/// The mastership log's event for a configured role.
pub fn cfg_event(role: MastershipState) -> &'static str {
    match role {
        MastershipState::Master => "E_CFG_M",
        MastershipState::Disabled => "E_CFG_D",
        _ => "E_CFG_B",
    }
}

/// What a claim or give-up sent to the other RE came to.
enum Answer {
    Ack(u64),
    Nak(u64),
    Unreachable,
}

impl Agent {
    /// What the committed configuration says about redundancy.
    pub(super) fn redundancy(&self) -> Settings {
        self.redundancy_in(&self.config())
    }

    fn redundancy_in(&self, db: &ConfigDb) -> Settings {
        self.settings_of(db.effective())
    }

    /// What an effective configuration says about redundancy, for this RE.
    pub(super) fn settings_of(&self, effective: &Node) -> Settings {
        let redundancy = effective.descend(["chassis", "redundancy"]);
        let node = |keys: &[&str]| redundancy.and_then(|r| r.descend(keys.iter().copied()));
        let value = |keys: &[&str]| node(keys).and_then(|n| n.values.first().map(|v| v.to_string()));
        let seconds = value(&["keepalive-time"]).and_then(|s| s.parse().ok()).unwrap_or(300);
        let roles = Slot::ALL.map(|slot| {
            match value(&["routing-engine", &slot.number().to_string(), "role"]).as_deref() {
                Some("master") => Some(MastershipState::Master),
                Some("backup") => Some(MastershipState::Backup),
                Some("disabled") => Some(MastershipState::Disabled),
                _ => None,
            }
        });
        Settings {
            configured: roles[self.slot.number() as usize],
            master: configured_master(roles),
            failover: node(&["failover", "on-loss-of-keepalives"]).is_some(),
            keepalive_time: Duration::from_secs(seconds),
            graceful_switchover: node(&["graceful-switchover"]).is_some(),
        }
    }

    /// What each keepalive says of this RE: its `show chassis
    /// routing-engine` entry, which the other RE shows until the next; with
    /// graceful switchover, a master's also carries its forwarding plane's
    /// state to the backup.
    pub(super) fn status(&self) -> PeerStatus {
        let role = self.mastership.role();
        let graceful = role == MastershipState::Master && self.mastership.graceful();
        PeerStatus {
            from_slot: self.slot.number(),
            term: self.mastership.term(),
            state: role as i32,
            plane_since: self.mastership.master_since().map(|(since, _)| since).filter(|_| graceful),
            route_engine: Some(self.local_route_engine(self.configured_now())),
            leaving: self.mastership.leaving(),
        }
    }

    /// This RE's configured role without waiting behind a commit: keepalives
    /// must go on meanwhile, with the role of the configuration before it.
    fn configured_now(&self) -> Option<MastershipState> {
        if let Ok(db) = self.config.try_lock() {
            self.mastership.set_configured(self.redundancy_in(&db).configured);
        }
        self.mastership.configured_role()
    }

    /// The other RE's keepalive, or its answer to ours.
    pub(super) fn heard(&self, status: PeerStatus) {
        if !status.leaving {
            self.mastership.heard(status.term, status.state(), status.plane_since);
        }
        self.mastership.described(status.route_engine, status.leaving);
    }

    /// Tells the other RE that this one stops serving, so that it shows this
    /// one present only from now, not as it last was until its deadline.
    /// Keepalives and answers to the other RE's while the server winds down
    /// say so too.
    pub(super) async fn say_leaving(&self) {
        self.mastership.leave();
        let mut peer = self.peer.clone();
        let _ = tokio::time::timeout(LEAVING_WAIT, self.to_peer(peer.keepalive(self.status()))).await;
    }

    /// The other RE's entry of `show chassis routing-engine`, as its
    /// keepalives described it. Until it has said anything (just after
    /// start), it is asked. An RE in the other slot that does not answer is
    /// still there: `Present`.
    pub(super) async fn other_route_engine(&self) -> RouteEngine {
        let absent =
            || RouteEngine { slot: self.slot.other().number(), unresponsive: true, ..RouteEngine::default() };
        match self.mastership.other_re() {
            OtherRe::Current(entry) => *entry,
            OtherRe::Absent => absent(),
            OtherRe::Unknown => {
                let asked = GetLocalRouteEngineRequest { from_slot: self.slot.number() };
                self.to_peer(self.peer.clone().get_local_route_engine(asked))
                    .await
                    .unwrap_or_else(|_| absent())
            }
        }
    }

    /// One message to the other RE, through whatever faults were injected.
    pub(super) async fn to_peer<T>(
        &self,
        call: impl Future<Output = Result<Response<T>, Status>>,
    ) -> Result<T, Status> {
        self.faults.outgoing().await?;
        call.await.map(Response::into_inner)
    }

    /// What every message from the other RE goes through first: a frozen
    /// agent does not answer until thawed, and injected faults apply.
    pub(super) async fn admit_from_peer(&self) -> Result<(), Status> {
        self.unfrozen().await;
        self.faults.incoming()
    }

    async fn unfrozen(&self) {
        while let Some(left) = self.mastership.frozen_for() {
            tokio::time::sleep(left).await;
        }
    }

    /// Asks the other RE to be backup; `within` bounds the wait for its
    /// answer below the connection's own timeout.
    async fn claim(&self, term: u64, command: bool, within: Option<Duration>) -> Answer {
        let request = ClaimRequest { from_slot: self.slot.number(), term, command };
        let mut peer = self.peer.clone();
        let call = self.to_peer(peer.claim(request));
        let answer = match within {
            Some(within) => tokio::time::timeout(within, call)
                .await
                .unwrap_or_else(|_| Err(Status::deadline_exceeded("the other RE did not answer the claim"))),
            None => call.await,
        };
        match answer {
            Ok(reply) if reply.ack => Answer::Ack(reply.term),
            Ok(reply) => Answer::Nak(reply.term),
            Err(_) => Answer::Unreachable,
        }
    }

    async fn give_up(&self) -> Answer {
        match self.to_peer(self.peer.clone().give_up(self.status())).await {
            Ok(reply) if reply.ack => Answer::Ack(reply.term),
            Ok(reply) => Answer::Nak(reply.term),
            Err(_) => Answer::Unreachable,
        }
    }

    /// Before taking mastership: if the other RE's lease has yet to run
    /// out (it just died, or went quiet), waits for it to.
    async fn lease_expired(&self) {
        if let Some(left) = self.mastership.lease_wait() {
            tokio::time::sleep(left.min(LEASE_TIME) + Duration::from_millis(5)).await;
        }
    }

    /// A claim made by the election (at start, or when the master went
    /// silent): refused by a master, and taken when nobody answers.
    async fn claim_mastership(&self, event: &'static str, within: Option<Duration>) {
        let term = self.mastership.start_claim(event);
        match self.claim(term, false, within).await {
            Answer::Ack(peer) => {
                self.lease_expired().await;
                self.mastership.resolve("E_ACK_C", MastershipState::Master, peer);
            }
            Answer::Nak(peer) => self.mastership.resolve("E_NAK_C", MastershipState::Backup, peer),
            Answer::Unreachable => {
                self.lease_expired().await;
                self.mastership.resolve("E_NO_ORE", MastershipState::Master, 0);
            }
        }
    }

    /// Runs as chassis-control: the election at start, then keepalives, the lease
    /// and the failover check, each on its own beat so a slow answer from
    /// the other RE never delays a renewal.
    pub(super) async fn run_mastership(self: Arc<Self>) {
        let settings = self.redundancy();
        if !self.elected.swap(true, std::sync::atomic::Ordering::Relaxed)
            && self.mastership.configured(&settings) == MastershipState::Master
        {
            self.claim_mastership("E_REQ_C", None).await;
        }
        tokio::join!(self.send_keepalives(), self.watch_mastership(settings));
    }

    async fn send_keepalives(&self) {
        let mut ticks = tokio::time::interval(KEEPALIVE_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // A change is told at once: the other RE shows this one as told.
            tokio::select! {
                _ = ticks.tick() => {}
                () = self.mastership.changed() => {}
            }
            self.unfrozen().await;
            match self.to_peer(self.peer.clone().keepalive(self.status())).await {
                Ok(reply) => self.heard(reply),
                Err(_) => self.mastership.unheard(),
            }
        }
    }

    /// Renews the master's lease; on a backup, claims once the master is
    /// lost, at the instant it is rather than at the next renewal's beat.
    async fn watch_mastership(&self, mut settings: Settings) {
        let mut ticks = tokio::time::interval(RENEW_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            match self.mastership.lost_at(&settings).filter(|at| *at > Instant::now()) {
                Some(at) => tokio::select! {
                    _ = ticks.tick() => {}
                    () = tokio::time::sleep_until(at.into()) => {}
                },
                None => {
                    ticks.tick().await;
                }
            }
            self.unfrozen().await;
            self.mastership.renew();
            // A long commit holds the configuration; the settings it had do meanwhile.
            if let Ok(db) = self.config.try_lock() {
                settings = self.redundancy_in(&db);
                self.mastership.set_graceful(settings.graceful_switchover);
                self.mastership.set_configured(settings.configured);
            }
            if self.mastership.alone_in_election() {
                self.claim_mastership("E_REQ_C", None).await;
            } else if self.mastership.master_lost(&settings) {
                self.mastership.note(&format!(
                    "no keepalives from a master for {} sec: claiming mastership",
                    settings.detection().as_secs()
                ));
                self.claim_mastership("E_TMOUT", Some(CLAIM_AFTER_LOSS)).await;
            }
        }
    }

    /// `request chassis routing-engine master acquire [force]|release|switch`.
    /// Returns whether this RE is master afterwards.
    pub(super) async fn change_mastership(&self, action: Action, force: bool) -> Result<bool, Status> {
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
            Action::Acquire if force => ("E_CMD_F", true),
            Action::Acquire => ("E_CMD_A", true),
            Action::Release => ("E_CMD_R", false),
            Action::Switch => ("E_CMD_S", !master),
        };
        Ok(self.switch(event, acquire, force).await)
    }

    /// Claims mastership (`acquire`) or gives it up, beginning with `event`,
    /// and asks again while the other RE does not answer. Returns whether
    /// this RE is master afterwards.
    async fn switch(&self, event: &'static str, acquire: bool, force: bool) -> bool {
        let mut tries = 0;
        let term =
            if acquire { self.mastership.start_claim(event) } else { self.mastership.start_giveup(event) };
        loop {
            let answer = if acquire { self.claim(term, true, None).await } else { self.give_up().await };
            let (won, lost) = if acquire {
                (MastershipState::Master, MastershipState::Backup)
            } else {
                (MastershipState::Backup, MastershipState::Master)
            };
            match answer {
                Answer::Ack(peer) => {
                    if acquire {
                        self.lease_expired().await;
                    }
                    self.mastership.resolve(if acquire { "E_ACK_C" } else { "E_ACK_G" }, won, peer);
                    return self.mastership.role() == MastershipState::Master;
                }
                Answer::Nak(peer) => {
                    self.mastership.resolve(if acquire { "E_NAK_C" } else { "E_NAK_Y" }, lost, peer);
                    return self.mastership.role() == MastershipState::Master;
                }
                // Forced: nobody to ask, so nobody to wait for (but the lease still must be free).
                Answer::Unreachable if force && acquire => {
                    self.lease_expired().await;
                    self.mastership.resolve("E_NO_ORE", won, 0);
                    return self.mastership.role() == MastershipState::Master;
                }
                Answer::Unreachable if tries + 1 >= MAX_TRIES => {
                    self.mastership.resolve("E_MAXTRY", lost, 0);
                    return self.mastership.role() == MastershipState::Master;
                }
                Answer::Unreachable => {
                    tries += 1;
                    tokio::time::sleep(RETRY_INTERVAL).await;
                    self.mastership.retry(if acquire { "claim mastership" } else { "you are the master" });
                }
            }
        }
    }

    /// The handover of mastership that a commit from `old` to `new`
    /// settings asks of this RE: the commit that changes which RE is
    /// configured master moves mastership to it (seed 001), and one that
    /// disables the master hands mastership over. Handing over needs the
    /// other RE there and not disabled; if not, the reason the commit is
    /// refused.
    pub(super) fn handover(&self, old: &Settings, new: &Settings) -> Result<Option<Handover>, Refusal> {
        let moved = new.master != old.master;
        let disabling = new.role(self.slot) == MastershipState::Disabled
            && old.role(self.slot) != MastershipState::Disabled;
        let master = self.mastership() == MastershipState::Master;
        let (handover, to) = if master && (disabling || (moved && new.master == Some(self.slot.other()))) {
            (Handover::GiveUp, self.slot.other())
        } else if !master && moved && new.master == Some(self.slot) {
            (Handover::Claim, self.slot)
        } else {
            return Ok(None);
        };
        let refused = |reason: String| Err(Refusal { to, reason });
        // A claim needs nobody: with the other RE away this one becomes
        // master, as the election at start would make it.
        if handover == Handover::GiveUp {
            match self.mastership.other() {
                None => return refused("Other routing-engine not present".into()),
                Some(MastershipState::Disabled) => return refused("Other routing-engine is disabled".into()),
                _ => {}
            }
        }
        if let Some(wait) = self.mastership.switch_wait(new) {
            return refused(format!("Not ready for mastership switch, try after {wait} secs."));
        }
        Ok(Some(handover))
    }

    /// Carries out what a commit from `old` to `new` settings asks of
    /// mastership, once the commit is complete: its handover (begun with the
    /// E_CFG_* event of the new role) or the E_CFG_* event alone.
    pub(super) async fn reconfigured(&self, old: &Settings, new: &Settings, handover: Option<Handover>) {
        self.mastership.set_configured(new.configured);
        let role = new.role(self.slot);
        match handover {
            Some(Handover::GiveUp) => {
                self.switch(cfg_event(role), false, false).await;
                if role == MastershipState::Disabled {
                    self.mastership.configured(new);
                }
            }
            Some(Handover::Claim) => {
                if self.mastership.role() == MastershipState::Disabled {
                    self.mastership.configured(new);
                }
                // Forced: an other RE that does not answer is no master to wait for.
                self.switch(cfg_event(role), true, true).await;
            }
            None if role != old.role(self.slot) => {
                self.mastership.configured(new);
            }
            None => {}
        }
    }

    pub(super) fn check_peer(&self, from: u32) -> Result<Slot, Status> {
        match Slot::new(from) {
            Some(slot) if slot == self.slot.other() => Ok(slot),
            _ => Err(Status::invalid_argument(format!("{} is not the peer of re{from}", self.slot))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_master_is_named_or_left_by_the_other() {
        use MastershipState::{Backup, Disabled, Master};
        for (roles, master) in [
            ([None, None], Some(Slot::RE0)),
            ([None, Some(Master)], Some(Slot::RE1)),
            ([Some(Backup), Some(Master)], Some(Slot::RE1)),
            ([Some(Backup), None], Some(Slot::RE1)),
            ([None, Some(Disabled)], Some(Slot::RE0)),
            ([Some(Master), Some(Master)], None),
            ([Some(Backup), Some(Backup)], None),
        ] {
            assert_eq!(configured_master(roles), master, "{roles:?}");
        }
    }
}
