//! Records stored before records took the ExtraHop formats' names: a store
//! holding them (segments with `names` = 0, documents as the code of before
//! wrote them) reads them with the new names, filters and sorts them on
//! both names, and writes new records to segments of their own.

use crate::records::RecordQuery;
use crate::tests::temp_store;
use crate::{NewRecord, Store};
use serde_json::{json, Value};
use wirewatch_model::device_filter::DeviceFilter;
use wirewatch_model::record::{self, Record};
use wirewatch_model::record_filter::{RecordContext, RecordFilter};

/// Knows one custom device, `PH-10.9.0.1`.
struct Ctx;
impl RecordContext for Ctx {
    fn device_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
        None
    }
    fn group_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
        None
    }
    fn filter_ips(
        &self,
        _: &DeviceFilter,
    ) -> std::result::Result<Vec<std::net::IpAddr>, wirewatch_model::Error> {
        Ok(vec![])
    }
    fn locality_nets(&self, _: &str) -> Option<Vec<ipnet::IpNet>> {
        None
    }
    fn custom_device(&self, d: &str) -> Option<String> {
        (d == "PH-10.9.0.1").then(|| d.to_string())
    }
}

fn flow(t: i64, client: &str, server: &str, bytes: (u64, u64)) -> NewRecord {
    NewRecord {
        time_ms: t,
        devices: Default::default(),
        threat: Vec::new(),
        record: Record::Flow(record::Flow {
            age: 0.5,
            bytes: bytes.0 + bytes.1,
            pkts: 4,
            client_addr: client.parse().unwrap(),
            client_bytes: bytes.0,
            client_l2_bytes: bytes.0 + 28,
            client_mac: None,
            client_payload_bytes: 0,
            client_pkts: 2,
            client_port: 41_000,
            conn_state: "SF".into(),
            duration: 500.0,
            first_seen: t,
            flow_id: 0xbb,
            history: "ShADadFf".into(),
            ipproto: "UDP".into(),
            l7proto: None,
            last_seen: t + 500,
            server_addr: server.parse().unwrap(),
            server_bytes: bytes.1,
            server_l2_bytes: bytes.1 + 28,
            server_mac: None,
            server_payload_bytes: 0,
            server_pkts: 2,
            server_port: 53,
            tunnel_client_addr: None,
            tunnel_server_addr: None,
            vlan: None,
        }),
    }
}

