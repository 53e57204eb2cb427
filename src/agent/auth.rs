//! Who may ask this agent what. Anyone who reaches its port could skip the
//! shell, so every call is checked here, in one layer in front of all the
//! services: a login hands out a token, every other call carries it, and each
//! RPC needs a permission flag of the caller's class; a call the table below
//! does not name is refused. The other Routing Engine proves itself with the
//! chassis secret instead.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tonic::Status;
use tonic::metadata::AsciiMetadataValue;

use super::gate::Link;
use crate::config::tree::Node;
use crate::permissions::{self, Permission, Permissions};

/// The metadata entry a logged-in caller's token travels in.
pub const TOKEN_KEY: &str = "reshell-token";
/// The metadata entry carrying the chassis secret between the REs.
pub const CHASSIS_KEY: &str = "reshell-chassis";

/// Calls one session may make in a second: far above what a person or a
/// script on the per-line path makes, low enough that one runaway client
/// cannot starve the others.
pub const REQUESTS_PER_SECOND: u32 = 100_000;

/// Logins kept at once; beyond it the longest-idle one that no session
/// holds is forgotten.
const MAX_LOGINS: usize = 1024;

/// How long a login no CLI session holds lasts without a call, when its
/// class sets no `idle-timeout`: a script's token, or one that leaked, is
/// worthless an hour after its last use.
pub const IDLE_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// How long a login no CLI session holds lasts at most, however busy. A
/// session's own login is not cut by it: it ends with the session (logout,
/// `idle-timeout`, disconnection), so an active session never loses its
/// login in the middle of a command.
pub const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// What a refused, ended login is told.
const ENDED: &str = "login required: the session has ended";

/// A class's `idle-timeout`, looked up when a login is issued.
/// `system login class CLASS idle-timeout` (minutes; 0 or absent: none).
pub fn idle_timeout(config: &Node, class: &str) -> Option<Duration> {
    let minutes = config.descend(["system", "login", "class", class, "idle-timeout"])?.values.first()?;
    let minutes: u64 = minutes.parse().ok().filter(|m| *m > 0)?;
    Some(Duration::from_secs(minutes * 60))
}

/// Who is calling, as the layer found them; handlers read it from the
/// request's extensions.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: String,
    pub class: String,
    pub permissions: Permissions,
    /// The client's address, `-` where unknown.
    pub from: String,
    /// Set for a logged-in user, not for the other RE.
    pub token: Option<Arc<str>>,
}

impl Principal {
    /// The other Routing Engine: trusted with everything, acting for
    /// whichever user it names.
    fn chassis() -> Principal {
        Principal {
            user: "root".into(),
            class: "super-user".into(),
            permissions: Permissions::of([Permission::All]),
            from: "-".into(),
            token: None,
        }
    }

    pub fn is_chassis(&self) -> bool {
        self.token.is_none()
    }
}

/// The user a request acts for: the caller, or, when the other RE calls on
/// a user's behalf, the user it names.
pub fn user_of<T>(request: &tonic::Request<T>, named: &str) -> String {
    match request.extensions().get::<Arc<Principal>>() {
        Some(p) if !p.is_chassis() => p.user.clone(),
        _ => named.to_owned(),
    }
}

pub fn principal_of<T>(request: &tonic::Request<T>) -> Option<Arc<Principal>> {
    request.extensions().get::<Arc<Principal>>().cloned()
}

