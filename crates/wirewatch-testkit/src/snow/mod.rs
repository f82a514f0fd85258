//! The fake ServiceNow Table API (incident table): record state, field
//! rules and the three `sysparm_display_value` renderings. The HTTP handlers
//! live in `routes`.

mod fields;
mod query;
mod routes;

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::clock::Utc;
use crate::ids::{self, HexIds};

pub(crate) use fields::{field_index, Kind, FIELDS};
use fields::{
    priority_of, ACTIVE, ASSIGNED_TO, CLASS_NAME, CLOSED_AT, CLOSE_CODE, CLOSE_NOTES, CREATED_BY,
    CREATED_ON, IMPACT, MOD_COUNT, NUMBER, OPENED_AT, PRIORITY, RESOLVED_AT, SEVERITY,
    SHORT_DESCRIPTION, STATE, STATE_CHOICES, SYS_ID, UPDATED_BY, UPDATED_ON, URGENCY,
};

pub(crate) use query::Query;
pub(crate) use routes::routes;

/// Incident numbers start here (`INC0010001`), as on a fresh instance.
const FIRST_NUMBER: u64 = 10_001;
/// Who `snow_set` changes appear to come from.
const ANALYST_LOGIN: &str = "fake.analyst";

/// `sysparm_display_value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Value,
    Display,
    All,
}

/// How to render records for one request.
#[derive(Debug)]
pub(crate) struct ReadOpts {
    pub(crate) mode: Mode,
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) exclude_link: bool,
}

impl ReadOpts {
    pub(crate) fn plain() -> ReadOpts {
        ReadOpts {
            mode: Mode::Value,
            fields: None,
            exclude_link: false,
        }
    }

    fn keeps(&self, name: &str) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|f| f.iter().any(|n| n == name))
    }
}

#[derive(Debug, Clone)]
struct JournalEntry {
    element: &'static str,
    value: String,
    created_on: String,
    created_by: String,
}

#[derive(Debug)]
struct Incident {
    /// One value per entry of [`FIELDS`]; journal slots stay "".
    values: Vec<String>,
    journal: Vec<JournalEntry>,
}

/// A rejected write: ServiceNow's `error.message` and `error.detail`.
#[derive(Debug)]
pub(crate) struct Rejection {
    pub(crate) message: &'static str,
    pub(crate) detail: String,
}

fn operation_failed(detail: String) -> Rejection {
    Rejection {
        message: "Operation Failed",
        detail,
    }
}

/// A validated write: (field index, new plain value).
pub(crate) type Changes = Vec<(usize, String)>;

/// All ServiceNow-side state.
#[derive(Debug)]
pub(crate) struct Store {
    incidents: Vec<Incident>,
    by_sys_id: HashMap<String, usize>,
    /// sys_user: sys_id -> display name.
    users: HashMap<String, String>,
    next_number: u64,
    ids: HexIds,
}

impl Store {
    pub(crate) fn new() -> Store {
        Store {
            incidents: Vec::new(),
            by_sys_id: HashMap::new(),
            users: HashMap::new(),
            next_number: FIRST_NUMBER,
            ids: HexIds::new(),
        }
    }

    pub(crate) fn find(&self, sys_id: &str) -> Option<usize> {
        self.by_sys_id.get(sys_id).copied()
    }

    pub(crate) fn sys_id_of(&self, idx: usize) -> &str {
        &self.incidents[idx].values[SYS_ID]
    }

    /// The sys_id of a user by display name, adding it to sys_user.
    fn user_by_name(&mut self, name: &str) -> String {
        let sys_id = ids::user_sys_id(name);
        self.users
            .entry(sys_id.clone())
            .or_insert_with(|| name.to_owned());
        sys_id
    }

    /// A sys_user record: (display name, user_name).
    pub(crate) fn user(&self, sys_id: &str) -> Option<(String, String)> {
        let name = self.users.get(sys_id)?;
        Some((name.clone(), login_of(name)))
    }

