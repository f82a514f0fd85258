//! Internal tickets (`/api/sonar/tickets`, the Logpresso Sonar model): made
//! from detections, merged, worked through the approval workflow, with the
//! ticket's state written back onto the detections.

use crate::common::{det, Client, Server};
use serde_json::{json, Value};

fn internal(s: &Server) {
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"internal_ticketing_enabled": true, "external_ticketing_enabled": false}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

/// A Sonar call with `Authorization: Bearer <key>`.
fn sonar(s: &Server, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let r = s.call_with_bearer(method, path, body, key);
    (r.status, r.body)
}

#[test]
fn detections_become_tickets_merged_by_type_and_offender() {
    let s = Server::start();
    internal(&s);
    let a = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    let b = s.detection(det("port_scan", "10.0.0.1", "10.0.0.3"));
    let c = s.detection(det("port_scan", "10.0.0.9", "10.0.0.2"));
    let da = s.get(&format!("/api/v1/detections/{a}")).body;
    let db = s.get(&format!("/api/v1/detections/{b}")).body;
    let dc = s.get(&format!("/api/v1/detections/{c}")).body;
    let guid = da["ticket_id"].as_str().unwrap().to_string();
    assert_eq!(db["ticket_id"], guid, "same type and offender: merged");
    assert_ne!(dc["ticket_id"], guid);
    assert_eq!(da["status"], "acknowledged");
    let (st, body) = sonar(
        &s,
        &s.key,
        "GET",
        &format!("/api/sonar/tickets/{guid}"),
        None,
    );
    assert_eq!(st, 200);
    let t = &body["ticket"];
    assert_eq!(t["guid"], guid);
    assert_eq!(t["count"], 2);
    assert_eq!(t["status"], "NEW");
    assert_eq!(t["format"], "JSON");
    assert_eq!(t["rule_type"], "STREAM");
    assert_eq!(t["repo_name"], "Threat");
    assert!(t["title"].as_str().unwrap().ends_with(": 10.0.0.1"), "{t}");
    assert_eq!(t["risk_score"], da["risk_score"]);
    let content: Value = serde_json::from_str(t["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["id"], a);
    let mt = &t["mitre_techniques"][0];
    assert!(mt["mitre_id"].as_str().unwrap().starts_with('T'), "{t}");
    assert!(
        mt["tactics"][0]["mitre_id"]
            .as_str()
            .unwrap()
            .starts_with("TA"),
        "{t}"
    );
    assert!(mt["display_name"].as_str().unwrap().contains(": "), "{mt}");
    // yyyy-MM-dd HH:mm:ssZ
    let created = t["created"].as_str().unwrap();
    assert_eq!(created.len(), 24, "{created}");
    assert!(created.as_bytes()[19] == b'+' || created.as_bytes()[19] == b'-');
    for f in [
        "id",
        "repo_guid",
        "priority",
        "rule_guid",
        "rule_name",
        "attack",
        "incident",
        "assignees",
        "approvers",
        "attachments",
        "updated",
        "closed",
        "x_login",
        "x_user",
        "x_dept",
        "comments",
    ] {
        assert!(t.get(f).is_some(), "missing {f}: {t}");
    }
    // The seed's error forms.
    let (st, body) = sonar(
        &s,
        &s.key,
        "GET",
        "/api/sonar/tickets/49272877-75f2-4c2f-9301-d21c4f9a106d",
        None,
    );
    assert_eq!((st, body), (200, json!({"ticket": null})));
    let (st, body) = sonar(&s, &s.key, "GET", "/api/sonar/tickets/not-a-guid", None);
    assert_eq!(
        (st, body),
        (
            400,
            json!({"error_code": "invalid-param-type", "error_msg": "guid should be guid type."})
        )
    );
    let (st, body) = sonar(
        &s,
        "wrong",
        "GET",
        &format!("/api/sonar/tickets/{guid}"),
        None,
    );
    assert_eq!(st, 401);
    assert_eq!(body["error_code"], "unauthorized");
}

#[test]
fn the_workflow_runs_through_the_api_and_the_detections_follow() {
    let s = Server::start();
    internal(&s);
    let analyst = s.user_key("alice", json!({"write": "limited", "ndr": "full"}));
    let lead = s.user_key("bob", json!({"write": "limited", "ndr": "full"}));
    let id = s.detection(det("ssh_brute_force", "10.0.0.5", "10.0.0.2"));
    let guid = s.get(&format!("/api/v1/detections/{id}")).body["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = |p: &str| format!("/api/sonar/tickets/{guid}{p}");
    let detection = || s.get(&format!("/api/v1/detections/{id}")).body;
    // A MEMBER cannot assign.
    let (st, body) = sonar(
        &s,
        &analyst,
        "POST",
        &t("/assign"),
        Some(json!({"assignees": ["alice"]})),
    );
    assert_eq!(
        (st, body["error_code"].as_str()),
        (403, Some("no-permission"))
    );
    let (st, body) = sonar(
        &s,
        &s.key,
        "POST",
        &t("/assign"),
        Some(json!({"assignees": ["alice"]})),
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["ticket"]["status"], "ASSIGNED");
    assert_eq!(body["ticket"]["assignees"][0]["task_type"], "ASSIGNEE");
    assert_eq!(detection()["assignee"], "alice");
    let (st, _) = sonar(
        &s,
        &s.key,
        "POST",
        &t("/assign"),
        Some(json!({"assignees": ["nobody"]})),
    );
    assert_eq!(st, 400);
    // Work starts.
    let (st, body) = sonar(
        &s,
        &analyst,
        "POST",
        &t("/tasks"),
        Some(json!({"task_status": "IN_PROGRESS"})),
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["ticket"]["status"], "IN_PROGRESS");
    assert_eq!(detection()["status"], "in_progress");
    // Submitting needs approvers and every task closed.
    let (st, body) = sonar(&s, &analyst, "POST", &t("/submit"), None);
    assert_eq!(
        (st, body["error_code"].as_str()),
        (400, Some("invalid-state"))
    );
    assert!(body["error_msg"].as_str().unwrap().contains("approvers"));
    sonar(
        &s,
        &s.key,
        "POST",
        &t("/assign"),
        Some(json!({"approvers": ["bob"]})),
    );
    let (st, body) = sonar(&s, &analyst, "POST", &t("/submit"), None);
    assert_eq!(st, 400);
    assert!(
        body["error_msg"].as_str().unwrap().contains("alice"),
        "{body}"
    );
    sonar(
        &s,
        &analyst,
        "POST",
        &t("/tasks"),
        Some(json!({"task_status": "CLOSED"})),
    );
    let (st, body) = sonar(&s, &analyst, "POST", &t("/submit"), None);
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["ticket"]["status"], "SUBMITTED");
    // Only the named approver decides.
    let (st, _) = sonar(&s, &analyst, "POST", &t("/approve"), None);
    assert_eq!(st, 400);
    let (st, body) = sonar(
        &s,
        &lead,
        "POST",
        &t("/reject"),
        Some(json!({"comment": "block the source first"})),
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["ticket"]["status"], "REJECTED");
    assert_eq!(
        body["ticket"]["comments"][0]["content"],
        "block the source first"
    );
    sonar(
        &s,
        &analyst,
        "POST",
        &t("/tasks"),
        Some(json!({"task_status": "CLOSED"})),
    );
    sonar(&s, &analyst, "POST", &t("/submit"), None);
    let (st, body) = sonar(&s, &lead, "POST", &t("/approve"), None);
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["ticket"]["status"], "APPROVED");
    assert_eq!(body["ticket"]["approvers"][0]["task_status"], "APPROVED");
    assert_eq!(detection()["status"], "closed");
    let (st, body) = sonar(&s, &s.key, "POST", &t("/close"), None);
    assert_eq!(st, 200);
    assert!(body["ticket"]["closed"].is_string());
    // A new detection of the same kind now opens a new ticket.
    let again = s.detection(det("ssh_brute_force", "10.0.0.5", "10.0.0.2"));
    assert_ne!(
        s.get(&format!("/api/v1/detections/{again}")).body["ticket_id"],
        guid
    );
    let (st, body) = sonar(&s, &s.key, "POST", &t("/reopen"), None);
    assert_eq!(st, 200);
    assert_eq!(body["ticket"]["status"], "ASSIGNED");
    assert_eq!(detection()["status"], "acknowledged");
    // A deleted account stays visible through x_login / x_user.
    assert_eq!(s.call("DELETE", "/api/v1/users/alice", None).status, 204);
    let (_, body) = sonar(&s, &s.key, "GET", &t(""), None);
    assert_eq!(body["ticket"]["assignees"][0]["x_login"], "alice");
    assert_eq!(body["ticket"]["approvers"][0]["x_login"], Value::Null);
}

#[test]
fn listing_filters_sorts_and_pages() {
    let s = Server::start();
    internal(&s);
    for i in 0..12 {
        s.detection(det(
            if i % 3 == 0 {
                "ssh_brute_force"
            } else {
                "port_scan"
            },
            &format!("10.0.1.{i}"),
            "10.0.0.2",
        ));
    }
    let alice = s.user_key("alice", json!({"write": "limited", "ndr": "full"}));
    let list = |q: &str| sonar(&s, &alice, "GET", &format!("/api/sonar/tickets{q}"), None);
    let (st, all) = list("");
    assert_eq!(st, 200);
    assert_eq!(all["total"], 12);
    let (_, page) = list("?limit=5&offset=10");
    assert_eq!(page["tickets"].as_array().unwrap().len(), 2);
    let (_, ssh) = list("?keywords=ssh%2010.0.1.3");
    assert_eq!(ssh["total"], 1, "{ssh}");
    let first = all["tickets"][0]["guid"].as_str().unwrap().to_string();
    sonar(
        &s,
        &s.key,
        "POST",
        &format!("/api/sonar/tickets/{first}/assign"),
        Some(json!({"assignees": ["alice"]})),
    );
    let (_, mine) = list("?assignees=alice");
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["tickets"][0]["guid"], first);
    let (_, assigned) = list("?statuses=ASSIGNED");
    assert_eq!(assigned["total"], 1);
    let (_, new) = list("?statuses=NEW&order_by=id&order=asc");
    assert_eq!(new["total"], 11);
    let ids: Vec<u64> = new["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let (_, future) = list("?from=2999-01-01%2000:00:00");
    assert_eq!(future["total"], 0);
    let (_, low) = list("?priorities=LOW,MEDIUM,HIGH");
    assert_eq!(low["total"], 12);
    let (st, body) = list("?limit=1001");
    assert_eq!(
        (st, body["error_code"].as_str()),
        (400, Some("invalid-param"))
    );
    let (st, _) = list("?statuses=DONE");
    assert_eq!(st, 400);
    // Viewing needs MEMBER: a metrics-only key is refused.
    let viewer = s.user_key("viewer", json!({"metrics": "full"}));
    let (st, body) = sonar(&s, &viewer, "GET", "/api/sonar/tickets", None);
    assert_eq!(
        (st, body["error_code"].as_str()),
        (403, Some("no-permission"))
    );
}

#[test]
fn comments_and_attachments() {
    let s = Server::start();
    let alice = s.user_key("alice", json!({"write": "limited", "ndr": "full"}));
    let (st, body) = sonar(
        &s,
        &s.key,
        "POST",
        "/api/sonar/tickets",
        Some(
            json!({"title": "Phishing report", "priority": "HIGH", "content": "user forwarded a mail"}),
        ),
    );
    assert_eq!(st, 200, "{body}");
    let guid = body["ticket"]["guid"].as_str().unwrap().to_string();
    assert_eq!(body["ticket"]["format"], "MARKDOWN");
    let (st, body) = sonar(
        &s,
        &alice,
        "POST",
        &format!("/api/sonar/tickets/{guid}/comments"),
        Some(json!({"content": "* Blocked the IP address in firewall.", "format": "MARKDOWN"})),
    );
    assert_eq!(st, 200, "{body}");
    let c = &body["ticket"]["comments"][0];
    assert_eq!(
        (
            c["type"].as_str(),
            c["format"].as_str(),
            c["user_name"].as_str()
        ),
        (Some("TEXT"), Some("MARKDOWN"), Some("alice"))
    );
    let cguid = c["guid"].as_str().unwrap().to_string();
    let (st, _) = sonar(
        &s,
        &alice,
        "PATCH",
        &format!("/api/sonar/tickets/{guid}/comments/{cguid}"),
        Some(json!({"content": "blocked", "format": "PLAIN"})),
    );
    assert_eq!(st, 200);
    let (st, _) = sonar(
        &s,
        &alice,
        "POST",
        &format!("/api/sonar/tickets/{guid}/comments"),
        Some(json!({"content": "x", "format": "HTML"})),
    );
    assert_eq!(st, 400);
    // Attachments: the body is the file.
    let png: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let r = s.raw_bytes(
        "POST",
        &format!("/api/sonar/tickets/{guid}/attachments?file_name=shot.png"),
        &png,
        "image/png",
        &alice,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let a = &r.body["attachment"];
    assert_eq!(
        (
            a["file_name"].as_str(),
            a["file_size"].as_u64(),
            a["ticket_guid"].as_str()
        ),
        (Some("shot.png"), Some(50_000), Some(guid.as_str()))
    );
    let aguid = a["guid"].as_str().unwrap().to_string();
    let got = s.download(
        &format!("/api/sonar/tickets/{guid}/attachments/{aguid}"),
        &alice,
    );
    assert_eq!(got, png);
    let (_, list) = sonar(
        &s,
        &alice,
        "GET",
        &format!("/api/sonar/tickets/{guid}/attachments"),
        None,
    );
    assert_eq!(list["attachments"].as_array().unwrap().len(), 1);
    // Just over the attachment limit but under the request-body limit: the
    // server reads it all and answers (a larger body is refused before it is
    // read, which a client still writing sees as a reset connection).
    let big = vec![0u8; 8 * 1024 * 1024 - 512];
    let r = s.raw_bytes(
        "POST",
        &format!("/api/sonar/tickets/{guid}/attachments?file_name=big.bin"),
        &big,
        "application/octet-stream",
        &alice,
    );
    assert_eq!(r.status, 413, "{}", r.text);
    assert_eq!(r.body["error_code"], "too-large");
    // A control character in a file name is refused (it could not be sent
    // back in Content-Disposition); another member cannot delete alice's file.
    let r = s.raw_bytes(
        "POST",
        &format!("/api/sonar/tickets/{guid}/attachments?file_name=a%01b.txt"),
        b"x",
        "text/plain",
        &alice,
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let bob = s.user_key("bob", json!({"write": "limited", "ndr": "full"}));
    let (st, body) = sonar(
        &s,
        &bob,
        "DELETE",
        &format!("/api/sonar/tickets/{guid}/attachments/{aguid}"),
        None,
    );
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["error_code"], "no-permission");
    // A time with a multi-byte character where the offset goes: a 400, not a crash.
    let (st, body) = sonar(
        &s,
        &alice,
        "GET",
        "/api/sonar/tickets?from=2022-09-14%2017:34:19%2B1%C3%A92",
        None,
    );
    assert_eq!(st, 400, "{body}");
    let (st, _) = sonar(
        &s,
        &alice,
        "DELETE",
        &format!("/api/sonar/tickets/{guid}/attachments/{aguid}"),
        None,
    );
    assert_eq!(st, 200);
    let (st, body) = sonar(
        &s,
        &alice,
        "DELETE",
        &format!("/api/sonar/tickets/{guid}"),
        None,
    );
    assert_eq!(
        (st, body["error_code"].as_str()),
        (403, Some("no-permission"))
    );
    let (st, _) = sonar(
        &s,
        &s.key,
        "DELETE",
        &format!("/api/sonar/tickets/{guid}"),
        None,
    );
    assert_eq!(st, 200);
    let (_, body) = sonar(
        &s,
        &s.key,
        "GET",
        &format!("/api/sonar/tickets/{guid}"),
        None,
    );
    assert_eq!(body, json!({"ticket": null}));
}
