//! Suricata EVE JSON input: `alert` events become IDS detections (signature,
//! category, severity → risk score, MITRE techniques from rule metadata);
//! `flow`, `netflow`, `dns`, `http` and `tls` events become records.
//! A line that is not an EVE event is counted and skipped.

use serde_json::{json, Map, Value};
use wirewatch_model::detection::{NewDetection, NewParticipant, ParticipantKind, Role};

/// Longest EVE line accepted (a full HTTP or TLS event is a few KiB).
pub const MAX_LINE: usize = 1 << 20;

/// What one EVE line became.
#[derive(Debug, Clone, PartialEq)]
pub enum EveItem {
    Record {
        kind: &'static str,
        time_ms: i64,
        fields: Map<String, Value>,
    },
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

fn ip_of(ev: &Value, key: &str) -> Option<String> {
    ev.get(key)?
        .as_str()?
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|i| i.to_string())
}

fn participant(ip: String, role: Role) -> NewParticipant {
    NewParticipant {
        object_type: ParticipantKind::Ipaddr,
        object_id: None,
        object_value: Some(ip),
        role,
        ipaddr: None,
        hostname: None,
        external: None,
        scanner_service: None,
        usernames: vec![],
        origins: vec![],
    }
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
        participants.push(participant(src, Role::Offender));
    }
    if let Some(dst) = ip_of(ev, "dest_ip") {
        participants.push(participant(dst, Role::Victim));
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
    let mut f = endpoints(&ev);
    let record = |kind: &'static str, f: Map<String, Value>| {
        Ok(EveItem::Record {
            kind,
            time_ms,
            fields: f,
        })
    };
    match kind {
        "alert" => Ok(alert(&ev, time_ms)),
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
