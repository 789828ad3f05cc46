//! Training the learned classifier: deterministic, offline, from labelled messages.
//!
//! The dictionary is every feature seen in at least [`TrainOptions::min_count`] messages, in
//! sorted order; each head is a multinomial logistic regression with an L2 penalty, fitted by
//! L-BFGS from zero (argmin). No randomness anywhere, so the same messages in the same order
//! give the same model, byte for byte.

use std::collections::{BTreeMap, HashMap};

use argmin::{
    core::{CostFunction, Error, Executor, Gradient, State},
    solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS},
};

use super::{Audience, LearnedModel, features};

/// One labelled training message.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The message.
    pub text: String,
    /// The topic that should answer it.
    pub topic: String,
    /// Who is asking, when the source says (topic examples do not).
    pub audience: Option<Audience>,
}

/// Knobs of the fit; the defaults are what `confidant train` uses.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// A feature must occur in this many messages to enter the dictionary.
    pub min_count: u32,
    /// L2 penalty on the weights (not the biases).
    pub l2: f64,
    /// L-BFGS iterations per head.
    pub max_iters: u64,
    /// Weight of the character n-gram block against the word block.
    pub char_weight: f32,
    /// Extra weight on the loss of messages from a parent, helper or under-18 in the audience
    /// head, against the "self" majority.
    pub audience_weight: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            // 3 since session 29: on 144 batches a third fewer features than 2 (137,040 against
            // 195,856; the model's heap 27.4 MB against 36.0 MB of the 40 MB budget) for the same
            // test split figures within a few messages either way.
            min_count: 3,
            l2: 1e-6,
            max_iters: 300,
            char_weight: 1.0,
            audience_weight: 3.0,
        }
    }
}

impl std::fmt::Display for TrainOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "min_count={} l2={} max_iters={} char_weight={} audience_weight={}",
            self.min_count, self.l2, self.max_iters, self.char_weight, self.audience_weight
        )
    }
}

impl std::str::FromStr for TrainOptions {
    type Err = String;

    /// Reads the form [`Display`](std::fmt::Display) writes; every key is required.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut o = TrainOptions::default();
        let mut seen = 0;
        for pair in s.split(' ') {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("options: expected key=value, got `{pair}`"))?;
            let bad = || format!("options: bad value for {key}");
            match key {
                "min_count" => o.min_count = value.parse().map_err(|_| bad())?,
                "l2" => o.l2 = value.parse().map_err(|_| bad())?,
                "max_iters" => o.max_iters = value.parse().map_err(|_| bad())?,
                "char_weight" => o.char_weight = value.parse().map_err(|_| bad())?,
                "audience_weight" => o.audience_weight = value.parse().map_err(|_| bad())?,
                _ => return Err(format!("options: unknown key `{key}`")),
            }
            seen += 1;
        }
        if seen != 5 {
            return Err("options: expected 5 keys".into());
        }
        Ok(o)
    }
}

/// Why training cannot run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A sample names a topic outside the list.
    #[error("sample {index} is labelled with unknown topic `{topic}`")]
    UnknownTopic {
        /// 0-based position of the sample.
        index: usize,
        /// The label.
        topic: String,
    },
    /// Nothing to learn from.
    #[error("no training samples")]
    Empty,
    /// The optimiser failed.
    #[error("the optimiser failed: {0}")]
    Optimiser(String),
}

