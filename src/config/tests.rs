//! Config tests: a good file with its defaults, environment overrides, every problem named at
//! once, and secrets from the environment or files.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn problems(text: &str, e: &[(&str, &str)]) -> Vec<String> {
    match parse(text, Path::new("/etc/confidant"), &env(e)) {
        Err(ConfigError::Invalid(p)) => p.into_iter().map(|p| p.key).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

const GOOD: &str = r#"
    homeserver = "https://matrix.example.org/"
    user_id = "@confidant:example.org"
    data_dir = "data"
    region = "uk"
    [rooms]
    allowed_inviters = ["@alice:example.org", "example.net"]
"#;

#[test]
fn good_config_is_read_with_defaults() {
    let c = parse(GOOD, Path::new("/etc/confidant"), &env(&[])).unwrap();
    assert_eq!(c.homeserver, "https://matrix.example.org");
    assert_eq!(c.data_dir, PathBuf::from("/etc/confidant/data"));
    assert_eq!(c.responses_dir, PathBuf::from("/etc/confidant/responses"));
    assert_eq!(c.region, Region::Uk);
    assert_eq!(c.rooms.max_members, 25);
    assert!(c.rooms.notice_unencrypted);
    assert_eq!(c.menus, Menus::Poll);
    assert_eq!(
        c.rate_limit,
        RateLimit {
            burst: 5,
            per_minute: 10,
            global_burst: 30,
            global_per_minute: 120,
        }
    );
}

#[test]
fn env_overrides_file_values() {
    let e = [
        ("CONFIDANT_HOMESERVER", "http://127.0.0.1:8008"),
        ("CONFIDANT_USER_ID", "@bot:localhost"),
        ("CONFIDANT_DATA_DIR", "/var/lib/confidant"),
    ];
    let c = parse(GOOD, Path::new("/etc/confidant"), &env(&e)).unwrap();
    assert_eq!(c.homeserver, "http://127.0.0.1:8008");
    assert_eq!(c.user_id, "@bot:localhost");
    assert_eq!(c.data_dir, PathBuf::from("/var/lib/confidant"));
}

#[test]
fn plain_http_is_refused_except_on_this_machine() {
    for (url, ok) in [
        ("http://127.0.0.1:8008", true),
        ("http://127.0.0.53", true),
        ("http://localhost:8008/", true),
        ("http://[::1]:8008", true),
        ("https://matrix.example.org", true),
        ("http://matrix.example.org", false),
        ("http://192.168.1.5:8008", false),
        ("http://127.0.0.1.example.org", false),
        ("http://localhost.example.org:8008", false),
    ] {
        let text = GOOD.replace("https://matrix.example.org/", url);
        assert!(text.contains(url), "{url}: GOOD names the homeserver");
        let result = parse(&text, Path::new("/etc/confidant"), &env(&[]));
        assert_eq!(result.is_ok(), ok, "{url}: {result:?}");
    }
    let err = parse(
        &GOOD.replace("https://matrix.example.org/", "http://matrix.example.org"),
        Path::new("."),
        &env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("plain http; use https"), "{err}");
}

#[test]
fn every_problem_is_named_at_once() {
    let text = r#"
        homeserver = "matrix.example.org"
        user_id = "confidant"
        region = "mars"
        log_format = "xml"
        menus = "buttons"
        colour = "blue"
        password = "hunter2"
        [rooms]
        max_members = 1
        max_joins_per_inviter_per_hour = 0
        notice_unencrypted = "yes"
        allowed_inviters = ["not a server!"]
        leave_idle_after_days = -1
        [rate_limit]
        burst = 0
        [health]
        listen = "0.0.0.0:9090"
    "#;
    let keys = problems(text, &[]);
    for expected in [
        "homeserver",
        "user_id",
        "data_dir",
        "region",
        "log_format",
        "menus",
        "colour",
        "password",
        "rooms.max_members",
        "rooms.max_joins_per_inviter_per_hour",
        "rooms.notice_unencrypted",
        "rooms.allowed_inviters[0]",
        "rooms.leave_idle_after_days",
        "rate_limit.burst",
        "health.listen",
    ] {
        assert!(
            keys.contains(&expected.to_owned()),
            "{expected} not reported in {keys:?}"
        );
    }
}

#[test]
fn problem_message_lists_key_and_reason() {
    let err = parse("user_id = 3", Path::new("."), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("user_id: expected a string, found a integer"),
        "{err}"
    );
    assert!(
        err.contains("homeserver: missing; set it in the file or with CONFIDANT_HOMESERVER"),
        "{err}"
    );
}

#[test]
fn menus_are_polls_or_text_and_anything_else_is_named() {
    for (value, expected) in [("poll", Menus::Poll), ("text", Menus::Text)] {
        let text = format!("menus = \"{value}\"\n{GOOD}");
        let c = parse(&text, Path::new("."), &env(&[])).unwrap();
        assert_eq!(c.menus, expected, "{value}");
    }
    let text = format!("menus = \"Poll\"\n{GOOD}");
    let err = parse(&text, Path::new("."), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("menus: unknown menu style \"Poll\"; use \"poll\"")
            && err.contains("\"text\""),
        "{err}"
    );
}

#[test]
fn syntax_error_names_the_position() {
    let err = parse("homeserver = ", Path::new("."), &env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::Syntax { .. }));
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn secrets_come_from_env_or_files() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pass");
    std::fs::write(&f, "s3cret\n").unwrap();
    let s = Secrets::from_env(&env(&[(
        "CONFIDANT_STORE_PASSPHRASE_FILE",
        f.to_str().unwrap(),
    )]))
    .unwrap();
    assert_eq!(s.store_passphrase.expose(), "s3cret");
    assert!(s.password.is_none());
    assert!(s.recovery_key.is_none());
    assert!(format!("{s:?}").contains("<redacted>"));
    let k = dir.path().join("key");
    std::fs::write(&k, "EsTc LW2K\n").unwrap();
    let s = Secrets::from_env(&env(&[
        ("CONFIDANT_STORE_PASSPHRASE", "p"),
        ("CONFIDANT_RECOVERY_KEY_FILE", k.to_str().unwrap()),
    ]))
    .unwrap();
    assert_eq!(
        s.recovery_key.as_ref().map(|k| k.expose().as_str()),
        Some("EsTc LW2K")
    );
    assert!(!format!("{s:?}").contains("EsTc"));
}

