//! Measures the matcher on a labelled JSONL set (`confidant eval`): pure, no file access.
//!
//! Each line is `{"text": .., "expect": [topic ids], "kind": ..}` (other fields such as `id` are
//! ignored). A line is correct when the answered topic is in `expect`; out of scope counts as the
//! topic `out-of-scope`. An [`Outcome::Ambiguous`] answer counts as NOT correct: asking back is
//! better than a wrong answer, but it is not the answer. Reports name cases by line number only,
//! never by their text.
//!
//! [`Outcome::Ambiguous`]: crate::matcher::Outcome::Ambiguous

use serde::{Deserialize, Serialize};

use crate::matcher::Audience;

mod score;
mod tables;

pub use score::evaluate;
pub use tables::SideBySide;

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
    /// Its 1-based line in the file it came from.
    #[serde(skip)]
    pub line: usize,
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
        let mut case: EvalCase = serde_json::from_str(line).map_err(|e| EvalError::Line {
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
        case.line = i + 1;
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
    /// Parent cases answered with `minors` as someone other than a parent: the text written
    /// to a teenager, not its part for parents.
    pub parent_read_teen_text: usize,
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

/// `a / b`, or 0 when `b` is 0.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
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
