//! What this RE makes of a `commit synchronize` from the other: the
//! configuration sent, as a change or whole, checked and kept for the go
//! that commits it; and the changes this RE sends.

use std::time::SystemTime;

use super::{Commit, ConfigDb, Mode, locked};
use crate::agent::error::AgentError;
use crate::config::delta::{Delta, chain, diff};
use crate::config::load::parse_text;
use crate::config::tree::Node;
use crate::config::validate::{CheckError, check_from};
use crate::config::version::Version;

/// A `commit synchronize` from the other RE.
#[derive(Debug, Clone)]
pub struct Synchronize {
    /// The commit as the other RE's user asked it.
    pub commit: Commit,
    /// The committed configuration's hash once this is committed, kept so
    /// that the next change can be sent as a change.
    pub hash: u64,
    pub asked: Asked,
    /// A commit sent without a check before it is made only before this
    /// time: after it, the other RE may have given up waiting.
    pub commit_by: Option<SystemTime>,
}

#[derive(Debug, Clone)]
pub enum Asked {
    /// The go: commit what was checked here on the offer just before with
    /// the same hash, unless anything else was asked or committed since.
    Go,
    Offer(Offer),
}

/// A configuration offered to commit (or check).
#[derive(Debug, Clone)]
pub struct Offer {
    /// The version it is committed with: refused unless newer than this
    /// RE's (see `newest`), or done already when it is the very
    /// configuration and version this RE has.
    pub version: Version,
    /// A new commit, not a catch-up: where `version` is not newer than this
    /// RE's, it commits with the next after both instead.
    pub newest: bool,
    pub sent: Sent,
}

#[derive(Debug, Clone)]
pub enum Sent {
    /// The change from the configuration of version `base` and hash `base_hash`.
    Change { delta: Delta, base: Version, base_hash: u64 },
    /// The whole configuration, as written (groups not yet applied).
    Whole(String),
}

/// What this RE made of a `commit synchronize` from the other.
pub(in crate::agent) enum Synchronized {
    /// Checked (and committed unless only checked) when there are no
    /// errors; the version it has, or for a check, would commit with.
    Checked(Vec<CheckError>, Version),
    /// The change sent was made from another configuration than this RE's.
    WholeNeeded,
    /// A commit that came at or after its time: nothing was done.
    Late,
}

/// What a `commit synchronize` from the other RE comes to on this RE.
enum Received {
    /// The configuration and version this RE has already.
    Done,
    /// The change sent was made from another configuration than this RE's.
    WholeNeeded,
    Configuration(Node, Version),
}

/// A configuration the other RE had this RE check for `commit
/// synchronize`, kept for the go that commits it until anything else is
/// asked or committed here.
pub(super) struct Checked {
    /// The hash it has once committed, which the go names.
    hash: u64,
    tree: Node,
    effective: Node,
    version: Version,
}

