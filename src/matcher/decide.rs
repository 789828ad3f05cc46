//! The decision stage by stage ([`Matcher::decide`]), and the stages that read and score the
//! message: the length limit and menu picks, tokens and focus, neighbour scores from the examples
//! and the topics' totals, the learned model's reading and the urgency rules. The cue stages are in
//! [`super::cue_hits`], the final choice in [`super::choose`].

use std::collections::{HashMap, HashSet};

use super::{
    Analysis, Audience, CueClass, MAX_INPUT_BYTES, Matcher, ModelScore, NeighbourScore, Outcome,
    TopicScore, choose::Choice, cue_hits::UrgentCues, focus_of, index, learned, normalize::Token,
    note, squash, strip_noise, topics,
};

/// Examples that count towards a topic's neighbour score, with their weights: the best match
/// counts most, but a topic whose examples agree beats one lucky look-alike.
const NEIGHBOUR_WEIGHTS: [f32; 3] = [1.0, 0.5, 0.25];

/// What the urgency rules need to know of the message beyond the cues: how much it says, and
/// whether anyone under 18 is in view.
#[derive(Debug, Clone, Copy)]
struct Asking {
    /// A word or two with no cue at all.
    vague: bool,
    /// A minors cue or the age rule fired, or the model reads a teenager or a parent asking.
    minor_in_view: bool,
}

/// One topic's evidence: its cue score, its neighbour score and the total they make.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scored {
    pub(super) topic: usize,
    pub(super) cues: f32,
    pub(super) neighbours: f32,
    /// `cues + neighbour_weight * neighbours`, times `long_message_factor` for a topic that is
    /// short-only in a long message.
    pub(super) total: f32,
}

