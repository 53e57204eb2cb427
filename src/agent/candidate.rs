//! What is saved off the path of edits and commits: the shared candidate
//! while it changes, so that a crash loses little of it, and the checkpoint
//! of the configuration committed once the journal has grown enough.

use std::sync::Arc;

use super::Agent;

/// How often the shared candidate is saved while it changes (an edit
/// acknowledged this long before `kill -9` may be lost) and a due checkpoint
/// written. Saving costs the candidate's text and a write, so it is not done
/// at every edit.
const SAVED_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Agent {
    /// Every [`SAVED_EVERY`]: saves the shared candidate while it changes,
    /// and writes the checkpoint the journal has grown enough for.
    pub(super) async fn save_regularly(self: Arc<Self>) {
        let mut tick = tokio::time::interval(SAVED_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let agent = self.clone();
            let _ = tokio::task::spawn_blocking(move || {
                agent.save_candidate();
                agent.write_checkpoint();
            })
            .await;
        }
    }

    /// Writes the checkpoint due, if one is, with the database unlocked but
    /// to put it in place.
    fn write_checkpoint(&self) {
        let Some(due) = self.config().due_checkpoint() else { return };
        if let Err(e) = due.write().and_then(|written| self.config().put_checkpoint(written)) {
            // The commits are durable without it; it is tried again.
            eprintln!("{}: cannot write a checkpoint: {e}", self.slot);
        }
    }

    /// Saves the shared candidate if it changed. Its file, the costly part,
    /// is written without the database locked; it is put in place with it,
    /// so that no commit comes between.
    pub(super) fn save_candidate(&self) {
        let (path, unsaved) = {
            let db = self.config();
            (db.candidate_path(), db.unsaved_candidate())
        };
        let Some((edition, change)) = unsaved else { return };
        match change.map(|change| change.write(&path)).transpose() {
            Ok(written) => self.config().save_candidate(edition, written),
            Err(e) => eprintln!("{}: cannot save the candidate configuration: {e}", self.slot),
        }
    }
}
