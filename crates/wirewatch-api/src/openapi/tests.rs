//! The spec is internally consistent, and its examples are accepted by both
//! the spec's own schemas and the Rust types the handlers use.

use super::spec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn doc() -> Value {
    spec("https://sensor.example.com")
}

/// The operations of a path item (its other keys: `servers`).
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document's operations under `/{prefix}/` (outside /api/v1), by
/// `(method, full path)`.
pub(super) fn operations_under(doc: &Value, prefix: &str) -> Vec<(String, String, Value)> {
    operations(doc)
        .into_iter()
        .filter(|(_, path, _)| path.starts_with(&format!("/{prefix}/")))
        .map(|(m, path, op)| (m, format!("/api{path}"), op))
        .collect()
}

/// Every `(method, path, operation)`.
pub(super) fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, v) in item.as_object().expect("path item") {
            if METHODS.contains(&key.as_str()) {
                out.push((key.clone(), path.clone(), v.clone()));
            } else {
                assert_eq!(
                    key, "servers",
                    "{path}: {key} is neither a method nor `servers`"
                );
            }
        }
    }
    out
}

/// Collect every `$ref` in the document.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().expect("$ref is a string").to_string());
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

pub(super) fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("{reference} is not a local reference"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} does not resolve"))
}

/// The `{name}`s of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').expect("unclosed {") + start;
        out.insert(rest[start + 1..end].to_string());
        rest = &rest[end + 1..];
    }
    out
}

#[test]
fn every_ref_resolves_to_a_component() {
    let d = doc();
    let mut all = Vec::new();
    refs(&d, &mut all);
    assert!(all.len() > 50, "suspiciously few references: {}", all.len());
    for reference in all {
        assert!(
            reference.starts_with("#/components/"),
            "{reference} is not a component"
        );
        resolve(&d, &reference);
    }
}

#[test]
fn every_path_parameter_is_declared() {
    let d = doc();
    for (method, path, op) in operations(&d) {
        let declared: BTreeSet<String> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| {
                        assert_eq!(
                            p["required"], true,
                            "{method} {path}: path parameters are required"
                        );
                        assert!(
                            p["schema"]["type"].is_string(),
                            "{method} {path}: {p} has no type"
                        );
                        p["name"].as_str().expect("parameter name").to_string()
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            declared,
            template_params(&path),
            "{method} {path}: path parameters"
        );
        for p in op["parameters"].as_array().into_iter().flatten() {
            assert!(
                ["path", "query"].contains(&p["in"].as_str().unwrap()),
                "{method} {path}: {p}"
            );
            assert!(
                p["schema"]["type"].is_string(),
                "{method} {path}: {p} has no type"
            );
        }
    }
}

#[test]
fn operation_ids_are_present_and_unique() {
    let d = doc();
    let mut seen = BTreeMap::new();
    let tags: BTreeSet<&str> = d["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (method, path, op) in operations(&d) {
        assert!(
            ["get", "post", "put", "patch", "delete"].contains(&method.as_str()),
            "{method} {path}"
        );
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(!id.is_empty());
        if let Some(previous) = seen.insert(id.to_string(), format!("{method} {path}")) {
            panic!("operationId {id} is used by {previous} and {method} {path}");
        }
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{id}: summary"
        );
        let tag = op["tags"][0]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: no tag"));
        assert!(tags.contains(tag), "{id}: tag {tag} is not declared");
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{id}: no responses"));
        let not_applicable = responses.contains_key("501");
        assert!(
            not_applicable || responses.keys().any(|s| s.starts_with('2')),
            "{id}: no success response"
        );
        let public = op["security"] == json!([]);
        assert!(
            public || responses.contains_key("401"),
            "{id}: an API key is needed, so 401 is possible"
        );
        if op.get("requestBody").is_some() {
            assert!(
                responses.contains_key("400"),
                "{id}: a body can be malformed"
            );
            let content = &op["requestBody"]["content"];
            match content.get("application/json") {
                Some(body) => assert!(
                    body["schema"].is_object() && body.get("example").is_some(),
                    "{id}: body schema and example"
                ),
                // A file upload: the bytes themselves.
                None => assert_eq!(
                    content["application/octet-stream"]["schema"],
                    json!({"type": "string", "format": "binary"}),
                    "{id}: a body is JSON or a file"
                ),
            }
        }
    }
    assert!(seen.len() >= 60, "only {} operations", seen.len());
}

#[test]
fn public_operations_and_extensions_are_the_documented_ones() {
    let d = doc();
    assert_eq!(d["openapi"], "3.0.3");
    assert_eq!(d["servers"][0]["url"], "https://sensor.example.com/api/v1");
    let scheme = &d["components"]["securitySchemes"]["apiKey"];
    assert_eq!(
        (
            scheme["type"].as_str(),
            scheme["in"].as_str(),
            scheme["name"].as_str()
        ),
        (Some("apiKey"), Some("header"), Some("Authorization"))
    );
    assert_eq!(d["security"], json!([{"apiKey": []}]));
    let mut public = BTreeSet::new();
    let mut extensions = BTreeSet::new();
    for (method, path, op) in operations(&d) {
        if op["security"] == json!([]) {
            public.insert(format!("{method} {path}"));
        }
        if op[super::EXTENSION] == true {
            extensions.insert(format!("{method} {path}"));
        }
        // Appliance operations (hardware, firmware, power) answer 501.
        if [
            "/extrahop/idrac",
            "/extrahop/firmware",
            "/extrahop/restart",
            "/extrahop/shutdown",
        ]
        .iter()
        .any(|a| path.starts_with(a))
        {
            assert!(op["responses"].get("501").is_some(), "{method} {path}: 501");
        }
    }
    let expect = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        public,
        expect(&[
            "get /extrahop/version",
            "get /extrahop/platform",
            "get /extrahop/edition",
            "post /apikeys"
        ])
    );
    assert_eq!(
        extensions,
        expect(&[
            "post /detections",
            "post /users/{username}/apikeys",
            "get /users/{username}/apikeys",
            "get /observations/associatedipaddrs",
            "get /alerts/{id}/firings",
            "get /threatcollections/{id}",
            "get /extrahop/capture/interfaces",
            "get /metrics/catalog",
            "patch /odstargets/{kind}/{name}",
            "get /odstargets/{kind}/{name}/stats",
            "get /odstargets/{kind}/{name}/health",
            "get /odstargets/{kind}/{name}/deadletters",
            "delete /odstargets/{kind}/{name}/deadletters",
            "post /odstargets/{kind}/{name}/deadletters/replay",
            "delete /odstargets/{kind}/{name}/deadletters/{id}",
            "get /triggers/{id}/debuglog",
            "delete /triggers/{id}/debuglog",
            "get /triggers/{id}/stats",
            "get /ssldecryptkeys/keylog",
            "post /ssldecryptkeys/keylog",
            "delete /ssldecryptkeys/keylog",
            "get /actions/connector/{id}/_stats",
            "get /actions/connector/{id}/_failed",
            "post /actions/connector/{id}/_failed/_replay",
            "post /actions/connector/{id}/_sync",
            "post /actions/connector/{id}/_webhook"
        ])
    );
    let schemas = &d["components"]["schemas"];
    for (schema, field) in [
        ("DetectionSearch", "include_hidden"),
        ("NewApiKey", "username"),
        ("NewApiKey", "description"),
        ("InvestigationPatch", "detections_to_add"),
        ("InvestigationPatch", "detections_to_remove"),
        ("Device", "ipaddrs"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field][super::EXTENSION],
            true,
            "{schema}.{field}"
        );
    }
    assert_eq!(
        schemas["DeviceDetail"]["properties"]["associated_ipaddrs"][super::EXTENSION],
        true,
        "DeviceDetail.associated_ipaddrs"
    );
    assert_eq!(
        schemas["CreatedTrigger"]["properties"]["warnings"][super::EXTENSION],
        true,
        "CreatedTrigger.warnings"
    );
    // Every other field of the device is the real product's.
    let marked: Vec<&String> = schemas["Device"]["properties"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, p)| p[super::EXTENSION] == true)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(marked, ["ipaddrs"]);
}

/// Which way a value travels: `readOnly` properties appear only in answers,
/// `writeOnly` ones (secrets) only in requests.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Request,
    Answer,
}

