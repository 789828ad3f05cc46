//! `scripts/demo.sh`, the one command for a local trial, run as a newcomer runs it: it starts its
//! own Synapse and bot, a client logs in with what it printed and gets an answer, and Ctrl-C
//! leaves nothing running.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use matrix_sdk::ruma::UserId;

use crate::{REPLY_WAIT, harness::User, is_answer_of};

/// Synapse's start, two registrations and the bot's first login, on a busy 2-core machine.
const READY_WAIT: Duration = Duration::from_secs(180);
/// The bot drains for at most 30 s, Synapse stops in a second or two.
const STOP_WAIT: Duration = Duration::from_secs(90);

/// The script, running in its own process group as a shell runs a foreground command, so a
/// signal to the group is what Ctrl-C at a terminal sends.
struct Demo {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: PathBuf,
}

impl Demo {
    /// Starts `scripts/demo.sh` with this test's `confidant` binary (no build of its own) and
    /// its temp folder under `tmp`.
    fn start(tmp: &Path) -> Demo {
        let stderr = tmp.join("demo.stderr");
        // Ctrl-C must reach the script's trap even when the tests themselves run with SIGINT
        // ignored (started in the background by a shell, or under nohup): a signal ignored when
        // bash starts cannot be trapped, so `env` gives the script the default ones back.
        let mut child = Command::new("env")
            .args(["--default-signal=INT,HUP,QUIT,TERM", "bash"])
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/demo.sh"))
            .env("CONFIDANT_BIN", env!("CARGO_BIN_EXE_confidant"))
            .env("TMPDIR", tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .process_group(0)
            .spawn()
            .expect("bash runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Demo {
            child,
            lines,
            stderr,
        }
    }

    /// The `key: value` lines printed before `ready`; panics with the script's stderr when
    /// `ready` does not come within `wait`.
    fn wait_ready(&mut self, wait: Duration) -> HashMap<String, String> {
        let deadline = Instant::now() + wait;
        let mut printed = HashMap::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.trim() == "ready" => return printed,
                Ok(line) => {
                    // `key: value` at the start of a line; the instructions around them are
                    // indented or have spaces before their colon.
                    if let Some((key, value)) = line.split_once(':')
                        && !key.is_empty()
                        && !key.contains(char::is_whitespace)
                    {
                        printed.insert(key.to_owned(), value.trim().to_owned());
                    }
                }
                Err(_) => panic!(
                    "the demo printed no `ready` (exit: {:?}):\n{}",
                    self.child.try_wait(),
                    self.stderr()
                ),
            }
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Ctrl-C: SIGINT to the script's process group. Whether it was sent.
    fn interrupt(&self) -> bool {
        Command::new("kill")
            .args(["-INT", "--", &format!("-{}", self.child.id())])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Waits for the script to exit; `None` when `wait` passed first.
    fn wait_exit(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }
}

impl Drop for Demo {
    /// A failed test still stops the demo the way a person would, so its Synapse and bot do not
    /// outlive the test run.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.interrupt();
            if self.wait_exit(STOP_WAIT).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

/// Every process this user can see whose command line or environment mentions `needle`, as
/// (pid, command line).
fn processes_mentioning(needle: &str) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let read = |what: &str| {
            std::fs::read(entry.path().join(what))
                .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
                .unwrap_or_default()
        };
        let cmdline = read("cmdline");
        if pid != std::process::id()
            && (cmdline.contains(needle) || read("environ").contains(needle))
        {
            found.push((pid, cmdline));
        }
    }
    found
}

/// Whether `pid` is still a live process (not gone, not a zombie).
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_script_answers_the_user_it_printed_and_ctrl_c_leaves_nothing_running() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::start(tmp.path());
    let printed = demo.wait_ready(READY_WAIT);
    let get = |key: &str| {
        printed
            .get(key)
            .unwrap_or_else(|| panic!("the demo printed no `{key}:` line: {printed:?}"))
            .clone()
    };
    let (homeserver, dir) = (get("homeserver"), get("dir"));
    let user = UserId::parse(get("user")).expect("a user id");
    let bot = UserId::parse(get("bot")).expect("a user id");
    let pids: Vec<u32> = ["bot-pid", "synapse-pid"]
        .iter()
        .map(|k| get(k).parse().expect("a pid"))
        .collect();
    assert!(
        homeserver.starts_with("http://127.0.0.1:"),
        "127.0.0.1 only: {homeserver}"
    );
    assert!(dir.starts_with(&tmp.path().display().to_string()), "{dir}");
    // The scan below finds the run's processes while they run, so its empty answer after
    // Ctrl-C means something.
    let running: Vec<u32> = processes_mentioning(&dir).iter().map(|p| p.0).collect();
    for pid in &pids {
        assert!(
            running.contains(pid),
            "{pid} not found by the scan: {running:?}"
        );
    }

    // A person with any Matrix client: log in with what was printed, open an encrypted DM.
    let person = User::login_with_password(&homeserver, &user, &get("password")).await;
    let room = person.create_room(&[&bot], true, true).await;
    person.wait_joined(&room, &bot).await;
    let question = "is sexting on whatsapp safe";
    person.say(&room, question).await;
    let replies = person.messages_from(&room, &bot, 1, REPLY_WAIT).await;
    let asked = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .args(["ask", "--json", question])
        .output()
        .expect("confidant ask runs");
    let asked: serde_json::Value = serde_json::from_slice(&asked.stdout).expect("json");
    let topic = asked["topic"].as_str().expect("a topic");
    assert_eq!(replies.len(), 1, "one answer: {replies:?}");
    assert!(
        is_answer_of(&replies[0], topic),
        "the {topic} answer, got: {}",
        replies[0]
    );
    drop(person);

    assert!(demo.interrupt(), "SIGINT sent");
    let status = demo.wait_exit(STOP_WAIT).unwrap_or_else(|| {
        let ps = Command::new("ps")
            .args(["-eo", "pid,ppid,pgid,stat,etime,args"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{}/status", demo.child.id()))
            .unwrap_or_default();
        panic!(
            "the demo did not stop on Ctrl-C:\n{}\n{status}\n{ps}",
            demo.stderr()
        )
    });
    assert!(status.success(), "{status}:\n{}", demo.stderr());
    let left = processes_mentioning(&dir);
    for (pid, _) in &left {
        // Not left behind by this test either.
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(left.is_empty(), "left running: {left:?}");
    for pid in pids {
        assert!(!is_running(pid), "{pid} still runs");
    }
    let port = homeserver.rsplit(':').next().expect("a port");
    assert!(
        std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err(),
        "nothing listens on {port} any more"
    );
    assert!(!Path::new(&dir).exists(), "{dir} removed");
    // Its TMPDIR holds only what this test put there: nothing else was left behind.
    let rest: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("temp dir")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "demo.stderr")
        .collect();
    assert!(rest.is_empty(), "left in TMPDIR: {rest:?}");
    assert!(demo.stderr().contains("removed"), "{}", demo.stderr());
}
