//! Alert evaluation against a real store holding known metrics.

use serde_json::json;
use wirewatch_alerts::evaluate;
use wirewatch_model::alert::{Alert, AlertInput};
use wirewatch_model::device::DeviceUpdate;
use wirewatch_store::{AlertLink, MetricPoint, Store, StoreOptions};

/// A 30-second cycle start far in the past (a capture's packet time).
const T0: i64 = 1_700_000_100_000;
/// The wall clock of the tests: long after the capture.
const NOW: i64 = T0 + 86_400_000;

struct Fixture {
    store: Store,
    dev: u64,
    other: u64,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let up = |id: &str, ip: &str| DeviceUpdate {
        discovery_id: id.into(),
        ipaddrs: vec![ip.into()],
        is_l3: true,
        first_ms: T0,
        last_ms: T0,
        device_class: "node".into(),
        ..Default::default()
    };
    store
        .upsert_devices(&[up("d1", "10.0.0.1"), up("d2", "10.0.0.2")])
        .unwrap();
    let dev = store.device_by_discovery_id("d1").unwrap().unwrap().id;
    let other = store.device_by_discovery_id("d2").unwrap().unwrap().id;
    Fixture {
        store,
        dev,
        other,
        _dir: dir,
    }
}

fn point(
    object_type: &'static str,
    id: u64,
    cat: &'static str,
    name: &'static str,
    t: i64,
    c: f64,
) -> MetricPoint {
    MetricPoint {
        object_type,
        object_id: id as i64,
        category: cat,
        name,
        key1: String::new(),
        time_ms: t,
        count: Some(c),
        dataset: None,
    }
}

/// Packets seen in the cycle starting at `t` (the packet clock) and the
/// device's DNS answers and errors then.
fn traffic(s: &Store, dev: u64, t: i64, rsp: f64, errors: f64) {
    s.add_metrics(&[
        point("network", 1, "net", "pkts", t, 10.0),
        point("device", dev, "dns_client", "rsp", t, rsp),
        point("device", dev, "dns_client", "rsp_error", t, errors),
    ])
    .unwrap();
}

fn alert(s: &Store, body: serde_json::Value) -> Alert {
    let a: AlertInput = serde_json::from_value(body).unwrap();
    s.create_alert(a.create().unwrap()).unwrap()
}

fn ratio_alert(s: &Store, extra: serde_json::Value) -> Alert {
    let mut b = json!({"name": "dns errors", "type": "threshold", "apply_all": true,
        "severity": 4, "refire_interval": 300, "stat_name": "extrahop.device.dns_client",
        "field_name": "rsp_error", "field_op": "/", "field_name2": "rsp",
        "operator": ">", "operand": "0.2", "units": "none", "interval_length": 60,
        "cc": ["soc@example.com"]});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    alert(s, b)
}

#[test]
fn a_crossed_threshold_fires_once_and_refires_after_its_interval() {
    let f = fixture();
    let a = ratio_alert(&f.store, json!({}));
    // Below the threshold: 1 error in 10 answers.
    traffic(&f.store, f.dev, T0, 10.0, 1.0);
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.until, Some(T0 + 30_000));
    assert!(r.fired.is_empty(), "{:?}", r.fired);
    // 5 more errors in 10 answers: (1 + 5) / 20 = 0.3 over the last minute.
    traffic(&f.store, f.dev, T0 + 30_000, 10.0, 5.0);
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 1, "{:?}", r.fired);
    let fired = &r.fired[0];
    assert_eq!((fired.alert_id, fired.object_id), (a.id, f.dev));
    assert_eq!(fired.value, Some(0.3));
    assert_eq!((fired.from, fired.time), (Some(T0), T0 + 60_000));
    assert_eq!(fired.recipients, vec!["soc@example.com"]);
    assert!(
        fired.object_name.contains("10.0.0.1"),
        "{}",
        fired.object_name
    );
    // The other device had no DNS answers: no value, not judged.
    // The same window again: nothing new.
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    // Still above, but inside the 300 s refire interval: quiet.
    for i in 2..11 {
        traffic(&f.store, f.dev, T0 + i * 30_000, 10.0, 5.0);
        assert!(
            evaluate(&f.store, NOW).unwrap().fired.is_empty(),
            "cycle {i}"
        );
    }
    // Once 300 s have passed since the firing, it fires again.
    traffic(&f.store, f.dev, T0 + 11 * 30_000, 10.0, 5.0);
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 1);
    assert_eq!(r.fired[0].time, T0 + 12 * 30_000);
    let stored = f.store.alert_firings(a.id, 100).unwrap();
    assert_eq!(stored.len(), 2);
    // Each firing queued one e-mail naming the alert and the device.
    let mail = f.store.queued_alert_mail().unwrap();
    assert_eq!(mail.len(), 2);
    assert!(mail[0].subject.contains("dns errors") && mail[0].subject.contains("10.0.0.1"));
    assert_eq!(mail[0].recipients, vec!["soc@example.com"]);
}

