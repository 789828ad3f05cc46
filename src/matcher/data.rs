//! `_matcher.toml`: parsed with `deny_unknown_fields`, then validated into [`MatcherData`] with
//! every problem reported at once (a curator fixing the file should see all mistakes in one run).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::MatcherError;
use super::cues::{Pattern, PatternSet};
use super::normalize::Normalizer;
use crate::topics;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    #[serde(default)]
    scoring: Scoring,
    #[serde(default)]
    lexicon: BTreeMap<String, String>,
    apps: RawApps,
    words: RawWords,
    rules: RawRules,
    #[serde(default)]
    topics: BTreeMap<String, RawCues>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApps {
    token: String,
    names: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWords {
    stopwords: Vec<String>,
    negators: Vec<String>,
    #[serde(default)]
    hypothetical: Vec<String>,
    domain: Vec<String>,
    #[serde(default)]
    noise: Vec<String>,
    #[serde(default)]
    retractions: Vec<String>,
    #[serde(default)]
    hedges: Vec<String>,
    #[serde(default)]
    clause_starts: Vec<String>,
    #[serde(default)]
    continuers: Vec<String>,
    #[serde(default)]
    conjunctions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    minor_min_age: u32,
    minor_max_age: u32,
    speaker_age: Vec<String>,
    other_age: Vec<String>,
    child_context: Vec<String>,
    explicit_words: Vec<String>,
    image_words: Vec<String>,
    intimate_words: Vec<String>,
    age_units: Vec<String>,
    about_words: Vec<String>,
    partner_words: Vec<String>,
    #[serde(default)]
    speaker_minor: Vec<String>,
    #[serde(default)]
    minor_words: Vec<String>,
    #[serde(default)]
    speculative_words: Vec<String>,
    #[serde(default)]
    legal_words: Vec<String>,
    #[serde(default)]
    helper_frames: Vec<String>,
    #[serde(default)]
    parent_frames: Vec<String>,
    #[serde(default)]
    grown_children_age: Option<u32>,
    #[serde(default)]
    grown_child_words: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCues {
    #[serde(default)]
    urgent: Vec<String>,
    #[serde(default)]
    urgent_beside: Vec<String>,
    #[serde(default)]
    urgent_or_idiom: Vec<String>,
    #[serde(default)]
    frame: Vec<String>,
    #[serde(default)]
    strong: Vec<String>,
    #[serde(default)]
    cues: Vec<String>,
    #[serde(default)]
    short_only: bool,
}

/// Tuning numbers; defaults are the values the dev set was measured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Scoring {
    pub cue_weight: f32,
    pub strong_weight: f32,
    pub frame_weight: f32,
    pub urgent_weight: f32,
    pub out_of_scope_weight: f32,
    pub neighbour_weight: f32,
    pub focus_boost: f32,
    pub min_score: f32,
    pub no_domain_min_score: f32,
    pub ambiguity_ratio: f32,
    pub also_ratio: f32,
    pub short_words: usize,
    pub long_message_factor: f32,
    /// Share of the learned model in the combined score (the rest: cue and neighbour scores,
    /// scaled so the best is 1).
    pub model_weight: f32,
    /// An urgent topic the model gives at least this probability is answered (recall first).
    pub model_urgent_probability: f32,
    /// The threshold instead, for a topic whose urgent cues the message denies or takes back
    /// ("not suicidal", "kill me (not literally)").
    pub model_denied_urgent_probability: f32,
    /// The same threshold for one urgent topic, where the test split says it needs its own.
    pub model_urgent_by_topic: BTreeMap<String, f32>,
    /// The threshold instead, for a topic the model alone finds that would outrank one of the
    /// three most urgent topics whose own urgent cue fired (a sextortion threat in so many
    /// words is not made a crisis by an upset story around it, unless the model is sure).
    pub model_over_urgent_cue_probability: f32,
    /// The threshold instead, when the only urgent topic the model's topic would outrank is
    /// `minors` made urgent by the age rule alone: the writer's age says who is asking, and a
    /// threat or a danger in the same message comes first ("im 15 and he says he'll post them
    /// unless I pay").
    pub model_over_age_rule_probability: f32,
    /// The threshold instead for `minors` found by the model alone when nothing says anyone is
    /// under 18 (no minors cue or age, and the model reads neither a teenager nor a parent
    /// asking): minors is urgent because of who is in the pictures, and "the pics we sent" is
    /// asked about, while "the girl I've been sexting turned out to be 16" is read as minors.
    pub model_unseen_minor_probability: f32,
    /// When only the age rule made `minors` urgent, on a reading that is not firm (a child and a
    /// picture word somewhere in the message, or the writer's age with no picture word) and
    /// with no minors cue, the model must give `minors` at least this and must not read the
    /// message as out of scope or about the bot first, or the rule counts as evidence only:
    /// "I've got two kids and my ex posted my photos" is about the adult, "im 16, how do i ask a
    /// girl out" is not this bot's subject, "hi im 15, is this for teens" is a hello.
    pub model_age_rule_probability: f32,
    /// A parent's worry about sextortion as a subject ("saw on the news about boys being
    /// blackmailed over photos, how do I warn my son"): with the model reading a parent's
    /// question first at this probability or more, sextortion's cues are evidence, not urgent,
    /// and the parents answer comes first with sextortion offered (not beside a crisis cue).
    pub model_parent_worry_probability: f32,
    /// When the model reads the message as out of scope with at least this probability, the
    /// urgent cues of the urgency-ordered topics after crisis, sextortion and minors count as
    /// evidence only, not as a win outright: "pressuring me to sign a lease" and "how do I say
    /// no to my manager" are about a landlord and a job. Never in a message that names
    /// something intimate (`rules.intimate_words`). Over 1: never.
    pub model_out_of_scope_over_cue_probability: f32,
    /// The same for sextortion's urgent cues, in a message that names nothing intimate
    /// (`rules.intimate_words`; a photo or a video alone is not intimate): a threat with a
    /// condition and nothing intimate ("the landlord is threatening to keep my deposit unless I
    /// pay", "pay for the damage or my photos of it go to court") is about something else when
    /// the model is this sure. Over 1: never.
    pub model_out_of_scope_over_threat_probability: f32,
    /// The same for the hits of `urgent_or_idiom` cues, in a message that names nothing
    /// intimate: "my sister says she'll kill me if I wear white" is about a wedding when the
    /// model is this sure. Over 1: never.
    pub model_out_of_scope_over_idiom_probability: f32,
    /// A combined score under this, with no cue for the winner, is out of scope.
    pub model_min_score: f32,
    /// A runner-up within this ratio of the best combined score makes the message ambiguous.
    pub model_ambiguity_ratio: f32,
    /// A message of at most this many words says little ("worried", "my ex"): it uses
    /// `model_short_ambiguity_ratio` instead.
    pub model_short_words: usize,
    /// The ambiguity ratio for a message of at most `model_short_words` words.
    pub model_short_ambiguity_ratio: f32,
    /// A message of at most `model_short_words` words with no cue for the model's best topic:
    /// the model needs this probability for that topic to answer it (with no cue at all, also to
    /// make it urgent); under it the bot asks which of its best topics is meant ("my partner" is
    /// no emergency yet; "worried" fires a warning-signs cue word, and the model reads parents).
    pub model_short_sure_probability: f32,
    /// A parent, helper or under-18 audience needs this probability to be chosen over "self".
    pub model_audience_probability: f32,
    /// With a helper frame ("my friend says she ..."), the helper audience needs only this.
    pub model_helper_frame_probability: f32,
    /// With a parent frame ("my child", "my 14-year-old"), the parent audience needs only this.
    pub model_parent_frame_probability: f32,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            cue_weight: 1.0,
            strong_weight: 2.5,
            frame_weight: 4.0,
            urgent_weight: 4.0,
            out_of_scope_weight: 4.0,
            neighbour_weight: 4.0,
            focus_boost: 1.5,
            min_score: 0.6,
            no_domain_min_score: 1.6,
            ambiguity_ratio: 0.92,
            also_ratio: 0.5,
            short_words: 6,
            long_message_factor: 0.25,
            model_weight: 0.85,
            model_urgent_probability: 0.25,
            model_urgent_by_topic: BTreeMap::new(),
            model_denied_urgent_probability: 0.9,
            model_over_urgent_cue_probability: 0.9,
            model_over_age_rule_probability: 0.9,
            model_unseen_minor_probability: 0.0,
            model_age_rule_probability: 0.0,
            model_parent_worry_probability: 2.0,
            model_out_of_scope_over_cue_probability: 2.0,
            model_out_of_scope_over_threat_probability: 2.0,
            model_out_of_scope_over_idiom_probability: 2.0,
            model_min_score: 0.1,
            model_ambiguity_ratio: 0.92,
            model_short_words: 2,
            model_short_ambiguity_ratio: 0.92,
            model_short_sure_probability: 0.0,
            model_audience_probability: 0.3,
            model_helper_frame_probability: 0.1,
            model_parent_frame_probability: 0.1,
        }
    }
}

