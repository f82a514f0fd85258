//! Users, their privilege levels (the seed's table) and API keys.

use crate::Error;
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

/// A combination of roles that cannot be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RolesError {
    /// More than one of the exclusive access levels.
    #[error("only one of system, write and metrics may be granted")]
    SeveralLevels,
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
    pub fn validate(&self) -> Result<(), RolesError> {
        let levels = [
            self.system.is_some(),
            self.write.is_some(),
            self.metrics.is_some(),
        ];
        if levels.iter().filter(|x| **x).count() > 1 {
            return Err(RolesError::SeveralLevels);
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

    /// The roles of a user who holds `self` and also `other` (a user group's
    /// grant): each privilege at the higher of the two levels. The one rule
    /// by which a member inherits a group's privileges; the result may hold
    /// `write` and `metrics` together, `write` then being what counts
    /// (`access`), so `metrics` is dropped.
    pub fn union(&self, other: &Roles) -> Roles {
        fn higher<T: Copy>(a: Option<T>, b: Option<T>, rank: fn(T) -> u8) -> Option<T> {
            match (a, b) {
                (Some(x), Some(y)) => Some(if rank(y) > rank(x) { y } else { x }),
                (x, y) => x.or(y),
            }
        }
        let system = self.system.or(other.system);
        let write = higher(self.write, other.write, |w| match w {
            WriteRole::Personal => 0,
            WriteRole::Limited => 1,
            WriteRole::Full => 2,
        });
        let metrics = higher(self.metrics, other.metrics, |m| match m {
            MetricsRole::Restricted => 0,
            MetricsRole::Full => 1,
        });
        let module = |m| match m {
            ModuleRole::None => 0,
            ModuleRole::Full => 1,
        };
        let mut out = Roles {
            system,
            write: if system.is_some() { None } else { write },
            metrics: if system.is_some() || write.is_some() {
                None
            } else {
                metrics
            },
            ndr: higher(self.ndr, other.ndr, module),
            npm: higher(self.npm, other.npm, module),
            packets: higher(self.packets, other.packets, |p| match p {
                PacketsRole::SlicesOnly => 0,
                PacketsRole::Full => 1,
                PacketsRole::FullWithKeys => 2,
            }),
        };
        if out.system.is_some() {
            out = Roles::system();
        }
        out
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

/// Check a username: 1 to 64 letters, digits, `.`, `_`, `-` and `@`.
pub fn validate_username(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.len() > 64 {
        return Err(Error::invalid("username", "must be 1 to 64 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(Error::invalid(
            "username",
            "may contain only letters, digits, '.', '_', '-' and '@'",
        ));
    }
    Ok(())
}

/// The rule every password meets: at least 8 characters; `field` names it.
pub fn validate_password(field: &str, p: &str) -> Result<(), Error> {
    if p.chars().count() < 8 {
        return Err(Error::invalid(field, "must be at least 8 characters"));
    }
    Ok(())
}

impl NewUser {
    /// Check a new user: the name, the roles, and a password for a local user.
    pub fn validate(&self) -> Result<(), Error> {
        validate_username(&self.username)?;
        self.granted_roles
            .validate()
            .map_err(|m| Error::invalid("granted_roles", m.to_string()))?;
        match (&self.password, self.kind.unwrap_or(UserType::Local)) {
            (Some(p), _) => validate_password("password", p),
            (None, UserType::Local) => {
                Err(Error::invalid("password", "is required for a local user"))
            }
            (None, UserType::Remote) => Ok(()),
        }
    }
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

impl UserPatch {
    /// Check an update's roles and password.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(r) = &self.granted_roles {
            r.validate()
                .map_err(|m| Error::invalid("granted_roles", m.to_string()))?;
        }
        if let Some(p) = &self.password {
            validate_password("password", p)?;
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(e: Error) -> String {
        e.field.unwrap_or_default()
    }

    #[test]
    fn new_users_are_checked_in_order() {
        let user = |v| serde_json::from_value::<NewUser>(v).unwrap();
        assert_eq!(
            field(user(json!({"username": "a b"})).validate().unwrap_err()),
            "username"
        );
        assert_eq!(
            field(
                user(
                    json!({"username": "a", "granted_roles": {"system": "full", "write": "full"}})
                )
                .validate()
                .unwrap_err()
            ),
            "granted_roles"
        );
        assert_eq!(
            user(json!({"username": "a"}))
                .validate()
                .unwrap_err()
                .message,
            "password: is required for a local user"
        );
        assert!(user(json!({"username": "a", "type": "remote"}))
            .validate()
            .is_ok());
        assert_eq!(
            field(
                user(json!({"username": "a", "password": "short"}))
                    .validate()
                    .unwrap_err()
            ),
            "password"
        );
    }

    #[test]
    fn roles_grant_one_access_level() {
        let r: Roles = serde_json::from_value(json!({"write": "full", "metrics": "full"})).unwrap();
        assert_eq!(r.validate(), Err(RolesError::SeveralLevels));
        assert!(Roles::system().validate().is_ok());
    }

    #[test]
    fn a_union_keeps_the_higher_level_of_each_privilege() {
        let r = |v| serde_json::from_value::<Roles>(v).unwrap();
        let u = r(json!({"metrics": "full", "ndr": "full", "packets": "slices_only"})).union(&r(
            json!({"write": "limited", "npm": "full", "packets": "full"}),
        ));
        assert_eq!(
            u,
            r(json!({"write": "limited", "ndr": "full", "npm": "full", "packets": "full"}))
        );
        assert!(u.validate().is_ok());
        let w = r(json!({"write": "full"})).union(&r(json!({"write": "personal"})));
        assert_eq!(w.access(), Some(Access::WriteFull));
        assert_eq!(
            r(json!({"ndr": "none"}))
                .union(&r(json!({"ndr": "full"})))
                .ndr,
            Some(ModuleRole::Full)
        );
        assert!(r(json!({})).union(&Roles::system()).is_admin());
        assert_eq!(r(json!({})).union(&r(json!({}))), Roles::default());
    }
}
