//! Appliance-wide settings: ticket tracking.

use serde::{Deserialize, Serialize};

/// `GET /extrahop/ticketing`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticketing {
    /// Deprecated mirror of `external_ticketing_enabled`.
    pub enabled: bool,
    pub external_ticketing_enabled: bool,
    pub internal_ticketing_enabled: bool,
    pub url_template: Option<String>,
    /// wirewatch extension: the connector (`/api/actions/connector`) every
    /// detection is pushed to while external ticketing is enabled.
    #[serde(default)]
    pub connector_id: Option<String>,
}

impl Ticketing {
    /// The ticket URL of a detection, when a template is set and the detection has a ticket.
    pub fn ticket_url(&self, ticket_id: Option<&str>) -> Option<String> {
        let template = self.url_template.as_deref()?;
        let id = ticket_id?;
        if !self.external_ticketing_enabled && !self.internal_ticketing_enabled {
            return None;
        }
        Some(template.replace("$ticket_id", &percent_encode(id)))
    }
}

use crate::connector::percent_encode;

/// Body of `PATCH /extrahop/ticketing`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TicketingPatch {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub external_ticketing_enabled: Option<bool>,
    #[serde(default)]
    pub internal_ticketing_enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub url_template: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub connector_id: Option<Option<String>>,
}
