//! The typed records of a capture are field for field (the same JSON values;
//! key order aside, see `wirewatch_model::record`) what the string-keyed
//! assembly they replaced stored (kept here as the oracle): the same kinds,
//! times and JSON documents, for traces covering flows, DNS, HTTP, FTP and TLS.

use serde_json::json;
use std::path::PathBuf;
use wirewatch_model::record::upgrade_legacy;
use wirewatch_pipeline::records;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::sensor::Endpoints;
use wirewatch_sensor::{FlowRecord, Sensor};

fn shared(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
}

/// A record as the former assembly built it.
struct Old {
    kind: &'static str,
    time_ms: i64,
    fields: serde_json::Map<String, serde_json::Value>,
}

fn endpoint_fields(e: &Endpoints) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("flowId".into(), json!(format!("{:016x}", e.flow_id)));
    m.insert("clientAddr".into(), json!(e.client.0.to_string()));
    m.insert("clientPort".into(), json!(e.client.1));
    m.insert("serverAddr".into(), json!(e.server.0.to_string()));
    m.insert("serverPort".into(), json!(e.server.1));
    m
}

fn flow_fields(f: &FlowRecord) -> serde_json::Map<String, serde_json::Value> {
    let this = f;
    use serde_json::json;
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        m.insert(k.to_string(), v);
    };
    put("flowId", json!(format!("{:016x}", this.id)));
    put(
        "ipproto",
        json!(wirewatch_sensor::sensor::ipproto_name(this.proto)),
    );
    put("clientAddr", json!(this.orig.0.to_string()));
    put("clientPort", json!(this.orig.1));
    put("serverAddr", json!(this.resp.0.to_string()));
    put("serverPort", json!(this.resp.1));
    put("clientPkts", json!(this.orig_pkts));
    put("serverPkts", json!(this.resp_pkts));
    put("clientBytes", json!(this.orig_ip_bytes));
    put("serverBytes", json!(this.resp_ip_bytes));
    put("clientL2Bytes", json!(this.orig_l2_bytes));
    put("serverL2Bytes", json!(this.resp_l2_bytes));
    put("clientPayloadBytes", json!(this.orig_bytes));
    put("serverPayloadBytes", json!(this.resp_bytes));
    put("firstSeen", json!(this.first_ns / 1_000_000));
    put("lastSeen", json!(this.last_ns / 1_000_000));
    put(
        "duration",
        json!((this.last_ns - this.first_ns) as f64 / 1e6),
    );
    put("connState", json!(this.conn_state));
    put("history", json!(this.history));
    if let Some(s) = this.service {
        put("l7proto", json!(s));
    }
    if let Some(v) = this.vlan {
        put("vlan", json!(v));
    }
    if let Some(mac) = &this.orig_mac {
        put(
            "clientMac",
            json!(wirewatch_sensor::sensor::mac_string(mac)),
        );
    }
    if let Some(mac) = &this.resp_mac {
        put(
            "serverMac",
            json!(wirewatch_sensor::sensor::mac_string(mac)),
        );
    }
    if let Some((a, b)) = this.tunnel {
        put("tunnelClientAddr", json!(a.to_string()));
        put("tunnelServerAddr", json!(b.to_string()));
    }
    m
}

