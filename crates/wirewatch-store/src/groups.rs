//! Tags, device groups (static and filter-defined) and the watchlist.

use crate::error::{Conflict, Refusal};
use crate::{Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wirewatch_model::device::Device;
use wirewatch_model::device_filter::{validate_group_filter, validate_group_name, DeviceFilter};
use wirewatch_model::now_ms;

/// A tag users put on devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Tag::example())]
pub struct Tag {
    /// The tag's id.
    pub id: u64,
    /// The tag's name (unique).
    pub name: String,
    /// When the tag was created or renamed (ms).
    pub mod_time: i64,
}

impl Tag {
    /// The example of the API's documentation.
    pub fn example() -> Tag {
        Tag {
            id: 3,
            name: "pci-scope".into(),
            mod_time: 1_767_225_600_000,
        }
    }
}

/// The schema of a group's `filter`: the API documents the device filter
/// form as its `DeviceFilter` component.
pub fn group_filter_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"nullable": true, "anyOf": [{"$ref": "#/components/schemas/DeviceFilter"}]})
}

/// A device group: a static list of devices, or (`dynamic`) the devices
/// matching a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = DeviceGroup::example())]
pub struct DeviceGroup {
    /// The group's id.
    pub id: u64,
    /// The group's name.
    pub name: String,
    /// What the group is for.
    pub description: Option<String>,
    /// Filter-defined (true) or a static list of assigned devices (false).
    pub dynamic: bool,
    /// The device filter of a dynamic group (the `POST /devices/search`
    /// filter form); `null` for a static group.
    #[schemars(schema_with = "group_filter_schema")]
    pub filter: Option<Value>,
    /// Whether custom devices may be members.
    pub include_custom_devices: bool,
    /// Whether the sensor defined the group.
    pub built_in: bool,
    /// When the group was last changed (ms).
    pub mod_time: i64,
}

impl DeviceGroup {
    /// The example of the API's documentation.
    pub fn example() -> DeviceGroup {
        DeviceGroup {
            id: 2,
            name: "Lab routers".into(),
            description: Some("Gateways of the lab network".into()),
            dynamic: true,
            filter: Some(serde_json::json!({"operator": "and", "rules": [
                {"field": "ipaddr", "operator": "=", "operand": "10.1.0.0/16"},
                {"field": "role", "operator": "=", "operand": "gateway"},
            ]})),
            include_custom_devices: true,
            built_in: false,
            mod_time: 1_767_225_600_000,
        }
    }
}

fn check_devices(tx: &rusqlite::Transaction<'_>, field: &str, ids: &[u64]) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        let found: Option<u64> = tx
            .query_row("SELECT id FROM devices WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        if found.is_none() {
            return Err(StoreError::refused(
                format!("{field}[{i}]"),
                Refusal::NoDevice { id: *id },
            ));
        }
    }
    Ok(())
}

impl Store {
    pub fn tags(&self) -> Result<Vec<Tag>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id, name, mod_time FROM tags ORDER BY id")?;
            let rows = stmt.query_map([], |r| {
                Ok(Tag {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    mod_time: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn tag(&self, id: u64) -> Result<Option<Tag>> {
        Ok(self.tags()?.into_iter().find(|t| t.id == id))
    }

    pub fn create_tag(&self, name: &str) -> Result<Tag> {
        validate_group_name("name", name)?;
        let now = now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO tags(name, mod_time) VALUES(?1, ?2)",
                params![name, now],
            )?;
            if n == 0 {
                return Err(StoreError::Conflict(Conflict::Tag { name: name.into() }));
            }
            Ok(Tag {
                id: tx.last_insert_rowid() as u64,
                name: name.to_string(),
                mod_time: now,
            })
        })
    }

    pub fn rename_tag(&self, id: u64, name: &str) -> Result<bool> {
        validate_group_name("name", name)?;
        self.write(|tx| {
            let clash: Option<u64> = tx
                .query_row(
                    "SELECT id FROM tags WHERE name = ?1 AND id != ?2",
                    params![name, id],
                    |r| r.get(0),
                )
                .optional()?;
            if clash.is_some() {
                return Err(StoreError::Conflict(Conflict::Tag { name: name.into() }));
            }
            Ok(tx.execute(
                "UPDATE tags SET name = ?2, mod_time = ?3 WHERE id = ?1",
                params![id, name, now_ms()],
            )? > 0)
        })
    }

    pub fn delete_tag(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM tags WHERE id = ?1", [id])? > 0))
    }

    /// Assign and unassign devices; false when the tag does not exist.
    pub fn tag_devices(&self, id: u64, assign: &[u64], unassign: &[u64]) -> Result<bool> {
        self.write(|tx| {
            let exists: Option<u64> = tx
                .query_row("SELECT id FROM tags WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Ok(false);
            }
            check_devices(tx, "assign", assign)?;
            for d in assign {
                tx.execute(
                    "INSERT OR IGNORE INTO device_tags(tag_id, device_id) VALUES(?1, ?2)",
                    params![id, d],
                )?;
            }
            for d in unassign {
                tx.execute(
                    "DELETE FROM device_tags WHERE tag_id = ?1 AND device_id = ?2",
                    params![id, d],
                )?;
            }
            Ok(true)
        })
    }

    pub fn tag_device_ids(&self, id: u64) -> Result<Vec<u64>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT device_id FROM device_tags WHERE tag_id = ?1 ORDER BY device_id",
            )?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn device_tags(&self, device: u64) -> Result<Vec<Tag>> {
        let ids: Vec<u64> = self.read(|c| {
            let mut stmt = c.prepare("SELECT tag_id FROM device_tags WHERE device_id = ?1")?;
            let rows = stmt.query_map([device], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        Ok(self
            .tags()?
            .into_iter()
            .filter(|t| ids.contains(&t.id))
            .collect())
    }

    pub fn devicegroups(&self) -> Result<Vec<DeviceGroup>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc FROM devicegroups ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for d in rows {
                out.push(serde_json::from_str(&d?)?);
            }
            Ok(out)
        })
    }

