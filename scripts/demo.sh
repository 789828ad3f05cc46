#!/usr/bin/env bash
# One command for a local trial of the real bot: a throwaway Synapse and the bot on 127.0.0.1,
# one test account to log in with from any Matrix client, and Ctrl-C to stop both and delete it
# all again.
#
# Usage: scripts/demo.sh [--port PORT] [--keep]
#   --port PORT  Synapse's port on 127.0.0.1 (default: a free one)
#   --keep       keep the trial's folder (accounts, keys, logs) after Ctrl-C
# CONFIDANT_BIN=path   use this confidant binary instead of building one (the e2e test passes
#                      its own; `CONFIDANT_BIN=target/release/confidant` for a release build)
#
# It builds the bot in debug, the build `cargo run -- chat` already made, so the demo starts in
# seconds instead of a release build's eight minutes; one person chatting does not need release
# speed. Everything (Synapse's database, the bot's data dir, secrets, logs) lives in one mktemp
# folder; the only things written outside it are the Synapse venv and cargo's target dir, the
# same caches the tests use. On Ctrl-C (or SIGTERM, SIGHUP) it stops the bot, then Synapse, and
# removes the folder; when something fails it keeps only the logs and says where they are.
#
# Output: `key: value` lines (homeserver, user, password, bot, bot-pid, synapse-pid, dir) on
# stdout and then a line `ready`, readable by people and by tests; progress goes to stderr.
# Linux only (setsid, /proc).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CONFIDANT_SYNAPSE_VENV:-$HOME/.cache/confidant/synapse-venv}"
python="${PYTHON:-python3}"
port=""
keep=0
user_name="alice"
bot_name="confidant"

while [ $# -gt 0 ]; do
  case "$1" in
    --port)
      port="${2:-}"
      case "$port" in
        ""|*[!0-9]*) echo "demo: --port takes a number, not '$port'" >&2; exit 2 ;;
      esac
      if [ "${#port}" -gt 5 ] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        echo "demo: --port takes a port from 1 to 65535, not $port" >&2; exit 2
      fi
      shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# The bot reads these from the environment; a real instance's settings in this shell must not
# leak into the trial (and _FILE beside the plain variable is an error).
unset CONFIDANT_HOMESERVER CONFIDANT_USER_ID CONFIDANT_DATA_DIR CONFIDANT_PASSWORD \
  CONFIDANT_PASSWORD_FILE CONFIDANT_STORE_PASSPHRASE CONFIDANT_STORE_PASSPHRASE_FILE

say() { echo "demo: $*" >&2; }

dir=""
synapse_pid=""
bot_pid=""
ready=0
failed_log=""

# Whether `pid` is a live process (our own children stay as zombies until reaped, and a zombie
# is not running).
running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != "Z" ]
}

