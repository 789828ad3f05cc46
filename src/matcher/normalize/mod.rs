//! Turns a message into canonical tokens: the one place where spelling, slang and app names are
//! folded away.
//!
//! Steps, in order: lower-case and strip accents; split into words and sentences (apostrophes
//! join, so "don't" is "dont"); collapse stretched letters ("pleeease"); replace lexicon phrases
//! and words ("bf" -> "partner", "n00dz" -> "nude", "snapchat" -> "app"); fix one-letter typos
//! against the known vocabulary; stem. Every token keeps its unstemmed form too, because a few
//! cues care about tense ("posted" is an event, "post" may be a worry).

use std::collections::{HashMap, HashSet};

use super::stem::stem;

/// Canonical words a lexicon entry produces, as (stem, unstemmed) pairs.
type Canon = Vec<(String, String)>;

/// Longest word we try to repair or look up. Longer "words" are gibberish or pasted data; they
/// are kept as unknown tokens, which also bounds the cost of typo repair on hostile input.
const MAX_WORD_CHARS: usize = 32;
/// Only words at least this long are typo-repaired: short words have too many neighbours.
const MIN_TYPO_CHARS: usize = 6;
/// Weight of a curated word (lexicon, cue) in the typo-repair dictionary.
const CURATED_COUNT: u32 = 100;
/// How often a word must occur in examples to be a typo-repair target.
const MIN_EXAMPLE_COUNT: u32 = 3;

/// One canonical token of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The stemmed canonical form, used by the index and most cue words.
    pub term: String,
    /// The canonical form before stemming, for cue words written as `=posted`.
    pub raw: String,
    /// Index of the sentence the token came from; cues never span two sentences.
    pub sentence: u32,
    /// The sentence ended with a question mark.
    pub question: bool,
}

/// The folding rules read from `_matcher.toml`, ready to apply.
#[derive(Debug, Clone, Default)]
pub(crate) struct Normalizer {
    /// Single surface word -> canonical words (already stemmed; empty means "drop").
    words: HashMap<String, Vec<(String, String)>>,
    /// Stem of a lexicon key -> canonical words, so "photos" finds the entry for "photo".
    stems: HashMap<String, Vec<(String, String)>>,
    /// First word of a multi-word lexicon key -> (remaining words, canonical words).
    phrases: HashMap<String, Vec<(Vec<String>, Canon)>>,
    /// Characters (emoji) that are words of their own because the lexicon names them.
    symbol_words: HashSet<char>,
    /// Stems the matcher knows (examples, cues, lexicon output): not typo-repaired.
    known_stems: HashSet<String>,
    /// Surface words typo repair can land on, with how often they occur.
    dictionary: HashMap<String, u32>,
    /// One-deletion variants of dictionary words -> the dictionary words (SymSpell style).
    deletes: HashMap<String, Vec<String>>,
}

