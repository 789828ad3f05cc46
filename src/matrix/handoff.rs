//! A person, when someone asks for one (`[handoff]`, off unless the operator lists responders).
//!
//! "Can I talk to a real person?" in a direct message gets an offer that says what happens and
//! asks for an explicit yes. On yes, the bot invites one responder who is on hand now into the
//! same encrypted room and says who is joining. The responder holds no key to anything written
//! before: Megolm sessions are shared from their current index only, the bot never forwards room
//! keys, and it never posts the person's messages to anyone. While a responder is in the room
//! (joined or invited), the bot stays quiet there, until the responder leaves or the person says
//! "bot".
//!
//! What this keeps, in memory only: which rooms have an offer waiting for its yes (for ten
//! minutes) and which rooms said "bot". Whether a responder is in a room is read from the
//! room's members each time, so a restart keeps the bot quiet where a responder still is.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use jiff::Timestamp;
use matrix_sdk::{
    Room,
    ruma::{OwnedRoomId, OwnedUserId, RoomId, UserId, events::room::message::ReplyMetadata},
};
use tracing::{info, warn};

use super::{
    outbox::{self, SendError, send},
    shared::Shared,
};
use crate::{
    config::Responder,
    responses::{DAYS, Status},
};

/// How long an offer waits for its yes.
const OFFER_WAIT: Duration = Duration::from_secs(600);

/// Whether `user` is one of the operator's responders.
pub fn is_responder(shared: &Shared, user: &UserId) -> bool {
    shared.config.responders.iter().any(|r| r.user_id == user)
}

/// Whether a request for a person gets the offer of one: the operator lists responders and the
/// room is a direct message (`members`: people besides responders, the bot included).
pub fn offered_in(shared: &Shared, members: u64) -> bool {
    !shared.config.responders.is_empty() && members <= 2
}

/// Offers waiting for a yes, and rooms that asked for the bot back, in memory only.
#[derive(Debug, Default)]
pub struct Handoffs {
    /// Room → who was offered a person, and when.
    offers: Mutex<HashMap<OwnedRoomId, (OwnedUserId, Instant)>>,
    /// Rooms where the person said "bot" while a responder was there.
    resumed: Mutex<HashSet<OwnedRoomId>>,
    /// Where the next search for a responder starts, so the work is shared out.
    next: AtomicUsize,
}

impl Handoffs {
    /// Whether `sender` was offered a person in `room` in the last ten minutes.
    pub fn offered(&self, room: &RoomId, sender: &UserId, now: Instant) -> bool {
        self.offers.lock().is_ok_and(|offers| {
            offers
                .get(room)
                .is_some_and(|(to, at)| to == sender && now.duration_since(*at) < OFFER_WAIT)
        })
    }

    fn offer(&self, room: &RoomId, sender: &UserId, now: Instant) {
        if let Ok(mut offers) = self.offers.lock() {
            offers.retain(|_, (_, at)| now.duration_since(*at) < OFFER_WAIT);
            offers.insert(room.to_owned(), (sender.to_owned(), now));
        }
    }

    fn take_offer(&self, room: &RoomId) {
        if let Ok(mut offers) = self.offers.lock() {
            offers.remove(room);
        }
    }

    /// Whether the person in `room` asked for the bot back. A poisoned record says yes: the bot
    /// answering beside a responder beats the person getting no answer.
    pub fn resumed(&self, room: &RoomId) -> bool {
        self.resumed
            .lock()
            .map(|r| r.contains(room))
            .unwrap_or(true)
    }

    fn set_resumed(&self, room: &RoomId, resumed: bool) {
        if let Ok(mut r) = self.resumed.lock() {
            if resumed {
                r.insert(room.to_owned());
            } else {
                r.remove(room);
            }
        }
    }

    /// The responders on hand at `now`, the search starting one further each time.
    fn on_hand<'a>(&self, responders: &'a [Responder], now: Timestamp) -> Vec<&'a Responder> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = responders.len();
        (0..n)
            .map(|i| &responders[(start + i) % n.max(1)])
            .filter(|r| r.hours.status_at(now) == Status::Open)
            .collect()
    }
}

/// When a responder is on hand next after `now` (day, HH:MM, the zone's city), the soonest of
/// all; `None` when none is listed. "Soonest" compares days from `now`'s weekday in each
/// responder's own zone, close enough for saying "usually from …".
pub fn next_on_hand(responders: &[Responder], now: Timestamp) -> Option<(String, String, String)> {
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(now)
        .weekday()
        .to_monday_zero_offset()
        .unsigned_abs() as usize;
    responders
        .iter()
        .filter_map(|r| match r.hours.status_at(now) {
            Status::Closed { day, time, place } => {
                let at = DAYS.iter().position(|d| *d == day).unwrap_or(0);
                let ahead = (at + 7 - today) % 7;
                Some((ahead, time.clone(), day, time, place.to_owned()))
            }
            Status::Open => None,
        })
        .min_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)))
        .map(|(_, _, day, time, place)| (day.to_owned(), time, place))
}

/// Answers a request for a person: the offer when someone is on hand, else who is not and the
/// helplines.
pub async fn offer(
    shared: &Shared,
    room: &Room,
    sender: &UserId,
    reply_to: Option<ReplyMetadata<'_>>,
) -> Result<(), SendError> {
    let now = Timestamp::now();
    let responders = &shared.config.responders;
    if shared.handoffs.on_hand(responders, now).is_empty() {
        return send(room, &unavailable(shared, now), reply_to).await;
    }
    shared
        .handoffs
        .offer(room.room_id(), sender, Instant::now());
    send(room, &shared.messages().handoff_offer, reply_to).await
}

