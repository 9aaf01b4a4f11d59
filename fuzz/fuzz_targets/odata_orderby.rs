//! Fuzz target `odata_orderby`: see `roster_fuzz::odata_orderby` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::odata_orderby(data));
