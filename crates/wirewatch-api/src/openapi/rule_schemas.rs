//! Component schemas of tuning rules and investigations.

use super::{array, boolean, enumeration, ext, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::investigation::{Assessment, InvestigationStatus};
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
    put("Investigation", investigation());
    put("NewInvestigation", new_investigation());
    put("InvestigationPatch", investigation_patch());
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

fn inv_status() -> Value {
    let all = [
        InvestigationStatus::Open,
        InvestigationStatus::InProgress,
        InvestigationStatus::Closed,
    ];
    enumeration(wire(&all), false, "The investigation's status.")
}

fn assessment(nullable: bool) -> Value {
    let all = [
        Assessment::Undecided,
        Assessment::BenignTruePositive,
        Assessment::MaliciousTruePositive,
        Assessment::FalsePositive,
    ];
    enumeration(wire(&all), nullable, "The analyst's assessment.")
}

fn investigation() -> Value {
    let mut i = object(
        "An investigation.",
        &[
            "id",
            "name",
            "description",
            "notes",
            "status",
            "assessment",
            "assignee",
            "created_by",
            "last_interaction_by",
            "creation_time",
            "update_time",
            "last_interaction_time",
            "start_time",
            "end_time",
            "is_user_created",
            "detections",
            "url",
        ],
        json!({
            "id": id("The investigation's id."),
            "name": string("The name."),
            "description": nullable_string("A description."),
            "notes": nullable_string("Notes."),
            "status": inv_status(),
            "assessment": assessment(true),
            "assignee": nullable_string("The username it is assigned to."),
            "created_by": string("Who created it."),
            "last_interaction_by": string("Who last changed it."),
            "creation_time": ms("When it was created."),
            "update_time": ms("When it last changed."),
            "last_interaction_time": ms("When a user last changed it."),
            "start_time": {"type": "integer", "format": "int64", "nullable": true, "description": "Earliest start time of its detections (ms)."},
            "end_time": {"type": "integer", "format": "int64", "nullable": true, "description": "Latest end time of its detections (ms)."},
            "is_user_created": boolean("Whether a user created it."),
            "detections": array(id("A detection id.")),
            "url": nullable_string("The investigation's URL in this API."),
        }),
    );
    i["example"] = json!({"id": 3, "name": "Recon from 10.1.2.3", "description": null, "notes": "Check the scanner schedule.",
        "status": "in_progress", "assessment": "undecided", "assignee": "alice", "created_by": "alice", "last_interaction_by": "alice",
        "creation_time": 1_767_225_600_000_i64, "update_time": 1_767_225_700_000_i64, "last_interaction_time": 1_767_225_700_000_i64,
        "start_time": 1_767_225_600_000_i64, "end_time": 1_767_225_660_000_i64, "is_user_created": true, "detections": [1042],
        "url": "https://sensor.example.com/api/v1/investigations/3"});
    i
}

fn new_investigation() -> Value {
    object(
        "Body of `POST /investigations`.",
        &["name"],
        json!({
            "name": string("1 to 512 characters."),
            "description": string("A description."),
            "notes": string("Notes."),
            "status": inv_status(),
            "assessment": assessment(false),
            "assignee": string("A username."),
            "event_ids": {"type": "array", "maxItems": 1000, "items": id("A detection id."), "description": "The detections (`detections` is accepted as an alias)."},
        }),
    )
}

fn investigation_patch() -> Value {
    object(
        "Body of `PATCH /investigations/{id}`; absent fields are left alone, `null` clears.",
        &[],
        json!({
            "name": string("1 to 512 characters."),
            "description": nullable_string("A description."),
            "notes": nullable_string("Notes."),
            "status": inv_status(),
            "assessment": assessment(true),
            "assignee": nullable_string("A username."),
            "event_ids": {"type": "array", "items": id("A detection id."), "description": "Replaces the whole list of detections."},
            "detections_to_add": ext(json!({"type": "array", "items": id("A detection id."), "description": "add detections without resending the list."})),
            "detections_to_remove": ext(json!({"type": "array", "items": id("A detection id."), "description": "remove detections without resending the list."})),
        }),
    )
}
