//! Packets through the whole sensor: decoding, fragment reassembly, the flow
//! table, TCP reassembly and every analyzer. Input: one byte choosing the link
//! type, then packets, each prefixed by its length (2 bytes, big endian).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewatch_sensor::capture::Packet;
use wirewatch_sensor::Sensor;
use wirewatch_wire::packet::Link;

const LINKS: [Link; 6] = [
    Link::Ethernet,
    Link::Raw,
    Link::LinuxSll,
    Link::LinuxSll2,
    Link::Null,
    Link::Loop,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let link = LINKS[usize::from(first) % LINKS.len()];
    let mut sensor = Sensor::new(1024);
    let mut ts: i64 = 1_600_000_000_000_000_000;
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        rest = &rest[2..];
        let take = n.min(rest.len());
        let (pkt, tail) = rest.split_at(take);
        rest = tail;
        ts += 1_000_000;
        sensor.packet(&Packet {
            ts_ns: ts,
            wire_len: pkt.len() as u32,
            link: Some(link),
            data: pkt,
        });
    }
    sensor.finish();
});
