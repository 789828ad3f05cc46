//! Reads a timeline event into what the decision needs ([`Parsed`], or a [`Vote`] on a poll),
//! and nothing more: the message's text is kept only until it is matched, and of a vote only
//! the answer id it chose.

use matrix_sdk::{
    deserialized_responses::TimelineEvent,
    ruma::{
        MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, UserId,
        events::{
            AnySyncMessageLikeEvent, AnySyncStateEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
            SyncStateEvent,
            relation::Thread,
            room::{
                encrypted::OriginalSyncRoomEncryptedEvent,
                message::{MessageType, OriginalSyncRoomMessageEvent, Relation, ReplyMetadata},
                redaction::SyncRoomRedactionEvent,
            },
        },
    },
};

use super::plan::Kind;

/// What a timeline event is, for the bot.
pub enum Event {
    /// A message (or sticker) someone sent.
    Message(Parsed),
    /// A vote on a poll (`org.matrix.msc3381.poll.response`).
    Vote(Vote),
    /// The room was upgraded to `replacement` by `sender`.
    Upgrade {
        /// Who upgraded it: counts as the inviter of the new room.
        sender: OwnedUserId,
        /// When.
        sent_at: MilliSecondsSinceUnixEpoch,
        /// The new room.
        replacement: OwnedRoomId,
    },
}

/// A vote on a poll. The chosen answer id says which topic was picked: conversation content,
/// so this type has no `Debug`.
pub struct Vote {
    /// The vote event.
    pub event_id: OwnedEventId,
    /// Who voted.
    pub sender: OwnedUserId,
    /// When.
    pub sent_at: MilliSecondsSinceUnixEpoch,
    /// The poll's start event, which the vote references.
    pub start: OwnedEventId,
    /// The chosen answer id when it is a number (the bot's polls use topic numbers), else empty.
    pub answer: String,
}

/// The parts of a message event the decision needs. `body` is conversation content: it is
/// matched and dropped, never logged or stored (so this type has no `Debug`).
pub struct Parsed {
    /// The message itself, which the reply points at (and whose thread it stays in), so in a
    /// busy room it is clear which question each answer is for.
    pub event_id: OwnedEventId,
    /// The thread the message is in, if any.
    pub thread: Option<Thread>,
    /// Who sent it.
    pub sender: OwnedUserId,
    /// When.
    pub sent_at: MilliSecondsSinceUnixEpoch,
    /// What kind of message.
    pub kind: Kind,
    /// The text; empty for anything but text.
    pub body: String,
    /// The message's `m.mentions` names the bot.
    pub mentions_me: bool,
    /// For a vote, the poll it is on: the answer replies to the poll, not to the vote.
    pub vote_on: Option<OwnedEventId>,
}

impl Parsed {
    /// A message that stayed undecryptable.
    pub fn undecryptable(utd: OriginalSyncRoomEncryptedEvent) -> Self {
        Parsed {
            event_id: utd.event_id,
            thread: None,
            sender: utd.sender,
            sent_at: utd.origin_server_ts,
            kind: Kind::Undecryptable,
            body: String::new(),
            mentions_me: false,
            vote_on: None,
        }
    }

    /// What a reply to this message needs (for a vote: a reply to the poll, to the voter).
    pub fn reply_metadata(&self) -> ReplyMetadata<'_> {
        let to = self.vote_on.as_deref().unwrap_or(&self.event_id);
        ReplyMetadata::new(to, &self.sender, self.thread.as_ref())
    }
}

/// The event a redaction takes back, if `event` is a redaction. Redactions travel unencrypted,
/// so the sync loop reads them as they arrive, even while the message they take back waits.
pub fn redacted_by(event: &TimelineEvent) -> Option<OwnedEventId> {
    let raw = event.raw();
    if raw.get_field::<String>("type").ok().flatten().as_deref() != Some("m.room.redaction") {
        return None;
    }
    match raw.deserialize().ok()? {
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomRedaction(
            SyncRoomRedactionEvent::Original(r),
        )) => r.redacts.or(r.content.redacts),
        _ => None,
    }
}

/// Reads a decrypted or plain timeline event; events the bot never answers (other state,
/// reactions, redactions…) give `None`.
pub fn parse(event: &TimelineEvent, me: &UserId) -> Option<Event> {
    // A deserialisation error can quote the event, so it is dropped unread.
    let any = event.raw().deserialize().ok()?;
    match any {
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
            SyncMessageLikeEvent::Original(m),
        )) => Some(Event::Message(parse_message(m, me))),
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::Sticker(
            SyncMessageLikeEvent::Original(s),
        )) => Some(Event::Message(Parsed {
            event_id: s.event_id,
            thread: None,
            sender: s.sender,
            sent_at: s.origin_server_ts,
            kind: Kind::NonText,
            body: String::new(),
            mentions_me: false,
            vote_on: None,
        })),
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::UnstablePollResponse(
            SyncMessageLikeEvent::Original(v),
        )) => {
            // One choice per poll (`max_selections` 1): the first answer counts, as in
            // clients' tallies. A cleared vote has no answers and does not parse at all.
            let answer = v.content.poll_response.answers.into_iter().next()?;
            let is_number =
                (1..=9).contains(&answer.len()) && answer.bytes().all(|b| b.is_ascii_digit());
            Some(Event::Vote(Vote {
                event_id: v.event_id,
                sender: v.sender,
                sent_at: v.origin_server_ts,
                start: v.content.relates_to.event_id,
                answer: if is_number { answer } else { String::new() },
            }))
        }
        AnySyncTimelineEvent::State(AnySyncStateEvent::RoomTombstone(
            SyncStateEvent::Original(t),
        )) => Some(Event::Upgrade {
            sender: t.sender,
            sent_at: t.origin_server_ts,
            replacement: t.content.replacement_room,
        }),
        _ => None,
    }
}

