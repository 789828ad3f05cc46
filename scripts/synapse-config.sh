#!/usr/bin/env bash
# Writes a Synapse config for local use and tests into DIR: sqlite, 127.0.0.1 only, a
# registration shared secret, and rate limits raised so tests are not throttled.
# Usage: synapse-config.sh DIR PORT [SHARED_SECRET [AUTH_SERVICE_URL AUTH_SERVICE_SECRET]]
# With AUTH_SERVICE_URL, logins go through that authorization service (as with the Matrix
# Authentication Service): password login is off and it introspects every access token.
set -euo pipefail
dir="$1"; port="$2"; secret="${3:-confidant-local-secret}"
auth_url="${4:-}"; auth_secret="${5:-}"
venv="${CONFIDANT_SYNAPSE_VENV:-$HOME/.cache/confidant/synapse-venv}"
mkdir -p "$dir/media"
dir="$(cd "$dir" && pwd)"
cat > "$dir/log.yaml" <<YAML
version: 1
formatters:
  plain:
    format: '%(asctime)s %(levelname)s %(name)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    filename: $dir/homeserver.log
    formatter: plain
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
YAML
high='{per_second: 1000, burst_count: 1000}'
cat > "$dir/homeserver.yaml" <<YAML
server_name: "localhost"
public_baseurl: "http://127.0.0.1:$port/"
pid_file: "$dir/homeserver.pid"
listeners:
  - port: $port
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "$dir/homeserver.db"
log_config: "$dir/log.yaml"
media_store_path: "$dir/media"
signing_key_path: "$dir/signing.key"
registration_shared_secret: "$secret"
enable_registration: false
report_stats: false
enable_metrics: false
presence:
  enabled: false
trusted_key_servers: []
suppress_key_server_warning: true
rc_message: $high
rc_registration: $high
rc_login:
  address: $high
  account: $high
  failed_attempts: $high
rc_joins:
  local: $high
  remote: $high
rc_invites:
  per_room: $high
  per_user: $high
  per_issuer: $high
rc_admin_redaction: $high
rc_key_requests: $high
rc_3pid_validation: $high
rc_room_creation: $high
rc_reports: $high
rc_delayed_event_mgmt: $high
rc_presence:
  per_user: $high
YAML
if [ -n "$auth_url" ]; then
  cat >> "$dir/homeserver.yaml" <<YAML
password_config:
  enabled: false
matrix_authentication_service:
  enabled: true
  endpoint: "$auth_url"
  secret: "$auth_secret"
YAML
fi
if [ ! -f "$dir/signing.key" ]; then
  "$venv/bin/python" -m synapse.app.homeserver -c "$dir/homeserver.yaml" --generate-keys >/dev/null
fi
echo "$dir/homeserver.yaml"