impl Side {
    /// The flag of the properties this side never carries.
    fn absent(self) -> &'static str {
        match self {
            Side::Request => "readOnly",
            Side::Answer => "writeOnly",
        }
    }
}

/// Whether a property schema (or the schema it refers to) has `flag: true`.
fn flagged(d: &Value, p: &Value, flag: &str) -> bool {
    let p = p
        .get("$ref")
        .and_then(Value::as_str)
        .map_or(p, |r| resolve(d, r));
    p[flag] == true
}

/// A request body as a client sends it.
pub(super) fn validate(d: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    check(d, Side::Request, schema, v, at)
}

/// An answer as the handler writes it.
pub(super) fn validate_answer(
    d: &Value,
    schema: &Value,
    v: &Value,
    at: &str,
) -> Result<(), String> {
    check(d, Side::Answer, schema, v, at)
}

/// A strict validator for the subset of JSON Schema the spec uses: unknown
/// properties are errors unless `additionalProperties` allows them, and so are
/// properties that do not travel this way (a required one is then not required).
fn check(d: &Value, side: Side, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return check(d, side, resolve(d, reference), v, at);
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        // One part with siblings (a generated field's description beside
        // its type's `$ref`): the value is checked against that part.
        if let [only] = parts.as_slice() {
            if v.is_null() && schema["nullable"] == true {
                return Ok(());
            }
            return check(d, side, only, v, at);
        }
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        for part in parts {
            let part = part
                .get("$ref")
                .and_then(Value::as_str)
                .map_or(part, |r| resolve(d, r));
            for (k, p) in part["properties"].as_object().into_iter().flatten() {
                merged["properties"][k] = p.clone();
            }
            for req in part["required"].as_array().into_iter().flatten() {
                merged["required"].as_array_mut().unwrap().push(req.clone());
            }
        }
        return check(d, side, &merged, v, at);
    }
    // A null checked against alternatives (a generated nullable `$ref` is
    // `anyOf: [{$ref}, {nullable, enum: [null]}]`) is checked by them.
    if v.is_null() && schema.get("oneOf").is_none() && schema.get("anyOf").is_none() {
        let any = schema.get("type").is_none();
        return if schema["nullable"] == true || any {
            Ok(())
        } else {
            Err(format!("{at}: null is not allowed"))
        };
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let n = alts
            .iter()
            .filter(|s| check(d, side, s, v, at).is_ok())
            .count();
        return if n == 1 {
            Ok(())
        } else {
            Err(format!("{at}: {v} matches {n} alternatives of oneOf"))
        };
    }
    if let Some(alts) = schema.get("anyOf").and_then(Value::as_array) {
        return if alts.iter().any(|s| check(d, side, s, v, at).is_ok()) {
            Ok(())
        } else {
            Err(format!("{at}: {v} matches no alternative"))
        };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(v) {
            return Err(format!("{at}: {v} is not one of {values:?}"));
        }
    }
    let fits = match schema.get("type").and_then(Value::as_str) {
        None => true,
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some("array") => v.is_array(),
        Some("object") => v.is_object(),
        Some(t) => return Err(format!("{at}: unknown type {t}")),
    };
    if !fits {
        return Err(format!("{at}: {v} is not of type {}", schema["type"]));
    }
    if let (Some(text), Some(p)) = (v.as_str(), schema.get("pattern").and_then(Value::as_str)) {
        let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("{at}: pattern {p}: {e}"));
        if !re.is_match(text) {
            return Err(format!("{at}: \"{text}\" does not match {p}"));
        }
    }
    if let (Some(text), Some(min)) = (v.as_str(), schema.get("minLength").and_then(Value::as_u64)) {
        if (text.chars().count() as u64) < min {
            return Err(format!("{at}: \"{text}\" is shorter than {min}"));
        }
    }
    if let (Some(n), Some(min)) = (v.as_f64(), schema.get("minimum").and_then(Value::as_f64)) {
        if n < min {
            return Err(format!("{at}: {n} is below {min}"));
        }
    }
    if let (Some(n), Some(max)) = (v.as_f64(), schema.get("maximum").and_then(Value::as_f64)) {
        if n > max {
            return Err(format!("{at}: {n} is above {max}"));
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
            if items.len() as u64 > max {
                return Err(format!("{at}: more than {max} items"));
            }
        }
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                return Err(format!("{at}: fewer than {min} items"));
            }
        }
        for (i, x) in items.iter().enumerate() {
            check(d, side, &schema["items"], x, &format!("{at}[{i}]"))?;
        }
    }
    if let Some(obj) = v.as_object() {
        for req in schema["required"].as_array().into_iter().flatten() {
            let name = req.as_str().unwrap();
            let excused = schema["properties"]
                .get(name)
                .is_some_and(|p| flagged(d, p, side.absent()));
            if !obj.contains_key(name) && !excused {
                return Err(format!("{at}: required property {name} is missing"));
            }
        }
        for (k, x) in obj {
            let here = format!("{at}.{k}");
            match (
                schema["properties"].get(k),
                schema.get("additionalProperties"),
            ) {
                (Some(p), _) if flagged(d, p, side.absent()) => {
                    return Err(format!("{here} is {} ({side:?})", side.absent()))
                }
                (Some(p), _) => check(d, side, p, x, &here)?,
                (None, Some(Value::Bool(true))) => {}
                (None, Some(extra @ Value::Object(_))) => check(d, side, extra, x, &here)?,
                (None, _) => return Err(format!("{here} is not a documented property")),
            }
        }
    }
    Ok(())
}

#[test]
fn every_example_matches_its_schema() {
    let d = doc();
    let mut checked = 0;
    for (method, path, op) in operations(&d) {
        let body = &op["requestBody"]["content"]["application/json"];
        if let Some(example) = body.get("example") {
            validate(
                &d,
                &body["schema"],
                example,
                &format!("{method} {path} example"),
            )
            .unwrap();
            checked += 1;
        }
    }
    for (method, path, op) in operations(&d) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if let Some(example) = p["schema"].get("example") {
                validate(
                    &d,
                    &p["schema"],
                    example,
                    &format!("{method} {path} parameter {}", p["name"]),
                )
                .unwrap();
                checked += 1;
            }
        }
    }
    // Component examples are answers (schemas used both ways show the answer).
    for (name, schema) in d["components"]["schemas"].as_object().unwrap() {
        if let Some(example) = schema.get("example") {
            validate_answer(&d, schema, example, name).unwrap();
            checked += 1;
        }
    }
    for (name, response) in d["components"]["responses"].as_object().unwrap() {
        let content = &response["content"]["application/json"];
        validate_answer(&d, &content["schema"], &content["example"], name).unwrap();
        checked += 1;
    }
    // Answers particular to an operation (`Op::error`).
    for (method, path, op) in operations(&d) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let content = &response["content"]["application/json"];
            if let Some(example) = content.get("example") {
                validate_answer(
                    &d,
                    &content["schema"],
                    example,
                    &format!("{method} {path} {status}"),
                )
                .unwrap();
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "only {checked} examples");
}

