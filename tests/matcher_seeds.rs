//! The shipped matcher (cues + the trained model in `responses/_model.tsv`) on the questions this
//! project exists for, and on urgent messages that carry no keyword. Written for these tests,
//! except the seed questions, which are quoted verbatim from the project's brief.

use std::path::Path;

use confidant::{
    answerer::Answerer,
    matcher::{Audience, Matcher, Outcome},
    reply::Instance,
};

fn matcher() -> Matcher {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let answerer =
        Answerer::load(&dir, None, Instance::default()).expect("the repo's set and matcher load");
    assert!(
        answerer.matcher().has_model(),
        "the repo ships a trained model"
    );
    answerer.matcher().clone()
}

/// The answered topic and audience, or a readable description of any other outcome.
fn answer(m: &Matcher, text: &str) -> (String, Option<Audience>, Vec<String>) {
    match m.classify(text) {
        Outcome::Topic { id, audience, also } => (id, Some(audience), also),
        other => (format!("{other:?}"), None, vec![]),
    }
}

/// The explanation's lines for an urgent cue of `topic` that fired (denied ones included), or
/// one urgent unless an everyday idiom.
fn urgent_cue_lines<'e>(explanation: &'e str, topic: &str) -> impl Iterator<Item = &'e str> {
    let cue = format!("cue: {topic} ");
    explanation.lines().filter(move |l| {
        l.starts_with(&cue) && (l.contains(" Urgent ") || l.contains(" UrgentOrIdiom "))
    })
}

/// An urgent cue of `topic` fired and was not denied.
fn an_undenied_urgent_cue(explanation: &str, topic: &str) -> bool {
    urgent_cue_lines(explanation, topic).any(|l| !l.contains("negated"))
}

/// Each of `texts` is answered with `topic`, through an urgent cue of that topic (not the
/// model's guess).
fn assert_urgent_cues_answer(m: &Matcher, topic: &str, texts: &[&str]) {
    for text in texts {
        let e = m.explain(text).to_string();
        assert!(
            urgent_cue_lines(&e, topic).next().is_some(),
            "{text:?}\n{e}"
        );
        assert_eq!(answer(m, text).0, topic, "{text:?}\n{e}");
    }
}

/// Each of `texts` has an urgent cue taken back as an everyday idiom (the model sure it is out
/// of scope) and is answered out of scope.
fn assert_idiom_taken_back(m: &Matcher, texts: &[&str]) {
    for text in texts {
        let e = m.explain(text).to_string();
        assert!(e.contains("reads as an everyday idiom"), "{text:?}\n{e}");
        assert_eq!(m.classify(text), Outcome::OutOfScope, "{text:?}\n{e}");
    }
}

/// In each of `texts` a cue of `topic` urgent only beside another urgent topic fires, and no
/// urgent cue of `topic` does: alone, it is evidence.
fn assert_beside_only(m: &Matcher, topic: &str, texts: &[&str]) {
    for text in texts {
        let e = m.explain(text).to_string();
        assert!(e.contains("UrgentBeside"), "{text:?}\n{e}");
        assert!(
            urgent_cue_lines(&e, topic).next().is_none(),
            "{text:?}\n{e}"
        );
    }
}

/// No urgent cue of `topic` fires in any of `texts`.
fn assert_no_urgent_cue(m: &Matcher, topic: &str, texts: &[&str]) {
    for text in texts {
        let e = m.explain(text).to_string();
        assert!(
            urgent_cue_lines(&e, topic).next().is_none(),
            "{text:?}\n{e}"
        );
    }
}

#[test]
fn the_frightened_parent_gets_the_parents_answer() {
    let m = matcher();
    let seed = "Oh my gosh, I'm so worried! My child is on WhatsApp all the time. This \"sexting\" \
                thing sounds awful. What if they're doing that? Are there ways to make it totally \
                safe? Like, a button to delete everything forever? Or a way to know if someone is \
                lying? This is all so scary!";
    let (topic, audience, _) = answer(&m, seed);
    assert_eq!(topic, "parents");
    assert_eq!(audience, Some(Audience::Parent));
}

#[test]
fn the_seed_questions_land_on_their_topics() {
    let m = matcher();
    let cases: &[(&str, &[&str])] = &[
        (
            "What are the risks of whatsapp sexting for couples?",
            &["risks-overview", "encryption"],
        ),
        (
            "How can we reduce the danger when we sext?",
            &["safer-sexting"],
        ),
        (
            "What signs show that my partner's sexting behaviour is risky or one-sided?",
            &["warning-signs"],
        ),
        (
            "Is sexting on WhatsApp safe since it's encrypted?",
            &["encryption", "risks-overview"],
        ),
    ];
    for (text, want) in cases {
        let (topic, _, _) = answer(&m, text);
        assert!(want.contains(&topic.as_str()), "{text:?} -> {topic}");
    }
}

#[test]
fn urgent_messages_without_keywords_are_answered_as_urgent() {
    let m = matcher();
    let cases = [
        (
            "threat to share to keep her, inside pressure",
            "he gets angry when i dont send pics and says he'll put the ones he has online if i leave",
            "sextortion",
        ),
        (
            "an adult learns the other person's age",
            "i just found out the girl i've been sexting is 16",
            "minors",
        ),
        (
            "wanting everything to stop",
            "everyone at work has seen them now. i just want all of it to stop, for good",
            "crisis",
        ),
        (
            "despair said with a \"don't\" that is not a denial",
            "my ex posted the video on a porn site last month. i dont see the point of going on",
            "crisis",
        ),
        (
            "asking for a painless way, nothing more",
            "is there a painless way. please just answer",
            "crisis",
        ),
        (
            "the pictures sent back with a demand, in a flat aside",
            "someone keeps emailing me my own pics and asking for bitcoin. great start to the week",
            "sextortion",
        ),
    ];
    for (name, text, want) in cases {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, want, "{name}");
    }
}

