//! Session tests: a stored session for another account or homeserver is refused, and one
//! process at a time holds the data dir.

use super::*;

#[test]
fn a_session_for_another_account_or_homeserver_is_refused() {
    let stored: SessionFile = serde_json::from_value(serde_json::json!({
        "homeserver": "https://matrix.example.org",
        "session": {
            "user_id": "@confidant:example.org",
            "device_id": "ABCDEFGHIJ",
            "access_token": "token-not-printed",
        },
    }))
    .expect("a session file");
    let env = |_: &str| None;
    let config = |homeserver: &str, user: &str| {
        crate::config::parse(
            &format!("homeserver = {homeserver:?}\nuser_id = {user:?}\ndata_dir = \"d\"\n"),
            Path::new("/etc/confidant"),
            &env,
        )
        .expect("valid config")
    };
    let path = Path::new("/data/session.json");
    let same = config("https://matrix.example.org/", "@confidant:example.org");
    check_stored(path, &stored, &same).expect("the same account and server");
    let other_user = config("https://matrix.example.org", "@other:example.org");
    let err = check_stored(path, &stored, &other_user)
        .unwrap_err()
        .to_string();
    assert!(err.contains("belongs to @confidant:example.org"), "{err}");
    let other_server = config("https://evil.example.net", "@confidant:example.org");
    let err = check_stored(path, &stored, &other_server)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("written for the homeserver https://matrix.example.org"),
        "{err}"
    );
    assert!(!err.contains("token-not-printed"), "{err}");
}

#[test]
fn one_holder_of_the_data_dir_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = lock_data_dir(dir.path()).expect("free");
    let pid = std::process::id();
    assert_eq!(
        fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap(),
        pid.to_string()
    );
    match lock_data_dir(dir.path()) {
        Err(LockError::Held { holder, .. }) => assert_eq!(holder, Some(pid)),
        other => panic!("a second lock was not refused: {other:?}"),
    }
    let text = lock_data_dir(dir.path()).unwrap_err().to_string();
    assert!(text.contains(&format!("(pid {pid})")), "{text}");
    drop(first);
    lock_data_dir(dir.path()).expect("free again once dropped");
}
