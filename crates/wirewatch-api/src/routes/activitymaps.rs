//! `/activitymaps`: the topology query (walks over who talked to whom, from
//! the sensor's `~flow` records) and saved maps with their sharing.
//!
//! Who sees a saved map: its owner (the user who created it, or to whom it
//! was transferred), users it is shared with (`viewer`, `editor`), every
//! user when `anyone` is `viewer`, and administrators (`system: full`). A map
//! a caller cannot see answers 404, as if it did not exist; a map they see
//! but may not change answers 403. Editors change the map and its sharing;
//! only the owner (or an administrator) deletes it or transfers it (`owner`).

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::guard::{AnyWrite, Api, Guard, MetricsFull, WriteFull};
use crate::routes::{audit, blocking};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use wirewatch_model::activitymap::{
    run_walks, validate_map_fields, validate_walks, EdgeAnnotation, Members, Mode, ObjectType,
    ResolvedStep, ResolvedWalk, Right, Sharing, SharingChange, Source, StoredMap, Topology, Walk,
    Warning, Weighting, MAX_EDGES,
};
use wirewatch_model::now_ms;
use wirewatch_model::time::{time_schema, time_text, TimeSpec};
use wirewatch_store::Store;

/// Most `~flow` records one query reads (the newest of its window); past it
/// the answer says so in `warnings`.
pub const MAX_FLOWS: u64 = 2_000_000;
/// Most distinct (client, server, protocol stack) edges one query keeps.
pub const MAX_GRAPH_EDGES: usize = 500_000;
/// Most entries in `edge_annotations`.
const MAX_ANNOTATIONS: usize = 8;

pub fn routes() -> Api {
    Api::new()
        .post("/activitymaps/query", query)
        .get("/activitymaps", list)
        .post("/activitymaps", create)
        .get("/activitymaps/{id}", one)
        .patch("/activitymaps/{id}", update)
        .delete("/activitymaps/{id}", remove)
        .post("/activitymaps/{id}/query", saved_query)
        .get("/activitymaps/{id}/sharing", sharing)
        .patch("/activitymaps/{id}/sharing", share_merge)
        .put("/activitymaps/{id}/sharing", share_replace)
}

/// Body of `POST /activitymaps/query`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct TopologyQuery {
    /// The start of the window (required).
    #[schemars(schema_with = "time_schema", transform = time_text)]
    pub from: TimeSpec,
    /// The end of the window (default: now).
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    pub until: Option<TimeSpec>,
    /// The walks (at least one, at most 16); their edges are merged.
    pub walks: Vec<Walk>,
    /// What an edge's weight counts (default `bytes`).
    #[serde(default)]
    pub weighting: Option<Weighting>,
    /// What to add to each edge: `protocols`, `appearances`.
    #[serde(default)]
    #[schemars(length(max = MAX_ANNOTATIONS))]
    pub edge_annotations: Option<Vec<EdgeAnnotation>>,
}

/// Body of `POST /activitymaps/{id}/query`: the window; the walks and the
/// weighting are the saved map's.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct SavedMapQuery {
    /// The start of the window (required).
    #[schemars(schema_with = "time_schema", transform = time_text)]
    pub from: TimeSpec,
    /// The end of the window (default: now).
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    pub until: Option<TimeSpec>,
    /// What to add to each edge: `protocols`, `appearances`.
    #[serde(default)]
    #[schemars(length(max = MAX_ANNOTATIONS))]
    pub edge_annotations: Option<Vec<EdgeAnnotation>>,
}

/// Body of `POST /activitymaps`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(example = MapCreate::example())]
pub struct MapCreate {
    /// The map's name: 1 to 256 bytes.
    pub name: String,
    /// The walks the map shows (at least one).
    pub walks: Vec<Walk>,
    /// What the map is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The layout: `2dforce` (default) or `3dforce`.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// A short code unique among all maps (letters, digits, `-`, `_`; at
    /// most 64); default: generated.
    #[serde(default)]
    pub short_code: Option<String>,
    /// Whether the map colours devices by alert status (kept; wirewatch
    /// draws no maps).
    #[serde(default)]
    pub show_alert_status: Option<bool>,
    /// What an edge's weight counts (default `bytes`).
    #[serde(default)]
    pub weighting: Option<Weighting>,
}

