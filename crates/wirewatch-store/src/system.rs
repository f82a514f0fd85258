//! System settings kept in the meta table: which services are enabled, the
//! detections access setting, and the flow log secret (sealed with the
//! store's key, like every stored secret).

use crate::{schema, Result, Store};

const SERVICES: &str = "settings.services";
const DETECTIONS_ACCESS: &str = "settings.detections_access";
const FLOWLOGS_SECRET: &str = "secret.flowlogs";
const FLOWLOGS_AAD: &str = "meta/flowlogs_secret";

impl Store {
    /// The stored service settings (a JSON object; `None`: never changed).
    pub fn services_settings(&self) -> Result<Option<serde_json::Value>> {
        self.read(|c| {
            schema::meta_get(c, SERVICES)?
                .map(|v| serde_json::from_str(&v).map_err(Into::into))
                .transpose()
        })
    }

    /// Store the service settings.
    pub fn set_services_settings(&self, v: &serde_json::Value) -> Result<()> {
        let text = serde_json::to_string(v)?;
        self.write(|tx| schema::meta_set(tx, SERVICES, &text))
    }

    /// Whether detections access control was enabled (`None`: never set).
    pub fn detections_access(&self) -> Result<Option<bool>> {
        self.read(|c| Ok(schema::meta_get(c, DETECTIONS_ACCESS)?.map(|v| v == "1")))
    }

    pub fn set_detections_access(&self, enabled: bool) -> Result<()> {
        self.write(|tx| schema::meta_set(tx, DETECTIONS_ACCESS, if enabled { "1" } else { "0" }))
    }

    /// A secret setting kept in the meta table under `key`, sealed with the
    /// store's key (associated data `meta/<key>`); `None`: not set.
    pub fn secret_setting(&self, key: &str) -> Result<Option<String>> {
        let sealed = self.read(|c| schema::meta_get(c, key))?;
        sealed
            .filter(|s| !s.is_empty())
            .map(|s| self.inner.sealer.open(&s, &format!("meta/{key}")))
            .transpose()
    }

    /// Set (sealed) or clear (`None`) a secret setting.
    pub fn set_secret_setting(&self, key: &str, secret: Option<&str>) -> Result<()> {
        let sealed = match secret {
            Some(s) => self.inner.sealer.seal(s, &format!("meta/{key}"))?,
            None => String::new(),
        };
        self.write(|tx| schema::meta_set(tx, key, &sealed))
    }

    /// The flow log secret, if one was generated.
    pub fn flowlogs_secret(&self) -> Result<Option<String>> {
        let sealed = self.read(|c| schema::meta_get(c, FLOWLOGS_SECRET))?;
        sealed
            .map(|s| self.inner.sealer.open(&s, FLOWLOGS_AAD))
            .transpose()
    }

    /// Generate a new flow log secret (32 random bytes, hex), stored sealed;
    /// the new secret is returned.
    pub fn new_flowlogs_secret(&self) -> Result<String> {
        let secret = crate::users::random_hex(32);
        let sealed = self.inner.sealer.seal(&secret, FLOWLOGS_AAD)?;
        self.write(|tx| schema::meta_set(tx, FLOWLOGS_SECRET, &sealed))?;
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreOptions};

    #[test]
    fn a_secret_setting_is_sealed_at_rest_and_can_be_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(s.secret_setting("secret.test").unwrap(), None);
        s.set_secret_setting("secret.test", Some("pw-93c1d7a0"))
            .unwrap();
        drop(s);
        let raw = std::fs::read(dir.path().join("wirewatch.db")).unwrap();
        let wal = std::fs::read(dir.path().join("wirewatch.db-wal")).unwrap_or_default();
        for bytes in [&raw, &wal] {
            assert!(!bytes.windows(11).any(|w| w == b"pw-93c1d7a0"));
        }
        let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(
            s.secret_setting("secret.test").unwrap().as_deref(),
            Some("pw-93c1d7a0")
        );
        s.set_secret_setting("secret.test", None).unwrap();
        assert_eq!(s.secret_setting("secret.test").unwrap(), None);
    }

    #[test]
    fn the_flow_log_secret_is_sealed_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(s.flowlogs_secret().unwrap(), None);
        let secret = s.new_flowlogs_secret().unwrap();
        assert_eq!(secret.len(), 64);
        assert_eq!(
            s.flowlogs_secret().unwrap().as_deref(),
            Some(secret.as_str())
        );
        drop(s);
        let raw = std::fs::read(dir.path().join("wirewatch.db")).unwrap();
        let wal = std::fs::read(dir.path().join("wirewatch.db-wal")).unwrap_or_default();
        let needle = secret.as_bytes();
        for bytes in [&raw, &wal] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        }
        let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(
            s.flowlogs_secret().unwrap().as_deref(),
            Some(secret.as_str())
        );
        assert_ne!(s.new_flowlogs_secret().unwrap(), secret);
    }
}
