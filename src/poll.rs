//! A menu as a poll: the event contents the bot sends when `menus = "poll"`.
//!
//! Only the unstable MSC3381 names are sent (`org.matrix.msc3381.poll.start` / `.end`): they are
//! what Element Web and Element X both show and vote on. ruma's stable `m.poll.*` events have
//! the newer extensible-events shape, which Element Web cannot parse and Element X shows as an
//! unknown event. The poll is disclosed (a voter sees the counts), allows one choice, and its
//! answer ids are the topics' stable numbers, so a vote means exactly what typing the number
//! means. The text menu goes along as the poll's fallback text.

use matrix_sdk::ruma::{
    EventId, OwnedEventId, UserId,
    events::{
        poll::{
            start::PollKind,
            unstable_end::UnstablePollEndEventContent,
            unstable_start::{
                NewUnstablePollStartEventContent, UnstablePollAnswer, UnstablePollAnswers,
                UnstablePollStartContentBlock,
            },
        },
        relation::{InReplyTo, Reply, Thread},
        room::message::RelationWithoutReplacement,
    },
};
use serde_json::{Map, Value};

use crate::reply::Menu;

/// The event type of a poll's start, as sent.
pub const START_TYPE: &str = "org.matrix.msc3381.poll.start";
/// The event type of a poll's end, as sent.
pub const END_TYPE: &str = "org.matrix.msc3381.poll.end";
/// The event type of a vote, as Element Web and Element X send it.
pub const RESPONSE_TYPE: &str = "org.matrix.msc3381.poll.response";
/// The most answers a poll may have (MSC3381; ruma refuses more).
pub const MAX_ANSWERS: usize = 20;

/// What a poll is sent in reply to: the message (or poll) that asked, and its thread.
#[derive(Debug, Clone, Copy)]
pub struct ReplyTo<'a> {
    /// The event the poll answers.
    pub event_id: &'a EventId,
    /// Its thread's root, if it is in a thread: the poll stays in that thread.
    pub thread_root: Option<&'a EventId>,
    /// Who to mention, if anyone.
    pub mention: Option<&'a UserId>,
}

/// Whether `menu` can be sent as a poll (1 to [`MAX_ANSWERS`] options).
pub fn fits(menu: &Menu) -> bool {
    (1..=MAX_ANSWERS).contains(&menu.options.len())
}

/// The content of a poll start for `menu`: a disclosed single-choice poll whose answer ids are
/// the topic numbers, with the text menu as its fallback; `None` when the menu does not fit a
/// poll ([`fits`]).
pub fn start(menu: &Menu, reply_to: Option<ReplyTo<'_>>) -> Option<Map<String, Value>> {
    let answers: Vec<UnstablePollAnswer> = menu
        .options
        .iter()
        .map(|o| UnstablePollAnswer::new(o.number.to_string(), o.label.clone()))
        .collect();
    let answers = UnstablePollAnswers::try_from(answers).ok()?;
    let mut block = UnstablePollStartContentBlock::new(menu.question.clone(), answers);
    // Disclosed, so a voter sees the choice counted at once (the default is undisclosed).
    block.kind = PollKind::Disclosed;
    block.max_selections = 1u32.into();
    let mut content = NewUnstablePollStartEventContent::plain_text(menu.text.clone(), block);
    content.relates_to = reply_to.map(|r| relation(r.event_id, r.thread_root));
    let mut map = match serde_json::to_value(&content) {
        Ok(Value::Object(m)) => m,
        _ => return None,
    };
    if let Some(who) = reply_to.and_then(|r| r.mention) {
        map.insert(
            "m.mentions".to_owned(),
            serde_json::json!({ "user_ids": [who.as_str()] }),
        );
    }
    Some(map)
}

