//! Cue phrases: a tiny pattern language over canonical tokens, and an index that finds every cue
//! in a message without trying each cue at each position.
//!
//! Syntax (documented for curators at the top of `_matcher.toml`): words separated by spaces;
//! `a|b` alternatives; `*` skips up to three words; `word*` is a prefix; `=word` matches the
//! unstemmed form (so `=posted` is not `post`); `#` is a number; a leading `!a|b` means "not right
//! after a or b", e.g. `!i|we =shared my nude` ignores "i shared my nudes".

use std::collections::HashMap;

use super::normalize::{Normalizer, Token};

/// How far `*` reaches. Three words covers "threatening to post all my pics" while keeping the
/// match local and the backtracking bounded (at most 4^slots tries per start).
const GAP: usize = 3;
/// How far back a `!` exclusion looks: just the word before, so "someone i trusted posted" is not
/// mistaken for "i posted"; adverbs that may sit between ("i just shared") go in the list.
const LOOKBEHIND: usize = 1;

#[derive(Debug, Clone, PartialEq)]
enum Alt {
    /// One or more stemmed canonical terms in a row.
    Terms(Vec<String>),
    /// The unstemmed canonical form.
    Raw(String),
    /// A prefix of the stemmed term.
    Prefix(String),
    /// A number written in digits.
    Number,
}

#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Any(Vec<Alt>),
    Gap,
}

/// A compiled cue phrase.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    not_after: Vec<String>,
    slots: Vec<Slot>,
}

/// Where a pattern matched: token range, and the number a `#` captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub number: Option<u32>,
}

impl Pattern {
    /// Compiles a pattern, folding its words with the same lexicon and stemmer as messages.
    pub(crate) fn compile(text: &str, norm: &Normalizer) -> Result<Pattern, String> {
        let mut not_after = Vec::new();
        let mut slots = Vec::new();
        for (i, part) in text.split_whitespace().enumerate() {
            if let Some(rest) = part.strip_prefix('!') {
                if i != 0 {
                    return Err("`!` may only start a cue".into());
                }
                for w in rest.split('|') {
                    for (term, _) in norm.canonical_words(w) {
                        not_after.push(term);
                    }
                }
                continue;
            }
            if part == "*" {
                if slots.is_empty() {
                    return Err("a cue cannot start with `*`".into());
                }
                slots.push(Slot::Gap);
                continue;
            }
            let mut alts = Vec::new();
            for alt in part.split('|') {
                alts.push(compile_alt(alt, norm)?);
            }
            slots.push(Slot::Any(alts));
        }
        if matches!(slots.last(), Some(Slot::Gap)) {
            return Err("a cue cannot end with `*`".into());
        }
        if slots.is_empty() {
            return Err("empty cue".into());
        }
        Ok(Pattern { not_after, slots })
    }

    /// How a match can start: whole first terms, and first-three-letter keys of prefixes;
    /// `None` when it starts with a number, which the index then tries everywhere.
    fn first_keys(&self) -> Option<(Vec<String>, Vec<String>)> {
        let Some(Slot::Any(alts)) = self.slots.first() else {
            return None;
        };
        let (mut terms, mut prefixes) = (Vec::new(), Vec::new());
        for a in alts {
            match a {
                Alt::Terms(t) => terms.push(t[0].clone()),
                Alt::Raw(r) => terms.push(super::stem::stem(r)),
                Alt::Prefix(p) => prefixes.push(prefix_key(p)?),
                Alt::Number => return None,
            }
        }
        Some((terms, prefixes))
    }

    /// The first match starting at `start`, if any.
    pub(crate) fn match_at(&self, toks: &[Token], start: usize) -> Option<Span> {
        let sentence = toks.get(start)?.sentence;
        if !self.not_after.is_empty() {
            let from = start.saturating_sub(LOOKBEHIND);
            if toks[from..start]
                .iter()
                .any(|t| t.sentence == sentence && self.not_after.contains(&t.term))
            {
                return None;
            }
        }
        let mut number = None;
        let end = match_slots(&self.slots, toks, start, sentence, &mut number)?;
        Some(Span { start, end, number })
    }
}

