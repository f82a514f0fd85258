//! Exercises every route of the fakes (a local stateful fake of the Jira
//! Cloud REST API v2 and of the ServiceNow Table API) over real HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use wirewatch_testkit::FakeItsm;

const USER: &str = "bot@example.com";
const PASSWORD: &str = "token-123";

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Value,
}

struct Api {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
}

impl Api {
    fn new(fake: &FakeItsm) -> Api {
        Api::with_credentials(fake, Some((USER, PASSWORD)))
    }

    fn with_credentials(fake: &FakeItsm, credentials: Option<(&str, &str)>) -> Api {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let auth = credentials.map(|(u, p)| {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            format!("Basic {token}")
        });
        Api {
            agent,
            base: fake.url(),
            auth,
        }
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let url = format!("{}{path}", self.base);
        let auth = self.auth.clone().unwrap_or_default();
        let result = match (method, body) {
            ("GET", None) => {
                let mut req = self.agent.get(&url);
                if self.auth.is_some() {
                    req = req.header("Authorization", &auth);
                }
                req.call()
            }
            (m, Some(body)) => {
                let mut req = match m {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    "PATCH" => self.agent.patch(&url),
                    other => panic!("unsupported method {other}"),
                };
                if self.auth.is_some() {
                    req = req.header("Authorization", &auth);
                }
                req.send_json(body)
            }
            (m, None) => panic!("{m} needs a body in these tests"),
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.body_mut().read_to_string().expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(&body))
    }

    fn put(&self, path: &str, body: Value) -> Reply {
        self.send("PUT", path, Some(&body))
    }

    fn patch(&self, path: &str, body: Value) -> Reply {
        self.send("PATCH", path, Some(&body))
    }
}

fn create_jira(api: &Api, summary: &str) -> Reply {
    api.post(
        "/rest/api/2/issue",
        json!({"fields": {
            "project": {"key": "SEC"},
            "summary": summary,
            "description": "Beaconing to 203.0.113.9",
            "issuetype": {"name": "Incident"},
            "labels": ["wirewatch", "c2"],
            "priority": {"name": "High"},
        }}),
    )
}

// ---------------------------------------------------------------- Jira

