//! Responses reloaded without a restart: on SIGHUP (`confidant reload` sends it), the running
//! bot reads `responses/` and the overlay again, checks them as `confidant check` does, and puts
//! the new set in place only when it is clean. Otherwise the old set stays and the log names each
//! file and field that is wrong. A reply being composed when the swap happens finishes with the
//! set it started with.

use std::{path::Path, sync::Arc};

use tokio::signal::unix::{Signal, SignalKind, signal};
use tracing::{info, warn};

use super::shared::Shared;
use crate::{
    answerer::Answerer,
    check,
    reply::Instance,
    responses::{self, Issue, MATCHER_FILE, ResponseError},
};

/// Loads the set in `dir` (with `overlay`) and checks it; the answerer for it when it is clean,
/// every problem otherwise.
pub fn load_checked(
    dir: &Path,
    overlay: Option<&Path>,
    instance: Instance,
) -> Result<Answerer, Vec<Issue>> {
    let set = match responses::load(dir, overlay) {
        Ok(set) => set,
        Err(ResponseError::Invalid(issues)) => return Err(issues),
        Err(e @ ResponseError::Folder { .. }) => {
            return Err(vec![Issue {
                file: dir.display().to_string(),
                field: String::new(),
                why: e.to_string(),
            }]);
        }
    };
    let issues = check::check_set(&set);
    if !issues.is_empty() {
        return Err(issues);
    }
    // `check_set` built the matcher already; this cannot fail after it, but is not assumed to.
    Answerer::new(set, instance).map_err(|e| {
        vec![Issue {
            file: MATCHER_FILE.to_owned(),
            field: String::new(),
            why: e.to_string(),
        }]
    })
}

/// Starts listening for SIGHUP, as early as the bot can: until then, SIGHUP's default would end
/// the process.
pub fn listen() -> Option<Signal> {
    let hangups = signal(SignalKind::hangup());
    if hangups.is_err() {
        warn!("cannot listen for SIGHUP; responses reload only with a restart");
    }
    hangups.ok()
}

/// Reloads the responses on every SIGHUP until the process ends.
pub async fn on_hangup(shared: Arc<Shared>, hangups: Option<Signal>) {
    let Some(mut hangups) = hangups else {
        return;
    };
    while hangups.recv().await.is_some() {
        info!("SIGHUP: reloading the responses");
        reload(&shared).await;
    }
}

/// Loads and checks the set off the async threads, then swaps it in or keeps the old one.
async fn reload(shared: &Shared) {
    let dir = shared.config.responses_dir.clone();
    let overlay = shared.config.overlay_dir.clone();
    let instance = shared.answerer().instance().clone();
    let loaded =
        tokio::task::spawn_blocking(move || load_checked(&dir, overlay.as_deref(), instance)).await;
    match loaded {
        Ok(Ok(answerer)) => {
            let topics = answerer.set().topics().len();
            shared.replace_answerer(answerer);
            info!(topics, "responses reloaded");
        }
        Ok(Err(issues)) => {
            for issue in &issues {
                warn!(file = %issue.file, field = %issue.field, why = %issue.why, "response set problem");
            }
            warn!(
                problems = issues.len(),
                "responses not reloaded; the set in use stays"
            );
        }
        Err(_) => warn!("the reload stopped; the set in use stays"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_of_repo_set() -> tempfile::TempDir {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("responses");
        let to = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&from).unwrap().flatten() {
            std::fs::copy(entry.path(), to.path().join(entry.file_name())).unwrap();
        }
        to
    }

    #[test]
    fn a_clean_set_loads_and_a_broken_one_names_its_file() {
        let dir = copy_of_repo_set();
        let answerer = load_checked(dir.path(), None, Instance::default()).expect("clean");
        assert!(answerer.set().get("thanks-bye").is_some());

        std::fs::write(dir.path().join("thanks-bye.toml"), "answer = \"unclosed").unwrap();
        let issues = load_checked(dir.path(), None, Instance::default()).unwrap_err();
        assert!(
            issues.iter().any(|i| i.file == "thanks-bye.toml"),
            "{issues:?}"
        );

        let gone = dir.path().join("not-there");
        let issues = load_checked(&gone, None, Instance::default()).unwrap_err();
        assert_eq!(issues.len(), 1);
        assert!(issues[0].why.contains("cannot read"), "{issues:?}");
    }

    #[test]
    fn a_set_that_loads_but_fails_check_is_refused() {
        let dir = copy_of_repo_set();
        let path = dir.path().join("_messages.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        // Loads (the key is there), but `check` wants {number} in it.
        let broken = text
            .lines()
            .map(|l| {
                if l.starts_with("whole_answer") {
                    "whole_answer = \"Type the number for the whole answer.\"".to_owned()
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&path, broken).unwrap();
        assert!(responses::load(dir.path(), None).is_ok());
        let issues = load_checked(dir.path(), None, Instance::default()).unwrap_err();
        assert!(
            issues.iter().any(|i| i.field == "whole_answer"),
            "{issues:?}"
        );
    }
}
