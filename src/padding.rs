//! One size for every message the bot sends.
//!
//! Megolm encrypts with AES-CBC, so a ciphertext is as long as its plaintext, rounded up to 16
//! bytes. Every answer is a fixed, curated text: without padding, each topic would have its own
//! size, and anyone who relays the room's events (every homeserver in it) could ask each example
//! question once, note the sizes, and from then on read which answer a person got. So every
//! message content is padded with a filler field to exactly [`CONTENT_BYTES`] bytes before it is
//! encrypted. Clients ignore fields they do not know.
//!
//! Megolm encrypts the event type and the room id along with the content. The room id is the
//! same for every event in a room; the type is not when menus go out as polls
//! (`org.matrix.msc3381.poll.start` is longer than `m.room.message`), so the content of every
//! other type is padded that much shorter ([`content_bytes`]): one plaintext size, so one
//! ciphertext size, whatever the bot sends. `confidant check` fails when an answer (with an
//! overlay, the longest follow-up list, the longer opening-hours note on every line with hours,
//! and the longest reply metadata) or a menu poll would not fit.

use matrix_sdk::ruma::{
    events::{AnyMessageLikeEventContent, room::message::RoomMessageEventContent},
    serde::Raw,
};
use serde_json::{Map, Value};

/// The filler field added to every message content.
pub const FIELD: &str = "io.confidant.padding";

/// The size of every padded message content, in bytes of JSON. Far above the longest answer,
/// and far below the 65,536-byte event limit once encrypted (base64 adds a third).
pub const CONTENT_BYTES: usize = 16_384;

/// The event type every padded size is measured against: [`CONTENT_BYTES`] is a message's.
pub const MESSAGE_TYPE: &str = "m.room.message";

/// Room the reply metadata needs (a reply relation, the mention of the sender's user id, which
/// may be up to 255 bytes): `check` keeps this much free in every reply.
pub const REPLY_ALLOWANCE: usize = 1_024;

/// A content too large to pad to [`CONTENT_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the message content is {len} bytes before padding, over the {limit}-byte padded size")]
pub struct TooLarge {
    /// Serialised size with an empty filler.
    pub len: usize,
    /// The padded size.
    pub limit: usize,
}

/// The content the bot sends for a Markdown text: an `m.notice` rendered to HTML, with the
/// Markdown kept as the plain-text body.
pub fn notice(markdown: &str) -> RoomMessageEventContent {
    RoomMessageEventContent::notice_markdown(markdown)
}

/// The padded content size of an event of `event_type`: [`CONTENT_BYTES`] for a message, and
/// for a longer type name that many bytes less, so that the Megolm plaintext (type, content and
/// room id) has one size whatever the type.
pub fn content_bytes(event_type: &str) -> usize {
    (CONTENT_BYTES + MESSAGE_TYPE.len()).saturating_sub(event_type.len())
}

/// A message content as the JSON the bot sends, padded to [`CONTENT_BYTES`]; the unpadded JSON
/// with the error when it does not fit (which `check` rules out for every curated text).
pub fn to_raw(
    content: &RoomMessageEventContent,
) -> Result<Raw<AnyMessageLikeEventContent>, (Raw<AnyMessageLikeEventContent>, TooLarge)> {
    event_to_raw(MESSAGE_TYPE, to_map(content))
}

/// Any event content the bot sends, as JSON padded to [`content_bytes`] of its type; the
/// unpadded JSON with the error when it does not fit.
pub fn event_to_raw(
    event_type: &str,
    mut map: Map<String, Value>,
) -> Result<Raw<AnyMessageLikeEventContent>, (Raw<AnyMessageLikeEventContent>, TooLarge)> {
    let padded = pad_in_place(&mut map, content_bytes(event_type));
    let raw = Raw::from_json_string(serde_json::to_string(&map).unwrap_or_default())
        .unwrap_or_else(|_| {
            Raw::from_json_string("{}".to_owned()).expect("an empty object is JSON")
        });
    match padded {
        Ok(()) => Ok(raw),
        Err(e) => Err((raw, e)),
    }
}

/// The serialised size of the notice for `markdown` with an empty filler: what `check` holds
/// against the padded size.
pub fn notice_len(markdown: &str) -> usize {
    unpadded_len(to_map(&notice(markdown)))
}

