//! The connectors API's document agrees with the handlers: its extension
//! marks, the examples and requirements of every type's `config` and
//! `secrets` as `wirewatch_model::connector` parses them (the schemas are
//! generated from those types), the `_execute` parameters as `parse_execute`
//! reads them, the answers as the handlers, `wirewatch_connectors` and the
//! store write them, the URL pattern against `check_url`, and its own
//! server, security and Kibana error bodies. (What the routes do is tested against
//! the app in `tests/routes/connectors.rs`.)

use super::actions_paths::{
    seed_answer, CONNECTOR_ID, ID_PATTERN, ON_CONNECTOR, WEBHOOK_TOKEN, WEBHOOK_TOKEN_HEADER,
};
use super::tests::{doc, operations_under, resolve, validate, validate_answer};
use crate::routes::actions::FAILED as EXECUTE_FAILED;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use wirewatch_connectors::{PushResult, PushedComment, RemoteIncident};
use wirewatch_model::connector::{
    parse_execute, parse_spec, update, Connector, ConnectorSpec, ConnectorType, SubAction,
    ISO_PATTERN, TEMPLATE_VARIABLES, URL_PATTERN,
};
use wirewatch_model::detection::Status;

/// The `_execute` parameter forms (`params`), with the connector type each example is for.
const PARAMS_SCHEMAS: [(&str, ConnectorType); 5] = [
    ("PushToServiceCaseParams", ConnectorType::ServiceNow),
    ("PushToServiceIncidentParams", ConnectorType::Jira),
    ("GetIncidentParams", ConnectorType::ServiceNow),
    ("CloseIncidentParams", ConnectorType::Jira),
    ("WebhookParams", ConnectorType::Webhook),
];

/// The component schema of each type's `config` and `secrets`, and of its create body.
pub(super) const TYPE_SCHEMAS: [(ConnectorType, &str, &str, &str); 4] = [
    (
        ConnectorType::Jira,
        "JiraConfig",
        "JiraSecrets",
        "JiraConnectorCreate",
    ),
    (
        ConnectorType::ServiceNow,
        "ServiceNowConfig",
        "ServiceNowSecrets",
        "ServiceNowConnectorCreate",
    ),
    (
        ConnectorType::Webhook,
        "WebhookConfig",
        "WebhookSecrets",
        "WebhookConnectorCreate",
    ),
    (
        ConnectorType::CasesWebhook,
        "CasesWebhookConfig",
        "WebhookSecrets",
        "CasesWebhookConnectorCreate",
    ),
];

/// The connectors API's operations of the document, by `(method, full path)`.
fn actions_operations(d: &Value) -> Vec<(String, String, Value)> {
    operations_under(d, "actions")
}

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("{v} is not an object"))
        .keys()
        .cloned()
        .collect()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn extensions_are_marked() {
    let d = doc();
    for (method, path, op) in actions_operations(&d) {
        let at = format!("{method} {path}");
        let text = op["description"].as_str().unwrap();
        // The extensions are the paths Kibana does not have: `_stats`, `_failed`, `_sync`, `_webhook`.
        let extension = path
            .split('/')
            .any(|seg| seg.starts_with('_') && seg != "_execute");
        assert_eq!(
            op[super::EXTENSION] == true,
            extension,
            "{at}: extension mark"
        );
        assert_eq!(
            text.starts_with(
                "**wirewatch extension**: this operation is not part of Kibana's actions API."
            ),
            extension,
            "{at}"
        );
    }
    // The legacy path answers in camelCase; it is Kibana's deprecated form.
    let legacy = &d["paths"]["/actions/action/{id}/_execute"]["post"];
    assert_eq!(legacy["deprecated"], true);
}

