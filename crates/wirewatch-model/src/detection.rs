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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Role {
    Offender,
    Victim,
}

/// What a participant refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum ParticipantKind {
    Device,
    Ipaddr,
    Application,
}

/// A device, IP address or application taking part in a detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Participant::example())]
pub struct Participant {
    /// The participant's id (see `PATCH /detections/{id}`), unique within
    /// the store.
    #[serde(default)]
    pub id: u64,
    /// What the participant refers to.
    pub object_type: ParticipantKind,
    /// The device or application id (`object_type` `device` or
    /// `application`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<u64>,
    /// The IP address (`object_type` `ipaddr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_value: Option<String>,
    /// The participant's role.
    pub role: Role,
    /// The participant's IP address when known (also for devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipaddr: Option<String>,
    /// The participant's host name when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Whether the participant is outside the monitored network.
    #[serde(default)]
    pub external: bool,
    /// The external scanning service the participant belongs to.
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
    /// The example of the API's documentation.
    pub fn example() -> Participant {
        Participant {
            id: 2,
            object_type: ParticipantKind::Device,
            object_id: Some(17),
            object_value: None,
            role: Role::Victim,
            ipaddr: Some("10.1.2.40".into()),
            hostname: Some("db1.example.com".into()),
            external: false,
            scanner_service: Some("Shodan".into()),
            usernames: vec!["alice".into()],
            origins: vec!["198.51.100.7".into()],
        }
    }

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

/// A detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Detection::example())]
pub struct Detection {
    /// The detection's id.
    pub id: u64,
    /// The sensor that raised it (0: this one).
    pub appliance_id: u64,
    /// The username the detection is assigned to.
    pub assignee: Option<String>,
    /// Categories such as `sec`, `sec.recon` or `perf`.
    pub categories: Vec<String>,
    /// When the detection was created (ms).
    pub create_time: i64,
    /// What was detected (markdown).
    pub description: String,
    /// Last time the activity was seen (ms); `null` while it is ongoing.
    pub end_time: Option<i64>,
    /// Whether it was created through `POST /detections`.
    pub is_user_created: bool,
    /// MITRE ATT&CK tactics.
    pub mitre_tactics: Vec<MitreRef>,
    /// MITRE ATT&CK techniques.
    pub mitre_techniques: Vec<MitreRef>,
    /// When the detection last changed (triage included; ms).
    pub mod_time: i64,
    /// The participants.
    pub participants: Vec<Participant>,
    /// Type-specific properties; see the detection format.
    pub properties: Map<String, Value>,
    /// Whether the detection is recommended for triage.
    pub recommended: bool,
    /// Why it is recommended.
    pub recommended_factors: Vec<String>,
    /// How the detection was resolved.
    pub resolution: Option<Resolution>,
    /// Risk score, 0 to 100.
    #[schemars(range(max = 100))]
    pub risk_score: u8,
    /// When the activity started (ms).
    pub start_time: i64,
    /// Triage status; `null` is open.
    pub status: Option<Status>,
    /// The id of the ticket tracking the detection.
    pub ticket_id: Option<String>,
    /// The ticket's URL, built at read time from the ticketing URL template.
    pub ticket_url: Option<String>,
    /// The title.
    pub title: String,
    /// The detection type (see `/detections/formats`).
    #[serde(rename = "type")]
    pub kind: String,
    /// When the detected activity last updated the detection (ms).
    pub update_time: i64,
    /// The detection's URL in this API.
    pub url: Option<String>,
}

impl Detection {
    /// The example of the API's documentation.
    pub fn example() -> Detection {
        let mitre = |id: &str, name: &str, page: &str| MitreRef {
            id: id.into(),
            name: name.into(),
            legacy_ids: vec![],
            url: Some(format!("https://attack.mitre.org/{page}/{id}")),
        };
        let mut properties = Map::new();
        properties.insert("scan_type".into(), "vertical".into());
        properties.insert("ports_scanned".into(), 1000.into());
        Detection {
            id: 1042,
            appliance_id: 0,
            assignee: None,
            categories: vec!["sec".into(), "sec.recon".into()],
            create_time: 1_767_225_600_000,
            description: "A device probed many ports on one host.".into(),
            end_time: Some(1_767_225_660_000),
            is_user_created: false,
            mitre_tactics: vec![mitre("TA0007", "Discovery", "tactics")],
            mitre_techniques: vec![mitre("T1046", "Network Service Discovery", "techniques")],
            mod_time: 1_767_225_660_000,
            participants: vec![
                Participant {
                    id: 1,
                    object_type: ParticipantKind::Ipaddr,
                    object_id: None,
                    object_value: Some("10.1.2.3".into()),
                    role: Role::Offender,
                    ipaddr: Some("10.1.2.3".into()),
                    hostname: None,
                    external: false,
                    scanner_service: None,
                    usernames: vec![],
                    origins: vec![],
                },
                Participant {
                    scanner_service: None,
                    usernames: vec![],
                    origins: vec![],
                    ..Participant::example()
                },
            ],
            properties,
            recommended: false,
            recommended_factors: vec![],
            resolution: None,
            risk_score: 30,
            start_time: 1_767_225_600_000,
            status: Some(Status::InProgress),
            ticket_id: None,
            ticket_url: None,
            title: "Port Scan".into(),
            kind: "port_scan".into(),
            update_time: 1_767_225_660_000,
            url: Some("https://sensor.example.com/api/v1/detections/1042".into()),
        }
    }
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

/// A change to one participant of a detection (participants cannot be added).
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct ParticipantPatch {
    /// The participant's id.
    pub id: u64,
    /// Usernames; the list replaces the current one.
    #[serde(default)]
    pub usernames: Option<Vec<String>>,
    /// IP addresses; the list replaces the current one.
    #[serde(default)]
    pub origins: Option<Vec<String>>,
}

/// Body of `PATCH /detections/{id}`: absent fields are left alone, `null`
/// (or `""`) clears.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct DetectionPatch {
    /// The ticket tracking the detection.
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<String>")]
    pub ticket_id: Option<Option<String>>,
    /// The username the detection is assigned to.
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
    /// Usernames and origins of existing participants: one object or a list.
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

/// A participant of a new detection. `ipaddr` participants need
/// `object_value`; `device` and `application` ones `object_id`.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct NewParticipant {
    /// What the participant refers to.
    pub object_type: ParticipantKind,
    /// The device or application id.
    #[serde(default)]
    pub object_id: Option<u64>,
    /// The IP address.
    #[serde(default)]
    pub object_value: Option<String>,
    /// The participant's role.
    pub role: Role,
    /// The IP address of a device.
    #[serde(default)]
    pub ipaddr: Option<String>,
    /// The host name.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Default: from the network localities.
    #[serde(default)]
    pub external: Option<bool>,
    /// The external scanning service.
    #[serde(default)]
    pub scanner_service: Option<String>,
    /// Usernames.
    #[serde(default)]
    pub usernames: Vec<String>,
    /// Origin IP addresses.
    #[serde(default)]
    pub origins: Vec<String>,
}

impl NewParticipant {
    /// A participant given by its IP address alone (what the sensor's
    /// detectors, EVE alerts and threat matches know of an end).
    pub fn address(value: impl ToString, role: Role) -> NewParticipant {
        NewParticipant {
            object_type: ParticipantKind::Ipaddr,
            object_id: None,
            object_value: Some(value.to_string()),
            role,
            ipaddr: None,
            hostname: None,
            external: None,
            scanner_service: None,
            usernames: vec![],
            origins: vec![],
        }
    }
}

/// Body of `POST /detections` (wirewatch extension). Fields left out come
/// from the detection format.
///
/// Also the input of every detection source: the sensor's detectors,
/// triggers, EVE alerts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct NewDetection {
    /// A detection type from `/detections/formats`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Default: the format's display name.
    #[serde(default)]
    pub title: Option<String>,
    /// Default: the format's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Default: the format's risk score.
    #[serde(default)]
    #[schemars(range(max = 100))]
    pub risk_score: Option<u8>,
    /// Default: now (ms).
    #[serde(default)]
    pub start_time: Option<i64>,
    /// Not before `start_time` (ms).
    #[serde(default)]
    pub end_time: Option<i64>,
    /// The participants.
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub participants: Vec<NewParticipant>,
    /// Type-specific properties.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Default: the format's categories.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// Default false.
    #[serde(default)]
    pub recommended: Option<bool>,
    /// Why it is recommended.
    #[serde(default)]
    pub recommended_factors: Vec<String>,
    /// Triage status; absent is open.
    #[serde(default)]
    pub status: Option<Status>,
    /// A username.
    #[serde(default)]
    pub assignee: Option<String>,
    /// A ticket id.
    #[serde(default)]
    pub ticket_id: Option<String>,
    /// How the detection was resolved.
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// MITRE technique ids; the format's when absent.
    #[serde(default)]
    pub mitre_techniques: Option<Vec<String>>,
    /// Set by the server: true for `POST /detections`, false for the sensor.
    #[serde(skip)]
    pub is_user_created: bool,
}

