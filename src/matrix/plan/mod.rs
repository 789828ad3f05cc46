//! What the bot does with one incoming message: one pure decision, so every rule is a row of a
//! table test and no rule hides in the code that talks to the homeserver.
//!
//! [`plan`] takes the [`Facts`] the handler gathered (who sent it, when, which room, what kind
//! of message, whether the room was told before) and two things it consults only when the
//! message will get a reply: the matcher, which reads the question, and the flood limiter, which
//! takes a token. A message the bot ignores is never read and costs its sender nothing.
//!
//! The rules, in order:
//! 1. Its own messages, messages from before this start, messages their sender has already
//!    taken back (redacted), other bots' notices and edits are ignored (an edit's original was
//!    answered already).
//!    A vote on a poll the bot did not send, or on one it has ended, is ignored.
//! 2. Where a person from the service was handed the conversation ([`super::handoff`]) and is
//!    still in the room, only "bot" (the bot answers again) and "forget" are acted on. In a
//!    group room (more than two members, responders not counted) only a message that
//!    addresses the bot counts; a vote on the bot's own poll does.
//! 3. A message that could not be decrypted gets the "could not read that" reply.
//! 4. In a room or from an event without encryption, the room is told once that the bot only
//!    talks encrypted (if the operator wants that), and nothing is read.
//! 5. A picture, file or other non-text gets the "text only" reply; "forget" forgets the room;
//!    any other text is read and answered. A vote is answered as its number typed would be, and
//!    only if it names a topic of the set (a menu pick). With bursts on ([`super::burst`]), a
//!    line that is not urgent, not a menu number and not too long waits for the person's next
//!    lines instead (it costs no flood token until the burst is answered). Where the operator
//!    has responders, a request for a person in a direct message gets the offer of one, and a
//!    plain yes to an open offer hands the conversation over.
//! 6. The flood limit has the last word: over it, the first message gets "slow down" and the
//!    rest are dropped. A forget request or an urgent topic (crisis, sextortion …, matched or
//!    picked from a menu) passes once even over the limit, and always over the global budget.

use crate::{flood::Verdict, matcher::Outcome, metrics::Class, topics};

use super::words::{is_bot_request, is_forget_request, is_yes};

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
    /// A vote on a poll; its chosen answer id is the `question`.
    Vote(Poll),
}

/// The poll a vote is on, as far as the decision needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// One of the bot's menu polls, not ended yet.
    Open,
    /// One of the bot's polls that it has ended: answered already.
    Ended,
    /// Someone else's poll, or one that could not be fetched.
    NotMine,
}

