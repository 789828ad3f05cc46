//! Joining rooms: an invite or a room upgrade is followed when [`super::invites`]' rules allow
//! it, and a room larger than `rooms.max_members` is left at once.

use matrix_sdk::{
    Client, Room, RoomMemberships,
    ruma::{MilliSecondsSinceUnixEpoch, OwnedRoomId, OwnedUserId},
};
use tracing::{info, warn};

use super::{
    outbox::{self, backoff, error_kind},
    shared::Shared,
};

/// Joins a room the bot was invited to, if the invite rules allow it, retrying with backoff
/// (a join right after an invite can race the homeserver). A refused invite is declined and
/// forgotten.
pub async fn on_invite(shared: &Shared, room: Room) {
    // The sender of the bot's own invite event: always there, unlike the inviter's member
    // event, which a homeserver may leave out of the invite state.
    let inviter = room.invite_details().await.ok().map(|d| d.inviter_id);
    if let Err(refusal) = shared.admit(inviter.as_deref()) {
        info!(
            outcome = "refused",
            reason = refusal.kind(),
            "invite declined: {}",
            refusal.why()
        );
        if room.leave().await.is_ok() {
            let _ = room.forget().await;
        }
        return;
    }
    for attempt in 1..=8 {
        match room.join().await {
            Ok(()) => {
                if stays(shared, &room).await {
                    info!(outcome = "joined", attempt, "joined a room");
                }
                return;
            }
            Err(e) => {
                let pause = backoff(attempt);
                warn!(
                    error = error_kind(&e),
                    attempt,
                    pause_s = pause.as_secs(),
                    "join failed; retrying"
                );
                tokio::time::sleep(pause).await;
            }
        }
    }
    warn!(outcome = "error", "gave up joining a room");
}

/// A room the bot is in was upgraded: the sender of the tombstone counts as the inviter of the
/// new room, so the same rules apply. Upgrades from before this start were dealt with then.
pub async fn on_upgrade(
    shared: &Shared,
    client: &Client,
    sender: OwnedUserId,
    sent_at: MilliSecondsSinceUnixEpoch,
    replacement: OwnedRoomId,
) {
    if sent_at < shared.started_at {
        return;
    }
    if let Err(refusal) = shared.admit(Some(&sender)) {
        info!(
            outcome = "refused",
            reason = refusal.kind(),
            "room upgrade not followed: {}",
            refusal.why()
        );
        return;
    }
    match client.join_room_by_id(&replacement).await {
        Ok(new_room) => {
            if stays(shared, &new_room).await {
                info!(outcome = "followed-upgrade", "joined the upgraded room");
            }
        }
        Err(e) => warn!(error = error_kind(&e), "could not follow a room upgrade"),
    }
}

/// After a join: a room larger than `rooms.max_members` is left and forgotten at once, with its
/// keys; returns whether the bot stays.
async fn stays(shared: &Shared, room: &Room) -> bool {
    let members = room
        .members(RoomMemberships::JOIN)
        .await
        .map(|m| m.len() as u64)
        .unwrap_or(0);
    if members <= shared.config.rooms.max_members {
        return true;
    }
    info!(
        outcome = "refused",
        members, "room is larger than rooms.max_members; leaving"
    );
    if outbox::leave(room).await.is_ok() {
        let _ = room.forget().await;
        shared.forgetter.erase_keys(room.room_id());
    }
    false
}
