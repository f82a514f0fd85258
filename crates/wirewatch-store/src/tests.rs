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
fn storage_errors_are_typed() {
    let (_dir, store) = temp_store();
    assert!(matches!(
        store.create_detection(new_det("nope", "10.0.0.1")),
        Err(StoreError::Refused {
            reason: Refusal::UnknownDetectionType { .. },
            ..
        })
    ));
    // The model's validation runs first and its error passes through.
    assert!(matches!(
        store.create_detection(new_det("port_scan", "not-an-ip")),
        Err(StoreError::Domain(e)) if e.field.as_deref() == Some("participants[0].object_value")
    ));
    store.create_tag("a").unwrap();
    assert!(matches!(
        store.create_tag("a"),
        Err(StoreError::Conflict(Conflict::Tag { name })) if name == "a"
    ));
    assert!(matches!(
        store.delete_user(SETUP_USERNAME),
        Err(StoreError::Refused {
            reason: Refusal::SetupUserDeleted,
            ..
        })
    ));
    assert!(matches!(
        store.create_apikey(999, "k"),
        Err(StoreError::NotFound(Missing::User(999)))
    ));
    assert!(matches!(
        store.ods_replay(wirewatch_model::ods::TargetKind::Http, "none", None),
        Err(StoreError::NotFound(Missing::OdsTarget { .. }))
    ));
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
    // Packet times over 100 days, one of them wild (year 2100): retention
    // goes by when records were stored, so none of this matters.
    let mut recs: Vec<NewRecord> = (0..100)
        .map(|i| rec("~flow", i * 86_400_000, serde_json::json!({})))
        .collect();
    recs[50].time_ms = 4_102_444_800_000;
    store.insert_records(&recs).unwrap();
    let month = Retention {
        max_age_ms: 30 * 86_400_000,
        max_records: 1000,
    };
    let now = wirewatch_model::now_ms();
    assert_eq!(store.expire_records_at(month, now).unwrap(), 0);
    assert_eq!(
        store
            .expire_records_at(month, now + 29 * 86_400_000)
            .unwrap(),
        0
    );
    assert_eq!(store.record_count(None).unwrap(), 100);
    let n = store
        .expire_records(Retention {
            max_age_ms: i64::MAX / 2,
            max_records: 10,
        })
        .unwrap();
    assert_eq!(n, 90);
    assert_eq!(store.record_count(None).unwrap(), 10);
    assert_eq!(
        store
            .expire_records_at(month, now + 31 * 86_400_000)
            .unwrap(),
        10
    );
    assert_eq!(store.record_count(None).unwrap(), 0);
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
    // Retention counts from when points were stored, not their time: a
    // newer capture analysed first does not delete an older one's points.
    store.add_metrics(&[p(3 * 86_400_000, 1.0)]).unwrap();
    assert_eq!(store.expire_metrics().unwrap(), 0);
    let thirty = |s: &crate::Store| {
        s.metric_points("network", &[1], "net", "bytes", 30_000, 0, 4 * 86_400_000)
            .unwrap()
            .len()
    };
    assert_eq!(thirty(&store), 4);
    // A day and a bit after storing, the 30-second points go; 5-minute ones stay a week.
    let now = wirewatch_model::now_ms();
    assert!(store.expire_metrics_at(now + 86_400_000 + 60_000).unwrap() >= 4);
    assert_eq!(thirty(&store), 0);
    assert_eq!(
        store
            .metric_points("network", &[1], "net", "bytes", 300_000, 0, 1_000_000)
            .unwrap()
            .len(),
        2
    );
    assert!(store.expire_metrics_at(now + 8 * 86_400_000).unwrap() >= 3);
    assert!(store
        .metric_points("network", &[1], "net", "bytes", 300_000, 0, 1_000_000)
        .unwrap()
        .is_empty());
}

use crate::{MetricPoint, NewRecord, Retention};