#[test]
fn a_recovery_key_in_the_config_file_is_refused_with_its_variable() {
    let text = concat!(
        "homeserver = \"https://matrix.example.org\"\n",
        "user_id = \"@bot:example.org\"\n",
        "data_dir = \"/tmp/x\"\n",
        "recovery_key = \"EsTc LW2K\"\n",
    );
    let err = parse(text, Path::new("."), &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("set CONFIDANT_RECOVERY_KEY or CONFIDANT_RECOVERY_KEY_FILE"),
        "{err}"
    );
    assert!(!err.contains("EsTc"), "{err}");
}

#[test]
fn missing_or_conflicting_secrets_are_reported() {
    let err = Secrets::from_env(&env(&[])).unwrap_err().to_string();
    assert!(err.contains("CONFIDANT_STORE_PASSPHRASE: not set"), "{err}");
    let err = Secrets::from_env(&env(&[
        ("CONFIDANT_STORE_PASSPHRASE", "a"),
        ("CONFIDANT_STORE_PASSPHRASE_FILE", "/x"),
        ("CONFIDANT_PASSWORD_FILE", "/nonexistent/file"),
    ]))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("both CONFIDANT_STORE_PASSPHRASE and CONFIDANT_STORE_PASSPHRASE_FILE"),
        "{err}"
    );
    assert!(
        err.contains("CONFIDANT_PASSWORD_FILE: cannot read /nonexistent/file"),
        "{err}"
    );
}

#[test]
fn example_config_loads_with_env_overrides() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let c = load(&path, &env(&[])).unwrap();
    assert_eq!(c.rooms.max_members, 25);
    assert_eq!(c.rooms.max_joins_per_inviter_per_hour, 10);
    assert_eq!(
        c.rooms.leave_idle_after,
        Some(std::time::Duration::from_secs(30 * 86_400))
    );
}

#[test]
fn idle_rooms_are_left_after_whole_or_fractional_days_or_never() {
    let base = concat!(
        "homeserver = \"https://matrix.example.org\"\n",
        "user_id = \"@bot:example.org\"\n",
        "data_dir = \"/tmp/x\"\n",
        "[rooms]\n",
    );
    for (value, expected) in [
        ("7", Some(std::time::Duration::from_secs(7 * 86_400))),
        ("0.5", Some(std::time::Duration::from_secs(43_200))),
        ("0", None),
    ] {
        let text = format!("{base}leave_idle_after_days = {value}\n");
        let c = parse(&text, Path::new("/etc/confidant"), &env(&[])).unwrap();
        assert_eq!(c.rooms.leave_idle_after, expected, "{value}");
    }
    for bad in ["-1", "nan", "inf", "4000", "\"30d\""] {
        let text = format!("{base}leave_idle_after_days = {bad}\n");
        assert_eq!(
            problems(&text, &[]),
            vec!["rooms.leave_idle_after_days".to_owned()],
            "{bad}"
        );
    }
}

