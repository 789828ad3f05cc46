use super::*;
use crate::topics;

/// The part for parents that minors and the sharing topic must have.
const PARENT_PART: &str = "[parts]\nparent = \"For a parent.\"\n";

/// A minimal valid set: every required topic, generated.
fn valid_files() -> Files {
    let mut files = Files::new();
    for (i, id) in topics::REQUIRED.iter().enumerate() {
        let examples: Vec<String> = (0..MIN_EXAMPLES)
            .map(|n| format!("\"question {n} about {id}\""))
            .collect();
        let text = format!(
            r#"
id = "{id}"
title = "About {id}"
keyword = "kw{i}"
number = {n}
last_reviewed = "2026-11-26"
follow_ups = []
examples = [{examples}]
answer = "A short answer."
[[sources]]
name = "Somebody"
url = "https://example.org/{id}"
"#,
            n = i + 1,
            examples = examples.join(", "),
        );
        let text = if topics::PARENTS_OFFERED_FIRST.contains(id) {
            text + PARENT_PART
        } else {
            text
        };
        files.insert(format!("{id}.toml"), text);
    }
    let messages = [
        "not_encrypted",
        "undecryptable",
        "too_long",
        "slow_down",
        "non_text",
        "did_you_mean",
        "follow_ups_label",
        "resources_label",
        "open_now",
        "closed_now",
        "sources_label",
        "whole_answer",
        "menu_label",
        "forget_done",
        "forget_final",
        "intro",
        "handoff_offer",
        "handoff_joining",
        "handoff_unavailable",
        "handoff_next",
        "handoff_resumed",
        "poll_ended",
    ]
    .iter()
    .map(|k| format!("{k} = \"text\"\n"))
    .collect::<String>();
    files.insert(MESSAGES_FILE.into(), messages);
    files.insert(MATCHER_FILE.into(), "# cues\n".into());
    files
}

