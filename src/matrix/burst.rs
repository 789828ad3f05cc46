//! Lines typed in a burst, read as one message.
//!
//! Someone in distress writes "my ex" / "has my nudes" / "and says he'll post them tonight" as
//! three lines in a few seconds. Matched alone, the first two are vague; together they are clear.
//! So a room's worker holds a person's ordinary lines until they pause ([`Bursts::pause`] after
//! the last line, at most [`Bursts::longest`] after the first), then matches them together and
//! answers once, as a reply to the last line. [`super::plan`] decides which lines may wait: never
//! an urgent one, a menu number or "forget".
//!
//! The held text lives only here, in the worker's memory, until the burst is answered; it is
//! never logged (no `Debug`) and never written anywhere.

use std::time::Instant;

use matrix_sdk::ruma::{MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedUserId};

use super::parse::Parsed;
use crate::{config::Bursts, matcher::MAX_INPUT_BYTES};

/// One person's lines, waiting for a pause.
pub struct Held {
    /// Who typed them.
    pub sender: OwnedUserId,
    /// The lines, oldest first: each one's event, thread and words (the person's own words,
    /// without a quoted reply or the bot's name).
    lines: Vec<Line>,
    /// Joined members when the last line came, the bot included.
    pub members: u64,
    /// Whether the burst addressed the bot (every held line in a group room did).
    pub addressed: bool,
    /// When the first line came.
    first_at: Instant,
    /// When the last line was sent, by the homeserver's clock: lines that arrive together after
    /// an outage but were sent far apart are not one burst.
    last_sent: MilliSecondsSinceUnixEpoch,
    /// When the burst is read, unless another line comes first.
    deadline: Instant,
}

/// One held line.
pub struct Line {
    /// The message, which an answer replies to (and whose thread it stays in); its body is
    /// moved to `words`.
    pub parsed: Parsed,
    /// The words to match.
    pub words: String,
}

impl Held {
    /// When the burst is read unless another line comes first.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The lines still standing (`taken_back` says which ones their sender redacted), joined
    /// into one message, and the last of them, which the answer replies to; `None` when every
    /// line was taken back.
    pub fn read(mut self, taken_back: impl Fn(&OwnedEventId) -> bool) -> Option<(String, Line)> {
        self.lines.retain(|l| !taken_back(&l.parsed.event_id));
        let words = self.joined();
        let last = self.lines.pop()?;
        Some((words, last))
    }

    /// The held lines and `words` joined, as the matcher reads them together.
    pub fn with(&self, words: &str) -> String {
        let mut joined = self.joined();
        joined.push('\n');
        joined.push_str(words);
        joined
    }

    fn joined(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.words.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The joined lines' length plus one: what the joined text is with one more line's
    /// length added.
    fn len(&self) -> usize {
        self.lines.iter().map(|l| l.words.len() + 1).sum()
    }
}

/// A room's held burst, if any: at most one, from one person.
pub struct Burst {
    config: Bursts,
    held: Option<Held>,
}

/// What adding a line did.
pub enum Added {
    /// The line joined the burst, or started it.
    Held,
    /// Another person's burst (or one that could not take a line this long) was waiting: it
    /// is to be answered now; the new line started a burst of its own.
    HeldAfter(Held),
}

impl Burst {
    /// No burst yet.
    pub fn new(config: Bursts) -> Self {
        Burst { config, held: None }
    }

    /// When the held burst is to be read, if one is held.
    pub fn deadline(&self) -> Option<Instant> {
        self.held.as_ref().map(Held::deadline)
    }

    /// The held burst, when it is `sender`'s (for reading an urgent line together with it).
    pub fn of(&self, sender: &OwnedUserId) -> Option<&Held> {
        self.held.as_ref().filter(|h| &h.sender == sender)
    }

    /// Takes the held burst out, to answer it (or, after "forget", to drop it).
    pub fn take(&mut self) -> Option<Held> {
        self.held.take()
    }

    /// Takes the held burst out when it is due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Held> {
        if self.deadline().is_some_and(|d| d <= now) {
            self.held.take()
        } else {
            None
        }
    }

