//! `/extrahop/…` system resources: services, processes (from `/proc`), the
//! HTTPS certificate (regenerate, replace, signing request: applied without
//! a restart), detections access, the Explore cluster (single node), the
//! flow log secret and cloud resources. All need `system: full`.

use crate::certs::{self, SigningRequest};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, RawBody};
use crate::guard::{Api, Guard, System};
use crate::routes::{audit, blocking};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use wirewatch_model::{Code, Error};

pub fn routes() -> Api {
    Api::new()
        .get("/extrahop/services", get_services)
        .patch("/extrahop/services", patch_services)
        .get("/extrahop/processes", get_processes)
        .post("/extrahop/processes/{process}/restart", restart)
        .post("/extrahop/sslcert", regenerate_cert)
        .put("/extrahop/sslcert", replace_cert)
        .post("/extrahop/sslcert/signingrequest", signing_request)
        .get("/extrahop/detections/access", get_detections_access)
        .put("/extrahop/detections/access", put_detections_access)
        .get("/extrahop/cluster", get_cluster)
        .patch("/extrahop/cluster", patch_cluster)
        .get("/extrahop/flowlogs/secret", get_flowlogs_secret)
        .post("/extrahop/flowlogs/secret", new_flowlogs_secret)
        .post("/extrahop/cloudresources", cloud_resources)
}

/// What runs in this server, for `/extrahop/services` and `/processes`.
pub struct SystemState {
    /// The HTTPS certificate (`None`: `--no-tls`).
    pub tls: Option<certs::TlsControl>,
    /// The web app (the "Management GUI service", `admin`) is served.
    pub web_app: AtomicBool,
    /// Capture input (files, interfaces, EVE) runs in this process.
    pub capture: AtomicBool,
    /// The trigger engine runs in this process.
    pub triggers: AtomicBool,
}

impl SystemState {
    /// The state of a server without TLS or components, the web app as stored.
    pub fn new(store: &wirewatch_store::Store) -> SystemState {
        let web_app = store
            .services_settings()
            .ok()
            .flatten()
            .and_then(|v| v["admin"]["enabled"].as_bool())
            .unwrap_or(true);
        SystemState {
            tls: None,
            web_app: AtomicBool::new(web_app),
            capture: AtomicBool::new(false),
            triggers: AtomicBool::new(false),
        }
    }
}

/// The services a software sensor does not have, and why.
const ABSENT: [(&str, &str); 3] = [
    ("snmp", "wirewatch has no SNMP agent"),
    (
        "ssh",
        "wirewatch has no SSH command-line service (it runs under the host's own SSH)",
    ),
    (
        "keyreceiver",
        "wirewatch has no TLS session key receiver (the packet store keeps no session keys)",
    ),
];

fn services_view(s: &AppState) -> Value {
    let sys = &s.system;
    let on = |b: bool| json!({"enabled": b});
    let mut v = json!({
        "admin": on(sys.web_app.load(Ordering::Relaxed)),
        "api": on(true),
        "capture": on(sys.capture.load(Ordering::Relaxed)),
        "ods": on(s.ods.is_some()),
        "triggers": on(sys.triggers.load(Ordering::Relaxed)),
    });
    for (name, _) in ABSENT {
        v[name] = on(false);
    }
    v
}

async fn get_services(_: Guard<System>, State(s): State<AppState>) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(services_view(&s)))
}

