//! The administration resources through the API: the running configuration
//! (validated as a whole, nothing applied on error), access settings (API
//! key generation policy, CORS), jobs, support packs (made, downloaded,
//! unpacked; uploaded and applied), licence and cloud.

use crate::common::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use std::io::Read;

fn running(s: &App) -> Value {
    let r = s.get("/api/v1/runningconfig");
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn put(s: &App, doc: &Value) -> Resp {
    s.call("PUT", "/api/v1/runningconfig", Some(doc.clone()))
}

#[test]
fn running_config_sections_round_trip_and_saved_copy() {
    let s = App::start();
    let doc = running(&s);
    for k in [
        "ticketing",
        "access",
        "retention",
        "smtp",
        "ods",
        "capture",
        "detectors",
    ] {
        assert!(doc.get(k).is_some(), "{k} missing from {doc}");
    }
    assert_eq!(doc["access"]["apikey_generation"], "all");
    assert_eq!(doc["retention"]["records_max_age_ms"], 30 * 86_400_000i64);
    let r = s.get("/api/v1/runningconfig?section=access");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, doc["access"]);
    let r = s.get("/api/v1/runningconfig?section=nope");
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("section")));

    // What GET writes, PUT takes back.
    let r = put(&s, &doc);
    assert_eq!(r.status, 204, "{}", r.text);
    // Nothing saved yet.
    let r = s.get("/api/v1/runningconfig/saved");
    assert_eq!(r.status, 404, "{}", r.text);
    let r = s.call("POST", "/api/v1/runningconfig/save", None);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(s.get("/api/v1/runningconfig/saved").body, doc);

    // A change is in effect at once (ticketing is the same setting as
    // /extrahop/ticketing), and the saved copy stays as it was.
    let mut changed = doc.clone();
    changed["ticketing"] = json!({"enabled": true, "external_ticketing_enabled": true,
        "internal_ticketing_enabled": false, "url_template": "https://t.example.com/$ticket_id", "connector_id": null});
    changed["retention"]["records_max"] = json!(1000);
    let r = put(&s, &changed);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(running(&s), changed);
    let t = s.get("/api/v1/extrahop/ticketing").body;
    assert_eq!(t["url_template"], "https://t.example.com/$ticket_id");
    assert_eq!(s.get("/api/v1/runningconfig/saved").body, doc);
    // Restoring the saved copy.
    let r = put(&s, &doc);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(running(&s), doc);

    let log = s.get("/api/v1/auditlog").body;
    let ops: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["body"]["operation"].as_str())
        .collect();
    assert!(ops.contains(&"replace running configuration"), "{ops:?}");
    assert!(ops.contains(&"save running configuration"), "{ops:?}");
}

