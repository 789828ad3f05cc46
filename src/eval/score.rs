//! Scoring: the matcher run on every case, counted into an [`EvalReport`].

use std::collections::BTreeMap;

use super::{Confusion, EvalCase, EvalReport, GroupScore, Miss, Recall};
use crate::{
    matcher::{Audience, Matcher, Outcome},
    topics::{self, OUT_OF_SCOPE, URGENCY},
};

/// Confused pairs shown in the report.
const TOP_CONFUSIONS: usize = 10;

/// What the matcher answered, by name: a topic id, or the kind of an ambiguous or too-long
/// answer (`none` for an outcome without a topic).
fn answered_name(o: &Outcome) -> String {
    match o {
        Outcome::Ambiguous { .. } | Outcome::TooLong => o.kind().to_owned(),
        other => other.topic().unwrap_or("none").to_owned(),
    }
}

/// Runs the matcher on every case and builds the report.
pub fn evaluate(matcher: &Matcher, cases: &[EvalCase]) -> EvalReport {
    let mut topics: BTreeMap<String, GroupScore> = BTreeMap::new();
    let mut kinds: BTreeMap<String, GroupScore> = BTreeMap::new();
    let mut confusions: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut recall = urgent_recall_rows();
    let mut r = empty_report(cases.len());

    for (i, case) in cases.iter().enumerate() {
        let outcome = matcher.classify(&case.text);
        let answered = outcome.topic();
        let correct = answered.is_some_and(|a| case.expect.iter().any(|e| e == a));
        let ambiguous = matches!(outcome, Outcome::Ambiguous { .. });

        r.correct += usize::from(correct);
        r.ambiguous += usize::from(ambiguous);
        let first = case.expect[0].clone();
        let kind = case.kind.clone().unwrap_or_else(|| "-".to_owned());
        for (map, key) in [(&mut topics, first.clone()), (&mut kinds, kind)] {
            count_in_group(map, key, correct, ambiguous);
        }
        count_recall(&mut recall, case, answered);
        count_scope(&mut r, case, &outcome);
        count_audience(&mut r, case, &outcome);
        if !correct {
            let name = answered_name(&outcome);
            *confusions.entry((first, name.clone())).or_insert(0) += 1;
            r.misses.push(Miss {
                case: i + 1,
                expected: case.expect.clone(),
                answered: name,
            });
        }
    }

    r.per_topic = topics.into_values().collect();
    r.per_kind = kinds.into_values().collect();
    r.urgent_recall = recall;
    r.confusions = top_confusions(confusions);
    r
}

/// One row per urgent topic, nothing counted yet; the most urgent must reach 1.00.
fn urgent_recall_rows() -> Vec<Recall> {
    URGENCY
        .iter()
        .map(|t| Recall {
            topic: (*t).to_owned(),
            expected: 0,
            found: 0,
            must_be_complete: topics::urgency(t).is_some_and(|r| r < topics::MOST_URGENT),
        })
        .collect()
}

/// A report of `total` cases with nothing counted yet.
fn empty_report(total: usize) -> EvalReport {
    EvalReport {
        total,
        correct: 0,
        ambiguous: 0,
        per_topic: Vec::new(),
        per_kind: Vec::new(),
        urgent_recall: Vec::new(),
        in_scope: 0,
        in_scope_answered_out_of_scope: 0,
        out_of_scope: 0,
        out_of_scope_answered_with_guidance: 0,
        answered_out_of_scope: 0,
        answered_out_of_scope_correctly: 0,
        audience_cases: 0,
        audience_correct: 0,
        parent_read_teen_text: 0,
        confusions: Vec::new(),
        misses: Vec::new(),
    }
}

/// Counts one case in the group named `key` (a topic or a kind), adding the group if new.
fn count_in_group(
    map: &mut BTreeMap<String, GroupScore>,
    key: String,
    correct: bool,
    ambiguous: bool,
) {
    let g = map.entry(key.clone()).or_insert(GroupScore {
        name: key,
        total: 0,
        correct: 0,
        ambiguous: 0,
    });
    g.total += 1;
    g.correct += usize::from(correct);
    g.ambiguous += usize::from(ambiguous);
}

/// Counts one case for every urgent topic it expects, and whether it got that topic.
fn count_recall(recall: &mut [Recall], case: &EvalCase, answered: Option<&str>) {
    for rec in recall {
        if case.expect.contains(&rec.topic) {
            rec.expected += 1;
            rec.found += usize::from(answered == Some(rec.topic.as_str()));
        }
    }
}

/// Counts one case in or out of scope, with how it was answered, and every "out of scope"
/// answer with whether it was right.
fn count_scope(r: &mut EvalReport, case: &EvalCase, outcome: &Outcome) {
    let expects_oos = case.expect.iter().any(|e| e == OUT_OF_SCOPE);
    if expects_oos {
        r.out_of_scope += 1;
        if matches!(outcome, Outcome::Topic { .. } | Outcome::MenuPick { .. }) {
            r.out_of_scope_answered_with_guidance += 1;
        }
    } else {
        r.in_scope += 1;
        r.in_scope_answered_out_of_scope += usize::from(*outcome == Outcome::OutOfScope);
    }
    if *outcome == Outcome::OutOfScope {
        r.answered_out_of_scope += 1;
        r.answered_out_of_scope_correctly += usize::from(expects_oos);
    }
}

/// Counts one case with an audience label: whether a topic answer got that audience, and
/// whether a parent got the text written for under-18s: the minors answer read as someone
/// other than a parent (as a parent they get its part for parents).
fn count_audience(r: &mut EvalReport, case: &EvalCase, outcome: &Outcome) {
    if let (Some(want), Outcome::Topic { audience, .. }) = (case.audience, outcome) {
        r.audience_cases += 1;
        r.audience_correct += usize::from(want == *audience);
        if want == Audience::Parent
            && *audience != Audience::Parent
            && outcome.topic() == Some(topics::MINORS)
        {
            r.parent_read_teen_text += 1;
        }
    }
}

/// The most frequent confusions, most frequent first (ties by expected topic), at most
/// [`TOP_CONFUSIONS`].
fn top_confusions(confusions: BTreeMap<(String, String), usize>) -> Vec<Confusion> {
    let mut conf: Vec<Confusion> = confusions
        .into_iter()
        .map(|((expected, answered), count)| Confusion {
            expected,
            answered,
            count,
        })
        .collect();
    conf.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.expected.cmp(&b.expected))
    });
    conf.truncate(TOP_CONFUSIONS);
    conf
}
