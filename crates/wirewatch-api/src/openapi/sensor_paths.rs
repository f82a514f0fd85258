//! Operations on what the sensor sees: `/devices` and the record log (`/records`).

use super::{array, id, r, Op, Paths};
use serde_json::{json, Value};
use wirewatch_model::time::{TIME_PATTERN, TIME_TEXT, TTL_PATTERN};

const READ: &str = "Requires `write: personal` or higher.";
const WRITE_FULL: &str = "Requires `write: full` or higher.";
const RECORDS: &str =
    "Requires `metrics: full` or higher (any `write` privilege, or `system: full`).";

/// The `search_type` values of `GET /devices`.
const SEARCH_TYPES: &[&str] = &[
    "any",
    "name",
    "discovery_id",
    "ip address",
    "mac address",
    "vendor",
    "type",
    "vlan",
    "discover time",
];

/// A time in a query string (where every value is a string).
fn time_param() -> Value {
    json!({"type": "string", "pattern": TIME_PATTERN, "example": "-30m"})
}

/// `context_ttl` in a query string.
fn ttl_param() -> Value {
    json!({"type": "string", "pattern": TTL_PATTERN, "example": "5m"})
}

/// How many results to skip (any 64-bit count).
fn page_offset(what: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX, "default": 0,
           "description": format!("How many {what} to skip.")})
}

pub(super) fn add(p: &mut Paths) {
    devices(p);
    records(p);
}

