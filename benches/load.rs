//! Load and latency benchmark against a real Synapse (not part of the test run).
//!
//! Starts Synapse, then for each of two bots — a bare matrix-sdk echo bot (the floor of this
//! stack) and confidant — N users in N encrypted DMs send M questions each, one after another,
//! each waiting for its answer. Every reply is a rich reply, so each is matched to the question
//! it answers. Reports: questions answered, extra replies (a second answer to a question, or a
//! reply to nothing), "slow down" notices, latency from send to the decrypted reply (p50, p99),
//! the bot's idle and peak RSS, its RSS every 500 messages, and its CPU time; then confidant's
//! p50 as a ratio of the floor's.
//!
//! Each simulated user asks a question every couple of seconds, faster than the example
//! config's per-sender flood limit allows (5, then 10 a minute), so confidant runs here with
//! that limit raised to its maximum; the flood limit has its own end-to-end test.
//!
//! `cargo bench --bench load` (N=50, M=10); LOAD_USERS and LOAD_MESSAGES change N and M, e.g.
//! LOAD_USERS=50 LOAD_MESSAGES=100 for the 5,000-message RSS run.

#![recursion_limit = "256"]

#[allow(dead_code)]
#[path = "../tests/e2e/harness.rs"]
mod harness;

use std::{
    collections::HashMap,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use harness::{Bot, Reply, Synapse, User};
use matrix_sdk::ruma::OwnedEventId;
use tokio::sync::Semaphore;

struct Run {
    name: &'static str,
    expected: usize,
    answered: usize,
    extra: usize,
    slow_down: usize,
    latencies: Vec<Duration>,
    idle_rss_kb: u64,
    peak_rss_kb: u64,
    rss_samples: Vec<(usize, u64)>,
    cpu: Duration,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    // Index 0 is field 3 (the state letter), so utime and stime are at 11 and 12.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let ticks = field(11) + field(12);
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux.
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

const QUESTIONS: &[&str] = &[
    "is sexting on whatsapp safe if its encrypted",
    "my partner keeps pushing me to send nudes",
    "how do i turn off saving photos to my gallery",
    "can they screenshot a view once pic",
    "what are the signs my partner is controlling",
    "is it legal to sext between adults",
    "how do i talk about boundaries before sexting",
    "i sent a pic to the wrong chat",
    "how can we sext more safely",
    "who can i talk to about this",
];

/// How long one question may wait for its answer before it counts as unanswered.
const REPLY_WAIT: Duration = Duration::from_secs(60);

/// Replies to one user's questions.
#[derive(Default)]
struct Tally {
    per_question: HashMap<OwnedEventId, usize>,
    orphans: usize,
    slow_down: usize,
}

impl Tally {
    fn add(&mut self, replies: Vec<Reply>, slow_down: &str) {
        for reply in replies {
            if reply.body == slow_down {
                self.slow_down += 1;
                continue;
            }
            match reply.in_reply_to {
                Some(id) => *self.per_question.entry(id).or_default() += 1,
                None => self.orphans += 1,
            }
        }
    }
}

async fn run(synapse: &Synapse, name: &'static str, users: usize, messages: usize) -> Run {
    let mut bot = Bot::new(synapse);
    bot.edit_config("burst = 5", "burst = 1000");
    bot.edit_config("per_minute = 10", "per_minute = 6000");
    bot.edit_config("global_burst = 30", "global_burst = 100000");
    bot.edit_config("global_per_minute = 120", "global_per_minute = 600000");
    if name == "echo floor" {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_confidant-echo-floor"));
        cmd.arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"));
        bot.start_command(synapse, cmd);
    } else {
        bot.start(synapse);
    }
    let pid = bot.pid().expect("running");
    let ids = synapse.register_many("load", users);
    let setup = Arc::new(Semaphore::new(8));
    let mut rooms = Vec::new();
    for id in ids {
        let bot_id = bot.user_id.clone();
        let setup = setup.clone();
        let url = synapse.url.clone();
        rooms.push(tokio::spawn(async move {
            let _permit = setup.acquire().await;
            let synapse_url = url;
            let user = User::login_url(&synapse_url, &id).await;
            let room = user.create_room(&[&bot_id], true, true).await;
            user.wait_joined(&room, &bot_id).await;
            (user, room)
        }));
    }
    let mut pairs = Vec::new();
    for r in rooms {
        pairs.push(r.await.expect("setup"));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_rss_kb = proc_status(pid, "VmRSS:");
    let cpu_before = cpu_time(pid);

    let slow_down: Arc<str> = harness::response_set().messages.slow_down.into();
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (user, room) in pairs {
        let bot_id = bot.user_id.clone();
        let sent = sent.clone();
        let samples = samples.clone();
        let slow_down = slow_down.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut tally = Tally::default();
            for i in 0..messages {
                let start = Instant::now();
                let question = user.say(&room, QUESTIONS[i % QUESTIONS.len()]).await;
                let total = sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                if total.is_multiple_of(500) {
                    samples
                        .lock()
                        .unwrap()
                        .push((total, proc_status(pid, "VmRSS:")));
                }
                let answers = |got: &[Reply]| {
                    got.iter()
                        .any(|r| r.in_reply_to.as_ref() == Some(&question))
                };
                let replies = user.replies_from(&room, &bot_id, REPLY_WAIT, answers).await;
                if answers(&replies) {
                    latencies.push(start.elapsed());
                }
                tally.add(replies, &slow_down);
            }
            // Anything arriving within a few more seconds would be late or a second answer.
            let late = user
                .replies_from(&room, &bot_id, Duration::from_secs(5), |_| false)
                .await;
            tally.add(late, &slow_down);
            (latencies, tally)
        }));
    }
    let mut latencies = Vec::new();
    let (mut answered, mut extra, mut slow_down) = (0, 0, 0);
    for t in tasks {
        let (l, tally) = t.await.expect("user task");
        latencies.extend(l);
        answered += tally.per_question.len();
        extra += tally.orphans + tally.per_question.values().map(|n| n - 1).sum::<usize>();
        slow_down += tally.slow_down;
    }
    latencies.sort();
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    let peak_rss_kb = proc_status(pid, "VmHWM:");
    let mut rss_samples = samples.lock().unwrap().clone();
    rss_samples.sort();
    bot.stop();
    Run {
        name,
        expected: users * messages,
        answered,
        extra,
        slow_down,
        latencies,
        idle_rss_kb,
        peak_rss_kb,
        rss_samples,
        cpu,
    }
}

