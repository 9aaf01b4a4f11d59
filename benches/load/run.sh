#!/usr/bin/env bash
# Load test of the reference server (issue 6): throughput and latency percentiles of an
# identity page query and a directory CSV download, measured with wrk on loopback, bounded
# in time. Installs wrk from Debian's packages when missing. Writes benches/load/RESULTS.txt;
# copy the table into benches/RESULTS.md.
#
#   benches/load/run.sh [USERS] [SECONDS]     # defaults: 1000000 users per profile, 15 s per run
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-1000000}
secs=${2:-15}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p roster-cli
data=target/load-data-$users
mkdir -p "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s)
target/release/roster serve --users "$users" --addr "127.0.0.1:$port" --data-dir "$data" --per-minute 100000000 \
  >"$data/server.out" 2>"$data/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$port/openapi.json" >/dev/null 2>&1; do
  kill -0 $server 2>/dev/null || { cat "$data/server.err"; exit 1; }
  sleep 1
done
ready=$(( $(date +%s) - start ))
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['principals'][0]['token'])" "$data/access.json")
out=benches/load/RESULTS.txt
{
  echo "# roster serve load test: $users users per profile, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# server ready after ${ready}s (includes generating and loading the data on a first start)"
  echo
  echo "## identity page: GET /identity/v1/users?limit=300&filter=userStatus ne 'UNVERIFIED' and createdAt gt '2021-06-01T00:00:00Z'"
  wrk -t2 -c4 -d"${secs}s" --timeout 60s --latency -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/identity/v1/users?limit=300&filter=userStatus%20ne%20%27UNVERIFIED%27%20and%20createdAt%20gt%20%272021-06-01T00:00:00Z%27"
  echo
  echo "## directory CSV: GET /api/v2/users/download?mfa=true&timezone=Asia/Kolkata (every match, streamed)"
  wrk -t1 -c2 -d"${secs}s" --timeout 60s --latency -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v2/users/download?mfa=true&timezone=Asia/Kolkata"
  echo
  echo "## server peak RSS"
  grep -E 'VmHWM' "/proc/$server/status" || true
} | tee "$out"
