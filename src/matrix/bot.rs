//! The running bot: start-up and the sync loop, which hands invites to [`super::join`] and each
//! room's events to that room's worker in [`super::handle`].
//!
//! The loop is ours, around `sync_once`: `Client::sync` sleeps a second between quick syncs,
//! which would make back-to-back questions wait. Each room has one worker with a bounded queue,
//! so answers in a room keep their order and one busy room cannot hold up the others.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use matrix_sdk::{
    Client,
    config::SyncSettings,
    deserialized_responses::TimelineEvent,
    ruma::{
        OwnedRoomId, OwnedUserId,
        api::client::{filter::FilterDefinition, sync::sync_events::v3::Filter},
    },
    sync::SyncResponse,
};
use tokio::{sync::mpsc, task::JoinSet};
use tracing::{debug, error, info, warn};

use super::{
    fault::{Fault, SessionError},
    forget::{Forgetter, Pending},
    handle::room_worker,
    health::{self, Health},
    idle, join,
    outbox::{backoff, error_kind},
    parse, reload,
    room_keys::RoomKeys,
    session,
    shared::Shared,
    start::StartError,
};
use crate::{
    answerer::Answerer,
    config::{Config, Secrets},
    metrics::metrics,
};

/// How long a long-poll sync waits for new events.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Events a room may have waiting before new ones are dropped (with a warning).
const ROOM_QUEUE: usize = 64;
/// How long replies in flight may take to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Restores the session (or, with `new_identity`, logs in as a new device when there is none),
/// then answers until `shutdown` resolves. Replies in flight finish before it returns; the
/// session stays valid (no logout), so the next start is the same device.
pub async fn run(
    config: Config,
    secrets: Secrets,
    answerer: Answerer,
    new_identity: bool,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let hangups = reload::listen();
    metrics().started();
    // A data dir that went missing (a failed mount, a typo) must not become a new device that
    // every user sees as a changed identity: checked before anything is written.
    if !new_identity && !session::has_session(&config.data_dir) {
        return Err(StartError::NoSession(config.data_dir.clone()).into());
    }
    session::prepare_data_dir(&config.data_dir)?;
    let _lock = session::lock_data_dir(&config.data_dir).map_err(StartError::Locked)?;
    let (client, start) = session::open(&config, &secrets, secrets.password.as_ref(), None).await?;
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

    let shared = Arc::new(Shared::new(config, answerer, me, forgetter));
    tokio::spawn(reload::on_hangup(shared.clone(), hangups));
    let mut sync = Sync {
        shared,
        client,
        health,
        workers: HashMap::new(),
        tasks: JoinSet::new(),
        failures: 0,
        timeout: Duration::ZERO,
        next_sweep: Instant::now(),
        sweeping: None,
    };
    let ended = sync.until(shutdown).await;
    sync.drain().await;
    info!("stopped");
    match ended {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The sync loop's state.
struct Sync {
    shared: Arc<Shared>,
    client: Client,
    health: Arc<Health>,
    /// Each room's worker, fed through a bounded queue.
    workers: HashMap<OwnedRoomId, mpsc::Sender<TimelineEvent>>,
    /// The workers, invites and forgets running.
    tasks: JoinSet<()>,
    /// Failed syncs in a row.
    failures: u32,
    /// The next sync's long-poll timeout: zero for the first, so a start catches up at once.
    timeout: Duration,
    /// When to look for quiet rooms next ([`idle`]).
    next_sweep: Instant,
    /// The look for quiet rooms under way, if one is.
    sweeping: Option<tokio::task::JoinHandle<()>>,
}

impl Sync {
    /// Syncs until `shutdown` resolves or the homeserver ends the session (returned).
    async fn until(&mut self, shutdown: impl Future<Output = ()>) -> Option<SessionError> {
        tokio::pin!(shutdown);
        loop {
            let settings = SyncSettings::new()
                .timeout(self.timeout)
                .filter(sync_filter());
            tokio::select! {
                _ = &mut shutdown => return None,
                result = self.client.sync_once(settings) => match result {
                    Ok(response) => {
                        self.synced(response);
                        self.sweep_if_due();
                    }
                    Err(e) => {
                        if let Some(ended) = self.failed(&e) {
                            return Some(ended);
                        }
                        let pause = backoff(self.failures);
                        tokio::select! {
                            _ = &mut shutdown => return None,
                            _ = tokio::time::sleep(pause) => {}
                        }
                    }
                }
            }
            while let Some(done) = self.tasks.try_join_next() {
                if done.is_err() {
                    warn!("room worker stopped unexpectedly");
                }
            }
            self.workers.retain(|_, tx| !tx.is_closed());
            self.shared.limiter().prune(Instant::now());
        }
    }

    /// Hands a sync's events out; after the first, also what a stop or crash left undone.
    fn synced(&mut self, response: SyncResponse) {
        if self.failures > 0 {
            info!(failures = self.failures, "homeserver reachable again");
        }
        self.failures = 0;
        self.health.synced();
        metrics().synced(self.client.joined_rooms().len());
        let first = self.timeout.is_zero();
        self.timeout = SYNC_TIMEOUT;
        let fresh: HashSet<OwnedRoomId> = response.rooms.invited.keys().cloned().collect();
        dispatch(
            &self.shared,
            &self.client,
            response,
            &mut self.workers,
            &mut self.tasks,
        );
        if first {
            // Invites that arrived before this start and were not handled then.
            for room in self.client.invited_rooms() {
                if !fresh.contains(room.room_id()) {
                    spawn_invite(&mut self.tasks, &self.shared, room);
                }
            }
            // Forgets a stop or a crash cut short.
            let (shared, client) = (self.shared.clone(), self.client.clone());
            self.tasks.spawn(async move {
                shared.forgetter.resume(&client, &shared.messages()).await;
            });
        }
    }

    /// Starts a look for quiet rooms when one is due and none is under way.
    fn sweep_if_due(&mut self) {
        let Some(idle_after) = self.shared.config.rooms.leave_idle_after else {
            return;
        };
        let now = Instant::now();
        if now < self.next_sweep || self.sweeping.as_ref().is_some_and(|s| !s.is_finished()) {
            return;
        }
        self.next_sweep = now + idle::sweep_every(idle_after);
        let (shared, client) = (self.shared.clone(), self.client.clone());
        self.sweeping = Some(tokio::spawn(async move {
            idle::sweep(&shared, &client, idle_after).await;
        }));
    }

    /// A failed sync: the session's end when the token is gone (that will not come back by
    /// retrying); anything else (a 5xx, a 429, a dropped connection, another 4xx) might pass,
    /// so it is counted for the backoff.
    fn failed(&mut self, e: &matrix_sdk::Error) -> Option<SessionError> {
        let fault = Fault::of(e);
        if matches!(fault, Fault::UnknownToken { .. }) {
            error!(
                fault = fault.kind(),
                "the homeserver ended the bot's session; stopping"
            );
            return SessionError::for_fault(fault, false, self.shared.config.data_dir.clone());
        }
        self.failures += 1;
        metrics().sync_failed();
        warn!(
            error = error_kind(e),
            failures = self.failures,
            pause_s = backoff(self.failures).as_secs(),
            "sync failed; retrying"
        );
        None
    }

    /// Lets replies in flight finish, for up to [`DRAIN_TIMEOUT`].
    async fn drain(mut self) {
        info!(
            in_flight = self.tasks.len(),
            "stopping: finishing replies in flight"
        );
        self.workers.clear();
        // Not a reply: a look for quiet rooms is simply done again after the next start.
        if let Some(sweep) = self.sweeping.take() {
            sweep.abort();
        }
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            warn!("some replies did not finish in time");
        }
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
    let pending = Pending::open(&config.data_dir).map_err(StartError::Pending)?;
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
            spawn_invite(tasks, shared, room);
        }
    }
    // However the bot came to leave a room (kicked, banned, its own leave), its keys and its
    // state go: nothing of it is needed any more. After the bot's own leave this is a second
    // erase, which also catches keys the SDK saved while the first ran.
    for room_id in response.rooms.left.keys() {
        metrics().room_left();
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
            if let Some(taken_back) = parse::redacted_by(&event) {
                shared.note_redacted(taken_back);
            }
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

/// Handles an invite in its own task.
fn spawn_invite(tasks: &mut JoinSet<()>, shared: &Arc<Shared>, room: matrix_sdk::Room) {
    let shared = shared.clone();
    tasks.spawn(async move { join::on_invite(&shared, room).await });
}
