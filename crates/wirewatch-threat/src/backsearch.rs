//! The back-search of a collection just uploaded: the records stored before
//! (everything retention kept) are checked against its observables; those
//! that match get the `threat` field they would have had, and detections
//! are raised (one per observable and device, as for live traffic, with the
//! property `back_search` true).
//!
//! Bounded: at most [`MAX_ROWS`] records read (newest first) and
//! [`MAX_MATCHES`] records marked; what it did is kept with the collection
//! (`backsearch`: `records_scanned`, `records_matched`, `detections`,
//! `truncated`).

use crate::detect::{detection, Raiser};
use crate::matcher::{Entry, Matcher};
use serde_json::{Map, Value};
use std::net::IpAddr;
use wirewatch_model::threat::{BackSearch, ThreatMatch, RECORD_FIELD};
use wirewatch_store::{IngestBatch, Store, StoreError};

/// Most records read.
pub const MAX_ROWS: u64 = 5_000_000;
/// Most records marked (and so detections raised).
pub const MAX_MATCHES: u64 = 10_000;

/// The record types whose fields can match.
const KINDS: [&str; 5] = [
    "~flow",
    "~dns_request",
    "~dns_response",
    "~http",
    "~ssl_open",
];

/// The matcher of one collection, as stored.
pub fn load_one(store: &Store, id: u64) -> Result<Matcher, StoreError> {
    let mut list = Vec::new();
    let src = store.threat_observables(Some(id), |_, k, v| list.push((k, v.to_string())))?;
    let mut m = Matcher::new(src.generation, entries(&src.collections));
    for (k, v) in list {
        m.add(0, k, &v);
    }
    Ok(m)
}

/// The matcher entries of the store's collections.
pub fn entries(list: &[(u64, String, String)]) -> Vec<Entry> {
    list.iter()
        .map(|(id, key, name)| Entry {
            id: *id,
            user_key: key.as_str().into(),
            name: name.as_str().into(),
        })
        .collect()
}

/// Every collection's observables, compiled, as they are read (no copy
/// of the million values first). A collection's index in the matcher is
/// given at its first observable; the collections without observables come
/// last.
pub fn load_all(store: &Store) -> Result<Matcher, StoreError> {
    let mut m = Matcher::new(0, Vec::new());
    let mut index: foldhash::HashMap<u64, u32> = Default::default();
    let mut order: Vec<u64> = Vec::new();
    let src = store.threat_observables(None, |c, k, v| {
        let i = *index.entry(c).or_insert_with(|| {
            order.push(c);
            order.len() as u32 - 1
        });
        m.add(i, k, v);
    })?;
    let by_id: foldhash::HashMap<u64, &(u64, String, String)> =
        src.collections.iter().map(|c| (c.0, c)).collect();
    let mut list = Vec::with_capacity(src.collections.len());
    for id in &order {
        // Read in one transaction: an observable's collection is there.
        let Some(c) = by_id.get(id) else {
            return Err(StoreError::Inconsistent(format!(
                "threat observables of collection {id}, which is not stored"
            )));
        };
        list.push(*c);
    }
    list.extend(src.collections.iter().filter(|c| !index.contains_key(&c.0)));
    m.generation = src.generation;
    m.collections = list
        .into_iter()
        .map(|(id, key, name)| Entry {
            id: *id,
            user_key: key.as_str().into(),
            name: name.as_str().into(),
        })
        .collect();
    Ok(m)
}

fn ip(doc: &Map<String, Value>, keys: [&str; 2]) -> Option<IpAddr> {
    keys.iter()
        .find_map(|k| doc.get(*k).and_then(Value::as_str))
        .and_then(|s| s.parse().ok())
}

/// Search the stored records for collection `id`'s observables (see the
/// module's documentation).
pub fn run(store: &Store, id: u64) -> BackSearch {
    match search(store, id) {
        Ok(b) => b,
        Err(e) => BackSearch {
            state: "failed".into(),
            error: Some(e.to_string()),
            ..BackSearch::default()
        },
    }
}

