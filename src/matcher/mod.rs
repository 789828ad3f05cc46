//! Message -> topic matching: the decision core that picks which curated answer a person needs.
//!
//! Local, deterministic and explainable: no network, no model, no randomness. A message is
//! folded into canonical tokens ([`normalize`]), matched against curated cue phrases ([`cues`])
//! and against the topics' example questions ([`index`]), then decided by a short list of rules
//! (this module): a bare menu number or keyword picks directly; urgent cues and the age rule
//! apply the urgency order; otherwise the best score wins, unless it is too weak (out of scope)
//! or too close to the runner-up (ambiguous). [`Matcher::explain`] shows every step.
//!
//! The matcher never logs and never stores the text it is given; [`Outcome`] holds topic ids
//! only.

mod cues;
mod data;
mod explain;
mod index;
pub mod learned;
mod normalize;
mod rules;
mod stem;

#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

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
/// Examples that count towards a topic's neighbour score, with their weights: the best match
/// counts most, but a topic whose examples agree beats one lucky look-alike.
const NEIGHBOUR_WEIGHTS: [f32; 3] = [1.0, 0.5, 0.25];
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

/// Where a cue hit lies: the token range, and whether the cue matched it word for word (no
/// words skipped by a `*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct HitSpan {
    start: usize,
    end: usize,
    unbroken: bool,
}

/// The best hit of one cue.
#[derive(Debug, Clone, Copy)]
struct HitState {
    /// A negator before it or a retraction after it denies it.
    negated: bool,
    /// It follows a hypothetical frame in its sentence.
    hypothetical: bool,
    /// It lies in the focus part of a long message.
    focused: bool,
    /// Where it lies.
    at: HitSpan,
}

/// Weight and place of each topic's counted cue hits (no place: the age rule).
type CueWeights = HashMap<usize, Vec<(f32, Option<HitSpan>)>>;

/// The urgent topics as the cue hits and the age rule leave them.
#[derive(Debug, Default)]
struct UrgentCues {
    /// Topics an urgent cue or the age rule fired.
    fired: Vec<usize>,
    /// Topics whose urgent cue the message denies or only supposes: offered, never answered for
    /// that cue alone.
    touched: Vec<usize>,
    /// Topics whose urgent cue the message denies or takes back.
    denied: Vec<usize>,
}

/// One topic's evidence: its cue score, its neighbour score and the total they make.
#[derive(Debug, Clone, Copy)]
struct Scored {
    topic: usize,
    cues: f32,
    neighbours: f32,
    /// `cues + neighbour_weight * neighbours`, times `long_message_factor` for a topic that is
    /// short-only in a long message.
    total: f32,
}

/// What the final choice works from.
#[derive(Debug)]
struct Choice {
    /// The topics' scores, best total first.
    scored: Vec<Scored>,
    /// Urgent topics fired by cues, the age rule or the model, in the urgency order.
    fired: Vec<usize>,
    /// Urgent topics whose urgent cue the message denies or only supposes.
    touched: Vec<usize>,
    /// Who seems to be asking.
    audience: Audience,
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

    fn decide(
        &self,
        text: &str,
        exclude: Option<usize>,
        mut explain: Option<&mut Analysis>,
    ) -> Outcome {
        if let Some(outcome) = self.shortcut(text, &mut explain) {
            return outcome;
        }
        let (toks, focus) = self.read(text, &mut explain);
        let hits = self.cue_hits(&toks, &focus);
        let (cue_weights, mut urgent) = self.weigh_cues(&hits, &toks, &mut explain);
        let cue_score = self.cue_scores(cue_weights, &mut explain);
        let per_topic = self.neighbours(&toks, &focus, exclude, &mut explain);
        let scored = self.score(&cue_score, &per_topic, &toks, &mut explain);
        let (prediction, audience) = self.read_model(text, exclude, &toks, &mut explain);
        let suppressed = self.urgency(prediction.as_ref(), &mut urgent, &mut explain);
        let choice = Choice {
            scored,
            fired: urgent.fired,
            touched: urgent.touched,
            audience,
        };
        self.choose(&choice, prediction.as_ref(), &suppressed, &toks, explain)
    }

    /// Reading, first part: a message over [`MAX_INPUT_BYTES`] is [`Outcome::TooLong`], and one
    /// that is only a menu number or keyword is that [`Outcome::MenuPick`]; anything else is read.
    fn shortcut(&self, text: &str, explain: &mut Option<&mut Analysis>) -> Option<Outcome> {
        if text.len() > MAX_INPUT_BYTES {
            note(explain, || {
                format!(
                    "input is {} bytes, over the {MAX_INPUT_BYTES}-byte limit",
                    text.len()
                )
            });
            return Some(Outcome::TooLong);
        }
        if let Some(id) = self.menu_pick(text) {
            note(explain, || {
                "the message is just a menu number or keyword".to_owned()
            });
            return Some(Outcome::MenuPick { id });
        }
        None
    }

