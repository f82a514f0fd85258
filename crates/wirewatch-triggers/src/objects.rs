//! The objects a trigger sees, in the ExtraHop Trigger API's naming
//! (`Detection`, `Flow`, `HTTP`, `DNS`, `ExternalData`), as JSON text the
//! engine turns into JavaScript values.

use crate::runner::SensorEvent;
use serde_json::{json, Value};
use std::net::IpAddr;
use wirewatch_model::detection::Detection;
use wirewatch_model::record::{NewRecord, Record};

/// The `Detection` object of a `DETECTION_UPDATE` run.
pub fn detection(d: &Detection, is_new: bool) -> Value {
    let participants: Vec<Value> = d
        .participants
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "role": p.role,
                "objectType": p.object_type,
                "objectId": p.object_id,
                "objectValue": p.object_value,
                "ipaddr": p.ipaddr,
                "hostname": p.hostname,
                "external": p.external,
                "usernames": p.usernames,
                "origins": p.origins,
            })
        })
        .collect();
    json!({
        "id": d.id,
        "applianceId": d.appliance_id,
        "title": d.title,
        "description": d.description,
        "riskScore": d.risk_score,
        "type": d.kind,
        "categories": d.categories,
        "participants": participants,
        "status": d.status,
        "assignee": d.assignee,
        "ticketId": d.ticket_id,
        "ticketUrl": d.ticket_url,
        "resolution": d.resolution,
        "startTime": d.start_time,
        "endTime": d.end_time,
        "createTime": d.create_time,
        "updateTime": d.update_time,
        "modTime": d.mod_time,
        "isNew": is_new,
        "isUserCreated": d.is_user_created,
        "recommended": d.recommended,
        "mitreTactics": d.mitre_tactics.iter().map(|m| &m.id).collect::<Vec<_>>(),
        "mitreTechniques": d.mitre_techniques.iter().map(|m| &m.id).collect::<Vec<_>>(),
        "properties": d.properties,
        "url": d.url,
    })
}

/// The `Flow` object's fields as a record has them (`Null` where it has none).
#[derive(Default)]
struct FlowFields {
    client_addr: Value,
    client_port: Value,
    server_addr: Value,
    server_port: Value,
    ipproto: Value,
    conn_state: Value,
    duration: Value,
    id: Value,
    l7proto: Value,
    bytes1: Value,
    bytes2: Value,
    pkts1: Value,
    pkts2: Value,
}

fn opt(v: &Option<Value>) -> Value {
    v.clone().unwrap_or(Value::Null)
}

fn flow_fields(r: &Record) -> FlowFields {
    let ends = |c: (IpAddr, u16), s: (IpAddr, u16), id: u64| FlowFields {
        client_addr: json!(c.0.to_string()),
        client_port: json!(c.1),
        server_addr: json!(s.0.to_string()),
        server_port: json!(s.1),
        id: json!(format!("{id:016x}")),
        ..FlowFields::default()
    };
    macro_rules! suricata {
        ($r:expr) => {
            FlowFields {
                client_addr: opt(&$r.client_addr),
                client_port: opt(&$r.client_port),
                server_addr: opt(&$r.server_addr),
                server_port: opt(&$r.server_port),
                ipproto: opt(&$r.ipproto),
                id: opt(&$r.flow_id),
                ..FlowFields::default()
            }
        };
    }
    match r {
        Record::Flow(f) => FlowFields {
            ipproto: json!(f.ipproto),
            conn_state: json!(f.conn_state),
            duration: json!(f.duration),
            l7proto: f.l7proto.as_ref().map_or(Value::Null, |l| json!(l)),
            bytes1: json!(f.client_bytes),
            bytes2: json!(f.server_bytes),
            pkts1: json!(f.client_pkts),
            pkts2: json!(f.server_pkts),
            ..ends(
                (f.client_addr, f.client_port),
                (f.server_addr, f.server_port),
                f.flow_id,
            )
        },
        Record::DnsRequest(d) => ends(
            (d.client_addr, d.client_port),
            (d.server_addr, d.server_port),
            d.flow_id,
        ),
        Record::DnsResponse(d) => ends(
            (d.client_addr, d.client_port),
            (d.server_addr, d.server_port),
            d.flow_id,
        ),
        Record::Http(h) => ends(
            (h.client_addr, h.client_port),
            (h.server_addr, h.server_port),
            h.flow_id,
        ),
        Record::Ftp(f) => ends(
            (f.client_addr, f.client_port),
            (f.server_addr, f.server_port),
            f.flow_id,
        ),
        Record::SslOpen(t) => ends(
            (t.client_addr, t.client_port),
            (t.server_addr, t.server_port),
            t.flow_id,
        ),
        Record::SuricataFlow(f) => FlowFields {
            conn_state: opt(&f.conn_state),
            l7proto: opt(&f.l7proto),
            bytes1: opt(&f.client_bytes),
            bytes2: opt(&f.server_bytes),
            pkts1: opt(&f.client_pkts),
            pkts2: opt(&f.server_pkts),
            ..suricata!(f)
        },
        Record::SuricataDnsRequest(d) | Record::SuricataDnsResponse(d) => suricata!(d),
        Record::SuricataHttp(h) => suricata!(h),
        Record::SuricataTls(t) => suricata!(t),
    }
}

