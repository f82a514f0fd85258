//! User groups (`/usergroups`): named sets of users whose members inherit
//! the group's privileges (`granted_roles`, a wirewatch extension: the
//! ExtraHop product grants remote groups privileges through its LDAP
//! mapping instead).

use crate::user::Roles;
use crate::Error;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most user groups the store keeps.
pub const MAX_GROUPS: usize = 1_000;
/// Most members one membership change may name.
pub const MAX_MEMBERS_CHANGE: usize = 10_000;

/// A user group, as `GET /usergroups` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = UserGroup::example())]
pub struct UserGroup {
    /// The group's id: `local.<name>` (the form activity map sharing names
    /// groups by).
    pub id: String,
    /// The group's name.
    pub name: String,
    /// The name shown for the group (its name).
    pub display_name: String,
    /// Whether the group is enabled; the members of a disabled group do not
    /// hold its privileges.
    pub enabled: bool,
    /// Whether the group comes from a remote directory (LDAP): always
    /// `false`, wirewatch has no directory.
    pub is_remote: bool,
    /// When the membership was last read from the directory: `null` for a
    /// local group.
    pub last_sync_time: Option<i64>,
    /// Dashboard rights: wirewatch has no dashboards, so always empty.
    pub rights: Vec<String>,
    /// The privileges every member holds in addition to their own
    /// (wirewatch extension; the same shape as a user's `granted_roles`).
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub granted_roles: Roles,
}

impl UserGroup {
    /// The example of the API's documentation.
    pub fn example() -> UserGroup {
        UserGroup {
            id: "local.soc".into(),
            name: "soc".into(),
            display_name: "soc".into(),
            enabled: true,
            is_remote: false,
            last_sync_time: None,
            rights: Vec::new(),
            granted_roles: Roles {
                write: Some(crate::user::WriteRole::Limited),
                ndr: Some(crate::user::ModuleRole::Full),
                ..Roles::default()
            },
        }
    }
}

/// The id of the local group of this name.
pub fn group_id(name: &str) -> String {
    format!("local.{name}")
}

/// Body of `POST /usergroups`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"name": "soc", "enabled": true, "granted_roles": {"write": "limited", "ndr": "full"}}))]
pub struct NewUserGroup {
    /// 1 to 64 letters, digits, `.`, `_`, `-` or `@`; the id is `local.<name>`.
    pub name: String,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The privileges members inherit (default none; wirewatch extension).
    #[serde(default)]
    pub granted_roles: Roles,
}

impl NewUserGroup {
    pub fn validate(&self) -> Result<(), Error> {
        validate_group_name(&self.name)?;
        self.granted_roles
            .validate()
            .map_err(|m| Error::invalid("granted_roles", m.to_string()))
    }
}

/// Body of `PATCH /usergroups/{id}`; absent fields are left alone.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserGroupPatch {
    /// Enable or disable the group.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The privileges members inherit (wirewatch extension).
    #[serde(default)]
    pub granted_roles: Option<Roles>,
}

impl UserGroupPatch {
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(r) = &self.granted_roles {
            r.validate()
                .map_err(|m| Error::invalid("granted_roles", m.to_string()))?;
        }
        Ok(())
    }
}

/// Check a group name: the characters of a username.
pub fn validate_group_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.len() > 64 {
        return Err(Error::invalid("name", "must be 1 to 64 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(Error::invalid(
            "name",
            "may contain only letters, digits, '.', '_', '-' and '@'",
        ));
    }
    Ok(())
}

/// `GET /usergroups/{id}/members`: `{"users": {"alice": "member"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"users": {"alice": "member", "bob": "member"}}))]
pub struct Members {
    /// Each member's username, with the value `member`.
    pub users: BTreeMap<String, String>,
}

/// A membership change: which users become members (`"member"`) and which
/// stop being members (`null`). `replace`: the users named are the only
/// members afterwards (`PUT`, which takes only `"member"`).
pub fn parse_members(
    body: &serde_json::Value,
    replace: bool,
) -> Result<BTreeMap<String, bool>, Error> {
    let obj = body.as_object().ok_or_else(|| {
        Error::invalid(
            "body",
            "must be an object of usernames, each \"member\" or null, e.g. {\"alice\": \"member\", \"bob\": null}",
        )
    })?;
    if obj.len() > MAX_MEMBERS_CHANGE {
        return Err(Error::invalid(
            "body",
            format!("names more than {MAX_MEMBERS_CHANGE} users"),
        ));
    }
    let mut out = BTreeMap::new();
    for (user, v) in obj {
        let member = match v {
            serde_json::Value::String(s) if s == "member" => true,
            serde_json::Value::Null if !replace => false,
            _ if replace => {
                return Err(Error::invalid(
                    user.as_str(),
                    "must be \"member\" (PUT replaces the members with the users named)",
                ))
            }
            _ => {
                return Err(Error::invalid(
                    user.as_str(),
                    "must be \"member\" (assign) or null (unassign)",
                ))
            }
        };
        out.insert(user.clone(), member);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn membership_changes_take_member_or_null() {
        let m = parse_members(&json!({"alice": "member", "bob": null}), false).unwrap();
        assert_eq!(m.get("alice"), Some(&true));
        assert_eq!(m.get("bob"), Some(&false));
        let e = parse_members(&json!({"alice": "owner"}), false).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("alice"));
        let e = parse_members(&json!({"bob": null}), true).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("bob"));
        assert!(parse_members(&json!(["alice"]), false).is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_group_name("soc-tier1").is_ok());
        assert!(validate_group_name("a b").is_err());
        assert!(validate_group_name("").is_err());
        assert_eq!(group_id("soc"), "local.soc");
    }
}
