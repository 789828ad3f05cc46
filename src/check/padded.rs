//! Whether every message the set makes fits the one padded size every message is sent at, and
//! every menu the one size of a poll (for `menus = "poll"`).

use matrix_sdk::ruma::OwnedEventId;

use super::file_of;
use crate::{
    config::Region,
    matcher::{Audience, Outcome},
    padding, poll,
    reply::{Clock, Composer, Instance},
    responses::{Issue, MESSAGES_FILE, ResponseSet},
};

/// Texts that would not fit the one padded message size (with room for the reply metadata):
/// every answer with its longest follow-up list, a homeserver name of the longest legal length
/// and the longer opening-hours note on every line with hours ("closed now; opens …" or "open
/// now", whichever the hour makes longer), the "did you mean" menu with the three longest
/// titles, and every fixed message; and the same menus as polls, and the poll end.
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
    // A menu poll is a reply too (to the question, or to the poll voted on).
    let poll_limit = padding::content_bytes(poll::START_TYPE) - padding::REPLY_ALLOWANCE;
    let mut polls: Vec<(String, String, usize, usize)> = Vec::new();
    let mut texts: Vec<(String, String, String)> = set
        .topics()
        .iter()
        .map(|t| {
            let outcome = Outcome::Topic {
                id: t.id.clone(),
                also: longest.clone(),
                audience: Audience::default(),
            };
            let sent = composer.as_sent(&outcome);
            if let Some(len) = sent.menu.as_ref().and_then(poll_len) {
                polls.push((file_of(&t.id), "follow_ups".to_owned(), len, poll_limit));
            }
            (file_of(&t.id), "answer".to_owned(), sent.text)
        })
        .collect();
    let menu = Outcome::Ambiguous {
        options: longest.iter().take(3).cloned().collect(),
    };
    let sent = composer.as_sent(&menu);
    if let Some(len) = sent.menu.as_ref().and_then(poll_len) {
        polls.push((
            MESSAGES_FILE.to_owned(),
            "did_you_mean".to_owned(),
            len,
            poll_limit,
        ));
    }
    texts.push((
        MESSAGES_FILE.to_owned(),
        "did_you_mean".to_owned(),
        sent.text,
    ));
    // A poll end is no reply; the id of the start it references is at most 255 bytes.
    let end = poll::end(&set.messages.poll_ended, longest_event_id());
    polls.push((
        MESSAGES_FILE.to_owned(),
        "poll_ended".to_owned(),
        padding::unpadded_len(end),
        padding::content_bytes(poll::END_TYPE),
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
    let mut issues: Vec<Issue> = texts
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
        .collect();
    issues.extend(polls.into_iter().filter_map(|(file, field, len, limit)| {
        (len > limit).then(|| Issue {
            file,
            field,
            why: format!(
                "as a poll (menus = \"poll\") it makes {len} bytes of JSON, over the {limit} that \
                 fit the one padded size of a poll event; shorten it"
            ),
        })
    }));
    issues
}

/// The size of `menu` as a poll start's content before padding, without the reply relation
/// (the allowance covers it); `None` for a menu sent as text because it does not fit a poll.
fn poll_len(menu: &crate::reply::Menu) -> Option<usize> {
    poll::start(menu, None).map(padding::unpadded_len)
}

/// An event id of the longest legal length (255 bytes), for the reference in a poll end.
fn longest_event_id() -> OwnedEventId {
    let id = format!("${}:{}", "e".repeat(200), "s".repeat(53));
    OwnedEventId::try_from(id).unwrap_or_else(|_| OwnedEventId::try_from("$e:s").expect("valid"))
}
