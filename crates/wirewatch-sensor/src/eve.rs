//! Suricata EVE JSON input: `alert` events become IDS detections (signature,
//! category, severity → risk score, MITRE techniques from rule metadata);
//! `flow`, `netflow`, `dns`, `http` and `tls` events become records.
//! A line that is not an EVE event is counted and skipped.
//!
//! Records are typed ([`wirewatch_model::record`]'s `Suricata*`), keeping the
//! values as Suricata wrote them.

use serde_json::{json, Map, Value};
use wirewatch_model::detection::{NewDetection, NewParticipant, Role};
use wirewatch_model::record::{
    NewRecord, Record, SuricataDns, SuricataFlow, SuricataHttp, SuricataTls,
};

/// Longest EVE line accepted (a full HTTP or TLS event is a few KiB).
pub const MAX_LINE: usize = 1 << 20;

/// What one EVE line became.
#[derive(Debug, Clone, PartialEq)]
// One per line, moved straight into a batch: boxing the record would only
// add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum EveItem {
    Record(NewRecord),
    Detection(Box<NewDetection>),
    /// A known event type that wirewatch does not keep (stats, fileinfo…).
    Ignored,
}

/// Why a line was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EveError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("no event_type")]
    NoEventType,
    #[error("bad or missing timestamp")]
    BadTimestamp,
    #[error("line longer than {MAX_LINE} bytes")]
    TooLong,
}

/// Parse EVE's `2009-11-24T21:27:09.534255+0100` into milliseconds since the epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(10) != Some(&b'T') {
        return None;
    }
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut at = 19;
    let mut ms = 0i64;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let frac = s.get(start..end)?;
        ms = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?;
        at = end;
    }
    let offset_min = match b.get(at) {
        None | Some(b'Z') => 0,
        Some(b'+') | Some(b'-') => {
            let sign = if b[at] == b'-' { -1 } else { 1 };
            let rest: String = s.get(at + 1..)?.chars().filter(|c| *c != ':').collect();
            let oh: i64 = rest.get(0..2)?.parse().ok()?;
            let om: i64 = rest.get(2..4).and_then(|x| x.parse().ok()).unwrap_or(0);
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    let days = wirewatch_model::time::days_from_civil(y, mo, d)?;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + ms)
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The sum of two counts (both numbers), as a JSON number.
fn both(a: Option<Value>, b: Option<Value>) -> Option<Value> {
    Some(Value::from(a?.as_u64()?.checked_add(b?.as_u64()?)?))
}

/// The value at `path`, unless absent or null.
fn val(ev: &Value, path: &str) -> Option<Value> {
    get(ev, path).filter(|v| !v.is_null()).cloned()
}

/// The fields every Suricata record has from its event's header.
struct Ends {
    client_addr: Option<Value>,
    client_port: Option<Value>,
    server_addr: Option<Value>,
    server_port: Option<Value>,
    ipproto: Option<Value>,
    flow_id: Option<Value>,
    community_id: Option<Value>,
    vlan: Option<Value>,
}

fn endpoints(ev: &Value) -> Ends {
    // Suricata writes IPv6 addresses in full; keep the canonical form.
    let addr = |k: &str| {
        val(ev, k).map(
            |v| match v.as_str().and_then(|s| s.parse::<std::net::IpAddr>().ok()) {
                Some(ip) => json!(ip.to_string()),
                None => v,
            },
        )
    };
    Ends {
        client_addr: addr("src_ip"),
        client_port: val(ev, "src_port"),
        server_addr: addr("dest_ip"),
        server_port: val(ev, "dest_port"),
        ipproto: val(ev, "proto"),
        flow_id: val(ev, "flow_id"),
        community_id: val(ev, "community_id"),
        vlan: ev.get("vlan").and_then(|v| v.get(0)).cloned(),
    }
}

/// A `Suricata*` record with the header's fields and the ones given.
macro_rules! with_ends {
    ($e:expr, $t:ident { $($f:ident: $v:expr),* $(,)? }) => {{
        let e = $e;
        $t {
            client_addr: e.client_addr,
            client_port: e.client_port,
            server_addr: e.server_addr,
            server_port: e.server_port,
            ipproto: e.ipproto,
            flow_id: e.flow_id,
            community_id: e.community_id,
            vlan: e.vlan,
            $($f: $v,)*
            ..$t::default()
        }
    }};
}

fn ip_of(ev: &Value, key: &str) -> Option<String> {
    ev.get(key)?
        .as_str()?
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|i| i.to_string())
}

