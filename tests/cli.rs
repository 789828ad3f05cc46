//! The offline commands as a newcomer runs them: the real binary, the repo's response set, no
//! homeserver.

use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

use confidant::responses::{self, ResponseSet};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn set() -> ResponseSet {
    responses::load(&repo().join("responses"), None).expect("the repo's set loads")
}

/// Runs `confidant args…` in the repo folder with `stdin` as its input.
fn confidant(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("confidant starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("confidant ends")
}

/// A scratch copy of the repo's response set, for tests that break or change a file.
fn responses_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(repo().join("responses")).expect("responses") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn ask_prints_the_curated_answer() {
    let out = confidant(
        &[
            "ask",
            "someone says they will post my nudes unless i pay them",
        ],
        "",
    );
    assert!(out.status.success());
    let answer = set()
        .get("sextortion")
        .expect("topic")
        .answer
        .trim()
        .to_owned();
    assert!(stdout(&out).starts_with(&answer), "{}", stdout(&out));
}

#[test]
fn ask_answers_each_stdin_line_on_one_line() {
    let out = confidant(
        &["ask"],
        "how do we sext more safely\nhello\ni sent a pic to the wrong chat\n",
    );
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let first = set()
        .get("safer-sexting")
        .expect("topic")
        .answer
        .trim()
        .to_owned();
    assert!(
        lines[0].starts_with(&first.replace('\n', "\\n")),
        "{}",
        lines[0]
    );
    assert!(lines.iter().all(|l| l.contains("\\n")), "breaks escaped");
}

#[test]
fn ask_json_names_the_topic_and_outcome() {
    let out = confidant(&["ask", "--json"], "my partner reads all my messages\n");
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("JSON");
    assert_eq!(value["outcome"], "topic");
    assert!(value["topic"].is_string());
    assert!(value["answer"].as_str().is_some_and(|a| !a.is_empty()));
}

#[test]
fn chat_greets_then_answers_until_an_empty_line() {
    let out = confidant(
        &["chat"],
        "is it legal to sext between adults\n\nnot read\n",
    );
    assert!(out.status.success());
    let text = stdout(&out);
    let set = set();
    let greeting = set.get("greeting").expect("topic").answer.trim();
    let legal = set.get("legal").expect("topic").answer.trim();
    assert!(text.starts_with(greeting), "{text}");
    assert!(text.contains(&format!("confidant>\n{legal}")), "{text}");
    assert_eq!(
        text.matches("confidant>").count(),
        1,
        "stops at the empty line"
    );
}

#[test]
fn chat_answers_the_frightened_parent_with_the_parents_answer() {
    // The project's seed question, verbatim.
    let seed = "Oh my gosh, I'm so worried! My child is on WhatsApp all the time. This \"sexting\" \
                thing sounds awful. What if they're doing that? Are there ways to make it totally \
                safe? Like, a button to delete everything forever? Or a way to know if someone is \
                lying? This is all so scary!";
    let out = confidant(&["chat"], &format!("{seed}\n\n"));
    assert!(out.status.success());
    let text = stdout(&out);
    let parents = set()
        .get("parents")
        .expect("topic")
        .answer
        .trim()
        .to_owned();
    assert!(text.contains(&format!("confidant>\n{parents}")), "{text}");
}

#[test]
fn check_passes_on_the_repo_set_and_names_a_broken_field() {
    let ok = confidant(&["check"], "");
    assert!(ok.status.success(), "{}", stdout(&ok));

    let dir = responses_copy();
    let legal = dir.path().join("legal.toml");
    let text = std::fs::read_to_string(&legal).expect("legal.toml");
    let broken = text.replacen("keyword = \"", "keyword = \"two words ", 1);
    assert_ne!(text, broken, "legal.toml has a keyword line");
    std::fs::write(&legal, broken).expect("written");
    let bad = confidant(
        &["check", "--responses", dir.path().to_str().expect("utf-8")],
        "",
    );
    assert!(!bad.status.success());
    let report = stdout(&bad) + String::from_utf8_lossy(&bad.stderr).as_ref();
    assert!(
        report.contains("legal.toml") && report.contains("keyword"),
        "{report}"
    );
}

#[test]
fn an_unknown_region_is_named() {
    let out = confidant(&["ask", "--region", "mars", "hello"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown region \"mars\""), "{err}");
}

#[test]
fn the_out_of_scope_answer_points_to_crisis_help_by_its_keyword() {
    let set = set();
    let crisis = set.get("crisis").expect("topic");
    let out = confidant(&["ask", "qwpoeiruty zmxncbv"], "");
    assert!(
        stdout(&out).contains(&format!("type **{}**", crisis.keyword)),
        "{}",
        stdout(&out)
    );
    let picked = confidant(&["ask", &crisis.keyword], "");
    assert!(stdout(&picked).starts_with(crisis.answer.trim()));
}

/// The `cargo run …` lines of the README's "Try it" block, as argument lists for the binary
/// (`cargo run`, `--release` and `--` dropped, trailing `# comments` cut, quotes honoured).
fn readme_try_it_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Try it"))
        .expect("README has a \"Try it\" section");
    section
        .lines()
        .filter_map(|line| line.trim().strip_prefix("cargo run "))
        .map(|line| {
            shell_words(line)
                .into_iter()
                .skip_while(|w| w != "--")
                .skip(1)
                .collect()
        })
        .collect()
}

