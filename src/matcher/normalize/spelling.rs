//! Spelling that is not the word's own: stretched letters ("pleeease"), leetspeak digits
//! ("n00dz") and one-slip typos, repaired against the known vocabulary with a one-deletion index.

use super::{CURATED_COUNT, MAX_WORD_CHARS, MIN_EXAMPLE_COUNT, MIN_TYPO_CHARS, Normalizer};
use crate::matcher::stem::stem;

impl Normalizer {
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

    /// "pleeease" -> "please", "soooo" -> "so": runs of three or more letters shrink to one
    /// letter, or to two when only that spelling is known ("sooo" -> "soo" is not, "gooood" ->
    /// "good" is).
    pub(super) fn unstretch(&self, word: &str) -> String {
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
    pub(super) fn repair(&self, word: &str) -> Option<&str> {
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

/// The letter a leetspeak digit stands for ("n00dz" -> "noodz"); other characters unchanged.
pub(super) fn unleet(c: char) -> char {
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
pub(super) fn edit_distance_at_most_one(a: &str, b: &str) -> bool {
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