    /// Reading, second part: the message as canonical tokens with injection boilerplate dropped,
    /// and which of them lie in the focus part ([`focus_of`]).
    fn read(&self, text: &str, explain: &mut Option<&mut Analysis>) -> (Vec<Token>, Vec<bool>) {
        let toks = strip_noise(&self.data, self.normalizer.tokens(text));
        let focus = focus_of(&toks);
        if let Some(a) = explain.as_deref_mut() {
            a.tokens = toks.iter().map(|t| t.term.clone()).collect();
        }
        (toks, focus)
    }

    /// Cue hits: finds the cue phrases in the message and keeps the best hit of each cue (a clean
    /// hit beats a negated or hypothetical one), sorted by cue. A negator shortly before a hit, or
    /// a retraction shortly after it, denies it; a hypothetical frame ("what if") earlier in its
    /// sentence makes it hypothetical.
    fn cue_hits(&self, toks: &[Token], focus: &[bool]) -> Vec<(usize, HitState)> {
        let hyp_ends: Vec<(u32, usize)> = self
            .data
            .hypothetical
            .find_all(toks)
            .into_iter()
            .map(|(_, s)| (toks[s.start].sentence, s.end))
            .collect();
        let retraction_starts: Vec<usize> = self
            .data
            .retractions
            .find_all(toks)
            .into_iter()
            .map(|(_, s)| s.start)
            .collect();
        let mut best_hit: HashMap<usize, HitState> = HashMap::new();
        for (cue, span) in self.data.cue_patterns.find_all(toks) {
            let sentence = toks[span.start].sentence;
            // A negator up to three words before, in the same clause, or a retraction
            // starting up to three words after ("kill me (not literally)"), denies the cue.
            let from = span.start.saturating_sub(3);
            let negated = toks[from..span.start].iter().enumerate().any(|(i, t)| {
                t.sentence == sentence
                    && self.data.negators.contains(&t.term)
                    && !toks[from + i + 1..span.start]
                        .iter()
                        .any(|u| self.data.clause_starts.contains(&u.term))
            }) || retraction_starts
                .iter()
                .any(|&r| r >= span.end && r <= span.end + 3);
            let hypothetical = hyp_ends
                .iter()
                .any(|&(s, end)| s == sentence && end <= span.start);
            let focused = focus.get(span.start).copied().unwrap_or(false);
            let at = HitSpan {
                start: span.start,
                end: span.end,
                unbroken: self.data.cue_patterns.is_unbroken(cue, &span),
            };
            let entry = best_hit.entry(cue).or_insert(HitState {
                negated,
                hypothetical,
                focused,
                at,
            });
            if !negated && !hypothetical {
                let keep = if entry.negated || entry.hypothetical {
                    at
                } else {
                    entry.at
                };
                *entry = HitState {
                    negated: false,
                    hypothetical: false,
                    focused: entry.focused || focused,
                    at: keep,
                };
            }
        }
        let mut hits: Vec<(usize, HitState)> = best_hit.into_iter().collect();
        hits.sort_unstable_by_key(|h| h.0);
        hits
    }

    /// Weighing: what each cue hit counts for its topic ([`Matcher::counted_weight`]), with a
    /// monitoring cue about one's own child taken as a parenting question; then the age rule,
    /// which makes minors urgent. Also says which urgent topics the cues fired, touched or denied.
    fn weigh_cues(
        &self,
        hits: &[(usize, HitState)],
        toks: &[Token],
        explain: &mut Option<&mut Analysis>,
    ) -> (CueWeights, UrgentCues) {
        let sc = &self.data.scoring;
        let mut cue_weights: CueWeights = HashMap::new();
        let mut urgent = UrgentCues::default();

        let age = rules::minor_age(&self.data.rules, &self.data.negators, toks);
        let child_only = age.child_context
            && !toks
                .iter()
                .any(|t| self.data.rules.partner.contains(&t.term));

        for (cue, hit) in hits {
            let c = &self.data.cues[*cue];
            let topic = self.cue_topic[*cue];
            let mut class = c.class;
            if class == CueClass::Urgent && child_only && c.topic == topics::MONITORING {
                // Watching one's own child is a parenting question, not stalkerware.
                note(explain, || {
                    "monitoring cue about a child: treated as a parenting question".to_owned()
                });
                class = CueClass::Cue;
            }
            let (counted, state) = self.counted_weight(*cue, class, hit);
            if class == CueClass::Urgent {
                if hit.negated || hit.hypothetical {
                    urgent.touched.push(topic);
                    if hit.negated {
                        urgent.denied.push(topic);
                    }
                } else {
                    urgent.fired.push(topic);
                }
            }
            cue_weights
                .entry(topic)
                .or_default()
                .push((counted, Some(hit.at)));
            if let Some(a) = explain.as_deref_mut() {
                a.hits.push(CueHit {
                    topic: c.topic.clone(),
                    cue: c.text.clone(),
                    class,
                    weight: counted,
                    note: state.to_owned(),
                });
            }
        }
        if let Some(minors) = self.by_id.get(topics::MINORS).copied()
            && let Some(reason) = &age.fired
        {
            note(explain, || {
                format!("age rule: {reason} -> minors is urgent")
            });
            urgent.fired.push(minors);
            cue_weights
                .entry(minors)
                .or_default()
                .push((sc.urgent_weight, None));
        }
        (cue_weights, urgent)
    }