#[test]
fn the_validator_is_strict() {
    let d = doc();
    let search = json!({"$ref": "#/components/schemas/DetectionSearch"});
    assert!(validate(&d, &search, &json!({"sort": {"field": "risk_score"}}), "ok").is_ok());
    assert!(validate(&d, &search, &json!({"sort": {"field": "nope"}}), "enum").is_err());
    assert!(validate(&d, &search, &json!({"limt": 5}), "unknown").is_err());
    assert!(validate(&d, &search, &json!({"limit": "5"}), "type").is_err());
    assert!(validate(&d, &search, &json!({"sort": {"field": null}}), "null").is_err());
    let rule = json!({"$ref": "#/components/schemas/RuleParticipant"});
    assert!(validate(&d, &rule, &json!("Any"), "any").is_ok());
    assert!(validate(
        &d,
        &rule,
        &json!({"object_type": "hostname", "object_hostname": ["a", "b"]}),
        "obj"
    )
    .is_ok());
    assert!(validate(&d, &rule, &json!({"object_kind": "hostname"}), "bad").is_err());
    let devices = json!({"$ref": "#/components/schemas/DeviceSearch"});
    assert!(validate(
        &d,
        &devices,
        &json!({"active_from": "-30m", "active_until": 0}),
        "time"
    )
    .is_ok());
    assert!(validate(
        &d,
        &devices,
        &json!({"active_from": "yesterday"}),
        "pattern"
    )
    .is_err());
    assert!(validate(&d, &devices, &json!({"active_from": true}), "time type").is_err());
    assert!(validate(&d, &devices, &json!({"limit": 10_001}), "maximum").is_err());
    assert!(validate(
        &d,
        &devices,
        &json!({"filter": {"operator": "or", "rules": [{"field": "planet"}]}}),
        "nested"
    )
    .is_err());
    // Secrets go one way, the flags that replace them the other.
    let http = json!({"$ref": "#/components/schemas/HttpTarget"});
    let target = |auth: Value| json!({"name": "t", "host": "h", "port": 80, "protocol": "http", "authentication": auth});
    let sent = target(json!({"auth_type": "basic", "username": "u", "password": "p"}));
    let shown = target(json!({"auth_type": "basic", "username": "u", "password_set": true}));
    assert!(validate(&d, &http, &sent, "request").is_ok());
    assert!(validate(&d, &http, &shown, "readOnly in a request").is_err());
    assert!(validate_answer(&d, &http, &shown, "answer").is_ok());
    assert!(validate_answer(&d, &http, &sent, "writeOnly in an answer").is_err());
    let kafka = json!({"$ref": "#/components/schemas/KafkaAuthentication"});
    let auth = json!({"auth_type": "scram", "username": "u", "algorithm": "sha256"});
    assert!(validate_answer(&d, &kafka, &auth, "required writeOnly").is_ok());
    assert!(validate(&d, &kafka, &auth, "required in a request").is_err());
    let mut zero = target(json!({"auth_type": "none"}));
    assert!(validate(&d, &http, &zero, "no secret").is_ok());
    zero["port"] = json!(0);
    assert!(validate(&d, &http, &zero, "port").is_err());
    let records = json!({"$ref": "#/components/schemas/RecordSearch"});
    assert!(validate(&d, &records, &json!({"context_ttl": 3_600_001}), "ttl").is_err());
    assert!(validate(&d, &records, &json!({"context_ttl": "0"}), "ttl 0").is_err());
    let types: Vec<String> = (0..1_001).map(|i| format!("~t{i}")).collect();
    assert!(validate(&d, &records, &json!({"types": types}), "maxItems").is_err());
    assert!(validate(&d, &records, &json!({"context_ttl": "61m"}), "ttl 61m").is_err());
    assert!(validate(&d, &records, &json!({"context_ttl": "60m"}), "ttl 60m").is_ok());
    assert!(validate(&d, &records, &json!({"sort": {"field": ""}}), "minLength").is_err());
    assert!(validate(
        &d,
        &records,
        &json!({"filter": {"field": "client", "operand": "10.0.0.1"}}),
        "operator"
    )
    .is_err());
    assert!(validate(
        &d,
        &records,
        &json!({"filter": {"field": "client", "operator": "in", "operand": {"type": "device_filter", "value": {"field": "vendor", "operand": "x"}}}}),
        "typed"
    )
    .is_ok());
    assert!(validate(
        &d,
        &records,
        &json!({"filter": {"field": "client", "operator": "=", "operand": {"type": "application", "value": "x"}}}),
        "operand type"
    )
    .is_err());
}

/// The request example of an operation, parsed as the handler parses it.
pub(super) fn parse<T: DeserializeOwned>(example: &Value) -> Result<(), String> {
    crate::extract::parse_json::<T>(example.to_string().as_bytes())
        .map(drop)
        .map_err(|e| format!("{:?}", e.0))
}

