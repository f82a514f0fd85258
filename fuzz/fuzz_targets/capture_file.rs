//! Capture files (pcap and pcapng headers, blocks, options) read in full, and
//! their packets analysed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::Sensor;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = CaptureReader::from_bytes(data.to_vec()) else {
        return;
    };
    let mut sensor = Sensor::new(256);
    for _ in 0..10_000 {
        match r.next_packet() {
            Ok(Some(p)) => sensor.packet(&p),
            _ => break,
        }
    }
    sensor.finish();
});
