//! The gRPC faces of an agent: thin translations onto [`Agent`].

use tonic::{Request, Response, Status, Streaming};

use super::transfer::{Chunks, file_status};
use std::time::SystemTime;

use super::auth::{Principal, principal_of, user_of};
use super::configuration::sees_secrets;
use super::db::now;
use super::forwarding::interfaces::{self, Home};
use super::processes::{Daemon, not_running};
use super::sessions::{Login, SessionStream};
use super::{Agent, environment, forwarding, host, model, protocols, storage, unix_seconds};
use crate::config::conceal::conceal_text;
use crate::grammar::free_of_control;
use crate::proto::peer_server::Peer;
use crate::proto::routing_engine_server::RoutingEngine;
use crate::proto::{
    AdmitRequest, ClearLockoutReply, ClearLockoutRequest, GetLockoutsRequest, GetUsersRequest, LockoutList,
    LoginOtherRequest, LoginReply, LogoutReply, LogoutRequest, UserList,
};
use crate::proto::{
    AlarmInformation, DatabaseUsage, EnvironmentInformation, FirmwareInformation, GetAlarmsRequest,
    GetDatabaseUsageRequest, GetEnvironmentRequest, GetFirmwareRequest, GetNtpRequest, GetProtocolsRequest,
    GetSystemMemoryRequest, GetSystemStorageRequest, MemoryUse, NtpInformation, ProtocolInformation,
    SystemStorage,
};
use crate::proto::{
    AttachRequest, ChassisInventory, DirectoryList, FileContents, GetChassisInventoryRequest,
    GetIdentityRequest, GetLocalRouteEngineRequest, GetRouteEngineInformationRequest,
    GetSoftwareInformationRequest, GetSystemUptimeInformationRequest, Identity, LastConfigured,
    ListFilesRequest, MastershipState, ReadFileRequest, RouteEngine, RouteEngineInformation, SaveFileReply,
    SaveFileRequest, SoftwareInformation, SystemUptimeInformation,
};
use crate::proto::{
    ChangeMastershipReply, ChangeMastershipRequest, ClaimRequest, GetMastershipLogRequest, MastershipLog,
    PeerReply, PeerStatus, SynchronizeReply, SynchronizeRequest,
};
use crate::proto::{
    ChecksumFileRequest, CopyFileRequest, FileChecksum, FileChunk, FilePathRequest, FileReply, FileStat,
    RenameFileRequest,
};
use crate::proto::{
    ClearShutdownReply, ClearShutdownRequest, GetShutdownRequest, ShutdownReply, ShutdownRequest,
    ShutdownSchedule, shutdown_request,
};
use crate::proto::{
    FpcInformation, GetFpcInformationRequest, GetInterfaceInformationRequest, GetNeighborsRequest,
    GetRouteInformationRequest, InterfaceInformation, Neighbors, PhysicalInterface, ProbeReply, ProbeRequest,
    RouteInformation,
};
use crate::proto::{GetProcessesRequest, ProcessInformation, RestartProcessReply, RestartProcessRequest};
use crate::proto::{
    GetSnapshotRequest, RecoverSnapshotReply, RecoverSnapshotRequest, SnapshotInformation, SnapshotProgress,
    TakeSnapshotRequest,
};
use crate::proto::{GetSwitchoverRequest, SwitchoverStatus};
use crate::proto::{GetTemperatureThresholdsRequest, TemperatureThresholds};
use crate::proto::{MonitorFileRequest, SendMessageReply, SendMessageRequest};
use crate::slot::Slot;
use tokio_stream::wrappers::ReceiverStream;

const MASTER_ONLY: &str = "Aborted! This command can only be used on the master routing engine.";

impl Agent {
    /// When the master's forwarding plane came up (when it became master),
    /// and whether it did so taking over from the other RE. A backup runs none.
    fn forwarding_since(&self) -> Result<(i64, bool), Status> {
        match self.mastership.master_since() {
            Some(since) if self.mastership() == MastershipState::Master => Ok(since),
            _ => Err(Status::failed_precondition(MASTER_ONLY)),
        }
    }