#[test]
fn request_examples_are_accepted_by_the_handlers_types() {
    use wirewatch_model::{detection as det, investigation as inv, locality, rule, settings, user};
    let d = doc();
    for (method, path, op) in operations(&d) {
        let Some(example) = op["requestBody"]["content"]["application/json"].get("example") else {
            continue;
        };
        let id = op["operationId"].as_str().unwrap();
        let parsed = match id {
            "updateTicketing" => parse::<settings::TicketingPatch>(example),
            "createUser" => parse::<user::NewUser>(example),
            "updateUser" => parse::<user::UserPatch>(example),
            "createNetworkLocality" | "updateNetworkLocality" => {
                parse::<locality::LocalityInput>(example)
            }
            "createObservations" => parse::<locality::ObservationBatch>(example),
            "createDetection" => parse::<det::NewDetection>(example),
            "searchDetections" => parse::<det::DetectionSearch>(example),
            "updateTicket" => parse::<det::TicketPatch>(example),
            "updateDetection" => parse::<det::DetectionPatch>(example),
            "createDetectionFormat" | "updateDetectionFormat" => {
                parse::<wirewatch_store::FormatInput>(example)
            }
            "createTuningRule" => parse::<rule::NewTuningRule>(example),
            "updateTuningRule" => parse::<rule::TuningRulePatch>(example),
            "createInvestigation" => parse::<inv::NewInvestigation>(example),
            "updateInvestigation" => parse::<inv::InvestigationPatch>(example),
            "updateDevice" => parse::<wirewatch_model::device::DevicePatch>(example),
            "searchRecords" => record_search(&d, example),
            "getPacketSearch" | "searchPackets" => {
                parse::<crate::routes::packets::PacketSearch>(example)
            }
            "searchDevices" => device_search(&d, example),
            "createTag" | "updateTag" => group_name(example),
            "createCustomDevice" => {
                parse::<wirewatch_model::custom_device::NewCustomDevice>(example)
            }
            "updateCustomDevice" => {
                parse::<wirewatch_model::custom_device::CustomDevicePatch>(example)
            }
            "createCustomDeviceCriterion" => {
                parse::<wirewatch_model::custom_device::CriterionInput>(example)
            }
            "createDeviceGroup" | "updateDeviceGroup" => {
                device_group(example, id == "createDeviceGroup")
            }
            "assignTagDevices" | "assignDeviceGroupDevices" | "assignWatchlistDevices" => {
                parse::<crate::routes::tags::Assignment>(example)
            }
            "createAlert" => parse::<wirewatch_model::alert::AlertInput>(example).and_then(|_| {
                crate::extract::parse_json::<wirewatch_model::alert::AlertInput>(
                    example.to_string().as_bytes(),
                )
                .map_err(|e| format!("{:?}", e.0))?
                .create()
                .map(drop)
                .map_err(|e| e.to_string())
            }),
            "updateAlert" => {
                let patch = crate::extract::parse_json::<wirewatch_model::alert::AlertInput>(
                    example.to_string().as_bytes(),
                )
                .map_err(|e| format!("{:?}", e.0));
                patch.and_then(|p| {
                    p.apply(&mut wirewatch_model::alert::Alert::example())
                        .map_err(|e| e.to_string())
                })
            }
            a if a.starts_with("assignAlert")
                || a.ends_with("Alerts")
                || a.starts_with("assignTrigger") =>
            {
                parse::<crate::routes::alerts::Assignment>(example)
            }
            "createSslDecryptKey" => parse::<wirewatch_model::ssl_key::NewSslDecryptKey>(example),
            "updateSslDecryptKey" => parse::<wirewatch_model::ssl_key::SslDecryptKeyPatch>(example),
            "createSslDecryptKeyProtocol" => example["protocol"]
                .as_str()
                .zip(example["port"].as_u64())
                .map(drop)
                .ok_or_else(|| "no protocol and port".into()),
            "createEmailGroup" | "updateEmailGroup" => {
                parse::<wirewatch_model::alert::EmailGroupInput>(example)
            }
            "queryMetrics" | "queryMetricsTotal" | "queryMetricsTotalByObject" => {
                metric_query(&d, example)
            }
            "createOdsTarget" => ods_target(&op, example),
            "updateOdsTarget" => ods_patch(example),
            "replayOdsDeadLetters" => match example.get("ids") {
                None => Ok(()),
                Some(ids) if ids.as_array().is_some_and(|a| a.iter().all(Value::is_i64)) => Ok(()),
                Some(ids) => Err(format!("ids: {ids} is not a list of ids")),
            },
            "createTrigger" | "updateTrigger" => trigger_input(example, id == "createTrigger"),
            "sendTriggerExternalData" => match example["type"].as_str() {
                Some(t)
                    if !t.trim().is_empty() && !t.to_ascii_lowercase().starts_with("extrahop") =>
                {
                    Ok(())
                }
                _ => Err(format!("type: {} is empty or reserved", example["type"])),
            },
            "createActivitymapsQuery" => activity_map_body(example, "query"),
            "createActivitymaps" => activity_map_body(example, "create"),
            "updateActivitymapsId" => activity_map_body(example, "patch"),
            "createActivitymapsIdQuery" => {
                parse::<crate::routes::activitymaps::SavedMapQuery>(example)
            }
            "updateActivitymapsIdSharing" | "replaceActivitymapsIdSharing" => {
                crate::extract::parse_json::<wirewatch_model::activitymap::SharingChange>(
                    example.to_string().as_bytes(),
                )
                .map_err(|e| format!("{:?}", e.0))
                .and_then(|c| c.validate().map_err(|e| e.to_string()))
            }
            "nextRecordPage" => {
                parse::<crate::routes::records::CursorBody>(example).and(ttl_field(example))
            }
            // Checked as the handler checks it: the whole document, on a fresh store.
            "replaceRunningConfig" => {
                let dir = tempfile::tempdir().map_err(|e| e.to_string());
                dir.and_then(|dir| {
                    let store = wirewatch_store::Store::open(dir.path(), Default::default())
                        .map_err(|e| e.to_string())?;
                    crate::settings::Settings::default()
                        .validate(&store, example)
                        .map(drop)
                        .map_err(|e| format!("{:?}", e.0))
                })
            }
            "updateServices" => parse::<serde_json::Map<String, Value>>(example),
            "updateDetectionsAccess" => parse::<crate::routes::system::DetectionsAccess>(example),
            "updateCluster" => parse::<crate::routes::system::ClusterPatch>(example),
            "createSslCertSigningRequest" => parse::<crate::certs::SigningRequest>(example),
            "createUserGroup" => parse::<wirewatch_model::usergroup::NewUserGroup>(example),
            "updateUserGroup" => parse::<wirewatch_model::usergroup::UserGroupPatch>(example),
            "updateUserGroupMembers" | "replaceUserGroupMembers" => {
                wirewatch_model::usergroup::parse_members(example, id.starts_with("replace"))
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            "createIdentityProvider" | "updateIdentityProvider" => {
                parse::<wirewatch_model::idp::IdpInput>(example)
            }
            "updateIdentityProviderPrivileges" => crate::extract::parse_json::<
                wirewatch_model::idp::IdpPrivileges,
            >(example.to_string().as_bytes())
            .map_err(|e| format!("{:?}", e.0))
            .and_then(|p| p.normalize().map(drop).map_err(|e| e.to_string())),
            // Bodies whose types are private to their handlers: the schema check covers them.
            "createApiKey" => example["password"]
                .as_str()
                .map(drop)
                .ok_or_else(|| "no password".into()),
            "replaceDetectionNote" => example["note"]
                .as_str()
                .map(drop)
                .ok_or_else(|| "no note".into()),
            // The JSON form of an upload: text fields only (`crate::upload::Upload`).
            "createThreatCollection" | "putThreatCollection" => example
                .as_object()
                .filter(|o| o.values().all(Value::is_string))
                .map(drop)
                .ok_or_else(|| "not an object of text fields".into()),
            "createUserApiKey" => example
                .is_object()
                .then_some(())
                .ok_or_else(|| "not an object".into()),
            sonar if sonar.contains("Sonar") => super::sonar_tests::sonar_body(sonar, example),
            actions if actions.contains("Connector") => {
                super::actions_tests::actions_body(actions, example)
            }
            other => Err(format!(
                "no Rust type is known for the body of {other}; add it to this test"
            )),
        };
        parsed.unwrap_or_else(|e| panic!("{method} {path} example: {e}"));
    }
}

/// An activity map body (`query`, `create`, `patch`), parsed and its walks
/// checked as the handler checks them.
fn activity_map_body(example: &Value, which: &str) -> Result<(), String> {
    use crate::routes::activitymaps::{MapCreate, MapPatch, TopologyQuery};
    use wirewatch_model::activitymap::validate_walks;
    let parse_as = |v: &Value| v.to_string();
    let walks = match which {
        "query" => crate::extract::parse_json::<TopologyQuery>(parse_as(example).as_bytes())
            .map(|q| Some(q.walks)),
        "create" => crate::extract::parse_json::<MapCreate>(parse_as(example).as_bytes())
            .map(|q| Some(q.walks)),
        _ => crate::extract::parse_json::<MapPatch>(parse_as(example).as_bytes()).map(|q| q.walks),
    }
    .map_err(|e| format!("{:?}", e.0))?;
    match walks {
        Some(w) => validate_walks(&w).map_err(|e| e.to_string()),
        None => Ok(()),
    }
}

/// `POST /odstargets/{kind}`: the body of the kind the `{kind}` example names,
/// parsed and checked as the handler does.
fn ods_target(op: &Value, example: &Value) -> Result<(), String> {
    use wirewatch_model::ods::{Target, TargetKind};
    let kind = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "kind")
        .and_then(|p| p["schema"]["example"].as_str())
        .and_then(TargetKind::parse)
        .ok_or("the {kind} parameter has no example kind")?;
    Target::from_body(kind, example.clone())
        .map(drop)
        .map_err(|e| e.message)
}

/// `PATCH /odstargets/{kind}/{name}`: a patch of the documented HTTP target
/// (with its password, as stored), checked as the handler checks it.
fn ods_patch(example: &Value) -> Result<(), String> {
    use wirewatch_model::ods::{Target, TargetKind};
    let stored = Target::from_body(
        TargetKind::Http,
        serde_json::json!({"name": "ticket-server", "host": "127.0.0.1", "port": 8080, "protocol": "http",
                           "authentication": {"auth_type": "basic", "username": "extrahop", "password": "pw"}}),
    )
    .map_err(|e| e.message)?;
    let patch = example.as_object().ok_or("not an object")?.clone();
    stored.patched(patch).map(drop).map_err(|e| e.message)
}

/// `POST /triggers` and `PATCH /triggers/{id}`: the handler's type, the
/// store's checks, and the script compiled without warnings.
fn trigger_input(example: &Value, create: bool) -> Result<(), String> {
    use wirewatch_model::trigger::TriggerInput;
    let input: TriggerInput = crate::extract::parse_json(example.to_string().as_bytes())
        .map_err(|e| format!("{:?}", e.0))?;
    if let Some(script) = &input.script {
        match wirewatch_triggers::check_script(script) {
            Ok(None) => {}
            Ok(Some(w)) => return Err(format!("script: a warning: {w}")),
            Err(e) => return Err(format!("script: {e}")),
        }
    }
    if create {
        input.create(1, "alice", 0).map(drop).map_err(|e| e.message)
    } else {
        let base = TriggerInput {
            name: Some("t".into()),
            script: Some("log(1);".into()),
            events: Some(vec!["EXTERNAL_DATA".into()]),
            ..TriggerInput::default()
        };
        let mut t = base.create(1, "alice", 0).map_err(|e| e.message)?;
        input.apply(&mut t, 1, "setup").map_err(|e| e.message)
    }
}

/// A time field of a request body (absent is fine), parsed and resolved as the handlers do.
fn time_field(example: &Value, field: &str) -> Result<(), String> {
    use wirewatch_model::time::TimeSpec;
    let Some(v) = example.get(field) else {
        return Ok(());
    };
    let t: TimeSpec = serde_json::from_value(v.clone()).map_err(|e| format!("{field}: {e}"))?;
    t.resolve(1_767_225_600_000)
        .map(drop)
        .map_err(|e| format!("{field}: {e}"))
}

/// A lifetime (`context_ttl`) of a request body (absent is fine), read as the
/// record handlers read it.
fn ttl_field(example: &Value) -> Result<(), String> {
    use wirewatch_model::time::TimeSpec;
    let Some(v) = example.get("context_ttl") else {
        return Ok(());
    };
    let t: TimeSpec = serde_json::from_value(v.clone()).map_err(|e| format!("context_ttl: {e}"))?;
    t.ttl_ms()
        .map(drop)
        .map_err(|e| format!("context_ttl: {e}"))
}

