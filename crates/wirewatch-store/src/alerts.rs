//! Alerts, e-mail groups, their assignments, alert firings and the durable
//! outbox of alert e-mail.
//!
//! A firing is recorded in one transaction with everything it causes: the
//! `ALERT_RECORD_COMMIT` trigger event, the detection it raises (severity 0
//! to 2) and the e-mail to send (a row of `alert_mail`), so a crash loses
//! none of them and a down SMTP server only delays the mail: the notifier
//! takes due rows, and on failure puts them back with a later
//! `next_attempt` (the one retry policy's backoff), until sent.

use crate::error::{Conflict, Refusal};
use crate::links::{self, Link};
use crate::{Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use wirewatch_model::alert::{Alert, EmailGroup};
use wirewatch_model::detection::{Detection, NewDetection};
use wirewatch_model::now_ms;

/// Most alerts stored (each is evaluated every round).
pub const MAX_ALERTS: i64 = 10_000;
/// Most e-mail groups stored.
pub const MAX_EMAIL_GROUPS: i64 = 10_000;
/// Most firings answered for one alert (newest first).
pub const MAX_FIRINGS: usize = 1000;
/// Most e-mail attempts before a message is given up (kept, with its error).
pub const MAX_MAIL_ATTEMPTS: u32 = 1000;

/// One firing of an alert for one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "AlertFiring", example = Firing::example())]
pub struct Firing {
    /// The firing's id.
    pub id: u64,
    /// The alert that fired.
    pub alert_id: u64,
    /// The alert's name when it fired.
    pub alert_name: String,
    /// The alert's severity when it fired.
    pub severity: u8,
    /// Always `device`.
    pub object_type: String,
    /// The device the alert fired for.
    pub object_id: u64,
    /// The device's name (or address) when the alert fired.
    pub object_name: String,
    /// The end of the evaluated window (threshold), or the detection's
    /// creation time (detection), in ms of the sensor's packet clock.
    pub time: i64,
    /// The start of the evaluated window (threshold).
    pub from: Option<i64>,
    /// The metric's value over the window (threshold).
    pub value: Option<f64>,
    /// What was compared: `value operator operand` (threshold), or the
    /// deviation from the trend in percent against the operand (trend).
    pub condition: Option<String>,
    /// The trend the value was compared with (trend alerts).
    #[serde(default)]
    pub trend: Option<f64>,
    /// The detection that fired a detection alert.
    pub detection_id: Option<u64>,
    /// The detection this firing raised (severity 0 to 2).
    pub raised_detection_id: Option<u64>,
    /// Who is e-mailed about it (e-mail groups and `cc`).
    pub recipients: Vec<String>,
    /// When the firing was recorded (ms, wall clock).
    pub recorded: i64,
}

impl Firing {
    /// The example of the API's documentation.
    pub fn example() -> Firing {
        Firing {
            id: 7,
            alert_id: 15,
            alert_name: "DNS error ratio".into(),
            severity: 3,
            object_type: "device".into(),
            object_id: 4,
            object_name: "10.1.0.53".into(),
            time: 1_767_225_600_000,
            from: Some(1_767_225_300_000),
            value: Some(0.25),
            condition: Some("0.25 > 0.1".into()),
            trend: None,
            detection_id: None,
            raised_detection_id: None,
            recipients: vec!["noc@example.com".into()],
            recorded: 1_767_225_601_000,
        }
    }
}

/// Most alert e-mails waiting; beyond it a firing's e-mail is dropped
/// (logged), so a long SMTP outage cannot fill the disk.
pub const MAX_QUEUED_MAIL: i64 = 10_000;

/// A firing to record, with what it causes.
pub struct NewFiring {
    pub firing: Firing,
    /// The e-mail: (subject, body), queued when `firing.recipients` is not
    /// empty; `None` when no SMTP server is configured.
    pub mail: Option<(String, String)>,
    /// The detection to raise.
    pub detection: Option<NewDetection>,
}

/// A queued alert e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedMail {
    pub id: i64,
    pub firing_id: u64,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// Which assignment table: alert ↔ devices, device groups or e-mail groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLink {
    Devices,
    DeviceGroups,
    EmailGroups,
}

