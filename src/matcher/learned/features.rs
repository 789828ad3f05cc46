//! Text -> the learned model's features: words, word pairs and character n-grams.
//!
//! Folding is Unicode NFKC (full-width and mathematical letters become plain ones), then lower
//! case, then accents dropped, so `ＮＵＤＥＳ`, `𝐧𝐮𝐝𝐞𝐬` and `nudés` all read `nudes`. Words are
//! runs of letters and digits (an apostrophe inside a word is dropped: "don't" -> "dont").
//! Character n-grams of each word, with `_` marking its edges, carry typos, slang spellings and
//! word parts the corpus never showed whole.

use std::collections::HashMap;

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

use crate::matcher::stem::stem;

/// Shortest and longest character n-gram.
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 3..=5;
/// Longest word whose n-grams are taken; longer runs are pasted junk.
const MAX_WORD_CHARS: usize = 24;

/// The folded words of a text, in order.
pub(crate) fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.push(c);
        } else if matches!(c, '\'' | '’')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            // "don't" -> "dont": the apostrophe joins, it does not split.
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Every feature string of a text with its raw count.
pub(crate) fn feature_counts(text: &str) -> HashMap<String, u32> {
    let words = words(text);
    let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
    let mut counts: HashMap<String, u32> = HashMap::new();
    let mut add = |f: String| *counts.entry(f).or_insert(0) += 1;
    for s in &stems {
        add(format!("w:{s}"));
    }
    for pair in stems.windows(2) {
        add(format!("b:{}_{}", pair[0], pair[1]));
    }
    for w in &words {
        let chars: Vec<char> = std::iter::once('_')
            .chain(w.chars().take(MAX_WORD_CHARS))
            .chain(std::iter::once('_'))
            .collect();
        for n in CHAR_GRAMS {
            for gram in chars.windows(n) {
                add(format!("c:{}", gram.iter().collect::<String>()));
            }
        }
    }
    counts
}

/// The sparse feature vector of a text over a feature dictionary, sorted by feature id. Each
/// known feature weighs `1 + ln(count)`; the word block (words and pairs) and the character
/// block are each scaled to unit length, the character block then by `char_weight`, so the many
/// n-grams of one long word cannot drown the words themselves.
pub(crate) fn vector(
    text: &str,
    dictionary: &HashMap<String, u32>,
    char_weight: f32,
) -> Vec<(u32, f32)> {
    let mut words: Vec<(u32, f32)> = Vec::new();
    let mut chars: Vec<(u32, f32)> = Vec::new();
    for (f, c) in feature_counts(text) {
        if let Some(&id) = dictionary.get(&f) {
            let block = if f.starts_with("c:") {
                &mut chars
            } else {
                &mut words
            };
            block.push((id, 1.0 + (c as f32).ln()));
        }
    }
    for (block, scale) in [(&mut words, 1.0), (&mut chars, char_weight)] {
        // Sorted before summing: the counts come from a HashMap, and a float sum in its random
        // order would make training differ in the last bit from run to run.
        block.sort_unstable_by_key(|(id, _)| *id);
        let norm = block.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, x) in block.iter_mut() {
                *x *= scale / norm;
            }
        }
    }
    words.append(&mut chars);
    words.sort_unstable_by_key(|(id, _)| *id);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fancy_letters_fold_like_plain_text() {
        for fancy in ["ＮＵＤＥＳ", "𝐧𝐮𝐝𝐞𝐬", "nudés", "NUDES"] {
            assert_eq!(words(fancy), ["nudes"], "{fancy}");
        }
    }

    #[test]
    fn apostrophes_join_and_punctuation_splits() {
        assert_eq!(words("don't-go,now!!"), ["dont", "go", "now"]);
        assert_eq!(words("'quoted'"), ["quoted"]);
    }

    #[test]
    fn features_cover_words_pairs_and_grams() {
        let f = feature_counts("my pics");
        assert!(f.contains_key("w:my"));
        assert!(f.contains_key("b:my_pic"));
        assert!(f.contains_key("c:_pi"));
        assert!(f.contains_key("c:pics_"));
    }

    #[test]
    fn word_and_character_blocks_are_scaled_apart() {
        let dict: HashMap<String, u32> = [
            ("w:my".to_owned(), 0),
            ("w:pic".to_owned(), 1),
            ("c:_my_".to_owned(), 2),
        ]
        .into();
        let v = vector("my pics my", &dict, 0.5);
        assert_eq!(v.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2]);
        let words: f32 = v[..2].iter().map(|p| p.1 * p.1).sum();
        assert!((words - 1.0).abs() < 1e-5);
        assert!(
            (v[2].1 - 0.5).abs() < 1e-5,
            "the character block weighs char_weight"
        );
        assert!(v[0].1 > v[1].1, "a repeated word weighs more");
        assert!(vector("nothing known", &dict, 0.5).is_empty());
    }
}