impl MapCreate {
    pub fn example() -> MapCreate {
        serde_json::from_value(json!({
            "name": "Web servers and their clients",
            "walks": [{"origins": [{"object_type": "device_group", "object_id": 2}],
                       "steps": [{"relationships": [{"protocol": "HTTP", "role": "client"}]}]}],
            "weighting": "connections"
        }))
        .expect("a valid example")
    }
}

/// Body of `PATCH /activitymaps/{id}`: absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(example = MapPatch::example())]
pub struct MapPatch {
    /// The map's name: 1 to 256 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The walks the map shows (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walks: Option<Vec<Walk>>,
    /// What the map is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The layout: `2dforce` or `3dforce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// A short code unique among all maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_code: Option<String>,
    /// Whether the map colours devices by alert status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_alert_status: Option<bool>,
    /// What an edge's weight counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighting: Option<Weighting>,
    /// Transfer the map to this user (the owner or an administrator only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl MapPatch {
    pub fn example() -> MapPatch {
        MapPatch {
            name: Some("Web tier".into()),
            weighting: Some(Weighting::Bytes),
            ..MapPatch::default()
        }
    }
}

/// A saved activity map.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(example = ActivityMap::example())]
pub struct ActivityMap {
    /// The map's id.
    pub id: u64,
    /// The map's name.
    pub name: String,
    /// What the map is for.
    pub description: Option<String>,
    /// The layout: `2dforce` or `3dforce`.
    pub mode: Mode,
    /// The user who owns the map.
    pub owner: String,
    /// What the caller may do with the map: `view`; `edit` (the map and its
    /// sharing); `delete` and `transfer` (owner and administrators).
    pub rights: Vec<String>,
    /// The map's short code (unique among all maps).
    pub short_code: String,
    /// Whether the map colours devices by alert status.
    pub show_alert_status: bool,
    /// The walks the map shows.
    pub walks: Vec<Walk>,
    /// What an edge's weight counts.
    pub weighting: Weighting,
    /// When the map was last changed (ms).
    pub mod_time: i64,
}

impl ActivityMap {
    fn of(m: StoredMap, right: Right) -> ActivityMap {
        let rights: &[&str] = match right {
            Right::None => &[],
            Right::View => &["view"],
            Right::Edit => &["view", "edit"],
            Right::Own => &["view", "edit", "delete", "transfer"],
        };
        ActivityMap {
            id: m.id,
            name: m.name,
            description: m.description,
            mode: m.mode,
            owner: m.owner,
            rights: rights.iter().map(|r| r.to_string()).collect(),
            short_code: m.short_code,
            show_alert_status: m.show_alert_status,
            walks: m.walks,
            weighting: m.weighting,
            mod_time: m.mod_time,
        }
    }

    pub fn example() -> ActivityMap {
        let c = MapCreate::example();
        ActivityMap {
            id: 4,
            name: c.name,
            description: None,
            mode: Mode::TwoD,
            owner: "analyst1".into(),
            rights: vec![
                "view".into(),
                "edit".into(),
                "delete".into(),
                "transfer".into(),
            ],
            short_code: "3f9c2a1b".into(),
            show_alert_status: false,
            walks: c.walks,
            weighting: Weighting::Connections,
            mod_time: 1_767_225_600_000,
        }
    }
}

fn right_of(c: &Caller, groups: &[String], m: &StoredMap) -> Right {
    m.right_of_member(c.username(), groups, c.is_admin())
}

/// The enabled user groups the caller is a member of (a map shared with
/// one is shared with its members).
fn groups_of(s: &AppState, c: &Caller) -> ApiResult<Vec<String>> {
    Ok(s.store.usergroups_of(c.0.id)?)
}

/// The map of the path if the caller may `need` it: 404 when they cannot
/// see it, 403 when they see it but may not do this.
fn map_for(s: &AppState, c: &Caller, raw: &str, need: Right) -> ApiResult<StoredMap> {
    let id = parse_id("id", raw)?;
    let m = s
        .store
        .activity_map(id)?
        .ok_or_else(|| ApiError::not_found(format!("activity map {id}")))?;
    let have = right_of(c, &groups_of(s, c)?, &m);
    if have == Right::None {
        return Err(ApiError::not_found(format!("activity map {id}")));
    }
    if have < need {
        let what = match need {
            Right::Own => "only its owner or an administrator may do this",
            _ => "you may view this activity map but not change it",
        };
        return Err(ApiError::forbidden(what));
    }
    Ok(m)
}