impl Normalizer {
    /// Builds the lexicon part. `entries` maps a surface word or phrase to its replacement.
    pub(crate) fn new<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut n = Normalizer::default();
        for (key, value) in entries {
            let key_words = split_plain(key);
            if key_words.is_empty() {
                // A key made only of a symbol (an emoji) becomes a word of its own.
                let mut chars = key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_alphanumeric() && !c.is_whitespace() => {
                        n.symbol_words.insert(c);
                        let out = canonical(value);
                        n.words.insert(c.to_string(), out);
                        continue;
                    }
                    _ => return Err(format!("lexicon key `{key}` has no word in it")),
                }
            }
            let out = canonical(value);
            if key_words.len() == 1 {
                let word = key_words.into_iter().next().unwrap_or_default();
                // Inflected forms of a word ("nudies" for "nudie") fold like the word itself;
                // not so for expansions ("whats" -> "what is", "youre" -> "you are"), whose
                // stems are ordinary words of their own ("what", "your").
                if out.len() == 1 {
                    n.stems.entry(stem(&word)).or_insert_with(|| out.clone());
                }
                n.words.insert(word, out);
            } else {
                let mut it = key_words.into_iter();
                let first = it.next().unwrap_or_default();
                n.phrases
                    .entry(first)
                    .or_default()
                    .push((it.collect(), out));
            }
        }
        // Longest phrases first, so "google drive backup" beats "google drive".
        for list in n.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        let outputs: Vec<String> = n
            .words
            .values()
            .chain(n.stems.values())
            .flatten()
            .map(|(t, _)| t.clone())
            .collect();
        n.known_stems.extend(outputs);
        Ok(n)
    }

    /// Adds the words of a text (an example or a cue) to the known vocabulary; with `as_target`
    /// they also become words typo repair may land on.
    pub(crate) fn learn(&mut self, text: &str, as_target: bool) {
        for sentence in split_sentences(text) {
            for word in sentence.words {
                if word.chars().count() > MAX_WORD_CHARS {
                    continue;
                }
                self.known_stems.insert(stem(&word));
                if as_target && word.chars().all(|c| c.is_ascii_lowercase()) {
                    *self.dictionary.entry(word).or_insert(0) += 1;
                }
            }
        }
    }

    /// Adds curated words (lexicon, cues): always typo-repair targets, preferred over words
    /// seen only in examples.
    pub(crate) fn learn_curated(&mut self, text: &str) {
        for sentence in split_sentences(text) {
            for word in sentence.words {
                if word.chars().count() <= MAX_WORD_CHARS {
                    self.known_stems.insert(stem(&word));
                    if word.chars().all(|c| c.is_ascii_lowercase()) {
                        *self.dictionary.entry(word).or_insert(0) += CURATED_COUNT;
                    }
                }
            }
        }
    }

    /// Builds the typo-repair index once the vocabulary is complete.
    pub(crate) fn finish(&mut self) {
        // Lexicon keys are legitimate targets too ("whatsap" -> "whatsapp").
        let keys: Vec<String> = self
            .words
            .keys()
            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase()))
            .cloned()
            .collect();
        for k in keys {
            *self.dictionary.entry(k).or_insert(0) += CURATED_COUNT;
        }
        // A word seen once or twice in examples is too thin a target: an ordinary English word
        // the matcher has never seen ("letter") would otherwise be "repaired" into it ("better").
        self.dictionary.retain(|_, n| *n >= MIN_EXAMPLE_COUNT);
        self.deletes.clear();
        for word in self.dictionary.keys() {
            if word.len() < MIN_TYPO_CHARS - 1 {
                continue;
            }
            self.deletes
                .entry(word.clone())
                .or_default()
                .push(word.clone());
            for d in one_deletions(word) {
                self.deletes.entry(d).or_default().push(word.clone());
            }
        }
        for list in self.deletes.values_mut() {
            list.sort();
            list.dedup();
        }
    }

    /// Canonical tokens of a message.
    pub(crate) fn tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        for (sid, sentence) in self.split(text).into_iter().enumerate() {
            let sid = u32::try_from(sid).unwrap_or(u32::MAX);
            let words: Vec<String> = sentence.words.iter().map(|w| self.unstretch(w)).collect();
            let mut i = 0;
            while i < words.len() {
                if let Some((len, canon)) = self.phrase_at(&words, i) {
                    push_all(&mut out, canon, sid, sentence.question);
                    i += len;
                    continue;
                }
                self.word(&words[i], &mut out, sid, sentence.question);
                i += 1;
            }
        }
        out
    }

    /// Canonical tokens of a curated phrase (a cue word): lexicon and stemming, no typo repair.
    pub(crate) fn canonical_words(&self, text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for t in self.tokens_without_repair(text) {
            out.push((t.term, t.raw));
        }
        out
    }

    fn tokens_without_repair(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        for sentence in self.split(text) {
            let words = sentence.words;
            let mut i = 0;
            while i < words.len() {
                if let Some((len, canon)) = self.phrase_at(&words, i) {
                    push_all(&mut out, canon, 0, false);
                    i += len;
                    continue;
                }
                match self.lookup(&words[i]) {
                    Some(canon) => push_all(&mut out, canon, 0, false),
                    None => out.push(Token {
                        term: stem(&words[i]),
                        raw: words[i].clone(),
                        sentence: 0,
                        question: false,
                    }),
                }
                i += 1;
            }
        }
        out
    }

    fn split(&self, text: &str) -> Vec<Sentence> {
        split_sentences_with(text, &self.symbol_words)
    }

    fn phrase_at<'a>(
        &'a self,
        words: &[String],
        i: usize,
    ) -> Option<(usize, &'a [(String, String)])> {
        let list = self.phrases.get(&words[i])?;
        list.iter()
            .find(|(rest, _)| {
                words.len() > i + rest.len()
                    && rest.iter().zip(&words[i + 1..]).all(|(a, b)| a == b)
            })
            .map(|(rest, canon)| (rest.len() + 1, canon.as_slice()))
    }

    fn lookup(&self, word: &str) -> Option<&[(String, String)]> {
        if let Some(c) = self.words.get(word) {
            return Some(c);
        }
        // Leetspeak ("n00dz") only when the plain form is unknown: "b4" and "e2ee" are lexicon
        // keys in their own right.
        if word.chars().any(|c| c.is_ascii_digit()) && word.chars().any(|c| c.is_ascii_alphabetic())
        {
            let plain: String = word.chars().map(unleet).collect();
            if let Some(c) = self.words.get(&plain) {
                return Some(c);
            }
        }
        self.stems.get(&stem(word)).map(Vec::as_slice)
    }

    fn word(&self, word: &str, out: &mut Vec<Token>, sid: u32, question: bool) {
        if let Some(canon) = self.lookup(word) {
            push_all(out, canon, sid, question);
            return;
        }
        let stemmed = stem(word);
        if !self.known_stems.contains(&stemmed)
            && let Some(fixed) = self.repair(word)
        {
            match self.lookup(fixed) {
                Some(canon) => push_all(out, canon, sid, question),
                None => out.push(Token {
                    term: stem(fixed),
                    raw: fixed.to_owned(),
                    sentence: sid,
                    question,
                }),
            }
            return;
        }
        out.push(Token {
            term: stemmed,
            raw: word.to_owned(),
            sentence: sid,
            question,
        });
    }

    /// "pleeease" -> "please", "soooo" -> "so": runs of three or more letters shrink to one
    /// letter, or to two when only that spelling is known ("sooo" -> "soo" is not, "gooood" ->
    /// "good" is).
    fn unstretch(&self, word: &str) -> String {
        if !has_run_of_three(word) {
            return word.to_owned();
        }
        let one = squeeze(word, 1);
        if self.is_known(&one) {
            return one;
        }
        let two = squeeze(word, 2);
        if self.is_known(&two) { two } else { one }
    }

    fn is_known(&self, word: &str) -> bool {
        self.words.contains_key(word) || self.known_stems.contains(&stem(word))
    }

    /// One edit (insert, delete, substitute, swap neighbours) away from a dictionary word; the
    /// most frequent such word wins, ties by spelling so the result is deterministic.
    fn repair(&self, word: &str) -> Option<&str> {
        let n = word.chars().count();
        if !(MIN_TYPO_CHARS..=MAX_WORD_CHARS).contains(&n)
            || !word.chars().all(|c| c.is_ascii_lowercase())
        {
            return None;
        }
        let mut lists: Vec<&Vec<String>> = self.deletes.get(word).into_iter().collect();
        for d in one_deletions(word) {
            lists.extend(self.deletes.get(&d));
        }
        let mut best: Option<(&str, u32)> = None;
        for c in lists.into_iter().flatten() {
            if c != word && edit_distance_at_most_one(word, c) {
                let f = self.dictionary.get(c).copied().unwrap_or(0);
                if best.is_none_or(|(b, bf)| f > bf || (f == bf && c.as_str() < b)) {
                    best = Some((c.as_str(), f));
                }
            }
        }
        best.map(|(w, _)| w)
    }
}

