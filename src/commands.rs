//! What each subcommand does: the edge where library errors become messages and exit codes.

use std::{
    io::{BufRead, IsTerminal, Write},
    path::Path,
    process::ExitCode,
};

use anyhow::{Context, bail};
use confidant::{
    answerer::{self, Answerer},
    bench, check,
    cli::SetArgs,
    config::{self, ProcessEnv, Region, Secrets},
    corpus, eval,
    logging::{self, LogOptions},
    matcher::{
        Outcome,
        learned::train::{self, TrainOptions},
    },
    matrix::{self, start::StartError},
    privacy::{self, Secret},
    reply::Instance,
    responses::{self, Issue},
    topics,
};

/// The answerer for the offline commands.
fn load_set(args: &SetArgs) -> anyhow::Result<Answerer> {
    let region = Region::try_from_code(&args.region).with_context(|| {
        format!(
            "unknown region {:?}; use one of us, uk, eu, au, ca, intl",
            args.region
        )
    })?;
    let instance = Instance {
        region,
        ..Instance::default()
    };
    Ok(Answerer::load(
        &args.responses,
        args.overlay.as_deref(),
        instance,
    )?)
}

/// `confidant run`.
pub fn run(
    config_path: &Path,
    log_identifiers: bool,
    new_identity: bool,
) -> anyhow::Result<ExitCode> {
    let config = config::load(config_path, &ProcessEnv);
    let secrets = Secrets::from_env(&ProcessEnv);
    // Both are checked before anything is written, and their problems reported together.
    let (config, secrets) = match (config, secrets) {
        (Ok(c), Ok(s)) => (c, s),
        (c, s) => {
            let faults = [
                c.err().map(StartError::Config),
                s.err().map(StartError::Secrets),
            ];
            let message: Vec<String> = faults.iter().flatten().map(worded).collect();
            bail!("{}\nnothing was started or written", message.join("\n"));
        }
    };
    logging::init(LogOptions {
        format: config.log_format,
        identifiers: log_identifiers,
    });
    privacy::install_panic_hook();
    let instance = Instance {
        region: config.region,
        homeserver: config.homeserver.clone(),
    };
    let answerer = Answerer::load(
        &config.responses_dir,
        config.overlay_dir.as_deref(),
        instance,
    )
    .map_err(|error| StartError::Responses {
        error,
        dir: config.responses_dir.clone(),
        overlay: config.overlay_dir.clone(),
    })
    .map_err(|e| anyhow::anyhow!(worded(&e)))?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime
        .block_on(matrix::bot::run(
            config,
            secrets,
            answerer,
            new_identity,
            shutdown_signal(),
        ))
        .map_err(with_fix)?;
    Ok(ExitCode::SUCCESS)
}

/// A start fault and its fix, as `doctor` words them.
fn worded(e: &StartError) -> String {
    format!("{e}\nfix: {}", e.fix())
}

/// The error, with its fix when it is a start fault.
fn with_fix(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<StartError>() {
        Some(start) => anyhow::anyhow!(worded(start)),
        None => e,
    }
}

/// The password for a new device: from the environment, or asked for on a terminal; none when
/// an access token starts the session instead.
fn login_password(
    config: &config::Config,
    secrets: &Secrets,
    command: &str,
) -> anyhow::Result<Option<Secret<String>>> {
    // A first session from an access token needs no password.
    if secrets.password.is_none() && secrets.access_token.is_some() {
        return Ok(None);
    }
    secret_or_asked(
        secrets.password.as_ref(),
        "password",
        &format!("password for {}: ", config.user_id),
        &format!(
            "no password: set CONFIDANT_PASSWORD or CONFIDANT_PASSWORD_FILE (or CONFIDANT_ACCESS_TOKEN where the homeserver has no password login), or run {command} on a terminal"
        ),
    )
    .map(Some)
}

/// A secret from the environment, else asked for (unechoed) on a terminal, else `missing`.
fn secret_or_asked(
    from_env: Option<&Secret<String>>,
    what: &str,
    prompt: &str,
    missing: &str,
) -> anyhow::Result<Secret<String>> {
    match from_env {
        Some(s) => Ok(s.clone()),
        None if std::io::stdin().is_terminal() => Ok(Secret::new(
            rpassword::prompt_password(prompt)
                .with_context(|| format!("cannot read the {what}"))?,
        )),
        None => bail!("{missing}"),
    }
}

