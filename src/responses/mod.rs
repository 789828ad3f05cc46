//! The curated response set: one TOML file per topic in `responses/`, loaded and validated.
//!
//! Answers are data written by people from sourced facts; this module only reads them, checks
//! their shape, and hands them out. Loading reports every problem it finds, each with the file
//! and the field, so a curator can fix a whole set in one pass.

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::{config::Region, matcher::Audience};

mod hours;
mod rules;

pub use hours::{ALWAYS, DAYS, Hours, Status};
use rules::{read_hours, validate};

/// The first screen of an answer on a phone.
pub const MAX_ANSWER_CHARS: usize = 1500;

/// The longest an audience part may be: it stands in for the answer, in a few short steps.
pub const MAX_PART_CHARS: usize = 800;

/// The fewest example questions a topic may have.
pub const MIN_EXAMPLES: usize = 12;

/// The file with the bot's short system messages.
pub const MESSAGES_FILE: &str = "_messages.toml";

/// The file with the matcher's cues and lexicon.
pub const MATCHER_FILE: &str = "_matcher.toml";

/// The learned classifier, written by `confidant train` (optional: without it the matcher uses
/// its cues and example questions alone).
pub const MODEL_FILE: &str = "_model.tsv";

/// One curated answer and what the matcher and menus need to know about it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The topic id, equal to the file name.
    pub id: String,
    /// A short title for menus.
    pub title: String,
    /// One word a user can type to pick the topic.
    pub keyword: String,
    /// The stable menu number a user can type to pick the topic.
    pub number: u32,
    /// Whether the `help` menu lists it.
    #[serde(default = "yes")]
    pub menu: bool,
    /// When the answer was last reviewed against the fact sheet (YYYY-MM-DD).
    pub last_reviewed: String,
    /// Never shown or offered to someone under 18 (the matcher answers them with `minors`).
    #[serde(default)]
    pub adult_only: bool,
    /// Topics offered after the answer.
    #[serde(default)]
    pub follow_ups: Vec<String>,
    /// Questions in users' words: the matcher's training data.
    pub examples: Vec<String>,
    /// The answer, in Markdown, written to the person themself.
    pub answer: String,
    /// What a parent, a helper or an under-18 gets instead of `answer`, where the topic has it.
    #[serde(default)]
    pub parts: Parts,
    /// Where the facts come from; named at the end of the answer.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Region-specific help shown after the answer.
    #[serde(default)]
    pub resources: Vec<Resource>,
}

fn yes() -> bool {
    true
}

/// A topic's sections for who is asking, each standing in for the answer when the matcher says
/// that audience is asking. The default answer stays one reply away.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Parts {
    /// For a parent or carer asking about their child.
    pub parent: Option<String>,
    /// For a friend, partner or relative helping someone.
    pub helper: Option<String>,
    /// For someone under 18.
    pub under18: Option<String>,
}

impl Parts {
    /// The part written for this audience, if the topic has one.
    pub fn get(&self, audience: Audience) -> Option<&str> {
        match audience {
            Audience::Myself => None,
            Audience::Parent => self.parent.as_deref(),
            Audience::Helper => self.helper.as_deref(),
            Audience::Under18 => self.under18.as_deref(),
        }
    }

    /// Every part the topic has, with its field name.
    pub fn all(&self) -> impl Iterator<Item = (&'static str, Audience, &str)> {
        [
            ("parent", Audience::Parent, &self.parent),
            ("helper", Audience::Helper, &self.helper),
            ("under18", Audience::Under18, &self.under18),
        ]
        .into_iter()
        .filter_map(|(field, a, text)| text.as_deref().map(|t| (field, a, t)))
    }
}

/// A source named at the end of an answer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The organisation.
    pub name: String,
    /// Its page.
    pub url: String,
}

/// A helpline, reporting site or service for one region.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Region code: us, uk, eu, au, ca or intl.
    pub region: String,
    /// The service's name.
    pub name: String,
    /// A number or address to reach it.
    #[serde(default)]
    pub contact: Option<String>,
    /// Its web page.
    #[serde(default)]
    pub url: Option<String>,
    /// A caveat, such as "check before calling" for an unconfirmed number.
    #[serde(default)]
    pub note: Option<String>,
    /// When it is open, as the fact sheet gives it: `"24/7"`, or days and times such as
    /// `"Mon-Fri 10:00-16:00"` in the zone `tz` (the grammar is in `responses/README.md`).
    #[serde(default)]
    pub hours: Option<String>,
    /// The IANA time zone of `hours`, such as `"Europe/London"`; not needed for `"24/7"`.
    #[serde(default)]
    pub tz: Option<String>,
    /// `hours` and `tz`, parsed once when the set loads; `None` for a line without hours.
    #[serde(skip)]
    pub opening: Option<Hours>,
}