/// A page size or offset within the handler's bound.
fn bounded(example: &Value, field: &str, max: usize) -> Result<(), String> {
    match example.get(field) {
        None => Ok(()),
        Some(v) => match v.as_u64() {
            Some(n) if n as usize <= max => Ok(()),
            _ => Err(format!("{field}: {v} is not between 0 and {max}")),
        },
    }
}

/// Record filters see every device, group and locality (their lookups are the store's business).
struct AnyObject;

impl wirewatch_model::record_filter::RecordContext for AnyObject {
    fn device_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
        Some(Vec::new())
    }
    fn group_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
        Some(Vec::new())
    }
    fn filter_ips(
        &self,
        f: &wirewatch_model::device_filter::DeviceFilter,
    ) -> wirewatch_model::error::Result<Vec<std::net::IpAddr>> {
        f.compile("filter.operand.value").map(|_| Vec::new())
    }
    fn locality_nets(&self, _: &str) -> Option<Vec<ipnet::IpNet>> {
        Some(Vec::new())
    }
}

/// `POST /devices/search`: the handler's type, then each field the way the
/// handler checks it.
fn device_search(d: &Value, example: &Value) -> Result<(), String> {
    use wirewatch_model::device_filter::DeviceFilter;
    parse::<crate::routes::devices::SearchBody>(example)?;
    time_field(example, "active_from")?;
    time_field(example, "active_until")?;
    bounded(example, "limit", crate::routes::devices::MAX_LIMIT)?;
    bounded(example, "offset", usize::MAX)?;
    if let Some(f) = example.get("filter") {
        let f: DeviceFilter = crate::extract::parse_json(f.to_string().as_bytes())
            .map_err(|e| format!("filter: {:?}", e.0))?;
        f.compile("filter").map_err(|e| e.message)?;
    }
    let device = &d["components"]["schemas"]["Device"]["example"];
    for f in example["result_fields"].as_array().into_iter().flatten() {
        let name = f.as_str().ok_or("result_fields: not a string")?;
        if device.get(name).is_none() {
            return Err(format!("result_fields: {name} is not a device field"));
        }
    }
    Ok(())
}

/// A tag or group name as the store checks it.
fn group_name(example: &Value) -> Result<(), String> {
    match example["name"].as_str() {
        Some(n) if !n.trim().is_empty() && n.len() <= 256 => Ok(()),
        _ => Err(format!("name: {} is not 1 to 256 bytes", example["name"])),
    }
}

/// `POST`/`PATCH /devicegroups`: the body type is private to the handler, so
/// each field is checked the way the handler and the store read it.
fn device_group(example: &Value, create: bool) -> Result<(), String> {
    use wirewatch_model::device_filter::DeviceFilter;
    if create || example.get("name").is_some() {
        group_name(example)?;
    }
    for (field, ok) in [
        ("description", Value::is_string as fn(&Value) -> bool),
        ("dynamic", Value::is_boolean),
        ("include_custom_devices", Value::is_boolean),
    ] {
        if example.get(field).is_some_and(|v| !ok(v)) {
            return Err(format!("{field}: wrong type"));
        }
    }
    match example.get("filter") {
        Some(f) => {
            let f: DeviceFilter =
                serde_json::from_value(f.clone()).map_err(|e| format!("filter: {e}"))?;
            f.compile("filter").map_err(|e| e.message)?;
        }
        None if example["dynamic"] == true => return Err("a dynamic group needs a filter".into()),
        None => {}
    }
    Ok(())
}

/// `POST /metrics` and its totals: the handler's type, then each field the
/// way the handler checks it.
fn metric_query(d: &Value, example: &Value) -> Result<(), String> {
    use crate::routes::metrics::{MetricRequest, CALC_TYPES, METRIC_OBJECT_TYPES};
    parse::<MetricRequest>(example)?;
    time_field(example, "from")?;
    time_field(example, "until")?;
    let cycle = example["cycle"].as_str().unwrap_or("auto");
    if cycle != "auto" && !wirewatch_store::CYCLES.iter().any(|(_, n)| *n == cycle) {
        return Err(format!("cycle: {cycle}"));
    }
    let object_type = example["object_type"].as_str().unwrap_or_default();
    if !METRIC_OBJECT_TYPES.contains(&object_type) {
        return Err(format!("object_type: {object_type}"));
    }
    if !example["object_ids"]
        .as_array()
        .is_some_and(|ids| ids.iter().all(Value::is_i64))
    {
        return Err("object_ids: not a list of ids".into());
    }
    let category = example["metric_category"]
        .as_str()
        .ok_or("no metric_category")?;
    let specs = match &example["metric_specs"] {
        Value::Array(a) => a.clone(),
        one => vec![one.clone()],
    };
    if specs.is_empty() {
        return Err("metric_specs: empty".into());
    }
    for sp in &specs {
        let name = sp["name"].as_str().ok_or("metric_specs: no name")?;
        let known = wirewatch_model::metrics::CATALOG
            .iter()
            .any(|(o, c, names)| {
                *o == object_type.replace("device_group", "device")
                    && *c == category
                    && names.contains(&name)
            });
        if !known {
            return Err(format!(
                "metric {object_type}/{category}/{name} is not in the catalog"
            ));
        }
        if sp.get("key2").is_some() {
            return Err("key2 is not supported".into());
        }
        if let Some(c) = sp.get("calc_type") {
            if !c.as_str().is_some_and(|c| CALC_TYPES.contains(&c)) {
                return Err(format!("calc_type: {c}"));
            }
        }
    }
    validate(
        d,
        &json!({"$ref": "#/components/schemas/MetricQuery"}),
        example,
        "metric query",
    )
}

/// `POST /records/search`: the handler's type, then what it checks before the query.
fn record_search(d: &Value, example: &Value) -> Result<(), String> {
    use crate::routes::records::{RecordSearch, MAX_LIMIT, MAX_OFFSET, MAX_TYPES};
    use wirewatch_model::record_filter::RecordFilter;
    parse::<RecordSearch>(example)?;
    time_field(example, "from")?;
    time_field(example, "until")?;
    ttl_field(example)?;
    bounded(example, "limit", MAX_LIMIT)?;
    bounded(example, "offset", MAX_OFFSET)?;
    if example["types"]
        .as_array()
        .is_some_and(|t| t.len() > MAX_TYPES)
    {
        return Err(format!("types: more than {MAX_TYPES}"));
    }
    if let Some(f) = example.get("filter") {
        let f: RecordFilter = serde_json::from_value(f.clone()).map_err(|e| e.to_string())?;
        f.compile("filter", &AnyObject).map_err(|e| e.message)?;
    }
    for key in example["sort"].as_array().into_iter().flatten() {
        if key["field"].as_str().is_none_or(str::is_empty) {
            return Err(format!("sort: {key} has no field"));
        }
    }
    validate(
        d,
        &json!({"$ref": "#/components/schemas/RecordSearch"}),
        example,
        "searchRecords",
    )
}

/// A response example read into the Rust type and written back keeps every field.
fn round_trip<T: DeserializeOwned + Serialize>(d: &Value, name: &str) {
    let example = &d["components"]["schemas"][name]["example"];
    assert!(example.is_object(), "{name} has no example");
    let value: T =
        serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{name} example: {e}"));
    let back = serde_json::to_value(value).unwrap();
    assert_eq!(
        &back, example,
        "{name}: the example does not survive the Rust type"
    );
}

