//! Store errors, and the one mapping of them onto the API's error codes.
//!
//! The store raises storage errors: an object missing or in conflict with a
//! stored one, stored state that refuses an input, a failure inside. Request
//! validation is the model's (`NewDetection::validate` and the like); the
//! store calls it and passes its error on as [`StoreError::Domain`]. The
//! messages a caller reads are written here, in `From<StoreError> for Error`.

use wirewatch_model::{Code, Error};

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input breaks a rule of the model; the model's error names the field.
    #[error("{0}")]
    Domain(#[from] Error),
    /// The object the operation is about does not exist.
    #[error("{0} not found")]
    NotFound(Missing),
    /// The object conflicts with a stored one.
    #[error("conflict: {}", .0.message())]
    Conflict(Conflict),
    /// Stored state refuses the input's `field` (a JSON path of the input).
    #[error("{field}: {}", reason.problem())]
    Refused { field: String, reason: Refusal },
    /// The transaction of a group commit failed as a whole (every creator in
    /// the group gets the one cause).
    #[error("group commit failed: {0}")]
    CommitFailed(#[source] std::sync::Arc<StoreError>),
    /// The detection committer thread is gone (the store is shutting down).
    #[error("the detection committer stopped")]
    CommitterStopped,
    /// Stored data contradicts itself (a row vanished inside an operation,
    /// a stored value no longer parses).
    #[error("inconsistent store: {0}")]
    Inconsistent(String),
    /// Hashing a password failed.
    #[error("hashing a password failed")]
    HashFailed,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("data directory: {0}")]
    Io(std::io::Error),
    /// Password hashing is at capacity: the caller should retry shortly.
    #[error("too many password checks at once")]
    Busy,
    /// The key that encrypts stored secrets is missing or wrong, or a
    /// stored secret does not open.
    #[error("stored secrets: {0}")]
    Secrets(#[from] crate::secrets::SecretsError),
}

/// An object that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    #[error("user {0}")]
    User(u64),
    /// An ODS target: its kind (`http`, `kafka`…) and name.
    #[error("{kind} target {name:?}")]
    OdsTarget { kind: String, name: String },
}

/// An object that conflicts with a stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A custom detection format of this type exists.
    Format { kind: String },
    /// A tag of this name exists.
    Tag { name: String },
    /// A user of this name exists.
    User { username: String },
    /// An ODS target of this kind and name exists.
    OdsTarget { kind: String, name: String },
    /// A connector with this id exists.
    Connector { id: String },
    /// The connector is the one external ticketing pushes to.
    ConnectorInUse,
    /// A threat collection has this user key.
    ThreatCollection { user_key: String },
    /// An activity map has this short code.
    ShortCode { short_code: String },
    /// An alert of this name exists.
    Alert { name: String },
    /// A custom device of this name exists.
    CustomDeviceName { name: String },
    /// A custom device or a device has this `extrahop_id`.
    CustomDeviceId { extrahop_id: String },
    /// A TLS decryption key with this id (the same private key) exists.
    SslKey { id: String },
    /// The key already has this protocol on this port.
    SslKeyProtocol { protocol: String, port: u16 },
    /// A user group of this name exists.
    UserGroup { name: String },
    /// An identity provider has this name.
    IdentityProvider { name: String },
}