/// Danger masked by a joke or an aside, beside another urgent topic it outranks: crisis first.
#[test]
fn a_crisis_said_sideways_outranks_the_other_urgent_topic_beside_it() {
    let m = matcher();
    let cases = [
        "been eyeing the knives in the kitchen all night lol. anyway he still has my pics and wants money",
        "might just walk into the river after work haha. the video is on that site now",
        "got a rope in my bag, for reasons. how do i get my nudes off a forum",
        "tbh life's not worth living since the leak. im 17",
        "so yeah i decided. just wanted to tell someone before. he sent the pics to everyone",
        "i want to vanish. he posted my nudes",
        "you wont have to worry about me soon. anyway does whatsapp back up pics",
        "been thinking about the bridge a lot. anyway does icloud keep deleted photos",
        "what happens to my icloud photos when you die? asking for reasons",
        "i've already taken something and now i'm scared. what happens now",
    ];
    for text in cases {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, "crisis", "{text}");
    }
}

/// A word or two says too little to answer: when the model is not sure, the bot asks which topic
/// is meant, also when the word is another topic's cue word ("worried" is one of warning-signs',
/// the model reads parents); the same word inside a whole question is answered.
#[test]
fn a_single_word_the_model_is_unsure_of_gets_the_menu() {
    let m = matcher();
    let e = m.explain("worried").to_string();
    assert!(e.contains("a word or two, no cue for it"), "worried\n{e}");
    match m.classify("worried") {
        Outcome::Ambiguous { options } => assert!(
            options.len() >= 2 && options.iter().any(|o| o == "parents"),
            "{options:?}"
        ),
        other => panic!("worried: {other:?}"),
    }
    let (topic, _, _) = answer(
        &m,
        "i'm worried about my 13 year old, she's on snapchat all night and won't talk to me",
    );
    assert_eq!(topic, "parents");
}

/// A word or two with no cue, which the model alone leans to an urgent topic, is not answered
/// as an emergency: the bot asks (and a burst holds it for the next line); with the rest of the
/// sentence it is answered.
#[test]
fn a_vague_fragment_is_asked_about_not_answered_as_urgent() {
    let m = matcher();
    assert!(
        matches!(m.classify("my partner"), Outcome::Ambiguous { .. }),
        "{:?}",
        m.classify("my partner")
    );
    let (topic, _, _) = answer(
        &m,
        "my partner goes through my phone every night while i sleep",
    );
    assert_eq!(topic, "monitoring-stalkerware");
}

/// "16 here" says the writer's age like "I'm 16" does.
#[test]
fn an_age_given_as_number_here_makes_a_teen_question_minors() {
    let m = matcher();
    let (topic, audience, _) = answer(&m, "16 here. any safe way to sext with no face in it?");
    assert_eq!(topic, "minors");
    assert_eq!(audience, Some(Audience::Under18));
}

/// A parent's own pictures are not their child's: the age rule reads "kids" and "photos" in
/// one message, and the model, reading the whole of it, overrules it.
#[test]
fn a_parents_own_pictures_shared_are_not_a_childs() {
    let m = matcher();
    let (topic, _, _) = answer(
        &m,
        "my ex put my photos on a forum with my name. i have two young kids and im terrified \
         they will find them one day. how do i get them taken down",
    );
    assert_eq!(topic, "non-consensual-sharing");
}

/// The writer's age alone says who is asking: a teen asking about the bot gets the bot's
/// answer, for a teen; with a picture word the age is firm and minors wins.
#[test]
fn a_teens_age_without_pictures_says_who_asks_and_with_pictures_makes_it_minors() {
    let m = matcher();
    let (topic, audience, _) = answer(&m, "im 14, will you tell my parents what i write here?");
    assert_eq!(topic, "bot-privacy");
    assert_eq!(audience, Some(Audience::Under18));
    let (topic, _, _) = answer(&m, "im 13 and a stranger airdropped me a dick pic");
    assert_eq!(topic, "minors");
}

/// "My mum is going to kill me" is an idiom as often as a threat: no urgent cue of its own,
/// so the model reads it; a threat with its danger words stays a crisis.
#[test]
fn a_parent_who_will_kill_me_over_a_phone_bill_is_an_idiom_not_a_crisis() {
    let m = matcher();
    let (topic, _, _) = answer(
        &m,
        "my mum is going to kill me when she sees the phone bill, how do i check my data use",
    );
    assert_ne!(topic, "crisis");
    let (topic, _, _) = answer(
        &m,
        "he's outside my door saying he is going to kill me, i've locked myself in",
    );
    assert_eq!(topic, "crisis");
}

/// A price is not a demand: money words alone do not make a message sextortion.
#[test]
fn a_price_or_a_storage_plan_is_not_sextortion() {
    let m = matcher();
    for text in [
        "is a phone under 300 quid any good for photos?",
        "is it worth paying for extra google storage for my pictures",
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_ne!(topic, "sextortion", "{text}");
    }
}

#[test]
fn a_friend_in_crisis_gets_the_crisis_answer_as_a_helper() {
    let m = matcher();
    let (topic, audience, _) = answer(&m, "my friend says she wants to end it all, what do i do");
    assert_eq!(topic, "crisis");
    assert_eq!(audience, Some(Audience::Helper));
}

/// A parent whose child has sent, been sent or been asked for a sexual picture: the urgency order
/// keeps `minors` (as the shared evaluation set labels it), and the parent reads its part written
/// for parents, with `parents` offered first.
#[test]
fn a_parent_whose_child_sent_a_picture_gets_minors_written_for_parents_with_parents_offered_first()
{
    let m = matcher();
    for question in [
        "my 14 year old son sent a naked picture of himself to a girl, what do i do as his dad",
        "school phoned me today, my daughter (13) got sent a nude by a boy in her class and showed it to a teacher. what now",
    ] {
        let (topic, audience, also) = answer(&m, question);
        assert_eq!(topic, "minors", "{question:?}");
        assert_eq!(audience, Some(Audience::Parent), "{question:?}");
        assert_eq!(
            also.first().map(String::as_str),
            Some("parents"),
            "{question:?}"
        );
    }
    // A worry, with no picture sent, stays the parents' answer.
    let (topic, _, _) = answer(
        &m,
        "my daughter is 13 and just got her first phone, how do i bring up nudes before anything happens",
    );
    assert_eq!(topic, "parents");
}

