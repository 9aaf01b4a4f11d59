#!/usr/bin/env bash
# Runs schemathesis (PyPI, pinned, installed into target/schemathesis-venv) against the
# reference server's /openapi.json: every documented operation with generated and mutated
# requests, requiring zero server errors (5xx), responses that match the documented status
# codes, media types and schemas. Part of scripts/test.sh; loopback only, bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
cargo build --quiet --locked -p roster-cli
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/debug/roster serve --users 2000 --addr "127.0.0.1:$port" --data-dir "$work" --per-minute 1000000 \
  >"$work/server.out" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/openapi.json" >/dev/null 2>&1 && break
  sleep 0.5
done
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['principals'][0]['token'])" "$work/access.json")
# positive_data_acceptance is left out: a filter language rejects many schema-valid strings
# (`filter=ú}` is a 400 by design); everything else is checked.
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  -H "Authorization: Bearer $token" -H "X-Auth-Token: $token" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples 100 --seed 20261125 --workers 2
