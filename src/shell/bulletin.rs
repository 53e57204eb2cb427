//! What the Routing Engines tell a shell's sessions unasked: broadcasts (a
//! shutdown, a `commit confirmed` rolled back, a message from another user)
//! and the end of a session whose RE went away. A task per session reads its
//! stream as events arrive and posts them here, so a front end can show them
//! at once (the terminal, above the line being typed) or before its next
//! command (the batch runner), and a command can wait for its own RE to go.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::client::AgentClient;
use crate::proto::{Identity, MonitoredLines, SessionEvent, session_event};

/// Said when a nested login's RE goes away, as rlogin says it.
pub const CLOSED: &str = "rlogin: connection closed\n";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Message(String),
    /// The session of this key ended: its RE halted, rebooted or died.
    Gone(u64),
}

/// One session the shell holds, as the bulletin sees it.
struct Held {
    key: u64,
    client: AgentClient,
}

#[derive(Default)]
struct Board {
    items: VecDeque<Item>,
    /// The sessions, first login first; the last is the one typed at.
    held: Vec<Held>,
    next_key: u64,
    /// The first session's RE went away: the shell has nothing to go back to.
    closed: bool,
}

/// What came since the last look, in the order it came.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct News {
    pub text: String,
    /// Sessions still held: fewer than before when nested logins' REs went away.
    pub held: usize,
    /// The first session's RE went away.
    pub closed: bool,
}

/// Who an RE is, as it last said: when the session attached, after a
/// command that changes it, and whenever the RE tells its sessions of a
/// change (a failover, a commit, a rollback).
#[derive(Clone)]
pub struct Known(Arc<Mutex<(Identity, Instant)>>);

impl Known {
    pub fn new(identity: Identity) -> Known {
        Known(Arc::new(Mutex::new((identity, Instant::now()))))
    }

    pub fn set(&self, identity: Identity) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = (identity, Instant::now());
    }

    /// The identity now: a pending rollback's countdown has gone on since it was said.
    pub fn get(&self) -> Identity {
        let (identity, said) = &*self.0.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = said.elapsed().as_secs();
        Identity {
            rollback_pending_seconds: identity.rollback_pending_seconds.map(|s| s.saturating_sub(elapsed)),
            ..identity.clone()
        }
    }
}

/// Called after each post, from the task that read it.
type Hook = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
pub struct Bulletin {
    board: Mutex<Board>,
    posted: Condvar,
    hook: Mutex<Option<Hook>>,
}

/// Ends the task reading a session's stream when the session is left, which
/// drops the stream and so logs the session out on its RE.
pub struct Reading(tokio::task::AbortHandle);

impl Drop for Reading {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Bulletin {
    fn board(&self) -> MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn post(&self, item: Item) {
        self.board().items.push_back(item);
        self.posted.notify_all();
        if let Some(hook) = &*self.hook.lock().unwrap_or_else(|e| e.into_inner()) {
            hook();
        }
    }

