//! The shared candidate saved while it changes, so that a crash loses
//! little of it.

use std::sync::Arc;

use super::Agent;
use crate::config::store::write_candidate;

/// How often the shared candidate is saved while it changes: an edit
/// acknowledged this long before `kill -9` may be lost. Saving costs the
/// candidate's text and a write, so it is not done at every edit.
const CANDIDATE_SAVED_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Agent {
    /// Saves the shared candidate every [`CANDIDATE_SAVED_EVERY`] while it
    /// changes, off the path of edits.
    pub(super) async fn save_candidate_regularly(self: Arc<Self>) {
        let mut tick = tokio::time::interval(CANDIDATE_SAVED_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let agent = self.clone();
            let _ = tokio::task::spawn_blocking(move || agent.save_candidate()).await;
        }
    }

    /// Saves the shared candidate if it changed. Its file, the costly part,
    /// is written without the database locked; it is put in place with it,
    /// so that no commit comes between.
    pub(super) fn save_candidate(&self) {
        let (schema, path, unsaved) = {
            let db = self.config();
            (db.schema(), db.candidate_path(), db.unsaved_candidate())
        };
        let Some((edition, tree)) = unsaved else { return };
        match tree.map(|tree| write_candidate(&schema, &path, &tree)).transpose() {
            Ok(written) => self.config().save_candidate(edition, written),
            Err(e) => eprintln!("{}: cannot save the candidate configuration: {e}", self.slot),
        }
    }
}
