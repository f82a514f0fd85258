//! Component schemas of triggers (`/triggers`) and, as wirewatch extensions,
//! their debug log and run statistics.

use super::{array, boolean, enumeration, ext, id, ms, nullable_string, object, r, string};
use serde_json::{json, Map, Value};
use wirewatch_model::trigger::{EVENTS, MAX_SCRIPT};
use wirewatch_store::TRIGGER_LOG_KEEP;

/// The levels of debug log lines.
pub(super) const LOG_LEVELS: [&str; 4] = ["debug", "log", "error", "warning"];

/// What each event is, in `EVENTS` order.
const EVENT_TEXT: &str = "`DETECTION_UPDATE`: a detection was created or changed, unless a tuning rule hides it (`Detection`); \
`EXTERNAL_DATA`: `POST /triggers/externaldata` was called (`ExternalData`); \
`FLOW_TICK`: a flow record was written, at the flow's end or timeout (`Flow`); `HTTP_REQUEST`, `HTTP_RESPONSE`: \
an HTTP transaction was recorded, the response only when one was seen (`Flow`, `HTTP`); `DNS_REQUEST`, \
`DNS_RESPONSE`: a DNS query or answer was recorded (`Flow`, `DNS`).";

/// The run budgets, as the description of triggers says them.
pub(super) const BUDGETS: &str = "Each run has a time budget (100 ms by default: `wirewatch serve \
--trigger-budget-ms`, `WIREWATCH_TRIGGER_BUDGET_MS`) and the JavaScript heap a memory limit (64 MiB by default: \
`--trigger-memory-mb`, `WIREWATCH_TRIGGER_MEMORY_MB`). A run over either is stopped: what it sent before stopping \
is kept, an `error` line goes to the debug log, and `budget_exceeded` of `GET /triggers/{id}/stats` counts it.";

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("Trigger", trigger());
    put("CreatedTrigger", created_trigger());
    put("TriggerInput", trigger_input(true));
    put("TriggerPatch", trigger_input(false));
    put("ExternalData", external_data());
    put("TriggerLogLine", log_line());
    put("TriggerStats", run_stats());
}

fn event(description: &str) -> Value {
    enumeration(
        EVENTS.iter().map(|e| json!(e)).collect(),
        false,
        description,
    )
}

/// The script of the examples: the ticketing guide's trigger, shortened.
pub(super) const SCRIPT: &str = "if (Detection.riskScore < 60) {\n    return;\n}\n\
Remote.HTTP('ticket-server').post({\n    path: '/rest/api/issue',\n    headers: {'Content-Type': 'application/json'},\n    \
payload: {fields: {summary: 'ExtraHop Detection: ' + Detection.id + ': ' + Detection.title,\n                       \
priority: {id: Detection.riskScore}}}\n});\n";

fn trigger() -> Value {
    let mut t = object(
        "A trigger: JavaScript run on each of its events.",
        &[
            "id",
            "name",
            "description",
            "author",
            "events",
            "event",
            "script",
            "disabled",
            "debug",
            "apply_all",
            "hints",
            "mod_time",
            "owner",
        ],
        json!({
            "id": id("The trigger's id."),
            "name": string("The trigger's name."),
            "description": string("What the trigger does."),
            "author": string("Who wrote it (by default the user who created it)."),
            "events": array(event(&format!("An event the trigger runs on. {EVENT_TEXT}"))),
            "event": {
                "type": "string", "nullable": true, "deprecated": true, "enum": event_values(true),
                "description": "Deprecated: the first of `events`.",
            },
            "script": string("The JavaScript, run as the body of a function (a top-level `return` ends the run)."),
            "disabled": boolean("Whether the trigger is off (it then runs on nothing)."),
            "debug": boolean("Whether `debug(...)` lines go to the debug log (`log(...)` lines always do)."),
            "apply_all": boolean("Whether the trigger applies to every device (stored; wirewatch runs every enabled trigger on all traffic)."),
            "hints": {"type": "object", "additionalProperties": true, "description": "Trigger hints, kept as given."},
            "mod_time": ms("When the trigger was created or last changed."),
            "owner": {"type": "string", "x-wirewatch-extension": true, "readOnly": true,
                "description": "The user whose privileges the trigger runs with: who created it or last changed it. It sees only the detections of that user's modules (`DETECTION_UPDATE`), and `commitDetection` follows that user's `POST /detections` rule. Not settable."},
        }),
    );
    t["example"] = json!({
        "id": 1, "name": "ticket tracking", "description": "Files a ticket for each risky detection",
        "author": "alice", "events": ["DETECTION_UPDATE"], "event": "DETECTION_UPDATE", "script": SCRIPT,
        "disabled": false, "debug": false, "apply_all": true, "hints": {}, "mod_time": 1_767_225_600_000_i64, "owner": "alice",
    });
    t
}

fn event_values(nullable: bool) -> Vec<Value> {
    let mut v: Vec<Value> = EVENTS.iter().map(|e| json!(e)).collect();
    if nullable {
        v.push(Value::Null);
    }
    v
}

fn created_trigger() -> Value {
    json!({
        "description": "The created trigger, and what saving the script found.",
        "allOf": [r("Trigger"), {"type": "object", "required": ["warnings"], "properties": {
            "warnings": ext(json!({
                "type": "array", "items": {"type": "string"},
                "description": "Problems the script was saved despite, e.g. string literals broken across lines \
                                (as by a PDF or an e-mail), which were joined with a space.",
            })),
        }}],
    })
}

