//! What a failed request to the homeserver means for the bot's session, in one place for
//! `run` (at start and while syncing) and `doctor`: one fault, one wording, one next step.
//!
//! A 500, a 429 or a dropped connection is the server's trouble and passes: retry, and say so.
//! Only `M_UNKNOWN_TOKEN` says the session is gone: with `soft_logout` the device still exists
//! and logging in again on it keeps the bot's identity; without, the device and its keys are
//! deleted on the server and only a new device can follow. Telling an operator "logged out,
//! move the data dir aside" for a 500 would make them destroy a working identity.

use std::path::PathBuf;

use matrix_sdk::{
    HttpError, RefreshTokenError,
    authentication::oauth::{
        OAuthError,
        error::{BasicErrorResponseType, RequestTokenError},
    },
    ruma::api::error::ErrorKind,
};

/// A failed request, reduced to what decides the next step. Carries no content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No HTTP answer at all: connection refused, reset, timed out, name not found.
    Network,
    /// The homeserver asked the bot to slow down (429, `M_LIMIT_EXCEEDED`).
    RateLimited,
    /// The homeserver (or a proxy before it) failed: a 5xx status.
    Server(u16),
    /// The access token is not valid any more (`M_UNKNOWN_TOKEN`). `soft_logout`: the device
    /// still exists, so a new login on it keeps the bot's identity.
    UnknownToken {
        /// The server's `soft_logout` flag.
        soft_logout: bool,
    },
    /// Any other refusal (a 4xx such as `M_FORBIDDEN` for a deactivated account).
    Refused(u16),
    /// The authorization server refused the OAuth session's refresh token (`invalid_grant`):
    /// the session was ended there, or the session file's token is stale.
    RefreshRefused,
}

/// What to do about a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait (backoff, or as long as the server says) and try again.
    Retry,
    /// Log in again with the password on the same device, then carry on.
    LoginAgain,
    /// Stop with the [`SessionError`] for the fault: only the operator can fix it.
    Stop,
}

impl Fault {
    /// Classifies an HTTP error.
    pub fn of_http(e: &HttpError) -> Fault {
        if let HttpError::RefreshToken(RefreshTokenError::OAuth(oauth)) = e {
            return match &**oauth {
                OAuthError::RefreshToken(RequestTokenError::ServerResponse(answer))
                    if *answer.error() == BasicErrorResponseType::InvalidGrant =>
                {
                    Fault::RefreshRefused
                }
                // The authorization server did not answer, or failed: passing.
                _ => Fault::Network,
            };
        }
        let Some(api) = e.as_client_api_error() else {
            return Fault::Network;
        };
        let status = api.status_code.as_u16();
        match e.client_api_error_kind() {
            Some(ErrorKind::UnknownToken(data)) => Fault::UnknownToken {
                soft_logout: data.soft_logout,
            },
            Some(ErrorKind::LimitExceeded(_)) => Fault::RateLimited,
            _ if status == 429 => Fault::RateLimited,
            _ if status >= 500 => Fault::Server(status),
            _ => Fault::Refused(status),
        }
    }

    /// Classifies an SDK error; errors that are not HTTP (stores, crypto) are the bot's own
    /// and are not the session's fault, so they count as passing.
    pub fn of(e: &matrix_sdk::Error) -> Fault {
        match e {
            matrix_sdk::Error::Http(h) => Fault::of_http(h),
            _ => Fault::Network,
        }
    }

    /// The next step, given whether a password is at hand.
    pub fn next(self, have_password: bool) -> Next {
        match self {
            Fault::Network | Fault::RateLimited | Fault::Server(_) => Next::Retry,
            Fault::UnknownToken { soft_logout: true } if have_password => Next::LoginAgain,
            Fault::UnknownToken { .. } | Fault::Refused(_) | Fault::RefreshRefused => Next::Stop,
        }
    }

    /// A short name for logs.
    pub fn kind(self) -> &'static str {
        match self {
            Fault::Network => "network",
            Fault::RateLimited => "rate-limited",
            Fault::Server(_) => "server-error",
            Fault::UnknownToken { soft_logout: true } => "soft-logout",
            Fault::UnknownToken { soft_logout: false } => "logged-out",
            Fault::Refused(_) => "refused",
            Fault::RefreshRefused => "refresh-refused",
        }
    }
}

