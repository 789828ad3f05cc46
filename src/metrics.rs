//! Totals for the operator's Prometheus, served on the loopback health endpoint (`/metrics`).
//!
//! Only totals and timings, never a topic, room or user as a label: on a small instance, "one
//! more `sextortion` answer at 02:14" next to a room's activity would tell the operator who asked
//! what. So messages are counted by a coarse class ([`Class`]), and nothing else carries a
//! label. One set of metrics per process ([`metrics`]), like the process it describes.

use std::{
    fmt::Write,
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// What became of a message, as coarse as the operator needs: never which topic.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Class {
    /// Answered with a topic matched from the person's words (not an urgent one).
    Answered,
    /// The "did you mean" menu, or an answer picked from a menu (number, keyword or vote).
    Menu,
    /// Answered with the out-of-scope answer.
    OutOfScope,
    /// Answered with one of the urgent topics (crisis, sextortion, minors …).
    Urgent,
    /// Over the message size limit.
    TooLong,
    /// Told to slow down.
    SlowDown,
    /// Told the bot reads text only.
    TextOnly,
    /// Could not be decrypted.
    Undecryptable,
    /// A forget request.
    Forget,
    /// The offer of a person, a hand-over, or the bot brought back.
    Handoff,
    /// Held for the rest of a burst (answered with it later).
    Held,
    /// Not answered (not for the bot, over the limit, a responder has the room …).
    Ignored,
}

impl Class {
    /// Every class, in the order the docs list them.
    pub const ALL: [Class; 12] = [
        Class::Answered,
        Class::Menu,
        Class::OutOfScope,
        Class::Urgent,
        Class::TooLong,
        Class::SlowDown,
        Class::TextOnly,
        Class::Undecryptable,
        Class::Forget,
        Class::Handoff,
        Class::Held,
        Class::Ignored,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Answered => "answered",
            Class::Menu => "menu",
            Class::OutOfScope => "out_of_scope",
            Class::Urgent => "urgent",
            Class::TooLong => "too_long",
            Class::SlowDown => "slow_down",
            Class::TextOnly => "text_only",
            Class::Undecryptable => "undecryptable",
            Class::Forget => "forget",
            Class::Handoff => "handoff",
            Class::Held => "held",
            Class::Ignored => "ignored",
        }
    }
}

impl EncodeLabelValue for Class {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

/// The one label of the message counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: Class,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    messages: Family<Outcome, Counter>,
    handling: Histogram,
    decryption_failures: Counter,
    send_retries: Counter,
    sync_failures: Counter,
    last_sync: Gauge<f64, AtomicU64>,
    joined_rooms: Gauge,
    rooms_left: Counter,
    start_time: Gauge<f64, AtomicU64>,
}

/// The process's metrics, made on first use.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("confidant");
        let messages = Family::<Outcome, Counter>::default();
        registry.register(
            "messages",
            "Messages handled, by what became of them (a coarse class, never the topic)",
            messages.clone(),
        );
        // 5 ms to about 20 s: matching takes a millisecond, sending waits on the homeserver.
        let handling = Histogram::new([0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 20.0]);
        registry.register(
            "handling_seconds",
            "Time from taking a message (or a burst, once its sender paused) to its reply sent",
            handling.clone(),
        );
        let decryption_failures = Counter::default();
        registry.register(
            "decryption_failures",
            "Messages still undecryptable after waiting for their key",
            decryption_failures.clone(),
        );
        let send_retries = Counter::default();
        registry.register(
            "send_retries",
            "Requests to the homeserver retried after a rate limit or a network or server error",
            send_retries.clone(),
        );
        let sync_failures = Counter::default();
        registry.register(
            "sync_failures",
            "Syncs with the homeserver that failed",
            sync_failures.clone(),
        );
        let last_sync = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "last_sync_timestamp_seconds",
            "When the last sync succeeded (Unix time); time() minus this is the sync lag",
            last_sync.clone(),
        );
        let joined_rooms = Gauge::default();
        registry.register("joined_rooms", "Rooms the bot is in", joined_rooms.clone());
        let rooms_left = Counter::default();
        registry.register(
            "rooms_left",
            "Rooms the bot left, however it came to (forget, idle, declined, removed)",
            rooms_left.clone(),
        );
        let start_time = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "process_start_time_seconds",
            "When this process started (Unix time)",
            start_time.clone(),
        );
        Metrics {
            registry,
            messages,
            handling,
            decryption_failures,
            send_retries,
            sync_failures,
            last_sync,
            joined_rooms,
            rooms_left,
            start_time,
        }
    }

    /// Counts a message of `class`, handled in `took` (replies only).
    pub fn handled(&self, class: Class, took: Option<Duration>) {
        self.messages
            .get_or_create(&Outcome { outcome: class })
            .inc();
        if let Some(took) = took {
            self.handling.observe(took.as_secs_f64());
        }
    }

    /// Counts a message that stayed undecryptable.
    pub fn decryption_failed(&self) {
        self.decryption_failures.inc();
    }

    /// Counts a retried request.
    pub fn send_retried(&self) {
        self.send_retries.inc();
    }

    /// Counts a failed sync.
    pub fn sync_failed(&self) {
        self.sync_failures.inc();
    }

    /// Records a successful sync now, and how many rooms the bot is in.
    pub fn synced(&self, joined_rooms: usize) {
        self.last_sync.set(unix_now());
        self.joined_rooms
            .set(i64::try_from(joined_rooms).unwrap_or(i64::MAX));
    }

    /// Counts a room left.
    pub fn room_left(&self) {
        self.rooms_left.inc();
    }

    /// Records the process's start, once.
    pub fn started(&self) {
        static ONCE: AtomicU64 = AtomicU64::new(0);
        if ONCE.swap(1, Ordering::Relaxed) == 0 {
            self.start_time.set(unix_now());
        }
    }

    /// The metrics in the OpenMetrics text format Prometheus scrapes.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_a_label_and_nothing_else_is() {
        let m = Metrics::new();
        for class in Class::ALL {
            m.handled(class, Some(Duration::from_millis(30)));
        }
        m.synced(3);
        let text = m.text();
        for class in Class::ALL {
            assert!(
                text.contains(&format!(
                    "confidant_messages_total{{outcome=\"{}\"}} 1",
                    class.as_str()
                )),
                "{text}"
            );
        }
        assert!(text.contains("confidant_joined_rooms 3"), "{text}");
        assert!(
            text.contains("confidant_handling_seconds_count 12"),
            "{text}"
        );
        // The only label names are the outcome's and the histogram's bucket bound.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if let Some((_, labels)) = line.split_once('{') {
                let name = labels.split('=').next().unwrap();
                assert!(name == "outcome" || name == "le", "{line}");
            }
        }
        assert!(text.trim_end().ends_with("# EOF"));
    }
}
