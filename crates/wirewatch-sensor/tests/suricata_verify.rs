//! Flow counters against Suricata's own expectations: every `flow` and
//! `netflow` check with counters in `../shared/data/suricata-verify/*/test.yaml`
//! (Suricata's EVE output for the case's capture, written by its authors).
//!
//! Mapping: Suricata's `toserver`/`toclient` are our originator/responder
//! sides; its `pkts_*` are our `clientPkts`/`serverPkts`; its `bytes_*` count
//! whole captured frames, link-layer headers included, which are our
//! `clientL2Bytes`/`serverL2Bytes` (our `clientBytes` count IP bytes, as Zeek's
//! `orig_ip_bytes`). A `netflow` event is one direction of a flow with the
//! flow's start and end. `app_proto` is our service (`tls` is our `ssl`).
//! `flow.state` from our Zeek-style `conn_state`: no answer (S0, SH, SHR, OTH
//! one-sided) is `new`; an answered connection not closed by both sides (S1,
//! S2, S3, and UDP/ICMP with replies) is `established`; SF, REJ and the
//! RST states are `closed`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::{FlowRecord, Sensor};

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/suricata-verify")
}

/// One `- filter:` check: its expected count and its `match` keys.
#[derive(Debug)]
struct Check {
    count: usize,
    fields: HashMap<String, String>,
}

/// The capture and checks of a `test.yaml` (the small subset of YAML these
/// files use: `pcap:`, then `checks:` with `- filter:` / `count:` / `match:`).
fn read_case(yaml: &Path) -> (Option<String>, Vec<Check>) {
    let text = std::fs::read_to_string(yaml).unwrap();
    let mut pcap = None;
    let mut checks: Vec<Check> = Vec::new();
    let mut in_match = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if let Some(p) = line.strip_prefix("pcap:") {
            pcap = Some(p.trim().to_string());
            continue;
        }
        if trimmed.starts_with("- ") {
            in_match = false;
            if trimmed == "- filter:" {
                checks.push(Check {
                    count: 0,
                    fields: HashMap::new(),
                });
            }
            continue;
        }
        let Some(check) = checks.last_mut() else {
            continue;
        };
        if let Some(n) = trimmed.strip_prefix("count:") {
            check.count = n.trim().parse().unwrap();
        } else if trimmed == "match:" {
            in_match = true;
        } else if in_match {
            if let Some((k, v)) = trimmed.split_once(": ") {
                let v = v.trim().trim_matches('\'').trim_matches('"');
                check.fields.insert(k.trim().to_string(), v.to_string());
            }
        }
    }
    (pcap, checks)
}

fn flows(capture: &Path) -> Vec<FlowRecord> {
    let mut r = CaptureReader::open(capture).unwrap();
    let mut s = Sensor::default();
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
    }
    s.finish();
    std::mem::take(&mut s.out.flows)
}

fn proto_name(p: u8) -> &'static str {
    match p {
        6 => "TCP",
        17 => "UDP",
        1 => "ICMP",
        58 => "IPv6-ICMP",
        _ => "other",
    }
}

fn suricata_state(f: &FlowRecord) -> &'static str {
    match f.conn_state {
        "SF" | "REJ" | "RSTO" | "RSTR" | "RSTOS0" | "RSTRH" => "closed",
        "S1" | "S2" | "S3" => "established",
        "OTH" if f.resp_pkts > 0 && f.orig_pkts > 0 => "established",
        _ if f.proto != 6 && f.resp_pkts > 0 => "established",
        _ => "new",
    }
}

fn app_proto(f: &FlowRecord) -> &'static str {
    match f.service {
        Some("ssl") => "tls",
        Some(s) => s,
        None => "failed",
    }
}