#[test]
fn explain_shows_the_model_and_the_audience() {
    let m = matcher();
    let e = m.explain("can my husband see my whatsapp if he has my icloud password");
    assert!(!e.model.is_empty());
    assert!(
        e.model
            .windows(2)
            .all(|w| w[0].probability >= w[1].probability)
    );
    assert!(e.audience.is_some());
    assert!(!e.features.is_empty());
    assert!(e.to_string().contains("model: "));
}

#[test]
fn a_denied_urgent_word_does_not_win_through_the_model() {
    let m = matcher();
    // The model reads "suicidal" as crisis; the denial in front of it must hold unless the model
    // is nearly sure.
    let (topic, _, _) = answer(
        &m,
        "not suicidal dont worry lol, does snapchat keep pics on its servers after they open them",
    );
    assert_ne!(topic, "crisis");
    let e = m
        .explain("not suicidal dont worry lol, does snapchat keep pics on its servers after they open them")
        .to_string();
    assert!(e.contains("for a denied cue: not counted"), "{e}");
    // A denial of one thing does not hide a crisis said in other words.
    let (topic, _, _) = answer(
        &m,
        "im not suicidal but i've been cutting again since he shared it",
    );
    assert_eq!(topic, "crisis");
}

#[test]
fn two_builds_of_the_matcher_explain_a_message_to_the_same_bit() {
    // Each build hashes its maps with its own random keys: nothing in a score may depend on the
    // order a map is walked in.
    let (a, b) = (matcher(), matcher());
    for text in [
        "Is sexting on WhatsApp safe since it's encrypted? How could it go wrong?",
        "my ex still has my pics and says he'll send them to my family unless I pay",
        "What signs say my partner's behaviour is risky or one-sided?",
        "we've been together two years and I want to send him something for his birthday but I'm nervous about where it ends up, any tips",
    ] {
        let explain = |m: &Matcher| serde_json::to_string(&m.explain(text)).expect("JSON");
        assert_eq!(explain(&a), explain(&b), "{text:?}");
    }
}

/// "Blackmail" in a story and "non-emergency" are not a threat or a crisis; blackmail aimed at
/// the writer or someone close, with or without an image word, still is.
#[test]
fn an_urgent_word_in_another_sense_is_not_urgent_but_a_threat_still_is() {
    let m = matcher();
    for text in [
        "my book club is reading a novel where a spy blackmails a minister, any discussion questions?",
        "what's the non-emergency number for the council? bins not collected",
    ] {
        assert!(
            matches!(m.classify(text), Outcome::OutOfScope),
            "{text}: {:?}",
            m.classify(text)
        );
    }
    for text in [
        "someone is blackmailing me",
        "my son is being blackmailed over a video he sent",
        "she blackmailed me with the nudes i sent",
        "he's blackmailing my daughter with her photos",
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, "sextortion", "{text}");
    }
}

#[test]
fn the_answerer_keeps_the_parsed_model_not_its_megabytes_of_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
    let answerer =
        Answerer::load(&dir, None, Instance::default()).expect("the repo's set and matcher load");
    assert!(answerer.matcher().has_model());
    assert!(
        answerer.set().model_text.is_none(),
        "the model's text is dropped once parsed"
    );
}

/// The model reads letters and digits: an emoji alone is read through the lexicon's words for
/// it, and one with no such word is left to the cues (which find nothing to answer).
#[test]
fn a_wave_or_a_thank_you_emoji_alone_is_read_through_its_words() {
    let m = matcher();
    for (text, want) in [
        ("👋", "greeting"),
        ("🙏", "thanks-bye"),
        ("👍", "thanks-bye"),
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, want, "{text}");
    }
    assert_eq!(m.classify("🍕🍕🍕"), Outcome::OutOfScope);
}

/// Thanks and goodbyes in the languages the lexicon knows close the conversation; they were
/// answered out of scope while the model had seen only English ones.
#[test]
fn thanks_and_goodbye_in_other_languages_close_the_conversation() {
    let m = matcher();
    for text in ["gracias!!", "ok grazie", "adiós", "tschüss und danke"] {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, "thanks-bye", "{text}");
    }
    let (topic, _, _) = answer(&m, "olá!");
    assert_eq!(topic, "greeting");
}

#[test]
fn the_writers_age_says_who_asks_and_a_threat_the_model_finds_still_comes_first() {
    let m = matcher();
    // No sextortion cue: the model finds the veiled threat (under 0.6, over 0.35), and the age
    // rule alone made minors urgent, so `model_over_age_rule_probability` decides.
    let (topic, audience, also) = answer(
        &m,
        "im in year 9 and someone has my snaps and says ill regret it if i ignore them",
    );
    assert_eq!(topic, "sextortion");
    assert_eq!(audience, Some(Audience::Under18));
    assert!(also.iter().any(|t| t == "minors"), "{also:?}");
    // A teenager's own question with no threat in it stays minors.
    let (topic, _, _) = answer(
        &m,
        "im 15 and my bf keeps asking for pics, is it illegal if we are both 15",
    );
    assert_eq!(topic, "minors");
}

#[test]
fn a_teenagers_hello_gets_the_greeting_for_a_teenager_not_the_minors_answer() {
    let m = matcher();
    // The writer's age with no picture or sexting word, and the model reads a hello: the age
    // says who is asking, and minors is offered, not answered.
    let (topic, audience, also) = answer(&m, "hi there im 16 is this thing free");
    assert_eq!(topic, "greeting");
    assert_eq!(audience, Some(Audience::Under18));
    assert!(also.iter().any(|t| t == "minors"), "{also:?}");
    // With a picture word the age still makes it minors.
    let (topic, _, _) = answer(&m, "hi there im 16, my bf wants pics, what do i do");
    assert_eq!(topic, "minors");
}

#[test]
fn a_landlord_or_a_boss_pressuring_is_out_of_scope_but_danger_beside_it_is_not() {
    let m = matcher();
    // Everyday pressure the model reads as out of scope: the pressure cue does not win outright.
    for text in [
        "my landlord keeps pressuring me to renew the contract before christmas",
        "how do i say no to my sister when she wants to borrow my car again",
    ] {
        let o = m.classify(text);
        assert_eq!(o, Outcome::OutOfScope, "{text}");
    }
    // Pressure for pictures is still pressure, and a danger cue still wins whatever the model says.
    let (topic, _, _) = answer(&m, "my boyfriend keeps pressuring me to send nudes");
    assert_eq!(topic, "pressure-coercion");
    let (topic, _, _) = answer(
        &m,
        "my landlord keeps pressuring me about the rent and honestly i want to die",
    );
    assert_eq!(topic, "crisis");
}

