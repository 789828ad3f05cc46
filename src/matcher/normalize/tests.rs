//! Normalizer tests: slang, app names, typos and stretching folded; sentences and questions
//! tracked; the one-edit distance and its plausible slips.

use super::{spelling::edit_distance_at_most_one, *};

fn sample() -> Normalizer {
    let mut n = Normalizer::new([
        ("bf", "partner"),
        ("boyfriend", "partner"),
        ("pics", "pic"),
        ("photo", "pic"),
        ("noodz", "nude"),
        ("whatsapp", "app"),
        ("snapchat", "app"),
        ("u", "you"),
        ("lol", ""),
        ("end to end", "encrypt"),
        ("👋", "hello"),
    ])
    .unwrap_or_default();
    n.learn_curated("my girlfriend wants pictures please help accidentally");
    n.finish();
    n
}

fn terms(n: &Normalizer, text: &str) -> Vec<String> {
    n.tokens(text).into_iter().map(|t| t.term).collect()
}

#[test]
fn folds_slang_apps_typos_and_stretching() {
    let n = sample();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "text-speak",
            "u and ur BF lol",
            &["you", "and", "ur", "partner"],
        ),
        (
            "app names fold",
            "Snapchat or WhatsApp",
            &["app", "or", "app"],
        ),
        ("leetspeak", "n00dz", &["nud"]),
        ("plural via stem entry", "photos", &["pic"]),
        ("stretched letters", "pleeease help", &["pleas", "help"]),
        ("accents", "Héllo", &["hello"]),
        ("apostrophes join", "don't", &["dont"]),
        ("phrase", "is it end-to-end?", &["is", "it", "encrypt"]),
        ("typo transposition", "my girlfreind", &["my", "girlfriend"]),
        ("typo deletion", "accidentaly", &["accidentally"]),
        ("short words are not repaired", "hacer", &["hacer"]),
        ("emoji word", "👋", &["hello"]),
    ];
    for (name, input, want) in cases {
        let got = terms(&n, input);
        assert_eq!(got, *want, "{name}");
    }
}

#[test]
fn sentences_and_questions_are_tracked() {
    let n = sample();
    let toks = n.tokens("hi there. is it safe?");
    assert_eq!(toks[0].sentence, 0);
    assert!(!toks[0].question);
    assert_eq!(toks[2].sentence, 1);
    assert!(toks[2].question);
}

#[test]
fn edit_distance_cases() {
    let cases = [
        ("swap", "freind", "friend", true),
        ("insert", "helo", "hello", true),
        ("substitute a vowel", "hallo", "hello", true),
        ("substitute a neighbouring key", "hwllo", "hello", true),
        ("creating is not cheating", "creating", "cheating", false),
        ("two edits", "hxllx", "hello", false),
        ("same", "same", "same", true),
    ];
    for (name, a, b, want) in cases {
        assert_eq!(edit_distance_at_most_one(a, b), want, "{name}");
    }
}
