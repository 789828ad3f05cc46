//! The introduction (`intro` in `_messages.toml`): what the bot is, what it keeps, how to get
//! the menu, how to `forget`, and where urgent help is. Sent once when the bot joins an
//! encrypted direct message; in a group room, not until the bot is first addressed, just before
//! that answer. Never after a restart or a room upgrade: the bot keeps no record of rooms
//! introduced, so "once" is read from the homeserver's history (has the bot spoken here?).

use matrix_sdk::{
    Client, Room, RoomMemberships,
    ruma::api::client::{filter::RoomEventFilter, message::get_message_events},
};
use tracing::info;

use super::{outbox::send, shared::Shared};

/// After the bot joined a room from an invite: a direct message (two members at most, the bot
/// included, counting those invited but not yet joined) that is encrypted gets the
/// introduction. A room whose members cannot be counted gets none.
pub async fn on_join(shared: &Shared, room: &Room) {
    let encrypted = room
        .latest_encryption_state()
        .await
        .map(|s| s.is_encrypted())
        .unwrap_or(false);
    let active = room
        .members(RoomMemberships::ACTIVE)
        .await
        .map(|m| m.len())
        .unwrap_or(usize::MAX);
    if active <= 2 && encrypted && shared.first_time_in(room.room_id()) {
        introduce(shared, room).await;
    }
}

/// Before the first answer in a group room: the introduction, unless the bot has spoken in the
/// room before (in this run, or as the homeserver's history shows).
pub async fn before_first_answer(shared: &Shared, client: &Client, room: &Room) {
    if !shared.first_time_in(room.room_id()) {
        return;
    }
    if has_spoken(client, room, shared).await != Some(false) {
        return;
    }
    introduce(shared, room).await;
}

/// Sends the introduction (padded, like every message).
async fn introduce(shared: &Shared, room: &Room) {
    if send(room, &shared.messages().intro, None).await.is_ok() {
        info!(outcome = "introduced", "introduced the bot");
    }
}

/// Whether the bot has sent any message in the room, as the homeserver's history shows;
/// `None` when it cannot say.
async fn has_spoken(client: &Client, room: &Room, shared: &Shared) -> Option<bool> {
    let mut filter = RoomEventFilter::default();
    filter.senders = Some(vec![shared.me.clone()]);
    filter.types = Some(vec!["m.room.message".into(), "m.room.encrypted".into()]);
    let mut request = get_message_events::v3::Request::backward(room.room_id().to_owned());
    request.limit = 1u32.into();
    request.filter = filter;
    let response = client.send(request).await.ok()?;
    Some(!response.chunk.is_empty())
}
