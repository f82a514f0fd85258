//! Users, passwords (argon2) and API keys (stored as SHA-256 digests).

use crate::error::{Conflict, Missing, Refusal};
use crate::{schema, Result, Store, StoreError};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use wirewatch_model::now_ms;
pub use wirewatch_model::user::validate_password;
use wirewatch_model::user::{ApiKey, NewUser, Roles, User, UserPatch, UserType};

/// The user created at first start, with `system: full`.
pub const SETUP_USERNAME: &str = "setup";

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthUser {
    pub id: u64,
    pub username: String,
    /// Effective roles.
    pub roles: Roles,
}

pub(crate) fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn hash_password(password: &str) -> Result<String> {
    crate::passwords::pool()
        .hash(password)
        .map_err(|_| StoreError::Busy)?
        .ok_or(StoreError::HashFailed)
}

/// A random secret of `bytes` bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn mask(last4: &str) -> String {
    format!("{}{}", "*".repeat(28), last4)
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<(User, Option<String>)> {
    let roles: String = r.get("granted_roles")?;
    let granted: Roles = serde_json::from_str(&roles).unwrap_or_default();
    let kind: String = r.get("type")?;
    Ok((
        User {
            id: r.get("id")?,
            username: r.get("username")?,
            name: r.get("name")?,
            kind: if kind == "remote" {
                UserType::Remote
            } else {
                UserType::Local
            },
            enabled: r.get("enabled")?,
            date_joined: r.get("date_joined")?,
            effective_roles: granted.effective(),
            granted_roles: granted,
        },
        r.get("password_hash")?,
    ))
}

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let last4: String = r.get("last4")?;
    Ok(ApiKey {
        id: r.get("id")?,
        description: r.get("description")?,
        key: mask(&last4),
        time_added: r.get("time_added")?,
        user_id: r.get("user_id")?,
        username: r.get("username")?,
    })
}

const KEY_SELECT: &str = "SELECT k.id, k.description, k.last4, k.time_added, k.user_id, u.username
                          FROM apikeys k JOIN users u ON u.id = k.user_id";

pub fn load_keys(conn: &Connection) -> Result<HashMap<String, AuthUser>> {
    let mut stmt = conn.prepare(
        "SELECT k.key_hash, u.id, u.username, u.granted_roles FROM apikeys k
         JOIN users u ON u.id = k.user_id WHERE u.enabled = 1",
    )?;
    let rows = stmt.query_map([], |r| {
        let roles: String = r.get(3)?;
        Ok((
            r.get::<_, String>(0)?,
            AuthUser {
                id: r.get(1)?,
                username: r.get(2)?,
                roles: serde_json::from_str::<Roles>(&roles).unwrap_or_default(),
            },
        ))
    })?;
    let mut keys: HashMap<String, AuthUser> = rows.collect::<rusqlite::Result<_>>()?;
    for u in keys.values_mut() {
        u.roles = effective_roles(conn, u.id, &u.roles)?;
    }
    Ok(keys)
}

/// The roles a user holds: those granted to them, with the privileges of
/// every enabled user group they are a member of (`Roles::union`), and what
/// those imply (`Roles::effective`). The one place effective roles are made.
pub(crate) fn effective_roles(
    c: &Connection,
    user_id: u64,
    granted: &Roles,
) -> rusqlite::Result<Roles> {
    let mut stmt = c.prepare_cached(
        "SELECT g.granted_roles FROM usergroup_members m JOIN usergroups g ON g.id = m.group_id
         WHERE m.user_id = ?1 AND g.enabled = 1",
    )?;
    let mut roles = granted.clone();
    for row in stmt.query_map([user_id], |r| r.get::<_, String>(0))? {
        let group: Roles = serde_json::from_str(&row?).unwrap_or_default();
        roles = roles.union(&group);
    }
    Ok(roles.effective())
}

/// A user read from its row, with the roles its groups give it.
fn with_groups(
    c: &Connection,
    (mut user, hash): (User, Option<String>),
) -> rusqlite::Result<(User, Option<String>)> {
    user.effective_roles = effective_roles(c, user.id, &user.granted_roles)?;
    Ok((user, hash))
}

impl Store {
    pub(crate) fn refresh_keys(&self) -> Result<()> {
        let keys = self.read(load_keys)?;
        self.inner.cache.write().keys = keys;
        Ok(())
    }