/// What an RPC needs: any one of these flags (none: a login is enough).
/// `None` for a call only the other RE may make, or one not known here.
fn required(path: &str) -> Option<&'static [Permission]> {
    use Permission::*;
    let (service, method) = path.trim_start_matches('/').split_once('/')?;
    let needs: &'static [Permission] = match (service, method) {
        ("reshell.v1.RoutingEngine", method) => match method {
            "GetIdentity" | "GetSoftwareInformation" | "Attach" | "LoginOther" => &[],
            "GetRouteEngineInformation"
            | "GetChassisInventory"
            | "GetSystemUptimeInformation"
            | "ListFiles"
            | "ReadFile"
            | "ChecksumFile"
            | "DownloadFile"
            | "StatFile"
            | "GetMastershipLog"
            | "GetFpcInformation"
            | "GetInterfaceInformation"
            | "GetRouteInformation"
            | "GetSwitchover"
            | "GetShutdown"
            | "GetProcesses"
            | "GetSnapshot"
            | "GetUsers"
            | "GetLockouts"
            | "MonitorFile"
            | "GetNeighbors" => &[View],
            "Probe" => &[Network],
            // System and protocol state.
            "GetEnvironment"
            | "GetFirmware"
            | "GetAlarms"
            | "GetSystemStorage"
            | "GetSystemMemory"
            | "GetDatabaseUsage"
            | "GetNtp"
            | "GetProtocols"
            | "GetTemperatureThresholds" => &[View],
            // Junos: a read-only class cannot save, nor change files.
            "SaveFile" | "DeleteFile" | "RenameFile" | "CopyFile" | "UploadFile" | "MakeDirectory"
            | "ChangeMastership" | "TakeSnapshot" | "RecoverSnapshot" | "Logout" => &[Maintenance],
            // Writing on other users' terminals is an operator's act, as `wall` is root's.
            "SendMessage" => &[Maintenance],
            "Shutdown" | "ClearShutdown" => &[Maintenance, Reboot],
            "RestartProcess" => &[Reset],
            "ClearLockout" => &[Clear],
            _ => return None,
        },
        ("reshell.v1.Configuration", method) => match method {
            "Close" => &[],
            "GetConfiguration" | "ShowConfiguration" | "GetStatus" | "Compare" | "GetCommitInformation" => {
                &[View, Configure]
            }
            "Open" | "SetLevel" | "Edit" | "EditStretch" | "Commit" | "Rollback" | "Load" | "ClearCommit" => {
                &[Configure]
            }
            "Rescue" => &[Maintenance],
            _ => return None,
        },
        ("reshell.v1.Fault", "Inject") => &[All],
        _ => return None,
    };
    Some(needs)
}

const LOGIN_PATH: &str = "/reshell.v1.Authentication/Login";

/// Marks the reply to a login that was granted, for the layer that stops
/// counting the connection as not logged in.
#[derive(Debug, Clone, Copy)]
pub struct LoginGranted;

/// The secret both REs of a chassis share, made once at the first start.
#[derive(Clone)]
pub struct ChassisSecret(Arc<str>);

impl ChassisSecret {
    /// Reads the secret at `path`, or makes it (readable by its owner only).
    /// Two agents starting together agree: the file appears whole or not at all.
    pub fn open_or_create(path: &Path) -> anyhow::Result<ChassisSecret> {
        if let Some(secret) = ChassisSecret::read(path)? {
            return Ok(secret);
        }
        crate::durable::create_private_once(path, random_hex(32)?.as_bytes())
            .with_context(|| format!("cannot create {}", path.display()))?;
        ChassisSecret::read(path)?.with_context(|| format!("{} vanished", path.display()))
    }

