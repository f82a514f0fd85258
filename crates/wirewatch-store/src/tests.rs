//! Store tests on a temporary directory.

use super::*;
use wirewatch_model::detection::{NewDetection, NewParticipant, ParticipantKind, Role};

pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    (dir, store)
}

fn new_det(kind: &str, ip: &str) -> NewDetection {
    NewDetection {
        kind: kind.into(),
        participants: vec![NewParticipant {
            object_type: ParticipantKind::Ipaddr,
            object_id: None,
            object_value: Some(ip.into()),
            role: Role::Offender,
            ipaddr: None,
            hostname: None,
            external: None,
            scanner_service: None,
            usernames: vec![],
            origins: vec![],
        }],
        ..Default::default()
    }
}

#[test]
fn detections_survive_reopen() {
    let (dir, store) = temp_store();
    let d = store
        .create_detection(new_det("port_scan", "10.0.0.1"))
        .unwrap();
    assert_eq!(d.title, "Port Scan");
    assert_eq!(d.participants[0].id, 1);
    drop(store);
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let again = store.detection(d.id).unwrap().unwrap();
    assert_eq!(again, d);
}

#[test]
fn unknown_type_is_rejected() {
    let (_dir, store) = temp_store();
    let err = Error::from(
        store
            .create_detection(new_det("nope", "10.0.0.1"))
            .unwrap_err(),
    );
    assert_eq!(err.field.as_deref(), Some("type"));
}

#[test]
fn external_is_derived_from_localities() {
    let (_dir, store) = temp_store();
    let d = store
        .create_detection(new_det("port_scan", "8.8.8.8"))
        .unwrap();
    assert!(d.participants[0].external);
    let d = store
        .create_detection(new_det("port_scan", "10.1.1.1"))
        .unwrap();
    assert!(!d.participants[0].external);
}

use wirewatch_model::Error;

#[test]
fn expired_rules_release_what_they_hid() {
    use wirewatch_model::rule::{NewTuningRule, RuleParticipant};
    let (_dir, store) = temp_store();
    let rule = store
        .create_rule(
            NewTuningRule {
                detection_type: "port_scan".into(),
                offender: RuleParticipant::Any,
                victim: RuleParticipant::Any,
                expiration: Some(wirewatch_model::now_ms() + 300),
                description: None,
                properties: None,
                enabled: None,
                hide_past_detections: None,
            },
            "test",
        )
        .unwrap();
    let d = store
        .create_detection(new_det("port_scan", "10.0.0.1"))
        .unwrap();
    assert_eq!(store.detection_hidden_by(d.id).unwrap(), Some(rule.id));
    assert_eq!(store.expire_rules().unwrap(), 0);
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(store.expire_rules().unwrap(), 1);
    assert_eq!(store.detection_hidden_by(d.id).unwrap(), None);
    assert_eq!(store.rule(rule.id).unwrap().unwrap().detections_hidden, 0);
}

#[test]
fn concurrent_creates_share_commits_and_get_distinct_ids() {
    let (_dir, store) = temp_store();
    let handles: Vec<_> = (0..50)
        .map(|i| {
            let s = store.clone();
            std::thread::spawn(move || {
                s.create_detection(new_det("port_scan", &format!("10.0.0.{i}")))
                    .map(|d| d.id)
            })
        })
        .collect();
    let mut ids: Vec<u64> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    assert_eq!(store.detection_count().unwrap(), 50);
}

#[test]
fn record_retention_by_age_and_count() {
    let (_dir, store) = temp_store();
    let recs: Vec<NewRecord> = (0..100)
        .map(|i| NewRecord {
            kind: "~flow",
            time_ms: i * 86_400_000,
            fields: serde_json::Map::new(),
        })
        .collect();
    store.insert_records(&recs).unwrap();
    // Keep 30 days back from the newest record (day 99): days 69..=99.
    let n = store
        .expire_records(Retention {
            max_age_ms: 30 * 86_400_000,
            max_records: 1000,
        })
        .unwrap();
    assert_eq!(n, 69);
    assert_eq!(store.record_count(None).unwrap(), 31);
    let n = store
        .expire_records(Retention {
            max_age_ms: i64::MAX / 2,
            max_records: 10,
        })
        .unwrap();
    assert_eq!(n, 21);
    assert_eq!(store.record_count(None).unwrap(), 10);
}

