//! Message -> topic matching: the decision core that picks which curated answer a person needs.
//!
//! Local, deterministic and explainable: no network, no randomness, the same result to the last
//! bit every run; the learned model ([`learned`]) is a file in the response set.
//! [`Matcher::explain`] shows every step. This module holds the types and builds the matcher; a
//! message is decided in these stages, in this order:
//!
//! 1. Reading ([`decide`]): a message over [`MAX_INPUT_BYTES`] is too long and a bare menu number
//!    or keyword picks directly; anything else is folded into canonical tokens ([`normalize`]),
//!    injection boilerplate dropped, and the question part of a long message marked as focus.
//! 2. Cue hits ([`cue_hits`]): the curated cue phrases ([`cues`]) in the tokens, each hit
//!    negated (or taken back), hypothetical or plain, in focus or not.
//! 3. Weighing ([`cue_hits`]): what each hit counts by its class, focus and negation; a
//!    monitoring cue about one's own child is a parenting question; the age rule ([`rules`])
//!    makes minors urgent; a cue inside a longer cue of another topic does not count, and further
//!    cues of a topic count less.
//! 4. Neighbours and scores ([`decide`]): similarity to the topics' example questions
//!    ([`index`]), added to the cue score of each topic.
//! 5. Urgency ([`decide`]): the learned model ([`learned`]) reads the message and who is asking;
//!    an urgent topic it is sure of joins those the cues fired, a denied one it is not sure of
//!    is kept from winning, and the urgent topics are put in the urgency order. Then the cues
//!    urgent only beside another urgent topic ([`cue_hits`]) are weighed against what is still
//!    urgent.
//! 6. Choice ([`choose`]): a fired urgent topic wins; otherwise the best score (combined with
//!    the model's, when there is one) wins, unless it is too weak (out of scope) or too close to
//!    the runner-up (ambiguous). The winner is routed for who is asking and offered with up to
//!    [`MAX_ALSO`] other topics.
//!
//! The matcher never logs and never stores the text it is given; [`Outcome`] holds topic ids
//! only.

mod choose;
mod cue_hits;
mod cues;
mod data;
mod decide;
mod explain;
mod index;
pub mod learned;
mod normalize;
mod rules;
mod stem;

#[cfg(test)]
mod tests;

use std::{collections::HashMap, sync::Arc};

pub use data::{CueClass, MatcherData};
pub use explain::{CueHit, Explanation, ModelScore, NeighbourScore, TopicScore};
pub use learned::{Audience, LearnedModel};

use crate::topics;
use index::{DocRef, Index};
use normalize::{Normalizer, Token};

/// Longest message (in bytes) the matcher reads; anything longer is [`Outcome::TooLong`].
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Most other topics listed in [`Outcome::Topic::also`].
const MAX_ALSO: usize = 3;

/// A message needs this many sentences before its question part gets the focus boost.
const FOCUS_MIN_SENTENCES: u32 = 3;

/// What the matcher needs from one topic file.
#[derive(Debug, Clone)]
pub struct TopicProfile {
    /// Topic id, e.g. `sextortion`.
    pub id: String,
    /// Menu number a user can type to pick the topic.
    pub number: u32,
    /// Keyword a user can type to pick the topic.
    pub keyword: String,
    /// Questions in users' voices that should land on this topic.
    pub examples: Vec<String>,
    /// Never the answer for someone under 18: they get `minors` instead.
    pub adult_only: bool,
}

/// What a message is about. Holds topic ids only, never message text, so it is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// One topic fits; `also` lists up to three other topics the message touched, most urgent
    /// or most relevant first, to offer as follow-ups.
    Topic {
        /// The topic to answer.
        id: String,
        /// Other topics touched, not including `id`.
        also: Vec<String>,
        /// Who seems to be asking (the learned model's second head; [`Audience::Myself`]
        /// without a model).
        audience: Audience,
    },
    /// The message was just a menu number or keyword.
    MenuPick {
        /// The picked topic.
        id: String,
    },
    /// Two or three topics fit about equally well; ask which one.
    Ambiguous {
        /// The candidate topic ids, best first.
        options: Vec<String>,
    },
    /// Nothing the bot covers.
    OutOfScope,
    /// Longer than [`MAX_INPUT_BYTES`].
    TooLong,
}