    pub fn devicegroup(&self, id: u64) -> Result<Option<DeviceGroup>> {
        Ok(self.devicegroups()?.into_iter().find(|g| g.id == id))
    }

    /// Create or replace a group (id 0 creates).
    pub fn save_devicegroup(&self, mut g: DeviceGroup) -> Result<DeviceGroup> {
        validate_group_name("name", &g.name)?;
        if g.dynamic {
            validate_group_filter(g.filter.as_ref())?;
        }
        g.mod_time = now_ms();
        self.write(|tx| {
            if g.id == 0 {
                tx.execute("INSERT INTO devicegroups(doc) VALUES('{}')", [])?;
                g.id = tx.last_insert_rowid() as u64;
            }
            tx.execute(
                "UPDATE devicegroups SET doc = ?2 WHERE id = ?1",
                params![g.id, serde_json::to_string(&g)?],
            )?;
            Ok(g)
        })
    }

    pub fn delete_devicegroup(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM devicegroups WHERE id = ?1", [id])? > 0))
    }

    /// Assign and unassign devices of a static group.
    pub fn group_assign(&self, id: u64, assign: &[u64], unassign: &[u64]) -> Result<()> {
        self.write(|tx| {
            check_devices(tx, "assign", assign)?;
            for d in assign {
                tx.execute(
                    "INSERT OR IGNORE INTO devicegroup_members(group_id, device_id) VALUES(?1, ?2)",
                    params![id, d],
                )?;
            }
            for d in unassign {
                tx.execute(
                    "DELETE FROM devicegroup_members WHERE group_id = ?1 AND device_id = ?2",
                    params![id, d],
                )?;
            }
            Ok(())
        })
    }

    /// The devices of a group: its filter's matches, or its assigned members.
    pub fn group_devices(&self, g: &DeviceGroup) -> Result<Vec<Device>> {
        if g.dynamic {
            let f: DeviceFilter = serde_json::from_value(g.filter.clone().unwrap_or(Value::Null))?;
            let Ok(c) = f.compile("filter") else {
                return Ok(Vec::new());
            };
            return Ok(self
                .devices(None, None)?
                .into_iter()
                .filter(|d| c.matches(d))
                .collect());
        }
        let ids: Vec<u64> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT device_id FROM devicegroup_members WHERE group_id = ?1 ORDER BY device_id",
            )?;
            let rows = stmt.query_map([g.id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        ids.into_iter()
            .filter_map(|id| self.device(id).transpose())
            .collect()
    }

    /// Devices on the watchlist.
    pub fn watchlist(&self) -> Result<Vec<u64>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT device_id FROM watchlist ORDER BY device_id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub fn watchlist_assign(&self, assign: &[u64], unassign: &[u64]) -> Result<()> {
        self.write(|tx| {
            check_devices(tx, "assign", assign)?;
            for d in assign {
                tx.execute("INSERT OR IGNORE INTO watchlist(device_id) VALUES(?1)", [d])?;
            }
            for d in unassign {
                tx.execute("DELETE FROM watchlist WHERE device_id = ?1", [d])?;
            }
            Ok(())
        })
    }
}
