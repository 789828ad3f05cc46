//! A deliberately light English stemmer.
//!
//! Only the suffixes that matter for short chat messages are removed (plurals, `-ing`, `-ed` and
//! a final `e`), so "share", "shares", "sharing" and "shared" meet on one stem. A full Porter
//! stemmer merges too much for a small vocabulary ("general" and "generous"); irregular forms
//! ("lying", "lied") live in the lexicon instead. What matters most is that cue phrases, topic
//! examples and messages all go through this one function, so they always agree.

/// Returns the stem of one lower-case word. Words with digits or of three letters or fewer are
/// returned unchanged, so ages ("15") and short slang keep their identity.
pub(crate) fn stem(word: &str) -> String {
    let len = word.chars().count();
    if len <= 3 || !word.chars().all(|c| c.is_alphabetic()) || !word.is_ascii() {
        return word.to_owned();
    }
    let mut w = word.to_owned();

    // Plurals and third person.
    if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with("oes") {
        // "does", "goes": the verb, not "doe".
        w.truncate(w.len() - 2);
    } else if w.ends_with("ies") && w.len() > 4 {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.pop();
    }

    // Verb endings: only when a vowel is left in a stem of three letters or more, so "thing",
    // "bring" and "need" stay whole.
    for suffix in ["ing", "ed"] {
        if let Some(rest) = w.strip_suffix(suffix)
            && rest.len() >= 3
            && rest.chars().any(is_vowel)
        {
            let mut rest = rest.to_owned();
            // "getting" -> "get", "stopped" -> "stop"; but "falling" keeps its "ll".
            let b = rest.as_bytes();
            if b.len() >= 2
                && b[b.len() - 1] == b[b.len() - 2]
                && !matches!(b[b.len() - 1], b'l' | b's' | b'z' | b'e')
            {
                rest.pop();
            }
            w = rest;
            break;
        }
    }

    // A final silent "e" goes, so "share" and "shar(ing)" meet; "ee" ("free") and "ye" ("bye")
    // are kept because they carry the word.
    // Three-letter words keep it ("use" is not "us", "one" not "on").
    if w.len() >= 4 && w.ends_with('e') && !w.ends_with("ee") && !w.ends_with("ye") {
        w.pop();
    }
    // Nothing but "not" itself may become the negator "not": "note", "notes", "noted" and
    // "noting" meet on "note" ("wrote in his notes how he would do it" is not denied).
    if w == "not" {
        return "note".to_owned();
    }
    w
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn word_families_meet_on_one_stem() {
        let cases: &[(&str, &[&str])] = &[
            ("share family", &["share", "shares", "sharing", "shared"]),
            ("post family", &["post", "posts", "posting", "posted"]),
            ("sext family", &["sext", "sexts", "sexting", "sexted"]),
            (
                "delete family",
                &["delete", "deletes", "deleting", "deleted"],
            ),
            ("stop family", &["stop", "stops", "stopping", "stopped"]),
            ("pressure family", &["pressure", "pressuring", "pressured"]),
        ];
        for (name, words) in cases {
            let first = stem(words[0]);
            for w in *words {
                assert_eq!(stem(w), first, "{name}: {w}");
            }
        }
    }

    #[test]
    fn short_and_numeric_words_are_kept() {
        let cases = [
            ("age", "15", "15"),
            ("short", "has", "has"),
            ("thing", "thing", "thing"),
            ("bye", "bye", "bye"),
            ("use", "uses", "use"),
            ("does", "does", "do"),
            ("notes are not a negator", "notes", "note"),
            ("noted is not a negator", "noted", "note"),
            ("noting is not a negator", "noting", "note"),
        ];
        for (name, word, want) in cases {
            assert_eq!(stem(word), want, "{name}");
        }
    }
}