impl Matcher {
    /// Decides what `text` is about, one stage after the other (see the module doc of
    /// [`super`]). `exclude` leaves one example out of the index, for the leave-one-out check;
    /// `explain` collects every step.
    pub(super) fn decide(
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
        let (mut cue_weights, mut urgent) = self.weigh_cues(&hits, &toks, &mut explain);
        let per_topic = self.neighbours(&toks, &focus, exclude, &mut explain);
        let (prediction, audience) = self.read_model(text, exclude, &toks, &mut explain);
        // A word or two says little: with no cue at all, too little for the model alone to make
        // it urgent; with no cue for the model's best topic, too little to answer (`choose`).
        let short = toks.len() <= self.data.scoring.model_short_words;
        let vague = short && hits.is_empty();
        // Someone under 18 is in view: a minors cue or the age rule, or the model reading a
        // teenager or a parent asking.
        let minor_in_view = matches!(audience, Audience::Under18 | Audience::Parent)
            || urgent.speaker_minor
            || self
                .by_id
                .get(topics::MINORS)
                .is_some_and(|m| cue_weights.contains_key(m));
        // What the cues and the age rule fired, for the cues urgent only beside one of them.
        let cue_fired = if urgent.beside.is_empty() {
            Vec::new()
        } else {
            urgent.fired.clone()
        };
        let suppressed = self.urgency(
            prediction.as_ref(),
            &mut urgent,
            Asking {
                vague,
                minor_in_view,
            },
            &mut explain,
        );
        self.weigh_beside(&cue_fired, &mut cue_weights, &mut urgent, &mut explain);
        if urgent.age_overruled
            && let Some(minors) = self.by_id.get(topics::MINORS)
            && let Some(weights) = cue_weights.get_mut(minors)
        {
            // An age the model does not read as about an under-18's pictures says who is asking,
            // not what about: nor does it win minors the combined score ("im 15, how do i ask a
            // girl to prom"). The age rule's weight is the one without a span; a topic left with
            // no weight is dropped by `cue_scores`.
            weights.retain(|&(_, at)| at.is_some());
        }
        let cue_score = self.cue_scores(cue_weights, &mut explain);
        let scored = self.score(&cue_score, &per_topic, &toks, &mut explain);
        let framed = hits
            .iter()
            .filter(|(cue, hit)| self.data.cues[*cue].class == CueClass::Frame && hit.is_plain())
            .map(|(cue, _)| self.cue_topic[*cue])
            .collect();
        // The writer's own age settles who is asking when the model reads no one else (a parent
        // or a helper stays one: "my daughter is 14 and I ..." is not the writer's age).
        let audience = if urgent.speaker_minor && audience == Audience::Myself {
            note(&mut explain, || {
                "audience: the writer says they are under 18".to_owned()
            });
            Audience::Under18
        } else {
            audience
        };
        let choice = Choice {
            scored,
            fired: urgent.fired,
            touched: urgent.touched,
            framed,
            audience,
            short,
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
        // The model reads letters and digits. A message of emoji alone ("👋", "🙏") is read
        // through the lexicon's words for them ("hello", "thanks"); with no such word ("🍕",
        // "?") the model has nothing to read and the cues decide alone.
        let words;
        let model_text = if text.chars().any(char::is_alphanumeric) {
            Some(text)
        } else {
            words = toks
                .iter()
                .map(|t| t.raw.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            (!words.is_empty()).then_some(words.as_str())
        };
        let prediction = match (&self.model, exclude, model_text) {
            (Some(model), None, Some(text)) => Some(model.predict(text)),
            _ => None,
        };
        if self.model.is_some() && model_text.is_none() {
            note(explain, || {
                "model: no letters or words to read: cues only".to_owned()
            });
        }
        let mut audience = prediction
            .as_ref()
            .map(|p| p.audience(sc.model_audience_probability))
            .unwrap_or_default();
        // "My friend says she wants to end it all": the words are the friend's, and the model
        // reads them as the writer's; "my child is on WhatsApp all the time" is a parent's
        // worry in the words a teenager's friend might use. A helper or a parent frame lowers
        // the bar for that audience.
        let rules = &self.data.rules;
        let frames = [
            (
                Audience::Helper,
                &rules.helper,
                sc.model_helper_frame_probability,
            ),
            (
                Audience::Parent,
                &rules.parent,
                sc.model_parent_frame_probability,
            ),
        ];
        if let Some(p) = &prediction
            && audience == Audience::Myself
            && let Some((framed, at_least)) = frames
                .into_iter()
                .filter(|(a, set, bar)| {
                    p.audiences[*a as usize] >= *bar && !set.find_all(toks).is_empty()
                })
                .max_by(|x, y| p.audiences[x.0 as usize].total_cmp(&p.audiences[y.0 as usize]))
                .map(|(a, _, bar)| (a, bar))
        {
            note(explain, || {
                let id = framed.id();
                format!(
                    "{id} frame: {id} at {:.2}, over {at_least:.2}",
                    p.audiences[framed as usize]
                )
            });
            audience = framed;
        }
        if let Some(pred) = &prediction {
            self.note_model(pred, model_text.unwrap_or(text), explain.as_deref_mut());
        }
        (prediction, audience)
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

    /// The urgency rules: an urgent topic the model is sure enough of joins the ones the cues
    /// fired (minors only with someone under 18 in view, or with the model sure), and `fired`
    /// is put in the urgency order. Returns the urgent topics whose cue the message denies and
    /// that the model is not sure enough of to overrule the denial.
    fn urgency(
        &self,
        prediction: Option<&learned::Prediction>,
        urgent: &mut UrgentCues,
        asking: Asking,
        explain: &mut Option<&mut Analysis>,
    ) -> Vec<usize> {
        let Asking {
            vague,
            minor_in_view,
        } = asking;
        let sc = &self.data.scoring;
        let mut suppressed: Vec<usize> = Vec::new();
        // The model's topics, likeliest first (sorted once), and its out-of-scope probability
        // when out of scope is its best reading.
        let ranked = prediction
            .map(learned::Prediction::ranked)
            .unwrap_or_default();
        let out_of_scope = prediction.zip(ranked.first()).and_then(|(pred, &best)| {
            (self.topics[self.model_topic[best]].id == topics::OUT_OF_SCOPE)
                .then(|| pred.topics[best])
        });
        if let Some(p) = out_of_scope
            && p >= sc.model_out_of_scope_over_idiom_probability
            && !urgent.intimate
            && !urgent.idiom.is_empty()
        {
            // "She'll kill me if I wear white to her wedding": a threat said in jest is the
            // same words as one meant. With the model sure the whole message is about a
            // wedding, a test or a game and nothing intimate named, such a cue's hits are taken
            // back (their weight stays, and the model's reading wins the combined score); the
            // topic stays urgent when another cue fired it too. Before the age rule's check, so
            // that a crisis taken back does not count as another urgent topic there ("im 15 and
            // my mum will kill me over my maths grade" is out of scope).
            for t in std::mem::take(&mut urgent.idiom) {
                if let Some(i) = urgent.fired.iter().position(|&f| f == t) {
                    urgent.fired.remove(i);
                }
                if !urgent.fired.contains(&t) {
                    let id = &self.topics[t].id;
                    note(explain, || {
                        format!(
                            "model: out of scope at {p:.2}, over {:.2}, and nothing intimate \
                             named: the {id} cue reads as an everyday idiom, not urgent",
                            sc.model_out_of_scope_over_idiom_probability
                        )
                    });
                }
            }
        }
        if let Some(pred) = prediction
            && urgent.age_rule_only
            && let Some(minors) = self.by_id.get(topics::MINORS).copied()
            && let Some(c) = self.model_topic.iter().position(|&t| t == minors)
        {
            // The age rule reads "a child" and "a picture" anywhere in the message, or only the
            // writer's age; the model, which reads the whole of it, may say this is not about an
            // under-18's pictures ("I've two kids and my ex posted my photos", "im 15, will you
            // tell my parents") or not about this bot's subjects at all ("im 16, how do i ask a
            // girl out").
            // Nor is a teenager's hello, or a question about the bot itself ("hi im 15, is this
            // for teens too"): the age says who is asking, and the audience keeps it.
            // ABOUT_THE_BOT includes out of scope.
            // Not when a crisis or sextortion cue fired, or another urgent topic's cue in a
            // message that names something intimate ("someone photoshopped my face onto a naked
            // body"): then it is about this bot's subjects whatever the model reads, and the age
            // says whose picture it is. Pressure, monitoring and sharing cues alone are everyday
            // words ("im 15, how do i say no to my mates about vaping").
            let other_urgent = urgent.fired.iter().any(|&t| {
                t != minors
                    && (urgent.intimate
                        || self.topics[t]
                            .urgency
                            .is_some_and(|r| r < topics::MOST_URGENT))
            });
            let off_topic = !other_urgent
                && ranked.first().is_some_and(|&best| {
                    topics::ABOUT_THE_BOT.contains(&self.topics[self.model_topic[best]].id.as_str())
                });
            if off_topic || pred.topics[c] < sc.model_age_rule_probability {
                note(explain, || {
                    if off_topic {
                        "model: out of scope or about the bot first, over the age rule alone: \
                         minors not urgent"
                            .to_owned()
                    } else {
                        format!(
                            "model: minors at {:.2}, under {:.2} for the age rule alone: not urgent",
                            pred.topics[c], sc.model_age_rule_probability
                        )
                    }
                });
                urgent.fired.retain(|&t| t != minors);
                // Offered, as a teenager may still want it, but not answered.
                urgent.touched.push(minors);
                urgent.age_overruled = true;
            }
        }
        if let Some(pred) = prediction
            && let Some(&best) = ranked.first()
            && self.topics[self.model_topic[best]].id == topics::PARENTS
            && pred.topics[best] >= sc.model_parent_worry_probability
            && let Some(sextortion) = self.by_id.get(topics::SEXTORTION).copied()
            && urgent.fired.contains(&sextortion)
            && !urgent
                .fired
                .iter()
                .any(|&t| self.topics[t].id == topics::CRISIS)
        {
            // "Saw on the news about boys being blackmailed over photos, how do I warn my son":
            // the blackmail is the subject of a parent's worry, not something happening to
            // anyone. With the model sure a parent is asking, the threat's cues are evidence
            // and sextortion is offered, not answered; a crisis cue beside it keeps its own.
            note(explain, || {
                format!(
                    "model: parents at {:.2}, over {:.2}: a parent's worry about sextortion, \
                     which is offered, not urgent",
                    pred.topics[best], sc.model_parent_worry_probability
                )
            });
            urgent.fired.retain(|&t| t != sextortion);
            urgent.touched.push(sextortion);
        }
        if let Some(p) = out_of_scope
            && p >= sc.model_out_of_scope_over_cue_probability
            && !urgent.intimate
        {
            // Pressure, monitoring and sharing words are everyday words too ("my landlord is
            // pressuring me", "how do I say no to my manager"): when the model is sure the
            // message is about something else, their cues are evidence, not a win. Not when the
            // message names something intimate ("posting my intimate photos on a fake account"):
            // then it is about that. Crisis, sextortion and minors keep theirs whatever the
            // model says (but for their cues urgent unless an everyday idiom, below).
            let before = urgent.fired.len();
            urgent.fired.retain(|&t| {
                self.topics[t]
                    .urgency
                    .is_none_or(|rank| rank < topics::MOST_URGENT)
            });
            if urgent.fired.len() < before {
                note(explain, || {
                    format!(
                        "model: out of scope at {p:.2}, over {:.2}: the urgent cues of topics \
                         after minors count as evidence only",
                        sc.model_out_of_scope_over_cue_probability
                    )
                });
            }
        }
        if let Some(p) = out_of_scope
            && p >= sc.model_out_of_scope_over_threat_probability
            && !urgent.intimate
            && let Some(sextortion) = self.by_id.get(topics::SEXTORTION).copied()
            && urgent.fired.contains(&sextortion)
        {
            // A threat with a condition is sextortion's cue; with nothing intimate named and
            // the model sure it is about a landlord, a fine or a game, it is evidence only.
            urgent.fired.retain(|&t| t != sextortion);
            note(explain, || {
                format!(
                    "model: out of scope at {p:.2}, over {:.2}, and nothing intimate named: \
                     the threat cue counts as evidence only",
                    sc.model_out_of_scope_over_threat_probability
                )
            });
        }
        if let Some(pred) = prediction {
            // Recall first: an urgent topic the model finds likely joins the urgent cues, and the
            // urgency order picks among them ("angry when I don't send" is a pressure cue, but
            // "he'll post them if I leave" in the same message makes it sextortion).
            // Only the model's two best topics: a third-placed urgent topic at the threshold is
            // a model unsure between other readings, and escalating it answered adults asking
            // about the law with the text written for under-18s.
            let top_two = &ranked[..ranked.len().min(2)];
            // The most urgent rank among crisis, sextortion and minors (the first three of
            // URGENCY) that a cue or rule fired, leaving out the topic `skip`.
            let fired_rank = |skip: Option<usize>| {
                urgent
                    .fired
                    .iter()
                    .filter(|&&t| Some(t) != skip)
                    .filter_map(|&t| self.topics[t].urgency)
                    .filter(|&r| r < topics::MOST_URGENT)
                    .min()
            };
            let cue_rank = fired_rank(None);
            // The same, leaving out a minors made urgent by the age rule alone.
            let real_cue_rank = fired_rank(
                self.by_id
                    .get(topics::MINORS)
                    .copied()
                    .filter(|_| urgent.minors_by_age_alone),
            );
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
                let outranks = |rank: Option<usize>| {
                    rank.is_some_and(|r| self.topics[t].urgency.is_some_and(|u| u < r))
                };
                if outranks(real_cue_rank) {
                    threshold = threshold.max(sc.model_over_urgent_cue_probability);
                } else if outranks(cue_rank) {
                    threshold = threshold.max(sc.model_over_age_rule_probability);
                }
                if vague {
                    threshold = threshold.max(sc.model_short_sure_probability);
                }
                if is_denied && pred.topics[c] < threshold {
                    // Nor may the same words win it the combined score in the final choice.
                    note(explain, || {
                        format!(
                            "model: {id} at {:.2}, under {threshold:.2} for a denied cue: not counted",
                            pred.topics[c]
                        )
                    });
                    suppressed.push(t);
                    continue;
                }
                // Minors is urgent because of who is in the pictures: with no sign of anyone
                // under 18, the model must be sure ("the pics we sent" is asked about).
                let unseen_minor = id == topics::MINORS && !minor_in_view;
                let before = threshold;
                if unseen_minor {
                    threshold = threshold.max(sc.model_unseen_minor_probability);
                }
                if !top_two.contains(&c) {
                    continue;
                }
                if pred.topics[c] >= threshold {
                    note(explain, || {
                        format!(
                            "model: {id} at {:.2}, over its urgent threshold {threshold:.2}: urgent",
                            pred.topics[c]
                        )
                    });
                    urgent.fired.push(t);
                } else if unseen_minor && pred.topics[c] >= before {
                    note(explain, || {
                        format!(
                            "model: minors at {:.2}, under {threshold:.2} with nothing saying \
                             anyone is under 18: not urgent",
                            pred.topics[c]
                        )
                    });
                }
            }
        }
        self.sort_urgent(&mut urgent.fired);
        suppressed
    }

    /// Puts urgent topics in the urgency order, each once.
    pub(super) fn sort_urgent(&self, fired: &mut Vec<usize>) {
        fired.sort_by_key(|&t| (self.urgency_rank(t), t));
        fired.dedup();
    }

    /// Where a topic stands in the urgency order; topics outside it come after all of them.
    pub(super) fn urgency_rank(&self, topic: usize) -> usize {
        self.topics[topic].urgency.unwrap_or(usize::MAX)
    }
}

/// A topic's neighbour score: its three best similarities weighted by [`NEIGHBOUR_WEIGHTS`],
/// over the sum of the weights.
fn neighbour_score(top: &[f32; 3]) -> f32 {
    let sum: f32 = NEIGHBOUR_WEIGHTS.iter().sum();
    top.iter()
        .zip(NEIGHBOUR_WEIGHTS)
        .map(|(s, w)| s * w)
        .sum::<f32>()
        / sum
}
