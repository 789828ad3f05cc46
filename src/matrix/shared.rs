//! What every room's worker shares: the answerer, the configuration, and the in-memory state of
//! this run (flood buckets, joins per inviter, rooms told they are unencrypted). Below the
//! handlers, so the sync loop, the handling and the joins all use it without a cycle.

use std::{
    collections::{HashSet, VecDeque},
    sync::{Arc, Mutex, MutexGuard, RwLock},
    time::Instant,
};

use matrix_sdk::ruma::{
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UserId,
};

use super::{
    forget::Forgetter,
    handoff::Handoffs,
    invites::{JoinCap, Refusal},
};
use crate::{answerer::Answerer, config::Config, flood::Limiter, responses::Messages};

/// Everything a room worker needs, shared by all of them.
pub struct Shared {
    /// The operator's configuration.
    pub config: Config,
    /// The curated set, its matcher and the instance; replaced whole by a reload (SIGHUP).
    answerer: RwLock<Arc<Answerer>>,
    /// The bot's own user id.
    pub me: OwnedUserId,
    /// When this run started: older messages are not answered.
    pub started_at: MilliSecondsSinceUnixEpoch,
    /// Rooms told, in this run, that the bot only talks encrypted.
    told_unencrypted: Mutex<HashSet<OwnedRoomId>>,
    /// Per-sender flood buckets.
    limiter: Mutex<Limiter<OwnedUserId>>,
    /// Joins per inviter in the last hour.
    joins: Mutex<JoinCap>,
    /// Messages their senders redacted lately, so one still waiting for its answer gets none.
    redacted: Mutex<Recent>,
    /// Rooms the bot introduced itself in, or found it had spoken in, in this run.
    introduced: Mutex<HashSet<OwnedRoomId>>,
    /// Forgets rooms on request, and erases a room's keys when the bot leaves it.
    pub forgetter: Forgetter,
    /// Offers of a person waiting for a yes, and rooms that asked for the bot back.
    pub handoffs: Handoffs,
}

impl Shared {
    /// The state of a fresh run, starting now.
    pub fn new(config: Config, answerer: Answerer, me: OwnedUserId, forgetter: Forgetter) -> Self {
        let limiter = Mutex::new(Limiter::new(config.rate_limit));
        let joins = Mutex::new(JoinCap::new(config.rooms.max_joins_per_inviter_per_hour));
        Shared {
            config,
            answerer: RwLock::new(Arc::new(answerer)),
            me,
            started_at: MilliSecondsSinceUnixEpoch::now(),
            told_unencrypted: Mutex::new(HashSet::new()),
            limiter,
            joins,
            redacted: Mutex::new(Recent::default()),
            introduced: Mutex::new(HashSet::new()),
            forgetter,
            handoffs: Handoffs::default(),
        }
    }

    /// Whether this is the first time in this run that the introduction is considered for
    /// `room`; marks it. A poisoned record says no: better no introduction than two.
    pub fn first_time_in(&self, room: &RoomId) -> bool {
        self.introduced
            .lock()
            .map(|mut seen| seen.insert(room.to_owned()))
            .unwrap_or(false)
    }

    /// Records that `event` was redacted by its sender (seen in a sync).
    pub fn note_redacted(&self, event: OwnedEventId) {
        if let Ok(mut recent) = self.redacted.lock() {
            recent.add(event);
        }
    }

    /// Whether `event` was redacted. A poisoned record says no: the question is answered.
    pub fn is_redacted(&self, event: &EventId) -> bool {
        self.redacted
            .lock()
            .map(|recent| recent.contains(event))
            .unwrap_or(false)
    }

