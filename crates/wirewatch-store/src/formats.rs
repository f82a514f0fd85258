//! Detection formats: the built-in catalog plus custom formats stored here.

use crate::{Result, Store};
use rusqlite::{params, OptionalExtension};
use serde::Deserialize;
use std::collections::BTreeMap;
use wirewatch_model::catalog::DetectionFormat;
use wirewatch_model::catalog::{
    builtin_format_by_type, builtin_formats, custom_categories, validate_type,
};
use wirewatch_model::{now_ms, Code, Error};

/// Body of `POST /detections/formats` and `PATCH /detections/formats/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FormatInput {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mitre_categories: Option<Vec<String>>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
}

fn validate_mitre(ids: &[String]) -> std::result::Result<(), Error> {
    for (i, id) in ids.iter().enumerate() {
        let ok = id.len() >= 5
            && id.starts_with('T')
            && id[1..]
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(Error::invalid(
                format!("mitre_categories[{i}]"),
                format!("\"{id}\" is not a MITRE technique id such as T1046 or T1110.001"),
            ));
        }
    }
    Ok(())
}

impl Store {
    /// A format by type: the custom one first unless `built_in_only`.
    pub fn format(&self, kind: &str, built_in_only: bool) -> Result<Option<DetectionFormat>> {
        if !built_in_only {
            let custom = self.read(|c| {
                Ok(
                    c.query_row("SELECT doc FROM formats WHERE type = ?1", [kind], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()?,
                )
            })?;
            if let Some(doc) = custom {
                return Ok(Some(serde_json::from_str(&doc)?));
            }
        }
        Ok(builtin_format_by_type(kind))
    }

    /// Every format: built-in ones, then custom ones (unless `built_in_only`).
    pub fn formats(&self, built_in_only: bool) -> Result<Vec<DetectionFormat>> {
        let mut out = builtin_formats();
        if !built_in_only {
            let custom: Vec<String> = self.read(|c| {
                let mut stmt = c.prepare("SELECT doc FROM formats ORDER BY type")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })?;
            for doc in custom {
                out.push(serde_json::from_str(&doc)?);
            }
        }
        Ok(out)
    }

    /// Create a custom detection format.
    pub fn create_format(&self, input: FormatInput, author: &str) -> Result<DetectionFormat> {
        let kind = input
            .kind
            .ok_or_else(|| Error::invalid("type", "is required"))?;
        validate_type(&kind).map_err(|m| Error::invalid("type", m.to_string()))?;
        let display_name = input
            .display_name
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| Error::invalid("display_name", "is required"))?;
        let mitre = input.mitre_categories.unwrap_or_default();
        validate_mitre(&mitre)?;
        let categories = custom_categories(&input.categories.unwrap_or_default())
            .map_err(|m| Error::invalid("categories", m.to_string()))?;
        let now = now_ms();
        let f = DetectionFormat {
            kind: kind.clone(),
            display_name,
            author: input.author.unwrap_or_else(|| author.to_string()),
            categories,
            mitre_categories: mitre,
            is_user_created: true,
            last_updated: now,
            released: now,
            status: "active".into(),
            properties: BTreeMap::new(),
            default_risk_score: 50,
            description: String::new(),
        };
        let doc = serde_json::to_string(&f)?;
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO formats(type, doc) VALUES(?1, ?2)",
                params![kind, doc],
            )?;
            if n == 0 {
                return Err(Error::new(
                    Code::Conflict,
                    format!("a custom detection format of type \"{kind}\" already exists"),
                )
                .into());
            }
            Ok(())
        })?;
        Ok(f)
    }

    /// Update a custom format; `None` when there is no custom format of that type.
    pub fn update_format(&self, kind: &str, input: FormatInput) -> Result<Option<DetectionFormat>> {
        let Some(mut f) = self.format(kind, false)?.filter(|f| f.is_user_created) else {
            return Ok(None);
        };
        if let Some(t) = &input.kind {
            if t != kind {
                return Err(Error::invalid(
                    "type",
                    "cannot be changed; create a new format instead",
                )
                .into());
            }
        }
        if let Some(d) = input.display_name {
            if d.trim().is_empty() {
                return Err(Error::invalid("display_name", "must not be empty").into());
            }
            f.display_name = d;
        }
        if let Some(m) = input.mitre_categories {
            validate_mitre(&m)?;
            f.mitre_categories = m;
        }
        if let Some(a) = input.author {
            f.author = a;
        }
        if let Some(c) = input.categories {
            f.categories =
                custom_categories(&c).map_err(|m| Error::invalid("categories", m.to_string()))?;
        }
        f.last_updated = now_ms();
        let doc = serde_json::to_string(&f)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE formats SET doc = ?2 WHERE type = ?1",
                params![kind, doc],
            )?;
            Ok(())
        })?;
        Ok(Some(f))
    }

    /// Delete a custom format. Built-in formats cannot be deleted.
    pub fn delete_format(&self, kind: &str) -> Result<bool> {
        Ok(self.write(|tx| Ok(tx.execute("DELETE FROM formats WHERE type = ?1", [kind])?))? > 0)
    }
}