impl Resource {
    /// The parsed region; validation guarantees it parses.
    pub fn region(&self) -> Region {
        Region::try_from_code(&self.region).unwrap_or(Region::Intl)
    }
}

/// The bot's short system messages, from `_messages.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    /// Sent once in an unencrypted room instead of an answer.
    pub not_encrypted: String,
    /// Sent when a message could not be decrypted.
    pub undecryptable: String,
    /// Sent for a message over the size limit.
    pub too_long: String,
    /// Sent once per window to a sender over the flood limit.
    pub slow_down: String,
    /// Sent for images, files, stickers and voice.
    pub non_text: String,
    /// Introduces the options when the matcher is unsure.
    pub did_you_mean: String,
    /// Introduces the follow-up topics.
    pub follow_ups_label: String,
    /// Heading before the region resources.
    pub resources_label: String,
    /// Said after a line with opening hours that is open when the reply is sent.
    pub open_now: String,
    /// Said after a line with opening hours that is closed when the reply is sent; `{day}`,
    /// `{time}` and `{zone}` become when it opens next, in its own zone (`{zone}` is the zone's
    /// city, "London").
    pub closed_now: String,
    /// Label before the sources.
    pub sources_label: String,
    /// Offers the whole answer after a part written for who is asking; `{number}` is the
    /// topic's number.
    pub whole_answer: String,
    /// Heading before the numbered menu.
    pub menu_label: String,
    /// Sent before the bot redacts and leaves on "forget".
    pub forget_done: String,
    /// Sent after the redactions, just before the bot leaves; it stays in the room.
    pub forget_final: String,
    /// Sent once when the bot joins an encrypted direct message, and in a group room just
    /// before its first answer: what the bot is, what it keeps, the menu, `forget`, urgent help.
    pub intro: String,
    /// Offers a person from the service, when someone asks for one and one is on hand; asks
    /// for an explicit yes.
    pub handoff_offer: String,
    /// Sent after the yes, once the invite is out; `{responder}` is the person's Matrix id.
    pub handoff_joining: String,
    /// Sent when nobody can join now; the helplines follow it.
    pub handoff_unavailable: String,
    /// When a responder is on hand next; `{day}`, `{time}` and `{zone}` as in `closed_now`.
    pub handoff_next: String,
    /// Sent when the person says "bot" while a responder is in the room.
    pub handoff_resumed: String,
    /// The text of the poll end the bot sends once it has answered a vote on one of its menu
    /// polls (clients show it under the closed poll). Plain text.
    pub poll_ended: String,
}

/// A loaded, validated response set.
#[derive(Debug, Clone)]
pub struct ResponseSet {
    topics: Vec<Topic>,
    by_id: HashMap<String, usize>,
    /// The system messages.
    pub messages: Messages,
    /// The text of `_matcher.toml`, parsed by the matcher.
    pub matcher_toml: String,
    /// The text of `_model.tsv`, if the set has one. An [`crate::answerer::Answerer`] drops
    /// it once the model is parsed.
    pub model_text: Option<String>,
}

/// One problem in a response file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The file, relative to the set's folder.
    pub file: String,
    /// The field (`answer`, `sources[0].url`), or empty for the whole file.
    pub field: String,
    /// What is wrong.
    pub why: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.file, self.why)
        } else {
            write!(f, "{}: {}: {}", self.file, self.field, self.why)
        }
    }
}

/// Why a response set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// The folder could not be read.
    #[error("cannot read response folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// Files with problems; every one is listed.
    #[error("{} problem{} in the response set:{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, IssueList(.0))]
    Invalid(Vec<Issue>),
}

struct IssueList<'a>(&'a [Issue]);

impl fmt::Display for IssueList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|i| write!(f, "\n  - {i}"))
    }
}

/// The raw files of a set: name → text. Tests build one in memory.
pub type Files = BTreeMap<String, String>;

/// Reads every `.toml` file of a folder.
pub fn read_dir(dir: &Path) -> Result<Files, ResponseError> {
    let folder_err = |source| ResponseError::Folder {
        path: dir.to_owned(),
        source,
    };
    let mut files = Files::new();
    for entry in std::fs::read_dir(dir).map_err(folder_err)? {
        let path = entry.map_err(folder_err)?.path();
        if path.extension().is_some_and(|e| e == "toml")
            || path.file_name().is_some_and(|n| n == MODEL_FILE)
        {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(folder_err)?;
            files.insert(name, text);
        }
    }
    Ok(files)
}

