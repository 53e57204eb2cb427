//! A blocking client for one agent. The shell is synchronous (rustyline), so
//! each call is driven to completion on the process's runtime.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tonic::metadata::AsciiMetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, ClientTlsConfig};

use super::Credentials;
use crate::agent::{SESSION_KEY, TOKEN_KEY};
use crate::proto::ClearCommitRequest;
use crate::proto::authentication_client::AuthenticationClient;
use crate::proto::configuration_client::ConfigurationClient;
use crate::proto::routing_engine_client::RoutingEngineClient;
use crate::proto::{
    AlarmInformation, DatabaseUsage, EnvironmentInformation, FirmwareInformation, GetAlarmsRequest,
    GetDatabaseUsageRequest, GetEnvironmentRequest, GetFirmwareRequest, GetNtpRequest, GetProtocolsRequest,
    GetSystemMemoryRequest, GetSystemStorageRequest, MemoryUse, NtpInformation, ProtocolInformation,
    SystemStorage,
};
use crate::proto::{
    AttachRequest, ChassisInventory, DirectoryList, FileContents, GetChassisInventoryRequest,
    GetIdentityRequest, GetRouteEngineInformationRequest, GetSoftwareInformationRequest,
    GetSystemUptimeInformationRequest, Identity, ListFilesRequest, ReadFileRequest, RouteEngineInformation,
    SaveFileRequest, SessionEvent, SoftwareInformation, SystemUptimeInformation,
};
use crate::proto::{ChangeMastershipRequest, GetMastershipLogRequest, change_mastership_request};
use crate::proto::{ChecksumFileRequest, CopyFileRequest, FileChecksum, FilePathRequest, RenameFileRequest};
use crate::proto::{ClearLockoutRequest, GetLockoutsRequest, LockoutList};
use crate::proto::{
    ClearShutdownRequest, GetShutdownRequest, PendingShutdown, ShutdownReply, ShutdownRequest,
};
use crate::proto::{
    CloseRequest, CommitInformation, CommitReply, CommitRequest, CompareRequest, ConfigurationReply,
    ConfigurationStatus, EditRequest, EditStretchRequest, GetCommitInformationRequest,
    GetConfigurationRequest, GetStatusRequest, LoadReply, LoadRequest, OpenReply, OpenRequest, RescueRequest,
    RollbackRequest, SetLevelRequest, ShowConfigurationRequest, edit_request, load_request, open_request,
    session_event,
};
use crate::proto::{DirectoryEntry, FileChunk, FileReply, FileStat};
use crate::proto::{
    FpcInformation, GetFpcInformationRequest, GetInterfaceInformationRequest, GetNeighborsRequest,
    GetRouteInformationRequest, InterfaceInformation, Neighbors, ProbeReply, ProbeRequest, RouteInformation,
};
use crate::proto::{
    GetProcessesRequest, GetSnapshotRequest, ProcessInformation, RecoverSnapshotRequest,
    RestartProcessRequest, SnapshotInformation, TakeSnapshotRequest, restart_process_request,
};
use crate::proto::{GetSwitchoverRequest, SwitchoverStatus};
use crate::proto::{GetTemperatureThresholdsRequest, TemperatureThresholds};
use crate::proto::{GetUsersRequest, LoginOtherRequest, LoginReply, LoginRequest, LogoutRequest, UserList};
use crate::proto::{MonitorFileRequest, MonitoredLines, SendMessageRequest, send_message_request};

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
    /// The agent does not know the caller: a login failed or has ended.
    #[error("{0}")]
    Unauthenticated(String),
    /// The operator pressed Ctrl-C while the call waited: the shell stopped
    /// waiting (the RE may still carry out what it was asked).
    #[error("interrupted")]
    Interrupted,
}

/// Ctrl-C for the calls of one shell's command: once pressed, a call
/// waiting for its reply gives up, and so does every later call of the
/// command, so the command stops.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<(tokio::sync::Notify, AtomicBool)>);

impl Interrupt {
    pub fn press(&self) {
        self.0.1.store(true, Ordering::SeqCst);
        self.0.0.notify_waiters();
    }

    /// A new command starts: a press before it does not stop it.
    pub fn clear(&self) {
        self.0.1.store(false, Ordering::SeqCst);
    }
}

