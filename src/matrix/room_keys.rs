//! Erasing a room's encryption keys from the crypto store when the bot leaves it.
//!
//! The Megolm sessions the bot received for a room decrypt every message sent in it while it
//! was there, and the homeserver keeps those messages. So whoever holds the data dir (a backup,
//! a stolen disk) and the store passphrase, together with the homeserver's copy, could read a
//! conversation long after the person asked the bot to forget it. matrix-sdk 0.18 has no call
//! that deletes them (its crypto store only ever adds sessions), so this module does it with
//! SQL on the store, beside the SDK:
//!
//! - the store hashes every room id with a key of its own (the "store cipher", kept in the
//!   store's `kv` table, encrypted with the store passphrase), so the passphrase is needed to find
//!   a room's rows; the cipher is unlocked once at start;
//! - every row keyed by the room is deleted in one transaction: the received sessions
//!   (`inbound_group_session`), the bot's own sending session, withheld-key notes, key bundles
//!   and the room's settings;
//! - with SQLite's `secure_delete` on, so the freed pages are overwritten with zeros, and a
//!   `wal_checkpoint(TRUNCATE)` after, so no copy stays in the write-ahead log.
//!
//! The SDK holds no copy of received sessions in memory (it reads them from the store each
//! time); its own sending session for the room stays cached in memory until the process ends,
//! which cannot decrypt anything already sent.
//!
//! The table and column names are matrix-sdk-sqlite 0.18's; a test against a store the SDK
//! wrote checks them, so an upgrade that changes them fails the tests, not users.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use matrix_sdk::ruma::RoomId;
use matrix_sdk_store_encryption::StoreCipher;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// The crypto store's file inside the store folder (matrix-sdk-sqlite's name).
pub const CRYPTO_STORE_FILE: &str = "matrix-sdk-crypto.sqlite3";

/// Every table with rows keyed by a room, and its room column. The room id in each is hashed
/// with the table's name.
const ROOM_TABLES: &[&str] = &[
    "inbound_group_session",
    "outbound_group_session",
    "direct_withheld_info",
    "received_room_key_bundle",
    "rooms_pending_key_bundle",
    "room_key_backups_fully_downloaded",
    "room_settings",
];

/// How long a statement waits for the SDK's own writes to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long emptying the write-ahead log may wait for readers.
const CHECKPOINT_WAIT: Duration = Duration::from_millis(200);

/// Why a room's keys could not be erased. No variant carries a room id.
#[derive(Debug, thiserror::Error)]
pub enum RoomKeyError {
    /// The store file could not be opened or read.
    #[error("cannot open the crypto store {path}: {source}")]
    Open {
        /// The store file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The store has no store cipher: it was not written with a passphrase.
    #[error("the crypto store {0} holds no store cipher; it was not created by this bot")]
    NoCipher(PathBuf),
    /// The passphrase does not unlock the store cipher.
    #[error(
        "cannot unlock the crypto store's key: is CONFIDANT_STORE_PASSPHRASE the one used when it was created?"
    )]
    Passphrase,
    /// A statement failed: the tables are not what matrix-sdk-sqlite 0.18 writes, or the store
    /// stayed locked.
    #[error("erasing the room's keys failed ({0}); the crypto store is unchanged")]
    Sql(#[from] rusqlite::Error),
}

/// What one erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Erased {
    /// Received Megolm sessions (the keys that decrypt the room's messages).
    pub sessions: usize,
    /// All rows, those included.
    pub rows: usize,
    /// Whether the write-ahead log was emptied too (not when a reader held it).
    pub log_truncated: bool,
}

/// The crypto store, unlocked for erasing rooms.
pub struct RoomKeys {
    path: PathBuf,
    cipher: StoreCipher,
}

