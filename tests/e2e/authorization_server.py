"""A small OAuth 2.0 authorization server for the end-to-end tests of the device-code login.

It stands where the Matrix Authentication Service stands next to a homeserver: Synapse is
configured to hand it every access token to introspect (`matrix_authentication_service`), and it
creates accounts and devices in Synapse through Synapse's own `/_synapse/mas/` API. It speaks
the parts of OAuth 2.0 that confidant uses: server metadata, dynamic client registration
(RFC 7591), the device authorization grant (RFC 8628) and refresh tokens with rotation.

What a person does in a browser is a test-only call: `POST /test/approve` (the operator approves
the code, signed in as an account) or `/test/deny`. `POST /test/token` gives a person's client a
token that does not expire, as MAS's compatibility tokens do.

Access tokens live `ACCESS_TTL` seconds, so a test sees the bot refresh them. Everything is kept
in memory and the server listens on 127.0.0.1 only.

Usage: authorization_server.py PORT SYNAPSE_URL SHARED_SECRET ACCESS_TTL
"""

import json
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, SYNAPSE, SECRET, ACCESS_TTL = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
BASE = f"http://127.0.0.1:{PORT}"
API_SCOPE = "urn:matrix:client:api:*"
DEVICE_SCOPE = "urn:matrix:client:device:"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

LOCK = threading.Lock()
CLIENTS = set()
CODES = {}  # device_code -> {"client_id", "scope", "user_code", "state", "localpart"}
ACCESS = {}  # access token -> {"localpart", "scope", "expires_at" (None: never)}
REFRESH = {}  # refresh token -> {"localpart", "scope", "client_id"}
COUNTS = {"device_token_grants": 0, "refresh_grants": 0, "refused_refresh": 0}

METADATA = {
    "issuer": BASE + "/",
    "authorization_endpoint": BASE + "/authorize",
    "token_endpoint": BASE + "/oauth2/token",
    "registration_endpoint": BASE + "/oauth2/registration",
    "revocation_endpoint": BASE + "/oauth2/revoke",
    "introspection_endpoint": BASE + "/oauth2/introspect",
    "device_authorization_endpoint": BASE + "/oauth2/device",
    "account_management_uri": BASE + "/account",
    "response_types_supported": ["code"],
    "response_modes_supported": ["query", "fragment"],
    "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT],
    "code_challenge_methods_supported": ["S256"],
    "token_endpoint_auth_methods_supported": ["none"],
}