#[test]
fn a_bad_config_is_refused_naming_the_field_and_nothing_is_applied() {
    let s = App::start();
    let before = running(&s);
    let good_ticketing = json!({"enabled": true, "external_ticketing_enabled": true,
        "internal_ticketing_enabled": false, "url_template": "https://t.example.com/$ticket_id", "connector_id": null});
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = before.clone();
        // Every bad document also carries a good change: it must not apply.
        d["ticketing"] = good_ticketing.clone();
        d["access"]["apikey_generation"] = json!("none");
        f(&mut d);
        d
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&|d| {
                d["access"]["cors"]["allowed_origins"] =
                    json!(["https://soar.example.com", "https://soar.example.com/app"])
            }),
            "/access/cors/allowed_origins/1",
        ),
        (
            with(&|d| d["retention"]["records_max"] = json!(0)),
            "/retention/records_max",
        ),
        (
            with(&|d| d["retention"]["records_max"] = json!("many")),
            "/retention/records_max",
        ),
        (
            with(&|d| d["retention"]["records_max_age_ms"] = json!(10)),
            "/retention/records_max_age_ms",
        ),
        (
            with(&|d| d["access"]["apikey_generation"] = json!("some")),
            "/access/apikey_generation",
        ),
        (
            with(&|d| d["ticketing"]["url_template"] = json!("https://t.example.com/")),
            "/ticketing/url_template",
        ),
        (
            with(&|d| d["ticketing"]["connector_id"] = json!("no-such-connector")),
            "/ticketing/connector_id",
        ),
        (
            with(&|d| {
                d.as_object_mut().unwrap().remove("retention");
            }),
            "/retention",
        ),
        (with(&|d| d["firewall"] = json!({})), "/firewall"),
        // No detectors run in this process (no traffic analysed).
        (
            with(&|d| d["detectors"] = json!({"scan_ports": 3})),
            "/detectors",
        ),
        (
            with(&|d| d["capture"]["interfaces"] = json!(["eth9"])),
            "/capture/interfaces",
        ),
        (
            with(&|d| {
                d.as_object_mut().unwrap().remove("smtp");
            }),
            "/smtp",
        ),
        (
            with(&|d| {
                d["smtp"] =
                    json!({"host": "mail.example.com", "from": "a@example.com", "password": "p"})
            }),
            "/smtp/username",
        ),
        (
            with(&|d| {
                d["smtp"] =
                    json!({"host": "mail.example.com", "from": "a@example.com", "username": "u"})
            }),
            "/smtp/password",
        ),
        (
            with(&|d| d["smtp"] = json!({"host": "mail.example.com", "from": "nobody"})),
            "/smtp/from",
        ),
        (
            with(&|d| {
                d["smtp"] = json!({"host": "mail.example.com", "port": 0, "from": "a@example.com"})
            }),
            "/smtp/port",
        ),
        (
            with(&|d| {
                d["smtp"] =
                    json!({"host": "mail.example.com", "from": "a@example.com", "security": "ssl"})
            }),
            "/smtp/security",
        ),
        (with(&|d| d["smtp"]["relay"] = json!(true)), "/smtp/relay"),
        (
            with(&|d| d["ods"]["queue_limit"] = json!(0)),
            "/ods/queue_limit",
        ),
        (
            with(&|d| d["ods"]["max_age_ms"] = json!(10)),
            "/ods/max_age_ms",
        ),
        (
            with(&|d| d["access"]["metadata_fetch"]["allow_ftp"] = json!(true)),
            "/access/metadata_fetch/allow_ftp",
        ),
        (
            with(&|d| d["access"]["cors"]["extra"] = json!(1)),
            "/access/cors/extra",
        ),
    ];
    for (doc, field) in cases {
        let r = put(&s, &doc);
        assert_eq!(r.status, 400, "{field}: {}", r.text);
        assert_eq!(r.body["field"].as_str(), Some(field), "{}", r.text);
        assert_eq!(running(&s), before, "{field}: something was applied");
    }
    // Not an object at all.
    let r = s.call("PUT", "/api/v1/runningconfig", Some(json!(["x"])));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(running(&s), before);
    // Key generation is still allowed: the refused "none" did not apply.
    let r = s.post("/api/v1/apikeys", json!({"password": PASSWORD}));
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn the_smtp_password_is_write_only_kept_sealed_and_never_shown() {
    let s = App::start();
    let password = "smtp-pw-4b7e01d93a";
    let mut doc = running(&s);
    assert_eq!(
        doc["smtp"],
        json!({"host": null, "port": null, "security": "starttls", "from": "wirewatch@localhost",
               "username": null, "password_set": false})
    );
    assert_eq!(
        doc["ods"],
        json!({"queue_limit": 1_000_000, "max_age_ms": 7 * 86_400_000i64})
    );
    assert_eq!(doc["capture"], json!({"interfaces": []}));
    doc["smtp"] = json!({"host": "mail.example.com", "port": 2525, "security": "starttls",
        "from": "Sensor <sensor@example.com>", "username": "sensor", "password": password});
    let r = put(&s, &doc);
    assert_eq!(r.status, 204, "{}", r.text);
    let got = running(&s);
    assert_eq!(got["smtp"]["password_set"], true, "{got}");
    assert_eq!(got["smtp"]["username"], "sensor");
    assert!(got["smtp"].get("password").is_none(), "{got}");
    // What GET writes, PUT takes back: the password is kept.
    let r = put(&s, &got);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(running(&s), got);
    let r = s.call("POST", "/api/v1/runningconfig/save", None);
    assert_eq!(r.status, 204, "{}", r.text);
    // Nowhere in answers, the audit log or the store's files.
    let texts = [
        s.get("/api/v1/runningconfig").text,
        s.get("/api/v1/runningconfig/saved").text,
        s.get("/api/v1/runningconfig?section=smtp").text,
        s.get("/api/v1/auditlog").text,
    ];
    for t in &texts {
        assert!(!t.contains(password), "{t}");
    }
    let mut disk = Vec::new();
    for f in std::fs::read_dir(s.data_dir()).unwrap() {
        let p = f.unwrap().path();
        if p.is_file() {
            disk.extend(std::fs::read(p).unwrap());
        }
    }
    assert!(!disk
        .windows(password.len())
        .any(|w| w == password.as_bytes()));
    // A new one replaces it; null clears it (with the username gone).
    let mut d = running(&s);
    d["smtp"]["username"] = Value::Null;
    d["smtp"]["password"] = Value::Null;
    let r = put(&s, &d);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(running(&s)["smtp"]["password_set"], false);
    // Back to no e-mail at all.
    let mut d = running(&s);
    d["smtp"]["host"] = Value::Null;
    let r = put(&s, &d);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(running(&s)["smtp"]["host"], Value::Null);
}