#[test]
fn jira_create_get_update_comment_transition() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);

    let created = create_jira(&api, "C2 beaconing from 10.0.0.5");
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["key"], "SEC-1");
    assert_eq!(created.body["id"], "10000");
    assert_eq!(
        created.body["self"],
        format!("{}/rest/api/2/issue/10000", fake.url())
    );
    assert_eq!(create_jira(&api, "second").body["key"], "SEC-2");
    let other = api.post(
        "/rest/api/2/issue",
        json!({"fields": {"project": {"key": "OPS"}, "summary": "x", "issuetype": {"id": "10001"}}}),
    );
    assert_eq!(other.status, 201);
    assert_eq!(other.body["key"], "OPS-1");

    let issue = api.get("/rest/api/2/issue/SEC-1");
    assert_eq!(issue.status, 200);
    let f = &issue.body["fields"];
    assert_eq!(issue.body["key"], "SEC-1");
    assert_eq!(f["summary"], "C2 beaconing from 10.0.0.5");
    assert_eq!(f["description"], "Beaconing to 203.0.113.9");
    assert_eq!(f["labels"], json!(["wirewatch", "c2"]));
    assert_eq!(f["issuetype"]["id"], "10003");
    assert_eq!(f["issuetype"]["name"], "Incident");
    assert_eq!(f["priority"]["name"], "High");
    assert_eq!(f["project"]["key"], "SEC");
    assert_eq!(f["status"]["name"], "To Do");
    assert_eq!(f["status"]["statusCategory"]["key"], "new");
    assert_eq!(f["assignee"], Value::Null);
    assert_eq!(f["comment"]["total"], 0);
    let created_at = f["created"].as_str().unwrap();
    assert_eq!(created_at.len(), "2026-11-23T09:01:33.000+0000".len());
    assert!(created_at.ends_with("+0000") && created_at.as_bytes()[10] == b'T');
    // by id, and the `fields` filter
    let by_id = api.get("/rest/api/2/issue/10000?fields=summary,status");
    assert_eq!(by_id.body["key"], "SEC-1");
    let fields = by_id.body["fields"].as_object().unwrap();
    assert_eq!(fields.len(), 2);
    // the default priority
    assert_eq!(
        api.get("/rest/api/2/issue/OPS-1").body["fields"]["priority"]["name"],
        "Medium"
    );

    let edited = api.put(
        "/rest/api/2/issue/SEC-1",
        json!({"fields": {"summary": "renamed", "labels": ["a"], "priority": {"id": "5"}, "description": null}}),
    );
    assert_eq!(edited.status, 204, "{}", edited.body);
    let f = api.get("/rest/api/2/issue/SEC-1").body["fields"].clone();
    assert_eq!(f["summary"], "renamed");
    assert_eq!(f["labels"], json!(["a"]));
    assert_eq!(f["priority"]["name"], "Lowest");
    assert_eq!(f["description"], Value::Null);
    let edited = api.put(
        "/rest/api/2/issue/SEC-1",
        json!({"update": {"labels": [{"add": "b"}, {"remove": "a"}]}}),
    );
    assert_eq!(edited.status, 204);
    assert_eq!(
        api.get("/rest/api/2/issue/SEC-1").body["fields"]["labels"],
        json!(["b"])
    );

    let comment = api.post(
        "/rest/api/2/issue/SEC-1/comment",
        json!({"body": "Host isolated."}),
    );
    assert_eq!(comment.status, 201, "{}", comment.body);
    assert_eq!(comment.body["body"], "Host isolated.");
    assert_eq!(comment.body["author"]["emailAddress"], USER);
    assert!(comment.body["id"].as_str().is_some());
    assert!(comment.body["created"].as_str().is_some());
    let comments = api.get("/rest/api/2/issue/SEC-1/comment");
    assert_eq!(comments.body["total"], 1);
    let state = fake.jira_issue("SEC-1").unwrap();
    assert_eq!(state["fields"]["comment"]["total"], 1);
    assert_eq!(
        state["fields"]["comment"]["comments"][0]["body"],
        "Host isolated."
    );

    let transitions = api.get("/rest/api/2/issue/SEC-1/transitions");
    assert_eq!(transitions.status, 200);
    let list = transitions.body["transitions"].as_array().unwrap();
    let summary: Vec<(String, String)> = list
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["to"]["statusCategory"]["key"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("11", "new"), ("21", "indeterminate"), ("31", "done")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(list[2]["name"], "Done");
    assert_eq!(list[2]["to"]["name"], "Done");

    let done = api.post(
        "/rest/api/2/issue/SEC-1/transitions",
        json!({"transition": {"id": "31"}, "update": {"comment": [{"add": {"body": "Closing."}}]}}),
    );
    assert_eq!(done.status, 204, "{}", done.body);
    let f = api.get("/rest/api/2/issue/SEC-1").body["fields"].clone();
    assert_eq!(f["status"]["name"], "Done");
    assert_eq!(f["status"]["statusCategory"]["key"], "done");
    assert_eq!(f["resolution"]["name"], "Done");
    assert_eq!(f["comment"]["total"], 2);
    let bad = api.post(
        "/rest/api/2/issue/SEC-1/transitions",
        json!({"transition": {"id": "99"}}),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["errorMessages"].as_array().unwrap().len(), 1);
    let back = api.post(
        "/rest/api/2/issue/SEC-1/transitions",
        json!({"transition": {"id": 21}}),
    );
    assert_eq!(back.status, 204);
    assert_eq!(
        fake.jira_issue("SEC-1").unwrap()["fields"]["status"]["name"],
        "In Progress"
    );

    let meta = api.get("/rest/api/2/issue/createmeta/SEC/issuetypes");
    assert_eq!(meta.status, 200);
    assert_eq!(meta.body["total"], 3);
    assert_eq!(meta.body["isLast"], true);
    let names: Vec<&str> = meta.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Task", "Bug", "Incident"]);
    assert_eq!(meta.body["values"][0]["subtask"], false);
    assert_eq!(
        api.get("/rest/api/2/issue/createmeta/10000/issuetypes")
            .status,
        200
    );
    assert_eq!(
        api.get("/rest/api/2/issue/createmeta/99999/issuetypes")
            .status,
        404
    );

    let me = api.get("/rest/api/2/myself");
    assert_eq!(me.status, 200);
    assert_eq!(me.body["emailAddress"], USER);
    assert_eq!(me.body["active"], true);
    let account = me.body["accountId"].as_str().unwrap();
    let user = api.get(&format!("/rest/api/2/user?accountId={account}"));
    assert_eq!(user.body["emailAddress"], USER);

    assert_eq!(fake.jira_issues().len(), 3);
}