    /// What one hit of `cue`, read as `class`, counts for its topic, and its note for `explain`:
    /// "negated", "hypothetical" or empty.
    fn counted_weight(&self, cue: usize, class: CueClass, hit: &HitState) -> (f32, &'static str) {
        let sc = &self.data.scoring;
        let c = &self.data.cues[cue];
        let weight = match class {
            CueClass::Urgent => sc.urgent_weight,
            CueClass::Frame => sc.frame_weight,
            CueClass::Strong if c.topic == topics::OUT_OF_SCOPE => sc.out_of_scope_weight,
            CueClass::Strong => sc.strong_weight,
            CueClass::Cue => sc.cue_weight,
        } * if hit.focused { sc.focus_boost } else { 1.0 };
        // Negation and hypotheticals only disarm urgency ("he never threatened me" must not
        // trigger sextortion); an ordinary cue still says what the message is about ("i
        // don't want to send" is about pressure either way).
        // For the urgency-ordered topics a negated strong cue ("never threatened") is weak
        // evidence too: their strong cues name incidents, and a denied incident is not one.
        let urgent_topic = self.topics[self.cue_topic[cue]].urgency.is_some();
        match (class, hit.negated, hit.hypothetical) {
            (CueClass::Urgent, true, _) => (sc.cue_weight, "negated"),
            (CueClass::Strong, true, _) if urgent_topic => (sc.cue_weight, "negated"),
            (CueClass::Urgent, false, true) => (sc.strong_weight, "hypothetical"),
            _ => (weight, ""),
        }
    }

    /// Cue scores: each topic's counted weights ([`Matcher::drop_covered`], then
    /// [`diminishing_sum`]).
    fn cue_scores(
        &self,
        mut cue_weights: CueWeights,
        explain: &mut Option<&mut Analysis>,
    ) -> HashMap<usize, f32> {
        self.drop_covered(&mut cue_weights, explain);
        cue_weights
            .into_iter()
            .map(|(t, ws)| (t, diminishing_sum(ws)))
            .collect()
    }

    /// The longer phrase is the more specific reading: a cue whose words lie inside a longer cue
    /// of another topic, which weighs at least as much, does not count ("risk" inside "lower the
    /// risk", "law" inside "teens legally"). Only a cue matched word for word covers its span:
    /// the words a `*` skipped are not the longer cue's. Topics left with no weight are dropped.
    fn drop_covered(&self, cue_weights: &mut CueWeights, explain: &mut Option<&mut Analysis>) {
        let all_hits: Vec<(usize, f32, HitSpan)> = cue_weights
            .iter()
            .flat_map(|(&t, ws)| {
                ws.iter()
                    .filter_map(move |&(w, at)| at.map(|at| (t, w, at)))
            })
            .collect();
        let mut covered: Vec<usize> = Vec::new();
        for (&t, ws) in cue_weights.iter_mut() {
            ws.retain(|&(w, r)| {
                let inside = r.is_some_and(|r| {
                    all_hits.iter().any(|&(t2, w2, r2)| {
                        t2 != t
                            && r2.unbroken
                            && r2.start <= r.start
                            && r.end <= r2.end
                            && r2.end - r2.start > r.end - r.start
                            && w2 >= w
                    })
                });
                if inside {
                    covered.push(t);
                }
                !inside
            });
        }
        covered.sort_unstable();
        covered.dedup();
        for t in covered {
            note(explain, || {
                format!(
                    "a {} cue lies inside a longer cue of another topic: not counted",
                    self.topics[t].id
                )
            });
        }
        cue_weights.retain(|_, ws| !ws.is_empty());
    }