/// A record of `kind` with the given fields (Suricata's records take any
/// JSON value, and unknown fields are dropped).
fn rec(kind: &str, time_ms: i64, fields: serde_json::Value) -> NewRecord {
    use wirewatch_model::record::Record;
    let record = match kind {
        "~flow" => Record::SuricataFlow(Box::new(serde_json::from_value(fields).unwrap())),
        "~dns_request" => {
            Record::SuricataDnsRequest(Box::new(serde_json::from_value(fields).unwrap()))
        }
        "~dns_response" => {
            Record::SuricataDnsResponse(Box::new(serde_json::from_value(fields).unwrap()))
        }
        "~http" => Record::SuricataHttp(Box::new(serde_json::from_value(fields).unwrap())),
        _ => Record::SuricataTls(Box::new(serde_json::from_value(fields).unwrap())),
    };
    NewRecord {
        time_ms,
        record,
        devices: Default::default(),
        threat: Vec::new(),
    }
}

#[test]
fn indexed_and_scanned_record_filters_agree() {
    use wirewatch_model::record_filter::RecordFilter;
    let (_dir, store) = temp_store();
    let recs: Vec<NewRecord> = (0..2000)
        .map(|i| {
            let f = serde_json::json!({"clientAddr": format!("10.{}.0.{}", i % 4, i % 250), "serverPort": if i % 2 == 0 { 80 } else { 443 }, "serverAddr": "2001:db8::1"});
            rec("~flow", i as i64, f)
        })
        .collect();
    store.insert_records(&recs).unwrap();
    let run = |filter: serde_json::Value| {
        let f: RecordFilter = serde_json::from_value(filter).unwrap();
        let c = f.compile("filter", &NoRecordCtx).unwrap();
        let q = query(0, 10_000, Some(&c), 50, 10);
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

/// A newest-first record query of every type.
fn query(
    from_ms: i64,
    until_ms: i64,
    filter: Option<&wirewatch_model::record_filter::Compiled>,
    limit: usize,
    offset: usize,
) -> RecordQuery<'_> {
    RecordQuery {
        from_ms,
        until_ms,
        types: vec![],
        filter,
        sort: vec![],
        limit,
        offset,
    }
}

/// A record context that knows no devices, groups or localities.
struct NoRecordCtx;
impl wirewatch_model::record_filter::RecordContext for NoRecordCtx {
    fn device_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
        None
    }
    fn group_ips(&self, _: &str) -> Option<Vec<std::net::IpAddr>> {
        None
    }
    fn filter_ips(
        &self,
        _: &wirewatch_model::device_filter::DeviceFilter,
    ) -> std::result::Result<Vec<std::net::IpAddr>, wirewatch_model::Error> {
        Ok(vec![])
    }
    fn locality_nets(&self, _: &str) -> Option<Vec<ipnet::IpNet>> {
        None
    }
}