/// The login a client's calls are made under: its token goes with each.
#[derive(Clone, Default)]
pub struct Token(Arc<OnceLock<AsciiMetadataValue>>);

impl tonic::service::Interceptor for Token {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(token) = self.0.get() {
            request.metadata_mut().insert(TOKEN_KEY, token.clone());
        }
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Token>;

/// A session's stream of events, and who the RE was as it began.
pub struct Attachment {
    pub events: tonic::Streaming<SessionEvent>,
    pub identity: Identity,
}

#[derive(Clone)]
pub struct AgentClient {
    address: String,
    rt: Handle,
    client: RoutingEngineClient<Authed>,
    config: ConfigurationClient<Authed>,
    /// For calls that wait on the other RE (a mastership change retries for
    /// seconds before it gives up; a commit may synchronize), and for those
    /// that carry a whole configuration (a load, a `show`, a comparison).
    patient: RoutingEngineClient<Authed>,
    patient_config: ConfigurationClient<Authed>,
    authentication: AuthenticationClient<Channel>,
    token: Token,
    /// What the login granted, once made.
    granted: Arc<OnceLock<LoginReply>>,
    /// The id `attach` was given, sent with every configuration call.
    session: u64,
    interrupt: Interrupt,
}

impl AgentClient {
    /// Prepares a client; the connection is made by the first call.
    pub fn new(rt: Handle, address: &str, tls: Option<&ClientTlsConfig>) -> Result<AgentClient, ClientError> {
        let endpoint = crate::tls::endpoint(address, tls)
            .map_err(|e| ClientError::Unreachable { address: address.to_owned(), reason: e.to_string() })?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .tcp_nodelay(true);
        let (channel, patient) = {
            // A lazy channel still needs a runtime to register with.
            let _entered = rt.enter();
            (endpoint.connect_lazy(), endpoint.clone().timeout(PATIENT_TIMEOUT).connect_lazy())
        };
        let token = Token::default();
        Ok(AgentClient {
            address: address.to_owned(),
            rt,
            client: RoutingEngineClient::with_interceptor(channel.clone(), token.clone())
                .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            config: ConfigurationClient::with_interceptor(channel.clone(), token.clone())
                .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            // A refused password may be answered late (retry-options).
            authentication: AuthenticationClient::new(patient.clone()),
            patient: RoutingEngineClient::with_interceptor(patient.clone(), token.clone()),
            patient_config: ConfigurationClient::with_interceptor(patient, token.clone())
                .max_decoding_message_size(crate::MAX_MESSAGE_BYTES)
                .max_encoding_message_size(crate::MAX_MESSAGE_BYTES),
            token,
            granted: Arc::default(),
            session: 0,
            interrupt: Interrupt::default(),
        })
    }

    /// Logs in (once: later calls return the first login's grant).
    pub fn login(&self, credentials: &Credentials) -> Result<LoginReply, ClientError> {
        if let Some(granted) = self.granted.get() {
            return Ok(granted.clone());
        }
        let request = LoginRequest {
            user: credentials.user.clone(),
            password: credentials.password.clone(),
            console: credentials.console.as_ref().map(|s| s.expose().to_owned()),
        };
        let reply = self.wait(self.authentication.clone().login(request))?;
        self.use_login(reply)
    }

    /// Makes this client's calls under a login made elsewhere (the other
    /// RE's word for the user).
    pub fn use_login(&self, reply: LoginReply) -> Result<LoginReply, ClientError> {
        let token = reply
            .token
            .parse()
            .map_err(|_| ClientError::Refused("the Routing Engine sent an unusable login token".into()))?;
        let _ = self.token.0.set(token);
        Ok(self.granted.get_or_init(|| reply).clone())
    }

    /// A login on the other RE for this client's user, vouched for by this RE.
    pub fn login_other(&self) -> Result<LoginReply, ClientError> {
        self.wait(self.client.clone().login_other(LoginOtherRequest {}))
    }

    pub fn users(&self) -> Result<UserList, ClientError> {
        self.wait(self.client.clone().get_users(GetUsersRequest {}))
    }

    /// `show system login lockout`.
    pub fn lockouts(&self) -> Result<LockoutList, ClientError> {
        self.wait(self.client.clone().get_lockouts(GetLockoutsRequest {}))
    }

