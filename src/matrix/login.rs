//! The operator's one-time commands on the data dir: `login`, the first start, with the
//! password (it stores the session, sets up cross-signing and its recovery key, so that `run`
//! never needs the password); `recover`, the same identity on a new device after the data dir
//! was lost; `recovery-key`, a new recovery key for a bot that has none.

use std::time::Duration;

use super::{
    recovery,
    session::{self, DeviceCode, STORE_DIR, Start},
    start::StartError,
};
use crate::{
    config::{Config, Secrets},
    privacy::Secret,
};

/// What `login` did, for the operator.
#[derive(Debug)]
pub struct LoginReport {
    /// Whether this was a new login or an existing session.
    pub start: Start,
    /// The bot's device.
    pub device_id: String,
    /// Whether the device is cross-signed now.
    pub cross_signed: bool,
    /// A recovery key made now, to show once (for a new identity, or one that had none); why
    /// there is none when making it failed; `Ok(None)` when none was made (the identity has one,
    /// or the device is not cross-signed yet).
    pub recovery_key: Result<Option<Secret<String>>, String>,
}

/// The one-time login: stores the session and sets up cross-signing, then stops. Afterwards
/// `run` needs no password. With `device_code`, a first login is the OAuth 2.0 device-code
/// login, its code shown with it.
pub async fn login(
    config: &Config,
    secrets: &Secrets,
    password: Option<&Secret<String>>,
    device_code: Option<&dyn Fn(&DeviceCode)>,
) -> anyhow::Result<LoginReport> {
    session::prepare_data_dir(&config.data_dir)?;
    let _lock = session::lock_data_dir(&config.data_dir).map_err(StartError::Locked)?;
    let (client, start) = session::open(config, secrets, password, device_code).await?;
    let cross_signed = session::ensure_cross_signing(&client, config, password).await?;
    // A first login made a new identity: its keys go into secret storage under a new key. So
    // does an identity that has none yet (signed only now, on a second `login`).
    let needs_key = cross_signed
        && (start == Start::FirstLogin || recovery::has_storage(&client).await.ok() == Some(false));
    let recovery_key = if needs_key {
        recovery::create(&client)
            .await
            .map(Some)
            .map_err(|e| format!("{e:#}"))
    } else {
        Ok(None)
    };
    flush(&client).await;
    Ok(LoginReport {
        start,
        device_id: device_of(&client),
        cross_signed,
        recovery_key,
    })
}

/// Sends the device keys and signatures that are still queued.
async fn flush(client: &matrix_sdk::Client) {
    let _ = client
        .sync_once(matrix_sdk::config::SyncSettings::new().timeout(Duration::ZERO))
        .await;
}

fn device_of(client: &matrix_sdk::Client) -> String {
    client
        .device_id()
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// `recover`: on a data dir with no session, logs in as a new device and restores the identity
/// from the recovery key. On any failure after the login, the new device is logged out and its
/// files removed, so the data dir is as empty as before and the next try starts clean. Returns
/// the new device's id.
pub async fn recover(
    config: &Config,
    secrets: &Secrets,
    password: Option<&Secret<String>>,
    device_code: Option<&dyn Fn(&DeviceCode)>,
    key: &Secret<String>,
) -> anyhow::Result<String> {
    recovery::check_key(key.expose()).map_err(StartError::Recovery)?;
    if session::has_session(&config.data_dir) {
        return Err(StartError::HasSession(config.data_dir.clone()).into());
    }
    session::prepare_data_dir(&config.data_dir)?;
    let _lock = session::lock_data_dir(&config.data_dir).map_err(StartError::Locked)?;
    let (client, _) = session::open(config, secrets, password, device_code).await?;
    if let Err(e) = recovery::restore(&client, key).await {
        let e = match e.downcast::<recovery::RecoveryError>() {
            Ok(r) => StartError::Recovery(r).into(),
            Err(e) => e,
        };
        let _ = client.logout().await;
        drop(client);
        for path in [
            config.data_dir.join(session::SESSION_FILE),
            config.data_dir.join(STORE_DIR),
        ] {
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
        return Err(e);
    }
    flush(&client).await;
    Ok(device_of(&client))
}

/// `recovery-key`: a new recovery key for the stopped bot's identity (one made before recovery
/// keys, or whose key was lost); it replaces any earlier key.
pub async fn new_recovery_key(
    config: &Config,
    secrets: &Secrets,
) -> anyhow::Result<Secret<String>> {
    if !session::has_session(&config.data_dir) {
        return Err(StartError::NoSession(config.data_dir.clone()).into());
    }
    let _lock = session::lock_data_dir(&config.data_dir).map_err(StartError::Locked)?;
    let (client, _) = session::open(config, secrets, None, None).await?;
    client
        .encryption()
        .wait_for_e2ee_initialization_tasks()
        .await;
    let key = recovery::create(&client).await?;
    flush(&client).await;
    Ok(key)
}
