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
