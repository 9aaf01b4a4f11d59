//! Fuzz target `check`: see `roster_fuzz::check` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::check(data));
