//! What the bot does with one incoming message: one pure decision, so every rule is a row of a
//! table test and no rule hides in the code that talks to the homeserver.
//!
//! [`plan`] takes the [`Facts`] the handler gathered (who sent it, when, which room, what kind
//! of message, whether the room was told before) and two things it consults only when the
//! message will get a reply: the matcher, which reads the question, and the flood limiter, which
//! takes a token. A message the bot ignores is never read and costs its sender nothing.
//!
//! The rules, in order:
//! 1. Its own messages, messages from before this start, other bots' notices and edits are
//!    ignored (an edit's original was answered already).
//! 2. In a group room (more than two members) only a message that addresses the bot counts.
//! 3. A message that could not be decrypted gets the "could not read that" reply.
//! 4. In a room or from an event without encryption, the room is told once that the bot only
//!    talks encrypted (if the operator wants that), and nothing is read.
//! 5. A picture, file or other non-text gets the "text only" reply; "forget" forgets the room;
//!    any other text is read and answered.
//! 6. The flood limit has the last word: over it, the first message gets "slow down" and the
//!    rest are dropped. A forget request or an urgent topic (crisis, sextortion …, matched or
//!    picked from a menu) passes once even over the limit, and always over the global budget.

use crate::{flood::Verdict, matcher::Outcome};

use super::words::is_forget_request;

/// What kind of message arrived, as far as the decision needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (or an emote) a person typed.
    Text,
    /// An image, file, sticker, voice message, video or location.
    NonText,
    /// An `m.notice`: what bots send. Never answered, so two bots cannot loop.
    Notice,
    /// An edit of an earlier message. Not answered: the original was, and answering every
    /// correction would repeat answers.
    Edit,
    /// A message that could not be decrypted (after waiting for its key).
    Undecryptable,
}

/// What the handler knows about a message and its room. `question` is conversation content: it
/// is read by the matcher and dropped, so this type has no `Debug`.
#[derive(Clone, Copy)]
pub struct Facts<'a> {
    /// Sent by the bot itself.
    pub from_me: bool,
    /// Sent before this run of the bot started: already answered, or not meant for it.
    pub before_start: bool,
    /// The room has encryption turned on.
    pub room_encrypted: bool,
    /// This event arrived encrypted.
    pub event_encrypted: bool,
    /// Joined members, the bot included.
    pub members: u64,
    /// The bot was mentioned or addressed by name.
    pub addressed: bool,
    /// What kind of message it is.
    pub kind: Kind,
    /// The person's own words: without a quoted reply and without the words that address the
    /// bot. Empty for anything but text.
    pub question: &'a str,
    /// The room was already told, in this run, that the bot only talks encrypted.
    pub told_unencrypted: bool,
    /// The operator wants unencrypted rooms told so (`rooms.notice_unencrypted`).
    pub tell_unencrypted: bool,
}

/// What the bot does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Send the composed reply for this outcome: an answer, a "which one?" menu, the
    /// out-of-scope or too-long answer.
    Answer(Outcome),
    /// Forget the conversation (redact the bot's messages, leave, erase the room's keys).
    Forget,
    /// Tell the sender to slow down (once per window over the flood limit).
    SlowDown,
    /// Tell the room, once, that the bot only talks in encrypted rooms.
    TellUnencrypted,
    /// Say that the bot only reads text.
    TextOnly,
    /// Say that the message could not be decrypted, and what to try.
    Undecryptable,
    /// Nothing, for this reason.
    Ignore(Ignored),
}

/// Why a message gets no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// The bot is no longer in the room.
    NotJoined,
    /// Not a message: state, a reaction, a redaction, something unreadable.
    NotAMessage,
    /// The bot's own message.
    Own,
    /// Sent before this start.
    BeforeStart,
    /// Another bot's notice.
    Notice,
    /// An edit of an earlier message.
    Edit,
    /// A group message that does not address the bot.
    NotAddressed,
    /// An unencrypted message in a room already told (or the operator turned the notice off).
    ToldUnencrypted,
    /// Over the sender's flood limit and already told to slow down.
    OverLimit,
    /// All senders together are over the global budget.
    Busy,
}

