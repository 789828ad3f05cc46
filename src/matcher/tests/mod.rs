//! Matcher unit tests: table-driven, named, with sentences written for these tests (never copied
//! from an evaluation set). Most run against the real `_matcher.toml` with topic profiles that have
//! no examples, so they test the cues and rules on their own; a small hand-written data file
//! covers parsing errors and ambiguity.
//!
//! By theme: `reading` (tokens, question frames, menu picks, limits, out-of-scope, outcomes and
//! explanations), `urgent` (the urgency order, danger however it is said, what is not urgent, ages
//! and minors), and `mini_data` (the hand-written data file: ambiguity, leave-one-out, errors).
//! The helpers here build a matcher from the real data.

mod mini_data;
mod reading;
mod urgent;

use super::*;
use crate::topics::OUT_OF_SCOPE;

const REAL_DATA: &str = include_str!("../../../responses/_matcher.toml");

/// Every known topic, numbered in list order, keyword = the topic id; no examples.
fn bare_topics() -> Vec<TopicProfile> {
    topics::REQUIRED
        .iter()
        .zip(1..)
        .map(|(id, n)| TopicProfile {
            id: (*id).to_owned(),
            number: n,
            keyword: (*id).to_owned(),
            examples: Vec::new(),
            adult_only: false,
        })
        .collect()
}

fn real_matcher() -> Matcher {
    let data = MatcherData::parse(REAL_DATA).unwrap_or_else(|e| panic!("real _matcher.toml: {e}"));
    Matcher::new(&bare_topics(), &data).unwrap_or_else(|e| panic!("build: {e}"))
}
