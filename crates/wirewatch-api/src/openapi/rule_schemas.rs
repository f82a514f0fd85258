//! Hand-written component schemas of tuning rules (investigations are generated: `derived.rs`).

use super::{array, boolean, enumeration, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::rule::{HidingObjectType, LocalityType, PropertyOperator};

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("TuningRule", rule());
    put("RuleParticipant", rule_participant());
    put("HidingParticipant", hiding_participant());
    put(
        "StringOrList",
        json!({"description": "A string or a list of strings.", "oneOf": [{"type": "string"}, array(json!({"type": "string"}))]}),
    );
    put("PropertyFilter", property_filter());
    put("Operand", operand());
    put("NewTuningRule", new_rule());
    put("TuningRulePatch", rule_patch());
}

fn rule() -> Value {
    let mut t = object(
        "A tuning rule that hides detections.",
        &[
            "id",
            "author",
            "create_time",
            "description",
            "detection_type",
            "enabled",
            "expiration",
            "hide_past_detections",
            "offender",
            "victim",
            "properties",
            "detections_hidden",
            "participants_hidden",
        ],
        json!({
            "id": id("The rule's id."),
            "author": string("Who created the rule."),
            "create_time": ms("When it was created."),
            "description": nullable_string("A description."),
            "detection_type": string("A detection type, `all_security` or `all_performance`."),
            "enabled": boolean("Whether the rule hides anything."),
            "expiration": {"type": "integer", "format": "int64", "nullable": true, "description": "When the rule expires (ms); `null` or 0: never."},
            "hide_past_detections": boolean("Whether detections raised before the rule are hidden too."),
            "offender": r("RuleParticipant"),
            "victim": r("RuleParticipant"),
            "properties": array(r("PropertyFilter")),
            "detections_hidden": {"type": "integer", "format": "int64", "minimum": 0, "description": "How many detections the rule hides."},
            "participants_hidden": {"type": "integer", "format": "int64", "minimum": 0, "description": "How many participants the rule hides."},
        }),
    );
    t["example"] = json!({"id": 5, "author": "alice", "create_time": 1_767_225_600_000_i64, "description": "Vulnerability scanner",
        "detection_type": "port_scan", "enabled": true, "expiration": null, "hide_past_detections": true,
        "offender": {"object_type": "ipaddr", "object_value": "10.1.2.3"}, "victim": "Any",
        "properties": [{"property": "scan_type", "operator": "=", "operand": "vertical"}],
        "detections_hidden": 12, "participants_hidden": 1});
    t
}

fn rule_participant() -> Value {
    json!({
        "description": "`\"Any\"` (any case) or a participant object.",
        "oneOf": [{"type": "string", "enum": ["Any"]}, r("HidingParticipant")],
    })
}

fn hiding_participant() -> Value {
    let all = [
        HidingObjectType::Device,
        HidingObjectType::DeviceGroup,
        HidingObjectType::Ipaddr,
        HidingObjectType::LocalityType,
        HidingObjectType::NetworkLocality,
        HidingObjectType::Hostname,
        HidingObjectType::ScannerService,
        HidingObjectType::Username,
    ];
    object(
        "The participant a tuning rule matches. `device`, `device_group` and `network_locality` need `object_id`; \
         `ipaddr` needs `object_value` (addresses or CIDR blocks); `locality_type` needs `object_locality`; \
         `hostname` needs `object_hostname`; `scanner_service` needs `object_scanner` (`Any` for every scanner); \
         `username` needs `object_username`.",
        &["object_type"],
        json!({
            "object_type": enumeration(wire(&all), false, "What the rule matches."),
            "object_id": id("A device, device group or network locality id."),
            "object_value": r("StringOrList"),
            "object_locality": enumeration(wire(&[LocalityType::Internal, LocalityType::External]), false, "Internal or external participants."),
            "object_scanner": r("StringOrList"),
            "object_hostname": r("StringOrList"),
            "object_username": r("StringOrList"),
        }),
    )
}

fn property_filter() -> Value {
    let ops = [
        PropertyOperator::Eq,
        PropertyOperator::Ne,
        PropertyOperator::Match,
        PropertyOperator::NotMatch,
        PropertyOperator::In,
    ];
    object(
        "A filter on a detection property; every filter of a rule must match.",
        &["property", "operator", "operand"],
        json!({
            "property": string("A property name from the detection format."),
            "operator": enumeration(wire(&ops), false, "`=`, `!=`, `~` (regex match), `!~` (no regex match), `in` (one of a list)."),
            "operand": r("Operand"),
        }),
    )
}

fn operand() -> Value {
    json!({
        "description": "A plain value (string, number, boolean); `{\"value\", \"is_regex\"}` or `{\"value\", \"case_sensitive\"}`; \
            or, with `in`, a list of values.",
        "anyOf": [
            {"type": "string"}, {"type": "number"}, {"type": "boolean"},
            object("A value with options.", &["value"], json!({
                "value": {"description": "The value (a list with `in`)."},
                "is_regex": boolean("Treat the value as a regular expression."),
                "case_sensitive": boolean("Default true."),
            })),
            {"type": "array", "items": {}, "description": "Values for the `in` operator."},
        ],
    })
}

fn new_rule() -> Value {
    object(
        "Body of `POST /detections/rules/hiding`.",
        &["detection_type", "offender", "victim"],
        json!({
            "detection_type": string("A detection type, `all_security` or `all_performance`."),
            "offender": r("RuleParticipant"),
            "victim": r("RuleParticipant"),
            "expiration": {"type": "integer", "format": "int64", "nullable": true, "description": "When the rule expires (ms); `null` or 0: never."},
            "description": string("A description."),
            "properties": {"description": "Property filters: one object or a list.", "oneOf": [r("PropertyFilter"), array(r("PropertyFilter"))]},
            "enabled": boolean("Default true."),
            "hide_past_detections": boolean("Also hide detections raised before the rule."),
        }),
    )
}

fn rule_patch() -> Value {
    object(
        "Body of `PATCH /detections/rules/hiding/{id}`; absent fields are left alone.",
        &[],
        json!({
            "enabled": boolean("Whether the rule hides anything."),
            "expiration": {"type": "integer", "format": "int64", "nullable": true, "description": "When the rule expires (ms); `null` or 0: never."},
            "description": nullable_string("A description; `null` removes it."),
            "offender": r("RuleParticipant"),
            "victim": r("RuleParticipant"),
            "properties": {"description": "Replaces the property filters: one object or a list.", "oneOf": [r("PropertyFilter"), array(r("PropertyFilter"))]},
            "hide_past_detections": boolean("Also hide detections raised before the rule."),
        }),
    )
}
