//! The learned classifier: multinomial logistic regression over word, word-pair and character
//! n-gram features ([`features`]), with two heads on the same features: the topic and who is
//! asking ([`Audience`]).
//!
//! It is trained offline by `confidant train` ([`train`]) from the labelled corpus and the topics'
//! example questions, and shipped as a text file (`responses/_model.tsv`): the same inputs give
//! the same file, byte for byte. Loading it takes milliseconds; predicting is a sparse dot
//! product per topic. Like the rest of the matcher it never logs and never keeps the text.

pub(crate) mod features;
pub mod train;

use std::{collections::HashMap, fmt::Write as _};

use serde::Serialize;

/// First line of a model file, with the format version.
const MAGIC: &str = "confidant-model 1";
/// Weights are written in units of this; smaller weights are dropped.
const QUANTUM: f32 = 1e-3;

/// Who is asking: the matcher's second head. Routes a parent to the parents' answer and a
/// helper to the parts written for helpers. Never logged next to a room or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// The person it is about, asking for themself (the default).
    #[default]
    #[serde(rename = "self")]
    Myself,
    /// Someone who says or shows they are under 18.
    #[serde(rename = "under-18")]
    Under18,
    /// A parent or carer asking about their child.
    Parent,
    /// A friend, partner or relative helping someone.
    Helper,
}

impl Audience {
    /// Every audience, in the model file's order.
    pub const ALL: [Audience; 4] = [
        Audience::Myself,
        Audience::Under18,
        Audience::Parent,
        Audience::Helper,
    ];

    /// The id used in the corpus and the model file.
    pub fn id(self) -> &'static str {
        match self {
            Audience::Myself => "self",
            Audience::Under18 => "under-18",
            Audience::Parent => "parent",
            Audience::Helper => "helper",
        }
    }

    /// Parses an id from the corpus or the model file.
    pub fn from_id(id: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// Why a model file cannot be used. Never quotes anything but the file's own structure.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The first line is not [`MAGIC`].
    #[error("not a confidant model file (the first line must be `{MAGIC}`)")]
    Magic,
    /// A line is malformed.
    #[error("model file line {line}: {why}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        why: String,
    },
}

/// The trained model: a feature dictionary and one weight row per feature.
#[derive(Debug, Clone)]
pub struct LearnedModel {
    /// Fingerprint of what it was trained on, so `check` can tell a stale model.
    pub(crate) inputs: String,
    /// The options it was trained with (the feature scaling is part of the model).
    pub(crate) options: train::TrainOptions,
    /// Topic ids, in head order.
    pub(crate) topics: Vec<String>,
    /// Feature string -> row. The only copy of the feature strings: explanations and
    /// [`LearnedModel::to_text`] invert it when they need a row's name.
    pub(crate) dictionary: HashMap<String, u32>,
    /// Row-major: one row of `width()` weights (topics, then audiences) per feature.
    pub(crate) weights: Vec<f32>,
    /// One bias per topic, then per audience.
    pub(crate) bias: Vec<f32>,
}

/// What the model says about one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Probability per topic, in [`LearnedModel::topics`] order.
    pub topics: Vec<f32>,
    /// Probability per audience, in [`Audience::ALL`] order.
    pub audiences: Vec<f32>,
}

impl Prediction {
    /// Topic indices, most probable first.
    pub fn ranked(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.topics.len()).collect();
        order.sort_by(|&a, &b| self.topics[b].total_cmp(&self.topics[a]).then(a.cmp(&b)));
        order
    }

    /// Who is asking: the likeliest of the other audiences when it reaches `min_probability`,
    /// else the person themself. Most messages are from the person themself, so a plain argmax
    /// would let that majority swallow a parent's question that the model does see.
    pub fn audience(&self, min_probability: f32) -> Audience {
        (1..self.audiences.len())
            .filter(|&a| self.audiences[a] >= min_probability)
            .max_by(|&a, &b| {
                self.audiences[a]
                    .total_cmp(&self.audiences[b])
                    .then(b.cmp(&a))
            })
            .map_or(Audience::Myself, |a| Audience::ALL[a])
    }
}

impl LearnedModel {
    /// The topic ids the model knows, in its order.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// The fingerprint of the training inputs.
    pub fn inputs(&self) -> &str {
        &self.inputs
    }

    /// The options it was trained with.
    pub fn options(&self) -> train::TrainOptions {
        self.options
    }

    /// How many features the dictionary holds.
    pub fn features(&self) -> usize {
        self.dictionary.len()
    }

