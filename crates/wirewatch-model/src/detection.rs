//! Detections, their participants, and the request bodies that search and update them.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

mod validate;
pub use validate::{clean_names, is_technique_id, parse_ip, MAX_PARTICIPANTS};

/// Triage status of a detection; `null` on the wire means "open". `new`
/// needs third-party ticket tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    InProgress,
    Closed,
    Acknowledged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::Closed => "closed",
            Status::Acknowledged => "acknowledged",
        }
    }
}

/// How the detection was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    ActionTaken,
    NoActionTaken,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::ActionTaken => "action_taken",
            Resolution::NoActionTaken => "no_action_taken",
        }
    }
}

/// The role a participant plays in a detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Offender,
    Victim,
}

/// What a participant refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantKind {
    Device,
    Ipaddr,
    Application,
}

/// A device, IP address or application taking part in a detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Participant id, unique within the store.
    #[serde(default)]
    pub id: u64,
    pub object_type: ParticipantKind,
    /// Device or application id when `object_type` is `device` or `application`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<u64>,
    /// The IP address when `object_type` is `ipaddr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_value: Option<String>,
    pub role: Role,
    /// The participant's IP address when known (also for devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipaddr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Whether the participant is outside the monitored network.
    #[serde(default)]
    pub external: bool,
    /// The external scanning service the participant belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_service: Option<String>,
    /// Usernames associated with the participant through the REST API.
    #[serde(default)]
    pub usernames: Vec<String>,
    /// Origin IP addresses associated with the participant through the REST API.
    #[serde(default)]
    pub origins: Vec<String>,
}

impl Participant {
    /// The IP address this participant stands for, if any.
    pub fn ip(&self) -> Option<&str> {
        self.object_value
            .as_deref()
            .filter(|_| self.object_type == ParticipantKind::Ipaddr)
            .or(self.ipaddr.as_deref())
    }

    /// A key naming the participant's object, for "same participant" comparisons.
    pub fn object_key(&self) -> String {
        match (self.object_type, self.object_id, self.ip()) {
            (ParticipantKind::Ipaddr, _, Some(ip)) => format!("ipaddr:{ip}"),
            (kind, Some(id), _) => format!("{kind:?}:{id}").to_lowercase(),
            (_, _, Some(ip)) => format!("ipaddr:{ip}"),
            _ => format!("participant:{}", self.id),
        }
    }
}

/// A MITRE ATT&CK technique or tactic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = MitreRef {
    id: "T1046".into(),
    name: "Network Service Discovery".into(),
    legacy_ids: vec![],
    url: Some("https://attack.mitre.org/techniques/T1046".into()),
})]
pub struct MitreRef {
    /// The ATT&CK id, e.g. `T1046` or `TA0007`.
    pub id: String,
    /// The name.
    pub name: String,
    /// Former ids.
    #[serde(default)]
    pub legacy_ids: Vec<String>,
    /// The ATT&CK page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A detection as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub id: u64,
    pub appliance_id: u64,
    pub assignee: Option<String>,
    pub categories: Vec<String>,
    pub create_time: i64,
    pub description: String,
    /// Last time the detected activity was seen; `null` while it is ongoing.
    pub end_time: Option<i64>,
    pub is_user_created: bool,
    pub mitre_tactics: Vec<MitreRef>,
    pub mitre_techniques: Vec<MitreRef>,
    pub mod_time: i64,
    pub participants: Vec<Participant>,
    pub properties: Map<String, Value>,
    pub recommended: bool,
    pub recommended_factors: Vec<String>,
    pub resolution: Option<Resolution>,
    pub risk_score: u8,
    pub start_time: i64,
    pub status: Option<Status>,
    pub ticket_id: Option<String>,
    /// Built at read time from the ticketing URL template.
    pub ticket_url: Option<String>,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub update_time: i64,
    pub url: Option<String>,
}

/// Deserialize a field that distinguishes "absent" (`None`) from "null" (`Some(None)`).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// One object or a list of them (the PDF often shows an object where the prose says array).
///
/// Deserialized with a visitor rather than `#[serde(untagged)]` so that an
/// error inside an element keeps its path (`sort[0].field`) and message.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object or an array of objects")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(OneOrMany::Many(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(OneOrMany::One)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => vec![t],
        }
    }

    /// The values, in order.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => std::slice::from_ref(t),
        }
    }
}

/// One object or a list of them (inlined where it is used).
impl<T: schemars::JsonSchema> schemars::JsonSchema for OneOrMany<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = g.subschema_for::<T>();
        schemars::json_schema!({"oneOf": [one, {"type": "array", "items": one}]})
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

/// A participant update in `PATCH /detections/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ParticipantPatch {
    pub id: u64,
    #[serde(default)]
    pub usernames: Option<Vec<String>>,
    #[serde(default)]
    pub origins: Option<Vec<String>>,
}

/// Body of `PATCH /detections/{id}`; absent fields are left alone, `null` clears.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DetectionPatch {
    #[serde(default, deserialize_with = "nullable")]
    pub ticket_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignee: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub status: Option<Option<Status>>,
    #[serde(default, deserialize_with = "nullable")]
    pub resolution: Option<Option<Resolution>>,
    #[serde(default)]
    pub participants: Option<OneOrMany<ParticipantPatch>>,
}

