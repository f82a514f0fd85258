//! The notifier against an SMTP server that is down: nothing is lost, the
//! e-mail is put back for a later attempt with its error.

use serde_json::json;
use wirewatch_alerts::{Notifier, SmtpConfig, SmtpSecurity};
use wirewatch_model::alert::AlertInput;
use wirewatch_store::{Firing, NewFiring, Store, StoreOptions};

#[tokio::test]
async fn a_down_server_keeps_the_mail_for_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let a: AlertInput = serde_json::from_value(json!({"name": "a", "type": "detection"})).unwrap();
    let a = store.create_alert(a.create().unwrap()).unwrap();
    let mut f = Firing::example();
    f.alert_id = a.id;
    let f = store
        .record_firing(NewFiring {
            mail: Some(wirewatch_alerts::message(&f)),
            firing: f,
            detection: None,
        })
        .unwrap();
    assert_eq!(store.queued_alert_mail().unwrap().len(), 1);
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let n = Notifier::new(
        store.clone(),
        &SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            from: "sensor@example.com".into(),
            security: SmtpSecurity::None,
            credentials: None,
            timeout: std::time::Duration::from_secs(5),
        },
    )
    .unwrap();
    let before = wirewatch_model::now_ms();
    let d = n.deliver_due().await.unwrap();
    assert_eq!((d.sent, d.failed), (0, 1));
    let q = store.queued_alert_mail().unwrap();
    assert_eq!(q.len(), 1, "kept");
    assert_eq!(q[0].firing_id, f.id);
    assert_eq!(q[0].attempts, 1);
    assert!(q[0].last_error.is_some());
    // Not due again at once: the backoff put it later.
    assert!(store.due_alert_mail(before, 10).unwrap().is_empty());
    // A bad sender address is a configuration error, not a panic.
    let bad = SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "not an address".into(),
        security: SmtpSecurity::None,
        credentials: None,
        timeout: std::time::Duration::from_secs(5),
    };
    assert!(Notifier::new(store, &bad).is_err());
}