/// Shows a new recovery key, the one time it is ever shown.
fn print_recovery_key(key: &Secret<String>) {
    println!("\nRecovery key (shown this once; it is stored nowhere, not on this machine either):");
    println!("\n    {}\n", key.expose());
    println!(
        "Write it down or keep it in a password manager, away from this server. If the data dir is ever lost,"
    );
    println!(
        "`confidant recover` with this key brings the bot's identity back on a new device, so users who verified"
    );
    println!(
        "it see no change. With the key and the account's login, anyone can act as the bot: guard it like the password."
    );
}

/// Shows the operator where to approve a device-code login.
fn show_device_code(user_id: &str) -> impl Fn(&matrix::session::DeviceCode) + '_ {
    move |code| {
        println!("To log the bot in, open this address in a browser, signed in as {user_id}:");
        match &code.verification_uri_complete {
            Some(complete) => {
                println!("\n    {complete}\n");
                println!(
                    "and check that it shows the code {} (or open {} and enter it).",
                    code.user_code, code.verification_uri
                );
            }
            None => {
                println!("\n    {}\n", code.verification_uri);
                println!("and enter the code {}.", code.user_code);
            }
        }
        println!(
            "The code runs out in {} minutes. Waiting for the approval...",
            code.expires_in.div_ceil(60)
        );
    }
}

