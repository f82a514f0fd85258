//! The database schema and its migrations, plus the `meta` key/value table.

use crate::Result;
use rusqlite::{Connection, OptionalExtension};
use wirewatch_model::settings::Ticketing;

/// Migrations, applied in order; the index + 1 is the schema version.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    date_joined INTEGER NOT NULL,
    granted_roles TEXT NOT NULL,
    password_hash TEXT
);
CREATE TABLE apikeys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    last4 TEXT NOT NULL,
    time_added INTEGER NOT NULL
);
CREATE TABLE detections (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    risk_score INTEGER NOT NULL,
    status TEXT,
    resolution TEXT,
    assignee TEXT,
    ticket_id TEXT,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    mod_time INTEGER NOT NULL,
    recommended INTEGER NOT NULL,
    is_user_created INTEGER NOT NULL,
    appliance_id INTEGER NOT NULL,
    hidden_by INTEGER,
    doc TEXT NOT NULL
);
CREATE INDEX detections_update ON detections(update_time DESC, id);
CREATE INDEX detections_ticket ON detections(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX detections_assignee ON detections(assignee);
CREATE INDEX detections_status ON detections(status);
CREATE INDEX detections_type ON detections(type, update_time DESC);
CREATE INDEX detections_risk ON detections(risk_score);
CREATE INDEX detections_start ON detections(start_time);
CREATE INDEX detections_create ON detections(create_time);
CREATE INDEX detections_mod ON detections(mod_time);
CREATE INDEX detections_hidden ON detections(hidden_by) WHERE hidden_by IS NOT NULL;
CREATE TABLE detection_categories (
    category TEXT NOT NULL,
    detection_id INTEGER NOT NULL,
    PRIMARY KEY (category, detection_id)
) WITHOUT ROWID;
CREATE TABLE detection_participants (
    object_key TEXT NOT NULL,
    detection_id INTEGER NOT NULL,
    PRIMARY KEY (object_key, detection_id)
) WITHOUT ROWID;
CREATE INDEX detection_participants_det ON detection_participants(detection_id);
CREATE TABLE notes (
    detection_id INTEGER PRIMARY KEY,
    author TEXT NOT NULL,
    note TEXT NOT NULL,
    update_time INTEGER NOT NULL
);
CREATE TABLE investigations (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE investigation_detections (
    investigation_id INTEGER NOT NULL REFERENCES investigations(id) ON DELETE CASCADE,
    detection_id INTEGER NOT NULL,
    PRIMARY KEY (investigation_id, detection_id)
) WITHOUT ROWID;
CREATE INDEX investigation_detections_det ON investigation_detections(detection_id);
CREATE TABLE formats (type TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE rules (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE rule_hidden_participants (
    rule_id INTEGER NOT NULL,
    object_key TEXT NOT NULL,
    PRIMARY KEY (rule_id, object_key)
) WITHOUT ROWID;
CREATE TABLE localities (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    ipaddr TEXT NOT NULL,
    associated_ipaddr TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    source TEXT NOT NULL,
    received_time INTEGER NOT NULL
);
CREATE INDEX observations_ip ON observations(ipaddr);
CREATE INDEX observations_assoc ON observations(associated_ipaddr);
CREATE TABLE auditlog (
    id INTEGER PRIMARY KEY,
    occur_time INTEGER NOT NULL,
    time INTEGER NOT NULL,
    body TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    time INTEGER NOT NULL,
    client_addr TEXT,
    server_addr TEXT,
    client_port INTEGER,
    server_port INTEGER,
    doc TEXT NOT NULL
);
CREATE INDEX records_time ON records(time);
CREATE INDEX records_type_time ON records(type, time);
CREATE INDEX records_server_port ON records(server_port, time);
CREATE TABLE ingests (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started INTEGER NOT NULL,
    finished INTEGER,
    stats TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    discovery_id TEXT NOT NULL UNIQUE,
    last_seen INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX devices_last_seen ON devices(last_seen);
CREATE TABLE device_ips (
    ipaddr TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (ipaddr, device_id)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, mod_time INTEGER NOT NULL);
CREATE TABLE device_tags (
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (tag_id, device_id)
) WITHOUT ROWID;
CREATE INDEX device_tags_device ON device_tags(device_id);
CREATE TABLE devicegroups (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE devicegroup_members (
    group_id INTEGER NOT NULL REFERENCES devicegroups(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL,
    PRIMARY KEY (group_id, device_id)
) WITHOUT ROWID;
CREATE TABLE watchlist (device_id INTEGER PRIMARY KEY);
"#,
    r#"
CREATE TABLE metrics (
    object_type TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    key1 TEXT NOT NULL,
    cycle INTEGER NOT NULL,
    time INTEGER NOT NULL,
    count REAL,
    dataset TEXT,
    PRIMARY KEY (object_type, category, name, cycle, object_id, time, key1)
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE records ADD COLUMN client_v4 INTEGER;
ALTER TABLE records ADD COLUMN server_v4 INTEGER;
"#,
    r#"
CREATE TABLE ods_targets (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE TABLE ods_outbox (
    id INTEGER PRIMARY KEY,
    key_id INTEGER,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    msg TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ods_outbox_target ON ods_outbox(kind, target, id);
CREATE TABLE ods_dead (
    id INTEGER PRIMARY KEY,
    key_id INTEGER,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    msg TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    dead_time INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT NOT NULL,
    error TEXT
);
CREATE INDEX ods_dead_target ON ods_dead(kind, target, id);
CREATE TABLE ods_stats (
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_time INTEGER,
    last_sent_time INTEGER,
    PRIMARY KEY (kind, target)
);
CREATE TABLE triggers (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE trigger_events (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    object_id INTEGER,
    is_new INTEGER NOT NULL DEFAULT 0,
    body TEXT,
    origin INTEGER,
    time INTEGER NOT NULL
);
CREATE INDEX trigger_events_object ON trigger_events(object_id) WHERE object_id IS NOT NULL;
CREATE TABLE trigger_log (
    id INTEGER PRIMARY KEY,
    trigger_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    level TEXT NOT NULL,
    event TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX trigger_log_trigger ON trigger_log(trigger_id, id);
CREATE TABLE trigger_stats (
    trigger_id INTEGER PRIMARY KEY,
    runs INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    budget_exceeded INTEGER NOT NULL DEFAULT 0,
    total_us INTEGER NOT NULL DEFAULT 0,
    max_us INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_run_time INTEGER
);
"#,
    r#"
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    count INTEGER NOT NULL,
    rule TEXT NOT NULL,
    offender TEXT NOT NULL,
    title TEXT NOT NULL,
    open INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX tickets_created ON tickets(created);
CREATE INDEX tickets_updated ON tickets(updated);
CREATE INDEX tickets_status ON tickets(status, created);
CREATE INDEX tickets_open ON tickets(rule, offender) WHERE open = 1;
CREATE TABLE ticket_detections (
    ticket_id INTEGER NOT NULL,
    detection_id INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, detection_id)
) WITHOUT ROWID;
CREATE TABLE ticket_users (
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    ticket_id INTEGER NOT NULL,
    PRIMARY KEY (username, role, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_users_ticket ON ticket_users(ticket_id);
CREATE TABLE ticket_files (guid TEXT PRIMARY KEY, ticket_id INTEGER NOT NULL, data BLOB NOT NULL);
"#,
    r#"
ALTER TABLE tickets ADD COLUMN assignee TEXT;
DROP INDEX tickets_created;
DROP INDEX tickets_status;
CREATE INDEX tickets_list ON tickets(created, status, priority, title);
CREATE INDEX tickets_status ON tickets(status, priority, created);
"#,
    r#"
CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    create_time INTEGER NOT NULL
);
CREATE TABLE incidents (
    detection_id INTEGER NOT NULL,
    connector_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    external_title TEXT NOT NULL,
    url TEXT NOT NULL,
    pushed_time INTEGER NOT NULL,
    note_time INTEGER,
    remote_status TEXT,
    remote_assignee TEXT,
    synced_time INTEGER,
    PRIMARY KEY (detection_id, connector_id)
) WITHOUT ROWID;
CREATE INDEX incidents_external ON incidents(connector_id, external_id);
CREATE INDEX incidents_title ON incidents(connector_id, external_title);
CREATE TABLE incident_queue (
    id INTEGER PRIMARY KEY,
    connector_id TEXT NOT NULL,
    detection_id INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_queue_connector ON incident_queue(connector_id, id);
CREATE TABLE incident_failed (
    id INTEGER PRIMARY KEY,
    connector_id TEXT NOT NULL,
    detection_id INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    failed_time INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL
);
CREATE INDEX incident_failed_connector ON incident_failed(connector_id, id);
CREATE TABLE incident_stats (
    connector_id TEXT PRIMARY KEY,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    synced INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_time INTEGER,
    last_push_time INTEGER
);
"#,
    r#"
CREATE TABLE record_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    min_time INTEGER,
    max_time INTEGER,
    rows INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    created INTEGER NOT NULL,
    written INTEGER NOT NULL
);
"#,
    // Metric retention counts from when a point was stored, as records' does;
    // points stored before this column count from the upgrade.
    r#"
ALTER TABLE metrics ADD COLUMN stored INTEGER;
UPDATE metrics SET stored = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
CREATE INDEX metrics_stored ON metrics(cycle, stored);
"#,
    // What trigger runs produced beyond their per-run caps (dropped, counted).
    r#"
ALTER TABLE trigger_stats ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;
"#,
    // What `wirewatch ingest` stored from each capture file, so a rerun skips
    // it and a killed run resumes (see `ingested.rs`).
    r#"
CREATE TABLE ingested_files (
    id INTEGER PRIMARY KEY,
    head TEXT NOT NULL,
    head_len INTEGER NOT NULL,
    start_packets INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    size INTEGER NOT NULL,
    tail TEXT NOT NULL,
    complete INTEGER NOT NULL,
    records INTEGER NOT NULL,
    detections INTEGER NOT NULL,
    path TEXT NOT NULL,
    updated INTEGER NOT NULL
);
CREATE INDEX ingested_files_head ON ingested_files(head_len, head, id);
"#,
    // Saved activity maps (walks, owner, sharing in `doc`); short codes are
    // unique across all maps.
    r#"
CREATE TABLE activitymaps (
    id INTEGER PRIMARY KEY,
    short_code TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
"#,
    // Alerts, e-mail groups, their assignments, firings and the durable
    // outbox of alert e-mail (see `alerts.rs`).
    r#"
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    detection_mark INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE emailgroups (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE alert_devices (
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, device_id)
);
CREATE INDEX alert_devices_by_device ON alert_devices(device_id);
CREATE TABLE alert_devicegroups (
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES devicegroups(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, group_id)
);
CREATE INDEX alert_devicegroups_by_group ON alert_devicegroups(group_id);
CREATE TABLE alert_emailgroups (
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES emailgroups(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, group_id)
);
CREATE TABLE alert_firings (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    object_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX alert_firings_by_object ON alert_firings(alert_id, object_id, time);
CREATE TABLE alert_mail (
    id INTEGER PRIMARY KEY,
    firing_id INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error TEXT,
    created INTEGER NOT NULL
);
CREATE INDEX alert_mail_due ON alert_mail(next_attempt);
"#,
    // Custom devices (`/customdevices`) and their criteria; each has an
    // entry in `devices` (discovery id = its `extrahop_id`).
    r#"
CREATE TABLE custom_devices (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    extrahop_id TEXT NOT NULL UNIQUE,
    device_id INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE custom_device_criteria (
    id INTEGER PRIMARY KEY,
    custom_device_id INTEGER NOT NULL REFERENCES custom_devices(id) ON DELETE CASCADE,
    doc TEXT NOT NULL
);
CREATE INDEX custom_device_criteria_device ON custom_device_criteria(custom_device_id, id);
"#,
    // Web app sessions (`/app/login`): only the token's SHA-256 digest is
    // kept; a session ends at `expires` (absolute) or after its idle time
    // since `last_seen`, at logout, and with its user (cascade). And the
    // participant-by-role index of the detection search (the web app's
    // offender/victim filters).
    r#"
CREATE TABLE app_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires INTEGER NOT NULL
);
CREATE INDEX app_sessions_user ON app_sessions(user_id, created);
CREATE INDEX app_sessions_expires ON app_sessions(expires);
-- The search's offender/victim filters: "role|value" for each participant's
-- address, object value, host name and object id; filled for the detections
-- already stored.
CREATE TABLE detection_roles (
    role_key TEXT NOT NULL,
    detection_id INTEGER NOT NULL,
    PRIMARY KEY (role_key, detection_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO detection_roles(role_key, detection_id)
    SELECT json_extract(p.value, '$.role') || '|' || v.value, d.id
    FROM detections d, json_each(d.doc, '$.participants') p,
         json_each(json_array(json_extract(p.value, '$.ipaddr'), json_extract(p.value, '$.object_value'),
                              json_extract(p.value, '$.hostname'),
                              CAST(json_extract(p.value, '$.object_id') AS TEXT))) v
    WHERE v.type != 'null' AND json_extract(p.value, '$.role') IS NOT NULL;
"#,
    // Records written with the ExtraHop formats' field names (`senderAddr`,
    // `proto`…) are in segments with `names` = 1; the segments of before
    // (0) keep the old names, are read through `record::upgrade_legacy`
    // and take no new records.
    r#"
ALTER TABLE record_segments ADD COLUMN names INTEGER NOT NULL DEFAULT 0;
"#,
    // TLS decryption (`/ssldecryptkeys`): RSA private keys (sealed, see
    // `secrets.rs`) with their protocols/ports and counters, and key log
    // lines (uploaded, or worked out by the sensor from an RSA key; the
    // secret sealed), looked up by client random.
    r#"
CREATE TABLE ssl_decrypt_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    cert_pem TEXT,
    private_key TEXT NOT NULL,
    created INTEGER NOT NULL,
    decrypted INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE ssl_decrypt_key_protocols (
    key_id TEXT NOT NULL REFERENCES ssl_decrypt_keys(id) ON DELETE CASCADE,
    protocol TEXT NOT NULL,
    port INTEGER NOT NULL,
    PRIMARY KEY (key_id, protocol, port)
) WITHOUT ROWID;
CREATE TABLE tls_session_keys (
    client_random TEXT NOT NULL,
    label TEXT NOT NULL,
    secret TEXT NOT NULL,
    source TEXT NOT NULL,
    added INTEGER NOT NULL,
    PRIMARY KEY (client_random, label)
) WITHOUT ROWID;
CREATE INDEX tls_session_keys_added ON tls_session_keys(added);
"#,
    // User groups (`/usergroups`, id `local.<name>`): their members inherit
    // `granted_roles`; and identity providers (`/auth/identityproviders`)
    // with their attribute → privilege mappings.
    r#"
CREATE TABLE usergroups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    enabled INTEGER NOT NULL,
    granted_roles TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE usergroup_members (
    group_id TEXT NOT NULL REFERENCES usergroups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX usergroup_members_user ON usergroup_members(user_id, group_id);
CREATE TABLE identity_providers (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL,
    privileges TEXT NOT NULL
);
"#,
    // Threat collections and their observables (normalised; `kind` is
    // `ipaddr`, `cidr`, `hostname` or `uri`), indexed by collection and by
    // value. `counts` and `backsearch` are JSON (`ObservableCounts`,
    // `BackSearch`).
    r#"
CREATE TABLE threat_collections (
    id INTEGER PRIMARY KEY,
    user_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    filename TEXT,
    last_updated INTEGER NOT NULL,
    counts TEXT NOT NULL,
    backsearch TEXT
);
CREATE TABLE threat_observables (
    collection_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (collection_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX threat_observables_value ON threat_observables(value);
"#,
    // The detection search's own indexes (the web app's figures, issue 14):
    // one per sort the Detections page offers, each led by `hidden_by` (the
    // search's `hidden_by IS NULL`) and the sort keys in the page's
    // directions, then every other column a filter or the histogram reads,
    // so a page of 50 and a histogram are index-only scans that never read
    // a detection's document (`search.rs` names them with INDEXED BY). The
    // one-column indexes they supersede go.
    r#"
DROP INDEX detections_risk;
DROP INDEX detections_status;
DROP INDEX detections_assignee;
CREATE INDEX detections_by_start ON detections(hidden_by, start_time, end_time, status, risk_score, assignee, ticket_id, type, update_time);
CREATE INDEX detections_by_risk ON detections(hidden_by, risk_score, start_time, end_time, status, assignee, ticket_id, type);
CREATE INDEX detections_by_status ON detections(hidden_by, status, risk_score DESC, start_time, end_time, assignee, ticket_id, type);
CREATE INDEX detections_by_assignee ON detections(hidden_by, assignee, risk_score DESC, start_time, end_time, status, ticket_id, type);
CREATE INDEX detections_by_update ON detections(hidden_by, update_time, start_time, end_time, status, risk_score, assignee, ticket_id, type);
"#,
    // Trigger assignments (`/triggers/{id}/devices`, `/triggers/{id}/devicegroups`):
    // what a trigger with `apply_all: false` runs for.
    r#"
CREATE TABLE trigger_devices (
    trigger_id INTEGER NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    PRIMARY KEY (trigger_id, device_id)
);
CREATE INDEX trigger_devices_by_device ON trigger_devices(device_id);
CREATE TABLE trigger_devicegroups (
    trigger_id INTEGER NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES devicegroups(id) ON DELETE CASCADE,
    PRIMARY KEY (trigger_id, group_id)
);
CREATE INDEX trigger_devicegroups_by_group ON trigger_devicegroups(group_id);
"#,
    // SAML login: the IDs of the assertions used, until they expire (a
    // replayed assertion is refused, across restarts too).
    r#"
CREATE TABLE saml_assertions (
    id TEXT PRIMARY KEY,
    idp_id INTEGER NOT NULL,
    expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX saml_assertions_expires ON saml_assertions(expires);
"#,
    // One index fewer for the create throughput of issue 2 (each index is
    // a B-tree insert per new detection): the update order had two, the
    // one-column `detections_update` (searches including hidden detections,
    // the planner's choice; the API's default order) and the covering
    // `detections_by_update` led by `hidden_by` (visible only, `INDEXED BY`).
    // One covering index now serves both: led by `update_time DESC, id`, the
    // default order exactly (no sort step), then `hidden_by` and the columns
    // the filters read, so a search of visible detections skips hidden ones
    // from the index alone. The time order keeps its two (`detections_start`
    // for searches including hidden ones): the histogram reads every match
    // and seeks past the hidden detections by its leading `hidden_by`.
    r#"
DROP INDEX detections_update;
DROP INDEX detections_by_update;
CREATE INDEX detections_by_update ON detections(update_time DESC, id, hidden_by, start_time, end_time, status, risk_score, assignee, ticket_id, type);
"#,
];

/// Bring the schema up to date.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    // Only when a migration just ran: a full scan at every start would be slow.
    if (version as usize) < MIGRATIONS.len() {
        let legacy: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records')",
            [],
            |r| r.get(0),
        )?;
        if legacy {
            backfill_v4(&tx)?;
        }
        crate::records::adopt_legacy_table(&tx)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fill the IPv4 columns of records stored before they existed.
fn backfill_v4(tx: &Connection) -> Result<()> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = {
        let mut stmt = tx.prepare(
            "SELECT id, client_addr, server_addr FROM records
             WHERE (client_v4 IS NULL AND client_addr LIKE '%.%') OR (server_v4 IS NULL AND server_addr LIKE '%.%')",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let num = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
            .map(|ip| i64::from(u32::from(ip)))
    };
    for (id, c, sv) in rows {
        tx.execute(
            "UPDATE records SET client_v4 = ?2, server_v4 = ?3 WHERE id = ?1",
            rusqlite::params![id, num(&c), num(&sv)],
        )?;
    }
    Ok(())
}

pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES(?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// Take the next value of a named counter (inside a write transaction).
pub fn next_counter(conn: &Connection, key: &str, by: u64) -> Result<u64> {
    let cur: u64 = meta_get(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    meta_set(conn, key, &(cur + by).to_string())?;
    Ok(cur + 1)
}

pub fn load_ticketing(conn: &Connection) -> Result<Ticketing> {
    Ok(match meta_get(conn, "ticketing")? {
        Some(v) => serde_json::from_str(&v)?,
        None => Ticketing::default(),
    })
}
