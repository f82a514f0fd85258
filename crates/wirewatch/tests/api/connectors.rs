//! External incident connectors (`/api/actions/…`) end to end: against the
//! local stateful fake of Jira REST v2 and the ServiceNow Table API
//! (`wirewatch-testkit`), and a real HTTP receiver for webhooks.

use crate::common::*;
use crate::receiver::Receiver;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wirewatch_testkit::FakeItsm;

const USER: &str = "bot@example.com";
const TOKEN: &str = "jira-api-token-123";

fn jira_connector(s: &Server, fake: &FakeItsm) -> String {
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "Jira SOC", "connector_type_id": ".jira",
               "config": {"apiUrl": fake.url(), "projectKey": "SEC"},
               "secrets": {"email": USER, "apiToken": TOKEN, "webhookToken": "hook-secret-0123456789"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().unwrap().to_string()
}

fn snow_connector(s: &Server, fake: &FakeItsm) -> String {
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "ServiceNow", "connector_type_id": ".servicenow",
               "config": {"apiUrl": fake.url(), "usesTableApi": true},
               "secrets": {"username": USER, "password": TOKEN}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().unwrap().to_string()
}

fn until<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn automatic(s: &Server, connector: &str) {
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false,
               "connector_id": connector, "url_template": "https://jira.example.com/browse/$ticket_id"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

#[test]
fn connectors_are_managed_like_kibana_and_secrets_never_come_back() {
    let s = Server::start();
    let fake = FakeItsm::start(USER, TOKEN);
    let id = jira_connector(&s, &fake);
    let one = s.get(&format!("/api/actions/connector/{id}"));
    assert_eq!(one.status, 200);
    assert_eq!(one.body["connector_type_id"], ".jira");
    assert_eq!(one.body["config"]["projectKey"], "SEC");
    assert_eq!(one.body["is_missing_secrets"], false);
    assert!(one.body.get("secrets").is_none());
    assert!(!one.text.contains(TOKEN) && !one.text.contains("hook-secret-0123456789"));
    let list = s.get("/api/actions/connectors");
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["referenced_by_count"], 0);
    assert!(!list.text.contains(TOKEN));
    let types = s.get("/api/actions/connector_types");
    let ids: Vec<&str> = types
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [".jira", ".servicenow", ".webhook", ".cases-webhook"]);

    // Renaming without secrets keeps them: the connector still works.
    let r = s.call(
        "PUT",
        &format!("/api/actions/connector/{id}"),
        Some(json!({"name": "Jira (renamed)", "config": {"apiUrl": fake.url(), "projectKey": "SEC"}})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Jira (renamed)");
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {"incident": {"summary": "still authenticated"}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["connector_id"], id.as_str());

    // Errors: Kibana's shape, naming the field.
    for (body, field) in [
        (
            json!({"name": "x", "connector_type_id": ".jira", "config": {"apiUrl": "ftp://x", "projectKey": "SEC"}, "secrets": {"email": "a", "apiToken": "b"}}),
            "config.apiUrl",
        ),
        (
            json!({"name": "x", "connector_type_id": ".jira", "config": {"apiUrl": "https://x"}, "secrets": {"email": "a", "apiToken": "b"}}),
            "config.projectKey",
        ),
        (
            json!({"name": "x", "connector_type_id": ".jira", "config": {"apiUrl": "https://x", "projectKey": "S"}, "secrets": {"email": "a"}}),
            "secrets.apiToken",
        ),
        (
            json!({"name": "x", "connector_type_id": ".pagerduty", "config": {}}),
            "connector_type_id",
        ),
        (
            json!({"name": "", "connector_type_id": ".webhook", "config": {"url": "https://x"}}),
            "name",
        ),
        (
            json!({"name": "x", "connector_type_id": ".servicenow", "config": {"apiUrl": "https://x", "isOAuth": true}, "secrets": {}}),
            "config.isOAuth",
        ),
        (
            json!({"name": "x", "connector_type_id": ".webhook", "config": {"url": "https://x", "hasAuth": true}, "secrets": {}}),
            "secrets.user",
        ),
    ] {
        let r = s.post("/api/actions/connector", body);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["statusCode"], 400);
        assert_eq!(r.body["error"], "Bad Request");
        assert_eq!(r.body["field"], field, "{}", r.text);
        assert!(
            r.body["message"].as_str().unwrap().contains(field),
            "{}",
            r.text
        );
    }
    // A chosen id; a second create with it conflicts.
    let body = json!({"name": "hook", "connector_type_id": ".webhook", "config": {"url": "https://hooks.example.com/x", "hasAuth": false}});
    let r = s.post("/api/actions/connector/my-hook", body.clone());
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], "my-hook");
    assert_eq!(s.post("/api/actions/connector/my-hook", body).status, 409);

    // Privileges: no key 401, a read-only user reads but cannot change or execute.
    let r = s.call_with("GET", "/api/actions/connectors", None, None);
    assert_eq!(r.status, 401);
    assert_eq!(r.body["statusCode"], 401);
    let viewer = s.user_key("viewer", json!({"metrics": "full", "ndr": "full"}));
    let key = Some(viewer.as_str());
    assert_eq!(
        s.call_with("GET", "/api/actions/connectors", None, key)
            .status,
        200
    );
    assert_eq!(
        s.call_with("DELETE", &format!("/api/actions/connector/{id}"), None, key)
            .status,
        403
    );
    let r = s.call_with(
        "POST",
        &format!("/api/actions/connector/{id}/_execute"),
        Some(json!({"params": {"subAction": "getIncident", "subActionParams": {"externalId": "SEC-1"}}})),
        key,
    );
    assert_eq!(r.status, 403);

    // The ticketing connector cannot be deleted from under automatic mode.
    automatic(&s, &id);
    assert_eq!(
        s.call("DELETE", &format!("/api/actions/connector/{id}"), None)
            .status,
        409
    );
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"connector_id": "nope"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["field"], "connector_id");
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"connector_id": "my-hook"}),
    );
    assert_eq!(r.status, 400, ".webhook connectors hold no incidents");
    let r = s.patch("/api/v1/extrahop/ticketing", json!({"connector_id": null}));
    assert_eq!(r.status, 204);
    assert_eq!(
        s.call("DELETE", &format!("/api/actions/connector/{id}"), None)
            .status,
        204
    );
    let r = s.get(&format!("/api/actions/connector/{id}"));
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"], "Not Found");
    assert_eq!(
        r.body["message"],
        format!("Saved object [action/{id}] not found")
    );
    // The webhook token is the webhook's only credential: never empty or short.
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "j", "connector_type_id": ".jira",
               "config": {"apiUrl": fake.url(), "projectKey": "SEC"},
               "secrets": {"email": USER, "apiToken": TOKEN, "webhookToken": ""}}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "secrets.webhookToken");
    assert!(
        !r.body["message"]
            .as_str()
            .unwrap()
            .contains("webhookToken: "),
        "{}",
        r.text
    );
}

