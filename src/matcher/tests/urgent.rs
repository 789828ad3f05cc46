//! Urgency with the real data: the urgency order and `also` lists, danger said indirectly, in
//! another language or about someone else, negated or idiomatic scary words that are not urgent,
//! the age rule and minors, and which outcomes count as urgent.

use super::*;

#[test]
fn urgency_order_and_also_lists() {
    let m = real_matcher();
    // (name, message, winner, topics that must be in `also`)
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "crisis beats sextortion",
            "someone says they will post my videos unless i send money and honestly i want to die",
            "crisis",
            &["sextortion"],
        ),
        (
            "sextortion beats minors",
            "im 14 and a guy is blackmailing me with a photo",
            "sextortion",
            &["minors"],
        ),
        (
            "minors beats pressure",
            "i am 16 and my boyfriend keeps asking for nudes",
            "minors",
            &["pressure-coercion"],
        ),
        (
            "minors beats non-consensual sharing",
            "im 15 and a girl from my class posted my nudes on her story",
            "minors",
            &["non-consensual-sharing"],
        ),
        (
            "sharing beats monitoring",
            "my husband put a tracking app on my phone and has shared my nudes with his brother",
            "non-consensual-sharing",
            &["monitoring-stalkerware"],
        ),
        (
            "monitoring beats pressure",
            "she installed spyware on my phone and keeps pressuring me to sext",
            "monitoring-stalkerware",
            &["pressure-coercion"],
        ),
        (
            "pressure beats guidance",
            "how do i say no when he keeps begging for pics on snap",
            "pressure-coercion",
            &[],
        ),
    ];
    for (name, text, winner, also_want) in cases {
        match m.classify(text) {
            Outcome::Topic { id, also, .. } => {
                assert_eq!(id, *winner, "{name}");
                assert!(also.len() <= MAX_ALSO, "{name}: too many also");
                assert!(!also.contains(&id), "{name}: winner repeated in also");
                for a in *also_want {
                    assert!(
                        also.iter().any(|x| x == a),
                        "{name}: {a} missing from also {also:?}"
                    );
                }
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// Each `(topic, message)` is answered with that topic.
fn assert_topics(m: &Matcher, cases: &[(&str, &str)]) {
    for (want, text) in cases {
        assert_eq!(
            m.classify(text).topic(),
            Some(*want),
            "{text}: {}",
            m.explain(text)
        );
    }
}

#[test]
fn danger_said_in_another_language_or_about_someone_else_is_crisis() {
    let m = real_matcher();
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "meu ex espalhou minhas fotos e eu to pensando em me matar",
        ),
        (
            "crisis",
            "j'ai envie d'en finir, il a envoye mes photos a tout le monde",
        ),
        ("crisis", "quiero morir, mi ex subio mis fotos"),
        ("crisis", "ich will sterben, alle haben die bilder gesehen"),
        (
            "crisis",
            "my best mate says he doesn't want to be alive anymore",
        ),
        (
            "crisis",
            "my sister keeps hurting herself since the pics got out",
        ),
        ("crisis", "how do i make the pain stop"),
        (
            "crisis",
            "i feel like im about to do something really stupid",
        ),
        ("crisis", "i'm scared of what i might do tonight"),
    ];
    assert_topics(&m, cases);
    // Ending a relationship is not ending a life.
    let broke_up =
        m.classify("I've ended it with him but he still has my pics, can I make him delete them");
    assert_ne!(broke_up.topic(), Some("crisis"), "{broke_up:?}");
}

#[test]
fn danger_and_blackmail_in_more_languages_are_urgent() {
    let m = real_matcher();
    let cases: &[(&str, &str)] = &[
        ("crisis", "ya no aguanto más, me quiero matar"),
        (
            "crisis",
            "penso em tirar minha vida desde que vazaram as fotos",
        ),
        ("crisis", "je n'en peux plus, envie de mourir"),
        (
            "crisis",
            "seit die bilder rum sind will ich nicht mehr leben",
        ),
        (
            "crisis",
            "voglio farla finita, ha mandato le mie foto a tutti",
        ),
        ("crisis", "ik wil niet meer leven na wat hij deed"),
        ("crisis", "chcę umrzeć, wszyscy widzieli te zdjęcia"),
        ("crisis", "fotoğraflarım yayıldı, ölmek istiyorum"),
        ("crisis", "aku pengen bunuh diri, fotoku disebar"),
        ("crisis", "gusto ko nang mamatay, kalat na yung pics ko"),
        ("crisis", "ab marna chahti hu, sabne pics dekh li"),
        ("sextortion", "un tipo me está chantajeando con mis fotos"),
        ("sextortion", "estão me chantageando com um vídeo meu"),
        ("sextortion", "quelqu'un me fait chanter avec mes photos"),
        ("sextortion", "jemand erpresst mich mit meinen nacktbildern"),
        ("sextortion", "un ragazzo mi ricatta con le mie foto"),
        ("sextortion", "ktoś mnie szantażuje moimi zdjęciami"),
        (
            "sextortion",
            "aku diancam fotoku mau disebar kalau gak transfer",
        ),
        (
            "sextortion",
            "koi mujhe dhamki de raha hai ki meri photos viral kar dega",
        ),
    ];
    assert_topics(&m, cases);
    // "Kill" and "die" as everyday words are not a crisis in any language.
    for text in [
        "me muero de risa con este bot",
        "quiero matar a mi hermano, se comió mi pizza jaja",
    ] {
        let o = m.classify(text);
        assert_ne!(o.topic(), Some("crisis"), "{text}: {o:?}");
    }
}

#[test]
fn danger_said_indirectly_is_still_urgent() {
    let m = real_matcher();
    // People in danger rarely use the words "suicide" or "blackmail".
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "i've got a bottle of pills next to me and i'm done",
        ),
        (
            "crisis",
            "everyone would be better off without me since the pics got out",
        ),
        ("crisis", "i wrote a goodbye note to my parents"),
        (
            "crisis",
            "he put his hands round my throat last night when i wouldnt film",
        ),
        (
            "crisis",
            "my friend says she's going to jump off the car park roof",
        ),
        (
            "crisis",
            "i've started cutting again since he shared my video",
        ),
        (
            "sextortion",
            "they want 200 in gift cards or my nudes go to my family",
        ),
        (
            "sextortion",
            "this guy recorded me on a video call and now wants money",
        ),
        (
            "sextortion",
            "she says send more pics or she will post the old ones",
        ),
        (
            "sextortion",
            "i paid once and now he's asking for more money",
        ),
        (
            "sextortion",
            "if i break up with him hes posting them everywhere",
        ),
        ("sextortion", "he has my videos and says i owe him more"),
        // A negator in an earlier clause does not reach the cue.
        ("crisis", "im not ok i want to die"),
        (
            "crisis",
            "since the video got out i've been giving away my books and my clothes",
        ),
        ("crisis", "logging off for good, thanks for the memories"),
    ];
    assert_topics(&m, cases);
}

