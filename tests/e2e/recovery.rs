//! The recovery key: a lost data dir comes back as the same identity, so a careful person who
//! verified the bot (and whose client sends keys only to devices its owner signed) keeps
//! talking to it; without it, the same person's client refuses.

use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;

use crate::{
    REPLY_WAIT,
    harness::{Bot, User, files_below, synapse},
    is_answer_of, output_text,
};

/// The key `login` or `recovery-key` printed: the indented line after its heading.
fn printed_key(text: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("Recovery key"));
    lines
        .by_ref()
        .skip(1)
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("no recovery key printed:\n{text}"))
        .trim()
        .to_owned()
}

/// Whether `text` holds the key, with or without its spaces.
fn holds_key(text: &[u8], key: &str) -> bool {
    let text = String::from_utf8_lossy(text);
    text.contains(key) || text.contains(&key.replace(' ', ""))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_data_dir_recovered_with_the_key_is_the_same_identity_a_careful_client_sends_keys_to()
 {
    let synapse = synapse();
    let mut bot = Bot::new(synapse);
    let login = bot.command(synapse, &["login"], &[]);
    assert!(login.status.success(), "{}", output_text(&login));
    let first_key = printed_key(&output_text(&login));
    assert_eq!(first_key.split(' ').count(), 12, "{first_key}");
    bot.start(synapse);
    let first_device = bot.device_id();

    let user = User::careful(synapse).await;
    user.verify_identity(&bot.user_id).await;
    let room = user.create_room(&[&bot.user_id], true, true).await;
    user.wait_joined(&room, &bot.user_id).await;
    user.wait_intro(&room, &bot.user_id).await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    bot.stop();

    // A new key replaces the first (for a bot whose key was lost); doctor sees one set up.
    let renewed = bot.command(synapse, &["recovery-key"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(renewed.status.success(), "{}", output_text(&renewed));
    let key = printed_key(&output_text(&renewed));
    assert_ne!(key, first_key);
    let doctor = bot.command(synapse, &["doctor"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(
        output_text(&doctor).contains("✓ recovery key:"),
        "{}",
        output_text(&doctor)
    );
    // The key lives only in what was printed: no file of the data dir, no log holds it.
    for path in files_below(&bot.data_dir()) {
        let bytes = std::fs::read(&path).expect("readable");
        assert!(
            !holds_key(&bytes, &key) && !holds_key(&bytes, &first_key),
            "{path:?}"
        );
    }
    assert!(!holds_key(bot.all_logs().as_bytes(), &key));

    // The disk is lost.
    std::fs::remove_dir_all(bot.data_dir()).expect("data dir removed");
    let session = bot.data_dir().join("session.json");

    // A mistyped key is caught before any login; a replaced key does not open the storage.
    // Either way the data dir is left with no session and no stores, ready for the next try.
    let last = key.chars().last().expect("a key");
    let typo = format!(
        "{}{}",
        &key[..key.len() - 1],
        if last == 'a' { 'b' } else { 'a' }
    );
    let out = bot.command(synapse, &["recover"], &[("CONFIDANT_RECOVERY_KEY", &typo)]);
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("check digit"),
        "{}",
        output_text(&out)
    );
    let out = bot.command(
        synapse,
        &["recover"],
        &[("CONFIDANT_RECOVERY_KEY", &first_key)],
    );
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("does not open the account's secret storage"),
        "{}",
        output_text(&out)
    );
    assert!(!session.exists());
    assert!(!bot.data_dir().join("store").exists());

    let recovered = bot.command(synapse, &["recover"], &[("CONFIDANT_RECOVERY_KEY", &key)]);
    assert!(recovered.status.success(), "{}", output_text(&recovered));
    assert!(
        !holds_key(output_text(&recovered).as_bytes(), &key),
        "not printed back"
    );
    let again = bot.command(synapse, &["recover"], &[("CONFIDANT_RECOVERY_KEY", &key)]);
    assert!(
        output_text(&again).contains("already holds a session"),
        "{}",
        output_text(&again)
    );

    bot.start(synapse);
    assert_ne!(bot.device_id(), first_device, "a new device");
    assert_eq!(
        user.sees_identity_of(&bot.user_id).await,
        (true, false),
        "still the identity the user verified, unchanged"
    );
    user.say(&room, "how do i know if my partner is pressuring me")
        .await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    // The answer itself, not the notice for a message it could not decrypt.
    assert!(
        is_answer_of(&replies[0], "pressure-coercion"),
        "the new device got the keys: {replies:#?}"
    );
    bot.stop();

    // Without the key, the same loss is a new identity: the careful client refuses to send.
    std::fs::remove_dir_all(bot.data_dir()).expect("data dir removed");
    bot.start(synapse);
    let (verified, changed) = user.sees_identity_of(&bot.user_id).await;
    assert!(!verified && changed, "a changed identity is flagged");
    let refused = room
        .send(RoomMessageEventContent::text_plain("still there?"))
        .await;
    assert!(refused.is_err(), "sent to an identity that changed");
    bot.stop();

    // The old key can only bring back the old identity: doctor no longer calls it set up, and
    // `login` on the running session makes the new identity its own key.
    let doctor = bot.command(synapse, &["doctor"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(
        output_text(&doctor).contains("✗ recovery key: none set up"),
        "{}",
        output_text(&doctor)
    );
    let login = bot.command(synapse, &["login"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(login.status.success(), "{}", output_text(&login));
    assert!(output_text(&login).contains("Already logged in"));
    let newest = printed_key(&output_text(&login));
    assert!(newest != key && newest != first_key);
    let doctor = bot.command(synapse, &["doctor"], &[("CONFIDANT_PASSWORD", "")]);
    assert!(
        output_text(&doctor).contains("✓ recovery key:"),
        "{}",
        output_text(&doctor)
    );
}