/// How much a cue says about its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CueClass {
    /// Fires the urgency order: the topic wins unless a more urgent one also fired.
    Urgent,
    /// Urgent only beside crisis, sextortion, minors or non-consensual sharing fired in the same
    /// message by its own urgent cue or by the age rule, and still urgent after the model's
    /// check (the writer's age counts only with a picture, sexting or legal word): "if I die" asked by someone
    /// whose pictures are out or who is threatened, not in a question about a will. Otherwise
    /// ordinary evidence.
    #[serde(rename = "urgent_beside")]
    UrgentBeside,
    /// Urgent, unless the model reads the whole message as out of scope (at
    /// `model_out_of_scope_over_idiom_probability` or more) and it names nothing intimate: then an
    /// everyday idiom that fires nothing, though its weight stays and the model's sure reading
    /// wins the combined score ("my sister says she'll kill me if I wear white to her wedding",
    /// not "he says he'll kill me if I leave").
    #[serde(rename = "urgent_or_idiom")]
    UrgentOrIdiom,
    /// Frames the whole question ("my ex", "my kid"): outweighs strong cues of other topics.
    Frame,
    /// Strong evidence for the topic.
    Strong,
    /// Ordinary evidence.
    Cue,
}

impl CueClass {
    /// A clean hit fires the urgency order when the message is read (`urgent`, and
    /// `urgent_or_idiom` until the model takes it back).
    pub(crate) fn fires_urgency(self) -> bool {
        matches!(self, Self::Urgent | Self::UrgentOrIdiom)
    }