#[test]
fn idioms_with_scary_words_get_their_real_topic() {
    let m = real_matcher();
    let cases: &[(&str, &str)] = &[
        (
            "cloud-backups",
            "this app is killing me, how do i stop photos backing up to the cloud",
        ),
        (
            "screenshots-sharing",
            "i'm dying to know if snapchat tells people about screenshots",
        ),
    ];
    assert_topics(&m, cases);
}

#[test]
fn negated_or_hypothetical_mentions_are_not_urgent() {
    let m = real_matcher();
    let cases: &[(&str, &str, &str)] = &[
        (
            "never threatened",
            "we broke up and he never threatened to post anything, but he still has my pics",
            "sextortion",
        ),
        (
            "not suicidal",
            "im not suicidal, just embarrassed about the pics i sent",
            "crisis",
        ),
        (
            "taken back right after",
            "sent the pic to my mum instead of my bf. kill me (not literally)",
            "crisis",
        ),
        (
            "taken back with jk",
            "sent the pic to the family group chat by mistake, they're going to kill me jk",
            "crisis",
        ),
        (
            "without snooping",
            "how can i tell if she is honest without going through her phone",
            "monitoring-stalkerware",
        ),
        (
            "talking about nudes with a child",
            "how do i talk to my 12 year old about nudes",
            "minors",
        ),
        (
            "parent reading a child's chats",
            "should i read my son's messages on his phone",
            "monitoring-stalkerware",
        ),
    ];
    for (name, text, not_this) in cases {
        let got = m.classify(text);
        assert_ne!(got.topic(), Some(*not_this), "{name}: {got:?}");
    }
}