    /// Create the setup user at first start. Returns the generated password
    /// when none was given and the user did not exist yet.
    pub fn ensure_setup_user(&self, password: Option<&str>) -> Result<Option<String>> {
        if self.user(SETUP_USERNAME)?.is_some() {
            return Ok(None);
        }
        let (password, generated) = match password {
            Some(p) if !p.is_empty() => {
                validate_password("password", p)?;
                (p.to_string(), false)
            }
            _ => (random_hex(12), true),
        };
        let hash = hash_password(&password)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users(username, name, type, enabled, date_joined, granted_roles, password_hash)
                 VALUES(?1, 'Setup user', 'local', 1, ?2, ?3, ?4)",
                params![SETUP_USERNAME, now_ms(), serde_json::to_string(&Roles::system())?, hash],
            )?;
            Ok(())
        })?;
        Ok(generated.then_some(password))
    }

    /// Check a local user's password.
    pub fn check_password(&self, username: &str, password: &str) -> Result<Option<User>> {
        let found = self.read(|c| {
            Ok(c.query_row(
                "SELECT * FROM users WHERE username = ?1",
                [username],
                user_from_row,
            )
            .optional()?)
        })?;
        // Unknown users, disabled users and users without a password cost
        // one hash as well: the answer's timing says nothing about the name.
        let (user, hash) = match found {
            Some((user, hash)) if user.enabled => (Some(user), hash),
            _ => (None, None),
        };
        let ok = crate::passwords::pool()
            .verify(password, hash.as_deref())
            .map_err(|_| StoreError::Busy)?;
        Ok(user.filter(|_| ok && hash.is_some()))
    }

    /// The caller a key belongs to: from the in-memory cache of key digests,
    /// else from the database (a key issued by `wirewatch apikey create` in
    /// another process), which then joins the cache.
    pub fn authenticate(&self, key: &str) -> Option<AuthUser> {
        let d = digest(key);
        if let Some(u) = self.inner.cache.read().keys.get(&d) {
            return Some(u.clone());
        }
        let found = self
            .read(|c| {
                Ok(c.query_row(
                    "SELECT u.id, u.username, u.granted_roles FROM apikeys k JOIN users u ON u.id = k.user_id
                     WHERE k.key_hash = ?1 AND u.enabled = 1",
                    [&d],
                    |r| {
                        let roles: String = r.get(2)?;
                        Ok(AuthUser {
                            id: r.get(0)?,
                            username: r.get(1)?,
                            roles: serde_json::from_str::<Roles>(&roles).unwrap_or_default(),
                        })
                    },
                )
                .optional()?
                .map(|mut u| {
                    u.roles = effective_roles(c, u.id, &u.roles)?;
                    Ok::<_, rusqlite::Error>(u)
                })
                .transpose()?)
            })
            .ok()
            .flatten()?;
        self.inner.cache.write().keys.insert(d, found.clone());
        Some(found)
    }

    /// Issue an API key for a user; the only time the full key is returned.
    pub fn create_apikey(&self, user_id: u64, description: &str) -> Result<ApiKey> {
        let key = random_hex(16);
        let last4 = key[key.len() - 4..].to_string();
        let now = now_ms();
        let out = self.write(|tx| {
            let username: String = tx
                .query_row("SELECT username FROM users WHERE id = ?1", [user_id], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::NotFound(Missing::User(user_id)))?;
            tx.execute(
                "INSERT INTO apikeys(user_id, description, key_hash, last4, time_added) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![user_id, description, digest(&key), last4, now],
            )?;
            Ok(ApiKey {
                id: tx.last_insert_rowid() as u64,
                description: description.to_string(),
                key: key.clone(),
                time_added: now,
                user_id,
                username,
            })
        })?;
        self.refresh_keys()?;
        Ok(out)
    }

    /// API keys, masked; all of them or one user's.
    pub fn apikeys(&self, user_id: Option<u64>) -> Result<Vec<ApiKey>> {
        self.read(|c| {
            let sql = format!("{KEY_SELECT} WHERE ?1 IS NULL OR k.user_id = ?1 ORDER BY k.id");
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map([user_id], key_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// One API key, masked.
    pub fn apikey(&self, id: u64) -> Result<Option<ApiKey>> {
        self.read(|c| {
            let sql = format!("{KEY_SELECT} WHERE k.id = ?1");
            Ok(c.query_row(&sql, [id], key_from_row).optional()?)
        })
    }

    /// Delete an API key.
    pub fn delete_apikey(&self, id: u64) -> Result<bool> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM apikeys WHERE id = ?1", [id])?))?;
        self.refresh_keys()?;
        Ok(n > 0)
    }

    /// Every user.
    pub fn users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT * FROM users ORDER BY id")?;
            let rows = stmt.query_map([], user_from_row)?;
            Ok(rows
                .map(|r| r.and_then(|u| with_groups(c, u)).map(|(u, _)| u))
                .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// One user by name.
    pub fn user(&self, username: &str) -> Result<Option<User>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT * FROM users WHERE username = ?1",
                [username],
                user_from_row,
            )
            .optional()?
            .map(|u| with_groups(c, u))
            .transpose()?
            .map(|(u, _)| u))
        })
    }

    /// Create a user.
    pub fn create_user(&self, new: NewUser) -> Result<User> {
        new.validate()?;
        let kind = new.kind.unwrap_or(UserType::Local);
        let hash = new.password.as_deref().map(hash_password).transpose()?;
        let name = new.name.clone().unwrap_or_else(|| new.username.clone());
        self.write(|tx| {
            let exists: bool = tx
                .query_row("SELECT 1 FROM users WHERE username = ?1", [&new.username], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if exists {
                return Err(StoreError::Conflict(Conflict::User { username: new.username.clone() }));
            }
            tx.execute(
                "INSERT INTO users(username, name, type, enabled, date_joined, granted_roles, password_hash)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    new.username,
                    name,
                    if kind == UserType::Remote { "remote" } else { "local" },
                    new.enabled.unwrap_or(true),
                    now_ms(),
                    serde_json::to_string(&new.granted_roles)?,
                    hash
                ],
            )?;
            Ok(())
        })?;
        self.user(&new.username)?
            .ok_or_else(|| StoreError::Inconsistent("user vanished".into()))
    }

    /// Update a user.
    pub fn update_user(&self, username: &str, patch: UserPatch) -> Result<Option<User>> {
        patch.validate()?;
        let hash = patch.password.as_deref().map(hash_password).transpose()?;
        let n = self.write(|tx| {
            let mut n = tx.query_row(
                "SELECT count(*) FROM users WHERE username = ?1",
                [username],
                |r| r.get::<_, usize>(0),
            )?;
            if let Some(name) = &patch.name {
                tx.execute(
                    "UPDATE users SET name = ?1 WHERE username = ?2",
                    params![name, username],
                )?;
            }
            if let Some(e) = patch.enabled {
                if username == SETUP_USERNAME && !e {
                    return Err(StoreError::refused("enabled", Refusal::SetupUserDisabled));
                }
                tx.execute(
                    "UPDATE users SET enabled = ?1 WHERE username = ?2",
                    params![e, username],
                )?;
            }
            if let Some(r) = &patch.granted_roles {
                if username == SETUP_USERNAME && !r.is_admin() {
                    return Err(StoreError::refused(
                        "granted_roles",
                        Refusal::SetupUserDemoted,
                    ));
                }
                tx.execute(
                    "UPDATE users SET granted_roles = ?1 WHERE username = ?2",
                    params![serde_json::to_string(r)?, username],
                )?;
            }
            if let Some(h) = &hash {
                n = tx.execute(
                    "UPDATE users SET password_hash = ?1 WHERE username = ?2",
                    params![h, username],
                )?;
                // A new password ends the user's web sessions.
                tx.execute(
                    "DELETE FROM app_sessions WHERE user_id = (SELECT id FROM users WHERE username = ?1)",
                    [username],
                )?;
            }
            Ok(n)
        })?;
        self.refresh_keys()?;
        if n == 0 {
            return Ok(None);
        }
        self.user(username)
    }

    /// Delete a user and their keys.
    pub fn delete_user(&self, username: &str) -> Result<bool> {
        if username == SETUP_USERNAME {
            return Err(StoreError::refused("username", Refusal::SetupUserDeleted));
        }
        let n =
            self.write(|tx| Ok(tx.execute("DELETE FROM users WHERE username = ?1", [username])?))?;
        self.refresh_keys()?;
        Ok(n > 0)
    }

    /// A secret stored in the meta table, generated at first use.
    pub fn secret(&self, name: &str) -> Result<String> {
        let key = format!("secret.{name}");
        self.write(|tx| {
            if let Some(v) = schema::meta_get(tx, &key)? {
                return Ok(v);
            }
            let v = random_hex(32);
            schema::meta_set(tx, &key, &v)?;
            Ok(v)
        })
    }
}
