//! The command line: what each subcommand takes. `main` parses this and dispatches.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::matcher::learned::train::TrainOptions;

/// confidant: private, judgment-free answers about sexting risks, consent and relationship
/// warning signs, in end-to-end encrypted Matrix rooms.
#[derive(Debug, Parser)]
#[command(name = "confidant", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot: log in (or restore the session), join rooms it is invited to, answer.
    Run {
        /// The config file (see config.example.toml).
        #[arg(long, short)]
        config: PathBuf,
        /// Also log the dependencies' messages, fields and spans, which name rooms, users,
        /// devices and display names. For one debugging run only: the default log names nobody.
        #[arg(long)]
        log_identifiers: bool,
        /// Log in as a new device when the data dir holds no session (with CONFIDANT_PASSWORD
        /// set). Users see a new device as a changed identity, so without this switch a missing
        /// session stops the bot: `login` is the usual first start.
        #[arg(long)]
        new_identity: bool,
    },
    /// One-time setup: log the bot in, store its session, set up cross-signing and print its
    /// recovery key once. Takes the password from CONFIDANT_PASSWORD(_FILE), or asks for it on a
    /// terminal.
    Login {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
        /// Also log the dependencies' messages, fields and spans, which name rooms, users,
        /// devices and display names. For one debugging run only: the default log names nobody.
        #[arg(long)]
        log_identifiers: bool,
        /// Log in without a password by the OAuth 2.0 device-code flow, on a homeserver whose
        /// logins go through an authorization server (the Matrix Authentication Service): it
        /// prints an address and a code to approve while signed in as the bot's account.
        #[arg(long)]
        device_code: bool,
    },
    /// After the data dir was lost: log in as a new device (CONFIDANT_PASSWORD or
    /// CONFIDANT_ACCESS_TOKEN, as for `login`) and restore the bot's identity from the recovery
    /// key `login` printed (CONFIDANT_RECOVERY_KEY(_FILE), or asked for on a terminal), so users
    /// who verified the bot see no change. Only on a data dir with no session.
    Recover {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
        /// Also log the dependencies' messages, fields and spans, which name rooms, users,
        /// devices and display names. For one debugging run only: the default log names nobody.
        #[arg(long)]
        log_identifiers: bool,
        /// Log the new device in by the OAuth 2.0 device-code flow, as `login --device-code`.
        #[arg(long)]
        device_code: bool,
    },
    /// Print a new recovery key for the bot's identity (one set up before recovery keys, or
    /// whose key was lost); it replaces any earlier key. Stop the bot first.
    RecoveryKey {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Ask the running bot (the `run` holding the config's data dir) to reload its responses:
    /// it checks them as `check` does and keeps the old set if they are not clean (its log says
    /// which file). The same as sending it SIGHUP.
    Reload {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Check the setup, one line per check (✓ or ✗ with the fix); exits non-zero on any ✗.
    Doctor {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Print the answer the bot would send, without a homeserver. With no question, read one
    /// message per line from stdin and print one answer per line (JSON-escaped with --json).
    Ask {
        /// The question; omit it to read lines from stdin.
        question: Option<String>,
        /// Print one JSON object per message, with at least "topic".
        #[arg(long)]
        json: bool,
        /// Show why a topic won: terms, scores, rules.
        #[arg(long)]
        explain: bool,
        /// Which response set.
        #[command(flatten)]
        set: SetArgs,
    },
    /// A conversation in the terminal with the same matcher and answers, no homeserver needed.
    Chat {
        /// Which response set.
        #[command(flatten)]
        set: SetArgs,
    },
    /// Validate the response set and print every problem, with file and field; also the
    /// training corpus (labels, duplicates, lengths) and whether the learned model is up to date.
    Check {
        /// The training corpus; skipped when the folder does not exist.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
        /// Which response set.
        #[command(flatten)]
        set: SetArgs,
    },
    /// Train the learned matcher from CORPUS/train and the topics' example questions, and write
    /// it to RESPONSES/_model.tsv. The same inputs give the same file, byte for byte.
    Train {
        /// The training corpus.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
        /// How many messages a feature must occur in to enter the model's dictionary (a tuning
        /// knob: higher gives a smaller model).
        #[arg(long, default_value_t = TrainOptions::default().min_count,
              value_parser = clap::value_parser!(u32).range(1..))]
        min_count: u32,
        /// L2 penalty (a tuning knob; the default is what the shipped model uses).
        #[arg(long, default_value_t = TrainOptions::default().l2)]
        l2: f64,
        /// Weight of the character n-gram block against the words.
        #[arg(long, default_value_t = TrainOptions::default().char_weight)]
        char_weight: f32,
        /// Loss weight of parent, helper and under-18 messages in the audience head.
        #[arg(long, default_value_t = TrainOptions::default().audience_weight)]
        audience_weight: f64,
        /// Which response set.
        #[command(flatten)]
        set: SetArgs,
    },
    /// Measure the matcher on labelled messages: a JSONL file of {"text", "expect": [topic
    /// ids]} lines, or a folder of them (e.g. corpus/test).
    Eval {
        /// The labelled messages: a file or a folder of .jsonl files.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also measure the matcher without its learned model (cues and example questions
        /// only), and print both side by side.
        #[arg(long)]
        compare: bool,
        /// Also list every message answered wrong, with its file and line, what it expected
        /// and what it got (for curators; refused on a sealed holdout folder, whose lines are
        /// not to be read).
        #[arg(long)]
        misses: bool,
        /// Which response set.
        #[command(flatten)]
        set: SetArgs,
    },
    /// Time the matcher: per-message median and p99, load time, and synthetic larger sets.
    Bench {
        /// Messages to time, as JSONL with a "text" field or one per line; default: every
        /// example question of the set.
        file: Option<PathBuf>,
        /// Which response set.
        #[command(flatten)]
        set: SetArgs,
    },
}

/// Which response set to use offline.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The response folder.
    #[arg(long, default_value = "responses")]
    pub responses: PathBuf,
    /// An overlay folder of local response files that replace topics by id.
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    /// Which region's resources come first: us, uk, eu, au, ca or intl.
    #[arg(long, default_value = "us")]
    pub region: String,
}
