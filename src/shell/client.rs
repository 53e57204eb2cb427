//! A blocking client for one agent. The shell is synchronous (rustyline), so
//! each call is driven to completion on the process's runtime.

use std::time::Duration;

use tokio::runtime::Handle;
use tonic::transport::{Channel, Endpoint};

use crate::agent::SESSION_KEY;
use crate::proto::configuration_client::ConfigurationClient;
use crate::proto::routing_engine_client::RoutingEngineClient;
use crate::proto::{
    AttachRequest, ChassisInventory, DirectoryList, FileContents, GetChassisInventoryRequest,
    GetIdentityRequest, GetRouteEngineInformationRequest, GetSoftwareInformationRequest,
    GetSystemUptimeInformationRequest, Identity, ListFilesRequest, ReadFileRequest, RouteEngineInformation,
    SaveFileRequest, SessionEvent, SoftwareInformation, SystemUptimeInformation,
};
use crate::proto::{ChangeMastershipRequest, GetMastershipLogRequest, change_mastership_request};
use crate::proto::{ChecksumFileRequest, CopyFileRequest, FileChecksum, FilePathRequest, RenameFileRequest};
use crate::proto::{
    ClearShutdownRequest, GetShutdownRequest, PendingShutdown, ShutdownReply, ShutdownRequest,
};
use crate::proto::{
    CloseRequest, CommitInformation, CommitReply, CommitRequest, CompareRequest, ConfigurationReply,
    ConfigurationStatus, EditRequest, GetCommitInformationRequest, GetConfigurationRequest, GetStatusRequest,
    LoadError, LoadRequest, OpenReply, OpenRequest, RollbackRequest, SetLevelRequest, edit_request,
    load_request, open_request, session_event,
};
use crate::proto::{
    FpcInformation, GetFpcInformationRequest, GetInterfaceInformationRequest, GetRouteInformationRequest,
    InterfaceInformation, RouteInformation,
};
use crate::proto::{
    GetProcessesRequest, GetSnapshotRequest, ProcessInformation, RecoverSnapshotRequest,
    RestartProcessRequest, SnapshotInformation, TakeSnapshotRequest, restart_process_request,
};
use crate::proto::{GetSwitchoverRequest, SwitchoverStatus};

/// Interactive commands answer in milliseconds; a call that takes this long
/// has met a dead or wedged agent.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const PATIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a call to an agent failed, in the words the operator sees after `error: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("could not connect to {address} : {reason}")]
    Unreachable { address: String, reason: String },
    /// The agent refused; its message is Junos text.
    #[error("{0}")]
    Refused(String),
}

#[derive(Clone)]
pub struct AgentClient {
    address: String,
    rt: Handle,
    client: RoutingEngineClient<Channel>,
    config: ConfigurationClient<Channel>,
    /// For calls that wait on the other RE (a mastership change retries for
    /// seconds before it gives up; a commit may synchronize).
    patient: RoutingEngineClient<Channel>,
    patient_config: ConfigurationClient<Channel>,
    /// The id `attach` was given, sent with every configuration call.
    session: u64,
}

