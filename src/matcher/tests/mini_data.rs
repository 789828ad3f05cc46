//! Tests on a small hand-written data file: close candidates are ambiguous, leave-one-out, and
//! bad data or topic lists reported as errors.

use super::*;

/// A minimal data file: two topics sharing the cue "zebra" make ambiguity easy to provoke.
const MINI: &str = r#"
[apps]
token = "app"
names = ["whatsapp"]
[lexicon]
bf = "partner"
[words]
stopwords = ["the", "a"]
negators = ["not"]
domain = ["zebra", "giraffe", "okapi"]
[rules]
minor_min_age = 8
minor_max_age = 17
speaker_age = ["im #"]
other_age = ["is #"]
child_context = ["kid"]
explicit_words = ["nude"]
intimate_words = ["nude"]
image_words = ["pic"]
age_units = ["minute"]
about_words = ["about"]
partner_words = ["partner"]
[topics.consent]
strong = ["zebra"]
[topics.boundaries]
strong = ["zebra"]
[topics.legal]
strong = ["giraffe"]
[topics.crisis]
strong = ["okapi"]
[topics.getting-help]
strong = ["okapi"]
"#;

fn mini_topics() -> Vec<TopicProfile> {
    let t = |id: &str, n: u32, ex: &[&str]| TopicProfile {
        id: id.to_owned(),
        number: n,
        keyword: id.to_owned(),
        examples: ex.iter().map(|s| (*s).to_owned()).collect(),
        adult_only: false,
    };
    vec![
        t("consent", 1, &["striped animals at night"]),
        t("boundaries", 2, &["striped animals by day"]),
        t(
            "legal",
            3,
            &["long necked giraffe laws", "giraffe rules in the savanna"],
        ),
        t("out-of-scope", 4, &["weather report for tomorrow"]),
        t("crisis", 5, &["a dark night alone"]),
        t("getting-help", 6, &["a dark night alone"]),
    ]
}