    /// The chassis daemon answers for the chassis on the master only.
    fn chassis_daemon_on_master(&self) -> Result<(), Status> {
        self.processes.require(Daemon::ChassisControl)?;
        if self.mastership() == MastershipState::Master {
            Ok(())
        } else {
            Err(Status::failed_precondition(MASTER_ONLY))
        }
    }
}

#[tonic::async_trait]
impl RoutingEngine for Agent {
    async fn get_identity(&self, _: Request<GetIdentityRequest>) -> Result<Response<Identity>, Status> {
        Ok(Response::new(self.identity().identity))
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
        let local =
            wanted.contains(&self.slot).then(|| self.local_route_engine(self.redundancy().configured));
        let other =
            if wanted.contains(&self.slot.other()) { Some(self.other_route_engine().await) } else { None };
        let mut route_engines: Vec<RouteEngine> = local.into_iter().chain(other).collect();
        route_engines.sort_by_key(|re| re.slot);
        Ok(Response::new(RouteEngineInformation { route_engines }))
    }

    async fn get_chassis_inventory(
        &self,
        _: Request<GetChassisInventoryRequest>,
    ) -> Result<Response<ChassisInventory>, Status> {
        self.processes.require(Daemon::ChassisControl)?;
        if self.mastership() != MastershipState::Master {
            return Err(Status::failed_precondition(MASTER_ONLY));
        }
        Ok(Response::new(ChassisInventory { modules: model::chassis_inventory(&self.serial) }))
    }

    async fn get_switchover(
        &self,
        _: Request<GetSwitchoverRequest>,
    ) -> Result<Response<SwitchoverStatus>, Status> {
        let state = self.mastership();
        let settings = self.redundancy();
        let (checkpoint, hears_master) = self.mastership.standby();
        let master = state == MastershipState::Master;
        Ok(Response::new(SwitchoverStatus {
            state: state as i32,
            graceful_switchover: settings.graceful_switchover,
            kernel_ready: !master && checkpoint.is_some(),
            peer_steady: if master { self.mastership.backup_present() } else { hears_master },
            switch_wait: self.mastership.switch_wait(&settings).unwrap_or(0),
        }))
    }

    async fn get_fpc_information(
        &self,
        _: Request<GetFpcInformationRequest>,
    ) -> Result<Response<FpcInformation>, Status> {
        let (master_since, _) = self.forwarding_since()?;
        let online = self.plane.fpcs_since.get().ok_or_else(|| not_running(Daemon::Pfe))?;
        Ok(Response::new(FpcInformation { fpcs: forwarding::fpcs(master_since.max(online)) }))
    }

    async fn get_interface_information(
        &self,
        request: Request<GetInterfaceInformationRequest>,
    ) -> Result<Response<InterfaceInformation>, Status> {
        let wanted = request.into_inner().interface_name;
        let fxp0 = format!("00:a0:a5:6b:3f:{:02x}", 0x40 + self.slot.number());
        let (version, cabling) = (self.cabling_version(), self.cabling());
        let built = self
            .plane
            .interfaces
            .current(&self.config(), version, |c| interfaces::interfaces(c, &fxp0, &cabling));
        let (all, _) = built.ok_or_else(|| not_running(Daemon::InterfaceControl))?;
        // The line cards are the master's; each RE has its own lo0 and fxp0.
        let cards = self.forwarding_since().ok().zip(self.plane.fpcs_since.get());
        let booted = unix_seconds(self.started_at);
        let here: Vec<PhysicalInterface> = all
            .iter()
            .filter(|i| cards.is_some() || interfaces::home(&i.name) == Home::RoutingEngine)
            .cloned()
            .collect();
        let mut shown = interfaces::select(&here, &wanted);
        if shown.is_empty() && !wanted.is_empty() && !wanted.contains(['*', '?', '[']) {
            return Err(Status::not_found(format!("device {wanted} not found")));
        }
        let now = now();
        for interface in &mut shown {
            let since = match (interfaces::home(&interface.name), cards) {
                (Home::LineCard, Some(((master, _), online))) => master.max(online),
                _ => booted,
            };
            interfaces::count(interface, since, now);
        }
        Ok(Response::new(InterfaceInformation { interfaces: shown }))
    }

