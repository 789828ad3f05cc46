//! The config file's keys: which exist, their defaults, and how each is checked on the way from
//! a TOML table to a [`Config`]. Relative paths are taken from the file's folder.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use super::{
    Bursts, Config, Env, Menus, RateLimit, Region, Responder, RoomPolicy, error::ConfigError,
    reader::Reader,
};
use crate::{
    logging::LogFormat,
    responses::{ALWAYS, Hours},
};

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
    "menus",
    "rooms",
    "rate_limit",
    "bursts",
    "handoff",
    "health",
    // Secrets are named here only to give a precise error.
    "password",
    "store_passphrase",
    "access_token",
    "recovery_key",
];
const ROOM_KEYS: &[&str] = &[
    "allowed_inviters",
    "max_members",
    "max_joins_per_inviter_per_hour",
    "notice_unencrypted",
    "names",
    "leave_idle_after_days",
];
const RATE_KEYS: &[&str] = &["burst", "per_minute", "global_burst", "global_per_minute"];
const HEALTH_KEYS: &[&str] = &["listen"];
const BURST_KEYS: &[&str] = &["pause_seconds", "longest_seconds"];
const HANDOFF_KEYS: &[&str] = &["responders"];
const RESPONDER_KEYS: &[&str] = &["user_id", "hours", "tz"];
/// `rooms.leave_idle_after_days` when unset: 30 days.
const DEFAULT_IDLE: std::time::Duration = std::time::Duration::from_secs(30 * 86_400);

/// The file's sections, and the checks its values need beyond their type.
impl Reader {
    fn config(&mut self, t: &toml::Table, base: &Path, env: &dyn Env) -> Option<Config> {
        self.unknown_keys(t, TOP_KEYS, "");
        for secret in [
            "password",
            "store_passphrase",
            "access_token",
            "recovery_key",
        ] {
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
        let menus = match self.string(t, "menus", "").as_deref() {
            None | Some("poll") => Some(Menus::Poll),
            Some("text") => Some(Menus::Text),
            Some(other) => {
                self.problem(
                    "menus",
                    format!(
                        "unknown menu style {other:?}; use \"poll\" (a poll with the text as its \
                         fallback) or \"text\" (a numbered list only)"
                    ),
                );
                None
            }
        };
        let rooms = self.rooms(t);
        let rate_limit = self.rate_limit(t);
        let bursts = self.bursts(t);
        let responders = self.handoff(t);
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
            bursts: bursts?,
            responders: responders?,
            log_format: log_format?,
            health: health?,
            menus: menus?,
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
        let leave_idle_after = self
            .days(r, "leave_idle_after_days", "rooms.", 3650.0)
            .unwrap_or(Some(DEFAULT_IDLE));
        Some(RoomPolicy {
            allowed_inviters: allowed,
            max_members,
            max_joins_per_inviter_per_hour,
            notice_unencrypted,
            names,
            leave_idle_after,
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

    fn bursts(&mut self, t: &toml::Table) -> Option<Bursts> {
        let empty = toml::Table::new();
        let b = self.table(t, "bursts").unwrap_or(&empty);
        self.unknown_keys(b, BURST_KEYS, "bursts.");
        let pause = self.seconds(b, "pause_seconds", "bursts.", 10.0);
        let longest = self.seconds(b, "longest_seconds", "bursts.", 60.0);
        let pause = pause.unwrap_or(Some(Duration::from_millis(1_500)))?;
        let longest = longest.unwrap_or(Some(Duration::from_secs(6)))?;
        if longest < pause {
            self.problem(
                "bursts.longest_seconds",
                format!(
                    "{} is shorter than bursts.pause_seconds ({}); a burst waits at least one pause",
                    longest.as_secs_f64(),
                    pause.as_secs_f64()
                ),
            );
            return None;
        }
        Some(Bursts { pause, longest })
    }

    fn handoff(&mut self, t: &toml::Table) -> Option<Vec<Responder>> {
        let empty = toml::Table::new();
        let h = self.table(t, "handoff").unwrap_or(&empty);
        self.unknown_keys(h, HANDOFF_KEYS, "handoff.");
        let Some(list) = h.get("responders") else {
            return Some(Vec::new());
        };
        let Some(list) = list.as_array() else {
            self.problem(
                "handoff.responders",
                format!(
                    "expected a list of {{ user_id = \"@name:server\", hours = \"Mon-Fri 09:00-17:00\", tz = \"Europe/London\" }}, found a {}",
                    list.type_str()
                ),
            );
            return None;
        };
        let mut responders = Vec::new();
        let mut ok = true;
        for (i, entry) in list.iter().enumerate() {
            let prefix = format!("handoff.responders[{i}].");
            let Some(entry) = entry.as_table() else {
                self.problem(
                    &format!("handoff.responders[{i}]"),
                    format!(
                        "expected a table such as {{ user_id = \"@name:server\" }}, found a {}",
                        entry.type_str()
                    ),
                );
                ok = false;
                continue;
            };
            self.unknown_keys(entry, RESPONDER_KEYS, &prefix);
            let user_id = match self.string(entry, "user_id", &prefix) {
                Some(id) => self.check_user_id(&format!("{prefix}user_id"), &id),
                None => {
                    self.problem(
                        &format!("{prefix}user_id"),
                        "missing; the responder's Matrix id, such as @counsellor:example.org",
                    );
                    None
                }
            };
            let user_id = user_id.and_then(|id| matrix_sdk::ruma::UserId::parse(id).ok());
            let hours = self.string(entry, "hours", &prefix);
            let tz = self.string(entry, "tz", &prefix);
            let hours = match Hours::parse(hours.as_deref().unwrap_or(ALWAYS), tz.as_deref()) {
                Ok(hours) => Some(hours),
                Err(problems) => {
                    for (field, why) in problems {
                        self.problem(&format!("{prefix}{field}"), why);
                    }
                    None
                }
            };
            match (user_id, hours) {
                (Some(user_id), Some(hours)) => responders.push(Responder { user_id, hours }),
                _ => ok = false,
            }
        }
        ok.then_some(responders)
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
