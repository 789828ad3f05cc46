//! Whether every message the set makes fits the one padded size every message is sent at.

use super::file_of;
use crate::{
    config::Region,
    matcher::{Audience, Outcome},
    padding,
    reply::{Clock, Composer, Instance},
    responses::{Issue, MESSAGES_FILE, ResponseSet},
};

/// Texts that would not fit the one padded message size (with room for the reply metadata):
/// every answer with its longest follow-up list, a homeserver name of the longest legal length
/// and the longer opening-hours note on every line with hours ("closed now; opens …" or "open
/// now", whichever the hour makes longer), the "did you mean" menu with the three longest
/// titles, and every fixed message.
pub(super) fn padding_problems(set: &ResponseSet) -> Vec<Issue> {
    let limit = padding::CONTENT_BYTES - padding::REPLY_ALLOWANCE;
    let instance = Instance {
        region: Region::Us,
        homeserver: "h".repeat(253),
    };
    let composer = Composer::new(set, &instance, Clock::Longest);
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
    // A place name as long as the tz database has ("Port-au-Prince" and longer: 32 bytes).
    texts.push((
        MESSAGES_FILE.to_owned(),
        "handoff_unavailable".to_owned(),
        composer.handoff_unavailable(Some(("Mon", "00:00", &"p".repeat(32)))),
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
        ("intro", &m.intro),
        ("handoff_offer", &m.handoff_offer),
        ("handoff_joining", &m.handoff_joining),
        ("handoff_resumed", &m.handoff_resumed),
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
