//! Users, their privilege levels (the seed's table) and API keys.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// System access level (`"system"`, `"write"` and `"metrics"` roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// `metrics: restricted`: own API keys only.
    MetricsRestricted,
    /// `metrics: full`: metric and record queries.
    MetricsFull,
    /// `write: personal`: every GET, queries, personal objects.
    WritePersonal,
    /// `write: limited`: every GET, queries, triage of detections.
    WriteLimited,
    /// `write: full`: every system task.
    WriteFull,
    /// `system: full`: every system and administration task.
    System,
}

/// Privilege levels. At most one of `system`, `write` and `metrics` may be
/// granted; `system: full` implies every other privilege.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = Roles { write: Some(WriteRole::Limited), ndr: Some(ModuleRole::Full), ..Roles::default() })]
pub struct Roles {
    /// System and access administration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemRole>,
    /// `full`: every system task; `limited`: triage of detections;
    /// `personal`: personal objects such as investigations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<WriteRole>,
    /// Read-only access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsRole>,
    /// NDR module: security detections, investigations, tuning rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ndr: Option<ModuleRole>,
    /// NPM module: performance detections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npm: Option<ModuleRole>,
    /// Packet access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets: Option<PacketsRole>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SystemRole {
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteRole {
    Full,
    Limited,
    Personal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricsRole {
    Full,
    Restricted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModuleRole {
    Full,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PacketsRole {
    Full,
    FullWithKeys,
    SlicesOnly,
}

impl Roles {
    /// The setup user's and administrators' roles.
    pub fn system() -> Self {
        Roles {
            system: Some(SystemRole::Full),
            ..Roles::default()
        }
    }

    /// Check the combination rules of the seed's table; the error names the problem.
    pub fn validate(&self) -> Result<(), String> {
        let levels = [
            self.system.is_some(),
            self.write.is_some(),
            self.metrics.is_some(),
        ];
        if levels.iter().filter(|x| **x).count() > 1 {
            return Err("only one of system, write and metrics may be granted".into());
        }
        Ok(())
    }

    /// Roles including those implied: `system: full` implies full write,
    /// both modules and packets with keys.
    pub fn effective(&self) -> Roles {
        if self.system.is_some() {
            return Roles {
                system: Some(SystemRole::Full),
                write: Some(WriteRole::Full),
                metrics: None,
                ndr: Some(ModuleRole::Full),
                npm: Some(ModuleRole::Full),
                packets: Some(PacketsRole::FullWithKeys),
            };
        }
        self.clone()
    }

    /// The system access level, if any.
    pub fn access(&self) -> Option<Access> {
        if self.system.is_some() {
            return Some(Access::System);
        }
        match (self.write, self.metrics) {
            (Some(WriteRole::Full), _) => Some(Access::WriteFull),
            (Some(WriteRole::Limited), _) => Some(Access::WriteLimited),
            (Some(WriteRole::Personal), _) => Some(Access::WritePersonal),
            (None, Some(MetricsRole::Full)) => Some(Access::MetricsFull),
            (None, Some(MetricsRole::Restricted)) => Some(Access::MetricsRestricted),
            (None, None) => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.system.is_some()
    }

    /// Security detections are visible with `ndr: full` (or as administrator).
    pub fn ndr(&self) -> bool {
        self.is_admin() || self.ndr == Some(ModuleRole::Full)
    }

    /// Performance detections are visible with `npm: full` (or as administrator).
    pub fn npm(&self) -> bool {
        self.is_admin() || self.npm == Some(ModuleRole::Full)
    }
}

/// Whether the user authenticates here or through a remote identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserType {
    Local,
    Remote,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = User::example())]
pub struct User {
    /// The user's id.
    pub id: u64,
    /// The login name.
    pub username: String,
    /// The display name.
    pub name: String,
    /// `local` users authenticate here; `remote` ones elsewhere.
    #[serde(rename = "type")]
    pub kind: UserType,
    /// Whether the user may log in and use API keys.
    pub enabled: bool,
    /// When the user was created (milliseconds since the epoch).
    pub date_joined: i64,
    /// The roles granted to the user.
    pub granted_roles: Roles,
    /// The roles the user has (`system: full` implies every other).
    pub effective_roles: Roles,
}

impl User {
    /// The example of the API's documentation.
    pub fn example() -> User {
        let roles = Roles {
            write: Some(WriteRole::Limited),
            ndr: Some(ModuleRole::Full),
            ..Roles::default()
        };
        User {
            id: 2,
            username: "alice".into(),
            name: "Alice Analyst".into(),
            kind: UserType::Local,
            enabled: true,
            date_joined: 1_767_225_600_000,
            granted_roles: roles.clone(),
            effective_roles: roles,
        }
    }
}

/// Body of `POST /users`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NewUser {
    /// 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
    pub username: String,
    /// The display name (default: the username).
    #[serde(default)]
    pub name: Option<String>,
    /// At least 8 characters; required for a local user.
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub password: Option<String>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The roles granted to the user (default none).
    #[serde(default)]
    pub granted_roles: Roles,
    /// `local` users authenticate here; `remote` ones elsewhere (default `local`).
    #[serde(rename = "type", default)]
    pub kind: Option<UserType>,
    /// Also create an API key for the user and return it in `apikey` (once).
    #[serde(default)]
    pub create_apikey: Option<bool>,
}

/// Body of `PATCH /users/{username}`; absent fields are left alone. A user
/// may change their own password; anything else needs `system: full`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct UserPatch {
    /// The display name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new password (at least 8 characters).
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub password: Option<String>,
    /// The caller's current password: required when a user changes their
    /// own password (400 naming `current_password` when absent, 403 when
    /// wrong); an administrator changing another user's password needs none.
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub current_password: Option<String>,
    /// The setup user cannot be disabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The roles granted to the user.
    #[serde(default)]
    pub granted_roles: Option<Roles>,
}

/// An API key. `key` is the full key only in the answer that creates it;
/// afterwards it is masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = ApiKey::example())]
pub struct ApiKey {
    /// The key's id.
    pub id: u64,
    /// What the key is for.
    pub description: String,
    /// The full key at creation (send it as `Authorization: ExtraHop
    /// apikey=KEY`); `****…abcd` (its last four characters) afterwards.
    pub key: String,
    /// When the key was created (milliseconds since the epoch).
    pub time_added: i64,
    /// The id of the user the key belongs to.
    pub user_id: u64,
    /// The user the key belongs to.
    pub username: String,
}

impl ApiKey {
    /// The example of the API's documentation.
    pub fn example() -> ApiKey {
        ApiKey {
            id: 3,
            description: "SOAR integration".into(),
            key: "****a1b2".into(),
            time_added: 1_767_225_600_000,
            user_id: 2,
            username: "alice".into(),
        }
    }
}
