//! Network locality entries (`/networklocalities`).

use crate::{Result, Store};
use ipnet::IpNet;
use rusqlite::{params, Connection, OptionalExtension};
use wirewatch_model::locality::{parse_net, LocalityInput, NetworkLocality};
use wirewatch_model::now_ms;

/// A locality with parsed networks, as cached for matching.
#[derive(Debug, Clone)]
pub struct LiveLocality {
    pub id: u64,
    pub external: bool,
    pub nets: Vec<IpNet>,
}

pub fn load_all(conn: &Connection) -> Result<Vec<NetworkLocality>> {
    let mut stmt = conn.prepare("SELECT doc FROM localities ORDER BY id")?;
    let docs = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in docs {
        out.push(serde_json::from_str(&d?)?);
    }
    Ok(out)
}

pub fn load_live(conn: &Connection) -> Result<Vec<LiveLocality>> {
    Ok(load_all(conn)?
        .into_iter()
        .map(|l| LiveLocality {
            id: l.id,
            external: l.external,
            nets: l.networks.iter().filter_map(|n| parse_net(n)).collect(),
        })
        .collect())
}

impl Store {
    fn refresh_localities(&self) -> Result<()> {
        let l = self.read(load_live)?;
        self.inner.cache.write().localities = l;
        Ok(())
    }

    pub fn localities(&self) -> Result<Vec<NetworkLocality>> {
        self.read(load_all)
    }

    pub fn locality(&self, id: u64) -> Result<Option<NetworkLocality>> {
        self.read(|c| {
            let doc: Option<String> = c
                .query_row("SELECT doc FROM localities WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
        })
    }

    pub fn create_locality(&self, input: LocalityInput) -> Result<NetworkLocality> {
        let (nets, external) = input.validate_new()?;
        let loc = self.write(|tx| {
            tx.execute("INSERT INTO localities(doc) VALUES('{}')", [])?;
            let id = tx.last_insert_rowid() as u64;
            let loc = NetworkLocality {
                id,
                name: input
                    .name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("locality_{id}")),
                description: input.description.clone().flatten(),
                external,
                mod_time: now_ms(),
                network: nets.first().cloned(),
                networks: nets,
            };
            tx.execute(
                "UPDATE localities SET doc = ?2 WHERE id = ?1",
                params![id, serde_json::to_string(&loc)?],
            )?;
            Ok(loc)
        })?;
        self.refresh_localities()?;
        Ok(loc)
    }

    pub fn update_locality(
        &self,
        id: u64,
        input: LocalityInput,
    ) -> Result<Option<NetworkLocality>> {
        let nets = input.normalized_networks()?;
        let out = self.write(|tx| {
            let doc: Option<String> = tx
                .query_row("SELECT doc FROM localities WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(doc) = doc else { return Ok(None) };
            let mut loc: NetworkLocality = serde_json::from_str(&doc)?;
            if let Some(n) = input.name.clone() {
                loc.name = if n.is_empty() {
                    format!("locality_{id}")
                } else {
                    n
                };
            }
            if let Some(d) = input.description.clone() {
                loc.description = d;
            }
            if let Some(e) = input.external {
                loc.external = e;
            }
            if let Some(n) = nets {
                loc.network = n.first().cloned();
                loc.networks = n;
            }
            loc.mod_time = now_ms().max(loc.mod_time + 1);
            tx.execute(
                "UPDATE localities SET doc = ?2 WHERE id = ?1",
                params![id, serde_json::to_string(&loc)?],
            )?;
            Ok(Some(loc))
        })?;
        self.refresh_localities()?;
        Ok(out)
    }

    pub fn delete_locality(&self, id: u64) -> Result<bool> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM localities WHERE id = ?1", [id])?))?;
        self.refresh_localities()?;
        Ok(n > 0)
    }
}