fn resolve_time(field: &str, t: &TimeSpec, now: i64) -> ApiResult<i64> {
    t.resolve(now)
        .map_err(|e| ApiError::invalid(field, e.to_string()))
}

fn window(from: &TimeSpec, until: &Option<TimeSpec>) -> ApiResult<(i64, i64)> {
    let now = now_ms();
    let from = resolve_time("from", from, now)?;
    let until = match until {
        Some(u) => resolve_time("until", u, now)?,
        None => now,
    };
    if until < from {
        return Err(ApiError::invalid("until", "must not be before from"));
    }
    Ok((from, until))
}

fn check_annotations(a: &Option<Vec<EdgeAnnotation>>) -> ApiResult<Vec<EdgeAnnotation>> {
    let a = a.clone().unwrap_or_default();
    if a.len() > MAX_ANNOTATIONS {
        return Err(ApiError::invalid(
            "edge_annotations",
            format!("lists at most {MAX_ANNOTATIONS} annotations"),
        ));
    }
    Ok(a)
}

fn warning(kind: &str, message: String, props: serde_json::Value) -> Warning {
    let properties = match props {
        serde_json::Value::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    Warning {
        message,
        kind: kind.into(),
        properties,
    }
}

/// Sources resolved to device ids, each group once.
struct Sources<'s> {
    store: &'s Store,
    groups: HashMap<u64, Option<HashSet<u64>>>,
    devices: HashMap<u64, bool>,
    warnings: Vec<Warning>,
}

impl Sources<'_> {
    fn members(&mut self, field: &str, list: &[Source]) -> wirewatch_store::Result<Members> {
        let mut out = HashSet::new();
        for (i, src) in list.iter().enumerate() {
            let id = src.object_id.unwrap_or(0);
            match src.object_type {
                ObjectType::AllDevices => return Ok(Members::All),
                ObjectType::Device => {
                    let exists = match self.devices.get(&id) {
                        Some(e) => *e,
                        None => {
                            let e = self.store.device(id)?.is_some();
                            self.devices.insert(id, e);
                            e
                        }
                    };
                    if exists {
                        out.insert(id);
                    } else {
                        self.unknown(field, i, "device", id);
                    }
                }
                ObjectType::DeviceGroup => {
                    if !self.groups.contains_key(&id) {
                        let members = match self.store.devicegroup(id)? {
                            Some(g) => Some(
                                self.store
                                    .group_devices(&g)?
                                    .into_iter()
                                    .map(|d| d.id)
                                    .collect(),
                            ),
                            None => None,
                        };
                        self.groups.insert(id, members);
                    }
                    match &self.groups[&id] {
                        Some(m) => out.extend(m.iter().copied()),
                        None => self.unknown(field, i, "device group", id),
                    }
                }
                // Refused by validation.
                ObjectType::ActivityGroup => {}
            }
        }
        Ok(Members::Only(out))
    }

    fn unknown(&mut self, field: &str, i: usize, what: &str, id: u64) {
        self.warnings.push(warning(
            "unknown_object",
            format!("{field}[{i}]: {what} {id} does not exist; it matches no device"),
            json!({"field": format!("{field}[{i}]"), "object_id": id}),
        ));
    }

    fn set(&mut self, field: &str, list: &[Source]) -> wirewatch_store::Result<HashSet<u64>> {
        Ok(match self.members(field, list)? {
            Members::All => HashSet::new(),
            Members::Only(s) => s,
        })
    }
}

