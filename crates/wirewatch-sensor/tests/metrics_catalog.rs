//! Every metric the roll-up produces is described in the model's metric
//! catalog (`wirewatch_model::metrics::CATALOG`, served at `/metrics/catalog`).

use std::path::PathBuf;
use wirewatch_model::metrics::CATALOG;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::metrics::MetricObject;
use wirewatch_sensor::Sensor;

fn shared(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
}

#[test]
fn rolled_up_metrics_are_in_the_catalog() {
    let mut seen = 0;
    for trace in [
        "zeek/traces/wikipedia.pcap",
        "zeek/traces/http/get.pcap",
        "zeek/traces/ftp/ipv6.pcap",
        "zeek/traces/tls/tls1.2.pcap",
        "zeek/traces/ipv6-fragmented-dns.pcap",
    ] {
        let mut r = CaptureReader::open(&shared(trace)).unwrap();
        let mut s = Sensor::default();
        while let Ok(Some(p)) = r.next_packet() {
            s.packet(&p);
        }
        s.finish();
        for (key, _) in s.metrics.drain() {
            let object = match key.object {
                MetricObject::Network => "network",
                MetricObject::DeviceIp(_)
                | MetricObject::DeviceMac(_)
                | MetricObject::Custom(_) => "device",
            };
            let listed = CATALOG.iter().any(|(o, c, names)| {
                *o == object && *c == key.category && names.contains(&key.name)
            });
            assert!(
                listed,
                "{trace}: {object} {}.{} is not in the metric catalog",
                key.category, key.name
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "the captures produced no metrics");
}
