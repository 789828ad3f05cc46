//! `confidant login` and `confidant doctor`: the operator's first start and health check.
//!
//! Doctor runs every check it can and prints one line each, ✓ or ✗, with the exact fix. It
//! opens the stores read-mostly and never creates, resets or deletes anything: a missing store
//! or session is reported, not made.

use std::{fmt, path::Path, time::Duration};

use matrix_sdk::Client;

use super::{
    fault::{Fault, SessionError},
    forget,
    session::{self, SESSION_FILE, STORE_DIR, Start},
};
use crate::{
    check,
    config::{self, Config, Env, Secrets},
    privacy::Secret,
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
        Ok(c) => {
            lines.push(pass(
                "config",
                format!("{} is valid", config_path.display()),
            ));
            c
        }
        Err(e) => {
            lines.push(fail(
                "config",
                e.to_string(),
                "correct the keys named above (config.example.toml explains each)",
            ));
            return lines;
        }
    };
    let secrets = match Secrets::from_env(env) {
        Ok(s) => {
            lines.push(pass("secrets", "store passphrase set"));
            Some(s)
        }
        Err(e) => {
            lines.push(fail(
                "secrets",
                e.to_string(),
                "set CONFIDANT_STORE_PASSPHRASE or CONFIDANT_STORE_PASSPHRASE_FILE",
            ));
            None
        }
    };
    lines.push(
        match check::check_dir(&config.responses_dir, config.overlay_dir.as_deref()) {
            Ok(issues) if issues.is_empty() => pass(
                "responses",
                format!("{} is valid", config.responses_dir.display()),
            ),
            Ok(issues) => fail(
                "responses",
                format!("{} problems, first: {}", issues.len(), issues[0]),
                match &config.overlay_dir {
                    Some(overlay) => format!(
                        "run `confidant check --responses {} --overlay {}` and fix what it lists",
                        config.responses_dir.display(),
                        overlay.display()
                    ),
                    None => format!(
                        "run `confidant check --responses {}` and fix what it lists",
                        config.responses_dir.display()
                    ),
                },
            ),
            Err(e) => fail(
                "responses",
                e.to_string(),
                "point responses_dir at the response folder",
            ),
        },
    );
    let versions = homeserver_versions(&config.homeserver).await;
    let reachable = versions.is_ok();
    lines.push(match versions {
        Ok(v) => pass("homeserver", format!("{} answers (versions {v})", config.homeserver)),
        Err(e) => fail(
            "homeserver",
            format!("{} does not answer: {e}", config.homeserver),
            "check the homeserver address (CONFIDANT_HOMESERVER or `homeserver`) and that the server is up",
        ),
    });
    let loose = session::loose_modes(&config.data_dir);
    lines.push(if !config.data_dir.exists() {
        fail(
            "data dir",
            format!("{} does not exist", config.data_dir.display()),
            "run `confidant login --config FILE` first",
        )
    } else if loose.is_empty() {
        pass(
            "data dir",
            format!(
                "{} and its files are private (0700/0600)",
                config.data_dir.display()
            ),
        )
    } else {
        let list: Vec<String> = loose
            .iter()
            .map(|(p, m)| format!("{} is {m:o}", p.display()))
            .collect();
        fail(
            "data dir",
            list.join(", "),
            format!("chmod -R go-rwx {}", config.data_dir.display()),
        )
    });
    if config.data_dir.exists() {
        // The same reading as `run`'s, so a bad line is found before a start stops on it.
        lines.push(
            match forget::Pending::open(&config.data_dir).map(|p| p.rooms().len()) {
                Ok(0) => pass("forgets", "none pending"),
                Ok(n) => pass(
                    "forgets",
                    format!("{n} pending; the next start finishes them"),
                ),
                Err(e) => fail(
                    "forgets",
                    e.to_string(),
                    format!(
                        "fix or remove that line of {}",
                        config.data_dir.join(forget::PENDING_FILE).display()
                    ),
                ),
            },
        );
    }
    let Some(secrets) = secrets else { return lines };
    if !config.data_dir.join(STORE_DIR).exists() || !config.data_dir.join(SESSION_FILE).exists() {
        lines.push(fail(
            "session",
            "no session or stores yet",
            "run `confidant login --config FILE` first",
        ));
        return lines;
    }
    // The stores belong to one process at a time: beside a running bot, doctor does not open
    // them (and says so) rather than race it.
    let _lock = match session::lock_data_dir(&config.data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            lines.push(fail(
                "stores",
                format!("not opened: {e}"),
                "run doctor while the bot is stopped (systemctl stop confidant), or read the bot's own log",
            ));
            return lines;
        }
    };
    let client = match session::build_client(&config, &secrets.store_passphrase).await {
        Ok(c) => {
            lines.push(pass(
                "stores",
                "crypto and state stores open with the passphrase",
            ));
            c
        }
        Err(e) => {
            lines.push(fail(
                "stores",
                format!("{e:#}"),
                "set CONFIDANT_STORE_PASSPHRASE to the passphrase used at login; never delete the stores to get past this",
            ));
            return lines;
        }
    };
    if let Err(e) = session::login_or_restore(&client, &config, None).await {
        lines.push(fail(
            "session",
            format!("{e:#}"),
            "run `confidant login --config FILE`",
        ));
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
    let stored_device = client
        .device_id()
        .map(|d| d.to_string())
        .unwrap_or_default();
    lines.push(match client.whoami().await {
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
    });
    client
        .encryption()
        .wait_for_e2ee_initialization_tasks()
        .await;
    lines.push(if session::is_cross_signed(&client).await {
        pass("cross-signing", "the bot's device is signed by its own identity")
    } else {
        fail(
            "cross-signing",
            "the bot's device is not cross-signed; clients that only share keys with verified devices will not talk to it",
            "run `confidant login --config FILE` with CONFIDANT_PASSWORD set",
        )
    });
    lines.push(match client.encryption().ed25519_key().await {
        Some(_) if own_device_known(&client).await => pass(
            "encryption",
            "device keys exist and the homeserver has them",
        ),
        _ => fail(
            "encryption",
            "the device's keys are not on the homeserver",
            "start the bot once (`confidant run`) so it uploads them",
        ),
    });
    lines
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

/// What `login` did, for the operator.
#[derive(Debug)]
pub struct LoginReport {
    /// Whether this was a new login or an existing session.
    pub start: Start,
    /// The bot's device.
    pub device_id: String,
    /// Whether the device is cross-signed now.
    pub cross_signed: bool,
}

/// The one-time login: stores the session and sets up cross-signing, then stops. Afterwards
/// `run` needs no password.
pub async fn login(
    config: &Config,
    secrets: &Secrets,
    password: &Secret<String>,
) -> anyhow::Result<LoginReport> {
    session::prepare_data_dir(&config.data_dir)?;
    let _lock = session::lock_data_dir(&config.data_dir)?;
    let (client, start) = session::open(config, secrets, Some(password)).await?;
    let cross_signed = session::ensure_cross_signing(&client, config, Some(password)).await?;
    // Sends the device keys and signatures that are still queued.
    let _ = client
        .sync_once(matrix_sdk::config::SyncSettings::new().timeout(Duration::ZERO))
        .await;
    let device_id = client
        .device_id()
        .map(|d| d.to_string())
        .unwrap_or_default();
    Ok(LoginReport {
        start,
        device_id,
        cross_signed,
    })
}