impl ConfigDb {
    /// A configuration the other RE sends with `commit synchronize`:
    /// checked against this RE's own groups, and committed unless only
    /// checked. A check that passes is kept, so that the go (`checked`)
    /// commits it without checking again; the go is refused once anything
    /// else was asked or committed here. Refused over a lock or uncommitted changes unless forced;
    /// forced, it ends other sessions' exclusive locks and private copies.
    /// A commit only ever moves an RE forward: a new one (`newest`) is
    /// committed with a version newer than this RE's, a catch-up is refused
    /// unless its version is newer, or done already when it is the very
    /// configuration this RE has.
    ///
    /// A change (`delta`) is applied to this RE's committed configuration
    /// when that is the one it was made from (same version and hash); else
    /// nothing is done and the change from this RE's own, or the whole
    /// configuration, is asked for.
    pub(in crate::agent) fn synchronized(
        &mut self,
        request: &Synchronize,
    ) -> Result<Synchronized, AgentError> {
        let commit = &request.commit;
        if !commit.force {
            if let Some(holder) = self.editors.values().find(|s| matches!(s.mode, Mode::Exclusive)) {
                return Err(locked(holder));
            }
            if self.shared != self.committed {
                return Err(AgentError::Refused("configuration database modified".into()));
            }
        }
        let (tree, effective, version) = match (self.checked.take(), &request.asked) {
            (Some(c), Asked::Go) if c.hash == request.hash => (c.tree, c.effective, c.version),
            (_, Asked::Go) => {
                return Err(AgentError::Refused(
                    "configuration not checked here, or the committed configuration changed since its check"
                        .into(),
                ));
            }
            (_, Asked::Offer(offer)) => {
                let (tree, version) = match self.received(commit.check, request.hash, offer)? {
                    Received::Done => return Ok(Synchronized::Checked(Vec::new(), self.version)),
                    Received::WholeNeeded => return Ok(Synchronized::WholeNeeded),
                    Received::Configuration(tree, version) => (tree, version),
                };
                let effective = self.effective_of(&tree);
                let errors = check_from(&self.schema, &effective, Some(&self.effective));
                if !errors.is_empty() {
                    return Ok(Synchronized::Checked(errors, self.version));
                }
                (tree, effective, version)
            }
        };
        // Looked at last, once only writing is left: what took long here
        // is counted too.
        if !commit.check && request.commit_by.is_some_and(|by| SystemTime::now() >= by) {
            return Ok(Synchronized::Late);
        }
        let hash = request.hash;
        if commit.check {
            let checked = Checked { hash, tree: tree.clone(), effective: effective.clone(), version };
            self.checked = Some(checked);
        }
        if commit.force {
            for session in self.editors.values_mut() {
                session.mode = Mode::Shared;
            }
        }
        // The shared candidate follows before the commit, so that the commit
        // forgets the one saved: it would bring discarded changes back after
        // a crash.
        if (self.shared == self.committed || commit.force) && !commit.check {
            self.shared = tree.clone();
            self.shared_changes += 1;
        }
        self.finish(0, tree, effective, commit, version, Some(hash))?;
        Ok(Synchronized::Checked(Vec::new(), version))
    }

    /// What a `commit synchronize` from the other RE offers this RE (to
    /// `check` only, or to commit with `hash`): the configuration and the
    /// version it is committed with, read from the change or the whole
    /// text; or nothing to do.
    fn received(&self, check: bool, hash: u64, offer: &Offer) -> Result<Received, AgentError> {
        let offered = offer.version;
        if !check && offered == self.version && hash == self.store.hash() {
            return Ok(Received::Done);
        }
        if let Sent::Change { base, base_hash, .. } = &offer.sent
            && (*base != self.version || *base_hash != self.store.hash())
        {
            return Ok(Received::WholeNeeded);
        }
        let version = match offered > self.version {
            true => offered,
            false if offer.newest => self.version.next(offered.term, Some(offered)),
            false if check => offered,
            false => {
                return Err(AgentError::Refused(format!(
                    "configuration not newer than the one committed ({offered}; committed: {})",
                    self.version
                )));
            }
        };
        let tree = match &offer.sent {
            Sent::Change { delta, .. } => match delta.apply(&self.committed) {
                Ok(tree) => tree,
                Err(_) => return Ok(Received::WholeNeeded),
            },
            Sent::Whole(text) => {
                let (tree, errors) = parse_text(&self.schema, text);
                if let Some(e) = errors.first() {
                    return Err(AgentError::Invalid(format!("line {}: {}", e.line, e.message)));
                }
                tree
            }
        };
        Ok(Received::Configuration(tree, version))
    }

    /// The committed configuration's hash: what a change sent to the other
    /// RE is made from.
    pub(in crate::agent) fn hash(&self) -> u64 {
        self.store.hash()
    }

    /// The change from the committed configuration to `tree`, and the hash
    /// `tree` has once committed: the change hashed as the journal keeps
    /// it, in its wire form.
    pub(in crate::agent) fn delta_to(&self, tree: &Node) -> (Delta, u64) {
        let delta = diff(&self.committed, tree).0;
        let hash = chain(self.store.hash(), &delta.encode());
        (delta, hash)
    }

