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

use crate::proto::{Attached, Identity, SessionEvent, session_event};

type Event = Result<SessionEvent, Status>;

/// CLI sessions one RE serves at once.
pub const MAX_SESSIONS: usize = 64;

/// Who a session is, as `status` and lock messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub terminal: String,
    pub pid: u32,
    /// Seconds since the Unix epoch.
    pub since: i64,
    /// The client's address.
    pub from: String,
    /// The login the session holds; it ends with the session.
    pub token: Arc<str>,
}

/// Called with a session's id and login when it ends.
type OnEnd = dyn Fn(u64, &Login) + Send + Sync;

#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Mutex<Registry>>,
    on_end: Arc<OnEnd>,
}

/// The RE's identity as a session was told it.
#[derive(Debug, Clone, Default)]
pub struct Told {
    pub identity: Identity,
    /// When a pending `commit confirmed` rolls back, in seconds since the
    /// Unix epoch: the identity's countdown changes each second, this does not.
    pub rollback_at: Option<i64>,
}

impl Told {
    fn same(&self, other: &Told) -> bool {
        let steady = |t: &Told| Identity { rollback_pending_seconds: None, ..t.identity.clone() };
        self.rollback_at == other.rollback_at && steady(self) == steady(other)
    }
}

struct Active {
    login: Login,
    /// Keeps the session's stream open.
    tx: mpsc::Sender<Event>,
    told: Told,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    active: BTreeMap<u64, Active>,
}