    async fn get_route_information(
        &self,
        request: Request<GetRouteInformationRequest>,
    ) -> Result<Response<RouteInformation>, Status> {
        let request = request.into_inner();
        let (since, took_over) = self.forwarding_since()?;
        let (version, cabling) = (self.cabling_version(), self.cabling());
        let config = self.config();
        let (tables, started) =
            (self.plane.routes.current(&config, version, |c| forwarding::routes(c, &cabling)))
                .ok_or_else(|| not_running(Daemon::Routing))?;
        // Routes come back a moment after a takeover; at start they are there.
        let installed = if took_over { since + forwarding::ROUTE_DELAY_SECONDS } else { since };
        let tables = forwarding::installed(&tables, installed.max(started), now());
        let effective = config.effective();
        let autonomous_system = effective.descend(["routing-options", "autonomous-system"]);
        Ok(Response::new(RouteInformation {
            tables: forwarding::select(&tables, &request),
            router_id: forwarding::router_id(effective, &cabling),
            autonomous_system: autonomous_system
                .and_then(|n| n.values.first().map(|v| v.to_string()))
                .unwrap_or_default(),
            instances: forwarding::instances(effective),
        }))
    }

    async fn get_software_information(
        &self,
        _: Request<GetSoftwareInformationRequest>,
    ) -> Result<Response<SoftwareInformation>, Status> {
        Ok(Response::new(SoftwareInformation {
            host_name: self.host_name(),
            product_model: model::PRODUCT_MODEL.into(),
            product_name: model::PRODUCT_NAME.into(),
            junos_version: crate::JUNOS_VERSION.into(),
            packages: model::software_packages(),
        }))
    }

    async fn get_system_uptime_information(
        &self,
        _: Request<GetSystemUptimeInformationRequest>,
    ) -> Result<Response<SystemUptimeInformation>, Status> {
        let started = unix_seconds(self.started_at);
        let last_configured =
            self.config().last_commit().map(|c| LastConfigured { time: c.time, user: c.user });
        Ok(Response::new(SystemUptimeInformation {
            current_time: unix_seconds(std::time::SystemTime::now()),
            time_source: "LOCAL CLOCK".into(),
            system_booted_time: started,
            protocols_started_time: started,
            active_user_count: self.sessions.count() as u32,
            load_averages: host::load_averages(),
            last_configured,
        }))
    }

    type AttachStream = SessionStream;

    async fn attach(&self, request: Request<AttachRequest>) -> Result<Response<SessionStream>, Status> {
        let caller = principal_of(&request);
        let Some(Principal { user, from, token: Some(token), .. }) = caller.as_deref() else {
            return Err(Status::unauthenticated("a session needs a login"));
        };
        let (user, from, token) = (user.clone(), from.clone(), token.clone());
        let r = request.into_inner();
        // Printed by `show system users`.
        free_of_control(&r.terminal).map_err(Status::invalid_argument)?;
        self.authority.attach(&token);
        let login = Login {
            user,
            terminal: r.terminal,
            pid: r.pid,
            since: unix_seconds(SystemTime::now()),
            from,
            token,
        };
        Ok(Response::new(self.sessions.attach(login, self.identity())?))
    }