    /// The change to `tree` from the configuration this RE committed as
    /// `version` with `hash` (the other RE's), if the journal still holds
    /// it: the commits since, as one change.
    pub(in crate::agent) fn delta_from(&self, version: Version, hash: u64, tree: &Node) -> Option<Delta> {
        let n = self.store.rollback_named(version, hash)?;
        let base = self.store.rollback(n).ok()??;
        Some(diff(&base, tree).0)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{First, record};
    use super::*;
    use crate::config::delta::tests::{identical, random_edit};
    use crate::config::random::Rng;
    use crate::config::schema::Schema;
    use crate::config::store::KEPT;
    use crate::slot::Slot;

    fn open(dir: &Path, slot: Slot) -> ConfigDb {
        ConfigDb::open(Schema::shipped().unwrap(), slot, dir, First::default()).unwrap()
    }

    /// Commits `tree` unchecked (a random configuration need not pass the
    /// check, which is not what is tested here).
    fn commit(db: &mut ConfigDb, tree: Node, version: Version, hash: Option<u64>) {
        let effective = db.effective_of(&tree);
        db.install(tree, effective, record("lab", "cli", "", version), hash).unwrap();
    }

    /// A commit of this RE's own: the committed configuration changed at
    /// random, as the schema reads it back.
    fn commit_alone(db: &mut ConfigDb, rng: &mut Rng) {
        let tree = edited(db, rng);
        let version = db.version().next(2, None);
        commit(db, tree, version, None);
    }

    fn edited(db: &ConfigDb, rng: &mut Rng) -> Node {
        let mut tree = db.committed.clone();
        for _ in 0..1 + rng.below(3) {
            random_edit(&db.schema, rng, &mut tree);
        }
        parse_text(&db.schema, &db.text_of(&tree)).0
    }

    /// `tree` as `commit synchronize` first offers it: the change from the
    /// master's committed configuration.
    fn offer(master: &ConfigDb, tree: &Node) -> Synchronize {
        let (delta, hash) = master.delta_to(tree);
        let sent = Sent::Change {
            delta: Delta::from_wire(&delta.to_wire()),
            base: master.version(),
            base_hash: master.hash(),
        };
        let offer = Offer { version: master.version().next(2, None), newest: true, sent };
        Synchronize { commit: Commit::default(), hash, asked: Asked::Offer(offer), commit_by: None }
    }

    /// `request`, an offer, changed by `change`.
    fn with_offer(request: &Synchronize, change: impl FnOnce(&mut Offer)) -> Synchronize {
        let mut request = request.clone();
        let Asked::Offer(offer) = &mut request.asked else { panic!("not an offer") };
        change(offer);
        request
    }

    /// What `peer` makes of `request`, an offer.
    fn received(peer: &ConfigDb, request: &Synchronize) -> Result<Received, AgentError> {
        let Asked::Offer(offer) = &request.asked else { panic!("not an offer") };
        peer.received(request.commit.check, request.hash, offer)
    }

    /// `request` only to check.
    fn checking(mut request: Synchronize) -> Synchronize {
        request.commit.check = true;
        request
    }

    fn configuration(received: Received) -> (Node, Version) {
        match received {
            Received::Configuration(tree, version) => (tree, version),
            Received::Done => panic!("nothing to do"),
            Received::WholeNeeded => panic!("the whole asked for"),
        }
    }

    /// What the peer makes of `tree` sent whole, and of it sent as the
    /// change from what it has (offered, then bridged from the master's
    /// journal), where the journal reaches back to it.
    fn both_ways(
        master: &ConfigDb,
        peer: &ConfigDb,
        tree: &Node,
    ) -> ((Node, Version), Option<(Node, Version)>) {
        let offered = offer(master, tree);
        let whole = with_offer(&offered, |o| o.sent = Sent::Whole(master.text_of(tree)));
        let whole = configuration(received(peer, &whole).unwrap());
        let delta = match received(peer, &offered).unwrap() {
            Received::WholeNeeded => master.delta_from(peer.version(), peer.hash(), tree).map(|delta| {
                let delta = Delta::from_wire(&delta.to_wire());
                let sent = Sent::Change { delta, base: peer.version(), base_hash: peer.hash() };
                let bridged = with_offer(&offered, |o| o.sent = sent);
                configuration(received(peer, &bridged).unwrap())
            }),
            received => Some(configuration(received)),
        };
        (whole, delta)
    }

    /// Random commits on the master, some synchronized, most not (the
    /// peer falls behind by several): each synchronized one reaches the
    /// peer as a change, which leaves it with exactly the configuration,
    /// version and hash the whole would, and the master's.
    #[test]
    fn a_change_from_the_journal_leaves_the_peer_as_the_whole_would() {
        for seed in 0..16 {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let (mut master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
            let mut rng = Rng::new(seed);
            for round in 0..6 {
                for _ in 0..rng.below(4) {
                    commit_alone(&mut master, &mut rng);
                }
                let tree = edited(&master, &mut rng);
                let ((whole, whole_version), delta) = both_ways(&master, &peer, &tree);
                let (delta, version) =
                    delta.unwrap_or_else(|| panic!("seed {seed} round {round}: no change"));
                assert!(identical(&delta, &whole), "seed {seed} round {round}");
                assert!(identical(&delta, &tree), "seed {seed} round {round}");
                assert_eq!(version, whole_version);
                let hash = offer(&master, &tree).hash;
                commit(&mut peer, delta, version, Some(hash));
                commit(&mut master, tree, version, Some(hash));
                assert_eq!((peer.version(), peer.hash()), (master.version(), master.hash()));
            }
            assert_eq!(peer.text_of(&peer.committed), master.text_of(&master.committed), "seed {seed}");
        }
    }

    /// A peer that committed on its own, or is older than the master's
    /// journal reaches, is sent the whole, and ends equal.
    #[test]
    fn a_peer_the_journal_cannot_reach_gets_the_whole_and_ends_equal() {
        for seed in 0..8 {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let (mut master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
            let mut rng = Rng::new(seed);
            commit_alone(&mut master, &mut rng);
            match seed % 2 {
                0 => commit_alone(&mut peer, &mut rng),
                _ => (0..KEPT).for_each(|_| commit_alone(&mut master, &mut rng)),
            }
            let tree = edited(&master, &mut rng);
            let ((whole, version), delta) = both_ways(&master, &peer, &tree);
            assert!(delta.is_none(), "seed {seed}: the journal does not reach the peer's");
            assert!(identical(&whole, &tree), "seed {seed}");
            let hash = offer(&master, &tree).hash;
            commit(&mut peer, whole, version, Some(hash));
            commit(&mut master, tree, version, Some(hash));
            assert_eq!(peer.text_of(&peer.committed), master.text_of(&master.committed), "seed {seed}");
            assert_eq!((peer.version(), peer.hash()), (master.version(), master.hash()));
        }
    }

    /// `db`'s committed configuration with `system location floor`, and
    /// what a configuration must have to pass the check.
    fn on_floor(db: &ConfigDb, floor: u32) -> Node {
        let mut tree = db.committed.clone();
        let text = format!(
            "system {{ root-authentication {{ encrypted-password \"$6$salt$hash\"; }} location {{ floor {floor}; }} }}"
        );
        tree.merge(&db.schema, None, parse_text(&db.schema, &text).0);
        tree
    }

    fn passed(synchronized: Result<Synchronized, AgentError>) -> Version {
        match synchronized {
            Ok(Synchronized::Checked(errors, version)) if errors.is_empty() => version,
            Ok(Synchronized::Checked(errors, _)) => panic!("{errors:?}"),
            Ok(Synchronized::WholeNeeded) => panic!("the whole asked for"),
            Ok(Synchronized::Late) => panic!("late"),
            Err(status) => panic!("{status}"),
        }
    }

    /// The go of a `commit synchronize`: what commits what the check kept.
    fn go(checked: &Synchronize) -> Synchronize {
        let commit = Commit { check: false, ..checked.commit.clone() };
        Synchronize { commit, asked: Asked::Go, ..checked.clone() }
    }

    /// This RE's half of `commit synchronize`, recorded while the other RE
    /// commits: withdrawn, the RE is as if it had not been asked, also
    /// once reopened; published, as a commit made at once would leave it.
    #[test]
    fn a_commit_recorded_then_withdrawn_is_as_if_not_asked_and_published_as_if_made() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut master, mut alone) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE0));
        let state = |db: &ConfigDb| (db.text_of(&db.committed), db.version(), db.hash(), db.history());
        let before = state(&master);
        let tree = on_floor(&master, 1);
        let (_, hash) = master.delta_to(&tree);
        let version = master.version().next(2, None);
        let request = Commit { user: "lab".into(), ..Commit::default() };
        let effective = master.effective_of(&tree);
        let recorded =
            master.record(0, tree.clone(), effective.clone(), &request, version, Some(hash)).unwrap();
        assert_eq!(state(&master), before, "nothing changes before it is published");
        let (back, _) = master.withdraw(recorded).unwrap();
        assert!(identical(&back, &tree));
        assert_eq!(state(&master), before);
        drop(master);
        let mut master = open(a.path(), Slot::RE0);
        assert_eq!(state(&master), before, "nor on disk");