    /// Has `hook` called after each post: a front end that waits for
    /// something else than the bulletin is woken with it.
    pub fn on_post(&self, hook: Hook) {
        *self.hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// Holds a new innermost session and reads its stream until it ends,
    /// keeping `known` up to date with what the RE says of itself.
    pub fn hold(
        self: &Arc<Self>,
        client: &AgentClient,
        mut stream: tonic::Streaming<SessionEvent>,
        known: Known,
    ) -> Reading {
        let key = {
            let mut board = self.board();
            board.next_key += 1;
            let key = board.next_key;
            board.held.push(Held { key, client: client.clone() });
            key
        };
        let bulletin = self.clone();
        let task = client.runtime().spawn(async move {
            while let Ok(Some(event)) = stream.message().await {
                match event.event {
                    Some(session_event::Event::Broadcast(text)) => bulletin.post(Item::Message(text)),
                    Some(session_event::Event::Identity(identity)) => known.set(identity),
                    _ => {}
                }
            }
            bulletin.post(Item::Gone(key));
        });
        Reading(task.abort_handle())
    }

    /// Posts the lines added to a file that `monitor start` follows, under
    /// the file's name, as they come; keeps `modified` (seconds since the
    /// epoch) up to date for `monitor list`.
    pub fn follow(
        self: &Arc<Self>,
        client: &AgentClient,
        file: String,
        mut lines: tonic::Streaming<MonitoredLines>,
        modified: Arc<AtomicI64>,
    ) -> Reading {
        let bulletin = self.clone();
        let task = client.runtime().spawn(async move {
            while let Ok(Some(added)) = lines.message().await {
                modified.store(added.modified, Ordering::Relaxed);
                if !added.text.is_empty() {
                    bulletin.post(Item::Message(format!("\n*** {file} ***\n{}", added.text)));
                }
            }
        });
        Reading(task.abort_handle())
    }

    /// Forgets every session and what they said: the shell starts over
    /// with a new first login.
    pub fn start_over(&self) {
        *self.board() = Board::default();
    }

    /// The innermost session was left (`exit`).
    pub fn leave(&self) {
        self.board().held.pop();
    }

    /// Takes what came: broadcasts as sent, and for each nested session
    /// whose RE went away the `rlogin` line (it and the sessions within it
    /// are dropped).
    pub fn take(&self) -> News {
        let mut board = self.board();
        let mut text = String::new();
        while let Some(item) = board.items.pop_front() {
            match item {
                Item::Message(message) => text.push_str(&message),
                Item::Gone(key) => match board.held.iter().position(|h| h.key == key) {
                    Some(0) => board.closed = true,
                    Some(at) => {
                        board.held.truncate(at);
                        text.push_str(CLOSED);
                    }
                    // Left already.
                    None => {}
                },
            }
        }
        News { text, held: board.held.len(), closed: board.closed }
    }

    /// Waits until something is posted (or `deadline`); whether anything is.
    pub fn wait(&self, deadline: Instant) -> bool {
        let mut board = self.board();
        while board.items.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            board = self.posted.wait_timeout(board, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        true
    }

    /// Waits until the innermost session's stream has ended (its RE went
    /// down), at most `within`; whether it did.
    pub fn wait_gone(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        let mut board = self.board();
        let Some(key) = board.held.last().map(|h| h.key) else { return true };
        while !board.items.contains(&Item::Gone(key)) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            board = self.posted.wait_timeout(board, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        true
    }

    /// Whether a look has found the first session's RE gone.
    pub fn closed(&self) -> bool {
        self.board().closed
    }

    /// The client of the innermost session, to ask its RE's role.
    pub fn innermost(&self) -> Option<AgentClient> {
        self.board().held.last().map(|h| h.client.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(keys: &[u64]) -> Bulletin {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let client = AgentClient::new(rt.handle().clone(), "127.0.0.1:1", None).unwrap();
        let bulletin = Bulletin::default();
        bulletin.board().held = keys.iter().map(|&key| Held { key, client: client.clone() }).collect();
        bulletin
    }

    #[test]
    fn a_nested_session_gone_is_closed_and_the_first_one_gone_ends_the_shell() {
        let bulletin = holding(&[1, 2]);
        bulletin.post(Item::Message("going down\n".into()));
        bulletin.post(Item::Gone(2));
        assert_eq!(bulletin.take(), News { text: format!("going down\n{CLOSED}"), held: 1, closed: false });
        assert_eq!(bulletin.take(), News { text: String::new(), held: 1, closed: false });
        bulletin.post(Item::Gone(1));
        assert!(bulletin.take().closed);
    }

    #[test]
    fn waits_for_the_innermost_session_to_end_until_a_deadline() {
        let bulletin = holding(&[1, 2]);
        assert!(!bulletin.wait_gone(Duration::from_millis(1)));
        bulletin.post(Item::Gone(1));
        assert!(!bulletin.wait_gone(Duration::from_millis(1)), "the outer one is not the one typed at");
        bulletin.post(Item::Gone(2));
        assert!(bulletin.wait_gone(Duration::from_millis(1)));
    }
}