impl Outcome {
    /// Whether the answer is one of the urgency-ordered topics (crisis, sextortion …), matched
    /// or picked from a menu: typing "crisis", as the out-of-scope answer tells people to, is as
    /// urgent as saying what is wrong.
    pub fn is_urgent(&self) -> bool {
        matches!(
            self,
            Outcome::Topic { id, .. } | Outcome::MenuPick { id } if topics::is_urgent(id)
        )
    }

    /// The outcome's one string form, for logs and `--json`: `topic`, `menu-pick`, `ambiguous`,
    /// `out-of-scope` or `too-long`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Topic { .. } => "topic",
            Outcome::MenuPick { .. } => "menu-pick",
            Outcome::Ambiguous { .. } => "ambiguous",
            Outcome::OutOfScope => "out-of-scope",
            Outcome::TooLong => "too-long",
        }
    }

    /// The answered topic id: the topic or menu pick, `out-of-scope` for [`Outcome::OutOfScope`],
    /// `None` when the bot has to ask back (ambiguous) or refuse (too long).
    pub fn topic(&self) -> Option<&str> {
        match self {
            Outcome::Topic { id, .. } | Outcome::MenuPick { id } => Some(id),
            Outcome::OutOfScope => Some(topics::OUT_OF_SCOPE),
            Outcome::Ambiguous { .. } | Outcome::TooLong => None,
        }
    }
}

/// Why the matcher data or topic set cannot be used. Messages never carry message text.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    /// `_matcher.toml` is not valid TOML or has an unknown or missing key.
    #[error("matcher data: {0}")]
    Syntax(String),
    /// `_matcher.toml` parsed but some entries are wrong; every problem is listed.
    #[error("matcher data has {} problem(s): {}", problems.len(), problems.join("; "))]
    Invalid {
        /// One line per problem, naming the key.
        problems: Vec<String>,
    },
    /// Cues name topics the response set does not have.
    #[error("matcher data has cues for topics missing from the response set: {}", ids.join(", "))]
    UnknownTopics {
        /// The missing topic ids.
        ids: Vec<String>,
    },
    /// Two topic profiles share an id.
    #[error("topic id `{0}` appears twice")]
    DuplicateTopic(String),
    /// No topics at all.
    #[error("no topics to match against")]
    NoTopics,
    /// The learned model file cannot be read.
    #[error("{MODEL}: {0}", MODEL = crate::responses::MODEL_FILE)]
    Model(String),
    /// The learned model knows topics the response set does not have.
    #[error("the learned model names topics missing from the response set: {}; run `confidant train`", ids.join(", "))]
    ModelTopics {
        /// The missing topic ids.
        ids: Vec<String>,
    },
}

/// A topic as the matcher keeps it.
#[derive(Debug, Clone)]
struct TopicInfo {
    id: String,
    number: u32,
    keyword: String,
    /// Position in [`URGENCY`], if the topic is in it.
    urgency: Option<usize>,
    adult_only: bool,
}

/// The built matcher: immutable, cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Matcher {
    data: MatcherData,
    normalizer: Normalizer,
    topics: Vec<TopicInfo>,
    by_id: HashMap<String, usize>,
    /// Topic index of each cue, parallel to `data.cues`.
    cue_topic: Vec<usize>,
    index: Index,
    /// (topic, example) -> document id, for leave-one-out checks.
    doc_ids: HashMap<(usize, usize), usize>,
    out_of_scope: Option<usize>,
    /// The examples, for leave-one-out checks.
    examples: Vec<Vec<String>>,
    /// The learned classifier, shared between clones.
    model: Option<Arc<LearnedModel>>,
    /// Model class -> topic index.
    model_topic: Vec<usize>,
}

