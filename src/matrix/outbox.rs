//! Everything the bot sends to the homeserver on a room's behalf (messages, redactions,
//! leaving), with the same patience: rate limits are waited out as the homeserver asks, network
//! failures retried with capped backoff, and errors reduced to content-free kinds for the log.

use std::time::Duration;

use matrix_sdk::{
    Room,
    ruma::{
        EventId, OwnedEventId, TransactionId,
        events::{
            AnyMessageLikeEventContent,
            room::message::{AddMentions, ForwardThread, ReplyMetadata},
        },
        serde::Raw,
    },
};
use tracing::warn;

use super::fault::Fault;
use crate::padding;

/// The longest pause between retries of our own choosing.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest wait the homeserver may ask for that the bot keeps to (a bound against a broken
/// value, far above what Synapse asks).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);
/// Attempts at one request (rate limits and network failures) before giving up.
const ATTEMPTS: u32 = 8;

/// A request that failed for good, as a content-free kind (`rate-limited`, `network`,
/// `forbidden` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the homeserver request failed ({0})")]
pub struct SendError(pub &'static str);

impl SendError {
    /// Whether the fault may pass: no answer, a rate limit, a server error.
    pub fn is_passing(&self) -> bool {
        matches!(self.0, "network" | "rate-limited" | "server-error")
    }
}

/// Sends a reply as an `m.notice` (what bots send, so other bots do not answer it), rendered
/// from Markdown with the Markdown kept as the plain-text body.
///
/// With `reply_to`, it is a rich reply to that message (no fallback quote: the question is not
/// copied into the answer) that mentions its sender.
///
/// Every message is padded to one size ([`padding`]), so its ciphertext does not say which
/// answer it carries.
///
/// Rate limits are waited out and network failures retried, with one transaction id for all
/// attempts, so a retry after a lost response cannot post the answer twice.
pub async fn send(
    room: &Room,
    markdown: &str,
    reply_to: Option<ReplyMetadata<'_>>,
) -> Result<(), SendError> {
    let mut content = padding::notice(markdown);
    if let Some(metadata) = reply_to {
        content = content.make_reply_to(metadata, ForwardThread::Yes, AddMentions::Yes);
    }
    // One size for every message, so the ciphertext does not tell which answer it carries.
    let raw = padding::to_raw(&content).unwrap_or_else(unpadded);
    send_padded(room, padding::MESSAGE_TYPE, &raw)
        .await
        .map(drop)
}

/// Sends an event of another type (a poll's start or end), padded so that it travels at the
/// same ciphertext size as every message ([`padding::content_bytes`]), with the patience of
/// [`send`]; returns its event id.
pub async fn send_event(
    room: &Room,
    event_type: &str,
    content: serde_json::Map<String, serde_json::Value>,
) -> Result<OwnedEventId, SendError> {
    let raw = padding::event_to_raw(event_type, content).unwrap_or_else(unpadded);
    send_padded(room, event_type, &raw).await
}

/// A content over the padded size (which `check` rules out for every curated text) goes out
/// unpadded rather than not at all.
fn unpadded(
    (raw, e): (Raw<AnyMessageLikeEventContent>, padding::TooLarge),
) -> Raw<AnyMessageLikeEventContent> {
    warn!(
        len = e.len,
        limit = e.limit,
        "message over the padded size; sent unpadded"
    );
    raw
}

async fn send_padded(
    room: &Room,
    event_type: &str,
    raw: &Raw<AnyMessageLikeEventContent>,
) -> Result<OwnedEventId, SendError> {
    // One transaction id for every attempt: a retry after a lost response cannot post twice.
    let txn_id = TransactionId::new();
    retrying("send", || async {
        room.send_raw(event_type, raw)
            .with_transaction_id(&txn_id)
            .await
    })
    .await
    .map(|sent| sent.response.event_id)
}

/// The wait a homeserver asked for with `M_LIMIT_EXCEEDED`.
pub fn retry_after(e: &matrix_sdk::Error) -> Option<Duration> {
    use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};
    let matrix_sdk::Error::Http(h) = e else {
        return None;
    };
    match h.client_api_error_kind()? {
        ErrorKind::LimitExceeded(data) => match data.retry_after.as_ref()? {
            RetryAfter::Delay(d) => Some(*d),
            RetryAfter::DateTime(t) => t.duration_since(std::time::SystemTime::now()).ok(),
        },
        _ => None,
    }
}

/// Redacts one event, with the same retries as [`send`].
pub async fn redact(room: &Room, event: &EventId) -> Result<(), SendError> {
    retrying("redact", || room.redact(event, None, None))
        .await
        .map(drop)
}

/// Leaves a room, with the same retries as [`send`].
pub async fn leave(room: &Room) -> Result<(), SendError> {
    retrying("leave", || room.leave()).await
}

/// Runs `request` until it succeeds, fails for good, or [`ATTEMPTS`] are used.
pub async fn retrying<T, E, F, Fut>(what: &'static str, mut request: F) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: Into<matrix_sdk::Error>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match request().await {
            Ok(value) => return Ok(value),
            Err(e) => e.into(),
        };
        let failed = SendError(error_kind(&error));
        if attempt >= ATTEMPTS || !failed.is_passing() {
            return Err(failed);
        }
        // The server's own wait is kept (up to a bound against a broken value); otherwise
        // capped exponential backoff.
        let pause = retry_after(&error)
            .map(|d| d.min(MAX_RETRY_AFTER))
            .unwrap_or_else(|| backoff(attempt));
        crate::metrics::metrics().send_retried();
        warn!(
            request = what,
            error = failed.0,
            attempt,
            pause_ms = pause.as_millis() as u64,
            "request failed; retrying"
        );
        tokio::time::sleep(pause).await;
    }
}

/// A short, content-free name for an SDK error, for logs.
pub fn error_kind(e: &matrix_sdk::Error) -> &'static str {
    match e {
        matrix_sdk::Error::Http(h) => Fault::of_http(h).kind(),
        matrix_sdk::Error::CryptoStoreError(_) | matrix_sdk::Error::StateStore(_) => "store",
        matrix_sdk::Error::OlmError(_) | matrix_sdk::Error::MegolmError(_) => "crypto",
        _ => "other",
    }
}

/// Capped exponential backoff: 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`].
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_faults_are_retried() {
        for (kind, passing) in [
            ("network", true),
            ("rate-limited", true),
            ("server-error", true),
            ("refused", false),
            ("logged-out", false),
            ("soft-logout", false),
            ("store", false),
            ("crypto", false),
            ("other", false),
        ] {
            assert_eq!(SendError(kind).is_passing(), passing, "{kind}");
        }
    }

    #[test]
    fn backoff_is_capped() {
        let pauses: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
