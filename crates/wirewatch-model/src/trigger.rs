//! Triggers (`/triggers`): JavaScript run on events, as in the ExtraHop Trigger API.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Events wirewatch fires, with what the trigger sees.
pub const EVENTS: [&str; 7] = [
    "DETECTION_UPDATE",
    "EXTERNAL_DATA",
    "FLOW_TICK",
    "HTTP_REQUEST",
    "HTTP_RESPONSE",
    "DNS_REQUEST",
    "DNS_RESPONSE",
];

/// Longest script accepted (bytes).
pub const MAX_SCRIPT: usize = 1024 * 1024;

/// A stored trigger, as `GET /triggers/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub author: String,
    pub events: Vec<String>,
    /// Deprecated single-event form: the first of `events`.
    pub event: Option<String>,
    pub script: String,
    pub disabled: bool,
    pub debug: bool,
    pub apply_all: bool,
    pub hints: Value,
    pub mod_time: i64,
    /// wirewatch extension: the user whose privileges the trigger runs with
    /// (which detections it sees, whether `commitDetection` may create):
    /// whoever created it or last changed it. Not settable.
    #[serde(default)]
    pub owner: String,
}

impl Trigger {
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

/// Body of `POST /triggers` and `PATCH /triggers/{id}`; every field optional
/// so a PATCH can change one. `POST` requires `name`, `script` and `events`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TriggerInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub events: Option<Vec<String>>,
    /// Deprecated: replaced by `events`.
    pub event: Option<String>,
    pub script: Option<String>,
    pub disabled: Option<bool>,
    pub debug: Option<bool>,
    pub apply_all: Option<bool>,
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

/// One line of a trigger's debug log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub id: u64,
    pub trigger_id: u64,
    pub time: i64,
    /// `debug`, `log`, `error` (an exception or a stopped run) or `warning`.
    pub level: String,
    pub event: String,
    pub message: String,
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
