//! `/threatcollections`: threat collections uploaded as STIX files (1.x XML
//! packages, 2.x JSON bundles, or `.tar.gz` bundles of them). The sensor
//! checks its traffic against their observables (`wirewatch_threat`); an
//! upload also searches the records stored before it (the back-search, run
//! in the background; its outcome shows as the collection's `backsearch`).
//!
//! An upload with a file is a job (`threatcollection_load`, `GET /jobs/{id}`)
//! of four steps: reading the file, storing its observables, compiling the
//! matcher the sensor checks traffic against (swapped in for every input of
//! the process at once), and the back-search. The request answers once the
//! file is read and stored (a file that is no STIX still answers 400 naming
//! it, a taken user key 409, and the job ends `failed` with the same
//! reason); the job goes on with the last two steps. The job is named by
//! the collection's `backsearch.job_id` and, for a `204` answer, by its
//! `Location` (ExtraHop's way of naming the job of an operation). Bounded by
//! the upload's size (`upload::MAX_UPLOAD`), the limits of `wirewatch_threat`
//! (uncompressed size, members, observables) and the jobs running at once
//! (`jobs::MAX_RUNNING`, 429 beyond).

use crate::error::{ApiError, ApiResult};
use crate::extract::parse_id;
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::audit;
use crate::upload::Upload;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wirewatch_model::threat::{
    user_key_from_name, BackSearch, ObservableCounts, ThreatCollection, MAX_NAME,
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

/// The job type of an upload.
pub const LOAD_JOB: &str = "threatcollection_load";
/// Its steps.
const LOAD_STEPS: u32 = 4;

/// A file sent: its name (when sent) and bytes.
type File = (Option<String>, axum::body::Bytes);

/// What an upload's job tells the request once the file is stored (or
/// refused): the collection, whether it was created, and the job's id.
type Stored = Result<(ThreatCollection, bool), ApiError>;

/// Load a file into a collection as a job (see the module's documentation):
/// answers once the file is read and stored.
async fn load(
    s: &AppState,
    caller: &crate::auth::Caller,
    user_key: &str,
    name: Option<&str>,
    (fname, bytes): File,
    create_only: bool,
) -> ApiResult<(ThreatCollection, bool, String)> {
    if let Some(f) = &fname {
        check_text("file", f)?;
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Stored>();
    let st = s.clone();
    let key = user_key.to_string();
    let name = name.map(str::to_string);
    let job = s.jobs.spawn(LOAD_JOB, LOAD_STEPS, caller.username(), move |p| {
        // The request hears of the first two steps; the job's outcome is
        // the same reason.
        let refuse = |tx: tokio::sync::oneshot::Sender<Stored>, e: ApiError| {
            let why = e.0.to_string();
            let _ = tx.send(Err(e));
            Err(why)
        };
        let what = fname.clone().unwrap_or_else(|| "file".into());
        p.step(1, &format!("reading {what}"));
        let parsed = match wirewatch_threat::parse(&what, &bytes) {
            Ok(x) => x,
            Err(e) => return refuse(tx, ApiError::invalid("file", e.to_string())),
        };
        drop(bytes);
        let n = parsed.observables.len();
        tracing::info!(
            file = %what,
            observables = n,
            skipped = parsed.skipped,
            files = parsed.files,
            other_files = parsed.other_files,
            "threat collection file read"
        );
        p.step(2, &format!("storing {n} observables"));
        let (mut c, created) = match st.store.put_threat_collection(
            CollectionUpload {
                user_key: &key,
                name: name.as_deref(),
                filename: fname.as_deref(),
                observables: Some(&parsed.observables),
            },
            create_only,
        ) {
            Ok(x) => x,
            Err(e) => return refuse(tx, e.into()),
        };
        drop(parsed);
        let running = BackSearch {
            state: "running".into(),
            job_id: Some(p.id().to_string()),
            ..BackSearch::default()
        };
        if let Err(e) = st.store.set_threat_backsearch(c.id, &running) {
            tracing::warn!(error = %e, collection = c.id, "could not record the back-search state");
        }
        c.backsearch = Some(running);
        let (id, label) = (c.id, c.user_key.clone());
        let _ = tx.send(Ok((c, created)));
        // The matcher first: the records stored from now on are checked
        // against the new collection live, those stored before by the
        // back-search.
        p.step(3, "compiling the threat matcher");
        let m = st
            .threats
            .refresh()
            .map_err(|e| format!("compiling the threat matcher: {e}"))?;
        p.step(4, "searching the stored records (back-search)");
        let b = wirewatch_threat::backsearch::run_and_record(&st.store, id, Some(p.id()));
        if b.state == "failed" {
            return Err(format!(
                "back-search: {}",
                b.error.unwrap_or_else(|| "failed".into())
            ));
        }
        Ok((
            format!(
                "threat collection {label} (id {id}): {n} observables stored; matcher of {} observables in use; \
                 back-search: {} records scanned, {} matched, {} detections{}",
                m.len(),
                b.records_scanned,
                b.records_matched,
                b.detections,
                if b.truncated { " (stopped at its bound)" } else { "" }
            ),
            None,
        ))
    })?;
    let (c, created) = rx.await.map_err(|_| {
        ApiError(wirewatch_model::Error::internal(format!(
            "the load job {job} stopped; see GET /api/v1/jobs/{job}"
        )))
    })??;
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
               "file": c.filename, "observables": c.observables, "job": job}),
    );
    Ok((c, created, job))
}

/// Rename a collection (an upload without a file: no job).
fn rename(
    s: &AppState,
    caller: &crate::auth::Caller,
    user_key: &str,
    name: Option<&str>,
) -> ApiResult<(ThreatCollection, bool)> {
    let (c, created) = s.store.put_threat_collection(
        CollectionUpload {
            user_key,
            name,
            filename: None,
            observables: None,
        },
        false,
    )?;
    audit(
        s,
        caller,
        "update threat collection",
        "threatcollections",
        json!({"id": c.id, "user_key": c.user_key, "name": c.name}),
    );
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
    let Some(file) = up.file else {
        return Err(ApiError::invalid(
            "file",
            "required: the STIX file (.tar.gz, .xml or .json)",
        ));
    };
    let (c, _, _) = load(&s, &caller, &key, Some(name), file, true).await?;
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
    let (c, created, job) = match up.file {
        Some(file) => {
            let (c, created, job) =
                load(&s, &caller, &key, up.name.as_deref(), file, false).await?;
            (c, created, Some(job))
        }
        None => {
            let (c, created) = rename(&s, &caller, &key, up.name.as_deref())?;
            (c, created, None)
        }
    };
    if created {
        return Ok(super::created(
            format!("/api/v1/threatcollections/{}", c.id),
            c,
        ));
    }
    match job {
        Some(id) => Ok((
            StatusCode::NO_CONTENT,
            [(header::LOCATION, format!("/api/v1/jobs/{id}"))],
        )
            .into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
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
