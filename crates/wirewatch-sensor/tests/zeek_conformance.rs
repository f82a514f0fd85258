//! Conformance with Zeek's own baselines in `../shared/data/zeek/`: our flow
//! records against Zeek's `conn.log` for the same traces.
//!
//! State mapping: our TCP endpoint states are Zeek's (inactive, SYN sent,
//! SYN-ACK sent, partial, established, closed, reset) and `conn_state` is
//! derived with Zeek's rules (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0,
//! RSTRH, SH, SHR, OTH); UDP/ICMP: SF with replies, S0 without.

use std::collections::HashMap;
use std::path::PathBuf;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::{FlowRecord, Sensor};

fn shared(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
}

/// Rows of a Zeek log as field -> value maps.
fn zeek_log(path: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(shared(path)).unwrap();
    let mut fields: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            fields = f.split('\t').map(str::to_string).collect();
        } else if !line.starts_with('#') && !line.is_empty() {
            rows.push(
                fields
                    .iter()
                    .cloned()
                    .zip(line.split('\t').map(str::to_string))
                    .collect(),
            );
        }
    }
    rows
}

fn run(trace: &str) -> Vec<FlowRecord> {
    let mut r = CaptureReader::open(&shared(trace)).unwrap();
    let mut s = Sensor::default();
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
    }
    s.finish();
    std::mem::take(&mut s.out.flows)
}

const OUR_SERVICES: &[&str] = &["http", "ssl", "ssh", "ftp", "dns"];

/// Our service as Zeek would log it: none on midstream connections.
fn service_view(f: &FlowRecord) -> String {
    match f.service {
        Some(s) if f.proto != 6 || f.history.contains('S') || f.history.starts_with('^') => {
            s.to_string()
        }
        _ => "-".into(),
    }
}

fn service_zeek(z: &str, f: &FlowRecord) -> String {
    // Deviation: NetBIOS name service (port 137), which Zeek decodes as DNS, is not analysed.
    if f.resp.1 == 137 {
        return service_view(f);
    }
    if OUR_SERVICES.contains(&z) || z == "-" {
        z.to_string()
    } else {
        // A service wirewatch does not recognise yet: not compared.
        service_view(f)
    }
}

fn proto_name(p: u8) -> &'static str {
    match p {
        6 => "tcp",
        17 => "udp",
        1 | 58 => "icmp",
        _ => "unknown_transport",
    }
}

/// Compare one trace; returns (zeek rows, matched 5-tuples, per-field mismatches).
fn compare(trace: &str, log: &str) -> (usize, usize, Vec<String>) {
    let zeek = zeek_log(log);
    let ours = run(trace);
    let mut by_key: HashMap<(String, String, String, String, String), &FlowRecord> = HashMap::new();
    for f in &ours {
        let k = (
            proto_name(f.proto).to_string(),
            f.orig.0.to_string(),
            f.orig.1.to_string(),
            f.resp.0.to_string(),
            f.resp.1.to_string(),
        );
        by_key.insert(k, f);
    }
    let mut matched = 0;
    let mut problems = Vec::new();
    for z in &zeek {
        let k = (
            z["proto"].clone(),
            z["id.orig_h"].clone(),
            z["id.orig_p"].clone(),
            z["id.resp_h"].clone(),
            z["id.resp_p"].clone(),
        );
        let Some(f) = by_key.get(&k) else {
            problems.push(format!("{trace}: missing flow {k:?}"));
            continue;
        };
        matched += 1;
        let num = |s: &str| {
            if s == "-" {
                0
            } else {
                s.parse::<u64>().unwrap_or(u64::MAX)
            }
        };
        // Zeek leaves duration and payload sizes unset ("-") for flows of zero
        // duration; we always count payload bytes, so compare only when Zeek has them.
        let unset = z["orig_bytes"] == "-" && f.first_ns == f.last_ns;
        let (ob, rb) = if unset {
            (0, 0)
        } else {
            (f.orig_bytes, f.resp_bytes)
        };
        for (field, ours, theirs) in [
            (
                "conn_state",
                f.conn_state.to_string(),
                z["conn_state"].clone(),
            ),
            (
                "orig_pkts",
                f.orig_pkts.to_string(),
                num(&z["orig_pkts"]).to_string(),
            ),
            (
                "orig_ip_bytes",
                f.orig_ip_bytes.to_string(),
                num(&z["orig_ip_bytes"]).to_string(),
            ),
            (
                "resp_pkts",
                f.resp_pkts.to_string(),
                num(&z["resp_pkts"]).to_string(),
            ),
            (
                "resp_ip_bytes",
                f.resp_ip_bytes.to_string(),
                num(&z["resp_ip_bytes"]).to_string(),
            ),
            (
                "orig_bytes",
                ob.to_string(),
                num(&z["orig_bytes"]).to_string(),
            ),
            (
                "resp_bytes",
                rb.to_string(),
                num(&z["resp_bytes"]).to_string(),
            ),
            (
                "history",
                f.history.clone(),
                if z["history"] == "-" {
                    String::new()
                } else {
                    z["history"].clone()
                },
            ),
            // Services wirewatch recognises (others are not compared yet); midstream
            // connections get a service here and none in Zeek (see the HTTP test).
            ("service", service_view(f), service_zeek(&z["service"], f)),
        ] {
            if ours != theirs {
                problems.push(format!(
                    "{trace}: {k:?} {field}: ours {ours}, zeek {theirs} (history {} vs {})",
                    f.history, z["history"]
                ));
            }
        }
    }
    (zeek.len(), matched, problems)
}

