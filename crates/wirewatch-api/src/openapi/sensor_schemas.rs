//! Component schemas of what the sensor sees: devices (`/devices`) and the
//! record log (`/records`).

use super::{array, boolean, enumeration, ext, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::device::CustomType;
use wirewatch_model::device_filter::FIELDS;

/// The string form of a time: an integer with an optional unit, short enough
/// that the milliseconds fit in 64 bits.
pub(super) const TIME_PATTERN: &str =
    "^-?([0-9]{1,18}(ms)?|[0-9]{1,15}s|[0-9]{1,14}m|[0-9]{1,12}h|[0-9]{1,10}[dw]|[0-9]{1,9}M|[0-9]{1,8}y)$";

/// The string form of a cursor's lifetime: 1 ms to one hour, with an optional unit.
pub(super) const TTL_PATTERN: &str = "^(([1-9][0-9]{0,5}|[12][0-9]{6}|3[0-5][0-9]{5}|3600000)(ms)?\
                                      |([1-9][0-9]{0,2}|[12][0-9]{3}|3[0-5][0-9]{2}|3600)s\
                                      |([1-9]|[1-5][0-9]|60)m|1h)$";

/// How times are written in requests.
pub(super) const TIME_TEXT: &str =
    "Milliseconds since the epoch; `0` is now and a negative value is relative to now. \
     A string may add a unit: `ms`, `s`, `m`, `h`, `d`, `w`, `M` (30 days) or `y` (365 days), e.g. `\"-30m\"`.";

/// The roles the sensor assigns (`role` of a device).
const ROLES: &str =
    "`gateway`, `domain_controller`, `dns_server`, `dhcp_server`, `db_server`, `file_server`, \
                     `http_server` or `other`";

/// Every custom type a user may set, `""` (automatic) last.
pub(super) const CUSTOM_TYPES: &[CustomType] = &[
    CustomType::AttackSimulator,
    CustomType::DbServer,
    CustomType::DhcpServer,
    CustomType::DnsServer,
    CustomType::DomainController,
    CustomType::FileServer,
    CustomType::Firewall,
    CustomType::Gateway,
    CustomType::HttpServer,
    CustomType::IpCamera,
    CustomType::LoadBalancer,
    CustomType::MedicalDevice,
    CustomType::MobileDevice,
    CustomType::NatGateway,
    CustomType::Other,
    CustomType::Pc,
    CustomType::Printer,
    CustomType::Scanner,
    CustomType::VoipPhone,
    CustomType::VpnGateway,
    CustomType::WebProxy,
    CustomType::WifiAp,
    CustomType::Auto,
];

/// The operators of a device filter (`and`, `or`, `not` combine `rules`).
pub(super) const DEVICE_OPERATORS: &[&str] = &[
    "=",
    "!=",
    "~",
    "!~",
    ">",
    "<",
    ">=",
    "<=",
    "startswith",
    "exists",
    "not_exists",
    "and",
    "or",
    "not",
];

/// The operators of a record filter (`and`, `or`, `not` combine `rules`).
pub(super) const RECORD_OPERATORS: &[&str] = &[
    ">",
    "<",
    "<=",
    ">=",
    "=",
    "!=",
    "startswith",
    "~",
    "!~",
    "and",
    "or",
    "not",
    "exists",
    "not_exists",
    "in",
    "not_in",
];

/// The typed operands of a record filter.
pub(super) const OPERAND_TYPES: &[&str] = &[
    "ipaddr4",
    "ipaddr6",
    "number",
    "string",
    "boolean",
    "device",
    "device_group",
    "device_filter",
    "network_locality",
];

/// The criticality values of `PATCH /devices/{id}`.
pub(super) const CRITICALITIES: &[&str] = &["critical", "not_critical", ""];

/// Longest a record cursor may live (ms); mirrors `routes::records::MAX_CONTEXT_TTL_MS`.
const MAX_TTL_MS: i64 = crate::routes::records::MAX_CONTEXT_TTL_MS;

/// A time in a request body: milliseconds or a string with a unit.
pub(super) fn time(description: &str) -> Value {
    json!({
        "description": format!("{description} {TIME_TEXT}"),
        "oneOf": [
            {"type": "integer", "format": "int64"},
            {"type": "string", "pattern": TIME_PATTERN},
        ],
    })
}

/// A time in a query string (where every value is a string).
pub(super) fn time_param() -> Value {
    json!({"type": "string", "pattern": TIME_PATTERN, "example": "-30m"})
}

/// `context_ttl`: how long a cursor lives.
pub(super) fn ttl(description: &str) -> Value {
    json!({
        "description": format!(
            "{description} Milliseconds (1 to {MAX_TTL_MS}), or a number with a unit (`ms`, `s`, `m`, `h`, e.g. `\"5m\"`); \
             at most one hour."
        ),
        "oneOf": [
            {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_TTL_MS},
            {"type": "string", "pattern": TTL_PATTERN},
        ],
    })
}

/// `context_ttl` in a query string.
pub(super) fn ttl_param() -> Value {
    json!({"type": "string", "pattern": TTL_PATTERN, "example": "5m"})
}

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("Device", device());
    put("DeviceDetail", device_detail());
    put("DeviceObservation", device_observation());
    put("DeviceSearch", device_search());
    put("DeviceFilter", device_filter());
    put("DevicePatch", device_patch());
    put("RecordSearch", record_search());
    put("RecordSort", record_sort());
    put("RecordFilter", record_filter());
    put("RecordOperand", record_operand());
    put("RecordCursor", record_cursor());
    put("RecordResults", record_results());
    put("Record", record());
}

