//! Alerts (`/alerts`) and e-mail groups (`/emailgroups`): the stored shapes,
//! the request bodies and their validation. Evaluation lives in
//! `wirewatch-alerts`.
//!
//! What wirewatch evaluates:
//! - `threshold` alerts: a device metric of the catalog (`stat_name`
//!   `extrahop.device.<category>`, `field_name` a metric of that category,
//!   optionally divided by `field_name2`) over `interval_length` seconds,
//!   compared with `operator operand`, for every device the alert applies to;
//! - `detection` alerts (the type XSOAR sends): every new detection with a
//!   participant device the alert applies to, whose categories meet the
//!   alert's `categories` (none: any category).
//!
//! - `trend` alerts: the same metric as a threshold alert over the last
//!   `interval_length` seconds, compared with its own trend — the mean (or
//!   the `trend_percentile`) of the values of the windows of the same length
//!   over the preceding `trend_lookback` seconds — as a percentage:
//!   `(value - trend) / trend × 100  operator  operand` (`> 100`: more than
//!   double the trend; `< -50`: less than half of it).

use crate::error::{Error, Result};
use crate::metrics::CATALOG;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The alert types accepted.
pub const ALERT_TYPES: [&str; 3] = ["threshold", "detection", "trend"];
/// The history a trend is computed from (seconds): 1, 2, 6, 12 or 24 hours
/// (the 30-second metrics are kept a day).
pub const TREND_LOOKBACKS: [u32; 5] = [3600, 7200, 21_600, 43_200, 86_400];
/// The history of a trend alert that does not say (seconds).
pub const DEFAULT_TREND_LOOKBACK: u32 = 3600;
/// The refire intervals (seconds).
pub const REFIRE_INTERVALS: [u32; 7] = [300, 600, 900, 1800, 3600, 7200, 14400];
/// The evaluation windows (seconds).
pub const INTERVAL_LENGTHS: [u32; 8] = [30, 60, 120, 300, 600, 900, 1200, 1800];
/// The comparison operators.
pub const OPERATORS: [&str; 5] = ["==", ">", "<", ">=", "<="];
/// The units a threshold's value is expressed in.
pub const UNITS: [&str; 5] = ["none", "period", "1 sec", "1 min", "1 hr"];
/// The prefix of the `stat_name` of device metrics.
pub const DEVICE_STAT_PREFIX: &str = "extrahop.device.";
/// Longest name, description, author (bytes).
pub const MAX_TEXT: usize = 4096;
/// Most `cc` addresses, e-mail group addresses, protocols or categories.
pub const MAX_LIST: usize = 100;
/// Most devices, groups or e-mail groups in one assignment body.
pub const MAX_ASSIGN: usize = 10_000;

/// An alert as stored and answered. Fields that were never set are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = Alert::example())]
pub struct Alert {
    /// The alert's id.
    pub id: u64,
    /// The alert's unique name.
    pub name: String,
    /// Who made the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// What the alert is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `threshold` (a metric crossed a value), `trend` (a metric strayed
    /// from its own recent history) or `detection` (a detection was raised).
    #[serde(rename = "type")]
    #[schemars(schema_with = "type_schema")]
    pub kind: String,
    /// Whether the alert applies to every device (else to the devices and
    /// device groups assigned to it).
    pub apply_all: bool,
    /// A disabled alert is not evaluated.
    pub disabled: bool,
    /// Stored for clients; wirewatch sends no SNMP traps.
    pub notify_snmp: bool,
    /// 0 (emergency) to 7 (debug); 0 to 2 need immediate attention and also
    /// raise a detection when the alert fires.
    #[schemars(range(max = 7))]
    pub severity: u8,
    /// Seconds before the alert fires again for the same device.
    #[schemars(schema_with = "refire_schema")]
    pub refire_interval: u32,
    /// E-mail recipients beside the alert's e-mail groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// threshold: the metric (e.g. `rsp_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// threshold: the denominator of a ratio (with `field_op: "/"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name2: Option<String>,
    /// threshold: `/` for a ratio of `field_name` to `field_name2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_op: Option<String>,
    /// threshold: the metric category, `extrahop.device.<category>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_name: Option<String>,
    /// threshold: `==`, `>`, `<`, `>=` or `<=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// threshold: the value compared with, a number written as a string;
    /// trend: the deviation from the trend in percent (`100`: double the
    /// trend, `-50`: half of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operand: Option<String>,
    /// threshold: `none`/`period` (the total over the interval), or a rate
    /// per `1 sec`, `1 min`, `1 hr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    /// threshold: the evaluation window in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_length: Option<u32>,
    /// threshold: the detail key of `field_name` (a string, or `{"key1": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<Value>,
    /// threshold: the detail key of `field_name2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param2: Option<Value>,
    /// trend (wirewatch extension): the seconds of history before the
    /// evaluated window the trend is computed from (default 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "lookback_schema")]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub trend_lookback: Option<u32>,
    /// trend (wirewatch extension): the trend is this percentile (1 to 99)
    /// of the history's window values; unset: their mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 99))]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub trend_percentile: Option<u8>,
    /// detection: `device` or `application`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// detection: protocols (stored; wirewatch detections carry no protocol,
    /// so they do not narrow what fires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocols: Option<Vec<String>>,
    /// detection: the detection categories that fire the alert (a category
    /// or its prefix, e.g. `sec.attack`); none or empty: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// When the alert was last changed (ms).
    pub mod_time: i64,
}