/// Everything the decision looked at; `classify` keeps the outcome, `explain` shows it all.
#[derive(Debug, Default)]
struct Analysis {
    tokens: Vec<String>,
    hits: Vec<CueHit>,
    rules: Vec<String>,
    scores: Vec<TopicScore>,
    neighbours: Vec<NeighbourScore>,
    model: Vec<ModelScore>,
    features: Vec<(String, f32)>,
    audience: Option<Audience>,
    audiences: Vec<(String, f32)>,
}

impl Explanation {
    fn new(outcome: Outcome, a: Analysis) -> Explanation {
        Explanation {
            outcome,
            tokens: a.tokens,
            cue_hits: a.hits,
            rules: a.rules,
            scores: a.scores,
            neighbours: a.neighbours,
            model: a.model,
            features: a.features,
            audience: a.audience,
            audiences: a.audiences,
        }
    }
}

impl Matcher {
    /// Builds the matcher: folds every example, indexes it, and ties the cues to the topics.
    /// Fails when cues name a topic that is not in `topics`, or when topic ids repeat.
    pub fn new(topics: &[TopicProfile], data: &MatcherData) -> Result<Matcher, MatcherError> {
        if topics.is_empty() {
            return Err(MatcherError::NoTopics);
        }
        let mut by_id = HashMap::new();
        let mut infos = Vec::with_capacity(topics.len());
        for (i, t) in topics.iter().enumerate() {
            if by_id.insert(t.id.clone(), i).is_some() {
                return Err(MatcherError::DuplicateTopic(t.id.clone()));
            }
            infos.push(TopicInfo {
                id: t.id.clone(),
                number: t.number,
                keyword: squash(&t.keyword),
                urgency: topics::urgency(&t.id),
                adult_only: t.adult_only,
            });
        }
        let mut missing: Vec<String> = data
            .cues
            .iter()
            .filter(|c| !by_id.contains_key(&c.topic))
            .map(|c| c.topic.clone())
            .collect();
        missing.dedup();
        if !missing.is_empty() {
            return Err(MatcherError::UnknownTopics { ids: missing });
        }
        let cue_topic = data.cues.iter().map(|c| by_id[&c.topic]).collect();

        let mut normalizer = data.normalizer.clone();
        for (words, target) in &data.vocabulary {
            if *target {
                normalizer.learn_curated(words);
            } else {
                normalizer.learn(words, false);
            }
        }
        for t in topics {
            // Off-topic examples are known words but never typo-repair targets: a typo in a real
            // question must not be "repaired" into an off-topic word.
            let as_target = t.id != topics::OUT_OF_SCOPE;
            for e in &t.examples {
                normalizer.learn(e, as_target);
            }
        }
        normalizer.finish();

        let mut docs = Vec::new();
        let mut doc_ids = HashMap::new();
        for (ti, t) in topics.iter().enumerate() {
            for (ei, e) in t.examples.iter().enumerate() {
                // Examples are capped like messages: a curator's paste accident must not stall
                // start-up.
                let text = truncate_at_char(e, MAX_INPUT_BYTES);
                let toks = strip_noise(data, normalizer.tokens(text));
                let focus = focus_of(&toks);
                let f = index::features(&toks, &data.stopwords, &focus, data.scoring.focus_boost);
                doc_ids.insert((ti, ei), docs.len());
                docs.push((
                    DocRef {
                        topic: ti,
                        example: ei,
                    },
                    f,
                ));
            }
        }
        let index = Index::build(docs);
        let out_of_scope = by_id.get(topics::OUT_OF_SCOPE).copied();
        let examples = topics.iter().map(|t| t.examples.clone()).collect();
        Ok(Matcher {
            data: data.clone(),
            normalizer,
            topics: infos,
            by_id,
            cue_topic,
            index,
            doc_ids,
            out_of_scope,
            examples,
            model: None,
            model_topic: Vec::new(),
        })
    }

