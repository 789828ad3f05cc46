//! Matcher latency and build-time benchmark (`confidant bench`): pure, timed with
//! `std::time::Instant` only.
//!
//! The real topic set is measured, then synthetic sets 10x and 100x larger, made by copying every
//! topic under a new id and perturbing its examples (words rotated, every third word replaced by
//! a made-up one), so the index grows in topics, examples and vocabulary. If per-message cost
//! grew linearly with the topic count, the 100x row would be about 100 times slower; the
//! inverted index keeps it far below that.

use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::matcher::{LearnedModel, Matcher, MatcherData, TopicProfile};

/// Passes over the message list per measurement; more passes steady the p99.
const PASSES: usize = 5;
/// Builds timed per scale; the median is reported.
const BUILDS: usize = 3;
/// Synthetic scale factors besides the real set.
const SCALES: [usize; 3] = [1, 10, 100];

/// Timings at one topic-set size.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// 1 for the real set, 10 or 100 for synthetic ones.
    pub scale: usize,
    /// Whether the learned model was part of it (build time then includes reading the model).
    pub model: bool,
    /// Topics in the set.
    pub topics: usize,
    /// Examples in the set.
    pub examples: usize,
    /// Median time to build the matcher, in milliseconds.
    pub build_ms: f64,
    /// Median time per message, in microseconds.
    pub median_us: f64,
    /// 99th percentile time per message, in microseconds.
    pub p99_us: f64,
    /// Slowest message, in microseconds.
    pub max_us: f64,
}

/// Results of [`run`].
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Messages per pass.
    pub messages: usize,
    /// Passes over the messages.
    pub passes: usize,
    /// One row per scale, real set first.
    pub rows: Vec<BenchRow>,
    /// Set when a scale could not be built (the error, no message text).
    pub errors: Vec<String>,
}

/// Measures per-message median and p99 (over several passes of `messages`), the matcher build
/// time for the real set, and the same for synthetic sets 10x and 100x larger (more topics made
/// by relabelling and perturbing the real ones), so sublinear growth is visible.
///
/// With `model` (the text of `_model.tsv`), the real set is also measured with the learned model,
/// its build time including parsing the model file.
pub fn run(
    topics: &[TopicProfile],
    data: &MatcherData,
    model: Option<&str>,
    messages: &[String],
) -> BenchReport {
    let mut report = BenchReport {
        messages: messages.len(),
        passes: PASSES,
        rows: Vec::new(),
        errors: Vec::new(),
    };
    let runs = model
        .map(|m| (1, Some(m)))
        .into_iter()
        .chain(SCALES.map(|s| (s, None)));
    for (scale, model) in runs {
        let set = scaled(topics, scale);
        let mut builds = Vec::with_capacity(BUILDS);
        let mut matcher = None;
        for _ in 0..BUILDS {
            let start = Instant::now();
            let built = Matcher::new(&set, data).and_then(|m| match model {
                Some(text) => LearnedModel::parse(text)
                    .map_err(|e| crate::matcher::MatcherError::Model(e.to_string()))
                    .and_then(|model| m.with_model(model)),
                None => Ok(m),
            });
            builds.push(start.elapsed());
            match built {
                Ok(m) => matcher = Some(m),
                Err(e) => {
                    report.errors.push(format!("scale {scale}: {e}"));
                    break;
                }
            }
        }
        let Some(matcher) = matcher else { continue };
        let mut times = Vec::with_capacity(messages.len() * PASSES);
        for _ in 0..PASSES {
            for m in messages {
                let start = Instant::now();
                let outcome = matcher.classify(m);
                times.push(start.elapsed());
                std::hint::black_box(outcome);
            }
        }
        times.sort_unstable();
        builds.sort_unstable();
        report.rows.push(BenchRow {
            scale,
            model: model.is_some(),
            topics: set.len(),
            examples: set.iter().map(|t| t.examples.len()).sum(),
            build_ms: ms(builds[builds.len() / 2]),
            median_us: us(percentile(&times, 0.50)),
            p99_us: us(percentile(&times, 0.99)),
            max_us: us(times.last().copied().unwrap_or_default()),
        });
    }
    report
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The real topics plus `scale - 1` perturbed copies of each.
fn scaled(topics: &[TopicProfile], scale: usize) -> Vec<TopicProfile> {
    let mut out: Vec<TopicProfile> = topics.to_vec();
    let max_number = topics.iter().map(|t| t.number).max().unwrap_or(0);
    for k in 1..scale {
        for (ti, t) in topics.iter().enumerate() {
            let k32 = u32::try_from(k).unwrap_or(u32::MAX);
            let ti32 = u32::try_from(ti).unwrap_or(u32::MAX);
            out.push(TopicProfile {
                id: format!("{}~{k}", t.id),
                number: (max_number + 1)
                    .saturating_mul(k32)
                    .saturating_add(ti32 + 1),
                keyword: format!("{}{k}", t.keyword),
                examples: t
                    .examples
                    .iter()
                    .enumerate()
                    .map(|(ei, e)| perturb(e, k, ei))
                    .collect(),
                adult_only: false,
            });
        }
    }
    out
}

/// Rotates the words and swaps every third one for a made-up word unique to this copy, so copies
/// share most but not all vocabulary with the real set.
fn perturb(example: &str, copy: usize, index: usize) -> String {
    let mut words: Vec<String> = example.split_whitespace().map(str::to_owned).collect();
    if words.is_empty() {
        return String::new();
    }
    let shift = (copy + index) % words.len();
    words.rotate_left(shift);
    for (i, w) in words.iter_mut().enumerate() {
        if (i + copy).is_multiple_of(3) {
            *w = synthetic_word(copy * 7919 + index * 31 + i);
        }
    }
    words.join(" ")
}

/// This process's resident memory in bytes, from `/proc/self/statm` (`None` elsewhere).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A deterministic pronounceable nonsense word.
fn synthetic_word(mut n: usize) -> String {
    const C: &[u8] = b"bdfgklmnprstvz";
    const V: &[u8] = b"aeiou";
    let mut s = String::from("q");
    for _ in 0..3 {
        s.push(C[n % C.len()] as char);
        n /= C.len();
        s.push(V[n % V.len()] as char);
        n /= V.len();
    }
    s
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} messages x {} passes per row; targets: p99 < 1 ms, build (with the model) < 2 s",
            self.messages, self.passes
        )?;
        writeln!(
            f,
            "{:>6} {:>6} {:>7} {:>9} {:>10} {:>10} {:>10} {:>10}",
            "scale", "model", "topics", "examples", "build ms", "median us", "p99 us", "max us"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:>5}x {:>6} {:>7} {:>9} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
                r.scale,
                if r.model { "yes" } else { "no" },
                r.topics,
                r.examples,
                r.build_ms,
                r.median_us,
                r.p99_us,
                r.max_us
            )?;
        }
        let cues_only: Vec<&BenchRow> = self.rows.iter().filter(|r| !r.model).collect();
        if let (Some(first), Some(last)) = (cues_only.first(), cues_only.last())
            && last.scale > first.scale
            && first.median_us > 0.0
        {
            write!(
                f,
                "median grows {:.1}x for {}x the topics",
                last.median_us / first.median_us,
                last.topics / first.topics.max(1)
            )?;
        }
        for e in &self.errors {
            write!(f, "\nerror: {e}")?;
        }
        Ok(())
    }
}