/// Loads a set from a folder, with an optional overlay folder of local additions.
///
/// An overlay topic file names an existing topic (same file name) and sets only what it changes:
/// each field it sets replaces the base topic's, except the lists in [`EXTENDED_FIELDS`], whose
/// entries are added (duplicates skipped). So a clinic's file can add one helpline to
/// `getting-help` without copying the answer. Overlay `_messages.toml` and `_matcher.toml`
/// replace keys the same way. An overlay file for an id outside the topic list is reported like
/// any unknown id.
pub fn load(dir: &Path, overlay: Option<&Path>) -> Result<ResponseSet, ResponseError> {
    let mut files = read_dir(dir)?;
    if let Some(overlay) = overlay {
        for (name, text) in read_dir(overlay)? {
            let merged = match files.get(&name) {
                Some(base) => merge(base, &text).unwrap_or(text),
                None => text,
            };
            files.insert(name, merged);
        }
    }
    from_files(&files)
}

/// Overlay fields whose entries are added to the base topic's rather than replacing them.
pub const EXTENDED_FIELDS: &[&str] = &["resources", "sources", "examples"];

/// Merges an overlay file into a base file; `None` when either is not valid TOML, so the
/// overlay's own text is validated and its error reported under its name.
fn merge(base: &str, overlay: &str) -> Option<String> {
    let mut base: toml::Table = base.parse().ok()?;
    let overlay: toml::Table = overlay.parse().ok()?;
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Array(existing)), toml::Value::Array(added))
                if EXTENDED_FIELDS.contains(&key.as_str()) =>
            {
                for item in added {
                    if !existing.contains(&item) {
                        existing.push(item);
                    }
                }
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    toml::to_string(&base).ok()
}

/// Parses and validates a set from its files.
pub fn from_files(files: &Files) -> Result<ResponseSet, ResponseError> {
    let mut issues = Vec::new();
    let mut topics = Vec::new();
    for (name, text) in files {
        if name.starts_with('_') {
            continue;
        }
        match toml::from_str::<Topic>(text) {
            Ok(topic) => topics.push((name.clone(), topic)),
            Err(e) => issues.push(Issue {
                file: name.clone(),
                field: String::new(),
                why: one_line(&e.to_string()),
            }),
        }
    }
    let messages = match files.get(MESSAGES_FILE) {
        None => {
            issues.push(Issue {
                file: MESSAGES_FILE.into(),
                field: String::new(),
                why: "missing".into(),
            });
            None
        }
        Some(text) => match toml::from_str::<Messages>(text) {
            Ok(m) => Some(m),
            Err(e) => {
                issues.push(Issue {
                    file: MESSAGES_FILE.into(),
                    field: String::new(),
                    why: one_line(&e.to_string()),
                });
                None
            }
        },
    };
    let matcher_toml = files.get(MATCHER_FILE).cloned().unwrap_or_default();
    if matcher_toml.is_empty() {
        issues.push(Issue {
            file: MATCHER_FILE.into(),
            field: String::new(),
            why: "missing".into(),
        });
    }
    read_hours(&mut topics, &mut issues);
    validate(&topics, &mut issues);
    match messages {
        Some(messages) if issues.is_empty() => {
            let mut topics: Vec<Topic> = topics.into_iter().map(|(_, t)| t).collect();
            topics.sort_by_key(|t| t.number);
            let by_id = topics
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id.clone(), i))
                .collect();
            Ok(ResponseSet {
                topics,
                by_id,
                messages,
                matcher_toml,
                model_text: files.get(MODEL_FILE).cloned(),
            })
        }
        _ => Err(ResponseError::Invalid(issues)),
    }
}

/// TOML errors span several lines (a snippet of the file); one line reads better in a list.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Topic {
    /// The texts a reader may get as the answer: the answer (for the person themself), then
    /// each part, with its field name and audience.
    pub fn texts(&self) -> impl Iterator<Item = (String, Audience, &str)> {
        std::iter::once(("answer".to_owned(), Audience::Myself, self.answer.as_str())).chain(
            self.parts
                .all()
                .map(|(field, a, text)| (format!("parts.{field}"), a, text)),
        )
    }
}

impl ResponseSet {
    /// All topics, by menu number.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// The topic with this id.
    pub fn get(&self, id: &str) -> Option<&Topic> {
        self.by_id.get(id).map(|&i| &self.topics[i])
    }
}

#[cfg(test)]
mod tests;
