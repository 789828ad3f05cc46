//! `confidant check`: every problem of a response set at once, with file and field.
//!
//! Loading already checks the shape (ids, numbers, keywords, sources, lengths). This adds what
//! needs the matcher and a Markdown renderer: the cue file parses, every example question lands
//! on its own topic (with that example left out, so a topic cannot pass by memorising its own
//! lines), and every answer renders without stray Markdown.

use std::path::Path;

use crate::{
    config::Region,
    corpus::{Batch, training_samples},
    matcher::learned::train::fingerprint,
    matcher::{Audience, LearnedModel, Matcher, MatcherData, MatcherError, Outcome, TopicProfile},
    padding,
    reply::{Composer, Instance},
    responses::{self, Issue, MATCHER_FILE, MESSAGES_FILE, ResponseError, ResponseSet},
};

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
        if let Some(why) = markdown_problem(&topic.answer) {
            issues.push(Issue {
                file: file_of(&topic.id),
                field: "answer".into(),
                why,
            });
        }
    }
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

/// Texts that would not fit the one padded message size (with room for the reply metadata):
/// every answer with its longest follow-up list and a homeserver name of the longest legal
/// length, the "did you mean" menu with the three longest titles, and every fixed message.
fn padding_problems(set: &ResponseSet) -> Vec<Issue> {
    let limit = padding::CONTENT_BYTES - padding::REPLY_ALLOWANCE;
    let instance = Instance {
        region: Region::Us,
        homeserver: "h".repeat(253),
    };
    let composer = Composer::new(set, &instance);
    let mut by_title: Vec<&crate::responses::Topic> = set.topics().iter().collect();
    by_title.sort_by_key(|t| std::cmp::Reverse(t.title.len() + t.keyword.len()));
    let longest: Vec<String> = by_title.iter().map(|t| t.id.clone()).collect();
    let mut texts: Vec<(String, String, String)> = set
        .topics()
        .iter()
        .map(|t| {
            let outcome = Outcome::Topic {
                id: t.id.clone(),
                also: longest.clone(),
                audience: Audience::default(),
            };
            (
                file_of(&t.id),
                "answer".to_owned(),
                composer.compose(&outcome),
            )
        })
        .collect();
    let menu = Outcome::Ambiguous {
        options: longest.iter().take(3).cloned().collect(),
    };
    texts.push((
        MESSAGES_FILE.to_owned(),
        "did_you_mean".to_owned(),
        composer.compose(&menu),
    ));
    let m = &set.messages;
    for (field, text) in [
        ("not_encrypted", &m.not_encrypted),
        ("undecryptable", &m.undecryptable),
        ("too_long", &m.too_long),
        ("slow_down", &m.slow_down),
        ("non_text", &m.non_text),
        ("forget_done", &m.forget_done),
        ("forget_final", &m.forget_final),
    ] {
        texts.push((MESSAGES_FILE.to_owned(), field.to_owned(), text.clone()));
    }
    texts
        .into_iter()
        .filter_map(|(file, field, text)| {
            let len = padding::notice_len(&text);
            (len > limit).then(|| Issue {
                file,
                field,
                why: format!(
                    "the message it makes is {len} bytes of JSON, over the {limit} that fit the \
                     one padded size every message is sent at; shorten it"
                ),
            })
        })
        .collect()
}

/// Builds the matcher from a loaded set, with its learned model when the set has one.
pub fn build_matcher(set: &ResponseSet) -> Result<Matcher, MatcherError> {
    let data = MatcherData::parse(&set.matcher_toml)?;
    let matcher = Matcher::new(&profiles(set), &data)?;
    match &set.model_text {
        Some(text) => {
            let model =
                LearnedModel::parse(text).map_err(|e| MatcherError::Model(e.to_string()))?;
            matcher.with_model(model)
        }
        None => Ok(matcher),
    }
}

/// Why the set's learned model does not match what `confidant train` would build from these
/// batches and examples now, if it does not; `None` when it matches or the set has no model.
pub fn stale_model(set: &ResponseSet, batches: &[Batch]) -> Option<String> {
    let text = set.model_text.as_ref()?;
    let Ok(model) = LearnedModel::parse(text) else {
        return Some("cannot be read; run `confidant train`".into());
    };
    let now = fingerprint(&training_samples(set, batches), model.options());
    (model.inputs() != now).then(|| {
        "out of date: the corpus or the example questions changed since it was trained; run `confidant train`".into()
    })
}

