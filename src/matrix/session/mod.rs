//! The bot's Matrix identity: data dir, encrypted stores, session file, login or restore, and
//! cross-signing.
//!
//! What reaches disk is deliberately small: the crypto store and the state store (sqlite, both
//! encrypted with the store passphrase) and the session file (0600). The event cache and the
//! media store stay in memory, so no message, decrypted or not, is written by the SDK.
//!
//! The data dir's own files (its lock, the check for loose modes, private writes) are in `files`.

mod device_code;
mod files;
#[cfg(test)]
mod tests;

use std::{fs, os::unix::fs::PermissionsExt, path::Path};

use anyhow::Context;
use matrix_sdk::{
    AuthSession, Client, SessionMeta, SessionTokens, SqliteCryptoStore, SqliteStateStore,
    SqliteStoreConfig,
    authentication::{
        matrix::MatrixSession,
        oauth::{ClientId, OAuthSession, UserSession},
    },
    config::{RequestConfig, StoreConfig},
    cross_process_lock::CrossProcessLockConfig,
    encryption::EncryptionSettings,
    ruma::{OwnedDeviceId, OwnedUserId, api::client::uiaa},
    store::RoomLoadSettings,
};
use matrix_sdk_base::crypto::CollectStrategy;
use serde::{Deserialize, Serialize};

pub use self::device_code::DeviceCode;
use self::files::create_private_dir;
pub use self::files::{
    DirLock, LOCK_FILE, LockError, hold_data_dir, lock_data_dir, loose_modes, running_pid,
    write_private,
};
use super::{
    fault::{Fault, Next, SessionError},
    outbox::backoff,
    start::StartError,
};
use crate::{
    config::{Config, Secrets},
    privacy::Secret,
};

/// Tries to confirm the session with the homeserver at start before giving up.
const START_ATTEMPTS: u32 = 5;

/// The session file, inside the data dir.
pub const SESSION_FILE: &str = "session.json";
/// The folder of the sqlite stores, inside the data dir.
pub const STORE_DIR: &str = "store";

/// What the session file holds: enough to restore the same device without a password.
#[derive(Serialize, Deserialize)]
struct SessionFile {
    homeserver: String,
    /// The account, device and tokens (with the refresh token of an OAuth session).
    session: MatrixSession,
    /// Set when the session came from the homeserver's OAuth 2.0 authorization server (the
    /// device-code login): the client id its tokens are refreshed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth_client_id: Option<String>,
}

/// How the client came to be logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A new device: first login with the password.
    FirstLogin,
    /// The stored session was restored: same device, no login.
    Restored,
    /// The homeserver had ended the stored session but kept the device (soft logout): logged in
    /// again with the password on the same device, so the identity is unchanged.
    LoggedInAgain,
}

/// Whether the data dir holds a session file: the bot has logged in with it before.
pub fn has_session(data_dir: &Path) -> bool {
    data_dir.join(SESSION_FILE).is_file()
}

/// Creates the data dir (0700) if needed and warns when it or its files are looser.
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    // Everything this process creates from here on (sqlite files, their WAL and SHM files, the
    // session file) is private to the bot's user, whoever creates it.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    if !dir.exists() {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data dir {}", dir.display()))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot set mode 0700 on {}", dir.display()))?;
    }
    for (path, mode) in loose_modes(dir) {
        tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "data dir entry is readable by others; chmod go-rwx");
    }
    Ok(())
}

/// Opens the encrypted stores and builds the client; a wrong passphrase fails here, closed:
/// nothing is reset or wiped.
pub async fn build_client(config: &Config, passphrase: &Secret<String>) -> anyhow::Result<Client> {
    build_client_at(config, &config.data_dir.join(STORE_DIR), passphrase).await
}

