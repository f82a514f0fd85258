//! Tuning rules: stored rules, the hidden-detection bookkeeping behind
//! `detections_hidden` / `participants_hidden`, and re-evaluation on change.

use crate::detections::from_doc;
use crate::error::Refusal;
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::sync::Arc;
use wirewatch_model::detection::Detection;
use wirewatch_model::detection::OneOrMany;
use wirewatch_model::rule::{NewTuningRule, TuningRule, TuningRulePatch};
use wirewatch_model::tuning::{CompiledRule, MatchContext};
use wirewatch_model::{now_ms, Error};

/// A rule with its compiled matcher, as cached.
#[derive(Clone)]
pub struct LiveRule {
    pub rule: TuningRule,
    pub compiled: Arc<CompiledRule>,
}

fn compile(rule: &TuningRule) -> std::result::Result<CompiledRule, Error> {
    Ok(CompiledRule::new(rule)?)
}

pub fn load_live(conn: &Connection) -> Result<Vec<LiveRule>> {
    let mut stmt = conn.prepare("SELECT doc FROM rules ORDER BY id")?;
    let docs = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in docs {
        let rule: TuningRule = serde_json::from_str(&d?)?;
        match CompiledRule::new(&rule) {
            Ok(c) => out.push(LiveRule {
                rule,
                compiled: Arc::new(c),
            }),
            Err(e) => {
                tracing::warn!(rule = rule.id, field = %e.field, problem = %e.problem, "stored tuning rule does not compile")
            }
        }
    }
    Ok(out)
}

/// Mark a detection hidden by a rule and count the participants it singles out.
pub fn hide(
    tx: &Connection,
    rule: &LiveRule,
    det: &Detection,
    ctx: &dyn MatchContext,
) -> Result<()> {
    tx.execute(
        "UPDATE detections SET hidden_by = ?1 WHERE id = ?2",
        params![rule.rule.id, det.id],
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO rule_hidden_participants(rule_id, object_key) VALUES(?1, ?2)",
    )?;
    for p in rule.compiled.hidden_participants(det, ctx) {
        stmt.execute(params![rule.rule.id, p.object_key()])?;
    }
    Ok(())
}

fn counters(conn: &Connection, mut rule: TuningRule) -> Result<TuningRule> {
    rule.detections_hidden = conn.query_row(
        "SELECT count(*) FROM detections WHERE hidden_by = ?1",
        [rule.id],
        |r| r.get(0),
    )?;
    rule.participants_hidden = conn.query_row(
        "SELECT count(*) FROM rule_hidden_participants WHERE rule_id = ?1",
        [rule.id],
        |r| r.get(0),
    )?;
    Ok(rule)
}

fn save_rule(tx: &Connection, rule: &TuningRule) -> Result<()> {
    let mut doc = rule.clone();
    doc.detections_hidden = 0;
    doc.participants_hidden = 0;
    tx.execute(
        "INSERT INTO rules(id, doc) VALUES(?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
        params![rule.id, serde_json::to_string(&doc)?],
    )?;
    Ok(())
}

