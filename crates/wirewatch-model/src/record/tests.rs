//! Record serialisation tests: key order, flow ids, and every record with
//! every field set (also read by the format tests).
use super::*;
use serde_json::json;

fn some() -> Option<Value> {
    Some(json!("x"))
}

/// Every record with every field set.
pub(super) fn full() -> Vec<Record> {
    let ip: IpAddr = "10.0.0.1".parse().unwrap();
    let s = || Some("x".to_string());
    vec![
        Record::Flow(Flow {
            age: 0.0015,
            bytes: 10,
            pkts: 16,
            client_addr: ip,
            client_bytes: 1,
            client_l2_bytes: 2,
            client_mac: s(),
            client_payload_bytes: 3,
            client_pkts: 4,
            client_port: 5,
            conn_state: "SF".into(),
            duration: 1.5,
            first_seen: 6,
            flow_id: 7,
            history: "ShAD".into(),
            ipproto: "TCP".into(),
            l7proto: s(),
            last_seen: 8,
            server_addr: ip,
            server_bytes: 9,
            server_l2_bytes: 10,
            server_mac: s(),
            server_payload_bytes: 11,
            server_pkts: 12,
            server_port: 13,
            tunnel_client_addr: Some(ip),
            tunnel_server_addr: Some(ip),
            vlan: Some(14),
        }),
        Record::DnsRequest(DnsRequest {
            client_addr: ip,
            client_port: 1,
            flow_id: 2,
            id: 3,
            qname: "a".into(),
            qtype: "A".into(),
            server_addr: ip,
            server_port: 53,
        }),
        Record::DnsResponse(DnsResponse {
            answers: Some(vec!["b".into()]),
            authoritative: Some(true),
            client_addr: ip,
            client_port: 1,
            error: s(),
            flow_id: 2,
            id: 3,
            qname: "a".into(),
            qtype: "A".into(),
            rcode: s(),
            rtt: Some(0.5),
            server_addr: ip,
            server_port: 53,
            timeout: Some(true),
            ttls: Some(vec![60]),
        }),
        Record::Http(Http {
            auth_scheme: s(),
            client_addr: ip,
            client_port: 1,
            content_type: s(),
            flow_id: 2,
            host: s(),
            method: "GET".into(),
            processing_time: Some(1.0),
            referer: s(),
            req_bytes: 3,
            rsp_bytes: 4,
            server_addr: ip,
            server_port: 80,
            status_code: Some(200),
            uri: "/".into(),
            user: s(),
            user_agent: s(),
            version: "1.1".into(),
        }),
        Record::Ftp(Ftp {
            args: "a".into(),
            client_addr: ip,
            client_port: 1,
            flow_id: 2,
            method: "USER".into(),
            server_addr: ip,
            server_port: 21,
            status_code: 331,
            status_text: "ok".into(),
            user: s(),
        }),
        Record::SslOpen(SslOpen {
            alpn: s(),
            certificate_issuer: s(),
            certificate_subject: s(),
            cipher_suite: s(),
            client_addr: ip,
            client_port: 1,
            established: true,
            flow_id: 2,
            host: s(),
            ja3_hash: s(),
            ja3s_hash: s(),
            ja4: s(),
            server_addr: ip,
            server_port: 443,
            version: s(),
        }),
        Record::SuricataFlow(Box::new(SuricataFlow {
            age: Some(1.5),
            bytes: some(),
            client_addr: some(),
            client_bytes: some(),
            client_pkts: some(),
            client_port: some(),
            community_id: some(),
            conn_state: some(),
            end_reason: some(),
            first_seen: Some(1),
            flow_id: some(),
            ipproto: some(),
            l7proto: some(),
            last_seen: Some(2),
            pkts: some(),
            server_addr: some(),
            server_bytes: some(),
            server_pkts: some(),
            server_port: some(),
            source: Source::Suricata,
            vlan: some(),
        })),
        Record::SuricataDnsRequest(Box::new(SuricataDns {
            answers: Some(vec![json!("a")]),
            authorities: some(),
            client_addr: some(),
            client_port: some(),
            community_id: some(),
            flow_id: some(),
            id: some(),
            ipproto: some(),
            qname: some(),
            qtype: some(),
            rcode: some(),
            server_addr: some(),
            server_port: some(),
            source: Source::Suricata,
            vlan: some(),
        })),
        Record::SuricataHttp(Box::new(SuricataHttp {
            client_addr: some(),
            client_port: some(),
            community_id: some(),
            content_type: some(),
            flow_id: some(),
            host: some(),
            ipproto: some(),
            method: some(),
            referer: some(),
            rsp_bytes: some(),
            server_addr: some(),
            server_port: some(),
            source: Source::Suricata,
            status_code: some(),
            uri: some(),
            user_agent: some(),
            version: some(),
            vlan: some(),
        })),
        Record::SuricataTls(Box::new(SuricataTls {
            certificate_fingerprint: some(),
            certificate_issuer: some(),
            certificate_subject: some(),
            client_addr: some(),
            client_port: some(),
            community_id: some(),
            flow_id: some(),
            host: some(),
            ipproto: some(),
            ja3_hash: some(),
            ja3s_hash: some(),
            ja4: some(),
            server_addr: some(),
            server_port: some(),
            source: Source::Suricata,
            version: some(),
            vlan: some(),
        })),
    ]
}

/// Serialised directly, a record is byte for byte what a `serde_json::Map`
/// of the same fields gives (keys in byte order): what was stored before.
#[test]
fn keys_in_byte_order() {
    for r in full() {
        let direct = serde_json::to_string(&r).unwrap();
        let via_map = serde_json::to_value(&r).unwrap().to_string();
        assert_eq!(direct, via_map, "{}", r.kind());
    }
}

#[test]
fn flow_ids_are_sixteen_hex_digits() {
    let Record::Flow(f) = &full()[0] else {
        unreachable!()
    };
    let v = serde_json::to_value(f).unwrap();
    assert_eq!(v["flowId"], "0000000000000007");
    assert_eq!(v["senderL2Bytes"], 2);
    assert_eq!(v["ja3sHash"], Value::Null);
    let back: Flow = serde_json::from_value(v).unwrap();
    assert_eq!(&back, f);
}

#[test]
fn record_devices_read_back_what_they_write() {
    let d = RecordDevices {
        client: vec!["A".into()],
        server: vec!["B".into(), "C".into()],
    };
    for kind in ["~flow", "~http"] {
        let doc: serde_json::Map<String, Value> =
            d.fields(kind).map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(RecordDevices::from_fields(kind, &doc), d, "{kind}");
    }
    let flow: serde_json::Map<String, Value> =
        d.fields("~flow").map(|(k, v)| (k.to_string(), v)).collect();
    assert!(flow.contains_key("sender") && !flow.contains_key("client"));
    let other = json!({"client": "10.0.0.1", "server": {"type": "ipaddr4", "value": "x"}});
    assert!(RecordDevices::from_fields("~http", other.as_object().unwrap()).is_empty());
}
