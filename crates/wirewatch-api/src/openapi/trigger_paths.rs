//! Operations on triggers (`/triggers`) and, as wirewatch extensions, their
//! debug log and run statistics.

use super::{array, r, Op, Paths};
use serde_json::{json, Value};
use wirewatch_model::trigger::EXAMPLE_SCRIPT as SCRIPT;
use wirewatch_store::TRIGGER_LOG_KEEP;

/// The run budgets, as the description of triggers says them.
const BUDGETS: &str = "Each run has a time budget (100 ms by default: `wirewatch serve \
--trigger-budget-ms`, `WIREWATCH_TRIGGER_BUDGET_MS`) and the JavaScript heap a memory limit (64 MiB by default: \
`--trigger-memory-mb`, `WIREWATCH_TRIGGER_MEMORY_MB`). A run over either is stopped: what it sent before stopping \
is kept, an `error` line goes to the debug log, and `budget_exceeded` of `GET /triggers/{id}/stats` counts it.";

/// The most debug log lines one request reads (and a trigger keeps).
fn log_limit() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": TRIGGER_LOG_KEEP, "default": 100})
}

const WRITE_FULL: &str = "Requires `write: full` or higher.";
const WRITE_LIMITED: &str = "Requires `write: limited` or higher.";

pub(super) fn add(p: &mut Paths) {
    let tag = "Trigger";
    let not_found = || json!({"error_message": "trigger 1 not found"});
    let script_error = || {
        let detail = "script: does not compile: Unexpected token '{' (line 1, column 30)";
        json!({"type": "invalid_request", "detail": detail, "field": "script", "error_message": detail})
    };
    p.add(
        "get",
        "/triggers",
        Op::new(tag, "listTriggers", "List triggers")
            .describe(&format!("Every trigger, by id. {WRITE_FULL}"))
            .ok("200", "The triggers.", array(r("Trigger")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/triggers",
        Op::new(tag, "createTrigger", "Create a trigger")
            .describe(&format!(
                "Saves a trigger; it runs on its next event. The script is compiled first: a syntax error is a 400 \
                 naming the line and column, and nothing is saved. String literals broken across lines (as a PDF or \
                 an e-mail wraps them) are joined with a space and reported in `warnings`. The script uses the \
                 ExtraHop Trigger API's objects (`Detection`, `Flow`, `HTTP`, `DNS`, `ExternalData`), `Remote.*` to \
                 send to ODS targets, `commitDetection`, `log` and `debug`.\n\n{BUDGETS}\n\n\
                 wirewatch answers with the created trigger and `warnings` (an ExtraHop appliance answers with an \
                 empty body); `Location` is its path. {WRITE_FULL}"
            ))
            .refined_body(
                r("TriggerInput"),
                json!({
                    "name": "ticket tracking", "description": "Files a ticket for each risky detection",
                    "events": ["DETECTION_UPDATE"], "script": SCRIPT,
                }),
                "The handler reads the body of `PATCH /triggers/{id}` (`TriggerPatch`) and requires `name` and `script` itself (a 400 naming the field).",
            )
            .created("The created trigger, with `warnings`.", r("CreatedTrigger"))
            .error(
                400,
                "The body is invalid (`field` names the field: an unknown event is `events[i]`), or the script does \
                 not compile (`field: script`, the message names the line and column).",
                script_error(),
            )
            .errors(&[403]),
    );
    p.add(
        "get",
        "/triggers/{id}",
        Op::new(tag, "getTrigger", "Get a trigger")
            .describe(&format!("One trigger. {WRITE_FULL}"))
            .path_id("trigger")
            .ok("200", "The trigger.", r("Trigger"))
            .errors(&[400, 403])
            .error(404, "There is no trigger with that id.", not_found()),
    );
    p.add(
        "patch",
        "/triggers/{id}",
        Op::new(tag, "updateTrigger", "Update a trigger")
            .describe(&format!(
                "Changes the fields given. A new script is compiled first, as on creation: a syntax error is a 400 \
                 naming the line and column, and nothing is changed. The next event runs the new version. {WRITE_FULL}"
            ))
            .path_id("trigger")
            .body_example(json!({"disabled": false, "debug": true}))
            .empty("204", "The trigger was changed.")
            .error(
                400,
                "The id is not a number, a field is wrong (`field` names it), or the script does not compile \
                 (`field: script`, the message names the line and column).",
                script_error(),
            )
            .errors(&[403])
            .error(404, "There is no trigger with that id.", not_found()),
    );
    p.add(
        "delete",
        "/triggers/{id}",
        Op::new(tag, "deleteTrigger", "Delete a trigger")
            .describe(&format!(
                "Deletes the trigger with its debug log and statistics. {WRITE_FULL}"
            ))
            .path_id("trigger")
            .empty("204", "The trigger was deleted.")
            .errors(&[400, 403])
            .error(404, "There is no trigger with that id.", not_found()),
    );
    p.add(
        "post",
        "/triggers/externaldata",
        Op::new(tag, "sendTriggerExternalData", "Send data to triggers")
            .describe(&format!(
                "Queues an `EXTERNAL_DATA` event: every enabled trigger that runs on it sees `ExternalData.type` and \
                 `ExternalData.body`. The event is durable once answered. When no enabled trigger runs on \
                 `EXTERNAL_DATA` the data is dropped (still 202). {WRITE_LIMITED}"
            ))
            .body_example(json!({"type": "vpn-login", "body": {"user": "bob", "ipaddr": "10.8.0.6", "public_ipaddr": "203.0.113.50"}}),
            )
            .empty("202", "The event was queued.")
            .error(
                400,
                "`type` is missing, empty or begins with `extrahop` (reserved).",
                json!({"type": "invalid_request", "detail": "type: must not begin with \"extrahop\" (reserved)",
                       "field": "type", "error_message": "type: must not begin with \"extrahop\" (reserved)"}),
            )
            .errors(&[403]),
    );
    p.add(
        "get",
        "/triggers/{id}/debuglog",
        Op::new(tag, "getTriggerDebugLog", "Read a trigger's debug log")
            .describe(&format!(
                "The newest lines, oldest first: `log(...)` and (with `debug: true`) `debug(...)` output, uncaught \
                 exceptions, runs stopped by their budget, and warnings about the script. A trigger keeps its \
                 newest {} lines. {WRITE_FULL}",
                wirewatch_store::TRIGGER_LOG_KEEP
            ))
            .extension()
            .path_id("trigger")
            .query(
                "limit",
                &format!(
                    "How many of the newest lines (1 to {}, default 100).",
                    wirewatch_store::TRIGGER_LOG_KEEP
                ),
                log_limit(),
            )
            .ok("200", "The lines.", array(r("TriggerLogLine")))
            .errors(&[400, 403])
            .error(404, "There is no trigger with that id.", not_found()),
    );
    p.add(
        "delete",
        "/triggers/{id}/debuglog",
        Op::new(tag, "clearTriggerDebugLog", "Clear a trigger's debug log")
            .describe(&format!(
                "Deletes every line of the trigger's debug log. {WRITE_FULL}"
            ))
            .extension()
            .path_id("trigger")
            .empty("204", "The debug log is empty.")
            .errors(&[400, 403])
            .error(404, "There is no trigger with that id.", not_found()),
    );
    p.add(
        "get",
        "/triggers/{id}/stats",
        Op::new(tag, "getTriggerStats", "Get a trigger's run statistics")
            .describe(&format!(
                "How often it ran, how long it took, and how many runs failed or exceeded their budget. {BUDGETS} \
                 {WRITE_FULL}"
            ))
            .extension()
            .path_id("trigger")
            .ok("200", "The statistics.", r("TriggerStats"))
            .errors(&[400, 403])
            .error(404, "There is no trigger with that id.", not_found()),
    );
    assignments(p);
}

/// What `apply_all: false` means, as the assignment operations say it.
const SCOPE: &str = "A trigger with `apply_all: false` runs only for events about a device assigned to it, directly \
or as a member of an assigned device group: a detection with such a device (or one of its addresses) among its \
participants (`DETECTION_UPDATE`), an alert firing for such a device (`ALERT_RECORD_COMMIT`), a flow whose client or \
server address is one of such a device's (`FLOW_TICK`, `HTTP_*`, `DNS_*`). `EXTERNAL_DATA` is about no device: every \
trigger on it runs. Assignment changes apply to the next event; a device group's new members within 2 seconds.";

fn assignments(p: &mut Paths) {
    let tag = "Trigger";
    let child = || json!({"type": "integer", "format": "int64", "minimum": 0});
    for (seg, what, answer, id) in [
        ("devices", "device", "Device", "Devices"),
        (
            "devicegroups",
            "device group",
            "DeviceGroup",
            "DeviceGroups",
        ),
    ] {
        p.add(
            "get",
            &format!("/triggers/{{id}}/{seg}"),
            Op::new(
                tag,
                &format!("listTrigger{id}"),
                &format!("List the {what}s assigned to a trigger"),
            )
            .describe(&format!(
                "The {what}s directly assigned to the trigger. {SCOPE} {WRITE_FULL}"
            ))
            .path_id("trigger")
            .ok("200", &format!("The {what}s."), array(r(answer)))
            .errors(&[400, 403, 404]),
        );
        p.add(
            "post",
            &format!("/triggers/{{id}}/{seg}"),
            Op::new(tag, &format!("assignTrigger{id}"), &format!("Assign and unassign {what}s to a trigger"))
                .describe(&format!(
                    "Assigns the `assign` {what}s (each must exist: 400 names the first that does not) and \
                     unassigns the `unassign` ones (unknown ones are ignored). Audited. {SCOPE} {WRITE_FULL}"
                ))
                .path_id("trigger")
                .body_example(json!({"assign": [1, 2], "unassign": [3]}))
                .empty("204", "The assignments were changed.")
                .errors(&[403, 404]),
        );
        p.add(
            "post",
            &format!("/triggers/{{id}}/{seg}/{{child}}"),
            Op::new(
                tag,
                &format!("assignTrigger{id}One"),
                &format!("Assign a {what} to a trigger"),
            )
            .describe(&format!(
                "Assigns one {what} (404 when it does not exist). {WRITE_FULL}"
            ))
            .path_id("trigger")
            .path("child", &format!("The id of the {what}."), child())
            .empty("204", "The assignment was made.")
            .errors(&[400, 403, 404]),
        );
        p.add(
            "delete",
            &format!("/triggers/{{id}}/{seg}/{{child}}"),
            Op::new(
                tag,
                &format!("unassignTrigger{id}One"),
                &format!("Unassign a {what} from a trigger"),
            )
            .describe(&format!(
                "Unassigns one {what} (one not assigned is not an error). {WRITE_FULL}"
            ))
            .path_id("trigger")
            .path("child", &format!("The id of the {what}."), child())
            .empty("204", "The assignment is gone.")
            .errors(&[400, 403, 404]),
        );
    }
}
