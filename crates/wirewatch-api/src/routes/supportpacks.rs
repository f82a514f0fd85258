//! `/supportpacks`: diagnostic archives for support, and configuration
//! packs applied by upload.
//!
//! `POST /supportpacks/execute` starts a job that writes a `.tar.gz` into
//! `DATA_DIR/supportpacks` (the last [`KEEP`] are kept): the running
//! configuration, the ODS targets and connectors as the API shows them
//! (secrets are write-only and never in them), counters and store
//! statistics, the recent audit log, versions, and the process's recent log
//! lines. `POST /supportpacks` takes such an archive (or any `.tar.gz` with a
//! `runningconfig.json`) and applies its configuration, validated like
//! `PUT /runningconfig`.

use crate::error::{ApiError, ApiResult};
use crate::guard::{Api, Guard, System};
use crate::jobs::{now_ms, Busy, JobState, Progress};
use crate::routes::audit;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::PathBuf;
use wirewatch_model::{Code, Error};

/// Support packs kept on disk (the oldest are deleted first).
pub const KEEP: usize = 10;
/// Largest `runningconfig.json` read from an uploaded pack.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// Most bytes decompressed while looking through an uploaded pack.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The steps of a support pack job.
const STEPS: u32 = 5;

pub fn routes() -> Api {
    Api::new()
        .get("/supportpacks", list)
        .post("/supportpacks", upload)
        .post("/supportpacks/execute", execute)
        .get("/supportpacks/queue/{id}", queue)
        .get("/supportpacks/{filename}", download)
}

/// A support pack on disk.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "SupportPack")]
pub struct SupportPack {
    /// When it was made (ms since the epoch).
    pub created_time: i64,
    /// Its file name (`GET /supportpacks/{filename}` downloads it).
    pub filename: String,
    /// Its size in bytes, as a string (as the ExtraHop API writes it).
    pub size: String,
}

fn dir(s: &AppState) -> PathBuf {
    s.store
        .path()
        .parent()
        .map(|p| p.join("supportpacks"))
        .unwrap_or_else(|| PathBuf::from("supportpacks"))
}

/// A file name this API makes: letters, digits, `-`, `_`, `.`, ending in
/// `.tar.gz`; anything else (a path, `..`) is refused before the disk is read.
fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.ends_with(".tar.gz");
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "filename",
            "must be the name of a support pack (letters, digits, '-', '_', '.', ending in .tar.gz; no path)",
        ))
    }
}

fn packs(dir: &std::path::Path) -> Vec<SupportPack> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<SupportPack> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            check_name(&name).ok()?;
            let meta = e.metadata().ok()?;
            if !meta.is_file() {
                return None;
            }
            let created = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            Some(SupportPack {
                created_time: created,
                filename: name,
                size: meta.len().to_string(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.created_time
            .cmp(&a.created_time)
            .then(b.filename.cmp(&a.filename))
    });
    out
}

async fn list(
    _: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<SupportPack>>> {
    let d = dir(&s);
    let list = tokio::task::spawn_blocking(move || packs(&d))
        .await
        .unwrap_or_default();
    Ok(axum::Json(list))
}

fn busy(_: Busy) -> ApiError {
    ApiError(Error::new(
        Code::TooManyRequests,
        format!(
            "{} jobs are running; retry when one has finished (GET /api/v1/jobs)",
            crate::jobs::MAX_RUNNING
        ),
    ))
}

/// 202 with the queue path of job `id`.
fn accepted(s: &AppState, id: &str) -> Response {
    let location = format!("/api/v1/supportpacks/queue/{id}");
    let job = s.jobs.get(id);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(job),
    )
        .into_response()
}

async fn execute(caller: Guard<System>, State(s): State<AppState>) -> ApiResult<Response> {
    let st = s.clone();
    let id = s
        .jobs
        .spawn("supportpack_execute", STEPS, caller.username(), move |p| {
            build(&st, p).map_err(|e| format!("building the support pack: {e}"))
        })
        .map_err(busy)?;
    audit(
        &s,
        &caller,
        "run support pack",
        "supportpacks",
        json!({"job": id}),
    );
    Ok(accepted(&s, &id))
}