#[test]
fn jira_validation_and_not_found() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);
    let cases = [
        (
            json!({"fields": {"project": {"key": "SEC"}, "issuetype": {"name": "Task"}}}),
            "summary",
            "You must specify a summary of the issue.",
        ),
        (
            json!({"fields": {"summary": "x", "issuetype": {"name": "Task"}}}),
            "project",
            "",
        ),
        (
            json!({"fields": {"project": {"key": "SEC"}, "summary": "x"}}),
            "issuetype",
            "",
        ),
        (
            json!({"fields": {"project": {"key": "SEC"}, "summary": "x", "issuetype": {"name": "Epic"}}}),
            "issuetype",
            "",
        ),
        (
            json!({"fields": {"project": {"key": "SEC"}, "summary": "x", "issuetype": {"id": "10001"}, "labels": ["two words"]}}),
            "labels",
            "",
        ),
        (
            json!({"fields": {"project": {"key": "SEC"}, "summary": "y".repeat(256), "issuetype": {"id": "10001"}}}),
            "summary",
            "",
        ),
        (
            json!({"fields": {"project": {"key": "SEC"}, "summary": "x", "issuetype": {"id": "10001"}, "priority": {"name": "Urgent"}}}),
            "priority",
            "",
        ),
        (
            json!({"fields": {"project": {"key": "SEC"}, "summary": "x", "issuetype": {"id": "10001"}, "customfield_1": "v"}}),
            "customfield_1",
            "",
        ),
    ];
    for (body, field, message) in cases {
        let reply = api.post("/rest/api/2/issue", body.clone());
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.body["errorMessages"], json!([]));
        let got = reply.body["errors"][field].as_str();
        assert!(got.is_some(), "{body} -> {}", reply.body);
        if !message.is_empty() {
            assert_eq!(got, Some(message));
        }
    }
    assert!(fake.jira_issues().is_empty());
    let exactly_255 = api.post(
        "/rest/api/2/issue",
        json!({"fields": {"project": {"key": "SEC"}, "summary": "z".repeat(255), "issuetype": {"id": "10001"}}}),
    );
    assert_eq!(exactly_255.status, 201);

    let bad_edit = api.put(
        "/rest/api/2/issue/SEC-1",
        json!({"fields": {"summary": ""}}),
    );
    assert_eq!(bad_edit.status, 400);
    assert!(bad_edit.body["errors"]["summary"].is_string());
    let bad_comment = api.post("/rest/api/2/issue/SEC-1/comment", json!({"body": ""}));
    assert_eq!(bad_comment.status, 400);

    let missing = "Issue does not exist or you do not have permission to see it.";
    for reply in [
        api.get("/rest/api/2/issue/SEC-99"),
        api.put(
            "/rest/api/2/issue/SEC-99",
            json!({"fields": {"summary": "x"}}),
        ),
        api.post("/rest/api/2/issue/SEC-99/comment", json!({"body": "x"})),
        api.get("/rest/api/2/issue/SEC-99/transitions"),
        api.post(
            "/rest/api/2/issue/SEC-99/transitions",
            json!({"transition": {"id": "31"}}),
        ),
    ] {
        assert_eq!(reply.status, 404);
        assert_eq!(reply.body["errorMessages"], json!([missing]));
        assert_eq!(reply.body["errors"], json!({}));
    }
}