/// The former assembly, in its order.
#[allow(clippy::type_complexity)]
fn old_records(out: &wirewatch_sensor::Output) -> Vec<Old> {
    let (flows, ftp, tls, http, dns_queries, dns): (&[_], &[_], &[_], &[_], &[_], &[_]) = (
        &*out.flows,
        &*out.ftp,
        &*out.tls,
        &*out.http,
        &*out.dns_queries,
        &*out.dns,
    );
    let mut recs = Vec::new();
    for (ends, q) in dns_queries {
        let mut f = endpoint_fields(ends);
        f.insert("qname".into(), json!(q.query));
        f.insert(
            "qtype".into(),
            json!(wirewatch_wire::dns::qtype_name(q.qtype)),
        );
        f.insert("id".into(), json!(q.id));
        recs.push(Old {
            kind: "~dns_request",
            time_ms: q.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, d) in dns {
        let mut f = endpoint_fields(ends);
        f.insert("qname".into(), json!(d.query));
        f.insert(
            "qtype".into(),
            json!(wirewatch_wire::dns::qtype_name(d.qtype)),
        );
        f.insert("id".into(), json!(d.id));
        match d.rcode {
            Some(r) => {
                f.insert("rcode".into(), json!(wirewatch_wire::dns::rcode_name(r)));
                f.insert("answers".into(), json!(d.answers));
                f.insert("ttls".into(), json!(d.ttls));
                f.insert("authoritative".into(), json!(d.authoritative));
                if let Some(rtt) = d.rtt_ms {
                    f.insert("rtt".into(), json!(rtt));
                }
            }
            None => {
                f.insert("timeout".into(), json!(true));
            }
        }
        recs.push(Old {
            kind: "~dns_response",
            time_ms: d.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, ev) in http {
        let mut f = endpoint_fields(ends);
        f.insert("method".into(), json!(ev.method));
        f.insert("uri".into(), json!(ev.uri));
        f.insert("version".into(), json!(ev.version));
        f.insert("reqBytes".into(), json!(ev.req_body_len));
        f.insert("rspBytes".into(), json!(ev.rsp_body_len));
        for (k, v) in [
            ("host", &ev.host),
            ("userAgent", &ev.user_agent),
            ("referer", &ev.referrer),
            ("contentType", &ev.content_type),
        ] {
            if let Some(v) = v {
                f.insert(k.into(), json!(v));
            }
        }
        if let Some(c) = ev.status {
            f.insert("statusCode".into(), json!(c));
        }
        if let Some(t) = ev.processing_ms {
            f.insert("processingTime".into(), json!(t));
        }
        if let Some(a) = &ev.auth_scheme {
            f.insert("authScheme".into(), json!(a));
        }
        if let Some(u) = &ev.basic_user {
            f.insert("user".into(), json!(u));
        }
        recs.push(Old {
            kind: "~http",
            time_ms: ev.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, ev) in ftp {
        let mut f = endpoint_fields(ends);
        f.insert("method".into(), json!(ev.command));
        f.insert("args".into(), json!(ev.arg));
        f.insert("statusCode".into(), json!(ev.reply_code));
        f.insert("statusText".into(), json!(ev.reply_msg));
        if let Some(u) = &ev.user {
            f.insert("user".into(), json!(u));
        }
        recs.push(Old {
            kind: "~ftp",
            time_ms: ends.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, ev) in tls {
        let mut f = endpoint_fields(ends);
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                f.insert(k.into(), json!(v));
            }
        };
        put("host", &ev.server_name);
        put("version", &ev.version);
        put("cipherSuite", &ev.cipher);
        put("alpn", &ev.alpn);
        put("ja3Hash", &ev.ja3);
        put("ja3sHash", &ev.ja3s);
        put("ja4", &ev.ja4);
        put("certificateSubject", &ev.subject);
        put("certificateIssuer", &ev.issuer);
        f.insert("established".into(), json!(ev.established));
        recs.push(Old {
            kind: "~ssl_open",
            time_ms: ends.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for f in flows {
        recs.push(Old {
            kind: "~flow",
            time_ms: f.first_ns / 1_000_000,
            fields: flow_fields(f),
        });
    }
    recs
}

fn clone_output(o: &wirewatch_sensor::Output) -> wirewatch_sensor::Output {
    wirewatch_sensor::Output {
        flows: o.flows.clone(),
        ftp: o.ftp.clone(),
        tls: o.tls.clone(),
        http: o.http.clone(),
        dns_queries: o.dns_queries.clone(),
        dns: o.dns.clone(),
        tls_outcomes: o.tls_outcomes.clone(),
        session_keys: o.session_keys.clone(),
    }
}

#[test]
fn typed_records_of_captures_are_field_for_field_the_former_ones() {
    let traces = [
        "zeek/traces/wikipedia.pcap",
        "zeek/traces/http/get.pcap",
        "zeek/traces/ftp/bruteforce.pcap",
        "zeek/traces/ftp/ipv6.pcap",
        "zeek/traces/tls/tls1.2.pcap",
        "zeek/traces/ssh/sshguess.pcap",
        "zeek/traces/ipv6-fragmented-dns.pcap",
    ];
    let mut kinds = std::collections::BTreeMap::new();
    for t in traces {
        let mut reader = CaptureReader::open(&shared(t)).unwrap();
        let mut sensor = Sensor::default();
        while let Some(p) = reader.next_packet().unwrap() {
            sensor.packet(&p);
        }
        sensor.finish();
        let old = old_records(&sensor.out);
        let out = clone_output(&sensor.out);
        let mut new = Vec::new();
        // The pipeline's order (`Pipeline::take_sensor`).
        for (e, q) in out.dns_queries {
            new.push(records::dns_request(&e, q));
        }
        for (e, d) in out.dns {
            new.push(records::dns_response(&e, d));
        }
        for (e, ev) in out.http {
            new.push(records::http(&e, ev));
        }
        for (e, ev) in out.ftp {
            new.push(records::ftp(&e, ev));
        }
        for (e, ev) in out.tls {
            new.push(records::ssl_open(&e, ev));
        }
        for f in out.flows {
            new.push(records::flow(f));
        }
        assert_eq!(old.len(), new.len(), "{t}");
        for (o, n) in old.iter().zip(&new) {
            assert_eq!(o.kind, n.kind(), "{t}");
            assert_eq!(o.time_ms, n.time_ms, "{t}");
            // The former names, read as records of before are now.
            let mut former = o.fields.clone();
            upgrade_legacy(o.kind, &mut former);
            assert_eq!(
                serde_json::to_value(&former).unwrap(),
                serde_json::to_value(&n.record).unwrap(),
                "{t}"
            );
            *kinds.entry(o.kind).or_insert(0) += 1;
        }
    }
    for k in [
        "~flow",
        "~dns_request",
        "~dns_response",
        "~http",
        "~ftp",
        "~ssl_open",
    ] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 0,
            "no {k} compared: {kinds:?}"
        );
    }
}
