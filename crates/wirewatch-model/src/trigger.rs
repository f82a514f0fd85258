//! Triggers (`/triggers`): JavaScript run on events, as in the ExtraHop Trigger API.

use crate::error::{Error, Result};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Events wirewatch fires, with what the trigger sees.
pub const EVENTS: [&str; 8] = [
    "DETECTION_UPDATE",
    "EXTERNAL_DATA",
    "ALERT_RECORD_COMMIT",
    "FLOW_TICK",
    "HTTP_REQUEST",
    "HTTP_RESPONSE",
    "DNS_REQUEST",
    "DNS_RESPONSE",
];

/// What each event is, in `EVENTS` order.
pub const EVENT_TEXT: &str = "`DETECTION_UPDATE`: a detection was created or changed, unless a tuning rule hides it (`Detection`); \
`EXTERNAL_DATA`: `POST /triggers/externaldata` was called (`ExternalData`); \
`ALERT_RECORD_COMMIT`: an alert fired for a device (`AlertRecord`: the firing as `GET /alerts/{id}/firings` answers it); \
`FLOW_TICK`: a flow record was written, at the flow's end or timeout (`Flow`); `HTTP_REQUEST`, `HTTP_RESPONSE`: \
an HTTP transaction was recorded, the response only when one was seen (`Flow`, `HTTP`); `DNS_REQUEST`, \
`DNS_RESPONSE`: a DNS query or answer was recorded (`Flow`, `DNS`).";

/// The levels of debug log lines.
pub const LOG_LEVELS: [&str; 4] = ["debug", "log", "error", "warning"];

/// Longest script accepted (bytes).
pub const MAX_SCRIPT: usize = 1024 * 1024;

/// The script of the documentation's examples: the ticketing guide's
/// trigger, shortened.
pub const EXAMPLE_SCRIPT: &str = "if (Detection.riskScore < 60) {\n    return;\n}\n\
Remote.HTTP('ticket-server').post({\n    path: '/rest/api/issue',\n    headers: {'Content-Type': 'application/json'},\n    \
payload: {fields: {summary: 'ExtraHop Detection: ' + Detection.id + ': ' + Detection.title,\n                       \
priority: {id: Detection.riskScore}}}\n});\n";

/// The `events` of a trigger.
fn trigger_events(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "items": {
        "type": "string", "enum": EVENTS,
        "description": format!("An event the trigger runs on. {EVENT_TEXT}"),
    }})
}

/// The deprecated `event` of a trigger: the first of `events`.
fn first_event(_: &mut SchemaGenerator) -> Schema {
    let mut values: Vec<Value> = EVENTS.iter().map(|e| Value::from(*e)).collect();
    values.push(Value::Null);
    json_schema!({"type": "string", "nullable": true, "enum": values})
}

/// The `events` of a request.
fn input_events(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "minItems": 1, "items": {
        "type": "string", "enum": EVENTS, "description": EVENT_TEXT,
    }})
}

/// The deprecated `event` of a request.
fn input_event(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "enum": EVENTS})
}

/// A trigger: JavaScript run on each of its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = Trigger::example())]
pub struct Trigger {
    /// The trigger's id.
    pub id: u64,
    /// The trigger's name.
    pub name: String,
    /// What the trigger does.
    pub description: String,
    /// Who wrote it (by default the user who created it).
    pub author: String,
    #[schemars(schema_with = "trigger_events")]
    pub events: Vec<String>,
    /// Deprecated: the first of `events`.
    #[schemars(schema_with = "first_event", extend("deprecated" = true))]
    pub event: Option<String>,
    /// The JavaScript, run as the body of a function (a top-level `return`
    /// ends the run).
    pub script: String,
    /// Whether the trigger is off (it then runs on nothing).
    pub disabled: bool,
    /// Whether `debug(...)` lines go to the debug log (`log(...)` lines
    /// always do).
    pub debug: bool,
    /// Whether the trigger applies to every device. When false it runs only
    /// for events about a device assigned to it, directly or through a
    /// device group (`/triggers/{id}/devices`, `/triggers/{id}/devicegroups`);
    /// `EXTERNAL_DATA`, about no device, runs it as any trigger.
    pub apply_all: bool,
    /// Trigger hints, kept as given.
    #[schemars(with = "Map<String, Value>")]
    pub hints: Value,
    /// When the trigger was created or last changed (ms).
    pub mod_time: i64,
    /// The user whose privileges the trigger runs with: who created it or
    /// last changed it. It sees only the detections of that user's modules
    /// (`DETECTION_UPDATE`), and `commitDetection` follows that user's
    /// `POST /detections` rule. Not settable.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true, "readOnly" = true))]
    pub owner: String,
}