impl AlertLink {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            AlertLink::Devices => ("alert_devices", "device_id"),
            AlertLink::DeviceGroups => ("alert_devicegroups", "group_id"),
            AlertLink::EmailGroups => ("alert_emailgroups", "group_id"),
        }
    }

    fn target(self) -> &'static str {
        match self {
            AlertLink::Devices => "devices",
            AlertLink::DeviceGroups => "devicegroups",
            AlertLink::EmailGroups => "emailgroups",
        }
    }

    fn link(self) -> Link {
        let (table, col) = self.table();
        Link {
            owner_table: "alerts",
            owner_col: "alert_id",
            table,
            col,
            target: self.target(),
        }
    }

    fn missing(self, id: u64) -> Refusal {
        match self {
            AlertLink::Devices => Refusal::NoDevice { id },
            AlertLink::DeviceGroups => Refusal::NoDeviceGroup { id },
            AlertLink::EmailGroups => Refusal::NoEmailGroup { id },
        }
    }
}

fn save_alert(tx: &rusqlite::Transaction<'_>, a: &Alert) -> Result<()> {
    let clash: Option<u64> = tx
        .query_row(
            "SELECT id FROM alerts WHERE name = ?1 AND id != ?2",
            params![a.name, a.id],
            |r| r.get(0),
        )
        .optional()?;
    if clash.is_some() {
        return Err(StoreError::Conflict(Conflict::Alert {
            name: a.name.clone(),
        }));
    }
    tx.execute(
        "UPDATE alerts SET name = ?2, doc = ?3 WHERE id = ?1",
        params![a.id, a.name, serde_json::to_string(a)?],
    )?;
    Ok(())
}

