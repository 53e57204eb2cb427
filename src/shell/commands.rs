//! The handlers behind the grammar's actions.

use super::database::{Configure, Load, Rollback};
use super::pipe::Pipeline;
use super::render::ProtocolView;
use super::view::View;
use super::{AgentClient, ClientError, Engine, Failure, Session, render, state};
use crate::grammar::{Completion, Completions, Parsed};
use crate::proto::change_mastership_request::Action;
use crate::proto::edit_request::Operation;
use crate::proto::send_message_request::To;
use crate::proto::shutdown_request::Kind;
use crate::proto::{GetRouteInformationRequest, MastershipState, ProbeRequest, SwitchoverStatus};
use crate::slot::Slot;

/// Every action the operational grammar may name. A grammar action without a
/// variant here is refused at start, and a test checks the shipped grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    Activate,
    Annotate,
    Commit,
    Configure,
    Copy,
    Deactivate,
    Delete,
    Edit,
    Exit,
    FileChecksum,
    FileCopy,
    FileDelete,
    FileList,
    FileRename,
    FileShow,
    Help,
    Insert,
    Load,
    Protect,
    Unprotect,
    Login,
    MasterAcquire,
    MasterRelease,
    MasterSwitch,
    MonitorInterfaceTraffic,
    MonitorList,
    MonitorStart,
    MonitorStop,
    Quit,
    Rename,
    RequestMessage,
    Restart,
    Rollback,
    Run,
    Set,
    SetCliCompleteOnSpace,
    SetCliIdleTimeout,
    SetCliPrompt,
    SetCliScreenLength,
    SetCliScreenWidth,
    SetCliTimestamp,
    ShowChassisFpc,
    ShowChassisHardware,
    ShowInterfaces,
    ShowRoute,
    ShowRouteSummary,
    ShowRouteForwardingTable,
    ShowRouteInstance,
    ShowBridgeMacTable,
    ShowArp,
    ShowIpv6Neighbors,
    ShowLldpNeighbors,
    ShowLacpInterfaces,
    Ping,
    Traceroute,
    ShowChassisRoutingEngine,
    Show,
    ShowCli,
    ShowCliHistory,
    ShowConfiguration,
    ShowLog,
    ShowLogMastership,
    ShowSystemCommit,
    ShowSystemProcesses,
    ShowSystemReboot,
    ShowSystemSwitchover,
    ShowSystemRollback,
    ShowSystemUptime,
    ShowSystemUsers,
    ShowVersion,
    ShowVmhostSnapshot,
    Status,
    RescueDelete,
    RescueSave,
    SystemHalt,
    SystemLogout,
    ShowSystemLoginLockout,
    ClearSystemLoginLockout,
    ClearSystemCommit,
    SystemPowerOff,
    SystemReboot,
    ClearSystemReboot,
    Top,
    Up,
    VmhostSnapshot,
    WildcardDelete,
    // System and protocol state.
    ShowChassisAlarms,
    ShowChassisEnvironment,
    ShowChassisPower,
    ShowChassisFirmware,
    ShowChassisTemperatureThresholds,
    ShowSystemAlarms,
    ShowSystemStorage,
    ShowSystemMemory,
    ShowSystemDatabaseUsage,
    ShowNtpAssociations,
    ShowNtpStatus,
    ShowBgpSummary,
    ShowBgpNeighbor,
    ShowOspfNeighbor,
    ShowOspfInterface,
    ShowIsisAdjacency,
    ShowLdpNeighbor,
    ShowRsvpSession,
    ShowRsvpInterface,
    ShowTaskReplication,
}

/// What a command did: something to show, output already through its own
/// pipes (`run`), output already through the filters of the pipes given
/// (`show configuration`, filtered as the RE sent it), a display that goes
/// on, or the end of the session.
pub(super) enum Outcome {
    View(Box<dyn View>),
    Presented(String),
    Piped(String),
    Live(super::live::Live),
    Exit,
}

fn show(view: impl View + 'static) -> Result<Outcome, Failure> {
    Ok(Outcome::View(Box::new(view)))
}