/// Trains both heads. `topics` fixes the topic order of the model.
pub fn train(
    samples: &[Sample],
    topics: &[String],
    options: TrainOptions,
) -> Result<LearnedModel, TrainError> {
    if samples.is_empty() {
        return Err(TrainError::Empty);
    }
    let topic_index: HashMap<&str, usize> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let labels = samples
        .iter()
        .enumerate()
        .map(|(index, s)| {
            topic_index
                .get(s.topic.as_str())
                .copied()
                .ok_or_else(|| TrainError::UnknownTopic {
                    index,
                    topic: s.topic.clone(),
                })
        })
        .collect::<Result<Vec<usize>, _>>()?;

    // The dictionary: document frequency >= min_count, sorted so the row order is stable.
    let mut df: BTreeMap<String, u32> = BTreeMap::new();
    for s in samples {
        for f in features::feature_counts(&s.text).into_keys() {
            *df.entry(f).or_insert(0) += 1;
        }
    }
    let names: Vec<String> = df
        .into_iter()
        .filter(|(_, n)| *n >= options.min_count)
        .map(|(f, _)| f)
        .collect();
    let dictionary: HashMap<String, u32> = names
        .iter()
        .enumerate()
        .map(|(i, f)| (f.clone(), i as u32))
        .collect();
    let xs: Vec<Vec<(u32, f32)>> = samples
        .iter()
        .map(|s| features::vector(&s.text, &dictionary, options.char_weight))
        .collect();

    let (topic_w, topic_b) = fit(&xs, &labels, None, topics.len(), names.len(), options)?;
    let (aud_xs, aud_ys): (Vec<_>, Vec<_>) = samples
        .iter()
        .zip(&xs)
        .filter_map(|(s, x)| {
            let a = s.audience?;
            Some((x.clone(), Audience::ALL.iter().position(|&b| b == a)?))
        })
        .unzip();
    let n_aud = Audience::ALL.len();
    let aud_weights: Vec<f64> = aud_ys
        .iter()
        .map(|&y| if y == 0 { 1.0 } else { options.audience_weight })
        .collect();
    let (aud_w, aud_b) = if aud_xs.is_empty() {
        (vec![0.0; names.len() * n_aud], vec![0.0; n_aud])
    } else {
        fit(
            &aud_xs,
            &aud_ys,
            Some(&aud_weights),
            n_aud,
            names.len(),
            options,
        )?
    };

    let width = topics.len() + n_aud;
    let mut weights = vec![0.0f32; names.len() * width];
    for row in 0..names.len() {
        for c in 0..topics.len() {
            weights[row * width + c] = topic_w[row * topics.len() + c] as f32;
        }
        for c in 0..n_aud {
            weights[row * width + topics.len() + c] = aud_w[row * n_aud + c] as f32;
        }
    }
    let bias = topic_b.iter().chain(&aud_b).map(|&b| b as f32).collect();
    // Round-trip through the text form so the in-memory model is exactly what a file holds.
    let model = LearnedModel {
        inputs: fingerprint(samples, options),
        options,
        topics: topics.to_vec(),
        dictionary,
        weights,
        bias,
    };
    LearnedModel::parse(&model.to_text()).map_err(|e| TrainError::Optimiser(e.to_string()))
}

/// A stable fingerprint (FNV-1a, 64 bits) of the training inputs and options.
pub fn fingerprint(samples: &[Sample], options: TrainOptions) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(options.to_string().as_bytes());
    for s in samples {
        eat(s.text.as_bytes());
        eat(s.topic.as_bytes());
        eat(s.audience.map(Audience::id).unwrap_or("-").as_bytes());
    }
    format!("fnv1a64:{h:016x}")
}

/// Fits one softmax head, each sample's loss weighted by `weights` (1 when `None`); returns
/// (weights, row-major `dim` x `k`, and biases).
fn fit(
    xs: &[Vec<(u32, f32)>],
    ys: &[usize],
    weights: Option<&[f64]>,
    k: usize,
    dim: usize,
    options: TrainOptions,
) -> Result<(Vec<f64>, Vec<f64>), TrainError> {
    let problem = Softmax {
        xs,
        ys,
        weights,
        k,
        dim,
        l2: options.l2,
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-6)
        .and_then(|s| s.with_tolerance_cost(1e-10))
        .map_err(|e| TrainError::Optimiser(e.to_string()))?;
    let init = vec![0.0f64; dim * k + k];
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(init).max_iters(options.max_iters))
        .run()
        .map_err(|e| TrainError::Optimiser(e.to_string()))?;
    let best = result
        .state()
        .get_best_param()
        .cloned()
        .ok_or_else(|| TrainError::Optimiser("no parameters".into()))?;
    let bias = best[dim * k..].to_vec();
    let mut weights = best;
    weights.truncate(dim * k);
    Ok((weights, bias))
}

/// Mean cross-entropy plus `l2 / 2 * |W|^2`, over sparse inputs. Parameters: `dim * k` weights
/// (row-major), then `k` biases.
struct Softmax<'a> {
    xs: &'a [Vec<(u32, f32)>],
    ys: &'a [usize],
    weights: Option<&'a [f64]>,
    k: usize,
    dim: usize,
    l2: f64,
}

impl Softmax<'_> {
    fn loss_and_gradient(&self, p: &[f64], want_gradient: bool) -> (f64, Vec<f64>) {
        let (k, dim) = (self.k, self.dim);
        let n: f64 = self
            .weights
            .map_or(self.xs.len() as f64, |w| w.iter().sum());
        let (w, b) = p.split_at(dim * k);
        let mut grad = if want_gradient {
            vec![0.0; p.len()]
        } else {
            Vec::new()
        };
        let mut loss = 0.0;
        let mut z = vec![0.0f64; k];
        for (i, (x, &y)) in self.xs.iter().zip(self.ys).enumerate() {
            let weight = self.weights.map_or(1.0, |w| w[i]);
            z.copy_from_slice(b);
            for &(row, v) in x {
                let r = &w[row as usize * k..(row as usize + 1) * k];
                for (zc, wc) in z.iter_mut().zip(r) {
                    *zc += f64::from(v) * wc;
                }
            }
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|s| (s - max).exp()).sum();
            loss += weight * (sum.ln() + max - z[y]);
            if want_gradient {
                // d loss / d z_c = p_c - [c == y], spread over the inputs' rows and the bias.
                for (c, zc) in z.iter_mut().enumerate() {
                    *zc = weight * ((*zc - max).exp() / sum - if c == y { 1.0 } else { 0.0 });
                }
                for &(row, v) in x {
                    let g = &mut grad[row as usize * k..(row as usize + 1) * k];
                    for (gc, dc) in g.iter_mut().zip(&z) {
                        *gc += f64::from(v) * dc / n;
                    }
                }
                for (gc, dc) in grad[dim * k..].iter_mut().zip(&z) {
                    *gc += dc / n;
                }
            }
        }
        let penalty: f64 = w.iter().map(|x| x * x).sum();
        if want_gradient {
            for (g, x) in grad[..dim * k].iter_mut().zip(w) {
                *g += self.l2 * x;
            }
        }
        (loss / n + self.l2 / 2.0 * penalty, grad)
    }
}

