//! Identity providers (`/auth/identityproviders`): SAML 2.0 IdPs and how the
//! attributes of their assertions map to privileges: [`IdpPrivileges::resolve`]
//! is the mapping a SAML login applies.

use crate::user::{MetricsRole, ModuleRole, PacketsRole, Roles, SystemRole, WriteRole};
use crate::Error;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most identity providers the store keeps.
pub const MAX_PROVIDERS: usize = 100;
/// Largest signing certificate (PEM) or metadata document accepted.
pub const MAX_METADATA: usize = 256 * 1024;

/// An identity provider, as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = IdentityProvider::example())]
pub struct IdentityProvider {
    /// The provider's id.
    pub id: u64,
    /// The provider's name.
    pub name: String,
    /// The type of identity provider: `saml`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether users may authenticate through the provider.
    pub enabled: bool,
    /// Whether a user unknown here is created at their first login.
    pub auto_provision_users: bool,
    /// The IdP's SAML 2.0 entityID.
    pub entity_id: String,
    /// The IdP's SAML 2.0 Single Sign-On URL.
    pub sso_url: String,
    /// The IdP's X.509 signing certificate, PEM.
    pub signing_certificate: String,
    /// Where the IdP's metadata was read from, when it was given as a URL
    /// (wirewatch extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub metadata_url: Option<String>,
}

impl IdentityProvider {
    /// The example of the API's documentation.
    pub fn example() -> IdentityProvider {
        IdentityProvider {
            id: 1,
            name: "Okta".into(),
            kind: "saml".into(),
            enabled: true,
            auto_provision_users: true,
            entity_id: "http://www.okta.com/exk1abcd".into(),
            sso_url: "https://example.okta.com/app/exk1abcd/sso/saml".into(),
            signing_certificate: "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
                .into(),
            metadata_url: None,
        }
    }
}

/// Body of `POST /auth/identityproviders` and `PATCH …/{id}` (where every
/// field is optional). The IdP's `entity_id`, `sso_url` and
/// `signing_certificate` are given as fields, or read from its SAML
/// metadata (`metadata_xml`, or `metadata_url` to fetch); fields given
/// win over the metadata's.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = serde_json::json!({"name": "Okta", "type": "saml", "enabled": true, "auto_provision_users": true,
    "entity_id": "http://www.okta.com/exk1abcd", "sso_url": "https://example.okta.com/app/exk1abcd/sso/saml",
    "signing_certificate": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"}))]
pub struct IdpInput {
    /// The provider's name (1 to 128 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// `saml`, the only type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub auto_provision_users: Option<bool>,
    /// The IdP's SAML 2.0 entityID.
    #[serde(default)]
    pub entity_id: Option<String>,
    /// The IdP's SSO URL (`https://` or `http://`).
    #[serde(default)]
    pub sso_url: Option<String>,
    /// The IdP's signing certificate, PEM (checked: one X.509 certificate).
    #[serde(default)]
    pub signing_certificate: Option<String>,
    /// The IdP's SAML metadata document (wirewatch extension).
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub metadata_xml: Option<String>,
    /// A URL to fetch the IdP's metadata from, once, when the provider is
    /// saved (wirewatch extension).
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub metadata_url: Option<String>,
}

/// What an IdP's SAML metadata says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: Option<String>,
    pub sso_url: Option<String>,
    /// PEM.
    pub signing_certificate: Option<String>,
}

impl IdpInput {
    /// Apply the input to `p` (a new provider, or the stored one for a
    /// patch), with the metadata read from `metadata_xml`/`metadata_url`.
    /// The signing certificate's content is checked by the caller (which
    /// has the X.509 parser).
    pub fn apply(
        self,
        p: &mut IdentityProvider,
        metadata: Option<IdpMetadata>,
        create: bool,
    ) -> Result<(), Error> {
        if let Some(k) = &self.kind {
            if k != "saml" {
                return Err(Error::invalid("type", "must be \"saml\""));
            }
        } else if create {
            return Err(Error::invalid("type", "is required (\"saml\")"));
        }
        match self.name {
            Some(n) => {
                let n = n.trim().to_string();
                if n.is_empty() || n.chars().count() > 128 {
                    return Err(Error::invalid("name", "must be 1 to 128 characters"));
                }
                p.name = n;
            }
            None if create => return Err(Error::invalid("name", "is required")),
            None => {}
        }
        if let Some(e) = self.enabled {
            p.enabled = e;
        } else if create {
            return Err(Error::invalid("enabled", "is required"));
        }
        if let Some(a) = self.auto_provision_users {
            p.auto_provision_users = a;
        } else if create {
            return Err(Error::invalid("auto_provision_users", "is required"));
        }
        let md = metadata.unwrap_or_default();
        if self.metadata_url.is_some() {
            p.metadata_url = self.metadata_url;
        }
        if let Some(v) = self.entity_id.or(md.entity_id) {
            if v.trim().is_empty() || v.len() > 1024 {
                return Err(Error::invalid("entity_id", "must be 1 to 1024 characters"));
            }
            p.entity_id = v.trim().to_string();
        }
        if let Some(v) = self.sso_url.or(md.sso_url) {
            let ok = url::Url::parse(v.trim())
                .ok()
                .is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
            if !ok {
                return Err(Error::invalid(
                    "sso_url",
                    "must be an https:// (or http://) URL",
                ));
            }
            p.sso_url = v.trim().to_string();
        }
        if let Some(v) = self.signing_certificate.or(md.signing_certificate) {
            p.signing_certificate = v;
        }
        for (field, v) in [
            ("entity_id", &p.entity_id),
            ("sso_url", &p.sso_url),
            ("signing_certificate", &p.signing_certificate),
        ] {
            if v.is_empty() {
                return Err(Error::invalid(
                    field,
                    "is required (give it, or the IdP's metadata in metadata_xml or metadata_url)",
                ));
            }
        }
        Ok(())
    }
}