    /// Adds the learned classifier. Fails when it names a topic this matcher does not have
    /// (a model trained for another response set).
    pub fn with_model(mut self, model: LearnedModel) -> Result<Matcher, MatcherError> {
        let missing: Vec<String> = model
            .topics()
            .iter()
            .filter(|t| !self.by_id.contains_key(*t))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(MatcherError::ModelTopics { ids: missing });
        }
        self.model_topic = model.topics().iter().map(|t| self.by_id[t]).collect();
        self.model = Some(Arc::new(model));
        Ok(self)
    }

    /// The same matcher without its learned model: the cue and neighbour scorer alone, as
    /// `confidant eval --compare` measures it.
    pub fn without_model(&self) -> Matcher {
        Matcher {
            model: None,
            model_topic: Vec::new(),
            ..self.clone()
        }
    }

    /// Whether a learned model is in use.
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// The heap held by the learned model in use ([`LearnedModel::heap_bytes`]), if any.
    pub fn model_heap_bytes(&self) -> Option<usize> {
        self.model.as_deref().map(LearnedModel::heap_bytes)
    }

    /// Decides what a message is about.
    pub fn classify(&self, text: &str) -> Outcome {
        self.decide(text, None, None)
    }

    /// Decides, and shows why: tokens, cue hits, rules applied, top scores and neighbours.
    pub fn explain(&self, text: &str) -> Explanation {
        let mut a = Analysis::default();
        let outcome = self.decide(text, None, Some(&mut a));
        Explanation::new(outcome, a)
    }

    /// For `confidant check`: classifies example `example_index` of `topic_id` with that example
    /// left out of the index, so it cannot simply find itself. An unknown topic or index yields
    /// [`Outcome::OutOfScope`] for an ordinary topic (the check then fails, as it should).
    pub fn classify_without_example(&self, topic_id: &str, example_index: usize) -> Outcome {
        let Some(&ti) = self.by_id.get(topic_id) else {
            return Outcome::OutOfScope;
        };
        let Some(&doc) = self.doc_ids.get(&(ti, example_index)) else {
            return Outcome::OutOfScope;
        };
        match self.examples_text(ti, example_index) {
            Some(text) => self.decide(&text, Some(doc), None),
            None => Outcome::OutOfScope,
        }
    }

    /// [`Matcher::explain`] for [`Matcher::classify_without_example`]: why an example, left out
    /// of the index, lands where it does. `None` for an unknown topic or index.
    pub fn explain_without_example(
        &self,
        topic_id: &str,
        example_index: usize,
    ) -> Option<Explanation> {
        let &ti = self.by_id.get(topic_id)?;
        let &doc = self.doc_ids.get(&(ti, example_index))?;
        let text = self.examples_text(ti, example_index)?;
        let mut a = Analysis::default();
        let outcome = self.decide(&text, Some(doc), Some(&mut a));
        Some(Explanation::new(outcome, a))
    }

    fn examples_text(&self, topic: usize, example: usize) -> Option<String> {
        self.examples.get(topic)?.get(example).cloned()
    }
}

/// Lower-case with all whitespace removed: how menu picks are compared.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// In a long message the question usually sits in the last sentence or a sentence with a
/// question mark; those tokens count more. Short messages are all focus, i.e. no boost.
fn focus_of(toks: &[Token]) -> Vec<bool> {
    let sentences = toks.last().map(|t| t.sentence + 1).unwrap_or(0);
    if sentences < FOCUS_MIN_SENTENCES {
        return vec![false; toks.len()];
    }
    toks.iter()
        .map(|t| t.question || t.sentence + 1 == sentences)
        .collect()
}

/// Drops prompt-injection boilerplate ("ignore all previous instructions") so it neither helps
/// nor hurts; what is left is matched as usual.
fn strip_noise(data: &MatcherData, toks: Vec<Token>) -> Vec<Token> {
    let spans = data.noise.find_all(&toks);
    if spans.is_empty() {
        return toks;
    }
    let mut drop = vec![false; toks.len()];
    for (_, s) in spans {
        for d in &mut drop[s.start..s.end] {
            *d = true;
        }
    }
    toks.into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(t, _)| t)
        .collect()
}

fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Adds a rule line to the explanation, if one is being collected (the line is only built then).
fn note(explain: &mut Option<&mut Analysis>, line: impl FnOnce() -> String) {
    if let Some(a) = explain.as_deref_mut() {
        a.rules.push(line());
    }
}