/// Splits a shell line into words: single and double quotes group, an unquoted `#` starts a
/// comment. Enough for the README's command lines, which use nothing fancier.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut in_word) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => (quote, in_word) = (Some(c), true),
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn every_command_in_the_readmes_try_it_block_works() {
    let commands = readme_try_it_commands();
    assert_eq!(
        commands.first().map(|c| c.join(" ")).as_deref(),
        Some("chat"),
        "the README's first command is the terminal chat"
    );
    assert!(commands.len() >= 5, "found {commands:?}");
    for args in commands {
        // The shared dev set sits beside the repo on the team's machines, not in a clone.
        if let Some(file) = args.iter().find(|a| a.starts_with("../"))
            && !repo().join(file).exists()
        {
            eprintln!("skipped (no {file} here): {}", args.join(" "));
            continue;
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = confidant(&args, "hello\n\n");
        assert!(
            out.status.success(),
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !stdout(&out).trim().is_empty(),
            "`{}` printed nothing",
            args.join(" ")
        );
    }
}

#[test]
fn shell_words_honour_quotes_and_comments() {
    assert_eq!(
        shell_words(r#"-- ask --json "is wa encrypted"   # {"topic": 1}"#),
        ["--", "ask", "--json", "is wa encrypted"]
    );
    assert_eq!(shell_words("-- ask 'it''s'"), ["--", "ask", "its"]);
    assert_eq!(shell_words("a#b"), ["a#b"]);
}

#[test]
fn check_fails_when_the_model_is_older_than_its_examples() {
    let dir = responses_copy();
    let legal = dir.path().join("legal.toml");
    let text = std::fs::read_to_string(&legal).expect("legal.toml");
    let changed = text.replacen(
        "examples = [\n",
        "examples = [\n  \"is sexting legal where i live\",\n",
        1,
    );
    assert_ne!(text, changed, "legal.toml has an examples list");
    std::fs::write(&legal, changed).expect("written");
    let out = confidant(
        &["check", "--responses", dir.path().to_str().expect("utf-8")],
        "",
    );
    assert!(!out.status.success());
    let report = stdout(&out);
    assert!(
        report.contains("_model.tsv") && report.contains("confidant train"),
        "{report}"
    );
}

#[test]
fn reload_without_a_running_bot_says_so_and_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "homeserver = \"https://matrix.example.org\"\nuser_id = \"@bot:example.org\"\ndata_dir = \"data\"\n",
    )
    .unwrap();
    let out = confidant(&["reload", "--config", config.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no running bot holds"), "{err}");
    assert!(err.contains("confidant run --config"), "{err}");
}

#[test]
fn eval_misses_names_each_wrong_answer_by_file_and_line_but_never_reads_a_holdout() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("mine.jsonl");
    std::fs::write(
        &cases,
        concat!(
            r#"{"text": "someone is blackmailing me with my nudes", "expect": ["sextortion"]}"#,
            "\n\n",
            r#"{"text": "is whatsapp end to end encrypted", "expect": ["legal"]}"#,
            "\n",
        ),
    )
    .unwrap();
    let path = cases.to_str().unwrap();
    let out = confidant(&["eval", path, "--misses"], "");
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("answered wrong: 1 of 2"), "{text}");
    assert!(
        text.contains(&format!(
            "{path}:3  expected legal, answered encryption: is whatsapp end to end encrypted"
        )),
        "{text}"
    );
    assert!(!text.contains("blackmailing"), "{text}");

    let out = confidant(&["eval", path, "--misses", "--json"], "");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["misses"][0]["line"], 3);
    assert_eq!(json["misses"][0]["answered"], "encryption");
    assert_eq!(json["misses"].as_array().map(Vec::len), Some(1));

    // A sealed holdout is measured, never listed.
    let holdout = dir.path().join("holdout");
    std::fs::create_dir(&holdout).unwrap();
    std::fs::copy(&cases, holdout.join("h1.jsonl")).unwrap();
    let out = confidant(&["eval", holdout.to_str().unwrap(), "--misses"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sealed holdout"), "{err}");
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let out = confidant(&["eval", holdout.to_str().unwrap()], "");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn train_writes_its_tuning_knobs_into_the_model_and_check_accepts_it() {
    // The topics' example questions alone (an empty corpus folder), so it trains in seconds.
    let set_dir = responses_copy();
    let corpus = tempfile::tempdir().unwrap();
    let responses = set_dir.path().to_str().unwrap();
    let corpus_path = corpus.path().to_str().unwrap();
    let out = confidant(
        &[
            "train",
            "--corpus",
            corpus_path,
            "--responses",
            responses,
            "--min-count",
            "4",
            "--l2",
            "0.0001",
        ],
        "",
    );
    assert!(out.status.success(), "{out:?}");
    let model = std::fs::read_to_string(set_dir.path().join("_model.tsv")).unwrap();
    let options = model.lines().find(|l| l.starts_with("options ")).unwrap();
    assert!(
        options.starts_with("options min_count=4 l2=0.0001 "),
        "{options}"
    );
    // The staleness check reads the knobs back from the model, not from the defaults.
    let out = confidant(
        &["check", "--responses", responses, "--corpus", corpus_path],
        "",
    );
    assert!(out.status.success(), "{}", stdout(&out));
}