    /// Neighbours: how similar the message is to the topics' examples (all but `exclude`), as
    /// each topic's three best similarities, best first.
    fn neighbours(
        &self,
        toks: &[Token],
        focus: &[bool],
        exclude: Option<usize>,
        explain: &mut Option<&mut Analysis>,
    ) -> HashMap<usize, [f32; 3]> {
        let sc = &self.data.scoring;
        let query = index::features(toks, &self.data.stopwords, focus, sc.focus_boost);
        let sims = self.index.similarities(&query, exclude);
        let mut per_topic: HashMap<usize, [f32; 3]> = HashMap::new();
        for (&doc, &s) in &sims {
            let t = self.index.docs[doc as usize].topic;
            let top = per_topic.entry(t).or_insert([0.0; 3]);
            if s > top[2] {
                top[2] = s;
                top.sort_by(|a, b| b.total_cmp(a));
            }
        }
        if let Some(a) = explain.as_deref_mut() {
            let mut ns: Vec<(u32, f32)> = sims.iter().map(|(d, s)| (*d, *s)).collect();
            ns.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            a.neighbours = ns
                .into_iter()
                .take(5)
                .map(|(d, s)| {
                    let r = self.index.docs[d as usize];
                    NeighbourScore {
                        topic: self.topics[r.topic].id.clone(),
                        example: r.example,
                        similarity: s,
                    }
                })
                .collect();
        }
        per_topic
    }