impl Command {
    pub(super) fn from_action(action: &str) -> Option<Command> {
        Some(match action {
            "activate" => Command::Activate,
            "annotate" => Command::Annotate,
            "commit" => Command::Commit,
            "configure" => Command::Configure,
            "copy" => Command::Copy,
            "deactivate" => Command::Deactivate,
            "delete" => Command::Delete,
            "edit" => Command::Edit,
            "exit" => Command::Exit,
            "file-checksum" => Command::FileChecksum,
            "show-chassis-fpc" => Command::ShowChassisFpc,
            "show-interfaces" => Command::ShowInterfaces,
            "show-route" => Command::ShowRoute,
            "show-route-summary" => Command::ShowRouteSummary,
            "show-route-forwarding-table" => Command::ShowRouteForwardingTable,
            "show-route-instance" => Command::ShowRouteInstance,
            "show-bridge-mac-table" => Command::ShowBridgeMacTable,
            "show-arp" => Command::ShowArp,
            "show-ipv6-neighbors" => Command::ShowIpv6Neighbors,
            "show-lldp-neighbors" => Command::ShowLldpNeighbors,
            "show-lacp-interfaces" => Command::ShowLacpInterfaces,
            "ping" => Command::Ping,
            "traceroute" => Command::Traceroute,
            "system-halt" => Command::SystemHalt,
            "system-power-off" => Command::SystemPowerOff,
            "system-reboot" => Command::SystemReboot,
            "show-system-reboot" => Command::ShowSystemReboot,
            "show-system-switchover" => Command::ShowSystemSwitchover,
            "clear-system-reboot" => Command::ClearSystemReboot,
            "file-copy" => Command::FileCopy,
            "file-delete" => Command::FileDelete,
            "file-list" => Command::FileList,
            "file-rename" => Command::FileRename,
            "file-show" => Command::FileShow,
            "help" => Command::Help,
            "insert" => Command::Insert,
            "load" => Command::Load,
            "protect" => Command::Protect,
            "unprotect" => Command::Unprotect,
            "login" => Command::Login,
            "master-acquire" => Command::MasterAcquire,
            "master-release" => Command::MasterRelease,
            "master-switch" => Command::MasterSwitch,
            "monitor-interface-traffic" => Command::MonitorInterfaceTraffic,
            "monitor-list" => Command::MonitorList,
            "monitor-start" => Command::MonitorStart,
            "monitor-stop" => Command::MonitorStop,
            "request-message" => Command::RequestMessage,
            "set-cli-prompt" => Command::SetCliPrompt,
            "show-cli-history" => Command::ShowCliHistory,
            "quit" => Command::Quit,
            "rename" => Command::Rename,
            "restart" => Command::Restart,
            "rollback" => Command::Rollback,
            "run" => Command::Run,
            "set" => Command::Set,
            "set-cli-complete-on-space" => Command::SetCliCompleteOnSpace,
            "set-cli-idle-timeout" => Command::SetCliIdleTimeout,
            "set-cli-screen-length" => Command::SetCliScreenLength,
            "set-cli-screen-width" => Command::SetCliScreenWidth,
            "set-cli-timestamp" => Command::SetCliTimestamp,
            "show-chassis-hardware" => Command::ShowChassisHardware,
            "show-chassis-routing-engine" => Command::ShowChassisRoutingEngine,
            "show" => Command::Show,
            "show-cli" => Command::ShowCli,
            "show-configuration" => Command::ShowConfiguration,
            "show-log" => Command::ShowLog,
            "show-log-mastership" => Command::ShowLogMastership,
            "show-system-processes" => Command::ShowSystemProcesses,
            "show-vmhost-snapshot" => Command::ShowVmhostSnapshot,
            "vmhost-snapshot" => Command::VmhostSnapshot,
            "rescue-save" => Command::RescueSave,
            "rescue-delete" => Command::RescueDelete,
            "show-system-commit" => Command::ShowSystemCommit,
            "show-system-rollback" => Command::ShowSystemRollback,
            "show-system-uptime" => Command::ShowSystemUptime,
            "show-system-users" => Command::ShowSystemUsers,
            "system-logout" => Command::SystemLogout,
            "show-system-login-lockout" => Command::ShowSystemLoginLockout,
            "clear-system-login-lockout" => Command::ClearSystemLoginLockout,
            "clear-system-commit" => Command::ClearSystemCommit,
            "show-version" => Command::ShowVersion,
            "status" => Command::Status,
            "top" => Command::Top,
            "up" => Command::Up,
            "wildcard-delete" => Command::WildcardDelete,
            // System and protocol state.
            "show-chassis-alarms" => Command::ShowChassisAlarms,
            "show-chassis-environment" => Command::ShowChassisEnvironment,
            "show-chassis-power" | "show-chassis-power-detail" => Command::ShowChassisPower,
            "show-chassis-firmware" => Command::ShowChassisFirmware,
            "show-chassis-temperature-thresholds" => Command::ShowChassisTemperatureThresholds,
            "show-system-alarms" => Command::ShowSystemAlarms,
            "show-system-storage" => Command::ShowSystemStorage,
            "show-system-memory" => Command::ShowSystemMemory,
            "show-system-configuration-database-usage" => Command::ShowSystemDatabaseUsage,
            "show-ntp-associations" => Command::ShowNtpAssociations,
            "show-ntp-status" => Command::ShowNtpStatus,
            "show-bgp-summary" => Command::ShowBgpSummary,
            "show-bgp-neighbor" => Command::ShowBgpNeighbor,
            "show-ospf-neighbor" => Command::ShowOspfNeighbor,
            "show-ospf-interface" => Command::ShowOspfInterface,
            "show-isis-adjacency" => Command::ShowIsisAdjacency,
            "show-ldp-neighbor" => Command::ShowLdpNeighbor,
            "show-rsvp-session" => Command::ShowRsvpSession,
            "show-rsvp-interface" => Command::ShowRsvpInterface,
            "show-task-replication" => Command::ShowTaskReplication,
            _ => return None,
        })
    }

