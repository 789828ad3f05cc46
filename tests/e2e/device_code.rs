//! Login without a password by the OAuth 2.0 device-code flow, on a Synapse whose logins go
//! through an authorization service (`matrix_authentication_service`, password login off), as
//! on homeservers run with the Matrix Authentication Service. The service here is the test's
//! own (`authorization_server.py`), not MAS: Synapse checks every token with it, and its access
//! tokens live a few seconds, so the bot must refresh them while it runs and after a restart.

use std::{
    io::{BufRead, BufReader},
    process::Child,
    time::Duration,
};

use matrix_sdk::ruma::UserId;

use crate::{
    REPLY_WAIT,
    harness::{AuthService, Bot, Synapse, User, free_port},
    is_answer_of, output_text,
};

/// How long the service's access tokens live, in seconds.
const ACCESS_TTL: u32 = 6;

/// A running `login --device-code`, its output read as it comes.
struct Login {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    printed: String,
}

impl Login {
    fn new(mut child: Child) -> Login {
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = std::sync::mpsc::channel();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx2.send(line);
            }
        });
        Login {
            child,
            lines,
            printed: String::new(),
        }
    }

    /// Waits until it shows the code; returns the code.
    fn code(&mut self) -> String {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(60)) {
            self.printed.push_str(&line);
            self.printed.push('\n');
            if let Some((_, code)) = line.trim().split_once("?code=") {
                return code.to_owned();
            }
        }
        panic!("no code shown:\n{}", self.printed);
    }

    /// Waits for it to end; returns whether it succeeded and all it printed.
    fn finished(mut self) -> (bool, String) {
        let status = self.child.wait().expect("login ends");
        // Both readers end with the process; the channel closes when they have.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.printed.push_str(&line);
            self.printed.push('\n');
        }
        (status.success(), self.printed)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_code_login_the_operator_approves_answers_and_keeps_refreshing_its_tokens() {
    let secret = "test-authorization-service-secret";
    let auth_port = free_port();
    let synapse = Synapse::start_with(&[&format!("http://127.0.0.1:{auth_port}/"), secret]);
    let auth = AuthService::start(auth_port, &synapse, secret, ACCESS_TTL);
    let n = std::process::id();
    let bot_id = UserId::parse(format!("@oauthbot{n}:localhost")).expect("user id");
    let mut bot = Bot::for_account(bot_id.clone());
    let no_password = [("CONFIDANT_PASSWORD", "")];

    // Without the switch, and with password login off, `login` has no way in.
    let refused = bot.command(&synapse, &["login"], &[]);
    assert!(!refused.status.success(), "{}", output_text(&refused));

    // The operator refuses the code: nothing is stored.
    let mut login =
        Login::new(bot.command_spawned(&synapse, &["login", "--device-code"], &no_password));
    let code = login.code();
    auth.post("/test/deny", &format!(r#"{{"user_code": "{code}"}}"#));
    let (ok, text) = login.finished();
    assert!(!ok, "{text}");
    assert!(
        text.contains("refused at the authorization server"),
        "{text}"
    );
    assert!(!bot.data_dir().join("session.json").exists());

    // Approved while signed in as another account: refused, nothing stored.
    let mut login =
        Login::new(bot.command_spawned(&synapse, &["login", "--device-code"], &no_password));
    let code = login.code();
    auth.post(
        "/test/approve",
        &format!(r#"{{"user_code": "{code}", "localpart": "someoneelse{n}"}}"#),
    );
    let (ok, text) = login.finished();
    assert!(!ok, "{text}");
    assert!(text.contains("not for user_id"), "{text}");
    assert!(!bot.data_dir().join("session.json").exists());

    // Approved as the bot's account: a cross-signed bot with a recovery key.
    let mut login =
        Login::new(bot.command_spawned(&synapse, &["login", "--device-code"], &no_password));
    let code = login.code();
    assert!(
        login.printed.contains(&format!("signed in as {bot_id}")),
        "{}",
        login.printed
    );
    auth.post(
        "/test/approve",
        &format!(r#"{{"user_code": "{code}", "localpart": "oauthbot{n}"}}"#),
    );
    let (ok, text) = login.finished();
    assert!(ok, "{text}");
    assert!(text.contains("Cross-signing is set up"), "{text}");
    assert!(text.contains("Recovery key"), "{text}");
    let first_session =
        std::fs::read_to_string(bot.data_dir().join("session.json")).expect("session");
    assert!(
        first_session.contains("oauth_client_id"),
        "not stored as an OAuth session"
    );

    bot.start(&synapse);
    let token = auth.post(
        "/test/token",
        &format!(r#"{{"localpart": "asker{n}", "device_id": "ASKERDEV"}}"#),
    );
    let token: serde_json::Value = serde_json::from_str(&token).expect("JSON");
    let asker = UserId::parse(format!("@asker{n}:localhost")).expect("user id");
    let user = User::with_token(
        &synapse.url,
        &asker,
        "ASKERDEV",
        token["access_token"].as_str().expect("a token"),
    )
    .await;
    let room = user.create_room(&[&bot.user_id], true, true).await;
    user.wait_joined(&room, &bot.user_id).await;
    user.wait_intro(&room, &bot.user_id).await;
    user.say(&room, "is sexting on whatsapp safe").await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");

    // (Each wait counts the bot's messages since the last one.)
    // The bot's first access token has run out: it refreshes and still answers.
    tokio::time::sleep(Duration::from_secs(u64::from(ACCESS_TTL) + 2)).await;
    user.say(&room, "my ex is threatening to post my nudes unless i pay")
        .await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert!(
        replies.len() == 1 && is_answer_of(&replies[0], "sextortion"),
        "{replies:#?}"
    );
    assert!(
        auth.counts()["refresh_grants"].as_u64() >= Some(1),
        "{}",
        auth.counts()
    );

    // Restarted after its tokens ran out: the refresh token in the session file is the
    // current one (each refresh replaced it), so the bot comes back without a login.
    bot.stop();
    tokio::time::sleep(Duration::from_secs(u64::from(ACCESS_TTL) + 2)).await;
    bot.start(&synapse);
    user.say(&room, "can the police help if someone shares my pics")
        .await;
    let replies = user.messages_from(&room, &bot.user_id, 1, REPLY_WAIT).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(auth.counts()["refused_refresh"], 0, "{}", auth.counts());

    // The tokens never reach the log.
    let session: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(bot.data_dir().join("session.json")).expect("session"),
    )
    .expect("JSON");
    let logs = bot.all_logs();
    for token in ["access_token", "refresh_token"] {
        let value = session["session"][token].as_str().expect("a token");
        assert!(!logs.contains(value), "the {token} is in the log");
    }
    bot.stop();

    // A session file from before the last refresh (a backup) holds a revoked refresh token:
    // the bot stops and says so, and what to do, instead of retrying as if the server were down.
    std::fs::write(bot.data_dir().join("session.json"), &first_session).expect("written");
    let mut stale = bot.command_spawned(&synapse, &["run"], &no_password);
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = stale.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = stale.kill();
            panic!("the bot with a revoked refresh token did not stop");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = stale.wait_with_output().expect("output");
    assert!(!status.success());
    assert!(
        output_text(&out).contains("refused the bot's refresh token"),
        "{}",
        output_text(&out)
    );
}