/// The same, on the stores in `store_dir` (`doctor` opens a scratch copy).
pub async fn build_client_at(
    config: &Config,
    store_dir: &Path,
    passphrase: &Secret<String>,
) -> anyhow::Result<Client> {
    let store_dir = store_dir.to_owned();
    create_private_dir(&store_dir)?;
    let sqlite = SqliteStoreConfig::new(&store_dir).passphrase(Some(passphrase.expose()));
    let not_opened = |cause: String| StartError::Stores {
        store_dir: store_dir.clone(),
        cause,
    };
    let state = SqliteStateStore::open_with_config(&sqlite)
        .await
        .map_err(|e| not_opened(e.to_string()))?;
    let crypto = SqliteCryptoStore::open_with_config(&sqlite)
        .await
        .map_err(|e| not_opened(e.to_string()))?;
    // Event cache and media stay in the default in-memory stores: decrypted messages would
    // otherwise reach disk. The event cache is never subscribed either.
    let stores = StoreConfig::new(CrossProcessLockConfig::SingleProcess)
        .state_store(state)
        .crypto_store(crypto);
    let client = Client::builder()
        .homeserver_url(&config.homeserver)
        // Talk to the configured homeserver only, even if a login response points elsewhere.
        .respect_login_well_known(false)
        .store_config(stores)
        .request_config(RequestConfig::new().retry_limit(3))
        // Cross-signing is bootstrapped explicitly (see `ensure_cross_signing`); backups stay
        // off so the conversation's room keys never sit on the homeserver.
        .with_encryption_settings(EncryptionSettings {
            auto_enable_cross_signing: false,
            auto_enable_backups: false,
            ..EncryptionSettings::default()
        })
        // Answers go to every device of the person asking, verified or not, as Element does by
        // default. Set explicitly so an SDK upgrade cannot silently change who can read them.
        .with_room_key_recipient_strategy(CollectStrategy::AllDevices)
        // An OAuth session's access token is short-lived: the client refreshes it when the
        // homeserver says it ran out (a password session has no refresh token and is unchanged).
        .handle_refresh_tokens()
        .build()
        .await
        .context("cannot set up the Matrix client")?;
    // Each refresh replaces the refresh token too, so it is written at once: a restart with
    // the old one would find it revoked.
    let (homeserver, data_dir) = (config.homeserver.clone(), config.data_dir.clone());
    client
        .set_session_callbacks(
            Box::new(|client| client.session_tokens().ok_or_else(|| "no session".into())),
            Box::new(move |client| {
                write_session_file(&client, &homeserver, &data_dir).map_err(|e| {
                    tracing::error!("the refreshed session could not be written to the data dir");
                    e.into()
                })
            }),
        )
        .context("cannot set up the Matrix client")?;
    Ok(client)
}

/// Refuses a session file written for another account or another homeserver: its access token
/// must never be sent to a server it was not issued by.
fn check_stored(path: &Path, stored: &SessionFile, config: &Config) -> Result<(), StartError> {
    if stored.session.meta.user_id.as_str() != config.user_id {
        return Err(StartError::SessionFile(format!(
            "{} belongs to {}, but the config says {}; use another data_dir for another account",
            path.display(),
            stored.session.meta.user_id,
            config.user_id
        )));
    }
    if stored.homeserver.trim_end_matches('/') != config.homeserver.trim_end_matches('/') {
        return Err(StartError::SessionFile(format!(
            "{} was written for the homeserver {}, but the config says {}; its access token is \
             not sent anywhere else. If it is the same server at a new address, set \
             \"homeserver\" in that file to the new URL",
            path.display(),
            stored.homeserver,
            config.homeserver
        )));
    }
    Ok(())
}