impl CostFunction for Softmax<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> Result<f64, Error> {
        Ok(self.loss_and_gradient(p, false).0)
    }
}

impl Gradient for Softmax<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Self::Param) -> Result<Vec<f64>, Error> {
        Ok(self.loss_and_gradient(p, true).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, topic: &str, audience: Option<Audience>) -> Sample {
        Sample {
            text: text.into(),
            topic: topic.into(),
            audience,
        }
    }

    fn mini() -> (Vec<Sample>, Vec<String>) {
        let parent = Some(Audience::Parent);
        let me = Some(Audience::Myself);
        let samples = vec![
            sample("is whatsapp encrypted", "encryption", me),
            sample("can whatsapp read my encrypted chats", "encryption", me),
            sample("is it end to end encrypted", "encryption", None),
            sample("my ex posted my pics online", "sharing", me),
            sample("he posted my pictures on a site", "sharing", me),
            sample("my daughter's pics were posted online", "sharing", parent),
            sample("is my son's whatsapp encrypted", "encryption", parent),
            sample(
                "my daughter says whatsapp is encrypted",
                "encryption",
                parent,
            ),
        ];
        (samples, vec!["encryption".into(), "sharing".into()])
    }

    #[test]
    fn learns_a_small_set_and_generalises_a_little() {
        let (samples, topics) = mini();
        // Eight messages: "daughter" is in two of them, under the shipped dictionary's floor.
        let options = TrainOptions {
            min_count: 2,
            ..TrainOptions::default()
        };
        let model = train(&samples, &topics, options).expect("trains");
        let p = model.predict("are my chats encrypted?");
        assert!(p.topics[0] > 0.5, "{p:?}");
        let p = model.predict("someone posted my pics");
        assert!(p.topics[1] > 0.5, "{p:?}");
        assert_eq!(
            model.predict("my daughter's chats").audience(0.3),
            Audience::Parent
        );
    }

    #[test]
    fn the_heap_count_covers_the_weights_and_the_feature_names() {
        let (samples, topics) = mini();
        let model = train(&samples, &topics, TrainOptions::default()).unwrap();
        let weights = model.weights.len() * std::mem::size_of::<f32>();
        let names: usize = model.dictionary.keys().map(String::len).sum();
        assert!(model.heap_bytes() >= weights + names);
        assert!(model.heap_bytes() < 4 * (weights + names) + 4096);
    }

    #[test]
    fn training_is_deterministic_and_round_trips_through_text() {
        let (samples, topics) = mini();
        let a = train(&samples, &topics, TrainOptions::default()).expect("trains");
        let b = train(&samples, &topics, TrainOptions::default()).expect("trains");
        assert_eq!(a.to_text(), b.to_text());
        let again = LearnedModel::parse(&a.to_text()).expect("parses");
        assert_eq!(again.to_text(), a.to_text());
        assert_eq!(again.predict("encrypted?"), a.predict("encrypted?"));
    }

    #[test]
    fn unknown_labels_and_empty_sets_are_errors() {
        let (mut samples, topics) = mini();
        assert!(matches!(
            train(&[], &topics, TrainOptions::default()),
            Err(TrainError::Empty)
        ));
        samples.push(sample("x", "nope", None));
        assert!(matches!(
            train(&samples, &topics, TrainOptions::default()),
            Err(TrainError::UnknownTopic { index: 8, .. })
        ));
    }

    #[test]
    fn options_round_trip_through_their_text_form() {
        let o = TrainOptions {
            l2: 3e-5,
            ..TrainOptions::default()
        };
        let back: TrainOptions = o.to_string().parse().expect("parses");
        assert_eq!(back.to_string(), o.to_string());
        assert!("min_count=2".parse::<TrainOptions>().is_err());
        assert!(format!("{o} extra=1").parse::<TrainOptions>().is_err());
    }

    #[test]
    fn a_changed_input_changes_the_fingerprint() {
        let (samples, _) = mini();
        let mut other = samples.clone();
        other[0].topic = "sharing".into();
        let o = TrainOptions::default();
        assert_eq!(fingerprint(&samples, o), fingerprint(&samples, o));
        assert_ne!(fingerprint(&samples, o), fingerprint(&other, o));
    }
}
