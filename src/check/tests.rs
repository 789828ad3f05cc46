//! Tests of `confidant check`: Markdown, reading grade, first screen as sent, padded size.

use super::grade::syllables_in;
use super::*;

#[test]
fn markdown_problems() {
    let cases = [
        (
            "clean",
            "Hello **there**.\n\n- one\n- [link](https://x.org)",
            None,
        ),
        ("unclosed bold", "Hello **there.", Some("\"**\"")),
        ("raw html", "Hello <b>there</b>", Some("raw HTML")),
        (
            "broken link",
            "See [this] (https://x.org) and ](",
            Some("\"](\""),
        ),
    ];
    for (name, text, expected) in cases {
        let got = markdown_problem(text);
        match expected {
            None => assert_eq!(got, None, "{name}"),
            Some(part) => assert!(
                got.as_deref().is_some_and(|g| g.contains(part)),
                "{name}: {got:?}"
            ),
        }
    }
}

#[test]
fn repo_set_is_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let issues = check_dir(&dir, None).unwrap();
    let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
    assert!(
        issues.is_empty(),
        "{} problems:\n{}",
        issues.len(),
        text.join("\n")
    );
}

#[test]
fn reading_grade_follows_the_formula() {
    // 3 sentences, 9 words, 9 syllables: 0.39 × 3 + 11.8 × 1 − 15.59.
    let plain = "Stay calm. Do not pay them.\n\nAsk for help.";
    let expected = 0.39 * 3.0 + 11.8 * 1.0 - 15.59;
    assert!(
        (reading_grade(plain) - expected).abs() < 0.01,
        "{}",
        reading_grade(plain)
    );
    // Markdown, link targets and addresses are not read.
    let marked = "**Stay calm.** Do not pay [them](https://example.org/a-very-long-address).\n\n- Ask for help (https://x.org).";
    assert!(
        (reading_grade(marked) - expected).abs() < 0.01,
        "{}",
        reading_grade(marked)
    );
    let hard = "Unauthorised dissemination constitutes a criminal offence in numerous jurisdictions internationally.";
    assert!(reading_grade(hard) > MAX_GRADE, "{}", reading_grade(hard));
    assert_eq!(reading_grade(""), 0.0);
}

#[test]
fn syllables_by_vowel_groups() {
    for (word, n) in [
        ("the", 1),
        ("stay", 1),
        ("helpline", 2),
        ("report", 2),
        ("someone", 2),
        ("reading", 2),
        ("1800", 1),
    ] {
        assert_eq!(syllables_in(word), n, "{word}");
    }
}

#[test]
fn the_first_screen_is_measured_as_sent_for_every_topic_and_part() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut set = responses::load(&dir, None).unwrap();
    let measures = as_sent(&set);
    let parts: usize = set.topics().iter().map(|t| t.parts.all().count()).sum();
    assert_eq!(measures.len(), set.topics().len() + parts);
    assert!(as_sent_problems(&measures).is_empty());
    // The help menu is added by code: its first screen is longer than its answer field.
    let help = measures.iter().find(|m| m.topic == "help").unwrap();
    assert!(help.first_screen > set.get("help").unwrap().answer.len() + 500);
    // A part's first screen carries the "whole answer" line.
    let helper = measures
        .iter()
        .find(|m| m.topic == "crisis" && m.field == "parts.helper")
        .unwrap();
    let part = set.get("crisis").unwrap().parts.helper.clone().unwrap();
    assert!(helper.first_screen > part.trim().chars().count());
    assert!(helper.with_local_help > helper.first_screen);
    assert!(helper.chars > helper.with_local_help);

    // Each menu line is short, but enough of them go over the first screen.
    set.messages.menu_label = "Topics, which are all written with care. ".repeat(30);
    let issues = as_sent_problems(&as_sent(&set));
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        (issues[0].file.as_str(), issues[0].field.as_str()),
        ("help.toml", "answer")
    );
    assert!(issues[0].why.contains("first screen"), "{}", issues[0].why);

    let hard = "Unauthorised dissemination constitutes a criminal offence in numerous jurisdictions internationally.";
    let mut set = responses::load(&dir, None).unwrap();
    set.messages.whole_answer = format!("{} Reply {{number}}.", [hard; 8].join(" "));
    let issues = as_sent_problems(&as_sent(&set));
    // Every part carries the line, so every part reads too hard; no answer does.
    let graded = issues.iter().filter(|i| i.why.contains("grade")).count();
    assert_eq!(graded, parts, "{issues:?}");
    assert!(
        issues.iter().all(|i| i.field.starts_with("parts.")),
        "{issues:?}"
    );
}

#[test]
fn the_whole_answer_line_must_name_the_number() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut set = responses::load(&dir, None).unwrap();
    set.messages.whole_answer = "Reply with the number for more.".into();
    let issues = check_set(&set);
    assert!(
        issues
            .iter()
            .any(|i| i.file == MESSAGES_FILE && i.field == "whole_answer"),
        "{issues:?}"
    );
}

