//! Handling one room's events: read the event, gather the facts, let [`super::plan`] decide,
//! act on the plan, and log the plan's kind (never the message).

use std::{future::Future, panic::AssertUnwindSafe, sync::Arc, time::Duration, time::Instant};

use futures_util::FutureExt;
use matrix_sdk::{
    Client, Room, RoomMemberships, RoomState,
    deserialized_responses::{TimelineEvent, TimelineEventKind},
    ruma::{
        events::room::{encrypted::OriginalSyncRoomEncryptedEvent, member::MembershipState},
        serde::Raw,
    },
};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use crate::{matcher::Outcome, metrics::metrics};

use super::{
    burst::{Added, Burst, Held},
    handoff, intro, join, menus,
    outbox::{self, send},
    parse::{self, Event, Parsed},
    plan::{self, Facts, Ignored, Kind, Plan},
    shared::Shared,
    words,
};

/// How long an undecryptable message waits for its key before the bot says so.
const KEY_WAIT: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(3),
    Duration::from_secs(6),
];

/// Handles one room's events in order, one at a time, holding a person's lines until they pause
/// ([`burst`]).
pub async fn room_worker(
    shared: Arc<Shared>,
    client: Client,
    room: Room,
    mut rx: mpsc::Receiver<TimelineEvent>,
) {
    let mut burst = Burst::new(shared.config.bursts);
    loop {
        let next = match burst.deadline() {
            Some(due) => tokio::select! {
                biased;
                () = tokio::time::sleep_until(due.into()) => {
                    if let Some(held) = burst.take_due(Instant::now()) {
                        logged(answer_burst(&shared, &client, &room, held)).await;
                    }
                    continue;
                }
                event = rx.recv() => event,
            },
            None => rx.recv().await,
        };
        let Some(event) = next else { break };
        logged(on_event(&shared, &client, &room, event, &mut burst)).await;
    }
    // The queue closed (the bot is stopping): a burst still held is answered before the end.
    if let Some(held) = burst.take() {
        logged(answer_burst(&shared, &client, &room, held)).await;
    }
}

/// Runs one handling and logs its plan's kind, its failure's kind, or that it panicked.
async fn logged(handling: impl Future<Output = Result<Plan, HandleError>>) {
    let started = Instant::now();
    match AssertUnwindSafe(handling).catch_unwind().await {
        Ok(Ok(plan)) => {
            let took = started.elapsed();
            // People's messages are counted, not other events nor the bot's own echoes.
            if !matches!(plan, Plan::Ignore(Ignored::NotAMessage | Ignored::Own)) {
                let replied = !matches!(plan, Plan::Ignore(_) | Plan::Hold);
                metrics().handled(plan.class(), replied.then_some(took));
            }
            debug!(
                outcome = plan.kind(),
                detail = plan.detail(),
                latency_ms = took.as_millis() as u64,
                "event handled"
            );
        }
        Ok(Err(e)) => warn!(error = %e, "event handling failed"),
        // The panic hook logged where; the payload is never logged.
        Err(_) => warn!(outcome = "error", "event handler panicked; carrying on"),
    }
}

/// Why handling an event failed, without content.
type HandleError = outbox::SendError;

