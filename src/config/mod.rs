//! The operator's configuration: a TOML file, overridden by environment variables.
//!
//! Parsing is two steps: the file is read as a plain TOML table, then every key is checked and
//! turned into [`Config`]. Every problem is collected, so a bad file gets one message that names
//! each key and why, instead of one error per attempt. Secrets never come from the file: only
//! from `CONFIDANT_*` environment variables or the files they name.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use crate::{logging::LogFormat, privacy::Secret};

/// Where the region-specific help (helplines, reporting sites) that comes first is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// United States.
    Us,
    /// United Kingdom.
    Uk,
    /// European Union.
    Eu,
    /// Australia.
    Au,
    /// Canada.
    Ca,
    /// International services, useful anywhere.
    Intl,
}

impl Region {
    /// Every region, in the order used when none is preferred.
    pub const ALL: [Region; 6] = [
        Region::Us,
        Region::Uk,
        Region::Eu,
        Region::Au,
        Region::Ca,
        Region::Intl,
    ];

    /// Parses the code used in the config and in response files.
    pub fn try_from_code(code: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The code used in the config and in response files.
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Uk => "uk",
            Region::Eu => "eu",
            Region::Au => "au",
            Region::Ca => "ca",
            Region::Intl => "intl",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Region::Us => "United States",
            Region::Uk => "United Kingdom",
            Region::Eu => "European Union",
            Region::Au => "Australia",
            Region::Ca => "Canada",
            Region::Intl => "International",
        }
    }
}

/// Who may invite the bot into a room, and how it behaves there.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomPolicy {
    /// User ids (`@name:server`) or server names (`example.org`) allowed to invite; empty means
    /// anyone.
    pub allowed_inviters: Vec<String>,
    /// Invites to rooms with more joined members than this are declined.
    pub max_members: u64,
    /// Rooms one inviter may bring the bot into per hour (invites and upgrades alike).
    pub max_joins_per_inviter_per_hour: u32,
    /// Whether to say once, in an unencrypted room, that the bot only talks in encrypted ones.
    pub notice_unencrypted: bool,
    /// Names the bot answers to in rooms with more than two members (besides a mention).
    pub names: Vec<String>,
}

/// The per-sender flood limit: a token bucket kept in memory only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Messages a sender may send in a burst.
    pub burst: u32,
    /// Messages per minute refilled after the burst.
    pub per_minute: u32,
    /// Messages all senders together may send in a burst (ordinary ones; urgent always pass).
    pub global_burst: u32,
    /// Messages per minute refilled to the shared budget.
    pub global_per_minute: u32,
}

/// A checked configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The homeserver's base URL.
    pub homeserver: String,
    /// The bot's Matrix user id.
    pub user_id: String,
    /// Where the session file and the encrypted stores live.
    pub data_dir: PathBuf,
    /// The display name of the bot's device, shown to users who inspect its sessions.
    pub device_name: String,
    /// Which region's resources are listed first.
    pub region: Region,
    /// The curated response set.
    pub responses_dir: PathBuf,
    /// Optional local additions that replace or extend topics by id.
    pub overlay_dir: Option<PathBuf>,
    /// Room behaviour.
    pub rooms: RoomPolicy,
    /// Flood limit.
    pub rate_limit: RateLimit,
    /// Log line format.
    pub log_format: LogFormat,
    /// Where the optional health endpoint listens (loopback only); `None` keeps it off.
    pub health: Option<std::net::SocketAddr>,
}

/// One thing wrong with the configuration: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key (`rooms.max_members`) or environment variable.
    pub key: String,
    /// Why it is wrong, and what would be right.
    pub why: String,
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (line and column).
        message: String,
    },
    /// Keys with wrong or missing values; every one is listed.
    #[error("{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the configuration:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in self.0 {
            write!(f, "\n  - {}: {}", p.key, p.why)?;
        }
        Ok(())
    }
}