    /// `clear system login lockout`: of `user`, or of all without one.
    pub fn clear_lockout(&self, user: Option<&str>) -> Result<Vec<String>, ClientError> {
        let request = ClearLockoutRequest { user: user.map(str::to_owned) };
        self.wait(self.client.clone().clear_lockout(request)).map(|r| r.users)
    }

    /// `request system logout USER`: how many sessions ended.
    pub fn logout(&self, user: &str) -> Result<u32, ClientError> {
        self.wait(self.client.clone().logout(LogoutRequest { user: user.to_owned() })).map(|r| r.sessions)
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
        while let Some(line) = self.interruptible(lines.message())?.map_err(|status| self.error(status))? {
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
        self.interruptible(reply)?.map(tonic::Response::into_inner).map_err(|status| self.error(status))
    }

    /// Drives `work` on the process's runtime until it is done or Ctrl-C is pressed.
    fn interruptible<T>(&self, work: impl Future<Output = T>) -> Result<T, ClientError> {
        let pressed = self.interrupt.0.0.notified();
        if self.interrupt.0.1.load(Ordering::SeqCst) {
            return Err(ClientError::Interrupted);
        }
        self.rt.block_on(async {
            tokio::select! {
                done = work => Ok(done),
                () = pressed => Err(ClientError::Interrupted),
            }
        })
    }

    /// Makes this client's calls give up when `interrupt` is pressed.
    pub fn set_interrupt(&mut self, interrupt: &Interrupt) {
        self.interrupt = interrupt.clone();
    }

    fn error(&self, status: tonic::Status) -> ClientError {
        if crate::is_unreachable(&status) {
            ClientError::Unreachable { address: self.address.clone(), reason: crate::status_reason(&status) }
        } else if status.code() == tonic::Code::Unauthenticated {
            ClientError::Unauthenticated(status.message().to_owned())
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

    /// The interfaces `name` names (a pattern), or all when it is empty.
    pub fn interface_information(&self, name: &str) -> Result<InterfaceInformation, ClientError> {
        let request = GetInterfaceInformationRequest { interface_name: name.into() };
        self.wait(self.client.clone().get_interface_information(request))
    }

    pub fn route_information(
        &self,
        request: GetRouteInformationRequest,
    ) -> Result<RouteInformation, ClientError> {
        self.wait(self.client.clone().get_route_information(request))
    }

    pub fn neighbors(&self) -> Result<Neighbors, ClientError> {
        self.wait(self.client.clone().get_neighbors(GetNeighborsRequest {}))
    }

    pub fn probe(&self, request: ProbeRequest) -> Result<ProbeReply, ClientError> {
        self.wait(self.client.clone().probe(request))
    }

    pub fn system_uptime_information(&self) -> Result<SystemUptimeInformation, ClientError> {
        self.wait(self.client.clone().get_system_uptime_information(GetSystemUptimeInformationRequest {}))
    }

    /// Logs a session in, on `terminal` (default: this process's own); it
    /// stays logged in until the returned stream is dropped, and this
    /// client's configuration calls are that session's. The RE's identity
    /// greets the session.
    pub fn attach(&mut self, terminal: Option<&str>) -> Result<Attachment, ClientError> {
        let terminal = terminal.map_or_else(terminal_name, str::to_owned);
        let request = AttachRequest { terminal, pid: std::process::id() };
        let mut stream = self.wait(self.client.clone().attach(request))?;
        // The first event confirms the registration, so a `users` count taken
        // after this call includes the session.
        match self.rt.block_on(stream.message()) {
            Ok(Some(SessionEvent { event: Some(session_event::Event::Attached(a)) })) => {
                self.session = a.session_id;
                Ok(Attachment { events: stream, identity: a.identity.unwrap_or_default() })
            }
            Ok(_) => Err(ClientError::Refused("session closed by the Routing Engine".into())),
            Err(status) => Err(self.error(status)),
        }
    }

    /// `request message ...`: how many sessions it reached.
    pub fn send_message(&self, to: send_message_request::To, text: &str) -> Result<u32, ClientError> {
        let request = SendMessageRequest { text: text.to_owned(), to: Some(to) };
        self.wait(self.client.clone().send_message(self.request(request))).map(|r| r.sessions)
    }

    /// `monitor start FILE`: the lines added to the file from now on, the
    /// first message (the file's state) already read.
    pub fn monitor_file(
        &self,
        user: &str,
        path: &str,
    ) -> Result<(tonic::Streaming<MonitoredLines>, MonitoredLines), ClientError> {
        let request = MonitorFileRequest { user: user.to_owned(), path: path.to_owned() };
        let mut lines = self.wait(self.client.clone().monitor_file(request))?;
        match self.rt.block_on(lines.message()) {
            Ok(Some(first)) => Ok((lines, first)),
            Ok(None) => Err(ClientError::Refused(format!("could not monitor {path}"))),
            Err(status) => Err(self.error(status)),
        }
    }

    /// The runtime the client's calls are driven on.
    pub fn runtime(&self) -> &Handle {
        &self.rt
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

    /// A stretch of edits in one request: each applied edit's warning, then
    /// the error of the one that failed and ended it, if one did.
    pub fn edit_stretch(
        &self,
        edits: Vec<EditRequest>,
    ) -> Result<Vec<Result<String, ClientError>>, ClientError> {
        let reply =
            self.wait(self.config.clone().edit_stretch(self.request(EditStretchRequest { edits })))?;
        let mut results: Vec<_> = reply.warnings.into_iter().map(Ok).collect();
        if reply.failed.is_some() {
            let status = tonic::Status::new(tonic::Code::from(reply.code), reply.message);
            results.push(Err(self.error(status)));
        }
        Ok(results)
    }

    pub fn configuration(&self, request: GetConfigurationRequest) -> Result<ConfigurationReply, ClientError> {
        self.wait(self.patient_config.clone().get_configuration(self.request(request)))
    }

    /// The configuration as the RE prints it, piece by piece as it prints.
    pub fn show_configuration(
        &self,
        request: ShowConfigurationRequest,
    ) -> Result<PrintedPieces<'_>, ClientError> {
        let pieces = self.wait(self.patient_config.clone().show_configuration(self.request(request)))?;
        Ok(PrintedPieces { client: self, pieces })
    }

    /// Whether the session's candidate has changes not yet committed, and
    /// who is in configuration mode.
    pub fn configuration_status(&self) -> Result<ConfigurationStatus, ClientError> {
        self.wait(self.config.clone().get_status(self.request(GetStatusRequest {})))
    }

    pub fn compare(&self, request: CompareRequest) -> Result<String, ClientError> {
        self.wait(self.patient_config.clone().compare(self.request(request))).map(|r| r.text)
    }

    /// A commit; synchronized, it waits on the other RE too.
    pub fn commit(&self, request: CommitRequest) -> Result<CommitReply, ClientError> {
        self.wait(self.patient_config.clone().commit(self.request(request)))
    }

    /// `rollback N`, or with `None` `rollback rescue`.
    pub fn rollback(&self, number: Option<u32>) -> Result<(), ClientError> {
        let request = RollbackRequest { number: number.unwrap_or_default(), rescue: number.is_none() };
        self.wait(self.config.clone().rollback(self.request(request))).map(|_| ())
    }

    /// `request system configuration rescue save|delete`.
    pub fn rescue(&self, delete: bool) -> Result<(), ClientError> {
        self.wait(self.config.clone().rescue(self.request(RescueRequest { delete }))).map(|_| ())
    }

    pub fn load(&self, action: load_request::Action, text: String) -> Result<LoadReply, ClientError> {
        self.load_request(LoadRequest { action: action as i32, text, ..Default::default() })
    }

    /// Loads `file` of `user`'s file area on the RE, read there.
    pub fn load_file(
        &self,
        action: load_request::Action,
        user: &str,
        file: &str,
    ) -> Result<LoadReply, ClientError> {
        let (file, user) = (file.to_owned(), user.to_owned());
        self.load_request(LoadRequest { action: action as i32, file, user, ..Default::default() })
    }

    fn load_request(&self, request: LoadRequest) -> Result<LoadReply, ClientError> {
        self.wait(self.patient_config.clone().load(self.request(request)))
    }

    /// `clear system commit`: whether a `commit at` was pending.
    pub fn clear_commit(&self) -> Result<bool, ClientError> {
        self.wait(self.config.clone().clear_commit(self.request(ClearCommitRequest {}))).map(|r| r.cleared)
    }

    pub fn commit_information(&self) -> Result<CommitInformation, ClientError> {
        self.wait(self.config.clone().get_commit_information(GetCommitInformationRequest {}))
    }

    pub fn software_information(&self) -> Result<SoftwareInformation, ClientError> {
        self.wait(self.client.clone().get_software_information(GetSoftwareInformationRequest {}))
    }

    pub fn environment(&self) -> Result<EnvironmentInformation, ClientError> {
        self.wait(self.client.clone().get_environment(GetEnvironmentRequest {}))
    }

    pub fn temperature_thresholds(&self) -> Result<TemperatureThresholds, ClientError> {
        self.wait(self.client.clone().get_temperature_thresholds(GetTemperatureThresholdsRequest {}))
    }

    pub fn firmware(&self) -> Result<FirmwareInformation, ClientError> {
        self.wait(self.client.clone().get_firmware(GetFirmwareRequest {}))
    }

    /// `show system alarms` (`system`) or `show chassis alarms`.
    pub fn alarms(&self, system: bool) -> Result<AlarmInformation, ClientError> {
        self.wait(self.client.clone().get_alarms(GetAlarmsRequest { system }))
    }

    pub fn system_storage(&self) -> Result<SystemStorage, ClientError> {
        self.wait(self.client.clone().get_system_storage(GetSystemStorageRequest {}))
    }

    pub fn system_memory(&self) -> Result<MemoryUse, ClientError> {
        self.wait(self.client.clone().get_system_memory(GetSystemMemoryRequest {}))
    }

    pub fn database_usage(&self) -> Result<DatabaseUsage, ClientError> {
        self.wait(self.client.clone().get_database_usage(GetDatabaseUsageRequest {}))
    }

    pub fn ntp(&self) -> Result<NtpInformation, ClientError> {
        self.wait(self.client.clone().get_ntp(GetNtpRequest {}))
    }

    /// The routing protocols' state; `replication`: for `show task
    /// replication`, which a backup answers without nonstop routing too.
    pub fn protocols(&self, replication: bool) -> Result<ProtocolInformation, ClientError> {
        self.wait(self.client.clone().get_protocols(GetProtocolsRequest { replication }))
    }
}

/// The file area as SCP and SFTP reach it: bytes as they are, and errors
/// as the RE's status, whose code tells a missing file from a refusal.
pub struct Files<'a>(&'a AgentClient);

/// A configuration coming from the RE as it prints it: pieces of text,
/// each of which may end mid-line. Ctrl-C stops the reading.
pub struct PrintedPieces<'a> {
    client: &'a AgentClient,
    pieces: tonic::Streaming<crate::proto::ConfigurationText>,
}

impl Iterator for PrintedPieces<'_> {
    type Item = Result<String, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.client.interruptible(self.pieces.message()) {
            Ok(Ok(piece)) => piece.map(|p| Ok(p.text)),
            Ok(Err(status)) => Some(Err(self.client.error(status))),
            Err(interrupted) => Some(Err(interrupted)),
        }
    }
}

