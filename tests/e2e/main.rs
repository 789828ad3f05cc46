//! End-to-end tests: a real Synapse, the real `confidant` binary, and a real matrix-sdk client
//! as the user. Nothing is mocked. Each test has its own bot account, user and rooms, so they can
//! share one Synapse.

#![recursion_limit = "256"]

// Shared with benches/load.rs, which uses parts these tests do not.
#[allow(dead_code)]
mod harness;
// `scripts/demo.sh`: its own Synapse and bot, so it does not use the shared one.
mod demo;
mod device_code;
// `login`'s recovery key, `recovery-key` and `recover` after a lost data dir.
mod recovery;

use std::{os::unix::fs::PermissionsExt, time::Duration};

use harness::{
    Bot, Sent, User, ends_of, files_below, messages_of, polls_of, response_set, synapse,
};

const REPLY_WAIT: Duration = Duration::from_secs(60);
const QUIET_WAIT: Duration = Duration::from_secs(8);
/// The config edit that reads every line on its own, for tests of what happens to each of
/// several messages sent back to back (the default reads such a burst as one message).
const LINE_BY_LINE: (&str, &str) = ("pause_seconds = 1.5", "pause_seconds = 0");

/// A running bot and a user with an encrypted DM it has joined.
async fn encrypted_dm() -> (&'static harness::Synapse, Bot, User, matrix_sdk::Room) {
    encrypted_dm_with(&[]).await
}

/// The same, with the example config edited first (`from`, `to` pairs).
async fn encrypted_dm_with(
    edits: &[(&str, &str)],
) -> (&'static harness::Synapse, Bot, User, matrix_sdk::Room) {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    for (from, to) in edits {
        bot.edit_config(from, to);
    }
    bot.start(synapse);
    let user = User::new(synapse).await;
    let room = user.create_room(&[&bot.user_id], true, true).await;
    user.wait_joined(&room, &bot.user_id).await;
    user.wait_intro(&room, &bot.user_id).await;
    (synapse, bot, user, room)
}

/// A user with `display_name` (set before the room exists, so its member events carry it) in a
/// direct message with the running bot.
async fn named_user_in_dm(
    synapse: &harness::Synapse,
    bot: &Bot,
    display_name: &str,
    encrypted: bool,
) -> (User, matrix_sdk::Room) {
    let user = User::new(synapse).await;
    user.set_display_name(display_name).await;
    let room = user.create_room(&[&bot.user_id], encrypted, true).await;
    user.wait_joined(&room, &bot.user_id).await;
    (user, room)
}

/// A running bot in an encrypted group room with two people, everyone joined; returns the bot,
/// the person who made the room, and the room.
async fn encrypted_group() -> (Bot, User, matrix_sdk::Room) {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.start(synapse);
    let alice = User::new(synapse).await;
    let bob = User::new(synapse).await;
    let room = alice
        .create_room(&[&bot.user_id, &bob.user_id()], true, false)
        .await;
    bob.join(&room.room_id().to_owned()).await;
    alice.wait_joined(&room, &bot.user_id).await;
    alice.wait_joined(&room, &bob.user_id()).await;
    (bot, alice, room)
}

/// Everything a finished command printed: stdout, then stderr.
fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Whether a reply is the curated answer of `topic`.
fn is_answer_of(reply: &str, topic: &str) -> bool {
    let set = response_set();
    reply.starts_with(set.get(topic).expect("topic exists").answer.trim())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_dm_is_answered_across_a_restart_without_repeats_or_traces() {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.start(synapse);
    let display_name = "Quokka Displayname";
    let (user, room) = named_user_in_dm(synapse, &bot, display_name, true).await;

    // Canary strings: unique, so any trace of them in a log or a file is a leak.
    let canary1 = "zebracanary4711";
    user.say(
        &room,
        &format!("someone says they will post my nudes unless i pay them {canary1}"),
    )
    .await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "one answer");
    assert!(
        is_answer_of(&replies[0], "sextortion"),
        "sextortion answer, got: {}",
        replies[0]
    );
    let device = bot.device_id();

    bot.stop();
    let canary2 = "walruscanary0815";
    user.say(&room, &format!("sent while the bot was down {canary2}"))
        .await;
    bot.start(synapse);
    assert_eq!(bot.device_id(), device, "same device after restart");
    assert!(
        bot.log(2).contains("Restored"),
        "session restored, not a new login"
    );

    let canary3 = "okapicanary2207";
    user.say(
        &room,
        &format!("is it safe to sext on whatsapp since its encrypted? {canary3}"),
    )
    .await;
    let replies = user.messages_from(&room, &bot.user_id, 2, REPLY_WAIT).await;
    assert_eq!(
        replies.len(),
        1,
        "exactly one new answer (nothing old re-answered): {replies:#?}"
    );
    assert!(
        is_answer_of(&replies[0], "encryption") || is_answer_of(&replies[0], "risks-overview"),
        "encryption answer, got: {}",
        replies[0]
    );
    bot.stop();

    // The bot's device is cross-signed by its owner, as other users' clients see it.
    let device = user
        .client
        .encryption()
        .get_device(&bot.user_id, device.as_str().into())
        .await
        .expect("store")
        .expect("device known");
    assert!(
        device.is_cross_signed_by_owner(),
        "bot device is cross-signed"
    );

    // Privacy: no canary in any log line (at RUST_LOG=trace) or any byte the bot wrote.
    let logs = bot.all_logs();
    assert!(
        logs.contains("event handled") || logs.contains("answered"),
        "logs were captured"
    );
    // Nor anything that says who talked to the bot, at trace (our debug, dependencies' info).
    user.assert_log_names_neither(&logs, &room, display_name);
    for canary in [canary1, canary2, canary3] {
        assert!(!logs.contains(canary), "{canary} leaked into the logs");
        for file in files_below(&bot.data_dir()) {
            let bytes = std::fs::read(&file).expect("readable");
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{canary} found in {}",
                file.display()
            );
        }
    }
    // Who talked to the bot, and in which room, is in the stores only encrypted (the
    // bot-privacy answer says "which rooms those are (all encrypted)").
    let user_id = user.user_id();
    let room_id = room.room_id().as_str();
    let opaque = room_id
        .trim_start_matches('!')
        .split(':')
        .next()
        .expect("an opaque part");
    for needle in [user_id.localpart(), opaque, display_name] {
        for file in files_below(&bot.data_dir()) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in the clear in {}",
                file.display()
            );
        }
    }
    // Only the expected files, readable by the owner only.
    for file in files_below(&bot.data_dir()) {
        let name = file
            .strip_prefix(bot.data_dir())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name == "session.json"
                || name == "lock"
                || name.starts_with("store/matrix-sdk-crypto")
                || name.starts_with("store/matrix-sdk-state"),
            "unexpected file {name}"
        );
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{name} has mode {mode:o}");
    }
    let mode = std::fs::metadata(bot.data_dir())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700, "data dir mode");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_dm_gets_the_introduction_once_and_not_again_after_a_restart() {
    let (synapse, mut bot, user, room) = encrypted_dm().await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "answered");
    assert_eq!(
        user.intro_count(&room, &bot.user_id).await,
        1,
        "introduced on joining"
    );

    bot.stop();
    bot.start(synapse);
    user.say(&room, "how do i turn off photo backups").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "answered after the restart");
    assert_eq!(
        user.intro_count(&room, &bot.user_id).await,
        1,
        "not introduced again after the restart"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_room_gets_the_introduction_only_when_first_addressed() {
    let (mut bot, alice, room) = encrypted_group().await;

    alice
        .say(&room, "how do we talk about boundaries for sexting")
        .await;
    alice
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert_eq!(
        alice.intro_count(&room, &bot.user_id).await,
        0,
        "not introduced on joining a group, nor when not addressed"
    );
    for question in [
        "confidant, what does consent mean when sending nudes?",
        "confidant, how do i turn off photo backups",
    ] {
        alice.say(&room, question).await;
        let replies = alice
            .messages_from(&room, &bot.user_id, 1, REPLY_WAIT)
            .await;
        assert_eq!(replies.len(), 1, "answered: {question}");
    }
    assert_eq!(
        alice.intro_count(&room, &bot.user_id).await,
        1,
        "introduced once, before the first answer"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unencrypted_room_gets_the_notice_once_not_an_answer() {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    // This run also covers JSON logs: one JSON object per line, and no content in them.
    bot.edit_config("log_format = \"text\"", "log_format = \"json\"");
    bot.start(synapse);
    let display_name = "Wombat Displayname";
    let (user, room) = named_user_in_dm(synapse, &bot, display_name, false).await;

    let canary = "canary-json-5d1e";
    user.say(
        &room,
        &format!("my ex is threatening to share my pics {canary}"),
    )
    .await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies, vec![response_set().messages.not_encrypted.clone()]);
    user.say(&room, "hello?").await;
    let more = user.messages_from(&room, &bot.user_id, 1, QUIET_WAIT).await;
    assert!(more.is_empty(), "the notice is said once: {more:#?}");
    bot.stop();

    let log = bot.all_logs();
    assert!(!log.contains(canary), "the canary reached the JSON log");
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 3, "too few log lines: {log}");
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value["level"].is_string(), "no level: {line}");
    }
    assert!(log.contains("notice-unencrypted"), "outcome logged: {log}");
    user.assert_log_names_neither(&log, &room, display_name);
}