/// Why stored state refuses an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No detection format (built-in or custom) has this type.
    UnknownDetectionType { kind: String },
    /// As above, for a tuning rule (which also takes the two "all" types).
    UnknownRuleDetectionType { kind: String },
    /// The detection does not exist.
    NoDetection { id: u64 },
    /// The device does not exist.
    NoDevice { id: u64 },
    /// The detection has no participant of this id (participants are not added by a patch).
    NoParticipant { detection: u64, participant: u64 },
    /// An investigation would hold more detections than it may.
    TooManyDetections { max: usize },
    /// An attachment is larger than the store keeps.
    AttachmentTooLarge { max: usize },
    /// The setup user cannot be disabled.
    SetupUserDisabled,
    /// The setup user keeps `system: full`.
    SetupUserDemoted,
    /// The setup user cannot be deleted.
    SetupUserDeleted,
    /// The device group does not exist.
    NoDeviceGroup { id: u64 },
    /// The e-mail group does not exist.
    NoEmailGroup { id: u64 },
    /// The alert does not exist.
    NoAlert { id: u64 },
    /// The store holds as many alerts as it may.
    TooManyAlerts { max: i64 },
    /// The store holds as many e-mail groups as it may.
    TooManyEmailGroups { max: i64 },
    /// There are as many custom devices as the store keeps.
    TooManyCustomDevices { max: usize },
    /// A custom device's `extrahop_id` cannot change.
    ExtrahopIdImmutable { current: String },
    /// No user has this name.
    NoUser { username: String },
    /// The store holds as many user groups as it may.
    TooManyUserGroups { max: usize },
    /// The store holds as many identity providers as it may.
    TooManyIdentityProviders { max: usize },
    /// The SAML replay cache is full (of assertions not expired yet).
    TooManySamlAssertions { max: usize },
}

impl Refusal {
    /// What is wrong with the field, for the caller.
    fn problem(&self) -> String {
        match self {
            Refusal::UnknownDetectionType { kind } => format!(
                "\"{kind}\" is not a detection type; see GET /api/v1/detections/formats"
            ),
            Refusal::UnknownRuleDetectionType { kind } => format!(
                "\"{kind}\" is not a detection type; use a type from GET /api/v1/detections/formats, \"all_security\" or \"all_performance\""
            ),
            Refusal::NoDetection { id } => format!("detection {id} does not exist"),
            Refusal::NoDevice { id } => format!("device {id} does not exist"),
            Refusal::NoParticipant {
                detection,
                participant,
            } => format!(
                "detection {detection} has no participant {participant}; participants cannot be added"
            ),
            Refusal::TooManyDetections { max } => {
                format!("an investigation holds at most {max} detections")
            }
            Refusal::AttachmentTooLarge { max } => format!("is larger than {max} bytes"),
            Refusal::SetupUserDisabled => "the setup user cannot be disabled".into(),
            Refusal::SetupUserDemoted => "the setup user keeps system: full".into(),
            Refusal::SetupUserDeleted => "the setup user cannot be deleted".into(),
            Refusal::NoDeviceGroup { id } => format!("device group {id} does not exist"),
            Refusal::NoEmailGroup { id } => format!("e-mail group {id} does not exist"),
            Refusal::NoAlert { id } => format!("alert {id} does not exist"),
            Refusal::TooManyAlerts { max } => {
                format!("at most {max} alerts are kept; delete one first")
            }
            Refusal::TooManyEmailGroups { max } => {
                format!("at most {max} e-mail groups are kept; delete one first")
            }
            Refusal::TooManyCustomDevices { max } => {
                format!("there are already {max} custom devices, the most kept")
            }
            Refusal::ExtrahopIdImmutable { current } => {
                format!("cannot be changed (it is {current:?}); leave it out")
            }
            Refusal::NoUser { username } => {
                format!("{username:?} is not a user; see GET /api/v1/users")
            }
            Refusal::TooManyUserGroups { max } => {
                format!("at most {max} user groups are kept; delete one first")
            }
            Refusal::TooManyIdentityProviders { max } => {
                format!("at most {max} identity providers are kept; delete one first")
            }
            Refusal::TooManySamlAssertions { max } => format!(
                "the {max} SAML assertions this sensor remembers have not expired yet; retry later"
            ),
        }
    }
}