fn device_example() -> Value {
    json!({
        "id": 17, "discovery_id": "00137fbe8cff0000", "extrahop_id": "00137fbe8cff0000",
        "display_name": "core-router", "default_name": "CiscoBE8CFF", "custom_name": "core-router",
        "description": "Edge router of the lab", "ipaddr4": "10.1.0.1", "ipaddr6": "fe80::213:7fff:febe:8cff",
        "macaddr": "00:13:7f:be:8c:ff", "vendor": "Cisco Systems, Inc", "device_class": "gateway",
        "role": "gateway", "custom_type": "firewall", "is_l3": false, "parent_id": null, "node_id": null,
        "analysis": "standard", "analysis_level": 1, "discover_time": 1_767_225_600_000_i64,
        "last_seen_time": 1_767_229_200_000_i64, "mod_time": 1_767_229_200_000_i64,
        "user_mod_time": 1_767_226_000_000_i64, "dhcp_name": null, "dns_name": "gw.example.com",
        "netbios_name": null, "cdp_name": null, "vlanid": 0, "on_watchlist": true, "critical": true,
        "custom_criticality": "critical", "custom_make": null, "custom_model": null,
        "ipaddrs": ["10.1.0.1", "fe80::213:7fff:febe:8cff"],
    })
}

fn device() -> Value {
    let mut d = object(
        "A device the sensor discovered: an L2 device by MAC address or, behind a gateway, an L3 device by IP address.",
        &[
            "id",
            "discovery_id",
            "extrahop_id",
            "display_name",
            "default_name",
            "custom_name",
            "description",
            "ipaddr4",
            "ipaddr6",
            "macaddr",
            "vendor",
            "device_class",
            "role",
            "custom_type",
            "is_l3",
            "parent_id",
            "node_id",
            "analysis",
            "analysis_level",
            "discover_time",
            "last_seen_time",
            "mod_time",
            "user_mod_time",
            "dhcp_name",
            "dns_name",
            "netbios_name",
            "cdp_name",
            "vlanid",
            "on_watchlist",
            "critical",
            "custom_criticality",
            "custom_make",
            "custom_model",
            "ipaddrs",
        ],
        json!({
            "id": id("The device's id."),
            "discovery_id": string("The id the sensor discovered the device by: the MAC address (hex) followed by `0000`, or `ip-` and the IP address for an L3 device."),
            "extrahop_id": string("The same as `discovery_id`."),
            "display_name": string("The name shown: the custom name, else the DNS, DHCP or NetBIOS name, else `default_name`."),
            "default_name": string("The name made up at discovery: vendor and MAC address, or the IP address."),
            "custom_name": nullable_string("The name a user gave the device."),
            "description": nullable_string("A user's description."),
            "ipaddr4": nullable_string("The device's first IPv4 address."),
            "ipaddr6": nullable_string("The device's first IPv6 address."),
            "macaddr": nullable_string("The MAC address (`null` for an L3 device)."),
            "vendor": nullable_string("The vendor, from the MAC address or a user."),
            "device_class": string("`node` or `gateway`."),
            "role": string(&format!("The role discovered from traffic: {ROLES}.")),
            "custom_type": string("The role a user assigned (see `PATCH /devices/{id}`); `\"\"` when none."),
            "is_l3": boolean("Whether the device is an IP address seen behind a gateway rather than a MAC address."),
            "parent_id": {"type": "integer", "format": "int64", "minimum": 0, "nullable": true,
                          "description": "The id of the L2 device (the gateway) an L3 device was seen behind."},
            "node_id": {"type": "integer", "format": "int64", "nullable": true, "description": "Always `null` (no connected sensors)."},
            "analysis": string("The analysis level's name: `standard`."),
            "analysis_level": {"type": "integer", "minimum": 0, "maximum": 255, "description": "The analysis level: `1` (standard)."},
            "discover_time": ms("When the device was first seen."),
            "last_seen_time": ms("When the device was last seen."),
            "mod_time": ms("When the device last changed."),
            "user_mod_time": ms("When a user last changed the device, else when it was discovered (ms)."),
            "dhcp_name": nullable_string("The name from DHCP."),
            "dns_name": nullable_string("The name from DNS."),
            "netbios_name": nullable_string("The name from NetBIOS."),
            "cdp_name": nullable_string("The name from CDP."),
            "vlanid": {"type": "integer", "minimum": 0, "maximum": 65_535, "description": "The VLAN the device was seen on (0: none)."},
            "on_watchlist": boolean("Whether the device is on the watchlist."),
            "critical": boolean("Whether the device is critical."),
            "custom_criticality": enumeration(
                vec![json!("critical"), json!("not_critical")],
                true,
                "The criticality a user set; `null` lets the system decide.",
            ),
            "custom_make": nullable_string("The make a user set."),
            "custom_model": nullable_string("The model a user set."),
            "ipaddrs": ext(json!({"type": "array", "items": {"type": "string"},
                                  "description": "every IP address the device was seen with."})),
        }),
    );
    d["example"] = device_example();
    d
}