/// Records over several segments, inserted out of time order (as captures of
/// different days analysed one after another are): every query shape gives
/// what a plain scan of all records gives.
#[test]
fn searches_across_segments_match_a_plain_scan() {
    use wirewatch_model::record_filter::RecordFilter;
    let (_dir, store) = temp_store();
    store.set_record_segment_rows(300);
    let mut all: Vec<(i64, u64, i64, String)> = Vec::new(); // (time, id, port, client)
    let mut id = 0u64;
    // Batches of uneven sizes; each batch's times go back and forth.
    for (b, size) in [250usize, 400, 17, 600, 333].into_iter().enumerate() {
        let recs: Vec<NewRecord> = (0..size)
            .map(|i| {
                let t = ((i * 7919 + b * 104_729) % 5000) as i64; // repeats: ties on time
                let port = if i % 3 == 0 { 443 } else { 80 };
                let client = format!("10.{}.0.{}", i % 4, i % 250);
                id += 1;
                all.push((t, id, port, client.clone()));
                let f = serde_json::json!({"clientAddr": client, "serverPort": port, "vlan": i});
                rec(if i % 5 == 0 { "~dns_request" } else { "~flow" }, t, f)
            })
            .collect();
        store.insert_records(&recs).unwrap();
    }
    assert_eq!(
        store.record_segment_count().unwrap(),
        6,
        "1600 rows in segments of 300"
    );
    assert_eq!(store.record_count(None).unwrap(), 1600);
    let flows = all.len() as u64 - store.record_count(Some("~dns_request")).unwrap();
    assert_eq!(store.record_count(Some("~flow")).unwrap(), flows);
    let mut ids: Vec<u64> = Vec::new();
    let filters = [
        None,
        Some(serde_json::json!({"operator": "and", "rules": [
            {"field": "serverPort", "operator": "=", "operand": 443},
            {"field": "clientAddr", "operator": "=", "operand": "10.1.0.0/16"}]})),
        // The same plus a condition only the record itself can answer.
        Some(serde_json::json!({"operator": "and", "rules": [
            {"field": "serverPort", "operator": "=", "operand": 443},
            {"field": "clientAddr", "operator": "=", "operand": "10.1.0.0/16"},
            {"field": "vlan", "operator": ">=", "operand": 0}]})),
    ];
    for filter in &filters {
        let compiled = filter.as_ref().map(|f| {
            let f: RecordFilter = serde_json::from_value(f.clone()).unwrap();
            f.compile("filter", &NoRecordCtx).unwrap()
        });
        let keep = |r: &(i64, u64, i64, String)| {
            filter.is_none()
                || (r.2 == 443 && r.3.starts_with("10.1.") && (1000..=4000).contains(&r.0))
        };
        let mut expected: Vec<&(i64, u64, i64, String)> = all
            .iter()
            .filter(|r| (1000..=4000).contains(&r.0) && keep(r))
            .collect();
        expected.sort_by_key(|r| std::cmp::Reverse((r.0, r.1)));
        for (offset, limit) in [(0, 10), (37, 100), (0, 2000), (300, 5)] {
            let q = RecordQuery {
                from_ms: 1000,
                until_ms: 4000,
                types: vec![],
                filter: compiled.as_ref(),
                sort: vec![],
                limit,
                offset,
            };
            let (total, page) = store.search_records(&q).unwrap();
            assert_eq!(total, expected.len() as u64, "{filter:?}");
            let want: Vec<u64> = expected
                .iter()
                .skip(offset)
                .take(limit)
                .map(|r| r.1)
                .collect();
            let got: Vec<u64> = page.iter().map(|r| r.id).collect();
            assert_eq!(got, want, "{filter:?} offset {offset} limit {limit}");
            for r in &page {
                // `~flow` writes the port as `receiverPort` (ExtraHop's name).
                let port = if r.kind == "~flow" {
                    "receiverPort"
                } else {
                    "serverPort"
                };
                assert!(r.fields.contains_key(port), "{:?}", r.fields);
            }
            ids.extend(got);
        }
    }
    assert!(!ids.is_empty());
    // The whole range with no filter: counts come from the segment list.
    let q = query(0, 10_000, None, 5, 0);
    let (total, page) = store.search_records(&q).unwrap();
    assert_eq!(total, 1600);
    let mut newest: Vec<&(i64, u64, i64, String)> = all.iter().collect();
    newest.sort_by_key(|r| std::cmp::Reverse((r.0, r.1)));
    let want: Vec<u64> = newest.iter().take(5).map(|r| r.1).collect();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), want);
    // Sorting on a field reads every segment's matches.
    let q = RecordQuery {
        from_ms: 0,
        until_ms: 10_000,
        types: vec!["~flow".into()],
        filter: None,
        sort: vec![("serverPort".into(), false), ("timestamp".into(), true)],
        limit: 3,
        offset: 0,
    };
    let (total, page) = store.search_records(&q).unwrap();
    assert_eq!(total, flows);
    // `serverPort` sorts `~flow` records by their `receiverPort`.
    assert!(page
        .iter()
        .all(|r| r.fields["receiverPort"] == 80 && r.kind == "~flow"));
    assert!(page.windows(2).all(|w| w[0].time_ms >= w[1].time_ms));
}

