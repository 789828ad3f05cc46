//! The `confidant` binary: parse, set up logging, dispatch, exit code.

#![recursion_limit = "256"]

mod commands;

use std::process::ExitCode;

use clap::Parser;
use confidant::{
    cli::{Cli, Command},
    matcher::learned::train::TrainOptions,
};

fn main() -> ExitCode {
    if let Err(e) = confidant::privacy::no_core_dumps() {
        eprintln!(
            "confidant: cannot turn off core dumps ({e}); a crash could write memory to disk"
        );
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            config,
            log_identifiers,
            new_identity,
        } => commands::run(&config, log_identifiers, new_identity),
        Command::Login {
            config,
            log_identifiers,
            device_code,
        } => commands::login(&config, log_identifiers, device_code),
        Command::Recover {
            config,
            log_identifiers,
            device_code,
        } => commands::recover(&config, log_identifiers, device_code),
        Command::RecoveryKey { config } => commands::recovery_key(&config),
        Command::Doctor { config } => commands::doctor(&config),
        Command::Reload { config } => commands::reload(&config),
        Command::Ask {
            question,
            json,
            explain,
            set,
        } => commands::ask(question, json, explain, &set),
        Command::Chat { set } => commands::chat(&set),
        Command::Check { corpus, set } => commands::check(&corpus, &set),
        Command::Train {
            corpus,
            min_count,
            l2,
            char_weight,
            audience_weight,
            set,
        } => commands::train(
            &corpus,
            TrainOptions {
                min_count,
                l2,
                char_weight,
                audience_weight,
                ..TrainOptions::default()
            },
            &set,
        ),
        Command::Eval {
            file,
            json,
            compare,
            misses,
            set,
        } => commands::eval(&file, json, compare, misses, &set),
        Command::Bench { file, set } => commands::bench(file.as_deref(), &set),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("confidant: {e:#}");
            ExitCode::FAILURE
        }
    }
}