fn compile_alt(alt: &str, norm: &Normalizer) -> Result<Alt, String> {
    if alt == "#" {
        return Ok(Alt::Number);
    }
    if let Some(raw) = alt.strip_prefix('=') {
        let words = norm.canonical_words(raw);
        return match words.as_slice() {
            [(_, raw)] => Ok(Alt::Raw(raw.clone())),
            _ => Err(format!("`={raw}` must be one word")),
        };
    }
    if let Some(prefix) = alt.strip_suffix('*') {
        if prefix.chars().count() < 3 || !prefix.chars().all(char::is_alphanumeric) {
            return Err(format!("prefix `{alt}` needs three or more letters"));
        }
        // Tokens are stemmed, so the prefix is too: "helpline*" must reach "helplin(es)".
        let prefix = prefix.to_lowercase();
        let stemmed = super::stem::stem(&prefix);
        return Ok(Alt::Prefix(if prefix.starts_with(&stemmed) {
            stemmed
        } else {
            prefix
        }));
    }
    let terms: Vec<String> = norm
        .canonical_words(alt)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    if terms.is_empty() {
        return Err(format!(
            "`{alt}` is dropped by the lexicon, so it can never match"
        ));
    }
    Ok(Alt::Terms(terms))
}

fn match_slots(
    slots: &[Slot],
    toks: &[Token],
    pos: usize,
    sentence: u32,
    number: &mut Option<u32>,
) -> Option<usize> {
    let Some((slot, rest)) = slots.split_first() else {
        return Some(pos);
    };
    match slot {
        Slot::Gap => {
            for skip in 0..=GAP {
                let p = pos + skip;
                if p > toks.len() || (skip > 0 && toks[p - 1].sentence != sentence) {
                    break;
                }
                if let Some(end) = match_slots(rest, toks, p, sentence, number) {
                    return Some(end);
                }
            }
            None
        }
        Slot::Any(alts) => {
            for alt in alts {
                if let Some((len, n)) = match_alt(alt, toks, pos, sentence) {
                    let saved = *number;
                    if number.is_none() {
                        *number = n;
                    }
                    if let Some(end) = match_slots(rest, toks, pos + len, sentence, number) {
                        return Some(end);
                    }
                    *number = saved;
                }
            }
            None
        }
    }
}

fn match_alt(alt: &Alt, toks: &[Token], pos: usize, sentence: u32) -> Option<(usize, Option<u32>)> {
    let tok = toks.get(pos).filter(|t| t.sentence == sentence)?;
    match alt {
        Alt::Terms(terms) => {
            let window = toks.get(pos..pos + terms.len())?;
            let ok = window
                .iter()
                .zip(terms)
                .all(|(t, want)| t.sentence == sentence && &t.term == want);
            ok.then_some((terms.len(), None))
        }
        Alt::Raw(raw) => (&tok.raw == raw).then_some((1, None)),
        Alt::Prefix(p) => tok.term.starts_with(p.as_str()).then_some((1, None)),
        Alt::Number => {
            if tok.term.len() <= 3
                && !tok.term.is_empty()
                && tok.term.chars().all(|c| c.is_ascii_digit())
            {
                Some((1, tok.term.parse().ok()))
            } else {
                None
            }
        }
    }
}

/// A set of patterns with a first-term index, so finding all cues costs about one hash lookup
/// per token rather than one try per cue per token.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternSet {
    patterns: Vec<Pattern>,
    by_first: HashMap<String, Vec<usize>>,
    /// Patterns starting with a prefix (`sextort*`), keyed by its first three letters.
    by_prefix: HashMap<String, Vec<usize>>,
    anywhere: Vec<usize>,
}

/// The first three characters: prefixes are at least that long, so every token a prefix can
/// match shares this key with it.
fn prefix_key(s: &str) -> Option<String> {
    key_slice(s).map(str::to_owned)
}

/// [`prefix_key`] without allocating, for the per-token lookup.
fn key_slice(s: &str) -> Option<&str> {
    let end = s.char_indices().nth(3).map_or(s.len(), |(i, _)| i);
    (s[..end].chars().count() == 3).then(|| &s[..end])
}

impl PatternSet {
    /// Adds a pattern and returns its id within the set.
    pub(crate) fn push(&mut self, p: Pattern) -> usize {
        let id = self.patterns.len();
        match p.first_keys() {
            Some((terms, prefixes)) => {
                for (map, keys) in [(&mut self.by_first, terms), (&mut self.by_prefix, prefixes)] {
                    for k in keys {
                        let list = map.entry(k).or_default();
                        if list.last() != Some(&id) {
                            list.push(id);
                        }
                    }
                }
            }
            None => self.anywhere.push(id),
        }
        self.patterns.push(p);
        id
    }

