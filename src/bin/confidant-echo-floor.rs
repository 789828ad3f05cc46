//! A bare matrix-sdk echo bot: the floor of this stack for the load benchmark.
//!
//! Same client setup (encrypted sqlite crypto and state stores, in-memory event cache), same
//! sync loop settings (our own loop around `sync_once`, same timeout and filter), replies sent
//! as notices the same way (a rich reply to the question), but no matching: every text message
//! gets the notice "echo".
//! The benchmark compares confidant's latency with this one's. Not for production use.

#![recursion_limit = "256"]

use std::time::Duration;

use anyhow::Context;
use confidant::{
    config::{self, ProcessEnv, Secrets},
    matrix::session,
};
use matrix_sdk::{
    config::SyncSettings,
    deserialized_responses::TimelineEventKind,
    ruma::events::{
        AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
        room::message::{AddMentions, ForwardThread, MessageType, RoomMessageEventContent},
    },
};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .context("usage: confidant-echo-floor CONFIG")?;
    let config = config::load(path.as_ref(), &ProcessEnv)?;
    let secrets = Secrets::from_env(&ProcessEnv)?;
    tokio::runtime::Runtime::new()?.block_on(async move {
        session::prepare_data_dir(&config.data_dir)?;
        let client = session::build_client(&config, &secrets.store_passphrase).await?;
        session::login_or_restore(&client, &config, secrets.password.as_ref()).await?;
        let me = client.user_id().context("no user id")?.to_owned();
        let mut timeout = Duration::ZERO;
        eprintln!("logged in");
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            let settings = SyncSettings::new()
                .timeout(timeout)
                .filter(confidant::matrix::bot::sync_filter());
            let result = tokio::select! {
                _ = term.recv() => return Ok(()),
                result = client.sync_once(settings) => result,
            };
            let Ok(response) = result else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            };
            let first = timeout.is_zero();
            timeout = Duration::from_secs(30);
            for room_id in response.rooms.invited.keys() {
                if let Some(room) = client.get_room(room_id) {
                    tokio::spawn(async move { room.join().await });
                }
            }
            if first {
                continue;
            }
            for (room_id, update) in response.rooms.joined {
                let Some(room) = client.get_room(&room_id) else {
                    continue;
                };
                for event in update.timeline.events {
                    if matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. }) {
                        continue;
                    }
                    let Ok(AnySyncTimelineEvent::MessageLike(
                        AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Original(m)),
                    )) = event.raw().deserialize()
                    else {
                        continue;
                    };
                    if m.sender != me && matches!(m.content.msgtype, MessageType::Text(_)) {
                        let room = room.clone();
                        let reply = RoomMessageEventContent::notice_markdown("echo").make_reply_to(
                            &m,
                            ForwardThread::Yes,
                            AddMentions::Yes,
                        );
                        tokio::spawn(async move { room.send(reply).await });
                    }
                }
            }
        }
    })
}
