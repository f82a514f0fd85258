//! Detection formats: the built-in catalog plus custom formats stored here.

use crate::error::Conflict;
use crate::{Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use wirewatch_model::catalog::{
    builtin_format_by_type, builtin_formats, DetectionFormat, FormatInput,
};
use wirewatch_model::now_ms;

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
        let f = input.into_new_format(author, now_ms())?;
        let kind = f.kind.clone();
        let doc = serde_json::to_string(&f)?;
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO formats(type, doc) VALUES(?1, ?2)",
                params![kind, doc],
            )?;
            if n == 0 {
                return Err(StoreError::Conflict(Conflict::Format { kind }));
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
        input.apply_to(&mut f, now_ms())?;
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