    /// Every (pattern id, span) match, in token order; a pattern may match several times.
    /// Whether pattern `id` matched `span` word for word, skipping nothing: only then are all
    /// the words in the span the cue's own.
    pub(crate) fn is_unbroken(&self, id: usize, span: &Span) -> bool {
        let Some(p) = self.patterns.get(id) else {
            return false;
        };
        let mut len = 0;
        for slot in &p.slots {
            match slot {
                Slot::Gap => {}
                Slot::Any(alts) => {
                    let mut lens = alts.iter().map(|a| match a {
                        Alt::Terms(t) => t.len(),
                        Alt::Raw(_) | Alt::Prefix(_) | Alt::Number => 1,
                    });
                    let first = lens.next().unwrap_or(1);
                    if lens.any(|l| l != first) {
                        return false;
                    }
                    len += first;
                }
            }
        }
        span.end - span.start == len
    }

    pub(crate) fn find_all(&self, toks: &[Token]) -> Vec<(usize, Span)> {
        let mut out: Vec<(usize, Span)> = Vec::new();
        for (i, tok) in toks.iter().enumerate() {
            let whole = self
                .by_first
                .get(&tok.term)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let prefixed = key_slice(&tok.term)
                .and_then(|k| self.by_prefix.get(k))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for &id in whole.iter().chain(prefixed).chain(&self.anywhere) {
                // A pattern listed under both its whole word and its prefix matches once.
                if out
                    .iter()
                    .rev()
                    .take_while(|(_, s)| s.start == i)
                    .any(|(p, _)| *p == id)
                {
                    continue;
                }
                if let Some(span) = self.patterns[id].match_at(toks, i) {
                    out.push((id, span));
                }
            }
        }
        out
    }

    /// True when every alternative of every slot is exactly `term`: such a cue would fire on any
    /// message containing that one word (used to reject cues that fold to the app token).
    pub(crate) fn is_only(p: &Pattern, term: &str) -> bool {
        p.slots.iter().all(|s| match s {
            Slot::Any(alts) => alts
                .iter()
                .all(|a| matches!(a, Alt::Terms(t) if t.len() == 1 && t[0] == term)),
            Slot::Gap => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm() -> Normalizer {
        let mut n = Normalizer::new([("pics", "pic"), ("nudes", "nude"), ("bf", "partner")])
            .unwrap_or_default();
        n.finish();
        n
    }

    #[test]
    fn pattern_language() {
        let n = norm();
        let cases: &[(&str, &str, &str, bool)] = &[
            ("plain words", "kill myself", "i want to kill myself", true),
            ("stemmed words", "keep asking", "he keeps asking", true),
            ("gap", "threaten * post", "threatening to post", true),
            (
                "gap too long",
                "threaten * post",
                "threatening a b c d post",
                false,
            ),
            (
                "alternatives",
                "post|share my pic",
                "he shared my pics",
                true,
            ),
            ("raw tense", "=posted my pic", "he posted my pics", true),
            (
                "raw tense rejects present",
                "=posted my pic",
                "will he post my pics",
                false,
            ),
            ("prefix", "sextort*", "i am being sextorted", true),
            ("number", "im #", "im 15", true),
            (
                "not after",
                "!i =shared my nude",
                "i shared my nudes",
                false,
            ),
            (
                "not after other subject",
                "!i =shared my nude",
                "he shared my nudes",
                true,
            ),
            (
                "no crossing sentences",
                "kill myself",
                "kill. myself",
                false,
            ),
            ("lexicon in cues", "bf", "my bf", true),
        ];
        for (name, cue, text, want) in cases {
            let p = Pattern::compile(cue, &n).unwrap_or_else(|e| panic!("{name}: {e}"));
            let toks = n.tokens(text);
            let got = (0..toks.len()).any(|i| p.match_at(&toks, i).is_some());
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn bad_cues_are_rejected() {
        let n = norm();
        for (name, cue) in [
            ("leading gap", "* post"),
            ("trailing gap", "post *"),
            ("short prefix", "ab*"),
            ("empty", "  "),
        ] {
            assert!(Pattern::compile(cue, &n).is_err(), "{name}");
        }
    }
}
