//! What each daemon does. A daemon's state lives only as long as its task:
//! what it publishes for requests to read is withdrawn when it dies, and
//! built again from the committed configuration when it starts.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::Agent;
use super::db::ConfigDb;
use super::db::now;
use super::processes::Daemon;
use crate::config::tree::Node;
use crate::proto::{PhysicalInterface, RouteTable};

/// A daemon's state as others may read it: absent while the daemon is down.
pub struct Published<T>(Mutex<Option<T>>);

impl<T: Clone> Published<T> {
    pub fn get(&self) -> Option<T> {
        self.lock().clone()
    }
}

impl<T> Published<T> {
    fn set(&self, value: T) {
        *self.lock() = Some(value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<T>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> Default for Published<T> {
    fn default() -> Self {
        Published(Mutex::new(None))
    }
}

/// Withdraws what a daemon published when its task ends, however it ends.
struct Held<'a, T>(&'a Published<T>);

impl<T> Drop for Held<'_, T> {
    fn drop(&mut self) {
        *self.0.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// What a daemon derives from the committed configuration: built when first
/// asked for after a commit, not at every commit, so a commit costs nothing
/// more for it; dropped with the daemon.
pub struct Derived<T> {
    /// When the daemon started.
    pub since: i64,
    /// The generation of the configuration and the version of the cabling
    /// it was built from, and it.
    built: Option<((u64, u64), Arc<T>)>,
}

impl<T> Derived<T> {
    fn fresh() -> Derived<T> {
        Derived { since: now(), built: None }
    }
}

impl<T> Published<Derived<T>> {
    /// The daemon's value for the configuration in effect and the cabling
    /// as of `cabling` (its version), and when the daemon started; `None`
    /// while it is down.
    pub fn current(
        &self,
        db: &ConfigDb,
        cabling: u64,
        build: impl FnOnce(&Node) -> T,
    ) -> Option<(Arc<T>, i64)> {
        let mut slot = self.lock();
        let derived = slot.as_mut()?;
        let generation = (db.generation(), cabling);
        if let Some((built, value)) = &derived.built
            && *built == generation
        {
            return Some((value.clone(), derived.since));
        }
        let value = Arc::new(build(db.effective()));
        derived.built = Some((generation, value.clone()));
        Some((value, derived.since))
    }

    /// What it built last, if anything, for `show system processes`.
    pub fn built(&self) -> Option<Arc<T>> {
        self.lock().as_ref()?.built.as_ref().map(|(_, value)| value.clone())
    }

    /// `restart ... soft`: built again when next asked for.
    fn forget(&self) {
        if let Some(derived) = self.lock().as_mut() {
            derived.built = None;
        }
    }
}

/// The modelled forwarding plane, as its daemons publish it.
#[derive(Default)]
pub struct Plane {
    /// `dcd`: the configured interfaces.
    pub interfaces: Published<Derived<Vec<PhysicalInterface>>>,
    /// `rpd`: the route tables.
    pub routes: Published<Derived<Vec<RouteTable>>>,
    /// `pfed`: when the FPCs came online; 0 while they have run since the RE
    /// booted, so that only mastership dates them.
    pub fpcs_since: Published<i64>,
    /// Whether `pfed` has run before: its first start comes with the RE's,
    /// which a backup that takes over the plane gracefully must not show.
    pfe_started: AtomicBool,
}

type Body = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Agent {
    pub(super) fn daemon_body(self: Arc<Self>, daemon: Daemon) -> Body {
        match daemon {
            // Catching the other RE up is the management process's, as
            // `commit synchronize` is, and no part of mastership timing.
            Daemon::Management => Box::pin(async move {
                tokio::join!(
                    self.clone().watch_confirmed_commits(),
                    self.clone().watch_scheduled_commits(),
                    self.keep_peer_caught_up()
                );
            }),
            Daemon::ChassisControl => Box::pin(self.run_mastership()),
            Daemon::InterfaceControl => Box::pin(self.interface_control()),
            Daemon::Routing => Box::pin(self.routing()),
            Daemon::Pfe => Box::pin(self.forwarding_engine()),
        }
    }

    /// `dcd`: the interfaces of the committed configuration.
    async fn interface_control(self: Arc<Self>) {
        self.serve_derived(Daemon::InterfaceControl, &self.plane.interfaces).await;
    }

    /// `rpd`: the route table.
    async fn routing(self: Arc<Self>) {
        self.serve_derived(Daemon::Routing, &self.plane.routes).await;
    }

    /// Holds a daemon's derived state while it runs; a soft restart makes it
    /// build the state again.
    async fn serve_derived<T>(&self, daemon: Daemon, published: &Published<Derived<T>>) {
        let _held = Held(published);
        published.set(Derived::fresh());
        loop {
            self.processes.reloaded(daemon).notified().await;
            published.forget();
        }
    }

    /// The Packet Forwarding Engine: its FPCs are online while it runs.
    async fn forwarding_engine(self: Arc<Self>) {
        let _held = Held(&self.plane.fpcs_since);
        let restarted = self.plane.pfe_started.swap(true, Ordering::Relaxed);
        self.plane.fpcs_since.set(if restarted { now() } else { 0 });
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_daemon_published_goes_with_it() {
        let published = Published::default();
        {
            let _held = Held(&published);
            published.set(7);
            assert_eq!(published.get(), Some(7));
        }
        assert_eq!(published.get(), None);
    }

    #[test]
    fn derived_state_is_built_once_per_commit_and_only_while_the_daemon_runs() {
        let dir = tempfile::tempdir().unwrap();
        let schema = crate::config::schema::Schema::shipped().unwrap();
        let db = ConfigDb::open(schema, crate::slot::Slot::RE0, dir.path(), Default::default()).unwrap();
        let published: Published<Derived<usize>> = Published::default();
        let mut builds = 0;
        let mut build = |_: &Node| {
            builds += 1;
            builds
        };
        assert!(published.current(&db, 0, &mut build).is_none(), "down: nothing");
        published.set(Derived::fresh());
        assert_eq!(*published.current(&db, 0, &mut build).unwrap().0, 1);
        assert_eq!(*published.current(&db, 0, &mut build).unwrap().0, 1, "no commit since: kept");
        published.forget();
        assert_eq!(*published.current(&db, 0, &mut build).unwrap().0, 2, "a soft restart builds again");
        assert_eq!(*published.current(&db, 1, &mut build).unwrap().0, 3, "so does a change of cabling");
    }
}
