//! The age rule: a person under 18 in a sexting or image context makes `minors` urgent.
//!
//! Ages are found by patterns from `_matcher.toml` (`im #`, `# year old`, `is #`...), and so are
//! words that name an under-18 without a number ("teens", "high school", "year 9"). The
//! speaker's own age is enough ("im 15 and sexting", "im in year 9"), and firm beside a picture,
//! sexting or legal word; without one, the learned model may overrule it, as it may every
//! reading of someone else's age or of a child. Someone else's age needs an
//! image or sexting word next to it ("my gf is 17, can we send pics"). A child ("my son", "my 13
//! year old") or an age word ("teens") needs a picture word ("pics", "nude", "sexting"), so a
//! child who has sent or received images is `minors`; but a picture word that is the subject of
//! a conversation ("talk to my 13 year old about sexting"), denied ("nothing explicit") or a
//! worry ("my son might be sexting") is not an image, and the question stays a parenting one,
//! unless the question is a legal one ("my 15 year old asked if sexting is illegal").

use std::collections::HashSet;

use super::data::AgeRules;
use super::normalize::Token;

/// How far back (in words, same sentence) an "about" or "might" word reaches.
const LOOKBACK: usize = 4;

/// What the age rule found.
#[derive(Debug, Default)]
pub(crate) struct AgeFinding {
    /// Why minors fired, if it did (no message text, only the rule and the age).
    pub fired: Option<String>,
    /// It fired on the writer's own age beside a picture, sexting or legal word: firm. Every
    /// other reading (a child or someone else's age near a picture word anywhere in the
    /// message, or the writer's age with no such word) is one the learned model may overrule.
    pub firm: bool,
    /// The message talks about someone's child.
    pub child_context: bool,
    /// The writer says they are under 18 ("im 15", "16 here", "im in year 9") and names no
    /// child of theirs.
    pub speaker_minor: bool,
    /// It fired on the writer's own age with no picture, sexting or legal word: the age says
    /// who is asking, not whose picture ("im 15, a kid told me to kys in fortnite").
    pub bare: bool,
    /// A child and an explicit image, but the writer is old enough that the child is grown
    /// (`grown_children_age`): the rule did not fire.
    pub grown_children: bool,
}

