//! What each daemon does. A daemon's state lives only as long as its task:
//! what it publishes for requests to read is withdrawn when it dies, and
//! built again from the committed configuration when it starts.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use super::Agent;
use super::configuration::now;
use super::forwarding;
use super::processes::Daemon;
use crate::proto::{PhysicalInterface, RouteTable};

/// A daemon's state as others may read it: absent while the daemon is down.
pub struct Published<T>(Mutex<Option<T>>);

impl<T: Clone> Published<T> {
    pub fn get(&self) -> Option<T> {
        self.lock().clone()
    }

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

/// The routes `rpd` computed, and when it started computing them.
#[derive(Clone)]
pub struct Routes {
    pub tables: Arc<Vec<RouteTable>>,
    pub since: i64,
}

/// The modelled forwarding plane, as its daemons publish it.
#[derive(Default)]
pub struct Plane {
    /// `dcd`: the configured interfaces.
    pub interfaces: Published<Arc<Vec<PhysicalInterface>>>,
    /// `rpd`: the route tables.
    pub routes: Published<Routes>,
    /// `pfed`: when the FPCs came online.
    pub fpcs_since: Published<i64>,
}

type Body = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Agent {
    pub(super) fn daemon_body(self: Arc<Self>, daemon: Daemon) -> Body {
        match daemon {
            Daemon::Management => Box::pin(self.watch_confirmed_commits()),
            Daemon::ChassisControl => Box::pin(self.run_mastership()),
            Daemon::InterfaceControl => Box::pin(self.interface_control()),
            Daemon::Routing => Box::pin(self.routing()),
            Daemon::Pfe => Box::pin(self.forwarding_engine()),
        }
    }

    /// `dcd`: the interfaces of the committed configuration, again at every
    /// commit or `restart interface-control soft`.
    async fn interface_control(self: Arc<Self>) {
        let _held = Held(&self.plane.interfaces);
        let mut installed = self.config().installed();
        loop {
            let interfaces = forwarding::interfaces(self.config().effective());
            self.plane.interfaces.set(Arc::new(interfaces));
            self.next_configuration(Daemon::InterfaceControl, &mut installed).await;
        }
    }

    /// `rpd`: the route table, again at every commit or `restart routing soft`.
    async fn routing(self: Arc<Self>) {
        let _held = Held(&self.plane.routes);
        let since = now();
        let mut installed = self.config().installed();
        loop {
            let tables = forwarding::routes(self.config().effective());
            self.plane.routes.set(Routes { tables: Arc::new(tables), since });
            self.next_configuration(Daemon::Routing, &mut installed).await;
        }
    }

    /// The Packet Forwarding Engine: its FPCs are online while it runs.
    async fn forwarding_engine(self: Arc<Self>) {
        let _held = Held(&self.plane.fpcs_since);
        self.plane.fpcs_since.set(now());
        std::future::pending::<()>().await;
    }

    /// Waits for a commit, or a soft restart of `daemon`.
    async fn next_configuration(&self, daemon: Daemon, installed: &mut tokio::sync::watch::Receiver<u64>) {
        tokio::select! {
            changed = installed.changed() => {
                if changed.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            () = self.processes.reloaded(daemon).notified() => {}
        }
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
}