/// A file coming from the RE, read piece by piece.
pub struct Download {
    /// Its full path on the RE, and its entry (size, mode, time).
    pub path: String,
    pub entry: DirectoryEntry,
    stream: tonic::Streaming<FileChunk>,
    digest: Sha256,
    rt: Handle,
}

impl Download {
    /// The next piece of the file; `None` once all of it came and its
    /// digest matched.
    pub fn piece(&mut self) -> Result<Option<Vec<u8>>, tonic::Status> {
        let Some(chunk) = self.rt.block_on(self.stream.message())? else {
            return Err(tonic::Status::aborted(format!("{}: transfer cut short", self.path)));
        };
        if !chunk.sha256.is_empty() {
            if chunk.sha256 != std::mem::take(&mut self.digest).finalize().as_slice() {
                return Err(tonic::Status::data_loss(format!("{}: checksum mismatch", self.path)));
            }
            return Ok(None);
        }
        self.digest.update(&chunk.data);
        Ok(Some(chunk.data))
    }
}

/// A file going to the RE: it appears there once finished.
pub struct Upload {
    /// Where it goes, as the RE accepted it.
    pub path: String,
    chunks: Option<tokio::sync::mpsc::Sender<FileChunk>>,
    replies: tonic::Streaming<FileReply>,
    digest: Sha256,
    rt: Handle,
}