fn push_all(out: &mut Vec<Token>, canon: &[(String, String)], sentence: u32, question: bool) {
    for (term, raw) in canon {
        out.push(Token {
            term: term.clone(),
            raw: raw.clone(),
            sentence,
            question,
        });
    }
}

/// A replacement value as (stem, unstemmed) pairs.
fn canonical(value: &str) -> Vec<(String, String)> {
    split_plain(value)
        .into_iter()
        .map(|w| (stem(&w), w))
        .collect()
}

fn split_plain(text: &str) -> Vec<String> {
    split_sentences(text)
        .into_iter()
        .flat_map(|s| s.words)
        .collect()
}

/// A sentence: its words (lower-case, accents stripped) and whether it asked something.
#[derive(Debug, Default)]
struct Sentence {
    words: Vec<String>,
    question: bool,
}

fn split_sentences(text: &str) -> Vec<Sentence> {
    split_sentences_with(text, &HashSet::new())
}

fn split_sentences_with(text: &str, symbols: &HashSet<char>) -> Vec<Sentence> {
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

fn unleet(c: char) -> char {
    match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        other => other,
    }
}

fn has_run_of_three(word: &str) -> bool {
    let b: Vec<char> = word.chars().collect();
    b.windows(3)
        .any(|w| w[0] == w[1] && w[1] == w[2] && w[0].is_alphabetic())
}

