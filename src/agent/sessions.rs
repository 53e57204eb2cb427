//! CLI sessions logged in to this Routing Engine. A session exists exactly as
//! long as its `Attach` stream: when the shell exits or dies, the stream is
//! dropped and the session with it, and whoever asked is told (the
//! configuration database gives up the session's lock and private copy).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::Status;

use crate::proto::{Attached, SessionEvent, session_event};

type Event = Result<SessionEvent, Status>;

/// Who a session is, as `status` and lock messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub terminal: String,
    pub pid: u32,
    /// Seconds since the Unix epoch.
    pub since: i64,
}

#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Mutex<Registry>>,
    /// Called with a session's id when it ends.
    on_end: Arc<dyn Fn(u64) + Send + Sync>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    /// Each session, and the sender that keeps its stream open.
    active: BTreeMap<u64, (Login, mpsc::Sender<Event>)>,
}

impl Sessions {
    pub fn new(on_end: impl Fn(u64) + Send + Sync + 'static) -> Sessions {
        Sessions { inner: Arc::default(), on_end: Arc::new(on_end) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a session; it ends when the returned stream is dropped.
    pub fn attach(&self, login: Login) -> SessionStream {
        let (tx, rx) = mpsc::channel(8);
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = registry.next_id;
        // The channel is new and empty, so the first event always fits.
        let _ = tx.try_send(Ok(SessionEvent {
            event: Some(session_event::Event::Attached(Attached { session_id: id })),
        }));
        registry.active.insert(id, (login, tx));
        SessionStream { rx, sessions: self.clone(), id }
    }

    pub fn count(&self) -> usize {
        self.lock().active.len()
    }

    pub fn login(&self, id: u64) -> Option<Login> {
        self.lock().active.get(&id).map(|(login, _)| login.clone())
    }

    /// Ends every session's stream, as an RE going down drops its logins.
    pub fn end_all(&self) {
        let ended = std::mem::take(&mut self.lock().active);
        drop(ended);
    }

    /// Sends `text` to every session; one too slow to take it misses it.
    pub fn broadcast(&self, text: &str) {
        for (_, tx) in self.lock().active.values() {
            let event = session_event::Event::Broadcast(text.to_owned());
            let _ = tx.try_send(Ok(SessionEvent { event: Some(event) }));
        }
    }
}

pub struct SessionStream {
    rx: mpsc::Receiver<Event>,
    sessions: Sessions,
    id: u64,
}

impl Stream for SessionStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for SessionStream {
    fn drop(&mut self) {
        self.sessions.lock().active.remove(&self.id);
        (self.sessions.on_end)(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(user: &str) -> Login {
        Login { user: user.into(), terminal: "pts/0".into(), pid: 1, since: 0 }
    }

    #[test]
    fn a_session_lasts_as_long_as_its_stream() {
        let ended = Arc::new(Mutex::new(Vec::new()));
        let record = ended.clone();
        let sessions = Sessions::new(move |id| record.lock().unwrap().push(id));
        let first = sessions.attach(login("lab"));
        let second = sessions.attach(login("ops"));
        assert_eq!(sessions.count(), 2);
        assert_eq!(sessions.login(2).map(|l| l.user).as_deref(), Some("ops"));
        drop(first);
        assert_eq!(sessions.count(), 1);
        drop(second);
        assert_eq!(sessions.count(), 0);
        assert_eq!(*ended.lock().unwrap(), [1, 2]);
    }
}
