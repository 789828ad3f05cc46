//! Joining rooms: an invite or a room upgrade is followed when [`super::invites`]' rules allow
//! it and the room is no larger than `rooms.max_members`. The size is asked of the homeserver
//! before joining (its room summary) and counted again after; a room too large, or one whose
//! members cannot be counted after joining, is left at once.

use matrix_sdk::{
    Client, Room, RoomMemberships,
    ruma::{
        MilliSecondsSinceUnixEpoch, OwnedRoomId, OwnedUserId, RoomId,
        api::client::room::get_summary,
    },
};
use tracing::{debug, info, warn};

use super::{
    intro,
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
        decline(&room).await;
        return;
    }
    if too_large_to_join(shared, &room.client(), room.room_id()).await {
        decline(&room).await;
        return;
    }
    for attempt in 1..=8 {
        match room.join().await {
            Ok(()) => {
                if stays(shared, &room).await {
                    info!(outcome = "joined", attempt, "joined a room");
                    intro::on_join(shared, &room).await;
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
    if too_large_to_join(shared, client, &replacement).await {
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

/// Declines an invite: the room is left and forgotten without ever being joined.
async fn decline(room: &Room) {
    if room.leave().await.is_ok() {
        let _ = room.forget().await;
    }
}

/// Whether the homeserver says, before the bot joins, that the room would have more joined
/// members than `rooms.max_members` with the bot (Matrix 1.15's room summary, which Synapse
/// gives an invitee). When the homeserver cannot say (an older server, a remote room it has not
/// seen), the count after joining decides.
async fn too_large_to_join(shared: &Shared, client: &Client, room_id: &RoomId) -> bool {
    let request = get_summary::v1::Request::new(room_id.to_owned().into(), Vec::new());
    let response = match client.send(request).await {
        Ok(response) => response,
        Err(e) => {
            debug!(
                error = error_kind(&e.into()),
                "no room summary before joining; counting after"
            );
            return false;
        }
    };
    // Counted with the bot, as after joining.
    let members = u64::from(response.summary.num_joined_members) + 1;
    if members <= shared.config.rooms.max_members {
        return false;
    }
    info!(
        outcome = "refused",
        reason = "too-large",
        members,
        "room is larger than rooms.max_members; not joining"
    );
    true
}

/// After a join: a room larger than `rooms.max_members`, or one whose members cannot be
/// counted, is left and forgotten at once, with its keys; returns whether the bot stays.
async fn stays(shared: &Shared, room: &Room) -> bool {
    match outbox::retrying("members", || room.members(RoomMemberships::JOIN)).await {
        Ok(members) if members.len() as u64 <= shared.config.rooms.max_members => return true,
        Ok(members) => info!(
            outcome = "refused",
            reason = "too-large",
            members = members.len(),
            "room is larger than rooms.max_members; leaving"
        ),
        Err(_) => warn!(
            outcome = "refused",
            reason = "uncounted",
            "the room's members could not be counted; leaving"
        ),
    }
    if outbox::leave(room).await.is_ok() {
        let _ = room.forget().await;
        shared.forgetter.erase_keys(room.room_id());
    }
    false
}
