//! What a listener lets in before a login, shared by the agent's gRPC
//! listener and the SSH server's: a stream that is closed once the login
//! grace time passes without a login ([`Graced`]), and the SSH listeners'
//! bounds, as a router bounds its sshd: at most `connection-limit`
//! connections at once and `rate-limit` new ones a minute (`system services
//! ssh`, `system services netconf ssh`), and sshd's MaxStartups on those not
//! yet logged in. A connection past a limit is closed as soon as it is
//! accepted, so a flood of idle connections costs the process a bounded
//! number of file descriptors and never the ones its mastership work needs.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// How long a connection may take to log in: sshd's LoginGraceTime default,
/// which the sshd of a Junos RE keeps.
pub const LOGIN_GRACE_TIME: Duration = Duration::from_secs(120);

/// How long a listener waits after a failed accept before trying again.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// sshd's MaxStartups default, 10:30:100: from 10 connections not yet
/// logged in, a new one is dropped with a chance of 30 %, rising linearly
/// to certainty at 100. Random early drop leaves a real client a chance to
/// get in while a flood holds the unauthenticated places.
const STARTUPS_BEGIN: usize = 10;
const STARTUPS_RATE: usize = 30;
const STARTUPS_FULL: usize = 100;

/// A service's limits, as configured (Junos's defaults otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `connection-limit`: connections open at once (1..250).
    pub connections: usize,
    /// `rate-limit`: connections let in a minute (1..250).
    pub per_minute: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { connections: 75, per_minute: 150 }
    }
}

const MINUTE: Duration = Duration::from_secs(60);

/// One listener's connections.
#[derive(Default)]
pub struct Admission {
    tally: Arc<Mutex<Tally>>,
}

#[derive(Default)]
struct Tally {
    open: usize,
    unauthenticated: usize,
    /// When the connections of the last minute were let in, oldest first.
    admitted: VecDeque<Instant>,
}

impl Admission {
    /// A place for a connection arriving `now`, or `None` if it must be
    /// closed. `draw` is a random number, for MaxStartups's early drop.
    pub fn admit(&self, limits: Limits, now: Instant, draw: u32) -> Option<Arc<Ticket>> {
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        while tally.admitted.front().is_some_and(|at| now.saturating_duration_since(*at) >= MINUTE) {
            tally.admitted.pop_front();
        }
        if tally.open >= limits.connections
            || tally.admitted.len() >= limits.per_minute
            || startup_dropped(tally.unauthenticated, draw)
        {
            return None;
        }
        tally.open += 1;
        tally.unauthenticated += 1;
        tally.admitted.push_back(now);
        Some(Arc::new(Ticket { tally: self.tally.clone(), authenticated: AtomicBool::new(false) }))
    }
}

/// sshd's `drop_connection`: the chance of a drop, in percent, with this
/// many connections not yet logged in.
fn startup_dropped(unauthenticated: usize, draw: u32) -> bool {
    if unauthenticated < STARTUPS_BEGIN {
        return false;
    }
    if unauthenticated >= STARTUPS_FULL {
        return true;
    }
    let percent = STARTUPS_RATE
        + (100 - STARTUPS_RATE) * (unauthenticated - STARTUPS_BEGIN) / (STARTUPS_FULL - STARTUPS_BEGIN);
    (draw % 100) < percent as u32
}

/// A connection's place, given back when the last holder drops it.
pub struct Ticket {
    tally: Arc<Mutex<Tally>>,
    authenticated: AtomicBool,
}

impl Ticket {
    /// The client logged in: the place is no longer a startup.
    pub fn authenticated(&self) {
        if !self.authenticated.swap(true, Ordering::AcqRel) {
            self.tally.lock().unwrap_or_else(|e| e.into_inner()).unauthenticated -= 1;
        }
    }

    fn is_authenticated(&self) -> bool {
        self.authenticated.load(Ordering::Acquire)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        tally.open -= 1;
        if !self.is_authenticated() {
            tally.unauthenticated -= 1;
        }
    }
}

/// What a connection's place tells its stream: whether the client has
/// logged in, and whether the place was taken back before that.
pub trait Place {
    fn is_authenticated(&self) -> bool;

    /// Why the connection was closed early, if it was; `cx` is woken when
    /// it is.
    fn closed(&self, _cx: &Context<'_>) -> Option<std::io::Error> {
        None
    }
}