#[test]
fn bursts_wait_a_pause_within_a_longest_wait_or_not_at_all() {
    use std::time::Duration;
    let base = concat!(
        "homeserver = \"https://matrix.example.org\"\n",
        "user_id = \"@bot:example.org\"\n",
        "data_dir = \"/tmp/x\"\n",
    );
    let c = parse(base, Path::new("."), &env(&[])).unwrap();
    assert_eq!(c.bursts.pause, Duration::from_millis(1_500));
    assert_eq!(c.bursts.longest, Duration::from_secs(6));
    assert!(c.bursts.on());
    for (table, pause, longest) in [
        ("pause_seconds = 2\nlongest_seconds = 8.5", 2_000, 8_500),
        ("pause_seconds = 0", 0, 6_000),
    ] {
        let c = parse(
            &format!("{base}[bursts]\n{table}\n"),
            Path::new("."),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(c.bursts.pause, Duration::from_millis(pause), "{table}");
        assert_eq!(c.bursts.longest, Duration::from_millis(longest), "{table}");
    }
    let off = parse(
        &format!("{base}[bursts]\npause_seconds = 0\n"),
        Path::new("."),
        &env(&[]),
    );
    assert!(!off.unwrap().bursts.on());
    for (bad, key) in [
        ("pause_seconds = -1", "bursts.pause_seconds"),
        ("pause_seconds = nan", "bursts.pause_seconds"),
        ("pause_seconds = 11", "bursts.pause_seconds"),
        ("pause_seconds = \"1.5s\"", "bursts.pause_seconds"),
        ("longest_seconds = 1", "bursts.longest_seconds"),
        ("longest_seconds = 61", "bursts.longest_seconds"),
        ("wait = 1", "bursts.wait"),
    ] {
        assert_eq!(
            problems(&format!("{base}[bursts]\n{bad}\n"), &[]),
            vec![key.to_owned()],
            "{bad}"
        );
    }
}

#[test]
fn handoff_is_off_without_responders_and_each_responder_is_checked() {
    let base = concat!(
        "homeserver = \"https://matrix.example.org\"\n",
        "user_id = \"@bot:example.org\"\n",
        "data_dir = \"/tmp/x\"\n",
    );
    let off = parse(base, Path::new("."), &env(&[])).unwrap();
    assert!(off.responders.is_empty());
    let text = format!(
        "{base}[handoff]\nresponders = [\n  {{ user_id = \"@day:example.org\", hours = \"Mon-Fri 09:00-17:00\", tz = \"Europe/London\" }},\n  {{ user_id = \"@any:example.org\" }},\n]\n"
    );
    let c = parse(&text, Path::new("."), &env(&[])).unwrap();
    let ids: Vec<&str> = c.responders.iter().map(|r| r.user_id.as_str()).collect();
    assert_eq!(ids, ["@day:example.org", "@any:example.org"]);
    assert!(!c.responders[0].hours.is_always());
    assert!(
        c.responders[1].hours.is_always(),
        "no hours: always on hand"
    );
    for (bad, keys) in [
        (
            "responders = \"@a:example.org\"",
            vec!["handoff.responders"],
        ),
        (
            "responders = [\"@a:example.org\"]",
            vec!["handoff.responders[0]"],
        ),
        (
            "responders = [{ hours = \"24/7\" }]",
            vec!["handoff.responders[0].user_id"],
        ),
        (
            "responders = [{ user_id = \"counsellor\" }]",
            vec!["handoff.responders[0].user_id"],
        ),
        (
            "responders = [{ user_id = \"@a:example.org\", hours = \"Mon-Fri 9-5\", tz = \"Europe/London\" }]",
            vec!["handoff.responders[0].hours"],
        ),
        (
            "responders = [{ user_id = \"@a:example.org\", hours = \"Mon 09:00-17:00\" }]",
            vec!["handoff.responders[0].tz"],
        ),
        (
            "responders = [{ user_id = \"@a:example.org\", phone = 1 }]",
            vec!["handoff.responders[0].phone"],
        ),
        ("people = []", vec!["handoff.people"]),
    ] {
        let mut got = problems(&format!("{base}[handoff]\n{bad}\n"), &[]);
        got.sort();
        got.dedup();
        assert_eq!(got, keys, "{bad}");
    }
}
