//! Suricata EVE records, now typed, are field for field (the same JSON
//! values; key order aside, see `wirewatch_model::record`) what the string-keyed
//! assembly they replaced stored (kept here as the oracle), for the test EVE
//! file and lines with Suricata's odd values (nulls, full IPv6, names missing).

use serde_json::{json, Map, Value};
use wirewatch_model::record::upgrade_legacy;
use wirewatch_sensor::eve::{parse_line, parse_timestamp, EveItem};

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn copy(out: &mut Map<String, Value>, ev: &Value, from: &str, to: &str) {
    if let Some(v) = get(ev, from).filter(|v| !v.is_null()) {
        out.insert(to.into(), v.clone());
    }
}

fn endpoints(ev: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    copy(&mut m, ev, "src_ip", "clientAddr");
    copy(&mut m, ev, "src_port", "clientPort");
    copy(&mut m, ev, "dest_ip", "serverAddr");
    copy(&mut m, ev, "dest_port", "serverPort");
    copy(&mut m, ev, "proto", "ipproto");
    copy(&mut m, ev, "flow_id", "flowId");
    copy(&mut m, ev, "community_id", "communityId");
    if let Some(v) = ev.get("vlan").and_then(|v| v.get(0)) {
        m.insert("vlan".into(), v.clone());
    }
    m.insert("source".into(), json!("suricata"));
    // Suricata writes IPv6 addresses in full; keep the canonical form.
    for k in ["clientAddr", "serverAddr"] {
        if let Some(ip) = m
            .get(k)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<std::net::IpAddr>().ok())
        {
            m.insert(k.into(), json!(ip.to_string()));
        }
    }
    m
}

/// Convert one EVE line.
fn old_parse(line: &str) -> Option<(&'static str, i64, Map<String, Value>)> {
    let ev: Value = serde_json::from_str(line).ok()?;
    let kind = ev.get("event_type").and_then(Value::as_str)?;
    let time_ms = ev
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)?;
    let mut f = endpoints(&ev);
    let record = |kind: &'static str, f: Map<String, Value>| Some((kind, time_ms, f));
    match kind {
        "alert" => None,
        "flow" | "netflow" => {
            let src = if kind == "flow" { "flow" } else { "netflow" };
            copy(&mut f, &ev, &format!("{src}.pkts_toserver"), "clientPkts");
            copy(&mut f, &ev, &format!("{src}.pkts_toclient"), "serverPkts");
            copy(&mut f, &ev, &format!("{src}.bytes_toserver"), "clientBytes");
            copy(&mut f, &ev, &format!("{src}.bytes_toclient"), "serverBytes");
            copy(&mut f, &ev, &format!("{src}.pkts"), "pkts");
            copy(&mut f, &ev, &format!("{src}.bytes"), "bytes");
            copy(&mut f, &ev, &format!("{src}.state"), "connState");
            copy(&mut f, &ev, &format!("{src}.reason"), "endReason");
            copy(&mut f, &ev, "app_proto", "l7proto");
            for (k, to) in [("start", "firstSeen"), ("end", "lastSeen")] {
                if let Some(t) = get(&ev, &format!("{src}.{k}"))
                    .and_then(Value::as_str)
                    .and_then(parse_timestamp)
                {
                    f.insert(to.into(), json!(t));
                }
            }
            record("~flow", f)
        }
        "dns" => {
            let d = ev.get("dns").cloned().unwrap_or(Value::Null);
            let is_query = d.get("type").and_then(Value::as_str) == Some("query");
            let (q_name, q_type) = match d.get("queries").and_then(|q| q.get(0)) {
                Some(q) => (q.get("rrname").cloned(), q.get("rrtype").cloned()),
                None => (d.get("rrname").cloned(), d.get("rrtype").cloned()),
            };
            if let Some(v) = q_name {
                f.insert("qname".into(), v);
            }
            if let Some(v) = q_type {
                f.insert("qtype".into(), v);
            }
            copy(&mut f, &ev, "dns.id", "id");
            copy(&mut f, &ev, "dns.rcode", "rcode");
            let answers: Vec<Value> = d
                .get("answers")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.get("rdata").cloned()).collect())
                .unwrap_or_default();
            if !answers.is_empty() {
                f.insert("answers".into(), Value::Array(answers));
            }
            if let Some(auth) = d.get("authorities") {
                f.insert("authorities".into(), auth.clone());
            }
            record(
                if is_query {
                    "~dns_request"
                } else {
                    "~dns_response"
                },
                f,
            )
        }
        "http" => {
            for (k, to) in [
                ("http.hostname", "host"),
                ("http.url", "uri"),
                ("http.http_method", "method"),
                ("http.status", "statusCode"),
                ("http.http_user_agent", "userAgent"),
                ("http.http_content_type", "contentType"),
                ("http.http_refer", "referer"),
                ("http.protocol", "version"),
                ("http.length", "rspBytes"),
            ] {
                copy(&mut f, &ev, k, to);
            }
            record("~http", f)
        }
        "tls" => {
            for (k, to) in [
                ("tls.sni", "host"),
                ("tls.version", "version"),
                ("tls.subject", "certificateSubject"),
                ("tls.issuerdn", "certificateIssuer"),
                ("tls.ja3.hash", "ja3Hash"),
                ("tls.ja3s.hash", "ja3sHash"),
                ("tls.ja4", "ja4"),
                ("tls.fingerprint", "certificateFingerprint"),
            ] {
                copy(&mut f, &ev, k, to);
            }
            record("~ssl_open", f)
        }
        _ => None,
    }
}