    pub(super) fn run(
        self,
        engine: &mut Engine,
        line: &str,
        parsed: &Parsed<'_>,
        pipeline: &Pipeline,
    ) -> Result<Outcome, Failure> {
        let number = |name: &str| parsed.arg(name).and_then(|n| n.parse::<u32>().ok());
        let in_configuration = engine.config.is_some();
        let client = &engine.session().client;
        match self {
            Command::Activate => engine.set_active(line, parsed, true),
            Command::Annotate => engine.annotate(line, parsed),
            Command::Commit => match engine.commit(&super::configure::Commit::from_parsed(parsed))? {
                result if result.failed() => Err(Failure::Text(result.text())),
                result => show(result),
            },
            Command::Configure => show(engine.configure(&Configure::from_parsed(parsed)?)?),
            Command::Copy => engine.move_entry(line, parsed, Operation::Copy),
            Command::Deactivate => engine.set_active(line, parsed, false),
            Command::Delete => engine.edit_statement(line, parsed, false),
            Command::Edit => engine.edit_level(line, parsed),
            Command::Exit | Command::Quit if in_configuration => {
                engine.exit_level(parsed.has("configuration-mode"))
            }
            Command::Exit | Command::Quit => Ok(exit(engine)),
            Command::Insert => engine.move_entry(line, parsed, Operation::InsertBefore),
            Command::Load => Ok(Outcome::View(engine.load_command(&Load::from_parsed(parsed))?)),
            Command::Protect => engine.protect(line, parsed, true),
            Command::Unprotect => engine.protect(line, parsed, false),
            Command::Rename => engine.move_entry(line, parsed, Operation::Rename),
            Command::Rollback => show(engine.rollback(Rollback::from_parsed(parsed)?)?),
            Command::Run => run(engine, line, parsed),
            Command::Set => engine.edit_statement(line, parsed, true),
            Command::Show => engine.show_candidate(line, parsed, pipeline),
            Command::ShowConfiguration => engine.show_committed(line, parsed, pipeline),
            Command::ShowSystemCommit => show(client.commit_information()?),
            Command::ClearSystemCommit => match client.clear_commit()? {
                true => show("Pending commit cleared\n".to_owned()),
                false => Err(Failure::Error("no commit is pending".into())),
            },
            Command::ShowLogMastership => show(client.mastership_log()?),
            Command::ShowLog => engine.show_log(parsed),
            Command::ShowSystemProcesses => engine.show_processes(parsed),
            Command::ShowVmhostSnapshot => show(client.snapshot()?),
            Command::RescueSave | Command::RescueDelete => {
                client.rescue(self == Command::RescueDelete)?;
                show(String::new())
            }
            Command::Restart => engine.restart(parsed),
            Command::VmhostSnapshot => engine.vmhost_snapshot(parsed),
            Command::MasterAcquire => show(change_mastership(engine, parsed, Action::Acquire)?),
            Command::MasterRelease => show(change_mastership(engine, parsed, Action::Release)?),
            Command::MasterSwitch if parsed.has("check") => show(switch_check(&client.switchover()?)),
            Command::MasterSwitch => show(change_mastership(engine, parsed, Action::Switch)?),
            Command::ShowSystemRollback => engine.show_rollback(parsed),
            Command::Status => engine.status(),
            Command::Top => engine.move_up(None),
            Command::Up => engine.move_up(Some(number("levels").unwrap_or(1) as usize)),
            Command::WildcardDelete => engine.wildcard_delete(line, parsed),
            Command::FileChecksum => show(file_checksum(engine, parsed)?),
            Command::SystemHalt => engine.system_shutdown(parsed, Kind::Halt),
            Command::SystemPowerOff => engine.system_shutdown(parsed, Kind::PowerOff),
            Command::SystemReboot => engine.system_shutdown(parsed, Kind::Reboot),
            Command::ShowSystemReboot => engine.show_shutdown(),
            Command::ShowSystemSwitchover => show(show_switchover(client.switchover()?)?),
            Command::ClearSystemReboot => engine.clear_shutdown(parsed),
            Command::FileCopy => {
                let (source, destination) =
                    (parsed.arg("source").unwrap_or(""), parsed.arg("destination").unwrap_or(""));
                let (client, user) = (client.clone(), engine.user.clone());
                engine.busy_with(&format!("Copying {source}"), || {
                    client.copy_file(&user, source, destination)
                })?;
                show(String::new())
            }
            Command::FileDelete => {
                let (client, path) = engine.file_client(parsed.arg("path").unwrap_or(""))?;
                client.delete_file(&engine.user, path)?;
                show(String::new())
            }
            Command::FileList => {
                let (client, path) = engine.file_client(parsed.arg("path").unwrap_or(""))?;
                let list = client.list_files(&engine.user, path)?;
                if parsed.has("detail") {
                    Ok(Outcome::View(Box::new(render::Detailed(list))))
                } else {
                    show(list)
                }
            }
            Command::FileRename => {
                let (client, source) = engine.file_client(parsed.arg("source").unwrap_or(""))?;
                client.rename_file(&engine.user, source, parsed.arg("destination").unwrap_or(""))?;
                show(String::new())
            }
            Command::FileShow => {
                let (client, path) = engine.file_client(parsed.arg("filename").unwrap_or(""))?;
                show(client.read_file(&engine.user, path)?)
            }
            Command::Help => show(help(engine, parsed)),
            Command::Login => show(login(engine, parsed)?),
            Command::ShowChassisHardware => show(client.chassis_inventory()?),
            Command::ShowChassisFpc if parsed.has("detail") => {
                show(render::FpcDetail(client.fpc_information()?))
            }
            Command::ShowChassisFpc => show(client.fpc_information()?),
            Command::ShowInterfaces => {
                let name = parsed.arg("interface-name").unwrap_or_default();
                let style = render::interfaces::Style::from_options(|o| parsed.has(o));
                let info = client.interface_information(name)?;
                show(render::interfaces::Interfaces { info, style, logical: name.contains('.') })
            }
            Command::ShowRoute => {
                let request = GetRouteInformationRequest {
                    destination: parsed.arg("destination").unwrap_or_default().into(),
                    exact: parsed.has("exact"),
                    longer: parsed.has("longer"),
                    table: parsed.arg("table").unwrap_or_default().into(),
                    protocol: parsed.arg("protocol").unwrap_or_default().into(),
                };
                let style = render::routes::Style::from_options(|o| parsed.has(o));
                show(render::routes::Routes { info: client.route_information(request)?, style })
            }
            Command::ShowRouteSummary => {
                let request = GetRouteInformationRequest {
                    table: parsed.arg("table").unwrap_or_default().into(),
                    ..GetRouteInformationRequest::default()
                };
                show(render::routes::Summary(client.route_information(request)?))
            }
            Command::ShowRouteInstance => show(render::routes::Instances {
                info: client.route_information(GetRouteInformationRequest::default())?,
                name: parsed.arg("instance-name").map(str::to_owned),
                detail: parsed.has("detail"),
            }),
            Command::ShowBridgeMacTable => {
                // The master's forwarding plane learns MACs; a backup runs no l2ald.
                if engine.mastership() != MastershipState::Master {
                    return Err(Failure::Error("the l2-learning subsystem is not running".into()));
                }
                show(render::neighbors::BridgeMacTable { count: parsed.has("count") })
            }
            Command::ShowRouteForwardingTable => {
                let request = GetRouteInformationRequest {
                    table: parsed.arg("table").unwrap_or_default().into(),
                    ..GetRouteInformationRequest::default()
                };
                show(render::routes::ForwardingTable(client.route_information(request)?))
            }
            Command::ShowArp => show(render::neighbors::Arp {
                entries: client.neighbors()?.arp,
                resolve: !parsed.has("no-resolve"),
                expiration: parsed.has("expiration-time"),
            }),
            Command::ShowIpv6Neighbors => show(render::neighbors::Ndp(client.neighbors()?.nd)),
            Command::ShowLldpNeighbors => show(render::neighbors::Lldp(client.neighbors()?.lldp)),
            Command::ShowLacpInterfaces => {
                let mut info = client.interface_information("")?;
                if let Some(name) = parsed.arg("interface-name") {
                    info.interfaces.retain(|i| i.name == name || i.bundle == name);
                }
                show(render::interfaces::Lacp(info))
            }
            Command::Ping | Command::Traceroute => {
                let host = parsed.arg("host").unwrap_or_default().to_owned();
                let request = ProbeRequest {
                    destination: host.clone(),
                    source: parsed.arg("source").unwrap_or_default().into(),
                    routing_instance: parsed.arg("routing-instance").unwrap_or_default().into(),
                };
                let reply = client.probe(request)?;
                if self == Command::Traceroute {
                    return show(render::neighbors::Traceroute { host, reply });
                }
                let count = number("count").unwrap_or(5);
                show(render::neighbors::Ping { host, count, rapid: parsed.has("rapid"), reply })
            }
            Command::ShowChassisRoutingEngine => show(client.route_engine_information(number("slot"))?),
            Command::ShowSystemUptime => {
                state::on_routing_engines(engine, parsed, AgentClient::system_uptime_information)
            }
            Command::ShowSystemUsers => state::on_routing_engines(engine, parsed, AgentClient::users),
            Command::SystemLogout => {
                client.logout(parsed.arg("user").unwrap_or(""))?;
                show(String::new())
            }
            Command::ShowSystemLoginLockout => show(client.lockouts()?),
            Command::ClearSystemLoginLockout => {
                client.clear_lockout(parsed.arg("user"))?;
                show(String::new())
            }
            Command::ShowVersion => {
                state::on_routing_engines(engine, parsed, AgentClient::software_information)
            }
            Command::ShowCli => show(engine.settings.show(engine.terminal)),
            Command::ShowCliHistory => show(engine.history.show(number("count").map(|n| n as usize))),
            Command::SetCliPrompt => {
                engine.settings.prompt = Some(parsed.arg("prompt").unwrap_or_default().to_owned());
                show(String::new())
            }
            Command::RequestMessage => {
                let text = parsed.arg("text").unwrap_or_default();
                let to = match (parsed.arg("user"), parsed.arg("terminal")) {
                    (Some(user), _) => To::User(user.to_owned()),
                    (None, Some(terminal)) => To::Terminal(terminal.to_owned()),
                    (None, None) => To::All(true),
                };
                client.send_message(to, text)?;
                show(String::new())
            }
            Command::MonitorStart => engine.monitor_start(parsed.arg("filename").unwrap_or_default()),
            Command::MonitorStop => {
                let file = parsed.arg("filename");
                engine.monitors.retain(|m| file.is_some_and(|f| f != m.file));
                show(String::new())
            }
            Command::MonitorList => show(engine.monitor_list()),
            Command::MonitorInterfaceTraffic => Ok(Outcome::Live(super::live::Live {
                every: std::time::Duration::from_secs(1),
                what: super::live::Watched::Traffic(std::time::Instant::now()),
            })),
            Command::SetCliCompleteOnSpace => {
                let on = parsed.has("on");
                engine.settings.complete_on_space = on;
                show(format!("{} complete-on-space\n", if on { "Enabling" } else { "Disabling" }))
            }
            Command::SetCliIdleTimeout => {
                let minutes = number("minutes").filter(|&m| m > 0);
                engine.settings.idle_timeout = minutes;
                show(match minutes {
                    Some(m) => format!("Idle timeout set to {m} minutes\n"),
                    None => "Idle timeout disabled\n".to_owned(),
                })
            }
            Command::SetCliScreenLength => {
                let length = number("length").unwrap_or(0);
                engine.settings.screen_length = Some(length);
                show(format!("Screen length set to {length}\n"))
            }
            Command::SetCliScreenWidth => {
                let width = number("width").unwrap_or(0);
                engine.settings.screen_width = Some(width);
                show(format!("Screen width set to {width}\n"))
            }
            Command::SetCliTimestamp => {
                let on = !parsed.has("disable");
                engine.settings.timestamp = on;
                show(
                    if on { "CLI timestamp set to: %b %d %T\n" } else { "CLI timestamp disabled\n" }
                        .to_owned(),
                )
            }
            // System and protocol state.
            Command::ShowChassisAlarms => show(client.alarms(false)?),
            Command::ShowChassisEnvironment => show(client.environment()?),
            Command::ShowChassisPower => show(render::environment::Power {
                info: client.environment()?,
                detail: parsed.action == "show-chassis-power-detail",
            }),
            Command::ShowChassisFirmware => show(client.firmware()?),
            Command::ShowChassisTemperatureThresholds => show(client.temperature_thresholds()?),
            Command::ShowSystemAlarms => state::on_routing_engines(engine, parsed, |c| c.alarms(true)),
            Command::ShowSystemStorage => {
                state::on_routing_engines(engine, parsed, AgentClient::system_storage)
            }
            Command::ShowSystemMemory => {
                state::on_routing_engines(engine, parsed, |c| c.system_memory().map(render::SystemMemory))
            }
            Command::ShowSystemDatabaseUsage => show(client.database_usage()?),
            Command::ShowNtpAssociations => show(render::NtpAssociations(client.ntp()?)),
            Command::ShowNtpStatus => show(render::NtpStatus(client.ntp()?)),
            Command::ShowBgpSummary => state::protocols(engine, parsed, ProtocolView::BgpSummary),
            Command::ShowBgpNeighbor => {
                let address = parsed.arg("neighbor-address").map(str::to_owned);
                state::protocols(engine, parsed, ProtocolView::BgpNeighbor(address))
            }
            Command::ShowOspfNeighbor => state::protocols(engine, parsed, ProtocolView::OspfNeighbor),
            Command::ShowOspfInterface => state::protocols(engine, parsed, ProtocolView::OspfInterface),
            Command::ShowIsisAdjacency => state::protocols(engine, parsed, ProtocolView::IsisAdjacency),
            Command::ShowLdpNeighbor => state::protocols(engine, parsed, ProtocolView::LdpNeighbor),
            Command::ShowRsvpSession => state::protocols(engine, parsed, ProtocolView::RsvpSession),
            Command::ShowRsvpInterface => state::protocols(engine, parsed, ProtocolView::RsvpInterface),
            Command::ShowTaskReplication => state::protocols(engine, parsed, ProtocolView::TaskReplication),
        }
    }
}

