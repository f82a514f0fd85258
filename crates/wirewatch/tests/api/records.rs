//! Records as the ExtraHop record formats name them, through the API on
//! traffic ingested from captures: `~flow`'s sender/receiver fields,
//! `proto`, `bytes`…; filters and sorts on the new names and on the old ones
//! (aliases); addresses typed; `GET /records/formats` listing every field a
//! record carries; and a data directory whose records have the old names.

use crate::common::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn shared(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
        .display()
        .to_string()
}

/// Captures with flows (TCP and UDP), DNS, HTTP, FTP over IPv6 and TLS
/// (with and without SNI).
fn captures() -> Vec<String> {
    [
        "zeek/traces/wikipedia.pcap",
        "zeek/traces/ftp/ipv6.pcap",
        "zeek/traces/tls/tls1.2.pcap",
        "ndpi/pcaps/ssl-cert-name-mismatch.pcap",
    ]
    .map(shared)
    .to_vec()
}

/// A data directory the captures were ingested into.
fn ingested() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest_into(dir.path(), &[], &captures());
    assert!(ok, "{out}\n{err}");
    dir
}

/// Every record of the types (all types when empty), in the store's order.
fn all(s: &Server, types: &[&str], filter: Option<Value>, sort: Option<Value>) -> Vec<Value> {
    let mut body = json!({"from": 1, "types": types, "limit": 10_000});
    if let Some(f) = filter {
        body["filter"] = f;
    }
    if let Some(o) = sort {
        body["sort"] = o;
    }
    let r = s.post("/api/v1/records/search", body);
    assert_eq!(r.status, 200, "{}", r.text);
    let recs = r.body["records"].as_array().unwrap().clone();
    assert_eq!(r.body["total"].as_u64().unwrap() as usize, recs.len());
    recs
}