#[test]
fn close_candidates_are_ambiguous() {
    let data = MatcherData::parse(MINI).unwrap_or_else(|e| panic!("{e}"));
    let m = Matcher::new(&mini_topics(), &data).unwrap_or_else(|e| panic!("{e}"));
    match m.classify("zebra") {
        Outcome::Ambiguous { options } => {
            assert_eq!(options.len(), 2);
            assert!(
                options.contains(&"consent".to_owned())
                    && options.contains(&"boundaries".to_owned())
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.classify("giraffe").topic(), Some("legal"));
    // A close call that includes an urgent topic is answered with it, never asked about.
    match m.classify("okapi") {
        Outcome::Topic { id, also, .. } => {
            assert_eq!(id, "crisis");
            assert_eq!(also, ["getting-help"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn leave_one_out_excludes_the_example_itself() {
    let data = MatcherData::parse(MINI).unwrap_or_else(|e| panic!("{e}"));
    let m = Matcher::new(&mini_topics(), &data).unwrap_or_else(|e| panic!("{e}"));
    let cases: &[(&str, &str, usize, Option<&str>)] = &[
        ("sibling example still matches", "legal", 0, Some("legal")),
        ("unknown topic", "nope", 0, Some(OUT_OF_SCOPE)),
        ("index out of range", "legal", 9, Some(OUT_OF_SCOPE)),
    ];
    for (name, topic, index, want) in cases {
        assert_eq!(
            m.classify_without_example(topic, *index).topic(),
            *want,
            "{name}"
        );
    }
    let why = m
        .explain_without_example("legal", 0)
        .unwrap_or_else(|| panic!("explain legal 0"));
    assert_eq!(why.outcome, m.classify_without_example("legal", 0));
    assert!(m.explain_without_example("legal", 9).is_none());
}

#[test]
fn bad_data_is_reported_all_at_once() {
    let cases: &[(&str, String, &[&str])] = &[
        (
            "unknown key",
            MINI.replace("[lexicon]", "colour = 1\n[lexicon]"),
            &["unknown field"],
        ),
        (
            "unknown topic and bad cue together",
            format!(
                "{MINI}\n[topics.weather]\nstrong = [\"rain\"]\n[topics.help]\nstrong = [\"* help\"]\n"
            ),
            &["topics.weather: unknown topic id", "topics.help.strong"],
        ),
        (
            "urgent outside the urgency order",
            format!("{MINI}\n[topics.help]\nurgent = [\"now\"]\n"),
            &["only the urgency-ordered"],
        ),
        (
            "urgent beside another urgent topic, outside the urgency order",
            format!("{MINI}\n[topics.help]\nurgent_beside = [\"now\"]\n"),
            &["topics.help.urgent_beside: only the urgency-ordered"],
        ),
        (
            "urgent unless an idiom, outside the urgency order",
            format!("{MINI}\n[topics.help]\nurgent_or_idiom = [\"now\"]\n"),
            &["topics.help.urgent_or_idiom: only the urgency-ordered"],
        ),
        (
            "per-topic urgent threshold for a topic outside the urgency order, and out of range",
            format!("{MINI}\n[scoring.model_urgent_by_topic]\nhelp = 0.5\ncrisis = 1.5\n"),
            &[
                "model_urgent_by_topic.help: not an urgency-ordered topic",
                "model_urgent_by_topic.crisis: 1.5 is not a probability",
            ],
        ),
        (
            "cue that is just an app name",
            format!("{MINI}\n[topics.help]\nstrong = [\"whatsapp\"]\n"),
            &["app token"],
        ),
        (
            "an age-rule picture word that is an app name",
            MINI.replace(
                r#"image_words = ["pic"]"#,
                r#"image_words = ["pic", "whatsapp"]"#,
            ),
            &["rules.image_words: `whatsapp` folds to the app token"],
        ),
    ];
    for (name, text, wants) in cases {
        let err = match MatcherData::parse(text) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e.to_string(),
        };
        for w in *wants {
            assert!(err.contains(w), "{name}: {err}");
        }
    }
}

#[test]
fn cues_for_missing_topics_and_duplicate_ids_are_errors() {
    let data = MatcherData::parse(MINI).unwrap_or_else(|e| panic!("{e}"));
    let mut missing = mini_topics();
    missing.retain(|t| t.id != "legal");
    assert!(
        matches!(
            Matcher::new(&missing, &data),
            Err(MatcherError::UnknownTopics { .. })
        ),
        "missing topic"
    );
    let mut dup = mini_topics();
    dup.push(dup[0].clone());
    assert!(
        matches!(
            Matcher::new(&dup, &data),
            Err(MatcherError::DuplicateTopic(_))
        ),
        "duplicate id"
    );
    assert!(
        matches!(Matcher::new(&[], &data), Err(MatcherError::NoTopics)),
        "no topics"
    );
}

#[test]
fn an_urgent_beside_cue_is_urgent_only_beside_another_urgent_topic() {
    let toml = MINI.replace(
        "[topics.crisis]\n",
        "[topics.crisis]\nurgent_beside = [\"if i die\"]\n",
    );
    let data = MatcherData::parse(&toml).unwrap_or_else(|e| panic!("{e}"));
    let mut topics = mini_topics();
    topics.push(TopicProfile {
        id: "minors".to_owned(),
        number: 7,
        keyword: "minors".to_owned(),
        examples: vec!["young people and pictures".to_owned()],
        adult_only: false,
    });
    let m = Matcher::new(&topics, &data).unwrap_or_else(|e| panic!("{e}"));
    let crisis_class = |text: &str| {
        m.explain(text)
            .cue_hits
            .iter()
            .find(|h| h.topic == "crisis")
            .map(|h| h.class)
    };

    // Alone, evidence: the giraffe question is still about the law.
    let alone = "what happens to the giraffe laws if i die";
    assert_eq!(crisis_class(alone), Some(CueClass::UrgentBeside));
    assert_eq!(m.classify(alone).topic(), Some("legal"));

    // Beside minors made urgent by the writer's age and a picture: urgent, and crisis first.
    let beside = "im 15 and my pic is out. what happens if i die";
    assert_eq!(crisis_class(beside), Some(CueClass::Urgent));
    assert_eq!(m.classify(beside).topic(), Some("crisis"));
}

#[test]
fn an_urgent_or_idiom_cue_is_urgent_when_no_model_reads_the_message_as_everyday() {
    let toml = MINI.replace(
        "[topics.crisis]\n",
        "[topics.crisis]\nurgent_or_idiom = [\"he will kill me\"]\n",
    );
    let data = MatcherData::parse(&toml).unwrap_or_else(|e| panic!("{e}"));
    let m = Matcher::new(&mini_topics(), &data).unwrap_or_else(|e| panic!("{e}"));
    let text = "the giraffe laws say he will kill me";
    let crisis = m
        .explain(text)
        .cue_hits
        .into_iter()
        .find(|h| h.topic == "crisis")
        .map(|h| (h.class, h.weight));
    // Weighed like an urgent cue, and urgent: with no model there is no everyday reading to
    // take it back (the seed tests show the model's).
    assert_eq!(
        crisis,
        Some((CueClass::UrgentOrIdiom, data.scoring.urgent_weight))
    );
    assert_eq!(m.classify(text).topic(), Some("crisis"));
    // Denied, it is evidence like a denied urgent cue.
    assert_eq!(
        m.classify("the giraffe laws, not he will kill me").topic(),
        Some("legal")
    );
}
