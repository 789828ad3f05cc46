//! Why the matcher decided what it did, for `confidant ask --explain` and for curators.
//!
//! An [`Explanation`] holds the message's canonical tokens, so it is derived from message text:
//! show it to the person who typed the message or a curator testing phrases, never log it.

use std::fmt;

use serde::Serialize;

use super::{Audience, CueClass, Outcome};

/// The full reasoning behind one decision.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The decision, exactly as [`super::Matcher::classify`] returns it.
    pub outcome: Outcome,
    /// The message after folding (lexicon, typo repair, stemming, injection boilerplate removed).
    pub tokens: Vec<String>,
    /// Cue phrases from `_matcher.toml` that matched.
    pub cue_hits: Vec<CueHit>,
    /// The rules applied, in order, in words.
    pub rules: Vec<String>,
    /// Best-scoring topics, best first.
    pub scores: Vec<TopicScore>,
    /// Most similar topic examples, best first.
    pub neighbours: Vec<NeighbourScore>,
    /// The learned model's best topics, best combined score first (empty without a model).
    pub model: Vec<ModelScore>,
    /// The message's features that pushed hardest towards the model's best topic.
    pub features: Vec<(String, f32)>,
    /// Who the model thinks is asking.
    pub audience: Option<Audience>,
    /// The model's probability for each audience.
    pub audiences: Vec<(String, f32)>,
}

/// One topic as the learned model sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ModelScore {
    /// Topic id.
    pub topic: String,
    /// The model's probability.
    pub probability: f32,
    /// Combined with the cue and neighbour score.
    pub combined: f32,
}

/// One cue phrase that matched.
#[derive(Debug, Clone, Serialize)]
pub struct CueHit {
    /// Topic the cue belongs to.
    pub topic: String,
    /// The cue as written in `_matcher.toml`.
    pub cue: String,
    /// Its strength class.
    pub class: CueClass,
    /// What it added to the topic's score.
    pub weight: f32,
    /// "negated", "hypothetical" or empty.
    pub note: String,
}

/// One topic's score.
#[derive(Debug, Clone, Serialize)]
pub struct TopicScore {
    /// Topic id.
    pub topic: String,
    /// Sum of its cue weights.
    pub cues: f32,
    /// Weighted similarity of its best examples (0..1).
    pub neighbours: f32,
    /// `cues + neighbour_weight * neighbours`.
    pub total: f32,
}

/// One similar example.
#[derive(Debug, Clone, Serialize)]
pub struct NeighbourScore {
    /// Topic the example belongs to.
    pub topic: String,
    /// Index of the example in that topic's `examples`.
    pub example: usize,
    /// Cosine similarity to the message (0..1).
    pub similarity: f32,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Topic { id, also, .. } if also.is_empty() => {
                writeln!(f, "outcome: topic {id}")?
            }
            Outcome::Topic { id, also, .. } => {
                writeln!(f, "outcome: topic {id} (also: {})", also.join(", "))?
            }
            Outcome::MenuPick { id } => writeln!(f, "outcome: menu pick {id}")?,
            Outcome::Ambiguous { options } => {
                writeln!(f, "outcome: ambiguous between {}", options.join(", "))?
            }
            Outcome::OutOfScope => writeln!(f, "outcome: out of scope")?,
            Outcome::TooLong => writeln!(f, "outcome: too long")?,
        }
        if !self.tokens.is_empty() {
            writeln!(f, "tokens: {}", self.tokens.join(" "))?;
        }
        for r in &self.rules {
            writeln!(f, "rule: {r}")?;
        }
        for h in &self.cue_hits {
            let note = if h.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", h.note)
            };
            writeln!(
                f,
                "cue: {:<24} {:?} \"{}\" +{:.2}{note}",
                h.topic, h.class, h.cue, h.weight
            )?;
        }
        for s in &self.scores {
            writeln!(
                f,
                "score: {:<24} total {:>5.2} = cues {:.2} + neighbours {:.2}",
                s.topic, s.total, s.cues, s.neighbours
            )?;
        }
        if let Some(a) = self.audience {
            let all: Vec<String> = self
                .audiences
                .iter()
                .map(|(id, p)| format!("{id} {p:.2}"))
                .collect();
            writeln!(f, "audience: {} ({})", a.id(), all.join(", "))?;
        }
        for m in &self.model {
            writeln!(
                f,
                "model: {:<24} probability {:.2}, combined score {:.2}",
                m.topic, m.probability, m.combined
            )?;
        }
        if !self.features.is_empty() {
            let list: Vec<String> = self
                .features
                .iter()
                .map(|(name, w)| format!("{name} +{w:.2}"))
                .collect();
            writeln!(f, "strongest features: {}", list.join(", "))?;
        }
        for n in &self.neighbours {
            writeln!(
                f,
                "neighbour: {:<24} example #{} similarity {:.2}",
                n.topic, n.example, n.similarity
            )?;
        }
        Ok(())
    }
}
