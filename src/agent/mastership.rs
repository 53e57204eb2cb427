//! Mastership: which Routing Engine is master, how the two agree, and the
//! mastership log that explains it.
//!
//! Each agent runs one state machine: master, backup or disabled, passing
//! through `claim` (asking the other RE to accept it as master) and `giveup`
//! (asking the other RE to take over). Every change of master raises the
//! term, which both REs persist and carry in every message, so a stale master
//! learns from the first keepalive it gets that it has been replaced. RE0 is
//! master only in even terms and RE1 only in odd ones, so no term can ever
//! have two masters, even when the two could not talk. On one host a shared
//! [`Lease`] also keeps them from acting as master at the same moment. The
//! events are the Junos ones (E_CFG_M, E_REQ_C, E_TMOUT, ...).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lease::{Lease, Refusal};
use crate::durable::write_atomically;
use crate::proto::{MastershipState, RouteEngine};
use crate::slot::Slot;

/// How often each RE sends the other a keepalive.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(1);
/// A claim or give-up the other RE does not answer is retried this often...
pub const RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// ...this many times, then abandoned (E_MAXTRY).
pub const MAX_TRIES: u32 = 5;
/// With graceful switchover, a switch waits this long after the previous one.
pub const GRES_SWITCH_INTERVAL: Duration = Duration::from_secs(240);
/// With graceful switchover the loss of keepalives is detected this fast.
pub const GRES_DETECTION: Duration = Duration::from_secs(2);
/// Missing keepalives are logged every this many seconds.
const SILENCE_LOG_EVERY: u64 = 20;
/// How long what the other RE last said of itself stands: a keepalive comes
/// each second, and each may take the peer timeout.
pub const STATUS_DEADLINE: Duration = KEEPALIVE_INTERVAL.saturating_add(super::PEER_TIMEOUT);

/// What the committed configuration says about redundancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `chassis redundancy routing-engine N master|backup|disabled`, for this RE.
    pub configured: Option<MastershipState>,
    /// The RE the configuration makes master, if it makes one.
    pub master: Option<Slot>,
    /// `failover on-loss-of-keepalives`.
    pub failover: bool,
    pub keepalive_time: Duration,
    pub graceful_switchover: bool,
}

impl Settings {
    /// The role asked for, or the default: master for the RE the
    /// configuration makes master (RE0 when nothing is configured), backup
    /// for the other.
    pub fn role(&self, slot: Slot) -> MastershipState {
        self.configured.unwrap_or(if self.master == Some(slot) {
            MastershipState::Master
        } else {
            MastershipState::Backup
        })
    }

    /// How long a backup waits without a master's keepalive before it claims.
    pub fn detection(&self) -> Duration {
        if self.graceful_switchover { GRES_DETECTION } else { self.keepalive_time }
    }
}

pub struct Mastership {
    slot: Slot,
    state: Mutex<State>,
    log: Log,
    term_file: PathBuf,
    /// Shared with the other RE when both run on this host.
    lease: Option<Lease>,
    /// The role after each transition, for those who follow it.
    roles: tokio::sync::watch::Sender<MastershipState>,
    /// Raised when what this RE tells the other of itself changes: its
    /// role (once settled) or its configured role.
    changed: tokio::sync::Notify,
}

/// What the other RE last said of itself, for `show chassis routing-engine`.
#[derive(Debug)]
enum Described {
    Unknown,
    Heard { entry: Box<RouteEngine>, at: Instant },
    Leaving,
}

/// The other RE as this one can show it without asking.
#[derive(Debug, Clone, PartialEq)]
pub enum OtherRe {
    /// It has said nothing of itself yet.
    Unknown,
    /// As its last keepalive said, its uptime counted on from then.
    Current(Box<RouteEngine>),
    /// It left, or its keepalives stopped longer ago than the deadline.
    Absent,
}