fn type_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "enum": ALERT_TYPES})
}

fn lookback_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "enum": TREND_LOOKBACKS})
}

fn refire_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "enum": REFIRE_INTERVALS})
}

fn interval_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "enum": INTERVAL_LENGTHS})
}

fn operand_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"description": "A number, as a string (`\"0.01\"`) or a JSON number.",
        "anyOf": [{"type": "string"}, {"type": "number"}]})
}

fn param_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"description": "The detail key: a string, or an object `{\"key1\": \"...\"}`.",
        "anyOf": [{"type": "string"}, {"type": "object"}]})
}

impl Alert {
    /// The example of the API's documentation.
    pub fn example() -> Alert {
        Alert {
            id: 15,
            name: "DNS error ratio".into(),
            author: Some("soc".into()),
            description: Some("More than 10% of DNS answers are errors.".into()),
            kind: "threshold".into(),
            apply_all: false,
            disabled: false,
            notify_snmp: false,
            severity: 3,
            refire_interval: 300,
            cc: vec!["noc@example.com".into()],
            field_name: Some("rsp_error".into()),
            field_name2: Some("rsp".into()),
            field_op: Some("/".into()),
            stat_name: Some("extrahop.device.dns_client".into()),
            operator: Some(">".into()),
            operand: Some("0.1".into()),
            units: Some("none".into()),
            interval_length: Some(300),
            param: None,
            param2: None,
            trend_lookback: None,
            trend_percentile: None,
            object_type: None,
            protocols: None,
            categories: None,
            mod_time: 1_767_225_600_000,
        }
    }

    /// The metric a threshold alert reads: (category, numerator, denominator).
    pub fn metric(&self) -> Option<(&str, &str, Option<&str>)> {
        let cat = self
            .stat_name
            .as_deref()?
            .strip_prefix(DEVICE_STAT_PREFIX)?;
        let f = self.field_name.as_deref()?;
        let f2 = if self.field_op.as_deref() == Some("/") {
            self.field_name2.as_deref()
        } else {
            None
        };
        Some((cat, f, f2))
    }

    /// The operand as a number (validated on input).
    pub fn operand_value(&self) -> Option<f64> {
        self.operand.as_deref().and_then(|s| s.trim().parse().ok())
    }
}

/// The detail key a `param` names, if any.
pub fn param_key(p: &Option<Value>) -> Option<&str> {
    match p {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Object(o)) => o.get("key1").and_then(Value::as_str),
        _ => None,
    }
}

