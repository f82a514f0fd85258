//! Hand-written component schemas of detection formats (detections are
//! generated: `derived.rs`).

use super::{array, boolean, enumeration, ms, object, r, string};
use serde_json::{json, Map, Value};

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("DetectionFormat", format());
    put("PropertySchema", property_schema());
    put("DetectionFormatInput", format_input());
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
