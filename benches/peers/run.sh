#!/usr/bin/env bash
# Roster's peer comparison, one command. Installs its own peers (a Python venv in
# benches/peers/.venv pinned by requirements.txt; mingo and sift in benches/peers/node_modules
# pinned by package-lock.json), builds Roster, generates the users, then runs the same
# workloads on the same data, one engine per process, one after another:
#
#   - count, page (sort createdAt desc, id; 300) and CSV export in Asia/Kolkata of
#     `userStatus ne 'UNVERIFIED' and createdAt gt 2021-06-01T00:00:00Z` over identity users:
#     Roster in memory (1 thread and 2 = all of this machine's cores), DuckDB and Polars (1
#     thread and all threads), SQLite with Roster's indexes and without (Roster's compiled SQL
#     and hand-written SQL; count and page), and PostgreSQL with Roster's indexes (a throwaway
#     cluster; Roster's SQL and hand-written SQL; count and page);
#   - the same count and page as a Mongo query in Roster (--dialect mongo), mingo and sift
#     (JavaScript objects, 1 thread);
#   - count and page of a Mongo query over as many `chat` users (seed 004's documents) in
#     Roster (the document evaluator), mingo and sift, checked to agree (CHAT=0 skips it);
#   - parse + compile of the filter to SQL text: python odata-query + SQLAlchemy against
#     Roster's parse + check + SQL criterion figure (benches/benches/frontend.rs).
#
#   benches/peers/run.sh [USERS] [REPS]      # default 1000000 users, 10 reps (JS: JS_REPS, 5)
#
# Environment: ROSTER=path uses an already built `roster` binary (default: cargo build
# --release -p roster-cli) and ROSTER_COMMIT names the commit it was built from; CRITERION=0
# skips the front-end criterion run (its last figure under target/criterion is used if there
# is one); PG=0 skips PostgreSQL; CHAT=0 skips the chat leg; PEERS_OUT sets the output directory
# (default target/peers). Results: one JSON file per engine, stages.txt (the load average at
# every stage), machine.txt and results.md (the tables with ratios) in the output directory.
#
# Timings on a busy machine mean little: stages.txt records how busy it was.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
REPS=${2:-10}
JS_REPS=${JS_REPS:-5}
OUT=${PEERS_OUT:-target/peers}
HERE=benches/peers
VENV=$HERE/.venv
TARGET_DIR=${CARGO_TARGET_DIR:-target}
mkdir -p "$OUT"
: >"$OUT/stages.txt"
stage() { echo "$(date -u +%T) $1 (load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT/stages.txt" >&2; }

stage "installing the peers"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
PY="$VENV/bin/python $HERE/peers.py"
JS="node $HERE/mongo.js"

if [ -z "${ROSTER:-}" ]; then
  stage "building roster"
  cargo build --release --quiet -p roster-cli
  ROSTER=$TARGET_DIR/release/roster
fi
if [ "${CRITERION:-1}" = 1 ]; then
  stage "criterion: parse + check + SQL of the filter"
  cargo bench --quiet -p roster-benches --bench frontend -- 'frontend/status_and_created/parse_check_sql' \
    --warm-up-time 1 --measurement-time 5 >&2
fi
CRIT="$TARGET_DIR/criterion/frontend_status_and_created/parse_check_sql/new/estimates.json"
if [ -f "$CRIT" ]; then cp "$CRIT" "$OUT/roster-frontend-estimates.json"; fi

DATA="$OUT/users-$USERS.jsonl"
if [ ! -s "$DATA" ]; then
  stage "generating $USERS identity users"
  $ROSTER generate --profile identity --users "$USERS" --seed 1 -o "$DATA"
fi

FILTER="userStatus ne 'UNVERIFIED' and createdAt gt 2021-06-01T00:00:00Z"
SORT="createdAt desc, id"
for t in 1 2; do
  stage "roster memory, $t thread(s)"
  $ROSTER bench --profile identity --data "$DATA" --filter "$FILTER" --sort "$SORT" --limit 300 \
    --export "$OUT/roster-$t.csv" --tz Asia/Kolkata --threads "$t" --reps "$REPS" --json "$OUT/roster-memory-$t.json"
done

# SQLite: Roster's DDL (with its indexes), and the same table without them.
stage "loading SQLite"
rm -f "$OUT/sqlite-indexed.db" "$OUT/sqlite-plain.db"
$ROSTER load --profile identity --data "$DATA" --db "sqlite:$OUT/sqlite-indexed.db"
cp "$OUT/sqlite-indexed.db" "$OUT/sqlite-plain.db"
"$VENV/bin/python" - "$OUT/sqlite-plain.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall():
    con.execute(f'DROP INDEX "{name}"')
con.commit()
con.execute("VACUUM")
PY
$ROSTER sql --profile identity --backend sqlite --filter "$FILTER" --sort "$SORT" --limit 300 >"$OUT/roster-page.sql"
for kind in indexed plain; do
  stage "roster sql on sqlite ($kind)"
  $ROSTER bench --profile identity --engine sqlite --db "sqlite:$OUT/sqlite-$kind.db" --filter "$FILTER" \
    --sort "$SORT" --limit 300 --reps "$REPS" --json "$OUT/roster-sqlite-$kind.json"
  stage "hand-written sql on sqlite ($kind)"
  $PY sqlite --db "$OUT/sqlite-$kind.db" --roster-sql "$OUT/roster-page.sql" --reps "$REPS" >"$OUT/peer-sqlite-$kind.json"
done