fn set_access(s: &App, access: Value) {
    let mut d = running(s);
    d["access"] = access;
    let r = put(s, &d);
    assert_eq!(r.status, 204, "{}", r.text);
}

#[test]
fn api_key_generation_policy_is_enforced() {
    let s = App::start();
    let r = s.post(
        "/api/v1/users",
        json!({"username": "ldap-ann", "name": "Ann", "type": "remote", "granted_roles": {"write": "full"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/users",
        json!({"username": "bob", "name": "Bob", "password": "a-long-password", "granted_roles": {"write": "full"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);

    set_access(&s, json!({"apikey_generation": "none"}));
    let r = s.post("/api/v1/apikeys", json!({"password": PASSWORD}));
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("apikey_generation"), "{}", r.text);
    // Refused before the password is looked at: a wrong one is refused the same way.
    let r = s.post("/api/v1/apikeys", json!({"password": "wrong-password"}));
    assert_eq!(r.status, 403, "{}", r.text);
    let r = s.post("/api/v1/users/bob/apikeys", json!({}));
    assert_eq!(r.status, 403, "{}", r.text);
    let r = s.post(
        "/api/v1/users",
        json!({"username": "carol", "name": "Carol", "password": "a-long-password",
               "granted_roles": {"write": "full"}, "create_apikey": true}),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        s.get("/api/v1/users/carol").status,
        404,
        "nothing half done"
    );
    // Existing keys still work.
    assert_eq!(s.get("/api/v1/extrahop").status, 200);

    set_access(&s, json!({"apikey_generation": "local_only"}));
    let r = s.post("/api/v1/users/ldap-ann/apikeys", json!({}));
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("local"), "{}", r.text);
    let r = s.post("/api/v1/users/bob/apikeys", json!({}));
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/apikeys",
        json!({"password": "a-long-password", "username": "bob"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);

    set_access(&s, json!({"apikey_generation": "all"}));
    let r = s.post("/api/v1/users/ldap-ann/apikeys", json!({}));
    assert_eq!(r.status, 201, "{}", r.text);
}

fn with_origin(s: &App, method: &str, path: &str, origin: &str, preflight: bool) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "sensor.example.com")
        .header("Origin", origin);
    if preflight {
        req = req.header("Access-Control-Request-Method", "PATCH").header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        );
    } else {
        req = req.header("Authorization", format!("ExtraHop apikey={}", s.key));
    }
    s.send(req.body(Body::empty()).unwrap())
}

fn acao(r: &Resp) -> Option<&str> {
    r.headers
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[test]
fn cors_preflight_and_answers_follow_the_access_settings() {
    let s = App::start();
    let soar = "https://soar.example.com";
    // No origin allowed by default.
    let r = with_origin(&s, "OPTIONS", "/api/v1/detections/1", soar, true);
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(acao(&r), None);
    let r = with_origin(&s, "GET", "/api/v1/extrahop", soar, false);
    assert_eq!(r.status, 200);
    assert_eq!(acao(&r), None);

    set_access(
        &s,
        json!({"apikey_generation": "all", "cors": {"allowed_origins": ["HTTPS://SOAR.example.com"]}}),
    );
    // Kept as browsers send origins.
    assert_eq!(
        s.get("/api/v1/runningconfig?section=access").body["cors"]["allowed_origins"],
        json!([soar])
    );
    let r = with_origin(&s, "OPTIONS", "/api/v1/detections/1", soar, true);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(acao(&r), Some(soar));
    let methods = r.headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("PATCH"), "{methods}");
    let headers = r.headers["access-control-allow-headers"].to_str().unwrap();
    assert!(headers.contains("authorization"), "{headers}");
    assert!(r.headers["vary"].to_str().unwrap().contains("Origin"));
    let r = with_origin(&s, "GET", "/api/v1/extrahop", soar, false);
    assert_eq!((r.status, acao(&r)), (200, Some(soar)));
    // An error answer carries it too (the browser lets the page read it).
    let r = with_origin(&s, "GET", "/api/v1/detections/999", soar, false);
    assert_eq!((r.status, acao(&r)), (404, Some(soar)));
    // Another origin: refused preflight, no header.
    let evil = "https://evil.example.net";
    let r = with_origin(&s, "OPTIONS", "/api/v1/detections/1", evil, true);
    assert_eq!((r.status, acao(&r)), (403, None));
    let r = with_origin(&s, "GET", "/api/v1/extrahop", evil, false);
    assert_eq!(acao(&r), None);

    set_access(
        &s,
        json!({"apikey_generation": "all", "cors": {"allow_any_origin": true}}),
    );
    let r = with_origin(&s, "OPTIONS", "/api/v1/detections/1", evil, true);
    assert_eq!((r.status, acao(&r)), (204, Some(evil)));
}

/// The files of a `.tar.gz`: (path, bytes).
fn unpack(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let p = e.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (p, data)
        })
        .collect()
}

