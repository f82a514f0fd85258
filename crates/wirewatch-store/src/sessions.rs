//! Web app sessions: a random token per login (only its SHA-256 digest is
//! stored), ended by logout, by its absolute or idle expiry, and with its
//! user; a disabled user's sessions authenticate no request.

use crate::users::{digest, random_hex};
use crate::{Result, Store};
use rusqlite::{params, OptionalExtension};
use wirewatch_model::now_ms;
use wirewatch_model::user::Roles;

use crate::AuthUser;

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ends this long after login, whatever the activity (ms).
    pub absolute_ms: i64,
    /// Ends after this long without a request (ms).
    pub idle_ms: i64,
    /// Sessions one user may hold; logging in beyond it ends the oldest.
    pub per_user: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            absolute_ms: 12 * 3600 * 1000,
            idle_ms: 30 * 60 * 1000,
            per_user: 20,
        }
    }
}

/// A new session: the token (given to the browser once, in its cookie).
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    /// When it ends at the latest (ms).
    pub expires: i64,
}

/// `last_seen` is written at most this often (ms): the idle expiry is that
/// coarse, and a page's burst of requests costs one write, not one each.
const TOUCH_EVERY_MS: i64 = 30_000;

impl Store {
    /// Open a session for a user (128-bit random token).
    pub fn create_session(&self, user_id: u64, limits: SessionLimits) -> Result<Session> {
        let token = random_hex(16);
        let now = now_ms();
        let expires = now + limits.absolute_ms;
        let hash = digest(&token);
        self.write(|tx| {
            tx.execute(
                "DELETE FROM app_sessions WHERE expires <= ?1 OR last_seen + ?2 <= ?1",
                params![now, limits.idle_ms],
            )?;
            tx.execute(
                "INSERT INTO app_sessions(token_hash, user_id, created, last_seen, expires)
                 VALUES(?1, ?2, ?3, ?3, ?4)",
                params![hash, user_id, now, expires],
            )?;
            tx.execute(
                "DELETE FROM app_sessions WHERE user_id = ?1 AND id NOT IN
                   (SELECT id FROM app_sessions WHERE user_id = ?1 ORDER BY created DESC, id DESC LIMIT ?2)",
                params![user_id, limits.per_user as i64],
            )?;
            Ok(())
        })?;
        Ok(Session { token, expires })
    }

