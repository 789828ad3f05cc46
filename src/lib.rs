//! confidant: a self-hostable Matrix bot that gives private, judgment-free answers about
//! sexting risks, consent and relationship warning signs, from a curated response set.
//!
//! The modules, in dependency order (each uses only those above it):
//! - [`privacy`]: the `Secret` type and the logging policy that keeps conversations out of logs.
//! - [`config`]: the operator's TOML file and environment, checked with every problem named.
//! - [`topics`]: the topic ids code names, and the urgency order.
//! - [`flood`]: the per-sender flood limit, in memory.
//! - [`responses`]: the curated answers in `responses/`, loaded and validated.
//! - [`matcher`]: message → topic, local and explainable; urgency first, honest when unsure.
//! - [`reply`]: the outcome → the Markdown message the user gets.
//! - [`poll`]: a reply's menu as a poll (`menus = "poll"`); [`padding`]: one size for every
//!   event the bot sends.
//! - [`answerer`]: the set, its matcher and the instance in one value, built once.
//! - [`corpus`]: the labelled training corpus, split by writer batch.
//! - [`check`], [`eval`], [`bench`]: the curator's and developer's tools.
//! - [`matrix`]: session, encrypted stores, sync loop, invites and replies.
//! - [`cli`]: the command line.

// Spawning the sync future nests deeply in matrix-sdk's types.
#![recursion_limit = "256"]

pub mod answerer;
pub mod bench;
pub mod check;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod eval;
pub mod flood;
pub mod logging;
pub mod matcher;
pub mod matrix;
pub mod metrics;
pub mod padding;
pub mod poll;
pub mod privacy;
pub mod reply;
pub mod responses;
pub mod topics;