fn search(store: &Store, id: u64) -> Result<BackSearch, StoreError> {
    let m = load_one(store, id)?;
    let mut b = BackSearch {
        state: "done".into(),
        ..BackSearch::default()
    };
    if m.is_empty() {
        return Ok(b);
    }
    let mut docs = Vec::new();
    let mut detections = Vec::new();
    let mut raiser = Raiser::default();
    let (read, stopped) = store.scan_records(&KINDS, MAX_ROWS, |r| {
        let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(r.doc) else {
            return true;
        };
        let hits: Vec<ThreatMatch> = m.check_doc(r.kind, &doc);
        if hits.is_empty() {
            return true;
        }
        let (client, server) = if r.kind == "~flow" {
            (
                ip(&doc, ["senderAddr", "clientAddr"]),
                ip(&doc, ["receiverAddr", "serverAddr"]),
            )
        } else {
            (
                ip(&doc, ["clientAddr", "senderAddr"]),
                ip(&doc, ["serverAddr", "receiverAddr"]),
            )
        };
        for h in &hits {
            let device = if h.field == "senderAddr" {
                server
            } else {
                client
            };
            if raiser.first(h, device) {
                detections.push(detection(h, r.kind, r.time_ms, client, server, true));
            }
        }
        let mut list: Vec<Value> = match doc.remove(RECORD_FIELD) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        for h in hits {
            let v = serde_json::to_value(&h).unwrap_or(Value::Null);
            if !list.contains(&v) {
                list.push(v);
            }
        }
        doc.insert(RECORD_FIELD.into(), Value::Array(list));
        if let Ok(text) = serde_json::to_string(&doc) {
            docs.push((r.segment, r.id, text));
        }
        (docs.len() as u64) < MAX_MATCHES
    })?;
    b.records_scanned = read;
    b.truncated = stopped;
    b.records_matched = store.rewrite_record_docs(&docs)?;
    let done = store.commit_ingest(
        IngestBatch {
            records: &[],
            detections,
            metrics: &[],
        },
        None,
    )?;
    for e in &done.refused {
        tracing::warn!(error = %e, "a back-search detection could not be stored");
    }
    b.detections = done.detections;
    Ok(b)
}

/// Run the back-search of collection `id` and keep what it did with the
/// collection (`running` meanwhile), naming the job that runs it (when
/// one does). Blocking: call it off the async runtime.
pub fn run_and_record(store: &Store, id: u64, job_id: Option<&str>) -> BackSearch {
    let running = BackSearch {
        state: "running".into(),
        job_id: job_id.map(str::to_string),
        ..BackSearch::default()
    };
    if let Err(e) = store.set_threat_backsearch(id, &running) {
        tracing::warn!(error = %e, collection = id, "could not record the back-search state");
    }
    let mut b = run(store, id);
    b.job_id = job_id.map(str::to_string);
    tracing::info!(
        collection = id,
        scanned = b.records_scanned,
        matched = b.records_matched,
        detections = b.detections,
        truncated = b.truncated,
        state = %b.state,
        "threat collection back-search"
    );
    if let Err(e) = store.set_threat_backsearch(id, &b) {
        tracing::warn!(error = %e, collection = id, "could not record the back-search result");
    }
    b
}

/// Mark the back-searches a stopped process left `running` as `failed`
/// (with the reason): called when a server starts, before it runs any.
/// Answers how many there were.
pub fn fail_interrupted(store: &Store) -> Result<usize, StoreError> {
    let mut n = 0;
    for c in store.threat_collections()? {
        let Some(b) = c.backsearch.filter(|b| b.state == "running") else {
            continue;
        };
        let failed = BackSearch {
            state: "failed".into(),
            error: Some(
                "interrupted: the server stopped before the back-search ended; \
                 upload the collection again to search the stored records"
                    .into(),
            ),
            ..b
        };
        store.set_threat_backsearch(c.id, &failed)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirewatch_model::threat::{Observable, ObservableKind};
    use wirewatch_store::CollectionUpload;

    #[test]
    fn a_back_search_left_running_by_a_stop_is_marked_failed_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Default::default()).unwrap();
        let list = [Observable {
            kind: ObservableKind::Hostname,
            value: "evil.example".into(),
        }];
        let mut ids = Vec::new();
        for key in ["one", "two"] {
            let (c, _) = store
                .put_threat_collection(
                    CollectionUpload {
                        user_key: key,
                        name: Some(key),
                        filename: None,
                        observables: Some(&list),
                    },
                    false,
                )
                .unwrap();
            ids.push(c.id);
        }
        let running = BackSearch {
            state: "running".into(),
            job_id: Some("a1".into()),
            ..BackSearch::default()
        };
        store.set_threat_backsearch(ids[0], &running).unwrap();
        let done = run_and_record(&store, ids[1], None);
        assert_eq!(done.state, "done");
        assert_eq!(fail_interrupted(&store).unwrap(), 1);
        let c = store.threat_collection(ids[0]).unwrap().unwrap();
        let b = c.backsearch.unwrap();
        assert_eq!(b.state, "failed");
        assert!(b.error.unwrap().starts_with("interrupted"));
        assert_eq!(b.job_id.as_deref(), Some("a1"));
        // The finished one is left alone; a second start finds none.
        let c = store.threat_collection(ids[1]).unwrap().unwrap();
        assert_eq!(c.backsearch.unwrap().state, "done");
        assert_eq!(fail_interrupted(&store).unwrap(), 0);
    }
}