/// How one SAML attribute maps to the levels of one privilege: the
/// attribute's name, and for each level the attribute values that grant it
/// (the highest level matched wins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelMapping {
    /// The SAML attribute's name (e.g. `urn:extrahop:saml:2.0:writelevel`).
    pub attribute: String,
    /// Level → the attribute values that grant it.
    #[serde(default)]
    pub values: BTreeMap<String, Vec<String>>,
}

/// `GET`/`PATCH /auth/identityproviders/{id}/privileges`: one mapping per
/// privilege. Levels: `writelevel` `system`, `write_full`, `write_limited`,
/// `write_personal`, `metrics_full`, `metrics_restricted`, `none`;
/// `ndrlevel` and `npmlevel` `full`, `none`; `packetslevel` `full_with_keys`,
/// `full`, `slices_only`, `none`. `detectionsaccesslevel` is the deprecated
/// name of `ndrlevel` (accepted, answered as `ndrlevel` too).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = IdpPrivileges::example())]
pub struct IdpPrivileges {
    #[serde(default)]
    pub writelevel: Option<LevelMapping>,
    #[serde(default)]
    pub ndrlevel: Option<LevelMapping>,
    #[serde(default)]
    pub npmlevel: Option<LevelMapping>,
    #[serde(default)]
    pub packetslevel: Option<LevelMapping>,
    /// Deprecated: `ndrlevel`.
    #[serde(default)]
    pub detectionsaccesslevel: Option<LevelMapping>,
}

/// The levels of each privilege, lowest first.
const WRITE_LEVELS: &[&str] = &[
    "none",
    "metrics_restricted",
    "metrics_full",
    "write_personal",
    "write_limited",
    "write_full",
    "system",
];
const MODULE_LEVELS: &[&str] = &["none", "full"];
const PACKET_LEVELS: &[&str] = &["none", "slices_only", "full", "full_with_keys"];

impl IdpPrivileges {
    pub fn example() -> IdpPrivileges {
        let m = |attr: &str, level: &str, value: &str| LevelMapping {
            attribute: attr.into(),
            values: BTreeMap::from([(level.to_string(), vec![value.to_string()])]),
        };
        IdpPrivileges {
            writelevel: Some(m(
                "urn:extrahop:saml:2.0:writelevel",
                "write_full",
                "soc-admins",
            )),
            ndrlevel: Some(m("urn:extrahop:saml:2.0:ndrlevel", "full", "soc")),
            npmlevel: None,
            packetslevel: Some(m("urn:extrahop:saml:2.0:packetslevel", "full", "soc")),
            detectionsaccesslevel: None,
        }
    }

    /// Check the levels named; fold the deprecated field into `ndrlevel`.
    pub fn normalize(mut self) -> Result<IdpPrivileges, Error> {
        if let Some(d) = self.detectionsaccesslevel.take() {
            if self.ndrlevel.is_some() {
                return Err(Error::invalid(
                    "detectionsaccesslevel",
                    "is the deprecated name of ndrlevel; send only ndrlevel",
                ));
            }
            self.ndrlevel = Some(d);
        }
        for (field, m, levels) in [
            ("writelevel", &self.writelevel, WRITE_LEVELS),
            ("ndrlevel", &self.ndrlevel, MODULE_LEVELS),
            ("npmlevel", &self.npmlevel, MODULE_LEVELS),
            ("packetslevel", &self.packetslevel, PACKET_LEVELS),
        ] {
            let Some(m) = m else { continue };
            if m.attribute.trim().is_empty() || m.attribute.len() > 1024 {
                return Err(Error::invalid(
                    format!("{field}.attribute"),
                    "must be 1 to 1024 characters",
                ));
            }
            for (level, values) in &m.values {
                if !levels.contains(&level.as_str()) {
                    return Err(Error::invalid(
                        format!("{field}.values.{level}"),
                        format!("is not a level; use one of {}", levels.join(", ")),
                    ));
                }
                if values.len() > 100 || values.iter().any(|v| v.is_empty() || v.len() > 1024) {
                    return Err(Error::invalid(
                        format!("{field}.values.{level}"),
                        "must be at most 100 values of 1 to 1024 characters",
                    ));
                }
            }
        }
        Ok(self)
    }