fn issues_of(files: &Files) -> Vec<Issue> {
    match from_files(files) {
        Err(ResponseError::Invalid(issues)) => issues,
        Ok(_) => panic!("expected the set to be rejected"),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn edit(files: &mut Files, file: &str, from: &str, to: &str) {
    let text = files.get_mut(file).unwrap();
    assert!(text.contains(from), "fixture {file} has no {from:?}");
    *text = text.replacen(from, to, 1);
}

#[test]
fn valid_set_loads_sorted_by_number() {
    let set = from_files(&valid_files()).unwrap();
    assert_eq!(set.topics().len(), topics::REQUIRED.len());
    assert_eq!(set.topics()[0].id, "crisis");
    assert_eq!(set.get("legal").unwrap().number, 18);
}

// One table: every row breaks one rule alone on a fresh valid set and is checked alike.
#[test]
fn broken_sets_name_file_and_field() {
    type Breaker = fn(&mut Files);
    let cases: &[(&str, Breaker, &str, &str)] = &[
        (
            "missing topic",
            |f| {
                f.remove("legal.toml");
            },
            "legal.toml",
            "missing",
        ),
        (
            "unknown id",
            |f| {
                let t = f["consent.toml"].replace("\"consent\"", "\"flirting\"");
                f.insert(
                    "flirting.toml".into(),
                    t.replace("number = 14", "number = 99")
                        .replace("kw13", "kw99"),
                );
            },
            "flirting.toml",
            "not a topic of the topic list",
        ),
        (
            "id differs from file",
            |f| edit(f, "consent.toml", "id = \"consent\"", "id = \"legal\""),
            "consent.toml",
            "does not match the file name",
        ),
        (
            "duplicate number",
            |f| edit(f, "consent.toml", "number = 14", "number = 1"),
            "number",
            "also used by",
        ),
        (
            "duplicate keyword",
            |f| edit(f, "consent.toml", "keyword = \"kw13\"", "keyword = \"kw0\""),
            "keyword",
            "also used by",
        ),
        (
            "numeric keyword",
            |f| edit(f, "consent.toml", "keyword = \"kw13\"", "keyword = \"7\""),
            "keyword",
            "must not be a number",
        ),
        (
            "dangling follow-up",
            |f| {
                edit(
                    f,
                    "consent.toml",
                    "follow_ups = []",
                    "follow_ups = [\"nowhere\"]",
                )
            },
            "follow_ups[0]",
            "not a topic",
        ),
        (
            "no sources",
            |f| {
                let t = f["consent.toml"]
                    .split("[[sources]]")
                    .next()
                    .unwrap()
                    .to_owned();
                f.insert("consent.toml".into(), t);
            },
            "sources",
            "at least one source",
        ),
        (
            "http source",
            |f| {
                edit(
                    f,
                    "consent.toml",
                    "https://example.org",
                    "http://example.org",
                )
            },
            "sources[0].url",
            "https://",
        ),
        (
            "answer too long",
            |f| {
                let long = "x".repeat(MAX_ANSWER_CHARS + 1);
                edit(f, "consent.toml", "A short answer.", &long)
            },
            "answer",
            "first screen",
        ),
        (
            "too few examples",
            |f| edit(f, "consent.toml", "\"question 0 about consent\", ", ""),
            "examples",
            "at least 12",
        ),
        (
            "bad date",
            |f| edit(f, "consent.toml", "2026-11-26", "last week"),
            "last_reviewed",
            "not a date",
        ),
        (
            "unknown field",
            |f| {
                edit(
                    f,
                    "consent.toml",
                    "follow_ups = []",
                    "follow_ups = []\ncolour = 1",
                )
            },
            "consent.toml",
            "unknown field",
        ),
        (
            "bad region",
            |f| {
                edit(
                    f,
                    "consent.toml",
                    "[[sources]]",
                    "[[resources]]\nregion = \"mars\"\nname = \"x\"\nurl = \"https://x.org\"\n[[sources]]",
                )
            },
            "resources[0].region",
            "not one of",
        ),
        (
            "messages missing a key",
            |f| edit(f, MESSAGES_FILE, "too_long = \"text\"\n", ""),
            MESSAGES_FILE,
            "too_long",
        ),
        (
            "no matcher file",
            |f| {
                f.remove(MATCHER_FILE);
            },
            MATCHER_FILE,
            "missing",
        ),
    ];
    for (name, breaker, where_, why) in cases {
        let mut files = valid_files();
        breaker(&mut files);
        let issues = issues_of(&files);
        let text: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert!(
            text.iter().any(|t| t.contains(where_) && t.contains(why)),
            "{name}: expected an issue naming {where_:?} and {why:?}, got {text:#?}"
        );
    }
}

#[test]
fn all_problems_are_reported_together() {
    let mut files = valid_files();
    files.remove("legal.toml");
    edit(&mut files, "consent.toml", "number = 14", "number = 1");
    edit(&mut files, "boundaries.toml", "https://", "ftp://");
    assert!(issues_of(&files).len() >= 3);
}

#[test]
fn overlay_replaces_and_extends_by_id() {
    let base = tempfile::tempdir().unwrap();
    let overlay = tempfile::tempdir().unwrap();
    for (name, text) in valid_files() {
        std::fs::write(base.path().join(name), text).unwrap();
    }
    // Replaces the answer of one topic, adds a helpline to another: only what changes is set.
    std::fs::write(
        overlay.path().join("consent.toml"),
        "answer = \"Our own words on consent.\"\n",
    )
    .unwrap();
    let clinic =
        "[[resources]]\nregion = \"uk\"\nname = \"Riverside Clinic\"\ncontact = \"0100 000 000\"\n";
    std::fs::write(overlay.path().join("getting-help.toml"), clinic).unwrap();
    let set = load(base.path(), Some(overlay.path())).unwrap();
    assert_eq!(
        set.get("consent").unwrap().answer,
        "Our own words on consent."
    );
    assert_eq!(
        set.get("consent").unwrap().sources.len(),
        1,
        "untouched fields kept"
    );
    let help = set.get("getting-help").unwrap();
    assert_eq!(help.answer, "A short answer.");
    assert_eq!(help.resources.len(), 1);
    assert_eq!(help.resources[0].name, "Riverside Clinic");
    // A whole copy with one more source adds only the new source.
    let copy = valid_files()["legal.toml"].clone()
        + "[[sources]]\nname = \"Clinic legal desk\"\nurl = \"https://clinic.example/legal\"\n";
    std::fs::write(overlay.path().join("legal.toml"), copy).unwrap();
    let set = load(base.path(), Some(overlay.path())).unwrap();
    assert_eq!(set.get("legal").unwrap().sources.len(), 2);
    assert_eq!(
        set.get("legal").unwrap().examples.len(),
        MIN_EXAMPLES,
        "duplicates skipped"
    );
}

#[test]
fn overlay_for_an_unknown_topic_is_rejected() {
    let base = tempfile::tempdir().unwrap();
    let overlay = tempfile::tempdir().unwrap();
    for (name, text) in valid_files() {
        std::fs::write(base.path().join(name), text).unwrap();
    }
    std::fs::write(overlay.path().join("dating-tips.toml"), "answer = \"x\"\n").unwrap();
    let err = load(base.path(), Some(overlay.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("dating-tips.toml"), "{err}");
}

#[test]
fn overlay_with_bad_file_is_reported_by_name() {
    let base = tempfile::tempdir().unwrap();
    let overlay = tempfile::tempdir().unwrap();
    for (name, text) in valid_files() {
        std::fs::write(base.path().join(name), text).unwrap();
    }
    std::fs::write(
        overlay.path().join("getting-help.toml"),
        "id = \"getting-help\"\nnumber = \"x\"",
    )
    .unwrap();
    let err = load(base.path(), Some(overlay.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("getting-help.toml"), "{err}");
}

#[test]
fn repo_set_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    if let Err(e) = load(&dir, None) {
        panic!("{e}");
    }
}

#[test]
fn the_bots_messages_never_ask_people_to_verify_it() {
    // The bot takes no part in verification (it cross-signs its own device instead): a message
    // asking users to verify it would send them into a dead end.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let m = load(&dir, None).expect("repo set").messages;
    for (field, text) in [
        ("undecryptable", &m.undecryptable),
        ("not_encrypted", &m.not_encrypted),
        ("intro", &m.intro),
        ("handoff_offer", &m.handoff_offer),
        ("handoff_joining", &m.handoff_joining),
    ] {
        let lower = text.to_lowercase();
        assert!(
            !lower.contains("verify"),
            "{field} asks people to verify the bot: {text}"
        );
    }
    assert!(m.undecryptable.contains("can't take part in verification"));
}

// One table, as above: every row breaks one parts or adult-only rule and is checked alike.
#[test]
fn parts_and_adult_only_rules_name_file_and_field() {
    type Breaker = fn(&mut Files);
    let cases: &[(&str, Breaker, &str, &str, &str)] = &[
        (
            "minors offers an adult-only topic",
            |f| {
                edit(
                    f,
                    "safer-sexting.toml",
                    "follow_ups = []",
                    "adult_only = true\nfollow_ups = []",
                );
                edit(
                    f,
                    "minors.toml",
                    "follow_ups = []",
                    "follow_ups = [\"safer-sexting\"]",
                );
            },
            "minors.toml",
            "follow_ups[0]",
            "adult-only",
        ),
        (
            "the minors topic itself adult-only",
            |f| {
                edit(
                    f,
                    "minors.toml",
                    "follow_ups = []",
                    "adult_only = true\nfollow_ups = []",
                )
            },
            "minors.toml",
            "adult_only",
            "cannot be adult-only",
        ),
        (
            "an under-18 part on an adult-only topic",
            |f| {
                edit(
                    f,
                    "safer-sexting.toml",
                    "follow_ups = []",
                    "adult_only = true\nfollow_ups = []",
                );
                f.get_mut("safer-sexting.toml")
                    .unwrap()
                    .push_str("[parts]\nunder18 = \"Hi.\"\n");
            },
            "safer-sexting.toml",
            "parts.under18",
            "never shown to someone under 18",
        ),
        (
            "an answer naming an adult-only keyword",
            |f| {
                edit(
                    f,
                    "safer-sexting.toml",
                    "follow_ups = []",
                    "adult_only = true\nfollow_ups = []",
                );
                let kw = format!(
                    "keyword = \"kw{}\"",
                    topics::REQUIRED
                        .iter()
                        .position(|t| *t == "safer-sexting")
                        .unwrap()
                );
                edit(f, "safer-sexting.toml", &kw, "keyword = \"safer\"");
                edit(
                    f,
                    "risks-overview.toml",
                    "answer = \"A short answer.\"",
                    "answer = \"Type **safer** for tips.\"",
                );
            },
            "risks-overview.toml",
            "answer",
            "adult-only safer-sexting",
        ),
        (
            "a part too long",
            |f| {
                let long = "Word. ".repeat(200);
                f.get_mut("crisis.toml")
                    .unwrap()
                    .push_str(&format!("[parts]\nhelper = \"{long}\"\n"));
            },
            "crisis.toml",
            "parts.helper",
            "a part allows",
        ),
        (
            "an empty part",
            |f| {
                f.get_mut("crisis.toml")
                    .unwrap()
                    .push_str("[parts]\nparent = \" \"\n")
            },
            "crisis.toml",
            "parts.parent",
            "is empty",
        ),
        (
            "minors without a part for parents",
            |f| edit(f, "minors.toml", PARENT_PART, ""),
            "minors.toml",
            "parts.parent",
            "must not read the text written to",
        ),
        (
            "an unknown audience",
            |f| {
                f.get_mut("crisis.toml")
                    .unwrap()
                    .push_str("[parts]\nteacher = \"Hi.\"\n")
            },
            "crisis.toml",
            "",
            "teacher",
        ),
    ];
    for (name, breaker, file, field, why) in cases {
        let mut files = valid_files();
        breaker(&mut files);
        let issues = issues_of(&files);
        assert!(
            issues
                .iter()
                .any(|i| i.file == *file && i.field == *field && i.why.contains(why)),
            "{name}: {issues:#?}"
        );
    }
}

#[test]
fn a_part_is_found_for_its_audience_only() {
    let mut files = valid_files();
    files
        .get_mut("crisis.toml")
        .unwrap()
        .push_str("[parts]\nhelper = \"Stay with them.\"\n");
    let set = from_files(&files).unwrap();
    let parts = &set.get("crisis").unwrap().parts;
    assert_eq!(parts.get(Audience::Helper), Some("Stay with them."));
    for audience in [Audience::Myself, Audience::Parent, Audience::Under18] {
        assert_eq!(parts.get(audience), None, "{audience:?}");
    }
}

/// A resource block for the fixture: a line in `region` with `extra` keys (hours, tz).
fn line_with(region: &str, name: &str, extra: &str) -> String {
    format!(
        "[[resources]]\nregion = \"{region}\"\nname = \"{name}\"\ncontact = \"0100\"\n{extra}\n"
    )
}

// One table, as above: every row adds lines with opening hours to one topic and names the
// field of the first problem, and the resource it is in.
#[test]
fn opening_hours_rules_name_file_resource_and_problem() {
    let always = "hours = \"24/7\"";
    let cases: &[(&str, String, &str, &str)] = &[
        (
            "a bad day name",
            line_with(
                "uk",
                "Day Line",
                "hours = \"Mnd-Fri 10:00-16:00\"\ntz = \"Europe/London\"",
            ),
            "resources[0].hours",
            "\"Day Line\": \"Mnd\" is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun",
        ),
        (
            "a bad time",
            line_with(
                "uk",
                "Time Line",
                "hours = \"Mon-Fri 10:00-25:00\"\ntz = \"Europe/London\"",
            ),
            "resources[0].hours",
            "\"Time Line\": \"25:00\" is not a time from 00:00 to 24:00",
        ),
        (
            "a range that ends when it starts",
            line_with(
                "uk",
                "Odd Line",
                "hours = \"Mon 10:00-10:00\"\ntz = \"Europe/London\"",
            ),
            "resources[0].hours",
            "it ends when it starts",
        ),
        (
            "an unknown time zone",
            line_with(
                "uk",
                "Zone Line",
                "hours = \"Mon-Fri 10:00-16:00\"\ntz = \"Europe/Londn\"",
            ),
            "resources[0].tz",
            "\"Zone Line\": \"Europe/Londn\" is not a time zone of the tz database",
        ),
        (
            "hours without a time zone",
            line_with("uk", "Where Line", "hours = \"Mon-Fri 10:00-16:00\""),
            "resources[0].tz",
            "\"Where Line\": is missing",
        ),
        (
            "a time zone without hours",
            line_with("uk", "When Line", "tz = \"Europe/London\""),
            "resources[0].tz",
            "a time zone without hours",
        ),
        (
            "office hours and no 24/7 line in the region",
            line_with(
                "uk",
                "Office Line",
                "hours = \"Mon-Fri 10:00-16:00\"\ntz = \"Europe/London\"",
            ),
            "resources[0].hours",
            "\"Office Line\" is open only \"Mon-Fri 10:00-16:00\", and no other uk line of this \
             topic has hours = \"24/7\"",
        ),
        (
            "a 24/7 line in another region does not count",
            [
                line_with("us", "Night Line", always),
                line_with(
                    "uk",
                    "Office Line",
                    "hours = \"Sat 10:00-14:00\"\ntz = \"Europe/London\"",
                ),
            ]
            .concat(),
            "resources[1].hours",
            "no other uk line",
        ),
    ];
    for (name, lines, field, why) in cases {
        let mut files = valid_files();
        files.get_mut("consent.toml").unwrap().push_str(lines);
        let issues = issues_of(&files);
        assert!(
            issues
                .iter()
                .any(|i| i.file == "consent.toml" && i.field == *field && i.why.contains(why)),
            "{name}: {issues:#?}"
        );
    }
}

#[test]
fn opening_hours_are_parsed_once_when_the_set_loads() {
    let mut files = valid_files();
    let office = "hours = \"Mon-Fri 10:00-16:00\"\ntz = \"Europe/London\"";
    let night = "hours = \"Fri 22:00-02:00\"\ntz = \"Europe/London\"";
    let lines = [
        line_with("uk", "Office Line", office),
        line_with("uk", "Night Line", night),
        line_with("uk", "Any Hour Line", "hours = \"24/7\""),
        line_with("uk", "No Hours Line", ""),
    ]
    .concat();
    files.get_mut("consent.toml").unwrap().push_str(&lines);
    let set = from_files(&files).unwrap();
    let resources = &set.get("consent").unwrap().resources;
    let place = |i: usize| resources[i].opening.as_ref().map(|o| o.place());
    assert_eq!(place(0), Some(Some("London")));
    assert_eq!(
        place(1),
        Some(Some("London")),
        "a range crossing midnight is fine"
    );
    assert_eq!(place(2), Some(None), "24/7 needs no zone");
    assert_eq!(place(3), None);
}
