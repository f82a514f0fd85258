//! Component schemas of detections and detection formats.

use super::{array, boolean, enumeration, ext, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::detection::{ParticipantKind, Resolution, Role, Status, SORTABLE_FIELDS};

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("Detection", detection());
    put("Participant", participant());
    put("DetectionSearch", search());
    put("DetectionFilter", filter());
    put("SortKey", sort_key());
    put("DetectionPatch", detection_patch());
    put("ParticipantPatch", participant_patch());
    put("NewDetection", new_detection());
    put("NewParticipant", new_participant());
    put(
        "NoteInput",
        object(
            "Body of `PUT /detections/{id}/notes`.",
            &["note"],
            json!({"note": string("The note text (at most 65536 bytes).")}),
        ),
    );
    put("DetectionFormat", format());
    put("PropertySchema", property_schema());
    put("DetectionFormatInput", format_input());
}

fn status(nullable: bool) -> Value {
    let all = [
        Status::New,
        Status::InProgress,
        Status::Closed,
        Status::Acknowledged,
    ];
    enumeration(
        wire(&all),
        nullable,
        "Triage status; `null` is open. `new` needs third-party ticket tracking.",
    )
}

fn resolution(nullable: bool) -> Value {
    enumeration(
        wire(&[Resolution::ActionTaken, Resolution::NoActionTaken]),
        nullable,
        "How the detection was resolved.",
    )
}

fn role() -> Value {
    enumeration(
        wire(&[Role::Offender, Role::Victim]),
        false,
        "The role the participant plays.",
    )
}

fn participant_kind() -> Value {
    let all = [
        ParticipantKind::Device,
        ParticipantKind::Ipaddr,
        ParticipantKind::Application,
    ];
    enumeration(wire(&all), false, "What the participant refers to.")
}

fn detection() -> Value {
    let mut d = object(
        "A detection.",
        &[
            "id",
            "appliance_id",
            "assignee",
            "categories",
            "create_time",
            "description",
            "end_time",
            "is_user_created",
            "mitre_tactics",
            "mitre_techniques",
            "mod_time",
            "participants",
            "properties",
            "recommended",
            "recommended_factors",
            "resolution",
            "risk_score",
            "start_time",
            "status",
            "ticket_id",
            "ticket_url",
            "title",
            "type",
            "update_time",
            "url",
        ],
        json!({
            "id": id("The detection's id."),
            "appliance_id": id("The sensor that raised it (0: this one)."),
            "assignee": nullable_string("The username the detection is assigned to."),
            "categories": array(string("A category such as `sec`, `sec.recon` or `perf`.")),
            "create_time": ms("When the detection was created."),
            "description": string("What was detected (markdown)."),
            "end_time": {"type": "integer", "format": "int64", "nullable": true, "description": "Last time the activity was seen (ms); `null` while it is ongoing."},
            "is_user_created": boolean("Whether it was created through `POST /detections`."),
            "mitre_tactics": array(r("MitreRef")),
            "mitre_techniques": array(r("MitreRef")),
            "mod_time": ms("When the detection last changed (triage included)."),
            "participants": array(r("Participant")),
            "properties": {"type": "object", "additionalProperties": true, "description": "Type-specific properties; see the detection format."},
            "recommended": boolean("Whether the detection is recommended for triage."),
            "recommended_factors": array(string("Why it is recommended.")),
            "resolution": resolution(true),
            "risk_score": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Risk score, 0 to 100."},
            "start_time": ms("When the activity started."),
            "status": status(true),
            "ticket_id": nullable_string("The id of the ticket tracking the detection."),
            "ticket_url": nullable_string("The ticket's URL, built from the ticketing URL template."),
            "title": string("The title."),
            "type": string("The detection type (see `/detections/formats`)."),
            "update_time": ms("When the detected activity last updated the detection."),
            "url": nullable_string("The detection's URL in this API."),
        }),
    );
    d["example"] = json!({
        "id": 1042, "appliance_id": 0, "assignee": null, "categories": ["sec", "sec.recon"],
        "create_time": 1_767_225_600_000_i64, "description": "A device probed many ports on one host.",
        "end_time": 1_767_225_660_000_i64, "is_user_created": false,
        "mitre_tactics": [{"id": "TA0007", "name": "Discovery", "legacy_ids": [], "url": "https://attack.mitre.org/tactics/TA0007"}],
        "mitre_techniques": [{"id": "T1046", "name": "Network Service Discovery", "legacy_ids": [], "url": "https://attack.mitre.org/techniques/T1046"}],
        "mod_time": 1_767_225_660_000_i64,
        "participants": [
            {"id": 1, "object_type": "ipaddr", "object_value": "10.1.2.3", "role": "offender", "ipaddr": "10.1.2.3",
             "external": false, "usernames": [], "origins": []},
            {"id": 2, "object_type": "device", "object_id": 17, "role": "victim", "ipaddr": "10.1.2.40",
             "hostname": "db1.example.com", "external": false, "usernames": [], "origins": []},
        ],
        "properties": {"scan_type": "vertical", "ports_scanned": 1000},
        "recommended": false, "recommended_factors": [], "resolution": null, "risk_score": 30,
        "start_time": 1_767_225_600_000_i64, "status": "in_progress", "ticket_id": null, "ticket_url": null,
        "title": "Port Scan", "type": "port_scan", "update_time": 1_767_225_660_000_i64,
        "url": "https://sensor.example.com/api/v1/detections/1042",
    });
    d
}

