//! Device names learned from traffic.

use std::path::PathBuf;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::devices::DeviceKey;
use wirewatch_sensor::Sensor;

fn run(trace: &str) -> Sensor {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(trace);
    let mut r = CaptureReader::open(&p).unwrap();
    let mut s = Sensor::default();
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
    }
    s.finish();
    s
}

#[test]
fn dhcp_host_names_name_devices() {
    let s = run("ndpi/pcaps/android.pcap");
    let d = s.devices.devices();
    let mac = [0xd8, 0x30, 0x62, 0x56, 0x00, 0x1c];
    let dev = d
        .iter()
        .find(|x| x.key == DeviceKey::Mac(mac))
        .expect("the DHCP client");
    assert_eq!(dev.dhcp_name.as_deref(), Some("Lucas-iMac"));
    assert!(dev.first_ns > 0);
}

#[test]
fn dns_answers_name_internal_devices_only() {
    let s = run("zeek/traces/wikipedia.pcap");
    // Every answer in this trace is an internet address: no internal device gets a DNS name.
    assert!(s.devices.devices().iter().all(|d| d.dns_name.is_none()));
}

#[test]
fn netbios_name_service_names_devices() {
    let s = run("ndpi/pcaps/netbios.pcap");
    let d = s.devices.devices();
    let name_of = |ip: &str| {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        d.iter()
            .find(|x| x.ipaddrs.contains(&ip))
            .and_then(|x| x.netbios_name.clone())
    };
    // Positive name query responses in the trace (tshark: nbns.addr).
    assert_eq!(name_of("10.0.4.24").as_deref(), Some("GUNNAR"));
    assert_eq!(name_of("10.0.5.1").as_deref(), Some("GURU"));
    // Hosts that only ask get no name from their questions.
    assert_eq!(name_of("10.0.4.131"), None);
}

#[test]
fn cdp_announcements_name_devices() {
    // A Cisco access point announcing itself (tshark: cdp.deviceid).
    let s = run("ndpi/pcaps/capwap.pcap");
    let d = s.devices.devices();
    let ap = d
        .iter()
        .find(|x| x.key == DeviceKey::Mac([0xb8, 0x38, 0x61, 0xf3, 0x05, 0xac]))
        .expect("the access point");
    assert_eq!(ap.cdp_name.as_deref(), Some("APb838.61f3.05ac"));
    assert_eq!(d.iter().filter(|x| x.cdp_name.is_some()).count(), 1);
    // Traces without CDP name nobody that way.
    let s = run("ndpi/pcaps/netbios.pcap");
    assert!(s.devices.devices().iter().all(|x| x.cdp_name.is_none()));
}
