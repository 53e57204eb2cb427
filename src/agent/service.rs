//! The gRPC faces of an agent: thin translations onto [`Agent`].

use tonic::{Request, Response, Status};

use super::{Agent, model};
use crate::proto::peer_server::Peer;
use crate::proto::routing_engine_server::RoutingEngine;
use crate::proto::{
    ChassisInventory, GetChassisInventoryRequest, GetIdentityRequest, GetLocalRouteEngineRequest,
    GetRouteEngineInformationRequest, GetSoftwareInformationRequest, Identity, MastershipState, RouteEngine,
    RouteEngineInformation, SoftwareInformation,
};
use crate::slot::Slot;

const MASTER_ONLY: &str = "Aborted! This command can only be used on the master routing engine.";

#[tonic::async_trait]
impl RoutingEngine for Agent {
    async fn get_identity(&self, _: Request<GetIdentityRequest>) -> Result<Response<Identity>, Status> {
        Ok(Response::new(Identity {
            slot: self.slot.number(),
            mastership_state: self.mastership() as i32,
            host_name: self.host_name(),
            peer_address: self.peer_address.clone(),
        }))
    }

    async fn get_route_engine_information(
        &self,
        request: Request<GetRouteEngineInformationRequest>,
    ) -> Result<Response<RouteEngineInformation>, Status> {
        let wanted = match request.into_inner().slot {
            Some(n) => {
                vec![Slot::new(n).ok_or_else(|| Status::invalid_argument(format!("invalid slot {n}")))?]
            }
            None => Slot::ALL.to_vec(),
        };
        let mut route_engines = Vec::new();
        for slot in wanted {
            if slot == self.slot {
                route_engines.push(self.local_route_engine());
                continue;
            }
            // An RE that does not answer is left out, as an empty slot would be.
            let mut peer = self.peer.clone();
            let asked = GetLocalRouteEngineRequest { from_slot: self.slot.number() };
            if let Ok(reply) = peer.get_local_route_engine(asked).await {
                route_engines.push(reply.into_inner());
            }
        }
        Ok(Response::new(RouteEngineInformation { route_engines }))
    }

    async fn get_chassis_inventory(
        &self,
        _: Request<GetChassisInventoryRequest>,
    ) -> Result<Response<ChassisInventory>, Status> {
        if self.mastership() != MastershipState::Master {
            return Err(Status::failed_precondition(MASTER_ONLY));
        }
        Ok(Response::new(ChassisInventory { modules: model::chassis_inventory() }))
    }

    async fn get_software_information(
        &self,
        _: Request<GetSoftwareInformationRequest>,
    ) -> Result<Response<SoftwareInformation>, Status> {
        Ok(Response::new(SoftwareInformation {
            host_name: self.host_name(),
            product_model: model::PRODUCT_MODEL.into(),
            product_name: model::PRODUCT_NAME.into(),
            junos_version: model::JUNOS_VERSION.into(),
            packages: model::software_packages(),
        }))
    }
}

#[tonic::async_trait]
impl Peer for Agent {
    async fn get_local_route_engine(
        &self,
        request: Request<GetLocalRouteEngineRequest>,
    ) -> Result<Response<RouteEngine>, Status> {
        let from = request.into_inner().from_slot;
        if Slot::new(from) != Some(self.slot.other()) {
            return Err(Status::invalid_argument(format!("{} is not the peer of re{from}", self.slot)));
        }
        Ok(Response::new(self.local_route_engine()))
    }
}