#[test]
fn a_teenager_naming_an_app_is_not_a_teenagers_picture() {
    let m = matcher();
    // The writer's age with an app name and no picture word: who is asking, not what about.
    let o = m.classify("im 14, what should i post on tiktok to get more followers for my drawings");
    assert_ne!(o.topic(), Some("minors"), "{o:?}");
    // With a picture it is still the minors answer.
    let (topic, _, _) = answer(&m, "im 14 and a boy on tiktok wants me to send him nudes");
    assert_eq!(topic, "minors");
}

#[test]
fn a_parent_whose_childs_picture_is_going_round_gets_minors_written_for_parents() {
    let m = matcher();
    let (topic, audience, also) = answer(
        &m,
        "my son's nude photo got shared around his school, he is 14. what do I do as his mum?",
    );
    assert_eq!(topic, "minors");
    assert_eq!(audience, Some(Audience::Parent));
    assert_eq!(also.first().map(String::as_str), Some("parents"));
    // Someone whose own pictures were shared still gets the sharing answer.
    let (topic, _, _) = answer(&m, "my ex shared my nudes in a group chat, what can i do");
    assert_eq!(topic, "non-consensual-sharing");
}

/// A threat with a condition is sextortion's cue; with nothing intimate named and the model sure
/// the message is about something else (a deposit, a fine), it is evidence only.
#[test]
fn a_threat_over_a_deposit_or_a_fine_is_not_sextortion_but_one_over_a_video_is() {
    let m = matcher();
    for text in [
        "my landlord says he'll keep the whole deposit unless i pay for a new carpet, can he do that",
        "the parking company says pay 100 quid in 14 days or they take me to court. is that legit",
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_ne!(topic, "sextortion", "{text:?}");
    }
    for text in [
        "he says he'll send the video to my wife unless i pay him 500 by tonight",
        "someone says they'll send it to all my contacts unless i pay, i don't even know who it is",
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, "sextortion", "{text:?}");
    }
}

/// "I'd rather die than ..." is an idiom as often as not: the model reads the rest. Said bare, or
/// beside a plan, it is a crisis.
#[test]
fn id_rather_die_than_is_an_idiom_about_a_school_report_but_not_beside_a_plan() {
    let m = matcher();
    for text in [
        "i'd rather die than have my mum see my school report, how do i explain two Ds",
        "honestly i'd rather die than go to my cousin's wedding alone, is it weird to bring a friend",
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_ne!(topic, "crisis", "{text:?}");
    }
    for text in [
        "i'd rather die than let my dad see them and i've got the pills ready",
        "everyone has seen them. i'd rather die",
    ] {
        let (topic, _, _) = answer(&m, text);
        assert_eq!(topic, "crisis", "{text:?}");
    }
}

/// Minors is urgent because of who is in the pictures: a close call between it and another
/// topic, with no sign of anyone under 18, is asked about, not answered as minors.
#[test]
fn a_close_call_with_minors_needs_a_sign_of_someone_under_18() {
    let m = matcher();
    let (topic, _, _) = answer(&m, "the pics we sent");
    assert_ne!(topic, "minors");
    let (topic, _, _) = answer(&m, "im 15 and the pics we sent are going round");
    assert_eq!(topic, "minors");
}

#[test]
fn an_age_the_model_overrules_wins_minors_no_score_either() {
    let m = matcher();
    // The model reads a teenager's spots as out of scope and overrules the age rule; the age
    // rule's weight then leaves minors' score too, so it cannot win the combined score instead.
    let text = "im 15 and i keep getting spots on my chin, what helps";
    let e = m.explain(text).to_string();
    assert!(e.contains("over the age rule alone"), "{e}");
    let minors = e
        .lines()
        .find(|l| l.starts_with("score: minors"))
        .unwrap_or("");
    assert!(!minors.contains("cues 4"), "{e}");
    assert_eq!(answer(&m, text).0, "OutOfScope");
}

/// Quiet crises, as older writers and long stories say them, are urgent cues of their own, not
/// left to the model alone: the world better off without the writer, belongings given away,
/// means looked at or put by, waking up as the disappointment.
#[test]
fn a_quiet_crisis_is_an_urgent_cue_not_the_models_guess() {
    let m = matcher();
    let texts = [
        "i keep thinking everyone would be better off if i just wasnt around",
        "ive started giving my stuff away to people",
        "been in the shed most of the evening looking at the rope",
        "every single morning im disappointed that i woke up",
        "been saving my tablets for a few weeks",
        "i dont deserve to live after what i did",
        "is there a way to die that looks like an accident",
        "vorrei addormentarmi e non svegliarmi più",
        "my cousin keeps saying she won't be here next week anyway, since the photo went round",
        "found him in his room with a belt this morning, hes ok now, it started with the blackmail",
        "i wake up and wish i hadnt. every single day since the pics got out",
        "my brother said he wished he was dead after the video went round his school",
        "honestly dying would be easier than my dad seeing those pictures",
        "ending things would be easier for everyone now the pictures are everywhere",
        "she has cuts on her arms since the photos went round",
        "mi hermana tiene cortes en los brazos desde que pasaron sus fotos",
        "she wears long sleeves all summer since the pics went round",
        "there's no one to miss me anyway since the pics went round",
        "no one would even notice if i was gone",
    ];
    assert_urgent_cues_answer(&m, "crisis", &texts);
}

/// A demand said as a price with "or", the pictures getting posted as the other half of a demand,
/// and a threat to send or post said in French, Spanish, Portuguese or Italian are sextortion
/// cues, so a teenager threatened this way gets the sextortion answer, not the minors one.
#[test]
fn a_threat_said_as_a_price_or_in_another_language_outranks_the_age_rule() {
    let m = matcher();
    let texts = [
        "im 15 and a guy wants £50 or the video goes to my whole year",
        "i'm 14 and someone wants my snapchat password or my pics get posted",
        "j'ai 16 ans et il menace de publier mes photos si je ne paie pas",
        "tengo 15 y mi ex me amenaza con subir mis fotos",
        "tenho 15 anos e ele ameaça postar as minhas fotos",
        "ho 16 anni e mi minaccia di pubblicare le mie foto",
    ];
    assert_urgent_cues_answer(&m, "sextortion", &texts);
}

