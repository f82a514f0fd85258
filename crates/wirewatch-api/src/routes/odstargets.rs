//! `/odstargets`: Open Data Stream targets, plus (documented extensions) an
//! update, and each target's delivery statistics, health check and
//! dead-letter list.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Api, Guard, System, WriteFull};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wirewatch_model::now_ms;
use wirewatch_model::ods::{
    HttpTarget, KafkaTarget, MongoTarget, RawTarget, SyslogTarget, Target, TargetKind,
};
use wirewatch_store::{DeadLetter, OdsStats};

pub fn routes() -> Api {
    Api::new()
        .get("/odstargets", list_all)
        .get("/odstargets/{kind}", list_kind)
        .post("/odstargets/{kind}", create)
        .get("/odstargets/{kind}/{name}", one)
        .patch("/odstargets/{kind}/{name}", update)
        .delete("/odstargets/{kind}/{name}", remove)
        .get("/odstargets/{kind}/{name}/stats", stats)
        .get("/odstargets/{kind}/{name}/health", health)
        .get("/odstargets/{kind}/{name}/deadletters", dead_letters)
        .delete("/odstargets/{kind}/{name}/deadletters", purge)
        .post("/odstargets/{kind}/{name}/deadletters/replay", replay)
        .delete("/odstargets/{kind}/{name}/deadletters/{id}", purge_one)
}

