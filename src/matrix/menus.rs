//! Menus as polls (`menus = "poll"`): an answer goes out with its menu as a poll, a vote on one
//! of the bot's polls is read like the number typed, and the poll is ended once answered.
//!
//! Stateless, like the typed menus: which polls are the bot's and which are ended is asked of the
//! homeserver each time (the poll's sender; a reference to it from the bot, which only its poll
//! end is), so it holds across restarts and keeps nothing on the bot's side. Logs name only
//! kinds ("poll-sent", "poll-ended"), never the topic, the answer id or any text.

use jiff::Timestamp;
use matrix_sdk::{
    Room,
    room::{IncludeRelations, RelationsOptions},
    ruma::{EventId, OwnedUserId, UInt, events::relation::RelationType, events::relation::Thread},
};
use tracing::{debug, warn};

use super::{
    outbox::{self, SendError, send},
    parse::{Parsed, Vote},
    plan::{Kind, Poll},
    shared::Shared,
};
use crate::{config::Menus, matcher::Outcome, poll, reply::Clock};

/// Relations of a poll read per page, and pages at most, when looking for the bot's poll end:
/// far more votes than a room of `rooms.max_members` casts on one menu.
const RELATIONS_PAGE: u32 = 50;
const RELATIONS_PAGES: usize = 10;

/// Sends the reply for `outcome` to `parsed`. With polls on and a menu in the reply, the menu
/// goes as a poll after the rest of the reply (a "did you mean" is the poll alone); otherwise
/// as text, as always. A vote's poll is ended once its answer is sent, before the answer's own
/// menu poll, so the menu to use next is the last thing in the room (and a failed menu cannot
/// leave the answered poll open).
pub async fn answer(
    shared: &Shared,
    room: &Room,
    parsed: &Parsed,
    outcome: &Outcome,
) -> Result<(), SendError> {
    let sent = shared
        .answerer()
        .composer(Clock::At(Timestamp::now()))
        .as_sent(outcome);
    let poll_menu = sent
        .menu
        .as_ref()
        .filter(|m| shared.config.menus == Menus::Poll && poll::fits(m));
    let Some(menu) = poll_menu else {
        send(room, &sent.text, Some(parsed.reply_metadata())).await?;
        return end_voted(shared, room, parsed).await;
    };
    let rest = sent.without_menu();
    let alone = rest.trim().is_empty();
    if !alone {
        send(room, &rest, Some(parsed.reply_metadata())).await?;
    }
    end_voted(shared, room, parsed).await?;
    // The poll replies to what the answer replies to; it mentions the person only when it is
    // the whole reply (else the answer just did).
    let reply_to = poll::ReplyTo {
        event_id: parsed.vote_on.as_deref().unwrap_or(&parsed.event_id),
        thread_root: parsed.thread.as_ref().map(|t| &*t.event_id),
        mention: alone.then_some(&*parsed.sender),
    };
    match poll::start(menu, Some(reply_to)) {
        Some(content) => {
            outbox::send_event(room, poll::START_TYPE, content).await?;
            debug!(outcome = "poll-sent", "menu sent as a poll");
        }
        // `fits` rules this out; the text menu is better than none.
        None => send(room, &menu.text, Some(parsed.reply_metadata())).await?,
    }
    Ok(())
}

/// Ends the poll `parsed` voted on, if it is a vote (which has been answered by now).
async fn end_voted(shared: &Shared, room: &Room, parsed: &Parsed) -> Result<(), SendError> {
    if let Some(start) = &parsed.vote_on {
        let end = poll::end(&shared.messages().poll_ended, start.clone());
        outbox::send_event(room, poll::END_TYPE, end).await?;
        debug!(outcome = "poll-ended", "voted poll ended");
    }
    Ok(())
}

/// A vote, read into what the plan needs: the poll's state as [`Kind::Vote`], the answer id as
/// the text, and the poll (with its thread) as what the answer replies to.
pub async fn read_vote(shared: &Shared, room: &Room, vote: Vote) -> Parsed {
    // The plan ignores these before it looks at the poll, so the poll is not fetched.
    let ignored_anyway = vote.sender == shared.me || vote.sent_at < shared.started_at;
    let (poll, thread) = if ignored_anyway {
        (Poll::NotMine, None)
    } else {
        poll_state(room, &shared.me, &vote.start).await
    };
    Parsed {
        event_id: vote.event_id,
        thread,
        sender: vote.sender,
        sent_at: vote.sent_at,
        kind: Kind::Vote(poll),
        body: vote.answer,
        mentions_me: false,
        vote_on: Some(vote.start),
    }
}

/// Whether `start` is a poll the bot sent and has not ended, and the thread it is in.
async fn poll_state(room: &Room, me: &OwnedUserId, start: &EventId) -> (Poll, Option<Thread>) {
    let event = match outbox::retrying("poll", || room.event(start, None)).await {
        Ok(event) => event,
        Err(e) => {
            warn!(error = %e, "could not fetch the poll a vote is on; ignoring the vote");
            return (Poll::NotMine, None);
        }
    };
    let raw = event.raw();
    if raw
        .get_field::<OwnedUserId>("sender")
        .ok()
        .flatten()
        .as_ref()
        != Some(me)
    {
        return (Poll::NotMine, None);
    }
    // Only the thread's root is needed, to answer in the poll's thread; the relation travels
    // in the clear, so this holds even for an event the bot cannot decrypt.
    let relation: Option<serde_json::Value> = raw
        .get_field::<serde_json::Value>("content")
        .ok()
        .flatten()
        .and_then(|c| c.get("m.relates_to").cloned());
    let thread = relation
        .filter(|r| r["rel_type"] == "m.thread")
        .and_then(|r| {
            r["event_id"]
                .as_str()
                .and_then(|id| EventId::parse(id).ok())
        })
        .map(|root| Thread::plain(root, start.to_owned()));
    let poll = match ended_by(room, me, start).await {
        Ok(true) => Poll::Ended,
        Ok(false) => Poll::Open,
        Err(e) => {
            // Unknown: ignoring the vote is safer than answering one menu twice.
            warn!(error = %e, "could not read whether a voted poll is ended; ignoring the vote");
            Poll::Ended
        }
    };
    (poll, thread)
}

/// Whether the bot has ended the poll `start`: whether any event referencing it is the bot's.
/// Votes are references from others; the bot never votes, and its poll end is a reference.
async fn ended_by(room: &Room, me: &OwnedUserId, start: &EventId) -> Result<bool, SendError> {
    let mut from = None;
    for _ in 0..RELATIONS_PAGES {
        let options = RelationsOptions {
            from: from.clone(),
            limit: Some(UInt::from(RELATIONS_PAGE)),
            include_relations: IncludeRelations::RelationsOfType(RelationType::Reference),
            ..Default::default()
        };
        let page = outbox::retrying("poll-relations", || {
            room.relations(start.to_owned(), options.clone())
        })
        .await?;
        if page.chunk.iter().any(|e| {
            e.raw()
                .get_field::<OwnedUserId>("sender")
                .ok()
                .flatten()
                .as_ref()
                == Some(me)
        }) {
            return Ok(true);
        }
        match page.next_batch_token {
            Some(next) if !page.chunk.is_empty() => from = Some(next),
            _ => return Ok(false),
        }
    }
    Ok(false)
}