fn squeeze(word: &str, keep: usize) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        // Only stretched runs (three or more letters) shrink; "good" keeps its two o's.
        let n = j - i;
        let kept = if n >= 3 && chars[i].is_alphabetic() {
            keep
        } else {
            n
        };
        out.extend(std::iter::repeat_n(chars[i], kept));
        i = j;
    }
    out
}

fn one_deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect()
}

/// Optimal-string-alignment distance <= 1 (a swap of neighbours counts as one edit), where a
/// substitution counts only as a plausible slip: neighbouring keys or two vowels. Without that
/// rule "creating" was "repaired" into "cheating", a word one far-apart key away.
fn edit_distance_at_most_one(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if prefix == a.len() && prefix == b.len() {
        return true;
    }
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            (ra[1..] == rb[1..] && plausible_slip(ra[0], rb[0]))
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Less => ra == &rb[1..],
        std::cmp::Ordering::Greater => &ra[1..] == rb,
    }
}

/// Whether typing `b` for `a` is a likely slip: keys next to each other on a QWERTY keyboard,
/// or one vowel for another (a spelling slip rather than a finger's).
fn plausible_slip(a: char, b: char) -> bool {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    const VOWELS: &str = "aeiouy";
    let at = |c: char| {
        ROWS.iter()
            .enumerate()
            .find_map(|(r, row)| row.find(c).map(|col| (r as i32, col as i32)))
    };
    if VOWELS.contains(a) && VOWELS.contains(b) {
        return true;
    }
    match (at(a), at(b)) {
        // Rows are staggered by about half a key: a key touches two keys of each row next to it.
        (Some((ra, ca)), Some((rb, cb))) => match ra - rb {
            0 => (ca - cb).abs() == 1,
            1 => cb == ca || cb == ca + 1,
            -1 => cb == ca || cb == ca - 1,
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Normalizer {
        let mut n = Normalizer::new([
            ("bf", "partner"),
            ("boyfriend", "partner"),
            ("pics", "pic"),
            ("photo", "pic"),
            ("noodz", "nude"),
            ("whatsapp", "app"),
            ("snapchat", "app"),
            ("u", "you"),
            ("lol", ""),
            ("end to end", "encrypt"),
            ("👋", "hello"),
        ])
        .unwrap_or_default();
        n.learn_curated("my girlfriend wants pictures please help accidentally");
        n.finish();
        n
    }

    fn terms(n: &Normalizer, text: &str) -> Vec<String> {
        n.tokens(text).into_iter().map(|t| t.term).collect()
    }

    #[test]
    fn folds_slang_apps_typos_and_stretching() {
        let n = sample();
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "text-speak",
                "u and ur BF lol",
                &["you", "and", "ur", "partner"],
            ),
            (
                "app names fold",
                "Snapchat or WhatsApp",
                &["app", "or", "app"],
            ),
            ("leetspeak", "n00dz", &["nud"]),
            ("plural via stem entry", "photos", &["pic"]),
            ("stretched letters", "pleeease help", &["pleas", "help"]),
            ("accents", "Héllo", &["hello"]),
            ("apostrophes join", "don't", &["dont"]),
            ("phrase", "is it end-to-end?", &["is", "it", "encrypt"]),
            ("typo transposition", "my girlfreind", &["my", "girlfriend"]),
            ("typo deletion", "accidentaly", &["accidentally"]),
            ("short words are not repaired", "hacer", &["hacer"]),
            ("emoji word", "👋", &["hello"]),
        ];
        for (name, input, want) in cases {
            let got = terms(&n, input);
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn sentences_and_questions_are_tracked() {
        let n = sample();
        let toks = n.tokens("hi there. is it safe?");
        assert_eq!(toks[0].sentence, 0);
        assert!(!toks[0].question);
        assert_eq!(toks[2].sentence, 1);
        assert!(toks[2].question);
    }

    #[test]
    fn edit_distance_cases() {
        let cases = [
            ("swap", "freind", "friend", true),
            ("insert", "helo", "hello", true),
            ("substitute a vowel", "hallo", "hello", true),
            ("substitute a neighbouring key", "hwllo", "hello", true),
            ("creating is not cheating", "creating", "cheating", false),
            ("two edits", "hxllx", "hello", false),
            ("same", "same", "same", true),
        ];
        for (name, a, b, want) in cases {
            assert_eq!(edit_distance_at_most_one(a, b), want, "{name}");
        }
    }
}
