//! Internal tickets: storage, listing, the detection → ticket merge, and the
//! write-back of a ticket's state onto its detections.
//!
//! `count`, `updated` and the detection links live in columns and a link
//! table (a merge is one UPDATE and one INSERT, however many detections a
//! ticket already holds); the rest of the ticket is a JSON document.

use crate::detections::{load, save};
use crate::error::Refusal;
use crate::{triggers, Result, Store, StoreError};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use wirewatch_model::detection::{Detection, Role};
use wirewatch_model::ticket::{Attachment, Format, Priority, Ticket, TicketStatus};
use wirewatch_model::{now_ms, Error};

/// Largest attachment accepted (bytes).
pub const MAX_ATTACHMENT: usize = 8 * 1024 * 1024 - 1024;
/// Most tickets one listing returns.
pub const MAX_LIMIT: usize = 1000;

/// Format 16 bytes as an RFC 4122 GUID of the given version (4: random, 5: name-based).
pub fn guid_from(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A random RFC 4122 version 4 GUID.
pub fn new_guid() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    guid_from(b, 4)
}

/// Whether `s` is a GUID (36 characters, hex in 8-4-4-4-12 groups).
pub fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Sort keys of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketOrder {
    Created,
    Updated,
    Id,
    Priority,
    Status,
    Count,
}

/// `GET /api/sonar/tickets` parameters, checked.
#[derive(Debug, Clone)]
pub struct TicketQuery {
    pub offset: usize,
    pub limit: usize,
    /// Created at or after (ms).
    pub from: Option<i64>,
    /// Created before (ms).
    pub to: Option<i64>,
    pub statuses: Vec<TicketStatus>,
    pub priorities: Vec<Priority>,
    /// Every word must appear in the title (which names the rule and the offender).
    pub keywords: Vec<String>,
    pub assignees: Vec<String>,
    pub approvers: Vec<String>,
    pub order: TicketOrder,
    pub descending: bool,
    /// Only tickets whose every linked detection these modules see.
    pub visibility: crate::Visibility,
}

impl Default for TicketQuery {
    fn default() -> Self {
        TicketQuery {
            offset: 0,
            limit: 100,
            from: None,
            to: None,
            statuses: vec![],
            priorities: vec![],
            visibility: crate::Visibility::ALL,
            keywords: vec![],
            assignees: vec![],
            approvers: vec![],
            order: TicketOrder::Created,
            descending: true,
        }
    }
}

