//! The words of a message as the decision reads them: whether it addresses the bot, the question
//! without the address or a quoted reply, and whether it asks the bot to forget the conversation.
//! Pure, so every rule is a unit test.

/// Whether a message addresses the bot by user id, localpart or one of its names, as a word.
pub fn is_addressed(body: &str, user_id: &str, names: &[String]) -> bool {
    let lower = body.to_lowercase();
    let localpart = user_id
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    std::iter::once(user_id.to_lowercase())
        .chain(std::iter::once(localpart))
        .chain(names.iter().map(|n| n.to_lowercase()))
        .filter(|n| !n.is_empty())
        .any(|name| contains_word(&lower, &name))
}

/// The message without the words that address the bot, so "confidant, what is consent?" is
/// matched as "what is consent?".
pub fn strip_address(body: &str, user_id: &str, names: &[String]) -> String {
    let localpart = user_id
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap_or_default();
    let mut out = body.to_owned();
    for name in std::iter::once(user_id)
        .chain(std::iter::once(localpart))
        .chain(names.iter().map(String::as_str))
    {
        if name.is_empty() {
            continue;
        }
        let lower = out.to_lowercase();
        let needle = name.to_lowercase();
        // Lower-casing can change byte lengths outside ASCII; only cut where positions agree.
        if lower.len() != out.len() {
            continue;
        }
        let hits: Vec<usize> = word_positions(&lower, &needle);
        for at in hits.into_iter().rev() {
            out.replace_range(at..at + needle.len(), " ");
        }
    }
    out.trim_start_matches(|c: char| c.is_whitespace() || ",:;!@".contains(c))
        .trim()
        .to_owned()
}

fn word_positions(haystack: &str, word: &str) -> Vec<usize> {
    haystack
        .match_indices(word)
        .filter(|(at, _)| {
            let before = haystack[..*at].chars().next_back();
            let after = haystack[at + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
        .map(|(at, _)| at)
        .collect()
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The user's own words of a reply: clients may prefix a quote of the replied-to message
/// ("> ...") which is not the question.
pub fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    match body.find("\n\n") {
        Some(at) => &body[at + 2..],
        None => body,
    }
}

/// The message's words, lower case, one space apart, without punctuation or emoji.
fn plain(body: &str) -> String {
    let words: Vec<String> = body
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join(" ")
}

/// Whether the message is a plain yes (to the offer of a person): nothing else in it, so "yes
/// but what if they see my old messages" is read as the question it is.
pub fn is_yes(body: &str) -> bool {
    const YES: &[&str] = &[
        "yes",
        "y",
        "yeah",
        "yea",
        "yep",
        "yes please",
        "yes pls",
        "ok",
        "okay",
        "ok yes",
        "sure",
        "please",
        "please do",
        "do it",
        "go ahead",
    ];
    YES.contains(&plain(body).as_str())
}

/// Whether the message asks the bot to answer again while a person from the service is in the
/// room: "bot", alone.
pub fn is_bot_request(body: &str) -> bool {
    matches!(plain(body).as_str(), "bot" | "bot please" | "back to bot")
}

/// Whether the message asks the bot to delete this conversation.
pub fn is_forget_request(body: &str) -> bool {
    let text = plain(body);
    const PHRASES: &[&str] = &[
        "forget",
        "forget me",
        "forget this",
        "forget everything",
        "forget this conversation",
        "forget this chat",
        "delete this conversation",
        "delete this chat",
        "delete our conversation",
        "delete our chat",
        "delete the conversation",
        "delete the chat",
        "delete conversation",
        "delete chat",
    ];
    PHRASES.contains(&text.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yes_or_bot_is_the_whole_message_and_nothing_more() {
        for yes in ["yes", "Yes!", "yes please", "OK", "sure 👍", "  yep. "] {
            assert!(is_yes(yes), "{yes}");
        }
        for not in [
            "yes but will they see what i wrote",
            "no",
            "not yes",
            "",
            "yesterday",
        ] {
            assert!(!is_yes(not), "{not}");
        }
        for bot in ["bot", "Bot.", "BOT please", "back to bot"] {
            assert!(is_bot_request(bot), "{bot}");
        }
        for not in ["is this a bot", "robot", "bots"] {
            assert!(!is_bot_request(not), "{not}");
        }
    }

    #[test]
    fn addressed_by_id_localpart_or_name_as_a_word() {
        let names = vec!["Confidant".to_owned()];
        assert!(is_addressed(
            "hey @bot:example.org what now",
            "@bot:example.org",
            &names
        ));
        assert!(is_addressed(
            "Bot, is this safe?",
            "@bot:example.org",
            &names
        ));
        assert!(is_addressed("confidant: help", "@bot:example.org", &names));
        assert!(!is_addressed("robots are cool", "@bot:example.org", &names));
        assert!(!is_addressed(
            "my confidante said",
            "@bot:example.org",
            &names
        ));
    }

    #[test]
    fn address_is_stripped_before_matching() {
        let names = vec!["confidant".to_owned()];
        let cases = [
            ("confidant, what is consent?", "what is consent?"),
            ("@bot:example.org: is wa encrypted", "is wa encrypted"),
            ("hey Confidant is this ok", "hey   is this ok"),
            ("no name here", "no name here"),
        ];
        for (body, expected) in cases {
            assert_eq!(
                strip_address(body, "@bot:example.org", &names),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn reply_fallback_is_stripped() {
        assert_eq!(
            strip_reply_fallback("> <@a:b> old\n> more\n\nnew question"),
            "new question"
        );
        assert_eq!(strip_reply_fallback("plain"), "plain");
    }

    #[test]
    fn forget_requests() {
        for yes in [
            "forget",
            "Forget!",
            "delete this conversation",
            "please forget",
            "FORGET THIS CHAT",
        ] {
            let expected = yes != "please forget";
            assert_eq!(is_forget_request(yes), expected, "{yes}");
        }
        assert!(!is_forget_request("how do i forget my ex"));
        assert!(!is_forget_request("can you delete pics from his phone"));
    }
}