#[derive(Debug)]
struct State {
    role: MastershipState,
    term: u64,
    /// When the other RE last answered or sent anything, and when it last did so as master.
    last_heard: Instant,
    last_master: Instant,
    /// The other RE's state, as its last message said.
    peer: Option<MastershipState>,
    /// Seconds of silence already logged.
    silence_logged: u64,
    /// The link to the other RE is down (E_NO_IPC logged).
    link_down: bool,
    last_switch: Option<Instant>,
    /// While master: until when the lease may be trusted without a look.
    lease_until: Option<Instant>,
    /// The other RE's lease that kept this backup from claiming, once logged.
    lease_noted: Option<u64>,
    /// Mastership work is frozen (fault injection) until then.
    frozen_until: Option<Instant>,
    /// While master: since when, in Unix seconds, and whether it took over
    /// from the other RE (rather than being elected at start).
    master_since: Option<(i64, bool)>,
    /// The event that began the claim in progress.
    claim_event: &'static str,
    /// `graceful-switchover` is configured.
    graceful: bool,
    /// From the master, with graceful switchover: when its forwarding
    /// plane came up. A backup that takes over carries it on.
    checkpoint: Option<i64>,
    /// This RE's configured role, as last seen in the committed
    /// configuration (which a long commit may hold).
    configured: Option<MastershipState>,
    described: Described,
    /// This RE stops serving: every message to the other RE says so from
    /// now, so that none sent or answered on the way out shows it again.
    leaving: bool,
}

/// The first term after `term` in which `slot` may be master.
fn next_term(term: u64, slot: Slot) -> u64 {
    let next = term + 1;
    if next % 2 == u64::from(slot.number()) { next } else { next + 1 }
}

pub fn state_name(state: MastershipState) -> &'static str {
    match state {
        MastershipState::Master => "master",
        MastershipState::Backup => "backup",
        MastershipState::Disabled => "disabled",
        MastershipState::Claim => "claim",
        MastershipState::Giveup => "giveup",
        MastershipState::Unspecified => "none",
    }
}