fn seed_create() -> Value {
    json!({"params": {"subAction": "pushToService", "subActionParams": {
        "savedObjectId": "c1472f70-732a-11ea-a0b2-c51ea50a58e2",
        "createdAt": "2020-03-31T08:36:45.661Z",
        "createdBy": {"fullName": "Alan Hunley", "username": "ahunley"},
        "comments": [{
            "commentId": "dda30310-732a-11ea-a0b2-c51ea50a58e2",
            "comment": "That is nothing - Ethan Hunt answered a targeted social media campaign.",
            "createdAt": "2020-03-31T08:37:33.240Z",
            "createdBy": {"fullName": "Ms Moneypenny", "username": "moneypenny"}}],
        "description": "James Bond clicked on a highly suspicious email banner.",
        "title": "This case will self-destruct in 5 seconds"}}})
}

#[test]
fn the_seeds_push_to_service_creates_and_updates_a_servicenow_incident() {
    let s = Server::start();
    let fake = FakeItsm::start(USER, TOKEN);
    let id = snow_connector(&s, &fake);
    let r = s.post(&format!("/api/actions/action/{id}/_execute"), seed_create());
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["actionId"], id.as_str());
    let data = &r.body["data"];
    let sys_id = data["id"].as_str().unwrap().to_string();
    assert_eq!(sys_id.len(), 32);
    assert!(data["title"].as_str().unwrap().starts_with("INC"), "{data}");
    assert_eq!(
        data["url"],
        format!("{}/nav_to.do?uri=incident.do?sys_id={sys_id}", fake.url())
    );
    assert!(data["pushedDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        data["comments"][0]["commentId"],
        "dda30310-732a-11ea-a0b2-c51ea50a58e2"
    );
    let inc = fake.snow_incident(&sys_id).unwrap();
    assert_eq!(
        inc["short_description"],
        "This case will self-destruct in 5 seconds"
    );
    assert_eq!(
        inc["description"],
        "James Bond clicked on a highly suspicious email banner."
    );
    let notes: Vec<&Value> = inc["_journal"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["element"] == "work_notes")
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["value"].as_str().unwrap().contains("Ethan Hunt"));

    // The seed's second request: the same case with externalId and a new comment.
    let mut upd = seed_create();
    let sp = &mut upd["params"]["subActionParams"];
    sp["externalId"] = json!(sys_id);
    sp["comments"][0]["commentId"] = json!("8ef6d660-732f-11ea-a0b2-c51ea50a58e2");
    sp["title"] = json!("This case will self-destruct in 5 seconds (updated)");
    let r = s.post(&format!("/api/actions/action/{id}/_execute"), upd);
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["data"]["id"], sys_id.as_str());
    assert_eq!(
        r.body["data"]["comments"][0]["commentId"],
        "8ef6d660-732f-11ea-a0b2-c51ea50a58e2"
    );
    assert_eq!(
        fake.snow_incidents().len(),
        1,
        "an update, not a second incident"
    );
    let inc = fake.snow_incident(&sys_id).unwrap();
    assert_eq!(
        inc["short_description"],
        "This case will self-destruct in 5 seconds (updated)"
    );
    assert_eq!(inc["_journal"].as_array().unwrap().len(), 2);

    // getIncident and closeIncident.
    fake.snow_set(&sys_id, Some("2"), Some(Some("Beth Anglin")));
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "getIncident", "subActionParams": {"externalId": sys_id}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["data"]["status"], "2");
    assert_eq!(r.body["data"]["detection_status"], "in_progress");
    assert_eq!(r.body["data"]["assignee"], "Beth Anglin");
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "closeIncident", "subActionParams": {"incident": {"externalId": sys_id}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(fake.snow_incident(&sys_id).unwrap()["state"], "7");

    // The remote's refusals and outages: status error, its reason, retry or not.
    fake.fail_next(1, 400);
    let r = s.post(&format!("/api/actions/action/{id}/_execute"), seed_create());
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "error");
    assert_eq!(
        r.body["message"],
        "an error occurred while running the action"
    );
    let sm = r.body["serviceMessage"].as_str().unwrap();
    assert!(
        sm.starts_with("[Action][ServiceNow ITSM]: Unable to create incident"),
        "{sm}"
    );
    assert!(sm.contains("400"), "{sm}");
    assert_eq!(r.body["retry"], false);
    fake.fail_next(1, 503);
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        seed_create(),
    );
    assert_eq!(r.body["status"], "error");
    assert!(r.body["service_message"].as_str().unwrap().contains("503"));
    assert_eq!(r.body["retry"], true);
    // Wrong credentials are reported as the remote's 401, not retried.
    let bad = s.post(
        "/api/actions/connector",
        json!({"name": "bad", "connector_type_id": ".servicenow", "config": {"apiUrl": fake.url()},
               "secrets": {"username": USER, "password": "wrong"}}),
    );
    let r = s.post(
        &format!(
            "/api/actions/action/{}/_execute",
            bad.body["id"].as_str().unwrap()
        ),
        seed_create(),
    );
    assert_eq!(r.body["status"], "error");
    assert!(
        r.body["serviceMessage"].as_str().unwrap().contains("401"),
        "{}",
        r.text
    );
    assert_eq!(r.body["retry"], false);

    // Bad parameters are 400s naming the field, before anything is sent.
    let before = fake.requests();
    for (body, field) in [
        (json!({}), "params"),
        (
            json!({"params": {"subAction": "pushToService"}}),
            "params.subActionParams",
        ),
        (
            json!({"params": {"subAction": "fly", "subActionParams": {}}}),
            "params.subAction",
        ),
        (
            json!({"params": {"subAction": "pushToService", "subActionParams": {"savedObjectId": "x", "createdAt": "2020-03-31T08:36:45.661Z", "createdBy": {}}}}),
            "params.subActionParams.title",
        ),
        (
            json!({"params": {"subAction": "getIncident", "subActionParams": {}}}),
            "params.subActionParams.externalId",
        ),
    ] {
        let r = s.post(&format!("/api/actions/action/{id}/_execute"), body);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["field"], field, "{}", r.text);
    }
    assert_eq!(fake.requests(), before);
}

