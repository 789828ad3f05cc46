//! Who is asking changes the answer (issue 14): the shipped matcher and response set, composed
//! as the bot sends them. The questions are written for these tests.

use std::path::Path;

use confidant::{
    answerer::Answerer,
    matcher::{Audience, Outcome},
    reply::Instance,
    responses::ResponseSet,
};

/// The shipped set and matcher, answering as the bot does.
fn shipped() -> Answerer {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    Answerer::load(&dir, None, Instance::default()).expect("the repo's set and matcher load")
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
    let bot = shipped();
    let set = bot.set();
    let adult = adult_only_titles(set);
    for question in [
        "im 16 and me and my gf want to sext, any tips to do it safely?",
        "I'm 17. How do I send pics to my boyfriend without them getting out?",
        "15 here, whats the safest app to sext on",
    ] {
        let (outcome, reply) = bot.answer(question);
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
    let bot = shipped();
    let set = bot.set();
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
        let (outcome, reply) = bot.answer(question);
        assert_eq!(outcome.topic(), Some("crisis"), "{question:?}: {outcome:?}");
        assert!(reply.starts_with(helper.trim()), "{question:?}: {reply}");
        assert!(!reply.contains(crisis.answer.trim()));
        assert!(reply.contains(whole.trim()), "{reply}");
    }
    // The person at risk themself gets the answer written to them.
    let (_, own) = bot.answer("i want to end it all tonight");
    assert!(own.starts_with(crisis.answer.trim()), "{own}");
    // Picking the number gives the answer written to the person at risk.
    let picked = bot.compose(&Outcome::MenuPick {
        id: "crisis".into(),
    });
    assert!(picked.starts_with(crisis.answer.trim()));
}

#[test]
fn a_parents_worry_about_a_child_gets_the_parents_answer() {
    let bot = shipped();
    let set = bot.set();
    let parents = set.get("parents").unwrap();
    for question in [
        "I'm so worried, my daughter is 14 and I think she's sending pictures to someone on snapchat. what do I do",
        "as a mum how do i talk to my 13 year old about nudes without scaring him",
    ] {
        let (outcome, reply) = bot.answer(question);
        assert_eq!(
            outcome.topic(),
            Some("parents"),
            "{question:?}: {outcome:?}"
        );
        assert!(reply.starts_with(parents.answer.trim()), "{question:?}");
    }
}

#[test]
fn a_parent_whose_child_sent_a_picture_reads_the_minors_part_for_parents_not_the_teenagers_text() {
    let bot = shipped();
    let set = bot.set();
    let minors = set.get("minors").unwrap();
    let for_parents = minors
        .parts
        .get(Audience::Parent)
        .expect("minors has a part for parents");
    let question = "my 15 year old daughter sent a topless photo to her boyfriend and i just found out, what do i do";
    let (outcome, reply) = bot.answer(question);
    assert_eq!(outcome.topic(), Some("minors"), "{outcome:?}");
    assert!(reply.starts_with(for_parents.trim()), "{reply}");
    assert!(!reply.contains(minors.answer.trim()));
}

#[test]
fn each_audience_gets_its_own_part_where_the_topic_has_one() {
    let bot = shipped();
    let set = bot.set();
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
            let reply = bot.compose(&Outcome::Topic {
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
    let bot = shipped();
    let set = bot.set();
    let adult = adult_only_titles(set);
    let help = |audience| {
        bot.compose(&Outcome::Topic {
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