impl Plan {
    /// The plan's one string form, for the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Plan::Answer(_) => "answered",
            Plan::Forget => "forgotten",
            Plan::SlowDown => "rate-limited",
            Plan::TellUnencrypted => "notice-unencrypted",
            Plan::TextOnly => "non-text",
            Plan::Undecryptable => "undecryptable",
            Plan::Ignore(_) => "ignored",
        }
    }

    /// The detail of [`Plan::kind`] for the log: the outcome's kind for an answer (topic ids are
    /// never logged), the reason for an ignored message.
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            Plan::Answer(outcome) => Some(outcome.kind()),
            Plan::Ignore(why) => Some(why.kind()),
            _ => None,
        }
    }
}

impl Ignored {
    /// The reason's one string form, for the log.
    pub fn kind(self) -> &'static str {
        match self {
            Ignored::NotJoined => "not-joined",
            Ignored::NotAMessage => "not-a-message",
            Ignored::Own => "own",
            Ignored::BeforeStart => "before-start",
            Ignored::Notice => "notice",
            Ignored::Edit => "edit",
            Ignored::NotAddressed => "not-addressed",
            Ignored::ToldUnencrypted => "told-unencrypted",
            Ignored::OverLimit => "rate-limited-silent",
            Ignored::Busy => "over-global-budget",
        }
    }
}

/// Decides what the bot does with one message (the rules are in the module's doc).
///
/// `classify` reads the question; `flood` takes a token from the sender's flood limit, told
/// whether the message is urgent. Each is called at most once, and only for a message that
/// will get a reply unless the flood limit says otherwise.
pub fn plan(
    facts: &Facts<'_>,
    classify: impl FnOnce(&str) -> Outcome,
    flood: impl FnOnce(bool) -> Verdict,
) -> Plan {
    if let Some(why) = not_for_the_bot(facts) {
        return Plan::Ignore(why);
    }
    let reply = match facts.kind {
        Kind::Undecryptable => Plan::Undecryptable,
        _ if !facts.room_encrypted || !facts.event_encrypted => {
            // Nothing unencrypted is read, and the notice costs no flood token: it is sent once.
            return if facts.tell_unencrypted && !facts.told_unencrypted {
                Plan::TellUnencrypted
            } else {
                Plan::Ignore(Ignored::ToldUnencrypted)
            };
        }
        Kind::NonText => Plan::TextOnly,
        Kind::Text if is_forget_request(facts.question) => Plan::Forget,
        Kind::Text => Plan::Answer(classify(facts.question)),
        // Ruled out by `not_for_the_bot`.
        Kind::Notice => return Plan::Ignore(Ignored::Notice),
        Kind::Edit => return Plan::Ignore(Ignored::Edit),
    };
    let urgent = match &reply {
        Plan::Forget => true,
        Plan::Answer(outcome) => outcome.is_urgent(),
        _ => false,
    };
    match flood(urgent) {
        Verdict::Allow => reply,
        Verdict::Notify => Plan::SlowDown,
        Verdict::Drop => Plan::Ignore(Ignored::OverLimit),
        Verdict::Busy => Plan::Ignore(Ignored::Busy),
    }
}

/// Rules 1 and 2: messages the bot never replies to, whatever they say.
fn not_for_the_bot(facts: &Facts<'_>) -> Option<Ignored> {
    if facts.from_me {
        Some(Ignored::Own)
    } else if facts.before_start {
        Some(Ignored::BeforeStart)
    } else if facts.kind == Kind::Notice {
        Some(Ignored::Notice)
    } else if facts.kind == Kind::Edit {
        Some(Ignored::Edit)
    } else if facts.members > 2 && !facts.addressed {
        Some(Ignored::NotAddressed)
    } else {
        None
    }
}