#[test]
fn response_examples_have_the_serde_field_names() {
    use wirewatch_model::{detection as det, investigation, locality, rule, settings, user};
    let d = doc();
    round_trip::<det::Detection>(&d, "Detection");
    round_trip::<det::Participant>(&d, "Participant");
    round_trip::<det::MitreRef>(&d, "MitreRef");
    round_trip::<det::Note>(&d, "Note");
    round_trip::<wirewatch_model::catalog::DetectionFormat>(&d, "DetectionFormat");
    round_trip::<rule::TuningRule>(&d, "TuningRule");
    round_trip::<investigation::Investigation>(&d, "Investigation");
    round_trip::<locality::NetworkLocality>(&d, "NetworkLocality");
    round_trip::<user::User>(&d, "User");
    round_trip::<user::ApiKey>(&d, "ApiKey");
    round_trip::<user::Roles>(&d, "Roles");
    round_trip::<settings::Ticketing>(&d, "Ticketing");
    round_trip::<wirewatch_model::device::Device>(&d, "Device");
    round_trip::<wirewatch_store::Tag>(&d, "Tag");
    round_trip::<wirewatch_store::DeviceGroup>(&d, "DeviceGroup");
    // The catalog example is an entry of the real catalog.
    let c = &d["components"]["schemas"]["MetricCatalogEntry"]["example"];
    assert!(
        wirewatch_model::metrics::CATALOG
            .iter()
            .any(|(o, cat, names)| {
                c == &json!({"object_type": o, "metric_category": cat, "metrics": names})
            }),
        "MetricCatalogEntry example is not in the catalog"
    );
    // The network example has exactly the fields the handler writes.
    let n = &d["components"]["schemas"]["Network"]["example"];
    let keys: BTreeSet<&str> = n.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "name",
            "description",
            "node_id",
            "appliance_uuid",
            "idle",
            "mod_time"
        ])
    );
    // GET /devices/{id}: the device, plus observations made of the store's fields.
    let detail = &d["components"]["schemas"]["DeviceDetail"]["example"];
    let mut device = detail.clone();
    let observed = device
        .as_object_mut()
        .unwrap()
        .remove("associated_ipaddrs")
        .expect("associated_ipaddrs");
    assert_eq!(device, d["components"]["schemas"]["Device"]["example"]);
    let one = &d["components"]["schemas"]["DeviceObservation"]["example"];
    for o in observed.as_array().unwrap().iter().chain([one]) {
        let stored = wirewatch_store::StoredObservation {
            id: 1,
            ipaddr: o["ipaddr"].as_str().unwrap().into(),
            associated_ipaddr: o["associated_ipaddr"].as_str().unwrap().into(),
            timestamp: o["timestamp"].as_i64().unwrap(),
            source: o["source"].as_str().unwrap().into(),
            received_time: 0,
        };
        let stored = serde_json::to_value(stored).unwrap();
        for (k, v) in o.as_object().unwrap() {
            assert_eq!(&stored[k], v, "DeviceObservation.{k}");
        }
    }
    round_trip::<wirewatch_model::trigger::Trigger>(&d, "Trigger");
    round_trip::<wirewatch_model::trigger::LogLine>(&d, "TriggerLogLine");
    // `OdsStats` and `OdsHealth` examples are values of their types; the
    // `DeadLetter` example is JSON: the store's type writes it back the same.
    let opt_str = |v: &Value| v.as_str().map(String::from);
    let l = &d["components"]["schemas"]["DeadLetter"]["example"];
    let letter = wirewatch_store::DeadLetter {
        id: l["id"].as_i64().unwrap(),
        message_id: l["message_id"].as_i64().unwrap(),
        create_time: l["create_time"].as_i64().unwrap(),
        dead_time: l["dead_time"].as_i64().unwrap(),
        attempts: l["attempts"].as_u64().unwrap() as u32,
        reason: l["reason"].as_str().unwrap().into(),
        error: opt_str(&l["error"]),
        message: serde_json::from_value(l["message"].clone()).unwrap(),
    };
    assert_eq!(&serde_json::to_value(letter).unwrap(), l);
}

#[test]
fn filter_enums_are_the_deserializers_names() {
    use wirewatch_model::detection::{Direction, ResolutionFilter, StatusFilter};
    let d = doc();
    let s = &d["components"]["schemas"];
    let values = |v: &Value| v["enum"].as_array().unwrap().clone();
    for v in values(&s["DetectionFilter"]["properties"]["status"]["items"]) {
        serde_json::from_value::<StatusFilter>(v.clone())
            .unwrap_or_else(|e| panic!("status {v}: {e}"));
    }
    for v in values(&s["DetectionFilter"]["properties"]["resolution"]["items"]) {
        serde_json::from_value::<ResolutionFilter>(v.clone())
            .unwrap_or_else(|e| panic!("resolution {v}: {e}"));
    }
    for v in values(&s["SortKey"]["properties"]["direction"]) {
        serde_json::from_value::<Direction>(v.clone())
            .unwrap_or_else(|e| panic!("direction {v}: {e}"));
    }
}

fn enum_values(v: &Value) -> Vec<Value> {
    v["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{v} has no enum"))
        .clone()
}

#[test]
fn device_and_record_enums_are_the_handlers_names() {
    use wirewatch_model::detection::Direction;
    use wirewatch_model::device::{Criticality, CustomType};
    use wirewatch_model::device_filter::{DeviceFilter, FIELDS};
    use wirewatch_model::record_filter::RecordFilter;
    let d = doc();
    let s = &d["components"]["schemas"];
    let combines = |op: &Value| ["and", "or", "not"].contains(&op.as_str().unwrap());
    // Every device field with every operator compiles.
    let fields = enum_values(&s["DeviceFilter"]["properties"]["field"]);
    assert_eq!(fields, FIELDS.iter().map(|f| json!(f)).collect::<Vec<_>>());
    for op in enum_values(&s["DeviceFilter"]["properties"]["operator"]) {
        for field in &fields {
            let test = json!({"field": field, "operator": if combines(&op) { json!("=") } else { op.clone() }, "operand": "1"});
            let f = if combines(&op) {
                json!({"operator": op, "rules": [test]})
            } else {
                test
            };
            let f: DeviceFilter = serde_json::from_value(f.clone()).unwrap();
            f.compile("filter")
                .unwrap_or_else(|e| panic!("device filter {op} on {field}: {e:?}"));
        }
    }
    let f: DeviceFilter =
        serde_json::from_value(json!({"field": "vendor", "operator": "in", "operand": "x"}))
            .unwrap();
    assert!(f.compile("filter").is_err(), "the list of device operators");
    // Every record operator and operand type compiles.
    for op in enum_values(&s["RecordFilter"]["properties"]["operator"]) {
        let operand = match op.as_str().unwrap() {
            "in" | "not_in" => json!([80, 443]),
            _ => json!(443),
        };
        let test = json!({"field": "serverPort", "operator": if combines(&op) { json!("=") } else { op.clone() }, "operand": operand});
        let f = if combines(&op) {
            json!({"operator": op, "rules": [test]})
        } else {
            test
        };
        let f: RecordFilter = serde_json::from_value(f).unwrap();
        f.compile("filter", &AnyObject)
            .unwrap_or_else(|e| panic!("record filter {op}: {e:?}"));
    }
    for t in enum_values(&s["RecordOperand"]["properties"]["type"]) {
        let value = match t.as_str().unwrap() {
            "ipaddr4" => json!("10.1.0.0/16"),
            "ipaddr6" => json!("fd00::/8"),
            "number" => json!(443),
            "boolean" => json!(true),
            "device_filter" => json!({"field": "vendor", "operator": "~", "operand": "cisco"}),
            _ => json!("1"),
        };
        let f: RecordFilter = serde_json::from_value(json!({"field": "client", "operator": "=",
            "operand": {"type": t, "value": value}}))
        .unwrap();
        f.compile("filter", &AnyObject)
            .unwrap_or_else(|e| panic!("operand type {t}: {e:?}"));
    }
    for unknown in ["application", "flowinterface", "planet"] {
        let f: RecordFilter = serde_json::from_value(json!({"field": "client", "operator": "=",
            "operand": {"type": unknown, "value": "1"}}))
        .unwrap();
        assert!(f.compile("filter", &AnyObject).is_err(), "{unknown}");
    }
    // PATCH /devices/{id} and the record sort.
    for v in enum_values(&s["DevicePatch"]["properties"]["custom_type"]) {
        serde_json::from_value::<CustomType>(v.clone())
            .unwrap_or_else(|e| panic!("custom_type {v}: {e}"));
    }
    for v in enum_values(&s["DevicePatch"]["properties"]["custom_criticality"]) {
        serde_json::from_value::<Criticality>(v.clone())
            .unwrap_or_else(|e| panic!("custom_criticality {v}: {e}"));
    }
    for v in enum_values(&s["Device"]["properties"]["custom_criticality"]) {
        if !v.is_null() {
            serde_json::from_value::<Criticality>(v.clone())
                .unwrap_or_else(|e| panic!("custom_criticality {v}: {e}"));
        }
    }
    for v in enum_values(&s["RecordSort"]["properties"]["direction"]) {
        serde_json::from_value::<Direction>(v.clone())
            .unwrap_or_else(|e| panic!("direction {v}: {e}"));
    }
    // The time and lifetime patterns are checked against their parsers
    // beside them (`wirewatch_model::time`).
}