        let recorded =
            master.record(0, tree.clone(), effective.clone(), &request, version, Some(hash)).unwrap();
        master.publish(recorded);
        alone.finish(0, tree, effective, &request, version, Some(hash)).unwrap();
        let without_time = |db: &ConfigDb| {
            let (text, version, hash, mut history) = state(db);
            history.iter_mut().for_each(|r| r.time = 0);
            (text, version, hash, history)
        };
        assert_eq!(without_time(&master), without_time(&alone));
        drop(master);
        assert_eq!(without_time(&open(a.path(), Slot::RE0)), without_time(&alone));
    }

    /// The other RE's check commits nothing and keeps what passed; the go
    /// commits it. A go for another configuration, or after anything else
    /// was asked or committed here, is refused and leaves the RE as it was.
    #[test]
    fn the_go_commits_only_what_was_just_checked_on_the_configuration_committed() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
        let unchanged = |peer: &ConfigDb, before: (Version, u64)| {
            assert_eq!((peer.version(), peer.hash()), before);
        };
        let before = (peer.version(), peer.hash());
        let one = checking(offer(&master, &on_floor(&master, 1)));
        assert!(peer.synchronized(&go(&one)).is_err(), "nothing checked");
        let version = passed(peer.synchronized(&one));
        unchanged(&peer, before);
        assert_eq!(passed(peer.synchronized(&go(&one))), version);
        assert_eq!((peer.version(), peer.hash()), (version, one.hash));
        assert!(identical(&peer.committed, &on_floor(&master, 1)));
        assert!(peer.synchronized(&go(&one)).is_err(), "committed already");

        let before = (peer.version(), peer.hash());
        let two = checking(offer(&peer, &on_floor(&peer, 2)));
        let three = checking(offer(&peer, &on_floor(&peer, 3)));
        passed(peer.synchronized(&two));
        assert!(peer.synchronized(&go(&three)).is_err(), "another configuration");
        assert!(peer.synchronized(&go(&two)).is_err(), "asked something else since");
        passed(peer.synchronized(&two));
        passed(peer.synchronized(&three));
        assert!(peer.synchronized(&go(&two)).is_err(), "checked another since");
        unchanged(&peer, before);

        passed(peer.synchronized(&two));
        let version = peer.version().next(2, None);
        let four = on_floor(&peer, 4);
        commit(&mut peer, four, version, None);
        let before = (peer.version(), peer.hash());
        assert!(peer.synchronized(&go(&two)).is_err(), "committed here since");
        unchanged(&peer, before);
    }

    /// A commit sent without a check is made while its time has not
    /// come, and leaves the RE as it was once it has; a check is made
    /// whenever it comes.
    #[test]
    fn a_commit_that_comes_after_its_time_is_not_made() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
        let before = (peer.version(), peer.hash());
        let past =
            Synchronize { commit_by: Some(SystemTime::now()), ..offer(&master, &on_floor(&master, 1)) };
        assert!(matches!(peer.synchronized(&past), Ok(Synchronized::Late)));
        assert_eq!((peer.version(), peer.hash()), before);
        passed(peer.synchronized(&checking(past.clone())));
        assert_eq!((peer.version(), peer.hash()), before);
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        let in_time = Synchronize { commit_by: Some(later), ..past };
        let version = passed(peer.synchronized(&in_time));
        assert_eq!((peer.version(), peer.hash()), (version, in_time.hash));
        assert!(identical(&peer.committed, &on_floor(&master, 1)));
    }

    /// A catch-up of what the peer has already is done; one older than
    /// the peer's is refused; a new commit not newer than the peer's takes
    /// the next version after both.
    #[test]
    fn a_commit_only_moves_the_peer_forward() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (master, mut peer) = (open(a.path(), Slot::RE0), open(b.path(), Slot::RE1));
        let mut rng = Rng::new(1);
        for _ in 0..3 {
            commit_alone(&mut peer, &mut rng);
        }
        let same = Offer { version: peer.version(), newest: false, sent: Sent::Whole(String::new()) };
        let same = Synchronize {
            commit: Commit::default(),
            hash: peer.hash(),
            asked: Asked::Offer(same),
            commit_by: None,
        };
        assert!(matches!(received(&peer, &same), Ok(Received::Done)));
        let tree = master.committed.clone();
        let catch_up = with_offer(&offer(&master, &tree), |o| {
            o.newest = false;
            o.sent = Sent::Whole(master.text_of(&tree));
        });
        assert!(received(&peer, &catch_up).is_err(), "older than the peer's");
        let (_, version) =
            configuration(received(&peer, &with_offer(&catch_up, |o| o.newest = true)).unwrap());
        assert!(version > peer.version() && version > master.version().next(2, None), "{version}");
    }
}
