//! Tests that the repo's set answers the project's seed questions, and that a misfiled
//! example is reported.

use super::*;
use crate::matcher::Matcher;

fn repo_matcher() -> (ResponseSet, Matcher) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let set = responses::load(&dir, None).unwrap();
    let matcher = build_matcher(&set).unwrap();
    (set, matcher)
}

/// The questions the project started from, in other words than the examples: each must land
/// on an answer that fits it.
#[test]
fn seed_questions_land_on_fitting_answers() {
    let (_, matcher) = repo_matcher();
    let cases: &[(&str, &[&str])] = &[
        (
            "What are the risks for a couple sexting over WhatsApp?",
            &["risks-overview", "encryption"],
        ),
        (
            "Is it safe to sext on WhatsApp because it's end-to-end encrypted?",
            &["encryption", "risks-overview"],
        ),
        (
            "How can sexting end up in broken trust, leaked pictures or trouble with the law?",
            &["risks-overview"],
        ),
        ("How can we make sexting less risky?", &["safer-sexting"]),
        (
            "What are the signs that my partner's sexting is risky or only goes one way?",
            &["warning-signs"],
        ),
        (
            "I'm a parent and I'm terrified. Is there a button that deletes everything forever?",
            &["disappearing-deleting", "parents"],
        ),
        (
            "Is there any way to tell if someone is lying to me?",
            &["trust-lying"],
        ),
    ];
    for (question, fitting) in cases {
        let outcome = matcher.classify(question);
        let topic = outcome.topic().unwrap_or("none");
        assert!(
            fitting.contains(&topic),
            "{question:?} -> {outcome:?}, expected one of {fitting:?}"
        );
    }
}

#[test]
fn an_example_under_the_wrong_topic_is_reported_with_file_and_index() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut files = responses::read_dir(&dir).unwrap();
    // A clear sextortion question filed under consent.
    let consent = files.get_mut("consent.toml").unwrap();
    *consent = consent.replacen(
        "examples = [",
        "examples = [\n  \"they say they'll post my nudes unless i pay them\",",
        1,
    );
    let set = responses::from_files(&files).unwrap();
    let issues = check_set(&set);
    assert!(
        issues.iter().any(|i| i.file == "consent.toml"
            && i.field == "examples[0]"
            && i.why.contains("sextortion")),
        "{issues:#?}"
    );
}