fn device_detail() -> Value {
    let mut example = device_example();
    example["associated_ipaddrs"] = json!([
        {"ipaddr": "10.1.0.1", "associated_ipaddr": "203.0.113.50", "source": "OpenVPN", "timestamp": 1_767_225_600},
    ]);
    json!({
        "description": "A device, with the observations (`/observations/associatedipaddrs`) about its addresses.",
        "allOf": [
            r("Device"),
            {"type": "object", "required": ["associated_ipaddrs"], "properties": {
                "associated_ipaddrs": ext(json!({
                    "type": "array",
                    "items": r("DeviceObservation"),
                    "description": "the observations that name one of the device's addresses (up to 100 per address), newest first.",
                })),
            }},
        ],
        "example": example,
    })
}

fn device_observation() -> Value {
    let mut o = object(
        "An observation about one of a device's addresses.",
        &["ipaddr", "associated_ipaddr", "source", "timestamp"],
        json!({
            "ipaddr": string("The IP address."),
            "associated_ipaddr": string("The IP address associated with it."),
            "source": string("Where the observation came from."),
            "timestamp": {"type": "integer", "format": "int64", "description": "When it was observed, in **seconds** since the epoch."},
        }),
    );
    o["example"] = json!({"ipaddr": "10.1.0.1", "associated_ipaddr": "203.0.113.50", "source": "OpenVPN", "timestamp": 1_767_225_600});
    o
}

fn page_limit(default: u64, max: u64, what: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": max, "default": default, "description": format!("The page size: how many {what} (at most {max}).")})
}

/// How many results to skip (any 64-bit count).
pub(super) fn page_offset(what: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX, "default": 0,
           "description": format!("How many {what} to skip.")})
}

fn device_search() -> Value {
    object(
        "Body of `POST /devices/search`. Every criterion is optional; an empty object returns every device.",
        &[],
        json!({
            "active_from": time("Only devices seen at or after this time."),
            "active_until": time("Only devices discovered at or before this time."),
            "filter": r("DeviceFilter"),
            "limit": page_limit(10_000, 10_000, "devices"),
            "offset": page_offset("matching devices"),
            "result_fields": array(string("A device field to return; `id` is always returned. Default: every field.")),
        }),
    )
}

