//! Earlier configurations: the rollbacks kept and the rescue configuration.

use std::borrow::Cow;

use super::{Change, ConfigDb, LoadAction, Mode, Session};
use crate::agent::error::AgentError;
use crate::config::load::parse_text;
use crate::config::print::to_text;
use crate::config::tree::Node;

impl ConfigDb {
    /// The configuration a `show` names: rollback `n`, else the session's
    /// candidate or the committed one.
    pub(in crate::agent) fn shown(
        &self,
        session: u64,
        rollback: Option<u32>,
        candidate: bool,
    ) -> Result<Cow<'_, Node>, AgentError> {
        Ok(match rollback {
            Some(n) => Cow::Owned(self.rollback_tree(n)?),
            None if candidate => Cow::Borrowed(self.candidate(session)),
            None => Cow::Borrowed(&self.committed),
        })
    }

    pub(in crate::agent) fn rollback_tree(&self, n: u32) -> Result<Node, AgentError> {
        self.store
            .rollback(n as usize)
            .map_err(AgentError::from)?
            .ok_or_else(|| AgentError::NotFound(format!("rollback {n} does not exist")))
    }

    /// `rollback N` (`None`: `rollback rescue`) into the session's candidate.
    pub(in crate::agent) fn rollback(&mut self, session: u64, n: Option<u32>) -> Result<(), AgentError> {
        let tree = match n {
            Some(0) => self.committed.clone(),
            Some(n) => self.rollback_tree(n)?,
            None => {
                let text = self.store.rescue()?;
                let text =
                    text.ok_or_else(|| AgentError::NotFound("rescue configuration is not set".into()))?;
                parse_text(&self.schema, &text).0
            }
        };
        *self.candidate_mut(session)? = tree;
        if let Some(Session { mode: Mode::Private(p), .. }) = self.editors.get_mut(&session) {
            // Replayed onto a newer commit, the copy is rollback N again.
            p.changes.clear();
            if n != Some(0) {
                let text = to_text(&self.schema, None, &p.candidate);
                p.changes.push(Change::Load(LoadAction::Override, text));
            }
        }
        Ok(())
    }

    /// `request system configuration rescue save|delete`.
    pub(in crate::agent) fn rescue(&self, delete: bool) -> Result<(), AgentError> {
        let text = if delete { None } else { Some(to_text(&self.schema, None, &self.committed)) };
        Ok(self.store.save_rescue(text.as_deref())?)
    }
}