impl Place for Ticket {
    fn is_authenticated(&self) -> bool {
        Ticket::is_authenticated(self)
    }
}

/// A connection's stream whose reads fail once the grace time has passed
/// without a login (or its place was taken back), whatever stage the
/// handshake is at (SSH, TLS, HTTP/2); the session then ends and its socket
/// is closed.
pub struct Graced<S, P> {
    pub(crate) stream: S,
    pub(crate) place: Arc<P>,
    deadline: Pin<Box<Sleep>>,
}

impl<S, P> Graced<S, P> {
    pub fn new(stream: S, place: Arc<P>, grace: Duration) -> Graced<S, P> {
        Graced { stream, place, deadline: Box::pin(tokio::time::sleep(grace)) }
    }
}

impl<S: AsyncRead + Unpin, P: Place> AsyncRead for Graced<S, P> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if !this.place.is_authenticated() {
            if let Some(closed) = this.place.closed(cx) {
                return Poll::Ready(Err(closed));
            }
            if this.deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "login grace time exceeded",
                )));
            }
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin, P: Unpin> AsyncWrite for Graced<S, P> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(admission: &Admission) -> (usize, usize, usize) {
        let tally = admission.tally.lock().unwrap();
        (tally.open, tally.unauthenticated, tally.admitted.len())
    }

    #[test]
    fn connections_past_the_limit_are_refused_until_one_closes() {
        let admission = Admission::default();
        let limits = Limits { connections: 3, per_minute: 100 };
        let now = Instant::now();
        let held: Vec<_> = (0..3).map(|_| admission.admit(limits, now, 0).unwrap()).collect();
        assert!(admission.admit(limits, now, 0).is_none());
        held[0].authenticated();
        assert_eq!(counts(&admission), (3, 2, 3));
        drop(held);
        assert_eq!(counts(&admission), (0, 0, 3));
        assert!(admission.admit(limits, now, 0).is_some());
    }

    #[test]
    fn a_minute_lets_in_rate_limit_connections() {
        let admission = Admission::default();
        let limits = Limits { connections: 100, per_minute: 2 };
        let start = Instant::now();
        for _ in 0..2 {
            admission.admit(limits, start, 0).unwrap();
        }
        assert!(admission.admit(limits, start + Duration::from_secs(59), 0).is_none());
        assert!(admission.admit(limits, start + MINUTE, 0).is_some());
    }

    #[test]
    fn startups_are_dropped_as_sshd_drops_them() {
        // Below 10 never; at 10, 30 draws in 100; half way, 65; from 100, all.
        let dropped = |n| (0..100).filter(|&draw| startup_dropped(n, draw)).count();
        assert_eq!([dropped(9), dropped(10), dropped(55), dropped(99), dropped(100)], [0, 30, 65, 99, 100]);
        let admission = Admission::default();
        let limits = Limits { connections: 250, per_minute: 250 };
        let now = Instant::now();
        let held: Vec<_> = (0..10).map(|_| admission.admit(limits, now, 0).unwrap()).collect();
        assert!(admission.admit(limits, now, 0).is_none(), "a low draw is dropped");
        assert!(admission.admit(limits, now, 99).is_some(), "a high draw gets in");
        held.iter().for_each(|t| t.authenticated());
        assert!(admission.admit(limits, now, 0).is_some(), "logged-in connections are no startups");
    }

    #[tokio::test(start_paused = true)]
    async fn reads_fail_after_the_grace_time_unless_logged_in() {
        use tokio::io::AsyncReadExt;
        let admission = Admission::default();
        let limits = Limits::default();
        for log_in in [false, true] {
            let (ours, _theirs) = tokio::io::duplex(64);
            let ticket = admission.admit(limits, Instant::now(), 0).unwrap();
            let mut graced = Graced::new(ours, ticket.clone(), Duration::from_secs(5));
            if log_in {
                ticket.authenticated();
            }
            let mut buf = [0u8; 8];
            let read = tokio::time::timeout(Duration::from_secs(10), graced.read(&mut buf)).await;
            match read {
                Ok(Err(e)) => assert!(!log_in && e.kind() == std::io::ErrorKind::TimedOut, "{e}"),
                Err(_) => assert!(log_in, "a logged-in connection may stay silent"),
                Ok(Ok(n)) => panic!("read {n} bytes of nothing"),
            }
        }
    }
}