    /// Scores: every topic with a cue score or a neighbour, with its cue score, its neighbour
    /// score ([`neighbour_score`]) and their total, best total first.
    fn score(
        &self,
        cue_score: &HashMap<usize, f32>,
        per_topic: &HashMap<usize, [f32; 3]>,
        toks: &[Token],
        explain: &mut Option<&mut Analysis>,
    ) -> Vec<Scored> {
        let sc = &self.data.scoring;
        let n = self.topics.len();
        // Greetings, thanks and menu requests are what short messages are; inside a longer
        // message a "hi" or "thanks" is politeness around the real question.
        let content_words = toks
            .iter()
            .filter(|t| !self.data.stopwords.contains(&t.term))
            .count();
        let long = content_words > sc.short_words;
        let scored_topic = |topic: usize, cues: f32, neighbours: f32| {
            let t = cues + sc.neighbour_weight * neighbours;
            let total = if long && self.data.short_only.contains(&self.topics[topic].id) {
                t * sc.long_message_factor
            } else {
                t
            };
            Scored {
                topic,
                cues,
                neighbours,
                total,
            }
        };
        let mut scored: Vec<Scored> = Vec::new();
        let mut seen: HashSet<usize> = HashSet::new();
        for (&t, &c) in cue_score {
            seen.insert(t);
            let knn = per_topic.get(&t).map(neighbour_score).unwrap_or(0.0);
            scored.push(scored_topic(t, c, knn));
        }
        for (&t, top) in per_topic {
            if seen.insert(t) {
                scored.push(scored_topic(t, 0.0, neighbour_score(top)));
            }
        }
        scored.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.topic.cmp(&b.topic)));
        debug_assert!(scored.iter().all(|s| s.topic < n));
        if let Some(a) = explain.as_deref_mut() {
            a.scores = scored
                .iter()
                .take(6)
                .map(|s| TopicScore {
                    topic: self.topics[s.topic].id.clone(),
                    cues: s.cues,
                    neighbours: s.neighbours,
                    total: s.total,
                })
                .collect();
        }
        scored
    }

    /// The learned model's reading: its prediction, and who is asking ([`Audience::Myself`]
    /// without a model). Left out for the leave-one-out check (`exclude`): the model was trained
    /// on the very examples that check holds out.
    fn read_model(
        &self,
        text: &str,
        exclude: Option<usize>,
        toks: &[Token],
        explain: &mut Option<&mut Analysis>,
    ) -> (Option<learned::Prediction>, Audience) {
        let sc = &self.data.scoring;
        let prediction = match (&self.model, exclude) {
            (Some(model), None) => Some(model.predict(text)),
            _ => None,
        };
        let mut audience = prediction
            .as_ref()
            .map(|p| p.audience(sc.model_audience_probability))
            .unwrap_or_default();
        // "My friend says she wants to end it all": the words are the friend's, and the model
        // reads them as the writer's; a helper frame lowers the bar for the helper audience.
        if let Some(p) = &prediction
            && audience == Audience::Myself
            && p.audiences[Audience::Helper as usize] >= sc.model_helper_frame_probability
            && !self.data.rules.helper.find_all(toks).is_empty()
        {
            note(explain, || {
                format!(
                    "helper frame: helper at {:.2}, over {:.2}",
                    p.audiences[Audience::Helper as usize],
                    sc.model_helper_frame_probability
                )
            });
            audience = Audience::Helper;
        }
        if let Some(pred) = &prediction {
            self.note_model(pred, text, explain.as_deref_mut());
        }
        (prediction, audience)
    }

    /// The urgency rules: an urgent topic the model is sure enough of joins the ones the cues
    /// fired, and `fired` is put in the urgency order. Returns the urgent topics whose cue the
    /// message denies and that the model is not sure enough of to overrule the denial.
    fn urgency(
        &self,
        prediction: Option<&learned::Prediction>,
        urgent: &mut UrgentCues,
        explain: &mut Option<&mut Analysis>,
    ) -> Vec<usize> {
        let sc = &self.data.scoring;
        let mut suppressed: Vec<usize> = Vec::new();
        if let Some(pred) = prediction {
            // Recall first: an urgent topic the model finds likely joins the urgent cues, and the
            // urgency order picks among them ("angry when I don't send" is a pressure cue, but
            // "he'll post them if I leave" in the same message makes it sextortion).
            // Only the model's two best topics: a third-placed urgent topic at the threshold is
            // a model unsure between other readings, and escalating it answered adults asking
            // about the law with the text written for under-18s.
            let top_two: Vec<usize> = pred.ranked().into_iter().take(2).collect();
            // The most urgent rank among crisis, sextortion and minors (the first three of
            // URGENCY) that a cue or rule fired.
            let cue_rank = urgent
                .fired
                .iter()
                .filter_map(|&t| self.topics[t].urgency)
                .filter(|&r| r < topics::MOST_URGENT)
                .min();
            // A topic whose urgent cue the message denies ("not suicidal") needs the model to
            // be nearly sure: the words the denial names are what the model reads most.
            for (c, &t) in self.model_topic.iter().enumerate() {
                if self.topics[t].urgency.is_none() || urgent.fired.contains(&t) {
                    continue;
                }
                let id = &self.topics[t].id;
                let mut threshold = sc
                    .model_urgent_by_topic
                    .get(id)
                    .copied()
                    .unwrap_or(sc.model_urgent_probability);
                let is_denied = urgent.denied.contains(&t);
                if is_denied {
                    threshold = threshold.max(sc.model_denied_urgent_probability);
                }
                if cue_rank.is_some_and(|r| self.topics[t].urgency.is_some_and(|u| u < r)) {
                    threshold = threshold.max(sc.model_over_urgent_cue_probability);
                }
                if is_denied && pred.topics[c] < threshold {
                    // Nor may the same words win it the combined score below.
                    note(explain, || {
                        format!(
                            "model: {id} at {:.2}, under {threshold:.2} for a denied cue: not counted",
                            pred.topics[c]
                        )
                    });
                    suppressed.push(t);
                    continue;
                }
                if pred.topics[c] >= threshold && top_two.contains(&c) {
                    note(explain, || {
                        format!(
                            "model: {id} at {:.2}, over its urgent threshold {threshold:.2}: urgent",
                            pred.topics[c]
                        )
                    });
                    urgent.fired.push(t);
                }
            }
        }
        urgent.fired.sort_by_key(|&t| (self.urgency_rank(t), t));
        urgent.fired.dedup();
        suppressed
    }

    /// Where a topic stands in the urgency order; topics outside it come after all of them.
    fn urgency_rank(&self, topic: usize) -> usize {
        self.topics[topic].urgency.unwrap_or(usize::MAX)
    }

    /// The final choice: a fired urgent topic wins, the first in the urgency order; otherwise the
    /// learned model and the scores decide together ([`Matcher::decide_with_model`]), or without
    /// a model the scores alone ([`Matcher::choose_by_score`]).
    fn choose(
        &self,
        c: &Choice,
        prediction: Option<&learned::Prediction>,
        suppressed: &[usize],
        toks: &[Token],
        mut explain: Option<&mut Analysis>,
    ) -> Outcome {
        if let Some(&winner) = c.fired.first() {
            if c.fired.len() > 1 {
                note(&mut explain, || {
                    let names: Vec<&str> = c
                        .fired
                        .iter()
                        .map(|&t| self.topics[t].id.as_str())
                        .collect();
                    format!(
                        "urgency order among {}: {} wins",
                        names.join(", "),
                        self.topics[winner].id
                    )
                });
            } else {
                note(&mut explain, || {
                    format!("urgent cue: {} wins", self.topics[winner].id)
                });
            }
            return self.answer(c, winner, &mut explain);
        }
        if let Some(pred) = prediction {
            let mut pred = pred.clone();
            for (i, t) in self.model_topic.iter().enumerate() {
                if suppressed.contains(t) {
                    pred.topics[i] = 0.0;
                }
            }
            return self.decide_with_model(&pred, c, explain);
        }
        self.choose_by_score(c, toks, explain)
    }

    /// The decision by the cue and neighbour scores alone (no model, nothing urgent fired): out
    /// of scope when the best score is the out-of-scope topic or too weak, a "which one" menu
    /// when the runner-up is too close (unless an urgent candidate has cue evidence), else the
    /// best score.
    fn choose_by_score(
        &self,
        c: &Choice,
        toks: &[Token],
        mut explain: Option<&mut Analysis>,
    ) -> Outcome {
        let sc = &self.data.scoring;
        let scored = &c.scored;
        let Some(best) = scored.first().copied() else {
            note(&mut explain, || {
                "no cue and no similar example: out of scope".to_owned()
            });
            return Outcome::OutOfScope;
        };
        let best_total = best.total;
        if Some(best.topic) == self.out_of_scope {
            note(&mut explain, || {
                "the out-of-scope examples and cues fit best".to_owned()
            });
            return Outcome::OutOfScope;
        }
        if best_total < sc.min_score {
            note(&mut explain, || {
                format!(
                    "best score {best_total:.2} is under min_score {:.2}: out of scope",
                    sc.min_score
                )
            });
            return Outcome::OutOfScope;
        }
        let has_domain = toks.iter().any(|t| self.data.domain.contains(&t.term));
        if !has_domain && best.cues == 0.0 && best_total < sc.no_domain_min_score {
            note(&mut explain, || {
                format!(
                    "no domain word, no cue, and best score {best_total:.2} under no_domain_min_score {:.2}: out of scope",
                    sc.no_domain_min_score
                )
            });
            return Outcome::OutOfScope;
        }
        let close: Vec<usize> = scored
            .iter()
            .skip(1)
            .filter(|s| {
                Some(s.topic) != self.out_of_scope && s.total >= sc.ambiguity_ratio * best_total
            })
            .take(2)
            .map(|s| s.topic)
            .collect();
        // Never "did you mean" to someone who may be in danger: an urgent candidate with cue
        // evidence of its own is answered (the others are offered after it).
        let urgent_candidate = scored
            .iter()
            .filter(|s| s.topic == best.topic || close.contains(&s.topic))
            .filter(|s| self.topics[s.topic].urgency.is_some() && s.cues > 0.0)
            .map(|s| s.topic)
            .min_by_key(|&t| (self.urgency_rank(t), t));
        if let (false, Some(urgent)) = (close.is_empty(), urgent_candidate) {
            note(&mut explain, || {
                format!(
                    "close call with an urgent topic: {} wins",
                    self.topics[urgent].id
                )
            });
            return self.answer(c, urgent, &mut explain);
        }
        if !close.is_empty() {
            note(&mut explain, || {
                format!(
                    "runner-up within ambiguity_ratio {:.2} of the best: ask which one",
                    sc.ambiguity_ratio
                )
            });
            let options: Vec<usize> = std::iter::once(best.topic).chain(close).collect();
            return self.ask_which(&options, c, explain);
        }
        note(&mut explain, || {
            format!("best score: {}", self.topics[best.topic].id)
        });
        self.answer(c, best.topic, &mut explain)
    }

    /// The "also" list: other urgent topics first, then other well-scored topics with cue
    /// evidence of their own (neighbour similarity alone is too loose to offer as a topic).
    fn also_for(&self, c: &Choice, winner: usize) -> Vec<String> {
        let sc = &self.data.scoring;
        let top_total = c.scored.first().map(|s| s.total).unwrap_or(0.0);
        let mut out: Vec<usize> = Vec::new();
        let mut urgent_touched: Vec<usize> = c.fired.iter().chain(&c.touched).copied().collect();
        urgent_touched.sort_by_key(|&t| (self.urgency_rank(t), t));
        for t in urgent_touched {
            if t != winner && !out.contains(&t) {
                out.push(t);
            }
        }
        for s in &c.scored {
            if s.topic != winner
                && Some(s.topic) != self.out_of_scope
                && s.cues > 0.0
                && s.total >= sc.also_ratio * top_total
                && !out.contains(&s.topic)
            {
                out.push(s.topic);
            }
        }
        out.truncate(MAX_ALSO);
        out.into_iter().map(|t| self.topics[t].id.clone()).collect()
    }

    /// The topic that answers for `winner` given who is asking. A parent or carer asking about
    /// their child gets the answer written for parents, with the minors topic offered first,
    /// never the text written to a teenager. Someone under 18 never gets an adult-only answer
    /// (safer sexting tips): the minors answer is written for them.
    fn route(&self, audience: Audience, winner: usize) -> usize {
        let parents = self.by_id.get(topics::PARENTS).copied();
        let minors = self.by_id.get(topics::MINORS).copied();
        match (parents, minors) {
            (Some(p), _)
                if audience == Audience::Parent && self.topics[winner].id == topics::MINORS =>
            {
                p
            }
            (_, Some(m)) if audience == Audience::Under18 && self.topics[winner].adult_only => m,
            _ => winner,
        }
    }

    /// The answer when `winner` wins: routed ([`Matcher::route`]), with the other topics to offer
    /// ([`Matcher::also_for`]); the routed-away winner is offered first.
    fn answer(&self, c: &Choice, winner: usize, explain: &mut Option<&mut Analysis>) -> Outcome {
        let audience = c.audience;
        let minors = self.by_id.get(topics::MINORS).copied();
        let routed = self.route(audience, winner);
        let mut also = self.also_for(c, routed);
        if routed != winner {
            note(explain, || {
                format!(
                    "{}: {} instead of {}",
                    if audience == Audience::Under18 {
                        "under 18"
                    } else {
                        "a parent asking"
                    },
                    self.topics[routed].id,
                    self.topics[winner].id
                )
            });
            also.retain(|t| *t != self.topics[winner].id);
            also.insert(0, self.topics[winner].id.clone());
        }
        // Nothing adult-only is offered to someone under 18, or next to the minors answer.
        if audience == Audience::Under18 || Some(routed) == minors {
            also.retain(|t| {
                self.by_id
                    .get(t)
                    .is_none_or(|&i| !self.topics[i].adult_only)
            });
        }
        also.truncate(MAX_ALSO);
        Outcome::Topic {
            id: self.topics[routed].id.clone(),
            also,
            audience,
        }
    }

    /// What the model says, for `explain`: its best topics, the audience and the features that
    /// pushed hardest towards its best topic.
    fn note_model(&self, pred: &learned::Prediction, text: &str, explain: Option<&mut Analysis>) {
        let (Some(a), Some(model)) = (explain, &self.model) else {
            return;
        };
        let ranked = pred.ranked();
        a.model = ranked
            .iter()
            .take(5)
            .map(|&c| ModelScore {
                topic: self.topics[self.model_topic[c]].id.clone(),
                probability: pred.topics[c],
                combined: 0.0,
            })
            .collect();
        a.audience = Some(pred.audience(self.data.scoring.model_audience_probability));
        a.audiences = Audience::ALL
            .iter()
            .zip(&pred.audiences)
            .map(|(a, p)| (a.id().to_owned(), *p))
            .collect();
        if let Some(&best) = ranked.first() {
            a.features = model.strongest_features(text, best, 8);
        }
    }

    /// The "which is closest" menu; for someone under 18 an adult-only option becomes the
    /// minors topic, and if one option is left it is the answer.
    fn ask_which(
        &self,
        options: &[usize],
        c: &Choice,
        mut explain: Option<&mut Analysis>,
    ) -> Outcome {
        let audience = c.audience;
        let minors = self.by_id.get(topics::MINORS).copied();
        let mut kept: Vec<usize> = Vec::new();
        for &t in options {
            let t = match minors {
                Some(m) if audience == Audience::Under18 && self.topics[t].adult_only => m,
                _ => t,
            };
            if !kept.contains(&t) {
                kept.push(t);
            }
        }
        if let [only] = kept[..] {
            note(&mut explain, || {
                format!("under 18: {} is the one option left", self.topics[only].id)
            });
            return self.answer(c, only, &mut explain);
        }
        Outcome::Ambiguous {
            options: kept.iter().map(|&t| self.topics[t].id.clone()).collect(),
        }
    }

    /// The decision when the learned model is in use and nothing urgent fired: the combined
    /// score of the model and the cue/neighbour scorer decides, with the same out-of-scope and
    /// ambiguity moves.
    fn decide_with_model(
        &self,
        pred: &learned::Prediction,
        c: &Choice,
        mut explain: Option<&mut Analysis>,
    ) -> Outcome {
        let scored = &c.scored;
        let sc = &self.data.scoring;
        let n = self.topics.len();
        let mut p = vec![0.0f32; n];
        for (c, &t) in self.model_topic.iter().enumerate() {
            p[t] = pred.topics[c];
        }
        let top_total = scored
            .first()
            .map(|s| s.total)
            .unwrap_or(0.0)
            .max(sc.min_score);
        let mut old = vec![0.0f32; n];
        for s in scored {
            old[s.topic] = (s.total / top_total).min(1.0);
        }
        let combined: Vec<f32> = (0..n)
            .map(|t| sc.model_weight * p[t] + (1.0 - sc.model_weight) * old[t])
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| combined[b].total_cmp(&combined[a]).then(a.cmp(&b)));
        if let Some(a) = explain.as_deref_mut() {
            for m in &mut a.model {
                if let Some(&t) = self.by_id.get(&m.topic) {
                    m.combined = combined[t];
                }
            }
        }
        let best = order[0];
        if Some(best) == self.out_of_scope {
            note(&mut explain, || "model: out of scope fits best".to_owned());
            return Outcome::OutOfScope;
        }
        let cue_for_best = scored.iter().any(|s| s.topic == best && s.cues > 0.0);
        if combined[best] < sc.model_min_score && !cue_for_best {
            note(&mut explain, || {
                format!(
                    "model: best combined score {:.2} under model_min_score {:.2}, no cue: out of scope",
                    combined[best], sc.model_min_score
                )
            });
            return Outcome::OutOfScope;
        }
        let close: Vec<usize> = order[1..]
            .iter()
            .copied()
            .filter(|&t| {
                Some(t) != self.out_of_scope
                    && combined[t] >= sc.model_ambiguity_ratio * combined[best]
            })
            .take(2)
            .collect();
        if !close.is_empty() {
            let urgent_candidate = std::iter::once(best)
                .chain(close.iter().copied())
                .filter(|&t| self.topics[t].urgency.is_some())
                .min_by_key(|&t| (self.urgency_rank(t), t));
            if let Some(u) = urgent_candidate {
                note(&mut explain, || {
                    format!(
                        "close call with an urgent topic: {} wins",
                        self.topics[u].id
                    )
                });
                return self.answer(c, u, &mut explain);
            }
            note(&mut explain, || {
                format!(
                    "model: runner-up within model_ambiguity_ratio {:.2} of the best: ask which one",
                    sc.model_ambiguity_ratio
                )
            });
            let options: Vec<usize> = std::iter::once(best).chain(close).collect();
            return self.ask_which(&options, c, explain);
        }
        note(&mut explain, || {
            format!("model: best combined score: {}", self.topics[best].id)
        });
        self.answer(c, best, &mut explain)
    }

    /// A message that is only a menu number or a keyword ("3", " Blackmail ").
    fn menu_pick(&self, text: &str) -> Option<String> {
        if text.len() > 64 {
            return None;
        }
        let s = squash(text);
        let s = s.trim_matches(|c: char| !c.is_alphanumeric());
        if s.is_empty() {
            return None;
        }
        if s.chars().all(|c| c.is_ascii_digit()) {
            let n: u32 = s.parse().ok()?;
            return self
                .topics
                .iter()
                .find(|t| t.number == n)
                .map(|t| t.id.clone());
        }
        self.topics
            .iter()
            .find(|t| !t.keyword.is_empty() && t.keyword == s)
            .map(|t| t.id.clone())
    }
}

