//! The plan's table test: every rule of [`super::plan`] as a named row.

use std::cell::Cell;

use super::*;
use crate::matcher::Audience;

const DM: Facts<'static> = Facts {
    from_me: false,
    before_start: false,
    redacted: false,
    room_encrypted: true,
    event_encrypted: true,
    members: 2,
    addressed: false,
    kind: Kind::Text,
    question: "is sexting on whatsapp safe",
    told_unencrypted: false,
    tell_unencrypted: true,
    bursts: false,
    handoff: false,
    offered: false,
    handed_over: false,
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

/// One table, a row per rule and edge in the order of the module doc's list, so the whole
/// decision reads top to bottom in one place (hence longer than a function should be).
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
    let bursts = Facts { bursts: true, ..DM };
    let handoff = Facts {
        handoff: true,
        ..DM
    };
    let offered = Facts {
        offered: true,
        ..handoff
    };
    let handed_over = Facts {
        handed_over: true,
        ..handoff
    };
    let vote = |poll: Poll| Facts {
        kind: Kind::Vote(poll),
        question: "12",
        ..DM
    };
    let group_vote = Facts {
        members: 5,
        ..vote(Poll::Open)
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
            "taken back by its sender before the answer",
            Facts {
                redacted: true,
                ..DM
            },
            Plan::Ignore(Ignored::Redacted),
        ),
        case(
            "an urgent question taken back is not answered either",
            Facts {
                redacted: true,
                question: "i want to die",
                ..DM
            },
            Plan::Ignore(Ignored::Redacted),
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
            "a vote on someone else's poll",
            vote(Poll::NotMine),
            Plan::Ignore(Ignored::NotMyPoll),
        ),
        case(
            "a vote on a poll the bot has ended",
            vote(Poll::Ended),
            Plan::Ignore(Ignored::PollEnded),
        ),
        case(
            "a vote on someone else's poll in a group, naming nothing",
            Facts {
                members: 5,
                ..vote(Poll::NotMine)
            },
            Plan::Ignore(Ignored::NotMyPoll),
        ),
        case(
            "the bot's own vote",
            Facts {
                from_me: true,
                ..vote(Poll::Open)
            },
            Plan::Ignore(Ignored::Own),
        ),
        case(
            "a vote from before the start",
            Facts {
                before_start: true,
                ..vote(Poll::Open)
            },
            Plan::Ignore(Ignored::BeforeStart),
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
        case(
            "a vote on the bot's poll in a group addresses the bot",
            group_vote,
            Plan::Answer(pick("consent")),
        )
        .reads(pick("consent"))
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
            "a vote in a plain room is not read",
            Facts {
                room_encrypted: false,
                event_encrypted: false,
                told_unencrypted: true,
                ..vote(Poll::Open)
            },
            Plan::Ignore(Ignored::ToldUnencrypted),
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
        case(
            "a vote is answered as its number typed",
            vote(Poll::Open),
            Plan::Answer(pick("consent")),
        )
        .reads(pick("consent"))
        .flood(false, Allow),
        case(
            "a vote for no topic of the set costs nothing",
            vote(Poll::Open),
            Plan::Ignore(Ignored::NotAnOption),
        )
        .reads(Outcome::OutOfScope),
        case(
            "a vote whose id reads as a question is not answered",
            vote(Poll::Open),
            Plan::Ignore(Ignored::NotAnOption),
        )
        .reads(topic("encryption")),
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
        // Rule 5 with bursts on: ordinary lines wait, at no flood token; urgent lines, menu
        // picks, too-long lines, forget, images and undecryptable messages never do.
        case("an ordinary line waits for its burst", bursts, Plan::Hold).reads(topic("encryption")),
        case("a vague line waits", bursts, Plan::Hold).reads(Outcome::OutOfScope),
        case("an ambiguous line waits", bursts, Plan::Hold).reads(Outcome::Ambiguous {
            options: vec!["consent".into(), "boundaries".into()],
        }),
        case(
            "an urgent line is answered at once",
            bursts,
            Plan::Answer(topic("sextortion")),
        )
        .reads(topic("sextortion"))
        .flood(true, Allow),
        case(
            "a menu pick is answered at once",
            bursts,
            Plan::Answer(pick("consent")),
        )
        .reads(pick("consent"))
        .flood(false, Allow),
        case(
            "a too-long line is answered at once",
            bursts,
            Plan::Answer(Outcome::TooLong),
        )
        .reads(Outcome::TooLong)
        .flood(false, Allow),
        case(
            "forget never waits",
            Facts {
                bursts: true,
                ..forget
            },
            Plan::Forget,
        )
        .flood(true, Allow),
        case(
            "an image never waits",
            Facts {
                bursts: true,
                ..image
            },
            Plan::TextOnly,
        )
        .flood(false, Allow),
        // Hand-over to a person.
        case(
            "a request for a person, without responders",
            DM,
            Plan::Answer(topic("human")),
        )
        .reads(topic("human"))
        .flood(false, Allow),
        case(
            "a request for a person gets the offer",
            handoff,
            Plan::OfferHandoff,
        )
        .reads(topic("human"))
        .flood(false, Allow),
        case(
            "a menu pick of a person gets the offer",
            handoff,
            Plan::OfferHandoff,
        )
        .reads(pick("human"))
        .flood(false, Allow),
        case(
            "a request for a person is not held",
            Facts {
                bursts: true,
                ..handoff
            },
            Plan::OfferHandoff,
        )
        .reads(topic("human"))
        .flood(false, Allow),
        case(
            "a yes to an open offer hands over",
            Facts {
                question: "yes please",
                ..offered
            },
            Plan::HandOver,
        )
        .flood(false, Allow),
        case(
            "anything else after an offer is read as usual",
            offered,
            Plan::Answer(topic("encryption")),
        )
        .reads(topic("encryption"))
        .flood(false, Allow),
        case(
            "a yes without an offer is read as usual",
            Facts {
                question: "yes",
                ..handoff
            },
            Plan::Answer(topic("greeting")),
        )
        .reads(topic("greeting"))
        .flood(false, Allow),
        case(
            "handed over: a question is left to the responder",
            handed_over,
            Plan::Ignore(Ignored::HandedOver),
        ),
        case(
            "handed over: an image too",
            Facts {
                kind: Kind::NonText,
                question: "",
                ..handed_over
            },
            Plan::Ignore(Ignored::HandedOver),
        ),
        case(
            "handed over: bot brings the bot back",
            Facts {
                question: "bot",
                ..handed_over
            },
            Plan::Resume,
        ),
        case(
            "handed over: forget still forgets",
            Facts {
                question: "forget",
                ..handed_over
            },
            Plan::Forget,
        )
        .flood(true, Allow),
        case(
            "a group line that does not address the bot is not held",
            Facts {
                bursts: true,
                ..group
            },
            Plan::Ignore(Ignored::NotAddressed),
        ),
        case(
            "an urgent vote over the limit is told urgent and answered",
            vote(Poll::Open),
            Plan::Answer(pick("crisis")),
        )
        .reads(pick("crisis"))
        .flood(true, Allow),
        case(
            "a later vote over the limit is dropped",
            vote(Poll::Open),
            Plan::Ignore(Ignored::OverLimit),
        )
        .reads(pick("consent"))
        .flood(false, Drop),
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
    assert_eq!(Plan::Answer(pick("crisis")).detail(), Some("menu-pick"));
    assert_eq!(
        Plan::Ignore(Ignored::PollEnded).detail(),
        Some("vote-poll-ended")
    );
}

#[test]
fn every_plan_counts_in_a_coarse_class_never_by_topic() {
    use crate::metrics::Class;
    let cases = [
        (Plan::Answer(topic("crisis")), Class::Urgent),
        (Plan::Answer(pick("sextortion")), Class::Urgent),
        (Plan::Answer(topic("encryption")), Class::Answered),
        (Plan::Answer(pick("consent")), Class::Menu),
        (
            Plan::Answer(Outcome::Ambiguous {
                options: vec!["consent".into(), "boundaries".into()],
            }),
            Class::Menu,
        ),
        (Plan::Answer(Outcome::OutOfScope), Class::OutOfScope),
        (Plan::Answer(Outcome::TooLong), Class::TooLong),
        (Plan::Forget, Class::Forget),
        (Plan::SlowDown, Class::SlowDown),
        (Plan::TextOnly, Class::TextOnly),
        (Plan::Undecryptable, Class::Undecryptable),
        (Plan::Hold, Class::Held),
        (Plan::OfferHandoff, Class::Handoff),
        (Plan::Resume, Class::Handoff),
        (Plan::Ignore(Ignored::OverLimit), Class::Ignored),
    ];
    for (plan, class) in cases {
        assert_eq!(plan.class(), class, "{plan:?}");
    }
}