#[test]
fn flows_match_zeek_conn_log() {
    let cases = [
        (
            "zeek/traces/wikipedia.pcap",
            "zeek/baselines/opt.basic/conn.log",
        ),
        (
            "zeek/traces/http/get.pcap",
            "zeek/baselines/core.tcp.reassembly-known-ports/conn.log",
        ),
        (
            "zeek/traces/tunnels/gre-sample.pcap",
            "zeek/baselines/core.tunnels.gre/conn.log",
        ),
        (
            "zeek/traces/ftp/ipv6.pcap",
            "zeek/baselines/scripts.base.protocols.ftp.ftp-ipv6/conn.log",
        ),
        (
            "zeek/traces/http/connect-with-smtp.pcap",
            "zeek/baselines/scripts.base.protocols.http.http-connect/conn.log",
        ),
    ];
    let mut all = Vec::new();
    println!("| trace | zeek flows | matched 5-tuples | field mismatches |");
    for (trace, log) in cases {
        let (n, m, problems) = compare(trace, log);
        println!("| {trace} | {n} | {m} | {} |", problems.len());
        all.extend(problems);
    }
    for p in &all {
        println!("{p}");
    }
    assert!(all.is_empty(), "{} deviations from Zeek", all.len());
}

#[test]
fn tls_matches_zeek_ssl_log() {
    let zeek = zeek_log("zeek/baselines/scripts.base.protocols.ssl.tls-1.2/ssl.log");
    let mut r = CaptureReader::open(&shared("zeek/traces/tls/tls1.2.pcap")).unwrap();
    let mut s = Sensor::default();
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
    }
    s.finish();
    assert_eq!(s.out.tls.len(), zeek.len());
    for ((ends, ev), z) in s.out.tls.iter().zip(&zeek) {
        assert_eq!(ends.client.0.to_string(), z["id.orig_h"]);
        assert_eq!(ends.server.1.to_string(), z["id.resp_p"]);
        assert_eq!(ev.version.as_deref().unwrap_or("-"), z["version"]);
        assert_eq!(ev.cipher.as_deref().unwrap_or("-"), z["cipher"]);
        assert_eq!(ev.server_name.as_deref().unwrap_or("-"), z["server_name"]);
        assert_eq!(if ev.established { "T" } else { "F" }, z["established"]);
    }
    let flows = std::mem::take(&mut s.out.flows);
    assert!(flows.iter().any(|f| f.service == Some("ssl")));
}

fn sensor_run(trace: &str) -> Sensor {
    let mut r = CaptureReader::open(&shared(trace)).unwrap();
    let mut s = Sensor::default();
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
    }
    s.finish();
    s
}

