//! Turns a message into canonical tokens: the one place where spelling, slang and app names are
//! folded away.
//!
//! Steps, in order: lower-case and strip accents; split into words and sentences (apostrophes
//! join, so "don't" is "dont"); collapse stretched letters ("pleeease"); replace lexicon phrases
//! and words ("bf" -> "partner", "n00dz" -> "nude", "snapchat" -> "app"); fix one-letter typos
//! against the known vocabulary; stem. Every token keeps its unstemmed form too, because a few
//! cues care about tense ("posted" is an event, "post" may be a worry).
//!
//! Where things are: this file holds [`Token`] and the [`Normalizer`] with its lexicon (built,
//! looked up, applied); `sentences` splits text into sentences of lower-case, accent-free words;
//! `spelling` undoes stretched letters, leetspeak and one-slip typos, and builds the typo-repair
//! index the [`Normalizer::finish`] step makes.

mod sentences;
mod spelling;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use self::{
    sentences::{Sentence, split_plain, split_sentences, split_sentences_with},
    spelling::unleet,
};
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