#[test]
fn age_rule() {
    let m = real_matcher();
    let cases: &[(&str, &str, bool)] = &[
        (
            "speaker under 18",
            "i am 15 and i sent a pic to someone",
            true,
        ),
        (
            "speaker age in digits with letters",
            "16f, my bf wants me to sext",
            true,
        ),
        (
            "other person under 18 with images",
            "my girlfriend is 16, can we swap pics",
            true,
        ),
        (
            "adults",
            "im 24 and my girlfriend is 22, can we swap pics",
            false,
        ),
        (
            "a number that is not an age",
            "im 15 minutes from home and need to delete a pic",
            false,
        ),
        (
            "parent question without an image",
            "what age can my 11 year old have snapchat",
            false,
        ),
    ];
    for (name, text, want_minors) in cases {
        let got = m.classify(text);
        assert_eq!(
            got.topic() == Some("minors"),
            *want_minors,
            "{name}: {got:?}"
        );
    }
}

/// Runs `(name, text, want minors)` cases and checks whether `minors` wins.
fn check_minors(m: &Matcher, cases: &[(&str, &str, bool)]) {
    for (name, text, want_minors) in cases {
        let got = m.classify(text);
        assert_eq!(
            got.topic() == Some("minors"),
            *want_minors,
            "{name}: {got:?}"
        );
    }
}

#[test]
fn a_child_with_pictures_is_minors_without_a_number() {
    let m = real_matcher();
    check_minors(
        &m,
        &[
            (
                "a child who sent pictures",
                "just learned my son has been sending photos of himself to someone on snap",
                true,
            ),
            (
                "a child with an age and plain pics",
                "my 13yo has been swapping pics with a boy from her class, help",
                true,
            ),
            (
                "a child who received a nude",
                "a man on instagram sent my daughter a nude photo",
                true,
            ),
            (
                "talking about the subject",
                "how can i explain to my daughter the risks of sending pics",
                false,
            ),
            (
                "a worry, not an event",
                "i think my 12 year old could be sexting, how do i bring it up",
                false,
            ),
            (
                "prevention",
                "how do i protect my kid from nudes on discord",
                false,
            ),
            (
                "sending, but no picture",
                "can i see everything my son has sent on telegram",
                false,
            ),
            (
                "a grown child",
                "my daughter is 24 and sends pics to her boyfriend, should i say something",
                false,
            ),
        ],
    );
}

#[test]
fn teens_and_school_years_with_pictures_are_minors() {
    let m = real_matcher();
    check_minors(
        &m,
        &[
            (
                "teens as a group, a legal question",
                "can teenagers get in trouble for swapping nudes",
                true,
            ),
            (
                "a legal question a parent relays",
                "my 15 year old asked me whether sexting is against the law",
                true,
            ),
            (
                "a school year with a picture",
                "a lad in year 9 is passing round pics of his ex",
                true,
            ),
            (
                "the speaker names their school year",
                "im in grade 8, is that too young for snapchat",
                true,
            ),
            (
                "the speaker is a teen",
                "im a teenager and this guy keeps messaging me",
                true,
            ),
            (
                "a school year without a picture",
                "what apps are ok for a kid in year 7",
                false,
            ),
        ],
    );
}

#[test]
fn urgent_topics_are_urgent_whether_matched_or_picked() {
    let topic = |id: &str| Outcome::Topic {
        id: id.into(),
        also: vec![],
        audience: Audience::Myself,
    };
    let pick = |id: &str| Outcome::MenuPick { id: id.into() };
    let cases: &[(&str, Outcome, bool)] = &[
        ("matched crisis", topic("crisis"), true),
        ("picked crisis", pick("crisis"), true),
        ("picked sextortion", pick("sextortion"), true),
        ("picked pressure", pick("pressure-coercion"), true),
        ("matched encryption", topic("encryption"), false),
        ("picked help", pick("help"), false),
        ("out of scope", Outcome::OutOfScope, false),
        (
            "ambiguous with crisis",
            Outcome::Ambiguous {
                options: vec!["crisis".into(), "help".into()],
            },
            false,
        ),
        ("too long", Outcome::TooLong, false),
    ];
    for (name, o, want) in cases {
        assert_eq!(o.is_urgent(), *want, "{name}");
    }
    // The real matcher turns the bare keyword and number of crisis into an urgent pick.
    let m = real_matcher();
    for typed in ["crisis", "CRISIS"] {
        let o = m.classify(typed);
        assert!(o.is_urgent(), "{typed}: {o:?}");
    }
}