#[test]
fn http_matches_zeek_http_log() {
    let dash = |v: Option<String>| v.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into());
    let mut table = Vec::new();
    for (trace, log) in [
        (
            "zeek/traces/wikipedia.pcap",
            "zeek/baselines/opt.basic/http.log",
        ),
        (
            "zeek/traces/http/get.pcap",
            "zeek/baselines/core.tcp.reassembly-known-ports/http.log",
        ),
    ] {
        let zeek = zeek_log(log);
        let s = sensor_run(trace);
        // Deviation, by design: Zeek attaches no analyzer to a connection whose start
        // was not captured (history without 'S'); wirewatch analyses it. Such
        // exchanges are set aside here and counted.
        let midstream: Vec<u64> = s
            .out
            .flows
            .iter()
            .filter(|f| !f.history.contains('S') && !f.history.starts_with('^'))
            .map(|f| f.id)
            .collect();
        let extra = s
            .out
            .http
            .iter()
            .filter(|(e, _)| midstream.contains(&e.flow_id))
            .count();
        let mut ours: Vec<String> = s
            .out
            .http
            .iter()
            .filter(|(e, _)| !midstream.contains(&e.flow_id))
            .map(|(e, h)| {
                format!(
                    "{} {} {} {} {} {} {} {}",
                    e.client.0,
                    e.server.1,
                    h.method,
                    dash(h.host.clone()),
                    h.uri,
                    h.status
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    h.req_body_len,
                    h.rsp_body_len
                )
            })
            .collect();
        let mut theirs: Vec<String> = zeek
            .iter()
            .map(|z| {
                format!(
                    "{} {} {} {} {} {} {} {}",
                    z["id.orig_h"],
                    z["id.resp_p"],
                    z["method"],
                    z["host"],
                    z["uri"],
                    z["status_code"],
                    z["request_body_len"],
                    z["response_body_len"]
                )
            })
            .collect();
        ours.sort();
        theirs.sort();
        table.push(format!(
            "| {trace} | {} | {} | {extra} on midstream connections |",
            theirs.len(),
            ours.iter().filter(|o| theirs.contains(o)).count()
        ));
        assert_eq!(ours, theirs, "{trace}");
        let flows = &s.out.flows;
        assert!(flows.iter().any(|f| f.service == Some("http")));
    }
    println!(
        "| trace | zeek http.log | matched | extra |\n{}",
        table.join("\n")
    );
}

#[test]
fn dns_matches_zeek_dns_log() {
    use wirewatch_wire::dns::{rcode_name, zeek_qtype_name};
    let mut table = Vec::new();
    for (trace, log) in [
        (
            "zeek/traces/wikipedia.pcap",
            "zeek/baselines/opt.basic/dns.log",
        ),
        (
            "zeek/traces/ipv6-fragmented-dns.pcap",
            "zeek/baselines/core.ipv6-frag/dns.log",
        ),
    ] {
        // Unicast DNS (port 53) is compared; mDNS, LLMNR and NetBIOS lines are Zeek's own conventions.
        let zeek: Vec<_> = zeek_log(log)
            .into_iter()
            .filter(|z| z["id.resp_p"] == "53")
            .collect();
        let s = sensor_run(trace);
        let mut ours: Vec<String> = s
            .out
            .dns
            .iter()
            .filter(|(e, _)| e.server.1 == 53)
            .map(|(e, d)| {
                format!(
                    "{} {} {} {} {} {}",
                    e.client.0,
                    e.client.1,
                    d.query,
                    zeek_qtype_name(d.qtype),
                    d.rcode
                        .map(|r| rcode_name(r).to_string())
                        .unwrap_or_else(|| "-".into()),
                    if d.answers.is_empty() {
                        "-".to_string()
                    } else {
                        d.answers.join(",")
                    }
                )
            })
            .collect();
        let mut theirs: Vec<String> = zeek
            .iter()
            .map(|z| {
                format!(
                    "{} {} {} {} {} {}",
                    z["id.orig_h"],
                    z["id.orig_p"],
                    z["query"],
                    z["qtype_name"],
                    z["rcode_name"],
                    z["answers"]
                )
            })
            .collect();
        ours.sort();
        theirs.sort();
        table.push(format!(
            "| {trace} | {} | {} |",
            theirs.len(),
            ours.iter().filter(|o| theirs.contains(o)).count()
        ));
        assert_eq!(ours, theirs, "{trace}");
    }
    println!(
        "| trace | zeek dns.log (port 53) | matched |\n{}",
        table.join("\n")
    );
}