    async fn save_file(&self, request: Request<SaveFileRequest>) -> Result<Response<SaveFileReply>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let everywhere = writes_everywhere(&request);
        let r = request.into_inner();
        self.files.check_write(&user, &r.path, everywhere).map_err(file_status)?;
        let path = self.files.save(&user, &r.path, &r.content).map_err(file_status)?;
        Ok(Response::new(SaveFileReply { path }))
    }

    async fn list_files(
        &self,
        request: Request<ListFilesRequest>,
    ) -> Result<Response<DirectoryList>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let r = request.into_inner();
        Ok(Response::new(self.files.list(&user, &r.path).map_err(file_status)?))
    }

    async fn read_file(&self, request: Request<ReadFileRequest>) -> Result<Response<FileContents>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let secrets = sees_secrets(&request);
        let r = request.into_inner();
        let (path, content) = self.files.read(&user, &r.path).map_err(file_status)?;
        // A saved configuration shows its secrets only to whom `show configuration` would.
        // Masked with the database unlocked: a big file takes a while.
        let content = if secrets {
            content
        } else {
            let schema = self.config().schema();
            conceal_text(&schema, &content)
        };
        Ok(Response::new(FileContents { path, content }))
    }

    async fn delete_file(&self, request: Request<FilePathRequest>) -> Result<Response<FileReply>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let everywhere = writes_everywhere(&request);
        let r = request.into_inner();
        self.files.check_write(&user, &r.path, everywhere).map_err(file_status)?;
        let path = self.files.delete(&user, &r.path).map_err(file_status)?;
        Ok(Response::new(FileReply { path }))
    }

    async fn rename_file(&self, request: Request<RenameFileRequest>) -> Result<Response<FileReply>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let everywhere = writes_everywhere(&request);
        let r = request.into_inner();
        for path in [&r.from, &r.to] {
            self.files.check_write(&user, path, everywhere).map_err(file_status)?;
        }
        let path = self.files.rename(&user, &r.from, &r.to).map_err(file_status)?;
        Ok(Response::new(FileReply { path }))
    }

    async fn checksum_file(
        &self,
        request: Request<ChecksumFileRequest>,
    ) -> Result<Response<FileChecksum>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let r = request.into_inner();
        let (path, digest) = self.files.checksum(&user, &r.path, &r.algorithm).map_err(file_status)?;
        Ok(Response::new(FileChecksum { path, digest }))
    }

    async fn copy_file(&self, request: Request<CopyFileRequest>) -> Result<Response<FileReply>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let everywhere = writes_everywhere(&request);
        let r = request.into_inner();
        let path = self.copy_file(&user, &r.source, &r.destination, everywhere).await?;
        Ok(Response::new(FileReply { path }))
    }

    type DownloadFileStream = Chunks;

    async fn download_file(&self, request: Request<FilePathRequest>) -> Result<Response<Chunks>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let secrets = sees_secrets(&request);
        Ok(Response::new(self.download(&user, &request.get_ref().path, secrets)?))
    }

    type UploadFileStream = ReceiverStream<Result<FileReply, Status>>;

    async fn upload_file(
        &self,
        request: Request<Streaming<FileChunk>>,
    ) -> Result<Response<Self::UploadFileStream>, Status> {
        // The user is the caller's: a chunk's `user` is for the other RE only.
        let user = user_of(&request, "");
        let everywhere = writes_everywhere(&request);
        Ok(Response::new(self.upload(&user, everywhere, request.into_inner()).await?))
    }

    async fn stat_file(&self, request: Request<FilePathRequest>) -> Result<Response<FileStat>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let (path, entry) = self.files.stat(&user, &request.get_ref().path).map_err(file_status)?;
        Ok(Response::new(FileStat { path, entry: Some(entry) }))
    }

    async fn make_directory(&self, request: Request<FilePathRequest>) -> Result<Response<FileReply>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        let everywhere = writes_everywhere(&request);
        let r = request.into_inner();
        self.files.check_write(&user, r.path.trim_end_matches('/'), everywhere).map_err(file_status)?;
        let path = self.files.make_directory(&user, &r.path).map_err(file_status)?;
        Ok(Response::new(FileReply { path }))
    }

    async fn shutdown(&self, request: Request<ShutdownRequest>) -> Result<Response<ShutdownReply>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        Ok(Response::new(self.shut_down(ShutdownRequest { user, ..request.into_inner() }).await?))
    }

    async fn get_shutdown(
        &self,
        _: Request<GetShutdownRequest>,
    ) -> Result<Response<ShutdownSchedule>, Status> {
        Ok(Response::new(ShutdownSchedule { pending: self.pending_shutdown() }))
    }

    async fn clear_shutdown(
        &self,
        request: Request<ClearShutdownRequest>,
    ) -> Result<Response<ClearShutdownReply>, Status> {
        Ok(Response::new(self.clear_shutdown(request.into_inner()).await))
    }

    async fn change_mastership(
        &self,
        request: Request<ChangeMastershipRequest>,
    ) -> Result<Response<ChangeMastershipReply>, Status> {
        self.processes.require(Daemon::ChassisControl)?;
        let r = request.into_inner();
        let master = self.change_mastership(r.action(), r.force).await?;
        Ok(Response::new(ChangeMastershipReply { master }))
    }

    async fn get_mastership_log(
        &self,
        _: Request<GetMastershipLogRequest>,
    ) -> Result<Response<MastershipLog>, Status> {
        Ok(Response::new(MastershipLog { text: self.mastership.log_text() }))
    }

    async fn get_processes(
        &self,
        _: Request<GetProcessesRequest>,
    ) -> Result<Response<ProcessInformation>, Status> {
        Ok(Response::new(self.process_information()))
    }

    async fn restart_process(
        &self,
        request: Request<RestartProcessRequest>,
    ) -> Result<Response<RestartProcessReply>, Status> {
        let r = request.into_inner();
        Ok(Response::new(RestartProcessReply { text: self.restart_process(&r.name, r.mode()).await? }))
    }

    type TakeSnapshotStream = ReceiverStream<Result<SnapshotProgress, Status>>;

    async fn take_snapshot(
        &self,
        _: Request<TakeSnapshotRequest>,
    ) -> Result<Response<Self::TakeSnapshotStream>, Status> {
        Ok(Response::new(self.take_snapshot()?))
    }

    async fn get_snapshot(
        &self,
        _: Request<GetSnapshotRequest>,
    ) -> Result<Response<SnapshotInformation>, Status> {
        let snapshot = self.snapshots.current().map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(SnapshotInformation { snapshot }))
    }

    async fn recover_snapshot(
        &self,
        request: Request<RecoverSnapshotRequest>,
    ) -> Result<Response<RecoverSnapshotReply>, Status> {
        self.recover_snapshot(user_of(&request, &request.get_ref().user)).await?;
        Ok(Response::new(RecoverSnapshotReply {}))
    }

    async fn login_other(&self, request: Request<LoginOtherRequest>) -> Result<Response<LoginReply>, Status> {
        Ok(Response::new(self.login_other(principal_of(&request)).await?))
    }

    async fn get_users(&self, _: Request<GetUsersRequest>) -> Result<Response<UserList>, Status> {
        Ok(Response::new(self.users()))
    }

    async fn logout(&self, request: Request<LogoutRequest>) -> Result<Response<LogoutReply>, Status> {
        Ok(Response::new(LogoutReply { sessions: self.logout(&request.into_inner().user)? }))
    }

    async fn get_lockouts(&self, _: Request<GetLockoutsRequest>) -> Result<Response<LockoutList>, Status> {
        Ok(Response::new(self.lockouts()))
    }

    async fn clear_lockout(
        &self,
        request: Request<ClearLockoutRequest>,
    ) -> Result<Response<ClearLockoutReply>, Status> {
        Ok(Response::new(ClearLockoutReply {
            users: self.clear_lockout(request.into_inner().user.as_deref())?,
        }))
    }

    async fn send_message(
        &self,
        request: Request<SendMessageRequest>,
    ) -> Result<Response<SendMessageReply>, Status> {
        Ok(Response::new(SendMessageReply { sessions: self.send_message(request)? }))
    }

    type MonitorFileStream = super::messages::Following;

    async fn monitor_file(
        &self,
        request: Request<MonitorFileRequest>,
    ) -> Result<Response<Self::MonitorFileStream>, Status> {
        let user = user_of(&request, &request.get_ref().user);
        Ok(Response::new(self.monitor_file(&user, &request.get_ref().path)?))
    }

    async fn get_neighbors(&self, _: Request<GetNeighborsRequest>) -> Result<Response<Neighbors>, Status> {
        self.forwarding_since()?;
        let cabling = self.cabling();
        let config = self.config();
        let mut neighbors = forwarding::neighbors(config.effective(), &cabling);
        neighbors.lldp = protocols::lldp_neighbors(config.effective(), &cabling);
        Ok(Response::new(neighbors))
    }

    async fn probe(&self, request: Request<ProbeRequest>) -> Result<Response<ProbeReply>, Status> {
        self.forwarding_since()?;
        let cabling = self.cabling();
        let reply = forwarding::probe(self.config().effective(), &cabling, &request.into_inner());
        reply.map(Response::new).map_err(|e| Status::invalid_argument(e.to_string()))
    }

    async fn get_environment(
        &self,
        _: Request<GetEnvironmentRequest>,
    ) -> Result<Response<EnvironmentInformation>, Status> {
        self.chassis_daemon_on_master()?;
        let now = now();
        Ok(Response::new(EnvironmentInformation {
            items: environment::environment(now),
            power_supplies: environment::power_supplies(now),
        }))
    }

    async fn get_firmware(
        &self,
        _: Request<GetFirmwareRequest>,
    ) -> Result<Response<FirmwareInformation>, Status> {
        self.chassis_daemon_on_master()?;
        Ok(Response::new(FirmwareInformation { firmware: environment::firmware() }))
    }

    async fn get_alarms(
        &self,
        request: Request<GetAlarmsRequest>,
    ) -> Result<Response<AlarmInformation>, Status> {
        if !request.into_inner().system {
            // The modelled chassis is healthy: its daemon raises nothing.
            self.chassis_daemon_on_master()?;
            return Ok(Response::new(AlarmInformation::default()));
        }
        let rescue_saved = self.config().rescue_saved();
        let alarms = environment::system_alarms(rescue_saved, unix_seconds(self.started_at));
        Ok(Response::new(AlarmInformation { alarms }))
    }

    async fn get_temperature_thresholds(
        &self,
        _: Request<GetTemperatureThresholdsRequest>,
    ) -> Result<Response<TemperatureThresholds>, Status> {
        self.chassis_daemon_on_master()?;
        Ok(Response::new(TemperatureThresholds { thresholds: environment::temperature_thresholds() }))
    }

    async fn get_system_storage(
        &self,
        _: Request<GetSystemStorageRequest>,
    ) -> Result<Response<SystemStorage>, Status> {
        let root = self.files.root().to_owned();
        let filesystems = tokio::task::spawn_blocking(move || storage::filesystems(&root))
            .await
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(SystemStorage { filesystems }))
    }

    async fn get_system_memory(
        &self,
        _: Request<GetSystemMemoryRequest>,
    ) -> Result<Response<MemoryUse>, Status> {
        host::memory_use()
            .map(Response::new)
            .ok_or_else(|| Status::unavailable("memory usage cannot be read on this host"))
    }

    async fn get_database_usage(
        &self,
        _: Request<GetDatabaseUsageRequest>,
    ) -> Result<Response<DatabaseUsage>, Status> {
        let bytes = self.config().committed_bytes() as u64;
        Ok(Response::new(storage::database_usage(bytes)))
    }

    async fn get_ntp(&self, _: Request<GetNtpRequest>) -> Result<Response<NtpInformation>, Status> {
        let servers = protocols::ntp_servers(self.config().effective());
        Ok(Response::new(NtpInformation { servers, now: now() }))
    }

    async fn get_protocols(
        &self,
        request: Request<GetProtocolsRequest>,
    ) -> Result<Response<ProtocolInformation>, Status> {
        let started = self.processes.started_at(Daemon::Routing)?;
        let state = self.mastership();
        let cabling = self.cabling();
        let mut info = protocols::protocols(self.config().effective(), &cabling);
        // Without nonstop routing a backup's routing daemon holds nothing.
        if state != MastershipState::Master && !info.nonstop_routing && !request.into_inner().replication {
            return Err(not_running(Daemon::Routing));
        }
        let master_since = self.mastership.master_since().map_or(started, |(since, _)| since);
        info.since = started.max(master_since);
        info.graceful_switchover = self.redundancy().graceful_switchover;
        info.state = state as i32;
        Ok(Response::new(info))
    }
}

