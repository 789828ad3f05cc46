//! The last stage of the decision: the choice. A fired urgent topic wins by the urgency order;
//! otherwise the learned model and the scores together, or the scores alone, pick the winner, say
//! the message is out of scope, or ask which of two or three topics is meant (minors wins only
//! with a sign of someone under 18: a minors cue, or a teenager or a parent asking). The winner is routed
//! for who is asking (an under-18 never gets an adult-only topic; a parent reads the winner's part
//! for parents, with `parents` offered first) and comes with the other topics to offer (`also`).

use super::{
    Analysis, Audience, MAX_ALSO, Matcher, Outcome, decide::Scored, learned, normalize::Token,
    note, topics,
};

/// What the final choice works from.
#[derive(Debug)]
pub(super) struct Choice {
    /// The topics' scores, best total first.
    pub(super) scored: Vec<Scored>,
    /// Urgent topics fired by cues, the age rule or the model, in the urgency order.
    pub(super) fired: Vec<usize>,
    /// Urgent topics whose urgent cue the message denies or only supposes, and minors when the
    /// model overruled the age rule alone: offered, never answered for that.
    pub(super) touched: Vec<usize>,
    /// Topics whose question frame ("what are the signs", "is it legal to") the message uses,
    /// neither denied nor only supposed.
    pub(super) framed: Vec<usize>,
    /// Who seems to be asking.
    pub(super) audience: Audience,
    /// At most `model_short_words` words (see `model_short_ambiguity_ratio` and
    /// `model_short_sure_probability`).
    pub(super) short: bool,
}

impl Matcher {
    /// The final choice: a fired urgent topic wins, the first in the urgency order; otherwise the
    /// learned model and the scores decide together ([`Matcher::decide_with_model`]), or without
    /// a model the scores alone ([`Matcher::choose_by_score`]).
    pub(super) fn choose(
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

    /// The topic that answers for `winner` given who is asking: someone under 18 never gets an
    /// adult-only answer (safer sexting tips); the minors answer is written for them.
    fn route(&self, audience: Audience, winner: usize) -> usize {
        match self.by_id.get(topics::MINORS).copied() {
            Some(m) if audience == Audience::Under18 && self.topics[winner].adult_only => m,
            _ => winner,
        }
    }

    /// The answer when `winner` wins: routed ([`Matcher::route`]), with the other topics to offer
    /// ([`Matcher::also_for`]); the routed-away winner is offered first. A parent asking about
    /// a topic of [`topics::PARENTS_OFFERED_FIRST`] gets its part for parents, with `parents`
    /// offered first.
    fn answer(&self, c: &Choice, winner: usize, explain: &mut Option<&mut Analysis>) -> Outcome {
        let mut audience = c.audience;
        // The parents answer is for a parent or carer asking about their child (all but a few
        // dozen of the corpus's 2,000 parents messages): when it wins with the audience read as
        // the person themself, the reader is taken to be a parent ("my child is on WhatsApp all
        // the time", read by the model as an adult's own worry). A helper or a teenager the
        // model or the age rule recognised stays who they are. The parents answer has no part
        // for parents of its own, so this changes the audience the outcome carries (to replies,
        // follow-ups and `ask --json`), not the text.
        if audience == Audience::Myself && self.topics[winner].id == topics::PARENTS {
            note(explain, || {
                "the parents answer: a parent or carer asking".to_owned()
            });
            audience = Audience::Parent;
        }
        let minors = self.by_id.get(topics::MINORS).copied();
        let routed = self.route(audience, winner);
        let mut also = self.also_for(c, routed);
        let first = if routed != winner {
            note(explain, || {
                format!(
                    "under 18: {} instead of {}",
                    self.topics[routed].id, self.topics[winner].id
                )
            });
            Some(self.topics[winner].id.as_str())
        } else if audience == Audience::Parent
            && topics::PARENTS_OFFERED_FIRST.contains(&self.topics[winner].id.as_str())
            && self.by_id.contains_key(topics::PARENTS)
        {
            note(explain, || {
                format!(
                    "a parent asking: {}'s part for parents, parents offered first",
                    self.topics[winner].id
                )
            });
            Some(topics::PARENTS)
        } else {
            None
        };
        if let Some(first) = first {
            also.retain(|t| t != first);
            also.insert(0, first.to_owned());
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
        for (i, &t) in self.model_topic.iter().enumerate() {
            p[t] = pred.topics[i];
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
        // Minors is urgent because of who is in the pictures: it needs a sign of an under-18 (a
        // minors cue, or the model reading a teenager or a parent) to win, in a close call or
        // outright, or "the pics we sent" would get the answer written to a teenager. Without
        // one, the best topics are offered instead.
        let minors_shown = |t: usize| {
            self.topics[t].id != topics::MINORS
                || matches!(c.audience, Audience::Under18 | Audience::Parent)
                || c.scored.iter().any(|s| s.topic == t && s.cues > 0.0)
        };
        // The three best topics, out of scope left out: what to offer when asking back.
        let top_three = || -> Vec<usize> {
            order
                .iter()
                .copied()
                .filter(|&t| Some(t) != self.out_of_scope)
                .take(3)
                .collect()
        };
        if !minors_shown(best) {
            note(&mut explain, || {
                "model: minors fits best, but nothing says anyone is under 18: ask which one"
                    .to_owned()
            });
            return self.ask_which(&top_three(), c, explain);
        }
        // A word or two says little: ask back more readily than for a whole question.
        let ratio = if c.short {
            sc.model_short_ambiguity_ratio
        } else {
            sc.model_ambiguity_ratio
        };
        // A word or two with no cue for the model's best topic says as little as one with no
        // cue at all ("worried" is a warning-signs cue word, and the model reads parents).
        if c.short && !cue_for_best && p[best] < sc.model_short_sure_probability {
            note(&mut explain, || {
                format!(
                    "model: a word or two, no cue for it, and {} only at {:.2} (under model_short_sure_probability {:.2}): ask which one",
                    self.topics[best].id, p[best], sc.model_short_sure_probability
                )
            });
            return self.ask_which(&top_three(), c, explain);
        }
        let close: Vec<usize> = order[1..]
            .iter()
            .copied()
            .filter(|&t| Some(t) != self.out_of_scope && combined[t] >= ratio * combined[best])
            .take(2)
            .collect();
        if !close.is_empty() {
            let urgent_candidate = std::iter::once(best)
                .chain(close.iter().copied())
                .filter(|&t| self.topics[t].urgency.is_some() && minors_shown(t))
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
            let options: Vec<usize> = std::iter::once(best).chain(close).collect();
            // The shape of the question says which of the close topics is asked, when it names
            // exactly one of them: no need to ask back.
            let framed: Vec<usize> = options
                .iter()
                .copied()
                .filter(|t| c.framed.contains(t))
                .collect();
            if let [asked] = framed[..] {
                note(&mut explain, || {
                    format!(
                        "close call: the question's frame names {}",
                        self.topics[asked].id
                    )
                });
                return self.answer(c, asked, &mut explain);
            }
            note(&mut explain, || {
                format!(
                    "model: runner-up within {ratio:.2} of the best (model_{}ambiguity_ratio): ask which one",
                    if c.short { "short_" } else { "" }
                )
            });
            return self.ask_which(&options, c, explain);
        }
        note(&mut explain, || {
            format!("model: best combined score: {}", self.topics[best].id)
        });
        self.answer(c, best, &mut explain)
    }
}
