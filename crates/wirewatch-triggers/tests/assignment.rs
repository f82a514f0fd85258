//! Trigger assignment in the runner, on a real store: a trigger with
//! `apply_all: false` runs for sensor events whose client or server address
//! is one of an assigned device's (directly or through a device group), and
//! for no other; a trigger with `apply_all: true` runs for all of them.

use serde_json::json;
use std::time::{Duration, Instant};
use wirewatch_model::device::DeviceUpdate;
use wirewatch_model::trigger::TriggerInput;
use wirewatch_store::{DeviceGroup, Store, StoreOptions, TriggerLink};
use wirewatch_triggers::{Limits, Runner, SensorEvent};

fn flow(client: &str, server: &str) -> SensorEvent {
    SensorEvent {
        event: "FLOW_TICK",
        globals: vec![(
            "Flow",
            json!({"client": {"ipaddr": client}, "server": {"ipaddr": server}}).to_string(),
        )],
        addrs: vec![client.parse().unwrap(), server.parse().unwrap()],
    }
}

/// The messages of a trigger's debug log, oldest first.
fn lines(store: &Store, id: u64) -> Vec<String> {
    let mut l = store.trigger_log(id, 1000).unwrap();
    l.sort_by_key(|l| l.id);
    l.into_iter().map(|l| l.message).collect()
}

fn wait(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_scoped_trigger_runs_for_flows_of_its_devices_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let up = |id: &str, ip: &str| DeviceUpdate {
        discovery_id: id.into(),
        ipaddrs: vec![ip.into()],
        is_l3: true,
        first_ms: 1,
        last_ms: 1,
        device_class: "node".into(),
        ..Default::default()
    };
    store
        .upsert_devices(&[
            up("a", "10.0.0.1"),
            up("b", "10.0.0.2"),
            up("c", "10.0.0.3"),
        ])
        .unwrap();
    let dev = |d: &str| store.device_by_discovery_id(d).unwrap().unwrap().id;
    let trigger = |name: &str, apply_all: bool| {
        let input: TriggerInput = serde_json::from_value(json!({
            "name": name, "events": ["FLOW_TICK"], "apply_all": apply_all,
            "script": "log(Flow.client.ipaddr + ' > ' + Flow.server.ipaddr);",
        }))
        .unwrap();
        store.create_trigger(input, "setup").unwrap().id
    };
    let scoped = trigger("scoped", false);
    let all = trigger("all", true);
    assert!(store
        .trigger_assign(scoped, TriggerLink::Devices, &[dev("a")], &[])
        .unwrap());
    let runner = Runner::spawn(store.clone(), Limits::default(), Box::new(|_| {})).unwrap();
    assert!(runner.fire(vec![
        flow("10.0.0.1", "192.0.2.1"),
        flow("192.0.2.1", "10.0.0.2"),
        flow("192.0.2.5", "10.0.0.1"),
        flow("10.0.0.3", "192.0.2.9"),
    ]));
    wait("four runs of the unscoped trigger", || {
        lines(&store, all).len() == 4
    });
    assert_eq!(
        lines(&store, scoped),
        ["10.0.0.1 > 192.0.2.1", "192.0.2.5 > 10.0.0.1"]
    );
    // Through a static device group with `c`.
    let g = store
        .save_devicegroup(DeviceGroup {
            id: 0,
            name: "picked".into(),
            description: None,
            dynamic: false,
            filter: None,
            include_custom_devices: true,
            built_in: false,
            mod_time: 0,
        })
        .unwrap();
    store.group_assign(g.id, &[dev("c")], &[]).unwrap();
    assert!(store
        .trigger_assign(scoped, TriggerLink::DeviceGroups, &[g.id], &[])
        .unwrap());
    assert!(runner.fire(vec![
        flow("10.0.0.3", "192.0.2.9"),
        flow("10.0.0.2", "192.0.2.9")
    ]));
    wait("six runs of the unscoped trigger", || {
        lines(&store, all).len() == 6
    });
    assert_eq!(
        lines(&store, scoped),
        [
            "10.0.0.1 > 192.0.2.1",
            "192.0.2.5 > 10.0.0.1",
            "10.0.0.3 > 192.0.2.9"
        ]
    );
    // Refusals name what does not exist; nothing is assigned then.
    let e = store
        .trigger_assign(scoped, TriggerLink::Devices, &[dev("b"), 999], &[])
        .unwrap_err();
    assert_eq!(
        wirewatch_model::Error::from(e).field.as_deref(),
        Some("assign[1]")
    );
    assert_eq!(
        store.trigger_links(scoped, TriggerLink::Devices).unwrap(),
        [dev("a")]
    );
    assert!(!store
        .trigger_assign(999, TriggerLink::Devices, &[dev("a")], &[])
        .unwrap());
    // Deleting the trigger removes its assignments.
    runner.stop();
    store.delete_trigger(scoped).unwrap();
    assert!(store
        .trigger_links(scoped, TriggerLink::DeviceGroups)
        .unwrap()
        .is_empty());
}
