//! Assignment tables (an owner ↔ the objects assigned to it): alerts'
//! devices, device groups and e-mail groups, triggers' devices and device
//! groups. One table per link, `(OWNER_COL, COL)`.

use crate::error::Refusal;
use crate::{Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// One assignment table.
pub(crate) struct Link {
    /// The owners' table (`alerts`, `triggers`).
    pub owner_table: &'static str,
    /// The owner's column in the link table (`alert_id`, `trigger_id`).
    pub owner_col: &'static str,
    /// The link table.
    pub table: &'static str,
    /// The assigned object's column in it.
    pub col: &'static str,
    /// The assigned objects' table (`devices`, `devicegroups`…).
    pub target: &'static str,
}

/// Whether row `id` of `table` exists.
pub(crate) fn exists(c: &Connection, table: &str, id: u64) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(c.query_row(&sql, [id], |_| Ok(())).optional()?.is_some())
}

/// Assign and unassign objects to `owner`. Every object to assign must exist
/// (the refusal, from `missing`, names `assign[i]`); unknown ones to
/// unassign are ignored. False when the owner does not exist.
pub(crate) fn assign(
    tx: &Transaction<'_>,
    l: &Link,
    owner: u64,
    assign: &[u64],
    unassign: &[u64],
    missing: impl Fn(u64) -> Refusal,
) -> Result<bool> {
    if !exists(tx, l.owner_table, owner)? {
        return Ok(false);
    }
    let (table, owner_col, col) = (l.table, l.owner_col, l.col);
    for (i, id) in assign.iter().enumerate() {
        if !exists(tx, l.target, *id)? {
            return Err(StoreError::refused(format!("assign[{i}]"), missing(*id)));
        }
        tx.execute(
            &format!("INSERT OR IGNORE INTO {table}({owner_col}, {col}) VALUES(?1, ?2)"),
            params![owner, id],
        )?;
    }
    for id in unassign {
        tx.execute(
            &format!("DELETE FROM {table} WHERE {owner_col} = ?1 AND {col} = ?2"),
            params![owner, id],
        )?;
    }
    Ok(true)
}

/// The ids of the objects directly assigned to `owner`, ascending.
pub(crate) fn of(c: &Connection, l: &Link, owner: u64) -> Result<Vec<u64>> {
    let (table, owner_col, col) = (l.table, l.owner_col, l.col);
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {col} FROM {table} WHERE {owner_col} = ?1 ORDER BY {col}"
    ))?;
    let rows = stmt.query_map([owner], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
