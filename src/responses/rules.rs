//! The shape rules a set must pass to load: ids, numbers, keywords, texts and lengths, sources,
//! resources and their opening hours, and the adult-only rules. Every problem is reported, with
//! its file and field.

use std::collections::{HashMap, HashSet};

use super::{ALWAYS, Hours, Issue, MAX_ANSWER_CHARS, MAX_PART_CHARS, MIN_EXAMPLES, Topic};
use crate::{config::Region, matcher::Audience, topics};

/// Parses every resource's `hours` and `tz` into its `opening`: once, when the set loads, so a
/// reply only asks the parsed value. A problem names the resource, and what is wrong.
pub(super) fn read_hours(topics: &mut [(String, Topic)], issues: &mut Vec<Issue>) {
    for (file, t) in topics.iter_mut() {
        for (i, r) in t.resources.iter_mut().enumerate() {
            let mut issue = |field: &str, why: String| {
                issues.push(Issue {
                    file: file.clone(),
                    field: format!("resources[{i}].{field}"),
                    why: format!("{:?}: {why}", r.name),
                });
            };
            match (&r.hours, &r.tz) {
                (None, None) => {}
                (None, Some(_)) => issue(
                    "tz",
                    "a time zone without hours; add the hours it is open, or remove tz".into(),
                ),
                (Some(hours), tz) => match Hours::parse(hours, tz.as_deref()) {
                    Ok(opening) => r.opening = Some(opening),
                    Err(problems) => {
                        for (field, why) in problems {
                            issue(field, why);
                        }
                    }
                },
            }
        }
    }
}

/// The shape rules that need no matcher: ids, numbers, keywords, sources, lengths.
///
/// Each topic's own rules run topic by topic, in the order they are called here; then the rules
/// that look across topics (adult-only, the minors topic, missing topics).
pub(super) fn validate(topics: &[(String, Topic)], issues: &mut Vec<Issue>) {
    let ids: HashSet<&str> = topics.iter().map(|(_, t)| t.id.as_str()).collect();
    let mut numbers: HashMap<u32, &str> = HashMap::new();
    let mut keywords: HashMap<String, &str> = HashMap::new();
    for (file, t) in topics {
        let mut issue = |field: &str, why: String| {
            issues.push(Issue {
                file: file.clone(),
                field: field.to_owned(),
                why,
            });
        };
        check_id_and_number(file, t, &mut numbers, &mut issue);
        check_keyword(file, t, &mut keywords, &mut issue);
        check_title_and_date(t, &mut issue);
        check_follow_ups(t, &ids, &mut issue);
        check_answer_and_parts(t, &mut issue);
        check_examples_and_sources(t, &mut issue);
        check_resources(t, &mut issue);
    }
    check_adult_only_picks(topics, issues);
    check_minors_topic(topics, issues);
    check_parent_parts(topics, issues);
    check_missing_topics(&ids, issues);
}

/// The id matches the file name and is on the topic list; the number is 1 or more and no
/// earlier topic has it.
fn check_id_and_number<'a>(
    file: &'a str,
    t: &Topic,
    numbers: &mut HashMap<u32, &'a str>,
    issue: &mut impl FnMut(&str, String),
) {
    if file.trim_end_matches(".toml") != t.id {
        issue("id", format!("{:?} does not match the file name", t.id));
    }
    if !topics::REQUIRED.contains(&t.id.as_str()) {
        issue("id", format!("{:?} is not a topic of the topic list", t.id));
    }
    if let Some(other) = numbers.insert(t.number, file) {
        issue("number", format!("{} is also used by {other}", t.number));
    }
    if t.number == 0 {
        issue("number", "must be 1 or more".into());
    }
}

