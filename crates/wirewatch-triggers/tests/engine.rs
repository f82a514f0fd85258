//! The engine on its own: the guide's trigger, syntax errors, budgets, the Remote API.

use std::time::Duration;
use wirewatch_model::ods::{Message, TargetKind};
use wirewatch_triggers::{check_script, DetectionRefused, Engine, Limits, RunEnd};

/// The complete trigger of `../shared/seeds/000_…` exactly as the text has it
/// (with the PDF's line wrapping, including the broken `description` literal).
fn seed_trigger() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/seeds/000_5b18e04743d5f92c.txt"
    );
    let text = std::fs::read_to_string(path).expect("the seed documents are beside the repository");
    let start = text
        .find("The complete trigger code should look similar to the following example:\n")
        .expect("the seed's complete trigger");
    let body = &text[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let end = body
        .find("Remote.HTTP('ticket-server').post(req);")
        .unwrap()
        + "Remote.HTTP('ticket-server').post(req);".len();
    body[..end].to_string()
}

fn engine(limits: Limits) -> Engine {
    Engine::new(
        limits,
        Box::new(|d| {
            if d.kind.starts_with("custom_") {
                Ok(())
            } else {
                Err(DetectionRefused::Invalid(format!(
                    "\"{}\" is not a detection type",
                    d.kind
                )))
            }
        }),
        Box::new(|kind, name| kind == TargetKind::Http && name == "ticket-server"),
    )
    .unwrap()
}

const DETECTION: &str = r#"{"id": 42, "title": "SSH Brute Force", "description": "Many failed logins.",
  "riskScore": 72, "type": "ssh_brute_force", "categories": ["sec", "sec.attack"], "isNew": true}"#;

#[test]
fn the_guides_trigger_compiles_with_a_repair_warning_and_posts_the_guides_payload() {
    let script = seed_trigger();
    assert!(
        script.contains("on your\nnetwork: "),
        "the seed text is as the PDF wrapped it"
    );
    let warning = check_script(&script).unwrap().expect("a repair warning");
    assert!(warning.contains("line 3"), "{warning}");
    let mut e = engine(Limits::default());
    e.prepare(1, &script).unwrap();
    let (end, out) = e.run(1, &[("Detection", DETECTION)], false);
    assert_eq!(end, RunEnd::Ok);
    assert_eq!(out.messages.len(), 1);
    let (kind, name, msg) = &out.messages[0];
    assert_eq!((*kind, name.as_str()), (TargetKind::Http, "ticket-server"));
    let Message::Http {
        method,
        path,
        headers,
        payload,
    } = msg
    else {
        panic!("{msg:?}")
    };
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/rest/api/issue")
    );
    assert_eq!(
        headers,
        &vec![("Content-Type".to_string(), "application/json".to_string())]
    );
    let body: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"fields": {
            "summary": "ExtraHop Detection: 42: SSH Brute Force",
            "assignee": {"name": "escalations_team"},
            "reporter": {"name": "ExtraHop"},
            "priority": {"id": 72},
            "labels": ["sec", "sec.attack"],
            "description": "ExtraHop has detected the following event on your network: Many failed logins."
        }})
    );
}

#[test]
fn syntax_errors_name_line_and_column() {
    let err = check_script("const a = 1;\nconst b = ;\n").unwrap_err();
    assert_eq!(err.line, 2, "{err:?}");
    assert!(err.column >= 10 && err.column <= 12, "{err:?}");
    let err = check_script("let x = {").unwrap_err();
    assert!(err.line >= 1, "{err:?}");
}

#[test]
fn a_runaway_script_is_stopped_and_the_engine_keeps_working() {
    let mut e = engine(Limits {
        run_time: Duration::from_millis(50),
        ..Limits::default()
    });
    e.prepare(1, "while (true) {}").unwrap();
    let t = std::time::Instant::now();
    let (end, _) = e.run(1, &[], false);
    assert!(matches!(end, RunEnd::BudgetExceeded(_)), "{end:?}");
    assert!(t.elapsed() < Duration::from_secs(2));
    e.prepare(
        2,
        "if (Detection.id === 42) { return; } throw new Error('no');",
    )
    .unwrap();
    assert_eq!(e.run(2, &[("Detection", DETECTION)], false).0, RunEnd::Ok);
}

#[test]
fn a_memory_hog_is_stopped() {
    let mut e = engine(Limits {
        memory: 16 * 1024 * 1024,
        ..Limits::default()
    });
    e.prepare(
        1,
        "const a = []; while (true) { a.push('x'.repeat(1 << 16)); }",
    )
    .unwrap();
    let (end, _) = e.run(1, &[], false);
    assert!(matches!(end, RunEnd::BudgetExceeded(_)), "{end:?}");
    e.prepare(2, "log('still here')").unwrap();
    let (end, out) = e.run(2, &[], false);
    assert_eq!(end, RunEnd::Ok);
    assert_eq!(out.log, vec![("log", "still here".to_string())]);
}