/// `run COMMAND`: an operational command from configuration mode. The rest
/// of the line, pipes included, is that command's, and goes through them once.
fn run(engine: &mut Engine, line: &str, parsed: &Parsed<'_>) -> Result<Outcome, Failure> {
    let start = parsed.path.first().map_or(line.len(), |t| t.start);
    let mode = engine.config.take();
    let reply = engine.execute(&line[start..]);
    engine.config = mode;
    match reply.failure {
        Some(Failure::Parse(e)) => Err(Failure::Parse(e.shifted(line[..start].chars().count()))),
        Some(failure) => Err(failure),
        None => Ok(Outcome::Presented(reply.output)),
    }
}

/// `request chassis routing-engine master acquire [force]|release|switch [no-confirm]`.
fn change_mastership(engine: &mut Engine, parsed: &Parsed<'_>, action: Action) -> Result<String, Failure> {
    const WARNING: &str = "Traffic will be interrupted while the PFE is re-initialized";
    let graceful = engine.identity().graceful_switchover;
    let (before, question) = match action {
        Action::Acquire => {
            (format!("warning: {WARNING}\n"), "Attempt to become the master routing engine ? [yes,no] (no)")
        }
        Action::Release => {
            (format!("{WARNING}\n"), "Request the other routing engine become master ? [yes,no] (no)")
        }
        Action::Switch => {
            (format!("warning: {WARNING}\n"), "Toggle mastership between routing engines ? [yes,no] (no)")
        }
    };
    // Graceful switchover keeps the forwarding plane: no warning then.
    let before = if graceful { String::new() } else { before };
    if !parsed.has("no-confirm") && !engine.ask(&before, question, false) {
        return Ok(String::new());
    }
    let was_master = engine.identity().mastership_state == crate::proto::MastershipState::Master as i32;
    let master = engine.session().client.change_mastership(action, parsed.has("force"))?;
    let result = match (was_master, master) {
        (false, true) => "Complete. The local routing engine becomes the master.",
        (true, false) => "Complete. The other routing engine becomes the master.",
        (true, true) => {
            "Failed. The other routing engine did not answer; the local routing engine remains the master."
        }
        (false, false) => {
            "Failed. The other routing engine did not give up mastership; the local routing engine remains backup."
        }
    };
    Ok(format!("\nResolving mastership...\n{result}\n"))
}