fn offender_of(d: &Detection) -> String {
    let p = d
        .participants
        .iter()
        .find(|p| p.role == Role::Offender)
        .or_else(|| d.participants.first());
    match p {
        Some(p) => p
            .object_value
            .clone()
            .or_else(|| p.ipaddr.clone())
            .or_else(|| p.hostname.clone())
            .or_else(|| p.object_id.map(|i| format!("device {i}")))
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn row_to_ticket(doc: &str, count: u32, updated: i64) -> Result<Ticket> {
    let mut t: Ticket = serde_json::from_str(doc)?;
    t.count = count;
    t.updated = updated;
    Ok(t)
}

pub(crate) fn load_ticket(conn: &Connection, guid: &str) -> Result<Option<Ticket>> {
    let row = conn
        .query_row(
            "SELECT doc, count, updated, id FROM tickets WHERE guid = ?1",
            [guid],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((doc, count, updated, id)) = row else {
        return Ok(None);
    };
    let mut t = row_to_ticket(&doc, count, updated)?;
    let mut stmt = conn.prepare_cached(
        "SELECT detection_id FROM ticket_detections WHERE ticket_id = ?1 ORDER BY detection_id",
    )?;
    t.detection_ids = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(t))
}

fn write_ticket(tx: &Connection, t: &Ticket) -> Result<()> {
    tx.execute(
        "UPDATE tickets SET status = ?2, priority = ?3, updated = ?4, count = ?5, title = ?6,
         open = ?7, doc = ?8, assignee = ?9 WHERE id = ?1",
        params![
            t.id,
            t.status.as_str(),
            t.priority.as_str(),
            t.updated,
            t.count,
            t.title,
            t.is_open(),
            serde_json::to_string(t)?,
            t.lead_assignee(),
        ],
    )?;
    tx.execute("DELETE FROM ticket_users WHERE ticket_id = ?1", [t.id])?;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO ticket_users(username, role, ticket_id) VALUES(?1, ?2, ?3)",
    )?;
    for a in &t.assignees {
        ins.execute(params![a.username, "assignee", t.id])?;
    }
    for a in &t.approvers {
        ins.execute(params![a.username, "approver", t.id])?;
    }
    Ok(())
}

fn insert_ticket(tx: &Connection, t: &mut Ticket) -> Result<()> {
    tx.execute(
        "INSERT INTO tickets(guid, status, priority, created, updated, count, rule, offender, title, open, doc)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, '{}')",
        params![
            t.guid,
            t.status.as_str(),
            t.priority.as_str(),
            t.created,
            t.updated,
            t.count,
            t.rule,
            t.offender,
            t.title
        ],
    )?;
    t.id = tx.last_insert_rowid() as u32;
    write_ticket(tx, t)
}

/// Put a ticket's state on its detections (and tell triggers they changed).
fn sync_detections(store: &Store, tx: &Connection, t: &Ticket) -> Result<()> {
    let now = now_ms();
    for id in &t.detection_ids {
        let Some((mut d, _)) = load(tx, *id)? else {
            continue;
        };
        d.ticket_id = Some(t.guid.clone());
        d.status = Some(t.status.detection_status());
        d.assignee = t.lead_assignee().map(str::to_string);
        d.mod_time = now.max(d.mod_time + 1);
        save(tx, &d)?;
        triggers::enqueue(store, tx, "DETECTION_UPDATE", Some(d.id), false, None)?;
    }
    Ok(())
}

impl Store {
    /// A new detection joins the open ticket of its type and offender, or
    /// opens one; its `ticket_id`, `status` and `assignee` are set from the
    /// ticket. Called inside the detection's transaction.
    pub(crate) fn ticket_for_detection(&self, tx: &Connection, d: &mut Detection) -> Result<()> {
        let offender = offender_of(d);
        let now = now_ms();
        let open: Option<(i64, String, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT id, guid, status, assignee FROM tickets WHERE open = 1 AND rule = ?1 AND offender = ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![d.kind, offender], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let (id, guid, status, assignee) = match open {
            Some((id, guid, status, assignee)) => {
                tx.prepare_cached(
                    "UPDATE tickets SET count = count + 1, updated = ?2 WHERE id = ?1",
                )?
                .execute(params![id, now])?;
                let status = TicketStatus::parse(&status).ok_or_else(|| {
                    StoreError::Inconsistent(format!("stored ticket status {status:?}"))
                })?;
                (id, guid, status, assignee)
            }
            None => {
                let mut t = Ticket {
                    id: 0,
                    guid: new_guid(),
                    title: if offender.is_empty() {
                        d.title.clone()
                    } else {
                        format!("{}: {offender}", d.title)
                    },
                    priority: Priority::from_risk(d.risk_score),
                    status: TicketStatus::New,
                    format: Format::Json,
                    rule: d.kind.clone(),
                    rule_name: d.title.clone(),
                    offender: offender.clone(),
                    count: 1,
                    content: serde_json::to_string(&*d)?,
                    risk_score: Some(d.risk_score),
                    mitre_techniques: d.mitre_techniques.iter().map(|m| m.id.clone()).collect(),
                    attack: false,
                    incident: false,
                    assignees: vec![],
                    approvers: vec![],
                    comments: vec![],
                    attachments: vec![],
                    created: now,
                    updated: now,
                    closed: None,
                    author: "system".into(),
                    author_name: "system".into(),
                    detection_ids: vec![],
                };
                insert_ticket(tx, &mut t)?;
                (t.id as i64, t.guid, t.status, None)
            }
        };
        tx.prepare_cached(
            "INSERT OR IGNORE INTO ticket_detections(ticket_id, detection_id) VALUES(?1, ?2)",
        )?
        .execute(params![id, d.id])?;
        d.ticket_id = Some(guid);
        d.status = Some(status.detection_status());
        d.assignee = assignee;
        Ok(())
    }

    pub fn ticket(&self, guid: &str) -> Result<Option<Ticket>> {
        self.read(|c| load_ticket(c, guid))
    }

    /// A page of tickets and the total matching.
    pub fn tickets(&self, q: &TicketQuery) -> Result<(u64, Vec<Ticket>)> {
        let mut cond: Vec<String> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        use rusqlite::types::Value as V;
        if let Some(f) = q.from {
            cond.push("created >= ?".into());
            args.push(V::Integer(f));
        }
        if let Some(t) = q.to {
            cond.push("created < ?".into());
            args.push(V::Integer(t));
        }
        if !q.statuses.is_empty() {
            cond.push(format!(
                "status IN ({})",
                vec!["?"; q.statuses.len()].join(",")
            ));
            args.extend(q.statuses.iter().map(|s| V::Text(s.as_str().into())));
        }
        if !q.priorities.is_empty() {
            cond.push(format!(
                "priority IN ({})",
                vec!["?"; q.priorities.len()].join(",")
            ));
            args.extend(q.priorities.iter().map(|s| V::Text(s.as_str().into())));
        }
        for k in &q.keywords {
            // LIKE is case-insensitive for ASCII without allocating per row.
            cond.push("title LIKE ? ESCAPE '\\'".into());
            let esc = k
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push(V::Text(format!("%{esc}%")));
        }
        for (role, users) in [("assignee", &q.assignees), ("approver", &q.approvers)] {
            if !users.is_empty() {
                cond.push(format!(
                    "id IN (SELECT ticket_id FROM ticket_users WHERE role = '{role}' AND username IN ({}))",
                    vec!["?"; users.len()].join(",")
                ));
                args.extend(users.iter().map(|u| V::Text(u.clone())));
            }
        }
        if let Some(c) = ticket_visibility_clause(q.visibility) {
            cond.push(c);
        }
        let where_ = if cond.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", cond.join(" AND "))
        };
        let col = match q.order {
            TicketOrder::Created => "created",
            TicketOrder::Updated => "updated",
            TicketOrder::Id => "id",
            TicketOrder::Priority => {
                "CASE priority WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END"
            }
            TicketOrder::Status => "status",
            TicketOrder::Count => "count",
        };
        let dir = if q.descending { "DESC" } else { "ASC" };
        self.read(|c| {
            let total: u64 = c.query_row(
                &format!("SELECT count(*) FROM tickets {where_}"),
                params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare(&format!(
                "SELECT doc, count, updated FROM tickets {where_} ORDER BY {col} {dir}, id {dir} LIMIT {} OFFSET {}",
                q.limit.min(MAX_LIMIT),
                q.offset
            ))?;
            let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, i64>(2)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (doc, count, updated) = row?;
                out.push(row_to_ticket(&doc, count, updated)?);
            }
            Ok((total, out))
        })
    }

    /// Open a ticket by hand.
    pub fn create_ticket(&self, mut t: Ticket) -> Result<Ticket> {
        self.write(|tx| insert_ticket(tx, &mut t))?;
        Ok(t)
    }

    /// Change a ticket in one transaction; `f` refuses with a domain error.
    /// The ticket's state is written onto its detections.
    pub fn update_ticket(
        &self,
        guid: &str,
        f: impl FnOnce(&mut Ticket) -> std::result::Result<(), Error>,
    ) -> Result<Option<Ticket>> {
        self.write(|tx| {
            let Some(mut t) = load_ticket(tx, guid)? else {
                return Ok(None);
            };
            let before = (t.status, t.lead_assignee().map(str::to_string));
            f(&mut t)?;
            t.updated = now_ms().max(t.updated + 1);
            write_ticket(tx, &t)?;
            if before != (t.status, t.lead_assignee().map(str::to_string)) {
                sync_detections(self, tx, &t)?;
            }
            Ok(Some(t))
        })
    }

    /// Delete a ticket; its detections keep their status but lose the link.
    pub fn delete_ticket(&self, guid: &str) -> Result<bool> {
        self.write(|tx| {
            let Some(t) = load_ticket(tx, guid)? else {
                return Ok(false);
            };
            for id in &t.detection_ids {
                if let Some((mut d, _)) = load(tx, *id)? {
                    d.ticket_id = None;
                    d.mod_time = now_ms().max(d.mod_time + 1);
                    save(tx, &d)?;
                }
            }
            tx.execute("DELETE FROM ticket_detections WHERE ticket_id = ?1", [t.id])?;
            tx.execute("DELETE FROM ticket_users WHERE ticket_id = ?1", [t.id])?;
            tx.execute("DELETE FROM ticket_files WHERE ticket_id = ?1", [t.id])?;
            tx.execute("DELETE FROM tickets WHERE id = ?1", [t.id])?;
            Ok(true)
        })
    }

    /// Store an attachment's bytes and add it to the ticket.
    pub fn add_attachment(
        &self,
        guid: &str,
        meta: Attachment,
        bytes: &[u8],
    ) -> Result<Option<Ticket>> {
        if bytes.len() > MAX_ATTACHMENT {
            return Err(StoreError::refused(
                "file",
                Refusal::AttachmentTooLarge {
                    max: MAX_ATTACHMENT,
                },
            ));
        }
        self.write(|tx| {
            let Some(mut t) = load_ticket(tx, guid)? else {
                return Ok(None);
            };
            tx.execute(
                "INSERT INTO ticket_files(guid, ticket_id, data) VALUES(?1, ?2, ?3)",
                params![meta.guid, t.id, bytes],
            )?;
            t.attachments.push(meta);
            t.updated = now_ms().max(t.updated + 1);
            write_ticket(tx, &t)?;
            Ok(Some(t))
        })
    }

    /// An attachment's description and bytes.
    pub fn attachment(&self, guid: &str, file: &str) -> Result<Option<(Attachment, Vec<u8>)>> {
        self.read(|c| {
            let Some(t) = load_ticket(c, guid)? else {
                return Ok(None);
            };
            let Some(meta) = t.attachments.iter().find(|a| a.guid == file).cloned() else {
                return Ok(None);
            };
            let data: Option<Vec<u8>> = c
                .query_row(
                    "SELECT data FROM ticket_files WHERE guid = ?1 AND ticket_id = ?2",
                    params![file, t.id],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(data.map(|d| (meta, d)))
        })
    }

    /// Remove an attachment; false when there is none.
    pub fn delete_attachment(&self, guid: &str, file: &str) -> Result<bool> {
        self.write(|tx| {
            let Some(mut t) = load_ticket(tx, guid)? else {
                return Ok(false);
            };
            let before = t.attachments.len();
            t.attachments.retain(|a| a.guid != file);
            if t.attachments.len() == before {
                return Ok(false);
            }
            tx.execute("DELETE FROM ticket_files WHERE guid = ?1", [file])?;
            t.updated = now_ms().max(t.updated + 1);
            write_ticket(tx, &t)?;
            Ok(true)
        })
    }

    /// Next ticket number (for hand-made tickets' titles, tests).
    pub fn ticket_count(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))?))
    }
}

/// SQL keeping the tickets (`id` of `tickets`) whose every linked detection
/// `vis` sees, or `None` for all.
fn ticket_visibility_clause(vis: crate::Visibility) -> Option<String> {
    if vis.security && vis.performance {
        return None;
    }
    let cats = vis
        .categories()
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(",");
    Some(format!(
        "NOT EXISTS (SELECT 1 FROM ticket_detections td WHERE td.ticket_id = tickets.id \
         AND td.detection_id NOT IN (SELECT detection_id FROM detection_categories WHERE category IN ({cats})))"
    ))
}

impl Store {
    /// Whether the ticket `guid` exists and `vis` sees every detection it
    /// links: `None` when there is no such ticket.
    pub fn ticket_visible(&self, guid: &str, vis: crate::Visibility) -> Result<Option<bool>> {
        let only = ticket_visibility_clause(vis).unwrap_or_else(|| "1".into());
        self.read(|c| {
            Ok(c.query_row(
                &format!("SELECT {only} FROM tickets WHERE guid = ?1"),
                [guid],
                |r| r.get::<_, bool>(0),
            )
            .optional()?)
        })
    }
}