/// A status, or `.none` for open detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[schemars(inline)]
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

/// A resolution, or `.none` for unresolved detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[schemars(inline)]
pub enum ResolutionFilter {
    #[serde(rename = ".none")]
    Unresolved,
    #[serde(rename = "action_taken")]
    ActionTaken,
    #[serde(rename = "no_action_taken")]
    NoActionTaken,
}

/// The `filter` of a detection search; criteria combine with AND, list
/// values with OR.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct DetectionFilter {
    /// Deprecated: one category.
    #[serde(default)]
    #[schemars(extend("deprecated" = true))]
    pub category: Option<String>,
    /// Categories such as `sec.recon`.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// Usernames, `.none` (unassigned) or `.me` (the caller).
    #[serde(default)]
    pub assignee: Option<Vec<String>>,
    /// Ticket ids or `.none` (no ticket).
    #[serde(default)]
    pub ticket_id: Option<Vec<String>>,
    /// Statuses, `.none` for open detections.
    #[serde(default)]
    pub status: Option<Vec<StatusFilter>>,
    /// Resolutions, `.none` for unresolved detections.
    #[serde(default)]
    pub resolution: Option<Vec<ResolutionFilter>>,
    /// Detection types.
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// The lowest risk score.
    #[serde(default)]
    pub risk_score_min: Option<i64>,
    /// Only recommended (true) or not recommended (false) detections.
    #[serde(default)]
    pub recommended: Option<bool>,
    /// wirewatch extension: only detections with an offender that matches
    /// one of these (its IP address, host name, or device id), at most
    /// [`MAX_PARTICIPANT_FILTER`].
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true), length(max = 100))]
    pub offender: Option<Vec<String>>,
    /// wirewatch extension: only detections with a victim that matches one
    /// of these (its IP address, host name, or device id).
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true), length(max = 100))]
    pub victim: Option<Vec<String>>,
}