/// `exit`/`quit`: back to the RE logged in from, or out of the shell.
fn exit(engine: &mut Engine) -> Outcome {
    if engine.sessions.len() > 1 {
        engine.sessions.pop();
        engine.bulletin.leave();
        return Outcome::View(Box::new("rlogin: connection closed\n".to_owned()));
    }
    Outcome::Exit
}

/// `request routing-engine login (other-routing-engine | re0 | re1)`.
fn login(engine: &mut Engine, parsed: &Parsed<'_>) -> Result<String, Failure> {
    let current =
        engine.current_slot().ok_or_else(|| Failure::Error("unknown Routing Engine slot".into()))?;
    let target = if parsed.has("re0") {
        Slot::RE0
    } else if parsed.has("re1") {
        Slot::RE1
    } else {
        current.other()
    };
    if target == current {
        return Err(Failure::Error(format!("already logged in to {target}")));
    }
    let session: Session = engine
        .other_client(target)
        .and_then(|client| {
            Engine::open(
                client,
                engine.credentials.terminal.as_deref(),
                (&engine.bulletin, &engine.interrupt),
            )
        })
        .map_err(|e| Failure::Error(format!("could not connect to {target} : {}", unreachable_reason(&e))))?;
    engine.sessions.push(session);
    Ok(format!("\n{}\n", engine.banner()?))
}

