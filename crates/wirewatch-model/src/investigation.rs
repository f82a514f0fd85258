//! Investigations: analyst-curated groups of detections (`/investigations`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Check an investigation's name: not blank, at most 512 bytes.
pub fn validate_name(name: &str) -> Result<(), crate::Error> {
    if name.trim().is_empty() {
        return Err(crate::Error::invalid("name", "must not be empty"));
    }
    if name.len() > 512 {
        return Err(crate::Error::invalid(
            "name",
            "must be at most 512 characters",
        ));
    }
    Ok(())
}

/// The investigation's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestigationStatus {
    Open,
    InProgress,
    Closed,
}

/// The analyst's assessment of an investigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    Undecided,
    BenignTruePositive,
    MaliciousTruePositive,
    FalsePositive,
}

/// An investigation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = Investigation::example())]
pub struct Investigation {
    /// The investigation's id.
    pub id: u64,
    /// The name.
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// The investigation's status.
    pub status: InvestigationStatus,
    /// The analyst's assessment.
    pub assessment: Option<Assessment>,
    /// The username it is assigned to.
    pub assignee: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Who last changed it.
    pub last_interaction_by: String,
    /// When it was created (ms).
    pub creation_time: i64,
    /// When it last changed (ms).
    pub update_time: i64,
    /// When a user last changed it (ms).
    pub last_interaction_time: i64,
    /// Earliest start time of its detections (ms; the creation time when empty).
    pub start_time: Option<i64>,
    /// Latest end time of its detections (ms).
    pub end_time: Option<i64>,
    /// Whether a user created it.
    pub is_user_created: bool,
    /// Ids of the detections in the investigation.
    pub detections: Vec<u64>,
    /// The investigation's URL in this API (filled at read time).
    #[serde(default)]
    pub url: Option<String>,
}

impl Investigation {
    /// The example of the API's documentation.
    pub fn example() -> Investigation {
        Investigation {
            id: 3,
            name: "Recon from 10.1.2.3".into(),
            description: None,
            notes: Some("Check the scanner schedule.".into()),
            status: InvestigationStatus::InProgress,
            assessment: Some(Assessment::Undecided),
            assignee: Some("alice".into()),
            created_by: "alice".into(),
            last_interaction_by: "alice".into(),
            creation_time: 1_767_225_600_000,
            update_time: 1_767_225_700_000,
            last_interaction_time: 1_767_225_700_000,
            start_time: Some(1_767_225_600_000),
            end_time: Some(1_767_225_660_000),
            is_user_created: true,
            detections: vec![1042],
            url: Some("https://sensor.example.com/api/v1/investigations/3".into()),
        }
    }
}

/// Body of `POST /investigations`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct NewInvestigation {
    /// 1 to 512 characters.
    #[schemars(length(min = 1, max = 512))]
    pub name: String,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// The investigation's status.
    #[serde(default)]
    pub status: Option<InvestigationStatus>,
    /// The analyst's assessment.
    #[serde(default)]
    pub assessment: Option<Assessment>,
    /// A username.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The detections (the real product's request name; `detections` is
    /// accepted as an alias).
    #[serde(default, alias = "detections")]
    #[schemars(length(max = 1000))]
    pub event_ids: Vec<u64>,
}

/// Body of `PATCH /investigations/{id}`; absent fields are left alone,
/// `null` clears.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct InvestigationPatch {
    /// 1 to 512 characters.
    #[serde(default)]
    #[schemars(length(min = 1, max = 512))]
    pub name: Option<String>,
    /// A description.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub notes: Option<Option<String>>,
    /// The investigation's status.
    #[serde(default)]
    pub status: Option<InvestigationStatus>,
    /// The analyst's assessment.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<Assessment>")]
    pub assessment: Option<Option<Assessment>>,
    /// A username.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub assignee: Option<Option<String>>,
    /// Replaces the whole list of detections (the real product's semantics).
    #[serde(default)]
    pub event_ids: Option<Vec<u64>>,
    /// wirewatch extension: add detections without resending the list.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub detections_to_add: Vec<u64>,
    /// wirewatch extension: remove detections without resending the list.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub detections_to_remove: Vec<u64>,
}