#[test]
fn jira_analyst_changes_show_through_the_api() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);
    create_jira(&api, "lateral movement");
    let before = fake.jira_issue("SEC-1").unwrap()["fields"]["updated"].clone();
    std::thread::sleep(Duration::from_millis(5));
    fake.jira_set("SEC-1", Some("In Progress"), Some(Some("Beth Anglin")));
    let f = api.get("/rest/api/2/issue/SEC-1").body["fields"].clone();
    assert_eq!(f["status"]["name"], "In Progress");
    assert_eq!(f["status"]["statusCategory"]["key"], "indeterminate");
    assert_eq!(f["assignee"]["displayName"], "Beth Anglin");
    assert_eq!(f["assignee"]["active"], true);
    assert!(f["assignee"]["accountId"].as_str().is_some());
    assert_ne!(f["updated"], before);
    let account = f["assignee"]["accountId"].as_str().unwrap();
    let user = api.get(&format!("/rest/api/2/user?accountId={account}"));
    assert_eq!(user.body["displayName"], "Beth Anglin");
    fake.jira_set("SEC-1", Some("Done"), Some(None));
    let f = api.get("/rest/api/2/issue/SEC-1").body["fields"].clone();
    assert_eq!(f["status"]["statusCategory"]["key"], "done");
    assert_eq!(f["assignee"], Value::Null);
}

// ---------------------------------------------------------------- auth

#[test]
fn auth_is_required_everywhere() {
    let fake = FakeItsm::start(USER, PASSWORD);
    for api in [
        Api::with_credentials(&fake, None),
        Api::with_credentials(&fake, Some((USER, "wrong"))),
    ] {
        let jira = api.get("/rest/api/2/myself");
        assert_eq!(jira.status, 401);
        assert_eq!(jira.body["errors"], json!({}));
        assert_eq!(jira.body["errorMessages"].as_array().unwrap().len(), 1);
        let created = create_jira(&api, "x");
        assert_eq!(created.status, 401);
        let snow = api.get("/api/now/v2/table/incident");
        assert_eq!(snow.status, 401);
        assert_eq!(
            snow.body,
            json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
        );
    }
    assert!(fake.jira_issues().is_empty());
    assert_eq!(fake.requests(), 6);
    assert_eq!(Api::new(&fake).get("/rest/api/2/myself").status, 200);
    assert_eq!(fake.requests(), 7);
}

// ---------------------------------------------------------------- ServiceNow

fn create_incident(api: &Api, correlation: &str) -> Reply {
    api.post(
        "/api/now/v2/table/incident",
        json!({
            "short_description": "C2 beaconing from 10.0.0.5",
            "description": "Detection 42",
            "urgency": "1",
            "impact": 2,
            "category": "security",
            "correlation_id": correlation,
            "correlation_display": "wirewatch",
            "work_notes": "Opened by wirewatch",
        }),
    )
}