/// Builds the client and brings it to a session the homeserver accepts: restores the stored
/// one (or logs in the first time), then confirms it. A passing fault (no answer, a 5xx, a 429) is
/// retried [`START_ATTEMPTS`] times with backoff and said in the log; a soft logout with the
/// password at hand logs in again on the same device; anything else stops with its
/// [`SessionError`], which says what to do.
///
/// With `device_code`, a first session comes from the OAuth 2.0 device-code login instead of
/// the password or a token, and the code is shown with it.
pub async fn open(
    config: &Config,
    secrets: &Secrets,
    password: Option<&Secret<String>>,
    device_code: Option<&dyn Fn(&DeviceCode)>,
) -> anyhow::Result<(Client, Start)> {
    let client = build_client(config, &secrets.store_passphrase).await?;
    let start = match (&secrets.access_token, device_code) {
        _ if has_session(&config.data_dir) => login_or_restore(&client, config, password).await?,
        (_, Some(show)) => {
            device_code::login(&client, config, show).await?;
            Start::FirstLogin
        }
        (Some(token), None) => {
            login_with_token(&client, config, token).await?;
            Start::FirstLogin
        }
        (None, None) => login_or_restore(&client, config, password).await?,
    };
    if confirm(&client, config, password.is_some()).await? == Confirmed::Yes {
        return Ok((client, start));
    }
    let Some(password) = password else {
        return Err(SessionError::SoftLoggedOut.into());
    };
    let device = client
        .device_id()
        .context("a restored session without a device")?
        .to_owned();
    // A client takes one login for its life: a new one, on the same stores, logs in on the
    // device the stores hold the keys of. The old one's encryption set-up task holds a handle
    // to it; let it finish first, so two clients never share the crypto store.
    client
        .encryption()
        .wait_for_e2ee_initialization_tasks()
        .await;
    drop(client);
    let client = build_client(config, &secrets.store_passphrase).await?;
    client
        .matrix_auth()
        .login_username(&config.user_id, password.expose())
        .device_id(device.as_str())
        .send()
        .await
        .with_context(|| {
            format!(
                "logging in again on device {device} after a soft logout failed (wrong password?)"
            )
        })?;
    write_session(&client, config)?;
    tracing::info!("logged in again on the same device after a soft logout");
    match confirm(&client, config, false).await? {
        Confirmed::LoginAgain => Err(SessionError::SoftLoggedOut.into()),
        Confirmed::Yes => Ok((client, Start::LoggedInAgain)),
    }
}

/// What the homeserver said of the session.
#[derive(Debug, PartialEq, Eq)]
enum Confirmed {
    /// It is valid.
    Yes,
    /// It ended in a soft logout and the password is at hand: log in again on the same device.
    LoginAgain,
}

/// Asks the homeserver whose session this is, riding out passing faults.
async fn confirm(
    client: &Client,
    config: &Config,
    have_password: bool,
) -> anyhow::Result<Confirmed> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let fault = match client.whoami().await {
            Ok(_) => return Ok(Confirmed::Yes),
            Err(e) => Fault::of_http(&e),
        };
        match fault.next(have_password) {
            Next::Retry if attempt < START_ATTEMPTS => {
                let pause = backoff(attempt);
                tracing::warn!(
                    fault = fault.kind(),
                    attempt,
                    pause_s = pause.as_secs(),
                    "homeserver not reachable; retrying"
                );
                tokio::time::sleep(pause).await;
            }
            Next::Retry => {
                return Err(SessionError::Unreachable {
                    homeserver: config.homeserver.clone(),
                    kind: fault.kind(),
                    attempts: attempt,
                }
                .into());
            }
            Next::LoginAgain => return Ok(Confirmed::LoginAgain),
            Next::Stop => {
                return Err(
                    SessionError::for_fault(fault, have_password, config.data_dir.clone())
                        .map_or_else(
                            || {
                                anyhow::anyhow!(
                                    "the homeserver refused the session ({})",
                                    fault.kind()
                                )
                            },
                            Into::into,
                        ),
                );
            }
        }
    }
}

/// Writes the client's session to the session file.
fn write_session(client: &Client, config: &Config) -> anyhow::Result<()> {
    write_session_file(client, &config.homeserver, &config.data_dir)
}