    /// Only the urgency-ordered topics may have cues of this class.
    fn needs_urgency_order(self) -> bool {
        self.fires_urgency() || self == Self::UrgentBeside
    }
}

/// One cue of one topic.
#[derive(Debug, Clone)]
pub(crate) struct Cue {
    pub topic: String,
    pub class: CueClass,
    pub text: String,
}

/// The age rule's patterns and word lists, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgeRules {
    pub min_age: u32,
    pub max_age: u32,
    pub speaker: PatternSet,
    pub other: PatternSet,
    pub child: PatternSet,
    pub explicit: HashSet<String>,
    pub image: HashSet<String>,
    /// Words that make a picture intimate; a photo word alone does not ("photos of the damage").
    pub intimate: HashSet<String>,
    pub units: HashSet<String>,
    pub about: HashSet<String>,
    pub partner: HashSet<String>,
    /// The speaker says they are a minor without a number ("im in year 9", "im a teen").
    pub speaker_minor: PatternSet,
    /// Words that name a person under 18 without a number ("teens", "high school").
    pub minor_words: PatternSet,
    /// An image word right after one of these ("might", "if") is a worry, not an event.
    pub speculative: HashSet<String>,
    /// With one of these, a picture word counts even as a subject or a worry: "is it illegal
    /// for teens to sext" asks about an under-18's images.
    pub legal: HashSet<String>,
    /// The message is about someone close to the writer ("my friend says she ..."): with some
    /// support from the model, the writer is a helper.
    pub helper: PatternSet,
    /// The message is about the writer's own child ("my child is on WhatsApp all the time"):
    /// with some support from the model, the writer is a parent.
    pub parent: PatternSet,
    /// A writer whose own age the rule reads as this or more, up to 99 ("I'm 67"), names grown
    /// children with [`AgeRules::grown_child`] words ("my children", "my stepson"): no child
    /// for the age rule.
    pub grown_children_age: Option<u32>,
    pub grown_child: HashSet<String>,
}

