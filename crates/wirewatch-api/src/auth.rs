//! Authentication (`Authorization: ExtraHop apikey=KEY`, or the web app's
//! session cookie: `crate::app::session`) and the privilege
//! checks that the rules of `crate::guard` (declared with each route) and the
//! per-object checks of handlers are made of.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use wirewatch_model::user::Access;
use wirewatch_store::{AuthUser, Visibility};

/// The authenticated caller of a request. Taking it as a handler's first
/// argument is what makes a route require an API key.
#[derive(Debug, Clone)]
pub struct Caller(pub AuthUser);

/// The key from an `Authorization` header value, in the ExtraHop form
/// (`ExtraHop apikey=KEY`) or as a bearer token.
pub fn key_from_header(value: &str) -> Option<&str> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(char::is_whitespace)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("extrahop") {
        let (k, v) = rest.split_once('=')?;
        return (k.trim().eq_ignore_ascii_case("apikey") && !v.trim().is_empty()).then(|| v.trim());
    }
    // Bearer (Sonar) and ApiKey (Kibana's connectors API) carry the key as is.
    if (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("apikey"))
        && !rest.is_empty()
    {
        return Some(rest);
    }
    None
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            // The web app's session cookie stands in for the key (with its CSRF rule).
            if let Some(user) = crate::app::session::cookie_caller(parts, state)? {
                return Ok(Caller(user));
            }
            return Err(ApiError::unauthorized(
                "missing Authorization header; send \"Authorization: ExtraHop apikey=YOUR_KEY\"",
            ));
        };
        let value = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
        let key = key_from_header(value).ok_or_else(|| {
            ApiError::unauthorized(
                "malformed Authorization header; expected \"ExtraHop apikey=YOUR_KEY\"",
            )
        })?;
        state
            .store
            .authenticate(key)
            .map(Caller)
            .ok_or_else(|| ApiError::unauthorized("invalid API key"))
    }
}

impl Caller {
    pub fn username(&self) -> &str {
        &self.0.username
    }

    pub fn is_admin(&self) -> bool {
        self.0.roles.is_admin()
    }

    fn access(&self) -> Option<Access> {
        self.0.roles.access()
    }

    /// `system: full` only: administration.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this operation needs system and access administration privileges (\"system\": \"full\")"))
        }
    }

    /// At least the given system access level.
    pub fn require(&self, level: Access) -> Result<(), ApiError> {
        if self.access().is_some_and(|a| a >= level) {
            return Ok(());
        }
        let name = match level {
            Access::System => "\"system\": \"full\"",
            Access::WriteFull => "\"write\": \"full\"",
            Access::WriteLimited => "\"write\": \"limited\" or higher",
            Access::WritePersonal => "\"write\": \"personal\" or higher",
            Access::MetricsFull => "\"metrics\": \"full\" or higher",
            Access::MetricsRestricted => "any system access",
        };
        Err(ApiError::forbidden(format!(
            "this operation needs {name} privileges"
        )))
    }

    /// The detection modules the caller holds (the rule: [`wirewatch_model::access`]).
    pub fn modules(&self) -> Visibility {
        Visibility::of(&self.0.roles)
    }

    /// Whether the caller's modules see a tuning rule of `detection_type`.
    pub fn sees_rule(&self, s: &AppState, detection_type: &str) -> Result<bool, ApiError> {
        let format = s.store.format(detection_type, false)?;
        Ok(self.modules().sees_rule(
            detection_type,
            format.as_ref().map(|f| f.categories.as_slice()),
        ))
    }

    /// Which detections the caller may see; 403 with neither module.
    pub fn detections(&self) -> Result<Visibility, ApiError> {
        let v = self.modules();
        if !v.any() {
            return Err(ApiError::forbidden(
                "viewing detections needs NDR (\"ndr\": \"full\") or NPM (\"npm\": \"full\") module access",
            ));
        }
        Ok(v)
    }

    /// Packet access (`packets`): what level, or 403 without one.
    pub fn require_packets(&self) -> Result<wirewatch_model::user::PacketsRole, ApiError> {
        self.0.roles.packets.ok_or_else(|| {
            ApiError::forbidden(
                "this operation needs packet access (\"packets\": \"full\", \"full_with_keys\" or \"slices_only\")",
            )
        })
    }

    /// Whether the caller holds the NDR module (without failing).
    pub fn has_ndr(&self) -> bool {
        self.0.roles.ndr()
    }

    /// Security-module access (investigations, tuning rules).
    pub fn require_ndr(&self) -> Result<(), ApiError> {
        if self.0.roles.ndr() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "this operation needs NDR module access (\"ndr\": \"full\")",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_from_header;

    #[test]
    fn header_forms() {
        assert_eq!(key_from_header("ExtraHop apikey=abc"), Some("abc"));
        assert_eq!(key_from_header("extrahop  apikey = abc "), Some("abc"));
        assert_eq!(key_from_header("Bearer abc"), Some("abc"));
        assert_eq!(key_from_header("ExtraHop apikey="), None);
        assert_eq!(key_from_header("Basic Zm9v"), None);
        assert_eq!(key_from_header("ExtraHop"), None);
    }
}
