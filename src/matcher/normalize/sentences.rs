//! Text into sentences of words: lower-case, accents folded, apostrophes joined, and ages split
//! from their letters ("16yo" -> "16 year old"); over-long words are cut short.

use std::collections::HashSet;

use super::MAX_WORD_CHARS;

/// The words of a text, sentence breaks ignored.
pub(super) fn split_plain(text: &str) -> Vec<String> {
    split_sentences(text)
        .into_iter()
        .flat_map(|s| s.words)
        .collect()
}

/// A sentence: its words (lower-case, accents stripped) and whether it asked something.
#[derive(Debug, Default)]
pub(super) struct Sentence {
    /// The words, lower-case and with accents stripped.
    pub(super) words: Vec<String>,
    /// The sentence ended with a question mark.
    pub(super) question: bool,
}

/// The sentences of a text, with no symbol words.
pub(super) fn split_sentences(text: &str) -> Vec<Sentence> {
    split_sentences_with(text, &HashSet::new())
}

/// The sentences of a text; characters in `symbols` (emoji the lexicon names) are words of
/// their own.
pub(super) fn split_sentences_with(text: &str, symbols: &HashSet<char>) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    let mut cur = Sentence::default();
    let mut word = String::new();
    let mut word_chars = 0usize;
    let flush_word = |word: &mut String, word_chars: &mut usize, cur: &mut Sentence| {
        if !word.is_empty() {
            // "15f", "16yo", "14yrs": split a leading number from its letters so ages stay
            // visible; "b4" and "e2ee" start with a letter and are left alone.
            let digits = word.chars().take_while(char::is_ascii_digit).count();
            let after_number = |cur: &Sentence| {
                cur.words
                    .last()
                    .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()))
            };
            if digits > 0 && digits < word.len() && word.is_ascii() {
                let rest = word.split_off(digits);
                cur.words.push(std::mem::take(word));
                push_after_number(&mut cur.words, rest);
            } else if after_number(cur) {
                let w = std::mem::take(word);
                push_after_number(&mut cur.words, w);
            } else {
                cur.words.push(std::mem::take(word));
            }
        }
        *word_chars = 0;
    };
    for ch in text.chars() {
        match ch {
            // Apostrophes join: "don't" -> "dont", "partner's" -> "partners".
            '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => {}
            '.' | '?' | '!' | '\n' | ';' | '\u{2026}' | '\u{3002}' | '\u{ff1f}' => {
                flush_word(&mut word, &mut word_chars, &mut cur);
                if ch == '?' || ch == '\u{ff1f}' {
                    cur.question = true;
                }
                if !cur.words.is_empty() {
                    sentences.push(std::mem::take(&mut cur));
                }
            }
            c if c.is_alphanumeric() => {
                for l in c.to_lowercase() {
                    match fold_accent(l) {
                        Some(s) => {
                            for f in s.chars() {
                                // Bound the word length without cutting the loop short: the
                                // extra letters of a 10 000-letter "word" are simply dropped.
                                if word_chars < MAX_WORD_CHARS * 2 {
                                    word.push(f);
                                    word_chars += 1;
                                }
                            }
                        }
                        None => {
                            if word_chars < MAX_WORD_CHARS * 2 {
                                word.push(l);
                                word_chars += 1;
                            }
                        }
                    }
                }
            }
            c if symbols.contains(&c) => {
                flush_word(&mut word, &mut word_chars, &mut cur);
                cur.words.push(c.to_string());
            }
            _ => flush_word(&mut word, &mut word_chars, &mut cur),
        }
    }
    flush_word(&mut word, &mut word_chars, &mut cur);
    if !cur.words.is_empty() {
        sentences.push(cur);
    }
    sentences
}

/// A word right after a number: "14yo" and "14 yo" are an age ("14 year old"), not a greeting.
fn push_after_number(words: &mut Vec<String>, word: String) {
    if AGE_SUFFIXES.contains(&word.as_str()) {
        words.push("year".to_owned());
        words.push("old".to_owned());
    } else {
        words.push(word);
    }
}

/// Short forms of "year(s) old" written after an age.
const AGE_SUFFIXES: &[&str] = &["yo", "yro", "yrsold", "yrold", "yearold", "yearsold"];

/// Latin letters with marks -> plain letters. A table instead of Unicode decomposition keeps the
/// crate free of a normalisation dependency; scripts without a plain-ASCII form pass unchanged.
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}