/// Everything `_matcher.toml` says, validated and compiled: the lexicon, word lists, rules and
/// cue phrases. Built once at start-up and shared by every [`super::Matcher`].
#[derive(Debug, Clone)]
pub struct MatcherData {
    pub(crate) scoring: Scoring,
    pub(crate) normalizer: Normalizer,
    pub(crate) stopwords: HashSet<String>,
    pub(crate) negators: HashSet<String>,
    pub(crate) hypothetical: PatternSet,
    /// Phrases right after an urgent cue that take it back ("kill me (not literally)").
    pub(crate) retractions: PatternSet,
    /// Phrases that make a denial next to a cue a hedge ("not threatening exactly"): the cue
    /// stands.
    pub(crate) hedges: PatternSet,
    /// Words that open a new clause: a negator before one does not reach a cue after it
    /// ("im not ok i want to die").
    pub(crate) clause_starts: HashSet<String>,
    /// Words that say something goes on: a negator before one does not reach a cue after it
    /// ("i cant stop cutting myself").
    pub(crate) continuers: HashSet<String>,
    /// Words that open a new clause even as a cue's own first word: a negator before one does
    /// not reach the cue ("nobody finds anything after im gone").
    pub(crate) conjunctions: HashSet<String>,
    pub(crate) domain: HashSet<String>,
    pub(crate) noise: PatternSet,
    pub(crate) rules: AgeRules,
    pub(crate) cues: Vec<Cue>,
    pub(crate) cue_patterns: PatternSet,
    /// Topics whose score counts fully only in short messages (greetings, thanks, menu).
    pub(crate) short_only: HashSet<String>,
    /// Cue texts and lexicon entries for the typo-repair vocabulary; `false`: known, no target.
    pub(crate) vocabulary: Vec<(String, bool)>,
}

impl MatcherData {
    /// Parses and validates `_matcher.toml`. Unknown keys, unknown topic ids, bad cue syntax and
    /// empty word lists are all reported, together, in one [`MatcherError::Invalid`]: each
    /// section is read in file order and adds its problems to the list.
    pub fn parse(toml_text: &str) -> Result<MatcherData, MatcherError> {
        let raw: RawData =
            toml::from_str(toml_text).map_err(|e| MatcherError::Syntax(e.message().to_owned()))?;
        let mut problems = Vec::new();

        let (normalizer, app_token) = read_lexicon(&raw, &mut problems);
        let words = read_words(&raw.words, &normalizer, &mut problems);
        check_scoring(&raw.scoring, &mut problems);
        let rules = read_rules(&raw.rules, &normalizer, &app_token, &mut problems);
        let topic_cues = read_topics(&raw.topics, &normalizer, &app_token, &mut problems);

        if !problems.is_empty() {
            return Err(MatcherError::Invalid { problems });
        }
        let mut vocabulary: Vec<(String, bool)> =
            raw.lexicon.keys().map(|k| (k.clone(), true)).collect();
        vocabulary.extend(topic_cues.vocabulary);
        Ok(MatcherData {
            scoring: raw.scoring,
            stopwords: fold(&normalizer, &raw.words.stopwords),
            negators: fold(&normalizer, &raw.words.negators),
            domain: fold(&normalizer, &raw.words.domain),
            hypothetical: words.hypothetical,
            retractions: words.retractions,
            hedges: words.hedges,
            clause_starts: fold(&normalizer, &raw.words.clause_starts),
            continuers: fold(&normalizer, &raw.words.continuers),
            conjunctions: fold(&normalizer, &raw.words.conjunctions),
            noise: words.noise,
            rules,
            cues: topic_cues.cues,
            cue_patterns: topic_cues.patterns,
            short_only: topic_cues.short_only,
            vocabulary,
            normalizer,
        })
    }
}