fn device_filter() -> Value {
    let fields: Vec<Value> = FIELDS.iter().map(|f| json!(f)).collect();
    let operators: Vec<Value> = DEVICE_OPERATORS.iter().map(|o| json!(o)).collect();
    let mut f = object(
        "A device filter: a test (`field`, `operator`, `operand`), or `and`, `or` or `not` combining `rules` \
         (`not` takes exactly one). At most 16 levels deep.",
        &[],
        json!({
            "field": enumeration(fields, false,
                "The device field to test (required without `rules`). `name` matches any of the device's names, \
                 `ipaddr` any of its addresses; `role` and `type` are the custom type when set, else the discovered role; \
                 `vlan` is `vlanid`."),
            "operator": enumeration(operators, false,
                "How to compare (default `=`). `=`, `!=` and `startswith` ignore case, `=` on `ipaddr` takes a CIDR block; \
                 `~` and `!~` are case-insensitive regular expressions; `>`, `<`, `>=` and `<=` compare numbers; \
                 `exists` and `not_exists` need no operand; `and`, `or` and `not` combine `rules`."),
            "operand": {
                "description": "The value compared with (required unless the operator is `exists` or `not_exists`).",
                "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
            },
            "rules": array(r("DeviceFilter")),
        }),
    );
    f["example"] = json!({"operator": "and", "rules": [
        {"field": "ipaddr", "operator": "=", "operand": "10.1.0.0/16"},
        {"operator": "not", "rules": [{"field": "vendor", "operator": "~", "operand": "cisco"}]},
    ]});
    f
}

fn device_patch() -> Value {
    object(
        "Body of `PATCH /devices/{id}`: absent fields are left alone, `null` clears.",
        &[],
        json!({
            "custom_name": nullable_string("The name shown instead of the discovered ones; `null` or `\"\"` removes it."),
            "description": nullable_string("A description; `null` removes it."),
            "custom_type": enumeration(wire(CUSTOM_TYPES), false,
                "The role shown instead of the discovered one; `\"\"` goes back to the discovered role."),
            "vendor": nullable_string("The vendor; `null` removes it."),
            "custom_criticality": enumeration(
                CRITICALITIES.iter().map(|c| json!(c)).collect(),
                false,
                "`critical` or `not_critical`; `\"\"` lets the system decide.",
            ),
            "custom_make": nullable_string("The make; `null` removes it."),
            "custom_model": nullable_string("The model; `null` removes it."),
        }),
    )
}

fn record_search() -> Value {
    object(
        "Body of `POST /records/search`. Every criterion is optional; an empty object returns the newest 100 records.",
        &[],
        json!({
            "from": time("Only records at or after this time (default: the oldest)."),
            "until": time("Only records at or before this time (default: now); not before `from`."),
            "types": {"type": "array", "maxItems": crate::routes::records::MAX_TYPES, "items": {"type": "string"},
                      "description": "Record types such as `~flow`, `~dns_request`, `~dns_response`, `~http`, `~ssl_open` \
                                      or `~ftp` (at most 1000); default: every type."},
            "limit": page_limit(100, 10_000, "records"),
            "offset": {"type": "integer", "minimum": 0, "maximum": 10_000, "default": 0,
                       "description": "How many matching records to skip (at most 10000; page further with a cursor)."},
            "sort": {"description": "Sort keys, most significant first: one object or a list. Default: newest first.",
                     "oneOf": [r("RecordSort"), array(r("RecordSort"))]},
            "filter": r("RecordFilter"),
            "context_ttl": ttl("Keep a cursor for the next pages (`POST /records/cursor`) this long; the answer has its `cursor`."),
        }),
    )
}

fn record_sort() -> Value {
    object(
        "One sort key of a record search.",
        &["field"],
        json!({
            "field": {"type": "string", "minLength": 1, "description": "A record field such as `timestamp` or `clientBytes`."},
            "direction": {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
        }),
    )
}

fn record_filter() -> Value {
    let operators: Vec<Value> = RECORD_OPERATORS.iter().map(|o| json!(o)).collect();
    let mut f = object(
        "A record filter: a test (`field`, `operator`, `operand`), or `and`, `or` or `not` combining `rules` \
         (`not` takes exactly one). At most 16 levels deep and 256 rules.",
        &["operator"],
        json!({
            "field": string(
                "The record field to test (required without `rules`), e.g. `serverPort`. `.any` tests every field, \
                 `.ipaddr` every address (`clientAddr`, `serverAddr`, `senderAddr`, `receiverAddr`), `.port` every port; \
                 `client`, `server`, `sender` and `receiver` are the address of that role."),
            "operator": enumeration(operators, false,
                "How to compare. `~` and `!~` are regular expressions; `>`, `<`, `<=` and `>=` compare numbers; \
                 `in` and `not_in` take a list or an operand naming addresses (device, device group, device filter, \
                 network locality); `exists` and `not_exists` need no operand; `and`, `or` and `not` combine `rules`. \
                 An address or CIDR block compared (`=`, `!=`, `in`, `not_in`) with an address field matches the addresses it covers."),
            "operand": {
                "description": "The value compared with (required unless the operator is `exists` or `not_exists`): \
                                a string, number, boolean, list, or a typed operand.",
                "anyOf": [
                    {"type": "string"},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}},
                    r("RecordOperand"),
                ],
            },
            "rules": array(r("RecordFilter")),
        }),
    );
    f["example"] = json!({"operator": "and", "rules": [
        {"field": "serverPort", "operator": "=", "operand": 443},
        {"field": "client", "operator": "=", "operand": {"type": "ipaddr4", "value": "10.1.0.0/16"}},
        {"field": "serverAddr", "operator": "not_in", "operand": ["10.1.0.1", "10.1.0.2"]},
    ]});
    f
}