/// Environment variables, as a function so tests need no process environment.
pub trait Env {
    /// The value of `name`, if set and not empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// Reads and checks a config file; relative paths in it are taken from the file's folder.
pub fn load(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parse(&text, base, env).map_err(|e| match e {
        ConfigError::Syntax { message, .. } => ConfigError::Syntax {
            path: path.to_owned(),
            message,
        },
        other => other,
    })
}

/// Parses and checks config text; `base` resolves relative paths.
pub fn parse(text: &str, base: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
    let mut r = Reader {
        problems: Vec::new(),
    };
    let config = r.config(&table, base, env);
    match config {
        Some(c) if r.problems.is_empty() => Ok(c),
        _ => Err(ConfigError::Invalid(r.problems)),
    }
}

const TOP_KEYS: &[&str] = &[
    "homeserver",
    "user_id",
    "data_dir",
    "device_name",
    "region",
    "responses_dir",
    "overlay_dir",
    "log_format",
    "rooms",
    "rate_limit",
    "health",
    // Secrets are named here only to give a precise error.
    "password",
    "store_passphrase",
    "access_token",
];
const ROOM_KEYS: &[&str] = &[
    "allowed_inviters",
    "max_members",
    "max_joins_per_inviter_per_hour",
    "notice_unencrypted",
    "names",
];
const RATE_KEYS: &[&str] = &["burst", "per_minute", "global_burst", "global_per_minute"];
const HEALTH_KEYS: &[&str] = &["listen"];

/// Collects problems while reading keys.
struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn problem(&mut self, key: &str, why: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_owned(),
            why: why.into(),
        });
    }

    fn config(&mut self, t: &toml::Table, base: &Path, env: &dyn Env) -> Option<Config> {
        self.unknown_keys(t, TOP_KEYS, "");
        for secret in ["password", "store_passphrase", "access_token"] {
            if t.contains_key(secret) {
                let var = format!("CONFIDANT_{}", secret.to_uppercase());
                self.problem(
                    secret,
                    format!(
                        "secrets do not belong in the config file; set {var} or {var}_FILE instead"
                    ),
                );
            }
        }
        let homeserver = self.overridden(t, "homeserver", "CONFIDANT_HOMESERVER", env);
        let homeserver = homeserver.and_then(|h| self.check_url(&h));
        let user_id = self.overridden(t, "user_id", "CONFIDANT_USER_ID", env);
        let user_id = user_id.and_then(|u| self.check_user_id("user_id", &u));
        let data_dir = self
            .overridden(t, "data_dir", "CONFIDANT_DATA_DIR", env)
            .map(|d| base.join(d));
        let device_name = self
            .string(t, "device_name", "")
            .unwrap_or_else(|| "confidant".to_owned());
        let region = match self.string(t, "region", "") {
            None => Some(Region::Us),
            Some(code) => Region::try_from_code(&code).or_else(|| {
                self.problem(
                    "region",
                    format!("unknown region {code:?}; use one of us, uk, eu, au, ca, intl"),
                );
                None
            }),
        };
        let responses_dir = base.join(
            self.string(t, "responses_dir", "")
                .unwrap_or_else(|| "responses".into()),
        );
        let overlay_dir = self.string(t, "overlay_dir", "").map(|d| base.join(d));
        let log_format = match self.string(t, "log_format", "").as_deref() {
            None | Some("text") => Some(LogFormat::Text),
            Some("json") => Some(LogFormat::Json),
            Some(other) => {
                self.problem(
                    "log_format",
                    format!("unknown format {other:?}; use \"text\" or \"json\""),
                );
                None
            }
        };
        let rooms = self.rooms(t);
        let rate_limit = self.rate_limit(t);
        let health = self.health(t);
        Some(Config {
            homeserver: homeserver?,
            user_id: user_id?,
            data_dir: data_dir?,
            device_name,
            region: region?,
            responses_dir,
            overlay_dir,
            rooms: rooms?,
            rate_limit: rate_limit?,
            log_format: log_format?,
            health: health?,
        })
    }

    fn health(&mut self, t: &toml::Table) -> Option<Option<std::net::SocketAddr>> {
        let empty = toml::Table::new();
        let h = self.table(t, "health").unwrap_or(&empty);
        self.unknown_keys(h, HEALTH_KEYS, "health.");
        let Some(listen) = self.string(h, "listen", "health.") else {
            return Some(None);
        };
        match listen.parse::<std::net::SocketAddr>() {
            Ok(addr) if addr.ip().is_loopback() => Some(Some(addr)),
            Ok(_) => {
                self.problem(
                    "health.listen",
                    format!("{listen} is not a loopback address; use 127.0.0.1:PORT"),
                );
                None
            }
            Err(_) => {
                self.problem(
                    "health.listen",
                    format!("{listen:?} is not an address like 127.0.0.1:9090"),
                );
                None
            }
        }
    }

    fn rooms(&mut self, t: &toml::Table) -> Option<RoomPolicy> {
        let empty = toml::Table::new();
        let r = self.table(t, "rooms").unwrap_or(&empty);
        self.unknown_keys(r, ROOM_KEYS, "rooms.");
        let allowed = self
            .strings(r, "allowed_inviters", "rooms.")
            .unwrap_or_default();
        for (i, entry) in allowed.iter().enumerate() {
            let ok = if entry.starts_with('@') {
                is_user_id(entry)
            } else {
                is_server_name(entry)
            };
            if !ok {
                self.problem(
                    &format!("rooms.allowed_inviters[{i}]"),
                    format!("{entry:?} is neither a user id (@name:server) nor a server name (example.org)"),
                );
            }
        }
        let max_members = self
            .integer(r, "max_members", "rooms.", 2, 100_000)
            .unwrap_or(25);
        let max_joins_per_inviter_per_hour = self
            .integer(r, "max_joins_per_inviter_per_hour", "rooms.", 1, 1_000)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(10);
        let notice_unencrypted = self
            .boolean(r, "notice_unencrypted", "rooms.")
            .unwrap_or(true);
        let names = self
            .strings(r, "names", "rooms.")
            .unwrap_or_else(|| vec!["confidant".to_owned()]);
        Some(RoomPolicy {
            allowed_inviters: allowed,
            max_members,
            max_joins_per_inviter_per_hour,
            notice_unencrypted,
            names,
        })
    }

    fn rate_limit(&mut self, t: &toml::Table) -> Option<RateLimit> {
        let empty = toml::Table::new();
        let r = self.table(t, "rate_limit").unwrap_or(&empty);
        self.unknown_keys(r, RATE_KEYS, "rate_limit.");
        let burst = self
            .integer(r, "burst", "rate_limit.", 1, 1000)
            .unwrap_or(5);
        let per_minute = self
            .integer(r, "per_minute", "rate_limit.", 1, 6000)
            .unwrap_or(10);
        let global_burst = self
            .integer(r, "global_burst", "rate_limit.", 1, 100_000)
            .unwrap_or(30);
        let global_per_minute = self
            .integer(r, "global_per_minute", "rate_limit.", 1, 600_000)
            .unwrap_or(120);
        Some(RateLimit {
            burst: burst as u32,
            per_minute: per_minute as u32,
            global_burst: global_burst as u32,
            global_per_minute: global_per_minute as u32,
        })
    }

    fn unknown_keys(&mut self, t: &toml::Table, known: &[&str], prefix: &str) {
        for key in t.keys().filter(|k| !known.contains(&k.as_str())) {
            self.problem(
                &format!("{prefix}{key}"),
                format!("unknown key; known keys here: {}", known.join(", ")),
            );
        }
    }

    /// A required string that an environment variable may override.
    fn overridden(
        &mut self,
        t: &toml::Table,
        key: &str,
        var: &str,
        env: &dyn Env,
    ) -> Option<String> {
        if let Some(v) = env.get(var) {
            return Some(v);
        }
        let v = self.string(t, key, "");
        if v.is_none() && !self.problems.iter().any(|p| p.key == key) {
            self.problem(key, format!("missing; set it in the file or with {var}"));
        }
        v
    }

    fn string(&mut self, t: &toml::Table, key: &str, prefix: &str) -> Option<String> {
        match t.get(key)? {
            toml::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            toml::Value::String(_) => {
                self.problem(&format!("{prefix}{key}"), "is empty");
                None
            }
            other => {
                self.problem(
                    &format!("{prefix}{key}"),
                    format!("expected a string, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    fn strings(&mut self, t: &toml::Table, key: &str, prefix: &str) -> Option<Vec<String>> {
        let full = format!("{prefix}{key}");
        match t.get(key)? {
            toml::Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) => out.push(s.to_owned()),
                        None => self.problem(
                            &format!("{full}[{i}]"),
                            format!("expected a string, found a {}", item.type_str()),
                        ),
                    }
                }
                Some(out)
            }
            other => {
                self.problem(
                    &full,
                    format!("expected a list of strings, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    fn integer(
        &mut self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
        min: i64,
        max: i64,
    ) -> Option<u64> {
        let full = format!("{prefix}{key}");
        match t.get(key)? {
            toml::Value::Integer(n) if (min..=max).contains(n) => Some(*n as u64),
            toml::Value::Integer(n) => {
                self.problem(&full, format!("{n} is out of range; use {min} to {max}"));
                None
            }
            other => {
                self.problem(
                    &full,
                    format!("expected a whole number, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, t: &toml::Table, key: &str, prefix: &str) -> Option<bool> {
        match t.get(key)? {
            toml::Value::Boolean(b) => Some(*b),
            other => {
                self.problem(
                    &format!("{prefix}{key}"),
                    format!("expected true or false, found a {}", other.type_str()),
                );
                None
            }
        }
    }

    fn table<'t>(&mut self, t: &'t toml::Table, key: &str) -> Option<&'t toml::Table> {
        match t.get(key)? {
            toml::Value::Table(inner) => Some(inner),
            other => {
                self.problem(
                    key,
                    format!("expected a table [{key}], found a {}", other.type_str()),
                );
                None
            }
        }
    }

    fn check_url(&mut self, url: &str) -> Option<String> {
        if let Some(rest) = url.strip_prefix("http://")
            && !is_loopback_authority(rest)
        {
            // The access token and every message's metadata would cross the network in clear.
            self.problem(
                "homeserver",
                format!(
                    "{url:?} is plain http; use https (http is accepted only for a homeserver on \
                     this machine: 127.0.0.1, [::1] or localhost)"
                ),
            );
            return None;
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
                Some(url.trim_end_matches('/').to_owned())
            }
            _ => {
                self.problem(
                    "homeserver",
                    format!("{url:?} is not an http(s) URL such as https://matrix.example.org"),
                );
                None
            }
        }
    }

    fn check_user_id(&mut self, key: &str, id: &str) -> Option<String> {
        if is_user_id(id) {
            Some(id.to_owned())
        } else {
            self.problem(
                key,
                format!("{id:?} is not a Matrix user id such as @confidant:example.org"),
            );
            None
        }
    }
}

/// Whether the host of `authority[/path]` (after `http://`) is this machine.
fn is_loopback_authority(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_user_id(id: &str) -> bool {
    id.strip_prefix('@')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(local, server)| !local.is_empty() && is_server_name(server))
}

fn is_server_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
}

/// The secrets `run` needs, from the environment only.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The bot account's password: needed only for the first login.
    pub password: Option<Secret<String>>,
    /// Encrypts the crypto and state stores at rest.
    pub store_passphrase: Secret<String>,
}

impl Secrets {
    /// Reads `CONFIDANT_PASSWORD` / `_FILE` and `CONFIDANT_STORE_PASSPHRASE` / `_FILE`.
    pub fn from_env(env: &dyn Env) -> Result<Secrets, ConfigError> {
        let mut problems = Vec::new();
        let password = read_secret(env, "CONFIDANT_PASSWORD", &mut problems);
        let passphrase = read_secret(env, "CONFIDANT_STORE_PASSPHRASE", &mut problems);
        if passphrase.is_none() && problems.is_empty() {
            problems.push(Problem {
                key: "CONFIDANT_STORE_PASSPHRASE".into(),
                why: "not set; it encrypts the bot's keys at rest. Set it, or CONFIDANT_STORE_PASSPHRASE_FILE to a file holding it".into(),
            });
        }
        match passphrase {
            Some(store_passphrase) if problems.is_empty() => Ok(Secrets {
                password,
                store_passphrase,
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn problems(text: &str, e: &[(&str, &str)]) -> Vec<String> {
        match parse(text, Path::new("/etc/confidant"), &env(e)) {
            Err(ConfigError::Invalid(p)) => p.into_iter().map(|p| p.key).collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    const GOOD: &str = r#"
        homeserver = "https://matrix.example.org/"
        user_id = "@confidant:example.org"
        data_dir = "data"
        region = "uk"
        [rooms]
        allowed_inviters = ["@alice:example.org", "example.net"]
    "#;

    #[test]
    fn good_config_is_read_with_defaults() {
        let c = parse(GOOD, Path::new("/etc/confidant"), &env(&[])).unwrap();
        assert_eq!(c.homeserver, "https://matrix.example.org");
        assert_eq!(c.data_dir, PathBuf::from("/etc/confidant/data"));
        assert_eq!(c.responses_dir, PathBuf::from("/etc/confidant/responses"));
        assert_eq!(c.region, Region::Uk);
        assert_eq!(c.rooms.max_members, 25);
        assert!(c.rooms.notice_unencrypted);
        assert_eq!(
            c.rate_limit,
            RateLimit {
                burst: 5,
                per_minute: 10,
                global_burst: 30,
                global_per_minute: 120,
            }
        );
    }

    #[test]
    fn env_overrides_file_values() {
        let e = [
            ("CONFIDANT_HOMESERVER", "http://127.0.0.1:8008"),
            ("CONFIDANT_USER_ID", "@bot:localhost"),
            ("CONFIDANT_DATA_DIR", "/var/lib/confidant"),
        ];
        let c = parse(GOOD, Path::new("/etc/confidant"), &env(&e)).unwrap();
        assert_eq!(c.homeserver, "http://127.0.0.1:8008");
        assert_eq!(c.user_id, "@bot:localhost");
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/confidant"));
    }

    #[test]
    fn plain_http_is_refused_except_on_this_machine() {
        for (url, ok) in [
            ("http://127.0.0.1:8008", true),
            ("http://127.0.0.53", true),
            ("http://localhost:8008/", true),
            ("http://[::1]:8008", true),
            ("https://matrix.example.org", true),
            ("http://matrix.example.org", false),
            ("http://192.168.1.5:8008", false),
            ("http://127.0.0.1.example.org", false),
            ("http://localhost.example.org:8008", false),
        ] {
            let text = GOOD.replace("https://matrix.example.org/", url);
            assert!(text.contains(url), "{url}: GOOD names the homeserver");
            let result = parse(&text, Path::new("/etc/confidant"), &env(&[]));
            assert_eq!(result.is_ok(), ok, "{url}: {result:?}");
        }
        let err = parse(
            &GOOD.replace("https://matrix.example.org/", "http://matrix.example.org"),
            Path::new("."),
            &env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("plain http; use https"), "{err}");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let text = r#"
            homeserver = "matrix.example.org"
            user_id = "confidant"
            region = "mars"
            log_format = "xml"
            colour = "blue"
            password = "hunter2"
            [rooms]
            max_members = 1
            max_joins_per_inviter_per_hour = 0
            notice_unencrypted = "yes"
            allowed_inviters = ["not a server!"]
            [rate_limit]
            burst = 0
            [health]
            listen = "0.0.0.0:9090"
        "#;
        let keys = problems(text, &[]);
        for expected in [
            "homeserver",
            "user_id",
            "data_dir",
            "region",
            "log_format",
            "colour",
            "password",
            "rooms.max_members",
            "rooms.max_joins_per_inviter_per_hour",
            "rooms.notice_unencrypted",
            "rooms.allowed_inviters[0]",
            "rate_limit.burst",
            "health.listen",
        ] {
            assert!(
                keys.contains(&expected.to_owned()),
                "{expected} not reported in {keys:?}"
            );
        }
    }

    #[test]
    fn problem_message_lists_key_and_reason() {
        let err = parse("user_id = 3", Path::new("."), &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user_id: expected a string, found a integer"),
            "{err}"
        );
        assert!(
            err.contains("homeserver: missing; set it in the file or with CONFIDANT_HOMESERVER"),
            "{err}"
        );
    }

    #[test]
    fn syntax_error_names_the_position() {
        let err = parse("homeserver = ", Path::new("."), &env(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }));
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn secrets_come_from_env_or_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pass");
        std::fs::write(&f, "s3cret\n").unwrap();
        let s = Secrets::from_env(&env(&[(
            "CONFIDANT_STORE_PASSPHRASE_FILE",
            f.to_str().unwrap(),
        )]))
        .unwrap();
        assert_eq!(s.store_passphrase.expose(), "s3cret");
        assert!(s.password.is_none());
        assert!(format!("{s:?}").contains("<redacted>"));
    }

    #[test]
    fn missing_or_conflicting_secrets_are_reported() {
        let err = Secrets::from_env(&env(&[])).unwrap_err().to_string();
        assert!(err.contains("CONFIDANT_STORE_PASSPHRASE: not set"), "{err}");
        let err = Secrets::from_env(&env(&[
            ("CONFIDANT_STORE_PASSPHRASE", "a"),
            ("CONFIDANT_STORE_PASSPHRASE_FILE", "/x"),
            ("CONFIDANT_PASSWORD_FILE", "/nonexistent/file"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("both CONFIDANT_STORE_PASSPHRASE and CONFIDANT_STORE_PASSPHRASE_FILE"),
            "{err}"
        );
        assert!(
            err.contains("CONFIDANT_PASSWORD_FILE: cannot read /nonexistent/file"),
            "{err}"
        );
    }

    #[test]
    fn example_config_loads_with_env_overrides() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let c = load(&path, &env(&[])).unwrap();
        assert_eq!(c.rooms.max_members, 25);
        assert_eq!(c.rooms.max_joins_per_inviter_per_hour, 10);
    }
}
