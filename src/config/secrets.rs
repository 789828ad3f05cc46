//! The secrets `run` needs, from `CONFIDANT_*` environment variables or the files they name; never
//! from the config file.

use super::{
    Env,
    error::{ConfigError, Problem},
};
use crate::privacy::Secret;

/// The secrets `run` needs, from the environment only.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The bot account's password: needed only for the first login.
    pub password: Option<Secret<String>>,
    /// An access token for the bot's account, instead of the password, where the homeserver
    /// has no password login (SSO, the Matrix Authentication Service): used once, to create the
    /// session, when the data dir has none.
    pub access_token: Option<Secret<String>>,
    /// Encrypts the crypto and state stores at rest.
    pub store_passphrase: Secret<String>,
    /// The recovery key `login` printed: only `recover` reads it, to restore the identity on a
    /// new device.
    pub recovery_key: Option<Secret<String>>,
}

impl Secrets {
    /// Reads `CONFIDANT_PASSWORD` / `_FILE`, `CONFIDANT_ACCESS_TOKEN` / `_FILE`,
    /// `CONFIDANT_STORE_PASSPHRASE` / `_FILE` and `CONFIDANT_RECOVERY_KEY` / `_FILE`.
    pub fn from_env(env: &dyn Env) -> Result<Secrets, ConfigError> {
        let mut problems = Vec::new();
        let password = read_secret(env, "CONFIDANT_PASSWORD", &mut problems);
        let access_token = read_secret(env, "CONFIDANT_ACCESS_TOKEN", &mut problems);
        let passphrase = read_secret(env, "CONFIDANT_STORE_PASSPHRASE", &mut problems);
        let recovery_key = read_secret(env, "CONFIDANT_RECOVERY_KEY", &mut problems);
        if passphrase.is_none() && problems.is_empty() {
            problems.push(Problem {
                key: "CONFIDANT_STORE_PASSPHRASE".into(),
                why: "not set; it encrypts the bot's keys at rest. Set it, or CONFIDANT_STORE_PASSPHRASE_FILE to a file holding it".into(),
            });
        }
        match passphrase {
            Some(store_passphrase) if problems.is_empty() => Ok(Secrets {
                password,
                access_token,
                store_passphrase,
                recovery_key,
            }),
            _ => Err(ConfigError::Invalid(problems)),
        }
    }
}

fn read_secret(env: &dyn Env, var: &str, problems: &mut Vec<Problem>) -> Option<Secret<String>> {
    let file_var = format!("{var}_FILE");
    match (env.get(var), env.get(&file_var)) {
        (Some(_), Some(_)) => {
            problems.push(Problem {
                key: var.into(),
                why: format!("both {var} and {file_var} are set; use one"),
            });
            None
        }
        (Some(value), None) => Some(Secret::new(value)),
        (None, Some(path)) => match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => {
                Some(Secret::new(text.trim_end_matches(['\n', '\r']).to_owned()))
            }
            Ok(_) => {
                problems.push(Problem {
                    key: file_var,
                    why: format!("the file {path} is empty"),
                });
                None
            }
            Err(e) => {
                problems.push(Problem {
                    key: file_var,
                    why: format!("cannot read {path}: {e}"),
                });
                None
            }
        },
        (None, None) => None,
    }
}
