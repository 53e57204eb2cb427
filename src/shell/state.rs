//! The system and protocol commands that read the RE's state: a command
//! on the RE the session is on, or with `invoke-on` on the REs it names;
//! and the protocol views, which read one reply of the agent's.

use super::client::{AgentClient, ClientError};
use super::commands::Outcome;
use super::render::{MultiRoutingEngine, ProtocolView, Protocols};
use super::view::View;
use super::{Engine, Failure};
use crate::grammar::Parsed;
use crate::slot::Slot;

/// `query` on the session's RE; with `invoke-on all-routing-engines` on
/// each RE in slot order, with `invoke-on other-routing-engine` on the
/// other. An RE that cannot answer says why in its section.
pub(super) fn on_routing_engines<V: View + 'static>(
    engine: &Engine,
    parsed: &Parsed<'_>,
    query: impl Fn(&AgentClient) -> Result<V, ClientError>,
) -> Result<Outcome, Failure> {
    let all = parsed.has("all-routing-engines");
    if !all && !parsed.has("other-routing-engine") {
        return Ok(Outcome::View(Box::new(query(&engine.session().client)?)));
    }
    let here = engine.current_slot().unwrap_or(Slot::RE0);
    let mut replies = Vec::new();
    for slot in Slot::ALL.into_iter().filter(|&slot| all || slot != here) {
        let reply = if slot == here {
            query(&engine.session().client)
        } else {
            engine.other_client(slot).and_then(|client| query(&client))
        };
        let reply = reply.map(|view| Box::new(view) as Box<dyn View>).map_err(|e| e.to_string());
        replies.push((slot.to_string(), reply));
    }
    Ok(Outcome::View(Box::new(MultiRoutingEngine(replies))))
}

/// A protocol command's view of the agent's protocol state. BGP's
/// `instance` argument names the routing instance; the router's own is
/// `master`, and no other instance has peers. `show ospf interface NAME`
/// shows that interface only.
pub(super) fn protocols(
    engine: &Engine,
    parsed: &Parsed<'_>,
    view: ProtocolView,
) -> Result<Outcome, Failure> {
    let replication = view == ProtocolView::TaskReplication;
    let mut info = engine.session().client.protocols(replication)?;
    if parsed.arg("instance").is_some_and(|instance| instance != "master") {
        info.bgp_groups.clear();
        info.bgp_peers.clear();
    }
    if let Some(name) = parsed.arg("interface-name") {
        info.ospf_interfaces.retain(|i| i.name == name);
    }
    Ok(Outcome::View(Box::new(Protocols(info, view))))
}