#[test]
fn retention_drops_whole_segments_and_never_reuses_ids() {
    let (_dir, store) = temp_store();
    store.set_record_segment_rows(10);
    let batch = |ids: std::ops::Range<i64>| -> Vec<NewRecord> {
        ids.map(|d| rec("~flow", d * 1000, serde_json::json!({})))
            .collect()
    };
    store.insert_records(&batch(0..30)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let between = wirewatch_model::now_ms();
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.insert_records(&batch(30..100)).unwrap();
    assert_eq!(store.record_segment_count().unwrap(), 10);
    // Stored before `between`: the first three segments, whole.
    let n = store
        .expire_records_at(
            Retention {
                max_age_ms: 1000,
                max_records: 1000,
            },
            between + 1000,
        )
        .unwrap();
    assert_eq!(n, 30);
    assert_eq!(store.record_segment_count().unwrap(), 7);
    // Count cap: the earliest stored go first, the boundary segment is trimmed.
    let n = store
        .expire_records(Retention {
            max_age_ms: i64::MAX / 2,
            max_records: 15,
        })
        .unwrap();
    assert_eq!(n, 55);
    assert_eq!(store.record_count(None).unwrap(), 15);
    let all = query(0, i64::MAX / 2, None, 100, 0);
    let (_, page) = store.search_records(&all).unwrap();
    let ids: Vec<u64> = page.iter().map(|r| r.id).collect();
    assert_eq!(ids, (86..=100).rev().collect::<Vec<u64>>());
    // Everything goes; new records still get new ids.
    store
        .expire_records(Retention {
            max_age_ms: i64::MAX / 2,
            max_records: 0,
        })
        .unwrap();
    assert_eq!(store.record_count(None).unwrap(), 0);
    assert_eq!(store.record_segment_count().unwrap(), 0);
    store.insert_records(&batch(200..203)).unwrap();
    let (total, page) = store.search_records(&all).unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![103, 102, 101]
    );
}

/// A store made before record segments (one `records` table) is converted at
/// open: its records are found by searches, and new ones follow their ids.
#[test]
fn a_store_with_the_old_records_table_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        let tx = conn.transaction().unwrap();
        let before = crate::schema::MIGRATIONS.len() - 1;
        for sql in &crate::schema::MIGRATIONS[..before] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", before as i64)
            .unwrap();
        for i in 0..5i64 {
            tx.execute(
                "INSERT INTO records(type, time, client_addr, server_port, doc) VALUES('~flow', ?1, '10.0.0.1', 443, '{\"serverPort\":443}')",
                [i * 1000],
            )
            .unwrap();
        }
        tx.execute(
            "INSERT INTO records(type, time, doc) VALUES('~dns_request', 500, '{\"qname\":\"old.example\"}')",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.record_segment_count().unwrap(), 1);
    let f: wirewatch_model::record_filter::RecordFilter = serde_json::from_value(
        serde_json::json!({"field": "qname", "operator": "=", "operand": "old.example"}),
    )
    .unwrap();
    let f = f.compile("filter", &NoRecordCtx).unwrap();
    let q = query(0, 10_000, Some(&f), 100, 0);
    assert_eq!(
        store.search_records(&q).unwrap().0,
        1,
        "the old rows' names were copied to their column"
    );
    store
        .insert_records(&[rec(
            "~flow",
            9000,
            serde_json::json!({"clientAddr": "10.0.0.2", "serverPort": 443}),
        )])
        .unwrap();
    let f: wirewatch_model::record_filter::RecordFilter =
        serde_json::from_value(serde_json::json!(
        {"field": "clientAddr", "operator": "=", "operand": "10.0.0.0/24"}))
        .unwrap();
    let f = f.compile("filter", &NoRecordCtx).unwrap();
    let q = query(0, 10_000, Some(&f), 100, 0);
    let (total, page) = store.search_records(&q).unwrap();
    assert_eq!(total, 6, "the old rows got their address columns too");
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![7, 5, 4, 3, 2, 1]
    );
}