async fn patch_services(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(body): Json<Map<String, Value>>,
) -> ApiResult<StatusCode> {
    let current = services_view(&s);
    let mut web_app = None;
    for (name, v) in &body {
        let enabled = v
            .as_object()
            .and_then(|o| o.get("enabled"))
            .and_then(Value::as_bool)
            .ok_or_else(|| {
                ApiError::invalid(format!("{name}.enabled"), "is required: true or false")
            })?;
        if let Some(extra) = v
            .as_object()
            .and_then(|o| o.keys().find(|k| *k != "enabled"))
        {
            return Err(ApiError::invalid(
                format!("{name}.{extra}"),
                "is not a setting of a service",
            ));
        }
        match name.as_str() {
            "admin" => web_app = Some(enabled),
            "api" if !enabled => {
                return Err(ApiError::invalid(
                    "api.enabled",
                    "the REST API cannot be turned off through itself",
                ))
            }
            n if ABSENT.iter().any(|(a, _)| *a == n) && enabled => {
                let why = ABSENT.iter().find(|(a, _)| *a == n).map(|(_, w)| *w).unwrap_or("");
                return Err(ApiError(Error::new(
                    Code::NotApplicable,
                    format!("{n}: {why}; it cannot be enabled"),
                )));
            }
            n @ ("capture" | "ods" | "triggers") if current[n]["enabled"] != json!(enabled) => {
                return Err(ApiError(Error::new(
                    Code::NotApplicable,
                    format!(
                        "{n}: chosen when the server starts (wirewatch serve's --pcap/--interface/--eve flags; \
                         ODS delivery and triggers run in every `serve`) and not switched at run time"
                    ),
                )));
            }
            "api" | "capture" | "ods" | "triggers" => {}
            n if ABSENT.iter().any(|(a, _)| *a == n) => {}
            other => {
                return Err(ApiError::invalid(
                    other,
                    "is not a service; use admin, snmp, ssh, keyreceiver (or api, capture, ods, triggers)",
                ))
            }
        }
    }
    if let Some(e) = web_app {
        let mut stored = s.store.services_settings()?.unwrap_or_else(|| json!({}));
        stored["admin"] = json!({"enabled": e});
        s.store.set_services_settings(&stored)?;
        s.system.web_app.store(e, Ordering::Relaxed);
    }
    audit(
        &s,
        &caller,
        "update services",
        "services",
        Value::Object(body),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn get_processes(
    _: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<crate::procstat::Process>>> {
    let mut rows = tokio::task::spawn_blocking(|| crate::procstat::processes(&[]))
        .await
        .map_err(|e| ApiError(Error::internal(e.to_string())))?
        .ok_or_else(|| {
            ApiError(Error::new(
                Code::NotApplicable,
                "process statistics are read from /proc, which this system does not have",
            ))
        })?;
    if let (Some(ods_row), true) = (
        rows.iter().find(|r| r.process == "runtime").cloned(),
        s.ods.is_some(),
    ) {
        // ODS delivery runs on the async workers: its row is theirs, named
        // as ExtraHop names the process that sends to remote targets.
        rows.push(crate::procstat::Process {
            process: "exremote".into(),
            can_restart: true,
            ..ods_row
        });
    }
    Ok(axum::Json(rows))
}

/// The ExtraHop process names, for a clear answer to each.
const EXTRAHOP_PROCESSES: &[&str] = &[
    "exadmin",
    "exalerts",
    "examf",
    "exapi",
    "exbridge",
    "excap",
    "exconfig",
    "exflowlogs",
    "expktfeeder",
    "exsnmpq",
    "exnotify",
    "exportal",
    "exremote",
    "exsearch",
    "exstatmirror",
    "extrend",
    "webserver",
    "hopcloud-api",
];

async fn restart(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(process): Path<String>,
) -> ApiResult<StatusCode> {
    let ours = [
        "wirewatch",
        "runtime",
        "store",
        "capture",
        "triggers",
        "other",
    ];
    if process == "exremote" {
        let Some(ods) = &s.ods else {
            return Err(ApiError(Error::new(
                Code::NotApplicable,
                "ODS delivery does not run in this process",
            )));
        };
        ods.restart();
        audit(
            &s,
            &caller,
            "restart process",
            "processes",
            json!({"process": process}),
        );
        return Ok(StatusCode::NO_CONTENT);
    }
    if ours.contains(&process.as_str()) || EXTRAHOP_PROCESSES.contains(&process.as_str()) {
        return Err(ApiError(Error::new(
            Code::NotApplicable,
            format!(
                "{process} cannot be restarted on its own: wirewatch's components are threads of one process \
                 (restart the service, e.g. systemctl restart wirewatch); only exremote (ODS delivery) restarts alone"
            ),
        )));
    }
    Err(ApiError::not_found(format!(
        "process {process:?}; see GET /api/v1/extrahop/processes"
    )))
}

fn tls(s: &AppState) -> ApiResult<&certs::TlsControl> {
    s.system.tls.as_ref().ok_or_else(certs::no_tls)
}

/// `POST /extrahop/sslcert` is a job (`sslcert_regenerate`, named by the
/// answer's `Location`, as ExtraHop does); the request waits for it (a
/// key and a certificate take milliseconds) and answers the new
/// certificate as before.
async fn regenerate_cert(caller: Guard<System>, State(s): State<AppState>) -> ApiResult<Response> {
    tls(&s)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let st = s.clone();
    let job = s
        .jobs
        .spawn("sslcert_regenerate", 1, caller.username(), move |p| {
            p.step(1, "generating a key and a self-signed certificate");
            let r = tls(&st).and_then(|t| Ok(t.regenerate()?));
            let outcome = match &r {
                Ok(info) => Ok((
                    format!("a new self-signed certificate, SHA-256 {}", info.sha256),
                    None,
                )),
                Err(e) => Err(e.0.to_string()),
            };
            let _ = tx.send(r);
            outcome
        })?;
    let info = rx.await.map_err(|_| {
        ApiError(Error::internal(format!(
            "the certificate job {job} stopped; see GET /api/v1/jobs/{job}"
        )))
    })??;
    audit(
        &s,
        &caller,
        "regenerate TLS certificate",
        "sslcert",
        json!({"sha256": info.sha256, "job": job}),
    );
    Ok((
        [(axum::http::header::LOCATION, format!("/api/v1/jobs/{job}"))],
        axum::Json(info),
    )
        .into_response())
}

async fn replace_cert(
    caller: Guard<System>,
    State(s): State<AppState>,
    RawBody(body): RawBody,
) -> ApiResult<axum::Json<certs::CertInfo>> {
    tls(&s)?;
    if body.len() > certs::MAX_PEM {
        return Err(ApiError::invalid(
            "body",
            format!("is larger than {} bytes", certs::MAX_PEM),
        ));
    }
    // The PEM text as sent, or as a JSON string (the API explorer sends one).
    let text = match serde_json::from_slice::<String>(&body) {
        Ok(t) => t,
        Err(_) => String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::invalid("body", "must be PEM text"))?,
    };
    let st = s.clone();
    let info = tokio::task::spawn_blocking(move || tls(&st).and_then(|t| Ok(t.replace(&text)?)))
        .await
        .map_err(|e| ApiError(Error::internal(e.to_string())))??;
    audit(
        &s,
        &caller,
        "replace TLS certificate",
        "sslcert",
        json!({"sha256": info.sha256}),
    );
    Ok(axum::Json(info))
}

/// `POST /extrahop/sslcert/signingrequest`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SigningRequestPem {
    /// The certificate signing request, PEM (PKCS #10).
    pub csr: String,
}

async fn signing_request(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(req): Json<SigningRequest>,
) -> ApiResult<axum::Json<SigningRequestPem>> {
    tls(&s)?;
    let st = s.clone();
    let r = req.clone();
    let csr = tokio::task::spawn_blocking(move || tls(&st)?.signing_request(&r))
        .await
        .map_err(|e| ApiError(Error::internal(e.to_string())))??;
    audit(
        &s,
        &caller,
        "create TLS certificate signing request",
        "sslcert",
        json!({"common_name": req.subject.common_name,
               "subject_alternative_names": req.subject_alternative_names.iter().map(|a| &a.name).collect::<Vec<_>>()}),
    );
    Ok(axum::Json(SigningRequestPem { csr }))
}

/// `GET`/`PUT /extrahop/detections/access`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = DetectionsAccess { enabled: true })]
pub struct DetectionsAccess {
    /// Whether detections access control is enabled: users see the
    /// detections of the modules (`ndr`, `npm`) they hold. wirewatch always
    /// enforces module access, so it is `true` and cannot be turned off.
    pub enabled: bool,
}

async fn get_detections_access(
    _: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<DetectionsAccess>> {
    Ok(axum::Json(DetectionsAccess {
        enabled: s.store.detections_access()?.unwrap_or(true),
    }))
}

async fn put_detections_access(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(b): Json<DetectionsAccess>,
) -> ApiResult<StatusCode> {
    if !b.enabled {
        return Err(ApiError::invalid(
            "enabled",
            "detections access control cannot be disabled once enabled (wirewatch always enforces the ndr and npm module privileges)",
        ));
    }
    s.store.set_detections_access(true)?;
    audit(
        &s,
        &caller,
        "update detections access",
        "detections_access",
        json!({"enabled": true}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /extrahop/cluster`: the record store's cluster. The embedded store
/// is one node: records are always ingested and kept once.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Cluster { ingest_enabled: true, replication_policy: 1 })]
pub struct Cluster {
    /// Whether records are stored (always, on the embedded store).
    pub ingest_enabled: bool,
    /// How many copies of each record are kept (1: a single node).
    pub replication_policy: u32,
}

/// Body of `PATCH /extrahop/cluster`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterPatch {
    #[serde(default)]
    pub ingest_enabled: Option<bool>,
    #[serde(default)]
    pub replication_policy: Option<u32>,
}

const SINGLE_NODE: Cluster = Cluster {
    ingest_enabled: true,
    replication_policy: 1,
};

async fn get_cluster(_: Guard<System>) -> axum::Json<Cluster> {
    axum::Json(SINGLE_NODE)
}

async fn patch_cluster(_: Guard<System>, Json(p): Json<ClusterPatch>) -> ApiResult<StatusCode> {
    if p.ingest_enabled == Some(false) {
        return Err(ApiError::invalid(
            "ingest_enabled",
            "the embedded record store always ingests records (limit them with --records-max-age and --records-max)",
        ));
    }
    if let Some(r) = p.replication_policy.filter(|r| *r != 1) {
        return Err(ApiError::invalid(
            "replication_policy",
            format!("the embedded record store is a single node and keeps one copy of each record, not {r}"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /extrahop/flowlogs/secret`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FlowlogsSecret {
    /// The secret that senders of cloud flow logs authenticate with.
    pub secret: String,
}

async fn get_flowlogs_secret(
    _: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<FlowlogsSecret>> {
    let secret = blocking({
        let st = s.store.clone();
        move || st.flowlogs_secret()
    })
    .await?
    .ok_or_else(|| {
        ApiError::not_found(
            "flow log secret: none was generated; POST /api/v1/extrahop/flowlogs/secret makes one",
        )
    })?;
    Ok(axum::Json(FlowlogsSecret { secret }))
}

async fn new_flowlogs_secret(
    caller: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<StatusCode> {
    blocking({
        let st = s.store.clone();
        move || st.new_flowlogs_secret()
    })
    .await?;
    // The secret itself is never written to the audit log.
    audit(
        &s,
        &caller,
        "generate flow log secret",
        "flowlogs",
        json!({}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Largest cloud resource bundle read.
const MAX_BUNDLE: usize = 8 * 1024 * 1024;

/// What a cloud resource upload is, by its first bytes.
fn bundle_kind(b: &[u8]) -> &'static str {
    let text = std::str::from_utf8(&b[..b.len().min(4096)]).unwrap_or("");
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    if b.starts_with(&[0x1f, 0x8b]) || b.get(257..262) == Some(&b"ustar"[..]) {
        "bundle"
    } else if [
        "alert ",
        "drop ",
        "pass ",
        "reject ",
        "rejectsrc ",
        "rejectdst ",
        "rejectboth ",
    ]
    .iter()
    .any(|k| first.starts_with(k))
    {
        "rules"
    } else if text.trim_start().starts_with('{') || text.trim_start().starts_with('[') {
        "json"
    } else {
        "unknown"
    }
}

async fn cloud_resources(
    caller: Guard<System>,
    State(s): State<AppState>,
    RawBody(body): RawBody,
) -> ApiResult<StatusCode> {
    if body.is_empty() {
        return Err(ApiError::invalid(
            "cloudresources",
            "is required: the resource file as the request body",
        ));
    }
    if body.len() > MAX_BUNDLE {
        return Err(ApiError(Error::new(
            Code::PayloadTooLarge,
            format!("cloudresources: larger than {MAX_BUNDLE} bytes"),
        )));
    }
    let kind = bundle_kind(&body);
    audit(
        &s,
        &caller,
        "upload cloud resources (refused)",
        "cloudresources",
        json!({"bytes": body.len(), "kind": kind}),
    );
    let why = match kind {
        "bundle" => "this is an ExtraHop Cloud Services resource bundle (a compressed archive): its threat \
                     and rule content is ExtraHop's proprietary, signed format, which wirewatch cannot read",
        "rules" => "these are Suricata/Snort IDS rules: wirewatch does not run IDS rules itself; load them into \
                    Suricata and feed its EVE output to wirewatch (`wirewatch serve --eve eve.json`), which turns \
                    its alerts into ids_alert detections",
        _ => "wirewatch knows no resource of this format; it takes IDS alerts from Suricata's EVE output and \
              custom detection types through POST /api/v1/detections/formats",
    };
    Err(ApiError(Error::new(
        Code::NotApplicable,
        format!("cloudresources: {why}"),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_told_apart() {
        assert_eq!(bundle_kind(&[0x1f, 0x8b, 8, 0]), "bundle");
        assert_eq!(
            bundle_kind(b"# ET rules\nalert tcp any any -> any 80 (msg:\"x\"; sid:1;)\n"),
            "rules"
        );
        assert_eq!(bundle_kind(b"{\"a\": 1}"), "json");
        assert_eq!(bundle_kind(b"hello"), "unknown");
    }
}