/// A target of the kind named by the path (`{kind}`): `http` is an
/// `HttpTarget`, `kafka` a `KafkaTarget`, `mongodb` a `MongoTarget`, `raw` a
/// `RawTarget`, `syslog` a `SyslogTarget`.
// Answers show it without its secrets (`Target::public_view`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "OdsTarget")]
pub enum OdsTarget {
    Http(#[schemars(with = "HttpTarget")] Value),
    Kafka(#[schemars(with = "KafkaTarget")] Value),
    Mongodb(#[schemars(with = "MongoTarget")] Value),
    Raw(#[schemars(with = "RawTarget")] Value),
    Syslog(#[schemars(with = "SyslogTarget")] Value),
}

impl OdsTarget {
    /// The target as the API shows it: without its secrets.
    pub fn of(t: &Target) -> OdsTarget {
        let view = t.public_view();
        match t.kind() {
            TargetKind::Http => OdsTarget::Http(view),
            TargetKind::Kafka => OdsTarget::Kafka(view),
            TargetKind::Mongodb => OdsTarget::Mongodb(view),
            TargetKind::Raw => OdsTarget::Raw(view),
            TargetKind::Syslog => OdsTarget::Syslog(view),
        }
    }
}

/// Every target, by kind; a kind without targets has an empty list.
#[derive(Debug, Default, Serialize, JsonSchema)]
#[schemars(example = OdsTargets::example())]
pub struct OdsTargets {
    /// The http targets.
    #[schemars(with = "Vec<HttpTarget>")]
    pub http: Vec<OdsTarget>,
    /// The kafka targets.
    #[schemars(with = "Vec<KafkaTarget>")]
    pub kafka: Vec<OdsTarget>,
    /// The mongodb targets.
    #[schemars(with = "Vec<MongoTarget>")]
    pub mongodb: Vec<OdsTarget>,
    /// The raw targets.
    #[schemars(with = "Vec<RawTarget>")]
    pub raw: Vec<OdsTarget>,
    /// The syslog targets.
    #[schemars(with = "Vec<SyslogTarget>")]
    pub syslog: Vec<OdsTarget>,
}

impl OdsTargets {
    /// The targets, sorted by kind, each kind's in the order given.
    pub fn of(targets: &[Target]) -> OdsTargets {
        let mut out = OdsTargets::default();
        for t in targets {
            let list = match t.kind() {
                TargetKind::Http => &mut out.http,
                TargetKind::Kafka => &mut out.kafka,
                TargetKind::Mongodb => &mut out.mongodb,
                TargetKind::Raw => &mut out.raw,
                TargetKind::Syslog => &mut out.syslog,
            };
            list.push(OdsTarget::of(t));
        }
        out
    }

    fn example() -> Value {
        json!({
            "http": [HttpTarget::example()], "kafka": [KafkaTarget::example()], "mongodb": [],
            "raw": [], "syslog": [SyslogTarget::example()],
        })
    }
}

/// The outcome of a connection attempt to a target.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "OdsHealth", example = Health::example())]
pub struct Health {
    /// Whether the target could be reached.
    pub healthy: bool,
    /// What was checked (`connected to http://127.0.0.1:8080`), or why it failed.
    pub detail: String,
    /// When the check ran (milliseconds since the epoch).
    pub checked_at: i64,
}

impl Health {
    fn example() -> Health {
        Health {
            healthy: true,
            detail: "connected to http://127.0.0.1:8080".into(),
            checked_at: 1_767_229_200_000,
        }
    }
}

/// How many dead letters went back to the outbox.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "DeadLettersReplayed", example = Replayed { replayed: 3 })]
pub struct Replayed {
    /// The number of messages queued again.
    pub replayed: u64,
}

/// How many dead letters were deleted.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "DeadLettersDeleted", example = Deleted { deleted: 3 })]
pub struct Deleted {
    /// The number of dead letters deleted.
    pub deleted: u64,
}

fn kind(raw: &str) -> ApiResult<TargetKind> {
    TargetKind::parse(raw).ok_or_else(|| {
        ApiError::not_found(format!(
            "ODS target type {raw:?} (types: http, kafka, mongodb, raw, syslog)"
        ))
    })
}

fn target(s: &AppState, raw_kind: &str, name: &str) -> ApiResult<Target> {
    let k = kind(raw_kind)?;
    s.store
        .ods_target(k, name)
        .ok_or_else(|| ApiError::not_found(format!("{k} target {name:?}")))
}

async fn list_all(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<OdsTargets>> {
    Ok(axum::Json(OdsTargets::of(&s.store.ods_targets())))
}

async fn list_kind(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<OdsTarget>>> {
    let k = kind(&raw)?;
    Ok(axum::Json(
        s.store
            .ods_targets()
            .iter()
            .filter(|t| t.kind() == k)
            .map(OdsTarget::of)
            .collect(),
    ))
}

async fn create(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let k = kind(&raw)?;
    if !body.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let t = Target::from_body(k, body)?;
    let t = s.store.create_ods_target(t)?;
    if let Some(ods) = &s.ods {
        ods.sync();
    }
    let view = OdsTarget::of(&t);
    audit(
        &s,
        &caller,
        "create ODS target",
        "odstargets",
        json!({"kind": k, "name": t.name()}),
    );
    let location = format!(
        "/api/v1/odstargets/{k}/{}",
        wirewatch_model::connector::percent_encode(t.name())
    );
    Ok(super::created(location, view))
}

async fn one(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<OdsTarget>> {
    Ok(axum::Json(OdsTarget::of(&target(&s, &k, &name)?)))
}

/// `PATCH /odstargets/{kind}/{name}` (a wirewatch extension: ExtraHop's API
/// has no update): a merge patch checked as a create is (see
/// [`Target::patched`]); the target keeps its name, queue, statistics and
/// dead letters; its delivery worker restarts with the new configuration.
async fn update(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((raw, name)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<OdsTarget>> {
    let old = target(&s, &raw, &name)?;
    let Value::Object(patch) = body else {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    };
    let fields: Vec<String> = patch.keys().cloned().collect();
    let t = old.patched(patch)?;
    if !s.store.update_ods_target(t.clone())? {
        return Err(ApiError::not_found(format!("{} target {name:?}", t.kind())));
    }
    if let Some(ods) = &s.ods {
        ods.sync();
    }
    audit(
        &s,
        &caller,
        "update ODS target",
        "odstargets",
        json!({"kind": t.kind(), "name": t.name(), "fields": fields}),
    );
    Ok(axum::Json(OdsTarget::of(&t)))
}

async fn remove(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((raw, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let k = kind(&raw)?;
    if !s.store.delete_ods_target(k, &name)? {
        return Err(ApiError::not_found(format!("{k} target {name:?}")));
    }
    if let Some(ods) = &s.ods {
        ods.sync();
    }
    audit(
        &s,
        &caller,
        "delete ODS target",
        "odstargets",
        json!({"kind": k, "name": name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn stats(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<OdsStats>> {
    let t = target(&s, &k, &name)?;
    Ok(axum::Json(s.store.ods_stats(t.kind(), t.name())?))
}

async fn health(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Health>> {
    let t = target(&s, &k, &name)?;
    let Some(ods) = &s.ods else {
        return Err(ApiError(wirewatch_model::Error::new(
            wirewatch_model::Code::NotApplicable,
            "ODS delivery is not running in this process",
        )));
    };
    let r = ods.health(&t).await;
    let (healthy, detail) = match r {
        Ok(d) => (true, d),
        Err(e) => (false, e.to_string()),
    };
    Ok(axum::Json(Health {
        healthy,
        detail,
        checked_at: now_ms(),
    }))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    offset: Option<usize>,
}

async fn dead_letters(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
    Query(p): Query<Page>,
) -> ApiResult<axum::Json<Vec<DeadLetter>>> {
    let k = kind(&k)?;
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > 10_000 {
        return Err(ApiError::invalid("limit", "must be between 1 and 10000"));
    }
    Ok(axum::Json(s.store.ods_dead_letters(
        k,
        &name,
        limit,
        p.offset.unwrap_or(0),
    )?))
}

/// Which dead letters to replay; without `ids` (`{}`), all of them.
#[derive(Deserialize, Default, JsonSchema)]
#[schemars(rename = "DeadLetterReplay")]
pub struct Ids {
    /// The ids of the dead letters to replay; ids that are not dead letters
    /// of the target are ignored.
    ids: Option<Vec<i64>>,
}

async fn replay(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
    Json(ids): Json<Ids>,
) -> ApiResult<axum::Json<Replayed>> {
    let t = target(&s, &k, &name)?;
    let n = s.store.ods_replay(t.kind(), t.name(), ids.ids.as_deref())?;
    if let Some(ods) = &s.ods {
        ods.wake_target(t.kind(), t.name());
    }
    audit(
        &s,
        &caller,
        "replay ODS dead letters",
        "odstargets",
        json!({"kind": t.kind(), "name": t.name(), "replayed": n}),
    );
    Ok(axum::Json(Replayed { replayed: n }))
}

async fn purge(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Deleted>> {
    let k = kind(&k)?;
    let n = s.store.ods_purge_dead(k, &name, None)?;
    audit(
        &s,
        &caller,
        "delete ODS dead letters",
        "odstargets",
        json!({"kind": k, "name": name, "deleted": n}),
    );
    Ok(axum::Json(Deleted { deleted: n }))
}

async fn purge_one(
    _: Guard<System>,
    State(s): State<AppState>,
    Path((k, name, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let k = kind(&k)?;
    let id = crate::extract::parse_id("id", &id)? as i64;
    if s.store.ods_purge_dead(k, &name, Some(&[id]))? == 0 {
        return Err(ApiError::not_found(format!("dead letter {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers these views replaced were built as JSON objects: the
    /// views write the same JSON.
    #[test]
    fn the_views_write_what_the_json_answers_wrote() {
        let t = |kind, body: Value| Target::from_body(kind, body).unwrap();
        let targets = vec![
            t(
                TargetKind::Syslog,
                json!({"name": "s", "host": "h", "port": 514, "protocol": "udp"}),
            ),
            t(
                TargetKind::Http,
                json!({"name": "b", "host": "h", "port": 80, "protocol": "http",
                       "authentication": {"auth_type": "basic", "username": "u", "password": "p"}}),
            ),
            t(
                TargetKind::Http,
                json!({"name": "a", "host": "h", "port": 80, "protocol": "http",
                       "additional_header": "Authorization: Bearer x"}),
            ),
        ];
        // `GET /odstargets` wrote every kind, each kind's targets in order.
        let mut before = serde_json::Map::new();
        for k in TargetKind::ALL {
            before.insert(k.as_str().into(), Value::Array(vec![]));
        }
        for t in &targets {
            if let Some(Value::Array(v)) = before.get_mut(t.kind().as_str()) {
                v.push(t.public_view());
            }
        }
        let after = serde_json::to_string(&OdsTargets::of(&targets)).unwrap();
        assert_eq!(after, Value::Object(before).to_string());
        for t in &targets {
            assert_eq!(
                serde_json::to_string(&OdsTarget::of(t)).unwrap(),
                t.public_view().to_string()
            );
        }
        let h = Health {
            healthy: false,
            detail: "refused".into(),
            checked_at: 5,
        };
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            json!({"healthy": false, "detail": "refused", "checked_at": 5}).to_string()
        );
        assert_eq!(
            serde_json::to_string(&Replayed { replayed: 3 }).unwrap(),
            json!({"replayed": 3_u64}).to_string()
        );
        assert_eq!(
            serde_json::to_string(&Deleted { deleted: 2 }).unwrap(),
            json!({"deleted": 2_u64}).to_string()
        );
    }
}
