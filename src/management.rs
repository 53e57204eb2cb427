//! The chassis's management address: one address for SSH (and one for
//! NETCONF) that always leads to the master Routing Engine, as a router's
//! master-only address moves with mastership. A connection is relayed to the
//! RE that is master when it arrives, and cut when that RE stops being
//! master or stops answering, so a client's next command fails and its next
//! connection reaches the new master.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::agent::{ChassisCredential, ChassisSecret};
use crate::proto::routing_engine_client::RoutingEngineClient;
use crate::proto::{GetIdentityRequest, MastershipState};
use crate::slot::Slot;

/// How often the REs are asked which is master.
const WATCH_EVERY: Duration = Duration::from_millis(200);

/// How many checks in a row must find no master before connections are cut.
const MISSES_TO_CUT: u32 = 2;

/// Connections relayed at once.
const MAX_RELAYED: usize = 256;

/// How long a new connection waits for a master (an election or failover
/// may be under way) before it is closed.
const MASTER_WAIT: Duration = Duration::from_secs(10);

/// Where one Routing Engine answers.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Its gRPC address, to ask its role.
    pub grpc: String,
    /// The address connections are relayed to (its SSH or NETCONF listener).
    pub service: SocketAddr,
}

/// Asks one RE its role, over a connection kept between questions.
#[derive(Clone)]
pub struct RoleProbe(Option<RoutingEngineClient<InterceptedService<Channel, ChassisCredential>>>);

impl RoleProbe {
    pub fn new(grpc: &str, secret: &ChassisSecret) -> RoleProbe {
        let endpoint = Endpoint::from_shared(format!("http://{grpc}"))
            .map(|e| e.connect_timeout(Duration::from_secs(1)).timeout(Duration::from_secs(1)));
        RoleProbe(
            endpoint
                .ok()
                .map(|e| RoutingEngineClient::with_interceptor(e.connect_lazy(), secret.credential())),
        )
    }

    /// Whether the RE says it is master; `false` if it does not answer.
    pub async fn is_master(&mut self) -> bool {
        let Some(client) = &mut self.0 else { return false };
        client
            .get_identity(GetIdentityRequest {})
            .await
            .is_ok_and(|identity| identity.get_ref().mastership_state == MastershipState::Master as i32)
    }
}

/// Relays every connection to `listener` to the master of `engines` (by
/// slot). One watcher asks the REs their roles for all the connections.
pub async fn serve(listener: TcpListener, engines: [Engine; 2], secret: ChassisSecret) {
    let engines = Arc::new(engines);
    let (found, master) = watch::channel(None);
    let grpc = [engines[0].grpc.clone(), engines[1].grpc.clone()];
    let watcher = tokio::spawn(watch_master(grpc, secret, found));
    // Dropped with this task: the watcher is of no use without it.
    let _watcher = AbortOnDrop(watcher);
    let room = Arc::new(Semaphore::new(MAX_RELAYED));
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of descriptors, say: wait for some to be given back.
            tokio::time::sleep(crate::admission::ACCEPT_BACKOFF).await;
            continue;
        };
        // Beyond the limit a connection is closed at once, as sshd's
        // MaxStartups would.
        let Ok(place) = room.clone().try_acquire_owned() else { continue };
        let engines = engines.clone();
        let master = master.clone();
        tokio::spawn(async move {
            relay(client, &engines, master).await;
            drop(place);
        });
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Publishes which RE is master, asking both every `WATCH_EVERY`. A master
/// that does not answer stays the master for one more check: one slow
/// answer is not a lost master (a failover takes seconds).
async fn watch_master(grpc: [String; 2], secret: ChassisSecret, found: watch::Sender<Option<Slot>>) {
    let mut probes = grpc.map(|address| RoleProbe::new(&address, &secret));
    let mut misses = 0;
    loop {
        let mut master = None;
        for slot in Slot::ALL {
            if probes[slot.number() as usize].is_master().await {
                master = Some(slot);
                break;
            }
        }
        misses = if master.is_some() { 0 } else { misses + 1 };
        if master.is_some() || misses >= MISSES_TO_CUT {
            found.send_if_modified(|known| std::mem::replace(known, master) != master);
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

/// The RE (by its gRPC address, by slot) that says it is master, asking
/// both `every` so long until `within` has passed.
pub async fn find_master(
    grpc: &[String; 2],
    secret: &ChassisSecret,
    within: Duration,
    every: Duration,
) -> Option<Slot> {
    let deadline = tokio::time::Instant::now() + within;
    let mut probes = grpc.clone().map(|address| RoleProbe::new(&address, secret));
    while tokio::time::Instant::now() < deadline {
        for slot in Slot::ALL {
            if probes[slot.number() as usize].is_master().await {
                return Some(slot);
            }
        }
        tokio::time::sleep(every).await;
    }
    None
}

/// Copies both ways between the client and the master until either side
/// closes or that RE is master no more.
async fn relay(mut client: TcpStream, engines: &[Engine; 2], mut master: watch::Receiver<Option<Slot>>) {
    let waited = tokio::time::timeout(MASTER_WAIT, master.wait_for(Option::is_some)).await;
    let Ok(Ok(Some(slot))) = waited.map(|found| found.map(|slot| *slot)) else { return };
    let Ok(mut upstream) = TcpStream::connect(engines[slot.number() as usize].service).await else { return };
    let _ = (client.set_nodelay(true), upstream.set_nodelay(true));
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
        _ = master.wait_for(|now| *now != Some(slot)) => {}
    }
}
