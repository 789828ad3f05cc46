//! The Matrix side, by job:
//! - [`plan`]: what the bot does with one message, a pure decision (start here), and
//!   [`words`], how it reads a message's words.
//! - [`bot`]: start-up and the sync loop; [`handle`]: a room's events, read, planned and acted
//!   on; [`parse`]: an event into what the plan needs.
//! - [`outbox`]: sending, with retries; [`join`] and [`invites`]: invites, upgrades and who may
//!   bring the bot in; [`idle`]: leaving quiet rooms; [`forget`] and [`room_keys`]: forgetting
//!   a room and erasing its keys.
//! - [`intro`]: the introduction, once per room; [`menus`]: menus as polls, and votes;
//!   [`burst`]: lines typed in a burst, read as one message; [`handoff`]: a person from the
//!   service, when someone asks for one; [`reload`]: the responses reloaded on SIGHUP.
//! - [`shared`]: the state every room's worker shares.
//! - [`session`], [`fault`], [`start`]: identity, stores, what a homeserver error means, and
//!   why the bot cannot start, worded once;
//!   [`login`] and [`doctor`]: the operator's first start and health check; [`health`]: the
//!   health endpoint.

pub mod bot;
mod burst;
pub mod doctor;
pub mod fault;
pub mod forget;
mod handle;
mod handoff;
pub mod health;
mod idle;
mod intro;
pub mod invites;
mod join;
pub mod login;
mod menus;
pub mod outbox;
mod parse;
pub mod plan;
pub mod recovery;
pub mod reload;
pub mod room_keys;
pub mod session;
mod shared;
pub mod start;
pub mod words;