impl AgentClient {
    /// Prepares a client; the connection is made by the first call.
    pub fn new(rt: Handle, address: &str) -> Result<AgentClient, ClientError> {
        let endpoint = Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| ClientError::Unreachable { address: address.to_owned(), reason: e.to_string() })?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .tcp_nodelay(true);
        let (channel, patient) = {
            // A lazy channel still needs a runtime to register with.
            let _entered = rt.enter();
            (endpoint.connect_lazy(), endpoint.clone().timeout(PATIENT_TIMEOUT).connect_lazy())
        };
        Ok(AgentClient {
            address: address.to_owned(),
            rt,
            client: RoutingEngineClient::new(channel.clone())
                .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            config: ConfigurationClient::new(channel)
                .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            patient: RoutingEngineClient::new(patient.clone()),
            patient_config: ConfigurationClient::new(patient)
                .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            session: 0,
        })
    }

    /// `request chassis routing-engine master ...`: whether this RE is master afterwards.
    pub fn change_mastership(
        &self,
        action: change_mastership_request::Action,
        force: bool,
    ) -> Result<bool, ClientError> {
        let request = ChangeMastershipRequest { action: action as i32, force };
        self.wait(self.patient.clone().change_mastership(request)).map(|r| r.master)
    }

    pub fn processes(&self) -> Result<ProcessInformation, ClientError> {
        self.wait(self.client.clone().get_processes(GetProcessesRequest {}))
    }

    /// `restart PROCESS`: what Junos prints once it runs again.
    pub fn restart_process(
        &self,
        name: &str,
        mode: restart_process_request::Mode,
    ) -> Result<String, ClientError> {
        let request = RestartProcessRequest { name: name.to_owned(), mode: mode as i32 };
        self.wait(self.patient.clone().restart_process(request)).map(|r| r.text)
    }

    /// `request vmhost snapshot`: each line of progress to `progress` as it comes.
    pub fn take_snapshot(&self, progress: &mut dyn FnMut(&str)) -> Result<(), ClientError> {
        let mut lines = self.wait(self.patient.clone().take_snapshot(TakeSnapshotRequest {}))?;
        while let Some(line) = self.rt.block_on(lines.message()).map_err(|status| self.error(status))? {
            progress(&line.line);
        }
        Ok(())
    }

    pub fn snapshot(&self) -> Result<SnapshotInformation, ClientError> {
        self.wait(self.client.clone().get_snapshot(GetSnapshotRequest {}))
    }

    pub fn recover_snapshot(&self, user: &str) -> Result<(), ClientError> {
        self.wait(self.client.clone().recover_snapshot(RecoverSnapshotRequest { user: user.to_owned() }))
            .map(drop)
    }

    pub fn mastership_log(&self) -> Result<String, ClientError> {
        self.wait(self.client.clone().get_mastership_log(GetMastershipLogRequest {})).map(|r| r.text)
    }

    /// A configuration call, naming this client's session.
    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(value) = self.session.to_string().parse() {
            request.metadata_mut().insert(SESSION_KEY, value);
        }
        request
    }

    /// Drives one call to its reply on the process's runtime.
    fn wait<T>(
        &self,
        reply: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, ClientError> {
        self.rt.block_on(reply).map(tonic::Response::into_inner).map_err(|status| self.error(status))
    }

    fn error(&self, status: tonic::Status) -> ClientError {
        if crate::is_unreachable(&status) {
            ClientError::Unreachable { address: self.address.clone(), reason: crate::status_reason(&status) }
        } else {
            ClientError::Refused(status.message().to_owned())
        }
    }

    pub fn identity(&self) -> Result<Identity, ClientError> {
        self.wait(self.client.clone().get_identity(GetIdentityRequest {}))
    }

    pub fn route_engine_information(&self, slot: Option<u32>) -> Result<RouteEngineInformation, ClientError> {
        self.wait(self.client.clone().get_route_engine_information(GetRouteEngineInformationRequest { slot }))
    }

    pub fn chassis_inventory(&self) -> Result<ChassisInventory, ClientError> {
        self.wait(self.client.clone().get_chassis_inventory(GetChassisInventoryRequest {}))
    }

    pub fn switchover(&self) -> Result<SwitchoverStatus, ClientError> {
        self.wait(self.client.clone().get_switchover(GetSwitchoverRequest {}))
    }

    pub fn fpc_information(&self) -> Result<FpcInformation, ClientError> {
        self.wait(self.client.clone().get_fpc_information(GetFpcInformationRequest {}))
    }

    pub fn interface_information(&self) -> Result<InterfaceInformation, ClientError> {
        self.wait(self.client.clone().get_interface_information(GetInterfaceInformationRequest {}))
    }

    pub fn route_information(&self) -> Result<RouteInformation, ClientError> {
        self.wait(self.client.clone().get_route_information(GetRouteInformationRequest {}))
    }

    pub fn system_uptime_information(&self) -> Result<SystemUptimeInformation, ClientError> {
        self.wait(self.client.clone().get_system_uptime_information(GetSystemUptimeInformationRequest {}))
    }

    /// Logs a session in; it stays logged in until the returned stream is
    /// dropped, and this client's configuration calls are that session's.
    pub fn attach(&mut self, user: &str) -> Result<tonic::Streaming<SessionEvent>, ClientError> {
        let request =
            AttachRequest { user: user.to_owned(), terminal: terminal_name(), pid: std::process::id() };
        let mut stream = self.wait(self.client.clone().attach(request))?;
        // The first event confirms the registration, so a `users` count taken
        // after this call includes the session.
        match self.rt.block_on(stream.message()) {
            Ok(Some(SessionEvent { event: Some(session_event::Event::Attached(a)) })) => {
                self.session = a.session_id;
                Ok(stream)
            }
            Ok(_) => Err(ClientError::Refused("session closed by the Routing Engine".into())),
            Err(status) => Err(self.error(status)),
        }
    }

    /// A broadcast the RE sent to this session since the last look, if any.
    pub fn broadcasts(&self, stream: &mut tonic::Streaming<SessionEvent>) -> Vec<String> {
        let mut messages = Vec::new();
        // A zero timeout polls the stream once: what has arrived, never a wait.
        while let Ok(Ok(Some(event))) =
            self.rt.block_on(async { tokio::time::timeout(Duration::ZERO, stream.message()).await })
        {
            if let Some(session_event::Event::Broadcast(text)) = event.event {
                messages.push(text);
            }
        }
        messages
    }

    pub fn open(&self, mode: open_request::Mode) -> Result<OpenReply, ClientError> {
        self.wait(self.config.clone().open(self.request(OpenRequest { mode: mode as i32 })))
    }

    pub fn close(&self, discard: bool) -> Result<(), ClientError> {
        self.wait(self.config.clone().close(self.request(CloseRequest { discard }))).map(|_| ())
    }

    pub fn set_level(&self, level: Vec<String>) -> Result<(), ClientError> {
        self.wait(self.config.clone().set_level(self.request(SetLevelRequest { level }))).map(|_| ())
    }

    pub fn save_file(&self, user: &str, path: &str, content: String) -> Result<String, ClientError> {
        let request = SaveFileRequest { user: user.to_owned(), path: path.to_owned(), content };
        self.wait(self.client.clone().save_file(request)).map(|r| r.path)
    }

    pub fn list_files(&self, user: &str, path: &str) -> Result<DirectoryList, ClientError> {
        let request = ListFilesRequest { user: user.to_owned(), path: path.to_owned() };
        self.wait(self.client.clone().list_files(request))
    }

    pub fn delete_file(&self, user: &str, path: &str) -> Result<String, ClientError> {
        let request = FilePathRequest { user: user.to_owned(), path: path.to_owned() };
        self.wait(self.client.clone().delete_file(request)).map(|r| r.path)
    }

    pub fn rename_file(&self, user: &str, from: &str, to: &str) -> Result<String, ClientError> {
        let request = RenameFileRequest { user: user.to_owned(), from: from.to_owned(), to: to.to_owned() };
        self.wait(self.client.clone().rename_file(request)).map(|r| r.path)
    }

    pub fn checksum_file(
        &self,
        user: &str,
        path: &str,
        algorithm: &str,
    ) -> Result<FileChecksum, ClientError> {
        let request = ChecksumFileRequest {
            user: user.to_owned(),
            path: path.to_owned(),
            algorithm: algorithm.to_owned(),
        };
        self.wait(self.patient.clone().checksum_file(request))
    }

    /// `file copy`; between REs the agents stream it, so it may take a while.
    pub fn copy_file(&self, user: &str, source: &str, destination: &str) -> Result<String, ClientError> {
        let request = CopyFileRequest {
            user: user.to_owned(),
            source: source.to_owned(),
            destination: destination.to_owned(),
        };
        self.wait(self.patient.clone().copy_file(request)).map(|r| r.path)
    }

    pub fn shutdown(&self, request: ShutdownRequest) -> Result<ShutdownReply, ClientError> {
        self.wait(self.patient.clone().shutdown(request))
    }

    pub fn pending_shutdown(&self) -> Result<Option<PendingShutdown>, ClientError> {
        self.wait(self.client.clone().get_shutdown(GetShutdownRequest {})).map(|s| s.pending)
    }

    pub fn clear_shutdown(&self, both: bool) -> Result<bool, ClientError> {
        self.wait(self.client.clone().clear_shutdown(ClearShutdownRequest { both })).map(|r| r.cleared)
    }

    /// The agent's address, as the shell was given it.
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn read_file(&self, user: &str, path: &str) -> Result<FileContents, ClientError> {
        let request = ReadFileRequest { user: user.to_owned(), path: path.to_owned() };
        self.wait(self.client.clone().read_file(request))
    }

    /// An edit of `words`; the agent's warning, if the edit changed nothing.
    pub fn edit(
        &self,
        operation: edit_request::Operation,
        words: Vec<String>,
        target: String,
    ) -> Result<String, ClientError> {
        let request = EditRequest { operation: operation as i32, words, target };
        self.wait(self.config.clone().edit(self.request(request))).map(|r| r.warning)
    }

    pub fn configuration(&self, request: GetConfigurationRequest) -> Result<ConfigurationReply, ClientError> {
        self.wait(self.config.clone().get_configuration(self.request(request)))
    }

    /// Whether the session's candidate has changes not yet committed, and
    /// who is in configuration mode.
    pub fn configuration_status(&self) -> Result<ConfigurationStatus, ClientError> {
        self.wait(self.config.clone().get_status(self.request(GetStatusRequest {})))
    }

    pub fn compare(&self, request: CompareRequest) -> Result<String, ClientError> {
        self.wait(self.config.clone().compare(self.request(request))).map(|r| r.text)
    }

    /// A commit; synchronized, it waits on the other RE too.
    pub fn commit(&self, request: CommitRequest) -> Result<CommitReply, ClientError> {
        self.wait(self.patient_config.clone().commit(self.request(request)))
    }

    pub fn rollback(&self, number: u32) -> Result<(), ClientError> {
        self.wait(self.config.clone().rollback(self.request(RollbackRequest { number }))).map(|_| ())
    }

    pub fn load(&self, action: load_request::Action, text: String) -> Result<Vec<LoadError>, ClientError> {
        let request = LoadRequest { action: action as i32, text };
        self.wait(self.config.clone().load(self.request(request))).map(|r| r.errors)
    }

    pub fn commit_information(&self) -> Result<CommitInformation, ClientError> {
        self.wait(self.config.clone().get_commit_information(GetCommitInformationRequest {}))
    }

    pub fn software_information(&self) -> Result<SoftwareInformation, ClientError> {
        self.wait(self.client.clone().get_software_information(GetSoftwareInformationRequest {}))
    }
}

/// The terminal this shell runs on (`pts/3`), as other users' `status` shows it.
fn terminal_name() -> String {
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return "none".into();
    }
    std::fs::read_link("/proc/self/fd/0")
        .ok()
        .and_then(|p| p.to_str().map(|p| p.trim_start_matches("/dev/").to_owned()))
        .unwrap_or_else(|| "none".into())
}