pub(crate) fn minor_age(
    rules: &AgeRules,
    negators: &HashSet<String>,
    toks: &[Token],
) -> AgeFinding {
    let child_spans = rules.child.find_all(toks);
    let child_context = !child_spans.is_empty();
    let mut finding = AgeFinding {
        fired: None,
        firm: false,
        child_context,
        speaker_minor: false,
        bare: false,
        grown_children: false,
    };
    let unit_after = |span: &super::cues::Span| {
        toks.get(span.end)
            .is_some_and(|t| rules.units.contains(&t.term))
    };
    let is_minor_age = |span: &super::cues::Span| -> Option<u32> {
        let age = span.number?;
        // "15 minutes", "17 times": a unit right after the number means it is not an age.
        if unit_after(span) {
            return None;
        }
        (rules.min_age..=rules.max_age)
            .contains(&age)
            .then_some(age)
    };
    let before = |i: usize, reach: usize, set: &HashSet<String>| {
        let s = toks[i].sentence;
        toks[i.saturating_sub(reach)..i]
            .iter()
            .any(|t| t.sentence == s && set.contains(&t.term))
    };
    let negated_at = |i: usize| before(i, 2, negators);

    // "nothing explicit" is negated; "talk to my 13 year old about (the risks of) nudes" is a
    // conversation about the subject, and "my son might be sexting" a worry, not an image.
    // A legal question ("is it illegal for teens to sext", "my 16 yo asked if sexting is legal")
    // is about an under-18's images whatever the phrasing.
    let legal = toks.iter().any(|t| rules.legal.contains(&t.term));
    let word_present = |set: &HashSet<String>| {
        toks.iter().enumerate().any(|(i, t)| {
            set.contains(&t.term)
                && !negated_at(i)
                && (legal
                    || (!before(i, LOOKBACK, &rules.about)
                        && !before(i, LOOKBACK, &rules.speculative)))
        })
    };
    let explicit = word_present(&rules.explicit);
    // The writer's own age with a picture, sexting or legal word ("im 15 and sent pics", "im 14,
    // is sexting illegal") is firm; without one ("im 15 and want to learn coding", "im 14, will
    // you tell my parents?") it may only say who is asking.
    let on_topic = legal || explicit || word_present(&rules.image);
    // "my daughter is 14 and I think ...": a number that ends someone else's age ("is 14") and
    // starts a speaker pattern ("14 and I") is theirs, not the writer's.
    let other_spans = rules.other.find_all(toks);
    let someone_elses = |span: &super::cues::Span| {
        other_spans
            .iter()
            .any(|(_, o)| o.start < span.start && o.end == span.start + 1)
    };
    let speaker_spans: Vec<super::cues::Span> = rules
        .speaker
        .find_all(toks)
        .into_iter()
        .map(|(_, span)| span)
        .filter(|span| !negated_at(span.start) && !someone_elses(span))
        .collect();
    let past =
        |span: &super::cues::Span| toks[span.start..span.end].iter().any(|t| t.term == "was");
    let speaker_age = speaker_spans
        .iter()
        .find_map(|span| is_minor_age(span).map(|a| (a, past(span))));
    // The ages the writer says they are now (not "when i was 12", not "15 minutes").
    let ages_now = || {
        speaker_spans
            .iter()
            .filter(|span| !past(span) && !unit_after(span))
            .filter_map(|span| span.number)
    };
    // "from when i was 12 ... im 22 now": an age the writer was, beside the adult age they are,
    // says when something began, not who is asking; the model may overrule it.
    let grown_up_now = ages_now().any(|a| a > rules.max_age);
    let was_minor_is_adult = matches!(speaker_age, Some((_, true))) && grown_up_now;
    let speaker_says = match speaker_age {
        Some((age, _)) if was_minor_is_adult => Some(format!(
            "the speaker says they were {age} and are an adult now"
        )),
        Some((age, _)) => Some(format!("the speaker says they are {age}")),
        None => rules
            .speaker_minor
            .find_all(toks)
            .into_iter()
            .any(|(_, span)| !negated_at(span.start))
            .then(|| "the speaker says they are under 18".to_owned()),
    };
    if let Some(reason) = speaker_says {
        finding.speaker_minor = !child_context && !was_minor_is_adult;
        finding.firm = on_topic && !was_minor_is_adult;
        finding.bare = !on_topic;
        finding.fired = Some(if on_topic {
            reason
        } else {
            format!("{reason}, with no picture or sexting word")
        });
        return finding;
    }
    let mut adult_age = false;
    for (_, span) in other_spans {
        let Some(age) = is_minor_age(&span) else {
            // "my daughter is 19", "my 20 year old": a grown child is not a minor. (A "30 year old
            // man" elsewhere in the message says nothing about the child's age.)
            adult_age |= span.number.is_some_and(|a| a > rules.max_age)
                && !unit_after(&span)
                && child_spans
                    .iter()
                    .any(|(_, c)| c.start <= span.end && span.start <= c.end + 2);
            continue;
        };
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
    // No number: "my son", "teens", "a girl in year 9" with a picture word.
    if explicit && !adult_age {
        if !rules.minor_words.find_all(toks).is_empty() {
            finding.fired = Some("an under-18 and an explicit image".to_owned());
        } else if child_context {
            // "I'm 71 ... my stepson found the photos": a writer that old names grown children,
            // so a word that folds to "child" (son, daughter, niece; teen and kid fold there
            // too) is no child for the rule (a grandchild still is). Up to 99: "they want 200
            // and i" is money.
            let elder = rules
                .grown_children_age
                .is_some_and(|elder| ages_now().any(|a| (elder..100).contains(&a)));
            finding.grown_children = elder
                && child_spans.iter().all(|(_, c)| {
                    toks[c.start..c.end]
                        .iter()
                        .all(|t| rules.grown_child.contains(&t.term))
                });
            if !finding.grown_children {
                finding.fired = Some("a child and an explicit image".to_owned());
            }
        }
    }
    finding
}