/// The content of the poll end that closes the poll `start`, saying `text`.
pub fn end(text: &str, start: OwnedEventId) -> Map<String, Value> {
    match serde_json::to_value(UnstablePollEndEventContent::new(text.trim(), start)) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The relation of a reply, as a rich reply to a message gets it: in the message's thread when
/// it has one (as ruma's `make_reply_to` does with `ForwardThread::Yes`), a plain reply
/// otherwise.
fn relation(event_id: &EventId, thread_root: Option<&EventId>) -> RelationWithoutReplacement {
    match thread_root {
        Some(root) => {
            RelationWithoutReplacement::Thread(Thread::plain(root.to_owned(), event_id.to_owned()))
        }
        None => RelationWithoutReplacement::Reply(Reply::new(InReplyTo::new(event_id.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::{event_id, owned_event_id, user_id};
    use serde_json::json;

    use super::*;
    use crate::reply::MenuOption;

    fn menu() -> Menu {
        Menu {
            question: "Which is closest?".into(),
            options: vec![
                MenuOption {
                    number: 3,
                    label: "3 · Consent (consent)".into(),
                },
                MenuOption {
                    number: 12,
                    label: "12 · Boundaries (limits)".into(),
                },
            ],
            text: "Which is closest?\n- **3** · Consent (`consent`)".into(),
            span: 0..0,
        }
    }

    #[test]
    fn a_menu_poll_is_unstable_disclosed_single_choice_with_numbers_as_ids() {
        let map = start(&menu(), None).expect("fits");
        let v = Value::Object(map);
        let block = &v[START_TYPE];
        assert_eq!(block["kind"], "org.matrix.msc3381.poll.disclosed");
        assert_eq!(block["max_selections"], 1);
        assert_eq!(
            block["question"]["org.matrix.msc1767.text"],
            "Which is closest?"
        );
        assert_eq!(
            block["answers"],
            json!([
                {"id": "3", "org.matrix.msc1767.text": "3 · Consent (consent)"},
                {"id": "12", "org.matrix.msc1767.text": "12 · Boundaries (limits)"},
            ])
        );
        assert_eq!(
            v["org.matrix.msc1767.text"],
            menu().text,
            "the text fallback"
        );
        assert!(v.get("m.poll.start").is_none() && v.get("m.poll").is_none());
        assert!(v.get("m.relates_to").is_none() && v.get("m.mentions").is_none());
    }

    #[test]
    fn a_poll_replies_like_a_message_in_or_out_of_a_thread() {
        let question = event_id!("$question:example.org");
        let root = event_id!("$root:example.org");
        let who = user_id!("@someone:example.org");
        let plain = Value::Object(
            start(
                &menu(),
                Some(ReplyTo {
                    event_id: question,
                    thread_root: None,
                    mention: Some(who),
                }),
            )
            .unwrap(),
        );
        assert_eq!(
            plain["m.relates_to"],
            json!({"m.in_reply_to": {"event_id": "$question:example.org"}})
        );
        assert_eq!(plain["m.mentions"], json!({"user_ids": [who.as_str()]}));
        let threaded = Value::Object(
            start(
                &menu(),
                Some(ReplyTo {
                    event_id: question,
                    thread_root: Some(root),
                    mention: None,
                }),
            )
            .unwrap(),
        );
        assert_eq!(threaded["m.relates_to"]["rel_type"], "m.thread");
        assert_eq!(threaded["m.relates_to"]["event_id"], "$root:example.org");
        assert!(threaded.get("m.mentions").is_none());
    }

    #[test]
    fn no_poll_for_an_empty_menu_or_one_over_twenty_answers() {
        let mut m = menu();
        m.options.clear();
        assert!(!fits(&m) && start(&m, None).is_none());
        m.options = (1..=21)
            .map(|n| MenuOption {
                number: n,
                label: format!("topic {n}"),
            })
            .collect();
        assert!(!fits(&m) && start(&m, None).is_none());
        m.options.pop();
        assert!(fits(&m) && start(&m, None).is_some());
    }

    #[test]
    fn the_end_references_the_start_and_says_its_text() {
        let v = Value::Object(end(" Answered. ", owned_event_id!("$start:example.org")));
        assert_eq!(v["org.matrix.msc1767.text"], "Answered.");
        assert_eq!(v[END_TYPE], json!({}));
        assert_eq!(
            v["m.relates_to"],
            json!({"rel_type": "m.reference", "event_id": "$start:example.org"})
        );
    }
}
