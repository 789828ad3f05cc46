#!/usr/bin/env bash
# Installs cargo-deny (the licence, duplicate and source checks of scripts/test.sh) from crates.io
# into a folder outside the clone, and prints the binary's path. Idempotent: the pinned version,
# once there, is reused (the first install builds it: about five minutes on two cores).
# CONFIDANT_TOOLS moves the folder.
set -euo pipefail
version="0.20.2"
root="${CONFIDANT_TOOLS:-$HOME/.cache/confidant/tools}/cargo-deny-$version"
bin="$root/bin/cargo-deny"
if ! [ -x "$bin" ] || ! "$bin" --version 2>/dev/null | grep -qx "cargo-deny $version"; then
  echo "installing cargo-deny $version into $root" >&2
  cargo install --quiet --locked --version "$version" --root "$root" cargo-deny >&2
fi
echo "$bin"