fn devices(p: &mut Paths) {
    let tag = "Device";
    p.add(
        "get",
        "/devices",
        Op::new(tag, "listDevices", "List devices")
            .describe(&format!(
                "Devices by id, optionally only those active in a time window and matching a simple search. {READ}"
            ))
            .query(
                "active_from",
                &format!("Only devices seen at or after this time. {TIME_TEXT}"),
                time_param(),
            )
            .query(
                "active_until",
                &format!("Only devices discovered at or before this time. {TIME_TEXT}"),
                time_param(),
            )
            .query(
                "limit",
                "The page size (default and at most 10000).",
                json!({"type": "integer", "minimum": 0, "maximum": 10_000, "default": 10_000}),
            )
            .query("offset", "How many devices to skip.", page_offset("devices"))
            .query(
                "search_type",
                "What `value` is matched against (default `any`). `ipaddr` and `macaddr` are accepted for \
                 `ip address` and `mac address`; `node`, `tag` and `activity` are not supported (400).",
                json!({"type": "string", "enum": SEARCH_TYPES, "default": "any"}),
            )
            .query(
                "value",
                "What to look for. With `any`: a case-insensitive substring of the device's JSON text (empty: every device). \
                 With a field: its value, ignoring case (a CIDR block for `ip address`); for `discover time` the \
                 earliest discovery time (ms).",
                json!({"type": "string"}),
            )
            .ok("200", "The devices.", array(r("Device")))
            .errors(&[400, 403]),
    );
    let partial = json!({
        "description": "A device; with `result_fields`, only its `id` and those fields.",
        "anyOf": [
            r("Device"),
            {"type": "object", "required": ["id"], "properties": {"id": id("The device's id.")}, "additionalProperties": true},
        ],
    });
    p.add(
        "post",
        "/devices/search",
        Op::new(tag, "searchDevices", "Search devices")
            .describe(&format!("Devices matching a filter, by id. {READ}"))
            .body_example(json!({
                    "active_from": "-1d",
                    "filter": {"operator": "and", "rules": [
                        {"field": "ipaddr", "operator": "=", "operand": "10.1.0.0/16"},
                        {"field": "vendor", "operator": "~", "operand": "cisco|juniper"},
                        {"operator": "not", "rules": [{"field": "role", "operator": "=", "operand": "gateway"}]},
                    ]},
                    "limit": 100, "offset": 0,
                    "result_fields": ["display_name", "ipaddr4", "macaddr", "ipaddrs"],
                }),
            )
            .ok("200", "The matching devices.", array(partial))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/devices/{id}",
        Op::new(tag, "getDevice", "Get a device")
            .describe(&format!(
                "The device, with the observations about its addresses (`associated_ipaddrs`, a wirewatch extension). {READ}"
            ))
            .path_id("device")
            .ok("200", "The device.", r("DeviceDetail"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/devices/{id}",
        Op::new(tag, "updateDevice", "Update a device")
            .describe(&format!(
                "Sets the name, description, type, vendor, criticality, make and model a user gives the device. {WRITE_FULL}"
            ))
            .path_id("device")
            .body_example(json!({"custom_name": "core-router", "custom_type": "gateway", "custom_criticality": "critical",
                       "description": null}),
            )
            .empty("204", "The device was changed.")
            .errors(&[403, 404]),
    );
}

fn with_ttl(op: Op) -> Op {
    op.query(
        "context_ttl",
        "Keep the cursor alive this much longer: milliseconds, or a number with a unit (`ms`, `s`, `m`, `h`); \
         at most one hour.",
        ttl_param(),
    )
}

fn records(p: &mut Paths) {
    let tag = "Record Log";
    let results = || -> Value { r("RecordResults") };
    p.add(
        "get",
        "/records/formats",
        Op::new(tag, "getRecordsFormats", "List the record formats")
            .describe(&format!(
                "Every record type the sensor writes (`~flow`, `~dns_request`, `~dns_response`, `~http`, `~ftp`, \
                 `~ssl_open`) with the fields its records can carry: name (as filters and sorts take it), display \
                 name, data type (`ipaddr` and `device` fields are typed objects in records), description, and \
                 the older names filters and sorts still accept (`aliases`). A record carries a field only when \
                 the sensor measured it. {RECORDS}"
            ))
            .ok("200", "The record formats.", array(r("RecordFormat")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/records/search",
        Op::new(tag, "searchRecords", "Search records")
            .describe(&format!(
                "Records (flows, DNS, HTTP, TLS and FTP transactions) in a time window, filtered, sorted and paged; \
                 newest first by default. With `context_ttl` the answer has a `cursor` for the next pages. {RECORDS}"
            ))
            .body_example(json!({
                    "from": "-30m",
                    "types": ["~flow"],
                    "filter": {"operator": "and", "rules": [
                        {"field": "receiverPort", "operator": "=", "operand": 443},
                        {"field": "sender", "operator": "=", "operand": {"type": "ipaddr4", "value": "10.1.0.0/16"}},
                        {"field": "receiverAddr", "operator": "not_in", "operand": {"type": "network_locality", "value": "1"}},
                    ]},
                    "sort": [{"field": "bytes", "direction": "desc"}],
                    "limit": 100,
                    "context_ttl": "5m",
                }),
            )
            .ok("200", "The matching records.", results())
            .errors(&[403]),
    );
    p.add(
        "post",
        "/records/cursor",
        Op::new(tag, "nextRecordPage", "Get the next page of a record search")
            .describe(&format!(
                "Each call answers the next page of the search that made the cursor (same window, filter and page size) \
                 and moves the cursor on; an empty `records` list is the end. 404 once the cursor expired. {RECORDS}"
            ))
            .body_example(json!({"cursor": "3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d", "context_ttl": 300_000}),
            )
            .ok("200", "The next page.", results())
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/records/cursor/{cursor}",
        with_ttl(
            Op::new(
                tag,
                "getRecordCursor",
                "Get the next page of a record search (deprecated)",
            )
            .describe(&format!(
                "Deprecated: use `POST /records/cursor`, which takes the same cursor. {RECORDS}"
            ))
            .deprecated()
            .path(
                "cursor",
                "The `cursor` of a record search made with `context_ttl`.",
                json!({"type": "string"}),
            ),
        )
        .ok("200", "The next page.", results())
        .errors(&[400, 403, 404]),
    );
}
