//! The running configuration's `smtp` section: the mail relay alert e-mail
//! goes through (`wirewatch_alerts::run_live` follows it). The password is
//! write-only: a `PUT` sets it (a string), clears it (`null`) or keeps it
//! (left out); a `GET` shows only `password_set`. It is kept sealed with the
//! store's key (`Store::set_secret_setting`), never in the document.

use crate::error::ApiError;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::time::Duration;
use wirewatch_alerts::{SmtpConfig, SmtpSecurity};

/// A password held in memory: its `Debug` form is redacted, so a settings
/// struct logged with `{:?}` shows none.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub(crate) String);

impl std::ops::Deref for Password {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP (a relay on the same host or network); default port 25.
    None,
    /// STARTTLS, required; default port 587.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS); default port 465.
    Tls,
}

impl Security {
    fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::Starttls => 587,
            Security::Tls => 465,
        }
    }
}

/// Longest wait for the SMTP server on one message.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest host name, user name and password taken.
const MAX_HOST: usize = 253;
const MAX_USERNAME: usize = 256;
const MAX_PASSWORD: usize = 1024;

/// The SMTP server alert e-mail goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpSection {
    /// The SMTP server's host name or IP address; `null`: no alert e-mail
    /// is sent (alerts still fire).
    pub host: Option<String>,
    /// Its port; `null`: by `security` (25, 587 or 465).
    #[serde(default)]
    pub port: Option<u16>,
    /// `none` (plain), `starttls` (required) or `tls` (from the first byte);
    /// the server's certificate is checked against the Mozilla roots.
    #[serde(default)]
    pub security: Security,
    /// The sender of alert e-mail (`From`).
    pub from: String,
    /// The user name for SMTP AUTH (`null`: no AUTH); needs a password.
    #[serde(default)]
    pub username: Option<String>,
    /// The password for SMTP AUTH: write-only. A string sets it, `null`
    /// clears it, leaving it out keeps the one set.
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "present",
        rename = "password"
    )]
    #[schemars(with = "Option<String>")]
    pub password: Option<Option<String>>,
    /// Whether a password is set (read-only: ignored in a `PUT`).
    #[serde(default)]
    pub password_set: bool,
}

/// A field given (`Some`), as `null` or a value, versus left out (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Default for SmtpSection {
    fn default() -> Self {
        SmtpSection {
            host: None,
            port: None,
            security: Security::Starttls,
            from: "wirewatch@localhost".into(),
            username: None,
            password: None,
            password_set: false,
        }
    }
}

impl SmtpSection {
    /// The section that describes a configuration given by the flags.
    pub fn from_config(c: &SmtpConfig) -> SmtpSection {
        let security = match c.security {
            SmtpSecurity::None => Security::None,
            SmtpSecurity::StartTls => Security::Starttls,
            SmtpSecurity::Tls => Security::Tls,
        };
        SmtpSection {
            host: Some(c.host.clone()),
            port: (c.port != security.default_port()).then_some(c.port),
            security,
            from: c.from.clone(),
            username: c.credentials.as_ref().map(|(u, _)| u.clone()),
            password: None,
            password_set: c.credentials.is_some(),
        }
    }

    /// The notifier's configuration (`None`: no host, no e-mail).
    pub fn config(&self, password: Option<&str>) -> Option<SmtpConfig> {
        let host = self.host.clone()?;
        Some(SmtpConfig {
            host,
            port: self.port.unwrap_or(self.security.default_port()),
            from: self.from.clone(),
            security: match self.security {
                Security::None => SmtpSecurity::None,
                Security::Starttls => SmtpSecurity::StartTls,
                Security::Tls => SmtpSecurity::Tls,
            },
            credentials: self.username.clone().zip(password.map(str::to_string)),
            timeout: SMTP_TIMEOUT,
        })
    }
}

