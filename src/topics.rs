//! The topic ids the code knows by name, and the urgency order: the one place they are spelled.
//!
//! Everything else about a topic (its number, keyword, title, answer and examples) is data, in
//! the topic's file in `responses/`. Code that needs a particular topic names it by one of the
//! constants here, never by a bare string, so adding or renaming a topic is one edit here plus
//! its data file.

/// Someone may be in danger now: self-harm, suicide, violence.
pub const CRISIS: &str = "crisis";
/// Someone is being threatened with their images.
pub const SEXTORTION: &str = "sextortion";
/// The person (or the young person asked about) is under 18: it never offers an adult-only
/// topic.
pub const MINORS: &str = "minors";
/// Images shared without consent.
pub const NON_CONSENSUAL_SHARING: &str = "non-consensual-sharing";
/// A partner watching someone's phone.
pub const MONITORING: &str = "monitoring-stalkerware";
/// Pressure to send or do something.
pub const PRESSURE: &str = "pressure-coercion";
/// A parent worried about a child.
pub const PARENTS: &str = "parents";
/// The bot's own menu.
pub const HELP: &str = "help";
/// The first hello.
pub const GREETING: &str = "greeting";
/// Asks for a person: offered a responder where the operator has `[handoff]`.
pub const HUMAN: &str = "human";
/// Where to get help: the helplines, which people who want a person are given.
pub const GETTING_HELP: &str = "getting-help";
/// "Nothing here fits."
pub const OUT_OF_SCOPE: &str = "out-of-scope";

/// The urgency order: when a message touches several of these, the first one wins.
pub const URGENCY: [&str; 6] = [
    CRISIS,
    SEXTORTION,
    MINORS,
    NON_CONSENSUAL_SHARING,
    MONITORING,
    PRESSURE,
];

/// The topics a parent or carer asking about their child gets with [`PARENTS`] offered first.
/// The urgency order keeps the topic ("my 15-year-old's photo is going round her school" is a
/// minors case, as the shared evaluation set labels it); each has a part written for parents,
/// which is what they read, never the text written to a teenager (`check` requires the part).
/// Crisis and sextortion keep their own answers, which have a part for parents too.
pub const PARENTS_OFFERED_FIRST: [&str; 2] = [MINORS, NON_CONSENSUAL_SHARING];

/// How many of [`URGENCY`]'s topics come first of all: crisis, sextortion, minors. A cue for
/// one of them holds against the learned model alone, and the evaluation requires every one of
/// their cases answered.
pub const MOST_URGENT: usize = 3;

/// The topic ids the set must hold, from the project's topic list, in its order: the
/// urgency-ordered ones first.
pub const REQUIRED: &[&str] = &[
    CRISIS,
    SEXTORTION,
    MINORS,
    NON_CONSENSUAL_SHARING,
    MONITORING,
    PRESSURE,
    "risks-overview",
    "encryption",
    "device-security",
    "cloud-backups",
    "screenshots-sharing",
    "disappearing-deleting",
    "safer-sexting",
    "consent",
    "boundaries",
    "warning-signs",
    "trust-lying",
    "legal",
    PARENTS,
    "breakup-ex",
    "accidental-send",
    "unsolicited-images",
    "feelings-regret",
    "getting-help",
    "bot-privacy",
    HELP,
    GREETING,
    "thanks-bye",
    "human",
    OUT_OF_SCOPE,
];

/// Topics about the bot itself: they cite the bot's own documentation rather than sources.
pub const ABOUT_THE_BOT: &[&str] = &[
    "bot-privacy",
    HELP,
    GREETING,
    "thanks-bye",
    "human",
    OUT_OF_SCOPE,
];

/// Where `id` stands in the urgency order, if it is urgent at all.
pub fn urgency(id: &str) -> Option<usize> {
    URGENCY.iter().position(|u| *u == id)
}

/// Whether `id` is one of the urgency-ordered topics.
pub fn is_urgent(id: &str) -> bool {
    urgency(id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_urgent_topics_lead_the_required_list_in_order_and_every_name_is_required() {
        assert_eq!(&REQUIRED[..URGENCY.len()], &URGENCY);
        for id in [PARENTS, HELP, GREETING, OUT_OF_SCOPE]
            .iter()
            .chain(ABOUT_THE_BOT)
        {
            assert!(REQUIRED.contains(id), "{id}");
        }
        assert_eq!(urgency(MINORS), Some(2));
        assert!(MOST_URGENT <= URGENCY.len());
        assert!(!is_urgent(PARENTS));
    }
}