impl Mastership {
    /// Starts as backup (nothing is master until the election says so), with
    /// the term this RE persisted. A lease this RE held before it stopped is
    /// released: it is not master now.
    pub fn open(slot: Slot, state_dir: &Path, lease: Option<&Path>) -> std::io::Result<Mastership> {
        let dir = state_dir.join("mastership");
        std::fs::create_dir_all(&dir)?;
        let term_file = dir.join("term");
        let term = std::fs::read_to_string(&term_file).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
        let now = Instant::now();
        let mastership = Mastership {
            slot,
            state: Mutex::new(State {
                role: MastershipState::Backup,
                term,
                last_heard: now,
                last_master: now,
                peer: None,
                silence_logged: 0,
                link_down: false,
                last_switch: None,
                lease_until: None,
                lease_noted: None,
                frozen_until: None,
                master_since: None,
                claim_event: "",
                graceful: false,
                checkpoint: None,
                configured: None,
                described: Described::Unknown,
                leaving: false,
            }),
            log: Log { path: dir.join("log") },
            term_file,
            lease: lease.map(|path| Lease::new(path, slot)),
            roles: tokio::sync::watch::channel(MastershipState::Backup).0,
            changed: tokio::sync::Notify::new(),
        };
        if let Some(Err(Refusal::Io(e))) = mastership.lease.as_ref().map(Lease::release) {
            return Err(e);
        }
        Ok(mastership)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The role this RE may act in now. A master whose lease lapsed looks
    /// at it first: renews it if nobody took it, steps down if somebody did.
    pub fn role(&self) -> MastershipState {
        let mut state = self.lock();
        let lapsed = state.lease_until.is_some_and(|until| Instant::now() >= until);
        if state.role == MastershipState::Master && lapsed {
            let frozen = state.frozen_until.is_some_and(|until| Instant::now() < until);
            if frozen {
                // Frozen work renews nothing; it may only find the lease gone.
                if let Some(holder) = self.lease.as_ref().and_then(Lease::read)
                    && holder.slot != self.slot
                {
                    self.lease_lost(&mut state, Refusal::Held(holder));
                }
            } else {
                self.renew_locked(&mut state);
            }
        }
        state.role
    }

    /// Renews the lease of a master; steps down if it was lost.
    pub fn renew(&self) {
        let mut state = self.lock();
        if state.role == MastershipState::Master {
            self.renew_locked(&mut state);
        }
    }

    fn renew_locked(&self, state: &mut State) {
        let Some(lease) = &self.lease else { return };
        match lease.take(state.term) {
            Ok(until) => state.lease_until = Some(until),
            Err(why) => self.lease_lost(state, why),
        }
    }

    fn lease_lost(&self, state: &mut State, why: Refusal) {
        match why {
            Refusal::Held(holder) => {
                self.log.line(&format!("mastership lease taken by {} in term {}", holder.slot, holder.term));
                self.set_term(state, holder.term);
            }
            Refusal::Io(e) => self.log.line(&format!("cannot renew the mastership lease: {e}")),
        }
        self.transition(state, "E_ORE_M", MastershipState::Backup);
    }

    /// Freezes mastership work (keepalives, lease renewal, answers to the
    /// other RE) for `period`, as a wedged chassis daemon would.
    pub fn freeze(&self, period: Duration) {
        self.log.line(&format!("mastership work frozen for {} sec (fault injection)", period.as_secs()));
        self.lock().frozen_until = Some(Instant::now() + period);
    }

    pub fn thaw(&self) {
        self.lock().frozen_until = None;
    }

    /// How long mastership work stays frozen, if it is.
    pub fn frozen_for(&self) -> Option<Duration> {
        let until = self.lock().frozen_until?;
        Some(until.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    /// How long the other RE's lease has left, when it holds one: a claim
    /// that wins waits this long before it can take over.
    pub fn lease_wait(&self) -> Option<Duration> {
        let holder = self.lease.as_ref()?.read()?;
        (holder.slot != self.slot && !holder.expired()).then(|| holder.remaining())
    }

    pub fn term(&self) -> u64 {
        self.lock().term
    }

    pub fn set_graceful(&self, graceful: bool) {
        self.lock().graceful = graceful;
    }

    pub fn graceful(&self) -> bool {
        self.lock().graceful
    }

    /// Notes this RE's configured role, as the committed configuration says.
    pub fn set_configured(&self, configured: Option<MastershipState>) {
        self.note_configured(&mut self.lock(), configured);
    }

    fn note_configured(&self, state: &mut State, configured: Option<MastershipState>) {
        if state.configured != configured {
            state.configured = configured;
            self.changed.notify_one();
        }
    }

    /// This RE's configured role, as last noted.
    pub fn configured_role(&self) -> Option<MastershipState> {
        self.lock().configured
    }

    /// Resolves when what this RE tells the other of itself has changed
    /// since the last time it resolved.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// This RE stops serving (halt, reboot, stop).
    pub fn leave(&self) {
        self.lock().leaving = true;
    }

    pub fn leaving(&self) -> bool {
        self.lock().leaving
    }

    /// What the other RE's keepalive says of it: its entry, or that it is
    /// leaving. A keepalive without either (an older agent) tells nothing.
    pub fn described(&self, entry: Option<RouteEngine>, leaving: bool) {
        let mut state = self.lock();
        match entry {
            _ if leaving => state.described = Described::Leaving,
            Some(entry) => state.described = Described::Heard { entry: Box::new(entry), at: Instant::now() },
            None => {}
        }
    }

    /// The other RE as its keepalives have described it: current while
    /// they come (uptime counted on since the last), absent once they stop.
    pub fn other_re(&self) -> OtherRe {
        let state = self.lock();
        match &state.described {
            Described::Unknown => OtherRe::Unknown,
            Described::Heard { entry, at } if !state.link_down && at.elapsed() < STATUS_DEADLINE => {
                let up = Duration::from_secs(entry.up_time_seconds) + at.elapsed();
                OtherRe::Current(Box::new(RouteEngine { up_time_seconds: up.as_secs(), ..(**entry).clone() }))
            }
            Described::Heard { .. } | Described::Leaving => OtherRe::Absent,
        }
    }

    /// What a backup holds for a graceful switchover: the master's plane
    /// start, and whether it hears the master now.
    pub fn standby(&self) -> (Option<i64>, bool) {
        let state = self.lock();
        (state.checkpoint, !state.link_down && state.peer == Some(MastershipState::Master))
    }

    /// Whether this RE is a backup that hears the other RE disabled: with
    /// nobody else to take part, it wins the election alone.
    pub fn alone_in_election(&self) -> bool {
        let state = self.lock();
        state.role == MastershipState::Backup
            && !state.link_down
            && state.peer == Some(MastershipState::Disabled)
    }

    /// When the other RE last answered or sent anything.
    pub fn last_heard(&self) -> Instant {
        self.lock().last_heard
    }

    /// Whether the other RE is heard now, as backup.
    pub fn backup_present(&self) -> bool {
        let state = self.lock();
        !state.link_down && state.peer == Some(MastershipState::Backup)
    }

    /// Since when this RE has been master (Unix seconds), if it is, and
    /// whether it took over from the other RE.
    pub fn master_since(&self) -> Option<(i64, bool)> {
        self.lock().master_since
    }

    /// The persisted log, for `show log mastership`.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log.path).unwrap_or_default()
    }

    pub fn note(&self, text: &str) {
        self.log.line(text);
    }

    /// Follows the role: a change is seen when the transition is made.
    pub fn roles(&self) -> tokio::sync::watch::Receiver<MastershipState> {
        self.roles.subscribe()
    }

    /// Logs `event` and, if `next` differs, the transition to it; becoming
    /// master raises the term.
    fn transition(&self, state: &mut State, event: &str, next: MastershipState) {
        self.log.line(&format!("event = {event}, state = {}, param = 0x0", state_name(state.role)));
        if next == state.role {
            return;
        }
        let next = if next == MastershipState::Master { self.take_mastership(state) } else { next };
        if state.role == MastershipState::Master {
            self.release_lease(state);
        }
        self.log.line(&format!("Currentstate: {} NextState:{}", state_name(state.role), state_name(next)));
        self.log.line("reason_code: 1");
        self.log.line(&format!("new state = {}", state_name(next)));
        if next == MastershipState::Master {
            self.log.line(&format!("mastership term = {}", state.term));
            // Back from a give-up that failed, the plane it ran goes on.
            let elected = state.role == MastershipState::Claim && state.claim_event == "E_REQ_C";
            // The election at start is no switch to wait after.
            if !elected {
                state.last_switch = Some(Instant::now());
            }
            // With graceful switchover the plane the old master ran goes on here.
            let since = match state.checkpoint.filter(|_| state.graceful && !elected) {
                Some(checkpoint) => (checkpoint, false),
                None => (chrono::Utc::now().timestamp(), !elected),
            };
            state.master_since.get_or_insert(since);
            state.checkpoint = None;
        } else if !matches!(next, MastershipState::Giveup) {
            state.master_since = None;
        }
        if next == MastershipState::Backup {
            // Waiting for a master starts now.
            state.last_master = Instant::now();
        }
        state.role = next;
        self.roles.send_replace(next);
        // Claim and giveup are on their way to a role: that one is told.
        if !matches!(next, MastershipState::Claim | MastershipState::Giveup) {
            self.changed.notify_one();
        }
    }

    /// The term a new master takes, with the lease for it; backup when the
    /// other RE's lease stands in the way.
    fn take_mastership(&self, state: &mut State) -> MastershipState {
        let Some(lease) = &self.lease else {
            self.set_term(state, next_term(state.term, self.slot));
            return MastershipState::Master;
        };
        let newest = lease.read().map_or(state.term, |holder| holder.term.max(state.term));
        let term = next_term(newest, self.slot);
        match lease.take(term) {
            Ok(until) => {
                self.set_term(state, term);
                state.lease_until = Some(until);
                MastershipState::Master
            }
            Err(Refusal::Held(holder)) => {
                self.log.line(&format!("mastership lease held by {} in term {}", holder.slot, holder.term));
                self.set_term(state, holder.term);
                MastershipState::Backup
            }
            Err(Refusal::Io(e)) => {
                self.log.line(&format!("cannot take the mastership lease: {e}"));
                MastershipState::Backup
            }
        }
    }

    fn release_lease(&self, state: &mut State) {
        state.lease_until = None;
        if let Some(Err(Refusal::Io(e))) = self.lease.as_ref().map(Lease::release) {
            // It expires by itself within the lease time.
            self.log.line(&format!("cannot release the mastership lease: {e}"));
        }
    }

    fn set_term(&self, state: &mut State, term: u64) {
        if term > state.term {
            state.term = term;
            // A term forgotten in a crash is learnt again from the other RE.
            let _ = write_atomically(&self.term_file, format!("{term}\n").as_bytes());
        }
    }

    /// The configuration's role, logged as E_CFG_*; `disabled` takes effect
    /// at once, and so does leaving it (as backup); the others through the
    /// election, or the handover of the commit that configured them.
    pub fn configured(&self, settings: &Settings) -> MastershipState {
        let role = settings.role(self.slot);
        let mut state = self.lock();
        self.note_configured(&mut state, settings.configured);
        let next = match role {
            MastershipState::Disabled => MastershipState::Disabled,
            _ if state.role == MastershipState::Disabled => MastershipState::Backup,
            _ => state.role,
        };
        self.transition(&mut state, super::election::cfg_event(role), next);
        role
    }

    /// The other RE's state as it last said, while it is heard.
    pub fn other(&self) -> Option<MastershipState> {
        let state = self.lock();
        if state.link_down { None } else { state.peer }
    }

    /// Enters `claim` for a claim about to be sent; the term it would be master in.
    pub fn start_claim(&self, event: &'static str) -> u64 {
        let mut state = self.lock();
        state.claim_event = event;
        self.transition(&mut state, event, MastershipState::Claim);
        self.log.line("send \"claim mastership\" request");
        state.term
    }

    /// Enters `giveup` for a release about to be sent.
    pub fn start_giveup(&self, event: &'static str) -> u64 {
        let mut state = self.lock();
        self.transition(&mut state, event, MastershipState::Giveup);
        self.log.line("send \"you are the master\" request");
        state.term
    }

    /// How a claim or give-up ended: `event` and the state it leads to. An
    /// RE that a commit disabled while its claim was in flight stays
    /// disabled, whatever the answer.
    pub fn resolve(&self, event: &str, next: MastershipState, peer_term: u64) {
        let mut state = self.lock();
        self.set_term(&mut state, peer_term);
        let next = if state.role == MastershipState::Disabled { state.role } else { next };
        self.transition(&mut state, event, next);
    }

    /// A retry after E_TMOUT: logged, state unchanged.
    pub fn retry(&self, request: &str) {
        let mut state = self.lock();
        let role = state.role;
        self.transition(&mut state, "E_TMOUT", role);
        self.log.line(&format!("send \"{request}\" request"));
        self.log.line("Failed to send RE mastership cmd. err = 65");
    }

    /// The other RE's keepalive or its answer to ours. A master that hears
    /// of a master with a newer term steps down. A master that hears the
    /// other RE again after the link was lost logs this as the confirmation
    /// of its mastership asked for (E_REQ_Y) and given or refused.
    pub fn heard(&self, peer_term: u64, peer: MastershipState, plane_since: Option<i64>) {
        let mut state = self.lock();
        if peer == MastershipState::Master {
            state.checkpoint = plane_since;
        }
        let now = Instant::now();
        state.last_heard = now;
        state.silence_logged = 0;
        let reconnected = std::mem::take(&mut state.link_down);
        let master = state.role == MastershipState::Master;
        let step_down = master && peer == MastershipState::Master && peer_term > state.term;
        let next = if step_down { MastershipState::Backup } else { state.role };
        if reconnected && master {
            self.transition(&mut state, "E_REQ_Y", MastershipState::Master);
            self.transition(&mut state, if step_down { "E_NAK_Y" } else { "E_ACK_Y" }, next);
        } else {
            let event = match peer {
                MastershipState::Master => Some("E_ORE_M"),
                MastershipState::Backup => Some("E_ORE_B"),
                MastershipState::Disabled => Some("E_ORE_D"),
                _ => None,
            };
            // A change of the other RE's state is logged; a step down always is.
            if let Some(event) = event.filter(|_| state.peer != Some(peer) || step_down) {
                self.transition(&mut state, event, next);
            }
        }
        state.peer = Some(peer);
        if peer == MastershipState::Master {
            state.last_master = now;
        }
        self.set_term(&mut state, peer_term);
    }

    /// A keepalive could not be sent: the link is down (E_NO_IPC, once), and
    /// every 20 seconds of silence is logged.
    pub fn unheard(&self) {
        let mut state = self.lock();
        if !state.link_down {
            state.link_down = true;
            state.peer = None;
            let role = state.role;
            self.transition(&mut state, "E_NO_IPC", role);
        }
        let silent = state.last_heard.elapsed().as_secs();
        let due = silent / SILENCE_LOG_EVERY * SILENCE_LOG_EVERY;
        if due > state.silence_logged {
            state.silence_logged = due;
            self.log.line(&format!("failed to receive keepalives from other RE for the last {due} sec"));
        }
    }

    /// Whether a backup with failover configured has waited out `detection`
    /// without a master's keepalive, and no live lease of the other RE says
    /// the master is still there (as with a cut keepalive link).
    pub fn master_lost(&self, settings: &Settings) -> bool {
        let mut state = self.lock();
        let silent = state.role == MastershipState::Backup
            && settings.failover
            && state.last_master.elapsed() >= settings.detection();
        if !silent {
            return false;
        }
        let Some(holder) = self.lease.as_ref().and_then(Lease::read) else { return true };
        if holder.slot == self.slot || holder.expired() {
            return true;
        }
        if state.lease_noted != Some(holder.term) {
            state.lease_noted = Some(holder.term);
            self.log.line(&format!(
                "no keepalives from a master, but {} holds the mastership lease in term {}",
                holder.slot, holder.term
            ));
        }
        false
    }

    /// When a backup with failover configured will find the master lost,
    /// as things stand: its last keepalive plus the detection time, and not
    /// before the other RE's lease runs out.
    pub fn lost_at(&self, settings: &Settings) -> Option<Instant> {
        let state = self.lock();
        if state.role != MastershipState::Backup || !settings.failover {
            return None;
        }
        let silent = state.last_master + settings.detection();
        let leased = self.lease.as_ref().and_then(Lease::read).filter(|h| h.slot != self.slot);
        // A millisecond past the expiry the file has, which it counts in milliseconds.
        Some(leased.map_or(silent, |h| silent.max(Instant::now() + h.remaining() + Duration::from_millis(1))))
    }

    /// A claim from the other RE: refused by a master unless a command sent
    /// it, and by an RE in slot 0 that is itself claiming (two claims at
    /// once: slot 0 goes first). A disabled RE takes no part in the
    /// election: it lets the other be master and stays disabled.
    pub fn claimed(&self, from: Slot, term: u64, command: bool) -> (bool, u64) {
        let mut state = self.lock();
        let role = state.role;
        let refuse = match role {
            MastershipState::Master | MastershipState::Giveup => !command,
            MastershipState::Claim => self.slot == Slot::RE0 && from != Slot::RE0,
            _ => false,
        };
        if refuse {
            self.transition(&mut state, "E_REQ_C", role);
            self.log.line("claim refused");
            return (false, state.term);
        }
        self.set_term(&mut state, term);
        let next = if role == MastershipState::Disabled { role } else { MastershipState::Backup };
        self.transition(&mut state, "E_REQ_C", next);
        state.peer = Some(MastershipState::Master);
        state.last_master = Instant::now();
        (true, state.term)
    }

    /// "You are the master" from the other RE: refused by a disabled RE,
    /// and from a giver whose term is older than this RE's.
    pub fn given(&self, term: u64) -> (bool, u64) {
        let mut state = self.lock();
        if state.role == MastershipState::Disabled || term < state.term {
            let role = state.role;
            self.transition(&mut state, "E_REQ_G", role);
            return (false, state.term);
        }
        self.set_term(&mut state, term);
        self.transition(&mut state, "E_REQ_G", MastershipState::Master);
        let master = state.role == MastershipState::Master;
        if master {
            state.peer = Some(MastershipState::Backup);
        }
        (master, state.term)
    }

    /// Seconds to wait before another switch is allowed, with graceful switchover.
    pub fn switch_wait(&self, settings: &Settings) -> Option<u64> {
        let state = self.lock();
        let since = state.last_switch?.elapsed();
        (settings.graceful_switchover && since < GRES_SWITCH_INTERVAL)
            .then(|| (GRES_SWITCH_INTERVAL - since).as_secs().max(1))
    }
}

/// `/var/log/mastership`: syslog-style lines, appended.
struct Log {
    path: PathBuf,
}

impl Log {
    fn line(&self, text: &str) {
        super::syslog::append_stamped(&self.path, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            configured: None,
            master: Some(Slot::RE0),
            failover: true,
            keepalive_time: Duration::from_secs(300),
            graceful_switchover: false,
        }
    }

    #[test]
    fn a_claim_is_refused_by_a_master_unless_commanded() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE1, dir.path(), None).unwrap();
        m.configured(&settings());
        m.resolve("E_NO_ORE", MastershipState::Master, 0);
        assert_eq!((m.role(), m.term()), (MastershipState::Master, 1));
        assert_eq!(m.claimed(Slot::RE0, 2, false), (false, 1));
        assert_eq!(m.role(), MastershipState::Master);
        assert_eq!(m.claimed(Slot::RE0, 2, true), (true, 2));
        assert_eq!(m.role(), MastershipState::Backup);
        let log = m.log_text();
        assert!(log.contains("event = E_CFG_B, state = backup, param = 0x0\n"), "{log}");
        assert!(log.contains("Currentstate: master NextState:backup\n"), "{log}");
        // The term outlives the agent.
        assert_eq!(Mastership::open(Slot::RE1, dir.path(), None).unwrap().term(), 2);
    }