/// The body of `POST /alerts` and `PATCH /alerts/{id}` (a PATCH changes the
/// fields it sends; `null` clears an optional field).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "AlertInput")]
pub struct AlertInput {
    /// Required on create; unique.
    #[serde(default)]
    #[schemars(length(min = 1, max = 4096))]
    pub name: Option<String>,
    /// Who made the alert.
    #[serde(default, deserialize_with = "nullable")]
    pub author: Option<Option<String>>,
    /// What the alert is for.
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    /// Required on create: `threshold`, `trend` or `detection`.
    #[serde(default, rename = "type")]
    #[schemars(schema_with = "type_schema")]
    pub kind: Option<String>,
    /// Whether the alert applies to every device (default false).
    #[serde(default)]
    pub apply_all: Option<bool>,
    /// Default false.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Stored only: wirewatch sends no SNMP traps.
    #[serde(default)]
    pub notify_snmp: Option<bool>,
    /// 0 to 7 (default 5).
    #[serde(default)]
    #[schemars(range(max = 7))]
    pub severity: Option<i64>,
    /// One of 300, 600, 900, 1800, 3600, 7200, 14400 (default 300).
    #[serde(default)]
    #[schemars(schema_with = "refire_schema")]
    pub refire_interval: Option<i64>,
    /// Extra e-mail recipients.
    #[serde(default, deserialize_with = "nullable")]
    pub cc: Option<Option<Vec<String>>>,
    /// threshold: a metric of the `stat_name` category.
    #[serde(default, deserialize_with = "nullable")]
    pub field_name: Option<Option<String>>,
    /// threshold: the ratio's denominator (with `field_op: "/"`).
    #[serde(default, deserialize_with = "nullable")]
    pub field_name2: Option<Option<String>>,
    /// threshold: `/` or null.
    #[serde(default, deserialize_with = "nullable")]
    pub field_op: Option<Option<String>>,
    /// threshold: `extrahop.device.<category>` (see `GET /metrics/catalog`).
    #[serde(default, deserialize_with = "nullable")]
    pub stat_name: Option<Option<String>>,
    /// threshold: `==`, `>`, `<`, `>=`, `<=`.
    #[serde(default, deserialize_with = "nullable")]
    pub operator: Option<Option<String>>,
    /// threshold: the number compared with.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(schema_with = "operand_schema")]
    pub operand: Option<Option<Value>>,
    /// threshold: `none`, `period`, `1 sec`, `1 min`, `1 hr`.
    #[serde(default, deserialize_with = "nullable")]
    pub units: Option<Option<String>>,
    /// threshold: 30, 60, 120, 300, 600, 900, 1200 or 1800 seconds.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(schema_with = "interval_schema")]
    pub interval_length: Option<Option<i64>>,
    /// threshold: the detail key of `field_name`.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(schema_with = "param_schema")]
    pub param: Option<Option<Value>>,
    /// threshold: the detail key of `field_name2`.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(schema_with = "param_schema")]
    pub param2: Option<Option<Value>>,
    /// trend: 3600, 7200, 21600, 43200 or 86400 seconds of history (default 3600).
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(schema_with = "lookback_schema")]
    pub trend_lookback: Option<Option<i64>>,
    /// trend: a percentile (1 to 99) of the history as the trend; null: the mean.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(range(min = 1, max = 99))]
    pub trend_percentile: Option<Option<i64>>,
    /// detection: `device` or `application`.
    #[serde(default, deserialize_with = "nullable")]
    pub object_type: Option<Option<String>>,
    /// detection: protocols (stored only).
    #[serde(default, deserialize_with = "nullable")]
    pub protocols: Option<Option<Vec<String>>>,
    /// detection: detection categories (or prefixes) that fire the alert.
    #[serde(default, deserialize_with = "nullable")]
    pub categories: Option<Option<Vec<String>>>,
}

/// Tell a `null` (Some(None)) from an absent field (None).
fn nullable<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Some(Option::deserialize(d)?))
}

fn text(field: &str, v: &str) -> Result<()> {
    if v.len() > MAX_TEXT {
        return Err(Error::invalid(field, format!("at most {MAX_TEXT} bytes")));
    }
    Ok(())
}

fn list(field: &str, v: &[String]) -> Result<()> {
    if v.len() > MAX_LIST {
        return Err(Error::invalid(field, format!("at most {MAX_LIST} items")));
    }
    for (i, s) in v.iter().enumerate() {
        text(&format!("{field}[{i}]"), s)?;
    }
    Ok(())
}

/// Check an e-mail address (`addr-spec`, no display name).
pub fn check_email(field: &str, v: &str) -> Result<()> {
    match v.parse::<email_address::EmailAddress>() {
        Ok(a) if a.display_part().is_empty() && v.len() <= 254 => Ok(()),
        _ => Err(Error::invalid(
            field,
            format!("\"{v}\" is not an e-mail address"),
        )),
    }
}

fn emails(field: &str, v: &[String]) -> Result<()> {
    if v.len() > MAX_LIST {
        return Err(Error::invalid(
            field,
            format!("at most {MAX_LIST} addresses"),
        ));
    }
    for (i, a) in v.iter().enumerate() {
        check_email(&format!("{field}[{i}]"), a)?;
    }
    Ok(())
}