    /// Reads the secret at `path`, if there is one.
    pub fn read(path: &Path) -> anyhow::Result<Option<ChassisSecret>> {
        match std::fs::read_to_string(path) {
            Ok(text) if text.trim().len() >= 32 => Ok(Some(ChassisSecret(text.trim().into()))),
            Ok(_) => anyhow::bail!("{} holds no chassis secret", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn matches(&self, presented: &[u8]) -> bool {
        let ours = self.0.as_bytes();
        // Compared in full whatever differs, so the time taken tells nothing.
        ours.len() == presented.len()
            && ours.iter().zip(presented).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    /// What a login at the console presents.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What a client of the other RE sends with every call.
    pub fn credential(&self) -> ChassisCredential {
        ChassisCredential(self.0.parse().ok())
    }
}

/// Adds the chassis secret to each call (a tonic interceptor).
#[derive(Clone)]
pub struct ChassisCredential(Option<AsciiMetadataValue>);

impl tonic::service::Interceptor for ChassisCredential {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert(CHASSIS_KEY, value.clone());
        }
        Ok(request)
    }
}

pub fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// One login: who, how busy, and how long it may last.
struct Entry {
    principal: Arc<Principal>,
    issued: Instant,
    last_used: Instant,
    /// The class's `idle-timeout`.
    idle_timeout: Option<Duration>,
    /// Held by a CLI session's stream: never forgotten while it lasts.
    attached: bool,
    window: Instant,
    calls: u32,
}

impl Entry {
    /// Whether the login is over at `now`: idle past its class's
    /// `idle-timeout`, or, when no session holds it, idle past
    /// [`IDLE_LIFETIME`] or older than [`ABSOLUTE_LIFETIME`].
    fn ended(&self, now: Instant) -> bool {
        let idle = now.saturating_duration_since(self.last_used);
        if let Some(limit) = self.idle_timeout
            && idle > limit
        {
            return true;
        }
        !self.attached
            && (idle > IDLE_LIFETIME || now.saturating_duration_since(self.issued) > ABSOLUTE_LIFETIME)
    }
}

/// The logins this agent handed out, and the check every call passes.
pub struct Authority {
    secret: ChassisSecret,
    logins: Mutex<HashMap<Arc<str>, Entry>>,
}

impl Authority {
    pub fn new(secret: ChassisSecret) -> Authority {
        Authority { secret, logins: Mutex::default() }
    }

    fn logins(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Entry>> {
        self.logins.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new login for `principal`; its token.
    pub fn issue(
        &self,
        mut principal: Principal,
        idle_timeout: Option<Duration>,
    ) -> Result<Arc<str>, Status> {
        let token: Arc<str> =
            random_hex(16).map_err(|e| Status::internal(format!("cannot make a token: {e}")))?.into();
        principal.token = Some(token.clone());
        let now = Instant::now();
        let mut logins = self.logins();
        if logins.len() >= MAX_LOGINS {
            let idlest = logins.iter().filter(|(_, e)| !e.attached).min_by_key(|(_, e)| e.last_used);
            match idlest.map(|(token, _)| token.clone()) {
                Some(token) => {
                    logins.remove(&token);
                }
                None => return Err(Status::resource_exhausted(format!("too many logins ({MAX_LOGINS})"))),
            }
        }
        let entry = Entry {
            principal: Arc::new(principal),
            issued: now,
            last_used: now,
            idle_timeout,
            attached: false,
            window: now,
            calls: 0,
        };
        logins.insert(token.clone(), entry);
        Ok(token)
    }

    /// Whether a login at the console presented this chassis's secret.
    pub fn is_chassis_secret(&self, presented: &str) -> bool {
        self.secret.matches(presented.as_bytes())
    }

    pub fn revoke(&self, token: &str) {
        self.logins().remove(token);
    }

    /// A CLI session now holds the login.
    pub fn attach(&self, token: &str) {
        if let Some(entry) = self.logins().get_mut(token) {
            entry.attached = true;
        }
    }

    /// Seconds since the login made a call.
    pub fn idle_seconds(&self, token: &str) -> u64 {
        self.logins().get(token).map_or(0, |e| e.last_used.elapsed().as_secs())
    }

    /// The check in front of every call: who the caller is (nobody yet for
    /// a login), or why the call is refused.
    pub fn admit(&self, path: &str, headers: &http::HeaderMap) -> Result<Option<Arc<Principal>>, Status> {
        self.admit_at(path, headers, Instant::now())
    }

    fn admit_at(
        &self,
        path: &str,
        headers: &http::HeaderMap,
        now: Instant,
    ) -> Result<Option<Arc<Principal>>, Status> {
        if path == LOGIN_PATH {
            return Ok(None);
        }
        if let Some(presented) = headers.get(CHASSIS_KEY) {
            if self.secret.matches(presented.as_bytes()) {
                return Ok(Some(Arc::new(Principal::chassis())));
            }
            return Err(Status::unauthenticated("the chassis secret does not match"));
        }
        let Some(token) = headers.get(TOKEN_KEY).and_then(|v| v.to_str().ok()) else {
            return Err(Status::unauthenticated("login required"));
        };
        let mut logins = self.logins();
        let Some(entry) = logins.get_mut(token) else {
            return Err(Status::unauthenticated(ENDED));
        };
        if entry.ended(now) {
            logins.remove(token);
            return Err(Status::unauthenticated(ENDED));
        }
        entry.last_used = now;
        if now.duration_since(entry.window).as_secs() >= 1 {
            entry.window = now;
            entry.calls = 0;
        }
        entry.calls += 1;
        if entry.calls > REQUESTS_PER_SECOND {
            return Err(Status::resource_exhausted(format!(
                "too many requests: at most {REQUESTS_PER_SECOND} a second per session"
            )));
        }
        let allowed = required(path).is_some_and(|needs| entry.principal.permissions.allows_any(needs));
        if !allowed {
            return Err(Status::permission_denied("permission denied"));
        }
        Ok(Some(Arc::clone(&entry.principal)))
    }
}

/// A client's address as `show system users` gives it.
pub fn from_text(from: Option<std::net::SocketAddr>) -> String {
    from.map_or_else(|| "-".to_owned(), |a| a.ip().to_string())
}

/// Why a login fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("password required")]
    PasswordRequired,
    #[error("login incorrect")]
    Incorrect,
    #[error(
        "login refused: no password is configured yet; at the chassis's console, set \
         system root-authentication or a system login user with authentication"
    )]
    NoCredentials,
}

/// What the committed configuration says of one login name: read under the
/// configuration lock, checked against the password after it is released
/// (a crypt check takes milliseconds, and commits should not wait on it).
#[derive(Debug)]
pub enum Account {
    /// At the console: no password asked, as the user named.
    Console { class: String, permissions: Option<Permissions> },
    /// A name that needs a password: its hash and class, where known.
    Password { hash: Option<String>, class: String, permissions: Option<Permissions> },
}

/// The account `user` logs in to. At the console that is the configured
/// user of that name, or a super-user (the OS user who owns the chassis);
/// from anywhere else a password is needed, and nobody gets in before one
/// is configured.
pub fn account(config: &Node, user: &str, console: bool) -> Result<Account, LoginError> {
    let configured = config.descend(["system", "login", "user", user]);
    let first = |node: Option<&Node>| node.and_then(|n| n.values.first().map(|v| v.to_string()));
    let class_of = |account: &Node| first(account.descend(["class"])).unwrap_or_default();
    if console {
        let class = match configured {
            Some(account) if user != "root" => class_of(account),
            _ => "super-user".to_owned(),
        };
        return Ok(Account::Console { permissions: class_permissions(config, &class), class });
    }
    if !has_credentials(config) {
        return Err(LoginError::NoCredentials);
    }
    let (hash, class) = if user == "root" {
        (password_hash(config.descend(["system", "root-authentication"])), "super-user".to_owned())
    } else {
        match configured {
            // An unknown name still owes a password: nothing tells it apart.
            None => (None, String::new()),
            Some(account) => (password_hash(account.descend(["authentication"])), class_of(account)),
        }
    };
    let permissions = class_permissions(config, &class);
    Ok(Account::Password { hash, class, permissions })
}

/// The SHA-256 of the root password hash that earlier versions shipped in
/// their factory default. A state dir made then still holds it, and it
/// must open nothing: its password is known to whoever read the source.
const SHIPPED_ROOT_HASH_SHA256: &str = "4089cf25b0014f49da42d2c7d0a94d1a164f59111ee3fe0fd70d9d844040988f";

fn was_shipped(hash: &str) -> bool {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(hash.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect::<String>() == SHIPPED_ROOT_HASH_SHA256
}

/// Whether `system root-authentication` holds the hash earlier versions
/// shipped, which opens nothing: the operator is told to set a password.
pub fn holds_shipped_password(config: &Node) -> bool {
    config
        .descend(["system", "root-authentication", "encrypted-password"])
        .and_then(|n| n.values.first())
        .is_some_and(|hash| was_shipped(hash))
}

/// The password hash an `authentication` or `root-authentication` holds,
/// unless it is the one that shipped.
fn password_hash(auth: Option<&Node>) -> Option<String> {
    let hash = auth?.descend(["encrypted-password"])?.values.first()?;
    (!was_shipped(hash)).then(|| hash.to_string())
}

/// Whether anyone can log in from outside: a root password, or a user with
/// one (any other authentication statement, a key say, counts as well).
pub fn has_credentials(config: &Node) -> bool {
    let opens = |auth: Option<&Node>| {
        password_hash(auth).is_some()
            || auth.is_some_and(|a| a.children.keys().any(|k| k != "encrypted-password"))
    };
    opens(config.descend(["system", "root-authentication"]))
        || config
            .descend(["system", "login", "user"])
            .is_some_and(|users| users.children.values().any(|u| opens(u.descend(["authentication"]))))
}

impl Account {
    /// The class and its flags if `password` opens the account. An account
    /// without a hash is checked against a stand-in all the same, so the
    /// time a refusal takes tells nothing of which names exist.
    pub fn check(self, password: Option<&str>) -> Result<(String, Permissions), LoginError> {
        let (hash, class, permissions) = match self {
            Account::Console { class, permissions } => {
                return permissions.map(|p| (class, p)).ok_or(LoginError::Incorrect);
            }
            Account::Password { hash, class, permissions } => (hash, class, permissions),
        };
        let Some(password) = password else { return Err(LoginError::PasswordRequired) };
        let matches = match hash.as_deref() {
            Some(hash) if hash.starts_with("$6$") => sha_crypt::sha512_check(password, hash).is_ok(),
            Some(hash) if hash.starts_with("$5$") => sha_crypt::sha256_check(password, hash).is_ok(),
            _ => {
                let _ = sha_crypt::sha512_check(password, stand_in_hash());
                false
            }
        };
        match (matches, permissions) {
            (true, Some(permissions)) => Ok((class, permissions)),
            _ => Err(LoginError::Incorrect),
        }
    }
}

/// A hash of a random password with the default rounds, made once per
/// process: what a name without a password is checked against.
fn stand_in_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let password = random_hex(16).unwrap_or_default();
        sha_crypt::sha512_simple(&password, &sha_crypt::Sha512Params::default()).unwrap_or_default()
    })
}

