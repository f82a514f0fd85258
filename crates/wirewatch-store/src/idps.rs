//! Identity providers (SAML IdPs) and their attribute → privilege mappings.

use crate::error::{Conflict, Refusal};
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use wirewatch_model::idp::{IdentityProvider, IdpPrivileges, MAX_PROVIDERS};

fn load(c: &Connection, id: u64) -> Result<Option<(IdentityProvider, IdpPrivileges)>> {
    let row: Option<(String, String)> = c
        .query_row(
            "SELECT doc, privileges FROM identity_providers WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(d, p)| -> Result<(IdentityProvider, IdpPrivileges)> {
        let mut idp: IdentityProvider = serde_json::from_str(&d)?;
        idp.id = id;
        Ok((idp, serde_json::from_str(&p)?))
    })
    .transpose()
}

fn name_taken(c: &Connection, name: &str, not_id: u64) -> Result<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM identity_providers WHERE json_extract(doc, '$.name') = ?1 AND id != ?2)",
        params![name, not_id],
        |r| r.get(0),
    )?)
}

impl Store {
    /// Every identity provider.
    pub fn identity_providers(&self) -> Result<Vec<IdentityProvider>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id, doc FROM identity_providers ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, doc) = row?;
                let mut idp: IdentityProvider = serde_json::from_str(&doc)?;
                idp.id = id;
                out.push(idp);
            }
            Ok(out)
        })
    }

    /// One identity provider.
    pub fn identity_provider(&self, id: u64) -> Result<Option<IdentityProvider>> {
        Ok(self.read(|c| load(c, id))?.map(|(i, _)| i))
    }

    /// Create (id 0) or replace a provider; names are unique.
    pub fn save_identity_provider(&self, mut idp: IdentityProvider) -> Result<IdentityProvider> {
        self.write(|tx| {
            if name_taken(tx, &idp.name, idp.id)? {
                return Err(StoreError::Conflict(Conflict::IdentityProvider {
                    name: idp.name.clone(),
                }));
            }
            if idp.id == 0 {
                let n: usize =
                    tx.query_row("SELECT count(*) FROM identity_providers", [], |r| r.get(0))?;
                if n >= MAX_PROVIDERS {
                    return Err(StoreError::refused(
                        "name",
                        Refusal::TooManyIdentityProviders { max: MAX_PROVIDERS },
                    ));
                }
                tx.execute(
                    "INSERT INTO identity_providers(doc, privileges) VALUES('{}', '{}')",
                    [],
                )?;
                idp.id = tx.last_insert_rowid() as u64;
            }
            tx.execute(
                "UPDATE identity_providers SET doc = ?2 WHERE id = ?1",
                params![idp.id, serde_json::to_string(&idp)?],
            )?;
            Ok(idp)
        })
    }

    /// Delete a provider; whether it existed.
    pub fn delete_identity_provider(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM identity_providers WHERE id = ?1", [id])? > 0))
    }

    /// A provider's privilege mappings; `None` when there is no provider.
    pub fn identity_provider_privileges(&self, id: u64) -> Result<Option<IdpPrivileges>> {
        Ok(self.read(|c| load(c, id))?.map(|(_, p)| p))
    }

    /// Replace a provider's privilege mappings; whether it exists.
    pub fn set_identity_provider_privileges(&self, id: u64, p: &IdpPrivileges) -> Result<bool> {
        let text = serde_json::to_string(p)?;
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE identity_providers SET privileges = ?2 WHERE id = ?1",
                params![id, text],
            )? > 0)
        })
    }

    /// Record that an assertion (its IdP's `idp_id`, its `id`) was used to
    /// log in, until `expires` (ms): `false` when it was used before (a
    /// replay). Expired IDs are forgotten; at most [`MAX_SAML_ASSERTIONS`]
    /// are kept (beyond, logins are refused until some expire).
    pub fn use_saml_assertion(&self, idp_id: u64, id: &str, expires: i64) -> Result<bool> {
        let now = wirewatch_model::now_ms();
        self.write(|tx| {
            tx.execute("DELETE FROM saml_assertions WHERE expires <= ?1", [now])?;
            let n: usize =
                tx.query_row("SELECT count(*) FROM saml_assertions", [], |r| r.get(0))?;
            if n >= MAX_SAML_ASSERTIONS {
                return Err(StoreError::refused(
                    "SAMLResponse",
                    Refusal::TooManySamlAssertions {
                        max: MAX_SAML_ASSERTIONS,
                    },
                ));
            }
            Ok(tx.execute(
                "INSERT OR IGNORE INTO saml_assertions(id, idp_id, expires) VALUES(?1, ?2, ?3)",
                params![id, idp_id, expires],
            )? == 1)
        })
    }
}

/// Most assertion IDs the replay cache keeps.
pub const MAX_SAML_ASSERTIONS: usize = 100_000;

#[cfg(test)]
mod tests {
    use crate::{Store, StoreOptions};

    #[test]
    fn an_assertion_is_used_once_until_it_expires_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let later = wirewatch_model::now_ms() + 60_000;
        {
            let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
            assert!(s.use_saml_assertion(1, "_a1", later).unwrap());
            assert!(!s.use_saml_assertion(1, "_a1", later).unwrap(), "a replay");
            assert!(s.use_saml_assertion(1, "_old", 1).unwrap());
        }
        let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert!(
            !s.use_saml_assertion(1, "_a1", later).unwrap(),
            "remembered across a restart"
        );
        assert!(
            s.use_saml_assertion(1, "_old", later).unwrap(),
            "an expired ID is forgotten"
        );
    }
}