#[tonic::async_trait]
impl Peer for Agent {
    async fn admit(&self, request: Request<AdmitRequest>) -> Result<Response<LoginReply>, Status> {
        self.admit_from_peer().await?;
        Ok(Response::new(self.admit(request.into_inner())?))
    }

    async fn get_local_route_engine(
        &self,
        request: Request<GetLocalRouteEngineRequest>,
    ) -> Result<Response<RouteEngine>, Status> {
        self.admit_from_peer().await?;
        self.check_peer(request.into_inner().from_slot)?;
        Ok(Response::new(self.local_route_engine(self.redundancy().configured)))
    }

    async fn keepalive(&self, request: Request<PeerStatus>) -> Result<Response<PeerStatus>, Status> {
        self.admit_from_peer().await?;
        let r = request.into_inner();
        self.check_peer(r.from_slot)?;
        self.heard(r);
        Ok(Response::new(self.status()))
    }

    async fn claim(&self, request: Request<ClaimRequest>) -> Result<Response<PeerReply>, Status> {
        self.admit_from_peer().await?;
        let r = request.into_inner();
        let from = self.check_peer(r.from_slot)?;
        let (ack, term) = self.mastership.claimed(from, r.term, r.command);
        Ok(Response::new(PeerReply { ack, term }))
    }

