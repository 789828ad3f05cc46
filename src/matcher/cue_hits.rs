//! The cue stages of the decision: finding the curated cue phrases in a message (each hit
//! negated, hypothetical or in focus), weighing the hits per topic (cue classes, a monitoring cue
//! about one's own child, the age rule) and summing them into one cue score per topic (a cue inside
//! a longer cue of another topic dropped, further cues of a topic counting less).

use std::collections::HashMap;

use super::{Analysis, CueClass, CueHit, Matcher, normalize::Token, note, rules, topics};

/// Where a cue hit lies: the token range, and whether the cue matched it word for word (no
/// words skipped by a `*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct HitSpan {
    start: usize,
    end: usize,
    unbroken: bool,
}

/// The best hit of one cue.
#[derive(Debug, Clone, Copy)]
pub(super) struct HitState {
    /// A negator before it (unless a hedge is next to it) or a retraction after it denies it.
    negated: bool,
    /// It follows a hypothetical frame in its sentence.
    hypothetical: bool,
    /// It lies in the focus part of a long message.
    focused: bool,
    /// Where it lies.
    at: HitSpan,
}

impl HitState {
    /// Neither denied nor only supposed.
    pub(super) fn is_plain(&self) -> bool {
        !self.negated && !self.hypothetical
    }
}

/// Weight and place of each topic's counted cue hits (no place: the age rule).
pub(super) type CueWeights = HashMap<usize, Vec<(f32, Option<HitSpan>)>>;

/// The urgent topics as the cue hits and the age rule leave them.
#[derive(Debug, Default)]
pub(super) struct UrgentCues {
    /// Topics an urgent cue or the age rule fired.
    pub(super) fired: Vec<usize>,
    /// Topics whose urgent cue the message denies or only supposes, and minors when the model
    /// overruled the age rule alone: offered, never answered for that cue alone.
    pub(super) touched: Vec<usize>,
    /// Topics whose urgent cue the message denies or takes back.
    pub(super) denied: Vec<usize>,
    /// The writer says they are under 18 and names no child of theirs: the audience is under-18
    /// unless the model reads a parent or a helper.
    pub(super) speaker_minor: bool,
    /// `minors` is urgent by the age rule alone (no minors cue of its own), on a reading that
    /// is not firm (see [`super::rules::AgeFinding::firm`]): the model may overrule it.
    pub(super) age_rule_only: bool,
    /// `minors` is urgent by the age rule alone (no minors cue of its own), on any reading: the
    /// age says who is asking, so a threat or a danger the model finds in the same message
    /// outranks it more easily than it outranks a cue ("im 15 and he says he'll post them").
    pub(super) minors_by_age_alone: bool,
    /// The message names something intimate (`rules.intimate_words`: a nude, a sext, a body
    /// part), denied or not. A photo or a video alone is not: a landlord's photos of the
    /// damage are photos too.
    pub(super) intimate: bool,
    /// The model overruled the age rule alone: its weight no longer counts for `minors`.
    pub(super) age_overruled: bool,
    /// Hits of cues urgent only beside another urgent topic, weighed by
    /// [`Matcher::weigh_beside`] once the model has had its say on the age rule.
    pub(super) beside: Vec<(usize, HitState)>,
    /// `minors` is urgent by the writer's age alone, with no picture, sexting or legal word
    /// (see [`super::rules::AgeFinding::bare`]): it says who is asking, not whose picture.
    pub(super) bare_age: bool,
    /// The topic of each cue urgent unless an everyday idiom ([`CueClass::UrgentOrIdiom`]) whose
    /// best hit is clean, once per cue, like its entry in `fired`: the urgency stage takes these
    /// entries back when the model is sure the message is about something else.
    pub(super) idiom: Vec<usize>,
}