/// The keyword is one lower-case word, not a number, and no earlier topic has it.
fn check_keyword<'a>(
    file: &'a str,
    t: &Topic,
    keywords: &mut HashMap<String, &'a str>,
    issue: &mut impl FnMut(&str, String),
) {
    let keyword = t.keyword.trim().to_lowercase();
    if keyword.is_empty() || keyword.contains(char::is_whitespace) || keyword != t.keyword {
        issue("keyword", "must be one lower-case word".into());
    } else if keyword.parse::<u32>().is_ok() {
        issue(
            "keyword",
            "must not be a number (numbers pick menu entries)".into(),
        );
    }
    if let Some(other) = keywords.insert(keyword, file) {
        issue(
            "keyword",
            format!("{:?} is also used by {other}", t.keyword),
        );
    }
}

/// The title is not empty and the review date is a date.
fn check_title_and_date(t: &Topic, issue: &mut impl FnMut(&str, String)) {
    if t.title.trim().is_empty() {
        issue("title", "is empty".into());
    }
    if !is_date(&t.last_reviewed) {
        issue(
            "last_reviewed",
            format!("{:?} is not a date like 2026-11-26", t.last_reviewed),
        );
    }
}

/// Every follow-up is another topic of this set.
fn check_follow_ups(t: &Topic, ids: &HashSet<&str>, issue: &mut impl FnMut(&str, String)) {
    for (i, f) in t.follow_ups.iter().enumerate() {
        if !ids.contains(f.as_str()) {
            issue(
                &format!("follow_ups[{i}]"),
                format!("{f:?} is not a topic in this set"),
            );
        } else if *f == t.id {
            issue(
                &format!("follow_ups[{i}]"),
                "a topic cannot follow itself".into(),
            );
        }
    }
}

/// The answer and each part are not empty and fit their length; an adult-only topic has no
/// part for under-18s.
fn check_answer_and_parts(t: &Topic, issue: &mut impl FnMut(&str, String)) {
    let chars = t.answer.chars().count();
    if t.answer.trim().is_empty() {
        issue("answer", "is empty".into());
    } else if chars > MAX_ANSWER_CHARS {
        issue(
            "answer",
            format!("{chars} characters; the first screen allows {MAX_ANSWER_CHARS}"),
        );
    }
    for (field, audience, text) in t.parts.all() {
        let field = format!("parts.{field}");
        let chars = text.chars().count();
        if text.trim().is_empty() {
            issue(&field, "is empty".into());
        } else if chars > MAX_PART_CHARS {
            issue(
                &field,
                format!("{chars} characters; a part allows {MAX_PART_CHARS}"),
            );
        }
        if audience == Audience::Under18 && t.adult_only {
            issue(
                &field,
                "an adult-only topic is never shown to someone under 18".into(),
            );
        }
    }
}

/// Enough example questions; at least one source (unless the topic is about the bot), each
/// named and on an https:// address.
fn check_examples_and_sources(t: &Topic, issue: &mut impl FnMut(&str, String)) {
    if t.examples.len() < MIN_EXAMPLES {
        issue(
            "examples",
            format!(
                "{} examples; at least {MIN_EXAMPLES} are needed",
                t.examples.len()
            ),
        );
    }
    if t.sources.is_empty() && !topics::ABOUT_THE_BOT.contains(&t.id.as_str()) {
        issue("sources", "at least one source is needed".into());
    }
    for (i, s) in t.sources.iter().enumerate() {
        if s.name.trim().is_empty() {
            issue(&format!("sources[{i}].name"), "is empty".into());
        }
        if !s.url.starts_with("https://") {
            issue(
                &format!("sources[{i}].url"),
                format!("{:?} is not an https:// address", s.url),
            );
        }
    }
}

/// Every resource has a known region and a contact or a url; a region with a line that keeps
/// hours also has a line open 24/7, so a reader out of hours always has a line to turn to.
fn check_resources(t: &Topic, issue: &mut impl FnMut(&str, String)) {
    let always_open = |region: &str| {
        t.resources
            .iter()
            .any(|r| r.region == region && r.opening.as_ref().is_some_and(Hours::is_always))
    };
    for (i, r) in t.resources.iter().enumerate() {
        if Region::try_from_code(&r.region).is_none() {
            issue(
                &format!("resources[{i}].region"),
                format!("{:?} is not one of us, uk, eu, au, ca, intl", r.region),
            );
        }
        if r.contact.is_none() && r.url.is_none() {
            issue(
                &format!("resources[{i}]"),
                "needs a contact or a url".into(),
            );
        }
        if let (Some(hours), Some(opening)) = (&r.hours, &r.opening)
            && !opening.is_always()
            && !always_open(&r.region)
        {
            issue(
                &format!("resources[{i}].hours"),
                format!(
                    "{:?} is open only {hours:?}, and no other {} line of this topic has \
                     hours = \"{ALWAYS}\"; add one that is open at any hour, so a reader out of \
                     hours still has a line to turn to",
                    r.name, r.region
                ),
            );
        }
    }
}