    async fn give_up(&self, request: Request<PeerStatus>) -> Result<Response<PeerReply>, Status> {
        self.admit_from_peer().await?;
        let r = request.into_inner();
        self.check_peer(r.from_slot)?;
        let (ack, term) = self.mastership.given(r.term);
        Ok(Response::new(PeerReply { ack, term }))
    }

    async fn shutdown(&self, request: Request<ShutdownRequest>) -> Result<Response<ShutdownReply>, Status> {
        self.admit_from_peer().await?;
        let r = request.into_inner();
        if r.target() != shutdown_request::Target::Local {
            return Err(Status::invalid_argument("the other RE asks only for this RE's part"));
        }
        Ok(Response::new(self.shut_down(r).await?))
    }

    async fn clear_shutdown(
        &self,
        request: Request<ClearShutdownRequest>,
    ) -> Result<Response<ClearShutdownReply>, Status> {
        self.admit_from_peer().await?;
        // Only this RE's part: the asker clears its own.
        drop(request);
        Ok(Response::new(self.clear_shutdown(ClearShutdownRequest { both: false }).await))
    }

    type GetFileStream = Chunks;

    async fn get_file(&self, request: Request<FilePathRequest>) -> Result<Response<Chunks>, Status> {
        self.admit_from_peer().await?;
        let r = request.into_inner();
        Ok(Response::new(self.read_chunks(&r.user, &r.path)?))
    }

