//! Property tests: any UTF-8 input up to the size limit is classified and explained without a
//! panic, and anything longer is refused as too long. Built from the real response files and
//! model, as the bot builds it.

use std::sync::OnceLock;

use confidant::{
    answerer::Answerer,
    matcher::{MAX_INPUT_BYTES, Matcher, Outcome},
    reply::Instance,
};
use proptest::prelude::*;

/// The shipped matcher, with its learned model, as the bot builds it.
fn matcher() -> &'static Matcher {
    static M: OnceLock<Answerer> = OnceLock::new();
    M.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        Answerer::load(&dir, None, Instance::default()).unwrap_or_else(|e| panic!("{e}"))
    })
    .matcher()
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn check(text: &str) {
    let m = matcher();
    let outcome = m.classify(text);
    let explained = m.explain(text);
    assert_eq!(outcome, explained.outcome, "classify and explain disagree");
    let _ = explained.to_string();
    if text.len() > MAX_INPUT_BYTES {
        assert_eq!(outcome, Outcome::TooLong);
    } else {
        assert_ne!(outcome, Outcome::TooLong);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Short arbitrary Unicode, the most common shape of hostile input.
    #[test]
    fn short_arbitrary_text_never_panics(text in "\\PC{0,300}") {
        check(&text);
    }

    /// Chat-like text: words, digits, apostrophes, emoji and sentence marks mixed.
    #[test]
    fn chat_like_text_never_panics(words in prop::collection::vec("[a-z0-9'’é👋🙏]{1,12}|[.?!,\n]", 0..80)) {
        check(&words.join(" "));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Long input up to the limit, built by repeating an arbitrary chunk.
    #[test]
    fn long_text_up_to_the_limit_never_panics(chunk in "\\PC{1,40}", times in 1usize..4000) {
        check(&cut(chunk.repeat(times), MAX_INPUT_BYTES));
    }

    /// Anything over the limit is refused, whatever it contains.
    #[test]
    fn over_the_limit_is_too_long(chunk in "\\PC{1,16}", extra in 1usize..2000) {
        let mut text = cut(chunk.repeat(MAX_INPUT_BYTES / chunk.len() + 1), MAX_INPUT_BYTES);
        text.push_str(&"x".repeat(extra));
        check(&text);
        prop_assert_eq!(matcher().classify(&text), Outcome::TooLong);
    }
}