fn wait_for_pack(s: &App, location: &str) -> Value {
    for _ in 0..600 {
        let r = s.get(location);
        match r.status {
            200 => return r.body,
            202 => {
                assert!(
                    ["queued", "running"].contains(&r.body["status"].as_str().unwrap()),
                    "{}",
                    r.text
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => panic!("{}: {}", r.status, r.text),
        }
    }
    panic!("the support pack job did not finish");
}

#[test]
fn a_support_pack_is_made_downloaded_and_holds_no_secret() {
    let s = App::start();
    let ods_secret = "ods-pw-7f3a91c2e5";
    let token = "jira-token-c0ffee5ecret";
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "ticket-server", "host": "127.0.0.1", "port": 9, "protocol": "http",
               "authentication": {"auth_type": "basic", "username": "ods", "password": ods_secret}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "Jira SOC", "connector_type_id": ".jira",
               "config": {"apiUrl": "http://127.0.0.1:9", "projectKey": "SEC"},
               "secrets": {"email": "soc@example.com", "apiToken": token}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    set_access(
        &s,
        json!({"apikey_generation": "local_only", "cors": {"allowed_origins": ["https://soar.example.com"]}}),
    );
    let smtp_secret = "smtp-pw-9e4410ab7c";
    let mut d = running(&s);
    d["smtp"] = json!({"host": "mail.example.com", "from": "sensor@example.com",
        "username": "sensor", "password": smtp_secret});
    assert_eq!(put(&s, &d).status, 204);

    let r = s.call("POST", "/api/v1/supportpacks/execute", None);
    assert_eq!(r.status, 202, "{}", r.text);
    let location = r.headers["location"].to_str().unwrap().to_string();
    let id = location.rsplit('/').next().unwrap().to_string();
    assert_eq!(location, format!("/api/v1/supportpacks/queue/{id}"));
    let pack = wait_for_pack(&s, &location);
    let name = pack["filename"].as_str().unwrap().to_string();
    assert!(name.ends_with(".tar.gz"), "{pack}");

    // The job, as /jobs shows it.
    let job = s.get(&format!("/api/v1/jobs/{id}"));
    assert_eq!(job.status, 200, "{}", job.text);
    assert_eq!(job.body["type"], "supportpack_execute");
    assert_eq!(job.body["status"], "done");
    assert_eq!(job.body["step_number"], job.body["total_steps"]);
    let jobs = s.get("/api/v1/jobs").body;
    assert!(jobs
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["id"] == id.as_str()));
    assert_eq!(s.get("/api/v1/jobs/nope").status, 404);

    let list = s.get("/api/v1/supportpacks").body;
    assert_eq!(list[0]["filename"], name.as_str(), "{list}");
    let (status, headers, bytes) =
        s.bytes("GET", &format!("/api/v1/supportpacks/{name}"), None, None);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/gzip");
    assert_eq!(list[0]["size"], bytes.len().to_string().as_str());
    let files = unpack(&bytes);
    let names: Vec<&str> = files
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap())
        .collect();
    for f in [
        "runningconfig.json",
        "odstargets.json",
        "connectors.json",
        "statistics.json",
        "auditlog.json",
        "versions.json",
        "jobs.json",
        "logs.txt",
    ] {
        assert!(names.contains(&f), "{f} missing from {names:?}");
    }
    let file = |n: &str| -> Value {
        let (_, b) = files.iter().find(|(p, _)| p.ends_with(n)).unwrap();
        serde_json::from_slice(b).unwrap()
    };
    assert_eq!(file("runningconfig.json"), running(&s));
    assert_eq!(file("odstargets.json")[0]["name"], "ticket-server");
    assert_eq!(file("connectors.json")[0]["name"], "Jira SOC");
    assert_eq!(file("statistics.json")["users"], 1);
    assert_eq!(file("runningconfig.json")["smtp"]["password_set"], true);
    // No secret anywhere in the archive: the ODS password, the connector's
    // token, the SMTP password, the caller's API key, the setup password.
    let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.clone()).collect();
    let text = String::from_utf8_lossy(&all);
    for secret in [ods_secret, token, smtp_secret, s.key.as_str(), PASSWORD] {
        assert!(!text.contains(secret), "{secret} is in the support pack");
    }
    assert!(!String::from_utf8_lossy(&bytes).contains(ods_secret));

    // Names that are not a support pack's are refused before the disk is read.
    for bad in [
        "..%2F..%2Fsecret.key",
        "..%2Fwirewatch.db",
        "secret.key",
        "..",
        ".hidden.tar.gz",
    ] {
        let r = s.get(&format!("/api/v1/supportpacks/{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.body["field"], "filename", "{}", r.text);
    }
    let r = s.get("/api/v1/supportpacks/wirewatch-supportpack-1-00000000.tar.gz");
    assert_eq!(r.status, 404, "{}", r.text);
    let r = s.get("/api/v1/supportpacks/queue/nope");
    assert_eq!(r.status, 404, "{}", r.text);
}

/// A `.tar.gz` holding `files`.
fn pack_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        t.append_data(&mut h, name, *data).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap()
}