    async fn put_file(&self, request: Request<Streaming<FileChunk>>) -> Result<Response<FileReply>, Status> {
        self.admit_from_peer().await?;
        let mut chunks = request.into_inner();
        let first = chunks.message().await?.ok_or_else(|| Status::invalid_argument("no file named"))?;
        let target = self.files.copy_target(&first.user, &first.path, &first.name);
        let path = self.write_chunks(&first.user, &target, Box::pin(chunks)).await?;
        Ok(Response::new(FileReply { path }))
    }

    async fn synchronize(
        &self,
        request: Request<SynchronizeRequest>,
    ) -> Result<Response<SynchronizeReply>, Status> {
        self.admit_from_peer().await?;
        let r = request.into_inner();
        self.check_peer(r.from_slot)?;
        Ok(Response::new(self.synchronized(r)?))
    }

    async fn synchronize_whole(
        &self,
        request: Request<Streaming<SynchronizeRequest>>,
    ) -> Result<Response<SynchronizeReply>, Status> {
        self.admit_from_peer().await?;
        let mut pieces = request.into_inner();
        let mut whole = pieces.message().await?.ok_or_else(|| Status::invalid_argument("nothing sent"))?;
        self.check_peer(whole.from_slot)?;
        while let Some(piece) = pieces.message().await? {
            if whole.configuration.len() + piece.configuration.len() > crate::MAX_CONFIGURATION_BYTES {
                return Err(Status::resource_exhausted(format!(
                    "configuration too large (at most {} bytes)",
                    crate::MAX_CONFIGURATION_BYTES
                )));
            }
            whole.configuration.push_str(&piece.configuration);
        }
        Ok(Response::new(self.synchronized(whole)?))
    }
}

/// Whether the caller may write anywhere in the file area: a super-user,
/// or the other RE, which checked the user it acts for.
fn writes_everywhere<T>(request: &Request<T>) -> bool {
    principal_of(request).is_some_and(|p| p.permissions.allows(crate::permissions::Permission::All))
}