fn to_map(content: &RoomMessageEventContent) -> Map<String, Value> {
    match serde_json::to_value(content) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The serialised size of a content with an empty filler: what padding has to fill up.
pub fn unpadded_len(mut content: Map<String, Value>) -> usize {
    content.insert(FIELD.to_owned(), Value::String(String::new()));
    serde_json::to_string(&content)
        .map(|s| s.len())
        .unwrap_or(usize::MAX)
}

/// The content, as JSON text of exactly [`CONTENT_BYTES`] bytes.
pub fn pad(content: Map<String, Value>) -> Result<String, TooLarge> {
    pad_to(content, CONTENT_BYTES)
}

fn pad_to(mut content: Map<String, Value>, size: usize) -> Result<String, TooLarge> {
    pad_in_place(&mut content, size)?;
    Ok(serde_json::to_string(&content).unwrap_or_default())
}

/// Adds the filler that makes `content` serialise to exactly `size` bytes; leaves it without
/// one when it is already larger.
fn pad_in_place(content: &mut Map<String, Value>, size: usize) -> Result<(), TooLarge> {
    content.insert(FIELD.to_owned(), Value::String(String::new()));
    let len = serde_json::to_string(&*content)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if len > size {
        content.remove(FIELD);
        return Err(TooLarge { len, limit: size });
    }
    // Spaces need no escaping, so each one adds exactly one byte.
    content.insert(FIELD.to_owned(), Value::String(" ".repeat(size - len)));
    debug_assert_eq!(
        serde_json::to_string(&*content).map(|s| s.len()).ok(),
        Some(size)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("msgtype".to_owned(), Value::from("m.notice"));
        m.insert("body".to_owned(), Value::from(body));
        m
    }

    #[test]
    fn short_and_long_contents_pad_to_the_same_size() {
        let bodies = [
            String::new(),
            "hi".to_owned(),
            "quotes \" and \\ backslashes and ünïcödé and emoji 🫶 and\nnew lines".to_owned(),
            "x".repeat(9_000),
        ];
        for body in &bodies {
            let text = pad(content(body)).expect("fits");
            assert_eq!(text.len(), CONTENT_BYTES);
            let back: Map<String, Value> = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(
                back["body"],
                Value::from(body.as_str()),
                "the content is unchanged"
            );
            assert!(back[FIELD].as_str().is_some_and(|f| f.trim().is_empty()));
        }
    }

    #[test]
    fn every_answer_and_reply_is_sent_at_one_size() {
        use matrix_sdk::ruma::{
            event_id,
            events::room::message::{AddMentions, ForwardThread, ReplyMetadata},
            user_id,
        };
        let short = notice("ok");
        let long = notice(&"**A long answer** with [a link](https://example.org).\n\n".repeat(100));
        let reply = notice("a reply").make_reply_to(
            ReplyMetadata::new(
                event_id!("$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
                user_id!("@someone:example.org"),
                None,
            ),
            ForwardThread::Yes,
            AddMentions::Yes,
        );
        for c in [&short, &long, &reply] {
            let raw = to_raw(c).expect("fits");
            assert_eq!(raw.json().get().len(), CONTENT_BYTES);
            assert!(raw.get_field::<String>("body").ok().flatten().is_some());
        }
        let huge = notice(&"z".repeat(CONTENT_BYTES));
        let (unpadded, err) = to_raw(&huge).expect_err("too large");
        assert!(err.len > CONTENT_BYTES);
        assert!(
            unpadded.json().get().len() < err.len,
            "sent without the filler"
        );
    }

    #[test]
    fn a_poll_start_and_end_pad_to_the_same_plaintext_size_as_a_message() {
        use crate::{
            poll,
            reply::{Menu, MenuOption},
        };
        use matrix_sdk::ruma::owned_event_id;
        // What Megolm encrypts: the type, the content and the room id.
        let plaintext = |event_type: &str, raw: &Raw<AnyMessageLikeEventContent>| {
            serde_json::to_string(&serde_json::json!({
                "type": event_type,
                "content": raw,
                "room_id": "!room:example.org",
            }))
            .unwrap()
            .len()
        };
        let message = to_raw(&notice("a short answer")).expect("fits");
        let menu = Menu {
            question: "Which is closest?".into(),
            options: vec![MenuOption {
                number: 3,
                label: "3 · Consent".into(),
            }],
            text: "Which is closest?\n- **3** · Consent".into(),
            span: 0..0,
        };
        let start = event_to_raw(poll::START_TYPE, poll::start(&menu, None).unwrap()).unwrap();
        let end = event_to_raw(
            poll::END_TYPE,
            poll::end("Answered.", owned_event_id!("$start:example.org")),
        )
        .unwrap();
        assert_eq!(
            start.json().get().len(),
            content_bytes(poll::START_TYPE),
            "padded to its type's size"
        );
        let sizes = [
            plaintext(MESSAGE_TYPE, &message),
            plaintext(poll::START_TYPE, &start),
            plaintext(poll::END_TYPE, &end),
        ];
        assert!(sizes.iter().all(|s| *s == sizes[0]), "{sizes:?}");
        assert!(start.get_field::<Value>(FIELD).ok().flatten().is_some());
    }

    #[test]
    fn a_content_exactly_at_the_size_fits_and_one_byte_more_does_not() {
        let base = unpadded_len(content(""));
        let fits = "y".repeat(100 - base);
        assert_eq!(pad_to(content(&fits), 100).map(|t| t.len()), Ok(100));
        let over = "y".repeat(101 - base);
        assert_eq!(
            pad_to(content(&over), 100),
            Err(TooLarge {
                len: 101,
                limit: 100
            })
        );
    }
}
