//! Detection tuning rules (`/detections/rules/hiding`).

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::detection::OneOrMany;

/// What kind of participant a tuning rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum HidingObjectType {
    Device,
    DeviceGroup,
    Ipaddr,
    LocalityType,
    NetworkLocality,
    Hostname,
    ScannerService,
    Username,
}

/// Internal or external.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum LocalityType {
    Internal,
    External,
}

/// The participant a tuning rule matches. `device`, `device_group` and
/// `network_locality` need `object_id`; `ipaddr` needs `object_value`
/// (addresses or CIDR blocks); `locality_type` needs `object_locality`;
/// `hostname` needs `object_hostname`; `scanner_service` needs
/// `object_scanner` (`Any` for every scanner); `username` needs
/// `object_username`. A `locality_type` participant is answered with its
/// locality in both `object_locality` and `object_value` (clients that copy
/// rules between sensors read `object_value`); either one is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "HidingParticipantWire")]
#[schemars(with = "HidingParticipantWire")]
pub struct HidingParticipant {
    pub object_type: HidingObjectType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_value: Option<OneOrManyStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_locality: Option<LocalityType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_scanner: Option<OneOrManyStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_hostname: Option<OneOrManyStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_username: Option<OneOrManyStr>,
}

/// The wire form of a [`HidingParticipant`]; its schema (the
/// participant's) documents the fields.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "HidingParticipant")]
struct HidingParticipantWire {
    /// What the rule matches.
    object_type: HidingObjectType,
    /// A device, device group or network locality id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    object_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OneOrManyStr")]
    object_value: Option<OneOrManyStr>,
    /// Internal or external participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "LocalityType")]
    object_locality: Option<LocalityType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OneOrManyStr")]
    object_scanner: Option<OneOrManyStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OneOrManyStr")]
    object_hostname: Option<OneOrManyStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OneOrManyStr")]
    object_username: Option<OneOrManyStr>,
}

impl From<HidingParticipantWire> for HidingParticipant {
    fn from(w: HidingParticipantWire) -> Self {
        let mut p = HidingParticipant {
            object_type: w.object_type,
            object_id: w.object_id,
            object_value: w.object_value,
            object_locality: w.object_locality,
            object_scanner: w.object_scanner,
            object_hostname: w.object_hostname,
            object_username: w.object_username,
        };
        if p.object_type == HidingObjectType::LocalityType {
            if p.object_locality.is_none() {
                p.object_locality = match p.object_value.as_ref().map(|v| v.values()) {
                    Some(v) if v == ["internal"] => Some(LocalityType::Internal),
                    Some(v) if v == ["external"] => Some(LocalityType::External),
                    _ => None,
                };
            }
            if let Some(l) = p.object_locality {
                let name = match l {
                    LocalityType::Internal => "internal",
                    LocalityType::External => "external",
                };
                p.object_value = Some(OneOrManyStr::One(name.to_string()));
            }
        }
        p
    }
}

/// A string or a list of strings, serialized back the way it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(
    rename = "StringOrList",
    description = "A string or a list of strings."
)]
pub enum OneOrManyStr {
    One(String),
    Many(Vec<String>),
}

impl OneOrManyStr {
    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOrManyStr::One(s) => vec![s.as_str()],
            OneOrManyStr::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// `"Any"` or a participant object.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleParticipant {
    Any,
    Object(HidingParticipant),
}

impl Serialize for RuleParticipant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RuleParticipant::Any => s.serialize_str("Any"),
            RuleParticipant::Object(p) => p.serialize(s),
        }
    }
}

impl JsonSchema for RuleParticipant {
    fn schema_name() -> Cow<'static, str> {
        "RuleParticipant".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`\"Any\"` (any case) or a participant object.",
            "oneOf": [{"type": "string", "enum": ["Any"]}, g.subschema_for::<HidingParticipant>()],
        })
    }
}

impl<'de> Deserialize<'de> for RuleParticipant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match v {
            Value::String(s) if s.eq_ignore_ascii_case("any") => Ok(RuleParticipant::Any),
            Value::String(s) => Err(serde::de::Error::custom(format!(
                "expected \"Any\" or a participant object, found \"{s}\""
            ))),
            v @ Value::Object(_) => serde_json::from_value(v)
                .map(RuleParticipant::Object)
                .map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "expected \"Any\" or a participant object, found {other}"
            ))),
        }
    }
}

/// Property filter operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum PropertyOperator {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "~")]
    Match,
    #[serde(rename = "!~")]
    NotMatch,
    #[serde(rename = "in")]
    In,
}