#[test]
fn disabled_alerts_and_unassigned_devices_do_not_fire() {
    let f = fixture();
    let a = ratio_alert(&f.store, json!({"disabled": true}));
    traffic(&f.store, f.dev, T0, 10.0, 9.0);
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    // Enabled but assigned to the other device only.
    let mut b = a.clone();
    b.disabled = false;
    b.apply_all = false;
    assert!(f.store.update_alert(b).unwrap());
    assert!(f
        .store
        .alert_assign(a.id, AlertLink::Devices, &[f.other], &[])
        .unwrap());
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    // Assigned through a device group holding the device: fires.
    let g = f
        .store
        .save_devicegroup(wirewatch_store::DeviceGroup {
            id: 0,
            name: "dns clients".into(),
            description: None,
            dynamic: false,
            filter: None,
            include_custom_devices: false,
            built_in: false,
            mod_time: 0,
        })
        .unwrap();
    f.store.group_assign(g.id, &[f.dev], &[]).unwrap();
    f.store
        .alert_assign(a.id, AlertLink::DeviceGroups, &[g.id], &[])
        .unwrap();
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 1);
    assert_eq!(r.fired[0].object_id, f.dev);
}

#[test]
fn a_live_cycle_still_filling_is_not_judged() {
    let f = fixture();
    ratio_alert(&f.store, json!({"operator": "<", "operand": "0.5"}));
    // The newest data is in the cycle the wall clock is in: judged only up
    // to that cycle's start (no data before it: nothing fires yet).
    let now = T0 + 10_000;
    traffic(&f.store, f.dev, T0, 10.0, 1.0);
    let r = evaluate(&f.store, now).unwrap();
    assert_eq!(r.until, Some(T0));
    assert!(r.fired.is_empty());
    assert_eq!(evaluate(&f.store, T0 + 30_000).unwrap().fired.len(), 1);
}

#[test]
fn rates_divide_the_total_by_the_window() {
    let f = fixture();
    // 90 bytes in over 60 s is 1.5 bytes per second.
    let a = alert(
        &f.store,
        json!({"name": "rate", "type": "threshold", "apply_all": true,
            "stat_name": "extrahop.device.net", "field_name": "bytes_in", "operator": ">=",
            "operand": 1.5, "units": "1 sec", "interval_length": 60}),
    );
    f.store
        .add_metrics(&[
            point("network", 1, "net", "pkts", T0, 1.0),
            point("network", 1, "net", "pkts", T0 + 30_000, 1.0),
            point("device", f.dev, "net", "bytes_in", T0, 40.0),
            point("device", f.dev, "net", "bytes_in", T0 + 30_000, 50.0),
        ])
        .unwrap();
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 1);
    assert_eq!(r.fired[0].value, Some(1.5));
    assert_eq!(r.fired[0].alert_id, a.id);
    // Severity 5 (the default) raises no detection.
    assert_eq!(r.fired[0].raised_detection_id, None);
}