#[test]
fn typed_eve_records_are_field_for_field_the_former_ones() {
    let file = include_str!("../../wirewatch/tests/data/eve.json");
    let extra = [
        r#"{"timestamp":"2022-03-04T15:20:05Z","event_type":"dns","vlan":[null],"src_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","src_port":1,"dest_ip":"not an address","dest_port":53,"proto":"UDP","dns":{"type":"answer","id":7,"rrname":null,"rrtype":"A","rcode":"NXDOMAIN","authorities":null}}"#,
        r#"{"timestamp":"2022-03-04T15:20:05Z","event_type":"dns","src_ip":"10.0.0.1","dns":{"type":"query","queries":[{"rrname":"a.example","rrtype":"TXT"}],"answers":[{"rdata":"1.2.3.4"},{"x":1}]}}"#,
        r#"{"timestamp":"2022-03-04T15:20:05Z","event_type":"netflow","community_id":"1:abc","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"TCP","app_proto":null,"netflow":{"pkts":3,"bytes":180,"start":"2022-03-04T15:20:04Z","end":"bad","age":1}}"#,
        r#"{"timestamp":"2022-03-04T15:20:05Z","event_type":"flow","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":60,"bytes_toclient":0,"state":"new","reason":"timeout","start":"2022-03-04T15:20:04Z","end":"2022-03-04T15:20:05Z"}}"#,
        r#"{"timestamp":"2022-03-04T15:20:05Z","event_type":"http","http":{"hostname":"h","url":"/","http_method":"GET","status":200,"http_user_agent":"ua","http_content_type":"text/html","http_refer":"r","protocol":"HTTP/1.1","length":12}}"#,
        r#"{"timestamp":"2022-03-04T15:20:05Z","event_type":"tls","tls":{"sni":"s","version":"TLS 1.3","subject":"CN=s","issuerdn":"CN=ca","ja3":{"hash":"j"},"ja3s":{"hash":"k"},"ja4":"t13","fingerprint":"ab:cd"}}"#,
    ];
    let mut compared = 0;
    for line in file.lines().chain(extra) {
        let old = old_parse(line);
        let new = parse_line(line);
        match (old, new) {
            (Some((kind, time_ms, fields)), Ok(EveItem::Record(r))) => {
                assert_eq!(kind, r.kind(), "{line}");
                assert_eq!(time_ms, r.time_ms, "{line}");
                // The former names, read as records of before are now.
                let mut former = fields.clone();
                upgrade_legacy(kind, &mut former);
                assert_eq!(
                    serde_json::to_value(&former).unwrap(),
                    serde_json::to_value(&r.record).unwrap(),
                    "{line}"
                );
                compared += 1;
            }
            (None, Ok(EveItem::Record(r))) => panic!("a record now, not before: {r:?}"),
            (Some(_), _) => panic!("a record before, not now: {line}"),
            (None, _) => {}
        }
    }
    assert!(compared >= 10, "{compared}");
}