fn participant() -> Value {
    let mut p = object(
        "A device, IP address or application taking part in a detection.",
        &[
            "id",
            "object_type",
            "role",
            "external",
            "usernames",
            "origins",
        ],
        json!({
            "id": id("The participant's id (see `PATCH /detections/{id}`)."),
            "object_type": participant_kind(),
            "object_id": id("The device or application id (`object_type` `device` or `application`)."),
            "object_value": string("The IP address (`object_type` `ipaddr`)."),
            "role": role(),
            "ipaddr": string("The participant's IP address when known."),
            "hostname": string("The participant's host name when known."),
            "external": boolean("Whether the participant is outside the monitored network."),
            "scanner_service": string("The external scanning service the participant belongs to."),
            "usernames": array(string("A username associated with the participant.")),
            "origins": array(string("An origin IP address associated with the participant.")),
        }),
    );
    p["example"] = json!({"id": 2, "object_type": "device", "object_id": 17, "role": "victim", "ipaddr": "10.1.2.40",
        "hostname": "db1.example.com", "external": false, "scanner_service": "Shodan", "usernames": ["alice"], "origins": ["198.51.100.7"]});
    p
}

fn search() -> Value {
    let since = |what: &str| {
        ms(&format!(
            "Only detections whose {what} is at or after this time."
        ))
    };
    object(
        "Body of `POST /detections/search`. Every criterion is optional; an empty object returns the first page.",
        &[],
        json!({
            "filter": r("DetectionFilter"),
            "from": ms("Only detections still active at or after this time (end time `null` or later)."),
            "until": ms("Only detections that started at or before this time."),
            "mod_time": since("`mod_time`"),
            "create_time": since("`create_time`"),
            "update_time": since("`update_time`"),
            "limit": {"type": "integer", "minimum": 0, "maximum": 20_000, "default": 1000, "description": "The page size."},
            "offset": {"type": "integer", "minimum": 0, "default": 0, "description": "How many matches to skip."},
            "sort": {"description": "Sort keys, most significant first: one object or a list. Default: newest `update_time` first.",
                     "oneOf": [r("SortKey"), array(r("SortKey"))]},
            "id_only": boolean("Return only the ids of the matches."),
            "include_hidden": ext(boolean("also return detections hidden by tuning rules.")),
        }),
    )
}

fn filter() -> Value {
    object(
        "The `filter` of a detection search; criteria combine with AND, list values with OR.",
        &[],
        json!({
            "category": {"type": "string", "deprecated": true, "description": "Deprecated: one category."},
            "categories": array(string("A category such as `sec.recon`.")),
            "assignee": array(string("A username, `.none` (unassigned) or `.me` (the caller).")),
            "ticket_id": array(string("A ticket id or `.none` (no ticket).")),
            "status": array(enumeration(
                vec![json!(".none"), json!("new"), json!("in_progress"), json!("closed"), json!("acknowledged")],
                false,
                "A status, or `.none` for open detections.",
            )),
            "resolution": array(enumeration(
                vec![json!(".none"), json!("action_taken"), json!("no_action_taken")],
                false,
                "A resolution, or `.none` for unresolved detections.",
            )),
            "types": array(string("A detection type.")),
            "risk_score_min": {"type": "integer", "description": "The lowest risk score."},
            "recommended": boolean("Only recommended (true) or not recommended (false) detections."),
        }),
    )
}

