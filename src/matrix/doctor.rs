//! `confidant doctor`: the operator's health check.
//!
//! Doctor runs every check it can and prints one line each, ✓ or ✗, with the exact fix. It
//! changes no byte of the data dir: it opens a scratch copy of the stores (removed after), takes
//! the data dir's lock without writing to the lock file, and never creates, resets or deletes
//! anything of the bot's: a missing store or session is reported, not made.

use std::{fmt, path::Path, time::Duration};

use matrix_sdk::Client;

use super::{
    fault::{Fault, SessionError},
    forget, recovery,
    session::{self, STORE_DIR},
    start::StartError,
};
use crate::{
    check,
    config::{self, Config, Env, Secrets},
    responses::ResponseError,
};

/// One line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What was checked.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do about a failure.
    pub fix: String,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ok {
            write!(f, "✓ {}: {}", self.name, self.detail)
        } else {
            write!(f, "✗ {}: {}\n    fix: {}", self.name, self.detail, self.fix)
        }
    }
}

fn pass(name: &'static str, detail: impl Into<String>) -> Line {
    Line {
        name,
        ok: true,
        detail: detail.into(),
        fix: String::new(),
    }
}

fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Line {
    Line {
        name,
        ok: false,
        detail: detail.into(),
        fix: fix.into(),
    }
}

/// Runs every check; later checks that depend on an earlier one are skipped (and reported as
/// failed with the earlier fix) when it fails.
pub async fn doctor(config_path: &Path, env: &dyn Env) -> Vec<Line> {
    let mut lines = Vec::new();
    let config = match config::load(config_path, env) {
        Ok(c) => c,
        Err(e) => return vec![failed("config", &StartError::Config(e))],
    };
    lines.push(pass(
        "config",
        format!("{} is valid", config_path.display()),
    ));
    let secrets = match Secrets::from_env(env) {
        Ok(s) => {
            lines.push(pass("secrets", "store passphrase set"));
            Some(s)
        }
        Err(e) => {
            lines.push(failed("secrets", &StartError::Secrets(e)));
            None
        }
    };
    lines.push(responses(&config));
    let reachable = homeserver(&config).await;
    lines.push(reachable.clone());
    lines.push(data_dir(&config));
    if config.data_dir.exists() {
        lines.push(forgets(&config));
    }
    if let Some(secrets) = secrets {
        lines.extend(with_the_stores(&config, &secrets, reachable.ok).await);
    }
    lines
}

/// A failed check, worded as `run` words the same fault.
fn failed(name: &'static str, e: &StartError) -> Line {
    fail(name, e.to_string(), e.fix())
}

/// A failed check from an error that may be a start fault; anything else is the session's (a
/// session file that cannot be read or restored).
fn failed_any(name: &'static str, e: &anyhow::Error) -> Line {
    match e.downcast_ref::<StartError>() {
        Some(start) => failed(name, start),
        None => fail(
            name,
            format!("{e:#}"),
            "run `confidant login --config FILE`",
        ),
    }
}

/// The response set loads and its matcher builds, as `run` loads them.
fn responses(config: &Config) -> Line {
    let dir = &config.responses_dir;
    let overlay = config.overlay_dir.as_deref();
    let error = match check::check_dir(dir, overlay) {
        Ok(issues) if issues.is_empty() => {
            return pass("responses", format!("{} is valid", dir.display()));
        }
        Ok(issues) => ResponseError::Invalid(issues),
        Err(e) => e,
    };
    failed(
        "responses",
        &StartError::Responses {
            error: error.into(),
            dir: dir.clone(),
            overlay: overlay.map(Path::to_path_buf),
        },
    )
}

/// The homeserver answers the Matrix versions request.
async fn homeserver(config: &Config) -> Line {
    match homeserver_versions(&config.homeserver).await {
        Ok(v) => pass(
            "homeserver",
            format!("{} answers (versions {v})", config.homeserver),
        ),
        Err(e) => fail(
            "homeserver",
            format!("{} does not answer: {e}", config.homeserver),
            "check the homeserver address (CONFIDANT_HOMESERVER or `homeserver`) and that the server is up",
        ),
    }
}