    /// Validates a request body into changes. Unknown columns are ignored
    /// (as the Table API does); values must be strings, numbers or booleans.
    pub(crate) fn parse_changes(
        &mut self,
        body: &Map<String, Value>,
    ) -> Result<Changes, Rejection> {
        let mut changes = Changes::new();
        // Column order, not body order: journal entries written by one
        // request land in a fixed order (work notes before comments).
        for (i, def) in FIELDS.iter().enumerate() {
            let (name, kind) = (def.name, def.kind);
            if matches!(kind, Kind::System | Kind::SystemChoice(_)) {
                continue;
            }
            let Some(value) = body.get(name) else {
                continue;
            };
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => {
                    return Err(operation_failed(format!(
                        "Field '{name}' must be a string, number or boolean (fake ServiceNow)"
                    )))
                }
            };
            let text = match kind {
                Kind::Choice(choices) => {
                    if !choices.iter().any(|(v, _)| *v == text) {
                        let allowed: Vec<&str> = choices.iter().map(|(v, _)| *v).collect();
                        return Err(operation_failed(format!(
                            "Invalid value '{text}' for field '{name}'; this fake accepts {}",
                            allowed.join(", ")
                        )));
                    }
                    text
                }
                Kind::User if text.is_empty() => text,
                Kind::User if ids::is_sys_id(&text) => {
                    if !self.users.contains_key(&text) {
                        return Err(operation_failed(format!(
                            "Field 'assigned_to': no sys_user record with sys_id {text}"
                        )));
                    }
                    text
                }
                Kind::User => self.user_by_name(&text),
                _ => text,
            };
            changes.push((i, text));
        }
        Ok(changes)
    }

    /// The data policies this fake enforces, on the record as it would be
    /// after `changes`: a short description is mandatory (stricter than a
    /// real instance); resolving or closing needs close code and notes.
    fn check_policy(current: Option<&Incident>, changes: &Changes) -> Result<(), Rejection> {
        let effective = |i: usize| -> &str {
            changes
                .iter()
                .rev()
                .find(|(f, _)| *f == i)
                .map(|(_, v)| v.as_str())
                .or_else(|| current.map(|c| c.values[i].as_str()))
                .unwrap_or("")
        };
        let mut missing = Vec::new();
        if effective(SHORT_DESCRIPTION).trim().is_empty() {
            missing.push("Short description");
        }
        if matches!(effective(STATE), "6" | "7") {
            if effective(CLOSE_CODE).trim().is_empty() {
                missing.push("Resolution code");
            }
            if effective(CLOSE_NOTES).trim().is_empty() {
                missing.push("Resolution notes");
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(operation_failed(format!(
                "Data Policy Exception: \n\tThe following fields are mandatory: {}\n",
                missing.join(", ")
            )))
        }
    }

    /// Creates an incident from validated changes; returns its index.
    pub(crate) fn create(&mut self, changes: Changes, by: &str) -> Result<usize, Rejection> {
        Self::check_policy(None, &changes)?;
        let now = Utc::now().glide();
        let mut values = vec![String::new(); FIELDS.len()];
        values[SYS_ID] = self.ids.sys_id();
        values[NUMBER] = format!("INC{:07}", self.next_number);
        self.next_number += 1;
        values[STATE] = "1".into();
        values[URGENCY] = "3".into();
        values[IMPACT] = "3".into();
        values[SEVERITY] = "3".into();
        values[ACTIVE] = "true".into();
        values[OPENED_AT] = now.clone();
        values[CREATED_ON] = now.clone();
        values[CREATED_BY] = by.to_owned();
        values[MOD_COUNT] = "0".into();
        values[CLASS_NAME] = "incident".into();
        let idx = self.incidents.len();
        self.by_sys_id.insert(values[SYS_ID].clone(), idx);
        self.incidents.push(Incident {
            values,
            journal: Vec::new(),
        });
        self.apply(idx, changes, by, false);
        Ok(idx)
    }

    /// Updates an incident with validated changes.
    pub(crate) fn update(
        &mut self,
        idx: usize,
        changes: Changes,
        by: &str,
    ) -> Result<(), Rejection> {
        Self::check_policy(Some(&self.incidents[idx]), &changes)?;
        self.apply(idx, changes, by, true);
        Ok(())
    }

    fn apply(&mut self, idx: usize, changes: Changes, by: &str, bump: bool) {
        let now = Utc::now().glide();
        let inc = &mut self.incidents[idx];
        let old_state = inc.values[STATE].clone();
        for (i, value) in changes {
            match FIELDS[i].kind {
                Kind::Journal(_) => {
                    if !value.trim().is_empty() {
                        inc.journal.push(JournalEntry {
                            element: FIELDS[i].name,
                            value,
                            created_on: now.clone(),
                            created_by: by.to_owned(),
                        });
                    }
                }
                _ => inc.values[i] = value,
            }
        }
        let v = &mut inc.values;
        v[PRIORITY] = priority_of(&v[IMPACT], &v[URGENCY]).to_owned();
        if v[STATE] != old_state || !bump {
            match v[STATE].as_str() {
                "6" => v[RESOLVED_AT] = now.clone(),
                "7" => {
                    if v[RESOLVED_AT].is_empty() {
                        v[RESOLVED_AT] = now.clone();
                    }
                    v[CLOSED_AT] = now.clone();
                }
                _ => {}
            }
            v[ACTIVE] = (!matches!(v[STATE].as_str(), "7" | "8")).to_string();
        }
        v[UPDATED_ON] = now;
        v[UPDATED_BY] = by.to_owned();
        if bump {
            let count: u64 = v[MOD_COUNT].parse().unwrap_or(0);
            v[MOD_COUNT] = (count + 1).to_string();
        }
    }

    /// An analyst's change in the ServiceNow UI (no data policy applied).
    pub(crate) fn analyst_set(
        &mut self,
        sys_id: &str,
        state: Option<&str>,
        assigned_to: Option<Option<&str>>,
    ) {
        let idx = self
            .find(sys_id)
            .unwrap_or_else(|| panic!("snow_set: no incident with sys_id {sys_id}"));
        let mut changes = Changes::new();
        if let Some(state) = state {
            assert!(
                STATE_CHOICES.iter().any(|(v, _)| *v == state),
                "snow_set: unknown state code {state:?}"
            );
            changes.push((STATE, state.to_owned()));
        }
        if let Some(assignee) = assigned_to {
            let value = assignee.map(|n| self.user_by_name(n)).unwrap_or_default();
            changes.push((ASSIGNED_TO, value));
        }
        self.apply(idx, changes, ANALYST_LOGIN, true);
    }

    /// Indexes of the incidents a query selects, and how many matched in all.
    pub(crate) fn select(&self, query: &Query) -> (Vec<usize>, usize) {
        let mut hits: Vec<usize> = (0..self.incidents.len())
            .filter(|&i| query.matches(&self.incidents[i].values))
            .collect();
        query.sort(&mut hits, |i| self.incidents[i].values.as_slice());
        let total = hits.len();
        let page = hits
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .collect();
        (page, total)
    }

    /// One incident as the Table API returns it.
    pub(crate) fn render(&self, idx: usize, base: &str, opts: &ReadOpts) -> Value {
        let inc = &self.incidents[idx];
        let mut out = Map::new();
        for (i, def) in FIELDS.iter().enumerate() {
            if !opts.keeps(def.name) {
                continue;
            }
            let plain = inc.values[i].as_str();
            let value = match def.kind {
                Kind::User => self.render_user_ref(plain, base, opts),
                Kind::Journal(label) => {
                    let display = journal_text(&inc.journal, def.name, label);
                    match opts.mode {
                        Mode::Value => json!(""),
                        Mode::Display => json!(display),
                        Mode::All => json!({ "display_value": display, "value": "" }),
                    }
                }
                Kind::Choice(choices) | Kind::SystemChoice(choices) => {
                    let display = choices
                        .iter()
                        .find(|(v, _)| *v == plain)
                        .map_or(plain, |(_, label)| label);
                    render_pair(plain, display, opts.mode)
                }
                Kind::Text | Kind::System => render_pair(plain, plain, opts.mode),
            };
            out.insert(def.name.to_owned(), value);
        }
        Value::Object(out)
    }

    fn render_user_ref(&self, sys_id: &str, base: &str, opts: &ReadOpts) -> Value {
        if sys_id.is_empty() {
            return render_pair("", "", opts.mode);
        }
        let display = self.users.get(sys_id).map_or("", String::as_str);
        let link = format!("{base}/api/now/v2/table/sys_user/{sys_id}");
        let mut out = Map::new();
        match opts.mode {
            Mode::Value if opts.exclude_link => return json!(sys_id),
            Mode::Display if opts.exclude_link => return json!(display),
            Mode::Value => {
                out.insert("value".into(), json!(sys_id));
            }
            Mode::Display => {
                out.insert("display_value".into(), json!(display));
            }
            Mode::All => {
                out.insert("display_value".into(), json!(display));
                out.insert("value".into(), json!(sys_id));
            }
        }
        if !opts.exclude_link {
            out.insert("link".into(), json!(link));
        }
        Value::Object(out)
    }

    /// Every incident in creation order, plain values plus `_journal`.
    pub(crate) fn dump_all(&self, base: &str) -> Vec<Value> {
        (0..self.incidents.len())
            .map(|i| self.dump(i, base))
            .collect()
    }

    /// An incident with plain values plus its journal under `_journal`.
    pub(crate) fn dump(&self, idx: usize, base: &str) -> Value {
        let mut record = self.render(idx, base, &ReadOpts::plain());
        let journal: Vec<Value> = self.incidents[idx]
            .journal
            .iter()
            .map(|e| {
                json!({
                    "element": e.element,
                    "value": e.value,
                    "created_on": e.created_on,
                })
            })
            .collect();
        if let Value::Object(map) = &mut record {
            map.insert("_journal".into(), Value::Array(journal));
        }
        record
    }
}

fn render_pair(value: &str, display: &str, mode: Mode) -> Value {
    match mode {
        Mode::Value => json!(value),
        Mode::Display => json!(display),
        Mode::All => json!({ "display_value": display, "value": value }),
    }
}

/// A journal field's display value: entries newest first, each headed by
/// time, author and field label.
fn journal_text(journal: &[JournalEntry], element: &str, label: &str) -> String {
    let mut text = String::new();
    for e in journal.iter().rev().filter(|e| e.element == element) {
        text.push_str(&format!(
            "{} - {} ({label})\n{}\n\n",
            e.created_on, e.created_by, e.value
        ));
    }
    text
}

/// `Beth Anglin` -> `beth.anglin`.
fn login_of(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(".")
}