impl Trigger {
    /// The example of the API's documentation.
    pub fn example() -> Trigger {
        Trigger {
            id: 1,
            name: "ticket tracking".into(),
            description: "Files a ticket for each risky detection".into(),
            author: "alice".into(),
            events: vec!["DETECTION_UPDATE".into()],
            event: Some("DETECTION_UPDATE".into()),
            script: EXAMPLE_SCRIPT.into(),
            disabled: false,
            debug: false,
            apply_all: true,
            hints: Value::Object(Map::new()),
            mod_time: 1_767_225_600_000,
            owner: "alice".into(),
        }
    }

    /// The user the trigger runs as (triggers stored before `owner` existed:
    /// their author, who was their creator unless set otherwise).
    pub fn runs_as(&self) -> &str {
        if self.owner.is_empty() {
            &self.author
        } else {
            &self.owner
        }
    }
}

impl Trigger {
    /// Whether the trigger runs on `event`.
    pub fn runs_on(&self, event: &str) -> bool {
        !self.disabled && self.events.iter().any(|e| e == event)
    }
}

/// Body of `PATCH /triggers/{id}`: the fields to change; absent fields keep
/// their value.
///
/// `POST /triggers` reads it too and requires `name`, `script` and `events`
/// (or the deprecated `event`) itself; its schema, `TriggerInput`, is this
/// one with those required.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "TriggerPatch")]
pub struct TriggerInput {
    /// The trigger's name: 1 to 255 characters, not only spaces.
    #[schemars(length(min = 1, max = 255), regex(pattern = r"\S"))]
    pub name: Option<String>,
    /// What the trigger does (default empty).
    pub description: Option<String>,
    /// Who wrote it (default: the caller's username).
    pub author: Option<String>,
    /// The events to run on: at least one; repeated events count once.
    /// Other ExtraHop events are not fired by wirewatch (400 naming
    /// `events[i]`).
    #[serde(default)]
    #[schemars(schema_with = "input_events")]
    pub events: Option<Vec<String>>,
    /// Deprecated: one event; ignored when `events` is given.
    #[serde(default)]
    #[schemars(schema_with = "input_event", extend("deprecated" = true))]
    pub event: Option<String>,
    #[schemars(description = format!(
        "The JavaScript (at most {MAX_SCRIPT} bytes), run as the body of a function. It is compiled when \
         saved: a syntax error is a 400 with `field: script` whose message names the line and column. \
         String literals broken across lines are joined with a space and reported in `warnings`."
    ))]
    pub script: Option<String>,
    /// Turn the trigger off (default false).
    pub disabled: Option<bool>,
    /// Write `debug(...)` lines to the debug log (default false).
    pub debug: Option<bool>,
    /// Apply to every device (default true); false: only to the devices
    /// assigned (`/triggers/{id}/devices`, `/triggers/{id}/devicegroups`).
    pub apply_all: Option<bool>,
    /// Trigger hints (default `{}`).
    #[schemars(with = "Option<Map<String, Value>>")]
    pub hints: Option<Value>,
}

impl TriggerInput {
    /// The events asked for (`events`, else the deprecated `event`), checked.
    fn events(&self) -> Result<Option<Vec<String>>> {
        let events = match (&self.events, &self.event) {
            (Some(e), _) => e.clone(),
            (None, Some(e)) => vec![e.clone()],
            (None, None) => return Ok(None),
        };
        if events.is_empty() {
            return Err(Error::invalid("events", "must name at least one event"));
        }
        for (i, e) in events.iter().enumerate() {
            if !EVENTS.contains(&e.as_str()) {
                return Err(Error::invalid(
                    format!("events[{i}]"),
                    format!(
                        "unknown or unsupported event {e:?}; wirewatch fires {}",
                        EVENTS.join(", ")
                    ),
                ));
            }
        }
        let mut out: Vec<String> = Vec::with_capacity(events.len());
        for e in events {
            if !out.contains(&e) {
                out.push(e);
            }
        }
        Ok(Some(out))
    }