/// No text of a topic an under-18 may get tells the reader to type an adult-only topic's
/// keyword or number.
fn check_adult_only_picks(topics: &[(String, Topic)], issues: &mut Vec<Issue>) {
    // Text an under-18 may be shown never tells them to type an adult-only topic's keyword
    // or number: follow-ups are filtered for them, words in an answer cannot be.
    let adult_picks: Vec<(String, &str)> = topics
        .iter()
        .filter(|(_, t)| t.adult_only)
        .flat_map(|(_, t)| {
            [
                (format!("**{}**", t.keyword), t.id.as_str()),
                (format!("**{}**", t.number), t.id.as_str()),
            ]
        })
        .collect();
    for (file, t) in topics.iter().filter(|(_, t)| !t.adult_only) {
        for (field, _, text) in t.texts() {
            for (pick, id) in &adult_picks {
                if text.contains(pick.as_str()) {
                    issues.push(Issue {
                        file: file.clone(),
                        field: field.clone(),
                        why: format!(
                            "tells the reader to type {pick}, which picks the adult-only {id}; \
                             offer it as a follow-up instead (those are hidden from under-18s)"
                        ),
                    });
                }
            }
        }
    }
}

/// The topic for under-18s is not adult-only and offers no adult-only follow-up.
fn check_minors_topic(topics: &[(String, Topic)], issues: &mut Vec<Issue>) {
    let adult_only: HashSet<&str> = topics
        .iter()
        .filter(|(_, t)| t.adult_only)
        .map(|(_, t)| t.id.as_str())
        .collect();
    for (file, t) in topics.iter().filter(|(_, t)| t.id == topics::MINORS) {
        if t.adult_only {
            issues.push(Issue {
                file: file.clone(),
                field: "adult_only".into(),
                why: "the topic for under-18s cannot be adult-only".into(),
            });
        }
        for (i, f) in t.follow_ups.iter().enumerate() {
            if adult_only.contains(f.as_str()) {
                issues.push(Issue {
                    file: file.clone(),
                    field: format!("follow_ups[{i}]"),
                    why: format!("{f:?} is adult-only and this topic answers under-18s"),
                });
            }
        }
    }
}

/// The topics a parent asking about their child is answered with, `parents` offered first
/// ([`topics::PARENTS_OFFERED_FIRST`]), have a part written for parents: without one a parent
/// would read the text written to a teenager, or to the person in the pictures.
fn check_parent_parts(topics: &[(String, Topic)], issues: &mut Vec<Issue>) {
    for (file, t) in topics
        .iter()
        .filter(|(_, t)| topics::PARENTS_OFFERED_FIRST.contains(&t.id.as_str()))
    {
        if t.parts.get(Audience::Parent).is_none() {
            issues.push(Issue {
                file: file.clone(),
                field: "parts.parent".into(),
                why: "missing: a parent asking about their child is answered with this topic \
                      and must not read the text written to the person it happened to"
                    .into(),
            });
        }
    }
}

/// Every topic of the topic list has a file.
fn check_missing_topics(ids: &HashSet<&str>, issues: &mut Vec<Issue>) {
    for id in topics::REQUIRED {
        if !ids.contains(id) {
            issues.push(Issue {
                file: format!("{id}.toml"),
                field: String::new(),
                why: "missing: every topic of the topic list needs a file".into(),
            });
        }
    }
}

/// Whether `s` is written like a date, YYYY-MM-DD (not checked against a calendar).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}
