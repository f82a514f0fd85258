//! Trigger assignments (`/triggers/{id}/devices`, `/triggers/{id}/devicegroups`):
//! which devices a trigger with `apply_all: false` runs for.

use crate::error::Refusal;
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use wirewatch_model::device::Device;

/// Which assignment table: trigger ↔ devices or device groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerLink {
    Devices,
    DeviceGroups,
}

impl TriggerLink {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            TriggerLink::Devices => ("trigger_devices", "device_id"),
            TriggerLink::DeviceGroups => ("trigger_devicegroups", "group_id"),
        }
    }

    fn target(self) -> &'static str {
        match self {
            TriggerLink::Devices => "devices",
            TriggerLink::DeviceGroups => "devicegroups",
        }
    }

    fn missing(self, id: u64) -> Refusal {
        match self {
            TriggerLink::Devices => Refusal::NoDevice { id },
            TriggerLink::DeviceGroups => Refusal::NoDeviceGroup { id },
        }
    }
}

fn exists(c: &Connection, table: &str, id: u64) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(c.query_row(&sql, [id], |_| Ok(())).optional()?.is_some())
}

impl Store {
    /// Assign and unassign devices or device groups to a trigger. Every
    /// object to assign must exist (the refusal names `assign[i]`); unknown
    /// ones to unassign are ignored. False when the trigger does not exist.
    pub fn trigger_assign(
        &self,
        trigger: u64,
        link: TriggerLink,
        assign: &[u64],
        unassign: &[u64],
    ) -> Result<bool> {
        let (table, col) = link.table();
        let found = self.write(|tx| {
            if !exists(tx, "triggers", trigger)? {
                return Ok(false);
            }
            for (i, id) in assign.iter().enumerate() {
                if !exists(tx, link.target(), *id)? {
                    return Err(StoreError::refused(
                        format!("assign[{i}]"),
                        link.missing(*id),
                    ));
                }
                tx.execute(
                    &format!("INSERT OR IGNORE INTO {table}(trigger_id, {col}) VALUES(?1, ?2)"),
                    params![trigger, id],
                )?;
            }
            for id in unassign {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE trigger_id = ?1 AND {col} = ?2"),
                    params![trigger, id],
                )?;
            }
            Ok(true)
        })?;
        if found {
            self.inner
                .trigger_links_gen
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        Ok(found)
    }

    /// The ids of the objects directly assigned to a trigger.
    pub fn trigger_links(&self, trigger: u64, link: TriggerLink) -> Result<Vec<u64>> {
        let (table, col) = link.table();
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {col} FROM {table} WHERE trigger_id = ?1 ORDER BY {col}"
            ))?;
            let rows = stmt.query_map([trigger], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The devices a trigger is assigned to: directly, or as members of its
    /// assigned device groups (each once, by id). What a trigger with
    /// `apply_all: false` runs for.
    pub fn trigger_devices(&self, trigger: u64) -> Result<Vec<Device>> {
        let mut out: Vec<Device> = self
            .trigger_links(trigger, TriggerLink::Devices)?
            .into_iter()
            .filter_map(|id| self.device(id).transpose())
            .collect::<Result<_>>()?;
        for g in self.trigger_links(trigger, TriggerLink::DeviceGroups)? {
            if let Some(g) = self.devicegroup(g)? {
                out.extend(self.group_devices(&g)?);
            }
        }
        out.sort_by_key(|d| d.id);
        out.dedup_by_key(|d| d.id);
        Ok(out)
    }

    /// Moves each time a trigger's assignments change (the trigger runner
    /// reads them again then).
    pub fn trigger_links_gen(&self) -> u64 {
        self.inner
            .trigger_links_gen
            .load(std::sync::atomic::Ordering::Acquire)
    }
}