    /// The answerer now: a reply composed with it stays whole even if a reload swaps it
    /// meanwhile. A poisoned lock still holds a whole answerer (swaps replace the `Arc` only).
    pub fn answerer(&self) -> Arc<Answerer> {
        match self.answerer.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts a freshly loaded and checked answerer in place of the current one, for every
    /// message handled from now on.
    pub fn replace_answerer(&self, answerer: Answerer) {
        let new = Arc::new(answerer);
        match self.answerer.write() {
            Ok(mut a) => *a = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }

    /// The bot's short system messages, from the answerer now.
    pub fn messages(&self) -> CurrentMessages {
        CurrentMessages(self.answerer())
    }

    /// The flood limiter. A panic elsewhere while it was held leaves it usable: keep limiting
    /// (failing open would hand a flood the bot's whole send budget).
    pub fn limiter(&self) -> MutexGuard<'_, Limiter<OwnedUserId>> {
        through_poison(&self.limiter)
    }

    /// Whether `room` was told, in this run, that the bot only talks encrypted.
    pub fn told_unencrypted(&self, room: &RoomId) -> bool {
        self.told_unencrypted
            .lock()
            .map(|told| told.contains(room))
            // A poisoned set says "told": a missing notice beats a repeated one.
            .unwrap_or(true)
    }

    /// Records that `room` was told it is not encrypted.
    pub fn mark_told_unencrypted(&self, room: &RoomId) {
        if let Ok(mut told) = self.told_unencrypted.lock() {
            told.insert(room.to_owned());
        }
    }

    /// Whether `inviter` may bring the bot into one more room (see [`super::invites`]); a
    /// poisoned lock refuses, so a panic elsewhere never opens the door.
    pub fn admit(&self, inviter: Option<&UserId>) -> Result<(), Refusal> {
        let allowed = &self.config.rooms.allowed_inviters;
        match self.joins.lock() {
            Ok(mut cap) => cap.admit(allowed, inviter, Instant::now()),
            Err(_) => Err(Refusal::TooManyJoins),
        }
    }
}

/// The system messages of one answerer, kept whole while in use.
pub struct CurrentMessages(Arc<Answerer>);

impl std::ops::Deref for CurrentMessages {
    type Target = Messages;

    fn deref(&self) -> &Messages {
        &self.0.set().messages
    }
}

/// The last [`Recent::CAP`] redacted event ids, in memory only: enough for every message still
/// waiting for an answer (a room's queue holds 64), never a growing record.
#[derive(Debug, Default)]
struct Recent {
    /// Oldest first, for dropping.
    ids: VecDeque<OwnedEventId>,
    /// The same ids, for the lookup every message makes.
    set: HashSet<OwnedEventId>,
}

impl Recent {
    const CAP: usize = 1024;

    fn add(&mut self, id: OwnedEventId) {
        if !self.set.insert(id.clone()) {
            return;
        }
        if self.ids.len() == Self::CAP
            && let Some(oldest) = self.ids.pop_front()
        {
            self.set.remove(&oldest);
        }
        self.ids.push_back(id);
    }

    fn contains(&self, id: &EventId) -> bool {
        self.set.contains(id)
    }
}

/// A lock, even after a panic elsewhere while it was held.
fn through_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::owned_event_id;

    use super::*;

    #[test]
    fn the_flood_limit_keeps_limiting_after_a_panic_while_it_was_held() {
        use crate::{config::RateLimit, flood::Verdict};
        let limiter = Mutex::new(Limiter::new(RateLimit {
            burst: 2,
            per_minute: 1,
            global_burst: 100,
            global_per_minute: 100,
        }));
        let _ = std::thread::scope(|s| {
            s.spawn(|| {
                let _held = limiter.lock().unwrap();
                panic!("a panic while the limiter is held");
            })
            .join()
        });
        assert!(limiter.is_poisoned());
        let sender = matrix_sdk::ruma::owned_user_id!("@flood:example.org");
        let now = Instant::now();
        let verdicts: Vec<Verdict> = (0..4)
            .map(|_| through_poison(&limiter).check(&sender, now, false))
            .collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Allow,
                Verdict::Allow,
                Verdict::Notify,
                Verdict::Drop
            ],
            "still limiting, not failing open"
        );
    }

    #[test]
    fn redactions_are_remembered_up_to_the_cap_oldest_first_out() {
        let mut recent = Recent::default();
        let first = owned_event_id!("$first:example.org");
        recent.add(first.clone());
        assert!(recent.contains(&first));
        for n in 0..Recent::CAP {
            recent.add(EventId::parse(format!("$e{n}:example.org")).unwrap());
        }
        assert!(!recent.contains(&first), "the oldest went");
        assert!(recent.contains(&EventId::parse("$e1023:example.org").unwrap()));
        assert_eq!(recent.ids.len(), Recent::CAP);
    }
}