/// The yes to an offer: invites a responder on hand and says who is joining, or says nobody
/// can join and gives the helplines.
pub async fn hand_over(
    shared: &Shared,
    room: &Room,
    reply_to: Option<ReplyMetadata<'_>>,
) -> Result<(), SendError> {
    let handoffs = &shared.handoffs;
    handoffs.take_offer(room.room_id());
    let now = Timestamp::now();
    let mut joining = None;
    for responder in handoffs.on_hand(&shared.config.responders, now) {
        let id = responder.user_id.clone();
        match outbox::retrying("invite", || room.invite_user_by_id(&id)).await {
            Ok(()) => {
                joining = Some(id);
                break;
            }
            // Already in the room, banned, or the homeserver refused: try the next one.
            Err(e) => warn!(error = %e, "inviting a responder failed"),
        }
    }
    let Some(responder) = joining else {
        return send(room, &unavailable(shared, now), reply_to).await;
    };
    handoffs.set_resumed(room.room_id(), false);
    info!("a responder was invited");
    let text = shared
        .messages()
        .handoff_joining
        .replace("{responder}", responder.as_str());
    send(room, &text, reply_to).await
}

/// "bot" while a responder is in the room: the bot answers there again.
pub async fn resume(
    shared: &Shared,
    room: &Room,
    reply_to: Option<ReplyMetadata<'_>>,
) -> Result<(), SendError> {
    shared.handoffs.set_resumed(room.room_id(), true);
    send(room, &shared.messages().handoff_resumed, reply_to).await
}

fn unavailable(shared: &Shared, now: Timestamp) -> String {
    let next = next_on_hand(&shared.config.responders, now);
    shared
        .answerer()
        .composer(crate::reply::Clock::At(now))
        .handoff_unavailable(
            next.as_ref()
                .map(|(d, t, p)| (d.as_str(), t.as_str(), p.as_str())),
        )
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::{owned_room_id, owned_user_id};

    use super::*;
    use crate::responses::Hours;

    fn responder(id: &str, hours: &str) -> Responder {
        Responder {
            user_id: UserId::parse(id).unwrap(),
            hours: Hours::parse(hours, Some("Europe/London")).unwrap(),
        }
    }

    /// Monday 12 January 2026 at `hh:mm` UTC (London is on GMT then).
    fn monday(hh_mm: &str) -> Timestamp {
        format!("2026-01-12T{hh_mm}:00Z").parse().unwrap()
    }

    #[test]
    fn only_responders_within_their_hours_are_on_hand_and_the_work_is_shared_out() {
        let day = responder("@day:example.org", "Mon-Fri 09:00-17:00");
        let night = responder("@night:example.org", "Mon-Sun 17:00-09:00");
        let always = responder("@always:example.org", "24/7");
        let handoffs = Handoffs::default();
        let list = [day.clone(), night.clone()];
        let ids = |v: Vec<&Responder>| -> Vec<String> {
            v.iter().map(|r| r.user_id.to_string()).collect()
        };
        assert_eq!(
            ids(handoffs.on_hand(&list, monday("10:00"))),
            ["@day:example.org"]
        );
        assert_eq!(
            ids(handoffs.on_hand(&list, monday("20:00"))),
            ["@night:example.org"]
        );
        // Two on hand: each search starts one further.
        let both = [day, always];
        let first = ids(handoffs.on_hand(&both, monday("10:00")));
        let second = ids(handoffs.on_hand(&both, monday("10:00")));
        assert_eq!(first.len(), 2);
        assert_ne!(first[0], second[0]);
        assert!(handoffs.on_hand(&[], monday("10:00")).is_empty());
    }

    #[test]
    fn the_next_responder_on_hand_is_the_soonest() {
        let weekdays = responder("@day:example.org", "Mon-Fri 09:00-17:00");
        let saturday = responder("@sat:example.org", "Sat 10:00-12:00");
        // Friday 18:00 in London: Saturday 10:00 comes before Monday 09:00.
        let friday = "2026-01-16T18:00:00Z".parse().unwrap();
        assert_eq!(
            next_on_hand(&[weekdays.clone(), saturday], friday),
            Some(("Sat".into(), "10:00".into(), "London".into()))
        );
        assert_eq!(
            next_on_hand(std::slice::from_ref(&weekdays), friday),
            Some(("Mon".into(), "09:00".into(), "London".into()))
        );
        assert_eq!(
            next_on_hand(&[weekdays], monday("10:00")),
            None,
            "on hand now"
        );
    }

    #[test]
    fn an_offer_waits_ten_minutes_for_the_yes_of_whom_it_was_made_to() {
        let handoffs = Handoffs::default();
        let room = owned_room_id!("!dm:example.org");
        let ann = owned_user_id!("@ann:example.org");
        let bo = owned_user_id!("@bo:example.org");
        let now = Instant::now();
        assert!(!handoffs.offered(&room, &ann, now));
        handoffs.offer(&room, &ann, now);
        assert!(handoffs.offered(&room, &ann, now + Duration::from_secs(599)));
        assert!(
            !handoffs.offered(&room, &bo, now),
            "only to whom it was made"
        );
        assert!(!handoffs.offered(&room, &ann, now + OFFER_WAIT));
        handoffs.take_offer(&room);
        assert!(!handoffs.offered(&room, &ann, now));
        assert!(!handoffs.resumed(&room));
        handoffs.set_resumed(&room, true);
        assert!(handoffs.resumed(&room));
        handoffs.set_resumed(&room, false);
        assert!(!handoffs.resumed(&room));
    }
}