    #[test]
    fn a_disabled_re_lets_a_claim_through_and_stays_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE1, dir.path(), None).unwrap();
        m.configured(&Settings { configured: Some(MastershipState::Disabled), ..settings() });
        assert_eq!(m.claimed(Slot::RE0, 2, false), (true, 2));
        assert_eq!(m.role(), MastershipState::Disabled);
        assert_eq!(m.given(2), (false, 2), "nor does it take mastership given");
    }

    #[test]
    fn a_claim_answered_after_a_commit_disabled_the_re_leaves_it_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE1, dir.path(), None).unwrap();
        m.configured(&settings());
        m.start_claim("E_NO_MSTR");
        m.configured(&Settings { configured: Some(MastershipState::Disabled), ..settings() });
        m.resolve("E_ACK_C", MastershipState::Master, 0);
        assert_eq!(m.role(), MastershipState::Disabled);
        m.resolve("E_NO_ORE", MastershipState::Master, 0);
        assert_eq!(m.role(), MastershipState::Disabled);
    }

    #[test]
    fn a_backup_hearing_a_disabled_re_is_alone_in_the_election() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE1, dir.path(), None).unwrap();
        m.heard(0, MastershipState::Disabled, None);
        assert!(m.alone_in_election());
        m.unheard();
        assert!(!m.alone_in_election(), "an RE not heard may yet come up as master");
    }

    #[test]
    fn the_other_re_is_shown_as_last_described_while_it_is_heard() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE0, dir.path(), None).unwrap();
        assert_eq!(m.other_re(), OtherRe::Unknown);
        let entry = RouteEngine { slot: 1, up_time_seconds: 100, ..RouteEngine::default() };
        m.heard(0, MastershipState::Backup, None);
        m.described(Some(entry.clone()), false);
        let OtherRe::Current(shown) = m.other_re() else { panic!("{:?}", m.other_re()) };
        assert_eq!(RouteEngine { up_time_seconds: 100, ..(*shown).clone() }, entry);
        assert!(shown.up_time_seconds >= 100);
        m.described(None, false);
        assert!(matches!(m.other_re(), OtherRe::Current(_)), "an older agent's keepalive changes nothing");
        m.unheard();
        assert_eq!(m.other_re(), OtherRe::Absent, "its keepalives stopped");
        m.heard(0, MastershipState::Backup, None);
        assert!(matches!(m.other_re(), OtherRe::Current(_)));
        m.described(Some(entry), true);
        assert_eq!(m.other_re(), OtherRe::Absent, "it said it is leaving");
    }

    #[test]
    fn a_change_of_configured_role_or_settled_role_is_told_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE0, dir.path(), None).unwrap();
        let told = |m: &Mastership| {
            let changed = std::pin::pin!(m.changed());
            let waker = std::task::Waker::noop();
            changed.poll(&mut std::task::Context::from_waker(waker)).is_ready()
        };
        assert!(!told(&m));
        m.set_configured(Some(MastershipState::Master));
        assert!(told(&m));
        m.set_configured(Some(MastershipState::Master));
        assert!(!told(&m), "the same role is no change");
        m.start_claim("E_REQ_C");
        assert!(!told(&m), "a claim is on its way to a role");
        m.resolve("E_NO_ORE", MastershipState::Master, 0);
        assert!(told(&m));
    }

    #[test]
    fn a_stale_master_steps_down_when_it_hears_of_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE0, dir.path(), None).unwrap();
        m.resolve("E_NO_ORE", MastershipState::Master, 0);
        m.heard(5, MastershipState::Master, None);
        assert_eq!((m.role(), m.term()), (MastershipState::Backup, 5));
        m.heard(5, MastershipState::Master, None);
        assert_eq!(m.role(), MastershipState::Backup);
    }

    #[test]
    fn only_a_backup_with_failover_counts_the_master_lost() {
        let dir = tempfile::tempdir().unwrap();
        let m = Mastership::open(Slot::RE1, dir.path(), None).unwrap();
        let quick = Settings { keepalive_time: Duration::ZERO, ..settings() };
        assert!(m.master_lost(&quick));
        assert!(!m.master_lost(&Settings { failover: false, ..quick }));
        assert!(!m.master_lost(&settings()));
    }

    #[test]
    fn a_backup_finds_the_master_lost_when_its_silence_and_its_lease_have_both_run_out() {
        let dir = tempfile::tempdir().unwrap();
        let lease = dir.path().join("lease");
        let open = |slot: Slot| {
            let state = dir.path().join(slot.to_string());
            std::fs::create_dir_all(&state).unwrap();
            Mastership::open(slot, &state, Some(&lease)).unwrap()
        };
        let (re0, re1) = (open(Slot::RE0), open(Slot::RE1));
        re0.resolve("E_NO_ORE", MastershipState::Master, 0);
        assert_eq!(re0.lost_at(&settings()), None, "a master waits for nobody");
        let start = Instant::now();
        // Silent for 1 s, but the lease holds for 2 s: the later decides.
        let quick = Settings { keepalive_time: Duration::from_secs(1), ..settings() };
        let at = re1.lost_at(&quick).unwrap();
        let lease_time = super::super::lease::LEASE_TIME;
        let around =
            start + lease_time - Duration::from_millis(50)..start + lease_time + Duration::from_millis(5);
        assert!(around.contains(&at), "{at:?} not in {around:?}");
        // Silent for 300 s: the lease is long gone by then.
        let at = re1.lost_at(&settings()).unwrap();
        assert!(at > start + Duration::from_secs(299), "{at:?}");
        assert_eq!(re1.lost_at(&Settings { failover: false, ..quick }), None);
    }
}