# Stops one child: SIGTERM, up to `grace` seconds, then SIGKILL; reaps it.
stop() {
  local pid="$1" name="$2" grace="$3" waited=0
  [ -n "$pid" ] || return 0
  if running "$pid"; then
    say "stopping $name"
    kill -TERM "$pid" 2>/dev/null || true
    while running "$pid" && [ "$waited" -lt $((grace * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if running "$pid"; then
      say "$name did not stop within ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# On every exit: the bot first (it finishes replies in flight, which needs Synapse), then
# Synapse; then the folder goes, unless it was asked for or something failed.
finish() {
  local status="$1"
  trap '' INT TERM HUP
  stop "$bot_pid" "the bot" 40
  stop "$synapse_pid" "Synapse" 20
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    exit "$status"
  fi
  if [ -n "$failed_log" ] || { [ "$status" -ne 0 ] && [ "$status" -ne 130 ]; }; then
    # Only the logs stay: no accounts, keys or database of a trial that did not work.
    find "$dir" -type f ! -name '*.log' -delete 2>/dev/null || true
    find "$dir" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    say "logs kept in $dir${failed_log:+ (see $failed_log)}"
  elif [ "$keep" -eq 1 ]; then
    say "kept $dir (Synapse's database, the bot's data dir, logs); delete it when done"
  else
    rm -rf "$dir"
    say "stopped; removed $dir"
  fi
  exit "$status"
}
trap 'finish $?' EXIT
# Ctrl-C after `ready` is the normal way out: exit 0. Before it, an interrupted start: 130.
trap 'if [ "$ready" -eq 1 ]; then exit 0; else exit 130; fi' INT TERM HUP

# Fails with a message and, when given, the end of a log (our logs carry no conversation
# content: the bot's never does, and Synapse's is at WARNING).
die() {
  say "$1"
  if [ -n "${2:-}" ]; then
    failed_log="$2"
    if [ -s "$2" ]; then
      echo "--- last lines of $2:" >&2
      tail -n 20 "$2" >&2
      echo "---" >&2
    fi
  fi
  exit 1
}

command -v "$python" >/dev/null || die "needs $python (3.11 with venv) for Synapse"
command -v setsid >/dev/null || die "needs setsid (util-linux)"

# 1. The bot.
if [ -n "${CONFIDANT_BIN:-}" ]; then
  bin="$CONFIDANT_BIN"
  [ -x "$bin" ] || die "CONFIDANT_BIN=$bin is not an executable"
else
  command -v cargo >/dev/null || die "needs cargo (Rust 1.95: https://rustup.rs) to build the bot"
  say "building confidant (debug; the first build takes a few minutes)"
  # cargo names the binary it built; that honours CARGO_TARGET_DIR and any other target dir.
  bin="$(cd "$repo" && cargo build --locked --bin confidant --message-format=json-render-diagnostics |
    "$python" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "confidant":
        print(m["executable"])
')" || die "building the bot failed (cargo's errors are above)"
  [ -x "$bin" ] || die "cargo built no confidant binary"
fi

# 2. Synapse, in the venv the tests use (a second run reuses it).
bash "$repo/scripts/install-synapse.sh" >&2 || die "installing Synapse failed (see above)"

free_port() {
  "$venv/bin/python" -c '
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
print(s.getsockname()[1])
' "$1"
}
if [ -z "$port" ]; then
  port="$(free_port 0)" || die "cannot find a free port on 127.0.0.1"
else
  free_port "$port" >/dev/null ||
    die "port $port on 127.0.0.1 is in use; pass another --port, or none for a free one"
fi
url="http://127.0.0.1:$port"

dir="$(mktemp -d "${TMPDIR:-/tmp}/confidant-demo.XXXXXX")"
chmod 700 "$dir"
mkdir -m 700 "$dir/synapse" "$dir/secrets"
random() { "$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))'; }
(
  umask 077
  random >"$dir/secrets/bot-password"
  random >"$dir/secrets/user-password"
  random >"$dir/secrets/store-passphrase"
)
secret="$(random)"
bash "$repo/scripts/synapse-config.sh" "$dir/synapse" "$port" "$secret" >/dev/null ||
  die "writing Synapse's config failed"
config="$dir/synapse/homeserver.yaml"

say "starting Synapse on $url"
# setsid: a new session, so Ctrl-C at the terminal reaches only this script, which then stops
# the bot before Synapse (the bot needs Synapse to finish its replies in flight).
setsid "$venv/bin/python" -m synapse.app.homeserver -c "$config" \
  </dev/null >"$dir/synapse/stdout.log" 2>&1 &
synapse_pid=$!
deadline=$((SECONDS + 90))
until "$venv/bin/python" -c '
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/_matrix/client/versions", timeout=2)
' "$url" 2>/dev/null; do
  if ! running "$synapse_pid"; then
    if grep -qs "Address already in use" "$dir/synapse/stdout.log" "$dir/synapse/homeserver.log"; then
      die "port $port on 127.0.0.1 was taken before Synapse could use it; run again" \
        "$dir/synapse/stdout.log"
    fi
    die "Synapse stopped while starting" "$dir/synapse/homeserver.log"
  fi
  [ "$SECONDS" -lt "$deadline" ] || die "Synapse did not answer on $url within 90s" \
    "$dir/synapse/homeserver.log"
  sleep 0.5
done

# 3. The two accounts (the shared secret is read from Synapse's config; passwords from files,
# so they never appear in a process list).
register() {
  "$venv/bin/register_new_matrix_user" -c "$config" -u "$1" --password-file "$2" --no-admin \
    "$url" >>"$dir/register.log" 2>&1 || die "registering $1 failed" "$dir/register.log"
}
register "$bot_name" "$dir/secrets/bot-password"
register "$user_name" "$dir/secrets/user-password"

# 4. The bot: first login (its device and cross-signing), then run. The example config points
# at the response set in this repo; the environment gives it everything else.
export CONFIDANT_HOMESERVER="$url"
export CONFIDANT_USER_ID="@$bot_name:localhost"
export CONFIDANT_DATA_DIR="$dir/bot-data"
export CONFIDANT_STORE_PASSPHRASE_FILE="$dir/secrets/store-passphrase"
say "logging the bot in"
CONFIDANT_PASSWORD_FILE="$dir/secrets/bot-password" \
  "$bin" login --config "$repo/config.example.toml" </dev/null >"$dir/login.log" 2>&1 ||
  die "the bot's first login failed" "$dir/login.log"
rm -f "$dir/secrets/bot-password"
setsid "$bin" run --config "$repo/config.example.toml" </dev/null >"$dir/bot.log" 2>&1 &
bot_pid=$!
deadline=$((SECONDS + 60))
until grep -qs "logged in" "$dir/bot.log"; do
  running "$bot_pid" || die "the bot stopped while starting" "$dir/bot.log"
  [ "$SECONDS" -lt "$deadline" ] || die "the bot did not start within 60s" "$dir/bot.log"
  sleep 0.2
done

# 5. What to do now. The key: value lines are for tests too; keep their names.
if [ "$keep" -eq 1 ]; then
  at_exit="Ctrl-C stops the bot and Synapse; $dir stays (--keep)."
else
  at_exit="Ctrl-C stops the bot and Synapse and deletes $dir."
fi
password="$(cat "$dir/secrets/user-password")"
# From here on, Ctrl-C is the normal way out (the trap then exits 0).
ready=1
cat <<EOF

The bot is running on a throwaway Synapse, on this machine only.

homeserver:  $url
user:        @$user_name:localhost
password:    $password
bot:         @$bot_name:localhost
bot-pid:     $bot_pid
synapse-pid: $synapse_pid
dir:         $dir

To talk to it:
  1. Open a Matrix client on this machine (Element Desktop, nheko, ...). A phone cannot reach
     127.0.0.1 here, so Element X and other mobile apps do not work with this demo.
  2. Sign in as $user_name with the password above. Set the homeserver to $url
     exactly (in Element: "Edit" next to the server name), http and all: the server is called
     localhost but has no discovery file, so the address must be given in full.
  3. Start a direct message with @$bot_name:localhost (Element encrypts it by default) and ask,
     for example: is sexting on whatsapp safe

The bot's log: $dir/bot.log (no message text is ever in it).
$at_exit
ready
EOF

# Waits until a signal (handled by the trap) or until one of the two stops by itself.
wait -n || true
if ! running "$bot_pid"; then
  die "the bot stopped by itself" "$dir/bot.log"
fi
die "Synapse stopped by itself" "$dir/synapse/homeserver.log"
