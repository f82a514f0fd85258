//! Appliance-wide settings: ticket tracking.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Ticket-tracking settings (`GET /extrahop/ticketing`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = Ticketing::example())]
pub struct Ticketing {
    /// Deprecated mirror of `external_ticketing_enabled`.
    #[schemars(extend("deprecated" = true))]
    pub enabled: bool,
    /// Detections are tracked in a third-party ticketing system (enables status `new`).
    pub external_ticketing_enabled: bool,
    /// Detections are tracked here (assignee, status).
    pub internal_ticketing_enabled: bool,
    /// URL of a ticket, with `$ticket_id` where the ticket id goes; builds
    /// `ticket_url` of detections.
    pub url_template: Option<String>,
    /// wirewatch extension: the connector (`/api/actions/connector`) every
    /// detection is pushed to while external ticketing is enabled; `null` when none.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub connector_id: Option<String>,
}

impl Ticketing {
    /// The example of the API's documentation.
    pub fn example() -> Ticketing {
        Ticketing {
            enabled: true,
            external_ticketing_enabled: true,
            internal_ticketing_enabled: false,
            url_template: Some("https://tickets.example.com/browse/$ticket_id".into()),
            connector_id: None,
        }
    }

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

/// Body of `PATCH /extrahop/ticketing`. `external_ticketing_enabled` and
/// `internal_ticketing_enabled` must be sent together and cannot both be
/// true; `enabled` is the deprecated form of the external flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct TicketingPatch {
    /// Deprecated: sets `external_ticketing_enabled`.
    #[serde(default)]
    #[schemars(extend("deprecated" = true))]
    pub enabled: Option<bool>,
    /// Track detections in a third-party system.
    #[serde(default)]
    pub external_ticketing_enabled: Option<bool>,
    /// Track detections here.
    #[serde(default)]
    pub internal_ticketing_enabled: Option<bool>,
    /// An http(s) URL containing `$ticket_id`; `null` or `""` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub url_template: Option<Option<String>>,
    /// wirewatch extension: the id of the connector (`GET
    /// /api/actions/connectors`) to push detections to: a `.jira`,
    /// `.servicenow` or `.cases-webhook` connector (400 otherwise); `null` or
    /// `""` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>", extend("x-wirewatch-extension" = true))]
    pub connector_id: Option<Option<String>>,
}