#[test]
fn a_text_too_long_for_the_padded_size_is_reported() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut set = responses::load(&dir, None).unwrap();
    assert!(padding_problems(&set).is_empty());
    set.messages.forget_done = "All gone. ".repeat(2_000);
    let issues = padding_problems(&set);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].file, MESSAGES_FILE);
    assert_eq!(issues[0].field, "forget_done");
    assert!(issues[0].why.contains("padded size"), "{}", issues[0].why);
}

#[test]
fn a_menu_too_long_for_a_poll_and_a_long_poll_end_are_reported() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut set = responses::load(&dir, None).unwrap();
    // A poll carries its question twice (as the question and in the fallback text).
    set.messages.did_you_mean = "Which one is closest to what you mean? ".repeat(210);
    set.messages.poll_ended = "Closed. ".repeat(2_100);
    let issues: Vec<Issue> = padding_problems(&set)
        .into_iter()
        .filter(|i| i.why.contains("as a poll") || i.field == "poll_ended")
        .collect();
    let fields: Vec<(&str, &str)> = issues
        .iter()
        .map(|i| (i.file.as_str(), i.field.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            (MESSAGES_FILE, "did_you_mean"),
            (MESSAGES_FILE, "poll_ended")
        ],
        "{issues:?}"
    );
    assert!(issues[0].why.contains("as a poll"), "{}", issues[0].why);
}

#[test]
fn an_hours_note_never_pushes_an_answer_past_the_padded_size() {
    use crate::{
        matcher::Outcome,
        padding,
        reply::{Clock, Composer, Instance},
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let mut set = responses::load(&dir, None).unwrap();
    // What `check` measures bounds the answer at every half hour of a week.
    let monday: jiff::Timestamp = "2026-01-12T00:00:00Z".parse().unwrap();
    let with_hours = |t: &responses::Topic| t.resources.iter().any(|r| r.opening.is_some());
    for topic in set.topics().iter().filter(|t| with_hours(t)) {
        let outcome = Outcome::MenuPick {
            id: topic.id.clone(),
        };
        let instance = Instance::default();
        let measured =
            padding::notice_len(&Composer::new(&set, &instance, Clock::Longest).compose(&outcome));
        for half_hours in 0..7 * 48 {
            let now = monday + jiff::SignedDuration::from_mins(30 * half_hours);
            let sent = Composer::new(&set, &instance, Clock::At(now)).compose(&outcome);
            assert!(
                padding::notice_len(&sent) <= measured,
                "{} at {now}: {} bytes, measured {measured}",
                topic.id,
                padding::notice_len(&sent)
            );
        }
    }
    // A note long enough to overflow is reported for the topics with office hours, and only
    // for them: the size rule counts the longer note of every line.
    set.messages.closed_now = format!(
        "closed now; opens {{day}} {{time}} {{zone}} time{}",
        ", and more".repeat(1_000)
    );
    let mut reported: Vec<String> = padding_problems(&set).into_iter().map(|i| i.file).collect();
    reported.sort();
    let mut office: Vec<String> = set
        .topics()
        .iter()
        .filter(|t| {
            t.resources
                .iter()
                .any(|r| r.opening.as_ref().is_some_and(|o| !o.is_always()))
        })
        .map(|t| format!("{}.toml", t.id))
        .collect();
    // The "nobody can join now" message carries the helplines of getting-help.
    if office.contains(&"getting-help.toml".to_owned()) {
        office.push(MESSAGES_FILE.to_owned());
    }
    office.sort();
    assert!(!office.is_empty());
    assert_eq!(reported, office);
}

#[test]
fn the_poll_end_text_is_plain_and_not_empty() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let clean = responses::load(&dir, None).unwrap();
    assert!(poll_ended_problem(&clean).is_none());
    for (text, why) in [("  ", "is empty"), ("Answered **above**.", "plain text")] {
        let mut set = clean.clone();
        set.messages.poll_ended = text.into();
        let issue = poll_ended_problem(&set).expect("reported");
        assert_eq!(
            (issue.file.as_str(), issue.field.as_str()),
            (MESSAGES_FILE, "poll_ended")
        );
        assert!(issue.why.contains(why), "{}", issue.why);
    }
}

#[test]
fn the_hours_notes_name_the_opening_and_are_plain_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let clean = responses::load(&dir, None).unwrap();
    assert!(hours_note_problems(&clean).is_empty());
    let mut set = clean.clone();
    set.messages.closed_now = "closed now; opens {day} {time}".into();
    let issues = hours_note_problems(&set);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        (issues[0].file.as_str(), issues[0].field.as_str()),
        (MESSAGES_FILE, "closed_now")
    );
    assert!(issues[0].why.contains("{zone}"), "{}", issues[0].why);
    let mut set = clean;
    set.messages.open_now = "**open now**".into();
    let issues = hours_note_problems(&set);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].field, "open_now");
    assert!(issues[0].why.contains("plain text"), "{}", issues[0].why);
}