#[test]
fn remote_api_debug_log_and_commit_detection() {
    let mut e = engine(Limits::default());
    e.prepare(
        1,
        r#"
        debug("id", Detection.id);
        log({a: 1});
        Remote.Syslog('s').warn('risk', Detection.riskScore);
        Remote.Kafka('k').send({topic: 't', messages: ['a', {b: 2}], partition: 1});
        Remote.Kafka('k').send('t2', 'x');
        Remote.MongoDB('m').insert('db.c', {x: 1});
        Remote.Raw('r').send('bytes');
        const known = Remote.HTTP('ticket-server').get({path: '/x'});
        const unknown = Remote.HTTP('nope').post({path: '/y', payload: 'p'});
        log(known, unknown);
        commitDetection('custom_thing', {title: 'T', riskScore: 30, participants: ['10.0.0.1']});
        try { commitDetection('bogus', {}); } catch (e) { log('refused: ' + e.message); }
        try { Remote.Kafka('k').send({messages: ['m']}); } catch (e) { log(e.message); }
        "#,
    )
    .unwrap();
    let (end, out) = e.run(1, &[("Detection", DETECTION)], true);
    assert_eq!(end, RunEnd::Ok);
    let kinds: Vec<_> = out
        .messages
        .iter()
        .map(|(k, n, _)| (*k, n.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (TargetKind::Syslog, "s"),
            (TargetKind::Kafka, "k"),
            (TargetKind::Kafka, "k"),
            (TargetKind::Mongodb, "m"),
            (TargetKind::Raw, "r"),
            (TargetKind::Http, "ticket-server"),
            (TargetKind::Http, "nope"),
        ]
    );
    let Message::Syslog {
        severity, message, ..
    } = &out.messages[0].2
    else {
        panic!()
    };
    assert_eq!((*severity, message.as_str()), (4, "risk 72"));
    let Message::Kafka {
        values, partition, ..
    } = &out.messages[1].2
    else {
        panic!()
    };
    assert_eq!(values, &vec!["a".to_string(), "{\"b\":2}".to_string()]);
    assert_eq!(*partition, Some(1));
    assert_eq!(out.detections.len(), 1);
    assert_eq!(out.detections[0].kind, "custom_thing");
    assert_eq!(out.detections[0].risk_score, Some(30));
    let log: Vec<_> = out.log.iter().map(|(l, t)| format!("{l}:{t}")).collect();
    assert!(log.contains(&"debug:id 42".to_string()), "{log:?}");
    assert!(log.contains(&"log:{\"a\":1}".to_string()), "{log:?}");
    assert!(log.contains(&"log:true false".to_string()), "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("warning:ODS http target \"nope\"")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l.contains("refused: commitDetection")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l.contains("a topic is required")),
        "{log:?}"
    );
    // debug() is silent when the trigger's debug flag is off.
    let (_, out) = e.run(1, &[("Detection", DETECTION)], false);
    assert!(!out.log.iter().any(|(l, _)| *l == "debug"));
}

#[test]
fn scripts_cannot_reach_the_native_functions_or_the_file_system() {
    let mut e = engine(Limits::default());
    e.prepare(
        1,
        "log(typeof __ww_send, typeof require, typeof std, typeof os, typeof fetch, typeof XMLHttpRequest)",
    )
    .unwrap();
    let (_, out) = e.run(1, &[], false);
    assert_eq!(
        out.log,
        vec![(
            "log",
            "undefined undefined undefined undefined undefined undefined".to_string()
        )]
    );
}

#[test]
fn a_run_produces_at_most_its_caps_and_counts_the_rest() {
    let mut e = engine(Limits {
        detections: 3,
        messages: 5,
        log_lines: 4,
        ..Limits::default()
    });
    e.prepare(
        7,
        "var made = 0, sent = 0;
         for (var i = 0; i < 50; i++) {
           if (commitDetection('custom_flood', {title: 'd' + i})) made++;
           if (Remote.HTTP('ticket-server').post({path: '/x', payload: {i: i}})) sent++;
           log('line ' + i);
         }
         log('made ' + made + ' sent ' + sent);",
    )
    .unwrap();
    let (end, out) = e.run(7, &[], false);
    assert_eq!(end, RunEnd::Ok);
    assert_eq!(out.detections.len(), 3);
    assert_eq!(out.messages.len(), 5);
    assert_eq!(out.log.len(), 4);
    assert_eq!(out.dropped.detections, 47);
    assert_eq!(out.dropped.messages, 45);
    assert_eq!(out.dropped.log_lines, 47);
    // The next run starts with empty counts.
    let (_, again) = e.run(7, &[], false);
    assert_eq!(again.detections.len(), 3);
    assert_eq!(again.dropped.detections, 47);
}