#[test]
fn snow_create_get_display_values_fields() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);
    let created = create_incident(&api, "det-42");
    assert_eq!(created.status, 201, "{}", created.body);
    let rec = &created.body["result"];
    let sys_id = rec["sys_id"].as_str().unwrap().to_owned();
    assert_eq!(sys_id.len(), 32);
    assert!(sys_id
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(rec["number"], "INC0010001");
    assert_eq!(rec["state"], "1");
    assert_eq!(rec["urgency"], "1");
    assert_eq!(rec["impact"], "2");
    assert_eq!(rec["priority"], "2");
    assert_eq!(rec["correlation_id"], "det-42");
    assert_eq!(rec["assigned_to"], "");
    assert_eq!(rec["work_notes"], "");
    let created_on = rec["sys_created_on"].as_str().unwrap();
    assert_eq!(created_on.len(), "2026-11-23 09:01:33".len());
    assert_eq!(created_on.as_bytes()[10], b' ');
    assert!(rec["opened_at"].as_str().is_some());
    assert_eq!(
        create_incident(&api, "det-43").body["result"]["number"],
        "INC0010002"
    );

    let path = format!("/api/now/v2/table/incident/{sys_id}");
    let plain = api.get(&path);
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body["result"]["state"], "1");
    assert_eq!(
        plain.body["result"]["short_description"],
        "C2 beaconing from 10.0.0.5"
    );
    let v1 = api.get(&format!(
        "/api/now/table/incident/{sys_id}?sysparm_display_value=false"
    ));
    assert_eq!(v1.body, plain.body);

    fake.snow_set(&sys_id, Some("2"), Some(Some("Beth Anglin")));
    let plain = api.get(&path).body["result"].clone();
    let user_id = plain["assigned_to"]["value"].as_str().unwrap().to_owned();
    assert_eq!(
        plain["assigned_to"]["link"],
        format!("{}/api/now/v2/table/sys_user/{user_id}", fake.url())
    );
    assert_eq!(plain["state"], "2");

    let shown = api.get(&format!("{path}?sysparm_display_value=true")).body["result"].clone();
    assert_eq!(shown["state"], "In Progress");
    assert_eq!(shown["urgency"], "1 - High");
    assert_eq!(shown["assigned_to"]["display_value"], "Beth Anglin");
    assert!(shown["assigned_to"]["link"].as_str().is_some());
    assert!(shown["work_notes"]
        .as_str()
        .unwrap()
        .contains("Opened by wirewatch"));

    let all = api.get(&format!("{path}?sysparm_display_value=all")).body["result"].clone();
    assert_eq!(
        all["state"],
        json!({"display_value": "In Progress", "value": "2"})
    );
    assert_eq!(all["number"]["value"], "INC0010001");
    assert_eq!(all["assigned_to"]["display_value"], "Beth Anglin");
    assert_eq!(all["assigned_to"]["value"], user_id.as_str());
    assert!(all["assigned_to"]["link"].as_str().is_some());

    let some = api.get(&format!(
        "{path}?sysparm_fields=number,state,assigned_to&sysparm_display_value=true"
    ));
    let some = some.body["result"].as_object().unwrap().clone();
    assert_eq!(some.len(), 3);
    assert_eq!(some["state"], "In Progress");

    let user = api.get(&format!("/api/now/v2/table/sys_user/{user_id}"));
    assert_eq!(user.body["result"]["name"], "Beth Anglin");

    fake.snow_set(&sys_id, None, Some(None));
    assert_eq!(api.get(&path).body["result"]["assigned_to"], "");

    let missing = api.get("/api/now/v2/table/incident/0123456789abcdef0123456789abcdef");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        json!({"error": {"message": "No Record found", "detail": "Record doesn't exist or ACL restricts the record retrieval"}, "status": "failure"})
    );
    assert_eq!(
        api.patch(
            "/api/now/v2/table/incident/0123456789abcdef0123456789abcdef",
            json!({"state": "2"})
        )
        .status,
        404
    );
}