#[test]
fn jira_issues_are_created_updated_commented_and_transitioned() {
    let s = Server::start();
    let fake = FakeItsm::start(USER, TOKEN);
    let id = jira_connector(&s, &fake);
    let r = s.post(&format!("/api/actions/action/{id}/_execute"), seed_create());
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    let key = r.body["data"]["title"].as_str().unwrap().to_string();
    assert_eq!(key, "SEC-1");
    assert_eq!(
        r.body["data"]["url"],
        format!("{}/browse/SEC-1", fake.url())
    );
    let issue = fake.jira_issue("SEC-1").unwrap();
    assert_eq!(
        issue["fields"]["summary"],
        "This case will self-destruct in 5 seconds"
    );
    assert_eq!(issue["fields"]["comment"]["total"], 1);
    // The current (nested) form, with the issue id as externalId.
    let ext = r.body["data"]["id"].as_str().unwrap().to_string();
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {
            "incident": {"summary": "Renamed", "description": "d2", "labels": ["wirewatch", "phishing"], "externalId": ext},
            "comments": [{"commentId": "c2", "comment": "second"}]}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["data"]["title"], "SEC-1");
    let issue = fake.jira_issue("SEC-1").unwrap();
    assert_eq!(issue["fields"]["summary"], "Renamed");
    assert_eq!(issue["fields"]["labels"], json!(["wirewatch", "phishing"]));
    assert_eq!(issue["fields"]["comment"]["total"], 2);
    assert_eq!(fake.jira_issues().len(), 1);
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "closeIncident", "subActionParams": {"incident": {"externalId": "SEC-1"}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["data"]["detection_status"], "closed");
    assert_eq!(
        fake.jira_issue("SEC-1").unwrap()["fields"]["status"]["statusCategory"]["key"],
        "done"
    );
    // Jira's own validation message comes back.
    let r = s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {"incident": {"summary": "x", "issueType": "Epic-that-does-not-exist"}}}}),
    );
    assert_eq!(r.body["status"], "error", "{}", r.text);
    assert_eq!(r.body["retry"], false);
    assert!(
        r.body["service_message"].as_str().unwrap().contains("400"),
        "{}",
        r.text
    );
}