/// Run walks (already validated) over the window's traffic graph.
async fn topology(
    s: &AppState,
    walks: Vec<Walk>,
    weighting: Weighting,
    annotations: Vec<EdgeAnnotation>,
    from: i64,
    until: i64,
) -> ApiResult<Topology> {
    let store = s.store.clone();
    blocking(move || {
        let mut src = Sources {
            store: &store,
            groups: HashMap::new(),
            devices: HashMap::new(),
            warnings: Vec::new(),
        };
        let mut resolved = Vec::with_capacity(walks.len());
        for (w, walk) in walks.iter().enumerate() {
            let origins = src.members(&format!("walks[{w}].origins"), &walk.origins)?;
            let mut steps = Vec::with_capacity(walk.steps.len());
            for (i, step) in walk.steps.iter().enumerate() {
                let base = format!("walks[{w}].steps[{i}]");
                steps.push(ResolvedStep {
                    relationships: ResolvedStep::relationships_of(step),
                    peer_in: if step.peer_in.is_empty() {
                        None
                    } else {
                        Some(src.set(&format!("{base}.peer_in"), &step.peer_in)?)
                    },
                    peer_not_in: src.set(&format!("{base}.peer_not_in"), &step.peer_not_in)?,
                });
            }
            resolved.push(ResolvedWalk { origins, steps });
        }
        let mut warnings = src.warnings;
        let graph = store.flow_graph(from, until, MAX_FLOWS, MAX_GRAPH_EDGES)?;
        if graph.flow_limit_hit {
            warnings.push(warning(
                "flow_limit",
                format!("the window holds more than {MAX_FLOWS} flows; {MAX_FLOWS} were read, newest first (by storage segment): narrow from/until"),
                json!({"max_flows": MAX_FLOWS}),
            ));
        }
        if graph.graph_limit_hit {
            warnings.push(warning(
                "graph_limit",
                format!("the window's flows make more than {MAX_GRAPH_EDGES} device pairs and protocol stacks; the rest were left out: narrow from/until"),
                json!({"max_graph_edges": MAX_GRAPH_EDGES}),
            ));
        }
        if graph.unattributed > 0 {
            warnings.push(warning(
                "unattributed_flows",
                format!("{} of {} flows have an end that belongs to no device and are not on the map", graph.unattributed, graph.flows),
                json!({"flows": graph.flows, "unattributed": graph.unattributed}),
            ));
        }
        let (edges, cut) = run_walks(&graph.edges, &resolved, weighting, &annotations, MAX_EDGES);
        if cut {
            warnings.push(warning(
                "edge_limit",
                format!("more than {MAX_EDGES} edges: only the {MAX_EDGES} heaviest are answered"),
                json!({"max_edges": MAX_EDGES}),
            ));
        }
        Ok(Topology {
            from,
            until,
            warnings,
            edges,
        })
    })
    .await
}

async fn query(
    _: Guard<MetricsFull>,
    State(s): State<AppState>,
    Json(q): Json<TopologyQuery>,
) -> ApiResult<axum::Json<Topology>> {
    validate_walks(&q.walks)?;
    let annotations = check_annotations(&q.edge_annotations)?;
    let (from, until) = window(&q.from, &q.until)?;
    let t = topology(
        &s,
        q.walks,
        q.weighting.unwrap_or_default(),
        annotations,
        from,
        until,
    )
    .await?;
    Ok(axum::Json(t))
}

async fn saved_query(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(q): Json<SavedMapQuery>,
) -> ApiResult<axum::Json<Topology>> {
    let m = map_for(&s, &caller, &raw, Right::View)?;
    let annotations = check_annotations(&q.edge_annotations)?;
    let (from, until) = window(&q.from, &q.until)?;
    let t = topology(&s, m.walks, m.weighting, annotations, from, until).await?;
    Ok(axum::Json(t))
}