/// `show system switchover`, on the backup: what it holds of the master's state.
fn show_switchover(status: SwitchoverStatus) -> Result<render::Switchover, Failure> {
    if status.state == MastershipState::Master as i32 {
        return Err(Failure::Error(
            "Aborted! This command can only be used on the backup routing engine.".into(),
        ));
    }
    Ok(render::Switchover(status))
}

/// `request chassis routing-engine master switch check`: `Switchover Ready`, or why not.
fn switch_check(status: &SwitchoverStatus) -> String {
    let master = status.state == MastershipState::Master as i32;
    let why = if !status.graceful_switchover {
        Some("graceful switchover is not configured".to_owned())
    } else if !status.peer_steady {
        Some(
            if master { "the other routing engine is not present" } else { "the master is not heard" }
                .to_owned(),
        )
    } else if !master && !status.kernel_ready {
        Some("the master's state has not been received".to_owned())
    } else if status.switch_wait > 0 {
        Some(format!("Not ready for mastership switch, try after {} secs.", status.switch_wait))
    } else {
        None
    };
    match why {
        None => "Switchover Ready\n".into(),
        Some(why) => format!("Switchover Not Ready: {why}\n"),
    }
}

/// `file checksum md5|sha-256 FILE`: `MD5 (/var/tmp/x) = ...`.
fn file_checksum(engine: &Engine, parsed: &Parsed<'_>) -> Result<render::Checksum, Failure> {
    let algorithm = if parsed.has("md5") { "md5" } else { "sha-256" };
    let (client, path) = engine.file_client(parsed.arg("path").unwrap_or(""))?;
    let sum = client.checksum_file(&engine.user, path, algorithm)?;
    Ok(render::Checksum { algorithm, path: sum.path, digest: sum.digest })
}

