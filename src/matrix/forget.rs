//! "forget": the bot deletes a conversation on its side, all of it, even across a restart.
//!
//! In order: note the room as pending (the only state kept, see [`Pending`]), say what will
//! happen, page through the room's whole history redacting the bot's messages (and the user's
//! where the bot's power level allows), send a short final confirmation that stays, leave,
//! forget the room, erase its keys ([`RoomKeys`]), and only then drop it from the pending list.
//! Every request waits out rate limits and retries network failures ([`outbox`]). A forget cut
//! short by a stop or a crash is finished at the next start.

use std::{
    collections::BTreeSet,
    io::{self, Write},
    path::{Path, PathBuf},
    sync::Mutex,
};

use matrix_sdk::{
    Client, Room, RoomState,
    room::MessagesOptions,
    ruma::{OwnedRoomId, OwnedUserId, RoomId, UInt, serde::Raw},
};
use tracing::{info, warn};

use super::{outbox, room_keys::RoomKeys};
use crate::responses::Messages;

/// The pending list's file in the data dir.
pub const PENDING_FILE: &str = "forget-pending";

/// Events asked for per page of history.
const PAGE_SIZE: u32 = 100;

/// Pages read at most (a million events): a bound, not a limit anyone should reach.
const MAX_PAGES: usize = 10_000;

/// Passes over the history before a forget cut short by passing faults waits for the next start.
const PASSES: u32 = 3;

/// The pause between passes.
const PASS_PAUSE: std::time::Duration = std::time::Duration::from_secs(30);

/// The rooms whose forgetting has started and not finished: one room id per line in
/// `DATA_DIR/forget-pending` (0600), rewritten whole (write, sync, rename) on every change and
/// removed when empty. Room ids only: no sender, no time, no content.
pub struct Pending {
    path: PathBuf,
    rooms: Mutex<BTreeSet<OwnedRoomId>>,
}

/// Why the pending list cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A line is not a room id.
    #[error(
        "{path} line {line} is not a room id; the file lists rooms still to be forgotten, one \
         room id (!…:server) per line. Fix or remove that line; nothing was changed"
    )]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based.
        line: usize,
    },
}