/// Filters on `qname` and `host` answered from their indexed columns give
/// what the record-by-record test gives, wildcard characters included.
#[test]
fn name_filters_from_columns_match_the_record_test() {
    use wirewatch_model::record_filter::RecordFilter;
    let (_dir, store) = temp_store();
    store.set_record_segment_rows(97);
    let names = [
        "www.example.com",
        "WWW.example.com",
        "api.example.com",
        "a*b.example",
        "a?c.example",
        "[x].example",
        "100_%.example",
        "123",
        "",
    ];
    let recs: Vec<NewRecord> = (0..600)
        .map(|i| {
            let name = names[i % names.len()];
            let (kind, f) = match (i / names.len()) % 3 {
                0 => (
                    "~dns_request",
                    serde_json::json!({"qname": name, "serverPort": 53}),
                ),
                1 => ("~http", serde_json::json!({"host": name, "serverPort": 80})),
                _ => ("~flow", serde_json::json!({"serverPort": 443})),
            };
            rec(kind, i as i64, f)
        })
        .collect();
    store.insert_records(&recs).unwrap();
    let run = |filter: serde_json::Value, scan: bool| {
        let filter = if scan {
            // Plus a condition only the record itself can answer (always true).
            serde_json::json!({"operator": "and", "rules": [filter, {"operator": "not", "rules": [{"field": "nope", "operator": "exists"}]}]})
        } else {
            filter
        };
        let f: RecordFilter = serde_json::from_value(filter).unwrap();
        let c = f.compile("filter", &NoRecordCtx).unwrap();
        if !scan {
            assert!(c.sql_terms().1, "answered by SQL");
        }
        let q = query(0, 1000, Some(&c), 1000, 0);
        let (total, page) = store.search_records(&q).unwrap();
        (total, page.iter().map(|r| r.id).collect::<Vec<_>>())
    };
    let cases = [
        serde_json::json!({"field": "qname", "operator": "=", "operand": "www.example.com"}),
        serde_json::json!({"field": "host", "operator": "=", "operand": "a*b.example"}),
        serde_json::json!({"field": "qname", "operator": "=", "operand": "123"}),
        serde_json::json!({"field": "qname", "operator": "=", "operand": ""}),
        serde_json::json!({"field": "host", "operator": "in", "operand": ["api.example.com", "[x].example"]}),
        serde_json::json!({"field": "qname", "operator": "startswith", "operand": "www."}),
        serde_json::json!({"field": "host", "operator": "startswith", "operand": "a*"}),
        serde_json::json!({"field": "host", "operator": "startswith", "operand": "a?"}),
        serde_json::json!({"field": "qname", "operator": "startswith", "operand": "[x]"}),
        serde_json::json!({"field": "host", "operator": "startswith", "operand": "100_%"}),
        serde_json::json!({"field": "qname", "operator": "startswith", "operand": ""}),
    ];
    for case in cases {
        let sql = run(case.clone(), false);
        let scan = run(case.clone(), true);
        assert_eq!(sql, scan, "{case}");
        assert!(sql.0 > 0, "{case} matches something");
    }
    // Case matters, as in the record test; a list item that reads as a number stays with it.
    assert_eq!(
        run(
            serde_json::json!({"field": "qname", "operator": "=", "operand": "www.example.com"}),
            false
        )
        .0,
        23
    );
    let f: RecordFilter = serde_json::from_value(
        serde_json::json!({"field": "qname", "operator": "in", "operand": ["123", "x"]}),
    )
    .unwrap();
    assert!(!f.compile("filter", &NoRecordCtx).unwrap().sql_terms().1);
}

/// A filter tested on the record-by-record path reads only the fields it
/// names: every filter shape gives what evaluating it on whole records gives.
#[test]
fn filters_on_partly_parsed_records_match_whole_records() {
    use wirewatch_model::record_filter::RecordFilter;
    let (_dir, store) = temp_store();
    let recs: Vec<NewRecord> = (0..300)
        .map(|i| {
            let f = serde_json::json!({
                "clientAddr": format!("10.0.{}.{}", i % 3, i % 50),
                "serverAddr": if i % 4 == 0 { "2001:db8::1".to_string() } else { format!("192.0.2.{}", i % 7) },
                "serverPort": ([53, 80, 443][i % 3]),
                "uri": format!("/path/{}", i % 11),
                "userAgent": if i % 5 == 0 { serde_json::json!(["a.example", "b.example"]) } else { serde_json::json!(null) },
                "version": {"x": i},
                "statusCode": 200 + (i % 4) * 100,
            });
            rec("~http", i as i64, f)
        })
        .collect();
    store.insert_records(&recs).unwrap();
    let filters = [
        serde_json::json!({"field": "uri", "operator": "startswith", "operand": "/path/1"}),
        serde_json::json!({"field": "statusCode", "operator": ">=", "operand": 400}),
        serde_json::json!({"field": "userAgent", "operator": "=", "operand": "b.example"}),
        serde_json::json!({"field": ".any", "operator": "=", "operand": "a.example"}),
        serde_json::json!({"field": ".ipaddr", "operator": "=", "operand": "2001:db8::/32"}),
        serde_json::json!({"field": "client", "operator": "=", "operand": "10.0.1.0/24"}),
        serde_json::json!({"field": "userAgent", "operator": "exists"}),
        serde_json::json!({"operator": "or", "rules": [
            {"field": "uri", "operator": "~", "operand": "/3$"},
            {"operator": "not", "rules": [{"field": "statusCode", "operator": "<", "operand": 500}]}]}),
    ];
    for filter in filters {
        let f: RecordFilter = serde_json::from_value(filter.clone()).unwrap();
        let c = f.compile("filter", &NoRecordCtx).unwrap();
        let q = query(0, 1000, Some(&c), 1000, 0);
        let (total, page) = store.search_records(&q).unwrap();
        let mut want: Vec<u64> = recs
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                c.matches(
                    serde_json::to_value(&r.record)
                        .unwrap()
                        .as_object()
                        .unwrap(),
                )
            })
            .map(|(i, _)| i as u64 + 1)
            .collect();
        want.reverse();
        assert_eq!(total, want.len() as u64, "{filter}");
        assert!(
            total > 0 && total < 300,
            "{filter} selects some records: {total}"
        );
        assert_eq!(
            page.iter().map(|r| r.id).collect::<Vec<_>>(),
            want,
            "{filter}"
        );
        // Returned records are whole.
        assert!(page.iter().all(|r| r.fields.len() >= 6), "{filter}");
    }
}

