//! The detection search read through its indexes (`INDEXED BY`, ids before
//! documents, histograms counted in Rust) answers what a plain computation
//! over every detection does: each sort the web app offers, with filters,
//! hidden detections left out or included, pages at an offset.

use super::*;
use crate::detections::{DetectionPage, Visibility};
use serde_json::json;
use std::cmp::Ordering;
use wirewatch_model::detection::{Detection, DetectionSearch, NewDetection, Status};

const DAY: i64 = 86_400_000;

fn search(store: &Store, body: serde_json::Value) -> DetectionPage {
    let s: DetectionSearch = serde_json::from_value(body).unwrap();
    store
        .search_detections(
            s,
            "analyst1",
            Visibility {
                security: true,
                performance: true,
            },
        )
        .unwrap()
}

/// SQLite's order of an optional text: NULL first ascending.
fn opt(a: Option<&str>, b: Option<&str>) -> Ordering {
    a.cmp(&b)
}

fn key(d: &Detection, field: &str, other: &Detection) -> Ordering {
    match field {
        "risk_score" => d.risk_score.cmp(&other.risk_score),
        "start_time" => d.start_time.cmp(&other.start_time),
        "update_time" => d.update_time.cmp(&other.update_time),
        "status" => opt(
            d.status.map(Status::as_str),
            other.status.map(Status::as_str),
        ),
        "assignee" => opt(d.assignee.as_deref(), other.assignee.as_deref()),
        _ => unreachable!("{field}"),
    }
}