/// The data dir exists and nobody else can read it.
fn data_dir(config: &Config) -> Line {
    let dir = &config.data_dir;
    if !dir.exists() {
        return fail(
            "data dir",
            format!("{} does not exist", dir.display()),
            "run `confidant login --config FILE` first",
        );
    }
    let loose = session::loose_modes(dir);
    if loose.is_empty() {
        return pass(
            "data dir",
            format!("{} and its files are private (0700/0600)", dir.display()),
        );
    }
    let list: Vec<String> = loose
        .iter()
        .map(|(p, m)| format!("{} is {m:o}", p.display()))
        .collect();
    fail(
        "data dir",
        list.join(", "),
        format!("chmod -R go-rwx {}", dir.display()),
    )
}

/// The rooms still to be forgotten read as `run` reads them, so a bad line is found before a
/// start stops on it.
fn forgets(config: &Config) -> Line {
    match forget::Pending::open(&config.data_dir).map(|p| p.rooms().len()) {
        Ok(0) => pass("forgets", "none pending"),
        Ok(n) => pass(
            "forgets",
            format!("{n} pending; the next start finishes them"),
        ),
        Err(e) => failed("forgets", &StartError::Pending(e)),
    }
}

/// The checks that open the stores: stores, session, cross-signing, encryption. The stores
/// belong to one process at a time: beside a running bot, doctor does not open them (and says
/// so) rather than race it.
async fn with_the_stores(config: &Config, secrets: &Secrets, reachable: bool) -> Vec<Line> {
    if !config.data_dir.join(STORE_DIR).exists() || !session::has_session(&config.data_dir) {
        return vec![failed(
            "session",
            &StartError::NoSession(config.data_dir.clone()),
        )];
    }
    let _lock = match session::hold_data_dir(&config.data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            let e = StartError::Locked(e);
            return vec![fail("stores", format!("not opened: {e}"), e.fix())];
        }
    };
    let scratch = match Scratch::copy_of(&config.data_dir) {
        Ok(scratch) => scratch,
        Err(e) => {
            return vec![fail(
                "stores",
                format!("cannot copy the stores to check them: {e}"),
                "make sure the data dir is writable by the bot's user and has room for a copy of the store folder",
            )];
        }
    };
    let client =
        match session::build_client_at(config, &scratch.dir, &secrets.store_passphrase).await {
            Ok(c) => c,
            Err(e) => return vec![failed_any("stores", &e)],
        };
    let mut lines = vec![pass(
        "stores",
        "crypto and state stores open with the passphrase",
    )];
    if let Err(e) = session::login_or_restore(&client, config, None).await {
        lines.push(match e.downcast_ref::<StartError>() {
            Some(e) => failed("session", e),
            None => fail(
                "session",
                format!("{e:#}"),
                "run `confidant login --config FILE`",
            ),
        });
        return lines;
    }
    if !reachable {
        lines.push(fail(
            "session",
            "not checked: the homeserver does not answer",
            "fix the homeserver line first",
        ));
        return lines;
    }
    lines.push(session_valid(&client, config).await);
    client
        .encryption()
        .wait_for_e2ee_initialization_tasks()
        .await;
    lines.push(cross_signing(&client).await);
    lines.push(recovery_key(&client).await);
    lines.push(encryption(&client).await);
    lines
}

/// The folder in the data dir that holds doctor's copy of the stores while it runs.
const SCRATCH_DIR: &str = ".doctor-scratch";

/// A copy of the store folder, removed when dropped. Doctor opens the copy: opening the stores
/// writes to them (the device list the key query brings, a change counter in each file's
/// header), and doctor changes no byte of the real ones. The copy sits beside them, as private
/// as they are, and is made while doctor holds the data dir's lock, so no bot writes meanwhile.
struct Scratch {
    dir: std::path::PathBuf,
}