/// The model's out-of-scope reading overrules an age rule that fired alone ("im 16, how do i ask
/// a girl out"), not one beside another urgent topic's cue: a face put onto a naked body is this
/// bot's subject whatever the model reads (the 110-batch model: out of scope at 0.69), and the
/// age says whose picture it is.
#[test]
fn a_pupils_face_put_on_a_naked_body_is_minors_though_the_model_reads_it_off_topic() {
    let m = matcher();
    let text = "year 8 - someone photoshopped my face onto a naked woman";
    let e = m.explain(text).to_string();
    assert!(
        urgent_cue_lines(&e, "non-consensual-sharing")
            .next()
            .is_some(),
        "{e}"
    );
    assert!(!e.contains("over the age rule alone"), "{e}");
    assert_eq!(answer(&m, text).0, "minors", "{e}");
    // A pressure cue alone is an everyday word: a teenager's question about something else is
    // still not answered with the minors text.
    let text = "im 15, how do i say no to my mates about vaping";
    assert_ne!(answer(&m, text).0, "minors", "{}", m.explain(text));
}

/// The session-25 cues keep clear of their everyday look-alikes: anger at someone ("I wish he
/// was dead"), a relationship ending, a number of pictures asked for, a worry about a hack, and
/// keeping one's face out of a picture (which is safer sexting).
#[test]
fn the_new_urgent_cues_leave_their_look_alikes_alone() {
    let m = matcher();
    for (text, not) in [
        ("i wish he was dead for posting my pics", "crisis"),
        (
            "ending things would be best, we just fight all the time",
            "crisis",
        ),
        ("i got a paper cut on my arm lol", "crisis"),
        (
            "he wants 2 or 3 pics a day and i dont want to send that many",
            "sextortion",
        ),
        (
            "what if my phone gets hacked or my nudes get leaked",
            "sextortion",
        ),
        (
            "should i show my face on my nudes or is that stupid",
            "non-consensual-sharing",
        ),
    ] {
        let e = m.explain(text).to_string();
        assert!(!an_undenied_urgent_cue(&e, not), "{text:?}\n{e}");
    }
}

/// A photo alone does not make a threat sextortion: a landlord's photos of the damage are photos
/// too. With nothing intimate named and the model sure, the threat cue is evidence only; naming
/// nudes keeps it sextortion.
#[test]
fn a_threat_with_photos_of_the_damage_is_not_sextortion_but_one_with_nudes_is() {
    let m = matcher();
    let text = "my landlord says he'll send his photos of the damage to the court unless i pay for the carpet";
    let e = m.explain(text).to_string();
    assert!(e.contains("nothing intimate named"), "{e}");
    assert_ne!(answer(&m, text).0, "sextortion", "{e}");
    let text = "my ex says he'll send my nudes to my family unless i pay him";
    assert_eq!(answer(&m, text).0, "sextortion");
}

/// The model's sure out-of-scope reading does not overrule a sharing cue in a message that names
/// something intimate: photos posted on a fake account are everyday trouble, intimate ones are
/// not (the session-21 model read this at 0.93 out of scope, after a batch of photo troubles).
#[test]
fn intimate_photos_posted_on_a_fake_account_are_shared_without_consent() {
    let m = matcher();
    let text = "someone is posting my pre-transition intimate photos on a fake account and \
                tagging my dating profile. how do I get it removed and is this even a crime";
    let e = m.explain(text).to_string();
    assert!(!e.contains("count as evidence only"), "{e}");
    assert_eq!(answer(&m, text).0, "non-consensual-sharing", "{e}");
}

/// "who's 15" and "she's 15" are ages like "is 15": the apostrophe joins and the s goes, so
/// the age rule reads "who 15" and "she 15" as someone else's age next to a picture.
#[test]
fn an_age_said_with_whos_or_shes_is_read_by_the_age_rule() {
    let m = matcher();
    for text in [
        "my mate who's 15 sent a nude to some lad off snapchat and wants it deleted",
        "my best friend, she's 14, sent pics to a guy she met online",
    ] {
        let e = m.explain(text).to_string();
        assert!(e.contains("age rule: someone aged 1"), "{e}");
        assert_eq!(answer(&m, text).0, "minors", "{e}");
    }
}

/// The writer's own death as a condition ("if I'm not here anymore", "after I'm gone", "if I
/// disappear"), in English and folded from German and Italian, is an urgent crisis cue: asked as
/// a practical question about pictures, it beat the minors age rule and the practical topic
/// before. So are "want to die" or "dont want to live" in Swedish, Czech and Swahili, a wish "to
/// be dead", a plan written down by someone else (in his phone "notes", which is not "not"), and
/// hanging oneself.
#[test]
fn the_writers_own_death_as_a_condition_is_a_crisis_cue() {
    let m = matcher();
    let texts = [
        "im 14. if im not here anymore do the pics stay on his phone",
        "who sorts out my accounts if i wasnt alive, this kid has my pics",
        "im 15, if i disappear does the video stop going round",
        "what happens to my snapchat memories when i'm dead",
        "can my chats to him delete themselves after i'm gone",
        "wenn ich nicht mehr da bin, was passiert mit meinen fotos in der cloud",
        "ho 17 anni. quando non ci sarò più, le foto restano?",
        "jag vill inte leva längre, bilderna är överallt",
        "nechci tu uz byt, vsichni videli ty fotky",
        "my son is 15 and wrote in his phone notes how he would do it",
        "my daughter is 12 and she says she wants to be dead",
        "im 14 and my pic went round. i tried to hang myself last week",
        "rafiki yangu anasema hataki kuishi tena",
    ];
    assert_urgent_cues_answer(&m, "crisis", &texts);
}

