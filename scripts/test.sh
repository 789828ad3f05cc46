#!/usr/bin/env bash
# Runs every test: formatting, lints, cargo-deny's checks, the Dockerfile's lint, unit tests,
# the matcher's property tests, and the end-to-end tests against a real Synapse (installed into
# a venv on first use and started by the tests themselves on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-synapse.sh
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# Licences, banned or duplicate crates, and sources (deny.toml); advisories need GitHub, which
# this machine cannot reach (see deny.toml).
deny=$(bash scripts/install-cargo-deny.sh)
"$deny" deny --log-level error check licenses bans sources
# The Dockerfile, linted (no Docker engine here to build it; tests/deploy.rs checks what it copies).
bash scripts/lint-dockerfile.sh
# Plain `cargo test`, not --all-targets: that would also run the load benchmark (minutes; run it
# with `cargo bench --bench load`).
cargo test --locked
# The README's first commands exactly as a newcomer types them (tests/cli.rs runs every line of
# its "Try it" block through the built binary; this checks that `cargo run` itself picks the bot).
chat=$(printf 'hi\n\n' | cargo run -q --locked -- chat)
grep -q 'confidant>' <<<"$chat" || { echo "README: \`cargo run -- chat\` gave no answer" >&2; exit 1; }
asked=$(cargo run -q --locked -- ask --json "is wa encrypted")
grep -q '"topic"' <<<"$asked" || { echo "README: \`cargo run -- ask --json\` gave no topic" >&2; exit 1; }
echo "README commands: ok"