impl Matcher {
    /// Cue hits: finds the cue phrases in the message and keeps the best hit of each cue (a clean
    /// hit beats a negated or hypothetical one), sorted by cue. A negator shortly before a hit, or
    /// a retraction shortly after it, denies it; a hypothetical frame ("what if") earlier in its
    /// sentence makes it hypothetical.
    pub(super) fn cue_hits(&self, toks: &[Token], focus: &[bool]) -> Vec<(usize, HitState)> {
        let hyp_ends: Vec<(u32, usize)> = self
            .data
            .hypothetical
            .find_all(toks)
            .into_iter()
            .map(|(_, s)| (toks[s.start].sentence, s.end))
            .collect();
        let starts = |set: &super::cues::PatternSet| -> Vec<usize> {
            set.find_all(toks)
                .into_iter()
                .map(|(_, s)| s.start)
                .collect()
        };
        let retraction_starts = starts(&self.data.retractions);
        let hedge_starts = starts(&self.data.hedges);
        let mut best_hit: HashMap<usize, HitState> = HashMap::new();
        for (cue, span) in self.data.cue_patterns.find_all(toks) {
            let sentence = toks[span.start].sentence;
            // A negator up to three words before, in the same clause (the cue's own first word
            // can open a new one: "nobody finds it after im gone") and not followed by a
            // word that says it goes on ("cant stop cutting myself"), or a retraction starting
            // up to three words after ("kill me (not literally)"), denies the cue.
            // A hedge between the negator and two words after the cue makes the denial a
            // half-denial, which does not disarm it ("not threatening exactly").
            let from = span.start.saturating_sub(3);
            let by_negator = toks[from..span.start].iter().enumerate().any(|(i, t)| {
                t.sentence == sentence
                    && self.data.negators.contains(&t.term)
                    && !toks[from + i + 1..span.start].iter().any(|u| {
                        self.data.clause_starts.contains(&u.term)
                            || self.data.continuers.contains(&u.term)
                    })
                    && !toks[from + i + 1..=span.start]
                        .iter()
                        .any(|u| self.data.conjunctions.contains(&u.term))
            });
            let hedged = || {
                hedge_starts
                    .iter()
                    .any(|&h| (from..=span.end + 2).contains(&h) && toks[h].sentence == sentence)
            };
            let negated = (by_negator && !hedged())
                || retraction_starts
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
    pub(super) fn weigh_cues(
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
            let mut class = c.class;
            if class == CueClass::UrgentBeside {
                // Weighed once every other urgent topic is known ([`Matcher::weigh_beside`]).
                urgent.beside.push((*cue, *hit));
                continue;
            }
            if class.fires_urgency() && child_only && c.topic == topics::MONITORING {
                // Watching one's own child is a parenting question, not stalkerware.
                note(explain, || {
                    "monitoring cue about a child: treated as a parenting question".to_owned()
                });
                class = CueClass::Cue;
            }
            self.record_hit(*cue, class, hit, &mut cue_weights, &mut urgent, explain);
        }
        urgent.speaker_minor = age.speaker_minor;
        if age.grown_children {
            let age = self.data.rules.grown_children_age.unwrap_or_default();
            note(explain, || {
                format!(
                    "age rule: the writer is {age} or older, so their child is grown: not fired"
                )
            });
        }
        let rules = &self.data.rules;
        urgent.intimate = toks.iter().any(|t| rules.intimate.contains(&t.term));
        if let Some(minors) = self.by_id.get(topics::MINORS).copied()
            && let Some(reason) = &age.fired
        {
            note(explain, || {
                format!("age rule: {reason} -> minors is urgent")
            });
            urgent.minors_by_age_alone = !urgent.fired.contains(&minors);
            urgent.bare_age = urgent.minors_by_age_alone && age.bare;
            urgent.age_rule_only = !age.firm && urgent.minors_by_age_alone;
            urgent.fired.push(minors);
            cue_weights
                .entry(minors)
                .or_default()
                .push((sc.urgent_weight, None));
        }
        (cue_weights, urgent)
    }

    /// Cues urgent only beside another urgent topic ("if I die", asked by someone whose pictures
    /// are out or who is threatened): urgent beside crisis, sextortion, minors or
    /// non-consensual sharing that `cue_fired` (the urgent cues and the age rule) holds and that
    /// is still urgent after the model's say; otherwise ordinary evidence. Not beside an age
    /// rule the model overruled ("my photos go to my kids if I die"), the writer's age with no
    /// picture word ("im 15 and a kid told me to kys in fortnite"), a topic only the model made
    /// urgent, or monitoring and pressure, whose cues are everyday words too.
    pub(super) fn weigh_beside(
        &self,
        cue_fired: &[usize],
        cue_weights: &mut CueWeights,
        urgent: &mut UrgentCues,
        explain: &mut Option<&mut Analysis>,
    ) {
        if urgent.beside.is_empty() {
            return;
        }
        let minors = self.by_id.get(topics::MINORS).copied();
        let sharing = self.by_id.get(topics::NON_CONSENSUAL_SHARING).copied();
        let bare_age = urgent.bare_age;
        let counts = |t: usize| {
            let ranked = self.topics[t]
                .urgency
                .is_some_and(|r| r < topics::MOST_URGENT)
                || Some(t) == sharing;
            ranked && !(bare_age && Some(t) == minors) && cue_fired.contains(&t)
        };
        for (cue, hit) in std::mem::take(&mut urgent.beside) {
            let topic = self.cue_topic[cue];
            let others: Vec<&str> = urgent
                .fired
                .iter()
                .filter(|&&t| t != topic && counts(t))
                .map(|&t| self.topics[t].id.as_str())
                .collect();
            let id = &self.topics[topic].id;
            let class = if others.is_empty() {
                note(explain, || {
                    format!("{id} cue with no other urgent topic beside it: evidence")
                });
                CueClass::UrgentBeside
            } else {
                note(explain, || {
                    let state = if hit.is_plain() {
                        "urgent"
                    } else {
                        "urgent, but denied or only supposed"
                    };
                    format!("{id} cue beside {}: {state}", others.join(", "))
                });
                CueClass::Urgent
            };
            self.record_hit(cue, class, &hit, cue_weights, urgent, explain);
        }
        // The urgency order again, with what this added.
        self.sort_urgent(&mut urgent.fired);
    }

    /// Counts one hit of `cue`, read as `class`: its weight for its topic, the urgent topic it
    /// fires, touches or denies, and its line for `explain`.
    fn record_hit(
        &self,
        cue: usize,
        class: CueClass,
        hit: &HitState,
        cue_weights: &mut CueWeights,
        urgent: &mut UrgentCues,
        explain: &mut Option<&mut Analysis>,
    ) {
        let topic = self.cue_topic[cue];
        let (counted, state) = self.counted_weight(cue, class, hit);
        if class.fires_urgency() {
            if hit.negated || hit.hypothetical {
                urgent.touched.push(topic);
                if hit.negated {
                    urgent.denied.push(topic);
                }
            } else {
                urgent.fired.push(topic);
                if class == CueClass::UrgentOrIdiom {
                    urgent.idiom.push(topic);
                }
            }
        }
        cue_weights
            .entry(topic)
            .or_default()
            .push((counted, Some(hit.at)));
        if let Some(a) = explain.as_deref_mut() {
            let c = &self.data.cues[cue];
            a.hits.push(CueHit {
                topic: c.topic.clone(),
                cue: c.text.clone(),
                class,
                weight: counted,
                note: state.to_owned(),
            });
        }
    }

    /// What one hit of `cue`, read as `class`, counts for its topic, and its note for `explain`:
    /// "negated", "hypothetical" or empty.
    fn counted_weight(&self, cue: usize, class: CueClass, hit: &HitState) -> (f32, &'static str) {
        let sc = &self.data.scoring;
        let c = &self.data.cues[cue];
        let weight = match class {
            CueClass::Urgent | CueClass::UrgentOrIdiom => sc.urgent_weight,
            CueClass::Frame => sc.frame_weight,
            CueClass::Strong if c.topic == topics::OUT_OF_SCOPE => sc.out_of_scope_weight,
            CueClass::Strong => sc.strong_weight,
            CueClass::Cue | CueClass::UrgentBeside => sc.cue_weight,
        } * if hit.focused { sc.focus_boost } else { 1.0 };
        // Negation and hypotheticals only disarm urgency ("he never threatened me" must not
        // trigger sextortion); an ordinary cue still says what the message is about ("i
        // don't want to send" is about pressure either way).
        // For the urgency-ordered topics a negated strong cue ("never threatened") is weak
        // evidence too: their strong cues name incidents, and a denied incident is not one.
        let urgent_topic = self.topics[self.cue_topic[cue]].urgency.is_some();
        match (class, hit.negated, hit.hypothetical) {
            (_, true, _) if class.fires_urgency() => (sc.cue_weight, "negated"),
            (CueClass::Strong, true, _) if urgent_topic => (sc.cue_weight, "negated"),
            (_, false, true) if class.fires_urgency() => (sc.strong_weight, "hypothetical"),
            _ => (weight, ""),
        }
    }

    /// Cue scores: each topic's counted weights ([`Matcher::drop_covered`], then
    /// [`diminishing_sum`]).
    pub(super) fn cue_scores(
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