fn set<T>(slot: &mut Option<T>, v: Option<Option<T>>) {
    if let Some(v) = v {
        *slot = v;
    }
}

impl AlertInput {
    /// The example of the API's documentation (a body a real client sends).
    pub fn example() -> AlertInput {
        serde_json::from_value(serde_json::json!({
            "name": "DNS error ratio", "type": "threshold", "apply_all": false,
            "disabled": false, "notify_snmp": false, "severity": 3, "refire_interval": 300,
            "cc": ["noc@example.com"], "stat_name": "extrahop.device.dns_client",
            "field_name": "rsp_error", "field_op": "/", "field_name2": "rsp",
            "operator": ">", "operand": "0.1", "units": "none", "interval_length": 300
        }))
        .expect("the example is an alert body")
    }

    /// A new alert from a POST body (id and mod_time set by the store).
    pub fn create(self) -> Result<Alert> {
        let mut a = Alert {
            id: 0,
            name: String::new(),
            author: None,
            description: None,
            kind: String::new(),
            apply_all: false,
            disabled: false,
            notify_snmp: false,
            severity: 5,
            refire_interval: 300,
            cc: Vec::new(),
            field_name: None,
            field_name2: None,
            field_op: None,
            stat_name: None,
            operator: None,
            operand: None,
            units: None,
            interval_length: None,
            param: None,
            param2: None,
            trend_lookback: None,
            trend_percentile: None,
            object_type: None,
            protocols: None,
            categories: None,
            mod_time: 0,
        };
        if self.name.is_none() {
            return Err(Error::invalid("name", "is required"));
        }
        if self.kind.is_none() {
            return Err(Error::invalid(
                "type",
                "is required: threshold, trend or detection",
            ));
        }
        self.apply(&mut a)?;
        Ok(a)
    }

    /// Apply a body to an alert and check the result as a whole.
    pub fn apply(self, a: &mut Alert) -> Result<()> {
        if let Some(n) = self.name {
            if n.trim().is_empty() {
                return Err(Error::invalid("name", "must not be empty"));
            }
            text("name", &n)?;
            a.name = n;
        }
        set(&mut a.author, self.author);
        set(&mut a.description, self.description);
        if let Some(t) = &a.author {
            text("author", t)?;
        }
        if let Some(t) = &a.description {
            text("description", t)?;
        }
        if let Some(k) = self.kind {
            match k.as_str() {
                "threshold" | "detection" | "trend" => a.kind = k,
                other => {
                    return Err(Error::invalid(
                        "type",
                        format!(
                            "\"{other}\" is not an alert type; use threshold, trend or detection"
                        ),
                    ))
                }
            }
        }
        if let Some(v) = self.apply_all {
            a.apply_all = v;
        }
        if let Some(v) = self.disabled {
            a.disabled = v;
        }
        if let Some(v) = self.notify_snmp {
            a.notify_snmp = v;
        }
        if let Some(s) = self.severity {
            a.severity = u8::try_from(s)
                .ok()
                .filter(|s| *s <= 7)
                .ok_or_else(|| Error::invalid("severity", format!("{s} is not 0 to 7")))?;
        }
        if let Some(r) = self.refire_interval {
            a.refire_interval = u32::try_from(r)
                .ok()
                .filter(|r| REFIRE_INTERVALS.contains(r))
                .ok_or_else(|| {
                    Error::invalid(
                        "refire_interval",
                        format!("{r} is not a refire interval; use 300, 600, 900, 1800, 3600, 7200 or 14400 (seconds)"),
                    )
                })?;
        }
        if let Some(cc) = self.cc {
            a.cc = cc.unwrap_or_default();
        }
        emails("cc", &a.cc)?;
        set(&mut a.field_name, self.field_name);
        set(&mut a.field_name2, self.field_name2);
        set(&mut a.field_op, self.field_op);
        set(&mut a.stat_name, self.stat_name);
        set(&mut a.operator, self.operator);
        set(&mut a.units, self.units);
        set(&mut a.param, self.param);
        set(&mut a.param2, self.param2);
        set(&mut a.object_type, self.object_type);
        set(&mut a.protocols, self.protocols);
        set(&mut a.categories, self.categories);
        if let Some(o) = self.operand {
            a.operand = match o {
                None => None,
                Some(Value::String(s)) => Some(s),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(other) => {
                    return Err(Error::invalid(
                        "operand",
                        format!("must be a number or a string holding one, not {other}"),
                    ))
                }
            };
        }
        if let Some(l) = self.trend_lookback {
            a.trend_lookback = match l {
                None => None,
                Some(l) => Some(
                    u32::try_from(l)
                        .ok()
                        .filter(|l| TREND_LOOKBACKS.contains(l))
                        .ok_or_else(|| {
                            Error::invalid(
                                "trend_lookback",
                                format!("{l} is not a trend history; use 3600, 7200, 21600, 43200 or 86400 (seconds)"),
                            )
                        })?,
                ),
            };
        }
        if let Some(p) = self.trend_percentile {
            a.trend_percentile = match p {
                None => None,
                Some(p) => Some(
                    u8::try_from(p)
                        .ok()
                        .filter(|p| (1..=99).contains(p))
                        .ok_or_else(|| {
                            Error::invalid(
                                "trend_percentile",
                                format!("{p} is not a percentile from 1 to 99 (null: the mean)"),
                            )
                        })?,
                ),
            };
        }
        if let Some(i) = self.interval_length {
            a.interval_length = match i {
                None => None,
                Some(i) => Some(
                    u32::try_from(i)
                        .ok()
                        .filter(|i| INTERVAL_LENGTHS.contains(i))
                        .ok_or_else(|| {
                            Error::invalid(
                                "interval_length",
                                format!("{i} is not an interval; use 30, 60, 120, 300, 600, 900, 1200 or 1800 (seconds)"),
                            )
                        })?,
                ),
            };
        }
        a.check()
    }
}