impl Scratch {
    fn copy_of(data_dir: &Path) -> std::io::Result<Scratch> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = data_dir.join(SCRATCH_DIR);
        // Left by a doctor that was killed.
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let scratch = Scratch { dir };
        for entry in std::fs::read_dir(data_dir.join(STORE_DIR))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                // Modes come along with the bytes.
                std::fs::copy(entry.path(), scratch.dir.join(entry.file_name()))?;
            }
        }
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The homeserver knows the stored session, on the stored device.
async fn session_valid(client: &Client, config: &Config) -> Line {
    let stored_device = client
        .device_id()
        .map(|d| d.to_string())
        .unwrap_or_default();
    match client.whoami().await {
        Ok(who) if who.device_id.as_deref().map(|d| d.as_str()) == Some(stored_device.as_str()) => {
            pass(
                "session",
                format!("valid for {} on device {stored_device}", who.user_id),
            )
        }
        Ok(who) => fail(
            "session",
            format!(
                "the homeserver reports device {:?}, the session file {stored_device}",
                who.device_id
            ),
            "the session file does not match its device: restore the data dir from a backup",
        ),
        Err(e) => {
            // The same wording as `run` for the same fault.
            let fault = Fault::of_http(&e);
            match SessionError::for_fault(fault, false, config.data_dir.clone()) {
                Some(stop) => fail(
                    "session",
                    format!("not valid ({})", fault.kind()),
                    stop.to_string(),
                ),
                None => fail(
                    "session",
                    format!(
                        "not confirmed: the homeserver answered with a passing fault ({})",
                        fault.kind()
                    ),
                    "nothing to change: `run` retries this at start; run doctor again in a minute",
                ),
            }
        }
    }
}

/// The bot's device is signed by its own cross-signing identity.
async fn cross_signing(client: &Client) -> Line {
    if session::is_cross_signed(client).await {
        pass(
            "cross-signing",
            "the bot's device is signed by its own identity",
        )
    } else {
        fail(
            "cross-signing",
            "the bot's device is not cross-signed; clients that only share keys with verified devices will not talk to it",
            "run `confidant login --config FILE` with CONFIDANT_PASSWORD set",
        )
    }
}

/// The homeserver's secret storage holds the identity under a recovery key.
async fn recovery_key(client: &Client) -> Line {
    let fix = "with the bot stopped, run `confidant recovery-key --config FILE` and keep the key it prints offline";
    match recovery::status(client).await {
        Ok(recovery::Status::SetUp) => pass(
            "recovery key",
            "set up: the homeserver keeps the identity's keys encrypted under it, so a lost data dir can be recovered",
        ),
        Ok(recovery::Status::None) => fail(
            "recovery key",
            "none set up: if the data dir is lost, the bot comes back as a new identity that users must verify again",
            fix,
        ),
        Ok(recovery::Status::Incomplete) => fail(
            "recovery key",
            "the secret storage does not hold all three cross-signing keys, so it cannot restore the identity",
            fix,
        ),
        Err(e) => fail(
            "recovery key",
            format!("not checked: {e:#}"),
            "check that the homeserver answers, then run doctor again",
        ),
    }
}

/// The device has keys and the homeserver has them.
async fn encryption(client: &Client) -> Line {
    match client.encryption().ed25519_key().await {
        Some(_) if own_device_known(client).await => pass(
            "encryption",
            "device keys exist and the homeserver has them",
        ),
        _ => fail(
            "encryption",
            "the device's keys are not on the homeserver",
            "start the bot once (`confidant run`) so it uploads them",
        ),
    }
}

async fn own_device_known(client: &Client) -> bool {
    matches!(client.encryption().get_own_device().await, Ok(Some(_)))
}

async fn homeserver_versions(url: &str) -> Result<String, String> {
    let http = matrix_sdk::reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let response = http
        .get(format!("{url}/_matrix/client/versions"))
        .send()
        .await
        .map_err(|e| {
            if e.is_connect() {
                "connection refused or no route".to_owned()
            } else {
                e.to_string()
            }
        })?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    let body: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| "the answer is not Matrix JSON".to_owned())?;
    let versions = body["versions"].as_array().map(|v| v.len()).unwrap_or(0);
    let newest = body["versions"]
        .as_array()
        .and_then(|v| v.last())
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    Ok(format!("{versions} spec versions, newest {newest}"))
}
