//! Why the bot cannot start, worded once for `run`, `login` and `doctor`: what is wrong (the
//! error's text) and the one thing to do about it ([`StartError::fix`]). `doctor` prints the two
//! on its ✗ line; `run` and `login` print them and stop. Faults of a session the homeserver
//! ended are [`SessionError`]s, whose text already says what to do.

use std::path::PathBuf;

use super::{forget::PendingError, session::LockError};
use crate::{answerer::AnswererError, config::ConfigError, responses::ResponseError};

/// A fault that stops the bot before it answers anyone. Never holds conversation content.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The config file cannot be read, or keys are wrong or missing (each is listed).
    #[error("{0}")]
    Config(ConfigError),
    /// A secret is missing, set twice, or its file cannot be read.
    #[error("{0}")]
    Secrets(ConfigError),
    /// The response set or its matcher cannot be used.
    #[error("{error}")]
    Responses {
        /// What is wrong.
        error: AnswererError,
        /// The response folder.
        dir: PathBuf,
        /// The operator's overlay folder.
        overlay: Option<PathBuf>,
    },
    /// Another process holds the data dir, or its lock cannot be taken.
    #[error("{0}")]
    Locked(LockError),
    /// The file of rooms still to be forgotten cannot be read.
    #[error("{0}")]
    Pending(PendingError),
    /// No session in the data dir, and no first login asked for.
    #[error(
        "no session in {}: the bot has not logged in with this data dir. Nothing was started \
         or written",
        .0.display()
    )]
    NoSession(PathBuf),
    /// `recover` was asked for on a data dir that holds a session.
    #[error(
        "{} already holds a session: `recover` is for a data dir that was lost. Nothing was \
         changed",
        .0.display()
    )]
    HasSession(PathBuf),
    /// The recovery key cannot be used.
    #[error("{0}")]
    Recovery(super::recovery::RecoveryError),
    /// The session file cannot be used with this config.
    #[error("{0}")]
    SessionFile(String),
    /// The encrypted stores do not open.
    #[error(
        "cannot open the encrypted stores in {} ({cause}): is CONFIDANT_STORE_PASSPHRASE the one \
         used when they were created? Nothing was changed; the stores are left as they are",
        store_dir.display()
    )]
    Stores {
        /// The stores' folder.
        store_dir: PathBuf,
        /// The store's own reason.
        cause: String,
    },
}

impl StartError {
    /// The one thing to do about it.
    pub fn fix(&self) -> String {
        match self {
            StartError::Config(_) => {
                "correct the keys named above (config.example.toml explains each)".into()
            }
            StartError::Secrets(_) => {
                "set CONFIDANT_STORE_PASSPHRASE or CONFIDANT_STORE_PASSPHRASE_FILE".into()
            }
            StartError::Responses {
                error: AnswererError::Responses(ResponseError::Folder { .. }),
                ..
            } => "point responses_dir at the response folder".into(),
            StartError::Responses { dir, overlay, .. } => match overlay {
                Some(overlay) => format!(
                    "run `confidant check --responses {} --overlay {}` and fix what it lists",
                    dir.display(),
                    overlay.display()
                ),
                None => format!(
                    "run `confidant check --responses {}` and fix what it lists",
                    dir.display()
                ),
            },
            StartError::Locked(_) => "stop the other process first (systemctl stop confidant); \
                 a running bot's state is in its own log"
                .into(),
            StartError::Pending(PendingError::BadLine { path, .. }) => {
                format!("fix or remove that line of {}", path.display())
            }
            StartError::Pending(PendingError::Read { path, .. }) => {
                format!("make {} readable by the bot's user", path.display())
            }
            StartError::NoSession(_) => "on the bot's first start, run `confidant login --config \
                 FILE` (or `run --new-identity` with CONFIDANT_PASSWORD set); if it ran before, \
                 this is not its data dir: check data_dir (CONFIDANT_DATA_DIR) or restore the dir \
                 from a backup (or, when it is lost, `confidant recover` with the recovery key \
                 `login` printed), since a new login would give the bot a new identity that \
                 every user sees as changed"
                .into(),
            StartError::HasSession(_) => "the identity in that data dir is intact: start it with \
                 `confidant run`; to recover into another place, point data_dir \
                 (CONFIDANT_DATA_DIR) at an empty folder"
                .into(),
            StartError::Recovery(e) => e.fix().into(),
            StartError::SessionFile(_) => "use the data_dir and homeserver the session was \
                 written for, or another data_dir for another account"
                .into(),
            StartError::Stores { .. } => "set CONFIDANT_STORE_PASSPHRASE to the passphrase used \
                 at login; never delete the stores to get past this"
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn every_fault_names_its_fix_and_no_fix_says_delete() {
        let dir = PathBuf::from("/var/lib/confidant");
        let faults = [
            StartError::NoSession(dir.clone()),
            StartError::Stores {
                store_dir: dir.join("store"),
                cause: "file is not a database".into(),
            },
            StartError::Pending(PendingError::BadLine {
                path: dir.join("forget-pending"),
                line: 3,
            }),
            StartError::Responses {
                error: AnswererError::Responses(ResponseError::Folder {
                    path: "/srv/responses".into(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                }),
                dir: "/srv/responses".into(),
                overlay: None,
            },
            StartError::Responses {
                error: AnswererError::Responses(ResponseError::Invalid(vec![])),
                dir: "/srv/responses".into(),
                overlay: Some("/srv/local".into()),
            },
            StartError::HasSession(dir.clone()),
            StartError::Recovery(super::super::recovery::RecoveryError::WrongKey),
        ];
        let fixes: Vec<String> = faults.iter().map(StartError::fix).collect();
        assert!(fixes[0].contains("confidant login"));
        assert!(fixes[1].contains("never delete the stores"));
        assert!(faults[1].to_string().contains("Nothing was changed"));
        assert!(fixes[2].contains(&Path::new(&dir).join("forget-pending").display().to_string()));
        assert_eq!(fixes[3], "point responses_dir at the response folder");
        assert!(fixes[4].contains("--overlay /srv/local"));
        assert!(
            fixes[0].contains("confidant recover"),
            "a lost data dir: {}",
            fixes[0]
        );
        assert!(
            fixes[5].contains("confidant run")
                && faults[5].to_string().contains("Nothing was changed")
        );
        assert!(fixes[6].contains("CONFIDANT_RECOVERY_KEY"));
        for (fault, fix) in faults.iter().zip(&fixes) {
            assert!(!fix.is_empty() && !fix.contains("rm "), "{fault}: {fix}");
        }
    }
}