fn report(r: &Run) {
    println!("{}:", r.name);
    println!(
        "  answered {}/{} (extra replies: {}, slow-down notices: {}), latency p50 {:.1} ms, p99 {:.1} ms",
        r.answered,
        r.expected,
        r.extra,
        r.slow_down,
        percentile(&r.latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&r.latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "  RSS idle {:.1} MB, peak {:.1} MB, CPU {:.2} s",
        r.idle_rss_kb as f64 / 1024.0,
        r.peak_rss_kb as f64 / 1024.0,
        r.cpu.as_secs_f64()
    );
    if !r.rss_samples.is_empty() {
        let list: Vec<String> = r
            .rss_samples
            .iter()
            .map(|(n, kb)| format!("{n}: {:.1} MB", *kb as f64 / 1024.0))
            .collect();
        println!("  RSS by messages sent: {}", list.join(", "));
    }
    if let [(first_n, first), .., (last_n, _)] = r.rss_samples[..] {
        let kbs = r.rss_samples.iter().map(|(_, kb)| *kb);
        let (lo, hi) = (kbs.clone().min().unwrap_or(0), kbs.max().unwrap_or(0));
        let pct = |kb: u64| (kb as f64 / first.max(1) as f64 - 1.0) * 100.0;
        println!(
            "  RSS from message {first_n} to {last_n}: {:+.1} % to {:+.1} % of the value at {first_n} (target within ±10 %)",
            pct(lo),
            pct(hi)
        );
    }
}

fn main() {
    // `cargo bench` passes --bench; nothing else is accepted.
    let users = env_usize("LOAD_USERS", 50);
    let messages = env_usize("LOAD_MESSAGES", 10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let synapse = Synapse::start();
        println!(
            "load benchmark: {users} users x {messages} questions, Synapse at {}",
            synapse.url
        );
        let floor = run(&synapse, "echo floor", users, messages).await;
        report(&floor);
        let confidant = run(&synapse, "confidant", users, messages).await;
        report(&confidant);
        let p50 = |r: &Run| percentile(&r.latencies, 0.5).as_secs_f64();
        println!(
            "confidant p50 / floor p50 = {:.2} (target <= 1.20)",
            p50(&confidant) / p50(&floor).max(1e-9)
        );
    });
}
