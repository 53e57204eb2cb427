//! What the gRPC listener lets in before a login. Shells and the other RE
//! hold their connections for as long as they run; a connection earns that
//! with its first authenticated call (a login's token or the chassis secret)
//! or a successful login. Until then it is a startup: at most [`STARTUPS`]
//! are held at once, and each is closed when the login grace time passes.
//!
//! At the cap it is the oldest startup that is closed, not the new one: a
//! flood can then shorten the time a client has to log in, but can neither
//! keep a shell out nor the other RE, whose keepalives reconnect through it,
//! and the connections already logged in are not counted at all.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Waker};
use std::time::Duration;

use tokio::net::TcpStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::admission::{Graced, Place};

/// Connections not logged in yet, held at once.
pub const STARTUPS: usize = 256;

/// The listener's startups.
#[derive(Default)]
pub struct Gate {
    startups: Arc<Mutex<Startups>>,
}

#[derive(Default)]
struct Startups {
    next: u64,
    /// By arrival: the first is the oldest.
    waiting: BTreeMap<u64, Arc<Closer>>,
}

fn lock(startups: &Mutex<Startups>) -> MutexGuard<'_, Startups> {
    startups.lock().unwrap_or_else(|e| e.into_inner())
}

impl Gate {
    /// Lets `stream` in as a startup, closing the oldest one if there are
    /// already [`STARTUPS`]; it is closed itself after `grace` unless it
    /// logs in.
    pub fn admit<S>(&self, stream: S, grace: Duration) -> Admitted<S> {
        let closer = Arc::new(Closer::default());
        let mut startups = lock(&self.startups);
        if startups.waiting.len() >= STARTUPS
            && let Some((_, oldest)) = startups.waiting.pop_first()
        {
            oldest.close();
        }
        let id = startups.next;
        startups.next += 1;
        startups.waiting.insert(id, closer.clone());
        drop(startups);
        let pass = Arc::new(Pass {
            id,
            closer,
            startups: self.startups.clone(),
            authenticated: AtomicBool::new(false),
        });
        Graced::new(stream, pass, grace)
    }

    #[cfg(test)]
    fn waiting(&self) -> usize {
        lock(&self.startups).waiting.len()
    }
}

/// Wakes a startup's connection to close it.
#[derive(Default)]
struct Closer {
    closed: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Closer {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Some(waker) = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            waker.wake();
        }
    }
}

/// A connection's standing; it leaves the startups when it logs in or ends.
pub struct Pass {
    id: u64,
    closer: Arc<Closer>,
    startups: Arc<Mutex<Startups>>,
    authenticated: AtomicBool,
}

impl Pass {
    /// The connection made an authenticated call or logged in.
    pub fn authenticated(&self) {
        if !self.authenticated.swap(true, Ordering::AcqRel) {
            lock(&self.startups).waiting.remove(&self.id);
        }
    }

    pub fn is_authenticated(&self) -> bool {
        self.authenticated.load(Ordering::Acquire)
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        lock(&self.startups).waiting.remove(&self.id);
    }
}

/// What each call on a connection carries (in its extensions): where it
/// comes from, and the connection's pass.
#[derive(Clone)]
pub struct Link {
    pub tcp: TcpConnectInfo,
    pub pass: Arc<Pass>,
}

impl Place for Pass {
    fn is_authenticated(&self) -> bool {
        Pass::is_authenticated(self)
    }

    fn closed(&self, cx: &Context<'_>) -> Option<std::io::Error> {
        // Registered before the check, so a close in between still wakes us.
        *self.closer.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        self.closer.closed.load(Ordering::Acquire).then(|| {
            std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "closed for a newer connection: too many not logged in",
            )
        })
    }
}

/// A gRPC connection: closed as a startup when its grace time passes or a
/// newer one takes its place; the HTTP/2 connection (or the TLS handshake)
/// then ends and the socket is closed.
pub type Admitted<S> = Graced<S, Pass>;

impl<S> Admitted<S> {
    /// What calls on a connection from nowhere in particular carry.
    #[cfg(test)]
    pub fn link(&self) -> Link {
        Link { tcp: TcpConnectInfo { local_addr: None, remote_addr: None }, pass: self.place.clone() }
    }
}

impl Connected for Admitted<TcpStream> {
    type ConnectInfo = Link;

    fn connect_info(&self) -> Link {
        Link { tcp: self.stream.connect_info(), pass: self.place.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    const GRACE: Duration = Duration::from_secs(120);

    /// What a read on a silent connection comes to within `within`.
    async fn read(
        admitted: &mut Admitted<tokio::io::DuplexStream>,
        within: Duration,
    ) -> Option<std::io::ErrorKind> {
        let mut buf = [0u8; 8];
        match tokio::time::timeout(within, admitted.read(&mut buf)).await {
            Err(_) => None,
            Ok(Err(e)) => Some(e.kind()),
            Ok(Ok(n)) => panic!("read {n} bytes of nothing"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_cap_the_oldest_startup_is_closed_and_logged_in_ones_are_not_counted() {
        let gate = Gate::default();
        let mut peers = Vec::new();
        let mut admit = || {
            let (ours, theirs) = tokio::io::duplex(64);
            peers.push(theirs);
            gate.admit(ours, GRACE)
        };
        let mut logged_in = admit();
        logged_in.place.authenticated();
        let mut startups: Vec<_> = (0..STARTUPS).map(|_| admit()).collect();
        assert_eq!(gate.waiting(), STARTUPS);
        let mut newest = admit();
        assert_eq!(gate.waiting(), STARTUPS);
        let second = Duration::from_secs(1);
        assert_eq!(read(&mut startups[0], second).await, Some(std::io::ErrorKind::ConnectionAborted));
        assert_eq!(read(&mut startups[1], second).await, None);
        assert_eq!(read(&mut newest, second).await, None);
        assert_eq!(read(&mut logged_in, second).await, None);
        // A startup that ends or logs in gives its place back.
        startups.truncate(STARTUPS - 2);
        newest.place.authenticated();
        assert_eq!(gate.waiting(), STARTUPS - 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_startup_is_closed_after_the_grace_time_unless_it_logs_in() {
        let gate = Gate::default();
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut startup = gate.admit(ours, GRACE);
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut logged_in = gate.admit(ours, GRACE);
        logged_in.place.authenticated();
        assert_eq!(read(&mut startup, GRACE * 2).await, Some(std::io::ErrorKind::TimedOut));
        assert_eq!(read(&mut logged_in, GRACE * 2).await, None, "a logged-in connection may stay silent");
    }
}
