#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reshell::fuzz_targets::channel_input(data));
