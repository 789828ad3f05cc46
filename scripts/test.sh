#!/usr/bin/env bash
# Runs every test: formatting, lints, unit tests, the matcher's property tests, and the
# end-to-end tests against a real Synapse (installed into a venv on first use and started by
# the tests themselves on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-synapse.sh
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# Plain `cargo test`, not --all-targets: that would also run the load benchmark (minutes; run it
# with `cargo bench --bench load`).
cargo test --locked