#[test]
fn the_server_security_and_errors_are_kibanas() {
    let d = doc();
    let schemes = &d["components"]["securitySchemes"];
    let query = &schemes[WEBHOOK_TOKEN];
    let header = &schemes[WEBHOOK_TOKEN_HEADER];
    assert_eq!(
        (&query["in"], &query["name"]),
        (&json!("query"), &json!("token"))
    );
    assert_eq!(header["in"], "header");
    assert_eq!(header["name"], "X-Wirewatch-Token");
    let mut n = 0;
    for (method, path, op) in actions_operations(&d) {
        n += 1;
        let item = &d["paths"][&path["/api".len()..]];
        assert_eq!(
            item["servers"],
            json!([{"url": "https://sensor.example.com/api",
                    "description": "The Kibana-style actions API (incident connectors), outside /api/v1."}]),
            "{path}"
        );
        let security = if path.ends_with("/_webhook") {
            json!([{"apiKey": []}, {(WEBHOOK_TOKEN): []}, {(WEBHOOK_TOKEN_HEADER): []}])
        } else {
            json!([{"apiKey": []}])
        };
        assert_eq!(op["security"], security, "{method} {path}");
        for (status, resp) in op["responses"].as_object().unwrap() {
            let resp = resp
                .get("$ref")
                .and_then(Value::as_str)
                .map_or(resp, |r| resolve(&d, r));
            let body = &resp["content"]["application/json"];
            let expected = match status.as_str() {
                "502" | "503" => "#/components/schemas/ConnectorWebhookFailure",
                s if s >= "400" => "#/components/schemas/ActionsError",
                _ => continue,
            };
            assert_eq!(body["schema"]["$ref"], expected, "{method} {path} {status}");
            // Every error example is in the shape `KError` writes.
            let e = &body["example"];
            if expected.ends_with("ActionsError") {
                assert_eq!(
                    e["statusCode"],
                    status.parse::<u16>().unwrap(),
                    "{path} {status}"
                );
                let reason =
                    axum::http::StatusCode::from_u16(e["statusCode"].as_u64().unwrap() as u16)
                        .unwrap()
                        .canonical_reason()
                        .unwrap();
                assert_eq!(e["error"], reason);
                if let Some(f) = e.get("field") {
                    let f = f.as_str().unwrap();
                    assert!(
                        e["message"]
                            .as_str()
                            .unwrap()
                            .starts_with(&format!("[request body.{f}]: {f}: ")),
                        "{path} {status}: {e}"
                    );
                }
            }
        }
    }
    assert!(n >= 14, "only {n} connector operations");
    // The create's answer links to every operation on one connector.
    let links = &d["paths"]["/actions/connector"]["post"]["responses"]["200"]["links"];
    let on_one: BTreeSet<String> = actions_operations(&d)
        .into_iter()
        .filter(|(_, path, op)| {
            path.contains("{id}") && op["operationId"] != "createConnectorWithId"
        })
        .map(|(_, _, op)| op["operationId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys(links), on_one);
    assert_eq!(on_one.len(), ON_CONNECTOR.len());
    for (name, link) in links.as_object().unwrap() {
        assert_eq!(link["operationId"], name.as_str());
        assert_eq!(link["parameters"], json!({"id": "$response.body#/id"}));
    }
    // `KError`'s body and header.
    let e = &d["components"]["schemas"]["ActionsError"];
    assert_eq!(
        keys(&e["properties"]),
        BTreeSet::from(["statusCode", "error", "message", "field"].map(String::from))
    );
    let unauthorized = &d["components"]["responses"]["ActionsUnauthorized"];
    assert_eq!(
        unauthorized["headers"]["WWW-Authenticate"]["schema"]["example"],
        "ApiKey"
    );
    // The webhook's failures: 503 when a retry may succeed, 502 otherwise.
    let op = &d["paths"]["/actions/connector/{id}/_webhook"]["post"]["responses"];
    assert_eq!(
        op["503"]["content"]["application/json"]["example"]["retry"],
        true
    );
    assert_eq!(
        op["502"]["content"]["application/json"]["example"]["retry"],
        false
    );
}

#[test]
fn config_and_secrets_schemas_are_the_models_requirements_and_defaults() {
    let d = doc();
    let s = &d["components"]["schemas"];
    for (kind, config, secrets, create) in TYPE_SCHEMAS {
        // (The properties are the types' own: the schemas are generated from them.)
        assert_eq!(s[secrets]["writeOnly"], true, "{secrets}");
        // `deny_unknown_fields`: the schemas say an unknown field is refused.
        for name in [config, secrets, create] {
            assert_eq!(s[name]["additionalProperties"], false, "{name}");
        }
        assert_eq!(
            s[secrets]["properties"]["webhookToken"][super::EXTENSION],
            true,
            "{secrets}.webhookToken"
        );
        // The create body: the type, its config and its write-only secrets.
        let variant = &s[create];
        assert_eq!(
            variant["properties"]["connector_type_id"]["enum"],
            json!([kind.as_str()])
        );
        assert_eq!(variant["properties"]["config"], schema(config));
        assert_eq!(variant["properties"]["secrets"], schema(secrets));
        assert_eq!(
            s["ConnectorCreate"]["discriminator"]["mapping"][kind.as_str()],
            format!("#/components/schemas/{create}")
        );
        assert_eq!(
            keys(&variant["properties"]),
            BTreeSet::from(["name", "connector_type_id", "config", "secrets"].map(String::from))
        );
        // The examples parse; every required field is required; a field the type does not have is refused.
        let ex_config = &s[config]["example"];
        let ex_secrets = &s[secrets]["example"];
        parse_spec(kind, ex_config.clone(), ex_secrets.clone())
            .unwrap_or_else(|e| panic!("{config}/{secrets} examples: {e:?}"));
        for (part, required, example) in [
            ("config", &s[config]["required"], ex_config),
            ("secrets", &s[secrets]["required"], ex_secrets),
        ] {
            for f in strings(required) {
                let mut less = example.clone();
                less.as_object_mut().unwrap().remove(&f);
                let (c, k) = if part == "config" {
                    (less, ex_secrets.clone())
                } else {
                    (ex_config.clone(), less)
                };
                let e = parse_spec(kind, c, k).expect_err(&format!("{part}.{f} is required"));
                assert_eq!(e.field.as_deref(), Some(format!("{part}.{f}").as_str()));
            }
            let mut more = example.clone();
            more["bogus"] = json!(1);
            let (c, k) = if part == "config" {
                (more, ex_secrets.clone())
            } else {
                (ex_config.clone(), more)
            };
            let e = parse_spec(kind, c, k).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(format!("{part}.bogus").as_str()));
        }
        // The documented defaults are the ones a minimal config gets.
        let mut minimal = Map::new();
        for f in strings(&s[config]["required"]) {
            minimal.insert(f.clone(), ex_config[&f].clone());
        }
        let spec = parse_spec(kind, Value::Object(minimal), ex_secrets.clone())
            .unwrap_or_else(|e| panic!("{config} minimal: {e:?}"));
        let c = Connector {
            id: "x".into(),
            name: "x".into(),
            spec,
        };
        let view = c.config_json();
        for (field, p) in s[config]["properties"].as_object().unwrap() {
            if let Some(default) = p.get("default") {
                assert_eq!(&view[field], default, "{config}.{field} default");
            }
        }
        // Every variable of the case webhook's templates is documented.
        if kind == ConnectorType::CasesWebhook {
            let text = s[config]["description"].as_str().unwrap();
            for v in TEMPLATE_VARIABLES {
                assert!(text.contains(&format!("`{{{{{{{v}}}}}}}`")), "{v}");
            }
        }
    }
    // `ConnectorCreate` offers every type, `Connector` answers every type.
    let types: Vec<Value> = ConnectorType::ALL
        .iter()
        .map(|t| json!(t.as_str()))
        .collect();
    assert_eq!(
        s["ConnectorCreate"]["oneOf"].as_array().unwrap().len(),
        types.len()
    );
    assert_eq!(
        s["Connector"]["properties"]["connector_type_id"]["enum"],
        json!(types)
    );
    assert_eq!(s["ConnectorType"]["properties"]["id"]["enum"], json!(types));
    let names = s["ConnectorType"]["properties"]["name"]["description"]
        .as_str()
        .unwrap();
    for t in ConnectorType::ALL {
        assert!(names.contains(&format!("`{}`", t.display_name())), "{t:?}");
    }
}

/// Every create body of the document: the operations' examples, and one per
/// type from the `config` and `secrets` examples.
fn create_bodies(d: &Value) -> Vec<Value> {
    let s = &d["components"]["schemas"];
    let mut out: Vec<Value> = ["/actions/connector", "/actions/connector/{id}"]
        .iter()
        .map(|p| {
            d["paths"][p]["post"]["requestBody"]["content"]["application/json"]["example"].clone()
        })
        .collect();
    for (kind, config, secrets, _) in TYPE_SCHEMAS {
        out.push(json!({"name": format!("{} SOC", kind.display_name()), "connector_type_id": kind.as_str(),
                        "config": s[config]["example"], "secrets": s[secrets]["example"]}));
    }
    out
}

#[test]
fn create_bodies_are_accepted_and_answered_without_secrets() {
    let d = doc();
    let connector_schema = schema("Connector");
    for body in create_bodies(&d) {
        actions_body("createConnector", &body).unwrap();
        // The body types of the document read it too.
        use crate::routes::actions as a;
        let typed = match body["connector_type_id"].as_str() {
            Some(".jira") => serde_json::from_value::<a::Jira>(body.clone()).map(drop),
            Some(".servicenow") => serde_json::from_value::<a::ServiceNow>(body.clone()).map(drop),
            Some(".webhook") => serde_json::from_value::<a::Webhook>(body.clone()).map(drop),
            _ => serde_json::from_value::<a::CasesWebhook>(body.clone()).map(drop),
        };
        typed.unwrap_or_else(|e| panic!("{body}: {e}"));
        validate(&d, &schema("ConnectorCreate"), &body, "create").unwrap();
        assert!(
            validate_answer(&d, &schema("ConnectorCreate"), &body, "create").is_err(),
            "secrets are write-only: {body}"
        );
        let kind = ConnectorType::parse(body["connector_type_id"].as_str().unwrap()).unwrap();
        let c = Connector {
            id: CONNECTOR_ID.into(),
            name: body["name"].as_str().unwrap().into(),
            spec: parse_spec(kind, body["config"].clone(), body["secrets"].clone()).unwrap(),
        };
        for view in [c.public_view(None), c.public_view(Some(3))] {
            validate_answer(&d, &connector_schema, &view, "connector").unwrap();
            assert!(view.get("secrets").is_none());
            let text = view.to_string();
            for (_, secret) in body["secrets"].as_object().unwrap() {
                assert!(!text.contains(secret.as_str().unwrap()), "{secret} shown");
            }
        }
        assert_eq!(
            keys(&c.public_view(Some(3))),
            keys(&d["components"]["schemas"]["Connector"]["properties"])
        );
    }
    // The `Connector` example and the create's answer are what the handler answers to the create's example.
    let post = &d["paths"]["/actions/connector"]["post"];
    let body = &post["requestBody"]["content"]["application/json"]["example"];
    let c = Connector {
        id: CONNECTOR_ID.into(),
        name: body["name"].as_str().unwrap().into(),
        spec: parse_spec(
            ConnectorType::Jira,
            body["config"].clone(),
            body["secrets"].clone(),
        )
        .unwrap(),
    };
    assert_eq!(
        c.public_view(None),
        d["components"]["schemas"]["Connector"]["example"]
    );
    assert_eq!(
        c.public_view(None),
        post["responses"]["200"]["content"]["application/json"]["example"]
    );
    // Each type's config example is the config as stored and shown.
    let s = &d["components"]["schemas"];
    for (kind, config, secrets, _) in TYPE_SCHEMAS {
        let c = Connector {
            id: "x".into(),
            name: "x".into(),
            spec: parse_spec(
                kind,
                s[config]["example"].clone(),
                s[secrets]["example"].clone(),
            )
            .unwrap(),
        };
        assert_eq!(c.config_json(), s[config]["example"], "{config}");
        assert!(!c.is_missing_secrets(), "{secrets}");
    }
    // The 400 example of the create is the model's answer to the example without `projectKey`.
    let mut bad = body.clone();
    bad["config"].as_object_mut().unwrap().remove("projectKey");
    let e = parse_spec(
        ConnectorType::Jira,
        bad["config"].clone(),
        bad["secrets"].clone(),
    )
    .unwrap_err();
    let answer = &post["responses"]["400"]["content"]["application/json"]["example"];
    assert_eq!(answer["field"].as_str(), e.field.as_deref());
    assert_eq!(
        answer["message"].as_str().unwrap(),
        format!("[request body.{}]: {}", e.field.unwrap(), e.message),
        "the message `KError` writes"
    );
}

#[test]
fn patterns_accept_what_the_model_accepts() {
    let url = Regex::new(URL_PATTERN).unwrap();
    for u in [
        "https://acme.atlassian.net",
        "http://10.0.0.1:8080/rest?x=1#f",
        "https://jira.example.com/a@b",
        "ftp://x",
        "https://",
        "https://user:pw@x",
        "https://x/a b",
        "http://x",
        "https:// x",
        "HTTPS://x",
        "https://x/\u{7}",
        "https://t\u{97}.example.com",
        "https://t\u{a0}x",
        "https://jira.example.com/é",
        // An empty user is still a user part; a port is a number up to 65535.
        "https://@x",
        "https://:@x/",
        "https://user@x/",
        "https://x:port/",
        "https://x:8443/",
        "https://x:/",
        "https://x:65535",
        "https://x:65536",
        "https://x:99999/",
        "https://x:1:2/",
        "https://[::1]:8443/x",
        "https://[::1/",
        "https://?q",
        "https:///x",
        "https://x\\y",
        "https://x?a@b",
        "https://x#a@b",
        "http://10.0.0.1",
        "https://x:0080/",
        "https://x:000080/",
        "https://a<b/",
        "https://a%41/",
        "https://a|b/",
        "https://a^b/",
        "https://x.example:443",
    ] {
        assert_eq!(
            url.is_match(u),
            wirewatch_model::connector::check_url("u", u).is_ok(),
            "{u}"
        );
    }
    let iso = Regex::new(ISO_PATTERN).unwrap();
    for t in [
        "2020-03-31T06:40:21.674Z",
        "2020-03-31T06:40:21Z",
        "2020-03-31 06:40:21",
        "2020-03-31T06:40:21+09:00",
        "2020-03-31T06:40:21-0330",
        "2020-03-31",
        "yesterday",
        "2020-03-31T06:40:21.Z",
        "2020-03-31T06:40",
    ] {
        assert_eq!(
            iso.is_match(t),
            wirewatch_model::time::parse_rfc3339(t).is_some(),
            "{t}"
        );
    }
    let id = Regex::new(ID_PATTERN).unwrap();
    let (long, longer) = ("x".repeat(128), "x".repeat(129));
    for (i, ok) in [
        ("soc-cases", true),
        ("a.b_c", true),
        ("", false),
        ("a/b", false),
        ("a b", false),
        (long.as_str(), true),
        (longer.as_str(), false),
    ] {
        assert_eq!(id.is_match(i), ok, "{i}");
    }
}

/// `_execute` bodies of the document, with the connector type each is for.
fn execute_bodies(d: &Value) -> Vec<(String, ConnectorType, Value)> {
    let s = &d["components"]["schemas"];
    let mut out: Vec<(String, ConnectorType, Value)> = PARAMS_SCHEMAS
        .iter()
        .map(|(name, kind)| {
            (
                name.to_string(),
                *kind,
                json!({"params": s[name]["example"]}),
            )
        })
        .collect();
    for (path, kind) in [
        ("/actions/connector/{id}/_execute", ConnectorType::Jira),
        ("/actions/action/{id}/_execute", ConnectorType::ServiceNow),
    ] {
        let example =
            &d["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"];
        out.push((path.to_string(), kind, example.clone()));
    }
    out
}

#[test]
fn execute_examples_are_what_parse_execute_reads() {
    let d = doc();
    let s = &d["components"]["schemas"];
    for (name, kind, body) in execute_bodies(&d) {
        validate(&d, &schema("ConnectorExecute"), &body, &name).unwrap();
        // The body type of the document reads it too.
        serde_json::from_value::<wirewatch_model::connector::params::ExecuteBody>(body.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let action = parse_execute(kind, &body).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let sub = body["params"]["subAction"].as_str();
        let fits = match (&action, sub) {
            (SubAction::PushToService(i), Some("pushToService")) => !i.title.is_empty(),
            (SubAction::GetIncident { .. }, Some("getIncident")) => true,
            (SubAction::CloseIncident { .. }, Some("closeIncident")) => true,
            (SubAction::Webhook { body }, None) => !body.is_empty(),
            _ => false,
        };
        assert!(fits, "{name}: {action:?}");
    }
    // The seed's body is the legacy operation's example, exactly.
    let seed = &d["paths"]["/actions/action/{id}/_execute"]["post"]["requestBody"]["content"]
        ["application/json"]["example"];
    assert_eq!(seed["params"], s["PushToServiceCaseParams"]["example"]);
    // The required parameters are the parser's.
    for (name, kind) in PARAMS_SCHEMAS {
        let sp = &s[name]["properties"]["subActionParams"];
        let Some(required) = sp.get("required") else {
            continue;
        };
        for f in strings(required) {
            let mut body = json!({"params": s[name]["example"]});
            body["params"]["subActionParams"]
                .as_object_mut()
                .unwrap()
                .remove(&f);
            if f == "incident" {
                assert!(parse_execute(kind, &body).is_err(), "{name}: {f}");
                continue;
            }
            let e = parse_execute(kind, &body).expect_err(&format!("{name}: {f} is required"));
            assert_eq!(
                e.field.as_deref(),
                Some(format!("params.subActionParams.{f}").as_str()),
                "{name}"
            );
        }
    }
    let e = parse_execute(ConnectorType::Jira, &json!({})).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("params"));
    // `.cases-webhook` connectors cannot close incidents, as documented.
    assert!(s["CasesWebhookConfig"]["description"]
        .as_str()
        .unwrap()
        .contains("`closeIncident` is not supported"));
}

/// `(ok, error, either)` schema names of the `_execute` answers; `legacy`
/// is `/actions/action/{id}/_execute`'s camelCase form.
fn execute_names(legacy: bool) -> (&'static str, &'static str, &'static str) {
    if legacy {
        (
            "ActionExecuteOk",
            "ActionExecuteError",
            "ActionExecuteResult",
        )
    } else {
        (
            "ConnectorExecuteOk",
            "ConnectorExecuteError",
            "ConnectorExecuteResult",
        )
    }
}

/// `(connector id key, service message key)` of the `_execute` answers.
fn execute_keys(legacy: bool) -> (&'static str, &'static str) {
    if legacy {
        ("actionId", "serviceMessage")
    } else {
        ("connector_id", "service_message")
    }
}

/// The `_execute` answer of `routes::actions`, as JSON.
fn answer(data: Result<Value, (String, bool)>, legacy: bool) -> Value {
    use crate::routes::actions::{ExecuteResult, LegacyExecuteResult};
    let c = Connector {
        id: CONNECTOR_ID.into(),
        name: "x".into(),
        spec: parse_spec(
            ConnectorType::Webhook,
            json!({"url": "https://x", "hasAuth": false}),
            Value::Null,
        )
        .unwrap(),
    };
    let r = data.map_err(|(message, retry)| wirewatch_connectors::ConnectorError {
        retry,
        ..wirewatch_connectors::ConnectorError::transient(message)
    });
    let v = if legacy {
        serde_json::to_value(LegacyExecuteResult::new(&c, r))
    } else {
        serde_json::to_value(ExecuteResult::new(&c, r))
    };
    let v = v.unwrap();
    // The keys of each form.
    let (id_key, sm_key) = execute_keys(legacy);
    assert_eq!(v[id_key], CONNECTOR_ID);
    assert!(v["status"] == "ok" || v[sm_key].is_string(), "{v}");
    v
}

#[test]
fn answers_are_what_the_handlers_and_connectors_write() {
    let d = doc();
    let s = &d["components"]["schemas"];
    assert_eq!(EXECUTE_FAILED, "an error occurred while running the action");
    // What the sub-actions answer.
    let pushed = PushResult {
        id: "10001".into(),
        title: "SEC-1".into(),
        url: "https://jira.example.com/browse/SEC-1".into(),
        pushed_date: 1_795_423_006_120,
        comments: vec![PushedComment {
            comment_id: "note-42-1".into(),
            pushed_date: 1_795_423_006_410,
        }],
        created: true,
        remote: None,
    }
    .to_json();
    validate_answer(&d, &schema("PushedIncident"), &pushed, "push").unwrap();
    assert_eq!(keys(&pushed), keys(&s["PushedIncident"]["example"]));
    let remote = |full: bool| {
        RemoteIncident {
            id: "62dc3c8bdb7300106ba884da0b9619ea".into(),
            title: "INC0010012".into(),
            url: "https://itsm.example.com/x".into(),
            state: wirewatch_store::RemoteState {
                raw_status: "2".into(),
                status: full.then_some(Status::InProgress),
                assignee: full.then(|| "Beth Anglin".into()),
            },
            created: full.then(|| "2020-03-31 09:01:33".into()),
            updated: None,
            summary: full.then(|| "s".into()),
        }
        .to_json()
    };
    for full in [true, false] {
        let v = remote(full);
        validate_answer(&d, &schema("RemoteIncident"), &v, "remote").unwrap();
        assert_eq!(keys(&v), keys(&s["RemoteIncident"]["properties"]));
    }
    // The `_execute` answers, in both forms, match exactly one alternative.
    for legacy in [false, true] {
        let (ok, error, any) = execute_names(legacy);
        for (data, which) in [
            (Ok(pushed.clone()), ok),
            (Ok(remote(true)), ok),
            (Ok(json!({"accepted": true})), ok),
            (Ok(Value::Null), ok),
            (Ok(json!("text")), ok),
            (Err(("[Action][Jira]: nope".to_string(), false)), error),
        ] {
            let v = answer(data, legacy);
            validate_answer(&d, &schema(which), &v, which).unwrap();
            validate_answer(&d, &schema(any), &v, any).unwrap();
            let other = if which == ok { error } else { ok };
            assert!(validate_answer(&d, &schema(other), &v, other).is_err());
        }
    }
    // The seed's answer is the legacy operation's example, exactly.
    let legacy = &d["paths"]["/actions/action/{id}/_execute"]["post"]["responses"]["200"]
        ["content"]["application/json"]["example"];
    assert_eq!(legacy, &seed_answer());
    assert_eq!(legacy["data"]["title"], "INC0010012");
    assert_eq!(legacy["actionId"], "61787f53-4eee-4741-8df6-8fe84fa616f7");
    // Statistics and failed pushes, as the store serializes them.
    for stats in [
        wirewatch_store::IncidentStats::default(),
        wirewatch_store::IncidentStats {
            last_error: Some("e".into()),
            last_error_time: Some(1),
            last_push_time: Some(2),
            ..Default::default()
        },
    ] {
        let mut v = serde_json::to_value(stats).unwrap();
        v["automatic"] = json!(false);
        validate_answer(&d, &schema("ConnectorStats"), &v, "stats").unwrap();
        assert_eq!(keys(&v), strings(&s["ConnectorStats"]["required"]));
    }
    let failed = serde_json::to_value(vec![wirewatch_store::FailedPush {
        id: 3,
        detection_id: 42,
        create_time: 1,
        failed_time: 2,
        attempts: 1,
        error: "e".into(),
    }])
    .unwrap();
    validate_answer(&d, &super::array(schema("FailedPush")), &failed, "failed").unwrap();
    assert_eq!(keys(&failed[0]), strings(&s["FailedPush"]["required"]));
    let limit = &d["paths"]["/actions/connector/{id}/_failed"]["get"]["parameters"][1];
    assert_eq!(
        (&limit["name"], &limit["schema"]["default"]),
        (&json!("limit"), &json!(100))
    );
    // The other extensions' answers.
    for (name, v) in [
        ("FailedPushesReplayed", json!({"replayed": 0})),
        ("ConnectorSyncResult", json!({"status": "ok", "changed": 0})),
        (
            "ConnectorSyncResult",
            json!({"status": "error", "message": EXECUTE_FAILED, "service_message": "m", "retry": true}),
        ),
        (
            "ConnectorWebhookResult",
            json!({"status": "ok", "incident": "SEC-1", "detections_changed": []}),
        ),
        (
            "ConnectorWebhookFailure",
            json!({"status": "error", "incident": "SEC-1", "message": EXECUTE_FAILED, "service_message": "m", "retry": false}),
        ),
    ] {
        validate_answer(&d, &schema(name), &v, name).unwrap();
    }
    // The webhook names its incident as `webhook_key` reads it.
    let event = &d["paths"]["/actions/connector/{id}/_webhook"]["post"];
    let text = s["ConnectorWebhookEvent"]["description"].as_str().unwrap();
    for (body, key) in [
        (json!({"issue": {"id": 10001, "key": "SEC-1"}}), "10001"),
        (json!({"issue": {"key": "SEC-1"}}), "SEC-1"),
        (json!({"sys_id": "abc"}), "abc"),
        (json!({"result": {"sys_id": "abc"}}), "abc"),
        (json!({"number": "INC0010012"}), "INC0010012"),
        (json!({"externalId": "SEC-2"}), "SEC-2"),
        (json!({"id": 7}), "7"),
    ] {
        assert_eq!(
            wirewatch_connectors::sync::webhook_key(&body).as_deref(),
            Some(key)
        );
        validate(&d, &schema("ConnectorWebhookEvent"), &body, "event").unwrap();
    }
    for f in [
        "`issue.id`",
        "`issue.key`",
        "`sys_id`",
        "`result.sys_id`",
        "`number`",
        "`externalId`",
        "`id`",
    ] {
        assert!(text.contains(f), "{f}");
    }
    assert!(wirewatch_connectors::sync::webhook_key(&json!({"issue": {}})).is_none());
    assert!(event["requestBody"]["required"] == true);
}

/// Request bodies of the connectors API: the handlers' checks, in order.
pub(super) fn actions_body(id: &str, e: &Value) -> Result<(), String> {
    let d = doc();
    let s = &d["components"]["schemas"];
    let fields = |allowed: &[&str]| -> Result<(), String> {
        let obj = e.as_object().ok_or("the body is not a JSON object")?;
        match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(format!("{k} is not a field of this request")),
            None => Ok(()),
        }
    };
    let model = |r: Result<(), wirewatch_model::Error>| {
        r.map_err(|e| format!("{:?}: {}", e.field, e.message))
    };
    match id {
        "createConnector" | "createConnectorWithId" => {
            fields(&["name", "connector_type_id", "config", "secrets"])?;
            let name = e["name"].as_str().ok_or("name is required")?;
            model(wirewatch_model::connector::check_name(name))?;
            let kind = e["connector_type_id"]
                .as_str()
                .and_then(ConnectorType::parse)
                .ok_or("connector_type_id")?;
            model(parse_spec(kind, e["config"].clone(), e["secrets"].clone()).map(drop))
        }
        "updateConnector" => {
            // The example renames the `.servicenow` connector of the component examples.
            fields(&["name", "config", "secrets"])?;
            // The body type of the document reads it too.
            serde_json::from_value::<crate::routes::actions::UpdateBody>(e.clone())
                .map_err(|e| format!("UpdateBody: {e}"))?;
            let old = Connector {
                id: CONNECTOR_ID.into(),
                name: "old".into(),
                spec: parse_spec(
                    ConnectorType::ServiceNow,
                    s["ServiceNowConfig"]["example"].clone(),
                    s["ServiceNowSecrets"]["example"].clone(),
                )
                .map_err(|e| e.message)?,
            };
            let name = e["name"].as_str().ok_or("name is required")?.to_string();
            let secrets = e.get("secrets").filter(|v| !v.is_null()).cloned();
            let new = update(&old, name, e["config"].clone(), secrets).map_err(|e| e.message)?;
            match (&old.spec, &new.spec) {
                (
                    ConnectorSpec::ServiceNow { secrets: a, .. },
                    ConnectorSpec::ServiceNow { secrets: b, .. },
                ) if e.get("secrets").is_none() && a != b => {
                    Err("the stored secrets were not kept".into())
                }
                _ => Ok(()),
            }
        }
        "executeConnector" | "executeConnectorLegacy" => {
            fields(&["params"])?;
            // The body type of the document reads it too.
            serde_json::from_value::<wirewatch_model::connector::params::ExecuteBody>(e.clone())
                .map_err(|e| format!("ExecuteBody: {e}"))?;
            let kind = if id == "executeConnector" {
                ConnectorType::Jira
            } else {
                ConnectorType::ServiceNow
            };
            model(parse_execute(kind, e).map(drop))
        }
        "replayConnectorFailedPushes" => {
            fields(&["ids"])?;
            serde_json::from_value::<crate::routes::actions::ReplayBody>(e.clone())
                .map_err(|e| format!("ReplayBody: {e}"))?;
            match e.get("ids") {
                None | Some(Value::Null) => Ok(()),
                Some(Value::Array(a)) if a.iter().all(Value::is_i64) => Ok(()),
                Some(ids) => Err(format!("ids: {ids} is not a list of ids")),
            }
        }
        "notifyConnectorWebhook" => {
            serde_json::from_value::<crate::routes::actions::WebhookEvent>(e.clone())
                .map_err(|e| format!("WebhookEvent: {e}"))
                .and_then(|_| {
                    wirewatch_connectors::sync::webhook_key(e)
                        .map(drop)
                        .ok_or_else(|| "the body names no incident".into())
                })
        }
        other => Err(format!(
            "no check is known for the body of {other}; add it to actions_body"
        )),
    }
}