# PostgreSQL (when initdb and pg_ctl are on PATH; PG=0 skips it): a throwaway cluster on
# 127.0.0.1, as the tests make one (roster-testkit); Roster's DDL and load, ANALYZE, then
# roster bench --engine postgres and Roster's SQL next to hand-written SQL in one client.
if [ "${PG:-1}" = 1 ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  stage "starting a throwaway PostgreSQL and loading it"
  PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/roster-peers-pg.XXXXXX")
  PGPORT=${PGPORT:-55439}
  AS_PG=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PGDIR"; AS_PG=(runuser -u postgres --); fi
  "${AS_PG[@]}" initdb -D "$PGDIR/data" -A trust -U postgres --encoding=UTF8 --locale=C --no-sync >/dev/null
  "${AS_PG[@]}" pg_ctl -D "$PGDIR/data" -l "$PGDIR/log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  stop_pg() { "${AS_PG[@]}" pg_ctl -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
  trap stop_pg EXIT
  PGURL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
  $ROSTER load --profile identity --data "$DATA" --db "$PGURL"
  "$VENV/bin/python" -c "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute('ANALYZE')" "$PGURL"
  $ROSTER sql --profile identity --backend postgres --filter "$FILTER" --sort "$SORT" --limit 300 >"$OUT/roster-page-pg.sql"
  stage "roster sql on postgres"
  $ROSTER bench --profile identity --engine postgres --db "$PGURL" --filter "$FILTER" --sort "$SORT" --limit 300 \
    --reps "$REPS" --json "$OUT/roster-postgres.json"
  stage "hand-written sql on postgres"
  $PY postgres --db "$PGURL" --roster-sql "$OUT/roster-page-pg.sql" --reps "$REPS" >"$OUT/peer-postgres.json"
  stop_pg
  trap - EXIT
fi

for t in 1 2; do
  stage "duckdb, $t thread(s)"
  $PY duckdb --data "$DATA" --threads "$t" --export "$OUT/duckdb-$t.csv" --reps "$REPS" >"$OUT/peer-duckdb-$t.json"
  stage "polars, $t thread(s)"
  $PY polars --data "$DATA" --threads "$t" --export "$OUT/polars-$t.csv" --reps "$REPS" >"$OUT/peer-polars-$t.json"
done
stage "odata-query + SQLAlchemy"
$PY odata --reps 5 >"$OUT/peer-odata.json"

# The same question as a Mongo query: Roster's Mongo front end, then mingo and sift.
MQUERY='{"userStatus": {"$ne": "UNVERIFIED"}, "createdAt": {"$gt": {"$date": "2021-06-01T00:00:00Z"}}}'
MSORT='{"createdAt": -1, "id": 1}'
stage "roster memory, mongo dialect"
$ROSTER bench --profile identity --dialect mongo --data "$DATA" --filter "$MQUERY" --sort "$MSORT" --limit 300 \
  --threads 1 --reps "$REPS" --json "$OUT/roster-mongo-identity.json"
for e in mingo sift; do
  stage "$e (identity)"
  $JS --engine "$e" --data "$DATA" --query "$MQUERY" --sort "$MSORT" --dates createdAt,updatedAt,lastLogin \
    --key id --reps "$JS_REPS" >"$OUT/js-$e-identity.json"
done

# The chat profile (seed 004): documents with MongoDB's semantics. The same users in Roster
# (roster bench --profile chat: the document evaluator, in memory), mingo and sift (one
# JavaScript object per document, dates as Date): active admins with a verified address
# created after 2021-06-01 (a top-level boolean, an element of an array of strings, a member
# of an array of objects, a date), newest first. Count and page only: chat users have no
# CSV export (roster bench reports `"export": {"applicable": false}`). CHAT=0 skips it.
rm -f "$OUT/chat-skipped.txt" "$OUT/chat-bench.err" "$OUT/roster-mongo-chat.json" "$OUT/js-mingo-chat.json" \
  "$OUT/js-sift-chat.json"
if [ "${CHAT:-1}" = 1 ]; then
  CDATA="$OUT/chat-$USERS.jsonl"
  if [ ! -s "$CDATA" ]; then
    stage "generating $USERS chat users"
    $ROSTER generate --profile chat --users "$USERS" --seed 1 -o "$CDATA"
  fi
  CQUERY='{"active": true, "roles": "admin", "emails.verified": true, "createdAt": {"$gt": {"$date": "2021-06-01T00:00:00Z"}}}'
  CSORT='{"createdAt": -1, "_id": 1}'
  stage "roster memory, chat"
  $ROSTER bench --profile chat --dialect mongo --data "$CDATA" --filter "$CQUERY" --sort "$CSORT" --limit 300 \
    --reps "$REPS" --json "$OUT/roster-mongo-chat.json"
  for e in mingo sift; do
    stage "$e (chat)"
    $JS --engine "$e" --data "$CDATA" --query "$CQUERY" --sort "$CSORT" --dates createdAt,lastLogin \
      --key _id --reps "$JS_REPS" >"$OUT/js-$e-chat.json"
  done
else
  echo "CHAT=0: the chat leg was skipped" >"$OUT/chat-skipped.txt"
fi
stage "done"

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "kernel: $(uname -r); $(node --version | sed 's/^/node /'); $("$VENV/bin/python" --version)"
  echo "roster: $ROSTER (${ROSTER_COMMIT:-$(git describe --always --dirty 2>/dev/null || echo unknown)}); users: $USERS; reps: $REPS (JS: $JS_REPS)"
  echo "finished: $(date -u +%FT%TZ)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"
$PY report --dir "$OUT"