#[test]
fn no_way_out_and_a_means_on_the_mind_are_a_crisis_but_dying_of_embarrassment_is_not() {
    let m = real_matcher();
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "he wants more money and I can't see any way out of it now",
        ),
        (
            "crisis",
            "since the video got out I keep thinking about my dad's rifle in the garage",
        ),
        (
            "crisis",
            "I've been thinking about the rope in the shed a lot tonight",
        ),
    ];
    assert_topics(&m, cases);
    for text in [
        "I nearly died of embarrassment when my mum picked up my phone mid chat",
        "my boss saw a notification from my boyfriend and I wanted to die of embarrassment",
        "thinking about going on the pill, does it matter if I miss one",
    ] {
        let o = m.classify(text);
        assert_ne!(o.topic(), Some("crisis"), "{text}: {o:?}");
    }
}

#[test]
fn an_overdose_a_body_in_danger_and_a_world_without_me_are_a_crisis_but_panic_is_not() {
    let m = real_matcher();
    // Each beside an urgent cue for another topic, which would win without the danger cue.
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "my mate swallowed a whole strip of something at the party, she can hardly stand and \
             her pics went round the group chat earlier",
        ),
        (
            "crisis",
            "her nudes are going round the whole year group and now she isnt breathing right",
        ),
        (
            "crisis",
            "my ex posted my friend's pics everywhere, she drank loads and I cant wake her up",
        ),
        (
            "crisis",
            "he says he will post the video unless we pay, my brother is not breathing properly",
        ),
        (
            "crisis",
            "my pics are on a porn site with my name on them and honestly the world doesn't need me",
        ),
    ];
    assert_topics(&m, cases);
    // Breathless with fear of a blackmailer is not a body in danger: the threat wins.
    let o =
        m.classify("he says he'll send my pics to my wife unless I pay 1000 and I can't breathe");
    assert_eq!(o.topic(), Some("sextortion"), "{o:?}");
}

#[test]
fn a_condition_on_sending_more_or_paying_is_a_threat_even_from_a_teenager() {
    let m = real_matcher();
    // The writer's own age makes minors urgent; the threat must still come first.
    let cases: &[(&str, &str)] = &[
        (
            "sextortion",
            "im 15 and this guy says if i stop sending him videos he will post the ones he has",
        ),
        (
            "sextortion",
            "if we dont send more photos they will show them to everyone at school. were both 16",
        ),
        (
            "sextortion",
            "she said if i dont send pics every night she will tell my dad what i sent. im 14",
        ),
        (
            "sextortion",
            "she'll only delete the pics if i send her 50 quid. im 16",
        ),
    ];
    assert_topics(&m, cases);
    // A condition without a picture or a threat to show it is pressure, not a threat to share.
    let o = m.classify("if i dont send pics he says he will break up with me");
    assert_eq!(o.topic(), Some("pressure-coercion"), "{o:?}");
}

#[test]
fn cant_stop_says_it_goes_on_and_does_not_deny_the_danger_after_it() {
    let m = real_matcher();
    // Each beside an urgent threat to share, which would win if the danger were denied.
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "he says he will post my nudes unless i pay and i cant stop cutting myself",
        ),
        (
            "crisis",
            "she is threatening to send my pics to my wife, i couldn't stop shaking, swallowed \
             the whole strip an hour ago",
        ),
        (
            "crisis",
            "they want more money or the video goes to my family and i can't help thinking i want \
             to die",
        ),
    ];
    assert_topics(&m, cases);
    // A negator right before the danger still denies it: the threat wins.
    let o = m.classify("i dont want to hurt myself but he says he will post my nudes unless i pay");
    assert_eq!(o.topic(), Some("sextortion"), "{o:?}");
}

#[test]
fn someone_elses_danger_in_another_language_and_walking_into_traffic_are_a_crisis() {
    let m = real_matcher();
    // Each beside another urgent topic, which would win without the danger.
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "meu amigo de 15 anos disse que vai se matar, as fotos dele vazaram na escola",
        ),
        (
            "crisis",
            "mi hermana de 16 dice que va a matarse, un chico pasó sus fotos a todo el grupo",
        ),
        (
            "crisis",
            "might just walk into traffic tbh, he says the video goes to my boss unless i pay",
        ),
    ];
    assert_topics(&m, cases);
    // An accident in the past tense is not a plan.
    let o = m.classify("i nearly walked into traffic reading his texts, he wants more pics");
    assert_ne!(o.topic(), Some("crisis"), "{o:?}");
}

#[test]
fn having_worked_out_how_to_do_it_is_a_crisis_but_planning_a_talk_is_not() {
    let m = real_matcher();
    // Each beside another urgent topic, which would win without the plan.
    let cases: &[(&str, &str)] = &[
        (
            "crisis",
            "my husband sent my pictures to my whole family. i've worked out how i'd do it and when",
        ),
        (
            "crisis",
            "he keeps asking for more pics and i've figured out how I would do it, i just feel calm now",
        ),
    ];
    assert_topics(&m, cases);
    for text in [
        "ive planned how and when to tell him its over, he keeps asking for pics",
        "i worked out how i can do it, my backup of the pics is off now",
    ] {
        let o = m.classify(text);
        assert_ne!(o.topic(), Some("crisis"), "{text:?}: {o:?}");
    }
}