impl Alert {
    /// Check the fields against each other and the metric catalog.
    pub fn check(&self) -> Result<()> {
        if let Some(op) = &self.operator {
            if !OPERATORS.contains(&op.as_str()) {
                return Err(Error::invalid(
                    "operator",
                    format!("\"{op}\" is not an operator; use ==, >, <, >= or <="),
                ));
            }
        }
        if let Some(u) = &self.units {
            if !UNITS.contains(&u.as_str()) {
                return Err(Error::invalid(
                    "units",
                    format!("\"{u}\" is not a unit; use none, period, 1 sec, 1 min or 1 hr"),
                ));
            }
        }
        if let Some(o) = &self.operand {
            if !o.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(Error::invalid(
                    "operand",
                    format!("\"{o}\" is not a number"),
                ));
            }
        }
        match self.field_op.as_deref() {
            None | Some("/") => {}
            Some(o) => {
                return Err(Error::invalid(
                    "field_op",
                    format!("\"{o}\" is not supported; use \"/\" (a ratio) or null"),
                ))
            }
        }
        for (f, p) in [("param", &self.param), ("param2", &self.param2)] {
            match p {
                None | Some(Value::String(_)) => {}
                Some(Value::Object(o))
                    if o.keys().all(|k| k == "key1")
                        && o.get("key1").is_none_or(Value::is_string) => {}
                Some(_) => {
                    return Err(Error::invalid(
                        f,
                        "must be a detail key: a string, or an object {\"key1\": \"...\"}",
                    ))
                }
            }
        }
        if let Some(p) = &self.protocols {
            list("protocols", p)?;
        }
        if let Some(c) = &self.categories {
            list("categories", c)?;
        }
        if let Some(t) = &self.object_type {
            if !["device", "application"].contains(&t.as_str()) {
                return Err(Error::invalid(
                    "object_type",
                    format!("\"{t}\" is not an object type; use device or application"),
                ));
            }
        }
        if self.kind == "threshold" || self.kind == "trend" {
            self.check_threshold()?;
        }
        if self.kind != "trend" {
            for (f, set) in [
                ("trend_lookback", self.trend_lookback.is_some()),
                ("trend_percentile", self.trend_percentile.is_some()),
            ] {
                if set {
                    return Err(Error::invalid(
                        f,
                        format!(
                            "applies to trend alerts only; this is a {} alert (send null)",
                            self.kind
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The seconds of history a trend alert's trend is computed from.
    pub fn lookback(&self) -> u32 {
        self.trend_lookback.unwrap_or(DEFAULT_TREND_LOOKBACK)
    }

    fn check_threshold(&self) -> Result<()> {
        let categories = || -> Vec<String> {
            CATALOG
                .iter()
                .filter(|(t, _, _)| *t == "device")
                .map(|(_, c, _)| format!("{DEVICE_STAT_PREFIX}{c}"))
                .collect()
        };
        let Some(stat) = &self.stat_name else {
            return Err(Error::invalid(
                "stat_name",
                format!(
                    "a {} alert needs a metric category: one of {}",
                    self.kind,
                    categories().join(", ")
                ),
            ));
        };
        let metrics = stat
            .strip_prefix(DEVICE_STAT_PREFIX)
            .and_then(|c| {
                CATALOG
                    .iter()
                    .find(|(t, cat, _)| *t == "device" && *cat == c)
            })
            .map(|(_, _, m)| *m)
            .ok_or_else(|| {
                Error::invalid(
                    "stat_name",
                    format!(
                        "\"{stat}\" is not a metric category wirewatch collects for devices; use one of {}",
                        categories().join(", ")
                    ),
                )
            })?;
        let check = |field: &str, v: &Option<String>, required: bool| -> Result<()> {
            match v {
                Some(m) if metrics.contains(&m.as_str()) => Ok(()),
                None if !required => Ok(()),
                _ => Err(Error::invalid(
                    field,
                    format!(
                        "{} is not a metric of {stat}; use one of {}",
                        v.as_deref()
                            .map(|m| format!("\"{m}\""))
                            .unwrap_or("(missing)".into()),
                        metrics.join(", ")
                    ),
                )),
            }
        };
        check("field_name", &self.field_name, true)?;
        if self.field_op.is_some() {
            check("field_name2", &self.field_name2, true)?;
        } else if self.field_name2.is_some() {
            return Err(Error::invalid(
                "field_op",
                "must be \"/\" when field_name2 is set (the ratio field_name / field_name2)",
            ));
        }
        if self.operator.is_none() {
            return Err(Error::invalid(
                "operator",
                format!(
                    "a {} alert needs an operator: ==, >, <, >= or <=",
                    self.kind
                ),
            ));
        }
        if self.operand.is_none() {
            return Err(Error::invalid(
                "operand",
                format!(
                    "a {} alert needs an operand (a number{})",
                    self.kind,
                    if self.kind == "trend" {
                        ": the deviation from the trend in percent"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if self.interval_length.is_none() {
            return Err(Error::invalid(
                "interval_length",
                format!("a {} alert needs an interval: 30, 60, 120, 300, 600, 900, 1200 or 1800 (seconds)", self.kind),
            ));
        }
        Ok(())
    }
}

/// An e-mail group as stored and answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = EmailGroup::example())]
pub struct EmailGroup {
    /// The group's id.
    pub id: u64,
    /// The group's name.
    pub group_name: String,
    /// The addresses of the group.
    pub email_addresses: Vec<String>,
    /// Whether the group also receives system notifications (stored;
    /// wirewatch sends none).
    pub system_notifications: bool,
}

impl EmailGroup {
    /// The example of the API's documentation.
    pub fn example() -> EmailGroup {
        EmailGroup {
            id: 1,
            group_name: "SOC on call".into(),
            email_addresses: vec!["oncall@example.com".into(), "soc@example.com".into()],
            system_notifications: false,
        }
    }
}

/// The body of `POST /emailgroups` and `PATCH /emailgroups/{id}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(rename = "EmailGroupInput")]
pub struct EmailGroupInput {
    /// Required on create.
    #[serde(default)]
    #[schemars(length(min = 1, max = 4096))]
    pub group_name: Option<String>,
    /// The addresses (at most 100).
    #[serde(default)]
    pub email_addresses: Option<Vec<String>>,
    /// Default false.
    #[serde(default)]
    pub system_notifications: Option<bool>,
}

impl EmailGroupInput {
    /// The example of the API's documentation.
    pub fn example() -> EmailGroupInput {
        EmailGroupInput {
            group_name: Some("SOC on call".into()),
            email_addresses: Some(vec!["oncall@example.com".into()]),
            system_notifications: Some(false),
        }
    }

    /// Apply the body to a group (a new one has an empty name) and check it.
    pub fn apply(self, g: &mut EmailGroup) -> Result<()> {
        if let Some(n) = self.group_name {
            if n.trim().is_empty() {
                return Err(Error::invalid("group_name", "must not be empty"));
            }
            text("group_name", &n)?;
            g.group_name = n;
        }
        if g.group_name.is_empty() {
            return Err(Error::invalid("group_name", "is required"));
        }
        if let Some(a) = self.email_addresses {
            emails("email_addresses", &a)?;
            g.email_addresses = a;
        }
        if let Some(s) = self.system_notifications {
            g.system_notifications = s;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> AlertInput {
        serde_json::from_value(v).expect("an alert body")
    }

    fn field_of(v: Value) -> String {
        input(v).create().unwrap_err().field.unwrap_or_default()
    }

    #[test]
    fn the_example_creates_a_valid_alert() {
        let a = AlertInput::example().create().unwrap();
        assert_eq!(a.metric(), Some(("dns_client", "rsp_error", Some("rsp"))));
        assert_eq!(a.operand_value(), Some(0.1));
    }

    #[test]
    fn bad_values_name_their_field() {
        let base = json!({"name": "x", "type": "threshold", "stat_name": "extrahop.device.net",
            "field_name": "bytes_in", "operator": ">", "operand": "5", "interval_length": 30});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        assert!(input(base.clone()).create().is_ok());
        assert_eq!(
            field_of(with("refire_interval", json!(0))),
            "refire_interval"
        );
        assert_eq!(field_of(with("severity", json!(8))), "severity");
        assert_eq!(
            field_of(with("interval_length", json!(45))),
            "interval_length"
        );
        assert_eq!(field_of(with("operator", json!("!="))), "operator");
        assert_eq!(field_of(with("operand", json!("lots"))), "operand");
        assert_eq!(field_of(with("units", json!("1 day"))), "units");
        assert_eq!(field_of(with("field_op", json!("*"))), "field_op");
        assert_eq!(field_of(with("cc", json!(["not-an-address"]))), "cc[0]");
        assert_eq!(
            field_of(with("stat_name", json!("extrahop.application.http"))),
            "stat_name"
        );
        assert_eq!(
            field_of(with("field_name", json!("rsp_error"))),
            "field_name"
        );
        assert_eq!(field_of(with("type", json!("anomaly"))), "type");
        assert_eq!(
            field_of(with("trend_lookback", json!(3600))),
            "trend_lookback"
        );
        let trend = |k: &str, v: Value| {
            let mut b = with("type", json!("trend"));
            b[k] = v;
            b
        };
        assert!(input(trend("trend_percentile", json!(75))).create().is_ok());
        assert_eq!(
            field_of(trend("trend_lookback", json!(600))),
            "trend_lookback"
        );
        assert_eq!(
            field_of(trend("trend_percentile", json!(100))),
            "trend_percentile"
        );
        assert_eq!(field_of(trend("field_name", Value::Null)), "field_name");
        assert_eq!(field_of(with("param", json!([1]))), "param");
        assert_eq!(field_of(json!({"type": "threshold"})), "name");
        // A number operand is kept as the string clients read back.
        let a = input(with("operand", json!(0.5))).create().unwrap();
        assert_eq!(a.operand.as_deref(), Some("0.5"));
    }

    #[test]
    fn detection_alerts_need_no_metric() {
        let a = input(
            json!({"name": "d", "type": "detection", "object_type": "device",
            "protocols": ["udp"], "refire_interval": 300, "severity": 4, "interval_length": 30}),
        )
        .create()
        .unwrap();
        assert_eq!(a.kind, "detection");
        assert_eq!(a.metric(), None);
    }

    #[test]
    fn a_patch_changes_only_what_it_sends_and_null_clears() {
        let mut a = AlertInput::example().create().unwrap();
        input(json!({"description": "d", "severity": 1}))
            .apply(&mut a)
            .unwrap();
        assert_eq!((a.description.as_deref(), a.severity), (Some("d"), 1));
        input(json!({"description": null})).apply(&mut a).unwrap();
        assert_eq!(a.description, None);
        assert_eq!(a.field_name.as_deref(), Some("rsp_error"));
    }

    #[test]
    fn email_groups_check_their_addresses() {
        let mut g = EmailGroup {
            id: 0,
            group_name: String::new(),
            email_addresses: vec![],
            system_notifications: false,
        };
        let bad = EmailGroupInput {
            group_name: Some("g".into()),
            email_addresses: Some(vec!["a@example.com".into(), "nope".into()]),
            system_notifications: None,
        };
        assert_eq!(
            EmailGroupInput::default()
                .apply(&mut g.clone())
                .unwrap_err()
                .field
                .as_deref(),
            Some("group_name")
        );
        assert_eq!(
            bad.apply(&mut g).unwrap_err().field.as_deref(),
            Some("email_addresses[1]")
        );
    }
}