impl RoomKeys {
    /// Unlocks the crypto store in `store_dir` with the store passphrase. Slow on purpose (the
    /// passphrase's key derivation): call it once.
    pub fn open(store_dir: &Path, passphrase: &str) -> Result<Self, RoomKeyError> {
        let path = store_dir.join(CRYPTO_STORE_FILE);
        let conn = connect(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let exported: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM kv WHERE key = 'cipher'", [], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|source| RoomKeyError::Open {
                path: path.clone(),
                source,
            })?;
        let exported = exported.ok_or_else(|| RoomKeyError::NoCipher(path.clone()))?;
        let cipher =
            StoreCipher::import(passphrase, &exported).map_err(|_| RoomKeyError::Passphrase)?;
        Ok(Self { path, cipher })
    }

    /// The room id as `table` stores it.
    fn key(&self, table: &str, room: &RoomId) -> [u8; 32] {
        self.cipher.hash_key(table, room.as_str().as_bytes())
    }

    /// Deletes every row of `room` from the store, overwriting the freed space.
    pub fn erase(&self, room: &RoomId) -> Result<Erased, RoomKeyError> {
        let mut conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.pragma_update(None, "secure_delete", true)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut erased = Erased::default();
        for table in ROOM_TABLES {
            let n = tx.execute(
                &format!("DELETE FROM \"{table}\" WHERE room_id = ?1"),
                [&self.key(table, room)[..]],
            )?;
            if *table == "inbound_group_session" {
                erased.sessions = n;
            }
            erased.rows += n;
        }
        tx.commit()?;
        // Emptying the log waits for readers and holds writers off meanwhile: wait briefly, so
        // the SDK's own writes never time out behind it. If a reader is in the way, the log is
        // emptied at a later erase or when the bot stops (the SDK checkpoints on close).
        conn.busy_timeout(CHECKPOINT_WAIT)?;
        // (busy, frames in the log, frames checkpointed): busy 0 means the log was emptied.
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        erased.log_truncated = busy == 0;
        Ok(erased)
    }

    /// The room's received sessions as they lie in the store (encrypted with the store cipher):
    /// for checks that they are gone.
    pub fn stored_sessions(&self, room: &RoomId) -> Result<Vec<Vec<u8>>, RoomKeyError> {
        let conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut stmt = conn.prepare("SELECT data FROM inbound_group_session WHERE room_id = ?1")?;
        let rows = stmt.query_map([&self.key("inbound_group_session", room)[..]], |row| {
            row.get::<_, Vec<u8>>(0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A connection that waits out the SDK's writes instead of failing at once.
fn connect(path: &Path, flags: OpenFlags) -> Result<Connection, RoomKeyError> {
    let open = || -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    };
    open().map_err(|source| RoomKeyError::Open {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::{owned_room_id, room_id};
    use matrix_sdk_base::crypto::store::CryptoStore;

    use super::*;

    /// A crypto store written by matrix-sdk-sqlite itself, with one outbound session (and its
    /// inbound copy) for each of two rooms.
    async fn store_with_two_rooms(dir: &Path) {
        use matrix_sdk_base::crypto::{
            EncryptionSettings,
            olm::{Account, SenderData},
            store::types::{Changes, PendingChanges},
        };
        let store = matrix_sdk::SqliteCryptoStore::open(dir, Some("passphrase"))
            .await
            .expect("store opens");
        let account = Account::with_device_id(
            matrix_sdk::ruma::user_id!("@bot:example.org"),
            matrix_sdk::ruma::device_id!("BOTDEVICE"),
        );
        let mut inbound = Vec::new();
        let mut outbound = Vec::new();
        for room in [
            owned_room_id!("!forget:example.org"),
            owned_room_id!("!keep:example.org"),
        ] {
            let (out, inb) = account
                .static_data()
                .create_group_session_pair(
                    &room,
                    EncryptionSettings::default(),
                    SenderData::unknown(),
                )
                .await
                .expect("session pair");
            inbound.push(inb);
            outbound.push(out);
        }
        store
            .save_pending_changes(PendingChanges {
                account: Some(account),
            })
            .await
            .expect("account saved");
        store
            .save_changes(Changes {
                inbound_group_sessions: inbound,
                outbound_group_sessions: outbound,
                ..Changes::default()
            })
            .await
            .expect("sessions saved");
    }

    #[tokio::test]
    async fn a_rooms_sessions_are_erased_and_no_other_rooms() {
        let dir = tempfile::tempdir().expect("temp dir");
        store_with_two_rooms(dir.path()).await;
        let forget = room_id!("!forget:example.org");
        let keep = room_id!("!keep:example.org");

        let keys = RoomKeys::open(dir.path(), "passphrase").expect("unlocked");
        let before = keys.stored_sessions(forget).expect("readable");
        assert_eq!(before.len(), 1, "one session stored for the room");
        assert_eq!(keys.stored_sessions(keep).expect("readable").len(), 1);

        let blob = &before[0];
        let files_holding = |blob: &[u8]| -> Vec<PathBuf> {
            std::fs::read_dir(dir.path())
                .expect("listable")
                .map(|e| e.expect("entry").path())
                .filter(|p| {
                    let bytes = std::fs::read(p).expect("readable");
                    bytes.windows(blob.len()).any(|w| w == blob)
                })
                .collect()
        };
        assert!(!files_holding(blob).is_empty(), "the session is on disk");

        let erased = keys.erase(forget).expect("erased");
        assert_eq!(erased.sessions, 1);
        assert_eq!(erased.rows, 2, "the inbound and the outbound session");
        assert!(erased.log_truncated);
        assert!(keys.stored_sessions(forget).expect("readable").is_empty());
        assert_eq!(keys.stored_sessions(keep).expect("readable").len(), 1);

        // Nothing of the erased session is left in any file: secure_delete zeroed its pages and
        // the write-ahead log was emptied.
        assert_eq!(files_holding(blob), Vec::<PathBuf>::new(), "still on disk");

        // And the SDK still opens the store and finds the other room's session.
        let store = matrix_sdk::SqliteCryptoStore::open(dir.path(), Some("passphrase"))
            .await
            .expect("store opens");
        assert_eq!(
            store
                .get_inbound_group_sessions_by_room_id(keep)
                .await
                .expect("readable")
                .len(),
            1
        );
        assert!(
            store
                .get_inbound_group_sessions_by_room_id(forget)
                .await
                .expect("readable")
                .is_empty()
        );
    }

    #[test]
    fn every_sqlite_connection_deletes_securely_unasked() {
        // One bundled SQLite serves matrix-sdk's stores and this module (Cargo links one
        // libsqlite3-sys); .cargo/config.toml builds it with SQLITE_SECURE_DELETE, so the SDK's
        // own connections, which never ask for it, zero what they delete too.
        let db = rusqlite::Connection::open_in_memory().expect("opens");
        let on: i64 = db
            .query_row("PRAGMA secure_delete", [], |row| row.get(0))
            .expect("readable");
        assert_eq!(on, 1, "SQLite was built without SQLITE_SECURE_DELETE");
    }

    #[tokio::test]
    async fn a_wrong_passphrase_or_a_missing_store_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            RoomKeys::open(dir.path(), "passphrase"),
            Err(RoomKeyError::Open { .. })
        ));
        store_with_two_rooms(dir.path()).await;
        let err = RoomKeys::open(dir.path(), "not the passphrase")
            .err()
            .expect("refused");
        assert!(matches!(err, RoomKeyError::Passphrase), "{err}");
        assert!(err.to_string().contains("CONFIDANT_STORE_PASSPHRASE"));
    }
}