/// `confidant login`.
pub fn login(
    config_path: &Path,
    log_identifiers: bool,
    device_code: bool,
) -> anyhow::Result<ExitCode> {
    let config = config::load(config_path, &ProcessEnv)?;
    let secrets = Secrets::from_env(&ProcessEnv)?;
    // With a session there is nothing to log in: the password only signs a device that is not
    // cross-signed yet, and is not asked for. The device-code login needs none.
    let password = if matrix::session::has_session(&config.data_dir) || device_code {
        secrets.password.clone()
    } else {
        login_password(&config, &secrets, "login")?
    };
    let show = show_device_code(&config.user_id);
    let show = device_code.then_some(&show as &dyn Fn(&matrix::session::DeviceCode));
    logging::init(LogOptions {
        format: config.log_format,
        identifiers: log_identifiers,
    });
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime
        .block_on(matrix::login::login(
            &config,
            &secrets,
            password.as_ref(),
            show,
        ))
        .map_err(with_fix)?;
    let data_dir = config.data_dir.display();
    match report.start {
        matrix::session::Start::FirstLogin => println!(
            "Logged in as {} on a new device, {}.",
            config.user_id, report.device_id
        ),
        matrix::session::Start::Restored => println!(
            "Already logged in as {} (device {}); nothing new stored.",
            config.user_id, report.device_id
        ),
        matrix::session::Start::LoggedInAgain => println!(
            "The homeserver had ended the session but kept the device: logged in again as {} on the same device, {}; the identity is unchanged.",
            config.user_id, report.device_id
        ),
    }
    if report.cross_signed {
        println!(
            "Cross-signing is set up and the device is signed: clients will see it as verified by its owner."
        );
    } else {
        println!(
            "Warning: the device is not cross-signed yet; run login again with the password set."
        );
    }
    println!("\nKeep these safe:");
    println!(
        "- the store passphrase (CONFIDANT_STORE_PASSPHRASE): without it the stores in {data_dir} cannot be opened,"
    );
    println!(
        "  and the bot must start over as a new device, which users will see as a changed identity;"
    );
    println!(
        "- the data dir {data_dir}: back it up. It holds the session and the encryption keys."
    );
    println!(
        "Server-side key backup stays off: the conversations' keys never leave this machine; the recovery key holds only the identity."
    );
    match &report.recovery_key {
        Ok(Some(key)) => print_recovery_key(key),
        Ok(None) => {}
        Err(why) => println!(
            "\nWarning: no recovery key was set up ({why}). When it suits, with the bot stopped, run `confidant recovery-key --config {}`.",
            config_path.display()
        ),
    }
    println!(
        "\nFrom now on `confidant run --config {}` needs no password.",
        config_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `confidant recover`.
pub fn recover(
    config_path: &Path,
    log_identifiers: bool,
    device_code: bool,
) -> anyhow::Result<ExitCode> {
    let config = config::load(config_path, &ProcessEnv)?;
    let secrets = Secrets::from_env(&ProcessEnv)?;
    if matrix::session::has_session(&config.data_dir) {
        // Said before asking for anything.
        return Err(with_fix(
            StartError::HasSession(config.data_dir.clone()).into(),
        ));
    }
    let key = secret_or_asked(
        secrets.recovery_key.as_ref(),
        "recovery key",
        "recovery key (as `confidant login` printed it): ",
        "no recovery key: set CONFIDANT_RECOVERY_KEY or CONFIDANT_RECOVERY_KEY_FILE to the key `confidant login` printed, or run recover on a terminal",
    )?;
    let password = if device_code {
        secrets.password.clone()
    } else {
        login_password(&config, &secrets, "recover")?
    };
    let show = show_device_code(&config.user_id);
    let show = device_code.then_some(&show as &dyn Fn(&matrix::session::DeviceCode));
    logging::init(LogOptions {
        format: config.log_format,
        identifiers: log_identifiers,
    });
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let device = runtime
        .block_on(matrix::login::recover(
            &config,
            &secrets,
            password.as_ref(),
            show,
            &key,
        ))
        .map_err(with_fix)?;
    println!(
        "Recovered: {} is back on a new device, {device}, signed by its own cross-signing identity; users who verified the bot see the same identity.",
        config.user_id
    );
    println!(
        "The recovery key stays the same. Start the bot with `confidant run --config {}`.",
        config_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `confidant recovery-key`.
pub fn recovery_key(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = config::load(config_path, &ProcessEnv)?;
    let secrets = Secrets::from_env(&ProcessEnv)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let key = runtime
        .block_on(matrix::login::new_recovery_key(&config, &secrets))
        .map_err(with_fix)?;
    println!(
        "A new recovery key for {} replaces any earlier one.",
        config.user_id
    );
    print_recovery_key(&key);
    Ok(ExitCode::SUCCESS)
}

/// `confidant reload`: SIGHUP to the `run` that holds the config's data dir.
pub fn reload(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = config::load(config_path, &ProcessEnv)?;
    let dir = &config.data_dir;
    let Some(pid) = matrix::session::running_pid(dir)? else {
        anyhow::bail!(
            "no running bot holds {}; nothing to reload\nfix: start it with `confidant run --config {}`",
            dir.display(),
            config_path.display()
        );
    };
    let pid = rustix::process::Pid::from_raw(pid as i32)
        .with_context(|| format!("{pid} is not a process id"))?;
    rustix::process::kill_process(pid, rustix::process::Signal::HUP)
        .with_context(|| format!("cannot signal the bot (pid {})", pid.as_raw_nonzero()))?;
    println!(
        "asked the bot (pid {}) to reload its responses; its log says whether the new set was taken",
        pid.as_raw_nonzero()
    );
    Ok(ExitCode::SUCCESS)
}

/// `confidant doctor`.
pub fn doctor(config_path: &Path) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let lines = runtime.block_on(matrix::doctor::doctor(config_path, &ProcessEnv));
    for line in &lines {
        println!("{line}");
    }
    let failed = lines.iter().filter(|l| !l.ok).count();
    if failed == 0 {
        println!("\nall {} checks passed", lines.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\n{failed} of {} checks failed", lines.len());
        Ok(ExitCode::FAILURE)
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers the bot still stops when killed; it just cannot drain.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("stop signal received");
}

/// `confidant ask`.
pub fn ask(
    question: Option<String>,
    json: bool,
    explain: bool,
    args: &SetArgs,
) -> anyhow::Result<ExitCode> {
    let answerer = load_set(args)?;
    // From stdin, one line per message: the answer's line breaks are escaped.
    let answer_one = |text: &str, one_line: bool, out: &mut dyn Write| -> anyhow::Result<()> {
        if explain {
            let explanation = answerer.matcher().explain(text);
            if json {
                writeln!(out, "{}", serde_json::to_string(&explanation)?)?;
            } else {
                writeln!(out, "{explanation}")?;
            }
            return Ok(());
        }
        let (outcome, reply) = answerer.answer(text);
        if json {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&json_answer(&outcome, &reply))?
            )?;
        } else if one_line {
            writeln!(out, "{}", reply.replace('\\', "\\\\").replace('\n', "\\n"))?;
        } else {
            writeln!(out, "{reply}")?;
        }
        Ok(())
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match question {
        Some(q) => answer_one(&q, false, &mut out)?,
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("cannot read stdin")?;
                answer_one(&line, true, &mut out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn json_answer(outcome: &Outcome, reply: &str) -> serde_json::Value {
    let audience = match outcome {
        Outcome::Topic { audience, .. } => Some(audience.id()),
        _ => None,
    };
    let (options, also) = match outcome {
        Outcome::Topic { also, .. } => (vec![], also.clone()),
        Outcome::Ambiguous { options } => (options.clone(), vec![]),
        Outcome::MenuPick { .. } | Outcome::OutOfScope | Outcome::TooLong => (vec![], vec![]),
    };
    serde_json::json!({
        "topic": outcome.topic(),
        "outcome": outcome.kind(),
        "options": options,
        "also": also,
        "audience": audience,
        "answer": reply,
    })
}

/// `confidant chat`.
pub fn chat(args: &SetArgs) -> anyhow::Result<ExitCode> {
    let answerer = load_set(args)?;
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "{}\n",
        answerer.compose(&Outcome::MenuPick {
            id: topics::GREETING.into()
        })
    )?;
    writeln!(
        out,
        "(type your question; an empty line or Ctrl-D ends the chat)"
    )?;
    loop {
        write!(out, "\nyou> ")?;
        out.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        let (_, reply) = answerer.answer(line.trim_end());
        writeln!(out, "\nconfidant>\n{reply}")?;
    }
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

/// `confidant check`.
pub fn check(corpus_dir: &Path, args: &SetArgs) -> anyhow::Result<ExitCode> {
    let mut issues = check::check_dir(&args.responses, args.overlay.as_deref())?;
    let set = responses::load(&args.responses, args.overlay.as_deref()).ok();
    if corpus_dir.is_dir() {
        let (batches, problems) = corpus::load_dir(corpus_dir, &corpus::SPLITS)?;
        let entries: usize = batches.iter().map(|b| b.entries.len()).sum();
        let mut problems = problems;
        problems.extend(corpus::duplicates(&batches));
        for p in problems {
            issues.push(Issue {
                file: format!("{}/{}", corpus_dir.display(), p.file),
                field: format!("line {}", p.line),
                why: p.why,
            });
        }
        if let Some(set) = &set
            && let Some(why) = check::stale_model(set, &batches)
        {
            issues.push(Issue {
                file: responses::MODEL_FILE.into(),
                field: String::new(),
                why,
            });
        }
        println!(
            "{}: {entries} labelled messages in {} batches",
            corpus_dir.display(),
            batches.len()
        );
    }
    if let Some(set) = &set {
        println!(
            "as sent: topic, written to, first screen (characters, reading grade), up to the end \
             of the longest region's help, whole message"
        );
        for m in check::as_sent(set) {
            println!(
                "  {:24} {:15} {:5} {:4.1}  {:5} ({})  {:5}",
                m.topic,
                m.field,
                m.first_screen,
                m.grade,
                m.with_local_help,
                m.region.code(),
                m.chars,
            );
        }
    }
    if issues.is_empty() {
        println!("{}: the response set is valid", args.responses.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} problem{} in {}:",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" },
        args.responses.display()
    );
    for issue in &issues {
        println!("  - {issue}");
    }
    Ok(ExitCode::FAILURE)
}

/// `confidant train`.
pub fn train(corpus_dir: &Path, options: TrainOptions, args: &SetArgs) -> anyhow::Result<ExitCode> {
    let set = responses::load(&args.responses, args.overlay.as_deref())?;
    let (batches, problems) = corpus::load_dir(corpus_dir, &["train"])?;
    if let Some(p) = problems.first() {
        bail!(
            "{} problem(s) in the corpus, the first: {p}; run `confidant check`",
            problems.len()
        );
    }
    let samples = corpus::training_samples(&set, &batches);
    let topics: Vec<String> = set.topics().iter().map(|t| t.id.clone()).collect();
    let started = std::time::Instant::now();
    let model = train::train(&samples, &topics, options)?;
    let out = args.responses.join(responses::MODEL_FILE);
    std::fs::write(&out, model.to_text())
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "trained on {} messages ({} from {} corpus batches) in {:.1} s: {} features; wrote {}",
        samples.len(),
        samples.len() - set.topics().iter().map(|t| t.examples.len()).sum::<usize>(),
        batches.len(),
        started.elapsed().as_secs_f64(),
        model.features(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `confidant eval`: a file of cases, or every `.jsonl` file of a folder in name order; with
/// `misses`, also every message answered wrong, by file and line.
pub fn eval(
    path: &Path,
    json: bool,
    compare: bool,
    misses: bool,
    args: &SetArgs,
) -> anyhow::Result<ExitCode> {
    if misses && is_holdout(path) {
        bail!(
            "{} is a sealed holdout: its lines are not to be read before its one measurement. \
             Measure it without --misses, then move it to corpus/test/ (corpus/README.md)",
            path.display()
        );
    }
    let answerer = load_set(args)?;
    let matcher = answerer.matcher();
    let mut files = vec![path.to_owned()];
    if path.is_dir() {
        files = std::fs::read_dir(path)
            .and_then(|d| d.map(|e| e.map(|e| e.path())).collect())
            .with_context(|| format!("cannot read {}", path.display()))?;
        files.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
        files.sort();
    }
    // Each case with the file it came from.
    let mut cases = Vec::new();
    let mut origins = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let parsed = eval::parse_cases(&text).with_context(|| format!("in {}", file.display()))?;
        origins.extend(std::iter::repeat_n(file.as_path(), parsed.len()));
        cases.extend(parsed);
    }
    let report = eval::evaluate(matcher, &cases);
    let baseline = compare.then(|| eval::evaluate(&matcher.without_model(), &cases));
    // What each wrong answer was asked, and where it is written.
    let wrong: Vec<_> = if misses {
        report
            .misses
            .iter()
            .map(|m| (origins[m.case - 1], &cases[m.case - 1], m))
            .collect()
    } else {
        Vec::new()
    };
    if json {
        let mut value = serde_json::json!({ "report": report, "without_model": baseline });
        if misses {
            value["misses"] = wrong
                .iter()
                .map(|(file, case, m)| {
                    serde_json::json!({
                        "file": file.display().to_string(),
                        "line": case.line,
                        "expect": m.expected,
                        "answered": m.answered,
                        "text": case.text,
                    })
                })
                .collect();
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("{report}");
        if let Some(baseline) = baseline {
            println!("\n{}", eval::SideBySide(&baseline, &report));
        }
        if misses {
            println!("\nanswered wrong: {} of {}", wrong.len(), cases.len());
        }
        for (file, case, m) in &wrong {
            println!(
                "  {}:{}  expected {}, answered {}: {}",
                file.display(),
                case.line,
                m.expected.join(" or "),
                m.answered,
                case.text.replace('\n', " ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `path` is in a sealed holdout folder (`corpus/holdout/` or a file in it).
fn is_holdout(path: &Path) -> bool {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    path.components().any(|c| c.as_os_str() == "holdout")
}

/// `confidant bench`.
pub fn bench(file: Option<&Path>, args: &SetArgs) -> anyhow::Result<ExitCode> {
    // Resident memory of the answerer as the bot loads it (set, matcher and model), measured
    // before anything else runs (Linux only).
    let before = bench::resident_bytes();
    let answerer = load_set(args)?;
    let loaded = before
        .zip(bench::resident_bytes())
        .map(|(b, a)| a.saturating_sub(b));
    let set = answerer.set();
    // The answerer drops the model's text once parsed; the timed builds below need it again.
    let model_text = responses::load(&args.responses, args.overlay.as_deref())?.model_text;
    // The model's own share, counted from the parts of the one the answerer holds: a second
    // resident-memory reading here would depend on which freed pages the allocator kept from
    // loading the set.
    let model_bytes = answerer.matcher().model_heap_bytes();
    let data = confidant::matcher::MatcherData::parse(&set.matcher_toml)?;
    let messages: Vec<String> = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| match serde_json::from_str::<serde_json::Value>(l) {
                    Ok(v) => v
                        .get("text")
                        .and_then(|t| t.as_str())
                        .unwrap_or(l)
                        .to_owned(),
                    Err(_) => l.to_owned(),
                })
                .collect()
        }
        None => set
            .topics()
            .iter()
            .flat_map(|t| t.examples.clone())
            .collect(),
    };
    let report = bench::run(
        &answerer::profiles(set),
        &data,
        model_text.as_deref(),
        &messages,
    );
    println!("{report}");
    if let Some(bytes) = loaded {
        println!(
            "resident memory added by loading the response set and matcher{} as the bot does: {:.1} MB",
            if answerer.matcher().has_model() {
                " with its learned model"
            } else {
                ""
            },
            bytes as f64 / 1e6
        );
    }
    if let Some(bytes) = model_bytes {
        println!(
            "heap held by the learned model alone (counted from its parts): {:.1} MB",
            bytes as f64 / 1e6
        );
    }
    Ok(ExitCode::SUCCESS)
}
