//! Custom devices and their criteria. Each custom device has an entry in
//! `devices` (made, renamed and deleted with it); every change moves the
//! `custom_devices_generation` counter on, which the sensor reads to reload
//! its compiled criteria.

use crate::devices::{delete_entry, insert_custom_entry, rename_custom_entry};
use crate::error::{Conflict, Refusal, StoreError};
use crate::schema::{meta_get, next_counter};
use crate::{Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use wirewatch_model::custom_device::{
    extrahop_id_from_name, CompiledDevice, Criterion, CriterionInput, CustomDevice,
    CustomDevicePatch, Matcher, NewCustomDevice, MAX_CRITERIA, MAX_CUSTOM_DEVICES,
};
use wirewatch_model::now_ms;

const GENERATION: &str = "custom_devices_generation";

/// What `custom_devices.doc` holds.
#[derive(Serialize, Deserialize)]
struct Doc {
    author: Option<String>,
    description: Option<String>,
    disabled: bool,
    mod_time: i64,
}

fn load(c: &Connection, id: u64, with_criteria: bool) -> Result<Option<CustomDevice>> {
    let row: Option<(String, String, u64, String)> = c
        .query_row(
            "SELECT name, extrahop_id, device_id, doc FROM custom_devices WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((name, extrahop_id, device_id, doc)) = row else {
        return Ok(None);
    };
    let doc: Doc = serde_json::from_str(&doc)?;
    Ok(Some(CustomDevice {
        id,
        name,
        author: doc.author,
        description: doc.description,
        disabled: doc.disabled,
        extrahop_id,
        mod_time: doc.mod_time,
        device_id,
        criteria: if with_criteria {
            Some(criteria(c, id)?)
        } else {
            None
        },
    }))
}

fn criteria(c: &Connection, id: u64) -> Result<Vec<Criterion>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, doc FROM custom_device_criteria WHERE custom_device_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (cid, doc) = row?;
        out.push(Criterion {
            id: cid,
            custom_device_id: id,
            c: serde_json::from_str(&doc)?,
        });
    }
    Ok(out)
}

fn insert_criteria(tx: &Connection, id: u64, list: &[CriterionInput]) -> Result<Vec<u64>> {
    let mut ids = Vec::with_capacity(list.len());
    for c in list {
        tx.execute(
            "INSERT INTO custom_device_criteria(custom_device_id, doc) VALUES(?1, ?2)",
            params![id, serde_json::to_string(c)?],
        )?;
        ids.push(tx.last_insert_rowid() as u64);
    }
    Ok(ids)
}

fn name_taken(tx: &Connection, name: &str, except: u64) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM custom_devices WHERE name = ?1 AND id != ?2",
            params![name, except],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Whether a custom device or a discovered device has this id.