fn record_operand() -> Value {
    let types: Vec<Value> = OPERAND_TYPES.iter().map(|t| json!(t)).collect();
    object(
        "A typed operand. `ipaddr4` and `ipaddr6` take an address or CIDR block; `device` the discovery id (or id) \
         of a device, `device_group` the id of a device group, `network_locality` the id of a network locality entry, \
         `device_filter` a device filter: each stands for the addresses of what it names. The ExtraHop types \
         `application`, `flowinterface`, `flownetwork` and `object` have no meaning here (400).",
        &["type", "value"],
        json!({
            "type": enumeration(types, false, "How to read `value`."),
            "value": {
                "description": "The value: a string (or number) for most types, a `DeviceFilter` for `device_filter`.",
                "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, r("DeviceFilter")],
            },
        }),
    )
}

fn record_cursor() -> Value {
    object(
        "Body of `POST /records/cursor`.",
        &["cursor"],
        json!({
            "cursor": string("The `cursor` of a record search made with `context_ttl`."),
            "context_ttl": ttl("Keep the cursor alive this much longer."),
        }),
    )
}

fn record_results() -> Value {
    let mut r0 = object(
        "A page of records.",
        &[
            "from",
            "until",
            "total",
            "records",
            "warnings",
            "lookback_exceeded",
            "lookback_truncated",
        ],
        json!({
            "from": ms("The start of the time window searched."),
            "until": ms("The end of the time window searched."),
            "total": {"type": "integer", "format": "int64", "minimum": 0, "description": "How many records match in all."},
            "records": array(r("Record")),
            "warnings": array(string("A problem with the query that did not stop it (none so far).")),
            "lookback_exceeded": boolean("Whether the window reaches past the oldest stored record (always false)."),
            "lookback_truncated": boolean("Whether the window was cut to the stored records (always false)."),
            "cursor": string("The cursor for the next page (`POST /records/cursor`); only with `context_ttl` and on cursor pages."),
        }),
    );
    r0["example"] = json!({
        "from": 1_767_225_600_000_i64, "until": 1_767_229_200_000_i64, "total": 1,
        "records": [record_example()], "warnings": [], "lookback_exceeded": false, "lookback_truncated": false,
        "cursor": "3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d",
    });
    r0
}

fn record_example() -> Value {
    json!({"_id": "4711", "_type": "~flow", "_index": "wirewatch", "_source": {
        "timestamp": 1_767_225_601_000_i64, "flowId": "00000000000012ab", "ipproto": "TCP",
        "clientAddr": "10.1.2.3", "clientPort": 51_514, "serverAddr": "198.51.100.20", "serverPort": 443,
        "clientPkts": 12, "serverPkts": 10, "clientBytes": 1_840, "serverBytes": 6_312,
        "clientPayloadBytes": 1_200, "serverPayloadBytes": 5_800,
        "firstSeen": 1_767_225_600_000_i64, "lastSeen": 1_767_225_601_000_i64, "duration": 1000.5,
        "connState": "SF", "history": "ShADadFf", "l7proto": "ssl",
    }})
}

fn record() -> Value {
    let mut rec = object(
        "One record.",
        &["_id", "_type", "_index", "_source"],
        json!({
            "_id": string("The record's id."),
            "_type": string("The record type, e.g. `~flow`."),
            "_index": string("Where the record is stored: `wirewatch`."),
            "_source": {
                "type": "object",
                "description": "The record's fields, named as the ExtraHop record formats name them \
                                (`clientAddr`, `serverPort`, ...); which ones depends on the type.",
                "required": ["timestamp"],
                "properties": {"timestamp": ms("When the record was made.")},
                "additionalProperties": true,
            },
        }),
    );
    rec["example"] = record_example();
    rec
}