fn parse_message(m: OriginalSyncRoomMessageEvent, me: &UserId) -> Parsed {
    let mentions_me = m
        .content
        .mentions
        .as_ref()
        .is_some_and(|x| x.user_ids.iter().any(|u| u == me));
    let is_edit = matches!(m.content.relates_to, Some(Relation::Replacement(_)));
    let (kind, body) = match m.content.msgtype {
        _ if is_edit => (Kind::Edit, String::new()),
        MessageType::Text(t) => (Kind::Text, t.body),
        MessageType::Emote(e) => (Kind::Text, e.body),
        MessageType::Notice(_)
        | MessageType::ServerNotice(_)
        | MessageType::VerificationRequest(_) => (Kind::Notice, String::new()),
        _ => (Kind::NonText, String::new()),
    };
    Parsed {
        event_id: m.event_id,
        thread: match m.content.relates_to {
            Some(Relation::Thread(t)) => Some(t),
            _ => None,
        },
        sender: m.sender,
        sent_at: m.origin_server_ts,
        kind,
        body,
        mentions_me,
        vote_on: None,
    }
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::{owned_event_id, serde::Raw};

    use super::*;

    fn event(json: serde_json::Value) -> TimelineEvent {
        TimelineEvent::from_plaintext(Raw::new(&json).unwrap().cast_unchecked())
    }

    #[test]
    fn a_redaction_names_what_it_takes_back_in_either_room_version() {
        let base = serde_json::json!({
            "type": "m.room.redaction",
            "event_id": "$redaction:example.org",
            "sender": "@someone:example.org",
            "origin_server_ts": 1,
        });
        let mut v11 = base.clone();
        v11["content"] = serde_json::json!({ "redacts": "$question:example.org" });
        let mut older = base;
        older["content"] = serde_json::json!({});
        older["redacts"] = "$question:example.org".into();
        for json in [v11, older] {
            assert_eq!(
                redacted_by(&event(json)),
                Some(owned_event_id!("$question:example.org"))
            );
        }
        let message = serde_json::json!({
            "type": "m.room.message",
            "event_id": "$m:example.org",
            "sender": "@someone:example.org",
            "origin_server_ts": 1,
            "content": { "msgtype": "m.text", "body": "hello" },
        });
        assert_eq!(redacted_by(&event(message)), None);
    }

    fn vote(answers: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "type": "org.matrix.msc3381.poll.response",
            "event_id": "$vote:example.org",
            "sender": "@someone:example.org",
            "origin_server_ts": 7,
            "content": {
                "org.matrix.msc3381.poll.response": { "answers": answers },
                "m.relates_to": { "rel_type": "m.reference", "event_id": "$start:example.org" },
            },
        })
    }

    #[test]
    fn a_vote_keeps_who_when_which_poll_and_a_numeric_answer_only() {
        let me = matrix_sdk::ruma::user_id!("@bot:example.org");
        let read = |json| match parse(&event(json), me) {
            Some(Event::Vote(v)) => Some(v),
            _ => None,
        };
        let v = read(vote(serde_json::json!(["12", "3"]))).expect("a vote");
        assert_eq!(v.event_id, owned_event_id!("$vote:example.org"));
        assert_eq!(v.start, owned_event_id!("$start:example.org"));
        assert_eq!(v.sender.as_str(), "@someone:example.org");
        assert_eq!(u64::from(v.sent_at.0), 7);
        assert_eq!(v.answer, "12", "the first choice counts");
        for not_a_number in [
            serde_json::json!(["consent"]),
            serde_json::json!(["-1"]),
            serde_json::json!(["1234567890"]),
            serde_json::json!([""]),
        ] {
            let v = read(vote(not_a_number.clone())).unwrap_or_else(|| panic!("{not_a_number}"));
            assert_eq!(v.answer, "", "{not_a_number}");
        }
        assert!(read(vote(serde_json::json!([]))).is_none(), "an empty vote");
        let mut cleared = vote(serde_json::json!([]));
        cleared["content"]["org.matrix.msc3381.poll.response"] = serde_json::json!({});
        assert!(read(cleared).is_none(), "a cleared vote");
    }
}