#[test]
fn snow_update_journal_policy_and_query() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);
    let sys_id = create_incident(&api, "det-1").body["result"]["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();
    create_incident(&api, "det-2");
    let path = format!("/api/now/v2/table/incident/{sys_id}");

    let patched = api.patch(
        &path,
        json!({"state": "2", "work_notes": "Analyst looking", "comments": "Customer visible", "assigned_to": "Fred Luddy"}),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["result"]["state"], "2");
    assert_eq!(patched.body["result"]["work_notes"], "");
    assert_eq!(patched.body["result"]["sys_mod_count"], "1");
    let put = api.put(&path, json!({"urgency": "3", "work_notes": "Second note"}));
    assert_eq!(put.status, 200);
    assert_eq!(put.body["result"]["priority"], "4");

    let state = fake.snow_incident(&sys_id).unwrap();
    let journal = state["_journal"].as_array().unwrap();
    let entries: Vec<(&str, &str)> = journal
        .iter()
        .map(|e| (e["element"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("work_notes", "Opened by wirewatch"),
            ("work_notes", "Analyst looking"),
            ("comments", "Customer visible"),
            ("work_notes", "Second note"),
        ]
    );
    assert!(journal[0]["created_on"].as_str().is_some());
    assert_eq!(state["work_notes"], "");
    assert!(state["assigned_to"]["value"].as_str().is_some());

    // closing needs close code and notes (data policy)
    let refused = api.patch(&path, json!({"state": "7"}));
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["status"], "failure");
    assert!(refused.body["error"]["detail"]
        .as_str()
        .unwrap()
        .contains("Data Policy Exception"));
    assert_eq!(fake.snow_incident(&sys_id).unwrap()["state"], "2");
    let closed = api.patch(
        &path,
        json!({"state": "7", "close_code": "Solved (Permanently)", "close_notes": "Reimaged"}),
    );
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["result"]["active"], "false");
    assert!(!closed.body["result"]["closed_at"]
        .as_str()
        .unwrap()
        .is_empty());
    let note_after_close = api.patch(&path, json!({"work_notes": "post-mortem"}));
    assert_eq!(note_after_close.status, 200);

    // validation
    let no_summary = api.post("/api/now/v2/table/incident", json!({"description": "x"}));
    assert_eq!(no_summary.status, 400);
    assert_eq!(no_summary.body["status"], "failure");
    assert!(no_summary.body["error"]["message"].is_string());
    let bad_state = api.patch(&path, json!({"state": "5"}));
    assert_eq!(bad_state.status, 400);

    // query by correlation id
    let found =
        api.get("/api/now/v2/table/incident?sysparm_query=correlation_id=det-2&sysparm_limit=1");
    assert_eq!(found.status, 200);
    let result = found.body["result"].as_array().unwrap();
    assert_eq!(result.len(), 1);
    assert_eq!(result[0]["correlation_id"], "det-2");
    let both =
        api.get("/api/now/table/incident?sysparm_query=correlation_display=wirewatch%5Estate=1");
    assert_eq!(both.body["result"].as_array().unwrap().len(), 1);
    let none = api.get("/api/now/v2/table/incident?sysparm_query=correlation_id=nope");
    assert_eq!(none.body["result"], json!([]));
    let all =
        api.get("/api/now/v2/table/incident?sysparm_query=ORDERBYDESCnumber&sysparm_fields=number");
    assert_eq!(
        all.body["result"],
        json!([{"number": "INC0010002"}, {"number": "INC0010001"}])
    );
    assert_eq!(all.headers["x-total-count"], "2");
    let unsupported = api.get("/api/now/v2/table/incident?sysparm_query=short_descriptionLIKEC2");
    assert_eq!(unsupported.status, 400);

    assert_eq!(fake.snow_incidents().len(), 2);
}

// ---------------------------------------------------------------- outages

#[test]
fn stop_drops_connections_and_resume_keeps_state() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);
    assert_eq!(create_jira(&api, "before the outage").status, 201);
    let sys_id = create_incident(&api, "det-9").body["result"]["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // a kept-alive connection, open when the outage starts
    let mut open = TcpStream::connect(("127.0.0.1", fake.port())).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    write!(
        open,
        "GET /rest/api/2/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 4096];
    let n = open.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    let port = fake.port();
    fake.stop();
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "connect must fail while stopped"
    );
    open.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    match open.read(&mut buf) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("open connection still served {n} bytes"),
    }
    fake.stop(); // idempotent

    fake.resume();
    assert_eq!(fake.port(), port);
    let api = Api::new(&fake);
    let issue = api.get("/rest/api/2/issue/SEC-1");
    assert_eq!(issue.status, 200);
    assert_eq!(issue.body["fields"]["summary"], "before the outage");
    assert_eq!(
        api.get(&format!("/api/now/v2/table/incident/{sys_id}"))
            .status,
        200
    );
    assert_eq!(create_jira(&api, "after").body["key"], "SEC-2");
}