    /// Apply a patch: the mappings it names replace the stored ones (`null`
    /// is not distinguished from absent: send `{"attribute": ..., "values":
    /// {}}` to map nothing).
    pub fn merge(mut self, patch: IdpPrivileges) -> Result<IdpPrivileges, Error> {
        let patch = patch.normalize()?;
        for (mine, theirs) in [
            (&mut self.writelevel, patch.writelevel),
            (&mut self.ndrlevel, patch.ndrlevel),
            (&mut self.npmlevel, patch.npmlevel),
            (&mut self.packetslevel, patch.packetslevel),
        ] {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        Ok(self)
    }

    /// The roles a user asserted with these attributes holds: for each
    /// privilege, the highest level one of the attribute's values grants.
    pub fn resolve(&self, attributes: &BTreeMap<String, Vec<String>>) -> Roles {
        fn level(
            m: &Option<LevelMapping>,
            levels: &[&str],
            attrs: &BTreeMap<String, Vec<String>>,
        ) -> Option<usize> {
            let m = m.as_ref()?;
            let got = attrs.get(&m.attribute)?;
            m.values
                .iter()
                .filter(|(_, vals)| vals.iter().any(|v| got.contains(v)))
                .filter_map(|(l, _)| levels.iter().position(|x| *x == l.as_str()))
                .max()
        }
        let mut r = Roles::default();
        match level(&self.writelevel, WRITE_LEVELS, attributes).map(|i| WRITE_LEVELS[i]) {
            Some("system") => r.system = Some(SystemRole::Full),
            Some("write_full") => r.write = Some(WriteRole::Full),
            Some("write_limited") => r.write = Some(WriteRole::Limited),
            Some("write_personal") => r.write = Some(WriteRole::Personal),
            Some("metrics_full") => r.metrics = Some(MetricsRole::Full),
            Some("metrics_restricted") => r.metrics = Some(MetricsRole::Restricted),
            _ => {}
        }
        let module = |m: &Option<LevelMapping>| match level(m, MODULE_LEVELS, attributes) {
            Some(1) => Some(ModuleRole::Full),
            Some(_) => Some(ModuleRole::None),
            None => None,
        };
        r.ndr = module(&self.ndrlevel);
        r.npm = module(&self.npmlevel);
        r.packets = match level(&self.packetslevel, PACKET_LEVELS, attributes) {
            Some(1) => Some(PacketsRole::SlicesOnly),
            Some(2) => Some(PacketsRole::Full),
            Some(3) => Some(PacketsRole::FullWithKeys),
            _ => None,
        };
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_resolve_to_the_highest_level_mapped() {
        let p: IdpPrivileges = serde_json::from_value(json!({
            "writelevel": {"attribute": "groups", "values": {"write_limited": ["analysts"], "write_full": ["leads"]}},
            "detectionsaccesslevel": {"attribute": "groups", "values": {"full": ["analysts", "leads"]}},
            "packetslevel": {"attribute": "pk", "values": {"slices_only": ["yes"]}}
        }))
        .unwrap();
        let p = p.normalize().unwrap();
        assert!(p.detectionsaccesslevel.is_none() && p.ndrlevel.is_some());
        let attrs = BTreeMap::from([
            (
                "groups".to_string(),
                vec!["analysts".into(), "leads".into()],
            ),
            ("pk".to_string(), vec!["yes".into()]),
        ]);
        let r = p.resolve(&attrs);
        assert_eq!(r.write, Some(WriteRole::Full));
        assert_eq!(r.ndr, Some(ModuleRole::Full));
        assert_eq!(r.packets, Some(PacketsRole::SlicesOnly));
        assert_eq!(p.resolve(&BTreeMap::new()), Roles::default());
    }

    #[test]
    fn unknown_levels_are_named() {
        let p: IdpPrivileges = serde_json::from_value(
            json!({"npmlevel": {"attribute": "a", "values": {"limited": ["x"]}}}),
        )
        .unwrap();
        let e = p.normalize().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("npmlevel.values.limited"));
    }
}