fn id_taken(tx: &Connection, extrahop_id: &str) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM custom_devices WHERE extrahop_id = ?1
             UNION ALL SELECT 1 FROM devices WHERE discovery_id = ?1",
            [extrahop_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn bump(tx: &Connection) -> Result<()> {
    next_counter(tx, GENERATION, 1)?;
    Ok(())
}

fn save_doc(tx: &Connection, id: u64, d: &CustomDevice) -> Result<()> {
    let doc = Doc {
        author: d.author.clone(),
        description: d.description.clone(),
        disabled: d.disabled,
        mod_time: d.mod_time,
    };
    tx.execute(
        "UPDATE custom_devices SET name = ?2, doc = ?3 WHERE id = ?1",
        params![id, d.name, serde_json::to_string(&doc)?],
    )?;
    Ok(())
}

impl Store {
    /// Make a custom device (and its `devices` entry).
    pub fn create_custom_device(&self, b: &NewCustomDevice) -> Result<CustomDevice> {
        b.validate()?;
        let now = now_ms();
        self.write(|tx| {
            let count: i64 =
                tx.query_row("SELECT count(*) FROM custom_devices", [], |r| r.get(0))?;
            if count as usize >= MAX_CUSTOM_DEVICES {
                return Err(StoreError::Refused {
                    field: "name".into(),
                    reason: Refusal::TooManyCustomDevices {
                        max: MAX_CUSTOM_DEVICES,
                    },
                });
            }
            if name_taken(tx, &b.name, 0)? {
                return Err(StoreError::Conflict(Conflict::CustomDeviceName {
                    name: b.name.clone(),
                }));
            }
            let extrahop_id = match &b.extrahop_id {
                Some(x) => {
                    if id_taken(tx, x)? {
                        return Err(StoreError::Conflict(Conflict::CustomDeviceId {
                            extrahop_id: x.clone(),
                        }));
                    }
                    x.clone()
                }
                None => {
                    let base = extrahop_id_from_name(&b.name);
                    let mut x = base.clone();
                    let mut n = 1;
                    while id_taken(tx, &x)? {
                        n += 1;
                        x = format!("{base}-{n}");
                    }
                    x
                }
            };
            let device_id = insert_custom_entry(tx, &extrahop_id, &b.name, now)?;
            tx.execute(
                "INSERT INTO custom_devices(name, extrahop_id, device_id, doc) VALUES(?1, ?2, ?3, '{}')",
                params![b.name, extrahop_id, device_id],
            )?;
            let id = tx.last_insert_rowid() as u64;
            let d = CustomDevice {
                id,
                name: b.name.clone(),
                author: b.author.clone(),
                description: b.description.clone(),
                disabled: b.disabled.unwrap_or(false),
                extrahop_id,
                mod_time: now,
                device_id,
                criteria: None,
            };
            save_doc(tx, id, &d)?;
            insert_criteria(tx, id, b.criteria.as_deref().unwrap_or_default())?;
            bump(tx)?;
            load(tx, id, true)?
                .ok_or_else(|| StoreError::Inconsistent(format!("custom device {id} vanished")))
        })
    }

    /// Every custom device, by id.
    pub fn custom_devices(&self, with_criteria: bool) -> Result<Vec<CustomDevice>> {
        self.read(|c| {
            let ids: Vec<u64> = c
                .prepare("SELECT id FROM custom_devices ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(load(c, id, with_criteria)?);
            }
            Ok(out)
        })
    }

    pub fn custom_device(&self, id: u64, with_criteria: bool) -> Result<Option<CustomDevice>> {
        self.read(|c| load(c, id, with_criteria))
    }

    /// The custom device whose `extrahop_id` this is.
    pub fn custom_device_by_extrahop_id(&self, extrahop_id: &str) -> Result<Option<CustomDevice>> {
        self.read(|c| {
            let id: Option<u64> = c
                .query_row(
                    "SELECT id FROM custom_devices WHERE extrahop_id = ?1",
                    [extrahop_id],
                    |r| r.get(0),
                )
                .optional()?;
            id.map(|id| load(c, id, false))
                .transpose()
                .map(Option::flatten)
        })
    }

    /// Apply a change; `None` when the custom device does not exist.
    pub fn patch_custom_device(
        &self,
        id: u64,
        p: &CustomDevicePatch,
    ) -> Result<Option<CustomDevice>> {
        p.validate()?;
        let now = now_ms();
        self.write(|tx| {
            let Some(mut d) = load(tx, id, false)? else {
                return Ok(None);
            };
            if let Some(x) = &p.extrahop_id {
                if *x != d.extrahop_id {
                    return Err(StoreError::Refused {
                        field: "extrahop_id".into(),
                        reason: Refusal::ExtrahopIdImmutable {
                            current: d.extrahop_id,
                        },
                    });
                }
            }
            if let Some(n) = &p.name {
                if name_taken(tx, n, id)? {
                    return Err(StoreError::Conflict(Conflict::CustomDeviceName {
                        name: n.clone(),
                    }));
                }
                if *n != d.name {
                    rename_custom_entry(tx, d.device_id, n, now)?;
                }
                d.name = n.clone();
            }
            if let Some(a) = &p.author {
                d.author = a.clone();
            }
            if let Some(x) = &p.description {
                d.description = x.clone();
            }
            if let Some(x) = p.disabled {
                d.disabled = x;
            }
            if let Some(c) = &p.criteria {
                tx.execute(
                    "DELETE FROM custom_device_criteria WHERE custom_device_id = ?1",
                    [id],
                )?;
                insert_criteria(tx, id, c)?;
            }
            d.mod_time = now;
            save_doc(tx, id, &d)?;
            bump(tx)?;
            load(tx, id, true)
        })
    }

    /// Delete a custom device, its criteria and its `devices` entry; false
    /// when it does not exist.
    pub fn delete_custom_device(&self, id: u64) -> Result<bool> {
        self.write(|tx| {
            let Some(d) = load(tx, id, false)? else {
                return Ok(false);
            };
            tx.execute(
                "DELETE FROM custom_device_criteria WHERE custom_device_id = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM custom_devices WHERE id = ?1", [id])?;
            delete_entry(tx, d.device_id)?;
            bump(tx)?;
            Ok(true)
        })
    }

    /// Add one criterion (the legacy `/customdevices/{id}/criteria`);
    /// `None` when the custom device does not exist.
    pub fn add_custom_device_criterion(&self, id: u64, c: &CriterionInput) -> Result<Option<u64>> {
        c.compile("")?;
        let now = now_ms();
        self.write(|tx| {
            let Some(mut d) = load(tx, id, false)? else {
                return Ok(None);
            };
            let n: i64 = tx.query_row(
                "SELECT count(*) FROM custom_device_criteria WHERE custom_device_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if n as usize >= MAX_CRITERIA {
                return Err(wirewatch_model::Error::invalid(
                    "criteria",
                    format!("the custom device already holds {MAX_CRITERIA} criteria, the most"),
                )
                .into());
            }
            let cid = insert_criteria(tx, id, std::slice::from_ref(c))?[0];
            d.mod_time = now;
            save_doc(tx, id, &d)?;
            bump(tx)?;
            Ok(Some(cid))
        })
    }

    /// Remove one criterion; false when the custom device has none of this id.
    pub fn delete_custom_device_criterion(&self, id: u64, criterion: u64) -> Result<bool> {
        let now = now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM custom_device_criteria WHERE custom_device_id = ?1 AND id = ?2",
                params![id, criterion],
            )?;
            if n == 0 {
                return Ok(false);
            }
            if let Some(mut d) = load(tx, id, false)? {
                d.mod_time = now;
                save_doc(tx, id, &d)?;
            }
            bump(tx)?;
            Ok(true)
        })
    }

    /// How many times custom devices changed (cheap: the sensor polls it).
    pub fn custom_devices_generation(&self) -> Result<u64> {
        self.read(|c| {
            Ok(meta_get(c, GENERATION)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0))
        })
    }

    /// The enabled custom devices' criteria, compiled, with the generation
    /// they were read at. A stored criterion that no longer compiles is
    /// left out (and logged).
    pub fn custom_device_matcher(&self) -> Result<Matcher> {
        self.read(|c| {
            let generation = meta_get(c, GENERATION)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let ids: Vec<u64> = c
                .prepare("SELECT id FROM custom_devices ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut devices = Vec::new();
            for id in ids {
                let Some(d) = load(c, id, true)? else {
                    continue;
                };
                if d.disabled {
                    continue;
                }
                let mut compiled = Vec::new();
                for cr in d.criteria.unwrap_or_default() {
                    match cr.c.compile("criteria") {
                        Ok(x) => compiled.push(x),
                        Err(e) => tracing::warn!(custom_device = id, criterion = cr.id, error = %e,
                            "a stored criterion does not compile; skipped"),
                    }
                }
                if !compiled.is_empty() {
                    devices.push(CompiledDevice {
                        device_id: d.device_id,
                        extrahop_id: d.extrahop_id,
                        criteria: compiled,
                    });
                }
            }
            Ok(Matcher::new(devices, generation))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreOptions};
    use serde_json::json;
    use std::net::IpAddr;
    use wirewatch_model::custom_device::{CustomDevicePatch, End, FlowView, NewCustomDevice};

    fn new(v: serde_json::Value) -> NewCustomDevice {
        serde_json::from_value(v).unwrap()
    }

    fn flow(c: &str, s: &str, port: u16) -> FlowView {
        FlowView {
            client: (c.parse::<IpAddr>().unwrap(), 40000),
            server: (s.parse::<IpAddr>().unwrap(), port),
            vlan: None,
        }
    }

    #[test]
    fn the_matcher_follows_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(store.custom_devices_generation().unwrap(), 0);
        assert!(store.custom_device_matcher().unwrap().is_empty());
        let a = store
            .create_custom_device(&new(
                json!({"name": "a", "criteria": [{"ipaddr": "10.0.0.0/24"}]}),
            ))
            .unwrap();
        store
            .create_custom_device(&new(json!({"name": "b", "disabled": true,
                                             "criteria": [{"dst_port_min": 80, "dst_port_max": 80}]})))
            .unwrap();
        let g1 = store.custom_devices_generation().unwrap();
        let m = store.custom_device_matcher().unwrap();
        assert_eq!(m.generation, g1);
        assert_eq!(m.devices.len(), 1, "the disabled one is left out");
        assert_eq!(m.devices[0].device_id, a.device_id);
        assert_eq!(
            m.attribute(&flow("10.0.0.7", "1.1.1.1", 80)),
            vec![(0, End::Client)]
        );

        let patch: CustomDevicePatch = serde_json::from_value(
            json!({"criteria": [{"ipaddr": "10.9.0.0/16", "ipaddr_direction": "dst"}]}),
        )
        .unwrap();
        store.patch_custom_device(a.id, &patch).unwrap().unwrap();
        let m = store.custom_device_matcher().unwrap();
        assert!(m.generation > g1);
        assert!(m.attribute(&flow("10.0.0.7", "1.1.1.1", 80)).is_empty());
        assert_eq!(
            m.attribute(&flow("1.1.1.1", "10.9.3.4", 80)),
            vec![(0, End::Server)]
        );

        let cid = store
            .add_custom_device_criterion(
                a.id,
                &serde_json::from_value(json!({"ipaddr": "192.168.1.1"})).unwrap(),
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            store.custom_device_matcher().unwrap().devices[0]
                .criteria
                .len(),
            2
        );
        assert!(store.delete_custom_device_criterion(a.id, cid).unwrap());
        assert!(!store.delete_custom_device_criterion(a.id, cid).unwrap());
        assert_eq!(
            store.custom_device_matcher().unwrap().devices[0]
                .criteria
                .len(),
            1
        );

        assert!(store.delete_custom_device(a.id).unwrap());
        assert!(store.device(a.device_id).unwrap().is_none());
        assert!(store.custom_device_matcher().unwrap().is_empty());
    }
}
