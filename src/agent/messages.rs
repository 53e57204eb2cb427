//! Words between sessions: `request message` to other users' terminals, and
//! `monitor start`, which follows a log file as lines are added to it.

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Status};

use super::auth::principal_of;
use super::files::{CHUNK, FileArea};
use super::transfer::file_status;
use super::{Agent, SESSION_KEY};
use crate::proto::{MonitoredLines, SendMessageRequest, send_message_request::To};

/// How often a monitored file is looked at: a person reading a log sees a
/// new line at once, and a look costs one `stat`.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// The most a message may carry, as a terminal line may.
const MAX_MESSAGE_BYTES: usize = 4096;

pub type Following = ReceiverStream<Result<MonitoredLines, Status>>;

impl Agent {
    /// `request message ...`: delivered as BSD `write` does, under the
    /// sender's name and terminal; how many sessions it reached.
    pub(super) fn send_message(&self, request: Request<SendMessageRequest>) -> Result<u32, Status> {
        let caller =
            principal_of(&request).ok_or_else(|| Status::unauthenticated("a message needs a login"))?;
        let session = request
            .metadata()
            .get(SESSION_KEY)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .and_then(|id| self.sessions.login(id))
            .filter(|login| caller.token.as_ref().is_some_and(|token| *token == login.token));
        // A shell without a terminal is listed under `none`; `wall` says so.
        let tty =
            session.map(|login| login.terminal).filter(|t| t != "none").unwrap_or_else(|| "no tty".into());
        let r = request.into_inner();
        if r.text.len() > MAX_MESSAGE_BYTES {
            return Err(Status::invalid_argument(format!(
                "message too long (at most {MAX_MESSAGE_BYTES} bytes)"
            )));
        }
        // Whatever reaches other terminals is text, not their control codes.
        let text: String = r.text.chars().filter(|c| !c.is_control() || *c == '\n').collect();
        let at = chrono::Utc::now().format("%H:%M UTC");
        let message = format!(
            "\nMessage from {}@{} on {tty} at {at} ...\n{text}\nEOF\n",
            caller.user,
            self.host_name()
        );
        let reached = match r.to {
            Some(To::User(user)) => {
                (self.sessions.send(&message, |l| l.user == user), format!("user {user} is not logged in"))
            }
            Some(To::Terminal(tty)) => {
                (self.sessions.send(&message, |l| l.terminal == tty), format!("no session on terminal {tty}"))
            }
            Some(To::All(_)) | None => {
                (self.sessions.send(&message, |_| true), "no session to write to".into())
            }
        };
        match reached {
            (0, nobody) => Err(Status::not_found(nobody)),
            (n, _) => Ok(n as u32),
        }
    }

    /// `monitor start FILE`: from the file's end on, each whole line added,
    /// until the caller stops reading. A file started again (rotated,
    /// truncated) is read from its beginning.
    pub(super) fn monitor_file(&self, user: &str, path: &str) -> Result<Following, Status> {
        let (_, file) = self.files.open(user, path).map_err(file_status)?;
        let metadata = file.metadata().map_err(|e| Status::internal(e.to_string()))?;
        let (tx, rx) = mpsc::channel(16);
        let first = MonitoredLines { text: String::new(), modified: modified(&metadata) };
        // The channel is new and empty: the first message always fits.
        let _ = tx.try_send(Ok(first));
        let follower = Follower {
            files: self.files.clone(),
            user: user.to_owned(),
            path: path.to_owned(),
            offset: metadata.len(),
            partial: Vec::new(),
        };
        tokio::spawn(follower.run(tx));
        Ok(ReceiverStream::new(rx))
    }
}

fn modified(metadata: &std::fs::Metadata) -> i64 {
    metadata.modified().map_or(0, super::unix_seconds)
}

struct Follower {
    files: FileArea,
    user: String,
    path: String,
    /// How far the file has been read.
    offset: u64,
    /// The start of a line not yet ended.
    partial: Vec<u8>,
}

impl Follower {
    async fn run(mut self, tx: mpsc::Sender<Result<MonitoredLines, Status>>) {
        loop {
            tokio::select! {
                () = tx.closed() => return,
                () = tokio::time::sleep(FOLLOW_EVERY) => {}
            }
            let (follower, read) = match tokio::task::spawn_blocking(move || {
                let read = self.read();
                (self, read)
            })
            .await
            {
                Ok(done) => done,
                Err(_) => return,
            };
            self = follower;
            match read {
                Ok(Some(lines)) => {
                    if tx.send(Ok(lines)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(status) => {
                    let _ = tx.send(Err(status)).await;
                    return;
                }
            }
        }
    }

    /// The whole lines added since the last look, if any.
    fn read(&mut self) -> Result<Option<MonitoredLines>, Status> {
        let (_, mut file) = self.files.open(&self.user, &self.path).map_err(file_status)?;
        let io = |e: std::io::Error| Status::internal(e.to_string());
        let metadata = file.metadata().map_err(io)?;
        if metadata.len() < self.offset {
            self.offset = 0;
            self.partial.clear();
        }
        if metadata.len() == self.offset {
            return Ok(None);
        }
        file.seek(SeekFrom::Start(self.offset)).map_err(io)?;
        let mut added = Vec::new();
        let n = file.take(4 * CHUNK as u64).read_to_end(&mut added).map_err(io)?;
        self.offset += n as u64;
        self.partial.extend_from_slice(&added);
        let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') else {
            // A line longer than a look is shown in pieces rather than held.
            if self.partial.len() < 4 * CHUNK {
                return Ok(None);
            }
            let text = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned() + "\n";
            return Ok(Some(MonitoredLines { text, modified: modified(&metadata) }));
        };
        let rest = self.partial.split_off(end + 1);
        let text = String::from_utf8_lossy(&std::mem::replace(&mut self.partial, rest)).into_owned();
        Ok(Some(MonitoredLines { text, modified: modified(&metadata) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follower_sends_whole_lines_added_and_starts_over_on_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileArea::new(dir.path()).unwrap();
        let log = files.root().join("var/log/messages");
        std::fs::write(&log, "old line\n").unwrap();
        let mut follower = Follower {
            files,
            user: "lab".into(),
            path: "/var/log/messages".into(),
            offset: 9,
            partial: Vec::new(),
        };
        assert!(follower.read().unwrap().is_none());
        let append = |text: &str| {
            use std::io::Write;
            std::fs::OpenOptions::new().append(true).open(&log).unwrap().write_all(text.as_bytes()).unwrap();
        };
        append("first\nsec");
        assert_eq!(follower.read().unwrap().unwrap().text, "first\n");
        assert!(follower.read().unwrap().is_none(), "half a line waits for its end");
        append("ond\n");
        assert_eq!(follower.read().unwrap().unwrap().text, "second\n");
        std::fs::write(&log, "rotated\n").unwrap();
        assert_eq!(follower.read().unwrap().unwrap().text, "rotated\n");
    }
}