#[test]
fn an_age_that_ends_someone_elses_is_not_the_writers() {
    let m = real_matcher();
    // "is 14 and I": the number is the daughter's, not the writer's, though "14 and I" is a
    // pattern for the writer's own age.
    let e = m
        .explain("my daughter is 14 and i think she's sending pictures to someone")
        .to_string();
    assert!(!e.contains("the speaker says they are 14"), "{e}");
    let e = m
        .explain("my bf is 17 and im 15, he keeps asking me for pics")
        .to_string();
    assert!(e.contains("the speaker says they are 15"), "{e}");
    assert!(!e.contains("the speaker says they are 17"), "{e}");
}

#[test]
fn an_age_the_writer_was_beside_the_adult_age_they_are_is_not_the_writers_now() {
    let m = real_matcher();
    // "when i was 13" with "im 24 now": the age says when something began, not who is asking.
    let e = m
        .explain("my uncle has had my apple id from when i was 13, im 24 now. can he see my photos")
        .to_string();
    assert!(e.contains("they were 13 and are an adult now"), "{e}");
    assert!(!e.contains("the writer says they are under 18"), "{e}");
    // Without an adult age now, the age the writer was still counts as theirs.
    let e = m
        .explain("when i was 15 i sent pics to my boyfriend and he still has them")
        .to_string();
    assert!(e.contains("the speaker says they are 15"), "{e}");
}

#[test]
fn a_teenagers_age_and_danger_said_in_other_languages_are_read() {
    let m = real_matcher();
    for (text, age) in [
        ("tengo 14 años y un chico me pide fotos desnuda", "14"),
        ("tenho 16 anos e meu namorado quer fotos", "16"),
        ("j'ai 15 ans et il veut des photos de moi", "15"),
        ("ho 13 anni e un ragazzo mi chiede foto", "13"),
        ("ik ben 15 jaar en hij wil foto's", "15"),
        ("mam 14 lat i chłopak chce zdjęcia", "14"),
        ("ich bin 16 und er will nacktbilder von mir", "16"),
    ] {
        let e = m.explain(text).to_string();
        assert!(
            e.contains(&format!("the speaker says they are {age}")),
            "{text:?}: {e}"
        );
        assert_eq!(m.classify(text).topic(), Some("minors"), "{text:?}");
    }
    // "tengo 12 fotos" is a count of pictures, not an age.
    let e = m.explain("tengo 12 fotos de mi viaje").to_string();
    assert!(!e.contains("the speaker says"), "{e}");
    for text in [
        "main mar jaana chahti hoon, sabne photos dekh li",
        "ab jeene ka mann hi nahi karta yaar",
        "ich will mir was antun, alle haben die bilder gesehen",
    ] {
        assert_eq!(m.classify(text).topic(), Some("crisis"), "{text:?}");
    }
}

#[test]
fn a_quoted_goodbye_that_asks_to_tell_everyone_sorry_is_a_crisis() {
    let m = real_matcher();
    // A goodbye passed on by a friend: no word of dying in it, and still the plainest sign.
    for text in [
        "my cousin just texted 'tell everyone im sorry' and turned her phone off",
        "he posted tell everyone i am sorry on his story and nobody can reach him",
    ] {
        assert_eq!(m.classify(text).topic(), Some("crisis"), "{text:?}");
    }
}

#[test]
fn a_hedged_denial_leaves_the_cue_standing() {
    let m = real_matcher();
    let threat_cue = |text: &str| -> String {
        m.explain(text)
            .to_string()
            .lines()
            .find(|l| l.starts_with("cue: sextortion") && l.contains("threaten"))
            .unwrap_or_default()
            .to_owned()
    };
    let denied = threat_cue("my ex still has the pics but he is not threatening me");
    assert!(denied.contains("(negated)"), "{denied}");
    for text in [
        "my ex keeps saying he still has the pics. not threatening exactly, but it feels like it",
        "he is not technically threatening me but he keeps bringing up the pics",
    ] {
        let hit = threat_cue(text);
        assert!(
            !hit.is_empty() && !hit.contains("(negated)"),
            "{text}: {hit}"
        );
    }
}
