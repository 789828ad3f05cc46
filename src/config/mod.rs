//! The operator's configuration: a TOML file, overridden by environment variables.
//!
//! Parsing is two steps: the file is read as a plain TOML table, then every key is checked and
//! turned into [`Config`]. Every problem is collected, so a bad file gets one message that names
//! each key and why, instead of one error per attempt. Secrets never come from the file: only
//! from `CONFIDANT_*` environment variables or the files they name.
//!
//! Where things are: this file holds the checked [`Config`] with its room and rate-limit
//! sections, and the [`Env`] the overrides and secrets are read through; `region` the [`Region`]
//! codes; `file` the file's keys, defaults and checks, read with `reader`'s getters that collect
//! every [`Problem`]; `error` the [`ConfigError`] that names them; `secrets` the [`Secrets`].

mod error;
mod file;
mod reader;
mod region;
mod secrets;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use self::{
    error::{ConfigError, Problem},
    file::{load, parse},
    region::Region,
    secrets::Secrets,
};
use crate::logging::LogFormat;

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
    /// A room with no event for this long is left and forgotten, with its keys; `None` keeps
    /// rooms however quiet they are. The only record used is the homeserver's own history.
    pub leave_idle_after: Option<std::time::Duration>,
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

/// How lines typed in a burst are read together (see `matrix::burst`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bursts {
    /// A line waits this long for the next one from the same person; zero reads every line
    /// alone.
    pub pause: std::time::Duration,
    /// The longest a burst waits, from its first line.
    pub longest: std::time::Duration,
}

impl Bursts {
    /// Whether lines are held for a burst at all.
    pub fn on(&self) -> bool {
        !self.pause.is_zero()
    }
}

/// A person who can join a conversation when someone asks for one (`[handoff]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Responder {
    /// Their Matrix account.
    pub user_id: matrix_sdk::ruma::OwnedUserId,
    /// When they are on hand (`24/7` when the file gives no hours).
    pub hours: crate::responses::Hours,
}

/// How the bot sends its menus (the "did you mean" choice and the related topics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Menus {
    /// A single-choice poll, with the text menu as its fallback; typing a number still works.
    #[default]
    Poll,
    /// Text only, a numbered list to reply to (for clients that do not show polls).
    Text,
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
    /// Lines typed in a burst.
    pub bursts: Bursts,
    /// The people who can join a conversation on request, in order; empty keeps hand-over off.
    pub responders: Vec<Responder>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Where the optional health endpoint listens (loopback only); `None` keeps it off.
    pub health: Option<std::net::SocketAddr>,
    /// Menus as polls or as text.
    pub menus: Menus,
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