fn sort_key() -> Value {
    object(
        "One sort key.",
        &["field"],
        json!({
            "field": enumeration(SORTABLE_FIELDS.iter().map(|f| json!(f)).collect(), false, "A detection field."),
            "direction": {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
        }),
    )
}

fn detection_patch() -> Value {
    object(
        "Body of `PATCH /detections/{id}`: absent fields are left alone, `null` (or `\"\"`) clears.",
        &[],
        json!({
            "ticket_id": nullable_string("The ticket tracking the detection."),
            "assignee": nullable_string("The username the detection is assigned to."),
            "status": status(true),
            "resolution": resolution(true),
            "participants": {"description": "Usernames and origins of existing participants: one object or a list.",
                             "oneOf": [r("ParticipantPatch"), array(r("ParticipantPatch"))]},
        }),
    )
}

fn participant_patch() -> Value {
    object(
        "A change to one participant of a detection (participants cannot be added).",
        &["id"],
        json!({
            "id": id("The participant's id."),
            "usernames": array(string("A username; the list replaces the current one.")),
            "origins": array(string("An IP address; the list replaces the current one.")),
        }),
    )
}

fn new_detection() -> Value {
    object(
        "Body of `POST /detections` (wirewatch extension). Fields left out come from the detection format.",
        &["type"],
        json!({
            "type": string("A detection type from `/detections/formats`."),
            "title": string("Default: the format's display name."),
            "description": string("Default: the format's description."),
            "risk_score": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Default: the format's risk score."},
            "start_time": ms("Default: now."),
            "end_time": ms("Not before `start_time`."),
            "participants": {"type": "array", "maxItems": 1000, "items": r("NewParticipant")},
            "properties": {"type": "object", "additionalProperties": true, "description": "Type-specific properties."},
            "categories": array(string("Default: the format's categories.")),
            "recommended": boolean("Default false."),
            "recommended_factors": array(string("Why it is recommended.")),
            "status": status(false),
            "assignee": string("A username."),
            "ticket_id": string("A ticket id."),
            "resolution": resolution(false),
        }),
    )
}

fn new_participant() -> Value {
    object(
        "A participant of a new detection. `ipaddr` participants need `object_value`; `device` and `application` ones `object_id`.",
        &["object_type", "role"],
        json!({
            "object_type": participant_kind(),
            "object_id": id("The device or application id."),
            "object_value": string("The IP address."),
            "role": role(),
            "ipaddr": string("The IP address of a device."),
            "hostname": string("The host name."),
            "external": boolean("Default: from the network localities."),
            "scanner_service": string("The external scanning service."),
            "usernames": array(string("A username.")),
            "origins": array(string("An origin IP address.")),
        }),
    )
}

fn format() -> Value {
    let mut f = object(
        "A detection format: a detection type with its display name, categories, MITRE techniques and properties.",
        &["type", "display_name", "author", "categories", "mitre_categories", "is_user_created", "last_updated",
          "released", "status", "properties", "default_risk_score", "description"],
        json!({
            "type": string("The detection type (letters, digits and `_`)."),
            "display_name": string("The name shown to users."),
            "author": string("Who wrote the format."),
            "categories": array(string("A category such as `sec` or `sec.recon`.")),
            "mitre_categories": array(string("A MITRE technique id such as `T1046`.")),
            "is_user_created": boolean("Whether it is a custom format."),
            "last_updated": ms("When the format last changed."),
            "released": ms("When the format was released."),
            "status": string("`active`."),
            "properties": {"type": "object", "additionalProperties": r("PropertySchema"), "description": "The properties of detections of this type, by name."},
            "default_risk_score": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Risk score of detections of this type unless the source says otherwise."},
            "description": string("What the detection means."),
        }),
    );
    f["example"] = json!({"type": "port_scan", "display_name": "Port Scan", "author": "ExtraHop", "categories": ["sec", "sec.recon"],
        "mitre_categories": ["T1046"], "is_user_created": false, "last_updated": 1_793_491_200_000_i64,
        "released": 1_793_491_200_000_i64, "status": "active",
        "properties": {"scan_type": {"is_optional": false, "status": "active", "is_tunable": true, "data_type": "string"}},
        "default_risk_score": 30, "description": "A device probed many ports on one host (vertical) or one port on many hosts (horizontal)."});
    f
}

fn property_schema() -> Value {
    object(
        "The schema of one detection property.",
        &["is_optional", "status", "is_tunable", "data_type"],
        json!({
            "is_optional": boolean("Whether detections may lack it."),
            "status": string("`active`."),
            "is_tunable": boolean("Whether a tuning rule may filter on it."),
            "data_type": enumeration(
                vec![json!("string"), json!("number"), json!("boolean"), json!("string_list"), json!("ipaddr")],
                false,
                "The value's type.",
            ),
        }),
    )
}

fn format_input() -> Value {
    object(
        "Body of `POST /detections/formats` (`type` and `display_name` required) and \
         `PATCH /detections/formats/{id}` (absent fields are left alone; `type` cannot change).",
        &[],
        json!({
            "type": string("The new detection type: 1 to 128 letters, digits or `_`."),
            "display_name": string("The name shown to users."),
            "mitre_categories": array(string("A MITRE technique id such as `T1046` or `T1110.001`.")),
            "author": string("Default: the caller."),
            "categories": {"type": "array", "maxItems": 1, "items": {"type": "string"},
                           "description": "One category: `sec`, `perf` or a sub-category such as `sec.attack` (default `sec`)."},
        }),
    )
}
