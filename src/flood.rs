//! The per-sender flood limit: a token bucket in memory, never stored.
//!
//! A sender may send `burst` messages at once, then `per_minute` more each minute. Over the
//! limit, the first refused message gets one polite notice; the rest of that window is dropped
//! silently, so a flood cannot make the bot flood back. One urgent message (a crisis, a threat)
//! still gets through over the limit, once until the sender's tokens refill: a person in danger
//! who typed in bursts is not left unanswered.
//!
//! A second bucket is shared by all senders (`global_burst`, `global_per_minute`): someone who
//! rotates through many accounts passes every per-sender limit, and would otherwise spend the
//! bot's whole sending budget at the homeserver, so that a crisis answer waits behind theirs.
//! When it is empty, ordinary messages are dropped without a reply ([`Verdict::Busy`]); urgent
//! ones always pass (and take a token when there is one), so they are never starved.
//! Time is passed in, so tests need no clock.

use std::{
    collections::HashMap,
    hash::Hash,
    time::{Duration, Instant},
};

use crate::config::RateLimit;

/// What to do with one message from a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Under the limit: answer it.
    Allow,
    /// First message over the limit in this window: send the "slow down" notice.
    Notify,
    /// Over the limit and already told: drop it.
    Drop,
    /// The sender is under their limit, but all senders together are over the global budget:
    /// drop it without a reply (a reply would spend the budget too).
    Busy,
}

/// A token bucket's level: `burst` at most, refilled at `per_second`.
#[derive(Debug)]
struct Tokens {
    level: f64,
    updated: Instant,
    burst: f64,
    per_second: f64,
}

impl Tokens {
    fn full(burst: u32, per_minute: u32, now: Instant) -> Self {
        Tokens {
            level: f64::from(burst),
            updated: now,
            burst: f64::from(burst),
            per_second: f64::from(per_minute) / 60.0,
        }
    }

    /// The level at `now`, with what was earned since the last call.
    fn level_at(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        (self.level + elapsed * self.per_second).min(self.burst)
    }

    /// Adds what was earned since the last call, then takes one token if there is one.
    fn take(&mut self, now: Instant) -> bool {
        self.level = self.level_at(now);
        self.updated = now;
        let taken = self.level >= 1.0;
        if taken {
            self.level -= 1.0;
        }
        taken
    }

    /// Gives a taken token back.
    fn refund(&mut self) {
        self.level = (self.level + 1.0).min(self.burst);
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: Tokens,
    notified: bool,
    /// An urgent message was let through over the limit in this window.
    urgent_passed: bool,
}

/// Token buckets keyed by sender, and one for all of them.
#[derive(Debug)]
pub struct Limiter<K> {
    limit: RateLimit,
    buckets: HashMap<K, Bucket>,
    global: Option<Tokens>,
}

impl<K: Eq + Hash + Clone> Limiter<K> {
    /// An empty limiter.
    pub fn new(limit: RateLimit) -> Self {
        Limiter {
            limit,
            buckets: HashMap::new(),
            global: None,
        }
    }

    /// Takes a token for `sender` at `now` (and one from the shared budget). Over the sender's
    /// limit, an `urgent` message is still allowed, once per window; over the shared budget,
    /// urgent messages are always allowed.
    pub fn check(&mut self, sender: &K, now: Instant, urgent: bool) -> Verdict {
        let verdict = self.check_sender(sender, now, urgent);
        if verdict != Verdict::Allow {
            return verdict;
        }
        let limit = self.limit;
        let global = self
            .global
            .get_or_insert_with(|| Tokens::full(limit.global_burst, limit.global_per_minute, now));
        if global.take(now) || urgent {
            return Verdict::Allow;
        }
        // Not answered, so the sender keeps their token.
        if let Some(bucket) = self.buckets.get_mut(sender) {
            bucket.tokens.refund();
        }
        Verdict::Busy
    }

    /// The per-sender part of [`Limiter::check`].
    fn check_sender(&mut self, sender: &K, now: Instant, urgent: bool) -> Verdict {
        let limit = self.limit;
        let bucket = self
            .buckets
            .entry(sender.clone())
            .or_insert_with(|| Bucket {
                tokens: Tokens::full(limit.burst, limit.per_minute, now),
                notified: false,
                urgent_passed: false,
            });
        if bucket.tokens.take(now) {
            bucket.notified = false;
            bucket.urgent_passed = false;
            Verdict::Allow
        } else if urgent && !bucket.urgent_passed {
            bucket.urgent_passed = true;
            Verdict::Allow
        } else if bucket.notified {
            Verdict::Drop
        } else {
            bucket.notified = true;
            Verdict::Notify
        }
    }

    /// Whether every message from `sender` at `now` would be dropped, urgent or not: over the
    /// limit, told so, and the window's one urgent message spent. Reads without taking a token,
    /// so work on a message (waiting for its key) can be skipped before the check.
    pub fn is_silenced(&self, sender: &K, now: Instant) -> bool {
        self.buckets
            .get(sender)
            .is_some_and(|b| b.tokens.level_at(now) < 1.0 && b.notified && b.urgent_passed)
    }

    /// Forgets senders whose buckets are full again, so memory stays bounded by active senders.
    pub fn prune(&mut self, now: Instant) {
        let refill = Duration::from_secs_f64(
            60.0 * f64::from(self.limit.burst) / f64::from(self.limit.per_minute),
        );
        self.buckets
            .retain(|_, b| now.saturating_duration_since(b.tokens.updated) < refill);
    }

