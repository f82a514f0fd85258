//! Investigations: analyst-curated groups of detections (`/investigations`).

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

/// Investigation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvestigationStatus {
    Open,
    InProgress,
    Closed,
}

/// The analyst's assessment of an investigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    Undecided,
    BenignTruePositive,
    MaliciousTruePositive,
    FalsePositive,
}

/// An investigation as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub status: InvestigationStatus,
    pub assessment: Option<Assessment>,
    pub assignee: Option<String>,
    pub created_by: String,
    /// Who last changed the investigation.
    pub last_interaction_by: String,
    pub creation_time: i64,
    pub update_time: i64,
    pub last_interaction_time: i64,
    /// Earliest start time of its detections (or the creation time when empty).
    pub start_time: Option<i64>,
    /// Latest end time of its detections.
    pub end_time: Option<i64>,
    pub is_user_created: bool,
    /// Ids of the detections in the investigation.
    pub detections: Vec<u64>,
    /// Link to the investigation (filled at read time).
    #[serde(default)]
    pub url: Option<String>,
}

/// Body of `POST /investigations`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewInvestigation {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub status: Option<InvestigationStatus>,
    #[serde(default)]
    pub assessment: Option<Assessment>,
    #[serde(default)]
    pub assignee: Option<String>,
    /// Detection ids (the real product's request name).
    #[serde(default, alias = "detections")]
    pub event_ids: Vec<u64>,
}

/// Body of `PATCH /investigations/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvestigationPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub notes: Option<Option<String>>,
    #[serde(default)]
    pub status: Option<InvestigationStatus>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub assessment: Option<Option<Assessment>>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub assignee: Option<Option<String>>,
    /// Replaces the whole list of detections (the real product's semantics).
    #[serde(default)]
    pub event_ids: Option<Vec<u64>>,
    /// wirewatch extension: add detections without resending the list.
    #[serde(default)]
    pub detections_to_add: Vec<u64>,
    /// wirewatch extension: remove detections without resending the list.
    #[serde(default)]
    pub detections_to_remove: Vec<u64>,
}