/// Whether a message that is not decrypted yet can be ignored before waiting up to 10 s for its
/// key: the bot's own, one from before the start, or one from a sender every one of whose
/// messages would be dropped now (over the limit, told, the window's urgent pass spent), so a
/// flood of undecryptable messages cannot hold the room's worker.
pub fn skip_key_wait(from_me: bool, before_start: bool, silenced: bool) -> Option<Ignored> {
    if from_me {
        Some(Ignored::Own)
    } else if before_start {
        Some(Ignored::BeforeStart)
    } else if silenced {
        Some(Ignored::OverLimit)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::matcher::Audience;

    const DM: Facts<'static> = Facts {
        from_me: false,
        before_start: false,
        room_encrypted: true,
        event_encrypted: true,
        members: 2,
        addressed: false,
        kind: Kind::Text,
        question: "is sexting on whatsapp safe",
        told_unencrypted: false,
        tell_unencrypted: true,
    };

    fn topic(id: &str) -> Outcome {
        Outcome::Topic {
            id: id.into(),
            also: vec![],
            audience: Audience::Myself,
        }
    }

    fn pick(id: &str) -> Outcome {
        Outcome::MenuPick { id: id.into() }
    }

    /// One row: the facts, what the matcher would say (if it is asked), what the flood limit
    /// would say (if it is asked), the plan, and the urgency the flood limit must be told.
    struct Case {
        name: &'static str,
        facts: Facts<'static>,
        outcome: Option<Outcome>,
        flood: Option<Verdict>,
        expected: Plan,
        urgent: Option<bool>,
    }

    fn case(name: &'static str, facts: Facts<'static>, expected: Plan) -> Case {
        Case {
            name,
            facts,
            outcome: None,
            flood: None,
            expected,
            urgent: None,
        }
    }

    impl Case {
        /// The matcher is asked and says `outcome`.
        fn reads(mut self, outcome: Outcome) -> Self {
            self.outcome = Some(outcome);
            self
        }

        /// The flood limit is asked, told `urgent`, and says `verdict`.
        fn flood(mut self, urgent: bool, verdict: Verdict) -> Self {
            self.flood = Some(verdict);
            self.urgent = Some(urgent);
            self
        }
    }

    #[test]
    fn every_rule_of_the_plan() {
        let group = Facts { members: 5, ..DM };
        let addressed = Facts {
            addressed: true,
            ..group
        };
        let plain_room = Facts {
            room_encrypted: false,
            event_encrypted: false,
            ..DM
        };
        let forget = Facts {
            question: "forget this chat",
            ..DM
        };
        let image = Facts {
            kind: Kind::NonText,
            question: "",
            ..DM
        };
        let utd = Facts {
            kind: Kind::Undecryptable,
            question: "",
            ..DM
        };
        use Verdict::*;
        let cases = [
            // Rule 1.
            case(
                "own message",
                Facts {
                    from_me: true,
                    ..DM
                },
                Plan::Ignore(Ignored::Own),
            ),
            case(
                "from before the start",
                Facts {
                    before_start: true,
                    ..DM
                },
                Plan::Ignore(Ignored::BeforeStart),
            ),
            case(
                "another bot's notice",
                Facts {
                    kind: Kind::Notice,
                    ..DM
                },
                Plan::Ignore(Ignored::Notice),
            ),
            case(
                "an edit",
                Facts {
                    kind: Kind::Edit,
                    ..DM
                },
                Plan::Ignore(Ignored::Edit),
            ),
            case(
                "own message in a plain room gets no notice",
                Facts {
                    from_me: true,
                    ..plain_room
                },
                Plan::Ignore(Ignored::Own),
            ),
            // Rule 2.
            case(
                "group message without the bot's name",
                group,
                Plan::Ignore(Ignored::NotAddressed),
            ),
            case(
                "undecryptable group message without the bot's name",
                Facts {
                    kind: Kind::Undecryptable,
                    ..group
                },
                Plan::Ignore(Ignored::NotAddressed),
            ),
            case(
                "group message naming the bot",
                addressed,
                Plan::Answer(topic("encryption")),
            )
            .reads(topic("encryption"))
            .flood(false, Allow),
            // Rule 3.
            case("undecryptable", utd, Plan::Undecryptable).flood(false, Allow),
            case("undecryptable over the limit", utd, Plan::SlowDown).flood(false, Notify),
            // Rule 4.
            case("plain room, first time", plain_room, Plan::TellUnencrypted),
            case(
                "plain room, told before",
                Facts {
                    told_unencrypted: true,
                    ..plain_room
                },
                Plan::Ignore(Ignored::ToldUnencrypted),
            ),
            case(
                "plain room, notice turned off",
                Facts {
                    tell_unencrypted: false,
                    ..plain_room
                },
                Plan::Ignore(Ignored::ToldUnencrypted),
            ),
            case(
                "plain event in an encrypted room",
                Facts {
                    event_encrypted: false,
                    ..DM
                },
                Plan::TellUnencrypted,
            ),
            case(
                "forget said in a plain room is not acted on",
                Facts {
                    room_encrypted: false,
                    ..forget
                },
                Plan::TellUnencrypted,
            ),
            // Rule 5.
            case("an image", image, Plan::TextOnly).flood(false, Allow),
            case("forget", forget, Plan::Forget).flood(true, Allow),
            case("a question", DM, Plan::Answer(topic("encryption")))
                .reads(topic("encryption"))
                .flood(false, Allow),
            case(
                "a question nothing covers",
                DM,
                Plan::Answer(Outcome::OutOfScope),
            )
            .reads(Outcome::OutOfScope)
            .flood(false, Allow),
            case(
                "a question that fits two topics",
                DM,
                Plan::Answer(Outcome::Ambiguous {
                    options: vec!["consent".into(), "boundaries".into()],
                }),
            )
            .reads(Outcome::Ambiguous {
                options: vec!["consent".into(), "boundaries".into()],
            })
            .flood(false, Allow),
            // Rule 6.
            case("first question over the limit", DM, Plan::SlowDown)
                .reads(topic("encryption"))
                .flood(false, Notify),
            case(
                "later question over the limit",
                DM,
                Plan::Ignore(Ignored::OverLimit),
            )
            .reads(topic("encryption"))
            .flood(false, Drop),
            case(
                "question over the global budget",
                DM,
                Plan::Ignore(Ignored::Busy),
            )
            .reads(topic("encryption"))
            .flood(false, Busy),
            case(
                "crisis over the limit is told urgent and answered",
                DM,
                Plan::Answer(topic("crisis")),
            )
            .reads(topic("crisis"))
            .flood(true, Allow),
            case(
                "a bare menu pick of an urgent topic under flood is urgent",
                DM,
                Plan::Answer(pick("crisis")),
            )
            .reads(pick("crisis"))
            .flood(true, Allow),
            case(
                "a menu pick of another topic is not urgent",
                DM,
                Plan::SlowDown,
            )
            .reads(pick("consent"))
            .flood(false, Notify),
            case("forget over the limit, once spent", forget, Plan::SlowDown).flood(true, Notify),
            case(
                "image over the limit",
                image,
                Plan::Ignore(Ignored::OverLimit),
            )
            .flood(false, Drop),
        ];
        for c in cases {
            let read = Cell::new(false);
            let told = Cell::new(None);
            let got = plan(
                &c.facts,
                |_| {
                    read.set(true);
                    c.outcome.clone().expect("the matcher is not asked")
                },
                |urgent| {
                    told.set(Some(urgent));
                    c.flood.expect("the flood limit is not asked")
                },
            );
            assert_eq!(got, c.expected, "{}", c.name);
            assert_eq!(read.get(), c.outcome.is_some(), "{}: matcher asked", c.name);
            assert_eq!(told.get(), c.urgent, "{}: flood limit told", c.name);
        }
    }

    #[test]
    fn the_key_wait_is_skipped_for_own_old_and_silenced_senders() {
        let cases = [
            ((false, false, false), None),
            ((true, false, false), Some(Ignored::Own)),
            ((false, true, false), Some(Ignored::BeforeStart)),
            ((false, false, true), Some(Ignored::OverLimit)),
        ];
        for ((from_me, before_start, silenced), expected) in cases {
            assert_eq!(
                skip_key_wait(from_me, before_start, silenced),
                expected,
                "{from_me} {before_start} {silenced}"
            );
        }
    }

    #[test]
    fn every_plan_has_a_log_word_and_answers_log_the_outcome_kind_not_the_topic() {
        assert_eq!(Plan::Answer(topic("crisis")).detail(), Some("topic"));
        assert_eq!(
            Plan::Ignore(Ignored::OverLimit).detail(),
            Some("rate-limited-silent")
        );
        assert_eq!(Plan::SlowDown.kind(), "rate-limited");
        assert_eq!(Plan::TellUnencrypted.kind(), "notice-unencrypted");
    }
}