/// Reads one event, plans, and carries the plan out; returns the plan for the log.
async fn on_event(
    shared: &Shared,
    client: &Client,
    room: &Room,
    event: TimelineEvent,
    burst: &mut Burst,
) -> Result<Plan, HandleError> {
    if room.state() != RoomState::Joined {
        return Ok(Plan::Ignore(Ignored::NotJoined));
    }
    let encrypted = !matches!(event.kind, TimelineEventKind::PlainText { .. });
    let parsed = match read(shared, room, event).await {
        Ok(Event::Message(parsed)) => parsed,
        Ok(Event::Vote(vote)) => menus::read_vote(shared, room, vote).await,
        Ok(Event::Upgrade {
            sender,
            sent_at,
            replacement,
        }) => {
            join::on_upgrade(shared, client, sender, sent_at, replacement).await;
            return Ok(Plan::Ignore(Ignored::NotAMessage));
        }
        Err(why) => return Ok(Plan::Ignore(why)),
    };
    let members = members(shared, room).await;
    let question = words::strip_address(
        words::strip_reply_fallback(&parsed.body),
        shared.me.as_str(),
        &shared.config.rooms.names,
    );
    let facts = Facts {
        from_me: parsed.sender == shared.me,
        before_start: parsed.sent_at < shared.started_at,
        redacted: shared.is_redacted(&parsed.event_id),
        room_encrypted: room
            .latest_encryption_state()
            .await
            .map(|s| s.is_encrypted())
            .unwrap_or(false),
        event_encrypted: encrypted,
        members: members.people,
        addressed: parsed.mentions_me
            || words::is_addressed(&parsed.body, shared.me.as_str(), &shared.config.rooms.names),
        kind: parsed.kind,
        question: &question,
        told_unencrypted: shared.told_unencrypted(room.room_id()),
        tell_unencrypted: shared.config.rooms.notice_unencrypted,
        bursts: shared.config.bursts.on(),
        handoff: handoff::offered_in(shared, members.people),
        offered: shared
            .handoffs
            .offered(room.room_id(), &parsed.sender, Instant::now()),
        handed_over: members.responder && !shared.handoffs.resumed(room.room_id()),
    };
    let plan = plan::plan(
        &facts,
        |q| classify(shared, burst.of(&parsed.sender), q),
        |urgent| {
            shared
                .limiter()
                .check(&parsed.sender, Instant::now(), urgent)
        },
    );
    match &plan {
        Plan::Hold => {
            let (members, addressed) = (facts.members, facts.addressed);
            let added = burst.add(parsed, question, members, addressed, Instant::now());
            if let Added::HeldAfter(before) = added {
                logged(answer_burst(shared, client, room, before)).await;
            }
            return Ok(plan);
        }
        Plan::Ignore(_) => return Ok(plan),
        // The room's conversation is being forgotten: held lines go unanswered.
        Plan::Forget => drop(burst.take()),
        // The sender's held lines were read with this one (see `classify`).
        Plan::Answer(outcome) if outcome.is_urgent() && burst.of(&parsed.sender).is_some() => {
            drop(burst.take());
        }
        // Anything else answered now comes after the lines held before it.
        _ => {
            if let Some(held) = burst.take() {
                logged(answer_burst(shared, client, room, held)).await;
            }
        }
    }
    if matches!(plan, Plan::Answer(_)) && facts.members > 2 {
        intro::before_first_answer(shared, client, room).await;
    }
    act(shared, room, &parsed, &plan).await?;
    Ok(plan)
}

/// What a line is about. An urgent line is read again together with the lines its sender has
/// waiting (`held`): "he has my pictures" after "my ex" is answered as the whole says, when the
/// whole is urgent too.
fn classify(shared: &Shared, held: Option<&Held>, line: &str) -> Outcome {
    let answerer = shared.answerer();
    let alone = answerer.classify(line);
    let Some(held) = held.filter(|_| alone.is_urgent()) else {
        return alone;
    };
    let together = answerer.classify(&held.with(line));
    if together.is_urgent() {
        together
    } else {
        alone
    }
}

/// Answers a burst: its lines still standing, read as one message, as a reply to the last.
async fn answer_burst(
    shared: &Shared,
    client: &Client,
    room: &Room,
    held: Held,
) -> Result<Plan, HandleError> {
    if room.state() != RoomState::Joined {
        return Ok(Plan::Ignore(Ignored::NotJoined));
    }
    let (sender, members, addressed) = (held.sender.clone(), held.members, held.addressed);
    let Some((words, last)) = held.read(|id| shared.is_redacted(id)) else {
        return Ok(Plan::Ignore(Ignored::Redacted));
    };
    // Every held line passed the rules for a line already: from someone else, since the start,
    // encrypted, text, addressing the bot in a group room.
    let facts = Facts {
        from_me: false,
        before_start: false,
        redacted: false,
        room_encrypted: true,
        event_encrypted: true,
        members,
        addressed,
        kind: Kind::Text,
        question: &words,
        told_unencrypted: false,
        tell_unencrypted: false,
        bursts: false,
        handoff: handoff::offered_in(shared, members),
        // A yes is never held, and a hand-over sends held lines on before it happens.
        offered: false,
        handed_over: false,
    };
    let plan = plan::plan(
        &facts,
        |q| shared.answerer().classify(q),
        |urgent| shared.limiter().check(&sender, Instant::now(), urgent),
    );
    drop(words);
    if matches!(plan, Plan::Answer(_)) && members > 2 {
        intro::before_first_answer(shared, client, room).await;
    }
    act(shared, room, &last.parsed, &plan).await?;
    Ok(plan)
}