/// Ids of visible detections a rule could apply to (by type, or every one for all_*).
fn candidates(tx: &Connection, rule: &TuningRule) -> Result<Vec<u64>> {
    let (sql, arg) = match rule.detection_type.as_str() {
        "all_security" => (
            "SELECT d.id FROM detections d JOIN detection_categories c ON c.detection_id = d.id
             WHERE c.category = 'sec' AND d.hidden_by IS NULL",
            None,
        ),
        "all_performance" => (
            "SELECT d.id FROM detections d JOIN detection_categories c ON c.detection_id = d.id
             WHERE c.category = 'perf' AND d.hidden_by IS NULL",
            None,
        ),
        t => (
            "SELECT id FROM detections WHERE type = ?1 AND hidden_by IS NULL",
            Some(t.to_string()),
        ),
    };
    let mut stmt = tx.prepare(sql)?;
    let rows = match arg {
        Some(a) => stmt
            .query_map([a], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<u64>>>()?,
        None => stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<u64>>>()?,
    };
    Ok(rows)
}

/// Hide every detection among `ids` that the rule matches.
fn apply_to(
    tx: &Transaction<'_>,
    rule: &LiveRule,
    ids: &[u64],
    ctx: &dyn MatchContext,
) -> Result<()> {
    for id in ids {
        let doc: Option<String> = tx
            .query_row(
                "SELECT doc FROM detections WHERE id = ?1 AND hidden_by IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(doc) = doc else { continue };
        let det = from_doc(&doc)?;
        if rule.compiled.matches(&det, ctx) {
            hide(tx, rule, &det, ctx)?;
        }
    }
    Ok(())
}

/// Unhide what a rule hid; returns the detections that became visible.
fn release(tx: &Transaction<'_>, rule_id: u64) -> Result<Vec<u64>> {
    let ids: Vec<u64> = {
        let mut stmt = tx.prepare("SELECT id FROM detections WHERE hidden_by = ?1")?;
        let rows = stmt.query_map([rule_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    tx.execute(
        "UPDATE detections SET hidden_by = NULL WHERE hidden_by = ?1",
        [rule_id],
    )?;
    tx.execute(
        "DELETE FROM rule_hidden_participants WHERE rule_id = ?1",
        [rule_id],
    )?;
    Ok(ids)
}

fn validate_new(rule: &TuningRule, store: &Store) -> Result<()> {
    let t = rule.detection_type.as_str();
    if t != "all_security" && t != "all_performance" && store.format(t, false)?.is_none() {
        return Err(StoreError::refused(
            "detection_type",
            Refusal::UnknownRuleDetectionType {
                kind: t.to_string(),
            },
        ));
    }
    rule.validate_expiration()?;
    Ok(())
}

impl Store {
    fn refresh_rules(&self) -> Result<()> {
        let rules = self.read(load_live)?;
        self.inner.cache.write().rules = rules;
        Ok(())
    }

    /// Every tuning rule with its counters.
    pub fn rules(&self) -> Result<Vec<TuningRule>> {
        let rules: Vec<TuningRule> = self
            .inner
            .cache
            .read()
            .rules
            .iter()
            .map(|r| r.rule.clone())
            .collect();
        self.read(|c| rules.into_iter().map(|r| counters(c, r)).collect())
    }

    /// One tuning rule.
    pub fn rule(&self, id: u64) -> Result<Option<TuningRule>> {
        let rule = self
            .inner
            .cache
            .read()
            .rules
            .iter()
            .find(|r| r.rule.id == id)
            .map(|r| r.rule.clone());
        rule.map(|r| self.read(|c| counters(c, r))).transpose()
    }

    /// Create a tuning rule; with `hide_past_detections` it hides matching
    /// detections already stored.
    pub fn create_rule(&self, new: NewTuningRule, author: &str) -> Result<TuningRule> {
        let mut rule = TuningRule {
            id: 0,
            author: author.to_string(),
            create_time: now_ms(),
            description: new.description,
            detection_type: new.detection_type,
            enabled: new.enabled.unwrap_or(true),
            expiration: new.expiration.filter(|e| *e != 0),
            hide_past_detections: new.hide_past_detections.unwrap_or(false),
            offender: new.offender,
            victim: new.victim,
            properties: new.properties.map(OneOrMany::into_vec).unwrap_or_default(),
            detections_hidden: 0,
            participants_hidden: 0,
        };
        validate_new(&rule, self)?;
        compile(&rule)?;
        let id = self.write(|tx| {
            tx.execute("INSERT INTO rules(doc) VALUES('{}')", [])?;
            rule.id = tx.last_insert_rowid() as u64;
            save_rule(tx, &rule)?;
            let live = LiveRule {
                compiled: Arc::new(compile(&rule)?),
                rule: rule.clone(),
            };
            if live.rule.hide_past_detections && live.rule.active(now_ms()) {
                let ids = candidates(tx, &live.rule)?;
                apply_to(tx, &live, &ids, self)?;
            }
            Ok(rule.id)
        })?;
        self.refresh_rules()?;
        Ok(self.rule(id)?.unwrap_or(rule))
    }

    /// Update a tuning rule and re-evaluate what it hides.
    pub fn update_rule(&self, id: u64, patch: TuningRulePatch) -> Result<Option<TuningRule>> {
        let Some(mut rule) = self.rule(id)? else {
            return Ok(None);
        };
        if let Some(e) = patch.enabled {
            rule.enabled = e;
        }
        if let Some(e) = patch.expiration {
            rule.expiration = e.filter(|e| *e != 0);
        }
        if let Some(d) = patch.description {
            rule.description = d;
        }
        if let Some(o) = patch.offender {
            rule.offender = o;
        }
        if let Some(v) = patch.victim {
            rule.victim = v;
        }
        if let Some(p) = patch.properties {
            rule.properties = p.into_vec();
        }
        if let Some(h) = patch.hide_past_detections {
            rule.hide_past_detections = h;
        }
        validate_new(&rule, self)?;
        let compiled = Arc::new(compile(&rule)?);
        let others: Vec<LiveRule> = self
            .inner
            .cache
            .read()
            .rules
            .iter()
            .filter(|r| r.rule.id != id)
            .cloned()
            .collect();
        self.write(|tx| {
            save_rule(tx, &rule)?;
            let released = release(tx, id)?;
            let live = LiveRule {
                rule: rule.clone(),
                compiled,
            };
            let now = now_ms();
            if live.rule.active(now) {
                let ids = if live.rule.hide_past_detections {
                    candidates(tx, &live.rule)?
                } else {
                    released.clone()
                };
                apply_to(tx, &live, &ids, self)?;
            }
            reapply_others(tx, &others, &released, now, self)?;
            Ok(())
        })?;
        self.refresh_rules()?;
        self.rule(id)
    }

    /// Delete a tuning rule; what it hid becomes visible unless another rule hides it.
    pub fn delete_rule(&self, id: u64) -> Result<bool> {
        let others: Vec<LiveRule> = self
            .inner
            .cache
            .read()
            .rules
            .iter()
            .filter(|r| r.rule.id != id)
            .cloned()
            .collect();
        let n = self.write(|tx| {
            let n = tx.execute("DELETE FROM rules WHERE id = ?1", [id])?;
            let released = release(tx, id)?;
            reapply_others(tx, &others, &released, now_ms(), self)?;
            Ok(n)
        })?;
        self.refresh_rules()?;
        Ok(n > 0)
    }

    /// Release detections hidden by rules that have expired; returns how many rules.
    pub fn expire_rules(&self) -> Result<usize> {
        let now = now_ms();
        let live: Vec<LiveRule> = self.inner.cache.read().rules.clone();
        let expired: Vec<u64> = live
            .iter()
            .filter(|r| !r.rule.active(now))
            .map(|r| r.rule.id)
            .collect();
        let mut n = 0;
        for id in expired {
            let has = self.read(|c| {
                Ok(c.query_row(
                    "SELECT 1 FROM detections WHERE hidden_by = ?1 LIMIT 1",
                    [id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
            })?;
            if !has {
                continue;
            }
            let others: Vec<LiveRule> = live.iter().filter(|r| r.rule.id != id).cloned().collect();
            self.write(|tx| {
                let released = release(tx, id)?;
                reapply_others(tx, &others, &released, now, self)
            })?;
            n += 1;
        }
        Ok(n)
    }
}

/// Detections released by one rule may still be hidden by another.
fn reapply_others(
    tx: &Transaction<'_>,
    others: &[LiveRule],
    ids: &[u64],
    now: i64,
    ctx: &dyn MatchContext,
) -> Result<()> {
    for r in others.iter().filter(|r| r.rule.active(now)) {
        apply_to(tx, r, ids, ctx)?;
    }
    Ok(())
}
