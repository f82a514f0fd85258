//! The application-layer parsers on arbitrary bytes: DNS (UDP message and TCP
//! stream), DHCP, NetBIOS name service, TLS handshake messages (every type, with the fingerprints).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewatch_wire::{cdp, dhcp, dns, nbns, tls};

fuzz_target!(|data: &[u8]| {
    let _ = dns::parse(data);
    let _ = dns::parse_tcp_stream(data);
    let _ = dhcp::parse(data);
    let _ = nbns::parse(data);
    let _ = cdp::parse(data);
    if let Some((&t, body)) = data.split_first() {
        let _ = tls::parse_handshake(t, body);
    }
});