/// Lower-case with all whitespace removed: how menu picks are compared.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One topic's cue score from its counted weights. Cues that match exactly the same words
/// ("spy" and "spying", "drinks" and "drinking" both folding to one stem) are one piece of
/// evidence: only the strongest counts. Further cues count half as much as the one before, so
/// overlapping cues ("encrypt", "encrypted backup") do not stack up either.
fn diminishing_sum(mut ws: Vec<(f32, Option<HitSpan>)>) -> f32 {
    ws.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<(f32, Option<HitSpan>)> = Vec::with_capacity(ws.len());
    for (w, r) in ws {
        let overlaps = r.is_some_and(|r| {
            kept.iter()
                .any(|k| k.1.is_some_and(|k| (k.start, k.end) == (r.start, r.end)))
        });
        if !overlaps {
            kept.push((w, r));
        }
    }
    kept.iter()
        .zip(0..)
        .map(|((w, _), i)| w * 0.5f32.powi(i))
        .sum()
}

fn neighbour_score(top: &[f32; 3]) -> f32 {
    let sum: f32 = NEIGHBOUR_WEIGHTS.iter().sum();
    top.iter()
        .zip(NEIGHBOUR_WEIGHTS)
        .map(|(s, w)| s * w)
        .sum::<f32>()
        / sum
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

fn note(explain: &mut Option<&mut Analysis>, line: impl FnOnce() -> String) {
    if let Some(a) = explain.as_deref_mut() {
        a.rules.push(line());
    }
}
