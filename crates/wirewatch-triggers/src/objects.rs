//! The objects a trigger sees, in the ExtraHop Trigger API's naming
//! (`Detection`, `Flow`, `HTTP`, `DNS`, `ExternalData`), as JSON text the
//! engine turns into JavaScript values.

use crate::runner::SensorEvent;
use serde_json::{json, Map, Value};
use wirewatch_model::detection::Detection;
use wirewatch_store::NewRecord;

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

fn get<'a>(f: &'a Map<String, Value>, k: &str) -> &'a Value {
    f.get(k).unwrap_or(&Value::Null)
}

/// The `Flow` object built from a record's address fields.
pub fn flow(f: &Map<String, Value>) -> Value {
    json!({
        "client": {"ipaddr": get(f, "clientAddr"), "port": get(f, "clientPort")},
        "server": {"ipaddr": get(f, "serverAddr"), "port": get(f, "serverPort")},
        "ipaddr1": get(f, "clientAddr"),
        "ipaddr2": get(f, "serverAddr"),
        "port1": get(f, "clientPort"),
        "port2": get(f, "serverPort"),
        "ipproto": get(f, "ipproto"),
        "connState": get(f, "connState"),
        "duration": get(f, "duration"),
        "id": get(f, "flowId"),
        "l7proto": get(f, "l7proto"),
        "bytes1": get(f, "clientBytes"),
        "bytes2": get(f, "serverBytes"),
        "pkts1": get(f, "clientPkts"),
        "pkts2": get(f, "serverPkts"),
    })
}

/// The `HTTP` object from an `~http` record.
pub fn http(f: &Map<String, Value>) -> Value {
    json!({
        "method": get(f, "method"),
        "uri": get(f, "uri"),
        "host": get(f, "host"),
        "statusCode": get(f, "statusCode"),
        "userAgent": get(f, "userAgent"),
        "contentType": get(f, "contentType"),
        "reqBytes": get(f, "reqBytes"),
        "rspBytes": get(f, "rspBytes"),
        "processingTime": get(f, "processingTime"),
        "referer": get(f, "referer"),
    })
}

/// The `DNS` object from a `~dns_request` / `~dns_response` record.
pub fn dns(f: &Map<String, Value>, response: bool) -> Value {
    json!({
        "qname": get(f, "qname"),
        "qtype": get(f, "qtype"),
        "answers": get(f, "answers"),
        "error": get(f, "error"),
        "isResponse": response,
        "opcode": get(f, "opcode"),
    })
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
        let f = &r.fields;
        let (event, name, obj) = match r.kind {
            "~flow" => match tick {
                Some(e) => (e, None, None),
                None => continue,
            },
            "~http" => {
                if let Some(e) = req {
                    out.push(SensorEvent {
                        event: e,
                        globals: vec![("Flow", flow(f).to_string()), ("HTTP", http(f).to_string())],
                    });
                }
                match rsp {
                    Some(e) if f.contains_key("statusCode") => (e, Some("HTTP"), Some(http(f))),
                    _ => continue,
                }
            }
            "~dns_request" => match dreq {
                Some(e) => (e, Some("DNS"), Some(dns(f, false))),
                None => continue,
            },
            "~dns_response" => match drsp {
                Some(e) => (e, Some("DNS"), Some(dns(f, true))),
                None => continue,
            },
            _ => continue,
        };
        let mut globals = vec![("Flow", flow(f).to_string())];
        if let (Some(n), Some(o)) = (name, obj) {
            globals.push((n, o.to_string()));
        }
        out.push(SensorEvent { event, globals });
    }
    out
}
