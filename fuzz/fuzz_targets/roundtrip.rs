//! Fuzz target `roundtrip`: see `roster_fuzz::roundtrip` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::roundtrip(data));