impl Engine {
    /// The RE a file argument names (`re1:/var/tmp/x`), and its path there.
    pub(super) fn file_client<'a>(&self, spec: &'a str) -> Result<(AgentClient, &'a str), Failure> {
        let Some((slot, path)) = spec.split_once(':').and_then(|(s, p)| Some((s.parse::<Slot>().ok()?, p)))
        else {
            return Ok((self.session().client.clone(), spec));
        };
        if Some(slot) == self.current_slot() {
            return Ok((self.session().client.clone(), path));
        }
        Ok((self.other_client(slot)?, path))
    }

    /// A client of the RE in `slot`, logged in on the word of the current
    /// one: the chassis trusts its own REs, so no password is asked again.
    pub(super) fn other_client(&self, slot: Slot) -> Result<AgentClient, ClientError> {
        let address = self.address_of(slot);
        let mut client = AgentClient::new(self.rt.clone(), &address, self.tls.as_ref())?;
        client.set_interrupt(&self.interrupt);
        match self.session().client.login_other() {
            Ok(granted) => client.use_login(granted)?,
            // With the current RE (or its link to the other) gone there is
            // nobody to vouch: the user logs in again, as they would at the
            // other RE's console.
            Err(ClientError::Unreachable { .. }) => client.login(&self.credentials)?,
            Err(e) => return Err(e),
        };
        Ok(client)
    }

    /// Where an RE's agent is: as the shell was told, or, told only one
    /// address, as this RE knows its peer.
    fn address_of(&self, slot: Slot) -> String {
        match self.addresses.get(slot) {
            Some(address) => address.to_owned(),
            None => self.identity().peer_address.clone(),
        }
    }
}

