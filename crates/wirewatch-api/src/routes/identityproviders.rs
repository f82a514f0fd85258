//! `/auth/identityproviders` (SAML IdPs: given by fields or by their
//! metadata, the signing certificate checked as X.509) with their
//! attribute → privilege mappings, and `/auth/samlsp` (this sensor's SAML
//! service provider metadata). The login itself is in `crate::app::saml`.
//! All need `system: full`.

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json, Query};
use crate::guard::{Api, Guard, System};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wirewatch_model::idp::{IdentityProvider, IdpInput, IdpMetadata, IdpPrivileges, MAX_METADATA};

pub fn routes() -> Api {
    Api::new()
        .get("/auth/identityproviders", list)
        .post("/auth/identityproviders", create)
        .get("/auth/identityproviders/{id}", one)
        .patch("/auth/identityproviders/{id}", update)
        .delete("/auth/identityproviders/{id}", remove)
        .get("/auth/identityproviders/{id}/privileges", privileges)
        .patch("/auth/identityproviders/{id}/privileges", patch_privileges)
        .get("/auth/samlsp", samlsp)
}

fn provider(s: &AppState, raw: &str) -> ApiResult<IdentityProvider> {
    let id = parse_id("id", raw)?;
    s.store
        .identity_provider(id)?
        .ok_or_else(|| ApiError::not_found(format!("identity provider {id}")))
}

/// The IdP metadata an input gives: its `metadata_xml`, or the document at
/// its `metadata_url` (fetched once, at most `MAX_METADATA` bytes, within
/// the limits of `crate::outbound` and the running configuration's
/// `access.metadata_fetch`).
async fn metadata(s: &AppState, input: &IdpInput) -> ApiResult<Option<IdpMetadata>> {
    let (field, xml) = match (&input.metadata_xml, &input.metadata_url) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "metadata_url",
                "give the metadata either as metadata_xml or as metadata_url, not both",
            ))
        }
        (Some(x), None) => ("metadata_xml", x.clone()),
        (None, Some(u)) => (
            "metadata_url",
            crate::outbound::fetch(
                u,
                s.settings.metadata_fetch(),
                MAX_METADATA as u64,
                "metadata_url",
            )
            .await?,
        ),
        (None, None) => return Ok(None),
    };
    crate::saml::parse_idp_metadata(&xml)
        .map(Some)
        .map_err(|m| ApiError::invalid(field, m))
}

/// Apply an input and check the signing certificate.
async fn apply(s: &AppState, b: IdpInput, p: &mut IdentityProvider, create: bool) -> ApiResult<()> {
    if b.signing_certificate
        .as_ref()
        .is_some_and(|c| c.len() > MAX_METADATA)
        || b.metadata_xml
            .as_ref()
            .is_some_and(|c| c.len() > MAX_METADATA)
    {
        return Err(ApiError::invalid(
            "signing_certificate",
            format!("larger than {MAX_METADATA} bytes"),
        ));
    }
    let md = metadata(s, &b).await?;
    let cert_given = b.signing_certificate.is_some();
    b.apply(p, md, create)?;
    crate::certs::check_certificate(&p.signing_certificate).map_err(|m| {
        ApiError::invalid(
            if cert_given {
                "signing_certificate"
            } else {
                "metadata_xml"
            },
            format!("the signing certificate {m}"),
        )
    })?;
    Ok(())
}

async fn list(
    _: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<IdentityProvider>>> {
    Ok(axum::Json(s.store.identity_providers()?))
}

async fn one(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<IdentityProvider>> {
    Ok(axum::Json(provider(&s, &raw)?))
}

fn audited(p: &IdentityProvider) -> serde_json::Value {
    json!({"id": p.id, "name": p.name, "enabled": p.enabled, "entity_id": p.entity_id,
           "sso_url": p.sso_url, "auto_provision_users": p.auto_provision_users})
}

/// 201 with an empty body and the provider's `Location`.
async fn create(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(b): Json<IdpInput>,
) -> ApiResult<Response> {
    let mut p = IdentityProvider {
        id: 0,
        name: String::new(),
        kind: "saml".into(),
        enabled: false,
        auto_provision_users: false,
        entity_id: String::new(),
        sso_url: String::new(),
        signing_certificate: String::new(),
        metadata_url: None,
    };
    apply(&s, b, &mut p, true).await?;
    let p = s.store.save_identity_provider(p)?;
    audit(
        &s,
        &caller,
        "create identity provider",
        "identityproviders",
        audited(&p),
    );
    Ok(super::created_at(format!(
        "/api/v1/auth/identityproviders/{}",
        p.id
    )))
}

async fn update(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<IdpInput>, ApiError>,
) -> ApiResult<StatusCode> {
    let mut p = provider(&s, &raw)?;
    let Json(b) = b?;
    apply(&s, b, &mut p, false).await?;
    let p = s.store.save_identity_provider(p)?;
    audit(
        &s,
        &caller,
        "update identity provider",
        "identityproviders",
        audited(&p),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let p = provider(&s, &raw)?;
    s.store.delete_identity_provider(p.id)?;
    audit(
        &s,
        &caller,
        "delete identity provider",
        "identityproviders",
        json!({"id": p.id, "name": p.name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn privileges(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<IdpPrivileges>> {
    let p = provider(&s, &raw)?;
    Ok(axum::Json(
        s.store
            .identity_provider_privileges(p.id)?
            .unwrap_or_default(),
    ))
}

async fn patch_privileges(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<IdpPrivileges>, ApiError>,
) -> ApiResult<StatusCode> {
    let p = provider(&s, &raw)?;
    let Json(b) = b?;
    let merged = s
        .store
        .identity_provider_privileges(p.id)?
        .unwrap_or_default()
        .merge(b)?;
    s.store.set_identity_provider_privileges(p.id, &merged)?;
    audit(
        &s,
        &caller,
        "update identity provider privileges",
        "identityproviders",
        json!({"id": p.id, "privileges": merged}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /auth/samlsp`.
#[derive(Debug, Default, Deserialize)]
pub struct SamlSpQuery {
    #[serde(default)]
    pub xml: Option<bool>,
}

/// `GET /auth/samlsp`: this sensor as a SAML 2.0 service provider.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SamlSp {
    /// The assertion consumer service URL (HTTP-POST binding).
    pub acs_url: String,
    /// The SP's entityID.
    pub entity_id: String,
    /// The SP metadata document (SAML 2.0 `EntityDescriptor`), with `xml=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xml: Option<String>,
}

async fn samlsp(
    _: Guard<System>,
    State(s): State<AppState>,
    Query(q): Query<SamlSpQuery>,
) -> axum::Json<SamlSp> {
    let (entity_id, acs_url) = crate::saml::sp_urls(&s.config.public_url);
    let xml = q
        .xml
        .unwrap_or(false)
        .then(|| crate::saml::sp_metadata(&entity_id, &acs_url));
    axum::Json(SamlSp {
        acs_url,
        entity_id,
        xml,
    })
}
