//! What confidant may say about a conversation: nothing.
//!
//! The logging policy, enforced here and by review:
//! - Logs carry event kinds, outcome classes (answered, ignored, refused, error kind), counts and
//!   latencies. Never a message body, a normalised form of it, a topic next to a room or sender
//!   id, or `?event` (ruma's `Raw` prints the whole JSON in its `Debug`).
//! - Our own code logs at most at `debug` and only the fields above.
//! - Dependencies are capped in a filter that `RUST_LOG` cannot raise: matrix-sdk, ruma, hyper,
//!   reqwest, h2, rusqlite and friends may log at `info` at most. Their `debug`/`trace` output
//!   includes request and response bodies (sync responses carry decrypted-to-be events, room
//!   names and member lists), which is exactly what must never reach a log file. Of their lines
//!   only the time, level, target and call site are written, and no line carries span fields
//!   (see [`crate::logging`]).
//! - Errors are reduced to kinds before they are logged; panics are logged without payload.
//! - Secrets live in [`Secret`], whose `Debug` and `Display` print `<redacted>`.

use std::fmt;

/// A value that must never be printed: passwords, access tokens, the store passphrase.
///
/// Only [`Secret::expose`] gives the value out, so every use is visible in review.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Hands out the secret for the one call that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Logs panics without their payload, which could hold message text, and keeps the default
/// hook's silence: the location is enough to find the bug.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown".to_owned());
        tracing::error!(%location, "panic (payload withheld)");
        eprintln!("confidant: internal error at {location} (details withheld for privacy)");
    }));
}

/// Keeps this process's memory (decrypted messages, the store passphrase, the access token) out
/// of core files: a core size limit of 0, and not dumpable (which also stops other processes of
/// the same user from attaching to it). Every command calls it first, so bare runs and
/// containers are covered as well as the systemd unit (which also sets `LimitCORE=0`).
pub fn no_core_dumps() -> std::io::Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    )?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_writes_no_core_file() {
        no_core_dumps().expect("allowed for any process");
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
        assert_eq!(
            rustix::process::dumpable_behavior().expect("readable"),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }

    #[test]
    fn secret_debug_and_display_are_redacted() {
        let s = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }
}