fn unreachable_reason(e: &super::ClientError) -> String {
    match e {
        super::ClientError::Unreachable { reason, .. } => reason.clone(),
        super::ClientError::Interrupted => e.to_string(),
        super::ClientError::Refused(message) | super::ClientError::Unauthenticated(message) => {
            message.clone()
        }
    }
}

/// `help`: the top-level commands; `help apropos STRING`: every command whose
/// words or help mention STRING.
fn help(engine: &Engine, parsed: &Parsed<'_>) -> String {
    let grammar = &engine.language().commands;
    let items: Vec<Completion> = match parsed.arg("string") {
        Some(wanted) => {
            let wanted = wanted.to_lowercase();
            grammar
                .commands()
                .into_iter()
                .filter(|(path, help)| {
                    path.to_lowercase().contains(&wanted) || help.to_lowercase().contains(&wanted)
                })
                .map(|(path, help)| Completion::new(path, help))
                .collect()
        }
        None => grammar
            .roots()
            .iter()
            .map(|&id| grammar.node(id))
            .map(|n| Completion::new(n.name.clone(), n.help.clone()))
            .collect(),
    };
    if items.is_empty() {
        return "No matching commands\n".into();
    }
    render::completions(&Completions { items, ..Completions::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::Grammar;

    #[test]
    fn every_action_of_the_shipped_grammars_has_a_handler() {
        for grammar in [Grammar::operational().unwrap(), Grammar::configuration().unwrap()] {
            for action in grammar.actions() {
                assert!(Command::from_action(action).is_some(), "no handler for {action}");
            }
        }
    }
}