    fn check_common(&self) -> Result<()> {
        if let Some(n) = &self.name {
            if n.trim().is_empty() {
                return Err(Error::invalid("name", "must not be empty"));
            }
            if n.chars().count() > 255 {
                return Err(Error::invalid("name", "must be at most 255 characters"));
            }
        }
        if let Some(s) = &self.script {
            if s.len() > MAX_SCRIPT {
                return Err(Error::invalid(
                    "script",
                    format!("must be at most {MAX_SCRIPT} bytes"),
                ));
            }
        }
        if let Some(h) = &self.hints {
            if !h.is_object() {
                return Err(Error::invalid("hints", "must be an object"));
            }
        }
        Ok(())
    }

    /// Build a new trigger (`POST /triggers`); `author` defaults to the caller.
    pub fn create(self, id: u64, caller: &str, now: i64) -> Result<Trigger> {
        self.check_common()?;
        let events = self
            .events()?
            .ok_or_else(|| Error::invalid("events", "is required"))?;
        let name = self
            .name
            .clone()
            .ok_or_else(|| Error::invalid("name", "is required"))?;
        let script = self
            .script
            .clone()
            .ok_or_else(|| Error::invalid("script", "is required"))?;
        Ok(Trigger {
            id,
            name,
            description: self.description.unwrap_or_default(),
            author: self.author.unwrap_or_else(|| caller.to_string()),
            event: events.first().cloned(),
            events,
            script,
            disabled: self.disabled.unwrap_or(false),
            debug: self.debug.unwrap_or(false),
            apply_all: self.apply_all.unwrap_or(true),
            hints: self
                .hints
                .unwrap_or_else(|| Value::Object(Default::default())),
            mod_time: now,
            owner: caller.to_string(),
        })
    }

    /// Apply a `PATCH` to `t` made by `editor`, who becomes its owner (a
    /// trigger never runs with more privileges than its last writer's).
    pub fn apply(self, t: &mut Trigger, now: i64, editor: &str) -> Result<()> {
        self.check_common()?;
        t.owner = editor.to_string();
        if let Some(events) = self.events()? {
            t.event = events.first().cloned();
            t.events = events;
        }
        if let Some(v) = self.name {
            t.name = v;
        }
        if let Some(v) = self.description {
            t.description = v;
        }
        if let Some(v) = self.author {
            t.author = v;
        }
        if let Some(v) = self.script {
            t.script = v;
        }
        if let Some(v) = self.disabled {
            t.disabled = v;
        }
        if let Some(v) = self.debug {
            t.debug = v;
        }
        if let Some(v) = self.apply_all {
            t.apply_all = v;
        }
        if let Some(v) = self.hints {
            t.hints = v;
        }
        t.mod_time = now;
        Ok(())
    }
}

/// The levels of debug log lines.
fn log_level(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "enum": LOG_LEVELS})
}

/// One line of a trigger's debug log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "TriggerLogLine", example = LogLine::example())]
pub struct LogLine {
    /// The line's id (ascending).
    pub id: u64,
    /// The trigger's id.
    pub trigger_id: u64,
    /// When it was written (ms).
    pub time: i64,
    /// `debug` (`debug(...)`, with `debug: true`), `log` (`log(...)`),
    /// `error` (an uncaught exception, a run stopped by its budget, a
    /// detection `commitDetection` refused, a script that does not compile)
    /// or `warning` (a script saved despite a problem).
    #[schemars(schema_with = "log_level")]
    pub level: String,
    /// The event of the run; empty for a line about the script itself.
    pub event: String,
    /// The text.
    pub message: String,
}

impl LogLine {
    /// The example of the API's documentation.
    pub fn example() -> LogLine {
        LogLine {
            id: 311,
            trigger_id: 1,
            time: 1_767_225_600_120,
            level: "error".into(),
            event: "DETECTION_UPDATE".into(),
            message: "stopped after 100 ms (the run-time budget): interrupted".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> TriggerInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn create_requires_name_script_events_and_accepts_the_deprecated_event() {
        let e = input(json!({"name": "t", "script": "x"}))
            .create(1, "u", 0)
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("events"));
        let t = input(json!({"name": "t", "script": "x", "event": "DETECTION_UPDATE"}))
            .create(1, "u", 0)
            .unwrap();
        assert_eq!(t.events, vec!["DETECTION_UPDATE"]);
        assert_eq!(t.author, "u");
        assert!(t.runs_on("DETECTION_UPDATE"));
        let e = input(json!({"name": "t", "script": "x", "events": ["DETECTION_UPDATE", "NOPE"]}))
            .create(1, "u", 0)
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("events[1]"));
    }
}