/// A negator does not reach into a clause the cue itself opens with "after", "if" or "when"
/// ("so nobody finds anything after im gone"), while a negator before a cue that starts with a
/// pronoun still denies it ("i dont think she shared it"), and "never once" is still a denial.
/// The crisis cues for the writer's death leave alone a partner who snoops "when im not around",
/// "if I die" in a will, hanging out, and a threat told as "how he would do it".
#[test]
fn a_negator_does_not_reach_into_a_clause_the_cue_opens() {
    let m = matcher();
    let text = "how do i wipe my phone so nobody finds anything after im gone";
    let e = m.explain(text).to_string();
    assert!(an_undenied_urgent_cue(&e, "crisis"), "{e}");
    assert_eq!(answer(&m, text).0, "crisis", "{e}");

    for (text, topic) in [
        (
            "sent a pic to a colleague by mistake, i dont think she shared it",
            "non-consensual-sharing",
        ),
        (
            "he never once threatened to post them, he just keeps them",
            "sextortion",
        ),
    ] {
        let e = m.explain(text).to_string();
        assert!(urgent_cue_lines(&e, topic).next().is_some(), "{e}");
        assert!(!an_undenied_urgent_cue(&e, topic), "{e}");
    }

    assert_no_urgent_cue(
        &m,
        "crisis",
        &[
            "when im not around he goes through my phone and my pics",
            "what happens to my icloud photos if i die, writing my will",
            "tried to hang out with him but he only wants pics",
            "he told me how he would do it, post them on the school page",
        ],
    );
}

/// A death asked about as a practical matter ("if I die", "after my death"), or being told to
/// kill yourself, is a crisis beside a threat, pictures that are out or a teenager's pictures;
/// alone it is evidence, never urgent (the model may still read a crisis): a will, curiosity or
/// a gamer's insult, also from a teenager who names no picture, beside a partner's tracking app
/// (monitoring cues are everyday words too), or "my photos go to my kids" (a child and a
/// picture: the age rule, which the model overrules).
#[test]
fn a_death_asked_about_beside_a_threat_or_pictures_that_are_out_is_a_crisis() {
    let m = matcher();
    for text in [
        "im 15 and everyone at school has my pic. what happens to my snapchat if i die",
        "he says he will post the video unless i pay. does it all stop if i die",
        "my nudes are on a porn site now. can my family delete my accounts after my death",
        "people at school keep telling me to kys because my nude got out, im 15",
    ] {
        let e = m.explain(text).to_string();
        assert!(an_undenied_urgent_cue(&e, "crisis"), "{text:?}\n{e}");
        assert_eq!(answer(&m, text).0, "crisis", "{text:?}\n{e}");
    }
    assert_beside_only(
        &m,
        "crisis",
        &[
            "who gets my facebook photos when i die? sorting out my will at 60",
            "some kid told me to kys in fortnite lol",
            "im 15 and some kid told me to kys in fortnite lol",
            "my husband tracks my phone with life360. who gets my icloud if i die",
            "how do i make sure my photos go to my kids and not my ex if i die, new will",
        ],
    );
}

/// Session 30, from the test split: "if I die" and "when I'm dead" in Italian, French, German and
/// Portuguese read like the English, so "if I die" is urgent beside a teenager's pictures and
/// no urgent cue alone (a will: the model and the examples decide, as for the English), and
/// "when I'm dead" is urgent.
#[test]
fn if_i_die_in_other_languages_reads_like_the_english() {
    let m = matcher();
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "ho 16 anni e un ragazzo ha le mie foto. cosa succede al mio telefono se muoio",
            "quand je serai morte, personne ne verra plus ces photos",
        ],
    );
    assert_beside_only(
        &m,
        "crisis",
        &[
            "wenn ich sterbe, wer bekommt meine Fotos in der Cloud? Ich mache gerade mein Testament",
            "se eu morrer, quem fica com as fotos do meu celular? estou fazendo meu testamento",
        ],
    );
}

/// Session 30, from a train batch of alarm words in ordinary life: "I want to disappear" and
/// "threw (something) at me" are urgent unless an everyday idiom, so a weekend away or a coffee
/// thrown at work is out of scope while the same words alone, or a partner's violence, are a
/// crisis; searching how to hang yourself, or someone located at the cliffs beside pictures that
/// went round, is a crisis, a picnic or a first date at the cliffs is not, nor is someone who
/// "threw herself at me".
#[test]
fn a_weekend_away_or_a_picnic_at_the_cliffs_is_not_a_crisis_but_wanting_to_disappear_is() {
    let m = matcher();
    assert_idiom_taken_back(
        &m,
        &[
            "I want to disappear for a weekend. cabin ideas near the lakes with no wifi?",
            "a customer threw a coffee at me today, 9 hour shift, im fine just fed up. how do i complain to head office",
        ],
    );
    assert_no_urgent_cue(
        &m,
        "crisis",
        &[
            "we're driving to the cliffs for a picnic on sunday, any tips for parking?",
            "we had our first date on the cliffs, now he wants nudes, is that normal",
            "she threw herself at me at a party, now she's sending me nudes",
        ],
    );
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "honestly i just want to disappear. i'm so tired of all of it",
            "he threw a plate at me again tonight and locked the door",
            "my year 10 pupil is being blackmailed and the school flagged that he searched how to hang yourself",
            "my flatmate's nudes went round his work and now find my friends has him at the cliffs. what do i do",
        ],
    );
}

/// After h23-mixed's one measurement: a youth team named by its age group ("our U15s") is
/// someone under 18 beside a nude (a video "under 10s" long is not), and a parent who found
/// their child with a rope beside a threat is a crisis in Italian or Spanish as in English.
#[test]
fn a_u15s_team_chat_nude_is_minors_and_a_child_found_with_a_rope_is_a_crisis() {
    let m = matcher();
    let text = "netball coach here, a nude of one of the girls is going round our U15s team chat";
    let e = m.explain(text).to_string();
    assert!(e.contains("age rule"), "{text:?}\n{e}");
    assert_eq!(answer(&m, text).0, "minors", "{text:?}\n{e}");
    let text = "i sent my boyfriend a nude video, it was under 10s long. can he screenshot it";
    let e = m.explain(text).to_string();
    assert!(!e.contains("age rule"), "{text:?}\n{e}");
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "qualcuno ricatta mia figlia con delle foto, ieri sera l'ho trovata con una corda in bagno",
            "un tipo amenaza con publicar los videos de mi hijo y esta noche lo encontré con una cuerda",
        ],
    );
    // The same words say "I found it": a lost dog with a rope round its neck is no crisis.
    assert_no_urgent_cue(
        &m,
        "crisis",
        &["mi perro se escapó ayer y lo encontré con una cuerda atada a un árbol"],
    );
}

