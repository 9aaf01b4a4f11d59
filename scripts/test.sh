#!/usr/bin/env bash
# The one test command (README "Test"; .ci/run runs exactly this). Needs only the Rust
# toolchain and PostgreSQL 15's initdb/pg_ctl on PATH: the tests start their own throwaway
# PostgreSQL cluster (as user `postgres` when run as root) and use embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