#[test]
fn an_ingest_batch_and_its_file_mark_are_stored_together() {
    let (_dir, store) = temp_store();
    let recs: Vec<NewRecord> = (0..3)
        .map(|i| rec("~flow", i, serde_json::json!({})))
        .collect();
    let mut mark = FileMark {
        head: "ab".into(),
        head_len: 100,
        packets: 10,
        size: 100,
        tail: "cd".into(),
        path: "a.pcap".into(),
        ..FileMark::default()
    };
    let done = store
        .commit_ingest(
            IngestBatch {
                records: &recs,
                detections: vec![
                    new_det("port_scan", "10.0.0.1"),
                    new_det("no_such_type", "10.0.0.2"),
                ],
                metrics: &[],
            },
            Some(&mut mark),
        )
        .unwrap();
    // The unknown detection type is refused alone; the rest is stored with the mark.
    assert_eq!(
        (done.records, done.detections, done.refused.len()),
        (3, 1, 1)
    );
    assert!(mark.id > 0);
    assert_eq!((mark.records, mark.detections), (3, 1));
    assert_eq!(store.record_count(None).unwrap(), 3);
    assert_eq!(store.detection_count().unwrap(), 1);
    // A later batch updates the same mark and adds to its counters.
    mark.packets = 20;
    mark.complete = true;
    store
        .commit_ingest(
            IngestBatch {
                records: &recs[..1],
                ..IngestBatch::default()
            },
            Some(&mut mark),
        )
        .unwrap();
    let marks = store.file_marks(100, "ab").unwrap();
    assert_eq!(marks, vec![mark.clone()]);
    assert_eq!((marks[0].records, marks[0].packets), (4, 20));
    assert!(marks[0].complete);
    assert_eq!(store.short_mark_heads(4096).unwrap(), vec![100]);
    assert!(store.short_mark_heads(100).unwrap().is_empty());
}

#[test]
fn a_mark_made_from_a_short_head_takes_the_longer_head_later() {
    // EVE marks: the file was shorter than a head block when first stored.
    let (_dir, store) = temp_store();
    let mut mark = FileMark {
        head: "short".into(),
        head_len: 50,
        size: 50,
        tail: "t1".into(),
        path: "eve.json".into(),
        ..FileMark::default()
    };
    store
        .commit_ingest(IngestBatch::default(), Some(&mut mark))
        .unwrap();
    mark.head = "long".into();
    mark.head_len = 4096;
    mark.size = 9000;
    store
        .commit_ingest(IngestBatch::default(), Some(&mut mark))
        .unwrap();
    assert!(store.file_marks(50, "short").unwrap().is_empty());
    assert_eq!(store.file_marks(4096, "long").unwrap(), vec![mark]);
    assert!(store.short_mark_heads(4096).unwrap().is_empty());
}