#[test]
fn severe_threshold_alerts_raise_a_detection() {
    let f = fixture();
    ratio_alert(&f.store, json!({"severity": 1}));
    traffic(&f.store, f.dev, T0, 10.0, 9.0);
    let r = evaluate(&f.store, NOW).unwrap();
    let id = r.fired[0].raised_detection_id.expect("a detection");
    let d = f.store.detection(id).unwrap().unwrap();
    assert_eq!(d.kind, "metric_threshold_alert");
    assert_eq!(d.participants[0].object_id, Some(f.dev));
    assert_eq!(d.properties["alert_name"], "dns errors");
}

#[test]
fn detection_alerts_fire_on_new_matching_detections() {
    let f = fixture();
    let before = f
        .store
        .create_detection(
            serde_json::from_value(json!({"type": "port_scan", "participants": [
                {"object_type": "device", "object_id": f.dev, "role": "offender"}]}))
            .unwrap(),
        )
        .unwrap();
    let a = alert(
        &f.store,
        json!({"name": "attacks", "type": "detection", "apply_all": true, "severity": 2,
            "object_type": "device", "protocols": ["udp"], "categories": ["sec.attack"]}),
    );
    let mk = |kind: &str| {
        f.store
            .create_detection(
                serde_json::from_value(json!({"type": kind, "participants": [
                    {"object_type": "device", "object_id": f.dev, "role": "offender"},
                    {"object_type": "ipaddr", "object_value": "192.0.2.1", "role": "victim"}]}))
                .unwrap(),
            )
            .unwrap()
    };
    let recon = mk("port_scan"); // sec.recon: not wanted
    let brute = mk("ssh_brute_force"); // sec.attack
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 1, "{:?}", r.fired);
    assert_eq!(r.fired[0].detection_id, Some(brute.id));
    assert_eq!(r.fired[0].object_id, f.dev);
    assert_eq!(r.fired[0].raised_detection_id, None);
    assert!(before.id < recon.id);
    // Looked at once: nothing more, and a second brute force inside the
    // refire interval stays quiet.
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    mk("ssh_brute_force");
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    assert_eq!(f.store.alert_firings(a.id, 10).unwrap().len(), 1);
}

#[test]
fn an_alert_made_a_detection_alert_skips_older_detections() {
    let f = fixture();
    let mut a = ratio_alert(&f.store, json!({}));
    let old = json!({"type": "ssh_brute_force", "participants": [
        {"object_type": "device", "object_id": f.dev, "role": "offender"}]});
    f.store
        .create_detection(serde_json::from_value(old.clone()).unwrap())
        .unwrap();
    let patch: AlertInput = serde_json::from_value(json!({"type": "detection"})).unwrap();
    patch.apply(&mut a).unwrap();
    assert!(f.store.update_alert(a.clone()).unwrap());
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    let new = f
        .store
        .create_detection(serde_json::from_value(old).unwrap())
        .unwrap();
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 1);
    assert_eq!(r.fired[0].detection_id, Some(new.id));
}

/// An hour of DNS answers, `rsp` per 30-second cycle from `T0` on, for the
/// devices given (the sensor counts packets in every cycle).
fn steady(s: &Store, devs: &[u64], cycles: std::ops::Range<i64>, rsp: f64) {
    for i in cycles {
        let t = T0 + i * 30_000;
        let mut points = vec![point("network", 1, "net", "pkts", t, 10.0)];
        for d in devs {
            points.push(point("device", *d, "dns_client", "rsp", t, rsp));
        }
        s.add_metrics(&points).unwrap();
    }
}

fn trend_alert(
    s: &Store,
    name: &str,
    operator: &str,
    operand: &str,
    extra: serde_json::Value,
) -> Alert {
    let mut b = json!({"name": name, "type": "trend", "apply_all": true,
        "stat_name": "extrahop.device.dns_client", "field_name": "rsp",
        "operator": operator, "operand": operand, "interval_length": 60,
        "trend_lookback": 3600});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    alert(s, b)
}