impl Conflict {
    /// The caller's message.
    fn message(&self) -> String {
        match self {
            Conflict::Format { kind } => {
                format!("a custom detection format of type \"{kind}\" already exists")
            }
            Conflict::Tag { name } => format!("a tag named \"{name}\" exists"),
            Conflict::ThreatCollection { user_key } => format!(
                "a threat collection with the user key {user_key:?} exists; PUT /threatcollections/~{user_key} replaces it"
            ),
            Conflict::User { username } => format!("user {username} already exists"),
            Conflict::OdsTarget { kind, name } => format!(
                "a {kind} target named {name:?} already exists; change it with PATCH, or delete it first"
            ),
            Conflict::Connector { id } => format!("a connector with id {id:?} already exists"),
            Conflict::ShortCode { short_code } => {
                format!("an activity map has the short code {short_code:?}")
            }
            Conflict::Alert { name } => format!("an alert named \"{name}\" exists"),
            Conflict::CustomDeviceName { name } => {
                format!("A custom device with the name {name} already exists")
            }
            Conflict::CustomDeviceId { extrahop_id } => {
                format!("a device with the extrahop_id {extrahop_id:?} already exists")
            }
            Conflict::SslKey { id } => format!("the TLS decryption key {id} already exists"),
            Conflict::SslKeyProtocol { protocol, port } => {
                format!("the key already decrypts {protocol} on port {port}")
            }
            Conflict::UserGroup { name } => format!("a user group named \"{name}\" exists"),
            Conflict::IdentityProvider { name } => {
                format!("an identity provider named \"{name}\" exists")
            }
            Conflict::ConnectorInUse => "the connector is the one external ticketing pushes to; choose another (PATCH /api/v1/extrahop/ticketing, connector_id) first".into(),
        }
    }
}

impl StoreError {
    /// A refusal of the input's `field`.
    pub(crate) fn refused(field: impl Into<String>, reason: Refusal) -> StoreError {
        StoreError::Refused {
            field: field.into(),
            reason,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::Domain(e) => e,
            StoreError::NotFound(m) => Error::not_found(m),
            StoreError::Conflict(c) => Error::new(Code::Conflict, c.message()),
            StoreError::Refused { field, reason } => Error::invalid(field, reason.problem()),
            StoreError::Busy => Error::new(
                Code::TooManyRequests,
                "too many password checks at once; retry shortly",
            ),
            // A number the database cannot hold came from the request (ids beyond 2^63).
            StoreError::Db(rusqlite::Error::ToSqlConversionFailure(_)) => Error::new(
                Code::InvalidRequest,
                format!(
                    "a number in the request is out of range (at most {})",
                    i64::MAX
                ),
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                Error::new(Code::Internal, "internal error; see the server log")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_map_to_codes_and_field_messages() {
        let e: Error =
            StoreError::refused("type", Refusal::UnknownDetectionType { kind: "x".into() }).into();
        assert_eq!(e.code, Code::InvalidRequest);
        assert_eq!(e.field.as_deref(), Some("type"));
        assert_eq!(
            e.message,
            "type: \"x\" is not a detection type; see GET /api/v1/detections/formats"
        );
        let e: Error = StoreError::Conflict(Conflict::Tag { name: "a".into() }).into();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::Conflict, "a tag named \"a\" exists")
        );
        let e: Error = StoreError::NotFound(Missing::OdsTarget {
            kind: "http".into(),
            name: "n".into(),
        })
        .into();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::NotFound, "http target \"n\" not found")
        );
        // Logged as they read, not as Rust debug output.
        assert_eq!(
            StoreError::Conflict(Conflict::Tag { name: "a".into() }).to_string(),
            "conflict: a tag named \"a\" exists"
        );
        assert_eq!(
            StoreError::refused("type", Refusal::NoDevice { id: 7 }).to_string(),
            "type: device 7 does not exist"
        );
        let failed = StoreError::CommitFailed(std::sync::Arc::new(StoreError::Busy));
        assert!(std::error::Error::source(&failed).is_some());
        let e: Error = StoreError::CommitterStopped.into();
        assert_eq!(e.code, Code::Internal);
        assert!(!e.message.contains("committer"));
    }
}
