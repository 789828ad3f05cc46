//! The running bot: owns the sync loop, hands each room's events to that room's worker, and
//! answers from the curated set.
//!
//! The loop is ours, around `sync_once`: `Client::sync` sleeps a second between quick syncs,
//! which would make back-to-back questions wait. Each room has one worker with a bounded queue,
//! so answers in a room keep their order and one busy room cannot hold up the others.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use futures_util::FutureExt;
use matrix_sdk::{
    Client, Room, RoomMemberships, RoomState,
    config::SyncSettings,
    deserialized_responses::{TimelineEvent, TimelineEventKind},
    ruma::{
        MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, UserId,
        api::client::{filter::FilterDefinition, sync::sync_events::v3::Filter},
        events::{
            AnySyncMessageLikeEvent, AnySyncStateEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
            SyncStateEvent,
            relation::Thread,
            room::{
                encrypted::OriginalSyncRoomEncryptedEvent,
                message::{MessageType, OriginalSyncRoomMessageEvent, Relation, ReplyMetadata},
            },
        },
    },
    sync::SyncResponse,
};
use tokio::{sync::mpsc, task::JoinSet};
use tracing::{debug, error, info, warn};

use super::{
    fault::{Fault, SessionError},
    forget::{Forgetter, Pending},
    health::{self, Health},
    incoming::{self, Action, Facts, Kind},
    invites::{self, JoinCap},
    outbox::{self, backoff, error_kind, send},
    room_keys::RoomKeys,
    session,
};
use crate::{
    config::{Config, Secrets},
    flood::{Limiter, Verdict},
    matcher::{Matcher, Outcome},
    reply::{Composer, Instance},
    responses::ResponseSet,
};

/// How long a long-poll sync waits for new events.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Events a room may have waiting before new ones are dropped (with a warning).
const ROOM_QUEUE: usize = 64;
/// How long an undecryptable message waits for its key before the bot says so.
const KEY_WAIT: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(3),
    Duration::from_secs(6),
];
/// How long replies in flight may take to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything a room worker needs, shared by all of them.
struct Shared {
    config: Config,
    set: ResponseSet,
    matcher: Matcher,
    instance: Instance,
    me: OwnedUserId,
    started_at: MilliSecondsSinceUnixEpoch,
    noticed_unencrypted: Mutex<HashSet<OwnedRoomId>>,
    limiter: Mutex<Limiter<OwnedUserId>>,
    /// Joins per inviter in the last hour.
    joins: Mutex<JoinCap>,
    /// Forgets rooms on request, and erases a room's keys when the bot leaves it.
    forgetter: Forgetter,
}