def synapse(path, body):
    """POSTs to Synapse's API for the authorization service, with the shared secret."""
    request = urllib.request.Request(
        SYNAPSE + "/_synapse/mas/" + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + SECRET, "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).read()


def provision(localpart, scope):
    """Creates the account and the scope's device in Synapse (both calls are upserts)."""
    synapse("provision_user", {"localpart": localpart})
    for item in scope.split():
        if item.startswith(DEVICE_SCOPE):
            synapse("upsert_device", {"localpart": localpart, "device_id": item[len(DEVICE_SCOPE):]})


def issue(localpart, scope, client_id, ttl):
    """New access (and, for a client, refresh) tokens."""
    access = "mat_" + secrets.token_urlsafe(24)
    ACCESS[access] = {
        "localpart": localpart,
        "scope": scope,
        "expires_at": None if ttl is None else time.time() + ttl,
    }
    answer = {"access_token": access, "token_type": "Bearer", "scope": scope}
    if client_id is not None:
        refresh = "mar_" + secrets.token_urlsafe(24)
        REFRESH[refresh] = {"localpart": localpart, "scope": scope, "client_id": client_id}
        answer["refresh_token"] = refresh
        answer["expires_in"] = ttl
    return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

    def do_GET(self):
        if self.path == "/.well-known/openid-configuration":
            return self.reply(200, METADATA)
        if self.path == "/test/counts":
            with LOCK:
                return self.reply(200, COUNTS)
        self.reply(404, {"error": "not_found"})

    def do_POST(self):
        path, form = self.path, self.body()
        with LOCK:
            if path == "/oauth2/registration":
                client_id = "client_" + secrets.token_hex(8)
                CLIENTS.add(client_id)
                return self.reply(201, dict(form, client_id=client_id, client_id_issued_at=int(time.time())))
            if path == "/oauth2/device":
                if form.get("client_id") not in CLIENTS:
                    return self.reply(401, {"error": "invalid_client"})
                scope = form.get("scope", "")
                if API_SCOPE not in scope.split():
                    return self.reply(400, {"error": "invalid_scope"})
                device_code = secrets.token_urlsafe(24)
                user_code = secrets.token_hex(4).upper()
                CODES[device_code] = {
                    "client_id": form["client_id"],
                    "scope": scope,
                    "user_code": user_code,
                    "state": "pending",
                    "localpart": None,
                }
                return self.reply(200, {
                    "device_code": device_code,
                    "user_code": user_code,
                    "verification_uri": BASE + "/link",
                    "verification_uri_complete": BASE + "/link?code=" + user_code,
                    "expires_in": 300,
                    "interval": 1,
                })
            if path == "/oauth2/token":
                grant = form.get("grant_type")
                if grant == DEVICE_GRANT:
                    code = CODES.get(form.get("device_code", ""))
                    if code is None or code["client_id"] != form.get("client_id"):
                        return self.reply(400, {"error": "invalid_grant"})
                    if code["state"] == "pending":
                        return self.reply(400, {"error": "authorization_pending"})
                    if code["state"] == "denied":
                        return self.reply(400, {"error": "access_denied"})
                    del CODES[form["device_code"]]
                    COUNTS["device_token_grants"] += 1
                    return self.reply(200, issue(code["localpart"], code["scope"], code["client_id"], ACCESS_TTL))
                if grant == "refresh_token":
                    old = REFRESH.pop(form.get("refresh_token", ""), None)
                    if old is None or old["client_id"] != form.get("client_id"):
                        COUNTS["refused_refresh"] += 1
                        return self.reply(400, {"error": "invalid_grant"})
                    COUNTS["refresh_grants"] += 1
                    return self.reply(200, issue(old["localpart"], old["scope"], old["client_id"], ACCESS_TTL))
                return self.reply(400, {"error": "unsupported_grant_type"})
            if path == "/oauth2/introspect":
                if self.headers.get("Authorization") != "Bearer " + SECRET:
                    return self.reply(401, {"error": "invalid_client"})
                token = ACCESS.get(form.get("token", ""))
                if token is None or (token["expires_at"] is not None and token["expires_at"] <= time.time()):
                    return self.reply(200, {"active": False})
                answer = {
                    "active": True,
                    "scope": token["scope"],
                    "username": token["localpart"],
                    "sub": token["localpart"],
                }
                if token["expires_at"] is not None:
                    answer["expires_in"] = max(0, int(token["expires_at"] - time.time()))
                return self.reply(200, answer)
            if path == "/oauth2/revoke":
                ACCESS.pop(form.get("token", ""), None)
                REFRESH.pop(form.get("token", ""), None)
                return self.reply(200, {})
            if path in ("/test/approve", "/test/deny"):
                matches = [c for c in CODES.values() if c["user_code"] == form.get("user_code")]
                if not matches:
                    return self.reply(404, {"error": "no such code"})
                code = matches[0]
                if path == "/test/deny":
                    code["state"] = "denied"
                    return self.reply(200, {})
                provision(form["localpart"], code["scope"])
                code["state"], code["localpart"] = "approved", form["localpart"]
                return self.reply(200, {})
            if path == "/test/token":
                scope = f"{API_SCOPE} {DEVICE_SCOPE}{form['device_id']}"
                provision(form["localpart"], scope)
                return self.reply(200, issue(form["localpart"], scope, None, None))
        self.reply(404, {"error": "not_found"})


ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler).serve_forever()