/// A plain value (string, number, boolean); `{"value", "is_regex"}` or
/// `{"value", "case_sensitive"}`; or, with `in`, a list of values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Operand {
    /// A value with options.
    Object {
        /// The value (a list with `in`).
        value: Value,
        /// Treat the value as a regular expression.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_regex: Option<bool>,
        /// Default true.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case_sensitive: Option<bool>,
    },
    /// Values for the `in` operator.
    List(Vec<Value>),
    Plain(#[schemars(schema_with = "scalar")] Value),
}

/// A plain operand: the filter compares strings, numbers and booleans.
fn scalar(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]})
}

/// A filter on a detection property; every filter of a rule must match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PropertyFilter {
    /// A property name from the detection format.
    pub property: String,
    /// `=`, `!=`, `~` (regex match), `!~` (no regex match), `in` (one of a list).
    pub operator: PropertyOperator,
    pub operand: Operand,
}

/// A tuning rule that hides detections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = TuningRule::example())]
pub struct TuningRule {
    /// The rule's id.
    pub id: u64,
    /// Who created the rule.
    pub author: String,
    /// When it was created (ms).
    pub create_time: i64,
    /// A description.
    pub description: Option<String>,
    /// A detection type, `all_security` or `all_performance`.
    pub detection_type: String,
    /// Whether the rule hides anything.
    pub enabled: bool,
    /// When the rule expires (ms); `null` or 0: never.
    pub expiration: Option<i64>,
    /// Whether detections raised before the rule are hidden too.
    pub hide_past_detections: bool,
    pub offender: RuleParticipant,
    pub victim: RuleParticipant,
    pub properties: Vec<PropertyFilter>,
    /// How many detections the rule hides.
    pub detections_hidden: u64,
    /// How many participants the rule hides.
    pub participants_hidden: u64,
}

impl TuningRule {
    /// The example of the API's documentation.
    pub fn example() -> TuningRule {
        TuningRule {
            id: 5,
            author: "alice".into(),
            create_time: 1_767_225_600_000,
            description: Some("Vulnerability scanner".into()),
            detection_type: "port_scan".into(),
            enabled: true,
            expiration: None,
            hide_past_detections: true,
            offender: RuleParticipant::Object(HidingParticipant {
                object_type: HidingObjectType::Ipaddr,
                object_id: None,
                object_value: Some(OneOrManyStr::One("10.1.2.3".into())),
                object_locality: None,
                object_scanner: None,
                object_hostname: None,
                object_username: None,
            }),
            victim: RuleParticipant::Any,
            properties: vec![PropertyFilter {
                property: "scan_type".into(),
                operator: PropertyOperator::Eq,
                operand: Operand::Plain("vertical".into()),
            }],
            detections_hidden: 12,
            participants_hidden: 1,
        }
    }

    /// Check `expiration`: milliseconds since the epoch, 0 or null.
    pub fn validate_expiration(&self) -> Result<(), crate::Error> {
        if self.expiration.is_some_and(|e| e < 0) {
            return Err(crate::Error::invalid(
                "expiration",
                "must be milliseconds since the epoch, 0 or null",
            ));
        }
        Ok(())
    }

    /// Whether the rule hides anything at time `now`.
    pub fn active(&self, now: i64) -> bool {
        self.enabled && self.expiration.is_none_or(|e| e == 0 || e > now)
    }
}

/// Body of `POST /detections/rules/hiding`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NewTuningRule {
    /// A detection type, `all_security` or `all_performance`.
    pub detection_type: String,
    pub offender: RuleParticipant,
    pub victim: RuleParticipant,
    /// When the rule expires (ms); `null` or 0: never.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// Property filters: one object or a list.
    #[serde(default)]
    pub properties: Option<OneOrMany<PropertyFilter>>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Also hide detections raised before the rule.
    #[serde(default)]
    pub hide_past_detections: Option<bool>,
}

/// Body of `PATCH /detections/rules/hiding/{id}`; absent fields are left alone.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TuningRulePatch {
    /// Whether the rule hides anything.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// When the rule expires (ms); `null` or 0: never.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<i64>")]
    pub expiration: Option<Option<i64>>,
    /// A description; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub offender: Option<RuleParticipant>,
    #[serde(default)]
    pub victim: Option<RuleParticipant>,
    /// Replaces the property filters: one object or a list.
    #[serde(default)]
    pub properties: Option<OneOrMany<PropertyFilter>>,
    /// Also hide detections raised before the rule.
    #[serde(default)]
    pub hide_past_detections: Option<bool>,
}