    /// The user a session token belongs to, if the session is live and the
    /// user enabled; marks the session used.
    pub fn session_user(&self, token: &str, limits: SessionLimits) -> Result<Option<AuthUser>> {
        let hash = digest(token);
        let now = now_ms();
        let found = self.read(|c| {
            Ok(c.query_row(
                "SELECT s.id, s.last_seen, u.id, u.username, u.granted_roles
                 FROM app_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND u.enabled = 1
                   AND s.expires > ?2 AND s.last_seen + ?3 > ?2",
                params![hash, now, limits.idle_ms],
                |r| {
                    let roles: String = r.get(4)?;
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        AuthUser {
                            id: r.get(2)?,
                            username: r.get(3)?,
                            roles: serde_json::from_str::<Roles>(&roles).unwrap_or_default(),
                        },
                    ))
                },
            )
            .optional()?)
        })?;
        let Some((id, last_seen, mut user)) = found else {
            return Ok(None);
        };
        user.roles = self.read(|c| Ok(crate::users::effective_roles(c, user.id, &user.roles)?))?;
        if now - last_seen >= TOUCH_EVERY_MS {
            self.write(|tx| {
                tx.execute(
                    "UPDATE app_sessions SET last_seen = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(())
            })?;
        }
        Ok(Some(user))
    }

    /// End a session; whether it existed.
    pub fn revoke_session(&self, token: &str) -> Result<bool> {
        let hash = digest(token);
        let n = self.write(|tx| {
            Ok(tx.execute("DELETE FROM app_sessions WHERE token_hash = ?1", [hash])?)
        })?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::SessionLimits;
    use crate::{Store, StoreOptions};
    use wirewatch_model::user::{NewUser, UserPatch};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store
            .ensure_setup_user(Some("correct horse battery"))
            .unwrap();
        (dir, store)
    }

    fn analyst(store: &Store) -> u64 {
        let new: NewUser = serde_json::from_value(serde_json::json!({
            "username": "ana", "name": "Ana", "password": "correct horse battery",
            "granted_roles": {"write": "full", "ndr": "full"}
        }))
        .unwrap();
        store.create_user(new).unwrap().id
    }

    #[test]
    fn a_session_authenticates_until_revoked_and_stores_no_token() {
        let (dir, store) = store();
        let id = analyst(&store);
        let s = store.create_session(id, SessionLimits::default()).unwrap();
        assert_eq!(s.token.len(), 32, "128 bits, hex");
        let user = store
            .session_user(&s.token, SessionLimits::default())
            .unwrap();
        assert_eq!(user.map(|u| u.username), Some("ana".into()));
        assert!(store
            .session_user("0".repeat(32).as_str(), SessionLimits::default())
            .unwrap()
            .is_none());
        let mut db = std::fs::read(dir.path().join("wirewatch.db")).unwrap();
        db.extend(std::fs::read(dir.path().join("wirewatch.db-wal")).unwrap_or_default());
        let text = String::from_utf8_lossy(&db);
        assert!(!text.contains(&s.token), "the token itself is not stored");
        assert!(store.revoke_session(&s.token).unwrap());
        assert!(store
            .session_user(&s.token, SessionLimits::default())
            .unwrap()
            .is_none());
        assert!(!store.revoke_session(&s.token).unwrap());
    }

    #[test]
    fn expiry_absolute_and_idle() {
        let (_dir, store) = store();
        let id = analyst(&store);
        let gone = SessionLimits {
            absolute_ms: 0,
            ..Default::default()
        };
        let s = store.create_session(id, gone).unwrap();
        assert!(store.session_user(&s.token, gone).unwrap().is_none());
        let idle = SessionLimits {
            idle_ms: 0,
            ..Default::default()
        };
        let s = store.create_session(id, SessionLimits::default()).unwrap();
        assert!(store
            .session_user(&s.token, SessionLimits::default())
            .unwrap()
            .is_some());
        assert!(store.session_user(&s.token, idle).unwrap().is_none());
    }

    #[test]
    fn disabled_deleted_or_new_password_ends_sessions() {
        let (_dir, store) = store();
        let id = analyst(&store);
        let l = SessionLimits::default();
        let s = store.create_session(id, l).unwrap();
        let patch = |v: serde_json::Value| serde_json::from_value::<UserPatch>(v).unwrap();
        store
            .update_user("ana", patch(serde_json::json!({"enabled": false})))
            .unwrap();
        assert!(store.session_user(&s.token, l).unwrap().is_none());
        store
            .update_user("ana", patch(serde_json::json!({"enabled": true})))
            .unwrap();
        assert!(
            store.session_user(&s.token, l).unwrap().is_some(),
            "re-enabled"
        );
        store
            .update_user(
                "ana",
                patch(serde_json::json!({"password": "another long passphrase"})),
            )
            .unwrap();
        assert!(store.session_user(&s.token, l).unwrap().is_none());
        let s = store.create_session(id, l).unwrap();
        assert!(store.delete_user("ana").unwrap());
        let again = analyst(&store);
        assert!(
            store.session_user(&s.token, l).unwrap().is_none(),
            "user {again} is someone else"
        );
    }

    #[test]
    fn sessions_per_user_are_bounded() {
        let (_dir, store) = store();
        let id = analyst(&store);
        let l = SessionLimits {
            per_user: 2,
            ..Default::default()
        };
        let first = store.create_session(id, l).unwrap();
        let _second = store.create_session(id, l).unwrap();
        let third = store.create_session(id, l).unwrap();
        assert!(store.session_user(&first.token, l).unwrap().is_none());
        assert!(store.session_user(&third.token, l).unwrap().is_some());
    }

    /// The participant-by-role index is filled for the detections stored
    /// before its migration ran, as for new ones.
    #[test]
    fn the_migration_indexes_stored_detections_by_role() {
        use crate::DetectionPage;
        use wirewatch_model::detection::{DetectionSearch, NewDetection};
        let (dir, store) = store();
        let new: NewDetection = serde_json::from_value(serde_json::json!({
            "type": "port_scan",
            "participants": [
                {"object_type": "device", "object_id": 7, "ipaddr": "10.0.0.7", "hostname": "pc-7", "role": "offender"},
                {"object_type": "ipaddr", "object_value": "10.0.0.9", "role": "victim"}
            ]
        }))
        .unwrap();
        let id = store.create_detection(new).unwrap().id;
        let find = |store: &Store, filter: serde_json::Value| {
            let s: DetectionSearch =
                serde_json::from_value(serde_json::json!({"filter": filter, "id_only": true}))
                    .unwrap();
            match store
                .search_detections(s, "setup", crate::Visibility::ALL)
                .unwrap()
            {
                DetectionPage::Ids(ids) => ids,
                _ => panic!("ids"),
            }
        };
        let cases = [
            (serde_json::json!({"offender": ["10.0.0.7"]}), vec![id]),
            (serde_json::json!({"offender": ["pc-7"]}), vec![id]),
            (serde_json::json!({"offender": ["7"]}), vec![id]),
            (serde_json::json!({"victim": ["10.0.0.9"]}), vec![id]),
            (serde_json::json!({"victim": ["10.0.0.7"]}), vec![]),
        ];
        for (f, want) in &cases {
            assert_eq!(&find(&store, f.clone()), want, "{f}");
        }
        drop(store);
        // Back to the schema before this migration, the index gone, then
        // the migration run again over the stored detections.
        let migration = crate::schema::MIGRATIONS
            .iter()
            .find(|m| m.contains("CREATE TABLE detection_roles"))
            .unwrap();
        let c = rusqlite::Connection::open(dir.path().join("wirewatch.db")).unwrap();
        c.execute_batch("DROP TABLE detection_roles; DROP TABLE app_sessions;")
            .unwrap();
        c.execute_batch(migration).unwrap();
        drop(c);
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        for (f, want) in &cases {
            assert_eq!(&find(&store, f.clone()), want, "after the migration: {f}");
        }
    }
}
