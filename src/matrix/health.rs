//! The optional health endpoint: liveness, readiness and the totals of [`crate::metrics`] on
//! loopback, nothing else.
//!
//! A deliberately tiny HTTP/1.1 responder (three fixed paths, no request bodies), so it adds no
//! web framework and no way to ask about users or topics.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// A sync older than this makes the bot not ready.
pub const READY_WITHIN: Duration = Duration::from_secs(90);

/// What readiness depends on, updated by the sync loop.
#[derive(Debug, Default)]
pub struct Health {
    last_sync_ms: AtomicU64,
    crypto_ready: AtomicBool,
}

impl Health {
    /// Records a successful sync now.
    pub fn synced(&self) {
        self.last_sync_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Records that encryption is set up.
    pub fn set_crypto_ready(&self, ready: bool) {
        self.crypto_ready.store(ready, Ordering::Relaxed);
    }

    /// Whether the bot synced recently and encryption is ready.
    pub fn is_ready(&self) -> bool {
        let last = self.last_sync_ms.load(Ordering::Relaxed);
        self.crypto_ready.load(Ordering::Relaxed)
            && last > 0
            && now_ms().saturating_sub(last) < READY_WITHIN.as_millis() as u64
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Binds the endpoint; the returned future serves it until dropped.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves `/health/live`, `/health/ready` and `/metrics` forever.
pub async fn serve(listener: TcpListener, health: Arc<Health>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let health = health.clone();
        tokio::spawn(async move {
            let Ok(Some(head)) = tokio::time::timeout(REQUEST_WITHIN, read_head(&mut stream)).await
            else {
                return;
            };
            let request = String::from_utf8_lossy(&head);
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let (status, content_type, body) = match path {
                "/metrics" => (
                    "200 OK",
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    crate::metrics::metrics().text(),
                ),
                _ => {
                    let (status, body) = route(path, &health);
                    (status, "text/plain", body.to_owned())
                }
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// How long a client may take to send its request.
const REQUEST_WITHIN: Duration = Duration::from_secs(5);
/// The longest request head read; a longer one is cut off, never needed for three fixed paths.
const HEAD_LIMIT: usize = 8 * 1024;

/// Reads until the blank line that ends a request's head (a client may send it in several
/// segments: answering the first and closing with the rest unread would reset the connection
/// under the response). `None` when the client closes first or the read fails.
async fn read_head(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < HEAD_LIMIT {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(head)
}

fn route(path: &str, health: &Health) -> (&'static str, &'static str) {
    match path {
        "/health/live" => ("200 OK", "live\n"),
        "/health/ready" if health.is_ready() => ("200 OK", "ready\n"),
        "/health/ready" => ("503 Service Unavailable", "not ready\n"),
        _ => ("404 Not Found", "not found\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_needs_a_recent_sync_and_crypto() {
        let h = Health::default();
        assert_eq!(route("/health/live", &h).0, "200 OK");
        assert_eq!(route("/health/ready", &h).0, "503 Service Unavailable");
        h.synced();
        assert_eq!(
            route("/health/ready", &h).0,
            "503 Service Unavailable",
            "crypto not ready yet"
        );
        h.set_crypto_ready(true);
        assert_eq!(route("/health/ready", &h).0, "200 OK");
        h.last_sync_ms.store(
            now_ms() - READY_WITHIN.as_millis() as u64 - 1,
            Ordering::Relaxed,
        );
        assert_eq!(
            route("/health/ready", &h).0,
            "503 Service Unavailable",
            "stale sync"
        );
        assert_eq!(route("/nothing-here", &h).0, "404 Not Found");
    }

    #[tokio::test]
    async fn serves_over_tcp() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let health = Arc::new(Health::default());
        tokio::spawn(serve(listener, health));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    }

    #[tokio::test]
    async fn a_request_sent_in_pieces_is_read_whole_before_the_answer() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, Arc::new(Health::default())));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        for piece in [
            "GET ",
            "/health/live",
            " HTTP/1.1\r\n",
            "Host: x\r\n",
            "\r\n",
        ] {
            stream.write_all(piece.as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    }
}