/// What the handler knows about a message and its room. `question` is conversation content: it
/// is read by the matcher and dropped, so this type has no `Debug`.
#[derive(Clone, Copy)]
pub struct Facts<'a> {
    /// Sent by the bot itself.
    pub from_me: bool,
    /// Sent before this run of the bot started: already answered, or not meant for it.
    pub before_start: bool,
    /// Its sender redacted it before the bot answered: an answer would put back in the room
    /// what the question was about.
    pub redacted: bool,
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
    /// bot; for a vote, the answer id it chose. Empty for anything else.
    pub question: &'a str,
    /// The room was already told, in this run, that the bot only talks encrypted.
    pub told_unencrypted: bool,
    /// The operator wants unencrypted rooms told so (`rooms.notice_unencrypted`).
    pub tell_unencrypted: bool,
    /// Ordinary lines wait for the rest of a burst (`[bursts]`).
    pub bursts: bool,
    /// A person can be offered here: the operator has responders and this is a direct message.
    pub handoff: bool,
    /// This sender was offered a person here and has not answered yet.
    pub offered: bool,
    /// A responder is in the room and the person has not asked for the bot back.
    pub handed_over: bool,
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
    /// Hold the line until its sender pauses, and answer it with the lines around it.
    Hold,
    /// Offer a person (or, with nobody on hand, say so and give the helplines).
    OfferHandoff,
    /// The yes to an offer: invite a responder.
    HandOver,
    /// "bot" while a responder is in the room: answer there again.
    Resume,
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
    /// Taken back by its sender.
    Redacted,
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
    /// A responder has the conversation.
    HandedOver,
    /// A vote on a poll the bot did not send.
    NotMyPoll,
    /// A vote on a poll the bot has ended.
    PollEnded,
    /// A vote for an answer id that is no topic number of the set.
    NotAnOption,
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
            Plan::Hold => "held",
            Plan::OfferHandoff => "handoff-offered",
            Plan::HandOver => "handed-over",
            Plan::Resume => "resumed",
            Plan::Ignore(_) => "ignored",
        }
    }

    /// The plan's class for the message counter of [`crate::metrics`]: coarse, never a topic.
    pub fn class(&self) -> Class {
        match self {
            Plan::Answer(outcome) if outcome.is_urgent() => Class::Urgent,
            Plan::Answer(Outcome::Topic { .. }) => Class::Answered,
            Plan::Answer(Outcome::MenuPick { .. } | Outcome::Ambiguous { .. }) => Class::Menu,
            Plan::Answer(Outcome::OutOfScope) => Class::OutOfScope,
            Plan::Answer(Outcome::TooLong) => Class::TooLong,
            Plan::Forget => Class::Forget,
            Plan::SlowDown => Class::SlowDown,
            Plan::TellUnencrypted | Plan::Ignore(_) => Class::Ignored,
            Plan::TextOnly => Class::TextOnly,
            Plan::Undecryptable => Class::Undecryptable,
            Plan::Hold => Class::Held,
            Plan::OfferHandoff | Plan::HandOver | Plan::Resume => Class::Handoff,
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
            Ignored::Redacted => "redacted",
            Ignored::Notice => "notice",
            Ignored::Edit => "edit",
            Ignored::NotAddressed => "not-addressed",
            Ignored::ToldUnencrypted => "told-unencrypted",
            Ignored::OverLimit => "rate-limited-silent",
            Ignored::Busy => "over-global-budget",
            Ignored::HandedOver => "handed-over",
            Ignored::NotMyPoll => "vote-not-my-poll",
            Ignored::PollEnded => "vote-poll-ended",
            Ignored::NotAnOption => "vote-not-an-option",
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
        Kind::Text if facts.handed_over => {
            return if is_bot_request(facts.question) {
                Plan::Resume
            } else {
                Plan::Ignore(Ignored::HandedOver)
            };
        }
        Kind::Text if facts.offered && is_yes(facts.question) => Plan::HandOver,
        Kind::Text => match classify(facts.question) {
            outcome if facts.handoff && asks_for_a_person(&outcome) => Plan::OfferHandoff,
            outcome if facts.bursts && may_wait(&outcome) => return Plan::Hold,
            outcome => Plan::Answer(outcome),
        },
        // The id read as if typed: only a menu pick counts (a vote names a number, never words
        // to match), and a vote for no topic costs no flood token.
        Kind::Vote(_) => match classify(facts.question) {
            pick if facts.handoff && asks_for_a_person(&pick) => Plan::OfferHandoff,
            pick @ Outcome::MenuPick { .. } => Plan::Answer(pick),
            _ => return Plan::Ignore(Ignored::NotAnOption),
        },
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

/// Whether the outcome is the request for a person, matched or picked from the menu.
fn asks_for_a_person(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Topic { id, .. } | Outcome::MenuPick { id } if id == topics::HUMAN)
}

/// Whether a line with this outcome may wait for the rest of its burst: not when it is urgent
/// (answered at once, with the lines before it), a menu pick (the person chose; nothing they add
/// changes that) or too long already.
pub fn may_wait(outcome: &Outcome) -> bool {
    !outcome.is_urgent() && !matches!(outcome, Outcome::MenuPick { .. } | Outcome::TooLong)
}

/// Rules 1 and 2: messages the bot never replies to, whatever they say.
fn not_for_the_bot(facts: &Facts<'_>) -> Option<Ignored> {
    if facts.from_me {
        Some(Ignored::Own)
    } else if facts.before_start {
        Some(Ignored::BeforeStart)
    } else if facts.redacted {
        Some(Ignored::Redacted)
    } else if facts.kind == Kind::Notice {
        Some(Ignored::Notice)
    } else if facts.kind == Kind::Edit {
        Some(Ignored::Edit)
    } else if facts.handed_over && facts.kind != Kind::Text {
        Some(Ignored::HandedOver)
    } else if facts.kind == Kind::Vote(Poll::NotMine) {
        Some(Ignored::NotMyPoll)
    } else if facts.kind == Kind::Vote(Poll::Ended) {
        Some(Ignored::PollEnded)
    } else if facts.members > 2
        && !facts.addressed
        && !facts.handed_over
        && facts.kind != Kind::Vote(Poll::Open)
    {
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
mod tests;