/// After h20-mixed's one measurement: CEOP by name is about an under-18, a Polish "she says she
/// will kill herself" is a crisis, and a percentage is not an age.
#[test]
fn ceop_a_polish_threat_to_oneself_and_a_percentage() {
    let m = matcher();
    assert_urgent_cues_answer(&m, "minors", &["how do i make a ceop report"]);
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &["mój chłopak mówi, że się zabije, jeśli zdjęcia wyjdą"],
    );
    let e = m.explain("im 15% sure he still has my pics").to_string();
    assert!(!e.contains("age rule"), "{e}");
    let e = m.explain("im 15 and sure he still has my pics").to_string();
    assert!(e.contains("age rule"), "{e}");
}

/// "She'll kill me" is a crisis cue urgent unless an everyday idiom: the model sure the message
/// is about a wedding or a birthday takes it back, in English or French; a threat meant, from a
/// partner, in English or Spanish, stays urgent.
#[test]
fn a_threat_said_in_jest_is_an_idiom_but_one_meant_is_a_crisis() {
    let m = matcher();
    let jokes = [
        "my sister says she'll kill me if i wear white to her wedding. is ivory ok or also a crime",
        "ma mère va me tuer, j'ai oublié son anniversaire. une idée de cadeau de dernière minute ?",
    ];
    for text in jokes {
        let e = m.explain(text).to_string();
        assert!(e.contains("UrgentOrIdiom"), "{text:?}\n{e}");
    }
    assert_idiom_taken_back(&m, &jokes);
    // With the writer's age beside it, the idiom is still out of scope, not minors.
    assert_idiom_taken_back(
        &m,
        &["im 14 and my dad said he will kill me if i fail french again lol how do i revise"],
    );
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "he says he will kill me if i leave him. he took my phone and locked the door",
            "my husband said he'll kill me if he finds out i told anyone about the videos",
            "mi novio dice que me va a matar si lo dejo, tengo mucho miedo",
            "mon copain a dit qu'il va me tuer si je le quitte, j'ai peur",
            "meu namorado disse que vai me matar se eu terminar com ele, estou com medo",
            "mein Freund sagt, er bringt mich um wenn ich gehe. ich habe Angst",
            "il mio ragazzo dice che mi ammazza se lo lascio, ho paura",
            "my boyfriend threatened to hurt me if i leave and he's in the next room",
        ],
    );
    // A brother who will beat me at fifa is a game.
    assert_idiom_taken_back(
        &m,
        &["my brother will beat me at fifa again tonight, tips?"],
    );
}

/// The writers' brief puts threats that involve nothing intimate out of scope (the bot has no
/// answer for a schoolyard threat over lunch money); the threat cue is taken back when the
/// model is sure, and hurt said of feelings or of a first time is no threat at all.
#[test]
fn a_threat_with_nothing_intimate_is_out_of_scope_and_hurt_feelings_are_no_threat() {
    let m = matcher();
    assert_idiom_taken_back(
        &m,
        &["a boy in year 7 says he'll beat me up unless i give him my lunch money. im 11"],
    );
    let hurt = "it really hurt me when he showed my nudes to his mates";
    assert_no_urgent_cue(
        &m,
        "crisis",
        &[
            hurt,
            "he does not care what happens to me, he just wants nudes",
            "my parents dont care what happens to me, can i move out at 16",
        ],
    );
    assert_eq!(
        answer(&m, hurt).0,
        "non-consensual-sharing",
        "{}",
        m.explain(hurt)
    );
}

/// After h21-mixed's one measurement: a last message passed on to a third person is a crisis
/// cue urgent unless an everyday idiom, a blade in Spanish is a blade, pills near me can be a
/// chemist's, and lying in German is lying.
#[test]
fn a_last_message_passed_on_and_a_spanish_blade_are_a_crisis() {
    let m = matcher();
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "my brother texted me 'tell dad i love him' and now he won't pick up, his pics went round work today",
            "mi hermana está en su cuarto con una cuchilla, dice que todos vieron sus fotos",
        ],
    );
    // A soppy sister at an airport, and a chemist's near me, not pills at hand.
    assert_idiom_taken_back(
        &m,
        &[
            "my sister sent 'tell mum I love her' from the airport, her flight's boarding. she's \
             so soppy when she flies lol, anyway how do I change a baggage allowance",
            "is there a chemist with the morning after pill near me open on sunday",
        ],
    );
    // Telling someone you love them is not a last message.
    assert_no_urgent_cue(
        &m,
        "crisis",
        &[
            "how do i tell my boyfriend i love him",
            "how to tell my mum i love her without it being cringe",
        ],
    );
    // German "die" before pictures is "the", but English "die" before "videos" is still dying.
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &["i want to die, videos of me are everywhere"],
    );
    // German lying is lying, and its "die" is "the".
    let text = "Meine Freundin sagt, sie hat die Fotos gelöscht. Woher weiß ich, ob sie lügt?";
    assert_eq!(answer(&m, text).0, "trust-lying", "{}", m.explain(text));
}

/// After h22-mixed's one measurement: meds laid out in front of the writer or next to them are a
/// crisis cue urgent unless an everyday idiom; a pill organiser on the nightstand is not. And
/// "tablets" are pills, no longer devices: a laptop or an iPad next to the writer, or "how many
/// devices", fires no crisis cue.
#[test]
fn meds_laid_out_in_front_of_me_are_a_crisis_but_a_pill_organiser_or_a_laptop_is_not() {
    let m = matcher();
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "he sent my video to my sister and i've got all my meds out in front of me",
            "my nudes are on a forum now. my meds are right here next to me, dont know why im typing this",
            "he posted them everywhere. i took all my tablets",
        ],
    );
    assert_idiom_taken_back(
        &m,
        &[
            "i keep my meds next to me on the nightstand so i dont forget them, whats a good pill \
           organiser app",
        ],
    );
    assert_no_urgent_cue(
        &m,
        "crisis",
        &[
            "how many devices can use my whatsapp",
            "i saved my nudes to my laptop, is that safe",
            "my daughter's ipad is next to me, how do i see who she's been messaging",
            "i was on my laptop and the guy next to me saw my nudes",
        ],
    );
}

