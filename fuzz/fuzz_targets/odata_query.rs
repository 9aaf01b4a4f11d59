//! Fuzz target `odata_query`: see `roster_fuzz::odata_query` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::odata_query(data));
