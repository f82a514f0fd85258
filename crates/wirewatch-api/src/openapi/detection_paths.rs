//! Operations on `/detections` (with formats and tuning rules) and `/investigations`.

use super::{array, r, Op, Paths};
use serde_json::json;

const SEE: &str =
    "Requires NDR (`ndr: full`) or NPM (`npm: full`) module access; each shows its own detections \
                   (security or performance).";
const TRIAGE: &str = "Requires `write: limited` or higher and NDR or NPM module access.";
const NDR: &str = "Requires NDR module access (`ndr: full`).";
/// Formats and tuning rules belong to the module of their categories.
const MODULE_SEE: &str = "Requires the module of the format's categories (a tuning rule: of its type's format; \
`all_security`/`all_performance`: theirs): NDR (`ndr: full`) for security, NPM (`npm: full`) for performance. \
Objects of a module the caller lacks are not listed and answer 404 as missing ones.";
const MODULE_WRITE: &str = "Requires `write: full` or higher and the module of the categories involved (NDR for \
`sec`, NPM for `perf`; a tuning rule: its type's module). Creating or moving into a module the caller lacks is a 403; \
changing an object of such a module is a 404, as for a missing one.";
const NDR_WRITE: &str = "Requires NDR module access (`ndr: full`) and `write: personal` or higher.";

pub(super) fn add(p: &mut Paths) {
    detections(p);
    notes(p);
    formats(p);
    rules(p);
    investigations(p);
}

