//! The whole answering path in one value: the curated set, the matcher built from it, and what
//! is known of the instance. Built once, then used by `ask`, `chat`, `eval`, the running bot and
//! the tests, so they all answer exactly as the bot does.

use std::path::Path;

use jiff::Timestamp;

use crate::{
    matcher::{LearnedModel, Matcher, MatcherData, MatcherError, Outcome, TopicProfile},
    reply::{Clock, Composer, Instance},
    responses::{self, ResponseError, ResponseSet},
};

/// Why an answerer cannot be built. Neither kind ever holds message text.
#[derive(Debug, thiserror::Error)]
pub enum AnswererError {
    /// The response set does not load; every problem is listed.
    #[error(transparent)]
    Responses(#[from] ResponseError),
    /// `_matcher.toml` or the learned model cannot be used with this set.
    #[error("the matcher cannot be built from the response set: {0}")]
    Matcher(#[from] MatcherError),
}

/// The response set, its matcher and the instance, ready to answer.
#[derive(Debug)]
pub struct Answerer {
    set: ResponseSet,
    matcher: Matcher,
    instance: Instance,
}

impl Answerer {
    /// Builds the matcher for `set` (with the set's learned model when it has one).
    /// The model's text (megabytes) is dropped once parsed: the matcher holds the model.
    pub fn new(mut set: ResponseSet, instance: Instance) -> Result<Self, MatcherError> {
        let matcher = build_matcher(&set)?;
        set.model_text = None;
        Ok(Answerer {
            set,
            matcher,
            instance,
        })
    }

    /// Loads the set from `dir` (and the operator's `overlay`), then builds as [`Answerer::new`].
    pub fn load(
        dir: &Path,
        overlay: Option<&Path>,
        instance: Instance,
    ) -> Result<Self, AnswererError> {
        let set = responses::load(dir, overlay)?;
        Ok(Answerer::new(set, instance)?)
    }

    /// What the message is about. Never logs or keeps the text.
    pub fn classify(&self, text: &str) -> Outcome {
        self.matcher.classify(text)
    }

    /// The message the bot sends for `outcome` now: the clock the running bot, `ask` and `chat`
    /// answer by, for the "open now" notes of helplines with opening hours.
    pub fn compose(&self, outcome: &Outcome) -> String {
        self.composer(Clock::At(Timestamp::now())).compose(outcome)
    }

    /// The outcome for `text` and the message the bot sends for it now.
    pub fn answer(&self, text: &str) -> (Outcome, String) {
        let outcome = self.classify(text);
        let reply = self.compose(&outcome);
        (outcome, reply)
    }

    /// The composer for replies sent at `clock`, for the bot's fixed messages and menus.
    pub fn composer(&self, clock: Clock) -> Composer<'_> {
        Composer::new(&self.set, &self.instance, clock)
    }

    /// The curated set.
    pub fn set(&self) -> &ResponseSet {
        &self.set
    }

    /// The matcher, for `--explain` and evaluation.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// What is known of the instance.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }
}

/// Builds the matcher from a loaded set, with its learned model when the set has one.
pub fn build_matcher(set: &ResponseSet) -> Result<Matcher, MatcherError> {
    let data = MatcherData::parse(&set.matcher_toml)?;
    let matcher = Matcher::new(&profiles(set), &data)?;
    match &set.model_text {
        Some(text) => {
            let model =
                LearnedModel::parse(text).map_err(|e| MatcherError::Model(e.to_string()))?;
            matcher.with_model(model)
        }
        None => Ok(matcher),
    }
}

/// What the matcher needs of each topic.
pub fn profiles(set: &ResponseSet) -> Vec<TopicProfile> {
    set.topics()
        .iter()
        .map(|t| TopicProfile {
            id: t.id.clone(),
            number: t.number,
            keyword: t.keyword.clone(),
            examples: t.examples.clone(),
            adult_only: t.adult_only,
        })
        .collect()
}
