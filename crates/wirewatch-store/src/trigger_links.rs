//! Trigger assignments (`/triggers/{id}/devices`, `/triggers/{id}/devicegroups`):
//! which devices a trigger with `apply_all: false` runs for.

use crate::error::Refusal;
use crate::links::{self, Link};
use crate::{Result, Store};
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

    fn link(self) -> Link {
        let (table, col) = self.table();
        Link {
            owner_table: "triggers",
            owner_col: "trigger_id",
            table,
            col,
            target: self.target(),
        }
    }

    fn missing(self, id: u64) -> Refusal {
        match self {
            TriggerLink::Devices => Refusal::NoDevice { id },
            TriggerLink::DeviceGroups => Refusal::NoDeviceGroup { id },
        }
    }
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
        let found = self.write(|tx| {
            links::assign(tx, &link.link(), trigger, assign, unassign, |id| {
                link.missing(id)
            })
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
        self.read(|c| links::of(c, &link.link(), trigger))
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
