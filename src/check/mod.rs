//! `confidant check`: every problem of a response set at once, with file and field.
//!
//! Loading already checks the shape (ids, numbers, keywords, sources, lengths). This adds what
//! needs the matcher and a Markdown renderer: the cue file parses, every example question lands
//! on its own topic (with that example left out, so a topic cannot pass by memorising its own
//! lines), and every answer renders without stray Markdown.

use std::path::Path;

mod first_screen;
mod grade;
mod markdown;
mod padded;
mod stale;

pub use first_screen::{MAX_GRADE, SentMeasure, as_sent};
pub use grade::reading_grade;
pub use stale::stale_model;

use crate::{
    answerer::build_matcher,
    responses::{self, Issue, MATCHER_FILE, MESSAGES_FILE, ResponseError, ResponseSet},
};
use first_screen::as_sent_problems;
use markdown::markdown_problem;
use padded::padding_problems;

/// Checks the set in `dir` (with an optional overlay); an empty list means it is clean.
pub fn check_dir(dir: &Path, overlay: Option<&Path>) -> Result<Vec<Issue>, ResponseError> {
    match responses::load(dir, overlay) {
        Ok(set) => Ok(check_set(&set)),
        Err(ResponseError::Invalid(issues)) => Ok(issues),
        Err(e) => Err(e),
    }
}

/// The checks that need a loaded set.
pub fn check_set(set: &ResponseSet) -> Vec<Issue> {
    let mut issues = Vec::new();
    for topic in set.topics() {
        for (field, _, text) in topic.texts() {
            if let Some(why) = markdown_problem(text) {
                issues.push(Issue {
                    file: file_of(&topic.id),
                    field,
                    why,
                });
            }
        }
    }
    let m = &set.messages;
    for (field, text, placeholder, what) in [
        (
            "whole_answer",
            &m.whole_answer,
            "{number}",
            "the topic's number",
        ),
        (
            "handoff_joining",
            &m.handoff_joining,
            "{responder}",
            "the Matrix id of who joins",
        ),
        (
            "handoff_next",
            &m.handoff_next,
            "{day}",
            "the day someone is on hand next",
        ),
        (
            "handoff_next",
            &m.handoff_next,
            "{time}",
            "the time someone is on hand next",
        ),
        (
            "handoff_next",
            &m.handoff_next,
            "{zone}",
            "whose time that is",
        ),
    ] {
        if !text.contains(placeholder) {
            issues.push(Issue {
                file: MESSAGES_FILE.into(),
                field: field.into(),
                why: format!("must contain {placeholder}, {what}"),
            });
        }
    }
    issues.extend(hours_note_problems(set));
    issues.extend(poll_ended_problem(set));
    issues.extend(as_sent_problems(&as_sent(set)));
    issues.extend(padding_problems(set));
    let matcher = match build_matcher(set) {
        Ok(m) => m,
        Err(e) => {
            issues.push(Issue {
                file: MATCHER_FILE.into(),
                field: String::new(),
                why: e.to_string(),
            });
            return issues;
        }
    };
    for topic in set.topics() {
        for (i, example) in topic.examples.iter().enumerate() {
            let outcome = matcher.classify_without_example(&topic.id, i);
            if outcome.topic() != Some(topic.id.as_str()) {
                let landed = match outcome.topic() {
                    Some(other) => format!("lands on {other}"),
                    None => format!("gets {outcome:?}"),
                };
                issues.push(Issue {
                    file: file_of(&topic.id),
                    field: format!("examples[{i}]"),
                    why: format!("{example:?} {landed}, not on this topic"),
                });
            }
        }
    }
    issues
}

/// Characters that Markdown, HTML or JSON would mark up or escape.
const MARKED: &[char] = &['*', '_', '`', '[', ']', '~', '<', '>', '&', '"', '\\', '\n'];

/// The opening-hours notes name when a line opens, and are plain text: then each note's length
/// as sent follows its length as written, which is how the padding rule picks the longer one.
fn hours_note_problems(set: &ResponseSet) -> Vec<Issue> {
    let m = &set.messages;
    let mut issues = Vec::new();
    for (field, text, needs) in [
        ("open_now", &m.open_now, &[][..]),
        (
            "closed_now",
            &m.closed_now,
            &["{day}", "{time}", "{zone}"][..],
        ),
    ] {
        let mut issue = |why: String| {
            issues.push(Issue {
                file: MESSAGES_FILE.into(),
                field: field.into(),
                why,
            });
        };
        if text.trim().is_empty() {
            issue("is empty".into());
        }
        for placeholder in needs.iter().filter(|p| !text.contains(**p)) {
            issue(format!(
                "must contain {placeholder}: {{day}} {{time}} {{zone}} say when the line opens"
            ));
        }
        if let Some(c) = text.trim().chars().find(|c| MARKED.contains(c)) {
            issue(format!(
                "must be plain text, one line, without {c:?}: it is said in brackets after a \
                 helpline"
            ));
        }
    }
    issues
}

/// The poll end's text is shown as it is, under a closed poll: plain text, one line.
fn poll_ended_problem(set: &ResponseSet) -> Option<Issue> {
    let text = set.messages.poll_ended.trim();
    let why = if text.is_empty() {
        "is empty".to_owned()
    } else if let Some(c) = text.chars().find(|c| MARKED.contains(c)) {
        format!("must be plain text, one line, without {c:?}: clients show it as it is")
    } else {
        return None;
    };
    Some(Issue {
        file: MESSAGES_FILE.into(),
        field: "poll_ended".into(),
        why,
    })
}

/// The file a topic lives in, relative to the set's folder.
fn file_of(id: &str) -> String {
    format!("{id}.toml")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod seed_tests;