/// What the code of before wrote (keys in byte order, the custom device
/// appended), for a `~flow`, a `~ssl_open` and a `~dns_response`.
fn old_docs() -> [(&'static str, Value); 3] {
    [
        (
            "~flow",
            json!({"clientAddr": "10.9.0.1", "clientBytes": 300, "clientL2Bytes": 328,
                "clientMac": "00:11:22:33:44:55", "clientPayloadBytes": 100, "clientPkts": 2,
                "clientPort": 40_000, "connState": "SF", "duration": 1500.0, "firstSeen": 1000,
                "flowId": "00000000000000aa", "history": "ShADadFf", "ipproto": "TCP",
                "l7proto": "HTTP", "lastSeen": 2500, "serverAddr": "10.9.0.2", "serverBytes": 700,
                "serverL2Bytes": 728, "serverPayloadBytes": 500, "serverPkts": 3, "serverPort": 80,
                "client": {"type": "device", "value": ["PH-10.9.0.1"]}}),
        ),
        (
            "~ssl_open",
            json!({"clientAddr": "10.9.0.1", "clientPort": 40_001, "established": true,
                "flowId": "00000000000000ab", "host": "old.example.com", "ja4": "t13d1516h2_8daaf6152771_e5627efa2ab1",
                "serverAddr": "10.9.0.3", "serverPort": 443, "version": "TLSv1.3"}),
        ),
        (
            "~dns_response",
            json!({"answers": [], "authoritative": false, "clientAddr": "10.9.0.1", "clientPort": 5353,
                "flowId": "00000000000000ac", "id": 7, "qname": "gone.example.com", "qtype": "A",
                "rcode": "NXDOMAIN", "rtt": 1.5, "serverAddr": "10.9.0.4", "serverPort": 53, "ttls": []}),
        ),
    ]
}

/// A store as an old data directory is once migrated: one segment of the
/// names of before (`names` = 0) holding the three old documents (their
/// indexed columns as the old code filled them), then one new `~flow`.
fn old_store() -> (tempfile::TempDir, Store) {
    let (dir, store) = temp_store();
    let old = old_docs();
    store
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO record_segments(min_time, max_time, rows, first_id, last_id, created, written)
                 VALUES(1000, 1002, 3, 1, 3, 0, 0);
                 CREATE TABLE records_1 (id INTEGER PRIMARY KEY, type TEXT NOT NULL, time INTEGER NOT NULL,
                    client_addr TEXT, server_addr TEXT, client_port INTEGER, server_port INTEGER,
                    doc TEXT NOT NULL, client_v4 INTEGER, server_v4 INTEGER, qname TEXT, host TEXT);",
            )?;
            for (i, (kind, doc)) in old.iter().enumerate() {
                let ip = |k: &str| doc[k].as_str().unwrap().to_string();
                let v4 = |k: &str| i64::from(u32::from(ip(k).parse::<std::net::Ipv4Addr>().unwrap()));
                tx.execute(
                    "INSERT INTO records_1 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    rusqlite::params![
                        i as i64 + 1,
                        kind,
                        1000 + i as i64,
                        ip("clientAddr"),
                        ip("serverAddr"),
                        doc["clientPort"].as_i64(),
                        doc["serverPort"].as_i64(),
                        doc.to_string(),
                        v4("clientAddr"),
                        v4("serverAddr"),
                        doc["qname"].as_str(),
                        doc["host"].as_str(),
                    ],
                )?;
            }
            Ok(())
        })
        .unwrap();
    store
        .insert_records(&[flow(5000, "10.9.0.1", "10.9.0.5", (40, 60))])
        .unwrap();
    (dir, store)
}

/// Ids of the records a filter (and sort) finds, in the order returned.
fn find(store: &Store, filter: Value, sort: &[(&str, bool)]) -> Vec<u64> {
    let f: RecordFilter = serde_json::from_value(filter).unwrap();
    let c = f.compile("filter", &Ctx).unwrap();
    let (total, page) = store
        .search_records(&RecordQuery {
            from_ms: 0,
            until_ms: 10_000,
            types: vec![],
            filter: Some(&c),
            sort: sort.iter().map(|(f, d)| (f.to_string(), *d)).collect(),
            limit: 100,
            offset: 0,
        })
        .unwrap();
    assert_eq!(total, page.len() as u64);
    page.iter().map(|r| r.id).collect()
}

#[test]
fn old_records_read_with_the_new_names() {
    let (_dir, store) = old_store();
    assert_eq!(
        store.record_segment_count().unwrap(),
        2,
        "new records do not join a segment of the old names"
    );
    let (_, page) = store
        .search_records(&RecordQuery {
            from_ms: 0,
            until_ms: 10_000,
            types: vec![],
            filter: None,
            sort: vec![],
            limit: 10,
            offset: 0,
        })
        .unwrap();
    let by_id = |id: u64| &page.iter().find(|r| r.id == id).unwrap().fields;
    let f = by_id(1);
    for (k, v) in [
        ("senderAddr", json!("10.9.0.1")),
        ("senderPort", json!(40_000)),
        ("receiverAddr", json!("10.9.0.2")),
        ("receiverPort", json!(80)),
        ("senderBytes", json!(300)),
        ("receiverBytes", json!(700)),
        ("senderL2Bytes", json!(328)),
        ("senderMac", json!("00:11:22:33:44:55")),
        ("proto", json!("TCP")),
        ("bytes", json!(1000)),
        ("pkts", json!(5)),
        ("age", json!(1.5)),
        ("first", json!(1000)),
        ("last", json!(2500)),
        (
            "sender",
            json!({"type": "device", "value": ["PH-10.9.0.1"]}),
        ),
    ] {
        assert_eq!(f.get(k), Some(&v), "{k} in {f:?}");
    }
    for old in [
        "clientAddr",
        "serverPort",
        "ipproto",
        "firstSeen",
        "client",
        "clientBytes",
    ] {
        assert!(!f.contains_key(old), "{old} still in {f:?}");
    }
    let ssl = by_id(2);
    assert_eq!(ssl["serverName"], "old.example.com");
    assert_eq!(
        ssl["ja4Fingerprint"],
        "t13d1516h2_8daaf6152771_e5627efa2ab1"
    );
    assert!(!ssl.contains_key("host") && !ssl.contains_key("ja4"));
    let dns = by_id(3);
    assert_eq!(dns["isAuthoritative"], false);
    assert_eq!(dns["processingTime"], 1.5);
    assert_eq!(dns["error"], "NXDOMAIN");
    // The new record has the same names, written by the structs.
    let new = by_id(4);
    assert_eq!(new["senderAddr"], "10.9.0.1");
    assert_eq!(new["bytes"], 100);
    let only_old = ["senderMac", "sender", "l7proto"];
    let mut old_keys: Vec<&String> = f
        .keys()
        .filter(|k| !only_old.contains(&k.as_str()))
        .collect();
    let mut new_keys: Vec<&String> = new.keys().collect();
    old_keys.sort();
    new_keys.sort();
    assert_eq!(
        old_keys, new_keys,
        "old and new flows carry the same fields"
    );
}