fn trigger_input(create: bool) -> Value {
    let (description, required): (&str, &[&str]) = if create {
        (
            "Body of `POST /triggers`: `name`, `script` and `events` (or the deprecated `event`) are required.",
            &["name", "script"],
        )
    } else {
        (
            "Body of `PATCH /triggers/{id}`: the fields to change; absent fields keep their value.",
            &[],
        )
    };
    object(
        description,
        required,
        json!({
            "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S",
                     "description": "The trigger's name: 1 to 255 characters, not only spaces."},
            "description": string("What the trigger does (default empty)."),
            "author": string("Who wrote it (default: the caller's username)."),
            "events": {
                "type": "array", "minItems": 1, "items": event(EVENT_TEXT),
                "description": "The events to run on: at least one; repeated events count once. Other ExtraHop \
                                events are not fired by wirewatch (400 naming `events[i]`).",
            },
            "event": {"type": "string", "deprecated": true, "enum": event_values(false),
                      "description": "Deprecated: one event; ignored when `events` is given."},
            "script": {
                "type": "string",
                "description": format!(
                    "The JavaScript (at most {MAX_SCRIPT} bytes), run as the body of a function. It is compiled when \
                     saved: a syntax error is a 400 with `field: script` whose message names the line and column. \
                     String literals broken across lines are joined with a space and reported in `warnings`."
                ),
            },
            "disabled": boolean("Turn the trigger off (default false)."),
            "debug": boolean("Write `debug(...)` lines to the debug log (default false)."),
            "apply_all": boolean("Apply to every device (default true)."),
            "hints": {"type": "object", "additionalProperties": true, "description": "Trigger hints (default `{}`)."},
        }),
    )
}

fn external_data() -> Value {
    object(
        "Body of `POST /triggers/externaldata`: data for the triggers that run on `EXTERNAL_DATA` \
         (as `ExternalData.type` and `ExternalData.body`).",
        &["type"],
        json!({
            "type": {"type": "string", "pattern": "\\S",
                     "description": "What the data is, for triggers to tell kinds apart; not empty and not beginning \
                                     with `extrahop` in any case (reserved)."},
            "body": {"additionalProperties": true, "description": "The data: any JSON value (default `null`)."},
        }),
    )
}

fn log_line() -> Value {
    let mut l = object(
        "One line of a trigger's debug log.",
        &["id", "trigger_id", "time", "level", "event", "message"],
        json!({
            "id": id("The line's id (ascending)."),
            "trigger_id": id("The trigger's id."),
            "time": ms("When it was written."),
            "level": enumeration(
                LOG_LEVELS.iter().map(|l| json!(l)).collect(),
                false,
                "`debug` (`debug(...)`, with `debug: true`), `log` (`log(...)`), `error` (an uncaught exception, a run \
                 stopped by its budget, a detection `commitDetection` refused, a script that does not compile) or `warning` \
                 (a script saved despite a problem).",
            ),
            "event": string("The event of the run; empty for a line about the script itself."),
            "message": string("The text."),
        }),
    );
    l["example"] = json!({
        "id": 311, "trigger_id": 1, "time": 1_767_225_600_120_i64, "level": "error", "event": "DETECTION_UPDATE",
        "message": "stopped after 100 ms (the run-time budget): interrupted",
    });
    l
}

fn run_stats() -> Value {
    let count =
        |d: &str| json!({"type": "integer", "format": "int64", "minimum": 0, "description": d});
    let mut s = object(
        "A trigger's run statistics since it was created.",
        &[
            "runs",
            "errors",
            "budget_exceeded",
            "total_us",
            "max_us",
            "last_error",
            "last_run_time",
            "dropped",
        ],
        json!({
            "runs": count("How many times it ran."),
            "errors": count("Runs that ended with an uncaught exception."),
            "budget_exceeded": count("Runs stopped because they exceeded their time or memory budget."),
            "total_us": count("The total run time, in microseconds."),
            "max_us": count("The longest run, in microseconds."),
            "last_error": nullable_string("The last exception or budget message."),
            "last_run_time": {"type": "integer", "format": "int64", "nullable": true, "description": "When it last ran (ms)."},
            "dropped": {"type": "integer", "format": "int64", "minimum": 0, "x-wirewatch-extension": true,
                "description": "Detections, Remote messages and debug-log lines that runs produced beyond their per-run caps \
                 (`--trigger-max-detections`, default 1,000; `--trigger-max-messages`, default 10,000; 1,000 log lines), \
                 dropped: `commitDetection` and the Remote send return `false`, and a `warning` line says how many."},
        }),
    );
    s["example"] = json!({
        "runs": 1042, "errors": 0, "budget_exceeded": 1, "total_us": 2_345_678, "max_us": 100_412,
        "last_error": "stopped after 100 ms (the run-time budget): interrupted",
        "last_run_time": 1_767_229_200_000_i64, "dropped": 0,
    });
    s
}

/// The most debug log lines one request reads (and a trigger keeps).
pub(super) fn log_limit() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": TRIGGER_LOG_KEEP, "default": 100})
}
