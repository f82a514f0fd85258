//! SAML 2.0 login into the web app, against Responses built and signed by
//! an independent implementation (`saml_idp.py`: Python signxml + lxml)
//! with known keys: SP-initiated and IdP-initiated logins, the session they
//! open and its mapped privileges, and every refusal (wrong certificate,
//! tampering, signature wrapping, expiry, audience, recipient, replay,
//! unknown InResponseTo, disabled IdP, no privilege, SHA-1, comments).

use crate::common::*;
use axum::body::Body;
use axum::http::Request;
use base64::Engine as _;
use serde_json::{json, Value};
use std::io::{Read as _, Write as _};

const ISSUER: &str = "https://idp.test/saml";
const FORM: &str = "application/x-www-form-urlencoded";

/// The test IdP: its key directory.
struct Idp {
    dir: tempfile::TempDir,
}

/// A Response the test IdP built.
struct Signed {
    cert: String,
    b64: String,
    xml: String,
}

impl Idp {
    fn new() -> Idp {
        Idp {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn response(&self, mut args: Value) -> Signed {
        args["dir"] = json!(self.dir.path());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/routes/saml_idp.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 (scripts/install-test-deps.sh installs it with signxml)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(args.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "saml_idp.py failed (pip install signxml): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        Signed {
            cert: v["cert"].as_str().unwrap().to_string(),
            b64: v["response"].as_str().unwrap().to_string(),
            xml: v["xml"].as_str().unwrap().to_string(),
        }
    }

    fn cert(&self) -> String {
        self.response(json!({})).cert
    }
}

fn b64(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

fn form(saml_response: &str, relay: Option<&str>) -> Vec<u8> {
    let mut f = form_urlencoded::Serializer::new(String::new());
    f.append_pair("SAMLResponse", saml_response);
    if let Some(r) = relay {
        f.append_pair("RelayState", r);
    }
    f.finish().into_bytes()
}

/// Post a Response to the ACS as a JSON client.
fn post(s: &App, saml_response: &str) -> Resp {
    s.send_raw(
        "POST",
        "/saml/acs",
        Some(&form(saml_response, None)),
        FORM,
        None,
    )
}

/// An app with the test IdP configured (auto-provisioning) and a mapping:
/// `groups` `analysts` → write_limited + ndr full, `leads` → system.
fn app_with_idp(idp: &Idp) -> (App, String) {
    let s = App::start();
    let r = s.post(
        "/api/v1/auth/identityproviders",
        json!({"name": "Test IdP", "type": "saml", "enabled": true, "auto_provision_users": true,
               "entity_id": ISSUER, "sso_url": "https://idp.test/sso",
               "signing_certificate": idp.cert()}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let r = s.patch(
        &format!("{loc}/privileges"),
        json!({"writelevel": {"attribute": "groups", "values": {"write_limited": ["analysts"], "system": ["leads"]}},
               "ndrlevel": {"attribute": "groups", "values": {"full": ["analysts"]}}}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    (s, loc)
}

fn analyst() -> Value {
    json!({"attributes": {"groups": ["analysts"]}})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

/// The session cookie an answer set (`name=value`).
fn cookie(r: &Resp) -> String {
    let set = r
        .headers
        .get("set-cookie")
        .unwrap_or_else(|| panic!("no cookie: {} {}", r.status, r.text))
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_string()
}

fn with_cookie(s: &App, path: &str, cookie: &str) -> Resp {
    s.send(
        Request::builder()
            .uri(path)
            .header("Host", "sensor.example.com")
            .header("Accept", "application/json")
            .header("Cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
}

/// Refused: 403 (no cookie) whose message contains `why`.
fn assert_refused(r: &Resp, why: &str) {
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.headers.get("set-cookie").is_none(),
        "no session: {}",
        r.text
    );
    assert!(r.text.contains(why), "expected {why:?} in {}", r.text);
}

#[test]
fn an_idp_initiated_login_opens_a_session_with_the_mapped_privileges() {
    let idp = Idp::new();
    let (s, _) = app_with_idp(&idp);
    let signed = idp.response(analyst());
    // A browser posts the form: a page that moves on to the app.
    let r = s.send(
        Request::builder()
            .method("POST")
            .uri("/saml/acs")
            .header("Host", "sensor.example.com")
            .header("Accept", "text/html")
            .header("Content-Type", FORM)
            .header("Origin", "https://idp.test")
            .header("Sec-Fetch-Site", "cross-site")
            .body(Body::from(form(&signed.b64, Some("/app#/detections"))))
            .unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("url=/app#/detections"), "{}", r.text);
    assert_eq!(r.headers["cache-control"], "no-store");
    let set = r.headers["set-cookie"].to_str().unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    let c = cookie(&r);
    assert!(c.starts_with("__Host-wirewatch_session="), "{c}");

    // The session: the remote user, the mapped privileges, on /api/v1 too.
    let me = with_cookie(&s, "/app/session", &c);
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["username"], "alice@example.com");
    assert_eq!(me.body["roles"], json!({"write": "limited", "ndr": "full"}));
    let user = s.get("/api/v1/users/alice@example.com");
    assert_eq!(user.body["type"], "remote", "{}", user.text);
    assert_eq!(with_cookie(&s, "/api/v1/detections", &c).status, 200);
    assert_eq!(
        with_cookie(&s, "/api/v1/users", &c).status,
        403,
        "write_limited is not system"
    );
    // The audit log says who logged in, how.
    let log = s.get("/api/v1/auditlog?limit=5");
    assert!(
        log.text.contains("\"method\":\"saml\"") && log.text.contains("alice@example.com"),
        "{}",
        log.text
    );

    // A later login with other attributes: the granted roles follow the IdP.
    let lead = idp.response(json!({"attributes": {"groups": ["leads"]}}));
    let r = post(&s, &lead.b64);
    assert_eq!(r.status, 200, "{}", r.text);
    let me = with_cookie(&s, "/app/session", &cookie(&r));
    assert_eq!(me.body["roles"]["system"], "full", "{}", me.text);
    assert_eq!(with_cookie(&s, "/api/v1/users", &cookie(&r)).status, 200);

    // The same Response again: a replay.
    assert_refused(&post(&s, &lead.b64), "replay");

    // A Response signed on the Response (not the Assertion) is accepted too.
    let whole = idp.response(with(analyst(), json!({"sign": "response"})));
    assert_eq!(post(&s, &whole.b64).status, 200);
}

#[test]
fn an_sp_initiated_login_answers_its_request_and_only_it() {
    let idp = Idp::new();
    let (s, loc) = app_with_idp(&idp);
    let id = loc.rsplit('/').next().unwrap();

    // The login page's list, then the redirect to the IdP.
    let list = s.send_raw("GET", "/saml/providers", None, "", None);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body[0]["name"], "Test IdP");
    let r = s.send_raw(
        "GET",
        &format!("/saml/login?idp={id}&next=/app%23/devices"),
        None,
        "",
        None,
    );
    assert_eq!(r.status, 303, "{}", r.text);
    let to = url::Url::parse(r.headers["location"].to_str().unwrap()).unwrap();
    assert_eq!(to.host_str(), Some("idp.test"));
    let q: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&q["SAMLRequest"])
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&raw[..])
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains("<saml:Issuer>https://sensor.example.com/saml/metadata</saml:Issuer>"),
        "{xml}"
    );
    assert!(xml.contains("AssertionConsumerServiceURL=\"https://sensor.example.com/saml/acs\""));
    let request_id = xml
        .split("ID=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();

    // A Response to another request: refused; to this one: a session, and
    // the app path the login started from.
    let other = idp.response(with(analyst(), json!({"in_response_to": "_not-sent-here"})));
    assert_refused(&post(&s, &other.b64), "InResponseTo");
    let answer = idp.response(with(analyst(), json!({"in_response_to": request_id})));
    let r = post(&s, &answer.b64);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("url=/app#/devices"), "{}", r.text);
    // The request is answered: a second Response to it is refused.
    let again = idp.response(with(analyst(), json!({"in_response_to": request_id})));
    assert_refused(&post(&s, &again.b64), "InResponseTo");

    // Unknown and disabled providers start no login.
    assert_eq!(
        s.send_raw("GET", "/saml/login?idp=999", None, "", None)
            .status,
        404
    );
    assert_eq!(
        s.send_raw("GET", "/saml/login?idp=x", None, "", None)
            .status,
        400
    );
    assert_eq!(s.patch(&loc, json!({"enabled": false})).status, 204);
    assert_eq!(
        s.send_raw("GET", &format!("/saml/login?idp={id}"), None, "", None)
            .status,
        403
    );
    assert_eq!(
        s.send_raw("GET", "/saml/providers", None, "", None).body,
        json!([])
    );
    // … and a disabled IdP's Responses open no session.
    let r = post(&s, &idp.response(analyst()).b64);
    assert_refused(&r, "disabled");
}

#[test]
fn forged_and_tampered_responses_are_refused() {
    let idp = Idp::new();
    let (s, _) = app_with_idp(&idp);
    // Signed with another key than the configured certificate.
    let other = idp.response(with(analyst(), json!({"key": "other"})));
    assert_refused(&post(&s, &other.b64), "does not verify");
    // An attribute changed after signing.
    let good = idp.response(analyst());
    let tampered = good.xml.replace(">analysts<", ">leads<");
    assert_ne!(tampered, good.xml);
    assert_refused(&post(&s, &b64(&tampered)), "does not verify");
    // The NameID changed after signing.
    let tampered = good.xml.replace("alice@example.com", "setup");
    assert_refused(&post(&s, &b64(&tampered)), "does not verify");
    // Not signed at all.
    let unsigned = idp.response(with(analyst(), json!({"sign": "none"})));
    assert_refused(&post(&s, &unsigned.b64), "not signed");
    // SHA-1.
    let sha1 = idp.response(with(
        analyst(),
        json!({"signature_algorithm": "RSA_SHA1", "digest_algorithm": "SHA1"}),
    ));
    assert_refused(&post(&s, &sha1.b64), "SHA-256");
    // The untouched Response still logs in (the refusals were not the test's fault).
    assert_eq!(post(&s, &good.b64).status, 200);
}

#[test]
fn signature_wrapping_and_comment_tricks_are_refused() {
    let idp = Idp::new();
    let (s, _) = app_with_idp(&idp);
    for (attack, why) in [
        ("evil-sibling", "exactly one Assertion"),
        ("evil-wrapped", "does not verify"),
        ("signature-elsewhere", "enveloped"),
    ] {
        let r = post(
            &s,
            &idp.response(with(analyst(), json!({"attack": attack}))).b64,
        );
        assert_refused(&r, why);
        assert!(!r.text.contains("mallory"), "{attack}: {}", r.text);
    }
    // A comment in the NameID leaves exclusive c14n's digest unchanged (the
    // classic truncation trick): comments are refused outright.
    let good = idp.response(analyst());
    let commented = good
        .xml
        .replace("alice@example.com<", "alice@example.com<!---->.evil<");
    assert_refused(&post(&s, &b64(&commented)), "comments");
    // A DOCTYPE (entities) is refused before any parsing of its content.
    let doctype = good.xml.replacen(
        "<samlp:Response",
        "<!DOCTYPE r [<!ENTITY x \"y\">]><samlp:Response",
        1,
    );
    assert_refused(&post(&s, &b64(&doctype)), "DOCTYPE");
    assert!(
        s.get("/api/v1/users/mallory").status == 404,
        "no user was created by an attack"
    );
}

#[test]
fn conditions_audience_and_recipient_are_checked() {
    let idp = Idp::new();
    let (s, _) = app_with_idp(&idp);
    let cases = [
        (json!({"not_on_or_after": -600}), "expired"),
        (json!({"not_before": 3600}), "not valid yet"),
        (
            json!({"audience": "https://other-sp.example.com/"}),
            "audience",
        ),
        (
            json!({"recipient": "https://other-sp.example.com/acs", "destination": "https://sensor.example.com/saml/acs"}),
            "Recipient",
        ),
        (
            json!({"destination": "https://other-sp.example.com/acs"}),
            "Destination",
        ),
        (
            json!({"issuer": "https://unknown-idp.test/"}),
            "no identity provider",
        ),
        (
            json!({"status": "urn:oasis:names:tc:SAML:2.0:status:Requester"}),
            "did not log the user in",
        ),
    ];
    for (extra, why) in cases {
        let r = post(&s, &idp.response(with(analyst(), extra.clone())).b64);
        assert_refused(&r, why);
    }
}

#[test]
fn users_without_privileges_or_provisioning_get_no_session() {
    let idp = Idp::new();
    let (s, loc) = app_with_idp(&idp);
    // No attribute maps to a privilege: a clear page, no session, no user.
    let none = idp.response(json!({"attributes": {"groups": ["visitors"]}}));
    let page = s.send(
        Request::builder()
            .method("POST")
            .uri("/saml/acs")
            .header("Host", "sensor.example.com")
            .header("Accept", "text/html")
            .header("Content-Type", FORM)
            .body(Body::from(form(&none.b64, None)))
            .unwrap(),
    );
    assert_eq!(page.status, 403, "{}", page.text);
    assert!(page.headers.get("set-cookie").is_none());
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "a page for the browser"
    );
    assert!(page.text.contains("has no privilege"), "{}", page.text);
    assert_eq!(s.get("/api/v1/users/alice@example.com").status, 404);
    // A local user's name is not taken over by an IdP.
    let local = idp.response(with(analyst(), json!({"name_id": "setup"})));
    assert_refused(&post(&s, &local.b64), "local user");
    // Without auto-provisioning an unknown user is refused…
    assert_eq!(
        s.patch(&loc, json!({"auto_provision_users": false})).status,
        204
    );
    assert_refused(
        &post(&s, &idp.response(analyst()).b64),
        "auto_provision_users",
    );
    // … a remote user created by an administrator logs in, unless disabled.
    let r = s.post(
        "/api/v1/users",
        json!({"username": "alice@example.com", "type": "remote"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(post(&s, &idp.response(analyst()).b64).status, 200);
    assert_eq!(
        s.patch("/api/v1/users/alice@example.com", json!({"enabled": false}))
            .status,
        204
    );
    assert_refused(&post(&s, &idp.response(analyst()).b64), "disabled");
}

#[test]
fn malformed_posts_name_the_field_and_big_ones_are_refused() {
    let idp = Idp::new();
    let (s, _) = app_with_idp(&idp);
    let r = s.send_raw("POST", "/saml/acs", Some(b"RelayState=x"), FORM, None);
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("SAMLResponse")),
        "{}",
        r.text
    );
    assert_refused(&post(&s, "not base64!"), "base64");
    assert_refused(&post(&s, &b64("<a>")), "root element");
    let huge = vec![b'A'; 2 * 1024 * 1024];
    let mut body = b"SAMLResponse=".to_vec();
    body.extend_from_slice(&huge);
    let r = s.send_raw("POST", "/saml/acs", Some(&body), FORM, None);
    assert_eq!(r.status, 413, "{}", r.text);
}

/// Every one-character change inside the signed Assertion (outside its
/// Signature) is refused by the verifier: a sweep over the whole element.
#[test]
fn any_change_to_the_signed_assertion_is_refused() {
    use wirewatch_api::saml::response::{verify, Expected};
    let idp = Idp::new();
    let signed = idp.response(analyst());
    let exp = Expected {
        idp_entity_id: ISSUER,
        certificate_pem: &signed.cert,
        sp_entity_id: "https://sensor.example.com/saml/metadata",
        acs_url: "https://sensor.example.com/saml/acs",
        in_response_to: None,
        now_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    };
    let xml = &signed.xml;
    let ok = verify(xml, &exp).expect("the untouched Response verifies");
    assert_eq!(ok.name_id, "alice@example.com");
    assert_eq!(ok.attributes["groups"], vec!["analysts".to_string()]);
    let start = xml.find("<saml:Assertion").unwrap();
    let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let (sig_start, sig_end) = (
        xml.find("<ds:Signature").unwrap(),
        xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len(),
    );
    let mut tried = 0;
    for i in (start..end).filter(|i| !(sig_start..sig_end).contains(i)) {
        let mut bytes = xml.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'X' { b'Y' } else { b'X' };
        let changed = String::from_utf8(bytes).unwrap();
        tried += 1;
        assert!(
            verify(&changed, &exp).is_err(),
            "a change at byte {i} ({:?}) was accepted",
            &xml[i.saturating_sub(20)..(i + 20).min(xml.len())]
        );
    }
    assert!(tried > 1000, "{tried}");
}