/// Most values in `filter.offender` or `filter.victim`.
pub const MAX_PARTICIPANT_FILTER: usize = 100;

/// One interval of a search's `histogram`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(example = DetectionCount { time: 1_767_225_600_000, count: 12 })]
pub struct DetectionCount {
    /// The start of the interval (ms).
    pub time: i64,
    /// The matching detections that started in it.
    pub count: u64,
}

/// Shortest `histogram` interval (ms).
pub const MIN_HISTOGRAM_INTERVAL: i64 = 60_000;
/// Most intervals a `histogram` answers (the latest ones).
pub const MAX_HISTOGRAM_INTERVALS: i64 = 1_000;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// The `field` of a sort key: a sortable detection field.
fn sortable_field(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": SORTABLE_FIELDS})
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct SortKey {
    /// A detection field.
    #[schemars(schema_with = "sortable_field")]
    pub field: String,
    /// Ascending (the default) or descending.
    #[serde(default)]
    pub direction: Direction,
}

/// Body of `POST /detections/search`. Every criterion is optional; an
/// empty object returns the first page. Times are ms (`0` is now, negative
/// values are relative to now).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct DetectionSearch {
    /// The criteria.
    #[serde(default)]
    pub filter: Option<DetectionFilter>,
    /// Only detections still active at or after this time (end time `null`
    /// or later).
    #[serde(default)]
    pub from: Option<i64>,
    /// Only detections that started at or before this time.
    #[serde(default)]
    pub until: Option<i64>,
    /// Only detections whose `mod_time` is at or after this time.
    #[serde(default)]
    pub mod_time: Option<i64>,
    /// Only detections whose `create_time` is at or after this time.
    #[serde(default)]
    pub create_time: Option<i64>,
    /// Only detections whose `update_time` is at or after this time.
    #[serde(default)]
    pub update_time: Option<i64>,
    /// The page size (default 1000).
    #[serde(default)]
    #[schemars(range(min = 0, max = 20_000))]
    pub limit: Option<i64>,
    /// How many matches to skip (default 0).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub offset: Option<i64>,
    /// Sort keys, most significant first: one object or a list. Default:
    /// newest `update_time` first.
    #[serde(default)]
    pub sort: Option<OneOrMany<SortKey>>,
    /// Return only the ids of the matches.
    #[serde(default)]
    pub id_only: Option<bool>,
    /// wirewatch extension: also return detections hidden by tuning rules.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub include_hidden: Option<bool>,
    /// wirewatch extension: instead of the detections, count the matches
    /// per interval of this many ms (at least 60000) of their `start_time`:
    /// `[{"time": ms, "count": n}]`, intervals with no match left out, at
    /// most the latest 1000; `limit`, `offset` and `sort` do not apply.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true), range(min = 60000))]
    pub histogram: Option<i64>,
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