#[test]
fn automatic_mode_pushes_detections_writes_back_and_pulls_status() {
    let s = Server::start_args(false, &["--incident-sync-interval", "1s"]);
    let fake = FakeItsm::start(USER, TOKEN);
    let id = jira_connector(&s, &fake);
    automatic(&s, &id);
    let det = s.detection(det("port_scan", "10.0.0.5", "10.0.0.9"));
    let d = until(10, "the detection's ticket", || {
        let d = s.get(&format!("/api/v1/detections/{det}")).body;
        d["ticket_id"].is_string().then_some(d)
    });
    assert_eq!(d["ticket_id"], "SEC-1");
    assert_eq!(d["ticket_url"], "https://jira.example.com/browse/SEC-1");
    let issue = fake.jira_issue("SEC-1").unwrap();
    let summary = issue["fields"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("wirewatch detection {det}:")),
        "{summary}"
    );
    assert!(issue["fields"]["description"]
        .as_str()
        .unwrap()
        .contains("10.0.0.5"));

    // A note becomes a comment; a status change a transition.
    let r = s.call(
        "PUT",
        &format!("/api/v1/detections/{det}/notes"),
        Some(json!({"note": "looking at it"})),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    until(10, "the comment", || {
        let i = fake.jira_issue("SEC-1").unwrap();
        (i["fields"]["comment"]["total"] == 1).then_some(())
    });
    let c = &fake.jira_issue("SEC-1").unwrap()["fields"]["comment"]["comments"][0];
    assert!(
        c["body"].as_str().unwrap().ends_with("looking at it"),
        "{c}"
    );
    let r = s.patch(
        &format!("/api/v1/detections/{det}"),
        json!({"status": "in_progress"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    until(10, "the transition", || {
        let i = fake.jira_issue("SEC-1").unwrap();
        (i["fields"]["status"]["statusCategory"]["key"] == "indeterminate").then_some(())
    });
    assert_eq!(fake.jira_issues().len(), 1, "updates, not new issues");

    // An analyst works the issue in Jira: the periodic pull brings it back.
    fake.jira_set("SEC-1", Some("Done"), Some(Some("Beth Anglin")));
    let d = until(10, "the pulled status", || {
        let d = s.get(&format!("/api/v1/detections/{det}")).body;
        (d["status"] == "closed").then_some(d)
    });
    assert_eq!(d["assignee"], "Beth Anglin");
    // The webhook: reopened in Jira, wirewatch told at once.
    fake.jira_set("SEC-1", Some("To Do"), Some(None));
    let r = s.call_with(
        "POST",
        &format!("/api/actions/connector/{id}/_webhook?token=wrong"),
        Some(json!({"webhookEvent": "jira:issue_updated", "issue": {"key": "SEC-1"}})),
        None,
    );
    assert_eq!(r.status, 401);
    let r = s.call_with(
        "POST",
        &format!("/api/actions/connector/{id}/_webhook?token=hook-secret-0123456789"),
        Some(
            json!({"webhookEvent": "jira:issue_updated", "issue": {"id": "10000", "key": "SEC-1"}}),
        ),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let d = s.get(&format!("/api/v1/detections/{det}")).body;
    assert_eq!(d["status"], "new");
    assert!(d["assignee"].is_null(), "{d}");
    let st = s.get(&format!("/api/actions/connector/{id}/_stats")).body;
    assert_eq!(st["created"], 1, "{st}");
    assert_eq!(st["automatic"], true);
    assert_eq!(st["queued"], 0);
}

#[test]
fn an_outage_and_a_restart_lose_no_incident_and_refusals_are_kept() {
    let mut s = Server::start();
    let fake = FakeItsm::start(USER, TOKEN);
    let id = snow_connector(&s, &fake);
    automatic(&s, &id);
    fake.stop();
    let mut dets = Vec::new();
    for i in 0..40 {
        dets.push(s.detection(det("port_scan", &format!("10.1.0.{i}"), "10.2.0.1")));
    }
    until(10, "retries during the outage", || {
        let st = s.get(&format!("/api/actions/connector/{id}/_stats")).body;
        (st["retried"].as_u64().unwrap_or(0) > 0 && st["queued"] == 40).then_some(())
    });
    let st = s.get(&format!("/api/actions/connector/{id}/_stats")).body;
    assert!(
        st["last_error"].as_str().unwrap().contains("connect"),
        "{st}"
    );
    // SIGKILL while the remote is down: the queue is on disk.
    s.kill();
    s.restart();
    fake.resume();
    until(60, "every detection's incident", || {
        let st = s.get(&format!("/api/actions/connector/{id}/_stats")).body;
        (st["queued"] == 0).then_some(())
    });
    let incidents = fake.snow_incidents();
    assert_eq!(
        incidents.len(),
        40,
        "one incident per detection, none twice"
    );
    for d in &dets {
        let d = s.get(&format!("/api/v1/detections/{d}")).body;
        let t = d["ticket_id"].as_str().unwrap();
        assert!(incidents.iter().any(|i| i["number"] == t), "{t}");
    }
    // A refusal is kept, visible and replayable.
    fake.fail_next(1, 400);
    let refused = s.detection(det("port_scan", "10.9.9.9", "10.2.0.1"));
    let failed = until(10, "the failed push", || {
        let f = s.get(&format!("/api/actions/connector/{id}/_failed")).body;
        (f.as_array().is_some_and(|a| !a.is_empty())).then_some(f)
    });
    assert_eq!(failed[0]["detection_id"], refused);
    assert!(
        failed[0]["error"].as_str().unwrap().contains("400"),
        "{failed}"
    );
    let r = s.post(
        &format!("/api/actions/connector/{id}/_failed/_replay"),
        json!({}),
    );
    assert_eq!(r.body["replayed"], 1, "{}", r.text);
    until(10, "the replayed push", || {
        let d = s.get(&format!("/api/v1/detections/{refused}")).body;
        d["ticket_id"].is_string().then_some(())
    });
    assert_eq!(fake.snow_incidents().len(), 41);
}

#[test]
fn webhooks_and_case_webhooks_send_templated_requests() {
    let s = Server::start();
    let rx = Receiver::start();
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "hook", "connector_type_id": ".webhook",
               "config": {"url": format!("http://{}/hook", rx.addr), "method": "put", "hasAuth": true,
                          "headers": {"X-Team": "soc"}},
               "secrets": {"user": "u", "password": "p"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let hook = r.body["id"].as_str().unwrap().to_string();
    let r = s.post(
        &format!("/api/actions/connector/{hook}/_execute"),
        json!({"params": {"body": "{\"hello\": 1}"}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    let seen = rx.wait_for(5, "the webhook", |seen| !seen.is_empty());
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(seen[0].path, "/hook");
    assert_eq!(seen[0].header("x-team"), Some("soc"));
    assert_eq!(seen[0].header("authorization"), Some("Basic dTpw"));
    assert_eq!(seen[0].json()["hello"], 1);

    // A case webhook driving the fake's Jira API through templates.
    let fake = FakeItsm::start(USER, TOKEN);
    let base = fake.url();
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "cases", "connector_type_id": ".cases-webhook", "config": {
            "createIncidentUrl": format!("{base}/rest/api/2/issue"),
            "createIncidentMethod": "post",
            "createIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}},\"description\":{{{case.description}}},\"labels\":{{{case.tags}}},\"project\":{\"key\":\"ROC\"},\"issuetype\":{\"name\":\"Task\"}}}",
            "createIncidentResponseKey": "id",
            "getIncidentUrl": format!("{base}/rest/api/2/issue/{{{{{{external.system.id}}}}}}"),
            "getIncidentResponseExternalTitleKey": "key",
            "viewIncidentUrl": format!("{base}/browse/{{{{{{external.system.title}}}}}}"),
            "updateIncidentUrl": format!("{base}/rest/api/2/issue/{{{{{{external.system.id}}}}}}"),
            "updateIncidentMethod": "put",
            "updateIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}}}}",
            "createCommentUrl": format!("{base}/rest/api/2/issue/{{{{{{external.system.id}}}}}}/comment"),
            "createCommentMethod": "post",
            "createCommentJson": "{\"body\":{{{case.comment}}}}",
            "hasAuth": true},
            "secrets": {"user": USER, "password": TOKEN}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let cases = r.body["id"].as_str().unwrap().to_string();
    let r = s.post(
        &format!("/api/actions/connector/{cases}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {
            "incident": {"title": "Quoted \"title\"", "description": "line1\nline2", "tags": ["a", "b"]},
            "comments": [{"commentId": "k1", "comment": "first"}]}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(r.body["data"]["title"], "ROC-1");
    assert_eq!(r.body["data"]["url"], format!("{base}/browse/ROC-1"));
    let issue = fake.jira_issue("ROC-1").unwrap();
    assert_eq!(issue["fields"]["summary"], "Quoted \"title\"");
    assert_eq!(issue["fields"]["description"], "line1\nline2");
    assert_eq!(issue["fields"]["comment"]["total"], 1);
    let ext = r.body["data"]["id"].as_str().unwrap().to_string();
    let r = s.post(
        &format!("/api/actions/connector/{cases}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {
            "incident": {"title": "Renamed", "externalId": ext}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(
        fake.jira_issue("ROC-1").unwrap()["fields"]["summary"],
        "Renamed"
    );
}
