//! The Settings pages in real Chromium, as the setup administrator: create an
//! HTTP ODS target in the form, pointing at a local receiver, and see its
//! health and delivery counters after deliveries (one retried, one refused
//! into the dead letters, replayed from the page); write a trigger whose
//! script has a syntax error on line 3 and see it shown at line 3, fix it,
//! save, and read its debug log after an event; create a user with a key,
//! issue and revoke another; create a tuning rule and switch it off; save
//! the ticketing settings. A `write: limited` user sees no Settings and the
//! server's refusal on the page. Every section is screenshotted.

use super::*;
use crate::receiver::Receiver;

fn shot(b: &Browser, dir: &std::path::Path, name: &str, ready: &str) {
    b.find(ready);
    std::thread::sleep(Duration::from_millis(400));
    b.screenshot(dir, name);
}

/// Set a form control's value as typing would (clears it first).
fn fill(b: &Browser, css: &str, text: &str) {
    let e = b.find(css);
    b.clear(&e);
    b.type_text(&e, text);
}

fn ods_stats(s: &Server) -> Value {
    s.get("/api/v1/odstargets/http/soc-sink/stats").body
}

#[test]
fn an_administrator_uses_the_settings_pages() {
    let rx = Receiver::start();
    // A capture, for devices to assign a trigger to.
    let pcap = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/zeek/traces/wikipedia.pcap"
    );
    let s = Server::start_args(true, &["--pcap", pcap]);
    let r = s.post("/api/v1/devicegroups", json!({"name": "soc-watch"}));
    assert_eq!(r.status, 201, "{}", r.text);
    let group = r.body["id"].as_u64().unwrap();
    // A connector, so the Connectors and Ticketing pages have one to show.
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "SOC Jira", "connector_type_id": ".jira",
               "config": {"apiUrl": format!("http://{}", rx.addr), "projectKey": "SEC"},
               "secrets": {"email": "soc@example.com", "apiToken": "token"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let shots = screenshots();
    let b = Browser::start(1280, 900);
    b.goto(&format!("{}/app#/settings", s.url));
    b.type_text(&b.find("#username"), "setup");
    b.type_text(&b.find("#password"), PASSWORD);
    b.click(&b.find("form.login button[type=submit]"));
    // The administrator has Settings, and every section in its menu.
    b.wait("the settings page", || b.try_find("#ticketing-form"));
    let nav_hidden = |b: &Browser| {
        b.script(
            "return document.getElementById('nav-settings').hidden",
            json!([]),
        )
    };
    assert_eq!(nav_hidden(&b), json!(false));
    let menu: Vec<String> = b
        .find_all(".settings-nav a")
        .iter()
        .map(|a| b.text(a))
        .collect();
    assert_eq!(
        menu,
        [
            "Ticketing",
            "Users and API keys",
            "ODS targets",
            "Connectors",
            "Triggers",
            "Tuning rules"
        ]
    );

    // Ticketing: a template without $ticket_id is refused, naming the field.
    b.click(&b.find("#tracking-external"));
    fill(&b, "#url-template", "https://tickets.example.com/browse/");
    b.click(&b.find("#save-ticketing"));
    let err = b.text_at("#ticketing-error:not([hidden])");
    assert!(err.starts_with("url_template"), "{err}");
    fill(
        &b,
        "#url-template",
        "https://tickets.example.com/browse/$ticket_id",
    );
    let jira = s.get("/api/actions/connectors").body[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    b.select(&b.find("#ticket-connector"), &jira);
    b.click(&b.find("#save-ticketing"));
    wait_for("the ticketing settings", || {
        let t = s.get("/api/v1/extrahop/ticketing").body;
        t["external_ticketing_enabled"] == true
            && t["url_template"] == "https://tickets.example.com/browse/$ticket_id"
            && t["connector_id"] == jira.as_str()
    });
    shot(&b, &shots, "40-settings-ticketing", "#ticketing-form");

    // ODS: an HTTP target made in the form, pointing at the receiver.
    b.goto(&format!("{}/app#/settings/ods", s.url));
    b.wait("the target form", || b.try_find("#target-form"));
    fill(&b, "#target-name", "soc-sink");
    fill(&b, "#target-host", "127.0.0.1");
    fill(&b, "#target-port", &rx.addr.port().to_string());
    b.select(&b.find("#target-protocol"), "http");
    fill(&b, "#target-header", "X-Team: soc");
    b.click(&b.find("#save-target"));
    let card = "article.target[data-target='http/soc-sink']";
    b.wait("the new target's health", || {
        b.try_find(&format!("{card} .health.ok"))
    });
    let t = s.get("/api/v1/odstargets/http/soc-sink").body;
    assert_eq!(t["port"], rx.addr.port(), "{t}");
    assert_eq!(t["protocol"], "http", "{t}");
    // A trigger sends each external datum to it.
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "to soc-sink", "events": ["EXTERNAL_DATA"],
               "script": "Remote.HTTP('soc-sink').post({path: '/ods', payload: ExternalData.body});"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    // The first delivery is retried once (503), the second refused (400).
    rx.fail_next(1, 503);
    s.external_data(json!({"n": 1}));
    wait_for("a retried delivery", || {
        let st = ods_stats(&s);
        st["sent"] == 1 && st["retried"] == 1
    });
    rx.fail_next(1, 400);
    s.external_data(json!({"n": 2}));
    wait_for("a dead letter", || ods_stats(&s)["dead_letters"] == 1);
    b.click(&b.find("#refresh-ods"));
    let bar = |name: &str| {
        b.script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null",
            json!([format!(
                "{card} svg.counters rect[data-counter='{name}'] title"
            )]),
        )
    };
    b.wait("the new counters", || {
        (bar("sent") == json!("sent: 1")).then_some(())
    });
    b.wait("the health", || b.try_find(&format!("{card} .health.ok")));
    assert_eq!(bar("retried"), json!("retried: 1"));
    assert_eq!(bar("failed"), json!("failed: 1"));
    assert_eq!(bar("dead letters"), json!("dead letters: 1"));
    assert_ne!(b.text_at(&format!("{card} dd.last-sent")), "Never");
    // The dead letter, replayed from the page, is delivered.
    b.click_at(&format!("{card} button[data-action=dead]"));
    b.wait("the dead letter", || {
        b.try_find(&format!("{card} table.dead tbody tr"))
    });
    assert!(b
        .text_at(&format!("{card} table.dead tbody tr"))
        .contains("refused"));
    shot(&b, &shots, "41-settings-ods", "#replay-all");
    b.click(&b.find("#replay-all"));
    wait_for("the replayed delivery", || ods_stats(&s)["sent"] == 2);
    let got: Vec<Value> = rx
        .seen()
        .iter()
        .filter(|r| r.path == "/ods")
        .map(|r| r.json())
        .collect();
    assert!(got.contains(&json!({"n": 2})), "{got:?}");
    assert!(rx
        .seen()
        .iter()
        .filter(|r| r.path == "/ods")
        .all(|r| r.header("x-team") == Some("soc")));

    // Edit from its card: the target is changed in place (PATCH).
    b.click_at(&format!("{card} button[data-action=edit]"));
    b.wait("the edit form", || {
        b.try_find("#target-form").filter(|f| {
            b.text(f)
                .to_lowercase()
                .contains("edit http target soc-sink")
        })
    });
    let header = b.script(
        "return document.getElementById('target-header').value",
        json!([]),
    );
    assert_eq!(header, json!("X-Team: soc"), "the form holds the target");
    fill(&b, "#target-header", "X-Team: blue");
    shot(&b, &shots, "41b-settings-ods-edit", "#target-form");
    b.click(&b.find("#save-target"));
    wait_for("the changed target", || {
        s.get("/api/v1/odstargets/http/soc-sink").body["additional_header"] == "X-Team: blue"
    });
    b.wait("the target again", || {
        b.try_find(&format!("{card} .health"))
    });
    // The save's toast belongs to the ODS page: it does not stay over the next page.
    b.wait("the save's toast", || {
        b.try_find("#toast.show")
            .filter(|t| b.text(t).contains("soc-sink saved"))
    });
    let shown = std::time::Instant::now();
    b.goto(&format!("{}/app#/settings/triggers", s.url));
    b.wait("the triggers page", || b.try_find("#new-trigger"));
    assert!(b.try_find("#toast.show").is_none(), "the toast followed");
    assert!(
        shown.elapsed() < Duration::from_secs(4),
        "too slow to tell a cleared toast from an expired one"
    );
    b.goto(&format!("{}/app#/settings/ods", s.url));
    b.wait("the ODS page", || b.try_find(&format!("{card} .health")));
    // Its counters and dead-letter history stayed, and it delivers with the new header.
    let st = ods_stats(&s);
    assert_eq!(
        (st["sent"].as_u64(), st["failed"].as_u64()),
        (Some(2), Some(1)),
        "{st}"
    );
    s.external_data(json!({"n": 3}));
    wait_for("a delivery with the new header", || {
        rx.seen()
            .iter()
            .any(|r| r.path == "/ods" && r.header("x-team") == Some("blue"))
    });

    // Triggers: a syntax error on line 3 is shown at line 3.
    b.goto(&format!("{}/app#/settings/triggers", s.url));
    b.click_at("#new-trigger");
    fill(&b, "#trigger-name", "counter");
    let area = b.find("#trigger-script");
    b.clear(&area);
    b.type_text(
        &area,
        "// Counts what arrives.\nvar n = ExternalData.body.n;\nif (n > 0 {\n  debug('got n', n);\n}\n",
    );
    b.click(&b.find("#save-trigger"));
    let err = b.find("#trigger-error:not([hidden])");
    assert_eq!(b.attr(&err, "data-line").as_deref(), Some("3"));
    assert!(
        b.text(&err).starts_with("Line 3, column "),
        "{}",
        b.text(&err)
    );
    assert_eq!(b.text_at(".code-editor .gutter div.bad"), "3");
    assert!(b
        .try_find("#trigger-editor .line-mark:not([hidden])")
        .is_some());
    assert_eq!(
        s.get("/api/v1/triggers").body.as_array().unwrap().len(),
        1,
        "nothing saved"
    );
    shot(&b, &shots, "42-settings-trigger-error", "#trigger-error");
    // Fixed and saved: the editor opens the saved trigger.
    let area = b.find("#trigger-script");
    b.clear(&area);
    b.type_text(
        &area,
        "// Counts what arrives.\nvar n = ExternalData.body.n;\nif (n > 0) {\n  debug('got n', n);\n}\n",
    );
    assert!(b.try_find(".code-editor .gutter div.bad").is_none());
    b.click(&b.find("#save-trigger"));
    b.wait("the saved trigger", || b.try_find("#debug-log"));
    let all = s.get("/api/v1/triggers").body;
    let made = all
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "counter")
        .expect("the trigger was saved")
        .clone();
    assert_eq!(made["events"], json!(["EXTERNAL_DATA"]));
    assert_eq!(made["debug"], true);
    let id = made["id"].as_u64().unwrap();
    s.external_data(json!({"n": 7}));
    wait_for("the debug line", || {
        s.get(&format!("/api/v1/triggers/{id}/debuglog"))
            .text
            .contains("got n 7")
    });
    b.click(&b.find("#refresh-log"));
    b.wait("the debug line on the page", || {
        b.try_find("#debug-log ol.log li[data-level=debug]")
            .filter(|li| b.text(li).contains("got n 7"))
    });
    b.script(
        "document.getElementById('debug-log').scrollIntoView({block: 'center'})",
        json!([]),
    );
    shot(&b, &shots, "43-settings-triggers", "#debug-log ol.log");
    // Assigned to: not every device, but one found by search and a group.
    let device = {
        let mut found = None;
        wait_for("a device with an address", || {
            found = s
                .get("/api/v1/devices")
                .body
                .as_array()
                .and_then(|l| l.iter().find(|d| d["ipaddr4"].is_string()).cloned());
            found.is_some()
        });
        found.unwrap()
    };
    let (dev, dev_ip) = (
        device["id"].as_u64().unwrap(),
        device["ipaddr4"].as_str().unwrap().to_string(),
    );
    b.click(&b.find("#trigger-apply-all"));
    b.script(
        "document.getElementById('assign-device-q').dataset.old = '1'",
        json!([]),
    );
    b.click(&b.find("#save-trigger"));
    wait_for("apply_all off", || {
        s.get(&format!("/api/v1/triggers/{id}")).body["apply_all"] == false
    });
    b.wait("the editor again", || {
        b.try_find("#assign-device-q:not([data-old])")
    });
    fill(&b, "#assign-device-q", &dev_ip);
    b.click(&b.find("#assign-device-search"));
    b.click_at(&format!(
        "#assign-device-results button[data-device='{dev}']"
    ));
    b.wait("the assigned device", || {
        b.try_find(&format!("#assigned-list li[data-device='{dev}']"))
    });
    // The search shows it as assigned now, with nothing to click.
    b.wait("the search result marked assigned", || {
        b.try_find(&format!("#assign-device-results li[data-assigned='{dev}']"))
    });
    assert!(b
        .try_find(&format!(
            "#assign-device-results button[data-device='{dev}']"
        ))
        .is_none());
    b.select(&b.find("#assign-group"), &group.to_string());
    b.click(&b.find("#assign-group-add"));
    b.wait("the assigned group", || {
        b.try_find(&format!("#assigned-list li[data-group='{group}']"))
    });
    assert_eq!(
        ids(&s.get(&format!("/api/v1/triggers/{id}/devices")).body),
        vec![dev]
    );
    assert_eq!(
        ids(&s.get(&format!("/api/v1/triggers/{id}/devicegroups")).body),
        vec![group]
    );
    shot(
        &b,
        &shots,
        "43b-settings-trigger-assigned",
        "#assigned-list",
    );
    b.click_at(&format!(
        "#assigned-list li[data-device='{dev}'] button[data-action=unassign]"
    ));
    wait_for("the device unassigned", || {
        s.get(&format!("/api/v1/triggers/{id}/devices")).body == json!([])
    });
    b.wait("the list without it", || {
        b.try_find(&format!("#assigned-list li[data-group='{group}']"))
            .filter(|_| {
                b.try_find(&format!("#assigned-list li[data-device='{dev}']"))
                    .is_none()
            })
    });
    // Disabled from the list.
    b.click_at(&format!(
        "tr[data-trigger='{id}'] button[data-action=toggle]"
    ));
    wait_for("the trigger disabled", || {
        s.get(&format!("/api/v1/triggers/{id}")).body["disabled"] == true
    });

    // Users: one with a key, shown once; another key issued, then revoked.
    b.goto(&format!("{}/app#/settings/users", s.url));
    b.wait("the user form", || b.try_find("#new-user"));
    fill(&b, "#new-username", "nora");
    fill(&b, "#new-name", "Nora Analyst");
    fill(&b, "#new-password", "a-long-password");
    b.select(&b.find("#new-access"), "write:limited");
    b.select(&b.find("#new-ndr"), "full");
    b.click(&b.find("#new-with-key"));
    b.click(&b.find("#create-user"));
    b.wait("the new key", || b.try_find("#new-key"));
    let key = b
        .script("return document.getElementById('new-key').value", json!([]))
        .as_str()
        .unwrap()
        .to_string();
    let nora = s.get("/api/v1/users/nora").body;
    assert_eq!(
        nora["granted_roles"],
        json!({"write": "limited", "ndr": "full"})
    );
    let me = s.call_with("GET", "/api/v1/apikeys", None, Some(&key));
    assert_eq!(me.status, 200, "the shown key works: {}", me.text);
    shot(&b, &shots, "44-settings-new-user", "#new-key");
    b.click_at("tr[data-user='nora'] button[data-action=keys]");
    b.wait("nora's key", || {
        b.try_find("#user-keys table.keys tbody tr")
    });
    b.click(&b.find("#issue-key"));
    b.wait("two keys", || {
        (b.find_all("#user-keys table.keys tbody tr").len() == 2).then_some(())
    });
    shot(&b, &shots, "45-settings-users", "#user-keys #new-key");
    // The key shown at creation is the one made with the user.
    let keys = s.get("/api/v1/users/nora/apikeys").body;
    let first = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["description"] == "created with user nora")
        .expect("the key made with the user")["id"]
        .as_u64()
        .unwrap();
    let revoke = format!("#user-keys tr[data-key='{first}'] button[data-action=revoke]");
    b.click_at(&revoke);
    b.click_at(&revoke);
    wait_for("the key revoked", || {
        s.get("/api/v1/users/nora/apikeys")
            .body
            .as_array()
            .is_some_and(|k| k.len() == 1)
    });
    assert_eq!(
        s.call_with("GET", "/api/v1/apikeys", None, Some(&key))
            .status,
        401
    );

    // Tuning rules: one made in the form, then switched off.
    b.goto(&format!("{}/app#/settings/rules", s.url));
    b.wait("the rule form", || b.try_find("#new-rule"));
    b.select(&b.find("#rule-type"), "all_security");
    fill(&b, "#rule-offender", "10.9.9.0/24");
    fill(&b, "#rule-description", "Vulnerability scanner");
    b.click(&b.find("#create-rule"));
    wait_for("the tuning rule", || {
        s.get("/api/v1/detections/rules/hiding")
            .body
            .as_array()
            .is_some_and(|r| r.len() == 1)
    });
    let rule = s.get("/api/v1/detections/rules/hiding").body[0].clone();
    assert_eq!(rule["offender"]["object_value"], "10.9.9.0/24", "{rule}");
    assert_eq!(rule["enabled"], true);
    let rid = rule["id"].as_u64().unwrap();
    b.click_at(&format!("tr[data-rule='{rid}'] button[data-action=toggle]"));
    wait_for("the rule switched off", || {
        s.get(&format!("/api/v1/detections/rules/hiding/{rid}"))
            .body["enabled"]
            == false
    });
    b.wait("the list again", || {
        b.try_find(&format!("tr[data-rule='{rid}'].disabled"))
    });
    shot(&b, &shots, "46-settings-rules", "table.rules");

    // Connectors: the one made above with its counters.
    b.goto(&format!("{}/app#/settings/connectors", s.url));
    b.wait("the connector", || {
        b.try_find(&format!("article[data-connector='{jira}'] svg.counters"))
    });
    b.click_at(&format!(
        "article[data-connector='{jira}'] button[data-action=failed]"
    ));
    b.wait("its failed pushes", || {
        b.try_find(&format!(
            "article[data-connector='{jira}'] .failed-pushes p"
        ))
    });
    shot(
        &b,
        &shots,
        "47-settings-connectors",
        "article[data-connector]",
    );
    b.color_scheme("dark");
    b.goto(&format!("{}/app#/settings/triggers?id={id}", s.url));
    shot(&b, &shots, "48-settings-triggers-dark", "#debug-log");
    b.color_scheme("light");

    // A user without the privileges: no Settings, and the server's refusal.
    // The logout's toast is the login page's: it stays there.
    b.click(&b.find("#logout"));
    b.find("#username");
    assert!(b.text_at("#toast.show").contains("Logged out"));
    b.type_text(&b.find("#username"), "nora");
    b.type_text(&b.find("#password"), "a-long-password");
    b.click(&b.find("form.login button[type=submit]"));
    b.wait("nora's detections", || b.try_find("#count"));
    assert_eq!(nav_hidden(&b), json!(true));
    b.goto(&format!("{}/app#/settings/users", s.url));
    let refused = b.text_at("#settings-refused");
    assert!(refused.contains("refused"), "{refused}");
    assert!(refused.contains("system"), "the server's reason: {refused}");
    assert!(b.try_find("table.users").is_none());
    assert!(b.find_all(".settings-nav a").is_empty());
    shot(&b, &shots, "49-settings-refused", "#settings-refused");
    b.goto(&format!("{}/app#/settings/ods", s.url));
    b.wait("the ODS refusal", || {
        b.try_find("#settings-refused")
            .filter(|e| b.text(e).contains("write"))
    });
}
