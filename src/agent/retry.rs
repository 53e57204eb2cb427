//! `system login retry-options`: failed passwords slow a login down, and
//! enough of them lock the account for a while. Counted per login name
//! across every way in (SSH, NETCONF, gRPC), since an attacker picks the
//! way that costs least; an unknown name is counted like a known one, so
//! nothing tells them apart.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::config::tree::Node;

/// The options in force, with Junos's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryOptions {
    /// Failed passwords an SSH connection may send before it is closed,
    /// and that lock the account when a lockout period is set.
    pub tries_before_disconnect: u32,
    /// Failures after which each further one is answered late.
    pub backoff_threshold: u32,
    /// How much later each failure past the threshold is answered.
    pub backoff_factor: Duration,
    /// How long enough failures lock the account; none by default.
    pub lockout_period: Option<Duration>,
    /// How long a connection may take to log in.
    pub maximum_time: Duration,
    /// How long a connection whose tries all failed stays open at least.
    pub minimum_time: Duration,
}

impl Default for RetryOptions {
    fn default() -> RetryOptions {
        RetryOptions {
            tries_before_disconnect: 3,
            backoff_threshold: 2,
            backoff_factor: Duration::from_secs(5),
            lockout_period: None,
            maximum_time: Duration::from_secs(120),
            minimum_time: Duration::from_secs(20),
        }
    }
}

impl RetryOptions {
    /// The options `system login retry-options` sets in `config`.
    pub fn of(config: &Node) -> RetryOptions {
        let defaults = RetryOptions::default();
        let Some(options) = config.descend(["system", "login", "retry-options"]) else { return defaults };
        let number = |name: &str| -> Option<u64> {
            options.descend([name]).and_then(|n| n.values.first()).and_then(|v| v.parse().ok())
        };
        RetryOptions {
            tries_before_disconnect: number("tries-before-disconnect")
                .map_or(defaults.tries_before_disconnect, |n| n as u32),
            backoff_threshold: number("backoff-threshold").map_or(defaults.backoff_threshold, |n| n as u32),
            backoff_factor: number("backoff-factor").map_or(defaults.backoff_factor, Duration::from_secs),
            lockout_period: number("lockout-period").map(|minutes| Duration::from_secs(minutes * 60)),
            maximum_time: number("maximum-time").map_or(defaults.maximum_time, Duration::from_secs),
            minimum_time: number("minimum-time").map_or(defaults.minimum_time, Duration::from_secs),
        }
    }

    /// How late the answer to the `failures`th failure in a row comes.
    pub fn backoff(&self, failures: u32) -> Duration {
        let past = failures.saturating_add(1).saturating_sub(self.backoff_threshold);
        self.backoff_factor * past.min(MAX_BACKOFF_STEPS)
    }
}

/// Failures past the threshold that still lengthen the wait: one client
/// cannot push a name's answers arbitrarily far out, and the longest wait
/// (50 s at the largest factor) stays within a client's patience.
const MAX_BACKOFF_STEPS: u32 = 5;

/// Failures are forgotten after this long without another, unless a
/// lockout lasts longer.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// Names whose failures are counted at once; past it the one that failed
/// longest ago goes, but never a locked one.
const MAX_NAMES: usize = 4096;

/// Locked names kept at once. Past it nobody new is counted, and a name
/// that is not counted is taken as locked: a flood of made-up names fails
/// closed rather than wiping real locks out.
const MAX_LOCKED: usize = 65_536;

/// What a failed password brought about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed {
    /// Failures in a row for the name, this one included.
    pub failures: u32,
    /// How long to wait before answering; the name is not checked again
    /// before then.
    pub backoff: Duration,
    /// The account was locked by this failure.
    pub locked: bool,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
    /// Until then a new try for the name is refused unchecked.
    next_try: Instant,
    locked_until: Option<Instant>,
    /// When the lock began, as the clock on the wall says.
    locked_at: SystemTime,
}

