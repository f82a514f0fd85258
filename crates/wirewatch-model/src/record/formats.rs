//! The record formats (`GET /records/formats`): each record type's fields
//! with their ExtraHop names, display names, data types and the names they
//! had before (aliases). Read from the record structs themselves (their JSON
//! schemas, which follow their serde names), so the list cannot drift from
//! what records carry. Also the reading of records stored under the old
//! names ([`upgrade_legacy`]) and the old names filters and sorts still take
//! ([`field_group`]).

use super::{
    device_fields, DnsRequest, DnsResponse, Flow, Ftp, Http, SslOpen, SuricataDns, SuricataFlow,
    SuricataHttp, SuricataTls,
};
use serde::Serialize;
use serde_json::{Map, Value};

/// The record types the sensor and EVE input write.
pub const KINDS: &[&str] = &[
    "~flow",
    "~dns_request",
    "~dns_response",
    "~http",
    "~ftp",
    "~ssl_open",
];

/// Fields renamed when records took the ExtraHop formats' names:
/// `(type, old name, ExtraHop name)`. Records stored before are read with
/// the new names ([`upgrade_legacy`]); filters and sorts take the old names
/// as aliases ([`field_group`]).
pub const RENAMED: &[(&str, &str, &str)] = &[
    ("~flow", "clientAddr", "senderAddr"),
    ("~flow", "clientPort", "senderPort"),
    ("~flow", "clientBytes", "senderBytes"),
    ("~flow", "clientPkts", "senderPkts"),
    ("~flow", "clientL2Bytes", "senderL2Bytes"),
    ("~flow", "clientPayloadBytes", "senderPayloadBytes"),
    ("~flow", "clientMac", "senderMac"),
    ("~flow", "serverAddr", "receiverAddr"),
    ("~flow", "serverPort", "receiverPort"),
    ("~flow", "serverBytes", "receiverBytes"),
    ("~flow", "serverPkts", "receiverPkts"),
    ("~flow", "serverL2Bytes", "receiverL2Bytes"),
    ("~flow", "serverPayloadBytes", "receiverPayloadBytes"),
    ("~flow", "serverMac", "receiverMac"),
    ("~flow", "tunnelClientAddr", "tunnelSenderAddr"),
    ("~flow", "tunnelServerAddr", "tunnelReceiverAddr"),
    ("~flow", "client", "sender"),
    ("~flow", "server", "receiver"),
    ("~flow", "ipproto", "proto"),
    ("~flow", "firstSeen", "first"),
    ("~flow", "lastSeen", "last"),
    ("~dns_request", "ipproto", "proto"),
    ("~dns_response", "ipproto", "proto"),
    ("~dns_response", "authoritative", "isAuthoritative"),
    ("~dns_response", "rtt", "processingTime"),
    ("~dns_response", "timeout", "isReqTimeout"),
    ("~http", "ipproto", "proto"),
    ("~ssl_open", "ipproto", "proto"),
    ("~ssl_open", "host", "serverName"),
    ("~ssl_open", "ja4", "ja4Fingerprint"),
];

/// The stored field names a filter or sort field stands for: itself, and
/// when it is an old name (`clientAddr`), the names it became on the types
/// that renamed it (`senderAddr` on `~flow`). No record type holds two of
/// them, so testing each in turn tests the record's one.
pub fn field_group(name: &str) -> Vec<&str> {
    let mut out = vec![name];
    for (_, old, new) in RENAMED {
        if *old == name && !out.contains(new) {
            out.push(new);
        }
    }
    out
}

fn sum(doc: &Map<String, Value>, a: &str, b: &str) -> Option<Value> {
    let x = doc.get(a)?.as_u64()?;
    let y = doc.get(b)?.as_u64()?;
    Some(Value::from(x.saturating_add(y)))
}