/// A class's flags: predefined, or from `system login class NAME permissions`.
pub fn class_permissions(config: &Node, class: &str) -> Option<Permissions> {
    if let Some(p) = permissions::predefined(class) {
        return Some(p);
    }
    let defined = config.descend(["system", "login", "class", class])?;
    let flags = defined.descend(["permissions"]).map(|p| p.values.clone()).unwrap_or_default();
    Some(Permissions::parse(flags.iter().map(|f| f.as_str())))
}

/// The layer that puts [`Authority::admit`] in front of every service, and
/// tells the connection's gate once it is logged in.
#[derive(Clone)]
pub struct Guard(pub Arc<Authority>);

impl<S> tower::Layer<S> for Guard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded { authority: self.0.clone(), inner }
    }
}

#[derive(Clone)]
pub struct Guarded<S> {
    authority: Arc<Authority>,
    inner: S,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B, R> tower::Service<http::Request<B>> for Guarded<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = BoxFuture<http::Response<R>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // Where the call comes from, where handlers look for it.
        let pass = request.extensions().get::<Link>().cloned().map(|link| {
            request.extensions_mut().insert(link.tcp);
            link.pass
        });
        match self.authority.admit(request.uri().path(), request.headers()) {
            Ok(Some(principal)) => {
                if let Some(pass) = pass {
                    pass.authenticated();
                }
                request.extensions_mut().insert(principal);
                Box::pin(self.inner.call(request))
            }
            Ok(None) => {
                let login = self.inner.call(request);
                Box::pin(async move {
                    let response = login.await?;
                    if let Some(pass) = pass
                        && response.extensions().get::<LoginGranted>().is_some()
                    {
                        pass.authenticated();
                    }
                    Ok(response)
                })
            }
            Err(status) => Box::pin(std::future::ready(Ok(status.into_http()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::parse_text;
    use crate::config::schema::Schema;

    fn config(text: &str) -> Node {
        let (node, errors) = parse_text(&Schema::shipped().unwrap(), text);
        assert!(errors.is_empty(), "{errors:?}");
        node
    }

    fn authenticate(
        config: &Node,
        user: &str,
        password: Option<&str>,
        local: bool,
    ) -> Result<(String, Permissions), LoginError> {
        account(config, user, local)?.check(password)
    }

    #[test]
    fn the_console_needs_no_password_and_nobody_else_gets_in_before_one_exists() {
        let bare = config("system { host-name r1; login { user nopw { class super-user; } } }");
        assert_eq!(authenticate(&bare, "lab", None, true).map(|(c, _)| c), Ok("super-user".into()));
        assert_eq!(authenticate(&bare, "lab", Some("x"), false), Err(LoginError::NoCredentials));
        assert_eq!(authenticate(&bare, "nopw", None, false), Err(LoginError::NoCredentials));
        let hash =
            sha_crypt::sha512_simple("Secret-42x", &sha_crypt::Sha512Params::new(1000).unwrap()).unwrap();
        let rooted = config(&format!(
            "system {{ root-authentication {{ encrypted-password \"{hash}\"; }} \
             login {{ user ro {{ class read-only; }} }} }}"
        ));
        assert!(authenticate(&rooted, "root", Some("Secret-42x"), false).is_ok(), "a root password opens it");
        assert_eq!(authenticate(&rooted, "ro", None, true).map(|(c, _)| c), Ok("read-only".into()));
        assert_eq!(authenticate(&rooted, "ro", Some("Secret-42x"), false), Err(LoginError::Incorrect));
    }

    #[test]
    fn users_need_their_password_and_get_their_class() {
        let hash =
            sha_crypt::sha512_simple("Secret-42x", &sha_crypt::Sha512Params::new(1000).unwrap()).unwrap();
        let c = config(&format!(
            "system {{ login {{ class ops {{ permissions [ view maintenance ]; }} \
             user ro {{ class read-only; authentication {{ encrypted-password \"{hash}\"; }} }} \
             user op {{ class ops; authentication {{ encrypted-password \"{hash}\"; }} }} \
             user nopw {{ class super-user; }} }} }}"
        ));
        assert_eq!(authenticate(&c, "ro", None, false), Err(LoginError::PasswordRequired));
        assert_eq!(authenticate(&c, "ro", Some("wrong"), false), Err(LoginError::Incorrect));
        assert_eq!(authenticate(&c, "ghost", Some("Secret-42x"), false), Err(LoginError::Incorrect));
        assert_eq!(authenticate(&c, "nopw", Some(""), false), Err(LoginError::Incorrect));
        let (class, p) = authenticate(&c, "ro", Some("Secret-42x"), false).unwrap();
        assert_eq!((class.as_str(), p.names()), ("read-only", vec!["view".to_owned()]));
        let (_, p) = authenticate(&c, "op", Some("Secret-42x"), false).unwrap();
        assert!(p.allows(Permission::Maintenance) && !p.allows(Permission::Configure));
        assert_eq!(authenticate(&c, "root", Some("Secret-42x"), false), Err(LoginError::Incorrect));
    }

    fn authority(dir: &Path) -> Authority {
        Authority::new(ChassisSecret::open_or_create(&dir.join("s")).unwrap())
    }

    fn login(authority: &Authority, class: &str) -> http::HeaderMap {
        let principal = Principal {
            user: "u".into(),
            class: class.into(),
            permissions: Permissions::of([Permission::View]),
            from: "-".into(),
            token: None,
        };
        let config = config("system { login { class brief { idle-timeout 5; permissions view; } } }");
        let token = authority.issue(principal, idle_timeout(&config, class)).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(TOKEN_KEY, token.parse().unwrap());
        headers
    }

    #[test]
    fn logins_end_when_idle_or_old_unless_a_session_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        let authority = authority(dir.path());
        let path = "/reshell.v1.RoutingEngine/GetRouteEngineInformation";
        let ended = |headers: &http::HeaderMap, at: Instant| {
            authority.admit_at(path, headers, at).err().map(|s| (s.code(), s.message().to_owned()))
        };
        let refused = Some((tonic::Code::Unauthenticated, ENDED.to_owned()));
        let start = Instant::now();
        let minute = Duration::from_secs(60);

        // Idle: an hour without a call ends a script's login; calls keep it.
        let idle = login(&authority, "read-only");
        assert_eq!(ended(&idle, start + IDLE_LIFETIME - minute), None);
        assert_eq!(ended(&idle, start + 2 * IDLE_LIFETIME - 2 * minute), None);
        assert_eq!(ended(&idle, start + 3 * IDLE_LIFETIME), refused);
        assert_eq!(ended(&idle, start), refused, "an ended login stays ended");

        // Old: a day after the login, however busy.
        let busy = login(&authority, "read-only");
        let mut at = start;
        while at < start + ABSOLUTE_LIFETIME {
            assert_eq!(ended(&busy, at), None);
            at += IDLE_LIFETIME - minute;
        }
        assert_eq!(ended(&busy, at), refused);

        // A session's login lasts as long as the session, idle or old...
        let held = login(&authority, "read-only");
        authority.attach(held[TOKEN_KEY].to_str().unwrap());
        assert_eq!(ended(&held, start + 2 * ABSOLUTE_LIFETIME), None);
        // ...but not past its class's idle-timeout (5 minutes).
        let brief = login(&authority, "brief");
        authority.attach(brief[TOKEN_KEY].to_str().unwrap());
        assert_eq!(ended(&brief, start + 4 * minute), None);
        assert_eq!(ended(&brief, start + 10 * minute), refused);
    }

    #[test]
    fn the_factory_default_holds_no_credential() {
        assert!(!has_credentials(&config(include_str!("factory.conf"))));
    }

    #[test]
    fn the_root_password_that_once_shipped_opens_nothing() {
        // Its hash is not kept in the tree; its digest is.
        let digest_of = |hash: &str| {
            use sha2::Digest;
            sha2::Sha256::digest(hash.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let hash = "$6$x$y";
        assert_ne!(digest_of(hash), SHIPPED_ROOT_HASH_SHA256);
        let c = config(&format!("system {{ root-authentication {{ encrypted-password \"{hash}\"; }} }}"));
        assert!(has_credentials(&c) && !holds_shipped_password(&c));
    }

    #[test]
    fn an_unknown_name_is_checked_against_a_stand_in_as_costly_as_a_real_hash() {
        // SHA-512 crypt at the default rounds, as plain-text-password makes.
        let stand_in = stand_in_hash();
        assert!(stand_in.starts_with("$6$") && !stand_in.contains("rounds="), "{stand_in}");
        assert!(sha_crypt::sha512_check("", stand_in).is_err());
    }

    #[test]
    fn every_call_is_checked_against_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let authority = authority(dir.path());
        let token = authority
            .issue(
                Principal {
                    user: "ro".into(),
                    class: "read-only".into(),
                    permissions: Permissions::of([Permission::View]),
                    from: "-".into(),
                    token: None,
                },
                None,
            )
            .unwrap();
        let mut headers = http::HeaderMap::new();
        let path = "/reshell.v1.RoutingEngine/GetRouteEngineInformation";
        assert_eq!(authority.admit(path, &headers).unwrap_err().code(), tonic::Code::Unauthenticated);
        headers.insert(TOKEN_KEY, token.parse().unwrap());
        assert_eq!(authority.admit(path, &headers).unwrap().unwrap().user, "ro");
        for denied in [
            "/reshell.v1.Configuration/Commit",
            "/reshell.v1.RoutingEngine/Shutdown",
            "/reshell.v1.Peer/Claim",
            "/x/y",
        ] {
            assert_eq!(
                authority.admit(denied, &headers).unwrap_err().code(),
                tonic::Code::PermissionDenied,
                "{denied}"
            );
        }
        authority.revoke(&token);
        assert_eq!(authority.admit(path, &headers).unwrap_err().code(), tonic::Code::Unauthenticated);
    }

    #[test]
    fn a_login_making_too_many_calls_is_slowed_down() {
        let dir = tempfile::tempdir().unwrap();
        let authority = authority(dir.path());
        let principal = Principal {
            user: "ops".into(),
            class: "super-user".into(),
            permissions: Permissions::of([Permission::All]),
            from: "-".into(),
            token: None,
        };
        let token = authority.issue(principal, None).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(TOKEN_KEY, token.parse().unwrap());
        let path = "/reshell.v1.RoutingEngine/GetIdentity";
        // One instant for every call: a slow machine must not spread them over two seconds.
        let now = Instant::now();
        let refused =
            (0..=REQUESTS_PER_SECOND).filter(|_| authority.admit_at(path, &headers, now).is_err()).count();
        assert_eq!(refused, 1, "the call past the limit in one second");
    }

    /// Answers every call, granted (marked so) or refused.
    #[derive(Clone)]
    struct Answer {
        granted: bool,
    }

    impl tower::Service<http::Request<()>> for Answer {
        type Response = http::Response<()>;
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<http::Response<()>, std::convert::Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: http::Request<()>) -> Self::Future {
            let response = if self.granted {
                let mut granted = http::Response::default();
                granted.extensions_mut().insert(LoginGranted);
                granted
            } else {
                Status::unauthenticated("login incorrect").into_http()
            };
            std::future::ready(Ok(response))
        }
    }

    #[tokio::test]
    async fn a_connection_is_logged_in_by_an_authenticated_call_or_a_granted_login() {
        use tower::{Layer, Service};
        let dir = tempfile::tempdir().unwrap();
        let authority = Arc::new(authority(dir.path()));
        let token = login(&authority, "read-only");
        let mut secret = http::HeaderMap::new();
        secret.insert(CHASSIS_KEY, authority.secret.0.parse().unwrap());
        let gate = super::super::gate::Gate::default();
        let info = "/reshell.v1.RoutingEngine/GetRouteEngineInformation";
        let cases = [
            (LOGIN_PATH, http::HeaderMap::new(), true, true),
            (LOGIN_PATH, http::HeaderMap::new(), false, false),
            (info, http::HeaderMap::new(), true, false),
            (info, token, true, true),
            ("/reshell.v1.Peer/Claim", secret, true, true),
        ];
        for (path, headers, granted, logged_in) in cases {
            let (ours, _theirs) = tokio::io::duplex(64);
            let connection = gate.admit(ours, Duration::from_secs(120));
            let mut request = http::Request::builder().uri(path).body(()).unwrap();
            *request.headers_mut() = headers;
            request.extensions_mut().insert(connection.link());
            Guard(authority.clone()).layer(Answer { granted }).call(request).await.unwrap();
            assert_eq!(connection.link().pass.is_authenticated(), logged_in, "{path} granted {granted}");
        }
    }

    #[test]
    fn the_chassis_secret_is_made_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chassis-secret");
        let first = ChassisSecret::open_or_create(&path).unwrap();
        let second = ChassisSecret::open_or_create(&path).unwrap();
        assert_eq!(first.0, second.0);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let mut headers = http::HeaderMap::new();
        headers.insert(CHASSIS_KEY, first.0.parse().unwrap());
        assert!(Authority::new(second).admit("/reshell.v1.Peer/Claim", &headers).is_ok());
    }
}