impl Pending {
    /// Reads the list in `data_dir` (empty when there is no file).
    pub fn open(data_dir: &Path) -> Result<Self, PendingError> {
        let path = data_dir.join(PENDING_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(PendingError::Read { path, source }),
        };
        let mut rooms = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let room = OwnedRoomId::try_from(line).map_err(|_| PendingError::BadLine {
                path: path.clone(),
                line: i + 1,
            })?;
            rooms.insert(room);
        }
        Ok(Self {
            path,
            rooms: Mutex::new(rooms),
        })
    }

    /// The rooms on the list.
    pub fn rooms(&self) -> Vec<OwnedRoomId> {
        self.lock().iter().cloned().collect()
    }

    /// Adds a room and writes the list.
    pub fn add(&self, room: &RoomId) -> io::Result<()> {
        let mut rooms = self.lock();
        if rooms.insert(room.to_owned()) {
            self.write(&rooms)?;
        }
        Ok(())
    }

    /// Removes a room and writes the list (or removes the file when it is empty).
    pub fn remove(&self, room: &RoomId) -> io::Result<()> {
        let mut rooms = self.lock();
        if rooms.remove(room) {
            self.write(&rooms)?;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<OwnedRoomId>> {
        // A panic while holding it leaves a valid set: carry on with it.
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self, rooms: &BTreeSet<OwnedRoomId>) -> io::Result<()> {
        if rooms.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let tmp = self.path.with_extension("tmp");
        {
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            for room in rooms {
                writeln!(file, "{room}")?;
            }
            file.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        // The rename itself reaches the disk only with its folder.
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// What one forget did, for the log (counts only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Messages redacted.
    pub redacted: usize,
    /// Redactions the homeserver refused for good (e.g. forbidden).
    pub failed: usize,
    /// A history page or a redaction failed for a passing reason: the room stays pending.
    pub incomplete: bool,
    /// Whether the bot left the room (if not, the room stays pending).
    pub left: bool,
}

/// Forgets rooms: the pending list, the crypto store, and who the bot is.
pub struct Forgetter {
    pending: Pending,
    keys: RoomKeys,
    me: OwnedUserId,
}

impl Forgetter {
    /// Ready to forget as `me`.
    pub fn new(pending: Pending, keys: RoomKeys, me: OwnedUserId) -> Self {
        Self { pending, keys, me }
    }

    /// Answers "forget" in `room`: notes it, says what will happen, and does it.
    pub async fn forget(&self, room: &Room, messages: &Messages) -> Forgotten {
        if let Err(e) = self.pending.add(room.room_id()) {
            warn!(error = %e.kind(), "cannot note the forget for a restart; going on");
        }
        if let Err(e) = outbox::send(room, &messages.forget_done, None).await {
            warn!(error = %e, "could not say what forget does; going on");
        }
        self.finish(room, &messages.forget_final).await
    }

    /// Finishes forgets that a stop or a crash cut short. Called once after the first sync.
    pub async fn resume(&self, client: &Client, messages: &Messages) {
        let rooms = self.pending.rooms();
        if rooms.is_empty() {
            return;
        }
        info!(rooms = rooms.len(), "finishing forgets cut short");
        for id in rooms {
            match client.get_room(&id) {
                Some(room) if room.state() == RoomState::Joined => {
                    self.finish(&room, &messages.forget_final).await;
                }
                // Left already (or unknown): what is left to do is local.
                room => {
                    if let Some(room) = room {
                        let _ = room.forget().await;
                    }
                    self.erase_keys(&id);
                    self.done(&id);
                }
            }
        }
    }

    /// Redacts the whole history, confirms, leaves, forgets, erases the keys. A pass cut short
    /// by passing faults is tried again (3 passes); after that the room stays pending for the
    /// next start, and the bot stays in it, since after leaving it could redact nothing more.
    async fn finish(&self, room: &Room, final_message: &str) -> Forgotten {
        let mut forgotten = Forgotten::default();
        for pass in 1..=PASSES {
            forgotten = self.redact_history(room).await;
            if !forgotten.incomplete {
                break;
            }
            if pass < PASSES {
                tokio::time::sleep(PASS_PAUSE).await;
            }
        }
        if !forgotten.incomplete {
            if let Err(e) = outbox::send(room, final_message, None).await {
                warn!(error = %e, "could not send the final forget confirmation");
            }
            match outbox::leave(room).await {
                Ok(()) => forgotten.left = true,
                Err(e) => {
                    warn!(error = %e, "could not leave a forgotten room; will retry at the next start")
                }
            }
        }
        if forgotten.left {
            let _ = room.forget().await;
            self.erase_keys(room.room_id());
            self.done(room.room_id());
        }
        info!(
            outcome = if forgotten.left {
                "forgotten"
            } else {
                "forget-pending"
            },
            redacted = forgotten.redacted,
            failed = forgotten.failed,
            incomplete = forgotten.incomplete,
            left = forgotten.left,
            "forget on request"
        );
        forgotten
    }

    /// Pages back through the room to its start, redacting the bot's messages and, where its
    /// power level allows, everyone's.
    async fn redact_history(&self, room: &Room) -> Forgotten {
        let can_redact_others = room
            .power_levels()
            .await
            .map(|p| p.user_can_redact_event_of_other(&self.me))
            .unwrap_or(false);
        let mut forgotten = Forgotten::default();
        let mut from: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = outbox::retrying("history", || {
                let mut options = MessagesOptions::backward();
                options.from = from.clone();
                options.limit = UInt::from(PAGE_SIZE);
                room.messages(options)
            })
            .await;
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    warn!(error = %e, "could not read the room's history; stopping there");
                    forgotten.incomplete = true;
                    break;
                }
            };
            for event in &page.chunk {
                if !should_redact(event.raw(), &self.me, can_redact_others) {
                    continue;
                }
                let Some(id) = event.event_id() else {
                    continue;
                };
                match outbox::redact(room, &id).await {
                    Ok(()) => forgotten.redacted += 1,
                    Err(e) if e.is_passing() => forgotten.incomplete = true,
                    Err(_) => forgotten.failed += 1,
                }
            }
            match page.end {
                Some(end) if !page.chunk.is_empty() => from = Some(end),
                _ => break,
            }
        }
        forgotten
    }

    /// Erases a left room's keys and logs what went (counts only).
    pub fn erase_keys(&self, room: &RoomId) {
        match tokio::task::block_in_place(|| self.keys.erase(room)) {
            Ok(erased) => info!(
                outcome = "keys-erased",
                sessions = erased.sessions,
                rows = erased.rows,
                log_truncated = erased.log_truncated,
                "erased the keys of a room the bot left"
            ),
            Err(e) => warn!(error = %e, "could not erase the keys of a room the bot left"),
        }
    }

    fn done(&self, room: &RoomId) {
        if let Err(e) = self.pending.remove(room) {
            warn!(error = %e.kind(), "cannot update the forget list; the room will be checked again at the next start");
        }
    }
}