/// Carries a plan out.
async fn act(
    shared: &Shared,
    room: &Room,
    parsed: &Parsed,
    plan: &Plan,
) -> Result<(), HandleError> {
    let messages = shared.messages();
    let reply_to = Some(parsed.reply_metadata());
    match plan {
        Plan::Answer(outcome) => menus::answer(shared, room, parsed, outcome).await?,
        Plan::Forget => {
            shared.forgetter.forget(room, &messages).await;
        }
        Plan::SlowDown => send(room, &messages.slow_down, reply_to).await?,
        Plan::TellUnencrypted => {
            shared.mark_told_unencrypted(room.room_id());
            send(room, &messages.not_encrypted, None).await?;
        }
        Plan::TextOnly => send(room, &messages.non_text, reply_to).await?,
        Plan::Undecryptable => send(room, &messages.undecryptable, reply_to).await?,
        Plan::OfferHandoff => handoff::offer(shared, room, &parsed.sender, reply_to).await?,
        Plan::HandOver => handoff::hand_over(shared, room, reply_to).await?,
        Plan::Resume => handoff::resume(shared, room, reply_to).await?,
        Plan::Hold | Plan::Ignore(_) => {}
    }
    Ok(())
}

/// Who is in a room, as the plan needs it, from one read of the member list.
struct Members {
    /// The joined members, the bot included and the operator's responders not (a responder who
    /// joined a direct message keeps it one). The member list (not the count from the sync
    /// summary, which can lag) decides DM or group.
    people: u64,
    /// One of the operator's responders is in the room, joined or invited.
    responder: bool,
}

async fn members(shared: &Shared, room: &Room) -> Members {
    match room.members(RoomMemberships::ACTIVE).await {
        Ok(m) => Members {
            people: m
                .iter()
                .filter(|m| {
                    *m.membership() == MembershipState::Join
                        && !handoff::is_responder(shared, m.user_id())
                })
                .count() as u64,
            responder: m.iter().any(|m| handoff::is_responder(shared, m.user_id())),
        },
        // Unknown: quiet is the safer side only when a hand-over may be under way.
        Err(_) => Members {
            people: room.joined_members_count(),
            responder: false,
        },
    }
}

/// Reads an event, waiting for its key if it arrived undecryptable; an event that is not for
/// the bot gives the reason it is ignored.
async fn read(shared: &Shared, room: &Room, event: TimelineEvent) -> Result<Event, Ignored> {
    let TimelineEventKind::UnableToDecrypt { event: raw, .. } = &event.kind else {
        return parse::parse(&event, &shared.me).ok_or(Ignored::NotAMessage);
    };
    let Ok(utd) = raw.deserialize_as_unchecked::<OriginalSyncRoomEncryptedEvent>() else {
        return Err(Ignored::NotAMessage);
    };
    let silenced = shared.limiter().is_silenced(&utd.sender, Instant::now());
    if let Some(why) = plan::skip_key_wait(
        utd.sender == shared.me,
        utd.origin_server_ts < shared.started_at,
        silenced,
    ) {
        return Err(why);
    }
    match wait_for_key(room, raw.cast_ref_unchecked()).await {
        Some(decrypted) => parse::parse(&decrypted, &shared.me).ok_or(Ignored::NotAMessage),
        None => {
            metrics().decryption_failed();
            Ok(Event::Message(Parsed::undecryptable(utd)))
        }
    }
}

/// Retries decryption while the room key may still be on its way (it often arrives a sync
/// after the message).
async fn wait_for_key(
    room: &Room,
    raw: &Raw<OriginalSyncRoomEncryptedEvent>,
) -> Option<TimelineEvent> {
    for pause in KEY_WAIT {
        tokio::time::sleep(pause).await;
        if let Ok(event) = room.decrypt_event(raw, None).await
            && matches!(event.kind, TimelineEventKind::Decrypted(_))
        {
            return Some(event);
        }
    }
    None
}