/// The `[lexicon]` and `[apps]` sections: the normalizer that folds every message and cue (every
/// app name folding to the one app token), and that token.
fn read_lexicon(raw: &RawData, problems: &mut Vec<String>) -> (Normalizer, String) {
    let app_token = raw.apps.token.trim().to_lowercase();
    let mut entries: Vec<(String, String)> = raw
        .lexicon
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for name in &raw.apps.names {
        if raw.lexicon.contains_key(name) {
            problems.push(format!("apps.names: `{name}` is also a lexicon key"));
        }
        entries.push((name.clone(), app_token.clone()));
    }
    if app_token.is_empty() || app_token.contains(char::is_whitespace) {
        problems.push("apps.token must be one word".to_owned());
    }
    let normalizer = match Normalizer::new(entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(n) => n,
        Err(e) => {
            problems.push(format!("lexicon: {e}"));
            Normalizer::default()
        }
    };
    (normalizer, app_token)
}

/// The phrase lists of `[words]`, compiled; its plain word lists are folded once the whole file
/// is known to be valid.
struct Words {
    hypothetical: PatternSet,
    noise: PatternSet,
    retractions: PatternSet,
    hedges: PatternSet,
}

/// The `[words]` section: the word lists that must not be empty, and the phrase lists compiled.
fn read_words(words: &RawWords, normalizer: &Normalizer, problems: &mut Vec<String>) -> Words {
    for (key, list) in [
        ("words.stopwords", &words.stopwords),
        ("words.negators", &words.negators),
        ("words.domain", &words.domain),
    ] {
        if list.is_empty() {
            problems.push(format!("{key} is empty"));
        }
    }
    Words {
        hypothetical: compile_set(
            normalizer,
            "words.hypothetical",
            &words.hypothetical,
            problems,
        ),
        noise: compile_set(normalizer, "words.noise", &words.noise, problems),
        retractions: compile_set(
            normalizer,
            "words.retractions",
            &words.retractions,
            problems,
        ),
        hedges: compile_set(normalizer, "words.hedges", &words.hedges, problems),
    }
}

/// The `[scoring]` section: every per-topic urgent threshold names an urgency-ordered topic and
/// is a probability.
fn check_scoring(scoring: &Scoring, problems: &mut Vec<String>) {
    for (topic, p) in &scoring.model_urgent_by_topic {
        if !topics::is_urgent(topic) {
            problems.push(format!(
                "scoring.model_urgent_by_topic.{topic}: not an urgency-ordered topic"
            ));
        }
        if !(0.0..=1.0).contains(p) {
            problems.push(format!(
                "scoring.model_urgent_by_topic.{topic}: {p} is not a probability (0 to 1)"
            ));
        }
    }
}

/// The `[rules]` section: the age rule's bounds checked, its patterns compiled and its word
/// lists folded.
fn read_rules(
    r: &RawRules,
    normalizer: &Normalizer,
    app_token: &str,
    problems: &mut Vec<String>,
) -> AgeRules {
    if r.minor_min_age > r.minor_max_age || r.minor_max_age >= 18 {
        problems.push("rules: need minor_min_age <= minor_max_age < 18".to_owned());
    }
    let n = normalizer;
    // An app name folds to the app token, so such a word would make every app name count
    // ("snap" as a picture made "tiktok" one too).
    for (key, list) in [
        ("rules.explicit_words", &r.explicit_words),
        ("rules.image_words", &r.image_words),
        ("rules.intimate_words", &r.intimate_words),
        ("rules.legal_words", &r.legal_words),
    ] {
        for word in list {
            if n.canonical_words(word).iter().any(|(t, _)| t == app_token) {
                problems.push(format!(
                    "{key}: `{word}` folds to the app token `{app_token}`, so every app name \
                     would count as one"
                ));
            }
        }
    }
    AgeRules {
        min_age: r.minor_min_age,
        max_age: r.minor_max_age,
        speaker: compile_set(n, "rules.speaker_age", &r.speaker_age, problems),
        other: compile_set(n, "rules.other_age", &r.other_age, problems),
        child: compile_set(n, "rules.child_context", &r.child_context, problems),
        explicit: fold(n, &r.explicit_words),
        image: fold(n, &r.image_words),
        intimate: fold(n, &r.intimate_words),
        units: fold(n, &r.age_units),
        about: fold(n, &r.about_words),
        partner: fold(n, &r.partner_words),
        speaker_minor: compile_set(n, "rules.speaker_minor", &r.speaker_minor, problems),
        minor_words: compile_set(n, "rules.minor_words", &r.minor_words, problems),
        speculative: fold(n, &r.speculative_words),
        legal: fold(n, &r.legal_words),
        helper: compile_set(n, "rules.helper_frames", &r.helper_frames, problems),
        parent: compile_set(n, "rules.parent_frames", &r.parent_frames, problems),
        grown_children_age: r.grown_children_age,
        grown_child: fold(n, &r.grown_child_words),
    }
}

