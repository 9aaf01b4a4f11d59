//! Fuzz target `params`: see `roster_fuzz::params` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::params(data));
