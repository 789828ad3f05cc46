//! The recovery key: the bot's cross-signing identity kept in the homeserver's secret storage,
//! so a lost data dir need not become a new identity.
//!
//! Secret storage holds only the three private cross-signing keys, encrypted with a key that
//! exists nowhere but in what `login` prints. Room-key backup stays off: the bot keeps no
//! history, so there is nothing of the conversations to restore. `recover` logs in as a new
//! device, opens the storage with the key, takes the cross-signing keys and signs the new device
//! with them: users who had verified the bot see the same identity.

use anyhow::Context;
use matrix_sdk::{
    Client,
    encryption::secret_storage::SecretStorageError,
    ruma::{events::GlobalAccountDataEventType, serde::Raw},
};
use matrix_sdk_base::crypto::secret_storage::DecodeError;

use crate::privacy::Secret;

/// What the homeserver's secret storage holds for the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A recovery key was set up and the storage holds the cross-signing keys under it.
    SetUp,
    /// No recovery key was ever set up for the account.
    None,
    /// A default key exists but the cross-signing keys are not (all) stored under it: set up by
    /// another client, or interrupted.
    Incomplete,
}

/// Why a recovery key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// Not a recovery key as `login` prints it (checked before anything reaches the homeserver).
    #[error("CONFIDANT_RECOVERY_KEY is not a recovery key ({0})")]
    Malformed(&'static str),
    /// The account has no secret storage.
    #[error("the account has no recovery key set up on the homeserver")]
    NoneSetUp,
    /// The key does not open the account's secret storage.
    #[error(
        "the recovery key does not open the account's secret storage (a key from another account, or one replaced since)"
    )]
    WrongKey,
    /// The storage opened but holds no usable cross-signing keys for the current identity.
    #[error(
        "the secret storage holds no cross-signing keys of the account's current identity ({0})"
    )]
    NoIdentity(String),
}

impl RecoveryError {
    /// What the operator can do.
    pub fn fix(&self) -> &'static str {
        match self {
            RecoveryError::Malformed(_) | RecoveryError::WrongKey => {
                "set CONFIDANT_RECOVERY_KEY (or CONFIDANT_RECOVERY_KEY_FILE) to the key `confidant login` printed, 48 letters and digits in groups of four; spaces do not matter"
            }
            RecoveryError::NoneSetUp | RecoveryError::NoIdentity(_) => {
                "the identity cannot be restored: start over with `confidant login` (a new identity; users who verified the bot must verify it again)"
            }
        }
    }
}

/// The Bitcoin alphabet base58 uses for recovery keys.
const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// A recovery key's first two bytes, and its length decoded: prefix, 32 key bytes, parity.
const PREFIX: [u8; 2] = [0x8b, 0x01];
const DECODED_LEN: usize = 2 + 32 + 1;

/// Checks that `text` is a recovery key as the Matrix spec writes them (base58 with a prefix and
/// a parity byte, whitespace insignificant): a typo is caught here, before any login.
pub fn check_key(text: &str) -> Result<(), RecoveryError> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() {
        return Err(RecoveryError::Malformed("it is empty"));
    }
    // Base58 to bytes, big-endian.
    let mut bytes: Vec<u8> = Vec::with_capacity(DECODED_LEN);
    for d in &digits {
        let Some(mut carry) = ALPHABET.iter().position(|a| a == d).map(|v| v as u32) else {
            return Err(RecoveryError::Malformed(
                "it has a character no recovery key has (0, O, I, l or punctuation)",
            ));
        };
        for byte in bytes.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = digits.iter().take_while(|&&d| d == b'1').count();
    let decoded: Vec<u8> = std::iter::repeat_n(0, zeros).chain(bytes).collect();
    if decoded.len() != DECODED_LEN {
        return Err(RecoveryError::Malformed("it is too short or too long"));
    }
    if decoded[..2] != PREFIX {
        return Err(RecoveryError::Malformed(
            "it does not start as a recovery key",
        ));
    }
    let parity = decoded[..DECODED_LEN - 1].iter().fold(0, |acc, b| acc ^ b);
    if parity != decoded[DECODED_LEN - 1] {
        return Err(RecoveryError::Malformed(
            "its check digit does not match: a character was mistyped",
        ));
    }
    Ok(())
}

/// Sets up a new recovery key: secret storage with the bot's private cross-signing keys under
/// a fresh random key, which replaces any earlier one. Returns the key to show the operator,
/// once; it is stored nowhere on this machine.
pub async fn create(client: &Client) -> anyhow::Result<Secret<String>> {
    let encryption = client.encryption();
    let complete = encryption
        .cross_signing_status()
        .await
        .is_some_and(|s| s.is_complete());
    anyhow::ensure!(
        complete,
        "this device does not hold the private cross-signing keys, so there is nothing to keep"
    );
    let store = encryption
        .secret_storage()
        .create_secret_store()
        .await
        .context("cannot store the cross-signing keys on the homeserver")?;
    Ok(Secret::new(store.secret_storage_key()))
}

/// After a new identity replaced the one the secret storage holds: the storage is switched off
/// (its default key emptied, as clients read it), so no tool reports a recovery key that could
/// only bring back the old identity. A new key comes from `login` or `recovery-key`.
pub async fn forget_stale(client: &Client) -> anyhow::Result<()> {
    if !has_storage(client).await? {
        return Ok(());
    }
    let empty = serde_json::value::to_raw_value(&serde_json::json!({}))?;
    client
        .account()
        .set_account_data_raw(
            GlobalAccountDataEventType::SecretStorageDefaultKey,
            Raw::from_json(empty),
        )
        .await
        .context("cannot switch off the old secret storage")?;
    Ok(())
}

