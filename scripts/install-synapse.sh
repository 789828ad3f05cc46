#!/usr/bin/env bash
# Installs Synapse (matrix-synapse from PyPI) into a venv for the end-to-end tests and local trials.
# Idempotent: an existing venv with the pinned version is reused, so a second run costs a second.
# The venv lives outside the clone (shared by every checkout on this machine); CONFIDANT_SYNAPSE_VENV
# moves it.
set -euo pipefail
version="${SYNAPSE_VERSION:-1.163.2}"
venv="${CONFIDANT_SYNAPSE_VENV:-$HOME/.cache/confidant/synapse-venv}"
python="${PYTHON:-python3}"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import synapse, sys; sys.exit(0 if synapse.__version__ == '$version' else 1)" 2>/dev/null; then
  echo "synapse $version already installed in $venv"
  exit 0
fi
echo "installing matrix-synapse $version into $venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse==$version"
"$venv/bin/python" -c "import synapse; print('synapse', synapse.__version__, 'installed in $venv')"
