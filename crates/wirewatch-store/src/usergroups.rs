//! User groups and their members. A member holds the privileges of every
//! enabled group it is in (see `users::effective_roles`): each change here
//! refreshes the cache of API keys, so it applies to the next request.

use crate::error::{Conflict, Refusal};
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;
use wirewatch_model::now_ms;
use wirewatch_model::usergroup::{group_id, NewUserGroup, UserGroup, UserGroupPatch, MAX_GROUPS};

fn group_from_row(r: &Row<'_>) -> rusqlite::Result<UserGroup> {
    let roles: String = r.get("granted_roles")?;
    let name: String = r.get("name")?;
    Ok(UserGroup {
        id: r.get("id")?,
        display_name: name.clone(),
        name,
        enabled: r.get("enabled")?,
        is_remote: false,
        last_sync_time: None,
        rights: Vec::new(),
        granted_roles: serde_json::from_str(&roles).unwrap_or_default(),
    })
}

fn load(c: &Connection, id: &str) -> Result<Option<UserGroup>> {
    Ok(c.query_row(
        "SELECT * FROM usergroups WHERE id = ?1",
        [id],
        group_from_row,
    )
    .optional()?)
}

/// The user ids of `names`; a name that is no user is refused, named.
fn user_ids(c: &Connection, names: &[&String]) -> Result<Vec<u64>> {
    let mut stmt = c.prepare_cached("SELECT id FROM users WHERE username = ?1")?;
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let id: Option<u64> = stmt.query_row([n.as_str()], |r| r.get(0)).optional()?;
        match id {
            Some(id) => out.push(id),
            None => {
                return Err(StoreError::refused(
                    n.as_str(),
                    Refusal::NoUser {
                        username: n.to_string(),
                    },
                ))
            }
        }
    }
    Ok(out)
}

impl Store {
    /// Every user group.
    pub fn usergroups(&self) -> Result<Vec<UserGroup>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT * FROM usergroups ORDER BY name")?;
            let rows = stmt.query_map([], group_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// One user group by id.
    pub fn usergroup(&self, id: &str) -> Result<Option<UserGroup>> {
        self.read(|c| load(c, id))
    }

    /// Create a group (409 when the name is taken).
    pub fn create_usergroup(&self, new: NewUserGroup) -> Result<UserGroup> {
        new.validate()?;
        let id = group_id(&new.name);
        self.write(|tx| {
            if load(tx, &id)?.is_some() {
                return Err(StoreError::Conflict(Conflict::UserGroup {
                    name: new.name.clone(),
                }));
            }
            let n: usize = tx.query_row("SELECT count(*) FROM usergroups", [], |r| r.get(0))?;
            if n >= MAX_GROUPS {
                return Err(StoreError::refused(
                    "name",
                    Refusal::TooManyUserGroups { max: MAX_GROUPS },
                ));
            }
            tx.execute(
                "INSERT INTO usergroups(id, name, enabled, granted_roles, created) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![
                    id,
                    new.name,
                    new.enabled.unwrap_or(true),
                    serde_json::to_string(&new.granted_roles)?,
                    now_ms()
                ],
            )?;
            Ok(())
        })?;
        self.usergroup(&id)?
            .ok_or_else(|| StoreError::Inconsistent("user group vanished".into()))
    }

    /// Update a group; `None` when there is none.
    pub fn update_usergroup(&self, id: &str, patch: UserGroupPatch) -> Result<Option<UserGroup>> {
        patch.validate()?;
        let found = self.write(|tx| {
            let Some(mut g) = load(tx, id)? else {
                return Ok(None);
            };
            if let Some(e) = patch.enabled {
                g.enabled = e;
            }
            if let Some(r) = &patch.granted_roles {
                g.granted_roles = r.clone();
            }
            tx.execute(
                "UPDATE usergroups SET enabled = ?2, granted_roles = ?3 WHERE id = ?1",
                params![id, g.enabled, serde_json::to_string(&g.granted_roles)?],
            )?;
            Ok(Some(g))
        })?;
        self.refresh_keys()?;
        Ok(found)
    }

    /// Delete a group (its memberships and its activity-map sharing go with
    /// it); whether it existed.
    pub fn delete_usergroup(&self, id: &str) -> Result<bool> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM usergroups WHERE id = ?1", [id])?))?;
        if n > 0 {
            self.delete_usergroup_associations(id)?;
        }
        self.refresh_keys()?;
        Ok(n > 0)
    }

    /// The usernames of a group's members; `None` when there is no group.
    pub fn usergroup_members(&self, id: &str) -> Result<Option<Vec<String>>> {
        self.read(|c| {
            if load(c, id)?.is_none() {
                return Ok(None);
            }
            let mut stmt = c.prepare(
                "SELECT u.username FROM usergroup_members m JOIN users u ON u.id = m.user_id
                 WHERE m.group_id = ?1 ORDER BY u.username",
            )?;
            let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
            Ok(Some(rows.collect::<rusqlite::Result<_>>()?))
        })
    }

    /// Change a group's members: `true` assigns, `false` unassigns;
    /// `replace`: the users assigned become the only members. Every
    /// username must be a user (else nothing changes). `false` when there
    /// is no group.
    pub fn change_usergroup_members(
        &self,
        id: &str,
        change: &BTreeMap<String, bool>,
        replace: bool,
    ) -> Result<bool> {
        let found = self.write(|tx| {
            if load(tx, id)?.is_none() {
                return Ok(false);
            }
            let (add, remove): (Vec<_>, Vec<_>) = change.iter().partition(|(_, m)| **m);
            let add: Vec<&String> = add.into_iter().map(|(u, _)| u).collect();
            let remove: Vec<&String> = remove.into_iter().map(|(u, _)| u).collect();
            let add = user_ids(tx, &add)?;
            let remove = user_ids(tx, &remove)?;
            if replace {
                tx.execute("DELETE FROM usergroup_members WHERE group_id = ?1", [id])?;
            }
            for u in remove {
                tx.execute(
                    "DELETE FROM usergroup_members WHERE group_id = ?1 AND user_id = ?2",
                    params![id, u],
                )?;
            }
            for u in add {
                tx.execute(
                    "INSERT OR IGNORE INTO usergroup_members(group_id, user_id) VALUES(?1, ?2)",
                    params![id, u],
                )?;
            }
            Ok(true)
        })?;
        self.refresh_keys()?;
        Ok(found)
    }

    /// Remove a group from the sharing of every activity map; how many maps
    /// shared with it.
    pub fn delete_usergroup_associations(&self, id: &str) -> Result<usize> {
        let mut n = 0;
        for mut m in self.activity_maps()? {
            if m.sharing.groups.remove(id).is_some() {
                self.save_activity_map(m)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The ids of the enabled groups a user is a member of.
    pub fn usergroups_of(&self, user_id: u64) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT g.id FROM usergroup_members m JOIN usergroups g ON g.id = m.group_id
                 WHERE m.user_id = ?1 AND g.enabled = 1 ORDER BY g.id",
            )?;
            let rows = stmt.query_map([user_id], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
