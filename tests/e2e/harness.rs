//! The test harness: a real Synapse on 127.0.0.1, the real `confidant` binary, and a real
//! matrix-sdk client as the person asking.

use std::{
    io::Read,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{
        OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::{
    Client, Room,
    config::SyncSettings,
    deserialized_responses::TimelineEventKind,
    ruma::{
        OwnedEventId, OwnedRoomId, OwnedUserId, UserId,
        api::client::room::{Visibility, create_room::v3 as create_room},
        events::{
            AnySyncMessageLikeEvent, AnySyncTimelineEvent, InitialStateEvent, SyncMessageLikeEvent,
            room::{
                encryption::RoomEncryptionEventContent,
                message::{MessageType, Relation},
            },
        },
    },
};
use matrix_sdk_base::crypto::CollectStrategy;
use tempfile::TempDir;

pub const SHARED_SECRET: &str = "confidant-test-secret";
pub const PASSWORD: &str = "correct horse battery staple";
pub const PASSPHRASE: &str = "store passphrase for tests";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv() -> PathBuf {
    std::env::var_os("CONFIDANT_SYNAPSE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/confidant/synapse-venv")
        })
}

/// A Synapse started for the test run. It stops when the test process ends: it runs under a
/// shell that kills it as soon as our end of its stdin closes.
pub struct Synapse {
    pub url: String,
    dir: TempDir,
    config: PathBuf,
    port: u16,
    guard: Option<(Child, ChildStdin)>,
}

static SHARED: OnceLock<Synapse> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One Synapse for all tests of this binary (each test uses its own users and rooms).
pub fn synapse() -> &'static Synapse {
    SHARED.get_or_init(Synapse::start)
}

impl Synapse {
    /// Installs Synapse if needed, writes its config and starts it on a free port.
    pub fn start() -> Synapse {
        Synapse::start_with(&[])
    }

    /// The same, with more arguments for `scripts/synapse-config.sh` (after the shared secret).
    pub fn start_with(config_args: &[&str]) -> Synapse {
        let status = Command::new("bash")
            .arg(repo().join("scripts/install-synapse.sh"))
            .status()
            .expect("bash runs");
        assert!(status.success(), "installing Synapse failed");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let out = Command::new("bash")
            .arg(repo().join("scripts/synapse-config.sh"))
            .arg(dir.path())
            .arg(port.to_string())
            .arg(SHARED_SECRET)
            .args(config_args)
            .output()
            .expect("config script runs");
        assert!(
            out.status.success(),
            "synapse config failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("homeserver.yaml");
        let mut s = Synapse {
            url: format!("http://127.0.0.1:{port}"),
            dir,
            config,
            port,
            guard: None,
        };
        s.launch();
        s
    }

    fn launch(&mut self) {
        let command = format!(
            "{} -m synapse.app.homeserver -c {} >> {}/stdout.log 2>&1",
            venv().join("bin/python").display(),
            self.config.display(),
            self.dir.path().display()
        );
        self.guard = Some(guarded(&command, "synapse starts"));
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && http_get(self.port, "/_matrix/client/versions")
                    .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let mut log = String::new();
        let _ = std::fs::File::open(self.dir.path().join("homeserver.log"))
            .map(|mut f| f.read_to_string(&mut log));
        panic!("Synapse did not come up on port {}:\n{log}", self.port);
    }

    /// Stops Synapse (its data stays), as in an outage.
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.guard.take() {
            drop(stdin);
            let _ = child.wait();
        }
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts a stopped Synapse again on the same port.
    pub fn restart(&mut self) {
        self.launch();
    }

    /// Registers many users in one go (one Python process, the shared-secret admin API).
    pub fn register_many(&self, prefix: &str, n: usize) -> Vec<OwnedUserId> {
        let first = COUNTER.fetch_add(n, Ordering::SeqCst);
        let names: Vec<String> = (first..first + n)
            .map(|i| format!("{prefix}{}x{i}", std::process::id()))
            .collect();
        let script = r#"
import hmac, hashlib, json, sys, urllib.request
url, secret, password = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
for name in sys.argv[4:]:
    nonce = json.load(urllib.request.urlopen(url + "/_synapse/admin/v1/register"))["nonce"]
    mac = hmac.new(secret, digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode(), b"notadmin"]))
    body = json.dumps({"nonce": nonce, "username": name, "password": password, "admin": False, "mac": mac.hexdigest()}).encode()
    req = urllib.request.Request(url + "/_synapse/admin/v1/register", data=body, headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
"#;
        let mut args = vec![self.url.as_str(), SHARED_SECRET, PASSWORD];
        args.extend(names.iter().map(String::as_str));
        python("registering", script, &args);
        names
            .iter()
            .map(|n| UserId::parse(format!("@{n}:localhost")).expect("valid user id"))
            .collect()
    }

