//! The labelled training corpus (`corpus/`): messages in many voices, split by writer batch.
//!
//! Layout: `corpus/train/*.jsonl` trains the learned model, `corpus/test/*.jsonl` sets its
//! thresholds and measures it, `corpus/holdout/*.jsonl` is looked at once, at the end of a
//! piece of matcher work, for the figure that gets reported. A writer's batch lives whole in one
//! split, so the test figures measure voices the model never saw. Each line is
//! `{"text", "expect": [topic ids], "audience", "voice", "kind"}`. Pure except [`load_dir`].

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::{
    matcher::{Audience, MAX_INPUT_BYTES, learned::train::Sample},
    responses::ResponseSet,
    topics,
};

/// The corpus's splits, in the order they are read.
pub const SPLITS: [&str; 3] = ["train", "test", "holdout"];

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The message.
    pub text: String,
    /// The topics that answer it, best first.
    pub expect: Vec<String>,
    /// Who is asking.
    pub audience: Audience,
    /// The writer's voice (one per batch).
    pub voice: String,
    /// question, story, one-liner, indirect, meta or off-topic.
    #[serde(default)]
    pub kind: Option<String>,
}

/// A problem in a corpus file, by file and line; never quotes the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the corpus folder.
    pub file: String,
    /// 1-based line, 0 for the whole file.
    pub line: usize,
    /// What is wrong.
    pub why: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.why)
    }
}

/// One batch file.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `split/name.jsonl`.
    pub file: String,
    /// The split it belongs to.
    pub split: &'static str,
    /// Its entries, in file order.
    pub entries: Vec<Entry>,
}

/// Parses one batch, collecting every problem (unknown labels, empty or over-long texts).
pub fn parse_batch(file: &str, split: &'static str, jsonl: &str) -> (Batch, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    let mut problem = |line: usize, why: String| {
        problems.push(Problem {
            file: file.to_owned(),
            line,
            why,
        })
    };
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                // serde_json's message can quote the line, so only its category and column.
                problem(
                    i + 1,
                    format!(
                        "invalid entry ({:?} error at column {})",
                        e.classify(),
                        e.column()
                    ),
                );
                continue;
            }
        };
        if entry.text.trim().is_empty() {
            problem(i + 1, "empty text".into());
        }
        if entry.text.len() > MAX_INPUT_BYTES {
            problem(i + 1, format!("text over the {MAX_INPUT_BYTES}-byte limit"));
        }
        if entry.expect.is_empty() {
            problem(i + 1, "`expect` is empty".into());
        }
        for t in &entry.expect {
            if !topics::REQUIRED.contains(&t.as_str()) {
                problem(i + 1, format!("unknown topic `{t}`"));
            }
        }
        entries.push(entry);
    }
    (
        Batch {
            file: file.to_owned(),
            split,
            entries,
        },
        problems,
    )
}

/// Problems across batches: the same text (folded to lower case and single spaces) twice,
/// within or across batches and splits.
pub fn duplicates(batches: &[Batch]) -> Vec<Problem> {
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    let mut problems = Vec::new();
    for b in batches {
        for (i, e) in b.entries.iter().enumerate() {
            let key = e
                .text
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if let Some((file, n)) = seen.get(&key) {
                problems.push(Problem {
                    file: b.file.clone(),
                    line: i + 1,
                    why: format!("same text as {file} entry {n}"),
                });
            } else {
                seen.insert(key, (b.file.clone(), i + 1));
            }
        }
    }
    problems
}

/// Why the corpus folder cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read corpus file {path}: {source}")]
pub struct CorpusError {
    /// The file or folder.
    pub path: PathBuf,
    /// The reason.
    pub source: std::io::Error,
}

/// Reads every batch of the given splits (a missing split folder is an empty split), files in
/// name order, so training sees the same sequence on every machine.
pub fn load_dir(
    dir: &Path,
    splits: &[&'static str],
) -> Result<(Vec<Batch>, Vec<Problem>), CorpusError> {
    let mut batches = Vec::new();
    let mut problems = Vec::new();
    for &split in splits {
        let folder = dir.join(split);
        if !folder.is_dir() {
            continue;
        }
        let err = |source| CorpusError {
            path: folder.clone(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(err)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        files.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| CorpusError {
                path: path.clone(),
                source,
            })?;
            let name = format!(
                "{split}/{}",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            let (batch, mut p) = parse_batch(&name, split, &text);
            problems.append(&mut p);
            batches.push(batch);
        }
    }
    Ok((batches, problems))
}

/// What the model trains on: every topic's example questions (audience unknown), then the
/// training batches' messages, labelled with their first expected topic.
pub fn training_samples(set: &ResponseSet, batches: &[Batch]) -> Vec<Sample> {
    let examples = set.topics().iter().flat_map(|t| {
        t.examples.iter().map(|e| Sample {
            text: e.clone(),
            topic: t.id.clone(),
            audience: None,
        })
    });
    let corpus = batches
        .iter()
        .filter(|b| b.split == "train")
        .flat_map(|b| &b.entries)
        .map(|e| Sample {
            text: e.text.clone(),
            topic: e.expect[0].clone(),
            audience: Some(e.audience),
        });
    examples.chain(corpus).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_named_by_file_and_line_without_the_text() {
        let jsonl = concat!(
            r#"{"text": "is wa safe", "expect": ["encryption"], "audience": "self", "voice": "v"}"#,
            "\n\n",
            r#"{"text": "secret words", "expect": ["no-such-topic"], "audience": "self", "voice": "v"}"#,
            "\n",
            r#"{"text": "x", "expect": [], "audience": "nobody", "voice": "v"}"#,
            "\n",
        );
        let (batch, problems) = parse_batch("train/a.jsonl", "train", jsonl);
        assert_eq!(batch.entries.len(), 2);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(problems[0].why.contains("no-such-topic"));
        assert!(problems.iter().all(|p| !p.to_string().contains("secret")));
    }

    #[test]
    fn duplicates_are_found_across_batches_whatever_the_case_and_spacing() {
        let line = |t: &str| {
            format!(r#"{{"text": "{t}", "expect": ["legal"], "audience": "self", "voice": "v"}}"#)
        };
        let (a, _) = parse_batch("train/a.jsonl", "train", &line("Is  sexting legal"));
        let (b, _) = parse_batch("test/b.jsonl", "test", &line("is sexting LEGAL"));
        let found = duplicates(&[a, b]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file, "test/b.jsonl");
    }

    #[test]
    fn over_long_texts_are_refused() {
        let long = "a".repeat(MAX_INPUT_BYTES + 1);
        let line = format!(
            r#"{{"text": "{long}", "expect": ["legal"], "audience": "self", "voice": "v"}}"#
        );
        let (_, problems) = parse_batch("train/a.jsonl", "train", &line);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].why.contains("limit"));
    }
}
