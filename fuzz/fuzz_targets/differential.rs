//! Fuzz target `differential`: see `roster_fuzz::differential` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::differential(data));