    /// An access token for `user` from a fresh password login that no client uses: what an
    /// operator gets from SSO, the Matrix Authentication Service or an admin for the bot.
    pub fn access_token(&self, user: &UserId) -> String {
        let script = r#"
import json, sys, urllib.request
url, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
body = json.dumps({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password, "initial_device_display_name": "confidant (token)"}).encode()
req = urllib.request.Request(url + "/_matrix/client/v3/login", data=body, headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
"#;
        python(
            "logging in for a token",
            script,
            &[&self.url, user.as_str(), PASSWORD],
        )
    }

    /// Sets a homeserver-side message rate limit for one user (Synapse's admin API, through a
    /// fresh admin account), so its sends get `M_LIMIT_EXCEEDED`. Returns the limit Synapse
    /// reports back.
    pub fn throttle(&self, user: &UserId, per_second: u32, burst: u32) -> String {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let admin = format!("admin{}x{n}", std::process::id());
        let script = r#"
import hmac, hashlib, json, sys, urllib.parse, urllib.request
url, secret, password, name, user, per_second, burst = sys.argv[1:8]
nonce = json.load(urllib.request.urlopen(url + "/_synapse/admin/v1/register"))["nonce"]
mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode(), b"admin"]))
body = json.dumps({"nonce": nonce, "username": name, "password": password, "admin": True, "mac": mac.hexdigest()}).encode()
req = urllib.request.Request(url + "/_synapse/admin/v1/register", data=body, headers={"Content-Type": "application/json"})
token = json.load(urllib.request.urlopen(req))["access_token"]
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
path = url + "/_synapse/admin/v1/users/" + urllib.parse.quote(user) + "/override_ratelimit"
limit = json.dumps({"messages_per_second": int(per_second), "burst_count": int(burst)}).encode()
urllib.request.urlopen(urllib.request.Request(path, data=limit, headers=auth, method="POST")).read()
print(urllib.request.urlopen(urllib.request.Request(path, headers=auth)).read().decode())
"#;
        let (per_second, burst) = (per_second.to_string(), burst.to_string());
        let args = [
            self.url.as_str(),
            SHARED_SECRET,
            PASSWORD,
            &admin,
            user.as_str(),
            &per_second,
            &burst,
        ];
        python("setting the rate limit", script, &args)
    }

    /// Registers a fresh user with a unique name and returns its id.
    pub fn register(&self, prefix: &str) -> OwnedUserId {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let local = format!("{prefix}{}x{n}", std::process::id());
        let out = Command::new(venv().join("bin/register_new_matrix_user"))
            .args([
                "-u",
                &local,
                "-p",
                PASSWORD,
                "--no-admin",
                "-k",
                SHARED_SECRET,
                &self.url,
            ])
            .output()
            .expect("register_new_matrix_user runs");
        assert!(
            out.status.success(),
            "registering {local} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        UserId::parse(format!("@{local}:localhost")).expect("valid user id")
    }
}

/// The test authorization service (`tests/e2e/authorization_server.py`) that a Synapse
/// started with its address hands logins to, as a homeserver hands them to the Matrix
/// Authentication Service. It stops when the test process ends, as Synapse does.
pub struct AuthService {
    port: u16,
    _guard: (Child, ChildStdin),
}