/// Whether `event` is one to redact: a message (text, encrypted, sticker, a poll's start, vote or
/// end: a menu poll says what was asked about) not redacted yet, from the bot, or from anyone
/// when the bot may redact others'. History pages come decrypted, so a poll has its own type.
fn should_redact<T>(event: &Raw<T>, me: &OwnedUserId, can_redact_others: bool) -> bool {
    let (Ok(Some(sender)), Ok(Some(kind))) = (
        event.get_field::<OwnedUserId>("sender"),
        event.get_field::<String>("type"),
    ) else {
        return false;
    };
    let is_message = matches!(
        kind.as_str(),
        "m.room.message"
            | "m.room.encrypted"
            | "m.sticker"
            | "org.matrix.msc3381.poll.start"
            | "org.matrix.msc3381.poll.response"
            | "org.matrix.msc3381.poll.end"
            | "m.poll.start"
            | "m.poll.response"
            | "m.poll.end"
    );
    // A redacted event keeps its type and sender but has empty content.
    let has_content = event
        .get_field::<serde_json::Map<String, serde_json::Value>>("content")
        .ok()
        .flatten()
        .is_some_and(|c| !c.is_empty());
    is_message && has_content && (&sender == me || can_redact_others)
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::{owned_user_id, room_id};
    use serde_json::json;

    use super::*;

    #[test]
    fn what_is_redacted() {
        let me = owned_user_id!("@bot:example.org");
        let event = |sender: &str, kind: &str, content: serde_json::Value| {
            Raw::<serde_json::Value>::new(&json!({
                "sender": sender, "type": kind, "content": content,
                "event_id": "$e", "origin_server_ts": 1,
            }))
            .expect("serialisable")
        };
        let text = json!({"msgtype": "m.text", "body": "x"});
        let cases = [
            // (sender, type, content, may redact others, redacted?)
            (
                "@bot:example.org",
                "m.room.message",
                text.clone(),
                false,
                true,
            ),
            (
                "@bot:example.org",
                "m.room.encrypted",
                json!({"ciphertext": "x"}),
                false,
                true,
            ),
            (
                "@user:example.org",
                "m.room.encrypted",
                json!({"ciphertext": "x"}),
                false,
                false,
            ),
            (
                "@user:example.org",
                "m.room.encrypted",
                json!({"ciphertext": "x"}),
                true,
                true,
            ),
            (
                "@user:example.org",
                "m.sticker",
                json!({"url": "mxc://x"}),
                true,
                true,
            ),
            (
                "@bot:example.org",
                "m.room.message",
                json!({}),
                false,
                false,
            ),
            (
                "@bot:example.org",
                "m.room.member",
                json!({"membership": "join"}),
                true,
                false,
            ),
            (
                "@bot:example.org",
                "m.reaction",
                json!({"m.relates_to": {}}),
                true,
                false,
            ),
            (
                "@bot:example.org",
                "org.matrix.msc3381.poll.start",
                json!({"org.matrix.msc1767.text": "x"}),
                false,
                true,
            ),
            (
                "@bot:example.org",
                "org.matrix.msc3381.poll.end",
                json!({"org.matrix.msc1767.text": "x"}),
                false,
                true,
            ),
            (
                "@user:example.org",
                "org.matrix.msc3381.poll.response",
                json!({"org.matrix.msc3381.poll.response": {"answers": ["3"]}}),
                true,
                true,
            ),
            (
                "@user:example.org",
                "org.matrix.msc3381.poll.response",
                json!({"org.matrix.msc3381.poll.response": {"answers": ["3"]}}),
                false,
                false,
            ),
        ];
        for (sender, kind, content, others, expected) in cases {
            assert_eq!(
                should_redact(&event(sender, kind, content), &me, others),
                expected,
                "{sender} {kind} others={others}"
            );
        }
    }

    #[test]
    fn the_pending_list_survives_a_restart_and_goes_when_empty() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = room_id!("!a:example.org");
        let b = room_id!("!b:example.org");
        let pending = Pending::open(dir.path()).expect("no file is an empty list");
        assert!(pending.rooms().is_empty());
        pending.add(a).expect("written");
        pending.add(b).expect("written");
        pending.add(a).expect("a second add changes nothing");
        let file = dir.path().join(PENDING_FILE);
        let mode = std::fs::metadata(&file).expect("exists").permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("readable"),
            "!a:example.org\n!b:example.org\n"
        );

        let reopened = Pending::open(dir.path()).expect("readable");
        assert_eq!(reopened.rooms(), vec![a.to_owned(), b.to_owned()]);
        reopened.remove(a).expect("written");
        assert_eq!(
            Pending::open(dir.path()).unwrap().rooms(),
            vec![b.to_owned()]
        );
        reopened.remove(b).expect("written");
        assert!(!file.exists(), "an empty list leaves no file");
        assert!(!dir.path().join("forget-pending.tmp").exists());
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number_and_nothing_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join(PENDING_FILE);
        std::fs::write(&file, "!a:example.org\nnot a room\n").expect("written");
        let err = Pending::open(dir.path()).err().expect("refused");
        assert!(err.to_string().contains("line 2"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).expect("readable"),
            "!a:example.org\nnot a room\n"
        );
    }
}
