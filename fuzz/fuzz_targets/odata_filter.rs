//! Fuzz target `odata_filter`: see `roster_fuzz::odata_filter` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::odata_filter(data));