    /// Holds `parsed`'s line (`words` are the person's own words) until the pause, arriving at
    /// `now`.
    pub fn add(
        &mut self,
        parsed: Parsed,
        words: String,
        members: u64,
        addressed: bool,
        now: Instant,
    ) -> Added {
        let sent = parsed.sent_at;
        let sender = parsed.sender.clone();
        let mut parsed = parsed;
        parsed.body = String::new();
        let line = Line { parsed, words };
        let pause_ms = u64::try_from(self.config.pause.as_millis()).unwrap_or(u64::MAX);
        let fits = |h: &Held| {
            let apart = u64::from(sent.0).saturating_sub(u64::from(h.last_sent.0));
            h.sender == sender && h.len() + line.words.len() <= MAX_INPUT_BYTES && apart <= pause_ms
        };
        let before = match self.held.take() {
            Some(mut held) if fits(&held) => {
                held.last_sent = held.last_sent.max(sent);
                held.lines.push(line);
                held.members = members;
                held.addressed &= addressed;
                held.deadline = (now + self.config.pause).min(held.first_at + self.config.longest);
                self.held = Some(held);
                return Added::Held;
            }
            other => other,
        };
        self.held = Some(Held {
            sender,
            lines: vec![line],
            members,
            addressed,
            first_at: now,
            last_sent: sent,
            deadline: now + self.config.pause.min(self.config.longest),
        });
        match before {
            Some(held) => Added::HeldAfter(held),
            None => Added::Held,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use matrix_sdk::ruma::{EventId, UserId};

    use super::*;
    use crate::matrix::plan::Kind;

    const CONFIG: Bursts = Bursts {
        pause: Duration::from_millis(1_500),
        longest: Duration::from_secs(6),
    };

    fn line(n: u32, sender: &str) -> Parsed {
        sent_at(n, sender, 1_000_000)
    }

    /// A line sent at `ms` by the homeserver's clock.
    fn sent_at(n: u32, sender: &str, ms: u64) -> Parsed {
        Parsed {
            event_id: EventId::parse(format!("$line{n}:example.org")).unwrap(),
            thread: None,
            sender: UserId::parse(sender).unwrap(),
            sent_at: MilliSecondsSinceUnixEpoch(ms.try_into().unwrap()),
            kind: Kind::Text,
            body: String::new(),
            mentions_me: false,
            vote_on: None,
        }
    }

    const ANN: &str = "@ann:example.org";
    const BO: &str = "@bo:example.org";

    #[test]
    fn lines_are_read_together_a_pause_after_the_last_within_the_longest_wait() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut burst = Burst::new(CONFIG);
        assert!(burst.deadline().is_none());
        assert!(matches!(
            burst.add(line(1, ANN), "my ex".into(), 2, false, at(0)),
            Added::Held
        ));
        assert_eq!(burst.deadline(), Some(at(1_500)));
        assert!(burst.take_due(at(1_499)).is_none());
        burst.add(line(2, ANN), "has my nudes".into(), 2, false, at(1_000));
        assert_eq!(burst.deadline(), Some(at(2_500)), "the pause restarts");
        // Lines keep coming a second apart: the burst is read 6 s after its first line.
        for (n, ms) in [(3, 2_000), (4, 3_000), (5, 4_000), (6, 5_000)] {
            burst.add(line(n, ANN), format!("line {n}"), 2, false, at(ms));
        }
        assert_eq!(burst.deadline(), Some(at(6_000)));
        let held = burst.take_due(at(6_000)).expect("due");
        assert!(burst.deadline().is_none());
        let (words, last) = held.read(|_| false).unwrap();
        assert_eq!(words, "my ex\nhas my nudes\nline 3\nline 4\nline 5\nline 6");
        assert_eq!(last.parsed.event_id.as_str(), "$line6:example.org");
    }

    #[test]
    fn another_persons_line_sends_the_waiting_burst_on_and_starts_its_own() {
        let now = Instant::now();
        let mut burst = Burst::new(CONFIG);
        burst.add(line(1, ANN), "hi".into(), 3, true, now);
        let Added::HeldAfter(before) = burst.add(line(2, BO), "hello".into(), 3, true, now) else {
            panic!("ann's burst should be sent on");
        };
        assert_eq!(before.sender.as_str(), ANN);
        assert!(burst.of(&UserId::parse(BO).unwrap()).is_some());
        assert!(burst.of(&UserId::parse(ANN).unwrap()).is_none());
    }

    #[test]
    fn lines_sent_far_apart_are_not_one_burst_even_when_they_arrive_together() {
        // After an outage, a line sent before it and one sent after arrive in one sync.
        let now = Instant::now();
        let mut burst = Burst::new(CONFIG);
        burst.add(sent_at(1, ANN, 1_000_000), "before".into(), 2, false, now);
        assert!(matches!(
            burst.add(
                sent_at(2, ANN, 1_001_500),
                "within the pause".into(),
                2,
                false,
                now
            ),
            Added::Held
        ));
        let Added::HeldAfter(before) =
            burst.add(sent_at(3, ANN, 1_031_500), "after".into(), 2, false, now)
        else {
            panic!("a line sent 30 s later starts its own burst");
        };
        assert_eq!(
            before.read(|_| false).unwrap().0,
            "before\nwithin the pause"
        );
    }

    #[test]
    fn a_burst_that_would_grow_past_the_input_limit_is_sent_on_first() {
        let now = Instant::now();
        let mut burst = Burst::new(CONFIG);
        let long = "a".repeat(MAX_INPUT_BYTES - 10);
        burst.add(line(1, ANN), long, 2, false, now);
        assert!(matches!(
            burst.add(line(2, ANN), "twenty more bytes....".into(), 2, false, now),
            Added::HeldAfter(_)
        ));
        let (words, _) = burst.take().unwrap().read(|_| false).unwrap();
        assert_eq!(words, "twenty more bytes....");
    }

    #[test]
    fn lines_taken_back_are_left_out_and_the_answer_replies_to_the_last_standing() {
        let now = Instant::now();
        let mut burst = Burst::new(CONFIG);
        for n in 1..=3 {
            burst.add(line(n, ANN), format!("line {n}"), 2, false, now);
        }
        let held = burst.take().unwrap();
        assert_eq!(held.with("line 4"), "line 1\nline 2\nline 3\nline 4");
        let third = EventId::parse("$line3:example.org").unwrap();
        let (words, last) = held.read(|id| *id == third).unwrap();
        assert_eq!(words, "line 1\nline 2");
        assert_eq!(last.parsed.event_id.as_str(), "$line2:example.org");
        let mut burst = Burst::new(CONFIG);
        burst.add(line(1, ANN), "only".into(), 2, false, now);
        assert!(burst.take().unwrap().read(|_| true).is_none());
    }
}
