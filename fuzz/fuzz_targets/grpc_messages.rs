#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reshell::fuzz_targets::grpc_messages(data));