/// What the `[topics.*]` sections give: the cues, their compiled patterns (parallel to `cues`),
/// the short-only topics, and the cue words for the typo-repair vocabulary.
struct TopicCues {
    cues: Vec<Cue>,
    patterns: PatternSet,
    short_only: HashSet<String>,
    vocabulary: Vec<(String, bool)>,
}

/// The `[topics.*]` sections: each names a known topic, only urgency-ordered topics have urgent
/// cues, and every cue compiles and is more than the app token.
fn read_topics(
    raw_topics: &BTreeMap<String, RawCues>,
    normalizer: &Normalizer,
    app_token: &str,
    problems: &mut Vec<String>,
) -> TopicCues {
    let known: HashSet<&str> = topics::REQUIRED.iter().copied().collect();
    let mut cues = Vec::new();
    let mut cue_patterns = PatternSet::default();
    let mut vocabulary: Vec<(String, bool)> = Vec::new();
    let mut short_only = HashSet::new();
    for (topic, raw_cues) in raw_topics {
        if !known.contains(topic.as_str()) {
            problems.push(format!("topics.{topic}: unknown topic id"));
            continue;
        }
        if raw_cues.short_only {
            short_only.insert(topic.clone());
        }
        for (class, list, key) in [
            (CueClass::Urgent, &raw_cues.urgent, "urgent"),
            (
                CueClass::UrgentBeside,
                &raw_cues.urgent_beside,
                "urgent_beside",
            ),
            (
                CueClass::UrgentOrIdiom,
                &raw_cues.urgent_or_idiom,
                "urgent_or_idiom",
            ),
            (CueClass::Frame, &raw_cues.frame, "frame"),
            (CueClass::Strong, &raw_cues.strong, "strong"),
            (CueClass::Cue, &raw_cues.cues, "cues"),
        ] {
            if class.needs_urgency_order() && !list.is_empty() && !topics::is_urgent(topic) {
                problems.push(format!(
                    "topics.{topic}.{key}: only the urgency-ordered topics may have urgent cues"
                ));
                continue;
            }
            for text in list {
                match Pattern::compile(text, normalizer) {
                    Ok(p) if PatternSet::is_only(&p, app_token) => problems.push(format!(
                        "topics.{topic}.{key}: `{text}` folds to the app token `{app_token}` and would match every app name"
                    )),
                    Ok(p) => {
                        cue_patterns.push(p);
                        cues.push(Cue {
                            topic: topic.clone(),
                            class,
                            text: text.clone(),
                        });
                        // Out-of-scope cue words are known but no target for typo repair:
                        // "screaming" must not become "streaming".
                        let words = text.replace(['*', '|', '=', '!', '#'], " ");
                        vocabulary.push((words, topic != topics::OUT_OF_SCOPE));
                    }
                    Err(e) => problems.push(format!("topics.{topic}.{key}: `{text}`: {e}")),
                }
            }
        }
    }
    TopicCues {
        cues,
        patterns: cue_patterns,
        short_only,
        vocabulary,
    }
}

/// A word list as the set of its canonical words.
fn fold(normalizer: &Normalizer, list: &[String]) -> HashSet<String> {
    list.iter()
        .flat_map(|w| normalizer.canonical_words(w))
        .map(|(t, _)| t)
        .collect()
}

/// A phrase list compiled into one pattern set; a phrase that does not compile is a problem
/// under `key`.
fn compile_set(
    normalizer: &Normalizer,
    key: &str,
    list: &[String],
    problems: &mut Vec<String>,
) -> PatternSet {
    let mut set = PatternSet::default();
    for text in list {
        match Pattern::compile(text, normalizer) {
            Ok(p) => {
                set.push(p);
            }
            Err(e) => problems.push(format!("{key}: `{text}`: {e}")),
        }
    }
    set
}