#[test]
fn fail_next_answers_errors_then_recovers() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);

    fake.fail_next(2, 503);
    let jira = api.get("/rest/api/2/myself");
    assert_eq!(jira.status, 503);
    assert_eq!(jira.headers["retry-after"], "1");
    assert_eq!(jira.body["errors"], json!({}));
    assert_eq!(jira.body["errorMessages"].as_array().unwrap().len(), 1);
    let snow = create_incident(&api, "det-1");
    assert_eq!(snow.status, 503);
    assert_eq!(snow.headers["retry-after"], "1");
    assert_eq!(snow.body["status"], "failure");
    assert!(snow.body["error"]["message"].is_string());
    assert!(fake.snow_incidents().is_empty());
    assert_eq!(api.get("/rest/api/2/myself").status, 200);

    fake.fail_next(1, 429);
    let limited = create_jira(&api, "x");
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "1");
    assert!(fake.jira_issues().is_empty());

    fake.fail_next(1, 500);
    let broken = api.get("/api/now/v2/table/incident");
    assert_eq!(broken.status, 500);
    assert!(broken.headers.get("retry-after").is_none());
    assert_eq!(create_jira(&api, "x").status, 201);
    assert_eq!(fake.requests(), 6);
}

#[test]
fn unknown_routes_and_bad_json_get_product_errors() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let api = Api::new(&fake);
    let jira = api.get("/rest/api/2/nothing-here");
    assert_eq!(jira.status, 404);
    assert!(jira.body["errorMessages"].is_array());
    let snow = api.get("/api/now/v2/table/problem");
    assert_eq!(snow.status, 404);
    assert_eq!(snow.body["status"], "failure");

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    for (path, key) in [
        ("/rest/api/2/issue", "errorMessages"),
        ("/api/now/v2/table/incident", "error"),
    ] {
        let mut resp = agent
            .post(&format!("{}{path}", fake.url()))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send("{not json")
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        let body: Value = resp.body_mut().read_json().unwrap();
        assert!(body.get(key).is_some(), "{body}");
    }
}

/// Reads one HTTP/1.1 response (head and Content-Length body) from `stream`.
fn read_response(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).expect("response");
        assert!(
            n > 0,
            "connection closed; got {:?}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length: usize = text[..head_end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if data.len() >= head_end + 4 + length {
                return text;
            }
        }
    }
}

#[test]
fn early_answers_keep_the_connection_when_the_body_comes_late() {
    let fake = FakeItsm::start(USER, PASSWORD);
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let body = r#"{"short_description":"late body"}"#;
    let mut conn = TcpStream::connect(("127.0.0.1", fake.port())).unwrap();
    for (failure, expected) in [(false, "HTTP/1.1 401"), (true, "HTTP/1.1 503")] {
        if failure {
            fake.fail_next(1, 503);
        }
        let authorization = if failure {
            format!("Authorization: Basic {auth}\r\n")
        } else {
            String::new()
        };
        write!(
            conn,
            "POST /api/now/v2/table/incident HTTP/1.1\r\nHost: x\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        conn.write_all(body.as_bytes()).unwrap();
        let reply = read_response(&mut conn);
        assert!(reply.starts_with(expected), "{reply}");
    }
    write!(
        conn,
        "GET /rest/api/2/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n\r\n"
    )
    .unwrap();
    let reply = read_response(&mut conn);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(fake.snow_incidents().is_empty());
}

// ---------------------------------------------------------------- the binary

#[test]
fn binary_serves_on_the_given_port() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-itsm"))
        .args(["--port", "0", "--user", USER, "--password", PASSWORD])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("listening on 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    let status = agent
        .get(&format!("http://127.0.0.1:{port}/rest/api/2/myself"))
        .header("Authorization", &auth)
        .call()
        .map(|r| r.status().as_u16());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status.unwrap(), 200);
}

#[test]
fn usable_from_inside_an_async_runtime() {
    // As in a `#[tokio::test]`: starting, stopping and dropping the fake
    // must not panic inside another runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fake = FakeItsm::start(USER, PASSWORD);
        fake.stop();
        fake.resume();
        drop(fake);
    });
}