/// Body of `PATCH /detections/tickets`: applied to every detection linked
/// to the ticket.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct TicketPatch {
    /// The ticket id (not empty).
    pub ticket_id: String,
    /// The assignee; `null` clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<String>")]
    pub assignee: Option<Option<String>>,
    /// Triage status; `null` is open.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<Status>")]
    pub status: Option<Option<Status>>,
    /// How the detection was resolved; `null` clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<Resolution>")]
    pub resolution: Option<Option<Resolution>>,
}

/// A participant given when a detection is created.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewParticipant {
    pub object_type: ParticipantKind,
    #[serde(default)]
    pub object_id: Option<u64>,
    #[serde(default)]
    pub object_value: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub ipaddr: Option<String>,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub external: Option<bool>,
    #[serde(default)]
    pub scanner_service: Option<String>,
    #[serde(default)]
    pub usernames: Vec<String>,
    #[serde(default)]
    pub origins: Vec<String>,
}

/// Body of `POST /detections` (a wirewatch extension) and the input of every
/// detection source: the sensor's detectors, triggers, EVE alerts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct NewDetection {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub risk_score: Option<u8>,
    #[serde(default)]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub participants: Vec<NewParticipant>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    #[serde(default)]
    pub recommended: Option<bool>,
    #[serde(default)]
    pub recommended_factors: Vec<String>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub ticket_id: Option<String>,
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// MITRE technique ids; the format's when absent.
    #[serde(default)]
    pub mitre_techniques: Option<Vec<String>>,
    /// Set by the server: true for `POST /detections`, false for the sensor.
    #[serde(skip)]
    pub is_user_created: bool,
}

/// A status filter value: a status or `.none` (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum StatusFilter {
    #[serde(rename = ".none")]
    Open,
    #[serde(rename = "new")]
    New,
    #[serde(rename = "in_progress")]
    InProgress,
    #[serde(rename = "closed")]
    Closed,
    #[serde(rename = "acknowledged")]
    Acknowledged,
}

/// A resolution filter value: a resolution or `.none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ResolutionFilter {
    #[serde(rename = ".none")]
    Unresolved,
    #[serde(rename = "action_taken")]
    ActionTaken,
    #[serde(rename = "no_action_taken")]
    NoActionTaken,
}

/// The `filter` object of `POST /detections/search`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DetectionFilter {
    /// Deprecated single category.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// Usernames, `.none` for unassigned, `.me` for the caller.
    #[serde(default)]
    pub assignee: Option<Vec<String>>,
    /// Ticket ids, `.none` for detections without a ticket.
    #[serde(default)]
    pub ticket_id: Option<Vec<String>>,
    #[serde(default)]
    pub status: Option<Vec<StatusFilter>>,
    #[serde(default)]
    pub resolution: Option<Vec<ResolutionFilter>>,
    #[serde(default)]
    pub types: Option<Vec<String>>,
    #[serde(default)]
    pub risk_score_min: Option<i64>,
    #[serde(default)]
    pub recommended: Option<bool>,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// One sort key of a search.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SortKey {
    pub field: String,
    #[serde(default)]
    pub direction: Direction,
}

/// Body of `POST /detections/search`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DetectionSearch {
    #[serde(default)]
    pub filter: Option<DetectionFilter>,
    #[serde(default)]
    pub from: Option<i64>,
    #[serde(default)]
    pub until: Option<i64>,
    #[serde(default)]
    pub mod_time: Option<i64>,
    #[serde(default)]
    pub create_time: Option<i64>,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default)]
    pub sort: Option<OneOrMany<SortKey>>,
    #[serde(default)]
    pub id_only: Option<bool>,
    /// wirewatch extension: also return detections hidden by tuning rules.
    #[serde(default)]
    pub include_hidden: Option<bool>,
}

impl DetectionSearch {
    /// The time fields (`from`, `until`, `mod_time`, `create_time`,
    /// `update_time`) as absolute milliseconds: as everywhere in the API,
    /// `0` is now and a negative value is relative to now.
    pub fn with_times_resolved(mut self, now_ms: i64) -> Self {
        for t in [
            &mut self.from,
            &mut self.until,
            &mut self.mod_time,
            &mut self.create_time,
            &mut self.update_time,
        ]
        .into_iter()
        .flatten()
        {
            *t = crate::time::TimeSpec::Ms(*t).resolve(now_ms).unwrap_or(*t);
        }
        self
    }
}

/// Detection fields a search may sort by, with their store column.
pub const SORTABLE_FIELDS: &[&str] = &[
    "id",
    "appliance_id",
    "assignee",
    "create_time",
    "description",
    "end_time",
    "is_user_created",
    "mod_time",
    "recommended",
    "resolution",
    "risk_score",
    "start_time",
    "status",
    "ticket_id",
    "title",
    "type",
    "update_time",
];

/// The note of a detection; every field is `null` when there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Note {
    author: Some("alice".into()),
    note: Some("Scanner is the new vulnerability appliance.".into()),
    update_time: Some(1_767_225_600_000),
})]
pub struct Note {
    /// Who wrote the note.
    pub author: Option<String>,
    /// The text.
    pub note: Option<String>,
    /// When it was written (ms).
    pub update_time: Option<i64>,
}