/// Add one file to the archive.
fn add<W: Write>(tar: &mut tar::Builder<W>, name: &str, data: &[u8]) -> std::io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o600);
    h.set_mtime((now_ms() / 1000).max(0) as u64);
    h.set_cksum();
    tar.append_data(&mut h, name, data)
}

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// The support pack of job `p`: written beside its final name, then renamed.
fn build(s: &AppState, p: &Progress) -> Result<(String, Option<String>), std::io::Error> {
    let d = dir(s);
    std::fs::create_dir_all(&d)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))?;
    }
    let name = format!(
        "wirewatch-supportpack-{}-{}.tar.gz",
        now_ms(),
        &p.id()[..8.min(p.id().len())]
    );
    let tmp = d.join(format!(".{name}.part"));
    let file = {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        o.open(&tmp)?
    };
    let result = (|| {
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let root = name.trim_end_matches(".tar.gz");
        let path = |f: &str| format!("{root}/{f}");

        p.step(1, "writing the running configuration");
        add(
            &mut tar,
            &path("runningconfig.json"),
            &pretty(&s.settings.running(&s.store).to_value()),
        )?;
        let targets: Vec<Value> = s
            .store
            .ods_targets()
            .iter()
            .map(|t| t.public_view())
            .collect();
        add(&mut tar, &path("odstargets.json"), &pretty(&json!(targets)))?;
        let connectors: Vec<Value> = s
            .store
            .connectors()
            .unwrap_or_default()
            .iter()
            .map(|c| c.public_view(None))
            .collect();
        add(
            &mut tar,
            &path("connectors.json"),
            &pretty(&json!(connectors)),
        )?;

        p.step(2, "collecting counters and store statistics");
        add(&mut tar, &path("statistics.json"), &pretty(&statistics(s)))?;

        p.step(3, "collecting the recent audit log");
        let audit = s.store.audit_log(500, 0).unwrap_or_default();
        add(&mut tar, &path("auditlog.json"), &pretty(&json!(audit)))?;

        p.step(4, "collecting versions and jobs");
        let versions = json!({
            "wirewatch": env!("CARGO_PKG_VERSION"),
            "firmware_version_reported": s.config.version,
            "platform": s.config.platform,
            "edition": s.config.edition,
            "hostname": s.config.hostname,
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "created_time": now_ms(),
        });
        add(&mut tar, &path("versions.json"), &pretty(&versions))?;
        add(&mut tar, &path("jobs.json"), &pretty(&json!(s.jobs.all())))?;

        p.step(5, "copying the recent log lines");
        let logs = if crate::logs::installed() {
            let mut t = crate::logs::lines().join("\n");
            t.push('\n');
            t
        } else {
            "(this process keeps no log lines in memory: the log ring is installed by `wirewatch serve`)\n"
                .to_string()
        };
        add(&mut tar, &path("logs.txt"), logs.as_bytes())?;
        let gz = tar.into_inner()?;
        let mut file = gz.finish()?;
        file.flush()?;
        file.sync_all()?;
        Ok::<_, std::io::Error>(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, d.join(&name))?;
    // Keep the newest packs only.
    for old in packs(&d).into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(d.join(&old.filename));
    }
    let size = std::fs::metadata(d.join(&name))
        .map(|m| m.len())
        .unwrap_or(0);
    Ok((format!("{name} ({size} bytes)"), Some(name)))
}

/// Counters and store statistics.
fn statistics(s: &AppState) -> Value {
    let db = s.store.path();
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let targets: Vec<Value> = s
        .store
        .ods_targets()
        .iter()
        .map(|t| {
            let stats = s
                .store
                .ods_stats(t.kind(), t.name())
                .ok()
                .and_then(|x| serde_json::to_value(x).ok());
            json!({"kind": t.kind(), "name": t.name(), "stats": stats})
        })
        .collect();
    let connectors: Vec<Value> = s
        .store
        .connectors()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let stats = s
                .store
                .incident_stats(&c.id)
                .ok()
                .and_then(|x| serde_json::to_value(x).ok());
            json!({"id": c.id, "stats": stats})
        })
        .collect();
    let packets = s.packets.as_ref().map(|p| {
        let bytes: u64 = std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        json!({"bytes": bytes})
    });
    json!({
        "detections": s.store.detection_count().ok(),
        "users": s.store.users().map(|u| u.len()).ok(),
        "apikeys": s.store.apikeys(None).map(|k| k.len()).ok(),
        "database_bytes": size(db.to_path_buf()),
        "database_wal_bytes": size(wal),
        "packet_store": packets,
        "ods_targets": targets,
        "connectors": connectors,
        "incident_queue": s.store.incident_queue_len(None).ok(),
        "jobs_running": s.jobs.all().iter().filter(|j| matches!(j.status, JobState::Queued | JobState::Running)).count(),
    })
}