fn upload(s: &App, bytes: &[u8]) -> Resp {
    let auth = format!("ExtraHop apikey={}", s.key);
    s.send_raw(
        "POST",
        "/api/v1/supportpacks",
        Some(bytes),
        "application/gzip",
        Some(&auth),
    )
}

#[test]
fn an_uploaded_support_pack_applies_its_configuration_validated() {
    let s = App::start();
    let before = running(&s);
    let mut doc = before.clone();
    doc["retention"]["records_max"] = json!(12345);
    doc["access"]["cors"] =
        json!({"allow_any_origin": false, "allowed_origins": ["https://soar.example.com"]});

    // Invalid: refused naming the field, nothing applied.
    let mut bad = doc.clone();
    bad["retention"]["records_max_age_ms"] = json!(5);
    let r = upload(
        &s,
        &pack_of(&[("pack/runningconfig.json", bad.to_string().as_bytes())]),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "/retention/records_max_age_ms");
    assert_eq!(running(&s), before);
    // Not an archive; an archive without a configuration; nothing at all.
    let r = upload(&s, b"{}");
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("file")),
        "{}",
        r.text
    );
    let r = upload(&s, &pack_of(&[("pack/notes.txt", b"hello")]));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("file")),
        "{}",
        r.text
    );
    let r = upload(&s, b"");
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(running(&s), before);

    // A pack as execute makes them: applied.
    let r = upload(
        &s,
        &pack_of(&[
            ("pack/logs.txt", b"x"),
            ("pack/runningconfig.json", doc.to_string().as_bytes()),
        ]),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(running(&s), doc);
    let location = r.headers["location"].to_str().unwrap().to_string();
    let q = s.get(&location);
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["type"], "supportpack_upload");
    assert_eq!(q.body["status"], "done");
    let log = s.get("/api/v1/auditlog").body;
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["body"]["operation"] == "apply support pack (running configuration)"));
}

#[test]
fn licence_cloud_and_certificate_answer_what_applies() {
    let s = App::start();
    let r = s.get("/api/v1/license");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["expires_at"], Value::Null);
    assert_eq!(r.body["product_key"], Value::Null);
    assert_eq!(r.body["license"], "Apache-2.0");
    assert!(r.body["modules"]
        .as_object()
        .unwrap()
        .values()
        .all(|v| v == true));
    assert_eq!(
        s.get("/api/v1/license/productkey").body,
        json!({"product_key": null})
    );
    for (m, p) in [
        ("PUT", "/api/v1/license"),
        ("PUT", "/api/v1/license/productkey"),
        ("POST", "/api/v1/cloud/connect"),
        ("POST", "/api/v1/extrahop/cloudresources"),
    ] {
        let r = s.call(
            m,
            p,
            Some(json!({"product_key": "ABCD", "cloud_token": "t"})),
        );
        assert_eq!(r.status, 501, "{m} {p}: {}", r.text);
        assert!(r.body["error_message"].as_str().unwrap().len() > 20);
    }
    // This in-process app serves no TLS: no certificate, said in JSON.
    let r = s.call_with("GET", "/public.cer", None, None);
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(r.text.contains("plain HTTP"), "{}", r.text);
}