impl Record {
    fn is_locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// The failure counts of one Routing Engine.
pub struct Attempts {
    names: Mutex<HashMap<String, Record>>,
    /// `MAX_NAMES` and `MAX_LOCKED`; smaller in tests.
    max_names: usize,
    max_locked: usize,
}

impl Default for Attempts {
    fn default() -> Attempts {
        Attempts { names: Mutex::default(), max_names: MAX_NAMES, max_locked: MAX_LOCKED }
    }
}

/// A locked account, for `show system login lockout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub user: String,
    pub start: SystemTime,
    pub end: SystemTime,
}

impl Attempts {
    fn names(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.names.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `user` is locked out now (or cannot be counted at all).
    pub fn is_locked(&self, user: &str) -> bool {
        let now = Instant::now();
        let names = self.names();
        match names.get(user) {
            Some(record) => record.is_locked(now),
            None => names.len() >= self.max_locked,
        }
    }

    /// Whether a try for `user` comes before the last failure's backoff
    /// has passed: refused unchecked, so that tries sent side by side are
    /// no faster than tries sent one after another.
    pub fn too_early(&self, user: &str) -> bool {
        let now = Instant::now();
        self.names().get(user).is_some_and(|r| r.next_try > now)
    }

    /// Counts a failed password for `user`.
    pub fn failed(&self, user: &str, options: &RetryOptions) -> Failed {
        let now = Instant::now();
        let mut names = self.names();
        if !names.contains_key(user) && names.len() >= self.max_names {
            forget_oldest(&mut names, now);
            if names.len() >= self.max_locked {
                return Failed { failures: 1, backoff: options.backoff(u32::MAX), locked: false };
            }
        }
        let fresh = Record {
            failures: 0,
            last: now,
            next_try: now,
            locked_until: None,
            locked_at: SystemTime::now(),
        };
        let record = names.entry(user.to_owned()).or_insert(fresh);
        let lock_ended = record.locked_until.is_some_and(|until| until <= now);
        if lock_ended || (!record.is_locked(now) && now.duration_since(record.last) > FORGET_AFTER) {
            *record = fresh;
        }
        record.failures = record.failures.saturating_add(1);
        record.last = now;
        let backoff = options.backoff(record.failures);
        record.next_try = now + backoff;
        let locked = match options.lockout_period {
            Some(period)
                if record.locked_until.is_none() && record.failures >= options.tries_before_disconnect =>
            {
                record.locked_until = Some(now + period);
                record.locked_at = SystemTime::now();
                true
            }
            _ => false,
        };
        Failed { failures: record.failures, backoff, locked }
    }

    /// A good password: the name starts afresh.
    pub fn succeeded(&self, user: &str) {
        self.names().remove(user);
    }

    /// `clear system login lockout user NAME`: whether it was locked.
    pub fn unlock(&self, user: &str) -> bool {
        let now = Instant::now();
        self.names().remove(user).is_some_and(|r| r.is_locked(now))
    }

    /// `clear system login lockout all`: the names that were locked.
    pub fn unlock_all(&self) -> Vec<String> {
        let mut unlocked: Vec<String> = self.locked().into_iter().map(|l| l.user).collect();
        let mut names = self.names();
        for user in &unlocked {
            names.remove(user);
        }
        unlocked.sort();
        unlocked
    }

    /// The accounts locked now, by name.
    pub fn locked(&self) -> Vec<Locked> {
        let now = Instant::now();
        let mut locked: Vec<Locked> = self
            .names()
            .iter()
            .filter_map(|(user, r)| {
                let until = r.locked_until.filter(|until| *until > now)?;
                Some(Locked {
                    user: user.clone(),
                    start: r.locked_at,
                    end: SystemTime::now() + (until - now),
                })
            })
            .collect();
        locked.sort_by(|a, b| a.user.cmp(&b.user));
        locked
    }
}

/// Forgets the name that failed longest ago, of those not locked.
fn forget_oldest(names: &mut HashMap<String, Record>, now: Instant) {
    let unlocked = names.iter().filter(|(_, r)| !r.is_locked(now));
    if let Some(oldest) = unlocked.min_by_key(|(_, r)| r.last).map(|(user, _)| user.clone()) {
        names.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::parse_text;
    use crate::config::schema::Schema;

    #[test]
    fn options_default_as_on_junos_and_follow_the_configuration() {
        let schema = Schema::shipped().unwrap();
        let (bare, _) = parse_text(&schema, "system { host-name r1; }");
        assert_eq!(RetryOptions::of(&bare), RetryOptions::default());
        let (set, errors) = parse_text(
            &schema,
            "system { login { retry-options { tries-before-disconnect 5; backoff-threshold 1; \
             backoff-factor 7; lockout-period 10; maximum-time 30; } } }",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let options = RetryOptions::of(&set);
        assert_eq!(options.tries_before_disconnect, 5);
        assert_eq!(options.backoff(1), Duration::from_secs(7));
        assert_eq!(options.lockout_period, Some(Duration::from_secs(600)));
        assert_eq!(options.maximum_time, Duration::from_secs(30));
    }

    #[test]
    fn failures_past_the_threshold_wait_longer_each_time() {
        let options = RetryOptions::default();
        let waits: Vec<u64> = (1..=4).map(|n| options.backoff(n).as_secs()).collect();
        assert_eq!(waits, [0, 5, 10, 15]);
        assert_eq!(options.backoff(1000), options.backoff_factor * MAX_BACKOFF_STEPS);
    }

    #[test]
    fn enough_failures_lock_the_account_until_cleared_and_a_success_starts_afresh() {
        let attempts = Attempts::default();
        let options =
            RetryOptions { lockout_period: Some(Duration::from_secs(60)), ..RetryOptions::default() };
        assert!(!attempts.failed("bob", &options).locked);
        attempts.succeeded("bob");
        assert_eq!(attempts.failed("bob", &options).failures, 1, "counted afresh after a success");
        assert!(!attempts.failed("bob", &options).locked);
        assert!(attempts.failed("bob", &options).locked, "the third failure locks");
        assert!(attempts.is_locked("bob") && !attempts.is_locked("alice"));
        assert_eq!(attempts.locked().iter().map(|l| l.user.as_str()).collect::<Vec<_>>(), ["bob"]);
        assert!(!attempts.failed("bob", &options).locked, "locked once");
        assert!(attempts.unlock("bob"));
        assert!(!attempts.is_locked("bob"));
    }

    #[test]
    fn without_a_lockout_period_nobody_is_locked() {
        let attempts = Attempts::default();
        let options = RetryOptions::default();
        for _ in 0..10 {
            assert!(!attempts.failed("bob", &options).locked);
        }
        assert!(!attempts.is_locked("bob"));
    }

    #[test]
    fn a_name_is_not_tried_again_before_its_backoff_has_passed() {
        let attempts = Attempts::default();
        let options = RetryOptions { backoff_threshold: 1, ..RetryOptions::default() };
        assert!(!attempts.too_early("bob"));
        assert_eq!(attempts.failed("bob", &options).backoff, Duration::from_secs(5));
        assert!(attempts.too_early("bob") && !attempts.too_early("alice"));
    }

    #[test]
    fn the_table_of_names_is_bounded_and_never_drops_a_lock() {
        let attempts = Attempts::default();
        let options = RetryOptions::default();
        for n in 0..MAX_NAMES + 10 {
            attempts.failed(&format!("user{n}"), &options);
        }
        assert_eq!(attempts.names().len(), MAX_NAMES);

        let locking = RetryOptions {
            tries_before_disconnect: 2,
            lockout_period: Some(Duration::from_secs(60)),
            ..RetryOptions::default()
        };
        let attempts = Attempts { max_names: 16, max_locked: 64, ..Attempts::default() };
        attempts.failed("root", &locking);
        assert!(attempts.failed("root", &locking).locked);
        // Made-up names past every bound: root stays locked, and once no
        // name can be counted a new one is taken as locked.
        for n in 0..100 {
            let name = format!("x{n}");
            attempts.failed(&name, &locking);
            attempts.failed(&name, &locking);
        }
        assert!(attempts.is_locked("root"));
        assert_eq!(attempts.names().len(), 64);
        assert!(attempts.is_locked("someone-new"));
    }
}
