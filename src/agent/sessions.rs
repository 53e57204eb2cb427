//! CLI sessions logged in to this Routing Engine. A session exists exactly as
//! long as its `Attach` stream: when the shell exits or dies, the stream is
//! dropped and the session with it.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::Status;

use crate::proto::{Attached, SessionEvent, session_event};

type Event = Result<SessionEvent, Status>;

#[derive(Clone, Default)]
pub struct Sessions {
    inner: Arc<Mutex<Registry>>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    /// Each session's user, and the sender that keeps its stream open.
    active: BTreeMap<u64, (String, mpsc::Sender<Event>)>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a session for `user`; it ends when the returned stream is dropped.
    pub fn attach(&self, user: &str) -> SessionStream {
        let (tx, rx) = mpsc::channel(8);
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = registry.next_id;
        // The channel is new and empty, so the first event always fits.
        let _ = tx.try_send(Ok(SessionEvent {
            event: Some(session_event::Event::Attached(Attached { session_id: id })),
        }));
        registry.active.insert(id, (user.to_owned(), tx));
        SessionStream { rx, sessions: self.clone(), id }
    }

    pub fn count(&self) -> usize {
        self.lock().active.len()
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_lasts_as_long_as_its_stream() {
        let sessions = Sessions::default();
        let first = sessions.attach("lab");
        let second = sessions.attach("ops");
        assert_eq!(sessions.count(), 2);
        drop(first);
        assert_eq!(sessions.count(), 1);
        drop(second);
        assert_eq!(sessions.count(), 0);
    }
}
