//! The reading grade of a first screen: the Flesch-Kincaid formula over the text a reader sees.

/// The Flesch-Kincaid grade of a Markdown text as a reader sees it:
/// `0.39 × words per sentence + 11.8 × syllables per word − 15.59`.
///
/// Markdown marks, link targets and web addresses are dropped; every line (a list item, a
/// heading, a resource) is a sentence of its own, as are the parts of a line between `.`, `!`,
/// `?` or `:` followed by a space; a word is a run of letters, digits and `'`; syllables are
/// counted by vowel groups (a final silent `e` or `es`/`ed` dropped, every word at least one,
/// a number one). Like any formula it is a rough guide, good to about one grade.
pub fn reading_grade(markdown: &str) -> f32 {
    let mut sentences = 0usize;
    let mut words = 0usize;
    let mut syllables = 0usize;
    for line in markdown.lines() {
        let line = strip_markdown(line);
        for sentence in split_sentences(&line) {
            let ws: Vec<&str> = sentence
                .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .collect();
            if ws.is_empty() {
                continue;
            }
            sentences += 1;
            words += ws.len();
            syllables += ws.iter().map(|w| syllables_in(w)).sum::<usize>();
        }
    }
    if words == 0 {
        return 0.0;
    }
    let per_sentence = words as f32 / sentences as f32;
    let per_word = syllables as f32 / words as f32;
    0.39 * per_sentence + 11.8 * per_word - 15.59
}

/// A line without its Markdown marks, link targets and web addresses.
fn strip_markdown(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line.trim();
    rest = rest
        .trim_start_matches(['-', '*', '#', '>'])
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches(['.', ')'])
        .trim();
    // Link targets: "[text](url)" reads as "text"; "(url)" after a resource is dropped.
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..at]);
        rest = rest[at + 2..]
            .split_once(')')
            .map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out.split_whitespace()
        .filter(|w| {
            !(w.contains("://")
                || w.contains("www.")
                || w.contains(".org")
                || w.contains(".com")
                || w.contains('@'))
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['*', '_', '`', '[', ']'], "")
}

/// A line cut after each `.`, `!`, `?`, `:` or `;` followed by whitespace or the line's end.
fn split_sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        if matches!(c, '.' | '!' | '?' | ':' | ';')
            && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
        {
            out.push(&line[start..=i]);
            start = i + 1;
        }
    }
    out.push(&line[start..]);
    out
}

/// Syllables by vowel groups, the usual heuristic.
pub(super) fn syllables_in(word: &str) -> usize {
    let w: String = word
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if w.is_empty() || w.len() <= 3 {
        return 1;
    }
    let mut w = w.as_str();
    for end in ["es", "ed", "e"] {
        if let Some(stem) = w.strip_suffix(end)
            && stem.ends_with(|c: char| !"laeiouy".contains(c))
        {
            w = stem;
            break;
        }
    }
    let w = w.strip_prefix('y').unwrap_or(w);
    let mut groups = 0;
    let mut in_vowel = false;
    let mut run = 0;
    for c in w.chars() {
        if "aeiouy".contains(c) {
            // A run of three vowels counts as two groups (a pair, then one), as in "beautiful".
            if !in_vowel || run == 2 {
                groups += 1;
                run = 0;
            }
            in_vowel = true;
            run += 1;
        } else {
            in_vowel = false;
            run = 0;
        }
    }
    groups.max(1)
}
