//! Hand-written component schemas of the system resources: errors,
//! `/extrahop`, created keys and users, stored observations and the audit log
//! (API keys, users, localities and observations are generated: `derived.rs`).

use super::{enumeration, id, ms, nullable_string, object, r, string};
use serde_json::{json, Map, Value};

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("Error400", error400());
    put("Error", error());
    put("ExtraHop", extrahop());
    put(
        "Version",
        object(
            "`GET /extrahop/version`.",
            &["version"],
            json!({"version": string("The firmware version reported.")}),
        ),
    );
    put(
        "Platform",
        object(
            "`GET /extrahop/platform`.",
            &["platform"],
            json!({"platform": string("The platform name.")}),
        ),
    );
    put(
        "Edition",
        object(
            "`GET /extrahop/edition`.",
            &["edition"],
            json!({"edition": string("The edition name.")}),
        ),
    );
    put("CreatedUser", created_user());
    put("StoredObservation", stored_observation());
    put("AuditEntry", audit_entry());
}

fn error400() -> Value {
    object(
        "The body of every 400 (and 413) answer.",
        &["type", "detail", "field", "error_message"],
        json!({
            "type": enumeration(
                vec![json!("invalid_request"), json!("malformed_json"), json!("payload_too_large")],
                false,
                "`invalid_request`: a field is wrong; `malformed_json`: the body is not JSON or cannot be read; \
                 `payload_too_large`: the body is too large.",
            ),
            "detail": string("What is wrong."),
            "field": nullable_string("The JSON path of the field at fault (e.g. `participants[0].role`); `null` when the body as a whole is."),
            "error_message": string("The same text as `detail`, for clients that read only `error_message`."),
        }),
    )
}

fn error() -> Value {
    let mut e = object(
        "The body of every error other than 400 and 413.",
        &["error_message"],
        json!({"error_message": string("What went wrong. 5xx answers say nothing about the cause, which is logged.")}),
    );
    e["example"] = json!({"error_message": "detection 42 not found"});
    e
}

fn extrahop() -> Value {
    let mut e = object(
        "`GET /extrahop`: metadata about this sensor.",
        &[
            "display_host",
            "external_hostname",
            "hostname",
            "mgmt_ipaddr",
            "platform",
            "version",
        ],
        json!({
            "display_host": string("The host name shown in the user interface."),
            "external_hostname": string("The host name clients reach the sensor at."),
            "hostname": string("The sensor's host name."),
            "mgmt_ipaddr": string("The management IP address."),
            "platform": string("The platform name."),
            "version": string("The firmware version reported."),
        }),
    );
    e["example"] = json!({"display_host": "sensor1", "external_hostname": "sensor1.example.com", "hostname": "sensor1",
        "mgmt_ipaddr": "192.0.2.10", "platform": "extrahop", "version": "9.9.0.1"});
    e
}

fn created_user() -> Value {
    json!({
        "description": "The created user; with `create_apikey: true` also its first API key (the only time the full key is shown).",
        "allOf": [r("User"), {"type": "object", "properties": {"apikey": r("ApiKey")}}],
    })
}

fn stored_observation() -> Value {
    let mut o = object(
        "A stored observation (`GET /observations/associatedipaddrs`).",
        &[
            "id",
            "ipaddr",
            "associated_ipaddr",
            "timestamp",
            "source",
            "received_time",
        ],
        json!({
            "id": id("The observation's id."),
            "ipaddr": string("The IP address."),
            "associated_ipaddr": string("The IP address associated with it."),
            "timestamp": json!({"type": "integer", "format": "int64", "description": "When it was observed, in seconds since the epoch."}),
            "source": string("Where it came from."),
            "received_time": ms("When wirewatch received it."),
        }),
    );
    o["example"] = json!({"id": 7, "ipaddr": "10.8.0.6", "associated_ipaddr": "203.0.113.50", "timestamp": 1_767_225_600,
        "source": "OpenVPN", "received_time": 1_767_225_601_000_i64});
    o
}

fn audit_entry() -> Value {
    let mut a = object(
        "One audit log message.",
        &["id", "occur_time", "time", "body"],
        json!({
            "id": id("The message's id."),
            "occur_time": ms("When the change happened."),
            "time": ms("When it was logged."),
            "body": object("What happened.", &["user", "operation", "component", "details"], json!({
                "user": string("The username of the caller."),
                "operation": string("What was done, e.g. `update detection`."),
                "component": string("The resource, e.g. `detections`."),
                "details": {"type": "object", "additionalProperties": true, "description": "Operation-specific details (ids, changed fields)."},
            })),
        }),
    );
    a["example"] = json!({"id": 12, "occur_time": 1_767_225_600_000_i64, "time": 1_767_225_600_000_i64,
        "body": {"user": "alice", "operation": "update detection", "component": "detections",
                 "details": {"id": 1042, "changes": {"status": "in_progress"}}}});
    a
}