/// Check the section; `current_password`: the password set now (kept when
/// the section leaves `password` out). Returns the section as it will run
/// (`password_set` true when one will be set) and the password to use.
pub fn check(
    mut s: SmtpSection,
    current_password: Option<&str>,
) -> Result<(SmtpSection, Option<Password>), ApiError> {
    if let Some(h) = &s.host {
        let h = h.trim();
        if h.is_empty() {
            return Err(ApiError::invalid(
                "/smtp/host",
                "must not be empty (null: no alert e-mail)",
            ));
        }
        if h.len() > MAX_HOST {
            return Err(ApiError::invalid(
                "/smtp/host",
                format!("is longer than {MAX_HOST} characters"),
            ));
        }
        let bare = h.trim_start_matches('[').trim_end_matches(']');
        if !bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        {
            return Err(ApiError::invalid(
                "/smtp/host",
                "must be a host name or an IP address (letters, digits, '.', '-', ':')",
            ));
        }
        s.host = Some(h.to_string());
    }
    if s.port == Some(0) {
        return Err(ApiError::invalid("/smtp/port", "must be in 1-65535"));
    }
    if let Err(e) = wirewatch_alerts::notify::check_sender(&s.from) {
        return Err(ApiError::invalid("/smtp/from", e));
    }
    if let Some(u) = &s.username {
        if u.is_empty() || u.len() > MAX_USERNAME || u.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "/smtp/username",
                format!("must be 1-{MAX_USERNAME} characters without control characters (null: no SMTP AUTH)"),
            ));
        }
    }
    let password = match s.password.take() {
        None => current_password.map(str::to_string),
        Some(None) => None,
        Some(Some(p)) => {
            if p.is_empty() || p.len() > MAX_PASSWORD {
                return Err(ApiError::invalid(
                    "/smtp/password",
                    format!("must be 1-{MAX_PASSWORD} characters (null clears it)"),
                ));
            }
            Some(p)
        }
    };
    match (&s.username, &password) {
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "/smtp/password",
                "is required with a username (none is set)",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "/smtp/username",
                "is required with a password (null the password to turn SMTP AUTH off)",
            ))
        }
        _ => {}
    }
    if let Some(c) = s.config(password.as_deref()) {
        c.check()
            .map_err(|e| ApiError::invalid("/smtp", e.to_string()))?;
    }
    s.password_set = password.is_some();
    Ok((s, password.map(Password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(v: serde_json::Value) -> SmtpSection {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_password_is_set_cleared_or_kept_and_never_written() {
        let s = section(
            serde_json::json!({"host": "mail.example.com", "from": "a@example.com",
            "username": "u", "password": "p1"}),
        );
        let (out, pw) = check(s, None).unwrap();
        assert_eq!(pw.as_deref(), Some("p1"));
        assert_eq!(format!("{pw:?}"), "Some(Password(…))");
        assert!(out.password_set);
        let text = serde_json::to_string(&out).unwrap();
        assert!(!text.contains("p1"), "{text}");
        // Left out: kept.
        let (_, pw) = check(out.clone(), Some("p0")).unwrap();
        assert_eq!(pw.as_deref(), Some("p0"));
        // null: cleared, which needs the username gone too.
        let s = section(
            serde_json::json!({"host": "mail.example.com", "from": "a@example.com",
            "username": "u", "password": null}),
        );
        let e = check(s, Some("p0")).unwrap_err();
        assert_eq!(e.0.field.as_deref(), Some("/smtp/password"));
        let s = section(
            serde_json::json!({"host": "mail.example.com", "from": "a@example.com",
            "password": null}),
        );
        let (out, pw) = check(s, Some("p0")).unwrap();
        assert_eq!((out.password_set, pw), (false, None));
    }

    #[test]
    fn bad_values_are_named() {
        for (v, field) in [
            (
                serde_json::json!({"host": "", "from": "a@example.com"}),
                "/smtp/host",
            ),
            (
                serde_json::json!({"host": "a b", "from": "a@example.com"}),
                "/smtp/host",
            ),
            (
                serde_json::json!({"host": "h", "port": 0, "from": "a@example.com"}),
                "/smtp/port",
            ),
            (
                serde_json::json!({"host": "h", "from": "not an address"}),
                "/smtp/from",
            ),
            (
                serde_json::json!({"host": "h", "from": "a@example.com", "password": "p"}),
                "/smtp/username",
            ),
        ] {
            let e = check(section(v.clone()), None).unwrap_err();
            assert_eq!(e.0.field.as_deref(), Some(field), "{v}");
        }
    }
}