impl AuthService {
    /// Starts it on `port` for `synapse`, sharing `secret` with it; its access tokens live
    /// `access_ttl` seconds.
    pub fn start(port: u16, synapse: &Synapse, secret: &str, access_ttl: u32) -> AuthService {
        let command = format!(
            "{} {} {port} {} {secret} {access_ttl}",
            venv().join("bin/python").display(),
            repo().join("tests/e2e/authorization_server.py").display(),
            synapse.url,
        );
        let guard = guarded(&command, "the authorization service starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get(port, "/.well-known/openid-configuration")
            .is_none_or(|r| !r.starts_with("HTTP/1.1 200"))
        {
            assert!(
                Instant::now() < deadline,
                "the authorization service did not come up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        AuthService {
            port,
            _guard: guard,
        }
    }

    /// POSTs JSON to one of its endpoints; returns the JSON answer.
    pub fn post(&self, path: &str, body: &str) -> String {
        let script = r#"
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
"#;
        python(
            "asking the authorization service",
            script,
            &[&format!("http://127.0.0.1:{}{path}", self.port), body],
        )
    }

    /// How many tokens it gave and refused, as JSON.
    pub fn counts(&self) -> serde_json::Value {
        let answer = http_get(self.port, "/test/counts").expect("counts");
        let body = answer.split("\r\n\r\n").nth(1).expect("a body");
        serde_json::from_str(body).expect("JSON")
    }
}

/// Runs `command` in the background under a shell that kills it as soon as our end of the
/// shell's stdin closes (when the returned handle is dropped, or the test process ends).
fn guarded(command: &str, what: &str) -> (Child, ChildStdin) {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("{command} & pid=$!; read _; kill $pid; wait $pid"))
        .stdin(Stdio::piped())
        .spawn()
        .expect(what);
    let stdin = child.stdin.take().expect("stdin");
    (child, stdin)
}

/// Runs a Python script with the venv's interpreter (it talks to Synapse's admin API); returns
/// what it printed, or fails the test naming `what`.
fn python(what: &str, script: &str, args: &[&str]) -> String {
    let out = Command::new(venv().join("bin/python"))
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    // Generous: a loaded 2-core machine running several bots can take seconds to answer.
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    // One write: `write!` on a bare stream sends each formatted piece as its own segment.
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// The real `confidant run`, with its own data dir and captured output.
pub struct Bot {
    pub user_id: OwnedUserId,
    pub dir: TempDir,
    child: Option<Child>,
    runs: usize,
    config: PathBuf,
}

impl Bot {
    /// Registers a bot account and writes its config (the example config, overridden by env).
    pub fn new(synapse: &Synapse) -> Bot {
        Bot::for_account(synapse.register("bot"))
    }

    /// A bot for an account made elsewhere (by an authorization service).
    pub fn for_account(user_id: OwnedUserId) -> Bot {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = repo().join("config.example.toml");
        Bot {
            user_id,
            dir,
            child: None,
            runs: 0,
            config,
        }
    }

    /// Uses a copy of the example config with `from` replaced by `to`.
    pub fn edit_config(&mut self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.config).expect("config");
        assert!(text.contains(from), "config has no {from:?}");
        // Relative paths in the config are taken from its folder, so the copy names the
        // response folder in full.
        let responses = format!(
            "responses_dir = {:?}",
            repo().join("responses").display().to_string()
        );
        let text = text
            .replacen(from, to, 1)
            .replace("responses_dir = \"responses\"", &responses);
        let path = self.dir.path().join("config.toml");
        std::fs::write(&path, text).expect("config written");
        self.config = path;
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log_path(&self, run: usize) -> PathBuf {
        self.dir.path().join(format!("run{run}.log"))
    }

    /// Runs another subcommand (`login`, `doctor`) with the bot's environment, plus `env`
    /// (an empty value removes a variable).
    pub fn command(
        &self,
        synapse: &Synapse,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::process::Output {
        self.command_line(synapse, args, env)
            .output()
            .expect("confidant runs")
    }

    /// The same, started with its output piped, to be read while it runs.
    pub fn command_spawned(&self, synapse: &Synapse, args: &[&str], env: &[(&str, &str)]) -> Child {
        self.command_line(synapse, args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("confidant starts")
    }

    fn command_line(&self, synapse: &Synapse, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_confidant"));
        cmd.args(args)
            .arg("--config")
            .arg(&self.config)
            .env("CONFIDANT_HOMESERVER", &synapse.url)
            .env("CONFIDANT_USER_ID", self.user_id.as_str())
            .env("CONFIDANT_DATA_DIR", self.data_dir())
            .env("CONFIDANT_PASSWORD", PASSWORD)
            .env("CONFIDANT_STORE_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::null());
        for (k, v) in env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        cmd
    }

    /// Starts the bot at `RUST_LOG=trace` and waits until it is syncing.
    pub fn start(&mut self, synapse: &Synapse) {
        self.start_with(synapse, &[]);
    }

    /// The same, with more arguments to `run`. The first start asks for the first login
    /// (`--new-identity`, with the password); every later start runs without the password, as
    /// the docs promise it needs none.
    pub fn start_with(&mut self, synapse: &Synapse, args: &[&str]) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_confidant"));
        cmd.arg("run").args(args).arg("--config").arg(&self.config);
        let restart = self.data_dir().join("session.json").exists();
        if !restart {
            cmd.arg("--new-identity");
        }
        self.spawn(synapse, cmd, !restart);
    }

    /// Starts another bot program (the benchmark's echo floor) the same way, with the password.
    pub fn start_command(&mut self, synapse: &Synapse, cmd: Command) {
        self.spawn(synapse, cmd, true);
    }

    /// Spawns a bot program at `RUST_LOG=trace` (with the password, or without it) and waits
    /// until it has logged in.
    fn spawn(&mut self, synapse: &Synapse, mut cmd: Command, password: bool) {
        self.runs += 1;
        let log = std::fs::File::create(self.log_path(self.runs)).expect("log file");
        if password {
            cmd.env("CONFIDANT_PASSWORD", PASSWORD);
        } else {
            cmd.env_remove("CONFIDANT_PASSWORD");
        }
        let child = cmd
            .env("CONFIDANT_HOMESERVER", &synapse.url)
            .env("CONFIDANT_USER_ID", self.user_id.as_str())
            .env("CONFIDANT_DATA_DIR", self.data_dir())
            .env("CONFIDANT_STORE_PASSPHRASE", PASSPHRASE)
            .env("RUST_LOG", "trace")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("confidant starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.log(self.runs).contains("logged in") {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "confidant exited early ({status}):\n{}",
                    self.log(self.runs)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("confidant did not log in:\n{}", self.log(self.runs));
    }

    /// The running bot's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Everything a run printed.
    pub fn log(&self, run: usize) -> String {
        std::fs::read_to_string(self.log_path(run)).unwrap_or_default()
    }

    /// All runs' output.
    /// Waits until the current run's log contains `needle`; false when `wait` passed first.
    pub fn wait_for_log(&self, needle: &str, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while !self.log(self.runs).contains(needle) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        true
    }

    pub fn all_logs(&self) -> String {
        (1..=self.runs).map(|r| self.log(r)).collect()
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(&mut self) {
        self.stop_with("-TERM");
    }

    /// `signal` (`-TERM`, `-INT`), then waits for a clean exit.
    pub fn stop_with(&mut self, signal: &str) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                assert!(
                    status.success(),
                    "confidant exited with {status}:\n{}",
                    self.log(self.runs)
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "confidant did not stop on {signal}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the bot to exit on its own; its status, or `None` when `wait` passed first.
    pub fn wait_exit(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(status) = self.child.as_mut()?.try_wait().expect("wait") {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill");
            let _ = child.wait();
        }
    }

    /// The device id in the session file.
    pub fn device_id(&self) -> String {
        let text =
            std::fs::read_to_string(self.data_dir().join("session.json")).expect("session file");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        v["session"]["device_id"]
            .as_str()
            .or_else(|| v["device_id"].as_str())
            .expect("device id")
            .to_owned()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A person using a Matrix client.
pub struct User {
    pub client: Client,
    _dir: TempDir,
}

impl User {
    pub async fn new(synapse: &Synapse) -> User {
        User::login(synapse, &synapse.register("user")).await
    }

    /// A person whose client logs in with an access token for `device` (from an authorization
    /// service).
    pub async fn with_token(url: &str, user_id: &UserId, device: &str, token: &str) -> User {
        let dir = tempfile::tempdir().expect("temp dir");
        let client = Client::builder()
            .homeserver_url(url)
            .sqlite_store(dir.path(), None)
            .build()
            .await
            .expect("client");
        client
            .matrix_auth()
            .restore_session(
                matrix_sdk::authentication::matrix::MatrixSession {
                    meta: matrix_sdk::SessionMeta {
                        user_id: user_id.to_owned(),
                        device_id: device.into(),
                    },
                    tokens: matrix_sdk::SessionTokens {
                        access_token: token.to_owned(),
                        refresh_token: None,
                    },
                },
                matrix_sdk::store::RoomLoadSettings::default(),
            )
            .await
            .expect("session");
        client
            .sync_once(SyncSettings::new())
            .await
            .expect("first sync");
        User { client, _dir: dir }
    }

    /// Logs in an already registered user.
    pub async fn login(synapse: &Synapse, user_id: &UserId) -> User {
        User::login_url(&synapse.url, user_id).await
    }

    /// Logs in an already registered user on the homeserver at `url`.
    pub async fn login_url(url: &str, user_id: &UserId) -> User {
        User::login_with_password(url, user_id, PASSWORD).await
    }

    /// Logs in a user registered by someone else (`scripts/demo.sh`), with their password.
    pub async fn login_with_password(url: &str, user_id: &UserId, password: &str) -> User {
        User::login_sharing(url, user_id, password, CollectStrategy::default()).await
    }

    /// A careful person: their client sends room keys only to devices their owner cross-signed
    /// and refuses to send when a verified identity changed (Element's "exclude insecure
    /// devices"), and they have a cross-signing identity of their own, to verify others with.
    pub async fn careful(synapse: &Synapse) -> User {
        let user_id = synapse.register("careful");
        let user = User::login_sharing(
            &synapse.url,
            &user_id,
            PASSWORD,
            CollectStrategy::IdentityBasedStrategy,
        )
        .await;
        user.client
            .encryption()
            .bootstrap_cross_signing(None)
            .await
            .expect("own cross-signing identity");
        user.sync().await;
        user
    }

    /// `other`'s cross-signing identity as the homeserver publishes it now (keys asked for
    /// afresh).
    async fn identity_of(
        &self,
        other: &UserId,
    ) -> matrix_sdk::encryption::identities::UserIdentity {
        self.client
            .encryption()
            .request_user_identity(other)
            .await
            .expect("keys query")
            .expect("the other has a cross-signing identity")
    }

    /// Verifies `other`'s cross-signing identity, as after comparing emoji.
    pub async fn verify_identity(&self, other: &UserId) {
        self.identity_of(other)
            .await
            .verify()
            .await
            .expect("signed with the user-signing key");
        self.sync().await;
    }

    /// How this user's client sees `other`'s identity now (keys asked for afresh): whether it
    /// is the one they verified, and whether it changed since.
    pub async fn sees_identity_of(&self, other: &UserId) -> (bool, bool) {
        let identity = self.identity_of(other).await;
        (
            identity.is_verified(),
            identity.has_verification_violation(),
        )
    }

    async fn login_sharing(
        url: &str,
        user_id: &UserId,
        password: &str,
        strategy: CollectStrategy,
    ) -> User {
        let dir = tempfile::tempdir().expect("temp dir");
        let client = Client::builder()
            .homeserver_url(url)
            .sqlite_store(dir.path(), None)
            .with_room_key_recipient_strategy(strategy)
            .build()
            .await
            .expect("client");
        client
            .matrix_auth()
            .login_username(user_id.as_str(), password)
            .send()
            .await
            .expect("login");
        client
            .sync_once(SyncSettings::new())
            .await
            .expect("first sync");
        User { client, _dir: dir }
    }

    pub fn user_id(&self) -> OwnedUserId {
        self.client.user_id().expect("logged in").to_owned()
    }

    /// Creates a room with the bot (and others) invited; encrypted if asked.
    pub async fn create_room(&self, invite: &[&UserId], encrypted: bool, direct: bool) -> Room {
        let mut request = create_room::Request::new();
        request.invite = invite.iter().map(|u| u.to_owned().to_owned()).collect();
        request.is_direct = direct;
        request.visibility = Visibility::Private;
        if encrypted {
            request.initial_state = vec![
                InitialStateEvent::with_empty_state_key(
                    RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
            ];
        }
        self.client
            .create_room(request)
            .await
            .expect("room created")
    }

    /// Joins a room it was invited to.
    pub async fn join(&self, room_id: &OwnedRoomId) -> Room {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.sync().await;
            if let Some(room) = self.client.get_room(room_id)
                && (room.state() == matrix_sdk::RoomState::Joined || room.join().await.is_ok())
            {
                self.sync().await;
                return room;
            }
            assert!(Instant::now() < deadline, "could not join");
        }
    }

    pub async fn sync(&self) {
        self.client
            .sync_once(SyncSettings::new().timeout(Duration::from_millis(500)))
            .await
            .expect("sync");
    }

    /// Waits until `who` has left `room` (or declined its invite); panics after `wait`.
    pub async fn wait_left(&self, room: &Room, who: &UserId, wait: Duration) {
        self.wait_membership(room, who, MembershipState::Leave, wait)
            .await;
    }

    /// Every membership `who` has had in `room`, oldest first, as the homeserver's history
    /// has them (`invite`, `join`, `leave` …).
    pub async fn memberships(&self, room: &Room, who: &UserId) -> Vec<String> {
        let mut found: Vec<String> = history(room)
            .await
            .iter()
            .filter_map(|e| {
                let e: serde_json::Value = serde_json::from_str(e.raw().json().get()).ok()?;
                (e["type"] == "m.room.member" && e["state_key"] == who.as_str())
                    .then(|| e["content"]["membership"].as_str().unwrap_or("").to_owned())
            })
            .collect();
        found.reverse();
        found
    }

    /// How many introductions `from` has sent in `room`, as the homeserver's history has them
    /// (decrypted).
    pub async fn intro_count(&self, room: &Room, from: &UserId) -> usize {
        history(room)
            .await
            .iter()
            .filter(|event| {
                matches!(
                    event.raw().deserialize(),
                    Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
                        SyncMessageLikeEvent::Original(m),
                    ))) if m.sender == from && m.content.body() == intro_text()
                )
            })
            .count()
    }

    /// Waits (up to 30 s) until the bot's introduction in `room` reads, so a test's own
    /// replies start after it. Its room key can come a few syncs late; a test that counts the
    /// bot's messages would otherwise catch it still unreadable. Says so when it never reads
    /// (the introduction test checks that it does).
    pub async fn wait_intro(&self, room: &Room, from: &UserId) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.intro_count(room, from).await > 0 {
                return;
            }
            self.sync().await;
        }
        eprintln!(
            "the introduction in {} did not become readable in 30 s",
            room.room_id()
        );
    }

    /// Waits until `who` has joined `room`.
    pub async fn wait_joined(&self, room: &Room, who: &UserId) {
        self.wait_membership(room, who, MembershipState::Join, Duration::from_secs(60))
            .await;
    }

    /// Waits until `who`'s membership of `room` is `state`; panics after `wait`.
    async fn wait_membership(
        &self,
        room: &Room,
        who: &UserId,
        state: MembershipState,
        wait: Duration,
    ) {
        let deadline = Instant::now() + wait;
        loop {
            self.sync().await;
            if let Ok(Some(m)) = room.get_member_no_sync(who).await
                && *m.membership() == state
            {
                return;
            }
            assert!(Instant::now() < deadline, "{who} did not reach {state}");
        }
    }

    /// Sends a text message; returns its event id.
    /// Sets the user's display name (before creating rooms, so their member events carry it).
    pub async fn set_display_name(&self, name: &str) {
        self.client
            .account()
            .set_display_name(Some(name))
            .await
            .expect("display name set");
    }

    /// Fails when `log` holds anything that names this user or `room`.
    pub fn assert_log_names_neither(&self, log: &str, room: &Room, display_name: &str) {
        if let Some(found) = self.named_in(log, room, display_name) {
            panic!("{found}");
        }
    }

    /// The first log line that names this user or `room` (the user id, its localpart, the
    /// room id's opaque part or `display_name`), and what it names.
    pub fn named_in(&self, log: &str, room: &Room, display_name: &str) -> Option<String> {
        let user = self.user_id();
        let room_id = room.room_id();
        let opaque = room_id
            .as_str()
            .trim_start_matches('!')
            .split(':')
            .next()
            .expect("room id has an opaque part");
        for (what, needle) in [
            ("user id", user.as_str()),
            ("user localpart", user.localpart()),
            ("room id", opaque),
            ("display name", display_name),
        ] {
            if let Some(line) = log.lines().find(|l| l.contains(needle)) {
                return Some(format!("the log names the {what} ({needle}): {line}"));
            }
        }
        None
    }

    pub async fn say(&self, room: &Room, text: &str) -> OwnedEventId {
        use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
        room.send(RoomMessageEventContent::text_plain(text))
            .await
            .expect("sent")
            .response
            .event_id
    }

    /// Collects messages from `from` in `room` until `count` have arrived or `wait` passes.
    /// Returns their bodies; an undecryptable one is returned as "<undecryptable>".
    pub async fn messages_from(
        &self,
        room: &Room,
        from: &UserId,
        count: usize,
        wait: Duration,
    ) -> Vec<String> {
        self.replies_from(room, from, wait, |got| got.len() >= count)
            .await
            .into_iter()
            .map(|r| r.body)
            .collect()
    }

    /// Collects messages from `from` in `room`, with the message each one replies to, until
    /// `enough` says so or `wait` passes (polls and poll ends are passed over: see
    /// [`User::sent_from`]).
    pub async fn replies_from(
        &self,
        room: &Room,
        from: &UserId,
        wait: Duration,
        enough: impl Fn(&[Reply]) -> bool,
    ) -> Vec<Reply> {
        self.sent_from(room, from, wait, |sent| enough(&messages_of(sent)))
            .await
            .iter()
            .filter_map(|s| match s {
                Sent::Message(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    /// Collects what `from` sends in `room` (messages, poll starts and poll ends), until `enough`
    /// says so or `wait` passes. Syncs long-poll, as a real client does. An event whose key has
    /// not arrived yet is decrypted again after each later sync (a room key often comes a sync
    /// after the message); one still undecryptable when the wait ends is returned as a message
    /// "<undecryptable>", in its place.
    pub async fn sent_from(
        &self,
        room: &Room,
        from: &UserId,
        wait: Duration,
        enough: impl Fn(&[Sent]) -> bool,
    ) -> Vec<Sent> {
        use matrix_sdk::ruma::{
            events::room::encrypted::OriginalSyncRoomEncryptedEvent, serde::Raw,
        };
        enum Slot {
            Got(Sent),
            Waiting(Raw<OriginalSyncRoomEncryptedEvent>),
            NotSent,
        }
        let got = |slots: &[Slot]| -> Vec<Sent> {
            slots
                .iter()
                .filter_map(|s| match s {
                    Slot::Got(r) => Some(r.clone()),
                    _ => None,
                })
                .collect()
        };
        let deadline = Instant::now() + wait;
        let mut slots: Vec<Slot> = Vec::new();
        let mut filter = matrix_sdk::ruma::api::client::filter::FilterDefinition::default();
        filter.room.timeline.limit = Some(100u32.into());
        let filter =
            matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter::FilterDefinition(filter);
        let mut settings = SyncSettings::new().filter(filter);
        while !enough(&got(&slots)) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            settings = settings.timeout(left.min(Duration::from_secs(10)));
            let response = self.client.sync_once(settings.clone()).await.expect("sync");
            settings = settings.token(response.next_batch.clone());
            for slot in &mut slots {
                if let Slot::Waiting(raw) = slot
                    && let Ok(event) = room.decrypt_event(raw, None).await
                    && !matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. })
                {
                    *slot = sent_by(&event, from).map_or(Slot::NotSent, Slot::Got);
                }
            }
            let Some(update) = response.rooms.joined.get(room.room_id()) else {
                continue;
            };
            for event in &update.timeline.events {
                if let TimelineEventKind::UnableToDecrypt { event: raw, .. } = &event.kind {
                    let sender: Option<OwnedUserId> = raw.get_field("sender").ok().flatten();
                    if sender.as_deref() == Some(from) {
                        slots.push(Slot::Waiting(raw.clone().cast_unchecked()));
                    }
                } else if let Some(sent) = sent_by(event, from) {
                    slots.push(Slot::Got(sent));
                }
            }
        }
        slots
            .into_iter()
            .filter_map(|s| match s {
                Slot::Got(r) => Some(r),
                Slot::Waiting(_) => Some(Sent::Message(Reply {
                    body: "<undecryptable>".to_owned(),
                    in_reply_to: None,
                    thread: None,
                })),
                Slot::NotSent => None,
            })
            .collect()
    }

    /// Votes for `answer` on the poll `start`, as Element Web and Element X do (encrypted in an
    /// encrypted room); returns the vote's event id.
    pub async fn vote(&self, room: &Room, start: &OwnedEventId, answer: &str) -> OwnedEventId {
        use matrix_sdk::ruma::events::poll::unstable_response::UnstablePollResponseEventContent;
        room.send(UnstablePollResponseEventContent::new(
            vec![answer.to_owned()],
            start.clone(),
        ))
        .await
        .expect("vote sent")
        .response
        .event_id
    }
}

/// A message from the bot as the person sees it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub body: String,
    /// The message it is a reply to, if any.
    pub in_reply_to: Option<OwnedEventId>,
    /// The thread it is in, if any (its root event).
    pub thread: Option<OwnedEventId>,
}

/// Something the bot sent, as the person's client reads it.
#[derive(Debug, Clone)]
pub enum Sent {
    /// A message (not the introduction).
    Message(Reply),
    /// A poll (`org.matrix.msc3381.poll.start`).
    PollStart(PollStart),
    /// The end of a poll (`org.matrix.msc3381.poll.end`).
    PollEnd {
        /// The poll it ends.
        start: OwnedEventId,
        /// Its text.
        text: String,
    },
}

/// A poll the bot sent.
#[derive(Debug, Clone)]
pub struct PollStart {
    pub event_id: OwnedEventId,
    pub question: String,
    /// (id, label) of each answer, in order.
    pub answers: Vec<(String, String)>,
    /// Disclosed (a voter sees the counts at once).
    pub disclosed: bool,
    pub max_selections: u64,
    /// The text shown by clients without polls.
    pub fallback: Option<String>,
    /// The message it replies to, if any.
    pub in_reply_to: Option<OwnedEventId>,
}

/// The messages among what was sent.
pub fn messages_of(sent: &[Sent]) -> Vec<Reply> {
    sent.iter()
        .filter_map(|s| match s {
            Sent::Message(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// The polls among what was sent.
pub fn polls_of(sent: &[Sent]) -> Vec<PollStart> {
    sent.iter()
        .filter_map(|s| match s {
            Sent::PollStart(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// The polls ended among what was sent.
pub fn ends_of(sent: &[Sent]) -> Vec<OwnedEventId> {
    sent.iter()
        .filter_map(|s| match s {
            Sent::PollEnd { start, .. } => Some(start.clone()),
            _ => None,
        })
        .collect()
}

fn sent_by(
    event: &matrix_sdk::deserialized_responses::TimelineEvent,
    from: &UserId,
) -> Option<Sent> {
    use matrix_sdk::ruma::events::{
        poll::{start::PollKind, unstable_start::UnstablePollStartEventContent},
        room::message::RelationWithoutReplacement,
    };
    if let TimelineEventKind::UnableToDecrypt { event, .. } = &event.kind {
        let sender: Option<OwnedUserId> = event.get_field("sender").ok().flatten();
        return (sender.as_deref() == Some(from)).then(|| {
            Sent::Message(Reply {
                body: "<undecryptable>".to_owned(),
                in_reply_to: None,
                thread: None,
            })
        });
    }
    match event.raw().deserialize().ok()? {
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::UnstablePollStart(
            SyncMessageLikeEvent::Original(p),
        )) if p.sender == from => {
            let UnstablePollStartEventContent::New(content) = p.content else {
                return None;
            };
            let block = &content.poll_start;
            Some(Sent::PollStart(PollStart {
                event_id: p.event_id,
                question: block.question.text.clone(),
                answers: block
                    .answers
                    .iter()
                    .map(|a| (a.id.clone(), a.text.clone()))
                    .collect(),
                disclosed: block.kind == PollKind::Disclosed,
                max_selections: block.max_selections.into(),
                fallback: content.text.clone(),
                in_reply_to: match content.relates_to {
                    Some(RelationWithoutReplacement::Reply(r)) => Some(r.in_reply_to.event_id),
                    Some(RelationWithoutReplacement::Thread(t)) => {
                        t.in_reply_to.map(|r| r.event_id)
                    }
                    _ => None,
                },
            }))
        }
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::UnstablePollEnd(
            SyncMessageLikeEvent::Original(e),
        )) if e.sender == from => Some(Sent::PollEnd {
            start: e.content.relates_to.event_id,
            text: e.content.text,
        }),
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
            SyncMessageLikeEvent::Original(m),
        )) if m.sender == from => {
            let (in_reply_to, thread) = match m.content.relates_to {
                Some(Relation::Reply(r)) => (Some(r.in_reply_to.event_id), None),
                Some(Relation::Thread(t)) => (t.in_reply_to.map(|r| r.event_id), Some(t.event_id)),
                _ => (None, None),
            };
            let body = match m.content.msgtype {
                MessageType::Notice(n) => n.body,
                MessageType::Text(t) => t.body,
                _ => "<other>".to_owned(),
            };
            // The introduction is not a reply to anything: tests that count replies pass over
            // it (the intro tests read it with `intro_count`).
            if body == intro_text() {
                return None;
            }
            Some(Sent::Message(Reply {
                body,
                in_reply_to,
                thread,
            }))
        }
        _ => None,
    }
}

/// Every event of `room` as the user's client reads it from the homeserver (decrypted where it
/// can be), paging back to the room's start; newest first.
pub async fn history(room: &Room) -> Vec<matrix_sdk::deserialized_responses::TimelineEvent> {
    use matrix_sdk::{room::MessagesOptions, ruma::UInt};
    let mut events = Vec::new();
    let mut from = None;
    loop {
        let mut options = MessagesOptions::backward();
        options.from = from;
        options.limit = UInt::from(100u32);
        let page = room.messages(options).await.expect("history");
        let done = page.chunk.is_empty();
        events.extend(page.chunk);
        match page.end {
            Some(end) if !done => from = Some(end),
            _ => return events,
        }
    }
}

/// The bot's introduction (`intro` in `_messages.toml`), as sent.
pub fn intro_text() -> &'static str {
    static INTRO: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    INTRO.get_or_init(|| response_set().messages.intro)
}

/// The repo's response set, to compare answers against.
pub fn response_set() -> confidant::responses::ResponseSet {
    confidant::responses::load(&repo().join("responses"), None).expect("response set loads")
}

/// Every file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