#[test]
fn indexed_detection_searches_match_a_plain_computation() {
    let (_dir, store) = crate::tests::temp_store();
    let base = wirewatch_model::now_ms() - 40 * DAY;
    let statuses = [
        None,
        Some(Status::InProgress),
        Some(Status::Acknowledged),
        Some(Status::Closed),
    ];
    let batch: Vec<NewDetection> = (0..400i64)
        .map(|i| {
            let d = json!({
                "type": if i % 3 == 0 { "port_scan" } else { "ssh_brute_force" },
                // Ties in risk and start time, so the id decides some orders.
                "risk_score": (i * 37) % 11 * 9,
                "start_time": base + (i % 97) * (DAY / 3),
                "end_time": base + (i % 97) * (DAY / 3) + (i % 5) * 3_600_000,
                "assignee": if i % 4 == 0 { None } else { Some(format!("analyst{}", i % 3)) },
                "participants": [{"object_type": "ipaddr", "object_value": format!("10.0.0.{}", i % 7), "role": "offender"}],
            });
            let mut d: NewDetection = serde_json::from_value(d).unwrap();
            d.status = statuses[(i % 4) as usize];
            d
        })
        .collect();
    let ids = store.create_detections(batch).unwrap();
    // A tenth hidden, as a tuning rule would.
    store
        .write(|tx| {
            tx.execute("UPDATE detections SET hidden_by = 1 WHERE id % 10 = 3", [])?;
            Ok(())
        })
        .unwrap();
    let all: Vec<(Detection, bool)> = ids
        .iter()
        .map(|&id| {
            (
                store.detection(id).unwrap().unwrap(),
                store.detection_hidden_by(id).unwrap().is_some(),
            )
        })
        .collect();
    let now = wirewatch_model::now_ms();
    let sorts: &[&[(&str, bool)]] = &[
        &[("start_time", true)],
        &[("risk_score", true), ("start_time", true)],
        &[("status", false), ("risk_score", true)],
        &[("assignee", false), ("risk_score", true)],
        &[("update_time", true)],
        &[("risk_score", false)],
    ];
    type Filter = (serde_json::Value, fn(&Detection) -> bool);
    let filters: Vec<Filter> = vec![
        (json!({}), |_| true),
        (json!({"filter": {"status": [".none"]}}), |d| {
            d.status.is_none()
        }),
        (
            json!({"filter": {"status": ["in_progress", "closed"]}}),
            |d| matches!(d.status, Some(Status::InProgress | Status::Closed)),
        ),
        (
            json!({"filter": {"assignee": [".none", "analyst2"]}}),
            |d| d.assignee.as_deref().is_none_or(|a| a == "analyst2"),
        ),
        (json!({"filter": {"assignee": [".me"]}}), |d| {
            d.assignee.as_deref() == Some("analyst1")
        }),
        (json!({"filter": {"risk_score_min": 50}}), |d| {
            d.risk_score >= 50
        }),
        (json!({"filter": {"types": ["port_scan"]}}), |d| {
            d.kind == "port_scan"
        }),
        (json!({"filter": {"categories": ["sec.attack"]}}), |d| {
            d.categories.iter().any(|c| c == "sec.attack")
        }),
        (json!({"filter": {"offender": ["10.0.0.3"]}}), |d| {
            d.participants
                .iter()
                .any(|p| p.object_value.as_deref() == Some("10.0.0.3"))
        }),
    ];
    let mut checked = 0;
    for include_hidden in [false, true] {
        for (filter, keep) in &filters {
            let want: Vec<&Detection> = all
                .iter()
                .filter(|(d, hidden)| (include_hidden || !hidden) && keep(d))
                .map(|(d, _)| d)
                .collect();
            assert!(!want.is_empty(), "{filter}");
            // The histogram: per 30 days and per 6 hours.
            for interval in [30 * DAY, DAY / 4] {
                let mut body = filter.clone();
                body["histogram"] = json!(interval);
                body["include_hidden"] = json!(include_hidden);
                let DetectionPage::Counts(got) = search(&store, body) else {
                    panic!("counts")
                };
                let mut buckets = std::collections::BTreeMap::<i64, u64>::new();
                for d in &want {
                    *buckets
                        .entry((d.start_time / interval) * interval)
                        .or_default() += 1;
                }
                let got: Vec<(i64, u64)> = got.iter().map(|c| (c.time, c.count)).collect();
                assert_eq!(got, buckets.into_iter().collect::<Vec<_>>(), "{filter}");
            }
            // A time window.
            let mut body = filter.clone();
            body["histogram"] = json!(DAY);
            body["include_hidden"] = json!(include_hidden);
            body["from"] = json!(now - 10 * DAY);
            body["until"] = json!(now - 5 * DAY);
            let DetectionPage::Counts(got) = search(&store, body) else {
                panic!("counts")
            };
            let n = want
                .iter()
                .filter(|d| {
                    d.end_time.is_none_or(|e| e >= now - 10 * DAY) && d.start_time <= now - 5 * DAY
                })
                .count() as u64;
            assert_eq!(got.iter().map(|c| c.count).sum::<u64>(), n, "{filter}");
            for sort in sorts {
                let mut sorted = want.clone();
                sorted.sort_by(|a, b| {
                    sort.iter()
                        .map(|(f, desc)| {
                            let o = key(a, f, b);
                            if *desc {
                                o.reverse()
                            } else {
                                o
                            }
                        })
                        .find(|o| o.is_ne())
                        .unwrap_or(Ordering::Equal)
                        .then(a.id.cmp(&b.id))
                });
                let keys: Vec<_> = sort
                    .iter()
                    .map(|(f, desc)| json!({"field": f, "direction": if *desc { "desc" } else { "asc" }}))
                    .collect();
                for (offset, limit) in [(0, 50), (37, 25), (want.len() as i64 - 3, 50)] {
                    let mut body = filter.clone();
                    body["sort"] = json!(keys);
                    body["limit"] = json!(limit);
                    body["offset"] = json!(offset.max(0));
                    body["include_hidden"] = json!(include_hidden);
                    let DetectionPage::Full(got) = search(&store, body) else {
                        panic!("a page")
                    };
                    let want_ids: Vec<u64> = sorted
                        .iter()
                        .skip(offset.max(0) as usize)
                        .take(limit as usize)
                        .map(|d| d.id)
                        .collect();
                    let got_ids: Vec<u64> = got.iter().map(|d| d.id).collect();
                    assert_eq!(got_ids, want_ids, "{filter} sorted by {sort:?} at {offset}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * 9 * 6 * 3);
}
