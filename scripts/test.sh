#!/usr/bin/env bash
# The one test command (README "Test"; .ci/run runs exactly this). Needs only the Rust
# toolchain and PostgreSQL 15's initdb/pg_ctl on PATH: the tests start their own throwaway
# PostgreSQL cluster (as user `postgres` when run as root) and use embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# Fuzz smoke run: seeds the corpora and runs every fuzz target for a few seconds (installs the
# nightly toolchain and cargo-fuzz when missing; without them, replays the corpora as a plain
# test and says so). Takes about five minutes on a fresh machine, mostly building.
bash fuzz/smoke.sh
# The reference server against its own /openapi.json: zero server errors, documented
# statuses, media types and schemas (installs schemathesis from PyPI into target/).
bash scripts/schemathesis.sh
