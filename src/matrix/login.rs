//! `confidant login`: the operator's one-time first start, with the password. It stores the
//! session and sets up cross-signing, so that `run` never needs the password.

use std::time::Duration;

use super::{
    session::{self, Start},
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
}

/// The one-time login: stores the session and sets up cross-signing, then stops. Afterwards
/// `run` needs no password.
pub async fn login(
    config: &Config,
    secrets: &Secrets,
    password: Option<&Secret<String>>,
) -> anyhow::Result<LoginReport> {
    session::prepare_data_dir(&config.data_dir)?;
    let _lock = session::lock_data_dir(&config.data_dir).map_err(StartError::Locked)?;
    let (client, start) = session::open(config, secrets, password).await?;
    let cross_signed = session::ensure_cross_signing(&client, config, password).await?;
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
