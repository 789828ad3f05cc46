//! Nearest examples: a TF-IDF inverted index over the topics' example questions.
//!
//! Features are content terms plus neighbouring pairs of content terms ("view once", "delete
//! everyone"), so word order counts a little. Similarity is the cosine between the message and
//! each example; only examples sharing a feature with the message are ever touched, which keeps
//! the cost tied to the message and the rarity of its words, not to the number of topics.

use std::collections::{HashMap, HashSet};

use super::normalize::Token;

/// Postings kept per feature, highest weight first. A feature so common that it occurs in more
/// examples than this carries almost no information, and capping it bounds the cost per message
/// when the topic set grows.
const MAX_POSTINGS: usize = 400;

/// Where an indexed example came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocRef {
    pub topic: usize,
    pub example: usize,
}

/// The inverted index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    postings: HashMap<String, Vec<(u32, f32)>>,
    idf: HashMap<String, f32>,
    pub docs: Vec<DocRef>,
}

/// Weighted features of a token stream. `focus` tells which tokens sit in the part of a long
/// message that asks the question; those count `boost` times.
pub(crate) fn features(
    toks: &[Token],
    stopwords: &HashSet<String>,
    focus: &[bool],
    boost: f32,
) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::new();
    let mut prev: Option<(usize, &Token)> = None;
    for (i, t) in toks.iter().enumerate() {
        if stopwords.contains(&t.term) || t.term.is_empty() {
            continue;
        }
        let w = if focus.get(i).copied().unwrap_or(false) {
            boost
        } else {
            1.0
        };
        *out.entry(t.term.clone()).or_insert(0.0) += w;
        if let Some((_, p)) = prev
            && p.sentence == t.sentence
        {
            *out.entry(format!("{} {}", p.term, t.term)).or_insert(0.0) += w;
        }
        prev = Some((i, t));
    }
    out
}

impl Index {
    /// Builds the index from each example's features.
    pub(crate) fn build(docs: Vec<(DocRef, HashMap<String, f32>)>) -> Index {
        let n = docs.len().max(1) as f32;
        let mut df: HashMap<&str, u32> = HashMap::new();
        for (_, f) in &docs {
            for k in f.keys() {
                *df.entry(k.as_str()).or_insert(0) += 1;
            }
        }
        let idf: HashMap<String, f32> = df
            .iter()
            .map(|(k, d)| ((*k).to_owned(), (1.0 + n / *d as f32).ln()))
            .collect();
        let mut postings: HashMap<String, Vec<(u32, f32)>> = HashMap::new();
        let mut refs = Vec::with_capacity(docs.len());
        for (id, (r, f)) in docs.iter().enumerate() {
            refs.push(*r);
            let mut weighted: Vec<(&String, f32)> = f
                .iter()
                .map(|(k, tf)| (k, (1.0 + tf.ln()) * idf[k.as_str()]))
                .collect();
            // Summed in one fixed order, so the same examples give the same bits every run.
            weighted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let norm = weighted.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm == 0.0 {
                continue;
            }
            for (k, w) in weighted {
                postings
                    .entry(k.clone())
                    .or_default()
                    .push((id as u32, w / norm));
            }
        }
        for list in postings.values_mut() {
            if list.len() > MAX_POSTINGS {
                list.sort_by(|a, b| b.1.total_cmp(&a.1));
                list.truncate(MAX_POSTINGS);
            }
        }
        Index {
            postings,
            idf,
            docs: refs,
        }
    }

    /// Cosine similarity of the message to every example sharing a feature with it. Features the
    /// index has never seen are left out of the message's norm, so a typo-laden or padded message
    /// is not punished for its unknown words.
    pub(crate) fn similarities(
        &self,
        query: &HashMap<String, f32>,
        exclude: Option<usize>,
    ) -> HashMap<u32, f32> {
        let mut weighted: Vec<(&str, f32)> = query
            .iter()
            .filter_map(|(k, tf)| {
                self.idf
                    .get(k.as_str())
                    .map(|idf| (k.as_str(), (1.0 + tf.ln()) * idf))
            })
            .collect();
        // Summed in one fixed order (a map's order changes every run), so the same message
        // gets the same scores, to the last bit, every time.
        weighted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let norm = weighted.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        let mut acc: HashMap<u32, f32> = HashMap::new();
        if norm == 0.0 {
            return acc;
        }
        for (k, w) in weighted {
            if let Some(list) = self.postings.get(k) {
                for &(doc, dw) in list {
                    if Some(doc as usize) == exclude {
                        continue;
                    }
                    *acc.entry(doc).or_insert(0.0) += w / norm * dw;
                }
            }
        }
        acc
    }
}