impl Sessions {
    pub fn new(on_end: impl Fn(u64, &Login) + Send + Sync + 'static) -> Sessions {
        Sessions { inner: Arc::default(), on_end: Arc::new(on_end) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a session, greeted with who the RE is; it ends when the
    /// returned stream is dropped.
    pub fn attach(&self, login: Login, told: Told) -> Result<SessionStream, Status> {
        let (tx, rx) = mpsc::channel(8);
        let mut registry = self.lock();
        if registry.active.len() >= MAX_SESSIONS {
            return Err(Status::resource_exhausted(format!(
                "too many sessions: {MAX_SESSIONS} are logged in to this Routing Engine"
            )));
        }
        registry.next_id += 1;
        let id = registry.next_id;
        // The channel is new and empty, so the first event always fits.
        let greeting = Attached { session_id: id, identity: Some(told.identity.clone()) };
        let _ = tx.try_send(Ok(SessionEvent { event: Some(session_event::Event::Attached(greeting)) }));
        registry.active.insert(id, Active { login, tx, told });
        Ok(SessionStream { rx, sessions: self.clone(), id })
    }

    pub fn count(&self) -> usize {
        self.lock().active.len()
    }

    pub fn login(&self, id: u64) -> Option<Login> {
        self.lock().active.get(&id).map(|a| a.login.clone())
    }

    /// Every session, oldest first.
    pub fn logins(&self) -> Vec<Login> {
        self.lock().active.values().map(|a| a.login.clone()).collect()
    }

    /// `request system logout USER`: ends the user's sessions; how many.
    pub fn end_user(&self, user: &str) -> usize {
        let ended: Vec<_> = {
            let mut registry = self.lock();
            let ids: Vec<u64> =
                registry.active.iter().filter(|(_, a)| a.login.user == user).map(|(&id, _)| id).collect();
            ids.into_iter().filter_map(|id| registry.active.remove_entry(&id)).collect()
        };
        for (id, active) in &ended {
            (self.on_end)(*id, &active.login);
        }
        ended.len()
    }

    /// Ends every session's stream, as an RE going down drops its logins.
    pub fn end_all(&self) {
        let ended = std::mem::take(&mut self.lock().active);
        drop(ended);
    }

    /// Sends `text` to every session; one too slow to take it misses it.
    pub fn broadcast(&self, text: &str) {
        self.send(text, |_| true);
    }

    /// Tells each session that was last told otherwise who the RE is now.
    /// Kept per session, so one greeted with an identity that changed while
    /// it attached, or that missed an event, is told at the next call.
    pub fn announce(&self, now: &Told) {
        for active in self.lock().active.values_mut() {
            if active.told.same(now) {
                continue;
            }
            let event = session_event::Event::Identity(now.identity.clone());
            if active.tx.try_send(Ok(SessionEvent { event: Some(event) })).is_ok() {
                active.told = now.clone();
            }
        }
    }

    /// Sends `text` to the sessions `to` picks; how many it reached.
    pub fn send(&self, text: &str, to: impl Fn(&Login) -> bool) -> usize {
        let mut reached = 0;
        for active in self.lock().active.values() {
            if !to(&active.login) {
                continue;
            }
            let event = session_event::Event::Broadcast(text.to_owned());
            if active.tx.try_send(Ok(SessionEvent { event: Some(event) })).is_ok() {
                reached += 1;
            }
        }
        reached
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
        // Already gone when the user was logged out.
        let ended = self.sessions.lock().active.remove(&self.id);
        if let Some(active) = ended {
            (self.sessions.on_end)(self.id, &active.login);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(user: &str) -> Login {
        Login {
            user: user.into(),
            terminal: "pts/0".into(),
            pid: 1,
            since: 0,
            from: "-".into(),
            token: user.into(),
        }
    }

    #[test]
    fn a_session_lasts_as_long_as_its_stream() {
        let ended = Arc::new(Mutex::new(Vec::new()));
        let record = ended.clone();
        let sessions = Sessions::new(move |id, _| record.lock().unwrap().push(id));
        let first = sessions.attach(login("lab"), Told::default()).unwrap();
        let second = sessions.attach(login("ops"), Told::default()).unwrap();
        assert_eq!(sessions.count(), 2);
        assert_eq!(sessions.login(2).map(|l| l.user).as_deref(), Some("ops"));
        drop(first);
        assert_eq!(sessions.count(), 1);
        drop(second);
        assert_eq!(sessions.count(), 0);
        assert_eq!(*ended.lock().unwrap(), [1, 2]);
    }

    #[test]
    fn a_message_reaches_the_sessions_it_is_sent_to() {
        let sessions = Sessions::new(|_, _| {});
        let mut lab = sessions.attach(login("lab"), Told::default()).unwrap();
        let mut ops = sessions.attach(login("ops"), Told::default()).unwrap();
        assert_eq!(sessions.send("to ops\n", |l| l.user == "ops"), 1);
        assert_eq!(sessions.send("to nobody\n", |l| l.user == "root"), 0);
        let next = |stream: &mut SessionStream| match stream.rx.try_recv() {
            Ok(Ok(SessionEvent { event: Some(session_event::Event::Broadcast(text)) })) => Some(text),
            _ => None,
        };
        // Past the greeting each stream starts with.
        lab.rx.try_recv().unwrap().unwrap();
        ops.rx.try_recv().unwrap().unwrap();
        assert_eq!(next(&mut ops).as_deref(), Some("to ops\n"));
        assert_eq!(next(&mut lab), None);
    }

    #[test]
    fn a_session_is_told_of_each_change_of_identity_once() {
        let sessions = Sessions::new(|_, _| {});
        let told = |host: &str, seconds: Option<u64>, at: Option<i64>| Told {
            identity: Identity {
                host_name: host.into(),
                rollback_pending_seconds: seconds,
                ..Identity::default()
            },
            rollback_at: at,
        };
        let mut lab = sessions.attach(login("lab"), told("re0", None, None)).unwrap();
        let identities = |stream: &mut SessionStream| {
            std::iter::from_fn(|| stream.rx.try_recv().ok())
                .filter_map(|event| match event {
                    Ok(SessionEvent { event: Some(session_event::Event::Identity(i)) }) => Some(i.host_name),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        sessions.announce(&told("re0", None, None));
        assert!(identities(&mut lab).is_empty(), "the greeting said it already");
        sessions.announce(&told("lab-re0", Some(600), Some(1000)));
        sessions.announce(&told("lab-re0", Some(599), Some(1000)));
        assert_eq!(identities(&mut lab), ["lab-re0"], "a countdown is no change");
        sessions.announce(&told("lab-re0", None, None));
        assert_eq!(identities(&mut lab), ["lab-re0"], "the rollback's end is one");
    }

    #[test]
    fn a_logout_ends_the_users_sessions_once() {
        let ended = Arc::new(Mutex::new(Vec::new()));
        let record = ended.clone();
        let sessions =
            Sessions::new(move |id, login: &Login| record.lock().unwrap().push((id, login.user.clone())));
        let streams: Vec<_> =
            (0..MAX_SESSIONS - 1).map(|_| sessions.attach(login("ops"), Told::default()).unwrap()).collect();
        let lab = sessions.attach(login("lab"), Told::default()).unwrap();
        assert_eq!(
            sessions.attach(login("one-more"), Told::default()).err().map(|s| s.code()),
            Some(tonic::Code::ResourceExhausted)
        );
        assert_eq!(sessions.end_user("ops"), MAX_SESSIONS - 1);
        drop(streams);
        assert_eq!(ended.lock().unwrap().len(), MAX_SESSIONS - 1, "each ended session is reported once");
        assert_eq!(sessions.logins().iter().map(|l| l.user.as_str()).collect::<Vec<_>>(), ["lab"]);
        drop(lab);
    }
}