/// A record stored before records took the ExtraHop names, as it reads
/// now: renamed fields under their new names, and the fields derived from
/// others (`bytes`, `pkts`, `age` of `~flow`; `error` of the sensor's
/// `~dns_response`), as the record structs write them.
pub fn upgrade_legacy(kind: &str, doc: &mut Map<String, Value>) {
    for (k, old, new) in RENAMED {
        if *k == kind {
            if let Some(v) = doc.remove(*old) {
                doc.entry(*new).or_insert(v);
            }
        }
    }
    match kind {
        "~flow" => {
            if !doc.contains_key("bytes") {
                if let Some(v) = sum(doc, "senderBytes", "receiverBytes") {
                    doc.insert("bytes".into(), v);
                }
            }
            if !doc.contains_key("pkts") {
                if let Some(v) = sum(doc, "senderPkts", "receiverPkts") {
                    doc.insert("pkts".into(), v);
                }
            }
            if !doc.contains_key("age") {
                let ms = doc.get("duration").and_then(Value::as_f64).or_else(|| {
                    let first = doc.get("first")?.as_i64()?;
                    let last = doc.get("last")?.as_i64()?;
                    Some(last.saturating_sub(first) as f64)
                });
                if let Some(ms) = ms {
                    doc.insert("age".into(), Value::from(ms / 1000.0));
                }
            }
        }
        // Suricata's DNS records keep Suricata's `rcode` only.
        "~dns_response" if !doc.contains_key("error") && !doc.contains_key("source") => {
            if let Some(r) = doc.get("rcode").and_then(Value::as_str) {
                if r != "NOERROR" {
                    let r = r.to_string();
                    doc.insert("error".into(), Value::from(r));
                }
            }
        }
        _ => {}
    }
}

/// A record type as `GET /records/formats` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RecordFormat {
    /// The record type (`~flow`).
    pub id: String,
    /// The record type again (as the real product names it in both).
    pub name: String,
    /// A name for people (`Flow`).
    pub display_name: String,
    /// Always `true`: the sensor's own formats.
    pub built_in: bool,
    /// The fields records of this type can carry (each only when known).
    pub fields: Vec<FieldFormat>,
}

/// One field of a record format.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FieldFormat {
    /// The field's name in records, filters and sorts.
    pub name: String,
    /// A name for people.
    pub display_name: String,
    /// `string`, `number`, `boolean`, `ipaddr` (in records: `{"type":
    /// "ipaddr4"|"ipaddr6", "value": …}`), `device` (`{"type": "device",
    /// "value": [ids]}`), `array` or `any` (as Suricata wrote it).
    pub data_type: String,
    /// What the field holds.
    pub description: String,
    /// Older names of the field, still accepted by filters and sorts.
    pub aliases: Vec<String>,
}

/// The type of a field's JSON schema, as a format's `data_type`.
fn data_type(s: &Value) -> &'static str {
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let t = types.into_iter().find(|t| *t != "null");
    match (t, s.get("format").and_then(Value::as_str)) {
        (Some("string"), Some("ip")) => "ipaddr",
        (Some("string"), _) => "string",
        (Some("integer" | "number"), _) => "number",
        (Some("boolean"), _) => "boolean",
        (Some("array"), _) => "array",
        // `source` is a one-value enum (a reference in the schema).
        (None, _) if s.get("$ref").is_some() => "string",
        _ => "any",
    }
}