/// What the matcher needs of each topic.
pub fn profiles(set: &ResponseSet) -> Vec<TopicProfile> {
    set.topics()
        .iter()
        .map(|t| TopicProfile {
            id: t.id.clone(),
            number: t.number,
            keyword: t.keyword.clone(),
            examples: t.examples.clone(),
        })
        .collect()
}

fn file_of(id: &str) -> String {
    format!("{id}.toml")
}

/// Markdown that would show its markup to the reader, or raw HTML (which clients would render
/// unchecked).
fn markdown_problem(answer: &str) -> Option<String> {
    let parser = pulldown_cmark::Parser::new(answer);
    let mut html = String::new();
    let mut raw_html = false;
    let parser = parser.inspect(|e| {
        if matches!(
            e,
            pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)
        ) {
            raw_html = true;
        }
    });
    pulldown_cmark::html::push_html(&mut html, parser);
    if raw_html {
        return Some("contains raw HTML; use Markdown only".into());
    }
    for marker in ["**", "__", "](", "[["] {
        if html.contains(marker) {
            return Some(format!(
                "renders with a stray {marker:?}: check emphasis and links"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_problems() {
        let cases = [
            (
                "clean",
                "Hello **there**.\n\n- one\n- [link](https://x.org)",
                None,
            ),
            ("unclosed bold", "Hello **there.", Some("\"**\"")),
            ("raw html", "Hello <b>there</b>", Some("raw HTML")),
            (
                "broken link",
                "See [this] (https://x.org) and ](",
                Some("\"](\""),
            ),
        ];
        for (name, text, expected) in cases {
            let got = markdown_problem(text);
            match expected {
                None => assert_eq!(got, None, "{name}"),
                Some(part) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(part)),
                    "{name}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn repo_set_is_clean() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        let issues = check_dir(&dir, None).unwrap();
        let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert!(
            issues.is_empty(),
            "{} problems:\n{}",
            issues.len(),
            text.join("\n")
        );
    }

    #[test]
    fn a_text_too_long_for_the_padded_size_is_reported() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        let mut set = responses::load(&dir, None).unwrap();
        assert!(padding_problems(&set).is_empty());
        set.messages.forget_done = "All gone. ".repeat(2_000);
        let issues = padding_problems(&set);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].file, MESSAGES_FILE);
        assert_eq!(issues[0].field, "forget_done");
        assert!(issues[0].why.contains("padded size"), "{}", issues[0].why);
    }
}

#[cfg(test)]
mod seed_tests {
    use super::*;

    fn repo_matcher() -> (ResponseSet, Matcher) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        let set = responses::load(&dir, None).unwrap();
        let matcher = build_matcher(&set).unwrap();
        (set, matcher)
    }

    /// The questions the project started from, in other words than the examples: each must land
    /// on an answer that fits it.
    #[test]
    fn seed_questions_land_on_fitting_answers() {
        let (_, matcher) = repo_matcher();
        let cases: &[(&str, &[&str])] = &[
            (
                "What are the risks for a couple sexting over WhatsApp?",
                &["risks-overview", "encryption"],
            ),
            (
                "Is it safe to sext on WhatsApp because it's end-to-end encrypted?",
                &["encryption", "risks-overview"],
            ),
            (
                "How can sexting end up in broken trust, leaked pictures or trouble with the law?",
                &["risks-overview"],
            ),
            ("How can we make sexting less risky?", &["safer-sexting"]),
            (
                "What are the signs that my partner's sexting is risky or only goes one way?",
                &["warning-signs"],
            ),
            (
                "I'm a parent and I'm terrified. Is there a button that deletes everything forever?",
                &["disappearing-deleting", "parents"],
            ),
            (
                "Is there any way to tell if someone is lying to me?",
                &["trust-lying"],
            ),
        ];
        for (question, fitting) in cases {
            let outcome = matcher.classify(question);
            let topic = outcome.topic().unwrap_or("none");
            assert!(
                fitting.contains(&topic),
                "{question:?} -> {outcome:?}, expected one of {fitting:?}"
            );
        }
    }

    #[test]
    fn an_example_under_the_wrong_topic_is_reported_with_file_and_index() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        let mut files = responses::read_dir(&dir).unwrap();
        // A clear sextortion question filed under consent.
        let consent = files.get_mut("consent.toml").unwrap();
        *consent = consent.replacen(
            "examples = [",
            "examples = [\n  \"they say they'll post my nudes unless i pay them\",",
            1,
        );
        let set = responses::from_files(&files).unwrap();
        let issues = check_set(&set);
        assert!(
            issues.iter().any(|i| i.file == "consent.toml"
                && i.field == "examples[0]"
                && i.why.contains("sextortion")),
            "{issues:#?}"
        );
    }
}
