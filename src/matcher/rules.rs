//! The age rule: a person under 18 in a sexting or image context makes `minors` urgent.
//!
//! Ages are found by patterns from `_matcher.toml` (`im #`, `# year old`, `is #`...). The
//! speaker's own age is enough ("im 15 and sexting"). Someone else's age needs an image or
//! sexting word next to it ("my gf is 17, can we send pics"); and in a parent's question ("my 13
//! year old") it needs an explicit word ("topless", "nude"), so "how do I talk to my 13 year old
//! about sexting" stays a parenting question.

use std::collections::HashSet;

use super::data::AgeRules;
use super::normalize::Token;

/// What the age rule found.
#[derive(Debug, Default)]
pub(crate) struct AgeFinding {
    /// Why minors fired, if it did (no message text, only the rule and the age).
    pub fired: Option<String>,
    /// The message talks about someone's child.
    pub child_context: bool,
}

pub(crate) fn minor_age(
    rules: &AgeRules,
    negators: &HashSet<String>,
    toks: &[Token],
) -> AgeFinding {
    let child_context = !rules.child.find_all(toks).is_empty();
    let mut finding = AgeFinding {
        fired: None,
        child_context,
    };
    let is_minor_age = |span: &super::cues::Span| -> Option<u32> {
        let age = span.number?;
        // "15 minutes", "17 times": a unit right after the number means it is not an age.
        if toks
            .get(span.end)
            .is_some_and(|t| rules.units.contains(&t.term))
        {
            return None;
        }
        (rules.min_age..=rules.max_age)
            .contains(&age)
            .then_some(age)
    };
    let negated_at = |i: usize| {
        let s = toks[i].sentence;
        toks[i.saturating_sub(2)..i]
            .iter()
            .any(|t| t.sentence == s && negators.contains(&t.term))
    };

    for (_, span) in rules.speaker.find_all(toks) {
        if let Some(age) = is_minor_age(&span)
            && !negated_at(span.start)
        {
            finding.fired = Some(format!("the speaker says they are {age}"));
            return finding;
        }
    }
    // "nothing explicit" is negated; "talk to my 13 year old about nudes" is a conversation
    // about the subject, not an image.
    let word_present = |set: &HashSet<String>| {
        toks.iter().enumerate().any(|(i, t)| {
            set.contains(&t.term)
                && !negated_at(i)
                && !(i > 0 && rules.about.contains(&toks[i - 1].term))
        })
    };
    for (_, span) in rules.other.find_all(toks) {
        let Some(age) = is_minor_age(&span) else {
            continue;
        };
        let explicit = word_present(&rules.explicit);
        if child_context {
            if explicit {
                finding.fired = Some(format!("a child of {age} and an explicit image"));
                return finding;
            }
        } else if explicit || word_present(&rules.image) {
            finding.fired = Some(format!("someone aged {age} and images or sexting"));
            return finding;
        }
    }
    finding
}