async fn list(
    caller: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<ActivityMap>>> {
    let groups = groups_of(&s, &caller)?;
    let maps = s
        .store
        .activity_maps()?
        .into_iter()
        .filter_map(|m| {
            let r = right_of(&caller, &groups, &m);
            (r != Right::None).then(|| ActivityMap::of(m, r))
        })
        .collect();
    Ok(axum::Json(maps))
}

async fn one(
    caller: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ActivityMap>> {
    let m = map_for(&s, &caller, &raw, Right::View)?;
    let r = right_of(&caller, &groups_of(&s, &caller)?, &m);
    Ok(axum::Json(ActivityMap::of(m, r)))
}

/// As the real product: 201 with an empty body and the new map's `Location`.
async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Json(b): Json<MapCreate>,
) -> ApiResult<Response> {
    validate_map_fields(
        Some(&b.name),
        b.description.as_deref(),
        b.short_code.as_deref(),
    )?;
    validate_walks(&b.walks)?;
    let m = s.store.save_activity_map(StoredMap {
        id: 0,
        name: b.name,
        description: b.description,
        mode: b.mode.unwrap_or_default(),
        owner: caller.username().to_string(),
        short_code: b
            .short_code
            .unwrap_or_else(|| wirewatch_store::random_hex(4)),
        show_alert_status: b.show_alert_status.unwrap_or(false),
        walks: b.walks,
        weighting: b.weighting.unwrap_or_default(),
        mod_time: 0,
        sharing: Sharing::default(),
    })?;
    audit(
        &s,
        &caller,
        "create activity map",
        "activitymaps",
        json!({"id": m.id, "name": m.name}),
    );
    Ok(super::created_at(format!("/api/v1/activitymaps/{}", m.id)))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(b): Json<MapPatch>,
) -> ApiResult<StatusCode> {
    let need = if b.owner.is_some() {
        Right::Own
    } else {
        Right::Edit
    };
    let mut m = map_for(&s, &caller, &raw, need)?;
    validate_map_fields(
        b.name.as_deref(),
        b.description.as_deref(),
        b.short_code.as_deref(),
    )?;
    if let Some(w) = &b.walks {
        validate_walks(w)?;
    }
    if let Some(o) = &b.owner {
        if s.store.user(o)?.is_none() {
            return Err(ApiError::invalid(
                "owner",
                format!("user {o:?} does not exist"),
            ));
        }
        m.owner = o.clone();
    }
    if let Some(v) = b.name {
        m.name = v;
    }
    if let Some(v) = b.walks {
        m.walks = v;
    }
    if let Some(v) = b.description {
        m.description = Some(v);
    }
    if let Some(v) = b.mode {
        m.mode = v;
    }
    if let Some(v) = b.short_code {
        m.short_code = v;
    }
    if let Some(v) = b.show_alert_status {
        m.show_alert_status = v;
    }
    if let Some(v) = b.weighting {
        m.weighting = v;
    }
    let m = s.store.save_activity_map(m)?;
    audit(
        &s,
        &caller,
        "update activity map",
        "activitymaps",
        json!({"id": m.id, "owner": m.owner}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let m = map_for(&s, &caller, &raw, Right::Own)?;
    s.store.delete_activity_map(m.id)?;
    audit(
        &s,
        &caller,
        "delete activity map",
        "activitymaps",
        json!({"id": m.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn sharing(
    caller: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Sharing>> {
    Ok(axum::Json(map_for(&s, &caller, &raw, Right::View)?.sharing))
}

async fn share(
    caller: &Caller,
    s: &AppState,
    raw: &str,
    change: SharingChange,
    replace: bool,
) -> ApiResult<StatusCode> {
    let mut m = map_for(s, caller, raw, Right::Edit)?;
    change.validate()?;
    for (name, grant) in change.users.iter().flatten() {
        if grant.is_some() && s.store.user(name)?.is_none() {
            return Err(ApiError::invalid(
                format!("users.{name}"),
                format!("user {name:?} does not exist"),
            ));
        }
    }
    if replace {
        m.sharing = change.replace();
    } else {
        change.merge_into(&mut m.sharing);
    }
    for field in ["users", "groups"] {
        let n = if field == "users" {
            m.sharing.users.len()
        } else {
            m.sharing.groups.len()
        };
        if n > wirewatch_model::activitymap::MAX_GRANTS {
            return Err(ApiError::invalid(
                field,
                format!(
                    "a map has at most {} grants",
                    wirewatch_model::activitymap::MAX_GRANTS
                ),
            ));
        }
    }
    let m = s.store.save_activity_map(m)?;
    audit(
        s,
        caller,
        "share activity map",
        "activitymaps",
        json!({"id": m.id, "sharing": m.sharing}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn share_merge(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(b): Json<SharingChange>,
) -> ApiResult<StatusCode> {
    share(&caller, &s, &raw, b, false).await
}

async fn share_replace(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(b): Json<SharingChange>,
) -> ApiResult<StatusCode> {
    share(&caller, &s, &raw, b, true).await
}