impl Store {
    pub fn alerts(&self) -> Result<Vec<Alert>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc FROM alerts ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for d in rows {
                out.push(serde_json::from_str(&d?)?);
            }
            Ok(out)
        })
    }

    pub fn alert(&self, id: u64) -> Result<Option<Alert>> {
        self.read(|c| {
            let doc: Option<String> = c
                .query_row("SELECT doc FROM alerts WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
        })
    }

    /// Store a new alert (its `id` and `mod_time` are set). A detection alert
    /// fires only for detections created after it.
    pub fn create_alert(&self, mut a: Alert) -> Result<Alert> {
        a.mod_time = now_ms();
        self.write(|tx| {
            let n: i64 = tx.query_row("SELECT count(*) FROM alerts", [], |r| r.get(0))?;
            if n >= MAX_ALERTS {
                return Err(StoreError::refused(
                    "name",
                    Refusal::TooManyAlerts { max: MAX_ALERTS },
                ));
            }
            let mark: u64 =
                tx.query_row("SELECT coalesce(max(id), 0) FROM detections", [], |r| {
                    r.get(0)
                })?;
            tx.execute(
                "INSERT INTO alerts(name, doc, detection_mark) VALUES('', '{}', ?1)",
                [mark],
            )?;
            a.id = tx.last_insert_rowid() as u64;
            save_alert(tx, &a)?;
            Ok(a)
        })
    }

    /// Replace a stored alert (false when it does not exist). An alert that
    /// becomes a detection alert fires only for detections created after.
    pub fn update_alert(&self, mut a: Alert) -> Result<bool> {
        a.mod_time = now_ms();
        self.write(|tx| {
            let old: Option<String> = tx
                .query_row("SELECT doc FROM alerts WHERE id = ?1", [a.id], |r| r.get(0))
                .optional()?;
            let Some(old) = old else {
                return Ok(false);
            };
            let old: Alert = serde_json::from_str(&old)?;
            if a.kind == "detection" && old.kind != "detection" {
                tx.execute(
                    "UPDATE alerts SET detection_mark = (SELECT coalesce(max(id), 0) FROM detections) WHERE id = ?1",
                    [a.id],
                )?;
            }
            save_alert(tx, &a)?;
            Ok(true)
        })
    }

    pub fn delete_alert(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM alerts WHERE id = ?1", [id])? > 0))
    }

    /// Assign and unassign objects to an alert. Every object to assign must
    /// exist (the refusal names `assign[i]`); false when the alert does not.
    pub fn alert_assign(
        &self,
        alert: u64,
        link: AlertLink,
        assign: &[u64],
        unassign: &[u64],
    ) -> Result<bool> {
        self.write(|tx| {
            links::assign(tx, &link.link(), alert, assign, unassign, |id| {
                link.missing(id)
            })
        })
    }

    /// Assign and unassign alerts to one object (a device or device group):
    /// the mirror of [`Store::alert_assign`]. Every alert to assign must exist.
    pub fn object_alerts_assign(
        &self,
        link: AlertLink,
        object: u64,
        assign: &[u64],
        unassign: &[u64],
    ) -> Result<()> {
        let (table, col) = link.table();
        self.write(|tx| {
            for (i, id) in assign.iter().enumerate() {
                if !links::exists(tx, "alerts", *id)? {
                    return Err(StoreError::refused(
                        format!("assign[{i}]"),
                        Refusal::NoAlert { id: *id },
                    ));
                }
                tx.execute(
                    &format!("INSERT OR IGNORE INTO {table}(alert_id, {col}) VALUES(?1, ?2)"),
                    params![id, object],
                )?;
            }
            for id in unassign {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE alert_id = ?1 AND {col} = ?2"),
                    params![id, object],
                )?;
            }
            Ok(())
        })
    }

    /// The ids of the objects directly assigned to an alert.
    pub fn alert_links(&self, alert: u64, link: AlertLink) -> Result<Vec<u64>> {
        self.read(|c| links::of(c, &link.link(), alert))
    }

    /// The ids of the alerts directly assigned to an object.
    pub fn linked_alerts(&self, link: AlertLink, object: u64) -> Result<Vec<u64>> {
        let (table, col) = link.table();
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT alert_id FROM {table} WHERE {col} = ?1 ORDER BY alert_id"
            ))?;
            let rows = stmt.query_map([object], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The devices an alert applies to: every device with `apply_all`, else
    /// its assigned devices and the members of its assigned device groups.
    pub fn alert_device_ids(&self, a: &Alert) -> Result<Vec<u64>> {
        if a.apply_all {
            return Ok(self.devices(None, None)?.iter().map(|d| d.id).collect());
        }
        let mut ids = self.alert_links(a.id, AlertLink::Devices)?;
        for g in self.alert_links(a.id, AlertLink::DeviceGroups)? {
            if let Some(g) = self.devicegroup(g)? {
                ids.extend(self.group_devices(&g)?.iter().map(|d| d.id));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Who an alert e-mails: its e-mail groups' addresses and its `cc`, once each.
    pub fn alert_recipients(&self, a: &Alert) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for g in self.alert_links(a.id, AlertLink::EmailGroups)? {
            if let Some(g) = self.emailgroup(g)? {
                out.extend(g.email_addresses);
            }
        }
        out.extend(a.cc.iter().cloned());
        let mut seen = std::collections::HashSet::new();
        out.retain(|r| seen.insert(r.to_ascii_lowercase()));
        Ok(out)
    }

    /// The detection id a detection alert has looked at up to.
    pub fn alert_detection_mark(&self, alert: u64) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT detection_mark FROM alerts WHERE id = ?1",
                [alert],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
        })
    }

    pub fn set_alert_detection_mark(&self, alert: u64, mark: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE alerts SET detection_mark = max(detection_mark, ?2) WHERE id = ?1",
                params![alert, mark],
            )?;
            Ok(())
        })
    }

    /// Detections with an id above `mark`, oldest first (at most `limit`).
    pub fn detections_after(&self, mark: u64, limit: usize) -> Result<Vec<Detection>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT doc FROM detections WHERE id > ?1 AND hidden_by IS NULL ORDER BY id LIMIT ?2")?;
            let rows = stmt.query_map(params![mark, limit as i64], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for d in rows {
                out.push(crate::detections::from_doc(&d?)?);
            }
            Ok(out)
        })
    }

    /// The newest firing of an alert for an object, if any.
    pub fn last_firing(&self, alert: u64, object: u64) -> Result<Option<Firing>> {
        self.read(|c| {
            let doc: Option<String> = c
                .query_row(
                    "SELECT doc FROM alert_firings WHERE alert_id = ?1 AND object_id = ?2
                     ORDER BY time DESC, id DESC LIMIT 1",
                    params![alert, object],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
        })
    }

    /// An alert's firings, newest first (at most `limit`, capped at [`MAX_FIRINGS`]).
    pub fn alert_firings(&self, alert: u64, limit: usize) -> Result<Vec<Firing>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT doc FROM alert_firings WHERE alert_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![alert, limit.min(MAX_FIRINGS) as i64], |r| {
                r.get::<_, String>(0)
            })?;
            let mut out = Vec::new();
            for d in rows {
                out.push(serde_json::from_str(&d?)?);
            }
            Ok(out)
        })
    }

    /// Record a firing with its trigger event, detection and e-mail, in one
    /// transaction; the stored firing is returned.
    pub fn record_firing(&self, new: NewFiring) -> Result<Firing> {
        let NewFiring {
            mut firing,
            mail,
            detection,
        } = new;
        let prepared = detection.map(|d| self.prepare_detection(d)).transpose()?;
        firing.recorded = now_ms();
        self.write(|tx| {
            if let Some(p) = prepared {
                firing.raised_detection_id = Some(self.insert_detection(tx, p)?.id);
            }
            tx.execute(
                "INSERT INTO alert_firings(alert_id, object_id, time, doc) VALUES(?1, ?2, ?3, '{}')",
                params![firing.alert_id, firing.object_id, firing.time],
            )?;
            firing.id = tx.last_insert_rowid() as u64;
            let doc = serde_json::to_string(&firing)?;
            tx.execute(
                "UPDATE alert_firings SET doc = ?2 WHERE id = ?1",
                params![firing.id, doc],
            )?;
            crate::triggers::enqueue(self, tx, "ALERT_RECORD_COMMIT", None, true, Some(&doc))?;
            let queued: i64 = tx.query_row("SELECT count(*) FROM alert_mail", [], |r| r.get(0))?;
            let mail = mail.filter(|_| !firing.recipients.is_empty());
            if mail.is_some() && queued >= MAX_QUEUED_MAIL {
                tracing::warn!(
                    firing = firing.id,
                    queued,
                    "the alert e-mail queue is full; this firing's e-mail is dropped"
                );
            } else if let Some(mail) = mail {
                tx.execute(
                    "INSERT INTO alert_mail(firing_id, recipients, subject, body, next_attempt, created)
                     VALUES(?1, ?2, ?3, ?4, 0, ?5)",
                    params![
                        firing.id,
                        serde_json::to_string(&firing.recipients)?,
                        mail.0,
                        mail.1,
                        now_ms()
                    ],
                )?;
            }
            Ok(firing.clone())
        })
    }

    /// E-mail due at `now` (oldest first), at most `limit`.
    pub fn due_alert_mail(&self, now: i64, limit: usize) -> Result<Vec<QueuedMail>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, firing_id, recipients, subject, body, attempts, last_error FROM alert_mail
                 WHERE next_attempt <= ?1 AND attempts < ?2 ORDER BY next_attempt, id LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![now, MAX_MAIL_ATTEMPTS, limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, firing_id, rcpt, subject, body, attempts, last_error) = row?;
                out.push(QueuedMail {
                    id,
                    firing_id,
                    recipients: serde_json::from_str(&rcpt)?,
                    subject,
                    body,
                    attempts,
                    last_error,
                });
            }
            Ok(out)
        })
    }

    /// Every queued alert e-mail (sent ones are deleted), oldest first.
    pub fn queued_alert_mail(&self) -> Result<Vec<QueuedMail>> {
        self.due_alert_mail(i64::MAX, 10_000)
    }

    /// The e-mail was accepted by the SMTP server: forget it.
    pub fn alert_mail_sent(&self, id: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM alert_mail WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Sending failed: try again at `next_attempt` (ms).
    pub fn alert_mail_failed(&self, id: i64, error: &str, next_attempt: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE alert_mail SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE id = ?1",
                params![id, error, next_attempt],
            )?;
            Ok(())
        })
    }

    pub fn emailgroups(&self) -> Result<Vec<EmailGroup>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc FROM emailgroups ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for d in rows {
                out.push(serde_json::from_str(&d?)?);
            }
            Ok(out)
        })
    }

    pub fn emailgroup(&self, id: u64) -> Result<Option<EmailGroup>> {
        self.read(|c| {
            let doc: Option<String> = c
                .query_row("SELECT doc FROM emailgroups WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
        })
    }

    /// Create (id 0) or replace an e-mail group.
    pub fn save_emailgroup(&self, mut g: EmailGroup) -> Result<EmailGroup> {
        self.write(|tx| {
            if g.id == 0 {
                let n: i64 = tx.query_row("SELECT count(*) FROM emailgroups", [], |r| r.get(0))?;
                if n >= MAX_EMAIL_GROUPS {
                    return Err(StoreError::refused(
                        "group_name",
                        Refusal::TooManyEmailGroups {
                            max: MAX_EMAIL_GROUPS,
                        },
                    ));
                }
                tx.execute("INSERT INTO emailgroups(doc) VALUES('{}')", [])?;
                g.id = tx.last_insert_rowid() as u64;
            }
            tx.execute(
                "UPDATE emailgroups SET doc = ?2 WHERE id = ?1",
                params![g.id, serde_json::to_string(&g)?],
            )?;
            Ok(g)
        })
    }

    pub fn delete_emailgroup(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM emailgroups WHERE id = ?1", [id])? > 0))
    }

    /// The start of the newest 30-second cycle in which the sensor counted
    /// packets (the network's `pkts` metric), if any: the packet clock alert
    /// evaluation runs on. One index seek.
    pub fn newest_metric_time(&self) -> Result<Option<i64>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT max(time) FROM metrics WHERE object_type = 'network' AND category = 'net'
                 AND name = 'pkts' AND cycle = 30000 AND object_id = 1",
                [],
                |r| r.get(0),
            )?)
        })
    }
}
