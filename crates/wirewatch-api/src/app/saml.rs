//! SAML 2.0 login into the web app (not part of the ExtraHop API):
//!
//! - `GET /saml/providers`: the enabled identity providers (id, name, login
//!   URL), for the login page's buttons;
//! - `GET /saml/login?idp=ID[&next=/app…]`: SP-initiated login, a redirect
//!   to the IdP with an `AuthnRequest` (HTTP-Redirect binding), remembered
//!   for the Response's `InResponseTo` ([`crate::saml::authn::Requests`]);
//! - `POST /saml/acs`: the assertion consumer service (HTTP-POST binding),
//!   where the IdP posts `SAMLResponse`: checked by
//!   [`crate::saml::response::verify`], replay-protected in the store, the
//!   attributes mapped to privileges by the IdP's mappings
//!   ([`wirewatch_model::idp::IdpPrivileges::resolve`]), the remote user
//!   created or updated, and a web-app session opened as `/app/login` does.
//!
//! Unsolicited (IdP-initiated) Responses are accepted, as ExtraHop accepts
//! them: one without `InResponseTo` is matched to an enabled IdP by its
//! Issuer; its assertion ID is replay-protected like any other. A Response
//! with an `InResponseTo` must answer a request this sensor sent and still
//! waits for (10 minutes).
//!
//! The ACS is unauthenticated: its body is at most [`MAX_FORM`] bytes, and
//! it goes through the login throttle (two checks in flight per source; a
//! source that posts 10 refused Responses in 15 minutes waits 5 minutes).

use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::saml::authn;
use crate::saml::response::{self, Expected, Refused};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wirewatch_model::idp::IdentityProvider;
use wirewatch_model::user::{NewUser, Roles, UserPatch, UserType};

/// Largest body `POST /saml/acs` reads (a `SAMLResponse` of
/// [`response::MAX_RESPONSE`] bytes, base64 and URL-encoded).
pub const MAX_FORM: usize = 1024 * 1024;

/// One enabled identity provider, for the login page.
#[derive(Debug, Serialize)]
pub struct Provider {
    pub id: u64,
    pub name: String,
    /// Where the login starts.
    pub login_url: String,
}