/// Suricata severity (1 high … 3 low, 4 info) as a 0–100 risk score.
pub fn risk_score(severity: i64) -> u8 {
    match severity {
        1 => 80,
        2 => 60,
        3 => 40,
        _ => 20,
    }
}

fn alert(ev: &Value, time_ms: i64) -> EveItem {
    let a = ev.get("alert").cloned().unwrap_or(Value::Null);
    let signature = a
        .get("signature")
        .and_then(Value::as_str)
        .unwrap_or("Suricata alert")
        .to_string();
    let category = a
        .get("category")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let severity = a.get("severity").and_then(Value::as_i64).unwrap_or(3);
    let sid = a.get("signature_id").and_then(Value::as_i64).unwrap_or(0);
    let mut mitre: Vec<String> = Vec::new();
    if let Some(meta) = a.get("metadata").and_then(Value::as_object) {
        for key in ["mitre_technique_id", "mitre_attack_technique_id"] {
            for t in meta
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(t) = t.as_str() {
                    mitre.push(t.to_string());
                }
            }
        }
    }
    let mut participants = Vec::new();
    if let Some(src) = ip_of(ev, "src_ip") {
        participants.push(NewParticipant::address(src, Role::Offender));
    }
    if let Some(dst) = ip_of(ev, "dest_ip") {
        participants.push(NewParticipant::address(dst, Role::Victim));
    }
    let mut props = Map::new();
    props.insert("signature".into(), json!(signature));
    props.insert("signature_id".into(), json!(sid));
    props.insert("ids_category".into(), json!(category));
    props.insert("severity".into(), json!(severity));
    for (k, to) in [("gid", "gid"), ("rev", "rev"), ("action", "action")] {
        if let Some(v) = a.get(k) {
            props.insert(to.into(), v.clone());
        }
    }
    for k in ["src_port", "dest_port", "proto", "app_proto", "flow_id"] {
        if let Some(v) = ev.get(k) {
            props.insert(k.into(), v.clone());
        }
    }
    EveItem::Detection(Box::new(NewDetection {
        kind: "ids_alert".into(),
        title: Some(signature.clone()),
        description: Some(if category.is_empty() {
            format!("Suricata rule {sid} matched: {signature}")
        } else {
            format!("Suricata rule {sid} matched: {signature} ({category})")
        }),
        risk_score: Some(risk_score(severity)),
        start_time: Some(time_ms),
        end_time: Some(time_ms),
        participants,
        properties: props,
        mitre_techniques: (!mitre.is_empty()).then_some(mitre),
        ..NewDetection::default()
    }))
}