/// The other side of the two tests above: the identifiers are there to be withheld, and only
/// the operator's explicit switch lets them through, with a warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_identifiers_lets_the_dependencies_name_the_user_and_says_so() {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.start_with(synapse, &["--log-identifiers"]);
    let display_name = "Numbat Displayname";
    let (user, room) = named_user_in_dm(synapse, &bot, display_name, true).await;
    bot.stop();

    let log = bot.all_logs();
    assert!(
        log.contains("--log-identifiers is on"),
        "the switch is announced: {log}"
    );
    assert!(
        user.named_in(&log, &room, display_name).is_some(),
        "with --log-identifiers the dependencies' lines name the user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_room_is_answered_only_when_addressed() {
    let (mut bot, alice, room) = encrypted_group().await;

    alice
        .say(&room, "how do we talk about boundaries for sexting")
        .await;
    alice
        .say(
            &room,
            "confidant, what does consent mean when sending nudes?",
        )
        .await;
    let replies = alice
        .messages_from(&room, &bot.user_id, 2, REPLY_WAIT)
        .await;
    // Events of a room are handled in order, so an answer to the first would come first.
    assert!(!replies.is_empty(), "the addressed question is answered");
    assert_eq!(
        replies.len(),
        1,
        "only the addressed question: {replies:#?}"
    );
    assert!(
        is_answer_of(&replies[0], "consent"),
        "consent answer, got: {}",
        replies[0]
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pill_mention_in_a_thread_is_answered_in_that_thread() {
    use matrix_sdk::ruma::events::{
        Mentions,
        relation::Thread,
        room::message::{Relation, RoomMessageEventContent},
    };

    let (mut bot, alice, room) = encrypted_group().await;

    let root = alice.say(&room, "a thread for our questions").await;
    let in_thread = |content: RoomMessageEventContent| {
        let mut content = content;
        content.relates_to = Some(Relation::Thread(Thread::plain(root.clone(), root.clone())));
        content
    };
    // Not addressed: the bot's name is nowhere, and no mention.
    room.send(in_thread(RoomMessageEventContent::text_plain(
        "how do we talk about boundaries for sexting",
    )))
    .await
    .expect("sent");
    // Addressed only by a pill, as Element sends it: the body says "Helper", not the bot's
    // name; the link and `m.mentions` carry the user id.
    let pill = format!(
        "<a href=\"https://matrix.to/#/{}\">Helper</a>: what does consent mean when sending nudes?",
        bot.user_id
    );
    let question = room
        .send(in_thread(
            RoomMessageEventContent::text_html(
                "Helper: what does consent mean when sending nudes?",
                pill,
            )
            .add_mentions(Mentions::with_user_ids([bot.user_id.clone()])),
        ))
        .await
        .expect("sent")
        .response
        .event_id;

    let replies = alice
        .replies_from(&room, &bot.user_id, REPLY_WAIT, |r| !r.is_empty())
        .await;
    let late = alice
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(
        late.is_empty(),
        "the unaddressed one was answered: {late:#?}"
    );
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(is_answer_of(&replies[0].body, "consent"), "{replies:#?}");
    assert_eq!(
        replies[0].thread.as_ref(),
        Some(&root),
        "in the question's thread"
    );
    assert_eq!(
        replies[0].in_reply_to.as_ref(),
        Some(&question),
        "replies to it"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_answers_in_flight_sends_each_once_then_stops() {
    let (synapse, mut bot, user, room) = encrypted_dm_with(&[LINE_BY_LINE]).await;
    // One message a second: the second and third answers are still being sent (waiting out
    // M_LIMIT_EXCEEDED) when the first arrives and SIGTERM is sent.
    synapse.throttle(&bot.user_id, 1, 1);
    let mut questions = Vec::new();
    for i in 0..3 {
        questions.push(
            user.say(&room, &format!("how do i turn off photo backups ({i})"))
                .await,
        );
    }
    let first = user
        .replies_from(&room, &bot.user_id, REPLY_WAIT, |r| !r.is_empty())
        .await;
    assert_eq!(first.len(), 1, "{first:#?}");
    bot.stop(); // SIGTERM; asserts a clean exit

    let rest = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(
        bot.log(1).contains("stopping: finishing replies in flight"),
        "{}",
        bot.log(1)
    );
    // Restarted, the bot answers none of them again.
    bot.start(synapse);
    let again = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(
        again.is_empty(),
        "answered again after the restart: {again:#?}"
    );
    let pointed: Vec<_> = first
        .iter()
        .chain(&rest)
        .map(|r| r.in_reply_to.clone())
        .collect();
    let expected: Vec<_> = questions.iter().cloned().map(Some).collect();
    assert_eq!(
        pointed, expected,
        "each answered once, in order, before the stop"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_endpoint_of_a_running_bot_is_live_and_ready_counts_totals_then_ctrl_c_stops_it()
{
    let port = harness::free_port();
    let (_, mut bot, user, room) = encrypted_dm_with(&[(
        "# listen = \"127.0.0.1:9090\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    )])
    .await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1);
    for path in ["/health/live", "/health/ready"] {
        let got = (0..5)
            .find_map(|_| {
                harness::http_get(port, path).or_else(|| {
                    std::thread::sleep(Duration::from_secs(1));
                    None
                })
            })
            .unwrap_or_else(|| {
                panic!(
                    "{path} on port {port} does not answer; the bot's log ends:\n{}",
                    bot.log(1)
                        .lines()
                        .rev()
                        .take(40)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
        assert!(got.starts_with("HTTP/1.1 200"), "{path}: {got}");
        let room_id = room.room_id().as_str();
        for who in [user.user_id().localpart(), bot.user_id.localpart(), room_id] {
            assert!(!got.contains(who), "{path} names {who}: {got}");
        }
    }
    let missing = harness::http_get(port, "/nothing-here").expect("answers");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");

    // Totals for Prometheus: by coarse class, never naming a topic, a room or a person.
    user.say(&room, "i don't want to be alive anymore").await;
    let urgent = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert!(is_answer_of(&urgent[0], "crisis"), "got: {urgent:#?}");
    // The count follows the whole reply (its menu poll comes after the answer): it may lag the
    // answer by a moment.
    let urgent_line = "confidant_messages_total{outcome=\"urgent\"}";
    let mut scraped = String::new();
    for _ in 0..20 {
        scraped = harness::http_get(port, "/metrics").unwrap_or_default();
        if scraped.contains(urgent_line) {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    assert!(
        scraped.contains("application/openmetrics-text"),
        "{scraped}"
    );
    let value = |name: &str| -> f64 {
        scraped
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {scraped}"))
    };
    assert!(value("confidant_messages_total{outcome=\"answered\"}") >= 1.0);
    assert!(value("confidant_messages_total{outcome=\"urgent\"}") >= 1.0);
    assert!(value("confidant_messages_total{outcome=\"held\"}") >= 1.0);
    assert!(value("confidant_handling_seconds_count") >= 2.0);
    assert!(value("confidant_joined_rooms") >= 1.0);
    assert!(value("confidant_process_start_time_seconds") > 1.7e9);
    assert!(value("confidant_last_sync_timestamp_seconds") > 1.7e9);
    let classes = [
        "answered",
        "menu",
        "out_of_scope",
        "urgent",
        "too_long",
        "slow_down",
        "text_only",
        "undecryptable",
        "forget",
        "handoff",
        "held",
        "ignored",
    ];
    for line in scraped.lines().filter(|l| l.starts_with("confidant_")) {
        if let Some((_, labels)) = line.split_once('{') {
            let label = labels.split('}').next().unwrap();
            let ok = label.starts_with("le=")
                || label
                    .strip_prefix("outcome=\"")
                    .and_then(|v| v.strip_suffix('"'))
                    .is_some_and(|v| classes.contains(&v));
            assert!(ok, "a label that is not a coarse class: {line}");
        }
    }
    let room_id = room.room_id().as_str();
    for who in [user.user_id().localpart(), bot.user_id.localpart(), room_id] {
        assert!(!scraped.contains(who), "/metrics names {who}");
    }
    for topic in response_set().topics() {
        assert!(
            !scraped.contains(&format!("\"{}\"", topic.id)),
            "/metrics names the topic {}",
            topic.id
        );
    }
    // Ctrl-C, as at a terminal: a clean stop like SIGTERM.
    bot.stop_with("-INT");
    assert!(
        harness::http_get(port, "/health/live").is_none(),
        "gone with the bot"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_notices_edits_undecryptable_and_redacted_messages_get_the_right_reply() {
    use matrix_sdk::ruma::{
        OwnedMxcUri, TransactionId,
        api::client::message::send_message_event::v3 as send_event,
        events::{
            AnyMessageLikeEventContent,
            room::{
                ImageInfo,
                message::{
                    AudioMessageEventContent, FileMessageEventContent, ImageMessageEventContent,
                    MessageType, ReplacementMetadata, RoomMessageEventContent,
                },
            },
            sticker::StickerEventContent,
        },
        serde::Raw,
    };

    // Seven messages in quick succession: more than the example config's burst of 5.
    let (_, mut bot, user, room) = encrypted_dm_with(&[("burst = 5", "burst = 20")]).await;
    let set = response_set();

    // An image, a file, a voice message and a sticker: the text-only reply to each.
    let mxc = || OwnedMxcUri::from("mxc://localhost/abc");
    let image = ImageMessageEventContent::plain("pic.jpg".into(), mxc());
    room.send(RoomMessageEventContent::new(MessageType::Image(image)))
        .await
        .expect("sent");
    let file = FileMessageEventContent::plain("notes.pdf".into(), mxc());
    room.send(RoomMessageEventContent::new(MessageType::File(file)))
        .await
        .expect("sent");
    let voice = AudioMessageEventContent::plain("voice message.ogg".into(), mxc());
    room.send(RoomMessageEventContent::new(MessageType::Audio(voice)))
        .await
        .expect("sent");
    room.send(StickerEventContent::new(
        "a sticker".into(),
        ImageInfo::new(),
        mxc(),
    ))
    .await
    .expect("sent");
    let replies = user.messages_from(&room, &bot.user_id, 4, REPLY_WAIT).await;
    assert_eq!(replies, vec![set.messages.non_text.clone(); 4]);

    // Another bot's notice and an edit: nothing. A question after them is the next reply.
    room.send(RoomMessageEventContent::notice_plain("I am another bot"))
        .await
        .expect("sent");
    let original = room
        .send(RoomMessageEventContent::text_plain("hi"))
        .await
        .expect("sent")
        .response
        .event_id;
    let greeting = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(greeting.len(), 1, "the greeting is answered");
    let edit = RoomMessageEventContent::text_plain("* hello")
        .make_replacement(ReplacementMetadata::new(original, None));
    room.send(edit).await.expect("sent");
    user.say(&room, "can they screenshot a view once photo?")
        .await;
    let replies = user.messages_from(&room, &bot.user_id, 2, REPLY_WAIT).await;
    assert_eq!(
        replies.len(),
        1,
        "notice and edit get no reply: {replies:#?}"
    );
    assert!(
        is_answer_of(&replies[0], "screenshots-sharing"),
        "got: {}",
        replies[0]
    );

    // A message nobody can decrypt (sent raw, bypassing encryption): the bot says so.
    let content = serde_json::json!({
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg",
        "device_id": "NOTADEVICE",
        "sender_key": "FdX3IXKuaFzPDStTLnwlNLGbhFW1bIkqatVgjsxsW3s",
        "session_id": "c3dtbW9ja3Nlc3Npb25pZGZvcnRlc3RpbmcxMjM0NTY3",
    });
    let raw: Raw<AnyMessageLikeEventContent> =
        Raw::from_json(serde_json::value::to_raw_value(&content).unwrap());
    let request = send_event::Request::new_raw(
        room.room_id().to_owned(),
        TransactionId::new(),
        "m.room.encrypted".into(),
        raw,
    );
    user.client.send(request).await.expect("raw event sent");
    // While the bot waits for that message's key, a question is asked and taken back
    // (redacted): the bot reads redactions as they arrive and does not answer it.
    let taken_back = user.say(&room, "is it legal to sext where i live?").await;
    room.redact(&taken_back, None, None)
        .await
        .expect("redacted");
    let replies = user
        // The key wait is 10 s; a wrong answer to the question would follow within a second.
        .replies_from(&room, &bot.user_id, Duration::from_secs(30), |got| {
            got.len() >= 2
        })
        .await;
    let bodies: Vec<&str> = replies.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(
        bodies,
        vec![set.messages.undecryptable.as_str()],
        "only the undecryptable note; the taken-back question gets no answer"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_redacts_leaves_forgets_the_room_and_erases_its_keys() {
    use confidant::matrix::room_keys::RoomKeys;
    use matrix_sdk::ruma::events::room::member::MembershipState;

    let (synapse, mut bot, user, room) = encrypted_dm().await;

    user.say(&room, "what are the risks of sexting").await;
    assert_eq!(
        user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT)
            .await
            .len(),
        1
    );
    // The room's keys are in the bot's crypto store: the user's session and the bot's own.
    let keys = RoomKeys::open(&bot.data_dir().join("store"), harness::PASSPHRASE)
        .expect("the crypto store unlocks");
    let sessions = keys.stored_sessions(room.room_id()).expect("readable");
    assert!(
        sessions.len() >= 2,
        "the user's and the bot's sessions are stored: {}",
        sessions.len()
    );
    user.say(&room, "forget").await;
    let replies = user.messages_from(&room, &bot.user_id, 2, REPLY_WAIT).await;
    let messages = &response_set().messages;
    assert_eq!(
        replies,
        vec![messages.forget_done.clone(), messages.forget_final.clone()]
    );

    // The bot leaves; by then its messages are redacted.
    let deadline = std::time::Instant::now() + REPLY_WAIT;
    loop {
        user.sync().await;
        let member = room
            .get_member_no_sync(&bot.user_id)
            .await
            .unwrap()
            .unwrap();
        if *member.membership() == MembershipState::Leave {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bot did not leave"
        );
    }
    let (all, with_content) = bot_messages_in_history(&room, &bot.user_id).await;
    assert!(
        all >= 4,
        "the answer, its follow-up poll, forget_done and the final message: {all}"
    );
    assert_eq!(
        with_content, 1,
        "only the final confirmation keeps its content"
    );
    assert!(
        bot.wait_for_log("keys-erased", REPLY_WAIT),
        "the keys were not erased: {}",
        bot.log(1)
    );
    bot.stop();

    // The room's keys are gone from the store, and no byte of them is left in any file.
    assert!(
        keys.stored_sessions(room.room_id())
            .expect("readable")
            .is_empty(),
        "the room's sessions are erased"
    );
    for file in files_below(&bot.data_dir()) {
        let bytes = std::fs::read(&file).expect("readable");
        for session in &sessions {
            assert!(
                !bytes.windows(session.len()).any(|w| w == &session[..]),
                "an erased session is still in {}",
                file.display()
            );
        }
    }

    // After a restart the bot is still out of the room.
    bot.start(synapse);
    user.say(&room, "are you there?").await;
    assert!(
        user.messages_from(&room, &bot.user_id, 1, QUIET_WAIT)
            .await
            .is_empty()
    );
    bot.stop();
}

/// The bot's messages in `room` as the user's client reads them from the homeserver, paging
/// back to the room's start: (all of them, those still carrying content).
async fn bot_messages_in_history(
    room: &matrix_sdk::Room,
    bot: &matrix_sdk::ruma::UserId,
) -> (usize, usize) {
    let (mut all, mut with_content) = (0, 0);
    for event in harness::history(room).await {
        let raw = event.raw();
        let sender: Option<String> = raw.get_field("sender").unwrap();
        let kind: Option<String> = raw.get_field("type").unwrap();
        // A menu poll says what was asked about: it is redacted like a message.
        if sender.as_deref() != Some(bot.as_str())
            || !matches!(
                kind.as_deref(),
                Some(
                    "m.room.message"
                        | "m.room.encrypted"
                        | "org.matrix.msc3381.poll.start"
                        | "org.matrix.msc3381.poll.end"
                )
            )
        {
            continue;
        }
        all += 1;
        let content: serde_json::Value = raw.get_field("content").unwrap().unwrap_or_default();
        if content.as_object().is_some_and(|c| !c.is_empty()) {
            with_content += 1;
        }
    }
    (all, with_content)
}

/// `forget` reaches the whole room (the bot's first answers lie more than 200 events back),
/// waits out the homeserver's rate limit on redactions, and when the bot is killed halfway, the
/// next start finishes it: every bot message redacted but one short final confirmation, which
/// stays; the bot gone; its keys erased; the pending list empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_reaches_the_whole_history_under_rate_limits_and_finishes_after_a_crash() {
    let (synapse, mut bot, user, room) = encrypted_dm().await;
    user.say(&room, "what are the risks of sexting").await;
    assert_eq!(
        user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT)
            .await
            .len(),
        1
    );
    // 220 more events: the flood limit lets a few answers through, then stays silent.
    for i in 0..220 {
        user.say(&room, &format!("filler {i}")).await;
    }
    // Read (and so pass over) whatever the bot said to them.
    user.messages_from(&room, &bot.user_id, usize::MAX, QUIET_WAIT)
        .await;
    let (before, _) = bot_messages_in_history(&room, &bot.user_id).await;
    assert!(before >= 2, "the bot answered: {before}");

    // Synapse's admin API takes whole messages per second: 1 a second with a burst of 2 is
    // stricter than Synapse's default burst of 10, so redactions run into the limit.
    synapse.throttle(&bot.user_id, 1, 2);
    user.say(&room, "forget").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies, vec![response_set().messages.forget_done.clone()]);
    bot.kill();
    let pending = std::fs::read_to_string(bot.data_dir().join("forget-pending"))
        .expect("the pending list survives the crash");
    assert_eq!(pending.trim(), room.room_id().as_str());

    bot.start(synapse);
    let done = user
        .messages_from(&room, &bot.user_id, 1, REPLY_WAIT * 3)
        .await;
    assert_eq!(
        done,
        vec![response_set().messages.forget_final.clone()],
        "the final confirmation"
    );
    assert!(
        bot.wait_for_log("keys-erased", REPLY_WAIT),
        "the keys were erased: {}",
        bot.log(2)
    );
    bot.stop();
    assert!(
        bot.log(2).contains("finishing forgets cut short"),
        "the second run resumed the forget"
    );
    assert!(
        !bot.data_dir().join("forget-pending").exists(),
        "the pending list is empty"
    );
    user.sync().await;
    let member = room
        .get_member_no_sync(&bot.user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        *member.membership(),
        matrix_sdk::ruma::events::room::member::MembershipState::Leave
    );
    let (all, with_content) = bot_messages_in_history(&room, &bot.user_id).await;
    assert!(
        all >= before + 2,
        "forget_done and the final message: {all}"
    );
    assert_eq!(
        with_content, 1,
        "only the final confirmation keeps its content"
    );
}

/// A token revoked while the bot runs (its device logged out on the server) stops it at the
/// next sync, non-zero, with the one message `doctor` also gives for that fault; before, it
/// retried forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_the_bot_with_the_message_doctor_gives_too() {
    use matrix_sdk::authentication::matrix::MatrixSession;

    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.start(synapse);
    // Log the bot's device out with its own token, as an admin or a stray client would.
    let stored: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(bot.data_dir().join("session.json")).expect("session file"),
    )
    .expect("json");
    let session: MatrixSession =
        serde_json::from_value(stored["session"].clone()).expect("a MatrixSession");
    let other = matrix_sdk::Client::builder()
        .homeserver_url(&synapse.url)
        .build()
        .await
        .expect("client");
    other
        .matrix_auth()
        .restore_session(session, matrix_sdk::store::RoomLoadSettings::default())
        .await
        .expect("restored");
    other.matrix_auth().logout().await.expect("logged out");

    let status = bot
        .wait_exit(Duration::from_secs(90))
        .unwrap_or_else(|| panic!("the bot kept running:\n{}", bot.log(1)));
    assert!(!status.success(), "a non-zero exit");
    let log = bot.log(1);
    let words = "the homeserver logged the bot's device out";
    assert!(log.contains(words), "the clear message: {log}");
    assert!(log.contains("confidant login"), "what to do: {log}");

    let out = bot.command(synapse, &["doctor"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(!out.status.success());
    let text = output_text(&out);
    assert!(text.contains(words), "doctor says the same: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sigkill_the_same_identity_answers_new_messages_and_nothing_twice() {
    let (synapse, mut bot, user, room) = encrypted_dm().await;
    let device = bot.device_id();

    user.say(&room, "how do i turn on encrypted backups for my chats")
        .await;
    let first = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(first.len(), 1);
    user.say(&room, "what does consent mean for sending pics")
        .await;
    bot.kill();

    bot.start(synapse);
    assert_eq!(bot.device_id(), device, "same device after SIGKILL");
    user.say(&room, "my partner installed an app to track my phone")
        .await;
    let replies = user.messages_from(&room, &bot.user_id, 3, REPLY_WAIT).await;
    assert!(
        replies.iter().all(|r| r != "<undecryptable>"),
        "replies decrypt: {replies:#?}"
    );
    let last = replies.last().expect("the new message is answered");
    assert!(is_answer_of(last, "monitoring-stalkerware"), "got: {last}");
    let consent = replies
        .iter()
        .filter(|r| is_answer_of(r, "consent"))
        .count();
    assert!(
        consent <= 1,
        "the message sent before the kill is answered at most once"
    );
    assert!(
        !replies.iter().any(|r| is_answer_of(r, "cloud-backups")),
        "the first answer is not repeated"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn homeserver_outage_is_ridden_out_and_every_question_answered_once() {
    let mut synapse = harness::Synapse::start();
    let mut bot = Bot::new(&synapse);
    bot.start(&synapse);
    let user = User::new(&synapse).await;
    let room = user.create_room(&[&bot.user_id], true, true).await;
    user.wait_joined(&room, &bot.user_id).await;

    user.say(
        &room,
        "what should i do if i sent a nude to the wrong group chat",
    )
    .await;
    assert_eq!(
        user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT)
            .await
            .len(),
        1
    );

    // A question right before the outage, then 30 s without a homeserver.
    user.say(&room, "can people screenshot view once pics")
        .await;
    synapse.stop();
    tokio::time::sleep(Duration::from_secs(30)).await;
    synapse.restart();
    user.say(&room, "is sexting legal between adults").await;

    let replies = user
        .messages_from(&room, &bot.user_id, 3, Duration::from_secs(120))
        .await;
    let before = replies
        .iter()
        .filter(|r| is_answer_of(r, "screenshots-sharing"))
        .count();
    let after = replies.iter().filter(|r| is_answer_of(r, "legal")).count();
    let failures: Vec<String> = bot
        .log(1)
        .lines()
        .filter(|l| l.contains("failed") || l.contains("event handled"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        (before, after),
        (1, 1),
        "each question answered once: {replies:#?}\nthe bot's failures: {failures:#?}"
    );
    assert_eq!(replies.len(), 2, "nothing else: {replies:#?}");
    assert!(bot.log(1).contains("homeserver reachable again"));
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_doctor_is_green_and_each_fault_gets_its_own_red_line() {
    let synapse = synapse();
    let bot = Bot::new(synapse);

    // A wrong password: a clear error, and nothing usable left behind.
    let wrong = bot.command(
        synapse,
        &["login"],
        &[("CONFIDANT_PASSWORD", "not the password")],
    );
    assert!(!wrong.status.success());
    assert!(
        output_text(&wrong).contains("wrong password"),
        "{}",
        output_text(&wrong)
    );
    assert!(!bot.data_dir().join("session.json").exists());

    let login = bot.command(synapse, &["login"], &[]);
    assert!(login.status.success(), "{}", output_text(&login));
    assert!(
        output_text(&login).contains("Cross-signing is set up"),
        "{}",
        output_text(&login)
    );
    assert!(
        !output_text(&login).contains(harness::PASSPHRASE)
            && !output_text(&login).contains(harness::PASSWORD)
    );

    // Every byte and mode of every file in the data dir, to show doctor changes none.
    let snapshot = || {
        files_below(&bot.data_dir())
            .into_iter()
            .map(|p| {
                let mode = std::fs::metadata(&p).expect("stat").permissions().mode();
                let bytes = std::fs::read(&p).expect("readable");
                (p, mode, bytes)
            })
            .collect::<Vec<_>>()
    };
    let before = snapshot();
    assert!(!before.is_empty());

    // After login, no password is needed.
    let doctor = bot.command(synapse, &["doctor"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(doctor.status.success(), "{}", output_text(&doctor));
    assert!(
        !output_text(&doctor).contains('✗'),
        "{}",
        output_text(&doctor)
    );
    for name in [
        "config",
        "responses",
        "homeserver",
        "data dir",
        "forgets",
        "stores",
        "session",
        "cross-signing",
        "recovery key",
        "encryption",
    ] {
        assert!(
            output_text(&doctor).contains(&format!("✓ {name}:")),
            "no ✓ for {name}:\n{}",
            output_text(&doctor)
        );
    }

    let red = |env: &[(&str, &str)], name: &str, fix: &str| {
        let out = bot.command(synapse, &["doctor"], env);
        assert!(!out.status.success(), "doctor passed with {env:?}");
        let t = output_text(&out);
        assert!(t.contains(&format!("✗ {name}:")), "no ✗ {name}:\n{t}");
        assert!(t.contains(fix), "no fix {fix:?}:\n{t}");
    };
    red(
        &[("CONFIDANT_HOMESERVER", "http://127.0.0.1:9")],
        "homeserver",
        "check the homeserver address",
    );
    red(
        &[("CONFIDANT_STORE_PASSPHRASE", "wrong passphrase")],
        "stores",
        "set CONFIDANT_STORE_PASSPHRASE",
    );
    let after = snapshot();
    assert_eq!(
        after.iter().map(|f| &f.0).collect::<Vec<_>>(),
        before.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "doctor added or removed files"
    );
    for (was, is) in before.iter().zip(&after) {
        assert!(was == is, "doctor changed {}", is.0.display());
    }
    let session = bot.data_dir().join("session.json");
    std::fs::set_permissions(&session, std::fs::Permissions::from_mode(0o644)).unwrap();
    red(&[], "data dir", "chmod -R go-rwx");
    std::fs::set_permissions(&session, std::fs::Permissions::from_mode(0o600)).unwrap();
    let pending = bot.data_dir().join("forget-pending");
    std::fs::write(&pending, "not a room id\n").unwrap();
    std::fs::set_permissions(&pending, std::fs::Permissions::from_mode(0o600)).unwrap();
    red(&[], "forgets", "line 1");
    std::fs::remove_file(&pending).unwrap();
    // The wrong passphrase changed nothing: the right one still opens the stores.
    let again = bot.command(synapse, &["doctor"], &[]);
    assert!(again.status.success(), "{}", output_text(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_gets_a_burst_of_answers_one_slow_down_notice_then_silence() {
    let (_, mut bot, user, room) = encrypted_dm_with(&[LINE_BY_LINE]).await;

    // The example config allows a burst of 5. Then, still over the limit, the bare keyword the
    // out-of-scope answer tells people to type ("crisis", a menu pick) and an urgent message:
    // the first is answered anyway, the second is not (one urgent message per window).
    let mut questions = Vec::new();
    for i in 0..9 {
        questions.push(
            user.say(&room, &format!("is sexting legal where i live? ({i})"))
                .await,
        );
    }
    questions.push(user.say(&room, "crisis").await);
    questions.push(user.say(&room, "i don't want to be alive anymore").await);
    let replies = user
        .replies_from(&room, &bot.user_id, Duration::from_secs(30), |r| {
            r.len() >= 8
        })
        .await;
    let slow_down = &response_set().messages.slow_down;
    let count = |f: &dyn Fn(&str) -> bool| replies.iter().filter(|r| f(&r.body)).count();
    let answers = count(&|b| is_answer_of(b, "legal"));
    let notices = count(&|b| b == slow_down);
    let crisis = count(&|b| is_answer_of(b, "crisis"));
    assert_eq!(
        (answers, notices, crisis, replies.len()),
        (5, 1, 1, 7),
        "{replies:#?}"
    );
    // Each reply points at its message: the first five answered, the sixth told to slow down,
    // the menu pick "crisis" answered.
    let pointed: Vec<_> = replies.iter().map(|r| r.in_reply_to.clone()).collect();
    let expected: Vec<_> = questions[..6]
        .iter()
        .chain(&questions[9..10])
        .cloned()
        .map(Some)
        .collect();
    assert_eq!(pointed, expected);
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_typed_in_a_burst_get_one_answer_read_together_and_count_once() {
    let (_, mut bot, user, room) = encrypted_dm().await;
    let slow_down = &response_set().messages.slow_down;

    // Three lines, back to back: alone, the first two would get the menu and the break-up
    // answer. Read together, they ask about backups.
    let mut lines = Vec::new();
    for line in ["so", "the pics we sent", "can they end up in google photos"] {
        lines.push(user.say(&room, line).await);
    }
    let replies = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert_eq!(replies.len(), 1, "one answer: {replies:#?}");
    assert!(
        is_answer_of(&replies[0].body, "cloud-backups"),
        "got: {}",
        replies[0].body
    );
    assert_eq!(
        replies[0].in_reply_to.as_ref(),
        lines.last(),
        "a reply to the last line"
    );

    // Nine quick lines, more than the flood limit's burst of 5, are one message to it: one
    // answer and no "slow down".
    for i in 0..9 {
        user.say(&room, &format!("is sexting legal where i live ({i})"))
            .await;
    }
    let replies = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(
        is_answer_of(&replies[0].body, "legal"),
        "got: {}",
        replies[0].body
    );
    assert!(replies.iter().all(|r| &r.body != slow_down));

    // An urgent line is never held: it is answered with the lines before it, once.
    let mut lines = Vec::new();
    for line in [
        "my partner",
        "goes through",
        "my phone every night while i sleep",
    ] {
        lines.push(user.say(&room, line).await);
    }
    let replies = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(
        is_answer_of(&replies[0].body, "monitoring-stalkerware"),
        "got: {}",
        replies[0].body
    );
    assert_eq!(replies[0].in_reply_to.as_ref(), lines.last());

    // A stop does not drop a line that is waiting for the rest of its burst: it is answered
    // before the bot exits.
    let held_lines = |bot: &Bot| bot.log(1).matches("outcome=held").count();
    let before = held_lines(&bot);
    assert!(before >= 2, "the lines above were held");
    let held = user.say(&room, "how do i turn off photo backups").await;
    let deadline = std::time::Instant::now() + REPLY_WAIT;
    while held_lines(&bot) == before && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(held_lines(&bot), before + 1, "the line is held");
    bot.stop();
    let replies = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(replies[0].in_reply_to.as_ref(), Some(&held));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_handoff_a_yes_invites_a_responder_who_reads_nothing_earlier_and_the_bot_waits() {
    use matrix_sdk::deserialized_responses::TimelineEventKind;

    let synapse = synapse();
    let responder = User::new(synapse).await;
    let list = format!("responders = [{{ user_id = \"{}\" }}]", responder.user_id());
    let (_, mut bot, user, room) = encrypted_dm_with(&[("responders = []", &list)]).await;
    let set = response_set();

    // The request gets the offer, which asks for a yes; nobody is invited yet.
    user.say(&room, "can i talk to a real person").await;
    let offer = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(offer, std::slice::from_ref(&set.messages.handoff_offer));
    assert!(
        user.memberships(&room, &responder.user_id())
            .await
            .is_empty()
    );

    // The yes: the responder is invited, and the person is told who.
    user.say(&room, "yes").await;
    let joining = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    let expected = set
        .messages
        .handoff_joining
        .replace("{responder}", responder.user_id().as_str());
    assert_eq!(joining, [expected]);
    assert_eq!(
        user.memberships(&room, &responder.user_id()).await,
        ["invite"]
    );
    let theirs = responder.join(&room.room_id().to_owned()).await;
    user.wait_joined(&room, &responder.user_id()).await;

    // While the responder is in the room, the bot leaves the conversation to them.
    user.say(&room, "is sexting on whatsapp safe").await;
    responder.say(&theirs, "hi, I'm here to help").await;
    let quiet = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(quiet.is_empty(), "the bot stays quiet: {quiet:#?}");

    // The responder holds no key to what was written before the invite: the request, the
    // yes and the offer stay unreadable to them; what came after reads.
    responder.sync().await;
    let mut readable = Vec::new();
    let mut unreadable = 0;
    for event in harness::history(&theirs).await {
        let json: serde_json::Value = serde_json::from_str(event.raw().json().get()).unwrap();
        match &event.kind {
            TimelineEventKind::UnableToDecrypt { .. } => unreadable += 1,
            TimelineEventKind::Decrypted(_) => {
                readable.push(json["content"]["body"].as_str().unwrap_or("").to_owned())
            }
            TimelineEventKind::PlainText { .. } => {}
        }
    }
    for earlier in [
        "can i talk to a real person",
        "yes",
        set.messages.handoff_offer.as_str(),
        harness::intro_text(),
    ] {
        assert!(
            !readable.iter().any(|r| r == earlier),
            "readable: {earlier}"
        );
    }
    assert!(
        unreadable >= 4,
        "{unreadable} unreadable, readable: {readable:#?}"
    );
    assert!(
        readable.iter().any(|r| r == "is sexting on whatsapp safe"),
        "what came after reads: {readable:#?}"
    );

    // "bot" brings the bot back, in the same room, with the responder still there.
    user.say(&room, "bot").await;
    let back = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(back, std::slice::from_ref(&set.messages.handoff_resumed));
    user.say(&room, "can they screenshot a view once photo?")
        .await;
    let answer = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert!(
        is_answer_of(&answer[0], "screenshots-sharing"),
        "got: {answer:#?}"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_responder_on_hand_a_request_for_a_person_gets_the_helplines() {
    let synapse = synapse();
    // Without [handoff]: the curated answer, which says no people are on hand.
    let (_, mut bot, user, room) = encrypted_dm().await;
    user.say(&room, "can i talk to a real person").await;
    let reply = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert!(is_answer_of(&reply[0], "human"), "got: {reply:#?}");
    bot.stop();

    // With a responder who is not on hand today (UTC): nobody is invited; the person is told
    // when someone is, and gets the helplines.
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let today = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400
        + 3)
        % 7; // 1970-01-01 was a Thursday
    let tomorrow = days[(today as usize + 1) % 7];
    let responder = User::new(synapse).await;
    let list = format!(
        "responders = [{{ user_id = \"{}\", hours = \"{tomorrow} 00:00-24:00\", tz = \"UTC\" }}]",
        responder.user_id()
    );
    let (_, mut bot, user, room) = encrypted_dm_with(&[("responders = []", &list)]).await;
    user.say(&room, "can i talk to a real person").await;
    let reply = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    let set = response_set();
    assert!(
        reply[0].starts_with(set.messages.handoff_unavailable.trim()),
        "got: {reply:#?}"
    );
    assert!(
        reply[0].contains(&format!("from {tomorrow} 00:00 UTC time")),
        "got: {reply:#?}"
    );
    assert!(reply[0].contains("988"), "the helplines follow: {reply:#?}");
    user.say(&room, "yes").await;
    let _ = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(
        user.memberships(&room, &responder.user_id())
            .await
            .is_empty()
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_takes_a_changed_answer_and_keeps_the_old_set_when_a_file_is_broken() {
    // The bot answers from a copy of the response set, which the test changes.
    let copy = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(harness::repo().join("responses"))
        .expect("responses")
        .flatten()
    {
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copied");
    }
    let dir_line = format!("responses_dir = {:?}", copy.path().display().to_string());
    let (synapse, mut bot, user, room) =
        encrypted_dm_with(&[("responses_dir = \"responses\"", &dir_line)]).await;
    let ask = |question: &'static str| {
        let (user, room, bot_id) = (&user, &room, bot.user_id.clone());
        async move {
            user.say(room, question).await;
            let replies = user.messages_from(room, &bot_id, 1, REPLY_WAIT).await;
            assert_eq!(replies.len(), 1, "{question}: {replies:#?}");
            replies[0].clone()
        }
    };
    let before = ask("thanks, bye").await;
    assert!(is_answer_of(&before, "thanks-bye"), "got: {before}");

    // A curator changes the answer; `confidant reload` makes the running bot take it.
    let file = copy.path().join("thanks-bye.toml");
    let text = std::fs::read_to_string(&file).expect("topic file");
    let old_start = before.lines().next().expect("a first line").to_owned();
    let new_start = "You're welcome, and thank you for asking (reloaded).";
    assert!(text.contains(&old_start), "the answer starts as sent");
    std::fs::write(&file, text.replacen(&old_start, new_start, 1)).expect("changed");
    let out = bot.command(synapse, &["reload"], &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(bot.wait_for_log("responses reloaded", REPLY_WAIT));
    let after = ask("thanks, bye").await;
    assert!(after.starts_with(new_start), "the new text: {after}");

    // A broken file: the bot keeps the set in use and names the file in its log.
    std::fs::write(&file, "answer = \"unclosed").expect("broken");
    let out = bot.command(synapse, &["reload"], &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(bot.wait_for_log("responses not reloaded", REPLY_WAIT));
    assert!(
        bot.log(1)
            .lines()
            .any(|l| l.contains("response set problem") && l.contains("thanks-bye.toml")),
        "the log names the file"
    );
    let kept = ask("thanks, bye").await;
    assert!(kept.starts_with(new_start), "the set in use stays: {kept}");
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_an_access_token_and_no_password_gives_a_cross_signed_bot_that_answers() {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    let token = synapse.access_token(&bot.user_id);
    let login = bot.command(
        synapse,
        &["login"],
        &[
            ("CONFIDANT_PASSWORD", ""),
            ("CONFIDANT_ACCESS_TOKEN", &token),
        ],
    );
    let printed = output_text(&login);
    assert!(login.status.success(), "{printed}");
    assert!(printed.contains("on a new device"), "{printed}");
    assert!(printed.contains("Cross-signing is set up"), "{printed}");
    assert!(!printed.contains(&token), "the token is never printed");

    // Later starts need neither the password nor the token.
    bot.start(synapse);
    let user = User::new(synapse).await;
    let room = user.create_room(&[&bot.user_id], true, true).await;
    user.wait_joined(&room, &bot.user_id).await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(!replies[0].contains("<undecryptable>"));
    bot.stop();
    assert!(!bot.log(1).contains(&token), "the token is not in the log");

    // A token of another account is refused before anything is stored.
    let other = Bot::new(synapse);
    let wrong = synapse.access_token(&user.user_id());
    let refused = other.command(
        synapse,
        &["login"],
        &[
            ("CONFIDANT_PASSWORD", ""),
            ("CONFIDANT_ACCESS_TOKEN", &wrong),
        ],
    );
    let printed = output_text(&refused);
    assert!(!refused.status.success(), "{printed}");
    assert!(printed.contains("belongs to"), "{printed}");
    assert!(!other.data_dir().join("session.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_homeservers_rate_limit_is_waited_out_and_nothing_dropped() {
    let (synapse, mut bot, user, room) = encrypted_dm_with(&[LINE_BY_LINE]).await;
    // The bot may send one message a second, so back-to-back answers get M_LIMIT_EXCEEDED.
    let limit = synapse.throttle(&bot.user_id, 1, 1);
    let limit: serde_json::Value = serde_json::from_str(&limit).expect("JSON");
    assert_eq!(limit["messages_per_second"], 1, "{limit}");

    let mut questions = Vec::new();
    for i in 0..4 {
        questions.push(
            user.say(&room, &format!("how do i turn off photo backups ({i})"))
                .await,
        );
    }
    let replies = user
        .replies_from(&room, &bot.user_id, REPLY_WAIT, |r| r.len() >= 4)
        .await;
    let late = user
        .replies_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(late.is_empty(), "a second answer: {late:#?}");
    let pointed: Vec<_> = replies.iter().map(|r| r.in_reply_to.clone()).collect();
    let expected: Vec<_> = questions.iter().cloned().map(Some).collect();
    assert_eq!(pointed, expected, "each answered once, in order");
    assert!(
        replies
            .iter()
            .all(|r| is_answer_of(&r.body, "cloud-backups")),
        "{replies:#?}"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_odd_input_gets_a_clear_reply_and_never_an_echo() {
    use matrix_sdk::ruma::events::{
        reaction::ReactionEventContent, relation::Annotation,
        room::message::RoomMessageEventContent,
    };

    let (_, mut bot, user, room) = encrypted_dm().await;

    // Markup in the body and the formatted body: answered, never echoed.
    let hostile = RoomMessageEventContent::text_html(
        "<img src=x onerror=alert(1)> [click](javascript:alert(1)) my ex posted my nudes online",
        "<script>alert('x')</script><b>my ex posted my nudes online</b>",
    );
    let sent = room.send(hostile).await.expect("sent").response.event_id;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1);
    for needle in ["<script", "<img", "javascript:", "onerror"] {
        assert!(!replies[0].contains(needle), "echoed {needle}");
    }
    assert!(
        is_answer_of(&replies[0], "non-consensual-sharing"),
        "got: {}",
        replies[0]
    );

    // A reaction: nothing. A very long message (as long as the homeserver takes, encrypted): an
    // answer, no crash.
    room.send(ReactionEventContent::new(Annotation::new(
        sent,
        "👍".into(),
    )))
    .await
    .expect("sent");
    let long =
        "my partner keeps pressuring me to send nudes and i feel bad saying no. ".repeat(500);
    user.say(&room, &long).await;
    let replies = user.messages_from(&room, &bot.user_id, 2, REPLY_WAIT).await;
    assert_eq!(
        replies.len(),
        1,
        "one reply, none for the reaction: {replies:#?}"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_travels_at_one_ciphertext_size() {
    use matrix_sdk::ruma::{
        api::client::message::get_message_events, events::AnyTimelineEvent, serde::Raw,
    };

    let (_, mut bot, user, room) = encrypted_dm_with(&[LINE_BY_LINE]).await;
    // A short answer, a long one, a menu and an urgent one (after the introduction); each
    // answer's follow-ups and the menu go out as polls.
    for question in [
        "thanks, bye",
        "what are the risks of sexting on whatsapp",
        "hi",
        "someone is blackmailing me with my pics",
    ] {
        user.say(&room, question).await;
    }
    let sent = user
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| {
            messages_of(s).len() >= 4 && polls_of(s).len() >= 4
        })
        .await;
    let replies = messages_of(&sent);
    assert_eq!(replies.len(), 4, "{sent:#?}");
    let lengths: std::collections::BTreeSet<usize> = replies.iter().map(|r| r.body.len()).collect();
    assert!(lengths.len() > 1, "the answers differ in length as text");
    // A vote: its answer, the poll's end, and the answer's follow-up poll.
    let poll = polls_of(&sent)[0].clone();
    user.vote(&room, &poll.event_id, &poll.answers[0].0).await;
    let after = user
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| {
            !ends_of(s).is_empty() && !polls_of(s).is_empty()
        })
        .await;
    assert_eq!(
        ends_of(&after),
        std::slice::from_ref(&poll.event_id),
        "{after:#?}"
    );
    let sent_count = sent.len() + after.len();
    bot.stop();

    // What the homeserver holds: the encrypted events as sent, never decrypted here.
    let mut request = get_message_events::v3::Request::backward(room.room_id().to_owned());
    request.limit = 100u32.into();
    let response = user.client.send(request).await.expect("messages");
    let ciphertexts: Vec<usize> = response
        .chunk
        .iter()
        .filter(|e: &&Raw<AnyTimelineEvent>| {
            e.get_field::<String>("sender").ok().flatten().as_deref() == Some(bot.user_id.as_str())
                && e.get_field::<String>("type").ok().flatten().as_deref()
                    == Some("m.room.encrypted")
        })
        .filter_map(|e| {
            let content: serde_json::Value = e.get_field("content").ok().flatten()?;
            Some(content["ciphertext"].as_str()?.len())
        })
        .collect();
    assert_eq!(
        ciphertexts.len(),
        1 + sent_count,
        "the introduction and every answer, poll and poll end, encrypted: {ciphertexts:?}"
    );
    assert!(
        ciphertexts.iter().all(|&c| c == ciphertexts[0]),
        "one ciphertext size for every message, poll and poll end: {ciphertexts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_question_gets_a_poll_whose_vote_is_answered_once_and_the_poll_ended() {
    let (synapse, mut bot, user, room) = encrypted_dm().await;
    let set = response_set();

    // Ambiguous (the CLI's `ask "worried"` offers two topics).
    let question = user.say(&room, "worried").await;
    let sent = user
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| !polls_of(s).is_empty())
        .await;
    assert!(
        messages_of(&sent).is_empty(),
        "the menu is the poll alone: {sent:#?}"
    );
    let poll = polls_of(&sent)[0].clone();
    assert_eq!(poll.in_reply_to.as_ref(), Some(&question));
    assert!(poll.disclosed, "disclosed");
    assert_eq!(poll.max_selections, 1);
    assert_eq!(poll.question, set.messages.did_you_mean.trim());
    assert!(poll.answers.len() >= 2, "{poll:#?}");
    let fallback = poll.fallback.clone().expect("a text fallback");
    assert!(fallback.starts_with(set.messages.did_you_mean.trim()));
    let topic_of = |id: &str| {
        set.topics()
            .iter()
            .find(|t| t.number.to_string() == id)
            .unwrap_or_else(|| panic!("answer id {id} is no topic number"))
            .clone()
    };
    for (id, label) in &poll.answers {
        let topic = topic_of(id);
        assert!(label.contains(&topic.title), "{label}");
        assert!(
            fallback.contains(&format!("**{id}** · {}", topic.title)),
            "{fallback}"
        );
    }

    // A vote is answered like the number typed, as a reply to the poll; then the poll is ended.
    let (chosen, _) = poll.answers[1].clone();
    let topic = topic_of(&chosen);
    user.vote(&room, &poll.event_id, &chosen).await;
    assert!(
        !topic.follow_ups.is_empty(),
        "the chosen topic has related topics"
    );
    let sent = user
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| {
            !ends_of(s).is_empty() && !polls_of(s).is_empty()
        })
        .await;
    let answers = messages_of(&sent);
    assert_eq!(answers.len(), 1, "{sent:#?}");
    assert!(
        is_answer_of(&answers[0].body, &topic.id),
        "{}",
        answers[0].body
    );
    assert_eq!(answers[0].in_reply_to.as_ref(), Some(&poll.event_id));
    // In order: the answer, the end of the poll voted on, the answer's related topics as a new
    // poll (not in the answer's text), so the menu to use next comes last.
    let [
        Sent::Message(_),
        Sent::PollEnd { start, text },
        Sent::PollStart(follow_ups),
    ] = &sent[..]
    else {
        panic!("answer, end, new poll: {sent:#?}");
    };
    assert_eq!(start, &poll.event_id);
    assert_eq!(text, set.messages.poll_ended.trim());
    assert_eq!(follow_ups.question, set.messages.follow_ups_label.trim());
    assert_eq!(follow_ups.in_reply_to.as_ref(), Some(&poll.event_id));
    assert!(
        !answers[0]
            .body
            .contains(set.messages.follow_ups_label.trim())
    );

    // The poll is ended, and the bot reads that from the room, not from memory: after a
    // restart, a second vote (a changed mind) gets nothing.
    bot.stop();
    bot.start(synapse);
    user.vote(&room, &poll.event_id, &poll.answers[0].0).await;
    let late = user
        .sent_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(
        late.is_empty(),
        "nothing for a vote on an ended poll: {late:#?}"
    );

    // Typing the number still works.
    user.say(&room, &chosen).await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1);
    assert!(is_answer_of(&replies[0], &topic.id), "{}", replies[0]);
    bot.stop();
    let logs = bot.all_logs();
    assert!(logs.contains("poll-ended"), "the end is logged as a kind");
    assert!(
        bot.log(2).contains("vote-poll-ended"),
        "the late vote was ignored as one on an ended poll"
    );
    for (_, label) in &poll.answers {
        assert!(
            !logs.contains(label.as_str()),
            "a menu label in the logs: {label}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_a_vote_on_the_bots_poll_is_answered_without_naming_the_bot() {
    let (mut bot, alice, room) = encrypted_group().await;
    let set = response_set();
    alice.say(&room, "confidant, worried").await;
    let sent = alice
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| !polls_of(s).is_empty())
        .await;
    let poll = polls_of(&sent)[0].clone();
    let (chosen, _) = poll.answers[0].clone();
    let topic = set
        .topics()
        .iter()
        .find(|t| t.number.to_string() == chosen)
        .expect("a topic number")
        .id
        .clone();
    // A vote names nobody, and is still for the bot: the poll is its own.
    alice.vote(&room, &poll.event_id, &chosen).await;
    let sent = alice
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| !ends_of(s).is_empty())
        .await;
    let answers = messages_of(&sent);
    assert_eq!(answers.len(), 1, "{sent:#?}");
    assert!(
        is_answer_of(&answers[0].body, &topic),
        "{}",
        answers[0].body
    );
    assert_eq!(answers[0].in_reply_to.as_ref(), Some(&poll.event_id));
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_text_menus_no_poll_is_sent_and_the_menu_is_text() {
    let (_, mut bot, user, room) =
        encrypted_dm_with(&[("menus = \"poll\"", "menus = \"text\""), LINE_BY_LINE]).await;
    let set = response_set();
    user.say(&room, "worried").await;
    user.say(&room, "someone is blackmailing me with my pics")
        .await;
    let sent = user
        .sent_from(&room, &bot.user_id, REPLY_WAIT, |s| {
            messages_of(s).len() >= 2
        })
        .await;
    let more = user
        .sent_from(&room, &bot.user_id, QUIET_WAIT, |_| false)
        .await;
    assert!(
        polls_of(&sent).is_empty() && more.is_empty(),
        "no poll: {sent:#?} {more:#?}"
    );
    let replies = messages_of(&sent);
    assert_eq!(replies.len(), 2, "{sent:#?}");
    let menu = &replies[0].body;
    assert!(menu.starts_with(set.messages.did_you_mean.trim()), "{menu}");
    assert!(menu.contains("\n- **"), "a numbered text menu: {menu}");
    assert!(is_answer_of(&replies[1].body, "sextortion"));
    assert!(
        replies[1]
            .body
            .contains(set.messages.follow_ups_label.trim()),
        "the follow-ups stay in the answer's text"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_the_same_data_dir_is_refused_at_once() {
    let (synapse, mut bot, user, room) = encrypted_dm().await;
    let pid = bot.pid().expect("running");

    // No core file can be written by the running bot.
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core line");
    assert_eq!(
        core.split_whitespace().skip(4).take(2).collect::<Vec<_>>(),
        ["0", "0"],
        "{core}"
    );

    let second = bot.command(synapse, &["run"], &[]);
    assert!(!second.status.success(), "a second run must not start");
    let said = output_text(&second);
    assert!(
        said.contains(&format!("(pid {pid})")),
        "names the holder: {said}"
    );
    let login = bot.command(synapse, &["login"], &[]);
    assert!(!login.status.success());
    assert!(
        output_text(&login).contains("is using the data dir"),
        "{}",
        output_text(&login)
    );
    let doctor = bot.command(synapse, &["doctor"], &[]);
    assert!(!doctor.status.success());
    assert!(
        output_text(&doctor).contains("not opened: another confidant process"),
        "doctor says it left the stores alone: {}",
        output_text(&doctor)
    );

    // The running bot is unharmed: it still answers, once.
    user.say(&room, "is sexting legal?").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    bot.stop();
    // Once it has stopped, the data dir is free again.
    let doctor = bot.command(synapse, &["doctor"], &[]);
    assert!(
        !output_text(&doctor).contains("not opened"),
        "{}",
        output_text(&doctor)
    );
}

/// `rooms.allowed_inviters`: an invite from a listed user is joined, one from anyone else is
/// declined (and the log says so, without naming anyone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_from_outside_allowed_inviters_are_declined() {
    use matrix_sdk::ruma::events::room::member::MembershipState;

    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    let allowed = User::new(synapse).await;
    let stranger = User::new(synapse).await;
    bot.edit_config(
        "allowed_inviters = []",
        &format!("allowed_inviters = [\"{}\"]", allowed.user_id()),
    );
    bot.start(synapse);

    let welcome = allowed.create_room(&[&bot.user_id], true, true).await;
    allowed.wait_joined(&welcome, &bot.user_id).await;

    let refused = stranger.create_room(&[&bot.user_id], true, true).await;
    let deadline = std::time::Instant::now() + REPLY_WAIT;
    loop {
        stranger.sync().await;
        let member = refused.get_member_no_sync(&bot.user_id).await.unwrap();
        if member.is_some_and(|m| *m.membership() == MembershipState::Leave) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bot did not decline the stranger's invite"
        );
    }
    assert!(
        bot.log(1).contains("not on the allow-list"),
        "the log says why: {}",
        bot.log(1)
    );
    bot.stop();
    assert!(
        !bot.all_logs().contains(stranger.user_id().localpart()),
        "the log names nobody"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_inviter_brings_the_bot_into_at_most_the_capped_number_of_rooms() {
    use matrix_sdk::ruma::events::room::member::MembershipState;

    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.edit_config(
        "max_joins_per_inviter_per_hour = 10",
        "max_joins_per_inviter_per_hour = 2",
    );
    bot.start(synapse);
    let eager = User::new(synapse).await;
    let other = User::new(synapse).await;
    for _ in 0..2 {
        let room = eager.create_room(&[&bot.user_id], true, true).await;
        eager.wait_joined(&room, &bot.user_id).await;
    }
    // The third invite within the hour is declined; someone else's is not.
    let third = eager.create_room(&[&bot.user_id], true, true).await;
    let deadline = std::time::Instant::now() + REPLY_WAIT;
    loop {
        eager.sync().await;
        let member = third.get_member_no_sync(&bot.user_id).await.unwrap();
        if member.is_some_and(|m| *m.membership() == MembershipState::Leave) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bot did not decline the third invite"
        );
    }
    assert!(
        bot.log(1).contains("max_joins_per_inviter_per_hour"),
        "the log says why: {}",
        bot.log(1)
    );
    let theirs = other.create_room(&[&bot.user_id], true, true).await;
    other.wait_joined(&theirs, &bot.user_id).await;
    bot.stop();
    assert!(
        !bot.all_logs().contains(eager.user_id().localpart()),
        "the log names nobody"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_to_rooms_over_the_member_limit_are_declined_without_joining() {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.edit_config("max_members = 25", "max_members = 2");
    bot.start(synapse);
    let alice = User::new(synapse).await;
    let bob = User::new(synapse).await;
    let room = alice.create_room(&[&bob.user_id()], true, false).await;
    bob.join(&room.room_id().to_owned()).await;
    alice.wait_joined(&room, &bob.user_id()).await;
    room.invite_user_by_id(&bot.user_id).await.expect("invited");

    alice.wait_left(&room, &bot.user_id, REPLY_WAIT).await;
    // The homeserver's room summary said the room was too large before the bot joined.
    assert_eq!(
        alice.memberships(&room, &bot.user_id).await,
        ["invite", "leave"],
        "declined without joining: {}",
        bot.log(1)
    );
    assert!(
        bot.log(1).contains("rooms.max_members; not joining"),
        "the log says why: {}",
        bot.log(1)
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_quiet_for_leave_idle_after_days_is_left_and_its_keys_erased() {
    // 0.0003 days is about 26 seconds.
    let (_, mut bot, user, room) = encrypted_dm_with(&[(
        "leave_idle_after_days = 30",
        "leave_idle_after_days = 0.0003",
    )])
    .await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "answered while the room is in use");
    let answered = std::time::Instant::now();

    user.wait_left(&room, &bot.user_id, Duration::from_secs(120))
        .await;
    assert!(
        answered.elapsed() >= Duration::from_secs(20),
        "left before the room had been quiet long enough: {:?}",
        answered.elapsed()
    );
    assert!(bot.wait_for_log("left-idle", REPLY_WAIT), "{}", bot.log(1));
    assert!(
        bot.wait_for_log("keys-erased", REPLY_WAIT),
        "the quiet room's keys are erased: {}",
        bot.log(1)
    );
    bot.stop();
}

/// The invite rules apply to upgrades: a room upgraded by someone who could not have invited
/// the bot is not followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_upgrade_by_someone_outside_allowed_inviters_is_not_followed() {
    use matrix_sdk::ruma::{
        RoomVersionId,
        api::client::room::{create_room::v3::RoomPreset, upgrade_room::v3 as upgrade_room},
        serde::Raw,
    };

    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    let alice = User::new(synapse).await;
    let bob = User::new(synapse).await;
    bot.edit_config(
        "allowed_inviters = []",
        &format!("allowed_inviters = [\"{}\"]", alice.user_id()),
    );
    bot.start(synapse);
    // Alice (allowed, the creator) brings the bot in; Bob (not allowed) may upgrade the room
    // (150: the tombstone's level in room version 12, Synapse's default).
    let mut request = matrix_sdk::ruma::api::client::room::create_room::v3::Request::new();
    request.invite = vec![bot.user_id.clone()];
    request.preset = Some(RoomPreset::PublicChat);
    request.power_level_content_override = Some(
        Raw::from_json_string(format!(r#"{{"users": {{"{}": 150}}}}"#, bob.user_id()))
            .expect("power levels"),
    );
    request.initial_state = vec![
        matrix_sdk::ruma::events::InitialStateEvent::with_empty_state_key(
            matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent::with_recommended_defaults(),
        )
        .to_raw_any(),
    ];
    let room = alice.client.create_room(request).await.expect("room");
    alice.wait_joined(&room, &bot.user_id).await;
    // A public room: Bob joins without an invite.
    bob.client
        .join_room_by_id(room.room_id())
        .await
        .expect("bob joins");

    let response = bob
        .client
        .send(upgrade_room::Request::new(
            room.room_id().to_owned(),
            RoomVersionId::V11,
        ))
        .await
        .expect("upgraded");
    assert!(
        bot.wait_for_log("room upgrade not followed", REPLY_WAIT),
        "{}",
        bot.log(1)
    );
    // The new room's members, as the homeserver has them: the bot is not among them.
    let members = bob
        .client
        .send(
            matrix_sdk::ruma::api::client::membership::get_member_events::v3::Request::new(
                response.replacement_room.clone(),
            ),
        )
        .await
        .expect("members of the new room");
    let names: Vec<String> = members
        .chunk
        .iter()
        .filter_map(|e| e.get_field::<String>("state_key").ok().flatten())
        .collect();
    assert!(names.contains(&bob.user_id().to_string()), "{names:?}");
    assert!(
        !names.contains(&bot.user_id.to_string()),
        "the bot is not in the upgraded room: {names:?}"
    );
    bot.stop();
}

/// Removed from a room (kicked), the bot erases that room's keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_kicked_from_a_room_erases_its_keys() {
    let (_, mut bot, user, room) = encrypted_dm().await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1);
    room.kick_user(&bot.user_id, None).await.expect("kicked");
    assert!(
        bot.wait_for_log("keys-erased", REPLY_WAIT),
        "{}",
        bot.log(1)
    );
    let erased = bot
        .log(1)
        .lines()
        .find(|l| l.contains("keys-erased"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        !erased.contains("sessions=0"),
        "the room's session was erased: {erased}"
    );
    bot.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_upgrade_is_followed() {
    use matrix_sdk::ruma::{
        RoomVersionId,
        api::client::room::{create_room::v3::RoomPreset, upgrade_room::v3 as upgrade_room},
    };

    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    bot.start(synapse);
    let user = User::new(synapse).await;
    // A public room, so the bot may join the new one without a fresh invite.
    let mut request = matrix_sdk::ruma::api::client::room::create_room::v3::Request::new();
    request.invite = vec![bot.user_id.clone()];
    request.preset = Some(RoomPreset::PublicChat);
    request.initial_state = vec![
        matrix_sdk::ruma::events::InitialStateEvent::with_empty_state_key(
            matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent::with_recommended_defaults(),
        )
        .to_raw_any(),
    ];
    let room = user.client.create_room(request).await.expect("room");
    user.wait_joined(&room, &bot.user_id).await;

    let response = user
        .client
        .send(upgrade_room::Request::new(
            room.room_id().to_owned(),
            RoomVersionId::V11,
        ))
        .await
        .expect("upgraded");
    let new_room = user.join(&response.replacement_room).await;
    user.wait_joined(&new_room, &bot.user_id).await;
    user.say(&new_room, "what are the risks of sexting on whatsapp")
        .await;
    let replies = user
        .messages_from(&new_room, &bot.user_id, 1, REPLY_WAIT)
        .await;
    assert_eq!(replies.len(), 1, "answered in the upgraded room");
    bot.stop();
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let Ok(probe) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("systemd-analyze is not installed; the unit is not checked here");
        return;
    };
    assert!(probe.status.success());
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/confidant.service"
    ))
    .unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/confidant run"),
        "the unit runs the bot"
    );
    // Verify against the binary just built, installed where the unit expects it only in name.
    let unit = unit.replace("/usr/local/bin/confidant", env!("CARGO_BIN_EXE_confidant"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confidant.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{text}"
    );
    let own: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("confidant.service"))
        .collect();
    assert!(
        own.is_empty(),
        "warnings about the unit:\n{}",
        own.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_errors_at_start_are_clear_and_change_nothing() {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);

    // A bad config: every problem named, non-zero exit, nothing written.
    bot.edit_config("region = \"us\"", "region = \"mars\"\ncolour = \"blue\"");
    let out = bot.command(synapse, &["run"], &[("CONFIDANT_STORE_PASSPHRASE", "")]);
    assert!(!out.status.success());
    for needle in [
        "region: unknown region \"mars\"",
        "colour: unknown key",
        "CONFIDANT_STORE_PASSPHRASE: not set",
        "nothing was started or written",
    ] {
        assert!(
            output_text(&out).contains(needle),
            "missing {needle:?} in:\n{}",
            output_text(&out)
        );
    }
    assert!(!bot.data_dir().exists(), "nothing written");
    bot.edit_config("region = \"mars\"\ncolour = \"blue\"", "region = \"us\"");

    // Set up a real identity, then start with the wrong passphrase: refused, stores untouched.
    bot.start(synapse);
    bot.stop();
    // A stop right after the start can leave a write-ahead log beside a store; SQLite folds it
    // into the main file whenever the store is next opened, a move of bytes between files, not
    // a change of content. Fold it now, so the snapshot below compares content.
    for store in ["matrix-sdk-crypto.sqlite3", "matrix-sdk-state.sqlite3"] {
        let path = bot.data_dir().join("store").join(store);
        let conn = rusqlite::Connection::open(&path).expect("store opens");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    // The session and the stores; not the lock file, which names whichever process ran last.
    let snapshot = |dir: &std::path::Path| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        files_below(dir)
            .into_iter()
            .filter(|f| !f.ends_with("lock"))
            .map(|f| (f.clone(), std::fs::read(&f).unwrap()))
            .collect()
    };
    let before = snapshot(&bot.data_dir());
    let out = bot.command(
        synapse,
        &["run"],
        &[("CONFIDANT_STORE_PASSPHRASE", "not the passphrase")],
    );
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("cannot open the encrypted stores"),
        "{}",
        output_text(&out)
    );
    assert!(
        output_text(&out).contains("Nothing was changed"),
        "{}",
        output_text(&out)
    );
    assert_eq!(
        snapshot(&bot.data_dir()),
        before,
        "fail closed: no store was reset or changed"
    );

    // Another homeserver than the session's: refused before the token goes anywhere.
    let elsewhere = [("CONFIDANT_HOMESERVER", "http://127.0.0.1:9")];
    let out = bot.command(synapse, &["run"], &elsewhere);
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("was written for the homeserver"),
        "{}",
        output_text(&out)
    );
    // The same server at a new address (as the message says: the session file is edited), but
    // unreachable: retried, then a message naming it.
    let session = bot.data_dir().join("session.json");
    let stored = std::fs::read_to_string(&session).expect("session file");
    let mut value: serde_json::Value = serde_json::from_str(&stored).expect("JSON");
    value["homeserver"] = "http://127.0.0.1:9".into();
    std::fs::write(&session, value.to_string()).expect("written");
    let out = bot.command(synapse, &["run"], &elsewhere);
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("cannot reach the homeserver at http://127.0.0.1:9"),
        "{}",
        output_text(&out)
    );
    assert!(
        output_text(&out).contains("homeserver not reachable; retrying"),
        "retried first:\n{}",
        output_text(&out)
    );

    // The password left set and the data dir gone (a failed mount, a typo): no first login,
    // which would make a new device that every user sees as a changed identity.
    let missing = bot.data_dir().with_file_name("not-the-data-dir");
    let out = bot.command(
        synapse,
        &["run"],
        &[("CONFIDANT_DATA_DIR", missing.to_str().expect("utf-8 path"))],
    );
    assert!(!out.status.success());
    for needle in ["no session in", "new identity", "Nothing was started"] {
        assert!(
            output_text(&out).contains(needle),
            "{needle}:\n{}",
            output_text(&out)
        );
    }
    assert!(!missing.exists(), "nothing written");
}