/// `GET /saml/providers`.
pub async fn providers(State(s): State<AppState>) -> ApiResult<Response> {
    let list: Vec<Provider> = s
        .store
        .identity_providers()?
        .into_iter()
        .filter(|p| p.enabled)
        .map(|p| Provider {
            login_url: format!("/saml/login?idp={}", p.id),
            id: p.id,
            name: p.name,
        })
        .collect();
    let mut r = axum::Json(list).into_response();
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    idp: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// A path of the app to go to after login (no open redirect): `/app`
/// unless `next` is a path under `/app` of at most 200 characters.
fn app_path(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.len() <= 200
                && (n == "/app" || n.starts_with("/app#") || n.starts_with("/app?"))
                && !n.contains(['\\', '\r', '\n', '"', '<', '>']) =>
        {
            n.to_string()
        }
        _ => "/app".to_string(),
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /saml/login?idp=ID`: to the IdP with an AuthnRequest.
pub async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let html = wants_html(&headers);
    let raw = q.idp.unwrap_or_default();
    let id = match crate::extract::parse_id("idp", &raw) {
        Ok(id) => id,
        Err(e) => return refusal(html, e),
    };
    let idp = match s.store.identity_provider(id) {
        Ok(Some(p)) => p,
        Ok(None) => return refusal(html, ApiError::not_found(format!("identity provider {id}"))),
        Err(e) => return refusal(html, e.into()),
    };
    if !idp.enabled {
        return refusal(
            html,
            ApiError::forbidden(format!("the identity provider {:?} is disabled", idp.name)),
        );
    }
    let (entity_id, acs_url) = crate::saml::sp_urls(&s.config.public_url);
    let next = app_path(q.next.as_deref());
    let req = match authn::authn_request(
        &idp.sso_url,
        &entity_id,
        &acs_url,
        &next,
        wirewatch_model::now_ms(),
    ) {
        Ok(r) => r,
        Err(m) => return refusal(html, ApiError::invalid("sso_url", m)),
    };
    if !s.saml_requests.insert(req.id.clone(), idp.id, next, ip) {
        let mut r = refusal(
            html,
            ApiError(wirewatch_model::Error::new(
                wirewatch_model::Code::TooManyRequests,
                "too many SAML logins started from this address; finish one or wait 10 minutes",
            )),
        );
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return r;
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(&req.redirect_url) {
        Ok(v) => {
            r.headers_mut().insert(LOCATION, v);
        }
        Err(_) => return refusal(html, ApiError::invalid("sso_url", "is not a valid URL")),
    }
    no_store(r)
}

/// Whether the caller is a browser (HTML answers) rather than a client
/// asking for JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("text/html") || !accept.contains("json")
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A small page (the app's style sheet; no script).
fn page(status: StatusCode, title: &str, body: &str, refresh_to: Option<&str>) -> Response {
    let refresh = refresh_to
        .map(|to| {
            format!(
                r#"<meta http-equiv="refresh" content="0;url={}">"#,
                escape(to)
            )
        })
        .unwrap_or_default();
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wirewatch: {title}</title>{refresh}
<link rel="stylesheet" href="/app/assets/app.css"></head>
<body><main><div class="login-wrap"><div class="login saml-result"><h1>wirewatch</h1><h2>{title}</h2>{body}</div></div></main></body></html>
"#,
        title = escape(title),
    );
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    no_store(r)
}

/// An error as the caller wants it: the API's JSON, or a page saying why.
fn refusal(html: bool, e: ApiError) -> Response {
    if !html {
        return no_store(e.into_response());
    }
    let status =
        StatusCode::from_u16(e.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = if status.is_server_error() {
        "the sensor could not complete the login; see its log".to_string()
    } else {
        e.0.message.clone()
    };
    page(
        status,
        "Login refused",
        &format!(
            r#"<p class="error" role="alert">{}</p><p><a href="/app">Back to the login page</a></p>"#,
            escape(&message)
        ),
        None,
    )
}

/// The form `POST /saml/acs` reads.
#[derive(Debug, Default)]
struct AcsForm {
    saml_response: Option<String>,
    relay_state: Option<String>,
}

fn parse_form(body: &[u8]) -> AcsForm {
    let mut f = AcsForm::default();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "SAMLResponse" => f.saml_response = Some(v.into_owned()),
            "RelayState" => f.relay_state = Some(v.into_owned()),
            _ => {}
        }
    }
    f
}

/// The throttle's key for the ACS: per source (no username is known yet,
/// and one must not lock every SAML user out).
fn throttle_key(ip: Option<std::net::IpAddr>) -> String {
    match ip {
        Some(ip) => format!("\u{0}saml-acs {ip}"),
        None => "\u{0}saml-acs".into(),
    }
}

/// Any privilege at all (a module's `none` is none).
fn has_privilege(r: &Roles) -> bool {
    use wirewatch_model::user::ModuleRole;
    r.system.is_some()
        || r.write.is_some()
        || r.metrics.is_some()
        || r.ndr == Some(ModuleRole::Full)
        || r.npm == Some(ModuleRole::Full)
        || r.packets.is_some()
}

/// `POST /saml/acs`.
pub async fn acs(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let html = wants_html(&headers);
    let key = throttle_key(ip);
    let attempt = match s.logins.begin(ip, &key) {
        Ok(a) => a,
        Err(crate::throttle::Refusal::Locked(wait)) => {
            return refusal_429(
                html,
                wait,
                "too many refused SAML logins from this address; retry later",
            )
        }
        Err(crate::throttle::Refusal::Busy) => {
            return refusal_429(
                html,
                std::time::Duration::from_secs(1),
                "too many SAML logins from this address at once",
            )
        }
    };
    let outcome = consume(&s, ip, body).await;
    drop(attempt);
    match outcome {
        Ok(done) => {
            s.logins.succeeded(ip, &key);
            done
        }
        Err(Failure::Refused(idp, why)) => {
            s.logins.failed(ip, &key);
            tracing::warn!(source = ?ip, idp = ?idp, reason = %why.0, "SAML login refused");
            refusal(
                html,
                ApiError::forbidden(format!("SAML login refused: {}", why.0)),
            )
        }
        Err(Failure::Policy(e)) => {
            tracing::warn!(source = ?ip, reason = %e.0.message, "SAML login refused");
            refusal(html, e)
        }
    }
}

fn refusal_429(html: bool, wait: std::time::Duration, message: &str) -> Response {
    let mut r = refusal(
        html,
        ApiError(wirewatch_model::Error::new(
            wirewatch_model::Code::TooManyRequests,
            message,
        )),
    );
    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    r.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    );
    r
}

/// Why the ACS refused.
enum Failure {
    /// The Response is not acceptable (counted by the throttle).
    Refused(Option<u64>, Refused),
    /// A valid Response that this sensor refuses (bad form, no privilege,
    /// user disabled…), or a store error.
    Policy(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Policy(e)
    }
}

impl From<wirewatch_store::StoreError> for Failure {
    fn from(e: wirewatch_store::StoreError) -> Self {
        Failure::Policy(e.into())
    }
}

fn refuse<T>(idp: Option<u64>, m: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Refused(idp, Refused(m.into())))
}

async fn consume(
    s: &AppState,
    ip: Option<std::net::IpAddr>,
    body: Body,
) -> Result<Response, Failure> {
    let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| {
        ApiError(wirewatch_model::Error::new(
            wirewatch_model::Code::PayloadTooLarge,
            format!("the form is larger than {MAX_FORM} bytes"),
        ))
    })?;
    let form = parse_form(&bytes);
    let b64 = form.saml_response.ok_or_else(|| {
        ApiError::invalid(
            "SAMLResponse",
            "is required (the IdP's Response, HTTP-POST binding)",
        )
    })?;
    let relay_state = form.relay_state;
    if relay_state.as_ref().is_some_and(|r| r.len() > 1024) {
        return Err(ApiError::invalid("RelayState", "at most 1024 bytes").into());
    }
    let xml = response::decode(&b64).map_err(|e| Failure::Refused(None, e))?;
    let env = response::screen(&xml).map_err(|e| Failure::Refused(None, e))?;

    // Which IdP, and which request this answers.
    let (idp, pending) = match &env.in_response_to {
        Some(irt) => {
            let Some(p) = s.saml_requests.get(irt) else {
                return refuse(
                    None,
                    "the Response answers a login request this sensor does not know or that expired (InResponseTo); start the login again",
                );
            };
            let Some(idp) = s.store.identity_provider(p.idp)? else {
                return refuse(None, "the identity provider of this login was deleted");
            };
            (idp, Some((irt.clone(), p)))
        }
        None => {
            let issuer = env.issuer.clone().unwrap_or_default();
            let all = s.store.identity_providers()?;
            let mut matching = all.iter().filter(|p| p.entity_id == issuer);
            let Some(idp) = matching
                .clone()
                .find(|p| p.enabled)
                .or_else(|| matching.next())
                .cloned()
            else {
                return refuse(
                    None,
                    format!(
                        "no identity provider has the entity ID {issuer:?} (the Response's Issuer)"
                    ),
                );
            };
            (idp, None)
        }
    };
    if !idp.enabled {
        return Err(ApiError::forbidden(format!(
            "the identity provider {:?} is disabled",
            idp.name
        ))
        .into());
    }
    let verified = verify(s, &idp, xml, pending.as_ref().map(|(irt, _)| irt.clone())).await?;
    if let Some((irt, _)) = &pending {
        s.saml_requests.remove(irt);
    }
    let store = s.store.clone();
    let (idp_id, aid, until) = (
        idp.id,
        verified.assertion_id.clone(),
        verified.valid_until_ms,
    );
    let fresh = crate::routes::blocking(move || store.use_saml_assertion(idp_id, &aid, until))
        .await
        .map_err(Failure::Policy)?;
    if !fresh {
        return refuse(Some(idp.id), "this assertion was used before (a replay)");
    }

    // Privileges and the remote user.
    let mappings = s
        .store
        .identity_provider_privileges(idp.id)?
        .unwrap_or_default();
    let roles = mappings.resolve(&verified.attributes);
    if !has_privilege(&roles) {
        return Err(ApiError::forbidden(format!(
            "{:?} has no privilege on this sensor: none of the attributes the identity provider {:?} sent maps to one (see its privilege mappings, /api/v1/auth/identityproviders/{}/privileges)",
            verified.name_id, idp.name, idp.id
        ))
        .into());
    }
    let user = remote_user(s, &idp, &verified.name_id, roles)?;
    let session = s.store.create_session(user.id, s.sessions.limits)?;
    let auth = wirewatch_store::AuthUser {
        id: user.id,
        username: user.username.clone(),
        roles: user.effective_roles.clone(),
    };
    crate::routes::audit(
        s,
        &crate::auth::Caller(auth),
        "log in",
        "app",
        serde_json::json!({"username": user.username, "method": "saml",
                           "identity_provider": {"id": idp.id, "name": idp.name},
                           "roles": user.granted_roles}),
    );
    tracing::info!(username = %user.username, idp = idp.id, source = ?ip, "SAML login");
    let next = match &pending {
        Some((_, p)) => p.next.clone(),
        // IdP-initiated: the RelayState the IdP was configured with, if it
        // is a path of the app.
        None => app_path(relay_state.as_deref()),
    };
    let cookie = s
        .sessions
        .set_cookie(&session.token, s.sessions.limits.absolute_ms / 1000);
    // A page that moves on to the app: the cookie is SameSite=Strict, and a
    // redirect answering the IdP's cross-site POST would load the app
    // without it; the page's own navigation is same-site.
    let mut r = page(
        StatusCode::OK,
        "Logged in",
        &format!(
            r#"<p>Logged in as {} through {}.</p><p><a href="{}">Continue to the app</a></p>"#,
            escape(&user.username),
            escape(&idp.name),
            escape(&next)
        ),
        Some(&next),
    );
    r.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie)
            .map_err(|e| ApiError(wirewatch_model::Error::internal(e.to_string())))?,
    );
    Ok(r)
}

/// Check the Response on the blocking pool (XML parsing and signature
/// verification are CPU work).
async fn verify(
    s: &AppState,
    idp: &IdentityProvider,
    xml: String,
    in_response_to: Option<String>,
) -> Result<response::Verified, Failure> {
    let (sp_entity_id, acs_url) = crate::saml::sp_urls(&s.config.public_url);
    let (idp_entity_id, cert, id) = (
        idp.entity_id.clone(),
        idp.signing_certificate.clone(),
        idp.id,
    );
    tokio::task::spawn_blocking(move || {
        response::verify(
            &xml,
            &Expected {
                idp_entity_id: &idp_entity_id,
                certificate_pem: &cert,
                sp_entity_id: &sp_entity_id,
                acs_url: &acs_url,
                in_response_to: in_response_to.as_deref(),
                now_ms: wirewatch_model::now_ms(),
            },
        )
    })
    .await
    .map_err(|e| Failure::Policy(ApiError(wirewatch_model::Error::internal(e.to_string()))))?
    .map_err(|e| Failure::Refused(Some(id), e))
}

/// The remote user a login is for: created when unknown (if the IdP
/// provisions users), its granted roles replaced by the asserted ones.
fn remote_user(
    s: &AppState,
    idp: &IdentityProvider,
    name_id: &str,
    roles: Roles,
) -> Result<wirewatch_model::user::User, Failure> {
    wirewatch_model::user::validate_username(name_id).map_err(|e| {
        ApiError::forbidden(format!(
            "the NameID {name_id:?} cannot be a username here: {}",
            e.message
        ))
    })?;
    match s.store.user(name_id)? {
        Some(u) if u.kind == UserType::Local => Err(ApiError::forbidden(format!(
            "{name_id:?} is a local user of this sensor: it logs in with its password, not through an identity provider"
        ))
        .into()),
        Some(u) if !u.enabled => {
            Err(ApiError::forbidden(format!("the user {name_id:?} is disabled")).into())
        }
        Some(_) => Ok(s
            .store
            .update_user(
                name_id,
                UserPatch {
                    granted_roles: Some(roles),
                    ..Default::default()
                },
            )?
            .ok_or_else(|| ApiError::not_found(format!("user {name_id}")))?),
        None if !idp.auto_provision_users => Err(ApiError::forbidden(format!(
            "{name_id:?} is not a user of this sensor, and the identity provider {:?} does not create users (auto_provision_users is false)",
            idp.name
        ))
        .into()),
        None => Ok(s.store.create_user(NewUser {
            username: name_id.to_string(),
            name: None,
            password: None,
            enabled: Some(true),
            granted_roles: roles,
            kind: Some(UserType::Remote),
            create_apikey: None,
        })?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_app_paths_are_gone_to_after_login() {
        assert_eq!(app_path(Some("/app#/detections")), "/app#/detections");
        for bad in [
            "https://evil.example/",
            "//evil.example/app",
            "/apps",
            "/app/../x",
            "/application",
            "/app#\"><script>",
        ] {
            assert_eq!(app_path(Some(bad)), "/app", "{bad}");
        }
        assert_eq!(app_path(None), "/app");
    }

    #[test]
    fn the_form_is_url_encoded() {
        let f = parse_form(b"SAMLResponse=PGEv%2BPg%3D%3D&RelayState=%2Fapp&x=1");
        assert_eq!(f.saml_response.as_deref(), Some("PGEv+Pg=="));
        assert_eq!(f.relay_state.as_deref(), Some("/app"));
    }
}
