//! Whether the set's learned model still matches the corpus and examples it was trained on.

use crate::{
    corpus::{Batch, training_samples},
    matcher::LearnedModel,
    matcher::learned::train::fingerprint,
    responses::ResponseSet,
};

/// Why the set's learned model does not match what `confidant train` would build from these
/// batches and examples now, if it does not; `None` when it matches or the set has no model.
pub fn stale_model(set: &ResponseSet, batches: &[Batch]) -> Option<String> {
    let text = set.model_text.as_ref()?;
    let Ok(model) = LearnedModel::parse(text) else {
        return Some("cannot be read; run `confidant train`".into());
    };
    let now = fingerprint(&training_samples(set, batches), model.options());
    (model.inputs() != now).then(|| {
        "out of date: the corpus or the example questions changed since it was trained; run `confidant train`".into()
    })
}