#[test]
fn old_records_match_filters_and_sorts_on_both_names() {
    let (_dir, store) = old_store();
    let t = |field: &str, op: &str, operand: Value| json!({"field": field, "operator": op, "operand": operand});
    // Answered from the indexed columns (no document read)…
    assert_eq!(
        find(&store, t("senderAddr", "=", json!("10.9.0.1")), &[]),
        [4, 1]
    );
    assert_eq!(
        find(&store, t("clientAddr", "=", json!("10.9.0.1")), &[]),
        [4, 3, 2, 1]
    );
    assert_eq!(
        find(&store, t("sender", "=", json!("10.9.0.0/24")), &[]),
        [4, 3, 2, 1]
    );
    assert_eq!(find(&store, t("receiverPort", "=", json!(80)), &[]), [1]);
    assert_eq!(find(&store, t("serverPort", "=", json!(80)), &[]), [1]);
    assert_eq!(
        find(&store, t("serverName", "=", json!("old.example.com")), &[]),
        [2]
    );
    assert_eq!(
        find(&store, t("host", "=", json!("old.example.com")), &[]),
        [2]
    );
    // …and from the documents.
    for (new, old, operand, want) in [
        ("proto", "ipproto", json!("TCP"), vec![1]),
        ("proto", "ipproto", json!("UDP"), vec![4]),
        ("senderBytes", "clientBytes", json!(300), vec![1]),
        ("first", "firstSeen", json!(1000), vec![1]),
        ("isAuthoritative", "authoritative", json!(false), vec![3]),
        ("processingTime", "rtt", json!(1.5), vec![3]),
        (
            "ja4Fingerprint",
            "ja4",
            json!("t13d1516h2_8daaf6152771_e5627efa2ab1"),
            vec![2],
        ),
    ] {
        assert_eq!(
            find(&store, t(new, "=", operand.clone()), &[]),
            want,
            "{new}"
        );
        assert_eq!(find(&store, t(old, "=", operand), &[]), want, "{old}");
    }
    assert_eq!(find(&store, t("bytes", ">", json!(500)), &[]), [1]);
    assert_eq!(find(&store, t("error", "=", json!("NXDOMAIN")), &[]), [3]);
    // The custom device of the old `client` field is the flow's `sender`.
    for role in ["sender", "client"] {
        assert_eq!(
            find(&store, t(role, "=", json!("PH-10.9.0.1")), &[]),
            [1],
            "{role}"
        );
    }
    // Sorts on the new names and the old.
    let flows = json!({"field": "proto", "operator": "exists"});
    assert_eq!(find(&store, flows.clone(), &[("bytes", true)]), [1, 4]);
    assert_eq!(find(&store, flows.clone(), &[("bytes", false)]), [4, 1]);
    assert_eq!(
        find(&store, flows.clone(), &[("clientBytes", false)]),
        [4, 1]
    );
    assert_eq!(find(&store, flows, &[("serverPort", true)]), [1, 4]);
}