/// A record's client and server addresses (those it has).
fn addrs(r: &Record) -> Vec<IpAddr> {
    let f = flow_fields(r);
    [f.client_addr, f.server_addr]
        .iter()
        .filter_map(|a| a.as_str().and_then(|a| a.parse().ok()))
        .collect()
}

/// The `Flow` object built from a record's address fields.
pub fn flow(r: &Record) -> Value {
    let f = flow_fields(r);
    json!({
        "client": {"ipaddr": f.client_addr, "port": f.client_port},
        "server": {"ipaddr": f.server_addr, "port": f.server_port},
        "ipaddr1": f.client_addr,
        "ipaddr2": f.server_addr,
        "port1": f.client_port,
        "port2": f.server_port,
        "ipproto": f.ipproto,
        "connState": f.conn_state,
        "duration": f.duration,
        "id": f.id,
        "l7proto": f.l7proto,
        "bytes1": f.bytes1,
        "bytes2": f.bytes2,
        "pkts1": f.pkts1,
        "pkts2": f.pkts2,
    })
}

/// The `HTTP` object from an `~http` record (`None` for other records).
pub fn http(r: &Record) -> Option<Value> {
    Some(match r {
        Record::Http(h) => json!({
            "method": h.method,
            "uri": h.uri,
            "host": h.host,
            "statusCode": h.status_code,
            "userAgent": h.user_agent,
            "contentType": h.content_type,
            "reqBytes": h.req_bytes,
            "rspBytes": h.rsp_bytes,
            "processingTime": h.processing_time,
            "referer": h.referer,
        }),
        Record::SuricataHttp(h) => json!({
            "method": opt(&h.method),
            "uri": opt(&h.uri),
            "host": opt(&h.host),
            "statusCode": opt(&h.status_code),
            "userAgent": opt(&h.user_agent),
            "contentType": opt(&h.content_type),
            "reqBytes": Value::Null,
            "rspBytes": opt(&h.rsp_bytes),
            "processingTime": Value::Null,
            "referer": opt(&h.referer),
        }),
        _ => return None,
    })
}

/// The `DNS` object from a `~dns_request` / `~dns_response` record (`None` for other records).
pub fn dns(r: &Record) -> Option<Value> {
    let (qname, qtype, answers, response) = match r {
        Record::DnsRequest(d) => (json!(d.qname), json!(d.qtype), Value::Null, false),
        Record::DnsResponse(d) => (json!(d.qname), json!(d.qtype), json!(d.answers), true),
        Record::SuricataDnsRequest(d) => (opt(&d.qname), opt(&d.qtype), json!(d.answers), false),
        Record::SuricataDnsResponse(d) => (opt(&d.qname), opt(&d.qtype), json!(d.answers), true),
        _ => return None,
    };
    Some(json!({
        "qname": qname,
        "qtype": qtype,
        "answers": answers,
        "error": Value::Null,
        "isResponse": response,
        "opcode": Value::Null,
    }))
}

/// Whether an `~http` record has its response.
fn answered(r: &Record) -> bool {
    match r {
        Record::Http(h) => h.status_code.is_some(),
        Record::SuricataHttp(h) => h.status_code.is_some(),
        _ => false,
    }
}

/// The sensor events a batch of records fires, for the events `wants` asks
/// for: `FLOW_TICK` when a flow record is written (its end or timeout),
/// `HTTP_REQUEST`/`HTTP_RESPONSE` per `~http` record (the response only when
/// one was seen), `DNS_REQUEST`/`DNS_RESPONSE` per DNS record.
pub fn sensor_events(records: &[NewRecord], wants: impl Fn(&str) -> bool) -> Vec<SensorEvent> {
    let want = |e: &'static str| if wants(e) { Some(e) } else { None };
    let (tick, req, rsp, dreq, drsp) = (
        want("FLOW_TICK"),
        want("HTTP_REQUEST"),
        want("HTTP_RESPONSE"),
        want("DNS_REQUEST"),
        want("DNS_RESPONSE"),
    );
    let mut out = Vec::new();
    for r in records {
        let r = &r.record;
        let (event, name, obj) = match r.kind() {
            "~flow" => match tick {
                Some(e) => (e, None, None),
                None => continue,
            },
            "~http" => {
                if let (Some(e), Some(h)) = (req, http(r)) {
                    out.push(SensorEvent {
                        event: e,
                        globals: vec![("Flow", flow(r).to_string()), ("HTTP", h.to_string())],
                        addrs: addrs(r),
                    });
                }
                match rsp {
                    Some(e) if answered(r) => (e, Some("HTTP"), http(r)),
                    _ => continue,
                }
            }
            "~dns_request" => match dreq {
                Some(e) => (e, Some("DNS"), dns(r)),
                None => continue,
            },
            "~dns_response" => match drsp {
                Some(e) => (e, Some("DNS"), dns(r)),
                None => continue,
            },
            _ => continue,
        };
        let mut globals = vec![("Flow", flow(r).to_string())];
        if let (Some(n), Some(o)) = (name, obj) {
            globals.push((n, o.to_string()));
        }
        out.push(SensorEvent {
            event,
            globals,
            addrs: addrs(r),
        });
    }
    out
}