/// Why the bot cannot go on with its session, worded once for `run` and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Passing faults that did not pass.
    #[error(
        "cannot reach the homeserver at {homeserver} ({attempts} attempts, last: {kind}); is the address \
         right and the server up? Nothing was changed: start again when it is"
    )]
    Unreachable {
        /// The configured homeserver.
        homeserver: String,
        /// The last fault's kind.
        kind: &'static str,
        /// How many tries.
        attempts: u32,
    },
    /// Hard logout: the device is gone.
    #[error(
        "the homeserver logged the bot's device out (M_UNKNOWN_TOKEN): the device and its keys are \
         deleted on the server, so users will see a new identity whatever happens next. Move {data_dir} \
         aside (keep it until the new device works) and run `confidant login` to start as a new device"
    )]
    LoggedOut {
        /// The data dir to move aside.
        data_dir: PathBuf,
    },
    /// Soft logout without a password to log in again.
    #[error(
        "the homeserver ended the bot's session but kept its device (soft logout). Set \
         CONFIDANT_PASSWORD (or CONFIDANT_PASSWORD_FILE) and start again: the bot logs in on the same \
         device and keeps its identity. Do not move the data dir"
    )]
    SoftLoggedOut,
    /// The OAuth session's refresh token was refused.
    #[error(
        "the homeserver's authorization server refused the bot's refresh token: its OAuth \
         session was ended there, or {} is older than the last refresh (restored from a backup?). \
         Move the data dir aside and run `confidant recover --device-code` with the recovery key: \
         a new device with the same identity",
        .data_dir.join(super::session::SESSION_FILE).display()
    )]
    RefreshRefused {
        /// The data dir holding the session file.
        data_dir: PathBuf,
    },
    /// Any other refusal.
    #[error(
        "the homeserver refused the bot's session (HTTP {status}); the account may be deactivated or \
         locked. Ask the homeserver's admin; nothing was changed"
    )]
    Refused {
        /// The HTTP status.
        status: u16,
    },
}

impl SessionError {
    /// The error for a fault that stops the bot (`None` for one that passes or is fixed by
    /// logging in again with the password at hand).
    pub fn for_fault(fault: Fault, have_password: bool, data_dir: PathBuf) -> Option<Self> {
        if fault.next(have_password) != Next::Stop {
            return None;
        }
        Some(match fault {
            Fault::UnknownToken { soft_logout: true } => SessionError::SoftLoggedOut,
            Fault::UnknownToken { soft_logout: false } => SessionError::LoggedOut { data_dir },
            Fault::Refused(status) => SessionError::Refused { status },
            Fault::RefreshRefused => SessionError::RefreshRefused { data_dir },
            // `next` retries these, so they never get here.
            Fault::Network | Fault::RateLimited | Fault::Server(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_has_one_next_step() {
        use Fault::*;
        use Next::*;
        let table = [
            // (fault, with a password, without)
            (Network, Retry, Retry),
            (RateLimited, Retry, Retry),
            (Server(500), Retry, Retry),
            (Server(502), Retry, Retry),
            (UnknownToken { soft_logout: true }, LoginAgain, Stop),
            (UnknownToken { soft_logout: false }, Stop, Stop),
            (Refused(403), Stop, Stop),
            (RefreshRefused, Stop, Stop),
        ];
        for (fault, with, without) in table {
            assert_eq!(fault.next(true), with, "{fault:?} with a password");
            assert_eq!(fault.next(false), without, "{fault:?} without");
        }
    }

    #[test]
    fn only_a_hard_logout_says_move_the_data_dir_aside() {
        let dir = PathBuf::from("/var/lib/confidant");
        let words = |fault, pw| {
            SessionError::for_fault(fault, pw, dir.clone())
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(
            words(Fault::UnknownToken { soft_logout: false }, true)
                .contains("Move /var/lib/confidant aside")
        );
        for (fault, pw) in [
            (Fault::UnknownToken { soft_logout: true }, false),
            (Fault::Refused(403), true),
            (Fault::Server(500), false),
            (Fault::RateLimited, false),
            (Fault::Network, false),
            (Fault::UnknownToken { soft_logout: true }, true),
        ] {
            assert!(
                !words(fault, pw).contains("aside"),
                "{fault:?}: {}",
                words(fault, pw)
            );
        }
        assert!(words(Fault::UnknownToken { soft_logout: true }, false).contains("Do not move"));
        assert_eq!(words(Fault::Server(503), false), "", "a 503 stops nothing");
    }
}
