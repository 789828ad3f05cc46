//! `confidant check`: every problem of a response set at once, with file and field.
//!
//! Loading already checks the shape (ids, numbers, keywords, sources, lengths). This adds what
//! needs the matcher and a Markdown renderer: the cue file parses, every example question lands
//! on its own topic (with that example left out, so a topic cannot pass by memorising its own
//! lines), and every answer renders without stray Markdown.

use std::path::Path;

use crate::{
    answerer::build_matcher,
    config::Region,
    corpus::{Batch, training_samples},
    matcher::learned::train::fingerprint,
    matcher::{Audience, LearnedModel, Outcome},
    padding,
    reply::{Composer, Instance},
    responses::{
        self, Issue, MATCHER_FILE, MAX_ANSWER_CHARS, MESSAGES_FILE, ResponseError, ResponseSet,
    },
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
    if !set.messages.whole_answer.contains("{number}") {
        issues.push(Issue {
            file: MESSAGES_FILE.into(),
            field: "whole_answer".into(),
            why: "must contain {number}, the topic's number".into(),
        });
    }
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

/// The highest reading grade a first screen may have.
pub const MAX_GRADE: f32 = 8.0;

/// One topic's message as the bot sends it, to one audience, measured over every region.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMeasure {
    /// The topic.
    pub topic: String,
    /// Who it is written to: `answer` or `parts.parent` and so on.
    pub field: String,
    /// The whole message's length in characters, for the region that makes it longest.
    pub chars: usize,
    /// The first screen's length: the answer or the part as sent, with what the code adds
    /// (the help menu, the "whole answer" line).
    pub first_screen: usize,
    /// The length up to the end of the operator's region's help, for the longest region.
    pub with_local_help: usize,
    /// That region.
    pub region: Region,
    /// The first screen's reading grade (see [`reading_grade`]).
    pub grade: f32,
}

/// Every topic as sent: its answer, and each part for the audience it is written to, with the
/// topic's own follow-ups, in every region.
pub fn as_sent(set: &ResponseSet) -> Vec<SentMeasure> {
    let mut out = Vec::new();
    for topic in set.topics() {
        for (field, audience, _) in topic.texts() {
            let outcome = Outcome::Topic {
                id: topic.id.clone(),
                also: Vec::new(),
                audience,
            };
            let mut m = SentMeasure {
                topic: topic.id.clone(),
                field,
                chars: 0,
                first_screen: 0,
                with_local_help: 0,
                region: Region::Us,
                grade: 0.0,
            };
            for region in Region::ALL {
                let instance = Instance {
                    region,
                    ..Instance::default()
                };
                let sent = Composer::new(set, &instance).as_sent(&outcome);
                m.chars = m.chars.max(sent.text.chars().count());
                // The first screen is the same in every region.
                if m.first_screen == 0 {
                    m.first_screen = sent.first_screen().chars().count();
                    m.grade = reading_grade(sent.first_screen());
                }
                let local = sent.text[..sent.local_help].chars().count();
                if local > m.with_local_help {
                    m.with_local_help = local;
                    m.region = region;
                }
            }
            out.push(m);
        }
    }
    out
}

fn as_sent_problems(measures: &[SentMeasure]) -> Vec<Issue> {
    let mut issues = Vec::new();
    for m in measures {
        if m.first_screen > MAX_ANSWER_CHARS {
            issues.push(Issue {
                file: file_of(&m.topic),
                field: m.field.clone(),
                why: format!(
                    "its first screen as sent is {} characters; {MAX_ANSWER_CHARS} fit",
                    m.first_screen
                ),
            });
        }
        if m.grade > MAX_GRADE {
            issues.push(Issue {
                file: file_of(&m.topic),
                field: m.field.clone(),
                why: format!(
                    "its first screen as sent reads at grade {:.1}; at most {MAX_GRADE:.0} \
                     (shorter sentences and plainer words bring it down)",
                    m.grade
                ),
            });
        }
    }
    issues
}

/// The Flesch-Kincaid grade of a Markdown text as a reader sees it:
/// `0.39 × words per sentence + 11.8 × syllables per word − 15.59`.
///
/// Markdown marks, link targets and web addresses are dropped; every line (a list item, a
/// heading, a resource) is a sentence of its own, as are the parts of a line between `.`, `!`,
/// `?` or `:` followed by a space; a word is a run of letters, digits and `'`; syllables are
/// counted by vowel groups (a final silent `e` or `es`/`ed` dropped, every word at least one,
/// a number one). Like any formula it is a rough guide, good to about one grade.
pub fn reading_grade(markdown: &str) -> f32 {
    let mut sentences = 0usize;
    let mut words = 0usize;
    let mut syllables = 0usize;
    for line in markdown.lines() {
        let line = strip_markdown(line);
        for sentence in split_sentences(&line) {
            let ws: Vec<&str> = sentence
                .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .collect();
            if ws.is_empty() {
                continue;
            }
            sentences += 1;
            words += ws.len();
            syllables += ws.iter().map(|w| syllables_in(w)).sum::<usize>();
        }
    }
    if words == 0 {
        return 0.0;
    }
    let per_sentence = words as f32 / sentences as f32;
    let per_word = syllables as f32 / words as f32;
    0.39 * per_sentence + 11.8 * per_word - 15.59
}

/// A line without its Markdown marks, link targets and web addresses.
fn strip_markdown(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line.trim();
    rest = rest
        .trim_start_matches(['-', '*', '#', '>'])
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches(['.', ')'])
        .trim();
    // Link targets: "[text](url)" reads as "text"; "(url)" after a resource is dropped.
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..at]);
        rest = rest[at + 2..]
            .split_once(')')
            .map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out.split_whitespace()
        .filter(|w| {
            !(w.contains("://")
                || w.contains("www.")
                || w.contains(".org")
                || w.contains(".com")
                || w.contains('@'))
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['*', '_', '`', '[', ']'], "")
}

fn split_sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        if matches!(c, '.' | '!' | '?' | ':' | ';')
            && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
        {
            out.push(&line[start..=i]);
            start = i + 1;
        }
    }
    out.push(&line[start..]);
    out
}

/// Syllables by vowel groups, the usual heuristic.
fn syllables_in(word: &str) -> usize {
    let w: String = word
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if w.is_empty() || w.len() <= 3 {
        return 1;
    }
    let mut w = w.as_str();
    for end in ["es", "ed", "e"] {
        if let Some(stem) = w.strip_suffix(end)
            && stem.ends_with(|c: char| !"laeiouy".contains(c))
        {
            w = stem;
            break;
        }
    }
    let w = w.strip_prefix('y').unwrap_or(w);
    let mut groups = 0;
    let mut in_vowel = false;
    let mut run = 0;
    for c in w.chars() {
        if "aeiouy".contains(c) {
            // A run of three vowels counts as two groups (a pair, then one), as in "beautiful".
            if !in_vowel || run == 2 {
                groups += 1;
                run = 0;
            }
            in_vowel = true;
            run += 1;
        } else {
            in_vowel = false;
            run = 0;
        }
    }
    groups.max(1)
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
mod tests;

#[cfg(test)]
mod seed_tests;