/// Convert one EVE line.
pub fn parse_line(line: &str) -> Result<EveItem, EveError> {
    if line.len() > MAX_LINE {
        return Err(EveError::TooLong);
    }
    let ev: Value = serde_json::from_str(line).map_err(|e| EveError::NotJson(e.to_string()))?;
    let kind = ev
        .get("event_type")
        .and_then(Value::as_str)
        .ok_or(EveError::NoEventType)?;
    let time_ms = ev
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .ok_or(EveError::BadTimestamp)?;
    let e = endpoints(&ev);
    let record = |record: Record| {
        Ok(EveItem::Record(NewRecord {
            time_ms,
            record,
            devices: Default::default(),
            threat: Vec::new(),
        }))
    };
    match kind {
        "alert" => Ok(alert(&ev, time_ms)),
        "flow" | "netflow" => {
            let src = if kind == "flow" { "flow" } else { "netflow" };
            let at = |k: &str| val(&ev, &format!("{src}.{k}"));
            let time = |k: &str| {
                get(&ev, &format!("{src}.{k}"))
                    .and_then(Value::as_str)
                    .and_then(parse_timestamp)
            };
            let (first_seen, last_seen) = (time("start"), time("end"));
            record(Record::SuricataFlow(Box::new(with_ends!(
                e,
                SuricataFlow {
                    age: first_seen
                        .zip(last_seen)
                        .map(|(f, l)| l.saturating_sub(f) as f64 / 1000.0),
                    client_pkts: at("pkts_toserver"),
                    server_pkts: at("pkts_toclient"),
                    client_bytes: at("bytes_toserver"),
                    server_bytes: at("bytes_toclient"),
                    // A `flow` event counts each way only: ExtraHop's
                    // `bytes` and `pkts` are both ways.
                    pkts: at("pkts").or_else(|| both(at("pkts_toserver"), at("pkts_toclient"))),
                    bytes: at("bytes").or_else(|| both(at("bytes_toserver"), at("bytes_toclient"))),
                    conn_state: at("state"),
                    end_reason: at("reason"),
                    l7proto: val(&ev, "app_proto"),
                    first_seen: first_seen,
                    last_seen: last_seen,
                }
            ))))
        }
        "dns" => {
            let d = ev.get("dns").cloned().unwrap_or(Value::Null);
            let is_query = d.get("type").and_then(Value::as_str) == Some("query");
            let (qname, qtype) = match d.get("queries").and_then(|q| q.get(0)) {
                Some(q) => (q.get("rrname").cloned(), q.get("rrtype").cloned()),
                None => (d.get("rrname").cloned(), d.get("rrtype").cloned()),
            };
            let answers: Vec<Value> = d
                .get("answers")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.get("rdata").cloned()).collect())
                .unwrap_or_default();
            let dns = with_ends!(
                e,
                SuricataDns {
                    qname: qname,
                    qtype: qtype,
                    id: val(&ev, "dns.id"),
                    rcode: val(&ev, "dns.rcode"),
                    answers: (!answers.is_empty()).then_some(answers),
                    authorities: d.get("authorities").cloned(),
                }
            );
            record(if is_query {
                Record::SuricataDnsRequest(Box::new(dns))
            } else {
                Record::SuricataDnsResponse(Box::new(dns))
            })
        }
        "http" => record(Record::SuricataHttp(Box::new(with_ends!(
            e,
            SuricataHttp {
                host: val(&ev, "http.hostname"),
                uri: val(&ev, "http.url"),
                method: val(&ev, "http.http_method"),
                status_code: val(&ev, "http.status"),
                user_agent: val(&ev, "http.http_user_agent"),
                content_type: val(&ev, "http.http_content_type"),
                referer: val(&ev, "http.http_refer"),
                version: val(&ev, "http.protocol"),
                rsp_bytes: val(&ev, "http.length"),
            }
        )))),
        "tls" => record(Record::SuricataTls(Box::new(with_ends!(
            e,
            SuricataTls {
                host: val(&ev, "tls.sni"),
                version: val(&ev, "tls.version"),
                certificate_subject: val(&ev, "tls.subject"),
                certificate_issuer: val(&ev, "tls.issuerdn"),
                ja3_hash: val(&ev, "tls.ja3.hash"),
                ja3s_hash: val(&ev, "tls.ja3s.hash"),
                ja4: val(&ev, "tls.ja4"),
                certificate_fingerprint: val(&ev, "tls.fingerprint"),
            }
        )))),
        _ => Ok(EveItem::Ignored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.000000+0000"), Some(0));
        assert_eq!(
            parse_timestamp("2009-11-24T21:27:09.534255+0100"),
            Some(1_259_094_429_534)
        );
        assert_eq!(
            parse_timestamp("2009-11-24T20:27:09Z"),
            Some(1_259_094_429_000)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