/// Logs in (or restores), then answers until `shutdown` resolves. Replies in flight finish
/// before it returns; the session stays valid (no logout), so the next start is the same device.
pub async fn run(
    config: Config,
    secrets: Secrets,
    set: ResponseSet,
    matcher: Matcher,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    session::prepare_data_dir(&config.data_dir)?;
    let _lock = session::lock_data_dir(&config.data_dir)?;
    let (client, start) = session::open(&config, &secrets, secrets.password.as_ref()).await?;
    let cross_signed =
        session::ensure_cross_signing(&client, &config, secrets.password.as_ref()).await?;
    let device = client
        .device_id()
        .map(|d| d.to_string())
        .unwrap_or_default();
    let me = client
        .user_id()
        .context("no user id after login")?
        .to_owned();
    let forgetter = open_forgetter(&config, &secrets, me.clone()).await?;
    info!(?start, %device, cross_signed, "logged in");

    let health = Arc::new(Health::default());
    health.set_crypto_ready(client.encryption().ed25519_key().await.is_some());
    if let Some(addr) = config.health {
        let listener = health::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for [health]"))?;
        info!(%addr, "health endpoint listening");
        tokio::spawn(health::serve(listener, health.clone()));
    }

    let instance = Instance {
        region: config.region,
        homeserver: config.homeserver.clone(),
    };
    let limiter = Mutex::new(Limiter::new(config.rate_limit));
    let joins = Mutex::new(JoinCap::new(config.rooms.max_joins_per_inviter_per_hour));
    let shared = Arc::new(Shared {
        config,
        set,
        matcher,
        instance,
        me,
        started_at: MilliSecondsSinceUnixEpoch::now(),
        noticed_unencrypted: Mutex::new(HashSet::new()),
        limiter,
        joins,
        forgetter,
    });

    let mut workers: HashMap<OwnedRoomId, mpsc::Sender<TimelineEvent>> = HashMap::new();
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;
    let mut timeout = Duration::ZERO;
    let mut ended: Option<SessionError> = None;
    tokio::pin!(shutdown);
    loop {
        let settings = SyncSettings::new().timeout(timeout).filter(sync_filter());
        tokio::select! {
            _ = &mut shutdown => break,
            result = client.sync_once(settings) => match result {
                Ok(response) => {
                    if failures > 0 {
                        info!(failures, "homeserver reachable again");
                    }
                    failures = 0;
                    health.synced();
                    let first = timeout.is_zero();
                    let fresh: HashSet<OwnedRoomId> = response.rooms.invited.keys().cloned().collect();
                    timeout = SYNC_TIMEOUT;
                    dispatch(&shared, &client, response, &mut workers, &mut tasks);
                    if first {
                        // Invites that arrived before this start and were not handled then.
                        for room in client.invited_rooms().into_iter().filter(|r| !fresh.contains(r.room_id())) {
                            tasks.spawn(on_invite(shared.clone(), room));
                        }
                        // Forgets a stop or a crash cut short.
                        let (shared, client) = (shared.clone(), client.clone());
                        tasks.spawn(async move {
                            shared.forgetter.resume(&client, &shared.set.messages).await;
                        });
                    }
                }
                Err(e) => {
                    let fault = Fault::of(&e);
                    // A token the homeserver no longer accepts will not come back by retrying;
                    // anything else (a 5xx, a 429, a dropped connection, another 4xx) might.
                    if matches!(fault, Fault::UnknownToken { .. }) {
                        ended = SessionError::for_fault(fault, false, shared.config.data_dir.clone());
                        error!(fault = fault.kind(), "the homeserver ended the bot's session; stopping");
                        break;
                    }
                    failures += 1;
                    let pause = backoff(failures);
                    warn!(error = error_kind(&e), failures, pause_s = pause.as_secs(), "sync failed; retrying");
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
        while let Some(done) = tasks.try_join_next() {
            if done.is_err() {
                warn!("room worker stopped unexpectedly");
            }
        }
        workers.retain(|_, tx| !tx.is_closed());
        shared
            .limiter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .prune(Instant::now());
    }

    info!(
        in_flight = tasks.len(),
        "stopping: finishing replies in flight"
    );
    drop(workers);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        warn!("some replies did not finish in time");
    }
    info!("stopped");
    match ended {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Events per room per sync. Synapse's default of 10 would drop the rest of a burst of
/// messages (the sync says "limited" and leaves a gap); 100 covers any burst the flood limit
/// lets through.
const TIMELINE_LIMIT: u32 = 100;

/// The sync filter of the bot (also used by the echo floor of the load benchmark).
pub fn sync_filter() -> Filter {
    let mut definition = FilterDefinition::default();
    definition.room.timeline.limit = Some(TIMELINE_LIMIT.into());
    Filter::FilterDefinition(definition)
}

/// Unlocks the crypto store for erasing rooms' keys (the passphrase's key derivation takes a
/// moment, so off the async threads) and reads the rooms still to be forgotten.
async fn open_forgetter(
    config: &Config,
    secrets: &Secrets,
    me: OwnedUserId,
) -> anyhow::Result<Forgetter> {
    let pending = Pending::open(&config.data_dir)?;
    let store_dir = config.data_dir.join(session::STORE_DIR);
    let passphrase = secrets.store_passphrase.clone();
    let keys = tokio::task::spawn_blocking(move || RoomKeys::open(&store_dir, passphrase.expose()))
        .await
        .context("the crypto store check stopped")?
        .context("cannot prepare erasing rooms' keys on leaving them")?;
    Ok(Forgetter::new(pending, keys, me))
}

/// Hands a sync response's invites and events out; quick, so the next sync starts at once.
fn dispatch(
    shared: &Arc<Shared>,
    client: &Client,
    response: SyncResponse,
    workers: &mut HashMap<OwnedRoomId, mpsc::Sender<TimelineEvent>>,
    tasks: &mut JoinSet<()>,
) {
    for room_id in response.rooms.invited.keys() {
        if let Some(room) = client.get_room(room_id) {
            tasks.spawn(on_invite(shared.clone(), room));
        }
    }
    // However the bot came to leave a room (kicked, banned, its own leave), its keys and its
    // state go: nothing of it is needed any more. After the bot's own leave this is a second
    // erase, which also catches keys the SDK saved while the first ran.
    for room_id in response.rooms.left.keys() {
        let (shared, room) = (shared.clone(), client.get_room(room_id));
        let room_id = room_id.clone();
        tasks.spawn(async move {
            if let Some(room) = room {
                let _ = room.forget().await;
            }
            shared.forgetter.erase_keys(&room_id);
        });
    }
    for (room_id, update) in response.rooms.joined {
        let Some(room) = client.get_room(&room_id) else {
            continue;
        };
        if update.timeline.limited {
            // Expected on the first sync after a start (old history); later it means a gap.
            debug!(events = update.timeline.events.len(), "limited timeline");
        }
        for event in update.timeline.events {
            let tx = workers.entry(room_id.clone()).or_insert_with(|| {
                let (tx, rx) = mpsc::channel(ROOM_QUEUE);
                tasks.spawn(room_worker(
                    shared.clone(),
                    client.clone(),
                    room.clone(),
                    rx,
                ));
                tx
            });
            if tx.try_send(event).is_err() {
                warn!("room queue full; event dropped");
            }
        }
    }
}

/// Whether `inviter` may bring the bot into one more room (see [`super::invites`]); a
/// poisoned lock refuses, so a panic elsewhere never opens the door.
fn admit(shared: &Shared, inviter: Option<&UserId>) -> Result<(), invites::Refusal> {
    let allowed = &shared.config.rooms.allowed_inviters;
    match shared.joins.lock() {
        Ok(mut cap) => cap.admit(allowed, inviter, Instant::now()),
        Err(_) => Err(invites::Refusal::TooManyJoins),
    }
}

/// Joins a room the bot was invited to, if the invite rules allow it, retrying with backoff
/// (a join right after an invite can race the homeserver).
async fn on_invite(shared: Arc<Shared>, room: Room) {
    // The sender of the bot's own invite event: always there, unlike the inviter's member
    // event, which a homeserver may leave out of the invite state.
    let inviter = room.invite_details().await.ok().map(|d| d.inviter_id);
    if let Err(refusal) = admit(&shared, inviter.as_deref()) {
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
                if stays(&shared, &room).await {
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

/// Handles one room's events in order, one at a time.
async fn room_worker(
    shared: Arc<Shared>,
    client: Client,
    room: Room,
    mut rx: mpsc::Receiver<TimelineEvent>,
) {
    while let Some(event) = rx.recv().await {
        let started = Instant::now();
        let handled = AssertUnwindSafe(on_event(&shared, &client, &room, event))
            .catch_unwind()
            .await;
        match handled {
            Ok(Ok(outcome)) => debug!(
                outcome,
                latency_ms = started.elapsed().as_millis() as u64,
                "event handled"
            ),
            Ok(Err(e)) => warn!(error = %e, "event handling failed"),
            // The panic hook logged where; the payload is never logged.
            Err(_) => warn!(outcome = "error", "event handler panicked; carrying on"),
        }
    }
}

/// Why handling an event failed, without content.
type HandleError = outbox::SendError;

/// Decides and acts on one event; returns the outcome class for the log.
async fn on_event(
    shared: &Shared,
    client: &Client,
    room: &Room,
    event: TimelineEvent,
) -> Result<&'static str, HandleError> {
    if room.state() != RoomState::Joined {
        return Ok("ignored");
    }
    let encrypted = !matches!(event.kind, TimelineEventKind::PlainText { .. });
    let (event, kind) = match &event.kind {
        TimelineEventKind::UnableToDecrypt { event: raw, .. } => {
            let Ok(utd) = raw.deserialize_as_unchecked::<OriginalSyncRoomEncryptedEvent>() else {
                return Ok("ignored");
            };
            if utd.sender == shared.me || utd.origin_server_ts < shared.started_at {
                return Ok("ignored");
            }
            // A sender whose every message would be dropped does not get the room's worker
            // held for up to 10 s per message while their keys are awaited.
            let silenced = shared
                .limiter
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .is_silenced(&utd.sender, Instant::now());
            if silenced {
                return Ok("rate-limited-silent");
            }
            match wait_for_key(room, raw.cast_ref_unchecked()).await {
                Some(decrypted) => (decrypted, None),
                None => (event, Some(utd)),
            }
        }
        _ => (event, None),
    };
    let parsed = match kind {
        Some(utd) => Parsed {
            event_id: utd.event_id,
            thread: None,
            sender: utd.sender,
            ts: utd.origin_server_ts,
            kind: Kind::Undecryptable,
            body: String::new(),
            mentions_me: false,
        },
        None => match parse(&event, shared, client).await {
            Some(p) => p,
            None => return Ok("ignored"),
        },
    };
    // The member list (not the count from the sync summary, which can lag) decides DM or group.
    let members = match room.members(RoomMemberships::JOIN).await {
        Ok(m) => m.len() as u64,
        Err(_) => room.joined_members_count(),
    };
    let room_encrypted = room
        .latest_encryption_state()
        .await
        .map(|s| s.is_encrypted())
        .unwrap_or(false);
    let facts = Facts {
        from_me: parsed.sender == shared.me,
        before_start: parsed.ts < shared.started_at,
        room_encrypted,
        event_encrypted: encrypted,
        members,
        addressed: parsed.mentions_me
            || incoming::is_addressed(&parsed.body, shared.me.as_str(), &shared.config.rooms.names),
    };
    let action = incoming::decide(facts, parsed.kind);
    if action == Action::Ignore {
        return Ok("ignored");
    }
    if action == Action::NoticeUnencrypted {
        let first = shared
            .noticed_unencrypted
            .lock()
            .map(|mut n| n.insert(room.room_id().to_owned()))
            .unwrap_or(false);
        if !first || !shared.config.rooms.notice_unencrypted {
            return Ok("ignored");
        }
        send(room, &shared.set.messages.not_encrypted, None).await?;
        return Ok("notice-unencrypted");
    }
    // A question is read before the flood limit, so that an urgent one (or a request to forget)
    // still gets through once when the sender is over it.
    let request = (action == Action::Answer).then(|| {
        let question = incoming::strip_address(
            incoming::strip_reply_fallback(&parsed.body),
            shared.me.as_str(),
            &shared.config.rooms.names,
        );
        if incoming::is_forget_request(&question) {
            Request::Forget
        } else {
            Request::Question(shared.matcher.classify(&question))
        }
    });
    let urgent = match &request {
        Some(Request::Forget) => true,
        Some(Request::Question(outcome)) => outcome.is_urgent(),
        _ => false,
    };
    // A panic elsewhere while the limiter was held leaves it usable: keep limiting (failing
    // open would hand a flood the bot's whole send budget).
    let verdict = shared
        .limiter
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .check(&parsed.sender, Instant::now(), urgent);
    match verdict {
        Verdict::Allow => {}
        Verdict::Notify => {
            send(
                room,
                &shared.set.messages.slow_down,
                Some(parsed.reply_metadata()),
            )
            .await?;
            return Ok("rate-limited");
        }
        Verdict::Drop => return Ok("rate-limited-silent"),
        Verdict::Busy => return Ok("over-global-budget"),
    }
    match (action, request) {
        (_, Some(Request::Forget)) => {
            shared.forgetter.forget(room, &shared.set.messages).await;
            Ok("forgotten")
        }
        (_, Some(Request::Question(outcome))) => {
            let reply = Composer::new(&shared.set, &shared.instance).compose(&outcome);
            send(room, &reply, Some(parsed.reply_metadata())).await?;
            Ok(match outcome {
                Outcome::Topic { .. } | Outcome::MenuPick { .. } => "answered",
                Outcome::Ambiguous { .. } => "answered-ambiguous",
                Outcome::OutOfScope => "answered-out-of-scope",
                Outcome::TooLong => "answered-too-long",
            })
        }
        (Action::NonTextReply, None) => {
            send(
                room,
                &shared.set.messages.non_text,
                Some(parsed.reply_metadata()),
            )
            .await?;
            Ok("non-text")
        }
        (Action::UndecryptableReply, None) => {
            send(
                room,
                &shared.set.messages.undecryptable,
                Some(parsed.reply_metadata()),
            )
            .await?;
            Ok("undecryptable")
        }
        _ => Ok("ignored"),
    }
}

/// What a text message asks for.
enum Request {
    Forget,
    Question(Outcome),
}

/// The parts of a message event the decision needs. `body` is conversation content: it is
/// matched and dropped, never logged or stored.
struct Parsed {
    /// The message itself, which the reply points at (and whose thread it stays in), so in a
    /// busy room it is clear which question each answer is for.
    event_id: OwnedEventId,
    thread: Option<Thread>,
    sender: OwnedUserId,
    ts: MilliSecondsSinceUnixEpoch,
    kind: Kind,
    body: String,
    mentions_me: bool,
}

/// Reads a timeline event into [`Parsed`]; events the bot never answers (state, reactions,
/// redactions…) give `None`. A room upgrade is followed here.
async fn parse(event: &TimelineEvent, shared: &Shared, client: &Client) -> Option<Parsed> {
    // A deserialisation error can quote the event, so it is dropped unread.
    let any = event.raw().deserialize().ok()?;
    match any {
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
            SyncMessageLikeEvent::Original(m),
        )) => Some(parse_message(m, shared)),
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::Sticker(
            SyncMessageLikeEvent::Original(s),
        )) => Some(Parsed {
            event_id: s.event_id,
            thread: None,
            sender: s.sender,
            ts: s.origin_server_ts,
            kind: Kind::NonText,
            body: String::new(),
            mentions_me: false,
        }),
        AnySyncTimelineEvent::State(AnySyncStateEvent::RoomTombstone(
            SyncStateEvent::Original(t),
        )) => {
            // An upgrade is an invite from whoever sent the tombstone: the same rules apply.
            if t.origin_server_ts >= shared.started_at {
                if let Err(refusal) = admit(shared, Some(&t.sender)) {
                    info!(
                        outcome = "refused",
                        reason = refusal.kind(),
                        "room upgrade not followed: {}",
                        refusal.why()
                    );
                    return None;
                }
                match client.join_room_by_id(&t.content.replacement_room).await {
                    Ok(new_room) => {
                        if stays(shared, &new_room).await {
                            info!(outcome = "followed-upgrade", "joined the upgraded room");
                        }
                    }
                    Err(e) => warn!(error = error_kind(&e), "could not follow a room upgrade"),
                }
            }
            None
        }
        _ => None,
    }
}

fn parse_message(m: OriginalSyncRoomMessageEvent, shared: &Shared) -> Parsed {
    let mentions_me = m
        .content
        .mentions
        .as_ref()
        .is_some_and(|x| x.user_ids.contains(&shared.me));
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
        ts: m.origin_server_ts,
        kind,
        body,
        mentions_me,
    }
}

impl Parsed {
    /// What a reply to this message needs.
    fn reply_metadata(&self) -> ReplyMetadata<'_> {
        ReplyMetadata::new(&self.event_id, &self.sender, self.thread.as_ref())
    }
}

/// Retries decryption while the room key may still be on its way (it often arrives a sync
/// after the message).
async fn wait_for_key(
    room: &Room,
    raw: &matrix_sdk::ruma::serde::Raw<OriginalSyncRoomEncryptedEvent>,
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