fn ids(recs: &[Value]) -> Vec<String> {
    recs.iter()
        .map(|r| r["_id"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn test(field: &str, op: &str, operand: Value) -> Value {
    json!({"field": field, "operator": op, "operand": operand})
}

fn num(src: &Value, f: &str) -> u64 {
    src[f]
        .as_u64()
        .unwrap_or_else(|| panic!("{f} is not a count in {src}"))
}

#[test]
fn flows_carry_the_extrahop_names_and_answer_filters_on_them() {
    let dir = ingested();
    let s = Server::start_on(dir.path());
    let flows = all(&s, &["~flow"], None, None);
    assert!(flows.len() > 30, "{}", flows.len());
    for f in &flows {
        let src = &f["_source"];
        for k in [
            "senderAddr",
            "senderPort",
            "receiverAddr",
            "receiverPort",
            "proto",
            "bytes",
            "pkts",
            "age",
            "first",
            "last",
            "flowId",
            "senderBytes",
            "receiverBytes",
            "senderPkts",
            "receiverPkts",
            "senderL2Bytes",
            "receiverL2Bytes",
        ] {
            assert!(src.get(k).is_some(), "no {k} in {src}");
        }
        // Only the ExtraHop names: the old ones are aliases, not fields.
        for old in [
            "clientAddr",
            "serverPort",
            "ipproto",
            "firstSeen",
            "clientBytes",
        ] {
            assert!(src.get(old).is_none(), "{old} in {src}");
        }
        // Addresses as ExtraHop types them.
        for k in ["senderAddr", "receiverAddr"] {
            let t = src[k]["type"].as_str().unwrap();
            let v: std::net::IpAddr = src[k]["value"].as_str().unwrap().parse().unwrap();
            assert_eq!(t, if v.is_ipv4() { "ipaddr4" } else { "ipaddr6" }, "{src}");
        }
        assert_eq!(
            num(src, "bytes"),
            num(src, "senderBytes") + num(src, "receiverBytes")
        );
        assert_eq!(
            num(src, "pkts"),
            num(src, "senderPkts") + num(src, "receiverPkts")
        );
        let (first, last) = (
            src["first"].as_i64().unwrap(),
            src["last"].as_i64().unwrap(),
        );
        let age = src["age"].as_f64().unwrap();
        assert!(
            age >= 0.0 && ((last - first) as f64 / 1000.0 - age).abs() < 0.002,
            "{src}"
        );
        assert!(src["flowId"].as_str().is_some_and(|i| i.len() == 16));
    }
    let proto = |p: &str| -> Vec<String> {
        flows
            .iter()
            .filter(|f| f["_source"]["proto"] == p)
            .map(|f| f["_id"].as_str().unwrap().to_string())
            .collect()
    };
    let tcp = proto("TCP");
    assert!(!tcp.is_empty() && !proto("UDP").is_empty());
    // `proto = TCP`, and the old name.
    for field in ["proto", "ipproto"] {
        let found = all(&s, &["~flow"], Some(test(field, "=", json!("TCP"))), None);
        assert_eq!(sorted(ids(&found)), sorted(tcp.clone()), "{field}");
    }
    // A sender and a receiver port, in the new names and the old: the
    // flows of that sender (an HTTP client) to that port.
    let http = all(&s, &["~http"], None, None);
    let sender = http[0]["_source"]["clientAddr"]["value"].as_str().unwrap();
    let want: Vec<String> = flows
        .iter()
        .filter(|f| {
            f["_source"]["senderAddr"]["value"] == sender && f["_source"]["receiverPort"] == 80
        })
        .map(|f| f["_id"].as_str().unwrap().to_string())
        .collect();
    for (addr, port, operand) in [
        ("senderAddr", "receiverPort", json!(sender)),
        ("clientAddr", "serverPort", json!(sender)),
        (
            "senderAddr",
            "receiverPort",
            json!({"type": "ipaddr4", "value": sender}),
        ),
        ("sender", "receiverPort", json!(sender)),
        ("client", "serverPort", json!(sender)),
    ] {
        let filter = json!({"operator": "and", "rules": [test(addr, "=", operand), test(port, "=", json!(80))]});
        let found = all(&s, &["~flow"], Some(filter), None);
        assert_eq!(sorted(ids(&found)), sorted(want.clone()), "{addr} {port}");
    }
    // Without a type, `senderAddr` is `~flow`'s only; `clientAddr` is the
    // client of every type (its old meaning).
    let sent = all(&s, &[], Some(test("senderAddr", "=", json!(sender))), None);
    assert!(!sent.is_empty() && sent.iter().all(|r| r["_type"] == "~flow"));
    let as_client = all(&s, &[], Some(test("clientAddr", "=", json!(sender))), None);
    assert!(as_client.len() > sent.len());
    assert!(as_client.iter().any(|r| r["_type"] == "~http"));
    // `bytes > N`: the flows whose two sides sum past N.
    let mut totals: Vec<u64> = flows
        .iter()
        .map(|f| num(&f["_source"], "senderBytes") + num(&f["_source"], "receiverBytes"))
        .collect();
    totals.sort_unstable();
    let n = totals[totals.len() / 2];
    let want: Vec<String> = flows
        .iter()
        .filter(|f| num(&f["_source"], "senderBytes") + num(&f["_source"], "receiverBytes") > n)
        .map(|f| f["_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!want.is_empty() && want.len() < flows.len());
    let found = all(&s, &["~flow"], Some(test("bytes", ">", json!(n))), None);
    assert_eq!(sorted(ids(&found)), sorted(want), "bytes > {n}");
    // Sort by `bytes`, descending, and by the old names of a side.
    let by_bytes = all(
        &s,
        &["~flow"],
        None,
        Some(json!([{"field": "bytes", "direction": "desc"}])),
    );
    let b: Vec<u64> = by_bytes
        .iter()
        .map(|f| num(&f["_source"], "bytes"))
        .collect();
    assert!(b.windows(2).all(|w| w[0] >= w[1]), "{b:?}");
    assert_eq!(b.len(), flows.len());
    for field in ["senderBytes", "clientBytes"] {
        let sorted_side = all(
            &s,
            &["~flow"],
            None,
            Some(json!({"field": field, "direction": "asc"})),
        );
        let v: Vec<u64> = sorted_side
            .iter()
            .map(|f| num(&f["_source"], "senderBytes"))
            .collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{field}: {v:?}");
    }
}

#[test]
fn the_other_types_carry_the_extrahop_names() {
    let dir = ingested();
    let s = Server::start_on(dir.path());
    let ssl = all(&s, &["~ssl_open"], None, None);
    assert!(!ssl.is_empty());
    let sni = ssl
        .iter()
        .find_map(|r| r["_source"]["serverName"].as_str())
        .expect("an SNI")
        .to_string();
    assert_eq!(sni, "wrong.host.badssl.com");
    for r in &ssl {
        assert!(r["_source"].get("host").is_none() && r["_source"].get("ja4").is_none());
    }
    assert!(ssl
        .iter()
        .any(|r| r["_source"]["ja4Fingerprint"].is_string()));
    // SNI by its name and by the old one (`host`, an indexed column).
    for field in ["serverName", "host"] {
        let found = all(&s, &[], Some(test(field, "=", json!(sni))), None);
        assert!(found.iter().any(|r| r["_type"] == "~ssl_open"), "{field}");
    }
    // `serverName` is not `~http`'s `host`.
    let hosts = all(&s, &["~http"], None, None);
    let host = hosts[0]["_source"]["host"].as_str().unwrap();
    assert!(all(&s, &[], Some(test("serverName", "=", json!(host))), None).is_empty());
    assert!(!all(&s, &["~http"], Some(test("host", "=", json!(host))), None).is_empty());
    // DNS responses: processing time, authoritative flag.
    let dns = all(&s, &["~dns_response"], None, None);
    assert!(!dns.is_empty());
    let answered: Vec<&Value> = dns
        .iter()
        .filter(|r| r["_source"].get("rcode").is_some())
        .collect();
    assert!(!answered.is_empty());
    for r in &answered {
        assert!(r["_source"]["isAuthoritative"].is_boolean(), "{r}");
        assert!(r["_source"].get("rtt").is_none() && r["_source"].get("authoritative").is_none());
    }
    // Answers to a query seen have a processing time (multicast DNS
    // announcements answer none).
    let timed: Vec<String> = dns
        .iter()
        .filter(|r| r["_source"]["processingTime"].as_f64().is_some())
        .map(|r| r["_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!timed.is_empty());
    for field in ["processingTime", "rtt"] {
        let found = all(
            &s,
            &["~dns_response"],
            Some(json!({"field": field, "operator": "exists"})),
            None,
        );
        assert_eq!(sorted(ids(&found)), sorted(timed.clone()), "{field}");
    }
    // FTP over IPv6: addresses typed `ipaddr6`.
    let ftp = all(&s, &["~ftp"], None, None);
    assert!(!ftp.is_empty());
    assert!(ftp
        .iter()
        .all(|r| r["_source"]["clientAddr"]["type"] == "ipaddr6"));
    assert!(ftp.iter().all(|r| r["_source"]["serverPort"] == 21));
}

#[test]
fn formats_list_every_field_records_carry() {
    let dir = ingested();
    let s = Server::start_on(dir.path());
    let r = s.get("/api/v1/records/formats");
    assert_eq!(r.status, 200, "{}", r.text);
    let formats = r.body.as_array().unwrap();
    let kinds: Vec<&str> = formats.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "~flow",
            "~dns_request",
            "~dns_response",
            "~http",
            "~ftp",
            "~ssl_open"
        ]
    );
    let fields = |kind: &str| -> Map<String, Value> {
        let f = formats.iter().find(|f| f["id"] == kind).unwrap();
        f["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].as_str().unwrap().to_string(), f.clone()))
            .collect()
    };
    let mut seen = BTreeSet::new();
    for rec in all(&s, &[], None, None) {
        let kind = rec["_type"].as_str().unwrap();
        seen.insert(kind.to_string());
        let format = fields(kind);
        for (k, v) in rec["_source"].as_object().unwrap() {
            let f = format
                .get(k)
                .unwrap_or_else(|| panic!("{kind}: {k} is not in GET /records/formats"));
            let fits = match f["data_type"].as_str().unwrap() {
                "ipaddr" => v["type"].as_str().is_some_and(|t| t.starts_with("ipaddr")),
                "device" => v["type"] == "device",
                "number" => v.is_number(),
                "string" => v.is_string(),
                "boolean" => v.is_boolean(),
                "array" => v.is_array(),
                _ => true,
            };
            assert!(fits, "{kind}.{k} = {v} is not {}", f["data_type"]);
        }
    }
    assert_eq!(seen.len(), 6, "every type ingested: {seen:?}");
    let flow = fields("~flow");
    assert_eq!(flow["senderAddr"]["aliases"], json!(["clientAddr"]));
    assert_eq!(flow["senderAddr"]["display_name"], "Sender Address");
    assert_eq!(flow["proto"]["aliases"], json!(["ipproto"]));
    assert_eq!(flow["sender"]["data_type"], "device");
}

/// The JSON the code of before stored for a record read now (the names
/// it had, without the fields derived since): the inverse of
/// `wirewatch_model::record::upgrade_legacy`.
fn to_old_names(kind: &str, doc: &mut Map<String, Value>) {
    for (k, old, new) in wirewatch_model::record::RENAMED {
        if *k == kind {
            if let Some(v) = doc.remove(*new) {
                doc.insert(old.to_string(), v);
            }
        }
    }
    match kind {
        "~flow" => {
            for derived in ["bytes", "pkts", "age"] {
                doc.remove(derived);
            }
        }
        "~dns_response" => {
            doc.remove("error");
        }
        _ => {}
    }
}

/// Rewrite every stored record of a data directory as the code of before
/// wrote it, in segments marked as holding the old names.
fn make_old(data: &Path) {
    let db = rusqlite::Connection::open(data.join("wirewatch.db")).unwrap();
    let segs: Vec<i64> = db
        .prepare("SELECT id FROM record_segments")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for seg in segs {
        let rows: Vec<(i64, String, String)> = db
            .prepare(&format!("SELECT id, type, doc FROM records_{seg}"))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (id, kind, doc) in rows {
            let Value::Object(mut m) = serde_json::from_str(&doc).unwrap() else {
                panic!("{doc}")
            };
            to_old_names(&kind, &mut m);
            db.execute(
                &format!("UPDATE records_{seg} SET doc = ?1 WHERE id = ?2"),
                rusqlite::params![Value::Object(m).to_string(), id],
            )
            .unwrap();
        }
    }
    db.execute("UPDATE record_segments SET names = 0", [])
        .unwrap();
}

/// A data directory of before (records with the old names) answers as one
/// of now: the same records with the new names, for filters and sorts on
/// both names, and takes new records beside them.
#[test]
fn records_stored_with_the_old_names_read_with_the_new() {
    let queries = [
        (vec![], None, None),
        (vec!["~flow"], Some(test("proto", "=", json!("UDP"))), None),
        (
            vec!["~flow"],
            Some(test("ipproto", "=", json!("UDP"))),
            None,
        ),
        (
            vec!["~flow"],
            Some(test("bytes", ">", json!(1000))),
            Some(json!({"field": "bytes"})),
        ),
        (
            vec!["~flow"],
            Some(test("receiverPort", "=", json!(80))),
            Some(json!({"field": "clientBytes", "direction": "asc"})),
        ),
        (
            vec![],
            Some(json!({"field": "serverName", "operator": "exists"})),
            None,
        ),
        (
            vec![],
            Some(json!({"field": "host", "operator": "exists"})),
            None,
        ),
        (
            vec!["~dns_response"],
            Some(test("processingTime", ">=", json!(0))),
            None,
        ),
        (
            vec!["~dns_response"],
            Some(test("authoritative", "=", json!(false))),
            None,
        ),
    ];
    let answers = |s: &Server| -> Vec<Vec<Value>> {
        queries
            .iter()
            .map(|(t, f, o)| all(s, t, f.clone(), o.clone()))
            .collect()
    };
    // Activity maps read `~flow` records too: the peers of the HTTP
    // client, weighted by bytes, with their protocols.
    let map = |s: &Server| -> Value {
        let devices = s.get("/api/v1/devices").body;
        let id = devices
            .as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["ipaddrs"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|i| i == "141.142.220.118"))
            })
            .expect("the HTTP client's device")["id"]
            .clone();
        let r = s.post(
            "/api/v1/activitymaps/query",
            json!({"from": 1, "until": 4_000_000_000_000_i64, "weighting": "bytes", "edge_annotations": ["protocols"],
                   "walks": [{"origins": [{"object_id": id, "object_type": "device"}], "steps": [{}]}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    };
    let dir = ingested();
    let (now, map_now) = {
        let s = Server::start_on(dir.path());
        (answers(&s), map(&s))
    };
    assert!(
        map_now["edges"][0]["annotations"]["protocols"]
            .as_array()
            .is_some_and(|p| p.len() > 1),
        "{map_now}"
    );
    assert!(
        now.iter().skip(1).all(|a| !a.is_empty()),
        "every query finds records"
    );
    make_old(dir.path());
    // The rewrite did make the old shape.
    let db = rusqlite::Connection::open(dir.path().join("wirewatch.db")).unwrap();
    let doc: String = db
        .query_row(
            "SELECT doc FROM records_1 WHERE type = '~flow' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        doc.contains("\"clientAddr\"") && !doc.contains("\"senderAddr\""),
        "{doc}"
    );
    drop(db);
    {
        let s = Server::start_on(dir.path());
        assert_eq!(answers(&s), now);
        assert_eq!(map(&s), map_now);
    }
    // New records go beside the old ones, in a segment of the new names.
    let (ok, out, err) = ingest_into(dir.path(), &[], &[sample("portscan.pcap")]);
    assert!(ok, "{out}\n{err}");
    let s = Server::start_on(dir.path());
    let old_flows = now[0].iter().filter(|r| r["_type"] == "~flow").count();
    let flows = all(&s, &["~flow"], None, None);
    assert!(flows.len() > old_flows, "{} flows", flows.len());
    let tcp = all(
        &s,
        &["~flow"],
        Some(test("ipproto", "=", json!("TCP"))),
        None,
    );
    let tcp_before = now[0]
        .iter()
        .filter(|r| r["_type"] == "~flow" && r["_source"]["proto"] == "TCP")
        .count();
    assert!(tcp.len() > tcp_before, "{} TCP flows", tcp.len());
    for f in &flows {
        assert!(
            f["_source"]["proto"].is_string() && f["_source"].get("ipproto").is_none(),
            "{f}"
        );
    }
}
