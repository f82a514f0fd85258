//! The audit log: every change made through the API (who, what, when).

use crate::{Result, Store};
use rusqlite::params;
use serde::Serialize;
use serde_json::Value;
use wirewatch_model::now_ms;

/// One audit log message.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(example = AuditEntry::example())]
pub struct AuditEntry {
    /// The message's id.
    pub id: u64,
    /// When the change happened (ms).
    pub occur_time: i64,
    /// When it was logged (ms).
    pub time: i64,
    /// What happened.
    #[schemars(with = "AuditBody")]
    pub body: Value,
}

/// The `body` of an [`AuditEntry`], as the store writes it (stored as JSON
/// text, read back as a `Value`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(inline)]
pub struct AuditBody {
    /// The username of the caller.
    pub user: String,
    /// What was done, e.g. `update detection`.
    pub operation: String,
    /// The resource, e.g. `detections`.
    pub component: String,
    /// Operation-specific details (ids, changed fields).
    pub details: serde_json::Map<String, Value>,
}

impl AuditEntry {
    /// The example of the API's documentation.
    pub fn example() -> AuditEntry {
        AuditEntry {
            id: 12,
            occur_time: 1_767_225_600_000,
            time: 1_767_225_600_000,
            body: serde_json::json!({"user": "alice", "operation": "update detection",
                "component": "detections", "details": {"id": 1042, "changes": {"status": "in_progress"}}}),
        }
    }
}

/// Append an entry inside an open transaction.
pub(crate) fn insert(
    conn: &rusqlite::Connection,
    user: &str,
    operation: &str,
    component: &str,
    details: Value,
) -> Result<()> {
    let body = serde_json::json!({
        "user": user,
        "operation": operation,
        "component": component,
        "details": details,
    });
    conn.execute(
        "INSERT INTO auditlog(occur_time, time, body) VALUES(?1, ?1, ?2)",
        params![now_ms(), body.to_string()],
    )?;
    Ok(())
}

impl Store {
    /// Append an entry.
    pub fn audit(
        &self,
        user: &str,
        operation: &str,
        component: &str,
        details: Value,
    ) -> Result<()> {
        let now = now_ms();
        let body = serde_json::json!({
            "user": user,
            "operation": operation,
            "component": component,
            "details": details,
        });
        self.write(|tx| {
            tx.execute(
                "INSERT INTO auditlog(occur_time, time, body) VALUES(?1, ?1, ?2)",
                params![now, body.to_string()],
            )?;
            Ok(())
        })
    }

    /// Newest entries first.
    pub fn audit_log(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id, occur_time, time, body FROM auditlog ORDER BY id DESC LIMIT ?1 OFFSET ?2")?;
            let rows = stmt.query_map(params![limit, offset], |r| {
                let body: String = r.get(3)?;
                Ok(AuditEntry {
                    id: r.get(0)?,
                    occur_time: r.get(1)?,
                    time: r.get(2)?,
                    body: serde_json::from_str(&body).unwrap_or(Value::Null),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
