//! Leaving quiet rooms: a room with no event for `rooms.leave_idle_after_days` is left and
//! forgotten, with its keys. The bot keeps no record of when a room was last used: each sweep
//! asks the homeserver for the room's newest event, and reads only its timestamp.

use std::time::Duration;

use matrix_sdk::{
    Client, Room,
    ruma::{
        MilliSecondsSinceUnixEpoch, UInt, api::client::message::get_message_events,
        events::AnyTimelineEvent, serde::Raw,
    },
};
use tracing::{debug, info};

use super::{outbox, shared::Shared};

/// The longest pause between two sweeps.
const MAX_SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// The shortest, for the very short idle times of a trial.
const MIN_SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How often to look for quiet rooms: a quarter of the idle time, between a second and an hour,
/// so a room is left at most a quarter late.
pub fn sweep_every(idle_after: Duration) -> Duration {
    (idle_after / 4).clamp(MIN_SWEEP_EVERY, MAX_SWEEP_EVERY)
}

/// Whether a room whose newest event was sent at `newest` has been quiet for `idle_after` at
/// `now`. A room whose newest event is unknown is not idle: leaving needs evidence.
pub fn is_idle(
    newest: Option<MilliSecondsSinceUnixEpoch>,
    now: MilliSecondsSinceUnixEpoch,
    idle_after: Duration,
) -> bool {
    let Some(newest) = newest else {
        return false;
    };
    let quiet_ms = u64::from(now.0).saturating_sub(u64::from(newest.0));
    u128::from(quiet_ms) >= idle_after.as_millis()
}

/// Looks at every joined room once, one after another, and leaves those quiet for
/// `idle_after`.
pub async fn sweep(shared: &Shared, client: &Client, idle_after: Duration) {
    let mut left = 0u32;
    for room in client.joined_rooms() {
        let newest = newest_event_at(client, &room).await;
        if is_idle(newest, MilliSecondsSinceUnixEpoch::now(), idle_after)
            && outbox::leave(&room).await.is_ok()
        {
            let _ = room.forget().await;
            shared.forgetter.erase_keys(room.room_id());
            info!(outcome = "left-idle", "left a quiet room");
            left += 1;
        }
    }
    debug!(left, "idle sweep done");
}

/// When the room's newest event was sent, as the homeserver has it; `None` if it cannot say.
/// The event itself is not decrypted or kept: only its timestamp is read.
async fn newest_event_at(client: &Client, room: &Room) -> Option<MilliSecondsSinceUnixEpoch> {
    let mut request = get_message_events::v3::Request::backward(room.room_id().to_owned());
    request.limit = UInt::from(1u32);
    let response = client.send(request).await.ok()?;
    response.chunk.first().and_then(sent_at)
}

/// An event's `origin_server_ts`.
fn sent_at(event: &Raw<AnyTimelineEvent>) -> Option<MilliSecondsSinceUnixEpoch> {
    event.get_field("origin_server_ts").ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> MilliSecondsSinceUnixEpoch {
        MilliSecondsSinceUnixEpoch(UInt::new(ms).unwrap())
    }

    #[test]
    fn a_room_is_idle_once_quiet_for_the_whole_time_and_never_without_evidence() {
        let day = Duration::from_secs(86_400);
        let now = at(100 * 86_400_000);
        assert!(!is_idle(None, now, day), "unknown is not idle");
        assert!(!is_idle(Some(now), now, day));
        assert!(!is_idle(Some(at(99 * 86_400_000 + 1)), now, day));
        assert!(
            is_idle(Some(at(99 * 86_400_000)), now, day),
            "exactly a day"
        );
        assert!(is_idle(Some(at(0)), now, day));
        // A clock that disagrees with the homeserver's (an event "from the future") is not idle.
        assert!(!is_idle(Some(at(101 * 86_400_000)), now, day));
    }

    #[test]
    fn sweeps_come_a_quarter_of_the_idle_time_apart_within_bounds() {
        assert_eq!(
            sweep_every(Duration::from_secs(30 * 86_400)),
            MAX_SWEEP_EVERY
        );
        assert_eq!(sweep_every(Duration::from_secs(20)), Duration::from_secs(5));
        assert_eq!(sweep_every(Duration::from_millis(100)), MIN_SWEEP_EVERY);
    }
}
