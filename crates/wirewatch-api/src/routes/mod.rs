//! The route table of `/api/v1`, one module per resource.

/// The three handlers of an object's assignment links, shared by alerts and
/// triggers: `POST /X/{id}/LINK` (a body of `assign`/`unassign` ids), and
/// `POST`/`DELETE /X/{id}/LINK/{child}`. `$found` answers 404 for an unknown
/// object (checked first, whatever else is wrong), `$child` makes the one-id
/// assignment (checking that an assigned child exists), `$apply` stores the
/// change and audits it. All need `write: full`.
macro_rules! assignment_handlers {
    ($found:path, $child:path, $apply:path; $link:expr, $many:ident, $one:ident, $unone:ident) => {
        async fn $many(
            caller: $crate::guard::Guard<$crate::guard::WriteFull>,
            axum::extract::State(s): axum::extract::State<$crate::AppState>,
            axum::extract::Path(raw): axum::extract::Path<String>,
            b: Result<
                $crate::extract::Json<$crate::routes::alerts::Assignment>,
                $crate::error::ApiError,
            >,
        ) -> $crate::error::ApiResult<axum::http::StatusCode> {
            $found(&s, &raw)?;
            let $crate::extract::Json(b) = b?;
            $apply(&s, &caller, &raw, $link, b)
        }

        async fn $one(
            caller: $crate::guard::Guard<$crate::guard::WriteFull>,
            axum::extract::State(s): axum::extract::State<$crate::AppState>,
            axum::extract::Path((raw, c)): axum::extract::Path<(String, String)>,
        ) -> $crate::error::ApiResult<axum::http::StatusCode> {
            $found(&s, &raw)?;
            let b = $child(&s, $link, &c, true)?;
            $apply(&s, &caller, &raw, $link, b)
        }

        async fn $unone(
            caller: $crate::guard::Guard<$crate::guard::WriteFull>,
            axum::extract::State(s): axum::extract::State<$crate::AppState>,
            axum::extract::Path((raw, c)): axum::extract::Path<(String, String)>,
        ) -> $crate::error::ApiResult<axum::http::StatusCode> {
            $found(&s, &raw)?;
            let b = $child(&s, $link, &c, false)?;
            $apply(&s, &caller, &raw, $link, b)
        }
    };
}
pub(crate) use assignment_handlers;

pub mod actions;
pub mod activitymaps;
pub mod alerts;
pub mod apikeys;
pub mod auditlog;
pub mod capture;
pub mod customdevices;
pub mod detections;
pub mod devicegroups;
pub mod devices;
pub mod emailgroups;
pub mod explore;
pub mod extrahop;
pub mod formats;
pub mod identityproviders;
pub mod investigations;
pub mod jobs;
pub mod license;
pub mod localities;
pub mod metrics;
pub mod observations;
pub mod odstargets;
pub mod packets;
pub mod records;
pub mod rules;
pub mod runningconfig;
pub mod sonar;
pub mod ssldecryptkeys;
pub mod supportpacks;
pub mod system;
pub mod tags;
pub mod threatcollections;
pub mod triggers;
pub mod usergroups;
pub mod users;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::guard::Api;
use crate::AppState;
use axum::http::Uri;
use serde_json::Value;

/// The operations of `/api/v1` (paths relative to it).
pub fn v1() -> Api {
    Api::new()
        .merge(extrahop::routes())
        .merge(capture::routes())
        .merge(apikeys::routes())
        .merge(users::routes())
        .merge(usergroups::routes())
        .merge(identityproviders::routes())
        .merge(system::routes())
        .merge(detections::routes())
        .merge(devices::routes())
        .merge(devicegroups::routes())
        .merge(tags::routes())
        .merge(customdevices::routes())
        .merge(threatcollections::routes())
        .merge(packets::routes())
        .merge(formats::routes())
        .merge(rules::routes())
        .merge(investigations::routes())
        .merge(localities::routes())
        .merge(observations::routes())
        .merge(records::routes())
        .merge(metrics::routes())
        .merge(activitymaps::routes())
        .merge(auditlog::routes())
        .merge(odstargets::routes())
        .merge(triggers::routes())
        .merge(alerts::routes())
        .merge(emailgroups::routes())
        .merge(runningconfig::routes())
        .merge(jobs::routes())
        .merge(supportpacks::routes())
        .merge(license::routes())
        .merge(ssldecryptkeys::routes())
}

/// Every operation of the API, with its full path: `/api/v1`, the Sonar
/// tickets and the connectors.
pub fn all() -> Api {
    v1().prefixed("/api/v1")
        .merge(sonar::routes())
        .merge(actions::routes())
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError(wirewatch_model::Error::new(
        wirewatch_model::Code::NotFound,
        format!("no resource at {}; see /api/v1/explore/", uri.path()),
    ))
}

/// `GET /public.cer`: the server's TLS certificate (PEM), for clients to
/// trust a self-signed one (outside `/api/v1`, no API key, as the ExtraHop
/// guide fetches it).
pub async fn public_cer(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(path) = s.certificate.clone() else {
        return ApiError(wirewatch_model::Error::new(
            wirewatch_model::Code::NotFound,
            "this server serves plain HTTP (--no-tls): it has no certificate",
        ))
        .into_response();
    };
    let p2 = path.clone();
    let read = tokio::task::spawn_blocking(move || std::fs::read(p2)).await;
    match read.unwrap_or_else(|e| Err(std::io::Error::other(e.to_string()))) {
        Ok(pem) => (
            [
                (axum::http::header::CONTENT_TYPE, "application/x-pem-file"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"public.cer\"",
                ),
            ],
            pem,
        )
            .into_response(),
        Err(e) => ApiError(wirewatch_model::Error::internal(format!(
            "reading the certificate {}: {e}",
            path.display()
        )))
        .into_response(),
    }
}

pub async fn method_not_allowed() -> ApiError {
    ApiError(wirewatch_model::Error::new(
        wirewatch_model::Code::MethodNotAllowed,
        "this method is not supported on this resource; see /api/v1/explore/",
    ))
}

/// A 201 answer with an empty body and the new object's `Location` (a path,
/// `/api/v1/...`: clients append to it), as the real product answers a create.
pub fn created_at(location: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
    )
        .into_response()
}

/// A 201 answer with the new object and its `Location`.
pub fn created<T: serde::Serialize>(location: String, body: T) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        axum::Json(body),
    )
        .into_response()
}

/// Record a change in the audit log; a failure to log is logged, not answered.
pub fn audit(state: &AppState, caller: &Caller, operation: &str, component: &str, details: Value) {
    if let Err(e) = state
        .store
        .audit(caller.username(), operation, component, details)
    {
        tracing::error!(error = %e, operation, "could not write the audit log");
    }
}

/// Run a store call on the blocking pool (for queries that may scan).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, wirewatch_store::StoreError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(wirewatch_model::Error::internal(e.to_string())))?
        .map_err(ApiError::from)
}
