//! Who is asking changes the answer (issue 14): the shipped matcher and response set, composed
//! as the bot sends them. The questions are written for these tests.

use std::path::Path;

use confidant::{
    check::build_matcher,
    matcher::{Audience, Matcher, Outcome},
    reply::{Composer, Instance},
    responses::{self, ResponseSet},
};

fn shipped() -> (ResponseSet, Matcher) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let set = responses::load(&dir, None).expect("the repo's set loads");
    let matcher = build_matcher(&set).expect("the matcher builds");
    (set, matcher)
}

/// The outcome and the text the bot would send for it.
fn ask(set: &ResponseSet, matcher: &Matcher, text: &str) -> (Outcome, String) {
    let outcome = matcher.classify(text);
    let instance = Instance::default();
    let reply = Composer::new(set, &instance).compose(&outcome);
    (outcome, reply)
}

/// Titles of the adult-only topics: none may appear in a reply to someone under 18.
fn adult_only_titles(set: &ResponseSet) -> Vec<String> {
    let titles: Vec<String> = set
        .topics()
        .iter()
        .filter(|t| t.adult_only)
        .map(|t| t.title.clone())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("sext more safely")),
        "safer sexting is marked adult-only"
    );
    titles
}

#[test]
fn a_sixteen_year_old_asking_for_sexting_tips_gets_minors_and_nothing_adult_only() {
    let (set, matcher) = shipped();
    let adult = adult_only_titles(&set);
    for question in [
        "im 16 and me and my gf want to sext, any tips to do it safely?",
        "I'm 17. How do I send pics to my boyfriend without them getting out?",
        "15 here, whats the safest app to sext on",
    ] {
        let (outcome, reply) = ask(&set, &matcher, question);
        assert_eq!(outcome.topic(), Some("minors"), "{question:?}: {outcome:?}");
        if let Outcome::Topic { also, .. } = &outcome {
            assert!(
                !also.iter().any(|id| id == "safer-sexting"),
                "{question:?}: {also:?}"
            );
        }
        for title in &adult {
            assert!(
                !reply.contains(title.as_str()),
                "{question:?} offers {title:?}"
            );
        }
    }
}

#[test]
fn a_friend_in_crisis_gets_the_helper_part_first_and_the_whole_answer_one_reply_away() {
    let (set, matcher) = shipped();
    let crisis = set.get("crisis").unwrap();
    let helper = crisis
        .parts
        .helper
        .as_deref()
        .expect("crisis has a helper part");
    let whole = set
        .messages
        .whole_answer
        .replace("{number}", &crisis.number.to_string());
    for question in [
        "my friend says she wants to end it all, what do I do",
        "my best mate says he doesn't want to be alive anymore, how do i help him",
    ] {
        let (outcome, reply) = ask(&set, &matcher, question);
        assert_eq!(outcome.topic(), Some("crisis"), "{question:?}: {outcome:?}");
        assert!(reply.starts_with(helper.trim()), "{question:?}: {reply}");
        assert!(!reply.contains(crisis.answer.trim()));
        assert!(reply.contains(whole.trim()), "{reply}");
    }
    // The person at risk themself gets the answer written to them.
    let (_, own) = ask(&set, &matcher, "i want to end it all tonight");
    assert!(own.starts_with(crisis.answer.trim()), "{own}");
    // Picking the number gives the answer written to the person at risk.
    let picked = Composer::new(&set, &Instance::default()).compose(&Outcome::MenuPick {
        id: "crisis".into(),
    });
    assert!(picked.starts_with(crisis.answer.trim()));
}

#[test]
fn a_parents_worry_about_a_child_gets_the_parents_answer() {
    let (set, matcher) = shipped();
    let parents = set.get("parents").unwrap();
    for question in [
        "I'm so worried, my daughter is 14 and I think she's sending pictures to someone on snapchat. what do I do",
        "as a mum how do i talk to my 13 year old about nudes without scaring him",
    ] {
        let (outcome, reply) = ask(&set, &matcher, question);
        assert_eq!(
            outcome.topic(),
            Some("parents"),
            "{question:?}: {outcome:?}"
        );
        assert!(reply.starts_with(parents.answer.trim()), "{question:?}");
    }
}

#[test]
fn each_audience_gets_its_own_part_where_the_topic_has_one() {
    let (set, _) = shipped();
    let composer_instance = Instance::default();
    let composer = Composer::new(&set, &composer_instance);
    for id in [
        "crisis",
        "minors",
        "sextortion",
        "non-consensual-sharing",
        "parents",
    ] {
        let topic = set.get(id).unwrap();
        assert!(topic.parts.all().next().is_some(), "{id} has no part");
        for audience in Audience::ALL {
            let reply = composer.compose(&Outcome::Topic {
                id: id.into(),
                also: vec![],
                audience,
            });
            let lead = topic.parts.get(audience).unwrap_or(&topic.answer);
            assert!(reply.starts_with(lead.trim()), "{id} for {audience:?}");
        }
    }
}

#[test]
fn the_help_menu_for_someone_under_18_lists_nothing_adult_only() {
    let (set, _) = shipped();
    let adult = adult_only_titles(&set);
    let instance = Instance::default();
    let composer = Composer::new(&set, &instance);
    let help = |audience| {
        composer.compose(&Outcome::Topic {
            id: "help".into(),
            also: vec![],
            audience,
        })
    };
    let grown = help(Audience::Myself);
    let young = help(Audience::Under18);
    for title in &adult {
        assert!(grown.contains(title.as_str()));
        assert!(!young.contains(title.as_str()));
    }
}
