//! Measures the matcher on a labelled JSONL set (`confidant eval`): pure, no file access.
//!
//! Each line is `{"text": .., "expect": [topic ids], "kind": ..}` (other fields such as `id` are
//! ignored). A line is correct when the answered topic is in `expect`; out of scope counts as the
//! topic `out-of-scope`. An [`Outcome::Ambiguous`] answer counts as NOT correct: asking back is
//! better than a wrong answer, but it is not the answer. Reports name cases by line number only,
//! never by their text.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{
    matcher::{Audience, Matcher, Outcome},
    topics::{self, OUT_OF_SCOPE, URGENCY},
};

/// The urgent topics whose recall must be 1.00.
/// Confused pairs shown in the report.
const TOP_CONFUSIONS: usize = 10;

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalCase {
    /// The message.
    pub text: String,
    /// Topic ids that count as correct.
    pub expect: Vec<String>,
    /// Free-form category ("typo", "story", ...) for the per-kind table.
    #[serde(default)]
    pub kind: Option<String>,
    /// Who is asking, where the set says (the corpus does).
    #[serde(default)]
    pub audience: Option<Audience>,
}

/// Why an eval file cannot be read. Never includes the line's text.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line is not a valid case.
    #[error("line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong, without quoting the line.
        reason: String,
    },
    /// The file holds no case.
    #[error("no cases found")]
    Empty,
}

/// Parses JSONL: one case per non-blank line.
pub fn parse_cases(jsonl: &str) -> Result<Vec<EvalCase>, EvalError> {
    let mut cases = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: EvalCase = serde_json::from_str(line).map_err(|e| EvalError::Line {
            line: i + 1,
            // serde_json's own message can quote a value from the line, so only its category
            // and position are kept.
            reason: format!(
                "invalid case ({:?} error at column {})",
                e.classify(),
                e.column()
            ),
        })?;
        if case.expect.is_empty() {
            return Err(EvalError::Line {
                line: i + 1,
                reason: "`expect` is empty".to_owned(),
            });
        }
        cases.push(case);
    }
    if cases.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(cases)
}

/// Correct answers within a group of cases.
#[derive(Debug, Clone, Serialize)]
pub struct GroupScore {
    /// Topic id or kind.
    pub name: String,
    /// Cases in the group.
    pub total: usize,
    /// Cases answered with an expected topic.
    pub correct: usize,
    /// Cases answered "ambiguous" (counted as not correct).
    pub ambiguous: usize,
}

/// Recall of one urgent topic.
#[derive(Debug, Clone, Serialize)]
pub struct Recall {
    /// Topic id.
    pub topic: String,
    /// Cases expecting it.
    pub expected: usize,
    /// Cases answered with it.
    pub found: usize,
    /// Whether the target is 1.00 for this topic.
    pub must_be_complete: bool,
}

/// A (expected, answered) pair and how often it happened.
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    /// First expected topic.
    pub expected: String,
    /// What the matcher answered (a topic id, `ambiguous` or `too-long`).
    pub answered: String,
    /// How many cases.
    pub count: usize,
}

/// One wrong case, by line position (1-based, among cases) and ids only.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Position of the case in the input (1-based).
    pub case: usize,
    /// Expected topics.
    pub expected: Vec<String>,
    /// What the matcher answered.
    pub answered: String,
}