#[test]
fn metric_rollups_and_retention() {
    let (_dir, store) = temp_store();
    let p = |t: i64, c: f64| MetricPoint {
        object_type: "network",
        object_id: 1,
        category: "net",
        name: "bytes",
        key1: String::new(),
        time_ms: t,
        count: Some(c),
        dataset: None,
    };
    store
        .add_metrics(&[p(0, 1.0), p(30_000, 2.0), p(400_000, 4.0)])
        .unwrap();
    let five = store
        .metric_points("network", &[1], "net", "bytes", 300_000, 0, 1_000_000)
        .unwrap();
    assert_eq!(
        five.iter().map(|x| x.count.unwrap()).collect::<Vec<_>>(),
        vec![3.0, 4.0]
    );
    let day = store
        .metric_points("network", &[1], "net", "bytes", 86_400_000, 0, 86_400_000)
        .unwrap();
    assert_eq!(day[0].count, Some(7.0));
    // 30-second points older than a day before the newest go.
    store.add_metrics(&[p(3 * 86_400_000, 1.0)]).unwrap();
    assert!(store.expire_metrics().unwrap() >= 3);
    assert!(store
        .metric_points("network", &[1], "net", "bytes", 30_000, 0, 1_000_000)
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .metric_points("network", &[1], "net", "bytes", 300_000, 0, 1_000_000)
            .unwrap()
            .len(),
        2
    );
}

use crate::{MetricPoint, NewRecord, Retention};

#[test]
fn indexed_and_scanned_record_filters_agree() {
    use wirewatch_model::record_filter::{RecordContext, RecordFilter};
    struct NoCtx;
    impl RecordContext for NoCtx {
        fn device_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
            None
        }
        fn group_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
            None
        }
        fn filter_ips(
            &self,
            _: &wirewatch_model::device_filter::DeviceFilter,
        ) -> std::result::Result<Vec<std::net::IpAddr>, (String, String)> {
            Ok(vec![])
        }
        fn locality_nets(&self, _: &str) -> Option<Vec<ipnet::IpNet>> {
            None
        }
    }
    let (_dir, store) = temp_store();
    let recs: Vec<NewRecord> = (0..2000)
        .map(|i| {
            let f = serde_json::json!({"clientAddr": format!("10.{}.0.{}", i % 4, i % 250), "serverPort": if i % 2 == 0 { 80 } else { 443 }, "serverAddr": "2001:db8::1"});
            NewRecord { kind: "~flow", time_ms: i as i64, fields: f.as_object().unwrap().clone() }
        })
        .collect();
    store.insert_records(&recs).unwrap();
    let run = |filter: serde_json::Value| {
        let f: RecordFilter = serde_json::from_value(filter).unwrap();
        let c = f.compile("filter", &NoCtx).unwrap();
        let q = RecordQuery {
            from_ms: 0,
            until_ms: 10_000,
            types: vec![],
            filter: Some(&c),
            sort: vec![],
            limit: 50,
            offset: 10,
        };
        let (total, page) = store.search_records(&q).unwrap();
        (total, page.iter().map(|r| r.id).collect::<Vec<_>>())
    };
    let indexed = run(serde_json::json!({"operator": "and", "rules": [
        {"field": "serverPort", "operator": "=", "operand": 443},
        {"field": "clientAddr", "operator": "=", "operand": "10.1.0.0/16"}]}));
    // The same filter plus a condition only the scan can check (and that always holds).
    let scanned = run(serde_json::json!({"operator": "and", "rules": [
        {"field": "serverPort", "operator": "=", "operand": 443},
        {"field": "clientAddr", "operator": "=", "operand": "10.1.0.0/16"},
        {"field": "serverAddr", "operator": "exists"}]}));
    assert_eq!(indexed, scanned);
    assert_eq!(indexed.0, 500);
    assert_eq!(indexed.1.len(), 50);
}

use crate::RecordQuery;