fn detections(p: &mut Paths) {
    let tag = "Detections";
    p.add(
        "get",
        "/detections",
        Op::new(tag, "listDetections", "List detections")
            .describe(&format!(
                "Newest update first; detections hidden by tuning rules are left out. {SEE}"
            ))
            .query(
                "limit",
                "The page size (default 1000, at most 20000).",
                json!({"type": "integer", "minimum": 0, "maximum": 20_000, "default": 1000}),
            )
            .query(
                "offset",
                "How many detections to skip.",
                json!({"type": "integer", "minimum": 0, "default": 0}),
            )
            .ok("200", "The detections.", array(r("Detection")))
            .errors(&[400, 403]),
    );
    p.add(
        "post",
        "/detections",
        Op::new(tag, "createDetection", "Create a detection")
            .describe(
                "Creates a user-created detection (`is_user_created: true`) of a known type; fields left out come \
                 from the detection format. Requires `write: full` or higher and the module of every category the detection \
                 will carry (`categories` if given, else its format's): a user cannot create a detection they could not see.",
            )
            .extension()
            .body_example(json!({
                    "type": "port_scan", "title": "Port scan from the lab network", "risk_score": 40,
                    "start_time": 1_767_225_600_000_i64, "end_time": 1_767_225_660_000_i64,
                    "participants": [
                        {"object_type": "ipaddr", "object_value": "10.1.2.3", "role": "offender"},
                        {"object_type": "ipaddr", "object_value": "10.1.2.40", "role": "victim", "hostname": "db1.example.com"},
                    ],
                    "properties": {"scan_type": "vertical", "ports_scanned": 1000},
                }),
            )
            .created("The new detection.", r("Detection"))
            .errors(&[403]),
    );
    let search = Op::new(tag, "searchDetections", "Search detections")
        .describe(&format!(
            "Filters, time windows, sorting and paging. With `id_only: true` the answer is a list of ids. \
             The `include_hidden` and `histogram` fields and the `offender` and `victim` filters are wirewatch \
             extensions; with `histogram` the answer is the number of matches per interval. {SEE}"
        ))
        .body_example(json!({
                "filter": {"status": [".none", "in_progress"], "assignee": [".me", ".none"], "risk_score_min": 30},
                "from": 1_767_225_600_000_i64,
                "sort": [{"field": "risk_score", "direction": "desc"}],
                "limit": 100, "offset": 0,
            }),
        )
        .ok(
            "200",
            "The matching detections, their ids with `id_only`, or their counts per interval with `histogram`.",
            json!({"oneOf": [array(r("Detection")), array(json!({"type": "integer", "format": "int64"})), array(r("DetectionCount"))]}),
        )
        .errors(&[403]);
    p.add("post", "/detections/search", search);
    p.add(
        "patch",
        "/detections/tickets",
        Op::new(tag, "updateTicket", "Update the detections linked to a ticket")
            .describe(&format!(
                "Applies the ticket's assignee, status and resolution to every detection with that `ticket_id` \
                 (how a ticketing system syncs back). {TRIAGE}"
            ))
            .body_example(json!({"ticket_id": "SEC-1234", "assignee": "alice", "status": "closed", "resolution": "action_taken"}),
            )
            .empty("204", "The detections were changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/detections/{id}",
        Op::new(tag, "getDetection", "Get a detection")
            .describe(SEE)
            .path_id("detection")
            .ok("200", "The detection.", r("Detection"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/detections/{id}",
        Op::new(tag, "updateDetection", "Triage a detection")
            .describe(&format!("Sets the ticket, assignee, status and resolution, and participants' usernames and origins. {TRIAGE}"))
            .path_id("detection")
            .body_example(json!({"assignee": "alice", "status": "in_progress", "ticket_id": "SEC-1234",
                       "participants": [{"id": 1, "usernames": ["bob"]}]}),
            )
            .empty("204", "The detection was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/detections/{id}/related",
        Op::new(tag, "getRelatedDetections", "List related detections")
            .describe(&format!(
                "Other visible detections that share a participant. {SEE}"
            ))
            .path_id("detection")
            .query(
                "from",
                "Only detections active at or after this time (ms).",
                json!({"type": "integer", "format": "int64"}),
            )
            .query(
                "until",
                "Only detections that started at or before this time (ms).",
                json!({"type": "integer", "format": "int64"}),
            )
            .ok("200", "The related detections.", array(r("Detection")))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/detections/{id}/investigations",
        Op::new(
            tag,
            "getDetectionInvestigations",
            "List the investigations a detection is in",
        )
        .describe(NDR)
        .path_id("detection")
        .ok("200", "The investigations.", array(r("Investigation")))
        .errors(&[400, 403, 404]),
    );
}

fn notes(p: &mut Paths) {
    let tag = "Detections";
    let path = "/detections/{id}/notes";
    p.add(
        "get",
        path,
        Op::new(tag, "getDetectionNote", "Get the note of a detection")
            .describe(SEE)
            .path_id("detection")
            .ok("200", "The note.", r("Note"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "put",
        path,
        Op::new(tag, "replaceDetectionNote", "Set the note of a detection")
            .describe(&format!("Replaces the note; the caller becomes its author. {TRIAGE}"))
            .path_id("detection")
            .body_example(json!({"note": "Scanner is the new vulnerability appliance; tuning rule requested."}))
            .empty("204", "The note was saved.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        path,
        Op::new(tag, "deleteDetectionNote", "Delete the note of a detection")
            .describe(TRIAGE)
            .path_id("detection")
            .empty("204", "The note was deleted.")
            .errors(&[400, 403, 404]),
    );
}

fn formats(p: &mut Paths) {
    let tag = "Detection Formats";
    let builtin = || json!({"type": "boolean", "default": false});
    let type_param = |op: Op| {
        op.path(
            "id",
            "The detection type, e.g. `port_scan`.",
            json!({"type": "string"}),
        )
    };
    p.add(
        "get",
        "/detections/formats",
        Op::new(tag, "listDetectionFormats", "List detection formats")
            .describe(&format!(
                "The built-in catalog, then custom formats. {MODULE_SEE}"
            ))
            .query("built_in_only", "Only the built-in formats.", builtin())
            .ok("200", "The formats.", array(r("DetectionFormat")))
            .errors(&[400, 403]),
    );
    p.add(
        "post",
        "/detections/formats",
        Op::new(
            tag,
            "createDetectionFormat",
            "Create a custom detection format",
        )
        .describe(MODULE_WRITE)
        .body_example(
            json!({"type": "vpn_impossible_travel", "display_name": "VPN Impossible Travel",
                       "mitre_categories": ["T1078"], "categories": ["sec.attack"]}),
        )
        .created("The new format.", r("DetectionFormat"))
        .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/detections/formats/{id}",
        type_param(Op::new(tag, "getDetectionFormat", "Get a detection format"))
            .describe(&format!("A custom format of that type wins over a built-in one unless `built_in_only`. {MODULE_SEE}"))
            .query("built_in_only", "Only look at the built-in formats.", builtin())
            .ok("200", "The format.", r("DetectionFormat"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/detections/formats/{id}",
        type_param(Op::new(tag, "updateDetectionFormat", "Update a custom detection format"))
            .describe(&format!("Built-in formats cannot be changed (404). {MODULE_WRITE}"))
            .body_example(json!({"display_name": "VPN Impossible Travel", "mitre_categories": ["T1078", "T1133"]}))
            .empty("204", "The format was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/detections/formats/{id}",
        type_param(Op::new(
            tag,
            "deleteDetectionFormat",
            "Delete a custom detection format",
        ))
        .describe(&format!(
            "Built-in formats cannot be deleted (404). {MODULE_WRITE}"
        ))
        .empty("204", "The format was deleted.")
        .errors(&[403, 404]),
    );
}

fn rules(p: &mut Paths) {
    let tag = "Tuning Rules";
    p.add(
        "get",
        "/detections/rules/hiding",
        Op::new(tag, "listTuningRules", "List tuning rules")
            .describe(MODULE_SEE)
            .ok("200", "The rules.", array(r("TuningRule")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/detections/rules/hiding",
        Op::new(tag, "createTuningRule", "Create a tuning rule")
            .describe(&format!("Detections matching the rule are hidden from now on (and before, with `hide_past_detections`). {MODULE_WRITE}"))
            .body_example(json!({
                    "detection_type": "port_scan",
                    "offender": {"object_type": "ipaddr", "object_value": ["10.1.2.3", "10.9.0.0/24"]},
                    "victim": "Any",
                    "description": "Vulnerability scanners",
                    "properties": [{"property": "scan_type", "operator": "=", "operand": {"value": "Vertical", "case_sensitive": false}}],
                    "hide_past_detections": true,
                }),
            )
            .created("The new rule.", r("TuningRule"))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/detections/rules/hiding/{id}",
        Op::new(tag, "getTuningRule", "Get a tuning rule")
            .describe(MODULE_SEE)
            .path_id("tuning rule")
            .ok("200", "The rule.", r("TuningRule"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/detections/rules/hiding/{id}",
        Op::new(tag, "updateTuningRule", "Update a tuning rule")
            .describe(MODULE_WRITE)
            .path_id("tuning rule")
            .body_example(json!({"enabled": false, "expiration": null, "description": "Paused during the audit"}))
            .empty("204", "The rule was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/detections/rules/hiding/{id}",
        Op::new(tag, "deleteTuningRule", "Delete a tuning rule")
            .describe(&format!(
                "The detections it hid become visible again. {MODULE_WRITE}"
            ))
            .path_id("tuning rule")
            .empty("204", "The rule was deleted.")
            .errors(&[400, 403, 404]),
    );
}

fn investigations(p: &mut Paths) {
    let tag = "Investigations";
    p.add(
        "get",
        "/investigations",
        Op::new(tag, "listInvestigations", "List investigations")
            .describe(NDR)
            .ok("200", "The investigations.", array(r("Investigation")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/investigations",
        Op::new(tag, "createInvestigation", "Create an investigation")
            .describe(&format!("The detections named in `event_ids` must exist. {NDR_WRITE}"))
            .body_example(json!({"name": "Recon from 10.1.2.3", "description": "Port scans against the database subnet",
                       "status": "open", "assessment": "undecided", "assignee": "alice", "event_ids": [1042]}),
            )
            .created("The new investigation.", r("Investigation"))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/investigations/{id}",
        Op::new(tag, "getInvestigation", "Get an investigation")
            .describe(NDR)
            .path_id("investigation")
            .ok("200", "The investigation.", r("Investigation"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/investigations/{id}",
        Op::new(tag, "updateInvestigation", "Update an investigation")
            .describe(&format!(
                "`event_ids` replaces the list of detections; the wirewatch extensions `detections_to_add` and \
                 `detections_to_remove` change it without resending it. {NDR_WRITE}"
            ))
            .path_id("investigation")
            .body_example(json!({"status": "closed", "assessment": "benign_true_positive", "detections_to_add": [1043]}),
            )
            .empty("204", "The investigation was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/investigations/{id}",
        Op::new(tag, "deleteInvestigation", "Delete an investigation")
            .describe(NDR_WRITE)
            .path_id("investigation")
            .empty("204", "The investigation was deleted.")
            .errors(&[400, 403, 404]),
    );
}