/// Results of one evaluation run.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Number of cases.
    pub total: usize,
    /// Cases answered with an expected topic.
    pub correct: usize,
    /// Cases answered "ambiguous".
    pub ambiguous: usize,
    /// Per first expected topic.
    pub per_topic: Vec<GroupScore>,
    /// Per kind.
    pub per_kind: Vec<GroupScore>,
    /// Per urgent topic.
    pub urgent_recall: Vec<Recall>,
    /// Cases with an in-scope expectation.
    pub in_scope: usize,
    /// In-scope cases answered out of scope.
    pub in_scope_answered_out_of_scope: usize,
    /// Cases expecting out of scope.
    pub out_of_scope: usize,
    /// Out-of-scope cases answered with a guidance topic (a topic or menu pick).
    pub out_of_scope_answered_with_guidance: usize,
    /// Answers "out of scope" in total, and how many of them were right.
    pub answered_out_of_scope: usize,
    /// Correct "out of scope" answers.
    pub answered_out_of_scope_correctly: usize,
    /// Cases with an audience label that were answered with a topic.
    pub audience_cases: usize,
    /// Of those, how many got the labelled audience.
    pub audience_correct: usize,
    /// Parent cases answered with the text written for under-18s (`minors`).
    pub parent_answered_minors: usize,
    /// Most frequent confusions.
    pub confusions: Vec<Confusion>,
    /// Every wrong case.
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// Share of cases answered with an expected topic (ambiguous counts as wrong).
    pub fn top1(&self) -> f64 {
        ratio(self.correct, self.total)
    }

    /// Share of in-scope cases answered out of scope.
    pub fn in_scope_to_out_of_scope_rate(&self) -> f64 {
        ratio(self.in_scope_answered_out_of_scope, self.in_scope)
    }

    /// Share of out-of-scope cases answered with guidance.
    pub fn out_of_scope_to_guidance_rate(&self) -> f64 {
        ratio(self.out_of_scope_answered_with_guidance, self.out_of_scope)
    }

    /// Lowest recall among crisis, sextortion and minors (1.0 when none is in the set).
    pub fn urgent_recall_min(&self) -> f64 {
        self.urgent_recall
            .iter()
            .filter(|r| r.must_be_complete && r.expected > 0)
            .map(|r| ratio(r.found, r.expected))
            .fold(1.0, f64::min)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

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
    let mut recall: Vec<Recall> = URGENCY
        .iter()
        .map(|t| Recall {
            topic: (*t).to_owned(),
            expected: 0,
            found: 0,
            must_be_complete: topics::urgency(t).is_some_and(|r| r < topics::MOST_URGENT),
        })
        .collect();
    let mut r = EvalReport {
        total: cases.len(),
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
        parent_answered_minors: 0,
        confusions: Vec::new(),
        misses: Vec::new(),
    };

    for (i, case) in cases.iter().enumerate() {
        let outcome = matcher.classify(&case.text);
        let answered = outcome.topic();
        let correct = answered.is_some_and(|a| case.expect.iter().any(|e| e == a));
        let ambiguous = matches!(outcome, Outcome::Ambiguous { .. });
        let expects_oos = case.expect.iter().any(|e| e == OUT_OF_SCOPE);

        r.correct += usize::from(correct);
        r.ambiguous += usize::from(ambiguous);
        let first = case.expect[0].clone();
        let kind = case.kind.clone().unwrap_or_else(|| "-".to_owned());
        for (map, key) in [(&mut topics, first.clone()), (&mut kinds, kind)] {
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
        for rec in &mut recall {
            if case.expect.contains(&rec.topic) {
                rec.expected += 1;
                rec.found += usize::from(answered == Some(rec.topic.as_str()));
            }
        }
        if expects_oos {
            r.out_of_scope += 1;
            if matches!(outcome, Outcome::Topic { .. } | Outcome::MenuPick { .. }) {
                r.out_of_scope_answered_with_guidance += 1;
            }
        } else {
            r.in_scope += 1;
            r.in_scope_answered_out_of_scope += usize::from(outcome == Outcome::OutOfScope);
        }
        if let (Some(want), Outcome::Topic { audience, .. }) = (case.audience, &outcome) {
            r.audience_cases += 1;
            r.audience_correct += usize::from(want == *audience);
        }
        if case.audience == Some(Audience::Parent) && answered == Some(topics::MINORS) {
            r.parent_answered_minors += 1;
        }
        if outcome == Outcome::OutOfScope {
            r.answered_out_of_scope += 1;
            r.answered_out_of_scope_correctly += usize::from(expects_oos);
        }
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
    r.confusions = conf;
    r
}

fn write_groups(f: &mut fmt::Formatter<'_>, title: &str, groups: &[GroupScore]) -> fmt::Result {
    writeln!(
        f,
        "{title:<26} {:>5} {:>7} {:>6} {:>5}",
        "cases", "correct", "top-1", "ambig"
    )?;
    for g in groups {
        writeln!(
            f,
            "  {:<24} {:>5} {:>7} {:>6.2} {:>5}",
            g.name,
            g.total,
            g.correct,
            ratio(g.correct, g.total),
            g.ambiguous
        )?;
    }
    Ok(())
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Ambiguous answers count as wrong; out of scope counts as the topic `{OUT_OF_SCOPE}`."
        )?;
        writeln!(f)?;
        write_groups(f, "per expected topic", &self.per_topic)?;
        writeln!(f)?;
        write_groups(f, "per kind", &self.per_kind)?;
        writeln!(f)?;
        writeln!(f, "urgent recall")?;
        for rec in &self.urgent_recall {
            let target = if rec.must_be_complete {
                "  (target 1.00)"
            } else {
                ""
            };
            writeln!(
                f,
                "  {:<24} {:>3}/{:<3} {:.2}{target}",
                rec.topic,
                rec.found,
                rec.expected,
                ratio(rec.found, rec.expected)
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "out of scope: {} answered, {} correctly (precision {:.2})",
            self.answered_out_of_scope,
            self.answered_out_of_scope_correctly,
            ratio(
                self.answered_out_of_scope_correctly,
                self.answered_out_of_scope
            )
        )?;
        if !self.confusions.is_empty() {
            writeln!(f)?;
            writeln!(f, "top confusions (expected -> answered)")?;
            for c in &self.confusions {
                writeln!(f, "  {:>3}  {} -> {}", c.count, c.expected, c.answered)?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "top-1           {:.3}  ({}/{}, {} ambiguous)",
            self.top1(),
            self.correct,
            self.total,
            self.ambiguous
        )?;
        writeln!(
            f,
            "urgent recall   {:.2}  (lowest of crisis, sextortion, minors)",
            self.urgent_recall_min()
        )?;
        writeln!(
            f,
            "in-scope -> out of scope      {:.3}  ({}/{})",
            self.in_scope_to_out_of_scope_rate(),
            self.in_scope_answered_out_of_scope,
            self.in_scope
        )?;
        write!(
            f,
            "out of scope -> guidance      {:.3}  ({}/{})",
            self.out_of_scope_to_guidance_rate(),
            self.out_of_scope_answered_with_guidance,
            self.out_of_scope
        )?;
        if self.audience_cases > 0 {
            write!(
                f,
                "\naudience                      {:.3}  ({}/{}; parents answered with minors: {})",
                ratio(self.audience_correct, self.audience_cases),
                self.audience_correct,
                self.audience_cases,
                self.parent_answered_minors
            )?;
        }
        Ok(())
    }
}

/// Two reports of the same cases side by side: the headline figures, then per kind and per
/// expected topic (`confidant eval --compare`).
pub struct SideBySide<'a>(pub &'a EvalReport, pub &'a EvalReport);

impl fmt::Display for SideBySide<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = (self.0, self.1);
        writeln!(
            f,
            "{:<30} {:>10} {:>10}",
            "side by side", "cues only", "with model"
        )?;
        let rows = [
            ("top-1", a.top1(), b.top1()),
            (
                "urgent recall (lowest)",
                a.urgent_recall_min(),
                b.urgent_recall_min(),
            ),
            (
                "in-scope -> out of scope",
                a.in_scope_to_out_of_scope_rate(),
                b.in_scope_to_out_of_scope_rate(),
            ),
            (
                "out of scope -> guidance",
                a.out_of_scope_to_guidance_rate(),
                b.out_of_scope_to_guidance_rate(),
            ),
            (
                "ambiguous",
                ratio(a.ambiguous, a.total),
                ratio(b.ambiguous, b.total),
            ),
        ];
        for (name, x, y) in rows {
            writeln!(f, "  {name:<28} {x:>10.3} {y:>10.3}")?;
        }
        for (title, xs, ys) in [
            ("per kind", &a.per_kind, &b.per_kind),
            ("per expected topic", &a.per_topic, &b.per_topic),
        ] {
            writeln!(f, "{title}")?;
            for (x, y) in xs.iter().zip(ys.iter()) {
                writeln!(
                    f,
                    "  {:<28} {:>10} {:>10}   ({} cases)",
                    x.name,
                    format!("{:.2}", ratio(x.correct, x.total)),
                    format!("{:.2}", ratio(y.correct, y.total)),
                    x.total
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cases_reports_line_numbers_without_text() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "good",
                "{\"text\":\"hi\",\"expect\":[\"greeting\"]}\n",
                None,
            ),
            (
                "blank lines skipped",
                "\n{\"text\":\"hi\",\"expect\":[\"greeting\"],\"kind\":\"meta\"}\n\n",
                None,
            ),
            (
                "bad json",
                "{\"text\":\"hi\",\"expect\":[\"greeting\"]}\n{\"text\": secret words",
                Some("line 2"),
            ),
            (
                "wrong type",
                "{\"text\":\"secret words\",\"expect\":\"greeting\"}",
                Some("line 1"),
            ),
            (
                "empty expect",
                "{\"text\":\"hi\",\"expect\":[]}",
                Some("line 1"),
            ),
            ("empty file", "\n", Some("no cases")),
        ];
        for (name, input, want_err) in cases {
            match (parse_cases(input), want_err) {
                (Ok(_), None) => {}
                (Err(e), Some(w)) => {
                    let msg = e.to_string();
                    assert!(msg.contains(w), "{name}: {msg}");
                    assert!(
                        !msg.contains("secret"),
                        "{name}: message text leaked: {msg}"
                    );
                }
                (got, want) => panic!("{name}: got {got:?}, want error {want:?}"),
            }
        }
    }
}
