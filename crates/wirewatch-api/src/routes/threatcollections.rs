//! `/threatcollections`: threat collections uploaded as STIX files (1.x XML
//! packages, 2.x JSON bundles, or `.tar.gz` bundles of them). The sensor
//! checks its traffic against their observables (`wirewatch_threat`); an
//! upload also searches the records stored before it (the back-search, run
//! in the background; its outcome shows as the collection's `backsearch`).
//!
//! Loading is synchronous (there is no `/jobs` resource): the request
//! returns once the file is read and its observables stored, bounded by the
//! upload's size (`upload::MAX_UPLOAD`) and the limits of
//! `wirewatch_threat` (uncompressed size, members, observables).

use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::audit;
use crate::upload::Upload;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wirewatch_model::threat::{
    user_key_from_name, Observable, ObservableCounts, ThreatCollection, MAX_NAME,
};
use wirewatch_store::CollectionUpload;

pub fn routes() -> Api {
    Api::new()
        .get("/threatcollections", list)
        .post("/threatcollections", create)
        .get("/threatcollections/{id}", one)
        .put("/threatcollections/{id}", put)
        .delete("/threatcollections/{id}", remove)
        .get("/threatcollections/{id}/observables", observables)
}

/// The collection a path names: `{id}`, or `~{user_key}`.
fn collection(s: &AppState, raw: &str) -> ApiResult<ThreatCollection> {
    let found = match raw.strip_prefix('~') {
        Some(key) => s.store.threat_collection_by_key(key)?,
        None => s.store.threat_collection(parse_id("id", raw)?)?,
    };
    found.ok_or_else(|| ApiError::not_found(format!("threat collection {raw}")))
}

fn check_text(field: &str, v: &str) -> ApiResult<()> {
    if v.trim().is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > MAX_NAME {
        return Err(ApiError::invalid(
            field,
            format!("longer than {MAX_NAME} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// Read the uploaded file (off the async runtime: a large bundle takes
/// seconds); a file that is no STIX answers 400 naming it and why.
/// A file read: its name (when sent) and its observables.
type ReadFile = Option<(Option<String>, Vec<Observable>)>;

async fn read_file(file: Option<(Option<String>, axum::body::Bytes)>) -> ApiResult<ReadFile> {
    let Some((fname, bytes)) = file else {
        return Ok(None);
    };
    if let Some(f) = &fname {
        check_text("file", f)?;
    }
    let what = fname.clone().unwrap_or_else(|| "file".into());
    let parsed = tokio::task::spawn_blocking(move || wirewatch_threat::parse(&what, &bytes))
        .await
        .map_err(|e| ApiError(wirewatch_model::Error::internal(e.to_string())))?
        .map_err(|e| ApiError::invalid("file", e.to_string()))?;
    tracing::info!(
        file = fname.as_deref().unwrap_or(""),
        observables = parsed.observables.len(),
        skipped = parsed.skipped,
        files = parsed.files,
        other_files = parsed.other_files,
        "threat collection file read"
    );
    Ok(Some((fname, parsed.observables)))
}

/// Store an upload, and start the back-search of its observables.
async fn store(
    s: &AppState,
    caller: &crate::auth::Caller,
    user_key: &str,
    name: Option<&str>,
    file: ReadFile,
    create_only: bool,
) -> ApiResult<(ThreatCollection, bool)> {
    let (fname, list) = match &file {
        Some((f, l)) => (f.as_deref(), Some(l.as_slice())),
        None => (None, None),
    };
    let (c, created) = s.store.put_threat_collection(
        CollectionUpload {
            user_key,
            name,
            filename: fname,
            observables: list,
        },
        create_only,
    )?;
    audit(
        s,
        caller,
        if created {
            "create threat collection"
        } else {
            "update threat collection"
        },
        "threatcollections",
        json!({"id": c.id, "user_key": c.user_key, "name": c.name,
               "file": fname, "observables": list.map(|l| ObservableCounts::of(l).total())}),
    );
    if list.is_some() {
        let store = s.store.clone();
        let id = c.id;
        tokio::task::spawn_blocking(move || {
            wirewatch_threat::backsearch::run_and_record(&store, id)
        });
    }
    Ok((c, created))
}

async fn list(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<ThreatCollection>>> {
    Ok(axum::Json(s.store.threat_collections()?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ThreatCollection>> {
    Ok(axum::Json(collection(&s, &raw)?))
}

async fn observables(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ObservableCounts>> {
    Ok(axum::Json(collection(&s, &raw)?.observable_counts))
}

/// `name` and `file` are required; `user_key` is made from the name when
/// left out. A user key in use answers 409 (`PUT ~{user_key}` replaces).
async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    up: Upload,
) -> ApiResult<Response> {
    let Some(name) = up.name.as_deref() else {
        return Err(ApiError::invalid("name", "required"));
    };
    check_text("name", name)?;
    let key = match up.user_key.as_deref() {
        Some(k) => {
            check_text("user_key", k)?;
            k.to_string()
        }
        None => {
            let k = user_key_from_name(name);
            if k.is_empty() {
                return Err(ApiError::invalid(
                    "name",
                    "has no letter or digit to make a user_key from; give user_key",
                ));
            }
            k
        }
    };
    if up.file.is_none() {
        return Err(ApiError::invalid(
            "file",
            "required: the STIX file (.tar.gz, .xml or .json)",
        ));
    }
    let file = read_file(up.file).await?;
    let (c, _) = store(&s, &caller, &key, Some(name), file, true).await?;
    Ok(super::created(
        format!("/api/v1/threatcollections/{}", c.id),
        c,
    ))
}

/// `PUT /threatcollections/~{user_key}` creates the collection (a file is
/// then required) or replaces its name and observables (those given);
/// `PUT /threatcollections/{id}` replaces an existing one.
async fn put(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    up: Upload,
) -> ApiResult<Response> {
    let key = match raw.strip_prefix('~') {
        Some(k) => {
            check_text("user_key", k)?;
            if let Some(other) = up.user_key.as_deref().filter(|u| *u != k) {
                return Err(ApiError::invalid(
                    "user_key",
                    format!("\"{other}\" is not the path's user key \"{k}\""),
                ));
            }
            k.to_string()
        }
        None => collection(&s, &raw)?.user_key,
    };
    if let Some(n) = up.name.as_deref() {
        check_text("name", n)?;
    }
    let exists = s.store.threat_collection_by_key(&key)?.is_some();
    if !exists && up.file.is_none() {
        return Err(ApiError::invalid(
            "file",
            "required to create a threat collection: the STIX file (.tar.gz, .xml or .json)",
        ));
    }
    let file = read_file(up.file).await?;
    let (c, created) = store(&s, &caller, &key, up.name.as_deref(), file, false).await?;
    if created {
        return Ok(super::created(
            format!("/api/v1/threatcollections/{}", c.id),
            c,
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let c = collection(&s, &raw)?;
    if !s.store.delete_threat_collection(c.id)? {
        return Err(ApiError::not_found(format!("threat collection {raw}")));
    }
    audit(
        &s,
        &caller,
        "delete threat collection",
        "threatcollections",
        json!({"id": c.id, "user_key": c.user_key, "name": c.name}),
    );
    Ok(StatusCode::NO_CONTENT)
}
