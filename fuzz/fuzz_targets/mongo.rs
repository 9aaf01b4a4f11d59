//! Fuzz target `mongo`: see `roster_fuzz::mongo` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::mongo(data));