/// An answer's `<field>_set: true` flags replaced by secrets, as a client
/// would send them.
fn unredact(v: &Value) -> Value {
    use wirewatch_model::ods::SECRET_FIELDS;
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                match k.strip_suffix("_set") {
                    Some(f) if SECRET_FIELDS.contains(&f) && *x == true => {
                        let secret = if f == "tls_client_key" {
                            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA...\n-----END PRIVATE KEY-----\n"
                        } else {
                            "s3cret"
                        };
                        out.insert(f.to_string(), json!(secret));
                    }
                    _ => {
                        out.insert(k.clone(), unredact(x));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(unredact).collect()),
        other => other.clone(),
    }
}

/// Every property named `name` in `v` (however deep), with where it is.
fn properties_named<'a>(v: &'a Value, name: &str, at: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                if let Some(p) = props.get(name) {
                    out.push((format!("{at}.{name}"), p));
                }
            }
            for (k, x) in m {
                properties_named(x, name, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                properties_named(x, name, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn ods_target_examples_are_what_the_handlers_accept_and_answer() {
    use super::ods_paths::{kinds, TARGET_SCHEMAS};
    use wirewatch_model::ods::{Target, TargetKind, SECRET_FIELDS};
    let d = doc();
    let s = &d["components"]["schemas"];
    // The kinds of the paths, of `GET /odstargets` and of the schemas are the model's.
    let all: Vec<Value> = TargetKind::ALL.iter().map(|k| json!(k.as_str())).collect();
    assert_eq!(kinds(), all);
    assert_eq!(TARGET_SCHEMAS.map(|(k, _)| k), TargetKind::ALL);
    {
        use schemars::JsonSchema;
        use wirewatch_model::ods::{HttpTarget, KafkaTarget, MongoTarget, RawTarget, SyslogTarget};
        let names = [
            HttpTarget::schema_name(),
            KafkaTarget::schema_name(),
            MongoTarget::schema_name(),
            RawTarget::schema_name(),
            SyslogTarget::schema_name(),
        ];
        assert_eq!(
            TARGET_SCHEMAS.map(|(_, n)| n),
            names.each_ref().map(|n| &**n)
        );
    }
    let by_kind: Vec<Value> = s["OdsTargets"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| json!(k))
        .collect();
    assert_eq!(by_kind, all);
    for (method, path, op) in operations(&d) {
        if path.starts_with("/odstargets/") {
            assert_eq!(op["parameters"][0]["name"], "kind", "{method} {path}");
            assert_eq!(
                op["parameters"][0]["schema"]["enum"],
                json!(all),
                "{method} {path}"
            );
        }
    }
    for (kind, name) in TARGET_SCHEMAS {
        let shown = &s[name]["example"];
        // The answer's form is what the handler answers to the request's form.
        let sent = unredact(shown);
        let target = Target::from_body(kind, sent.clone())
            .unwrap_or_else(|e| panic!("{name}: {}", e.message));
        assert_eq!(&target.public_view(), shown, "{name}");
        validate(&d, &s[name], &sent, name).unwrap();
        if sent != *shown {
            assert!(
                validate(&d, &s[name], shown, name).is_err(),
                "{name}: readOnly"
            );
            assert!(
                validate_answer(&d, &s[name], &sent, name).is_err(),
                "{name}: writeOnly"
            );
        }
        // The documented defaults are the ones a minimal target gets.
        let mut minimal = serde_json::Map::new();
        for req in s[name]["required"].as_array().unwrap() {
            let k = req.as_str().unwrap();
            minimal.insert(k.into(), sent[k].clone());
        }
        let view = Target::from_body(kind, Value::Object(minimal))
            .unwrap_or_else(|e| panic!("{name} minimal: {}", e.message))
            .public_view();
        for (field, p) in s[name]["properties"].as_object().unwrap() {
            if let Some(default) = p.get("default") {
                if let Some(v) = view.get(field) {
                    assert_eq!(v, default, "{name}.{field} default");
                }
            }
        }
        if kind == TargetKind::Http {
            let auth = &s["HttpAuthentication"]["properties"]["auth_type"]["default"];
            assert_eq!(&view["authentication"]["auth_type"], auth);
        }
    }
    // The `POST` example is the request form of the `HttpTarget` example, and
    // its 400 example is the handler's answer to it without the password.
    let post = &d["paths"]["/odstargets/{kind}"]["post"];
    let example = &post["requestBody"]["content"]["application/json"]["example"];
    let t = Target::from_body(TargetKind::Http, example.clone()).unwrap();
    assert_eq!(t.public_view(), s["HttpTarget"]["example"]);
    let mut bad = example.clone();
    bad["authentication"]
        .as_object_mut()
        .unwrap()
        .remove("password");
    let e = Target::from_body(TargetKind::Http, bad).unwrap_err();
    let answer = &post["responses"]["400"]["content"]["application/json"]["example"];
    assert_eq!(answer["field"].as_str(), e.field.as_deref());
    assert_eq!(answer["detail"].as_str(), Some(e.message.as_str()));
    // Every secret is write-only wherever it appears, with the read-only flag
    // the answers show in its place.
    let mut schemas = json!({});
    for name in [
        "HttpTarget",
        "HttpAuthentication",
        "KafkaTarget",
        "KafkaAuthentication",
        "MongoTarget",
        "MongoAuthentication",
        "RawTarget",
        "SyslogTarget",
    ] {
        schemas[name] = s[name].clone();
    }
    for f in SECRET_FIELDS {
        let mut found = Vec::new();
        properties_named(&schemas, f, "", &mut found);
        assert!(!found.is_empty(), "the secret {f} is not documented");
        for (at, p) in found {
            assert_eq!(p["writeOnly"], true, "{at}");
            assert!(
                p["description"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{f}_set: true`")),
                "{at}: the description names the flag"
            );
        }
        let mut flags = Vec::new();
        properties_named(&schemas, &format!("{f}_set"), "", &mut flags);
        assert!(!flags.is_empty(), "{f}_set");
        for (at, p) in flags {
            assert_eq!(p["readOnly"], true, "{at}");
        }
    }
}

#[test]
fn ods_patterns_accept_what_the_model_accepts() {
    use wirewatch_model::ods::NAME_PATTERN;
    use wirewatch_model::ods::{Target, TargetKind, HOST_PATTERN, MAX_NAME};
    let d = doc();
    let raw = |name: &str, host: &str| {
        Target::from_body(
            TargetKind::Raw,
            json!({"name": name, "host": host, "port": 9, "protocol": "tcp"}),
        )
    };
    let name_re = regex::Regex::new(NAME_PATTERN).unwrap();
    let long = "n".repeat(MAX_NAME);
    let longer = "n".repeat(MAX_NAME + 1);
    for n in [
        "ticket-server",
        "a b",
        " x ",
        "ü",
        long.as_str(),
        longer.as_str(),
        "",
        "   ",
        "a/b",
        "a\u{7}b",
        "a\u{85}b",
        "a\tb",
        "\u{a0}",
    ] {
        let documented = name_re.is_match(n) && n.chars().count() <= MAX_NAME;
        assert_eq!(documented, raw(n, "h").is_ok(), "name {n:?}");
    }
    let host_re = regex::Regex::new(HOST_PATTERN).unwrap();
    for h in [
        "127.0.0.1",
        "siem.example.com",
        "fd00::1",
        "http://h",
        "a b",
        "a/b",
        "",
        " ",
        "h\u{0}",
    ] {
        assert_eq!(host_re.is_match(h), raw("r", h).is_ok(), "host {h:?}");
    }
    let header = d["components"]["schemas"]["HttpTarget"]["properties"]["additional_header"]
        ["pattern"]
        .as_str()
        .unwrap();
    let header_re = regex::Regex::new(header).unwrap();
    for h in [
        "Accept: application/json",
        "X-Api-Key:abc",
        " X : y",
        "X: a:b",
        "Bad Header: x",
        ": x",
        "NoColon",
        "X: a\r\nB: c",
    ] {
        assert_eq!(
            header_re.is_match(h),
            wirewatch_model::ods::parse_header(h).is_some(),
            "header {h:?}"
        );
    }
}

#[test]
fn trigger_examples_and_enums_are_the_handlers() {
    use wirewatch_model::trigger::EVENTS;
    use wirewatch_model::trigger::EXAMPLE_SCRIPT as SCRIPT;
    let d = doc();
    let s = &d["components"]["schemas"];
    let events: Vec<Value> = EVENTS.iter().map(|e| json!(e)).collect();
    assert_eq!(
        enum_values(&s["Trigger"]["properties"]["events"]["items"]),
        events
    );
    assert_eq!(
        enum_values(&s["TriggerInput"]["properties"]["events"]["items"]),
        events
    );
    assert_eq!(
        enum_values(&s["TriggerPatch"]["properties"]["events"]["items"]),
        events
    );
    assert_eq!(
        enum_values(&s["TriggerInput"]["properties"]["event"]),
        events
    );
    let mut nullable = events.clone();
    nullable.push(Value::Null);
    assert_eq!(enum_values(&s["Trigger"]["properties"]["event"]), nullable);
    // The example script compiles cleanly; the 400 examples are the handler's
    // answer to a script with a syntax error.
    assert_eq!(wirewatch_triggers::check_script(SCRIPT), Ok(None));
    let e = wirewatch_triggers::check_script("if (Detection.riskScore < 60 {\n    return;\n}\n")
        .unwrap_err();
    let detail = format!(
        "script: does not compile: {} (line {}, column {})",
        e.message, e.line, e.column
    );
    for path in ["/triggers", "/triggers/{id}"] {
        let ops = &d["paths"][path];
        let op = if path == "/triggers" {
            &ops["post"]
        } else {
            &ops["patch"]
        };
        let answer = &op["responses"]["400"]["content"]["application/json"]["example"];
        assert_eq!(answer["detail"], json!(detail), "{path}");
        assert_eq!(answer["field"], "script", "{path}");
    }
    // The debug log limit is the number of lines kept.
    let log = &d["paths"]["/triggers/{id}/debuglog"]["get"]["parameters"][1];
    assert_eq!(log["name"], "limit");
    assert_eq!(log["schema"]["maximum"], wirewatch_store::TRIGGER_LOG_KEEP);
}

/// A route of a made-up table.
fn route(method: &str, path: &str, body: Option<crate::guard::Body>) -> crate::guard::Operation {
    crate::guard::Operation {
        method: method.parse().expect("a method"),
        path: path.to_string(),
        privilege: crate::guard::PUBLIC,
        body,
        handler: "test",
        body_schema: |_| None,
    }
}

/// A route reading a typed JSON body (a `NoteBody`).
fn typed_route() -> crate::guard::Operation {
    crate::guard::Operation {
        body_schema: |g| Some(g.subschema_for::<crate::routes::detections::NoteBody>()),
        ..route("POST", "/api/v1/things", Some(JSON_BODY))
    }
}

/// The body schema of a typed body is its extractor's type, generated into
/// the components; documentation that names another schema does not build.
#[test]
fn a_typed_body_is_documented_as_its_type() {
    let mut p = super::Paths::of_routes("https://x", vec![typed_route()]);
    p.add(
        "post",
        "/things",
        super::Op::new("T", "makeThing", "Make a thing").body_example(json!({"note": "x"})),
    );
    let (items, mut bodies) = p.finish();
    let body = &items["/things"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(
        body["schema"],
        json!({"$ref": "#/components/schemas/NoteInput"})
    );
    assert_eq!(body["example"], json!({"note": "x"}));
    assert!(bodies.take_definitions(true).contains_key("NoteInput"));
}

#[test]
#[should_panic(expected = "not the type the handler reads")]
fn a_typed_body_documented_as_another_schema_is_refused() {
    let mut p = super::Paths::of_routes("https://x", vec![typed_route()]);
    p.add(
        "post",
        "/things",
        super::Op::new("T", "makeThing", "Make a thing").body(super::r("Detection"), json!({})),
    );
    p.finish();
}

const JSON_BODY: crate::guard::Body = crate::guard::Body {
    dialect: crate::guard::Dialect::ExtraHop,
    optional: false,
    json: true,
};

/// The document is built from the router: what a route declares is stated
/// whatever its documentation says (privilege, public, required body).
#[test]
fn the_route_states_privilege_and_body() {
    let mut p = super::Paths::of_routes(
        "https://x",
        vec![route("POST", "/api/v1/things", Some(JSON_BODY))],
    );
    p.add(
        "post",
        "/things",
        super::Op::new("T", "makeThing", "Make a thing")
            .optional_body(json!({"type": "object"}), json!({})),
    );
    let (items, _) = p.finish();
    let op = &items["/things"]["post"];
    assert_eq!(op[super::PRIVILEGE], "public");
    assert_eq!(op["security"], json!([]));
    assert!(
        op["description"]
            .as_str()
            .unwrap()
            .ends_with("**Privilege:** nothing: no API key needed."),
        "{op}"
    );
    assert_eq!(
        op["requestBody"]["required"], true,
        "the extractor refuses an empty body"
    );
    assert!(op["responses"].get("401").is_none(), "public");
}

#[test]
#[should_panic(expected = "routed, not documented")]
fn an_undocumented_route_is_refused() {
    let p = super::Paths::of_routes("https://x", vec![route("GET", "/api/v1/things", None)]);
    p.finish();
}

#[test]
#[should_panic(expected = "documented, not routed")]
fn documentation_without_a_route_is_refused() {
    let mut p = super::Paths::of_routes("https://x", vec![]);
    p.add(
        "get",
        "/things",
        super::Op::new("T", "getThings", "Get things"),
    );
    p.finish();
}

#[test]
#[should_panic(expected = "the handler reads")]
fn a_body_the_handler_does_not_read_is_refused() {
    let mut p = super::Paths::of_routes("https://x", vec![route("GET", "/api/v1/things", None)]);
    p.add(
        "get",
        "/things",
        super::Op::new("T", "getThings", "Get things").body(json!({"type": "object"}), json!({})),
    );
    p.finish();
}

#[test]
#[should_panic(expected = "the handler reads")]
fn a_body_the_handler_reads_is_documented() {
    let mut p = super::Paths::of_routes(
        "https://x",
        vec![route("POST", "/api/v1/things", Some(JSON_BODY))],
    );
    p.add(
        "post",
        "/things",
        super::Op::new("T", "makeThing", "Make a thing"),
    );
    p.finish();
}

/// Every route of the real table is in the document, at its API's server
/// (building the document refuses a route without documentation), and a
/// JSON body documents the 400 of its dialect.
#[test]
fn every_route_is_documented_at_its_server() {
    let d = doc();
    let mut bodies = 0;
    for route in crate::operations() {
        let (path, method) = super::document_key(&route);
        let op = &d["paths"][&path][&method];
        let at = format!("{method} {path}");
        assert_eq!(op[super::PRIVILEGE], route.privilege.name, "{at}");
        let server = d["paths"][&path]["servers"][0]["url"].as_str();
        let base =
            (!route.path.starts_with("/api/v1/")).then_some("https://sensor.example.com/api");
        assert_eq!(server, base, "{at}: server");
        if route.body.is_some_and(|b| b.json) {
            bodies += 1;
            assert!(
                op["responses"].get("400").is_some(),
                "{at}: no 400 for a malformed body"
            );
        }
    }
    assert!(bodies >= 50, "only {bodies} bodies");
}

/// Dump a generated schema while porting one (`cargo test -p wirewatch-api
/// --lib print_schema -- --ignored --nocapture`).
#[test]
#[ignore]
fn print_schema() {
    let d = doc();
    for name in ["TicketPatch", "Status", "Resolution"] {
        println!("{name}: {:#}", d["components"]["schemas"][name]);
    }
}

/// Write the whole document to the file `$OPENAPI_DUMP`, to compare the
/// document before and after a schema moves to `derived.rs` (`cargo test -p
/// wirewatch-api --lib dump_document -- --ignored`).
#[test]
#[ignore]
fn dump_document() {
    let path = std::env::var("OPENAPI_DUMP").expect("OPENAPI_DUMP names the output file");
    std::fs::write(path, format!("{:#}", doc())).expect("the dump is written");
}
