#!/usr/bin/env bash
# The fuzz smoke run (scripts/test.sh runs it): installs what it needs (the nightly toolchain
# and cargo-fuzz, if missing), seeds the corpora, builds every target and runs each for
# FUZZ_SECONDS seconds (default 5): every target `cargo fuzz list` names, which must include
# the EXPECTED ones below. A failure prints the fuzzer's log and the crashing input (saved
# under artifacts/<target>/).
set -euo pipefail
cd "$(dirname "$0")"
secs="${FUZZ_SECONDS:-5}"

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal || true
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || true
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    # No libFuzzer here: run the targets' bodies over the seeds as a plain test instead.
    echo "!!! cargo-fuzz or the nightly toolchain is unavailable: running the fuzz targets' bodies"
    echo "!!! over their seed corpora as a plain test (fuzz/tests/corpora.rs), WITHOUT fuzzing"
    exec cargo test --manifest-path Cargo.toml --test corpora
fi

./seed.sh
cargo +nightly fuzz build
EXPECTED="odata_filter odata_orderby odata_query mongo check roundtrip differential params"
listed=$(cargo +nightly fuzz list)
for t in $EXPECTED; do
    grep -qx "$t" <<<"$listed" || { echo "fuzz target $t is missing from fuzz/Cargo.toml"; exit 1; }
done
for t in $listed; do
    log="target/smoke-$t.log"
    mkdir -p target
    if cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 >"$log" 2>&1; then
        echo "fuzz $t: $(grep -Eo '#[0-9]+ *DONE.*' "$log" | tail -1 || tail -1 "$log")"
    else
        tail -60 "$log"
        echo "fuzz $t FAILED (full log: fuzz/$log)"
        exit 1
    fi
done