/// Suricata's time format: `2016-05-27T06:56:11.304062+0000`.
fn suricata_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let micros = ns.rem_euclid(1_000_000_000) / 1000;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = wirewatch_model::time::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+0000",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// What our flow says for a Suricata key, for a flow (`flow`) or one of its
/// directions (`netflow`, `forward` when src is the originator).
fn ours(f: &FlowRecord, key: &str, forward: bool) -> Option<String> {
    let (pkts, bytes) = if forward {
        (f.orig_pkts, f.orig_l2_bytes)
    } else {
        (f.resp_pkts, f.resp_l2_bytes)
    };
    Some(match key {
        "proto" => proto_name(f.proto).to_string(),
        "app_proto" => app_proto(f).to_string(),
        "flow.pkts_toserver" => f.orig_pkts.to_string(),
        "flow.pkts_toclient" => f.resp_pkts.to_string(),
        "flow.bytes_toserver" => f.orig_l2_bytes.to_string(),
        "flow.bytes_toclient" => f.resp_l2_bytes.to_string(),
        "flow.state" => suricata_state(f).to_string(),
        "netflow.pkts" => pkts.to_string(),
        "netflow.bytes" => bytes.to_string(),
        "netflow.start" => suricata_time(f.first_ns),
        "netflow.end" => suricata_time(f.last_ns),
        _ => return None,
    })
}

/// Keys these checks compare; the others (alerts, TCP flags, TTLs, labels)
/// are not flow counters.
const COMPARED: &[&str] = &[
    "proto",
    "app_proto",
    "flow.pkts_toserver",
    "flow.pkts_toclient",
    "flow.bytes_toserver",
    "flow.bytes_toclient",
    "flow.state",
    "netflow.pkts",
    "netflow.bytes",
    "netflow.start",
    "netflow.end",
];

#[test]
fn flow_counters_match_suricata_verify() {
    let mut yamls: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![cases_dir()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|n| n == "test.yaml") {
                yamls.push(p);
            }
        }
    }
    yamls.sort();
    let mut table = Vec::new();
    let mut compared = 0;
    for yaml in &yamls {
        let dir = yaml.parent().unwrap();
        let (pcap, checks) = read_case(yaml);
        let checks: Vec<&Check> = checks
            .iter()
            .filter(|c| {
                matches!(
                    c.fields.get("event_type").map(String::as_str),
                    Some("flow" | "netflow")
                ) && c.fields.contains_key("src_ip")
                    && c.fields
                        .keys()
                        .any(|k| k.contains("pkts") || k.contains("bytes"))
            })
            .collect();
        if checks.is_empty() {
            continue;
        }
        let capture = match pcap {
            Some(p) => dir.join(p),
            None => std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
                .unwrap(),
        };
        let ours_all = flows(&capture);
        let case = dir.strip_prefix(cases_dir()).unwrap().display().to_string();
        for c in checks {
            let get = |k: &str| c.fields[k].clone();
            let src: IpAddr = get("src_ip").parse().unwrap();
            let dst: IpAddr = get("dest_ip").parse().unwrap();
            let (sp, dp): (u16, u16) = (
                get("src_port").parse().unwrap(),
                get("dest_port").parse().unwrap(),
            );
            let netflow = c.fields["event_type"] == "netflow";
            // The flow this check is about, and which of its directions.
            let found: Vec<(&FlowRecord, bool)> = ours_all
                .iter()
                .filter_map(|f| {
                    if f.orig == (src, sp) && f.resp == (dst, dp) {
                        Some((f, true))
                    } else if netflow && f.orig == (dst, dp) && f.resp == (src, sp) {
                        Some((f, false))
                    } else {
                        None
                    }
                })
                .collect();
            assert_eq!(
                found.len(),
                c.count,
                "{case}: flows {src}:{sp} -> {dst}:{dp}: {ours_all:?}"
            );
            for (f, forward) in found {
                for key in COMPARED {
                    let Some(want) = c.fields.get(*key) else {
                        continue;
                    };
                    let got = ours(f, key, forward).unwrap();
                    assert_eq!(&got, want, "{case}: {key} of {src}:{sp} -> {dst}:{dp}");
                    compared += 1;
                    table.push(format!(
                        "{case:<30} {:<8} {key:<22} {want}",
                        c.fields["event_type"]
                    ));
                }
            }
        }
    }
    println!("{}", table.join("\n"));
    // bug-814, community-id-ipv6 (2 flows), dns/bug-990, netflow-eve (2 directions).
    assert!(compared >= 40, "only {compared} values compared");
}
