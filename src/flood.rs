//! The per-sender flood limit: a token bucket in memory, never stored.
//!
//! A sender may send `burst` messages at once, then `per_minute` more each minute. Over the
//! limit, the first refused message gets one polite notice; the rest of that window is dropped
//! silently, so a flood cannot make the bot flood back. One urgent message (a crisis, a threat)
//! still gets through over the limit, once until the sender's tokens refill: a person in danger
//! who typed in bursts is not left unanswered. Time is passed in, so tests need no clock.

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
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    notified: bool,
    /// An urgent message was let through over the limit in this window.
    urgent_passed: bool,
}

/// Token buckets keyed by sender.
#[derive(Debug)]
pub struct Limiter<K> {
    limit: RateLimit,
    buckets: HashMap<K, Bucket>,
}

impl<K: Eq + Hash + Clone> Limiter<K> {
    /// An empty limiter.
    pub fn new(limit: RateLimit) -> Self {
        Limiter {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `sender` at `now`. Over the limit, an `urgent` message is still
    /// allowed, once per window.
    pub fn check(&mut self, sender: &K, now: Instant, urgent: bool) -> Verdict {
        let burst = f64::from(self.limit.burst);
        let per_second = f64::from(self.limit.per_minute) / 60.0;
        let bucket = self.buckets.entry(sender.clone()).or_insert(Bucket {
            tokens: burst,
            updated: now,
            notified: false,
            urgent_passed: false,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
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

    /// Forgets senders whose buckets are full again, so memory stays bounded by active senders.
    pub fn prune(&mut self, now: Instant) {
        let refill = Duration::from_secs_f64(
            60.0 * f64::from(self.limit.burst) / f64::from(self.limit.per_minute),
        );
        self.buckets
            .retain(|_, b| now.saturating_duration_since(b.updated) < refill);
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
    };

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