    /// How many senders are tracked.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no sender is tracked.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        burst: 3,
        per_minute: 6,
        global_burst: 1000,
        global_per_minute: 6000,
    };

    #[test]
    fn rotating_senders_meet_the_global_budget_and_urgent_messages_still_pass() {
        let mut l = Limiter::new(RateLimit {
            global_burst: 4,
            global_per_minute: 60,
            ..LIMIT
        });
        let t = Instant::now();
        use Verdict::*;
        // (sender, seconds after the start, urgent, verdict)
        let table = [
            ("a", 0, false, Allow),
            ("b", 0, false, Allow),
            ("c", 0, false, Allow),
            ("d", 0, false, Allow),
            ("e", 0, false, Busy),
            ("f", 0, false, Busy),
            ("g", 0, true, Allow),
            ("e", 0, true, Allow),
            ("h", 0, false, Busy),
            // One token a second comes back, for whoever asks first.
            ("h", 1, false, Allow),
            ("i", 1, false, Busy),
            // An urgent message takes a token when there is one.
            ("j", 2, true, Allow),
            ("i", 2, false, Busy),
            ("i", 3, false, Allow),
        ];
        for (sender, secs, urgent, expected) in table {
            assert_eq!(
                l.check(&sender, t + Duration::from_secs(secs), urgent),
                expected,
                "{sender} at {secs} s, urgent {urgent}"
            );
        }
    }

    #[test]
    fn silenced_only_when_every_message_would_be_dropped() {
        let mut l = Limiter::new(LIMIT);
        let t = Instant::now();
        assert!(!l.is_silenced(&"a", t), "unknown sender");
        for _ in 0..3 {
            assert_eq!(l.check(&"a", t, false), Verdict::Allow);
        }
        assert!(!l.is_silenced(&"a", t), "over, but not told yet");
        assert_eq!(l.check(&"a", t, false), Verdict::Notify);
        assert!(
            !l.is_silenced(&"a", t),
            "an urgent message would still pass"
        );
        assert_eq!(l.check(&"a", t, true), Verdict::Allow);
        assert!(l.is_silenced(&"a", t));
        assert_eq!(l.check(&"a", t, true), Verdict::Drop);
        // Reading does not take a token; a refilled token ends the silence (6 a minute).
        assert!(l.is_silenced(&"a", t + Duration::from_secs(9)));
        assert!(!l.is_silenced(&"a", t + Duration::from_secs(10)));
        assert_eq!(
            l.check(&"a", t + Duration::from_secs(10), false),
            Verdict::Allow
        );
    }

    #[test]
    fn a_busy_message_costs_its_sender_nothing() {
        let mut l = Limiter::new(RateLimit {
            global_burst: 1,
            global_per_minute: 1,
            ..LIMIT
        });
        let t = Instant::now();
        assert_eq!(l.check(&"a", t, false), Verdict::Allow);
        for _ in 0..5 {
            assert_eq!(l.check(&"b", t, false), Verdict::Busy);
        }
        // b's own burst is untouched once the shared budget is back.
        let later = t + Duration::from_secs(60);
        assert_eq!(l.check(&"b", later, false), Verdict::Allow);
    }

    #[test]
    fn burst_then_one_notice_then_silence() {
        let mut l = Limiter::new(LIMIT);
        let t = Instant::now();
        let verdicts: Vec<_> = (0..6).map(|_| l.check(&"alice", t, false)).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Allow, Allow, Allow, Notify, Drop, Drop]);
    }

    #[test]
    fn tokens_refill_over_time_and_notice_resets() {
        let mut l = Limiter::new(LIMIT);
        let t = Instant::now();
        for _ in 0..4 {
            l.check(&"alice", t, false);
        }
        assert_eq!(
            l.check(&"alice", t + Duration::from_secs(10), false),
            Verdict::Allow
        );
        assert_eq!(
            l.check(&"alice", t + Duration::from_secs(10), false),
            Verdict::Notify
        );
    }

    #[test]
    fn one_urgent_message_passes_the_limit_per_window() {
        let mut l = Limiter::new(LIMIT);
        let t = Instant::now();
        for _ in 0..4 {
            l.check(&"alice", t, false);
        }
        use Verdict::*;
        assert_eq!(l.check(&"alice", t, true), Allow, "the first urgent one");
        assert_eq!(l.check(&"alice", t, true), Drop, "not a second");
        assert_eq!(l.check(&"alice", t, false), Drop);
        // Once a token has refilled and been used, the next window allows one again.
        let later = t + Duration::from_secs(10);
        assert_eq!(l.check(&"alice", later, false), Allow);
        assert_eq!(l.check(&"alice", later, true), Allow);
        assert_eq!(l.check(&"alice", later, true), Notify);
    }

    #[test]
    fn senders_are_independent() {
        let mut l = Limiter::new(LIMIT);
        let t = Instant::now();
        for _ in 0..5 {
            l.check(&"alice", t, false);
        }
        assert_eq!(l.check(&"bob", t, false), Verdict::Allow);
    }

    #[test]
    fn prune_forgets_idle_senders() {
        let mut l = Limiter::new(LIMIT);
        let t = Instant::now();
        l.check(&"alice", t, false);
        l.prune(t + Duration::from_secs(31));
        assert!(l.is_empty());
    }
}