/// A display name from a field name: `senderL2Bytes` → `Sender L2 Bytes`.
fn display_name(field: &str) -> String {
    let whole = match field {
        "qname" => Some("Query Name"),
        "qtype" => Some("Query Type"),
        "rcode" => Some("Response Code"),
        "l7proto" => Some("L7 Protocol"),
        "proto" => Some("IP Protocol"),
        "pkts" => Some("Packets"),
        "vlan" => Some("VLAN"),
        "uri" => Some("URI"),
        "ttls" => Some("TTLs"),
        "alpn" => Some("ALPN"),
        "ja3Hash" => Some("JA3 Hash"),
        "ja3sHash" => Some("JA3S Hash"),
        "ja4Fingerprint" => Some("JA4 Fingerprint"),
        "age" => Some("Flow Age"),
        "first" => Some("First Packet"),
        "last" => Some("Last Packet"),
        _ => None,
    };
    if let Some(w) = whole {
        return w.to_string();
    }
    let mut words: Vec<String> = Vec::new();
    for c in field.chars() {
        match words.last_mut() {
            Some(w) if !c.is_ascii_uppercase() => w.push(c),
            _ => words.push(c.to_string()),
        }
    }
    words
        .iter()
        .map(|w| match w.to_ascii_lowercase().as_str() {
            "addr" => "Address".to_string(),
            "pkts" => "Packets".to_string(),
            "req" => "Request".to_string(),
            "rsp" => "Response".to_string(),
            "id" => "ID".to_string(),
            "mac" => "MAC".to_string(),
            "l2" => "L2".to_string(),
            "is" => "Is".to_string(),
            _ => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The properties of a struct's JSON schema.
fn properties(schema: schemars::Schema) -> Map<String, Value> {
    match schema.to_value() {
        Value::Object(mut m) => match m.remove("properties") {
            Some(Value::Object(p)) => p,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// The schemas of the structs records of a type are written from (the
/// sensor's first, then Suricata's).
fn schemas(kind: &str) -> Vec<schemars::Schema> {
    use schemars::schema_for;
    match kind {
        "~flow" => vec![schema_for!(Flow), schema_for!(SuricataFlow)],
        "~dns_request" => vec![schema_for!(DnsRequest), schema_for!(SuricataDns)],
        "~dns_response" => vec![schema_for!(DnsResponse), schema_for!(SuricataDns)],
        "~http" => vec![schema_for!(Http), schema_for!(SuricataHttp)],
        "~ftp" => vec![schema_for!(Ftp)],
        "~ssl_open" => vec![schema_for!(SslOpen), schema_for!(SuricataTls)],
        _ => vec![],
    }
}

fn kind_display_name(kind: &str) -> &'static str {
    match kind {
        "~flow" => "Flow",
        "~dns_request" => "DNS Request",
        "~dns_response" => "DNS Response",
        "~http" => "HTTP",
        "~ftp" => "FTP",
        "~ssl_open" => "SSL Open",
        _ => "",
    }
}

/// Every record format, fields in name order.
pub fn formats() -> Vec<RecordFormat> {
    KINDS.iter().map(|k| format_of(k)).collect()
}

fn format_of(kind: &str) -> RecordFormat {
    let mut fields: Vec<FieldFormat> = Vec::new();
    let mut add = |name: &str, data_type: &str, description: String| {
        if fields.iter().any(|f| f.name == name) {
            return;
        }
        let aliases = RENAMED
            .iter()
            .filter(|(k, _, new)| *k == kind && *new == name)
            .map(|(_, old, _)| old.to_string())
            .collect();
        fields.push(FieldFormat {
            name: name.to_string(),
            display_name: display_name(name),
            data_type: data_type.to_string(),
            description,
            aliases,
        });
    };
    add(
        "timestamp",
        "number",
        "When the record was made (ms since the epoch).".into(),
    );
    let (c, s) = device_fields(kind);
    for (role, end) in [(c, "originator"), (s, "responder")] {
        add(
            role,
            "device",
            format!(
                "The custom devices the {end}'s traffic is attributed to (their discovery ids)."
            ),
        );
    }
    if kind != "~ftp" {
        add(
            crate::threat::RECORD_FIELD,
            "array",
            "The threat collections' observables the record's traffic matched (only when it \
             matched one): objects with `collection` (its user key), `collection_id`, \
             `observable`, `type` (`ipaddr`, `cidr`, `hostname`, `uri`), `field` (the record \
             field that matched) and `value` (what it held)."
                .into(),
        );
    }
    for schema in schemas(kind) {
        for (name, p) in properties(schema) {
            let description = p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            add(&name, data_type(&p), description);
        }
    }
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    RecordFormat {
        id: kind.to_string(),
        name: kind.to_string(),
        display_name: kind_display_name(kind).to_string(),
        built_in: true,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Record, RecordDevices};

    /// Every record with every field set, Suricata's DNS response too.
    fn full() -> Vec<Record> {
        let mut all = super::super::tests::full();
        let dns = all.iter().find_map(|r| match r {
            Record::SuricataDnsRequest(d) => Some(d.clone()),
            _ => None,
        });
        all.extend(dns.map(Record::SuricataDnsResponse));
        all
    }

    /// Every field a record carries (with every field set, the custom
    /// devices of both ends and its time) is in its type's format, with the
    /// data type its value has.
    #[test]
    fn records_carry_only_the_fields_of_their_format() {
        let formats = formats();
        for r in full() {
            let kind = r.kind();
            let format = formats.iter().find(|f| f.id == kind).expect(kind);
            let Value::Object(mut doc) = serde_json::to_value(&r).unwrap() else {
                unreachable!()
            };
            let devices = RecordDevices {
                client: vec!["a".into()],
                server: vec!["b".into()],
            };
            doc.extend(devices.fields(kind).map(|(k, v)| (k.to_string(), v)));
            doc.insert("timestamp".into(), Value::from(1));
            if kind != "~ftp" {
                doc.insert(
                    crate::threat::RECORD_FIELD.into(),
                    serde_json::json!([{"collection": "c", "collection_id": 1, "observable": "evil.example",
                                        "type": "hostname", "field": "qname", "value": "a.evil.example"}]),
                );
            }
            for (k, v) in &doc {
                let f = format
                    .fields
                    .iter()
                    .find(|f| f.name == *k)
                    .unwrap_or_else(|| panic!("{kind}: {k} is not in the format"));
                assert!(!f.description.is_empty(), "{kind}.{k} has no description");
                // A Suricata value is whatever Suricata wrote.
                let suricata = doc.contains_key("source");
                let fits = match f.data_type.as_str() {
                    "ipaddr" => v
                        .as_str()
                        .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
                    "device" => v["type"] == "device",
                    "number" => v.is_number(),
                    "string" => v.is_string(),
                    "boolean" => v.is_boolean(),
                    "array" => v.is_array(),
                    _ => true,
                };
                assert!(fits || suricata, "{kind}.{k} = {v} is not {}", f.data_type);
            }
        }
    }

    /// The sensor's records of each type carry every field of its format
    /// the sensor writes (the others are Suricata's).
    #[test]
    fn formats_list_no_field_records_lack() {
        let records = full();
        for format in formats() {
            let mut carried: Vec<String> = vec!["timestamp".into()];
            for r in records.iter().filter(|r| r.kind() == format.id) {
                let Value::Object(doc) = serde_json::to_value(r).unwrap() else {
                    unreachable!()
                };
                carried.extend(doc.keys().cloned());
            }
            let (c, s) = device_fields(&format.id);
            carried.extend([c.to_string(), s.to_string()]);
            // The threat matches are appended by the store, as the devices are.
            if format.id != "~ftp" {
                carried.push(crate::threat::RECORD_FIELD.into());
            }
            for f in &format.fields {
                assert!(
                    carried.contains(&f.name),
                    "{}: {} in the format, in no record",
                    format.id,
                    f.name
                );
            }
        }
    }

    /// Every rename names a field of its type's format, and the format
    /// lists the old name as its alias.
    #[test]
    fn renamed_fields_are_aliases_of_format_fields() {
        let formats = formats();
        for (kind, old, new) in RENAMED {
            let f = formats.iter().find(|f| f.id == *kind).unwrap();
            let field = f.fields.iter().find(|f| f.name == *new);
            assert!(
                field.is_some_and(|f| f.aliases.iter().any(|a| a == old)),
                "{kind}: {old} -> {new}"
            );
            assert!(
                !f.fields.iter().any(|f| f.name == *old),
                "{kind}: {old} is still a field"
            );
        }
    }

    #[test]
    fn flow_formats_have_the_extrahop_names() {
        let flow = formats().into_iter().find(|f| f.id == "~flow").unwrap();
        let field = |n: &str| flow.fields.iter().find(|f| f.name == n).unwrap().clone();
        for n in [
            "sender",
            "senderAddr",
            "senderPort",
            "receiver",
            "receiverAddr",
            "receiverPort",
            "proto",
            "bytes",
            "pkts",
            "age",
            "first",
            "last",
            "l7proto",
            "flowId",
            "senderBytes",
            "receiverBytes",
            "senderPkts",
            "receiverPkts",
            "senderL2Bytes",
            "receiverL2Bytes",
            "vlan",
        ] {
            field(n);
        }
        assert_eq!(field("senderAddr").data_type, "ipaddr");
        assert_eq!(field("senderAddr").display_name, "Sender Address");
        assert_eq!(field("senderAddr").aliases, ["clientAddr"]);
        assert_eq!(field("sender").data_type, "device");
        assert_eq!(field("bytes").data_type, "number");
        assert_eq!(field("proto").aliases, ["ipproto"]);
        assert_eq!(field("flowId").data_type, "string");
    }

    #[test]
    fn old_names_stand_for_the_new() {
        assert_eq!(field_group("clientAddr"), ["clientAddr", "senderAddr"]);
        assert_eq!(field_group("host"), ["host", "serverName"]);
        assert_eq!(field_group("ipproto"), ["ipproto", "proto"]);
        assert_eq!(field_group("senderAddr"), ["senderAddr"]);
        assert_eq!(field_group("bytes"), ["bytes"]);
    }

    #[test]
    fn old_flows_get_the_derived_fields() {
        let Value::Object(mut m) = serde_json::json!({"clientBytes": 3, "serverBytes": 4,
            "clientPkts": 1, "serverPkts": 2, "firstSeen": 1000, "lastSeen": 3500, "ipproto": "UDP"})
        else {
            unreachable!()
        };
        upgrade_legacy("~flow", &mut m);
        assert_eq!(
            Value::Object(m),
            serde_json::json!({"senderBytes": 3, "receiverBytes": 4, "bytes": 7, "senderPkts": 1,
                "receiverPkts": 2, "pkts": 3, "first": 1000, "last": 3500, "age": 2.5, "proto": "UDP"})
        );
    }
}