    /// The bytes the model holds on the heap, counted from its parts: the weights, the
    /// dictionary's table and its feature names, the topic ids. Unlike a resident-memory
    /// reading it does not depend on what the allocator kept from earlier work.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let topics = self.topics.capacity() * size_of::<String>()
            + self.topics.iter().map(String::capacity).sum::<usize>();
        // A hash table slot holds the entry and one control byte.
        let dictionary = self.dictionary.capacity() * (size_of::<(String, u32)>() + 1)
            + self.dictionary.keys().map(String::capacity).sum::<usize>();
        let numbers = (self.weights.capacity() + self.bias.capacity()) * size_of::<f32>();
        topics + dictionary + numbers + self.inputs.capacity()
    }

    /// Row -> feature string, built when asked (the bot never needs it to answer).
    fn names(&self) -> Vec<&str> {
        let mut names = vec![""; self.dictionary.len()];
        for (name, &row) in &self.dictionary {
            names[row as usize] = name;
        }
        names
    }

    fn width(&self) -> usize {
        self.topics.len() + Audience::ALL.len()
    }

    /// Topic and audience probabilities for a message.
    pub fn predict(&self, text: &str) -> Prediction {
        let x = features::vector(text, &self.dictionary, self.options.char_weight);
        let w = self.width();
        let mut scores = self.bias.clone();
        for &(row, value) in &x {
            let r = &self.weights[row as usize * w..(row as usize + 1) * w];
            for (s, wt) in scores.iter_mut().zip(r) {
                *s += value * wt;
            }
        }
        let audiences = softmax(&scores[self.topics.len()..]);
        scores.truncate(self.topics.len());
        Prediction {
            topics: softmax(&scores),
            audiences,
        }
    }

    /// The features of a message that push hardest towards `topic`, strongest first.
    pub fn strongest_features(&self, text: &str, topic: usize, n: usize) -> Vec<(String, f32)> {
        let w = self.width();
        let names = self.names();
        let mut out: Vec<(String, f32)> =
            features::vector(text, &self.dictionary, self.options.char_weight)
                .into_iter()
                .map(|(row, value)| {
                    let r = row as usize;
                    (names[r].to_owned(), value * self.weights[r * w + topic])
                })
                .filter(|(_, c)| *c > 0.0)
                .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(n);
        out
    }

    /// The model as its text file: a header, then one line per feature with its non-zero
    /// weights as `column:weight` in thousandths.
    pub fn to_text(&self) -> String {
        let w = self.width();
        let mut out = format!(
            "{MAGIC}\ninputs {}\noptions {}\ntopics {}\naudiences {}\nbias",
            self.inputs,
            self.options,
            self.topics.join(" "),
            Audience::ALL.map(Audience::id).join(" ")
        );
        for b in &self.bias {
            let _ = write!(out, " {}", quantize(*b));
        }
        out.push('\n');
        for (row, name) in self.names().into_iter().enumerate() {
            let cells: Vec<String> = self.weights[row * w..(row + 1) * w]
                .iter()
                .enumerate()
                .filter_map(|(c, &x)| match quantize(x) {
                    0 => None,
                    q => Some(format!("{c}:{q}")),
                })
                .collect();
            if !cells.is_empty() {
                let _ = writeln!(out, "{name}\t{}", cells.join(" "));
            }
        }
        out
    }

    /// Reads a model file written by [`LearnedModel::to_text`].
    pub fn parse(text: &str) -> Result<LearnedModel, ModelError> {
        let mut lines = text.lines().enumerate();
        let bad = |line: usize, why: &str| ModelError::Line {
            line: line + 1,
            why: why.to_owned(),
        };
        if lines.next().map(|(_, l)| l) != Some(MAGIC) {
            return Err(ModelError::Magic);
        }
        let mut header = |key: &str| -> Result<String, ModelError> {
            let (i, line) = lines
                .next()
                .ok_or_else(|| bad(0, "the header ends early"))?;
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(' ').or(rest.is_empty().then_some("")))
                .map(str::to_owned)
                .ok_or_else(|| bad(i, &format!("expected `{key} …`")))
        };
        let inputs = header("inputs")?;
        let options = header("options")?
            .parse::<train::TrainOptions>()
            .map_err(|why| bad(2, &why))?;
        let topics: Vec<String> = header("topics")?.split(' ').map(str::to_owned).collect();
        let audiences = header("audiences")?;
        if audiences != Audience::ALL.map(Audience::id).join(" ") {
            return Err(bad(4, "unexpected audience list"));
        }
        let width = topics.len() + Audience::ALL.len();
        let bias = header("bias")?
            .split(' ')
            .map(|v| v.parse::<i32>().map(dequantize))
            .collect::<Result<Vec<f32>, _>>()
            .map_err(|_| bad(5, "bias must be integers"))?;
        if bias.len() != width {
            return Err(bad(5, "one bias per topic and audience"));
        }
        // Sized once: one row per feature line (growing it row by row would leave up to twice
        // the memory reserved).
        let rows = text.lines().count().saturating_sub(6);
        let mut model = LearnedModel {
            inputs,
            options,
            topics,
            dictionary: HashMap::with_capacity(rows),
            weights: Vec::with_capacity(rows * width),
            bias,
        };
        for (i, line) in lines {
            let (name, cells) = line
                .split_once('\t')
                .ok_or_else(|| bad(i, "expected `feature<TAB>weights`"))?;
            let row = model.dictionary.len();
            if model
                .dictionary
                .insert(name.to_owned(), row as u32)
                .is_some()
            {
                return Err(bad(i, "feature listed twice"));
            }
            model.weights.resize((row + 1) * width, 0.0);
            for cell in cells.split(' ') {
                let (c, q) = cell
                    .split_once(':')
                    .and_then(|(c, q)| Some((c.parse::<usize>().ok()?, q.parse::<i32>().ok()?)))
                    .filter(|(c, _)| *c < width)
                    .ok_or_else(|| bad(i, "weights must be `column:integer`"))?;
                model.weights[row * width + c] = dequantize(q);
            }
        }
        Ok(model)
    }
}

fn quantize(x: f32) -> i32 {
    (x / QUANTUM).round() as i32
}

fn dequantize(q: i32) -> f32 {
    q as f32 * QUANTUM
}

fn softmax(scores: &[f32]) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}