#[test]
fn trend_alerts_compare_the_window_with_its_own_history() {
    let f = fixture();
    let up = trend_alert(&f.store, "dns surge", ">", "100", json!({"severity": 1}));
    let down = trend_alert(&f.store, "dns silence", "<", "-50", json!({}));
    // An hour of 10 answers per cycle (20 per minute) from both devices.
    steady(&f.store, &[f.dev, f.other], 0..120, 10.0);
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.until, Some(T0 + 120 * 30_000));
    assert!(
        r.fired.is_empty(),
        "steady traffic is on its trend: {:?}",
        r.fired
    );
    // Next minute: the first device answers 4 times as much, the other
    // falls silent while the sensor still sees packets.
    steady(&f.store, &[f.dev], 120..122, 40.0);
    let r = evaluate(&f.store, NOW).unwrap();
    assert_eq!(r.fired.len(), 2, "{:?}", r.fired);
    let surge = r.fired.iter().find(|x| x.alert_id == up.id).unwrap();
    assert_eq!(surge.object_id, f.dev);
    assert_eq!((surge.value, surge.trend), (Some(80.0), Some(20.0)));
    assert_eq!(
        (surge.from, surge.time),
        (Some(T0 + 120 * 30_000), T0 + 122 * 30_000)
    );
    let c = surge.condition.as_deref().unwrap();
    assert!(c.starts_with("+300% > 100%"), "{c}");
    // Severity 1 raised a detection carrying the trend.
    let d = f
        .store
        .detection(surge.raised_detection_id.expect("a detection"))
        .unwrap()
        .unwrap();
    assert_eq!(d.properties["trend"], 20.0);
    let silence = r.fired.iter().find(|x| x.alert_id == down.id).unwrap();
    assert_eq!(silence.object_id, f.other);
    assert_eq!((silence.value, silence.trend), (Some(0.0), Some(20.0)));
    assert!(silence
        .condition
        .as_deref()
        .unwrap()
        .starts_with("-100% < -50%"));
}

#[test]
fn trends_need_history_and_a_nonzero_trend() {
    let f = fixture();
    trend_alert(&f.store, "any change", ">", "-1000", json!({}));
    // One history window only (60 s before the current one): not judged.
    steady(&f.store, &[f.dev], 0..4, 10.0);
    assert!(evaluate(&f.store, NOW).unwrap().fired.is_empty());
    // A device silent in its whole history has a trend of 0: not judged,
    // however much it talks now.
    let g = fixture();
    trend_alert(&g.store, "any change", ">", "-1000", json!({}));
    steady(&g.store, &[], 0..120, 0.0);
    steady(&g.store, &[g.dev], 120..122, 50.0);
    assert!(evaluate(&g.store, NOW).unwrap().fired.is_empty());
    // With two windows of history it is judged.
    steady(&f.store, &[f.dev], 4..6, 10.0);
    assert_eq!(evaluate(&f.store, NOW).unwrap().fired.len(), 1);
}

#[test]
fn a_percentile_trend_ignores_a_rare_spike() {
    let f = fixture();
    // History: 20 per minute, with one minute of 2,000. Its mean is pulled
    // up (about 53 per minute); its median stays at 20.
    let mean = trend_alert(&f.store, "mean", ">", "100", json!({}));
    let median = trend_alert(
        &f.store,
        "median",
        ">",
        "100",
        json!({"trend_percentile": 50}),
    );
    steady(&f.store, &[f.dev], 0..60, 10.0);
    steady(&f.store, &[f.dev], 60..62, 1000.0);
    steady(&f.store, &[f.dev], 62..120, 10.0);
    steady(&f.store, &[f.dev], 120..122, 50.0);
    let r = evaluate(&f.store, NOW).unwrap();
    // 100 per minute is +88% of the mean: only the median's alert fires.
    assert_eq!(r.fired.len(), 1, "{:?}", r.fired);
    assert_ne!(r.fired[0].alert_id, mean.id);
    assert_eq!(r.fired[0].alert_id, median.id);
    assert_eq!(r.fired[0].trend, Some(20.0));
}