/// Restores the identity on this (new) device: opens secret storage with `key`, takes the
/// cross-signing keys (only if they match the identity the homeserver publishes) and signs this
/// device with them.
pub async fn restore(client: &Client, key: &Secret<String>) -> anyhow::Result<()> {
    let store = client
        .encryption()
        .secret_storage()
        .open_secret_store(key.expose())
        .await
        .map_err(|e| match e {
            SecretStorageError::MissingKeyInfo { .. } => RecoveryError::NoneSetUp.into(),
            SecretStorageError::SecretStorageKey(DecodeError::Mac(_)) => {
                RecoveryError::WrongKey.into()
            }
            SecretStorageError::SecretStorageKey(_) => {
                RecoveryError::Malformed("the homeserver's storage does not take it").into()
            }
            other => anyhow::Error::new(other).context("cannot open the secret storage"),
        })?;
    store.import_secrets().await.map_err(|e| match e {
        SecretStorageError::ImportError { name, error } => {
            RecoveryError::NoIdentity(format!("{name}: {error}")).into()
        }
        other => anyhow::Error::new(other).context("cannot take the cross-signing keys"),
    })?;
    let complete = client
        .encryption()
        .cross_signing_status()
        .await
        .is_some_and(|s| s.is_complete());
    if !complete {
        return Err(RecoveryError::NoIdentity("some of the three keys are missing".into()).into());
    }
    Ok(())
}

/// Whether the account has secret storage switched on at all (a default key clients can read):
/// one request, where [`status`] takes four. `false` is exactly [`Status::None`].
pub async fn has_storage(client: &Client) -> anyhow::Result<bool> {
    client
        .encryption()
        .secret_storage()
        .is_enabled()
        .await
        .context("cannot read the account's secret storage")
}

/// Whether the homeserver's secret storage holds the bot's cross-signing keys (without the key,
/// it can only tell that they are stored, not open them).
pub async fn status(client: &Client) -> anyhow::Result<Status> {
    let storage = client.encryption().secret_storage();
    let Some(default) = storage
        .fetch_default_key_id()
        .await
        .context("cannot read the account's secret storage")?
    else {
        return Ok(Status::None);
    };
    let Ok(default) = default.deserialize() else {
        return Ok(Status::None);
    };
    let key_id = default.key_id;
    for name in [
        "m.cross_signing.master",
        "m.cross_signing.self_signing",
        "m.cross_signing.user_signing",
    ] {
        let stored = client
            .account()
            .fetch_account_data(GlobalAccountDataEventType::from(name))
            .await
            .context("cannot read the account's secret storage")?;
        if !stored
            .as_ref()
            .is_some_and(|raw| encrypted_for(raw, &key_id))
        {
            return Ok(Status::Incomplete);
        }
    }
    Ok(Status::SetUp)
}

/// Whether a secret's account data holds it encrypted for `key_id`.
fn encrypted_for<T>(raw: &Raw<T>, key_id: &str) -> bool {
    raw.get_field::<serde_json::Map<String, serde_json::Value>>("encrypted")
        .ok()
        .flatten()
        .is_some_and(|m| m.contains_key(key_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key written as the spec's encoding makes it: prefix, 32 bytes, parity, base58, in
    /// groups of four.
    fn key_of(secret: [u8; 32]) -> String {
        let mut bytes = PREFIX.to_vec();
        bytes.extend_from_slice(&secret);
        bytes.push(bytes.iter().fold(0, |acc, b| acc ^ b));
        // Base58 by repeated division.
        let mut digits = Vec::new();
        let mut n = bytes.clone();
        while n.iter().any(|&b| b != 0) {
            let mut rem = 0u32;
            for b in n.iter_mut() {
                let cur = rem * 256 + u32::from(*b);
                *b = (cur / 58) as u8;
                rem = cur % 58;
            }
            digits.push(ALPHABET[rem as usize]);
        }
        digits.extend(bytes.iter().take_while(|&&b| b == 0).map(|_| b'1'));
        digits.reverse();
        let text = String::from_utf8(digits).unwrap();
        text.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_key_as_written_passes_with_or_without_its_spaces() {
        for secret in [[0u8; 32], [7; 32], [255; 32]] {
            let key = key_of(secret);
            assert!(check_key(&key).is_ok(), "{key}");
            assert!(check_key(&key.replace(' ', "")).is_ok());
            assert!(check_key(&format!("  {key}\n")).is_ok());
        }
    }

    #[test]
    fn each_kind_of_mistake_is_named() {
        let key = key_of([42; 32]);
        let malformed = |k: &str| match check_key(k) {
            Err(RecoveryError::Malformed(why)) => why,
            other => panic!("{k:?}: {other:?}"),
        };
        assert!(malformed("").contains("empty"));
        assert!(
            malformed(&key.replacen(|c: char| c.is_alphanumeric(), "0", 1)).contains("character")
        );
        assert!(malformed(&key[..key.len() - 5]).contains("short"));
        // One character changed for another of the alphabet: the parity catches it.
        let last = key.chars().last().unwrap();
        let other = if last == 'a' { 'b' } else { 'a' };
        let typo = format!("{}{other}", &key[..key.len() - 1]);
        assert!(malformed(&typo).contains("check digit"), "{typo}");
    }

    #[test]
    fn the_spec_example_shape_is_48_characters_in_twelve_groups() {
        let key = key_of([9; 32]);
        assert_eq!(key.split(' ').count(), 12, "{key}");
        assert_eq!(key.replace(' ', "").len(), 48);
    }
}