impl Upload {
    pub fn write(&mut self, data: &[u8]) -> Result<(), tonic::Status> {
        self.digest.update(data);
        let chunk = FileChunk { data: data.to_vec(), ..FileChunk::default() };
        let sent = self.chunks.as_ref().is_some_and(|chunks| chunks.blocking_send(chunk).is_ok());
        if !sent {
            // The RE ended the call: its reply says why.
            return self.reply().map(|_| ());
        }
        Ok(())
    }

    /// Ends the file; its full path once it is there whole.
    pub fn finish(mut self) -> Result<String, tonic::Status> {
        let digest = std::mem::take(&mut self.digest).finalize().to_vec();
        if let Some(chunks) = self.chunks.take() {
            let _ = chunks.blocking_send(FileChunk { sha256: digest, ..FileChunk::default() });
        }
        self.reply()
    }

    fn reply(&mut self) -> Result<String, tonic::Status> {
        self.chunks = None;
        match self.rt.block_on(self.replies.message())? {
            Some(reply) => Ok(reply.path),
            None => Err(tonic::Status::aborted(format!("{}: transfer cut short", self.path))),
        }
    }
}

impl AgentClient {
    pub fn files(&self) -> Files<'_> {
        Files(self)
    }
}

impl Files<'_> {
    fn path(path: &str) -> FilePathRequest {
        FilePathRequest { user: String::new(), path: path.to_owned() }
    }

    fn wait<T>(
        &self,
        reply: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, tonic::Status> {
        self.0.rt.block_on(reply).map(tonic::Response::into_inner)
    }

    pub fn download(&self, path: &str) -> Result<Download, tonic::Status> {
        let mut stream = self.wait(self.0.client.clone().download_file(Files::path(path)))?;
        let first = self.0.rt.block_on(stream.message())?;
        let Some(FileChunk { path, entry: Some(entry), .. }) = first else {
            return Err(tonic::Status::internal("the Routing Engine sent no file"));
        };
        Ok(Download { path, entry, stream, digest: Sha256::new(), rt: self.0.rt.clone() })
    }

    /// A file to write at `path` (into it, named `name`, when it is a
    /// directory), of `size` bytes if known, once the RE has accepted it.
    pub fn upload(&self, path: &str, name: &str, size: Option<u64>) -> Result<Upload, tonic::Status> {
        let (chunks, outgoing) = tokio::sync::mpsc::channel(4);
        let entry = size.map(|size| DirectoryEntry { size, ..DirectoryEntry::default() });
        let first = FileChunk { path: path.to_owned(), name: name.to_owned(), entry, ..FileChunk::default() };
        chunks.try_send(first).map_err(|_| tonic::Status::internal("cannot start the transfer"))?;
        let outgoing = tokio_stream::wrappers::ReceiverStream::new(outgoing);
        let replies = self.wait(self.0.client.clone().upload_file(outgoing))?;
        let rt = self.0.rt.clone();
        let mut upload =
            Upload { path: path.to_owned(), chunks: Some(chunks), replies, digest: Sha256::new(), rt };
        let accepted = self.0.rt.block_on(upload.replies.message())?;
        upload.path =
            accepted.ok_or_else(|| tonic::Status::aborted(format!("{path}: transfer refused")))?.path;
        Ok(upload)
    }

    pub fn stat(&self, path: &str) -> Result<FileStat, tonic::Status> {
        self.wait(self.0.client.clone().stat_file(Files::path(path)))
    }

    pub fn list(&self, path: &str) -> Result<DirectoryList, tonic::Status> {
        let request = ListFilesRequest { user: String::new(), path: path.to_owned() };
        self.wait(self.0.client.clone().list_files(request))
    }

    pub fn make_directory(&self, path: &str) -> Result<String, tonic::Status> {
        self.wait(self.0.client.clone().make_directory(Files::path(path))).map(|r| r.path)
    }

    pub fn remove(&self, path: &str) -> Result<String, tonic::Status> {
        self.wait(self.0.client.clone().delete_file(Files::path(path))).map(|r| r.path)
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<String, tonic::Status> {
        let request = RenameFileRequest { user: String::new(), from: from.to_owned(), to: to.to_owned() };
        self.wait(self.0.client.clone().rename_file(request)).map(|r| r.path)
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
