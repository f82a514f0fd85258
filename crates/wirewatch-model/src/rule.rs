//! Detection tuning rules (`/detections/rules/hiding`).

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::detection::OneOrMany;

/// What kind of participant a tuning rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalityType {
    Internal,
    External,
}

/// A `detection_hiding_participant` object. A `locality_type` participant
/// carries its locality in both `object_locality` and `object_value` (clients
/// that copy rules between sensors read `object_value`); either one is
/// accepted on input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "HidingParticipantWire")]
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

#[derive(Deserialize)]
struct HidingParticipantWire {
    object_type: HidingObjectType,
    #[serde(default)]
    object_id: Option<u64>,
    #[serde(default)]
    object_value: Option<OneOrManyStr>,
    #[serde(default)]
    object_locality: Option<LocalityType>,
    #[serde(default)]
    object_scanner: Option<OneOrManyStr>,
    #[serde(default)]
    object_hostname: Option<OneOrManyStr>,
    #[serde(default)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// The operand of a property filter: plain, `{value, is_regex}`, `{value, case_sensitive}`,
/// or a list for `in`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Operand {
    Object {
        value: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_regex: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case_sensitive: Option<bool>,
    },
    List(Vec<Value>),
    Plain(Value),
}

/// One property filter of a tuning rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyFilter {
    pub property: String,
    pub operator: PropertyOperator,
    pub operand: Operand,
}

/// A tuning rule as stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningRule {
    pub id: u64,
    pub author: String,
    pub create_time: i64,
    pub description: Option<String>,
    pub detection_type: String,
    pub enabled: bool,
    /// Milliseconds since the epoch; `null` or 0 never expires.
    pub expiration: Option<i64>,
    pub hide_past_detections: bool,
    pub offender: RuleParticipant,
    pub victim: RuleParticipant,
    pub properties: Vec<PropertyFilter>,
    pub detections_hidden: u64,
    pub participants_hidden: u64,
}

impl TuningRule {
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
#[derive(Debug, Clone, Deserialize)]
pub struct NewTuningRule {
    pub detection_type: String,
    pub offender: RuleParticipant,
    pub victim: RuleParticipant,
    #[serde(default)]
    pub expiration: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub properties: Option<OneOrMany<PropertyFilter>>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub hide_past_detections: Option<bool>,
}

/// Body of `PATCH /detections/rules/hiding/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TuningRulePatch {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub expiration: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub offender: Option<RuleParticipant>,
    #[serde(default)]
    pub victim: Option<RuleParticipant>,
    #[serde(default)]
    pub properties: Option<OneOrMany<PropertyFilter>>,
    #[serde(default)]
    pub hide_past_detections: Option<bool>,
}
