//! Text -> the learned model's features: words, word pairs and character n-grams.
//!
//! Folding is Unicode NFKC (full-width and mathematical letters become plain ones), then lower
//! case, then accents dropped from Latin, Greek and Cyrillic letters, so `ＮＵＤＥＳ`, `𝐧𝐮𝐝𝐞𝐬`
//! and `nudés` all read `nudes` (the vowel signs of Devanagari, Bengali or Thai are letters' parts,
//! not accents, and stay). Words are runs of letters and digits (an apostrophe inside a word is
//! dropped: "don't" -> "dont"). Scripts written without spaces (Chinese, Japanese, Thai, Lao,
//! Khmer, Myanmar) have no words to split, so each run of them is read as its overlapping
//! character pairs, the usual unit for matching such text.
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
    let mut folded = String::new();
    let mut base = ' ';
    for c in text.nfkc().flat_map(char::to_lowercase).nfd() {
        if !is_combining_mark(c) {
            base = c;
            folded.push(c);
        } else if !accented_script(base) {
            folded.push(c);
        }
    }
    // Composed again, so a kana and its voicing mark, or a Hangul syllable, stay one letter.
    let folded: String = folded.nfc().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut unspaced: Vec<char> = Vec::new();
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        if is_unspaced(c) && (c.is_alphanumeric() || !unspaced.is_empty()) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            unspaced.push(c);
            continue;
        }
        push_pairs(&mut unspaced, &mut out);
        if c.is_alphanumeric() || (is_combining_mark(c) && !word.is_empty()) {
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
    push_pairs(&mut unspaced, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether a combining mark on this letter is an accent to drop: Latin, Greek and Cyrillic.
fn accented_script(base: char) -> bool {
    (base as u32) < 0x0530 || matches!(base as u32, 0x1E00..=0x1FFF)
}

/// Whether a letter belongs to a script written without spaces between words.
fn is_unspaced(c: char) -> bool {
    matches!(
        c as u32,
        0x0E00..=0x0EFF // Thai, Lao
            | 0x1000..=0x109F // Myanmar
            | 0x1780..=0x17FF // Khmer
            | 0x3040..=0x30FF // Hiragana, Katakana
            | 0x3400..=0x4DBF // CJK extension A
            | 0x4E00..=0x9FFF // CJK unified ideographs
            | 0xF900..=0xFAFF // CJK compatibility ideographs
            | 0x20000..=0x2FFFF // CJK extensions B and later
    )
}

/// Moves a run of unspaced letters into `out` as its overlapping pairs (a lone letter as itself).
fn push_pairs(run: &mut Vec<char>, out: &mut Vec<String>) {
    match run.len() {
        0 => {}
        1 => out.push(run[0].to_string()),
        _ => out.extend(run.windows(2).map(|p| p.iter().collect::<String>())),
    }
    run.clear();
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
    fn text_without_spaces_reads_as_character_pairs() {
        assert_eq!(
            words("写真ばらまかれた"),
            ["写真", "真ば", "ばら", "らま", "まか", "かれ", "れた"]
        );
        assert_eq!(words("死。ok 脅迫"), ["死", "ok", "脅迫"]);
        assert_eq!(words("my写真"), ["my", "写真"]);
        let long = "もう無理元カレに写真ばらまかれて会社の人にも回ってるっぽい";
        assert_eq!(
            words(long).len(),
            long.chars().count() - 1,
            "no run is cut short"
        );
    }

    #[test]
    fn only_latin_greek_and_cyrillic_letters_lose_their_accents() {
        assert_eq!(words("nudés ἄλλο й"), ["nudes", "αλλο", "и"]);
        assert_eq!(words("नहीं"), ["नहीं"], "Devanagari keeps its vowel signs");
        assert_eq!(
            words("ไม่ไหว").len(),
            5,
            "Thai keeps its tone mark inside the pairs"
        );
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