async fn queue(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = s
        .jobs
        .get(&id)
        .filter(|j| j.kind.starts_with("supportpack"))
        .ok_or_else(|| ApiError::not_found(format!("support pack job {id:?}")))?;
    match job.status {
        JobState::Queued | JobState::Running => {
            Ok((StatusCode::ACCEPTED, axum::Json(job)).into_response())
        }
        JobState::Failed => Err(ApiError(Error::internal(job.details))),
        JobState::Done => match &job.result {
            Some(name) => {
                let d = dir(&s);
                let found = packs(&d).into_iter().find(|p| &p.filename == name);
                match found {
                    Some(p) => Ok(axum::Json(p).into_response()),
                    None => Err(ApiError(Error::new(
                        Code::NotFound,
                        format!("support pack {name} was made but has since been deleted (the last {KEEP} are kept)"),
                    ))),
                }
            }
            None => Ok(axum::Json(job).into_response()),
        },
    }
}

async fn download(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(filename): Path<String>,
) -> ApiResult<Response> {
    check_name(&filename)?;
    let path = dir(&s).join(&filename);
    let read = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| ApiError(Error::internal(e.to_string())))?;
    let bytes = match read {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::not_found(format!("support pack {filename}")))
        }
        Err(e) => return Err(ApiError(Error::internal(e.to_string()))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The `runningconfig.json` of an uploaded `.tar.gz` (at its top or one
/// directory down), read within bounds.
fn config_of(bytes: &[u8]) -> Result<Value, ApiError> {
    let bad = |why: String| ApiError::invalid("file", why);
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut archive = tar::Archive::new(gz.take(MAX_UNPACKED_BYTES));
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("is not a .tar.gz archive: {e}")))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|e| bad(format!("is not a readable .tar.gz archive: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| bad(format!("has an unreadable entry name: {e}")))?
            .to_path_buf();
        let parts: Vec<_> = path.components().collect();
        let is_config = path.file_name().and_then(|n| n.to_str()) == Some("runningconfig.json")
            && parts.len() <= 2;
        if !is_config {
            continue;
        }
        if entry.size() > MAX_CONFIG_BYTES {
            return Err(bad(format!(
                "runningconfig.json is larger than {MAX_CONFIG_BYTES} bytes"
            )));
        }
        let mut text = Vec::new();
        (&mut entry)
            .take(MAX_CONFIG_BYTES)
            .read_to_end(&mut text)
            .map_err(|e| bad(format!("runningconfig.json cannot be read: {e}")))?;
        return serde_json::from_slice(&text)
            .map_err(|e| bad(format!("runningconfig.json is not JSON: {e}")));
    }
    Err(bad(
        "has no runningconfig.json (at its top or in its one directory)".to_string(),
    ))
}

async fn upload(
    caller: Guard<System>,
    State(s): State<AppState>,
    body: Bytes,
) -> ApiResult<Response> {
    if body.is_empty() {
        return Err(ApiError::invalid(
            "file",
            "the request body is empty; send the support pack (.tar.gz) as the body",
        ));
    }
    let doc = tokio::task::spawn_blocking(move || config_of(&body))
        .await
        .map_err(|e| ApiError(Error::internal(e.to_string())))??;
    super::runningconfig::replace(
        &s,
        &caller,
        &doc,
        "apply support pack (running configuration)",
    )?;
    let id = s
        .jobs
        .record_done(
            "supportpack_upload",
            caller.username(),
            "the support pack's running configuration was applied".into(),
        )
        .map_err(busy)?;
    Ok(accepted(&s, &id))
}
