//! The objects a trigger sees, in the ExtraHop Trigger API's naming
//! (`Detection`, `Flow`, `HTTP`, `DNS`, `ExternalData`), as JSON text the
//! engine turns into JavaScript values.

use serde_json::{json, Map, Value};
use wirewatch_model::detection::Detection;

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
        "ipproto": get(f, "proto"),
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