fn write_session_file(client: &Client, homeserver: &str, data_dir: &Path) -> anyhow::Result<()> {
    let (session, oauth_client_id) = match client.session().context("login returned no session")? {
        AuthSession::Matrix(session) => (session, None),
        AuthSession::OAuth(oauth) => {
            let OAuthSession {
                client_id,
                user: UserSession { meta, tokens },
            } = *oauth;
            (
                MatrixSession { meta, tokens },
                Some(client_id.as_str().to_owned()),
            )
        }
        _ => anyhow::bail!("the session is of a kind confidant cannot store"),
    };
    write_private(
        &data_dir.join(SESSION_FILE),
        &serde_json::to_vec(&SessionFile {
            homeserver: homeserver.to_owned(),
            session,
            oauth_client_id,
        })?,
    )
}

/// Whose `token` is and for which device, asked with a client that keeps nothing. `what` names
/// the token in errors.
pub(super) async fn token_owner(
    config: &Config,
    token: &str,
    what: &str,
) -> anyhow::Result<(OwnedUserId, Option<OwnedDeviceId>)> {
    let user_id = matrix_sdk::ruma::UserId::parse(&config.user_id)
        .with_context(|| format!("{} is not a user id", config.user_id))?;
    let probe = Client::builder()
        .homeserver_url(&config.homeserver)
        .build()
        .await
        .with_context(|| format!("cannot reach the homeserver to check {what}"))?;
    probe
        .matrix_auth()
        .restore_session(
            MatrixSession {
                meta: SessionMeta {
                    user_id: user_id.clone(),
                    device_id: OwnedDeviceId::from("CONFIDANTPROBE"),
                },
                tokens: SessionTokens {
                    access_token: token.to_owned(),
                    refresh_token: None,
                },
            },
            RoomLoadSettings::default(),
        )
        .await
        .with_context(|| format!("cannot use {what}"))?;
    let who = probe.whoami().await.map_err(|e| {
        anyhow::anyhow!(
            "the homeserver refused {what} ({}); check that it is a valid token for {}",
            super::outbox::error_kind(&matrix_sdk::Error::Http(Box::new(e))),
            config.user_id
        )
    })?;
    Ok((who.user_id, who.device_id))
}

/// Starts the first session with an access token instead of a password: asks the homeserver
/// whose token it is and for which device (with a client that keeps nothing), then takes the
/// session on that device and stores it like a password login's. The token must come from a
/// login made for the bot that no other client has used for encryption: the bot's keys become
/// that device's.
pub async fn login_with_token(
    client: &Client,
    config: &Config,
    token: &Secret<String>,
) -> anyhow::Result<()> {
    let (user_id, device_id) =
        token_owner(config, token.expose(), "CONFIDANT_ACCESS_TOKEN").await?;
    anyhow::ensure!(
        user_id.as_str() == config.user_id,
        "CONFIDANT_ACCESS_TOKEN belongs to {user_id}, not to user_id {}; use a token of the bot's account",
        config.user_id
    );
    let Some(device_id) = device_id else {
        anyhow::bail!(
            "CONFIDANT_ACCESS_TOKEN has no device (an application service token?); use a token from a login of the bot's account"
        );
    };
    let tokens = SessionTokens {
        access_token: token.expose().clone(),
        refresh_token: None,
    };
    client
        .matrix_auth()
        .restore_session(
            MatrixSession {
                meta: SessionMeta { user_id, device_id },
                tokens,
            },
            RoomLoadSettings::default(),
        )
        .await
        .context("cannot start the session with the access token")?;
    write_session(client, config)?;
    Ok(())
}