/// Not wanting to be here tomorrow and "goodbye everyone" are crisis cues urgent unless an everyday
/// idiom: beside a teenager's age and pictures going round they are a crisis first; at a boring
/// party it is not.
#[test]
fn not_wanting_to_be_here_tomorrow_or_goodbye_everyone_is_a_crisis_but_a_boring_party_is_not() {
    let m = matcher();
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "im 15 and my pics are all over the year group chat. i dont want to be here tomorrow",
            "my cousin (15) just posted 'goodbye everyone' on her story, her pics have been going round all week",
        ],
    );
    let text = "this party is so boring i dont want to be here tonight lol, how do i leave without being rude";
    assert_eq!(m.classify(text), Outcome::OutOfScope, "{}", m.explain(text));
}

/// With the 129-batch model: "I'd rather die than ..." is urgent beside a threat and evidence
/// at a wedding; "ich halte es nicht mehr aus" reads like "I can't take it anymore"; not caring
/// what happens to oneself is a crisis cue urgent unless an everyday idiom.
#[test]
fn rather_die_beside_a_threat_a_german_cant_take_it_and_not_caring_what_happens() {
    let m = matcher();
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "im 16 and he says he'll post my nudes unless i send another. id rather die than my dad sees them",
            "Mein Ex hat meine Bilder an alle geschickt. Ich halte es einfach nicht mehr aus.",
            "stopped eating on purpose, don't care what happens to me since the pics went round",
        ],
    );
    let text =
        "i'd rather die than go to my cousin's wedding alone lol, is it ok to bring a friend";
    let e = m.explain(text).to_string();
    assert!(e.contains("UrgentBeside"), "{e}");
    assert!(urgent_cue_lines(&e, "crisis").next().is_none(), "{e}");
    assert_eq!(m.classify(text), Outcome::OutOfScope, "{e}");
}

/// Session 31, after h24-mixed's figure: wanting to stop existing, not wanting to go on living,
/// throwing oneself off a bridge or under a train, in English, Italian, Portuguese and French,
/// are crisis cues; an account or someone's copy of the nudes that should "stop existing", a
/// dive or a parachute jump, "throw myself out there" and the rent in London are not crises.
#[test]
fn stopping_existing_or_throwing_oneself_off_is_a_crisis_in_four_languages() {
    let m = matcher();
    assert_urgent_cues_answer(
        &m,
        "crisis",
        &[
            "honestly i just want to stop existing, the pics are everywhere",
            "I don't want to go on living since the pictures went round",
            "pensavo di buttarmi dal ponte stanotte",
            "voglio smettere di esistere",
            "quero me jogar da janela, todo mundo viu as fotos",
            "j'ai envie de me jeter par la fenêtre",
            "je veux me jeter sous un train",
        ],
    );
    assert_idiom_taken_back(
        &m,
        &[
            "if my sister plays that song once more I'll throw myself out the window lol, how do I hide spotify from her",
            "it's too expensive to go on living in London, where should I move?",
        ],
    );
    let look_alikes = [
        "I want the nudes he has of me to stop existing, can I make him delete them",
        "how do I make my old snapchat account stop existing",
        "domani provo a lanciarmi dal paracadute",
        "demain je vais me jeter du plongeoir de 10 mètres",
        "vou me jogar do trampolim na piscina",
        "I need to throw myself out there more, how do I send a flirty pic safely",
    ];
    assert_no_urgent_cue(&m, "crisis", &look_alikes);
    for text in look_alikes {
        assert_ne!(answer(&m, text).0, "crisis", "{}", m.explain(text));
    }
}

/// Session 31, after h24-mixed's figure: a writer of 60 or more names grown children, so "my
/// son found the private photos" is no child's picture; a grandchild, a child's age given as a
/// number, a younger parent's son and a sum of money read as an age ("200 and i") still are.
#[test]
fn an_older_writers_son_is_grown_but_a_grandchild_or_a_childs_age_is_not() {
    let m = matcher();
    let text = "I'm 68 and my son found the private photos my late wife took of me on the old laptop. I'm mortified";
    let e = m.explain(text).to_string();
    assert!(e.contains("their child is grown: not fired"), "{e}");
    assert!(!e.contains("-> minors is urgent"), "{e}");
    assert_ne!(answer(&m, text).0, "minors", "{e}");
    for text in [
        "I'm 62 and my granddaughter sent a nude to a boy in her class, what do I do",
        "they want 200 and i only have 50, my daughter sent him pics",
        "I'm 70 and my daughter is 15, she sent pictures to a man online",
        "I'm 45 and my son sent a nude to a girl, what do I do",
    ] {
        let e = m.explain(text).to_string();
        assert!(e.contains("-> minors is urgent"), "{text:?}\n{e}");
    }
}

/// Session 31: a parent's worry about sextortion as a subject gets the parents answer with
/// sextortion offered, while a parent whose child is being blackmailed gets sextortion.
#[test]
fn a_parents_worry_about_sextortion_in_the_news_gets_the_parents_answer() {
    let m = matcher();
    let text = "our school sent a letter about sextortion scams targeting teenage boys. how do I bring it up with my son without scaring him?";
    let e = m.explain(text).to_string();
    assert!(e.contains("a parent's worry about sextortion"), "{e}");
    let (topic, audience, also) = answer(&m, text);
    assert_eq!(topic, "parents", "{e}");
    assert_eq!(audience, Some(Audience::Parent), "{e}");
    assert!(also.iter().any(|t| t == "sextortion"), "{also:?}\n{e}");
    let text = "a man online is threatening to send my son's pictures to all his followers unless he pays. what do I do";
    let e = m.explain(text).to_string();
    assert!(!e.contains("a parent's worry about sextortion"), "{e}");
    assert_eq!(answer(&m, text).0, "sextortion", "{e}");
}