/// Restores the stored session, or logs in with the password when there is none.
pub async fn login_or_restore(
    client: &Client,
    config: &Config,
    password: Option<&Secret<String>>,
) -> anyhow::Result<Start> {
    let path = config.data_dir.join(SESSION_FILE);
    if path.exists() {
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let stored: SessionFile = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a session file written by confidant",
                path.display()
            )
        })?;
        check_stored(&path, &stored, config)?;
        match stored.oauth_client_id {
            Some(client_id) => {
                let MatrixSession { meta, tokens } = stored.session;
                client
                    .oauth()
                    .restore_session(
                        OAuthSession {
                            client_id: ClientId::new(client_id),
                            user: UserSession { meta, tokens },
                        },
                        RoomLoadSettings::default(),
                    )
                    .await
            }
            None => {
                client
                    .matrix_auth()
                    .restore_session(stored.session, RoomLoadSettings::default())
                    .await
            }
        }
        .context("cannot restore the stored session")?;
        return Ok(Start::Restored);
    }
    let Some(password) = password else {
        return Err(StartError::NoSession(config.data_dir.clone()).into());
    };
    client
        .matrix_auth()
        .login_username(&config.user_id, password.expose())
        .initial_device_display_name(&config.device_name)
        .send()
        .await
        .with_context(|| {
            format!(
                "login as {} failed (wrong password or user id?)",
                config.user_id
            )
        })?;
    write_session(client, config)?;
    Ok(Start::FirstLogin)
}

/// Makes sure the bot has a cross-signing identity and its device is signed by it, so clients
/// that only share keys with verified devices still talk to it.
///
/// Returns whether the device is cross-signed afterwards.
pub async fn ensure_cross_signing(
    client: &Client,
    config: &Config,
    password: Option<&Secret<String>>,
) -> anyhow::Result<bool> {
    let encryption = client.encryption();
    encryption.wait_for_e2ee_initialization_tasks().await;
    if is_cross_signed(client).await {
        return Ok(true);
    }
    let status = encryption.cross_signing_status().await;
    let have_keys = status.is_some_and(|s| s.is_complete());
    if have_keys {
        // Keys are here but the device lacks the signature (e.g. an earlier interrupted start):
        // signing it needs no password.
        if let Some(device) = encryption.get_own_device().await? {
            device
                .verify()
                .await
                .context("cannot sign the bot's own device")?;
        }
    } else {
        // No private cross-signing keys on this device: create (or replace) the identity.
        let auth = |password: &Secret<String>, session: Option<String>| {
            let mut p = uiaa::Password::new(
                uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(
                    config.user_id.clone(),
                )),
                password.expose().clone(),
            );
            p.session = session;
            uiaa::AuthData::Password(p)
        };
        // A homeserver lets an account's first cross-signing keys up without a password
        // (MSC3967, Synapse); replacing keys needs it.
        if let Err(e) = encryption.bootstrap_cross_signing(None).await {
            let Some(response) = e.as_uiaa_response() else {
                return Err(anyhow::Error::new(e).context("cannot set up cross-signing"));
            };
            let Some(password) = password else {
                tracing::warn!(
                    "device is not cross-signed and the homeserver wants the password for it; set CONFIDANT_PASSWORD once to sign it"
                );
                return Ok(false);
            };
            encryption
                .bootstrap_cross_signing(Some(auth(password, response.session.clone())))
                .await
                .context("cannot set up cross-signing with the password")?;
        }
        // A recovery key of an earlier identity would bring that one back, not this.
        // (The error is not logged: its request address names the account.)
        if super::recovery::forget_stale(client).await.is_err() {
            tracing::warn!(
                "an earlier recovery key could not be switched off; `doctor` may report it as set up"
            );
        }
    }
    Ok(is_cross_signed(client).await)
}

/// Whether the bot's own device carries its owner's cross-signing signature, as the homeserver
/// publishes it to other users (the keys are queried afresh).
pub async fn is_cross_signed(client: &Client) -> bool {
    if let Some(me) = client.user_id() {
        let _ = client.encryption().request_user_identity(me).await;
    }
    match client.encryption().get_own_device().await {
        Ok(Some(device)) => device.is_cross_signed_by_owner(),
        _ => false,
    }
}
